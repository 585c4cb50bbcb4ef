//! The meta.k8s.io/v1 Table types (k8s-openapi has none) used for server-side printing.
//!
//! Field names and omission rules follow the wire format of apimachinery's `metav1.Table`:
//! column definitions always carry all five fields, a row always carries `cells` and `object`
//! (`null` when the client asked for no object), and `conditions` only when there are some.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const API_VERSION: &str = "meta.k8s.io/v1";
pub const KIND: &str = "Table";

/// A tabular rendering of one object or a list, as `kubectl get` asks for with
/// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: TableListMeta,
    #[serde(default)]
    pub column_definitions: Vec<TableColumnDefinition>,
    #[serde(default)]
    pub rows: Vec<TableRow>,
}

impl Table {
    pub fn new(column_definitions: Vec<TableColumnDefinition>, rows: Vec<TableRow>) -> Self {
        Table {
            api_version: API_VERSION.to_string(),
            kind: KIND.to_string(),
            metadata: TableListMeta::default(),
            column_definitions,
            rows,
        }
    }
}

impl Default for Table {
    fn default() -> Self {
        Table::new(Vec::new(), Vec::new())
    }
}

/// The list metadata of a Table (metav1.ListMeta).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableListMeta {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    #[serde(rename = "continue", default, skip_serializing_if = "Option::is_none")]
    pub continue_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
}

/// One column: `name` is what kubectl upper-cases into the header; columns with
/// `priority > 0` only show with `-o wide`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableColumnDefinition {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub priority: i32,
}

/// One row: a cell per column definition, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    pub cells: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<TableRowCondition>,
    /// The full object, its PartialObjectMetadata, or `null` (per `includeObject`).
    #[serde(default)]
    pub object: Value,
}

/// A row condition; the only type upstream uses is `Completed` (kubectl's `--show-all` era).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRowCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_wire_format() {
        let mut t = Table::new(
            vec![TableColumnDefinition {
                name: "Name".into(),
                type_: "string".into(),
                format: "name".into(),
                description: "d".into(),
                priority: 0,
            }],
            vec![TableRow {
                cells: vec![json!("a")],
                conditions: vec![],
                object: Value::Null,
            }],
        );
        t.metadata.resource_version = "7".into();
        t.metadata.continue_ = Some("tok".into());
        assert_eq!(
            serde_json::to_value(&t).unwrap_or_default(),
            json!({
                "apiVersion": "meta.k8s.io/v1",
                "kind": "Table",
                "metadata": {"resourceVersion": "7", "continue": "tok"},
                "columnDefinitions": [
                    {"name": "Name", "type": "string", "format": "name", "description": "d", "priority": 0}
                ],
                "rows": [{"cells": ["a"], "object": null}]
            })
        );
        let back: Table = serde_json::from_value(serde_json::to_value(&t).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(back, t);
    }

    #[test]
    fn row_condition_omits_empty_fields() {
        let c = TableRowCondition {
            type_: "Completed".into(),
            status: "True".into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&c).unwrap_or_default(),
            json!({"type": "Completed", "status": "True"})
        );
    }
}
