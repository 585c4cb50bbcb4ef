//! Workload controllers: Deployments, ReplicaSets and DaemonSets (apps/v1) and Jobs (batch/v1):
//! selectors that match their pod templates, template rules, strategies and immutable fields.

use super::names::{is_percent, percent_error};
use super::objectmeta::{selector_is_empty, selector_matches, validate_label_selector};
use super::pod::validate_pod_template;
use super::{
    bool_field, field, go_int_or_string, go_label_selector, go_quote, go_string_map, immutable,
    int_field, invalid_raw, nonnegative, not_supported_raw, required, str_field, strip_nulls, Errs,
    NULL,
};
use crate::error::FieldError;
use serde_json::Value;

const NOT_MATCHING: &str = "`selector` does not match template `labels`";

fn spec_of(obj: &Value) -> &Value {
    field(obj, "spec").unwrap_or(&NULL)
}

fn nonneg_fields(spec: &Value, keys: &[&str]) -> Errs {
    keys.iter()
        .filter_map(|k| int_field(spec, k).and_then(|v| nonnegative(format!("spec.{k}"), v)))
        .collect()
}

/// `spec.template.metadata.labels` must satisfy the selector (an absent selector matches
/// nothing, an empty one everything).
fn template_matches(spec: &Value) -> Option<FieldError> {
    let sel = field(spec, "selector");
    let labels = field(spec, "template")
        .and_then(|t| field(t, "metadata"))
        .and_then(|m| field(m, "labels"));
    if sel.is_some_and(selector_is_empty) || selector_matches(sel, labels) {
        return None;
    }
    Some(invalid_raw(
        "spec.template.metadata.labels",
        &go_string_map(labels),
        NOT_MATCHING,
    ))
}

/// A required, non-empty selector, as for Deployments and ReplicaSets.
fn required_selector(spec: &Value, kind_word: &str) -> Errs {
    let Some(sel) = field(spec, "selector") else {
        return vec![required("spec.selector")];
    };
    let mut errs = validate_label_selector(sel, "spec.selector");
    if selector_is_empty(sel) {
        let msg = format!("empty selector is invalid for {kind_word}");
        errs.push(invalid_raw("spec.selector", &go_label_selector(sel), &msg));
    }
    errs
}

/// The pod template of a controller whose pods always restart.
fn always_restarting_template(spec: &Value, kind: &str) -> Errs {
    let template = field(spec, "template").unwrap_or(&NULL);
    let mut errs = validate_pod_template(template, "spec.template");
    let tspec = field(template, "spec").unwrap_or(&NULL);
    let rp = str_field(tspec, "restartPolicy");
    if rp != "Always" {
        errs.push(FieldError::not_supported(
            "spec.template.spec.restartPolicy",
            rp,
            &["Always"],
        ));
    }
    if field(tspec, "activeDeadlineSeconds").is_some() {
        let msg = format!("activeDeadlineSeconds in {kind} is not Supported");
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            msg,
        ));
    }
    errs
}

pub(super) fn validate_deployment(obj: &Value) -> Errs {
    let spec = spec_of(obj);
    let mut errs = nonneg_fields(spec, &["replicas"]);
    errs.extend(required_selector(spec, "deployment"));
    errs.extend(template_matches(spec));
    errs.extend(always_restarting_template(spec, "ReplicaSet"));
    errs.extend(deployment_strategy(
        field(spec, "strategy").unwrap_or(&NULL),
    ));
    errs.extend(nonneg_fields(
        spec,
        &[
            "minReadySeconds",
            "revisionHistoryLimit",
            "progressDeadlineSeconds",
        ],
    ));
    if let Some(pds) = int_field(spec, "progressDeadlineSeconds") {
        if pds <= int_field(spec, "minReadySeconds").unwrap_or(0) {
            errs.push(FieldError::invalid(
                "spec.progressDeadlineSeconds",
                pds,
                "must be greater than minReadySeconds",
            ));
        }
    }
    errs
}

pub(super) fn validate_replicaset(obj: &Value) -> Errs {
    let spec = spec_of(obj);
    let mut errs = nonneg_fields(spec, &["replicas", "minReadySeconds"]);
    // Upstream's ReplicaSet message says "deployment" too.
    errs.extend(required_selector(spec, "deployment"));
    errs.extend(template_matches(spec));
    errs.extend(always_restarting_template(spec, "ReplicaSet"));
    errs
}

