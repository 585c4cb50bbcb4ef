//! Streaming a watch as newline-delimited JSON `{"type":..., "object":...}` events (kubectl
//! accepts chunked HTTP/1.1 and HTTP/2), with Tables for `kubectl get -w` and periodic bookmarks.

use super::resource::wants_table;
use super::table::{to_table, IncludeObject};
use super::AppState;
use crate::registry::{now_secs, WatchEvent, WatchStream};
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use peapod_api::resources::ResourceInfo;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

/// Without `timeoutSeconds`, watches end after 30-60 minutes as in Kubernetes
/// (min-request-timeout 1800 s, randomised), and clients reconnect.
fn default_timeout() -> Duration {
    Duration::from_secs(1800 + (rand::random::<u64>() % 1800))
}

pub fn stream_response(
    state: &AppState,
    r: &'static ResourceInfo,
    mut events: WatchStream,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
) -> Response {
    let table = wants_table(headers);
    let include = IncludeObject::parse(q.get("includeObject").map(String::as_str));
    let bookmarks = q.get("allowWatchBookmarks").is_some_and(|v| v == "true");
    let initial_events = q.get("sendInitialEvents").is_some_and(|v| v == "true");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or_else(default_timeout);
    let interval = state.bookmark_interval;
    let registry = state.registry.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::spawn(async move {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut tick = tokio::time::interval(interval);
        tick.tick().await;
        loop {
            let ev = tokio::select! {
                _ = &mut deadline => return,
                _ = tx.closed() => return,
                _ = tick.tick(), if bookmarks => (WatchEvent::Bookmark(registry.current_revision().to_string()), true),
                ev = events.recv() => match ev { Some(ev) => (ev, false), None => return },
            };
            let (ev, periodic) = ev;
            let (kind, object, last) = match ev {
                WatchEvent::Added(o) => ("ADDED", o, false),
                WatchEvent::Modified(o) => ("MODIFIED", o, false),
                WatchEvent::Deleted(o) => ("DELETED", o, false),
                WatchEvent::Bookmark(rv) => {
                    // The registry's own bookmark ends the initial events of a watch that asked
                    // for them (sendInitialEvents, kubectl 1.34+ WatchList); it says so.
                    let initial_end = !periodic && initial_events;
                    if !bookmarks && !initial_end {
                        continue;
                    }
                    let mut o = json!({"kind": r.kind, "apiVersion": r.api_version(), "metadata": {"resourceVersion": rv}});
                    if initial_end {
                        o["metadata"]["annotations"] = json!({"k8s.io/initial-events-end": "true"});
                    }
                    ("BOOKMARK", o, false)
                }
                WatchEvent::Error(e) => ("ERROR", e.to_status(), true),
            };
            let object = if table && kind != "ERROR" && kind != "BOOKMARK" {
                let rv = peapod_api::meta::resource_version(&object)
                    .unwrap_or_default()
                    .to_string();
                to_table(
                    r,
                    std::slice::from_ref(&object),
                    include,
                    &rv,
                    None,
                    now_secs(),
                )
            } else {
                object
            };
            let mut line =
                serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
            line.push(b'\n');
            if tx.send(Ok(Bytes::from(line))).await.is_err() || last {
                return;
            }
        }
    });
    let body = Body::from_stream(tokio_stream_from(rx));
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("cache-control", "no-cache, private")
        .body(body)
        .unwrap_or_default()
}

/// Adapts an mpsc receiver to a Stream without pulling in tokio-stream.
fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
