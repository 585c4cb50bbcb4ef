//! Services: `ValidateService`, and on update that allocated cluster IPs do not change.

use super::names::{
    is_dns1123_label, is_dns1123_subdomain, is_ip, is_qualified_name, port_num_error, IP_MSG,
};
use super::objectmeta::validate_labels;
use super::probe::port_num_or_name;
use super::{
    field, go_quote, go_strs, int_field, invalid_raw, list, required, str_field, Errs, NULL,
};
use crate::error::{FieldError, FieldErrorType};
use serde_json::Value;
use std::collections::HashSet;

/// The default `--service-node-port-range`.
const NODE_PORT_RANGE: (i64, i64) = (30000, 32767);

/// Seconds a ClientIP session may be kept (`MaxClientIPServiceAffinitySeconds`).
const MAX_AFFINITY_SECONDS: i64 = 86400;

fn cluster_ips(spec: &Value) -> Vec<&str> {
    let ips: Vec<&str> = list(spec, "clusterIPs")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    match str_field(spec, "clusterIP") {
        ip if ips.is_empty() && !ip.is_empty() => vec![ip],
        _ => ips,
    }
}

fn is_headless(spec: &Value) -> bool {
    cluster_ips(spec) == ["None"]
}

pub(super) fn validate(svc: &Value) -> Errs {
    let spec = field(svc, "spec").unwrap_or(&NULL);
    let ty = str_field(spec, "type");
    let ports = list(spec, "ports");
    let headless = is_headless(spec);
    let mut errs = Vec::new();
    if ports.is_empty() && !headless && ty != "ExternalName" {
        errs.push(required("spec.ports"));
    }
    match ty {
        "LoadBalancer" | "NodePort" if headless => errs.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            "None",
            format!("may not be set to 'None' for {ty} services"),
        )),
        "ExternalName" => {
            let forbidden = "may not be set for ExternalName services";
            if !cluster_ips(spec).is_empty() {
                errs.push(FieldError::forbidden("spec.clusterIPs", forbidden));
            }
            if !list(spec, "ipFamilies").is_empty() {
                errs.push(FieldError::forbidden("spec.ipFamilies", forbidden));
            }
            if field(spec, "ipFamilyPolicy").is_some() {
                errs.push(FieldError::forbidden("spec.ipFamilyPolicy", forbidden));
            }
            let cname = str_field(spec, "externalName");
            let cname = cname.strip_suffix('.').unwrap_or(cname);
            if cname.is_empty() {
                errs.push(required("spec.externalName"));
            } else {
                let msgs = is_dns1123_subdomain(cname);
                errs.extend(
                    msgs.into_iter()
                        .map(|m| FieldError::invalid("spec.externalName", cname, m)),
                );
            }
        }
        _ => {}
    }
    let mut names = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        errs.extend(service_port(
            port,
            ports.len() > 1,
            &mut names,
            &format!("spec.ports[{i}]"),
        ));
    }
    errs.extend(validate_labels(field(spec, "selector"), "spec.selector"));
    errs.extend(session_affinity(spec));
    if ty != "ExternalName" {
        errs.extend(cluster_ips_related(spec));
    }
    for (i, ip) in list(spec, "externalIPs").iter().enumerate() {
        let ip = ip.as_str().unwrap_or_default();
        if !is_ip(ip) {
            errs.push(FieldError::invalid(
                format!("spec.externalIPs[{i}]"),
                ip,
                IP_MSG,
            ));
        }
    }
    match ty {
        "ClusterIP" | "ExternalName" | "LoadBalancer" | "NodePort" => {}
        "" => errs.push(required("spec.type")),
        other => errs.push(FieldError::not_supported(
            "spec.type",
            other,
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        )),
    }
    errs.extend(node_ports(ports, ty));
    let mut seen = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let (proto, num) = (
            str_field(port, "protocol"),
            int_field(port, "port").unwrap_or(0),
        );
        if !seen.insert((proto, num)) {
            // Upstream prints the (protocol, port) key as a Go struct.
            let rendered = format!(
                "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{num}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
                go_quote(proto)
            );
            errs.push(FieldError::new(
                FieldErrorType::Duplicate,
                format!("spec.ports[{i}]"),
                None,
                rendered,
            ));
        }
    }
    let lb_only = "may only be used when `type` is 'LoadBalancer'";
    for key in ["allocateLoadBalancerNodePorts", "loadBalancerClass"] {
        if ty != "LoadBalancer" && field(spec, key).is_some() {
            errs.push(FieldError::forbidden(format!("spec.{key}"), lb_only));
        }
    }
    if ty != "LoadBalancer" && !list(spec, "loadBalancerSourceRanges").is_empty() {
        errs.push(FieldError::forbidden(
            "spec.LoadBalancerSourceRanges",
            lb_only,
        ));
    }
    errs.extend(traffic_policies(spec, ty));
    errs
}

