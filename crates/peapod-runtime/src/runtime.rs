//! `Runtime`: the node's container runtime. Every piece of state lives on disk under its root,
//! so a restarted agent finds running sandboxes and containers (and exit codes written while it
//! was away) instead of recreating them.
//!
//! Layout under `<data-dir>/runtime`:
//! ```text
//! crun/                        the OCI runtime's state (--root)
//! pause/rootfs/pause           catatonit, the pause process of every pod
//! pods/<uid>/sandbox.json      the SandboxConfig and the pause pid
//! pods/<uid>/{hosts,resolv.conf,hostname}
//! pods/<uid>/shm/              the pod's /dev/shm (a tmpfs)
//! pods/<uid>/pause/            the pause bundle
//! pods/<uid>/containers/<name>-<attempt>/  bundle, overlay upper/work, rootfs mountpoint, meta
//! pods/<uid>/exits/<id>        exit codes written by conmon
//! pods/<uid>/logs/<name>/<attempt>.log     CRI-format logs (kept across restarts)
//! ```

use crate::host::{OciRuntimeKind, Tools};
use crate::image::ImageStore;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Host(#[from] crate::host::HostError),
    #[error(transparent)]
    Image(#[from] crate::image::ImageError),
    #[error(transparent)]
    Spec(#[from] crate::oci::SpecError),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{program} {args}: {message}")]
    Command {
        program: String,
        args: String,
        message: String,
    },
    #[error("image {0:?} is not present on this node")]
    ImageNotPresent(String),
    #[error("pod sandbox {0} does not exist")]
    NoSandbox(String),
    #[error("pod sandbox {0} is not running")]
    SandboxNotRunning(String),
    #[error("container {0} does not exist")]
    NoContainer(String),
    #[error("{0}")]
    Invalid(String),
    /// What a container waited for before it could start failed (e.g. the pod network).
    #[error("{0}")]
    NotReady(String),
}

pub type Result<T> = std::result::Result<T, RuntimeError>;

pub(crate) fn io<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> RuntimeError + 'a {
    move |source| RuntimeError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

pub struct Runtime {
    pub(crate) root: PathBuf,
    pub(crate) tools: Tools,
    pub images: Arc<ImageStore>,
    /// Container log limits; conmon truncates a log at 4× max_size should rotation fall behind.
    pub(crate) log_policy: crate::logrotate::LogPolicy,
    /// Compiled seccomp filters (crun only: runc has no precompiled-filter annotation).
    pub(crate) bpf_cache: Option<crate::seccomp::BpfCache>,
    /// The host runs the unified cgroup v2 hierarchy (else v1 or hybrid).
    pub(crate) cgroup_v2: bool,
}

impl Runtime {
    /// Opens the runtime under `data_dir`, preparing the host (cgroups) and the pause rootfs.
    pub fn open(data_dir: &Path, kind: OciRuntimeKind) -> Result<Runtime> {
        let tools = Tools::find(kind)?;
        let root = data_dir.join("runtime");
        for d in [
            root.join("pods"),
            root.join("crun"),
            root.join("pause/rootfs"),
        ] {
            std::fs::create_dir_all(&d).map_err(io("create", &d))?;
        }
        let pause = root.join("pause/rootfs/pause");
        let fresh = std::fs::metadata(&pause).map(|m| m.len()).ok()
            != std::fs::metadata(&tools.catatonit).map(|m| m.len()).ok();
        if fresh {
            let tmp = root.join("pause/rootfs/.pause.tmp");
            std::fs::copy(&tools.catatonit, &tmp).map_err(io("copy", &tmp))?;
            std::fs::rename(&tmp, &pause).map_err(io("rename", &pause))?;
        }
        let images = Arc::new(ImageStore::open(&data_dir.join("images"))?);
        tracing::info!(oci_runtime = %tools.oci_runtime.display(), supervisor = %tools.supervisor.path().display(), "container runtime ready");
        let bpf_cache = (tools.oci_runtime.file_name() == Some(std::ffi::OsStr::new("crun")))
            .then(|| crate::seccomp::BpfCache::open(root.join("seccomp-cache")));
        Ok(Runtime {
            tools,
            images,
            log_policy: Default::default(),
            bpf_cache,
            cgroup_v2: crate::host::cgroup_unified(),
            root,
        })
    }

    pub fn set_log_policy(&mut self, policy: crate::logrotate::LogPolicy) {
        self.log_policy = policy;
    }

    pub fn log_policy(&self) -> crate::logrotate::LogPolicy {
        self.log_policy
    }

    pub fn pod_dir(&self, uid: &str) -> PathBuf {
        self.root.join("pods").join(uid)
    }

    pub(crate) fn pause_rootfs(&self) -> PathBuf {
        self.root.join("pause/rootfs")
    }

    /// Runs the OCI runtime with our state root.
    pub(crate) async fn oci(&self, args: &[&str]) -> Result<Output> {
        let out = tokio::process::Command::new(self.tools.oci_exec())
            .arg("--root")
            .arg(self.root.join("crun"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(io("run", &self.tools.oci_runtime))?;
        Ok(out)
    }

    /// Like `oci`, failing with the program's stderr when it exits non-zero.
    pub(crate) async fn oci_ok(&self, args: &[&str]) -> Result<Output> {
        let out = self.oci(args).await?;
        if !out.status.success() {
            return Err(RuntimeError::Command {
                program: self.tools.oci_runtime.display().to_string(),
                args: args.join(" "),
                message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(out)
    }
}

/// Writes a file atomically (temp + rename), for state the agent reads back after a restart.
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data).map_err(io("write", &tmp))?;
    std::fs::rename(&tmp, path).map_err(io("rename", path))
}

pub(crate) fn now_rfc3339_nanos() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    unix_to_rfc3339(now.as_secs() as i64, now.subsec_nanos())
}

/// RFC 3339 in UTC with nanoseconds, without a date library (civil-from-days).
pub(crate) fn unix_to_rfc3339(secs: i64, nanos: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{nanos:09}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(unix_to_rfc3339(0, 0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            unix_to_rfc3339(1795334400, 5),
            "2026-11-22T08:00:00.000000005Z"
        );
        assert_eq!(
            unix_to_rfc3339(951782400, 0),
            "2000-02-29T00:00:00.000000000Z"
        );
    }
}
