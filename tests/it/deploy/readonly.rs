//! Read-only mode refuses every write: every write key in every pane and
//! overlay the keyboard can reach, a dialog forced into the state, and
//! every write subcommand of the binary. No cluster.

use crate::support::cockpit;
use crate::support::headless;

use crossterm::event::KeyCode;

use cockpit::*;
use jhub_cockpit::app::actions::{Action, Confirmation, Operation, Outcome, PendingConfirm};
use jhub_cockpit::app::state::FooterLevel;
use jhub_cockpit::app::write_flow::WRITE_KEYS;
use jhub_cockpit::app::{self, Command, Msg, Overlay, Pane, State};

fn is_write(c: &Command) -> bool {
    matches!(
        c,
        Command::Run(_)
            | Command::PrepareDeploy { .. }
            | Command::PrepareSecrets
            | Command::PrepareMoveSecrets
            | Command::EditConfig
    )
}

/// A named state the keyboard can reach, built from keys.
fn reachable(readonly: bool) -> Vec<(String, State)> {
    let mut out = Vec::new();
    for (label, base) in [("empty", empty(readonly)), ("deployed", deployed(readonly))] {
        for pane in Pane::ALL {
            let mut s = base.clone();
            s.focus = pane;
            out.push((format!("{label}, main view, {pane:?} pane"), s));
        }
    }
    let d = deployed(readonly);
    let with_keys = |keys: &[KeyCode]| {
        let mut s = d.clone();
        for k in keys {
            key(&mut s, *k);
        }
        s
    };
    out.push(("help".into(), with_keys(&[KeyCode::Char('?')])));
    out.push((
        "pod details".into(),
        with_keys(&[KeyCode::Char('3'), KeyCode::Enter]),
    ));
    out.push((
        "node details".into(),
        with_keys(&[KeyCode::Char('1'), KeyCode::Enter]),
    ));
    out.push((
        "service details".into(),
        with_keys(&[KeyCode::Char('4'), KeyCode::Enter]),
    ));
    out.push((
        "logs".into(),
        with_keys(&[KeyCode::Char('3'), KeyCode::Char('l')]),
    ));
    out.push(("notes".into(), with_keys(&[KeyCode::Char('n')])));
    out.push((
        "history".into(),
        with_keys(&[KeyCode::Char('2'), KeyCode::Enter]),
    ));
    out.push((
        "history, second revision selected".into(),
        with_keys(&[KeyCode::Char('2'), KeyCode::Enter, KeyCode::Char('j')]),
    ));
    out.push((
        "filter being typed".into(),
        with_keys(&[KeyCode::Char('/')]),
    ));
    // The operation panel, finished and still running (shown and hidden).
    let mut finished = d.clone();
    let mut op = Operation::new(Action::Deploy, finished.now);
    op.finished = Some(finished.now);
    op.outcome = Some(Outcome::Succeeded {
        summary: "helm upgrade --install jhub done".into(),
    });
    finished.operation = Some(op);
    out.push(("main view, finished operation panel".into(), finished));
    let mut running = d.clone();
    running.operation = Some(Operation::new(Action::Deploy, running.now));
    out.push(("main view, running operation panel".into(), running.clone()));
    running.operation.as_mut().unwrap().hidden = true;
    out.push(("main view, running operation hidden".into(), running));
    out
}

/// Where a write key is a write key: the main view, and `r` in the history.
fn key_is_live(state: &State, c: char) -> bool {
    match state.top_overlay() {
        None => !state.filter.editing,
        Some(Overlay::History { .. }) => c == 'r',
        Some(_) => false,
    }
}

#[test]
fn write_keys_are_what_the_help_lists() {
    assert_eq!(WRITE_KEYS, &['S', 'M', 'e', 'i', 'u', 'r', 'X']);
    // An entry may list several keys ("e I").
    let listed: Vec<&str> = jhub_cockpit::app::keys::HELP
        .iter()
        .flat_map(|(_, keys)| keys.iter().flat_map(|k| k.keys.split_whitespace()))
        .collect();
    // I (the image form) writes config.yaml too; it asks through its form.
    for c in WRITE_KEYS.iter().chain(&['I']) {
        assert!(
            listed.contains(&c.to_string().as_str()),
            "{c} is not in the help"
        );
    }
}

