//! JSON patch (RFC 6902), JSON merge patch (RFC 7386) and Kubernetes strategic merge patch.
//!
//! All three are pure functions over `serde_json::Value` that never panic on input. Strategic
//! merge patch follows `k8s.io/apimachinery/pkg/util/strategicpatch`; the `patchStrategy` and
//! `patchMergeKey` struct tags of the built-in Go types are transcribed into the tables below.

use serde_json::{Map, Value};

/// Why a patch could not be applied. Messages name the operation and path that failed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PatchError {
    #[error("json patch must be a JSON array of operations")]
    NotAnArray,
    #[error("json patch operation {index} is invalid: {message}")]
    InvalidOperation { index: usize, message: String },
    #[error("invalid JSON pointer {pointer:?}: {message}")]
    InvalidPointer { pointer: String, message: String },
    #[error("{op} operation does not apply: doc is missing path: {path:?}")]
    MissingPath { op: String, path: String },
    #[error("testing value {path} failed: test failed")]
    TestFailed { path: String },
    #[error("strategic merge patch must be a JSON object")]
    NotAnObject,
    #[error("invalid strategic merge patch at {path}: {message}")]
    InvalidStrategicPatch { path: String, message: String },
}

// ---------------------------------------------------------------------------------------------
// JSON patch

/// Applies an RFC 6902 JSON patch (an array of operations) to a copy of `doc`.
pub fn json_patch(doc: &Value, patch: &Value) -> Result<Value, PatchError> {
    let ops = patch.as_array().ok_or(PatchError::NotAnArray)?;
    let mut doc = doc.clone();
    for (index, op) in ops.iter().enumerate() {
        apply_op(&mut doc, op, index)?;
    }
    Ok(doc)
}

fn apply_op(doc: &mut Value, op: &Value, index: usize) -> Result<(), PatchError> {
    let invalid = |message: String| PatchError::InvalidOperation { index, message };
    let obj = op
        .as_object()
        .ok_or_else(|| invalid("an operation must be a JSON object".into()))?;
    let name = obj
        .get("op")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("missing string field \"op\"".into()))?;
    let str_field = |field: &str| {
        let msg = || invalid(format!("{name} operation needs string field {field:?}"));
        obj.get(field).and_then(Value::as_str).ok_or_else(msg)
    };
    let path = str_field("path")?;
    let tokens = parse_pointer(path)?;
    // "value" may legitimately be null, so presence is what counts.
    let value = || {
        obj.get("value")
            .cloned()
            .ok_or_else(|| invalid(format!("{name} operation is missing field \"value\"")))
    };
    let missing = |p: &str| PatchError::MissingPath {
        op: name.to_string(),
        path: p.to_string(),
    };
    match name {
        "add" => add(doc, &tokens, value()?).ok_or_else(|| missing(path)),
        "remove" => remove(doc, &tokens).map(drop).ok_or_else(|| missing(path)),
        "replace" => {
            let v = value()?;
            *get_mut(doc, &tokens).ok_or_else(|| missing(path))? = v;
            Ok(())
        }
        "move" | "copy" => {
            let from = str_field("from")?;
            let from_tokens = parse_pointer(from)?;
            let v = if name == "move" {
                if from_tokens.len() < tokens.len() && tokens.starts_with(&from_tokens) {
                    return Err(invalid(format!(
                        "cannot move {from:?} into its own child {path:?}"
                    )));
                }
                remove(doc, &from_tokens)
            } else {
                get(doc, &from_tokens).cloned()
            };
            let v = v.ok_or_else(|| missing(from))?;
            add(doc, &tokens, v).ok_or_else(|| missing(path))
        }
        "test" => {
            let expected = value()?;
            let actual = get(doc, &tokens).ok_or_else(|| missing(path))?;
            if json_eq(actual, &expected) {
                Ok(())
            } else {
                Err(PatchError::TestFailed {
                    path: path.to_string(),
                })
            }
        }
        other => Err(invalid(format!("unknown op {other:?}"))),
    }
}

/// Splits a JSON pointer into unescaped reference tokens (`~1` is `/`, `~0` is `~`).
fn parse_pointer(pointer: &str) -> Result<Vec<String>, PatchError> {
    let bad = |message: &str| PatchError::InvalidPointer {
        pointer: pointer.to_string(),
        message: message.to_string(),
    };
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let rest = pointer
        .strip_prefix('/')
        .ok_or_else(|| bad("must be empty or start with '/'"))?;
    rest.split('/')
        .map(|token| unescape(token).ok_or_else(|| bad("'~' must be followed by '0' or '1'")))
        .collect()
}

