//! Decoding Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) into the
//! equivalent Kubernetes JSON.
//!
//! client-go's typed clients (and so `kubectl create configmap|secret|deployment|...`) send their
//! bodies as protobuf and never fall back to JSON. A body is the magic `k8s\0` followed by a
//! `runtime.Unknown` message whose `raw` field holds the object's message (which carries no
//! apiVersion/kind: those are in the envelope).
//!
//! The decoder is driven by a hand-written schema table ([`schema`]) and reproduces what the Go
//! API server produces: it decodes into the Go struct, whose generated marshallers always write
//! non-pointer fields, and encodes that with `encoding/json`. So a zero scalar in an `omitempty`
//! non-pointer field is omitted, pointers and structs are emitted when present (`replicas: 0`,
//! `strategy: {}`), and the zero `Time` is omitted. Fields absent from the wire are omitted.
//! Nothing is dropped silently: an unknown field number, a wrong wire type, a group or malformed
//! or truncated input is an error naming the byte offset in the body.

mod schema;
#[cfg(test)]
mod tests;

use schema::{Card, Kind, Message};
use serde_json::{Map, Number, Value};

/// The prefix of every Kubernetes protobuf body.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// The media type of Kubernetes protobuf bodies.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// Nested messages deeper than this are rejected (the schema itself is far shallower).
const MAX_DEPTH: usize = 64;

/// Seconds of Go's zero `time.Time` (0001-01-01T00:00:00Z) since the Unix epoch.
const GO_ZERO_TIME_SECONDS: i64 = -62_135_596_800;

/// Why a protobuf body could not be decoded. Offsets are byte offsets into the whole body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    #[error("not a Kubernetes protobuf body: it does not start with the magic bytes \"k8s\\0\"")]
    MissingMagic,
    #[error("malformed protobuf at byte {offset}: {reason}")]
    Malformed { offset: usize, reason: String },
    #[error("unknown field number {field} (wire type {wire_type}) in {message} at byte {offset}")]
    UnknownField {
        message: &'static str,
        field: u32,
        wire_type: u8,
        offset: usize,
    },
    #[error(
        "field {message}.{field} has wire type {wire_type} at byte {offset}, expected {expected}"
    )]
    WrongWireType {
        message: &'static str,
        field: &'static str,
        wire_type: u8,
        expected: u8,
        offset: usize,
    },
    #[error("invalid value for {message}.{field} at byte {offset}: {reason}")]
    InvalidValue {
        message: &'static str,
        field: &'static str,
        offset: usize,
        reason: String,
    },
    #[error("{message}.{field} is not supported in protobuf bodies")]
    Unsupported {
        message: &'static str,
        field: &'static str,
    },
    #[error("protobuf bodies are not supported for kind {kind:?} of apiVersion {api_version:?}")]
    UnsupportedKind { api_version: String, kind: String },
}

type Result<T> = std::result::Result<T, ProtobufError>;

/// Decodes a Kubernetes protobuf request body: the 4-byte magic `k8s\0`, then a runtime.Unknown
/// message {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3, contentType=4}, whose `raw`
/// is the object's message. Returns the object as Kubernetes JSON (with apiVersion and kind set).
pub fn decode_object(body: &[u8]) -> std::result::Result<Value, ProtobufError> {
    let rest = body
        .strip_prefix(MAGIC.as_slice())
        .ok_or(ProtobufError::MissingMagic)?;
    let envelope = decode_unknown(Reader::new(rest, MAGIC.len()))?;
    if !envelope.content_encoding.is_empty() {
        return Err(ProtobufError::Unsupported {
            message: UNKNOWN,
            field: "contentEncoding",
        });
    }
    let message = schema::root(&envelope.api_version, &envelope.kind).ok_or_else(|| {
        ProtobufError::UnsupportedKind {
            api_version: envelope.api_version.clone(),
            kind: envelope.kind.clone(),
        }
    })?;
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String(envelope.api_version));
    object.insert("kind".into(), Value::String(envelope.kind));
    decode_message(message, envelope.raw, &mut object, 0)?;
    Ok(Value::Object(object))
}

const UNKNOWN: &str = "runtime.Unknown";
const TYPE_META: &str = "runtime.TypeMeta";

struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: Reader<'a>,
    content_encoding: String,
}

