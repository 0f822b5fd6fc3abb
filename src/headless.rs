//! The headless subcommands: the same actions as the keys, with the same
//! confirmations (typed on the terminal, or --yes), returning non-zero on
//! failure.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::actions::{Action, Confirmation};
use crate::deploy::{self, DeployConfig};
use crate::helm::release::ReleaseRecord;
use crate::kube::logs::{LogEvent, LogRequest};
use crate::plan::{self, Plan, ReleaseOnCluster};
use crate::values::DiffTag;

/// Prints the plan (what will happen, the values diff of an upgrade) and
/// asks its confirmation on the terminal, unless `yes` or the plan only
/// creates; without a terminal and without `--yes`, refuses (nothing is
/// run). On a no, says what stays.
pub fn ask(plan: &Plan, yes: bool) -> Result<bool> {
    for line in &plan.explain {
        match line.strip_prefix("⚠ ") {
            Some(warning) => eprintln!("warning: {warning}"),
            None => eprintln!("  {line}"),
        }
    }
    for line in &plan.diff {
        let sign = match line.tag {
            DiffTag::Added => "+",
            DiffTag::Removed => "-",
            DiffTag::Context => " ",
            DiffTag::Hunk => "",
        };
        println!("{sign}{}", line.text);
    }
    if yes || plan.creates_only {
        return Ok(true);
    }
    let question = plan.question();
    if !std::io::stdin().is_terminal() {
        bail!(
            "{}: refusing without --yes (there is no terminal to ask on)",
            plan.action.title()
        );
    }
    let expected = match &plan.confirmation {
        Confirmation::YesNo => {
            eprint!("{question} [y/N] ");
            None
        }
        Confirmation::Typed { expected, .. } => {
            eprint!("{question}\n  type '{expected}' to confirm: ");
            Some(expected.clone())
        }
    };
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let answer = answer.trim();
    let confirmed = match &expected {
        None => answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes"),
        Some(e) => answer == e,
    };
    if !confirmed {
        eprintln!("{}", plan.declined(expected.is_some()));
    }
    Ok(confirmed)
}

fn refuse_readonly(readonly: bool, what: &str) -> Result<()> {
    if readonly {
        bail!("read-only mode (--readonly): {what} was refused; nothing was changed");
    }
    Ok(())
}

