//! Pods actually running on the node, driven by the real kubectl: init containers in order,
//! restart policies and back-off, probes, logs, graceful deletion and agent restarts.
//! Needs root and the test images (images/build.sh); skipped otherwise.

mod common;

use common::{table, wait_for, Cluster};

/// READY, STATUS, RESTARTS of a pod as `kubectl get pod` prints them.
fn row(c: &Cluster, pod: &str) -> (String, String, String) {
    let out = c.kubectl(&["get", "pod", pod, "--no-headers"]);
    let t = table(&String::from_utf8_lossy(&out.stdout));
    match t.first() {
        Some(r) if r.len() >= 4 => (r[1].clone(), r[2].clone(), r[3].clone()),
        _ => (String::new(), String::new(), String::new()),
    }
}

fn wait_status(c: &Cluster, pod: &str, status: &str, secs: u64) -> (String, String, String) {
    wait_for(secs, &format!("{pod} to be {status}"), || {
        let r = row(c, pod);
        (r.1 == status).then_some(r)
    })
}

#[test]
fn init_containers_run_in_order_then_the_app() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: myapp-pod, labels: {app: myapp}}
spec:
  initContainers:
  - name: init-myservice
    image: busybox:1.24
    command: ['sh', '-c', 'until [ -f /work/svc ]; do echo waiting for myservice; sleep 0.2; done']
    volumeMounts: [{name: work, mountPath: /work}]
  - name: init-mydb
    image: busybox:1.24
    command: ['sh', '-c', 'until [ -f /work/db ]; do echo waiting for mydb; sleep 0.2; done']
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: myapp-container
    image: busybox:1.24
    command: ['sh', '-c', 'echo The app is running! && sleep 3600']
    volumeMounts: [{name: work, mountPath: /work}]
  volumes:
  - name: work
    hostPath: {path: /tmp/peapod-test-init-work, type: DirectoryOrCreate}
"#;
    let _ = std::fs::remove_dir_all("/tmp/peapod-test-init-work");
    c.ok_stdin(&["apply", "-f", "-"], pod);
    let (ready, _, _) = wait_status(&c, "myapp-pod", "Init:0/2", 20);
    assert_eq!(ready, "0/1");
    // The second init container has not started: its log is refused as in the seeds.
    let err = c.fails(&["logs", "myapp-pod", "-c", "init-mydb"]);
    assert!(
        err.contains(
            r#"container "init-mydb" in pod "myapp-pod" is waiting to start: PodInitializing"#
        ),
        "{err}"
    );
    let logs = c.ok(&["logs", "myapp-pod", "-c", "init-myservice"]);
    assert!(logs.contains("waiting for myservice"), "{logs}");
    std::fs::write("/tmp/peapod-test-init-work/svc", b"").unwrap();
    wait_status(&c, "myapp-pod", "Init:1/2", 20);
    std::fs::write("/tmp/peapod-test-init-work/db", b"").unwrap();
    let (ready, _, restarts) = wait_status(&c, "myapp-pod", "Running", 20);
    assert_eq!((ready.as_str(), restarts.as_str()), ("1/1", "0"));
    assert_eq!(c.ok(&["logs", "myapp-pod"]).trim(), "The app is running!");
    let d = c.ok(&["describe", "pod", "myapp-pod"]);
    for ev in ["Scheduled", "Pulled", "Created", "Started"] {
        assert!(d.contains(ev), "event {ev} in {d}");
    }
    // Listed in the order they happened (names are `<pod>.<nanos in hex>`), which is how
    // `kubectl describe` orders events that fall in the same second.
    let reasons = c.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=myapp-pod",
        "-o",
        "jsonpath={.items[*].reason}",
    ]);
    assert!(
        reasons.starts_with("Scheduled Pulled Created Started"),
        "{reasons}"
    );
    assert!(
        d.contains("Container image \"busybox:1.24\" already present on machine"),
        "{d}"
    );
    // Deletion: sh as PID 1 ignores SIGTERM, so a short grace period ends in SIGKILL.
    c.ok(&["delete", "pod", "myapp-pod", "--grace-period=2"]);
    assert!(c.fails(&["get", "pod", "myapp-pod"]).contains("not found"));
    let _ = std::fs::remove_dir_all("/tmp/peapod-test-init-work");
}

#[test]
fn restart_policies_and_crash_loop_back_off() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    c.ok(&[
        "run",
        "never",
        "--image=busybox",
        "--restart=Never",
        "--",
        "sh",
        "-c",
        "echo bye; exit 3",
    ]);
    c.ok(&[
        "run",
        "done",
        "--image=busybox",
        "--restart=OnFailure",
        "--",
        "true",
    ]);
    c.ok(&[
        "run",
        "crash",
        "--image=busybox",
        "--",
        "sh",
        "-c",
        "echo attempt; exit 1",
    ]);
    let (ready, _, restarts) = wait_status(&c, "never", "Error", 20);
    assert_eq!((ready.as_str(), restarts.as_str()), ("0/1", "0"));
    assert_eq!(
        c.ok(&[
            "get",
            "pod",
            "never",
            "-o",
            "jsonpath={.status.phase} {.status.containerStatuses[0].state.terminated.exitCode}"
        ]),
        "Failed 3"
    );
    wait_status(&c, "done", "Completed", 20);
    assert_eq!(
        c.ok(&["get", "pod", "done", "-o", "jsonpath={.status.phase}"]),
        "Succeeded"
    );
    let (_, _, restarts) = wait_status(&c, "crash", "CrashLoopBackOff", 30);
    assert!(
        restarts.starts_with('1') || restarts.starts_with('2'),
        "{restarts}"
    );
    let waiting = c.ok(&[
        "get",
        "pod",
        "crash",
        "-o",
        "jsonpath={.status.containerStatuses[0].state.waiting.message}",
    ]);
    assert!(
        waiting.starts_with("back-off 10s restarting failed container=crash pod=crash_default("),
        "{waiting}"
    );
    assert_eq!(c.ok(&["logs", "crash", "--previous"]).trim(), "attempt");
    let d = c.ok(&["describe", "pod", "crash"]);
    assert!(
        d.contains("Back-off restarting failed container crash in pod crash_default("),
        "{d}"
    );
    assert!(
        d.contains("Last State:     Terminated") && d.contains("Exit Code:    1"),
        "{d}"
    );
    c.ok(&["delete", "pod", "never", "done", "crash"]);
}