fn service_port(port: &Value, require_name: bool, names: &mut HashSet<String>, p: &str) -> Errs {
    let mut errs = Vec::new();
    let name = str_field(port, "name");
    if require_name && name.is_empty() {
        errs.push(required(format!("{p}.name")));
    } else if !name.is_empty() {
        errs.extend(
            is_dns1123_label(name)
                .into_iter()
                .map(|m| FieldError::invalid(format!("{p}.name"), name, m)),
        );
        if !names.insert(name.to_string()) {
            errs.push(FieldError::duplicate(format!("{p}.name"), name));
        }
    }
    let num = int_field(port, "port").unwrap_or(0);
    errs.extend(port_num_error(num).map(|m| FieldError::invalid(format!("{p}.port"), num, m)));
    match str_field(port, "protocol") {
        "TCP" | "UDP" | "SCTP" => {}
        "" => errs.push(required(format!("{p}.protocol"))),
        other => errs.push(FieldError::not_supported(
            format!("{p}.protocol"),
            other,
            &["SCTP", "TCP", "UDP"],
        )),
    }
    errs.extend(port_num_or_name(
        field(port, "targetPort"),
        &format!("{p}.targetPort"),
    ));
    if let Some(app) = field(port, "appProtocol").and_then(Value::as_str) {
        let ap = format!("{p}.appProtocol");
        errs.extend(
            is_qualified_name(app)
                .into_iter()
                .map(|m| FieldError::invalid(ap.as_str(), app, m)),
        );
    }
    errs
}

fn session_affinity(spec: &Value) -> Errs {
    let mut errs = Vec::new();
    let config = field(spec, "sessionAffinityConfig");
    match str_field(spec, "sessionAffinity") {
        "" => errs.push(required("spec.sessionAffinity")),
        "None" if config.is_some() => errs.push(FieldError::forbidden(
            "spec.sessionAffinityConfig",
            "must not be set when session affinity is None",
        )),
        "None" => {}
        "ClientIP" => {
            let when = "when session affinity type is ClientIP";
            let client_ip = config.and_then(|c| field(c, "clientIP"));
            match (
                config,
                client_ip,
                client_ip.and_then(|c| int_field(c, "timeoutSeconds")),
            ) {
                (None, _, _) => errs.push(FieldError::required("spec.sessionAffinityConfig", when)),
                (_, None, _) => errs.push(FieldError::required(
                    "spec.sessionAffinityConfig.clientIP",
                    when,
                )),
                (_, _, None) => errs.push(FieldError::required(
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                    when,
                )),
                (_, _, Some(t)) if t <= 0 || t > MAX_AFFINITY_SECONDS => {
                    errs.push(FieldError::invalid(
                        "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                        t,
                        format!("must be greater than 0 and less than {MAX_AFFINITY_SECONDS}"),
                    ))
                }
                _ => {}
            }
        }
        other => errs.push(FieldError::not_supported(
            "spec.sessionAffinity",
            other,
            &["ClientIP", "None"],
        )),
    }
    errs
}

