//! Cluster DNS: the records of CoreDNS' kubernetes plugin, answered from an in-memory snapshot
//! that watches of Services and Endpoints keep current; other names are forwarded to the
//! node's resolvers.
//!
//! - `objects`: the fields of Services/Endpoints DNS needs, parsed once per watch event.
//! - `snapshot`: name → records, rebuilt whole on change and swapped in (readers clone an Arc).
//! - `sync`: the watch loop that feeds the snapshot.
//! - `answer`: one query → reply, pure and synchronous.
//! - `forward`: relaying other names to upstreams over UDP/TCP.
//! - `server`: UDP receive loops and the bounded TCP accept loop.
//! - `resolv`: upstreams from resolv.conf.
//!
//! Every answer has TTL [`TTL`] (5 s, CoreDNS' plugin default); negative answers carry the
//! zone's SOA with the same minimum.

mod answer;
mod forward;
mod names;
mod objects;
mod resolv;
mod server;
mod snapshot;
mod sync;

pub use resolv::{host_upstreams, upstreams_from_resolv_conf};
pub use snapshot::TTL;

use peapod_apiserver::Registry;
use server::Shared;
use snapshot::{Snapshot, SnapshotCell, Zone};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// How long `run` waits for the first complete snapshot before serving anyway (as CoreDNS
/// waits for its informers).
const INITIAL_SYNC_WAIT: Duration = Duration::from_secs(5);

/// Upper bound on UDP receive loops per listen address.
const MAX_UDP_LOOPS: usize = 4;

#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// Addresses to serve on, UDP and TCP each. Port 0 picks one port for both.
    pub listen: Vec<SocketAddr>,
    /// The cluster domain, `cluster.local`.
    pub domain: String,
    /// Resolvers for names outside the cluster domain (see [`upstreams_from_resolv_conf`]).
    pub upstreams: Vec<SocketAddr>,
}

#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error("cluster DNS has no listen address")]
    NoListenAddress,
    #[error("invalid cluster domain {0:?}")]
    InvalidDomain(String),
    #[error("binding DNS {proto} socket on {addr}: {source}")]
    Bind {
        proto: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("resource v1/{0} is not registered")]
    UnknownResource(&'static str),
    #[error("cluster DNS task failed: {0}")]
    Task(String),
}

/// Resolves once shutdown is asked for (the flag turned true, or its sender went away).
pub(crate) async fn shutdown_requested(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

pub struct ClusterDns {
    registry: Arc<Registry>,
    cfg: DnsConfig,
}

impl ClusterDns {
    pub fn new(registry: Arc<Registry>, cfg: DnsConfig) -> Self {
        ClusterDns { registry, cfg }
    }

    /// Binds UDP and TCP on every listen address, keeps the records in sync from watches of
    /// Services and Endpoints, and answers until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<(), DnsError> {
        let zone = Zone::new(&self.cfg.domain)
            .ok_or_else(|| DnsError::InvalidDomain(self.cfg.domain.clone()))?;
        if self.cfg.listen.is_empty() {
            return Err(DnsError::NoListenAddress);
        }
        let mut udp = Vec::new();
        let mut tcp = Vec::new();
        for &addr in &self.cfg.listen {
            let bind_err = |proto| {
                move |source| DnsError::Bind {
                    proto,
                    addr,
                    source,
                }
            };
            let sock = UdpSocket::bind(addr).await.map_err(bind_err("UDP"))?;
            // With port 0, TCP takes the port UDP got.
            let tcp_addr = sock.local_addr().map_err(bind_err("UDP"))?;
            let listener = TcpListener::bind(tcp_addr).await.map_err(bind_err("TCP"))?;
            udp.push(Arc::new(sock));
            tcp.push(listener);
        }

        let cell = Arc::new(SnapshotCell::new(Snapshot::empty(&zone)));
        let (synced_tx, mut synced_rx) = watch::channel(false);
        let sync = sync::Sync {
            registry: self.registry,
            zone: zone.clone(),
            cell: cell.clone(),
        };
        let mut sync_task = tokio::spawn(sync.run(shutdown.clone(), synced_tx));

        tokio::select! {
            _ = synced_rx.wait_for(|s| *s) => {}
            _ = tokio::time::sleep(INITIAL_SYNC_WAIT) => {
                tracing::warn!("cluster DNS serving before its first sync with the API");
            }
            _ = shutdown_requested(&mut shutdown) => {}
            res = &mut sync_task => return join_result(res),
        }

        let shared = Arc::new(Shared {
            zone,
            cell,
            forwarder: forward::Forwarder::new(self.cfg.upstreams.clone()),
            forwards: Arc::new(Semaphore::new(server::MAX_FORWARDS)),
            connections: Arc::new(Semaphore::new(server::MAX_TCP_CONNECTIONS)),
        });
        let loops = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(2, MAX_UDP_LOOPS);
        let mut servers = JoinSet::new();
        for sock in udp {
            for _ in 0..loops {
                servers.spawn(server::udp_loop(shared.clone(), sock.clone()));
            }
        }
        for listener in tcp {
            servers.spawn(server::tcp_loop(shared.clone(), listener));
        }
        tracing::info!(
            listen = ?self.cfg.listen,
            domain = %self.cfg.domain,
            upstreams = ?self.cfg.upstreams,
            "cluster DNS serving"
        );

        let result = tokio::select! {
            _ = shutdown_requested(&mut shutdown) => None,
            res = &mut sync_task => Some(join_result(res)),
        };
        // The serving loops hold nothing worth finishing: abort them and their forwards.
        servers.shutdown().await;
        match result {
            Some(res) => res,
            None => join_result(sync_task.await),
        }
    }
}

fn join_result(res: Result<Result<(), DnsError>, tokio::task::JoinError>) -> Result<(), DnsError> {
    res.map_err(|e| DnsError::Task(e.to_string()))?
}
