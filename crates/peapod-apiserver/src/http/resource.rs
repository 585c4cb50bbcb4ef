//! Resource requests: verbs mapped onto the registry, bodies decoded, results encoded as JSON
//! or as a Table when kubectl asks for one.

use super::request::RequestInfo;
use super::response::{error_response, json_response};
use super::table::{to_table, IncludeObject};
use super::{watch, AppState};
use crate::registry::{
    now_secs, DeleteOptions, FieldValidation, ListOptions, PatchType, Subresource, WatchOptions,
    WriteOptions, WriteResult,
};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use peapod_api::error::ApiError;
use peapod_api::selector::{supported_fields, FieldSelector, LabelSelector};
use serde_json::{json, Value};
use std::collections::HashMap;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// kubectl asks for `application/json;as=Table;v=v1;g=meta.k8s.io` when it wants printed columns.
pub fn wants_table(headers: &HeaderMap) -> bool {
    header(headers, "accept")
        .split(',')
        .any(|part| part.contains("as=Table") && part.contains("g=meta.k8s.io"))
}

/// Decodes a request body as JSON or YAML, by Content-Type, naming the error's position.
fn decode_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let ct = header(headers, "content-type");
    if body.is_empty() {
        return Err(ApiError::BadRequest(
            "the request body is empty: expected an object".into(),
        ));
    }
    if ct.contains("vnd.kubernetes.protobuf") {
        // kubectl's typed clients (`kubectl create configmap|deployment|...`) send protobuf.
        peapod_api::protobuf::decode_object(body)
            .map_err(|e| ApiError::BadRequest(format!("error decoding protobuf request body: {e}")))
    } else if ct.contains("yaml") {
        let text = std::str::from_utf8(body)
            .map_err(|e| ApiError::BadRequest(format!("the request body is not UTF-8: {e}")))?;
        serde_saphyr::from_str::<Value>(text)
            .map_err(|e| ApiError::BadRequest(format!("error converting YAML to JSON: {e}")))
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("error decoding request body as JSON: {e}")))
    }
}

fn list_options(q: &HashMap<String, String>, plural: &str) -> Result<ListOptions, ApiError> {
    let label_selector = LabelSelector::parse(
        q.get("labelSelector")
            .map(String::as_str)
            .unwrap_or_default(),
    )
    .map_err(|e| ApiError::BadRequest(format!("unable to parse requirement: {e}")))?;
    let field_selector = FieldSelector::parse(
        q.get("fieldSelector")
            .map(String::as_str)
            .unwrap_or_default(),
        supported_fields(plural),
    )
    .map_err(ApiError::BadRequest)?;
    let limit = match q.get("limit").filter(|s| !s.is_empty()) {
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| ApiError::BadRequest(format!("limit: invalid value {l:?}")))?,
        None => 0,
    };
    let continue_token = q.get("continue").filter(|s| !s.is_empty()).cloned();
    Ok(ListOptions {
        label_selector,
        field_selector,
        limit,
        continue_token,
    })
}

fn write_options(q: &HashMap<String, String>) -> Result<WriteOptions, ApiError> {
    let dry_run = match q.get("dryRun").map(String::as_str) {
        None | Some("") => false,
        Some("All") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "dryRun: unsupported value {other:?}, supported: \"All\""
            )))
        }
    };
    Ok(WriteOptions {
        dry_run,
        field_validation: FieldValidation::parse(q.get("fieldValidation").map(String::as_str))?,
    })
}

fn delete_options(
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<DeleteOptions, ApiError> {
    let mut o = DeleteOptions::default();
    if !body.is_empty() {
        let b = decode_body(headers, body)?;
        o.grace_period_seconds = b.get("gracePeriodSeconds").and_then(Value::as_i64);
        o.dry_run = b
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v == "All"));
        o.precondition_rv = b
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(String::from);
        o.precondition_uid = b
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(String::from);
    }
    if let Some(g) = q.get("gracePeriodSeconds") {
        o.grace_period_seconds = Some(g.parse().map_err(|_| {
            ApiError::BadRequest(format!("gracePeriodSeconds: invalid value {g:?}"))
        })?);
    }
    if q.get("dryRun").is_some_and(|v| v == "All") {
        o.dry_run = true;
    }
    Ok(o)
}

