//! Building layers, images and archives in memory for tests.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::image::digest::digest_bytes;

pub(super) const MTIME: u64 = 1_600_000_000;
pub(super) const UID: u64 = 1234;
pub(super) const GID: u64 = 5678;

/// A layer tar written entry by entry, with names stored verbatim (no validation), so
/// malicious layers can be built too.
pub(super) struct Layer {
    builder: tar::Builder<Vec<u8>>,
}

impl Layer {
    pub(super) fn new() -> Layer {
        Layer {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn header(path: &str, kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        let name = path.as_bytes();
        assert!(name.len() < 100, "test paths are short");
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_size(size);
        header.set_uid(UID);
        header.set_gid(GID);
        header.set_mtime(MTIME);
        header
    }

    fn push(mut self, mut header: tar::Header, data: &[u8]) -> Layer {
        header.set_cksum();
        self.builder.append(&header, data).unwrap();
        self
    }

    pub(super) fn file(self, path: &str, mode: u32, content: &[u8]) -> Layer {
        let header = Self::header(path, tar::EntryType::Regular, mode, content.len() as u64);
        self.push(header, content)
    }

    pub(super) fn dir(self, path: &str, mode: u32) -> Layer {
        let header = Self::header(path, tar::EntryType::Directory, mode, 0);
        self.push(header, &[])
    }

    pub(super) fn symlink(self, path: &str, target: &str) -> Layer {
        let mut header = Self::header(path, tar::EntryType::Symlink, 0o777, 0);
        header.set_link_name_literal(target).unwrap();
        self.push(header, &[])
    }

    pub(super) fn hardlink(self, path: &str, target: &str) -> Layer {
        let mut header = Self::header(path, tar::EntryType::Link, 0o644, 0);
        header.set_link_name_literal(target).unwrap();
        self.push(header, &[])
    }

    pub(super) fn char_device(self, path: &str, major: u32, minor: u32) -> Layer {
        let mut header = Self::header(path, tar::EntryType::Char, 0o666, 0);
        header.set_device_major(major).unwrap();
        header.set_device_minor(minor).unwrap();
        self.push(header, &[])
    }

    pub(super) fn fifo(self, path: &str) -> Layer {
        let header = Self::header(path, tar::EntryType::Fifo, 0o600, 0);
        self.push(header, &[])
    }

    /// A PAX extended header applying `records` to the next entry.
    pub(super) fn pax(self, records: &[(&str, &[u8])]) -> Layer {
        let mut data = Vec::new();
        for (key, value) in records {
            let body = key.len() + value.len() + 3; // space, '=', newline
            let mut len = body + 1;
            while len != body + len.to_string().len() {
                len = body + len.to_string().len();
            }
            data.extend_from_slice(format!("{len} {key}=").as_bytes());
            data.extend_from_slice(value);
            data.push(b'\n');
        }
        let header = Self::header(
            "PaxHeader",
            tar::EntryType::XHeader,
            0o644,
            data.len() as u64,
        );
        self.push(header, &data)
    }

    pub(super) fn build(self) -> Vec<u8> {
        self.builder.into_inner().unwrap()
    }
}

pub(super) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[derive(Clone)]
pub(super) struct Blob {
    pub(super) digest: String,
    pub(super) bytes: Vec<u8>,
}

impl Blob {
    pub(super) fn new(bytes: Vec<u8>) -> Blob {
        Blob {
            digest: digest_bytes(&bytes),
            bytes,
        }
    }

    pub(super) fn hex(&self) -> &str {
        &self.digest["sha256:".len()..]
    }
}

/// An OCI image: manifest, config and layer blobs.
#[derive(Clone)]
pub(super) struct Image {
    pub(super) manifest: Blob,
    pub(super) config: Blob,
    pub(super) layers: Vec<Blob>,
    pub(super) diff_ids: Vec<String>,
}

/// An image of the given uncompressed layer tars (gzipped when `gzip`), running `cmd`.
pub(super) fn image(layer_tars: &[Vec<u8>], gzip_layers: bool, cmd: &str) -> Image {
    let diff_ids: Vec<String> = layer_tars.iter().map(|t| digest_bytes(t)).collect();
    let layers: Vec<Blob> = layer_tars
        .iter()
        .map(|t| Blob::new(if gzip_layers { gzip(t) } else { t.clone() }))
        .collect();
    let config = Blob::new(
        serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": [cmd], "Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }))
        .unwrap(),
    );
    let layer_media_type = if gzip_layers {
        "application/vnd.oci.image.layer.v1.tar+gzip"
    } else {
        "application/vnd.oci.image.layer.v1.tar"
    };
    let manifest = Blob::new(
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config.digest,
                "size": config.bytes.len(),
            },
            "layers": layers.iter().map(|l| serde_json::json!({
                "mediaType": layer_media_type,
                "digest": l.digest,
                "size": l.bytes.len(),
            })).collect::<Vec<_>>(),
        }))
        .unwrap(),
    );
    Image {
        manifest,
        config,
        layers,
        diff_ids,
    }
}

pub(super) type Members = Vec<(String, Vec<u8>)>;

/// The members of an OCI archive holding `images`, each with an optional ref.name.
pub(super) fn oci_members(images: &[(Option<&str>, &Image)]) -> Members {
    let mut members: Members = vec![(
        "oci-layout".to_string(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    let mut seen = std::collections::HashSet::new();
    let mut descriptors = Vec::new();
    for (name, image) in images {
        let blobs = image.layers.iter().chain([&image.config, &image.manifest]);
        for blob in blobs {
            if seen.insert(blob.digest.clone()) {
                members.push((format!("blobs/sha256/{}", blob.hex()), blob.bytes.clone()));
            }
        }
        let mut desc = serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": image.manifest.digest,
            "size": image.manifest.bytes.len(),
        });
        if let Some(name) = name {
            desc["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": name});
        }
        descriptors.push(desc);
    }
    let index = serde_json::json!({"schemaVersion": 2, "manifests": descriptors});
    members.push((
        "index.json".to_string(),
        serde_json::to_vec(&index).unwrap(),
    ));
    members
}

/// Writes members as a tar file (regular files only).
pub(super) fn write_tar(path: &Path, members: &Members) -> PathBuf {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, name, &bytes[..]).unwrap();
    }
    fs::write(path, builder.into_inner().unwrap()).unwrap();
    path.to_path_buf()
}

/// Writes an OCI archive of one image named `name` into `dir`.
pub(super) fn oci_archive(dir: &Path, file: &str, name: Option<&str>, image: &Image) -> PathBuf {
    write_tar(&dir.join(file), &oci_members(&[(name, image)]))
}

/// A small two-entry-kind layer used by most tests.
pub(super) fn simple_layer(marker: &str) -> Vec<u8> {
    Layer::new()
        .dir("etc/", 0o755)
        .file("etc/marker", 0o644, marker.as_bytes())
        .build()
}

/// Everything observable in a store root: file paths with their content (directories and
/// special files as markers), to compare before and after a failed operation.
pub(super) fn store_state(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(base, &path, out);
            } else if meta.is_file() {
                out.insert(rel, fs::read(&path).unwrap());
            } else {
                out.insert(rel, b"<special>".to_vec());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Whether the process may create whiteouts (device nodes, trusted xattrs).
pub(super) fn root_or_skip(test: &str) -> bool {
    if crate::image::sys::is_root() {
        return true;
    }
    eprintln!("skipping {test}: needs root (mknod, trusted.* xattrs)");
    false
}