fn decode_unknown(mut r: Reader<'_>) -> Result<Envelope<'_>> {
    let mut env = Envelope {
        api_version: String::new(),
        kind: String::new(),
        raw: Reader::new(&[], r.offset()),
        content_encoding: String::new(),
    };
    while !r.is_empty() {
        let (offset, number, wire) = r.key()?;
        match number {
            1 => {
                let mut tm = r.len_delimited(UNKNOWN, "typeMeta", wire, offset)?;
                while !tm.is_empty() {
                    let (offset, number, wire) = tm.key()?;
                    let (field, slot) = match number {
                        1 => ("apiVersion", &mut env.api_version),
                        2 => ("kind", &mut env.kind),
                        _ => return Err(unknown_field(TYPE_META, number, wire, offset)),
                    };
                    *slot = tm.string(TYPE_META, field, wire, offset)?;
                }
            }
            2 => env.raw = r.len_delimited(UNKNOWN, "raw", wire, offset)?,
            3 => env.content_encoding = r.string(UNKNOWN, "contentEncoding", wire, offset)?,
            // The media type of `raw`; Kubernetes ignores it when decoding.
            4 => drop(r.string(UNKNOWN, "contentType", wire, offset)?),
            _ => return Err(unknown_field(UNKNOWN, number, wire, offset)),
        }
    }
    Ok(env)
}

fn unknown_field(message: &'static str, field: u32, wire_type: u8, offset: usize) -> ProtobufError {
    ProtobufError::UnknownField {
        message,
        field,
        wire_type,
        offset,
    }
}

// ---- the wire format ----

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

/// A cursor over one message's bytes; `base` is the offset of `buf` in the whole body.
#[derive(Clone, Copy)]
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn malformed(&self, offset: usize, reason: impl Into<String>) -> ProtobufError {
        ProtobufError::Malformed {
            offset,
            reason: reason.into(),
        }
    }

    fn varint(&mut self) -> Result<u64> {
        let start = self.offset();
        let mut value: u64 = 0;
        for i in 0..10u32 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(self.malformed(start, "truncated varint"));
            };
            self.pos += 1;
            if i == 9 && b > 1 {
                return Err(self.malformed(start, "varint longer than 64 bits"));
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.malformed(start, "varint longer than 10 bytes"))
    }

    /// Reads a field key: (offset of the key, field number, wire type).
    fn key(&mut self) -> Result<(usize, u32, u8)> {
        let offset = self.offset();
        let key = self.varint()?;
        let wire = (key & 7) as u8;
        let number = key >> 3;
        if number == 0 || number > (1 << 29) - 1 {
            return Err(self.malformed(offset, format!("invalid field number {number}")));
        }
        match wire {
            VARINT | FIXED64 | LEN | FIXED32 => {}
            START_GROUP | END_GROUP => {
                return Err(self.malformed(offset, "groups are not supported"));
            }
            _ => return Err(self.malformed(offset, format!("invalid wire type {wire}"))),
        }
        // Bounded by the check above.
        Ok((offset, number as u32, wire))
    }

    fn take(&mut self, len: usize) -> Result<Reader<'a>> {
        let start = self.offset();
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.buf.len())
            .ok_or_else(|| {
                self.malformed(
                    start,
                    format!(
                        "length {len} runs past the end of the enclosing message ({} bytes left)",
                        self.buf.len().saturating_sub(self.pos)
                    ),
                )
            })?;
        let sub = self.buf.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(Reader::new(sub, start))
    }

    /// Reads the payload of a length-delimited field, checking the wire type first.
    fn len_delimited(
        &mut self,
        message: &'static str,
        field: &'static str,
        wire: u8,
        offset: usize,
    ) -> Result<Reader<'a>> {
        expect_wire(message, field, wire, LEN, offset)?;
        let len_offset = self.offset();
        let len = self.varint()?;
        let len =
            usize::try_from(len).map_err(|_| self.malformed(len_offset, "length too large"))?;
        self.take(len)
    }

    /// A `string` field. Like Go (whose JSON encoder then replaces invalid UTF-8 with U+FFFD),
    /// invalid UTF-8 is not an error.
    fn string(
        &mut self,
        message: &'static str,
        field: &'static str,
        wire: u8,
        offset: usize,
    ) -> Result<String> {
        let sub = self.len_delimited(message, field, wire, offset)?;
        Ok(String::from_utf8_lossy(sub.buf).into_owned())
    }

    /// A varint-encoded field.
    fn varint_field(
        &mut self,
        message: &'static str,
        field: &'static str,
        wire: u8,
        offset: usize,
    ) -> Result<u64> {
        expect_wire(message, field, wire, VARINT, offset)?;
        self.varint()
    }
}

