//! Containers of a sandbox: an overlayfs rootfs over the image's snapshots, a bundle, and a
//! conmon per container that runs it through the OCI runtime, writes its CRI-format log and
//! records its exit code, independently of the agent.

use crate::config::ContainerConfig;
use crate::host::Supervisor;
use crate::oci::{container_spec, resolve_user, ContainerSpecInput};
use crate::runtime::{
    io, now_rfc3339_nanos, unix_to_rfc3339, write_atomic, Result, Runtime, RuntimeError,
};
use crate::sandbox::{is_mountpoint, path_str, pid_alive, pod_cgroup};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The state of one container instance, as CRI reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    Created,
    Running {
        started_at: String,
        pid: u32,
    },
    Exited {
        exit_code: i32,
        started_at: String,
        finished_at: String,
        reason: String,
        message: String,
    },
    /// The runtime has no record and no exit code (e.g. the node lost it).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    pub id: String,
    pub name: String,
    pub attempt: u32,
    pub image: String,
    /// `sha256:...` of the image config.
    pub image_id: String,
    pub image_ref: String,
    pub state: ContainerState,
    pub log_path: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize, Clone)]
struct ContainerRecord {
    name: String,
    attempt: u32,
    image: String,
    image_id: String,
    image_ref: String,
    created_at: String,
    #[serde(default)]
    started_at: Option<String>,
    /// Set when crun compiles this container's seccomp profile: harvest the filter after start.
    #[serde(default)]
    seccomp_key: Option<String>,
    /// The container's stdio as the pod spec asks (tty, stdin, stdinOnce), for the shim.
    #[serde(default)]
    tty: bool,
    #[serde(default)]
    stdin: bool,
    #[serde(default)]
    stdin_once: bool,
}

/// The runtime's id of a container instance.
pub fn container_id(uid: &str, name: &str, attempt: u32) -> String {
    format!("{uid}-{name}-{attempt}")
}

fn instance_dir_name(name: &str, attempt: u32) -> String {
    format!("{name}-{attempt}")
}

impl Runtime {
    pub(crate) fn container_dir(&self, uid: &str, id: &str) -> PathBuf {
        let short = id.strip_prefix(&format!("{uid}-")).unwrap_or(id);
        self.pod_dir(uid).join("containers").join(short)
    }

    pub fn log_path(&self, uid: &str, name: &str, attempt: u32) -> PathBuf {
        self.pod_dir(uid)
            .join("logs")
            .join(name)
            .join(format!("{attempt}.log"))
    }

