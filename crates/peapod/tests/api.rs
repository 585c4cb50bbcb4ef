//! The control plane driven by the real kubectl: CRUD, apply, patch, watch, validation,
//! authentication and durability across restarts.

mod common;

use common::{table, Cluster};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const INIT_POD: &str = include_str!("fixtures/init-pod.yaml");
const SERVICES: &str = include_str!("fixtures/services.yaml");

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn pod_lifecycle_through_kubectl() {
    let c = Cluster::start();
    let out = c.ok(&["apply", "-f", &fixture("init-pod.yaml")]);
    assert_eq!(out.trim(), "pod/myapp-busybox-pod created");

    // No node agent binds it: Pending with READY 0/1, as a cluster prints it.
    let rows = table(&c.ok(&["get", "pods"]));
    assert_eq!(rows[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(&rows[1][..4], ["myapp-busybox-pod", "0/1", "Pending", "0"]);
    let wide = table(&c.ok(&["get", "pod", "myapp-busybox-pod", "-o", "wide"]));
    assert_eq!(
        wide[0],
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ]
    );
    assert_eq!(&wide[1][5..], ["<none>", "<none>", "<none>", "<none>"]);

    // Defaults were applied on create.
    let json: serde_json::Value =
        serde_json::from_str(&c.ok(&["get", "pod", "myapp-busybox-pod", "-o", "json"])).unwrap();
    assert_eq!(json["spec"]["restartPolicy"], "Always");
    assert_eq!(
        json["spec"]["containers"][0]["imagePullPolicy"],
        "IfNotPresent"
    );
    assert_eq!(json["status"]["phase"], "Pending");
    assert!(json["metadata"]["uid"].as_str().unwrap().len() == 36);

    // describe works and shows the init containers.
    let d = c.ok(&["describe", "pod", "myapp-busybox-pod"]);
    assert!(
        d.contains("Name:") && d.contains("myapp-busybox-pod"),
        "{d}"
    );
    assert!(
        d.contains("Init Containers:") && d.contains("init-mydb"),
        "{d}"
    );

    // Re-applying the same manifest changes nothing; a changed one is configured.
    assert_eq!(
        c.ok(&["apply", "-f", &fixture("init-pod.yaml")]).trim(),
        "pod/myapp-busybox-pod unchanged"
    );
    let changed = INIT_POD.replace("app: myapp", "app: myapp\n    tier: web");
    assert_eq!(
        c.ok_stdin(&["apply", "-f", "-"], &changed).trim(),
        "pod/myapp-busybox-pod configured"
    );
    assert_eq!(
        c.ok(&[
            "get",
            "pod",
            "myapp-busybox-pod",
            "-o",
            "jsonpath={.metadata.labels.tier}"
        ]),
        "web"
    );
    // Label selectors.
    assert!(c
        .ok(&["get", "pods", "-l", "tier=web"])
        .contains("myapp-busybox-pod"));
    assert!(c
        .kubectl(&["get", "pods", "-l", "tier=db"])
        .stderr
        .starts_with(b"No resources found"));

    // Image is mutable through a strategic merge patch (containers merged by name).
    c.ok(&[
        "patch",
        "pod",
        "myapp-busybox-pod",
        "-p",
        r#"{"spec":{"containers":[{"name":"myapp-container","image":"busybox:latest"}]}}"#,
    ]);
    let images = c.ok(&[
        "get",
        "pod",
        "myapp-busybox-pod",
        "-o",
        "jsonpath={.spec.containers[*].image} {.spec.containers[0].command[0]}",
    ]);
    assert_eq!(images, "busybox:latest sh");
    // Other spec fields are not.
    let err = c.fails(&[
        "patch",
        "pod",
        "myapp-busybox-pod",
        "-p",
        r#"{"spec":{"restartPolicy":"Never"}}"#,
    ]);
    assert!(
        err.contains("Forbidden: pod updates may not change fields"),
        "{err}"
    );

    // kubectl 1.34+ adds " from default namespace".
    assert!(c
        .ok(&["delete", "pod", "myapp-busybox-pod"])
        .starts_with("pod \"myapp-busybox-pod\" deleted"));
    let err = c.fails(&["get", "pod", "myapp-busybox-pod"]);
    assert!(
        err.contains("pods \"myapp-busybox-pod\" not found"),
        "{err}"
    );
}

#[test]
fn services_get_cluster_ips() {
    let c = Cluster::start();
    let out = c.ok(&["apply", "-f", &fixture("services.yaml")]);
    assert_eq!(
        out.trim(),
        "service/myservice created\nservice/mydb created"
    );
    let rows = table(&c.ok(&["get", "svc"]));
    assert_eq!(
        rows[0],
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE"
        ]
    );
    let k = rows
        .iter()
        .find(|r| r[0] == "kubernetes")
        .expect("kubernetes service");
    assert_eq!(&k[1..5], ["ClusterIP", "10.96.0.1", "<none>", "443/TCP"]);
    let my = rows.iter().find(|r| r[0] == "myservice").unwrap();
    assert_eq!(my[1], "ClusterIP");
    assert!(my[2].starts_with("10.96."), "{my:?}");
    assert_eq!(my[4], "80/TCP");
    let db = rows.iter().find(|r| r[0] == "mydb").unwrap();
    assert_ne!(db[2], my[2], "distinct ClusterIPs");

    // NodePort gets a port from the range; a headless service prints None.
    c.ok(&["create", "service", "nodeport", "web", "--tcp=80:8080"]);
    c.ok(&[
        "create",
        "service",
        "clusterip",
        "hl",
        "--clusterip=None",
        "--tcp=80:80",
    ]);
    let rows = table(&c.ok(&["get", "svc", "web", "hl"]));
    let port = &rows[1][4];
    let np: u16 = port
        .trim_start_matches("80:")
        .trim_end_matches("/TCP")
        .parse()
        .unwrap();
    assert!((30000..=32767).contains(&np), "{port}");
    assert_eq!(rows[2][2], "None");
    // A ClusterIP is immutable.
    let err = c.fails(&[
        "patch",
        "svc",
        "mydb",
        "-p",
        r#"{"spec":{"clusterIP":"10.96.0.99"}}"#,
    ]);
    assert!(
        err.contains(r#"The Service "mydb" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set"#),
        "{err}"
    );
    let d = c.ok(&["describe", "svc", "myservice"]);
    assert!(d.contains("TargetPort:") && d.contains("9376/TCP"), "{d}");
    c.ok(&["delete", "-f", &fixture("services.yaml")]);
    assert!(!c.ok(&["get", "svc"]).contains("myservice"));
}

#[test]
fn validation_errors_name_the_field_and_store_nothing() {
    let c = Cluster::start();
    let dup = r#"
apiVersion: v1
kind: Pod
metadata: {name: x}
spec:
  initContainers:
  - {name: init, image: busybox}
  - {name: myapp-container, image: busybox}
  containers:
  - {name: myapp-container, image: busybox}
"#;
    let err = c.fails_stdin(&["create", "-f", "-"], dup);
    assert!(err.contains(r#"The Pod "x" is invalid: spec.initContainers[1].name: Duplicate value: "myapp-container""#), "{err}");

    let probe = r#"
apiVersion: v1
kind: Pod
metadata: {name: probe-pod}
spec:
  initContainers:
  - name: init
    image: busybox
    livenessProbe: {exec: {command: ["true"]}}
  containers:
  - {name: app, image: busybox}
"#;
    let err = c.fails_stdin(&["create", "-f", "-"], probe);
    assert!(err.contains("spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"), "{err}");

    let policy = "apiVersion: v1\nkind: Pod\nmetadata: {name: policy-pod}\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - {name: app, image: busybox}\n";
    let err = c.fails_stdin(&["create", "-f", "-"], policy);
    assert!(err.contains(r#"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#), "{err}");

    let no_containers =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: empty-pod}\nspec:\n  containers: []\n";
    let err = c.fails_stdin(&["create", "-f", "-"], no_containers);
    assert!(err.contains("spec.containers: Required value"), "{err}");

    let bad_name = "apiVersion: v1\nkind: Pod\nmetadata: {name: Web_App}\nspec:\n  containers:\n  - {name: app, image: busybox}\n";
    let err = c.fails_stdin(&["create", "-f", "-"], bad_name);
    assert!(
        err.contains(r#"metadata.name: Invalid value: "Web_App""#),
        "{err}"
    );

    // Unknown fields: strict field validation (kubectl's default) rejects them.
    let unknown = "apiVersion: v1\nkind: Pod\nmetadata: {name: unknown-pod}\nspec:\n  containers:\n  - {name: app, image: busybox, imagePolicy: Always}\n";
    let err = c.fails_stdin(&["create", "-f", "-"], unknown);
    assert!(
        err.contains(r#"strict decoding error: unknown field "spec.containers[0].imagePolicy""#),
        "{err}"
    );

    // Nothing of the above was stored.
    assert!(c
        .kubectl(&["get", "pods"])
        .stderr
        .starts_with(b"No resources found"));

    // Malformed JSON is a 400 that says where.
    let out = Command::new("curl")
        .args([
            "-sk",
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {}", c.token()),
            "-H",
            "Content-Type: application/json",
        ])
        .args(["--data", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",,}"])
        .arg(format!(
            "https://127.0.0.1:{}/api/v1/namespaces/default/pods",
            c.port
        ))
        .output()
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["code"], 400);
    assert!(
        body["message"].as_str().unwrap().contains("line 1 column"),
        "{body}"
    );
}

#[test]
fn anonymous_requests_are_unauthorized() {
    let c = Cluster::start();
    let url = format!(
        "https://127.0.0.1:{}/api/v1/namespaces/default/pods",
        c.port
    );
    let code = |extra: &[&str]| {
        let out = Command::new("curl")
            .args(["-sk", "-o", "/dev/null", "-w", "%{http_code}"])
            .args(extra)
            .arg(&url)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(code(&[]), "401");
    assert_eq!(code(&["-H", "Authorization: Bearer wrong"]), "401");
    assert_eq!(
        code(&["-H", &format!("Authorization: Bearer {}", c.token())]),
        "200"
    );
    let health = Command::new("curl")
        .args(["-sk", &format!("https://127.0.0.1:{}/healthz", c.port)])
        .output()
        .unwrap();
    assert_eq!(health.stdout, b"ok");
    // Plain HTTP is not served.
    let plain = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("http://127.0.0.1:{}/healthz", c.port),
        ])
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&plain.stdout), "200");
    // The data dir and keys are private.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(c.data_dir()), 0o700);
    assert_eq!(mode(&c.data_dir().join("pki/apiserver.key")), 0o600);
    assert_eq!(mode(&c.kubeconfig()), 0o600);
}

#[test]
fn stale_update_conflicts_and_patches_merge_by_name() {
    let c = Cluster::start();
    c.ok(&[
        "create",
        "deployment",
        "web",
        "--image=myapp:v1",
        "--replicas=2",
    ]);
    let stale = c.ok(&["get", "deployment", "web", "-o", "json"]);
    c.ok(&["scale", "deployment", "web", "--replicas=3"]);
    let err = c.fails_stdin(&["replace", "-f", "-"], &stale);
    assert!(err.contains("the object has been modified; please apply your changes to the latest version and try again"), "{err}");
    assert!(
        err.contains("Operation cannot be fulfilled on deployments.apps \"web\""),
        "{err}"
    );

    // Strategic merge: add a second container, change the first by name, then delete one.
    c.ok(&[
        "patch",
        "deployment",
        "web",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}"#,
    ]);
    let names = c.ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[*].name}",
    ]);
    // As upstream (and the kubectl patch docs): a new list element goes first.
    assert_eq!(names, "sidecar myapp");
    c.ok(&[
        "patch",
        "deployment",
        "web",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"myapp","image":"myapp:v2"}]}}}}"#,
    ]);
    c.ok(&[
        "patch",
        "deployment",
        "web",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}"#,
    ]);
    let images = c.ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[*].image}",
    ]);
    assert_eq!(images, "myapp:v2");
    // JSON patch and merge patch.
    c.ok(&[
        "patch",
        "deployment",
        "web",
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":1}]"#,
    ]);
    c.ok(&[
        "patch",
        "deployment",
        "web",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"team":"a"}}}"#,
    ]);
    let got = c.ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.replicas} {.metadata.labels.team} {.metadata.generation}",
    ]);
    assert_eq!(got, "1 a 6");
}

