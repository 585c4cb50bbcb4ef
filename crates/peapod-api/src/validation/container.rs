//! Containers of a pod spec (`validateContainers`, `validateInitContainers`,
//! `validateEphemeralContainers`): names, images, ports, env, volume mounts, probes, lifecycle
//! hooks and resources.

use super::names::{
    inclusive_range_error, is_config_map_key, is_dns1123_label, is_dns1123_subdomain,
    is_env_var_name, is_http_header_name, is_port_name, is_qualified_name, port_num_error,
};
use super::quantity::{Quantity, FORMAT_ERROR};
use super::{
    field, int_field, invalid_raw, list, nonnegative, not_found, obj_field, required, str_field,
    Errs,
};
use crate::error::FieldError;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

/// What container validation needs from the surrounding pod spec.
pub(super) struct Ctx<'a> {
    /// Names of the pod's valid volumes.
    pub volumes: &'a BTreeSet<String>,
    /// The pod's terminationGracePeriodSeconds (bounds sleep hooks).
    pub grace: Option<i64>,
    /// A Pod rather than a pod template: some rules only apply to pods.
    pub is_pod: bool,
}

const INIT_ONLY: &str = "may not be set for init containers without restartPolicy=Always";
const EPHEMERAL: &str = "cannot be set for an Ephemeral Container";

pub(super) fn validate_containers(containers: &[Value], path: &str, ctx: &Ctx) -> Errs {
    if containers.is_empty() {
        return vec![required(path)];
    }
    let mut errs = Vec::new();
    let mut names = HashSet::new();
    for (i, c) in containers.iter().enumerate() {
        let p = format!("{path}[{i}]");
        errs.extend(common(c, &p, ctx));
        let name = str_field(c, "name");
        if !names.insert(name) {
            errs.push(FieldError::duplicate(format!("{p}.name"), name));
        }
        if let Some(l) = field(c, "lifecycle") {
            errs.extend(lifecycle(l, &format!("{p}.lifecycle"), ctx));
        }
        errs.extend(probes(c, &p, ctx));
        if field(c, "restartPolicy").is_some() {
            errs.push(FieldError::forbidden(
                format!("{p}.restartPolicy"),
                "may not be set for non-init containers",
            ));
        }
    }
    errs.extend(host_port_conflicts(containers, path));
    errs
}

pub(super) fn validate_init_containers(
    inits: &[Value],
    regular: &[Value],
    path: &str,
    ctx: &Ctx,
) -> Errs {
    let mut errs = Vec::new();
    let mut names: HashSet<&str> = regular.iter().map(|c| str_field(c, "name")).collect();
    for (i, c) in inits.iter().enumerate() {
        let p = format!("{path}[{i}]");
        errs.extend(common(c, &p, ctx));
        let mut sidecar = false;
        if let Some(rp) = field(c, "restartPolicy") {
            let rp = rp.as_str().unwrap_or_default();
            if rp != "Always" {
                errs.push(FieldError::not_supported(
                    format!("{p}.restartPolicy"),
                    rp,
                    &["Always"],
                ));
            }
            sidecar = rp == "Always";
        }
        let name = str_field(c, "name");
        if names.contains(name) {
            errs.push(FieldError::duplicate(format!("{p}.name"), name));
        } else if !name.is_empty() {
            names.insert(name);
        }
        // Init containers run one at a time, so host ports only conflict within one container
        // (upstream checks a one-element list, hence index 0 in the path).
        errs.extend(host_port_conflicts(std::slice::from_ref(c), path));
        if sidecar {
            if let Some(l) = field(c, "lifecycle") {
                errs.extend(lifecycle(l, &format!("{p}.lifecycle"), ctx));
            }
            errs.extend(probes(c, &p, ctx));
        } else {
            for key in [
                "lifecycle",
                "livenessProbe",
                "readinessProbe",
                "startupProbe",
            ] {
                if field(c, key).is_some() {
                    errs.push(FieldError::forbidden(format!("{p}.{key}"), INIT_ONLY));
                }
            }
        }
    }
    errs
}

