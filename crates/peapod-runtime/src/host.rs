//! Host preparation and the external programs the runtime drives: the OCI runtime (crun by
//! default, runc selectable), conmon (the per-container supervisor) and catatonit (pause).

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{0} not found on PATH: install the Debian package {1}")]
    Missing(&'static str, &'static str),
    #[error("PEAPOD_SHIM={0}: no such file (it is built with peapod: cargo build --release), or say PEAPOD_SHIM=conmon")]
    NoShim(PathBuf),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")
        .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The programs found on this host.
#[derive(Debug, Clone)]
pub struct Tools {
    /// crun or runc (the file on disk: what messages name).
    pub oci_runtime: PathBuf,
    /// A sealed in-memory copy of it, what is executed (see `SealedBinary`); None where the
    /// copy could not be made.
    pub oci_sealed: Option<Arc<SealedBinary>>,
    /// What supervises each container.
    pub supervisor: Supervisor,
    pub catatonit: PathBuf,
}

/// The per-container supervisor: peapod's own shim (next to the running binary, or
/// `PEAPOD_SHIM`), else conmon. `PEAPOD_SHIM=conmon` chooses conmon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Supervisor {
    Shim(PathBuf),
    Conmon(PathBuf),
}

impl Supervisor {
    fn find() -> Result<Supervisor, HostError> {
        let wanted = std::env::var_os("PEAPOD_SHIM");
        let conmon = || {
            which("conmon")
                .map(Supervisor::Conmon)
                .ok_or(HostError::Missing("conmon", "conmon"))
        };
        if wanted.as_deref() == Some(std::ffi::OsStr::new("conmon")) {
            return conmon();
        }
        if let Some(p) = wanted {
            let p = PathBuf::from(p);
            return if p.is_file() {
                Ok(Supervisor::Shim(p))
            } else {
                Err(HostError::NoShim(p))
            };
        }
        // Beside the running binary; for test binaries (target/*/deps), one level up.
        let exe = std::env::current_exe().ok();
        let dir = exe.as_deref().and_then(Path::parent);
        let candidates = [
            dir,
            dir.filter(|d| d.ends_with("deps")).and_then(Path::parent),
        ];
        let found = candidates
            .into_iter()
            .flatten()
            .map(|d| d.join("peapod-shim"))
            .find(|p| p.is_file());
        match found {
            Some(p) => Ok(Supervisor::Shim(p)),
            None => conmon(),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Supervisor::Shim(p) | Supervisor::Conmon(p) => p,
        }
    }
}

/// Which OCI runtime to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OciRuntimeKind {
    #[default]
    Crun,
    Runc,
}

impl Tools {
    pub fn find(kind: OciRuntimeKind) -> Result<Tools, HostError> {
        let mut kind = kind;
        if kind == OciRuntimeKind::Crun && !crun_usable() {
            tracing::warn!("crun cannot run containers on this host's cgroup layout; using runc");
            kind = OciRuntimeKind::Runc;
        }
        favor_dynamic_cgroups();
        let oci_runtime = match kind {
            OciRuntimeKind::Crun => which("crun").ok_or(HostError::Missing("crun", "crun"))?,
            OciRuntimeKind::Runc => which("runc").ok_or(HostError::Missing("runc", "runc"))?,
        };
        let oci_sealed = match SealedBinary::copy(&oci_runtime) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                tracing::info!(path = %oci_runtime.display(), error = %e, "no sealed copy of the OCI runtime: it copies itself on every call");
                None
            }
        };
        Ok(Tools {
            oci_runtime,
            oci_sealed,
            supervisor: Supervisor::find()?,
            catatonit: which("catatonit").ok_or(HostError::Missing("catatonit", "catatonit"))?,
        })
    }
}

impl Tools {
    /// The path to execute the OCI runtime by: the sealed copy's while this process lives.
    pub fn oci_exec(&self) -> PathBuf {
        match &self.oci_sealed {
            Some(s) => s.exec_path(),
            None => self.oci_runtime.clone(),
        }
    }
}

/// A sealed memfd copy of an executable. crun and runc protect the host binary from a
/// container that would overwrite it through /proc/self/exe (CVE-2019-5736) by copying
/// themselves into such a memfd and executing that again, on every call, unless they already
/// run from a fully sealed one: here that second exec cost 1.5-2 ms per call, and a pod start
/// makes two (create, start). One copy made at start keeps the same guarantee (no write,
/// grow, shrink, or further seals).
#[derive(Debug)]
pub struct SealedBinary {
    fd: OwnedFd,
    pid: u32,
}

impl SealedBinary {
    pub fn copy(path: &Path) -> std::io::Result<SealedBinary> {
        use nix::fcntl::{fcntl, FcntlArg, SealFlag};
        use nix::sys::memfd::{memfd_create, MFdFlags};
        let base = MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING;
        // MFD_EXEC (Linux 6.3+) says so explicitly, which newer kernels want; older ones
        // refuse the flag and are executable by default.
        let fd = memfd_create(
            c"peapod-oci-runtime",
            base | MFdFlags::from_bits_retain(0x0010),
        )
        .or_else(|_| memfd_create(c"peapod-oci-runtime", base))?;
        let mut src = std::fs::File::open(path)?;
        let mut dst = std::fs::File::from(fd);
        std::io::copy(&mut src, &mut dst)?;
        let seals = SealFlag::F_SEAL_SEAL
            | SealFlag::F_SEAL_SHRINK
            | SealFlag::F_SEAL_GROW
            | SealFlag::F_SEAL_WRITE;
        fcntl(&dst, FcntlArg::F_ADD_SEALS(seals))?;
        Ok(SealedBinary {
            fd: dst.into(),
            pid: std::process::id(),
        })
    }

