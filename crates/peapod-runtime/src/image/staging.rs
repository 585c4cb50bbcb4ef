//! The one verified write path into the store. An import (archive today, registry pull
//! later) writes blobs into a private temp dir under `<root>/tmp`, each checked against its
//! expected digest and size as it streams in, then names images whose manifest, config and
//! layers are all present (staged or already stored). `ImageStore::commit` moves the blobs in
//! and updates the name index last; dropping a `Staging` without committing leaves the store
//! exactly as it was.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use oci_spec::image::{Descriptor, ImageConfiguration, ImageManifest, MediaType};

use super::digest::{sha256_hex, HashingReader};
use super::error::{ImageError, Result};
use super::reference::Reference;
use super::store::TempDir;

/// Layer media types the store can unpack (compression is also sniffed at unpack time).
const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
const DOCKER_FOREIGN_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// Blobs and image names on their way into an `ImageStore`; see `ImageStore::staging`.
pub struct Staging {
    origin: String,
    dir: TempDir,
    store_blobs: PathBuf,
    /// digest → size of blobs written into `dir/blobs`.
    staged: HashMap<String, u64>,
    images: Vec<StagedImage>,
    next_file: u64,
}

/// An image name ready to be committed, with every blob it needs.
pub(crate) struct StagedImage {
    pub(crate) name: String,
    pub(crate) manifest: Descriptor,
    pub(crate) blobs: Vec<String>,
}

impl Staging {
    pub(crate) fn new(origin: &str, dir: TempDir, store_blobs: PathBuf) -> Result<Staging> {
        let blobs = dir.path().join("blobs");
        fs::create_dir(&blobs).map_err(|e| ImageError::io("create", &blobs, e))?;
        Ok(Staging {
            origin: origin.to_string(),
            dir,
            store_blobs,
            staged: HashMap::new(),
            images: Vec::new(),
            next_file: 0,
        })
    }

