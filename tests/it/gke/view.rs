//! The GKE part of the cockpit, pure: the create form (tutorial defaults,
//! names refused before anything is sent), the typed delete, and the
//! cluster pane's GKE line, as snapshots.

use crate::support;
use crate::support::sizes;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use jhub_cockpit::app::actions::Action;
use jhub_cockpit::app::command::Retarget;
use jhub_cockpit::app::gke_view::GkeView;
use jhub_cockpit::app::{self, Command, Kind, Msg, Overlay, State, Target};
use jhub_cockpit::gke::{ClusterStatus, GkeCluster, NodePoolRow, NodePoolStatus};
use jhub_cockpit::plan::{ReleaseOnCluster, Survivors};
use support::cockpit::StateBuilder;
use support::objects::*;

fn cluster(status: ClusterStatus) -> GkeCluster {
    GkeCluster {
        name: "notebook-test".into(),
        location: "us-central1-b".into(),
        status,
        status_message: String::new(),
        endpoint: "127.0.0.1:26443".into(),
        ca_certificate_pem: Some("PEM".into()),
        client_certificate_pem: None,
        client_key_pem: None,
        master_version: "1.36.3-gke.100".into(),
        node_count: 3,
        node_pools: vec![NodePoolRow {
            name: "default-pool".into(),
            machine_type: "n1-highmem-2".into(),
            node_count: 3,
            autoscaling: None,
            status: NodePoolStatus::Running,
            status_message: String::new(),
            version: "1.36.3-gke.100".into(),
            labels: Default::default(),
            taints: Vec::new(),
        }],
        created: None,
        release_channel: None,
    }
}

fn state(with_release: bool) -> State {
    let releases = if with_release {
        vec![release_secret(
            "jhub",
            1,
            "deployed",
            "4.4.0",
            "2026-12-01T11:30:00Z",
        )]
    } else {
        vec![]
    };
    StateBuilder::new(Target {
        context: "gke_demo_us-central1-b_notebook-test".into(),
        namespace: "jhub".into(),
        ..Default::default()
    })
    .monochrome()
    .with(|s| {
        s.gke = Some(GkeView {
            project: "demo".into(),
            location: "us-central1-b".into(),
            ..Default::default()
        })
    })
    .sized(80, 24)
    .listed(Kind::Node, vec![node("rig-node-1", true)])
    .listed(Kind::Release, releases)
    .build()
}

fn key(s: &mut State, code: KeyCode) -> Vec<Command> {
    app::update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(s: &mut State, text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(key(s, KeyCode::Char(c)));
    }
    out
}

fn draw(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| jhub_cockpit::ui::render(f, s)).unwrap();
    format!("{}", t.backend())
}

#[test]
fn the_form_starts_with_the_tutorial_defaults_and_creates_after_y() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('c'));
    assert_eq!(s.top_overlay(), Some(&Overlay::CreateCluster));
    let form = s.create_form.clone().unwrap();
    assert_eq!(form.values[0], "notebook-test");
    assert_eq!(form.values[1], "us-central1-b");
    assert_eq!(form.values[2], "n1-highmem-2");
    assert_eq!(form.values[3], "3");
    assert_snapshot!("create_form", draw(&s));
    sizes::draws_at_every_size(&s);
    // Enter asks first; y runs.
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
    let commands = key(&mut s, KeyCode::Char('y'));
    match commands.as_slice() {
        [Command::Run(Action::CreateCluster(spec))] => {
            assert_eq!(spec.name, "notebook-test");
            assert_eq!(spec.node_count, 3);
            assert!(spec.user_pool.is_none());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_name_that_breaks_the_rules_is_refused_in_the_form() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('c'));
    for _ in 0.."notebook-test".len() {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "Notebook_Test");
    let commands = key(&mut s, KeyCode::Enter);
    assert!(commands.is_empty());
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::CreateCluster),
        "the form stays open"
    );
    let error = s.create_form.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("lowercase"), "{error}");
}

