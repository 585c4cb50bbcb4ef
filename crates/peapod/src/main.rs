//! The peapod binary: wiring only. `peapod server` runs the whole single-node cluster in one
//! process: the embedded store, the API server, and the control-plane controllers.

mod host;
mod image;
mod server;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "peapod",
    version,
    about = "A Kubernetes-compatible pod runtime in one binary, driven with the real kubectl"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the cluster: API server, store and controllers, in one process.
    Server(server::ServerArgs),
    /// Manage the node's local images (the store `peapod server` runs containers from).
    Image(image::ImageArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PEAPOD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // One crypto provider for every TLS user in the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.command {
        Command::Server(args) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(server::run(args))
        }
        Command::Image(args) => image::run(args),
    }
}
