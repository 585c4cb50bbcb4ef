//! Importing image archives: OCI archives (`oci-layout`, `index.json`, `blobs/sha256/...`, as
//! `skopeo copy ... oci-archive:` writes them) and `docker save` archives (`manifest.json`
//! with `Config`, `RepoTags`, `Layers`; converted to an OCI manifest in the store). The
//! archive may be gzip-compressed. Every member is streamed once into a `Staging`, each blob
//! checked against its digest; nothing reaches the store unless the whole archive checks out.

use std::cell::Cell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Component, Path};
use std::rc::Rc;

use flate2::read::MultiGzDecoder;
use oci_spec::image::{
    Arch, Descriptor, Digest, ImageConfiguration, ImageIndex, ImageManifest, MediaType, Os,
};
use serde::Deserialize;

use super::digest::sha256_hex;
use super::error::{ImageError, Result};
use super::reference::Reference;
use super::staging::Staging;
use super::store::{ImageStore, REF_NAME_ANNOTATION};

/// containerd's (and docker 25+'s) annotation with the full image name; `ref.name` may then be
/// just the tag.
const CONTAINERD_NAME_ANNOTATION: &str = "io.containerd.image.name";
const DOCKER_MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// index.json, manifest.json and friends are small; anything bigger is not an image archive.
const MAX_METADATA_FILE: u64 = 16 << 20;
const MAX_LINK_HOPS: usize = 16;

impl ImageStore {
    /// Imports every image of an OCI or docker-save archive and returns their normalised
    /// names. An image named only by a tag (`ref.name` = `v1`) or not at all is an error
    /// here; use `import_archive_as` to give it a repository.
    pub fn import_archive(&self, path: &Path) -> Result<Vec<String>> {
        self.import(path, None)
    }

    /// Like `import_archive`, with `base_name` (such as `myapp`) as the repository of
    /// images the archive names only by tag, and as the full name of unnamed ones.
    pub fn import_archive_as(&self, path: &Path, base_name: &str) -> Result<Vec<String>> {
        let base = Reference::parse(base_name)?;
        self.import(path, Some(&base))
    }

    fn import(&self, path: &Path, base: Option<&Reference>) -> Result<Vec<String>> {
        let origin = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let mut staging = self.staging(&origin)?;
        let contents = read_archive(path, &mut staging)?;
        if let Some(index) = &contents.index_json {
            stage_oci(&mut staging, index, base)?;
        } else if let Some(manifest) = &contents.manifest_json {
            stage_docker(&mut staging, manifest, &contents, base)?;
        } else {
            return Err(ImageError::InvalidArchive {
                origin,
                reason: "neither index.json (OCI archive) nor manifest.json (docker save) found"
                    .to_string(),
            });
        }
        self.commit(staging)
    }
}

/// What an archive held besides the blobs under `blobs/sha256/`.
#[derive(Default)]
struct ArchiveContents {
    index_json: Option<Vec<u8>>,
    manifest_json: Option<Vec<u8>>,
    /// Other regular members (docker-save configs and layers), staged: path → digest.
    files: HashMap<String, String>,
    /// Symlinks and hard links: path → target path from the archive root.
    links: HashMap<String, String>,
}

impl ArchiveContents {
    /// The digest of the regular member a path leads to, following archive links.
    fn digest_of(&self, path: &str) -> Option<&str> {
        let mut path = normalise(Path::new(path))?;
        for _ in 0..MAX_LINK_HOPS {
            if let Some(digest) = self.files.get(&path) {
                return Some(digest);
            }
            path = self.links.get(&path)?.clone();
        }
        None
    }
}

/// A reader that remembers whether it reached end of file: a tar stream that does so before
/// its end-of-archive marker was cut short.
struct EofReader<R> {
    inner: R,
    eof: Rc<Cell<bool>>,
}

impl<R: Read> Read for EofReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof.set(true);
        }
        Ok(n)
    }
}