fn unescape(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next()? {
                '0' => out.push('~'),
                '1' => out.push('/'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// An array index token: decimal digits without leading zeros.
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

fn get<'a>(doc: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(doc, |cur, t| match cur {
        Value::Object(m) => m.get(t),
        Value::Array(a) => a.get(array_index(t)?),
        _ => None,
    })
}

fn get_mut<'a>(doc: &'a mut Value, tokens: &[String]) -> Option<&'a mut Value> {
    tokens.iter().try_fold(doc, |cur, t| match cur {
        Value::Object(m) => m.get_mut(t),
        Value::Array(a) => a.get_mut(array_index(t)?),
        _ => None,
    })
}

fn add(doc: &mut Value, tokens: &[String], value: Value) -> Option<()> {
    let Some((last, parent)) = tokens.split_last() else {
        *doc = value;
        return Some(());
    };
    match get_mut(doc, parent)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
        }
        Value::Array(a) => {
            let i = if last == "-" {
                a.len()
            } else {
                array_index(last)?
            };
            if i > a.len() {
                return None;
            }
            a.insert(i, value);
        }
        _ => return None,
    }
    Some(())
}

fn remove(doc: &mut Value, tokens: &[String]) -> Option<Value> {
    let (last, parent) = tokens.split_last()?;
    match get_mut(doc, parent)? {
        Value::Object(m) => m.remove(last),
        Value::Array(a) => {
            let i = array_index(last)?;
            (i < a.len()).then(|| a.remove(i))
        }
        _ => None,
    }
}

/// JSON equality where numbers compare by value (`1` equals `1.0`), as RFC 6902 `test` wants.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------------
// JSON merge patch

/// Applies an RFC 7386 JSON merge patch: objects merge recursively, `null` deletes a key and
/// any other value (arrays included) replaces the target.
pub fn merge_patch(doc: &Value, patch: &Value) -> Value {
    merge_into(doc.clone(), patch)
}

