//! get and list (with label/field selectors and limit/continue paging).

use super::{decode, not_found, store_error, Registry};
use base64::Engine;
use peapod_api::error::ApiError;
use peapod_api::resources::ResourceInfo;
use peapod_api::selector::{FieldSelector, LabelSelector};
use serde_json::{json, Value};

#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub label_selector: LabelSelector,
    pub field_selector: FieldSelector,
    /// 0 = everything.
    pub limit: usize,
    pub continue_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ListResult {
    pub items: Vec<Value>,
    pub resource_version: String,
    pub continue_token: Option<String>,
}

fn encode_continue(rv: u64, key: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(json!({"v": "meta.k8s.io/v1", "rv": rv, "start": key}).to_string())
}

fn decode_continue(token: &str) -> Result<String, ApiError> {
    let bad = || ApiError::BadRequest(format!("continue key is not valid: {token:?}"));
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    v.get("start")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(bad)
}

impl Registry {
    pub async fn get(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        let key = r.key(ns, name);
        match self
            .store
            .get(&key)
            .await
            .map_err(|e| store_error(r, name, e))?
        {
            Some(kv) => decode(&kv),
            None => Err(not_found(r, name)),
        }
    }

    pub async fn list(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        opts: &ListOptions,
    ) -> Result<ListResult, ApiError> {
        let prefix = match opts.field_selector.required_name() {
            // An exact name narrows the scan to one key (a prefix that is the whole key).
            Some(name) if ns.is_some() || !r.namespaced => r.key(ns, name),
            _ => r.namespace_prefix(ns),
        };
        let mut start_after = match &opts.continue_token {
            Some(t) => Some(decode_continue(t)?),
            None => None,
        };
        let mut items = Vec::new();
        let mut revision = 0;
        let mut continue_token = None;
        // Page through the store until `limit` matching objects are found.
        loop {
            let batch = if opts.limit == 0 {
                0
            } else {
                (opts.limit - items.len()).max(64)
            };
            let res = self
                .store
                .list(&prefix, start_after.as_deref(), batch)
                .await
                .map_err(|e| store_error(r, "", e))?;
            if revision == 0 {
                revision = res.revision;
            }
            let exhausted = batch == 0 || res.items.len() < batch;
            for kv in &res.items {
                // A name-narrowed prefix could match longer keys (`web` vs `web2`).
                if opts.field_selector.required_name().is_some() && kv.key != prefix {
                    continue;
                }
                let obj = decode(kv)?;
                if opts.label_selector.matches_object(&obj) && opts.field_selector.matches(&obj) {
                    items.push(obj);
                }
                if opts.limit > 0 && items.len() >= opts.limit {
                    let more = kv.key
                        != res.items.last().map(|k| k.key.clone()).unwrap_or_default()
                        || !exhausted;
                    if more {
                        continue_token = Some(encode_continue(revision, &kv.key));
                    }
                    break;
                }
            }
            if continue_token.is_some()
                || exhausted
                || (opts.limit > 0 && items.len() >= opts.limit)
            {
                break;
            }
            start_after = res.items.last().map(|k| k.key.clone());
        }
        Ok(ListResult {
            items,
            resource_version: revision.to_string(),
            continue_token,
        })
    }
}
