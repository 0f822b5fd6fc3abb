//! The clusters view (`K`), pure: every cluster of the project in every
//! location with the connected one marked, one cluster's node pools, the
//! connect and context switch, and the node pool writes through their
//! forms and confirmations; snapshots at 80x24 and 120x40.

use crate::support;
use crate::support::sizes;

use crossterm::event::KeyCode;
use insta::assert_snapshot;

use jhub_cockpit::app::actions::{Action, Failure, PreparedAccess};
use jhub_cockpit::app::command::Retarget;
use jhub_cockpit::app::gke_view::{GkeView, KubeContext};
use jhub_cockpit::app::{self, Command, Kind, Msg, Object, Overlay, State, Target};
use jhub_cockpit::gke::{
    ClusterStatus, GkeCluster, NodePoolRow, NodePoolStatus, ReleaseChannel, UserPoolSpec,
};
use jhub_cockpit::values::{DiffLine, DiffTag};
use support::cockpit::{StateBuilder, draw, key, type_text};
use support::objects::*;

const COURSE_CONTEXT: &str = "gke_demo_europe-west1_course-hub";

fn pool(name: &str, machine: &str, count: i32) -> NodePoolRow {
    NodePoolRow {
        name: name.into(),
        machine_type: machine.into(),
        node_count: count,
        autoscaling: None,
        status: NodePoolStatus::Running,
        status_message: String::new(),
        version: "1.36.3-gke.100".into(),
        labels: Default::default(),
        taints: Vec::new(),
    }
}

fn user_pool() -> NodePoolRow {
    NodePoolRow {
        autoscaling: Some((0, 10)),
        status: NodePoolStatus::RunningWithError,
        status_message: "Quota 'N2_CPUS' exceeded. Limit: 24.0 in region europe-west1.".into(),
        labels: [("hub.jupyter.org/node-purpose".into(), "user".into())].into(),
        taints: vec!["hub.jupyter.org_dedicated=user:NoSchedule".into()],
        ..pool("user-pool", "n2-highmem-4", 0)
    }
}

fn cluster(
    name: &str,
    location: &str,
    status: ClusterStatus,
    pools: Vec<NodePoolRow>,
) -> GkeCluster {
    GkeCluster {
        name: name.into(),
        location: location.into(),
        status,
        status_message: String::new(),
        endpoint: "127.0.0.1:26443".into(),
        ca_certificate_pem: Some("PEM".into()),
        client_certificate_pem: None,
        client_key_pem: None,
        master_version: "1.36.3-gke.100".into(),
        node_count: 3,
        node_pools: pools,
        created: Some("2026-11-02T09:00:00Z".parse().unwrap()),
        release_channel: Some(ReleaseChannel::Regular),
    }
}

/// Two clusters in two locations (the course hub has the user pool), and
/// a third being made; the panes are on the course hub.
fn clusters() -> Vec<GkeCluster> {
    vec![
        cluster(
            "course-hub",
            "europe-west1",
            ClusterStatus::Running,
            vec![pool("default-pool", "n1-highmem-2", 2), user_pool()],
        ),
        cluster(
            "notebook-test",
            "us-central1-b",
            ClusterStatus::Running,
            vec![pool("default-pool", "n1-highmem-2", 3)],
        ),
        cluster(
            "spring-term",
            "us-east1-c",
            ClusterStatus::Provisioning,
            vec![pool("default-pool", "e2-standard-4", 1)],
        ),
    ]
}

fn state(readonly: bool) -> State {
    let mut s = StateBuilder::new(Target {
        context: COURSE_CONTEXT.into(),
        namespace: "jhub".into(),
        readonly,
        ..Default::default()
    })
    .monochrome()
    .with(|s| {
        s.gke = Some(GkeView {
            project: "demo".into(),
            location: "us-central1-b".into(),
            kubeconfig: "/home/ada/.kube/config".into(),
            ..Default::default()
        })
    })
    .sized(80, 24)
    .listed(Kind::Node, vec![node("rig-node-1", true)])
    .build();
    app::update(&mut s, Msg::GkeClusters(Ok(clusters())));
    app::update(
        &mut s,
        Msg::Contexts(Ok(vec![
            KubeContext {
                name: "rig".into(),
                cluster: "rig".into(),
                namespace: Some("jhub".into()),
            },
            KubeContext {
                name: COURSE_CONTEXT.into(),
                cluster: COURSE_CONTEXT.into(),
                namespace: None,
            },
        ])),
    );
    s
}

