//! peapod's own container supervisor (the role conmon plays for CRI-O): one small process per
//! container, started by the runtime, that outlives the peapod server. It runs `<oci-runtime>
//! create`, reports the container's pid on the sync pipe (conmon's `_OCI_SYNCPIPE` protocol, so
//! both supervisors look alike to the caller), then, as the container's subreaper:
//! - copies the container's stdout/stderr into its log file in the CRI format
//!   (`<RFC3339Nano> <stream> <F|P> <text>`), reopening the file when asked through the
//!   `<bundle>/ctl` FIFO (conmon's "2 0 0" message, sent by log rotation);
//! - on the container's exit writes `oom` (when its memory cgroup saw an OOM kill) and then,
//!   atomically, the exit file with the exit code (128 + signal for a signal).
//!
//! It is std + libc only and is built statically for release (see README), so its resident
//! memory stays near 1 MiB.

use crate::runtime::write_atomic;
use crate::sys;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the shim is told on its command line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ShimArgs {
    pub id: String,
    pub runtime: PathBuf,
    pub runtime_root: PathBuf,
    pub bundle: PathBuf,
    /// Where the OCI runtime writes the container's pid.
    pub pid_file: PathBuf,
    /// Where the shim writes its own pid.
    pub shim_pid_file: PathBuf,
    pub log: PathBuf,
    /// The log is truncated when it grows past this (a safety net behind rotation).
    pub log_max: u64,
    pub exit_file: PathBuf,
    pub oom_file: PathBuf,
    /// The container runs on a terminal (the runtime makes it; the shim holds the master).
    pub tty: bool,
    /// The container's stdin is a pipe the shim feeds from attach sessions.
    pub stdin: bool,
    /// stdin closes when the first attach session ends.
    pub stdin_once: bool,
    /// Where attach sessions connect (empty: no attach).
    pub attach_socket: PathBuf,
    /// Start the process too (`run --detach` instead of `create`): nothing has to happen
    /// between the two, and one runtime process fewer runs.
    pub start: bool,
}

impl ShimArgs {
    /// The command line the runtime passes (`--flag value` pairs, all required but log-max).
    pub fn to_args(&self) -> Vec<OsString> {
        let mut v: Vec<OsString> = Vec::new();
        let mut push = |k: &str, val: &Path| {
            v.push(k.into());
            v.push(val.as_os_str().to_owned());
        };
        push("--runtime", &self.runtime);
        push("--runtime-root", &self.runtime_root);
        push("--bundle", &self.bundle);
        push("--pid-file", &self.pid_file);
        push("--shim-pid-file", &self.shim_pid_file);
        push("--log", &self.log);
        push("--exit-file", &self.exit_file);
        push("--oom-file", &self.oom_file);
        push("--attach-socket", &self.attach_socket);
        for (k, on) in [
            ("--tty", self.tty),
            ("--stdin", self.stdin),
            ("--stdin-once", self.stdin_once),
            ("--start", self.start),
        ] {
            v.push(k.into());
            v.push(on.to_string().into());
        }
        v.push("--log-max".into());
        v.push(self.log_max.to_string().into());
        v.push("--id".into());
        v.push(self.id.clone().into());
        v
    }

    pub fn parse(args: &[OsString]) -> Result<ShimArgs, String> {
        let mut a = ShimArgs::default();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it
                .next()
                .ok_or_else(|| format!("{}: missing value", flag.to_string_lossy()))?;
            let path = PathBuf::from(value);
            match flag.to_str().unwrap_or_default() {
                "--id" => a.id = value.to_string_lossy().into_owned(),
                "--runtime" => a.runtime = path,
                "--runtime-root" => a.runtime_root = path,
                "--bundle" => a.bundle = path,
                "--pid-file" => a.pid_file = path,
                "--shim-pid-file" => a.shim_pid_file = path,
                "--log" => a.log = path,
                "--exit-file" => a.exit_file = path,
                "--oom-file" => a.oom_file = path,
                "--attach-socket" => a.attach_socket = path,
                "--tty" | "--stdin" | "--stdin-once" | "--start" => {
                    let on = match value.to_str() {
                        Some("true") => true,
                        Some("false") => false,
                        _ => return Err(format!("{}: true or false", flag.to_string_lossy())),
                    };
                    match flag.to_str().unwrap_or_default() {
                        "--tty" => a.tty = on,
                        "--stdin" => a.stdin = on,
                        "--start" => a.start = on,
                        _ => a.stdin_once = on,
                    }
                }
                "--log-max" => {
                    a.log_max = value
                        .to_str()
                        .and_then(|s| s.parse().ok())
                        .ok_or("--log-max: not a number of bytes")?
                }
                other => return Err(format!("unknown flag {other}")),
            }
        }
        if a.id.is_empty() || a.runtime.as_os_str().is_empty() || a.bundle.as_os_str().is_empty() {
            return Err("--id, --runtime and --bundle are required".into());
        }
        Ok(a)
    }
}

