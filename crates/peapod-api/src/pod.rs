//! Reading a pod's spec where several components need the same answer.

use serde_json::Value;

/// Every container port of the pod that asks for a hostPort (init containers included, as the
/// scheduler counts them), as it appears in the spec.
pub fn host_port_entries(pod: &Value) -> Vec<&Value> {
    ["/spec/initContainers", "/spec/containers"]
        .into_iter()
        .filter_map(|list| pod.pointer(list).and_then(Value::as_array))
        .flatten()
        .filter_map(|c| c.get("ports").and_then(Value::as_array))
        .flatten()
        .filter(|p| p.get("hostPort").and_then(Value::as_u64).unwrap_or(0) != 0)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_host_ports_of_all_containers() {
        let pod = serde_json::json!({"spec": {
            "initContainers": [{"ports": [{"containerPort": 1, "hostPort": 10}]}],
            "containers": [{"ports": [{"containerPort": 2}, {"containerPort": 3, "hostPort": 30}]}, {}]
        }});
        let ports: Vec<u64> = super::host_port_entries(&pod)
            .iter()
            .filter_map(|p| p["hostPort"].as_u64())
            .collect();
        assert_eq!(ports, [10, 30]);
    }
}