pub(super) fn validate_ephemeral_containers(
    ephemeral: &[Value],
    containers: &[Value],
    inits: &[Value],
    path: &str,
    ctx: &Ctx,
) -> Errs {
    let mut errs = Vec::new();
    let others: HashSet<&str> = containers
        .iter()
        .chain(inits)
        .map(|c| str_field(c, "name"))
        .collect();
    let mut names = others.clone();
    for (i, c) in ephemeral.iter().enumerate() {
        let p = format!("{path}[{i}]");
        errs.extend(common(
            c,
            &p,
            &Ctx {
                is_pod: true,
                ..*ctx
            },
        ));
        let name = str_field(c, "name");
        if !names.insert(name) {
            errs.push(FieldError::duplicate(format!("{p}.name"), name));
        }
        let target = str_field(c, "targetContainerName");
        if !target.is_empty() && !others.contains(target) {
            errs.push(not_found(format!("{p}.targetContainerName"), target));
        }
        // Fields outside upstream's allow-list, in struct order; empty values count as unset.
        for key in [
            "ports",
            "resources",
            "resizePolicy",
            "restartPolicy",
            "livenessProbe",
            "readinessProbe",
            "startupProbe",
            "lifecycle",
        ] {
            if field(c, key).is_some_and(is_set) {
                errs.push(FieldError::forbidden(format!("{p}.{key}"), EPHEMERAL));
            }
        }
        for (j, m) in list(c, "volumeMounts").iter().enumerate() {
            for key in ["subPath", "subPathExpr"] {
                if !str_field(m, key).is_empty() {
                    errs.push(FieldError::forbidden(
                        format!("{p}.volumeMounts[{j}].{key}"),
                        EPHEMERAL,
                    ));
                }
            }
        }
    }
    errs
}

/// Not Go's zero value: empty lists and objects whose members are all empty count as unset.
fn is_set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => m.values().any(is_set),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// `validateContainerCommon`: what every kind of container must satisfy.
fn common(c: &Value, p: &str, ctx: &Ctx) -> Errs {
    let mut errs = Vec::new();
    let name = str_field(c, "name");
    if name.is_empty() {
        errs.push(required(format!("{p}.name")));
    } else {
        errs.extend(
            is_dns1123_label(name)
                .into_iter()
                .map(|m| FieldError::invalid(format!("{p}.name"), name, m)),
        );
    }
    let image = str_field(c, "image");
    if image.is_empty() {
        errs.push(required(format!("{p}.image")));
    } else if ctx.is_pod && image.trim() != image {
        errs.push(FieldError::invalid(
            format!("{p}.image"),
            image,
            "must not have leading or trailing whitespace",
        ));
    }
    match str_field(c, "terminationMessagePolicy") {
        "File" | "FallbackToLogsOnError" => {}
        "" => errs.push(required(format!("{p}.terminationMessagePolicy"))),
        other => errs.push(FieldError::not_supported(
            format!("{p}.terminationMessagePolicy"),
            other,
            &["File", "FallbackToLogsOnError"],
        )),
    }
    errs.extend(ports(list(c, "ports"), &format!("{p}.ports")));
    errs.extend(env(list(c, "env"), &format!("{p}.env")));
    errs.extend(env_from(list(c, "envFrom"), &format!("{p}.envFrom")));
    errs.extend(volume_mounts(
        list(c, "volumeMounts"),
        &format!("{p}.volumeMounts"),
        ctx,
    ));
    match str_field(c, "imagePullPolicy") {
        "Always" | "IfNotPresent" | "Never" => {}
        "" => errs.push(required(format!("{p}.imagePullPolicy"))),
        other => errs.push(FieldError::not_supported(
            format!("{p}.imagePullPolicy"),
            other,
            &["Always", "IfNotPresent", "Never"],
        )),
    }
    errs.extend(resources(field(c, "resources"), &format!("{p}.resources")));
    if let Some(sc) = field(c, "securityContext") {
        for key in ["runAsUser", "runAsGroup"] {
            if let Some(id) =
                int_field(sc, key).filter(|id| !(0..=i64::from(i32::MAX)).contains(id))
            {
                let path = format!("{p}.securityContext.{key}");
                errs.push(FieldError::invalid(
                    path,
                    id,
                    inclusive_range_error(0, i64::from(i32::MAX)),
                ));
            }
        }
    }
    errs
}

