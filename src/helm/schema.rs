//! The chart's values.schema.json for charts that are not a local
//! directory: helm has no `helm show schema`, so the chart is pulled
//! (`helm pull --untar`) and the schema read from it. Pulled once per
//! (chart, exact version) into the cache; an unpinned version is pulled
//! each time, since "latest" moves.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::cli::ChartSource;

/// A pull that takes longer is given up on: the check then only warns.
pub const PULL_TIMEOUT: Duration = Duration::from_secs(60);

/// Marks a cached chart that has no values.schema.json.
const NO_SCHEMA: &str = "no-values-schema";
const SCHEMA: &str = "values.schema.json";

/// `~/.cache/jhub-cockpit/charts` (or under XDG_CACHE_HOME).
pub fn cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("jhub-cockpit").join("charts"))
}

/// The chart's schema: `Ok(None)` when the chart has none; `Err` with
/// helm's own words when it cannot be pulled.
pub fn fetch(
    helm: &Path,
    chart: &ChartSource,
    version: Option<&str>,
    cache: Option<&Path>,
) -> Result<Option<Value>, String> {
    let cached = cache
        .zip(version.filter(|v| is_exact(v)))
        .map(|(dir, v)| dir.join(sanitize(&cache_key(chart))).join(sanitize(v)));
    if let Some(dir) = &cached {
        if dir.join(NO_SCHEMA).is_file() {
            return Ok(None);
        }
        let path = dir.join(SCHEMA);
        if path.is_file() {
            return read_schema(&path).map(Some);
        }
    }
    let scratch = tempfile::Builder::new()
        .prefix("jhub-cockpit-pull-")
        .tempdir()
        .map_err(|e| format!("cannot make a directory to pull the chart into: {e}"))?;
    let mut cmd = Command::new(helm);
    cmd.arg("pull");
    match chart {
        // --repo: the chart's repository need not be added to helm's
        // configuration just to be checked.
        ChartSource::Repo {
            chart,
            url: Some(url),
            ..
        } => cmd.arg(chart).arg("--repo").arg(url),
        other => cmd.arg(other.reference()),
    };
    if let Some(v) = version {
        cmd.arg("--version").arg(v);
    }
    cmd.arg("--untar").arg("--untardir").arg(scratch.path());
    let (success, stderr) = run_with_timeout(cmd, PULL_TIMEOUT)?;
    if !success {
        let said = stderr.trim();
        return Err(if said.is_empty() {
            "helm pull failed without saying why".into()
        } else {
            said.to_owned()
        });
    }
    // --untar makes one directory, named after the chart.
    let chart_dir = std::fs::read_dir(scratch.path())
        .ok()
        .and_then(|mut entries| entries.find_map(|e| e.ok().map(|e| e.path())))
        .filter(|p| p.is_dir())
        .ok_or_else(|| "helm pull left no chart directory".to_owned())?;
    let path = chart_dir.join(SCHEMA);
    let schema = if path.is_file() {
        Some(read_schema(&path)?)
    } else {
        None
    };
    if let Some(dir) = cached {
        // A cache that cannot be written only costs another pull next time.
        let _ = std::fs::create_dir_all(&dir).and_then(|()| match &schema {
            Some(s) => std::fs::write(dir.join(SCHEMA), s.to_string()),
            None => std::fs::write(dir.join(NO_SCHEMA), ""),
        });
    }
    Ok(schema)
}

fn read_schema(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

/// Runs the command with stdin closed; its stderr, and whether it
/// succeeded before the time was up (a hung pull is killed).
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Result<(bool, String), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run helm: {e}"))?;
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "helm pull took longer than {} s and was stopped",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("cannot wait for helm: {e}")),
        }
    };
    let text = reader.join().unwrap_or_default();
    Ok((status.success(), text))
}

/// Where the chart comes from, as one string: the same name in two
/// repositories is two charts.
fn cache_key(chart: &ChartSource) -> String {
    match chart {
        ChartSource::Repo {
            chart,
            url: Some(url),
            ..
        } => format!("{}/{chart}", url.trim_end_matches('/')),
        other => other.reference(),
    }
}

/// A file name made of the string's letters, digits and `.-_`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// An exact version (`4.4.0`, `v1.2.3-rc.1`), not a range (`^4`, `4.x`,
/// `>=4.0`): only an exact one always names the same chart.
fn is_exact(version: &str) -> bool {
    let v = version.trim_start_matches('v');
    v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
        && !v
            .split(['.', '-', '+'])
            .any(|part| part == "x" || part == "X")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_versions_are_cached() {
        for v in ["4.4.0", "v1.2.3-rc.1", "0.1.0+build.5"] {
            assert!(is_exact(v), "{v}");
        }
        for v in ["^4.0", "4.x", ">=4.0.0", "~4.4", "*", "", "latest"] {
            assert!(!is_exact(v), "{v}");
        }
    }

    #[test]
    fn cache_keys_tell_repositories_apart() {
        let a = ChartSource::parse(
            "jupyterhub/jupyterhub",
            Some("https://hub.jupyter.org/helm-chart/"),
        );
        let b = ChartSource::parse("jupyterhub/jupyterhub", Some("http://127.0.0.1:8080"));
        assert_ne!(sanitize(&cache_key(&a)), sanitize(&cache_key(&b)));
        assert_eq!(
            sanitize(&cache_key(&a)),
            "https___hub.jupyter.org_helm-chart_jupyterhub"
        );
        let oci = ChartSource::parse("oci://registry.example/charts/jupyterhub", None);
        assert_eq!(
            sanitize(&cache_key(&oci)),
            "oci___registry.example_charts_jupyterhub"
        );
    }

    #[test]
    fn a_cached_schema_is_used_without_helm() {
        let cache = tempfile::tempdir().unwrap();
        let chart = ChartSource::parse("fix/jupyterhub-lite", Some("http://127.0.0.1:1/"));
        let dir = cache
            .path()
            .join(sanitize(&cache_key(&chart)))
            .join("0.1.0");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(SCHEMA), r#"{"type": "object"}"#).unwrap();
        // A helm that does not exist: the cache must answer alone.
        let no_helm = Path::new("/nonexistent/helm");
        assert_eq!(
            fetch(no_helm, &chart, Some("0.1.0"), Some(cache.path())),
            Ok(Some(serde_json::json!({"type": "object"})))
        );
        // Another version is not in the cache: helm is needed, and its
        // absence is the error.
        let err = fetch(no_helm, &chart, Some("0.2.0"), Some(cache.path())).unwrap_err();
        assert!(err.starts_with("cannot run helm"), "{err}");
    }
}
