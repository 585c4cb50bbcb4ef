//! Turning a Pod's spec into what the runtime needs: the sandbox config (hostname, DNS, host
//! aliases), each container's config (command, env with valueFrom and service links, mounts,
//! security, resources), and the volumes materialised in the pod's directory.

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use peapod_api::error::ApiError;
use peapod_api::resources::lookup;
use peapod_apiserver::registry::ListOptions;
use peapod_apiserver::Registry;
use peapod_runtime::config::{
    ContainerConfig, DnsConfig, Mount, Resources, SandboxConfig, Seccomp, SecurityConfig,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Cluster settings containers see.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub cluster_dns: String,
    pub cluster_domain: String,
    pub node_name: String,
    pub node_ip: String,
    /// Where `seccompProfile.localhostProfile` paths are resolved (`<data-dir>/seccomp`).
    pub seccomp_dir: PathBuf,
}

pub fn sandbox_config(pod: &Pod, cluster: &ClusterConfig) -> SandboxConfig {
    let spec = pod.spec.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let namespace = pod
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".into());
    let hostname = spec
        .hostname
        .clone()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| name.clone());
    SandboxConfig {
        pod_uid: pod.metadata.uid.clone().unwrap_or_default(),
        name,
        namespace: namespace.clone(),
        hostname,
        host_network: spec.host_network.unwrap_or(false),
        share_pid: spec.share_process_namespace.unwrap_or(false),
        dns: dns_config(&spec, &namespace, cluster),
        host_aliases: spec
            .host_aliases
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.ip, a.hostnames.unwrap_or_default()))
            .collect(),
    }
}

/// resolv.conf per dnsPolicy: ClusterFirst (default), Default (the node's), None (dnsConfig only).
pub fn dns_config(spec: &PodSpec, namespace: &str, cluster: &ClusterConfig) -> DnsConfig {
    let policy = spec
        .dns_policy
        .clone()
        .unwrap_or_else(|| "ClusterFirst".into());
    let host_net = spec.host_network.unwrap_or(false);
    let mut dns = match policy.as_str() {
        "None" => DnsConfig::default(),
        "Default" => host_resolv(),
        "ClusterFirst" if host_net => host_resolv(),
        _ => DnsConfig {
            nameservers: vec![cluster.cluster_dns.clone()],
            searches: vec![
                format!("{namespace}.svc.{}", cluster.cluster_domain),
                format!("svc.{}", cluster.cluster_domain),
                cluster.cluster_domain.clone(),
            ],
            options: vec!["ndots:5".into()],
        },
    };
    if let Some(cfg) = &spec.dns_config {
        dns.nameservers
            .extend(cfg.nameservers.clone().unwrap_or_default());
        dns.searches
            .extend(cfg.searches.clone().unwrap_or_default());
        for o in cfg.options.clone().unwrap_or_default() {
            let name = o.name.unwrap_or_default();
            dns.options
                .retain(|x| x.split(':').next() != Some(name.as_str()));
            dns.options.push(match o.value {
                Some(v) => format!("{name}:{v}"),
                None => name,
            });
        }
    }
    dns
}

fn host_resolv() -> DnsConfig {
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let mut d = DnsConfig::default();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        match parts.next() {
            Some("nameserver") => d.nameservers.extend(parts.next().map(String::from)),
            Some("search") => d.searches = parts.map(String::from).collect(),
            Some("options") => d.options = parts.map(String::from).collect(),
            _ => {}
        }
    }
    d
}

/// Parses a CPU quantity into millicores.
fn millicores(q: &str) -> Option<i64> {
    if let Some(m) = q.strip_suffix('m') {
        return m.parse().ok();
    }
    q.parse::<f64>().ok().map(|c| (c * 1000.0).round() as i64)
}

/// Parses a memory quantity into bytes.
pub fn bytes(q: &str) -> Option<i64> {
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("m", 1e-3),
    ];
    for (s, mult) in SUFFIXES {
        if let Some(n) = q.strip_suffix(s) {
            return n.parse::<f64>().ok().map(|v| (v * mult) as i64);
        }
    }
    q.parse::<f64>().ok().map(|v| v as i64)
}

fn resources(c: &Container) -> Resources {
    let r = c.resources.clone().unwrap_or_default();
    let limits = r.limits.unwrap_or_default();
    let requests = r.requests.unwrap_or_default();
    let cpu_limit = limits.get("cpu").and_then(|q| millicores(&q.0));
    let cpu_request = requests
        .get("cpu")
        .and_then(|q| millicores(&q.0))
        .or(cpu_limit);
    Resources {
        memory_limit_bytes: limits.get("memory").and_then(|q| bytes(&q.0)),
        cpu_quota_us: cpu_limit.map(|m| (m * 100).max(1000)),
        cpu_shares: Some(
            cpu_request
                .map(|m| ((m * 1024) / 1000).max(2) as u64)
                .unwrap_or(2),
        ),
    }
}

