//! Events as the kubelet records them (source kubelet/<node>), with repeats aggregated into one
//! Event whose count and lastTimestamp grow.

use peapod_api::meta::format_time;
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

#[derive(Clone)]
pub struct Recorder {
    registry: Arc<Registry>,
    node: String,
    component: &'static str,
    /// (uid, field path, reason, message) → (event name, count).
    seen: Arc<Mutex<HashMap<EventKey, (String, u64)>>>,
}

impl Recorder {
    pub fn new(registry: Arc<Registry>, node: &str, component: &'static str) -> Self {
        Recorder {
            registry,
            node: node.to_string(),
            component,
            seen: Arc::default(),
        }
    }

    pub async fn normal(&self, obj: &ObjectRef, reason: &str, message: &str) {
        self.record(obj, "Normal", reason, message).await
    }

    pub async fn warning(&self, obj: &ObjectRef, reason: &str, message: &str) {
        self.record(obj, "Warning", reason, message).await
    }

    async fn record(&self, obj: &ObjectRef, typ: &str, reason: &str, message: &str) {
        let Ok(r) = peapod_api::resources::lookup("", "v1", "events").ok_or(()) else {
            return;
        };
        let key = (
            obj.uid.clone(),
            obj.field_path.clone().unwrap_or_default(),
            reason.to_string(),
            message.to_string(),
        );
        let now = format_time(now_secs());
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
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!("{}.{nanos:x}", obj.name);
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

    /// Forgets aggregation state of a deleted pod.
    pub fn forget(&self, uid: &str) {
        if let Ok(mut m) = self.seen.lock() {
            m.retain(|k, _| k.0 != uid);
        }
    }
}