pub(super) fn validate_daemonset(obj: &Value) -> Errs {
    let spec = spec_of(obj);
    let mut errs = Vec::new();
    let sel = field(spec, "selector");
    if let Some(sel) = sel {
        errs.extend(validate_label_selector(sel, "spec.selector"));
    }
    errs.extend(template_matches(spec));
    if let Some(sel) = sel.filter(|s| selector_is_empty(s)) {
        errs.push(invalid_raw(
            "spec.selector",
            &go_label_selector(sel),
            "empty selector is invalid for daemonset",
        ));
    }
    errs.extend(always_restarting_template(spec, "DaemonSet"));
    errs.extend(nonneg_fields(
        spec,
        &["minReadySeconds", "templateGeneration"],
    ));
    let strategy = field(spec, "updateStrategy").unwrap_or(&NULL);
    match str_field(strategy, "type") {
        "OnDelete" => {}
        "RollingUpdate" => match field(strategy, "rollingUpdate") {
            None => errs.push(required("spec.updateStrategy.rollingUpdate")),
            Some(ru) => {
                let p = "spec.updateStrategy.rollingUpdate";
                let (unavailable, surge) = (int_or_percent(ru, "maxUnavailable"), int_or_percent(ru, "maxSurge"));
                errs.extend(positive_int_or_percent(field(ru, "maxUnavailable"), &format!("{p}.maxUnavailable")));
                errs.extend(positive_int_or_percent(field(ru, "maxSurge"), &format!("{p}.maxSurge")));
                errs.extend(not_over_100(field(ru, "maxUnavailable"), &format!("{p}.maxUnavailable")));
                errs.extend(not_over_100(field(ru, "maxSurge"), &format!("{p}.maxSurge")));
                match (unavailable != 0, surge != 0) {
                    (true, true) => errs.push(invalid_raw(
                        format!("{p}.maxSurge"),
                        &go_int_or_string(field(ru, "maxSurge").unwrap_or(&NULL)),
                        "may not be set when maxUnavailable is non-zero",
                    )),
                    (false, false) => errs.push(FieldError::required(
                        format!("{p}.maxUnavailable"),
                        "cannot be 0 when maxSurge is 0",
                    )),
                    _ => {}
                }
            }
        },
        other => errs.push(not_supported_raw(
            "spec.updateStrategy",
            &format!("apps.DaemonSetUpdateStrategy{{Type:{}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}}", go_quote(other)),
            &["RollingUpdate", "OnDelete"],
        )),
    }
    errs.extend(nonneg_fields(spec, &["revisionHistoryLimit"]));
    errs
}

