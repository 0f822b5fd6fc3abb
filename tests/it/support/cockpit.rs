//! Pure cockpit states: the one state builder ([`StateBuilder`]), which
//! makes a state as the cockpit would, through update() from constructed
//! objects; the deployed hub the write-action tests share; key presses;
//! and drawing on ratatui's TestBackend.

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

/// A cockpit state made the way the cockpit makes it: every step is a
/// message through update(), as the terminal and the watchers send them.
/// Each test names the objects it needs; what it does not name is not
/// listed (or, with [`StateBuilder::listed_empty`], listed as none).
pub struct StateBuilder {
    state: State,
}

impl StateBuilder {
    /// At the tests' clock ([`now`]), pointed at `target`.
    pub fn new(target: Target) -> Self {
        StateBuilder {
            state: State::new(target, now()),
        }
    }

    /// Colours off, so that a snapshot holds text only.
    pub fn monochrome(mut self) -> Self {
        self.state.monochrome = true;
        self
    }

    pub fn sized(self, width: u16, height: u16) -> Self {
        self.message(Msg::Resize(width, height))
    }

    /// The API server answered.
    pub fn connected(self) -> Self {
        self.message(Msg::Connected {
            server_version: "v1.36.3".into(),
        })
    }

    /// A watcher's (re)list of `kind`.
    pub fn listed(self, kind: Kind, objects: Vec<Object>) -> Self {
        self.message(Msg::Watch(WatchMsg::Relisted(kind, objects)))
    }

    /// Each kind listed, with nothing in it.
    pub fn listed_empty(self, kinds: &[Kind]) -> Self {
        kinds
            .iter()
            .fold(self, |builder, kind| builder.listed(*kind, Vec::new()))
    }

    pub fn message(mut self, msg: Msg) -> Self {
        app::update(&mut self.state, msg);
        self
    }

    /// For what no message sets (the GKE view the settings give).
    pub fn with(mut self, change: impl FnOnce(&mut State)) -> Self {
        change(&mut self.state);
        self
    }

    pub fn build(self) -> State {
        self.state
    }
}

/// Nothing listed yet, no release.
pub fn empty(readonly: bool) -> State {
    StateBuilder::new(target(readonly))
        .monochrome()
        .sized(80, 24)
        .build()
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
    StateBuilder::new(target(readonly))
        .monochrome()
        .sized(80, 24)
        .connected()
        .listed(
            Kind::Node,
            vec![node("rig-node-1", true), node("rig-node-2", true)],
        )
        .listed_empty(&[Kind::StorageClass, Kind::Claim, Kind::Event])
        .listed(
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
        )
        .listed(
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
        )
        .listed(Kind::Release, revisions())
        .build()
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

/// The rows drawn with a highlight (underlined: the filter's and the
/// search's matches), each as (the whole row, its underlined characters).
pub fn underlined(state: &State, width: u16, height: u16) -> Vec<(String, String)> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| jhub_cockpit::ui::render(f, state))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .filter_map(|y| {
            let cells: Vec<_> = (0..width).map(|x| &buffer[(x, y)]).collect();
            let lit: String = cells
                .iter()
                .filter(|c| c.modifier.contains(ratatui::style::Modifier::UNDERLINED))
                .map(|c| c.symbol())
                .collect();
            (!lit.is_empty()).then(|| (cells.iter().map(|c| c.symbol()).collect(), lit))
        })
        .collect()
}
