//! Connecting to a RUNNING cluster: a kubeconfig context written as
//! `gcloud container clusters get-credentials` writes it, so that helm and
//! kubectl talk to the same cluster as the panes; the context removed
//! again when its cluster is deleted (offered, not forced); the contexts
//! listed for the context switcher.
//!
//! The kubeconfig is the operator's file (~/.kube/config, often kept by
//! hand), so a write or removal edits its syntax tree (yaml-edit) and
//! changes only the context's own entries and `current-context`: comments,
//! key order, quoting and indentation elsewhere stay byte for byte. Each
//! edit is checked against the same change made on the parsed values and
//! must load in kube before the file is replaced; otherwise the file is
//! left as it was and the error says so.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result};
use base64::Engine;
use serde_yaml::Value;

use super::types::GkeCluster;
use crate::yaml_tree::root_mapping;

pub use super::names::context_name;

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

/// What gcloud writes into a kubeconfig that has nothing yet; its lists are
/// filled in gcloud's own layout (items at column 0) by [`skeleton`].
const EMPTY_KUBECONFIG: &str = "apiVersion: v1\nclusters: []\ncontexts: []\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: []\n";

/// A list item `{name: <name>, <body_key>: <body>}`.
fn named_item(name: &str, body_key: &str, body: Value) -> Value {
    let mut item = serde_yaml::Mapping::new();
    item.insert(Value::from("name"), Value::from(name));
    item.insert(Value::from(body_key), body);
    Value::Mapping(item)
}

/// A value as block YAML text, rendered by serde_yaml so its quoting is
/// right whatever the strings hold (the token file's path, say).
fn yaml_text(value: &Value) -> Result<String, String> {
    serde_yaml::to_string(value).map_err(|e| format!("cannot render an entry ({e})"))
}

/// The `name` of a list item in the syntax tree, unquoted.
fn item_name(item: &yaml_edit::YamlNode) -> Option<String> {
    let name = item.as_mapping()?.get("name")?;
    Some(name.as_scalar()?.as_string())
}

/// The positions of the items named `name` in `seq`.
fn positions(seq: &yaml_edit::Sequence, name: &str) -> Vec<usize> {
    seq.values()
        .enumerate()
        .filter(|(_, item)| item_name(item).as_deref() == Some(name))
        .map(|(i, _)| i)
        .collect()
}

/// The first node of a one-key YAML snippet, to put into the tree: taking
/// nodes from parsed text keeps their quoting exactly as rendered.
fn snippet_node(text: &str, key: &str) -> Result<yaml_edit::YamlNode, String> {
    let file = yaml_edit::YamlFile::from_str(text).map_err(|e| format!("{e}"))?;
    root_mapping(&file)
        .and_then(|m| m.get(key))
        .ok_or_else(|| format!("the snippet {text:?} has no {key}"))
}

/// A list item as a mapping of the syntax tree.
fn item_mapping(item: &Value) -> Result<yaml_edit::Mapping, String> {
    let file = yaml_edit::YamlFile::from_str(&yaml_text(item)?).map_err(|e| format!("{e}"))?;
    root_mapping(&file).ok_or_else(|| "an entry is not a mapping".to_owned())
}