fn expect_wire(
    message: &'static str,
    field: &'static str,
    wire: u8,
    expected: u8,
    offset: usize,
) -> Result<()> {
    if wire == expected {
        Ok(())
    } else {
        Err(ProtobufError::WrongWireType {
            message,
            field,
            wire_type: wire,
            expected,
            offset,
        })
    }
}

// ---- schema-driven decoding ----

/// Decodes the fields of `message` from `r` into `out` (merging into what is there, as protobuf
/// does when a message field occurs more than once).
fn decode_message(
    message: &'static Message,
    mut r: Reader<'_>,
    out: &mut Map<String, Value>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(r.malformed(r.offset(), "messages nested too deeply"));
    }
    while !r.is_empty() {
        let (offset, number, wire) = r.key()?;
        let Some(&(_, name, kind, card)) = message.field(number) else {
            return Err(unknown_field(message.name, number, wire, offset));
        };
        let ctx = Ctx {
            message: message.name,
            field: name,
            offset,
        };
        match (kind, card) {
            (Kind::Msg(sub), Card::R) => {
                let data = r.len_delimited(ctx.message, name, wire, offset)?;
                let mut object = Map::new();
                decode_message(sub, data, &mut object, depth + 1)?;
                push(out, name, Value::Object(object));
            }
            (Kind::Str, Card::R) => {
                let s = r.string(ctx.message, name, wire, offset)?;
                push(out, name, Value::String(s));
            }
            (Kind::Bool | Kind::I32 | Kind::I64, Card::R) => {
                if wire == LEN {
                    // A packed repeated scalar.
                    let mut packed = r.len_delimited(ctx.message, name, wire, offset)?;
                    while !packed.is_empty() {
                        let offset = packed.offset();
                        let v = packed.varint()?;
                        push(out, name, scalar(kind, v, ctx.at(offset))?);
                    }
                } else {
                    let v = r.varint_field(ctx.message, name, wire, offset)?;
                    push(out, name, scalar(kind, v, ctx)?);
                }
            }
            (Kind::Bool | Kind::I32 | Kind::I64, _) => {
                let v = scalar(kind, r.varint_field(ctx.message, name, wire, offset)?, ctx)?;
                set(out, name, v, card);
            }
            (Kind::Str, _) => {
                let s = r.string(ctx.message, name, wire, offset)?;
                set(out, name, Value::String(s), card);
            }
            (Kind::Msg(sub), _) => {
                let data = r.len_delimited(ctx.message, name, wire, offset)?;
                let slot = out
                    .entry(name)
                    .and_modify(|v| {
                        if !v.is_object() {
                            *v = Value::Object(Map::new());
                        }
                    })
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(object) = slot {
                    decode_message(sub, data, object, depth + 1)?;
                }
            }
            (Kind::Inline(sub), _) => {
                let data = r.len_delimited(ctx.message, name, wire, offset)?;
                decode_message(sub, data, out, depth + 1)?;
            }
            (Kind::StrMap | Kind::BytesMap | Kind::QuantityMap, _) => {
                let data = r.len_delimited(ctx.message, name, wire, offset)?;
                let (key, value) = map_entry(kind, data, ctx)?;
                let slot = out
                    .entry(name)
                    .and_modify(|v| {
                        if !v.is_object() {
                            *v = Value::Object(Map::new());
                        }
                    })
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = slot {
                    map.insert(key, value);
                }
            }
            (Kind::Time | Kind::MicroTime, _) => {
                let data = r.len_delimited(ctx.message, name, wire, offset)?;
                match timestamp(kind, data, ctx)? {
                    Some(t) => push_or_set(out, name, Value::String(t), card),
                    None if card == Card::R => {}
                    None => drop(out.remove(name)),
                }
            }
            (Kind::Quantity, _) => {
                let data = r.len_delimited(ctx.message, name, wire, offset)?;
                push_or_set(out, name, quantity(data, ctx)?, card);
            }
            (Kind::IntOrString, _) => {
                let data = r.len_delimited(ctx.message, name, wire, offset)?;
                push_or_set(out, name, int_or_string(data, ctx)?, card);
            }
            (Kind::FieldsV1, _) => {
                let data = r.len_delimited(ctx.message, name, wire, offset)?;
                match fields_v1(data, ctx)? {
                    Some(v) => push_or_set(out, name, v, card),
                    None if card == Card::R => {}
                    None => drop(out.remove(name)),
                }
            }
        }
    }
    Ok(())
}

