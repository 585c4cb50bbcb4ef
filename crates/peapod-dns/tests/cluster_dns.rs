//! ClusterDns over a real Registry, queried over UDP and TCP on 127.0.0.1.

mod common;

use common::{answers, ask, ask_tcp, ask_until, fake_upstream, Cluster};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{RData, RecordType};
use serde_json::json;
use std::time::Duration;

const SVC: &str = "myservice.default.svc.cluster.local.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_endpoints_and_forwarding() {
    let (upstream, _u, _t) = fake_upstream().await;
    let cluster = Cluster::start(vec![upstream]).await;
    let dns = cluster.dns;

    // Before the Service exists: NXDOMAIN, authoritative, with the zone's SOA.
    let reply = ask(dns, SVC, RecordType::A).await;
    assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);
    assert!(reply.metadata.authoritative);
    assert!(reply.answers.is_empty());
    assert!(matches!(
        reply.authorities.first().map(|r| &r.data),
        Some(RData::SOA(_))
    ));

    // Created: the ClusterIP resolves within a second.
    let svc = cluster
        .create(
            "services",
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "myservice", "namespace": "default"},
                "spec": {"ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}),
        )
        .await;
    let cluster_ip = svc["spec"]["clusterIP"]
        .as_str()
        .expect("clusterIP")
        .to_string();
    let (reply, took) = ask_until(dns, SVC, RecordType::A, Duration::from_secs(1), |m| {
        !m.answers.is_empty()
    })
    .await;
    assert_eq!(
        answers(&reply),
        std::slice::from_ref(&cluster_ip),
        "after {took:?}"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(reply.metadata.authoritative);
    assert_eq!(reply.answers[0].ttl, peapod_dns::TTL);

    // The same over TCP.
    let reply = ask_tcp(dns, SVC, RecordType::A).await;
    assert_eq!(answers(&reply), std::slice::from_ref(&cluster_ip));

    // AAAA for an existing name: NOERROR, no answers.
    let reply = ask(dns, SVC, RecordType::AAAA).await;
    assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
    assert!(reply.answers.is_empty());

    // SRV for the named port, with the target's address in the additional section.
    let reply = ask(
        dns,
        "_http._tcp.myservice.default.svc.cluster.local.",
        RecordType::SRV,
    )
    .await;
    assert_eq!(
        answers(&reply),
        ["0 100 80 myservice.default.svc.cluster.local."]
    );
    assert_eq!(
        reply
            .additionals
            .iter()
            .map(|r| format!("{} {}", r.name, r.data))
            .collect::<Vec<_>>(),
        [format!("myservice.default.svc.cluster.local. {cluster_ip}")]
    );

    // PTR for the ClusterIP.
    let octets: Vec<&str> = cluster_ip.split('.').rev().collect();
    let reverse = format!("{}.in-addr.arpa.", octets.join("."));
    let reply = ask(dns, &reverse, RecordType::PTR).await;
    assert_eq!(answers(&reply), [SVC]);

    // A headless Service and its Endpoints.
    cluster
        .create(
            "services",
            json!({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "db", "namespace": "default"},
                "spec": {"clusterIP": "None", "ports": [{"name": "pg", "port": 5432}]}}),
        )
        .await;
    cluster
        .create(
            "endpoints",
            json!({"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": "db", "namespace": "default"},
                "subsets": [{
                    "addresses": [{"ip": "10.244.0.5", "hostname": "db-0"}, {"ip": "10.244.0.6"}],
                    "notReadyAddresses": [{"ip": "10.244.0.7"}],
                    "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}]}]}),
        )
        .await;
    let (reply, took) = ask_until(
        dns,
        "db.default.svc.cluster.local.",
        RecordType::A,
        Duration::from_secs(1),
        |m| m.answers.len() == 2,
    )
    .await;
    assert_eq!(
        answers(&reply),
        ["10.244.0.5", "10.244.0.6"],
        "after {took:?}"
    );
    let reply = ask(dns, "db-0.db.default.svc.cluster.local.", RecordType::A).await;
    assert_eq!(answers(&reply), ["10.244.0.5"]);
    let reply = ask(
        dns,
        "10-244-0-6.db.default.svc.cluster.local.",
        RecordType::A,
    )
    .await;
    assert_eq!(answers(&reply), ["10.244.0.6"]);
    let reply = ask(
        dns,
        "_pg._tcp.db.default.svc.cluster.local.",
        RecordType::SRV,
    )
    .await;
    assert_eq!(
        answers(&reply),
        [
            "0 50 5432 db-0.db.default.svc.cluster.local.",
            "0 50 5432 10-244-0-6.db.default.svc.cluster.local."
        ]
    );
    assert_eq!(reply.additionals.len(), 2);
    let reply = ask(dns, "5.0.244.10.in-addr.arpa.", RecordType::PTR).await;
    assert_eq!(answers(&reply), ["db-0.db.default.svc.cluster.local."]);

    // Pod records.
    let reply = ask(dns, "10-244-1-9.default.pod.cluster.local.", RecordType::A).await;
    assert_eq!(answers(&reply), ["10.244.1.9"]);

    // Other names go to the upstream and come back as they were sent (same id).
    let reply = ask(dns, "example.com.", RecordType::A).await;
    assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
    assert!(!reply.metadata.authoritative);
    assert_eq!(answers(&reply), ["192.0.2.1"]);
    // Truncated over UDP: retried over TCP.
    let reply = ask(dns, "big.example.", RecordType::A).await;
    assert_eq!(answers(&reply), ["192.0.2.2"]);
    // A TCP client is forwarded over TCP.
    let reply = ask_tcp(dns, "example.com.", RecordType::A).await;
    assert_eq!(answers(&reply), ["192.0.2.2"]);
    // Reverse names that are not ours go upstream too.
    let reply = ask(dns, "1.2.0.192.in-addr.arpa.", RecordType::PTR).await;
    assert_eq!(reply.metadata.response_code, ResponseCode::NoError);

    // Deleted: NXDOMAIN again within a second.
    cluster.delete("services", "myservice").await;
    let (reply, took) = ask_until(dns, SVC, RecordType::A, Duration::from_secs(1), |m| {
        m.metadata.response_code == ResponseCode::NXDomain
    })
    .await;
    assert_eq!(
        reply.metadata.response_code,
        ResponseCode::NXDomain,
        "after {took:?}"
    );
    let reply = ask(dns, &reverse, RecordType::PTR).await;
    assert!(reply.answers.iter().all(|r| r.data.to_string() != SVC));

    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_upstream_gives_servfail() {
    let (upstream, _u, _t) = fake_upstream().await;
    let cluster = Cluster::start(vec![upstream]).await;
    let start = std::time::Instant::now();
    let reply = ask(cluster.dns, "silent.example.", RecordType::A).await;
    assert_eq!(reply.metadata.response_code, ResponseCode::ServFail);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_upstreams_gives_servfail() {
    let cluster = Cluster::start(Vec::new()).await;
    let reply = ask(cluster.dns, "example.com.", RecordType::A).await;
    assert_eq!(reply.metadata.response_code, ResponseCode::ServFail);
    // Cluster names still work.
    let reply = ask(cluster.dns, "cluster.local.", RecordType::SOA).await;
    assert_eq!(reply.answers.len(), 1);
    cluster.stop().await;
}

#[tokio::test]
async fn bad_config_is_an_error() {
    let cluster = Cluster::start(Vec::new()).await;
    // Hold a UDP port so binding it again must fail.
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let dns = peapod_dns::ClusterDns::new(
        cluster.registry.clone(),
        peapod_dns::DnsConfig {
            listen: vec![addr],
            domain: "cluster.local".into(),
            upstreams: Vec::new(),
        },
    );
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let res = tokio::time::timeout(std::time::Duration::from_secs(10), dns.run(rx)).await;
    let err = res
        .expect("run returns at once")
        .expect_err("address in use");
    assert!(err.to_string().contains("binding DNS"), "{err}");
    drop(taken);
    cluster.stop().await;
}
