//! The GKE workflow through the real client (google-cloud-container-v1)
//! against the emulator on 127.0.0.1: create → operation PENDING/RUNNING/
//! DONE with progress → cluster RUNNING with the rig's endpoint and CA →
//! list → delete → gone; injected GCP errors become their messages; names
//! are checked before any request. The emulator's binary is tested in its
//! own crate (crates/gke-emulator/tests/binary.rs).

use crate::support::gke as gke_support;

use std::time::{Duration, Instant};

use gke_emulator::EmulatorConfig;
use gke_support::{CA_PEM, Emulator, PROJECT, ZONE};
use jhub_cockpit::gke::{
    ClusterSpec, ClusterStatus, GkeErrorKind, NodePoolStatus, OperationKind, OperationStatus,
    ReleaseChannel, UserPoolSpec,
};

fn tutorial_spec() -> ClusterSpec {
    ClusterSpec {
        user_pool: Some(UserPoolSpec::default()),
        release_channel: ReleaseChannel::Stable,
        ..ClusterSpec::default()
    }
}

#[tokio::test]
async fn a_cluster_is_created_polled_listed_and_deleted() {
    // A long operation moved by the emulator's clock: each stage is seen
    // for certain, whatever the machine's load.
    let emu = Emulator::start(10.0).await;
    let gke = emu.client().await;

    let op = gke.create_cluster(PROJECT, &tutorial_spec()).await.unwrap();
    assert_eq!(op.kind, OperationKind::CreateCluster);
    assert_eq!(op.status, OperationStatus::Pending);
    assert_eq!(op.progress, Some((0, 3)), "user pool starts at 0 nodes");
    assert_eq!(op.cluster_name(), Some("notebook-test"));
    assert!(op.started.is_some() && op.ended.is_none());

    let c = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(c.status, ClusterStatus::Provisioning);
    assert!(!c.is_connectable());
    assert_eq!(c.endpoint, "", "no endpoint before the control plane is up");

    emu.advance(3.0).await;
    let running = gke.get_operation(PROJECT, ZONE, &op.name).await.unwrap();
    assert_eq!(running.status, OperationStatus::Running);
    assert_eq!(running.progress, Some((0, 3)));
    assert!(
        running.detail.contains("control plane"),
        "{}",
        running.detail
    );

    emu.advance(4.0).await; // 70%: control plane up, nodes coming
    let nodes = gke.get_operation(PROJECT, ZONE, &op.name).await.unwrap();
    assert_eq!(nodes.status, OperationStatus::Running);
    assert_eq!(nodes.progress, Some((1, 3)));
    let c = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(c.status, ClusterStatus::Provisioning);
    assert_eq!(c.endpoint, "127.0.0.1:26443");

    emu.advance(4.0).await;
    let done = gke.get_operation(PROJECT, ZONE, &op.name).await.unwrap();
    assert_eq!(done.status, OperationStatus::Done);
    assert_eq!(done.progress, Some((3, 3)));
    assert_eq!(done.error, None);
    assert!(done.ended > done.started);

    let c = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(c.status, ClusterStatus::Running);
    assert!(c.is_connectable());
    assert_eq!(c.server_url().as_deref(), Some("https://127.0.0.1:26443"));
    assert_eq!(c.ca_certificate_pem.as_deref(), Some(CA_PEM));
    assert_eq!(c.master_version, "1.36.3-gke.100");
    assert_eq!(c.location, ZONE);
    assert_eq!(c.release_channel, Some(ReleaseChannel::Stable));
    assert!(c.created.is_some());
    let pools: Vec<_> = c
        .node_pools
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.machine_type.as_str(),
                p.node_count,
                p.autoscaling,
            )
        })
        .collect();
    assert_eq!(
        pools,
        [
            ("default-pool", "n1-highmem-2", 3, None),
            ("user-pool", "n1-highmem-2", 0, Some((0, 3))),
        ]
    );
    assert!(
        c.node_pools
            .iter()
            .all(|p| p.status == NodePoolStatus::Running)
    );

    // The user pool's label and taint arrived as the z2jh guide has them
    // (the client sends the taint effect as a number; the emulator reads it).
    let (status, raw) = emu
        .http(
            "GET",
            "/v1/projects/demo/locations/us-central1-b/clusters/notebook-test",
            "",
        )
        .await;
    assert_eq!(status, 200);
    let user = &raw["nodePools"][1]["config"];
    assert_eq!(user["labels"]["hub.jupyter.org/node-purpose"], "user");
    assert_eq!(user["taints"][0]["key"], "hub.jupyter.org_dedicated");
    assert_eq!(user["taints"][0]["value"], "user");
    assert_eq!(user["taints"][0]["effect"], "NO_SCHEDULE");

    let listed = gke.list_clusters(PROJECT, ZONE).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], c);
    assert_eq!(gke.list_clusters(PROJECT, "-").await.unwrap().len(), 1);
    assert!(gke.list_clusters("other", ZONE).await.unwrap().is_empty());
    assert_eq!(gke.list_operations(PROJECT, ZONE).await.unwrap().len(), 1);

    let del = gke
        .delete_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(del.kind, OperationKind::DeleteCluster);
    assert_ne!(del.name, op.name);
    let c = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(c.status, ClusterStatus::Stopping);

    emu.advance(11.0).await;
    let del = gke.get_operation(PROJECT, ZONE, &del.name).await.unwrap();
    assert_eq!(del.status, OperationStatus::Done);
    let gone = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap_err();
    assert_eq!(gone.kind, GkeErrorKind::NotFound);
    assert!(gone.gcp_message.contains("Not found"), "{gone}");
    assert!(gke.list_clusters(PROJECT, ZONE).await.unwrap().is_empty());
}

