//! Test harness: starts the real `peapod server` on a temp data dir and a free port, and drives it
//! with the real kubectl (`$KUBECTL`, default `kubectl` on PATH).

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
    extra_args: Vec<String>,
    /// Runs pods: on drop, every pod is deleted and the node emptied before the server stops.
    node: bool,
}

/// Each node test gets its own pod range, service range, DNS address and bridge, so tests can
/// run in parallel on one machine.
static NEXT_NET: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub fn kubectl_bin() -> String {
    std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into())
}

impl Cluster {
    /// A control-plane-only server (no scheduler or node agent: pods stay Pending).
    pub fn start() -> Cluster {
        Self::start_with(&["--no-node"])
    }

    /// A whole node: control plane, scheduler and agent, with the test images preloaded and
    /// no registry (--offline). None (the caller skips) when not root or no image archives
    /// are available.
    pub fn start_node() -> Option<Cluster> {
        Self::start_node_and(&[])
    }

    /// `start_node` with `extra` flags.
    pub fn start_node_and(extra: &[&str]) -> Option<Cluster> {
        let Some(images) = image_dir() else {
            eprintln!("skipped: no image archives (run images/build.sh)");
            return None;
        };
        let images = images.display().to_string();
        let mut args = vec!["--offline", "--preload-images", &images];
        args.extend_from_slice(extra);
        Self::start_node_with(&args)
    }

    /// A whole node with its own pod and service ranges and `extra` flags; None when not root.
    pub fn start_node_with(extra: &[&str]) -> Option<Cluster> {
        if !nix_is_root() {
            eprintln!("skipped: running pods needs root");
            return None;
        }
        let n = 100
            + NEXT_NET.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + (std::process::id() % 50) * 2;
        let n = n % 250;
        let (cluster, service, dns) = (
            format!("10.{n}.0.0/17"),
            format!("10.{n}.128.0/17"),
            format!("10.{n}.128.10"),
        );
        let mut args = vec![
            "--cluster-cidr",
            &cluster,
            "--service-cidr",
            &service,
            "--cluster-dns",
            &dns,
        ];
        args.extend_from_slice(extra);
        Some(Self::start_with(&args))
    }

    pub fn start_with(extra: &[&str]) -> Cluster {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut c = Cluster {
            dir,
            port: free_port(),
            child: None,
            extra_args: extra.iter().map(|s| s.to_string()).collect(),
            node: !extra.contains(&"--no-node"),
        };
        c.spawn();
        c
    }

    /// `kubectl <args>` on a terminal (`script` gives it a pty, as a person's shell would),
    /// after `input` (a shell pipeline feeding it, e.g. `(sleep 4; printf 'exit\n')`, or
    /// empty). Returns what the terminal showed and kubectl's exit code.
    pub fn kubectl_on_terminal(&self, input: &str, args: &str) -> (String, Option<i32>) {
        let pipe = if input.is_empty() {
            String::new()
        } else {
            format!("{input} | ")
        };
        let cmd = format!(
            "{pipe}KUBECONFIG={} {} {args}",
            self.kubeconfig().display(),
            kubectl_bin()
        );
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (util-linux)");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code(),
        )
    }

    /// The value the server was started with for `flag` (e.g. "--cluster-cidr").
    pub fn arg(&self, flag: &str) -> Option<String> {
        let i = self.extra_args.iter().position(|a| a == flag)?;
        self.extra_args.get(i + 1).cloned()
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig.yaml")
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_peapod"))
            .args(["server", "--data-dir"])
            .arg(self.dir.path())
            .args([
                "--api-port",
                &self.port.to_string(),
                "--bind-address",
                "127.0.0.1",
                "--node-name",
                "testnode",
                "--node-ip",
                "127.0.0.1",
            ])
            .args(&self.extra_args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start peapod");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if self.kubeconfig().exists() {
                let out = self.kubectl(&["get", "--raw", "/readyz"]);
                if out.status.success() {
                    // The default namespace is created right after the listener starts.
                    if self
                        .kubectl(&["get", "namespace", "default"])
                        .status
                        .success()
                    {
                        return;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("peapod did not become ready; log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Stops the server with SIGTERM and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(15) {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// kill -9, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn start_again(&mut self) {
        self.spawn();
    }

    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new(kubectl_bin())
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .args(args)
            .output()
            .expect("run kubectl")
    }

    /// kubectl with `stdin` piped in (for `-f -`).
    pub fn kubectl_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(kubectl_bin())
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kubectl");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("kubectl output")
    }

    /// Runs kubectl and returns stdout, failing the test with stderr if it fails.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn ok_stdin(&self, args: &[&str], stdin: &str) -> String {
        let out = self.kubectl_stdin(args, stdin);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs kubectl expecting failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            !out.status.success(),
            "kubectl {args:?} should fail but printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub fn fails_stdin(&self, args: &[&str], stdin: &str) -> String {
        let out = self.kubectl_stdin(args, stdin);
        assert!(
            !out.status.success(),
            "kubectl {args:?} should fail but printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// The admin bearer token.
    pub fn token(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pki/admin.token"))
            .expect("token")
            .trim()
            .to_string()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.node && self.child.is_some() {
            // Leave nothing running, even when the test failed half-way.
            let _ = self.kubectl(&[
                "delete",
                "pods",
                "--all",
                "-A",
                "--grace-period=1",
                "--timeout=60s",
            ]);
            let pods = self.dir.path().join("runtime/pods");
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(30)
                && std::fs::read_dir(&pods)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(false)
            {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        self.stop();
    }
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("Uid:")
                    .map(|v| v.split_whitespace().next() == Some("0"))
            })
        })
        .unwrap_or(false)
}

/// Where the test image archives are: $PEAPOD_TEST_IMAGES, images/out, or ../shared/images.
pub fn image_dir() -> Option<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = Vec::new();
    if let Ok(d) = std::env::var("PEAPOD_TEST_IMAGES") {
        dirs.push(PathBuf::from(d));
    }
    dirs.push(repo.join("images/out"));
    dirs.push(repo.join("../shared/images"));
    dirs.into_iter()
        .find(|d| d.join("busybox-latest.oci.tar").exists())
}

/// Polls `f` every 100 ms until it returns Some, or panics after `secs` with `what`.
pub fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            panic!("timed out after {secs}s waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Splits kubectl table output into rows of whitespace-separated cells (header included).
pub fn table(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect()
}
