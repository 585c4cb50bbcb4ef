//! Answering one query from a snapshot: pure and synchronous (no I/O, no locks), so the
//! serving loops call it inline and tests call it directly.

use crate::names::{lookup_key, parse_dashed_ipv4, parse_reverse_ipv4, strip_zone};
use crate::snapshot::{Node, Snapshot, Zone, TTL};
use hickory_proto::op::{Edns, Message, Metadata, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, CNAME, PTR, SRV, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder};
use hickory_proto::ProtoError;

/// The payload size advertised in our EDNS replies (the DNS flag day value).
const EDNS_PAYLOAD: u16 = 1232;

/// Longest CNAME chain followed inside the zone (ExternalName → ExternalName → ...).
const MAX_CNAME_CHAIN: usize = 8;

/// What to do with a query.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Send this reply.
    Reply(Message),
    /// Not ours: relay the raw query to the upstreams (the parsed request is kept for a
    /// SERVFAIL if none answers).
    Forward(Message),
    /// An ExternalName whose target is outside the zone: send `reply` (which holds the CNAME)
    /// after appending the upstream's answers for `target`.
    Chase {
        reply: Message,
        target: Name,
        qtype: RecordType,
    },
    /// Not a query (a stray response): ignore it.
    Drop,
}

/// A reply skeleton for `req`: id, opcode, RD/CD copied, RA set, the question echoed and EDNS
/// when the client used it.
pub(crate) fn reply_to(req: &Message, rcode: ResponseCode) -> Message {
    let mut msg = Message::response(req.metadata.id, req.metadata.op_code);
    msg.metadata = Metadata::response_from_request(&req.metadata);
    msg.metadata.recursion_available = true;
    msg.metadata.response_code = rcode;
    msg.queries = req.queries.clone();
    if req.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_PAYLOAD);
        msg.edns = Some(edns);
    }
    msg
}

/// FORMERR for bytes that do not parse as a message, when at least the header does.
pub(crate) fn format_error(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.len() < 12 || raw[2] & 0x80 != 0 {
        return None;
    }
    // QR=1, the request's opcode and RD; RCODE=1; all counts zero.
    let flags = 0x80 | (raw[2] & 0x79);
    Some(vec![raw[0], raw[1], flags, 0x01, 0, 0, 0, 0, 0, 0, 0, 0])
}

/// The largest UDP reply the client accepts (512 without EDNS).
pub(crate) fn udp_limit(req: &Message) -> u16 {
    req.edns
        .as_ref()
        .map(|e| e.max_payload().clamp(512, 4096))
        .unwrap_or(512)
}

/// Encodes `msg` into `out`, truncating (TC) at `max` bytes.
pub(crate) fn encode(msg: &Message, max: u16, out: &mut Vec<u8>) -> Result<(), ProtoError> {
    out.clear();
    let mut enc = BinEncoder::new(out);
    enc.set_max_size(max);
    msg.emit(&mut enc)
}

/// Decides how to answer `req`. `scratch` is a reusable buffer for the lookup key.
pub(crate) fn handle(snap: &Snapshot, zone: &Zone, req: Message, scratch: &mut Vec<u8>) -> Outcome {
    if req.metadata.message_type != hickory_proto::op::MessageType::Query {
        return Outcome::Drop;
    }
    if req.metadata.op_code != OpCode::Query {
        return Outcome::Reply(reply_to(&req, ResponseCode::NotImp));
    }
    let [query] = req.queries.as_slice() else {
        return Outcome::Reply(reply_to(&req, ResponseCode::FormErr));
    };
    if !lookup_key(query.name(), scratch) {
        // Not a name we could hold; still someone else's to answer if outside the zone.
        return Outcome::Forward(req);
    }
    if let Some(head) = strip_zone(scratch, zone.key()) {
        return local(snap, zone, &req, query, scratch, head.len());
    }
    if matches!(query.query_type(), RecordType::PTR | RecordType::ANY) {
        if let Some(names) = parse_reverse_ipv4(scratch).and_then(|ip| snap.ptr.get(&ip)) {
            let mut msg = reply_to(&req, ResponseCode::NoError);
            msg.metadata.authoritative = true;
            for target in names {
                msg.answers.push(Record::from_rdata(
                    query.name().clone(),
                    TTL,
                    RData::PTR(PTR(target.clone())),
                ));
            }
            return Outcome::Reply(msg);
        }
    }
    Outcome::Forward(req)
}

