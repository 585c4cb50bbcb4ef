use super::*;
use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::batch::v1 as batch;
use k8s_pb::api::coordination::v1 as coordination;
use k8s_pb::api::core::v1 as core;
use k8s_pb::api::policy::v1 as policy;
use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use prost::Message as _;
use serde_json::json;
use std::collections::BTreeMap;

// ---- helpers ----

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn empty() -> Option<String> {
    Some(String::new())
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn quantities(pairs: &[(&str, &str)]) -> BTreeMap<String, Quantity> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Quantity { string: s(v) }))
        .collect()
}

fn int(i: i32) -> Option<IntOrString> {
    Some(IntOrString {
        r#type: Some(0),
        int_val: Some(i),
        str_val: empty(),
    })
}

fn string(v: &str) -> Option<IntOrString> {
    Some(IntOrString {
        r#type: Some(1),
        int_val: Some(0),
        str_val: s(v),
    })
}

fn time(seconds: i64) -> Option<meta::Time> {
    Some(meta::Time {
        seconds: Some(seconds),
        nanos: Some(0),
    })
}

/// ObjectMeta as Go's marshaller writes it: every non-pointer field, zero or not.
fn go_meta(name: &str, namespace: &str, labels: &[(&str, &str)]) -> Option<meta::ObjectMeta> {
    Some(meta::ObjectMeta {
        name: s(name),
        generate_name: empty(),
        namespace: s(namespace),
        self_link: empty(),
        uid: empty(),
        resource_version: empty(),
        generation: Some(0),
        creation_timestamp: Some(meta::Time::default()),
        labels: map(labels),
        ..Default::default()
    })
}

fn envelope(api_version: &str, kind: &str, raw: Vec<u8>) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: s(api_version),
            kind: s(kind),
        }),
        raw: Some(raw),
        content_encoding: empty(),
        content_type: empty(),
    };
    let mut body = MAGIC.to_vec();
    body.extend(unknown.encode_to_vec());
    body
}

fn decode<M: prost::Message>(api_version: &str, kind: &str, object: &M) -> Value {
    decode_object(&envelope(api_version, kind, object.encode_to_vec())).unwrap()
}

/// The decoded JSON goes through the k8s-openapi type with no unknown field.
fn assert_strict_clean(group: &str, kind: &str, v: &Value) {
    let d = crate::strict::decode(group, kind, v).unwrap();
    assert!(d.unknown_fields.is_empty(), "{:?}", d.unknown_fields);
}

// ---- objects ----

#[test]
fn deployment_like_kubectl_create_deployment() {
    // kubectl create deployment web --image=myapp:v1 --replicas=2 --port=80
    let labels = [("app", "web")];
    let container = core::Container {
        name: s("myapp"),
        image: s("myapp:v1"),
        working_dir: empty(),
        ports: vec![core::ContainerPort {
            name: empty(),
            host_port: Some(0),
            container_port: Some(80),
            protocol: empty(),
            host_ip: empty(),
        }],
        resources: Some(core::ResourceRequirements::default()),
        termination_message_path: empty(),
        termination_message_policy: empty(),
        image_pull_policy: empty(),
        stdin: Some(false),
        stdin_once: Some(false),
        tty: Some(false),
        ..Default::default()
    };
    let d = apps::Deployment {
        metadata: go_meta("web", "", &labels),
        spec: Some(apps::DeploymentSpec {
            replicas: Some(2),
            selector: Some(meta::LabelSelector {
                match_labels: map(&labels),
                ..Default::default()
            }),
            template: Some(core::PodTemplateSpec {
                metadata: go_meta("", "", &labels),
                spec: Some(core::PodSpec {
                    containers: vec![container],
                    restart_policy: empty(),
                    dns_policy: empty(),
                    service_account_name: empty(),
                    node_name: empty(),
                    host_network: Some(false),
                    host_pid: Some(false),
                    host_ipc: Some(false),
                    hostname: empty(),
                    subdomain: empty(),
                    scheduler_name: empty(),
                    priority_class_name: empty(),
                    ..Default::default()
                }),
            }),
            strategy: Some(apps::DeploymentStrategy {
                r#type: empty(),
                rolling_update: None,
            }),
            min_ready_seconds: Some(0),
            paused: Some(false),
            ..Default::default()
        }),
        status: Some(apps::DeploymentStatus {
            observed_generation: Some(0),
            replicas: Some(0),
            updated_replicas: Some(0),
            ready_replicas: Some(0),
            available_replicas: Some(0),
            unavailable_replicas: Some(0),
            ..Default::default()
        }),
    };
    let got = decode("apps/v1", "Deployment", &d);
    let want = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "myapp",
                    "image": "myapp:v1",
                    "ports": [{"containerPort": 80}],
                    "resources": {}
                }]}
            },
            "strategy": {}
        },
        "status": {}
    });
    assert_eq!(got, want);
    assert_strict_clean("apps", "Deployment", &got);
}

#[test]
fn deployment_strategy_status_and_pointer_zeroes() {
    let d = apps::Deployment {
        metadata: Some(meta::ObjectMeta {
            name: s("d"),
            namespace: s("prod"),
            creation_timestamp: time(1_795_334_400),
            ..Default::default()
        }),
        spec: Some(apps::DeploymentSpec {
            replicas: Some(0),
            strategy: Some(apps::DeploymentStrategy {
                r#type: s("RollingUpdate"),
                rolling_update: Some(apps::RollingUpdateDeployment {
                    max_unavailable: string("25%"),
                    max_surge: int(1),
                }),
            }),
            revision_history_limit: Some(0),
            progress_deadline_seconds: Some(600),
            paused: Some(true),
            ..Default::default()
        }),
        status: Some(apps::DeploymentStatus {
            observed_generation: Some(3),
            replicas: Some(2),
            collision_count: Some(0),
            conditions: vec![apps::DeploymentCondition {
                r#type: s("Available"),
                status: s("True"),
                last_update_time: time(1_709_296_496),
                last_transition_time: Some(meta::Time::default()),
                reason: s("MinimumReplicasAvailable"),
                message: empty(),
            }],
            ..Default::default()
        }),
    };
    let got = decode("apps/v1", "Deployment", &d);
    let want = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "prod", "creationTimestamp": "2026-11-22T08:00:00Z"},
        "spec": {
            "replicas": 0,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
            "revisionHistoryLimit": 0,
            "progressDeadlineSeconds": 600,
            "paused": true
        },
        "status": {
            "observedGeneration": 3,
            "replicas": 2,
            "collisionCount": 0,
            "conditions": [{
                "type": "Available",
                "status": "True",
                "lastUpdateTime": "2024-03-01T12:34:56Z",
                "reason": "MinimumReplicasAvailable"
            }]
        }
    });
    assert_eq!(got, want);
    assert_strict_clean("apps", "Deployment", &got);
}

#[test]
fn configmap_with_data_and_binary_data() {
    let cm = core::ConfigMap {
        metadata: go_meta("cfg", "default", &[]),
        immutable: None,
        data: map(&[("a", "1"), ("b", "two\nlines"), ("empty", "")]),
        binary_data: [
            ("bin".to_string(), vec![0u8, 1, 2, 0xff, 0xfe]),
            ("none".to_string(), vec![]),
        ]
        .into_iter()
        .collect(),
    };
    let got = decode("v1", "ConfigMap", &cm);
    let want = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "default"},
        "data": {"a": "1", "b": "two\nlines", "empty": ""},
        "binaryData": {"bin": "AAEC//4=", "none": ""}
    });
    assert_eq!(got, want);
    assert_strict_clean("", "ConfigMap", &got);
}

