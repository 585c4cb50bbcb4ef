//! The local image store: a content-addressed OCI image layout in the data dir, names
//! normalised like Kubernetes, import from OCI and docker-save archives, and layers unpacked
//! once into shared read-only snapshots for overlayfs.
//!
//! On disk, under `<data-dir>/images` (0700):
//!
//! ```text
//! oci-layout                  {"imageLayoutVersion":"1.0.0"}
//! index.json                  OCI image index: one manifest descriptor per name, the name in
//!                             the org.opencontainers.image.ref.name annotation (full form,
//!                             docker.io/library/busybox:latest) — so skopeo/umoci can read it
//! blobs/sha256/<hex>          manifests, configs, layers (as imported, gzip or plain tar)
//! snapshots/<chain-id hex>/fs one unpacked layer (its diff only, OCI whiteouts turned into
//!                             overlayfs whiteouts); an overlayfs lower dir
//! tmp/                        imports and unpacks in progress; emptied by `ImageStore::open`
//! ```
//!
//! Invariants:
//! - A blob file's content always hashes to its name: blobs are verified while streamed into a
//!   private temp dir and renamed into `blobs/` only after fsync.
//! - `index.json` changes last, atomically (temp file, fsync, rename, fsync dir), and only
//!   names images whose blobs are all present; an import that fails anywhere changes nothing.
//! - A snapshot directory is complete or absent: unpacked in `tmp/`, synced, then renamed.
//! - Layer extraction never writes outside the snapshot: paths are resolved component by
//!   component from a directory handle without following symlinks (see `unpack`).
//! - One process owns a store root; within it the store is `Send + Sync`: a mutex around the
//!   name index serialises commits and garbage collection, a read/write lock keeps garbage
//!   collection from deleting snapshots while they are looked up or unpacked.
//!
//! The future registry pull reuses the import path: `ImageStore::staging`, `Staging::put_blob`
//! for each blob (checked against the descriptor's digest and size), `Staging::add_image`,
//! then `ImageStore::commit`.

mod digest;
mod error;
mod import;
mod reference;
mod snapshot;
mod staging;
mod store;
mod sys;
mod unpack;

#[cfg(test)]
mod tests;

pub use error::ImageError;
pub use reference::{Reference, DEFAULT_REGISTRY, DEFAULT_TAG};
pub use staging::Staging;
pub use store::{ImageStore, REF_NAME_ANNOTATION};

/// A named image in the store.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    /// The normalised reference, `docker.io/library/busybox:latest`.
    pub name: String,
    /// `sha256:...` of the manifest (the repo digest).
    pub manifest_digest: String,
    /// `sha256:...` of the config: the image ID.
    pub config_digest: String,
    /// Entrypoint, command, env, user, working dir, diff_ids.
    pub config: oci_spec::image::ImageConfiguration,
    /// Layer blob digests, bottom → top.
    pub layers: Vec<String>,
    /// Bytes of the manifest, config and layer blobs as stored (layers compressed).
    pub size: u64,
}

impl ImageInfo {
    /// The snapshot IDs of the image's layers (OCI chain IDs, `sha256:...`), bottom → top,
    /// matching `ImageStore::snapshots`; what callers pass as in use to `ImageStore::remove`.
    pub fn chain_ids(&self) -> Vec<String> {
        digest::chain_ids(self.config.rootfs().diff_ids())
    }

    /// The image ID as docker and crictl print it: the config digest's first 12 hex digits.
    pub fn short_id(&self) -> &str {
        let hex = self
            .config_digest
            .strip_prefix(digest::SHA256_PREFIX)
            .unwrap_or(&self.config_digest);
        hex.get(..12).unwrap_or(hex)
    }
}
