//! gcloud and the cockpit, side by side on one emulator whose clusters are
//! the rig: gcloud is Google's own client, so where the two read the same
//! API differently, the cockpit is the one that is wrong. Clusters made by
//! both (gcloud's in a zone, one made elsewhere in a region), a z2jh user
//! pool made by gcloud; then `clusters list` against `cluster list --json`,
//! `clusters describe` against the CA the cockpit writes, and
//! `get-credentials` against `cluster connect` on the same operator
//! kubeconfig. Skipped (with a line saying so) when `gcloud` is not on
//! PATH; gcloud runs through `support::gcloud`, which keeps it on the
//! emulator.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use kube::config::{Kubeconfig, NamedAuthInfo, NamedCluster};
use serde_json::{Value, json};

use crate::support::gcloud::{Gcloud, gcloud_on_path, tail};
use crate::support::gke::PROJECT;
use crate::support::gke_rig::emulator_on_rig;
use crate::support::headless::{Run, Workdir};

const ZONE: &str = "us-central1-b";
const REGION: &str = "europe-west4";

/// The operator's own kubeconfig, which both get-credentials and connect
/// start from: a comment and a context that has nothing to do with GKE.
const OPERATOR_KUBECONFIG: &str = "\
# the lab cluster: keep this entry (the operator's own notes)
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: lab
  context:
    cluster: lab
    user: lab
current-context: lab
users:
- name: lab
  user:
    token: lab-token
";

/// Runs the real binary against the emulator, with `kubeconfig` as its
/// `--kubeconfig` (tokio's process, so the in-process emulator keeps
/// serving on this test's runtime meanwhile).
async fn cockpit(emulator_url: &str, kubeconfig: &Path, args: &[&str]) -> Run {
    let work = Workdir::new(kubeconfig, None);
    let mut all = vec![
        "--gke-endpoint",
        emulator_url,
        "--project",
        PROJECT,
        "--location",
        ZONE,
    ];
    all.extend_from_slice(args);
    let mut cmd = work.command(&all);
    // The emulator's traffic must stay on loopback whatever proxy is set.
    cmd.env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    let out = tokio::process::Command::from(cmd)
        .kill_on_drop(true)
        .output()
        .await
        .expect("cannot run jhub-cockpit");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// gcloud's taint (`{key, value, effect: NO_SCHEDULE}`) in the cockpit's
/// form, kubectl's `key=value:NoSchedule`.
fn kubectl_taint(t: &Value) -> String {
    let effect = match t["effect"].as_str().unwrap_or_default() {
        "NO_SCHEDULE" => "NoSchedule",
        "PREFER_NO_SCHEDULE" => "PreferNoSchedule",
        "NO_EXECUTE" => "NoExecute",
        other => panic!("an effect gcloud does not print: {other}"),
    };
    format!(
        "{}={}:{effect}",
        t["key"].as_str().unwrap(),
        t["value"].as_str().unwrap_or_default()
    )
}

/// One pool as both sides can say it: name, machine type, autoscaling
/// (min, max), labels, taints in kubectl's form, status.
type Pool = (
    String,
    String,
    Option<(i64, i64)>,
    BTreeMap<String, String>,
    Vec<String>,
    String,
);

/// One cluster as both sides can say it, keyed by (name, location): status,
/// endpoint, node count, master version, pools.
type Row = (String, String, i64, String, Vec<Pool>);

fn strings(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// `gcloud container clusters list --format=json`, in the common form.
fn from_gcloud(listed: &Value) -> BTreeMap<(String, String), Row> {
    listed
        .as_array()
        .expect("gcloud lists an array")
        .iter()
        .map(|c| {
            let pools = c["nodePools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let a = &p["autoscaling"];
                    let autoscaling = (a["enabled"] == true).then(|| {
                        (
                            a["minNodeCount"].as_i64().unwrap_or(0),
                            a["maxNodeCount"].as_i64().unwrap_or(0),
                        )
                    });
                    let taints = p["config"]["taints"]
                        .as_array()
                        .map(|ts| ts.iter().map(kubectl_taint).collect())
                        .unwrap_or_default();
                    (
                        s(&p["name"]),
                        s(&p["config"]["machineType"]),
                        autoscaling,
                        strings(&p["config"]["labels"]),
                        taints,
                        s(&p["status"]),
                    )
                })
                .collect();
            (
                (s(&c["name"]), s(&c["location"])),
                (
                    s(&c["status"]),
                    s(&c["endpoint"]),
                    c["currentNodeCount"].as_i64().expect("currentNodeCount"),
                    s(&c["currentMasterVersion"]),
                    pools,
                ),
            )
        })
        .collect()
}

/// `jhub-cockpit cluster list --json`, in the common form.
fn from_cockpit(listed: &Value) -> BTreeMap<(String, String), Row> {
    listed
        .as_array()
        .expect("the cockpit lists an array")
        .iter()
        .map(|c| {
            let pools = c["node_pools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let a = &p["autoscaling"];
                    let autoscaling = (!a.is_null())
                        .then(|| (a["min"].as_i64().unwrap(), a["max"].as_i64().unwrap()));
                    let taints = p["taints"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|t| t.as_str().unwrap().to_owned())
                        .collect();
                    (
                        s(&p["name"]),
                        s(&p["machine_type"]),
                        autoscaling,
                        strings(&p["labels"]),
                        taints,
                        s(&p["status"]),
                    )
                })
                .collect();
            (
                (s(&c["name"]), s(&c["location"])),
                (
                    s(&c["status"]),
                    s(&c["endpoint"]),
                    c["node_count"].as_i64().expect("node_count"),
                    s(&c["master_version"]),
                    pools,
                ),
            )
        })
        .collect()
}