/// The kubeconfig as it must read after the edit, computed on the parsed
/// values: the edited text is checked against it, so an edit of the syntax
/// tree that changed anything else is caught before the file is written.
fn expected_after_write(
    mut doc: Value,
    name: &str,
    items: &[(&str, Value)],
) -> Result<Value, String> {
    let map = doc
        .as_mapping_mut()
        .ok_or("its top level is not a mapping of keys")?;
    for (key, item) in items {
        let list = map
            .entry(Value::from(*key))
            .or_insert_with(|| Value::Sequence(Vec::new()));
        if list.is_null() {
            *list = Value::Sequence(Vec::new());
        }
        let seq = list
            .as_sequence_mut()
            .ok_or_else(|| format!("its {key} is not a list"))?;
        let named = |v: &Value| v.get("name").and_then(Value::as_str) == Some(name);
        match seq.iter().position(named) {
            Some(first) => {
                seq[first] = item.clone();
                let mut i = first + 1;
                while i < seq.len() {
                    if named(&seq[i]) {
                        seq.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
            None => seq.push(item.clone()),
        }
    }
    map.insert(Value::from("current-context"), Value::from(name));
    Ok(doc)
}

/// An item of a list as gcloud writes it: `- ` before the first line, two
/// spaces before the others.
fn list_item(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, line)| format!("{}{line}\n", if i == 0 { "- " } else { "  " }))
        .collect()
}

/// A new kubeconfig holding only the context: gcloud's skeleton, its keys
/// in gcloud's (sorted) order and its lists at column 0.
fn skeleton(name: &str, items: &[(&str, Value)]) -> Result<String, String> {
    let list = |key: &str| -> Result<String, String> {
        let (_, item) = items.iter().find(|(k, _)| *k == key).expect("every list");
        Ok(format!("{key}:\n{}", list_item(&yaml_text(item)?)))
    };
    Ok(format!(
        "apiVersion: v1\n{}{}current-context: {}kind: Config\npreferences: {{}}\n{}",
        list("clusters")?,
        list("contexts")?,
        yaml_text(&Value::from(name))?,
        list("users")?
    ))
}

/// The kubeconfig `text` with `items` (one per list, named `name`) in
/// place and `name` current, every other byte as it was: an item of the
/// same name is replaced where it stands (left as written when it already
/// says the same), else the item is appended to its list, made if absent.
/// `Err` says why the text cannot be edited that way.
fn edit_write(text: &str, name: &str, items: &[(&str, Value)]) -> Result<String, String> {
    let original: Value =
        serde_yaml::from_str(text).map_err(|e| format!("it is not a YAML document ({e})"))?;
    if original.is_null() {
        // Empty, or comments only: gcloud's skeleton after the comments.
        let base: Value = serde_yaml::from_str(EMPTY_KUBECONFIG).expect("the skeleton parses");
        let expected = expected_after_write(base, name, items)?;
        let newline = if text.is_empty() || text.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        return checked(
            format!("{text}{newline}{}", skeleton(name, items)?),
            &expected,
        );
    }
    let expected = expected_after_write(original.clone(), name, items)?;
    let file = yaml_edit::YamlFile::from_str(text)
        .map_err(|e| format!("it cannot be edited as YAML ({e})"))?;
    if file.documents().count() != 1 {
        return Err("it holds more than one YAML document".into());
    }
    let root = root_mapping(&file).ok_or("its top level is not a block of keys")?;
    for (key, item) in items {
        let seq = match root.get_sequence(*key) {
            // An empty `[]` (gcloud's skeleton) becomes a block list
            // rather than a one-line flow list holding the whole entry.
            Some(seq) if !(seq.is_empty() && seq.is_flow_style()) => seq,
            _ => {
                root.set(*key, yaml_edit::Sequence::new());
                root.get_sequence(*key)
                    .ok_or_else(|| format!("cannot make its {key} list"))?
            }
        };
        let unchanged = original
            .get(*key)
            .and_then(Value::as_sequence)
            .and_then(|s| {
                s.iter()
                    .find(|v| v.get("name").and_then(Value::as_str) == Some(name))
            })
            == Some(item);
        let at = positions(&seq, name);
        // Later items of the same name would shadow or be shadowed by the
        // first, depending on the reader: only one is left.
        for &i in at.iter().skip(1).rev() {
            seq.remove(i);
        }
        match at.first() {
            Some(_) if unchanged => {}
            Some(&first) => {
                seq.set(first, item_mapping(item)?);
            }
            None => seq.push(item_mapping(item)?),
        }
    }
    if original.get("current-context").and_then(Value::as_str) != Some(name) {
        let node = snippet_node(
            &format!("current-context: {}", yaml_text(&Value::from(name))?),
            "current-context",
        )?;
        root.set("current-context", &node);
    }
    checked(file.to_string(), &expected)
}

/// `text` if it reads as `expected` and kube can load it as a kubeconfig.
fn checked(text: String, expected: &Value) -> Result<String, String> {
    let got: Value = serde_yaml::from_str(&text)
        .map_err(|e| format!("the edit would not read back as YAML ({e})"))?;
    if got != *expected {
        return Err("the edit would change more than the context's entries".into());
    }
    kube::config::Kubeconfig::from_yaml(&text)
        .map_err(|e| format!("the edited file would not load as a kubeconfig ({e})"))?;
    Ok(text)
}

/// The kubeconfig's text, `None` when there is no file.
fn read_kubeconfig(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            anyhow::anyhow!(
                "{} was left unchanged: it is not UTF-8 text. Fix or move it, then try again",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read the kubeconfig {}", path.display())),
    }
}

/// Writes (or updates) the cluster's context in `path` and makes it
/// current, as `gcloud container clusters get-credentials` does, by an
/// edit that leaves every other byte of the file as it was (see
/// [`edit_write`]); a file it cannot edit that way is refused, unchanged.
/// The file is written 0600 via a rename. When the context reads a token
/// file ([`super::token::managed_token_file`]), the caller writes its
/// first token before anything connects.
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
    let cluster_entry: Value = serde_yaml::from_str(&format!(
        "server: {server}\ncertificate-authority-data: {}\n",
        base64::engine::general_purpose::STANDARD.encode(ca)
    ))?;
    let plugin = on_path("gke-gcloud-auth-plugin").is_some();
    let context_entry: Value = serde_yaml::from_str(&format!("cluster: {name}\nuser: {name}\n"))?;
    let items = [
        ("clusters", named_item(&name, "cluster", cluster_entry)),
        (
            "users",
            named_item(&name, "user", user_entry(cluster, &name, plugin)?),
        ),
        ("contexts", named_item(&name, "context", context_entry)),
    ];
    let text = read_kubeconfig(path)?.unwrap_or_default();
    let edited = edit_write(&text, &name, &items).map_err(|why| {
        anyhow::anyhow!(
            "{} was left unchanged: {why}. Fix it (kubectl config view shows how kubectl reads it) or move it aside, then connect again",
            path.display()
        )
    })?;
    crate::secrets::write_private(path, &edited, true)
        .with_context(|| format!("cannot write the kubeconfig {}", path.display()))?;
    Ok(name)
}

