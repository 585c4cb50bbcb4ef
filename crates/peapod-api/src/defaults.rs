//! Kubernetes API defaulting applied in place to an object's JSON before validation and storage:
//! `pkg/apis/{core,apps,batch,discovery}/v1/defaults.go`, plus what upstream's create strategies
//! and default admission plugins fill in (ServiceAccount, DefaultTolerationSeconds, Priority, the
//! pod's QoS class, Service IP families, the namespace finalizer), so stored objects read as on
//! a real cluster.
//!
//! Defaulting only fills what is unset, so applying it again (on update) changes nothing.

use crate::validation::has_volume_source;
use crate::validation::quantity::Quantity;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

type Obj = Map<String, Value>;

/// Applies the defaults of `resource` (a plural such as `pods`) to `obj`.
pub fn apply_defaults(resource: &str, obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else { return };
    match resource {
        "pods" => pod(o),
        "services" => service(o),
        "deployments" => deployment(o),
        "replicasets" => replicaset(o),
        "daemonsets" => daemonset(o),
        "jobs" => job(o),
        "secrets" => secret(o),
        "namespaces" => namespace(o),
        "endpoints" => {
            for subset in items(o, "subsets") {
                for port in items(subset, "ports") {
                    default_str(port, "protocol", "TCP");
                }
            }
        }
        "endpointslices" => {
            for port in items(o, "ports") {
                default_val(port, "name", json!(""));
                default_val(port, "protocol", json!("TCP"));
            }
        }
        _ => {}
    }
}

// ---- helpers: "unset" follows Go's zero values for the field's kind ----

/// The object member `key`, created empty when absent or null.
fn child<'a>(m: &'a mut Obj, key: &str) -> Option<&'a mut Obj> {
    let v = m.entry(key).or_insert(Value::Null);
    if v.is_null() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut()
}

/// The object member `key` if it exists.
fn existing<'a>(m: &'a mut Obj, key: &str) -> Option<&'a mut Obj> {
    m.get_mut(key).and_then(Value::as_object_mut)
}

/// The objects of the list member `key`.
fn items<'a>(m: &'a mut Obj, key: &str) -> impl Iterator<Item = &'a mut Obj> {
    m.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

fn str_of<'a>(m: &'a Obj, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A pointer field: set when absent or null.
fn default_val(m: &mut Obj, key: &str, v: Value) {
    if m.get(key).is_none_or(Value::is_null) {
        m.insert(key.to_string(), v);
    }
}

/// A string field: set when absent, null or empty.
fn default_str(m: &mut Obj, key: &str, v: &str) {
    if str_of(m, key).is_empty() && !m.get(key).is_some_and(|x| !x.is_null() && !x.is_string()) {
        m.insert(key.to_string(), json!(v));
    }
}

/// A non-pointer integer field: set when absent, null or zero.
fn default_int(m: &mut Obj, key: &str, v: i64) {
    if m.get(key)
        .is_none_or(|x| x.is_null() || x.as_i64() == Some(0))
    {
        m.insert(key.to_string(), json!(v));
    }
}

// ---- pods ----

fn pod(o: &mut Obj) {
    let qos = {
        let Some(spec) = child(o, "spec") else { return };
        pod_spec(spec);
        pod_only(spec);
        qos_class(spec)
    };
    if let Some(status) = child(o, "status") {
        default_str(status, "phase", "Pending");
        default_str(status, "qosClass", qos);
    }
}

/// `SetDefaults_PodSpec` and everything inside a pod spec (pods and templates alike).
fn pod_spec(spec: &mut Obj) {
    default_str(spec, "dnsPolicy", "ClusterFirst");
    default_str(spec, "restartPolicy", "Always");
    default_val(spec, "securityContext", json!({}));
    default_val(spec, "terminationGracePeriodSeconds", json!(30));
    default_str(spec, "schedulerName", "default-scheduler");
    for key in ["initContainers", "containers", "ephemeralContainers"] {
        for c in items(spec, key) {
            container(c);
        }
    }
    for v in items(spec, "volumes") {
        volume(v);
    }
}

