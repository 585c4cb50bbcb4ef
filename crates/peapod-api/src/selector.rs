//! Label selectors (the string form used in `?labelSelector=`, with set-based requirements) and
//! field selectors evaluated against an object's JSON.

use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Eq,
    NotEq,
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
    value: String,
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_set(s: &str) -> Result<Vec<String>, String> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("expected a parenthesised set of values, found {s:?}"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

impl LabelSelector {
    /// Parses `a=b,c!=d,e in (f,g),!h,i`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if s.trim().is_empty() {
            return Ok(LabelSelector { reqs });
        }
        for part in split_top_level(s) {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!(
                    "unable to parse requirement: empty requirement in {s:?}"
                ));
            }
            let req = if let Some(k) = part.strip_prefix('!') {
                Requirement {
                    key: k.trim().to_string(),
                    op: Op::DoesNotExist,
                    value: String::new(),
                }
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement {
                    key: k.trim().to_string(),
                    op: Op::NotEq,
                    value: v.trim().to_string(),
                }
            } else if let Some((k, v)) = part.split_once("==") {
                Requirement {
                    key: k.trim().to_string(),
                    op: Op::Eq,
                    value: v.trim().to_string(),
                }
            } else if let Some((k, v)) = part.split_once('=') {
                Requirement {
                    key: k.trim().to_string(),
                    op: Op::Eq,
                    value: v.trim().to_string(),
                }
            } else if let Some(idx) = part.find(" notin ") {
                let set = parse_set(&part[idx + 7..])?;
                Requirement {
                    key: part[..idx].trim().to_string(),
                    op: Op::NotIn(set),
                    value: String::new(),
                }
            } else if let Some(idx) = part.find(" in ") {
                let set = parse_set(&part[idx + 4..])?;
                Requirement {
                    key: part[..idx].trim().to_string(),
                    op: Op::In(set),
                    value: String::new(),
                }
            } else {
                Requirement {
                    key: part.to_string(),
                    op: Op::Exists,
                    value: String::new(),
                }
            };
            if !valid_key(&req.key) {
                return Err(format!("invalid label key {:?} in selector {s:?}", req.key));
            }
            reqs.push(req);
        }
        Ok(LabelSelector { reqs })
    }

    /// Builds a selector from a `metav1.LabelSelector` JSON (matchLabels + matchExpressions).
    pub fn from_json(sel: &Value) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in m {
                let value = v.as_str().unwrap_or_default().to_string();
                reqs.push(Requirement {
                    key: k.clone(),
                    op: Op::Eq,
                    value,
                });
            }
        }
        if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
            for e in exprs {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let values: Vec<String> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let op = match e.get("operator").and_then(Value::as_str) {
                    Some("In") => Op::In(values),
                    Some("NotIn") => Op::NotIn(values),
                    Some("Exists") => Op::Exists,
                    Some("DoesNotExist") => Op::DoesNotExist,
                    other => {
                        return Err(format!("{other:?} is not a valid label selector operator"))
                    }
                };
                reqs.push(Requirement {
                    key,
                    op,
                    value: String::new(),
                });
            }
        }
        Ok(LabelSelector { reqs })
    }

    /// A selector that matches exactly these labels (a Service's `spec.selector`).
    pub fn from_map(m: &BTreeMap<String, String>) -> Self {
        let reqs = m
            .iter()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                op: Op::Eq,
                value: v.clone(),
            })
            .collect();
        LabelSelector { reqs }
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Matches against a `metadata.labels` JSON object (or null).
    pub fn matches(&self, labels: Option<&Value>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.reqs.iter().all(|r| match &r.op {
            Op::Eq => get(&r.key) == Some(r.value.as_str()),
            Op::NotEq => get(&r.key) != Some(r.value.as_str()),
            Op::In(set) => get(&r.key).is_some_and(|v| set.iter().any(|s| s == v)),
            Op::NotIn(set) => get(&r.key).is_none_or(|v| !set.iter().any(|s| s == v)),
            Op::Exists => get(&r.key).is_some(),
            Op::DoesNotExist => get(&r.key).is_none(),
        })
    }

    /// Matches an object's labels.
    pub fn matches_object(&self, obj: &Value) -> bool {
        self.matches(obj.pointer("/metadata/labels"))
    }
}

