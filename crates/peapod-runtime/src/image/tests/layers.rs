//! Layer extraction: escapes through `..`, absolute paths, symlinks and hard links are
//! refused or confined; whiteouts become overlayfs whiteouts.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::fixtures::*;
use crate::image::unpack::unpack_layer;
use crate::image::{sys, ImageError};

struct Sandbox {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    /// The snapshot root sits two levels down, so `../..` escapes land inside `dir`.
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("a/b/fs");
        fs::create_dir_all(&root).unwrap();
        fs::create_dir(dir.path().join("outside")).unwrap();
        fs::write(dir.path().join("outside/secret"), b"untouched").unwrap();
        Sandbox { dir, root }
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    fn unpack(&self, layer: Vec<u8>) -> Result<(), ImageError> {
        unpack_layer(&layer[..], &self.root, "sha256:test")
    }

    /// Nothing was written anywhere but the snapshot root.
    fn assert_confined(&self) {
        assert_eq!(
            fs::read(self.outside().join("secret")).unwrap(),
            b"untouched"
        );
        assert_eq!(fs::read_dir(self.outside()).unwrap().count(), 1);
        for escaped in ["etc", "a/etc", "a/b/etc", "x", "a/x", "pwned"] {
            assert!(
                !self.dir.path().join(escaped).exists(),
                "{escaped} written outside"
            );
        }
    }
}

#[track_caller]
fn assert_unsafe(result: Result<(), ImageError>) {
    match result {
        Err(ImageError::UnsafeEntry { .. }) => {}
        other => panic!("expected an unsafe entry error, got {other:?}"),
    }
}

#[test]
fn dot_dot_that_escapes_is_rejected() {
    let sb = Sandbox::new();
    assert_unsafe(sb.unpack(Layer::new().file("../../etc/x", 0o644, b"x").build()));
    assert_unsafe(sb.unpack(Layer::new().file("a/../../x", 0o644, b"x").build()));
    assert_unsafe(sb.unpack(Layer::new().hardlink("h", "../../outside/secret").build()));
    sb.assert_confined();
}

#[test]
fn dot_dot_inside_the_layer_is_resolved_lexically() {
    let sb = Sandbox::new();
    sb.unpack(Layer::new().file("./a/../b", 0o644, b"b").build())
        .unwrap();
    assert_eq!(fs::read(sb.root.join("b")).unwrap(), b"b");
    assert!(!sb.root.join("a").exists());
}

#[test]
fn absolute_paths_are_rejected() {
    let sb = Sandbox::new();
    assert_unsafe(sb.unpack(Layer::new().file("/pwned", 0o644, b"x").build()));
    sb.assert_confined();
}

#[test]
fn writes_through_symlinked_parents_are_rejected() {
    let sb = Sandbox::new();
    let outside = sb.outside().to_string_lossy().into_owned();
    for layer in [
        Layer::new()
            .symlink("evil", &outside)
            .file("evil/pwned", 0o644, b"x"),
        Layer::new()
            .symlink("up", "../..")
            .file("up/x", 0o644, b"x"),
        Layer::new()
            .dir("a/", 0o755)
            .symlink("a/b", "/")
            .file("a/b/etc/x", 0o644, b"x"),
        Layer::new()
            .symlink("evil", &outside)
            .dir("evil/sub/", 0o755),
        Layer::new()
            .symlink("evil", &outside)
            .hardlink("evil/h", "ok")
            .file("ok", 0o644, b""),
        Layer::new()
            .symlink("evil", &outside)
            .hardlink("h", "evil/secret"),
        Layer::new()
            .symlink("evil", &outside)
            .symlink("evil/pwned", "/x"),
    ] {
        let sb = Sandbox::new();
        assert_unsafe(sb.unpack(layer.build()));
        sb.assert_confined();
    }
    sb.assert_confined();
}

#[test]
fn entries_replace_symlinks_instead_of_following_them() {
    let sb = Sandbox::new();
    let secret = sb.outside().join("secret").to_string_lossy().into_owned();
    let outside = sb.outside().to_string_lossy().into_owned();
    let layer = Layer::new()
        .symlink("f", &secret)
        .file("f", 0o644, b"inside")
        .symlink("d", &outside)
        .dir("d/", 0o755)
        .file("d/x", 0o644, b"x")
        .symlink("s", &secret)
        .hardlink("h", "s");
    sb.unpack(layer.build()).unwrap();
    assert_eq!(fs::read(sb.root.join("f")).unwrap(), b"inside");
    assert!(fs::symlink_metadata(sb.root.join("d")).unwrap().is_dir());
    assert_eq!(fs::read(sb.root.join("d/x")).unwrap(), b"x");
    // A hard link to a symlink is another symlink, never the file it points at.
    assert!(fs::symlink_metadata(sb.root.join("h"))
        .unwrap()
        .file_type()
        .is_symlink());
    sb.assert_confined();
}

