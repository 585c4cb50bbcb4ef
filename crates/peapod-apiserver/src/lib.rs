//! peapod's Kubernetes API server: the only crate that speaks HTTP. The registry holds the API
//! semantics; `http` maps requests onto it; `pki` makes the certificates and admin credentials.

pub mod exec;
pub mod http;
pub mod logs;
pub mod pki;
pub mod registry;

pub use http::{serve, AppState};
pub use registry::{Registry, RegistryConfig};
