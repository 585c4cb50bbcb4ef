//! The Endpoints controller: for every Service with a selector, the IPs of the selected pods, the
//! ready ones in `addresses` and the others in `notReadyAddresses`, with the Service's ports
//! resolved against the pods' container ports. Level-triggered from watches of Services and Pods.

use crate::resource;
use peapod_api::error::ApiError;
use peapod_api::meta;
use peapod_api::selector::LabelSelector;
use peapod_apiserver::registry::{
    DeleteOptions, ListOptions, Subresource, WatchOptions, WriteOptions,
};
use peapod_apiserver::Registry;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct EndpointsController {
    registry: Arc<Registry>,
}

fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// The port a Service port targets on one pod: a number, or a container port by name.
fn target_port(svc_port: &Value, pod: &Value) -> Option<i64> {
    match svc_port.get("targetPort") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) => pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)?
            .iter()
            .flat_map(|c| {
                c.get("ports")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str()))
            .and_then(|p| p.get("containerPort").and_then(Value::as_i64)),
        _ => svc_port.get("port").and_then(Value::as_i64),
    }
}

/// Ready addresses, not-ready addresses and ports of one subset.
type Subset = (Vec<Value>, Vec<Value>, Vec<Value>);

/// The Endpoints subsets of a Service over the given pods (grouped by resolved ports, as the
/// real controller does).
pub fn subsets(svc: &Value, pods: &[Value]) -> Vec<Value> {
    let ports = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut groups: BTreeMap<String, Subset> = BTreeMap::new();
    for pod in pods {
        let Some(ip) = pod
            .pointer("/status/podIP")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        if meta::deletion_timestamp(pod).is_some() {
            continue;
        }
        let resolved: Vec<Value> = ports
            .iter()
            .filter_map(|p| {
                let port = target_port(p, pod)?;
                let mut ep = json!({"port": port, "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP"))});
                if let Some(n) = p.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
                    ep["name"] = json!(n);
                }
                Some(ep)
            })
            .collect();
        let key = serde_json::to_string(&resolved).unwrap_or_default();
        let mut addr = json!({
            "ip": ip,
            "targetRef": {"kind": "Pod", "namespace": meta::namespace(pod), "name": meta::name(pod), "uid": meta::uid(pod)},
        });
        if let Some(node) = pod.pointer("/spec/nodeName") {
            addr["nodeName"] = node.clone();
        }
        if let Some(h) = pod.pointer("/spec/hostname") {
            addr["hostname"] = h.clone();
        }
        let entry = groups
            .entry(key)
            .or_insert_with(|| (Vec::new(), Vec::new(), resolved));
        if pod_ready(pod) {
            entry.0.push(addr);
        } else {
            entry.1.push(addr);
        }
    }
    groups
        .into_values()
        .map(|(mut ready, mut not_ready, ports)| {
            let by_ip = |a: &Value, b: &Value| a["ip"].as_str().cmp(&b["ip"].as_str());
            ready.sort_by(by_ip);
            not_ready.sort_by(by_ip);
            let mut s = Map::new();
            if !ready.is_empty() {
                s.insert("addresses".into(), json!(ready));
            }
            if !not_ready.is_empty() {
                s.insert("notReadyAddresses".into(), json!(not_ready));
            }
            s.insert("ports".into(), json!(ports));
            Value::Object(s)
        })
        .collect()
}

/// The EndpointSlice content for a Service's subsets (one IPv4 slice, as for small services).
pub fn slice_body(subsets: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let mut endpoints = Vec::new();
    let mut ports = Vec::new();
    for s in subsets {
        if ports.is_empty() {
            ports = s
                .get("ports")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
        }
        for (key, ready) in [("addresses", true), ("notReadyAddresses", false)] {
            for a in s
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let mut e = json!({
                    "addresses": [a["ip"].clone()],
                    "conditions": {"ready": ready, "serving": ready, "terminating": false},
                    "targetRef": a["targetRef"].clone(),
                });
                if let Some(n) = a.get("nodeName") {
                    e["nodeName"] = n.clone();
                }
                if let Some(h) = a.get("hostname") {
                    e["hostname"] = h.clone();
                }
                endpoints.push(e);
            }
        }
    }
    (endpoints, ports)
}

