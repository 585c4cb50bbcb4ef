//! CNI invocation (spec 1.0): ADD on sandbox creation, DEL on removal, with the result of every
//! ADD stored per pod so DEL can run even after a crash.

use serde_json::{json, Value};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CniError {
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("CNI config {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("CNI plugin {plugin} {command} failed: {message}")]
    Plugin {
        plugin: String,
        command: &'static str,
        message: String,
    },
    #[error("CNI result has no IPv4 address: {0}")]
    NoAddress(String),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> CniError + 'a {
    move |source| CniError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A pod's network attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub ip: Ipv4Addr,
    pub gateway: Option<Ipv4Addr>,
}

pub struct Cni {
    conf_path: PathBuf,
    plugin_dirs: Vec<PathBuf>,
    state_dir: PathBuf,
}

/// One hostPort of a pod, in the shape of the CNI `portMappings` capability.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    pub host_port: u16,
    pub container_port: u16,
    /// "tcp", "udp" or "sctp".
    pub protocol: String,
    #[serde(rename = "hostIP", default, skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
}

/// A plugin's configuration as the runtime hands it over: the list's name and version, the
/// previous result, and `runtimeConfig` for each capability the plugin declares that the
/// runtime has a value for (CNI spec: "Deriving runtimeConfig").
fn plugin_conf(list: &Value, plugin: &Value, runtime: &Value, prev: Option<&Value>) -> Value {
    let mut conf = plugin.clone();
    conf["name"] = list["name"].clone();
    conf["cniVersion"] = list["cniVersion"].clone();
    if let Some(r) = prev {
        conf["prevResult"] = r.clone();
    }
    let mut rc = serde_json::Map::new();
    if let Some(caps) = plugin.get("capabilities").and_then(Value::as_object) {
        for (cap, on) in caps {
            if on.as_bool() == Some(true) {
                if let Some(v) = runtime.get(cap) {
                    rc.insert(cap.clone(), v.clone());
                }
            }
        }
    }
    if !rc.is_empty() {
        conf["runtimeConfig"] = Value::Object(rc);
    }
    conf
}

/// The default network: a bridge with host-local IPAM over `pod_cidr` (e.g. 10.244.0.0/24).
pub fn default_conflist(bridge: &str, pod_cidr: &str, gateway: Ipv4Addr, ipam_dir: &Path) -> Value {
    json!({
        "cniVersion": "1.0.0",
        "name": "peapod",
        "plugins": [
            {
                "type": "bridge",
                "bridge": bridge,
                "isGateway": true,
                "ipMasq": false,
                "hairpinMode": true,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": pod_cidr, "gateway": gateway.to_string()}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": ipam_dir.display().to_string(),
                }
            }
        ]
    })
}

impl Cni {
    /// Uses the conflist at `conf_path`, writing `default` there first if it does not exist (a
    /// user may replace it with any other CNI configuration).
    pub fn open(conf_path: &Path, default: &Value, state_dir: &Path) -> Result<Cni, CniError> {
        if !conf_path.exists() {
            if let Some(dir) = conf_path.parent() {
                std::fs::create_dir_all(dir).map_err(io("create", dir))?;
            }
            let text = serde_json::to_string_pretty(default).unwrap_or_default();
            std::fs::write(conf_path, text).map_err(io("write", conf_path))?;
        }
        std::fs::create_dir_all(state_dir).map_err(io("create", state_dir))?;
        let plugin_dirs = ["/usr/lib/cni", "/opt/cni/bin", "/usr/libexec/cni"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let cni = Cni {
            conf_path: conf_path.to_path_buf(),
            plugin_dirs,
            state_dir: state_dir.to_path_buf(),
        };
        cni.conflist()?;
        Ok(cni)
    }

    /// Whether a plugin of the configuration takes `portMappings` (e.g. portmap): then hostPorts
    /// are CNI's; otherwise the service proxy forwards them.
    pub fn handles_port_mappings(&self) -> bool {
        self.conflist().is_ok_and(|list| {
            list.get("plugins")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|p| p.pointer("/capabilities/portMappings") == Some(&Value::Bool(true)))
        })
    }

    fn conflist(&self) -> Result<Value, CniError> {
        let bad = |message: String| CniError::Config {
            path: self.conf_path.clone(),
            message,
        };
        let text = std::fs::read_to_string(&self.conf_path).map_err(io("read", &self.conf_path))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if v.get("plugins")
            .and_then(Value::as_array)
            .is_none_or(|p| p.is_empty())
        {
            return Err(bad("`plugins` must be a non-empty list".into()));
        }
        Ok(v)
    }

    fn plugin(&self, typ: &str) -> Result<PathBuf, CniError> {
        self.plugin_dirs
            .iter()
            .map(|d| d.join(typ))
            .find(|p| p.is_file())
            .ok_or_else(|| CniError::Plugin {
                plugin: typ.to_string(),
                command: "find",
                message: format!(
                    "not found in {:?} (install containernetworking-plugins)",
                    self.plugin_dirs
                ),
            })
    }

