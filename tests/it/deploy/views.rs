//! Snapshot tests of the write actions' views: the progress panel (running,
//! succeeded, failed), the upgrade diff dialog, the typed uninstall dialog,
//! the namespace offer after an uninstall, and a three-revision history.
//! Monochrome, drawn from states made by update().

use crate::support;
use crate::support::cockpit;
use crate::support::sizes;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use serde_json::json;

use cockpit::*;
use jhub_cockpit::app::actions::{Action, failure_hint};
use jhub_cockpit::app::{self, Command, Kind, Msg, Overlay, State, lists};
use jhub_cockpit::deploy::{Failure, PreparedDeploy};
use jhub_cockpit::values;
use support::objects::{release_secret, release_secret_with_config};

const COMMAND_LINE: &str = "helm upgrade --install --cleanup-on-fail jhub /home/op/jhub-lite --namespace t2 --create-namespace --values /home/op/config.yaml --timeout 10m";

fn tick(state: &mut State, secs: i64) {
    let at = state.now + chrono::Duration::seconds(secs);
    app::update(state, Msg::Tick(at));
}

/// `i` (or `u`) → the values are checked → the dialog → `y`: a deploy runs.
fn deploy_started() -> State {
    let mut s = deployed(false);
    let commands = char_key(&mut s, 'u');
    assert!(
        matches!(
            commands.as_slice(),
            [Command::PrepareDeploy { deployed: Some(_) }]
        ),
        "{commands:?}"
    );
    app::update(
        &mut s,
        Msg::DeployPrepared(Ok(PreparedDeploy {
            images: Vec::new(),
            notes: Vec::new(),
            values: json!({}),
            diff: Vec::new(),
            warnings: Vec::new(),
            command_line: COMMAND_LINE.into(),
        })),
    );
    assert_eq!(char_key(&mut s, 'y'), vec![Command::Run(Action::Deploy)]);
    s
}

fn helm_lines(state: &mut State) {
    for line in [
        format!("$ {COMMAND_LINE}"),
        "Release \"jhub\" has been upgraded. Happy Helming!".into(),
        "NAME: jhub".into(),
        "LAST DEPLOYED: Tue Dec  1 12:00:03 2026".into(),
        "NAMESPACE: t2".into(),
        "STATUS: deployed".into(),
        "REVISION: 3".into(),
    ] {
        app::update(state, Msg::OperationLine(line));
    }
}

#[test]
fn progress_panel_running() {
    let mut s = deploy_started();
    helm_lines(&mut s);
    tick(&mut s, 7);
    let frame = draw(&s, 80, 24);
    assert!(frame.contains("running 7s"), "{frame}");
    assert!(frame.contains("REVISION: 3"), "{frame}");
    // The pods pane stays beside the panel.
    assert!(frame.contains("hub-7d9f8c6b5-abcde"), "{frame}");
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
}

#[test]
fn progress_panel_succeeded_after_a_deploy() {
    let mut s = deploy_started();
    helm_lines(&mut s);
    tick(&mut s, 12);
    app::update(
        &mut s,
        Msg::OperationDone(Ok("helm upgrade --install jhub done".into())),
    );
    // The release Secret of the new revision arrives.
    let mut revisions = revisions();
    revisions.push(release_secret(
        "jhub",
        3,
        "deployed",
        "4.4.0",
        "2026-12-01T12:00:03Z",
    ));
    relist(&mut s, Kind::Release, revisions);
    tick(&mut s, 30);
    let frame = draw(&s, 80, 24);
    assert!(frame.contains("✓ done in 12s"), "{frame}");
    assert!(frame.contains("jhub revision 3 deployed"), "{frame}");
    assert!(
        frame.contains("JupyterHub is at http://127.0.1.1"),
        "{frame}"
    );
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
}

#[test]
fn progress_panel_failed_with_a_hint() {
    let mut s = deploy_started();
    helm_lines(&mut s);
    tick(&mut s, 600);
    let error = "Error: UPGRADE FAILED: context deadline exceeded";
    app::update(
        &mut s,
        Msg::OperationDone(Err(Failure {
            error: error.into(),
            hint: failure_hint(error, 2),
        })),
    );
    let frame = draw(&s, 80, 24);
    assert!(frame.contains("✗ failed after 10m"), "{frame}");
    assert!(frame.contains(error), "{frame}");
    assert!(
        frame.contains("next: 2 hook-image-puller pod(s)"),
        "{frame}"
    );
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
}

