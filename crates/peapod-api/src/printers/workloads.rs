//! Deployments, ReplicaSets, DaemonSets and Jobs.

use serde_json::Value;

use super::format::{
    age, at, container_cells, first_condition_true, format_label_selector, format_labels,
    human_duration, int_at, label_selector_string, list_at, map_at, name, opt_int_at, time_at,
};

const TEMPLATE_CONTAINERS: &[&str] = &["spec", "template", "spec", "containers"];

/// `spec.replicas`; apps/v1 defaults it to 1 before anything is stored.
fn desired_replicas(obj: &Value) -> i64 {
    opt_int_at(obj, &["spec", "replicas"]).unwrap_or(1)
}

pub(super) fn deployment_cells(d: &Value, now: i64) -> Vec<Value> {
    let (containers, images) = container_cells(list_at(d, TEMPLATE_CONTAINERS));
    // Unlike the other workloads, an empty selector prints as "" here, not `<none>`.
    let selector = label_selector_string(at(d, &["spec", "selector"]))
        .unwrap_or_else(|| "<invalid>".to_string());
    vec![
        name(d),
        Value::from(format!(
            "{}/{}",
            int_at(d, &["status", "readyReplicas"]),
            desired_replicas(d)
        )),
        Value::from(int_at(d, &["status", "updatedReplicas"])),
        Value::from(int_at(d, &["status", "availableReplicas"])),
        age(d, now),
        Value::from(containers),
        Value::from(images),
        Value::from(selector),
    ]
}

pub(super) fn replica_set_cells(rs: &Value, now: i64) -> Vec<Value> {
    let (containers, images) = container_cells(list_at(rs, TEMPLATE_CONTAINERS));
    vec![
        name(rs),
        Value::from(desired_replicas(rs)),
        Value::from(int_at(rs, &["status", "replicas"])),
        Value::from(int_at(rs, &["status", "readyReplicas"])),
        age(rs, now),
        Value::from(containers),
        Value::from(images),
        Value::from(format_label_selector(at(rs, &["spec", "selector"]))),
    ]
}

pub(super) fn daemon_set_cells(ds: &Value, now: i64) -> Vec<Value> {
    let (containers, images) = container_cells(list_at(ds, TEMPLATE_CONTAINERS));
    let status = |field: &str| Value::from(int_at(ds, &["status", field]));
    vec![
        name(ds),
        status("desiredNumberScheduled"),
        status("currentNumberScheduled"),
        status("numberReady"),
        status("updatedNumberScheduled"),
        status("numberAvailable"),
        Value::from(format_labels(map_at(
            ds,
            &["spec", "template", "spec", "nodeSelector"],
        ))),
        age(ds, now),
        Value::from(containers),
        Value::from(images),
        Value::from(format_label_selector(at(ds, &["spec", "selector"]))),
    ]
}

pub(super) fn job_cells(job: &Value, now: i64) -> Vec<Value> {
    let succeeded = int_at(job, &["status", "succeeded"]);
    let completions = match opt_int_at(job, &["spec", "completions"]) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match int_at(job, &["spec", "parallelism"]) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let duration = match (
        time_at(job, &["status", "startTime"]),
        time_at(job, &["status", "completionTime"]),
    ) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.saturating_sub(start)),
        (Some(start), Some(end)) => human_duration(end.saturating_sub(start)),
    };
    let (containers, images) = container_cells(list_at(job, TEMPLATE_CONTAINERS));
    vec![
        name(job),
        Value::from(job_status(job)),
        Value::from(completions),
        Value::from(duration),
        age(job, now),
        Value::from(containers),
        Value::from(images),
        Value::from(format_label_selector(at(job, &["spec", "selector"]))),
    ]
}

