//! Nodes, Namespaces, Events and the small config objects (ConfigMaps, Secrets,
//! ServiceAccounts, Leases).

use std::collections::BTreeSet;

use serde_json::Value;

use super::format::{
    age, at, bool_at, int_at, len_at, list_at, map_at, name, since, str_at, time_at,
};

const NODE_ROLE_PREFIX: &str = "node-role.kubernetes.io/";
const NODE_ROLE_LABEL: &str = "kubernetes.io/role";

pub(super) fn node_cells(node: &Value, now: i64) -> Vec<Value> {
    // Only the Ready condition is shown; a later duplicate overrides an earlier one.
    let ready = list_at(node, &["status", "conditions"])
        .iter()
        .rfind(|c| str_at(c, &["type"]) == "Ready")
        .map(|c| str_at(c, &["status"]) == "True");
    let mut status = match ready {
        Some(true) => "Ready",
        Some(false) => "NotReady",
        None => "Unknown",
    }
    .to_string();
    if bool_at(node, &["spec", "unschedulable"]) {
        status.push_str(",SchedulingDisabled");
    }
    let info = |field: &str| match str_at(node, &["status", "nodeInfo", field]) {
        "" => "<unknown>",
        value => value,
    };
    vec![
        name(node),
        Value::from(status),
        Value::from(node_roles(node)),
        age(node, now),
        Value::from(str_at(node, &["status", "nodeInfo", "kubeletVersion"])),
        Value::from(node_address(node, "InternalIP")),
        Value::from(node_address(node, "ExternalIP")),
        Value::from(info("osImage")),
        Value::from(info("kernelVersion")),
        Value::from(info("containerRuntimeVersion")),
    ]
}

/// Roles from `node-role.kubernetes.io/<role>` labels and the legacy `kubernetes.io/role`
/// label, sorted and de-duplicated; `<none>` without any.
fn node_roles(node: &Value) -> String {
    let mut roles = BTreeSet::new();
    for (key, value) in map_at(node, &["metadata", "labels"]).into_iter().flatten() {
        if let Some(role) = key.strip_prefix(NODE_ROLE_PREFIX) {
            if !role.is_empty() {
                roles.insert(role);
            }
        } else if key == NODE_ROLE_LABEL {
            match value.as_str() {
                Some(role) if !role.is_empty() => {
                    roles.insert(role);
                }
                _ => {}
            }
        }
    }
    if roles.is_empty() {
        return "<none>".to_string();
    }
    roles.into_iter().collect::<Vec<_>>().join(",")
}

/// The first address of the given type, `<none>` if there is none.
fn node_address<'a>(node: &'a Value, type_: &str) -> &'a str {
    list_at(node, &["status", "addresses"])
        .iter()
        .find(|a| str_at(a, &["type"]) == type_)
        .map_or("<none>", |a| str_at(a, &["address"]))
}

pub(super) fn namespace_cells(ns: &Value, now: i64) -> Vec<Value> {
    vec![
        name(ns),
        Value::from(str_at(ns, &["status", "phase"])),
        age(ns, now),
    ]
}

/// Where core/v1 and events.k8s.io/v1 keep the fields the event printer reads (both are the
/// same internal type upstream, so both print the same columns).
struct EventFields {
    regarding: &'static str,
    message: &'static str,
    first: &'static str,
    last: &'static str,
    count: &'static str,
    source: &'static str,
    reporting_controller: &'static str,
}

const CORE_EVENT: EventFields = EventFields {
    regarding: "involvedObject",
    message: "message",
    first: "firstTimestamp",
    last: "lastTimestamp",
    count: "count",
    source: "source",
    reporting_controller: "reportingComponent",
};

const EVENTS_V1_EVENT: EventFields = EventFields {
    regarding: "regarding",
    message: "note",
    first: "deprecatedFirstTimestamp",
    last: "deprecatedLastTimestamp",
    count: "deprecatedCount",
    source: "deprecatedSource",
    reporting_controller: "reportingController",
};

