//! The connection pieces of the GKE workflow on the rig's real API server:
//!
//! - a kubeconfig user with `tokenFile`, kept fresh by the cockpit's token
//!   refresher: the panes' watchers (kube::watch::start_with) go on receiving
//!   events after the token in the file is replaced and the old one
//!   revoked (ServiceAccount tokens from the TokenRequest API, bound to a
//!   Secret so that deleting the Secret revokes them);
//! - the z2jh cluster-admin binding: an account without cluster-admin is
//!   seen as such (SelfSubjectAccessReview), and the BindClusterAdmin
//!   action makes it cluster-admin.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::authentication::v1::TokenRequest;
use k8s_openapi::api::core::v1::{Namespace, Secret, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::{Api, DeleteParams, PostParams};
use serde_json::json;
use tokio::sync::mpsc;

use clap::Parser;
use jhub_cockpit::app::actions::Action;
use jhub_cockpit::app::{Kind, Msg, Object, WatchMsg};
use jhub_cockpit::cli::{Cli, resolve};
use jhub_cockpit::gke::token::{
    FetchError, FetchedToken, RefreshPolicy, TokenReport, TokenSource, keep_fresh,
};
use jhub_cockpit::kube::access;
use jhub_cockpit::profile::Settings;
use support::{TestNamespace, client, eventually, kubeconfig};

fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("a valid API object")
}

/// Deletes a cluster-scoped test object when dropped (kubectl: Drop
/// cannot await).
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for what in &self.0 {
            let _ = std::process::Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(kubeconfig())
                .args(["delete", what, "--ignore-not-found", "--wait=false"])
                .output();
        }
    }
}

/// Tokens of one ServiceAccount from the TokenRequest API, each bound to a
/// Secret of its own (`bound-<n>`). The first claims to expire in 20 s,
/// so the refresher replaces it within the test (the API's shortest real
/// lifetime is 10 minutes); the others claim their real lifetime.
struct RigTokens {
    namespace: String,
    client: kube::Client,
    issued: Arc<Mutex<Vec<String>>>,
}

impl TokenSource for RigTokens {
    async fn fetch(&mut self) -> Result<FetchedToken, FetchError> {
        let n = self.issued.lock().unwrap().len();
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), &self.namespace);
        let bound = secrets
            .create(
                &PostParams::default(),
                &from(json!({"metadata": {"name": format!("bound-{n}")}, "type": "Opaque"})),
            )
            .await
            .map_err(|e| FetchError::Transient(e.to_string()))?;
        let request: TokenRequest = from(json!({"spec": {
            "audiences": [],
            "expirationSeconds": 600,
            "boundObjectRef": {
                "apiVersion": "v1", "kind": "Secret",
                "name": bound.metadata.name, "uid": bound.metadata.uid
            }
        }}));
        let answer = Api::<ServiceAccount>::namespaced(self.client.clone(), &self.namespace)
            .create_token_request("cockpit", &PostParams::default(), &request)
            .await
            .map_err(|e| FetchError::Transient(e.to_string()))?;
        let token = answer.status.expect("a token").token;
        self.issued.lock().unwrap().push(token.clone());
        let lifetime = if n == 0 { 20 } else { 600 };
        Ok(FetchedToken {
            token,
            expires_at: Some(chrono::Utc::now() + chrono::Duration::seconds(lifetime)),
        })
    }
}

