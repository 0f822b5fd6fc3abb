//! jhub-cockpit: the TUI, or a headless subcommand.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use jhub_cockpit::app::{State, Target};
use jhub_cockpit::cli::{
    Cli, ClusterCommand, ImageCommand, Resolved, SecretsCommand, Subcommands, UsersCommand, resolve,
};
use jhub_cockpit::deploy::DeployConfig;
use jhub_cockpit::helm::release::ReleaseRecord;
use jhub_cockpit::kube::client;
use jhub_cockpit::runtime::{event_loop, executor::Executor, memory, startup, terminal};
use jhub_cockpit::{headless, logging, profile, status};

/// mimalloc rather than glibc's malloc: a list at 20,000 pods parses about
/// 100 MB of JSON into short-lived objects, and glibc spent a third of the
/// list's time in malloc and free (figures in bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `memory::no_huge_pages` as the program is loaded, before the standard
/// library's first allocation: mimalloc takes its arena then, and the
/// first 2 MiB of it would still be a huge page, whose zeroing (and
/// compaction on a long-running machine) held the start back by up to
/// 100 ms when set from main. The dynamic loader runs `.preinit_array`
/// before any other initializer of the program or its libraries.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".preinit_array")]
static NO_HUGE_PAGES_AT_LOAD: extern "C" fn() = {
    extern "C" fn at_load() {
        memory::no_huge_pages();
    }
    at_load
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Needs no settings, cluster or runtime: printed and done.
    if let Some(Subcommands::Completions { shell }) = cli.command {
        use clap::CommandFactory;
        use std::io::Write;
        // Into a buffer first: clap_complete panics on a closed pipe
        // (`| head`), which a shell user does all the time.
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "jhub-cockpit", &mut script);
        return match std::io::stdout().write_all(&script) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                eprintln!("jhub-cockpit: cannot print the completions: {e}");
                ExitCode::FAILURE
            }
            _ => ExitCode::SUCCESS,
        };
    }
    memory::one_arena();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jhub-cockpit: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let (settings, settings_path) = profile::load(cli.target.settings.as_deref(), &cwd)?;
    // Where the TUI saves a namespace or context when asked: the file read,
    // else a new one in the working directory (which `find` reads first).
    let settings_file = settings_path.unwrap_or_else(|| cwd.join(profile::FILE_NAME));
    let resolved = resolve(&cli.target, &settings);
    let log_path = logging::init()?;
    let namespace = initial_target(&resolved).namespace;
    // The TUI resolves GKE (which may ask gcloud) after its first frame.
    // The image subcommands need no GKE either.
    let config = match cli.command {
        None | Some(Subcommands::Image { .. }) => resolved.local_deploy_config(&namespace, &cwd),
        Some(_) => resolved.deploy_config(&namespace, &cwd),
    };
    let readonly = resolved.readonly;
    let touches_cluster = matches!(
        cli.command,
        Some(
            Subcommands::Status { .. }
                | Subcommands::Deploy { .. }
                | Subcommands::Rollback { .. }
                | Subcommands::Uninstall { .. }
                | Subcommands::History { .. }
                | Subcommands::Users { .. }
        )
    );
    if touches_cluster {
        // A context the cockpit keeps a GKE token file for: helm and the
        // kube client read it once, so it is written fresh first.
        if let Err(f) = jhub_cockpit::deploy::refresh_token_file(&config.kube).await {
            eprintln!("warning: {f}");
        }
    }
    match cli.command {
        None => tui(resolved, config, log_path, settings_file).await,
        Some(Subcommands::Completions { .. }) => unreachable!("printed before the runtime starts"),
        Some(Subcommands::Status { json }) => status_command(resolved, json).await,
        Some(Subcommands::Secrets {
            command: SecretsCommand::Generate { out, yes },
        }) => headless::secrets_generate(&config, out, yes, readonly).await,
        Some(Subcommands::Secrets {
            command: SecretsCommand::Move { yes },
        }) => headless::secrets_move(&config, yes, readonly).await,
        Some(Subcommands::Deploy { yes }) => {
            let deployed = deployed_revision(&resolved, &config).await;
            headless::deploy(&config, deployed.as_ref(), yes, readonly).await
        }
        Some(Subcommands::Rollback { revision, yes }) => {
            let newest = release_records(&resolved, &config)
                .await
                .and_then(|records| records.iter().map(|r| r.revision).max());
            headless::rollback(&config, revision, newest, yes, readonly).await
        }
        Some(Subcommands::Uninstall {
            yes,
            delete_namespace,
        }) => headless::uninstall(&config, yes, delete_namespace, readonly).await,
        Some(Subcommands::Cluster { command }) => match command {
            ClusterCommand::Create {
                name,
                machine_type,
                nodes,
                user_pool_max,
                yes,
            } => {
                let spec = jhub_cockpit::gke::ClusterSpec {
                    name,
                    location: config
                        .gke
                        .as_ref()
                        .map(|g| g.location.clone())
                        .unwrap_or_else(|| "us-central1-b".into()),
                    machine_type,
                    node_count: nodes,
                    user_pool: user_pool_max.map(|max| jhub_cockpit::gke::UserPoolSpec {
                        max_nodes: max,
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                headless::cluster_create(&config, spec, yes, readonly).await
            }
            ClusterCommand::List { json } => headless::cluster_list(&config, json).await,
            ClusterCommand::Connect { name } => headless::cluster_connect(&config, &name).await,
            ClusterCommand::Delete { name, yes } => {
                headless::cluster_delete(&config, &name, yes, readonly).await
            }
        },
        Some(Subcommands::Image { command }) => match command {
            ImageCommand::Init { dir } => headless::image_init(&dir),
            ImageCommand::Set { image, yes } => {
                headless::image_set(&config, &image, yes, readonly).await
            }
            ImageCommand::Check { image } => headless::image_check(&config, image.as_deref()).await,
        },
        Some(Subcommands::History { json }) => {
            let connected =
                client::connect(resolved.kubeconfig.as_ref(), resolved.context.as_deref()).await?;
            let records =
                headless::read_history(&connected.client, &config.namespace, &config.release)
                    .await?;
            headless::print_history(&records, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Subcommands::Users { command, json }) => {
            let connected =
                client::connect(resolved.kubeconfig.as_ref(), resolved.context.as_deref()).await?;
            let target = Target {
                context: connected.context.clone(),
                ..initial_target(&resolved)
            };
            let mut state = State::new(target, chrono::Utc::now());
            status::snapshot(&connected, &mut state).await?;
            match command {
                None => headless::users(&connected.client, &mut state, json).await,
                Some(UsersCommand::Stop { name, yes }) => {
                    headless::stop_server(
                        &connected.client,
                        &mut state,
                        &config,
                        &name,
                        yes,
                        readonly,
                    )
                    .await
                }
            }
        }
        Some(Subcommands::Logs {
            pod,
            container,
            previous,
            tail,
            follow,
            timestamps,
        }) => {
            let connected =
                client::connect(resolved.kubeconfig.as_ref(), resolved.context.as_deref()).await?;
            let request = jhub_cockpit::kube::logs::LogRequest {
                container,
                previous,
                tail,
                follow,
                timestamps,
                since: None,
            };
            headless::logs(connected.client, &config.namespace, pod, request).await
        }
    }
}

/// The context and namespace the header shows before the first connection:
/// read from the kubeconfig now; a kubeconfig that cannot be read is
/// reported inside the cockpit, which keeps retrying.
fn initial_target(resolved: &Resolved) -> Target {
    let kubeconfig = client::read_kubeconfig(resolved.kubeconfig.as_deref()).ok();
    let context = resolved
        .context
        .clone()
        .or_else(|| kubeconfig.as_ref().and_then(|k| k.current_context.clone()))
        .unwrap_or_else(|| "?".into());
    let context_ns = kubeconfig.as_ref().and_then(|k| {
        k.contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .and_then(|c| c.namespace.clone())
    });
    let insecure = kubeconfig
        .as_ref()
        .and_then(|k| {
            let cluster = k
                .contexts
                .iter()
                .find(|c| c.name == context)?
                .context
                .as_ref()?
                .cluster
                .clone();
            k.clusters
                .iter()
                .find(|c| c.name == cluster)?
                .cluster
                .as_ref()?
                .insecure_skip_tls_verify
        })
        .unwrap_or(false);
    Target {
        context,
        namespace: resolved
            .namespace
            .clone()
            .or(context_ns)
            .unwrap_or_else(|| "default".into()),
        release: resolved.release.clone(),
        readonly: resolved.readonly,
        insecure,
    }
}

/// The deployed revision's record, for the upgrade diff. An unreachable
/// cluster shows no diff; helm then reports the real error.
async fn deployed_revision(resolved: &Resolved, config: &DeployConfig) -> Option<ReleaseRecord> {
    let records = release_records(resolved, config).await?;
    jhub_cockpit::helm::release::current_revision(&records).cloned()
}

/// The release's revisions, for what a confirmation says; None when the
/// cluster cannot be read (helm then reports the real error).
async fn release_records(resolved: &Resolved, config: &DeployConfig) -> Option<Vec<ReleaseRecord>> {
    let connected = client::connect(resolved.kubeconfig.as_ref(), resolved.context.as_deref())
        .await
        .ok()?;
    headless::read_history(&connected.client, &config.namespace, &config.release)
        .await
        .ok()
}

async fn tui(
    resolved: Resolved,
    config: DeployConfig,
    log_path: String,
    settings_file: std::path::PathBuf,
) -> Result<ExitCode> {
    let target = initial_target(&resolved);
    tracing::info!(context = %target.context, namespace = %target.namespace, "starting");
    let mut state = State::new(target.clone(), chrono::Utc::now());
    state.monochrome = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (tx, rx) = event_loop::channel();
    state.deploy = jhub_cockpit::app::state::DeployInfo {
        release: config.release.clone(),
        chart: config.chart.reference(),
        values: config.values.clone(),
        secrets_file: config.secrets_file.clone(),
        helm_problem: None,
    };
    terminal::install_panic_hook(log_path);
    let tui = terminal::enter().context("cannot set up the terminal (is this a TTY?)")?;
    // Started by the loop once its first frame is written.
    let start = {
        let tx = tx.clone();
        move || {
            startup::spawn_checks(&tx, resolved.clone(), config.helm.clone());
            Executor::start(
                tx,
                resolved.kubeconfig.clone(),
                resolved.context.clone(),
                target.namespace.clone(),
                config,
            )
            .with_settings_file(settings_file)
        }
    };
    let result = event_loop::run(tui, state, tx, rx, start).await;
    terminal::restore();
    result.map(|_| ExitCode::SUCCESS)
}

async fn status_command(resolved: Resolved, json: bool) -> Result<ExitCode> {
    let target = initial_target(&resolved);
    let connected =
        client::connect(resolved.kubeconfig.as_ref(), resolved.context.as_deref()).await?;
    let mut state = State::new(
        Target {
            context: connected.context.clone(),
            insecure: connected.insecure,
            ..target
        },
        chrono::Utc::now(),
    );
    status::snapshot(&connected, &mut state).await?;
    status::check_hub(&connected.client, &mut state).await;
    let report = status::report(&state);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", status::text(&report));
    }
    Ok(ExitCode::SUCCESS)
}