#[test]
fn upgrade_diff_dialog() {
    let mut s = deployed(false);
    char_key(&mut s, 'u');
    let deployed_values = s.resources.releases.current("jhub").unwrap().config.clone();
    let mut now = deployed_values.clone();
    now["singleuser"]["image"]["tag"] = json!("4.5.0");
    let diff = values::diff(&deployed_values, &now);
    assert_eq!(diff.len(), 6, "{diff:?}");
    app::update(
        &mut s,
        Msg::DeployPrepared(Ok(PreparedDeploy {
            images: Vec::new(),
            notes: Vec::new(),
            values: now,
            diff,
            warnings: vec!["schema not checked: the chart has no values.schema.json".into()],
            command_line: COMMAND_LINE.into(),
        })),
    );
    let frame = draw(&s, 80, 24);
    assert!(frame.contains("-    tag: 4.4.0"), "{frame}");
    assert!(frame.contains("+    tag: 4.5.0"), "{frame}");
    assert!(frame.contains("y confirms"), "{frame}");
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
}

#[test]
fn uninstall_dialog_with_a_partly_typed_name() {
    let mut s = deployed(false);
    char_key(&mut s, 'X');
    type_text(&mut s, "jh");
    let frame = draw(&s, 80, 24);
    assert!(frame.contains("jh▏"), "{frame}");
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
}

#[test]
fn namespace_offer_after_an_uninstall() {
    let mut s = deployed(false);
    char_key(&mut s, 'X');
    type_text(&mut s, RELEASE);
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Command::Run(Action::Uninstall)]
    );
    app::update(
        &mut s,
        Msg::OperationLine("$ helm uninstall jhub --namespace t2 --timeout 10m".into()),
    );
    app::update(
        &mut s,
        Msg::OperationLine("release \"jhub\" uninstalled".into()),
    );
    tick(&mut s, 3);
    app::update(&mut s, Msg::OperationDone(Ok("uninstalled jhub".into())));
    relist(&mut s, Kind::Release, vec![]);
    let frame = draw(&s, 80, 24);
    assert!(frame.contains("Delete namespace t2 too?"), "{frame}");
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
}

#[test]
fn history_with_three_revisions() {
    let mut s = deployed(false);
    let mut revisions = revisions();
    revisions.push(release_secret(
        "jhub",
        3,
        "deployed",
        "4.4.0",
        "2026-12-01T11:50:00Z",
    ));
    // Revision 2 was superseded by 3.
    revisions[1] = release_secret("jhub", 2, "superseded", "4.4.0", "2026-12-01T11:30:00Z");
    relist(&mut s, Kind::Release, revisions);
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('j'));
    let shown: Vec<u32> = lists::revisions(&s).iter().map(|r| r.revision).collect();
    assert_eq!(shown, [3, 2, 1]);
    assert_eq!(s.top_overlay(), Some(&Overlay::History { selected: 1 }));
    let frame = draw(&s, 80, 24);
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
}

fn move_prepared() -> jhub_cockpit::deploy::PreparedMove {
    jhub_cockpit::deploy::PreparedMove {
        from: "/home/op/config.yaml".into(),
        to: "/home/op/secrets.yaml".into(),
        keys: vec!["hub.cookieSecret".into(), "proxy.secretToken".into()],
        secrets_exists: false,
    }
}

/// M → the move is worked out → its dialog; y runs exactly that move.
#[test]
fn move_secrets_dialog() {
    let mut s = deployed(false);
    assert_eq!(char_key(&mut s, 'M'), vec![Command::PrepareMoveSecrets]);
    app::update(&mut s, Msg::MoveSecretsPrepared(Ok(move_prepared())));
    let frame = draw(&s, 80, 24);
    assert!(
        frame.contains("Moves hub.cookieSecret, proxy.secretToken from /home/op/config.yaml"),
        "{frame}"
    );
    assert!(frame.contains("y confirms"), "{frame}");
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
    let mut yes = s.clone();
    assert_eq!(
        char_key(&mut yes, 'y'),
        vec![Command::Run(Action::MoveSecrets {
            from: "/home/op/config.yaml".into(),
            to: "/home/op/secrets.yaml".into(),
        })]
    );
    assert_eq!(char_key(&mut s, 'n'), vec![]);
    assert!(s.confirm.is_none() && s.operation.is_none());
}