impl EndpointsController {
    pub fn new(registry: Arc<Registry>) -> Self {
        EndpointsController { registry }
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let (Ok(svcs), Ok(pods)) = (resource("", "services"), resource("", "pods")) else {
                return;
            };
            let (mut sw, mut pw) = match (
                self.registry
                    .watch(svcs, None, WatchOptions::default())
                    .await,
                self.registry
                    .watch(pods, None, WatchOptions::default())
                    .await,
            ) {
                (Ok(a), Ok(b)) => (a, b),
                _ => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tick.tick() => {}
                    ev = sw.recv() => if ev.is_none() { break },
                    ev = pw.recv() => if ev.is_none() { break },
                }
                // Coalesce a burst of changes into one pass.
                tokio::time::sleep(Duration::from_millis(50)).await;
                while sw.try_recv().is_ok() || pw.try_recv().is_ok() {}
                if let Err(e) = self.reconcile().await {
                    tracing::warn!(error = %e, "endpoints reconcile failed");
                }
            }
        }
    }

    /// Keeps the Service's EndpointSlice (what `kubectl describe svc` reads since 1.33) in step.
    async fn sync_slice(
        &self,
        svc: &Value,
        ns: &str,
        name: &str,
        subsets: &[Value],
    ) -> Result<(), ApiError> {
        let slices = resource("discovery.k8s.io", "endpointslices")?;
        let sel = LabelSelector::parse(&format!("kubernetes.io/service-name={name}"))
            .map_err(ApiError::BadRequest)?;
        let existing = self
            .registry
            .list(
                slices,
                Some(ns),
                &ListOptions {
                    label_selector: sel,
                    ..Default::default()
                },
            )
            .await?
            .items;
        let (endpoints, ports) = slice_body(subsets);
        let body = json!({"endpoints": endpoints, "ports": ports});
        match existing.first() {
            Some(cur)
                if cur.get("endpoints").cloned().unwrap_or(json!([])) == body["endpoints"]
                    && cur.get("ports").cloned().unwrap_or(json!([])) == body["ports"] =>
            {
                Ok(())
            }
            Some(cur) => {
                let mut obj = cur.clone();
                obj["endpoints"] = body["endpoints"].clone();
                obj["ports"] = body["ports"].clone();
                self.registry
                    .update(
                        slices,
                        Some(ns),
                        meta::name(cur),
                        obj,
                        Subresource::Main,
                        &WriteOptions::default(),
                    )
                    .await
                    .map(|_| ())
            }
            None => {
                let obj = json!({
                    "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": {"generateName": format!("{name}-"), "namespace": ns, "labels": {
                        "kubernetes.io/service-name": name,
                        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                    }, "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name, "uid": meta::uid(svc), "controller": true, "blockOwnerDeletion": true}]},
                    "addressType": "IPv4",
                    "endpoints": body["endpoints"],
                    "ports": body["ports"],
                });
                self.registry
                    .create(slices, Some(ns), obj, &WriteOptions::default())
                    .await
                    .map(|_| ())
            }
        }
    }

    async fn reconcile(&self) -> Result<(), ApiError> {
        let (svcs, pods, eps) = (
            resource("", "services")?,
            resource("", "pods")?,
            resource("", "endpoints")?,
        );
        let services = self
            .registry
            .list(svcs, None, &ListOptions::default())
            .await?
            .items;
        let all_pods = self
            .registry
            .list(pods, None, &ListOptions::default())
            .await?
            .items;
        let existing = self
            .registry
            .list(eps, None, &ListOptions::default())
            .await?
            .items;
        for svc in &services {
            let Some(sel) = svc
                .pointer("/spec/selector")
                .and_then(Value::as_object)
                .filter(|m| !m.is_empty())
            else {
                continue;
            };
            let map: BTreeMap<String, String> = sel
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            let selector = LabelSelector::from_map(&map);
            let ns = meta::namespace(svc).unwrap_or("default");
            let name = meta::name(svc);
            let selected: Vec<Value> = all_pods
                .iter()
                .filter(|p| meta::namespace(p) == Some(ns) && selector.matches_object(p))
                .cloned()
                .collect();
            let subsets = subsets(svc, &selected);
            let current = existing
                .iter()
                .find(|e| meta::namespace(e) == Some(ns) && meta::name(e) == name);
            let mut labels = svc
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or(json!({}));
            labels["endpoints.kubernetes.io/managed-by"] = json!("endpoint-controller");
            self.sync_slice(svc, ns, name, &subsets).await?;
            match current {
                Some(cur) if cur.get("subsets").cloned().unwrap_or(json!([])) == json!(subsets) => {
                }
                Some(_) => {
                    let patch = json!({"subsets": subsets, "metadata": {"labels": labels}});
                    self.registry
                        .patch(
                            eps,
                            Some(ns),
                            name,
                            peapod_apiserver::registry::PatchType::Merge,
                            &patch,
                            Subresource::Main,
                            &WriteOptions::default(),
                        )
                        .await?;
                }
                None => {
                    let obj = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns, "labels": labels}, "subsets": subsets});
                    match self
                        .registry
                        .create(eps, Some(ns), obj, &WriteOptions::default())
                        .await
                    {
                        Ok(_) | Err(ApiError::AlreadyExists { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        // Endpoints this controller made for Services that are gone (or lost their selector).
        for ep in &existing {
            let managed = ep
                .pointer("/metadata/labels/endpoints.kubernetes.io~1managed-by")
                .and_then(Value::as_str)
                == Some("endpoint-controller");
            let ns = meta::namespace(ep);
            let has_svc = services.iter().any(|s| {
                meta::namespace(s) == ns
                    && meta::name(s) == meta::name(ep)
                    && s.pointer("/spec/selector")
                        .and_then(Value::as_object)
                        .is_some_and(|m| !m.is_empty())
            });
            if managed && !has_svc {
                let _ = self
                    .registry
                    .delete(eps, ns, meta::name(ep), &DeleteOptions::default())
                    .await;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_and_not_ready_addresses() {
        let svc = json!({"spec": {"ports": [{"name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"}]}});
        let pod = |name: &str, ip: &str, ready: bool| {
            json!({"metadata": {"name": name, "namespace": "default", "uid": name},
                "spec": {"nodeName": "n", "containers": [{"ports": [{"name": "web", "containerPort": 8080}]}]},
                "status": {"podIP": ip, "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}})
        };
        let s = subsets(
            &svc,
            &[
                pod("b", "10.0.0.2", true),
                pod("a", "10.0.0.1", true),
                pod("c", "10.0.0.3", false),
            ],
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0]["addresses"][0]["ip"], "10.0.0.1");
        assert_eq!(s[0]["addresses"].as_array().unwrap().len(), 2);
        assert_eq!(s[0]["notReadyAddresses"][0]["ip"], "10.0.0.3");
        assert_eq!(
            s[0]["ports"],
            json!([{"name": "http", "port": 8080, "protocol": "TCP"}])
        );
    }
}
