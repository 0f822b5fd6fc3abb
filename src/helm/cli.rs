//! The helm CLI, which does the installing: finding it, checking its
//! version, building the z2jh command lines, and running one with its
//! output streamed line by line.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The oldest helm the cockpit drives (the z2jh docs ask for 3.5+).
pub const MIN_VERSION: (u32, u32) = (3, 5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helm {
    pub path: PathBuf,
    pub version: String,
}

/// Parses `v3.14.2+gabcdef` or `v4.3.2` into (major, minor).
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Finds helm (`--helm PATH`, else PATH) and checks its version. The error
/// says what to install; the read-only panes work without helm.
pub async fn find(explicit: Option<&Path>) -> Result<Helm> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => which("helm").context(
            "helm is not on PATH: install helm 3.5 or newer (https://helm.sh/docs/intro/install/) or pass --helm PATH; the panes work without it, the install actions do not",
        )?,
    };
    let out = Command::new(&path)
        .args(["version", "--template", "{{.Version}}"])
        .output()
        .await
        .with_context(|| format!("cannot run {}", path.display()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    match parse_version(&version) {
        Some(v) if v >= MIN_VERSION => Ok(Helm { path, version }),
        Some(_) => bail!(
            "{} is helm {version}; the cockpit needs {}.{} or newer",
            path.display(),
            MIN_VERSION.0,
            MIN_VERSION.1
        ),
        None => bail!(
            "{} did not report a helm version (got {:?}); is it helm?",
            path.display(),
            version
        ),
    }
}

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Where a chart comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartSource {
    /// `repo/chart`, with the repository's URL for `helm repo add`.
    Repo {
        repo: String,
        chart: String,
        url: Option<String>,
    },
    Local(PathBuf),
    Oci(String),
}

impl ChartSource {
    pub fn parse(reference: &str, repo_url: Option<&str>) -> ChartSource {
        if reference.starts_with("oci://") {
            return ChartSource::Oci(reference.to_owned());
        }
        let path = Path::new(reference);
        let looks_local = reference.starts_with('.')
            || reference.starts_with('/')
            || reference.ends_with(".tgz")
            || path.is_dir();
        match reference.split_once('/') {
            Some((repo, chart)) if !looks_local && !chart.contains('/') => ChartSource::Repo {
                repo: repo.to_owned(),
                chart: chart.to_owned(),
                url: repo_url.map(str::to_owned),
            },
            _ => ChartSource::Local(path.to_path_buf()),
        }
    }

    /// The argument helm takes.
    pub fn reference(&self) -> String {
        match self {
            ChartSource::Repo { repo, chart, .. } => format!("{repo}/{chart}"),
            ChartSource::Local(p) => p.display().to_string(),
            ChartSource::Oci(r) => r.clone(),
        }
    }
}

/// The JupyterHub chart's repository, used when the settings name
/// `jupyterhub/jupyterhub` without a URL.
pub const JUPYTERHUB_REPO_URL: &str = "https://hub.jupyter.org/helm-chart/";

/// Everything a `helm upgrade --install` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployPlan {
    pub release: String,
    pub namespace: String,
    pub chart: ChartSource,
    pub version: Option<String>,
    pub values: Vec<PathBuf>,
    pub timeout: String,
}

impl DeployPlan {
    /// The z2jh command line: `helm upgrade --install --cleanup-on-fail ...`.
    pub fn args(&self) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "upgrade".into(),
            "--install".into(),
            "--cleanup-on-fail".into(),
            self.release.clone(),
            self.chart.reference(),
            "--namespace".into(),
            self.namespace.clone(),
            "--create-namespace".into(),
        ];
        if let Some(v) = &self.version {
            args.push("--version".into());
            args.push(v.clone());
        }
        for v in &self.values {
            args.push("--values".into());
            args.push(v.display().to_string());
        }
        args.push("--timeout".into());
        args.push(self.timeout.clone());
        args
    }
}