#[test]
fn watch_streams_changes_and_resumes() {
    let c = Cluster::start();
    // kubectl get -w prints the current row, then one row per change.
    let mut w = Command::new(common::kubectl_bin())
        .arg("--kubeconfig")
        .arg(c.kubeconfig())
        .args(["get", "pods", "-w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = w.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    c.ok(&[
        "run",
        "w1",
        "--image=busybox",
        "--restart=Never",
        "--",
        "sleep",
        "10",
    ]);
    c.ok(&["label", "pod", "w1", "x=y"]);
    c.ok(&["delete", "pod", "w1"]);
    let mut lines = Vec::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(5)) {
        lines.push(l);
        if lines.len() >= 4 {
            break;
        }
    }
    let _ = w.kill();
    let _ = w.wait();
    assert_eq!(
        table(&lines[0].clone())[0],
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{lines:?}"
    );
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.starts_with("w1 ") && l.contains("0/1") && l.contains("Pending")),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 4, "{lines:?}");

    // Resume from a resourceVersion: only later events arrive.
    let rv = c.ok(&["get", "pods", "-o", "jsonpath={.metadata.resourceVersion}"]);
    c.ok(&["run", "w2", "--image=busybox", "--restart=Never"]);
    let events = c.ok(&[
        "get",
        "--raw",
        &format!("/api/v1/namespaces/default/pods?watch=1&resourceVersion={rv}&timeoutSeconds=1"),
    ]);
    let evs: Vec<serde_json::Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(evs.len(), 1, "{events}");
    assert_eq!(evs[0]["type"], "ADDED");
    assert_eq!(evs[0]["object"]["metadata"]["name"], "w2");
}

