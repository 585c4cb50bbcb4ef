//! Root-level tests of the runtime against the real crun and conmon: a sandbox with two
//! containers sharing namespaces, exit codes, CRI logs, exec, adoption after the agent goes
//! away, and no leftovers after removal. Skipped (with a note) when not root.

use peapod_runtime::config::{ContainerConfig, SandboxConfig};
use peapod_runtime::host::OciRuntimeKind;
use peapod_runtime::{ContainerState, Runtime};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The test image archives: $PEAPOD_TEST_IMAGES, the repo's images/out, or ../shared/images.
pub fn image_archive(file: &str) -> Option<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = Vec::new();
    if let Ok(d) = std::env::var("PEAPOD_TEST_IMAGES") {
        dirs.push(PathBuf::from(d));
    }
    dirs.push(repo.join("images/out"));
    dirs.push(repo.join("../shared/images"));
    dirs.into_iter().map(|d| d.join(file)).find(|p| p.exists())
}

fn sandbox(uid: &str, share_pid: bool) -> SandboxConfig {
    SandboxConfig {
        pod_uid: uid.to_string(),
        name: "testpod".into(),
        namespace: "default".into(),
        hostname: "testpod".into(),
        share_pid,
        ..Default::default()
    }
}

fn container(name: &str, script: &str) -> ContainerConfig {
    ContainerConfig {
        name: name.into(),
        image: "busybox".into(),
        command: vec!["sh".into(), "-c".into(), script.into()],
        ..Default::default()
    }
}