#[test]
fn every_write_key_in_every_reachable_state_is_refused() {
    let states = reachable(true);
    assert_eq!(states.len(), 20, "the enumeration itself");
    let mut live = 0;
    for (label, state) in &states {
        assert!(state.target.readonly);
        for &c in WRITE_KEYS {
            let mut s = state.clone();
            let overlays_before = s.overlays.clone();
            let commands = char_key(&mut s, c);
            let writes: Vec<&Command> = commands.iter().filter(|c| is_write(c)).collect();
            assert!(writes.is_empty(), "{label}, key {c}: {writes:?}");
            assert!(s.confirm.is_none(), "{label}, key {c}: a dialog opened");
            assert_eq!(
                s.operation, state.operation,
                "{label}, key {c}: the operation changed"
            );
            if key_is_live(state, c) {
                live += 1;
                assert_eq!(commands, vec![], "{label}, key {c}");
                assert_eq!(
                    s.overlays, overlays_before,
                    "{label}, key {c}: nothing opens (not even the history for r)"
                );
                let (text, level) = s
                    .footer
                    .message
                    .clone()
                    .unwrap_or_else(|| panic!("{label}, key {c}: no footer message"));
                assert_eq!(level, FooterLevel::Warning, "{label}, key {c}: {text}");
                assert!(
                    text.starts_with("read-only mode: ")
                        && text.ends_with("refused (started with --readonly)"),
                    "{label}, key {c}: {text}"
                );
            } else if state.top_overlay() == Some(&Overlay::Logs) && c == 'r' {
                // In the log view r reconnects the stream: a read, which
                // read-only mode allows.
                assert!(
                    matches!(commands.as_slice(), [Command::FollowLogs { .. }]),
                    "{label}, key {c}: {commands:?}"
                );
            } else {
                // Inert here (as it is without --readonly, checked below).
                assert_eq!(commands, vec![], "{label}, key {c}");
            }
        }
    }
    // 2 x 4 panes x 7 keys, 3 operation states x 7 keys, 2 histories x r.
    assert_eq!(live, 8 * 7 + 3 * 7 + 2);
}

/// The same keys without --readonly do act, so the refusals above are
/// read-only mode's doing and not keys that do nothing.
#[test]
fn without_readonly_the_same_keys_act() {
    let d = deployed(false);
    let mut s = d.clone();
    assert_eq!(char_key(&mut s, 'S'), vec![Command::PrepareSecrets]);
    let mut s = d.clone();
    assert_eq!(char_key(&mut s, 'M'), vec![Command::PrepareMoveSecrets]);
    let mut s = d.clone();
    assert_eq!(char_key(&mut s, 'e'), vec![Command::EditConfig]);
    for k in ['i', 'u'] {
        let mut s = d.clone();
        let commands = char_key(&mut s, k);
        assert!(
            matches!(
                commands.as_slice(),
                [Command::PrepareDeploy { deployed: Some(_) }]
            ),
            "{k}: {commands:?}"
        );
    }
    let mut s = d.clone();
    assert_eq!(char_key(&mut s, 'r'), vec![]);
    assert_eq!(s.overlays, vec![Overlay::History { selected: 0 }]);
    assert_eq!(char_key(&mut s, 'r'), vec![]);
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
    assert_eq!(
        s.confirm.as_ref().unwrap().action,
        Action::Rollback { revision: 2 }
    );
    let mut s = d.clone();
    char_key(&mut s, 'X');
    assert_eq!(s.confirm.as_ref().unwrap().action, Action::Uninstall);

    // And in the states where the readonly test calls a key inert, it is
    // inert without --readonly too.
    for (label, state) in reachable(false) {
        for &c in WRITE_KEYS {
            if key_is_live(&state, c) {
                continue;
            }
            let mut s = state.clone();
            let commands = char_key(&mut s, c);
            assert!(
                commands.iter().all(|c| !is_write(c)) && s.confirm.is_none(),
                "{label}, key {c}: {commands:?}"
            );
        }
    }
}

fn forced(action: Action, confirmation: Confirmation) -> State {
    let mut s = deployed(true);
    s.confirm = Some(PendingConfirm {
        action,
        explain: vec!["forced into the state".into()],
        diff: Vec::new(),
        confirmation,
        kept: "nothing was changed",
        scroll: 0,
    });
    s.overlays.push(Overlay::Confirm);
    s
}

#[test]
fn a_dialog_forced_into_the_state_cannot_run_in_readonly() {
    let actions = [
        Action::GenerateSecrets {
            path: "/tmp/x/secrets.yaml".into(),
            overwrite: true,
        },
        Action::MoveSecrets {
            from: "/tmp/x/config.yaml".into(),
            to: "/tmp/x/secrets.yaml".into(),
        },
        Action::Deploy,
        Action::Rollback { revision: 1 },
        Action::Uninstall,
        Action::DeleteNamespace,
        Action::BindClusterAdmin {
            user: "ada@example.com".into(),
        },
    ];
    for action in actions {
        // y on a yes/no dialog.
        let mut s = forced(action.clone(), Confirmation::YesNo);
        let commands = char_key(&mut s, 'y');
        assert_eq!(commands, vec![], "{action:?}");
        assert!(s.operation.is_none(), "{action:?}");
        assert!(s.confirm.is_none() && s.overlays.is_empty(), "{action:?}");
        assert_eq!(
            footer(&s),
            format!(
                "read-only mode: {} refused (started with --readonly)",
                action.title()
            )
        );
        // The right name typed on a typed dialog.
        let mut s = forced(
            action.clone(),
            Confirmation::Typed {
                expected: "jhub".into(),
                typed: String::new(),
            },
        );
        let mut commands = type_text(&mut s, "jhub");
        commands.extend(key(&mut s, KeyCode::Enter));
        assert_eq!(commands, vec![], "{action:?}");
        assert!(s.operation.is_none(), "{action:?}");
        assert!(footer(&s).starts_with("read-only mode: "), "{}", footer(&s));
    }
}