fn merge_into(doc: Value, patch: &Value) -> Value {
    let Value::Object(patch) = patch else {
        return patch.clone();
    };
    let mut out = match doc {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, v) in patch {
        if v.is_null() {
            out.remove(k);
        } else {
            let old = out.remove(k).unwrap_or(Value::Null);
            out.insert(k.clone(), merge_into(old, v));
        }
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";

/// (field path, patchStrategy, patchMergeKey); an empty merge key means a list of primitives.
type Rule = (&'static str, &'static str, &'static str);

/// Tags of `PodSpec`, relative to the pod spec wherever it sits (see [`pod_spec_prefix`]).
/// `initContainers` and `ephemeralContainers` share the `containers.*` rules.
const POD_SPEC: &[Rule] = &[
    ("volumes", "merge,retainKeys", "name"),
    ("containers", "merge", "name"),
    ("initContainers", "merge", "name"),
    ("ephemeralContainers", "merge", "name"),
    ("containers.ports", "merge", "containerPort"),
    ("containers.env", "merge", "name"),
    ("containers.volumeMounts", "merge", "mountPath"),
    ("containers.volumeDevices", "merge", "devicePath"),
    ("imagePullSecrets", "merge", "name"),
    ("hostAliases", "merge", "ip"),
    ("topologySpreadConstraints", "merge", "topologyKey"),
    ("schedulingGates", "merge", "name"),
    ("resourceClaims", "merge,retainKeys", "name"),
];

/// Tags of `ObjectMeta`, applied to any field named `metadata` (object or template metadata).
const OBJECT_META: &[Rule] = &[
    ("ownerReferences", "merge", "uid"),
    ("finalizers", "merge", ""),
];

/// Kind-specific tags outside the pod spec: (kinds, path, patchStrategy, patchMergeKey).
const KIND_RULES: &[(&[&str], &str, &str, &str)] = &[
    (&["Pod"], "status.conditions", "merge", "type"),
    (&["Pod"], "status.podIPs", "merge", "ip"),
    (&["Pod"], "status.hostIPs", "merge", "ip"),
    (
        &["Pod"],
        "status.resourceClaimStatuses",
        "merge,retainKeys",
        "name",
    ),
    (&["Service"], "spec.ports", "merge", "port"),
    (&["Deployment"], "spec.strategy", "retainKeys", ""),
    (
        &[
            "Service",
            "Deployment",
            "ReplicaSet",
            "DaemonSet",
            "StatefulSet",
            "ReplicationController",
            "Job",
            "Namespace",
            "Node",
            "PersistentVolumeClaim",
        ],
        "status.conditions",
        "merge",
        "type",
    ),
    (&["Node"], "status.addresses", "merge", "type"),
    (&["Node"], "spec.podCIDRs", "merge", ""),
    (&["ServiceAccount"], "secrets", "merge", "name"),
];

/// Where the pod spec lives inside an object of `kind`.
fn pod_spec_prefix(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "Deployment"
        | "ReplicaSet"
        | "DaemonSet"
        | "StatefulSet"
        | "ReplicationController"
        | "Job" => Some(&["spec", "template", "spec"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        "PodTemplate" => Some(&["template", "spec"]),
        _ => None,
    }
}

/// Applies a Kubernetes strategic merge patch to `doc`, an object of the given `kind`.
///
/// Lists without a known merge strategy for `kind` are replaced wholesale, so an unknown kind
/// behaves like a JSON merge patch in which the `$patch`, `$retainKeys`,
/// `$deleteFromPrimitiveList/` and `$setElementOrder/` directives are still honoured.
pub fn strategic_merge_patch(doc: &Value, patch: &Value, kind: &str) -> Result<Value, PatchError> {
    let patch = patch.as_object().ok_or(PatchError::NotAnObject)?;
    let original = match doc {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let merged = Smp { kind }.merge_map(original, patch, &[])?;
    Ok(Value::Object(merged.unwrap_or_default()))
}

fn smp_err(path: &[&str], message: impl Into<String>) -> PatchError {
    PatchError::InvalidStrategicPatch {
        path: format!(".{}", path.join(".")),
        message: message.into(),
    }
}

fn child<'p>(path: &[&'p str], field: &'p str) -> Vec<&'p str> {
    let mut p = path.to_vec();
    p.push(field);
    p
}

/// The identity of a list element: its merge key value, or the element itself for primitives.
fn ident<'v>(v: &'v Value, key: Option<&str>) -> Option<&'v Value> {
    match key {
        Some(k) => v.get(k),
        None => Some(v),
    }
}

fn idents(list: &[Value], key: Option<&str>) -> Vec<Value> {
    list.iter().filter_map(|v| ident(v, key).cloned()).collect()
}

/// Upstream `normalizeElementOrder`: elements named in `order` (identities) come in that order;
/// the others keep their live order and are interleaved by their position in `live`. A patch
/// element that is not live wins ties, so new elements land before the next live one (upstream
/// prepends additions to a list when no `$setElementOrder` is sent).
fn reorder(merged: Vec<Value>, order: &[Value], live: &[Value], key: Option<&str>) -> Vec<Value> {
    let pos = |list: &[Value], v: &Value| {
        let id = ident(v, key)?;
        list.iter().position(|x| x == id)
    };
    let (mut named, mut rest): (Vec<Value>, Vec<Value>) =
        merged.into_iter().partition(|v| pos(order, v).is_some());
    named.sort_by_key(|v| pos(order, v));
    rest.sort_by_key(|v| pos(live, v).unwrap_or(usize::MAX));
    let mut out = Vec::with_capacity(named.len() + rest.len());
    let (mut named, mut rest) = (named.into_iter().peekable(), rest.into_iter().peekable());
    loop {
        let take_rest = match (rest.peek(), named.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(r), Some(n)) => {
                matches!((pos(live, r), pos(live, n)), (Some(a), Some(b)) if a < b)
            }
        };
        out.extend(if take_rest { rest.next() } else { named.next() });
    }
    out
}

struct Smp<'k> {
    kind: &'k str,
}

