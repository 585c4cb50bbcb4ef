//! Validation of an object's JSON as the Kubernetes API server does it (`pkg/apis/*/validation`,
//! v1.33 behaviour): every failure is a [`FieldError`] with the upstream field path and text, so
//! kubectl prints the familiar `spec.containers[0].name: Invalid value: ...` lines.
//!
//! Validation runs after [`crate::defaults::apply_defaults`]: fields that upstream always
//! defaults (restartPolicy, imagePullPolicy, protocols, ...) are expected to be present.
//! Where upstream prints a Go value with `%#v` (maps, structs), the rendering is reproduced in
//! the error's detail so the text matches.

mod config;
mod container;
mod env;
mod names;
mod objectmeta;
mod pod;
mod pod_update;
mod probe;
pub(crate) mod quantity;
mod resources;
mod service;
mod volume;
mod workloads;

#[cfg(test)]
mod tests;

use crate::error::{FieldError, FieldErrorType};
use serde_json::{Map, Value};

pub use names::{is_dns1123_label, is_dns1123_subdomain};
pub(crate) use volume::has_volume_source;

type Errs = Vec<FieldError>;

static NULL: Value = Value::Null;

/// Validates a new object of `resource` (a plural such as `pods`): metadata and spec.
pub fn validate_create(resource: &str, obj: &Value) -> Vec<FieldError> {
    let mut errs = objectmeta::validate(resource, obj);
    errs.extend(match resource {
        "pods" => pod::validate_pod_create(obj),
        "services" => service::validate(obj),
        "deployments" => workloads::validate_deployment(obj),
        "replicasets" => workloads::validate_replicaset(obj),
        "daemonsets" => workloads::validate_daemonset(obj),
        "jobs" => workloads::validate_job(obj),
        "configmaps" => config::validate_configmap(obj),
        "secrets" => config::validate_secret(obj),
        "namespaces" => config::validate_namespace(obj),
        _ => Vec::new(),
    });
    dedup(errs)
}

/// Validates an update: the create rules on `new` plus what may not change from `old`.
pub fn validate_update(resource: &str, new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = objectmeta::validate_update(new, old);
    errs.extend(objectmeta::validate(resource, new));
    errs.extend(match resource {
        "pods" => pod_update::validate_pod_update(new, old),
        "services" => service::validate_update(new, old),
        "deployments" => workloads::validate_deployment(new),
        "replicasets" => workloads::validate_replicaset(new),
        "daemonsets" => workloads::validate_daemonset(new),
        "jobs" => workloads::validate_job_update(new, old),
        "configmaps" => config::validate_configmap_update(new, old),
        "secrets" => config::validate_secret_update(new, old),
        "namespaces" => config::validate_namespace(new),
        _ => Vec::new(),
    });
    if matches!(resource, "deployments" | "replicasets" | "daemonsets") {
        errs.extend(workloads::selector_immutable(new, old));
    }
    dedup(errs)
}

/// An update through pods/ephemeralcontainers (only additions of ephemeral containers).
pub fn validate_ephemeral_containers_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = objectmeta::validate_update(new, old);
    errs.extend(pod_update::validate_ephemeral_containers_update(new, old));
    dedup(errs)
}

/// The messages Kubernetes prints for an invalid `metadata.name` of `resource`: a DNS-1123
/// label for namespaces, a DNS-1035 label for services (as upstream), a DNS-1123 subdomain for
/// everything else; then the rules for names used as URL path segments.
pub fn validate_name(resource: &str, name: &str) -> Vec<String> {
    name_errors(resource, name, false)
}

/// `prefix`: the name is a `generateName` to which a suffix will be appended.
fn name_errors(resource: &str, name: &str, prefix: bool) -> Vec<String> {
    // A generated name may end in '-'; upstream replaces the last two characters with "a".
    let masked;
    let checked = if prefix && name.len() > 1 && name.ends_with('-') {
        // Byte-wise, as upstream: a multi-byte character cut in half stays invalid.
        let mut bytes = name.as_bytes()[..name.len() - 2].to_vec();
        bytes.push(b'a');
        masked = String::from_utf8_lossy(&bytes).into_owned();
        masked.as_str()
    } else {
        name
    };
    let errs = match resource {
        "namespaces" => is_dns1123_label(checked),
        "services" => names::is_dns1035_label(checked),
        _ => is_dns1123_subdomain(checked),
    };
    if errs.is_empty() {
        names::path_segment_errors(name, prefix)
    } else {
        errs
    }
}

