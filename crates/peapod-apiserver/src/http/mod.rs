//! The HTTP face of the API: TLS accept loop, authentication, routing to discovery, OpenAPI and
//! the registry, content negotiation (JSON or Table) and watch streaming.

mod discovery;
mod openapi;
mod request;
mod resource;
mod response;
mod table;
mod watch;

use crate::registry::Registry;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use peapod_api::error::ApiError;
use response::{error_response, json_response};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch as shutdown_watch;
use tokio_rustls::TlsAcceptor;

/// What every request handler can reach.
pub struct AppState {
    pub registry: Arc<Registry>,
    pub admin_token: String,
    /// host:port advertised in discovery.
    pub server_address: String,
    /// Period of watch bookmarks.
    pub bookmark_interval: Duration,
    /// The node agent's container logs, once it runs.
    pub logs: Option<Arc<dyn crate::logs::LogSource>>,
    /// The node agent's exec, once it runs.
    pub exec: Option<Arc<dyn crate::exec::ExecSource>>,
}

/// Most connections served at once; more wait in the kernel's accept queue.
const MAX_CONNECTIONS: usize = 1024;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

/// Serves HTTPS on `listener` until `shutdown` flips to true.
pub async fn serve(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    state: Arc<AppState>,
    mut shutdown: shutdown_watch::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let app = router(state);
    let limit = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.changed() => break,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => { tracing::warn!(error = %e, "accept failed"); continue; }
            },
            _ = shutdown.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        let mut stop = shutdown.clone();
        conns.spawn(async move {
            let _permit = permit;
            let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                Ok(Ok(t)) => t,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => return,
            };
            let svc = TowerToHyperService::new(app);
            let builder = Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => { conn.as_mut().graceful_shutdown(); let _ = tokio::time::timeout(Duration::from_secs(2), conn).await; }
            }
        });
        // Reap finished connection tasks so the set stays small.
        while conns.try_join_next().is_some() {}
    }
    conns.shutdown().await;
}

fn authenticated(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(v) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(token) = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
    else {
        return false;
    };
    // Constant-time comparison: no early exit on the first differing byte.
    let (a, b) = (token.trim().as_bytes(), state.admin_token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn dispatch(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    ws: Result<
        axum::extract::WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
    body: Bytes,
) -> Response {
    let path = uri.path();
    // Health and version are public, as in Kubernetes (system:public-info-viewer).
    match path {
        "/healthz" | "/livez" | "/readyz" => return plain(StatusCode::OK, "ok"),
        "/version" | "/version/" => {
            return json_response(StatusCode::OK, &discovery::version(), &[])
        }
        _ => {}
    }
    if !authenticated(&state, &headers) {
        return error_response(&ApiError::Unauthorized);
    }
    if method == Method::GET {
        let doc = match path.trim_end_matches('/') {
            "/api" => Some(discovery::api_versions(&state.server_address)),
            "/apis" => Some(discovery::api_group_list()),
            p if p.starts_with("/openapi/") => return openapi::serve(p, &query),
            p => {
                let segs: Vec<&str> = p.trim_start_matches('/').split('/').collect();
                match segs.as_slice() {
                    ["api", v] => discovery::api_resource_list("", v),
                    ["apis", g] => discovery::api_group(g),
                    ["apis", g, v] => discovery::api_resource_list(g, v),
                    _ => None,
                }
            }
        };
        if let Some(doc) = doc {
            return json_response(StatusCode::OK, &doc, &[]);
        }
    }
    match request::parse(path) {
        Ok(info)
            if matches!(info.subresource.as_deref(), Some("exec" | "attach"))
                && info.resource.plural == "pods" =>
        {
            let all = Query::<Vec<(String, String)>>::try_from_uri(&uri)
                .map(|q| q.0)
                .unwrap_or_default();
            resource::exec(&state, info, all, ws.ok()).await
        }
        Ok(info) => resource::handle(&state, method, info, &headers, &query, body).await,
        Err(request::ParseError::NotFound(msg)) => error_response(&ApiError::NotFound {
            group: String::new(),
            resource: String::new(),
            name: msg,
        }),
        Err(request::ParseError::NotResource) => {
            let e = ApiError::NotFound {
                group: String::new(),
                resource: String::new(),
                name: path.to_string(),
            };
            let mut status = e.to_status();
            status["message"] =
                serde_json::json!("the server could not find the requested resource");
            json_response(StatusCode::NOT_FOUND, &status, &[])
        }
    }
}

fn plain(code: StatusCode, text: &'static str) -> Response {
    Response::builder()
        .status(code)
        .header("content-type", "text/plain; charset=utf-8")
        .body(axum::body::Body::from(text))
        .unwrap_or_default()
}
