//! The `gke-emulator` binary, driven by the cockpit's GKE client: prints
//! its URL when ready, applies `--fault`, refuses a non-loopback host.
//! Here rather than in the cockpit's tests/it/gke/emulator.rs because only
//! this package's tests get the binary (`CARGO_BIN_EXE_gke-emulator`).

#[path = "../../../tests/it/support/gke.rs"]
mod gke_support;

use std::time::{Duration, Instant};

use gke_support::{CA_PEM, PROJECT, ZONE};
use jhub_cockpit::gke::{ClusterSpec, GkeErrorKind};

/// The binary: prints its URL when ready, applies `--fault`, refuses a
/// non-loopback host.
#[tokio::test]
async fn the_binary_prints_its_url_and_serves() {
    use tokio::io::AsyncBufReadExt;
    gke_support::refuse_proxies();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.crt");
    std::fs::write(&ca, CA_PEM).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gke-emulator"))
        .args(["--port", "0", "--op-seconds", "0.2", "--kube-ca-file"])
        .arg(&ca)
        .args([
            "--kube-endpoint",
            "https://127.0.0.1:39999",
            "--fault",
            r#"{"method":"GET","status":403,"reason":"SERVICE_DISABLED","count":1}"#,
        ])
        .env_remove("GKE_EMULATOR_FAULTS")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the emulator binary starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the ready line in time")
        .unwrap()
        .expect("a ready line");
    let url = line
        .strip_prefix("gke-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "the real port is printed: {url}");

    let gke = jhub_cockpit::gke::GkeClient::with_endpoint(url)
        .await
        .unwrap();
    let e = gke.list_clusters(PROJECT, ZONE).await.unwrap_err();
    assert_eq!(e.kind, GkeErrorKind::ServiceDisabled, "{e}");
    let op = gke
        .create_cluster(PROJECT, &ClusterSpec::default())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gke
        .get_operation(PROJECT, ZONE, &op.name)
        .await
        .unwrap()
        .is_done()
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c = gke
        .get_cluster(PROJECT, ZONE, "notebook-test")
        .await
        .unwrap();
    assert_eq!(c.endpoint, "127.0.0.1:39999");
    assert_eq!(c.ca_certificate_pem.as_deref(), Some(CA_PEM));
    child.kill().await.unwrap();

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_gke-emulator"))
        .args(["--host", "0.0.0.0", "--port", "0"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("non-loopback"));
}
