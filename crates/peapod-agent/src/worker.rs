//! The pod worker: one task per pod bound to this node, syncing the runtime to the pod's spec the
//! way the kubelet's SyncPod does (sandbox, init containers one by one, app containers, restarts
//! with back-off, probes), writing status through the API, and tearing the pod down on deletion.

use crate::backoff::{go_duration, Backoff};
use crate::events::ObjectRef;
use crate::podspec::Resolver;
use crate::probe::{run_once, ProbeKind, ProbeState};
use crate::status::{is_sidecar, pod_status, Observed, StatusInput};
use crate::AgentCtx;
use futures::future::{BoxFuture, FutureExt, Shared};
use k8s_openapi::api::core::v1::{Container, Pod, Probe};
use peapod_api::meta::{format_time, parse_time};
use peapod_apiserver::registry::{now_secs, Subresource, WriteOptions};
use peapod_runtime::{ContainerState, ContainerStatus};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// How often a worker re-syncs without any event.
const RESYNC: Duration = Duration::from_secs(2);
/// Grace periods below this are raised to it (the kubelet's minimumGracePeriodInSeconds).
const MIN_GRACE: u64 = 2;

type ProbeKey = (String, ProbeKind);

pub struct PodWorker {
    ctx: Arc<AgentCtx>,
    uid: String,
    backoff: HashMap<String, Backoff>,
    /// Why a container waits (start failure or back-off), by container name.
    waiting: HashMap<String, (String, String)>,
    /// Smoothed probe results by (container id, kind).
    probes: Arc<Mutex<HashMap<ProbeKey, ProbeState>>>,
    probe_tasks: HashMap<ProbeKey, JoinHandle<()>>,
    last_status: Value,
    wake: Arc<Notify>,
    pulled: std::collections::HashSet<String>,
    /// Image pull back-off by image: the back-off and when the last pull failed (unix secs).
    pull_backoff: HashMap<String, (Backoff, i64)>,
    /// Container instances being killed after a failed liveness/startup probe.
    killing: std::collections::HashSet<String>,
    /// The pod network of a new sandbox being set up (CNI ADD), while its first containers are
    /// created; each waits for it before it starts.
    network: Option<Shared<BoxFuture<'static, Result<(), String>>>>,
    /// Set when that failed: the sandbox is gone and this sync ends with the error.
    sandbox_failed: Option<String>,
    /// This sync took a warm sandbox: the pool refills once the sync is done.
    took_warm: bool,
}

enum Next {
    In(Duration),
    Done,
}

fn all_containers(pod: &Pod) -> Vec<(Container, bool)> {
    let spec = pod.spec.clone().unwrap_or_default();
    let mut v: Vec<(Container, bool)> = spec
        .init_containers
        .unwrap_or_default()
        .into_iter()
        .map(|c| (c, true))
        .collect();
    v.extend(spec.containers.into_iter().map(|c| (c, false)));
    v
}

/// A probe's own terminationGracePeriodSeconds wins for kills it causes.
fn probe_grace(c: &Container, kind: ProbeKind) -> Option<i64> {
    let p = match kind {
        ProbeKind::Liveness => c.liveness_probe.as_ref(),
        ProbeKind::Startup => c.startup_probe.as_ref(),
        ProbeKind::Readiness => None,
    };
    p.and_then(|p| p.termination_grace_period_seconds)
}

fn ephemeral_field_path(name: &str) -> String {
    format!("spec.ephemeralContainers{{{name}}}")
}

fn field_path(name: &str, init: bool) -> String {
    if init {
        format!("spec.initContainers{{{name}}}")
    } else {
        format!("spec.containers{{{name}}}")
    }
}

fn finished_secs(s: &ContainerStatus) -> Option<i64> {
    match &s.state {
        ContainerState::Exited { finished_at, .. } => parse_time(finished_at),
        _ => None,
    }
}

fn exit_code(s: &ContainerStatus) -> Option<i32> {
    match &s.state {
        ContainerState::Exited { exit_code, .. } => Some(*exit_code),
        ContainerState::Unknown => Some(137),
        _ => None,
    }
}

impl PodWorker {
    pub fn new(ctx: Arc<AgentCtx>, uid: String) -> Self {
        PodWorker {
            ctx,
            uid,
            backoff: HashMap::new(),
            waiting: HashMap::new(),
            probes: Arc::default(),
            probe_tasks: HashMap::new(),
            last_status: Value::Null,
            wake: Arc::new(Notify::new()),
            pulled: Default::default(),
            pull_backoff: HashMap::new(),
            killing: Default::default(),
            network: None,
            sandbox_failed: None,
            took_warm: false,
        }
    }

    pub async fn run(mut self, mut pod_rx: watch::Receiver<Option<Pod>>) {
        let mut delay = Duration::ZERO;
        loop {
            tokio::select! {
                r = pod_rx.changed() => if r.is_err() { break },
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(delay) => {}
            }
            let pod = pod_rx.borrow().clone();
            let Some(pod) = pod else { break };
            delay = match self.sync(&pod).await {
                Ok(Next::In(d)) => d,
                Ok(Next::Done) => break,
                Err(e) => {
                    tracing::warn!(pod = %self.key(&pod), error = %e, "pod sync failed");
                    Duration::from_secs(1)
                }
            };
        }
        for (_, t) in self.probe_tasks.drain() {
            t.abort();
        }
        // The pod is gone from the API (deleted, or never ours): nothing of it stays.
        if pod_rx.borrow().is_none() {
            self.ctx.remove_pod(&self.uid).await;
            self.ctx.recorder.forget(&self.uid);
        }
    }