    /// Ids of the container instances of a pod that still have a directory.
    pub fn list_containers(&self, uid: &str) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.pod_dir(uid).join("containers")) else {
            return Vec::new();
        };
        rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
            .map(|n| format!("{uid}-{n}"))
            .collect()
    }

    /// Prepares a container: rootfs, bundle and log file. The image must be present.
    pub async fn create_container(&self, uid: &str, cfg: &ContainerConfig) -> Result<String> {
        let sandbox = self.sandbox_config(uid)?;
        let st = self
            .sandbox_status(uid)
            .await?
            .ok_or_else(|| RuntimeError::NoSandbox(uid.to_string()))?;
        if !st.running {
            return Err(RuntimeError::SandboxNotRunning(uid.to_string()));
        }
        let info = self
            .images
            .resolve(&cfg.image)?
            .ok_or_else(|| RuntimeError::ImageNotPresent(cfg.image.clone()))?;
        let images = self.images.clone();
        let info2 = info.clone();
        let layers = tokio::task::spawn_blocking(move || images.snapshots(&info2))
            .await
            .map_err(|e| RuntimeError::Invalid(e.to_string()))??;
        let id = container_id(uid, &cfg.name, cfg.attempt);
        let dir = self
            .pod_dir(uid)
            .join("containers")
            .join(instance_dir_name(&cfg.name, cfg.attempt));
        if dir.exists() {
            self.remove_container(uid, &id).await?;
        }
        let (rootfs, upper, work, bundle) = (
            dir.join("rootfs"),
            dir.join("upper"),
            dir.join("work"),
            dir.join("bundle"),
        );
        for d in [&rootfs, &upper, &work, &bundle] {
            std::fs::create_dir_all(d).map_err(io("create", d))?;
        }
        let lower: Vec<String> = layers.iter().rev().map(|p| path_str(p)).collect();
        let opts = format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.join(":"),
            path_str(&upper),
            path_str(&work)
        );
        nix::mount::mount(
            Some("overlay"),
            &rootfs,
            Some("overlay"),
            nix::mount::MsFlags::empty(),
            Some(opts.as_str()),
        )
        .map_err(|e| RuntimeError::Io {
            action: "mount overlay on",
            path: rootfs.clone(),
            source: e.into(),
        })?;
        let term = dir.join("termination-log");
        std::fs::write(&term, b"").map_err(io("create", &term))?;
        let log = self.log_path(uid, &cfg.name, cfg.attempt);
        if let Some(p) = log.parent() {
            std::fs::create_dir_all(p).map_err(io("create", p))?;
        }
        let pod_dir = self.pod_dir(uid);
        let user = resolve_user(cfg, &info.config, &rootfs);
        let spec = container_spec(
            &ContainerSpecInput {
                config: cfg,
                image: &info.config,
                rootfs: &rootfs,
                pause_pid: st.pause_pid,
                sandbox: &sandbox,
                cgroups_path: format!(
                    "{}/{}",
                    pod_cgroup(uid),
                    instance_dir_name(&cfg.name, cfg.attempt)
                ),
                private_cgroupns: self.cgroup_v2,
                etc_hosts: &pod_dir.join("hosts"),
                resolv_conf: &pod_dir.join("resolv.conf"),
                hostname_file: &pod_dir.join("hostname"),
                shm: &pod_dir.join("shm"),
                termination_log: &term,
            },
            user,
        )?;
        let mut spec = spec;
        let mut seccomp_key = None;
        if let (Some(cache), Some(profile)) = (
            &self.bpf_cache,
            spec.linux().as_ref().and_then(|l| l.seccomp().clone()),
        ) {
            let key = crate::seccomp::BpfCache::key(&profile);
            match cache.get(&key) {
                Some(bpf) => {
                    let mut ann = spec.annotations().clone().unwrap_or_default();
                    ann.insert(crate::seccomp::BPF_ANNOTATION.to_string(), bpf);
                    spec.set_annotations(Some(ann));
                }
                None => seccomp_key = Some(key),
            }
        }
        let config = bundle.join("config.json");
        spec.save(&config)
            .map_err(|e| RuntimeError::Invalid(format!("writing {}: {e}", config.display())))?;
        let image_ref = format!(
            "{}@{}",
            crate::image::Reference::parse(&info.name)
                .map(|r| r.name())
                .unwrap_or_else(|_| info.name.clone()),
            info.manifest_digest
        );
        let rec = ContainerRecord {
            name: cfg.name.clone(),
            attempt: cfg.attempt,
            image: info.name.clone(),
            image_id: info.config_digest.clone(),
            image_ref,
            created_at: now_rfc3339_nanos(),
            started_at: None,
            seccomp_key,
            tty: cfg.tty,
            stdin: cfg.stdin,
            stdin_once: cfg.stdin_once,
        };
        write_atomic(
            &dir.join("meta.json"),
            &serde_json::to_vec(&rec).unwrap_or_default(),
        )?;
        Ok(id)
    }

    fn sandbox_config(&self, uid: &str) -> Result<crate::config::SandboxConfig> {
        let path = self.pod_dir(uid).join("sandbox.json");
        let bytes = std::fs::read(&path).map_err(|_| RuntimeError::NoSandbox(uid.to_string()))?;
        let v: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| RuntimeError::Invalid(format!("{}: {e}", path.display())))?;
        let s = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let b = |k: &str| v.get(k).and_then(|x| x.as_bool()).unwrap_or(false);
        Ok(crate::config::SandboxConfig {
            pod_uid: uid.to_string(),
            name: s("name"),
            namespace: s("namespace"),
            hostname: s("hostname"),
            host_network: b("host_network"),
            share_pid: b("share_pid"),
            ..Default::default()
        })
    }

    fn record(&self, uid: &str, id: &str) -> Result<ContainerRecord> {
        let path = self.container_dir(uid, id).join("meta.json");
        let bytes = std::fs::read(&path).map_err(|_| RuntimeError::NoContainer(id.to_string()))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| RuntimeError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Starts a created container under its own supervisor and returns once its process runs.
    pub async fn start_container(&self, uid: &str, id: &str) -> Result<()> {
        self.launch(
            uid,
            id,
            None::<std::future::Ready<std::result::Result<(), String>>>,
        )
        .await
    }

    /// Creates the container's process (its supervisor runs the OCI runtime's `create`) and
    /// starts it once `ready` resolves: the pod's network can be set up meanwhile, and the
    /// process still never runs before it. An error from `ready` leaves the container created
    /// and not started (removing it or its sandbox is the caller's part).
    pub async fn start_container_when<F>(&self, uid: &str, id: &str, ready: F) -> Result<()>
    where
        F: std::future::Future<Output = std::result::Result<(), String>>,
    {
        self.launch(uid, id, Some(ready)).await
    }

    /// Starts the container's supervisor. With nothing to wait for, the shim has the OCI runtime
    /// create and start the process in one call (`run --detach`); else `create`, then `start`
    /// once `ready` resolves. A terminal container always goes through create, so the shim
    /// holds the terminal before the process can write to it.
    async fn launch<F>(&self, uid: &str, id: &str, ready: Option<F>) -> Result<()>
    where
        F: std::future::Future<Output = std::result::Result<(), String>>,
    {
        let mut rec = self.record(uid, id)?;
        let dir = self.container_dir(uid, id);
        let exits = self.pod_dir(uid).join("exits");
        let _ = std::fs::remove_file(exits.join(id));
        let log = self.log_path(uid, &rec.name, rec.attempt);
        // conmon reports `{"pid": N}` on the sync pipe once the runtime has created the container.
        let (sync_r, sync_w) =
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| RuntimeError::Io {
                action: "pipe for",
                path: dir.clone(),
                source: e.into(),
            })?;
        let child_fd = sync_w.as_raw_fd();
        let supervisor = self.tools.supervisor.path().to_path_buf();
        let run_at_once =
            ready.is_none() && !rec.tty && matches!(self.tools.supervisor, Supervisor::Shim(_));
        let mut cmd = tokio::process::Command::new(&supervisor);
        match &self.tools.supervisor {
            Supervisor::Shim(_) => {
                let args = crate::shim::ShimArgs {
                    id: id.to_string(),
                    runtime: self.tools.oci_exec(),
                    runtime_root: self.root.join("crun"),
                    bundle: dir.join("bundle"),
                    pid_file: dir.join("pid"),
                    shim_pid_file: dir.join("shim.pid"),
                    log: log.clone(),
                    log_max: self.log_policy.max_size.saturating_mul(4),
                    exit_file: exits.join(id),
                    oom_file: dir.join("oom"),
                    tty: rec.tty,
                    stdin: rec.stdin,
                    stdin_once: rec.stdin_once,
                    attach_socket: self.attach_socket(uid, id),
                    start: run_at_once,
                };
                cmd.args(args.to_args());
            }
            Supervisor::Conmon(_) => {
                cmd.args(["--api-version", "1", "-c", id, "-u", id, "-n", &rec.name])
                    .arg("-r")
                    .arg(self.tools.oci_exec())
                    .arg("--runtime-arg")
                    .arg(format!("--root={}", path_str(&self.root.join("crun"))))
                    .arg("-b")
                    .arg(dir.join("bundle"))
                    .arg("-p")
                    .arg(dir.join("pid"))
                    .arg("-P")
                    .arg(dir.join("conmon.pid"))
                    .arg("-l")
                    .arg(format!("k8s-file:{}", path_str(&log)))
                    .arg("--log-size-max")
                    .arg(self.log_policy.max_size.saturating_mul(4).to_string())
                    .arg("--exit-dir")
                    .arg(&exits)
                    .arg("-0")
                    .arg(&dir)
                    .arg("--socket-dir-path")
                    .arg(self.pod_dir(uid).join("attach"))
                    .args(["--log-level", "error"]);
                let _ = std::fs::create_dir_all(self.pod_dir(uid).join("attach"));
            }
        }
        cmd.stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let conmon_pipe = match &self.tools.supervisor {
            // The shim takes the pipe as its stdout: with no pre_exec step the spawn is a
            // posix_spawn, not a fork of this (large) process.
            Supervisor::Shim(_) => {
                cmd.env("_OCI_SYNCPIPE", "1")
                    .stdout(std::process::Stdio::from(sync_w));
                None
            }
            Supervisor::Conmon(_) => {
                cmd.env("_OCI_SYNCPIPE", child_fd.to_string())
                    .stdout(std::process::Stdio::null());
                // SAFETY: the closure only calls fcntl (async-signal-safe) on an fd this
                // process owns.
                unsafe {
                    cmd.pre_exec(move || crate::sys::inherit_fd(child_fd));
                }
                Some(sync_w)
            }
        };
        // spawn + wait, not output(): output() would replace stdout with a pipe of its own.
        let out = cmd
            .spawn()
            .map_err(io("run", &supervisor))?
            .wait_with_output()
            .await
            .map_err(io("run", &supervisor))?;
        // Our copies of the write end go, so a supervisor that dies silently means EOF.
        drop(cmd);
        drop(conmon_pipe);
        let reply = tokio::task::spawn_blocking(move || {
            let mut f = std::fs::File::from(sync_r);
            let mut buf = Vec::new();
            let mut byte = [0u8; 1];
            while let Ok(1) = f.read(&mut byte) {
                if byte[0] == b'\n' {
                    break;
                }
                buf.push(byte[0]);
            }
            buf
        })
        .await
        .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
        let v: serde_json::Value = serde_json::from_slice(&reply).unwrap_or_default();
        // API version 1 replies `{"data": pid}` (negative with "message" on failure).
        let pid = v
            .get("data")
            .or_else(|| v.get("pid"))
            .and_then(|p| p.as_i64())
            .unwrap_or(-1);
        if pid <= 0 {
            let msg = v
                .get("message")
                .and_then(|m| m.as_str())
                .map(String::from)
                .unwrap_or_else(|| {
                    format!(
                        "{} (exit {:?}; reply {:?})",
                        String::from_utf8_lossy(&out.stderr).trim(),
                        out.status.code(),
                        String::from_utf8_lossy(&reply)
                    )
                });
            return Err(RuntimeError::Command {
                program: supervisor.display().to_string(),
                args: id.to_string(),
                message: msg,
            });
        }
        if !run_at_once {
            tracing::debug!(container = id, "container process created");
            if let Some(ready) = ready {
                ready.await.map_err(RuntimeError::NotReady)?;
            }
            self.oci_ok(&["start", id]).await?;
        }
        tracing::debug!(container = id, "container process started");
        if let (Some(cache), Some(key)) = (&self.bpf_cache, rec.seccomp_key.take()) {
            cache.put_from(&key, &self.root.join("crun").join(id));
        }
        rec.started_at = Some(now_rfc3339_nanos());
        write_atomic(
            &dir.join("meta.json"),
            &serde_json::to_vec(&rec).unwrap_or_default(),
        )?;
        Ok(())
    }

    pub async fn container_status(&self, uid: &str, id: &str) -> Result<ContainerStatus> {
        let rec = self.record(uid, id)?;
        let dir = self.container_dir(uid, id);
        let exit_file = self.pod_dir(uid).join("exits").join(id);
        let started_at = rec.started_at.clone().unwrap_or_default();
        let state = if let Ok(code) = std::fs::read_to_string(&exit_file) {
            let exit_code: i32 = code.trim().parse().unwrap_or(-1);
            let finished_at = std::fs::metadata(&exit_file)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| unix_to_rfc3339(d.as_secs() as i64, d.subsec_nanos()))
                .unwrap_or_default();
            let oom = dir.join("oom").exists();
            let reason = if oom {
                "OOMKilled"
            } else if exit_code == 0 {
                "Completed"
            } else {
                "Error"
            };
            let message = std::fs::read_to_string(dir.join("termination-log")).unwrap_or_default();
            ContainerState::Exited {
                exit_code,
                started_at,
                finished_at,
                reason: reason.to_string(),
                message,
            }
        } else {
            // Our own records answer without asking the OCI runtime (a `crun state` is a
            // process per look): not started yet, or the container's process is there.
            let pid: Option<u32> = std::fs::read_to_string(dir.join("pid"))
                .ok()
                .and_then(|p| p.trim().parse().ok());
            match pid {
                _ if rec.started_at.is_none() => ContainerState::Created,
                Some(pid) if pid_alive(pid) => ContainerState::Running { started_at, pid },
                // Gone, but the supervisor has not written the exit file yet: still
                // finishing, unless the supervisor is gone (killed): then the exit code is
                // lost, and the exit file says so (255) for every later look.
                Some(pid) => {
                    if supervisor_alive(&dir, id) {
                        ContainerState::Running { started_at, pid }
                    } else if exit_file.exists() {
                        // It wrote the exit file and ended in between.
                        return Box::pin(self.container_status(uid, id)).await;
                    } else {
                        tracing::warn!(container = %id, "the container's supervisor died before it; its exit code is lost");
                        write_atomic(&exit_file, b"255")?;
                        return Box::pin(self.container_status(uid, id)).await;
                    }
                }
                None => ContainerState::Unknown,
            }
        };
        Ok(ContainerStatus {
            id: id.to_string(),
            name: rec.name.clone(),
            attempt: rec.attempt,
            image: rec.image.clone(),
            image_id: rec.image_id.clone(),
            image_ref: rec.image_ref.clone(),
            state,
            log_path: self.log_path(uid, &rec.name, rec.attempt),
        })
    }

    /// SIGTERM, then SIGKILL after `grace`; returns once the exit is recorded (or it is gone).
    pub async fn stop_container(&self, uid: &str, id: &str, grace: Duration) -> Result<()> {
        let exit_file = self.pod_dir(uid).join("exits").join(id);
        if exit_file.exists() {
            return Ok(());
        }
        if !matches!(
            self.container_status(uid, id).await?.state,
            ContainerState::Running { .. }
        ) {
            let _ = self.oci(&["delete", "--force", id]).await;
            return Ok(());
        }
        let _ = self.oci(&["kill", id, "TERM"]).await;
        if wait_for(&exit_file, grace).await {
            return Ok(());
        }
        let _ = self.oci(&["kill", id, "KILL"]).await;
        wait_for(&exit_file, Duration::from_secs(5)).await;
        Ok(())
    }

    /// Removes a container instance (its log stays for `logs --previous`).
    pub async fn remove_container(&self, uid: &str, id: &str) -> Result<()> {
        let _ = self.oci(&["delete", "--force", id]).await;
        // The supervisor removes its attach socket when it ends; not if it was killed.
        let _ = std::fs::remove_file(self.attach_socket(uid, id));
        let dir = self.container_dir(uid, id);
        let rootfs = dir.join("rootfs");
        if is_mountpoint(&rootfs) {
            nix::mount::umount2(&rootfs, nix::mount::MntFlags::MNT_DETACH).map_err(|e| {
                RuntimeError::Io {
                    action: "unmount",
                    path: rootfs.clone(),
                    source: e.into(),
                }
            })?;
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io("remove", &dir))?;
        }
        let _ = std::fs::remove_file(self.pod_dir(uid).join("exits").join(id));
        Ok(())
    }

    /// Runs a command in a running container and collects its output (probes, hooks).
    pub async fn exec_sync(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<(i32, Vec<u8>, Vec<u8>)> {
        let mut args: Vec<String> = vec![
            "--root".into(),
            path_str(&self.root.join("crun")),
            "exec".into(),
            id.into(),
        ];
        args.extend(command.iter().cloned());
        let child = tokio::process::Command::new(self.tools.oci_exec())
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(io("run", &self.tools.oci_runtime))?;
        match tokio::time::timeout(timeout, child.wait_with_output()).await {
            Ok(Ok(out)) => Ok((out.status.code().unwrap_or(-1), out.stdout, out.stderr)),
            Ok(Err(e)) => Err(RuntimeError::Io {
                action: "exec in",
                path: PathBuf::from(id),
                source: e,
            }),
            Err(_) => Err(RuntimeError::Invalid(format!(
                "command timed out after {}s",
                timeout.as_secs_f64()
            ))),
        }
    }
}