#[test]
fn the_user_pool_field_adds_the_z2jh_pool() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('c'));
    for _ in 0..4 {
        key(&mut s, KeyCode::Tab);
    }
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "5");
    // The user pool's own minimum and machine type.
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "1");
    key(&mut s, KeyCode::Tab);
    for _ in 0.."n1-highmem-2".len() {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "n2-highmem-4");
    key(&mut s, KeyCode::Enter);
    match key(&mut s, KeyCode::Char('y')).as_slice() {
        [Command::Run(Action::CreateCluster(spec))] => {
            let pool = spec.user_pool.as_ref().expect("a user pool");
            assert_eq!(
                (pool.name.as_str(), pool.min_nodes, pool.max_nodes),
                ("user-pool", 1, 5)
            );
            assert_eq!(pool.machine_type, "n2-highmem-4");
            assert_eq!(
                spec.machine_type, "n1-highmem-2",
                "the default pool's stays"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// What the look inside the cluster found (`Command::SurveyCluster`'s
/// answer): the release, a LoadBalancer of another namespace, two claims.
fn surveyed(s: &mut State, release: ReleaseOnCluster) {
    app::update(
        s,
        Msg::ClusterSurveyed {
            name: "notebook-test".into(),
            location: "us-central1-b".into(),
            release,
            survivors: Survivors::Listed {
                load_balancers: vec![
                    "jhub/proxy-public (34.1.2.3)".into(),
                    "monitoring/grafana (34.9.8.7)".into(),
                ],
                claims: vec![
                    "jhub/claim-ada (10Gi, standard-rwo)".into(),
                    "monitoring/prometheus-db (50Gi, standard-rwo)".into(),
                ],
                unread: vec![],
            },
        },
    );
}

fn installed() -> ReleaseOnCluster {
    ReleaseOnCluster::Installed {
        release: "jhub".into(),
        namespace: "jhub".into(),
    }
}

#[test]
fn delete_looks_inside_the_cluster_first() {
    let mut s = state(true);
    app::update(
        &mut s,
        Msg::GkeClusters(Ok(vec![cluster(ClusterStatus::Running)])),
    );
    assert_eq!(
        key(&mut s, KeyCode::Char('D')),
        vec![Command::SurveyCluster {
            name: "notebook-test".into(),
            location: "us-central1-b".into()
        }]
    );
    assert!(s.overlays.is_empty(), "the dialog waits for the answer");
}

#[test]
fn delete_needs_the_typed_name_and_uninstalls_first() {
    let mut s = state(true);
    app::update(
        &mut s,
        Msg::GkeClusters(Ok(vec![cluster(ClusterStatus::Running)])),
    );
    key(&mut s, KeyCode::Char('D'));
    surveyed(&mut s, installed());
    let explain = s.confirm.as_ref().unwrap().explain.join("\n");
    // The release's own LoadBalancer and claim go with its namespace; the
    // other namespace's are named as surviving.
    assert!(
        explain.contains("  LoadBalancer monitoring/grafana (34.9.8.7)"),
        "{explain}"
    );
    assert!(
        explain.contains("  disk of claim monitoring/prometheus-db (50Gi, standard-rwo)"),
        "{explain}"
    );
    assert!(!explain.contains("jhub/claim-ada"), "{explain}");
    assert_snapshot!("delete_dialog", draw(&s));
    // A long list scrolls with the keys that type nothing.
    key(&mut s, KeyCode::Down);
    assert_eq!(s.confirm.as_ref().unwrap().scroll, 1);
    key(&mut s, KeyCode::Up);
    assert_eq!(s.confirm.as_ref().unwrap().scroll, 0);
    sizes::draws_at_every_size(&s);
    assert!(typed(&mut s, "notebook-tes").is_empty());
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "a wrong name runs nothing"
    );
    assert!(
        s.footer
            .message
            .as_ref()
            .unwrap()
            .0
            .contains("did not match")
    );
    key(&mut s, KeyCode::Char('D'));
    surveyed(&mut s, installed());
    typed(&mut s, "notebook-test");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Command::Run(Action::DeleteCluster {
            name: "notebook-test".into(),
            location: "us-central1-b".into(),
            uninstall_first: true
        })]
    );
}