    async fn invoke(
        &self,
        typ: &str,
        command: &'static str,
        id: &str,
        netns: &str,
        conf: &Value,
    ) -> Result<Value, CniError> {
        use tokio::io::AsyncWriteExt;
        let bin = self.plugin(typ)?;
        let started = std::time::Instant::now();
        let path = std::env::join_paths(&self.plugin_dirs).unwrap_or_default();
        let mut child = tokio::process::Command::new(&bin)
            .env("CNI_COMMAND", command)
            .env("CNI_CONTAINERID", id)
            .env("CNI_NETNS", netns)
            .env("CNI_IFNAME", "eth0")
            .env("CNI_PATH", path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(io("run", &bin))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin
                .write_all(&serde_json::to_vec(conf).unwrap_or_default())
                .await;
        }
        let out = child.wait_with_output().await.map_err(io("run", &bin))?;
        tracing::debug!(
            plugin = typ,
            command,
            ms = started.elapsed().as_millis() as u64,
            "CNI plugin"
        );
        if !out.status.success() {
            let body: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            let message = body
                .get("msg")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| {
                    format!(
                        "{}{}",
                        String::from_utf8_lossy(&out.stdout).trim(),
                        String::from_utf8_lossy(&out.stderr).trim()
                    )
                });
            return Err(CniError::Plugin {
                plugin: typ.to_string(),
                command,
                message,
            });
        }
        Ok(serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
    }

    fn state_file(&self, id: &str) -> PathBuf {
        self.state_dir.join(format!("{id}.json"))
    }

    /// CNI ADD of the pod `id` in `netns` (whose `lo` the sandbox brought up); idempotent per
    /// pod.
    /// `ports` go to plugins with the `portMappings` capability.
    pub async fn add(
        &self,
        id: &str,
        netns: &Path,
        ports: &[PortMapping],
    ) -> Result<Attachment, CniError> {
        if let Some(a) = self.attachment(id) {
            return Ok(a);
        }
        let list = self.conflist()?;
        let netns_s = netns.display().to_string();
        let runtime = if ports.is_empty() {
            json!({})
        } else {
            json!({ "portMappings": ports })
        };
        let result = self.add_chain(&list, &runtime, id, &netns_s).await?;
        let att = parse_result(&result)?;
        let state = json!({"containerId": id, "netns": netns_s, "result": result, "conflist": list, "runtimeConfig": runtime});
        self.write_state(id, &state)?;
        Ok(att)
    }