    /// Time left before `activeDeadlineSeconds` (counted from status.startTime) runs out.
    fn deadline_left(&self, pod: &Pod) -> Option<Duration> {
        let ads = pod.spec.as_ref()?.active_deadline_seconds?;
        let start = self
            .last_status
            .get("startTime")
            .and_then(Value::as_str)
            .and_then(parse_time)?;
        let end = start + ads;
        Some(Duration::from_secs(
            end.saturating_sub(now_secs()).max(0) as u64
        ))
    }

    fn key(&self, pod: &Pod) -> String {
        format!(
            "{}/{}",
            pod.metadata.namespace.clone().unwrap_or_default(),
            pod.metadata.name.clone().unwrap_or_default()
        )
    }

    fn obj_ref(&self, pod: &Pod, field: Option<String>) -> ObjectRef {
        ObjectRef {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            uid: self.uid.clone(),
            resource_version: pod.metadata.resource_version.clone().unwrap_or_default(),
            field_path: field,
        }
    }

    fn pod_label(&self, pod: &Pod) -> String {
        format!(
            "{}_{}({})",
            pod.metadata.name.clone().unwrap_or_default(),
            pod.metadata.namespace.clone().unwrap_or_default(),
            self.uid
        )
    }

    /// Runtime view of every container of the pod: latest and previous instance per name.
    async fn observe(&self, pod: &Pod) -> HashMap<String, Observed> {
        let mut by_name: HashMap<String, Vec<ContainerStatus>> = HashMap::new();
        for id in self.ctx.runtime.list_containers(&self.uid) {
            if let Ok(st) = self.ctx.runtime.container_status(&self.uid, &id).await {
                by_name.entry(st.name.clone()).or_default().push(st);
            }
        }
        let probes = self.probes.lock().map(|p| p.clone()).unwrap_or_default();
        let mut out = HashMap::new();
        let ephemeral = pod
            .spec
            .as_ref()
            .map(crate::status::ephemeral_containers)
            .unwrap_or_default()
            .into_iter()
            .map(|(c, _)| (c, false));
        for (c, _) in all_containers(pod).into_iter().chain(ephemeral) {
            let mut list = by_name.remove(&c.name).unwrap_or_default();
            list.sort_by_key(|s| s.attempt);
            let latest = list.pop();
            let previous = list.pop();
            let (mut ready, mut started) = (false, false);
            if let Some(l) = &latest {
                if matches!(l.state, ContainerState::Running { .. }) {
                    let get = |k: ProbeKind| probes.get(&(l.id.clone(), k)).and_then(|s| s.ok);
                    started = c.startup_probe.is_none() || get(ProbeKind::Startup) == Some(true);
                    ready = c.readiness_probe.is_none() || get(ProbeKind::Readiness) == Some(true);
                }
            }
            out.insert(
                c.name.clone(),
                Observed {
                    latest,
                    previous,
                    waiting: self.waiting.get(&c.name).cloned(),
                    ready,
                    started,
                },
            );
        }
        out
    }