#[test]
fn failing_init_container_with_never_fails_the_pod() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: initfail}
spec:
  restartPolicy: Never
  initContainers:
  - {name: init, image: busybox, command: ['sh', '-c', 'exit 2']}
  containers:
  - {name: app, image: busybox, command: ['sleep', '3600']}
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_status(&c, "initfail", "Init:Error", 20);
    assert_eq!(
        c.ok(&["get", "pod", "initfail", "-o", "jsonpath={.status.phase}"]),
        "Failed"
    );
    let app_state = c.ok(&[
        "get",
        "pod",
        "initfail",
        "-o",
        "jsonpath={.status.containerStatuses[0].state.waiting.reason}",
    ]);
    assert_eq!(
        app_state, "PodInitializing",
        "the app container never started"
    );
}

#[test]
fn probes_drive_readiness_and_restarts() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: myapp-probe}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: myapp
    image: myapp:v1
    ports: [{name: http, containerPort: 80}]
    livenessProbe:
      tcpSocket: {port: 80}
      initialDelaySeconds: 1
      periodSeconds: 1
      timeoutSeconds: 1
    readinessProbe:
      httpGet: {path: /index.html, port: http}
      periodSeconds: 1
  - name: flaky
    image: busybox
    command: ['sh', '-c', 'touch /tmp/healthy; sleep 4; rm /tmp/healthy; sleep 3600']
    livenessProbe:
      exec: {command: ['cat', '/tmp/healthy']}
      periodSeconds: 1
      failureThreshold: 2
  - name: gate
    image: busybox
    command: ['sh', '-c', 'touch /tmp/ready; sleep 4; rm /tmp/ready; sleep 3600']
    readinessProbe:
      exec: {command: ['cat', '/tmp/ready']}
      periodSeconds: 1
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_status(&c, "myapp-probe", "Running", 30);
    wait_for(20, "3/3 ready", || {
        (row(&c, "myapp-probe").0 == "3/3").then_some(())
    });
    // The gate's readiness file goes: not ready, yet Running and not restarted.
    wait_for(20, "2/3 ready", || {
        let r = row(&c, "myapp-probe");
        (r.0 == "2/3" && r.1 == "Running").then_some(())
    });
    // The flaky container's liveness file goes: it is killed and restarted.
    wait_for(30, "flaky restarted", || {
        let n = c.ok(&[
            "get",
            "pod",
            "myapp-probe",
            "-o",
            "jsonpath={.status.containerStatuses[?(@.name==\"flaky\")].restartCount}",
        ]);
        (n.trim() == "1").then_some(())
    });
    let d = c.ok(&["describe", "pod", "myapp-probe"]);
    assert!(
        d.contains(
            "Liveness:       tcp-socket :80 delay=1s timeout=1s period=1s #success=1 #failure=3"
        ),
        "{d}"
    );
    assert!(d.contains("Readiness:      http-get http://:http/index.html delay=0s timeout=1s period=1s #success=1 #failure=3"), "{d}");
    assert!(
        d.contains("Liveness probe failed: cat: can't open '/tmp/healthy'") || {
            let d2 = c.ok(&["describe", "pod", "myapp-probe"]);
            d2.contains("Liveness probe failed: cat: can't open '/tmp/healthy'")
        }
    );
    let d = c.ok(&["describe", "pod", "myapp-probe"]);
    assert!(
        d.contains("Container flaky failed liveness probe, will be restarted"),
        "{d}"
    );
    assert!(d.contains("Readiness probe failed:"), "{d}");
    c.ok(&["delete", "pod", "myapp-probe", "--grace-period=1"]);
}

/// The seeds' myapp pod: tcpSocket liveness (stopping nginx restarts it) and httpGet readiness on
/// /hostname.html (removing the page keeps the pod Running but 0/1), through `kubectl exec`.
#[test]
fn seed_probes_with_exec() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let pod = r#"
apiVersion: v1
kind: Pod
metadata:
  name: myapp-pod
  labels: {app: myapp}
spec:
  containers:
  - name: myapp
    image: myapp:v1
    imagePullPolicy: IfNotPresent
    livenessProbe:
      tcpSocket:
        port: 80
      initialDelaySeconds: 1
      periodSeconds: 2
      timeoutSeconds: 1
    readinessProbe:
      httpGet:
        path: /hostname.html
        port: 80
      initialDelaySeconds: 1
      periodSeconds: 2
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_for(30, "1/1 Running", || {
        (row(&c, "myapp-pod") == ("1/1".into(), "Running".into(), "0".into())).then_some(())
    });
    // exec: output, exit codes and stdin.
    assert_eq!(
        c.ok(&["exec", "myapp-pod", "--", "cat", "/etc/hostname"])
            .trim(),
        "myapp-pod"
    );
    let out = c.kubectl(&[
        "exec",
        "myapp-pod",
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("err\ncommand terminated with exit code 3")
    );
    assert_eq!(
        c.ok_stdin(&["exec", "-i", "myapp-pod", "--", "cat"], "piped\n"),
        "piped\n"
    );
    // With a terminal (kubectl needs one: `script` gives it a pty): the command's stdio is a
    // terminal of the container's own devpts, so `tty` names it.
    let (text, code) = c.kubectl_on_terminal("", "exec -it myapp-pod -- sh -c 'tty; exit 4'");
    assert!(text.contains("/dev/pts/0"), "{text}");
    assert!(!text.contains("not a tty"), "{text}");
    assert_eq!(code, Some(4), "{text}");

    // Readiness: without the /hostname.html location nginx answers 404.
    c.ok(&[
        "exec",
        "myapp-pod",
        "--",
        "sh",
        "-c",
        "sed -i '/hostname.html/,/}/s/^/#/' /etc/nginx/conf.d/default.conf && nginx -s reload",
    ]);
    wait_for(20, "0/1 Running", || {
        (row(&c, "myapp-pod").0 == "0/1").then_some(())
    });
    assert_eq!(row(&c, "myapp-pod").1, "Running");
    let d = c.ok(&["describe", "pod", "myapp-pod"]);
    assert!(
        d.contains("Readiness probe failed: HTTP probe failed with statuscode: 404"),
        "{d}"
    );

    // Liveness: stopping nginx closes port 80; the container is restarted.
    let _ = c.kubectl(&["exec", "myapp-pod", "--", "nginx", "-s", "stop"]);
    wait_for(30, "RESTARTS 1", || {
        let r = row(&c, "myapp-pod");
        (r.2 == "1" && r.1 == "Running").then_some(())
    });
    // The restarted container has the original config again: ready.
    wait_for(20, "1/1 again", || {
        (row(&c, "myapp-pod").0 == "1/1").then_some(())
    });
    c.ok(&["delete", "pod", "myapp-pod"]);
}