#[test]
fn secret_and_immutable_false() {
    let secret = core::Secret {
        metadata: go_meta("db", "default", &[]),
        immutable: Some(false),
        data: [("password".to_string(), b"hunter22".to_vec())]
            .into_iter()
            .collect(),
        string_data: map(&[("user", "admin")]),
        r#type: s("Opaque"),
    };
    let got = decode("v1", "Secret", &secret);
    let want = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "default"},
        "immutable": false,
        "data": {"password": "aHVudGVyMjI="},
        "stringData": {"user": "admin"},
        "type": "Opaque"
    });
    assert_eq!(got, want);
    assert_strict_clean("", "Secret", &got);
}

#[test]
fn namespace_and_service_account() {
    let ns = core::Namespace {
        metadata: go_meta("team-a", "", &[("kubernetes.io/metadata.name", "team-a")]),
        spec: Some(core::NamespaceSpec {
            finalizers: vec!["kubernetes".into()],
        }),
        status: Some(core::NamespaceStatus {
            phase: s("Active"),
            conditions: vec![core::NamespaceCondition {
                r#type: s("NamespaceDeletionDiscoveryFailure"),
                status: s("False"),
                last_transition_time: time(0),
                reason: empty(),
                message: empty(),
            }],
        }),
    };
    let got = decode("v1", "Namespace", &ns);
    let want = json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active", "conditions": [{
            "type": "NamespaceDeletionDiscoveryFailure",
            "status": "False",
            "lastTransitionTime": "1970-01-01T00:00:00Z"
        }]}
    });
    assert_eq!(got, want);
    assert_strict_clean("", "Namespace", &got);

    let sa = core::ServiceAccount {
        metadata: go_meta("builder", "ci", &[]),
        secrets: vec![core::ObjectReference {
            kind: empty(),
            namespace: empty(),
            name: s("builder-token"),
            uid: empty(),
            api_version: empty(),
            resource_version: empty(),
            field_path: empty(),
        }],
        image_pull_secrets: vec![core::LocalObjectReference {
            name: s("registry"),
        }],
        automount_service_account_token: Some(false),
    };
    let got = decode("v1", "ServiceAccount", &sa);
    let want = json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "builder", "namespace": "ci"},
        "secrets": [{"name": "builder-token"}],
        "imagePullSecrets": [{"name": "registry"}],
        "automountServiceAccountToken": false
    });
    assert_eq!(got, want);
    assert_strict_clean("", "ServiceAccount", &got);
}

#[test]
fn nodeport_service_with_string_and_int_target_ports() {
    // kubectl create service nodeport web --tcp=80:http --tcp=443:8443 --node-port=30080
    let port =
        |name: &str, port: i32, target: Option<IntOrString>, node_port: i32| core::ServicePort {
            name: s(name),
            protocol: s("TCP"),
            app_protocol: None,
            port: Some(port),
            target_port: target,
            node_port: Some(node_port),
        };
    let svc = core::Service {
        metadata: go_meta("web", "", &[("app", "web")]),
        spec: Some(core::ServiceSpec {
            ports: vec![
                port("80-http", 80, string("http"), 30080),
                port("443-8443", 443, int(8443), 0),
            ],
            selector: map(&[("app", "web")]),
            cluster_ip: empty(),
            r#type: s("NodePort"),
            session_affinity: s("ClientIP"),
            load_balancer_ip: empty(),
            external_name: empty(),
            external_traffic_policy: empty(),
            health_check_node_port: Some(0),
            publish_not_ready_addresses: Some(false),
            session_affinity_config: Some(core::SessionAffinityConfig {
                client_ip: Some(core::ClientIpConfig {
                    timeout_seconds: Some(10800),
                }),
            }),
            ip_families: vec!["IPv4".into()],
            ip_family_policy: s("SingleStack"),
            cluster_ips: vec!["10.96.0.10".into()],
            ..Default::default()
        }),
        status: Some(core::ServiceStatus {
            load_balancer: Some(core::LoadBalancerStatus {
                ingress: vec![core::LoadBalancerIngress {
                    ip: s("192.0.2.1"),
                    hostname: empty(),
                    ip_mode: s("VIP"),
                    ports: vec![core::PortStatus {
                        port: Some(80),
                        protocol: s("TCP"),
                        error: None,
                    }],
                }],
            }),
            conditions: vec![],
        }),
    };
    let got = decode("v1", "Service", &svc);
    let want = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "ports": [
                {"name": "80-http", "protocol": "TCP", "port": 80, "targetPort": "http", "nodePort": 30080},
                {"name": "443-8443", "protocol": "TCP", "port": 443, "targetPort": 8443}
            ],
            "selector": {"app": "web"},
            "type": "NodePort",
            "sessionAffinity": "ClientIP",
            "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "clusterIPs": ["10.96.0.10"]
        },
        "status": {"loadBalancer": {"ingress": [
            {"ip": "192.0.2.1", "ipMode": "VIP", "ports": [{"port": 80, "protocol": "TCP"}]}
        ]}}
    });
    assert_eq!(got, want);
    assert_strict_clean("", "Service", &got);
}

