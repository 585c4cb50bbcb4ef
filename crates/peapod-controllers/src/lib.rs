//! Control-plane reconcilers. Each is level-triggered and idempotent: it watches what it cares
//! about through the registry (the API's own semantics, never the store directly) and, on any
//! change or on a resync tick, makes the world match.

mod bootstrap;
mod endpoints;
mod namespace;
mod node;
mod scheduler;

pub use bootstrap::{bootstrap, BootstrapConfig};
pub use endpoints::EndpointsController;
pub use namespace::NamespaceController;
pub use node::{NodeConfig, NodeHeartbeat};
pub use scheduler::Scheduler;

use peapod_api::error::ApiError;
use peapod_api::resources::{lookup, ResourceInfo};

/// Looks up a built-in resource; every name used here is in the static registry.
pub(crate) fn resource(group: &str, plural: &str) -> Result<&'static ResourceInfo, ApiError> {
    lookup(group, "v1", plural)
        .ok_or_else(|| ApiError::Internal(format!("resource {plural} not registered")))
}