/// kill -9 of peapod while pods run: containers keep running, the restarted agent adopts them,
/// nothing restarts, and exits that happened meanwhile are reported.
#[test]
fn agent_restart_adopts_running_pods() {
    let Some(mut c) = Cluster::start_node() else {
        return;
    };
    c.ok(&["run", "keeper", "--image=busybox", "--", "sleep", "3600"]);
    c.ok(&[
        "run",
        "short",
        "--image=busybox",
        "--restart=Never",
        "--",
        "sh",
        "-c",
        "sleep 3; exit 4",
    ]);
    wait_status(&c, "keeper", "Running", 20);
    wait_status(&c, "short", "Running", 20);
    let started = c.ok(&["get", "pod", "keeper", "-o", "jsonpath={.status.containerStatuses[0].state.running.startedAt} {.status.containerStatuses[0].containerID}"]);
    c.kill();
    std::thread::sleep(std::time::Duration::from_secs(4));
    c.start_again();
    wait_status(&c, "short", "Error", 20);
    assert_eq!(
        c.ok(&[
            "get",
            "pod",
            "short",
            "-o",
            "jsonpath={.status.containerStatuses[0].state.terminated.exitCode}"
        ]),
        "4"
    );
    let after = c.ok(&["get", "pod", "keeper", "-o", "jsonpath={.status.containerStatuses[0].state.running.startedAt} {.status.containerStatuses[0].containerID}"]);
    assert_eq!(
        after, started,
        "the running container was adopted, not restarted"
    );
    assert_eq!(
        row(&c, "keeper"),
        ("1/1".into(), "Running".into(), "0".into())
    );
    c.ok(&["delete", "pod", "short"]);
    c.ok(&["delete", "pod", "keeper", "--grace-period=1"]);
}

/// A Service over two pods: its Endpoints hold both ready pod IPs, the ClusterIP spreads requests
/// over both from another pod and from the node, and a pod that turns unready leaves.
#[test]
fn services_balance_over_ready_pods() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let pods = r#"
apiVersion: v1
kind: Pod
metadata: {name: app-v1, labels: {app: myapp}}
spec:
  containers:
  - name: myapp
    image: myapp:v1
    readinessProbe: {httpGet: {path: /index.html, port: 80}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: app-v2, labels: {app: myapp}}
spec:
  containers:
  - name: myapp
    image: myapp:v2
    readinessProbe: {httpGet: {path: /index.html, port: 80}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: client, image: busyboxplus, command: ['sleep', '3600']}
---
apiVersion: v1
kind: Service
metadata: {name: myapp}
spec:
  selector: {app: myapp}
  ports: [{name: http, port: 80, targetPort: 80}]
"#;
    c.ok_stdin(&["apply", "-f", "-"], pods);
    for p in ["app-v1", "app-v2", "client"] {
        wait_for(30, &format!("{p} ready"), || {
            (row(&c, p).0 == "1/1").then_some(())
        });
    }
    let ips = wait_for(10, "two endpoints", || {
        let ips = c.ok(&[
            "get",
            "endpoints",
            "myapp",
            "-o",
            "jsonpath={.subsets[*].addresses[*].ip}",
        ]);
        (ips.split_whitespace().count() == 2).then_some(ips)
    });
    let pod_ips = c.ok(&[
        "get",
        "pods",
        "app-v1",
        "app-v2",
        "-o",
        "jsonpath={.items[*].status.podIP}",
    ]);
    let (mut a, mut b): (Vec<&str>, Vec<&str>) = (
        ips.split_whitespace().collect(),
        pod_ips.split_whitespace().collect(),
    );
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let vip = c.ok(&["get", "svc", "myapp", "-o", "jsonpath={.spec.clusterIP}"]);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let out = c.ok(&[
            "exec",
            "client",
            "--",
            "curl",
            "-s",
            &format!("http://{vip}/"),
        ]);
        if out.contains("v1") {
            seen.insert("v1");
        }
        if out.contains("v2") {
            seen.insert("v2");
        }
        if seen.len() == 2 {
            break;
        }
    }
    assert_eq!(
        seen.len(),
        2,
        "both backends answered through the ClusterIP"
    );
    // From the node too.
    let out = std::process::Command::new("curl")
        .args(["-s", "--max-time", "5", &format!("http://{vip}/")])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Hello MyApp"));
    // app-v1 turns unready: it moves to notReadyAddresses and stops getting traffic.
    c.ok(&[
        "exec",
        "app-v1",
        "--",
        "rm",
        "/usr/share/nginx/html/index.html",
    ]);
    wait_for(20, "v1 not ready", || {
        let nr = c.ok(&[
            "get",
            "endpoints",
            "myapp",
            "-o",
            "jsonpath={.subsets[*].notReadyAddresses[*].targetRef.name}",
        ]);
        (nr.trim() == "app-v1").then_some(())
    });
    for _ in 0..10 {
        let out = c.ok(&[
            "exec",
            "client",
            "--",
            "curl",
            "-s",
            &format!("http://{vip}/"),
        ]);
        assert!(out.contains("Version: v2"), "{out}");
    }
    // Hairpin: the only endpoint reaches itself through its own Service.
    let out = c.ok(&[
        "exec",
        "app-v2",
        "--",
        "wget",
        "-qO-",
        &format!("http://{vip}/"),
    ]);
    assert!(out.contains("Version: v2"), "{out}");
    let d = c.ok(&["describe", "svc", "myapp"]);
    assert!(d.contains("Endpoints:") && d.contains(":80"), "{d}");
}

