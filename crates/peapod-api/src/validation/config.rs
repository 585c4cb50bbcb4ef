//! ConfigMaps, Secrets and Namespaces.

use super::names::is_config_map_key;
use super::objectmeta::validate_finalizers;
use super::{bool_field, field, immutable, list, obj_field, str_field, Errs, NULL};
use crate::error::FieldError;
use serde_json::Value;

/// `MaxSecretSize`, also the ConfigMap limit: 1 MiB of data.
const MAX_DATA_BYTES: usize = 1024 * 1024;

const IMMUTABLE_SET: &str = "field is immutable when `immutable` is set";

/// Decoded length of a base64 value (Secret data and ConfigMap binaryData travel encoded).
fn decoded_len(v: &Value) -> usize {
    let s = v.as_str().unwrap_or_default().trim_end_matches('=');
    s.len() * 3 / 4
}

fn key_errors(key: &str, path: &str) -> Errs {
    is_config_map_key(key)
        .into_iter()
        .map(|m| FieldError::invalid(path, key, m))
        .collect()
}

pub(super) fn validate_configmap(cm: &Value) -> Errs {
    let mut errs = Vec::new();
    let binary = obj_field(cm, "binaryData");
    let mut total = 0;
    for (k, v) in obj_field(cm, "data").into_iter().flatten() {
        let p = format!("data[{k}]");
        errs.extend(key_errors(k, &p));
        if binary.is_some_and(|b| b.contains_key(k)) {
            errs.push(FieldError::invalid(
                p,
                k.as_str(),
                "duplicate of key present in binaryData",
            ));
        }
        total += v.as_str().map_or(0, str::len);
    }
    for (k, v) in binary.into_iter().flatten() {
        errs.extend(key_errors(k, &format!("binaryData[{k}]")));
        total += decoded_len(v);
    }
    if total > MAX_DATA_BYTES {
        // Upstream reports the whole object, at the empty path.
        errs.push(FieldError::too_long("", MAX_DATA_BYTES));
    }
    errs
}

pub(super) fn validate_configmap_update(new: &Value, old: &Value) -> Errs {
    let mut errs = immutable_data(new, old, &["data", "binaryData"]);
    errs.extend(validate_configmap(new));
    errs
}

/// Once `immutable: true` is stored, neither the flag nor the data may change.
fn immutable_data(new: &Value, old: &Value, keys: &[&str]) -> Errs {
    let mut errs = Vec::new();
    if !bool_field(old, "immutable") {
        return errs;
    }
    if !bool_field(new, "immutable") {
        errs.push(FieldError::forbidden("immutable", IMMUTABLE_SET));
    }
    for key in keys {
        if field(new, key) != field(old, key) {
            errs.push(FieldError::forbidden(*key, IMMUTABLE_SET));
        }
    }
    errs
}

pub(super) fn validate_secret(secret: &Value) -> Errs {
    let mut errs = Vec::new();
    let data = obj_field(secret, "data");
    let mut total = 0;
    for (k, v) in data.into_iter().flatten() {
        errs.extend(key_errors(k, &format!("data[{k}]")));
        total += decoded_len(v);
    }
    if total > MAX_DATA_BYTES {
        errs.push(FieldError::too_long("data", MAX_DATA_BYTES));
    }
    let has = |k: &str| data.is_some_and(|d| d.contains_key(k));
    let need = |k: &str| FieldError::required(format!("data[{k}]"), "");
    match str_field(secret, "type") {
        "kubernetes.io/service-account-token" => {
            let md = field(secret, "metadata").unwrap_or(&NULL);
            let annotations = field(md, "annotations").unwrap_or(&NULL);
            if str_field(annotations, "kubernetes.io/service-account.name").is_empty() {
                let p = "metadata.annotations[kubernetes.io/service-account.name]";
                errs.push(FieldError::required(p, ""));
            }
        }
        "kubernetes.io/dockercfg" if !has(".dockercfg") => errs.push(need(".dockercfg")),
        "kubernetes.io/dockerconfigjson" if !has(".dockerconfigjson") => {
            errs.push(need(".dockerconfigjson"))
        }
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errs.push(need("username"));
            errs.push(need("password"));
        }
        "kubernetes.io/ssh-auth"
            if data
                .and_then(|d| d.get("ssh-privatekey"))
                .is_none_or(|v| decoded_len(v) == 0) =>
        {
            errs.push(need("ssh-privatekey"))
        }
        "kubernetes.io/tls" => {
            for k in ["tls.crt", "tls.key"] {
                if !has(k) {
                    errs.push(need(k));
                }
            }
        }
        _ => {}
    }
    errs
}

pub(super) fn validate_secret_update(new: &Value, old: &Value) -> Errs {
    let mut errs = Vec::new();
    let (nt, ot) = (str_field(new, "type"), str_field(old, "type"));
    if nt != ot {
        errs.push(immutable("type", Value::from(nt)));
    }
    errs.extend(immutable_data(new, old, &["data"]));
    errs.extend(validate_secret(new));
    errs
}

pub(super) fn validate_namespace(ns: &Value) -> Errs {
    let spec = field(ns, "spec").unwrap_or(&NULL);
    validate_finalizers(list(spec, "finalizers"), "spec.finalizers")
}