#[test]
fn whiteouts_become_overlay_whiteouts() {
    if !root_or_skip("whiteouts_become_overlay_whiteouts") {
        return;
    }
    let sb = Sandbox::new();
    let layer = Layer::new()
        .file(".wh.gone", 0o644, b"")
        .dir("dir/", 0o755)
        .file("dir/.wh..wh..opq", 0o644, b"")
        .file("dir/kept", 0o644, b"k")
        .file("sub/.wh.deleted", 0o644, b"")
        .file(".wh..wh.plnk", 0o644, b"");
    sb.unpack(layer.build()).unwrap();
    for whiteout in ["gone", "sub/deleted"] {
        let meta = fs::symlink_metadata(sb.root.join(whiteout)).unwrap();
        assert!(meta.file_type().is_char_device(), "{whiteout}");
        assert_eq!(meta.rdev(), 0, "{whiteout} is a 0/0 device");
    }
    let opaque = sys::lgetxattr(&sb.root.join("dir"), "trusted.overlay.opaque").unwrap();
    assert_eq!(opaque.as_deref(), Some(&b"y"[..]));
    assert_eq!(fs::read(sb.root.join("dir/kept")).unwrap(), b"k");
    assert_eq!(
        sys::lgetxattr(&sb.root.join("sub"), "trusted.overlay.opaque").unwrap(),
        None
    );
    let leftovers: Vec<_> = walk(&sb.root)
        .into_iter()
        .filter(|p| p.contains(".wh."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    assert_unsafe(sb.unpack(Layer::new().file(".wh..", 0o644, b"").build()));
    assert_unsafe(sb.unpack(Layer::new().file("../.wh.x", 0o644, b"").build()));
    sb.assert_confined();
}

#[test]
fn device_nodes_and_owners_are_kept_when_root() {
    if !root_or_skip("device_nodes_and_owners_are_kept_when_root") {
        return;
    }
    let sb = Sandbox::new();
    let layer = Layer::new()
        .dir("dev/", 0o755)
        .char_device("dev/null", 1, 3)
        .symlink("link", "dev/null");
    sb.unpack(layer.build()).unwrap();
    let null = fs::symlink_metadata(sb.root.join("dev/null")).unwrap();
    assert!(null.file_type().is_char_device());
    assert_eq!(null.rdev(), nix::sys::stat::makedev(1, 3));
    assert_eq!(null.mode() & 0o777, 0o666);
    assert_eq!((null.uid(), null.gid()), (UID as u32, GID as u32));
    let link = fs::symlink_metadata(sb.root.join("link")).unwrap();
    assert_eq!((link.uid(), link.gid()), (UID as u32, GID as u32));
    assert_eq!(link.mtime(), MTIME as i64);
}

#[test]
fn only_safe_xattrs_are_applied() {
    if !root_or_skip("only_safe_xattrs_are_applied") {
        return;
    }
    let sb = Sandbox::new();
    let layer = Layer::new()
        .pax(&[
            ("SCHILY.xattr.trusted.overlay.opaque", b"y"),
            ("SCHILY.xattr.user.note", b"hi"),
        ])
        .dir("d/", 0o755);
    sb.unpack(layer.build()).unwrap();
    let d = sb.root.join("d");
    assert_eq!(sys::lgetxattr(&d, "trusted.overlay.opaque").unwrap(), None);
    assert_eq!(
        sys::lgetxattr(&d, "user.note").unwrap().as_deref(),
        Some(&b"hi"[..])
    );
}

fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        out.push(path.to_string_lossy().into_owned());
        if fs::symlink_metadata(&path).unwrap().is_dir() {
            out.extend(walk(&path));
        }
    }
    out
}

#[test]
fn a_hostile_layer_never_becomes_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::image::ImageStore::open(&dir.path().join("images")).unwrap();
    let layer = Layer::new()
        .file("ok", 0o644, b"fine")
        .symlink("etc", "/etc")
        .file("etc/x", 0o644, b"pwned")
        .build();
    let img = image(&[layer], true, "sh");
    store
        .import_archive(&oci_archive(
            dir.path(),
            "hostile.tar",
            Some("hostile:1"),
            &img,
        ))
        .unwrap();
    let info = store.resolve("hostile:1").unwrap().unwrap();
    let err = store.snapshots(&info).unwrap_err();
    assert!(err.to_string().contains("\"etc/x\""), "{err}");
    assert!(matches!(err, ImageError::UnsafeEntry { .. }), "{err}");
    assert!(!Path::new("/etc/x").exists());
    assert_eq!(
        fs::read_dir(store.root().join("snapshots"))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(fs::read_dir(store.root().join("tmp")).unwrap().count(), 0);
}
