//! OpenAPI for kubectl. v3 (JSON) is what kubectl 1.27+ reads: the root lists one document per
//! group/version; each has the resource paths (with the `fieldValidation` parameter, so kubectl
//! leaves unknown-field checks to the server) and the component schemas, generated from the
//! k8s-openapi types, that `kubectl explain` walks. PATCH bodies do not advertise strategic merge,
//! so `kubectl apply` computes its patch from its own compiled-in types, as it does for any
//! schema it cannot use. v2 is served as the empty protobuf document: kubectl then skips its
//! client-side schema checks instead of failing to download.

use super::response::{error_response, json_response};
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use k8s_openapi::api::{apps, batch, coordination, core, discovery, events};
use k8s_openapi::schemars::{generate::SchemaSettings, JsonSchema, SchemaGenerator};
use peapod_api::error::ApiError;
use peapod_api::resources::{in_group_version, ResourceInfo, GROUP_VERSIONS};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Changes whenever the documents can change: with the binary.
const HASH: &str = concat!("peapod-", env!("CARGO_PKG_VERSION"));

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

pub fn serve(path: &str, _q: &HashMap<String, String>) -> Response {
    match path.trim_end_matches('/') {
        "/openapi/v2" => Response::builder()
            .status(StatusCode::OK)
            .header(
                "content-type",
                "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
            )
            .body(Body::empty())
            .unwrap_or_default(),
        "/openapi/v3" => {
            let paths: Map<String, Value> = GROUP_VERSIONS
                .iter()
                .map(|(g, v)| {
                    let p = gv_path(g, v);
                    (
                        p.clone(),
                        json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={HASH}")}),
                    )
                })
                .collect();
            json_response(StatusCode::OK, &json!({"paths": paths}), &[])
        }
        p => {
            let gv = p.trim_start_matches("/openapi/v3/");
            match documents().get(gv) {
                Some(bytes) => Response::builder()
                    .status(StatusCode::OK)
                    .header("content-type", "application/json")
                    .body(Body::from(bytes.clone()))
                    .unwrap_or_default(),
                None => error_response(&ApiError::NotFound {
                    group: String::new(),
                    resource: String::new(),
                    name: p.to_string(),
                }),
            }
        }
    }
}

/// The serialized group/version documents, built on first use.
fn documents() -> &'static HashMap<String, bytes::Bytes> {
    static DOCS: OnceLock<HashMap<String, bytes::Bytes>> = OnceLock::new();
    DOCS.get_or_init(|| {
        GROUP_VERSIONS
            .iter()
            .map(|(g, v)| {
                let doc = group_version_document(g, v);
                (
                    gv_path(g, v),
                    bytes::Bytes::from(serde_json::to_vec(&doc).unwrap_or_default()),
                )
            })
            .collect()
    })
}

/// Registers a resource type's schema and returns its component name.
fn schema_of(r: &ResourceInfo, gen: &mut SchemaGenerator) -> Option<String> {
    fn add<T: JsonSchema>(gen: &mut SchemaGenerator) -> Option<String> {
        gen.subschema_for::<T>();
        Some(T::schema_name().into_owned())
    }
    match (r.group, r.kind) {
        ("", "Pod") => add::<core::v1::Pod>(gen),
        ("", "Service") => add::<core::v1::Service>(gen),
        ("", "Endpoints") => add::<core::v1::Endpoints>(gen),
        ("", "Event") => add::<core::v1::Event>(gen),
        ("", "Namespace") => add::<core::v1::Namespace>(gen),
        ("", "Node") => add::<core::v1::Node>(gen),
        ("", "ConfigMap") => add::<core::v1::ConfigMap>(gen),
        ("", "Secret") => add::<core::v1::Secret>(gen),
        ("", "ServiceAccount") => add::<core::v1::ServiceAccount>(gen),
        ("apps", "Deployment") => add::<apps::v1::Deployment>(gen),
        ("apps", "ReplicaSet") => add::<apps::v1::ReplicaSet>(gen),
        ("apps", "DaemonSet") => add::<apps::v1::DaemonSet>(gen),
        ("batch", "Job") => add::<batch::v1::Job>(gen),
        ("discovery.k8s.io", "EndpointSlice") => add::<discovery::v1::EndpointSlice>(gen),
        ("coordination.k8s.io", "Lease") => add::<coordination::v1::Lease>(gen),
        ("events.k8s.io", "Event") => add::<events::v1::Event>(gen),
        _ => None,
    }
}