#[test]
fn job_with_failure_and_success_policies_and_status() {
    // kubectl create job pi --image=perl -- perl -e 'print 1', plus policies and a status.
    let job = batch::Job {
        metadata: go_meta("pi", "", &[]),
        spec: Some(batch::JobSpec {
            parallelism: Some(2),
            completions: Some(4),
            active_deadline_seconds: Some(600),
            backoff_limit: Some(0),
            ttl_seconds_after_finished: Some(100),
            completion_mode: s("Indexed"),
            suspend: Some(false),
            manual_selector: None,
            pod_replacement_policy: s("Failed"),
            pod_failure_policy: Some(batch::PodFailurePolicy {
                rules: vec![
                    batch::PodFailurePolicyRule {
                        action: s("FailJob"),
                        on_exit_codes: Some(batch::PodFailurePolicyOnExitCodesRequirement {
                            container_name: s("main"),
                            operator: s("In"),
                            values: vec![1, 2, 42],
                        }),
                        on_pod_conditions: vec![],
                    },
                    batch::PodFailurePolicyRule {
                        action: s("Ignore"),
                        on_exit_codes: None,
                        on_pod_conditions: vec![batch::PodFailurePolicyOnPodConditionsPattern {
                            r#type: s("DisruptionTarget"),
                            status: s("True"),
                        }],
                    },
                ],
            }),
            success_policy: Some(batch::SuccessPolicy {
                rules: vec![batch::SuccessPolicyRule {
                    succeeded_indexes: s("0-2"),
                    succeeded_count: Some(1),
                }],
            }),
            template: Some(core::PodTemplateSpec {
                metadata: go_meta("", "", &[]),
                spec: Some(core::PodSpec {
                    containers: vec![core::Container {
                        name: s("pi"),
                        image: s("perl"),
                        command: vec!["perl".into(), "-e".into(), "print 1".into()],
                        resources: Some(Default::default()),
                        ..Default::default()
                    }],
                    restart_policy: s("Never"),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }),
        status: Some(batch::JobStatus {
            conditions: vec![batch::JobCondition {
                r#type: s("Complete"),
                status: s("True"),
                last_probe_time: time(951_868_799),
                last_transition_time: time(951_868_799),
                reason: empty(),
                message: empty(),
            }],
            start_time: time(951_868_700),
            completion_time: time(951_868_799),
            active: Some(0),
            succeeded: Some(4),
            failed: Some(0),
            completed_indexes: s("0-3"),
            uncounted_terminated_pods: Some(batch::UncountedTerminatedPods {
                succeeded: vec!["uid-1".into()],
                failed: vec![],
            }),
            ready: Some(0),
            ..Default::default()
        }),
    };
    let got = decode("batch/v1", "Job", &job);
    let want = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {
            "parallelism": 2,
            "completions": 4,
            "activeDeadlineSeconds": 600,
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": 100,
            "completionMode": "Indexed",
            "suspend": false,
            "podReplacementPolicy": "Failed",
            "podFailurePolicy": {"rules": [
                {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [1, 2, 42]}},
                {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}
            ]},
            "successPolicy": {"rules": [{"succeededIndexes": "0-2", "succeededCount": 1}]},
            "template": {
                "metadata": {},
                "spec": {
                    "containers": [{"name": "pi", "image": "perl", "command": ["perl", "-e", "print 1"], "resources": {}}],
                    "restartPolicy": "Never"
                }
            }
        },
        "status": {
            "conditions": [{
                "type": "Complete",
                "status": "True",
                "lastProbeTime": "2000-02-29T23:59:59Z",
                "lastTransitionTime": "2000-02-29T23:59:59Z"
            }],
            "startTime": "2000-02-29T23:58:20Z",
            "completionTime": "2000-02-29T23:59:59Z",
            "succeeded": 4,
            "completedIndexes": "0-3",
            "uncountedTerminatedPods": {"succeeded": ["uid-1"]},
            "ready": 0
        }
    });
    assert_eq!(got, want);
    assert_strict_clean("batch", "Job", &got);
}

fn full_pod() -> core::Pod {
    let container = core::Container {
        name: s("app"),
        image: s("nginx:1.27"),
        command: vec!["nginx".into()],
        args: vec!["-g".into(), "daemon off;".into()],
        working_dir: s("/srv"),
        ports: vec![core::ContainerPort {
            name: s("http"),
            host_port: Some(0),
            container_port: Some(8080),
            protocol: s("TCP"),
            host_ip: empty(),
        }],
        env_from: vec![core::EnvFromSource {
            prefix: s("CFG_"),
            config_map_ref: Some(core::ConfigMapEnvSource {
                local_object_reference: Some(core::LocalObjectReference { name: s("cfg") }),
                optional: Some(true),
            }),
            secret_ref: None,
        }],
        env: vec![
            core::EnvVar {
                name: s("PLAIN"),
                value: s("x"),
                value_from: None,
            },
            core::EnvVar {
                name: s("EMPTY"),
                value: empty(),
                value_from: None,
            },
            core::EnvVar {
                name: s("NODE"),
                value: empty(),
                value_from: Some(core::EnvVarSource {
                    field_ref: Some(core::ObjectFieldSelector {
                        api_version: s("v1"),
                        field_path: s("spec.nodeName"),
                    }),
                    ..Default::default()
                }),
            },
            core::EnvVar {
                name: s("PASSWORD"),
                value: None,
                value_from: Some(core::EnvVarSource {
                    secret_key_ref: Some(core::SecretKeySelector {
                        local_object_reference: Some(core::LocalObjectReference { name: s("db") }),
                        key: s("password"),
                        optional: Some(false),
                    }),
                    ..Default::default()
                }),
            },
            core::EnvVar {
                name: s("MEM"),
                value: None,
                value_from: Some(core::EnvVarSource {
                    resource_field_ref: Some(core::ResourceFieldSelector {
                        container_name: empty(),
                        resource: s("limits.memory"),
                        divisor: Some(Quantity { string: s("1Mi") }),
                    }),
                    ..Default::default()
                }),
            },
            core::EnvVar {
                name: s("LEVEL"),
                value: None,
                value_from: Some(core::EnvVarSource {
                    config_map_key_ref: Some(core::ConfigMapKeySelector {
                        local_object_reference: Some(core::LocalObjectReference { name: s("cfg") }),
                        key: s("level"),
                        optional: None,
                    }),
                    ..Default::default()
                }),
            },
        ],
        resources: Some(core::ResourceRequirements {
            limits: quantities(&[("cpu", "500m"), ("memory", "128Mi")]),
            requests: quantities(&[("cpu", "250m")]),
            claims: vec![core::ResourceClaim {
                name: s("gpu"),
                request: empty(),
            }],
        }),
        resize_policy: vec![core::ContainerResizePolicy {
            resource_name: s("cpu"),
            restart_policy: s("NotRequired"),
        }],
        volume_mounts: vec![core::VolumeMount {
            name: s("data"),
            read_only: Some(true),
            recursive_read_only: None,
            mount_path: s("/data"),
            sub_path: empty(),
            mount_propagation: None,
            sub_path_expr: empty(),
        }],
        volume_devices: vec![core::VolumeDevice {
            name: s("raw"),
            device_path: s("/dev/xvda"),
        }],
        liveness_probe: Some(core::Probe {
            handler: Some(core::ProbeHandler {
                http_get: Some(core::HttpGetAction {
                    path: s("/healthz"),
                    port: string("http"),
                    host: empty(),
                    scheme: s("HTTP"),
                    http_headers: vec![core::HttpHeader {
                        name: s("X-Probe"),
                        value: s("1"),
                    }],
                }),
                ..Default::default()
            }),
            initial_delay_seconds: Some(5),
            timeout_seconds: Some(1),
            period_seconds: Some(10),
            success_threshold: Some(1),
            failure_threshold: Some(3),
            termination_grace_period_seconds: None,
        }),
        readiness_probe: Some(core::Probe {
            handler: Some(core::ProbeHandler {
                tcp_socket: Some(core::TcpSocketAction {
                    port: int(8080),
                    host: empty(),
                }),
                ..Default::default()
            }),
            initial_delay_seconds: Some(0),
            ..Default::default()
        }),
        startup_probe: Some(core::Probe {
            handler: Some(core::ProbeHandler {
                grpc: Some(core::GrpcAction {
                    port: Some(9090),
                    service: empty(),
                }),
                ..Default::default()
            }),
            termination_grace_period_seconds: Some(30),
            ..Default::default()
        }),
        lifecycle: Some(core::Lifecycle {
            post_start: Some(core::LifecycleHandler {
                exec: Some(core::ExecAction {
                    command: vec!["touch".into(), "/tmp/started".into()],
                }),
                ..Default::default()
            }),
            pre_stop: Some(core::LifecycleHandler {
                sleep: Some(core::SleepAction { seconds: Some(5) }),
                ..Default::default()
            }),
            stop_signal: None,
        }),
        termination_message_path: s("/dev/termination-log"),
        termination_message_policy: s("File"),
        image_pull_policy: s("IfNotPresent"),
        security_context: Some(core::SecurityContext {
            capabilities: Some(core::Capabilities {
                add: vec!["NET_BIND_SERVICE".into()],
                drop: vec!["ALL".into()],
            }),
            privileged: Some(false),
            se_linux_options: Some(core::SeLinuxOptions {
                user: empty(),
                role: empty(),
                r#type: s("spc_t"),
                level: s("s0:c1,c2"),
            }),
            windows_options: Some(core::WindowsSecurityContextOptions {
                gmsa_credential_spec_name: s("gmsa"),
                gmsa_credential_spec: None,
                run_as_user_name: s("ContainerUser"),
                host_process: Some(false),
            }),
            run_as_user: Some(1000),
            run_as_group: Some(0),
            run_as_non_root: Some(true),
            read_only_root_filesystem: Some(true),
            allow_privilege_escalation: Some(false),
            proc_mount: s("Default"),
            seccomp_profile: Some(core::SeccompProfile {
                r#type: s("RuntimeDefault"),
                localhost_profile: None,
            }),
            app_armor_profile: Some(core::AppArmorProfile {
                r#type: s("Localhost"),
                localhost_profile: s("k8s-nginx"),
            }),
        }),
        stdin: Some(false),
        stdin_once: Some(false),
        tty: Some(true),
        ..Default::default()
    };
    let volume = |name: &str, source: core::VolumeSource| core::Volume {
        name: s(name),
        volume_source: Some(source),
    };
    let volumes = vec![
        volume(
            "scratch",
            core::VolumeSource {
                empty_dir: Some(core::EmptyDirVolumeSource {
                    medium: s("Memory"),
                    size_limit: Some(Quantity { string: s("64Mi") }),
                }),
                ..Default::default()
            },
        ),
        volume(
            "host",
            core::VolumeSource {
                host_path: Some(core::HostPathVolumeSource {
                    path: s("/var/log"),
                    r#type: empty(),
                }),
                ..Default::default()
            },
        ),
        volume(
            "cfg",
            core::VolumeSource {
                config_map: Some(core::ConfigMapVolumeSource {
                    local_object_reference: Some(core::LocalObjectReference { name: s("cfg") }),
                    items: vec![core::KeyToPath {
                        key: s("nginx.conf"),
                        path: s("nginx.conf"),
                        mode: Some(0o644),
                    }],
                    default_mode: Some(0o420),
                    optional: None,
                }),
                ..Default::default()
            },
        ),
        volume(
            "tls",
            core::VolumeSource {
                secret: Some(core::SecretVolumeSource {
                    secret_name: s("tls"),
                    items: vec![],
                    default_mode: Some(0o400),
                    optional: Some(true),
                }),
                ..Default::default()
            },
        ),
        volume(
            "token",
            core::VolumeSource {
                projected: Some(core::ProjectedVolumeSource {
                    sources: vec![
                        core::VolumeProjection {
                            service_account_token: Some(core::ServiceAccountTokenProjection {
                                audience: empty(),
                                expiration_seconds: Some(3607),
                                path: s("token"),
                            }),
                            ..Default::default()
                        },
                        core::VolumeProjection {
                            downward_api: Some(core::DownwardAPIProjection {
                                items: vec![core::DownwardAPIVolumeFile {
                                    path: s("namespace"),
                                    field_ref: Some(core::ObjectFieldSelector {
                                        api_version: s("v1"),
                                        field_path: s("metadata.namespace"),
                                    }),
                                    resource_field_ref: None,
                                    mode: None,
                                }],
                            }),
                            ..Default::default()
                        },
                        core::VolumeProjection {
                            config_map: Some(core::ConfigMapProjection {
                                local_object_reference: Some(core::LocalObjectReference {
                                    name: s("kube-root-ca.crt"),
                                }),
                                items: vec![core::KeyToPath {
                                    key: s("ca.crt"),
                                    path: s("ca.crt"),
                                    mode: None,
                                }],
                                optional: None,
                            }),
                            ..Default::default()
                        },
                    ],
                    default_mode: Some(0o644),
                }),
                ..Default::default()
            },
        ),
        volume(
            "podinfo",
            core::VolumeSource {
                downward_api: Some(core::DownwardAPIVolumeSource {
                    items: vec![core::DownwardAPIVolumeFile {
                        path: s("labels"),
                        field_ref: Some(core::ObjectFieldSelector {
                            api_version: s("v1"),
                            field_path: s("metadata.labels"),
                        }),
                        resource_field_ref: None,
                        mode: None,
                    }],
                    default_mode: None,
                }),
                ..Default::default()
            },
        ),
        volume(
            "data",
            core::VolumeSource {
                persistent_volume_claim: Some(core::PersistentVolumeClaimVolumeSource {
                    claim_name: s("data"),
                    read_only: Some(false),
                }),
                ..Default::default()
            },
        ),
        volume(
            "share",
            core::VolumeSource {
                nfs: Some(core::NfsVolumeSource {
                    server: s("nfs.example"),
                    path: s("/exports"),
                    read_only: Some(true),
                }),
                ..Default::default()
            },
        ),
        volume(
            "scratch-pvc",
            core::VolumeSource {
                ephemeral: Some(core::EphemeralVolumeSource {
                    volume_claim_template: Some(core::PersistentVolumeClaimTemplate {
                        metadata: go_meta("", "", &[("type", "scratch")]),
                        spec: Some(core::PersistentVolumeClaimSpec {
                            access_modes: vec!["ReadWriteOnce".into()],
                            resources: Some(core::VolumeResourceRequirements {
                                limits: BTreeMap::new(),
                                requests: quantities(&[("storage", "1Gi")]),
                            }),
                            storage_class_name: s("local"),
                            ..Default::default()
                        }),
                    }),
                }),
                ..Default::default()
            },
        ),
    ];
    let selector = |k: &str, v: &str| {
        Some(meta::LabelSelector {
            match_labels: map(&[(k, v)]),
            match_expressions: vec![],
        })
    };
    core::Pod {
        metadata: go_meta("web-0", "default", &[("app", "web")]),
        spec: Some(core::PodSpec {
            volumes,
            init_containers: vec![core::Container {
                name: s("init"),
                image: s("busybox"),
                command: vec!["true".into()],
                restart_policy: s("Always"),
                ..Default::default()
            }],
            containers: vec![container],
            ephemeral_containers: vec![core::EphemeralContainer {
                ephemeral_container_common: Some(core::EphemeralContainerCommon {
                    name: s("debugger"),
                    image: s("busybox"),
                    stdin: Some(true),
                    tty: Some(true),
                    ..Default::default()
                }),
                target_container_name: s("app"),
            }],
            restart_policy: s("Always"),
            termination_grace_period_seconds: Some(30),
            active_deadline_seconds: None,
            dns_policy: s("ClusterFirst"),
            node_selector: map(&[("kubernetes.io/os", "linux")]),
            service_account_name: s("default"),
            service_account: s("default"),
            automount_service_account_token: Some(false),
            node_name: empty(),
            host_network: Some(false),
            host_pid: Some(false),
            host_ipc: Some(false),
            share_process_namespace: Some(true),
            security_context: Some(core::PodSecurityContext {
                run_as_user: Some(1000),
                run_as_non_root: Some(true),
                supplemental_groups: vec![2000, 3000],
                supplemental_groups_policy: s("Merge"),
                fs_group: Some(2000),
                fs_group_change_policy: s("OnRootMismatch"),
                sysctls: vec![core::Sysctl {
                    name: s("net.core.somaxconn"),
                    value: s("1024"),
                }],
                seccomp_profile: Some(core::SeccompProfile {
                    r#type: s("RuntimeDefault"),
                    localhost_profile: None,
                }),
                se_linux_change_policy: s("MountOption"),
                ..Default::default()
            }),
            image_pull_secrets: vec![core::LocalObjectReference {
                name: s("registry"),
            }],
            hostname: s("web-0"),
            subdomain: s("web"),
            affinity: Some(core::Affinity {
                node_affinity: Some(core::NodeAffinity {
                    required_during_scheduling_ignored_during_execution: Some(core::NodeSelector {
                        node_selector_terms: vec![core::NodeSelectorTerm {
                            match_expressions: vec![core::NodeSelectorRequirement {
                                key: s("kubernetes.io/arch"),
                                operator: s("In"),
                                values: vec!["amd64".into(), "arm64".into()],
                            }],
                            match_fields: vec![],
                        }],
                    }),
                    preferred_during_scheduling_ignored_during_execution: vec![
                        core::PreferredSchedulingTerm {
                            weight: Some(1),
                            preference: Some(core::NodeSelectorTerm {
                                match_expressions: vec![],
                                match_fields: vec![core::NodeSelectorRequirement {
                                    key: s("metadata.name"),
                                    operator: s("NotIn"),
                                    values: vec!["bad".into()],
                                }],
                            }),
                        },
                    ],
                }),
                pod_affinity: Some(core::PodAffinity {
                    required_during_scheduling_ignored_during_execution: vec![
                        core::PodAffinityTerm {
                            label_selector: selector("app", "cache"),
                            namespaces: vec!["default".into()],
                            topology_key: s("kubernetes.io/hostname"),
                            namespace_selector: None,
                            match_label_keys: vec![],
                            mismatch_label_keys: vec![],
                        },
                    ],
                    preferred_during_scheduling_ignored_during_execution: vec![],
                }),
                pod_anti_affinity: Some(core::PodAntiAffinity {
                    required_during_scheduling_ignored_during_execution: vec![],
                    preferred_during_scheduling_ignored_during_execution: vec![
                        core::WeightedPodAffinityTerm {
                            weight: Some(100),
                            pod_affinity_term: Some(core::PodAffinityTerm {
                                label_selector: Some(meta::LabelSelector {
                                    match_labels: BTreeMap::new(),
                                    match_expressions: vec![meta::LabelSelectorRequirement {
                                        key: s("app"),
                                        operator: s("In"),
                                        values: vec!["web".into()],
                                    }],
                                }),
                                namespaces: vec![],
                                topology_key: s("topology.kubernetes.io/zone"),
                                namespace_selector: Some(meta::LabelSelector::default()),
                                match_label_keys: vec!["pod-template-hash".into()],
                                mismatch_label_keys: vec![],
                            }),
                        },
                    ],
                }),
            }),
            scheduler_name: s("default-scheduler"),
            tolerations: vec![
                core::Toleration {
                    key: s("node.kubernetes.io/not-ready"),
                    operator: s("Exists"),
                    value: empty(),
                    effect: s("NoExecute"),
                    toleration_seconds: Some(300),
                },
                core::Toleration {
                    key: empty(),
                    operator: s("Exists"),
                    value: empty(),
                    effect: empty(),
                    toleration_seconds: None,
                },
            ],
            host_aliases: vec![core::HostAlias {
                ip: s("127.0.0.1"),
                hostnames: vec!["foo.local".into(), "bar.local".into()],
            }],
            priority_class_name: empty(),
            priority: Some(0),
            dns_config: Some(core::PodDnsConfig {
                nameservers: vec!["1.1.1.1".into()],
                searches: vec!["ns1.svc.cluster.local".into()],
                options: vec![
                    core::PodDnsConfigOption {
                        name: s("ndots"),
                        value: s("2"),
                    },
                    core::PodDnsConfigOption {
                        name: s("edns0"),
                        value: None,
                    },
                ],
            }),
            readiness_gates: vec![core::PodReadinessGate {
                condition_type: s("example.com/ready"),
            }],
            runtime_class_name: None,
            enable_service_links: Some(true),
            preemption_policy: s("PreemptLowerPriority"),
            overhead: quantities(&[("cpu", "10m")]),
            topology_spread_constraints: vec![core::TopologySpreadConstraint {
                max_skew: Some(1),
                topology_key: s("kubernetes.io/hostname"),
                when_unsatisfiable: s("DoNotSchedule"),
                label_selector: selector("app", "web"),
                min_domains: Some(2),
                node_affinity_policy: s("Honor"),
                node_taints_policy: s("Ignore"),
                match_label_keys: vec!["pod-template-hash".into()],
            }],
            set_hostname_as_fqdn: Some(false),
            os: Some(core::PodOs { name: s("linux") }),
            host_users: Some(false),
            scheduling_gates: vec![core::PodSchedulingGate {
                name: s("example.com/gate"),
            }],
            resource_claims: vec![core::PodResourceClaim {
                name: s("gpu"),
                resource_claim_name: None,
                resource_claim_template_name: s("gpu-template"),
            }],
            resources: Some(core::ResourceRequirements {
                limits: quantities(&[("memory", "1Gi")]),
                requests: BTreeMap::new(),
                claims: vec![],
            }),
            ..Default::default()
        }),
        status: Some(core::PodStatus::default()),
    }
}

#[test]
fn pod_with_everything_kubectl_can_send() {
    let got = decode("v1", "Pod", &full_pod());
    let volumes = json!([
        {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        {"name": "host", "hostPath": {"path": "/var/log", "type": ""}},
        {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "nginx.conf", "path": "nginx.conf", "mode": 420}], "defaultMode": 272}},
        {"name": "tls", "secret": {"secretName": "tls", "defaultMode": 256, "optional": true}},
        {"name": "token", "projected": {"sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
        ], "defaultMode": 420}},
        {"name": "podinfo", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"}}]}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
        {"name": "share", "nfs": {"server": "nfs.example", "path": "/exports", "readOnly": true}},
        {"name": "scratch-pvc", "ephemeral": {"volumeClaimTemplate": {
            "metadata": {"labels": {"type": "scratch"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "local"}
        }}}
    ]);
    let containers = json!([{
        "name": "app",
        "image": "nginx:1.27",
        "command": ["nginx"],
        "args": ["-g", "daemon off;"],
        "workingDir": "/srv",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "cfg", "optional": true}}],
        "env": [
            {"name": "PLAIN", "value": "x"},
            {"name": "EMPTY"},
            {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
            {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password", "optional": false}}},
            {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
            {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "level"}}}
        ],
        "resources": {
            "limits": {"cpu": "500m", "memory": "128Mi"},
            "requests": {"cpu": "250m"},
            "claims": [{"name": "gpu"}]
        },
        "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
        "volumeMounts": [{"name": "data", "readOnly": true, "mountPath": "/data"}],
        "volumeDevices": [{"name": "raw", "devicePath": "/dev/xvda"}],
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP", "httpHeaders": [{"name": "X-Probe", "value": "1"}]},
            "initialDelaySeconds": 5,
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3
        },
        "readinessProbe": {"tcpSocket": {"port": 8080}},
        "startupProbe": {"grpc": {"port": 9090, "service": ""}, "terminationGracePeriodSeconds": 30},
        "lifecycle": {
            "postStart": {"exec": {"command": ["touch", "/tmp/started"]}},
            "preStop": {"sleep": {"seconds": 5}}
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
        "securityContext": {
            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
            "privileged": false,
            "seLinuxOptions": {"type": "spc_t", "level": "s0:c1,c2"},
            "windowsOptions": {"gmsaCredentialSpecName": "gmsa", "runAsUserName": "ContainerUser", "hostProcess": false},
            "runAsUser": 1000,
            "runAsGroup": 0,
            "runAsNonRoot": true,
            "readOnlyRootFilesystem": true,
            "allowPrivilegeEscalation": false,
            "procMount": "Default",
            "seccompProfile": {"type": "RuntimeDefault"},
            "appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-nginx"}
        },
        "tty": true
    }]);
    let affinity = json!({
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}
            ]},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 1, "preference": {"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["bad"]}]}}
            ]
        },
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "cache"}}, "namespaces": ["default"], "topologyKey": "kubernetes.io/hostname"}
        ]},
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100,
            "podAffinityTerm": {
                "labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
                "topologyKey": "topology.kubernetes.io/zone",
                "namespaceSelector": {},
                "matchLabelKeys": ["pod-template-hash"]
            }
        }]}
    });
    let mut spec = json!({
            "volumes": volumes,
            "initContainers": [{"name": "init", "image": "busybox", "command": ["true"], "restartPolicy": "Always"}],
            "containers": containers,
            "ephemeralContainers": [{"name": "debugger", "image": "busybox", "stdin": true, "tty": true, "targetContainerName": "app"}],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "serviceAccountName": "default",
            "serviceAccount": "default",
            "automountServiceAccountToken": false,
            "shareProcessNamespace": true,
            "securityContext": {
                "runAsUser": 1000,
                "runAsNonRoot": true,
                "supplementalGroups": [2000, 3000],
                "supplementalGroupsPolicy": "Merge",
                "fsGroup": 2000,
                "fsGroupChangePolicy": "OnRootMismatch",
                "sysctls": [{"name": "net.core.somaxconn", "value": "1024"}],
                "seccompProfile": {"type": "RuntimeDefault"},
                "seLinuxChangePolicy": "MountOption"
            }
    });
    let more = json!({
            "imagePullSecrets": [{"name": "registry"}],
            "hostname": "web-0",
            "subdomain": "web",
            "affinity": affinity,
            "schedulerName": "default-scheduler",
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"operator": "Exists"}
            ],
            "hostAliases": [{"ip": "127.0.0.1", "hostnames": ["foo.local", "bar.local"]}],
            "priority": 0,
            "dnsConfig": {
                "nameservers": ["1.1.1.1"],
                "searches": ["ns1.svc.cluster.local"],
                "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]
            },
            "readinessGates": [{"conditionType": "example.com/ready"}],
            "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority",
            "overhead": {"cpu": "10m"},
            "topologySpreadConstraints": [{
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"app": "web"}},
                "minDomains": 2,
                "nodeAffinityPolicy": "Honor",
                "nodeTaintsPolicy": "Ignore",
                "matchLabelKeys": ["pod-template-hash"]
            }],
            "setHostnameAsFQDN": false,
            "os": {"name": "linux"},
            "hostUsers": false,
            "schedulingGates": [{"name": "example.com/gate"}],
            "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "gpu-template"}],
            "resources": {"limits": {"memory": "1Gi"}}
    });
    if let (Some(spec), Value::Object(more)) = (spec.as_object_mut(), more) {
        spec.extend(more);
    }
    let want = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-0", "namespace": "default", "labels": {"app": "web"}},
        "spec": spec,
        "status": {}
    });
    assert_eq!(got, want);
    assert_strict_clean("", "Pod", &got);
}

