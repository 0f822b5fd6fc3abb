//! The cockpit's settings file: where the operator's GCP project, cluster,
//! kube context, namespace, release, chart and values files are written
//! down once. `jhub-cockpit.yaml` in the working directory wins over the one
//! under the XDG config dir; command-line flags win over both.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = "jhub-cockpit.yaml";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    #[serde(default)]
    pub gcp: GcpSettings,
    #[serde(default)]
    pub kube: KubeSettings,
    /// The helm release name.
    pub release: Option<String>,
    #[serde(default)]
    pub chart: ChartSettings,
    /// Values files passed to helm, in order (later ones win).
    #[serde(default)]
    pub values: Vec<PathBuf>,
    /// Where `secrets generate` writes (default: secrets.yaml beside the
    /// first values file).
    pub secrets_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GcpSettings {
    pub project: Option<String>,
    /// A zone (us-central1-b) or a region.
    pub location: Option<String>,
    pub cluster: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KubeSettings {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChartSettings {
    /// `jupyterhub/jupyterhub`, a local path, or an `oci://` reference.
    pub reference: Option<String>,
    /// The repository URL for a `repo/chart` reference.
    pub repo: Option<String>,
    pub version: Option<String>,
}

/// The settings file to read: the working directory's, else the XDG one.
pub fn find(cwd: &Path) -> Option<PathBuf> {
    let local = cwd.join(FILE_NAME);
    if local.is_file() {
        return Some(local);
    }
    let xdg = dirs::config_dir()?.join("jhub-cockpit").join(FILE_NAME);
    xdg.is_file().then_some(xdg)
}

/// Parses settings text; errors name the file, the line and column, and
/// the offending key.
pub fn parse(text: &str, path: &Path) -> Result<Settings> {
    if text.trim().is_empty() {
        return Ok(Settings::default());
    }
    serde_yaml::from_str(text).map_err(|e| {
        let place = e
            .location()
            .map(|l| format!("{}:{}:{}", path.display(), l.line(), l.column()))
            .unwrap_or_else(|| path.display().to_string());
        anyhow::anyhow!(
            "{place}: {e}\n  fix the file (see assets/jhub-cockpit.example.yaml for every key) or move it aside"
        )
    })
}

/// Reads the settings file if there is one; no file means defaults.
pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<(Settings, Option<PathBuf>)> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => find(cwd),
    };
    let Some(path) = path else {
        return Ok((Settings::default(), None));
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the settings file {}", path.display()))?;
    let settings = parse(&text, &path)?;
    Ok((settings, Some(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_section() {
        let text = "gcp:\n  project: demo\n  location: us-central1-b\n  cluster: notebook-test\nkube:\n  context: rig\n  namespace: jhub\nrelease: jhub\nchart:\n  reference: jupyterhub/jupyterhub\n  repo: https://hub.jupyter.org/helm-chart/\n  version: 4.4.0\nvalues: [config.yaml, secrets.yaml]\n";
        let s = parse(text, Path::new("jhub-cockpit.yaml")).unwrap();
        assert_eq!(s.gcp.cluster.as_deref(), Some("notebook-test"));
        assert_eq!(s.kube.namespace.as_deref(), Some("jhub"));
        assert_eq!(s.chart.version.as_deref(), Some("4.4.0"));
        assert_eq!(
            s.values,
            vec![PathBuf::from("config.yaml"), PathBuf::from("secrets.yaml")]
        );
    }

    #[test]
    fn an_unknown_key_names_the_file_line_and_key() {
        let err = parse(
            "kube:\n  namespce: jhub\n",
            Path::new("/x/jhub-cockpit.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("/x/jhub-cockpit.yaml:2:"), "{err}");
        assert!(err.contains("namespce"), "{err}");
    }

    #[test]
    fn the_example_in_assets_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/jhub-cockpit.example.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let s = parse(&text, &path).unwrap();
        assert!(s.release.is_some());
    }
}
