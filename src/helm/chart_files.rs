//! What a chart brings to the values check: its default `values.yaml` and
//! its `values.schema.json`, the two things helm validates the operator's
//! files with. Read in place from a chart directory, from inside a packaged
//! `.tgz`, or, for a repo or OCI chart, from a `helm pull --untar` (helm has
//! no `helm show schema`): pulled once per (chart, exact version) into the
//! cache; an unpinned version is pulled each time, since "latest" moves.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::cli::ChartSource;

/// A pull that takes longer is given up on: the check then only warns.
pub const PULL_TIMEOUT: Duration = Duration::from_secs(60);

const SCHEMA: &str = "values.schema.json";
const VALUES: &str = "values.yaml";

/// A chart's defaults and schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartFiles {
    /// The chart's values.yaml (an empty mapping when it has none).
    pub defaults: Value,
    pub schema: Option<Value>,
    /// Where the schema was read, for messages: `<dir>/values.schema.json`,
    /// `values.schema.json in <file>.tgz`, `values.schema.json of <chart>`.
    pub source: String,
}

/// `~/.cache/jhub-cockpit/charts` (or under XDG_CACHE_HOME).
pub fn cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("jhub-cockpit").join("charts"))
}

/// A chart directory's files, read in place.
pub fn from_dir(dir: &Path) -> Result<ChartFiles, String> {
    let text = |name: &str| -> Result<Option<String>, String> {
        let path = dir.join(name);
        if !path.is_file() {
            return Ok(None);
        }
        std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    parse_files(
        text(VALUES)?.as_deref(),
        text(SCHEMA)?.as_deref(),
        &dir.join(SCHEMA).display().to_string(),
    )
}

/// A packaged chart's files, read from inside the archive (a gzipped tar
/// whose entries are `<chart>/...`): only the chart's own top-level files,
/// not a dependency's under `<chart>/charts/`.
pub fn from_archive(path: &Path) -> Result<ChartFiles, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let (mut values, mut schema) = (None, None);
    let bad = |e: std::io::Error| format!("{} is not a packaged chart (.tgz): {e}", path.display());
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let name = entry.path().map_err(bad)?.into_owned();
        let parts: Vec<_> = name.components().collect();
        let slot = match parts.as_slice() {
            [_, f] if f.as_os_str() == VALUES => &mut values,
            [_, f] if f.as_os_str() == SCHEMA => &mut schema,
            _ => continue,
        };
        let mut text = String::new();
        entry.read_to_string(&mut text).map_err(bad)?;
        *slot = Some(text);
    }
    parse_files(
        values.as_deref(),
        schema.as_deref(),
        &format!("{SCHEMA} in {}", path.display()),
    )
}

fn parse_files(
    values: Option<&str>,
    schema: Option<&str>,
    source: &str,
) -> Result<ChartFiles, String> {
    let defaults = match values {
        Some(text) => crate::values::parse(text, Path::new(&source.replace(SCHEMA, VALUES)))
            .map_err(|e| format!("the chart's {e}"))?,
        None => Value::Object(Default::default()),
    };
    let schema = schema
        .map(|text| serde_json::from_str(text).map_err(|e| format!("{source} is not JSON: {e}")))
        .transpose()?;
    Ok(ChartFiles {
        defaults,
        schema,
        source: source.to_owned(),
    })
}

