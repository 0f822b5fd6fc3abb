//! The plans shown before a write: what a deploy would change (the values
//! read, merged, checked against the chart's schema and diffed, secrets
//! masked) and which keys a secrets move would take. Apart from the writes
//! because nothing here writes: a plan is shown for confirmation, and
//! worked out again right before the write it describes.

use std::path::Path;

use serde_json::Value;

use super::{DeployConfig, Failure, PreparedDeploy, PreparedMove};
use crate::helm::chart_files::{self, ChartFiles};
use crate::helm::cli::{self, ChartSource};
use crate::secrets::{self, mask_secrets};
use crate::values;

impl DeployConfig {
    /// The chart's values.yaml and values.schema.json: read from a local
    /// directory or packaged chart in place, else pulled with helm (and
    /// cached per chart and exact version).
    fn chart_files(&self) -> ChartCheck {
        let ChartSource::Local(path) = &self.chart else {
            return self.pulled_files();
        };
        let read = if path.is_dir() {
            chart_files::from_dir(path)
        } else if path.is_file() {
            chart_files::from_archive(path)
        } else {
            return ChartCheck::Unavailable(format!("{} does not exist", path.display()));
        };
        match read {
            Ok(files) => ChartCheck::Found(files),
            Err(e) => ChartCheck::Broken(Failure {
                error: e,
                hint: Some("fix the chart, or point --chart at another one".into()),
            }),
        }
    }

    fn pulled_files(&self) -> ChartCheck {
        let helm = self.helm.clone().or_else(|| cli::which("helm"));
        let Some(helm) = helm else {
            return ChartCheck::Unavailable("helm is not on PATH to pull the chart".into());
        };
        let version = self.chart_version.as_deref();
        let cache = chart_files::cache_dir();
        match chart_files::pull(&helm, &self.chart, version, cache.as_deref()) {
            Ok(files) => ChartCheck::Found(files),
            Err(e) => ChartCheck::Unavailable(e),
        }
    }
}

/// What the values can be checked against.
enum ChartCheck {
    Found(ChartFiles),
    /// A local chart whose files cannot be read or parsed: refused, as
    /// helm would refuse it.
    Broken(Failure),
    /// The chart could not be had (helm's words): only a warning, since
    /// helm itself checks the schema again when it installs.
    Unavailable(String),
}

/// Reads, merges and checks the values files; nothing reaches helm unless
/// this passes. `deployed` is the current revision's user values.
pub fn prepare_deploy(
    config: &DeployConfig,
    deployed: Option<&Value>,
) -> Result<PreparedDeploy, Failure> {
    let (merged, sources) =
        values::read_all_with_sources(&config.effective_values()).map_err(|e| Failure {
            error: e.to_string(),
            hint: None,
        })?;
    let mut warnings = Vec::new();
    if config.values.contains(&config.secrets_file) && !config.secrets_file.exists() {
        warnings.push(format!(
            "{} does not exist yet: the chart makes its own secrets (S pins them in that file)",
            config.secrets_file.display()
        ));
    }
    // The chart's defaults, for the images the files leave half-set.
    let mut chart_defaults = None;
    match config.chart_files() {
        ChartCheck::Found(ChartFiles {
            schema: Some(schema),
            defaults,
            source,
        }) => {
            // helm validates the chart's defaults with the files over them,
            // not the files alone: the schema requires keys that only the
            // chart's values.yaml provides.
            let effective = values::coalesce(&defaults, &merged);
            let mut violations = values::validate(&effective, &schema);
            if !violations.is_empty() {
                values::locate(&mut violations, &sources);
                let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
                return Err(Failure {
                    error: format!(
                        "the values break the chart's schema ({source}):\n{}",
                        list.join("\n")
                    ),
                    hint: Some(
                        "fix those keys in config.yaml (e opens it); nothing was applied".into(),
                    ),
                });
            }
            chart_defaults = Some(defaults);
        }
        ChartCheck::Found(ChartFiles { defaults, .. }) => {
            warnings.push("schema not checked: the chart has no values.schema.json".into());
            chart_defaults = Some(defaults);
        }
        ChartCheck::Broken(failure) => return Err(failure),
        ChartCheck::Unavailable(why) => warnings.push(format!("schema not checked: {why}")),
    }
    warnings.extend(secrets_warning(config));
    // Both sides are masked: the deployed values include the secrets file.
    let old = mask_secrets(
        deployed
            .cloned()
            .unwrap_or(Value::Object(Default::default())),
    );
    let diff = values::diff(&old, &mask_secrets(merged.clone()));
    let images = crate::image::changed_images(chart_defaults.as_ref(), &merged, deployed);
    warnings.extend(crate::image::keys::tag_warnings(
        chart_defaults.as_ref(),
        &merged,
    ));
    Ok(PreparedDeploy {
        values: merged,
        diff,
        warnings,
        command_line: format!("helm {}", config.plan().args().join(" ")),
        images,
        notes: Vec::new(),
    })
}