#[tokio::test]
async fn operations_advance_with_real_time() {
    let emu = Emulator::start(1.5).await;
    let gke = emu.client().await;
    let spec = ClusterSpec {
        node_count: 4,
        ..ClusterSpec::default()
    };
    let op = gke.create_cluster(PROJECT, &spec).await.unwrap();
    let mut seen = vec![op.status.clone()];
    let mut last_done = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.last() != Some(&OperationStatus::Done) {
        assert!(Instant::now() < deadline, "stuck at {seen:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = gke.get_operation(PROJECT, ZONE, &op.name).await.unwrap();
        let (done, total) = now.progress.expect("progress metrics");
        assert_eq!(total, 4);
        assert!(
            done >= last_done,
            "progress went back: {done} < {last_done}"
        );
        last_done = done;
        if seen.last() != Some(&now.status) {
            seen.push(now.status);
        }
    }
    assert_eq!(
        seen,
        [
            OperationStatus::Pending,
            OperationStatus::Running,
            OperationStatus::Done
        ]
    );
    assert_eq!(last_done, 4);
    let c = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(c.status, ClusterStatus::Running);
}

/// (fault, expected kind, GCP status, text from GCP, text of the next step)
const INJECTED: [(&str, GkeErrorKind, &str, &str, &str); 6] = [
    (
        r#"{"method":"POST","pathContains":"/clusters","status":403,"count":1}"#,
        GkeErrorKind::PermissionDenied,
        "PERMISSION_DENIED",
        "Required \"container.clusters.create\" permission(s) for \"projects/demo\"",
        "roles/container.admin",
    ),
    (
        r#"{"method":"POST","status":403,"reason":"SERVICE_DISABLED","count":1}"#,
        GkeErrorKind::ServiceDisabled,
        "PERMISSION_DENIED",
        "Kubernetes Engine API has not been used in project demo before or it is disabled",
        "gcloud services enable container.googleapis.com --project demo",
    ),
    (
        r#"{"method":"POST","status":429,"count":1}"#,
        GkeErrorKind::QuotaExceeded,
        "RESOURCE_EXHAUSTED",
        "Insufficient regional quota to satisfy request: resource \"CPUS\"",
        "console.cloud.google.com/iam-admin/quotas?project=demo",
    ),
    (
        r#"{"method":"POST","status":409,"count":1}"#,
        GkeErrorKind::AlreadyExists,
        "ALREADY_EXISTS",
        "Already exists: projects/demo/locations/us-central1-b/clusters/notebook-test",
        "choose another cluster name",
    ),
    (
        r#"{"method":"POST","status":400,"count":1}"#,
        GkeErrorKind::InvalidArgument,
        "INVALID_ARGUMENT",
        "Machine type \"n1-highmem-2\" is not available in zone \"us-central1-b\"",
        "correct the value",
    ),
    (
        r#"{"method":"POST","status":401,"count":1}"#,
        GkeErrorKind::NoCredentials,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials",
        "gcloud auth application-default login",
    ),
];

#[tokio::test]
async fn each_injected_error_gives_gcps_text_and_the_next_step() {
    let emu = Emulator::start(10.0).await;
    let gke = emu.client().await;
    for (fault, kind, status, gcp_text, step) in INJECTED {
        emu.fault(fault).await;
        let e = gke
            .create_cluster(PROJECT, &ClusterSpec::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind, kind, "{fault}: {e}");
        // The status came from the JSON body, so the body had GCP's shape.
        assert_eq!(e.status, status, "{fault}: {e:?}");
        let shown = e.to_string();
        assert!(shown.contains(gcp_text), "{fault}: {shown}");
        assert!(shown.contains(step), "{fault}: {shown}");
        assert!(shown.contains("Next step:"), "{shown}");
    }
    // Every fault had count 1: all are spent, and the create now succeeds.
    let (_, faults) = emu.http("GET", "/emulator/faults", "").await;
    assert_eq!(faults["faults"].as_array().map(Vec::len), Some(0));
    gke.create_cluster(PROJECT, &ClusterSpec::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn real_conflicts_and_missing_things_are_gkes_errors() {
    let emu = Emulator::start(10.0).await;
    let gke = emu.client().await;
    gke.create_cluster(PROJECT, &ClusterSpec::default())
        .await
        .unwrap();
    let e = gke
        .create_cluster(PROJECT, &ClusterSpec::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, GkeErrorKind::AlreadyExists, "{e}");
    assert_eq!(e.http_status, Some(409));

    // GKE refuses a delete while the create runs.
    let e = gke
        .delete_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap_err();
    assert_eq!(e.kind, GkeErrorKind::FailedPrecondition, "{e}");
    assert!(
        e.gcp_message
            .contains("is currently creating cluster notebook-test")
    );

    let e = gke.get_cluster(PROJECT, ZONE, "nope").await.unwrap_err();
    assert_eq!(e.kind, GkeErrorKind::NotFound);
    assert!(
        e.next_step()
            .contains("gcloud container clusters list --project demo")
    );
    let e = gke
        .get_operation(PROJECT, ZONE, "operation-999")
        .await
        .unwrap_err();
    assert_eq!(e.kind, GkeErrorKind::NotFound);
}

#[tokio::test]
async fn a_bad_name_is_refused_before_any_request() {
    let emu = Emulator::start(10.0).await;
    let gke = emu.client().await;
    emu.clear_requests().await;
    for name in [
        "Notebook",
        "1abc",
        "ends-",
        "under_score",
        &"a".repeat(41),
        "",
    ] {
        let spec = ClusterSpec {
            name: name.to_string(),
            ..ClusterSpec::default()
        };
        let e = gke.create_cluster(PROJECT, &spec).await.unwrap_err();
        assert_eq!(e.kind, GkeErrorKind::InvalidName, "{name:?}: {e}");
        assert!(e.to_string().contains("lowercase letters"), "{e}");
        let e = gke.delete_cluster(PROJECT, ZONE, name).await.unwrap_err();
        assert_eq!(e.kind, GkeErrorKind::InvalidName, "{name:?}");
        let e = gke.get_cluster(PROJECT, ZONE, name).await.unwrap_err();
        assert_eq!(e.kind, GkeErrorKind::InvalidName, "{name:?}");
    }
    assert_eq!(emu.requests().await.0, 0, "a request reached the emulator");
    // The counter does count: one valid request shows up.
    gke.list_clusters(PROJECT, ZONE).await.unwrap();
    assert_eq!(emu.requests().await.0, 1);
}

#[tokio::test]
async fn the_clients_extra_query_parameters_are_ignored() {
    let emu = Emulator::start(10.0).await;
    let gke = emu.client().await;
    gke.create_cluster(PROJECT, &ClusterSpec::default())
        .await
        .unwrap();
    gke.list_clusters(PROJECT, ZONE).await.unwrap();
    let (_, requests) = emu.requests().await;
    let list = requests
        .iter()
        .find(|r| r["method"] == "GET")
        .expect("the list request");
    let query = list["query"].as_str().unwrap();
    // The library's `$alt=json;enum-encoding=int` and empty legacy fields.
    assert!(query.contains("alt=json"), "{query}");
    assert!(query.contains("projectId="), "{query}");
    assert!(query.contains("zone="), "{query}");
    // And any other parameter a client may add.
    let (status, body) = emu
        .http(
            "GET",
            "/v1/projects/demo/locations/us-central1-b/clusters?foo=bar&%24alt=json%3Benum-encoding%3Dint&projectId=&zone=",
            "",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["clusters"][0]["name"], "notebook-test");
    // The emulator answers with enum names, as GKE's JSON does by default.
    assert_eq!(body["clusters"][0]["status"], "PROVISIONING");
}

#[tokio::test]
async fn a_hung_request_times_out_as_unavailable() {
    let emu = Emulator::start(10.0).await;
    let gke = emu.client_with(Duration::from_millis(300), 1).await;
    emu.fault(r#"{"method":"GET","hangSeconds":5,"count":1}"#)
        .await;
    let t0 = Instant::now();
    let e = gke.list_clusters(PROJECT, ZONE).await.unwrap_err();
    assert_eq!(e.kind, GkeErrorKind::Unavailable, "{e}");
    assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
    assert!(e.next_step().contains("retry"));
}

#[tokio::test]
async fn a_transient_503_is_retried_by_the_client() {
    let emu = Emulator::start(10.0).await;
    let gke = emu.client().await;
    emu.fault(r#"{"method":"GET","status":503,"count":1}"#)
        .await;
    emu.clear_requests().await;
    gke.list_clusters(PROJECT, ZONE).await.unwrap();
    assert_eq!(emu.requests().await.0, 2, "one failure, one retry");
    // A permanent error is not retried.
    emu.fault(r#"{"method":"GET","status":403,"count":5}"#)
        .await;
    emu.clear_requests().await;
    let e = gke.list_clusters(PROJECT, ZONE).await.unwrap_err();
    assert_eq!(e.kind, GkeErrorKind::PermissionDenied);
    assert!(e.gcp_message.contains("container.clusters.list"), "{e}");
    assert_eq!(emu.requests().await.0, 1);
}

#[tokio::test]
async fn a_failed_operation_reports_gcps_error() {
    let emu = Emulator::start(10.0).await;
    let gke = emu.client().await;
    emu.fault(r#"{"method":"POST","failOperation":true,"status":429,"count":1}"#)
        .await;
    let op = gke
        .create_cluster(PROJECT, &ClusterSpec::default())
        .await
        .unwrap();
    assert_eq!(op.error, None, "not failed yet");
    emu.advance(11.0).await;
    let op = gke.get_operation(PROJECT, ZONE, &op.name).await.unwrap();
    assert!(op.is_done());
    let err = op.error.clone().expect("an error");
    assert_eq!(err.code, "RESOURCE_EXHAUSTED");
    let failure = op.failure(PROJECT).unwrap();
    assert_eq!(failure.kind, GkeErrorKind::QuotaExceeded);
    assert!(failure.to_string().contains("Insufficient regional quota"));
    let c = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(c.status, ClusterStatus::Error);
    assert!(c.status_message.contains("quota"), "{}", c.status_message);
}

#[tokio::test]
async fn the_state_file_keeps_clusters_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("gke-state.json");
    let config = || EmulatorConfig {
        op_duration: Duration::from_millis(100),
        state_file: Some(state.clone()),
        ..Default::default()
    };
    {
        let emu = Emulator::start_with(config()).await;
        let gke = emu.client().await;
        gke.create_cluster(PROJECT, &ClusterSpec::default())
            .await
            .unwrap();
    }
    assert!(state.is_file());
    let emu = Emulator::start_with(config()).await;
    let gke = emu.client().await;
    let listed = gke.list_clusters(PROJECT, ZONE).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "notebook-test");
    // 100 ms have long passed: the create settled on the first read.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let c = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(c.status, ClusterStatus::Running);
    // A new operation does not reuse the first one's name.
    let op = gke
        .delete_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(op.name, "operation-2");
}

#[tokio::test]
async fn admin_routes_refuse_bad_input_and_are_not_counted() {
    let emu = Emulator::start(10.0).await;
    let (status, body) = emu
        .http("POST", "/emulator/faults", r#"{"stauts":403}"#)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    let (status, _) = emu
        .http("POST", "/emulator/clock", r#"{"advanceSeconds":-1}"#)
        .await;
    assert_eq!(status, 400);
    // A fault matching every path still leaves the admin routes alone.
    emu.fault(r#"{"status":500}"#).await;
    let (status, _) = emu.http("GET", "/emulator/health", "").await;
    assert_eq!(status, 200);
    let (status, body) = emu
        .http("GET", "/v1/projects/demo/locations/l/clusters", "")
        .await;
    assert_eq!(status, 500);
    assert_eq!(body["error"]["status"], "INTERNAL");
    let (status, _) = emu.http("DELETE", "/emulator/faults", "").await;
    assert_eq!(status, 200);
    assert_eq!(emu.requests().await.0, 1, "only the API request counts");
    let (status, body) = emu.http("GET", "/v2/whatever", "").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["status"], "NOT_FOUND");
}
