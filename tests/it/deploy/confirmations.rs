//! The typed confirmations, walked key by key through update(): uninstall
//! (the release name), delete the namespace (the namespace's name) and
//! overwrite the secrets file (its file name). A wrong name runs nothing;
//! the right one runs exactly the confirmed action, once.

use crate::support::cockpit;

use std::path::PathBuf;

use crossterm::event::KeyCode;

use cockpit::*;
use jhub_cockpit::app::actions::{Action, Confirmation, Outcome};
use jhub_cockpit::app::state::FooterLevel;
use jhub_cockpit::app::{self, Command, Msg, Overlay, State};
use jhub_cockpit::deploy::Failure;

const NO_MATCH: &str = "the name did not match; nothing was changed";

fn typed_dialog(state: &State) -> (Action, String, String) {
    assert_eq!(state.top_overlay(), Some(&Overlay::Confirm));
    let pending = state.confirm.as_ref().expect("a dialog");
    match &pending.confirmation {
        Confirmation::Typed { expected, typed } => {
            (pending.action.clone(), expected.clone(), typed.clone())
        }
        other => panic!("not a typed confirmation: {other:?}"),
    }
}

/// Types `text`, then Enter; every command the keys made.
fn answer(state: &mut State, text: &str) -> Vec<Command> {
    let mut commands = type_text(state, text);
    commands.extend(key(state, KeyCode::Enter));
    commands
}

fn assert_refused(state: &State, commands: &[Command]) {
    assert_eq!(commands, &[] as &[Command]);
    assert!(state.confirm.is_none(), "the dialog closes");
    assert!(state.overlays.is_empty(), "{:?}", state.overlays);
    assert!(state.operation.is_none(), "nothing started");
    assert_eq!(
        state.footer.message,
        Some((NO_MATCH.to_owned(), FooterLevel::Warning))
    );
}

fn uninstall_dialog() -> State {
    let mut s = deployed(false);
    assert_eq!(char_key(&mut s, 'X'), vec![]);
    assert_eq!(
        typed_dialog(&s),
        (Action::Uninstall, RELEASE.to_owned(), String::new())
    );
    s
}

#[test]
fn uninstall_wants_the_release_name() {
    for wrong in ["", "jhu", "jhubb", "JHUB", NAMESPACE, " jhub"] {
        let mut s = uninstall_dialog();
        let commands = answer(&mut s, wrong);
        assert_refused(&s, &commands);
    }
    let mut s = uninstall_dialog();
    // q and y are text here, not quit or yes.
    assert_eq!(type_text(&mut s, "jq"), vec![]);
    assert!(!s.quit);
    assert_eq!(typed_dialog(&s).2, "jq");
    key(&mut s, KeyCode::Backspace);
    let commands = answer(&mut s, "hub");
    assert_eq!(commands, vec![Command::Run(Action::Uninstall)]);
    assert!(s.confirm.is_none() && s.overlays.is_empty());
    let op = s.operation.as_ref().expect("the operation started");
    assert_eq!(op.action, Action::Uninstall);
    assert!(op.running());
}

#[test]
fn esc_cancels_a_typed_dialog() {
    let mut s = uninstall_dialog();
    type_text(&mut s, "jhub");
    assert_eq!(key(&mut s, KeyCode::Esc), vec![]);
    assert!(s.confirm.is_none() && s.overlays.is_empty() && s.operation.is_none());
    assert_eq!(footer(&s), "cancelled; nothing was changed");
}

/// Uninstalls through the dialog and reports it done.
fn after_uninstall(result: Result<String, Failure>) -> State {
    let mut s = uninstall_dialog();
    assert_eq!(
        answer(&mut s, RELEASE),
        vec![Command::Run(Action::Uninstall)]
    );
    assert_eq!(app::update(&mut s, Msg::OperationDone(result)), vec![]);
    s
}

