//! gRPC probes as the kubelet runs them: the gRPC Health Checking Protocol
//! (`/grpc.health.v1.Health/Check`) over plaintext HTTP/2 to the pod's IP, with the kubelet's
//! own result strings (pkg/probe/grpc). Success is status SERVING; anything else fails with the
//! message the kubelet would put into the Unhealthy event.

use crate::backoff::go_duration;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// gRPC status code names, as grpc-go prints them.
const CODES: [&str; 17] = [
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
];

const UNIMPLEMENTED: u32 = 12;

/// A unary call that ended with status OK and no message: grpc-go returns io.EOF itself.
const EOF: &str = "EOF";
const BAD_MESSAGE: &str =
    "grpc: failed to unmarshal the received message: proto: cannot parse invalid wire-format data";

/// HealthCheckResponse.ServingStatus names.
fn serving_status(n: u64) -> String {
    match n {
        0 => "UNKNOWN".into(),
        1 => "SERVING".into(),
        2 => "NOT_SERVING".into(),
        3 => "SERVICE_UNKNOWN".into(),
        n => n.to_string(),
    }
}

/// The request message: a gRPC frame (uncompressed, length-prefixed) holding
/// HealthCheckRequest{service = 1}.
pub fn request_frame(service: &str) -> Bytes {
    let mut msg = BytesMut::new();
    if !service.is_empty() {
        msg.put_u8(0x0a);
        put_varint(&mut msg, service.len() as u64);
        msg.put_slice(service.as_bytes());
    }
    let mut frame = BytesMut::with_capacity(5 + msg.len());
    frame.put_u8(0);
    frame.put_u32(msg.len() as u32);
    frame.put_slice(&msg);
    frame.freeze()
}