/// A TCP pass-through on 127.0.0.1 to the rig's API server, whose open
/// connections the test can cut: a long watch is authenticated once, when
/// it starts, so only a new connection shows which token the client sends
/// (in the cockpit, the watch's own timeout or a network blip does this).
struct Passthrough {
    port: u16,
    connections: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Passthrough {
    async fn start(target: String) -> Passthrough {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Default::default();
        let held = connections.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                held.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Passthrough {
            port,
            connections,
            accept,
        }
    }

    /// Drops every open connection.
    fn cut(&self) -> usize {
        let mut held = self.connections.lock().unwrap();
        let n = held.len();
        for c in held.drain(..) {
            c.abort();
        }
        n
    }
}

impl Drop for Passthrough {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

fn rig_server_and_ca() -> (String, String) {
    let text = std::fs::read_to_string(kubeconfig()).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let cluster = &doc["clusters"][0]["cluster"];
    (
        cluster["server"].as_str().unwrap().to_owned(),
        cluster["certificate-authority-data"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// A client that sends `token` as it is (no file), to see what the API
/// server makes of it.
async fn client_with_token(server: &str, ca: &str, token: &str) -> kube::Client {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: '{server}', certificate-authority-data: {ca}}}\nusers:\n- name: u\n  user: {{token: {token}}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n"
    );
    let config = kube::config::Kubeconfig::from_yaml(&text).unwrap();
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default())
        .await
        .unwrap();
    jhub_cockpit::kube::client::build(config).unwrap()
}

fn names_service(msg: &Msg, name: &str) -> bool {
    let is =
        |o: &Object| matches!(o, Object::Service(s) if s.metadata.name.as_deref() == Some(name));
    match msg {
        Msg::Watch(WatchMsg::Applied(o)) => is(o),
        Msg::Watch(WatchMsg::Relisted(Kind::Service, objects)) => objects.iter().any(is),
        _ => false,
    }
}

/// Receives until a message names the Service, returning the watch
/// failures seen meanwhile.
async fn until_service(
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    name: &str,
    timeout: Duration,
) -> Result<Vec<String>, Vec<String>> {
    let mut failures = Vec::new();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(msg)) => {
                if let Msg::Watch(WatchMsg::Failed(kind, e)) = &msg {
                    failures.push(format!("{kind:?}: {e}"));
                }
                if names_service(&msg, name) {
                    return Ok(failures);
                }
            }
            _ => return Err(failures),
        }
    }
}

