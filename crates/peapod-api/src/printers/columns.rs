//! Column definitions per resource, as registered in upstream `AddHandlers`. Descriptions are
//! the Go SwaggerDoc strings of the fields behind each column.

use super::Printer;
use crate::table::TableColumnDefinition;

/// (name, type, format, priority, description)
type Col = (&'static str, &'static str, &'static str, i32, &'static str);

const NAME: Col = ("Name", "string", "name", 0, META_NAME);
const AGE: Col = ("Age", "string", "", 0, META_CREATED);
const CONTAINERS: Col = (
    "Containers",
    "string",
    "",
    1,
    "Names of each container in the template.",
);
const IMAGES: Col = (
    "Images",
    "string",
    "",
    1,
    "Images referenced by each container in the template.",
);

pub(super) fn for_printer(p: Printer) -> Vec<TableColumnDefinition> {
    let cols: &[Col] = match p {
        Printer::Pod => &[
            NAME,
            ("Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."),
            ("Status", "string", "", 0, "The aggregate status of the containers in this pod."),
            ("Restarts", "string", "", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            AGE,
            ("IP", "string", "", 1, POD_IP),
            ("Node", "string", "", 1, POD_NODE),
            ("Nominated Node", "string", "", 1, POD_NOMINATED),
            ("Readiness Gates", "string", "", 1, POD_GATES),
        ],
        Printer::Service => &[
            NAME,
            ("Type", "string", "", 0, SVC_TYPE),
            ("Cluster-IP", "string", "", 0, SVC_CLUSTERIP),
            ("External-IP", "string", "", 0, SVC_EXTERNALIPS),
            ("Port(s)", "string", "", 0, SVC_PORTS),
            AGE,
            ("Selector", "string", "", 1, SVC_SELECTOR),
        ],
        Printer::Endpoints => &[NAME, ("Endpoints", "string", "", 0, EP_SUBSETS), AGE],
        Printer::EndpointSlice => &[
            NAME,
            ("AddressType", "string", "", 0, EPS_ADDRTYPE),
            ("Ports", "string", "", 0, EPS_PORTS),
            ("Endpoints", "string", "", 0, EPS_ENDPOINTS),
            AGE,
        ],
        Printer::Node => &[
            NAME,
            ("Status", "string", "", 0, "The status of the node"),
            ("Roles", "string", "", 0, "The roles of the node"),
            AGE,
            ("Version", "string", "", 0, NODE_KUBELET),
            ("Internal-IP", "string", "", 1, NODE_ADDRESSES),
            ("External-IP", "string", "", 1, NODE_ADDRESSES),
            ("OS-Image", "string", "", 1, NODE_OSIMAGE),
            ("Kernel-Version", "string", "", 1, NODE_KERNEL),
            ("Container-Runtime", "string", "", 1, NODE_CRI),
        ],
        Printer::Namespace => &[NAME, ("Status", "string", "", 0, "The status of the namespace"), AGE],
        Printer::Deployment => &[
            NAME,
            ("Ready", "string", "", 0, "Number of the pod with ready state"),
            ("Up-to-date", "string", "", 0, DEP_UPDATED),
            ("Available", "string", "", 0, DEP_AVAILABLE),
            AGE,
            CONTAINERS,
            IMAGES,
            ("Selector", "string", "", 1, DEP_SELECTOR),
        ],
        Printer::ReplicaSet => &[
            NAME,
            ("Desired", "integer", "", 0, RS_REPLICAS),
            ("Current", "integer", "", 0, RSS_REPLICAS),
            ("Ready", "integer", "", 0, RSS_READY),
            AGE,
            CONTAINERS,
            IMAGES,
            ("Selector", "string", "", 1, RS_SELECTOR),
        ],
        Printer::DaemonSet => &[
            NAME,
            ("Desired", "integer", "", 0, DS_DESIRED),
            ("Current", "integer", "", 0, DS_CURRENT),
            ("Ready", "integer", "", 0, DS_READY),
            ("Up-to-date", "integer", "", 0, DS_UPDATED),
            ("Available", "integer", "", 0, DS_AVAILABLE),
            ("Node Selector", "string", "", 0, POD_NODESEL),
            AGE,
            CONTAINERS,
            IMAGES,
            ("Selector", "string", "", 1, DS_SELECTOR),
        ],
        Printer::Job => &[
            NAME,
            ("Status", "string", "", 0, "Status of the job."),
            ("Completions", "string", "", 0, JOB_SUCCEEDED),
            ("Duration", "string", "", 0, "Time required to complete the job."),
            AGE,
            CONTAINERS,
            IMAGES,
            ("Selector", "string", "", 1, JOB_SELECTOR),
        ],
        Printer::Event => &[
            ("Last Seen", "string", "", 0, EV_LAST),
            ("Type", "string", "", 0, EV_TYPE),
            ("Reason", "string", "", 0, EV_REASON),
            ("Object", "string", "", 0, EV_INVOLVED),
            ("Subobject", "string", "", 1, OREF_FIELDPATH),
            ("Source", "string", "", 1, EV_SOURCE),
            ("Message", "string", "", 0, EV_MESSAGE),
            ("First Seen", "string", "", 1, EV_FIRST),
            ("Count", "string", "", 1, EV_COUNT),
            ("Name", "string", "name", 1, META_NAME),
        ],
        Printer::ConfigMap => &[NAME, ("Data", "string", "", 0, CM_DATA), AGE],
        Printer::Secret => &[
            NAME,
            ("Type", "string", "", 0, SECRET_TYPE),
            ("Data", "string", "", 0, SECRET_DATA),
            AGE,
        ],
        Printer::ServiceAccount => &[NAME, ("Secrets", "string", "", 0, SA_SECRETS), AGE],
        Printer::Lease => &[NAME, ("Holder", "string", "", 0, LEASE_HOLDER), AGE],
        // apiserver's DefaultTableConvertor, for resources without a printer.
        Printer::Default => &[NAME, ("Created At", "date", "", 0, META_CREATED)],
    };
    cols.iter()
        .map(
            |&(name, type_, format, priority, description)| TableColumnDefinition {
                name: name.to_string(),
                type_: type_.to_string(),
                format: format.to_string(),
                description: description.to_string(),
                priority,
            },
        )
        .collect()
}

// SwaggerDoc strings (from the v1.33 OpenAPI descriptions).
const META_NAME: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const META_CREATED: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const POD_IP: &str = "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.";
const POD_NOMINATED: &str = "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.";
const POD_NODE: &str = "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename";
const POD_GATES: &str = "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates";
const POD_NODESEL: &str = "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/";
const RS_REPLICAS: &str = "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset";
const RS_SELECTOR: &str = "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const RSS_REPLICAS: &str = "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset";
const RSS_READY: &str =
    "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.";
const DS_DESIRED: &str = "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";
const DS_CURRENT: &str = "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";
const DS_READY: &str = "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.";
const DS_UPDATED: &str = "The total number of nodes that are running updated daemon pod";
const DS_AVAILABLE: &str = "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)";
const DS_SELECTOR: &str = "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const DEP_UPDATED: &str = "Total number of non-terminating pods targeted by this deployment that have the desired template spec.";
const DEP_AVAILABLE: &str = "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.";
const DEP_SELECTOR: &str = "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.";
const JOB_SUCCEEDED: &str = "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.";
const JOB_SELECTOR: &str = "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const SVC_TYPE: &str = "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types";
const SVC_PORTS: &str = "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
const SVC_SELECTOR: &str = "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/";
const EP_SUBSETS: &str = "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.";
const NODE_KUBELET: &str = "Kubelet Version reported by the node.";
const NODE_OSIMAGE: &str =
    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).";