impl Runtime {
    /// Where a container's supervisor serves attach (kubectl attach / run -it): a short path
    /// (unix socket paths are limited to 108 bytes) in a root-only directory.
    pub fn attach_socket(&self, uid: &str, id: &str) -> PathBuf {
        let dir = self.container_dir(uid, id);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in dir.as_os_str().as_encoded_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        PathBuf::from(format!("/run/peapod/attach/{h:016x}.sock"))
    }
}

/// Whether the container's supervisor (peapod-shim or conmon) still runs: its pid file names
/// a live process whose command line mentions the container.
fn supervisor_alive(dir: &Path, id: &str) -> bool {
    ["shim.pid", "conmon.pid"].iter().any(|f| {
        std::fs::read_to_string(dir.join(f))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok())
            .and_then(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).ok())
            .is_some_and(|cmd| String::from_utf8_lossy(&cmd).contains(id))
    })
}

async fn wait_for(path: &Path, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if path.exists() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    path.exists()
}

impl Runtime {
    /// A command that runs `command` in a running container (for interactive exec): with its
    /// stdio the caller's to set (pipes), or on a terminal the runtime makes inside the
    /// container and sends to `console_socket`.
    pub fn exec_command(
        &self,
        id: &str,
        command: &[String],
        console_socket: Option<&Path>,
    ) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(self.tools.oci_exec());
        cmd.arg("--root").arg(self.root.join("crun")).arg("exec");
        if let Some(sock) = console_socket {
            cmd.args(["--tty", "--console-socket"]).arg(sock);
            // crun's --env replaces the process environment: pass the container's, plus TERM.
            let uid = id.get(..36).unwrap_or_default();
            let config = self.container_dir(uid, id).join("bundle/config.json");
            let env: Vec<String> = std::fs::read(&config)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| {
                    v.pointer("/process/env")
                        .and_then(|e| e.as_array())
                        .cloned()
                })
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            for e in env.iter().filter(|e| !e.starts_with("TERM=")) {
                cmd.arg("--env").arg(e);
            }
            cmd.args(["--env", "TERM=xterm"]);
        }
        cmd.arg(id).args(command);
        cmd
    }
}