fn cluster_entry<'a>(k: &'a Kubeconfig, name: &str) -> &'a kube::config::Cluster {
    k.clusters
        .iter()
        .find(|c: &&NamedCluster| c.name == name)
        .and_then(|c| c.cluster.as_ref())
        .unwrap_or_else(|| panic!("no cluster {name}"))
}

fn user_entry<'a>(k: &'a Kubeconfig, name: &str) -> &'a kube::config::AuthInfo {
    k.auth_infos
        .iter()
        .find(|u: &&NamedAuthInfo| u.name == name)
        .and_then(|u| u.auth_info.as_ref())
        .unwrap_or_else(|| panic!("no user {name}"))
}

fn context_entry<'a>(k: &'a Kubeconfig, name: &str) -> &'a kube::config::Context {
    k.contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.as_ref())
        .unwrap_or_else(|| panic!("no context {name}"))
}

fn unbase64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcloud_and_the_cockpit_read_the_same_clusters() {
    let Some(exe) = gcloud_on_path() else {
        // CI has gcloud: there, its absence must fail, not pass unchecked.
        assert!(std::env::var_os("CI").is_none(), "gcloud is not on PATH");
        eprintln!("skipped: gcloud is not on PATH");
        return;
    };
    // Operations end before gcloud's first poll (it sleeps 5 s between
    // polls, which would make every waited command 5 s longer).
    let emu = emulator_on_rig(0.001).await;
    let url = emu.url.clone();
    let g = Gcloud::new(exe, emu);

    // gcloud's cluster, in a zone.
    g.json(&format!(
        "container clusters create course-hub --zone {ZONE} --num-nodes 2 \
         --machine-type e2-standard-4 --release-channel stable --format=json"
    ))
    .await;
    // One made elsewhere, in a region, with the z2jh user pool.
    let body = json!({"project": PROJECT, "location": REGION, "cluster": {
        "name": "spring-term",
        "nodePools": [
            {"name": "default-pool", "initialNodeCount": 1,
             "config": {"machineType": "e2-standard-2"}},
            {"name": "user-pool", "initialNodeCount": 0,
             "autoscaling": {"enabled": true, "minNodeCount": 0, "maxNodeCount": 3},
             "config": {"machineType": "n2-highmem-4",
                "labels": {"hub.jupyter.org/node-purpose": "user"},
                "taints": [{"key": "hub.jupyter.org_dedicated", "value": "user",
                            "effect": "NO_SCHEDULE"}]}}]}});
    let (status, v) = g
        .emu
        .http("POST", "/emulator/clusters", &body.to_string())
        .await;
    assert_eq!(status, 200, "{v}");
    // The user pool on gcloud's cluster, as the z2jh guide makes it.
    g.json(&format!(
        "container node-pools create user-pool --cluster course-hub --zone {ZONE} \
         --machine-type n2-highmem-4 --num-nodes 0 --enable-autoscaling \
         --min-nodes 0 --max-nodes 3 --node-labels hub.jupyter.org/node-purpose=user \
         --node-taints hub.jupyter.org_dedicated=user:NoSchedule --format=json"
    ))
    .await;

    // The list: every cluster, every pool, the same on both sides.
    let scratch = tempfile::tempdir().unwrap();
    let kubeconfig_b = scratch.path().join("kubeconfig-b");
    std::fs::write(&kubeconfig_b, OPERATOR_KUBECONFIG).unwrap();
    let by_gcloud = from_gcloud(&g.json("container clusters list --format=json").await);
    let run = cockpit(&url, &kubeconfig_b, &["cluster", "list", "--json"]).await;
    assert!(run.ok(), "cluster list --json: {run}");
    let listed: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run}"));
    let by_cockpit = from_cockpit(&listed);
    assert_eq!(by_cockpit, by_gcloud);
    // And what they agree on is the clusters made above, not two empties.
    let keys: Vec<_> = by_gcloud.keys().cloned().collect();
    assert_eq!(
        keys,
        [
            ("course-hub".to_owned(), ZONE.to_owned()),
            ("spring-term".to_owned(), REGION.to_owned())
        ]
    );
    let user_pool: Pool = (
        "user-pool".into(),
        "n2-highmem-4".into(),
        Some((0, 3)),
        [("hub.jupyter.org/node-purpose".into(), "user".into())].into(),
        vec!["hub.jupyter.org_dedicated=user:NoSchedule".into()],
        "RUNNING".into(),
    );
    for row in by_gcloud.values() {
        assert_eq!(row.0, "RUNNING");
        assert!(!row.1.is_empty() && !row.3.is_empty(), "{row:?}");
        assert!(row.4.contains(&user_pool), "{row:?}");
    }
    assert_eq!(by_gcloud[&keys[0]].2, 2, "course-hub's two nodes");

    // describe: the endpoint, and the CA the cockpit will write.
    let described = g
        .json(&format!(
            "container clusters describe course-hub --zone {ZONE} --format=json"
        ))
        .await;
    let ca = unbase64(
        described["masterAuth"]["clusterCaCertificate"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(s(&described["endpoint"]), by_cockpit[&keys[0]].1);

    // get-credentials into A and connect into B, from the same file.
    let kubeconfig_a = g.kubeconfig();
    std::fs::write(&kubeconfig_a, OPERATOR_KUBECONFIG).unwrap();
    g.json(&format!(
        "container clusters get-credentials course-hub --zone {ZONE}"
    ))
    .await;
    let run = cockpit(
        &url,
        &kubeconfig_b,
        &["cluster", "connect", "--name", "course-hub"],
    )
    .await;
    assert!(run.ok(), "cluster connect: {run}");
    let a = Kubeconfig::read_from(&kubeconfig_a).expect("gcloud's kubeconfig loads");
    let b = Kubeconfig::read_from(&kubeconfig_b).expect("the cockpit's kubeconfig loads");
    let context = format!("gke_{PROJECT}_{ZONE}_course-hub");
    for k in [&a, &b] {
        assert_eq!(k.current_context.as_deref(), Some(context.as_str()));
        let c = context_entry(k, &context);
        assert_eq!(c.cluster, context);
        assert_eq!(c.user.as_deref(), Some(context.as_str()));
        assert!(k.contexts.iter().any(|c| c.name == "lab"), "lab kept");
    }
    let (ca_a, ca_b) = (cluster_entry(&a, &context), cluster_entry(&b, &context));
    assert_eq!(
        ca_a.server.as_deref(),
        Some(format!("https://{}", s(&described["endpoint"])).as_str())
    );
    assert_eq!(ca_b.server, ca_a.server);
    let data =
        |c: &kube::config::Cluster| unbase64(c.certificate_authority_data.as_deref().unwrap());
    assert_eq!(data(ca_a), ca, "gcloud writes the CA it described");
    assert_eq!(data(ca_b), ca, "the cockpit writes the CA gcloud describes");
    // The users differ by design. gcloud always writes the
    // gke-gcloud-auth-plugin exec entry (real GKE has no client
    // certificates unless legacy auth is on, and gcloud ignores them). The
    // emulator's clusters hand out the rig's admin certificate
    // (masterAuth.clientCertificate), which the cockpit prefers because it
    // needs no plugin and no Google credentials: that is what lets the
    // cockpit's context reach the rig.
    let user_a = user_entry(&a, &context);
    let exec = user_a.exec.as_ref().expect("gcloud writes an exec entry");
    assert_eq!(exec.command.as_deref(), Some("gke-gcloud-auth-plugin"));
    let user_b = user_entry(&b, &context);
    assert!(
        user_b.client_certificate_data.is_some() && user_b.client_key_data.is_some(),
        "the cockpit writes the cluster's client certificate"
    );
    assert!(user_b.exec.is_none(), "and no exec entry");
    // The operator's own lines stay in the cockpit's file.
    let text_b = std::fs::read_to_string(&kubeconfig_b).unwrap();
    assert!(
        text_b.starts_with("# the lab cluster: keep this entry (the operator's own notes)\n"),
        "{text_b}"
    );
    assert_eq!(
        context_entry(&b, "lab").user.as_deref(),
        Some("lab"),
        "{text_b}"
    );

    // And the list now names the context connect wrote.
    let run = cockpit(&url, &kubeconfig_b, &["cluster", "list", "--json"]).await;
    assert!(run.ok(), "cluster list --json: {run}");
    let listed: Value = serde_json::from_str(&run.stdout).unwrap();
    let course = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "course-hub")
        .unwrap();
    assert_eq!(course["context"], context.as_str());
    assert_eq!(course["current"], true);

    // The text lists, as an operator reads them: gcloud's NUM_NODES is the
    // cockpit's NODES, and the context connect made current is marked.
    let out = g.run("container clusters list").await;
    assert!(
        out.ok,
        "gcloud container clusters list: {}",
        tail(&out.stderr)
    );
    let run = cockpit(&url, &kubeconfig_b, &["cluster", "list"]).await;
    assert!(run.ok(), "cluster list: {run}");
    let gcloud_nodes = column(&out.stdout, "NUM_NODES");
    assert_eq!(
        column(&run.stdout, "NODES"),
        gcloud_nodes,
        "{}\n{run}",
        out.stdout
    );
    assert_eq!(gcloud_nodes["course-hub"], "2", "{}", out.stdout);
    let contexts = column(&run.stdout, "CONTEXT");
    assert_eq!(contexts["course-hub"], "current", "{run}");
    assert_eq!(contexts["spring-term"], "-", "{run}");
}

/// One column of a text table (gcloud's or the cockpit's), by the first
/// column's value: the text under the header's letters, trimmed (a column
/// is left- or right-aligned under its header, and the columns are apart).
fn column(table: &str, header: &str) -> BTreeMap<String, String> {
    let mut lines = table.lines();
    let head = lines.next().unwrap_or_default();
    let at = head
        .find(header)
        .unwrap_or_else(|| panic!("no {header} column in:\n{table}"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let name = l.split_whitespace().next().unwrap_or_default().to_owned();
            let cell = l
                .get(at..(at + header.len()).min(l.len()))
                .unwrap_or_default();
            (name, cell.trim().to_owned())
        })
        .collect()
}
