//! Pods and pod templates: `ValidatePodSpec` (volumes, DNS, scheduling fields, tolerations),
//! `ValidatePodCreate`, `ValidatePodUpdate` and `ValidatePodTemplateSpec`.

use super::container::{self, Ctx};
use super::names::{
    inclusive_range_error, is_dns1123_label, is_dns1123_subdomain,
    is_dns1123_subdomain_with_underscore, is_ip, is_label_value, is_qualified_name, IP_MSG,
};
use super::objectmeta::{validate_annotations, validate_labels};
use super::{
    bool_field, field, go_string_slice, int_field, invalid_raw, list, nonnegative, required,
    str_field, strip_nulls, Errs, NULL,
};
use crate::error::FieldError;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Volume source members, in the order upstream checks them.
pub(crate) const VOLUME_SOURCES: &[&str] = &[
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
];

const UPDATABLE_POD_SPEC_FIELDS: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

const MAX_INT32: i64 = i32::MAX as i64;

pub(super) fn validate_pod_create(pod: &Value) -> Errs {
    let spec = field(pod, "spec").unwrap_or(&NULL);
    let mut errs = validate_pod_spec(spec, "spec", true);
    if !list(spec, "ephemeralContainers").is_empty() {
        errs.push(FieldError::forbidden(
            "spec.ephemeralContainers",
            "cannot be set on create",
        ));
    }
    if !str_field(spec, "nodeName").is_empty() && !list(spec, "schedulingGates").is_empty() {
        errs.push(FieldError::forbidden(
            "spec.nodeName",
            "cannot be set until all schedulingGates have been cleared",
        ));
    }
    errs
}

/// `ValidatePodTemplateSpec` at `path` (such as `spec.template`).
pub(super) fn validate_pod_template(template: &Value, path: &str) -> Errs {
    let md = field(template, "metadata").unwrap_or(&NULL);
    let mut errs = validate_labels(field(md, "labels"), &format!("{path}.labels"));
    errs.extend(validate_annotations(
        field(md, "annotations"),
        &format!("{path}.annotations"),
    ));
    let spec = field(template, "spec").unwrap_or(&NULL);
    errs.extend(validate_pod_spec(spec, &format!("{path}.spec"), false));
    if !list(spec, "ephemeralContainers").is_empty() {
        let p = format!("{path}.spec.ephemeralContainers");
        errs.push(FieldError::forbidden(
            p,
            "ephemeral containers not allowed in pod template",
        ));
    }
    errs
}