#[test]
fn delete_namespace_after_uninstall_wants_the_namespace_name() {
    let s = after_uninstall(Ok("uninstalled jhub".into()));
    assert_eq!(
        typed_dialog(&s),
        (Action::DeleteNamespace, NAMESPACE.to_owned(), String::new())
    );
    assert!(
        s.confirm.as_ref().unwrap().explain[0].contains(&format!("Delete namespace {NAMESPACE}")),
        "{:?}",
        s.confirm.as_ref().unwrap().explain
    );
    // The release name is not the namespace's.
    for wrong in [RELEASE, "t", "t22", ""] {
        let mut s = s.clone();
        let before = s.operation.clone();
        let commands = answer(&mut s, wrong);
        assert_eq!(commands, vec![], "{wrong:?}");
        assert!(s.confirm.is_none() && s.overlays.is_empty());
        assert_eq!(s.operation, before, "the uninstall's outcome stays shown");
        assert_eq!(footer(&s), NO_MATCH);
    }
    let mut s = s.clone();
    let commands = answer(&mut s, NAMESPACE);
    assert_eq!(commands, vec![Command::Run(Action::DeleteNamespace)]);
    let op = s.operation.as_ref().unwrap();
    assert_eq!(op.action, Action::DeleteNamespace);
    assert!(op.running());
}

#[test]
fn a_failed_uninstall_offers_no_namespace_deletion() {
    let s = after_uninstall(Err(Failure {
        error: "Error: uninstall: Release not loaded: jhub: release: not found".into(),
        hint: None,
    }));
    assert!(s.confirm.is_none());
    assert!(s.overlays.is_empty());
    assert!(matches!(
        s.operation.as_ref().unwrap().outcome,
        Some(Outcome::Failed { .. })
    ));
}

fn secrets_dialog(exists: bool) -> (State, PathBuf) {
    let mut s = deployed(false);
    assert_eq!(char_key(&mut s, 'S'), vec![Command::PrepareSecrets]);
    let path = PathBuf::from("/home/op/jhub/secrets.yaml");
    let commands = app::update(
        &mut s,
        Msg::SecretsPrepared {
            path: path.clone(),
            exists,
        },
    );
    assert_eq!(commands, vec![]);
    (s, path)
}

#[test]
fn overwriting_secrets_wants_the_file_name() {
    let (s, path) = secrets_dialog(true);
    assert_eq!(
        typed_dialog(&s),
        (
            Action::GenerateSecrets {
                path: path.clone(),
                overwrite: true
            },
            "secrets.yaml".to_owned(),
            String::new()
        )
    );
    let explain = &s.confirm.as_ref().unwrap().explain;
    assert!(
        explain
            .iter()
            .any(|l| l.contains("EXISTS") && l.contains("logs every user out")),
        "{explain:?}"
    );
    for wrong in [
        "secrets",
        "secrets.yml",
        "/home/op/jhub/secrets.yaml",
        "y",
        "",
    ] {
        let mut s = s.clone();
        let commands = answer(&mut s, wrong);
        assert_refused(&s, &commands);
    }
    let mut s = s.clone();
    let commands = answer(&mut s, "secrets.yaml");
    assert_eq!(
        commands,
        vec![Command::Run(Action::GenerateSecrets {
            path,
            overwrite: true
        })]
    );
}

#[test]
fn a_new_secrets_file_asks_yes_or_no_and_never_overwrites() {
    let (s, path) = secrets_dialog(false);
    assert_eq!(
        s.confirm.as_ref().unwrap().confirmation,
        Confirmation::YesNo
    );
    let mut no = s.clone();
    assert_eq!(char_key(&mut no, 'n'), vec![]);
    assert!(no.confirm.is_none() && no.operation.is_none());
    let mut yes = s.clone();
    assert_eq!(
        char_key(&mut yes, 'y'),
        vec![Command::Run(Action::GenerateSecrets {
            path,
            overwrite: false
        })]
    );
}

#[test]
fn a_second_write_waits_for_the_running_one() {
    let mut s = uninstall_dialog();
    assert_eq!(
        answer(&mut s, RELEASE),
        vec![Command::Run(Action::Uninstall)]
    );
    assert_eq!(char_key(&mut s, 'X'), vec![]);
    assert!(s.confirm.is_none());
    assert_eq!(
        footer(&s),
        "an operation is running: wait for it to finish (o shows it)"
    );
}
