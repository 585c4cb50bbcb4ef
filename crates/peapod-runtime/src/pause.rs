//! Starting a pod's pause process without an OCI runtime process: it needs namespaces, a
//! cgroup, a root of its own and no privileges, nothing else of a container, and a `crun run`
//! for that costs 10-25 ms per pod where a clone costs about one.

use crate::runtime::{Result, RuntimeError};
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

/// The pause process's user and group (nobody's, as the kubelet's pause image uses).
const PAUSE_ID: u32 = 65535;

/// Starts catatonit (`/pause` in `rootfs`) as PID 1 of new PID, IPC and UTS namespaces (with
/// `hostname`, else the node's name) and a new network namespace when `new_net`, in `cgroup`
/// (a path below every hierarchy of `host::cgroup_join_dirs`); returns its pid once it runs.
pub(crate) fn start(
    hostname: Option<&str>,
    new_net: bool,
    rootfs: &Path,
    cgroup: &str,
) -> Result<u32> {
    let procs = join_cgroup_dirs(cgroup)?;
    let cstr = |s: &str, what: &str| {
        CString::new(s).map_err(|_| RuntimeError::Invalid(format!("{what} holds a NUL byte")))
    };
    let mut namespaces = libc::CLONE_NEWPID | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;
    if new_net {
        namespaces |= libc::CLONE_NEWNET;
    }
    let launch = crate::sys::PauseLaunch {
        rootfs: cstr(&rootfs.to_string_lossy(), "the pause root")?,
        hostname: hostname.map(|h| cstr(h, "the hostname")).transpose()?,
        namespaces,
        cgroup_procs: procs.iter().map(AsRawFd::as_raw_fd).collect(),
        uid: PAUSE_ID,
        gid: PAUSE_ID,
    };
    crate::sys::spawn_pause(&launch, "/pause", &["-P"]).map_err(|e| RuntimeError::Io {
        action: "start the pause process in",
        path: rootfs.to_path_buf(),
        source: e,
    })
}

/// Creates `cgroup` in every joined hierarchy and opens each `cgroup.procs` for writing. New
/// cpuset cgroups start with no CPUs and no memory nodes, which refuses every task: they get
/// their parent's, as runc and crun do.
fn join_cgroup_dirs(cgroup: &str) -> Result<Vec<OwnedFd>> {
    let mut out = Vec::new();
    for real in crate::host::cgroup_join_dirs() {
        let mut dir = real.clone();
        for part in cgroup.trim_start_matches('/').split('/') {
            dir.push(part);
            if !dir.exists() {
                std::fs::create_dir(&dir).map_err(crate::runtime::io("create", &dir))?;
                if real.join("cpuset.cpus").exists() {
                    for f in ["cpuset.cpus", "cpuset.mems"] {
                        let parent = dir.parent().unwrap_or(&real).join(f);
                        let v = std::fs::read_to_string(&parent)
                            .map_err(crate::runtime::io("read", &parent))?;
                        std::fs::write(dir.join(f), v.trim())
                            .map_err(crate::runtime::io("write", &dir.join(f)))?;
                    }
                }
            }
        }
        let procs = dir.join("cgroup.procs");
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&procs)
            .map_err(crate::runtime::io("open", &procs))?;
        out.push(OwnedFd::from(f));
    }
    Ok(out)
}