async fn wait_exit(rt: &Runtime, uid: &str, id: &str) -> ContainerState {
    let start = Instant::now();
    loop {
        let st = rt.container_status(uid, id).await.unwrap().state;
        if matches!(st, ContainerState::Exited { .. }) || start.elapsed() > Duration::from_secs(10)
        {
            return st;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ns_of(pid: u32, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}"))
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// Removes a test's sandbox if the test panics before it does (else its pause and supervisor
/// processes, mounts and cgroups would outlive the run). Declared after the data dir, so it
/// runs first.
struct RemoveOnPanic {
    dir: PathBuf,
    uid: &'static str,
}

impl Drop for RemoveOnPanic {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let (dir, uid) = (self.dir.clone(), self.uid);
        // A runtime of its own: the test's may be the one unwinding.
        let _ = std::thread::spawn(move || {
            let tokio = tokio::runtime::Runtime::new().ok()?;
            let rt = Runtime::open(&dir, OciRuntimeKind::Crun).ok()?;
            tokio.block_on(rt.remove_sandbox(uid)).ok()
        })
        .join();
    }
}

/// The busybox archive and a data dir; None (the test skips) when not root or no archive.
fn prerequisites() -> Option<(PathBuf, tempfile::TempDir)> {
    if !is_root() {
        eprintln!("skipped: needs root");
        return None;
    }
    let Some(archive) = image_archive("busybox-latest.oci.tar") else {
        eprintln!("skipped: no busybox-latest.oci.tar (run images/build.sh)");
        return None;
    };
    Some((archive, tempfile::tempdir().unwrap()))
}

#[tokio::test]
async fn sandbox_with_two_containers() {
    let Some((archive, dir)) = prerequisites() else {
        return;
    };
    let rt = Runtime::open(dir.path(), OciRuntimeKind::Crun).unwrap();
    rt.images.import_archive(&archive).unwrap();
    let uid = "11111111-2222-3333-4444-555555555555";
    let _cleanup = RemoveOnPanic {
        dir: dir.path().to_path_buf(),
        uid,
    };
    let sb = rt.run_sandbox(&sandbox(uid, false)).await.unwrap();
    assert!(sb.running);
    // The pause process: PID 1 of its namespaces, nobody, no capabilities at all, no new
    // privileges, rooted in the pause directory, in the pod's cgroup.
    let status = std::fs::read_to_string(format!("/proc/{}/status", sb.pause_pid)).unwrap();
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}:")))
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert_eq!(field("Uid"), "65535 65535 65535 65535");
    assert_eq!(field("Gid"), "65535 65535 65535 65535");
    for caps in ["CapPrm", "CapEff", "CapBnd", "CapAmb", "CapInh"] {
        assert_eq!(field(caps), "0000000000000000", "{caps}");
    }
    assert_eq!(field("NoNewPrivs"), "1");
    assert_eq!(field("NSpid").split(' ').nth(1), Some("1"), "PID 1 inside");
    let root = std::fs::read_link(format!("/proc/{}/root", sb.pause_pid)).unwrap();
    assert!(root.ends_with("pause/rootfs"), "{root:?}");
    let cgroups = std::fs::read_to_string(format!("/proc/{}/cgroup", sb.pause_pid)).unwrap();
    assert!(
        cgroups.contains(&format!(":memory:/peapod/pod{uid}/pause\n")),
        "{cgroups}"
    );
    assert_ne!(ns_of(sb.pause_pid, "net"), ns_of(std::process::id(), "net"));

    let long = rt
        .create_container(
            uid,
            &container(
                "app",
                "trap 'exit 0' TERM; echo started; while true; do sleep 0.2; done",
            ),
        )
        .await
        .unwrap();
    rt.start_container(uid, &long).await.unwrap();
    let short = rt
        .create_container(uid, &container("fails", "echo out; echo err >&2; exit 7"))
        .await
        .unwrap();
    rt.start_container(uid, &short).await.unwrap();

    // Exit code and CRI-format log of the short one.
    match wait_exit(&rt, uid, &short).await {
        ContainerState::Exited {
            exit_code, reason, ..
        } => assert_eq!((exit_code, reason.as_str()), (7, "Error")),
        other => panic!("{other:?}"),
    }
    let log = std::fs::read_to_string(rt.log_path(uid, "fails", 0)).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].ends_with(" stdout F out") && lines[1].ends_with(" stderr F err"),
        "{log}"
    );

    // Shared UTS (hostname), network and IPC with the pause process; own PID namespace.
    let ContainerState::Running { pid, .. } = rt.container_status(uid, &long).await.unwrap().state
    else {
        panic!()
    };
    let (code, out, _) = rt
        .exec_sync(&long, &["hostname".into()], Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!((code, String::from_utf8_lossy(&out).trim()), (0, "testpod"));
    // The sandbox brought the pod's loopback up.
    let (_, out, _) = rt
        .exec_sync(
            &long,
            &["ip".into(), "link".into(), "show".into(), "lo".into()],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out).contains("LOOPBACK,UP"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    for ns in ["net", "ipc", "uts"] {
        assert_eq!(ns_of(pid, ns), ns_of(sb.pause_pid, ns), "{ns} shared");
    }
    assert_ne!(
        ns_of(pid, "pid"),
        ns_of(sb.pause_pid, "pid"),
        "pid not shared unless asked"
    );
    assert_ne!(ns_of(pid, "mnt"), ns_of(sb.pause_pid, "mnt"));
    // /etc/hosts comes from the pod; the host's processes are invisible.
    let (_, hosts, _) = rt
        .exec_sync(
            &long,
            &["cat".into(), "/etc/hosts".into()],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&hosts).starts_with("# Kubernetes-managed hosts file."));
    let (_, ps, _) = rt
        .exec_sync(&long, &["ps".into()], Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        String::from_utf8_lossy(&ps).lines().count() <= 4,
        "{}",
        String::from_utf8_lossy(&ps)
    );
    // A failing exec reports its exit code.
    let (code, _, _) = rt
        .exec_sync(
            &long,
            &["sh".into(), "-c".into(), "exit 3".into()],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(code, 3);

    // Graceful stop: the shell traps SIGTERM and exits 0 well within the grace period.
    let t = Instant::now();
    rt.stop_container(uid, &long, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(5));
    match rt.container_status(uid, &long).await.unwrap().state {
        ContainerState::Exited { exit_code, .. } => assert_eq!(exit_code, 0),
        other => panic!("{other:?}"),
    }

    let pod_dir = rt.pod_dir(uid).display().to_string();
    rt.remove_sandbox(uid).await.unwrap();
    assert!(!rt.pod_dir(uid).exists());
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let left: Vec<&str> = mounts.lines().filter(|l| l.contains(&pod_dir)).collect();
    assert!(left.is_empty(), "no mounts left: {left:#?}");
    // The killed pause process holds its cgroup until the node's init reaps it. None is left
    // in any hierarchy: the unified one of a hybrid host, where crun put the containers, too.
    let cgroups: Vec<PathBuf> = peapod_runtime::host::cgroup_hierarchies()
        .iter()
        .map(|h| h.join(format!("peapod/pod{uid}")))
        .collect();
    assert!(cgroups
        .iter()
        .any(|c| c.ends_with(format!("memory/peapod/pod{uid}"))));
    let t = Instant::now();
    while cgroups.iter().any(|c| c.exists()) && t.elapsed() < Duration::from_secs(4) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left: Vec<&PathBuf> = cgroups.iter().filter(|c| c.exists()).collect();
    assert!(left.is_empty(), "cgroups left: {left:?}");
}

#[tokio::test]
async fn exit_codes_survive_the_agent_and_pid_sharing() {
    let Some((archive, dir)) = prerequisites() else {
        return;
    };
    let uid = "aaaaaaaa-2222-3333-4444-555555555555";
    let _cleanup = RemoveOnPanic {
        dir: dir.path().to_path_buf(),
        uid,
    };
    let id;
    {
        let rt = Runtime::open(dir.path(), OciRuntimeKind::Crun).unwrap();
        rt.images.import_archive(&archive).unwrap();
        rt.run_sandbox(&sandbox(uid, true)).await.unwrap();
        id = rt
            .create_container(uid, &container("late", "sleep 1; exit 3"))
            .await
            .unwrap();
        rt.start_container(uid, &id).await.unwrap();
        // With a shared PID namespace, the pause process is PID 1.
        let (_, out, _) = rt
            .exec_sync(
                &id,
                &["cat".into(), "/proc/1/cmdline".into()],
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out).starts_with("/pause"),
            "{}",
            String::from_utf8_lossy(&out)
        );
    }
    // The "agent" is gone while the container exits; a new one finds the exit code.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rt = Runtime::open(dir.path(), OciRuntimeKind::Crun).unwrap();
    assert!(
        rt.sandbox_status(uid).await.unwrap().unwrap().running,
        "sandbox adopted"
    );
    match wait_exit(&rt, uid, &id).await {
        ContainerState::Exited { exit_code, .. } => assert_eq!(exit_code, 3),
        other => panic!("{other:?}"),
    }
    rt.remove_sandbox(uid).await.unwrap();
}

