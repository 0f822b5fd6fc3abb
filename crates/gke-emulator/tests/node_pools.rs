//! Node pools over HTTP: google-cloud-container-v1's own ClusterManager
//! (the calls the cockpit makes: `create_node_pool`,
//! `set_node_pool_autoscaling`, `delete_node_pool`, with its
//! `enum-encoding=int` bodies) and plain requests for the forms it does not
//! send (gcloud's cluster update, the legacy `zones` paths, the admin
//! route, Service Usage), with GKE's errors. The emulator runs in-process
//! on 127.0.0.1 with long operations moved by its clock.

#[path = "../../../tests/it/support/gke.rs"]
mod gke_support;

use gke_support::{Emulator, PROJECT, ZONE};
use google_cloud_container_v1::client::ClusterManager;
use google_cloud_container_v1::model;
use serde_json::{Value, json};

async fn manager(emu: &Emulator) -> ClusterManager {
    ClusterManager::builder()
        .with_endpoint(emu.url.clone())
        .with_credentials(google_cloud_auth::credentials::anonymous::Builder::new().build())
        .build()
        .await
        .expect("client builds")
}

fn cluster_name(location: &str, cluster: &str) -> String {
    format!("projects/{PROJECT}/locations/{location}/clusters/{cluster}")
}

