//! Lifecycle hooks: postStart runs right after a container starts (the container counts as
//! started only once it returns; a failure kills the container), preStop runs before the stop
//! signal, inside the grace period. Handlers: exec, httpGet (as probes run them) and sleep.

use crate::probe::run_once;
use k8s_openapi::api::core::v1::{Container, LifecycleHandler, Probe};
use peapod_runtime::Runtime;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Runs `handler` for container `id`, within `timeout`. Err holds the handler's output.
pub async fn run(
    rt: &Arc<Runtime>,
    handler: &LifecycleHandler,
    c: &Container,
    id: &str,
    netns: PathBuf,
    timeout: Duration,
) -> Result<(), String> {
    if let Some(sleep) = &handler.sleep {
        tokio::time::sleep(Duration::from_secs(sleep.seconds.max(0) as u64).min(timeout)).await;
        return Ok(());
    }
    // exec and httpGet behave as a probe attempt with the hook's time budget.
    let probe = Probe {
        exec: handler.exec.clone(),
        http_get: handler.http_get.clone(),
        tcp_socket: handler.tcp_socket.clone(),
        timeout_seconds: Some(timeout.as_secs().clamp(1, i32::MAX as u64) as i32),
        ..Default::default()
    };
    match tokio::time::timeout(timeout, run_once(rt, &probe, c, id, netns, None)).await {
        Ok(r) => r,
        Err(_) => Err(format!("hook did not finish within {}s", timeout.as_secs())),
    }
}