/// The shim's `main`: returns the process exit code.
pub fn main() -> i32 {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let args = match ShimArgs::parse(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("peapod-shim: {e}");
            return 2;
        }
    };
    // The pipe may come as stdout (peapod passes it so): moved above the standard
    // descriptors, which the supervisor points at /dev/null.
    let sync: Option<RawFd> = std::env::var("_OCI_SYNCPIPE")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(sys::above_stdio);
    // The caller waits for this process: the supervisor proper is a daemonized child.
    match sys::fork_single_threaded() {
        Err(e) => {
            eprintln!("peapod-shim: fork: {e}");
            return 1;
        }
        Ok(0) => {}
        Ok(_) => return 0,
    }
    std::process::exit(supervise(&args, sync));
}

/// Answers the caller on the sync pipe (once: the pipe is closed after).
fn report(sync: &mut Option<File>, reply: &serde_json::Value) {
    if let Some(mut f) = sync.take() {
        let _ = writeln!(f, "{reply}");
    }
}

/// Reports a failure to start (conmon's `{"data": -1, "message": ...}`); the shim's exit code.
fn fail(sync: &mut Option<File>, message: &str) -> i32 {
    report(sync, &serde_json::json!({"data": -1, "message": message}));
    1
}

fn supervise(args: &ShimArgs, sync: Option<RawFd>) -> i32 {
    let mut sync = sync.map(sys::adopt_fd);
    sys::daemonize_as_subreaper();
    let _ = std::env::set_current_dir(&args.bundle);
    let sigfd = match sys::sigchld_fd() {
        Ok(fd) => fd,
        Err(e) => return fail(&mut sync, &format!("signalfd: {e}")),
    };
    let io = match ContainerIo::prepare(args) {
        Ok(io) => io,
        Err(e) => return fail(&mut sync, &e),
    };
    let runtime_log = args.bundle.join("runtime.log");
    let _ = std::fs::remove_file(&runtime_log);
    let mut create = Command::new(&args.runtime);
    create
        .arg("--root")
        .arg(&args.runtime_root)
        .arg("--log")
        .arg(&runtime_log)
        .args(["--log-format", "json"])
        .args(if args.start {
            &["run", "--detach"][..]
        } else {
            &["create"][..]
        })
        .arg("--bundle")
        .arg(&args.bundle)
        .arg("--pid-file")
        .arg(&args.pid_file);
    let ContainerIo {
        console,
        child_stdin,
        child_stdout,
        child_stderr,
        mut streams,
        mut stdin_sink,
    } = io;
    if let Some((_, path)) = &console {
        create.arg("--console-socket").arg(path);
    }
    let created = create
        .arg(&args.id)
        .stdin(child_stdin)
        .stdout(child_stdout)
        .stderr(child_stderr)
        .status();
    let pid: i32 = match created {
        Ok(s) if s.success() => std::fs::read_to_string(&args.pid_file)
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(-1),
        Ok(s) => {
            let msg = runtime_error(&runtime_log).unwrap_or_else(|| {
                let what = if args.start { "run" } else { "create" };
                format!("{} {what}: {s}", args.runtime.display())
            });
            return fail(&mut sync, &msg);
        }
        Err(e) => return fail(&mut sync, &format!("{}: {e}", args.runtime.display())),
    };
    if pid <= 0 {
        return fail(&mut sync, "no container pid");
    }
    // A terminal: the runtime sent its master over the console socket.
    let mut master: Option<File> = None;
    if let Some((listener, path)) = console {
        match sys::receive_console(listener, &path) {
            Ok(fd) => {
                // Non-blocking: a program that does not read its terminal must not stall the
                // shim (attach input it cannot take is dropped).
                sys::set_nonblocking(fd.as_raw_fd());
                let f = File::from(fd);
                if let Ok(r) = f.try_clone() {
                    streams.push(Stream::new(OwnedFd::from(r), "stdout"));
                }
                if args.stdin {
                    stdin_sink = f.try_clone().ok();
                }
                master = Some(f);
            }
            Err(e) => return fail(&mut sync, &e),
        }
        let _ = std::fs::remove_file(&path);
    }
    let _ = std::fs::write(&args.shim_pid_file, std::process::id().to_string());
    let oom = OomWatch::new(pid);
    let ctl = control_fifo(&args.bundle.join("ctl"));
    let attach = attach_listener(&args.attach_socket);
    report(&mut sync, &serde_json::json!({ "data": pid }));

    let mut log = CriLog::open(&args.log, args.log_max);
    let mut clients: Vec<Client> = Vec::new();
    let mut status: Option<i32> = None;
    while status.is_none() {
        let mut fds = vec![sigfd.as_raw_fd()];
        fds.extend(streams.iter().filter(|s| s.open).map(|s| s.fd.as_raw_fd()));
        fds.extend(ctl.as_ref().map(|c| c.as_raw_fd()));
        fds.extend(attach.as_ref().map(|l| l.as_raw_fd()));
        fds.extend(
            clients
                .iter()
                .filter(|c| c.reading)
                .map(|c| c.sock.as_raw_fd()),
        );
        let ready = match sys::poll_readable(&fds) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        for fd in ready {
            if fd == sigfd.as_raw_fd() {
                sys::drain(fd);
                if let Some((_, code)) = sys::reap_children().into_iter().find(|(p, _)| *p == pid) {
                    status = Some(code);
                }
            } else if ctl.as_ref().is_some_and(|c| c.as_raw_fd() == fd) {
                let mut buf = [0u8; 256];
                let n = sys::read_once(fd, &mut buf).unwrap_or(0);
                if buf[..n]
                    .split(|b| *b == b'\n')
                    .any(|m| m.starts_with(b"2 "))
                {
                    log.reopen();
                }
            } else if attach.as_ref().is_some_and(|l| l.as_raw_fd() == fd) {
                if let Some(l) = &attach {
                    while let Ok((sock, _)) = l.accept() {
                        let _ = sock.set_nonblocking(false);
                        let _ = sock.set_write_timeout(Some(std::time::Duration::from_secs(1)));
                        clients.push(Client {
                            sock,
                            buf: Vec::new(),
                            reading: true,
                        });
                    }
                }
            } else if let Some(i) = clients.iter().position(|c| c.sock.as_raw_fd() == fd) {
                if !clients[i].serve(&mut stdin_sink, master.as_ref()) {
                    // The session's input ended; its output goes on until it hangs up.
                    clients[i].reading = false;
                    if args.stdin_once && !args.tty {
                        // stdinOnce: the container sees end-of-file after the first session.
                        stdin_sink = None;
                    }
                }
            } else if let Some(s) = streams.iter_mut().find(|s| s.fd.as_raw_fd() == fd) {
                let name = s.name;
                if let Some(chunk) = s.read_into(&mut log) {
                    broadcast(&mut clients, name, &chunk);
                }
            }
        }
    }
    // Whatever the container wrote before it ended (descendants may hold the pipes open, so
    // take only what is there).
    for s in streams.iter_mut() {
        s.set_nonblocking();
        while s.open {
            let name = s.name;
            match s.read_into(&mut log) {
                Some(chunk) => broadcast(&mut clients, name, &chunk),
                None => break,
            }
        }
        s.flush_partial(&mut log);
    }
    drop(clients);
    if !args.attach_socket.as_os_str().is_empty() {
        let _ = std::fs::remove_file(&args.attach_socket);
    }
    log.sync();
    if oom.as_ref().is_some_and(OomWatch::killed) {
        let _ = std::fs::write(&args.oom_file, "");
    }
    let code = status.unwrap_or(255);
    let _ = write_atomic(&args.exit_file, code.to_string().as_bytes());
    0
}

