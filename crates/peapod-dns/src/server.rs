//! The serving loops: a few receive loops per UDP socket answering inline from the snapshot,
//! and a bounded TCP accept loop. Forwarded queries run as tasks owned by the loop that
//! received them; loops are stopped by aborting them (they hold no state worth finishing).

use crate::answer::{encode, format_error, handle, reply_to, udp_limit, Outcome};
use crate::forward::Forwarder;
use crate::snapshot::{SnapshotCell, Zone};
use hickory_proto::op::{Message, ResponseCode};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::timeout;

/// Forwarded queries in flight at once (per server); beyond it clients get SERVFAIL at once.
pub(crate) const MAX_FORWARDS: usize = 1024;
/// Open TCP connections (per server); further connections wait in the listen backlog.
pub(crate) const MAX_TCP_CONNECTIONS: usize = 256;
/// A TCP connection is closed after this long without a complete query.
const TCP_IDLE: Duration = Duration::from_secs(10);
/// Largest UDP query read (a longer datagram is cut and fails to parse).
const UDP_QUERY_MAX: usize = 4096;

/// What every serving loop shares.
pub(crate) struct Shared {
    pub zone: Zone,
    pub cell: Arc<SnapshotCell>,
    pub forwarder: Forwarder,
    pub forwards: Arc<Semaphore>,
    pub connections: Arc<Semaphore>,
}

fn servfail(req: &Message, limit: u16) -> Vec<u8> {
    let mut out = Vec::new();
    if encode(&reply_to(req, ResponseCode::ServFail), limit, &mut out).is_err() {
        out.clear();
    }
    out
}

async fn send(sock: &UdpSocket, bytes: &[u8], peer: SocketAddr) {
    if bytes.is_empty() {
        return;
    }
    if let Err(e) = sock.send_to(bytes, peer).await {
        tracing::debug!(%peer, error = %e, "DNS reply not sent");
    }
}

/// One receive loop on a UDP socket (several run per socket).
pub(crate) async fn udp_loop(shared: Arc<Shared>, sock: Arc<UdpSocket>) {
    let mut buf = vec![0u8; UDP_QUERY_MAX];
    let mut out = Vec::with_capacity(1232);
    let mut key = Vec::with_capacity(256);
    let mut tasks = JoinSet::new();
    loop {
        let (n, peer) = match sock.recv_from(&mut buf).await {
            Ok(r) => r,
            Err(e) => {
                // ICMP errors from earlier sends surface here on some systems; keep serving.
                tracing::debug!(error = %e, "DNS UDP receive failed");
                continue;
            }
        };
        while tasks.try_join_next().is_some() {}
        let raw = &buf[..n];
        let req = match Message::from_vec(raw) {
            Ok(req) => req,
            Err(_) => {
                if let Some(reply) = format_error(raw) {
                    send(&sock, &reply, peer).await;
                }
                continue;
            }
        };
        let limit = udp_limit(&req);
        let outcome = handle(&shared.cell.load(), &shared.zone, req, &mut key);
        match outcome {
            Outcome::Drop => {}
            Outcome::Reply(msg) => match encode(&msg, limit, &mut out) {
                Ok(()) => send(&sock, &out, peer).await,
                Err(e) => tracing::debug!(error = %e, "DNS reply not encoded"),
            },
            Outcome::Forward(req) => {
                let Ok(permit) = shared.forwards.clone().try_acquire_owned() else {
                    send(&sock, &servfail(&req, limit), peer).await;
                    continue;
                };
                let raw = raw.to_vec();
                let (shared, sock) = (shared.clone(), sock.clone());
                tasks.spawn(async move {
                    let _permit = permit;
                    let reply = shared
                        .forwarder
                        .relay(&raw, false, usize::from(limit))
                        .await;
                    let reply = reply.unwrap_or_else(|| servfail(&req, limit));
                    send(&sock, &reply, peer).await;
                });
            }
            Outcome::Chase {
                mut reply,
                target,
                qtype,
            } => {
                let permit = shared.forwards.clone().try_acquire_owned().ok();
                let (shared, sock) = (shared.clone(), sock.clone());
                tasks.spawn(async move {
                    if let Some(_permit) = permit {
                        if let Some(records) = shared.forwarder.lookup(&target, qtype).await {
                            reply.answers.extend(records);
                        }
                    }
                    let mut out = Vec::new();
                    if encode(&reply, limit, &mut out).is_ok() {
                        send(&sock, &out, peer).await;
                    }
                });
            }
        }
    }
}

/// Accepts TCP connections, at most `MAX_TCP_CONNECTIONS` at once.
pub(crate) async fn tcp_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut conns = JoinSet::new();
    loop {
        let Ok(permit) = shared.connections.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "DNS TCP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        while conns.try_join_next().is_some() {}
        let shared = shared.clone();
        conns.spawn(async move {
            let _permit = permit;
            if let Err(e) = tcp_connection(&shared, stream).await {
                tracing::debug!(%peer, error = %e, "DNS TCP connection ended");
            }
        });
    }
}

async fn tcp_connection(shared: &Shared, mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut key = Vec::with_capacity(256);
    let mut out = Vec::with_capacity(1232);
    loop {
        let len = match timeout(TCP_IDLE, stream.read_u16()).await {
            Err(_) => return Ok(()),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Ok(r) => r?,
        };
        let mut raw = vec![0u8; usize::from(len)];
        timeout(TCP_IDLE, stream.read_exact(&mut raw))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "query read"))??;
        let reply = tcp_answer(shared, &raw, &mut key, &mut out).await;
        let Some(reply) = reply else { continue };
        let Ok(n) = u16::try_from(reply.len()) else {
            continue;
        };
        let mut framed = Vec::with_capacity(reply.len() + 2);
        framed.extend_from_slice(&n.to_be_bytes());
        framed.extend_from_slice(reply);
        timeout(TCP_IDLE, stream.write_all(&framed))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "reply write"))??;
    }
}

/// The reply to one query received over TCP (forwarded queries are awaited in place).
async fn tcp_answer<'o>(
    shared: &Shared,
    raw: &[u8],
    key: &mut Vec<u8>,
    out: &'o mut Vec<u8>,
) -> Option<&'o [u8]> {
    let req = match Message::from_vec(raw) {
        Ok(req) => req,
        Err(_) => {
            *out = format_error(raw)?;
            return Some(out);
        }
    };
    let outcome = handle(&shared.cell.load(), &shared.zone, req, key);
    let msg = match outcome {
        Outcome::Drop => return None,
        Outcome::Reply(msg) => msg,
        Outcome::Forward(req) => {
            let Ok(_permit) = shared.forwards.clone().try_acquire_owned() else {
                *out = servfail(&req, u16::MAX);
                return Some(out);
            };
            *out = match shared
                .forwarder
                .relay(raw, true, usize::from(u16::MAX))
                .await
            {
                Some(reply) => reply,
                None => servfail(&req, u16::MAX),
            };
            return Some(out);
        }
        Outcome::Chase {
            mut reply,
            target,
            qtype,
        } => {
            if let Ok(_permit) = shared.forwards.clone().try_acquire_owned() {
                if let Some(records) = shared.forwarder.lookup(&target, qtype).await {
                    reply.answers.extend(records);
                }
            }
            reply
        }
    };
    encode(&msg, u16::MAX, out).ok()?;
    Some(out)
}