fn patch_type(headers: &HeaderMap) -> Result<PatchType, ApiError> {
    let ct = header(headers, "content-type");
    let base = ct.split(';').next().unwrap_or_default().trim();
    match base {
        "application/json-patch+json" => Ok(PatchType::Json),
        "application/merge-patch+json" => Ok(PatchType::Merge),
        "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {other:?})"
        ))),
    }
}

/// Renders one object, as a one-row Table when asked.
fn object_response(
    info: &RequestInfo,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    code: StatusCode,
    obj: &Value,
    warnings: &[String],
) -> Response {
    if wants_table(headers) {
        let rv = peapod_api::meta::resource_version(obj)
            .unwrap_or_default()
            .to_string();
        let t = to_table(
            info.resource,
            std::slice::from_ref(obj),
            IncludeObject::parse(q.get("includeObject").map(String::as_str)),
            &rv,
            None,
            now_secs(),
        );
        return json_response(code, &t, warnings);
    }
    json_response(code, obj, warnings)
}

fn write_response(
    info: &RequestInfo,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    res: Result<WriteResult, ApiError>,
) -> Response {
    match res {
        Ok(r) => {
            let code = if r.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            object_response(info, headers, q, code, &r.object, &r.warnings)
        }
        Err(e) => error_response(&e),
    }
}

pub async fn handle(
    state: &AppState,
    method: Method,
    info: RequestInfo,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    body: Bytes,
) -> Response {
    match serve(state, method, &info, headers, q, body).await {
        Ok(resp) => resp,
        Err(e) => error_response(&e),
    }
}