fn read_archive(path: &Path, staging: &mut Staging) -> Result<ArchiveContents> {
    let file = File::open(path).map_err(|e| ImageError::io("open", path, e))?;
    let mut buffered = BufReader::new(file);
    let magic = buffered
        .fill_buf()
        .map_err(|e| ImageError::io("read", path, e))?;
    let stream: Box<dyn Read> = if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let eof = Rc::new(Cell::new(false));
    let mut archive = tar::Archive::new(EofReader {
        inner: stream,
        eof: Rc::clone(&eof),
    });
    let mut contents = ArchiveContents::default();
    let entries = archive
        .entries()
        .map_err(|e| archive_error(staging, e, &eof))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| archive_error(staging, e, &eof))?;
        let raw = entry
            .path()
            .map_err(|e| archive_error(staging, e, &eof))?
            .into_owned();
        let Some(path) = normalise(&raw) else {
            return Err(ImageError::InvalidArchive {
                origin: staging.origin().to_string(),
                reason: format!("member {:?} leaves the archive root", raw.display()),
            });
        };
        let size = entry.size();
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let is_symlink = entry.header().entry_type() == tar::EntryType::Symlink;
                let target = entry
                    .link_name()
                    .map_err(|e| archive_error(staging, e, &eof))?
                    .map(|t| t.into_owned());
                let resolved = target.and_then(|t| {
                    if is_symlink {
                        // Relative to the link's directory.
                        let parent = Path::new(&path).parent().unwrap_or(Path::new(""));
                        normalise(&parent.join(t))
                    } else {
                        normalise(&t)
                    }
                });
                if let Some(resolved) = resolved {
                    contents.links.insert(path, resolved);
                }
                continue;
            }
            _ => continue,
        }
        match path.as_str() {
            "index.json" | "manifest.json" => {
                let mut bytes = Vec::new();
                (&mut entry)
                    .take(MAX_METADATA_FILE + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| archive_error(staging, e, &eof))?;
                if bytes.len() as u64 > MAX_METADATA_FILE {
                    return Err(ImageError::InvalidArchive {
                        origin: staging.origin().to_string(),
                        reason: format!("{path} is larger than {MAX_METADATA_FILE} bytes"),
                    });
                }
                if (bytes.len() as u64) < size {
                    return Err(staging
                        .truncated(format!("{path} ends after {} of {size} bytes", bytes.len())));
                }
                if path == "index.json" {
                    contents.index_json = Some(bytes);
                } else {
                    contents.manifest_json = Some(bytes);
                }
            }
            _ => {
                if let Some(hex) = path.strip_prefix("blobs/sha256/") {
                    let digest = format!("sha256:{hex}");
                    if sha256_hex(&digest).is_none() {
                        return Err(ImageError::InvalidArchive {
                            origin: staging.origin().to_string(),
                            reason: format!("blob name {path:?} is not a sha256 digest"),
                        });
                    }
                    staging.put_blob(&path, &mut entry, Some(&digest), Some(size))?;
                } else if path.starts_with("blobs/") {
                    tracing::debug!(origin = staging.origin(), member = %path, "skipping blob of another digest algorithm");
                } else {
                    let (digest, _) = staging.put_blob(&path, &mut entry, None, Some(size))?;
                    contents.files.insert(path, digest);
                }
            }
        }
    }
    if eof.get() {
        return Err(
            staging.truncated("the archive ends without its end-of-archive marker".to_string())
        );
    }
    Ok(contents)
}

/// A tar-level error; when the input had already run out, the archive was truncated.
fn archive_error(staging: &Staging, e: io::Error, eof: &Cell<bool>) -> ImageError {
    if eof.get() || e.kind() == io::ErrorKind::UnexpectedEof {
        return staging.truncated(e.to_string());
    }
    ImageError::InvalidArchive {
        origin: staging.origin().to_string(),
        reason: e.to_string(),
    }
}