/// The supervisor killed with -9: the container runs on, and once it ends its state is not
/// "running" forever but exited with the lost-exit-code marker 255.
#[tokio::test]
async fn a_killed_supervisor_does_not_leave_a_container_running_forever() {
    let Some((archive, dir)) = prerequisites() else {
        return;
    };
    let uid = "aaaaaaaa-3333-3333-4444-555555555555";
    let _cleanup = RemoveOnPanic {
        dir: dir.path().to_path_buf(),
        uid,
    };
    let rt = Runtime::open(dir.path(), OciRuntimeKind::Crun).unwrap();
    rt.images.import_archive(&archive).unwrap();
    rt.run_sandbox(&sandbox(uid, false)).await.unwrap();
    let id = rt
        .create_container(uid, &container("orphan", "sleep 1; exit 3"))
        .await
        .unwrap();
    rt.start_container(uid, &id).await.unwrap();
    let cdir = rt.pod_dir(uid).join("containers/orphan-0");
    let pid = ["shim.pid", "conmon.pid"]
        .iter()
        .find_map(|f| std::fs::read_to_string(cdir.join(f)).ok())
        .expect("supervisor pid file");
    std::process::Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .unwrap();
    assert!(matches!(
        rt.container_status(uid, &id).await.unwrap().state,
        ContainerState::Running { .. }
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    match wait_exit(&rt, uid, &id).await {
        ContainerState::Exited { exit_code, .. } => assert_eq!(exit_code, 255),
        other => panic!("{other:?}"),
    }
    let socket = rt.attach_socket(uid, &id);
    rt.remove_sandbox(uid).await.unwrap();
    assert!(
        !socket.exists(),
        "the dead shim's attach socket is cleaned up"
    );
}

#[tokio::test]
async fn a_warm_sandbox_becomes_the_pods() {
    let Some((archive, dir)) = prerequisites() else {
        return;
    };
    let rt = Runtime::open(dir.path(), OciRuntimeKind::Crun).unwrap();
    rt.images.import_archive(&archive).unwrap();
    let uid = "33333333-2222-3333-4444-555555555555";
    let _cleanup = RemoveOnPanic {
        dir: dir.path().to_path_buf(),
        uid,
    };
    // A bad id changes nothing.
    assert!(rt.start_warm_sandbox("../x").await.is_err());
    let warm = rt.start_warm_sandbox("warm-test1").await.unwrap();
    assert!(warm.running());
    assert_eq!(rt.list_warm_sandboxes(), vec!["warm-test1".to_string()]);
    let cgroups = std::fs::read_to_string(format!("/proc/{}/cgroup", warm.pause_pid)).unwrap();
    assert!(
        cgroups.contains(":memory:/peapod/warm-test1/pause\n"),
        "{cgroups}"
    );
    assert_ne!(
        ns_of(warm.pause_pid, "net"),
        ns_of(std::process::id(), "net")
    );

    let sb = rt
        .claim_warm_sandbox(&warm, &sandbox(uid, false), "10.99.0.7")
        .await
        .unwrap();
    assert_eq!(sb.pause_pid, warm.pause_pid);
    assert!(rt.list_warm_sandboxes().is_empty());
    assert_eq!(rt.sandbox_status(uid).await.unwrap(), Some(sb.clone()));
    // Its cgroup is the pod's now, and the old name is gone.
    let cgroups = std::fs::read_to_string(format!("/proc/{}/cgroup", sb.pause_pid)).unwrap();
    assert!(
        cgroups.contains(&format!(":memory:/peapod/pod{uid}/pause\n")),
        "{cgroups}"
    );
    assert!(!PathBuf::from("/sys/fs/cgroup/memory/peapod/warm-test1").exists());
    // A container of the pod sees the pod's hostname and /etc/hosts with its address.
    let c = rt
        .create_container(uid, &container("app", "hostname; tail -n1 /etc/hosts"))
        .await
        .unwrap();
    rt.start_container(uid, &c).await.unwrap();
    assert!(matches!(
        wait_exit(&rt, uid, &c).await,
        ContainerState::Exited { exit_code: 0, .. }
    ));
    let log = std::fs::read_to_string(rt.log_path(uid, "app", 0)).unwrap();
    assert!(log.contains(" stdout F testpod\n"), "{log}");
    assert!(log.contains(" stdout F 10.99.0.7\ttestpod\n"), "{log}");

    rt.remove_sandbox(uid).await.unwrap();
    assert!(!rt.pod_dir(uid).exists());
    let cgroup = PathBuf::from(format!("/sys/fs/cgroup/memory/peapod/pod{uid}"));
    let t = Instant::now();
    while cgroup.exists() && t.elapsed() < Duration::from_secs(4) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!cgroup.exists(), "no cgroup left");

    // One that is never claimed goes with its cgroup.
    let other = rt.start_warm_sandbox("warm-test2").await.unwrap();
    rt.remove_warm_sandbox("warm-test2").await;
    assert!(!other.running());
    assert!(rt.list_warm_sandboxes().is_empty());
    let cgroup = PathBuf::from("/sys/fs/cgroup/memory/peapod/warm-test2");
    let t = Instant::now();
    while cgroup.exists() && t.elapsed() < Duration::from_secs(4) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!cgroup.exists(), "no cgroup left");
}