pub(super) fn event_cells(ev: &Value, now: i64) -> Vec<Value> {
    let api_version = str_at(ev, &["apiVersion"]);
    let events_v1 = api_version.starts_with("events.k8s.io/")
        || (api_version.is_empty() && at(ev, &["regarding"]).is_some());
    let f = if events_v1 {
        &EVENTS_V1_EVENT
    } else {
        &CORE_EVENT
    };

    let first_seen = match time_at(ev, &[f.first]) {
        Some(t) => since(Some(t), now),
        None => since(time_at(ev, &["eventTime"]), now),
    };
    let mut last_seen = match time_at(ev, &[f.last]) {
        Some(t) => since(Some(t), now),
        None => first_seen.clone(),
    };
    let mut count = int_at(ev, &[f.count]);
    if at(ev, &["series"]).is_some() {
        last_seen = since(time_at(ev, &["series", "lastObservedTime"]), now);
        count = int_at(ev, &["series", "count"]);
    } else if count == 0 {
        // Singleton events of the new API carry no count.
        count = 1;
    }

    let kind = str_at(ev, &[f.regarding, "kind"]).to_lowercase();
    let target = match str_at(ev, &[f.regarding, "name"]) {
        "" => kind,
        obj_name => format!("{kind}/{obj_name}"),
    };
    let component = first_non_empty(
        str_at(ev, &[f.source, "component"]),
        str_at(ev, &[f.reporting_controller]),
    );
    let instance = first_non_empty(
        str_at(ev, &[f.source, "host"]),
        str_at(ev, &["reportingInstance"]),
    );
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };

    vec![
        Value::from(last_seen),
        Value::from(str_at(ev, &["type"])),
        Value::from(str_at(ev, &["reason"])),
        Value::from(target),
        Value::from(str_at(ev, &[f.regarding, "fieldPath"])),
        Value::from(source),
        Value::from(str_at(ev, &[f.message]).trim()),
        Value::from(first_seen),
        Value::from(count),
        name(ev),
    ]
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() {
        b
    } else {
        a
    }
}

pub(super) fn config_map_cells(cm: &Value, now: i64) -> Vec<Value> {
    let entries = len_at(cm, &["data"]) + len_at(cm, &["binaryData"]);
    vec![name(cm), Value::from(entries), age(cm, now)]
}

pub(super) fn secret_cells(secret: &Value, now: i64) -> Vec<Value> {
    vec![
        name(secret),
        Value::from(str_at(secret, &["type"])),
        Value::from(len_at(secret, &["data"])),
        age(secret, now),
    ]
}

pub(super) fn service_account_cells(sa: &Value, now: i64) -> Vec<Value> {
    vec![
        name(sa),
        Value::from(len_at(sa, &["secrets"])),
        age(sa, now),
    ]
}

