//! The meta.k8s.io/v1 Table types (k8s-openapi has none) used for server-side printing.
