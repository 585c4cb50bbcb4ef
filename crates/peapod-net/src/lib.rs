//! Pod networking through CNI. The node is a CNI runtime: it runs the standard plugins from
//! Debian's containernetworking-plugins (by default `bridge` with `host-local` IPAM over the
//! node's pod CIDR, then `loopback`) against each pod sandbox's network namespace, keeps each
//! pod's attachment on disk (so DEL works after a restart and addresses are never leaked), and
//! prepares the host: the cluster DNS address is local and the whole service range is routed
//! locally, so nothing addressed to a service ever leaves the machine.

mod cni;
mod host;
mod proxy;

pub use cni::{default_conflist, Attachment, Cni, CniError, PortMapping};
pub use host::{bridge_netfilter, HostNetwork, HostNetworkConfig};
pub use proxy::{service_ports, transition, Masquerade, Rules, ServicePort, ServiceProxy};
