//! Per-resource rules the generic write paths apply (Kubernetes' RESTCreateStrategy /
//! RESTUpdateStrategy): what a create resets, what an update may not touch, generation.

use peapod_api::resources::ResourceInfo;
use serde_json::{json, Map, Value};

/// Resources whose metadata.generation tracks spec changes.
fn tracks_generation(r: &ResourceInfo) -> bool {
    matches!(r.group, "apps" | "batch") || matches!(r.plural, "services" | "namespaces" | "nodes")
}

/// The status a freshly created object starts with (clients may not set status on create).
pub fn prepare_for_create(r: &ResourceInfo, obj: &mut Value) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    if tracks_generation(r) {
        if let Some(md) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            md.insert("generation".into(), json!(1));
        }
    }
    match r.plural {
        "pods" => {
            map.insert("status".into(), json!({"phase": "Pending"}));
        }
        "namespaces" => {
            map.insert("status".into(), json!({"phase": "Active"}));
        }
        "services" => {
            map.insert("status".into(), json!({"loadBalancer": {}}));
        }
        "deployments" | "replicasets" | "daemonsets" => {
            map.insert("status".into(), Value::Object(Map::new()));
        }
        "jobs" => {
            map.insert("status".into(), Value::Object(Map::new()));
            generate_job_selector(obj);
        }
        // Nodes report their own status at registration; other kinds have no status.
        _ => {}
    }
}

/// A Job without `manualSelector: true` selects its pods by its own uid, and its pod template
/// carries the matching labels (the batch registry's generateSelector).
fn generate_job_selector(job: &mut Value) {
    if job.pointer("/spec/manualSelector").and_then(Value::as_bool) == Some(true) {
        return;
    }
    let uid = job
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = job
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(spec) = job.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if spec.get("selector").is_some_and(|s| !s.is_null()) {
        // A selector without manualSelector is rejected by validation, as upstream.
        return;
    }
    spec.insert(
        "selector".into(),
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
    );
    let template = spec.entry("template").or_insert_with(|| json!({}));
    if let Some(t) = template.as_object_mut() {
        let md = t.entry("metadata").or_insert_with(|| json!({}));
        if let Some(md) = md.as_object_mut() {
            let labels = md.entry("labels").or_insert_with(|| json!({}));
            if let Some(l) = labels.as_object_mut() {
                for (k, v) in [
                    ("batch.kubernetes.io/controller-uid", &uid),
                    ("batch.kubernetes.io/job-name", &name),
                    ("controller-uid", &uid),
                    ("job-name", &name),
                ] {
                    l.insert(k.into(), json!(v));
                }
            }
        }
    }
}

/// A Service update that omits allocated fields keeps them (Kubernetes' service REST does the
/// same, so `kubectl replace` of a manifest without clusterIP works).
fn keep_service_allocations(new: &mut Value, old: &Value) {
    let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for f in ["clusterIP", "clusterIPs"] {
        if spec.get(f).is_none_or(|v| v.is_null() || v == "") {
            if let Some(v) = old.pointer(&format!("/spec/{f}")) {
                spec.insert(f.into(), v.clone());
            }
        }
    }
    let node_ports = matches!(
        spec.get("type").and_then(Value::as_str),
        Some("NodePort" | "LoadBalancer")
    );
    if !node_ports {
        return;
    }
    let old_ports: Vec<Value> = old
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut() {
            if p.get("nodePort").is_some() {
                continue;
            }
            let same = old_ports
                .iter()
                .find(|o| o.get("port") == p.get("port") && o.get("protocol") == p.get("protocol"));
            if let (Some(np), Some(m)) = (same.and_then(|o| o.get("nodePort")), p.as_object_mut()) {
                m.insert("nodePort".into(), np.clone());
            }
        }
    }
}

/// Carries over what a main-resource update may not change: status (written through the status
/// subresource) and system metadata; bumps generation when the spec changed.
pub fn prepare_for_update(r: &ResourceInfo, new: &mut Value, old: &Value) {
    if r.has_status {
        match old.get("status") {
            Some(s) => set(new, "status", s.clone()),
            None => remove(new, "status"),
        }
    }
    keep_system_metadata(new, old);
    if r.plural == "services" {
        keep_service_allocations(new, old);
    }
    if tracks_generation(r) {
        let gen = old
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let changed = new.get("spec") != old.get("spec");
        if let Some(md) = new.get_mut("metadata").and_then(Value::as_object_mut) {
            md.insert(
                "generation".into(),
                json!(if changed { gen + 1 } else { gen }),
            );
        }
    }
}

