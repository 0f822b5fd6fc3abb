//! The image form (`I`), its dialog and the pull view (`P`), drawn from
//! states made by update(); and the keys' path: form → dialog → the write
//! → the upgrade offered.

use std::sync::Arc;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use k8s_openapi::api::core::v1::{Event, Pod};
use serde_json::{Value, json};

use crate::support::cockpit::{self, *};
use crate::support::objects::{node, release_secret_with_config};
use crate::support::sizes;
use jhub_cockpit::actions::{Action, ConfiguredImage, Failure, PreparedImage};
use jhub_cockpit::app::{self, Command, Kind, Msg, Object, Overlay, State};
use jhub_cockpit::values::{DiffLine, DiffTag};

const IMAGE: &str = "127.0.0.1:5000/course/notebook";

fn configured() -> ConfiguredImage {
    ConfiguredImage {
        path: "/home/op/config.yaml".into(),
        name: Some(IMAGE.into()),
        tag: Some("w1".into()),
    }
}

/// A hub whose release runs `IMAGE:w1`, with the form open.
fn form_open() -> State {
    let mut s = deployed_with_image("w1");
    assert_eq!(char_key(&mut s, 'I'), vec![Command::ReadImageConfig]);
    app::update(&mut s, Msg::ImageConfigRead(Ok(configured())));
    assert_eq!(s.top_overlay(), Some(&Overlay::ImageForm));
    s
}

fn deployed_with_image(tag: &str) -> State {
    let mut s = cockpit::deployed(false);
    cockpit::relist(
        &mut s,
        Kind::Release,
        vec![release_secret_with_config(
            "jhub",
            2,
            "deployed",
            "4.4.0",
            "2026-12-01T11:30:00Z",
            json!({"singleuser": {"image": {"name": IMAGE, "tag": tag}}}),
        )],
    );
    s
}

fn prepared(tag: &str) -> PreparedImage {
    PreparedImage {
        path: "/home/op/config.yaml".into(),
        name: IMAGE.into(),
        tag: tag.into(),
        diff: vec![
            DiffLine {
                tag: DiffTag::Context,
                text: "singleuser:".into(),
            },
            DiffLine {
                tag: DiffTag::Removed,
                text: "    tag: w1".into(),
            },
            DiffLine {
                tag: DiffTag::Added,
                text: format!("    tag: {tag}"),
            },
        ],
        notes: vec![format!(
            "✓ singleuser.image {IMAGE}:{tag} is in its registry (linux/amd64, linux/arm64)"
        )],
        warnings: Vec::new(),
    }
}

#[test]
fn the_form_shows_what_runs_and_what_config_yaml_says() {
    let mut s = form_open();
    // The tag field has the focus: a new week's tag is typed over it.
    for _ in 0..2 {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "w2");
    assert_snapshot!("image_form_at_80x24", draw(&s, 80, 24));
    sizes::draws_at_every_size(&s);
}

#[test]
fn enter_asks_the_registry_then_the_dialog_writes_then_the_upgrade_is_offered() {
    let mut s = form_open();
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "2");
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Command::PrepareImage {
            name: IMAGE.into(),
            tag: "w2".into()
        }]
    );
    // While the registry is asked, typing does nothing.
    assert!(type_text(&mut s, "x").is_empty());
    assert_eq!(s.image_form.as_ref().unwrap().values[1], "w2");
    app::update(&mut s, Msg::ImagePrepared(Ok(prepared("w2"))));
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
    assert!(s.image_form.is_none());
    assert_snapshot!("image_dialog_with_the_registrys_answer", draw(&s, 80, 24));
    let action = Action::SetImage {
        path: "/home/op/config.yaml".into(),
        name: IMAGE.into(),
        tag: "w2".into(),
    };
    assert_eq!(char_key(&mut s, 'y'), vec![Command::Run(action)]);
    let next = app::update(
        &mut s,
        Msg::OperationDone(Ok("config.yaml sets singleuser.image".into())),
    );
    // The upgrade comes next, with the deployed values to diff against.
    assert!(
        matches!(
            next.as_slice(),
            [Command::PrepareDeploy { deployed: Some(_) }]
        ),
        "{next:?}"
    );
}

#[test]
fn a_bad_tag_is_refused_in_the_form_and_nothing_is_asked() {
    let mut s = form_open();
    for _ in 0.."w1".len() {
        key(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "-w2");
    // Tab to the name and back keeps what was typed.
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.image_form.as_ref().unwrap().values[1], "-w2");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    let error = s.image_form.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("is not a tag"), "{error}");
    assert_eq!(s.top_overlay(), Some(&Overlay::ImageForm));
    // The next key clears the error.
    key(&mut s, KeyCode::Backspace);
    assert!(s.image_form.as_ref().unwrap().error.is_none());
}