    /// What the content comes from (an archive's file name, a registry reference); used in errors.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Streams a blob in, checking its size and, when given, its digest (only
    /// `sha256:<hex>`). A short read is reported as truncation. `label` names the content in
    /// errors (an archive member, a URL). Returns the digest and size.
    pub fn put_blob(
        &mut self,
        label: &str,
        reader: impl Read,
        expected_digest: Option<&str>,
        expected_size: Option<u64>,
    ) -> Result<(String, u64)> {
        if let Some(expected) = expected_digest {
            if sha256_hex(expected).is_none() {
                return Err(ImageError::Unsupported {
                    origin: self.origin.clone(),
                    what: "digest",
                    value: expected.to_string(),
                });
            }
        }
        self.next_file += 1;
        let incoming = self.dir.path().join(format!("incoming-{}", self.next_file));
        let mut file =
            File::create_new(&incoming).map_err(|e| ImageError::io("create", &incoming, e))?;
        let mut reader = HashingReader::new(reader);
        let copied = io::copy(&mut reader, &mut file);
        let (digest, size) = match copied.and_then(|_| reader.finish()) {
            Ok(v) => v,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(self.truncated(format!("{label}: {e}")));
            }
            Err(e) => return Err(ImageError::io("write blob", &incoming, e)),
        };
        match expected_size {
            Some(expected) if size < expected => {
                return Err(
                    self.truncated(format!("{label} ends after {size} of {expected} bytes"))
                );
            }
            Some(expected) if size != expected => {
                return Err(ImageError::SizeMismatch {
                    digest: expected_digest.unwrap_or(label).to_string(),
                    origin: self.origin.clone(),
                    expected,
                    actual: size,
                });
            }
            _ => {}
        }
        if let Some(expected) = expected_digest {
            if digest != expected {
                return Err(ImageError::DigestMismatch {
                    what: "blob",
                    expected: expected.to_string(),
                    actual: digest,
                    origin: self.origin.clone(),
                });
            }
        }
        file.sync_all()
            .map_err(|e| ImageError::io("fsync", &incoming, e))?;
        let path = self.staged_path(&digest);
        fs::rename(&incoming, &path).map_err(|e| ImageError::io("rename", &incoming, e))?;
        self.staged.insert(digest.clone(), size);
        Ok((digest, size))
    }

    /// Stages a blob held in memory (a generated manifest); returns its digest.
    pub fn put_bytes(&mut self, label: &str, bytes: &[u8]) -> Result<String> {
        let (digest, _) = self.put_blob(label, bytes, None, Some(bytes.len() as u64))?;
        Ok(digest)
    }

    /// Whether a blob is staged or already in the store (so a pull can skip downloading it).
    pub fn contains(&self, digest: &str) -> bool {
        self.blob_path(digest).is_some()
    }

    /// Names an image: `manifest_digest` must be staged or stored, parse as an image
    /// manifest, and every blob it refers to must be present with the announced size and a
    /// supported media type. A name with a digest must carry the manifest's digest.
    pub fn add_image(&mut self, name: &Reference, manifest_digest: &str) -> Result<()> {
        if let Some(pinned) = &name.digest {
            if pinned != manifest_digest {
                return Err(ImageError::DigestMismatch {
                    what: "manifest",
                    expected: pinned.clone(),
                    actual: manifest_digest.to_string(),
                    origin: self.origin.clone(),
                });
            }
        }
        let (manifest_bytes, manifest_size) = self.read_blob(manifest_digest, "manifest")?;
        let manifest: ImageManifest = self.parse(&manifest_bytes, "manifest", manifest_digest)?;
        let config_desc = manifest.config();
        let config_digest = config_desc.digest().to_string();
        self.check_size(config_desc, "config")?;
        let (config_bytes, _) = self.read_blob(&config_digest, "config")?;
        let config: ImageConfiguration = self.parse(&config_bytes, "config", &config_digest)?;
        let diff_ids = config.rootfs().diff_ids();
        if diff_ids.len() != manifest.layers().len() {
            return Err(ImageError::InvalidContent {
                origin: self.origin.clone(),
                what: "config",
                digest: config_digest,
                reason: format!(
                    "{} diff_ids for {} layers",
                    diff_ids.len(),
                    manifest.layers().len()
                ),
            });
        }
        if let Some(bad) = diff_ids.iter().find(|d| sha256_hex(d).is_none()) {
            return Err(ImageError::Unsupported {
                origin: self.origin.clone(),
                what: "diff_id",
                value: bad.clone(),
            });
        }
        let mut blobs = vec![manifest_digest.to_string(), config_digest];
        for layer in manifest.layers() {
            self.check_layer_media_type(layer)?;
            self.check_size(layer, "layer")?;
            blobs.push(layer.digest().to_string());
        }
        let manifest_media_type = manifest
            .media_type()
            .clone()
            .unwrap_or(MediaType::ImageManifest);
        let descriptor = Descriptor::new(
            manifest_media_type,
            manifest_size,
            oci_spec::image::Digest::try_from(manifest_digest).map_err(|e| {
                ImageError::InvalidContent {
                    origin: self.origin.clone(),
                    what: "manifest",
                    digest: manifest_digest.to_string(),
                    reason: e.to_string(),
                }
            })?,
        );
        self.images.push(StagedImage {
            name: name.to_string(),
            manifest: descriptor,
            blobs,
        });
        Ok(())
    }

    /// Where a blob is, staged or stored; None for an absent or malformed digest.
    pub(crate) fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = sha256_hex(digest)?;
        if self.staged.contains_key(digest) {
            return Some(self.staged_path(digest));
        }
        let stored = self.store_blobs.join(hex);
        stored.is_file().then_some(stored)
    }

    /// The staged copy of a blob, if this staging wrote it.
    pub(crate) fn staged_blob(&self, digest: &str) -> Option<PathBuf> {
        self.staged
            .contains_key(digest)
            .then(|| self.staged_path(digest))
    }

    /// A blob's bytes and size (manifests and configs; never layers).
    pub(crate) fn read_blob(&self, digest: &str, what: &str) -> Result<(Vec<u8>, u64)> {
        let path = self
            .blob_path(digest)
            .ok_or_else(|| self.missing(digest, what))?;
        let bytes = fs::read(&path).map_err(|e| ImageError::io("read", &path, e))?;
        let size = bytes.len() as u64;
        Ok((bytes, size))
    }

    /// A blob's size, staged or stored.
    pub(crate) fn blob_len(&self, digest: &str, what: &str) -> Result<u64> {
        let path = self
            .blob_path(digest)
            .ok_or_else(|| self.missing(digest, what))?;
        blob_size(&path)
    }

    /// The first bytes of a blob, to sniff its compression.
    pub(crate) fn blob_magic(&self, digest: &str) -> Result<[u8; 4]> {
        let path = self
            .blob_path(digest)
            .ok_or_else(|| self.missing(digest, "layer"))?;
        let mut file = File::open(&path).map_err(|e| ImageError::io("open", &path, e))?;
        let mut magic = [0u8; 4];
        let mut filled = 0;
        while filled < magic.len() {
            match file.read(&mut magic[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => return Err(ImageError::io("read", &path, e)),
            }
        }
        Ok(magic)
    }

    pub(crate) fn parse<T: serde::de::DeserializeOwned>(
        &self,
        bytes: &[u8],
        what: &'static str,
        digest: &str,
    ) -> Result<T> {
        serde_json::from_slice(bytes).map_err(|e| ImageError::InvalidContent {
            origin: self.origin.clone(),
            what,
            digest: digest.to_string(),
            reason: e.to_string(),
        })
    }

    pub(crate) fn missing(&self, digest: &str, what: &str) -> ImageError {
        ImageError::MissingBlob {
            origin: self.origin.clone(),
            digest: digest.to_string(),
            what: what.to_string(),
        }
    }

    pub(crate) fn truncated(&self, detail: String) -> ImageError {
        ImageError::Truncated {
            origin: self.origin.clone(),
            detail,
        }
    }

    pub(crate) fn into_parts(self) -> (TempDir, Vec<StagedImage>) {
        (self.dir, self.images)
    }

    pub(crate) fn images(&self) -> &[StagedImage] {
        &self.images
    }

    fn staged_path(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches(super::digest::SHA256_PREFIX);
        self.dir.path().join("blobs").join(hex)
    }

    fn check_size(&self, desc: &Descriptor, what: &str) -> Result<()> {
        let digest = desc.digest().to_string();
        let path = self
            .blob_path(&digest)
            .ok_or_else(|| self.missing(&digest, what))?;
        let actual = blob_size(&path)?;
        if actual != desc.size() {
            return Err(ImageError::SizeMismatch {
                digest,
                origin: self.origin.clone(),
                expected: desc.size(),
                actual,
            });
        }
        Ok(())
    }

    fn check_layer_media_type(&self, layer: &Descriptor) -> Result<()> {
        match layer.media_type() {
            MediaType::ImageLayer
            | MediaType::ImageLayerGzip
            | MediaType::ImageLayerNonDistributable
            | MediaType::ImageLayerNonDistributableGzip => Ok(()),
            MediaType::Other(t)
                if t == DOCKER_LAYER_GZIP
                    || t == DOCKER_LAYER_TAR
                    || t == DOCKER_FOREIGN_LAYER_GZIP =>
            {
                Ok(())
            }
            other => Err(ImageError::Unsupported {
                origin: self.origin.clone(),
                what: "layer media type",
                value: other.to_string(),
            }),
        }
    }
}

fn blob_size(path: &Path) -> Result<u64> {
    fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| ImageError::io("stat", path, e))
}
