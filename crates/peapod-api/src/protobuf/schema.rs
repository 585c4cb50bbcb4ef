//! The protobuf schema of the Kubernetes types peapod decodes: for every message, its field
//! numbers with their JSON names, value kinds and Go JSON emptiness rules.
//!
//! Field numbers, JSON names and the pointer / `omitempty` information come from the struct tags
//! of k8s.io/api and k8s.io/apimachinery v0.36.3 (`types.go`: `protobuf:"..."` and `json:"..."`),
//! with the value kinds taken from the Go field types; numbers, cardinalities and wire kinds are
//! cross-checked against the prost code of k8s-pb 0.9.0 (Kubernetes 1.35). Covered is everything
//! reachable from the objects peapod serves (see [`root`]), including all volume sources and the
//! Pod, Node and workload statuses.

use Card::{K, O, R};
use Kind::*;

/// How a field's value is written to JSON, following Go's `encoding/json` on the Go struct that
/// Kubernetes decodes the protobuf into. Go's generated marshallers always write non-pointer
/// scalars, so a zero value on the wire usually means "unset".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Card {
    /// A non-pointer scalar with `omitempty`: the zero value ("", 0, false, empty bytes) is omitted.
    O,
    /// A pointer, a field without `omitempty`, or a struct: emitted as decoded, zero or not.
    K,
    /// A repeated field: a JSON array (omitted when no element is present).
    R,
}

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// `string` (wire type 2).
    Str,
    /// `bool` (varint).
    Bool,
    /// `int32` (varint; negative values are sign-extended to 64 bits).
    I32,
    /// `int64` (varint); a JSON number.
    I64,
    /// `meta/v1.Time` {seconds=1, nanos=2}: RFC 3339 in seconds; the zero time is omitted.
    Time,
    /// `meta/v1.MicroTime` {seconds=1, nanos=2}: RFC 3339 with 6 fractional digits.
    MicroTime,
    /// `resource.Quantity` {string=1}: the string.
    Quantity,
    /// `intstr.IntOrString` {type=1, intVal=2, strVal=3}: a JSON number or string.
    IntOrString,
    /// `meta/v1.FieldsV1` {Raw=1}: the raw bytes are JSON.
    FieldsV1,
    /// `map<string, string>` as repeated entries {key=1, value=2}.
    StrMap,
    /// `map<string, bytes>`: values as base64 strings.
    BytesMap,
    /// `map<string, Quantity>` (ResourceList).
    QuantityMap,
    /// A nested message: a JSON object.
    Msg(&'static Message),
    /// An embedded Go struct (`json:",inline"`): its fields are written into the parent object.
    Inline(&'static Message),
}

/// One field: number, JSON name, kind and emptiness rule.
pub(super) type Field = (u32, &'static str, Kind, Card);

/// A message type.
#[derive(Debug)]
pub(super) struct Message {
    /// The Go type, as `group/version.Name`; used in errors.
    pub name: &'static str,
    /// The fields, ordered by number.
    pub fields: &'static [Field],
}

impl Message {
    pub(super) fn field(&self, number: u32) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.0 == number)
    }
}

/// The message of a top-level object, by the `apiVersion` and `kind` of its runtime.Unknown
/// envelope. DeleteOptions is registered in every group version, so any apiVersion is accepted.
pub(super) fn root(api_version: &str, kind: &str) -> Option<&'static Message> {
    Some(match (api_version, kind) {
        ("v1", "Pod") => &POD,
        ("v1", "Service") => &SERVICE,
        ("v1", "Endpoints") => &ENDPOINTS,
        ("v1", "Event") => &EVENT,
        ("v1", "Namespace") => &NAMESPACE,
        ("v1", "Node") => &NODE,
        ("v1", "ConfigMap") => &CONFIG_MAP,
        ("v1", "Secret") => &SECRET,
        ("v1", "ServiceAccount") => &SERVICE_ACCOUNT,
        ("v1", "Binding") => &BINDING,
        ("apps/v1", "Deployment") => &DEPLOYMENT,
        ("apps/v1", "ReplicaSet") => &REPLICA_SET,
        ("apps/v1", "DaemonSet") => &DAEMON_SET,
        ("batch/v1", "Job") => &JOB,
        ("discovery.k8s.io/v1", "EndpointSlice") => &ENDPOINT_SLICE,
        ("coordination.k8s.io/v1", "Lease") => &LEASE,
        ("events.k8s.io/v1", "Event") => &EVENTS_EVENT,
        ("policy/v1", "Eviction") => &EVICTION,
        ("autoscaling/v1", "Scale") => &SCALE,
        (_, "DeleteOptions") => &DELETE_OPTIONS,
        _ => return None,
    })
}

// ---- the messages, by constant name ----