/// Everything a container needs that comes from other API objects (configmaps, secrets,
/// services) or the pod's status, resolved through the API.
pub struct Resolver<'a> {
    pub registry: &'a Registry,
    pub pod: &'a Pod,
    pub cluster: &'a ClusterConfig,
    pub pod_ip: Option<String>,
}

/// `CreateContainerConfigError`: a reference to something that does not exist.
#[derive(Debug, Clone)]
pub struct ConfigError(pub String);

impl Resolver<'_> {
    fn ns(&self) -> String {
        self.pod
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into())
    }

    async fn object(&self, plural: &str, name: &str) -> Result<Option<Value>, ConfigError> {
        let Some(r) = lookup("", "v1", plural) else {
            return Ok(None);
        };
        match self.registry.get(r, Some(&self.ns()), name).await {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(e) => Err(ConfigError(e.to_string())),
        }
    }

    /// A key of a configmap (`data`/`binaryData`) or secret (`data`, base64), decoded.
    async fn key(
        &self,
        plural: &str,
        name: &str,
        key: &str,
        optional: bool,
    ) -> Result<Option<String>, ConfigError> {
        let kind = if plural == "secrets" {
            "secret"
        } else {
            "configmap"
        };
        let Some(obj) = self.object(plural, name).await? else {
            return if optional {
                Ok(None)
            } else {
                Err(ConfigError(format!("{kind} \"{name}\" not found")))
            };
        };
        let value = obj
            .get("data")
            .and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .map(|v| {
                if plural == "secrets" {
                    String::from_utf8_lossy(&b64(v)).into_owned()
                } else {
                    v.to_string()
                }
            });
        match value {
            Some(v) => Ok(Some(v)),
            None if optional => Ok(None),
            None => Err(ConfigError(format!(
                "couldn't find key {key} in {kind} {}/{name}",
                self.ns()
            ))),
        }
    }

    fn field(&self, path: &str) -> String {
        let md = &self.pod.metadata;
        let spec = self.pod.spec.clone().unwrap_or_default();
        if let Some(rest) = path
            .strip_prefix("metadata.labels['")
            .and_then(|r| r.strip_suffix("']"))
        {
            return md
                .labels
                .clone()
                .unwrap_or_default()
                .get(rest)
                .cloned()
                .unwrap_or_default();
        }
        if let Some(rest) = path
            .strip_prefix("metadata.annotations['")
            .and_then(|r| r.strip_suffix("']"))
        {
            return md
                .annotations
                .clone()
                .unwrap_or_default()
                .get(rest)
                .cloned()
                .unwrap_or_default();
        }
        match path {
            "metadata.name" => md.name.clone().unwrap_or_default(),
            "metadata.namespace" => self.ns(),
            "metadata.uid" => md.uid.clone().unwrap_or_default(),
            "spec.nodeName" => spec.node_name.unwrap_or_default(),
            "spec.serviceAccountName" => spec.service_account_name.unwrap_or_default(),
            "status.hostIP" | "status.hostIPs" => self.cluster.node_ip.clone(),
            "status.podIP" | "status.podIPs" => self.pod_ip.clone().unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// The environment: service links first (when enabled), then envFrom, then env.
    pub async fn env(&self, c: &Container) -> Result<Vec<(String, String)>, ConfigError> {
        let mut out: Vec<(String, String)> = Vec::new();
        let spec = self.pod.spec.clone().unwrap_or_default();
        if spec.enable_service_links.unwrap_or(true) {
            out.extend(self.service_env().await);
        }
        for from in c.env_from.clone().unwrap_or_default() {
            let prefix = from.prefix.unwrap_or_default();
            let (plural, name, optional) = match (&from.config_map_ref, &from.secret_ref) {
                (Some(cm), _) => ("configmaps", cm.name.clone(), cm.optional.unwrap_or(false)),
                (_, Some(s)) => ("secrets", s.name.clone(), s.optional.unwrap_or(false)),
                _ => continue,
            };
            match self.object(plural, &name).await? {
                Some(obj) => {
                    for (k, v) in obj
                        .get("data")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default()
                    {
                        let v = v.as_str().unwrap_or_default();
                        let v = if plural == "secrets" {
                            String::from_utf8_lossy(&b64(v)).into_owned()
                        } else {
                            v.to_string()
                        };
                        out.push((format!("{prefix}{k}"), v));
                    }
                }
                None if optional => {}
                None => {
                    return Err(ConfigError(format!(
                        "{} \"{name}\" not found",
                        if plural == "secrets" {
                            "secret"
                        } else {
                            "configmap"
                        }
                    )))
                }
            }
        }
        for e in c.env.clone().unwrap_or_default() {
            let value = match (&e.value, &e.value_from) {
                (_, Some(from)) => {
                    if let Some(f) = &from.field_ref {
                        Some(self.field(&f.field_path))
                    } else if let Some(k) = &from.config_map_key_ref {
                        self.key("configmaps", &k.name, &k.key, k.optional.unwrap_or(false))
                            .await?
                    } else if let Some(k) = &from.secret_key_ref {
                        self.key("secrets", &k.name, &k.key, k.optional.unwrap_or(false))
                            .await?
                    } else {
                        from.resource_field_ref
                            .as_ref()
                            .map(|r| resource_field(c, &r.resource))
                    }
                }
                (Some(v), None) => Some(expand(v, &out)),
                (None, None) => Some(String::new()),
            };
            if let Some(v) = value {
                out.retain(|(k, _)| k != &e.name);
                out.push((e.name.clone(), v));
            }
        }
        Ok(out)
    }

    /// Docker-link-style variables for every Service of the namespace (and `kubernetes`).
    async fn service_env(&self) -> Vec<(String, String)> {
        let Some(r) = lookup("", "v1", "services") else {
            return Vec::new();
        };
        let mut services = self
            .registry
            .list(r, Some(&self.ns()), &ListOptions::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        if self.ns() != "default" {
            if let Ok(k) = self.registry.get(r, Some("default"), "kubernetes").await {
                services.push(k);
            }
        }
        let mut out = Vec::new();
        for svc in services {
            let ip = svc
                .pointer("/spec/clusterIP")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if ip.is_empty() || ip == "None" {
                continue;
            }
            let name = svc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_uppercase()
                .replace('-', "_");
            let ports = svc
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let Some(first) = ports.first() else { continue };
            out.push((format!("{name}_SERVICE_HOST"), ip.to_string()));
            out.push((format!("{name}_SERVICE_PORT"), first["port"].to_string()));
            for p in &ports {
                if let Some(pn) = p
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                {
                    out.push((
                        format!(
                            "{name}_SERVICE_PORT_{}",
                            pn.to_uppercase().replace('-', "_")
                        ),
                        p["port"].to_string(),
                    ));
                }
            }
            let proto = |p: &Value| {
                p.get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_string()
            };
            out.push((
                format!("{name}_PORT"),
                format!("{}://{ip}:{}", proto(first).to_lowercase(), first["port"]),
            ));
            for p in &ports {
                let pr = proto(p);
                let prefix = format!("{name}_PORT_{}_{pr}", p["port"]);
                out.push((
                    prefix.clone(),
                    format!("{}://{ip}:{}", pr.to_lowercase(), p["port"]),
                ));
                out.push((format!("{prefix}_PROTO"), pr.to_lowercase()));
                out.push((format!("{prefix}_PORT"), p["port"].to_string()));
                out.push((format!("{prefix}_ADDR"), ip.to_string()));
            }
        }
        out
    }

    /// Mounts for a container's volumeMounts, materialising configMap/secret/emptyDir volumes
    /// under the pod's volumes directory.
    pub async fn mounts(
        &self,
        c: &Container,
        volumes_dir: &Path,
    ) -> Result<Vec<Mount>, ConfigError> {
        let spec = self.pod.spec.clone().unwrap_or_default();
        let volumes = spec.volumes.clone().unwrap_or_default();
        let mut out = Vec::new();
        for vm in c.volume_mounts.clone().unwrap_or_default() {
            let Some(v) = volumes.iter().find(|v| v.name == vm.name) else {
                return Err(ConfigError(format!("volume \"{}\" not found", vm.name)));
            };
            let dir = volumes_dir.join(&v.name);
            let host: PathBuf = if let Some(hp) = &v.host_path {
                let p = PathBuf::from(&hp.path);
                match hp.type_.as_deref() {
                    Some("DirectoryOrCreate") => {
                        let _ = std::fs::create_dir_all(&p);
                    }
                    Some("FileOrCreate") if !p.exists() => {
                        let _ = std::fs::write(&p, b"");
                    }
                    _ => {}
                }
                if !p.exists() {
                    return Err(ConfigError(format!("hostPath {} does not exist", hp.path)));
                }
                p
            } else if let Some(cm) = &v.config_map {
                let data = self.object("configmaps", &cm.name).await?;
                if data.is_none() && !cm.optional.unwrap_or(false) {
                    return Err(ConfigError(format!("configmap \"{}\" not found", cm.name)));
                }
                let files = data
                    .and_then(|d| d.get("data").and_then(Value::as_object).cloned())
                    .unwrap_or_default();
                let files: BTreeMap<String, Vec<u8>> = files
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().unwrap_or_default().as_bytes().to_vec()))
                    .collect();
                write_projected(
                    &dir,
                    &files,
                    cm.items
                        .clone()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|i| (i.key, i.path))
                        .collect(),
                )?;
                dir
            } else if let Some(s) = &v.secret {
                let name = s.secret_name.clone().unwrap_or_default();
                let data = self.object("secrets", &name).await?;
                if data.is_none() && !s.optional.unwrap_or(false) {
                    return Err(ConfigError(format!("secret \"{name}\" not found")));
                }
                let files = data
                    .and_then(|d| d.get("data").and_then(Value::as_object).cloned())
                    .unwrap_or_default();
                let files: BTreeMap<String, Vec<u8>> = files
                    .into_iter()
                    .map(|(k, v)| (k, b64(v.as_str().unwrap_or_default())))
                    .collect();
                write_projected(
                    &dir,
                    &files,
                    s.items
                        .clone()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|i| (i.key, i.path))
                        .collect(),
                )?;
                dir
            } else {
                // emptyDir and anything not yet supported: a directory of the pod.
                std::fs::create_dir_all(&dir)
                    .map_err(|e| ConfigError(format!("volume {}: {e}", v.name)))?;
                dir
            };
            let host = match vm.sub_path.as_deref().filter(|s| !s.is_empty()) {
                Some(sub) if !sub.contains("..") && !sub.starts_with('/') => {
                    let p = host.join(sub);
                    if !p.exists() {
                        let _ = std::fs::create_dir_all(&p);
                    }
                    p
                }
                Some(sub) => return Err(ConfigError(format!("invalid subPath {sub:?}"))),
                None => host,
            };
            out.push(Mount {
                host_path: host,
                container_path: vm.mount_path.clone(),
                read_only: vm.read_only.unwrap_or(false),
            });
        }
        Ok(out)
    }

    pub async fn container_config(
        &self,
        c: &Container,
        attempt: u32,
        volumes_dir: &Path,
    ) -> Result<ContainerConfig, ConfigError> {
        let sc = c.security_context.clone().unwrap_or_default();
        let psc = self
            .pod
            .spec
            .clone()
            .unwrap_or_default()
            .security_context
            .unwrap_or_default();
        let caps = sc.capabilities.clone().unwrap_or_default();
        let seccomp = self.seccomp(sc.seccomp_profile.as_ref().or(psc.seccomp_profile.as_ref()))?;
        Ok(ContainerConfig {
            name: c.name.clone(),
            attempt,
            image: c.image.clone().unwrap_or_default(),
            command: c.command.clone().unwrap_or_default(),
            args: c.args.clone().unwrap_or_default(),
            env: self.env(c).await?,
            working_dir: c.working_dir.clone(),
            mounts: self.mounts(c, volumes_dir).await?,
            tty: c.tty.unwrap_or(false),
            stdin: c.stdin.unwrap_or(false),
            stdin_once: c.stdin_once.unwrap_or(false),
            security: SecurityConfig {
                privileged: sc.privileged.unwrap_or(false),
                run_as_user: sc.run_as_user.or(psc.run_as_user).map(|u| u as u32),
                run_as_group: sc.run_as_group.or(psc.run_as_group).map(|g| g as u32),
                read_only_rootfs: sc.read_only_root_filesystem.unwrap_or(false),
                add_capabilities: caps.add.unwrap_or_default(),
                drop_capabilities: caps.drop.unwrap_or_default(),
                allow_privilege_escalation: sc.allow_privilege_escalation,
                seccomp,
            },
            resources: resources(c),
            termination_message_path: c.termination_message_path.clone(),
            pid_namespace_of: None,
        })
    }
}

