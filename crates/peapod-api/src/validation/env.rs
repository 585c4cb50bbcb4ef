//! Environment of a container: `env` (names, `valueFrom` sources and the downward API) and
//! `envFrom`.

use super::names::{is_config_map_key, is_dns1123_subdomain, is_env_var_name, is_qualified_name};
use super::{field, required, str_field, Errs};
use crate::error::FieldError;
use serde_json::Value;

const ENV_FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// Field labels the v1 downward API conversion accepts at all.
const CONVERTIBLE_FIELD_PATHS: &[&str] = &[
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

const RESOURCE_FIELD_PATHS: &[&str] = &[
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

pub(super) fn env(vars: &[Value], path: &str) -> Errs {
    let mut errs = Vec::new();
    for (i, ev) in vars.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let name = str_field(ev, "name");
        if name.is_empty() {
            errs.push(required(format!("{p}.name")));
        } else {
            errs.extend(
                is_env_var_name(name)
                    .into_iter()
                    .map(|m| FieldError::invalid(format!("{p}.name"), name, m)),
            );
        }
        if let Some(vf) = field(ev, "valueFrom") {
            errs.extend(value_from(
                vf,
                !str_field(ev, "value").is_empty(),
                &format!("{p}.valueFrom"),
            ));
        }
    }
    errs
}

fn value_from(vf: &Value, has_value: bool, path: &str) -> Errs {
    let mut errs = Vec::new();
    let mut sources = 0;
    if let Some(fr) = field(vf, "fieldRef") {
        sources += 1;
        errs.extend(object_field_selector(fr, &format!("{path}.fieldRef")));
    }
    if let Some(rf) = field(vf, "resourceFieldRef") {
        sources += 1;
        let p = format!("{path}.resourceFieldRef");
        let resource = str_field(rf, "resource");
        let hugepages = resource.starts_with("requests.hugepages-")
            || resource.starts_with("limits.hugepages-");
        if resource.is_empty() {
            errs.push(required(format!("{p}.resource")));
        } else if !RESOURCE_FIELD_PATHS.contains(&resource) && !hugepages {
            errs.push(FieldError::not_supported(
                format!("{p}.resource"),
                resource,
                RESOURCE_FIELD_PATHS,
            ));
        }
    }
    for key in ["configMapKeyRef", "secretKeyRef"] {
        if let Some(sel) = field(vf, key) {
            sources += 1;
            errs.extend(key_selector(sel, &format!("{path}.{key}")));
        }
    }
    let detail = match sources {
        0 => "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        _ if has_value => "may not be specified when `value` is not empty",
        1 => return errs,
        _ => "may not have more than one field specified at a time",
    };
    errs.push(FieldError::invalid(path, "", detail));
    errs
}

/// `validateObjectFieldSelector` for the downward API in env vars.
fn object_field_selector(fs: &Value, path: &str) -> Errs {
    let (version, fp) = (str_field(fs, "apiVersion"), str_field(fs, "fieldPath"));
    if version.is_empty() {
        return vec![required(format!("{path}.apiVersion"))];
    }
    if fp.is_empty() {
        return vec![required(format!("{path}.fieldPath"))];
    }
    let converting = |why: String| {
        vec![FieldError::invalid(
            format!("{path}.fieldPath"),
            fp,
            format!("error converting fieldPath: {why}"),
        )]
    };
    if version != "v1" {
        return converting(format!("unsupported pod version: {version}"));
    }
    // `metadata.labels['key']` and `metadata.annotations['key']` address one entry.
    let subscripted = fp.strip_suffix("']").and_then(|s| s.split_once("['"));
    match subscripted {
        Some(("metadata.labels", key)) => is_qualified_name(key)
            .into_iter()
            .map(|m| FieldError::invalid(path, key, m))
            .collect(),
        Some(("metadata.annotations", key)) => {
            let key = key.to_lowercase();
            is_qualified_name(&key)
                .into_iter()
                .map(|m| FieldError::invalid(path, key.as_str(), m))
                .collect()
        }
        Some(_) => converting(format!("field label does not support subscript: {fp}")),
        None if !CONVERTIBLE_FIELD_PATHS.contains(&fp) => {
            converting(format!("field label not supported: {fp}"))
        }
        None if !ENV_FIELD_PATHS.contains(&fp) => {
            vec![FieldError::not_supported(
                format!("{path}.fieldPath"),
                fp,
                ENV_FIELD_PATHS,
            )]
        }
        None => Vec::new(),
    }
}

fn key_selector(sel: &Value, path: &str) -> Errs {
    let mut errs = Vec::new();
    let name = str_field(sel, "name");
    errs.extend(
        is_dns1123_subdomain(name)
            .into_iter()
            .map(|m| FieldError::invalid(format!("{path}.name"), name, m)),
    );
    let key = str_field(sel, "key");
    if key.is_empty() {
        errs.push(required(format!("{path}.key")));
    } else {
        errs.extend(
            is_config_map_key(key)
                .into_iter()
                .map(|m| FieldError::invalid(format!("{path}.key"), key, m)),
        );
    }
    errs
}

pub(super) fn env_from(sources: &[Value], path: &str) -> Errs {
    let mut errs = Vec::new();
    for (i, ev) in sources.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let prefix = str_field(ev, "prefix");
        if !prefix.is_empty() {
            errs.extend(
                is_env_var_name(prefix)
                    .into_iter()
                    .map(|m| FieldError::invalid(format!("{p}.prefix"), prefix, m)),
            );
        }
        let mut count = 0;
        for key in ["configMapRef", "secretRef"] {
            let Some(r) = field(ev, key) else { continue };
            count += 1;
            let name = str_field(r, "name");
            if name.is_empty() {
                errs.push(required(format!("{p}.{key}.name")));
            } else {
                let msgs = super::name_errors("configmaps", name, true);
                errs.extend(
                    msgs.into_iter()
                        .map(|m| FieldError::invalid(format!("{p}.{key}.name"), name, m)),
                );
            }
        }
        match count {
            0 => errs.push(FieldError::invalid(
                path,
                "",
                "must specify one of: `configMapRef` or `secretRef`",
            )),
            1 => {}
            _ => errs.push(FieldError::invalid(
                path,
                "",
                "may not have more than one field specified at a time",
            )),
        }
    }
    errs
}
