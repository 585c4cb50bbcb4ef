//! Probes and lifecycle hooks (`validateProbe`, `validateHandler`) and IntOrString ports.

use super::container::Ctx;
use super::names::{is_http_header_name, is_port_name, port_num_error};
use super::{field, int_field, list, nonnegative, required, str_field, Errs};
use crate::error::FieldError;
use serde_json::Value;

pub(super) fn probes(c: &Value, p: &str, ctx: &Ctx) -> Errs {
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

pub(super) fn lifecycle(l: &Value, path: &str, ctx: &Ctx) -> Errs {
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