fn deployment_strategy(strategy: &Value) -> Errs {
    let mut errs = Vec::new();
    match str_field(strategy, "type") {
        "Recreate" if field(strategy, "rollingUpdate").is_some() => errs.push(FieldError::forbidden(
            "spec.strategy.rollingUpdate",
            "may not be specified when strategy `type` is 'Recreate'",
        )),
        "Recreate" => {}
        "RollingUpdate" => match field(strategy, "rollingUpdate") {
            None => errs.push(FieldError::required(
                "spec.strategy.rollingUpdate",
                "this should be defaulted and never be nil",
            )),
            Some(ru) => {
                let p = "spec.strategy.rollingUpdate";
                errs.extend(positive_int_or_percent(field(ru, "maxUnavailable"), &format!("{p}.maxUnavailable")));
                errs.extend(positive_int_or_percent(field(ru, "maxSurge"), &format!("{p}.maxSurge")));
                if int_or_percent(ru, "maxUnavailable") == 0 && int_or_percent(ru, "maxSurge") == 0 {
                    errs.push(invalid_raw(
                        format!("{p}.maxUnavailable"),
                        &go_int_or_string(field(ru, "maxUnavailable").unwrap_or(&NULL)),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
                errs.extend(not_over_100(field(ru, "maxUnavailable"), &format!("{p}.maxUnavailable")));
            }
        },
        other => errs.push(not_supported_raw(
            "spec.strategy",
            &format!("apps.DeploymentStrategy{{Type:{}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}}", go_quote(other)),
            &["Recreate", "RollingUpdate"],
        )),
    }
    errs
}

/// The number an int-or-percent stands for (the percentage itself for `25%`).
fn int_or_percent(v: &Value, key: &str) -> i64 {
    match field(v, key) {
        Some(Value::String(s)) if is_percent(s) => s.trim_end_matches('%').parse().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(n) => n.as_i64().unwrap_or(0),
        None => 0,
    }
}

fn positive_int_or_percent(v: Option<&Value>, path: &str) -> Errs {
    match v {
        Some(Value::String(s)) if !is_percent(s) => {
            vec![invalid_raw(
                path,
                &go_int_or_string(&Value::String(s.clone())),
                &percent_error(),
            )]
        }
        Some(n @ Value::Number(_)) => n
            .as_i64()
            .and_then(|n| nonnegative(path, n))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn not_over_100(v: Option<&Value>, path: &str) -> Errs {
    match v {
        Some(Value::String(s))
            if is_percent(s)
                && s.trim_end_matches('%')
                    .parse::<u64>()
                    .is_ok_and(|n| n > 100) =>
        {
            vec![invalid_raw(
                path,
                &go_int_or_string(&Value::String(s.clone())),
                "must not be greater than 100%",
            )]
        }
        _ => Vec::new(),
    }
}

/// apps/v1 selectors are immutable after creation.
pub(super) fn selector_immutable(new: &Value, old: &Value) -> Errs {
    let sel = |o: &Value| field(spec_of(o), "selector").map(strip_nulls);
    match (sel(new), sel(old)) {
        (Some(n), o) if Some(&n) != o.as_ref() => {
            vec![invalid_raw(
                "spec.selector",
                &go_label_selector(&n),
                "field is immutable",
            )]
        }
        _ => Vec::new(),
    }
}

pub(super) fn validate_job(obj: &Value) -> Errs {
    let spec = spec_of(obj);
    let mut errs = nonneg_fields(
        spec,
        &[
            "parallelism",
            "completions",
            "activeDeadlineSeconds",
            "backoffLimit",
            "backoffLimitPerIndex",
        ],
    );
    match str_field(spec, "completionMode") {
        "" | "NonIndexed" => {}
        "Indexed" if int_field(spec, "completions").is_none() => errs.push(FieldError::required(
            "spec.completions",
            "when completion mode is Indexed",
        )),
        "Indexed" => {}
        other => errs.push(FieldError::not_supported(
            "spec.completionMode",
            other,
            &["NonIndexed", "Indexed"],
        )),
    }
    if let Some(prp) = field(spec, "podReplacementPolicy").and_then(Value::as_str) {
        if !matches!(prp, "TerminatingOrFailed" | "Failed") {
            errs.push(FieldError::not_supported(
                "spec.podReplacementPolicy",
                prp,
                &["Failed", "TerminatingOrFailed"],
            ));
        }
    }
    let template = field(spec, "template").unwrap_or(&NULL);
    errs.extend(validate_pod_template(template, "spec.template"));
    let rp = field(template, "spec")
        .map(|s| str_field(s, "restartPolicy"))
        .unwrap_or_default();
    if !matches!(rp, "OnFailure" | "Never") {
        errs.push(FieldError::not_supported(
            "spec.template.spec.restartPolicy",
            rp,
            &["OnFailure", "Never"],
        ));
    }
    // Without manualSelector the selector is generated from the Job's uid, after validation.
    match field(spec, "selector") {
        Some(sel) => {
            errs.extend(validate_label_selector(sel, "spec.selector"));
            errs.extend(template_matches(spec));
        }
        None if bool_field(spec, "manualSelector") => errs.push(required("spec.selector")),
        None => {}
    }
    errs
}

/// A Job's selector and pod template are immutable, and so are completions (unless an Indexed
/// Job scales completions together with parallelism).
pub(super) fn validate_job_update(new: &Value, old: &Value) -> Errs {
    let (ns, os) = (spec_of(new), spec_of(old));
    let mut errs = validate_job(new);
    let (nc, oc) = (field(ns, "completions"), field(os, "completions"));
    let elastic = str_field(ns, "completionMode") == "Indexed" && nc == field(ns, "parallelism");
    if nc != oc && !elastic {
        errs.push(immutable(
            "spec.completions",
            nc.cloned().unwrap_or(Value::Null),
        ));
    }
    let old_sel = field(os, "selector").map(strip_nulls);
    if let Some(sel) = field(ns, "selector")
        .map(strip_nulls)
        .filter(|s| old_sel.is_some() && Some(s) != old_sel.as_ref())
    {
        errs.push(invalid_raw(
            "spec.selector",
            &go_label_selector(&sel),
            "field is immutable",
        ));
    }
    let template = |s: &Value| field(s, "template").map(strip_nulls);
    if template(ns) != template(os) {
        errs.push(immutable(
            "spec.template",
            template(ns).unwrap_or(Value::Null),
        ));
    }
    errs
}
