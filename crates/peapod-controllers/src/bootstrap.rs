//! Objects every cluster has from the start: the system namespaces and the `kubernetes` Service
//! with its Endpoints pointing at the API server.

use crate::resource;
use peapod_api::error::ApiError;
use peapod_apiserver::registry::WriteOptions;
use peapod_apiserver::Registry;
use serde_json::{json, Value};
use std::net::Ipv4Addr;

pub struct BootstrapConfig {
    pub node_ip: Ipv4Addr,
    pub api_port: u16,
    /// The first usable address of the service range (10.96.0.1 for 10.96.0.0/12).
    pub kubernetes_service_ip: Ipv4Addr,
}

async fn create_if_missing(
    reg: &Registry,
    group: &str,
    plural: &str,
    ns: Option<&str>,
    obj: Value,
) -> Result<(), ApiError> {
    let r = resource(group, plural)?;
    match reg.create(r, ns, obj, &WriteOptions::default()).await {
        Ok(_) | Err(ApiError::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

pub async fn bootstrap(reg: &Registry, cfg: &BootstrapConfig) -> Result<(), ApiError> {
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        create_if_missing(
            reg,
            "",
            "namespaces",
            None,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        )
        .await?;
    }
    let svc = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": cfg.kubernetes_service_ip.to_string(), "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": cfg.api_port}]}
    });
    create_if_missing(reg, "", "services", Some("default"), svc).await?;
    let ep = json!({
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": cfg.node_ip.to_string()}], "ports": [{"name": "https", "port": cfg.api_port, "protocol": "TCP"}]}]
    });
    create_if_missing(reg, "", "endpoints", Some("default"), ep).await
}
