//! `ValidateObjectMeta` and its update form, plus the label, annotation and label-selector rules
//! shared by every kind.

use super::names::{is_label_value, is_qualified_name};
use super::{
    field, go_string_slice, immutable, int_field, list, name_errors, str_field, Errs, NULL,
};
use crate::error::FieldError;
use crate::resources::RESOURCES;
use serde_json::Value;

/// Total bytes of annotation keys and values (`TotalAnnotationSizeLimitB`).
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

const STANDARD_FINALIZERS: &[&str] = &["kubernetes", "orphan", "foregroundDeletion"];

fn namespaced(resource: &str) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.plural == resource && r.namespaced)
}

/// Metadata of an object being created (and, again, of the new object on update).
pub(super) fn validate(resource: &str, obj: &Value) -> Errs {
    let md = field(obj, "metadata").unwrap_or(&NULL);
    let mut errs = Vec::new();
    let generate_name = str_field(md, "generateName");
    if !generate_name.is_empty() {
        for msg in name_errors(resource, generate_name, true) {
            errs.push(FieldError::invalid(
                "metadata.generateName",
                generate_name,
                msg,
            ));
        }
    }
    let name = str_field(md, "name");
    if name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for msg in name_errors(resource, name, false) {
            errs.push(FieldError::invalid("metadata.name", name, msg));
        }
    }
    // The namespace comes from the request path; cluster-scoped objects have it cleared before.
    let ns = str_field(md, "namespace");
    if namespaced(resource) && !ns.is_empty() {
        for msg in super::is_dns1123_label(ns) {
            errs.push(FieldError::invalid("metadata.namespace", ns, msg));
        }
    }
    if let Some(g) = int_field(md, "generation") {
        errs.extend(super::nonnegative("metadata.generation", g));
    }
    errs.extend(validate_labels(field(md, "labels"), "metadata.labels"));
    errs.extend(validate_annotations(
        field(md, "annotations"),
        "metadata.annotations",
    ));
    errs.extend(validate_owner_references(md));
    errs.extend(validate_finalizers(
        list(md, "finalizers"),
        "metadata.finalizers",
    ));
    errs
}

/// What an update may not change in metadata (name, namespace, uid, creationTimestamp) and the
/// rule that an object being deleted takes no new finalizers.
pub(super) fn validate_update(new: &Value, old: &Value) -> Errs {
    let new_md = field(new, "metadata").unwrap_or(&NULL);
    let old_md = field(old, "metadata").unwrap_or(&NULL);
    let mut errs = Vec::new();
    for key in ["name", "namespace", "uid"] {
        let (n, o) = (str_field(new_md, key), str_field(old_md, key));
        if !n.is_empty() && n != o {
            errs.push(immutable(format!("metadata.{key}"), Value::from(n)));
        }
    }
    let (n, o) = (
        str_field(new_md, "creationTimestamp"),
        str_field(old_md, "creationTimestamp"),
    );
    if !n.is_empty() && n != o {
        // metav1.Time prints as Go's time.Time: `2024-01-02 03:04:05 +0000 UTC`.
        let shown = n.replace('T', " ").replace('Z', " +0000 UTC");
        errs.push(super::invalid_raw(
            "metadata.creationTimestamp",
            &shown,
            "field is immutable",
        ));
    }
    if field(old_md, "deletionTimestamp").is_some() {
        let old_f = list(old_md, "finalizers");
        let mut extra: Vec<&str> = list(new_md, "finalizers")
            .iter()
            .filter(|f| !old_f.contains(f))
            .filter_map(Value::as_str)
            .collect();
        extra.sort_unstable();
        extra.dedup();
        if !extra.is_empty() {
            let rendered = go_string_slice(Some(&Value::from(extra)));
            errs.push(FieldError::forbidden(
                "metadata.finalizers",
                format!("no new finalizers can be added if the object is being deleted, found new finalizers {rendered}"),
            ));
        }
    }
    errs
}

/// `ValidateLabels`: every key a qualified name, every value a label value. Errors name the
/// whole map's path, as upstream does.
pub(super) fn validate_labels(labels: Option<&Value>, path: &str) -> Errs {
    let mut errs = Vec::new();
    let Some(m) = labels.and_then(Value::as_object) else {
        return errs;
    };
    for (k, v) in m {
        for msg in is_qualified_name(k) {
            errs.push(FieldError::invalid(path, k.as_str(), msg));
        }
        let v = v.as_str().unwrap_or_default();
        for msg in is_label_value(v) {
            errs.push(FieldError::invalid(path, v, msg));
        }
    }
    errs
}

