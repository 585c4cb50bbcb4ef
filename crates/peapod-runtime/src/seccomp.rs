//! The RuntimeDefault seccomp profile: an allow-list in the shape of containerd's and docker's
//! default (EPERM for everything not listed; namespace, mount, module, clock, ptrace and reboot
//! syscalls only for containers whose bounding set holds the capability that guards them;
//! `clone` without namespace flags; `clone3` answers ENOSYS so libcs fall back to `clone`), and
//! Localhost profiles read from the node's seccomp dir.

use std::path::Path;

use oci_spec::runtime::{
    Arch, Capability, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArgBuilder,
    LinuxSeccompBuilder, LinuxSeccompOperator, LinuxSyscall, LinuxSyscallBuilder,
};

use crate::oci::{build_err, SpecError};

/// Syscalls every container may make.
const ALLOWED: &[&str] = &[
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "cachestat",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_requeue",
    "futex_time64",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "map_shadow_stack",
    "membarrier",
    "memfd_create",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "mseal",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socket",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "sync_file_range2",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
];

/// Syscalls allowed only when the container's bounding set holds the capability.
const BY_CAPABILITY: &[(Capability, &[&str])] = &[
    (Capability::DacReadSearch, &["open_by_handle_at"]),
    (
        Capability::SysAdmin,
        &[
            "bpf",
            "clone",
            "clone3",
            "fanotify_init",
            "fsconfig",
            "fsmount",
            "fsopen",
            "fspick",
            "lookup_dcookie",
            "mount",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "perf_event_open",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "sethostname",
            "setns",
            "syslog",
            "umount",
            "umount2",
            "unshare",
        ],
    ),
    (Capability::SysBoot, &["reboot"]),
    (Capability::SysChroot, &["chroot"]),
    (
        Capability::SysModule,
        &["delete_module", "init_module", "finit_module"],
    ),
    (Capability::SysPacct, &["acct"]),
    (
        Capability::SysPtrace,
        &[
            "kcmp",
            "pidfd_getfd",
            "process_madvise",
            "process_vm_readv",
            "process_vm_writev",
            "ptrace",
        ],
    ),
    (Capability::SysRawio, &["iopl", "ioperm"]),
    (
        Capability::SysTime,
        &["settimeofday", "stime", "clock_settime", "clock_settime64"],
    ),
    (Capability::SysTtyConfig, &["vhangup"]),
    (
        Capability::SysNice,
        &[
            "get_mempolicy",
            "mbind",
            "set_mempolicy",
            "set_mempolicy_home_node",
        ],
    ),
    (Capability::Syslog, &["syslog"]),
];

const EPERM: u32 = 1;
const ENOSYS: u32 = 38;
/// CLONE_NEWNS | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWCGROUP.
const CLONE_NAMESPACE_FLAGS: u64 = 0x7E02_0000;
/// personality() values a container may set: PER_LINUX, PER_LINUX32, UNAME26 variants, query.
const PERSONALITIES: &[u64] = &[0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff];

