//! Command-line flags and how they combine with the settings file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::profile::Settings;

/// `jhub-cockpit --version`: the crate's version and the commit it was
/// built from (build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("JHUB_COCKPIT_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "jhub-cockpit",
    version = VERSION,
    about = "A terminal cockpit for JupyterHub on Kubernetes (GKE)"
)]
pub struct Cli {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(subcommand)]
    pub command: Option<Subcommands>,
}

#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The kubeconfig file (default: KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, env = "JHUB_COCKPIT_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: the current one).
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The JupyterHub namespace.
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// The helm release to follow (default: the JupyterHub one).
    #[arg(long, global = true)]
    pub release: Option<String>,
    /// Refuse every action that writes.
    #[arg(long, global = true)]
    pub readonly: bool,
    /// The settings file (default: ./jhub-cockpit.yaml, then the XDG one).
    #[arg(long, global = true)]
    pub settings: Option<PathBuf>,
    /// The helm binary (default: helm on PATH).
    #[arg(long, global = true, env = "JHUB_COCKPIT_HELM")]
    pub helm: Option<PathBuf>,
    /// The chart: repo/name, a local path, or oci://... (default from the
    /// settings, else jupyterhub/jupyterhub).
    #[arg(long, global = true)]
    pub chart: Option<String>,
    /// The chart version to install.
    #[arg(long, global = true)]
    pub chart_version: Option<String>,
    /// A values file, repeatable, in order (default: config.yaml, then
    /// secrets.yaml when it exists).
    #[arg(short = 'f', long = "values", global = true)]
    pub values: Vec<PathBuf>,
    /// The GCP project (default: settings, then CLOUDSDK_CORE_PROJECT, then
    /// gcloud's configuration).
    #[arg(long, global = true)]
    pub project: Option<String>,
    /// The GKE zone or region (default: settings, then CLOUDSDK_COMPUTE_ZONE).
    #[arg(long, global = true)]
    pub location: Option<String>,
    /// Another GKE API endpoint, e.g. the emulator (anonymous credentials).
    #[arg(long, global = true, env = "JHUB_COCKPIT_GKE_ENDPOINT")]
    pub gke_endpoint: Option<String>,
    /// Deploy without asking each image's registry whether the tag exists
    /// (for a registry the cockpit cannot reach: an air-gapped mirror).
    #[arg(long, global = true, env = "JHUB_COCKPIT_SKIP_IMAGE_CHECK")]
    pub skip_image_check: bool,
}