/// `ValidateServiceClusterIPsRelatedFields`.
fn cluster_ips_related(spec: &Value) -> Errs {
    let mut errs = Vec::new();
    let ip = str_field(spec, "clusterIP");
    let ips: Vec<&str> = list(spec, "clusterIPs")
        .iter()
        .map(|v| v.as_str().unwrap_or_default())
        .collect();
    let rendered = go_strs(&ips);
    if !ip.is_empty() {
        if ips.is_empty() {
            errs.push(required("spec.clusterIPs"));
        } else if ips[0] != ip {
            errs.push(invalid_raw(
                "spec.clusterIPs",
                &rendered,
                "first value must match `clusterIP`",
            ));
        }
    } else if !ips.is_empty() {
        errs.push(invalid_raw(
            "spec.clusterIPs",
            &rendered,
            "must be empty when `clusterIP` is not specified",
        ));
    }
    let families: Vec<&str> = list(spec, "ipFamilies")
        .iter()
        .map(|v| v.as_str().unwrap_or_default())
        .collect();
    for (i, f) in families.iter().enumerate() {
        if !matches!(*f, "IPv4" | "IPv6") {
            errs.push(FieldError::not_supported(
                format!("spec.ipFamilies[{i}]"),
                *f,
                &["IPv4", "IPv6"],
            ));
        }
        if families[..i].contains(f) {
            errs.push(FieldError::duplicate(format!("spec.ipFamilies[{i}]"), *f));
        }
    }
    if let Some(policy) = field(spec, "ipFamilyPolicy").and_then(Value::as_str) {
        if !matches!(
            policy,
            "SingleStack" | "PreferDualStack" | "RequireDualStack"
        ) {
            errs.push(FieldError::not_supported(
                "spec.ipFamilyPolicy",
                policy,
                &["PreferDualStack", "RequireDualStack", "SingleStack"],
            ));
        }
    }
    let mut bad_ips = false;
    for (i, cip) in ips.iter().enumerate() {
        if i == 0 && *cip == "None" {
            if ips.len() > 1 {
                bad_ips = true;
                errs.push(invalid_raw(
                    "spec.clusterIPs",
                    &rendered,
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        if !is_ip(cip) {
            bad_ips = true;
            errs.push(FieldError::invalid(
                format!("spec.clusterIPs[{i}]"),
                *cip,
                IP_MSG,
            ));
        }
    }
    if ips.len() > 2 {
        errs.push(invalid_raw(
            "spec.clusterIPs",
            &rendered,
            "may only hold up to 2 values",
        ));
    }
    if bad_ips {
        return errs;
    }
    let is_v6 = |s: &str| s.contains(':');
    if ips.len() > 1 && ips.iter().filter(|s| is_v6(s)).count() != 1 {
        errs.push(invalid_raw(
            "spec.clusterIPs",
            &rendered,
            "may specify no more than one IP for each IP family",
        ));
    }
    if ips != ["None"] {
        for (i, (cip, fam)) in ips.iter().zip(&families).enumerate() {
            let want = match (*fam, is_v6(cip)) {
                ("IPv4", true) => "IPv4",
                ("IPv6", false) => "IPv6",
                _ => continue,
            };
            let msg = format!("expected an {want} value as indicated by `ipFamilies[{i}]`");
            errs.push(FieldError::invalid(
                format!("spec.clusterIPs[{i}]"),
                *cip,
                msg,
            ));
        }
    }
    errs
}

fn node_ports(ports: &[Value], ty: &str) -> Errs {
    let mut errs = Vec::new();
    let mut seen = HashSet::new();
    for (i, port) in ports.iter().enumerate() {
        let np = int_field(port, "nodePort").unwrap_or(0);
        if np == 0 {
            continue;
        }
        let p = format!("spec.ports[{i}].nodePort");
        match ty {
            "ClusterIP" => errs.push(FieldError::forbidden(
                p.as_str(),
                "may not be used when `type` is 'ClusterIP'",
            )),
            "NodePort" | "LoadBalancer"
                if !(NODE_PORT_RANGE.0..=NODE_PORT_RANGE.1).contains(&np) =>
            {
                let (lo, hi) = NODE_PORT_RANGE;
                let msg = format!("provided port is not in the valid range. The range of valid ports is {lo}-{hi}");
                errs.push(FieldError::invalid(p.as_str(), np, msg));
            }
            _ => {}
        }
        if !seen.insert((str_field(port, "protocol"), np)) {
            errs.push(FieldError::duplicate(p, np));
        }
    }
    errs
}

fn traffic_policies(spec: &Value, ty: &str) -> Errs {
    let mut errs = Vec::new();
    let accessible = matches!(ty, "LoadBalancer" | "NodePort")
        || (ty == "ClusterIP" && !list(spec, "externalIPs").is_empty());
    let etp = str_field(spec, "externalTrafficPolicy");
    if !accessible {
        if !etp.is_empty() {
            let msg = "may only be set for externally-accessible services";
            errs.push(FieldError::invalid("spec.externalTrafficPolicy", etp, msg));
        }
    } else if etp.is_empty() {
        errs.push(required("spec.externalTrafficPolicy"));
    } else if !matches!(etp, "Cluster" | "Local") {
        errs.push(FieldError::not_supported(
            "spec.externalTrafficPolicy",
            etp,
            &["Cluster", "Local"],
        ));
    }
    let hc = int_field(spec, "healthCheckNodePort").unwrap_or(0);
    if hc != 0 && !(ty == "LoadBalancer" && etp == "Local") {
        let msg =
            "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'";
        errs.push(FieldError::invalid("spec.healthCheckNodePort", hc, msg));
    }
    match field(spec, "internalTrafficPolicy").map(|v| v.as_str().unwrap_or_default()) {
        None if matches!(ty, "ClusterIP" | "NodePort" | "LoadBalancer") => {
            errs.push(required("spec.internalTrafficPolicy"))
        }
        Some(itp) if !matches!(itp, "Cluster" | "Local") => errs.push(FieldError::not_supported(
            "spec.internalTrafficPolicy",
            itp,
            &["Cluster", "Local"],
        )),
        _ => {}
    }
    if let Some(td) = field(spec, "trafficDistribution").and_then(Value::as_str) {
        if td != "PreferClose" {
            errs.push(FieldError::not_supported(
                "spec.trafficDistribution",
                td,
                &["PreferClose"],
            ));
        }
    }
    errs
}

/// `ValidateServiceUpdate`: allocated cluster IPs may not change, then the create rules. The
/// update is first read as the registry does: omitted allocations are kept from the stored
/// Service, and a changed `clusterIP` with untouched `clusterIPs` means the primary IP changed.
pub(super) fn validate_update(new: &Value, old: &Value) -> Errs {
    let new = &normalized(new, old);
    let (ns, os) = (
        field(new, "spec").unwrap_or(&NULL),
        field(old, "spec").unwrap_or(&NULL),
    );
    let mut errs = Vec::new();
    let external = |s: &Value| str_field(s, "type") == "ExternalName";
    let ips = |s: &Value| -> Vec<String> {
        list(s, "clusterIPs")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (new_ips, old_ips) = (ips(ns), ips(os));
    let both_headless = is_headless(ns) && is_headless(os);
    if !(external(ns) || external(os) || both_headless) {
        let rendered = go_strs(&new_ips.iter().map(String::as_str).collect::<Vec<_>>());
        let changed = "may not change once set";
        if new_ips.len() == old_ips.len() {
            for (i, (n, o)) in new_ips.iter().zip(&old_ips).enumerate() {
                if n != o {
                    errs.push(invalid_raw(
                        format!("spec.clusterIPs[{i}]"),
                        &rendered,
                        changed,
                    ));
                }
            }
        } else if new_ips.is_empty() {
            errs.push(invalid_raw(
                "spec.clusterIPs[0]",
                &rendered,
                "primary clusterIP can not be unset",
            ));
        } else if !old_ips.is_empty() && new_ips[0] != old_ips[0] {
            errs.push(invalid_raw("spec.clusterIPs[0]", &rendered, changed));
        }
    }
    errs.extend(validate(new));
    errs
}

/// The registry's `patchAllocatedValues` and `NormalizeClusterIPs` for an update.
fn normalized(new: &Value, old: &Value) -> Value {
    let mut new = new.clone();
    let os = field(old, "spec").unwrap_or(&NULL);
    let Some(ns) = new.get_mut("spec").and_then(Value::as_object_mut) else {
        return new;
    };
    let type_of = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let needs_ip = |t: &str| t != "ExternalName";
    if needs_ip(&type_of(ns.get("type"))) && needs_ip(str_field(os, "type")) {
        if type_of(ns.get("clusterIP")).is_empty() && !str_field(os, "clusterIP").is_empty() {
            ns.insert("clusterIP".into(), Value::from(str_field(os, "clusterIP")));
        }
        let none = |v: Option<&Value>| v.and_then(Value::as_array).is_none_or(Vec::is_empty);
        if none(ns.get("clusterIPs")) && !none(os.get("clusterIPs")) {
            ns.insert(
                "clusterIPs".into(),
                os.get("clusterIPs").cloned().unwrap_or(Value::Null),
            );
        }
    }
    let (new_ip, old_ip) = (type_of(ns.get("clusterIP")), str_field(os, "clusterIP"));
    if new_ip != old_ip {
        let same_ips = ns.get("clusterIPs").filter(|v| !v.is_null()) == field(os, "clusterIPs");
        if !old_ip.is_empty() && new_ip.is_empty() && same_ips {
            ns.remove("clusterIPs");
        } else if same_ips {
            ns.insert("clusterIPs".into(), Value::from(vec![new_ip]));
        }
    }
    new
}