/// `SetDefaults_Pod` and the admission plugins: only for Pods, never for pod templates.
fn pod_only(spec: &mut Obj) {
    for key in ["containers", "initContainers"] {
        for c in items(spec, key) {
            requests_from_limits(c);
        }
    }
    for c in items(spec, "containers") {
        resize_policy(c);
    }
    default_val(spec, "enableServiceLinks", json!(true));
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for key in ["containers", "initContainers"] {
            for c in items(spec, key) {
                for port in items(c, "ports") {
                    if let Some(cp) = port.get("containerPort").cloned() {
                        default_int(port, "hostPort", cp.as_i64().unwrap_or(0));
                    }
                }
            }
        }
    }
    // ServiceAccount admission; `serviceAccount` is the deprecated alias kept in sync.
    let sa = [
        str_of(spec, "serviceAccountName"),
        str_of(spec, "serviceAccount"),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or("default")
    .to_string();
    spec.insert("serviceAccountName".into(), json!(sa));
    spec.insert("serviceAccount".into(), json!(sa));
    // Priority admission: without a priority class the priority is 0.
    if str_of(spec, "priorityClassName").is_empty() {
        default_val(spec, "priority", json!(0));
    }
    default_val(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    default_tolerations(spec);
}

/// DefaultTolerationSeconds admission: tolerate not-ready and unreachable nodes for 300s.
fn default_tolerations(spec: &mut Obj) {
    let tolerations = spec.entry("tolerations").or_insert(Value::Null);
    if tolerations.is_null() {
        *tolerations = json!([]);
    }
    let Some(list) = tolerations.as_array_mut() else {
        return;
    };
    for taint in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let tolerated = list.iter().any(|t| {
            let key = t.get("key").and_then(Value::as_str).unwrap_or_default();
            let effect = t.get("effect").and_then(Value::as_str).unwrap_or_default();
            (key == taint || key.is_empty()) && (effect == "NoExecute" || effect.is_empty())
        });
        if !tolerated {
            list.push(json!({"key": taint, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
        }
    }
}

fn container(c: &mut Obj) {
    if str_of(c, "imagePullPolicy").is_empty() {
        let policy = pull_policy(str_of(c, "image"));
        c.insert("imagePullPolicy".into(), json!(policy));
    }
    default_str(c, "terminationMessagePath", "/dev/termination-log");
    default_str(c, "terminationMessagePolicy", "File");
    // A non-pointer struct upstream, so it always serializes.
    default_val(c, "resources", json!({}));
    for port in items(c, "ports") {
        default_str(port, "protocol", "TCP");
    }
    for env in items(c, "env") {
        let Some(vf) = existing(env, "valueFrom") else {
            continue;
        };
        if let Some(fr) = existing(vf, "fieldRef") {
            default_str(fr, "apiVersion", "v1");
        }
        if let Some(rf) = existing(vf, "resourceFieldRef") {
            default_val(rf, "divisor", json!("0"));
        }
    }
    for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = existing(c, key) {
            default_int(p, "timeoutSeconds", 1);
            default_int(p, "periodSeconds", 10);
            default_int(p, "successThreshold", 1);
            default_int(p, "failureThreshold", 3);
            handler(p);
        }
    }
    if let Some(l) = existing(c, "lifecycle") {
        for key in ["postStart", "preStop"] {
            if let Some(h) = existing(l, key) {
                handler(h);
            }
        }
    }
}

fn handler(h: &mut Obj) {
    if let Some(g) = existing(h, "httpGet") {
        default_str(g, "path", "/");
        default_str(g, "scheme", "HTTP");
    }
    if let Some(g) = existing(h, "grpc") {
        default_val(g, "service", json!(""));
    }
}

/// `Always` for `:latest` or an untagged image without digest, else `IfNotPresent`.
fn pull_policy(image: &str) -> &'static str {
    if image.is_empty() {
        return "IfNotPresent";
    }
    let (name, digest) = match image.split_once('@') {
        Some((name, _)) => (name, true),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = match last.rsplit_once(':') {
        Some((_, tag)) => tag,
        None if digest => "",
        None => "latest",
    };
    if tag == "latest" {
        "Always"
    } else {
        "IfNotPresent"
    }
}

fn volume(v: &mut Obj) {
    if !has_volume_source(v) {
        v.insert("emptyDir".into(), json!({}));
    }
    for key in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(src) = existing(v, key) {
            default_val(src, "defaultMode", json!(420));
        }
    }
    if let Some(h) = existing(v, "hostPath") {
        default_val(h, "type", json!(""));
    }
    if let Some(d) = existing(v, "downwardAPI") {
        downward_items(d);
    }
    if let Some(p) = existing(v, "projected") {
        for source in items(p, "sources") {
            if let Some(t) = existing(source, "serviceAccountToken") {
                default_val(t, "expirationSeconds", json!(3600));
            }
            if let Some(d) = existing(source, "downwardAPI") {
                downward_items(d);
            }
        }
    }
}

fn downward_items(d: &mut Obj) {
    for item in items(d, "items") {
        if let Some(fr) = existing(item, "fieldRef") {
            default_str(fr, "apiVersion", "v1");
        }
    }
}

/// Requests default to limits for each resource with a limit but no request.
fn requests_from_limits(c: &mut Obj) {
    let Some(res) = existing(c, "resources") else {
        return;
    };
    let Some(limits) = res.get("limits").and_then(Value::as_object).cloned() else {
        return;
    };
    if let Some(requests) = child(res, "requests") {
        for (k, v) in limits {
            requests.entry(k).or_insert(v);
        }
    }
}

/// In-place resize (beta, on by default in v1.33): requested cpu and memory get a NotRequired
/// resize policy.
fn resize_policy(c: &mut Obj) {
    let requested: Vec<&str> = ["cpu", "memory"]
        .into_iter()
        .filter(|r| {
            c.get("resources")
                .and_then(|x| x.get("requests"))
                .and_then(|x| x.get(*r))
                .is_some()
        })
        .collect();
    if requested.is_empty() {
        return;
    }
    let policies = c.entry("resizePolicy").or_insert(Value::Null);
    if policies.is_null() {
        *policies = json!([]);
    }
    let Some(list) = policies.as_array_mut() else {
        return;
    };
    for r in requested {
        if !list
            .iter()
            .any(|p| p.get("resourceName").and_then(Value::as_str) == Some(r))
        {
            list.push(json!({"resourceName": r, "restartPolicy": "NotRequired"}));
        }
    }
}

/// `ComputePodQOS` over cpu and memory of all containers.
fn qos_class(spec: &Obj) -> &'static str {
    let mut requests: BTreeMap<String, Quantity> = BTreeMap::new();
    let mut limits: BTreeMap<String, Quantity> = BTreeMap::new();
    let mut guaranteed = true;
    let containers = ["containers", "initContainers"]
        .into_iter()
        .flat_map(|k| spec.get(k).and_then(Value::as_array).into_iter().flatten());
    for c in containers {
        let res = c.get("resources");
        let positive = |kind: &str| -> Vec<(String, Quantity)> {
            res.and_then(|r| r.get(kind))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(name, _)| matches!(name.as_str(), "cpu" | "memory"))
                .filter_map(|(name, q)| Quantity::from_json(q).map(|q| (name.clone(), q)))
                .filter(|(_, q)| *q > Quantity::zero())
                .collect()
        };
        for (name, q) in positive("requests") {
            let sum = requests.get(&name).map_or(q, |s| s.add(q));
            requests.insert(name, sum);
        }
        let found = positive("limits");
        if !(found.iter().any(|(n, _)| n == "cpu") && found.iter().any(|(n, _)| n == "memory")) {
            guaranteed = false;
        }
        for (name, q) in found {
            let sum = limits.get(&name).map_or(q, |s| s.add(q));
            limits.insert(name, sum);
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort";
    }
    if guaranteed
        && requests.iter().all(|(n, r)| limits.get(n) == Some(r))
        && requests.len() == limits.len()
    {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

// ---- services ----

fn service(o: &mut Obj) {
    let Some(spec) = child(o, "spec") else { return };
    default_str(spec, "sessionAffinity", "None");
    match str_of(spec, "sessionAffinity") {
        "None" => {
            spec.remove("sessionAffinityConfig");
        }
        "ClientIP" => {
            let timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.get("clientIP"))
                .and_then(|c| c.get("timeoutSeconds"));
            if timeout.is_none_or(Value::is_null) {
                spec.insert(
                    "sessionAffinityConfig".into(),
                    json!({"clientIP": {"timeoutSeconds": 10800}}),
                );
            }
        }
        _ => {}
    }
    default_str(spec, "type", "ClusterIP");
    for port in items(spec, "ports") {
        default_str(port, "protocol", "TCP");
        let unset = match port.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(n) => n.as_i64() == Some(0),
        };
        if unset {
            let p = port.get("port").cloned().unwrap_or(json!(0));
            port.insert("targetPort".into(), p);
        }
    }
    let ty = str_of(spec, "type").to_string();
    let external_ips = spec
        .get("externalIPs")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if matches!(ty.as_str(), "NodePort" | "LoadBalancer") || (ty == "ClusterIP" && external_ips) {
        default_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(ty.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
        default_val(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        default_val(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if ty == "ExternalName" {
        return;
    }
    // What the registry fills in: clusterIPs mirrors a client's clusterIP; single-stack IPv4.
    let ip = str_of(spec, "clusterIP").to_string();
    let no_ips = spec
        .get("clusterIPs")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if !ip.is_empty() && no_ips {
        spec.insert("clusterIPs".into(), json!([ip]));
    }
    let selectorless = spec
        .get("selector")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    let no_families = spec
        .get("ipFamilies")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    let policy = if ip == "None" && selectorless && no_families {
        "RequireDualStack"
    } else {
        "SingleStack"
    };
    default_val(spec, "ipFamilyPolicy", json!(policy));
    if no_families {
        spec.insert("ipFamilies".into(), json!(["IPv4"]));
    }
}

// ---- workloads ----

/// Pod defaults inside `spec.template.spec` (template specs are not Pods: no admission).
fn template(spec: &mut Obj) {
    if let Some(ps) = child(spec, "template").and_then(|t| child(t, "spec")) {
        pod_spec(ps);
    }
}

fn deployment(o: &mut Obj) {
    let Some(spec) = child(o, "spec") else { return };
    default_val(spec, "replicas", json!(1));
    if let Some(strategy) = child(spec, "strategy") {
        default_str(strategy, "type", "RollingUpdate");
        if str_of(strategy, "type") == "RollingUpdate" {
            if let Some(ru) = child(strategy, "rollingUpdate") {
                default_val(ru, "maxUnavailable", json!("25%"));
                default_val(ru, "maxSurge", json!("25%"));
            }
        }
    }
    default_val(spec, "revisionHistoryLimit", json!(10));
    default_val(spec, "progressDeadlineSeconds", json!(600));
    template(spec);
}

fn replicaset(o: &mut Obj) {
    let Some(spec) = child(o, "spec") else { return };
    default_val(spec, "replicas", json!(1));
    template(spec);
}

fn daemonset(o: &mut Obj) {
    let Some(spec) = child(o, "spec") else { return };
    if let Some(strategy) = child(spec, "updateStrategy") {
        default_str(strategy, "type", "RollingUpdate");
        if str_of(strategy, "type") == "RollingUpdate" {
            if let Some(ru) = child(strategy, "rollingUpdate") {
                default_val(ru, "maxUnavailable", json!(1));
                default_val(ru, "maxSurge", json!(0));
            }
        }
    }
    default_val(spec, "revisionHistoryLimit", json!(10));
    template(spec);
}

fn job(o: &mut Obj) {
    let template_labels = o
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .cloned();
    let Some(spec) = child(o, "spec") else { return };
    let unset = |s: &Obj, k: &str| s.get(k).is_none_or(Value::is_null);
    if unset(spec, "completions") && unset(spec, "parallelism") {
        spec.insert("completions".into(), json!(1));
    }
    default_val(spec, "parallelism", json!(1));
    let backoff = if unset(spec, "backoffLimitPerIndex") {
        6
    } else {
        i64::from(i32::MAX)
    };
    default_val(spec, "backoffLimit", json!(backoff));
    default_val(spec, "completionMode", json!("NonIndexed"));
    default_val(spec, "suspend", json!(false));
    let has_failure_policy = !unset(spec, "podFailurePolicy");
    if let Some(policy) = existing(spec, "podFailurePolicy") {
        for rule in items(policy, "rules") {
            for pattern in items(rule, "onPodConditions") {
                default_str(pattern, "status", "True");
            }
        }
    }
    let replacement = if has_failure_policy {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    default_val(spec, "podReplacementPolicy", json!(replacement));
    template(spec);
    // batch/v1 gives a Job without labels its template's labels.
    if let Some(labels) = template_labels.filter(|l| l.as_object().is_some_and(|m| !m.is_empty())) {
        if let Some(md) = child(o, "metadata") {
            if md
                .get("labels")
                .and_then(Value::as_object)
                .is_none_or(Map::is_empty)
            {
                md.insert("labels".into(), labels);
            }
        }
    }
}

// ---- config and namespaces ----

fn secret(o: &mut Obj) {
    default_str(o, "type", "Opaque");
    // stringData is write-only: it is merged into data (base64) and not stored.
    if let Some(Value::Object(strings)) = o.remove("stringData") {
        if let Some(data) = child(o, "data") {
            for (k, v) in strings {
                data.insert(k, json!(base64(v.as_str().unwrap_or_default().as_bytes())));
            }
        }
    }
}

fn namespace(o: &mut Obj) {
    let name = o
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let deleting = o
        .get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some_and(|d| !d.is_null());
    if !name.is_empty() {
        if let Some(labels) = child(o, "metadata").and_then(|m| child(m, "labels")) {
            labels.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
    }
    // The namespace controller removes the finalizer while terminating; never re-add it then.
    if !deleting {
        if let Some(spec) = child(o, "spec") {
            let finalizers = spec.entry("finalizers").or_insert(Value::Null);
            if finalizers.is_null() {
                *finalizers = json!([]);
            }
            if let Some(list) = finalizers.as_array_mut() {
                if !list.iter().any(|f| f.as_str() == Some("kubernetes")) {
                    list.push(json!("kubernetes"));
                }
            }
        }
    }
    if let Some(status) = child(o, "status") {
        default_str(status, "phase", "Active");
    }
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaulted(resource: &str, mut obj: Value) -> Value {
        apply_defaults(resource, &mut obj);
        obj
    }

    #[test]
    fn minimal_pod() {
        let pod = defaulted(
            "pods",
            json!({"metadata": {"name": "web"}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}),
        );
        assert_eq!(
            pod,
            json!({
                "metadata": {"name": "web"},
                "spec": {
                    "containers": [{
                        "name": "nginx",
                        "image": "nginx",
                        "imagePullPolicy": "Always",
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "resources": {}
                    }],
                    "dnsPolicy": "ClusterFirst",
                    "restartPolicy": "Always",
                    "securityContext": {},
                    "terminationGracePeriodSeconds": 30,
                    "schedulerName": "default-scheduler",
                    "enableServiceLinks": true,
                    "serviceAccountName": "default",
                    "serviceAccount": "default",
                    "priority": 0,
                    "preemptionPolicy": "PreemptLowerPriority",
                    "tolerations": [
                        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
                    ]
                },
                "status": {"phase": "Pending", "qosClass": "BestEffort"}
            })
        );
        // Idempotent: defaulting a defaulted pod changes nothing.
        assert_eq!(defaulted("pods", pod.clone()), pod);
    }

    #[test]
    fn minimal_deployment() {
        let d = defaulted(
            "deployments",
            json!({
                "metadata": {"name": "web"},
                "spec": {
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
                }
            }),
        );
        let spec = &d["spec"];
        assert_eq!(spec["replicas"], json!(1));
        assert_eq!(
            spec["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        );
        assert_eq!(spec["revisionHistoryLimit"], json!(10));
        assert_eq!(spec["progressDeadlineSeconds"], json!(600));
        let tspec = &spec["template"]["spec"];
        assert_eq!(tspec["restartPolicy"], json!("Always"));
        assert_eq!(
            tspec["containers"][0]["imagePullPolicy"],
            json!("IfNotPresent")
        );
        // Admission-time fields belong to Pods only.
        assert!(tspec.get("serviceAccountName").is_none() && tspec.get("tolerations").is_none());
        assert!(tspec.get("enableServiceLinks").is_none() && d.get("status").is_none());
    }

    #[test]
    fn pull_policies() {
        for (image, want) in [
            ("nginx", "Always"),
            ("nginx:latest", "Always"),
            ("nginx:1.27", "IfNotPresent"),
            ("localhost:5000/app", "Always"),
            ("localhost:5000/app:v1", "IfNotPresent"),
            ("nginx@sha256:abc", "IfNotPresent"),
            ("nginx:latest@sha256:abc", "Always"),
        ] {
            assert_eq!(pull_policy(image), want, "{image}");
        }
    }

    #[test]
    fn qos_classes() {
        let qos = |resources: Value| {
            let pod = defaulted(
                "pods",
                json!({"spec": {"containers": [{"name": "c", "image": "i", "resources": resources}]}}),
            );
            pod["status"]["qosClass"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(qos(json!({})), "BestEffort");
        assert_eq!(qos(json!({"requests": {"cpu": "100m"}})), "Burstable");
        // Requests default to limits, so limits alone make a Guaranteed pod.
        assert_eq!(
            qos(json!({"limits": {"cpu": "1", "memory": "1Gi"}})),
            "Guaranteed"
        );
        assert_eq!(
            qos(json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}})),
            "Burstable"
        );
        assert_eq!(
            qos(
                json!({"limits": {"cpu": "1000m", "memory": "1024Mi"}, "requests": {"cpu": "1", "memory": "1Gi"}})
            ),
            "Guaranteed"
        );
    }

    #[test]
    fn pod_details() {
        let pod = defaulted(
            "pods",
            json!({"spec": {
                "hostNetwork": true,
                "serviceAccount": "builder",
                "tolerations": [{"operator": "Exists"}],
                "volumes": [{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "c"}}],
                "containers": [{
                    "name": "c", "image": "i",
                    "ports": [{"containerPort": 8080}],
                    "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                    "livenessProbe": {"httpGet": {"port": 8080}},
                    "resources": {"limits": {"memory": "64Mi"}}
                }]
            }}),
        );
        let spec = &pod["spec"];
        let c = &spec["containers"][0];
        assert_eq!(
            c["ports"][0],
            json!({"containerPort": 8080, "protocol": "TCP", "hostPort": 8080})
        );
        assert_eq!(
            c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"],
            json!("v1")
        );
        assert_eq!(
            c["livenessProbe"],
            json!({"httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})
        );
        assert_eq!(c["resources"]["requests"], json!({"memory": "64Mi"}));
        assert_eq!(
            c["resizePolicy"],
            json!([{"resourceName": "memory", "restartPolicy": "NotRequired"}])
        );
        assert_eq!(
            spec["volumes"][0],
            json!({"name": "scratch", "emptyDir": {}})
        );
        assert_eq!(spec["volumes"][1]["configMap"]["defaultMode"], json!(420));
        assert_eq!(spec["serviceAccountName"], json!("builder"));
        // A toleration of every taint already covers the default ones.
        assert_eq!(spec["tolerations"], json!([{"operator": "Exists"}]));
        assert_eq!(pod["status"]["qosClass"], json!("Burstable"));
    }

    #[test]
    fn services() {
        let svc = defaulted(
            "services",
            json!({"spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        );
        assert_eq!(
            svc["spec"],
            json!({
                "selector": {"app": "web"},
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                "sessionAffinity": "None",
                "type": "ClusterIP",
                "internalTrafficPolicy": "Cluster",
                "ipFamilyPolicy": "SingleStack",
                "ipFamilies": ["IPv4"]
            })
        );
        let np = defaulted(
            "services",
            json!({"spec": {"type": "NodePort", "clusterIP": "10.96.0.9", "ports": [{"port": 80, "targetPort": "http"}]}}),
        );
        assert_eq!(np["spec"]["externalTrafficPolicy"], json!("Cluster"));
        assert_eq!(np["spec"]["clusterIPs"], json!(["10.96.0.9"]));
        assert_eq!(np["spec"]["ports"][0]["targetPort"], json!("http"));
        let headless = defaulted("services", json!({"spec": {"clusterIP": "None"}}));
        assert_eq!(
            headless["spec"]["ipFamilyPolicy"],
            json!("RequireDualStack")
        );
        let sticky = defaulted("services", json!({"spec": {"sessionAffinity": "ClientIP"}}));
        assert_eq!(
            sticky["spec"]["sessionAffinityConfig"],
            json!({"clientIP": {"timeoutSeconds": 10800}})
        );
        let ext = defaulted(
            "services",
            json!({"spec": {"type": "ExternalName", "externalName": "example.com"}}),
        );
        assert!(
            ext["spec"].get("ipFamilies").is_none()
                && ext["spec"].get("internalTrafficPolicy").is_none()
        );
    }

    #[test]
    fn jobs_secrets_namespaces() {
        let job = defaulted(
            "jobs",
            json!({"metadata": {"name": "pi"}, "spec": {"template": {"metadata": {"labels": {"app": "pi"}}, "spec": {"containers": [{"name": "c", "image": "perl"}], "restartPolicy": "Never"}}}}),
        );
        let spec = &job["spec"];
        assert_eq!(
            (
                spec["completions"].clone(),
                spec["parallelism"].clone(),
                spec["backoffLimit"].clone()
            ),
            (json!(1), json!(1), json!(6))
        );
        assert_eq!(spec["completionMode"], json!("NonIndexed"));
        assert_eq!(spec["suspend"], json!(false));
        assert_eq!(spec["podReplacementPolicy"], json!("TerminatingOrFailed"));
        assert_eq!(job["metadata"]["labels"], json!({"app": "pi"}));
        let only_parallel = defaulted("jobs", json!({"spec": {"parallelism": 3}}));
        assert!(only_parallel["spec"].get("completions").is_none());

        let secret = defaulted(
            "secrets",
            json!({"stringData": {"a": "hello", "b": "hi"}, "data": {"c": "eA=="}}),
        );
        assert_eq!(
            secret,
            json!({"type": "Opaque", "data": {"a": "aGVsbG8=", "b": "aGk=", "c": "eA=="}})
        );

        let ns = defaulted("namespaces", json!({"metadata": {"name": "dev"}}));
        assert_eq!(
            ns["metadata"]["labels"],
            json!({"kubernetes.io/metadata.name": "dev"})
        );
        assert_eq!(ns["spec"], json!({"finalizers": ["kubernetes"]}));
        assert_eq!(ns["status"], json!({"phase": "Active"}));
        let terminating = json!({"metadata": {"name": "dev", "deletionTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"finalizers": []}, "status": {"phase": "Terminating"}});
        assert_eq!(
            defaulted("namespaces", terminating.clone())["spec"],
            json!({"finalizers": []})
        );
    }

    #[test]
    fn base64_encoding() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }
}
