//! gcloud (Google's own client, so the reference for field names and
//! shapes) run against the GKE emulator, shared by the emulator's
//! tests/gcloud.rs and the cockpit's tests/it/gke/gcloud_agrees_on_rig.rs.
//! Beside `gke.rs` (its `Emulator`) in both: in tests/it as
//! `support::gcloud`, in the emulator crate through `#[path]` in a `support`
//! module of its own, so it uses nothing but `super::gke`.
//!
//! gcloud must never reach Google: it runs with an empty environment (so no
//! proxy variables), a private config directory, credentials off, both API
//! endpoints (container and serviceusage) overridden to the emulator on
//! 127.0.0.1, usage reporting and update checks off, and the GCE metadata
//! probe answered in advance (the `gce` cache file, and a fixed metrics
//! environment: gcloud otherwise probes the metadata server to name its
//! environment in the User-Agent, whatever `core/check_gce_metadata` says).
//! Every command runs with `--log-http`, and every request it logs must go
//! to the emulator, which must have seen as many API requests as gcloud
//! logged.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::gke::{Emulator, PROJECT};

/// The `gcloud` on PATH, if any (the tests that need it skip without it).
pub fn gcloud_on_path() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("gcloud"))
        .find(|p| p.is_file())
}

/// gcloud, confined to the emulator (see the module's comment).
pub struct Gcloud {
    pub exe: PathBuf,
    /// HOME, and CLOUDSDK_CONFIG under it.
    pub home: tempfile::TempDir,
    pub emu: Emulator,
}

/// One gcloud run.
pub struct Output {
    pub ok: bool,
    pub stdout: String,
    /// With the `--log-http` dump.
    pub stderr: String,
}

impl Gcloud {
    pub fn new(exe: PathBuf, emu: Emulator) -> Gcloud {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("gcloud");
        std::fs::create_dir_all(&config).unwrap();
        // The on-GCE cache, so no command probes the metadata server.
        std::fs::write(config.join("gce"), "False").unwrap();
        Gcloud { exe, home, emu }
    }

    /// The KUBECONFIG gcloud writes (get-credentials, clusters create).
    pub fn kubeconfig(&self) -> PathBuf {
        self.home.path().join("kubeconfig")
    }

    /// Runs `gcloud` with `command`'s words (none has a space).
    pub async fn run(&self, command: &str) -> Output {
        let emulator = format!("http://127.0.0.1:{}/", self.emu.addr.port());
        self.emu.clear_requests().await;
        let home: &Path = self.home.path();
        let started = Instant::now();
        let out = tokio::process::Command::new(&self.exe)
            .args(command.split_whitespace())
            .arg("--log-http")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("LANG", "C.UTF-8")
            .env("CLOUDSDK_CONFIG", home.join("gcloud"))
            .env("KUBECONFIG", self.kubeconfig())
            .env("CLOUDSDK_CORE_DISABLE_PROMPTS", "1")
            .env("CLOUDSDK_CORE_PROJECT", PROJECT)
            .env("CLOUDSDK_AUTH_DISABLE_CREDENTIALS", "true")
            .env("CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER", &emulator)
            .env("CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE", &emulator)
            .env("CLOUDSDK_CORE_CHECK_GCE_METADATA", "false")
            .env("CLOUDSDK_METRICS_ENVIRONMENT", "gke-emulator-test")
            .env("CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "true")
            .env("CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "true")
            .env("CLOUDSDK_SURVEY_DISABLE_PROMPTS", "true")
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(60), out)
            .await
            .unwrap_or_else(|_| panic!("gcloud {command} took over 60 s"))
            .expect("gcloud runs");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let mut logged = 0;
        for line in stderr.lines() {
            if let Some(uri) = line.strip_prefix("uri: ") {
                assert!(
                    uri.starts_with(&emulator),
                    "gcloud {command} sent a request elsewhere than the emulator: {uri}"
                );
                logged += 1;
            }
        }
        // And everything gcloud sent, the emulator saw.
        let (count, _) = self.emu.requests().await;
        assert_eq!(
            count as usize, logged,
            "gcloud {command} logged {logged} requests; the emulator saw {count}"
        );
        eprintln!(
            "gcloud {command} ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
        Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).to_string(),
            stderr,
        }
    }

    /// Runs a command that must succeed; its stdout as JSON (Null if none).
    pub async fn json(&self, command: &str) -> Value {
        let out = self.run(command).await;
        assert!(out.ok, "gcloud {command} failed:\n{}", tail(&out.stderr));
        serde_json::from_str(&out.stdout).unwrap_or(Value::Null)
    }

    /// An API or admin request of the test's own.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.emu.http("GET", path, "").await
    }
}

/// The end of gcloud's stderr (the --log-http dump before it is long).
pub fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