/// A repo or OCI chart's files: from the cache, else pulled with helm; `Err`
/// with helm's own words when it cannot be pulled.
pub fn pull(
    helm: &Path,
    chart: &ChartSource,
    version: Option<&str>,
    cache: Option<&Path>,
) -> Result<ChartFiles, String> {
    let label = format!(
        "{SCHEMA} of {}{}",
        chart.reference(),
        version.map(|v| format!(" {v}")).unwrap_or_default()
    );
    let cached = cache
        .zip(version.filter(|v| is_exact(v)))
        .map(|(dir, v)| dir.join(sanitize(&cache_key(chart))).join(sanitize(v)));
    if let Some(dir) = &cached {
        // values.yaml is always written, so a cache entry without it (an
        // older cockpit cached the schema alone) is pulled again.
        if dir.join(VALUES).is_file() {
            let mut files = from_dir(dir)?;
            files.source = label;
            return Ok(files);
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
    let mut files = from_dir(&chart_dir)?;
    files.source = label;
    if let Some(dir) = cached {
        // A cache that cannot be written only costs another pull next time.
        let _ = std::fs::create_dir_all(&dir).and_then(|()| {
            if let Some(s) = &files.schema {
                std::fs::write(dir.join(SCHEMA), s.to_string())?;
            }
            // Written last: its presence marks a complete entry.
            std::fs::copy(chart_dir.join(VALUES), dir.join(VALUES))
                .map(drop)
                .or_else(|_| std::fs::write(dir.join(VALUES), ""))
        });
    }
    Ok(files)
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
    fn a_cached_chart_is_used_without_helm() {
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
        // Without values.yaml the entry is incomplete (an older cockpit's):
        // helm is needed, and its absence is the error.
        let err = pull(no_helm, &chart, Some("0.1.0"), Some(cache.path())).unwrap_err();
        assert!(err.starts_with("cannot run helm"), "{err}");
        std::fs::write(dir.join(VALUES), "hub:\n  baseUrl: /\n").unwrap();
        let files = pull(no_helm, &chart, Some("0.1.0"), Some(cache.path())).unwrap();
        assert_eq!(files.schema, Some(serde_json::json!({"type": "object"})));
        assert_eq!(files.defaults, serde_json::json!({"hub": {"baseUrl": "/"}}));
        assert_eq!(
            files.source,
            "values.schema.json of fix/jupyterhub-lite 0.1.0"
        );
        // Another version is not in the cache.
        let err = pull(no_helm, &chart, Some("0.2.0"), Some(cache.path())).unwrap_err();
        assert!(err.starts_with("cannot run helm"), "{err}");
    }

    /// A .tgz as `helm package` makes it: `<chart>/...` entries, with a
    /// dependency's files under `<chart>/charts/`.
    fn package(entries: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let file = tempfile::Builder::new().suffix(".tgz").tempfile().unwrap();
        let gz = flate2::write::GzEncoder::new(file.reopen().unwrap(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (name, text) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, text.as_bytes()).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        file
    }

    #[test]
    fn a_packaged_chart_is_read_from_inside_the_archive() {
        let tgz = package(&[
            (
                "jupyterhub/Chart.yaml",
                "name: jupyterhub\nversion: 4.4.0\n",
            ),
            ("jupyterhub/values.yaml", "hub:\n  baseUrl: /\n"),
            ("jupyterhub/values.schema.json", r#"{"required": ["hub"]}"#),
            ("jupyterhub/charts/dep/values.yaml", "other: 1\n"),
        ]);
        let files = from_archive(tgz.path()).unwrap();
        assert_eq!(files.defaults, serde_json::json!({"hub": {"baseUrl": "/"}}));
        assert_eq!(files.schema, Some(serde_json::json!({"required": ["hub"]})));

        let bare = package(&[("c/Chart.yaml", "name: c\n")]);
        let files = from_archive(bare.path()).unwrap();
        assert_eq!(files.defaults, serde_json::json!({}));
        assert_eq!(files.schema, None);
    }

    #[test]
    fn a_broken_archive_or_schema_is_named() {
        let not_gz = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(not_gz.path(), "plain text").unwrap();
        let err = from_archive(not_gz.path()).unwrap_err();
        assert!(err.contains("is not a packaged chart"), "{err}");

        let tgz = package(&[("c/values.schema.json", "{ not json")]);
        let err = from_archive(tgz.path()).unwrap_err();
        assert!(
            err.starts_with("values.schema.json in ") && err.contains(" is not JSON: "),
            "{err}"
        );
    }
}
