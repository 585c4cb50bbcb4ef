//! The node's container runtime (the part containerd/CRI-O play for a kubelet): a content-addressed
//! image store with unpacked layer snapshots, OCI runtime bundles run by crun, pod sandboxes held
//! by a pause process, and per-container supervision that outlives the agent.

pub mod config;
pub mod container;
pub mod host;
pub mod image;
pub mod logrotate;
pub mod oci;
mod pause;
pub mod pull;
pub mod runtime;
pub mod sandbox;
pub mod seccomp;
pub mod shim;
pub mod sys;
pub mod warm;

pub use container::{ContainerState, ContainerStatus};
pub use runtime::{Runtime, RuntimeError};
pub use sandbox::SandboxStatus;
pub use warm::WarmSandbox;