impl Resolver<'_> {
    /// The container's seccompProfile (else the pod's); RuntimeDefault when neither names one.
    fn seccomp(
        &self,
        profile: Option<&k8s_openapi::api::core::v1::SeccompProfile>,
    ) -> Result<Seccomp, ConfigError> {
        let Some(p) = profile else {
            return Ok(Seccomp::RuntimeDefault);
        };
        match p.type_.as_str() {
            "RuntimeDefault" => Ok(Seccomp::RuntimeDefault),
            "Unconfined" => Ok(Seccomp::Unconfined),
            "Localhost" => {
                let rel = p.localhost_profile.clone().unwrap_or_default();
                let path = Path::new(&rel);
                if rel.is_empty()
                    || path.is_absolute()
                    || path
                        .components()
                        .any(|c| !matches!(c, std::path::Component::Normal(_)))
                {
                    return Err(ConfigError(format!(
                        "seccompProfile.localhostProfile {rel:?}: must be a relative path under {} without \"..\"",
                        self.cluster.seccomp_dir.display()
                    )));
                }
                let full = self.cluster.seccomp_dir.join(path);
                if !full.is_file() {
                    return Err(ConfigError(format!(
                        "failed to load seccomp profile {:?}: file not found",
                        full.display().to_string()
                    )));
                }
                Ok(Seccomp::Localhost(full))
            }
            other => Err(ConfigError(format!(
                "seccompProfile.type {other:?}: must be RuntimeDefault, Unconfined or Localhost"
            ))),
        }
    }
}

