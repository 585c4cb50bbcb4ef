//! create, update, patch and delete: decoding, admission, defaulting, validation, optimistic
//! concurrency, graceful deletion and finalizers.

use super::strategy;
use super::{decode, encode, not_found, now_secs, store_error, ListOptions, Registry};
use peapod_api::error::{ApiError, FieldError};
use peapod_api::resources::{lookup, ResourceInfo};
use peapod_api::{defaults, meta, patch, strict, validation};
use serde_json::{json, Value};

/// `?fieldValidation=`: what to do with fields the type does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    Ignore,
    /// Kubernetes' default for requests that do not say: drop the field, warn.
    #[default]
    Warn,
    Strict,
}

impl FieldValidation {
    pub fn parse(s: Option<&str>) -> Result<Self, ApiError> {
        match s {
            None | Some("") | Some("Warn") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => Err(ApiError::BadRequest(format!(
                "fieldValidation parameter unsupported: {other} (supported: Ignore, Warn, Strict)"
            ))),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub field_validation: FieldValidation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subresource {
    Main,
    Status,
    /// pods/ephemeralcontainers: only `spec.ephemeralContainers` changes.
    EphemeralContainers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub grace_period_seconds: Option<i64>,
    pub dry_run: bool,
    /// `preconditions.resourceVersion` / `preconditions.uid`.
    pub precondition_rv: Option<String>,
    pub precondition_uid: Option<String>,
}

/// The stored object plus warnings for the `Warning` response header.
#[derive(Debug, Clone)]
pub struct WriteResult {
    pub object: Value,
    pub warnings: Vec<String>,
    /// True when the write created the object (HTTP 201).
    pub created: bool,
}

fn bad_request(m: impl Into<String>) -> ApiError {
    ApiError::BadRequest(m.into())
}

fn invalid(r: &ResourceInfo, name: &str, errors: Vec<FieldError>) -> ApiError {
    ApiError::Invalid {
        group: r.group.to_string(),
        kind: r.kind.to_string(),
        name: name.to_string(),
        errors,
    }
}

fn parse_rv(rv: &str) -> Result<u64, ApiError> {
    rv.parse::<u64>().map_err(|_| {
        bad_request(format!(
            "invalid resourceVersion {rv:?}: must be an unsigned integer"
        ))
    })
}

impl Registry {
    /// Checks apiVersion/kind and namespace of a request body against the URL, decodes it
    /// through the Kubernetes type and applies the field-validation directive.
    fn admit_body(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        mut body: Value,
        opts: &WriteOptions,
    ) -> Result<(Value, Vec<String>), ApiError> {
        let Some(map) = body.as_object_mut() else {
            return Err(bad_request(format!(
                "the body of the request was not a JSON object: expected a {}",
                r.kind
            )));
        };
        let want_av = r.api_version();
        match map.get("apiVersion").and_then(Value::as_str) {
            Some(av) if av != want_av => {
                return Err(bad_request(format!(
                    "the API version in the data ({av}) does not match the expected API version ({want_av})"
                )))
            }
            _ => {
                map.insert("apiVersion".into(), json!(want_av));
            }
        }
        match map.get("kind").and_then(Value::as_str) {
            Some(k) if k != r.kind => {
                return Err(bad_request(format!(
                    "the kind in the data ({k}) does not match the expected kind ({})",
                    r.kind
                )))
            }
            _ => {
                map.insert("kind".into(), json!(r.kind));
            }
        }
        if r.namespaced {
            let body_ns = meta::namespace(&body).map(String::from);
            match (body_ns.as_deref(), ns) {
                (Some(b), Some(u)) if b != u => {
                    return Err(bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ))
                }
                (_, Some(u)) => meta::set_str(&mut body, "namespace", u),
                (_, None) => return Err(bad_request("the server could not find the requested resource: namespace required")),
            }
        } else if let Some(md) = meta::metadata_mut(&mut body) {
            md.remove("namespace");
        }
        let decoded = strict::decode(r.group, r.kind, &body).map_err(|e| {
            bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: {e}",
                r.kind, r.version, r.kind
            ))
        })?;
        let warnings: Vec<String> = decoded
            .unknown_fields
            .iter()
            .map(|f| format!("unknown field \"{f}\""))
            .collect();
        match opts.field_validation {
            FieldValidation::Strict if !warnings.is_empty() => Err(bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: strict decoding error: {}",
                r.kind,
                r.version,
                r.kind,
                warnings.join(", ")
            ))),
            FieldValidation::Ignore => Ok((decoded.object, Vec::new())),
            _ => Ok((decoded.object, warnings)),
        }
    }

    async fn require_namespace(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        creating: bool,
    ) -> Result<(), ApiError> {
        let (Some(ns), true) = (ns, r.namespaced) else {
            return Ok(());
        };
        let nsr = lookup("", "v1", "namespaces")
            .ok_or_else(|| ApiError::Internal("namespaces missing".into()))?;
        let obj = self.get(nsr, None, ns).await?;
        if creating && meta::deletion_timestamp(&obj).is_some() {
            return Err(ApiError::Forbidden(format!(
                "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                r.plural,
                "",
            )));
        }
        Ok(())
    }

    pub async fn create(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        body: Value,
        opts: &WriteOptions,
    ) -> Result<WriteResult, ApiError> {
        let (mut obj, warnings) = self.admit_body(r, ns, body, opts)?;
        // generateName, then the server-owned metadata.
        let name = meta::name(&obj).to_string();
        if name.is_empty() {
            match obj
                .pointer("/metadata/generateName")
                .and_then(Value::as_str)
                .filter(|g| !g.is_empty())
            {
                Some(prefix) => {
                    let generated = meta::generate_name(prefix);
                    meta::set_str(&mut obj, "name", &generated);
                }
                None => {
                    return Err(invalid(
                        r,
                        "",
                        vec![FieldError::required(
                            "metadata.name",
                            "name or generateName is required",
                        )],
                    ))
                }
            }
        }
        let name = meta::name(&obj).to_string();
        if meta::resource_version(&obj).is_some() {
            return Err(bad_request(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        if let Some(md) = meta::metadata_mut(&mut obj) {
            md.insert("uid".into(), json!(meta::new_uid()));
            md.insert(
                "creationTimestamp".into(),
                json!(meta::format_time(now_secs())),
            );
            for f in [
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "selfLink",
                "generation",
                "managedFields",
            ] {
                md.remove(f);
            }
        }
        strategy::prepare_for_create(r, &mut obj);
        defaults::apply_defaults(r.plural, &mut obj);
        let errors = validation::validate_create(r.plural, &obj);
        if !errors.is_empty() {
            return Err(invalid(r, &name, errors));
        }
        self.require_namespace(r, ns, true).await?;
        let key = r.key(ns, &name);
        let _alloc_guard;
        if r.plural == "services" {
            _alloc_guard = self.alloc_lock.lock().await;
            let all = self.list(r, None, &ListOptions::default()).await?.items;
            if all
                .iter()
                .any(|s| meta::name(s) == name && meta::namespace(s) == ns)
            {
                return Err(store_error(
                    r,
                    &name,
                    peapod_store::StoreError::AlreadyExists(key),
                ));
            }
            self.allocate_service(&mut obj, &all).await?;
        }
        if opts.dry_run {
            return Ok(WriteResult {
                object: obj,
                warnings,
                created: true,
            });
        }
        let kv = self
            .store
            .create(&key, encode(&obj)?)
            .await
            .map_err(|e| store_error(r, &name, e))?;
        Ok(WriteResult {
            object: decode(&kv)?,
            warnings,
            created: true,
        })
    }

    /// PUT: replace the object (or its status). The body's resourceVersion, when set, must match.
    pub async fn update(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
        body: Value,
        sub: Subresource,
        opts: &WriteOptions,
    ) -> Result<WriteResult, ApiError> {
        let (obj, mut warnings) = self.admit_body(r, ns, body, opts)?;
        let body_name = meta::name(&obj);
        if body_name != name {
            return Err(bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let expected = meta::resource_version(&obj).map(parse_rv).transpose()?;
        let key = r.key(ns, name);
        let Some(kv) = self
            .store
            .get(&key)
            .await
            .map_err(|e| store_error(r, name, e))?
        else {
            return Err(not_found(r, name));
        };
        if let Some(e) = expected {
            if e != kv.mod_revision {
                return Err(store_error(
                    r,
                    name,
                    peapod_store::StoreError::Conflict {
                        key,
                        expected: e,
                        actual: kv.mod_revision,
                    },
                ));
            }
        }
        let old = decode(&kv)?;
        let mut res = self
            .finish_update(r, ns, name, obj, &old, kv.mod_revision, sub, opts)
            .await?;
        warnings.append(&mut res.warnings);
        res.warnings = warnings;
        Ok(res)
    }

    /// Shared tail of update and patch: strategy, defaults, validation, compare-and-swap.
    #[allow(clippy::too_many_arguments)]
    async fn finish_update(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
        mut obj: Value,
        old: &Value,
        revision: u64,
        sub: Subresource,
        opts: &WriteOptions,
    ) -> Result<WriteResult, ApiError> {
        match sub {
            Subresource::Main => strategy::prepare_for_update(r, &mut obj, old),
            Subresource::Status => strategy::prepare_for_status_update(&mut obj, old),
            Subresource::EphemeralContainers => {
                strategy::prepare_for_ephemeral_containers_update(&mut obj, old)
            }
        }
        defaults::apply_defaults(r.plural, &mut obj);
        let errors = match sub {
            Subresource::Main => validation::validate_update(r.plural, &obj, old),
            Subresource::Status => Vec::new(),
            Subresource::EphemeralContainers => {
                validation::validate_ephemeral_containers_update(&obj, old)
            }
        };
        if !errors.is_empty() {
            return Err(invalid(r, name, errors));
        }
        // An object being deleted goes once its last finalizer is removed.
        let finalizing =
            meta::deletion_timestamp(old).is_some() && meta::finalizers(&obj).is_empty();
        let grace = old
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let mut stripped = obj.clone();
        if let Some(md) = meta::metadata_mut(&mut stripped) {
            md.remove("resourceVersion");
        }
        let mut old_stripped = old.clone();
        if let Some(md) = meta::metadata_mut(&mut old_stripped) {
            md.remove("resourceVersion");
        }
        if opts.dry_run {
            return Ok(WriteResult {
                object: obj,
                warnings: vec![],
                created: false,
            });
        }
        let key = r.key(ns, name);
        if finalizing && grace == 0 {
            let kv = self
                .store
                .delete(&key, Some(revision))
                .await
                .map_err(|e| store_error(r, name, e))?;
            let mut gone = decode(&kv)?;
            if let Some(f) = gone.pointer_mut("/metadata/finalizers") {
                *f = json!([]);
            }
            return Ok(WriteResult {
                object: gone,
                warnings: vec![],
                created: false,
            });
        }
        if stripped == old_stripped {
            // No-op updates do not bump the revision (as Kubernetes).
            return Ok(WriteResult {
                object: old.clone(),
                warnings: vec![],
                created: false,
            });
        }
        let kv = self
            .store
            .update(&key, encode(&obj)?, Some(revision))
            .await
            .map_err(|e| store_error(r, name, e))?;
        Ok(WriteResult {
            object: decode(&kv)?,
            warnings: vec![],
            created: false,
        })
    }

    /// PATCH: apply a JSON, merge or strategic merge patch to the current object, retrying when a
    /// concurrent writer got in between (the patch is re-applied to the newer object).
    #[allow(clippy::too_many_arguments)]
    pub async fn patch(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
        patch_type: PatchType,
        patch_body: &Value,
        sub: Subresource,
        opts: &WriteOptions,
    ) -> Result<WriteResult, ApiError> {
        let key = r.key(ns, name);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let Some(kv) = self
                .store
                .get(&key)
                .await
                .map_err(|e| store_error(r, name, e))?
            else {
                return Err(not_found(r, name));
            };
            let old = decode(&kv)?;
            let patched = match patch_type {
                PatchType::Json => patch::json_patch(&old, patch_body),
                PatchType::Merge => Ok(patch::merge_patch(&old, patch_body)),
                PatchType::Strategic => patch::strategic_merge_patch(&old, patch_body, r.kind),
            }
            .map_err(|e| bad_request(e.to_string()))?;
            // A patch that sets resourceVersion asks for a precondition.
            let expected = meta::resource_version(&patched).map(parse_rv).transpose()?;
            if let Some(e) = expected {
                if e != kv.mod_revision {
                    return Err(store_error(
                        r,
                        name,
                        peapod_store::StoreError::Conflict {
                            key,
                            expected: e,
                            actual: kv.mod_revision,
                        },
                    ));
                }
            }
            let (obj, warnings) = self.admit_body(r, ns, patched, opts)?;
            if meta::name(&obj) != name {
                return Err(invalid(
                    r,
                    name,
                    vec![FieldError::invalid(
                        "metadata.name",
                        meta::name(&obj).to_string(),
                        "field is immutable",
                    )],
                ));
            }
            match self
                .finish_update(r, ns, name, obj, &old, kv.mod_revision, sub, opts)
                .await
            {
                Err(ApiError::Conflict { .. }) if expected.is_none() && attempts < 5 => continue,
                Err(e) => return Err(e),
                Ok(mut res) => {
                    res.warnings = warnings;
                    return Ok(res);
                }
            }
        }
    }

    /// DELETE: immediate, or graceful (pods on a node) / deferred (finalizers) by setting
    /// deletionTimestamp; the object then goes when the node or the last finalizer lets it.
    pub async fn delete(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let key = r.key(ns, name);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let Some(kv) = self
                .store
                .get(&key)
                .await
                .map_err(|e| store_error(r, name, e))?
            else {
                return Err(not_found(r, name));
            };
            let mut obj = decode(&kv)?;
            if let Some(uid) = &opts.precondition_uid {
                if meta::uid(&obj) != Some(uid.as_str()) {
                    return Err(ApiError::Conflict {
                        group: r.group.into(),
                        resource: r.plural.into(),
                        name: name.into(),
                        message: format!("Precondition failed: UID in precondition: {uid}, UID in object meta: {}", meta::uid(&obj).unwrap_or_default()),
                    });
                }
            }
            if let Some(rv) = &opts.precondition_rv {
                if parse_rv(rv)? != kv.mod_revision {
                    return Err(store_error(
                        r,
                        name,
                        peapod_store::StoreError::Conflict {
                            key,
                            expected: 0,
                            actual: kv.mod_revision,
                        },
                    ));
                }
            }
            let grace = if r.plural == "pods" {
                strategy::pod_grace_period(&obj, opts.grace_period_seconds)
            } else {
                0
            };
            // Namespaces always go through their finalizer (the namespace controller empties them).
            let ns_finalizer = r.plural == "namespaces"
                && obj
                    .pointer("/spec/finalizers")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty());
            let finalizers = meta::finalizers(&obj);
            let already = meta::deletion_timestamp(&obj).is_some();
            if grace == 0 && finalizers.is_empty() && !ns_finalizer {
                if opts.dry_run {
                    return Ok(obj);
                }
                match self.store.delete(&key, Some(kv.mod_revision)).await {
                    Ok(kv) => return decode(&kv),
                    Err(peapod_store::StoreError::Conflict { .. }) if attempts < 5 => continue,
                    Err(e) => return Err(store_error(r, name, e)),
                }
            }
            // Graceful: mark, and shorten an existing grace period but never lengthen it.
            let current_grace = obj
                .pointer("/metadata/deletionGracePeriodSeconds")
                .and_then(Value::as_i64);
            if already && current_grace.is_some_and(|g| g <= grace) {
                return Ok(obj);
            }
            if let Some(md) = meta::metadata_mut(&mut obj) {
                md.insert(
                    "deletionTimestamp".into(),
                    json!(meta::format_time(now_secs() + grace)),
                );
                md.insert("deletionGracePeriodSeconds".into(), json!(grace));
            }
            if r.plural == "namespaces" {
                if let Some(st) = obj.get_mut("status").and_then(Value::as_object_mut) {
                    st.insert("phase".into(), json!("Terminating"));
                }
            }
            if opts.dry_run {
                return Ok(obj);
            }
            match self
                .store
                .update(&key, encode(&obj)?, Some(kv.mod_revision))
                .await
            {
                Ok(kv) => return decode(&kv),
                Err(peapod_store::StoreError::Conflict { .. }) if attempts < 5 => continue,
                Err(e) => return Err(store_error(r, name, e)),
            }
        }
    }

    /// DELETE on a collection: deletes every object the selectors match; returns them.
    pub async fn delete_collection(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        list: &ListOptions,
        opts: &DeleteOptions,
    ) -> Result<Vec<Value>, ApiError> {
        let items = self.list(r, ns, list).await?.items;
        let mut out = Vec::with_capacity(items.len());
        for obj in items {
            let name = meta::name(&obj).to_string();
            match self.delete(r, meta::namespace(&obj), &name, opts).await {
                Ok(o) => out.push(o),
                Err(ApiError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Removes an object that is marked for deletion once its grace period is over (what the
    /// kubelet does with grace 0 after stopping a pod). Used by the node side and controllers.
    pub async fn finalize_deletion(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
    ) -> Result<(), ApiError> {
        let key = r.key(ns, name);
        let Some(kv) = self
            .store
            .get(&key)
            .await
            .map_err(|e| store_error(r, name, e))?
        else {
            return Ok(());
        };
        let obj = decode(&kv)?;
        if meta::deletion_timestamp(&obj).is_none() || !meta::finalizers(&obj).is_empty() {
            return Ok(());
        }
        match self.store.delete(&key, Some(kv.mod_revision)).await {
            Ok(_) | Err(peapod_store::StoreError::NotFound(_)) => Ok(()),
            Err(e) => Err(store_error(r, name, e)),
        }
    }
}

impl Registry {
    /// pods/binding: assigns a pending pod to a node (the scheduler's write), setting
    /// spec.nodeName and the PodScheduled condition, as Kubernetes' BindingREST does.
    pub async fn bind_pod(
        &self,
        r: &ResourceInfo,
        ns: Option<&str>,
        name: &str,
        binding: &Value,
    ) -> Result<Value, ApiError> {
        let node = binding
            .pointer("/target/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if node.is_empty() {
            return Err(invalid(
                r,
                name,
                vec![FieldError::required("target.name", "")],
            ));
        }
        let key = r.key(ns, name);
        loop {
            let Some(kv) = self
                .store
                .get(&key)
                .await
                .map_err(|e| store_error(r, name, e))?
            else {
                return Err(not_found(r, name));
            };
            let mut pod = decode(&kv)?;
            if meta::deletion_timestamp(&pod).is_some() {
                return Err(ApiError::Conflict {
                    group: String::new(),
                    resource: "pods/binding".into(),
                    name: name.into(),
                    message: format!("pod {name} is being deleted, cannot be assigned to a host"),
                });
            }
            if let Some(current) = pod
                .pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            {
                return Err(ApiError::Conflict {
                    group: String::new(),
                    resource: "pods/binding".into(),
                    name: name.into(),
                    message: format!("pod {name} is already assigned to node \"{current}\""),
                });
            }
            if let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("nodeName".into(), json!(node));
            }
            let cond = json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": meta::format_time(now_secs())});
            if let Some(status) = pod.get_mut("status").and_then(Value::as_object_mut) {
                let conds = status.entry("conditions").or_insert_with(|| json!([]));
                if let Some(list) = conds.as_array_mut() {
                    list.retain(|c| c.get("type").and_then(Value::as_str) != Some("PodScheduled"));
                    list.push(cond);
                }
            }
            match self
                .store
                .update(&key, encode(&pod)?, Some(kv.mod_revision))
                .await
            {
                Ok(kv) => return decode(&kv),
                Err(peapod_store::StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(store_error(r, name, e)),
            }
        }
    }
}