#[test]
fn metadata_owner_references_managed_fields_and_times() {
    let cm = core::ConfigMap {
        metadata: Some(meta::ObjectMeta {
            name: s("cfg"),
            namespace: s("default"),
            uid: s("4f0c1f6e-0000-4000-8000-000000000001"),
            resource_version: s("42"),
            generation: Some(3),
            creation_timestamp: time(1_795_334_400),
            deletion_timestamp: time(1_795_334_460),
            deletion_grace_period_seconds: Some(0),
            labels: map(&[("a", "b")]),
            annotations: map(&[("note", "")]),
            owner_references: vec![meta::OwnerReference {
                api_version: s("apps/v1"),
                kind: s("ReplicaSet"),
                name: s("web-5d8f"),
                uid: s("uid-1"),
                controller: Some(true),
                block_owner_deletion: Some(false),
            }],
            finalizers: vec!["example.com/keep".into()],
            managed_fields: vec![meta::ManagedFieldsEntry {
                manager: s("kubectl-create"),
                operation: s("Update"),
                api_version: s("v1"),
                time: time(1_795_334_400),
                fields_type: s("FieldsV1"),
                fields_v1: Some(meta::FieldsV1 {
                    raw: Some(br#"{"f:data":{".":{},"f:a":{}}}"#.to_vec()),
                }),
                subresource: empty(),
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    let got = decode("v1", "ConfigMap", &cm);
    let want = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "cfg",
            "namespace": "default",
            "uid": "4f0c1f6e-0000-4000-8000-000000000001",
            "resourceVersion": "42",
            "generation": 3,
            "creationTimestamp": "2026-11-22T08:00:00Z",
            "deletionTimestamp": "2026-11-22T08:01:00Z",
            "deletionGracePeriodSeconds": 0,
            "labels": {"a": "b"},
            "annotations": {"note": ""},
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f", "uid": "uid-1",
                "controller": true, "blockOwnerDeletion": false
            }],
            "finalizers": ["example.com/keep"],
            "managedFields": [{
                "manager": "kubectl-create",
                "operation": "Update",
                "apiVersion": "v1",
                "time": "2026-11-22T08:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {".": {}, "f:a": {}}}
            }]
        }
    });
    assert_eq!(got, want);
    assert_strict_clean("", "ConfigMap", &got);
}

#[test]
fn lease_micro_time() {
    let lease = coordination::Lease {
        metadata: go_meta("node-1", "kube-node-lease", &[]),
        spec: Some(coordination::LeaseSpec {
            holder_identity: s("node-1"),
            lease_duration_seconds: Some(40),
            acquire_time: Some(meta::MicroTime {
                seconds: Some(1_795_334_400),
                nanos: Some(123_456_789),
            }),
            renew_time: Some(meta::MicroTime {
                seconds: Some(1_795_334_400),
                nanos: Some(0),
            }),
            lease_transitions: Some(0),
            ..Default::default()
        }),
    };
    let got = decode("coordination.k8s.io/v1", "Lease", &lease);
    let want = json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "node-1", "namespace": "kube-node-lease"},
        "spec": {
            "holderIdentity": "node-1",
            "leaseDurationSeconds": 40,
            "acquireTime": "2026-11-22T08:00:00.123456Z",
            "renewTime": "2026-11-22T08:00:00.000000Z",
            "leaseTransitions": 0
        }
    });
    assert_eq!(got, want);
    assert_strict_clean("coordination.k8s.io", "Lease", &got);
}