/// A status update changes only status: spec and metadata come from the stored object, except
/// that a client may not be able to remove what it never sent.
pub fn prepare_for_status_update(new: &mut Value, old: &Value) {
    let status = new.get("status").cloned();
    let mut merged = old.clone();
    match status {
        Some(s) => set(&mut merged, "status", s),
        None => remove(&mut merged, "status"),
    }
    *new = merged;
}

/// An ephemeral-containers update changes only `spec.ephemeralContainers`: everything else
/// comes from the stored pod (the resourceVersion stays the client's, for the precondition).
pub fn prepare_for_ephemeral_containers_update(new: &mut Value, old: &Value) {
    let eph = new.pointer("/spec/ephemeralContainers").cloned();
    let rv = new.pointer("/metadata/resourceVersion").cloned();
    let mut merged = old.clone();
    if let Some(spec) = merged.get_mut("spec").and_then(Value::as_object_mut) {
        match eph {
            Some(e) if !e.is_null() => {
                spec.insert("ephemeralContainers".into(), e);
            }
            _ => {
                spec.remove("ephemeralContainers");
            }
        }
    }
    if let (Some(rv), Some(md)) = (
        rv,
        merged.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        md.insert("resourceVersion".into(), rv);
    }
    *new = merged;
}

/// uid, creationTimestamp, deletionTimestamp, generation and deletion grace are owned by the server.
fn keep_system_metadata(new: &mut Value, old: &Value) {
    let Some(old_md) = old.get("metadata").and_then(Value::as_object) else {
        return;
    };
    let Some(map) = new.as_object_mut() else {
        return;
    };
    let md = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(md) = md.as_object_mut() else { return };
    for f in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "namespace",
        "name",
    ] {
        match old_md.get(f) {
            Some(v) => {
                md.insert(f.into(), v.clone());
            }
            None => {
                md.remove(f);
            }
        }
    }
}

fn set(obj: &mut Value, field: &str, v: Value) {
    if let Some(m) = obj.as_object_mut() {
        m.insert(field.into(), v);
    }
}

fn remove(obj: &mut Value, field: &str) {
    if let Some(m) = obj.as_object_mut() {
        m.remove(field);
    }
}

/// The grace period a pod deletion gets: Kubernetes deletes unscheduled and finished pods at once.
pub fn pod_grace_period(pod: &Value, requested: Option<i64>) -> i64 {
    let scheduled = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !scheduled || phase == "Succeeded" || phase == "Failed" {
        return 0;
    }
    let default = pod
        .pointer("/spec/terminationGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(30);
    requested.unwrap_or(default).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use peapod_api::resources::lookup;

    #[test]
    fn update_keeps_status_and_bumps_generation() {
        let r = lookup("apps", "v1", "deployments").unwrap();
        let old = json!({"metadata": {"name": "d", "uid": "u", "generation": 1}, "spec": {"replicas": 1}, "status": {"replicas": 1}});
        let mut new =
            json!({"metadata": {"name": "d"}, "spec": {"replicas": 2}, "status": {"replicas": 9}});
        prepare_for_update(r, &mut new, &old);
        assert_eq!(new["status"], json!({"replicas": 1}));
        assert_eq!(new["metadata"]["generation"], json!(2));
        assert_eq!(new["metadata"]["uid"], json!("u"));
    }

    #[test]
    fn status_update_keeps_spec() {
        let old = json!({"metadata": {"name": "p", "labels": {"a": "1"}}, "spec": {"x": 1}, "status": {"phase": "Pending"}});
        let mut new =
            json!({"metadata": {"name": "p"}, "spec": {"x": 2}, "status": {"phase": "Running"}});
        prepare_for_status_update(&mut new, &old);
        assert_eq!(new["spec"], json!({"x": 1}));
        assert_eq!(new["status"]["phase"], json!("Running"));
        assert_eq!(new["metadata"]["labels"]["a"], json!("1"));
    }

    #[test]
    fn grace_periods() {
        assert_eq!(pod_grace_period(&json!({"spec": {}}), Some(30)), 0);
        let running = json!({"spec": {"nodeName": "n", "terminationGracePeriodSeconds": 10}, "status": {"phase": "Running"}});
        assert_eq!(pod_grace_period(&running, None), 10);
        assert_eq!(pod_grace_period(&running, Some(0)), 0);
    }
}