/// The seeds' pod: two init containers wait for `nslookup myservice` and `nslookup mydb`; the
/// pod goes Init:0/2 → Init:1/2 → Running 1/1 as each Service is created (cluster DNS).
#[test]
fn seed_init_pod_waits_for_services_in_dns() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    // The seeds sleep 60 s between lookups; 1 s keeps the test short.
    let pod = include_str!("fixtures/init-pod.yaml").replace("sleep 60", "sleep 1");
    c.ok_stdin(&["apply", "-f", "-"], &pod);
    wait_status(&c, "myapp-busybox-pod", "Init:0/2", 30);
    let logs = wait_for(20, "a failed lookup in the log", || {
        let l = c.ok(&["logs", "myapp-busybox-pod", "-c", "init-myservice"]);
        l.contains("waiting for myservice").then_some(l)
    });
    assert!(
        logs.contains("can't find myservice.default.svc.cluster.local: NXDOMAIN"),
        "{logs}"
    );
    let services = include_str!("fixtures/services.yaml");
    let (first, second) = services.split_once("---").unwrap();
    c.ok_stdin(&["apply", "-f", "-"], first);
    wait_status(&c, "myapp-busybox-pod", "Init:1/2", 30);
    c.ok_stdin(&["apply", "-f", "-"], second);
    let (ready, _, restarts) = wait_status(&c, "myapp-busybox-pod", "Running", 30);
    assert_eq!((ready.as_str(), restarts.as_str()), ("1/1", "0"));
    let logs = c.ok(&["logs", "myapp-busybox-pod", "-c", "init-mydb"]);
    let ip = c.ok(&["get", "svc", "mydb", "-o", "jsonpath={.spec.clusterIP}"]);
    assert!(logs.contains(&format!("Address: {ip}")), "{logs}");
}

/// postStart runs after the start (a failing one kills and restarts the container); preStop runs
/// before the stop signal on deletion.
#[test]
fn lifecycle_hooks() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let dir = "/tmp/peapod-test-hooks";
    let _ = std::fs::remove_dir_all(dir);
    let pod = format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: hooks}}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done']
    volumeMounts: [{{name: work, mountPath: /work}}]
    lifecycle:
      postStart: {{exec: {{command: ['sh', '-c', 'echo started > /work/post']}}}}
      preStop: {{exec: {{command: ['sh', '-c', 'echo stopping > /work/pre']}}}}
  volumes:
  - name: work
    hostPath: {{path: {dir}, type: DirectoryOrCreate}}
---
apiVersion: v1
kind: Pod
metadata: {{name: badhook}}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: app
    image: busybox
    command: ['sleep', '3600']
    lifecycle:
      postStart: {{exec: {{command: ['sh', '-c', 'echo no; exit 1']}}}}
"#
    );
    c.ok_stdin(&["apply", "-f", "-"], &pod);
    wait_status(&c, "hooks", "Running", 30);
    assert_eq!(
        std::fs::read_to_string(format!("{dir}/post"))
            .unwrap()
            .trim(),
        "started"
    );
    wait_for(30, "badhook restarted", || {
        let n = c.ok(&[
            "get",
            "pod",
            "badhook",
            "-o",
            "jsonpath={.status.containerStatuses[0].restartCount}",
        ]);
        (n.trim().parse::<u32>().unwrap_or(0) >= 1).then_some(())
    });
    let d = c.ok(&["describe", "pod", "badhook"]);
    assert!(
        d.contains("FailedPostStartHook") && d.contains("PostStartHook failed"),
        "{d}"
    );
    c.ok(&["delete", "pod", "hooks"]);
    assert_eq!(
        std::fs::read_to_string(format!("{dir}/pre"))
            .unwrap()
            .trim(),
        "stopping"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A sidecar (init container with restartPolicy Always) starts first, gates the next init
/// container through its startup probe, keeps running beside the app and counts in READY.
#[test]
fn sidecar_with_startup_probe() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: sidecar}
spec:
  terminationGracePeriodSeconds: 2
  initContainers:
  - name: proxy
    image: busybox
    restartPolicy: Always
    command: ['sh', '-c', 'sleep 2; touch /tmp/up; trap "exit 0" TERM; while true; do sleep 0.2; done']
    startupProbe:
      exec: {command: ['cat', '/tmp/up']}
      periodSeconds: 1
      failureThreshold: 30
  - name: setup
    image: busybox
    command: ['true']
  containers:
  - name: app
    image: busybox
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done']
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_status(&c, "sidecar", "Init:0/2", 20);
    let (ready, _, restarts) = wait_status(&c, "sidecar", "Running", 40);
    wait_for(20, "2/2 ready", || {
        (row(&c, "sidecar").0 == "2/2").then_some(())
    });
    assert_eq!(restarts, "0");
    let _ = ready;
    let started = c.ok(&["get", "pod", "sidecar", "-o", "jsonpath={.status.initContainerStatuses[0].started} {.status.initContainerStatuses[0].state.running.startedAt}"]);
    assert!(started.starts_with("true 20"), "{started}");
    let setup = c.ok(&[
        "get",
        "pod",
        "sidecar",
        "-o",
        "jsonpath={.status.initContainerStatuses[1].state.terminated.reason}",
    ]);
    assert_eq!(setup, "Completed");
    c.ok(&["delete", "pod", "sidecar"]);
}