/// `./a/b` → `a/b`; None when the path is absolute or climbs out with `..`.
fn normalise(path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// The name an archive gives an image: a full reference, or a tag that needs `base`.
fn image_name(
    staging: &Staging,
    annotation: Option<&str>,
    base: Option<&Reference>,
    manifest: &str,
) -> Result<Reference> {
    match (annotation, base) {
        (Some(full), _) if full.contains(['/', ':', '@']) => Reference::parse(full),
        (Some(tag), Some(base)) => Reference::parse(&format!("{}:{tag}", base.name())),
        (None, Some(base)) => Ok(base.clone()),
        (name, None) => Err(ImageError::Unnamed {
            origin: staging.origin().to_string(),
            manifest: manifest.to_string(),
            name: name.unwrap_or_default().to_string(),
        }),
    }
}

fn stage_oci(staging: &mut Staging, index_json: &[u8], base: Option<&Reference>) -> Result<()> {
    let index: ImageIndex =
        serde_json::from_slice(index_json).map_err(|e| ImageError::InvalidArchive {
            origin: staging.origin().to_string(),
            reason: format!("index.json: {e}"),
        })?;
    let mut named = 0;
    for desc in index.manifests() {
        let annotations = desc.annotations().as_ref();
        let name = annotations
            .and_then(|a| a.get(CONTAINERD_NAME_ANNOTATION))
            .or_else(|| annotations.and_then(|a| a.get(REF_NAME_ANNOTATION)));
        let Some(manifest) = platform_manifest(staging, desc)? else {
            continue;
        };
        let reference = image_name(staging, name.map(String::as_str), base, &manifest)?;
        staging.add_image(&reference, &manifest)?;
        named += 1;
    }
    if named == 0 {
        return Err(ImageError::InvalidArchive {
            origin: staging.origin().to_string(),
            reason: "index.json lists no image manifests".to_string(),
        });
    }
    Ok(())
}

/// The image manifest a top-level descriptor stands for: itself, or from a nested index the
/// one for this host's platform. None for other artifacts.
fn platform_manifest(staging: &Staging, desc: &Descriptor) -> Result<Option<String>> {
    let digest = desc.digest().to_string();
    match desc.media_type() {
        MediaType::ImageManifest => {}
        MediaType::Other(t) if t == DOCKER_MANIFEST_V2 => {}
        MediaType::ImageIndex => return nested_manifest(staging, desc).map(Some),
        MediaType::Other(t) if t == DOCKER_MANIFEST_LIST => {
            return nested_manifest(staging, desc).map(Some)
        }
        other => {
            tracing::debug!(origin = staging.origin(), %digest, media_type = %other, "skipping non-image manifest");
            return Ok(None);
        }
    }
    check_descriptor_size(staging, desc, "manifest")?;
    Ok(Some(digest))
}

fn nested_manifest(staging: &Staging, desc: &Descriptor) -> Result<String> {
    let digest = desc.digest().to_string();
    check_descriptor_size(staging, desc, "image index")?;
    let (bytes, _) = staging.read_blob(&digest, "image index")?;
    let index: ImageIndex = staging.parse(&bytes, "image index", &digest)?;
    let (os, arch) = (Os::default(), Arch::default());
    let chosen = index
        .manifests()
        .iter()
        .find(|m| {
            m.platform()
                .as_ref()
                .is_some_and(|p| p.os() == &os && p.architecture() == &arch)
        })
        .or_else(|| match index.manifests().as_slice() {
            [only] if only.platform().is_none() => Some(only),
            _ => None,
        })
        .ok_or_else(|| ImageError::Unsupported {
            origin: staging.origin().to_string(),
            what: "platform (no manifest for this host in the image index)",
            value: format!("{os}/{arch}"),
        })?;
    check_descriptor_size(staging, chosen, "manifest")?;
    Ok(chosen.digest().to_string())
}

fn check_descriptor_size(staging: &Staging, desc: &Descriptor, what: &str) -> Result<()> {
    let digest = desc.digest().to_string();
    let (_, size) = staging.read_blob(&digest, what)?;
    if size != desc.size() {
        return Err(ImageError::SizeMismatch {
            digest,
            origin: staging.origin().to_string(),
            expected: desc.size(),
            actual: size,
        });
    }
    Ok(())
}

/// One image of a docker-save `manifest.json`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerImage {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

fn stage_docker(
    staging: &mut Staging,
    manifest_json: &[u8],
    contents: &ArchiveContents,
    base: Option<&Reference>,
) -> Result<()> {
    let images: Vec<DockerImage> =
        serde_json::from_slice(manifest_json).map_err(|e| ImageError::InvalidArchive {
            origin: staging.origin().to_string(),
            reason: format!("manifest.json: {e}"),
        })?;
    if images.is_empty() {
        return Err(ImageError::InvalidArchive {
            origin: staging.origin().to_string(),
            reason: "manifest.json lists no images".to_string(),
        });
    }
    for image in images {
        let config_digest = member_digest(staging, contents, &image.config, "config")?;
        let (config_bytes, config_size) = staging.read_blob(&config_digest, "config")?;
        let config: ImageConfiguration = staging.parse(&config_bytes, "config", &config_digest)?;
        let diff_ids = config.rootfs().diff_ids();
        if diff_ids.len() != image.layers.len() {
            return Err(ImageError::InvalidArchive {
                origin: staging.origin().to_string(),
                reason: format!(
                    "config {config_digest} has {} diff_ids for {} layers",
                    diff_ids.len(),
                    image.layers.len()
                ),
            });
        }
        let mut layers = Vec::with_capacity(image.layers.len());
        for (member, diff_id) in image.layers.iter().zip(diff_ids) {
            let digest = member_digest(staging, contents, member, "layer")?;
            let magic = staging.blob_magic(&digest)?;
            let media_type = if magic.starts_with(&[0x1f, 0x8b]) {
                MediaType::ImageLayerGzip
            } else if magic == [0x28, 0xb5, 0x2f, 0xfd] {
                MediaType::ImageLayerZstd
            } else {
                // Uncompressed: the blob digest is the diff_id, so check it now.
                if &digest != diff_id {
                    return Err(ImageError::DigestMismatch {
                        what: "layer",
                        expected: diff_id.clone(),
                        actual: digest,
                        origin: staging.origin().to_string(),
                    });
                }
                MediaType::ImageLayer
            };
            let size = staging.blob_len(&digest, "layer")?;
            layers.push(Descriptor::new(
                media_type,
                size,
                to_digest(staging, &digest)?,
            ));
        }
        let config_desc = Descriptor::new(
            MediaType::ImageConfig,
            config_size,
            to_digest(staging, &config_digest)?,
        );
        let manifest: ImageManifest = serde_json::from_value(serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MediaType::ImageManifest.to_string(),
            "config": config_desc,
            "layers": layers,
        }))
        .map_err(|e| ImageError::InvalidArchive {
            origin: staging.origin().to_string(),
            reason: format!("building a manifest: {e}"),
        })?;
        let bytes = serde_json::to_vec(&manifest).map_err(|e| ImageError::InvalidArchive {
            origin: staging.origin().to_string(),
            reason: format!("serialising a manifest: {e}"),
        })?;
        let manifest_digest = staging.put_bytes("generated manifest", &bytes)?;
        let tags = image.repo_tags.unwrap_or_default();
        if tags.is_empty() {
            let reference = image_name(staging, None, base, &manifest_digest)?;
            staging.add_image(&reference, &manifest_digest)?;
        }
        for tag in tags {
            staging.add_image(&Reference::parse(&tag)?, &manifest_digest)?;
        }
    }
    Ok(())
}