/// Where a value comes from, for errors.
#[derive(Clone, Copy)]
struct Ctx {
    message: &'static str,
    field: &'static str,
    offset: usize,
}

impl Ctx {
    fn at(self, offset: usize) -> Ctx {
        Ctx { offset, ..self }
    }

    fn invalid(self, reason: impl Into<String>) -> ProtobufError {
        ProtobufError::InvalidValue {
            message: self.message,
            field: self.field,
            offset: self.offset,
            reason: reason.into(),
        }
    }
}

fn push(out: &mut Map<String, Value>, name: &str, v: Value) {
    match out.get_mut(name) {
        Some(Value::Array(items)) => items.push(v),
        _ => {
            out.insert(name.to_string(), Value::Array(vec![v]));
        }
    }
}

fn push_or_set(out: &mut Map<String, Value>, name: &str, v: Value, card: Card) {
    if card == Card::R {
        push(out, name, v);
    } else {
        out.insert(name.to_string(), v);
    }
}

/// Sets a singular field; under `omitempty` a zero value leaves the field unset (a later
/// occurrence on the wire replaces an earlier one, so it also clears it).
fn set(out: &mut Map<String, Value>, name: &str, v: Value, card: Card) {
    let zero = match &v {
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0),
        _ => false,
    };
    if card == Card::O && zero {
        out.remove(name);
    } else {
        out.insert(name.to_string(), v);
    }
}

fn scalar(kind: Kind, v: u64, ctx: Ctx) -> Result<Value> {
    Ok(match kind {
        Kind::Bool => Value::Bool(v != 0),
        // Go writes int32 values as sign-extended 64-bit varints.
        Kind::I32 => {
            let v = i32::try_from(v as i64)
                .map_err(|_| ctx.invalid(format!("{} does not fit in an int32", v as i64)))?;
            Value::Number(v.into())
        }
        _ => Value::Number((v as i64).into()),
    })
}

/// One entry {key=1, value=2} of a map field.
fn map_entry(kind: Kind, mut r: Reader<'_>, ctx: Ctx) -> Result<(String, Value)> {
    const ENTRY: &str = "map entry";
    let mut key = String::new();
    let mut value = None;
    while !r.is_empty() {
        let (offset, number, wire) = r.key()?;
        match number {
            1 => key = r.string(ENTRY, "key", wire, offset)?,
            2 => {
                value = Some(match kind {
                    Kind::BytesMap => {
                        let data = r.len_delimited(ENTRY, "value", wire, offset)?;
                        Value::String(base64(data.buf))
                    }
                    Kind::QuantityMap => {
                        let data = r.len_delimited(ENTRY, "value", wire, offset)?;
                        quantity(data, ctx.at(offset))?
                    }
                    _ => Value::String(r.string(ENTRY, "value", wire, offset)?),
                })
            }
            _ => return Err(unknown_field(ctx.message, number, wire, offset).in_map(ctx)),
        }
    }
    let value = match (value, kind) {
        (Some(v), _) => v,
        (None, Kind::QuantityMap) => Value::String("0".into()),
        (None, _) => Value::String(String::new()),
    };
    Ok((key, value))
}

impl ProtobufError {
    /// Names the map field for an unknown field inside one of its entries.
    fn in_map(self, ctx: Ctx) -> ProtobufError {
        match self {
            ProtobufError::UnknownField {
                field,
                wire_type,
                offset,
                ..
            } => ProtobufError::InvalidValue {
                message: ctx.message,
                field: ctx.field,
                offset,
                reason: format!(
                    "unknown field number {field} (wire type {wire_type}) in a map entry"
                ),
            },
            other => other,
        }
    }
}

