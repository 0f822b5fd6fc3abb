//! Which GCP project and location the GKE pane works on: flags, then the
//! settings file, then gcloud's environment variables, then `gcloud config`
//! (only when gcloud is installed, since spawning a missing binary would be
//! a confusing error and every lookup costs a process).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::error::{GkeError, GkeErrorKind};

/// The GKE project and location the write actions and the GKE pane use,
/// resolved from the target, with where the cluster's kubeconfig context is
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GkeConfig {
    pub project: String,
    pub location: String,
    /// Another endpoint (the emulator), with anonymous credentials.
    pub endpoint: Option<String>,
    /// Where the cluster's kubeconfig context is written.
    pub kubeconfig: PathBuf,
}

/// Where a value came from, for the status line ("project demo (from
/// CLOUDSDK_CORE_PROJECT)").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSource {
    Flag,
    Settings,
    Env(&'static str),
    Gcloud,
}

/// The resolved project and location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GkeTarget {
    pub project: String,
    pub project_source: TargetSource,
    pub location: String,
    pub location_source: TargetSource,
}

/// What the caller already knows: the flags and the settings file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetInputs {
    pub flag_project: Option<String>,
    pub flag_location: Option<String>,
    pub settings_project: Option<String>,
    pub settings_location: Option<String>,
}

const PROJECT_ENV: [&str; 1] = ["CLOUDSDK_CORE_PROJECT"];
// A zone first: the tutorial's clusters are zonal.
const LOCATION_ENV: [&str; 2] = ["CLOUDSDK_COMPUTE_ZONE", "CLOUDSDK_COMPUTE_REGION"];

/// Resolves with the process environment and, if it is on PATH, gcloud.
pub fn resolve_target(inputs: &TargetInputs) -> Result<GkeTarget, GkeError> {
    let gcloud = find_on_path("gcloud");
    resolve_target_with(
        inputs,
        |name| std::env::var(name).ok(),
        |key| gcloud.as_deref().and_then(|g| gcloud_config_value(g, key)),
    )
}