/// Upstream aggregates identical messages into one; so do we (keeping the first).
fn dedup(errs: Errs) -> Errs {
    let mut seen = std::collections::HashSet::new();
    errs.into_iter()
        .filter(|e| seen.insert(e.to_string()))
        .collect()
}

// ---- JSON access: absent, null and mistyped values read as Go's zero values ----

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|x| !x.is_null())
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn int_field(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

fn obj_field<'a>(v: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    v.get(key).and_then(Value::as_object)
}

fn bool_field(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// A copy without null members, so that absent and null compare equal.
fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), strip_nulls(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

// ---- error constructors for upstream's common shapes ----

fn nonnegative(path: impl Into<String>, value: i64) -> Option<FieldError> {
    (value < 0).then(|| FieldError::invalid(path, value, "must be greater than or equal to 0"))
}

/// `Invalid value` whose value Go prints with `%#v` (a map or struct), given pre-rendered.
fn invalid_raw(path: impl Into<String>, rendered: &str, detail: &str) -> FieldError {
    FieldError::new(
        FieldErrorType::Invalid,
        path,
        None,
        format!("{rendered}: {detail}"),
    )
}

/// `Unsupported value` whose value Go prints with `%#v`.
fn not_supported_raw(path: impl Into<String>, rendered: &str, allowed: &[&str]) -> FieldError {
    let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
    let detail = format!("{rendered}: supported values: {}", list.join(", "));
    FieldError::new(FieldErrorType::NotSupported, path, None, detail)
}

/// `Not found: "x"` (the error type prints its value, which `FieldError` keeps in the detail).
fn not_found(path: impl Into<String>, value: &str) -> FieldError {
    FieldError::new(FieldErrorType::NotFound, path, None, go_quote(value))
}

fn immutable(path: impl Into<String>, value: Value) -> FieldError {
    FieldError::invalid(path, value, "field is immutable")
}

fn required(path: impl Into<String>) -> FieldError {
    FieldError::required(path, "")
}

// ---- Go `%#v` renderings used in upstream messages ----

fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

fn go_string_map(m: Option<&Value>) -> String {
    match m.and_then(Value::as_object) {
        None => "map[string]string(nil)".to_string(),
        Some(m) => {
            let mut pairs: Vec<(&String, &str)> = m
                .iter()
                .map(|(k, v)| (k, v.as_str().unwrap_or_default()))
                .collect();
            pairs.sort();
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v)))
                .collect();
            format!("map[string]string{{{}}}", body.join(", "))
        }
    }
}

fn go_string_slice(v: Option<&Value>) -> String {
    match v.and_then(Value::as_array) {
        None => "[]string(nil)".to_string(),
        Some(a) => go_strs(
            &a.iter()
                .map(|s| s.as_str().unwrap_or_default())
                .collect::<Vec<_>>(),
        ),
    }
}

fn go_strs(items: &[&str]) -> String {
    let body: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", body.join(", "))
}

/// `v1.LabelSelector{MatchLabels:..., MatchExpressions:...}` as in immutability errors.
fn go_label_selector(sel: &Value) -> String {
    let exprs = match sel.get("matchExpressions").and_then(Value::as_array) {
        None => "[]v1.LabelSelectorRequirement(nil)".to_string(),
        Some(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|e| {
                    format!(
                        "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{}}}",
                        go_quote(str_field(e, "key")),
                        go_quote(str_field(e, "operator")),
                        go_string_slice(field(e, "values"))
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{exprs}}}",
        go_string_map(field(sel, "matchLabels"))
    )
}

/// `intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}`.
fn go_int_or_string(v: &Value) -> String {
    match v {
        Value::String(s) => format!(
            "intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}",
            go_quote(s)
        ),
        other => format!(
            "intstr.IntOrString{{Type:0, IntVal:{}, StrVal:\"\"}}",
            other.as_i64().unwrap_or(0)
        ),
    }
}