impl Smp<'_> {
    /// (patchStrategy, patchMergeKey) of the field at `path`; list indices are not part of it.
    fn schema(&self, path: &[&str]) -> (&'static str, Option<&'static str>) {
        let rule = |strategy: &'static str, key: &'static str| {
            (strategy, Some(key).filter(|k| !k.is_empty()))
        };
        let find =
            |table: &[Rule], p: &str| table.iter().find(|r| r.0 == p).map(|r| rule(r.1, r.2));
        let found = if let [.., "metadata", field] = path {
            find(OBJECT_META, field)
        } else if let Some(rest) = pod_spec_prefix(self.kind).and_then(|pre| path.strip_prefix(pre))
        {
            let mut rest = rest.to_vec();
            if let [first @ ("initContainers" | "ephemeralContainers"), _, ..] = rest.as_mut_slice()
            {
                *first = "containers";
            }
            find(POD_SPEC, &rest.join("."))
        } else {
            let p = path.join(".");
            KIND_RULES
                .iter()
                .find(|r| r.0.contains(&self.kind) && r.1 == p)
                .map(|r| rule(r.2, r.3))
        };
        found.unwrap_or(("", None))
    }

    /// Merges `patch` into `orig` (upstream `mergeMap`). `None` means `$patch: delete`.
    fn merge_map<'p>(
        &self,
        mut orig: Map<String, Value>,
        patch: &'p Map<String, Value>,
        path: &[&'p str],
    ) -> Result<Option<Map<String, Value>>, PatchError> {
        match patch.get(DIRECTIVE).map(|d| (d, d.as_str())) {
            None | Some((_, Some("merge"))) => {}
            Some((_, Some("replace"))) => orig = Map::new(),
            Some((_, Some("delete"))) => return Ok(None),
            Some((d, _)) => return Err(smp_err(path, format!("unknown patch type {d}"))),
        }
        if let Some(keys) = patch.get(RETAIN_KEYS) {
            retain_keys(&mut orig, patch, keys, path)?;
        }

        // `$setElementOrder/<field>` first: merge that list and order it; the main loop then
        // skips the field.
        let mut ordered: Vec<&str> = Vec::new();
        for (k, order) in patch {
            let Some(field) = k.strip_prefix(SET_ELEMENT_ORDER) else {
                continue;
            };
            let Value::Array(order) = order else {
                return Err(smp_err(path, format!("{k} must be a list")));
            };
            if self.set_element_order(&mut orig, patch, field, order, path)? {
                ordered.push(field);
            }
        }

        for (k, pv) in patch {
            if k.starts_with('$') || ordered.contains(&k.as_str()) {
                continue;
            }
            if pv.is_null() {
                orig.remove(k);
                continue;
            }
            let path = child(path, k);
            let merged = match (orig.get_mut(k).map(Value::take), pv) {
                (Some(Value::Object(o)), Value::Object(p)) => {
                    self.merge_map(o, p, &path)?.map(Value::Object)
                }
                (Some(Value::Array(o)), Value::Array(p)) => {
                    Some(Value::Array(self.merge_list(o, p, &path)?))
                }
                // Absent, scalar or a type change: the patch value wins.
                _ => self.fresh(pv, &path)?,
            };
            match merged {
                Some(v) => orig.insert(k.clone(), v),
                None => orig.remove(k),
            };
        }

        // Deletions from primitive lists apply to the merged list.
        for (k, pv) in patch {
            let Some(field) = k.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) else {
                continue;
            };
            let Value::Array(deleted) = pv else {
                return Err(smp_err(path, format!("{k} must be a list")));
            };
            if let Some(Value::Array(list)) = orig.get_mut(field) {
                list.retain(|v| !deleted.contains(v));
            }
        }
        Ok(Some(orig))
    }

    /// A patch value with nothing to merge into: directives and nulls are stripped from it.
    fn fresh<'p>(&self, v: &'p Value, path: &[&'p str]) -> Result<Option<Value>, PatchError> {
        Ok(match v {
            Value::Object(m) => self.merge_map(Map::new(), m, path)?.map(Value::Object),
            Value::Array(a) => Some(Value::Array(self.merge_list(Vec::new(), a, path)?)),
            other => Some(other.clone()),
        })
    }

    /// Handles `$setElementOrder/<field>`. Returns whether the patch's own `field` list was
    /// consumed.
    fn set_element_order<'p>(
        &self,
        orig: &mut Map<String, Value>,
        patch: &'p Map<String, Value>,
        field: &'p str,
        order: &[Value],
        path: &[&'p str],
    ) -> Result<bool, PatchError> {
        let path = child(path, field);
        let live = match orig.get_mut(field) {
            Some(Value::Array(a)) => Some(std::mem::take(a)),
            _ => None,
        };
        let patch_list = match patch.get(field) {
            Some(Value::Array(p)) => Some(p),
            _ => None,
        };
        let key = self.schema(&path).1;
        let live_ids = live.as_deref().map(|l| idents(l, key)).unwrap_or_default();
        let merged = match (live, patch_list) {
            (None, None) => return Ok(false),
            (Some(l), None) => l,
            (l, Some(p)) => self.merge_list(l.unwrap_or_default(), p, &path)?,
        };
        let list = reorder(merged, &idents(order, key), &live_ids, key);
        orig.insert(field.to_string(), Value::Array(list));
        Ok(patch_list.is_some())
    }

    /// Merges a patch list into `orig` following the field's patch strategy (upstream
    /// `mergeSlice`).
    fn merge_list<'p>(
        &self,
        mut orig: Vec<Value>,
        patch: &'p [Value],
        path: &[&'p str],
    ) -> Result<Vec<Value>, PatchError> {
        let (strategy, key) = self.schema(path);
        if !strategy.split(',').any(|s| s == "merge") {
            // Replaced wholesale; directive-only elements (`{"$patch": "replace"}`) carry no data.
            let kept = patch.iter().filter(|v| v.get(DIRECTIVE).is_none());
            return kept
                .map(|v| self.fresh(v, path))
                .filter_map(Result::transpose)
                .collect();
        }
        let Some(key) = key else {
            // Primitives: set union.
            let mut merged: Vec<Value> = Vec::with_capacity(orig.len() + patch.len());
            for v in &orig {
                if !merged.contains(v) {
                    merged.push(v.clone());
                }
            }
            for v in patch {
                if let Some(v) = self.fresh(v, path)? {
                    if !merged.contains(&v) {
                        merged.push(v);
                    }
                }
            }
            return Ok(reorder(merged, patch, &orig, None));
        };

        let mut replace = false;
        let mut items = Vec::with_capacity(patch.len());
        for v in patch {
            let no_key = || smp_err(path, format!("list element has no merge key {key:?}"));
            let Value::Object(m) = v else {
                return Err(no_key());
            };
            let id = || m.get(key).ok_or_else(no_key);
            match m.get(DIRECTIVE).map(|d| (d, d.as_str())) {
                // Upstream rejects `$patch: merge` in lists; it is the default anyway.
                None | Some((_, Some("merge"))) => items.push((id()?, m)),
                Some((_, Some("delete"))) => {
                    let id = id()?;
                    orig.retain(|o| o.get(key) != Some(id));
                }
                Some((_, Some("replace"))) => replace = true,
                Some((d, _)) => return Err(smp_err(path, format!("unknown patch type {d}"))),
            }
        }
        if replace {
            orig.clear();
        }
        let live_ids = idents(&orig, Some(key));
        for &(id, m) in &items {
            match orig.iter().position(|o| o.get(key) == Some(id)) {
                Some(i) => {
                    let Some(slot) = orig.get_mut(i) else {
                        continue;
                    };
                    let old = match slot.take() {
                        Value::Object(o) => o,
                        _ => Map::new(),
                    };
                    match self.merge_map(old, m, path)? {
                        Some(merged) => *slot = Value::Object(merged),
                        None => {
                            orig.remove(i);
                        }
                    }
                }
                None => orig.extend(self.merge_map(Map::new(), m, path)?.map(Value::Object)),
            }
        }
        let order: Vec<Value> = items.iter().map(|(id, _)| (*id).clone()).collect();
        Ok(reorder(orig, &order, &live_ids, Some(key)))
    }
}

