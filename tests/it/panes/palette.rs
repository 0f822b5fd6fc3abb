//! The command palette (`:`) and the namespace picker (`N`), through
//! update(): parsing, completion, history, the nearest match, every action
//! by name through the keys' own paths, read-only refusals; a namespace
//! switch that drops what the old watchers had queued. Snapshots at 80x24
//! and 120x40.

use crossterm::event::KeyCode;
use insta::assert_snapshot;

use crate::support::cockpit::{NAMESPACE, deployed, draw, footer, key, relist, type_text};
use crate::support::objects::*;
use crate::support::sizes;
use jhub_cockpit::app::command::Retarget;
use jhub_cockpit::app::palette::{self, COMMANDS, completions};
use jhub_cockpit::app::{self, Command, Kind, Msg, Overlay, State, WatchMsg};
use jhub_cockpit::kube::namespaces::{NamespaceEntry, Namespaces, ReleaseSummary};

fn open(state: &mut State) -> Vec<Command> {
    key(state, KeyCode::Char(':'))
}

/// Opens the palette, types `line`, presses Enter.
fn run(state: &mut State, line: &str) -> Vec<Command> {
    open(state);
    type_text(state, line);
    key(state, KeyCode::Enter)
}

fn labels(state: &State) -> Vec<String> {
    let input = state.palette.as_ref().map(|p| p.input.clone()).unwrap();
    completions(state, &input)
        .into_iter()
        .map(|c| c.label)
        .collect()
}

fn problem(state: &State) -> String {
    state
        .palette
        .as_ref()
        .and_then(|p| p.problem.clone())
        .unwrap_or_default()
}

fn release(name: &str, chart: &str) -> Option<ReleaseSummary> {
    Some(ReleaseSummary {
        name: name.into(),
        chart: chart.into(),
        chart_version: "4.4.0".into(),
        status: "deployed".into(),
        revision: 3,
    })
}

/// Five namespaces: two with a JupyterHub release, one with another chart.
fn namespaces() -> Msg {
    let entry = |name: &str, release| NamespaceEntry {
        name: name.into(),
        release,
    };
    Msg::Namespaces(Ok(Namespaces {
        entries: vec![
            entry("default", None),
            entry("monitoring", release("prom", "kube-prometheus-stack")),
            entry(NAMESPACE, release("jhub", "jupyterhub")),
            entry("course-b", release("course-hub", "jupyterhub")),
            entry("kube-system", None),
        ],
        releases_unknown: None,
    }))
}

#[test]
fn colon_opens_the_palette_and_esc_leaves_it_unchanged() {
    let mut s = deployed(false);
    let before = s.clone();
    assert_eq!(
        open(&mut s),
        vec![Command::ReadNamespaces, Command::ReadContexts],
        "the argument lists are refreshed"
    );
    assert_eq!(s.top_overlay(), Some(&Overlay::Palette));
    // q is text here, not quit.
    type_text(&mut s, "q");
    assert!(!s.quit);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.top_overlay(), None);
    assert_eq!(s.focus, before.focus);
    assert!(s.palette.is_none());
}

#[test]
fn typing_completes_names_and_aliases_prefix_first_then_fuzzy() {
    let mut s = deployed(false);
    open(&mut s);
    type_text(&mut s, "lo");
    assert_eq!(labels(&s)[0], "logs POD");
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    // An alias (k9s's `wl`) finds its command.
    type_text(&mut s, "wl");
    assert_eq!(labels(&s)[0], "workloads");
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    // Fuzzy: letters in order.
    type_text(&mut s, "wrkld");
    assert_eq!(labels(&s), vec!["workloads"]);
}

#[test]
fn tab_takes_the_highlighted_entry_and_enter_runs_it() {
    let mut s = deployed(false);
    open(&mut s);
    type_text(&mut s, "work");
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.palette.as_ref().unwrap().input, "workloads");
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    assert_eq!(s.top_overlay(), Some(&Overlay::Workloads { scroll: 0 }));
    assert_eq!(s.palette_history, vec!["workloads".to_owned()]);

    // Down picks the second entry; Tab on a command that takes an
    // argument leaves the line ready for it.
    let mut s = deployed(false);
    open(&mut s);
    type_text(&mut s, "l");
    let second = labels(&s)[1].clone();
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Tab);
    let line = s.palette.as_ref().unwrap().input.clone();
    assert!(second.starts_with(line.trim_end()), "{second:?} → {line:?}");
}