#[derive(Debug, Subcommand)]
pub enum Subcommands {
    /// Print the shell's completion script for jhub-cockpit, e.g.
    /// `jhub-cockpit completions bash > ~/.local/share/bash-completion/completions/jhub-cockpit`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print one snapshot (nodes, release, pods, services) and exit; non-zero
    /// when the cluster cannot be reached.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Chart secrets (hub.cookieSecret, proxy.secretToken).
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// helm upgrade --install with the values files (the z2jh command line).
    Deploy {
        /// Do not ask; needed when there is no terminal to ask on.
        #[arg(long)]
        yes: bool,
    },
    /// Roll the release back to a revision.
    Rollback {
        revision: u32,
        #[arg(long)]
        yes: bool,
    },
    /// Uninstall the release.
    Uninstall {
        #[arg(long)]
        yes: bool,
        /// Also delete the namespace (its LoadBalancer and disks otherwise
        /// stay, and cost money).
        #[arg(long)]
        delete_namespace: bool,
    },
    /// The release's revisions.
    History {
        #[arg(long)]
        json: bool,
    },
    /// A pod's log, as `kubectl logs` prints it (the cockpit's `l` reads
    /// it the same way).
    Logs {
        pod: String,
        /// The container (default: the pod's default container).
        #[arg(short = 'c', long)]
        container: Option<String>,
        /// The container's previous run: why it crashed.
        #[arg(short = 'p', long)]
        previous: bool,
        /// Only the last N lines.
        #[arg(long)]
        tail: Option<i64>,
        /// Keep printing new lines until the container stops or the pod
        /// goes. (Long form only: -f is a values file, as in helm.)
        #[arg(long)]
        follow: bool,
        /// Start each line with the time the runtime read it (RFC 3339).
        #[arg(long)]
        timestamps: bool,
    },
    /// The hub's users: their servers, pods and claims (with the
    /// jhub-cockpit service's token from the Secret `hub`).
    Users {
        #[command(subcommand)]
        command: Option<UsersCommand>,
        #[arg(long)]
        json: bool,
    },
    /// GKE clusters: create, list, delete.
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// The users' notebook image: a Dockerfile to start from, the image set
    /// in config.yaml, the tag checked in its registry.
    Image {
        #[command(subcommand)]
        command: ImageCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Write a course image's Dockerfile (and a note) into DIR, never over
    /// an existing file.
    Init {
        #[arg(default_value = "course-image")]
        dir: PathBuf,
    },
    /// Set singleuser.image in config.yaml (comments kept), after asking
    /// the image's registry about it; `deploy` applies it.
    Set {
        /// NAME:TAG, e.g. quay.io/jupyter/scipy-notebook:2025-12-31
        image: String,
        #[arg(long)]
        yes: bool,
    },
    /// Ask the registry about an image (default: every image the values
    /// files set); non-zero when a tag is missing.
    Check { image: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Stop a user's server (the hub deletes its pod; the claim stays).
    Stop {
        name: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Create a cluster (the tutorial's defaults), wait until it runs, and
    /// write its kubeconfig context, as gcloud does.
    Create {
        #[arg(long, default_value = "notebook-test")]
        name: String,
        #[arg(long, default_value = "n1-highmem-2")]
        machine_type: String,
        #[arg(long, default_value_t = 3)]
        nodes: i32,
        /// Add the z2jh user pool (autoscaling from 0, labelled and tainted
        /// for user pods), with at most this many nodes.
        #[arg(long)]
        user_pool_max: Option<i32>,
        #[arg(long)]
        yes: bool,
    },
    /// The clusters of the project, every location, and which have a
    /// kubeconfig context.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Write a RUNNING cluster's kubeconfig context as `gcloud container
    /// clusters get-credentials` does (other entries and comments kept),
    /// and make it current.
    Connect {
        #[arg(long)]
        name: String,
    },
    /// Delete a cluster (typed confirmation, or --yes).
    Delete {
        #[arg(long, default_value = "notebook-test")]
        name: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Write a new secrets values file (mode 0600).
    Generate {
        /// The file (default: from the settings, else secrets.yaml beside
        /// config.yaml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing file without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Move secret keys (hub.cookieSecret, proxy.secretToken, client
    /// secrets...) out of config.yaml into the secrets file, keeping
    /// config.yaml's comments and layout.
    Move {
        /// Do not ask; needed when there is no terminal to ask on.
        #[arg(long)]
        yes: bool,
    },
}

/// The resolved target: flags over settings over the kubeconfig.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub release: Option<String>,
    pub readonly: bool,
    pub helm: Option<PathBuf>,
    pub chart: Option<String>,
    pub chart_repo: Option<String>,
    pub chart_version: Option<String>,
    pub values: Vec<PathBuf>,
    pub secrets_file: Option<PathBuf>,
    pub project: Option<String>,
    pub location: Option<String>,
    pub gke_endpoint: Option<String>,
    pub cluster: Option<String>,
    pub image_check: bool,
}

pub fn resolve(args: &TargetArgs, settings: &Settings) -> Resolved {
    Resolved {
        kubeconfig: args
            .kubeconfig
            .clone()
            .or_else(|| settings.kube.kubeconfig.clone()),
        context: args
            .context
            .clone()
            .or_else(|| settings.kube.context.clone()),
        namespace: args
            .namespace
            .clone()
            .or_else(|| settings.kube.namespace.clone()),
        release: args.release.clone().or_else(|| settings.release.clone()),
        readonly: args.readonly,
        helm: args.helm.clone(),
        chart: args
            .chart
            .clone()
            .or_else(|| settings.chart.reference.clone()),
        chart_repo: settings.chart.repo.clone(),
        chart_version: args
            .chart_version
            .clone()
            .or_else(|| settings.chart.version.clone()),
        values: if args.values.is_empty() {
            settings.values.clone()
        } else {
            args.values.clone()
        },
        secrets_file: settings.secrets_file.clone(),
        project: args
            .project
            .clone()
            .or_else(|| settings.gcp.project.clone()),
        location: args
            .location
            .clone()
            .or_else(|| settings.gcp.location.clone()),
        gke_endpoint: args.gke_endpoint.clone(),
        cluster: settings.gcp.cluster.clone(),
        image_check: !args.skip_image_check,
    }
}

/// The release name when none is given, as in the z2jh guide.
pub const DEFAULT_RELEASE: &str = "jhub";
/// The chart when none is given.
pub const DEFAULT_CHART: &str = "jupyterhub/jupyterhub";

impl Resolved {
    /// The GKE project and location, from flags, settings, the environment
    /// or gcloud; None when neither is known.
    pub fn gke_config(&self) -> Option<crate::gke::GkeConfig> {
        let target = crate::gke::resolve_target(&crate::gke::TargetInputs {
            flag_project: self.project.clone(),
            flag_location: self.location.clone(),
            settings_project: None,
            settings_location: None,
        })
        .ok()?;
        Some(crate::gke::GkeConfig {
            project: target.project,
            location: target.location,
            endpoint: crate::gke::endpoint_override(self.gke_endpoint.as_deref()),
            kubeconfig: crate::gke::connect::kubeconfig_path(self.kubeconfig.as_deref()),
        })
    }

    /// What the write actions need. Relative paths are taken from `cwd`.
    pub fn deploy_config(
        &self,
        namespace: &str,
        cwd: &std::path::Path,
    ) -> crate::deploy::DeployConfig {
        crate::deploy::DeployConfig {
            gke: self.gke_config(),
            ..self.local_deploy_config(namespace, cwd)
        }
    }

    /// [`Self::deploy_config`] without the GKE part, which may ask gcloud
    /// (most of a second): the TUI draws first and resolves GKE after.
    pub fn local_deploy_config(
        &self,
        namespace: &str,
        cwd: &std::path::Path,
    ) -> crate::deploy::DeployConfig {
        use crate::helm::cli::{ChartSource, JUPYTERHUB_REPO_URL, KubeTarget};
        let chart_ref = self.chart.clone().unwrap_or_else(|| DEFAULT_CHART.into());
        let repo_url = self
            .chart_repo
            .clone()
            .or_else(|| (chart_ref == DEFAULT_CHART).then(|| JUPYTERHUB_REPO_URL.to_owned()));
        let chart = match ChartSource::parse(&chart_ref, repo_url.as_deref()) {
            ChartSource::Local(p) if p.is_relative() => ChartSource::Local(cwd.join(p)),
            other => other,
        };
        let abs = |p: &PathBuf| {
            if p.is_relative() {
                cwd.join(p)
            } else {
                p.clone()
            }
        };
        let values: Vec<PathBuf> = self.values.iter().map(abs).collect();
        let secrets_file = self
            .secrets_file
            .as_ref()
            .map(abs)
            .unwrap_or_else(|| crate::secrets::default_path(&values, cwd));
        let values = if values.is_empty() {
            crate::deploy::default_values(cwd, &secrets_file)
        } else {
            values
        };
        crate::deploy::DeployConfig {
            helm: self.helm.clone(),
            kube: KubeTarget {
                kubeconfig: self.kubeconfig.clone(),
                context: self.context.clone(),
            },
            namespace: namespace.to_owned(),
            release: self
                .release
                .clone()
                .unwrap_or_else(|| DEFAULT_RELEASE.into()),
            chart,
            chart_version: self.chart_version.clone(),
            values,
            secrets_file,
            timeout: "10m".into(),
            gke: None,
            image_check: self.image_check,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap checks the flags of every subcommand against each other (a
    /// short flag used twice, say) only when that subcommand is parsed:
    /// here all of them are checked at once.
    #[test]
    fn every_subcommands_flags_are_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn logs_takes_kubectls_flags_and_keeps_f_for_values_files() {
        let cli = Cli::parse_from([
            "jhub-cockpit",
            "-f",
            "config.yaml",
            "logs",
            "hub-1",
            "-c",
            "hub",
            "-p",
            "--tail",
            "3",
            "--follow",
        ]);
        match cli.command {
            Some(Subcommands::Logs {
                pod,
                container,
                previous,
                tail,
                follow,
                ..
            }) => {
                assert_eq!(pod, "hub-1");
                assert_eq!(container.as_deref(), Some("hub"));
                assert!(previous && follow);
                assert_eq!(tail, Some(3));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flags_override_settings() {
        let cli = Cli::parse_from(["jhub-cockpit", "-n", "t", "--release", "r1"]);
        let mut settings = Settings::default();
        settings.kube.namespace = Some("jhub".into());
        settings.kube.context = Some("rig".into());
        settings.release = Some("jhub".into());
        let r = resolve(&cli.target, &settings);
        assert_eq!(r.namespace.as_deref(), Some("t"));
        assert_eq!(r.release.as_deref(), Some("r1"));
        assert_eq!(r.context.as_deref(), Some("rig"));
    }
}
