//! The runtime's few system calls that need `unsafe`.

use std::os::fd::RawFd;

/// Lets `fd` (created close-on-exec) be inherited across the coming exec. Meant for
/// `Command::pre_exec`, between fork and exec.
pub(crate) fn inherit_fd(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl on an fd we own, with integer arguments only; async-signal-safe, so it is
    // allowed in the child between fork and exec.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Sets the nice value of the calling thread (Linux keeps it per thread); the processes and
/// threads it starts inherit it.
pub fn set_thread_nice(nice: i32) -> std::io::Result<()> {
    // SAFETY: gettid and setpriority take and return plain integers.
    let r = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice)
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Sets a terminal's window size (TIOCSWINSZ) on the pty master.
pub fn set_winsize(fd: RawFd, cols: u16, rows: u16) -> std::io::Result<()> {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one `winsize` from the pointer, which is valid for the call.
    if unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &ws as *const libc::winsize) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// fork(2): `Ok(0)` in the child, `Ok(pid)` in the parent. Only for a process that has a
/// single thread (the shim, before it starts anything).
pub(crate) fn fork_single_threaded() -> std::io::Result<i32> {
    // SAFETY: the caller guarantees no other thread exists, so the child is consistent.
    match unsafe { libc::fork() } {
        -1 => Err(std::io::Error::last_os_error()),
        pid => Ok(pid),
    }
}

/// Detaches into a new session and becomes the subreaper of everything started below, with
/// stdin/stdout/stderr on /dev/null.
pub(crate) fn daemonize_as_subreaper() {
    // SAFETY: plain syscalls on this process with valid arguments.
    unsafe {
        libc::setsid();
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        for fd in 0..3 {
            // SAFETY: dup2 of an open descriptor onto the standard descriptors.
            unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), fd) };
        }
    }
}

/// A descriptor numbered 3 or more for `fd` (a close-on-exec duplicate when `fd` is 0, 1 or 2;
/// `fd` itself otherwise, or when duplicating fails).
pub(crate) fn above_stdio(fd: RawFd) -> RawFd {
    if fd > 2 {
        return fd;
    }
    // SAFETY: fcntl F_DUPFD_CLOEXEC with integer arguments on a descriptor of this process.
    match unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) } {
        -1 => fd,
        dup => dup,
    }
}

/// Takes ownership of a descriptor handed over by the parent (e.g. `_OCI_SYNCPIPE`).
pub(crate) fn adopt_fd(fd: RawFd) -> std::fs::File {
    // SAFETY: the parent passed this descriptor to this process for its exclusive use.
    unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) }
}

/// A close-on-exec pipe: (read end, write end).
pub(crate) fn pipe() -> std::io::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two-element array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created for us.
    Ok(unsafe {
        (
            std::os::fd::FromRawFd::from_raw_fd(fds[0]),
            std::os::fd::FromRawFd::from_raw_fd(fds[1]),
        )
    })
}

/// SIGCHLD blocked and delivered through a non-blocking signalfd.
pub(crate) fn sigchld_fd() -> std::io::Result<std::os::fd::OwnedFd> {
    // SAFETY: sigset manipulation on a local set; signalfd returns a new descriptor.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let fd = libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(std::os::fd::FromRawFd::from_raw_fd(fd))
    }
}

/// Reads a non-blocking descriptor until it has nothing more (e.g. a signalfd's queue).
pub(crate) fn drain(fd: RawFd) {
    let mut buf = [0u8; 512];
    // SAFETY: reading into a local buffer.
    while unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
}

/// One read(2) into `buf`: the byte count, 0 at end-of-file.
pub(crate) fn read_once(fd: RawFd, buf: &mut [u8]) -> std::io::Result<usize> {
    // SAFETY: reading into a caller-owned buffer.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Reaps every exited child without blocking: (pid, exit code, 128 + signal for a signal).
pub(crate) fn reap_children() -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    loop {
        let mut st = 0;
        // SAFETY: waitpid with a valid status pointer.
        let pid = unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) };
        if pid <= 0 {
            return out;
        }
        let code = if libc::WIFEXITED(st) {
            libc::WEXITSTATUS(st)
        } else if libc::WIFSIGNALED(st) {
            128 + libc::WTERMSIG(st)
        } else {
            255
        };
        out.push((pid, code));
    }
}

/// poll(2) for readability: the descriptors that are ready (or hung up).
pub(crate) fn poll_readable(fds: &[RawFd]) -> std::io::Result<Vec<RawFd>> {
    let mut p: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd {
            fd: *fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: p is a valid array of pollfd for its length.
    let n = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, -1) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(p.iter().filter(|x| x.revents != 0).map(|x| x.fd).collect())
}

pub(crate) fn set_nonblocking(fd: RawFd) {
    // SAFETY: fcntl on a descriptor the caller owns.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
    }
}