/// The resolution order, with the environment and gcloud given as functions
/// so that it is testable. `gcloud(key)` is asked for `project`,
/// `compute/zone` and `compute/region`, only when nothing earlier answered.
pub fn resolve_target_with(
    inputs: &TargetInputs,
    env: impl Fn(&str) -> Option<String>,
    gcloud: impl Fn(&str) -> Option<String>,
) -> Result<GkeTarget, GkeError> {
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let pick = |flag: &Option<String>,
                settings: &Option<String>,
                env_names: &[&'static str],
                gcloud_keys: &[&str]|
     -> Option<(String, TargetSource)> {
        if let Some(v) = nonempty(flag.clone()) {
            return Some((v, TargetSource::Flag));
        }
        if let Some(v) = nonempty(settings.clone()) {
            return Some((v, TargetSource::Settings));
        }
        for name in env_names {
            if let Some(v) = nonempty(env(name)) {
                return Some((v, TargetSource::Env(name)));
            }
        }
        gcloud_keys
            .iter()
            .find_map(|k| nonempty(gcloud(k)))
            .map(|v| (v, TargetSource::Gcloud))
    };
    let project = pick(
        &inputs.flag_project,
        &inputs.settings_project,
        &PROJECT_ENV,
        &["project"],
    );
    let Some((project, project_source)) = project else {
        return Err(GkeError::local(
            GkeErrorKind::MissingTarget,
            "no GCP project: none given by --project, the settings file, \
             CLOUDSDK_CORE_PROJECT or gcloud's configuration",
            "",
        ));
    };
    let location = pick(
        &inputs.flag_location,
        &inputs.settings_location,
        &LOCATION_ENV,
        &["compute/zone", "compute/region"],
    );
    let Some((location, location_source)) = location else {
        return Err(GkeError::local(
            GkeErrorKind::MissingTarget,
            "no GKE location: none given by --location, the settings file, \
             CLOUDSDK_COMPUTE_ZONE/REGION or gcloud's configuration",
            &project,
        ));
    };
    Ok(GkeTarget {
        project,
        project_source,
        location,
        location_source,
    })
}

/// The first executable `name` on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// `gcloud config get-value KEY`, or None when unset, failing, or slower
/// than a few seconds (gcloud can stall on a first-run prompt; the cockpit
/// must not hang at start for it).
pub fn gcloud_config_value(gcloud: &Path, key: &str) -> Option<String> {
    let spawn = || {
        Command::new(gcloud)
            .args(["config", "get-value", key])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
    };
    // ETXTBSY: a just-written script can be briefly held open for writing by
    // a process forked meanwhile (tests write fake gclouds); it passes.
    let mut child = spawn()
        .or_else(|e| match e.raw_os_error() {
            Some(libc::ETXTBSY) => {
                std::thread::sleep(Duration::from_millis(100));
                spawn()
            }
            _ => Err(e),
        })
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    // gcloud prints "(unset)" on stderr and nothing on stdout for unset keys.
    let v = out.trim();
    (!v.is_empty() && v != "(unset)").then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn flags_beat_settings_beat_env_beat_gcloud() {
        let all = TargetInputs {
            flag_project: Some("flag-p".into()),
            flag_location: Some("flag-l".into()),
            settings_project: Some("set-p".into()),
            settings_location: Some("set-l".into()),
        };
        let env = env_of(&[
            ("CLOUDSDK_CORE_PROJECT", "env-p"),
            ("CLOUDSDK_COMPUTE_ZONE", "env-z"),
        ]);
        let gcloud = |_: &str| Some("gcloud-v".to_string());
        let t = resolve_target_with(&all, &env, gcloud).unwrap();
        assert_eq!(
            (t.project.as_str(), t.location.as_str()),
            ("flag-p", "flag-l")
        );
        assert_eq!(t.project_source, TargetSource::Flag);

        let no_flags = TargetInputs {
            flag_project: None,
            flag_location: Some("  ".into()), // blank counts as absent
            ..all.clone()
        };
        let t = resolve_target_with(&no_flags, &env, gcloud).unwrap();
        assert_eq!(
            (t.project.as_str(), t.location.as_str()),
            ("set-p", "set-l")
        );
        assert_eq!(t.location_source, TargetSource::Settings);

        let t = resolve_target_with(&TargetInputs::default(), &env, gcloud).unwrap();
        assert_eq!(
            (t.project.as_str(), t.location.as_str()),
            ("env-p", "env-z")
        );
        assert_eq!(t.project_source, TargetSource::Env("CLOUDSDK_CORE_PROJECT"));

        let t = resolve_target_with(&TargetInputs::default(), env_of(&[]), gcloud).unwrap();
        assert_eq!(t.project, "gcloud-v");
        assert_eq!(t.location_source, TargetSource::Gcloud);
    }

    #[test]
    fn gcloud_is_asked_only_for_what_is_missing() {
        let asked = RefCell::new(Vec::new());
        let gcloud = |k: &str| {
            asked.borrow_mut().push(k.to_string());
            (k == "compute/region").then(|| "us-central1".to_string())
        };
        let inputs = TargetInputs {
            flag_project: Some("p".into()),
            ..Default::default()
        };
        let t = resolve_target_with(&inputs, env_of(&[]), gcloud).unwrap();
        assert_eq!(t.location, "us-central1");
        assert_eq!(*asked.borrow(), ["compute/zone", "compute/region"]);
    }

    #[test]
    fn a_missing_project_or_location_says_how_to_set_it() {
        let none = |_: &str| None;
        let e = resolve_target_with(&TargetInputs::default(), none, none).unwrap_err();
        assert_eq!(e.kind, GkeErrorKind::MissingTarget);
        assert!(e.to_string().contains("--project"), "{e}");
        let e = resolve_target_with(
            &TargetInputs::default(),
            env_of(&[("CLOUDSDK_CORE_PROJECT", "p")]),
            none,
        )
        .unwrap_err();
        assert!(e.gcp_message.contains("no GKE location"), "{e}");
    }

    #[test]
    fn a_fake_gcloud_on_disk_is_read_and_unset_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let gcloud = dir.path().join("gcloud");
        std::fs::write(
            &gcloud,
            "#!/bin/sh\n[ \"$3\" = project ] && echo from-gcloud && exit 0\necho '(unset)' >&2\n",
        )
        .unwrap();
        std::fs::set_permissions(&gcloud, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        assert_eq!(
            gcloud_config_value(&gcloud, "project").as_deref(),
            Some("from-gcloud")
        );
        assert_eq!(gcloud_config_value(&gcloud, "compute/zone"), None);
        assert!(is_executable(&gcloud));
        assert!(!is_executable(dir.path()));
    }
}