    async fn sync(&mut self, pod: &Pod) -> Result<Next, String> {
        let terminating = pod.metadata.deletion_timestamp.is_some();
        if self.last_status.is_null() {
            self.last_status =
                serde_json::to_value(pod.status.clone().unwrap_or_default()).unwrap_or_default();
        }
        if terminating {
            return self.terminate(pod).await;
        }
        let phase = self
            .last_status
            .get("phase")
            .and_then(Value::as_str)
            .unwrap_or("Pending")
            .to_string();
        if phase == "Succeeded" || phase == "Failed" {
            self.stop_all(pod, "").await;
            return Ok(Next::In(Duration::from_secs(30)));
        }
        if let Some(left) = self.deadline_left(pod) {
            if left.is_zero() {
                // activeDeadlineSeconds: the pod fails and its containers are killed.
                let msg = "Pod was active on the node longer than the specified deadline";
                self.ctx
                    .recorder
                    .warning(&self.obj_ref(pod, None), "DeadlineExceeded", msg)
                    .await;
                self.stop_all(pod, "deadline").await;
                if let Some(st) = self.last_status.as_object_mut() {
                    st.insert("phase".into(), json!("Failed"));
                    st.insert("reason".into(), json!("DeadlineExceeded"));
                    st.insert("message".into(), json!(msg));
                }
                // A terminal phase in the previous status is kept by pod_status, with its
                // reason and message.
                let obs = self.observe(pod).await;
                self.write_status(pod, &obs, false, false).await?;
                return Ok(Next::In(Duration::from_secs(30)));
            }
        }
        let cfg = crate::podspec::sandbox_config(pod, &self.ctx.cluster);
        let sandbox = self
            .ctx
            .runtime
            .sandbox_status(&self.uid)
            .await
            .map_err(|e| e.to_string())?;
        let sandbox = match sandbox {
            Some(s) if s.running => s,
            previous => {
                if previous.is_some() {
                    tracing::info!(pod = %self.key(pod), "sandbox lost; recreating it and running all init containers again");
                    self.ctx
                        .recorder
                        .normal(
                            &self.obj_ref(pod, None),
                            "SandboxChanged",
                            "Pod sandbox changed, it will be killed and re-created.",
                        )
                        .await;
                }
                let t = std::time::Instant::now();
                let warm = match &self.ctx.warm {
                    Some(pool) if previous.is_none() && self.warm_fits(pod, &cfg) => {
                        pool.claim(&cfg).await
                    }
                    _ => None,
                };
                let from_pool = warm.is_some();
                self.took_warm = from_pool;
                let s = match warm {
                    Some(s) => s,
                    None => self
                        .ctx
                        .runtime
                        .run_sandbox(&cfg)
                        .await
                        .map_err(|e| e.to_string())?,
                };
                tracing::debug!(pod = %self.key(pod), ms = t.elapsed().as_millis() as u64, warm = from_pool, "sandbox running");
                // Without pod networking the sandbox has only its loopback (up); a warm one
                // came with its network.
                if let (Some(net), false, false) = (&self.ctx.net, cfg.host_network, from_pool) {
                    // Set up aside while the first containers are created (their
                    // processes wait for it before they start).
                    let ports = pod
                        .spec
                        .as_ref()
                        .map(crate::net::port_mappings)
                        .unwrap_or_default();
                    let (net, rt, uid, netns, key) = (
                        net.clone(),
                        self.ctx.runtime.clone(),
                        self.uid.clone(),
                        s.netns.clone(),
                        self.key(pod),
                    );
                    let (cfg, wake) = (cfg.clone(), self.wake.clone());
                    let task = tokio::spawn(async move {
                        // A new sandbox means a new network namespace: the old
                        // attachment goes.
                        let _ = net.del(&uid).await;
                        let res = async {
                            let att = net.add(&uid, &netns, &ports).await?;
                            rt.set_pod_ip(&cfg, &att.ip.to_string())?;
                            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
                        }
                        .await
                        .map_err(|e| format!("failed to set up the pod network: {e}"));
                        tracing::debug!(pod = %key, ms = t.elapsed().as_millis() as u64, ok = res.is_ok(), "pod network");
                        wake.notify_one();
                        res
                    });
                    self.network = Some(
                        async move { task.await.map_err(|e| e.to_string())? }
                            .boxed()
                            .shared(),
                    );
                }
                s
            }
        };
        // Exits of this pod's containers wake this worker.
        let exits = self.ctx.runtime.pod_dir(&self.uid).join("exits");
        self.ctx.exits.watch(&exits, &self.wake);
        let mut next = RESYNC;
        let obs = self.observe(pod).await;
        let spec = pod.spec.clone().unwrap_or_default();
        let policy = spec
            .restart_policy
            .clone()
            .unwrap_or_else(|| "Always".into());

        // Liveness and startup failures kill the container; the restart rules below follow.
        for (c, init) in all_containers(pod) {
            let Some(latest) = obs.get(&c.name).and_then(|o| o.latest.clone()) else {
                continue;
            };
            if !matches!(latest.state, ContainerState::Running { .. }) {
                continue;
            }
            let failed = {
                let p = self.probes.lock().map(|p| p.clone()).unwrap_or_default();
                [ProbeKind::Liveness, ProbeKind::Startup]
                    .into_iter()
                    .find(|k| p.get(&(latest.id.clone(), *k)).and_then(|s| s.ok) == Some(false))
            };
            if let Some(kind) = failed {
                let what = if init { "Init container" } else { "Container" };
                let mut msg = format!(
                    "{what} {} failed {} probe",
                    c.name,
                    kind.title().to_lowercase()
                );
                if policy != "Never" || is_sidecar(&c) {
                    msg.push_str(", will be restarted");
                }
                if !self.killing.insert(latest.id.clone()) {
                    continue;
                }
                self.ctx
                    .recorder
                    .normal(
                        &self.obj_ref(pod, Some(field_path(&c.name, init))),
                        "Killing",
                        &msg,
                    )
                    .await;
                let grace = probe_grace(&c, kind)
                    .or(spec.termination_grace_period_seconds)
                    .unwrap_or(30)
                    .max(MIN_GRACE as i64) as u64;
                // The kill runs aside so status keeps flowing during the grace period.
                let (rt, uid, id, wake) = (
                    self.ctx.runtime.clone(),
                    self.uid.clone(),
                    latest.id.clone(),
                    self.wake.clone(),
                );
                tokio::spawn(async move {
                    let _ = rt
                        .stop_container(&uid, &id, Duration::from_secs(grace))
                        .await;
                    wake.notify_one();
                });
            }
        }
        let obs = self.observe(pod).await;
        let running: Vec<String> = obs
            .values()
            .filter_map(|o| o.latest.as_ref())
            .filter(|l| matches!(l.state, ContainerState::Running { .. }))
            .map(|l| l.id.clone())
            .collect();
        self.killing.retain(|id| running.contains(id));

        // Ephemeral containers (kubectl debug) start once, whatever the pod's progress, and are
        // never restarted; with a target they join its PID namespace.
        for (c, target) in crate::status::ephemeral_containers(&spec) {
            let o = obs.get(&c.name).cloned().unwrap_or_default();
            if !matches!(
                o.latest.as_ref().map(|l| &l.state),
                None | Some(ContainerState::Created)
            ) {
                continue;
            }
            let pid_ns = target.and_then(|t| match obs.get(&t)?.latest.as_ref()?.state {
                ContainerState::Running { pid, .. } => Some(pid),
                _ => None,
            });
            let fp = ephemeral_field_path(&c.name);
            if let Some(d) = self.start_with(pod, &c, fp, 0, pid_ns).await {
                next = next.min(d);
            }
        }

        // Init containers, in order: the first not done is started (or waited for).
        let mut initialized = true;
        let app_ran = spec
            .containers
            .iter()
            .any(|c| obs.get(&c.name).is_some_and(|o| o.latest.is_some()));
        let mut init_failed_never = false;
        if !app_ran {
            for c in spec.init_containers.clone().unwrap_or_default() {
                let o = obs.get(&c.name).cloned().unwrap_or_default();
                let sidecar = is_sidecar(&c);
                match o.latest.as_ref().map(|l| &l.state) {
                    None | Some(ContainerState::Created) => {
                        if let Some(d) = self
                            .start(
                                pod,
                                &c,
                                true,
                                o.latest.as_ref().map(|l| l.attempt).unwrap_or(0),
                            )
                            .await
                        {
                            next = next.min(d);
                        }
                        initialized = false;
                        break;
                    }
                    Some(ContainerState::Running { .. }) => {
                        if sidecar && o.started {
                            continue;
                        }
                        initialized = false;
                        break;
                    }
                    Some(ContainerState::Exited { exit_code: 0, .. }) if !sidecar => continue,
                    Some(_) => {
                        initialized = false;
                        if !sidecar && policy == "Never" {
                            init_failed_never = true;
                            break;
                        }
                        if let Some(d) = self
                            .restart_with_backoff(pod, &c, true, o.latest.as_ref())
                            .await
                        {
                            next = next.min(d);
                        }
                        break;
                    }
                }
            }
        } else {
            // Initialization is done once an app container ran; sidecars are kept running.
            for c in spec
                .init_containers
                .clone()
                .unwrap_or_default()
                .into_iter()
                .filter(is_sidecar)
            {
                let o = obs.get(&c.name).cloned().unwrap_or_default();
                if !matches!(
                    o.latest.as_ref().map(|l| &l.state),
                    Some(ContainerState::Running { .. })
                ) {
                    if let Some(d) = self
                        .restart_with_backoff(pod, &c, true, o.latest.as_ref())
                        .await
                    {
                        next = next.min(d);
                    }
                }
            }
        }

        let mut app_done = false;
        if initialized && !init_failed_never {
            let mut finished = 0;
            for c in &spec.containers {
                let o = obs.get(&c.name).cloned().unwrap_or_default();
                match o.latest.as_ref().map(|l| &l.state) {
                    None | Some(ContainerState::Created) => {
                        if let Some(d) = self
                            .start(
                                pod,
                                c,
                                false,
                                o.latest.as_ref().map(|l| l.attempt).unwrap_or(0),
                            )
                            .await
                        {
                            next = next.min(d);
                        }
                    }
                    Some(ContainerState::Running { .. }) => {}
                    Some(_) => {
                        let code = o.latest.as_ref().and_then(exit_code).unwrap_or(1);
                        let restart = match policy.as_str() {
                            "Never" => false,
                            "OnFailure" => code != 0,
                            _ => true,
                        };
                        if restart {
                            if let Some(d) = self
                                .restart_with_backoff(pod, c, false, o.latest.as_ref())
                                .await
                            {
                                next = next.min(d);
                            }
                        } else {
                            finished += 1;
                        }
                    }
                }
            }
            app_done = finished == spec.containers.len();
        }
        if app_done || init_failed_never {
            // Nothing left to run: sidecars and the sandbox stop; the phase becomes terminal.
            self.stop_all(pod, "").await;
        }
        self.network_ready(pod).await;
        // After a failed sandbox the containers wait in ContainerCreating, as the kubelet
        // shows them, and the sync ends with the error.
        let failed = self.sandbox_failed.take();
        if failed.is_none() {
            self.ensure_probes(pod, &sandbox.netns).await;
        }
        let obs = self.observe(pod).await;
        let written = self.write_status(pod, &obs, true, false).await;
        if std::mem::take(&mut self.took_warm) {
            if let Some(pool) = &self.ctx.warm {
                pool.settled();
            }
        }
        written?;
        match failed {
            Some(e) => Err(e),
            None => Ok(Next::In(next)),
        }
    }

