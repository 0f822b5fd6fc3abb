//! Connecting to a RUNNING cluster: a kubeconfig context written as
//! `gcloud container clusters get-credentials` writes it, so that helm and
//! kubectl talk to the same cluster as the panes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use base64::Engine;
use serde_yaml::Value;

use super::types::GkeCluster;

/// gcloud's context name: `gke_<project>_<location>_<cluster>`.
pub fn context_name(project: &str, location: &str, cluster: &str) -> String {
    format!("gke_{project}_{location}_{cluster}")
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// How the context authenticates: the cluster's client certificate when it
/// has one (legacy auth, and the emulator's clusters), else the
/// `gke-gcloud-auth-plugin` exec entry that gcloud writes when the plugin
/// is installed, else a token file the cockpit keeps fresh with an ADC
/// access token (see [`super::token`]; the caller writes the first token).
fn user_entry(cluster: &GkeCluster, context: &str, plugin_installed: bool) -> Result<Value> {
    let b64 = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem);
    if let (Some(cert), Some(key)) = (&cluster.client_certificate_pem, &cluster.client_key_pem) {
        return Ok(serde_yaml::from_str(&format!(
            "client-certificate-data: {}\nclient-key-data: {}\n",
            b64(cert),
            b64(key)
        ))?);
    }
    if !plugin_installed {
        let mut entry = serde_yaml::Mapping::new();
        entry.insert(
            Value::from("tokenFile"),
            Value::from(super::token::token_path(context).to_string_lossy().as_ref()),
        );
        return Ok(Value::Mapping(entry));
    }
    Ok(serde_yaml::from_str(
        "exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: gke-gcloud-auth-plugin\n  installHint: Install gke-gcloud-auth-plugin for use with kubectl by following https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin\n  provideClusterInfo: true\n  interactiveMode: IfAvailable\n",
    )?)
}

/// Puts `entry` under `name` in the kubeconfig list `key`, replacing one of
/// the same name.
fn upsert(doc: &mut Value, key: &str, item_key: &str, name: &str, entry: Value) {
    let map = doc.as_mapping_mut().expect("a mapping");
    let list = map
        .entry(Value::from(key))
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if !list.is_sequence() {
        *list = Value::Sequence(Vec::new());
    }
    let seq = list.as_sequence_mut().expect("a sequence");
    seq.retain(|item| item.get("name").and_then(Value::as_str) != Some(name));
    let mut item = serde_yaml::Mapping::new();
    item.insert(Value::from("name"), Value::from(name));
    item.insert(Value::from(item_key), entry);
    seq.push(Value::Mapping(item));
}

/// Writes (or updates) the cluster's context in `path` and makes it
/// current. The file is written 0600, whole, via a rename. When the
/// context reads a token file ([`super::token::managed_token_file`]), the
/// caller writes its first token before anything connects.
pub fn write_context(
    path: &Path,
    project: &str,
    location: &str,
    cluster: &GkeCluster,
) -> Result<String> {
    let server = cluster
        .server_url()
        .with_context(|| format!("cluster {} has no endpoint yet", cluster.name))?;
    let ca = cluster
        .ca_certificate_pem
        .as_deref()
        .with_context(|| format!("cluster {} reports no CA certificate", cluster.name))?;
    let name = context_name(project, location, &cluster.name);
    let mut doc: Value = match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => serde_yaml::from_str(&text).with_context(|| {
            format!(
                "{} is not a valid kubeconfig; fix or move it",
                path.display()
            )
        })?,
        _ => serde_yaml::from_str("apiVersion: v1\nkind: Config\npreferences: {}\n")?,
    };
    if !doc.is_mapping() {
        anyhow::bail!(
            "{} is not a kubeconfig mapping; fix or move it",
            path.display()
        );
    }
    let cluster_entry: Value = serde_yaml::from_str(&format!(
        "server: {server}\ncertificate-authority-data: {}\n",
        base64::engine::general_purpose::STANDARD.encode(ca)
    ))?;
    upsert(&mut doc, "clusters", "cluster", &name, cluster_entry);
    let plugin = on_path("gke-gcloud-auth-plugin").is_some();
    upsert(
        &mut doc,
        "users",
        "user",
        &name,
        user_entry(cluster, &name, plugin)?,
    );
    let context_entry: Value = serde_yaml::from_str(&format!("cluster: {name}\nuser: {name}\n"))?;
    upsert(&mut doc, "contexts", "context", &name, context_entry);
    doc.as_mapping_mut()
        .expect("a mapping")
        .insert(Value::from("current-context"), Value::from(name.as_str()));
    let text = serde_yaml::to_string(&doc)?;
    crate::secrets::write_private(path, &text, true)
        .with_context(|| format!("cannot write the kubeconfig {}", path.display()))?;
    Ok(name)
}