/// The STATUS cell, first match wins. 1.33 has no `SuccessCriteriaMet` status (added in 1.34):
/// such a job reads `Running` until its `Complete` condition lands.
fn job_status(job: &Value) -> &'static str {
    let conditions = list_at(job, &["status", "conditions"]);
    if first_condition_true(conditions, "Complete") {
        "Complete"
    } else if first_condition_true(conditions, "Failed") {
        "Failed"
    } else if at(job, &["metadata", "deletionTimestamp"]).is_some() {
        "Terminating"
    } else if first_condition_true(conditions, "Suspended") {
        "Suspended"
    } else if first_condition_true(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{ago, check};
    use serde_json::{json, Value};

    fn template() -> Value {
        json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.27"}, {"name": "sidecar", "image": "busybox"}]}})
    }

    #[test]
    fn deployments() {
        let d = json!({"metadata": {"name": "web", "creationTimestamp": ago(3600)},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template()},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        check(
            "deployments",
            d,
            &[
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("60m"),
                json!("nginx,sidecar"),
                json!("nginx:1.27,busybox"),
                json!("app=web"),
            ],
        );
        let fresh = json!({"metadata": {"name": "new"}, "spec": {"selector": {}}});
        check(
            "deployments",
            fresh,
            &[
                json!("new"),
                json!("0/1"),
                json!(0),
                json!(0),
                json!("<unknown>"),
                json!(""),
                json!(""),
                json!(""),
            ],
        );
        let bad = json!({"metadata": {"name": "bad"}, "spec": {"replicas": 0, "selector": {"matchExpressions": [
            {"key": "a", "operator": "Bogus"}]}}});
        check(
            "deployments",
            bad,
            &[
                json!("bad"),
                json!("0/0"),
                json!(0),
                json!(0),
                json!("<unknown>"),
                json!(""),
                json!(""),
                json!("<invalid>"),
            ],
        );
    }

    #[test]
    fn replica_sets() {
        let rs = json!({"metadata": {"name": "web-7d4b9c8f5", "creationTimestamp": ago(600)},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7d4b9c8f5"}},
                     "template": template()},
            "status": {"replicas": 3, "readyReplicas": 1}});
        check(
            "replicasets",
            rs,
            &[
                json!("web-7d4b9c8f5"),
                json!(3),
                json!(3),
                json!(1),
                json!("10m"),
                json!("nginx,sidecar"),
                json!("nginx:1.27,busybox"),
                json!("app=web,pod-template-hash=7d4b9c8f5"),
            ],
        );
        let scaled_down = json!({"metadata": {"name": "old"}, "spec": {"replicas": 0}, "status": {"replicas": 0}});
        check(
            "replicasets",
            scaled_down,
            &[
                json!("old"),
                json!(0),
                json!(0),
                json!(0),
                json!("<unknown>"),
                json!(""),
                json!(""),
                json!("<none>"),
            ],
        );
    }

    #[test]
    fn daemon_sets() {
        let mut tpl = template();
        tpl["spec"]["nodeSelector"] = json!({"kubernetes.io/os": "linux"});
        let ds = json!({"metadata": {"name": "agent", "creationTimestamp": ago(86400)},
            "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": tpl},
            "status": {"desiredNumberScheduled": 1, "currentNumberScheduled": 1, "numberReady": 1,
                       "updatedNumberScheduled": 1, "numberAvailable": 1}});
        check(
            "daemonsets",
            ds,
            &[
                json!("agent"),
                json!(1),
                json!(1),
                json!(1),
                json!(1),
                json!(1),
                json!("kubernetes.io/os=linux"),
                json!("24h"),
                json!("nginx,sidecar"),
                json!("nginx:1.27,busybox"),
                json!("app=agent"),
            ],
        );
        check(
            "daemonsets",
            json!({"metadata": {"name": "x"}}),
            &[
                json!("x"),
                json!(0),
                json!(0),
                json!(0),
                json!(0),
                json!(0),
                json!("<none>"),
            ],
        );
    }

    fn job(spec: Value, status: Value) -> Value {
        json!({"metadata": {"name": "pi", "creationTimestamp": ago(200)}, "spec": spec, "status": status})
    }

    fn cond(type_: &str) -> Value {
        json!({"type": type_, "status": "True"})
    }

    #[test]
    fn jobs() {
        let complete = job(
            json!({"completions": 1, "parallelism": 1, "template": template(),
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "abc"}}}),
            json!({"succeeded": 1, "startTime": ago(200), "completionTime": ago(190),
                   "conditions": [cond("SuccessCriteriaMet"), cond("Complete")]}),
        );
        check(
            "jobs",
            complete,
            &[
                json!("pi"),
                json!("Complete"),
                json!("1/1"),
                json!("10s"),
                json!("3m20s"),
                json!("nginx,sidecar"),
                json!("nginx:1.27,busybox"),
                json!("batch.kubernetes.io/controller-uid=abc"),
            ],
        );
        let running = job(
            json!({"completions": 5, "parallelism": 2}),
            json!({"succeeded": 2, "startTime": ago(150)}),
        );
        check(
            "jobs",
            running,
            &[json!("pi"), json!("Running"), json!("2/5"), json!("2m30s")],
        );
        let work_queue = job(json!({"parallelism": 3}), json!({}));
        check(
            "jobs",
            work_queue,
            &[json!("pi"), json!("Running"), json!("0/1 of 3"), json!("")],
        );
        let failed = job(
            json!({"completions": 1}),
            json!({"startTime": ago(100),
            "conditions": [cond("FailureTarget"), cond("Failed")]}),
        );
        check(
            "jobs",
            failed,
            &[json!("pi"), json!("Failed"), json!("0/1"), json!("100s")],
        );
        let failing = job(json!({}), json!({"conditions": [cond("FailureTarget")]}));
        check(
            "jobs",
            failing,
            &[json!("pi"), json!("FailureTarget"), json!("0/1")],
        );
        let suspended = job(json!({}), json!({"conditions": [cond("Suspended")]}));
        check("jobs", suspended, &[json!("pi"), json!("Suspended")]);
        let criteria_met = job(
            json!({}),
            json!({"conditions": [cond("SuccessCriteriaMet")]}),
        );
        check("jobs", criteria_met, &[json!("pi"), json!("Running")]);
        let mut deleting = job(json!({}), json!({"conditions": [cond("Suspended")]}));
        deleting["metadata"]["deletionTimestamp"] = json!(ago(1));
        check("jobs", deleting, &[json!("pi"), json!("Terminating")]);
        let not_complete = job(
            json!({}),
            json!({"conditions": [{"type": "Complete", "status": "False"}]}),
        );
        check("jobs", not_complete, &[json!("pi"), json!("Running")]);
    }
}