#[test]
fn too_old_resource_version_is_gone() {
    let c = Cluster::start_with(&["--no-node", "--watch-history", "20"]);
    for i in 0..30 {
        c.ok(&[
            "create",
            "configmap",
            &format!("cm{i}"),
            "--from-literal=a=b",
        ]);
    }
    // As the watch cache does, a watch from a compacted revision is refused with 410 Gone.
    let err = c.fails(&[
        "get",
        "--raw",
        "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2&timeoutSeconds=1",
    ]);
    assert!(
        err.contains("Error from server (Expired): too old resource version: 2"),
        "{err}"
    );
    // A recent revision still resumes.
    let list: serde_json::Value =
        serde_json::from_str(&c.ok(&["get", "--raw", "/api/v1/namespaces/default/configmaps"]))
            .unwrap();
    let recent: u64 = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap()
        - 5;
    let out = c.ok(&["get", "--raw", &format!("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={recent}&timeoutSeconds=1")]);
    assert!(out.lines().count() >= 1, "{out}");
}

#[test]
fn objects_survive_restart_and_crash() {
    let mut c = Cluster::start();
    c.ok_stdin(&["apply", "-f", "-"], SERVICES);
    c.ok(&[
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
    ]);
    c.ok(&[
        "create",
        "secret",
        "generic",
        "creds",
        "--from-literal=password=s3cret",
    ]);
    let before = c.ok(&[
        "get",
        "svc",
        "myservice",
        "-o",
        "jsonpath={.spec.clusterIP} {.metadata.uid}",
    ]);
    c.restart();
    assert_eq!(
        c.ok(&[
            "get",
            "svc",
            "myservice",
            "-o",
            "jsonpath={.spec.clusterIP} {.metadata.uid}"
        ]),
        before
    );
    // kill -9 right after an acknowledged write loses nothing.
    c.ok(&["create", "configmap", "last", "--from-literal=k=v"]);
    c.kill();
    c.start_again();
    assert_eq!(
        c.ok(&["get", "configmap", "last", "-o", "jsonpath={.data.k}"]),
        "v"
    );
    assert_eq!(
        c.ok(&[
            "get",
            "configmap",
            "settings",
            "-o",
            "jsonpath={.data.mode}"
        ]),
        "fast"
    );
    assert!(c.ok(&["get", "secrets"]).contains("creds"));
}

