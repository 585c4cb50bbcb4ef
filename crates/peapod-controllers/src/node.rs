//! This node's Node object and its heartbeat: a Lease in kube-node-lease renewed every 10 s and
//! the Ready condition's heartbeat refreshed (the kubelet's node status and lease loops).

use crate::resource;
use peapod_api::error::ApiError;
use peapod_api::meta::{format_micro_time, format_time};
use peapod_apiserver::registry::{now_secs, PatchType, Subresource, WriteOptions};
use peapod_apiserver::Registry;
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub name: String,
    pub ip: Ipv4Addr,
    pub pod_cidr: String,
    pub kernel_version: String,
    pub os_image: String,
    pub cpus: usize,
    pub memory_kib: u64,
    pub max_pods: u32,
}

/// How often the lease is renewed (kubelet default).
const LEASE_RENEW: Duration = Duration::from_secs(10);
const LEASE_DURATION_SECONDS: i64 = 40;
/// How often the Ready condition's heartbeat is written even if nothing changed.
const STATUS_REPORT: Duration = Duration::from_secs(60);

pub struct NodeHeartbeat {
    registry: Arc<Registry>,
    cfg: NodeConfig,
}

impl NodeHeartbeat {
    pub fn new(registry: Arc<Registry>, cfg: NodeConfig) -> Self {
        NodeHeartbeat { registry, cfg }
    }

    fn status(&self, now: i64, since: &str) -> Value {
        let t = format_time(now);
        let cap = json!({
            "cpu": self.cfg.cpus.to_string(),
            "memory": format!("{}Ki", self.cfg.memory_kib),
            "pods": self.cfg.max_pods.to_string(),
            "ephemeral-storage": "0",
        });
        let cond = |typ: &str, status: &str, reason: &str, msg: &str| json!({"type": typ, "status": status, "lastHeartbeatTime": t, "lastTransitionTime": since, "reason": reason, "message": msg});
        json!({
            "capacity": cap,
            "allocatable": cap,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": self.cfg.ip.to_string()},
                {"type": "Hostname", "address": self.cfg.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": "", "systemUUID": "", "bootID": "",
                "kernelVersion": self.cfg.kernel_version,
                "osImage": self.cfg.os_image,
                "containerRuntimeVersion": concat!("peapod://", env!("CARGO_PKG_VERSION")),
                "kubeletVersion": "v1.33.0",
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        })
    }

    /// Creates the Node if missing, then writes its status.
    async fn register(&self) -> Result<(), ApiError> {
        let nr = resource("", "nodes")?;
        let now = now_secs();
        let node = json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": self.cfg.name, "labels": {
                "kubernetes.io/hostname": self.cfg.name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
            }},
            "spec": {"podCIDR": self.cfg.pod_cidr, "podCIDRs": [self.cfg.pod_cidr]},
        });
        match self
            .registry
            .create(nr, None, node, &WriteOptions::default())
            .await
        {
            Ok(_) | Err(ApiError::AlreadyExists { .. }) => {}
            Err(e) => return Err(e),
        }
        self.post_status(now, true).await
    }

    async fn post_status(&self, now: i64, transition: bool) -> Result<(), ApiError> {
        let nr = resource("", "nodes")?;
        let current = self.registry.get(nr, None, &self.cfg.name).await?;
        let since = if transition {
            format_time(now)
        } else {
            current
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
                .and_then(|c| c["lastTransitionTime"].as_str())
                .map(String::from)
                .unwrap_or_else(|| format_time(now))
        };
        let patch = json!({"status": self.status(now, &since)});
        self.registry
            .patch(
                nr,
                None,
                &self.cfg.name,
                PatchType::Merge,
                &patch,
                Subresource::Status,
                &WriteOptions::default(),
            )
            .await?;
        Ok(())
    }

    async fn renew_lease(&self) -> Result<(), ApiError> {
        let lr = resource("coordination.k8s.io", "leases")?;
        let now_us = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0)) as i64;
        let ns = Some("kube-node-lease");
        let spec = json!({"holderIdentity": self.cfg.name, "leaseDurationSeconds": LEASE_DURATION_SECONDS, "renewTime": format_micro_time(now_us)});
        match self
            .registry
            .patch(
                lr,
                ns,
                &self.cfg.name,
                PatchType::Merge,
                &json!({"spec": spec}),
                Subresource::Main,
                &WriteOptions::default(),
            )
            .await
        {
            Err(ApiError::NotFound { .. }) => {
                let lease = json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": self.cfg.name, "namespace": "kube-node-lease"}, "spec": spec});
                self.registry
                    .create(lr, ns, lease, &WriteOptions::default())
                    .await
                    .map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        while let Err(e) = self.register().await {
            tracing::warn!(error = %e, "node registration failed; retrying");
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
        let mut lease = tokio::time::interval(LEASE_RENEW);
        let mut status = tokio::time::interval(STATUS_REPORT);
        status.tick().await;
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = lease.tick() => if let Err(e) = self.renew_lease().await { tracing::warn!(error = %e, "lease renewal failed") },
                _ = status.tick() => if let Err(e) = self.post_status(now_secs(), false).await { tracing::warn!(error = %e, "node status update failed") },
            }
        }
    }
}