#[test]
fn every_cluster_is_listed_with_the_connected_one_marked() {
    let mut s = state(false);
    assert_eq!(key(&mut s, KeyCode::Char('K')), vec![Command::ReadContexts]);
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 0 }));
    let small = draw(&s, 80, 24);
    assert!(small.contains("● course-hub"), "{small}");
    assert!(small.contains("us-east1-c"), "{small}");
    assert_snapshot!("clusters_80x24", small);
    assert_snapshot!("clusters_120x40", draw(&s, 120, 40));
    sizes::draws_at_every_size(&s);
    // A location GKE's list did not reach is said, not silently left out;
    // the next complete list takes the warning away.
    app::update(&mut s, Msg::GkeUnanswered(vec!["asia-east1-a".into()]));
    let short = draw(&s, 80, 24);
    assert!(
        short.contains("⚠ GKE did not answer for asia-east1-a: its clusters are missing"),
        "{short}"
    );
    app::update(&mut s, Msg::GkeUnanswered(Vec::new()));
    assert!(!draw(&s, 80, 24).contains("did not answer"));
    // The main screen's line says there are more.
    key(&mut s, KeyCode::Esc);
    assert!(draw(&s, 80, 24).contains("+2 K"), "{}", draw(&s, 80, 24));
}

#[test]
fn enter_shows_the_pools_with_status_labels_and_taints() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::ClusterDetails {
            name: "course-hub".into(),
            location: "europe-west1".into(),
            pool: 0
        })
    );
    key(&mut s, KeyCode::Char('j'));
    let small = draw(&s, 80, 24);
    for wanted in [
        "RUNNING_WITH_ERROR",
        // The panes are on this cluster, whose one node is default-pool's.
        "0 of 0..10",
        "Quota 'N2_CPUS' exceeded",
        "hub.jupyter.org/node-purpose=user",
        "hub.jupyter.org_dedicated=user:NoSchedule",
        "(the panes')",
    ] {
        assert!(small.contains(wanted), "{wanted} missing:\n{small}");
    }
    assert_snapshot!("cluster_details_80x24", small);
    assert_snapshot!("cluster_details_120x40", draw(&s, 120, 40));
    sizes::draws_at_every_size(&s);

    // GKE says only how many nodes a pool started with; on the panes'
    // cluster the nodes themselves say how many it has now.
    let in_pool = |name: &str, pool: &str| match node(name, true) {
        Object::Node(n) => {
            let mut n = (*n).clone();
            n.metadata
                .labels
                .get_or_insert_default()
                .insert("cloud.google.com/gke-nodepool".into(), pool.into());
            Object::Node(std::sync::Arc::new(n))
        }
        _ => unreachable!(),
    };
    support::cockpit::relist(
        &mut s,
        Kind::Node,
        vec![
            in_pool("gke-a", "default-pool"),
            in_pool("gke-b", "user-pool"),
            in_pool("gke-c", "user-pool"),
        ],
    );
    let counted = draw(&s, 80, 24);
    assert!(counted.contains("2 of 0..10"), "{counted}");
    assert!(
        counted.contains("default-pool     n1-highmem-2   1 "),
        "{counted}"
    );
}