/// activeDeadlineSeconds: the pod fails with reason DeadlineExceeded and its containers stop.
#[test]
fn active_deadline_fails_the_pod() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: deadline}
spec:
  activeDeadlineSeconds: 3
  terminationGracePeriodSeconds: 2
  containers:
  - {name: app, image: busybox, command: ['sleep', '3600']}
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_status(&c, "deadline", "Running", 20);
    wait_for(30, "phase Failed", || {
        let p = c.ok(&[
            "get",
            "pod",
            "deadline",
            "-o",
            "jsonpath={.status.phase} {.status.reason}",
        ]);
        (p == "Failed DeadlineExceeded").then_some(())
    });
    let state = c.ok(&[
        "get",
        "pod",
        "deadline",
        "-o",
        "jsonpath={.status.containerStatuses[0].state.terminated.exitCode}",
    ]);
    assert_eq!(state, "137");
    let d = c.ok(&["describe", "pod", "deadline"]);
    assert!(
        d.contains("Pod was active on the node longer than the specified deadline"),
        "{d}"
    );
}

/// A NodePort answers on the node's address; a headless Service resolves to its ready pods' IPs
/// in the cluster DNS, and SRV records name its ports.
#[test]
fn nodeport_and_headless_dns() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let objs = r#"
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: web, image: myapp:v1, ports: [{name: http, containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: client, image: busyboxplus, command: ['sleep', '3600']}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80}]
"#;
    c.ok_stdin(&["apply", "-f", "-"], objs);
    for p in ["web", "client"] {
        wait_for(30, &format!("{p} ready"), || {
            (row(&c, p).0 == "1/1").then_some(())
        });
    }
    let np = c.ok(&[
        "get",
        "svc",
        "web-np",
        "-o",
        "jsonpath={.spec.ports[0].nodePort}",
    ]);
    // NodePorts answer on the node's addresses (not on 127.0.0.1, as in kube-proxy's nftables mode).
    let addrs = std::process::Command::new("ip")
        .args(["-4", "-o", "addr", "show", "scope", "global"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&addrs.stdout).into_owned();
    let node_ip = text
        .lines()
        .filter(|l| !l.contains(" pp") && !l.contains("peapod"))
        .find_map(|l| {
            l.split_whitespace()
                .nth(3)?
                .split('/')
                .next()
                .map(String::from)
        });
    match node_ip {
        Some(node_ip) => {
            let body = wait_for(20, "the NodePort answers", || {
                let out = std::process::Command::new("curl")
                    .args(["-s", "--max-time", "2", &format!("http://{node_ip}:{np}/")])
                    .output()
                    .ok()?;
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                text.starts_with("Hello MyApp").then_some(text)
            });
            assert!(body.contains("Version: v1"), "{body}");
        }
        None => eprintln!("no global IPv4 address on this machine: NodePort check skipped"),
    }
    let pod_ip = c.ok(&["get", "pod", "web", "-o", "jsonpath={.status.podIP}"]);
    let lookup = wait_for(20, "headless A record", || {
        let out = c.kubectl(&[
            "exec",
            "client",
            "--",
            "nslookup",
            "web-headless.default.svc.cluster.local",
        ]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.contains(&format!("Address: {pod_ip}")).then_some(text)
    });
    assert!(
        lookup.contains("web-headless.default.svc.cluster.local"),
        "{lookup}"
    );
    let srv = c.ok(&[
        "exec",
        "client",
        "--",
        "nslookup",
        "-type=SRV",
        "_http._tcp.web-headless.default.svc.cluster.local",
    ]);
    assert!(srv.contains(" 80 "), "{srv}");
}

/// Containers get the RuntimeDefault seccomp profile unless the pod says otherwise; Unconfined
/// and privileged run without a filter; a Localhost profile from <data-dir>/seccomp is enforced.
#[test]
fn seccomp_profiles() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let profiles = c.data_dir().join("seccomp/profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("no-mkdir.json"),
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}"#,
    )
    .unwrap();
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: seccomp}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: default
    image: busybox
    command: ['sh', '-c', 'grep Seccomp: /proc/self/status']
  - name: unconfined
    image: busybox
    command: ['sh', '-c', 'grep Seccomp: /proc/self/status']
    securityContext: {seccompProfile: {type: Unconfined}}
  - name: privileged
    image: busybox
    command: ['sh', '-c', 'grep Seccomp: /proc/self/status']
    securityContext: {privileged: true}
  - name: localhost
    image: busybox
    command: ['sh', '-c', 'grep Seccomp: /proc/self/status; mkdir /tmp/x || echo mkdir refused']
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/no-mkdir.json}}
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_status(&c, "seccomp", "Completed", 30);
    let logs = |name: &str| {
        c.ok(&["logs", "seccomp", "-c", name])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(logs("default"), "Seccomp: 2");
    assert_eq!(logs("unconfined"), "Seccomp: 0");
    assert_eq!(logs("privileged"), "Seccomp: 0");
    let l = logs("localhost");
    assert!(l.starts_with("Seccomp: 2"), "{l}");
    assert!(
        // stderr and stdout are separate pipes: their lines may interleave either way.
        l.contains("Operation not permitted") && l.contains("mkdir refused"),
        "{l}"
    );

    // A Localhost profile that does not exist keeps the container from being created.
    let missing = r#"
apiVersion: v1
kind: Pod
metadata: {name: seccomp-missing}
spec:
  securityContext: {seccompProfile: {type: Localhost, localhostProfile: nope.json}}
  containers:
  - {name: app, image: busybox, command: ['sleep', '3600']}
"#;
    c.ok_stdin(&["apply", "-f", "-"], missing);
    wait_status(&c, "seccomp-missing", "CreateContainerConfigError", 30);
}