/// What [`remove_context`] took out of the kubeconfig, for the UI to say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// The context, when the kubeconfig had it.
    pub context: Option<String>,
    /// The cluster entry of the context's own name, when no other context
    /// uses it.
    pub cluster: Option<String>,
    /// The user entry of the context's own name, when no other context
    /// uses it.
    pub user: Option<String>,
    /// The context was the current one: `current-context` is now `""`.
    pub was_current: bool,
}

impl Removed {
    /// Nothing was removed (no file, or no such context).
    pub fn is_empty(&self) -> bool {
        self.context.is_none()
    }
}

impl std::fmt::Display for Removed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(context) = &self.context else {
            return write!(f, "no such context: nothing removed");
        };
        write!(f, "removed context {context}")?;
        match (&self.cluster, &self.user) {
            (Some(_), Some(_)) => write!(f, " with its cluster and user entries")?,
            (Some(_), None) => write!(f, " with its cluster entry (its user is shared)")?,
            (None, Some(_)) => write!(f, " with its user entry (its cluster is shared)")?,
            (None, None) => {}
        }
        if self.was_current {
            write!(f, "; it was current, so no context is current now")?;
        }
        Ok(())
    }
}

/// The kubeconfig `text` without the context `context`, and without the
/// cluster and user entries of the same name (the ones gcloud writes with
/// it) when the context names them and no other context does; every other
/// byte as it was. A current context is unset to `""`, as gcloud leaves it
/// after deleting a cluster (`kubectl config delete-context` would leave
/// `current-context` naming the context that is gone).
fn edit_remove(text: &str, context: &str) -> Result<(String, Removed), String> {
    let original: Value =
        serde_yaml::from_str(text).map_err(|e| format!("it is not a YAML document ({e})"))?;
    if original.is_null() {
        return Ok((text.to_owned(), Removed::default()));
    }
    if !original.is_mapping() {
        return Err("its top level is not a mapping of keys".into());
    }
    let config = kube::config::Kubeconfig::from_yaml(text)
        .map_err(|e| format!("it does not load as a kubeconfig ({e})"))?;
    let Some(entry) = config.contexts.iter().find(|c| c.name == context) else {
        return Ok((text.to_owned(), Removed::default()));
    };
    let others = || {
        config
            .contexts
            .iter()
            .filter(|c| c.name != context)
            .filter_map(|c| c.context.as_ref())
    };
    let own_cluster = entry.context.as_ref().is_some_and(|c| c.cluster == context)
        && config.clusters.iter().any(|c| c.name == context)
        && !others().any(|c| c.cluster == context);
    let own_user = entry
        .context
        .as_ref()
        .is_some_and(|c| c.user.as_deref() == Some(context))
        && config.auth_infos.iter().any(|u| u.name == context)
        && !others().any(|c| c.user.as_deref() == Some(context));
    let removed = Removed {
        context: Some(context.to_owned()),
        cluster: own_cluster.then(|| context.to_owned()),
        user: own_user.then(|| context.to_owned()),
        was_current: config.current_context.as_deref() == Some(context),
    };
    let lists = [
        ("contexts", true),
        ("clusters", own_cluster),
        ("users", own_user),
    ];

    let mut expected = original;
    let map = expected.as_mapping_mut().expect("a mapping");
    for (key, _) in lists.iter().filter(|(_, drop)| *drop) {
        if let Some(seq) = map.get_mut(*key).and_then(Value::as_sequence_mut) {
            seq.retain(|v| v.get("name").and_then(Value::as_str) != Some(context));
        }
    }
    if removed.was_current {
        map.insert(Value::from("current-context"), Value::from(""));
    }

    let file = yaml_edit::YamlFile::from_str(text)
        .map_err(|e| format!("it cannot be edited as YAML ({e})"))?;
    if file.documents().count() != 1 {
        return Err("it holds more than one YAML document".into());
    }
    let root = root_mapping(&file).ok_or("its top level is not a block of keys")?;
    for (key, _) in lists.iter().filter(|(_, drop)| *drop) {
        if let Some(seq) = root.get_sequence(*key) {
            for &i in positions(&seq, context).iter().rev() {
                seq.remove(i);
            }
        }
    }
    if removed.was_current {
        root.set(
            "current-context",
            &snippet_node("current-context: \"\"\n", "current-context")?,
        );
    }
    Ok((checked(file.to_string(), &expected)?, removed))
}

