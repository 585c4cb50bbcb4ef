//! Forwarding names outside the cluster zone to the node's upstream resolvers: the raw query is
//! relayed over UDP (TCP when the reply is truncated or the client came over TCP) and the reply
//! is passed back byte for byte.

use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, Record, RecordType};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{timeout, Instant};

/// How long a forwarded query may take over all upstreams before the client gets SERVFAIL.
pub(crate) const FORWARD_TIMEOUT: Duration = Duration::from_secs(2);

/// Receive buffer for upstream UDP replies; a full buffer is treated as truncated.
const UDP_REPLY_MAX: usize = 4096;

#[derive(Debug, Clone)]
pub(crate) struct Forwarder {
    upstreams: Vec<SocketAddr>,
    timeout: Duration,
}

/// Whether `reply` answers `query`: long enough, a response, same id.
fn matches(query: &[u8], reply: &[u8]) -> bool {
    reply.len() >= 12 && reply[..2] == query[..2] && reply[2] & 0x80 != 0
}

fn truncated(reply: &[u8]) -> bool {
    reply.len() >= 12 && reply[2] & 0x02 != 0
}

async fn udp_exchange(upstream: SocketAddr, query: &[u8]) -> std::io::Result<Vec<u8>> {
    let local: SocketAddr = match upstream.ip() {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    // A fresh socket per query: a random source port, and a connected socket only accepts
    // datagrams from the upstream.
    let sock = UdpSocket::bind(local).await?;
    sock.connect(upstream).await?;
    sock.send(query).await?;
    let mut buf = vec![0u8; UDP_REPLY_MAX];
    loop {
        let n = sock.recv(&mut buf).await?;
        if matches(query, &buf[..n]) {
            buf.truncate(n);
            if n == UDP_REPLY_MAX {
                // Possibly cut by our buffer: make the caller retry over TCP.
                buf[2] |= 0x02;
            }
            return Ok(buf);
        }
    }
}

async fn tcp_exchange(upstream: SocketAddr, query: &[u8]) -> std::io::Result<Vec<u8>> {
    let len = u16::try_from(query.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "query too long"))?;
    let mut stream = TcpStream::connect(upstream).await?;
    stream.set_nodelay(true)?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).await?;
    let n = stream.read_u16().await?;
    let mut buf = vec![0u8; usize::from(n)];
    stream.read_exact(&mut buf).await?;
    if !matches(query, &buf) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "reply does not match the query",
        ));
    }
    Ok(buf)
}

impl Forwarder {
    pub fn new(upstreams: Vec<SocketAddr>) -> Self {
        Forwarder {
            upstreams,
            timeout: FORWARD_TIMEOUT,
        }
    }

    /// Relays `query` (raw bytes, at least a header) and returns the upstream's reply as is,
    /// or None when no upstream answered in time. A UDP client whose reply came back
    /// truncated gets the TCP reply when it fits in `limit` bytes.
    pub async fn relay(&self, query: &[u8], over_tcp: bool, limit: usize) -> Option<Vec<u8>> {
        if query.len() < 12 {
            return None;
        }
        let deadline = Instant::now() + self.timeout;
        let n = self.upstreams.len();
        for (i, &upstream) in self.upstreams.iter().enumerate() {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            // Share what is left among the upstreams not yet tried.
            let per_try = remaining / u32::try_from(n - i).unwrap_or(1);
            let attempt = async {
                if over_tcp {
                    tcp_exchange(upstream, query).await
                } else {
                    udp_exchange(upstream, query).await
                }
            };
            let reply = match timeout(per_try, attempt).await {
                Ok(Ok(reply)) => reply,
                Ok(Err(e)) => {
                    tracing::debug!(%upstream, error = %e, "upstream failed");
                    continue;
                }
                Err(_) => {
                    tracing::debug!(%upstream, "upstream timed out");
                    continue;
                }
            };
            if !over_tcp && truncated(&reply) {
                let remaining = deadline.saturating_duration_since(Instant::now());
                if let Ok(Ok(full)) = timeout(remaining, tcp_exchange(upstream, query)).await {
                    if full.len() <= limit {
                        return Some(full);
                    }
                }
            }
            return Some(reply);
        }
        None
    }

    /// Resolves `name` upstream and returns the answer records (for ExternalName targets).
    pub async fn lookup(&self, name: &Name, qtype: RecordType) -> Option<Vec<Record>> {
        let mut msg = Message::query();
        msg.metadata.recursion_desired = true;
        msg.add_query(Query::query(name.clone(), qtype));
        let bytes = msg.to_vec().ok()?;
        let reply = self.relay(&bytes, false, UDP_REPLY_MAX).await?;
        let reply = Message::from_vec(&reply).ok()?;
        Some(reply.answers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_matching() {
        let query = [0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        let mut reply = query;
        reply[2] |= 0x80;
        assert!(matches(&query, &reply));
        assert!(!matches(&query, &query), "a query is not a reply");
        reply[1] = 0x35;
        assert!(!matches(&query, &reply), "different id");
        assert!(!matches(&query, &reply[..11]));
        assert!(truncated(&[0, 0, 0x82, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    }

    #[tokio::test]
    async fn no_upstreams_means_no_reply() {
        let f = Forwarder::new(Vec::new());
        let query = [0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        assert_eq!(f.relay(&query, false, 512).await, None);
    }
}