pub fn rollback_args(release: &str, namespace: &str, revision: u32, timeout: &str) -> Vec<String> {
    vec![
        "rollback".into(),
        release.into(),
        revision.to_string(),
        "--namespace".into(),
        namespace.into(),
        "--cleanup-on-fail".into(),
        "--timeout".into(),
        timeout.into(),
    ]
}

pub fn uninstall_args(release: &str, namespace: &str, timeout: &str) -> Vec<String> {
    vec![
        "uninstall".into(),
        release.into(),
        "--namespace".into(),
        namespace.into(),
        "--timeout".into(),
        timeout.into(),
    ]
}

/// Where helm should point: the same kubeconfig and context as the panes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeTarget {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// How a helm run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    pub success: bool,
    pub code: Option<i32>,
    /// The signal that ended helm (e.g. 9 when it was killed), if any.
    pub signal: Option<i32>,
    /// The last lines helm wrote to stderr, for the failure message.
    pub error_tail: Vec<String>,
}

/// Runs helm, calling `on_line` for each output line (stdout and stderr
/// interleaved as they come).
pub async fn run(
    helm: &Helm,
    args: &[String],
    target: &KubeTarget,
    mut on_line: impl FnMut(String),
) -> Result<RunResult> {
    let mut cmd = Command::new(&helm.path);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(k) = &target.kubeconfig {
        cmd.arg("--kubeconfig").arg(k);
    }
    if let Some(c) = &target.context {
        cmd.arg("--kube-context").arg(c);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", helm.path.display()))?;
    let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut stderr = BufReader::new(child.stderr.take().expect("piped")).lines();
    let mut error_tail = Vec::new();
    let (mut out_open, mut err_open) = (true, true);
    while out_open || err_open {
        tokio::select! {
            line = stdout.next_line(), if out_open => match line? {
                Some(l) => on_line(l),
                None => out_open = false,
            },
            line = stderr.next_line(), if err_open => match line? {
                Some(l) => {
                    error_tail.push(l.clone());
                    if error_tail.len() > 20 {
                        error_tail.remove(0);
                    }
                    on_line(l)
                }
                None => err_open = false,
            },
        }
    }
    let status = child.wait().await?;
    Ok(RunResult {
        success: status.success(),
        code: status.code(),
        signal: std::os::unix::process::ExitStatusExt::signal(&status),
        error_tail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("v3.14.2+gabc"), Some((3, 14)));
        assert_eq!(parse_version("v4.3.2"), Some((4, 3)));
        assert_eq!(parse_version("garbage"), None);
        assert!(parse_version("v3.4.0").unwrap() < MIN_VERSION);
    }

    #[test]
    fn chart_references() {
        assert_eq!(
            ChartSource::parse("jupyterhub/jupyterhub", None),
            ChartSource::Repo {
                repo: "jupyterhub".into(),
                chart: "jupyterhub".into(),
                url: None
            }
        );
        assert_eq!(
            ChartSource::parse("./charts/x", None),
            ChartSource::Local("./charts/x".into())
        );
        assert_eq!(
            ChartSource::parse("oci://registry.example/charts/jupyterhub", None),
            ChartSource::Oci("oci://registry.example/charts/jupyterhub".into())
        );
        assert_eq!(
            ChartSource::parse("tests/fixtures/charts/jupyterhub-lite", None),
            ChartSource::Local("tests/fixtures/charts/jupyterhub-lite".into())
        );
    }

    #[test]
    fn the_z2jh_command_line() {
        let plan = DeployPlan {
            release: "jhub".into(),
            namespace: "jhub".into(),
            chart: ChartSource::parse("jupyterhub/jupyterhub", Some(JUPYTERHUB_REPO_URL)),
            version: Some("4.4.0".into()),
            values: vec!["config.yaml".into(), "secrets.yaml".into()],
            timeout: "10m".into(),
        };
        assert_eq!(
            plan.args().join(" "),
            "upgrade --install --cleanup-on-fail jhub jupyterhub/jupyterhub --namespace jhub --create-namespace --version 4.4.0 --values config.yaml --values secrets.yaml --timeout 10m"
        );
    }
}