#[test]
fn eviction_binding_and_delete_options() {
    let delete_options = meta::DeleteOptions {
        grace_period_seconds: Some(0),
        preconditions: Some(meta::Preconditions {
            uid: s("uid-1"),
            resource_version: None,
        }),
        orphan_dependents: None,
        propagation_policy: s("Foreground"),
        dry_run: vec!["All".into()],
        ignore_store_read_error_with_cluster_breaking_potential: None,
    };
    let eviction = policy::Eviction {
        metadata: go_meta("web-0", "default", &[]),
        delete_options: Some(delete_options.clone()),
    };
    let got = decode("policy/v1", "Eviction", &eviction);
    let options = json!({
        "gracePeriodSeconds": 0,
        "preconditions": {"uid": "uid-1"},
        "propagationPolicy": "Foreground",
        "dryRun": ["All"]
    });
    let want = json!({
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web-0", "namespace": "default"},
        "deleteOptions": options
    });
    assert_eq!(got, want);

    // DeleteOptions is registered in every group version.
    let got = decode("apps/v1", "DeleteOptions", &delete_options);
    let mut want = options.clone();
    want["apiVersion"] = json!("apps/v1");
    want["kind"] = json!("DeleteOptions");
    assert_eq!(got, want);

    let binding = core::Binding {
        metadata: go_meta("web-0", "default", &[]),
        target: Some(core::ObjectReference {
            kind: s("Node"),
            name: s("node-1"),
            api_version: s("v1"),
            namespace: empty(),
            ..Default::default()
        }),
    };
    let got = decode("v1", "Binding", &binding);
    let want = json!({
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "web-0", "namespace": "default"},
        "target": {"kind": "Node", "name": "node-1", "apiVersion": "v1"}
    });
    assert_eq!(got, want);
}

