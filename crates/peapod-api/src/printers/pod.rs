//! printPod: the READY, STATUS and RESTARTS cells of `kubectl get pods` (1.33 rules).
//!
//! STATUS starts from the phase (or `status.reason`), is replaced by the first init container
//! that is not done (`Init:<reason>` / `Init:i/n`), and once initialization is over by the
//! state of the app containers walked last to first, so the first listed container with a
//! waiting or terminated reason wins. Deletion overrides it with `Terminating` (or `Unknown`
//! for pods on a lost node).

use serde_json::Value;

use super::format::{
    age, at, bool_at, first_condition_true, int_at, list_at, name, since, str_at, time_at,
};

/// `node.NodeUnreachablePodReason`: set by the node lifecycle controller on a lost node.
const NODE_UNREACHABLE_REASON: &str = "NodeLost";

/// Restart count and time of the latest restart (the newest `lastState.terminated.finishedAt`).
#[derive(Default, Clone, Copy)]
struct Restarts {
    count: i64,
    last: Option<i64>,
}

impl Restarts {
    fn add(&mut self, status: &Value) {
        self.count = self.count.saturating_add(int_at(status, &["restartCount"]));
        if at(status, &["lastState", "terminated"]).is_some() {
            let finished = time_at(status, &["lastState", "terminated", "finishedAt"]);
            self.last = self.last.max(finished);
        }
    }

    /// `3`, or `3 (25s ago)` once a restart time is known.
    fn cell(&self, now: i64) -> String {
        match self.last {
            Some(t) if self.count != 0 => format!("{} ({} ago)", self.count, since(Some(t), now)),
            _ => self.count.to_string(),
        }
    }
}

pub(super) fn cells(pod: &Value, now: i64) -> Vec<Value> {
    let phase = str_at(pod, &["status", "phase"]);
    let status_reason = str_at(pod, &["status", "reason"]);
    let conditions = list_at(pod, &["status", "conditions"]);
    let init_specs = list_at(pod, &["spec", "initContainers"]);

    let mut reason = if status_reason.is_empty() {
        phase
    } else {
        status_reason
    }
    .to_string();
    let gated = conditions.iter().any(|c| {
        str_at(c, &["type"]) == "PodScheduled" && str_at(c, &["reason"]) == "SchedulingGated"
    });
    if gated {
        reason = "SchedulingGated".to_string();
    }

    // Sidecars are init containers with restartPolicy Always; they count as containers.
    let is_sidecar = |container: &str| {
        init_specs
            .iter()
            .any(|c| str_at(c, &["name"]) == container && str_at(c, &["restartPolicy"]) == "Always")
    };
    let sidecars = init_specs
        .iter()
        .filter(|c| str_at(c, &["restartPolicy"]) == "Always")
        .count();
    let total = list_at(pod, &["spec", "containers"]).len() + sidecars;
    let mut ready = 0usize;

    let mut restarts = Restarts::default();
    let mut sidecar_restarts = Restarts::default();
    let mut initializing = false;
    for (i, status) in list_at(pod, &["status", "initContainerStatuses"])
        .iter()
        .enumerate()
    {
        restarts.add(status);
        let sidecar = is_sidecar(str_at(status, &["name"]));
        if sidecar {
            sidecar_restarts.add(status);
        }
        let terminated = at(status, &["state", "terminated"]);
        let waiting_reason = str_at(status, &["state", "waiting", "reason"]);
        if terminated.is_some_and(|t| int_at(t, &["exitCode"]) == 0) {
            continue;
        }
        if sidecar && bool_at(status, &["started"]) {
            if bool_at(status, &["ready"]) {
                ready += 1;
            }
            continue;
        }
        reason = match terminated {
            Some(t) => {
                let (why, signal) = (str_at(t, &["reason"]), int_at(t, &["signal"]));
                if !why.is_empty() {
                    format!("Init:{why}")
                } else if signal != 0 {
                    format!("Init:Signal:{signal}")
                } else {
                    format!("Init:ExitCode:{}", int_at(t, &["exitCode"]))
                }
            }
            None if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" => {
                format!("Init:{waiting_reason}")
            }
            None => format!("Init:{i}/{}", init_specs.len()),
        };
        initializing = true;
        break;
    }

    if !initializing || first_condition_true(conditions, "Initialized") {
        // Only sidecars (among the init containers visited) and app containers count now.
        restarts = sidecar_restarts;
        let mut has_running = false;
        for status in list_at(pod, &["status", "containerStatuses"]).iter().rev() {
            restarts.add(status);
            let waiting_reason = str_at(status, &["state", "waiting", "reason"]);
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = at(status, &["state", "terminated"]) {
                let (why, signal) = (str_at(t, &["reason"]), int_at(t, &["signal"]));
                reason = if !why.is_empty() {
                    why.to_string()
                } else if signal != 0 {
                    format!("Signal:{signal}")
                } else {
                    format!("ExitCode:{}", int_at(t, &["exitCode"]))
                };
            } else if bool_at(status, &["ready"]) && at(status, &["state", "running"]).is_some() {
                has_running = true;
                ready += 1;
            }
        }
        // A container still running keeps a partly completed pod "Running" (1.33 has no
        // errorReason rule yet; that arrived in 1.35).
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| str_at(c, &["type"]) == "Ready" && str_at(c, &["status"]) == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_string();
        }
    }

    if at(pod, &["metadata", "deletionTimestamp"]).is_some() {
        if status_reason == NODE_UNREACHABLE_REASON {
            reason = "Unknown".to_string();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_string();
        }
    }

    vec![
        name(pod),
        Value::from(format!("{ready}/{total}")),
        Value::from(reason),
        Value::from(restarts.cell(now)),
        age(pod, now),
        Value::from(or_none(pod_ip(pod))),
        Value::from(or_none(str_at(pod, &["spec", "nodeName"]))),
        Value::from(or_none(str_at(pod, &["status", "nominatedNodeName"]))),
        Value::from(readiness_gates(pod)),
    ]
}