#[test]
fn connect_writes_the_context_then_the_panes_move() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(
        key(&mut s, KeyCode::Char('C')),
        vec![Command::ConnectCluster {
            name: "notebook-test".into(),
            location: "us-central1-b".into()
        }]
    );
    let commands = app::update(
        &mut s,
        Msg::ClusterConnected {
            name: "notebook-test".into(),
            location: "us-central1-b".into(),
            result: Ok("gke_demo_us-central1-b_notebook-test".into()),
        },
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
    assert!(s.overlays.is_empty(), "the views close on the new cluster");
    assert!(
        s.resources.nodes.is_empty(),
        "the old cluster's rows are gone"
    );
    // A cluster that is not RUNNING is not connected to.
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('G'));
    assert_eq!(key(&mut s, KeyCode::Char('C')), vec![]);
    assert!(support::cockpit::footer(&s).contains("spring-term is PROVISIONING"));
    // A failed connect says why and what to do, and the panes stay.
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(key(&mut s, KeyCode::Char('C')).len(), 1);
    let before = s.target.context.clone();
    app::update(
        &mut s,
        Msg::ClusterConnected {
            name: "course-hub".into(),
            location: "europe-west1".into(),
            result: Err(Failure {
                error: "Permission denied".into(),
                hint: Some("ask for roles/container.viewer".into()),
            }),
        },
    );
    assert_eq!(s.target.context, before);
    assert!(support::cockpit::footer(&s).contains("cannot connect to course-hub"));
}

#[test]
fn the_context_list_switches_the_panes_and_back() {
    let mut s = state(false);
    assert_eq!(key(&mut s, KeyCode::Char('C')), vec![Command::ReadContexts]);
    assert_eq!(s.top_overlay(), Some(&Overlay::Contexts { selected: 1 }));
    assert_snapshot!("contexts_80x24", draw(&s, 80, 24));
    key(&mut s, KeyCode::Char('k'));
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Command::Retarget(Retarget {
            context: Some("rig".into()),
            namespace: s.target.namespace.clone(),
            release: None,
            generation: s.target_generation,
        })]
    );
    assert_eq!(s.target.context, "rig");
    key(&mut s, KeyCode::Char('C'));
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Command::Retarget(Retarget {
            context: Some(COURSE_CONTEXT.into()),
            namespace: s.target.namespace.clone(),
            release: None,
            generation: s.target_generation,
        })]
    );
    // The one the panes are on already: nothing to do.
    key(&mut s, KeyCode::Char('C'));
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
}

#[test]
fn a_user_pool_is_added_then_config_yaml_is_offered_its_change() {
    let mut s = state(false);
    // The panes (and so config.yaml's deploys) are on notebook-test.
    s.target.context = "gke_demo_us-central1-b_notebook-test".into();
    // K opens on the panes' cluster.
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('A'));
    assert_eq!(s.top_overlay(), Some(&Overlay::PoolForm));
    assert_snapshot!("add_pool_form", draw(&s, 80, 24));
    // Machine type n2-highmem-4, 0..5.
    key(&mut s, KeyCode::Tab);
    for _ in 0.."n1-highmem-2".len() {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "n2-highmem-4");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "5");
    assert!(key(&mut s, KeyCode::Enter).is_empty(), "asks first");
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
    let explain = s.confirm.as_ref().unwrap().explain.join("\n");
    assert!(
        explain.contains("hub.jupyter.org_dedicated=user:NoSchedule"),
        "{explain}"
    );
    assert_eq!(
        key(&mut s, KeyCode::Char('y')),
        vec![Command::Run(Action::AddUserPool {
            cluster: "notebook-test".into(),
            location: "us-central1-b".into(),
            pool: UserPoolSpec {
                name: "user-pool".into(),
                machine_type: "n2-highmem-4".into(),
                min_nodes: 0,
                max_nodes: 5,
            }
        })]
    );
    assert_eq!(
        app::update(
            &mut s,
            Msg::OperationDone(Ok("node pool user-pool added".into()))
        ),
        vec![Command::PrepareUserNodes]
    );
    app::update(
        &mut s,
        Msg::UserNodesPrepared(Ok(PreparedAccess {
            path: "/w/config.yaml".into(),
            diff: vec![DiffLine {
                tag: DiffTag::Added,
                text: "scheduling.userPods.nodeAffinity.matchNodePurpose: require".into(),
            }],
        })),
    );
    assert_snapshot!("require_user_nodes_dialog", draw(&s, 80, 24));
    assert_eq!(
        key(&mut s, KeyCode::Char('y')),
        vec![Command::Run(Action::RequireUserNodes {
            path: "/w/config.yaml".into()
        })]
    );
}

