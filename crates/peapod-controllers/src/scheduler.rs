//! The scheduler of a one-node cluster: every pending pod for the default scheduler is bound to
//! this node through pods/binding, with the `Scheduled` event the kube-scheduler records. The one
//! filter that can fail on a single node is NodePorts: a pod whose hostPort is taken stays
//! Pending with `PodScheduled=False` (Unschedulable) and a FailedScheduling event, and is tried
//! again on the periodic sweep.

use crate::resource;
use peapod_api::meta;
use peapod_api::selector::{supported_fields, FieldSelector};
use peapod_apiserver::registry::{
    now_secs, ListOptions, PatchType, Subresource, WatchEvent, WatchOptions, WriteOptions,
};
use peapod_apiserver::Registry;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct Scheduler {
    registry: Arc<Registry>,
    node: String,
}

impl Scheduler {
    pub fn new(registry: Arc<Registry>, node: &str) -> Self {
        Scheduler {
            registry,
            node: node.to_string(),
        }
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let Ok(pods) = resource("", "pods") else {
            return;
        };
        let Ok(unbound) = FieldSelector::parse("spec.nodeName=", supported_fields("pods")) else {
            return;
        };
        loop {
            let opts = WatchOptions {
                field_selector: unbound.clone(),
                ..Default::default()
            };
            let mut events = match self.registry.watch(pods, None, opts).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler watch failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut tick = tokio::time::interval(Duration::from_secs(10));
            loop {
                let pod = tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tick.tick() => None,
                    ev = events.recv() => match ev {
                        Some(WatchEvent::Added(p)) | Some(WatchEvent::Modified(p)) => Some(p),
                        Some(_) => None,
                        None => break,
                    },
                };
                match pod {
                    Some(p) => self.schedule(&p).await,
                    None => {
                        // Periodic sweep: pods whose binding failed transiently get another try.
                        let lo = ListOptions {
                            field_selector: unbound.clone(),
                            ..Default::default()
                        };
                        if let Ok(list) = self.registry.list(pods, None, &lo).await {
                            for p in list.items {
                                self.schedule(&p).await;
                            }
                        }
                    }
                }
            }
        }
    }

    async fn schedule(&self, pod: &Value) {
        let scheduler = pod
            .pointer("/spec/schedulerName")
            .and_then(Value::as_str)
            .unwrap_or("default-scheduler");
        if scheduler != "default-scheduler" || meta::deletion_timestamp(pod).is_some() {
            return;
        }
        let Ok(pods) = resource("", "pods") else {
            return;
        };
        let (ns, name) = (
            meta::namespace(pod).unwrap_or("default").to_string(),
            meta::name(pod).to_string(),
        );
        tracing::debug!(pod = %format!("{ns}/{name}"), "scheduling");
        if let Some(taken) = self.host_port_taken(pod).await {
            self.unschedulable(pod, &taken).await;
            return;
        }
        let binding = json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"apiVersion": "v1", "kind": "Node", "name": self.node}});
        if let Err(e) = self
            .registry
            .bind_pod(pods, Some(&ns), &name, &binding)
            .await
        {
            tracing::debug!(pod = %format!("{ns}/{name}"), error = %e, "binding failed");
            return;
        }
        tracing::debug!(pod = %format!("{ns}/{name}"), "bound");
        let msg = format!("Successfully assigned {ns}/{name} to {}", self.node);
        self.event(pod, "Normal", "Scheduled", &msg).await;
    }

    async fn event(&self, pod: &Value, typ: &str, reason: &str, message: &str) {
        let Ok(events) = resource("", "events") else {
            return;
        };
        let ns = meta::namespace(pod).unwrap_or("default");
        let name = meta::name(pod);
        let now = meta::format_time(now_secs());
        let ev = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": meta::event_name(name), "namespace": ns},
            "involvedObject": {"kind": "Pod", "namespace": ns, "name": name, "uid": meta::uid(pod), "apiVersion": "v1"},
            "reason": reason,
            "message": message,
            "source": {"component": "default-scheduler"},
            "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": typ,
            "reportingComponent": "default-scheduler",
        });
        let _ = self
            .registry
            .create(events, Some(ns), ev, &WriteOptions::default())
            .await;
    }

    /// The first host port of `pod` that a non-terminal pod on this node already holds.
    async fn host_port_taken(&self, pod: &Value) -> Option<HostPort> {
        let wanted = host_ports(pod);
        if wanted.is_empty() {
            return None;
        }
        let pods = resource("", "pods").ok()?;
        let on_node = FieldSelector::parse(
            &format!("spec.nodeName={}", self.node),
            supported_fields("pods"),
        )
        .ok()?;
        let lo = ListOptions {
            field_selector: on_node,
            ..Default::default()
        };
        let list = self.registry.list(pods, None, &lo).await.ok()?;
        list.items
            .iter()
            .filter(|p| {
                !matches!(
                    p.pointer("/status/phase").and_then(Value::as_str),
                    Some("Succeeded" | "Failed")
                )
            })
            .flat_map(host_ports)
            .find(|used| wanted.iter().any(|w| w.conflicts(used)))
    }

    /// Records why the pod cannot go anywhere, as the kube-scheduler does: PodScheduled=False
    /// with reason Unschedulable, and a FailedScheduling event when that is news.
    async fn unschedulable(&self, pod: &Value, taken: &HostPort) {
        let Ok(pods) = resource("", "pods") else {
            return;
        };
        let message = "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";
        let already = pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.get("type").and_then(Value::as_str) == Some("PodScheduled")
                        && c.get("message").and_then(Value::as_str) == Some(message)
                })
            });
        if already {
            return;
        }
        tracing::debug!(pod = %meta::name(pod), port = taken.port, "host port taken");
        let patch = json!({"status": {"conditions": [{
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": message, "lastProbeTime": null,
            "lastTransitionTime": meta::format_time(now_secs()),
        }]}});
        let ns = meta::namespace(pod).unwrap_or("default");
        if self
            .registry
            .patch(
                pods,
                Some(ns),
                meta::name(pod),
                PatchType::Strategic,
                &patch,
                Subresource::Status,
                &WriteOptions::default(),
            )
            .await
            .is_ok()
        {
            self.event(pod, "Warning", "FailedScheduling", message)
                .await;
        }
    }
}