/// The runtime's last error message from its JSON log.
fn runtime_error(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().rev().find(|l| l.contains("\"msg\""))?;
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v.get("msg")?.as_str().map(String::from)
}

/// conmon's control FIFO, held open read-write so it never reports end-of-file.
fn control_fifo(path: &Path) -> Option<File> {
    let _ = std::fs::remove_file(path);
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600)).ok()?;
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .ok()
}

/// The container's memory cgroup and its OOM-kill count when it started.
struct OomWatch {
    counter: PathBuf,
    start: u64,
}

impl OomWatch {
    fn new(pid: i32) -> Option<OomWatch> {
        let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
        let counter = cg.lines().find_map(|l| {
            let mut parts = l.splitn(3, ':');
            let (_, ctrls, path) = (parts.next()?, parts.next()?, parts.next()?);
            let path = path.trim_start_matches('/');
            if ctrls.split(',').any(|c| c == "memory") {
                Some(
                    Path::new("/sys/fs/cgroup/memory")
                        .join(path)
                        .join("memory.oom_control"),
                )
            } else if ctrls.is_empty() {
                let p = Path::new("/sys/fs/cgroup").join(path).join("memory.events");
                p.exists().then_some(p)
            } else {
                None
            }
        })?;
        let start = oom_kills(&counter).unwrap_or(0);
        Some(OomWatch { counter, start })
    }

