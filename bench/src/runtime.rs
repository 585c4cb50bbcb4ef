//! Runtime benchmark (issue 3): time from "create sandbox + 1 container" to the container's
//! process running, and to a `true` container's exit being observed; the per-pod memory of
//! everything that is not the app (pause + conmon); and `crun run` of the same image's rootfs
//! from a plain bundle, interleaved in the same run. Needs root and images/out (or
//! PEAPOD_TEST_IMAGES). Prints JSON with medians and ratios.
//!
//! Usage: cargo run --release -p peapod-bench --bin runtime-bench [-- ROUNDS]

mod common;

use anyhow::{bail, Context};
use common::rss_kib;
use peapod_runtime::config::{ContainerConfig, SandboxConfig};
use peapod_runtime::host::OciRuntimeKind;
use peapod_runtime::{ContainerState, Runtime};
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn archive() -> anyhow::Result<PathBuf> {
    let dirs = [
        std::env::var("PEAPOD_TEST_IMAGES").unwrap_or_default(),
        "images/out".into(),
        "../shared/images".into(),
    ];
    dirs.iter()
        .map(|d| PathBuf::from(d).join("busybox-latest.oci.tar"))
        .find(|p| p.exists())
        .context("no busybox-latest.oci.tar: run images/build.sh")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir()?;
    let rt = Runtime::open(dir.path(), OciRuntimeKind::Crun)?;
    rt.images.import_archive(&archive()?)?;
    // A plain bundle for `crun run`: the same busybox rootfs (the first snapshot).
    let info = rt.images.resolve("busybox")?.context("busybox")?;
    let rootfs = rt
        .images
        .snapshots(&info)?
        .into_iter()
        .next()
        .context("snapshot")?;
    let bundle = dir.path().join("crun-bundle");
    std::fs::create_dir_all(&bundle)?;
    let spec = Command::new("crun")
        .args(["spec"])
        .current_dir(&bundle)
        .status()?;
    if !spec.success() {
        bail!("crun spec failed");
    }
    let cfg_path = bundle.join("config.json");
    let mut cfg: serde_json::Value = serde_json::from_slice(&std::fs::read(&cfg_path)?)?;
    cfg["root"] = json!({"path": rootfs, "readonly": true});
    cfg["process"]["terminal"] = json!(false);
    cfg["process"]["args"] = json!(["/bin/true"]);
    std::fs::write(&cfg_path, serde_json::to_vec(&cfg)?)?;

    let (mut to_running, mut to_exit, mut crun_run) = (Vec::new(), Vec::new(), Vec::new());
    let mut infra_kib = Vec::new();
    for i in 0..rounds {
        // peapod: sandbox + one long-running container, until its process runs.
        let uid = format!("bench{i:04}-0000-0000-0000-000000000000");
        let t = Instant::now();
        let sb = rt
            .run_sandbox(&SandboxConfig {
                pod_uid: uid.clone(),
                name: "b".into(),
                namespace: "default".into(),
                hostname: "b".into(),
                ..Default::default()
            })
            .await?;
        let c = ContainerConfig {
            name: "app".into(),
            image: "busybox".into(),
            command: vec!["sleep".into(), "60".into()],
            ..Default::default()
        };
        let id = rt.create_container(&uid, &c).await?;
        rt.start_container(&uid, &id).await?;
        to_running.push(t.elapsed().as_secs_f64() * 1000.0);
        // The supervisor: peapod-shim, or conmon when the shim is not built.
        let dir = rt.pod_dir(&uid).join("containers/app-0");
        let supervisor_pid: u32 = ["shim.pid", "conmon.pid"]
            .iter()
            .find_map(|f| std::fs::read_to_string(dir.join(f)).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        infra_kib.push((rss_kib(sb.pause_pid) + rss_kib(supervisor_pid)) as f64);
        // A `true` container in the same sandbox: until its exit is observed.
        let t = Instant::now();
        let c = ContainerConfig {
            name: "once".into(),
            image: "busybox".into(),
            command: vec!["true".into()],
            ..Default::default()
        };
        let id2 = rt.create_container(&uid, &c).await?;
        rt.start_container(&uid, &id2).await?;
        loop {
            if matches!(
                rt.container_status(&uid, &id2).await?.state,
                ContainerState::Exited { .. }
            ) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        to_exit.push(t.elapsed().as_secs_f64() * 1000.0);
        rt.remove_sandbox(&uid).await?;
        // The peer, interleaved: `crun run` of /bin/true from a plain bundle.
        let t = Instant::now();
        let st = Command::new("crun")
            .args(["run", "--bundle"])
            .arg(&bundle)
            .arg(format!("crun-bench-{i}"))
            .status()?;
        crun_run.push(t.elapsed().as_secs_f64() * 1000.0);
        if !st.success() {
            bail!("crun run failed");
        }
    }
    let (running, exit, crun) = (
        median(&mut to_running),
        median(&mut to_exit),
        median(&mut crun_run),
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "rounds": rounds,
            "sandbox_and_container_running_p50_ms": running,
            "true_container_exit_observed_p50_ms": exit,
            "crun_run_true_p50_ms": crun,
            "ratio_true_exit_vs_crun_run": exit / crun,
            "infra_rss_per_pod_p50_mib": median(&mut infra_kib) / 1024.0,
        }))?
    );
    Ok(())
}
