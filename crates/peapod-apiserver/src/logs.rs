//! pods/log: the API side of `kubectl logs`. The node agent supplies the log stream through the
//! `LogSource` trait (what the kubelet's /containerLogs endpoint is to a Kubernetes API server);
//! this module validates the request against the pod as Kubernetes does.

use bytes::Bytes;
use peapod_api::error::ApiError;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// The query options kubectl sends.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    pub follow: bool,
    pub previous: bool,
    pub timestamps: bool,
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<String>,
    pub limit_bytes: Option<i64>,
}

impl LogOptions {
    pub fn from_query(q: &HashMap<String, String>) -> Result<Self, ApiError> {
        let flag = |k: &str| q.get(k).is_some_and(|v| v == "true" || v == "1");
        let int = |k: &str| -> Result<Option<i64>, ApiError> {
            q.get(k)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<i64>().map_err(|_| {
                        ApiError::BadRequest(format!(
                            "{k}: invalid value {v:?}: must be an integer"
                        ))
                    })
                })
                .transpose()
        };
        Ok(LogOptions {
            follow: flag("follow"),
            previous: flag("previous"),
            timestamps: flag("timestamps"),
            tail_lines: int("tailLines")?,
            since_seconds: int("sinceSeconds")?,
            since_time: q.get("sinceTime").cloned(),
            limit_bytes: int("limitBytes")?,
        })
    }
}

pub type LogStream = tokio::sync::mpsc::Receiver<Bytes>;
pub type LogFuture = Pin<Box<dyn Future<Output = Result<LogStream, ApiError>> + Send>>;

/// Where log bytes come from (the node agent).
pub trait LogSource: Send + Sync {
    fn stream(&self, pod: &Value, container: &str, opts: &LogOptions) -> LogFuture;
}

fn names(pod: &Value, list: &str) -> Vec<String> {
    pod.pointer(&format!("/spec/{list}"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The status entry of the named container, whichever list (init, app, ephemeral) has it.
pub fn container_status(pod: &Value, container: &str) -> Option<Value> {
    [
        "/status/initContainerStatuses",
        "/status/containerStatuses",
        "/status/ephemeralContainerStatuses",
    ]
    .iter()
    .filter_map(|p| pod.pointer(p).and_then(Value::as_array))
    .flatten()
    .find(|s| s.get("name").and_then(Value::as_str) == Some(container))
    .cloned()
}

/// Picks the container a log request is for and checks it can have logs, with Kubernetes'
/// messages, e.g. `container "init-mydb" in pod "myapp-pod" is waiting to start: PodInitializing`.
pub fn check_request(
    pod: &Value,
    container: Option<&str>,
    opts: &LogOptions,
) -> Result<String, ApiError> {
    let pod_name = peapod_api::meta::name(pod);
    let app = names(pod, "containers");
    let init = names(pod, "initContainers");
    let container = match container.filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None if app.len() == 1 => app[0].clone(),
        None => {
            let mut msg = format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                app.join(" ")
            );
            if !init.is_empty() {
                msg.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            return Err(ApiError::BadRequest(msg));
        }
    };
    let ephemeral = names(pod, "ephemeralContainers");
    if !app.contains(&container) && !init.contains(&container) && !ephemeral.contains(&container) {
        return Err(ApiError::BadRequest(format!(
            "container {container} is not valid for pod {pod_name}"
        )));
    }
    let status = container_status(pod, &container);
    if opts.previous {
        if status
            .as_ref()
            .and_then(|s| s.pointer("/lastState/terminated"))
            .is_none()
        {
            return Err(ApiError::BadRequest(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            )));
        }
        return Ok(container);
    }
    let waiting_reason = |s: &Value| {
        s.pointer("/state/waiting").map(|w| {
            w.get("reason")
                .and_then(Value::as_str)
                .unwrap_or("ContainerCreating")
                .to_string()
        })
    };
    match status.as_ref() {
        None => Err(ApiError::BadRequest(format!("container \"{container}\" in pod \"{pod_name}\" is waiting to start: ContainerCreating"))),
        Some(s) => match waiting_reason(s) {
            // A container waiting to be restarted still has the log of its last run.
            Some(_) if s.pointer("/lastState/terminated").is_some() => Ok(container),
            Some(reason) => Err(ApiError::BadRequest(format!("container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"))),
            None => Ok(container),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn waiting_container_has_no_logs_yet() {
        let pod = json!({"metadata": {"name": "myapp-pod"}, "spec": {"initContainers": [{"name": "init-mydb"}], "containers": [{"name": "app"}]},
            "status": {"initContainerStatuses": [{"name": "init-mydb", "state": {"waiting": {"reason": "PodInitializing"}}}]}});
        let e = check_request(&pod, Some("init-mydb"), &LogOptions::default()).unwrap_err();
        assert_eq!(
            e.message(),
            "container \"init-mydb\" in pod \"myapp-pod\" is waiting to start: PodInitializing"
        );
        let e = check_request(
            &pod,
            Some("app"),
            &LogOptions {
                previous: true,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "previous terminated container \"app\" in pod \"myapp-pod\" not found"
        );
    }
}
