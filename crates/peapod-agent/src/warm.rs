//! The warm sandbox pool: a pod's pause process and its CNI attachment made before the pod
//! exists, so that a pod start waits for neither (together 15-25 ms on a 2-core node, most of
//! it the CNI plugins). A claimed sandbox is replaced in the background. Pods that need
//! something of the sandbox at its creation (host network, hostPorts a CNI plugin maps, a lost
//! sandbox's leftovers) make their own as before.

use peapod_net::Cni;
use peapod_runtime::config::SandboxConfig;
use peapod_runtime::{Runtime, SandboxStatus, WarmSandbox};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, watch, Notify};

/// How long a pod waits for the sandbox being made before it makes its own.
const WAIT_FOR_FILL: Duration = Duration::from_secs(1);

/// The longest a refill waits for the pod that took a sandbox to start its containers.
const SETTLE: Duration = Duration::from_millis(250);

#[derive(Default)]
struct State {
    ready: Vec<WarmSandbox>,
    /// A sandbox is being made.
    filling: bool,
    /// The pod that waits for the one being made.
    waiter: Option<oneshot::Sender<WarmSandbox>>,
}

pub struct WarmPool {
    runtime: Arc<Runtime>,
    net: Arc<Cni>,
    size: usize,
    state: Mutex<State>,
    refill: Notify,
    /// A pod that took a sandbox is still starting its containers (level, not an event: a
    /// late `settled` must not let a later refill start early).
    starting: watch::Sender<bool>,
}

impl WarmPool {
    pub fn new(runtime: Arc<Runtime>, net: Arc<Cni>, size: usize) -> Arc<WarmPool> {
        Arc::new(WarmPool {
            runtime,
            net,
            size,
            state: Mutex::new(State::default()),
            refill: Notify::new(),
            starting: watch::Sender::new(false),
        })
    }

    /// Removes the leftovers of an earlier run, then keeps `size` sandboxes ready until
    /// `shutdown`; then removes them.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        for id in self.runtime.list_warm_sandboxes() {
            self.remove(&id).await;
        }
        for id in self.net.attached() {
            if id.starts_with("warm-") {
                self.remove(&id).await;
            }
        }
        loop {
            let wanted = {
                let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let wanted = st.ready.len() < self.size;
                st.filling = wanted;
                wanted
            };
            if *shutdown.borrow() {
                break;
            }
            if !wanted {
                tokio::select! {
                    _ = self.refill.notified() => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            // The pod that took one starts first (it would share the CPUs with the plugins):
            // its worker says when it is done, else a little later.
            let mut starting = self.starting.subscribe();
            tokio::select! {
                _ = starting.wait_for(|s| !*s) => {}
                _ = tokio::time::sleep(SETTLE) => {}
                _ = shutdown.changed() => continue,
            }
            // Not cancelled by shutdown: a half-made sandbox would be left behind.
            match self.clone().make().await {
                Some(w) => self.offer(w),
                None => {
                    self.fill_failed();
                    // The node cannot make one now (CNI failing?): pods make their own.
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
        let left: Vec<WarmSandbox> = {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.waiter = None;
            st.ready.drain(..).collect()
        };
        for w in left {
            self.remove(&w.id).await;
        }
    }

    /// A pause process with its network attached. The CNI plugins run on a thread of its own
    /// at the lowest CPU priority, which they inherit: a pod that is starting (often the one
    /// that just took a sandbox) gets the CPUs first.
    async fn make(self: Arc<Self>) -> Option<WarmSandbox> {
        let id = format!("warm-{:016x}", rand::random::<u64>());
        let t = std::time::Instant::now();
        let w = match self.runtime.start_warm_sandbox(&id).await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "warm sandbox failed");
                self.runtime.remove_warm_sandbox(&id).await;
                return None;
            }
        };
        let (tx, rx) = oneshot::channel();
        let (net, cni_id, netns) = (self.net.clone(), id.clone(), w.netns());
        let spawned = std::thread::Builder::new()
            .name("warm-sandbox".into())
            .spawn(move || {
                let _ = peapod_runtime::sys::set_thread_nice(19);
                let res = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())
                    .and_then(|rt| {
                        rt.block_on(net.add(&cni_id, &netns, &[]))
                            .map_err(|e| e.to_string())
                    });
                let _ = tx.send(res);
            });
        let res = match spawned {
            Ok(_) => rx.await.unwrap_or_else(|_| Err("CNI thread ended".into())),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = res {
            tracing::warn!(error = %e, "warm sandbox network failed");
            self.remove(&id).await;
            return None;
        }
        tracing::debug!(id = %id, ms = t.elapsed().as_millis() as u64, "warm sandbox ready");
        Some(w)
    }

    /// A made sandbox goes to the pod waiting for it, else to the ready ones.
    fn offer(&self, w: WarmSandbox) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.filling = false;
        let w = match st.waiter.take() {
            Some(tx) => match tx.send(w) {
                Ok(()) => return,
                Err(w) => w, // it gave up waiting
            },
            None => w,
        };
        st.ready.push(w);
    }

    fn fill_failed(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.filling = false;
        st.waiter = None;
    }

    /// A ready sandbox, or the one being made when no other pod waits for it.
    async fn take(&self) -> Option<WarmSandbox> {
        let rx = {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(w) = st.ready.pop() {
                drop(st);
                self.taken();
                return Some(w);
            }
            if !st.filling || st.waiter.is_some() {
                return None;
            }
            let (tx, rx) = oneshot::channel();
            st.waiter = Some(tx);
            // A pod waits for the one being made: nothing to hold it back for.
            self.starting.send_replace(false);
            rx
        };
        let w = tokio::time::timeout(WAIT_FOR_FILL, rx).await.ok()?.ok()?;
        self.taken();
        Some(w)
    }

    /// A pod took a sandbox: it starts first, then the pool refills.
    fn taken(&self) {
        self.starting.send_replace(true);
        self.refill.notify_one();
    }

    /// The pod `cfg` gets a warm sandbox, with its network: its sandbox status, or None when
    /// there is none to have (the caller makes one).
    pub async fn claim(&self, cfg: &SandboxConfig) -> Option<SandboxStatus> {
        let w = self.take().await?;
        let claimed = async {
            if self.net.attachment(&cfg.pod_uid).is_some() {
                // Left by a crash in the middle of an earlier claim: its address goes first.
                self.net
                    .del(&cfg.pod_uid)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            let att = self
                .net
                .adopt(&w.id, &cfg.pod_uid)
                .map_err(|e| e.to_string())?;
            self.runtime
                .claim_warm_sandbox(&w, cfg, &att.ip.to_string())
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        match claimed {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(pod = %cfg.pod_uid, id = %w.id, error = %e, "claiming a warm sandbox failed; making one");
                let _ = self.net.del(&cfg.pod_uid).await;
                let _ = self.runtime.remove_sandbox(&cfg.pod_uid).await;
                self.remove(&w.id).await;
                None
            }
        }
    }

    /// The pod that took a sandbox has started what it could: refilling may begin.
    pub fn settled(&self) {
        self.starting.send_replace(false);
    }

    async fn remove(&self, id: &str) {
        if let Err(e) = self.net.del(id).await {
            tracing::warn!(id, error = %e, "CNI DEL of a warm sandbox failed");
        }
        self.runtime.remove_warm_sandbox(id).await;
    }
}