/// A host port a pod asks for (the NodePorts filter's view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    pub protocol: String,
    /// Empty or 0.0.0.0 means every address.
    pub ip: String,
    pub port: u64,
}

impl HostPort {
    fn conflicts(&self, other: &HostPort) -> bool {
        let any = |ip: &str| ip.is_empty() || ip == "0.0.0.0";
        self.port == other.port
            && self.protocol == other.protocol
            && (any(&self.ip) || any(&other.ip) || self.ip == other.ip)
    }
}

/// Every hostPort of the pod's containers (init containers included, as the scheduler counts).
pub fn host_ports(pod: &Value) -> Vec<HostPort> {
    peapod_api::pod::host_port_entries(pod)
        .into_iter()
        .map(|p| HostPort {
            protocol: p
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                .to_string(),
            ip: p
                .get("hostIP")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            port: p.get("hostPort").and_then(Value::as_u64).unwrap_or(0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ports_conflict_on_protocol_port_and_overlapping_address() {
        let pod = |ports: Value| json!({"spec": {"containers": [{"name": "c", "ports": ports}]}});
        let a = host_ports(&pod(json!([{"containerPort": 80, "hostPort": 8080}])));
        let b = host_ports(&pod(
            json!([{"containerPort": 81, "hostPort": 8080, "hostIP": "127.0.0.1"}]),
        ));
        let c = host_ports(&pod(
            json!([{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}]),
        ));
        let d = host_ports(&pod(
            json!([{"containerPort": 80, "hostPort": 8080, "hostIP": "127.0.0.2"}]),
        ));
        let none = host_ports(&pod(json!([{"containerPort": 80}])));
        assert!(none.is_empty());
        assert!(a[0].conflicts(&b[0]), "0.0.0.0 overlaps every address");
        assert!(!a[0].conflicts(&c[0]), "other protocol");
        assert!(!b[0].conflicts(&d[0]), "other address");
    }
}
