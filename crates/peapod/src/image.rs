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
    /// Pull an image from its registry (or the mirrors in --registry-config).
    Pull {
        reference: String,
        /// Registry mirrors and credentials, in k3s' registries.yaml format.
        #[arg(long, value_name = "FILE")]
        registry_config: Option<PathBuf>,
        /// Use only the mirrors, never the registry named in the reference.
        #[arg(long)]
        disable_default_registry_endpoint: bool,
    },
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
        ImageCommand::Pull {
            reference,
            registry_config,
            disable_default_registry_endpoint,
        } => pull(
            store,
            &reference,
            registry_config.as_deref(),
            !disable_default_registry_endpoint,
        )?,
        ImageCommand::Rm { reference } => {
            // Layers that containers of this node still use are kept.
            let in_use = in_use_snapshots(&store, &args.data_dir.join("runtime/pods"));
            store.remove(&reference, &in_use)?;
            println!("removed {reference}");
        }
    }
    Ok(())
}

fn pull(
    store: ImageStore,
    reference: &str,
    config: Option<&std::path::Path>,
    default_endpoint: bool,
) -> anyhow::Result<()> {
    use peapod_runtime::pull::{registries::RegistriesConfig, PullEvent, Puller};
    use std::io::{IsTerminal, Write};
    let config = match config {
        Some(p) => RegistriesConfig::load(p).map_err(anyhow::Error::msg)?,
        None => RegistriesConfig::default(),
    };
    let puller = Puller::new(std::sync::Arc::new(store), config, default_endpoint);
    let tty = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let progress = std::sync::Arc::new(move |e: &PullEvent| {
        let short = |d: &str| {
            d.trim_start_matches("sha256:")
                .chars()
                .take(12)
                .collect::<String>()
        };
        let mut err = std::io::stderr().lock();
        let _ = match e {
            PullEvent::Resolved {
                endpoint,
                manifest_digest,
                blobs,
                total,
            } => writeln!(
                err,
                "{endpoint}: {manifest_digest}: {blobs} blobs, {}",
                human(*total)
            ),
            PullEvent::Present { digest, .. } => {
                writeln!(err, "{}: already present", short(digest))
            }
            PullEvent::Progress {
                digest,
                done,
                total,
            } if tty => {
                let end = if done == total { "\n" } else { "" };
                write!(
                    err,
                    "\r{}: {} / {}{end}",
                    short(digest),
                    human(*done),
                    human(*total)
                )
            }
            PullEvent::Progress {
                digest,
                done,
                total,
            } if done == total => {
                writeln!(err, "{}: done, {}", short(digest), human(*total))
            }
            PullEvent::Progress { .. } => Ok(()),
        };
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let pulled = rt.block_on(puller.pull(reference, Some(progress)))?;
    println!("{}", pulled.name);
    eprintln!(
        "pulled {} ({}) in {:.1}s",
        pulled.manifest_digest,
        human(pulled.size),
        started.elapsed().as_secs_f64()
    );
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
