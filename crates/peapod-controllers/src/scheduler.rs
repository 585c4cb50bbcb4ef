//! The scheduler of a one-node cluster: every pending pod for the default scheduler is bound to
//! this node through pods/binding, with the `Scheduled` event the kube-scheduler records.

use crate::resource;
use peapod_api::meta;
use peapod_api::selector::{supported_fields, FieldSelector};
use peapod_apiserver::registry::{now_secs, ListOptions, WatchEvent, WatchOptions, WriteOptions};
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
        let binding = json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"apiVersion": "v1", "kind": "Node", "name": self.node}});
        if let Err(e) = self
            .registry
            .bind_pod(pods, Some(&ns), &name, &binding)
            .await
        {
            tracing::debug!(pod = %format!("{ns}/{name}"), error = %e, "binding failed");
            return;
        }
        let Ok(events) = resource("", "events") else {
            return;
        };
        let now = meta::format_time(now_secs());
        let ev = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{name}.{:016x}", rand::random::<u64>()), "namespace": ns},
            "involvedObject": {"kind": "Pod", "namespace": ns, "name": name, "uid": meta::uid(pod), "apiVersion": "v1"},
            "reason": "Scheduled",
            "message": format!("Successfully assigned {ns}/{name} to {}", self.node),
            "source": {"component": "default-scheduler"},
            "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": "Normal",
            "reportingComponent": "default-scheduler",
        });
        let _ = self
            .registry
            .create(events, Some(&ns), ev, &WriteOptions::default())
            .await;
    }
}
