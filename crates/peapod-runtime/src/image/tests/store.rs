//! Import, lookup, snapshots, removal and garbage collection on small generated images.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::sync::Arc;

use super::fixtures::*;
use crate::image::{ImageError, ImageStore};

fn store() -> (tempfile::TempDir, ImageStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(&dir.path().join("images")).unwrap();
    (dir, store)
}

fn rich_layer() -> Vec<u8> {
    Layer::new()
        .dir("./", 0o755)
        .dir("bin/", 0o755)
        .file("bin/busybox", 0o4755, b"#!fake busybox")
        .symlink("bin/sh", "busybox")
        .symlink("bin/abs", "/etc/passwd")
        .dir("etc/", 0o750)
        .file("etc/hello", 0o640, b"hello")
        .hardlink("etc/hello2", "etc/hello")
        .file("deep/implicit/parent", 0o600, b"x")
        .fifo("run-fifo")
        .build()
}

#[test]
fn open_creates_a_private_oci_layout() {
    let (_dir, store) = store();
    let root = store.root();
    assert_eq!(
        fs::metadata(root).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert!(root.join("oci-layout").is_file());
    assert!(root.join("blobs/sha256").is_dir());
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn imports_resolves_and_unpacks() {
    let (dir, store) = store();
    let img = image(&[rich_layer()], true, "sh");
    let archive = oci_archive(
        dir.path(),
        "tiny.oci.tar",
        Some("docker.io/library/tiny:1"),
        &img,
    );
    let names = store.import_archive(&archive).unwrap();
    assert_eq!(names, ["docker.io/library/tiny:1"]);

    let info = store.resolve("tiny:1").unwrap().expect("by short name");
    assert_eq!(info.name, "docker.io/library/tiny:1");
    assert_eq!(info.manifest_digest, img.manifest.digest);
    assert_eq!(info.config_digest, img.config.digest);
    assert_eq!(info.layers, [img.layers[0].digest.clone()]);
    let cmd = info.config.config().as_ref().unwrap().cmd().clone();
    assert_eq!(cmd, Some(vec!["sh".to_string()]));
    let expected_size =
        img.manifest.bytes.len() + img.config.bytes.len() + img.layers[0].bytes.len();
    assert_eq!(info.size, expected_size as u64);

    for reference in [
        "docker.io/library/tiny:1".to_string(),
        img.manifest.digest.clone(),
        format!("tiny@{}", img.manifest.digest),
        img.config.digest.clone(),
        img.config.hex().to_string(),
        img.config.hex()[..12].to_string(),
        info.short_id().to_string(),
    ] {
        let found = store.resolve(&reference).unwrap();
        assert_eq!(
            found.map(|i| i.name),
            Some(info.name.clone()),
            "resolving {reference}"
        );
    }
    for absent in [
        "tiny",
        "tiny:2",
        "other/tiny:1",
        "abcdef",
        &format!("other@{}", img.manifest.digest),
    ] {
        assert!(
            store.resolve(absent).unwrap().is_none(),
            "{absent} should not resolve"
        );
    }
    assert_eq!(store.list().unwrap().len(), 1);

    let snapshots = store.snapshots(&info).unwrap();
    assert_eq!(snapshots.len(), 1);
    let fs_dir = &snapshots[0];
    let chain = &info.chain_ids()[0];
    assert_eq!(chain, &img.diff_ids[0]);
    assert_eq!(
        fs_dir,
        &store.root().join("snapshots").join(&chain[7..]).join("fs")
    );
    assert_eq!(fs::read(fs_dir.join("etc/hello")).unwrap(), b"hello");
    assert_eq!(
        fs::read_link(fs_dir.join("bin/sh")).unwrap().to_str(),
        Some("busybox")
    );
    assert_eq!(
        fs::read_link(fs_dir.join("bin/abs")).unwrap().to_str(),
        Some("/etc/passwd")
    );
    let hello = fs::metadata(fs_dir.join("etc/hello")).unwrap();
    let hello2 = fs::metadata(fs_dir.join("etc/hello2")).unwrap();
    assert_eq!(hello.ino(), hello2.ino(), "hard link shares the inode");
    assert_eq!(hello.mode() & 0o7777, 0o640);
    assert_eq!(hello.mtime(), MTIME as i64);
    let etc = fs::metadata(fs_dir.join("etc")).unwrap();
    assert_eq!(etc.mode() & 0o7777, 0o750);
    assert_eq!(
        etc.mtime(),
        MTIME as i64,
        "directory mtime set after its children"
    );
    assert!(fs::metadata(fs_dir.join("deep/implicit")).unwrap().is_dir());
    assert!(fs::symlink_metadata(fs_dir.join("run-fifo"))
        .unwrap()
        .file_type()
        .is_fifo());
    if crate::image::sys::is_root() {
        let busybox = fs::metadata(fs_dir.join("bin/busybox")).unwrap();
        assert_eq!(busybox.mode() & 0o7777, 0o4755, "setuid survives chown");
        assert_eq!((busybox.uid(), busybox.gid()), (UID as u32, GID as u32));
    }

    // Unpacked once: a second call reuses the directory.
    let inode = fs::metadata(fs_dir).unwrap().ino();
    assert_eq!(store.snapshots(&info).unwrap(), snapshots);
    assert_eq!(fs::metadata(fs_dir).unwrap().ino(), inode);
    assert_eq!(fs::read_dir(store.root().join("tmp")).unwrap().count(), 0);
}

#[test]
fn multi_layer_snapshots_use_chain_ids() {
    let (dir, store) = store();
    let img = image(&[simple_layer("one"), simple_layer("two")], false, "sh");
    let archive = oci_archive(dir.path(), "two.tar", Some("two:layers"), &img);
    store.import_archive(&archive).unwrap();
    let info = store.resolve("two:layers").unwrap().unwrap();
    let chains = info.chain_ids();
    assert_eq!(chains[0], img.diff_ids[0]);
    let expected =
        crate::image::digest::digest_bytes(format!("{} {}", chains[0], img.diff_ids[1]).as_bytes());
    assert_eq!(chains[1], expected);
    let dirs = store.snapshots(&info).unwrap();
    assert_eq!(fs::read(dirs[0].join("etc/marker")).unwrap(), b"one");
    assert_eq!(fs::read(dirs[1].join("etc/marker")).unwrap(), b"two");
}

#[test]
fn bare_tag_needs_a_base_name() {
    let (dir, store) = store();
    let img = image(&[simple_layer("v1")], true, "sh");
    let archive = oci_archive(dir.path(), "myapp-v1.tar", Some("v1"), &img);
    let before = store_state(store.root());
    let err = store.import_archive(&archive).unwrap_err();
    assert!(matches!(err, ImageError::Unnamed { .. }), "{err}");
    assert!(err.to_string().contains("myapp-v1.tar"), "{err}");
    assert_eq!(store_state(store.root()), before);
    let names = store.import_archive_as(&archive, "myapp").unwrap();
    assert_eq!(names, ["docker.io/library/myapp:v1"]);

    let unnamed = oci_archive(dir.path(), "unnamed.tar", None, &img);
    assert!(store.import_archive(&unnamed).is_err());
    let names = store.import_archive_as(&unnamed, "quay.io/x/y:z").unwrap();
    assert_eq!(names, ["quay.io/x/y:z"]);
}

#[test]
fn retagging_replaces_the_name_and_gc_collects_the_old_image() {
    let (dir, store) = store();
    let v1 = image(&[simple_layer("1")], true, "sh");
    let v2 = image(&[simple_layer("2")], true, "sh");
    store
        .import_archive(&oci_archive(dir.path(), "a.tar", Some("app:latest"), &v1))
        .unwrap();
    store
        .import_archive(&oci_archive(dir.path(), "b.tar", Some("app:latest"), &v2))
        .unwrap();
    let info = store.resolve("app").unwrap().unwrap();
    assert_eq!(info.manifest_digest, v2.manifest.digest);
    assert!(store.has_blob(&v1.layers[0].digest));
    store.gc(&HashSet::new()).unwrap();
    assert!(!store.has_blob(&v1.layers[0].digest));
    assert!(store.has_blob(&v2.layers[0].digest));
}

#[test]
fn remove_collects_unreferenced_blobs_and_snapshots() {
    let (dir, store) = store();
    let shared = simple_layer("shared");
    let a = image(&[shared.clone(), simple_layer("a")], true, "a");
    let b = image(&[shared, simple_layer("b")], true, "b");
    store
        .import_archive(&oci_archive(dir.path(), "a.tar", Some("a:1"), &a))
        .unwrap();
    store
        .import_archive(&oci_archive(dir.path(), "b.tar", Some("b:1"), &b))
        .unwrap();
    let info_a = store.resolve("a:1").unwrap().unwrap();
    let info_b = store.resolve("b:1").unwrap().unwrap();
    let snaps_a = store.snapshots(&info_a).unwrap();
    let snaps_b = store.snapshots(&info_b).unwrap();
    assert_eq!(
        snaps_a[0], snaps_b[0],
        "the shared bottom layer is unpacked once"
    );

    let err = store.remove("nope", &HashSet::new()).unwrap_err();
    assert_eq!(err.to_string(), "image \"nope\" not found");

    store.remove("a:1", &HashSet::new()).unwrap();
    assert!(store.resolve("a:1").unwrap().is_none());
    assert!(!store.has_blob(&a.manifest.digest));
    assert!(!store.has_blob(&a.layers[1].digest));
    assert!(store.has_blob(&a.layers[0].digest), "still used by b");
    assert!(!snaps_a[1].exists());
    assert!(snaps_a[0].exists() && snaps_b[1].exists());

    // b's top snapshot is in use by a container: removing b keeps it until a later gc.
    let in_use: HashSet<String> = [info_b.chain_ids()[1].clone()].into();
    store.remove(&info_b.config_digest, &in_use).unwrap();
    assert!(store.list().unwrap().is_empty());
    assert!(!snaps_b[0].exists());
    assert!(snaps_b[1].exists());
    store.gc(&HashSet::new()).unwrap();
    assert!(!snaps_b[1].exists());
    let blobs = fs::read_dir(store.root().join("blobs/sha256"))
        .unwrap()
        .count();
    assert_eq!(blobs, 0);
}

#[test]
fn remove_by_id_drops_every_name() {
    let (dir, store) = store();
    let img = image(&[simple_layer("x")], true, "x");
    let members = oci_members(&[(Some("x:1"), &img), (Some("x:2"), &img)]);
    let archive = write_tar(&dir.path().join("x.tar"), &members);
    let mut names = store.import_archive(&archive).unwrap();
    names.sort();
    assert_eq!(names, ["docker.io/library/x:1", "docker.io/library/x:2"]);
    store
        .remove(&img.config.hex()[..12], &HashSet::new())
        .unwrap();
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn names_survive_reopening() {
    let (dir, store) = store();
    let img = image(&[simple_layer("p")], true, "p");
    store
        .import_archive(&oci_archive(dir.path(), "p.tar", Some("persist:1"), &img))
        .unwrap();
    drop(store);
    let reopened = ImageStore::open(&dir.path().join("images")).unwrap();
    let info = reopened.resolve("persist:1").unwrap().unwrap();
    assert_eq!(info.manifest_digest, img.manifest.digest);
    let index = fs::read_to_string(dir.path().join("images/index.json")).unwrap();
    assert!(
        index.contains("\"org.opencontainers.image.ref.name\": \"docker.io/library/persist:1\""),
        "{index}"
    );
}

#[test]
fn concurrent_imports_lookups_and_unpacks() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(ImageStore::open(&dir.path().join("images")).unwrap());
    let shared = simple_layer("shared");
    let archives: Vec<_> = (0..6)
        .map(|i| {
            let img = image(&[shared.clone(), simple_layer(&i.to_string())], true, "sh");
            oci_archive(
                dir.path(),
                &format!("{i}.tar"),
                Some(&format!("c{i}:v")),
                &img,
            )
        })
        .collect();
    let handles: Vec<_> = archives
        .into_iter()
        .enumerate()
        .map(|(i, archive)| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                store.import_archive(&archive).unwrap();
                let info = store.resolve(&format!("c{i}:v")).unwrap().unwrap();
                let dirs = store.snapshots(&info).unwrap();
                assert_eq!(
                    fs::read(dirs[1].join("etc/marker")).unwrap(),
                    i.to_string().as_bytes()
                );
                store.list().unwrap().len()
            })
        })
        .collect();
    for handle in handles {
        assert!(handle.join().unwrap() >= 1);
    }
    assert_eq!(store.list().unwrap().len(), 6);
    assert_eq!(
        fs::read_dir(store.root().join("snapshots"))
            .unwrap()
            .count(),
        7
    );
    assert_eq!(fs::read_dir(store.root().join("tmp")).unwrap().count(), 0);
}