/// Logs are rotated like the kubelet's (size limit, timestamped files, older ones gzipped,
/// max files kept); conmon reopens its log, `kubectl logs` reads the live file and a running
/// `kubectl logs -f` follows across the rotation.
#[test]
fn container_logs_rotate() {
    let Some(images) = common::image_dir() else {
        return;
    };
    let images = images.display().to_string();
    let Some(c) = Cluster::start_node_with(&[
        "--offline",
        "--preload-images",
        &images,
        "--container-log-max-size",
        "64Ki",
        "--container-log-max-files",
        "3",
    ]) else {
        return;
    };
    // Three bursts of ~75 KB in CRI format (over the 64 KiB limit, under conmon's 4× cap),
    // 12 s apart (rotation checks every 10 s).
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: chatty}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ['sh', '-c', 'for b in 1 2 3; do seq 1 1500 | sed "s/^/batch$b /"; sleep 12; done; echo final; sleep 3600']
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_status(&c, "chatty", "Running", 30);
    let follow = std::process::Command::new(common::kubectl_bin())
        .arg("--kubeconfig")
        .arg(c.kubeconfig())
        .args(["logs", "-f", "chatty"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(60, "the last line after three rotations", || {
        (c.ok(&["logs", "chatty"]).trim() == "final").then_some(())
    });
    let uid = c.ok(&["get", "pod", "chatty", "-o", "jsonpath={.metadata.uid}"]);
    let dir = c.data_dir().join(format!("runtime/pods/{uid}/logs/app"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[0], "0.log");
    assert!(
        names[1].starts_with("0.log.") && names[1].ends_with(".gz"),
        "{names:?}"
    );
    assert!(
        names[2].starts_with("0.log.") && !names[2].ends_with(".gz"),
        "{names:?}"
    );
    let newest = std::fs::read_to_string(dir.join(&names[2])).unwrap();
    assert!(
        newest.contains("batch3 1500"),
        "newest rotated file holds batch 3"
    );
    let (_, _, restarts) = row(&c, "chatty");
    assert_eq!(restarts, "0");

    // The follower saw every line of the last two batches and the final one.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let mut follow = follow;
    let _ = follow.kill();
    let out = follow.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["batch2 1\n", "batch2 1500\n", "batch3 1500\n", "final\n"] {
        assert!(text.contains(needle), "logs -f lacks {needle:?}");
    }
}

/// hostPort, forwarded by the node's own nftables table (the default CNI configuration has no
/// portmap): reachable on the node's address from the node and from a pod; a second pod asking
/// for the same port stays Pending (FailedScheduling) until the first is gone, then gets it. A
/// Service without endpoints refuses connections at once. Nothing is left in iptables' nat
/// table, nor of the node's own, once the pods are gone and the server stopped.
#[test]
fn host_ports_and_services_without_endpoints() {
    let Some(mut c) = Cluster::start_node() else {
        return;
    };
    let hp = common::free_port();
    let objs = format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: web1}}
spec:
  containers: [{{name: web, image: myapp:v1, ports: [{{containerPort: 80, hostPort: {hp}}}]}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: client}}
spec:
  containers: [{{name: client, image: busyboxplus, command: ['sleep', '3600']}}]
---
apiVersion: v1
kind: Service
metadata: {{name: nobody}}
spec:
  selector: {{app: nobody}}
  ports: [{{port: 80}}]
"#
    );
    c.ok_stdin(&["apply", "-f", "-"], &objs);
    for p in ["web1", "client"] {
        wait_for(30, &format!("{p} ready"), || {
            (row(&c, p).0 == "1/1").then_some(())
        });
    }
    let node_ip = c.ok(&[
        "get",
        "nodes",
        "-o",
        "jsonpath={.items[0].status.addresses[?(@.type==\"InternalIP\")].address}",
    ]);
    let cidr = c.arg("--cluster-cidr").unwrap();
    let net: std::net::Ipv4Addr = cidr.split('/').next().unwrap().parse().unwrap();
    let table = format!("peapod_pp{:08x}", u32::from(net));
    let map = std::process::Command::new("nft")
        .args(["list", "map", "ip", &table, "hostports"])
        .output()
        .unwrap();
    let map = String::from_utf8_lossy(&map.stdout);
    assert!(map.contains(&format!("tcp . {hp} : goto hp_")), "{map}");
    let url = format!("http://{node_ip}:{hp}/");
    let out = std::process::Command::new("curl")
        .args(["-s", "--max-time", "5", &url])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Version: v1"),
        "{url}: {out:?}"
    );
    // From a pod, to the node's address on the pod network (the node IP here is loopback).
    let gw = c.ok(&[
        "exec",
        "client",
        "--",
        "sh",
        "-c",
        "ip route | awk '/^default/ {print $3}'",
    ]);
    let pod_url = format!("http://{}:{hp}/", gw.trim());
    let out = c.ok(&["exec", "client", "--", "curl", "-s", &pod_url]);
    assert!(out.contains("Version: v1"), "from a pod: {out}");

    // The same hostPort again: not schedulable while web1 holds it.
    let second = format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: web2}}
spec:
  containers: [{{name: web, image: myapp:v2, ports: [{{containerPort: 80, hostPort: {hp}}}]}}]
