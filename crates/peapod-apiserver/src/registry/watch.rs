//! watch: initial state (when asked), then changes from a revision, filtered by selectors, with
//! selector transitions turned into ADDED/DELETED as the Kubernetes watch cache does.

use super::{decode, store_error, ListOptions, Registry};
use peapod_api::error::ApiError;
use peapod_api::resources::ResourceInfo;
use peapod_api::selector::{FieldSelector, LabelSelector};
use peapod_store::{EventKind, KeyValue};
use serde_json::Value;
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub enum WatchEvent {
    Added(Value),
    Modified(Value),
    Deleted(Value),
    /// The watch has seen everything up to this resourceVersion.
    Bookmark(String),
    /// The watch ends with this error (e.g. 410 Gone).
    Error(ApiError),
}

#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    pub label_selector: LabelSelector,
    pub field_selector: FieldSelector,
    /// None or "0": start with the current state as ADDED events.
    pub resource_version: Option<String>,
    /// `sendInitialEvents=true` asks for the state at `resource_version` first, then a bookmark.
    pub send_initial_events: bool,
}

pub type WatchStream = mpsc::Receiver<WatchEvent>;

impl Registry {
    pub async fn watch(
        &self,
        r: &'static ResourceInfo,
        ns: Option<&str>,
        opts: WatchOptions,
    ) -> Result<WatchStream, ApiError> {
        let rv = opts
            .resource_version
            .clone()
            .filter(|v| !v.is_empty() && v != "0");
        let mut initial = Vec::new();
        let from = match &rv {
            Some(v) if !opts.send_initial_events => v.parse::<u64>().map_err(|_| {
                ApiError::BadRequest(format!(
                    "invalid resourceVersion {v:?}: must be an unsigned integer"
                ))
            })?,
            _ => {
                let list = ListOptions {
                    label_selector: opts.label_selector.clone(),
                    field_selector: opts.field_selector.clone(),
                    limit: 0,
                    continue_token: None,
                };
                let res = self.list(r, ns, &list).await?;
                initial = res.items;
                res.resource_version.parse::<u64>().unwrap_or(0)
            }
        };
        let prefix = r.namespace_prefix(ns);
        let mut events = self
            .store
            .watch(&prefix, from)
            .await
            .map_err(|e| store_error(r, "", e))?;
        let (tx, rx) = mpsc::channel(256);
        let bookmark_after_initial = opts.send_initial_events;
        tokio::spawn(async move {
            for obj in initial {
                if tx.send(WatchEvent::Added(obj)).await.is_err() {
                    return;
                }
            }
            if bookmark_after_initial {
                let _ = tx.send(WatchEvent::Bookmark(from.to_string())).await;
            }
            let matches = |kv: &KeyValue| -> Option<Value> {
                let obj = decode(kv).ok()?;
                (opts.label_selector.matches_object(&obj) && opts.field_selector.matches(&obj))
                    .then_some(obj)
            };
            loop {
                let ev = tokio::select! {
                    _ = tx.closed() => return,
                    ev = events.recv() => ev,
                };
                let out = match ev {
                    None => return,
                    Some(Err(e)) => {
                        let _ = tx.send(WatchEvent::Error(store_error(r, "", e))).await;
                        return;
                    }
                    Some(Ok(ev)) => {
                        let now = matches(&ev.kv);
                        let before = ev.prev.as_ref().map(|p| matches(p).is_some());
                        match (ev.kind, now, before) {
                            (EventKind::Deleted, Some(obj), _) => Some(WatchEvent::Deleted(obj)),
                            (EventKind::Deleted, None, _) => None,
                            (EventKind::Created, Some(obj), _) => Some(WatchEvent::Added(obj)),
                            (EventKind::Created, None, _) => None,
                            // Moved into the selection.
                            (EventKind::Modified, Some(obj), Some(false)) => {
                                Some(WatchEvent::Added(obj))
                            }
                            (EventKind::Modified, Some(obj), _) => Some(WatchEvent::Modified(obj)),
                            // Moved out of the selection: the watcher sees it go.
                            (EventKind::Modified, None, Some(true)) => {
                                let mut last = decode(&ev.kv).ok();
                                if let Some(o) = last.as_mut() {
                                    peapod_api::meta::set_str(
                                        o,
                                        "resourceVersion",
                                        &ev.kv.mod_revision.to_string(),
                                    );
                                }
                                last.map(WatchEvent::Deleted)
                            }
                            (EventKind::Modified, None, _) => None,
                        }
                    }
                };
                if let Some(out) = out {
                    if tx.send(out).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(rx)
    }
}
