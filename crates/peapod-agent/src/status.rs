//! The pod status the kubelet reports, computed from what the runtime shows and what the probes
//! decided: container statuses, phase (getPhase), conditions with transition times, and QoS.
//! Pure functions, so every rule is unit-tested.

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use peapod_runtime::{ContainerState, ContainerStatus};
use serde_json::{json, Value};
use std::collections::HashMap;

/// What the agent knows about one container (by name).
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub latest: Option<ContainerStatus>,
    pub previous: Option<ContainerStatus>,
    /// A recorded reason the container is waiting (CrashLoopBackOff, ErrImagePull, ...).
    pub waiting: Option<(String, String)>,
    /// Readiness probe verdict (true when there is no readiness probe and it runs).
    pub ready: bool,
    /// Startup probe verdict (true when there is none and it runs).
    pub started: bool,
}

pub fn is_sidecar(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

fn terminated_json(s: &ContainerStatus) -> Option<Value> {
    match &s.state {
        ContainerState::Exited {
            exit_code,
            started_at,
            finished_at,
            reason,
            message,
        } => {
            let mut t = json!({
                "exitCode": exit_code,
                "reason": reason,
                "startedAt": trim_nanos(started_at),
                "finishedAt": trim_nanos(finished_at),
                "containerID": format!("peapod://{}", s.id),
            });
            if !message.is_empty() {
                t["message"] = json!(message);
            }
            Some(t)
        }
        _ => None,
    }
}

/// metav1.Time has second precision.
fn trim_nanos(t: &str) -> String {
    match t.split_once('.') {
        Some((secs, _)) => format!("{secs}Z"),
        None => t.to_string(),
    }
}

/// The pod's ephemeral containers as plain containers (the fields they share), each with its
/// targetContainerName.
pub fn ephemeral_containers(spec: &PodSpec) -> Vec<(Container, Option<String>)> {
    spec.ephemeral_containers
        .iter()
        .flatten()
        .filter_map(|e| {
            let mut v = serde_json::to_value(e).ok()?;
            let target = v
                .as_object_mut()?
                .remove("targetContainerName")
                .and_then(|t| t.as_str().map(String::from));
            serde_json::from_value::<Container>(v)
                .ok()
                .map(|c| (c, target))
        })
        .collect()
}

/// One entry of containerStatuses / initContainerStatuses / ephemeralContainerStatuses.
pub fn container_status(c: &Container, o: &Observed, default_waiting: &str, init: bool) -> Value {
    let image = c.image.clone().unwrap_or_default();
    let restart_count = o.latest.as_ref().map(|l| l.attempt).unwrap_or(0);
    let mut st = json!({"name": c.name, "image": image, "imageID": "", "restartCount": restart_count, "ready": false, "started": false});
    let mut last_state = json!({});
    if let Some(prev) = o.previous.as_ref().and_then(terminated_json) {
        last_state = json!({"terminated": prev});
    }
    let state = match (&o.latest, &o.waiting) {
        (Some(l), Some((reason, message)))
            if !matches!(l.state, ContainerState::Running { .. }) =>
        {
            // Waiting to be restarted: the last run moves to lastState.
            if let Some(t) = terminated_json(l) {
                last_state = json!({"terminated": t});
            }
            json!({"waiting": {"reason": reason, "message": message}})
        }
        (None, Some((reason, message))) => {
            json!({"waiting": {"reason": reason, "message": message}})
        }
        (Some(l), _) => {
            st["imageID"] = json!(l.image_ref);
            st["containerID"] = json!(format!("peapod://{}", l.id));
            st["image"] = json!(l.image);
            match &l.state {
                ContainerState::Running { started_at, .. } => {
                    st["started"] = json!(o.started);
                    let ready = if init && !is_sidecar(c) {
                        false
                    } else {
                        o.started && o.ready
                    };
                    st["ready"] = json!(ready);
                    json!({"running": {"startedAt": trim_nanos(started_at)}})
                }
                ContainerState::Exited { exit_code, .. } => {
                    if init && !is_sidecar(c) && *exit_code == 0 {
                        st["ready"] = json!(true);
                    }
                    json!({"terminated": terminated_json(l)})
                }
                ContainerState::Created => json!({"waiting": {}}),
                ContainerState::Unknown => json!({"terminated": {
                    "exitCode": 137, "reason": "ContainerStatusUnknown",
                    "message": "The container could not be located when the pod was terminated",
                }}),
            }
        }
        (None, None) => json!({"waiting": {"reason": default_waiting}}),
    };
    st["state"] = state;
    st["lastState"] = last_state;
    st
}

/// The observable kind of a container status, for phase and conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    NoStatus,
    Waiting {
        ran_before: bool,
        failed_before: bool,
    },
    Running,
    Exited {
        code: i32,
    },
}