/// `ValidatePodSpec`; `is_pod` is upstream's `ResourceIsPod` (not a template in another kind).
pub(super) fn validate_pod_spec(spec: &Value, path: &str, is_pod: bool) -> Errs {
    let mut errs = Vec::new();
    let grace = int_field(spec, "terminationGracePeriodSeconds");
    match grace {
        None => errs.push(required(format!("{path}.terminationGracePeriodSeconds"))),
        Some(g) => errs.extend(nonnegative(
            format!("{path}.terminationGracePeriodSeconds"),
            g,
        )),
    }
    let (volumes, volume_errs) =
        validate_volumes(list(spec, "volumes"), &format!("{path}.volumes"));
    errs.extend(volume_errs);
    let ctx = Ctx {
        volumes: &volumes,
        grace,
        is_pod,
    };
    let (containers, inits) = (list(spec, "containers"), list(spec, "initContainers"));
    errs.extend(container::validate_containers(
        containers,
        &format!("{path}.containers"),
        &ctx,
    ));
    errs.extend(container::validate_init_containers(
        inits,
        containers,
        &format!("{path}.initContainers"),
        &ctx,
    ));
    let ephemeral = list(spec, "ephemeralContainers");
    let eph_path = format!("{path}.ephemeralContainers");
    errs.extend(container::validate_ephemeral_containers(
        ephemeral, containers, inits, &eph_path, &ctx,
    ));
    if bool_field(spec, "hostNetwork") {
        errs.extend(host_network_ports(containers, path, is_pod));
    }
    match str_field(spec, "restartPolicy") {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.push(required(format!("{path}.restartPolicy"))),
        other => errs.push(FieldError::not_supported(
            format!("{path}.restartPolicy"),
            other,
            &["Always", "OnFailure", "Never"],
        )),
    }
    let dns_policy = str_field(spec, "dnsPolicy");
    match dns_policy {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => errs.push(required(format!("{path}.dnsPolicy"))),
        other => errs.push(FieldError::not_supported(
            format!("{path}.dnsPolicy"),
            other,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        )),
    }
    errs.extend(validate_labels(
        field(spec, "nodeSelector"),
        &format!("{path}.nodeSelector"),
    ));
    errs.extend(pod_security_context(
        spec,
        &format!("{path}.securityContext"),
    ));
    errs.extend(dns_config(
        field(spec, "dnsConfig"),
        dns_policy,
        &format!("{path}.dnsConfig"),
    ));
    for (i, gate) in list(spec, "readinessGates").iter().enumerate() {
        let t = str_field(gate, "conditionType");
        let p = format!("{path}.readinessGates[{i}].conditionType");
        errs.extend(
            is_qualified_name(t)
                .into_iter()
                .map(|m| FieldError::invalid(p.as_str(), t, m)),
        );
    }
    let mut gates = BTreeSet::new();
    for (i, gate) in list(spec, "schedulingGates").iter().enumerate() {
        let name = str_field(gate, "name");
        let p = format!("{path}.schedulingGates[{i}]");
        errs.extend(
            is_qualified_name(name)
                .into_iter()
                .map(|m| FieldError::invalid(p.as_str(), name, m)),
        );
        if !gates.insert(name) {
            errs.push(FieldError::duplicate(p, name));
        }
    }
    for key in ["serviceAccountName", "nodeName"] {
        let v = str_field(spec, key);
        if !v.is_empty() {
            let p = format!("{path}.{key}");
            errs.extend(
                is_dns1123_subdomain(v)
                    .into_iter()
                    .map(|m| FieldError::invalid(p.as_str(), v, m)),
            );
        }
    }
    if let Some(ads) =
        int_field(spec, "activeDeadlineSeconds").filter(|v| !(1..=MAX_INT32).contains(v))
    {
        let p = format!("{path}.activeDeadlineSeconds");
        errs.push(FieldError::invalid(
            p,
            ads,
            inclusive_range_error(1, MAX_INT32),
        ));
    }
    for key in ["hostname", "subdomain"] {
        let v = str_field(spec, key);
        if !v.is_empty() {
            let p = format!("{path}.{key}");
            errs.extend(
                is_dns1123_label(v)
                    .into_iter()
                    .map(|m| FieldError::invalid(p.as_str(), v, m)),
            );
        }
    }
    errs.extend(validate_tolerations(
        list(spec, "tolerations"),
        &format!("{path}.tolerations"),
    ));
    for (i, alias) in list(spec, "hostAliases").iter().enumerate() {
        let ip = str_field(alias, "ip");
        if !is_ip(ip) {
            errs.push(FieldError::invalid(
                format!("{path}.hostAliases[{i}].ip"),
                ip,
                IP_MSG,
            ));
        }
        for (j, h) in list(alias, "hostnames").iter().enumerate() {
            let h = h.as_str().unwrap_or_default();
            let p = format!("{path}.hostAliases[{i}].hostnames[{j}]");
            errs.extend(
                is_dns1123_subdomain(h)
                    .into_iter()
                    .map(|m| FieldError::invalid(p.as_str(), h, m)),
            );
        }
    }
    let pcn = str_field(spec, "priorityClassName");
    if !pcn.is_empty() {
        let p = format!("{path}.priorityClassName");
        errs.extend(
            is_dns1123_subdomain(pcn)
                .into_iter()
                .map(|m| FieldError::invalid(p.as_str(), pcn, m)),
        );
    }
    if let Some(pp) = field(spec, "preemptionPolicy") {
        match pp.as_str().unwrap_or_default() {
            "PreemptLowerPriority" | "Never" => {}
            "" => errs.push(required(format!("{path}.preemptionPolicy"))),
            other => errs.push(FieldError::not_supported(
                format!("{path}.preemptionPolicy"),
                other,
                &["PreemptLowerPriority", "Never"],
            )),
        }
    }
    errs
}