    /// Whether a warm sandbox can serve the pod: not on the host network, and no hostPorts for
    /// a CNI plugin (those go to CNI when the sandbox is added).
    fn warm_fits(&self, pod: &Pod, cfg: &peapod_runtime::config::SandboxConfig) -> bool {
        let host_ports = pod
            .spec
            .as_ref()
            .is_some_and(|s| !crate::net::port_mappings(s).is_empty());
        let cni_maps_ports = self
            .ctx
            .net
            .as_ref()
            .is_some_and(|n| n.handles_port_mappings());
        let cni_takes_ports = host_ports && cni_maps_ports;
        !cfg.host_network && !cni_takes_ports
    }

    /// Waits for the network of a new sandbox, if one is being set up. When it failed, the
    /// sandbox goes (the next sync makes a new one) with the kubelet's event, and
    /// `sandbox_failed` holds the error.
    async fn network_ready(&mut self, pod: &Pod) {
        let Some(pending) = self.network.clone() else {
            return;
        };
        let res = pending.await;
        self.network = None;
        if let Err(e) = res {
            self.ctx
                .recorder
                .warning(
                    &self.obj_ref(pod, None),
                    "FailedCreatePodSandBox",
                    &format!("Failed to create pod sandbox: {e}"),
                )
                .await;
            self.ctx.remove_pod(&self.uid).await;
            self.sandbox_failed = Some(e);
        }
    }