/// Whether an unknown name is only a search-path expansion of a Service name that exists:
/// `<svc>.svc.<zone>` or `<svc>.<zone>` (from the search list `<ns>.svc.<zone> svc.<zone> <zone>`)
/// when some Service is called `<svc>`. Those get NODATA instead of NXDOMAIN. CoreDNS says
/// NXDOMAIN there too, but busybox ≥ 1.28's nslookup queries every search domain and fails when
/// any of them is NXDOMAIN, so `until nslookup myservice` (the seeds' init containers, with the
/// busybox images here) would never end even though `myservice` resolves. glibc, musl and older
/// busybox stop at the first answer and see no difference.
fn search_miss(snap: &Snapshot, head: &[u8]) -> bool {
    let name = head.strip_suffix(b".svc").unwrap_or(head);
    !name.contains(&b'.') && snap.service_names.contains(name)
}

/// A query inside the cluster zone. `key` is the whole lookup key, `head_len` the length of
/// the part before `.<zone>`.
fn local(
    snap: &Snapshot,
    zone: &Zone,
    req: &Message,
    query: &Query,
    key: &[u8],
    head_len: usize,
) -> Outcome {
    if !matches!(query.query_class(), DNSClass::IN | DNSClass::ANY) {
        return Outcome::Reply(reply_to(req, ResponseCode::Refused));
    }
    let mut msg = reply_to(req, ResponseCode::NoError);
    msg.metadata.authoritative = true;
    let qtype = query.query_type();
    let qname = query.name();
    let pod;
    let node = match snap.names.get(key) {
        Some(node) => node,
        None => match pod_address(&key[..head_len]) {
            Some(ip) => {
                pod = Node {
                    a: vec![ip],
                    ..Node::default()
                };
                &pod
            }
            None => {
                if !search_miss(snap, &key[..head_len]) {
                    msg.metadata.response_code = ResponseCode::NXDomain;
                }
                msg.authorities.push(snap.soa.clone());
                return Outcome::Reply(msg);
            }
        },
    };
    if let Some(target) = &node.cname {
        msg.answers.push(Record::from_rdata(
            qname.clone(),
            TTL,
            RData::CNAME(CNAME(target.clone())),
        ));
        if !matches!(qtype, RecordType::CNAME | RecordType::ANY) {
            if let Some(outside) = follow_cname(snap, zone, target.clone(), qtype, &mut msg) {
                return Outcome::Chase {
                    reply: msg,
                    target: outside,
                    qtype,
                };
            }
        }
        return Outcome::Reply(msg);
    }
    add_node_records(snap, node, qname, qtype, key == zone.key(), &mut msg);
    if msg.answers.is_empty() {
        msg.authorities.push(snap.soa.clone());
    }
    Outcome::Reply(msg)
}

/// `<a-b-c-d>.<ns>.pod` → a.b.c.d (CoreDNS `pods insecure`: any namespace, no pod lookup).
fn pod_address(head: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut labels = head.split(|&b| b == b'.');
    let ip = parse_dashed_ipv4(labels.next()?)?;
    let ns = labels.next()?;
    (!ns.is_empty() && labels.next()? == b"pod" && labels.next().is_none()).then_some(ip)
}

/// Follows an in-zone CNAME chain, adding each hop's records. Returns the first target that
/// lies outside the zone (to be resolved upstream).
fn follow_cname(
    snap: &Snapshot,
    zone: &Zone,
    mut target: Name,
    qtype: RecordType,
    msg: &mut Message,
) -> Option<Name> {
    let mut key = Vec::new();
    for _ in 0..MAX_CNAME_CHAIN {
        if !lookup_key(&target, &mut key) {
            return None;
        }
        if strip_zone(&key, zone.key()).is_none() {
            return Some(target);
        }
        let node = snap.names.get(key.as_slice())?;
        match &node.cname {
            Some(next) => {
                msg.answers.push(Record::from_rdata(
                    target.clone(),
                    TTL,
                    RData::CNAME(CNAME(next.clone())),
                ));
                target = next.clone();
            }
            None => {
                add_node_records(snap, node, &target, qtype, false, msg);
                return None;
            }
        }
    }
    None
}

