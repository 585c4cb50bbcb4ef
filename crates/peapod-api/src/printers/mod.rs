//! Server-side Table printing: the columns and cells a Kubernetes 1.33 API server returns for
//! `kubectl get` (upstream `pkg/printers/internalversion/printers.go`), computed straight from
//! an object's JSON.
//!
//! Like the upstream server (which always prints with `Wide: true`), every row carries the
//! `-o wide` cells too; kubectl hides columns with priority > 0 unless asked for them.
//! Resources without a printer get apiserver's default "Name" + "Created At" columns.

mod cluster;
mod columns;
mod format;
mod network;
mod pod;
mod workloads;

use serde_json::Value;

use crate::table::{TableColumnDefinition, TableRowCondition};

pub use format::human_duration;

/// The printers implemented here; one per resource (events.k8s.io Events share core's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Printer {
    Pod,
    Service,
    Endpoints,
    EndpointSlice,
    Node,
    Namespace,
    Deployment,
    ReplicaSet,
    DaemonSet,
    Job,
    Event,
    ConfigMap,
    Secret,
    ServiceAccount,
    Lease,
    Default,
}

impl Printer {
    /// By plural resource name; a `.group` suffix (as in `deployments.apps`) is ignored.
    fn for_resource(resource: &str) -> Printer {
        let plural = resource.split('.').next().unwrap_or_default();
        match plural {
            "pods" => Printer::Pod,
            "services" => Printer::Service,
            "endpoints" => Printer::Endpoints,
            "endpointslices" => Printer::EndpointSlice,
            "nodes" => Printer::Node,
            "namespaces" => Printer::Namespace,
            "deployments" => Printer::Deployment,
            "replicasets" => Printer::ReplicaSet,
            "daemonsets" => Printer::DaemonSet,
            "jobs" => Printer::Job,
            "events" => Printer::Event,
            "configmaps" => Printer::ConfigMap,
            "secrets" => Printer::Secret,
            "serviceaccounts" => Printer::ServiceAccount,
            "leases" => Printer::Lease,
            _ => Printer::Default,
        }
    }
}

/// Column definitions for a resource (plural name, e.g. "pods", "deployments"; group ignored).
/// Unknown resources get apiserver's DefaultTableConvertor columns: "Name" and "Created At".
pub fn column_definitions(resource: &str) -> Vec<TableColumnDefinition> {
    columns::for_printer(Printer::for_resource(resource))
}

/// The cells of one row (one per column of [`column_definitions`], wide columns included),
/// computed from the object's JSON as seen at `now_unix_secs`.
pub fn row_cells(resource: &str, obj: &Value, now_unix_secs: i64) -> Vec<Value> {
    let now = now_unix_secs;
    match Printer::for_resource(resource) {
        Printer::Pod => pod::cells(obj, now),
        Printer::Service => network::service_cells(obj, now),
        Printer::Endpoints => network::endpoints_cells(obj, now),
        Printer::EndpointSlice => network::endpoint_slice_cells(obj, now),
        Printer::Node => cluster::node_cells(obj, now),
        Printer::Namespace => cluster::namespace_cells(obj, now),
        Printer::Deployment => workloads::deployment_cells(obj, now),
        Printer::ReplicaSet => workloads::replica_set_cells(obj, now),
        Printer::DaemonSet => workloads::daemon_set_cells(obj, now),
        Printer::Job => workloads::job_cells(obj, now),
        Printer::Event => cluster::event_cells(obj, now),
        Printer::ConfigMap => cluster::config_map_cells(obj, now),
        Printer::Secret => cluster::secret_cells(obj, now),
        Printer::ServiceAccount => cluster::service_account_cells(obj, now),
        Printer::Lease => cluster::lease_cells(obj, now),
        Printer::Default => default_cells(obj),
    }
}