async fn serve(
    state: &AppState,
    method: Method,
    info: &RequestInfo,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let reg = &state.registry;
    let r = info.resource;
    let ns = info.namespace.as_deref();
    let sub = match info.subresource.as_deref() {
        None => Subresource::Main,
        Some("status") if r.has_status => Subresource::Status,
        Some("ephemeralcontainers") if r.plural == "pods" => Subresource::EphemeralContainers,
        Some("log") if r.plural == "pods" && method == Method::GET => {
            let name = info.name.as_deref().unwrap_or_default();
            let pod = reg.get(r, ns, name).await?;
            let opts = crate::logs::LogOptions::from_query(q)?;
            let container =
                crate::logs::check_request(&pod, q.get("container").map(String::as_str), &opts)?;
            let Some(source) = &state.logs else {
                return Err(ApiError::Unavailable(format!(
                    "no node agent serves logs for pod {name}"
                )));
            };
            let mut rx = source.stream(&pod, &container, &opts).await?;
            let stream = futures::stream::poll_fn(move |cx| {
                rx.poll_recv(cx).map(|o| o.map(Ok::<_, std::io::Error>))
            });
            return Ok(axum::response::Response::builder()
                .status(200)
                .header("content-type", "text/plain")
                .body(axum::body::Body::from_stream(stream))
                .unwrap_or_default());
        }
        Some("scale") if matches!(r.plural, "deployments" | "replicasets") => {
            let name = info.name.as_deref().unwrap_or_default();
            return scale(state, info, name, method, headers, q, body).await;
        }
        Some("binding") if r.plural == "pods" && method == Method::POST => {
            let name = info.name.as_deref().unwrap_or_default();
            let binding = decode_body(headers, &body)?;
            reg.bind_pod(r, ns, name, &binding).await?;
            let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201});
            return Ok(json_response(StatusCode::CREATED, &status, &[]));
        }
        Some(other) => {
            return Err(ApiError::NotFound {
                group: r.group.into(),
                resource: format!("{}/{other}", r.plural),
                name: info.name.clone().unwrap_or_default(),
            })
        }
    };
    let is_watch = info.watch_path || q.get("watch").is_some_and(|w| w == "true" || w == "1");
    match (method.clone(), info.name.as_deref()) {
        (Method::GET, None) if is_watch => {
            let lo = list_options(q, r.plural)?;
            let opts = WatchOptions {
                label_selector: lo.label_selector,
                field_selector: lo.field_selector,
                resource_version: q.get("resourceVersion").cloned(),
                send_initial_events: q.get("sendInitialEvents").is_some_and(|v| v == "true"),
            };
            let stream = reg.watch(r, ns, opts).await?;
            Ok(watch::stream_response(state, r, stream, headers, q))
        }
        (Method::GET, Some(name)) if is_watch => {
            // A watch of one object is a watch with a name field selector.
            let lo = list_options(q, r.plural)?;
            let fs =
                FieldSelector::parse(&format!("metadata.name={name}"), supported_fields(r.plural))
                    .map_err(ApiError::BadRequest)?;
            let opts = WatchOptions {
                label_selector: lo.label_selector,
                field_selector: fs,
                resource_version: q.get("resourceVersion").cloned(),
                send_initial_events: false,
            };
            let stream = reg.watch(r, ns, opts).await?;
            Ok(watch::stream_response(state, r, stream, headers, q))
        }
        (Method::GET, None) => {
            let lo = list_options(q, r.plural)?;
            let res = reg.list(r, ns, &lo).await?;
            if wants_table(headers) {
                let t = to_table(
                    r,
                    &res.items,
                    IncludeObject::parse(q.get("includeObject").map(String::as_str)),
                    &res.resource_version,
                    res.continue_token.as_deref(),
                    now_secs(),
                );
                return Ok(json_response(StatusCode::OK, &t, &[]));
            }
            let mut md = json!({"resourceVersion": res.resource_version});
            if let Some(c) = res.continue_token {
                md["continue"] = json!(c);
            }
            let list = json!({"kind": r.list_kind(), "apiVersion": r.api_version(), "metadata": md, "items": res.items});
            Ok(json_response(StatusCode::OK, &list, &[]))
        }
        (Method::GET, Some(name)) => {
            let obj = reg.get(r, ns, name).await?;
            Ok(object_response(info, headers, q, StatusCode::OK, &obj, &[]))
        }
        (Method::POST, None) => {
            if r.namespaced && ns.is_none() {
                return Err(ApiError::MethodNotSupported {
                    resource: r.plural.into(),
                    verb: "create".into(),
                });
            }
            let obj = decode_body(headers, &body)?;
            let res = reg.create(r, ns, obj, &write_options(q)?).await;
            Ok(write_response(info, headers, q, res))
        }
        (Method::PUT, Some(name)) => {
            let obj = decode_body(headers, &body)?;
            let res = reg.update(r, ns, name, obj, sub, &write_options(q)?).await;
            Ok(write_response(info, headers, q, res))
        }
        (Method::PATCH, Some(name)) => {
            let pt = patch_type(headers)?;
            let patch = decode_body(headers, &body)?;
            let res = reg
                .patch(r, ns, name, pt, &patch, sub, &write_options(q)?)
                .await;
            Ok(write_response(info, headers, q, res))
        }
        (Method::DELETE, Some(name)) if sub == Subresource::Main => {
            let opts = delete_options(q, headers, &body)?;
            let obj = reg.delete(r, ns, name, &opts).await?;
            Ok(json_response(StatusCode::OK, &obj, &[]))
        }
        (Method::DELETE, None) => {
            let lo = list_options(q, r.plural)?;
            let opts = delete_options(q, headers, &body)?;
            let items = reg.delete_collection(r, ns, &lo, &opts).await?;
            let list = json!({"kind": r.list_kind(), "apiVersion": r.api_version(), "metadata": {}, "items": items});
            Ok(json_response(StatusCode::OK, &list, &[]))
        }
        (m, _) => Err(ApiError::MethodNotSupported {
            resource: r.plural.into(),
            verb: m.as_str().to_lowercase(),
        }),
    }
}

