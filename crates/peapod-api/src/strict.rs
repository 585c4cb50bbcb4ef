//! Decoding objects the way the API server does: into the real Kubernetes types, re-encoded, with
//! unknown fields reported (strict field validation) and dropped otherwise.

use k8s_openapi::api::{apps, batch, coordination, core, discovery, events};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// The outcome of decoding: the normalised object and any fields the type does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub object: Value,
    /// Paths like `spec.containers[0].foo`.
    pub unknown_fields: Vec<String>,
}

fn roundtrip<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// Decodes `obj` (which already carries its apiVersion and kind) through its Kubernetes type.
/// Errors are type errors (a string where a number belongs, ...), named by serde.
pub fn decode(group: &str, kind: &str, obj: &Value) -> Result<Decoded, String> {
    let object = match (group, kind) {
        ("", "Pod") => roundtrip::<core::v1::Pod>(obj),
        ("", "Service") => roundtrip::<core::v1::Service>(obj),
        ("", "Endpoints") => roundtrip::<core::v1::Endpoints>(obj),
        ("", "Event") => roundtrip::<core::v1::Event>(obj),
        ("", "Namespace") => roundtrip::<core::v1::Namespace>(obj),
        ("", "Node") => roundtrip::<core::v1::Node>(obj),
        ("", "ConfigMap") => roundtrip::<core::v1::ConfigMap>(obj),
        ("", "Secret") => roundtrip::<core::v1::Secret>(obj),
        ("", "ServiceAccount") => roundtrip::<core::v1::ServiceAccount>(obj),
        ("apps", "Deployment") => roundtrip::<apps::v1::Deployment>(obj),
        ("apps", "ReplicaSet") => roundtrip::<apps::v1::ReplicaSet>(obj),
        ("apps", "DaemonSet") => roundtrip::<apps::v1::DaemonSet>(obj),
        ("batch", "Job") => roundtrip::<batch::v1::Job>(obj),
        ("discovery.k8s.io", "EndpointSlice") => roundtrip::<discovery::v1::EndpointSlice>(obj),
        ("coordination.k8s.io", "Lease") => roundtrip::<coordination::v1::Lease>(obj),
        ("events.k8s.io", "Event") => roundtrip::<events::v1::Event>(obj),
        _ => return Err(format!("no type registered for {kind} in group {group:?}")),
    }?;
    let mut unknown_fields = Vec::new();
    diff_unknown(obj, &object, "", &mut unknown_fields);
    Ok(Decoded {
        object,
        unknown_fields,
    })
}

/// Records every key present (non-null) in `input` but absent from the re-encoded `output`.
fn diff_unknown(input: &Value, output: &Value, path: &str, out: &mut Vec<String>) {
    match (input, output) {
        (Value::Object(i), Value::Object(o)) => {
            for (k, v) in i {
                if v.is_null() {
                    continue;
                }
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match o.get(k) {
                    Some(ov) => diff_unknown(v, ov, &p, out),
                    None => out.push(p),
                }
            }
        }
        (Value::Array(i), Value::Array(o)) => {
            for (idx, (iv, ov)) in i.iter().zip(o.iter()).enumerate() {
                diff_unknown(iv, ov, &format!("{path}[{idx}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_reported_with_paths() {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "a", "labels": {"x": "y"}, "bogus": 1},
            "spec": {"containers": [{"name": "c", "image": "busybox", "imagePullPolicy": null, "foo": "bar"}]}
        });
        let d = decode("", "Pod", &pod).unwrap();
        assert_eq!(
            d.unknown_fields,
            vec!["metadata.bogus", "spec.containers[0].foo"]
        );
        assert!(d.object.pointer("/spec/containers/0/foo").is_none());
        assert_eq!(d.object.pointer("/metadata/labels/x"), Some(&json!("y")));
    }

    #[test]
    fn type_errors_are_errors() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"},
            "spec": {"replicas": "three", "selector": {}, "template": {}}});
        assert!(decode("apps", "Deployment", &d).is_err());
    }

    #[test]
    fn known_documents_roundtrip_cleanly() {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "targetPort": "http"}], "selector": {"app": "x"}}});
        let d = decode("", "Service", &svc).unwrap();
        assert!(d.unknown_fields.is_empty());
        assert_eq!(d.object, svc);
    }
}