#[test]
fn an_unchanged_image_stays_in_the_form_with_the_reason() {
    let mut s = form_open();
    key(&mut s, KeyCode::Enter);
    app::update(
        &mut s,
        Msg::ImagePrepared(Err(Failure {
            error: format!(
                "/home/op/config.yaml already sets singleuser.image to {IMAGE}:w1: nothing to change"
            ),
            hint: None,
        })),
    );
    assert_eq!(s.top_overlay(), Some(&Overlay::ImageForm));
    let form = s.image_form.as_ref().unwrap();
    assert!(form.error.as_ref().unwrap().contains("nothing to change"));
    assert!(!form.checking);
}

#[test]
fn esc_leaves_the_form_and_a_late_answer_opens_nothing() {
    let mut s = form_open();
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.top_overlay(), None);
    assert!(footer(&s).contains("config.yaml was not changed"));
    app::update(&mut s, Msg::ImagePrepared(Ok(prepared("w2"))));
    assert_eq!(s.top_overlay(), None);
    assert!(s.confirm.is_none());

    // Esc while asked, I again: the first question's late answer does not
    // open a dialog over the new form, which waits for its own.
    let mut s = form_open();
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "2");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Esc);
    char_key(&mut s, 'I');
    app::update(&mut s, Msg::ImageConfigRead(Ok(configured())));
    app::update(&mut s, Msg::ImagePrepared(Ok(prepared("w2"))));
    assert_eq!(s.top_overlay(), Some(&Overlay::ImageForm));
    assert!(s.confirm.is_none());
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "3");
    key(&mut s, KeyCode::Enter);
    app::update(&mut s, Msg::ImagePrepared(Ok(prepared("w2"))));
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::ImageForm),
        "w2 is not w3's answer"
    );
    app::update(&mut s, Msg::ImagePrepared(Ok(prepared("w3"))));
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
}

#[test]
fn i_pressed_twice_keeps_what_the_open_form_has() {
    let mut s = form_open();
    type_text(&mut s, "x");
    app::update(&mut s, Msg::ImageConfigRead(Ok(configured())));
    assert_eq!(s.image_form.as_ref().unwrap().values[1], "w1x");
    assert_eq!(
        s.overlays
            .iter()
            .filter(|o| **o == Overlay::ImageForm)
            .count(),
        1
    );
}

#[test]
fn read_only_mode_refuses_the_form() {
    let mut s = cockpit::deployed(true);
    assert!(char_key(&mut s, 'I').is_empty());
    assert!(footer(&s).contains("read-only mode"), "{}", footer(&s));
}

#[test]
fn the_upgrade_dialog_shows_the_registrys_answer() {
    let mut s = deployed_with_image("w1");
    char_key(&mut s, 'u');
    app::update(
        &mut s,
        Msg::DeployPrepared(Ok(jhub_cockpit::actions::PreparedDeploy {
            values: json!({}),
            diff: vec![DiffLine {
                tag: DiffTag::Added,
                text: "    tag: w2".into(),
            }],
            warnings: vec![format!(
                "{IMAGE}:w2 has no linux/amd64 image, only linux/arm64: GKE's nodes cannot run it"
            )],
            command_line: "helm upgrade --install jhub jupyterhub/jupyterhub".into(),
            images: Vec::new(),
            notes: vec![format!(
                "✓ singleuser.image {IMAGE}:w2 (was {IMAGE}:w1) is in its registry (linux/arm64)"
            )],
        })),
    );
    let screen = draw(&s, 100, 30);
    assert!(
        screen.contains("is in its registry (linux/arm64)"),
        "{screen}"
    );
    assert!(screen.contains("no linux/amd64 image"), "{screen}");
}

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

/// A continuous-image-puller pod on `node` pulling `tag`: Running (done),
/// or Pending with its init container waiting for `waiting`.
fn puller(name: &str, node: &str, tag: &str, waiting: Option<&str>) -> Object {
    let image = format!("{IMAGE}:{tag}");
    let status = match waiting {
        None => json!({"phase": "Running", "podIP": "10.0.0.9",
            "conditions": [{"type": "Ready", "status": "True"}],
            "initContainerStatuses": [{"name": "image-pull-singleuser", "ready": true, "restartCount": 0,
                "image": image, "imageID": "", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
            "containerStatuses": [{"name": "pause", "ready": true, "restartCount": 0, "image": "pause", "imageID": "",
                "state": {"running": {}}}]}),
        Some(reason) => json!({"phase": "Pending",
            "conditions": [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}],
            "initContainerStatuses": [{"name": "image-pull-singleuser", "ready": false, "restartCount": 0,
                "image": image, "imageID": "", "state": {"waiting": {"reason": reason}}}],
            "containerStatuses": [{"name": "pause", "ready": false, "restartCount": 0, "image": "pause", "imageID": "",
                "state": {"waiting": {"reason": "PodInitializing"}}}]}),
    };
    Object::Pod(Arc::new(from::<Pod>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"),
            "creationTimestamp": "2026-12-01T11:58:00Z",
            "labels": {"app": "jupyterhub", "component": "continuous-image-puller", "release": "jhub"}},
        "spec": {"nodeName": node,
            "initContainers": [{"name": "image-pull-singleuser", "image": image}],
            "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}]},
        "status": status
    }))))
}