#[test]
fn an_unknown_command_names_the_nearest_and_keeps_the_line() {
    let mut s = deployed(false);
    // A partial word runs what it completes to; a slip matches nothing.
    assert_eq!(run(&mut s, "pdos"), vec![]);
    assert_eq!(s.top_overlay(), Some(&Overlay::Palette), "still open");
    assert!(
        problem(&s).contains("did you mean 'pods'"),
        "{}",
        problem(&s)
    );
    assert_eq!(s.palette.as_ref().unwrap().input, "pdos");
    run_more(&mut s, "upgarde");
    assert!(problem(&s).contains("'upgrade'"), "{}", problem(&s));
    // Typing again clears the complaint.
    type_text(&mut s, "x");
    assert_eq!(problem(&s), "");
    assert!(s.palette_history.is_empty(), "nothing ran");
}

/// Clears the open palette's line, types `line`, presses Enter.
fn run_more(state: &mut State, line: &str) {
    while !state.palette.as_ref().unwrap().input.is_empty() {
        key(state, KeyCode::Backspace);
    }
    type_text(state, line);
    key(state, KeyCode::Enter);
}

#[test]
fn views_by_name_focus_their_pane_or_open_their_view() {
    for (line, expect_focus) in [("pods", 2usize), ("svc", 3), ("nodes", 0), ("release", 1)] {
        let mut s = deployed(false);
        key(&mut s, KeyCode::Char('4'));
        run(&mut s, line);
        assert_eq!(s.focus.index(), expect_focus, "{line}");
        assert_eq!(s.top_overlay(), None, "{line}");
    }
    for (line, overlay) in [
        ("history", Overlay::History { selected: 0 }),
        ("notes", Overlay::Notes { scroll: 0 }),
        ("pulls", Overlay::Pulls { scroll: 0 }),
        ("help", Overlay::Help),
    ] {
        let mut s = deployed(false);
        run(&mut s, line);
        assert_eq!(s.top_overlay(), Some(&overlay), "{line}");
    }
    let mut s = deployed(false);
    assert_eq!(run(&mut s, "quit"), vec![Command::Quit]);
    assert!(s.quit);
}

#[test]
fn every_write_key_has_a_command_and_runs_its_keys_path() {
    for key_char in app::write_flow::WRITE_KEYS {
        let command = COMMANDS
            .iter()
            .find(|c| c.key == key_char.to_string())
            .unwrap_or_else(|| panic!("no palette command for the write key {key_char}"));
        assert!(command.writes, "{} writes", command.name);
    }
    // `:upgrade` asks for the same preparation as `u`.
    let mut by_key = deployed(false);
    let from_key = key(&mut by_key, KeyCode::Char('u'));
    let mut by_name = deployed(false);
    assert_eq!(run(&mut by_name, "upgrade"), from_key);
    assert!(matches!(from_key[..], [Command::PrepareDeploy { .. }]));
    // `:uninstall` opens the same dialog as X.
    let mut s = deployed(false);
    run(&mut s, "uninstall");
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
}

#[test]
fn rollback_with_a_revision_opens_its_dialog_and_a_wrong_one_says_which_exist() {
    let mut s = deployed(false);
    run(&mut s, "rollback 1");
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
    let dialog = format!("{:?}", s.confirm);
    assert!(dialog.contains("revision 1"), "{dialog}");

    let mut s = deployed(false);
    run(&mut s, "rollback 9");
    assert_eq!(s.top_overlay(), None);
    assert_eq!(footer(&s), "no revision 9 (there are: 2 1)");

    // Its argument completes from the history, newest first.
    let mut s = deployed(false);
    open(&mut s);
    type_text(&mut s, "rollback ");
    assert_eq!(labels(&s), vec!["2", "1"]);
}

#[test]
fn read_only_greys_out_the_writes_and_says_why() {
    let mut s = deployed(true);
    open(&mut s);
    type_text(&mut s, "upg");
    let first = completions(&s, "upg").remove(0);
    assert_eq!(first.label, "upgrade");
    assert_eq!(first.greyed, Some("read-only (--readonly)"));
    assert_eq!(key(&mut s, KeyCode::Enter), vec![]);
    assert!(problem(&s).contains("read-only"), "{}", problem(&s));
    // A view is not greyed.
    assert_eq!(completions(&s, "pods")[0].greyed, None);
    let snapshot = draw(&s, 80, 24);
    assert!(snapshot.contains("read-only (--readonly)"), "{snapshot}");
}

#[test]
fn the_empty_line_lists_the_commands_run_before_newest_first() {
    let mut s = deployed(false);
    run(&mut s, "svc");
    run(&mut s, "pods");
    run(&mut s, "svc");
    open(&mut s);
    let list = completions(&s, "");
    let recent: Vec<&str> = list
        .iter()
        .filter(|c| c.recent)
        .map(|c| c.line.as_str())
        .collect();
    assert_eq!(recent, vec!["svc", "pods"], "deduplicated, newest first");
    // Enter on the empty line runs the highlighted one.
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.focus.index(), 2, "pods ran");
}