    fn killed(&self) -> bool {
        oom_kills(&self.counter).is_some_and(|n| n > self.start)
    }
}

/// `oom_kill N` from memory.oom_control (v1) or memory.events (v2).
fn oom_kills(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("oom_kill "))
        .and_then(|n| n.trim().parse().ok())
}

/// The container log in the CRI format.
struct CriLog {
    path: PathBuf,
    file: Option<File>,
    max: u64,
    written: u64,
}

impl CriLog {
    fn open(path: &Path, max: u64) -> CriLog {
        let mut l = CriLog {
            path: path.to_path_buf(),
            file: None,
            max,
            written: 0,
        };
        l.reopen();
        l
    }

    fn reopen(&mut self) {
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o640)
            .custom_flags(libc::O_CLOEXEC)
            .open(&self.path)
            .ok();
        self.written = self
            .file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(0, |m| m.len());
    }

    fn record(&mut self, stream: &str, partial: bool, text: &[u8]) {
        if self.max > 0 && self.written > self.max {
            if let Some(f) = &self.file {
                let _ = f.set_len(0);
            }
            self.written = 0;
        }
        let mut line = Vec::with_capacity(text.len() + 48);
        line.extend_from_slice(crate::runtime::now_rfc3339_nanos().as_bytes());
        line.push(b' ');
        line.extend_from_slice(stream.as_bytes());
        line.extend_from_slice(if partial { b" P " } else { b" F " });
        line.extend_from_slice(text);
        line.push(b'\n');
        if let Some(f) = self.file.as_mut() {
            if f.write_all(&line).is_ok() {
                self.written += line.len() as u64;
            }
        }
    }

    fn sync(&self) {
        if let Some(f) = &self.file {
            let _ = f.sync_data();
        }
    }
}

/// Lines longer than this are logged in `P` pieces, as conmon does.
const MAX_LINE: usize = 16 * 1024;

/// One of the container's output pipes and the incomplete line read from it.
struct Stream {
    fd: OwnedFd,
    name: &'static str,
    pending: Vec<u8>,
    open: bool,
}

impl Stream {
    fn new(fd: OwnedFd, name: &'static str) -> Stream {
        Stream {
            fd,
            name,
            pending: Vec::new(),
            open: true,
        }
    }

    fn set_nonblocking(&self) {
        sys::set_nonblocking(self.fd.as_raw_fd());
    }

    /// Reads what is there and logs every complete line; the bytes read, or None at
    /// end-of-file or when nothing more can be read now.
    fn read_into(&mut self, log: &mut CriLog) -> Option<Vec<u8>> {
        let mut buf = [0u8; 32 * 1024];
        match sys::read_once(self.fd.as_raw_fd(), &mut buf) {
            Ok(0) => {
                self.open = false;
                None
            }
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                self.emit(log);
                Some(buf[..n].to_vec())
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Some(Vec::new()),
            Err(e) if e.raw_os_error() == Some(libc::EIO) => {
                // A terminal whose other side is gone.
                self.open = false;
                None
            }
            Err(_) => None,
        }
    }

