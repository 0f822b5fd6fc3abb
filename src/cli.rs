//! Command-line flags and how they combine with the settings file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::profile::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "jhub-cockpit",
    version,
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
}

#[derive(Debug, Subcommand)]
pub enum Subcommands {
    /// Print one snapshot (nodes, release, pods, services) and exit; non-zero
    /// when the cluster cannot be reached.
    Status {
        #[arg(long)]
        json: bool,
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
