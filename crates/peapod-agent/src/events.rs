//! Events as the kubelet records them (source kubelet/<node>), with repeats aggregated into one
//! Event whose count and lastTimestamp grow.

use peapod_api::meta::{event_name, format_time};
use peapod_apiserver::registry::{now_secs, PatchType, Subresource, WriteOptions};
use peapod_apiserver::Registry;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The object an event is about.
#[derive(Debug, Clone)]
pub struct ObjectRef {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub resource_version: String,
    /// e.g. `spec.containers{nginx}`.
    pub field_path: Option<String>,
}

/// (pod uid, field path, reason, message): what makes two events the same.
type EventKey = (String, String, String, String);

/// An event waiting to be written, with the time it happened.
struct Pending {
    obj: ObjectRef,
    typ: &'static str,
    reason: String,
    message: String,
    at: String,
}

/// Records events the way the kubelet's recorder does: the caller goes on at once and one
/// writer task stores them in order, so a pod's start never waits for an event's commit.
#[derive(Clone)]
pub struct Recorder {
    tx: tokio::sync::mpsc::UnboundedSender<Pending>,
    /// (uid, field path, reason, message) → (event name, count).
    seen: Arc<Mutex<HashMap<EventKey, (String, u64)>>>,
}

struct Writer {
    registry: Arc<Registry>,
    node: String,
    component: &'static str,
    seen: Arc<Mutex<HashMap<EventKey, (String, u64)>>>,
}

impl Recorder {
    /// Starts the writer task (needs a Tokio runtime); it ends when the last clone is dropped.
    pub fn new(registry: Arc<Registry>, node: &str, component: &'static str) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Pending>();
        let seen: Arc<Mutex<HashMap<EventKey, (String, u64)>>> = Arc::default();
        let writer = Writer {
            registry,
            node: node.to_string(),
            component,
            seen: seen.clone(),
        };
        tokio::spawn(async move {
            while let Some(p) = rx.recv().await {
                writer.write(p).await;
            }
        });
        Recorder { tx, seen }
    }

    pub async fn normal(&self, obj: &ObjectRef, reason: &str, message: &str) {
        self.record(obj, "Normal", reason, message)
    }

    pub async fn warning(&self, obj: &ObjectRef, reason: &str, message: &str) {
        self.record(obj, "Warning", reason, message)
    }

    fn record(&self, obj: &ObjectRef, typ: &'static str, reason: &str, message: &str) {
        let _ = self.tx.send(Pending {
            obj: obj.clone(),
            typ,
            reason: reason.to_string(),
            message: message.to_string(),
            at: format_time(now_secs()),
        });
    }

    /// Forgets aggregation state of a deleted pod.
    pub fn forget(&self, uid: &str) {
        if let Ok(mut m) = self.seen.lock() {
            m.retain(|k, _| k.0 != uid);
        }
    }
}

impl Writer {
    async fn write(&self, p: Pending) {
        let Pending {
            obj,
            typ,
            reason,
            message,
            at: now,
        } = p;
        let (reason, message) = (reason.as_str(), message.as_str());
        let Ok(r) = peapod_api::resources::lookup("", "v1", "events").ok_or(()) else {
            return;
        };
        let key = (
            obj.uid.clone(),
            obj.field_path.clone().unwrap_or_default(),
            reason.to_string(),
            message.to_string(),
        );
        let existing = self.seen.lock().ok().and_then(|m| m.get(&key).cloned());
        if let Some((name, count)) = existing {
            let patch = json!({"count": count + 1, "lastTimestamp": now});
            let res = self
                .registry
                .patch(
                    r,
                    Some(&obj.namespace),
                    &name,
                    PatchType::Merge,
                    &patch,
                    Subresource::Main,
                    &WriteOptions::default(),
                )
                .await;
            if res.is_ok() {
                if let Ok(mut m) = self.seen.lock() {
                    m.insert(key, (name, count + 1));
                }
                return;
            }
        }
        let name = event_name(&obj.name);
        let mut involved = json!({
            "kind": "Pod", "namespace": obj.namespace, "name": obj.name, "uid": obj.uid,
            "apiVersion": "v1", "resourceVersion": obj.resource_version,
        });
        if let Some(fp) = &obj.field_path {
            involved["fieldPath"] = json!(fp);
        }
        let ev: Value = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": obj.namespace},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": {"component": self.component, "host": self.node},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": typ,
            "eventTime": null,
            "reportingComponent": self.component,
            "reportingInstance": self.node,
        });
        match self
            .registry
            .create(r, Some(&obj.namespace), ev, &WriteOptions::default())
            .await
        {
            Ok(_) => {
                if let Ok(mut m) = self.seen.lock() {
                    m.insert(key, (name, 1));
                }
            }
            Err(e) => tracing::debug!(error = %e, reason, "event not recorded"),
        }
    }
}
