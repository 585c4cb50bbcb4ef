//! `peapod server`: flags, data dir, and the start and orderly stop of every component.

use crate::host;
use anyhow::{bail, Context};
use clap::Args;
use peapod_agent::{Agent, ClusterConfig};
use peapod_apiserver::pki::{ensure_private_dir, write_file_atomic, Pki};
use peapod_apiserver::{AppState, Registry, RegistryConfig};
use peapod_controllers::{
    bootstrap, BootstrapConfig, NamespaceController, NodeConfig, NodeHeartbeat, Scheduler,
};
use peapod_runtime::host::OciRuntimeKind;
use peapod_runtime::Runtime;
use peapod_store::{EmbeddedStore, Options};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// Where the store, certificates, kubeconfig and node state live (created 0700).
    #[arg(long, default_value = "/var/lib/peapod", env = "PEAPOD_DATA_DIR")]
    pub data_dir: PathBuf,
    /// HTTPS port of the Kubernetes API.
    #[arg(long, default_value_t = 6443)]
    pub api_port: u16,
    /// Address the API server listens on.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind_address: Ipv4Addr,
    /// Name of this node (default: the hostname, lower-cased).
    #[arg(long)]
    pub node_name: Option<String>,
    /// This node's IP (default: the first non-loopback IPv4 address).
    #[arg(long)]
    pub node_ip: Option<Ipv4Addr>,
    /// Import every image archive (OCI or docker-save tar) in this directory at start.
    #[arg(long, value_name = "DIR")]
    pub preload_images: Option<PathBuf>,
    /// Never contact a registry; `imagePullPolicy: Always` then behaves like IfNotPresent.
    #[arg(long)]
    pub offline: bool,
    /// Registry mirrors and credentials, in k3s' registries.yaml format.
    #[arg(long, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
    /// Rotate a container's log when it reaches this size (the kubelet's containerLogMaxSize).
    #[arg(long, default_value = "10Mi")]
    pub container_log_max_size: String,
    /// Log files kept per container, the live one included (containerLogMaxFiles).
    #[arg(long, default_value_t = 5)]
    pub container_log_max_files: usize,
    /// Pull only from the mirrors in --registry-config, never from the registry an image
    /// reference names (k3s' flag of the same name).
    #[arg(long)]
    pub disable_default_registry_endpoint: bool,
    /// Pod IP range; this node takes the first /24 of it.
    #[arg(long, default_value = "10.244.0.0/16")]
    pub cluster_cidr: String,
    /// Service ClusterIP range.
    #[arg(long, default_value = "10.96.0.0/12")]
    pub service_cidr: String,
    /// The cluster DNS service IP written into pods' resolv.conf.
    #[arg(long, default_value = "10.96.0.10")]
    pub cluster_dns: Ipv4Addr,
    /// The cluster's DNS domain.
    #[arg(long, default_value = "cluster.local")]
    pub cluster_domain: String,
    /// Revisions of watch history kept; a watch from an older resourceVersion gets 410 Gone.
    #[arg(long, default_value_t = 100_000)]
    pub watch_history: u64,
    /// The OCI runtime that runs containers.
    #[arg(long, value_enum, default_value = "crun")]
    pub oci_runtime: OciRuntimeArg,
    /// Run only the control plane: no scheduler, no node agent (pods stay Pending).
    #[arg(long)]
    pub no_node: bool,
    /// Pod sandboxes (pause process and network) kept ready for pods to come: a pod start then
    /// waits for neither. Each holds a pod IP while it waits. 0 turns this off.
    #[arg(long, default_value_t = 2)]
    pub warm_sandboxes: usize,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum OciRuntimeArg {
    Crun,
    Runc,
}

/// Imports every image archive in `dir` (files ending in .tar), logging each.
async fn preload(runtime: &Arc<Runtime>, dir: &std::path::Path) -> anyhow::Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("--preload-images {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tar"))
        .collect();
    files.sort();
    for f in files {
        let rt = runtime.clone();
        let path = f.clone();
        let started = std::time::Instant::now();
        match tokio::task::spawn_blocking(move || rt.images.import_archive(&path)).await? {
            Ok(names) => {
                tracing::info!(archive = %f.display(), images = ?names, ms = started.elapsed().as_millis() as u64, "imported")
            }
            Err(e) => tracing::error!(archive = %f.display(), error = %e, "image import failed"),
        }
    }
    Ok(())
}

/// Parses `a.b.c.d/n`.
pub fn parse_cidr(s: &str, flag: &str) -> anyhow::Result<(Ipv4Addr, u8)> {
    let (ip, len) = s
        .split_once('/')
        .with_context(|| format!("--{flag} {s:?}: expected an IPv4 CIDR such as 10.96.0.0/12"))?;
    let ip: Ipv4Addr = ip
        .parse()
        .with_context(|| format!("--{flag} {s:?}: {ip:?} is not an IPv4 address"))?;
    let len: u8 = len
        .parse()
        .with_context(|| format!("--{flag} {s:?}: prefix length must be 0-32"))?;
    if len > 32 {
        bail!("--{flag} {s:?}: prefix length must be 0-32");
    }
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - len as u32)
    };
    Ok((Ipv4Addr::from(u32::from(ip) & mask), len))
}