impl Runtime {
    /// Runs `command` in a running container on a terminal of the container's own devpts (so
    /// `tty` names it): the OCI runtime makes the pty and hands its master over a console
    /// socket. Returns the runtime process (it exits with the command) and the pty master.
    pub async fn exec_tty(
        &self,
        id: &str,
        command: &[String],
    ) -> Result<(tokio::process::Child, std::os::fd::OwnedFd)> {
        let sock = std::env::temp_dir().join(format!("peapod-console-{:016x}.sock", rand_u64()));
        let listener = std::os::unix::net::UnixListener::bind(&sock).map_err(io("bind", &sock))?;
        let child = self
            .exec_command(id, command, Some(&sock))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(io("run", &self.tools.oci_runtime));
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&sock);
                return Err(e);
            }
        };
        let sock2 = sock.clone();
        let master =
            tokio::task::spawn_blocking(move || crate::sys::receive_console(listener, &sock2))
                .await
                .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
        let _ = std::fs::remove_file(&sock);
        match master {
            Ok(fd) => Ok((child, fd)),
            Err(e) => {
                let mut child = child;
                let _ = child.start_kill();
                let out = child.wait_with_output().await.ok();
                let stderr = out
                    .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_string())
                    .unwrap_or_default();
                Err(RuntimeError::Command {
                    program: "exec".into(),
                    args: id.to_string(),
                    message: format!("{e} {stderr}").trim().to_string(),
                })
            }
        }
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}