#[test]
fn a_finished_uninstall_offers_nothing_to_run_in_readonly() {
    // Even if an uninstall's result arrived (it cannot start in read-only
    // mode), the namespace offer it opens cannot run.
    let mut s = deployed(true);
    s.operation = Some(Operation::new(Action::Uninstall, s.now));
    app::update(&mut s, Msg::OperationDone(Ok("uninstalled jhub".into())));
    assert_eq!(
        s.confirm.as_ref().map(|c| c.action.clone()),
        Some(Action::DeleteNamespace)
    );
    let mut commands = type_text(&mut s, NAMESPACE);
    commands.extend(key(&mut s, KeyCode::Enter));
    assert_eq!(commands, vec![]);
    assert_eq!(
        footer(&s),
        "read-only mode: delete the namespace refused (started with --readonly)"
    );
}

#[test]
fn the_cluster_admin_offer_cannot_run_in_readonly() {
    // The check runs on connecting (reading is allowed); its offer opens
    // like every write's dialog, and its confirmation is refused.
    let mut s = deployed(true);
    let context = s.target.context.clone();
    app::update(
        &mut s,
        Msg::ClusterAdmin {
            context,
            allowed: false,
            user: Some("ada@example.com".into()),
        },
    );
    assert_eq!(
        s.confirm.as_ref().map(|c| c.action.clone()),
        Some(Action::BindClusterAdmin {
            user: "ada@example.com".into()
        })
    );
    assert_eq!(char_key(&mut s, 'y'), vec![]);
    assert!(s.operation.is_none());
    assert_eq!(
        footer(&s),
        "read-only mode: make ada@example.com cluster-admin refused (started with --readonly)"
    );
}

#[test]
fn the_cluster_subcommands_that_write_refuse_with_readonly() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--readonly",
                "--project",
                "demo",
                "--location",
                "us-central1-b",
                "cluster",
                "create",
                "--yes",
            ],
            "cluster create",
        ),
        (
            &[
                "--readonly",
                "--project",
                "demo",
                "--location",
                "us-central1-b",
                "cluster",
                "delete",
                "--yes",
            ],
            "cluster delete",
        ),
    ];
    for (args, what) in cases {
        let scratch = tempfile::tempdir().unwrap();
        let work = headless::Workdir::new(&scratch.path().join("no-kubeconfig"), None);
        // A GKE endpoint nothing listens on: a request would fail loudly.
        let run = work.run(&[&["--gke-endpoint", "http://127.0.0.1:9"], *args].concat());
        assert_refused(&run, what, args);
        assert!(!work.record.exists(), "{args:?}: helm was run");
        assert!(
            !scratch.path().join("no-kubeconfig").exists(),
            "{args:?}: a kubeconfig was written"
        );
    }
}

/// A refused subcommand exits 1 with the one read-only line and prints
/// nothing else.
fn assert_refused(run: &headless::Run, what: &str, args: &[&str]) {
    assert_eq!(run.code, Some(1), "{args:?}: {run}");
    assert_eq!(
        run.stderr,
        format!(
            "jhub-cockpit: read-only mode (--readonly): {what} was refused; nothing was changed\n"
        ),
        "{args:?}: {run}"
    );
    assert_eq!(run.stdout, "", "{args:?}");
}

#[test]
fn every_write_subcommand_refuses_with_readonly() {
    let cases: &[&[&str]] = &[
        &["--readonly", "secrets", "generate", "--out", "s.yaml"],
        &[
            "--readonly",
            "secrets",
            "generate",
            "--out",
            "s.yaml",
            "--yes",
        ],
        &["--readonly", "secrets", "generate"],
        &["--readonly", "secrets", "move"],
        &["--readonly", "secrets", "move", "--yes"],
        &["secrets", "move", "--yes", "--readonly"],
        &["--readonly", "deploy", "--yes"],
        &["--readonly", "deploy"],
        &["deploy", "--yes", "--readonly"],
        &["--readonly", "rollback", "1", "--yes"],
        &["--readonly", "uninstall", "--yes"],
        &["--readonly", "uninstall", "--yes", "--delete-namespace"],
    ];
    for args in cases {
        let scratch = tempfile::tempdir().unwrap();
        // No cluster: a kubeconfig that does not exist.
        let work = headless::Workdir::new(&scratch.path().join("no-kubeconfig"), None);
        if args.contains(&"move") {
            // Something to move, so that only read-only mode stands in the way.
            std::fs::write(work.config(), "proxy:\n  secretToken: feed\n").unwrap();
        }
        let config_before = std::fs::read(work.config()).unwrap();
        let run = work.run(args);
        let words: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-'))
            .collect();
        let what = match words[0] {
            "secrets" => format!("secrets {}", words[1]),
            other => other.to_owned(),
        };
        assert_refused(&run, &what, args);
        assert_eq!(work.helm_calls(), Vec::<String>::new(), "{args:?}");
        assert!(!work.record.exists(), "{args:?}: helm was run");
        assert_eq!(work.files(), ["config.yaml"], "{args:?}: files touched");
        assert_eq!(std::fs::read(work.config()).unwrap(), config_before);
    }
}