/// A kubelet event about a user's pod, as the kubelet writes it.
fn kubelet_event(pod: &str, node: &str, reason: &str, message: &str, at: &str) -> Object {
    Object::Event(Arc::new(
        jhub_cockpit::kube::event_record::EventRecord::from(from::<Event>(json!({
            "metadata": {"name": format!("{pod}.{reason}.{at}"), "namespace": "jhub", "uid": format!("ev-{pod}-{reason}-{at}")},
            "involvedObject": {"kind": "Pod", "name": pod, "namespace": "jhub",
                "fieldPath": "spec.containers{notebook}"},
            "reason": reason, "message": message,
            "type": if reason == "Failed" {"Warning"} else {"Normal"}, "count": 1,
            "firstTimestamp": at, "lastTimestamp": at,
            "source": {"component": "kubelet", "host": node},
            "reportingComponent": "kubelet", "reportingInstance": node
        }))),
    ))
}

/// Five nodes, each at another point of the pull of `IMAGE:w2`.
fn pulling_class() -> State {
    let mut s = deployed_with_image("w2");
    let image = format!("{IMAGE}:w2");
    cockpit::relist(
        &mut s,
        Kind::Node,
        (1..=5)
            .map(|i| node(&format!("user-node-{i}"), true))
            .collect(),
    );
    cockpit::relist(
        &mut s,
        Kind::Pod,
        vec![
            puller("continuous-image-puller-a", "user-node-1", "w2", None),
            puller(
                "continuous-image-puller-b",
                "user-node-2",
                "w2",
                Some("PodInitializing"),
            ),
            puller("continuous-image-puller-c", "user-node-3", "w1", None),
            puller(
                "continuous-image-puller-d",
                "user-node-4",
                "w2",
                Some("ImagePullBackOff"),
            ),
        ],
    );
    cockpit::relist(
        &mut s,
        Kind::Event,
        vec![
            kubelet_event(
                "jupyter-ada",
                "user-node-1",
                "Pulling",
                &format!("Pulling image \"{image}\""),
                "2026-12-01T11:58:01Z",
            ),
            kubelet_event(
                "jupyter-ada",
                "user-node-1",
                "Pulled",
                &format!(
                    "Successfully pulled image \"{image}\" in 42.8s (42.8s including waiting). Image size: 1204000000 bytes."
                ),
                "2026-12-01T11:58:44Z",
            ),
            kubelet_event(
                "jupyter-bob",
                "user-node-5",
                "Pulled",
                &format!(
                    "Container image \"{image}\" already present on machine and can be accessed by the pod"
                ),
                "2026-12-01T11:59:00Z",
            ),
            // An event about another image says nothing about this one.
            kubelet_event(
                "jupyter-eve",
                "user-node-3",
                "Pulled",
                &format!(
                    "Successfully pulled image \"{IMAGE}:w1\" in 1s (1s including waiting). Image size: 1 bytes."
                ),
                "2026-12-01T10:00:00Z",
            ),
        ],
    );
    s
}

#[test]
fn the_pull_view_answers_is_the_class_ready_per_node() {
    let mut s = pulling_class();
    char_key(&mut s, 'P');
    let screen = draw(&s, 80, 24);
    assert_snapshot!("pull_view_at_80x24", screen);
    let view = jhub_cockpit::app::image_pulls::pulls(&s, &format!("{IMAGE}:w2"));
    assert_eq!(view.ready_nodes(), 2, "{view:?}");
    sizes::draws_at_every_size(&s);
}

#[test]
fn the_pull_view_is_ready_when_every_node_has_the_image() {
    let mut s = deployed_with_image("w2");
    cockpit::relist(
        &mut s,
        Kind::Node,
        vec![node("user-node-1", true), node("user-node-2", true)],
    );
    cockpit::relist(
        &mut s,
        Kind::Pod,
        vec![
            puller("continuous-image-puller-a", "user-node-1", "w2", None),
            puller("continuous-image-puller-b", "user-node-2", "w2", None),
        ],
    );
    char_key(&mut s, 'P');
    let screen = draw(&s, 80, 24);
    assert!(screen.contains("ready: on all 2 nodes"), "{screen}");
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.top_overlay(), None);
}
