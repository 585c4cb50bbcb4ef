//! `ImageStore`: the OCI image layout under `<data-dir>/images`, its name index, lookups,
//! commits from a `Staging`, removal and garbage collection.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex, ImageManifest, MediaType};

use super::digest::{chain_ids, is_sha256_hex, sha256_hex, SHA256_PREFIX};
use super::error::{ImageError, Result};
use super::reference::Reference;
use super::staging::Staging;
use super::ImageInfo;

/// The OCI annotation that carries an image's name in `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";
const OCI_LAYOUT: &str = r#"{"imageLayoutVersion":"1.0.0"}"#;
const MIN_ID_PREFIX: usize = 12;

/// Name → manifest descriptor, the content of `index.json`.
type Names = BTreeMap<String, Descriptor>;

/// The local image store. See the module docs for the layout; one process owns a root.
pub struct ImageStore {
    root: PathBuf,
    /// The name index. Held while blobs are moved in or deleted, so a commit and a garbage
    /// collection never interleave.
    names: Mutex<Names>,
    /// Shared while snapshots are looked up or unpacked, exclusive while they are removed.
    pub(crate) snapshot_lock: RwLock<()>,
}

impl ImageStore {
    /// Opens (creating, 0700) the store at `root`, clearing temp files a crash left behind.
    pub fn open(root: &Path) -> Result<ImageStore> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true).mode(0o700);
        for dir in [
            root.to_path_buf(),
            root.join("blobs").join("sha256"),
            root.join("snapshots"),
            root.join("tmp"),
        ] {
            builder
                .create(&dir)
                .map_err(|e| ImageError::io("create", &dir, e))?;
        }
        fs::set_permissions(root, fs::Permissions::from_mode(0o700))
            .map_err(|e| ImageError::io("chmod", root, e))?;
        let tmp = root.join("tmp");
        for entry in fs::read_dir(&tmp).map_err(|e| ImageError::io("read", &tmp, e))? {
            let path = entry.map_err(|e| ImageError::io("read", &tmp, e))?.path();
            remove_any(&path).map_err(|e| ImageError::io("remove", &path, e))?;
        }
        let layout = root.join("oci-layout");
        if !layout.exists() {
            write_atomic(&layout, OCI_LAYOUT.as_bytes())?;
        }
        let names = load_index(&root.join("index.json"))?;
        Ok(ImageStore {
            root: root.to_path_buf(),
            names: Mutex::new(names),
            snapshot_lock: RwLock::new(()),
        })
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Starts an import: a private temp dir for verified blobs. `origin` names the source in
    /// errors (an archive's file name, a registry reference).
    pub fn staging(&self, origin: &str) -> Result<Staging> {
        Staging::new(origin, self.temp_dir("import")?, self.blobs_dir())
    }

    /// Moves a staging's blobs into the store and points its names at their manifests,
    /// replacing earlier images of the same name. Returns the names. Either all of it
    /// happens or none: the index is written last, and blobs moved in before a failure are
    /// removed again.
    pub fn commit(&self, staging: Staging) -> Result<Vec<String>> {
        let origin = staging.origin().to_string();
        let mut names = self.lock_names();
        let blobs_dir = self.blobs_dir();
        let mut moved: Vec<PathBuf> = Vec::new();
        let result = (|| {
            for image in staging.images() {
                for digest in &image.blobs {
                    let hex = sha256_hex(digest).ok_or_else(|| staging.missing(digest, "blob"))?;
                    let dest = blobs_dir.join(hex);
                    if dest.is_file() {
                        continue;
                    }
                    let Some(src) = staging.staged_blob(digest) else {
                        // It was in the store when the image was staged; a GC took it since.
                        return Err(staging.missing(digest, "blob"));
                    };
                    fs::rename(&src, &dest).map_err(|e| ImageError::io("rename", &src, e))?;
                    moved.push(dest);
                }
            }
            fsync_dir(&blobs_dir)?;
            let mut updated = names.clone();
            for image in staging.images() {
                updated.insert(image.name.clone(), image.manifest.clone());
            }
            write_index(&self.root, &updated)?;
            *names = updated;
            Ok(())
        })();
        if let Err(e) = result {
            for path in moved {
                let _ = fs::remove_file(path);
            }
            return Err(e);
        }
        let (_dir, images) = staging.into_parts();
        let committed: Vec<String> = images.into_iter().map(|i| i.name).collect();
        tracing::info!(origin = %origin, images = ?committed, "imported images");
        Ok(committed)
    }

    /// Finds an image by name (normalised: `busybox` is `docker.io/library/busybox:latest`),
    /// by `name@sha256:<manifest digest>`, by manifest or config digest (`sha256:...`), or by
    /// image ID (the config digest's hex, or a prefix of at least 12 characters).
    pub fn resolve(&self, reference: &str) -> Result<Option<ImageInfo>> {
        let names = self.lock_names().clone();
        let found = self.find(&names, reference)?;
        match found
            .first()
            .and_then(|name| Some((name, names.get(name)?)))
        {
            Some((name, desc)) => self.info(name, desc).map(Some),
            None => Ok(None),
        }
    }

    /// Every named image, sorted by name (an image with two names appears twice).
    pub fn list(&self) -> Result<Vec<ImageInfo>> {
        let names = self.lock_names().clone();
        names
            .iter()
            .map(|(name, desc)| self.info(name, desc))
            .collect()
    }

    /// Removes a name (by name), or every name of an image (by digest or ID), then collects
    /// garbage: blobs no image refers to, and snapshots no image needs unless their chain ID
    /// (`sha256:...`, see `ImageInfo::chain_ids`) is in `in_use` (containers' lower dirs).
    pub fn remove(&self, reference: &str, in_use: &HashSet<String>) -> Result<()> {
        let mut names = self.lock_names();
        let targets = self.find(&names, reference)?;
        if targets.is_empty() {
            return Err(ImageError::NotFound(reference.to_string()));
        }
        let mut updated = names.clone();
        for name in &targets {
            updated.remove(name);
        }
        write_index(&self.root, &updated)?;
        *names = updated;
        tracing::info!(removed = ?targets, "removed image names");
        self.gc_locked(&names, in_use)
    }

    /// Collects garbage as `remove` does, without removing a name: blobs left behind by
    /// re-tagging or a crash, snapshots of removed images that are no longer in use.
    pub fn gc(&self, in_use: &HashSet<String>) -> Result<()> {
        let names = self.lock_names();
        self.gc_locked(&names, in_use)
    }

    /// Whether the store holds a blob (a pull can skip downloading it).
    pub fn has_blob(&self, digest: &str) -> bool {
        sha256_hex(digest).is_some_and(|hex| self.blobs_dir().join(hex).is_file())
    }

    pub(crate) fn blob_path(&self, digest: &str) -> Result<PathBuf> {
        let hex = sha256_hex(digest).ok_or_else(|| ImageError::CorruptStore {
            path: self.root.clone(),
            reason: format!("malformed digest {digest:?}"),
        })?;
        Ok(self.blobs_dir().join(hex))
    }

    pub(crate) fn snapshots_dir(&self) -> PathBuf {
        self.root.join("snapshots")
    }

    /// A new, empty, private directory under `<root>/tmp`, removed when dropped.
    pub(crate) fn temp_dir(&self, kind: &str) -> Result<TempDir> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = self
            .root
            .join("tmp")
            .join(format!("{kind}-{}-{n}", std::process::id()));
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| ImageError::io("create", &path, e))?;
        Ok(TempDir { path: Some(path) })
    }

    fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    fn lock_names(&self) -> MutexGuard<'_, Names> {
        // A panic while holding the lock cannot leave the map half-updated (it is replaced
        // whole after the index is written), so a poisoned lock is still consistent.
        self.names.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The names a reference designates, sorted; empty when nothing matches.
    fn find(&self, names: &Names, reference: &str) -> Result<Vec<String>> {
        if sha256_hex(reference).is_some() {
            let mut matches = Vec::new();
            for (name, desc) in names {
                if desc.digest().as_ref() == reference || self.config_digest(desc)? == reference {
                    matches.push(name.clone());
                }
            }
            return Ok(matches);
        }
        if let Ok(parsed) = Reference::parse(reference) {
            if let Some(digest) = &parsed.digest {
                let repo = parsed.name();
                return Ok(names
                    .iter()
                    .filter(|(name, desc)| {
                        desc.digest().as_ref() == digest.as_str()
                            && Reference::parse(name).is_ok_and(|r| r.name() == repo)
                    })
                    .map(|(name, _)| name.clone())
                    .collect());
            }
            let key = parsed.to_string();
            if names.contains_key(&key) {
                return Ok(vec![key]);
            }
        }
        // An image ID or a prefix of one, as docker and crictl accept.
        let id = reference.strip_prefix(SHA256_PREFIX).unwrap_or(reference);
        let is_hex = id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if id.len() < MIN_ID_PREFIX || id.len() > 64 || !is_hex {
            return Ok(Vec::new());
        }
        let mut by_config: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, desc) in names {
            let config = self.config_digest(desc)?;
            if config[SHA256_PREFIX.len()..].starts_with(id) {
                by_config.entry(config).or_default().push(name.clone());
            }
        }
        if by_config.len() > 1 {
            return Err(ImageError::Ambiguous {
                reference: reference.to_string(),
                matches: by_config.into_keys().collect(),
            });
        }
        Ok(by_config.into_values().next().unwrap_or_default())
    }

    fn manifest(&self, desc: &Descriptor) -> Result<ImageManifest> {
        let path = self.blob_path(desc.digest().as_ref())?;
        let bytes = fs::read(&path).map_err(|e| ImageError::io("read manifest", &path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| ImageError::CorruptStore {
            path,
            reason: format!("manifest does not parse: {e}"),
        })
    }

    fn config_digest(&self, desc: &Descriptor) -> Result<String> {
        Ok(self.manifest(desc)?.config().digest().to_string())
    }

    fn info(&self, name: &str, desc: &Descriptor) -> Result<ImageInfo> {
        let manifest = self.manifest(desc)?;
        let config_digest = manifest.config().digest().to_string();
        let path = self.blob_path(&config_digest)?;
        let bytes = fs::read(&path).map_err(|e| ImageError::io("read config", &path, e))?;
        let config: ImageConfiguration =
            serde_json::from_slice(&bytes).map_err(|e| ImageError::CorruptStore {
                path,
                reason: format!("config does not parse: {e}"),
            })?;
        let size = desc.size()
            + manifest.config().size()
            + manifest.layers().iter().map(|l| l.size()).sum::<u64>();
        Ok(ImageInfo {
            name: name.to_string(),
            manifest_digest: desc.digest().to_string(),
            config_digest,
            config,
            layers: manifest
                .layers()
                .iter()
                .map(|l| l.digest().to_string())
                .collect(),
            size,
        })
    }

    /// Deletes unreferenced blobs and unneeded snapshots. Runs with the name lock held, so no
    /// commit moves blobs in meanwhile; takes the snapshot lock exclusively.
    fn gc_locked(&self, names: &Names, in_use: &HashSet<String>) -> Result<()> {
        let mut blobs: HashSet<String> = HashSet::new();
        let mut needed: HashSet<String> = in_use.clone();
        for desc in names.values() {
            let manifest = self.manifest(desc)?;
            blobs.insert(desc.digest().to_string());
            blobs.insert(manifest.config().digest().to_string());
            blobs.extend(manifest.layers().iter().map(|l| l.digest().to_string()));
            let path = self.blob_path(manifest.config().digest().as_ref())?;
            let bytes = fs::read(&path).map_err(|e| ImageError::io("read config", &path, e))?;
            let config: ImageConfiguration =
                serde_json::from_slice(&bytes).map_err(|e| ImageError::CorruptStore {
                    path,
                    reason: format!("config does not parse: {e}"),
                })?;
            needed.extend(chain_ids(config.rootfs().diff_ids()));
        }

        let blobs_dir = self.blobs_dir();
        let mut removed_blobs = 0usize;
        for hex in list_hex_names(&blobs_dir)? {
            if !blobs.contains(&format!("{SHA256_PREFIX}{hex}")) {
                let path = blobs_dir.join(&hex);
                fs::remove_file(&path).map_err(|e| ImageError::io("remove", &path, e))?;
                removed_blobs += 1;
            }
        }

        let _exclusive = self
            .snapshot_lock
            .write()
            .unwrap_or_else(|p| p.into_inner());
        let snapshots = self.snapshots_dir();
        let mut removed_snapshots = 0usize;
        for hex in list_hex_names(&snapshots)? {
            if needed.contains(&format!("{SHA256_PREFIX}{hex}")) {
                continue;
            }
            // Rename first so a crash mid-delete never leaves a half snapshot in place.
            let doomed = self.temp_dir("gc")?;
            let from = snapshots.join(&hex);
            let to = doomed.path().join(&hex);
            fs::rename(&from, &to).map_err(|e| ImageError::io("rename", &from, e))?;
            drop(doomed);
            removed_snapshots += 1;
        }
        fsync_dir(&snapshots)?;
        if removed_blobs + removed_snapshots > 0 {
            tracing::info!(removed_blobs, removed_snapshots, "image garbage collected");
        }
        Ok(())
    }
}

