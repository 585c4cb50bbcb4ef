//! The image store's errors. Every variant names what it was looking at (the archive or other
//! origin, the blob digest, the file) so a message alone tells the operator what went wrong.

use std::path::PathBuf;

/// An error from the image store, reference parsing, import or layer unpacking.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The string is not a valid image reference.
    #[error("invalid image reference {reference:?}: {reason}")]
    InvalidReference { reference: String, reason: String },

    /// No image matches the reference.
    #[error("image {0:?} not found")]
    NotFound(String),

    /// An image ID prefix matches more than one image.
    #[error("image reference {reference:?} is ambiguous: it matches {matches:?}")]
    Ambiguous {
        reference: String,
        matches: Vec<String>,
    },

    /// Content does not hash to the digest it was announced with.
    #[error("digest mismatch for {what} {expected} in {origin}: got {actual}")]
    DigestMismatch {
        what: &'static str,
        expected: String,
        actual: String,
        origin: String,
    },

    /// A blob is longer than its descriptor says (shorter is reported as truncation).
    #[error(
        "size mismatch for blob {digest} in {origin}: expected {expected} bytes, got {actual}"
    )]
    SizeMismatch {
        digest: String,
        origin: String,
        expected: u64,
        actual: u64,
    },

    /// The archive (or a download) ended early.
    #[error("truncated archive {origin}: {detail}")]
    Truncated { origin: String, detail: String },

    /// The archive's structure is wrong: missing index, unparsable JSON, bad paths.
    #[error("invalid archive {origin}: {reason}")]
    InvalidArchive { origin: String, reason: String },

    /// A manifest, config or layer refers to a blob that is neither staged nor stored.
    #[error("{origin}: blob {digest} ({what}) is missing")]
    MissingBlob {
        origin: String,
        digest: String,
        what: String,
    },

    /// A manifest or config blob does not parse.
    #[error("{origin}: invalid {what} {digest}: {reason}")]
    InvalidContent {
        origin: String,
        what: &'static str,
        digest: String,
        reason: String,
    },

    /// A media type, digest algorithm or platform this store does not handle.
    #[error("{origin}: unsupported {what} {value:?}")]
    Unsupported {
        origin: String,
        what: &'static str,
        value: String,
    },

    /// The archive names an image only by tag, or not at all, and no base name was given.
    #[error("{origin}: image {manifest} is named only {name:?}; import it with a base name (repository) to tag it")]
    Unnamed {
        origin: String,
        manifest: String,
        name: String,
    },

    /// A layer entry that would be written outside the snapshot, or through a symlink.
    #[error("unsafe entry {entry:?} in layer {layer}: {reason}")]
    UnsafeEntry {
        layer: String,
        entry: String,
        reason: String,
    },

    /// A filesystem operation while unpacking a layer failed.
    #[error("unpacking layer {layer}: {op} {entry:?}: {source}")]
    Unpack {
        layer: String,
        entry: String,
        op: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// A filesystem operation on the store itself failed.
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The store's own files are unreadable (index.json, a stored manifest).
    #[error("corrupt image store at {path}: {reason}")]
    CorruptStore { path: PathBuf, reason: String },
}

impl ImageError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ImageError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand used throughout the module.
pub type Result<T, E = ImageError> = std::result::Result<T, E>;
