//! Field errors (apimachinery's `field.Error`) and the closed set of API error kinds that map to
//! `metav1.Status` and HTTP codes in exactly one place.

use serde_json::{json, Value};
use std::fmt;

/// The kind of a field validation error; the Display text is what Kubernetes prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorType {
    Required,
    Invalid,
    Duplicate,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    NotFound,
}

impl FieldErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldErrorType::Required => "Required value",
            FieldErrorType::Invalid => "Invalid value",
            FieldErrorType::Duplicate => "Duplicate value",
            FieldErrorType::NotSupported => "Unsupported value",
            FieldErrorType::Forbidden => "Forbidden",
            FieldErrorType::TooLong => "Too long",
            FieldErrorType::TooMany => "Too many",
            FieldErrorType::NotFound => "Not found",
        }
    }

    /// The `reason` used in `Status.details.causes[]`.
    pub fn cause_reason(self) -> &'static str {
        match self {
            FieldErrorType::Required => "FieldValueRequired",
            FieldErrorType::Invalid => "FieldValueInvalid",
            FieldErrorType::Duplicate => "FieldValueDuplicate",
            FieldErrorType::NotSupported => "FieldValueNotSupported",
            FieldErrorType::Forbidden => "FieldValueForbidden",
            FieldErrorType::TooLong => "FieldValueTooLong",
            FieldErrorType::TooMany => "FieldValueTooMany",
            FieldErrorType::NotFound => "FieldValueNotFound",
        }
    }
}

/// One validation failure at a field path such as `spec.initContainers[1].name`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub kind: FieldErrorType,
    pub field: String,
    /// The offending value, printed for Invalid/Duplicate/NotSupported.
    pub value: Option<Value>,
    pub detail: String,
}

impl FieldError {
    pub fn new(
        kind: FieldErrorType,
        field: impl Into<String>,
        value: Option<Value>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            kind,
            field: field.into(),
            value,
            detail: detail.into(),
        }
    }
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Required, field, None, detail)
    }
    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<Value>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(FieldErrorType::Invalid, field, Some(value.into()), detail)
    }
    pub fn duplicate(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::new(FieldErrorType::Duplicate, field, Some(value.into()), "")
    }
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Forbidden, field, None, detail)
    }
    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        Self::new(
            FieldErrorType::TooLong,
            field,
            None,
            format!("may not be more than {max} bytes"),
        )
    }
    /// `Unsupported value: "x": supported values: "a", "b"`.
    pub fn not_supported(
        field: impl Into<String>,
        value: impl Into<Value>,
        allowed: &[&str],
    ) -> Self {
        let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
        Self::new(
            FieldErrorType::NotSupported,
            field,
            Some(value.into()),
            format!("supported values: {}", list.join(", ")),
        )
    }
}

