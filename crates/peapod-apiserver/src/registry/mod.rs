//! The registry: the API's semantics for every resource, independent of HTTP. Handlers and
//! in-process controllers both go through it, so admission, defaulting, validation, optimistic
//! concurrency and watch behave the same for every caller.

mod allocator;
mod read;
mod strategy;
mod watch;
mod write;

pub use read::{ListOptions, ListResult};
pub use watch::{WatchEvent, WatchOptions, WatchStream};
pub use write::{
    DeleteOptions, FieldValidation, PatchType, Subresource, WriteOptions, WriteResult,
};

use peapod_api::error::ApiError;
use peapod_api::resources::ResourceInfo;
use peapod_store::{KeyValue, Store, StoreError};
use serde_json::Value;
use std::net::Ipv4Addr;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Cluster settings the registry needs (service IP and node port allocation).
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    pub service_cidr: (Ipv4Addr, u8),
    pub node_port_range: (u16, u16),
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            service_cidr: (Ipv4Addr::new(10, 96, 0, 0), 12),
            node_port_range: (30000, 32767),
        }
    }
}

pub struct Registry {
    store: Arc<dyn Store>,
    config: RegistryConfig,
    /// Serialises Service IP/port allocation (rare writes; never held across other requests).
    alloc_lock: Mutex<()>,
}

/// Current wall-clock time in unix seconds.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) fn not_found(r: &ResourceInfo, name: &str) -> ApiError {
    ApiError::NotFound {
        group: r.group.to_string(),
        resource: r.plural.to_string(),
        name: name.to_string(),
    }
}

pub(crate) fn store_error(r: &ResourceInfo, name: &str, e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(_) => not_found(r, name),
        StoreError::AlreadyExists(_) => {
            ApiError::AlreadyExists { group: r.group.to_string(), resource: r.plural.to_string(), name: name.to_string() }
        }
        StoreError::Conflict { .. } => ApiError::Conflict {
            group: r.group.to_string(),
            resource: r.plural.to_string(),
            name: name.to_string(),
            message: "the object has been modified; please apply your changes to the latest version and try again".into(),
        },
        StoreError::Compacted { requested, compacted } => {
            ApiError::Gone(format!("too old resource version: {requested} ({compacted})"))
        }
        StoreError::Unavailable(m) => ApiError::Unavailable(m),
    }
}

/// Decodes a stored object and stamps its resourceVersion (the store's mod revision).
pub(crate) fn decode(kv: &KeyValue) -> Result<Value, ApiError> {
    let mut obj: Value = serde_json::from_slice(&kv.value)
        .map_err(|e| ApiError::Internal(format!("corrupt object at {}: {e}", kv.key)))?;
    peapod_api::meta::set_str(&mut obj, "resourceVersion", &kv.mod_revision.to_string());
    Ok(obj)
}

/// Encodes an object for storage; resourceVersion is not stored (the revision is the truth).
pub(crate) fn encode(obj: &Value) -> Result<Vec<u8>, ApiError> {
    let mut obj = obj.clone();
    if let Some(md) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        md.remove("resourceVersion");
    }
    serde_json::to_vec(&obj).map_err(|e| ApiError::Internal(e.to_string()))
}

impl Registry {
    pub fn new(store: Arc<dyn Store>, config: RegistryConfig) -> Self {
        Registry {
            store,
            config,
            alloc_lock: Mutex::new(()),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn current_revision(&self) -> u64 {
        self.store.current_revision()
    }
}
