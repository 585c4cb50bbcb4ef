//! Container compute resources (`ValidateContainerResourceRequirements`): resource names,
//! quantities, and requests within limits.

use super::names::is_qualified_name;
use super::quantity::{Quantity, FORMAT_ERROR};
use super::{invalid_raw, obj_field, Errs};
use crate::error::FieldError;
use serde_json::Value;

/// Resource names standard anywhere (quota included), then those valid for containers.
const STANDARD_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "storage",
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
];

fn is_hugepages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && is_qualified_name(&format!("requests.{name}")).is_empty()
}

/// Requests may be below limits only for native, non-hugepage resources.
fn overcommit_allowed(name: &str) -> bool {
    is_native(name) && !is_hugepages(name)
}

fn resource_name(name: &str, path: &str) -> Errs {
    let qualified = is_qualified_name(name);
    if !qualified.is_empty() {
        return qualified
            .into_iter()
            .map(|m| FieldError::invalid(path, name, m))
            .collect();
    }
    // ResourceName has a String method, so Go prints it unquoted.
    let mut errs = Vec::new();
    if !name.contains('/') {
        let standard = STANDARD_RESOURCES.contains(&name)
            || is_hugepages(name)
            || name.starts_with("requests.hugepages-");
        if !standard {
            errs.push(invalid_raw(
                path,
                name,
                "must be a standard resource type or fully qualified",
            ));
        }
        if !matches!(name, "cpu" | "memory" | "ephemeral-storage") && !is_hugepages(name) {
            errs.push(invalid_raw(
                path,
                name,
                "must be a standard resource for containers",
            ));
        }
    } else if !is_native(name) && !is_extended(name) {
        errs.push(invalid_raw(
            path,
            name,
            "doesn't follow extended resource name standard",
        ));
    }
    errs
}

/// Parses and checks one quantity of a resource list.
fn quantity(name: &str, raw: &Value, path: &str, errs: &mut Errs) -> Option<Quantity> {
    let Some(q) = Quantity::from_json(raw) else {
        let shown = raw
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| raw.to_string());
        errs.push(FieldError::invalid(path, shown, FORMAT_ERROR));
        return None;
    };
    if q.is_negative() {
        errs.push(FieldError::invalid(
            path,
            q.to_string(),
            "must be greater than or equal to 0",
        ));
    }
    if is_extended(name) && !q.is_integer() {
        errs.push(invalid_raw(path, &q.to_string(), "must be an integer"));
    }
    Some(q)
}

/// `ValidateContainerResourceRequirements`: names, quantities and requests within limits.
pub(super) fn resources(res: Option<&Value>, path: &str) -> Errs {
    let mut errs = Vec::new();
    let Some(res) = res else { return errs };
    let (lim_path, req_path) = (format!("{path}.limits"), format!("{path}.requests"));
    let mut limits = std::collections::BTreeMap::new();
    for (name, raw) in obj_field(res, "limits").into_iter().flatten() {
        let p = format!("{lim_path}[{name}]");
        errs.extend(resource_name(name, &p));
        if let Some(q) = quantity(name, raw, &p, &mut errs) {
            limits.insert(name.as_str(), q);
        }
    }
    for (name, raw) in obj_field(res, "requests").into_iter().flatten() {
        let p = format!("{req_path}[{name}]");
        errs.extend(resource_name(name, &p));
        let request = quantity(name, raw, &p, &mut errs);
        let has_limit = obj_field(res, "limits").is_some_and(|l| l.contains_key(name));
        match (request, limits.get(name.as_str())) {
            (Some(req), Some(lim)) if !overcommit_allowed(name) && req != *lim => {
                errs.push(FieldError::invalid(
                    req_path.as_str(),
                    req.to_string(),
                    format!("must be equal to {name} limit of {lim}"),
                ))
            }
            (Some(req), Some(lim)) if req > *lim => errs.push(FieldError::invalid(
                req_path.as_str(),
                req.to_string(),
                format!("must be less than or equal to {name} limit of {lim}"),
            )),
            _ if !has_limit && !overcommit_allowed(name) => errs.push(FieldError::required(
                lim_path.as_str(),
                "Limit must be set for non overcommitable resources",
            )),
            _ => {}
        }
    }
    errs
}
