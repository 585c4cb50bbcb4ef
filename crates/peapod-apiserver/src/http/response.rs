//! Response helpers: JSON bodies, Status errors and warning headers.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use peapod_api::error::ApiError;
use serde_json::Value;

/// A JSON response with `Warning: 299 - "..."` headers, as the API server sends them.
pub fn json_response(code: StatusCode, body: &Value, warnings: &[String]) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut b = Response::builder()
        .status(code)
        .header("content-type", "application/json");
    for w in warnings {
        let escaped = w.replace('\\', "\\\\").replace('"', "\\\"");
        b = b.header("warning", format!("299 - \"{escaped}\""));
    }
    b.body(Body::from(bytes)).unwrap_or_default()
}

pub fn error_response(e: &ApiError) -> Response {
    let code = StatusCode::from_u16(e.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(code, &e.to_status(), &[])
}