/// Removes the context `context` from `path`, with the cluster and user
/// entries gcloud wrote under the same name when no other context uses
/// them, and unsets it if current; every other byte stays (see
/// [`edit_remove`]). Offered after a cluster is deleted, never forced: a
/// missing file or context is `Ok` with nothing removed, and the file is
/// only written when something was.
pub fn remove_context(path: &Path, context: &str) -> Result<Removed> {
    let Some(text) = read_kubeconfig(path)? else {
        return Ok(Removed::default());
    };
    let (edited, removed) = edit_remove(&text, context).map_err(|why| {
        anyhow::anyhow!(
            "{} was left unchanged: {why}. Remove the context by hand (kubectl config delete-context {context}), or fix the file and try again",
            path.display()
        )
    })?;
    if !removed.is_empty() {
        crate::secrets::write_private(path, &edited, true)
            .with_context(|| format!("cannot write the kubeconfig {}", path.display()))?;
    }
    Ok(removed)
}

/// A context of the kubeconfig, for the context switcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    pub name: String,
    /// The cluster entry it names (empty when it names none).
    pub cluster: String,
    pub user: Option<String>,
    pub namespace: Option<String>,
    /// It is the kubeconfig's `current-context`.
    pub current: bool,
}

/// The kubeconfig files to read, in order: --kubeconfig alone, else each
/// file in KUBECONFIG, else ~/.kube/config.
fn kubeconfig_files(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    if let Some(v) = std::env::var_os("KUBECONFIG") {
        let files: Vec<PathBuf> = std::env::split_paths(&v)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !files.is_empty() {
            return files;
        }
    }
    vec![kubeconfig_path(None)]
}