    /// Valid in this process and, while it lives, in any other (a supervisor starts the
    /// runtime once, while the server waits for it).
    pub fn exec_path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/{}/fd/{}", self.pid, self.fd.as_raw_fd()))
    }
}

/// Moving a task between cgroups takes a lock whose writers, by default, first wait for an
/// RCU grace period (10-20 ms here) whenever none ran recently: the first cgroup write of each
/// pod's start paid it. The cgroup2 mount option `favordynmods` (Linux 6.0+) makes that lock
/// favour writers, at a small cost to fork and exit; it is global, so the hybrid layout's
/// cgroup2 mount serves the v1 hierarchies too. Returns whether it is on.
pub fn favor_dynamic_cgroups() -> bool {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let Some(line) = mounts
        .lines()
        .find(|l| l.split(' ').nth(2) == Some("cgroup2"))
    else {
        return false;
    };
    let mut fields = line.split(' ');
    let (Some(target), Some(opts)) = (fields.nth(1), fields.nth(1)) else {
        return false;
    };
    if opts.split(',').any(|o| o == "favordynmods") {
        return true;
    }
    let keep: Vec<&str> = opts.split(',').filter(|o| *o != "rw").collect();
    let data = [keep.join(","), "favordynmods".into()].join(",");
    let ok = nix::mount::mount(
        None::<&str>,
        target,
        None::<&str>,
        nix::mount::MsFlags::MS_REMOUNT,
        Some(data.trim_start_matches(',')),
    )
    .is_ok();
    if ok {
        tracing::info!(mount = target, "cgroup2 remounted with favordynmods: pod cgroups join without waiting for an RCU grace period");
    } else {
        tracing::info!(mount = target, "cgroup2 does not take favordynmods (Linux < 6.0?): each pod start may wait for an RCU grace period");
    }
    ok
}

/// crun 1.8 refuses a hybrid cgroup layout whose v2 mount has controllers (here: hugetlb).
/// Binding hugetlb to a v1 hierarchy, as systemd does on hybrid hosts, fixes it.
fn crun_usable() -> bool {
    let controllers =
        std::fs::read_to_string("/sys/fs/cgroup/unified/cgroup.controllers").unwrap_or_default();
    let v1 = Path::new("/sys/fs/cgroup/memory").exists();
    if !v1 || controllers.trim().is_empty() {
        return true;
    }
    let mut ok = true;
    for c in controllers.split_whitespace() {
        let dir = Path::new("/sys/fs/cgroup").join(c);
        if dir.join("cgroup.procs").exists() {
            continue;
        }
        let mounted = std::fs::create_dir_all(&dir).is_ok()
            && nix::mount::mount(
                Some("cgroup"),
                &dir,
                Some("cgroup"),
                nix::mount::MsFlags::empty(),
                Some(c),
            )
            .is_ok();
        if mounted {
            tracing::info!(
                controller = c,
                "mounted a cgroup v1 hierarchy so crun accepts the hybrid layout"
            );
        } else {
            ok = false;
        }
    }
    ok && std::fs::read_to_string("/sys/fs/cgroup/unified/cgroup.controllers")
        .is_ok_and(|s| s.trim().is_empty())
}

/// Every cgroup hierarchy a pod's cgroups may be in: the joined ones and, on a hybrid host,
/// the unified v2 mount (the OCI runtime puts containers there too).
pub fn cgroup_hierarchies() -> Vec<PathBuf> {
    let mut dirs = cgroup_join_dirs();
    let unified = Path::new("/sys/fs/cgroup/unified");
    if unified.join("cgroup.procs").exists() {
        dirs.push(unified.to_path_buf());
    }
    dirs
}

/// The host runs only the unified cgroup v2 hierarchy (not v1, not hybrid).
pub fn cgroup_unified() -> bool {
    Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
}

/// The hierarchies a pause process joins: every v1 controller's (hybrid or v1 host), or the
/// single v2 hierarchy of a unified host (whose subdirectories are cgroups, not hierarchies).
/// Real paths, each once (`cpu` and `cpuacct` may be links to `cpu,cpuacct`).
pub fn cgroup_join_dirs() -> Vec<PathBuf> {
    if cgroup_unified() {
        return vec![PathBuf::from("/sys/fs/cgroup")];
    }
    let Ok(rd) = std::fs::read_dir("/sys/fs/cgroup") else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in rd.filter_map(|e| e.ok().map(|e| e.path())) {
        if !p.join("cgroup.procs").exists() || p.file_name().is_some_and(|n| n == "unified") {
            continue;
        }
        if let Ok(real) = p.canonicalize() {
            if !dirs.contains(&real) {
                dirs.push(real);
            }
        }
    }
    dirs
}
