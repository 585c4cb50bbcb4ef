//! Small shared pieces: JSON accessors, timestamps, HumanDuration and the label/selector
//! renderings printers.go borrows from apimachinery.

use serde_json::{Map, Value};

/// `metav1.Time{}` (0001-01-01T00:00:00Z) in unix seconds; Go treats it as "unset".
const GO_ZERO_TIME: i64 = -62_135_596_800;

pub(super) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(v, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

/// The string at `path`, or "" (Go's zero value) when absent or not a string.
pub(super) fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path).and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn opt_int_at(v: &Value, path: &[&str]) -> Option<i64> {
    at(v, path).and_then(Value::as_i64)
}

pub(super) fn int_at(v: &Value, path: &[&str]) -> i64 {
    opt_int_at(v, path).unwrap_or_default()
}

pub(super) fn bool_at(v: &Value, path: &[&str]) -> bool {
    at(v, path).and_then(Value::as_bool).unwrap_or_default()
}

pub(super) fn list_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

pub(super) fn map_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Map<String, Value>> {
    at(v, path).and_then(Value::as_object)
}

/// The number of entries of the map or list at `path` (Go's `len` of a nil map is 0).
pub(super) fn len_at(v: &Value, path: &[&str]) -> usize {
    match at(v, path) {
        Some(Value::Object(m)) => m.len(),
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

/// The timestamp at `path` in unix seconds; None when absent, unparsable or Go's zero time.
pub(super) fn time_at(v: &Value, path: &[&str]) -> Option<i64> {
    let s = at(v, path)?.as_str()?;
    let secs = s.parse::<k8s_openapi::jiff::Timestamp>().ok()?.as_second();
    (secs != GO_ZERO_TIME).then_some(secs)
}

/// `translateTimestampSince`: the age of a timestamp, `<unknown>` when unset.
pub(super) fn since(ts: Option<i64>, now: i64) -> String {
    match ts {
        Some(t) => human_duration(now.saturating_sub(t)),
        None => "<unknown>".to_string(),
    }
}

/// The age cell every printer ends with.
pub(super) fn age(obj: &Value, now: i64) -> Value {
    Value::from(since(time_at(obj, &["metadata", "creationTimestamp"]), now))
}

pub(super) fn name(obj: &Value) -> Value {
    Value::from(str_at(obj, &["metadata", "name"]))
}

/// apimachinery `duration.HumanDuration`: a short, lossy rendering of an elapsed time, keeping
/// two units while the smaller one still matters. Up to a second in the future reads as `0s`.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{h}h")
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        let d = days % 365;
        return if d == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{d}d")
        };
    }
    format!("{years}y")
}

/// `labels.FormatLabels`: `k=v` pairs sorted by key and comma-joined, `<none>` when empty.
pub(super) fn format_labels(map: Option<&Map<String, Value>>) -> String {
    let mut pairs: Vec<(&str, &str)> = map
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()))
        .collect();
    if pairs.is_empty() {
        return "<none>".to_string();
    }
    pairs.sort_unstable();
    let parts: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(",")
}

/// `metav1.LabelSelectorAsSelector(sel).String()`: requirements sorted by key, `k=v`,
/// `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. A missing or empty selector renders as "".
/// None where Go returns an error (unknown operator, wrong number of values).
pub(super) fn label_selector_string(sel: Option<&Value>) -> Option<String> {
    let Some(sel) = sel else {
        return Some(String::new());
    };
    let mut reqs: Vec<(&str, String)> = Vec::new();
    if let Some(labels) = map_at(sel, &["matchLabels"]) {
        for (k, v) in labels {
            reqs.push((k, format!("{k}={}", v.as_str().unwrap_or_default())));
        }
    }
    for expr in list_at(sel, &["matchExpressions"]) {
        let key = str_at(expr, &["key"]);
        let mut values: Vec<&str> = list_at(expr, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        values.sort_unstable();
        let text = match (str_at(expr, &["operator"]), values.is_empty()) {
            ("In", false) => format!("{key} in ({})", values.join(",")),
            ("NotIn", false) => format!("{key} notin ({})", values.join(",")),
            ("Exists", true) => key.to_string(),
            ("DoesNotExist", true) => format!("!{key}"),
            _ => return None,
        };
        reqs.push((key, text));
    }
    reqs.sort_by(|a, b| a.0.cmp(b.0));
    let parts: Vec<String> = reqs.into_iter().map(|(_, text)| text).collect();
    Some(parts.join(","))
}

/// `metav1.FormatLabelSelector`: as above, but `<none>` when empty and `<error>` when invalid.
pub(super) fn format_label_selector(sel: Option<&Value>) -> String {
    match label_selector_string(sel) {
        None => "<error>".to_string(),
        Some(s) if s.is_empty() => "<none>".to_string(),
        Some(s) => s,
    }
}

/// `layoutContainerCells`: container names and images, each comma-joined.
pub(super) fn container_cells(containers: &[Value]) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| str_at(c, &["name"])).collect();
    let images: Vec<&str> = containers.iter().map(|c| str_at(c, &["image"])).collect();
    (names.join(","), images.join(","))
}