fn kind(o: Option<&Observed>) -> Kind {
    let Some(o) = o else { return Kind::NoStatus };
    let prev_code = |s: &ContainerStatus| match s.state {
        ContainerState::Exited { exit_code, .. } => Some(exit_code),
        _ => None,
    };
    match (&o.latest, &o.waiting) {
        (Some(l), Some(_)) if !matches!(l.state, ContainerState::Running { .. }) => {
            let code = prev_code(l);
            Kind::Waiting {
                ran_before: code.is_some(),
                failed_before: code.is_some_and(|c| c != 0),
            }
        }
        (Some(l), _) => match l.state {
            ContainerState::Running { .. } => Kind::Running,
            ContainerState::Exited { exit_code, .. } => Kind::Exited { code: exit_code },
            ContainerState::Unknown => Kind::Exited { code: 137 },
            ContainerState::Created => Kind::Waiting {
                ran_before: false,
                failed_before: false,
            },
        },
        (None, Some(_)) => Kind::Waiting {
            ran_before: false,
            failed_before: false,
        },
        (None, None) => Kind::NoStatus,
    }
}

/// getPhase: Pending, Running, Succeeded or Failed from the containers' states.
pub fn phase(pod: &Pod, obs: &HashMap<String, Observed>, terminating: bool) -> &'static str {
    let spec = pod.spec.clone().unwrap_or_default();
    let policy = spec
        .restart_policy
        .clone()
        .unwrap_or_else(|| "Always".into());
    let inits = spec.init_containers.clone().unwrap_or_default();
    let (mut pending_init, mut failed_init) = (0, 0);
    for c in &inits {
        let k = kind(obs.get(&c.name));
        if is_sidecar(c) {
            match k {
                Kind::NoStatus
                | Kind::Waiting {
                    ran_before: false, ..
                } => pending_init += 1,
                Kind::Running if !obs.get(&c.name).is_some_and(|o| o.started) => pending_init += 1,
                _ => {}
            }
            continue;
        }
        match k {
            Kind::NoStatus
            | Kind::Running
            | Kind::Waiting {
                failed_before: false,
                ..
            } => pending_init += 1,
            Kind::Exited { code } if code != 0 => failed_init += 1,
            Kind::Waiting {
                failed_before: true,
                ..
            } => failed_init += 1,
            _ => {}
        }
    }
    let app: Vec<Kind> = spec
        .containers
        .iter()
        .map(|c| kind(obs.get(&c.name)))
        .collect();
    let ever_started = app.iter().any(|k| {
        matches!(
            k,
            Kind::Running
                | Kind::Exited { .. }
                | Kind::Waiting {
                    ran_before: true,
                    ..
                }
        )
    });
    if failed_init > 0 && policy == "Never" {
        return "Failed";
    }
    if (pending_init > 0 || failed_init > 0) && !ever_started {
        return "Pending";
    }
    let (mut running, mut waiting, mut stopped, mut succeeded, mut unknown) = (0, 0, 0, 0, 0);
    for k in &app {
        match k {
            Kind::Running => running += 1,
            Kind::Exited { code } => {
                stopped += 1;
                if *code == 0 {
                    succeeded += 1;
                }
            }
            Kind::Waiting {
                ran_before: true,
                failed_before,
            } => {
                stopped += 1;
                if !failed_before {
                    succeeded += 1;
                }
            }
            Kind::Waiting {
                ran_before: false, ..
            } => waiting += 1,
            Kind::NoStatus => unknown += 1,
        }
    }
    if waiting > 0 {
        return "Pending";
    }
    if running > 0 && unknown == 0 {
        return "Running";
    }
    if running == 0 && stopped > 0 && unknown == 0 {
        if terminating {
            return if stopped == succeeded {
                "Succeeded"
            } else {
                "Failed"
            };
        }
        return match policy.as_str() {
            "Always" => "Running",
            _ if stopped == succeeded => "Succeeded",
            "Never" => "Failed",
            _ => "Running",
        };
    }
    "Pending"
}