#[test]
fn a_cluster_with_a_user_pool_is_not_given_another() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    assert_eq!(key(&mut s, KeyCode::Char('A')), vec![]);
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 0 }));
    assert!(support::cockpit::footer(&s).contains("has a user pool already (user-pool)"));
}

#[test]
fn a_pools_autoscaling_is_changed_and_a_pool_deleted_by_its_typed_name() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('a'));
    assert_eq!(s.pool_form.as_ref().unwrap().values, vec!["0", "10"]);
    // min above max stays in the form with the reason.
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "20");
    key(&mut s, KeyCode::Enter);
    let error = s.pool_form.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("20..10 is invalid"), "{error}");
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "1");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "4");
    key(&mut s, KeyCode::Enter);
    let explain = s.confirm.as_ref().unwrap().explain.join("\n");
    assert!(explain.contains("autoscale 1..4 (was 0..10)"), "{explain}");
    assert!(explain.contains("drained"), "{explain}");
    assert_eq!(
        key(&mut s, KeyCode::Char('y')),
        vec![Command::Run(Action::SetPoolAutoscaling {
            cluster: "course-hub".into(),
            location: "europe-west1".into(),
            pool: "user-pool".into(),
            min: 1,
            max: 4,
        })]
    );
    app::update(&mut s, Msg::OperationDone(Ok("scaled".into())));
    // The write closed the views (its progress shows); d: the pool's name
    // typed.
    assert_eq!(s.top_overlay(), None);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('d'));
    type_text(&mut s, "user-poo");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    key(&mut s, KeyCode::Char('d'));
    type_text(&mut s, "user-pool");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Command::Run(Action::DeleteNodePool {
            cluster: "course-hub".into(),
            location: "europe-west1".into(),
            pool: "user-pool".into(),
        })]
    );
}

#[test]
fn the_only_pool_is_not_deleted() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Enter);
    assert_eq!(key(&mut s, KeyCode::Char('d')), vec![]);
    assert!(s.confirm.is_none());
    assert!(support::cockpit::footer(&s).contains("only node pool"));
}

#[test]
fn readonly_refuses_every_pool_and_cluster_write_but_not_connect() {
    let mut s = state(true);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(key(&mut s, KeyCode::Char('A')), vec![]);
    assert_eq!(key(&mut s, KeyCode::Char('D')), vec![]);
    key(&mut s, KeyCode::Char('k'));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(key(&mut s, KeyCode::Char('a')), vec![]);
    assert_eq!(key(&mut s, KeyCode::Char('d')), vec![]);
    assert!(s.pool_form.is_none() && s.confirm.is_none());
    assert!(support::cockpit::footer(&s).contains("read-only"));
    // Connecting writes the operator's kubeconfig, not the cluster.
    assert_eq!(
        key(&mut s, KeyCode::Char('C')),
        vec![Command::ConnectCluster {
            name: "course-hub".into(),
            location: "europe-west1".into()
        }]
    );
}

#[test]
fn a_connect_superseded_by_a_switch_moves_nothing() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('C'));
    // Before the answer, the operator moves the panes to the rig.
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('C'));
    key(&mut s, KeyCode::Char('g'));
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.target.context, "rig");
    let late = app::update(
        &mut s,
        Msg::ClusterConnected {
            name: "notebook-test".into(),
            location: "us-central1-b".into(),
            result: Ok("gke_demo_us-central1-b_notebook-test".into()),
        },
    );
    assert_eq!(late, vec![]);
    assert_eq!(
        s.target.context, "rig",
        "the panes stay where they were moved"
    );
    assert!(support::cockpit::footer(&s).contains("the panes stay"));
}

#[test]
fn no_context_switch_while_an_operation_runs() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('A'));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('y'));
    assert!(s.operation.as_ref().is_some_and(|o| o.running()));
    assert_eq!(s.top_overlay(), None, "the progress panel is not hidden");
    key(&mut s, KeyCode::Char('C'));
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    assert_eq!(s.target.context, COURSE_CONTEXT);
    assert!(support::cockpit::footer(&s).contains("waits for the running operation"));
}

