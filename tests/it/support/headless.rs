//! Running the real `jhub-cockpit` binary's headless subcommands from a
//! temporary working directory, with a fake `helm` that records every
//! invocation (and may hand over to the real one).

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::{binary, repo_root};

/// A working directory holding config.yaml (from config.example.yaml), a
/// helm recorder, and its own XDG state/config/cache dirs and helm homes (so
/// the log, the settings, the chart cache and helm's repositories are the
/// test's own, never the user's).
pub struct Workdir {
    pub tmp: tempfile::TempDir,
    /// The cockpit's working directory.
    pub dir: PathBuf,
    pub state_home: PathBuf,
    pub config_home: PathBuf,
    pub cache_home: PathBuf,
    /// HELM_CONFIG_HOME, HELM_CACHE_HOME and HELM_DATA_HOME live under it.
    pub helm_home: PathBuf,
    /// The fake helm passed with --helm.
    pub recorder: PathBuf,
    /// Where the fake helm appends one line per invocation.
    pub record: PathBuf,
    /// The kubeconfig passed with --kubeconfig.
    pub kubeconfig: PathBuf,
}

/// The result of one run, as text.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Workdir {
    /// `real_helm`: the helm the recorder hands over to; None makes it fail
    /// after recording (for tests where helm must never run).
    pub fn new(kubeconfig: &Path, real_helm: Option<&Path>) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("work");
        let state_home = tmp.path().join("state");
        let config_home = tmp.path().join("config");
        let cache_home = tmp.path().join("cache");
        let helm_home = tmp.path().join("helm");
        let tools = tmp.path().join("tools");
        for d in [
            &dir,
            &state_home,
            &config_home,
            &cache_home,
            &helm_home,
            &tools,
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::copy(
            repo_root().join("config.example.yaml"),
            dir.join("config.yaml"),
        )
        .unwrap();
        let record = tmp.path().join("helm-invocations.txt");
        let recorder = tools.join("helm");
        let tail = match real_helm {
            Some(h) => format!("exec '{}' \"$@\"\n", h.display()),
            None => "echo 'fake helm: must not be run' >&2\nexit 97\n".to_owned(),
        };
        std::fs::write(
            &recorder,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n{tail}",
                record.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&recorder, std::fs::Permissions::from_mode(0o755)).unwrap();
        Workdir {
            tmp,
            dir,
            state_home,
            config_home,
            cache_home,
            helm_home,
            recorder,
            record,
            kubeconfig: kubeconfig.to_path_buf(),
        }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.join("config.yaml")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The cockpit's log file under this run's XDG_STATE_HOME.
    pub fn log_file(&self) -> PathBuf {
        self.state_home.join("jhub-cockpit/jhub-cockpit.log")
    }

    /// Every recorded helm invocation (empty when helm never ran).
    pub fn helm_calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.record)
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        cmd.current_dir(&self.dir)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--helm")
            .arg(&self.recorder)
            .args(args)
            .env_remove("JHUB_COCKPIT_KUBECONFIG")
            .env_remove("JHUB_COCKPIT_HELM")
            .env("KUBECONFIG", &self.kubeconfig)
            .env("XDG_STATE_HOME", &self.state_home)
            .env("XDG_CONFIG_HOME", &self.config_home)
            .env("XDG_CACHE_HOME", &self.cache_home)
            .envs(self.helm_env())
            .env("JHUB_COCKPIT_LOG", "debug")
            // The test configs name quay.io's images, and tests send
            // nothing off this machine: the registry check is on only in
            // its own tests (tests/it/image/), against a registry on
            // loopback, which remove this.
            .env("JHUB_COCKPIT_SKIP_IMAGE_CHECK", "true")
            // The registry tests' registries are on loopback: never through
            // a proxy of the environment.
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            // No terminal: a confirmation without --yes must refuse.
            .stdin(Stdio::null());
        cmd
    }

    /// helm's own homes for this run: repositories added by a test stay in
    /// the test.
    pub fn helm_env(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("HELM_CONFIG_HOME", self.helm_home.join("config")),
            ("HELM_CACHE_HOME", self.helm_home.join("cache")),
            ("HELM_DATA_HOME", self.helm_home.join("data")),
            (
                "HELM_REPOSITORY_CONFIG",
                self.helm_home.join("config/repositories.yaml"),
            ),
            (
                "HELM_REPOSITORY_CACHE",
                self.helm_home.join("cache/repository"),
            ),
        ]
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out: Output = self
            .command(args)
            .output()
            .expect("cannot run jhub-cockpit");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The working directory's file names, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// `status --json`, parsed.
pub fn status(work: &Workdir, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["status", "--json"]);
    let run = work.run(&all);
    assert!(run.ok(), "status --json: {run}");
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run}"))
}

/// Whether a pod of that component is Running and Ready in `status --json`.
pub fn component_running(status: &Value, component: &str) -> bool {
    status["pods"].as_array().is_some_and(|pods| {
        pods.iter()
            .any(|p| p["component"] == component && p["phase"] == "Running" && p["ready"] == "1/1")
    })
}

/// The values diff a deploy printed: the lines before helm's command line.
pub fn printed_diff(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .take_while(|l| !l.starts_with("$ helm "))
        .collect()
}

/// The diff's `+` and `-` lines.
pub fn changed_lines<'a>(diff: &[&'a str]) -> Vec<&'a str> {
    diff.iter()
        .copied()
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .collect()
}

/// Changes config.yaml's one `tag: "<from>"` to `<to>`.
pub fn set_tag(work: &Workdir, from: &str, to: &str) {
    let text = std::fs::read_to_string(work.config()).unwrap();
    let old = format!("tag: \"{from}\"");
    assert_eq!(text.matches(&old).count(), 1, "config.yaml has one {old}");
    std::fs::write(work.config(), text.replace(&old, &format!("tag: \"{to}\""))).unwrap();
}