/// The kubeconfig file to write to: --kubeconfig, else the first file in
/// KUBECONFIG, else ~/.kube/config (where gcloud writes).
pub fn kubeconfig_path(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(v) = std::env::var_os("KUBECONFIG")
        && let Some(first) = std::env::split_paths(&v).find(|p| !p.as_os_str().is_empty())
    {
        return first;
    }
    dirs::home_dir()
        .unwrap_or_default()
        .join(".kube")
        .join("config")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gke::types::{ClusterStatus, GkeCluster};
    use std::os::unix::fs::PermissionsExt;

    fn cluster() -> GkeCluster {
        GkeCluster {
            name: "notebook-test".into(),
            location: "us-central1-b".into(),
            status: ClusterStatus::Running,
            status_message: String::new(),
            endpoint: "127.0.0.1:26443".into(),
            ca_certificate_pem: Some(
                "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n".into(),
            ),
            client_certificate_pem: Some("CERT".into()),
            client_key_pem: Some("KEY".into()),
            master_version: "1.36.3-gke.100".into(),
            node_pools: Vec::new(),
            created: None,
            release_channel: None,
        }
    }

    #[test]
    fn writes_a_context_beside_existing_ones_and_makes_it_current() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: rig\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: rig\n  context: {cluster: rig, user: rig}\nusers:\n- name: rig\n  user: {}\ncurrent-context: rig\n",
        )
        .unwrap();
        let name = write_context(&path, "demo", "us-central1-b", &cluster()).unwrap();
        assert_eq!(name, "gke_demo_us-central1-b_notebook-test");
        let written = kube::config::Kubeconfig::read_from(&path).unwrap();
        assert_eq!(written.current_context.as_deref(), Some(name.as_str()));
        assert_eq!(written.contexts.len(), 2, "the rig context stays");
        let c = written.clusters.iter().find(|c| c.name == name).unwrap();
        assert_eq!(
            c.cluster.as_ref().unwrap().server.as_deref(),
            Some("https://127.0.0.1:26443")
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Writing again replaces rather than duplicates.
        write_context(&path, "demo", "us-central1-b", &cluster()).unwrap();
        let again = kube::config::Kubeconfig::read_from(&path).unwrap();
        assert_eq!(again.contexts.len(), 2);
    }

    #[test]
    fn without_a_client_certificate_or_the_plugin_the_user_reads_a_token_file() {
        let mut c = cluster();
        c.client_certificate_pem = None;
        c.client_key_pem = None;
        let name = context_name("demo", "us-central1-b", &c.name);
        let entry = user_entry(&c, &name, false).unwrap();
        let file = entry.get("tokenFile").and_then(Value::as_str).unwrap();
        assert_eq!(
            std::path::Path::new(file),
            crate::gke::token::token_path(&name)
        );
        assert!(entry.get("exec").is_none());
        let with_plugin = user_entry(&c, &name, true).unwrap();
        assert_eq!(
            with_plugin["exec"]["command"].as_str(),
            Some("gke-gcloud-auth-plugin")
        );
        // The written kubeconfig names the file, and the cockpit knows it
        // as its own to keep fresh (the plugin is not on this PATH).
        if on_path("gke-gcloud-auth-plugin").is_none() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("config");
            let name = write_context(&path, "demo", "us-central1-b", &c).unwrap();
            assert_eq!(
                crate::gke::token::managed_token_file(Some(&path), Some(&name)),
                Some(crate::gke::token::token_path(&name))
            );
            assert_eq!(
                crate::gke::token::managed_token_file(Some(&path), None),
                Some(crate::gke::token::token_path(&name)),
                "the current context"
            );
        }
    }
}