#[test]
fn a_cluster_that_cannot_be_read_is_deleted_without_an_uninstall_and_says_so() {
    let mut s = state(true);
    s.target.context = "rig".into();
    app::update(
        &mut s,
        Msg::GkeClusters(Ok(vec![cluster(ClusterStatus::Running)])),
    );
    // The panes are on none of the clusters: D in the clusters view.
    assert!(key(&mut s, KeyCode::Char('D')).is_empty());
    assert!(
        s.footer
            .message
            .as_ref()
            .unwrap()
            .0
            .contains("K lists them")
    );
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('D'));
    app::update(
        &mut s,
        Msg::ClusterSurveyed {
            name: "notebook-test".into(),
            location: "us-central1-b".into(),
            release: ReleaseOnCluster::NotKnown {
                why: "Cannot check notebook-test for a JupyterHub release (no context)".into(),
                instead: "uninstall it first".into(),
            },
            survivors: Survivors::NotKnown("notebook-test could not be read".into()),
        },
    );
    let explain = s.confirm.as_ref().unwrap().explain.join("\n");
    assert!(explain.contains("is NOT uninstalled"), "{explain}");
    assert!(
        explain.contains("What else outlives it is not known"),
        "{explain}"
    );
    typed(&mut s, "notebook-test");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Command::Run(Action::DeleteCluster {
            name: "notebook-test".into(),
            location: "us-central1-b".into(),
            uninstall_first: false
        })]
    );
}

#[test]
fn a_deleted_clusters_context_is_offered_for_removal() {
    let mut s = state(false);
    s.gke.as_mut().unwrap().kubeconfig = "/home/ada/.kube/config".into();
    app::update(
        &mut s,
        Msg::GkeClusters(Ok(vec![cluster(ClusterStatus::Running)])),
    );
    app::update(
        &mut s,
        Msg::Contexts(Ok(vec![jhub_cockpit::app::gke_view::KubeContext {
            name: "gke_demo_us-central1-b_notebook-test".into(),
            cluster: "gke_demo_us-central1-b_notebook-test".into(),
            namespace: None,
        }])),
    );
    key(&mut s, KeyCode::Char('D'));
    surveyed(&mut s, ReleaseOnCluster::NotInstalled);
    typed(&mut s, "notebook-test");
    key(&mut s, KeyCode::Enter);
    app::update(
        &mut s,
        Msg::OperationDone(Ok("cluster notebook-test deleted".into())),
    );
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::Confirm),
        "offered, not forced"
    );
    assert_eq!(
        key(&mut s, KeyCode::Char('y')),
        vec![Command::Run(Action::RemoveContext {
            path: "/home/ada/.kube/config".into(),
            context: "gke_demo_us-central1-b_notebook-test".into()
        })]
    );
}

#[test]
fn readonly_refuses_create_and_delete() {
    let mut s = state(true);
    s.target.readonly = true;
    app::update(
        &mut s,
        Msg::GkeClusters(Ok(vec![cluster(ClusterStatus::Running)])),
    );
    assert!(key(&mut s, KeyCode::Char('c')).is_empty());
    assert!(s.overlays.is_empty());
    assert!(key(&mut s, KeyCode::Char('D')).is_empty());
    assert!(s.overlays.is_empty());
    assert!(s.footer.message.as_ref().unwrap().0.contains("read-only"));
}

#[test]
fn the_cluster_pane_shows_the_gke_cluster() {
    let mut s = state(false);
    assert!(draw(&s).contains("GKE demo: listing every location"));
    app::update(&mut s, Msg::GkeClusters(Ok(vec![])));
    let screen = draw(&s);
    assert!(
        screen.contains("GKE: no cluster yet · c creates one"),
        "{screen}"
    );
    app::update(
        &mut s,
        Msg::GkeClusters(Ok(vec![cluster(ClusterStatus::Provisioning)])),
    );
    assert!(draw(&s).contains("GKE notebook-test PROVISIONING"));
    app::update(
        &mut s,
        Msg::GkeClusters(Ok(vec![cluster(ClusterStatus::Running)])),
    );
    assert_snapshot!("gke_pane", draw(&s));
    sizes::draws_at_every_size(&s);
    app::update(
        &mut s,
        Msg::GkeClusters(Err(
            "Permission denied: caller lacks container.clusters.list".into(),
        )),
    );
    assert!(draw(&s).contains("GKE: Permission denied"));
}

