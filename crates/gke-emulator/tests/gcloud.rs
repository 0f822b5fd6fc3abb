//! gcloud (Google's own client, so the reference for field names and
//! shapes) against the emulator: create, list across locations, describe,
//! get-credentials, node pools with labels, taints and autoscaling, the
//! autoscaling update in both of gcloud's forms, deletes. Skipped (with a
//! line saying so) when `gcloud` is not on PATH.
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

#[path = "../../../tests/it/support/gke.rs"]
mod gke_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use gke_emulator::EmulatorConfig;
use gke_support::{CA_PEM, Emulator, PROJECT};
use serde_json::{Value, json};

const ZONE: &str = "us-central1-b";
const REGION: &str = "europe-west4";

fn gcloud_on_path() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("gcloud"))
        .find(|p| p.is_file())
}

struct Gcloud {
    exe: PathBuf,
    home: tempfile::TempDir,
    emu: Emulator,
}

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Gcloud {
    fn new(exe: PathBuf, emu: Emulator) -> Gcloud {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("gcloud");
        std::fs::create_dir_all(&config).unwrap();
        // The on-GCE cache, so no command probes the metadata server.
        std::fs::write(config.join("gce"), "False").unwrap();
        Gcloud { exe, home, emu }
    }

    fn kubeconfig(&self) -> PathBuf {
        self.home.path().join("kubeconfig")
    }

    /// Runs `gcloud` with `command`'s words (none has a space).
    async fn run(&self, command: &str) -> Output {
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
    async fn json(&self, command: &str) -> Value {
        let out = self.run(command).await;
        assert!(out.ok, "gcloud {command} failed:\n{}", tail(&out.stderr));
        serde_json::from_str(&out.stdout).unwrap_or(Value::Null)
    }

    /// An API or admin request of the test's own.
    async fn get(&self, path: &str) -> (u16, Value) {
        self.emu.http("GET", path, "").await
    }
}

/// The end of gcloud's stderr (the --log-http dump before it is long).
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// (name, location, status, endpoint, currentNodeCount) of each cluster,
/// sorted.
fn summary(clusters: &Value) -> Vec<(String, String, String, String, i64)> {
    let mut rows: Vec<_> = clusters
        .as_array()
        .expect("an array of clusters")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            let n = c["currentNodeCount"].as_i64().unwrap_or(-1);
            (s("name"), s("location"), s("status"), s("endpoint"), n)
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcloud_agrees_with_the_emulator() {
    let Some(exe) = gcloud_on_path() else {
        eprintln!("skipped: gcloud is not on PATH");
        return;
    };
    // Operations end before gcloud's first poll: it sleeps 5 s between
    // polls, which would make every waited command 5 s longer. The stages
    // along the way are tested with the clock in tests/node_pools.rs.
    let emu = Emulator::start_with(EmulatorConfig {
        op_duration: Duration::from_millis(1),
        kube_endpoint: "https://127.0.0.1:26443".into(),
        kube_ca_pem: Some(CA_PEM.into()),
        ..Default::default()
    })
    .await;
    let g = Gcloud::new(exe, emu);
    let ca_b64 = base64::engine::general_purpose::STANDARD.encode(CA_PEM);
    let c1_path = format!("/v1/projects/{PROJECT}/locations/{ZONE}/clusters/c1");
    let at_c1 = format!("--cluster c1 --zone {ZONE}");

    // gcloud asks Service Usage first, then creates, waits, and writes a
    // kubeconfig entry.
    g.json(&format!(
        "container clusters create c1 --zone {ZONE} --num-nodes 2 \
         --machine-type e2-standard-4 --release-channel stable --format=json"
    ))
    .await;
    let (status, c1) = g.get(&c1_path).await;
    assert_eq!(status, 200, "{c1}");
    assert_eq!(c1["status"], "RUNNING");
    assert_eq!(c1["releaseChannel"]["channel"], "STABLE");
    assert_eq!(c1["nodePools"][0]["config"]["machineType"], "e2-standard-4");
    assert_eq!(c1["currentNodeCount"], 2);

    // A cluster made elsewhere, in a region.
    let body = json!({"project": PROJECT, "location": REGION, "cluster": {"name": "legacy",
        "nodePools": [{"name": "pool-1", "initialNodeCount": 1,
                       "config": {"machineType": "n2-standard-8"}}]}});
    let (status, v) = g
        .emu
        .http("POST", "/emulator/clusters", &body.to_string())
        .await;
    assert_eq!(status, 200, "{v}");

    let listed = g.json("container clusters list --format=json").await;
    let (_, served) = g
        .get(&format!("/v1/projects/{PROJECT}/locations/-/clusters"))
        .await;
    assert_eq!(summary(&listed), summary(&served["clusters"]));
    let endpoint = "127.0.0.1:26443".to_string();
    assert_eq!(
        summary(&listed),
        [
            (
                "c1".into(),
                ZONE.into(),
                "RUNNING".into(),
                endpoint.clone(),
                2
            ),
            (
                "legacy".into(),
                REGION.into(),
                "RUNNING".into(),
                endpoint,
                3
            ),
        ]
    );

    let described = g
        .json(&format!(
            "container clusters describe c1 --zone {ZONE} --format=json"
        ))
        .await;
    assert_eq!(described["endpoint"], "127.0.0.1:26443");
    assert_eq!(described["masterAuth"]["clusterCaCertificate"], ca_b64);
    assert_eq!(described["nodePools"][0]["name"], "default-pool");
    assert_eq!(described["nodePools"][0]["initialNodeCount"], 2);

    // get-credentials for the cluster made elsewhere, into a fresh file.
    std::fs::remove_file(g.kubeconfig()).ok();
    g.json(&format!(
        "container clusters get-credentials legacy --region {REGION}"
    ))
    .await;
    let kubeconfig: Value =
        serde_yaml::from_str(&std::fs::read_to_string(g.kubeconfig()).unwrap()).unwrap();
    let context = format!("gke_{PROJECT}_{REGION}_legacy");
    assert_eq!(kubeconfig["current-context"], context.as_str());
    let cluster = &kubeconfig["clusters"][0];
    assert_eq!(cluster["name"], context.as_str());
    assert_eq!(cluster["cluster"]["server"], "https://127.0.0.1:26443");
    assert_eq!(
        cluster["cluster"]["certificate-authority-data"],
        ca_b64.as_str()
    );

    // The users' pool, as the JupyterHub docs make it.
    g.json(&format!(
        "container node-pools create user-pool {at_c1} --machine-type n2-highmem-4 \
         --num-nodes 0 --enable-autoscaling --min-nodes 0 --max-nodes 3 \
         --node-labels hub.jupyter.org/node-purpose=user \
         --node-taints hub.jupyter.org_dedicated=user:NoSchedule --format=json"
    ))
    .await;
    let pools = g
        .json(&format!("container node-pools list {at_c1} --format=json"))
        .await;
    let names: Vec<&str> = pools
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default-pool", "user-pool"]);
    let describe_pool = format!("container node-pools describe user-pool {at_c1} --format=json");
    let pool = g.json(&describe_pool).await;
    assert_eq!(pool["status"], "RUNNING");
    assert_eq!(pool["config"]["machineType"], "n2-highmem-4");
    assert_eq!(
        pool["config"]["labels"]["hub.jupyter.org/node-purpose"],
        "user"
    );
    assert_eq!(
        pool["config"]["taints"],
        json!([{"key": "hub.jupyter.org_dedicated", "value": "user", "effect": "NO_SCHEDULE"}])
    );
    assert_eq!(
        pool["autoscaling"],
        json!({"enabled": true, "minNodeCount": 0, "maxNodeCount": 3})
    );
    assert_eq!(pool["initialNodeCount"], 0);

    // A duplicate: GKE's error reaches the user through gcloud.
    let dup = g
        .run(&format!(
            "container node-pools create user-pool {at_c1} --num-nodes 1"
        ))
        .await;
    assert!(!dup.ok);
    assert!(
        dup.stderr.contains("Already exists"),
        "{}",
        tail(&dup.stderr)
    );

    // Both of gcloud's autoscaling forms (each a PUT on the cluster).
    g.json(&format!(
        "container clusters update c1 --zone {ZONE} --node-pool user-pool \
         --enable-autoscaling --min-nodes 1 --max-nodes 5"
    ))
    .await;
    let (_, c1) = g.get(&c1_path).await;
    assert_eq!(
        c1["nodePools"][1]["autoscaling"],
        json!({"enabled": true, "minNodeCount": 1, "maxNodeCount": 5})
    );
    assert_eq!(c1["currentNodeCount"], 3, "2 + the new minimum of 1");
    g.json(&format!(
        "container node-pools update user-pool {at_c1} --enable-autoscaling \
         --min-nodes 0 --max-nodes 4"
    ))
    .await;
    let pool = g.json(&describe_pool).await;
    assert_eq!(
        pool["autoscaling"],
        json!({"enabled": true, "minNodeCount": 0, "maxNodeCount": 4})
    );

    g.json(&format!(
        "container node-pools delete user-pool {at_c1} --quiet"
    ))
    .await;
    let (status, _) = g.get(&format!("{c1_path}/nodePools/user-pool")).await;
    assert_eq!(status, 404);

    g.json(&format!(
        "container clusters delete c1 --zone {ZONE} --quiet"
    ))
    .await;
    let (status, _) = g.get(&c1_path).await;
    assert_eq!(status, 404);
    let listed = g.json("container clusters list --format=json").await;
    assert_eq!(summary(&listed).len(), 1, "{listed}");
}
