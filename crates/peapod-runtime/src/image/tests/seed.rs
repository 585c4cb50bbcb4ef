//! The project's seed images (/work/shared/images) and docker-save archives made by skopeo;
//! skipped with a note when either is missing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::image::ImageStore;

const SEED_DIR: &str = "/work/shared/images";

fn seed(file: &str) -> Option<PathBuf> {
    let path = Path::new(SEED_DIR).join(file);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipping: seed image {} is not available", path.display());
        None
    }
}

#[test]
fn imports_the_seed_images() {
    let files = [
        "busybox-latest.oci.tar",
        "busybox-1.24.oci.tar",
        "busyboxplus-latest.oci.tar",
        "myapp-v1.oci.tar",
        "myapp-v2.oci.tar",
    ];
    let Some(paths) = files.iter().map(|f| seed(f)).collect::<Option<Vec<_>>>() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = ImageStore::open(&dir.path().join("images")).unwrap();
    for path in &paths {
        store.import_archive(path).unwrap();
    }
    let names: Vec<String> = store.list().unwrap().into_iter().map(|i| i.name).collect();
    assert_eq!(
        names,
        [
            "docker.io/library/busybox:1.24",
            "docker.io/library/busybox:latest",
            "docker.io/library/busyboxplus:latest",
            "docker.io/library/myapp:v1",
            "docker.io/library/myapp:v2",
        ]
    );
    let myapp = store.resolve("myapp:v1").unwrap().unwrap();
    let cmd = myapp
        .config
        .config()
        .as_ref()
        .and_then(|c| c.cmd().clone())
        .unwrap();
    assert_eq!(cmd, ["nginx", "-g", "daemon off;"]);

    let busybox = store.resolve("busybox").unwrap().unwrap();
    let dirs = store.snapshots(&busybox).unwrap();
    assert_eq!(dirs.len(), 1);
    assert!(dirs[0].join("bin/busybox").is_file());
    assert!(fs::symlink_metadata(dirs[0].join("bin/sh"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(dirs[0].join("etc/passwd").is_file());
    // busybox:1.24 is the same content: the snapshot is shared.
    let old = store.resolve("busybox:1.24").unwrap().unwrap();
    assert_eq!(store.snapshots(&old).unwrap(), dirs);
}

#[test]
fn imports_a_skopeo_docker_archive() {
    let Some(oci) = seed("busybox-latest.oci.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("busybox-docker.tar");
    let copied = Command::new("skopeo")
        .arg("copy")
        .arg("--quiet")
        .arg(format!("oci-archive:{}", oci.display()))
        .arg(format!("docker-archive:{}:busybox:latest", out.display()))
        .status();
    match copied {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("skopeo copy failed: {status}"),
        Err(e) => {
            eprintln!("skipping imports_a_skopeo_docker_archive: skopeo not runnable: {e}");
            return;
        }
    }
    let store = ImageStore::open(&dir.path().join("images")).unwrap();
    assert_eq!(
        store.import_archive(&out).unwrap(),
        ["docker.io/library/busybox:latest"]
    );
    let info = store.resolve("busybox:latest").unwrap().unwrap();
    let dirs = store.snapshots(&info).unwrap();
    assert!(dirs[0].join("bin/busybox").is_file());

    // The OCI original and the docker copy are the same image: same ID and diff_ids.
    let reference = ImageStore::open(&dir.path().join("images2")).unwrap();
    reference.import_archive(&oci).unwrap();
    let original = reference.resolve("busybox").unwrap().unwrap();
    assert_eq!(
        original.config.rootfs().diff_ids(),
        info.config.rootfs().diff_ids()
    );
}