static AFFINITY: Message = Message {
    name: "core/v1.Affinity",
    fields: &[
        (1, "nodeAffinity", Msg(&NODE_AFFINITY), K),
        (2, "podAffinity", Msg(&POD_AFFINITY), K),
        (3, "podAntiAffinity", Msg(&POD_ANTI_AFFINITY), K),
    ],
};
static APP_ARMOR_PROFILE: Message = Message {
    name: "core/v1.AppArmorProfile",
    fields: &[(1, "type", Str, K), (2, "localhostProfile", Str, K)],
};
static ATTACHED_VOLUME: Message = Message {
    name: "core/v1.AttachedVolume",
    fields: &[(1, "name", Str, K), (2, "devicePath", Str, K)],
};
static AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE: Message = Message {
    name: "core/v1.AWSElasticBlockStoreVolumeSource",
    fields: &[
        (1, "volumeID", Str, K),
        (2, "fsType", Str, O),
        (3, "partition", I32, O),
        (4, "readOnly", Bool, O),
    ],
};
static AZURE_DISK_VOLUME_SOURCE: Message = Message {
    name: "core/v1.AzureDiskVolumeSource",
    fields: &[
        (1, "diskName", Str, K),
        (2, "diskURI", Str, K),
        (3, "cachingMode", Str, K),
        (4, "fsType", Str, K),
        (5, "readOnly", Bool, K),
        (6, "kind", Str, K),
    ],
};
static AZURE_FILE_VOLUME_SOURCE: Message = Message {
    name: "core/v1.AzureFileVolumeSource",
    fields: &[
        (1, "secretName", Str, K),
        (2, "shareName", Str, K),
        (3, "readOnly", Bool, O),
    ],
};
static BINDING: Message = Message {
    name: "core/v1.Binding",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "target", Msg(&OBJECT_REFERENCE), K),
    ],
};
static CAPABILITIES: Message = Message {
    name: "core/v1.Capabilities",
    fields: &[(1, "add", Str, R), (2, "drop", Str, R)],
};
static CEPH_FS_VOLUME_SOURCE: Message = Message {
    name: "core/v1.CephFSVolumeSource",
    fields: &[
        (1, "monitors", Str, R),
        (2, "path", Str, O),
        (3, "user", Str, O),
        (4, "secretFile", Str, O),
        (5, "secretRef", Msg(&LOCAL_OBJECT_REFERENCE), K),
        (6, "readOnly", Bool, O),
    ],
};
static CINDER_VOLUME_SOURCE: Message = Message {
    name: "core/v1.CinderVolumeSource",
    fields: &[
        (1, "volumeID", Str, K),
        (2, "fsType", Str, O),
        (3, "readOnly", Bool, O),
        (4, "secretRef", Msg(&LOCAL_OBJECT_REFERENCE), K),
    ],
};
static CLIENT_IP_CONFIG: Message = Message {
    name: "core/v1.ClientIPConfig",
    fields: &[(1, "timeoutSeconds", I32, K)],
};
static CLUSTER_TRUST_BUNDLE_PROJECTION: Message = Message {
    name: "core/v1.ClusterTrustBundleProjection",
    fields: &[
        (1, "name", Str, K),
        (2, "signerName", Str, K),
        (3, "labelSelector", Msg(&LABEL_SELECTOR), K),
        (4, "path", Str, K),
        (5, "optional", Bool, K),
    ],
};
static CONDITION: Message = Message {
    name: "meta/v1.Condition",
    fields: &[
        (1, "type", Str, K),
        (2, "status", Str, K),
        (3, "observedGeneration", I64, O),
        (4, "lastTransitionTime", Time, K),
        (5, "reason", Str, K),
        (6, "message", Str, K),
    ],
};
static CONFIG_MAP: Message = Message {
    name: "core/v1.ConfigMap",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "data", StrMap, O),
        (3, "binaryData", BytesMap, O),
        (4, "immutable", Bool, K),
    ],
};
static CONFIG_MAP_ENV_SOURCE: Message = Message {
    name: "core/v1.ConfigMapEnvSource",
    fields: &[
        (1, "", Inline(&LOCAL_OBJECT_REFERENCE), K),
        (2, "optional", Bool, K),
    ],
};
static CONFIG_MAP_KEY_SELECTOR: Message = Message {
    name: "core/v1.ConfigMapKeySelector",
    fields: &[
        (1, "", Inline(&LOCAL_OBJECT_REFERENCE), K),
        (2, "key", Str, K),
        (3, "optional", Bool, K),
    ],
};
static CONFIG_MAP_NODE_CONFIG_SOURCE: Message = Message {
    name: "core/v1.ConfigMapNodeConfigSource",
    fields: &[
        (1, "namespace", Str, K),
        (2, "name", Str, K),
        (3, "uid", Str, O),
        (4, "resourceVersion", Str, O),
        (5, "kubeletConfigKey", Str, K),
    ],
};
static CONFIG_MAP_PROJECTION: Message = Message {
    name: "core/v1.ConfigMapProjection",
    fields: &[
        (1, "", Inline(&LOCAL_OBJECT_REFERENCE), K),
        (2, "items", Msg(&KEY_TO_PATH), R),
        (4, "optional", Bool, K),
    ],
};
static CONFIG_MAP_VOLUME_SOURCE: Message = Message {
    name: "core/v1.ConfigMapVolumeSource",
    fields: &[
        (1, "", Inline(&LOCAL_OBJECT_REFERENCE), K),
        (2, "items", Msg(&KEY_TO_PATH), R),
        (3, "defaultMode", I32, K),
        (4, "optional", Bool, K),
    ],
};
static CONTAINER: Message = Message {
    name: "core/v1.Container",
    fields: &[
        (1, "name", Str, K),
        (2, "image", Str, O),
        (3, "command", Str, R),
        (4, "args", Str, R),
        (5, "workingDir", Str, O),
        (6, "ports", Msg(&CONTAINER_PORT), R),
        (7, "env", Msg(&ENV_VAR), R),
        (8, "resources", Msg(&RESOURCE_REQUIREMENTS), O),
        (9, "volumeMounts", Msg(&VOLUME_MOUNT), R),
        (10, "livenessProbe", Msg(&PROBE), K),
        (11, "readinessProbe", Msg(&PROBE), K),
        (12, "lifecycle", Msg(&LIFECYCLE), K),
        (13, "terminationMessagePath", Str, O),
        (14, "imagePullPolicy", Str, O),
        (15, "securityContext", Msg(&SECURITY_CONTEXT), K),
        (16, "stdin", Bool, O),
        (17, "stdinOnce", Bool, O),
        (18, "tty", Bool, O),
        (19, "envFrom", Msg(&ENV_FROM_SOURCE), R),
        (20, "terminationMessagePolicy", Str, O),
        (21, "volumeDevices", Msg(&VOLUME_DEVICE), R),
        (22, "startupProbe", Msg(&PROBE), K),
        (23, "resizePolicy", Msg(&CONTAINER_RESIZE_POLICY), R),
        (24, "restartPolicy", Str, K),
        (25, "restartPolicyRules", Msg(&CONTAINER_RESTART_RULE), R),
    ],
};
static CONTAINER_EXTENDED_RESOURCE_REQUEST: Message = Message {
    name: "core/v1.ContainerExtendedResourceRequest",
    fields: &[
        (1, "containerName", Str, K),
        (2, "resourceName", Str, K),
        (3, "requestName", Str, K),
    ],
};
static CONTAINER_IMAGE: Message = Message {
    name: "core/v1.ContainerImage",
    fields: &[(1, "names", Str, R), (2, "sizeBytes", I64, O)],
};
static CONTAINER_PORT: Message = Message {
    name: "core/v1.ContainerPort",
    fields: &[
        (1, "name", Str, O),
        (2, "hostPort", I32, O),
        (3, "containerPort", I32, K),
        (4, "protocol", Str, O),
        (5, "hostIP", Str, O),
    ],
};
static CONTAINER_RESIZE_POLICY: Message = Message {
    name: "core/v1.ContainerResizePolicy",
    fields: &[(1, "resourceName", Str, K), (2, "restartPolicy", Str, K)],
};
static CONTAINER_RESTART_RULE: Message = Message {
    name: "core/v1.ContainerRestartRule",
    fields: &[
        (1, "action", Str, O),
        (
            2,
            "exitCodes",
            Msg(&CONTAINER_RESTART_RULE_ON_EXIT_CODES),
            K,
        ),
    ],
};
static CONTAINER_RESTART_RULE_ON_EXIT_CODES: Message = Message {
    name: "core/v1.ContainerRestartRuleOnExitCodes",
    fields: &[(1, "operator", Str, O), (2, "values", I32, R)],
};
static CONTAINER_STATE: Message = Message {
    name: "core/v1.ContainerState",
    fields: &[
        (1, "waiting", Msg(&CONTAINER_STATE_WAITING), K),
        (2, "running", Msg(&CONTAINER_STATE_RUNNING), K),
        (3, "terminated", Msg(&CONTAINER_STATE_TERMINATED), K),
    ],
};
static CONTAINER_STATE_RUNNING: Message = Message {
    name: "core/v1.ContainerStateRunning",
    fields: &[(1, "startedAt", Time, O)],
};
static CONTAINER_STATE_TERMINATED: Message = Message {
    name: "core/v1.ContainerStateTerminated",
    fields: &[
        (1, "exitCode", I32, K),
        (2, "signal", I32, O),
        (3, "reason", Str, O),
        (4, "message", Str, O),
        (5, "startedAt", Time, O),
        (6, "finishedAt", Time, O),
        (7, "containerID", Str, O),
    ],
};
static CONTAINER_STATE_WAITING: Message = Message {
    name: "core/v1.ContainerStateWaiting",
    fields: &[(1, "reason", Str, O), (2, "message", Str, O)],
};
static CONTAINER_STATUS: Message = Message {
    name: "core/v1.ContainerStatus",
    fields: &[
        (1, "name", Str, K),
        (2, "state", Msg(&CONTAINER_STATE), O),
        (3, "lastState", Msg(&CONTAINER_STATE), O),
        (4, "ready", Bool, K),
        (5, "restartCount", I32, K),
        (6, "image", Str, K),
        (7, "imageID", Str, K),
        (8, "containerID", Str, O),
        (9, "started", Bool, K),
        (10, "allocatedResources", QuantityMap, O),
        (11, "resources", Msg(&RESOURCE_REQUIREMENTS), K),
        (12, "volumeMounts", Msg(&VOLUME_MOUNT_STATUS), R),
        (13, "user", Msg(&CONTAINER_USER), K),
        (14, "allocatedResourcesStatus", Msg(&RESOURCE_STATUS), R),
        (15, "stopSignal", Str, K),
    ],
};
static CONTAINER_USER: Message = Message {
    name: "core/v1.ContainerUser",
    fields: &[(1, "linux", Msg(&LINUX_CONTAINER_USER), K)],
};
static CSI_VOLUME_SOURCE: Message = Message {
    name: "core/v1.CSIVolumeSource",
    fields: &[
        (1, "driver", Str, K),
        (2, "readOnly", Bool, K),
        (3, "fsType", Str, K),
        (4, "volumeAttributes", StrMap, O),
        (5, "nodePublishSecretRef", Msg(&LOCAL_OBJECT_REFERENCE), K),
    ],
};
static DAEMON_ENDPOINT: Message = Message {
    name: "core/v1.DaemonEndpoint",
    fields: &[(1, "Port", I32, K)],
};
static DAEMON_SET: Message = Message {
    name: "apps/v1.DaemonSet",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&DAEMON_SET_SPEC), O),
        (3, "status", Msg(&DAEMON_SET_STATUS), O),
    ],
};
static DAEMON_SET_CONDITION: Message = Message {
    name: "apps/v1.DaemonSetCondition",
    fields: &[
        (1, "type", Str, K),
        (2, "status", Str, K),
        (3, "lastTransitionTime", Time, O),
        (4, "reason", Str, O),
        (5, "message", Str, O),
    ],
};
static DAEMON_SET_SPEC: Message = Message {
    name: "apps/v1.DaemonSetSpec",
    fields: &[
        (1, "selector", Msg(&LABEL_SELECTOR), K),
        (2, "template", Msg(&POD_TEMPLATE_SPEC), K),
        (3, "updateStrategy", Msg(&DAEMON_SET_UPDATE_STRATEGY), O),
        (4, "minReadySeconds", I32, O),
        (6, "revisionHistoryLimit", I32, K),
    ],
};
static DAEMON_SET_STATUS: Message = Message {
    name: "apps/v1.DaemonSetStatus",
    fields: &[
        (1, "currentNumberScheduled", I32, K),
        (2, "numberMisscheduled", I32, K),
        (3, "desiredNumberScheduled", I32, K),
        (4, "numberReady", I32, K),
        (5, "observedGeneration", I64, O),
        (6, "updatedNumberScheduled", I32, O),
        (7, "numberAvailable", I32, O),
        (8, "numberUnavailable", I32, O),
        (9, "collisionCount", I32, K),
        (10, "conditions", Msg(&DAEMON_SET_CONDITION), R),
    ],
};
static DAEMON_SET_UPDATE_STRATEGY: Message = Message {
    name: "apps/v1.DaemonSetUpdateStrategy",
    fields: &[
        (1, "type", Str, O),
        (2, "rollingUpdate", Msg(&ROLLING_UPDATE_DAEMON_SET), K),
    ],
};
static DELETE_OPTIONS: Message = Message {
    name: "meta/v1.DeleteOptions",
    fields: &[
        (1, "gracePeriodSeconds", I64, K),
        (2, "preconditions", Msg(&PRECONDITIONS), K),
        (3, "orphanDependents", Bool, K),
        (4, "propagationPolicy", Str, K),
        (5, "dryRun", Str, R),
        (
            6,
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            Bool,
            K,
        ),
    ],
};
static DEPLOYMENT: Message = Message {
    name: "apps/v1.Deployment",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&DEPLOYMENT_SPEC), O),
        (3, "status", Msg(&DEPLOYMENT_STATUS), O),
    ],
};
static DEPLOYMENT_CONDITION: Message = Message {
    name: "apps/v1.DeploymentCondition",
    fields: &[
        (1, "type", Str, K),
        (2, "status", Str, K),
        (4, "reason", Str, O),
        (5, "message", Str, O),
        (6, "lastUpdateTime", Time, O),
        (7, "lastTransitionTime", Time, O),
    ],
};
static DEPLOYMENT_SPEC: Message = Message {
    name: "apps/v1.DeploymentSpec",
    fields: &[
        (1, "replicas", I32, K),
        (2, "selector", Msg(&LABEL_SELECTOR), K),
        (3, "template", Msg(&POD_TEMPLATE_SPEC), K),
        (4, "strategy", Msg(&DEPLOYMENT_STRATEGY), O),
        (5, "minReadySeconds", I32, O),
        (6, "revisionHistoryLimit", I32, K),
        (7, "paused", Bool, O),
        (9, "progressDeadlineSeconds", I32, K),
    ],
};
static DEPLOYMENT_STATUS: Message = Message {
    name: "apps/v1.DeploymentStatus",
    fields: &[
        (1, "observedGeneration", I64, O),
        (2, "replicas", I32, O),
        (3, "updatedReplicas", I32, O),
        (4, "availableReplicas", I32, O),
        (5, "unavailableReplicas", I32, O),
        (6, "conditions", Msg(&DEPLOYMENT_CONDITION), R),
        (7, "readyReplicas", I32, O),
        (8, "collisionCount", I32, K),
        (9, "terminatingReplicas", I32, K),
    ],
};
static DEPLOYMENT_STRATEGY: Message = Message {
    name: "apps/v1.DeploymentStrategy",
    fields: &[
        (1, "type", Str, O),
        (2, "rollingUpdate", Msg(&ROLLING_UPDATE_DEPLOYMENT), K),
    ],
};
static DISCOVERY_ENDPOINT_PORT: Message = Message {
    name: "discovery.k8s.io/v1.EndpointPort",
    fields: &[
        (1, "name", Str, K),
        (2, "protocol", Str, K),
        (3, "port", I32, K),
        (4, "appProtocol", Str, K),
    ],
};
static DOWNWARD_API_PROJECTION: Message = Message {
    name: "core/v1.DownwardAPIProjection",
    fields: &[(1, "items", Msg(&DOWNWARD_API_VOLUME_FILE), R)],
};
static DOWNWARD_API_VOLUME_FILE: Message = Message {
    name: "core/v1.DownwardAPIVolumeFile",
    fields: &[
        (1, "path", Str, K),
        (2, "fieldRef", Msg(&OBJECT_FIELD_SELECTOR), K),
        (3, "resourceFieldRef", Msg(&RESOURCE_FIELD_SELECTOR), K),
        (4, "mode", I32, K),
    ],
};
static DOWNWARD_API_VOLUME_SOURCE: Message = Message {
    name: "core/v1.DownwardAPIVolumeSource",
    fields: &[
        (1, "items", Msg(&DOWNWARD_API_VOLUME_FILE), R),
        (2, "defaultMode", I32, K),
    ],
};
static EMPTY_DIR_VOLUME_SOURCE: Message = Message {
    name: "core/v1.EmptyDirVolumeSource",
    fields: &[(1, "medium", Str, O), (2, "sizeLimit", Quantity, K)],
};
static ENDPOINT: Message = Message {
    name: "discovery.k8s.io/v1.Endpoint",
    fields: &[
        (1, "addresses", Str, R),
        (2, "conditions", Msg(&ENDPOINT_CONDITIONS), O),
        (3, "hostname", Str, K),
        (4, "targetRef", Msg(&OBJECT_REFERENCE), K),
        (5, "deprecatedTopology", StrMap, O),
        (6, "nodeName", Str, K),
        (7, "zone", Str, K),
        (8, "hints", Msg(&ENDPOINT_HINTS), K),
    ],
};
static ENDPOINTS: Message = Message {
    name: "core/v1.Endpoints",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "subsets", Msg(&ENDPOINT_SUBSET), R),
    ],
};
static ENDPOINT_ADDRESS: Message = Message {
    name: "core/v1.EndpointAddress",
    fields: &[
        (1, "ip", Str, K),
        (2, "targetRef", Msg(&OBJECT_REFERENCE), K),
        (3, "hostname", Str, O),
        (4, "nodeName", Str, K),
    ],
};
static ENDPOINT_CONDITIONS: Message = Message {
    name: "discovery.k8s.io/v1.EndpointConditions",
    fields: &[
        (1, "ready", Bool, K),
        (2, "serving", Bool, K),
        (3, "terminating", Bool, K),
    ],
};
static ENDPOINT_HINTS: Message = Message {
    name: "discovery.k8s.io/v1.EndpointHints",
    fields: &[
        (1, "forZones", Msg(&FOR_ZONE), R),
        (2, "forNodes", Msg(&FOR_NODE), R),
    ],
};
static ENDPOINT_PORT: Message = Message {
    name: "core/v1.EndpointPort",
    fields: &[
        (1, "name", Str, O),
        (2, "port", I32, K),
        (3, "protocol", Str, O),
        (4, "appProtocol", Str, K),
    ],
};
static ENDPOINT_SLICE: Message = Message {
    name: "discovery.k8s.io/v1.EndpointSlice",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "endpoints", Msg(&ENDPOINT), R),
        (3, "ports", Msg(&DISCOVERY_ENDPOINT_PORT), R),
        (4, "addressType", Str, K),
    ],
};
static ENDPOINT_SUBSET: Message = Message {
    name: "core/v1.EndpointSubset",
    fields: &[
        (1, "addresses", Msg(&ENDPOINT_ADDRESS), R),
        (2, "notReadyAddresses", Msg(&ENDPOINT_ADDRESS), R),
        (3, "ports", Msg(&ENDPOINT_PORT), R),
    ],
};
static ENV_FROM_SOURCE: Message = Message {
    name: "core/v1.EnvFromSource",
    fields: &[
        (1, "prefix", Str, O),
        (2, "configMapRef", Msg(&CONFIG_MAP_ENV_SOURCE), K),
        (3, "secretRef", Msg(&SECRET_ENV_SOURCE), K),
    ],
};
static ENV_VAR: Message = Message {
    name: "core/v1.EnvVar",
    fields: &[
        (1, "name", Str, K),
        (2, "value", Str, O),
        (3, "valueFrom", Msg(&ENV_VAR_SOURCE), K),
    ],
};
static ENV_VAR_SOURCE: Message = Message {
    name: "core/v1.EnvVarSource",
    fields: &[
        (1, "fieldRef", Msg(&OBJECT_FIELD_SELECTOR), K),
        (2, "resourceFieldRef", Msg(&RESOURCE_FIELD_SELECTOR), K),
        (3, "configMapKeyRef", Msg(&CONFIG_MAP_KEY_SELECTOR), K),
        (4, "secretKeyRef", Msg(&SECRET_KEY_SELECTOR), K),
        (5, "fileKeyRef", Msg(&FILE_KEY_SELECTOR), K),
    ],
};
static EPHEMERAL_CONTAINER: Message = Message {
    name: "core/v1.EphemeralContainer",
    fields: &[
        (1, "", Inline(&EPHEMERAL_CONTAINER_COMMON), K),
        (2, "targetContainerName", Str, O),
    ],
};
static EPHEMERAL_CONTAINER_COMMON: Message = Message {
    name: "core/v1.EphemeralContainerCommon",
    fields: &[
        (1, "name", Str, K),
        (2, "image", Str, O),
        (3, "command", Str, R),
        (4, "args", Str, R),
        (5, "workingDir", Str, O),
        (6, "ports", Msg(&CONTAINER_PORT), R),
        (7, "env", Msg(&ENV_VAR), R),
        (8, "resources", Msg(&RESOURCE_REQUIREMENTS), O),
        (9, "volumeMounts", Msg(&VOLUME_MOUNT), R),
        (10, "livenessProbe", Msg(&PROBE), K),
        (11, "readinessProbe", Msg(&PROBE), K),
        (12, "lifecycle", Msg(&LIFECYCLE), K),
        (13, "terminationMessagePath", Str, O),
        (14, "imagePullPolicy", Str, O),
        (15, "securityContext", Msg(&SECURITY_CONTEXT), K),
        (16, "stdin", Bool, O),
        (17, "stdinOnce", Bool, O),
        (18, "tty", Bool, O),
        (19, "envFrom", Msg(&ENV_FROM_SOURCE), R),
        (20, "terminationMessagePolicy", Str, O),
        (21, "volumeDevices", Msg(&VOLUME_DEVICE), R),
        (22, "startupProbe", Msg(&PROBE), K),
        (23, "resizePolicy", Msg(&CONTAINER_RESIZE_POLICY), R),
        (24, "restartPolicy", Str, K),
        (25, "restartPolicyRules", Msg(&CONTAINER_RESTART_RULE), R),
    ],
};
static EPHEMERAL_VOLUME_SOURCE: Message = Message {
    name: "core/v1.EphemeralVolumeSource",
    fields: &[(
        1,
        "volumeClaimTemplate",
        Msg(&PERSISTENT_VOLUME_CLAIM_TEMPLATE),
        K,
    )],
};
static EVENT: Message = Message {
    name: "core/v1.Event",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), K),
        (2, "involvedObject", Msg(&OBJECT_REFERENCE), K),
        (3, "reason", Str, O),
        (4, "message", Str, O),
        (5, "source", Msg(&EVENT_SOURCE), O),
        (6, "firstTimestamp", Time, O),
        (7, "lastTimestamp", Time, O),
        (8, "count", I32, O),
        (9, "type", Str, O),
        (10, "eventTime", MicroTime, O),
        (11, "series", Msg(&EVENT_SERIES), K),
        (12, "action", Str, O),
        (13, "related", Msg(&OBJECT_REFERENCE), K),
        (14, "reportingComponent", Str, K),
        (15, "reportingInstance", Str, K),
    ],
};
static EVENTS_EVENT: Message = Message {
    name: "events.k8s.io/v1.Event",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), K),
        (2, "eventTime", MicroTime, K),
        (3, "series", Msg(&EVENTS_EVENT_SERIES), K),
        (4, "reportingController", Str, O),
        (5, "reportingInstance", Str, O),
        (6, "action", Str, O),
        (7, "reason", Str, O),
        (8, "regarding", Msg(&OBJECT_REFERENCE), O),
        (9, "related", Msg(&OBJECT_REFERENCE), K),
        (10, "note", Str, O),
        (11, "type", Str, O),
        (12, "deprecatedSource", Msg(&EVENT_SOURCE), O),
        (13, "deprecatedFirstTimestamp", Time, O),
        (14, "deprecatedLastTimestamp", Time, O),
        (15, "deprecatedCount", I32, O),
    ],
};
static EVENTS_EVENT_SERIES: Message = Message {
    name: "events.k8s.io/v1.EventSeries",
    fields: &[(1, "count", I32, K), (2, "lastObservedTime", MicroTime, K)],
};
static EVENT_SERIES: Message = Message {
    name: "core/v1.EventSeries",
    fields: &[(1, "count", I32, O), (2, "lastObservedTime", MicroTime, O)],
};
static EVENT_SOURCE: Message = Message {
    name: "core/v1.EventSource",
    fields: &[(1, "component", Str, O), (2, "host", Str, O)],
};
static EVICTION: Message = Message {
    name: "policy/v1.Eviction",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "deleteOptions", Msg(&DELETE_OPTIONS), K),
    ],
};
static EXEC_ACTION: Message = Message {
    name: "core/v1.ExecAction",
    fields: &[(1, "command", Str, R)],
};
static FC_VOLUME_SOURCE: Message = Message {
    name: "core/v1.FCVolumeSource",
    fields: &[
        (1, "targetWWNs", Str, R),
        (2, "lun", I32, K),
        (3, "fsType", Str, O),
        (4, "readOnly", Bool, O),
        (5, "wwids", Str, R),
    ],
};
static FILE_KEY_SELECTOR: Message = Message {
    name: "core/v1.FileKeySelector",
    fields: &[
        (1, "volumeName", Str, K),
        (2, "path", Str, K),
        (3, "key", Str, K),
        (4, "optional", Bool, K),
    ],
};
static FLEX_VOLUME_SOURCE: Message = Message {
    name: "core/v1.FlexVolumeSource",
    fields: &[
        (1, "driver", Str, K),
        (2, "fsType", Str, O),
        (3, "secretRef", Msg(&LOCAL_OBJECT_REFERENCE), K),
        (4, "readOnly", Bool, O),
        (5, "options", StrMap, O),
    ],
};
static FLOCKER_VOLUME_SOURCE: Message = Message {
    name: "core/v1.FlockerVolumeSource",
    fields: &[(1, "datasetName", Str, O), (2, "datasetUUID", Str, O)],
};
static FOR_NODE: Message = Message {
    name: "discovery.k8s.io/v1.ForNode",
    fields: &[(1, "name", Str, K)],
};
static FOR_ZONE: Message = Message {
    name: "discovery.k8s.io/v1.ForZone",
    fields: &[(1, "name", Str, K)],
};
static GCE_PERSISTENT_DISK_VOLUME_SOURCE: Message = Message {
    name: "core/v1.GCEPersistentDiskVolumeSource",
    fields: &[
        (1, "pdName", Str, K),
        (2, "fsType", Str, O),
        (3, "partition", I32, O),
        (4, "readOnly", Bool, O),
    ],
};
static GIT_REPO_VOLUME_SOURCE: Message = Message {
    name: "core/v1.GitRepoVolumeSource",
    fields: &[
        (1, "repository", Str, K),
        (2, "revision", Str, O),
        (3, "directory", Str, O),
    ],
};
static GLUSTERFS_VOLUME_SOURCE: Message = Message {
    name: "core/v1.GlusterfsVolumeSource",
    fields: &[
        (1, "endpoints", Str, K),
        (2, "path", Str, K),
        (3, "readOnly", Bool, O),
    ],
};
static GRPC_ACTION: Message = Message {
    name: "core/v1.GRPCAction",
    fields: &[(1, "port", I32, K), (2, "service", Str, K)],
};
static HOST_ALIAS: Message = Message {
    name: "core/v1.HostAlias",
    fields: &[(1, "ip", Str, K), (2, "hostnames", Str, R)],
};
static HOST_IP: Message = Message {
    name: "core/v1.HostIP",
    fields: &[(1, "ip", Str, K)],
};
static HOST_PATH_VOLUME_SOURCE: Message = Message {
    name: "core/v1.HostPathVolumeSource",
    fields: &[(1, "path", Str, K), (2, "type", Str, K)],
};
static HTTP_GET_ACTION: Message = Message {
    name: "core/v1.HTTPGetAction",
    fields: &[
        (1, "path", Str, O),
        (2, "port", IntOrString, K),
        (3, "host", Str, O),
        (4, "scheme", Str, O),
        (5, "httpHeaders", Msg(&HTTP_HEADER), R),
    ],
};
static HTTP_HEADER: Message = Message {
    name: "core/v1.HTTPHeader",
    fields: &[(1, "name", Str, K), (2, "value", Str, K)],
};
static IMAGE_VOLUME_SOURCE: Message = Message {
    name: "core/v1.ImageVolumeSource",
    fields: &[(1, "reference", Str, O), (2, "pullPolicy", Str, O)],
};
static IMAGE_VOLUME_STATUS: Message = Message {
    name: "core/v1.ImageVolumeStatus",
    fields: &[(1, "imageRef", Str, O)],
};
static ISCSI_VOLUME_SOURCE: Message = Message {
    name: "core/v1.ISCSIVolumeSource",
    fields: &[
        (1, "targetPortal", Str, K),
        (2, "iqn", Str, K),
        (3, "lun", I32, K),
        (4, "iscsiInterface", Str, O),
        (5, "fsType", Str, O),
        (6, "readOnly", Bool, O),
        (7, "portals", Str, R),
        (8, "chapAuthDiscovery", Bool, O),
        (10, "secretRef", Msg(&LOCAL_OBJECT_REFERENCE), K),
        (11, "chapAuthSession", Bool, O),
        (12, "initiatorName", Str, K),
    ],
};
static JOB: Message = Message {
    name: "batch/v1.Job",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&JOB_SPEC), O),
        (3, "status", Msg(&JOB_STATUS), O),
    ],
};
static JOB_CONDITION: Message = Message {
    name: "batch/v1.JobCondition",
    fields: &[
        (1, "type", Str, K),
        (2, "status", Str, K),
        (3, "lastProbeTime", Time, O),
        (4, "lastTransitionTime", Time, O),
        (5, "reason", Str, O),
        (6, "message", Str, O),
    ],
};
static JOB_SPEC: Message = Message {
    name: "batch/v1.JobSpec",
    fields: &[
        (1, "parallelism", I32, K),
        (2, "completions", I32, K),
        (3, "activeDeadlineSeconds", I64, K),
        (4, "selector", Msg(&LABEL_SELECTOR), K),
        (5, "manualSelector", Bool, K),
        (6, "template", Msg(&POD_TEMPLATE_SPEC), K),
        (7, "backoffLimit", I32, K),
        (8, "ttlSecondsAfterFinished", I32, K),
        (9, "completionMode", Str, K),
        (10, "suspend", Bool, K),
        (11, "podFailurePolicy", Msg(&POD_FAILURE_POLICY), K),
        (12, "backoffLimitPerIndex", I32, K),
        (13, "maxFailedIndexes", I32, K),
        (14, "podReplacementPolicy", Str, K),
        (15, "managedBy", Str, K),
        (16, "successPolicy", Msg(&SUCCESS_POLICY), K),
    ],
};
static JOB_STATUS: Message = Message {
    name: "batch/v1.JobStatus",
    fields: &[
        (1, "conditions", Msg(&JOB_CONDITION), R),
        (2, "startTime", Time, K),
        (3, "completionTime", Time, K),
        (4, "active", I32, O),
        (5, "succeeded", I32, O),
        (6, "failed", I32, O),
        (7, "completedIndexes", Str, O),
        (
            8,
            "uncountedTerminatedPods",
            Msg(&UNCOUNTED_TERMINATED_PODS),
            K,
        ),
        (9, "ready", I32, K),
        (10, "failedIndexes", Str, K),
        (11, "terminating", I32, K),
    ],
};
static KEY_TO_PATH: Message = Message {
    name: "core/v1.KeyToPath",
    fields: &[(1, "key", Str, K), (2, "path", Str, K), (3, "mode", I32, K)],
};
static LABEL_SELECTOR: Message = Message {
    name: "meta/v1.LabelSelector",
    fields: &[
        (1, "matchLabels", StrMap, O),
        (2, "matchExpressions", Msg(&LABEL_SELECTOR_REQUIREMENT), R),
    ],
};
static LABEL_SELECTOR_REQUIREMENT: Message = Message {
    name: "meta/v1.LabelSelectorRequirement",
    fields: &[
        (1, "key", Str, K),
        (2, "operator", Str, K),
        (3, "values", Str, R),
    ],
};
static LEASE: Message = Message {
    name: "coordination.k8s.io/v1.Lease",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&LEASE_SPEC), O),
    ],
};
static LEASE_SPEC: Message = Message {
    name: "coordination.k8s.io/v1.LeaseSpec",
    fields: &[
        (1, "holderIdentity", Str, K),
        (2, "leaseDurationSeconds", I32, K),
        (3, "acquireTime", MicroTime, K),
        (4, "renewTime", MicroTime, K),
        (5, "leaseTransitions", I32, K),
        (6, "strategy", Str, K),
        (7, "preferredHolder", Str, K),
    ],
};
static LIFECYCLE: Message = Message {
    name: "core/v1.Lifecycle",
    fields: &[
        (1, "postStart", Msg(&LIFECYCLE_HANDLER), K),
        (2, "preStop", Msg(&LIFECYCLE_HANDLER), K),
        (3, "stopSignal", Str, K),
    ],
};
static LIFECYCLE_HANDLER: Message = Message {
    name: "core/v1.LifecycleHandler",
    fields: &[
        (1, "exec", Msg(&EXEC_ACTION), K),
        (2, "httpGet", Msg(&HTTP_GET_ACTION), K),
        (3, "tcpSocket", Msg(&TCP_SOCKET_ACTION), K),
        (4, "sleep", Msg(&SLEEP_ACTION), K),
    ],
};
static LINUX_CONTAINER_USER: Message = Message {
    name: "core/v1.LinuxContainerUser",
    fields: &[
        (1, "uid", I64, K),
        (2, "gid", I64, K),
        (3, "supplementalGroups", I64, R),
    ],
};
static LOAD_BALANCER_INGRESS: Message = Message {
    name: "core/v1.LoadBalancerIngress",
    fields: &[
        (1, "ip", Str, O),
        (2, "hostname", Str, O),
        (3, "ipMode", Str, K),
        (4, "ports", Msg(&PORT_STATUS), R),
    ],
};
static LOAD_BALANCER_STATUS: Message = Message {
    name: "core/v1.LoadBalancerStatus",
    fields: &[(1, "ingress", Msg(&LOAD_BALANCER_INGRESS), R)],
};
static LOCAL_OBJECT_REFERENCE: Message = Message {
    name: "core/v1.LocalObjectReference",
    fields: &[(1, "name", Str, O)],
};
static MANAGED_FIELDS_ENTRY: Message = Message {
    name: "meta/v1.ManagedFieldsEntry",
    fields: &[
        (1, "manager", Str, O),
        (2, "operation", Str, O),
        (3, "apiVersion", Str, O),
        (4, "time", Time, K),
        (6, "fieldsType", Str, O),
        (7, "fieldsV1", FieldsV1, K),
        (8, "subresource", Str, O),
    ],
};
static NAMESPACE: Message = Message {
    name: "core/v1.Namespace",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&NAMESPACE_SPEC), O),
        (3, "status", Msg(&NAMESPACE_STATUS), O),
    ],
};
static NAMESPACE_CONDITION: Message = Message {
    name: "core/v1.NamespaceCondition",
    fields: &[
        (1, "type", Str, K),
        (2, "status", Str, K),
        (4, "lastTransitionTime", Time, O),
        (5, "reason", Str, O),
        (6, "message", Str, O),
    ],
};
static NAMESPACE_SPEC: Message = Message {
    name: "core/v1.NamespaceSpec",
    fields: &[(1, "finalizers", Str, R)],
};
static NAMESPACE_STATUS: Message = Message {
    name: "core/v1.NamespaceStatus",
    fields: &[
        (1, "phase", Str, O),
        (2, "conditions", Msg(&NAMESPACE_CONDITION), R),
    ],
};
static NFS_VOLUME_SOURCE: Message = Message {
    name: "core/v1.NFSVolumeSource",
    fields: &[
        (1, "server", Str, K),
        (2, "path", Str, K),
        (3, "readOnly", Bool, O),
    ],
};
static NODE: Message = Message {
    name: "core/v1.Node",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&NODE_SPEC), O),
        (3, "status", Msg(&NODE_STATUS), O),
    ],
};
static NODE_ADDRESS: Message = Message {
    name: "core/v1.NodeAddress",
    fields: &[(1, "type", Str, K), (2, "address", Str, K)],
};
static NODE_AFFINITY: Message = Message {
    name: "core/v1.NodeAffinity",
    fields: &[
        (
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Msg(&NODE_SELECTOR),
            K,
        ),
        (
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Msg(&PREFERRED_SCHEDULING_TERM),
            R,
        ),
    ],
};
static NODE_ALLOCATABLE_RESOURCE_CLAIM_STATUS: Message = Message {
    name: "core/v1.NodeAllocatableResourceClaimStatus",
    fields: &[
        (1, "resourceClaimName", Str, K),
        (2, "containers", Str, R),
        (3, "resources", QuantityMap, K),
    ],
};
static NODE_CONDITION: Message = Message {
    name: "core/v1.NodeCondition",
    fields: &[
        (1, "type", Str, K),
        (2, "status", Str, K),
        (3, "lastHeartbeatTime", Time, O),
        (4, "lastTransitionTime", Time, O),
        (5, "reason", Str, O),
        (6, "message", Str, O),
    ],
};
static NODE_CONFIG_SOURCE: Message = Message {
    name: "core/v1.NodeConfigSource",
    fields: &[(2, "configMap", Msg(&CONFIG_MAP_NODE_CONFIG_SOURCE), K)],
};
static NODE_CONFIG_STATUS: Message = Message {
    name: "core/v1.NodeConfigStatus",
    fields: &[
        (1, "assigned", Msg(&NODE_CONFIG_SOURCE), K),
        (2, "active", Msg(&NODE_CONFIG_SOURCE), K),
        (3, "lastKnownGood", Msg(&NODE_CONFIG_SOURCE), K),
        (4, "error", Str, O),
    ],
};
static NODE_DAEMON_ENDPOINTS: Message = Message {
    name: "core/v1.NodeDaemonEndpoints",
    fields: &[(1, "kubeletEndpoint", Msg(&DAEMON_ENDPOINT), O)],
};
static NODE_FEATURES: Message = Message {
    name: "core/v1.NodeFeatures",
    fields: &[(1, "supplementalGroupsPolicy", Bool, K)],
};
static NODE_RUNTIME_HANDLER: Message = Message {
    name: "core/v1.NodeRuntimeHandler",
    fields: &[
        (1, "name", Str, K),
        (2, "features", Msg(&NODE_RUNTIME_HANDLER_FEATURES), K),
    ],
};
static NODE_RUNTIME_HANDLER_FEATURES: Message = Message {
    name: "core/v1.NodeRuntimeHandlerFeatures",
    fields: &[
        (1, "recursiveReadOnlyMounts", Bool, K),
        (2, "userNamespaces", Bool, K),
    ],
};
static NODE_SELECTOR: Message = Message {
    name: "core/v1.NodeSelector",
    fields: &[(1, "nodeSelectorTerms", Msg(&NODE_SELECTOR_TERM), R)],
};
static NODE_SELECTOR_REQUIREMENT: Message = Message {
    name: "core/v1.NodeSelectorRequirement",
    fields: &[
        (1, "key", Str, K),
        (2, "operator", Str, K),
        (3, "values", Str, R),
    ],
};
static NODE_SELECTOR_TERM: Message = Message {
    name: "core/v1.NodeSelectorTerm",
    fields: &[
        (1, "matchExpressions", Msg(&NODE_SELECTOR_REQUIREMENT), R),
        (2, "matchFields", Msg(&NODE_SELECTOR_REQUIREMENT), R),
    ],
};
static NODE_SPEC: Message = Message {
    name: "core/v1.NodeSpec",
    fields: &[
        (1, "podCIDR", Str, O),
        (2, "externalID", Str, O),
        (3, "providerID", Str, O),
        (4, "unschedulable", Bool, O),
        (5, "taints", Msg(&TAINT), R),
        (6, "configSource", Msg(&NODE_CONFIG_SOURCE), K),
        (7, "podCIDRs", Str, R),
    ],
};
static NODE_STATUS: Message = Message {
    name: "core/v1.NodeStatus",
    fields: &[
        (1, "capacity", QuantityMap, O),
        (2, "allocatable", QuantityMap, O),
        (3, "phase", Str, O),
        (4, "conditions", Msg(&NODE_CONDITION), R),
        (5, "addresses", Msg(&NODE_ADDRESS), R),
        (6, "daemonEndpoints", Msg(&NODE_DAEMON_ENDPOINTS), O),
        (7, "nodeInfo", Msg(&NODE_SYSTEM_INFO), O),
        (8, "images", Msg(&CONTAINER_IMAGE), R),
        (9, "volumesInUse", Str, R),
        (10, "volumesAttached", Msg(&ATTACHED_VOLUME), R),
        (11, "config", Msg(&NODE_CONFIG_STATUS), K),
        (12, "runtimeHandlers", Msg(&NODE_RUNTIME_HANDLER), R),
        (13, "features", Msg(&NODE_FEATURES), K),
        (14, "declaredFeatures", Str, R),
    ],
};
static NODE_SWAP_STATUS: Message = Message {
    name: "core/v1.NodeSwapStatus",
    fields: &[(1, "capacity", I64, K)],
};
static NODE_SYSTEM_INFO: Message = Message {
    name: "core/v1.NodeSystemInfo",
    fields: &[
        (1, "machineID", Str, K),
        (2, "systemUUID", Str, K),
        (3, "bootID", Str, K),
        (4, "kernelVersion", Str, K),
        (5, "osImage", Str, K),
        (6, "containerRuntimeVersion", Str, K),
        (7, "kubeletVersion", Str, K),
        (8, "kubeProxyVersion", Str, K),
        (9, "operatingSystem", Str, K),
        (10, "architecture", Str, K),
        (11, "swap", Msg(&NODE_SWAP_STATUS), K),
    ],
};
static OBJECT_FIELD_SELECTOR: Message = Message {
    name: "core/v1.ObjectFieldSelector",
    fields: &[(1, "apiVersion", Str, O), (2, "fieldPath", Str, K)],
};
static OBJECT_META: Message = Message {
    name: "meta/v1.ObjectMeta",
    fields: &[
        (1, "name", Str, O),
        (2, "generateName", Str, O),
        (3, "namespace", Str, O),
        (4, "selfLink", Str, O),
        (5, "uid", Str, O),
        (6, "resourceVersion", Str, O),
        (7, "generation", I64, O),
        (8, "creationTimestamp", Time, O),
        (9, "deletionTimestamp", Time, K),
        (10, "deletionGracePeriodSeconds", I64, K),
        (11, "labels", StrMap, O),
        (12, "annotations", StrMap, O),
        (13, "ownerReferences", Msg(&OWNER_REFERENCE), R),
        (14, "finalizers", Str, R),
        (17, "managedFields", Msg(&MANAGED_FIELDS_ENTRY), R),
    ],
};
static OBJECT_REFERENCE: Message = Message {
    name: "core/v1.ObjectReference",
    fields: &[
        (1, "kind", Str, O),
        (2, "namespace", Str, O),
        (3, "name", Str, O),
        (4, "uid", Str, O),
        (5, "apiVersion", Str, O),
        (6, "resourceVersion", Str, O),
        (7, "fieldPath", Str, O),
    ],
};
static OWNER_REFERENCE: Message = Message {
    name: "meta/v1.OwnerReference",
    fields: &[
        (1, "kind", Str, K),
        (3, "name", Str, K),
        (4, "uid", Str, K),
        (5, "apiVersion", Str, K),
        (6, "controller", Bool, K),
        (7, "blockOwnerDeletion", Bool, K),
    ],
};
static PERSISTENT_VOLUME_CLAIM_SPEC: Message = Message {
    name: "core/v1.PersistentVolumeClaimSpec",
    fields: &[
        (1, "accessModes", Str, R),
        (2, "resources", Msg(&VOLUME_RESOURCE_REQUIREMENTS), O),
        (3, "volumeName", Str, O),
        (4, "selector", Msg(&LABEL_SELECTOR), K),
        (5, "storageClassName", Str, K),
        (6, "volumeMode", Str, K),
        (7, "dataSource", Msg(&TYPED_LOCAL_OBJECT_REFERENCE), K),
        (8, "dataSourceRef", Msg(&TYPED_OBJECT_REFERENCE), K),
        (9, "volumeAttributesClassName", Str, K),
    ],
};
static PERSISTENT_VOLUME_CLAIM_TEMPLATE: Message = Message {
    name: "core/v1.PersistentVolumeClaimTemplate",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&PERSISTENT_VOLUME_CLAIM_SPEC), K),
    ],
};
static PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: Message = Message {
    name: "core/v1.PersistentVolumeClaimVolumeSource",
    fields: &[(1, "claimName", Str, K), (2, "readOnly", Bool, O)],
};
static PHOTON_PERSISTENT_DISK_VOLUME_SOURCE: Message = Message {
    name: "core/v1.PhotonPersistentDiskVolumeSource",
    fields: &[(1, "pdID", Str, K), (2, "fsType", Str, O)],
};
static POD: Message = Message {
    name: "core/v1.Pod",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&POD_SPEC), O),
        (3, "status", Msg(&POD_STATUS), O),
    ],
};
static POD_AFFINITY: Message = Message {
    name: "core/v1.PodAffinity",
    fields: &[
        (
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Msg(&POD_AFFINITY_TERM),
            R,
        ),
        (
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Msg(&WEIGHTED_POD_AFFINITY_TERM),
            R,
        ),
    ],
};
static POD_AFFINITY_TERM: Message = Message {
    name: "core/v1.PodAffinityTerm",
    fields: &[
        (1, "labelSelector", Msg(&LABEL_SELECTOR), K),
        (2, "namespaces", Str, R),
        (3, "topologyKey", Str, K),
        (4, "namespaceSelector", Msg(&LABEL_SELECTOR), K),
        (5, "matchLabelKeys", Str, R),
        (6, "mismatchLabelKeys", Str, R),
    ],
};
static POD_ANTI_AFFINITY: Message = Message {
    name: "core/v1.PodAntiAffinity",
    fields: &[
        (
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Msg(&POD_AFFINITY_TERM),
            R,
        ),
        (
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Msg(&WEIGHTED_POD_AFFINITY_TERM),
            R,
        ),
    ],
};
static POD_CERTIFICATE_PROJECTION: Message = Message {
    name: "core/v1.PodCertificateProjection",
    fields: &[
        (1, "signerName", Str, O),
        (2, "keyType", Str, O),
        (3, "maxExpirationSeconds", I32, K),
        (4, "credentialBundlePath", Str, O),
        (5, "keyPath", Str, O),
        (6, "certificateChainPath", Str, O),
        (7, "userAnnotations", StrMap, O),
    ],
};
static POD_CONDITION: Message = Message {
    name: "core/v1.PodCondition",
    fields: &[
        (1, "type", Str, K),
        (2, "status", Str, K),
        (3, "lastProbeTime", Time, O),
        (4, "lastTransitionTime", Time, O),
        (5, "reason", Str, O),
        (6, "message", Str, O),
        (7, "observedGeneration", I64, O),
    ],
};
static POD_DNS_CONFIG: Message = Message {
    name: "core/v1.PodDNSConfig",
    fields: &[
        (1, "nameservers", Str, R),
        (2, "searches", Str, R),
        (3, "options", Msg(&POD_DNS_CONFIG_OPTION), R),
    ],
};
static POD_DNS_CONFIG_OPTION: Message = Message {
    name: "core/v1.PodDNSConfigOption",
    fields: &[(1, "name", Str, O), (2, "value", Str, K)],
};
static POD_EXTENDED_RESOURCE_CLAIM_STATUS: Message = Message {
    name: "core/v1.PodExtendedResourceClaimStatus",
    fields: &[
        (
            1,
            "requestMappings",
            Msg(&CONTAINER_EXTENDED_RESOURCE_REQUEST),
            R,
        ),
        (2, "resourceClaimName", Str, K),
    ],
};
static POD_FAILURE_POLICY: Message = Message {
    name: "batch/v1.PodFailurePolicy",
    fields: &[(1, "rules", Msg(&POD_FAILURE_POLICY_RULE), R)],
};
static POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT: Message = Message {
    name: "batch/v1.PodFailurePolicyOnExitCodesRequirement",
    fields: &[
        (1, "containerName", Str, K),
        (2, "operator", Str, K),
        (3, "values", I32, R),
    ],
};
static POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN: Message = Message {
    name: "batch/v1.PodFailurePolicyOnPodConditionsPattern",
    fields: &[(1, "type", Str, K), (2, "status", Str, K)],
};
static POD_FAILURE_POLICY_RULE: Message = Message {
    name: "batch/v1.PodFailurePolicyRule",
    fields: &[
        (1, "action", Str, K),
        (
            2,
            "onExitCodes",
            Msg(&POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT),
            K,
        ),
        (
            3,
            "onPodConditions",
            Msg(&POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN),
            R,
        ),
    ],
};
static POD_IP: Message = Message {
    name: "core/v1.PodIP",
    fields: &[(1, "ip", Str, K)],
};
static POD_OS: Message = Message {
    name: "core/v1.PodOS",
    fields: &[(1, "name", Str, K)],
};
static POD_READINESS_GATE: Message = Message {
    name: "core/v1.PodReadinessGate",
    fields: &[(1, "conditionType", Str, K)],
};
static POD_RESOURCE_CLAIM: Message = Message {
    name: "core/v1.PodResourceClaim",
    fields: &[
        (1, "name", Str, K),
        (3, "resourceClaimName", Str, K),
        (4, "resourceClaimTemplateName", Str, K),
    ],
};
static POD_RESOURCE_CLAIM_STATUS: Message = Message {
    name: "core/v1.PodResourceClaimStatus",
    fields: &[(1, "name", Str, K), (2, "resourceClaimName", Str, K)],
};
static POD_SCHEDULING_GATE: Message = Message {
    name: "core/v1.PodSchedulingGate",
    fields: &[(1, "name", Str, K)],
};
static POD_SCHEDULING_GROUP: Message = Message {
    name: "core/v1.PodSchedulingGroup",
    fields: &[(1, "podGroupName", Str, K)],
};
static POD_SECURITY_CONTEXT: Message = Message {
    name: "core/v1.PodSecurityContext",
    fields: &[
        (1, "seLinuxOptions", Msg(&SE_LINUX_OPTIONS), K),
        (2, "runAsUser", I64, K),
        (3, "runAsNonRoot", Bool, K),
        (4, "supplementalGroups", I64, R),
        (5, "fsGroup", I64, K),
        (6, "runAsGroup", I64, K),
        (7, "sysctls", Msg(&SYSCTL), R),
        (
            8,
            "windowsOptions",
            Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS),
            K,
        ),
        (9, "fsGroupChangePolicy", Str, K),
        (10, "seccompProfile", Msg(&SECCOMP_PROFILE), K),
        (11, "appArmorProfile", Msg(&APP_ARMOR_PROFILE), K),
        (12, "supplementalGroupsPolicy", Str, K),
        (13, "seLinuxChangePolicy", Str, K),
    ],
};
static POD_SPEC: Message = Message {
    name: "core/v1.PodSpec",
    fields: &[
        (1, "volumes", Msg(&VOLUME), R),
        (2, "containers", Msg(&CONTAINER), R),
        (3, "restartPolicy", Str, O),
        (4, "terminationGracePeriodSeconds", I64, K),
        (5, "activeDeadlineSeconds", I64, K),
        (6, "dnsPolicy", Str, O),
        (7, "nodeSelector", StrMap, O),
        (8, "serviceAccountName", Str, O),
        (9, "serviceAccount", Str, O),
        (10, "nodeName", Str, O),
        (11, "hostNetwork", Bool, O),
        (12, "hostPID", Bool, O),
        (13, "hostIPC", Bool, O),
        (14, "securityContext", Msg(&POD_SECURITY_CONTEXT), K),
        (15, "imagePullSecrets", Msg(&LOCAL_OBJECT_REFERENCE), R),
        (16, "hostname", Str, O),
        (17, "subdomain", Str, O),
        (18, "affinity", Msg(&AFFINITY), K),
        (19, "schedulerName", Str, O),
        (20, "initContainers", Msg(&CONTAINER), R),
        (21, "automountServiceAccountToken", Bool, K),
        (22, "tolerations", Msg(&TOLERATION), R),
        (23, "hostAliases", Msg(&HOST_ALIAS), R),
        (24, "priorityClassName", Str, O),
        (25, "priority", I32, K),
        (26, "dnsConfig", Msg(&POD_DNS_CONFIG), K),
        (27, "shareProcessNamespace", Bool, K),
        (28, "readinessGates", Msg(&POD_READINESS_GATE), R),
        (29, "runtimeClassName", Str, K),
        (30, "enableServiceLinks", Bool, K),
        (31, "preemptionPolicy", Str, K),
        (32, "overhead", QuantityMap, O),
        (
            33,
            "topologySpreadConstraints",
            Msg(&TOPOLOGY_SPREAD_CONSTRAINT),
            R,
        ),
        (34, "ephemeralContainers", Msg(&EPHEMERAL_CONTAINER), R),
        (35, "setHostnameAsFQDN", Bool, K),
        (36, "os", Msg(&POD_OS), K),
        (37, "hostUsers", Bool, K),
        (38, "schedulingGates", Msg(&POD_SCHEDULING_GATE), R),
        (39, "resourceClaims", Msg(&POD_RESOURCE_CLAIM), R),
        (40, "resources", Msg(&RESOURCE_REQUIREMENTS), K),
        (41, "hostnameOverride", Str, K),
        (43, "schedulingGroup", Msg(&POD_SCHEDULING_GROUP), K),
    ],
};
static POD_STATUS: Message = Message {
    name: "core/v1.PodStatus",
    fields: &[
        (1, "phase", Str, O),
        (2, "conditions", Msg(&POD_CONDITION), R),
        (3, "message", Str, O),
        (4, "reason", Str, O),
        (5, "hostIP", Str, O),
        (6, "podIP", Str, O),
        (7, "startTime", Time, K),
        (8, "containerStatuses", Msg(&CONTAINER_STATUS), R),
        (9, "qosClass", Str, O),
        (10, "initContainerStatuses", Msg(&CONTAINER_STATUS), R),
        (11, "nominatedNodeName", Str, O),
        (12, "podIPs", Msg(&POD_IP), R),
        (13, "ephemeralContainerStatuses", Msg(&CONTAINER_STATUS), R),
        (14, "resize", Str, O),
        (
            15,
            "resourceClaimStatuses",
            Msg(&POD_RESOURCE_CLAIM_STATUS),
            R,
        ),
        (16, "hostIPs", Msg(&HOST_IP), R),
        (17, "observedGeneration", I64, O),
        (
            18,
            "extendedResourceClaimStatus",
            Msg(&POD_EXTENDED_RESOURCE_CLAIM_STATUS),
            K,
        ),
        (19, "allocatedResources", QuantityMap, O),
        (20, "resources", Msg(&RESOURCE_REQUIREMENTS), K),
        (
            21,
            "nodeAllocatableResourceClaimStatuses",
            Msg(&NODE_ALLOCATABLE_RESOURCE_CLAIM_STATUS),
            R,
        ),
    ],
};
static POD_TEMPLATE_SPEC: Message = Message {
    name: "core/v1.PodTemplateSpec",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&POD_SPEC), O),
    ],
};
static PORTWORX_VOLUME_SOURCE: Message = Message {
    name: "core/v1.PortworxVolumeSource",
    fields: &[
        (1, "volumeID", Str, K),
        (2, "fsType", Str, O),
        (3, "readOnly", Bool, O),
    ],
};
static PORT_STATUS: Message = Message {
    name: "core/v1.PortStatus",
    fields: &[
        (1, "port", I32, K),
        (2, "protocol", Str, K),
        (3, "error", Str, K),
    ],
};
static PRECONDITIONS: Message = Message {
    name: "meta/v1.Preconditions",
    fields: &[(1, "uid", Str, K), (2, "resourceVersion", Str, K)],
};
static PREFERRED_SCHEDULING_TERM: Message = Message {
    name: "core/v1.PreferredSchedulingTerm",
    fields: &[
        (1, "weight", I32, K),
        (2, "preference", Msg(&NODE_SELECTOR_TERM), K),
    ],
};
static PROBE: Message = Message {
    name: "core/v1.Probe",
    fields: &[
        (1, "", Inline(&PROBE_HANDLER), K),
        (2, "initialDelaySeconds", I32, O),
        (3, "timeoutSeconds", I32, O),
        (4, "periodSeconds", I32, O),
        (5, "successThreshold", I32, O),
        (6, "failureThreshold", I32, O),
        (7, "terminationGracePeriodSeconds", I64, K),
    ],
};
static PROBE_HANDLER: Message = Message {
    name: "core/v1.ProbeHandler",
    fields: &[
        (1, "exec", Msg(&EXEC_ACTION), K),
        (2, "httpGet", Msg(&HTTP_GET_ACTION), K),
        (3, "tcpSocket", Msg(&TCP_SOCKET_ACTION), K),
        (4, "grpc", Msg(&GRPC_ACTION), K),
    ],
};
static PROJECTED_VOLUME_SOURCE: Message = Message {
    name: "core/v1.ProjectedVolumeSource",
    fields: &[
        (1, "sources", Msg(&VOLUME_PROJECTION), R),
        (2, "defaultMode", I32, K),
    ],
};
static QUOBYTE_VOLUME_SOURCE: Message = Message {
    name: "core/v1.QuobyteVolumeSource",
    fields: &[
        (1, "registry", Str, K),
        (2, "volume", Str, K),
        (3, "readOnly", Bool, O),
        (4, "user", Str, O),
        (5, "group", Str, O),
        (6, "tenant", Str, O),
    ],
};
static RBD_VOLUME_SOURCE: Message = Message {
    name: "core/v1.RBDVolumeSource",
    fields: &[
        (1, "monitors", Str, R),
        (2, "image", Str, K),
        (3, "fsType", Str, O),
        (4, "pool", Str, O),
        (5, "user", Str, O),
        (6, "keyring", Str, O),
        (7, "secretRef", Msg(&LOCAL_OBJECT_REFERENCE), K),
        (8, "readOnly", Bool, O),
    ],
};
static REPLICA_SET: Message = Message {
    name: "apps/v1.ReplicaSet",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&REPLICA_SET_SPEC), O),
        (3, "status", Msg(&REPLICA_SET_STATUS), O),
    ],
};
static REPLICA_SET_CONDITION: Message = Message {
    name: "apps/v1.ReplicaSetCondition",
    fields: &[
        (1, "type", Str, K),
        (2, "status", Str, K),
        (3, "lastTransitionTime", Time, O),
        (4, "reason", Str, O),
        (5, "message", Str, O),
    ],
};
static REPLICA_SET_SPEC: Message = Message {
    name: "apps/v1.ReplicaSetSpec",
    fields: &[
        (1, "replicas", I32, K),
        (2, "selector", Msg(&LABEL_SELECTOR), K),
        (3, "template", Msg(&POD_TEMPLATE_SPEC), O),
        (4, "minReadySeconds", I32, O),
    ],
};
static REPLICA_SET_STATUS: Message = Message {
    name: "apps/v1.ReplicaSetStatus",
    fields: &[
        (1, "replicas", I32, K),
        (2, "fullyLabeledReplicas", I32, O),
        (3, "observedGeneration", I64, O),
        (4, "readyReplicas", I32, O),
        (5, "availableReplicas", I32, O),
        (6, "conditions", Msg(&REPLICA_SET_CONDITION), R),
        (7, "terminatingReplicas", I32, K),
    ],
};
static RESOURCE_CLAIM: Message = Message {
    name: "core/v1.ResourceClaim",
    fields: &[(1, "name", Str, K), (2, "request", Str, O)],
};
static RESOURCE_FIELD_SELECTOR: Message = Message {
    name: "core/v1.ResourceFieldSelector",
    fields: &[
        (1, "containerName", Str, O),
        (2, "resource", Str, K),
        (3, "divisor", Quantity, O),
    ],
};
static RESOURCE_HEALTH: Message = Message {
    name: "core/v1.ResourceHealth",
    fields: &[
        (1, "resourceID", Str, K),
        (2, "health", Str, O),
        (6, "message", Str, K),
    ],
};
static RESOURCE_REQUIREMENTS: Message = Message {
    name: "core/v1.ResourceRequirements",
    fields: &[
        (1, "limits", QuantityMap, O),
        (2, "requests", QuantityMap, O),
        (3, "claims", Msg(&RESOURCE_CLAIM), R),
    ],
};
static RESOURCE_STATUS: Message = Message {
    name: "core/v1.ResourceStatus",
    fields: &[
        (1, "name", Str, K),
        (2, "resources", Msg(&RESOURCE_HEALTH), R),
    ],
};
static ROLLING_UPDATE_DAEMON_SET: Message = Message {
    name: "apps/v1.RollingUpdateDaemonSet",
    fields: &[
        (1, "maxUnavailable", IntOrString, K),
        (2, "maxSurge", IntOrString, K),
    ],
};
static ROLLING_UPDATE_DEPLOYMENT: Message = Message {
    name: "apps/v1.RollingUpdateDeployment",
    fields: &[
        (1, "maxUnavailable", IntOrString, K),
        (2, "maxSurge", IntOrString, K),
    ],
};
static SCALE: Message = Message {
    name: "autoscaling/v1.Scale",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&SCALE_SPEC), O),
        (3, "status", Msg(&SCALE_STATUS), O),
    ],
};
static SCALE_IO_VOLUME_SOURCE: Message = Message {
    name: "core/v1.ScaleIOVolumeSource",
    fields: &[
        (1, "gateway", Str, K),
        (2, "system", Str, K),
        (3, "secretRef", Msg(&LOCAL_OBJECT_REFERENCE), K),
        (4, "sslEnabled", Bool, O),
        (5, "protectionDomain", Str, O),
        (6, "storagePool", Str, O),
        (7, "storageMode", Str, O),
        (8, "volumeName", Str, O),
        (9, "fsType", Str, O),
        (10, "readOnly", Bool, O),
    ],
};
static SCALE_SPEC: Message = Message {
    name: "autoscaling/v1.ScaleSpec",
    fields: &[(1, "replicas", I32, O)],
};
static SCALE_STATUS: Message = Message {
    name: "autoscaling/v1.ScaleStatus",
    fields: &[(1, "replicas", I32, K), (2, "selector", Str, O)],
};
static SECCOMP_PROFILE: Message = Message {
    name: "core/v1.SeccompProfile",
    fields: &[(1, "type", Str, K), (2, "localhostProfile", Str, K)],
};
static SECRET: Message = Message {
    name: "core/v1.Secret",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "data", BytesMap, O),
        (3, "type", Str, O),
        (4, "stringData", StrMap, O),
        (5, "immutable", Bool, K),
    ],
};
static SECRET_ENV_SOURCE: Message = Message {
    name: "core/v1.SecretEnvSource",
    fields: &[
        (1, "", Inline(&LOCAL_OBJECT_REFERENCE), K),
        (2, "optional", Bool, K),
    ],
};
static SECRET_KEY_SELECTOR: Message = Message {
    name: "core/v1.SecretKeySelector",
    fields: &[
        (1, "", Inline(&LOCAL_OBJECT_REFERENCE), K),
        (2, "key", Str, K),
        (3, "optional", Bool, K),
    ],
};
static SECRET_PROJECTION: Message = Message {
    name: "core/v1.SecretProjection",
    fields: &[
        (1, "", Inline(&LOCAL_OBJECT_REFERENCE), K),
        (2, "items", Msg(&KEY_TO_PATH), R),
        (4, "optional", Bool, K),
    ],
};
static SECRET_VOLUME_SOURCE: Message = Message {
    name: "core/v1.SecretVolumeSource",
    fields: &[
        (1, "secretName", Str, O),
        (2, "items", Msg(&KEY_TO_PATH), R),
        (3, "defaultMode", I32, K),
        (4, "optional", Bool, K),
    ],
};
static SECURITY_CONTEXT: Message = Message {
    name: "core/v1.SecurityContext",
    fields: &[
        (1, "capabilities", Msg(&CAPABILITIES), K),
        (2, "privileged", Bool, K),
        (3, "seLinuxOptions", Msg(&SE_LINUX_OPTIONS), K),
        (4, "runAsUser", I64, K),
        (5, "runAsNonRoot", Bool, K),
        (6, "readOnlyRootFilesystem", Bool, K),
        (7, "allowPrivilegeEscalation", Bool, K),
        (8, "runAsGroup", I64, K),
        (9, "procMount", Str, K),
        (
            10,
            "windowsOptions",
            Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS),
            K,
        ),
        (11, "seccompProfile", Msg(&SECCOMP_PROFILE), K),
        (12, "appArmorProfile", Msg(&APP_ARMOR_PROFILE), K),
    ],
};
static SERVICE: Message = Message {
    name: "core/v1.Service",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "spec", Msg(&SERVICE_SPEC), O),
        (3, "status", Msg(&SERVICE_STATUS), O),
    ],
};
static SERVICE_ACCOUNT: Message = Message {
    name: "core/v1.ServiceAccount",
    fields: &[
        (1, "metadata", Msg(&OBJECT_META), O),
        (2, "secrets", Msg(&OBJECT_REFERENCE), R),
        (3, "imagePullSecrets", Msg(&LOCAL_OBJECT_REFERENCE), R),
        (4, "automountServiceAccountToken", Bool, K),
    ],
};
static SERVICE_ACCOUNT_TOKEN_PROJECTION: Message = Message {
    name: "core/v1.ServiceAccountTokenProjection",
    fields: &[
        (1, "audience", Str, O),
        (2, "expirationSeconds", I64, K),
        (3, "path", Str, K),
    ],
};
static SERVICE_PORT: Message = Message {
    name: "core/v1.ServicePort",
    fields: &[
        (1, "name", Str, O),
        (2, "protocol", Str, O),
        (3, "port", I32, K),
        (4, "targetPort", IntOrString, O),
        (5, "nodePort", I32, O),
        (6, "appProtocol", Str, K),
    ],
};
static SERVICE_SPEC: Message = Message {
    name: "core/v1.ServiceSpec",
    fields: &[
        (1, "ports", Msg(&SERVICE_PORT), R),
        (2, "selector", StrMap, O),
        (3, "clusterIP", Str, O),
        (4, "type", Str, O),
        (5, "externalIPs", Str, R),
        (7, "sessionAffinity", Str, O),
        (8, "loadBalancerIP", Str, O),
        (9, "loadBalancerSourceRanges", Str, R),
        (10, "externalName", Str, O),
        (11, "externalTrafficPolicy", Str, O),
        (12, "healthCheckNodePort", I32, O),
        (13, "publishNotReadyAddresses", Bool, O),
        (
            14,
            "sessionAffinityConfig",
            Msg(&SESSION_AFFINITY_CONFIG),
            K,
        ),
        (17, "ipFamilyPolicy", Str, K),
        (18, "clusterIPs", Str, R),
        (19, "ipFamilies", Str, R),
        (20, "allocateLoadBalancerNodePorts", Bool, K),
        (21, "loadBalancerClass", Str, K),
        (22, "internalTrafficPolicy", Str, K),
        (23, "trafficDistribution", Str, K),
    ],
};
static SERVICE_STATUS: Message = Message {
    name: "core/v1.ServiceStatus",
    fields: &[
        (1, "loadBalancer", Msg(&LOAD_BALANCER_STATUS), O),
        (2, "conditions", Msg(&CONDITION), R),
    ],
};
static SESSION_AFFINITY_CONFIG: Message = Message {
    name: "core/v1.SessionAffinityConfig",
    fields: &[(1, "clientIP", Msg(&CLIENT_IP_CONFIG), K)],
};
static SE_LINUX_OPTIONS: Message = Message {
    name: "core/v1.SELinuxOptions",
    fields: &[
        (1, "user", Str, O),
        (2, "role", Str, O),
        (3, "type", Str, O),
        (4, "level", Str, O),
    ],
};
static SLEEP_ACTION: Message = Message {
    name: "core/v1.SleepAction",
    fields: &[(1, "seconds", I64, K)],
};
static STORAGE_OS_VOLUME_SOURCE: Message = Message {
    name: "core/v1.StorageOSVolumeSource",
    fields: &[
        (1, "volumeName", Str, O),
        (2, "volumeNamespace", Str, O),
        (3, "fsType", Str, O),
        (4, "readOnly", Bool, O),
        (5, "secretRef", Msg(&LOCAL_OBJECT_REFERENCE), K),
    ],
};
static SUCCESS_POLICY: Message = Message {
    name: "batch/v1.SuccessPolicy",
    fields: &[(1, "rules", Msg(&SUCCESS_POLICY_RULE), R)],
};
static SUCCESS_POLICY_RULE: Message = Message {
    name: "batch/v1.SuccessPolicyRule",
    fields: &[
        (1, "succeededIndexes", Str, K),
        (2, "succeededCount", I32, K),
    ],
};
static SYSCTL: Message = Message {
    name: "core/v1.Sysctl",
    fields: &[(1, "name", Str, K), (2, "value", Str, K)],
};
static TAINT: Message = Message {
    name: "core/v1.Taint",
    fields: &[
        (1, "key", Str, K),
        (2, "value", Str, O),
        (3, "effect", Str, K),
        (4, "timeAdded", Time, K),
    ],
};
static TCP_SOCKET_ACTION: Message = Message {
    name: "core/v1.TCPSocketAction",
    fields: &[(1, "port", IntOrString, K), (2, "host", Str, O)],
};
static TOLERATION: Message = Message {
    name: "core/v1.Toleration",
    fields: &[
        (1, "key", Str, O),
        (2, "operator", Str, O),
        (3, "value", Str, O),
        (4, "effect", Str, O),
        (5, "tolerationSeconds", I64, K),
    ],
};
static TOPOLOGY_SPREAD_CONSTRAINT: Message = Message {
    name: "core/v1.TopologySpreadConstraint",
    fields: &[
        (1, "maxSkew", I32, K),
        (2, "topologyKey", Str, K),
        (3, "whenUnsatisfiable", Str, K),
        (4, "labelSelector", Msg(&LABEL_SELECTOR), K),
        (5, "minDomains", I32, K),
        (6, "nodeAffinityPolicy", Str, K),
        (7, "nodeTaintsPolicy", Str, K),
        (8, "matchLabelKeys", Str, R),
    ],
};
static TYPED_LOCAL_OBJECT_REFERENCE: Message = Message {
    name: "core/v1.TypedLocalObjectReference",
    fields: &[
        (1, "apiGroup", Str, K),
        (2, "kind", Str, K),
        (3, "name", Str, K),
    ],
};
static TYPED_OBJECT_REFERENCE: Message = Message {
    name: "core/v1.TypedObjectReference",
    fields: &[
        (1, "apiGroup", Str, K),
        (2, "kind", Str, K),
        (3, "name", Str, K),
        (4, "namespace", Str, K),
    ],
};
static UNCOUNTED_TERMINATED_PODS: Message = Message {
    name: "batch/v1.UncountedTerminatedPods",
    fields: &[(1, "succeeded", Str, R), (2, "failed", Str, R)],
};
static VOLUME: Message = Message {
    name: "core/v1.Volume",
    fields: &[(1, "name", Str, K), (2, "", Inline(&VOLUME_SOURCE), K)],
};
static VOLUME_DEVICE: Message = Message {
    name: "core/v1.VolumeDevice",
    fields: &[(1, "name", Str, K), (2, "devicePath", Str, K)],
};
static VOLUME_MOUNT: Message = Message {
    name: "core/v1.VolumeMount",
    fields: &[
        (1, "name", Str, K),
        (2, "readOnly", Bool, O),
        (3, "mountPath", Str, K),
        (4, "subPath", Str, O),
        (5, "mountPropagation", Str, K),
        (6, "subPathExpr", Str, O),
        (7, "recursiveReadOnly", Str, K),
    ],
};
static VOLUME_MOUNT_STATUS: Message = Message {
    name: "core/v1.VolumeMountStatus",
    fields: &[
        (1, "name", Str, K),
        (2, "mountPath", Str, K),
        (3, "readOnly", Bool, O),
        (4, "recursiveReadOnly", Str, K),
        (5, "volumeStatus", Msg(&VOLUME_STATUS), K),
    ],
};
static VOLUME_PROJECTION: Message = Message {
    name: "core/v1.VolumeProjection",
    fields: &[
        (1, "secret", Msg(&SECRET_PROJECTION), K),
        (2, "downwardAPI", Msg(&DOWNWARD_API_PROJECTION), K),
        (3, "configMap", Msg(&CONFIG_MAP_PROJECTION), K),
        (
            4,
            "serviceAccountToken",
            Msg(&SERVICE_ACCOUNT_TOKEN_PROJECTION),
            K,
        ),
        (
            5,
            "clusterTrustBundle",
            Msg(&CLUSTER_TRUST_BUNDLE_PROJECTION),
            K,
        ),
        (6, "podCertificate", Msg(&POD_CERTIFICATE_PROJECTION), K),
    ],
};
static VOLUME_RESOURCE_REQUIREMENTS: Message = Message {
    name: "core/v1.VolumeResourceRequirements",
    fields: &[
        (1, "limits", QuantityMap, O),
        (2, "requests", QuantityMap, O),
    ],
};
static VOLUME_SOURCE: Message = Message {
    name: "core/v1.VolumeSource",
    fields: &[
        (1, "hostPath", Msg(&HOST_PATH_VOLUME_SOURCE), K),
        (2, "emptyDir", Msg(&EMPTY_DIR_VOLUME_SOURCE), K),
        (
            3,
            "gcePersistentDisk",
            Msg(&GCE_PERSISTENT_DISK_VOLUME_SOURCE),
            K,
        ),
        (
            4,
            "awsElasticBlockStore",
            Msg(&AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE),
            K,
        ),
        (5, "gitRepo", Msg(&GIT_REPO_VOLUME_SOURCE), K),
        (6, "secret", Msg(&SECRET_VOLUME_SOURCE), K),
        (7, "nfs", Msg(&NFS_VOLUME_SOURCE), K),
        (8, "iscsi", Msg(&ISCSI_VOLUME_SOURCE), K),
        (9, "glusterfs", Msg(&GLUSTERFS_VOLUME_SOURCE), K),
        (
            10,
            "persistentVolumeClaim",
            Msg(&PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE),
            K,
        ),
        (11, "rbd", Msg(&RBD_VOLUME_SOURCE), K),
        (12, "flexVolume", Msg(&FLEX_VOLUME_SOURCE), K),
        (13, "cinder", Msg(&CINDER_VOLUME_SOURCE), K),
        (14, "cephfs", Msg(&CEPH_FS_VOLUME_SOURCE), K),
        (15, "flocker", Msg(&FLOCKER_VOLUME_SOURCE), K),
        (16, "downwardAPI", Msg(&DOWNWARD_API_VOLUME_SOURCE), K),
        (17, "fc", Msg(&FC_VOLUME_SOURCE), K),
        (18, "azureFile", Msg(&AZURE_FILE_VOLUME_SOURCE), K),
        (19, "configMap", Msg(&CONFIG_MAP_VOLUME_SOURCE), K),
        (
            20,
            "vsphereVolume",
            Msg(&VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE),
            K,
        ),
        (21, "quobyte", Msg(&QUOBYTE_VOLUME_SOURCE), K),
        (22, "azureDisk", Msg(&AZURE_DISK_VOLUME_SOURCE), K),
        (
            23,
            "photonPersistentDisk",
            Msg(&PHOTON_PERSISTENT_DISK_VOLUME_SOURCE),
            K,
        ),
        (24, "portworxVolume", Msg(&PORTWORX_VOLUME_SOURCE), K),
        (25, "scaleIO", Msg(&SCALE_IO_VOLUME_SOURCE), K),
        (26, "projected", Msg(&PROJECTED_VOLUME_SOURCE), K),
        (27, "storageos", Msg(&STORAGE_OS_VOLUME_SOURCE), K),
        (28, "csi", Msg(&CSI_VOLUME_SOURCE), K),
        (29, "ephemeral", Msg(&EPHEMERAL_VOLUME_SOURCE), K),
        (30, "image", Msg(&IMAGE_VOLUME_SOURCE), K),
    ],
};
static VOLUME_STATUS: Message = Message {
    name: "core/v1.VolumeStatus",
    fields: &[(1, "image", Msg(&IMAGE_VOLUME_STATUS), K)],
};
static VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE: Message = Message {
    name: "core/v1.VsphereVirtualDiskVolumeSource",
    fields: &[
        (1, "volumePath", Str, K),
        (2, "fsType", Str, O),
        (3, "storagePolicyName", Str, O),
        (4, "storagePolicyID", Str, O),
    ],
};
static WEIGHTED_POD_AFFINITY_TERM: Message = Message {
    name: "core/v1.WeightedPodAffinityTerm",
    fields: &[
        (1, "weight", I32, K),
        (2, "podAffinityTerm", Msg(&POD_AFFINITY_TERM), K),
    ],
};
static WINDOWS_SECURITY_CONTEXT_OPTIONS: Message = Message {
    name: "core/v1.WindowsSecurityContextOptions",
    fields: &[
        (1, "gmsaCredentialSpecName", Str, K),
        (2, "gmsaCredentialSpec", Str, K),
        (3, "runAsUserName", Str, K),
        (4, "hostProcess", Bool, K),
    ],
};