async fn run_action(action: Action, config: &DeployConfig) -> Result<ExitCode> {
    let result = deploy::run(&action, config, 0, |line| println!("{line}")).await;
    match result {
        Ok(summary) => {
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            eprintln!("jhub-cockpit: {} failed:\n{failure}", action.title());
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn secrets_generate(
    config: &DeployConfig,
    out: Option<std::path::PathBuf>,
    yes: bool,
    readonly: bool,
) -> Result<ExitCode> {
    refuse_readonly(readonly, "secrets generate")?;
    let path = out.unwrap_or_else(|| config.secrets_file.clone());
    let exists = path.exists();
    let plan = plan::generate_secrets(path, exists);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    run_action(plan.action, config).await
}

/// The same move as M in the cockpit: worked out (and refused) before
/// anything is asked, then confirmed, then written.
pub async fn secrets_move(config: &DeployConfig, yes: bool, readonly: bool) -> Result<ExitCode> {
    refuse_readonly(readonly, "secrets move")?;
    let prepared = match deploy::prepare_move(config) {
        Ok(p) => p,
        Err(failure) => {
            eprintln!("jhub-cockpit: secrets not moved:\n{failure}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let plan = plan::move_secrets(prepared);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    run_action(plan.action, config).await
}

pub async fn deploy(
    config: &DeployConfig,
    deployed: Option<&ReleaseRecord>,
    yes: bool,
    readonly: bool,
) -> Result<ExitCode> {
    refuse_readonly(readonly, "deploy")?;
    let prepared = deploy::prepare_checked(config, deployed.map(|r| r.config.clone())).await;
    let prepared = match prepared {
        Ok(p) => p,
        Err(failure) => {
            eprintln!("jhub-cockpit: not deployed:\n{failure}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let plan = plan::deploy(prepared, deployed.is_some());
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    run_action(plan.action, config).await
}

/// `image init [DIR]`: the course image's Dockerfile, never over a file.
pub fn image_init(dir: &std::path::Path) -> Result<ExitCode> {
    match crate::image::dockerfile::init(dir) {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            println!(
                "next: put the course material in {}, build and push the image (README.md there says how), then jhub-cockpit image set NAME:TAG",
                dir.join("material").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("jhub-cockpit: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `image set NAME:TAG`: the same change as the image form's, with its
/// diff and the registry's answer, confirmed, then written.
pub async fn image_set(
    config: &DeployConfig,
    image: &str,
    yes: bool,
    readonly: bool,
) -> Result<ExitCode> {
    refuse_readonly(readonly, "image set")?;
    if image.contains('@') {
        eprintln!(
            "jhub-cockpit: {image:?} has a digest: image set writes NAME:TAG (the chart's singleuser.image has a name and a tag); pin by tag"
        );
        return Ok(ExitCode::FAILURE);
    }
    let (name, tag) = crate::image::split(image.trim());
    let Some(tag) = tag else {
        eprintln!(
            "jhub-cockpit: {image:?} has no tag: give NAME:TAG (a pinned tag; latest changes under the class)"
        );
        return Ok(ExitCode::FAILURE);
    };
    let prepared = match deploy::prepare_image(config, &name, &tag).await {
        Ok(p) => p,
        Err(failure) => {
            eprintln!("jhub-cockpit: config.yaml was not changed:\n{failure}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let plan = plan::set_image(prepared);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    let code = run_action(plan.action, config).await?;
    if code == ExitCode::SUCCESS {
        println!(
            "next: jhub-cockpit deploy (shows the diff, asks the registry again, then upgrades)"
        );
    }
    Ok(code)
}

/// `image check [NAME:TAG]`: the registry's answer, as a deploy would get
/// it; non-zero when a tag is missing.
pub async fn image_check(config: &DeployConfig, image: Option<&str>) -> Result<ExitCode> {
    let images = match image {
        Some(image) => vec![crate::image::ImageChange {
            key: crate::image::keys::SINGLEUSER,
            image: image.trim().to_owned(),
            deployed: None,
        }],
        None => {
            let checked = config.clone();
            let prepared =
                tokio::task::spawn_blocking(move || deploy::prepare_deploy(&checked, None)).await?;
            match prepared {
                Ok(p) => p.images,
                Err(failure) => {
                    eprintln!("jhub-cockpit: the values files cannot be read:\n{failure}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    };
    if images.is_empty() {
        println!(
            "the values files set no image (singleuser.image, hub.image, proxy.chp.image): the chart's own are used"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut checking = config.clone();
    // Asked for by name: the check is the point, whatever the flag says.
    checking.image_check = true;
    let report = deploy::ask_about_images(&checking, &images).await;
    for note in &report.notes {
        println!("{note}");
    }
    for warning in &report.warnings {
        println!("⚠ {warning}");
    }
    match report.refusal {
        Some(missing) => {
            eprintln!("jhub-cockpit: {missing}");
            Ok(ExitCode::FAILURE)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// `newest`: the release's newest revision when it could be read.
pub async fn rollback(
    config: &DeployConfig,
    revision: u32,
    newest: Option<u32>,
    yes: bool,
    readonly: bool,
) -> Result<ExitCode> {
    refuse_readonly(readonly, "rollback")?;
    let plan = plan::rollback(&config.release, &config.namespace, revision, newest);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    run_action(plan.action, config).await
}

pub async fn uninstall(
    config: &DeployConfig,
    yes: bool,
    delete_namespace: bool,
    readonly: bool,
) -> Result<ExitCode> {
    refuse_readonly(readonly, "uninstall")?;
    let plan = plan::uninstall(&config.release, &config.namespace);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    let code = run_action(plan.action, config).await?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    if !delete_namespace {
        eprintln!(
            "the namespace {} stays: its LoadBalancer and disks keep costing money until it is deleted (uninstall --delete-namespace)",
            config.namespace
        );
        return Ok(ExitCode::SUCCESS);
    }
    let plan = plan::delete_namespace(&config.namespace);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    run_action(plan.action, config).await
}

/// `jhub-cockpit logs`: the pod's log on stdout as it comes, through the
/// same stream as the log view; non-zero when it cannot be read or breaks.
pub async fn logs(
    client: kube::Client,
    namespace: &str,
    pod: String,
    request: LogRequest,
) -> Result<ExitCode> {
    let asked_for_container = request.container.is_some();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<LogEvent>();
    let reader = crate::kube::logs::stream(client, namespace, pod, request, 0, tx);
    let mut stdout = std::io::stdout().lock();
    let mut code = ExitCode::SUCCESS;
    while let Some(event) = rx.recv().await {
        match event {
            // As kubectl says it, on stderr: stdout stays the log alone.
            LogEvent::Opened {
                container,
                containers,
                ..
            } if !asked_for_container && containers.len() > 1 => {
                let all: Vec<String> = containers.iter().map(ToString::to_string).collect();
                eprintln!(
                    "Defaulted container \"{container}\" out of: {}",
                    all.join(", ")
                );
            }
            LogEvent::Opened { .. } => {}
            LogEvent::Lines { lines, .. } => {
                for line in lines {
                    // A closed pipe (`| head`) ends the command quietly.
                    if writeln!(stdout, "{line}").is_err() {
                        return Ok(code);
                    }
                }
                let _ = stdout.flush();
            }
            LogEvent::Ended { error: Some(e), .. } => {
                eprintln!("jhub-cockpit: {e}");
                code = ExitCode::FAILURE;
            }
            LogEvent::Ended { error: None, .. } => {}
        }
    }
    let _ = reader.await;
    Ok(code)
}

/// `jhub-cockpit users`: the hub's users joined with the pods and claims
/// of `state` (a snapshot), as a table or JSON rows.
pub async fn users(
    client: &kube::Client,
    state: &mut crate::app::State,
    json: bool,
) -> Result<ExitCode> {
    let Some((address, _forward)) = crate::status::reach_hub(client, state).await else {
        bail!(
            "the hub cannot be reached: proxy-public has no external IP and no hub pod is ready to port-forward to (jhub-cockpit status shows them)"
        );
    };
    let token = crate::hub::token::read(client, &state.target.namespace)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let hub = crate::hub::HubClient::new(&address.url, &address.base_url)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let users = hub
        .users(&token)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the hub's users at {}: {e}", hub.url()))?;
    crate::app::update(state, crate::app::Msg::HubUsers(Ok(users)));
    let rows = crate::app::hub_state::user_rows(state, crate::app::hub_state::UserSort::State);
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<20} {:<14} {:<8} {:<24} {:<10} WHY",
        "NAME", "SERVER", "IDLE", "POD", "PHASE"
    );
    for r in &rows {
        let idle = match r.last_activity {
            Some(_) => crate::time_text::format_age(r.last_activity, state.now),
            None => "never".into(),
        };
        println!(
            "{:<20} {:<14} {:<8} {:<24} {:<10} {}",
            format!("{}{}", r.name, if r.admin { " (admin)" } else { "" }),
            r.server.label(),
            idle,
            r.pod.as_deref().unwrap_or("-"),
            r.phase.as_deref().unwrap_or("-"),
            r.diagnosis.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `jhub-cockpit users stop NAME`: the same plan as `s` in the users view.
pub async fn stop_server(
    client: &kube::Client,
    state: &mut crate::app::State,
    config: &DeployConfig,
    name: &str,
    yes: bool,
    readonly: bool,
) -> Result<ExitCode> {
    refuse_readonly(readonly, &format!("stopping {name}'s server"))?;
    // A port-forward, when that is the way, stays open until the stop ran.
    let Some((address, _forward)) = crate::status::reach_hub(client, state).await else {
        bail!(
            "the hub cannot be reached: proxy-public has no external IP and no hub pod is ready to port-forward to (jhub-cockpit status shows them)"
        );
    };
    let plan = plan::stop_server(name, &address.url, &address.base_url);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    run_action(plan.action, config).await
}

pub use crate::helm::release::read_history;

pub fn print_history(records: &[ReleaseRecord], json: bool) -> Result<()> {
    if json {
        let rows: Vec<serde_json::Value> = records
            .iter()
            .map(|r| {
                serde_json::json!({
                    "revision": r.revision,
                    "status": r.status.to_string(),
                    "chart": format!("{}-{}", r.chart_name, r.chart_version),
                    "app_version": r.app_version,
                    "updated": r.last_deployed,
                    "description": r.description,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{:<9}{:<17}{:<28}{:<10}{:<22}DESCRIPTION",
        "REVISION", "STATUS", "CHART", "APP", "UPDATED"
    );
    for r in records {
        println!(
            "{:<9}{:<17}{:<28}{:<10}{:<22}{}",
            r.revision,
            r.status.to_string(),
            format!("{}-{}", r.chart_name, r.chart_version),
            r.app_version.as_deref().unwrap_or("-"),
            r.last_deployed
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            r.description
        );
    }
    Ok(())
}

fn gke_or_exit(config: &DeployConfig) -> Result<&crate::gke::GkeConfig> {
    config.gke.as_ref().ok_or_else(|| {
        anyhow::anyhow!(
            "no GCP project and location: pass --project and --location, or set gcp.project and gcp.location in the settings"
        )
    })
}

pub async fn cluster_create(
    config: &DeployConfig,
    spec: crate::gke::ClusterSpec,
    yes: bool,
    readonly: bool,
) -> Result<ExitCode> {
    refuse_readonly(readonly, "cluster create")?;
    let gke = gke_or_exit(config)?;
    // Checked before anything is sent, or asked.
    if let Err(e) = spec.validate() {
        bail!("{e}; nothing was sent");
    }
    let plan = plan::create_cluster(spec, &gke.project);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    run_action(plan.action, config).await
}

pub async fn cluster_list(config: &DeployConfig, json: bool) -> Result<ExitCode> {
    let gke = gke_or_exit(config)?;
    let client = crate::deploy::gke_client(gke)
        .await
        .map_err(|f| anyhow::anyhow!("{f}"))?;
    let clusters = match client.list_clusters_answered(&gke.project, "-").await {
        Ok((c, unanswered)) => {
            if !unanswered.is_empty() {
                // As gcloud warns: the list is short of those locations'.
                eprintln!(
                    "jhub-cockpit: warning: GKE did not answer for {}: their clusters are not listed; run it again",
                    unanswered.join(", ")
                );
            }
            c
        }
        Err(e) => {
            eprintln!("jhub-cockpit: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let context_of = |c: &crate::gke::GkeCluster| {
        crate::gke::connect::context_name(&gke.project, &c.location, &c.name)
    };
    // Which clusters the kubeconfig can reach already (gcloud's names), and
    // the one it points at now: what kubectl, and the cockpit, would use.
    let kubeconfig = crate::kube::client::read_kubeconfig(Some(&gke.kubeconfig)).ok();
    let current = kubeconfig.as_ref().and_then(|k| k.current_context.clone());
    let contexts: Vec<String> = kubeconfig
        .map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default();
    let is_current = |c: &crate::gke::GkeCluster| current.as_deref() == Some(&*context_of(c));
    if json {
        let rows: Vec<serde_json::Value> = clusters
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.name,
                    "location": c.location,
                    "status": c.status.to_string(),
                    "master_version": c.master_version,
                    "node_count": c.node_count,
                    "endpoint": c.endpoint,
                    "node_pools": c.node_pools.iter().map(|p| serde_json::json!({
                        "name": p.name,
                        "machine_type": p.machine_type,
                            "node_count": p.node_count,
                        "autoscaling": p.autoscaling.map(|(min, max)| serde_json::json!({"min": min, "max": max})),
                        "status": p.status.to_string(),
                        "status_message": p.status_message,
                        "version": p.version,
                        "labels": p.labels,
                        "taints": p.taints,
                    })).collect::<Vec<_>>(),
                    "created": c.created,
                    "release_channel": c.release_channel.map(|r| r.to_string()),
                    "context": contexts.iter().any(|k| *k == context_of(c)).then(|| context_of(c)),
                    "current": is_current(c),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        // CONTEXT: "current" for the kubeconfig's current context (the
        // one kubectl and the cockpit use), "yes" when one exists.
        println!(
            "{:<24} {:<13} {:<16} {:<15} {:>5} {:<7} ENDPOINT",
            "NAME", "STATUS", "LOCATION", "VERSION", "NODES", "CONTEXT"
        );
        for c in &clusters {
            println!(
                "{:<24} {:<13} {:<16} {:<15} {:>5} {:<7} {}",
                c.name,
                c.status.to_string(),
                c.location,
                c.master_version,
                c.node_count,
                if is_current(c) {
                    "current"
                } else if contexts.contains(&context_of(c)) {
                    "yes"
                } else {
                    "-"
                },
                c.endpoint
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `cluster connect --name N`: the cluster's context written as gcloud's
/// get-credentials writes it, and made current.
pub async fn cluster_connect(config: &DeployConfig, name: &str) -> Result<ExitCode> {
    let gke = gke_or_exit(config)?;
    if let Err(e) = crate::gke::validate_cluster_name(name) {
        bail!("{e}; nothing was sent");
    }
    let location = deploy::locate_cluster(config, name)
        .await
        .map_err(|f| anyhow::anyhow!("{f}"))?;
    let context = deploy::connect_cluster(config, &location, name)
        .await
        .map_err(|f| anyhow::anyhow!("{f}"))?;
    println!(
        "context {context} written to {} and made current: kubectl and helm now talk to {name}",
        gke.kubeconfig.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn cluster_delete(
    config: &DeployConfig,
    name: &str,
    yes: bool,
    readonly: bool,
) -> Result<ExitCode> {
    refuse_readonly(readonly, "cluster delete")?;
    gke_or_exit(config)?;
    if let Err(e) = crate::gke::validate_cluster_name(name) {
        bail!("{e}; nothing was sent");
    }
    // The LoadBalancer and disks a release made are not deleted with the
    // cluster: an installed release goes first, with its namespace.
    let location = deploy::locate_cluster(config, name)
        .await
        .map_err(|f| anyhow::anyhow!("{f}"))?;
    let (release, survivors) = deploy::survey_cluster(config, &location, name).await;
    if let ReleaseOnCluster::Installed { release, namespace } = &release {
        eprintln!("release {release} is installed in namespace {namespace} of {name}");
    }
    let plan = plan::delete_cluster(name, &location, release, &survivors);
    if !ask(&plan, yes)? {
        return Ok(ExitCode::FAILURE);
    }
    let code = run_action(plan.action, config).await?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    // Its context points at nothing now: offered (with --yes, taken), as
    // the keys offer it.
    let gke = gke_or_exit(config)?;
    let context = crate::gke::names::context_name(&gke.project, &location, name);
    let has_it = crate::gke::connect::contexts(Some(&gke.kubeconfig))
        .map(|c| c.iter().any(|c| c.name == context))
        .unwrap_or(false);
    if !has_it {
        return Ok(code);
    }
    let remove = plan::remove_context(gke.kubeconfig.clone(), &context);
    if !ask(&remove, yes)? {
        println!("{}", remove.declined(false));
        return Ok(code);
    }
    run_action(remove.action, config).await
}