/// A parsed field selector: `metadata.name=x,spec.nodeName!=y`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    reqs: Vec<(String, bool, String)>,
}

impl FieldSelector {
    /// Parses and checks the field names against those the resource supports.
    pub fn parse(s: &str, supported: &[&str]) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if s.trim().is_empty() {
            return Ok(FieldSelector { reqs });
        }
        for part in s.split(',') {
            let (field, eq, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let field = field.trim();
            if !supported.contains(&field) {
                return Err(format!("field label not supported: {field}"));
            }
            reqs.push((field.to_string(), eq, value.trim().to_string()));
        }
        Ok(FieldSelector { reqs })
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// The exact `metadata.name` this selector requires, if any (lets list/watch narrow keys).
    pub fn required_name(&self) -> Option<&str> {
        self.reqs
            .iter()
            .find(|(f, eq, _)| f == "metadata.name" && *eq)
            .map(|(_, _, v)| v.as_str())
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.reqs.iter().all(|(field, eq, want)| {
            let pointer = format!("/{}", field.replace('.', "/"));
            let got = match obj.pointer(&pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (got == *want) == *eq
        })
    }
}

/// Field selectors each resource supports, as the Kubernetes API server does.
pub fn supported_fields(plural: &str) -> &'static [&'static str] {
    match plural {
        "pods" => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "events" => &[
            "metadata.name",
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "regarding.kind",
            "regarding.name",
            "regarding.namespace",
            "regarding.uid",
        ],
        "secrets" => &["metadata.name", "metadata.namespace", "type"],
        "namespaces" => &["metadata.name", "status.phase"],
        "nodes" => &["metadata.name", "spec.unschedulable"],
        "replicasets" => &["metadata.name", "metadata.namespace", "status.replicas"],
        "jobs" => &["metadata.name", "metadata.namespace", "status.successful"],
        _ => &["metadata.name", "metadata.namespace"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(sel: &str, labels: Value, want: bool) {
        let s = LabelSelector::parse(sel).unwrap();
        assert_eq!(s.matches(Some(&labels)), want, "{sel} on {labels}");
    }

    #[test]
    fn label_selectors() {
        check("", json!({}), true);
        check("app=web", json!({"app": "web"}), true);
        check("app==web", json!({"app": "db"}), false);
        check("app!=web", json!({}), true);
        check(
            "app in (web, db),tier",
            json!({"app": "db", "tier": "x"}),
            true,
        );
        check("app notin (web)", json!({"app": "db"}), true);
        check("!app", json!({"app": "db"}), false);
        check("app", json!({"app": ""}), true);
        assert!(LabelSelector::parse("a=b,,c").is_err());
    }

    #[test]
    fn selector_from_json() {
        let s = LabelSelector::from_json(&json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}]})).unwrap();
        assert!(s.matches(Some(&json!({"app": "web", "tier": "a"}))));
        assert!(!s.matches(Some(&json!({"app": "web"}))));
    }

    #[test]
    fn field_selectors() {
        let ev =
            json!({"involvedObject": {"kind": "Pod", "name": "web"}, "metadata": {"name": "e1"}});
        let s = FieldSelector::parse(
            "involvedObject.kind=Pod,involvedObject.name=web",
            supported_fields("events"),
        )
        .unwrap();
        assert!(s.matches(&ev));
        let s =
            FieldSelector::parse("involvedObject.name!=web", supported_fields("events")).unwrap();
        assert!(!s.matches(&ev));
        assert_eq!(
            FieldSelector::parse("spec.foo=x", supported_fields("pods")).unwrap_err(),
            "field label not supported: spec.foo"
        );
        let s = FieldSelector::parse("spec.nodeName=", supported_fields("pods")).unwrap();
        assert!(s.matches(&json!({"spec": {}})));
    }
}