/// Whether every regular init container succeeded and every sidecar started (or an app
/// container already ran).
pub fn initialized(pod: &Pod, obs: &HashMap<String, Observed>) -> (bool, Vec<String>) {
    let spec = pod.spec.clone().unwrap_or_default();
    let app_ran = spec
        .containers
        .iter()
        .any(|c| obs.get(&c.name).is_some_and(|o| o.latest.is_some()));
    let mut incomplete = Vec::new();
    for c in spec.init_containers.clone().unwrap_or_default() {
        let o = obs.get(&c.name);
        let done = if is_sidecar(&c) {
            o.is_some_and(|o| {
                o.started
                    && matches!(
                        o.latest.as_ref().map(|l| &l.state),
                        Some(ContainerState::Running { .. })
                    )
            })
        } else {
            matches!(kind(o), Kind::Exited { code: 0 })
        };
        if !done {
            incomplete.push(c.name.clone());
        }
    }
    (incomplete.is_empty() || app_ran, incomplete)
}

fn condition(
    typ: &str,
    ok: bool,
    reason: Option<&str>,
    message: Option<String>,
    prev: &Value,
    now: &str,
) -> Value {
    let status = if ok { "True" } else { "False" };
    let prev_cond = prev
        .get("conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(typ))
        });
    let since = match prev_cond {
        Some(p) if p.get("status").and_then(Value::as_str) == Some(status) => {
            p.get("lastTransitionTime").cloned().unwrap_or(json!(now))
        }
        _ => json!(now),
    };
    let mut c =
        json!({"type": typ, "status": status, "lastProbeTime": null, "lastTransitionTime": since});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    c
}

/// Inputs of a status computation besides the containers.
pub struct StatusInput<'a> {
    pub pod: &'a Pod,
    pub obs: &'a HashMap<String, Observed>,
    pub sandbox_ready: bool,
    pub terminating: bool,
    pub host_ip: &'a str,
    pub pod_ip: Option<&'a str>,
    /// The status currently stored (for transition times, startTime and terminal phases).
    pub previous: &'a Value,
    pub now: &'a str,
}