/// `$retainKeys`: drop the live keys not listed; every field the patch sets must be listed.
fn retain_keys(
    orig: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    keys: &Value,
    path: &[&str],
) -> Result<(), PatchError> {
    let bad = || {
        smp_err(
            path,
            "$retainKeys must list every field that the patch sets",
        )
    };
    let keys: Vec<&str> = keys
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(Value::as_str)
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let uncovered = patch
        .iter()
        .any(|(k, v)| !v.is_null() && !k.starts_with('$') && !keys.contains(&k.as_str()));
    if uncovered {
        return Err(bad());
    }
    orig.retain(|k, _| keys.contains(&k.as_str()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(doc: Value, patch: Value, kind: &str, expected: Value) {
        let got = strategic_merge_patch(&doc, &patch, kind);
        assert_eq!(got, Ok(expected), "{kind} patch {patch}");
    }

    fn pod(containers: Value) -> Value {
        json!({"metadata": {"name": "p"}, "spec": {"containers": containers}})
    }

    fn deploy(containers: Value, strategy: Value) -> Value {
        json!({"spec": {"strategy": strategy, "template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn strategic_merge_cases() {
        let ab = json!([{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]);
        let a2b = json!([{"name": "a", "image": "a:2"}, {"name": "b", "image": "b:1"}]);
        let a2 = json!({"spec": {"containers": [{"name": "a", "image": "a:2"}]}});
        let rolling = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}});
        let to_recreate = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"},
                                          "template": a2}});
        let meta = json!({"labels": {"a": "1", "b": "2"}, "finalizers": ["x", "y", "z"],
                          "ownerReferences": [{"uid": "u1", "name": "one"}]});
        #[rustfmt::skip]
        let cases = [
            // containers merge by name: one image changes, the other container stays
            ("Pod", pod(ab.clone()), a2.clone(), pod(a2b.clone())),
            // $patch: delete of a container
            ("Pod", pod(ab.clone()), json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
             pod(json!([{"name": "b", "image": "b:1"}]))),
            // $setElementOrder reorders the merged list
            ("Pod", pod(ab.clone()),
             json!({"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                             "containers": [{"name": "a", "image": "a:2"}]}}),
             pod(json!([{"name": "b", "image": "b:1"}, {"name": "a", "image": "a:2"}]))),
            // without $setElementOrder a new element goes first, as upstream does
            ("Pod", pod(ab.clone()), json!({"spec": {"containers": [{"name": "c"}]}}),
             pod(json!([{"name": "c"}, {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]))),
            // {"$patch": "replace"} as a list element replaces the list
            ("Pod", pod(ab.clone()), json!({"spec": {"containers": [{"$patch": "replace"}, {"name": "c"}]}}),
             pod(json!([{"name": "c"}]))),
            // env by name, ports by containerPort, args (no strategy) replaced
            ("Pod",
             pod(json!([{"name": "a", "args": ["x", "y"], "ports": [{"containerPort": 80, "name": "http"}],
                         "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}])),
             json!({"spec": {"containers": [{"name": "a", "args": ["z"],
                 "env": [{"name": "Y", "value": "3"}, {"name": "Z", "value": "4"}],
                 "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}]}]}}),
             pod(json!([{"name": "a", "args": ["z"],
                 "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "3"}, {"name": "Z", "value": "4"}],
                 "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}, {"containerPort": 443}]}]))),
            // initContainers share the container rules; tolerations have no strategy
            ("Pod",
             json!({"spec": {"initContainers": [{"name": "i", "env": [{"name": "A"}]}], "tolerations": [{"key": "k1"}]}}),
             json!({"spec": {"initContainers": [{"name": "i", "env": [{"name": "B"}]}], "tolerations": [{"key": "k3"}]}}),
             json!({"spec": {"initContainers": [{"name": "i", "env": [{"name": "B"}, {"name": "A"}]}],
                             "tolerations": [{"key": "k3"}]}})),
            // $retainKeys on a volume entry switches its source
            ("Pod",
             json!({"spec": {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]}}),
             json!({"spec": {"volumes": [{"name": "v", "$retainKeys": ["hostPath", "name"], "hostPath": {"path": "/x"}}]}}),
             json!({"spec": {"volumes": [{"name": "v", "hostPath": {"path": "/x"}}, {"name": "w", "emptyDir": {}}]}})),
            // new fields come from the patch with directives and nulls stripped
            ("Pod", json!({}),
             json!({"spec": {"$setElementOrder/containers": [{"name": "a"}], "containers": [{"name": "a", "x": null}],
                             "volumes": [{"name": "v", "$retainKeys": ["name"]}],
                             "nodeSelector": {"$patch": "replace", "k": "v"}}}),
             json!({"spec": {"containers": [{"name": "a"}], "volumes": [{"name": "v"}], "nodeSelector": {"k": "v"}}})),
            // the pod spec rules apply under spec.template.spec; spec.strategy takes $retainKeys
            ("Deployment", deploy(ab.clone(), rolling.clone()), to_recreate.clone(),
             deploy(a2b.clone(), json!({"type": "Recreate"}))),
            // the same path in an unknown kind has no merge strategy: the list is replaced
            ("Widget", deploy(ab.clone(), rolling.clone()), to_recreate.clone(),
             deploy(a2["spec"]["containers"].clone(), json!({"type": "Recreate"}))),
            // null deletes a label
            ("ConfigMap", json!({"metadata": meta}), json!({"metadata": {"labels": {"a": null}}}),
             json!({"metadata": {"labels": {"b": "2"}, "finalizers": ["x", "y", "z"],
                                 "ownerReferences": [{"uid": "u1", "name": "one"}]}})),
            // $deleteFromPrimitiveList and a finalizer union ordered by $setElementOrder
            ("ConfigMap", json!({"metadata": meta}),
             json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["y"],
                                 "$setElementOrder/finalizers": ["x", "z", "w"], "finalizers": ["w"]}}),
             json!({"metadata": {"labels": {"a": "1", "b": "2"}, "finalizers": ["x", "z", "w"],
                                 "ownerReferences": [{"uid": "u1", "name": "one"}]}})),
            // ownerReferences merge by uid; $patch: replace and $patch: delete on maps
            ("ConfigMap", json!({"metadata": meta, "data": {"k": "v"}}),
             json!({"metadata": {"ownerReferences": [{"uid": "u1", "controller": true}],
                                 "labels": {"$patch": "replace", "c": "3"}}, "data": {"$patch": "delete"}}),
             json!({"metadata": {"labels": {"c": "3"}, "finalizers": ["x", "y", "z"],
                                 "ownerReferences": [{"uid": "u1", "name": "one", "controller": true}]}})),
            ("Service", json!({"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}}),
             json!({"spec": {"ports": [{"port": 443, "targetPort": 8443}]}}),
             json!({"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https", "targetPort": 8443}]}})),
            ("Node", json!({"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "PIDPressure"}]}}),
             json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
             json!({"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "PIDPressure"}]}})),
        ];
        for (kind, doc, patch, expected) in cases {
            check(doc, patch, kind, expected);
        }
    }

    #[test]
    fn strategic_apply_patch_from_kubectl() {
        let last = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"b":"2"},"name":"d"}}"#;
        #[rustfmt::skip]
        let patch = json!({"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": last},
                                        "labels": {"b": "2"}},
                           "spec": {"$setElementOrder/containers": [{"name": "a"}],
                                    "containers": [{"image": "myapp:v2", "name": "a"}]}});
        check(
            json!({"metadata": {"name": "d", "labels": {"a": "1"}},
                   "spec": {"containers": [{"name": "a", "image": "myapp:v1"}]}}),
            patch.clone(),
            "Pod",
            json!({"metadata": {"name": "d", "labels": {"a": "1", "b": "2"},
                                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": last}},
                   "spec": {"containers": [{"name": "a", "image": "myapp:v2"}]}}),
        );
        // the Deployment form, with the containers under spec.template.spec
        let doc = deploy(
            json!([{"name": "a", "image": "myapp:v1", "imagePullPolicy": "Always"}]),
            json!({}),
        );
        let patch =
            json!({"metadata": patch["metadata"], "spec": {"template": {"spec": patch["spec"]}}});
        let got = strategic_merge_patch(&doc, &patch, "Deployment").unwrap();
        let want = json!([{"name": "a", "image": "myapp:v2", "imagePullPolicy": "Always"}]);
        assert_eq!(got["spec"]["template"]["spec"]["containers"], want);
        assert_eq!(got["metadata"]["labels"], json!({"b": "2"}));
    }

    #[test]
    fn strategic_merge_errors() {
        #[rustfmt::skip]
        let cases = [
            (pod(json!([])), json!({"spec": {"containers": [{"image": "x"}]}}),
             "invalid strategic merge patch at .spec.containers: list element has no merge key \"name\""),
            (json!({}), json!({"spec": {"$patch": "explode"}}),
             "invalid strategic merge patch at .spec: unknown patch type \"explode\""),
            (json!({"spec": {"a": 1}}), json!({"spec": {"$retainKeys": ["a"], "b": 2}}),
             "invalid strategic merge patch at .spec: $retainKeys must list every field that the patch sets"),
            (json!({}), json!([]), "strategic merge patch must be a JSON object"),
        ];
        for (doc, patch, message) in cases {
            let err = strategic_merge_patch(&doc, &patch, "Pod").unwrap_err();
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn json_patch_cases() {
        let doc = json!({"a": {"b": [1, 2]}, "c/d": 1, "e~f": 2});
        #[rustfmt::skip]
        let cases = [
            (json!([{"op": "add", "path": "/a/b/1", "value": 9}]), json!({"a": {"b": [1, 9, 2]}, "c/d": 1, "e~f": 2})),
            (json!([{"op": "add", "path": "/a/b/-", "value": 3}]), json!({"a": {"b": [1, 2, 3]}, "c/d": 1, "e~f": 2})),
            (json!([{"op": "remove", "path": "/c~1d"}, {"op": "replace", "path": "/e~0f", "value": null}]),
             json!({"a": {"b": [1, 2]}, "e~f": null})),
            (json!([{"op": "move", "from": "/a/b", "path": "/b"}]), json!({"a": {}, "b": [1, 2], "c/d": 1, "e~f": 2})),
            (json!([{"op": "copy", "from": "/a/b/0", "path": "/x"}, {"op": "test", "path": "/x", "value": 1.0}]),
             json!({"a": {"b": [1, 2]}, "c/d": 1, "e~f": 2, "x": 1})),
            (json!([{"op": "add", "path": "", "value": [1]}]), json!([1])),
        ];
        for (patch, expected) in cases {
            assert_eq!(json_patch(&doc, &patch), Ok(expected), "patch {patch}");
        }
        #[rustfmt::skip]
        let errors = [
            (json!({"op": "add"}), "json patch must be a JSON array of operations"),
            (json!([{"op": "test", "path": "/c~1d", "value": 2}]), "testing value /c~1d failed: test failed"),
            (json!([{"op": "remove", "path": "/a"}, {"op": "remove", "path": "/a"}]),
             "remove operation does not apply: doc is missing path: \"/a\""),
            (json!([{"op": "add", "path": "/a/b/01", "value": 0}]),
             "add operation does not apply: doc is missing path: \"/a/b/01\""),
            (json!([{"op": "add", "path": "/a/b/3", "value": 0}]),
             "add operation does not apply: doc is missing path: \"/a/b/3\""),
            (json!([{"op": "copy", "from": "/z", "path": "/y"}]),
             "copy operation does not apply: doc is missing path: \"/z\""),
            (json!([{"op": "replace", "path": "a/b", "value": 0}]),
             "invalid JSON pointer \"a/b\": must be empty or start with '/'"),
            (json!([{"op": "remove", "path": "/a~2"}]), "invalid JSON pointer \"/a~2\": '~' must be followed by '0' or '1'"),
            (json!([{"op": "jump", "path": "/a"}]), "json patch operation 0 is invalid: unknown op \"jump\""),
            (json!([{"op": "add", "path": "/x", "value": 1}, {"op": "add", "path": "/a"}]),
             "json patch operation 1 is invalid: add operation is missing field \"value\""),
            (json!([{"op": "move", "from": "/a", "path": "/a/b/x"}]),
             "json patch operation 0 is invalid: cannot move \"/a\" into its own child \"/a/b/x\""),
            (json!([1]), "json patch operation 0 is invalid: an operation must be a JSON object"),
        ];
        for (patch, message) in errors {
            assert_eq!(json_patch(&doc, &patch).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn merge_patch_cases() {
        let doc = json!({"a": {"b": 1, "c": [1, 2]}, "d": "x"});
        #[rustfmt::skip]
        let cases = [
            (json!({"a": {"b": null}}), json!({"a": {"c": [1, 2]}, "d": "x"})),
            (json!({"a": {"c": [3]}, "e": {"f": null, "g": 1}}), json!({"a": {"b": 1, "c": [3]}, "d": "x", "e": {"g": 1}})),
            (json!({"d": {"y": 1}}), json!({"a": {"b": 1, "c": [1, 2]}, "d": {"y": 1}})),
            (json!([1]), json!([1])),
            (json!(null), json!(null)),
        ];
        for (patch, expected) in cases {
            assert_eq!(merge_patch(&doc, &patch), expected, "patch {patch}");
        }
    }
}