/// Renders a value the way Go's `%#v`-ish field error printing does: strings quoted, numbers bare.
fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.kind.as_str())?;
        if let (
            Some(v),
            FieldErrorType::Invalid | FieldErrorType::Duplicate | FieldErrorType::NotSupported,
        ) = (&self.value, self.kind)
        {
            write!(f, ": {}", render_value(v))?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Joins field errors as Kubernetes' `ToAggregate` does: one error bare, several in brackets.
pub fn aggregate(errs: &[FieldError]) -> String {
    let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    if msgs.len() == 1 {
        msgs[0].clone()
    } else {
        format!("[{}]", msgs.join(", "))
    }
}

/// The closed set of API errors. Each maps to one HTTP code and `Status.reason`.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    NotFound {
        group: String,
        resource: String,
        name: String,
    },
    AlreadyExists {
        group: String,
        resource: String,
        name: String,
    },
    Conflict {
        group: String,
        resource: String,
        name: String,
        message: String,
    },
    Invalid {
        group: String,
        kind: String,
        name: String,
        errors: Vec<FieldError>,
    },
    BadRequest(String),
    Unauthorized,
    Forbidden(String),
    MethodNotSupported {
        resource: String,
        verb: String,
    },
    NotAcceptable(String),
    UnsupportedMediaType(String),
    Gone(String),
    Unavailable(String),
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> u16 {
        match self {
            ApiError::NotFound { .. } => 404,
            ApiError::AlreadyExists { .. } | ApiError::Conflict { .. } => 409,
            ApiError::Invalid { .. } => 422,
            ApiError::BadRequest(_) => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::MethodNotSupported { .. } => 405,
            ApiError::NotAcceptable(_) => 406,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::Gone(_) => 410,
            ApiError::Unavailable(_) => 503,
            ApiError::Internal(_) => 500,
        }
    }

    pub fn reason(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } => "NotFound",
            ApiError::AlreadyExists { .. } => "AlreadyExists",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::Invalid { .. } => "Invalid",
            ApiError::BadRequest(_) => "BadRequest",
            ApiError::Unauthorized => "Unauthorized",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::MethodNotSupported { .. } => "MethodNotAllowed",
            ApiError::NotAcceptable(_) => "NotAcceptable",
            ApiError::UnsupportedMediaType(_) => "UnsupportedMediaType",
            ApiError::Gone(_) => "Expired",
            ApiError::Unavailable(_) => "ServiceUnavailable",
            ApiError::Internal(_) => "InternalError",
        }
    }

    pub fn message(&self) -> String {
        fn qualified(group: &str, resource: &str) -> String {
            if group.is_empty() {
                resource.to_string()
            } else {
                format!("{resource}.{group}")
            }
        }
        match self {
            ApiError::NotFound {
                group,
                resource,
                name,
            } => format!("{} \"{name}\" not found", qualified(group, resource)),
            ApiError::AlreadyExists {
                group,
                resource,
                name,
            } => {
                format!("{} \"{name}\" already exists", qualified(group, resource))
            }
            ApiError::Conflict {
                group,
                resource,
                name,
                message,
            } => {
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": {message}",
                    qualified(group, resource)
                )
            }
            ApiError::Invalid {
                group,
                kind,
                name,
                errors,
            } => {
                let k = if group.is_empty() {
                    kind.clone()
                } else {
                    format!("{kind}.{group}")
                };
                format!("{k} \"{name}\" is invalid: {}", aggregate(errors))
            }
            ApiError::Unauthorized => "Unauthorized".to_string(),
            ApiError::MethodNotSupported { resource, verb } => {
                format!("{verb} is not supported on resources of kind \"{resource}\"")
            }
            ApiError::BadRequest(m)
            | ApiError::Forbidden(m)
            | ApiError::NotAcceptable(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::Gone(m)
            | ApiError::Unavailable(m)
            | ApiError::Internal(m) => m.clone(),
        }
    }

    /// The `metav1.Status` body for this error.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message(),
            "reason": self.reason(),
            "code": self.code(),
        });
        let details = match self {
            ApiError::NotFound {
                group,
                resource,
                name,
            }
            | ApiError::AlreadyExists {
                group,
                resource,
                name,
            }
            | ApiError::Conflict {
                group,
                resource,
                name,
                ..
            } => Some(json!({"name": name, "group": group, "kind": resource})),
            ApiError::Invalid {
                group,
                kind,
                name,
                errors,
            } => {
                let causes: Vec<Value> = errors
                    .iter()
                    .map(|e| {
                        let msg = e.to_string();
                        let msg = msg
                            .strip_prefix(&format!("{}: ", e.field))
                            .unwrap_or(&msg)
                            .to_string();
                        json!({"reason": e.kind.cause_reason(), "message": msg, "field": e.field})
                    })
                    .collect();
                Some(json!({"name": name, "group": group, "kind": kind, "causes": causes}))
            }
            _ => None,
        };
        if let (Some(d), Some(obj)) = (details, status.as_object_mut()) {
            obj.insert("details".into(), d);
        }
        status
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_message_matches_kubernetes() {
        let e = ApiError::Invalid {
            group: String::new(),
            kind: "Pod".into(),
            name: "x".into(),
            errors: vec![FieldError::duplicate(
                "spec.initContainers[1].name",
                "myapp-container",
            )],
        };
        assert_eq!(e.message(), "Pod \"x\" is invalid: spec.initContainers[1].name: Duplicate value: \"myapp-container\"");
        assert_eq!(e.code(), 422);
    }

    #[test]
    fn several_errors_are_bracketed() {
        let errs = vec![
            FieldError::required("spec.containers", ""),
            FieldError::not_supported(
                "spec.restartPolicy",
                "Sometimes",
                &["Always", "OnFailure", "Never"],
            ),
        ];
        assert_eq!(
            aggregate(&errs),
            "[spec.containers: Required value, spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"]"
        );
    }

    #[test]
    fn not_found_names_group() {
        let e = ApiError::NotFound {
            group: "apps".into(),
            resource: "deployments".into(),
            name: "web".into(),
        };
        assert_eq!(e.message(), "deployments.apps \"web\" not found");
    }
}
