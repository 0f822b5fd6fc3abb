//! gcloud (Google's own client, so the reference for field names and
//! shapes) against the emulator: create, list across locations, describe,
//! get-credentials, node pools with labels, taints and autoscaling, the
//! autoscaling update in both of gcloud's forms, deletes. Skipped (with a
//! line saying so) when `gcloud` is not on PATH.
//!
//! gcloud runs through the cockpit's shared harness
//! (tests/it/support/gcloud.rs), which keeps it on the emulator: an empty
//! environment, a private config, both endpoints overridden to 127.0.0.1,
//! no metadata probe, and every request it logs checked.

/// The cockpit's test support this crate shares (its gke.rs and
/// gcloud.rs): `gcloud` uses `gke` through `super`, as it does in tests/it.
#[path = "../../../tests/it/support"]
mod support {
    pub mod gcloud;
    pub mod gke;
}

use std::time::Duration;

use base64::Engine;
use gke_emulator::EmulatorConfig;
use serde_json::{Value, json};
use support::gcloud::{Gcloud, gcloud_on_path, tail};
use support::gke::{CA_PEM, Emulator, PROJECT};

const ZONE: &str = "us-central1-b";
const REGION: &str = "europe-west4";

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
        // CI has gcloud: there, its absence must fail, not pass unchecked.
        assert!(std::env::var_os("CI").is_none(), "gcloud is not on PATH");
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