/// `meta/v1.Time` and `MicroTime`: {seconds=1 int64, nanos=2 int32}. `None` for Go's zero time,
/// which Kubernetes writes as an empty message and serializes to JSON null.
fn timestamp(kind: Kind, mut r: Reader<'_>, ctx: Ctx) -> Result<Option<String>> {
    let message = match kind {
        Kind::MicroTime => "meta/v1.MicroTime",
        _ => "meta/v1.Time",
    };
    if r.is_empty() {
        return Ok(None);
    }
    let (mut seconds, mut nanos) = (0i64, 0i64);
    while !r.is_empty() {
        let (offset, number, wire) = r.key()?;
        match number {
            1 => seconds = r.varint_field(message, "seconds", wire, offset)? as i64,
            2 => {
                let n = r.varint_field(message, "nanos", wire, offset)? as i64;
                if !(0..1_000_000_000).contains(&n) {
                    return Err(ctx.at(offset).invalid(format!("nanos {n} out of range")));
                }
                nanos = n;
            }
            _ => return Err(unknown_field(message, number, wire, offset)),
        }
    }
    // Kubernetes keeps only the seconds of a Time, and microseconds of a MicroTime.
    let micros = match kind {
        Kind::MicroTime => Some(nanos / 1000),
        _ => None,
    };
    if seconds == GO_ZERO_TIME_SECONDS && micros.unwrap_or(0) == 0 {
        return Ok(None);
    }
    format_rfc3339(seconds, micros)
        .map(Some)
        .ok_or_else(|| ctx.invalid(format!("time {seconds}s is outside the years 1 to 9999")))
}

/// Formats a Unix time in UTC as RFC 3339 (`2026-11-22T08:00:00Z`), with 6 fractional digits
/// when `micros` is given. `None` outside the years 1 to 9999.
fn format_rfc3339(seconds: i64, micros: Option<i64>) -> Option<String> {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return None;
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let frac = micros.map(|u| format!(".{u:06}")).unwrap_or_default();
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{frac}Z"
    ))
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `resource.Quantity` {string=1}. An empty message is the zero quantity, "0"; an empty string
/// does not parse as a quantity in Kubernetes either.
fn quantity(mut r: Reader<'_>, ctx: Ctx) -> Result<Value> {
    const QUANTITY: &str = "resource.Quantity";
    let mut s = None;
    while !r.is_empty() {
        let (offset, number, wire) = r.key()?;
        match number {
            1 => s = Some(r.string(QUANTITY, "string", wire, offset)?),
            _ => return Err(unknown_field(QUANTITY, number, wire, offset)),
        }
    }
    match s {
        None => Ok(Value::String("0".into())),
        Some(s) if s.is_empty() => Err(ctx.invalid("empty quantity")),
        Some(s) => Ok(Value::String(s)),
    }
}

/// `intstr.IntOrString` {type=1 (0 int, 1 string), intVal=2, strVal=3}.
fn int_or_string(mut r: Reader<'_>, ctx: Ctx) -> Result<Value> {
    const INT_OR_STRING: &str = "intstr.IntOrString";
    let (mut ty, mut int_val, mut str_val) = (0i64, 0i32, String::new());
    while !r.is_empty() {
        let (offset, number, wire) = r.key()?;
        match number {
            1 => ty = r.varint_field(INT_OR_STRING, "type", wire, offset)? as i64,
            2 => {
                let v = r.varint_field(INT_OR_STRING, "intVal", wire, offset)? as i64;
                int_val = i32::try_from(v)
                    .map_err(|_| ctx.at(offset).invalid(format!("intVal {v} out of range")))?;
            }
            3 => str_val = r.string(INT_OR_STRING, "strVal", wire, offset)?,
            _ => return Err(unknown_field(INT_OR_STRING, number, wire, offset)),
        }
    }
    match ty {
        0 => Ok(Value::Number(Number::from(int_val))),
        1 => Ok(Value::String(str_val)),
        _ => Err(ctx.invalid(format!(
            "IntOrString type {ty} is neither 0 (int) nor 1 (string)"
        ))),
    }
}

/// `meta/v1.FieldsV1` {Raw=1}: JSON bytes. `None` when Raw is absent (JSON null).
fn fields_v1(mut r: Reader<'_>, ctx: Ctx) -> Result<Option<Value>> {
    const FIELDS_V1: &str = "meta/v1.FieldsV1";
    let mut raw = None;
    while !r.is_empty() {
        let (offset, number, wire) = r.key()?;
        match number {
            1 => raw = Some(r.len_delimited(FIELDS_V1, "Raw", wire, offset)?),
            _ => return Err(unknown_field(FIELDS_V1, number, wire, offset)),
        }
    }
    raw.map(|raw| {
        serde_json::from_slice(raw.buf)
            .map_err(|e| ctx.at(raw.base).invalid(format!("Raw is not JSON: {e}")))
    })
    .transpose()
}

/// Standard base64 with padding, as Go's encoding/json writes `[]byte`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..4usize {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'=')));
            } else {
                out.push('=');
            }
        }
    }
    out
}