/// `ValidateVolumes`: unique DNS-label names and exactly one source each. Returns the names of
/// the valid volumes, which container volume mounts may refer to.
fn validate_volumes(volumes: &[Value], path: &str) -> (BTreeSet<String>, Errs) {
    let mut names = BTreeSet::new();
    let mut errs = Vec::new();
    for (i, vol) in volumes.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let name = str_field(vol, "name");
        let mut el = volume_source(vol, &p);
        if name.is_empty() {
            el.push(required(format!("{p}.name")));
        } else {
            el.extend(
                is_dns1123_label(name)
                    .into_iter()
                    .map(|m| FieldError::invalid(format!("{p}.name"), name, m)),
            );
        }
        if names.contains(name) {
            el.push(FieldError::duplicate(format!("{p}.name"), name));
        }
        if el.is_empty() {
            names.insert(name.to_string());
        }
        errs.extend(el);
    }
    (names, errs)
}

fn volume_source(vol: &Value, p: &str) -> Errs {
    let mut errs = Vec::new();
    let mut count = 0;
    for &kind in VOLUME_SOURCES {
        let Some(src) = field(vol, kind) else {
            continue;
        };
        let sp = format!("{p}.{kind}");
        if count > 0 {
            errs.push(FieldError::forbidden(
                sp,
                "may not specify more than 1 volume type",
            ));
            continue;
        }
        count += 1;
        let required_member = match kind {
            "secret" => Some("secretName"),
            "configMap" => Some("name"),
            "hostPath" => Some("path"),
            "persistentVolumeClaim" => Some("claimName"),
            "nfs" => Some("server"),
            _ => None,
        };
        if let Some(member) = required_member.filter(|m| str_field(src, m).is_empty()) {
            errs.push(required(format!("{sp}.{member}")));
        }
        if kind == "hostPath" {
            let hp = str_field(src, "path");
            if hp.split('/').any(|part| part == "..") {
                errs.push(FieldError::invalid(
                    format!("{sp}.path"),
                    hp,
                    "must not contain '..'",
                ));
            }
        }
        if let Some(mode) = int_field(src, "defaultMode").filter(|m| !(0..=0o777).contains(m)) {
            let msg = "must be a number between 0 and 0777 (octal), both inclusive";
            errs.push(FieldError::invalid(format!("{sp}.defaultMode"), mode, msg));
        }
    }
    if count == 0 {
        errs.push(FieldError::required(p, "must specify a volume type"));
    }
    errs
}

/// With hostNetwork a pod's host ports must equal its container ports (a template may leave
/// them unset; they are defaulted when the pod is created).
fn host_network_ports(containers: &[Value], path: &str, is_pod: bool) -> Errs {
    let mut errs = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        for (j, port) in list(c, "ports").iter().enumerate() {
            let hp = int_field(port, "hostPort").unwrap_or(0);
            let cp = int_field(port, "containerPort").unwrap_or(0);
            if (is_pod || hp != 0) && hp != cp {
                let p = format!("{path}.containers[{i}].ports[{j}].hostPort");
                errs.push(FieldError::invalid(
                    p,
                    hp,
                    "must match `containerPort` when `hostNetwork` is true",
                ));
            }
        }
    }
    errs
}

fn pod_security_context(spec: &Value, path: &str) -> Errs {
    let mut errs = Vec::new();
    let Some(sc) = field(spec, "securityContext") else {
        return errs;
    };
    let range = inclusive_range_error(0, MAX_INT32);
    for key in ["fsGroup", "runAsUser", "runAsGroup"] {
        if let Some(id) = int_field(sc, key).filter(|id| !(0..=MAX_INT32).contains(id)) {
            errs.push(FieldError::invalid(
                format!("{path}.{key}"),
                id,
                range.as_str(),
            ));
        }
    }
    for (i, gid) in list(sc, "supplementalGroups").iter().enumerate() {
        if let Some(id) = gid.as_i64().filter(|id| !(0..=MAX_INT32).contains(id)) {
            errs.push(FieldError::invalid(
                format!("{path}.supplementalGroups[{i}]"),
                id,
                range.as_str(),
            ));
        }
    }
    if bool_field(spec, "shareProcessNamespace") && bool_field(spec, "hostPID") {
        let msg = "ShareProcessNamespace and HostPID cannot both be enabled";
        errs.push(FieldError::invalid(
            format!("{path}.shareProcessNamespace"),
            true,
            msg,
        ));
    }
    errs
}