/// The warning when config.yaml holds secrets, with the way to move them.
pub fn secrets_warning(config: &DeployConfig) -> Option<String> {
    let first = config.config_file()?;
    let found = secrets::secrets_in(&values::read(first).ok()?);
    (!found.is_empty()).then(|| {
        format!(
            "{} holds secrets ({}): keep them in {} instead; M moves them (headless: jhub-cockpit secrets move)",
            first.display(),
            found.join(", "),
            config.secrets_file.display()
        )
    })
}

/// Works the move out without writing anything: refused when there is
/// nothing to move, a value conflicts, or helm would never read the
/// secrets file (the secrets would then silently leave the release).
/// What `A` (the hub service for the cockpit) would change in config.yaml.
pub fn prepare_hub_access(
    config: &DeployConfig,
) -> Result<crate::actions::PreparedAccess, Failure> {
    let (path, text, edited) = hub_access_edit(config)?;
    let before = values::parse(&text, &path).map_err(|e| Failure {
        error: e.to_string(),
        hint: None,
    })?;
    let after = values::parse(&edited, &path).map_err(|e| Failure {
        error: e.to_string(),
        hint: None,
    })?;
    Ok(crate::actions::PreparedAccess {
        path,
        diff: values::diff(&before, &after),
    })
}

/// config.yaml's path, its text now, and its text with the hub service.
pub fn hub_access_edit(
    config: &DeployConfig,
) -> Result<(std::path::PathBuf, String, String), Failure> {
    let path = config_yaml(config, "the hub service has nowhere to go")?;
    let text = read_or_empty(path)?;
    let edited = crate::hub::access_config::add_access(path, &text).map_err(|e| Failure {
        error: e.to_string(),
        hint: None,
    })?;
    Ok((path.to_path_buf(), text, edited))
}

/// The config.yaml change offered after a user pool is added, as a diff.
pub fn prepare_user_nodes(
    config: &DeployConfig,
) -> Result<crate::actions::PreparedAccess, Failure> {
    let (path, text, edited) = user_nodes_edit(config)?;
    let parse = |t: &str| {
        values::parse(t, &path).map_err(|e| Failure {
            error: e.to_string(),
            hint: None,
        })
    };
    Ok(crate::actions::PreparedAccess {
        diff: values::diff(&parse(&text)?, &parse(&edited)?),
        path,
    })
}

/// config.yaml's path, its text now, and its text requiring the user pool.
pub fn user_nodes_edit(
    config: &DeployConfig,
) -> Result<(std::path::PathBuf, String, String), Failure> {
    let path = config_yaml(config, "the scheduling change has nowhere to go")?;
    let text = read_or_empty(path)?;
    let edited = crate::user_pool_config::require_user_pool(path, &text)
        .map_err(|error| Failure { error, hint: None })?;
    Ok((path.to_path_buf(), text, edited))
}

/// config.yaml's path, its text now, and its text with the image set.
pub fn image_edit(
    config: &DeployConfig,
    name: &str,
    tag: &str,
) -> Result<(std::path::PathBuf, String, String), Failure> {
    let path = config_yaml(config, "the image has nowhere to go")?;
    let text = read_or_empty(path)?;
    let edited = crate::image::config_edit::set_image(
        path,
        &text,
        crate::image::keys::SINGLEUSER,
        name,
        tag,
    )
    .map_err(|e| Failure {
        error: e.to_string(),
        hint: None,
    })?;
    Ok((path.to_path_buf(), text, edited))
}