/// A directory under `<root>/tmp`, removed (recursively) on drop unless kept.
pub(crate) struct TempDir {
    path: Option<PathBuf>,
}

impl TempDir {
    pub(crate) fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            if let Err(e) = fs::remove_dir_all(&path) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(path = %path.display(), error = %e, "could not remove temp dir");
                }
            }
        }
    }
}

fn load_index(path: &Path) -> Result<Names> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Names::new()),
        Err(e) => return Err(ImageError::io("read", path, e)),
    };
    let index: ImageIndex =
        serde_json::from_slice(&bytes).map_err(|e| ImageError::CorruptStore {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let mut names = Names::new();
    for desc in index.manifests() {
        let name = desc
            .annotations()
            .as_ref()
            .and_then(|a| a.get(REF_NAME_ANNOTATION));
        match name.map(|n| Reference::parse(n)) {
            Some(Ok(r)) if sha256_hex(desc.digest().as_ref()).is_some() => {
                let mut plain = desc.clone();
                plain.set_annotations(None);
                names.insert(r.to_string(), plain);
            }
            _ => tracing::warn!(
                path = %path.display(),
                digest = %desc.digest(),
                name = ?name,
                "ignoring index entry without a valid name"
            ),
        }
    }
    Ok(names)
}

fn write_index(root: &Path, names: &Names) -> Result<()> {
    let manifests: Vec<Descriptor> = names
        .iter()
        .map(|(name, desc)| {
            let mut desc = desc.clone();
            desc.set_annotations(Some(HashMap::from([(
                REF_NAME_ANNOTATION.to_string(),
                name.clone(),
            )])));
            desc
        })
        .collect();
    let mut index: ImageIndex = serde_json::from_value(serde_json::json!({
        "schemaVersion": 2,
        "manifests": [],
    }))
    .map_err(|e| ImageError::CorruptStore {
        path: root.to_path_buf(),
        reason: e.to_string(),
    })?;
    index.set_media_type(Some(MediaType::ImageIndex));
    index.set_manifests(manifests);
    let bytes = serde_json::to_vec_pretty(&index).map_err(|e| ImageError::CorruptStore {
        path: root.to_path_buf(),
        reason: e.to_string(),
    })?;
    write_atomic(&root.join("index.json"), &bytes)
}

/// Temp file + fsync + rename + fsync of the directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp).map_err(|e| ImageError::io("create", &tmp, e))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| ImageError::io("write", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| ImageError::io("rename", &tmp, e))?;
    fsync_dir(dir)
}

pub(crate) fn fsync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ImageError::io("fsync", dir, e))
}

/// Names of a directory's entries that are 64 lowercase hex characters (blobs, snapshots).
fn list_hex_names(dir: &Path) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for entry in fs::read_dir(dir).map_err(|e| ImageError::io("read", dir, e))? {
        let entry = entry.map_err(|e| ImageError::io("read", dir, e))?;
        if let Some(name) = entry.file_name().to_str() {
            if is_sha256_hex(name) {
                out.insert(name.to_string());
            }
        }
    }
    Ok(out)
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