const NODE_KERNEL: &str =
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).";
const NODE_CRI: &str = "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).";
const NODE_ADDRESSES: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
const EV_LAST: &str = "The time at which the most recent occurrence of this event was recorded.";
const EV_FIRST: &str =
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)";
const EV_TYPE: &str =
    "Type of this event (Normal, Warning), new types could be added in the future";
const EV_REASON: &str = "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.";
const EV_INVOLVED: &str = "The object that this event is about.";
const EV_SOURCE: &str =
    "The component reporting this event. Should be a short machine understandable string.";
const EV_MESSAGE: &str = "A human-readable description of the status of this operation.";
const EV_COUNT: &str = "The number of times this event has occurred.";
const OREF_FIELDPATH: &str = "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.";
const SECRET_TYPE: &str = "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types";
const SECRET_DATA: &str = "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4";
const SA_SECRETS: &str = "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret";
const CM_DATA: &str = "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";
const LEASE_HOLDER: &str = "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.";
const EPS_ADDRTYPE: &str = "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name. (Deprecated) The EndpointSlice controller only generates, and kube-proxy only processes, slices of addressType \"IPv4\" and \"IPv6\". No semantics are defined for the \"FQDN\" type.";
const EPS_PORTS: &str = "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. Each slice may include a maximum of 100 ports. Services always have at least 1 port, so EndpointSlices generated by the EndpointSlice controller will likewise always have at least 1 port. EndpointSlices used for other purposes may have an empty ports list.";
const EPS_ENDPOINTS: &str = "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.";
const SVC_CLUSTERIP: &str = "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies";
const SVC_EXTERNALIPS: &str = "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.";