    fn emit(&mut self, log: &mut CriLog) {
        let mut start = 0;
        while let Some(i) = self.pending[start..].iter().position(|b| *b == b'\n') {
            log.record(self.name, false, &self.pending[start..start + i]);
            start += i + 1;
        }
        self.pending.drain(..start);
        while self.pending.len() >= MAX_LINE {
            let rest = self.pending.split_off(MAX_LINE);
            log.record(self.name, true, &self.pending);
            self.pending = rest;
        }
    }

    fn flush_partial(&mut self, log: &mut CriLog) {
        if !self.pending.is_empty() {
            let p = std::mem::take(&mut self.pending);
            log.record(self.name, true, &p);
        }
    }
}

/// The container's stdio before it exists: what the runtime gets as the container's stdin,
/// stdout and stderr, what the shim reads, and where attach input goes.
struct ContainerIo {
    /// A terminal: the console socket the runtime sends the pty master to.
    console: Option<(std::os::unix::net::UnixListener, PathBuf)>,
    child_stdin: Stdio,
    child_stdout: Stdio,
    child_stderr: Stdio,
    streams: Vec<Stream>,
    stdin_sink: Option<File>,
}

impl ContainerIo {
    fn prepare(args: &ShimArgs) -> Result<ContainerIo, String> {
        if args.tty {
            let path = args.bundle.join("console.sock");
            let _ = std::fs::remove_file(&path);
            let l = std::os::unix::net::UnixListener::bind(&path)
                .map_err(|e| format!("console socket {}: {e}", path.display()))?;
            return Ok(ContainerIo {
                console: Some((l, path)),
                child_stdin: Stdio::null(),
                child_stdout: Stdio::null(),
                child_stderr: Stdio::null(),
                streams: Vec::new(),
                stdin_sink: None,
            });
        }
        let (out_r, out_w) = sys::pipe().map_err(|e| format!("pipe: {e}"))?;
        let (err_r, err_w) = sys::pipe().map_err(|e| format!("pipe: {e}"))?;
        let (child_stdin, stdin_sink) = if args.stdin {
            let (r, w) = sys::pipe().map_err(|e| format!("pipe: {e}"))?;
            sys::set_nonblocking(w.as_raw_fd());
            (Stdio::from(r), Some(File::from(w)))
        } else {
            (Stdio::null(), None)
        };
        Ok(ContainerIo {
            console: None,
            child_stdin,
            child_stdout: Stdio::from(out_w),
            child_stderr: Stdio::from(err_w),
            streams: vec![Stream::new(out_r, "stdout"), Stream::new(err_r, "stderr")],
            stdin_sink,
        })
    }
}

/// The attach socket, in a root-only directory.
fn attach_listener(path: &Path) -> Option<std::os::unix::net::UnixListener> {
    if path.as_os_str().is_empty() {
        return None;
    }
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let _ = std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let _ = std::fs::remove_file(path);
    let l = std::os::unix::net::UnixListener::bind(path).ok()?;
    l.set_nonblocking(true).ok()?;
    Some(l)
}

/// Attach frames, both ways: a type byte, a big-endian u32 length, the payload.
pub const FRAME_STDIN: u8 = 0;
pub const FRAME_STDOUT: u8 = 1;
pub const FRAME_STDERR: u8 = 2;
/// The client's stdin ended.
pub const FRAME_CLOSE_STDIN: u8 = 3;
/// Terminal size: u16 columns, u16 rows (big-endian).
pub const FRAME_RESIZE: u8 = 4;

pub fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(5 + payload.len());
    f.push(kind);
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Splits complete frames off the front of `buf`.
pub fn take_frames(buf: &mut Vec<u8>) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while buf.len() >= at + 5 {
        let len = u32::from_be_bytes([buf[at + 1], buf[at + 2], buf[at + 3], buf[at + 4]]) as usize;
        if buf.len() < at + 5 + len {
            break;
        }
        out.push((buf[at], buf[at + 5..at + 5 + len].to_vec()));
        at += 5 + len;
    }
    buf.drain(..at);
    out
}

/// One attach session.
struct Client {
    sock: std::os::unix::net::UnixStream,
    buf: Vec<u8>,
    /// Still sending (stdin, resizes); false after it shut its side down.
    reading: bool,
}

