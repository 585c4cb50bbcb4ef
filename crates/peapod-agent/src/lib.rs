//! peapod's node agent, the kubelet's counterpart: it watches the pods bound to this node and
//! runs one worker per pod that drives the runtime and reports status and events through the
//! API. Containers never depend on the agent staying alive: after a restart it adopts what runs.

mod backoff;
mod events;
pub mod exec;
mod exitwatch;
mod grpc_probe;
mod hooks;
pub mod logs;
mod net;
mod podspec;
mod probe;
mod status;
mod warm;
mod worker;

pub use events::{ObjectRef, Recorder};
pub use podspec::bytes as podspec_bytes;
pub use podspec::ClusterConfig;

use k8s_openapi::api::core::v1::Pod;
use peapod_api::resources::lookup;
use peapod_api::selector::{supported_fields, FieldSelector};
use peapod_apiserver::registry::{ListOptions, WatchEvent, WatchOptions};
use peapod_apiserver::Registry;
use peapod_runtime::Runtime;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use worker::PodWorker;

/// What every pod worker shares.
pub struct AgentCtx {
    pub registry: Arc<Registry>,
    pub runtime: Arc<Runtime>,
    pub recorder: Recorder,
    pub cluster: ClusterConfig,
    /// Registry pulls; None with --offline (Always then behaves like IfNotPresent).
    pub puller: Option<Arc<peapod_runtime::pull::Puller>>,
    /// Pod networking (None: pods get only a loopback interface).
    pub net: Option<Arc<peapod_net::Cni>>,
    /// Container exits wake pod workers.
    pub exits: exitwatch::ExitWatcher,
    /// Sandboxes made ahead of their pods (None: each pod makes its own).
    warm: Option<Arc<warm::WarmPool>>,
}

impl AgentCtx {
    /// Releases a pod's network attachment and removes its sandbox.
    pub async fn remove_pod(&self, uid: &str) {
        if let Some(net) = &self.net {
            if let Err(e) = net.del(uid).await {
                tracing::warn!(%uid, error = %e, "CNI DEL failed");
            }
        }
        if let Err(e) = self.runtime.remove_sandbox(uid).await {
            tracing::warn!(%uid, error = %e, "removing sandbox failed");
        }
    }

    /// The pod's IP: its CNI address, or the node's for hostNetwork pods.
    pub fn pod_ip(&self, uid: &str, host_network: bool) -> Option<String> {
        if host_network {
            return Some(self.cluster.node_ip.clone());
        }
        self.net
            .as_ref()
            .and_then(|n| n.attachment(uid))
            .map(|a| a.ip.to_string())
    }
}

pub struct Agent {
    ctx: Arc<AgentCtx>,
}

struct Running {
    tx: watch::Sender<Option<Pod>>,
    task: tokio::task::JoinHandle<()>,
}

impl Agent {
    pub fn new(
        registry: Arc<Registry>,
        runtime: Arc<Runtime>,
        cluster: ClusterConfig,
        puller: Option<Arc<peapod_runtime::pull::Puller>>,
        net: Option<Arc<peapod_net::Cni>>,
        warm_sandboxes: usize,
    ) -> Self {
        let recorder = Recorder::new(registry.clone(), &cluster.node_name, "kubelet");
        let warm = net
            .as_ref()
            .filter(|_| warm_sandboxes > 0)
            .map(|n| warm::WarmPool::new(runtime.clone(), n.clone(), warm_sandboxes));
        Agent {
            ctx: Arc::new(AgentCtx {
                registry,
                runtime,
                recorder,
                cluster,
                puller,
                net,
                exits: exitwatch::ExitWatcher::start(),
                warm,
            }),
        }
    }

    pub fn ctx(&self) -> Arc<AgentCtx> {
        self.ctx.clone()
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let Some(pods) = lookup("", "v1", "pods") else {
            return;
        };
        let selector = match FieldSelector::parse(
            &format!("spec.nodeName={}", self.ctx.cluster.node_name),
            supported_fields("pods"),
        ) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "bad node name for a field selector");
                return;
            }
        };
        // The kubelet's container log manager: check every 10 s, rotate what is over the limit.
        let runtime = self.ctx.runtime.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.changed() => return,
                    _ = tokio::time::sleep(Duration::from_secs(10)) => {
                        runtime.rotate_logs(runtime.log_policy()).await;
                    }
                }
            }
        });
        let mut workers: HashMap<String, Running> = HashMap::new();
        let mut cleaned = false;
        let mut pool = None;
        loop {
            let opts = WatchOptions {
                field_selector: selector.clone(),
                ..Default::default()
            };
            let mut events = match self.ctx.registry.watch(pods, None, opts).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "pod watch failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if !cleaned {
                // Sandboxes of pods the API no longer has are leftovers of a crash: reclaim them.
                let lo = ListOptions {
                    field_selector: selector.clone(),
                    ..Default::default()
                };
                if let Ok(list) = self.ctx.registry.list(pods, None, &lo).await {
                    let live: Vec<String> = list
                        .items
                        .iter()
                        .filter_map(|p| peapod_api::meta::uid(p).map(String::from))
                        .collect();
                    for uid in self.ctx.runtime.list_sandboxes() {
                        if !live.contains(&uid) {
                            tracing::info!(%uid, "removing the sandbox of a pod that no longer exists");
                            self.ctx.remove_pod(&uid).await;
                        }
                    }
                    cleaned = true;
                }
            }
            if pool.is_none() {
                if let Some(w) = &self.ctx.warm {
                    pool = Some(tokio::spawn(w.clone().run(shutdown.clone())));
                }
            }
            loop {
                let ev = tokio::select! {
                    _ = shutdown.changed() => {
                        // Containers keep running; workers just stop.
                        for (_, w) in workers.drain() {
                            w.task.abort();
                        }
                        // Warm sandboxes are not the user's: they go.
                        if let Some(p) = pool {
                            let _ = p.await;
                        }
                        return;
                    }
                    ev = events.recv() => ev,
                };
                let (obj, deleted) = match ev {
                    Some(WatchEvent::Added(o)) | Some(WatchEvent::Modified(o)) => (o, false),
                    Some(WatchEvent::Deleted(o)) => (o, true),
                    Some(WatchEvent::Bookmark(_)) => continue,
                    Some(WatchEvent::Error(e)) => {
                        tracing::warn!(error = %e, "pod watch ended");
                        break;
                    }
                    None => break,
                };
                let Ok(pod) = serde_json::from_value::<Pod>(obj) else {
                    continue;
                };
                let Some(uid) = pod.metadata.uid.clone() else {
                    continue;
                };
                workers.retain(|_, w| !w.task.is_finished());
                if deleted {
                    if let Some(w) = workers.get(&uid) {
                        let _ = w.tx.send(None);
                    } else {
                        let ctx = self.ctx.clone();
                        tokio::spawn(async move { ctx.remove_pod(&uid).await });
                    }
                    continue;
                }
                match workers.get(&uid) {
                    Some(w) => {
                        let _ = w.tx.send(Some(pod));
                    }
                    None => {
                        let (tx, rx) = watch::channel(Some(pod));
                        let worker = PodWorker::new(self.ctx.clone(), uid.clone());
                        let task = tokio::spawn(worker.run(rx));
                        workers.insert(uid, Running { tx, task });
                    }
                }
            }
        }
    }
}
