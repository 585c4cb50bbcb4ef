//! Pods and pod templates: `ValidatePodSpec` (DNS, security context, scheduling fields,
//! tolerations), `ValidatePodCreate` and `ValidatePodTemplateSpec`.

use super::container::{self, Ctx};
use super::names::{
    inclusive_range_error, is_dns1123_label, is_dns1123_subdomain,
    is_dns1123_subdomain_with_underscore, is_ip, is_label_value, is_qualified_name, IP_MSG,
};
use super::objectmeta::{validate_annotations, validate_labels};
use super::volume::validate_volumes;
use super::{
    bool_field, field, go_string_slice, int_field, invalid_raw, list, nonnegative, required,
    str_field, Errs, NULL,
};
use crate::error::FieldError;
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) const MAX_INT32: i64 = i32::MAX as i64;

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