/// A RUNNING cluster made outside the API (the admin route).
async fn insert(emu: &Emulator, location: &str, cluster: Value) -> Value {
    let body = json!({"project": PROJECT, "location": location, "cluster": cluster});
    let (status, v) = emu
        .http("POST", "/emulator/clusters", &body.to_string())
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn get(emu: &Emulator, path: &str) -> Value {
    let (status, v) = emu.http("GET", path, "").await;
    assert_eq!(status, 200, "GET {path}: {v}");
    v
}

#[tokio::test]
async fn the_client_creates_scales_and_deletes_a_user_pool() {
    let emu = Emulator::start(10.0).await;
    let gke = manager(&emu).await;
    let c = insert(&emu, ZONE, json!({"name": "hub", "initialNodeCount": 2})).await;
    assert_eq!(c["status"], "RUNNING");
    emu.clear_requests().await;

    let pool = model::NodePool::new()
        .set_name("user-pool")
        .set_initial_node_count(0)
        .set_config(
            model::NodeConfig::new()
                .set_machine_type("n2-highmem-4")
                .set_labels([("hub.jupyter.org/node-purpose", "user")])
                .set_taints([model::NodeTaint::new()
                    .set_key("hub.jupyter.org_dedicated")
                    .set_value("user")
                    .set_effect(model::node_taint::Effect::NoSchedule)]),
        )
        .set_autoscaling(
            model::NodePoolAutoscaling::new()
                .set_enabled(true)
                .set_min_node_count(0)
                .set_max_node_count(3),
        );
    let op = gke
        .create_node_pool()
        .set_parent(cluster_name(ZONE, "hub"))
        .set_node_pool(pool.clone())
        .send()
        .await
        .expect("create_node_pool");
    assert_eq!(op.operation_type, model::operation::Type::CreateNodePool);
    assert_eq!(op.status, model::operation::Status::Pending);
    assert!(
        op.target_link
            .ends_with("/clusters/hub/nodePools/user-pool"),
        "{}",
        op.target_link
    );
    assert!(op.detail.contains("node pool user-pool"), "{}", op.detail);
    let (_, requests) = emu.requests().await;
    assert_eq!(requests[0]["method"], "POST");
    assert_eq!(
        requests[0]["path"],
        format!("/v1/projects/{PROJECT}/locations/{ZONE}/clusters/hub/nodePools")
    );

    let c = gke
        .get_cluster()
        .set_name(cluster_name(ZONE, "hub"))
        .send()
        .await
        .unwrap();
    assert_eq!(c.status, model::cluster::Status::Reconciling);
    let p = &c.node_pools[1];
    assert_eq!(p.status, model::node_pool::Status::Provisioning);
    // A second operation meanwhile is refused, as GKE refuses it.
    let e = gke
        .create_node_pool()
        .set_parent(cluster_name(ZONE, "hub"))
        .set_node_pool(pool.clone().set_name("second"))
        .send()
        .await
        .unwrap_err();
    let status = e.status().expect("a service error");
    assert_eq!(
        status.code,
        google_cloud_gax::error::rpc::Code::FailedPrecondition
    );
    assert!(
        status
            .message
            .contains("is currently creating node pool user-pool")
    );

    emu.advance(10.0).await;
    let done = gke
        .get_operation()
        .set_name(format!(
            "projects/{PROJECT}/locations/{ZONE}/operations/{}",
            op.name
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status, model::operation::Status::Done);
    assert!(done.error.is_none());
    let p = gke
        .get_node_pool()
        .set_name(format!("{}/nodePools/user-pool", cluster_name(ZONE, "hub")))
        .send()
        .await
        .unwrap();
    assert_eq!(p.status, model::node_pool::Status::Running);
    let config = p.config.as_ref().unwrap();
    assert_eq!(config.machine_type, "n2-highmem-4");
    assert_eq!(
        config
            .labels
            .get("hub.jupyter.org/node-purpose")
            .map(String::as_str),
        Some("user")
    );
    assert_eq!(
        config.taints[0].effect,
        model::node_taint::Effect::NoSchedule
    );
    let a = p.autoscaling.as_ref().unwrap();
    assert_eq!(
        (a.enabled, a.min_node_count, a.max_node_count),
        (true, 0, 3)
    );

    let e = gke
        .create_node_pool()
        .set_parent(cluster_name(ZONE, "hub"))
        .set_node_pool(pool.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.status().unwrap().code,
        google_cloud_gax::error::rpc::Code::AlreadyExists
    );

    let op = gke
        .set_node_pool_autoscaling()
        .set_name(format!("{}/nodePools/user-pool", cluster_name(ZONE, "hub")))
        .set_autoscaling(
            model::NodePoolAutoscaling::new()
                .set_enabled(true)
                .set_min_node_count(1)
                .set_max_node_count(5),
        )
        .send()
        .await
        .expect("set_node_pool_autoscaling");
    // GKE's Operation.Type has no autoscaling type.
    assert_eq!(op.operation_type, model::operation::Type::UpdateCluster);
    emu.advance(10.0).await;
    let c = get(&emu, &format!("/v1/{}", cluster_name(ZONE, "hub"))).await;
    assert_eq!(
        c["nodePools"][1]["autoscaling"],
        json!({"enabled": true, "minNodeCount": 1, "maxNodeCount": 5})
    );
    assert_eq!(c["currentNodeCount"], 3, "2 + the new minimum of 1");

    let op = gke
        .delete_node_pool()
        .set_name(format!("{}/nodePools/user-pool", cluster_name(ZONE, "hub")))
        .send()
        .await
        .expect("delete_node_pool");
    assert_eq!(op.operation_type, model::operation::Type::DeleteNodePool);
    let p = get(
        &emu,
        &format!("/v1/{}/nodePools/user-pool", cluster_name(ZONE, "hub")),
    )
    .await;
    assert_eq!(p["status"], "STOPPING");
    emu.advance(10.0).await;
    let e = gke
        .get_node_pool()
        .set_name(format!("{}/nodePools/user-pool", cluster_name(ZONE, "hub")))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.status().unwrap().code,
        google_cloud_gax::error::rpc::Code::NotFound
    );
}

#[tokio::test]
async fn gclouds_forms_and_gkes_errors_over_plain_http() {
    let emu = Emulator::start(10.0).await;
    insert(
        &emu,
        ZONE,
        json!({"name": "hub", "nodePools": [{"name": "default-pool", "initialNodeCount": 1}]}),
    )
    .await;
    let c = format!("/v1/projects/{PROJECT}/zones/{ZONE}/clusters/hub");

    // gcloud's autoscaling change: PUT on the cluster.
    let update = json!({"name": "x", "update": {"desiredNodePoolId": "default-pool",
        "desiredNodePoolAutoscaling": {"enabled": true, "minNodeCount": 2, "maxNodeCount": 4}}});
    let (status, op) = emu.http("PUT", &c, &update.to_string()).await;
    assert_eq!(status, 200, "{op}");
    assert_eq!(op["operationType"], "UPDATE_CLUSTER");
    assert_eq!(
        op["targetLink"],
        format!("{}{}", emu.url, c.replace("/zones/", "/locations/"))
    );
    let (status, busy) = emu.http("PUT", &c, &update.to_string()).await;
    assert_eq!(
        (status, busy["error"]["status"].as_str()),
        (400, Some("FAILED_PRECONDITION"))
    );
    emu.advance(10.0).await;
    let v = get(&emu, &c).await;
    assert_eq!(v["nodePools"][0]["autoscaling"]["minNodeCount"], 2);
    assert_eq!(v["currentNodeCount"], 2);
    // Other update fields are not emulated, and say so.
    let (status, e) = emu
        .http(
            "PUT",
            &c,
            r#"{"update": {"desiredMasterVersion": "latest"}}"#,
        )
        .await;
    assert_eq!(status, 501, "{e}");

    // The Rust client's legacy path for setAutoscaling.
    let (status, op) = emu
        .http(
            "POST",
            &format!("{c}/nodePools/default-pool/autoscaling"),
            r#"{"autoscaling": {"enabled": false}}"#,
        )
        .await;
    assert_eq!(status, 200, "{op}");
    emu.advance(10.0).await;
    let p = get(&emu, &format!("{c}/nodePools/default-pool")).await;
    assert!(p.get("autoscaling").is_none(), "{p}");

    for (method, path, body, want) in [
        (
            "POST",
            format!("{c}/nodePools/default-pool:setAutoscaling"),
            r#"{"autoscaling": {"enabled": true, "minNodeCount": 5, "maxNodeCount": 1}}"#,
            (400, "INVALID_ARGUMENT"),
        ),
        (
            "POST",
            format!("{c}/nodePools"),
            r#"{"nodePool": {"name": "Bad_Name"}}"#,
            (400, "INVALID_ARGUMENT"),
        ),
        (
            "POST",
            format!("{c}/nodePools"),
            r#"{"nodePool": {"name": "default-pool"}}"#,
            (409, "ALREADY_EXISTS"),
        ),
        (
            "POST",
            format!("{c}x/nodePools"),
            r#"{"nodePool": {"name": "np"}}"#,
            (404, "NOT_FOUND"),
        ),
        ("GET", format!("{c}/nodePools/nope"), "", (404, "NOT_FOUND")),
        (
            "DELETE",
            format!("{c}/nodePools/nope"),
            "",
            (404, "NOT_FOUND"),
        ),
        (
            "POST",
            format!("{c}/nodePools/default-pool:setSize"),
            "{}",
            (404, "NOT_FOUND"),
        ),
    ] {
        let (status, e) = emu.http(method, &path, body).await;
        assert_eq!(
            (status, e["error"]["status"].as_str().unwrap_or("")),
            (want.0, want.1),
            "{method} {path} {body}: {e}"
        );
        assert_eq!(e["error"]["code"], want.0);
    }

    // Service Usage says container.googleapis.com is on; a fault can say
    // otherwise.
    let s = get(
        &emu,
        &format!("/v1/projects/{PROJECT}/services/container.googleapis.com"),
    )
    .await;
    assert_eq!(s["state"], "ENABLED");

    // Listing across locations finds the cluster made in a region too.
    insert(
        &emu,
        "europe-west4",
        json!({"name": "elsewhere", "currentMasterVersion": "1.33.5-gke.1",
               "nodePools": [{"name": "pool-1", "initialNodeCount": 1}]}),
    )
    .await;
    let all = get(
        &emu,
        &format!("/v1/projects/{PROJECT}/locations/-/clusters"),
    )
    .await;
    let names: Vec<(&str, &str, i64)> = all["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["location"].as_str().unwrap(),
                c["currentNodeCount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("hub", ZONE, 2), ("elsewhere", "europe-west4", 3)]);
    let ops = get(
        &emu,
        &format!("/v1/projects/{PROJECT}/locations/-/operations"),
    )
    .await;
    assert_eq!(
        ops["operations"].as_array().unwrap().len(),
        2,
        "the inserts made none"
    );
    let (status, e) = emu
        .http(
            "POST",
            "/emulator/clusters",
            &json!({"project": PROJECT, "location": ZONE,
            "cluster": {"name": "hub"}})
            .to_string(),
        )
        .await;
    assert_eq!(
        (status, e["error"]["status"].as_str()),
        (409, Some("ALREADY_EXISTS"))
    );
    let (count, _) = emu.requests().await;
    assert_eq!(count, 16, "admin routes are not counted");
}
