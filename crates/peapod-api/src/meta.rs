//! ObjectMeta bookkeeping on an object's JSON: names, generateName, uid, timestamps.

use rand::Rng;
use serde_json::{Map, Value};

/// The alphabet Kubernetes uses for generated name suffixes (no vowels, no 0/1/3).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `metadata.generateName` + 5 random characters, the prefix cut so the name stays ≤ 63.
pub fn generate_name(prefix: &str) -> String {
    let mut rng = rand::rng();
    let cut: String = prefix.chars().take(58).collect();
    let suffix: String = (0..5)
        .map(|_| NAME_ALPHABET[rng.random_range(0..NAME_ALPHABET.len())] as char)
        .collect();
    format!("{cut}{suffix}")
}

/// The name of a new Event about the object `involved`: `<involved>.<unix nanos in hex>`, as
/// client-go's recorders make it, so a list (and `kubectl describe`, for events of the same
/// second) keeps events in the order they were made.
pub fn event_name(involved: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{involved}.{nanos:x}")
}

/// A random (version 4) UUID in its canonical text form.
pub fn new_uid() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// RFC 3339 with second precision, as metav1.Time marshals (`2026-11-22T08:00:00Z`).
pub fn format_time(unix_secs: i64) -> String {
    match k8s_openapi::jiff::Timestamp::from_second(unix_secs) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => String::new(),
    }
}

/// RFC 3339 with microseconds, as metav1.MicroTime marshals.
pub fn format_micro_time(unix_micros: i64) -> String {
    match k8s_openapi::jiff::Timestamp::from_microsecond(unix_micros) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string(),
        Err(_) => String::new(),
    }
}

/// Parses an RFC 3339 timestamp into unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    s.parse::<k8s_openapi::jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

/// Mutable access to `metadata`, creating it when missing. Returns None if obj is not a map.
pub fn metadata_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let map = obj.as_object_mut()?;
    let md = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !md.is_object() {
        *md = Value::Object(Map::new());
    }
    md.as_object_mut()
}

pub fn name(obj: &Value) -> &str {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn namespace(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub fn resource_version(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub fn uid(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/uid").and_then(Value::as_str)
}

pub fn deletion_timestamp(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/deletionTimestamp")
        .and_then(Value::as_str)
}

pub fn finalizers(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `metadata.<field>` to a string.
pub fn set_str(obj: &mut Value, field: &str, value: &str) {
    if let Some(md) = metadata_mut(obj) {
        md.insert(field.to_string(), Value::String(value.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names() {
        let n = generate_name("web-");
        assert_eq!(n.len(), 9);
        assert!(n[4..].bytes().all(|c| NAME_ALPHABET.contains(&c)));
        assert_eq!(generate_name(&"a".repeat(80)).len(), 63);
    }

    #[test]
    fn uids_are_v4() {
        let u = new_uid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn times() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_time("2026-11-22T08:00:00Z"), Some(1795334400));
        assert_eq!(format_micro_time(1_500_000), "1970-01-01T00:00:01.500000Z");
    }
}
