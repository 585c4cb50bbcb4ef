//! `ValidatePodUpdate`: after creation only images, activeDeadlineSeconds, tolerations and
//! scheduling gates of a pod spec may change.

use super::names::inclusive_range_error;
use super::pod::{validate_pod_spec, MAX_INT32};
use super::{field, int_field, list, str_field, strip_nulls, Errs, NULL};
use crate::error::FieldError;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

const UPDATABLE_POD_SPEC_FIELDS: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// `ValidatePodUpdate`: the spec rules again, then only images, activeDeadlineSeconds (set or
/// lowered), added tolerations and removed scheduling gates may differ from the stored pod.
pub(super) fn validate_pod_update(new: &Value, old: &Value) -> Errs {
    let new_spec = field(new, "spec").unwrap_or(&NULL);
    let old_spec = field(old, "spec").unwrap_or(&NULL);
    let mut errs = validate_pod_spec(new_spec, "spec", true);
    for key in ["containers", "initContainers"] {
        if list(new_spec, key).len() != list(old_spec, key).len() {
            errs.push(FieldError::forbidden(
                format!("spec.{key}"),
                "pod updates may not add or remove containers",
            ));
            return errs;
        }
    }
    match (
        int_field(new_spec, "activeDeadlineSeconds"),
        int_field(old_spec, "activeDeadlineSeconds"),
    ) {
        (Some(n), _) if !(0..=MAX_INT32).contains(&n) => {
            errs.push(FieldError::invalid(
                "spec.activeDeadlineSeconds",
                n,
                inclusive_range_error(0, MAX_INT32),
            ));
            return errs;
        }
        (Some(n), Some(o)) if o < n => {
            let msg = "must be less than or equal to previous value";
            errs.push(FieldError::invalid("spec.activeDeadlineSeconds", n, msg));
            return errs;
        }
        (None, Some(_)) => errs.push(FieldError::invalid(
            "spec.activeDeadlineSeconds",
            Value::Null,
            "must not update from a positive integer to nil value",
        )),
        _ => {}
    }
    errs.extend(only_added_tolerations(
        list(new_spec, "tolerations"),
        list(old_spec, "tolerations"),
    ));
    let old_gates = list(old_spec, "schedulingGates");
    for (i, gate) in list(new_spec, "schedulingGates").iter().enumerate() {
        let name = str_field(gate, "name");
        if !old_gates.iter().any(|g| str_field(g, "name") == name) {
            errs.push(FieldError::forbidden(
                format!("spec.schedulingGates[{i}].name"),
                format!("only deletion is allowed, but found new scheduling gate '{name}'"),
            ));
        }
    }
    let old_clean = strip_nulls(old_spec);
    let munged = munge_updatable(new_spec, old_spec);
    if munged != old_clean {
        let mut diff = Vec::new();
        json_diff("spec", &old_clean, &munged, &mut diff);
        let detail = format!(
            "pod updates may not change fields other than {UPDATABLE_POD_SPEC_FIELDS}\n{}",
            diff.join("\n")
        );
        errs.push(FieldError::forbidden("spec", detail));
    }
    errs
}

/// `ValidatePodEphemeralContainersUpdate` (the pods/ephemeralcontainers subresource): the spec
/// rules again, and ephemeral containers may only be added, never changed or removed.
pub(super) fn validate_ephemeral_containers_update(new: &Value, old: &Value) -> Errs {
    let new_spec = field(new, "spec").unwrap_or(&NULL);
    let old_spec = field(old, "spec").unwrap_or(&NULL);
    let mut errs = validate_pod_spec(new_spec, "spec", true);
    let new_list = list(new_spec, "ephemeralContainers");
    for o in list(old_spec, "ephemeralContainers") {
        let name = str_field(o, "name");
        match new_list
            .iter()
            .enumerate()
            .find(|(_, n)| str_field(n, "name") == name)
        {
            None => errs.push(FieldError::forbidden(
                "spec.ephemeralContainers",
                format!("existing ephemeral containers \"{name}\" may not be removed\n"),
            )),
            Some((_, n)) if strip_nulls(n) != strip_nulls(o) => {
                let mut diff = Vec::new();
                json_diff("", &strip_nulls(o), &strip_nulls(n), &mut diff);
                errs.push(FieldError::forbidden(
                    "spec.ephemeralContainers",
                    format!(
                        "existing ephemeral containers \"{name}\" may not be changed\n{}",
                        diff.join("\n")
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    errs
}

/// The new spec with every field a pod update may change copied from the old spec.
fn munge_updatable(new_spec: &Value, old_spec: &Value) -> Value {
    let mut munged = strip_nulls(new_spec);
    let Some(m) = munged.as_object_mut() else {
        return munged;
    };
    for key in ["containers", "initContainers"] {
        let old_list = list(old_spec, key);
        if let Some(items) = m.get_mut(key).and_then(Value::as_array_mut) {
            for (c, o) in items.iter_mut().zip(old_list) {
                if let Some(c) = c.as_object_mut() {
                    copy_member(c, o, "image");
                }
            }
        }
    }
    for key in ["activeDeadlineSeconds", "tolerations", "schedulingGates"] {
        copy_member(m, old_spec, key);
    }
    let old_grace = int_field(old_spec, "terminationGracePeriodSeconds");
    if old_grace.is_some_and(|g| g < 0)
        && m.get("terminationGracePeriodSeconds")
            .and_then(Value::as_i64)
            == Some(1)
    {
        copy_member(m, old_spec, "terminationGracePeriodSeconds");
    }
    munged
}

/// Sets `m[key]` to `from[key]`, or removes it when `from` has none.
fn copy_member(m: &mut Map<String, Value>, from: &Value, key: &str) {
    match field(from, key) {
        Some(v) => {
            m.insert(key.to_string(), strip_nulls(v));
        }
        None => {
            m.remove(key);
        }
    }
}

/// Existing tolerations may only gain a different tolerationSeconds.
fn only_added_tolerations(new: &[Value], old: &[Value]) -> Errs {
    let without_seconds = |t: &Value| {
        let mut t = strip_nulls(t);
        if let Some(m) = t.as_object_mut() {
            m.remove("tolerationSeconds");
        }
        t
    };
    let new_keys: Vec<Value> = new.iter().map(without_seconds).collect();
    if old.iter().any(|o| !new_keys.contains(&without_seconds(o))) {
        let msg = "existing toleration can not be modified except its tolerationSeconds";
        return vec![FieldError::forbidden("spec.tolerations", msg)];
    }
    Vec::new()
}

/// A short listing of what differs, standing in for upstream's `cmp.Diff` output.
fn json_diff(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    const MAX_LINES: usize = 20;
    if out.len() >= MAX_LINES || old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                json_diff(
                    &format!("{path}.{k}"),
                    a.get(k).unwrap_or(&NULL),
                    b.get(k).unwrap_or(&NULL),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ => {
            out.push(format!("- {path}: {old}"));
            out.push(format!("+ {path}: {new}"));
        }
    }
}