/// What config.yaml sets as the users' image now, for the image form.
pub fn configured_image(config: &DeployConfig) -> Result<crate::actions::ConfiguredImage, Failure> {
    let path = config_yaml(config, "the image has nowhere to go")?;
    let text = read_or_empty(path)?;
    let values = values::parse(&text, path).map_err(|e| Failure {
        error: e.to_string(),
        hint: Some("fix config.yaml first (e opens it)".into()),
    })?;
    let (name, tag) =
        crate::image::config_edit::configured(&values, crate::image::keys::SINGLEUSER);
    Ok(crate::actions::ConfiguredImage {
        path: path.to_path_buf(),
        name,
        tag,
    })
}

/// config.yaml, or why a change to it (`what` says which) cannot be made.
fn config_yaml<'a>(config: &'a DeployConfig, what: &str) -> Result<&'a Path, Failure> {
    config.config_file().ok_or_else(|| Failure {
        error: format!("no config.yaml is among the values files: {what}"),
        hint: Some("pass -f config.yaml (or set `values` in the settings)".into()),
    })
}

/// A file's text, or nothing when it does not exist yet (the first edit
/// makes it).
fn read_or_empty(path: &Path) -> Result<String, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Failure {
            error: format!("cannot read {}: {e}", path.display()),
            hint: None,
        }),
    }
}

/// What the image form's Enter (or `image set`) would change in
/// config.yaml, with the registry's answer about the image. A missing tag
/// is a warning here, not a refusal: writing the file applies nothing, and
/// the upgrade refuses it until the image is pushed.
pub async fn prepare_image(
    config: &DeployConfig,
    name: &str,
    tag: &str,
) -> Result<crate::actions::PreparedImage, Failure> {
    let (path, text, edited) = image_edit(config, name, tag)?;
    let parse = |t: &str| {
        values::parse(t, &path).map_err(|e| Failure {
            error: e.to_string(),
            hint: None,
        })
    };
    let diff = values::diff(&parse(&text)?, &parse(&edited)?);
    let (name, tag) = (name.trim().to_owned(), tag.trim().to_owned());
    let change = crate::image::ImageChange {
        key: crate::image::keys::SINGLEUSER,
        image: format!("{name}:{tag}"),
        deployed: None,
    };
    let report = super::image_check::ask_about(config, &[change]).await;
    let notes = report.notes.clone();
    // Writing it is allowed (the push may be on its way); applying it is
    // not, until the registry has it.
    let refused = report.refusal.is_some();
    let mut warnings = report.into_warnings();
    if refused {
        warnings.push("The upgrade refuses it until the image is pushed.".into());
    }
    Ok(crate::actions::PreparedImage {
        path,
        name,
        tag,
        diff,
        notes,
        warnings,
    })
}

pub fn prepare_move(config: &DeployConfig) -> Result<PreparedMove, Failure> {
    let from = config_yaml(config, "there is nothing to move secrets out of")?;
    let to = &config.secrets_file;
    if !config.values.contains(to) {
        return Err(Failure {
            error: format!(
                "{} is not among the values files helm gets: secrets moved there would drop out of the release; nothing was changed",
                to.display()
            ),
            hint: Some(format!(
                "add it after {} (-f {} -f {}, or `values` in the settings)",
                from.display(),
                from.display(),
                to.display()
            )),
        });
    }
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| Failure {
            error: format!("cannot read {}: {e}", p.display()),
            hint: None,
        })
    };
    let config_text = read(from)?;
    let secrets_text = if to.exists() { Some(read(to)?) } else { None };
    let moved =
        secrets::move_secrets(from, &config_text, to, secrets_text.as_deref()).map_err(|e| {
            Failure {
                error: e.to_string(),
                hint: None,
            }
        })?;
    Ok(PreparedMove {
        from: from.to_path_buf(),
        to: to.clone(),
        keys: moved.moved,
        secrets_exists: secrets_text.is_some(),
    })
}
