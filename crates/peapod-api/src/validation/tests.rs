//! Data-driven tests: each case defaults an object, validates it and compares the rendered
//! errors with the text Kubernetes prints.

use super::*;
use crate::defaults::apply_defaults;
use serde_json::json;

fn defaulted(resource: &str, mut obj: Value) -> Value {
    apply_defaults(resource, &mut obj);
    obj
}

fn render(errs: &[FieldError]) -> Vec<String> {
    errs.iter().map(ToString::to_string).collect()
}

fn check(resource: &str, obj: Value, expected: &[&str]) {
    let obj = defaulted(resource, obj);
    assert_eq!(render(&validate_create(resource, &obj)), expected, "{obj}");
}

fn check_update(resource: &str, old: Value, new: Value, expected: &[&str]) {
    let (old, new) = (defaulted(resource, old), defaulted(resource, new));
    assert_eq!(
        render(&validate_update(resource, &new, &old)),
        expected,
        "{new}"
    );
}

fn c(name: &str) -> Value {
    json!({"name": name, "image": "busybox"})
}

fn pod(spec: Value) -> Value {
    json!({"metadata": {"name": "p", "namespace": "default"}, "spec": spec})
}

/// A pod with one container carrying `extra` members.
fn pod_with(extra: Value) -> Value {
    let mut container = c("app");
    if let (Some(m), Some(e)) = (container.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    pod(json!({"containers": [container]}))
}

const LABEL_REGEX: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_REGEX: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const UPDATABLE: &str = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

#[test]
fn names() {
    assert_eq!(is_dns1123_label("Web_App"), vec![LABEL_REGEX]);
    assert_eq!(is_dns1123_label("a.b"), vec!["must not contain dots"]);
    assert_eq!(
        is_dns1123_label(&"a".repeat(64)),
        vec!["must be no more than 63 characters"]
    );
    assert!(
        is_dns1123_label("my-name").is_empty() && is_dns1123_subdomain("example.com").is_empty()
    );
    assert_eq!(is_dns1123_subdomain("Example.com"), vec![SUBDOMAIN_REGEX]);
    assert_eq!(
        validate_name("namespaces", "kube.system"),
        vec!["must not contain dots"]
    );
    assert!(validate_name("pods", "web-0.example").is_empty());
    assert_eq!(
        validate_name("services", "1abc"),
        vec!["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]
    );
}

#[test]
fn metadata() {
    check(
        "pods",
        json!({"metadata": {}, "spec": {"containers": [c("a")]}}),
        &["metadata.name: Required value: name or generateName is required"],
    );
    check(
        "pods",
        json!({"metadata": {"name": "Web"}, "spec": {"containers": [c("a")]}}),
        &[&format!(
            "metadata.name: Invalid value: \"Web\": {SUBDOMAIN_REGEX}"
        )],
    );
    check(
        "pods",
        json!({"metadata": {"name": "web-abcde", "generateName": "web-"}, "spec": {"containers": [c("a")]}}),
        &[],
    );
    check(
        "pods",
        json!({"metadata": {"name": "x", "generateName": "wé-"}, "spec": {"containers": [c("a")]}}),
        &[&format!(
            "metadata.generateName: Invalid value: \"wé-\": {SUBDOMAIN_REGEX}"
        )],
    );
    check("configmaps", json!({"metadata": {"name": "c", "labels": {"app": "-x", "bad key": "ok"}}}), &[
        "metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    check("configmaps", json!({"metadata": {"name": "c", "annotations": {"a/b/c": "x"}}}), &[
        "metadata.annotations: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
    check(
        "configmaps",
        json!({"metadata": {"name": "c", "annotations": {"big": "x".repeat(256 * 1024)}}}),
        &["metadata.annotations: Too long: may not be more than 262144 bytes"],
    );
    check("configmaps", json!({"metadata": {"name": "c", "finalizers": ["custom"]}}), &[
        "metadata.finalizers[0]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified",
    ]);
    check_update(
        "configmaps",
        json!({"metadata": {"name": "c"}}),
        json!({"metadata": {"name": "d"}}),
        &["metadata.name: Invalid value: \"d\": field is immutable"],
    );
}

#[test]
fn pod_containers() {
    check("pods", pod(json!({"containers": [c("a")]})), &[]);
    check(
        "pods",
        pod(json!({"containers": []})),
        &["spec.containers: Required value"],
    );
    check(
        "pods",
        pod(json!({"containers": [c("Web_App")]})),
        &[&format!(
            "spec.containers[0].name: Invalid value: \"Web_App\": {LABEL_REGEX}"
        )],
    );
    check(
        "pods",
        pod(json!({"containers": [c("a"), c("a")]})),
        &["spec.containers[1].name: Duplicate value: \"a\""],
    );
    check(
        "pods",
        pod(
            json!({"initContainers": [c("init-myservice"), c("myapp-container")], "containers": [c("myapp-container")]}),
        ),
        &["spec.initContainers[1].name: Duplicate value: \"myapp-container\""],
    );
    check(
        "pods",
        pod(json!({"containers": [{"name": "a"}]})),
        &["spec.containers[0].image: Required value"],
    );
    check("pods", pod(json!({"containers": [c("a")], "restartPolicy": "Sometimes"})), &[
        "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
    ]);
    check("pods", pod_with(json!({"imagePullPolicy": "Sometimes"})), &[
        "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
    ]);
    check("pods", pod(json!({"containers": [c("a")], "dnsPolicy": "Bogus"})), &[
        "spec.dnsPolicy: Unsupported value: \"Bogus\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
    ]);
    check(
        "pods",
        pod(json!({"containers": [c("a")], "dnsPolicy": "None"})),
        &["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"],
    );
    check(
        "pods",
        pod_with(json!({"restartPolicy": "Always"})),
        &["spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"],
    );
    check("pods", pod_with(json!({"env": [{"name": "A=B", "value": "x"}, {"name": "B", "valueFrom": {}}]})), &[
        "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
        "spec.containers[0].env[1].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
    ]);
    check("pods", pod(json!({"containers": [c("a")], "activeDeadlineSeconds": 0, "terminationGracePeriodSeconds": -1})), &[
        "spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0",
        "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
    ]);
    check(
        "pods",
        pod(json!({"containers": [c("a")], "ephemeralContainers": [c("debug")]})),
        &["spec.ephemeralContainers: Forbidden: cannot be set on create"],
    );
}

#[test]
fn init_containers_and_probes() {
    let probe = json!({"exec": {"command": ["true"]}});
    let mut init = c("init");
    init["readinessProbe"] = probe.clone();
    init["lifecycle"] = json!({"preStop": {"exec": {"command": ["true"]}}});
    check("pods", pod(json!({"initContainers": [init.clone()], "containers": [c("a")]})), &[
        "spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always",
        "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
    ]);
    init["restartPolicy"] = json!("Always");
    check(
        "pods",
        pod(json!({"initContainers": [init.clone()], "containers": [c("a")]})),
        &[],
    );
    init["restartPolicy"] = json!("OnFailure");
    if let Some(m) = init.as_object_mut() {
        m.retain(|k, _| k != "readinessProbe" && k != "lifecycle");
    }
    check("pods", pod(json!({"initContainers": [init], "containers": [c("a")]})), &[
        "spec.initContainers[0].restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\"",
    ]);
    check(
        "pods",
        pod_with(json!({"livenessProbe": {"periodSeconds": 5}})),
        &["spec.containers[0].livenessProbe: Required value: must specify a handler type"],
    );
    check("pods", pod_with(json!({"livenessProbe": {"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}}})), &[
        "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
    ]);
    check(
        "pods",
        pod_with(json!({"livenessProbe": {"exec": {"command": ["true"]}, "successThreshold": 2}})),
        &["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"],
    );
    check("pods", pod_with(json!({"startupProbe": {"httpGet": {"port": 0}, "initialDelaySeconds": -1}})), &[
        "spec.containers[0].startupProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.containers[0].startupProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
    ]);
    check("pods", pod_with(json!({"readinessProbe": {"tcpSocket": {"port": "web_port"}, "successThreshold": 3}})), &[
        "spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: \"web_port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
    ]);
}

#[test]
fn ports_resources_volumes() {
    check("pods", pod_with(json!({"ports": [{"containerPort": 70000}, {"containerPort": 80, "protocol": "HTTP"}]})), &[
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
    ]);
    check("pods", pod_with(json!({"ports": [{"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 81}, {"name": "web_1", "containerPort": 82}]})), &[
        "spec.containers[0].ports[1].name: Duplicate value: \"http\"",
        "spec.containers[0].ports[2].name: Invalid value: \"web_1\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
    ]);
    check(
        "pods",
        pod(
            json!({"containers": [{"name": "a", "image": "i", "ports": [{"containerPort": 80, "hostPort": 8080}]}, {"name": "b", "image": "i", "ports": [{"containerPort": 81, "hostPort": 8080}]}]}),
        ),
        &["spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//8080\""],
    );
    check("pods", pod(json!({"hostNetwork": true, "containers": [{"name": "a", "image": "i", "ports": [{"containerPort": 80, "hostPort": 9000}]}]})), &[
        "spec.containers[0].ports[0].hostPort: Invalid value: 9000: must match `containerPort` when `hostNetwork` is true",
    ]);
    check("pods", pod_with(json!({"resources": {"requests": {"memory": "256Mi", "cpu": "0.5"}, "limits": {"memory": "128Mi", "cpu": "1"}}})), &[
        "spec.containers[0].resources.requests: Invalid value: \"256Mi\": must be less than or equal to memory limit of 128Mi",
    ]);
    check("pods", pod_with(json!({"resources": {"requests": {"cpu": "-1", "gpu": "1"}}})), &[
        "spec.containers[0].resources.requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
        "spec.containers[0].resources.requests[gpu]: Invalid value: gpu: must be a standard resource type or fully qualified",
        "spec.containers[0].resources.requests[gpu]: Invalid value: gpu: must be a standard resource for containers",
    ]);
    check("pods", pod_with(json!({"resources": {"limits": {"example.com/dongle": "500m"}}})), &[
        "spec.containers[0].resources.limits[example.com/dongle]: Invalid value: 500m: must be an integer",
        "spec.containers[0].resources.requests[example.com/dongle]: Invalid value: 500m: must be an integer",
    ]);
    check(
        "pods",
        pod(
            json!({"volumes": [{"name": "data"}, {"name": "data"}, {"name": "v", "emptyDir": {}, "hostPath": {"path": "/tmp"}}], "containers": [c("a")]}),
        ),
        &[
            "spec.volumes[1].name: Duplicate value: \"data\"",
            "spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type",
        ],
    );
    check(
        "pods",
        pod(json!({"volumes": [{"name": "cfg", "configMap": {}}], "containers": [c("a")]})),
        &["spec.volumes[0].configMap.name: Required value"],
    );
    check("pods", pod_with(json!({"volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "data", "mountPath": "/data", "subPath": "../x"}]})), &[
        "spec.containers[0].volumeMounts[0].name: Not found: \"data\"",
        "spec.containers[0].volumeMounts[1].name: Not found: \"data\"",
        "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/data\": must be unique",
        "spec.containers[0].volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'",
    ]);
    check("pods", pod(json!({"containers": [c("a")], "tolerations": [{"key": "k", "operator": "Exists", "value": "v", "tolerationSeconds": 5}]})), &[
        "spec.tolerations[0].effect: Invalid value: \"\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        "spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
    ]);
}

#[test]
fn pod_updates() {
    let old = pod(
        json!({"containers": [{"name": "a", "image": "nginx:1", "ports": [{"containerPort": 80}]}], "activeDeadlineSeconds": 30}),
    );
    let with = |f: &dyn Fn(&mut Value)| {
        let mut p = old.clone();
        f(&mut p);
        p
    };
    check_update(
        "pods",
        old.clone(),
        with(&|p| p["spec"]["containers"][0]["image"] = json!("nginx:2")),
        &[],
    );
    check_update(
        "pods",
        old.clone(),
        with(&|p| p["metadata"]["labels"] = json!({"a": "b"})),
        &[],
    );
    check_update("pods", old.clone(), with(&|p| p["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(8080)), &[&format!(
        "spec: Forbidden: {UPDATABLE}\n- spec.containers[0].ports[0].containerPort: 80\n+ spec.containers[0].ports[0].containerPort: 8080"
    )]);
    check_update(
        "pods",
        old.clone(),
        with(&|p| p["spec"]["containers"] = json!([c("a"), c("b")])),
        &["spec.containers: Forbidden: pod updates may not add or remove containers"],
    );
    check_update("pods", old.clone(), with(&|p| p["spec"]["activeDeadlineSeconds"] = json!(60)), &[
        "spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value",
    ]);
    check_update(
        "pods",
        old.clone(),
        with(&|p| p["spec"]["activeDeadlineSeconds"] = json!(10)),
        &[],
    );
    let extra =
        json!({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"});
    let tolerated = with(&|p| p["spec"]["tolerations"] = json!([extra.clone()]));
    check_update("pods", old.clone(), tolerated.clone(), &[]);
    check_update("pods", defaulted("pods", tolerated), old, &[
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
    ]);
}

fn svc(spec: Value) -> Value {
    json!({"metadata": {"name": "web", "namespace": "default"}, "spec": spec})
}

#[test]
fn services() {
    check(
        "services",
        svc(json!({"selector": {"app": "web"}, "ports": [{"port": 80}]})),
        &[],
    );
    check(
        "services",
        svc(json!({"selector": {"app": "web"}})),
        &["spec.ports: Required value"],
    );
    check("services", svc(json!({"clusterIP": "None"})), &[]);
    check(
        "services",
        svc(json!({"type": "ExternalName", "externalName": "example.com"})),
        &[],
    );
    check(
        "services",
        svc(json!({"ports": [{"port": 80}, {"port": 81}]})),
        &[
            "spec.ports[0].name: Required value",
            "spec.ports[1].name: Required value",
        ],
    );
    check("services", svc(json!({"ports": [{"name": "http", "port": 70000, "targetPort": 8080}, {"name": "http", "port": 81, "protocol": "ICMP"}]})), &[
        "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        "spec.ports[1].name: Duplicate value: \"http\"",
        "spec.ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
    ]);
    check("services", svc(json!({"ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80}]})), &[
        "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}",
    ]);
    check("services", svc(json!({"type": "Public", "ports": [{"port": 80}]})), &[
        "spec.type: Unsupported value: \"Public\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
    ]);
    check("services", svc(json!({"sessionAffinity": "Sticky", "clusterIP": "10.0.0.300", "ports": [{"port": 80}]})), &[
        "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
        "spec.clusterIPs[0]: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
    ]);
    check(
        "services",
        svc(json!({"ports": [{"port": 80, "nodePort": 30080}]})),
        &["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    );
    check("services", svc(json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]})), &[
        "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
    ]);
    check("services", svc(json!({"type": "NodePort", "clusterIP": "None", "ports": [{"port": 80}]})), &[
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services",
    ]);
    let allocated = svc(json!({"clusterIP": "10.96.0.10", "ports": [{"port": 80}]}));
    check_update(
        "services",
        allocated.clone(),
        svc(json!({"ports": [{"port": 8080}]})),
        &[],
    );
    let mut patched = defaulted("services", allocated.clone());
    patched["spec"]["clusterIP"] = json!("10.96.0.30");
    check_update(
        "services",
        allocated.clone(),
        patched,
        &["spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.30\"}: may not change once set"],
    );
    check_update(
        "services",
        allocated,
        svc(json!({"clusterIP": "10.96.0.20", "ports": [{"port": 80}]})),
        &["spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.20\"}: may not change once set"],
    );
}

fn deploy(selector: Value, labels: Value) -> Value {
    json!({
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": selector, "template": {"metadata": {"labels": labels}, "spec": {"containers": [c("web")]}}}
    })
}

#[test]
fn workloads() {
    let sel = json!({"matchLabels": {"app": "web"}});
    check(
        "deployments",
        deploy(sel.clone(), json!({"app": "web"})),
        &[],
    );
    check("deployments", deploy(sel.clone(), json!({"app": "other"})), &[
        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`",
    ]);
    let mut d = deploy(sel.clone(), json!({"app": "web"}));
    if let Some(s) = d["spec"].as_object_mut() {
        s.remove("selector");
    }
    d["spec"]["replicas"] = json!(-1);
    d["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
    check("deployments", d, &[
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        "spec.selector: Required value",
        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`",
        "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
    ]);
    let mut d = deploy(sel.clone(), json!({"app": "web"}));
    d["spec"]["template"]["spec"]["containers"][0]["name"] = json!("Web");
    check(
        "deployments",
        d,
        &[&format!(
            "spec.template.spec.containers[0].name: Invalid value: \"Web\": {LABEL_REGEX}"
        )],
    );
    check("deployments", deploy(json!({"matchExpressions": [{"key": "app", "operator": "In"}]}), json!({"app": "web"})), &[
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`",
    ]);
    check_update(
        "deployments",
        deploy(sel.clone(), json!({"app": "web"})),
        deploy(json!({"matchLabels": {"app": "web2"}}), json!({"app": "web2"})),
        &["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"],
    );
    check("replicasets", deploy(json!({}), json!({"app": "web"})), &[
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
    ]);
    check("daemonsets", deploy(sel, json!({"app": "node"})), &[
        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"node\"}: `selector` does not match template `labels`",
    ]);
}

fn job(spec: Value) -> Value {
    json!({"metadata": {"name": "pi", "namespace": "default"}, "spec": spec})
}

#[test]
fn jobs() {
    let template = json!({"spec": {"containers": [c("pi")], "restartPolicy": "Never"}});
    check("jobs", job(json!({"template": template.clone()})), &[]);
    check("jobs", job(json!({"template": {"spec": {"containers": [c("pi")]}}, "backoffLimit": -1, "parallelism": -2})), &[
        "spec.parallelism: Invalid value: -2: must be greater than or equal to 0",
        "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
        "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
    ]);
    check(
        "jobs",
        job(json!({"template": template.clone(), "manualSelector": true})),
        &["spec.selector: Required value"],
    );
    let mut changed = template.clone();
    changed["spec"]["containers"][0]["image"] = json!("perl");
    let old = defaulted("jobs", job(json!({"template": template})));
    let new = defaulted("jobs", job(json!({"template": changed})));
    let errs = render(&validate_update("jobs", &new, &old));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("spec.template: Invalid value: {")
            && errs[0].ends_with("}: field is immutable")
    );
}

#[test]
fn config_and_namespaces() {
    let cm = |data: Value| json!({"metadata": {"name": "c", "namespace": "default"}, "data": data});
    check("configmaps", cm(json!({"..": "v", "a b": "v", "ok.key": "v"})), &[
        "data[..]: Invalid value: \"..\": must not be '..'",
        "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
    check(
        "configmaps",
        cm(json!({"big": "x".repeat(1024 * 1024 + 1)})),
        &[": Too long: may not be more than 1048576 bytes"],
    );
    let mut frozen = cm(json!({"a": "1"}));
    frozen["immutable"] = json!(true);
    let mut thawed = cm(json!({"a": "2"}));
    thawed["immutable"] = json!(true);
    check_update(
        "configmaps",
        frozen,
        thawed,
        &["data: Forbidden: field is immutable when `immutable` is set"],
    );

    let secret = |ty: &str, data: Value| json!({"metadata": {"name": "s", "namespace": "default"}, "type": ty, "data": data});
    check(
        "secrets",
        secret("Opaque", json!({"password": "cGFzcw=="})),
        &[],
    );
    check(
        "secrets",
        secret("kubernetes.io/tls", json!({})),
        &[
            "data[tls.crt]: Required value",
            "data[tls.key]: Required value",
        ],
    );
    check(
        "secrets",
        secret("Opaque", json!({"big": "A".repeat(1_400_000)})),
        &["data: Too long: may not be more than 1048576 bytes"],
    );
    check_update(
        "secrets",
        secret("Opaque", json!({})),
        secret("kubernetes.io/basic-auth", json!({"username": "dQ=="})),
        &["type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable"],
    );

    check("namespaces", json!({"metadata": {"name": "dev"}}), &[]);
    check(
        "namespaces",
        json!({"metadata": {"name": "Dev"}}),
        &[&format!(
            "metadata.name: Invalid value: \"Dev\": {LABEL_REGEX}"
        )],
    );
}
