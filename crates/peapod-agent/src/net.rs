//! Pod network basics until CNI is wired in: the loopback interface of the pod's network
//! namespace is brought up (a new namespace starts with `lo` down).

use std::path::Path;

pub async fn loopback_up(netns: &Path) {
    let status = tokio::process::Command::new("nsenter")
        .arg(format!("--net={}", netns.display()))
        .args(["ip", "link", "set", "lo", "up"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await;
    if !status.is_ok_and(|s| s.success()) {
        tracing::warn!(netns = %netns.display(), "could not bring up the pod's loopback interface");
    }
}