/// Row conditions: upstream marks Succeeded and Failed pods `Completed`; nothing else has any.
pub fn row_conditions(resource: &str, obj: &Value) -> Vec<TableRowCondition> {
    if Printer::for_resource(resource) != Printer::Pod {
        return Vec::new();
    }
    let (reason, message) = match format::str_at(obj, &["status", "phase"]) {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return Vec::new(),
    };
    vec![TableRowCondition {
        type_: "Completed".to_string(),
        status: "True".to_string(),
        reason: reason.to_string(),
        message: message.to_string(),
    }]
}

/// DefaultTableConvertor: the name and the creation time in RFC 3339 (UTC, seconds); Go's zero
/// time when unset.
fn default_cells(obj: &Value) -> Vec<Value> {
    let created = format::time_at(obj, &["metadata", "creationTimestamp"])
        .and_then(|s| k8s_openapi::jiff::Timestamp::from_second(s).ok())
        .map(|ts| ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "0001-01-01T00:00:00Z".to_string());
    vec![format::name(obj), Value::from(created)]
}

#[cfg(test)]
pub(crate) mod test_util {
    use serde_json::Value;

    /// A fixed "now" for all printer tests.
    pub const NOW: i64 = 1_750_000_000;

    /// RFC 3339 for `NOW - secs_ago`.
    pub fn ago(secs_ago: i64) -> String {
        match k8s_openapi::jiff::Timestamp::from_second(NOW - secs_ago) {
            Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Err(e) => panic!("bad test timestamp: {e}"),
        }
    }

    /// Asserts the leading cells of `resource`'s row for `obj` (all cells when `expected` is
    /// as long as the column list).
    #[track_caller]
    pub fn check(resource: &str, obj: Value, expected: &[Value]) {
        let cells = super::row_cells(resource, &obj, NOW);
        let columns = super::column_definitions(resource);
        assert_eq!(cells.len(), columns.len(), "one cell per column");
        assert!(expected.len() <= cells.len());
        assert_eq!(&cells[..expected.len()], expected, "object: {obj}");
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_resource_uses_default_convertor() {
        let cols: Vec<(String, String)> = column_definitions("widgets")
            .into_iter()
            .map(|c| (c.name, c.type_))
            .collect();
        assert_eq!(
            cols,
            [
                ("Name".to_string(), "string".to_string()),
                ("Created At".to_string(), "date".to_string())
            ]
        );
        check(
            "widgets",
            json!({"metadata": {"name": "w", "creationTimestamp": "2024-05-06T07:08:09+02:00"}}),
            &[json!("w"), json!("2024-05-06T05:08:09Z")],
        );
        check(
            "widgets",
            json!({"metadata": {"name": "w"}}),
            &[json!("w"), json!("0001-01-01T00:00:00Z")],
        );
    }

    #[test]
    fn group_suffix_and_headers() {
        let names: Vec<String> = column_definitions("deployments.apps")
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            names,
            [
                "Name",
                "Ready",
                "Up-to-date",
                "Available",
                "Age",
                "Containers",
                "Images",
                "Selector"
            ]
        );
        let pods = column_definitions("pods");
        let wide: Vec<&str> = pods
            .iter()
            .filter(|c| c.priority == 1)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(wide, ["IP", "Node", "Nominated Node", "Readiness Gates"]);
        assert_eq!(pods[0].format, "name");
        assert_eq!(pods[3].type_, "string");
    }

    #[test]
    fn pod_row_conditions() {
        let done = json!({"status": {"phase": "Succeeded"}});
        let conds = row_conditions("pods", &done);
        assert_eq!(conds.len(), 1);
        assert_eq!(
            (conds[0].type_.as_str(), conds[0].reason.as_str()),
            ("Completed", "Succeeded")
        );
        assert_eq!(
            row_conditions("pods", &json!({"status": {"phase": "Failed"}}))[0].message,
            "The pod failed."
        );
        assert!(row_conditions("pods", &json!({"status": {"phase": "Running"}})).is_empty());
        assert!(row_conditions("jobs", &done).is_empty());
    }
}