fn put_varint(b: &mut BytesMut, mut v: u64) {
    while v >= 0x80 {
        b.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    b.put_u8(v as u8);
}

fn get_varint(b: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.first()?;
        b.advance(1);
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// HealthCheckResponse.status from the response body (one gRPC frame); proto3 leaves a zero
/// status (UNKNOWN) out, so an empty message is UNKNOWN.
pub fn response_status(body: &[u8]) -> Result<u64, String> {
    if body.is_empty() {
        return Err(EOF.into());
    }
    if body.len() < 5 {
        return Err("unexpected EOF".into());
    }
    if body[0] != 0 {
        return Err("grpc: compressed flag set with identity or empty encoding".into());
    }
    let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
    let mut msg = body.get(5..5 + len).ok_or("unexpected EOF")?;
    let mut status = 0;
    while !msg.is_empty() {
        let key = get_varint(&mut msg).ok_or(BAD_MESSAGE)?;
        match (key >> 3, key & 7) {
            (1, 0) => status = get_varint(&mut msg).ok_or(BAD_MESSAGE)?,
            (_, 0) => {
                get_varint(&mut msg).ok_or(BAD_MESSAGE)?;
            }
            (_, 2) => {
                let n = get_varint(&mut msg).ok_or(BAD_MESSAGE)? as usize;
                if msg.len() < n {
                    return Err(BAD_MESSAGE.into());
                }
                msg.advance(n);
            }
            (_, 1) if msg.len() >= 8 => msg.advance(8),
            (_, 5) if msg.len() >= 4 => msg.advance(4),
            _ => return Err(BAD_MESSAGE.into()),
        }
    }
    Ok(status)
}

/// A gRPC error status as grpc-go formats it.
fn rpc_error(code: u32, message: &str) -> String {
    let name = CODES
        .get(code as usize)
        .map_or_else(|| format!("Code({code})"), |s| s.to_string());
    format!("rpc error: code = {name} desc = {message}")
}

enum CallError {
    Status(u32, String),
    Timeout,
    /// OK without a response message.
    Eof,
}

/// Connects from inside the pod's network namespace and waits for the server's HTTP/2
/// answer (a PING round trip). Like grpc-go's blocking dial, retries until the deadline, so a
/// refused connection or a listener that does not speak HTTP/2 is a connect timeout, as in
/// the kubelet.
async fn connect(
    netns: PathBuf,
    addr: SocketAddr,
    deadline: Instant,
) -> Option<h2::client::SendRequest<Bytes>> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        let ns = netns.clone();
        let attempt = crate::probe::in_netns(ns, move || {
            std::net::TcpStream::connect_timeout(&addr, left)
        })
        .await;
        if let Ok(Ok(stream)) = attempt {
            if let Ok(Ok(Some(client))) = tokio::time::timeout(left, handshake(stream)).await {
                return Some(client);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::time::sleep(Duration::from_millis(100).min(left)).await;
    }
}

/// HTTP/2 over the connection, ready once the server has answered a PING.
async fn handshake(
    stream: std::net::TcpStream,
) -> std::io::Result<Option<h2::client::SendRequest<Bytes>>> {
    stream.set_nonblocking(true)?;
    let tcp = tokio::net::TcpStream::from_std(stream)?;
    let _ = tcp.set_nodelay(true);
    let Ok((client, mut conn)) = h2::client::handshake(tcp).await else {
        return Ok(None);
    };
    let Some(mut ping) = conn.ping_pong() else {
        return Ok(None);
    };
    tokio::spawn(async move {
        let _ = conn.await;
    });
    if ping.ping(h2::Ping::opaque()).await.is_err() {
        return Ok(None);
    }
    Ok(client.ready().await.ok())
}

/// The status grpc-go gives a response whose headers are not gRPC's: a non-200 HTTP status
/// (mapped to a gRPC code as HTTPStatusConvTab does) or another content type.
fn header_error(status: u16, content_type: Option<&str>) -> Option<(u32, String)> {
    let grpc = content_type.is_some_and(|ct| {
        ct == "application/grpc"
            || ct.starts_with("application/grpc+")
            || ct.starts_with("application/grpc;")
    });
    if status == 200 && grpc {
        return None;
    }
    let mut errs = Vec::new();
    if status != 200 {
        let text = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        errs.push(format!(
            "unexpected HTTP status code received from server: {status} ({text})"
        ));
    }
    match content_type {
        _ if grpc => {}
        Some(ct) => errs.push(format!(
            "transport: received unexpected content-type {ct:?}"
        )),
        None => errs.push("malformed header: missing HTTP content-type".into()),
    }
    let code = match status {
        400 => 13,
        401 => 16,
        403 => 7,
        404 => UNIMPLEMENTED,
        429 | 502 | 503 | 504 => 14,
        _ => 2,
    };
    Some((code, errs.join("; ")))
}

async fn call(
    mut client: h2::client::SendRequest<Bytes>,
    addr: SocketAddr,
    service: &str,
) -> Result<u64, CallError> {
    let transport = |e: String| CallError::Status(14, e);
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/grpc.health.v1.Health/Check"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("user-agent", "kube-probe/1.33")
        .body(())
        .map_err(|e| CallError::Status(13, e.to_string()))?;
    let (resp, mut send) = client
        .send_request(req, false)
        .map_err(|e| transport(e.to_string()))?;
    send.send_data(request_frame(service), true)
        .map_err(|e| transport(e.to_string()))?;
    let resp = resp.await.map_err(|e| transport(e.to_string()))?;
    let (parts, mut body) = resp.into_parts();
    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    if let Some((code, msg)) = header_error(parts.status.as_u16(), content_type) {
        return Err(CallError::Status(code, msg));
    }
    // Trailers-only: the status is in the headers.
    if let Some(code) = grpc_status(&parts.headers) {
        if code.0 != 0 {
            return Err(CallError::Status(code.0, code.1));
        }
    }
    let mut data = BytesMut::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| transport(e.to_string()))?;
        let _ = body.flow_control().release_capacity(chunk.len());
        data.extend_from_slice(&chunk);
    }
    let trailers = body
        .trailers()
        .await
        .map_err(|e| transport(e.to_string()))?;
    let ok_message = || {
        response_status(&data).map_err(|e| match e.as_str() {
            EOF => CallError::Eof,
            _ => CallError::Status(13, e),
        })
    };
    match (
        trailers.as_ref().map(grpc_status),
        grpc_status(&parts.headers),
    ) {
        (Some(Some((0, _))), _) | (None, Some((0, _))) => ok_message(),
        (Some(Some((code, msg))), _) => Err(CallError::Status(code, msg)),
        // Trailers without a grpc-status: grpc-go's default status.
        (Some(None), _) => Err(CallError::Status(2, String::new())),
        (None, _) => Err(CallError::Status(
            13,
            "server closed the stream without sending trailers".into(),
        )),
    }
}