pub async fn run(args: ServerArgs) -> anyhow::Result<()> {
    let service_cidr = parse_cidr(&args.service_cidr, "service-cidr")?;
    let cluster_cidr = parse_cidr(&args.cluster_cidr, "cluster-cidr")?;
    if cluster_cidr.1 > 24 {
        bail!(
            "--cluster-cidr {}: must be /24 or larger so the node can take a /24",
            args.cluster_cidr
        );
    }
    let node_name = args.node_name.clone().unwrap_or_else(host::hostname);
    let node_ip = args.node_ip.unwrap_or_else(host::primary_ipv4);
    ensure_private_dir(&args.data_dir)
        .with_context(|| format!("data dir {}", args.data_dir.display()))?;
    let log_policy = peapod_runtime::logrotate::LogPolicy {
        max_size: peapod_agent::podspec_bytes(&args.container_log_max_size)
            .filter(|b| *b >= 1024)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--container-log-max-size {:?}: must be a quantity of at least 1Ki (e.g. 10Mi)",
                    args.container_log_max_size
                )
            })? as u64,
        max_files: match args.container_log_max_files {
            n if n >= 2 => n,
            n => bail!("--container-log-max-files {n}: must be at least 2"),
        },
    };
    // Checked before anything starts: a bad registries.yaml is a start-up error.
    let registries = match &args.registry_config {
        Some(p) => Some(
            peapod_runtime::pull::registries::RegistriesConfig::load(p)
                .map_err(|e| anyhow::anyhow!("--registry-config {e}"))?,
        ),
        None => None,
    };

    let store = EmbeddedStore::open(
        &args.data_dir.join("store.redb"),
        Options {
            history_revisions: args.watch_history,
        },
    )
    .with_context(|| format!("opening the store in {}", args.data_dir.display()))?;
    let registry = Arc::new(Registry::new(
        Arc::new(store),
        RegistryConfig {
            service_cidr,
            node_port_range: (30000, 32767),
        },
    ));

    let mut sans = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        node_name.clone(),
        node_ip.to_string(),
    ];
    let kubernetes_ip = Ipv4Addr::from(u32::from(service_cidr.0) + 1);
    sans.extend(["kubernetes", "kubernetes.default", "kubernetes.default.svc"].map(String::from));
    sans.push(format!("kubernetes.default.svc.{}", args.cluster_domain));
    sans.push(kubernetes_ip.to_string());
    let pki = Pki::load_or_create(&args.data_dir, &sans).context("creating certificates")?;
    let kubeconfig_path = args.data_dir.join("kubeconfig.yaml");
    write_file_atomic(
        &kubeconfig_path,
        pki.kubeconfig(&format!("https://127.0.0.1:{}", args.api_port))
            .as_bytes(),
        0o600,
    )?;

    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((args.bind_address, args.api_port)))
            .await
            .with_context(|| format!("listening on {}:{}", args.bind_address, args.api_port))?;
    // The node: container runtime and agent (unless this is a control-plane-only server).
    let runtime = if args.no_node {
        None
    } else {
        let kind = match args.oci_runtime {
            OciRuntimeArg::Crun => OciRuntimeKind::Crun,
            OciRuntimeArg::Runc => OciRuntimeKind::Runc,
        };
        match Runtime::open(&args.data_dir, kind) {
            Ok(mut rt) => {
                rt.set_log_policy(log_policy);
                Some(Arc::new(rt))
            }
            Err(e) => {
                tracing::error!(error = %e, "the container runtime cannot start; running the control plane only (pods stay Pending)");
                None
            }
        }
    };
    if let (Some(rt), Some(dir)) = (&runtime, &args.preload_images) {
        preload(rt, dir).await?;
    }
    let logs: Option<Arc<dyn peapod_apiserver::logs::LogSource>> = runtime.as_ref().map(|rt| {
        Arc::new(peapod_agent::logs::NodeLogs {
            runtime: rt.clone(),
        }) as Arc<dyn peapod_apiserver::logs::LogSource>
    });
    let state = Arc::new(AppState {
        registry: registry.clone(),
        admin_token: pki.admin_token.clone(),
        server_address: format!("{node_ip}:{}", args.api_port),
        bookmark_interval: Duration::from_secs(60),
        logs,
        exec: runtime.as_ref().map(|rt| {
            Arc::new(peapod_agent::exec::NodeExec {
                runtime: rt.clone(),
            }) as Arc<dyn peapod_apiserver::exec::ExecSource>
        }),
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(peapod_apiserver::serve(
        listener,
        pki.server_config()?,
        state,
        stop_rx.clone(),
    ));

    bootstrap(
        &registry,
        &BootstrapConfig {
            node_ip,
            api_port: args.api_port,
            kubernetes_service_ip: kubernetes_ip,
        },
    )
    .await
    .context("creating the system namespaces and the kubernetes Service")?;
    tasks.spawn(NamespaceController::new(registry.clone()).run(stop_rx.clone()));
    tasks
        .spawn(peapod_controllers::EndpointsController::new(registry.clone()).run(stop_rx.clone()));
    let pod_cidr = format!("{}/24", cluster_cidr.0);
    let node = NodeConfig {
        name: node_name.clone(),
        ip: node_ip,
        pod_cidr,
        kernel_version: host::kernel_version(),
        os_image: host::os_image(),
        cpus: host::cpus(),
        memory_kib: host::memory_kib(),
        max_pods: 110,
    };
    tasks.spawn(NodeHeartbeat::new(registry.clone(), node).run(stop_rx.clone()));
    let mut host_net = None;
    if let Some(rt) = runtime {
        let puller = (!args.offline).then(|| {
            Arc::new(peapod_runtime::pull::Puller::new(
                rt.images.clone(),
                registries.clone().unwrap_or_default(),
                !args.disable_default_registry_endpoint,
            ))
        });
        tasks.spawn(Scheduler::new(registry.clone(), &node_name).run(stop_rx.clone()));
        let cluster = ClusterConfig {
            cluster_dns: args.cluster_dns.to_string(),
            cluster_domain: args.cluster_domain.clone(),
            node_name: node_name.clone(),
            node_ip: node_ip.to_string(),
            seccomp_dir: args.data_dir.join("seccomp"),
        };
        let net_dir = args.data_dir.join("net");
        let pod_cidr_net = cluster_cidr.0;
        let gateway = Ipv4Addr::from(u32::from(pod_cidr_net) + 1);
        // One bridge per pod range, so several peapod nodes can share a machine.
        let bridge = if pod_cidr_net == Ipv4Addr::new(10, 244, 0, 0) {
            "peapod0".to_string()
        } else {
            format!("pp{:08x}", u32::from(pod_cidr_net))
        };
        let default = peapod_net::default_conflist(
            &bridge,
            &format!("{pod_cidr_net}/24"),
            gateway,
            &net_dir.join("ipam"),
        );
        let net = match peapod_net::Cni::open(
            &net_dir.join("cni.conflist"),
            &default,
            &net_dir.join("pods"),
        ) {
            Ok(n) => Some(Arc::new(n)),
            Err(e) => {
                tracing::error!(error = %e, "pod networking is unavailable; pods get only a loopback interface");
                None
            }
        };
        let table = if bridge == "peapod0" {
            "peapod".to_string()
        } else {
            format!("peapod_{bridge}")
        };
        let bridged_conntrack = peapod_net::bridge_netfilter();
        if !bridged_conntrack {
            tracing::info!(
                "bridge netfilter is unavailable; pod traffic through Services is masqueraded"
            );
        }
        let masq = peapod_net::Masquerade {
            cluster_cidr: args.cluster_cidr.clone(),
            bridged_conntrack,
        };
        // hostPorts are the proxy's unless the CNI configuration has a portMappings plugin.
        let proxy_host_ports = !net.as_ref().is_some_and(|n| n.handles_port_mappings());
        tasks.spawn(
            peapod_net::ServiceProxy::new(registry.clone(), &table, masq, proxy_host_ports)
                .run(stop_rx.clone()),
        );
        let host_cfg = peapod_net::HostNetworkConfig {
            cluster_dns: args.cluster_dns,
            service_cidr,
            bridge,
        };
        host_net = Some((peapod_net::HostNetwork::setup(host_cfg).await, rt.clone()));
        // Cluster DNS on the cluster DNS address (made local above), forwarding other names to
        // the node's resolvers.
        let dns_ip = std::net::IpAddr::V4(args.cluster_dns);
        let dns = peapod_dns::ClusterDns::new(
            registry.clone(),
            peapod_dns::DnsConfig {
                listen: vec![SocketAddr::new(dns_ip, 53)],
                domain: args.cluster_domain.clone(),
                upstreams: peapod_dns::host_upstreams(&[dns_ip]),
            },
        );
        let dns_stop = stop_rx.clone();
        tasks.spawn(async move {
            if let Err(e) = dns.run(dns_stop).await {
                tracing::error!(error = %e, "cluster DNS stopped");
            }
        });
        tasks.spawn(
            Agent::new(
                registry.clone(),
                rt,
                cluster,
                puller,
                net,
                args.warm_sandboxes,
            )
            .run(stop_rx.clone()),
        );
    }
    tracing::info!(
        api = %format!("https://{}:{}", args.bind_address, args.api_port),
        kubeconfig = %kubeconfig_path.display(),
        node = %node_name,
        "peapod is ready: export KUBECONFIG={}", kubeconfig_path.display()
    );

    wait_for_signal().await;
    tracing::info!("stopping");
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tasks.abort_all();
    }
    if let Some((h, rt)) = host_net {
        h.teardown(!rt.list_sandboxes().is_empty()).await;
    }
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers, run until killed.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
