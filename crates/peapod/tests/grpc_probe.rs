//! gRPC probes against a real gRPC health server (HTTP/2, the grpc.health.v1 protocol) run by
//! this test on the node's address; the pod uses hostNetwork so the kubelet-style probe dials
//! it at the pod IP. Needs root and the test images.

mod common;

use common::{wait_for, Cluster};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// What the server answers for the "" (whole server) and "db" services.
struct Health {
    server: AtomicU8,
    db: AtomicU8,
}

const SERVING: u8 = 1;
const NOT_SERVING: u8 = 2;
/// Not a status: the service is unknown (gRPC NOT_FOUND).
const UNKNOWN_SERVICE: u8 = 255;

fn serve(health: Arc<Health>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                let health = health.clone();
                tokio::spawn(async move {
                    let Ok(mut conn) = h2::server::handshake(sock).await else {
                        return;
                    };
                    while let Some(Ok((req, mut respond))) = conn.accept().await {
                        let mut body = req.into_body();
                        let mut data = Vec::new();
                        while let Some(Ok(chunk)) = body.data().await {
                            let _ = body.flow_control().release_capacity(chunk.len());
                            data.extend_from_slice(&chunk);
                        }
                        // HealthCheckRequest{service}: 0x0a len bytes after the 5-byte prefix.
                        let service = if data.len() > 7 && data[5] == 0x0a {
                            String::from_utf8_lossy(&data[7..]).into_owned()
                        } else {
                            String::new()
                        };
                        let status = if service == "db" {
                            health.db.load(Ordering::SeqCst)
                        } else {
                            health.server.load(Ordering::SeqCst)
                        };
                        let head = http::Response::builder()
                            .status(200)
                            .header("content-type", "application/grpc")
                            .body(())
                            .unwrap();
                        let Ok(mut send) = respond.send_response(head, false) else {
                            continue;
                        };
                        let mut trailers = http::HeaderMap::new();
                        if status == UNKNOWN_SERVICE {
                            trailers.insert("grpc-status", "5".parse().unwrap());
                            trailers.insert("grpc-message", "unknown%20service".parse().unwrap());
                        } else {
                            let msg = bytes::Bytes::from(vec![0, 0, 0, 0, 2, 0x08, status]);
                            let _ = send.send_data(msg, false);
                            trailers.insert("grpc-status", "0".parse().unwrap());
                        }
                        let _ = send.send_trailers(trailers);
                    }
                });
            }
        });
    });
    port
}

#[test]
fn grpc_liveness_and_readiness() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let health = Arc::new(Health {
        server: AtomicU8::new(SERVING),
        db: AtomicU8::new(UNKNOWN_SERVICE),
    });
    let port = serve(health.clone());
    let pod = format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: grpc}}
spec:
  hostNetwork: true
  # sleep as PID 1 ignores SIGTERM: the restart waits out the grace period.
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sleep, "3600"]
    livenessProbe: {{grpc: {{port: {port}}}, periodSeconds: 1, failureThreshold: 2}}
    readinessProbe: {{grpc: {{port: {port}, service: db}}, periodSeconds: 1}}
"#
    );
    c.ok_stdin(&["apply", "-f", "-"], &pod);
    // The db service is unknown: running but not ready, with the kubelet's message.
    wait_for(30, "readiness failure event", || {
        let d = c.ok(&["describe", "pod", "grpc"]);
        d.contains("Readiness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = unknown service")
            .then_some(())
    });
    let ready = c.ok(&[
        "get",
        "pod",
        "grpc",
        "-o",
        "jsonpath={.status.containerStatuses[0].ready}",
    ]);
    assert_eq!(ready, "false");
    health.db.store(SERVING, Ordering::SeqCst);
    wait_for(20, "ready", || {
        (c.ok(&[
            "get",
            "pod",
            "grpc",
            "-o",
            "jsonpath={.status.containerStatuses[0].ready}",
        ]) == "true")
            .then_some(())
    });
    // The server stops serving: liveness fails twice and the container restarts.
    health.server.store(NOT_SERVING, Ordering::SeqCst);
    wait_for(30, "a restart", || {
        (c.ok(&[
            "get",
            "pod",
            "grpc",
            "-o",
            "jsonpath={.status.containerStatuses[0].restartCount}",
        ]) == "1")
            .then_some(())
    });
    health.server.store(SERVING, Ordering::SeqCst);
    let d = c.ok(&["describe", "pod", "grpc"]);
    assert!(
        d.contains("Liveness probe failed: service unhealthy (responded with \"NOT_SERVING\")"),
        "{d}"
    );
    assert!(
        d.contains(&format!("Liveness:       grpc <pod>:{port}")),
        "{d}"
    );
}