fn grpc_status(h: &http::HeaderMap) -> Option<(u32, String)> {
    let code = h.get("grpc-status")?.to_str().ok()?.trim().parse().ok()?;
    let msg = h
        .get("grpc-message")
        .and_then(|m| m.to_str().ok())
        .map(percent_decode)
        .unwrap_or_default();
    Some((code, msg))
}

/// grpc-message is percent-encoded.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One gRPC health check of `service` at `addr` (the pod IP), from the pod's network
/// namespace; Err carries the kubelet's probe output.
pub async fn check(
    netns: PathBuf,
    addr: SocketAddr,
    service: &str,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let Some(client) = connect(netns, addr, deadline).await else {
        return Err(format!(
            "timeout: failed to connect service {:?} within {}: context deadline exceeded",
            addr.to_string(),
            go_duration(timeout)
        ));
    };
    let left = deadline.saturating_duration_since(Instant::now());
    let result = match tokio::time::timeout(left, call(client, addr, service)).await {
        Ok(r) => r,
        Err(_) => Err(CallError::Timeout),
    };
    match result {
        Ok(1) => Ok(()),
        Ok(other) => Err(format!(
            "service unhealthy (responded with {:?})",
            serving_status(other)
        )),
        Err(CallError::Timeout) | Err(CallError::Status(4, _)) => Err(format!(
            "timeout: health rpc did not complete within {}",
            go_duration(timeout)
        )),
        Err(CallError::Status(UNIMPLEMENTED, m)) => Err(format!(
            "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): {m}"
        )),
        Err(CallError::Status(code, m)) => Err(format!(
            "error: health rpc probe failed: {}",
            rpc_error(code, &m)
        )),
        Err(CallError::Eof) => Err(format!("error: health rpc probe failed: {EOF}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_requests_and_decodes_responses() {
        assert_eq!(&request_frame("")[..], &[0, 0, 0, 0, 0]);
        assert_eq!(
            &request_frame("db")[..],
            &[0, 0, 0, 0, 4, 0x0a, 2, b'd', b'b']
        );
        assert_eq!(response_status(&[0, 0, 0, 0, 2, 0x08, 1]), Ok(1));
        assert_eq!(response_status(&[0, 0, 0, 0, 0]), Ok(0));
        assert_eq!(response_status(&[0, 0, 0, 0, 2, 0x08, 2]), Ok(2));
        assert!(response_status(&[0, 0, 0]).is_err());
        assert_eq!(serving_status(2), "NOT_SERVING");
        assert_eq!(
            rpc_error(5, "unknown service"),
            "rpc error: code = NotFound desc = unknown service"
        );
        assert_eq!(percent_decode("a%20b%"), "a b%");
    }

    #[test]
    fn non_grpc_responses_get_grpc_go_statuses() {
        assert_eq!(header_error(200, Some("application/grpc")), None);
        assert_eq!(header_error(200, Some("application/grpc+proto")), None);
        assert_eq!(
            header_error(404, Some("text/plain")),
            Some((
                12,
                "unexpected HTTP status code received from server: 404 (Not Found); transport: received unexpected content-type \"text/plain\"".into()
            ))
        );
        assert_eq!(
            header_error(503, Some("application/grpc")),
            Some((
                14,
                "unexpected HTTP status code received from server: 503 (Service Unavailable)"
                    .into()
            ))
        );
        assert_eq!(
            header_error(200, None),
            Some((2, "malformed header: missing HTTP content-type".into()))
        );
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
    }
}