// ---- wire-format details ----

/// Appends a field key.
fn key(out: &mut Vec<u8>, number: u32, wire: u8) {
    varint(out, (u64::from(number) << 3) | u64::from(wire));
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn len_field(out: &mut Vec<u8>, number: u32, data: &[u8]) {
    key(out, number, LEN);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// A ConfigMap body with `extra` appended to the object's message, and the offset of `extra`.
fn configmap_with(extra: &[u8]) -> (Vec<u8>, usize) {
    let mut raw = core::ConfigMap {
        metadata: go_meta("cfg", "", &[]),
        ..Default::default()
    }
    .encode_to_vec();
    raw.extend_from_slice(extra);
    let body = envelope("v1", "ConfigMap", raw.clone());
    let start = find(&body, &raw);
    (body, start + raw.len() - extra.len())
}

fn configmap_body(extra: &[u8]) -> Vec<u8> {
    configmap_with(extra).0
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn unknown_field_numbers_are_errors() {
    // Field 99 (a string) at the top level of a ConfigMap.
    let mut extra = Vec::new();
    len_field(&mut extra, 99, b"surprise");
    let err = decode_object(&configmap_body(&extra)).unwrap_err();
    assert!(
        matches!(
            err,
            ProtobufError::UnknownField {
                message: "core/v1.ConfigMap",
                field: 99,
                wire_type: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("unknown field number 99"), "{err}");

    // Deep inside: an unknown field in a container's ContainerPort.
    let mut port = core::ContainerPort {
        container_port: Some(80),
        ..Default::default()
    }
    .encode_to_vec();
    key(&mut port, 6, VARINT);
    varint(&mut port, 1);
    let mut container = core::Container {
        name: s("c"),
        ..Default::default()
    }
    .encode_to_vec();
    len_field(&mut container, 6, &port);
    let mut spec = Vec::new();
    len_field(&mut spec, 2, &container);
    let mut pod = Vec::new();
    len_field(&mut pod, 2, &spec);
    let err = decode_object(&envelope("v1", "Pod", pod)).unwrap_err();
    assert!(
        matches!(
            err,
            ProtobufError::UnknownField {
                message: "core/v1.ContainerPort",
                field: 6,
                ..
            }
        ),
        "{err}"
    );

    // The tombstoned PodSpec.workloadRef (42) is unknown too.
    let mut spec = Vec::new();
    len_field(&mut spec, 42, &[]);
    let mut pod = Vec::new();
    len_field(&mut pod, 2, &spec);
    let err = decode_object(&envelope("v1", "Pod", pod)).unwrap_err();
    assert!(
        matches!(err, ProtobufError::UnknownField { field: 42, .. }),
        "{err}"
    );
}

#[test]
fn truncated_input_is_an_error_not_a_panic() {
    let raw = full_pod().encode_to_vec();
    let body = envelope("v1", "Pod", raw.clone());
    assert!(decode_object(&body).is_ok());
    // Cut anywhere inside the object, the envelope's length prefix runs past the end. (Cuts
    // between the envelope's own fields are valid protobuf: there is no end marker.)
    let start = find(&body, &raw);
    for len in 0..body.len() {
        let result = decode_object(&body[..len]);
        if len > start && len < start + raw.len() {
            let err = result.expect_err("a truncated body must not decode");
            assert!(
                matches!(err, ProtobufError::Malformed { .. }),
                "{len}: {err}"
            );
            assert!(err.to_string().contains("past the end"), "{err}");
        }
    }
    // Cuts of the object's own message inside a consistent envelope: no panic, and cutting
    // inside a field is an error naming its offset.
    let mut errors = 0;
    for len in 0..raw.len() {
        if decode_object(&envelope("v1", "Pod", raw[..len].to_vec())).is_err() {
            errors += 1;
        }
    }
    assert!(errors > raw.len() / 2, "{errors} of {}", raw.len());
    let cut = envelope("v1", "Pod", raw[..raw.len() - 1].to_vec());
    let err = decode_object(&cut).unwrap_err();
    let ProtobufError::Malformed { offset, reason } = err else {
        panic!("{err}");
    };
    assert_eq!(reason, "truncated varint");
    assert_eq!(offset, find(&cut, &raw[..raw.len() - 1]) + raw.len() - 1);
}

#[test]
fn mutated_input_never_panics() {
    let body = envelope("v1", "Pod", full_pod().encode_to_vec());
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut b = body.clone();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % b.len();
            b[i] = next() as u8;
        }
        let _ = decode_object(&b);
    }
}

#[test]
fn malformed_envelopes() {
    assert_eq!(decode_object(b"{}"), Err(ProtobufError::MissingMagic));
    assert_eq!(decode_object(b"k8s"), Err(ProtobufError::MissingMagic));
    assert!(matches!(
        decode_object(&envelope("v1", "PodTemplate", vec![])),
        Err(ProtobufError::UnsupportedKind { .. })
    ));
    assert!(matches!(
        decode_object(&envelope("batch/v1", "CronJob", vec![])),
        Err(ProtobufError::UnsupportedKind { .. })
    ));
    // Compressed raw bytes are not supported.
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: s("v1"),
            kind: s("ConfigMap"),
        }),
        raw: Some(vec![]),
        content_encoding: s("gzip"),
        content_type: empty(),
    };
    let mut body = MAGIC.to_vec();
    body.extend(unknown.encode_to_vec());
    assert_eq!(
        decode_object(&body),
        Err(ProtobufError::Unsupported {
            message: "runtime.Unknown",
            field: "contentEncoding"
        })
    );
    // An empty object message decodes to just the type.
    assert_eq!(
        decode_object(&envelope("v1", "Namespace", vec![])),
        Ok(json!({"apiVersion": "v1", "kind": "Namespace"}))
    );
}

