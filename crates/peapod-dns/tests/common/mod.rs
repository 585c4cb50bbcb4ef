//! Shared test harness: a Registry over an embedded store in a temp dir, a running ClusterDns
//! on a free 127.0.0.1 port, a fake upstream resolver, and a small UDP/TCP query client.

#![allow(dead_code)]

use hickory_proto::op::{Message, MessageType, Query};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use peapod_api::resources::lookup;
use peapod_apiserver::registry::{DeleteOptions, WriteOptions};
use peapod_apiserver::{Registry, RegistryConfig};
use peapod_dns::{ClusterDns, DnsConfig, DnsError};
use serde_json::{json, Value};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Cluster {
    pub registry: Arc<Registry>,
    pub dns: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<Result<(), DnsError>>>,
    _dir: tempfile::TempDir,
}

/// A port free for both UDP and TCP on 127.0.0.1 (at the time of asking).
pub fn free_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp");
        let port = udp.local_addr().expect("addr").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Cluster {
    pub async fn start(upstreams: Vec<SocketAddr>) -> Cluster {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = peapod_store::EmbeddedStore::open(
            &dir.path().join("db"),
            peapod_store::Options::default(),
        )
        .expect("store");
        let registry = Arc::new(Registry::new(Arc::new(store), RegistryConfig::default()));
        let namespaces = lookup("", "v1", "namespaces").expect("namespaces");
        registry
            .create(
                namespaces,
                None,
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
                &WriteOptions::default(),
            )
            .await
            .expect("namespace");
        let dns: SocketAddr = (Ipv4Addr::LOCALHOST, free_port()).into();
        let (shutdown, rx) = watch::channel(false);
        let server = ClusterDns::new(
            registry.clone(),
            DnsConfig {
                listen: vec![dns],
                domain: "cluster.local".into(),
                upstreams,
            },
        );
        let server = tokio::spawn(server.run(rx));
        Cluster {
            registry,
            dns,
            shutdown,
            server: Some(server),
            _dir: dir,
        }
    }

    pub async fn create(&self, plural: &str, obj: Value) -> Value {
        let r = lookup("", "v1", plural).expect("resource");
        self.registry
            .create(r, Some("default"), obj, &WriteOptions::default())
            .await
            .expect("create")
            .object
    }

    pub async fn delete(&self, plural: &str, name: &str) {
        let r = lookup("", "v1", plural).expect("resource");
        self.registry
            .delete(r, Some("default"), name, &DeleteOptions::default())
            .await
            .expect("delete");
    }

    pub async fn stop(mut self) {
        self.shutdown.send_replace(true);
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(5), server)
                .await
                .expect("server stops")
                .expect("join")
                .expect("server result");
        }
    }
}

pub fn query(name: &str, qtype: RecordType) -> Message {
    let mut msg = Message::query();
    msg.metadata.recursion_desired = true;
    msg.add_query(Query::query(Name::from_ascii(name).expect("name"), qtype));
    msg
}

/// One query over UDP; the reply must carry the query's id.
pub async fn ask(server: SocketAddr, name: &str, qtype: RecordType) -> Message {
    let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let q = query(name, qtype);
    let bytes = q.to_vec().expect("encode");
    let mut buf = vec![0u8; 4096];
    // UDP may be lost while the server is still starting: resend until a reply comes (8 s).
    let mut n = None;
    for _ in 0..16 {
        sock.send_to(&bytes, server).await.expect("send");
        if let Ok(Ok(len)) =
            tokio::time::timeout(Duration::from_millis(500), sock.recv(&mut buf)).await
        {
            n = Some(len);
            break;
        }
    }
    let n = n.expect("reply in time");
    let reply = Message::from_vec(&buf[..n]).expect("decode");
    assert_eq!(reply.metadata.id, q.metadata.id);
    assert_eq!(reply.metadata.message_type, MessageType::Response);
    reply
}

/// One query over TCP.
pub async fn ask_tcp(server: SocketAddr, name: &str, qtype: RecordType) -> Message {
    let mut stream = TcpStream::connect(server).await.expect("connect");
    let q = query(name, qtype);
    let bytes = q.to_vec().expect("encode");
    let len = u16::try_from(bytes.len()).expect("len");
    stream.write_all(&len.to_be_bytes()).await.expect("write");
    stream.write_all(&bytes).await.expect("write");
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read_u16())
        .await
        .expect("reply in time")
        .expect("read");
    let mut buf = vec![0u8; usize::from(n)];
    stream.read_exact(&mut buf).await.expect("read");
    let reply = Message::from_vec(&buf).expect("decode");
    assert_eq!(reply.metadata.id, q.metadata.id);
    reply
}

/// The answers' data as text (`10.96.0.1`, `0 100 80 web.default.svc.cluster.local.`).
pub fn answers(msg: &Message) -> Vec<String> {
    msg.answers.iter().map(|r| r.data.to_string()).collect()
}

/// Asks until `done` holds for the reply (or `within` passes); returns the last reply and
/// the time it took.
pub async fn ask_until(
    server: SocketAddr,
    name: &str,
    qtype: RecordType,
    within: Duration,
    done: impl Fn(&Message) -> bool,
) -> (Message, Duration) {
    let start = tokio::time::Instant::now();
    loop {
        let reply = ask(server, name, qtype).await;
        if done(&reply) || start.elapsed() > within {
            return (reply, start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A fake upstream resolver on 127.0.0.1 (UDP and TCP on one port). Over UDP every A query
/// gets 192.0.2.1, `big.example.` gets a truncated empty reply and `silent.example.` none;
/// over TCP every A query gets 192.0.2.2.
pub async fn fake_upstream() -> (SocketAddr, JoinHandle<()>, JoinHandle<()>) {
    let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = udp.local_addr().expect("addr");
    let tcp = TcpListener::bind(addr).await.expect("bind tcp");
    fn reply(q: &Message, ip: Option<Ipv4Addr>, tc: bool) -> Vec<u8> {
        let mut r = Message::response(q.metadata.id, q.metadata.op_code);
        r.metadata.recursion_desired = q.metadata.recursion_desired;
        r.metadata.recursion_available = true;
        r.metadata.truncation = tc;
        r.queries = q.queries.clone();
        if let (Some(ip), Some(query)) = (ip, q.queries.first()) {
            r.add_answer(Record::from_rdata(
                query.name().clone(),
                60,
                RData::A(A(ip)),
            ));
        }
        r.to_vec().expect("encode")
    }
    let udp_task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                continue;
            };
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let name = q
                .queries
                .first()
                .map(|q| q.name().to_ascii())
                .unwrap_or_default();
            let out = match name.as_str() {
                "silent.example." => continue,
                "big.example." => reply(&q, None, true),
                _ => reply(&q, Some(Ipv4Addr::new(192, 0, 2, 1)), false),
            };
            let _ = udp.send_to(&out, peer).await;
        }
    });
    let tcp_task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = tcp.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let Ok(n) = stream.read_u16().await else {
                    return;
                };
                let mut buf = vec![0u8; usize::from(n)];
                if stream.read_exact(&mut buf).await.is_err() {
                    return;
                }
                let Ok(q) = Message::from_vec(&buf) else {
                    return;
                };
                let out = reply(&q, Some(Ipv4Addr::new(192, 0, 2, 2)), false);
                let len = u16::try_from(out.len()).expect("len");
                let _ = stream.write_all(&len.to_be_bytes()).await;
                let _ = stream.write_all(&out).await;
            });
        }
    });
    (addr, udp_task, tcp_task)
}