/// Accepts the OCI runtime's connection on the console socket and takes the pty master it
/// sends (SCM_RIGHTS), within ten seconds.
pub(crate) fn receive_console(
    listener: std::os::unix::net::UnixListener,
    path: &std::path::Path,
) -> std::result::Result<std::os::fd::OwnedFd, String> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    use std::os::fd::{AsRawFd, FromRawFd};
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("console socket {}: {e}", path.display()))?;
    let start = std::time::Instant::now();
    let stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if start.elapsed() > std::time::Duration::from_secs(10) {
                    return Err("no terminal from the OCI runtime within 10s".into());
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(e) => return Err(format!("console socket: {e}")),
        }
    };
    stream
        .set_nonblocking(false)
        .map_err(|e| format!("console socket: {e}"))?;
    let mut buf = [0u8; 4096];
    let mut iov = [std::io::IoSliceMut::new(&mut buf)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let msg = recvmsg::<()>(
        stream.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::empty(),
    )
    .map_err(|e| format!("console socket: {e}"))?;
    for c in msg.cmsgs().map_err(|e| format!("console socket: {e}"))? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            if let Some(fd) = fds.first() {
                // SAFETY: the kernel just installed this descriptor in our table for us.
                return Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(*fd) });
            }
        }
    }
    Err("the OCI runtime sent no terminal".into())
}

/// How the pause process is set up between clone and exec. Everything is prepared before the
/// fork: the child runs only system calls, as a child of a multi-threaded process must.
pub(crate) struct PauseLaunch {
    /// Its root (chroot: it stays in the node's mount namespace, which no container joins,
    /// so its namespace pins no mounts; without privileges it cannot leave the chroot or
    /// write to the root-owned directory).
    pub rootfs: std::ffi::CString,
    /// Set in its new UTS namespace (none: keep the node's, for host-network pods).
    pub hostname: Option<std::ffi::CString>,
    /// CLONE_NEW* flags: always PID, IPC and UTS; network unless host-network.
    pub namespaces: libc::c_int,
    /// `cgroup.procs` of its cgroup in every hierarchy, opened for writing.
    pub cgroup_procs: Vec<RawFd>,
    pub uid: u32,
    pub gid: u32,
}

/// Starts `program` (a path inside `l.rootfs`) as PID 1 of new namespaces, detached (its
/// parent is an intermediate process that exits at once, as `crun run --detach` does), and
/// returns its pid once it has exec'd. A failure of any step, before or after the clone, is
/// the error.
pub(crate) fn spawn_pause(l: &PauseLaunch, program: &str, args: &[&str]) -> std::io::Result<u32> {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let (pid_r, pid_w) = pipe()?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", "/")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let pid_w_fd = pid_w.as_raw_fd();
    let rootfs = l.rootfs.clone();
    let hostname = l.hostname.clone();
    let cgroups = l.cgroup_procs.clone();
    let (flags, uid, gid) = (l.namespaces, l.uid, l.gid);
    let setup = move || -> std::io::Result<()> {
        fn check(r: libc::c_long) -> std::io::Result<()> {
            if r < 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(())
            }
        }
        // SAFETY: only system calls on pointers to the NUL-terminated strings and fds prepared
        // before the fork (no allocation, no locks); a clone without a new stack continues on
        // a copy of this one, as fork does.
        unsafe {
            let child = libc::syscall(
                libc::SYS_clone,
                (flags | libc::SIGCHLD) as libc::c_ulong,
                0usize,
                0usize,
                0usize,
                0usize,
            );
            check(child)?;
            if child > 0 {
                // The intermediate process: hand over the pid and go.
                let b = (child as u32).to_ne_bytes();
                let ok = libc::write(pid_w_fd, b.as_ptr().cast(), b.len()) == b.len() as isize;
                libc::_exit(if ok { 0 } else { 1 });
            }
            if flags & libc::CLONE_NEWNET != 0 {
                // A new network namespace starts with `lo` down; the pod's loopback is up
                // before anything runs in it.
                let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
                check(fd as libc::c_long)?;
                let mut req: libc::ifreq = std::mem::zeroed();
                req.ifr_name[0] = b'l' as libc::c_char;
                req.ifr_name[1] = b'o' as libc::c_char;
                check(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) as libc::c_long)?;
                req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
                check(libc::ioctl(fd, libc::SIOCSIFFLAGS, &req) as libc::c_long)?;
                libc::close(fd);
            }
            for fd in &cgroups {
                // "0" moves the writing process.
                check(libc::write(*fd, b"0".as_ptr().cast(), 1) as libc::c_long)?;
            }
            check(libc::chroot(rootfs.as_ptr()) as _)?;
            check(libc::chdir(c"/".as_ptr()) as _)?;
            if let Some(h) = &hostname {
                check(libc::sethostname(h.as_ptr(), h.as_bytes().len()) as _)?;
            }
            check(libc::setsid() as _)?;
            // No capabilities, now or through any exec.
            for cap in 0..64 {
                libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0);
            }
            check(libc::syscall(libc::SYS_setgroups, 0usize, 0usize))?;
            check(libc::syscall(libc::SYS_setresgid, gid, gid, gid))?;
            check(libc::syscall(libc::SYS_setresuid, uid, uid, uid))?;
            check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) as _)?;
        }
        Ok(())
    };
    // SAFETY: the closure runs between fork and exec and only makes system calls (above).
    unsafe { cmd.pre_exec(setup) };
    let mut middle = cmd.spawn()?;
    drop(pid_w);
    let status = middle.wait()?;
    let mut b = [0u8; 4];
    let n = read_once(pid_r.as_raw_fd(), &mut b)?;
    if !status.success() || n != 4 {
        return Err(std::io::Error::other(format!(
            "the pause launcher exited with {status} before reporting a pid"
        )));
    }
    Ok(u32::from_ne_bytes(b))
}