#[test]
fn a_created_cluster_switches_the_panes_to_its_context() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('c'));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('y'));
    let commands = app::update(
        &mut s,
        Msg::OperationDone(Ok("cluster notebook-test is RUNNING".into())),
    );
    assert_eq!(
        commands,
        vec![
            Command::Retarget(Retarget {
                context: Some("gke_demo_us-central1-b_notebook-test".into()),
                namespace: s.target.namespace.clone(),
                release: None,
                generation: s.target_generation,
            }),
            Command::ReadContexts
        ]
    );
    assert_eq!(s.target.context, "gke_demo_us-central1-b_notebook-test");
    assert!(
        s.resources.nodes.is_empty(),
        "the old cluster's rows are gone"
    );
}

#[test]
fn a_gke_context_is_checked_for_cluster_admin_once() {
    let mut s = state(false);
    let version = || Msg::Connected {
        server_version: "v1.36.3".into(),
    };
    assert_eq!(
        app::update(&mut s, version()),
        vec![Command::CheckClusterAdmin {
            context: "gke_demo_us-central1-b_notebook-test".into()
        }]
    );
    // A reconnection to the same context asks nothing again.
    assert_eq!(app::update(&mut s, version()), vec![]);
    // Not a GKE context of this project: nothing to check.
    let mut rig = state(false);
    rig.target.context = "rig".into();
    assert_eq!(app::update(&mut rig, version()), vec![]);
}

fn lacking_admin(s: &mut State, user: Option<&str>) {
    let context = s.target.context.clone();
    app::update(
        s,
        Msg::ClusterAdmin {
            context,
            allowed: false,
            user: user.map(str::to_owned),
        },
    );
}

#[test]
fn an_account_without_cluster_admin_is_offered_the_binding() {
    let mut s = state(false);
    lacking_admin(&mut s, Some("ada@example.com"));
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
    assert_snapshot!("cluster_admin_offer", draw(&s));
    sizes::draws_at_every_size(&s);
    assert_eq!(
        key(&mut s, KeyCode::Char('y')),
        vec![Command::Run(Action::BindClusterAdmin {
            user: "ada@example.com".into()
        })]
    );
    // Anything else skips it.
    let mut s = state(false);
    lacking_admin(&mut s, Some("ada@example.com"));
    assert_eq!(key(&mut s, KeyCode::Char('n')), vec![]);
    assert!(s.operation.is_none());
}

#[test]
fn without_a_user_name_the_footer_says_what_to_run() {
    let mut s = state(false);
    lacking_admin(&mut s, None);
    assert!(s.confirm.is_none());
    let (text, _) = s.footer.message.clone().unwrap();
    assert!(
        text.contains("kubectl create clusterrolebinding cluster-admin-binding --clusterrole=cluster-admin --user=<your Google account>"),
        "{text}"
    );
    // An answer for another context (the panes moved on) is ignored.
    let mut s = state(false);
    app::update(
        &mut s,
        Msg::ClusterAdmin {
            context: "gke_demo_us-central1-b_other".into(),
            allowed: false,
            user: Some("ada@example.com".into()),
        },
    );
    assert!(s.confirm.is_none() && s.footer.message.is_none());
}

#[test]
fn a_token_that_cannot_be_refreshed_says_how_to_log_in() {
    use jhub_cockpit::app::state::FooterLevel;
    use jhub_cockpit::gke::token::TokenReport;
    let mut s = state(false);
    app::update(
        &mut s,
        Msg::GkeToken(TokenReport::Expired {
            error: "invalid_grant".into(),
        }),
    );
    assert_eq!(
        s.footer.message,
        Some((
            "GKE token expired (invalid_grant): run gcloud auth application-default login".into(),
            FooterLevel::Error
        ))
    );
    assert!(draw(&s).contains("GKE token expired"), "{}", draw(&s));
    let now = s.now;
    app::update(
        &mut s,
        Msg::GkeToken(TokenReport::Retrying {
            error: "timed out".into(),
            attempt: 2,
            retry_at: now + chrono::Duration::seconds(10),
            valid_until: Some(now + chrono::Duration::seconds(600)),
        }),
    );
    assert_eq!(
        s.footer.message,
        Some((
            "GKE token refresh failed (timed out); retry 2 in 10 s, the current token works for 600 s more; if it keeps failing, run gcloud auth application-default login".into(),
            FooterLevel::Warning
        ))
    );
}