/// A move that cannot be done opens no dialog; the footer says why and
/// what to do.
#[test]
fn a_refused_move_says_why() {
    let mut s = deployed(false);
    char_key(&mut s, 'M');
    let error = "proxy.secretToken is in both config.yaml and secrets.yaml, with different values; nothing was changed";
    app::update(
        &mut s,
        Msg::MoveSecretsPrepared(Err(Failure {
            error: error.into(),
            hint: None,
        })),
    );
    assert!(s.confirm.is_none());
    assert_eq!(
        s.footer.message.as_ref().map(|(t, _)| t.as_str()),
        Some(error)
    );
}

/// Known secret values in two revisions' values: neither the values view
/// nor the diff of the two shows any of them, at any of the sizes an
/// operator might have.
#[test]
fn history_values_and_diffs_show_no_secret_value() {
    let secrets = [
        "c0ffee0123456789c0ffee0123456789",
        "5ecre7a5ecre7a5ecre7a5ecre7a5ecr",
        "cryptkeeper-key-number-one-00000",
        "cryptkeeper-key-number-two-11111",
        "github-oauth-client-secret-22222",
    ];
    let config = |token: &str| {
        json!({
            "hub": {
                "cookieSecret": secrets[0],
                "config": {
                    "CryptKeeper": {"keys": [secrets[2], secrets[3]]},
                    "GitHubOAuthenticator": {"client_id": "visible-client-id", "client_secret": secrets[4]},
                },
            },
            "proxy": {"secretToken": token},
        })
    };
    let mut s = deployed(false);
    relist(
        &mut s,
        Kind::Release,
        vec![
            release_secret_with_config(
                "jhub",
                1,
                "superseded",
                "4.4.0",
                "2026-12-01T11:00:00Z",
                config("old-token-aaaaaaaaaaaaaaaaaaaaaa"),
            ),
            release_secret_with_config(
                "jhub",
                2,
                "deployed",
                "4.4.0",
                "2026-12-01T11:30:00Z",
                config(secrets[1]),
            ),
        ],
    );
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Enter);
    let mut frames = Vec::new();
    // The newest revision's values, then the diff of revision 1 against 2.
    key(&mut s, KeyCode::Enter);
    frames.push(draw(&s, 120, 40));
    frames.push(draw(&s, 200, 60));
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('d'));
    frames.push(draw(&s, 120, 40));
    frames.push(draw(&s, 80, 24));
    assert!(
        frames[0].contains("visible-client-id"),
        "the values view is open: {}",
        frames[0]
    );
    assert!(
        frames[2].contains("secretToken"),
        "the diff is open: {}",
        frames[2]
    );
    for frame in &frames {
        for secret in secrets.iter().chain(&["old-token-aaaaaaaaaaaaaaaaaaaaaa"]) {
            // A long value may be cut at the frame's edge: no 12 characters
            // of it may show.
            for piece in secret.as_bytes().windows(12) {
                let piece = std::str::from_utf8(piece).unwrap();
                assert!(
                    !frame.contains(piece),
                    "{piece} of a secret is on screen:\n{frame}"
                );
            }
        }
    }
}

/// While helm runs, the panel says which hook or workload it waits for,
/// from the watches, under helm's own output.
#[test]
fn progress_panel_says_what_helm_waits_for() {
    let mut s = deploy_started();
    helm_lines(&mut s);
    for (kind, objects) in support::objects::installing_workloads() {
        app::update(
            &mut s,
            Msg::Watch(jhub_cockpit::app::WatchMsg::Relisted(kind, objects)),
        );
    }
    app::update(
        &mut s,
        Msg::Watch(jhub_cockpit::app::WatchMsg::Applied(
            support::objects::warning_event_about(
                "Job",
                "hook-image-awaiter",
                "FailedCreate",
                r#"Error creating: pods "hook-image-awaiter-x7k2p" is forbidden: exceeded quota: tiny"#,
                "2026-12-01T11:59:50Z",
            ),
        )),
    );
    tick(&mut s, 7);
    let frame = draw(&s, 80, 24);
    assert!(
        frame.contains("waiting for hook-image-awaiter (hook Job, running 47s)"),
        "{frame}"
    );
    assert!(frame.contains("exceeded quota: tiny"), "{frame}");
    assert!(frame.contains("REVISION: 3"), "{frame}");
    assert_snapshot!(frame);
    sizes::draws_at_every_size(&s);
}