    /// Starts a new instance of a container (image check, create, start) with its events.
    /// Returns a re-sync delay when it has to wait (image missing, config error).
    async fn start(
        &mut self,
        pod: &Pod,
        c: &Container,
        init: bool,
        attempt: u32,
    ) -> Option<Duration> {
        self.start_with(pod, c, field_path(&c.name, init), attempt, None)
            .await
    }

    /// `start` for any kind of container: `fp` is its field path in events, `pid_ns` the
    /// process whose PID namespace it joins (an ephemeral container's target).
    async fn start_with(
        &mut self,
        pod: &Pod,
        c: &Container,
        fp: String,
        attempt: u32,
        pid_ns: Option<u32>,
    ) -> Option<Duration> {
        if self.sandbox_failed.is_some() {
            return Some(Duration::from_secs(1));
        }
        let obj = self.obj_ref(pod, Some(fp));
        if let Err(wait) = self.ensure_image(c, &obj, attempt).await {
            return Some(wait);
        }
        if crate::podspec::needs_pod_ip(c) {
            self.network_ready(pod).await;
            if self.sandbox_failed.is_some() {
                return Some(Duration::from_secs(1));
            }
        }
        let volumes_dir = self.ctx.runtime.pod_dir(&self.uid).join("volumes");
        let host_net = pod
            .spec
            .as_ref()
            .and_then(|s| s.host_network)
            .unwrap_or(false);
        let pod_ip = self.ctx.pod_ip(&self.uid, host_net);
        let resolver = Resolver {
            registry: &self.ctx.registry,
            pod,
            cluster: &self.ctx.cluster,
            pod_ip: pod_ip.clone(),
        };
        let t = std::time::Instant::now();
        let cfg = match resolver.container_config(c, attempt, &volumes_dir).await {
            Ok(mut cfg) => {
                cfg.pid_namespace_of = pid_ns;
                cfg
            }
            Err(e) => {
                self.ctx
                    .recorder
                    .warning(&obj, "Failed", &format!("Error: {}", e.0))
                    .await;
                self.waiting
                    .insert(c.name.clone(), ("CreateContainerConfigError".into(), e.0));
                return Some(Duration::from_secs(2));
            }
        };
        let id = match self.ctx.runtime.create_container(&self.uid, &cfg).await {
            Ok(id) => id,
            Err(e) => {
                self.ctx
                    .recorder
                    .warning(&obj, "Failed", &format!("Error: {e}"))
                    .await;
                self.waiting.insert(
                    c.name.clone(),
                    ("CreateContainerError".into(), e.to_string()),
                );
                return Some(Duration::from_secs(2));
            }
        };
        tracing::debug!(container = %id, ms = t.elapsed().as_millis() as u64, "container created");
        self.ctx
            .recorder
            .normal(&obj, "Created", &format!("Created container: {}", c.name))
            .await;
        let t = std::time::Instant::now();
        // While the pod's network is being set up, the process is created and waits for it.
        let pending = self
            .network
            .clone()
            .filter(|n| n.peek().is_none_or(|r| r.is_err()));
        let started = match pending {
            Some(network) => {
                self.ctx
                    .runtime
                    .start_container_when(&self.uid, &id, network)
                    .await
            }
            None => self.ctx.runtime.start_container(&self.uid, &id).await,
        };
        if let Err(peapod_runtime::RuntimeError::NotReady(_)) = started {
            // The pod network failed: the sandbox and this container go.
            self.network_ready(pod).await;
            return Some(Duration::from_secs(1));
        }
        if let Err(e) = started {
            self.ctx
                .recorder
                .warning(
                    &obj,
                    "Failed",
                    &format!("Error: failed to start container \"{}\": {e}", c.name),
                )
                .await;
            self.waiting
                .insert(c.name.clone(), ("RunContainerError".into(), e.to_string()));
            return Some(Duration::from_secs(2));
        }
        tracing::debug!(container = %id, ms = t.elapsed().as_millis() as u64, "container started");
        self.waiting.remove(&c.name);
        self.ctx
            .recorder
            .normal(&obj, "Started", &format!("Started container {}", c.name))
            .await;
        if let Some(handler) = c.lifecycle.as_ref().and_then(|l| l.post_start.as_ref()) {
            let netns = self
                .ctx
                .runtime
                .sandbox_status(&self.uid)
                .await
                .ok()
                .flatten()
                .map(|s| s.netns)
                .unwrap_or_default();
            let grace = pod
                .spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds)
                .unwrap_or(30)
                .max(MIN_GRACE as i64);
            if let Err(out) = crate::hooks::run(
                &self.ctx.runtime,
                handler,
                c,
                &id,
                netns,
                Duration::from_secs(grace as u64),
            )
            .await
            {
                // As the kubelet: the event names the failure, the container is killed and
                // restarted per the restart policy.
                let msg = format!("PostStartHook failed: {}", out.trim_end());
                self.ctx
                    .recorder
                    .warning(&obj, "FailedPostStartHook", &msg)
                    .await;
                let _ = self
                    .ctx
                    .runtime
                    .stop_container(&self.uid, &id, Duration::from_secs(grace as u64))
                    .await;
                self.waiting
                    .insert(c.name.clone(), ("PostStartHookError".into(), msg));
                return Some(Duration::from_secs(1));
            }
        }
        None
    }

    /// Restarts an exited container unless it is still in back-off (CrashLoopBackOff).
    /// Makes the container's image present as its pull policy asks (the kubelet's
    /// image manager): events Pulling/Pulled/Failed/BackOff, waiting reasons ErrImagePull,
    /// ImagePullBackOff and ErrImageNeverPull. Err is the delay before the next attempt.
    async fn ensure_image(
        &mut self,
        c: &Container,
        obj: &ObjectRef,
        attempt: u32,
    ) -> Result<(), Duration> {
        let image = c.image.clone().unwrap_or_default();
        let present = matches!(self.ctx.runtime.images.resolve(&image), Ok(Some(_)));
        let policy = c
            .image_pull_policy
            .clone()
            .unwrap_or_else(|| "IfNotPresent".into());
        let must_pull = match policy.as_str() {
            "Never" => false,
            // --offline: Always behaves like IfNotPresent (documented in the README).
            "Always" => !present || self.ctx.puller.is_some(),
            _ => !present,
        };
        if !must_pull {
            if present {
                if self.pulled.insert(format!("{}/{attempt}", c.name)) {
                    let msg = format!("Container image \"{image}\" already present on machine");
                    self.ctx.recorder.normal(obj, "Pulled", &msg).await;
                }
                return Ok(());
            }
            let msg =
                format!("Container image \"{image}\" is not present with pull policy of Never");
            self.ctx
                .recorder
                .warning(obj, "ErrImageNeverPull", &msg)
                .await;
            self.waiting
                .insert(c.name.clone(), ("ErrImageNeverPull".into(), msg));
            return Err(Duration::from_secs(10));
        }
        let now = now_secs();
        if let Some((b, failed_at)) = self.pull_backoff.get(&image) {
            if let Some((left, _)) = b.remaining(*failed_at, now) {
                let msg = format!("Back-off pulling image \"{image}\"");
                self.ctx.recorder.normal(obj, "BackOff", &msg).await;
                self.waiting
                    .insert(c.name.clone(), ("ImagePullBackOff".into(), msg));
                return Err(left);
            }
        }
        self.ctx
            .recorder
            .normal(obj, "Pulling", &format!("Pulling image \"{image}\""))
            .await;
        let started = std::time::Instant::now();
        let result = match &self.ctx.puller {
            Some(puller) => puller.pull(&image, None).await.map_err(|e| e.0),
            None => Err(format!(
                "image {image:?} is not present and the node is offline (--offline); import it with --preload-images or `peapod image import`"
            )),
        };
        match result {
            Ok(pulled) => {
                self.pull_backoff.remove(&image);
                let took = started.elapsed().as_secs_f64();
                let msg = format!(
                    "Successfully pulled image \"{image}\" in {took:.3}s ({took:.3}s including waiting). Image size: {} bytes.",
                    pulled.size
                );
                self.ctx.recorder.normal(obj, "Pulled", &msg).await;
                self.pulled.insert(format!("{}/{attempt}", c.name));
                Ok(())
            }
            Err(err) => {
                self.ctx
                    .recorder
                    .warning(
                        obj,
                        "Failed",
                        &format!("Failed to pull image \"{image}\": {err}"),
                    )
                    .await;
                self.ctx
                    .recorder
                    .warning(obj, "Failed", "Error: ErrImagePull")
                    .await;
                self.waiting
                    .insert(c.name.clone(), ("ErrImagePull".into(), err));
                let entry = self.pull_backoff.entry(image).or_default();
                entry.0.advance(entry.1, now);
                entry.1 = now;
                Err(entry
                    .0
                    .remaining(now, now)
                    .map(|(left, _)| left)
                    .unwrap_or(crate::backoff::INITIAL))
            }
        }
    }

    async fn restart_with_backoff(
        &mut self,
        pod: &Pod,
        c: &Container,
        init: bool,
        latest: Option<&ContainerStatus>,
    ) -> Option<Duration> {
        let Some(latest) = latest else {
            return self.start(pod, c, init, 0).await;
        };
        let now = now_secs();
        let finished = finished_secs(latest).unwrap_or(now);
        let b = self.backoff.entry(c.name.clone()).or_default();
        if let Some((remaining, delay)) = b.remaining(finished, now) {
            let label = self.pod_label(pod);
            let msg = format!(
                "back-off {} restarting failed container={} pod={label}",
                go_duration(delay),
                c.name
            );
            let first = self.waiting.get(&c.name).map(|w| w.0.as_str()) != Some("CrashLoopBackOff");
            self.waiting
                .insert(c.name.clone(), ("CrashLoopBackOff".into(), msg));
            if first {
                let obj = self.obj_ref(pod, Some(field_path(&c.name, init)));
                self.ctx
                    .recorder
                    .warning(
                        &obj,
                        "BackOff",
                        &format!(
                            "Back-off restarting failed container {} in pod {label}",
                            c.name
                        ),
                    )
                    .await;
            }
            return Some(remaining.max(Duration::from_millis(100)));
        }
        b.advance(finished, now);
        // The previous instance's bundle goes; its log stays for `logs --previous`.
        if let Some(prev) = latest.attempt.checked_sub(1) {
            let old = peapod_runtime::container::container_id(&self.uid, &c.name, prev);
            let _ = self.ctx.runtime.remove_container(&self.uid, &old).await;
        }
        self.start(pod, c, init, latest.attempt + 1).await
    }

    /// Starts probe workers for running containers that need them; stops stale ones.
    async fn ensure_probes(&mut self, pod: &Pod, netns: &std::path::Path) {
        let obs = self.observe(pod).await;
        let mut wanted: Vec<(ProbeKey, Container, Probe)> = Vec::new();
        for (c, _) in all_containers(pod) {
            let Some(l) = obs.get(&c.name).and_then(|o| o.latest.clone()) else {
                continue;
            };
            if !matches!(l.state, ContainerState::Running { .. }) {
                continue;
            }
            for (kind, p) in [
                (ProbeKind::Startup, &c.startup_probe),
                (ProbeKind::Liveness, &c.liveness_probe),
                (ProbeKind::Readiness, &c.readiness_probe),
            ] {
                if let Some(p) = p {
                    wanted.push(((l.id.clone(), kind), c.clone(), p.clone()));
                }
            }
        }
        let keys: Vec<ProbeKey> = wanted.iter().map(|w| w.0.clone()).collect();
        self.probe_tasks.retain(|k, t| {
            let keep = keys.contains(k);
            if !keep {
                t.abort();
            }
            keep
        });
        if let Ok(mut p) = self.probes.lock() {
            p.retain(|k, _| keys.contains(k));
        }
        for (key, c, probe) in wanted {
            if self.probe_tasks.contains_key(&key) {
                continue;
            }
            if let Ok(mut p) = self.probes.lock() {
                p.entry(key.clone())
                    .or_insert_with(|| ProbeState::new(key.1));
            }
            let task = ProbeTask {
                ctx: self.ctx.clone(),
                key: key.clone(),
                container: c,
                probe,
                netns: netns.to_path_buf(),
                probes: self.probes.clone(),
                wake: self.wake.clone(),
                obj: self.obj_ref(pod, None),
                init: pod.spec.as_ref().is_some_and(|s| {
                    s.init_containers
                        .as_ref()
                        .is_some_and(|ic| ic.iter().any(|x| x.name == key.0))
                }),
            };
            self.probe_tasks.insert(key, tokio::spawn(task.run()));
        }
    }

    async fn write_status(
        &mut self,
        pod: &Pod,
        obs: &HashMap<String, Observed>,
        sandbox_ready: bool,
        terminating: bool,
    ) -> Result<(), String> {
        let now = format_time(now_secs());
        let previous = self.last_status.clone();
        let host_net = pod
            .spec
            .as_ref()
            .and_then(|s| s.host_network)
            .unwrap_or(false);
        let pod_ip = self.ctx.pod_ip(&self.uid, host_net);
        let mut status = pod_status(&StatusInput {
            pod,
            obs,
            sandbox_ready,
            terminating,
            host_ip: &self.ctx.cluster.node_ip,
            pod_ip: pod_ip.as_deref(),
            previous: &previous,
            now: &now,
        });
        if let Some(q) = previous.get("qosClass") {
            status["qosClass"] = q.clone();
        }
        if status == previous {
            return Ok(());
        }
        let r = peapod_api::resources::lookup("", "v1", "pods").ok_or("pods not registered")?;
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let patch = json!({"status": status});
        match self
            .ctx
            .registry
            .patch(
                r,
                Some(&ns),
                &name,
                peapod_apiserver::registry::PatchType::Merge,
                &patch_replacing_lists(&patch, &previous),
                Subresource::Status,
                &WriteOptions::default(),
            )
            .await
        {
            Ok(_) => {
                tracing::debug!(pod = %format!("{ns}/{name}"), phase = ?status.get("phase"), "status written");
                self.last_status = status;
                Ok(())
            }
            Err(peapod_api::error::ApiError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Stops every running container (regular first, then sidecars) and the sandbox.
    async fn stop_all(&mut self, pod: &Pod, reason: &str) {
        let spec = pod.spec.clone().unwrap_or_default();
        let grace = pod
            .metadata
            .deletion_grace_period_seconds
            .or(spec.termination_grace_period_seconds)
            .unwrap_or(30)
            .max(MIN_GRACE as i64) as u64;
        let obs = self.observe(pod).await;
        // Regular and ephemeral containers first, then sidecars in reverse order.
        let mut order: Vec<(Container, String)> = spec
            .containers
            .iter()
            .cloned()
            .map(|c| {
                let fp = field_path(&c.name, false);
                (c, fp)
            })
            .collect();
        order.extend(
            crate::status::ephemeral_containers(&spec)
                .into_iter()
                .map(|(c, _)| {
                    let fp = ephemeral_field_path(&c.name);
                    (c, fp)
                }),
        );
        order.extend(
            spec.init_containers
                .clone()
                .unwrap_or_default()
                .into_iter()
                .filter(is_sidecar)
                .rev()
                .map(|c| {
                    let fp = field_path(&c.name, true);
                    (c, fp)
                }),
        );
        let mut stops = Vec::new();
        for (c, fp) in order {
            let Some(l) = obs.get(&c.name).and_then(|o| o.latest.clone()) else {
                continue;
            };
            if !matches!(l.state, ContainerState::Running { .. }) {
                continue;
            }
            if !reason.is_empty() {
                let obj = self.obj_ref(pod, Some(fp.clone()));
                self.ctx
                    .recorder
                    .normal(&obj, "Killing", &format!("Stopping container {}", c.name))
                    .await;
            }
            let rt = self.ctx.runtime.clone();
            let uid = self.uid.clone();
            let pre_stop = c.lifecycle.as_ref().and_then(|l| l.pre_stop.clone());
            let netns = self
                .ctx
                .runtime
                .sandbox_status(&self.uid)
                .await
                .ok()
                .flatten()
                .map(|s| s.netns)
                .unwrap_or_default();
            let recorder = self.ctx.recorder.clone();
            let obj = self.obj_ref(pod, Some(fp));
            stops.push(async move {
                let started = std::time::Instant::now();
                if let Some(h) = pre_stop {
                    // The hook's time counts against the grace period.
                    if let Err(out) =
                        crate::hooks::run(&rt, &h, &c, &l.id, netns, Duration::from_secs(grace))
                            .await
                    {
                        recorder
                            .warning(
                                &obj,
                                "FailedPreStopHook",
                                &format!("PreStopHook failed: {}", out.trim_end()),
                            )
                            .await;
                    }
                }
                let left = Duration::from_secs(grace)
                    .saturating_sub(started.elapsed())
                    .max(Duration::from_secs(MIN_GRACE));
                rt.stop_container(&uid, &l.id, left).await
            });
        }
        futures::future::join_all(stops).await;
        for (_, t) in self.probe_tasks.drain() {
            t.abort();
        }
        let _ = self.ctx.runtime.stop_sandbox(&self.uid).await;
    }

    /// Graceful deletion: stop containers within the grace period, report the terminal phase,
    /// remove everything, then let the API remove the object.
    async fn terminate(&mut self, pod: &Pod) -> Result<Next, String> {
        self.stop_all(pod, "delete").await;
        let obs = self.observe(pod).await;
        self.write_status(pod, &obs, false, true).await?;
        self.ctx.remove_pod(&self.uid).await;
        let r = peapod_api::resources::lookup("", "v1", "pods").ok_or("pods not registered")?;
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        self.ctx
            .registry
            .finalize_deletion(r, Some(&ns), &name)
            .await
            .map_err(|e| e.to_string())?;
        self.ctx.recorder.forget(&self.uid);
        Ok(Next::Done)
    }
}

/// A merge patch replaces lists wholesale; keys that disappeared from status are nulled.
fn patch_replacing_lists(patch: &Value, previous: &Value) -> Value {
    let mut p = patch.clone();
    if let (Some(new), Some(old)) = (
        p.get_mut("status").and_then(Value::as_object_mut),
        previous.as_object(),
    ) {
        for k in old.keys() {
            if !new.contains_key(k) {
                new.insert(k.clone(), Value::Null);
            }
        }
    }
    p
}

/// One probe of one container instance, run every periodSeconds.
struct ProbeTask {
    ctx: Arc<AgentCtx>,
    key: ProbeKey,
    container: Container,
    probe: Probe,
    netns: std::path::PathBuf,
    probes: Arc<Mutex<HashMap<ProbeKey, ProbeState>>>,
    wake: Arc<Notify>,
    obj: ObjectRef,
    init: bool,
}

impl ProbeTask {
    async fn run(self) {
        let (id, kind) = self.key.clone();
        let initial =
            Duration::from_secs(self.probe.initial_delay_seconds.unwrap_or(0).max(0) as u64);
        let period = Duration::from_secs(self.probe.period_seconds.unwrap_or(10).max(1) as u64);
        tokio::time::sleep(initial).await;
        loop {
            // Liveness and readiness wait for the startup probe.
            if kind != ProbeKind::Startup && self.container.startup_probe.is_some() {
                let started = self
                    .probes
                    .lock()
                    .ok()
                    .and_then(|p| p.get(&(id.clone(), ProbeKind::Startup)).and_then(|s| s.ok))
                    == Some(true);
                if !started {
                    tokio::time::sleep(period).await;
                    continue;
                }
            }
            if kind == ProbeKind::Startup {
                let done = self
                    .probes
                    .lock()
                    .ok()
                    .and_then(|p| p.get(&self.key).and_then(|s| s.ok))
                    == Some(true);
                if done {
                    return;
                }
            }
            let outcome = run_once(
                &self.ctx.runtime,
                &self.probe,
                &self.container,
                &id,
                self.netns.clone(),
                None,
            )
            .await;
            if let Err(out) = &outcome {
                let mut obj = self.obj.clone();
                obj.field_path = Some(field_path(&self.container.name, self.init));
                self.ctx
                    .recorder
                    .warning(
                        &obj,
                        "Unhealthy",
                        &format!("{} probe failed: {}", kind.title(), out.trim_end()),
                    )
                    .await;
            }
            let changed = match self.probes.lock() {
                Ok(mut p) => p
                    .entry(self.key.clone())
                    .or_insert_with(|| ProbeState::new(kind))
                    .record(outcome.is_ok(), &self.probe),
                Err(_) => false,
            };
            if changed {
                self.wake.notify_one();
                let failed = self
                    .probes
                    .lock()
                    .ok()
                    .and_then(|p| p.get(&self.key).and_then(|s| s.ok))
                    == Some(false);
                if failed && kind != ProbeKind::Readiness {
                    // On hold until the container is replaced.
                    return;
                }
            }
            tokio::time::sleep(period).await;
        }
    }
}