#[test]
fn diff_id_mismatch_is_caught_at_unpack() {
    let (dir, store) = store();
    let mut img = image(&[simple_layer("real")], true, "sh");
    // Claim a different uncompressed digest in the config, keeping blob digests consistent.
    let wrong = crate::image::digest::digest_bytes(b"not the layer");
    let config = String::from_utf8(img.config.bytes.clone())
        .unwrap()
        .replace(&img.diff_ids[0], &wrong);
    img = rebuild_with_config(&img, config.into_bytes());
    let archive = oci_archive(dir.path(), "liar.tar", Some("liar:1"), &img);
    store.import_archive(&archive).unwrap();
    let info = store.resolve("liar:1").unwrap().unwrap();
    let err = store.snapshots(&info).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&wrong), "{err}");
    assert_eq!(
        fs::read_dir(store.root().join("snapshots"))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(fs::read_dir(store.root().join("tmp")).unwrap().count(), 0);
}

/// The same image with another config blob (and a manifest pointing at it).
pub(super) fn rebuild_with_config(img: &Image, config: Vec<u8>) -> Image {
    let config = Blob::new(config);
    let manifest = String::from_utf8(img.manifest.bytes.clone())
        .unwrap()
        .replace(&img.config.digest, &config.digest)
        .replace(
            &format!("\"size\":{}", img.config.bytes.len()),
            &format!("\"size\":{}", config.bytes.len()),
        );
    Image {
        manifest: Blob::new(manifest.into_bytes()),
        config,
        layers: img.layers.clone(),
        diff_ids: img.diff_ids.clone(),
    }
}
