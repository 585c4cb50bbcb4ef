//! Server-side printing: lists and watch events as meta.k8s.io/v1 Tables.

use peapod_api::printers::{column_definitions, row_cells, row_conditions};
use peapod_api::resources::ResourceInfo;
use serde_json::{json, Value};

/// `?includeObject=`: what each row carries besides its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    None,
    #[default]
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

fn row(r: &ResourceInfo, obj: &Value, include: IncludeObject, now: i64) -> Value {
    let object = match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or(Value::Null),
        }),
    };
    let mut row = json!({"cells": row_cells(r.plural, obj, now), "object": object});
    let conditions = row_conditions(r.plural, obj);
    if !conditions.is_empty() {
        row["conditions"] = serde_json::to_value(conditions).unwrap_or_default();
    }
    row
}

/// A Table of `items`; `headers` false leaves out column definitions (`?noHeaders` style).
pub fn to_table(
    r: &ResourceInfo,
    items: &[Value],
    include: IncludeObject,
    rv: &str,
    cont: Option<&str>,
    now: i64,
) -> Value {
    let rows: Vec<Value> = items.iter().map(|o| row(r, o, include, now)).collect();
    let mut md = json!({"resourceVersion": rv});
    if let Some(c) = cont {
        md["continue"] = json!(c);
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": md,
        "columnDefinitions": column_definitions(r.plural),
        "rows": rows,
    })
}