/// The contexts of `files` merged by kube's rules (the first file to name
/// a context or set current-context wins), in file order. A file that does
/// not exist is skipped, as kubectl skips it, where kube's
/// `Kubeconfig::read` would fail; an empty current-context is no current
/// context, so a later file's can stand.
fn contexts_in(files: &[PathBuf]) -> Result<Vec<ContextEntry>> {
    let mut merged = kube::config::Kubeconfig::default();
    for file in files.iter().filter(|f| f.exists()) {
        let mut one = kube::config::Kubeconfig::read_from(file)
            .with_context(|| format!("cannot read the kubeconfig {}", file.display()))?;
        one.current_context = one.current_context.filter(|c| !c.is_empty());
        merged = merged
            .merge(one)
            .with_context(|| format!("cannot merge the kubeconfig {}", file.display()))?;
    }
    let current = merged.current_context;
    Ok(merged
        .contexts
        .into_iter()
        .map(|c| {
            let context = c.context.unwrap_or_default();
            ContextEntry {
                current: current.as_deref() == Some(c.name.as_str()),
                name: c.name,
                cluster: context.cluster,
                user: context.user,
                namespace: context.namespace,
            }
        })
        .collect())
}

/// The kubeconfig's contexts, for the context switcher: `explicit`'s file
/// alone when given, else the files of KUBECONFIG merged as kube and
/// kubectl merge them, else ~/.kube/config. No file, no contexts. (Writes
/// go to [`kubeconfig_path`]'s one file.)
pub fn contexts(explicit: Option<&Path>) -> Result<Vec<ContextEntry>> {
    contexts_in(&kubeconfig_files(explicit))
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
            node_count: 3,
            node_pools: Vec::new(),
            created: None,
            release_channel: None,
        }
    }

    const OPERATOR: &str = "\
# Operator's kubeconfig: kept by hand.
apiVersion: v1
kind: Config
preferences:
  colors: true   # for kubectl get
clusters:
# the lab cluster
- cluster:
    certificate-authority-data: TEFC
    server: https://127.0.0.1:6443
  name: lab   # kubectl writes lists at column 0
- {name: flow-one, cluster: {server: 'https://127.0.0.1:7443'}}
users:
  # indented by two, as some tools write
  - name: lab
    user:
      token: t0k3n
  - name: flow-one
    user: {}
contexts:
- context:
    cluster: lab
    namespace: teaching
    user: lab
  name: lab