/// The digest of a docker-save member; a member named by a digest (`<hex>.json`,
/// `<hex>.tar`, `blobs/sha256/<hex>`) must hash to it.
fn member_digest(
    staging: &Staging,
    contents: &ArchiveContents,
    member: &str,
    what: &'static str,
) -> Result<String> {
    let digest = contents
        .digest_of(member)
        .ok_or_else(|| ImageError::MissingBlob {
            origin: staging.origin().to_string(),
            digest: member.to_string(),
            what: format!("{what} named in manifest.json"),
        })?
        .to_string();
    let file_name = Path::new(member)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let stem = file_name
        .strip_suffix(".json")
        .or_else(|| file_name.strip_suffix(".tar"))
        .unwrap_or(file_name);
    let named = format!("sha256:{stem}");
    if sha256_hex(&named).is_some() && named != digest {
        return Err(ImageError::DigestMismatch {
            what,
            expected: named,
            actual: digest,
            origin: staging.origin().to_string(),
        });
    }
    Ok(digest)
}

fn to_digest(staging: &Staging, digest: &str) -> Result<Digest> {
    Digest::try_from(digest).map_err(|e| ImageError::InvalidArchive {
        origin: staging.origin().to_string(),
        reason: format!("digest {digest}: {e}"),
    })
}
