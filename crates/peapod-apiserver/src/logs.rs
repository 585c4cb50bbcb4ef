//! pods/log: why a container's log cannot be served (the node agent serves it when it can).

use peapod_api::error::ApiError;
use serde_json::Value;

/// The error Kubernetes returns for a log request the node cannot answer yet, e.g.
/// `container "init-mydb" in pod "myapp-pod" is waiting to start: PodInitializing`.
pub fn unavailable_reason(pod: &Value, container: Option<&str>) -> ApiError {
    let pod_name = peapod_api::meta::name(pod);
    let names: Vec<String> = ["/spec/initContainers", "/spec/containers"]
        .iter()
        .flat_map(|p| {
            pod.pointer(p)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
        .collect();
    let app: Vec<&str> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let container = match container {
        Some(c) => c.to_string(),
        None if app.len() == 1 => app[0].to_string(),
        None => {
            return ApiError::BadRequest(format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                app.join(" ")
            ))
        }
    };
    if !names.contains(&container) {
        return ApiError::BadRequest(format!(
            "container {container} is not valid for pod {pod_name}"
        ));
    }
    let statuses = ["/status/initContainerStatuses", "/status/containerStatuses"]
        .iter()
        .flat_map(|p| {
            pod.pointer(p)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .find(|s| s.get("name").and_then(Value::as_str) == Some(container.as_str()));
    let reason = statuses
        .as_ref()
        .and_then(|s| s.pointer("/state/waiting/reason"))
        .and_then(Value::as_str)
        .unwrap_or("ContainerCreating");
    match statuses.as_ref().and_then(|s| s.get("state")) {
        Some(st) if st.get("running").is_some() || st.get("terminated").is_some() => {
            ApiError::Unavailable(format!("no node agent is serving logs for pod {pod_name}"))
        }
        _ => ApiError::BadRequest(format!(
            "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"
        )),
    }
}