fn resource_field(c: &Container, resource: &str) -> String {
    let r = c.resources.clone().unwrap_or_default();
    let (map, key) = match resource.split_once('.') {
        Some(("limits", k)) => (r.limits.unwrap_or_default(), k.to_string()),
        Some(("requests", k)) => (r.requests.unwrap_or_default(), k.to_string()),
        _ => return String::new(),
    };
    map.get(&key).map(|q| q.0.clone()).unwrap_or_default()
}

/// `$(VAR)` expansion against earlier variables; `$$` escapes.
fn expand(v: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(inner) = after
            .strip_prefix('(')
            .and_then(|r| r.find(')').map(|j| (&r[..j], &r[j + 1..])))
        {
            match env.iter().rev().find(|(k, _)| k == inner.0) {
                Some((_, val)) => out.push_str(val),
                None => out.push_str(&format!("$({})", inner.0)),
            }
            rest = inner.1;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Writes configMap/secret files (all keys, or the selected items) into `dir`, replacing it.
fn write_projected(
    dir: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    items: Vec<(String, String)>,
) -> Result<(), ConfigError> {
    let err = |e: std::io::Error| ConfigError(format!("writing volume {}: {e}", dir.display()));
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(err)?;
    let selected: Vec<(String, String)> = if items.is_empty() {
        files.keys().map(|k| (k.clone(), k.clone())).collect()
    } else {
        items
    };
    for (key, path) in selected {
        if path.contains("..") || path.starts_with('/') {
            return Err(ConfigError(format!("invalid item path {path:?}")));
        }
        let Some(data) = files.get(&key) else {
            continue;
        };
        let target = dir.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(err)?;
        }
        std::fs::write(&target, data).map_err(err)?;
    }
    Ok(())
}

/// Secret data is base64 in the API.
fn b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .unwrap_or_default()
}