pub fn pod_status(i: &StatusInput<'_>) -> Value {
    let spec = i.pod.spec.clone().unwrap_or_default();
    let inits = spec.init_containers.clone().unwrap_or_default();
    let has_init = !inits.is_empty();
    let prev_phase = i
        .previous
        .get("phase")
        .and_then(Value::as_str)
        .unwrap_or("Pending");
    let mut phase = phase(i.pod, i.obs, i.terminating).to_string();
    // A terminal phase never changes back.
    if matches!(prev_phase, "Succeeded" | "Failed") {
        phase = prev_phase.to_string();
    }
    let app_default = if has_init {
        "PodInitializing"
    } else {
        "ContainerCreating"
    };
    let init_statuses: Vec<Value> = inits
        .iter()
        .map(|c| {
            container_status(
                c,
                i.obs.get(&c.name).unwrap_or(&Observed::default()),
                "PodInitializing",
                true,
            )
        })
        .collect();
    let mut app: Vec<&Container> = spec.containers.iter().collect();
    app.sort_by(|a, b| a.name.cmp(&b.name));
    let statuses: Vec<Value> = app
        .iter()
        .map(|c| {
            container_status(
                c,
                i.obs.get(&c.name).unwrap_or(&Observed::default()),
                app_default,
                false,
            )
        })
        .collect();

    let (init_ok, incomplete) = initialized(i.pod, i.obs);
    let mut unready: Vec<String> = inits
        .iter()
        .filter(|c| is_sidecar(c))
        .filter(|c| {
            !init_statuses
                .iter()
                .any(|s| s["name"] == c.name.as_str() && s["ready"] == true)
        })
        .map(|c| c.name.clone())
        .collect();
    unready.extend(
        spec.containers
            .iter()
            .filter(|c| {
                !statuses
                    .iter()
                    .any(|s| s["name"] == c.name.as_str() && s["ready"] == true)
            })
            .map(|c| c.name.clone()),
    );
    let completed = phase == "Succeeded" || phase == "Failed";
    let (ready_reason, ready_msg) = if completed {
        (
            Some(if phase == "Succeeded" {
                "PodCompleted"
            } else {
                "PodFailed"
            }),
            None,
        )
    } else if unready.is_empty() {
        (None, None)
    } else {
        (
            Some("ContainersNotReady"),
            Some(format!(
                "containers with unready status: [{}]",
                unready.join(" ")
            )),
        )
    };
    let containers_ready = unready.is_empty() && !completed;
    let init_cond = if phase == "Succeeded" {
        condition(
            "Initialized",
            true,
            Some("PodCompleted"),
            None,
            i.previous,
            i.now,
        )
    } else if init_ok {
        condition("Initialized", true, None, None, i.previous, i.now)
    } else {
        condition(
            "Initialized",
            false,
            Some("ContainersNotInitialized"),
            Some(format!(
                "containers with incomplete status: [{}]",
                incomplete.join(" ")
            )),
            i.previous,
            i.now,
        )
    };
    let scheduled = i
        .previous
        .get("conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["type"] == "PodScheduled").cloned())
        .unwrap_or_else(|| condition("PodScheduled", true, None, None, i.previous, i.now));
    let conditions = vec![
        condition(
            "PodReadyToStartContainers",
            i.sandbox_ready,
            None,
            None,
            i.previous,
            i.now,
        ),
        init_cond,
        condition(
            "Ready",
            containers_ready,
            ready_reason,
            ready_msg.clone(),
            i.previous,
            i.now,
        ),
        condition(
            "ContainersReady",
            containers_ready,
            ready_reason,
            ready_msg,
            i.previous,
            i.now,
        ),
        scheduled,
    ];
    let start_time = i
        .previous
        .get("startTime")
        .cloned()
        .unwrap_or_else(|| json!(i.now));
    let mut status = json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": i.host_ip,
        "hostIPs": [{"ip": i.host_ip}],
        "startTime": start_time,
        "containerStatuses": statuses,
        "qosClass": i.previous.get("qosClass").cloned().unwrap_or(json!("BestEffort")),
    });
    if let Some(ip) = i.pod_ip {
        status["podIP"] = json!(ip);
        status["podIPs"] = json!([{"ip": ip}]);
    }
    if has_init {
        status["initContainerStatuses"] = json!(init_statuses);
    }
    let ephemeral = ephemeral_containers(&spec);
    if !ephemeral.is_empty() {
        let list: Vec<Value> = ephemeral
            .iter()
            .map(|(c, _)| {
                let mut s = container_status(
                    c,
                    i.obs.get(&c.name).unwrap_or(&Observed::default()),
                    app_default,
                    false,
                );
                // No probe ever runs for an ephemeral container: it is never ready.
                s["ready"] = json!(false);
                s
            })
            .collect();
        status["ephemeralContainerStatuses"] = json!(list);
    }
    for k in ["reason", "message", "nominatedNodeName"] {
        if let Some(v) = i.previous.get(k) {
            status[k] = v.clone();
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(json: Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    fn exited(name: &str, attempt: u32, code: i32) -> ContainerStatus {
        ContainerStatus {
            id: format!("u-{name}-{attempt}"),
            name: name.into(),
            attempt,
            image: "docker.io/library/busybox:latest".into(),
            image_id: "sha256:x".into(),
            image_ref: "docker.io/library/busybox@sha256:y".into(),
            state: ContainerState::Exited {
                exit_code: code,
                started_at: "2026-11-22T08:00:00.1Z".into(),
                finished_at: "2026-11-22T08:00:01.1Z".into(),
                reason: if code == 0 {
                    "Completed".into()
                } else {
                    "Error".into()
                },
                message: String::new(),
            },
            log_path: "/x".into(),
        }
    }

    fn running(name: &str) -> ContainerStatus {
        ContainerStatus {
            state: ContainerState::Running {
                started_at: "2026-11-22T08:00:00.5Z".into(),
                pid: 1,
            },
            ..exited(name, 0, 0)
        }
    }

    fn obs(latest: ContainerStatus, ready: bool) -> Observed {
        Observed {
            latest: Some(latest),
            ready,
            started: true,
            ..Default::default()
        }
    }

    fn init_pod() -> Pod {
        pod(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
            "initContainers": [{"name": "i1", "image": "busybox"}, {"name": "i2", "image": "busybox"}],
            "containers": [{"name": "app", "image": "busybox"}]}}),
        )
    }

    #[test]
    fn init_sequence_phases() {
        let p = init_pod();
        let mut m = HashMap::new();
        assert_eq!(phase(&p, &m, false), "Pending");
        m.insert("i1".to_string(), obs(running("i1"), false));
        assert_eq!(phase(&p, &m, false), "Pending");
        m.insert("i1".to_string(), obs(exited("i1", 0, 0), false));
        m.insert("i2".to_string(), obs(exited("i2", 0, 0), false));
        assert_eq!(initialized(&p, &m), (true, vec![]));
        m.insert("app".to_string(), obs(running("app"), true));
        assert_eq!(phase(&p, &m, false), "Running");
    }

    #[test]
    fn failed_init_with_never_fails_the_pod() {
        let mut p = init_pod();
        p.spec.as_mut().unwrap().restart_policy = Some("Never".into());
        let mut m = HashMap::new();
        m.insert("i1".to_string(), obs(exited("i1", 0, 1), false));
        assert_eq!(phase(&p, &m, false), "Failed");
        p.spec.as_mut().unwrap().restart_policy = Some("Always".into());
        assert_eq!(phase(&p, &m, false), "Pending");
    }

    #[test]
    fn restart_policies_decide_terminal_phases() {
        let mut p = pod(
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "x"}]}}),
        );
        let mut m = HashMap::new();
        m.insert("a".to_string(), obs(exited("a", 0, 0), false));
        assert_eq!(phase(&p, &m, false), "Running");
        p.spec.as_mut().unwrap().restart_policy = Some("OnFailure".into());
        assert_eq!(phase(&p, &m, false), "Succeeded");
        m.insert("a".to_string(), obs(exited("a", 0, 2), false));
        assert_eq!(phase(&p, &m, false), "Running");
        p.spec.as_mut().unwrap().restart_policy = Some("Never".into());
        assert_eq!(phase(&p, &m, false), "Failed");
    }

    #[test]
    fn statuses_and_conditions() {
        let p = init_pod();
        let mut m = HashMap::new();
        m.insert("i1".to_string(), obs(running("i1"), false));
        let prev = json!({"phase": "Pending", "qosClass": "BestEffort"});
        let s = pod_status(&StatusInput {
            pod: &p,
            obs: &m,
            sandbox_ready: true,
            terminating: false,
            host_ip: "1.2.3.4",
            pod_ip: None,
            previous: &prev,
            now: "2026-11-22T08:00:00Z",
        });
        assert_eq!(
            s["initContainerStatuses"][1]["state"],
            json!({"waiting": {"reason": "PodInitializing"}})
        );
        assert_eq!(
            s["containerStatuses"][0]["state"],
            json!({"waiting": {"reason": "PodInitializing"}})
        );
        assert_eq!(
            s["conditions"][1]["message"],
            "containers with incomplete status: [i1 i2]"
        );
        assert_eq!(
            s["conditions"][2]["message"],
            "containers with unready status: [app]"
        );
        // Back-off: waiting CrashLoopBackOff with the last run in lastState.
        let mut o = obs(exited("i1", 3, 1), false);
        o.waiting = Some((
            "CrashLoopBackOff".into(),
            "back-off 40s restarting failed container=i1 pod=p_default(u)".into(),
        ));
        m.insert("i1".to_string(), o);
        let s = pod_status(&StatusInput {
            pod: &p,
            obs: &m,
            sandbox_ready: true,
            terminating: false,
            host_ip: "1.2.3.4",
            pod_ip: None,
            previous: &prev,
            now: "2026-11-22T08:00:00Z",
        });
        let i1 = &s["initContainerStatuses"][0];
        assert_eq!(i1["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert_eq!(i1["lastState"]["terminated"]["exitCode"], 1);
        assert_eq!(i1["restartCount"], 3);
        assert_eq!(
            i1["lastState"]["terminated"]["finishedAt"],
            "2026-11-22T08:00:01Z"
        );
    }
}