- {name: flow-one, context: {cluster: flow-one, user: flow-one}}
current-context: lab   # the one I use
# trailing comment at the end
";

    const GKE: &str = "gke_demo_us-central1-b_notebook-test";
    const CA: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";

    /// The cluster's three entries as a list at `indent` holds them.
    fn entries(indent: &str) -> [String; 3] {
        [
            format!(
                "{indent}- name: {GKE}\n{indent}  cluster:\n{indent}    server: https://127.0.0.1:26443\n{indent}    certificate-authority-data: {CA}\n"
            ),
            format!(
                "{indent}- name: {GKE}\n{indent}  user:\n{indent}    client-certificate-data: Q0VSVA==\n{indent}    client-key-data: S0VZ\n"
            ),
            format!(
                "{indent}- name: {GKE}\n{indent}  context:\n{indent}    cluster: {GKE}\n{indent}    user: {GKE}\n"
            ),
        ]
    }

    fn write(path: &Path) -> Result<String> {
        write_context(path, "demo", "us-central1-b", &cluster())
    }

    /// `text` written to a fresh kubeconfig, then the context written.
    fn written(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, text).unwrap();
        assert_eq!(write(&path).unwrap(), GKE);
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn writing_keeps_every_other_byte_of_a_commented_kubeconfig() {
        let [cluster, _, context] = entries("");
        let [_, user_indented, _] = entries("  ");
        let expected = OPERATOR
            .replace(
                "- {name: flow-one, cluster: {server: 'https://127.0.0.1:7443'}}\n",
                &format!(
                    "- {{name: flow-one, cluster: {{server: 'https://127.0.0.1:7443'}}}}\n{cluster}"
                ),
            )
            .replace(
                "  - name: flow-one\n    user: {}\n",
                &format!("  - name: flow-one\n    user: {{}}\n{user_indented}"),
            )
            .replace(
                "- {name: flow-one, context: {cluster: flow-one, user: flow-one}}\n",
                &format!(
                    "- {{name: flow-one, context: {{cluster: flow-one, user: flow-one}}}}\n{context}"
                ),
            )
            .replace(
                "current-context: lab   # the one I use",
                &format!("current-context: {GKE}   # the one I use"),
            );
        assert_eq!(written(OPERATOR), expected);
    }

    #[test]
    fn an_existing_entry_is_replaced_where_it_stands() {
        let before = format!(
            "\
clusters:
    # four spaces in
    - name: {GKE}   # stale
      cluster:
          server: https://10.0.0.1
    # the lab, after it
    - name: lab
      cluster: {{server: 'https://127.0.0.1:6443'}}
users:
- name: {GKE}
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- {{name: lab, user: {{}}}}
contexts: [{{name: lab, context: {{cluster: lab, user: lab}}}}, {{name: {GKE}, context: {{cluster: old, user: old}}}}]
current-context: {GKE}
"
        );
        let after = written(&before);
        // The cluster entry is new (the server changed) and stands first,
        // at the list's own indentation, yaml-edit keeping the comment of
        // its dash line on that line; the user entry already said the same
        // and is left as written; the flow context list stays flow.
        let expected = before
            .replace(
                &format!(
                    "    - name: {GKE}   # stale\n      cluster:\n          server: https://10.0.0.1\n"
                ),
                &format!(
                    "    -   # stale\n      name: {GKE}\n      cluster:\n        server: https://127.0.0.1:26443\n        certificate-authority-data: {CA}\n"
                ),
            )
            .replace(
                &format!("{{name: {GKE}, context: {{cluster: old, user: old}}}}"),
                &format!("{{name: {GKE}, context: {{cluster: {GKE}, user: {GKE}}}}}"),
            );
        assert_eq!(after, expected);
        let config = kube::config::Kubeconfig::from_yaml(&after).unwrap();
        let names: Vec<&str> = config.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, [GKE, "lab"]);
    }

    #[test]
    fn writing_twice_gives_the_same_bytes() {
        for start in [OPERATOR, "", "# mine\n", "apiVersion: v1\nusers: null\n"] {
            let once = written(start);
            assert_eq!(written(&once), once, "from {start:?}");
        }
    }

    #[test]
    fn an_empty_or_missing_file_gets_gclouds_skeleton() {
        let [cluster, user, context] = entries("");
        let skeleton = format!(
            "apiVersion: v1\nclusters:\n{cluster}contexts:\n{context}current-context: {GKE}\nkind: Config\npreferences: {{}}\nusers:\n{user}"
        );
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("kube").join("config");
        std::fs::create_dir_all(missing.parent().unwrap()).unwrap();
        write(&missing).unwrap();
        assert_eq!(std::fs::read_to_string(&missing).unwrap(), skeleton);
        assert_eq!(written(""), skeleton);
        assert_eq!(written("\n"), format!("\n{skeleton}"));
        assert_eq!(
            written("# my notes\n# more"),
            format!("# my notes\n# more\n{skeleton}")
        );
    }

    #[test]
    fn empty_and_null_lists_are_filled_in_block_style() {
        let [cluster, user, context] = entries("  ");
        // The comment on a line whose value changes stays on it.
        let before =
            "apiVersion: v1\nclusters: []\ncontexts:\nusers: null   # none\nkind: Config\n";
        assert_eq!(
            written(before),
            format!(
                "apiVersion: v1\nclusters:\n{cluster}contexts:\n{context}users: # none\n{user}kind: Config\ncurrent-context: {GKE}\n"
            )
        );
    }

    #[test]
    fn a_file_that_is_not_a_kubeconfig_mapping_is_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        for text in [
            "clusters: [\n",
            "- a\n- b\n",
            "just words\n",
            "clusters: {lab: 1}\n",
            "clusters:\n- name: a\n  cluster: {server: 1}\n---\nusers: []\n",
            "clusters: 3\n",
        ] {
            std::fs::write(&path, text).unwrap();
            let err = write(&path).unwrap_err().to_string();
            assert!(err.contains("was left unchanged"), "{text:?}: {err}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
        std::fs::write(&path, b"clusters: \xff\n").unwrap();
        assert!(write(&path).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"clusters: \xff\n");
    }

    #[test]
    fn the_written_context_loads_in_kube_with_its_server_and_ca() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, OPERATOR).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&path).unwrap();
        let config = kube::config::Kubeconfig::read_from(&path).unwrap();
        assert_eq!(config.current_context.as_deref(), Some(GKE));
        let context = config.contexts.iter().find(|c| c.name == GKE).unwrap();
        let context = context.context.as_ref().unwrap();
        assert_eq!(
            (context.cluster.as_str(), context.user.as_deref()),
            (GKE, Some(GKE))
        );
        let named = config.clusters.iter().find(|c| c.name == GKE).unwrap();
        let c = named.cluster.as_ref().unwrap();
        assert_eq!(c.server.as_deref(), Some("https://127.0.0.1:26443"));
        assert_eq!(c.certificate_authority_data.as_deref(), Some(CA));
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600,
            "credentials are private"
        );
    }

    #[test]
    fn unusual_layouts_keep_their_comments_and_lines() {
        for before in [
            "---\napiVersion: v1\nclusters:\n\n- name: a\n  cluster: {server: 'https://127.0.0.1:1'}\n\n# after a blank line\n...\n",
            "apiVersion: v1\r\nclusters:\r\n- name: a  # crlf\r\n  cluster: {server: 'https://127.0.0.1:1'}\r\n",
            "users:\n- name: u\n  user:\n    token: \"x#y\"   # a hash in a string\n# no newline at the end",
            "contexts:\n- name: a\n  context:\n    cluster: a\n    user: a\n    namespace: n\n  # inside the item\nkind: Config\n",
        ] {
            let after = written(before);
            let mut rest = after.lines();
            for line in before.lines() {
                assert!(
                    rest.any(|l| l == line),
                    "{line:?} of {before:?} is lost in {after:?}"
                );
            }
            assert_eq!(written(&after), after);
        }
    }

    fn kubeconfig_with_gke(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, text).unwrap();
        write(&path).unwrap();
        (dir, path)
    }

    #[test]
    fn removing_gives_back_every_other_byte() {
        let (_dir, path) = kubeconfig_with_gke(OPERATOR);
        let removed = remove_context(&path, GKE).unwrap();
        assert_eq!(
            removed,
            Removed {
                context: Some(GKE.into()),
                cluster: Some(GKE.into()),
                user: Some(GKE.into()),
                was_current: true,
            }
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            OPERATOR.replace(
                "current-context: lab   # the one I use",
                "current-context: \"\"   # the one I use"
            )
        );
        assert!(removed.to_string().contains("no context is current"));
        // From the skeleton, only the skeleton is left.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        write(&path).unwrap();
        remove_context(&path, GKE).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "apiVersion: v1\nclusters: []\ncontexts: []\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: []\n"
        );
    }

    #[test]
    fn removing_a_context_that_is_not_current_leaves_current_context() {
        let (_dir, path) = kubeconfig_with_gke(OPERATOR);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace(&format!("current-context: {GKE}"), "current-context: lab");
        std::fs::write(&path, &text).unwrap();
        let removed = remove_context(&path, GKE).unwrap();
        assert!(!removed.was_current);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), OPERATOR);
    }

    #[test]
    fn a_cluster_or_user_another_context_uses_stays() {
        let (_dir, path) = kubeconfig_with_gke("# mine\n");
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "contexts:\n",
            &format!("contexts:\n- name: admin\n  context: {{cluster: {GKE}, user: admin}}\n"),
        );
        std::fs::write(&path, &text).unwrap();
        let removed = remove_context(&path, GKE).unwrap();
        assert_eq!(removed.cluster, None, "admin still uses it");
        assert_eq!(removed.user.as_deref(), Some(GKE));
        let config = kube::config::Kubeconfig::read_from(&path).unwrap();
        assert_eq!(config.clusters.len(), 1);
        assert!(config.auth_infos.is_empty());
        assert_eq!(config.contexts.len(), 1);
        // A context pointing elsewhere takes only itself.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let text = format!(
            "clusters:\n- {{name: {GKE}, cluster: {{server: 'https://127.0.0.1:1'}}}}\ncontexts:\n- {{name: {GKE}, context: {{cluster: lab, user: lab}}}}\n"
        );
        std::fs::write(&path, &text).unwrap();
        let removed = remove_context(&path, GKE).unwrap();
        assert_eq!((removed.cluster, removed.user), (None, None));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!(
                "clusters:\n- {{name: {GKE}, cluster: {{server: 'https://127.0.0.1:1'}}}}\ncontexts: []\n"
            )
        );
    }

    #[test]
    fn removing_from_a_missing_file_or_context_removes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("config");
        let removed = remove_context(&missing, GKE).unwrap();
        assert!(removed.is_empty());
        assert!(!missing.exists(), "nothing is created");
        std::fs::write(&missing, OPERATOR).unwrap();
        std::fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(remove_context(&missing, GKE).unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(&missing).unwrap(), OPERATOR);
        let mode = std::fs::metadata(&missing).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "an unchanged file is not rewritten");
        std::fs::write(&missing, "- a\n").unwrap();
        let err = remove_context(&missing, GKE).unwrap_err().to_string();
        assert!(err.contains("left unchanged"), "{err}");
    }

    #[test]
    fn contexts_are_listed_and_merged_across_files() {
        let (_dir, path) = kubeconfig_with_gke(OPERATOR);
        let listed = contexts(Some(&path)).unwrap();
        let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["lab", "flow-one", GKE]);
        assert_eq!(
            listed[0],
            ContextEntry {
                name: "lab".into(),
                cluster: "lab".into(),
                user: Some("lab".into()),
                namespace: Some("teaching".into()),
                current: false,
            }
        );
        assert!(listed[2].current);
        // KUBECONFIG's files: the first to name a context wins, the first
        // non-empty current-context counts, a missing file is skipped.
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first");
        std::fs::write(
            &first,
            "contexts:\n- {name: lab, context: {cluster: mine, namespace: a}}\ncurrent-context: \"\"\n",
        )
        .unwrap();
        let files = [first, dir.path().join("gone"), path.clone()];
        let merged = contexts_in(&files).unwrap();
        let names: Vec<&str> = merged.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["lab", "flow-one", GKE]);
        assert_eq!(merged[0].cluster, "mine");
        assert!(merged[2].current);
        assert!(contexts(Some(&dir.path().join("none"))).unwrap().is_empty());
    }

    /// The written and the removed kubeconfig as the real kubectl reads
    /// them; skipped where kubectl is not installed.
    #[test]
    fn kubectl_reads_what_is_written_and_removed() {
        let Some(kubectl) = on_path("kubectl") else {
            eprintln!("kubectl is not on PATH: skipped");
            return;
        };
        let (_dir, path) = kubeconfig_with_gke(OPERATOR);
        let run = |args: &[&str]| {
            let out = std::process::Command::new(&kubectl)
                .arg("--kubeconfig")
                .arg(&path)
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "kubectl {args:?}: {out:?}");
            String::from_utf8(out.stdout).unwrap()
        };
        let view: serde_json::Value =
            serde_json::from_str(&run(&["config", "view", "--raw", "-o", "json"])).unwrap();
        assert_eq!(view["current-context"], GKE);
        let cluster = view["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == GKE)
            .unwrap();
        assert_eq!(cluster["cluster"]["server"], "https://127.0.0.1:26443");
        assert_eq!(cluster["cluster"]["certificate-authority-data"], CA);
        let names = run(&["config", "get-contexts", "-o", "name"]);
        assert_eq!(names, format!("flow-one\n{GKE}\nlab\n"));
        assert_eq!(run(&["config", "current-context"]), format!("{GKE}\n"));

        remove_context(&path, GKE).unwrap();
        let view: serde_json::Value =
            serde_json::from_str(&run(&["config", "view", "--raw", "-o", "json"])).unwrap();
        assert_eq!(view["current-context"], "");
        assert_eq!(view["clusters"].as_array().unwrap().len(), 2);
        assert_eq!(view["users"].as_array().unwrap().len(), 2);
        assert_eq!(
            run(&["config", "get-contexts", "-o", "name"]),
            "flow-one\nlab\n"
        );
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