fn operation(action: &str, gvk: &Value, writes: bool) -> Value {
    let mut op = json!({
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
        "responses": {"200": {"description": "OK"}},
    });
    if writes {
        op["parameters"] = json!([
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true},
             "description": "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (default), Strict."},
            {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        ]);
    }
    if action == "patch" {
        op["requestBody"] = json!({"content": {
            "application/json-patch+json": {"schema": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}},
            "application/merge-patch+json": {"schema": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}},
        }, "required": true});
    }
    op
}

fn group_version_document(group: &str, version: &str) -> Value {
    let mut gen = SchemaSettings::openapi3().into_generator();
    let mut paths = Map::new();
    let mut gvks = Vec::new();
    for r in in_group_version(group, version) {
        let Some(schema_name) = schema_of(r, &mut gen) else {
            continue;
        };
        let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
        gvks.push((schema_name, gvk.clone()));
        let base = format!("/{}", gv_path(group, version));
        let (collection, item) = if r.namespaced {
            (
                format!("{base}/namespaces/{{namespace}}/{}", r.plural),
                format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.plural),
            )
        } else {
            (
                format!("{base}/{}", r.plural),
                format!("{base}/{}/{{name}}", r.plural),
            )
        };
        paths.insert(
            collection,
            json!({
                "get": operation("list", &gvk, false),
                "post": operation("post", &gvk, true),
                "delete": operation("deletecollection", &gvk, false),
            }),
        );
        paths.insert(
            item.clone(),
            json!({
                "get": operation("get", &gvk, false),
                "put": operation("put", &gvk, true),
                "patch": operation("patch", &gvk, true),
                "delete": operation("delete", &gvk, false),
            }),
        );
        if r.has_status {
            paths.insert(
                format!("{item}/status"),
                json!({
                    "get": operation("get", &gvk, false),
                    "put": operation("put", &gvk, true),
                    "patch": operation("patch", &gvk, true),
                }),
            );
        }
        if r.namespaced {
            paths.insert(
                format!("{base}/{}", r.plural),
                json!({"get": operation("list", &gvk, false)}),
            );
        }
    }
    let mut schemas = gen.take_definitions(true);
    for (name, gvk) in gvks {
        if let Some(s) = schemas.get_mut(&name).and_then(Value::as_object_mut) {
            s.insert("x-kubernetes-group-version-kind".into(), json!([gvk]));
        }
    }
    schemas.insert("io.k8s.apimachinery.pkg.apis.meta.v1.Patch".into(), json!({
        "type": "object",
        "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body."
    }));
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_document_has_pod_schema_and_field_validation() {
        let doc = group_version_document("", "v1");
        let pod = &doc["components"]["schemas"]["io.k8s.api.core.v1.Pod"];
        assert_eq!(
            pod["x-kubernetes-group-version-kind"],
            json!([{"group": "", "version": "v1", "kind": "Pod"}])
        );
        assert!(
            doc["components"]["schemas"]["io.k8s.api.core.v1.Container"]["properties"]["image"]
                .is_object()
        );
        let patch = &doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"];
        assert_eq!(patch["parameters"][0]["name"], "fieldValidation");
        let spec_ref = serde_json::to_string(&pod["properties"]["spec"]).unwrap();
        assert!(
            spec_ref.contains("#/components/schemas/io.k8s.api.core.v1.PodSpec"),
            "{spec_ref}"
        );
    }
}