pub(super) fn lease_cells(lease: &Value, now: i64) -> Vec<Value> {
    vec![
        name(lease),
        Value::from(str_at(lease, &["spec", "holderIdentity"])),
        age(lease, now),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{ago, check};
    use serde_json::json;

    #[test]
    fn nodes() {
        let node = json!({
            "metadata": {"name": "n1", "creationTimestamp": ago(3 * 86400 + 4 * 3600),
                "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/": "x",
                           "kubernetes.io/role": "master", "kubernetes.io/hostname": "n1"}},
            "status": {
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "addresses": [{"type": "Hostname", "address": "n1"}, {"type": "InternalIP", "address": "192.168.1.5"}],
                "nodeInfo": {"kubeletVersion": "v1.33.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                             "kernelVersion": "6.1.0", "containerRuntimeVersion": "peapod://0.1.0"}
            }
        });
        check(
            "nodes",
            node,
            &[
                json!("n1"),
                json!("Ready"),
                json!("control-plane,master"),
                json!("3d4h"),
                json!("v1.33.0"),
                json!("192.168.1.5"),
                json!("<none>"),
                json!("Debian GNU/Linux 12 (bookworm)"),
                json!("6.1.0"),
                json!("peapod://0.1.0"),
            ],
        );
        let cordoned = json!({"metadata": {"name": "n2"}, "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}});
        check(
            "nodes",
            cordoned,
            &[
                json!("n2"),
                json!("NotReady,SchedulingDisabled"),
                json!("<none>"),
                json!("<unknown>"),
                json!(""),
                json!("<none>"),
                json!("<none>"),
                json!("<unknown>"),
                json!("<unknown>"),
                json!("<unknown>"),
            ],
        );
        check(
            "nodes",
            json!({"metadata": {"name": "n3"}}),
            &[json!("n3"), json!("Unknown")],
        );
        let cordoned_unknown = json!({"metadata": {"name": "n4"}, "spec": {"unschedulable": true}});
        check(
            "nodes",
            cordoned_unknown,
            &[json!("n4"), json!("Unknown,SchedulingDisabled")],
        );
    }

    #[test]
    fn namespaces_and_config() {
        check(
            "namespaces",
            json!({"metadata": {"name": "default", "creationTimestamp": ago(7200)},
            "status": {"phase": "Active"}}),
            &[json!("default"), json!("Active"), json!("120m")],
        );
        check(
            "configmaps",
            json!({"metadata": {"name": "cm", "creationTimestamp": ago(5)},
            "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}),
            &[json!("cm"), json!(3), json!("5s")],
        );
        check(
            "configmaps",
            json!({"metadata": {"name": "empty"}}),
            &[json!("empty"), json!(0), json!("<unknown>")],
        );
        check(
            "secrets",
            json!({"metadata": {"name": "s", "creationTimestamp": ago(90)}, "type": "Opaque",
            "data": {"k": "dg=="}}),
            &[json!("s"), json!("Opaque"), json!(1), json!("90s")],
        );
        check(
            "serviceaccounts",
            json!({"metadata": {"name": "default", "creationTimestamp": ago(30)}}),
            &[json!("default"), json!(0), json!("30s")],
        );
        check(
            "leases",
            json!({"metadata": {"name": "kube-scheduler", "creationTimestamp": ago(30)},
            "spec": {"holderIdentity": "peapod_1234"}}),
            &[json!("kube-scheduler"), json!("peapod_1234"), json!("30s")],
        );
        check(
            "leases",
            json!({"metadata": {"name": "l"}, "spec": {}}),
            &[json!("l"), json!("")],
        );
    }

    #[test]
    fn core_events() {
        let ev = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web.17a", "creationTimestamp": ago(300)},
            "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{nginx}"},
            "reason": "Pulled", "type": "Normal", "message": "Successfully pulled image \"nginx\"\n",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": ago(300), "lastTimestamp": ago(20), "count": 4
        });
        check(
            "events",
            ev,
            &[
                json!("20s"),
                json!("Normal"),
                json!("Pulled"),
                json!("pod/web"),
                json!("spec.containers{nginx}"),
                json!("kubelet, node-1"),
                json!("Successfully pulled image \"nginx\""),
                json!("5m"),
                json!(4),
                json!("web.17a"),
            ],
        );
        // New-style core event: eventTime only, reporting fields, no count.
        let ev = json!({
            "metadata": {"name": "n.1"}, "involvedObject": {"kind": "Node"}, "reason": "Starting", "type": "Normal",
            "eventTime": format!("{}.123456Z", &ago(10)[..19]), "reportingComponent": "kubelet", "message": "m"
        });
        check(
            "events",
            ev,
            &[
                json!("10s"),
                json!("Normal"),
                json!("Starting"),
                json!("node"),
                json!(""),
                json!("kubelet"),
                json!("m"),
                json!("10s"),
                json!(1),
                json!("n.1"),
            ],
        );
        let bare = json!({"metadata": {"name": "b"}, "involvedObject": {}});
        check(
            "events",
            bare,
            &[
                json!("<unknown>"),
                json!(""),
                json!(""),
                json!(""),
                json!(""),
                json!(""),
                json!(""),
                json!("<unknown>"),
                json!(1),
                json!("b"),
            ],
        );
    }

    #[test]
    fn series_and_events_v1() {
        let ev = json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "web.1"},
            "regarding": {"kind": "Pod", "name": "web"}, "reason": "BackOff", "type": "Warning",
            "note": "Back-off restarting failed container", "reportingController": "kubelet", "reportingInstance": "node-1",
            "eventTime": ago(600), "series": {"count": 7, "lastObservedTime": ago(15)}
        });
        check(
            "events",
            ev,
            &[
                json!("15s"),
                json!("Warning"),
                json!("BackOff"),
                json!("pod/web"),
                json!(""),
                json!("kubelet, node-1"),
                json!("Back-off restarting failed container"),
                json!("10m"),
                json!(7),
                json!("web.1"),
            ],
        );
        let deprecated = json!({
            "apiVersion": "events.k8s.io/v1", "metadata": {"name": "x"}, "regarding": {"kind": "Pod", "name": "p"},
            "deprecatedFirstTimestamp": ago(100), "deprecatedLastTimestamp": ago(50), "deprecatedCount": 2,
            "deprecatedSource": {"component": "default-scheduler"}, "reason": "Scheduled", "type": "Normal", "note": " n "
        });
        check(
            "events",
            deprecated,
            &[
                json!("50s"),
                json!("Normal"),
                json!("Scheduled"),
                json!("pod/p"),
                json!(""),
                json!("default-scheduler"),
                json!("n"),
                json!("100s"),
                json!(2),
                json!("x"),
            ],
        );
    }
}
