//! Keeps the snapshot in step with the API: watches of Services and Endpoints (all namespaces)
//! feed two small caches; every batch of changes rebuilds the snapshot and swaps it in.

use crate::objects::{object_key, parse_endpoints, parse_service, Endpoints, Service};
use crate::snapshot::{build, SnapshotCell, Zone};
use crate::{shutdown_requested, DnsError};
use peapod_api::resources::{lookup, ResourceInfo};
use peapod_apiserver::registry::{WatchEvent, WatchOptions, WatchStream};
use peapod_apiserver::Registry;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc::error::TryRecvError, watch};

/// Pause before reopening a watch that failed or ended.
const RETRY: Duration = Duration::from_secs(1);

/// Events applied before a rebuild even if more are queued (keeps a burst from starving it).
const MAX_BATCH: usize = 4096;

/// One watched resource: the objects as DNS sees them, keyed `ns/name`.
struct Feed<T> {
    resource: &'static ResourceInfo,
    parse: fn(&Value) -> Option<T>,
    rx: Option<WatchStream>,
    live: HashMap<String, T>,
    /// Collects the initial list of a (re)opened watch until its bookmark, so a restart
    /// never serves a half-filled cache and drops objects deleted while it was down.
    staging: Option<HashMap<String, T>>,
    synced: bool,
}

async fn next_event(rx: &mut Option<WatchStream>) -> Option<WatchEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl<T: PartialEq> Feed<T> {
    fn new(resource: &'static ResourceInfo, parse: fn(&Value) -> Option<T>) -> Self {
        Feed {
            resource,
            parse,
            rx: None,
            live: HashMap::new(),
            staging: None,
            synced: false,
        }
    }

    async fn open(&mut self, registry: &Registry) {
        let opts = WatchOptions {
            send_initial_events: true,
            ..WatchOptions::default()
        };
        match registry.watch(self.resource, None, opts).await {
            Ok(rx) => {
                self.rx = Some(rx);
                self.staging = Some(HashMap::new());
            }
            Err(e) => {
                tracing::warn!(resource = self.resource.plural, error = %e, "watch failed; retrying");
            }
        }
    }

    /// Applies one event; true when the live cache changed.
    fn apply(&mut self, ev: Option<WatchEvent>) -> bool {
        let live = self.staging.is_none();
        let target = match self.staging.as_mut() {
            Some(staging) => staging,
            None => &mut self.live,
        };
        match ev {
            Some(WatchEvent::Added(obj)) | Some(WatchEvent::Modified(obj)) => {
                let Some(key) = object_key(&obj) else {
                    return false;
                };
                match (self.parse)(&obj) {
                    Some(new) => {
                        if target.get(&key) == Some(&new) {
                            return false;
                        }
                        target.insert(key, new);
                        live
                    }
                    None => target.remove(&key).is_some() && live,
                }
            }
            Some(WatchEvent::Deleted(obj)) => {
                let Some(key) = object_key(&obj) else {
                    return false;
                };
                target.remove(&key).is_some() && live
            }
            Some(WatchEvent::Bookmark(_)) => match self.staging.take() {
                Some(staging) => {
                    self.live = staging;
                    self.synced = true;
                    true
                }
                None => false,
            },
            Some(WatchEvent::Error(e)) => {
                tracing::warn!(resource = self.resource.plural, error = %e, "watch ended; reopening");
                self.rx = None;
                self.staging = None;
                false
            }
            None => {
                tracing::debug!(resource = self.resource.plural, "watch closed; reopening");
                self.rx = None;
                self.staging = None;
                false
            }
        }
    }

    /// Applies whatever is already queued; true when the live cache changed.
    fn drain(&mut self) -> bool {
        let mut changed = false;
        for _ in 0..MAX_BATCH {
            let ev = match self.rx.as_mut().map(|rx| rx.try_recv()) {
                None | Some(Err(TryRecvError::Empty)) => break,
                Some(Ok(ev)) => Some(ev),
                Some(Err(TryRecvError::Disconnected)) => None,
            };
            changed |= self.apply(ev);
        }
        changed
    }
}

/// The cache-sync task.
pub(crate) struct Sync {
    pub registry: Arc<Registry>,
    pub zone: Zone,
    pub cell: Arc<SnapshotCell>,
}

fn resource(plural: &'static str) -> Result<&'static ResourceInfo, DnsError> {
    lookup("", "v1", plural).ok_or(DnsError::UnknownResource(plural))
}

impl Sync {
    /// Runs until shutdown. `synced` flips to true after the first complete snapshot.
    pub async fn run(
        self,
        mut shutdown: watch::Receiver<bool>,
        synced: watch::Sender<bool>,
    ) -> Result<(), DnsError> {
        let mut services: Feed<Service> = Feed::new(resource("services")?, parse_service);
        let mut endpoints: Feed<Endpoints> = Feed::new(resource("endpoints")?, parse_endpoints);
        let mut dirty = false;
        loop {
            if services.rx.is_none() {
                services.open(&self.registry).await;
            }
            if endpoints.rx.is_none() {
                endpoints.open(&self.registry).await;
            }
            let waiting = services.rx.is_none() || endpoints.rx.is_none();
            dirty |= tokio::select! {
                _ = shutdown_requested(&mut shutdown) => return Ok(()),
                ev = next_event(&mut services.rx) => services.apply(ev),
                ev = next_event(&mut endpoints.rx) => endpoints.apply(ev),
                _ = tokio::time::sleep(RETRY), if waiting => false,
            };
            dirty |= services.drain();
            dirty |= endpoints.drain();
            if dirty && services.synced && endpoints.synced {
                let serial = u32::try_from(peapod_apiserver::registry::now_secs()).unwrap_or(0);
                let snap = build(&self.zone, services.live.values(), &endpoints.live, serial);
                tracing::debug!(
                    names = snap.names.len(),
                    services = services.live.len(),
                    "cluster DNS records rebuilt"
                );
                self.cell.store(snap);
                dirty = false;
                synced.send_replace(true);
            }
        }
    }
}
