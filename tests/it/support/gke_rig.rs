//! The GKE emulator whose clusters are the rig: its endpoint, CA and admin
//! certificate read from the rig's kubeconfig, as dev/demo serves it. Apart
//! from `gke.rs`, which the emulator's own tests share and which knows no
//! rig.

use std::time::Duration;

use gke_emulator::EmulatorConfig;

use super::gke::Emulator;

/// The rig's server, CA and admin certificate, from its kubeconfig.
pub fn rig_credentials() -> (String, Vec<u8>, Vec<u8>, Vec<u8>) {
    let text = std::fs::read_to_string(super::kubeconfig()).expect("rig kubeconfig");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("rig kubeconfig is YAML");
    let field = |list: &str, item: &str, key: &str| -> String {
        doc[list][0][item][key]
            .as_str()
            .unwrap_or_else(|| panic!("rig kubeconfig: no {list}[0].{item}.{key}"))
            .to_owned()
    };
    let b64 = |s: String| {
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, s)
            .expect("base64 in the rig kubeconfig")
    };
    (
        field("clusters", "cluster", "server"),
        b64(field("clusters", "cluster", "certificate-authority-data")),
        b64(field("users", "user", "client-certificate-data")),
        b64(field("users", "user", "client-key-data")),
    )
}

/// An emulator whose clusters are the rig (its endpoint, CA and admin
/// certificate), as dev/demo runs it.
pub async fn emulator_on_rig(op_seconds: f64) -> Emulator {
    let (server, ca, cert, key) = rig_credentials();
    let pem = |bytes: Vec<u8>| String::from_utf8(bytes).expect("PEM in the rig kubeconfig");
    Emulator::start_with(EmulatorConfig {
        op_duration: Duration::from_secs_f64(op_seconds),
        kube_endpoint: server,
        kube_ca_pem: Some(pem(ca)),
        kube_client_cert: Some((pem(cert), pem(key))),
        ..Default::default()
    })
    .await
}
