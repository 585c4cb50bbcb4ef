//! Layer snapshots: each layer unpacked once into `<root>/snapshots/<chain-id hex>/fs`, shared
//! read-only by every container whose image has that layer chain. The store only prepares the
//! directories; mounting (overlayfs lowerdir + a per-container upper and work dir) is the
//! caller's business, like a containerd snapshotter that returns mounts.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::digest::{sha256_hex, HashingReader};
use super::error::{ImageError, Result};
use super::store::{fsync_dir, ImageStore};
use super::unpack::unpack_layer;
use super::ImageInfo;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

impl ImageStore {
    /// The image's layer snapshots, bottom → top, unpacking those not yet present. For an
    /// overlayfs `lowerdir` the caller reverses them (the top layer comes first there). Each
    /// uncompressed layer is checked against the config's diff_id; a snapshot is unpacked in
    /// a temp dir, synced, then renamed into place, so a crash never leaves a half snapshot.
    /// Concurrent calls are safe (the loser of a race discards its copy).
    pub fn snapshots(&self, info: &ImageInfo) -> Result<Vec<PathBuf>> {
        let _shared = self.snapshot_lock.read().unwrap_or_else(|p| p.into_inner());
        let diff_ids = info.config.rootfs().diff_ids();
        if diff_ids.len() != info.layers.len() {
            return Err(ImageError::CorruptStore {
                path: self.root().to_path_buf(),
                reason: format!(
                    "image {} has {} layers but {} diff_ids",
                    info.name,
                    info.layers.len(),
                    diff_ids.len()
                ),
            });
        }
        let mut dirs = Vec::with_capacity(info.layers.len());
        for ((layer, diff_id), chain_id) in info.layers.iter().zip(diff_ids).zip(info.chain_ids()) {
            let hex = sha256_hex(&chain_id).ok_or_else(|| ImageError::CorruptStore {
                path: self.root().to_path_buf(),
                reason: format!("image {} has a malformed diff_id {diff_id:?}", info.name),
            })?;
            let dir = self.snapshots_dir().join(hex);
            let fs_dir = dir.join("fs");
            if !fs_dir.is_dir() {
                self.unpack_snapshot(layer, diff_id, &dir)?;
            }
            dirs.push(fs_dir);
        }
        Ok(dirs)
    }

    fn unpack_snapshot(&self, layer: &str, diff_id: &str, dest: &Path) -> Result<()> {
        let started = std::time::Instant::now();
        let tmp = self.temp_dir("unpack")?;
        let fs_dir = tmp.path().join("fs");
        fs::DirBuilder::new()
            .mode(0o755)
            .create(&fs_dir)
            .map_err(|e| ImageError::io("create", &fs_dir, e))?;

        let blob = self.blob_path(layer)?;
        let file = File::open(&blob).map_err(|e| ImageError::io("open layer", &blob, e))?;
        let mut reader = BufReader::new(file);
        let magic = reader
            .fill_buf()
            .map_err(|e| ImageError::io("read layer", &blob, e))?;
        let decompressed: Box<dyn Read> = if magic.starts_with(GZIP_MAGIC) {
            Box::new(MultiGzDecoder::new(reader))
        } else if magic.starts_with(ZSTD_MAGIC) {
            return Err(ImageError::Unsupported {
                origin: format!("layer {layer}"),
                what: "layer compression",
                value: "zstd".to_string(),
            });
        } else {
            Box::new(reader)
        };
        let mut hashing = HashingReader::new(decompressed);
        unpack_layer(&mut hashing, &fs_dir, layer)?;
        let (actual, _) = hashing.finish().map_err(|e| ImageError::Unpack {
            layer: layer.to_string(),
            entry: String::new(),
            op: "read layer",
            source: e,
        })?;
        if actual != diff_id {
            return Err(ImageError::DigestMismatch {
                what: "uncompressed layer (diff_id)",
                expected: diff_id.to_string(),
                actual,
                origin: format!("layer {layer}"),
            });
        }

        let handle = File::open(tmp.path()).map_err(|e| ImageError::io("open", tmp.path(), e))?;
        nix::unistd::syncfs(&handle).map_err(|e| ImageError::io("syncfs", tmp.path(), e.into()))?;
        match fs::rename(tmp.path(), dest) {
            Ok(()) => {
                fsync_dir(&self.snapshots_dir())?;
                tracing::debug!(layer, snapshot = %dest.display(), elapsed = ?started.elapsed(), "unpacked layer");
                Ok(())
            }
            // Another thread unpacked the same chain first; ours is dropped with `tmp`.
            Err(_) if dest.join("fs").is_dir() => Ok(()),
            Err(e) => Err(ImageError::io("rename", tmp.path(), e)),
        }
    }
}
