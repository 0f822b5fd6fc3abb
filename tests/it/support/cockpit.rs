//! Pure cockpit states for the write-action tests (readonly, confirmations,
//! views_actions): a deployed hub built through update() from constructed
//! objects, key presses, and drawing on ratatui's TestBackend.

#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::support::objects::*;
use jhub_cockpit::app::{self, Command, Kind, Msg, Object, State, Target, WatchMsg};

/// The namespace the pure tests point at; not the release name, so a typed
/// confirmation can tell them apart.
pub const NAMESPACE: &str = "t2";
pub const RELEASE: &str = "jhub";

pub fn target(readonly: bool) -> Target {
    Target {
        context: "rig".into(),
        namespace: NAMESPACE.into(),
        release: None,
        readonly,
        insecure: false,
    }
}

pub fn relist(state: &mut State, kind: Kind, objects: Vec<Object>) -> Vec<Command> {
    app::update(state, Msg::Watch(WatchMsg::Relisted(kind, objects)))
}

/// Nothing listed yet, no release.
pub fn empty(readonly: bool) -> State {
    let mut state = State::new(target(readonly), now());
    state.monochrome = true;
    app::update(&mut state, Msg::Resize(80, 24));
    state
}

/// Release revisions 1 (superseded) and 2 (deployed) of `jhub`.
pub fn revisions() -> Vec<Object> {
    vec![
        release_secret("jhub", 1, "superseded", "4.3.0", "2026-12-01T11:00:00Z"),
        release_secret("jhub", 2, "deployed", "4.4.0", "2026-12-01T11:30:00Z"),
    ]
}

/// A hub that is up: nodes, the chart's pods, a user, services with the
/// public IP, and the release at revision 2.
pub fn deployed(readonly: bool) -> State {
    let mut state = empty(readonly);
    app::update(
        &mut state,
        Msg::Connected {
            server_version: "v1.36.3".into(),
        },
    );
    relist(
        &mut state,
        Kind::Node,
        vec![node("rig-node-1", true), node("rig-node-2", true)],
    );
    relist(&mut state, Kind::StorageClass, vec![]);
    relist(&mut state, Kind::Claim, vec![]);
    relist(&mut state, Kind::Event, vec![]);
    relist(
        &mut state,
        Kind::Pod,
        vec![
            running_pod(
                "hub-7d9f8c6b5-abcde",
                "hub",
                "rig-node-1",
                "2026-12-01T11:00:00Z",
            ),
            running_pod(
                "proxy-6f9c7d8b5-x2x4q",
                "proxy",
                "rig-node-1",
                "2026-12-01T11:00:00Z",
            ),
            running_pod(
                "jupyter-alice",
                "singleuser-server",
                "rig-node-2",
                "2026-12-01T11:30:00Z",
            ),
        ],
    );
    relist(
        &mut state,
        Kind::Service,
        vec![
            service("hub", "ClusterIP", "10.96.0.10", 8081, None),
            service(
                "proxy-public",
                "LoadBalancer",
                "10.96.0.12",
                80,
                Some("127.0.1.1"),
            ),
        ],
    );
    relist(&mut state, Kind::Release, revisions());
    state
}

pub fn key(state: &mut State, code: KeyCode) -> Vec<Command> {
    app::update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn char_key(state: &mut State, c: char) -> Vec<Command> {
    key(state, KeyCode::Char(c))
}

/// Types `text` key by key; returns every command the keys produced.
pub fn type_text(state: &mut State, text: &str) -> Vec<Command> {
    text.chars().flat_map(|c| char_key(state, c)).collect()
}

pub fn footer(state: &State) -> String {
    state
        .footer
        .message
        .as_ref()
        .map(|(t, _)| t.clone())
        .unwrap_or_default()
}

pub fn draw(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| jhub_cockpit::ui::render(f, state))
        .unwrap();
    format!("{}", terminal.backend())
}