#[test]
fn wire_errors_name_the_offset() {
    let base = configmap_body(&[]);
    let at = |extra: &[u8]| {
        let (body, offset) = configmap_with(extra);
        (decode_object(&body).unwrap_err(), offset)
    };
    // A group.
    let (err, offset) = at(&[(2 << 3) | START_GROUP]);
    assert_eq!(
        err,
        ProtobufError::Malformed {
            offset,
            reason: "groups are not supported".into()
        }
    );
    // A wrong wire type: ConfigMap.data (2) as a varint.
    let (err, offset) = at(&[(2 << 3) | VARINT, 1]);
    assert_eq!(
        err,
        ProtobufError::WrongWireType {
            message: "core/v1.ConfigMap",
            field: "data",
            wire_type: 0,
            expected: 2,
            offset
        }
    );
    // A length past the end.
    let (err, _) = at(&[(2 << 3) | LEN, 100, 1]);
    assert!(matches!(err, ProtobufError::Malformed { .. }), "{err}");
    // A varint of 11 bytes.
    let (err, _) = at(&[
        (4 << 3) | VARINT,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0x01,
    ]);
    assert!(matches!(err, ProtobufError::Malformed { .. }), "{err}");
    // Field number 0 and wire type 7.
    let (err, _) = at(&[0]);
    assert!(matches!(err, ProtobufError::Malformed { .. }), "{err}");
    let (err, _) = at(&[(4 << 3) | 7]);
    assert!(matches!(err, ProtobufError::Malformed { .. }), "{err}");
    // The messages are all inside the body.
    assert!(decode_object(&base).is_ok());
}

#[test]
fn go_style_zero_values_and_duplicates() {
    // Non-pointer omitempty scalars at zero are omitted, pointers are kept; a repeated message
    // field occurrence merges; a later scalar replaces an earlier one.
    let mut raw = Vec::new();
    let mut meta_a = Vec::new();
    len_field(&mut meta_a, 1, b"first");
    len_field(&mut meta_a, 3, b"ns");
    let mut meta_b = Vec::new();
    len_field(&mut meta_b, 1, b"second");
    len_field(&mut meta_b, 3, b"");
    len_field(&mut raw, 1, &meta_a);
    len_field(&mut raw, 1, &meta_b);
    key(&mut raw, 4, VARINT); // immutable = false (a pointer)
    varint(&mut raw, 0);
    let got = decode_object(&envelope("v1", "ConfigMap", raw)).unwrap();
    assert_eq!(
        got,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "second"}, "immutable": false})
    );
}