    fn write_state(&self, id: &str, state: &Value) -> Result<(), CniError> {
        let path = self.state_file(id);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(state).unwrap_or_default())
            .map_err(io("write", &tmp))?;
        std::fs::rename(&tmp, &path).map_err(io("rename", &path))
    }

    /// Moves the attachment of `from` (a sandbox made before its pod) to the pod `to`: it is
    /// `to`'s from now on, and its DEL still names the container id the ADD did.
    pub fn adopt(&self, from: &str, to: &str) -> Result<Attachment, CniError> {
        let path = self.state_file(from);
        let bytes = std::fs::read(&path).map_err(io("read", &path))?;
        let mut state: Value = serde_json::from_slice(&bytes).map_err(|e| CniError::Config {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let att = parse_result(state.get("result").unwrap_or(&Value::Null))?;
        if state.get("containerId").is_none() {
            state["containerId"] = json!(from);
        }
        self.write_state(to, &state)?;
        std::fs::remove_file(&path).map_err(io("remove", &path))?;
        Ok(att)
    }

    /// ADD through the conflist's plugins in order, each given the previous result; a failure
    /// undoes the chain (DEL) so no address leaks. The last plugin's result.
    async fn add_chain(
        &self,
        list: &Value,
        runtime: &Value,
        id: &str,
        netns_s: &str,
    ) -> Result<Value, CniError> {
        let mut prev: Option<Value> = None;
        let plugins = list
            .get("plugins")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for p in &plugins {
            let typ = p
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let conf = plugin_conf(list, p, runtime, prev.as_ref());
            match self.invoke(&typ, "ADD", id, netns_s, &conf).await {
                Ok(r) => prev = Some(r),
                Err(e) => {
                    // Undo what was done so no address leaks.
                    let _ = self.del_with(list, runtime, id, netns_s).await;
                    return Err(e);
                }
            }
        }
        Ok(prev.unwrap_or(Value::Null))
    }

    /// The stored attachment of a pod, if it has one.
    pub fn attachment(&self, id: &str) -> Option<Attachment> {
        let v: Value = serde_json::from_slice(&std::fs::read(self.state_file(id)).ok()?).ok()?;
        parse_result(v.get("result")?).ok()
    }

    /// Pods with a stored attachment (for cleanup after a crash).
    pub fn attached(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(&self.state_dir) else {
            return Vec::new();
        };
        rd.filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(String::from)
        })
        .collect()
    }

    /// CNI DEL with the configuration the pod was added with; releases its address even when
    /// the network namespace is already gone.
    pub async fn del(&self, id: &str) -> Result<(), CniError> {
        let path = self.state_file(id);
        let Ok(bytes) = std::fs::read(&path) else {
            return Ok(());
        };
        let state: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let list = state.get("conflist").cloned().unwrap_or(self.conflist()?);
        let netns = state
            .get("netns")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let netns = if Path::new(&netns).exists() {
            netns
        } else {
            String::new()
        };
        let runtime = state.get("runtimeConfig").cloned().unwrap_or(json!({}));
        // The id the ADD was made with (another than the pod's for an adopted attachment).
        let container_id = state
            .get("containerId")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string();
        self.del_with(&list, &runtime, &container_id, &netns)
            .await?;
        let _ = std::fs::remove_file(&path);
        Ok(())
    }

    async fn del_with(
        &self,
        list: &Value,
        runtime: &Value,
        id: &str,
        netns: &str,
    ) -> Result<(), CniError> {
        let plugins = list
            .get("plugins")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut first_err = None;
        for p in plugins.iter().rev() {
            let typ = p
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let conf = plugin_conf(list, p, runtime, None);
            if let Err(e) = self.invoke(&typ, "DEL", id, netns, &conf).await {
                first_err.get_or_insert(e);
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The first IPv4 address (and gateway) of a CNI result.
fn parse_result(r: &Value) -> Result<Attachment, CniError> {
    let ips = r
        .get("ips")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for ip in ips {
        let addr = ip
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Ok(a) = addr
            .split('/')
            .next()
            .unwrap_or_default()
            .parse::<Ipv4Addr>()
        {
            let gateway = ip
                .get("gateway")
                .and_then(Value::as_str)
                .and_then(|g| g.parse().ok());
            return Ok(Attachment { ip: a, gateway });
        }
    }
    Err(CniError::NoAddress(r.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_results() {
        let r = json!({"cniVersion": "1.0.0", "ips": [{"address": "10.244.0.5/24", "gateway": "10.244.0.1", "interface": 2}]});
        assert_eq!(
            parse_result(&r).unwrap(),
            Attachment {
                ip: "10.244.0.5".parse().unwrap(),
                gateway: Some("10.244.0.1".parse().unwrap())
            }
        );
        assert!(parse_result(&json!({})).is_err());
    }

    #[test]
    fn capabilities_become_runtime_config() {
        let list = json!({"name": "n", "cniVersion": "1.0.0"});
        let ports = [PortMapping {
            host_port: 8080,
            container_port: 80,
            protocol: "tcp".into(),
            host_ip: String::new(),
        }];
        let runtime = json!({ "portMappings": ports });
        let portmap = json!({"type": "portmap", "capabilities": {"portMappings": true}});
        let c = plugin_conf(&list, &portmap, &runtime, Some(&json!({"ips": []})));
        assert_eq!(
            c["runtimeConfig"],
            json!({"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]})
        );
        assert_eq!(c["name"], "n");
        assert_eq!(c["prevResult"], json!({"ips": []}));
        // A plugin without the capability gets none.
        let bridge = json!({"type": "bridge"});
        assert!(plugin_conf(&list, &bridge, &runtime, None)
            .get("runtimeConfig")
            .is_none());
    }

    #[test]
    fn an_adopted_attachment_keeps_its_container_id() {
        let dir = tempfile::tempdir().unwrap();
        let def = default_conflist(
            "pp0",
            "10.244.0.0/24",
            "10.244.0.1".parse().unwrap(),
            &dir.path().join("ipam"),
        );
        let cni = Cni::open(
            &dir.path().join("c.conflist"),
            &def,
            &dir.path().join("state"),
        )
        .unwrap();
        let result = json!({"cniVersion": "1.0.0", "ips": [{"address": "10.244.0.9/24", "gateway": "10.244.0.1"}]});
        cni.write_state(
            "warm-1",
            &json!({"containerId": "warm-1", "netns": "/proc/1/ns/net", "result": result}),
        )
        .unwrap();
        assert!(cni.adopt("warm-9", "pod-a").is_err(), "nothing to adopt");
        let att = cni.adopt("warm-1", "pod-a").unwrap();
        assert_eq!(att.ip, "10.244.0.9".parse::<Ipv4Addr>().unwrap());
        assert_eq!(cni.attached(), vec!["pod-a".to_string()]);
        assert_eq!(cni.attachment("pod-a"), Some(att));
        let state: Value =
            serde_json::from_slice(&std::fs::read(cni.state_file("pod-a")).unwrap()).unwrap();
        assert_eq!(state["containerId"], "warm-1", "DEL names the id ADD used");
    }

    #[test]
    fn writes_a_default_config_once() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("net/10-peapod.conflist");
        let def = default_conflist(
            "pp0",
            "10.244.0.0/24",
            "10.244.0.1".parse().unwrap(),
            &dir.path().join("ipam"),
        );
        Cni::open(&conf, &def, &dir.path().join("state")).unwrap();
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&conf).unwrap()).unwrap();
        assert_eq!(
            written["plugins"][0]["ipam"]["ranges"][0][0]["subnet"],
            "10.244.0.0/24"
        );
        std::fs::write(&conf, "{\"plugins\": []}").unwrap();
        assert!(matches!(
            Cni::open(&conf, &def, &dir.path().join("state")),
            Err(CniError::Config { .. })
        ));
    }
}