/// `ValidateAnnotations`: keys are case-insensitive qualified names; at most 256 KiB in total.
pub(super) fn validate_annotations(annotations: Option<&Value>, path: &str) -> Errs {
    let mut errs = Vec::new();
    let Some(m) = annotations.and_then(Value::as_object) else {
        return errs;
    };
    let mut total = 0;
    for (k, v) in m {
        for msg in is_qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid(path, k.as_str(), msg));
        }
        total += k.len() + v.as_str().map_or(0, str::len);
    }
    if total > ANNOTATIONS_MAX_BYTES {
        errs.push(FieldError::too_long(path, ANNOTATIONS_MAX_BYTES));
    }
    errs
}

fn validate_owner_references(md: &Value) -> Errs {
    let path = "metadata.ownerReferences";
    let mut errs = Vec::new();
    for r in list(md, "ownerReferences") {
        let api_version = str_field(r, "apiVersion");
        let version = api_version.rsplit('/').next().unwrap_or_default();
        if version.is_empty() {
            errs.push(FieldError::invalid(
                format!("{path}.apiVersion"),
                api_version,
                "version must not be empty",
            ));
        }
        for (key, what) in [("kind", "kind"), ("name", "name"), ("uid", "uid")] {
            if str_field(r, key).is_empty() {
                errs.push(FieldError::invalid(
                    format!("{path}.{key}"),
                    "",
                    format!("{what} must not be empty"),
                ));
            }
        }
    }
    errs
}

/// `ValidateFinalizers` plus core's rule that an unprefixed finalizer must be a standard one.
pub(super) fn validate_finalizers(finalizers: &[Value], path: &str) -> Errs {
    let mut errs = Vec::new();
    for (i, f) in finalizers.iter().enumerate() {
        let f = f.as_str().unwrap_or_default();
        let own = is_qualified_name(f);
        let ok = own.is_empty();
        errs.extend(own.into_iter().map(|msg| FieldError::invalid(path, f, msg)));
        if ok && !f.contains('/') && !STANDARD_FINALIZERS.contains(&f) {
            errs.push(FieldError::invalid(
                format!("{path}[{i}]"),
                f,
                "name is neither a standard finalizer name nor is it fully qualified",
            ));
        }
    }
    let has = |name: &str| finalizers.iter().any(|f| f.as_str() == Some(name));
    if has("orphan") && has("foregroundDeletion") {
        let rendered = go_string_slice(Some(&Value::from(finalizers.to_vec())));
        errs.push(super::invalid_raw(
            path,
            &rendered,
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
    errs
}

/// `ValidateLabelSelector` for a `metav1.LabelSelector` (matchLabels and matchExpressions).
pub(super) fn validate_label_selector(sel: &Value, path: &str) -> Errs {
    let mut errs = validate_labels(field(sel, "matchLabels"), &format!("{path}.matchLabels"));
    for (i, e) in list(sel, "matchExpressions").iter().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        let values = list(e, "values");
        match str_field(e, "operator") {
            "In" | "NotIn" if values.is_empty() => errs.push(FieldError::required(
                format!("{p}.values"),
                "must be specified when `operator` is 'In' or 'NotIn'",
            )),
            "Exists" | "DoesNotExist" if !values.is_empty() => errs.push(FieldError::forbidden(
                format!("{p}.values"),
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            op => errs.push(FieldError::invalid(
                format!("{p}.operator"),
                op,
                "not a valid selector operator",
            )),
        }
        let key = str_field(e, "key");
        for msg in is_qualified_name(key) {
            errs.push(FieldError::invalid(format!("{p}.key"), key, msg));
        }
        for (j, v) in values.iter().enumerate() {
            let v = v.as_str().unwrap_or_default();
            for msg in is_label_value(v) {
                errs.push(FieldError::invalid(format!("{p}.values[{j}]"), v, msg));
            }
        }
    }
    errs
}

/// Whether a label selector matches a set of labels (an absent selector matches nothing).
pub(super) fn selector_matches(sel: Option<&Value>, labels: Option<&Value>) -> bool {
    let Some(sel) = sel else { return false };
    crate::selector::LabelSelector::from_json(sel).is_ok_and(|s| s.matches(labels))
}

/// An empty (but present) selector, which upstream treats as matching everything.
pub(super) fn selector_is_empty(sel: &Value) -> bool {
    obj_len(sel, "matchLabels") + list(sel, "matchExpressions").len() == 0
}

fn obj_len(v: &Value, key: &str) -> usize {
    v.get(key).and_then(Value::as_object).map_or(0, |m| m.len())
}