/// Whether the first condition of `type_` has status True (upstream `hasJobCondition` and
/// `GetPodCondition` semantics: later duplicates are ignored).
pub(super) fn first_condition_true(conditions: &[Value], type_: &str) -> bool {
    conditions
        .iter()
        .find(|c| str_at(c, &["type"]) == type_)
        .is_some_and(|c| str_at(c, &["status"]) == "True")
}

/// "a,b,c" of the first three items, then " + N more..." (`listWithMoreString` without its
/// empty-list fallback); only the shown items are rendered. Returns whether any were cut.
pub(super) fn list_with_more<T>(
    items: impl Iterator<Item = T>,
    render: impl Fn(T) -> String,
) -> (String, bool) {
    const MAX: usize = 3;
    let mut list = Vec::with_capacity(MAX);
    let mut count = 0usize;
    for item in items {
        if list.len() < MAX {
            list.push(render(item));
        }
        count += 1;
    }
    let joined = list.join(",");
    if count > MAX {
        (format!("{joined} + {} more...", count - MAX), true)
    } else {
        (joined, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn human_duration_table() {
        let cases: &[(i64, &str)] = &[
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (1, "1s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (180, "3m"),
            (599, "9m59s"),
            (600, "10m"),
            (45 * 60, "45m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 5 * 60, "3h5m"),
            (8 * 3600 - 1, "7h59m"),
            (8 * 3600, "8h"),
            (47 * 3600 + 3599, "47h"),
            (48 * 3600, "2d"),
            (2 * 86400 + 3 * 3600, "2d3h"),
            (8 * 86400 - 1, "7d23h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (730 * 86400 + 86400, "2y1d"),
            (3 * 365 * 86400 + 10 * 86400, "3y10d"),
            (8 * 365 * 86400, "8y"),
            (20 * 365 * 86400 + 100 * 86400, "20y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(*secs), *want, "{secs}s");
        }
    }

    #[test]
    fn timestamps() {
        let v = json!({"a": "2024-01-01T00:00:10Z", "z": "0001-01-01T00:00:00Z", "bad": "x"});
        assert_eq!(time_at(&v, &["a"]), Some(1_704_067_210));
        assert_eq!(time_at(&v, &["z"]), None);
        assert_eq!(time_at(&v, &["bad"]), None);
        assert_eq!(since(None, 0), "<unknown>");
        assert_eq!(since(Some(100), 125), "25s");
    }

    #[test]
    fn labels_and_selectors() {
        assert_eq!(format_labels(None), "<none>");
        let m = json!({"b": "2", "a": "1"});
        assert_eq!(format_labels(m.as_object()), "a=1,b=2");

        let sel = json!({
            "matchLabels": {"tier": "web", "app": "nginx"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "zone", "operator": "NotIn", "values": ["x"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "b", "operator": "Exists"}
            ]
        });
        assert_eq!(
            format_label_selector(Some(&sel)),
            "app=nginx,b,!canary,env in (dev,prod),tier=web,zone notin (x)"
        );
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(format_label_selector(Some(&json!({}))), "<none>");
        let bad =
            json!({"matchExpressions": [{"key": "k", "operator": "Exists", "values": ["v"]}]});
        assert_eq!(format_label_selector(Some(&bad)), "<error>");
        assert_eq!(
            label_selector_string(Some(&json!({"matchLabels": {"a": "b"}}))),
            Some("a=b".to_string())
        );
    }
}