/// Whether the container's environment takes the pod's IP (`fieldRef: status.podIP(s)`), so it
/// cannot be configured before the pod network is.
pub fn needs_pod_ip(c: &k8s_openapi::api::core::v1::Container) -> bool {
    c.env.iter().flatten().any(|e| {
        e.value_from
            .as_ref()
            .and_then(|v| v.field_ref.as_ref())
            .is_some_and(|f| matches!(f.field_path.as_str(), "status.podIP" | "status.podIPs"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(millicores("500m"), Some(500));
        assert_eq!(millicores("2"), Some(2000));
        assert_eq!(bytes("128Mi"), Some(134217728));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
    }

    #[test]
    fn env_expansion() {
        let env = vec![("A".to_string(), "x".to_string())];
        assert_eq!(expand("$(A)-$(B)-$$(A)", &env), "x-$(B)-$(A)");
    }

    #[test]
    fn base64() {
        assert_eq!(b64("czNjcmV0"), b"s3cret");
    }

    #[test]
    fn cluster_first_dns() {
        let spec = PodSpec::default();
        let c = ClusterConfig {
            cluster_dns: "10.96.0.10".into(),
            cluster_domain: "cluster.local".into(),
            node_name: "n".into(),
            node_ip: "1.2.3.4".into(),
            seccomp_dir: PathBuf::from("/nonexistent"),
        };
        let d = dns_config(&spec, "default", &c);
        assert_eq!(d.nameservers, ["10.96.0.10"]);
        assert_eq!(
            d.searches,
            [
                "default.svc.cluster.local",
                "svc.cluster.local",
                "cluster.local"
            ]
        );
        assert_eq!(d.options, ["ndots:5"]);
    }
}