/// The primary pod IP: `podIPs[0]`, falling back to the legacy `podIP` field.
fn pod_ip(pod: &Value) -> &str {
    match list_at(pod, &["status", "podIPs"]).first() {
        Some(first) => str_at(first, &["ip"]),
        None => str_at(pod, &["status", "podIP"]),
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "<none>"
    } else {
        s
    }
}

/// `<true>/<total>` over `spec.readinessGates`, each judged by the first condition of its type.
fn readiness_gates(pod: &Value) -> String {
    let gates = list_at(pod, &["spec", "readinessGates"]);
    if gates.is_empty() {
        return "<none>".to_string();
    }
    let conditions = list_at(pod, &["status", "conditions"]);
    let passing = gates
        .iter()
        .filter(|g| first_condition_true(conditions, str_at(g, &["conditionType"])))
        .count();
    format!("{passing}/{}", gates.len())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{ago, check};
    use serde_json::{json, Value};

    fn running(ready: bool) -> Value {
        json!({"ready": ready, "started": true, "restartCount": 0, "state": {"running": {"startedAt": ago(60)}}})
    }

    fn waiting(reason: &str) -> Value {
        json!({"ready": false, "restartCount": 0, "state": {"waiting": {"reason": reason}}})
    }

    fn terminated(exit_code: i64, reason: &str) -> Value {
        json!({"ready": false, "restartCount": 0,
               "state": {"terminated": {"exitCode": exit_code, "reason": reason, "finishedAt": ago(30)}}})
    }

    fn named(mut status: Value, name: &str) -> Value {
        status["name"] = json!(name);
        status
    }

    fn cond(type_: &str, status: bool) -> Value {
        json!({"type": type_, "status": if status { "True" } else { "False" }})
    }

    /// A pod with app containers `c0..cN` and init containers `i0..iM` (each `sidecar` flag
    /// marks a restartPolicy Always init container).
    fn pod(apps: usize, inits: &[bool], status: Value) -> Value {
        let containers: Vec<Value> = (0..apps)
            .map(|i| json!({"name": format!("c{i}"), "image": "busybox"}))
            .collect();
        let init_containers: Vec<Value> = inits
            .iter()
            .enumerate()
            .map(|(i, &sidecar)| {
                let mut c = json!({"name": format!("i{i}"), "image": "busybox"});
                if sidecar {
                    c["restartPolicy"] = json!("Always");
                }
                c
            })
            .collect();
        json!({
            "metadata": {"name": "p", "creationTimestamp": ago(100)},
            "spec": {"containers": containers, "initContainers": init_containers},
            "status": status
        })
    }

    fn apps(statuses: Vec<Value>) -> Vec<Value> {
        statuses
            .into_iter()
            .enumerate()
            .map(|(i, s)| named(s, &format!("c{i}")))
            .collect()
    }

    fn inits(statuses: Vec<Value>) -> Vec<Value> {
        statuses
            .into_iter()
            .enumerate()
            .map(|(i, s)| named(s, &format!("i{i}")))
            .collect()
    }

    /// Checks NAME READY STATUS RESTARTS.
    #[track_caller]
    fn status(p: Value, ready: &str, status: &str, restarts: &str) {
        check(
            "pods",
            p,
            &[json!("p"), json!(ready), json!(status), json!(restarts)],
        );
    }

    #[test]
    fn fresh_and_creating() {
        status(
            pod(1, &[], json!({"phase": "Pending"})),
            "0/1",
            "Pending",
            "0",
        );
        status(pod(1, &[], json!({})), "0/1", "", "0");
        let creating = json!({"phase": "Pending", "containerStatuses": apps(vec![waiting("ContainerCreating")])});
        status(pod(1, &[], creating), "0/1", "ContainerCreating", "0");
        let gated = json!({"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]});
        status(pod(1, &[], gated), "0/1", "SchedulingGated", "0");
        let pull = json!({"phase": "Pending", "containerStatuses": apps(vec![waiting("ImagePullBackOff")])});
        status(pod(1, &[], pull), "0/1", "ImagePullBackOff", "0");
    }

    #[test]
    fn init_container_progress() {
        let pending = |init: Vec<Value>| {
            json!({"phase": "Pending", "conditions": [cond("Initialized", false)],
                   "initContainerStatuses": inits(init),
                   "containerStatuses": apps(vec![waiting("PodInitializing")])})
        };
        status(
            pod(
                1,
                &[false, false],
                pending(vec![running(false), waiting("PodInitializing")]),
            ),
            "0/1",
            "Init:0/2",
            "0",
        );
        status(
            pod(
                1,
                &[false, false],
                pending(vec![waiting("PodInitializing"), waiting("PodInitializing")]),
            ),
            "0/1",
            "Init:0/2",
            "0",
        );
        status(
            pod(
                1,
                &[false, false],
                pending(vec![terminated(0, "Completed"), running(false)]),
            ),
            "0/1",
            "Init:1/2",
            "0",
        );
        let mut failed = terminated(1, "Error");
        failed["restartCount"] = json!(2);
        failed["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(25)}});
        status(
            pod(
                1,
                &[false, false],
                pending(vec![failed, waiting("PodInitializing")]),
            ),
            "0/1",
            "Init:Error",
            "2 (25s ago)",
        );
        let mut backoff = waiting("CrashLoopBackOff");
        backoff["restartCount"] = json!(3);
        backoff["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(65)}});
        status(
            pod(
                1,
                &[false, false],
                pending(vec![terminated(0, "Completed"), backoff]),
            ),
            "0/1",
            "Init:CrashLoopBackOff",
            "3 (65s ago)",
        );
        let signal = json!({"state": {"terminated": {"exitCode": 137, "signal": 9}}});
        status(
            pod(1, &[false], pending(vec![signal])),
            "0/1",
            "Init:Signal:9",
            "0",
        );
        let code = json!({"state": {"terminated": {"exitCode": 2}}});
        status(
            pod(1, &[false], pending(vec![code])),
            "0/1",
            "Init:ExitCode:2",
            "0",
        );
        status(
            pod(1, &[false], pending(vec![waiting("ErrImagePull")])),
            "0/1",
            "Init:ErrImagePull",
            "0",
        );
    }

    #[test]
    fn after_init() {
        let done = vec![terminated(0, "Completed"), terminated(0, "Completed")];
        let initializing = json!({"phase": "Pending", "conditions": [cond("Initialized", true)],
            "initContainerStatuses": inits(done.clone()),
            "containerStatuses": apps(vec![waiting("PodInitializing")])});
        status(
            pod(1, &[false, false], initializing),
            "0/1",
            "PodInitializing",
            "0",
        );
        let up = json!({"phase": "Running", "conditions": [cond("Initialized", true), cond("Ready", true)],
            "initContainerStatuses": inits(done), "containerStatuses": apps(vec![running(true)])});
        status(pod(1, &[false, false], up), "1/1", "Running", "0");
    }

    #[test]
    fn running_not_ready_and_restarts() {
        let p = json!({"phase": "Running", "conditions": [cond("Ready", false)],
                       "containerStatuses": apps(vec![running(false)])});
        status(pod(1, &[], p), "0/1", "Running", "0");
        let mut c = running(true);
        c["restartCount"] = json!(3);
        c["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(25)}});
        let mut d = running(true);
        d["restartCount"] = json!(1);
        d["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(3 * 3600)}});
        let p = json!({"phase": "Running", "containerStatuses": apps(vec![c, d])});
        status(pod(2, &[], p), "2/2", "Running", "4 (25s ago)");
        // A restart count without a known restart time prints the bare number.
        let mut e = running(true);
        e["restartCount"] = json!(5);
        status(
            pod(
                1,
                &[],
                json!({"phase": "Running", "containerStatuses": apps(vec![e])}),
            ),
            "1/1",
            "Running",
            "5",
        );
    }

    #[test]
    fn completed_error_crashloop() {
        let done = json!({"phase": "Succeeded", "containerStatuses": apps(vec![terminated(0, "Completed")])});
        status(pod(1, &[], done), "0/1", "Completed", "0");
        let failed =
            json!({"phase": "Failed", "containerStatuses": apps(vec![terminated(1, "Error")])});
        status(pod(1, &[], failed), "0/1", "Error", "0");
        let oom = json!({"phase": "Running", "containerStatuses": apps(vec![terminated(137, "OOMKilled")])});
        status(pod(1, &[], oom), "0/1", "OOMKilled", "0");
        let mut crash = waiting("CrashLoopBackOff");
        crash["restartCount"] = json!(4);
        crash["lastState"] =
            json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(40)}});
        status(
            pod(
                1,
                &[],
                json!({"phase": "Running", "containerStatuses": apps(vec![crash])}),
            ),
            "0/1",
            "CrashLoopBackOff",
            "4 (40s ago)",
        );
        let no_reason = json!({"phase": "Failed", "containerStatuses": apps(vec![
            json!({"state": {"terminated": {"exitCode": 143, "signal": 15}}})])});
        status(pod(1, &[], no_reason), "0/1", "Signal:15", "0");
        let code = json!({"phase": "Failed", "containerStatuses": apps(vec![json!({"state": {"terminated": {"exitCode": 3}}})])});
        status(pod(1, &[], code), "0/1", "ExitCode:3", "0");
    }

    #[test]
    fn completed_with_running_sibling() {
        // restartPolicy Never: c0 exited 0, c1 still running and ready, pod not Ready.
        let p = json!({"phase": "Running", "conditions": [cond("Ready", false)],
                       "containerStatuses": apps(vec![terminated(0, "Completed"), running(true)])});
        status(pod(2, &[], p), "1/2", "NotReady", "0");
        let p = json!({"phase": "Running", "conditions": [cond("Ready", true)],
                       "containerStatuses": apps(vec![terminated(0, "Completed"), running(true)])});
        status(pod(2, &[], p), "1/2", "Running", "0");
        // The first listed container with a reason wins: Completed hides a later Error (1.33).
        let p = json!({"phase": "Failed",
                       "containerStatuses": apps(vec![terminated(0, "Completed"), terminated(1, "Error")])});
        status(pod(2, &[], p), "0/2", "Completed", "0");
        let p = json!({"phase": "Failed",
                       "containerStatuses": apps(vec![terminated(1, "Error"), terminated(0, "Completed")])});
        status(pod(2, &[], p), "0/2", "Error", "0");
    }

    #[test]
    fn container_reason_overrides_pod_reason() {
        let p = json!({"phase": "Failed", "reason": "DeadlineExceeded",
                       "containerStatuses": apps(vec![terminated(137, "Error")])});
        status(pod(1, &[], p), "0/1", "Error", "0");
        let p = json!({"phase": "Failed", "reason": "Evicted", "containerStatuses": apps(vec![
            terminated(137, "ContainerStatusUnknown")])});
        status(pod(1, &[], p), "0/1", "ContainerStatusUnknown", "0");
        status(
            pod(1, &[], json!({"phase": "Failed", "reason": "Evicted"})),
            "0/1",
            "Evicted",
            "0",
        );
    }

    #[test]
    fn deletion() {
        let mut p = pod(
            1,
            &[],
            json!({"phase": "Running", "containerStatuses": apps(vec![running(true)])}),
        );
        p["metadata"]["deletionTimestamp"] = json!(ago(1));
        status(p.clone(), "1/1", "Terminating", "0");
        p["status"]["reason"] = json!("NodeLost");
        status(p, "1/1", "Unknown", "0");
        let mut done = pod(
            1,
            &[],
            json!({"phase": "Succeeded", "containerStatuses": apps(vec![terminated(0, "Completed")])}),
        );
        done["metadata"]["deletionTimestamp"] = json!(ago(1));
        status(done, "0/1", "Completed", "0");
        let mut failed = pod(
            1,
            &[],
            json!({"phase": "Failed", "containerStatuses": apps(vec![terminated(2, "Error")])}),
        );
        failed["metadata"]["deletionTimestamp"] = json!(ago(1));
        status(failed, "0/1", "Error", "0");
    }

    #[test]
    fn sidecars() {
        // i0 is a started sidecar, i1 a regular init container still running.
        let mut sidecar = running(true);
        sidecar["restartCount"] = json!(1);
        sidecar["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(50)}});
        let p = json!({"phase": "Pending", "conditions": [cond("Initialized", false)],
            "initContainerStatuses": inits(vec![sidecar.clone(), running(false)]),
            "containerStatuses": apps(vec![waiting("PodInitializing")])});
        status(pod(1, &[true, false], p), "1/2", "Init:1/2", "1 (50s ago)");
        // Initialized: sidecar restarts and readiness still count alongside the app container.
        let mut app = running(true);
        app["restartCount"] = json!(2);
        app["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ago(20)}});
        let p = json!({"phase": "Running", "conditions": [cond("Initialized", true), cond("Ready", true)],
            "initContainerStatuses": inits(vec![sidecar, terminated(0, "Completed")]),
            "containerStatuses": apps(vec![app])});
        status(pod(1, &[true, false], p), "2/2", "Running", "3 (20s ago)");
        // A sidecar not yet started blocks initialization like any init container.
        let p = json!({"phase": "Pending", "initContainerStatuses": inits(vec![waiting("ContainerCreating")])});
        status(pod(1, &[true], p), "0/2", "Init:ContainerCreating", "0");
    }

    #[test]
    fn wide_cells() {
        let mut p = pod(
            1,
            &[],
            json!({"phase": "Running", "podIPs": [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}],
            "podIP": "10.0.0.7", "conditions": [cond("Ready", true), cond("example.com/gate", true)],
            "containerStatuses": apps(vec![running(true)])}),
        );
        p["spec"]["nodeName"] = json!("node-1");
        p["spec"]["readinessGates"] =
            json!([{"conditionType": "example.com/gate"}, {"conditionType": "other"}]);
        check(
            "pods",
            p,
            &[
                json!("p"),
                json!("1/1"),
                json!("Running"),
                json!("0"),
                json!("100s"),
                json!("10.0.0.7"),
                json!("node-1"),
                json!("<none>"),
                json!("1/2"),
            ],
        );
        check(
            "pods",
            pod(1, &[], json!({"podIP": "10.1.1.1"})),
            &[
                json!("p"),
                json!("0/1"),
                json!(""),
                json!("0"),
                json!("100s"),
                json!("10.1.1.1"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
            ],
        );
        check(
            "pods",
            json!({"metadata": {"name": "bare"}}),
            &[
                json!("bare"),
                json!("0/0"),
                json!(""),
                json!("0"),
                json!("<unknown>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
                json!("<none>"),
            ],
        );
    }
}
