//! Pod networking through CNI. The node is a CNI runtime: it runs the standard plugins from
//! Debian's containernetworking-plugins (by default `bridge` with `host-local` IPAM over the
//! node's pod CIDR) against each pod sandbox's network namespace (whose `lo` the sandbox itself
//! brings up), keeps each pod's attachment on disk (so DEL works after a restart and addresses
//! are never leaked), and prepares the host: the cluster DNS address is local and the whole
//! service range is routed locally, so nothing addressed to a service ever leaves the machine.
//! The service proxy forwards Services and, as the kubelet's hostport manager did, hostPorts.

mod cni;
mod host;
mod proxy;

pub use cni::{default_conflist, Attachment, Cni, CniError, PortMapping};
pub use host::{bridge_netfilter, HostNetwork, HostNetworkConfig};
pub use proxy::{
    pod_host_ports, service_ports, transition, HostPort, Masquerade, Rules, ServicePort,
    ServiceProxy,
};