"#
    );
    c.ok_stdin(&["apply", "-f", "-"], &second);
    wait_for(10, "FailedScheduling", || {
        let d = c.ok(&["describe", "pod", "web2"]);
        d.contains("FailedScheduling")
            .then_some(())
            .filter(|_| d.contains("didn't have free ports for the requested pod ports"))
    });
    assert_eq!(row(&c, "web2").1, "Pending");
    let cond = c.ok(&[
        "get",
        "pod",
        "web2",
        "-o",
        "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].reason}",
    ]);
    assert_eq!(cond, "Unschedulable");
    c.ok(&["delete", "pod", "web1", "--grace-period=1"]);
    wait_for(30, "web2 running", || {
        (row(&c, "web2").0 == "1/1").then_some(())
    });
    let out = c.ok(&["exec", "client", "--", "curl", "-s", &pod_url]);
    assert!(out.contains("Version: v2"), "{out}");

    // No endpoints: refused at once, every time (a TCP reset, not a timeout).
    let vip = c.ok(&["get", "svc", "nobody", "-o", "jsonpath={.spec.clusterIP}"]);
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let out = c.kubectl(&["exec", "client", "--", "nc", "-w", "5", &vip, "80"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Connection refused"), "{err}");
        assert!(
            t.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            t.elapsed()
        );
    }

    c.ok(&["delete", "pod", "--all", "--grace-period=1"]);
    wait_for(30, "pods gone", || {
        c.ok(&["get", "pods", "-o", "name"])
            .is_empty()
            .then_some(())
    });
    c.stop();
    let nat = std::process::Command::new("iptables")
        .args(["-t", "nat", "-S"])
        .output()
        .unwrap();
    let nat = String::from_utf8_lossy(&nat.stdout);
    assert!(
        !nat.contains("CNI-HOSTPORT") && !nat.contains("CNI-DN-"),
        "{nat}"
    );
    // Nor anything else of this node's: its nft table, service route, DNS address, bridge.
    let bridge = format!("pp{:08x}", u32::from(net));
    let sh = |cmd: &str| {
        let o = std::process::Command::new("sh")
            .args(["-c", cmd])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let tables = sh("nft list tables");
    assert!(!tables.contains(&format!("peapod_{bridge}")), "{tables}");
    let svc = c.arg("--service-cidr").unwrap();
    assert_eq!(sh(&format!("ip route show {svc}")), "");
    let dns = c.arg("--cluster-dns").unwrap();
    assert!(!sh("ip -4 addr show dev lo").contains(&format!("{dns}/32")));
    let links = sh("ip -br link");
    assert!(!links.contains(&bridge), "{links}");
    assert!(sh(&format!("ip link show master {bridge} 2>/dev/null")).is_empty());
}

/// A container over its memory limit is killed by the kernel and shows OOMKilled (exit 137),
/// as the supervisor reads the OOM kill from the container's memory cgroup.
#[test]
fn memory_limit_gives_oom_killed() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox
    command: [dd, "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"]
    resources: {limits: {memory: 16Mi}}
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_status(&c, "hog", "OOMKilled", 30);
    let t = c.ok(&[
        "get",
        "pod",
        "hog",
        "-o",
        "jsonpath={.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].state.terminated.exitCode} {.status.phase}",
    ]);
    assert_eq!(t, "OOMKilled 137 Failed");
}

/// `kubectl debug` adds an ephemeral container through pods/ephemeralcontainers: it runs once
/// in the target's PID namespace, has its status and logs, takes exec, and cannot be removed.
#[test]
fn ephemeral_debug_container() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    c.ok(&["run", "web", "--image=myapp:v1"]);
    wait_for(30, "web ready", || {
        (row(&c, "web").0 == "1/1").then_some(())
    });
    let out = c.kubectl(&[
        "debug",
        "web",
        "--image=busybox",
        "--target=web",
        "--container=dbg",
        "--",
        "sh",
        "-c",
        "echo debugging; sleep 1000",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Targeting container \"web\"")
            || String::from_utf8_lossy(&out.stdout).contains("Targeting container \"web\""),
        "{out:?}"
    );
    wait_for(20, "dbg running", || {
        let s = c.ok(&[
            "get",
            "pod",
            "web",
            "-o",
            "jsonpath={.status.ephemeralContainerStatuses[0].state.running.startedAt}",
        ]);
        (!s.is_empty()).then_some(())
    });
    // The target's processes are visible: its PID namespace is shared.
    let ps = c.ok(&["exec", "web", "-c", "dbg", "--", "ps"]);
    assert!(ps.contains("nginx: master process"), "{ps}");
    assert_eq!(c.ok(&["logs", "web", "-c", "dbg"]).trim(), "debugging");
    // Not counted in READY, and never ready itself.
    assert_eq!(row(&c, "web").0, "1/1");
    let ready = c.ok(&[
        "get",
        "pod",
        "web",
        "-o",
        "jsonpath={.status.ephemeralContainerStatuses[0].ready}",
    ]);
    assert_eq!(ready, "false");
    let d = c.ok(&["describe", "pod", "web"]);
    assert!(d.contains("Ephemeral Containers:\n  dbg:"), "{d}");
    assert!(d.contains("Started container dbg"), "{d}");
    // Ephemeral containers can only be added.
    let mut pod: serde_json::Value =
        serde_json::from_str(&c.ok(&["get", "pod", "web", "-o", "json"])).unwrap();
    pod["spec"]["ephemeralContainers"] = serde_json::json!([]);
    let file = c.data_dir().join("eph.json");
    std::fs::write(&file, pod.to_string()).unwrap();
    let err = c.fails(&[
        "replace",
        "--raw",
        "/api/v1/namespaces/default/pods/web/ephemeralcontainers",
        "-f",
        file.to_str().unwrap(),
    ]);
    assert!(
        err.contains("existing ephemeral containers \"dbg\" may not be removed"),
        "{err}"
    );
}

/// The seeds' `kubectl run demo --image=busyboxplus -it --restart=Never`: an interactive shell
/// on the container's own terminal through pods/attach, its exit code reported by kubectl; and
/// `run -i` with piped stdin (stdinOnce: the container sees end-of-file).
#[test]
fn run_interactive_attaches() {
    let Some(c) = Cluster::start_node() else {
        return;
    };
    let (text, code) = c.kubectl_on_terminal(
        "(sleep 4; printf 'echo hello-from-$(hostname)\\n'; sleep 1; printf 'exit 3\\n'; sleep 2)",
        "run demo --image=busyboxplus -it --restart=Never",
    );
    assert!(text.contains("hello-from-demo"), "{text}");
    assert!(
        text.contains("pod default/demo terminated (Error)"),
        "{text}"
    );
    assert_eq!(code, Some(3), "{text}");
    assert_eq!(row(&c, "demo").1, "Error");
    // The terminal session is in the container's log too.
    assert!(c.ok(&["logs", "demo"]).contains("hello-from-demo"));

    let out = c.kubectl_stdin(
        &[
            "run",
            "cat1",
            "--image=busybox",
            "-i",
            "--restart=Never",
            "--",
            "cat",
        ],
        "piped-line\n",
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("piped-line"),
        "{out:?}"
    );
    wait_status(&c, "cat1", "Completed", 20);
}