impl Client {
    /// Handles what the client sent; false when its input has ended.
    fn serve(&mut self, stdin: &mut Option<File>, master: Option<&File>) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        let n = match sys::read_once(self.sock.as_raw_fd(), &mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => n,
        };
        self.buf.extend_from_slice(&chunk[..n]);
        for (kind, payload) in take_frames(&mut self.buf) {
            match kind {
                FRAME_STDIN => {
                    if let Some(f) = stdin.as_mut() {
                        // A container that does not read its stdin loses what does not fit.
                        let _ = f.write_all(&payload);
                    }
                }
                FRAME_CLOSE_STDIN if master.is_none() => *stdin = None,
                FRAME_RESIZE if payload.len() == 4 => {
                    if let Some(m) = master {
                        let cols = u16::from_be_bytes([payload[0], payload[1]]);
                        let rows = u16::from_be_bytes([payload[2], payload[3]]);
                        let _ = sys::set_winsize(m.as_raw_fd(), cols, rows);
                    }
                }
                _ => {}
            }
        }
        true
    }
}

/// Sends container output to every attach session (dropping sessions that cannot keep up).
fn broadcast(clients: &mut Vec<Client>, stream: &str, data: &[u8]) {
    if data.is_empty() || clients.is_empty() {
        return;
    }
    let kind = if stream == "stderr" {
        FRAME_STDERR
    } else {
        FRAME_STDOUT
    };
    let f = frame(kind, data);
    clients.retain_mut(|c| c.sock.write_all(&f).is_ok());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_round_trip() {
        let a = ShimArgs {
            id: "abc".into(),
            runtime: "/usr/bin/crun".into(),
            runtime_root: "/r".into(),
            bundle: "/b".into(),
            pid_file: "/b/pid".into(),
            shim_pid_file: "/b/shim.pid".into(),
            log: "/l/0.log".into(),
            log_max: 4096,
            exit_file: "/e/abc".into(),
            oom_file: "/b/oom".into(),
            tty: true,
            stdin: true,
            stdin_once: false,
            attach_socket: "/run/peapod/attach/x.sock".into(),
            start: true,
        };
        assert_eq!(ShimArgs::parse(&a.to_args()).unwrap(), a);
        assert!(ShimArgs::parse(&["--id".into()]).is_err());
        assert!(ShimArgs::parse(&["--bogus".into(), "x".into()]).is_err());
    }

    #[test]
    fn lines_become_cri_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.log");
        let mut log = CriLog::open(&path, 0);
        let (r, _w) = sys::pipe().unwrap();
        let mut s = Stream::new(r, "stdout");
        s.pending.extend_from_slice(b"one\ntwo\nthr");
        s.emit(&mut log);
        assert_eq!(s.pending, b"thr");
        s.pending.extend(std::iter::repeat_n(b'x', MAX_LINE));
        s.emit(&mut log);
        s.flush_partial(&mut log);
        let text = std::fs::read_to_string(&path).unwrap();
        let recs: Vec<(&str, &str)> = text
            .lines()
            .map(|l| {
                let mut p = l.splitn(4, ' ');
                let _ts = p.next().unwrap();
                (p.next().unwrap(), p.next().unwrap())
            })
            .collect();
        assert_eq!(
            recs,
            vec![
                ("stdout", "F"),
                ("stdout", "F"),
                ("stdout", "P"),
                ("stdout", "P")
            ]
        );
        assert!(text.lines().next().unwrap().ends_with(" stdout F one"));
    }

    #[test]
    fn attach_frames_round_trip() {
        let mut buf = frame(FRAME_STDIN, b"ls\n");
        buf.extend(frame(FRAME_RESIZE, &[0, 80, 0, 24]));
        buf.extend(&frame(FRAME_STDOUT, b"partial")[..4]);
        let frames = take_frames(&mut buf);
        assert_eq!(
            frames,
            vec![
                (FRAME_STDIN, b"ls\n".to_vec()),
                (FRAME_RESIZE, vec![0, 80, 0, 24])
            ]
        );
        assert_eq!(buf.len(), 4, "the incomplete frame stays");
    }

    #[test]
    fn reads_oom_kill_counters() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("memory.oom_control");
        std::fs::write(&f, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n").unwrap();
        assert_eq!(oom_kills(&f), Some(2));
    }
}