#[test]
fn a_pool_added_to_a_cluster_the_panes_are_not_on_offers_no_config_change() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('A'));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('y'));
    let after = app::update(&mut s, Msg::OperationDone(Ok("added".into())));
    assert_eq!(
        after,
        vec![],
        "config.yaml deploys to course-hub, not notebook-test"
    );
    assert!(support::cockpit::footer(&s).contains("connect to notebook-test"));
}

#[test]
fn the_selection_stays_on_its_cluster_when_the_list_changes() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('j'));
    // A cluster made elsewhere sorts before the selected one.
    let mut listed = clusters();
    listed.insert(
        0,
        cluster(
            "asia-hub",
            "asia-east1",
            ClusterStatus::Running,
            vec![pool("default-pool", "e2-standard-4", 1)],
        ),
    );
    app::update(&mut s, Msg::GkeClusters(Ok(listed)));
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 2 }));
    assert_eq!(
        key(&mut s, KeyCode::Char('C')),
        vec![Command::ConnectCluster {
            name: "notebook-test".into(),
            location: "us-central1-b".into()
        }]
    );
}

#[test]
fn a_late_survey_answer_opens_no_dialog_over_what_came_since() {
    use jhub_cockpit::plan::{ReleaseOnCluster, Survivors};
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    assert_eq!(
        key(&mut s, KeyCode::Char('D')),
        vec![Command::SurveyCluster {
            name: "course-hub".into(),
            location: "europe-west1".into()
        }]
    );
    // The operator opened the add-pool form meanwhile.
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('A'));
    let answer = |name: &str| Msg::ClusterSurveyed {
        name: name.into(),
        location: "europe-west1".into(),
        release: ReleaseOnCluster::NotInstalled,
        survivors: Survivors::NotKnown("x".into()),
    };
    app::update(&mut s, answer("course-hub"));
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::PoolForm),
        "the form keeps the keys"
    );
    assert!(s.confirm.is_none());
    // An answer nobody waits for any more is dropped too.
    key(&mut s, KeyCode::Esc);
    app::update(&mut s, answer("course-hub"));
    assert!(s.confirm.is_none());
}

/// Of each drawn row holding `name`, the characters highlighted.
fn lit(s: &State, name: &str) -> Vec<String> {
    support::cockpit::underlined(s, 120, 40)
        .into_iter()
        .filter(|(row, _)| row.contains(name))
        .map(|(_, lit)| lit)
        .collect()
}

#[test]
fn the_filter_narrows_the_clusters_as_typed_with_the_matches_highlighted() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 0 }));
    key(&mut s, KeyCode::Char('/'));
    // Live: each key narrows the list. Fuzzy on name, location and status:
    // "us-c" is notebook-test's us-central1-b and, letter by letter,
    // spring-term's us-east1-c; the selected course-hub no longer passes,
    // so the selection goes to the first row shown.
    type_text(&mut s, "us-c");
    let gke = s.gke.as_ref().unwrap();
    let names: Vec<&str> = gke.visible().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["notebook-test", "spring-term"]);
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 0 }));
    let small = draw(&s, 80, 24);
    let rows: Vec<&str> = small.lines().filter(|l| l.starts_with("\"│")).collect();
    assert!(rows.iter().all(|r| !r.contains("course-hub")), "{small}");
    assert!(small.contains("/us-c 2 of 3"), "the title says it: {small}");
    assert!(small.contains("/us-c▏ Enter keep · Esc clear"), "{small}");
    assert_snapshot!("clusters_filtered_80x24", small);
    assert_eq!(lit(&s, "notebook-test"), ["us-c"]);
    assert_eq!(lit(&s, "spring-term"), ["us-c"]);
    // Enter keeps the filter; the keys act on the list again, on the rows
    // shown: j selects spring-term, not notebook-test's neighbour in the
    // project's list.
    key(&mut s, KeyCode::Enter);
    assert_snapshot!("clusters_filtered_120x40", draw(&s, 120, 40));
    sizes::draws_at_every_size(&s);
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::Clusters { selected: 1 }),
        "the selection stays on the rows shown"
    );
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::ClusterDetails {
            name: "spring-term".into(),
            location: "us-east1-c".into(),
            pool: 0
        })
    );
    // Back from the details, the list is as it was left.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 1 }));
    key(&mut s, KeyCode::Char('k'));
    assert_eq!(
        key(&mut s, KeyCode::Char('C')),
        vec![Command::ConnectCluster {
            name: "notebook-test".into(),
            location: "us-central1-b".into()
        }]
    );
}