#[test]
fn packed_repeated_and_negative_numbers() {
    // PodSecurityContext.supplementalGroups (4) packed, runAsUser (2) = -1 (an int64),
    // and Probe.initialDelaySeconds as a sign-extended negative int32.
    let mut groups = Vec::new();
    varint(&mut groups, 1);
    varint(&mut groups, 300);
    let mut psc = Vec::new();
    len_field(&mut psc, 4, &groups);
    key(&mut psc, 4, VARINT);
    varint(&mut psc, 7);
    key(&mut psc, 2, VARINT);
    varint(&mut psc, -1i64 as u64);
    let mut probe = Vec::new();
    key(&mut probe, 2, VARINT);
    varint(&mut probe, -5i64 as u64);
    let mut container = Vec::new();
    len_field(&mut container, 1, b"c");
    len_field(&mut container, 10, &probe);
    let mut spec = Vec::new();
    len_field(&mut spec, 14, &psc);
    len_field(&mut spec, 2, &container);
    let mut pod = Vec::new();
    len_field(&mut pod, 2, &spec);
    let got = decode_object(&envelope("v1", "Pod", pod)).unwrap();
    assert_eq!(
        got["spec"],
        json!({
            "securityContext": {"supplementalGroups": [1, 300, 7], "runAsUser": -1},
            "containers": [{"name": "c", "livenessProbe": {"initialDelaySeconds": -5}}]
        })
    );

    // An int32 field holding a value outside int32 is invalid.
    let mut probe = Vec::new();
    key(&mut probe, 2, VARINT);
    varint(&mut probe, 1 << 40);
    let mut container = Vec::new();
    len_field(&mut container, 10, &probe);
    let mut spec = Vec::new();
    len_field(&mut spec, 2, &container);
    let mut pod = Vec::new();
    len_field(&mut pod, 2, &spec);
    let err = decode_object(&envelope("v1", "Pod", pod)).unwrap_err();
    assert!(
        matches!(
            err,
            ProtobufError::InvalidValue {
                field: "initialDelaySeconds",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn special_types() {
    let port = |ios: Option<IntOrString>| core::Service {
        spec: Some(core::ServiceSpec {
            ports: vec![core::ServicePort {
                port: Some(80),
                target_port: ios,
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    let target =
        |ios| decode("v1", "Service", &port(ios))["spec"]["ports"][0]["targetPort"].clone();
    // Go writes the zero IntOrString as an int 0 (defaulting then copies the port).
    assert_eq!(target(Some(IntOrString::default())), json!(0));
    assert_eq!(target(string("")), json!(""));
    assert_eq!(target(None), Value::Null);
    let bad = IntOrString {
        r#type: Some(2),
        ..Default::default()
    };
    let err =
        decode_object(&envelope("v1", "Service", port(Some(bad)).encode_to_vec())).unwrap_err();
    assert!(
        matches!(
            err,
            ProtobufError::InvalidValue {
                field: "targetPort",
                ..
            }
        ),
        "{err}"
    );

    // An empty Quantity message is zero; an empty string is not a quantity.
    let quantity = |q: Quantity| core::Pod {
        spec: Some(core::PodSpec {
            overhead: [("cpu".to_string(), q)].into_iter().collect(),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        decode("v1", "Pod", &quantity(Quantity::default()))["spec"]["overhead"],
        json!({"cpu": "0"})
    );
    let err = decode_object(&envelope(
        "v1",
        "Pod",
        quantity(Quantity { string: empty() }).encode_to_vec(),
    ))
    .unwrap_err();
    assert!(matches!(err, ProtobufError::InvalidValue { .. }), "{err}");

    // Times: the zero time is omitted, nanos of a Time are dropped, out of range is an error.
    let created = |t: Option<meta::Time>| core::Namespace {
        metadata: Some(meta::ObjectMeta {
            creation_timestamp: t,
            ..Default::default()
        }),
        ..Default::default()
    };
    let ts = |t| decode("v1", "Namespace", &created(t))["metadata"]["creationTimestamp"].clone();
    assert_eq!(ts(Some(meta::Time::default())), Value::Null);
    assert_eq!(ts(time(GO_ZERO_TIME_SECONDS)), Value::Null);
    assert_eq!(
        ts(Some(meta::Time {
            seconds: None,
            nanos: Some(5)
        })),
        json!("1970-01-01T00:00:00Z")
    );
    assert_eq!(
        ts(Some(meta::Time {
            seconds: Some(-1),
            nanos: Some(999_999_999)
        })),
        json!("1969-12-31T23:59:59Z")
    );
    let err = decode_object(&envelope(
        "v1",
        "Namespace",
        created(time(253_402_300_800)).encode_to_vec(),
    ))
    .unwrap_err();
    assert!(
        matches!(
            err,
            ProtobufError::InvalidValue {
                field: "creationTimestamp",
                ..
            }
        ),
        "{err}"
    );

    // FieldsV1 must hold JSON.
    let managed = core::ConfigMap {
        metadata: Some(meta::ObjectMeta {
            managed_fields: vec![meta::ManagedFieldsEntry {
                fields_v1: Some(meta::FieldsV1 {
                    raw: Some(b"{not json".to_vec()),
                }),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    let err = decode_object(&envelope("v1", "ConfigMap", managed.encode_to_vec())).unwrap_err();
    assert!(
        matches!(
            err,
            ProtobufError::InvalidValue {
                field: "fieldsV1",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn rfc3339_formatting() {
    assert_eq!(format_rfc3339(0, None).unwrap(), "1970-01-01T00:00:00Z");
    assert_eq!(
        format_rfc3339(1_795_334_400, None).unwrap(),
        "2026-11-22T08:00:00Z"
    );
    assert_eq!(
        format_rfc3339(951_868_799, Some(7)).unwrap(),
        "2000-02-29T23:59:59.000007Z"
    );
    assert_eq!(format_rfc3339(-1, None).unwrap(), "1969-12-31T23:59:59Z");
    assert_eq!(
        format_rfc3339(GO_ZERO_TIME_SECONDS, None).unwrap(),
        "0001-01-01T00:00:00Z"
    );
    assert_eq!(
        format_rfc3339(253_402_300_799, Some(999_999)).unwrap(),
        "9999-12-31T23:59:59.999999Z"
    );
    assert_eq!(format_rfc3339(253_402_300_800, None), None);
    assert_eq!(format_rfc3339(GO_ZERO_TIME_SECONDS - 1, None), None);
    assert_eq!(format_rfc3339(i64::MAX, None), None);
    assert_eq!(format_rfc3339(i64::MIN, None), None);
}

#[test]
fn base64_matches_go() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foob"), "Zm9vYg==");
    assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
}

#[test]
fn schema_is_consistent() {
    // Every root, and every message reachable from it: field numbers ascending and unique, JSON
    // names unique within the (inlined) object, inline fields never repeated.
    fn walk(
        m: &'static Message,
        seen: &mut Vec<&'static str>,
        names: &mut std::collections::HashSet<&'static str>,
    ) {
        let fresh = !seen.contains(&m.name);
        if fresh {
            seen.push(m.name);
            assert!(
                m.fields.windows(2).all(|w| w[0].0 < w[1].0),
                "{}: field numbers not ascending",
                m.name
            );
        }
        for &(number, name, kind, card) in m.fields {
            assert!(number > 0, "{}", m.name);
            match kind {
                Kind::Inline(sub) => {
                    assert!(name.is_empty() && card == Card::K, "{}", m.name);
                    walk(sub, seen, names);
                }
                Kind::Msg(sub) => {
                    assert!(names.insert(name), "{}: duplicate {name}", m.name);
                    if !seen.contains(&sub.name) {
                        walk(sub, seen, &mut Default::default());
                    }
                }
                _ => assert!(names.insert(name), "{}: duplicate {name}", m.name),
            }
        }
    }
    let roots = [
        ("v1", "Pod"),
        ("v1", "Service"),
        ("v1", "Endpoints"),
        ("v1", "Event"),
        ("v1", "Namespace"),
        ("v1", "Node"),
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "ServiceAccount"),
        ("v1", "Binding"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "ReplicaSet"),
        ("apps/v1", "DaemonSet"),
        ("batch/v1", "Job"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
        ("coordination.k8s.io/v1", "Lease"),
        ("events.k8s.io/v1", "Event"),
        ("policy/v1", "Eviction"),
        ("autoscaling/v1", "Scale"),
        ("v1", "DeleteOptions"),
    ];
    let mut seen = Vec::new();
    for (api_version, kind) in roots {
        let m = schema::root(api_version, kind).unwrap();
        walk(m, &mut seen, &mut Default::default());
    }
    assert!(seen.len() > 200, "{}", seen.len());
}
