//! Archive formats and broken archives: every failure leaves the store as it was.

use std::fs;
use std::path::{Path, PathBuf};

use super::fixtures::*;
use crate::image::{ImageError, ImageStore};

/// A store that already holds one image, so "unchanged" means more than "empty".
fn populated_store() -> (tempfile::TempDir, ImageStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(&dir.path().join("images")).unwrap();
    let img = image(&[simple_layer("existing")], true, "sh");
    store
        .import_archive(&oci_archive(
            dir.path(),
            "existing.tar",
            Some("existing:1"),
            &img,
        ))
        .unwrap();
    (dir, store)
}

#[test]
fn corrupt_blob_is_rejected_and_the_store_is_unchanged() {
    let (dir, store) = populated_store();
    let before = store_state(store.root());
    let img = image(&[simple_layer("victim")], true, "sh");
    let mut members = oci_members(&[(Some("myapp:v1"), &img)]);
    let layer_member = format!("blobs/sha256/{}", img.layers[0].hex());
    let (_, bytes) = members
        .iter_mut()
        .find(|(n, _)| *n == layer_member)
        .unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let actual = crate::image::digest::digest_bytes(bytes);
    let archive = write_tar(&dir.path().join("myapp-v1.oci.tar"), &members);

    let err = store.import_archive(&archive).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "digest mismatch for blob {} in myapp-v1.oci.tar: got {actual}",
            img.layers[0].digest
        )
    );
    assert_eq!(store_state(store.root()), before);
    assert!(store.resolve("myapp:v1").unwrap().is_none());
}

#[test]
fn truncated_archives_are_rejected_and_the_store_is_unchanged() {
    let (dir, store) = populated_store();
    let before = store_state(store.root());
    let img = image(&[simple_layer("cut")], true, "sh");
    let whole = fs::read(oci_archive(dir.path(), "whole.tar", Some("cut:1"), &img)).unwrap();
    // Mid-header, on a header boundary, mid-blob, and without the end-of-archive blocks.
    let end = whole.len() - 1024;
    for cut in [100, 512, 1536, whole.len() / 2, end - 512, end] {
        let path = dir.path().join(format!("cut-{cut}.tar"));
        fs::write(&path, &whole[..cut]).unwrap();
        let err = store.import_archive(&path).unwrap_err();
        assert!(
            matches!(err, ImageError::Truncated { .. }),
            "cut at {cut}: {err}"
        );
        assert!(
            err.to_string()
                .starts_with(&format!("truncated archive cut-{cut}.tar")),
            "{err}"
        );
        assert_eq!(store_state(store.root()), before, "cut at {cut}");
    }
}

#[test]
fn missing_blob_is_rejected() {
    let (dir, store) = populated_store();
    let before = store_state(store.root());
    let img = image(&[simple_layer("gone")], true, "sh");
    let layer_member = format!("blobs/sha256/{}", img.layers[0].hex());
    let members: Members = oci_members(&[(Some("gone:1"), &img)])
        .into_iter()
        .filter(|(n, _)| *n != layer_member)
        .collect();
    let archive = write_tar(&dir.path().join("gone.tar"), &members);
    let err = store.import_archive(&archive).unwrap_err();
    assert!(matches!(err, ImageError::MissingBlob { .. }), "{err}");
    assert!(err.to_string().contains(&img.layers[0].digest), "{err}");
    assert_eq!(store_state(store.root()), before);
}

#[test]
fn garbage_and_hostile_archives_are_rejected() {
    let (dir, store) = populated_store();
    let before = store_state(store.root());
    let noise = dir.path().join("noise.tar");
    fs::write(&noise, vec![0x5a; 3000]).unwrap();
    assert!(store.import_archive(&noise).is_err());

    let empty = write_tar(&dir.path().join("empty.tar"), &Vec::new());
    let err = store.import_archive(&empty).unwrap_err();
    assert!(matches!(err, ImageError::InvalidArchive { .. }), "{err}");

    let escaping = dir.path().join("escape.tar");
    fs::write(
        &escaping,
        Layer::new().file("../outside", 0o644, b"x").build(),
    )
    .unwrap();
    let err = store.import_archive(&escaping).unwrap_err();
    assert!(matches!(err, ImageError::InvalidArchive { .. }), "{err}");
    assert!(!dir.path().join("outside").exists());

    let bad_name = write_tar(
        &dir.path().join("bad-name.tar"),
        &oci_members(&[(Some("Bad/Name:1"), &image(&[simple_layer("n")], true, "sh"))]),
    );
    assert!(store.import_archive(&bad_name).is_err());
    assert_eq!(store_state(store.root()), before);
}