#[test]
fn logs_by_pod_name_opens_them_and_an_unknown_pod_is_named() {
    let mut s = deployed(false);
    open(&mut s);
    type_text(&mut s, "logs ali");
    assert_eq!(labels(&s), vec!["jupyter-alice"]);
    key(&mut s, KeyCode::Tab);
    let commands = key(&mut s, KeyCode::Enter);
    assert_eq!(s.top_overlay(), Some(&Overlay::Logs));
    assert!(
        matches!(&commands[..], [Command::FollowLogs { pod, .. }] if pod == "jupyter-alice"),
        "{commands:?}"
    );
    let mut s = deployed(false);
    run(&mut s, "logs nobody");
    assert_eq!(
        footer(&s),
        format!("no pod 'nobody' in namespace {NAMESPACE}")
    );
}

#[test]
fn ns_completes_releases_first_and_switches_with_the_namespaces_release() {
    let mut s = deployed(false);
    app::update(&mut s, namespaces());
    open(&mut s);
    type_text(&mut s, "ns ");
    assert_eq!(
        labels(&s),
        vec![
            "course-b",
            NAMESPACE,
            "monitoring",
            "default",
            "kube-system"
        ],
        "JupyterHub releases first, then other releases, then the rest"
    );
    type_text(&mut s, "cour");
    key(&mut s, KeyCode::Tab);
    let commands = key(&mut s, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::Retarget(Retarget {
            context: None,
            namespace: "course-b".into(),
            release: Some("course-hub".into()),
            generation: 1,
        })]
    );
    assert_eq!(s.target.namespace, "course-b");
    assert_eq!(
        s.deploy.release, "course-hub",
        "the writes act on its release"
    );
    // A partial name runs what it completes to; a name nothing matches is
    // taken as typed (a namespace an install will make), and said so.
    let mut partial = deployed(false);
    app::update(&mut partial, namespaces());
    run(&mut partial, "ns sys");
    assert_eq!(partial.target.namespace, "kube-system");
    app::update(&mut partial, namespaces());
    run(&mut partial, "ns qqq");
    assert_eq!(partial.target.namespace, "qqq");
    assert!(
        footer(&partial).contains("does not exist yet"),
        "{}",
        footer(&partial)
    );
    assert!(
        s.resources.pods.is_empty(),
        "the old namespace's rows are gone"
    );

    // What the old watchers had queued is dropped; the new ones' lands.
    let old = Msg::Targeted {
        generation: 0,
        msg: Box::new(Msg::Watch(WatchMsg::Relisted(
            Kind::Pod,
            vec![running_pod(
                "hub-old",
                "hub",
                "rig-node-1",
                "2026-12-01T11:00:00Z",
            )],
        ))),
    };
    app::update(&mut s, old);
    assert!(s.resources.pods.is_empty(), "a stale message landed");
    let new = Msg::Targeted {
        generation: 1,
        msg: Box::new(Msg::Watch(WatchMsg::Relisted(
            Kind::Pod,
            vec![running_pod(
                "hub-new",
                "hub",
                "rig-node-1",
                "2026-12-01T11:00:00Z",
            )],
        ))),
    };
    app::update(&mut s, new);
    assert!(s.resources.pods.get("hub-new").is_some());
}

#[test]
fn the_picker_lists_releases_first_and_saves_only_when_asked() {
    let mut s = deployed(false);
    assert_eq!(
        key(&mut s, KeyCode::Char('N')),
        vec![Command::ReadNamespaces]
    );
    app::update(&mut s, namespaces());
    // The panes' namespace is selected, and stays selected across a
    // fresh list.
    let selected = |s: &State| match s.top_overlay() {
        Some(Overlay::Namespaces { selected }) => *selected,
        other => panic!("{other:?}"),
    };
    assert_eq!(selected(&s), 1, "{NAMESPACE} is second after course-b");
    app::update(&mut s, namespaces());
    assert_eq!(selected(&s), 1);
    key(&mut s, KeyCode::Char('k'));
    // Enter switches and saves nothing.
    let commands = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(&commands[..], [Command::Retarget(r)] if r.namespace == "course-b"),
        "{commands:?}"
    );
    // s on the panes' own namespace saves it; on another, switches there
    // and saves.
    key(&mut s, KeyCode::Char('N'));
    app::update(&mut s, namespaces());
    let commands = key(&mut s, KeyCode::Char('s'));
    assert!(
        matches!(&commands[..], [Command::SaveTarget { namespace, .. }] if namespace == "course-b"),
        "{commands:?}"
    );
    key(&mut s, KeyCode::Char('N'));
    app::update(&mut s, namespaces());
    key(&mut s, KeyCode::Char('j'));
    let commands = key(&mut s, KeyCode::Char('s'));
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert_eq!(
        commands[1],
        Command::SaveTarget {
            context: "rig".into(),
            namespace: NAMESPACE.into(),
            release: "jhub".into(),
        }
    );
    // A list that cannot be read says what to do instead.
    let mut s = deployed(false);
    key(&mut s, KeyCode::Char('N'));
    app::update(
        &mut s,
        Msg::Namespaces(Err(
            "namespaces is forbidden: User \"bob\" cannot list".into()
        )),
    );
    let screen = draw(&s, 80, 24);
    assert!(screen.contains(":ns NAME switches"), "{screen}");
}