/// `validatePodDNSConfig` (relaxed search-domain validation, on by default in v1.33).
fn dns_config(config: Option<&Value>, policy: &str, path: &str) -> Errs {
    let mut errs = Vec::new();
    if policy == "None" {
        let Some(c) = config else {
            return vec![FieldError::required(
                path,
                "must provide `dnsConfig` when `dnsPolicy` is None",
            )];
        };
        if list(c, "nameservers").is_empty() {
            let msg = "must provide at least one DNS nameserver when `dnsPolicy` is None";
            return vec![FieldError::required(format!("{path}.nameservers"), msg)];
        }
    }
    let Some(c) = config else { return errs };
    let nameservers = list(c, "nameservers");
    if nameservers.len() > 3 {
        let rendered = go_string_slice(field(c, "nameservers"));
        errs.push(invalid_raw(
            format!("{path}.nameservers"),
            &rendered,
            "must not have more than 3 nameservers",
        ));
    }
    for (i, ns) in nameservers.iter().enumerate() {
        let ns = ns.as_str().unwrap_or_default();
        if !is_ip(ns) {
            errs.push(FieldError::invalid(
                format!("{path}.nameservers[{i}]"),
                ns,
                IP_MSG,
            ));
        }
    }
    let searches: Vec<&str> = list(c, "searches")
        .iter()
        .map(|s| s.as_str().unwrap_or_default())
        .collect();
    let rendered = go_string_slice(field(c, "searches"));
    if searches.len() > 32 {
        errs.push(invalid_raw(
            format!("{path}.searches"),
            &rendered,
            "must not have more than 32 search paths",
        ));
    }
    if searches.join(" ").len() > 2048 {
        let msg = "must not have more than 2048 characters (including spaces) in the search list";
        errs.push(invalid_raw(format!("{path}.searches"), &rendered, msg));
    }
    for (i, s) in searches.iter().enumerate() {
        if *s != "." {
            let s = s.strip_suffix('.').unwrap_or(s);
            let p = format!("{path}.searches[{i}]");
            errs.extend(
                is_dns1123_subdomain_with_underscore(s)
                    .into_iter()
                    .map(|m| FieldError::invalid(p.as_str(), s, m)),
            );
        }
    }
    for (i, o) in list(c, "options").iter().enumerate() {
        if str_field(o, "name").is_empty() {
            errs.push(FieldError::required(
                format!("{path}.options[{i}]"),
                "must not be empty",
            ));
        }
    }
    errs
}

/// `ValidateTolerations`.
fn validate_tolerations(tolerations: &[Value], path: &str) -> Errs {
    let mut errs = Vec::new();
    for (i, t) in tolerations.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let (key, op, effect) = (
            str_field(t, "key"),
            str_field(t, "operator"),
            str_field(t, "effect"),
        );
        if !key.is_empty() {
            errs.extend(
                is_qualified_name(key)
                    .into_iter()
                    .map(|m| FieldError::invalid(format!("{p}.key"), key, m)),
            );
        }
        if key.is_empty() && op != "Exists" {
            let msg = "operator must be Exists when `key` is empty, which means \"match all values and all keys\"";
            errs.push(FieldError::invalid(format!("{p}.operator"), op, msg));
        }
        if field(t, "tolerationSeconds").is_some() && effect != "NoExecute" {
            let msg = "effect must be 'NoExecute' when `tolerationSeconds` is set";
            errs.push(FieldError::invalid(format!("{p}.effect"), effect, msg));
        }
        let value = str_field(t, "value");
        match op {
            "Equal" | "" => {
                let msgs = is_label_value(value);
                if !msgs.is_empty() {
                    errs.push(FieldError::invalid(
                        format!("{p}.operator"),
                        value,
                        msgs.join(";"),
                    ));
                }
            }
            "Exists" if !value.is_empty() => errs.push(FieldError::invalid(
                format!("{p}.operator"),
                value,
                "value must be empty when `operator` is 'Exists'",
            )),
            "Exists" => {}
            other => errs.push(FieldError::not_supported(
                format!("{p}.operator"),
                other,
                &["Equal", "Exists"],
            )),
        }
        if !effect.is_empty() && !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute")
        {
            errs.push(FieldError::not_supported(
                format!("{p}.effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
    errs
}

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

/// Whether a volume carries any source (used by defaulting to add `emptyDir: {}`).
pub(crate) fn has_volume_source(vol: &Map<String, Value>) -> bool {
    VOLUME_SOURCES
        .iter()
        .any(|k| vol.get(*k).is_some_and(|v| !v.is_null()))
}