fn ports(ports: &[Value], path: &str) -> Errs {
    let mut errs = Vec::new();
    let mut names = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let name = str_field(port, "name");
        if !name.is_empty() {
            let msgs = is_port_name(name);
            if !msgs.is_empty() {
                errs.extend(
                    msgs.into_iter()
                        .map(|m| FieldError::invalid(format!("{p}.name"), name, m)),
                );
            } else if !names.insert(name) {
                errs.push(FieldError::duplicate(format!("{p}.name"), name));
            }
        }
        match int_field(port, "containerPort").unwrap_or(0) {
            0 => errs.push(required(format!("{p}.containerPort"))),
            n => errs.extend(
                port_num_error(n).map(|m| FieldError::invalid(format!("{p}.containerPort"), n, m)),
            ),
        }
        let host = int_field(port, "hostPort").unwrap_or(0);
        if host != 0 {
            errs.extend(
                port_num_error(host).map(|m| FieldError::invalid(format!("{p}.hostPort"), host, m)),
            );
        }
        match str_field(port, "protocol") {
            "TCP" | "UDP" | "SCTP" => {}
            "" => errs.push(required(format!("{p}.protocol"))),
            other => errs.push(FieldError::not_supported(
                format!("{p}.protocol"),
                other,
                &["SCTP", "TCP", "UDP"],
            )),
        }
    }
    errs
}

/// `checkHostPortConflicts`: protocol/hostIP/hostPort unique across the given containers.
fn host_port_conflicts(containers: &[Value], path: &str) -> Errs {
    let mut errs = Vec::new();
    let mut seen = HashSet::new();
    for (ci, c) in containers.iter().enumerate() {
        for (pi, port) in list(c, "ports").iter().enumerate() {
            let host = int_field(port, "hostPort").unwrap_or(0);
            if host == 0 {
                continue;
            }
            let key = format!(
                "{}/{}/{host}",
                str_field(port, "protocol"),
                str_field(port, "hostIP")
            );
            if !seen.insert(key.clone()) {
                errs.push(FieldError::duplicate(
                    format!("{path}[{ci}].ports[{pi}].hostPort"),
                    key,
                ));
            }
        }
    }
    errs
}

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

fn env(vars: &[Value], path: &str) -> Errs {
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

fn env_from(sources: &[Value], path: &str) -> Errs {
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

fn volume_mounts(mounts: &[Value], path: &str, ctx: &Ctx) -> Errs {
    let mut errs = Vec::new();
    let mut mount_points = HashSet::new();
    for (i, m) in mounts.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let name = str_field(m, "name");
        if name.is_empty() {
            errs.push(required(format!("{p}.name")));
        }
        if !ctx.volumes.contains(name) {
            errs.push(not_found(format!("{p}.name"), name));
        }
        let mount_path = str_field(m, "mountPath");
        if mount_path.is_empty() {
            errs.push(required(format!("{p}.mountPath")));
        }
        if !mount_points.insert(mount_path) {
            errs.push(FieldError::invalid(
                format!("{p}.mountPath"),
                mount_path,
                "must be unique",
            ));
        }
        // Upstream reports these two at the list's path, not the item's.
        let sub_path = str_field(m, "subPath");
        if !sub_path.is_empty() {
            errs.extend(local_descending_path(sub_path, &format!("{path}.subPath")));
        }
        let expr = str_field(m, "subPathExpr");
        if !expr.is_empty() {
            if !sub_path.is_empty() {
                let msg = "subPathExpr and subPath are mutually exclusive";
                errs.push(FieldError::invalid(format!("{p}.subPathExpr"), expr, msg));
            }
            errs.extend(local_descending_path(expr, &format!("{path}.subPathExpr")));
        }
    }
    errs
}

/// `validateLocalDescendingPath`: relative, without `..` elements.
pub(super) fn local_descending_path(target: &str, path: &str) -> Errs {
    let mut errs = Vec::new();
    if target.starts_with('/') {
        errs.push(FieldError::invalid(path, target, "must be a relative path"));
    }
    if target.split(['/', '\\']).any(|part| part == "..") {
        errs.push(FieldError::invalid(path, target, "must not contain '..'"));
    }
    errs
}

fn probes(c: &Value, p: &str, ctx: &Ctx) -> Errs {
    let mut errs = Vec::new();
    for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        let Some(pr) = field(c, key) else { continue };
        let pp = format!("{p}.{key}");
        errs.extend(probe(pr, &pp, ctx));
        if key == "readinessProbe" {
            if let Some(v) = field(pr, "terminationGracePeriodSeconds") {
                let msg = "must not be set for readinessProbes";
                errs.push(FieldError::invalid(
                    format!("{pp}.terminationGracePeriodSeconds"),
                    v.clone(),
                    msg,
                ));
            }
        } else {
            let threshold = int_field(pr, "successThreshold").unwrap_or(0);
            if threshold != 1 {
                errs.push(FieldError::invalid(
                    format!("{pp}.successThreshold"),
                    threshold,
                    "must be 1",
                ));
            }
        }
    }
    errs
}