/// pods/exec: a WebSocket speaking the channel protocol, bridged to the node agent's process.
pub async fn exec(
    state: &AppState,
    info: RequestInfo,
    query: Vec<(String, String)>,
    ws: Option<axum::extract::WebSocketUpgrade>,
) -> Response {
    match exec_inner(state, info, query, ws).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

async fn exec_inner(
    state: &AppState,
    info: RequestInfo,
    query: Vec<(String, String)>,
    ws: Option<axum::extract::WebSocketUpgrade>,
) -> Result<Response, ApiError> {
    let name = info.name.clone().unwrap_or_default();
    let pod = state
        .registry
        .get(info.resource, info.namespace.as_deref(), &name)
        .await?;
    let get = |k: &str| {
        query
            .iter()
            .find(|(qk, _)| qk == k)
            .map(|(_, v)| v.as_str())
    };
    let flag = |k: &str| get(k).is_some_and(|v| v == "true" || v == "1");
    let attach = info.subresource.as_deref() == Some("attach");
    let command: Vec<String> = query
        .iter()
        .filter(|(k, _)| k == "command")
        .map(|(_, v)| v.clone())
        .collect();
    if command.is_empty() && !attach {
        return Err(ApiError::BadRequest(
            "you must specify at least 1 command".into(),
        ));
    }
    let containers: Vec<String> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let container = match get("container").filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            return Err(ApiError::BadRequest(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            )))
        }
    };
    let running = crate::logs::container_status(&pod, &container)
        .is_some_and(|s| s.pointer("/state/running").is_some());
    if !running {
        return Err(ApiError::BadRequest(format!("container {container} is not valid for pod {name}: unable to upgrade connection: container not found (\"{container}\")")));
    }
    let Some(ws) = ws else {
        return Err(ApiError::BadRequest(format!(
            "{} needs a WebSocket upgrade (protocol v5.channel.k8s.io or v4.channel.k8s.io)",
            if attach { "attach" } else { "exec" }
        )));
    };
    let Some(source) = &state.exec else {
        return Err(ApiError::Unavailable(format!(
            "no node agent serves exec for pod {name}"
        )));
    };
    let req = crate::exec::ExecRequest {
        container,
        command: command.clone(),
        stdin: flag("stdin"),
        tty: flag("tty"),
        attach,
    };
    let session = source.exec(&pod, req).await?;
    Ok(ws
        .protocols(["v5.channel.k8s.io", "v4.channel.k8s.io"])
        .on_upgrade(move |socket| crate::exec::bridge(socket, session, command)))
}

/// The autoscaling/v1 Scale view of a Deployment or ReplicaSet.
fn scale_of(obj: &Value) -> Value {
    let md = obj.get("metadata").cloned().unwrap_or_default();
    let selector = obj
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": md.get("name"), "namespace": md.get("namespace"), "uid": md.get("uid"),
            "resourceVersion": md.get("resourceVersion"), "creationTimestamp": md.get("creationTimestamp"),
        },
        "spec": {"replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1))},
        "status": {"replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)), "selector": selector},
    })
}

/// deployments/scale and replicasets/scale: get, update and patch the replica count.
async fn scale(
    state: &AppState,
    info: &RequestInfo,
    name: &str,
    method: Method,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let reg = &state.registry;
    let (r, ns) = (info.resource, info.namespace.as_deref());
    let current = reg.get(r, ns, name).await?;
    let scale = scale_of(&current);
    let wanted = match method {
        Method::GET => return Ok(json_response(StatusCode::OK, &scale, &[])),
        Method::PUT => decode_body(headers, &body)?,
        Method::PATCH => {
            let patch = decode_body(headers, &body)?;
            match patch_type(headers)? {
                PatchType::Json => peapod_api::patch::json_patch(&scale, &patch)
                    .map_err(|e| ApiError::BadRequest(e.to_string()))?,
                PatchType::Merge => peapod_api::patch::merge_patch(&scale, &patch),
                PatchType::Strategic => {
                    peapod_api::patch::strategic_merge_patch(&scale, &patch, "Scale")
                        .map_err(|e| ApiError::BadRequest(e.to_string()))?
                }
            }
        }
        m => {
            return Err(ApiError::MethodNotSupported {
                resource: format!("{}/scale", r.plural),
                verb: m.as_str().to_lowercase(),
            })
        }
    };
    let replicas = wanted
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::Invalid {
            group: "autoscaling".into(),
            kind: "Scale".into(),
            name: name.into(),
            errors: vec![peapod_api::error::FieldError::required("spec.replicas", "")],
        })?;
    let patch = json!({"spec": {"replicas": replicas}});
    let updated = reg
        .patch(
            r,
            ns,
            name,
            PatchType::Merge,
            &patch,
            Subresource::Main,
            &write_options(q)?,
        )
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &scale_of(&updated.object),
        &[],
    ))
}