/// A failed pod network setup is the kubelet's FailedCreatePodSandBox: the sandbox goes (no
/// pause process stays), the pod waits in ContainerCreating and gets a new sandbox once the
/// network works. A container whose environment takes status.podIP starts with the address.
#[test]
fn pod_network_failure_is_retried() {
    // No warm sandbox: the one made at start would have the network this test breaks.
    let Some(c) = Cluster::start_node_and(&["--warm-sandboxes", "0"]) else {
        return;
    };
    let conflist = c.data_dir().join("net/cni.conflist");
    let good = std::fs::read_to_string(&conflist).unwrap();
    let mut broken: serde_json::Value = serde_json::from_str(&good).unwrap();
    broken["plugins"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"type": "peapod-no-such-plugin"}));
    std::fs::write(&conflist, broken.to_string()).unwrap();
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: netfail}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ['sh', '-c', 'echo "ip=$MY_IP"; sleep 3600']
    env:
    - name: MY_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    let events = wait_for(20, "FailedCreatePodSandBox", || {
        let out = c.ok(&[
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=netfail",
        ]);
        out.contains("FailedCreatePodSandBox").then_some(out)
    });
    assert!(events.contains("peapod-no-such-plugin"), "{events}");
    assert_eq!(row(&c, "netfail").1, "ContainerCreating");
    // Each failed attempt removes its sandbox: after several, at most the pause process of the
    // attempt under way lives.
    let uid = c.ok(&["get", "pod", "netfail", "-o", "jsonpath={.metadata.uid}"]);
    std::thread::sleep(std::time::Duration::from_secs(3));
    let pauses = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            let p = e.path();
            let live = std::fs::read_to_string(p.join("stat")).is_ok_and(|s| {
                s.rsplit(')')
                    .next()
                    .is_some_and(|r| !r.trim_start().starts_with('Z'))
            });
            live && std::fs::read_to_string(p.join("cgroup"))
                .is_ok_and(|cg| cg.contains(&format!("pod{}/pause", uid.trim())))
        })
        .count();
    assert!(pauses <= 1, "{pauses} pause processes of one pod");
    let attempts = c.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=netfail,reason=FailedCreatePodSandBox",
        "-o",
        "jsonpath={.items[0].count}",
    ]);
    assert!(
        attempts.trim().parse::<u32>().unwrap_or(0) >= 2,
        "retried: {attempts}"
    );
    std::fs::write(&conflist, good).unwrap();
    wait_status(&c, "netfail", "Running", 20);
    let ip = c.ok(&["get", "pod", "netfail", "-o", "jsonpath={.status.podIP}"]);
    assert!(!ip.is_empty());
    let logs = wait_for(10, "the app's log", || {
        let l = c.ok(&["logs", "netfail"]);
        l.contains("ip=").then_some(l)
    });
    assert_eq!(logs.trim(), format!("ip={ip}"));
    c.ok(&["delete", "pod", "netfail"]);
}

#[test]
fn pods_start_in_warm_sandboxes_and_none_outlive_the_node() {
    let Some(mut c) = Cluster::start_node() else {
        return;
    };
    let warm = c.data_dir().join("runtime/warm");
    let records = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // The default pool holds two.
    let first = wait_for(20, "two warm sandboxes", || {
        let r = records(&warm);
        (r.len() == 2).then_some(r)
    });
    let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: warm}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ['sh', '-c', 'hostname; tail -n1 /etc/hosts; ip -4 -o addr show eth0; sleep 3600']
"#;
    c.ok_stdin(&["apply", "-f", "-"], pod);
    wait_status(&c, "warm", "Running", 30);
    let ip = c.ok(&["get", "pod", "warm", "-o", "jsonpath={.status.podIP}"]);
    let logs = wait_for(10, "the app's output", || {
        let l = c.ok(&["logs", "warm"]);
        (l.lines().count() >= 3).then_some(l)
    });
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(lines[0], "warm", "{logs}");
    assert_eq!(lines[1], format!("{ip}\twarm"), "{logs}");
    assert!(lines[2].contains(&format!("inet {ip}/")), "{logs}");
    // It took the warm sandbox (its pause process is the pod's now) and another was made.
    let uid = c.ok(&["get", "pod", "warm", "-o", "jsonpath={.metadata.uid}"]);
    let sandbox: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            c.data_dir()
                .join(format!("runtime/pods/{uid}/sandbox.json")),
        )
        .unwrap(),
    )
    .unwrap();
    let pause = sandbox["pause_pid"].as_u64().unwrap();
    let cgroup = std::fs::read_to_string(format!("/proc/{pause}/cgroup")).unwrap();
    assert!(
        cgroup.contains(&format!(":memory:/peapod/pod{uid}/pause\n")),
        "{cgroup}"
    );
    let second = wait_for(20, "a new warm sandbox", || {
        let r = records(&warm);
        (r.len() == 2 && r.iter().filter(|f| !first.contains(f)).count() == 1).then_some(r)
    });
    let new = second.iter().find(|f| !first.contains(f)).unwrap().clone();
    let id = new.trim_end_matches(".json").to_string();
    let attachments = c.data_dir().join("net/pods");
    assert!(records(&attachments).contains(&format!("{id}.json")));

    // A clean stop removes the warm sandbox (the pod stays), its address included.
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(warm.join(&new)).unwrap()).unwrap();
    let warm_pause = rec["pause_pid"].as_u64().unwrap();
    c.stop();
    assert!(records(&warm).is_empty(), "{:?}", records(&warm));
    assert!(!records(&attachments).contains(&format!("{id}.json")));
    let live = std::fs::read_to_string(format!("/proc/{warm_pause}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    });
    assert!(!live, "the warm pause process is gone");
    // host-local keeps one file per address it gave, holding the container id.
    let held: Vec<String> = walk(&c.data_dir().join("net/ipam"))
        .into_iter()
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|s| s.contains(&id)))
        .map(|f| f.display().to_string())
        .collect();
    assert!(held.is_empty(), "addresses still held: {held:?}");
    c.start_again();
    wait_status(&c, "warm", "Running", 30);
}

/// Every file below `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