#[test]
fn a_switch_waits_for_a_running_operation() {
    let mut s = deployed(false);
    app::update(&mut s, namespaces());
    assert_eq!(run(&mut s, "secrets"), vec![Command::PrepareSecrets]);
    app::update(
        &mut s,
        Msg::SecretsPrepared {
            path: "secrets.yaml".into(),
            exists: false,
        },
    );
    key(&mut s, KeyCode::Char('y'));
    assert!(s.operation.as_ref().is_some_and(|o| o.running()));
    assert_eq!(run(&mut s, "ns course-b"), vec![]);
    assert_eq!(s.target.namespace, NAMESPACE);
    assert!(
        footer(&s).contains("waits for the running operation"),
        "{}",
        footer(&s)
    );
}

#[test]
fn palette_with_completions_at_80x24_and_120x40() {
    let mut s = deployed(false);
    run(&mut s, "workloads");
    key(&mut s, KeyCode::Esc);
    open(&mut s);
    assert_snapshot!("palette_empty_line_80x24", draw(&s, 80, 24));
    type_text(&mut s, "u");
    assert_snapshot!("palette_u_80x24", draw(&s, 80, 24));
    assert_snapshot!("palette_u_120x40", draw(&s, 120, 40));
    sizes::draws_at_every_size(&s);
    let mut s = deployed(false);
    app::update(&mut s, namespaces());
    open(&mut s);
    type_text(&mut s, "ns ");
    assert_snapshot!("palette_ns_80x24", draw(&s, 80, 24));
}

#[test]
fn namespace_picker_at_80x24_and_120x40() {
    let mut s = deployed(false);
    key(&mut s, KeyCode::Char('N'));
    app::update(&mut s, namespaces());
    assert_snapshot!("namespaces_80x24", draw(&s, 80, 24));
    assert_snapshot!("namespaces_120x40", draw(&s, 120, 40));
    sizes::draws_at_every_size(&s);
}

#[test]
fn the_help_lists_every_palette_command_and_scrolls() {
    let mut s = deployed(false);
    key(&mut s, KeyCode::Char('?'));
    let whole = draw(&s, 120, 40);
    for c in COMMANDS {
        assert!(whole.contains(c.name), "{} missing:\n{whole}", c.name);
    }
    assert_snapshot!("help_120x40", whole);
    let top = draw(&s, 80, 24);
    assert!(top.contains("j/k scroll"), "{top}");
    for _ in 0..30 {
        key(&mut s, KeyCode::Char('j'));
    }
    let bottom = draw(&s, 80, 24);
    assert!(bottom.contains("delete-cluster"), "{bottom}");
    assert_ne!(top, bottom);
}

#[test]
fn the_footer_shows_the_focused_panes_keys() {
    let mut s = deployed(false);
    key(&mut s, KeyCode::Char('2'));
    let release = draw(&s, 80, 24);
    assert!(release.contains("Enter history"), "{release}");
    assert!(release.contains("u upgrade"), "{release}");
    key(&mut s, KeyCode::Char('3'));
    let pods = draw(&s, 80, 24);
    assert!(pods.contains("l logs"), "{pods}");
    assert!(!pods.contains("u upgrade"), "{pods}");
    key(&mut s, KeyCode::Char('1'));
    assert!(draw(&s, 80, 24).contains("N namespaces"));
    let _ = relist;
}

#[test]
fn the_nearest_match_is_found_for_common_slips() {
    assert_eq!(palette::nearest("pdos"), Some("pods"));
    assert_eq!(palette::nearest("serivces"), Some("svc"));
    assert_eq!(palette::nearest("nmespace"), Some("ns"));
    assert_eq!(palette::nearest("zzzzzzzzzzzzzzzz"), None);
}