#[test]
fn namespaces_service_accounts_and_node() {
    let c = Cluster::start();
    let rows = table(&c.ok(&["get", "namespaces"]));
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        assert!(
            rows.iter().any(|r| r[0] == ns && r[1] == "Active"),
            "{rows:?}"
        );
    }
    c.ok(&["create", "namespace", "team"]);
    // The default service account appears in a new namespace.
    let mut found = false;
    for _ in 0..50 {
        if c.kubectl(&["get", "sa", "default", "-n", "team"])
            .status
            .success()
        {
            found = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(found, "default service account created");
    c.ok(&["create", "configmap", "c1", "-n", "team"]);
    c.ok(&[
        "delete",
        "namespace",
        "team",
        "--wait=true",
        "--timeout=30s",
    ]);
    assert!(c.fails(&["get", "ns", "team"]).contains("not found"));

    let rows = table(&c.ok(&["get", "nodes"]));
    assert_eq!(rows[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    assert_eq!(rows[1][0], "testnode");
    assert_eq!(rows[1][1], "Ready");
    let lease = c.ok(&[
        "get",
        "lease",
        "-n",
        "kube-node-lease",
        "testnode",
        "-o",
        "jsonpath={.spec.holderIdentity}",
    ]);
    assert_eq!(lease, "testnode");
}

#[test]
fn explain_uses_served_schemas() {
    let c = Cluster::start();
    let out = c.ok(&["explain", "pods.spec.containers.image"]);
    assert!(out.contains("KIND:") && out.contains("Pod"), "{out}");
    assert!(out.contains("FIELD: image"), "{out}");
}
