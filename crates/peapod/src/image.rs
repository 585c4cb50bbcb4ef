//! `peapod image ls|import|rm`: the node's image store, for people.

use anyhow::Context;
use clap::{Args, Subcommand};
use peapod_runtime::image::ImageStore;
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ImageArgs {
    /// The data dir of the node (its images are in <data-dir>/images).
    #[arg(
        long,
        default_value = "/var/lib/peapod",
        env = "PEAPOD_DATA_DIR",
        global = true
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: ImageCommand,
}

#[derive(Subcommand, Debug)]
enum ImageCommand {
    /// List images: name, image ID, size.
    Ls,
    /// Import an OCI archive or a `docker save` archive.
    Import { file: PathBuf },
    /// Remove an image by name, digest or ID (unused layers are deleted).
    Rm { reference: String },
}

fn human(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    if mb >= 1.0 {
        format!("{mb:.1}MB")
    } else {
        format!("{:.1}kB", bytes as f64 / 1000.0)
    }
}

pub fn run(args: ImageArgs) -> anyhow::Result<()> {
    let root = args.data_dir.join("images");
    let store = ImageStore::open(&root)
        .with_context(|| format!("opening the image store in {}", root.display()))?;
    match args.command {
        ImageCommand::Ls => {
            println!("{:<50} {:<14} {:>10}", "IMAGE", "IMAGE ID", "SIZE");
            for i in store.list()? {
                let id = i
                    .config_digest
                    .trim_start_matches("sha256:")
                    .chars()
                    .take(12)
                    .collect::<String>();
                println!("{:<50} {:<14} {:>10}", i.name, id, human(i.size));
            }
        }
        ImageCommand::Import { file } => {
            let started = std::time::Instant::now();
            eprintln!("importing {} ...", file.display());
            let names = store.import_archive(&file)?;
            for n in names {
                println!("imported {n}");
            }
            eprintln!("done in {:.1}s", started.elapsed().as_secs_f64());
        }
        ImageCommand::Rm { reference } => {
            // Layers that containers of this node still use are kept.
            let in_use = in_use_snapshots(&store, &args.data_dir.join("runtime/pods"));
            store.remove(&reference, &in_use)?;
            println!("removed {reference}");
        }
    }
    Ok(())
}

/// Chain ids of the snapshots under the containers that exist on the node.
fn in_use_snapshots(store: &ImageStore, pods: &std::path::Path) -> HashSet<String> {
    let mut out = HashSet::new();
    let Ok(rd) = std::fs::read_dir(pods) else {
        return out;
    };
    for pod in rd.flatten() {
        let Ok(cs) = std::fs::read_dir(pod.path().join("containers")) else {
            continue;
        };
        for c in cs.flatten() {
            let meta: serde_json::Value = std::fs::read(c.path().join("meta.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            let Some(image) = meta.get("image").and_then(|v| v.as_str()) else {
                continue;
            };
            if let Ok(Some(info)) = store.resolve(image) {
                out.extend(info.chain_ids());
            }
        }
    }
    out
}
