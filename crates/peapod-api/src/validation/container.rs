//! Containers of a pod spec (`validateContainers`, `validateInitContainers`,
//! `validateEphemeralContainers`): names, images, ports, volume mounts and what all kinds of
//! containers share.

use super::env::{env, env_from};
use super::names::{inclusive_range_error, is_dns1123_label, is_port_name, port_num_error};
use super::probe::{lifecycle, probes};
use super::resources::resources;
use super::{field, int_field, list, not_found, required, str_field, Errs};
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