fn probe(pr: &Value, path: &str, ctx: &Ctx) -> Errs {
    let mut errs = handler(pr, path, ctx, &["exec", "httpGet", "tcpSocket", "grpc"]);
    for key in [
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ] {
        errs.extend(int_field(pr, key).and_then(|v| nonnegative(format!("{path}.{key}"), v)));
    }
    if let Some(g) = int_field(pr, "terminationGracePeriodSeconds").filter(|g| *g <= 0) {
        errs.push(FieldError::invalid(
            format!("{path}.terminationGracePeriodSeconds"),
            g,
            "must be greater than 0",
        ));
    }
    errs
}

fn lifecycle(l: &Value, path: &str, ctx: &Ctx) -> Errs {
    let mut errs = Vec::new();
    for key in ["postStart", "preStop"] {
        if let Some(h) = field(l, key) {
            errs.extend(handler(
                h,
                &format!("{path}.{key}"),
                ctx,
                &["exec", "httpGet", "tcpSocket", "sleep"],
            ));
        }
    }
    errs
}

/// `validateHandler`: exactly one of the handler kinds, each well formed.
fn handler(h: &Value, path: &str, ctx: &Ctx, kinds: &[&str]) -> Errs {
    let mut errs = Vec::new();
    let mut count = 0;
    for &kind in kinds {
        let Some(action) = field(h, kind) else {
            continue;
        };
        let p = format!("{path}.{kind}");
        if count > 0 {
            errs.push(FieldError::forbidden(
                p,
                "may not specify more than 1 handler type",
            ));
            continue;
        }
        count += 1;
        match kind {
            "exec" if list(action, "command").is_empty() => {
                errs.push(required(format!("{p}.command")))
            }
            "httpGet" => {
                if str_field(action, "path").is_empty() {
                    errs.push(required(format!("{p}.path")));
                }
                errs.extend(port_num_or_name(
                    field(action, "port"),
                    &format!("{p}.port"),
                ));
                let scheme = str_field(action, "scheme");
                if !matches!(scheme, "HTTP" | "HTTPS") {
                    errs.push(FieldError::not_supported(
                        format!("{p}.scheme"),
                        scheme,
                        &["HTTP", "HTTPS"],
                    ));
                }
                for header in list(action, "httpHeaders") {
                    let name = str_field(header, "name");
                    let hp = format!("{p}.httpHeaders");
                    errs.extend(
                        is_http_header_name(name)
                            .into_iter()
                            .map(|m| FieldError::invalid(hp.as_str(), name, m)),
                    );
                }
            }
            "tcpSocket" => errs.extend(port_num_or_name(
                field(action, "port"),
                &format!("{p}.port"),
            )),
            "grpc" => {
                let port = int_field(action, "port").unwrap_or(0);
                errs.extend(
                    port_num_error(port).map(|m| FieldError::invalid(format!("{p}.port"), port, m)),
                );
            }
            "sleep" => {
                let secs = int_field(action, "seconds").unwrap_or(0);
                if let Some(g) = ctx.grace.filter(|g| secs < 0 || secs > *g) {
                    let msg = format!(
                        "must be non-negative and less than terminationGracePeriodSeconds ({g})"
                    );
                    errs.push(FieldError::invalid(p, secs, msg));
                }
            }
            _ => {}
        }
    }
    if count == 0 {
        errs.push(FieldError::required(path, "must specify a handler type"));
    }
    errs
}

/// `ValidatePortNumOrName` for an IntOrString port.
pub(super) fn port_num_or_name(port: Option<&Value>, path: &str) -> Errs {
    match port {
        Some(Value::String(name)) => is_port_name(name)
            .into_iter()
            .map(|m| FieldError::invalid(path, name.as_str(), m))
            .collect(),
        other => {
            let n = other.and_then(Value::as_i64).unwrap_or(0);
            port_num_error(n)
                .map(|m| FieldError::invalid(path, n, m))
                .into_iter()
                .collect()
        }
    }
}

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
fn resources(res: Option<&Value>, path: &str) -> Errs {
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