#[tokio::test]
async fn the_panes_watches_outlive_a_replaced_and_revoked_token() {
    let admin = client().await;
    let ns = TestNamespace::new(&admin, "token").await;
    let ns = ns.name.clone();
    Api::<ServiceAccount>::namespaced(admin.clone(), &ns)
        .create(
            &PostParams::default(),
            &from(json!({"metadata": {"name": "cockpit"}})),
        )
        .await
        .unwrap();
    // The panes watch nodes and StorageClasses too: cluster-wide reads.
    let binding = format!("jhub-test-{ns}");
    let _cleanup = Cleanup(vec![format!("clusterrolebinding/{binding}")]);
    Api::<ClusterRoleBinding>::all(admin.clone())
        .create(
            &PostParams::default(),
            &from(json!({
                "metadata": {"name": binding},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "ServiceAccount", "name": "cockpit", "namespace": ns}]
            })),
        )
        .await
        .unwrap();

    let (server, ca) = rig_server_and_ca();
    let upstream = server
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned();
    let passthrough = Passthrough::start(upstream).await;
    let scratch = tempfile::tempdir().unwrap();
    let token_file = scratch.path().join("tokens/rig.token");
    let kubeconfig_path = scratch.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig_path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: rig\n  cluster: {{server: 'https://127.0.0.1:{}', certificate-authority-data: {ca}}}\nusers:\n- name: rig\n  user: {{tokenFile: '{}'}}\ncontexts:\n- name: rig\n  context: {{cluster: rig, user: rig, namespace: {ns}}}\ncurrent-context: rig\n",
            passthrough.port,
            token_file.display()
        ),
    )
    .unwrap();

    // The refresher, as the executor runs it.
    let issued: Arc<Mutex<Vec<String>>> = Default::default();
    let (report_tx, mut reports) = mpsc::unbounded_channel::<TokenReport>();
    let refresher = tokio::spawn(keep_fresh(
        RigTokens {
            namespace: ns.clone(),
            client: admin.clone(),
            issued: issued.clone(),
        },
        token_file.clone(),
        RefreshPolicy::default(),
        move |r| {
            let _ = report_tx.send(r);
        },
    ));
    let first = eventually(Duration::from_secs(20), || {
        let issued = issued.clone();
        let token_file = token_file.clone();
        async move {
            let first = issued.lock().unwrap().first().cloned()?;
            (std::fs::read_to_string(&token_file).ok()? == first).then_some(first)
        }
    })
    .await
    .expect("the first token is written");

    // The panes' client and watchers, through the kubeconfig.
    let connected = jhub_cockpit::kube::client::connect(Some(&kubeconfig_path), None)
        .await
        .unwrap();
    let connected_at = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let lists =
        jhub_cockpit::kube::lists_thread::client(connected.config.clone()).expect("lists' client");
    let _watchers = jhub_cockpit::kube::watch::start_with(
        &connected.client,
        &lists,
        &ns,
        tx,
        Default::default(),
    );
    let services: Api<Service> = Api::namespaced(admin.clone(), &ns);
    let service = |name: &str| -> Service {
        from(json!({"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}))
    };
    services
        .create(&PostParams::default(), &service("before"))
        .await
        .unwrap();
    until_service(&mut rx, "before", Duration::from_secs(20))
        .await
        .expect("the watch sees a Service made with the first token");

    // The refresher replaces the token at its half-life (10 s).
    let second = eventually(Duration::from_secs(30), || {
        let issued = issued.clone();
        let token_file = token_file.clone();
        async move {
            let second = issued.lock().unwrap().get(1).cloned()?;
            (std::fs::read_to_string(&token_file).ok()? == second).then_some(second)
        }
    })
    .await
    .expect("the token file holds a second token within 30 s");
    assert_ne!(first, second);

    // Past kube's minute of caching the file (as in a session, where the
    // new token is written at half-life, long before the old one dies),
    // the old token is revoked...
    let cached_until = connected_at + Duration::from_secs(62);
    tokio::time::sleep_until(cached_until.into()).await;
    Api::<Secret>::namespaced(admin.clone(), &ns)
        .delete("bound-0", &DeleteParams::default())
        .await
        .unwrap();
    let old = client_with_token(&server, &ca, &first).await;
    let refused = eventually(Duration::from_secs(30), || {
        let old = old.clone();
        async move {
            match Api::<Namespace>::all(old).list(&Default::default()).await {
                Err(kube::Error::Api(e)) if e.code == 401 => Some(()),
                _ => None,
            }
        }
    })
    .await;
    assert!(
        refused.is_some(),
        "the first token still works after its Secret was deleted"
    );
    let new = client_with_token(&server, &ca, &second).await;
    Api::<Namespace>::all(new)
        .list(&Default::default())
        .await
        .expect("the second token works");

    // ...and every watch connection dropped: the watchers come back on
    // their own, with the file's new token, and go on receiving events.
    assert!(passthrough.cut() > 0, "the watchers had connections open");
    services
        .create(&PostParams::default(), &service("after"))
        .await
        .unwrap();
    let failures = until_service(&mut rx, "after", Duration::from_secs(60))
        .await
        .unwrap_or_else(|f| {
            panic!("the watch did not see Service after within 60 s; failures: {f:#?}")
        });
    let unauthorized: Vec<&String> = failures
        .iter()
        .filter(|f| f.contains("401") || f.contains("Unauthorized"))
        .collect();
    assert!(
        unauthorized.is_empty(),
        "the old token was sent: {unauthorized:#?}"
    );
    assert!(
        reports.try_recv().is_err(),
        "the refresher reported no trouble"
    );
    refresher.abort();
}

#[tokio::test]
async fn an_account_without_cluster_admin_is_offered_and_given_the_binding() {
    let admin = client().await;
    // A namespace only for a unique name, and removal of what was made.
    let ns = TestNamespace::new(&admin, "admin").await;
    let user = format!("operator-{}@example.com", ns.name);
    // The operator's own view, as the API server authenticates them.
    let mut as_user = crate::support::config().await;
    as_user.auth_info.impersonate = Some(user.clone());
    let as_user = jhub_cockpit::kube::client::build(as_user).unwrap();

    assert!(
        access::has_cluster_admin(&admin).await.unwrap(),
        "the rig's admin is"
    );
    assert!(!access::has_cluster_admin(&as_user).await.unwrap());
    assert_eq!(
        access::user_name(&as_user).await.unwrap().as_deref(),
        Some(user.as_str())
    );

    // The action the dialog runs, through deploy::run as the executor does.
    let cli = Cli::parse_from([
        "jhub-cockpit",
        "--kubeconfig",
        kubeconfig().to_str().unwrap(),
    ]);
    let resolved = resolve(&cli.target, &Settings::default());
    let config = resolved.deploy_config(&ns.name, std::path::Path::new("/tmp"));
    let binding = jhub_cockpit::deploy::CLUSTER_ADMIN_BINDING;
    let bindings: Api<ClusterRoleBinding> = Api::all(admin.clone());
    let existed = bindings.get_opt(binding).await.unwrap().is_some();
    let _cleanup = RemoveSubject {
        user: user.clone(),
        delete_binding: !existed,
    };
    let mut lines = Vec::new();
    let summary = jhub_cockpit::deploy::run(
        &Action::BindClusterAdmin { user: user.clone() },
        &config,
        0,
        |l| lines.push(l),
    )
    .await
    .unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(
        summary,
        format!("ClusterRoleBinding {binding} made: {user} is cluster-admin")
    );
    assert_eq!(
        lines,
        [format!(
            "kubectl create clusterrolebinding {binding} --clusterrole=cluster-admin --user={user}"
        )]
    );
    let made = bindings.get(binding).await.unwrap();
    assert_eq!(made.role_ref.name, "cluster-admin");
    let subjects = made.subjects.unwrap_or_default();
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.kind == "User" && s.name == user)
            .count(),
        1
    );
    let granted = eventually(Duration::from_secs(10), || {
        let as_user = as_user.clone();
        async move {
            access::has_cluster_admin(&as_user)
                .await
                .ok()?
                .then_some(())
        }
    })
    .await;
    assert!(
        granted.is_some(),
        "{user} is not cluster-admin after the binding"
    );

    // Again: the user is there already, nothing is duplicated.
    jhub_cockpit::deploy::run(
        &Action::BindClusterAdmin { user: user.clone() },
        &config,
        0,
        |_| {},
    )
    .await
    .unwrap_or_else(|f| panic!("{f}"));
    let again = bindings
        .get(binding)
        .await
        .unwrap()
        .subjects
        .unwrap_or_default();
    assert_eq!(again.iter().filter(|s| s.name == user).count(), 1);
}

/// Takes the test's user out of the shared binding (or deletes the binding
/// the test made), so the rig is left as it was.
struct RemoveSubject {
    user: String,
    delete_binding: bool,
}

impl Drop for RemoveSubject {
    fn drop(&mut self) {
        let binding = jhub_cockpit::deploy::CLUSTER_ADMIN_BINDING;
        let kubectl = |args: &[&str]| {
            std::process::Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(kubeconfig())
                .args(args)
                .output()
        };
        if self.delete_binding {
            let _ = kubectl(&[
                "delete",
                "clusterrolebinding",
                binding,
                "--ignore-not-found",
            ]);
            return;
        }
        let Ok(out) = kubectl(&["get", "clusterrolebinding", binding, "-o", "json"]) else {
            return;
        };
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
            return;
        };
        if let Some(i) = doc["subjects"]
            .as_array()
            .and_then(|s| s.iter().position(|s| s["name"] == self.user.as_str()))
        {
            let patch = format!(r#"[{{"op":"remove","path":"/subjects/{i}"}}]"#);
            let _ = kubectl(&[
                "patch",
                "clusterrolebinding",
                binding,
                "--type=json",
                "-p",
                &patch,
            ]);
        }
    }
}