#[test]
fn gzip_compressed_archives_and_uncompressed_layers_import() {
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(&dir.path().join("images")).unwrap();
    let img = image(&[simple_layer("plain")], false, "sh");
    let tar = fs::read(oci_archive(dir.path(), "plain.tar", Some("plain:1"), &img)).unwrap();
    let path = dir.path().join("plain.tar.gz");
    fs::write(&path, gzip(&tar)).unwrap();
    assert_eq!(
        store.import_archive(&path).unwrap(),
        ["docker.io/library/plain:1"]
    );
    let info = store.resolve("plain:1").unwrap().unwrap();
    let dirs = store.snapshots(&info).unwrap();
    assert_eq!(fs::read(dirs[0].join("etc/marker")).unwrap(), b"plain");
}

/// A `docker save` archive in the classic layout: `<config hex>.json`, `<id>/layer.tar` as a
/// symlink to `<layer hex>.tar` (what skopeo writes), `manifest.json`.
fn docker_archive(
    dir: &Path,
    file: &str,
    tags: &[&str],
    layer: &[u8],
    diff_id_of: &[u8],
) -> (PathBuf, Image) {
    let img = image(&[diff_id_of.to_vec()], false, "sh");
    let layer_blob = Blob::new(layer.to_vec());
    let layer_id = "b".repeat(64);
    let manifest = serde_json::json!([{
        "Config": format!("{}.json", img.config.hex()),
        "RepoTags": tags,
        "Layers": [format!("{layer_id}/layer.tar")],
    }]);
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o444);
        builder.append_data(&mut header, name, bytes).unwrap();
    };
    add(&format!("{}.tar", layer_blob.hex()), &layer_blob.bytes);
    add(&format!("{}.json", img.config.hex()), &img.config.bytes);
    add(&format!("{layer_id}/VERSION"), b"1.0");
    add("manifest.json", &serde_json::to_vec(&manifest).unwrap());
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    builder
        .append_link(
            &mut header,
            format!("{layer_id}/layer.tar"),
            format!("../{}.tar", layer_blob.hex()),
        )
        .unwrap();
    let path = dir.join(file);
    fs::write(&path, builder.into_inner().unwrap()).unwrap();
    (path, img)
}

#[test]
fn docker_save_archives_are_converted_to_oci() {
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(&dir.path().join("images")).unwrap();
    let layer = simple_layer("docker");
    let (archive, img) = docker_archive(
        dir.path(),
        "saved.tar",
        &["dsave:2", "quay.io/a/dsave:3"],
        &layer,
        &layer,
    );
    let mut names = store.import_archive(&archive).unwrap();
    names.sort();
    assert_eq!(names, ["docker.io/library/dsave:2", "quay.io/a/dsave:3"]);
    let info = store.resolve("dsave:2").unwrap().unwrap();
    assert_eq!(
        info.config_digest, img.config.digest,
        "the image ID is kept"
    );
    assert_eq!(info.layers, [img.diff_ids[0].clone()]);
    let manifest: serde_json::Value = serde_json::from_slice(
        &fs::read(
            store
                .root()
                .join("blobs/sha256")
                .join(&info.manifest_digest[7..]),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar"
    );
    let dirs = store.snapshots(&info).unwrap();
    assert_eq!(fs::read(dirs[0].join("etc/marker")).unwrap(), b"docker");
}

#[test]
fn docker_save_layer_must_match_its_diff_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(&dir.path().join("images")).unwrap();
    let before = store_state(store.root());
    let (archive, img) = docker_archive(
        dir.path(),
        "tampered.tar",
        &["tampered:1"],
        &simple_layer("evil"),
        &simple_layer("good"),
    );
    let err = store.import_archive(&archive).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&img.diff_ids[0]), "{err}");
    assert_eq!(store_state(store.root()), before);
}