fn add_node_records(
    snap: &Snapshot,
    node: &Node,
    owner: &Name,
    qtype: RecordType,
    apex: bool,
    msg: &mut Message,
) {
    let any = qtype == RecordType::ANY;
    if qtype == RecordType::A || any {
        for ip in &node.a {
            msg.answers
                .push(Record::from_rdata(owner.clone(), TTL, RData::A(A(*ip))));
        }
    }
    if qtype == RecordType::SRV || any {
        for srv in &node.srv {
            let rdata = SRV::new(0, srv.weight, srv.port, srv.target.clone());
            msg.answers
                .push(Record::from_rdata(owner.clone(), TTL, RData::SRV(rdata)));
            let seen = msg.additionals.iter().any(|r| {
                r.name == srv.target && matches!(&r.data, RData::A(a) if a.0 == srv.target_a)
            });
            if !seen {
                msg.additionals.push(Record::from_rdata(
                    srv.target.clone(),
                    TTL,
                    RData::A(A(srv.target_a)),
                ));
            }
        }
    }
    if qtype == RecordType::TXT || any {
        if let Some(txt) = node.txt {
            msg.answers.push(Record::from_rdata(
                owner.clone(),
                TTL,
                RData::TXT(TXT::new(vec![txt.to_string()])),
            ));
        }
    }
    if apex && (qtype == RecordType::SOA || any) {
        let mut soa = snap.soa.clone();
        soa.name = owner.clone();
        msg.answers.push(soa);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{object_key, parse_endpoints, parse_service, Endpoints, Service};
    use crate::snapshot::build;
    use serde_json::json;
    use std::collections::HashMap;
    use std::str::FromStr;

    fn fixture() -> (Snapshot, Zone) {
        let zone = Zone::new("cluster.local").expect("zone");
        let services: Vec<Service> = [
            json!({"metadata": {"name": "web", "namespace": "default"},
                "spec": {"clusterIP": "10.96.0.20", "ports": [{"name": "http", "port": 80}]}}),
            json!({"metadata": {"name": "db", "namespace": "ns1"},
                "spec": {"clusterIP": "None", "ports": [{"name": "pg", "port": 5432}]}}),
            json!({"metadata": {"name": "ext", "namespace": "ns1"},
                "spec": {"type": "ExternalName", "externalName": "foo.example.com"}}),
            json!({"metadata": {"name": "alias", "namespace": "ns1"},
                "spec": {"type": "ExternalName", "externalName": "web.default.svc.cluster.local"}}),
        ]
        .iter()
        .filter_map(parse_service)
        .collect();
        let ep = json!({"metadata": {"name": "db", "namespace": "ns1"}, "subsets": [{
            "addresses": [{"ip": "10.244.0.5", "hostname": "db-0"}],
            "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}]}]});
        let endpoints: HashMap<String, Endpoints> = [(
            object_key(&ep).expect("key"),
            parse_endpoints(&ep).expect("ep"),
        )]
        .into_iter()
        .collect();
        (build(&zone, services.iter(), &endpoints, 7), zone)
    }

    fn query(name: &str, qtype: RecordType) -> Message {
        let mut msg = Message::query();
        msg.metadata.recursion_desired = true;
        msg.add_query(Query::query(Name::from_ascii(name).expect("name"), qtype));
        msg
    }

    /// The outcome as text: `RCODE flags | answers | authority | additional`.
    fn show(outcome: Outcome) -> String {
        let records = |rs: &[Record]| {
            rs.iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        };
        match outcome {
            Outcome::Reply(m) => format!(
                "{:?}{} | {} | {} | {}",
                m.metadata.response_code,
                if m.metadata.authoritative { " aa" } else { "" },
                records(&m.answers),
                records(&m.authorities),
                records(&m.additionals)
            ),
            Outcome::Forward(_) => "forward".into(),
            Outcome::Chase { reply, target, .. } => {
                format!("chase {target} after {}", records(&reply.answers))
            }
            Outcome::Drop => "drop".into(),
        }
    }

    fn check(name: &str, qtype: RecordType, expected: &str) {
        let (snap, zone) = fixture();
        let got = show(handle(&snap, &zone, query(name, qtype), &mut Vec::new()));
        assert_eq!(got, expected, "{name} {qtype}");
    }

    const SOA: &str = "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5";

    #[test]
    fn service_records() {
        check(
            "web.default.svc.cluster.local.",
            RecordType::A,
            "NoError aa | web.default.svc.cluster.local. 5 IN A 10.96.0.20 |  | ",
        );
        // Case is preserved in the owner name, ignored in the lookup.
        check(
            "WEB.default.svc.cluster.local.",
            RecordType::A,
            "NoError aa | WEB.default.svc.cluster.local. 5 IN A 10.96.0.20 |  | ",
        );
        check(
            "web.default.svc.cluster.local.",
            RecordType::AAAA,
            &format!("NoError aa |  | {SOA} | "),
        );
        check(
            "_http._tcp.web.default.svc.cluster.local.",
            RecordType::SRV,
            "NoError aa | _http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local. |  | web.default.svc.cluster.local. 5 IN A 10.96.0.20",
        );
        check(
            "20.0.96.10.in-addr.arpa.",
            RecordType::PTR,
            "NoError aa | 20.0.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local. |  | ",
        );
    }

    #[test]
    fn headless_records() {
        check(
            "db.ns1.svc.cluster.local.",
            RecordType::A,
            "NoError aa | db.ns1.svc.cluster.local. 5 IN A 10.244.0.5 |  | ",
        );
        check(
            "db-0.db.ns1.svc.cluster.local.",
            RecordType::A,
            "NoError aa | db-0.db.ns1.svc.cluster.local. 5 IN A 10.244.0.5 |  | ",
        );
        check(
            "10-244-0-5.db.ns1.svc.cluster.local.",
            RecordType::A,
            "NoError aa | 10-244-0-5.db.ns1.svc.cluster.local. 5 IN A 10.244.0.5 |  | ",
        );
        check(
            "_pg._tcp.db.ns1.svc.cluster.local.",
            RecordType::SRV,
            "NoError aa | _pg._tcp.db.ns1.svc.cluster.local. 5 IN SRV 0 100 5432 db-0.db.ns1.svc.cluster.local. |  | db-0.db.ns1.svc.cluster.local. 5 IN A 10.244.0.5",
        );
        check(
            "5.0.244.10.in-addr.arpa.",
            RecordType::PTR,
            "NoError aa | 5.0.244.10.in-addr.arpa. 5 IN PTR db-0.db.ns1.svc.cluster.local. |  | ",
        );
    }

    #[test]
    fn pods_and_misses() {
        check(
            "10-244-0-9.anyns.pod.cluster.local.",
            RecordType::A,
            "NoError aa | 10-244-0-9.anyns.pod.cluster.local. 5 IN A 10.244.0.9 |  | ",
        );
        check(
            "10-244-0-9.anyns.pod.cluster.local.",
            RecordType::AAAA,
            &format!("NoError aa |  | {SOA} | "),
        );
        check(
            "10-244-0-999.anyns.pod.cluster.local.",
            RecordType::A,
            &format!("NXDomain aa |  | {SOA} | "),
        );
        check(
            "myservice.default.svc.cluster.local.",
            RecordType::A,
            &format!("NXDomain aa |  | {SOA} | "),
        );
        // Empty non-terminals exist.
        check(
            "default.svc.cluster.local.",
            RecordType::A,
            &format!("NoError aa |  | {SOA} | "),
        );
        check(
            "cluster.local.",
            RecordType::SOA,
            &format!("NoError aa | {SOA} |  | "),
        );
        check(
            "dns-version.cluster.local.",
            RecordType::TXT,
            "NoError aa | dns-version.cluster.local. 5 IN TXT 1.1.0 |  | ",
        );
        // Other names and unknown reverse names go upstream.
        check("example.com.", RecordType::A, "forward");
        check("9.9.9.9.in-addr.arpa.", RecordType::PTR, "forward");
        check("xcluster.local.", RecordType::A, "forward");
    }

    #[test]
    fn external_names() {
        check(
            "ext.ns1.svc.cluster.local.",
            RecordType::A,
            "chase foo.example.com. after ext.ns1.svc.cluster.local. 5 IN CNAME foo.example.com.",
        );
        check(
            "ext.ns1.svc.cluster.local.",
            RecordType::CNAME,
            "NoError aa | ext.ns1.svc.cluster.local. 5 IN CNAME foo.example.com. |  | ",
        );
        check(
            "alias.ns1.svc.cluster.local.",
            RecordType::A,
            "NoError aa | alias.ns1.svc.cluster.local. 5 IN CNAME web.default.svc.cluster.local.; web.default.svc.cluster.local. 5 IN A 10.96.0.20 |  | ",
        );
    }

    #[test]
    fn malformed_and_odd_requests() {
        let (snap, zone) = fixture();
        let mut two = query("web.default.svc.cluster.local.", RecordType::A);
        two.add_query(Query::query(
            Name::from_str("db.ns1.svc.cluster.local.").expect("name"),
            RecordType::A,
        ));
        assert!(show(handle(&snap, &zone, two, &mut Vec::new())).starts_with("FormErr"));
        let mut resp = query("web.default.svc.cluster.local.", RecordType::A);
        resp.metadata.message_type = hickory_proto::op::MessageType::Response;
        assert_eq!(show(handle(&snap, &zone, resp, &mut Vec::new())), "drop");
        assert_eq!(
            format_error(&[0xab, 0xcd, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]),
            Some(vec![0xab, 0xcd, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0])
        );
        assert_eq!(format_error(&[0xab, 0xcd, 0x81]), None);
    }

    #[test]
    fn truncation_sets_tc() {
        let (snap, zone) = fixture();
        let Outcome::Reply(mut msg) = handle(
            &snap,
            &zone,
            query("web.default.svc.cluster.local.", RecordType::A),
            &mut Vec::new(),
        ) else {
            panic!("reply");
        };
        for i in 0..100u8 {
            msg.answers.push(Record::from_rdata(
                msg.answers[0].name.clone(),
                TTL,
                RData::A(A(std::net::Ipv4Addr::new(10, 0, 0, i))),
            ));
        }
        let mut out = Vec::new();
        encode(&msg, 512, &mut out).expect("encode");
        assert!(out.len() <= 512);
        let back = Message::from_vec(&out).expect("decode");
        assert!(back.metadata.truncation);
    }
}
