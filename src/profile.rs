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

/// What the panes are on, as `Command::SaveTarget` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedTarget {
    pub context: String,
    pub namespace: String,
    pub release: String,
}

/// Writes `kube.context`, `kube.namespace` and `release` into the settings
/// file at `path` (made when missing), keeping every other key and comment;
/// says what it did, or why not (and then writes nothing).
pub fn save_target(path: &Path, target: &SavedTarget) -> Result<String, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let edited = with_target(&text, path, target)?;
    if edited == text {
        return Ok(format!("{} says so already", path.display()));
    }
    std::fs::write(path, edited).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(format!(
        "saved in {}: context {}, namespace {}, release {}",
        path.display(),
        target.context,
        target.namespace,
        target.release
    ))
}

/// The settings text with the target's three keys set; the operator's
/// comments and other keys stay as they are (yaml-edit).
pub fn with_target(text: &str, path: &Path, target: &SavedTarget) -> Result<String, String> {
    use std::str::FromStr;
    let current = parse(text, path).map_err(|e| format!("{e:#}"))?;
    let mut expected = current.clone();
    expected.kube.context = Some(target.context.clone());
    expected.kube.namespace = Some(target.namespace.clone());
    expected.release = Some(target.release.clone());
    let cannot = |detail: &str| {
        format!(
            "cannot edit {} in place ({detail}); set kube.context: {}, kube.namespace: {} and release: {} in it by hand",
            path.display(),
            target.context,
            target.namespace,
            target.release
        )
    };
    let edited = if text.trim().is_empty() {
        serde_yaml::to_string(&serde_json::json!({
            "kube": {"context": target.context, "namespace": target.namespace},
            "release": target.release,
        }))
        .map_err(|e| cannot(&e.to_string()))?
    } else {
        let file = yaml_edit::YamlFile::from_str(text).map_err(|e| cannot(&e.to_string()))?;
        let root = crate::yaml_tree::root_mapping(&file)
            .ok_or_else(|| cannot("its top level is not a block of keys"))?;
        for (keys, value) in [
            (["kube", "context"].as_slice(), &target.context),
            (["kube", "namespace"].as_slice(), &target.namespace),
            (["release"].as_slice(), &target.release),
        ] {
            let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
            // A scalar parsed from YAML quotes what needs quoting.
            let source = yaml_edit::YamlFile::from_str(
                &serde_yaml::to_string(&serde_json::json!({ "v": value }))
                    .map_err(|e| cannot(&e.to_string()))?,
            )
            .map_err(|e| cannot(&e.to_string()))?;
            let node = crate::yaml_tree::root_mapping(&source)
                .and_then(|m| m.get("v"))
                .ok_or_else(|| cannot("a value could not be written"))?;
            if !crate::yaml_tree::set_node(&root, &keys, &node) {
                return Err(cannot("a key on the way holds something other than keys"));
            }
        }
        file.to_string()
    };
    match parse(&edited, path) {
        Ok(s) if s == expected => Ok(edited),
        _ => Err(cannot("the edited file would differ in other keys")),
    }
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

    fn target() -> SavedTarget {
        SavedTarget {
            context: "gke_demo_europe-west1_course".into(),
            namespace: "course-b".into(),
            release: "course-hub".into(),
        }
    }

    #[test]
    fn a_saved_target_keeps_every_other_key_and_comment() {
        let text = "# the course's settings\ngcp:\n  project: demo # ours\nkube:\n  namespace: jhub\nvalues: [config.yaml]\n";
        let edited = with_target(text, Path::new("jhub-cockpit.yaml"), &target()).unwrap();
        assert!(
            edited.starts_with("# the course's settings\ngcp:\n  project: demo # ours\n"),
            "{edited}"
        );
        let s = parse(&edited, Path::new("x")).unwrap();
        assert_eq!(s.kube.namespace.as_deref(), Some("course-b"));
        assert_eq!(
            s.kube.context.as_deref(),
            Some("gke_demo_europe-west1_course")
        );
        assert_eq!(s.release.as_deref(), Some("course-hub"));
        assert_eq!(s.values, vec![PathBuf::from("config.yaml")]);
        assert!(
            !edited.contains("jhub\n"),
            "the old namespace is replaced: {edited}"
        );
    }

    #[test]
    fn a_target_saved_without_a_file_makes_one_that_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let said = save_target(&path, &target()).unwrap();
        assert!(said.contains("course-b"), "{said}");
        let (s, found) = load(Some(&path), dir.path()).unwrap();
        assert_eq!(found.as_deref(), Some(path.as_path()));
        assert_eq!(s.kube.namespace.as_deref(), Some("course-b"));
        assert_eq!(
            save_target(&path, &target()).unwrap(),
            format!("{} says so already", path.display())
        );
    }

    #[test]
    fn a_broken_settings_file_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "kube: [\n").unwrap();
        let err = save_target(&path, &target()).unwrap_err();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "kube: [\n");
    }

    #[test]
    fn the_example_in_assets_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/jhub-cockpit.example.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let s = parse(&text, &path).unwrap();
        assert!(s.release.is_some());
    }
}
