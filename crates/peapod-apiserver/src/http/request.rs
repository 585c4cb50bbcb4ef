//! Parsing a Kubernetes API path into what it addresses (apiserver's RequestInfo).

use peapod_api::resources::{lookup, ResourceInfo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    pub resource: &'static ResourceInfo,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The deprecated `/watch/` path prefix was used.
    pub watch_path: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not a resource path (discovery or unknown): the caller decides.
    NotResource,
    NotFound(String),
}

/// Parses `/api/v1/namespaces/ns/pods/name/status`, `/apis/apps/v1/deployments`, ...
pub fn parse(path: &str) -> Result<RequestInfo, ParseError> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] if !rest.is_empty() => ("", *v, rest),
        ["apis", g, v, rest @ ..] if !rest.is_empty() => (*g, *v, rest),
        _ => return Err(ParseError::NotResource),
    };
    let (watch_path, rest) = match rest {
        ["watch", r @ ..] => (true, r),
        r => (false, r),
    };
    let not_found = || {
        ParseError::NotFound(format!(
            "the server could not find the requested resource ({path})"
        ))
    };
    // namespaces/<ns>/<resource>... except the namespaces resource itself and its subresources.
    let (namespace, rest): (Option<String>, &[&str]) = match rest {
        ["namespaces", ns, r, tail @ ..]
            if !(group.is_empty() && matches!(*r, "status" | "finalize") && tail.is_empty()) =>
        {
            (Some(ns.to_string()), &rest[2..])
        }
        _ => (None, rest),
    };
    let (plural, name, sub) = match rest {
        [p] => (*p, None, None),
        [p, n] => (*p, Some(n.to_string()), None),
        [p, n, s] => (*p, Some(n.to_string()), Some(s.to_string())),
        _ => return Err(not_found()),
    };
    let resource = lookup(group, version, plural).ok_or_else(not_found)?;
    if namespace.is_some() && !resource.namespaced {
        return Err(not_found());
    }
    Ok(RequestInfo {
        resource,
        namespace,
        name,
        subresource: sub,
        watch_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (plural, namespace, name, subresource)
    type Want<'a> = Option<(&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>)>;

    fn check(path: &str, want: Want<'_>) {
        match (parse(path), want) {
            (Ok(ri), Some((plural, ns, name, sub))) => {
                assert_eq!(ri.resource.plural, plural, "{path}");
                assert_eq!(ri.namespace.as_deref(), ns, "{path}");
                assert_eq!(ri.name.as_deref(), name, "{path}");
                assert_eq!(ri.subresource.as_deref(), sub, "{path}");
            }
            (Err(_), None) => {}
            (got, want) => panic!("{path}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn paths() {
        check("/api/v1/pods", Some(("pods", None, None, None)));
        check(
            "/api/v1/namespaces/default/pods",
            Some(("pods", Some("default"), None, None)),
        );
        check(
            "/api/v1/namespaces/default/pods/web/status",
            Some(("pods", Some("default"), Some("web"), Some("status"))),
        );
        check("/api/v1/namespaces", Some(("namespaces", None, None, None)));
        check(
            "/api/v1/namespaces/kube-system",
            Some(("namespaces", None, Some("kube-system"), None)),
        );
        check(
            "/api/v1/namespaces/x/finalize",
            Some(("namespaces", None, Some("x"), Some("finalize"))),
        );
        check(
            "/api/v1/namespaces/x/status",
            Some(("namespaces", None, Some("x"), Some("status"))),
        );
        check(
            "/apis/apps/v1/namespaces/a/deployments/d",
            Some(("deployments", Some("a"), Some("d"), None)),
        );
        check(
            "/api/v1/watch/namespaces/a/pods",
            Some(("pods", Some("a"), None, None)),
        );
        check("/api/v1/nodes/n1", Some(("nodes", None, Some("n1"), None)));
        check("/api/v1/namespaces/a/nodes", None);
        check("/api/v1/widgets", None);
        check("/api", None);
    }
}