fn allow(names: &[&str]) -> Result<LinuxSyscall, SpecError> {
    LinuxSyscallBuilder::default()
        .names(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .action(LinuxSeccompAction::ScmpActAllow)
        .build()
        .map_err(build_err)
}

fn architectures() -> Vec<Arch> {
    match std::env::consts::ARCH {
        "x86_64" => vec![Arch::ScmpArchX86_64, Arch::ScmpArchX86, Arch::ScmpArchX32],
        "aarch64" => vec![Arch::ScmpArchArm, Arch::ScmpArchAarch64],
        _ => vec![Arch::ScmpArchNative],
    }
}

/// The RuntimeDefault profile for a container with the given bounding capabilities.
pub fn runtime_default(bounding: &[Capability]) -> Result<LinuxSeccomp, SpecError> {
    let mut syscalls = vec![allow(ALLOWED)?];
    match std::env::consts::ARCH {
        "x86_64" => syscalls.push(allow(&["arch_prctl", "modify_ldt"])?),
        "aarch64" => syscalls.push(allow(&[
            "arm_fadvise64_64",
            "arm_sync_file_range",
            "breakpoint",
            "cacheflush",
            "set_tls",
        ])?),
        _ => {}
    }
    for value in PERSONALITIES {
        let arg = LinuxSeccompArgBuilder::default()
            .index(0usize)
            .value(*value)
            .op(LinuxSeccompOperator::ScmpCmpEq)
            .build()
            .map_err(build_err)?;
        let mut s = allow(&["personality"])?;
        s.set_args(Some(vec![arg]));
        syscalls.push(s);
    }
    for (cap, names) in BY_CAPABILITY {
        if bounding.contains(cap) {
            syscalls.push(allow(names)?);
        }
    }
    if !bounding.contains(&Capability::SysAdmin) {
        // clone without namespace flags; clone3 cannot be filtered on its flags (they are
        // in memory), so it says ENOSYS and libcs use clone.
        let arg = LinuxSeccompArgBuilder::default()
            .index(0usize)
            .value(CLONE_NAMESPACE_FLAGS)
            .value_two(0u64)
            .op(LinuxSeccompOperator::ScmpCmpMaskedEq)
            .build()
            .map_err(build_err)?;
        let mut clone = allow(&["clone"])?;
        clone.set_args(Some(vec![arg]));
        syscalls.push(clone);
        let clone3 = LinuxSyscallBuilder::default()
            .names(vec!["clone3".to_string()])
            .action(LinuxSeccompAction::ScmpActErrno)
            .errno_ret(ENOSYS)
            .build()
            .map_err(build_err)?;
        syscalls.push(clone3);
    }
    LinuxSeccompBuilder::default()
        .default_action(LinuxSeccompAction::ScmpActErrno)
        .default_errno_ret(EPERM)
        .architectures(architectures())
        .syscalls(syscalls)
        .build()
        .map_err(build_err)
}

/// A Localhost profile: an OCI `linux.seccomp` object in JSON.
pub fn localhost(path: &Path) -> Result<LinuxSeccomp, SpecError> {
    let text =
        std::fs::read(path).map_err(|e| SpecError::Seccomp(format!("{}: {e}", path.display())))?;
    serde_json::from_slice(&text).map_err(|e| {
        SpecError::Seccomp(format!(
            "{}: not an OCI seccomp object (defaultAction, architectures, syscalls): {e}",
            path.display()
        ))
    })
}

/// crun's compiled filters by profile, so a profile is compiled by libseccomp once per server
/// start rather than once per container (~10 ms each here). crun leaves the BPF it generated
/// in its state dir (`seccomp.bpf`) and accepts a precompiled one in the
/// `run.oci.seccomp_bpf_data` annotation. Cleared at start so a new crun recompiles.
pub(crate) struct BpfCache {
    dir: std::path::PathBuf,
}

/// crun's annotation carrying a precompiled seccomp filter (base64).
pub(crate) const BPF_ANNOTATION: &str = "run.oci.seccomp_bpf_data";

impl BpfCache {
    pub(crate) fn open(dir: std::path::PathBuf) -> BpfCache {
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        BpfCache { dir }
    }

    /// The cache key of a profile: sha256 of its JSON.
    pub(crate) fn key(profile: &LinuxSeccomp) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(
            serde_json::to_vec(profile).unwrap_or_default(),
        ))
    }

    /// The precompiled filter as the annotation's value.
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        use base64::Engine;
        let bpf = std::fs::read(self.dir.join(format!("{key}.bpf"))).ok()?;
        (!bpf.is_empty()).then(|| base64::engine::general_purpose::STANDARD.encode(bpf))
    }

    /// Keeps the filter crun compiled for a container (from its state dir).
    pub(crate) fn put_from(&self, key: &str, crun_state: &Path) {
        let Ok(bpf) = std::fs::read(crun_state.join("seccomp.bpf")) else {
            return;
        };
        if bpf.is_empty() || bpf.len() % 8 != 0 {
            return; // not a sock_filter array
        }
        let tmp = self.dir.join(format!("{key}.tmp"));
        if std::fs::write(&tmp, &bpf).is_ok() {
            let _ = std::fs::rename(&tmp, self.dir.join(format!("{key}.bpf")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &LinuxSeccomp) -> Vec<String> {
        p.syscalls()
            .iter()
            .flatten()
            .filter(|s| s.action() == LinuxSeccompAction::ScmpActAllow && s.args().is_none())
            .flat_map(|s| s.names().clone())
            .collect()
    }

    #[test]
    fn default_denies_namespace_and_mount_syscalls_without_sys_admin() {
        let p = runtime_default(&[Capability::Chown, Capability::NetRaw]).unwrap();
        assert_eq!(p.default_action(), LinuxSeccompAction::ScmpActErrno);
        assert_eq!(p.default_errno_ret(), Some(EPERM));
        let allowed = names(&p);
        for denied in [
            "mount", "unshare", "setns", "keyctl", "add_key", "ptrace", "reboot",
        ] {
            assert!(!allowed.iter().any(|n| n == denied), "{denied} allowed");
        }
        for ok in ["read", "openat", "execve", "socket", "rseq", "statx"] {
            assert!(allowed.iter().any(|n| n == ok), "{ok} denied");
        }
        let clone3 = p
            .syscalls()
            .iter()
            .flatten()
            .find(|s| s.names() == &["clone3".to_string()])
            .unwrap();
        assert_eq!(clone3.errno_ret(), Some(ENOSYS));
    }

    #[test]
    fn capabilities_open_their_syscalls() {
        let p = runtime_default(&[Capability::SysAdmin, Capability::SysPtrace]).unwrap();
        let allowed = names(&p);
        for ok in ["mount", "unshare", "clone", "clone3", "ptrace"] {
            assert!(allowed.iter().any(|n| n == ok), "{ok} denied");
        }
    }

    #[test]
    fn the_profile_serialises_as_oci_json() {
        let p = runtime_default(&[]).unwrap();
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["defaultAction"], "SCMP_ACT_ERRNO");
        assert_eq!(v["defaultErrnoRet"], 1);
        let back: LinuxSeccomp = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn localhost_profile_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.json");
        std::fs::write(&f, "{\"archMap\": []}").unwrap();
        let e = localhost(&f).unwrap_err();
        assert!(e.to_string().contains("p.json"), "{e}");
        std::fs::write(
            &f,
            r#"{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}"#,
        )
        .unwrap();
        assert_eq!(
            localhost(&f).unwrap().default_action(),
            LinuxSeccompAction::ScmpActLog
        );
    }
}