#[test]
fn esc_clears_the_clusters_filter_then_closes_the_view() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('/'));
    // By status (smart case: lowercase ignores it): the one provisioning.
    type_text(&mut s, "prov");
    let gke = s.gke.as_ref().unwrap();
    let names: Vec<&str> = gke.visible().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["spring-term"]);
    // Backspace widens it again, live; the selection stays on its cluster.
    for _ in 0..4 {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "note");
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 0 }));
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    assert_eq!(s.gke.as_ref().unwrap().filter.text, "n");
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::Clusters { selected: 1 }),
        "notebook-test, second of the rows 'n' passes"
    );
    // Esc while typing clears the filter, and keeps the view open on the
    // same cluster.
    key(&mut s, KeyCode::Esc);
    let gke = s.gke.as_ref().unwrap();
    assert_eq!((gke.filter.text.as_str(), gke.filter.editing), ("", false));
    assert_eq!(gke.visible().len(), 3);
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 1 }));
    // A filter kept with Enter: the first Esc clears it, the next closes.
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "hub");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.gke.as_ref().unwrap().visible().len(), 1);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.gke.as_ref().unwrap().visible().len(), 3);
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 0 }));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.top_overlay(), None);
    // Reopened, the list has no filter.
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "zzz");
    key(&mut s, KeyCode::Enter);
    let small = draw(&s, 80, 24);
    assert!(small.contains("no cluster matches the filter"), "{small}");
    assert_eq!(
        key(&mut s, KeyCode::Char('C')),
        vec![],
        "no row, no connect"
    );
    key(&mut s, KeyCode::Char('q'));
    key(&mut s, KeyCode::Char('K'));
    assert!(s.gke.as_ref().unwrap().filter.text.is_empty());
}

#[test]
fn a_refreshed_list_keeps_the_selection_on_its_cluster_among_the_filtered() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('K'));
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "us-c");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('j'));
    // spring-term, second of the rows shown; a new cluster that passes
    // sorts before it.
    let mut listed = clusters();
    listed.insert(
        0,
        cluster(
            "aus-hub",
            "australia-southeast1-c",
            ClusterStatus::Running,
            vec![pool("default-pool", "e2-standard-4", 1)],
        ),
    );
    app::update(&mut s, Msg::GkeClusters(Ok(listed)));
    assert_eq!(s.gke.as_ref().unwrap().visible().len(), 3);
    assert_eq!(s.top_overlay(), Some(&Overlay::Clusters { selected: 2 }));
    assert_eq!(
        key(&mut s, KeyCode::Char('D')),
        vec![Command::SurveyCluster {
            name: "spring-term".into(),
            location: "us-east1-c".into()
        }]
    );
}

#[test]
fn the_context_list_filters_too_and_enter_switches_to_the_row_shown() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('C'));
    assert_eq!(s.top_overlay(), Some(&Overlay::Contexts { selected: 1 }));
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "rig");
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::Contexts { selected: 0 }),
        "the course hub's context no longer passes"
    );
    let rows = support::cockpit::underlined(&s, 80, 24);
    assert!(
        rows.iter()
            .any(|(row, lit)| row.contains("rig") && lit == "rig"),
        "the matched letters lit: {rows:?}"
    );
    key(&mut s, KeyCode::Enter);
    assert!(draw(&s, 80, 24).contains("/rig 1 of 2"));
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Command::Retarget(Retarget {
            context: Some("rig".into()),
            namespace: s.target.namespace.clone(),
            release: None,
            generation: s.target_generation,
        })]
    );
    // Reopened without the filter; Esc clears one before closing.
    key(&mut s, KeyCode::Char('C'));
    assert!(s.contexts_filter.text.is_empty());
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "course");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Esc);
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::Contexts { selected: 1 }),
        "still on the course hub's context, second of all"
    );
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.top_overlay(), None);
}
