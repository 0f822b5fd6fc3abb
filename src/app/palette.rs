//! The command palette (`:`, as in k9s): every view and every action by
//! name, for the operator whose hands know `:pods` and `:ns jhub` better
//! than this cockpit's letters.
//!
//! [`COMMANDS`] is the one table: the palette completes from it, runs from
//! it, and the help lists it. Each entry names the key that does the same,
//! so the palette teaches the keys. Commands run through the keys' own
//! paths (the writes through the same confirm-then-run dialog), so a
//! command can do nothing a key could not; the writes are greyed out in
//! read-only mode with the reason.
//!
//! While the operator types the first word, the list shows the commands
//! that match it (fuzzy; those starting with it first); after the command
//! and a space, its argument's values: namespaces (JupyterHub releases
//! first), contexts, pods, revisions. With nothing typed, the list starts
//! with the commands run before (newest first). Tab takes the highlighted
//! entry into the line, Enter runs the line, an unknown command names the
//! nearest one.

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::lists;
use super::state::{Overlay, Pane, State};

/// What a command's argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    None,
    /// Optional: none opens the picker.
    Namespace,
    /// Optional: none opens the context list.
    Context,
    /// Optional: none takes the selected pod.
    Pod,
    /// Optional: none opens the history to choose.
    Revision,
}

#[derive(Debug)]
pub struct PaletteCommand {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub arg: Arg,
    /// The key that does the same, for the list and the help.
    pub key: &'static str,
    pub what: &'static str,
    /// Changes the cluster or the operator's files: refused read-only.
    pub writes: bool,
}

const fn view(
    name: &'static str,
    aliases: &'static [&'static str],
    key: &'static str,
    what: &'static str,
) -> PaletteCommand {
    PaletteCommand {
        name,
        aliases,
        arg: Arg::None,
        key,
        what,
        writes: false,
    }
}

const fn write(name: &'static str, key: &'static str, what: &'static str) -> PaletteCommand {
    PaletteCommand {
        name,
        aliases: &[],
        arg: Arg::None,
        key,
        what,
        writes: true,
    }
}

pub const COMMANDS: &[PaletteCommand] = &[
    view("pods", &["po", "pod"], "3", "the Pods pane"),
    view("svc", &["services", "service"], "4", "the Services pane"),
    view(
        "nodes",
        &["no", "node", "cluster"],
        "1",
        "the Cluster pane: nodes",
    ),
    view("release", &["rel"], "2", "the Release pane"),
    view(
        "history",
        &["hist", "revisions"],
        "2 Enter",
        "the release's revisions",
    ),
    view("events", &["ev", "event"], "E", "the namespace's events"),
    view(
        "workloads",
        &["wl", "deploy"],
        "w",
        "the release's workloads",
    ),
    view("users", &["hub"], "U", "the hub's users and servers"),
    view("pulls", &["images"], "P", "the users' image per node"),
    view("notes", &[], "n", "the release's NOTES"),
    view(
        "clusters",
        &["gke"],
        "K",
        "every GKE cluster of the project",
    ),
    view("contexts", &[], "C", "the kubeconfig's contexts"),
    PaletteCommand {
        name: "ctx",
        aliases: &["context"],
        arg: Arg::Context,
        key: "C",
        what: "switch the panes to a context",
        writes: false,
    },
    PaletteCommand {
        name: "ns",
        aliases: &["namespace"],
        arg: Arg::Namespace,
        key: "N",
        what: "switch the panes to a namespace",
        writes: false,
    },
    PaletteCommand {
        name: "logs",
        aliases: &["log"],
        arg: Arg::Pod,
        key: "l",
        what: "a pod's logs",
        writes: false,
    },
    view(
        "operation",
        &["op", "progress"],
        "o",
        "the last operation's panel",
    ),
    view("reveal", &["secrets-show"], "V", "show the secrets file"),
    view("help", &["keys", "?"], "?", "every key"),
    view("quit", &["q", "exit"], "q", "leave the cockpit"),
    write("install", "i", "install the chart (diff first)"),
    write("upgrade", "u", "upgrade the release (diff first)"),
    PaletteCommand {
        name: "rollback",
        aliases: &["undo"],
        arg: Arg::Revision,
        key: "r",
        what: "roll back to a revision",
        writes: true,
    },
    write("uninstall", "X", "uninstall the release"),
    write("secrets", "S", "generate the hub's secrets"),
    write("move-secrets", "M", "move secrets out of config.yaml"),
    write("edit", "e", "edit config.yaml"),
    write("image", "I", "set the users' image"),
    write("create-cluster", "c", "create a GKE cluster"),
    write("delete-cluster", "D", "delete the GKE cluster"),
    write("save", "N s", "save context and namespace in the settings"),
];

/// The palette's line and its list's highlight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    pub input: String,
    pub selected: usize,
    /// Why the last Enter did nothing (an unknown command, a missing pod).
    pub problem: Option<String>,
}

/// One entry of the list under the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The line Tab makes of it.
    pub line: String,
    /// What the list shows in its first column.
    pub label: String,
    pub key: &'static str,
    pub what: String,
    /// Why it cannot run now (read-only), shown greyed.
    pub greyed: Option<&'static str>,
    /// Run before (from the history).
    pub recent: bool,
}

/// The command a word names: its name or an alias, exactly.
pub fn named(word: &str) -> Option<&'static PaletteCommand> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
}

/// The command a mistyped word most likely meant.
pub fn nearest(word: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .flat_map(|c| {
            std::iter::once(c.name)
                .chain(c.aliases.iter().copied())
                .map(move |n| (c.name, n))
        })
        .map(|(name, spelled)| (strsim::damerau_levenshtein(word, spelled), name))
        // A third of the word may be wrong: `pdos`, `serivces`, not `zzz`.
        .filter(|(d, _)| *d <= word.chars().count().div_ceil(3))
        .min_by_key(|(d, name)| (*d, name.len()))
        .map(|(_, name)| name)
}

fn greyed(state: &State, command: &PaletteCommand) -> Option<&'static str> {
    (command.writes && state.target.readonly).then_some("read-only (--readonly)")
}

/// The list under the line, best first.
pub fn completions(state: &State, input: &str) -> Vec<Completion> {
    match input.split_once(' ') {
        None => command_completions(state, input),
        Some((word, rest)) => match named(word) {
            Some(command) => argument_completions(state, command, rest.trim_start()),
            None => Vec::new(),
        },
    }
}

fn command_completions(state: &State, typed: &str) -> Vec<Completion> {
    let mut out = Vec::new();
    if typed.is_empty() {
        out.extend(state.palette_history.iter().take(5).map(|line| {
            let command = line.split(' ').next().and_then(named);
            Completion {
                line: line.clone(),
                label: line.clone(),
                key: command.map_or("", |c| c.key),
                what: command.map_or(String::new(), |c| c.what.to_owned()),
                greyed: command.and_then(|c| greyed(state, c)),
                recent: true,
            }
        }));
    }
    let mut scored: Vec<(u8, u32, usize, &PaletteCommand)> = COMMANDS
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let starts =
                c.name.starts_with(typed) || c.aliases.iter().any(|a| a.starts_with(typed));
            let score = super::fuzzy::score(typed, &[c.name]).or_else(|| {
                c.aliases
                    .iter()
                    .filter_map(|a| super::fuzzy::score(typed, &[a]))
                    .max()
            });
            match (starts, score) {
                (true, s) => Some((0, u32::MAX - s.unwrap_or(0), i, c)),
                (false, Some(s)) => Some((1, u32::MAX - s, i, c)),
                (false, None) => None,
            }
        })
        .collect();
    scored
        .sort_by_key(|(rank, score, i, _)| (*rank, if typed.is_empty() { 0 } else { *score }, *i));
    out.extend(scored.into_iter().map(|(_, _, _, c)| Completion {
        line: if c.arg == Arg::None {
            c.name.to_owned()
        } else {
            format!("{} ", c.name)
        },
        label: match c.arg {
            Arg::None => c.name.to_owned(),
            Arg::Namespace => format!("{} NAME", c.name),
            Arg::Context => format!("{} NAME", c.name),
            Arg::Pod => format!("{} POD", c.name),
            Arg::Revision => format!("{} REV", c.name),
        },
        key: c.key,
        what: c.what.to_owned(),
        greyed: greyed(state, c),
        recent: false,
    }));
    out
}

fn argument_completions(state: &State, command: &PaletteCommand, typed: &str) -> Vec<Completion> {
    let entry = |value: String, what: String| Completion {
        line: format!("{} {value}", command.name),
        label: value,
        key: "",
        what,
        greyed: greyed(state, command),
        recent: false,
    };
    let mut values: Vec<(String, String)> = match command.arg {
        Arg::None => Vec::new(),
        Arg::Namespace => state
            .namespaces
            .ordered()
            .into_iter()
            .map(|e| {
                let what = match &e.release {
                    Some(r) => format!("{} {} {} ({})", r.name, r.chart, r.chart_version, r.status),
                    None => String::new(),
                };
                (e.name.clone(), what)
            })
            .collect(),
        Arg::Context => state
            .contexts
            .iter()
            .map(|c| (c.name.clone(), c.cluster.clone()))
            .collect(),
        Arg::Pod => lists::pods(state)
            .map(|e| (e.row.name.to_string(), e.row.status.to_string()))
            .collect(),
        Arg::Revision => lists::revisions(state)
            .into_iter()
            .map(|r| {
                (
                    r.revision.to_string(),
                    format!("{} {}", r.status.as_str(), r.chart_version),
                )
            })
            .collect(),
    };
    if !typed.is_empty() {
        let mut scored: Vec<(u32, (String, String))> = values
            .into_iter()
            .filter_map(|(v, w)| super::fuzzy::score(typed, &[&v]).map(|s| (s, (v, w))))
            .collect();
        // Stable: equal scores keep the list's own order.
        scored.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
        values = scored.into_iter().map(|(_, e)| e).collect();
    }
    values.into_iter().map(|(v, w)| entry(v, w)).collect()
}

/// Opens the palette (`:`).
pub fn open(state: &mut State) -> Vec<Command> {
    state.palette = Some(Palette::default());
    state.overlays.push(Overlay::Palette);
    // The argument lists complete from what is known; refresh them.
    vec![Command::ReadNamespaces, Command::ReadContexts]
}

fn close(state: &mut State) {
    state.palette = None;
    if state.top_overlay() == Some(&Overlay::Palette) {
        state.overlays.pop();
    }
}

/// Keys while the palette is open: it takes them all (a typed `q` is text).
/// Enter on a partial word runs the highlighted entry.
pub fn key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    let Some(mut palette) = state.palette.clone() else {
        close(state);
        return Vec::new();
    };
    let list = completions(state, &palette.input);
    match key.code {
        KeyCode::Esc => {
            close(state);
            return Vec::new();
        }
        KeyCode::Enter => {
            // The line when it names a command and its argument exactly;
            // else the highlighted entry (the history on an empty line,
            // `upg` → upgrade, `ns sys` → kube-system); else the line,
            // which then names the nearest command (or a namespace not
            // made yet).
            let (first_word, argument) = match palette.input.split_once(' ') {
                Some((w, a)) => (w, a.trim()),
                None => (palette.input.as_str(), ""),
            };
            let exact = named(first_word).is_some()
                && (argument.is_empty() || list.iter().any(|c| c.label == argument));
            let line = match list.get(palette.selected) {
                Some(c) if !exact => c.line.clone(),
                _ => palette.input.clone(),
            };
            return enter(state, palette, line.trim());
        }
        KeyCode::Tab => {
            if let Some(c) = list.get(palette.selected) {
                palette.input = c.line.clone();
                palette.selected = 0;
            }
        }
        KeyCode::Down => {
            palette.selected = (palette.selected + 1).min(list.len().saturating_sub(1))
        }
        KeyCode::Up => palette.selected = palette.selected.saturating_sub(1),
        KeyCode::Backspace => {
            palette.input.pop();
            palette.selected = 0;
        }
        KeyCode::Char(c) => {
            palette.input.push(c);
            palette.selected = 0;
        }
        _ => return Vec::new(),
    }
    palette.problem = None;
    state.palette = Some(palette);
    Vec::new()
}

/// Runs the line, or keeps the palette open with what is wrong.
fn enter(state: &mut State, mut palette: Palette, line: &str) -> Vec<Command> {
    let (word, arg) = match line.split_once(' ') {
        Some((w, a)) => (w, Some(a.trim()).filter(|a| !a.is_empty())),
        None => (line, None),
    };
    let Some(command) = named(word) else {
        palette.problem = Some(match nearest(word) {
            Some(n) => format!("no command '{word}': did you mean '{n}'? (Tab completes)"),
            None => format!("no command '{word}' (the list shows every command)"),
        });
        state.palette = Some(palette);
        return Vec::new();
    };
    if arg.is_some() && command.arg == Arg::None {
        palette.problem = Some(format!("'{}' takes no argument", command.name));
        state.palette = Some(palette);
        return Vec::new();
    }
    if let Some(why) = greyed(state, command) {
        palette.problem = Some(format!("{}: refused, {why}", command.name));
        state.palette = Some(palette);
        return Vec::new();
    }
    let line = line.to_owned();
    state.palette_history.retain(|l| *l != line);
    state.palette_history.insert(0, line);
    state.palette_history.truncate(50);
    close(state);
    run(state, command, arg)
}

fn run(state: &mut State, command: &PaletteCommand, arg: Option<&str>) -> Vec<Command> {
    let focus = |state: &mut State, pane: Pane| {
        state.focus = pane;
        Vec::new()
    };
    match command.name {
        "pods" => focus(state, Pane::Pods),
        "svc" => focus(state, Pane::Services),
        "nodes" => focus(state, Pane::Cluster),
        "release" => focus(state, Pane::Release),
        "history" => {
            state.focus = Pane::Release;
            state.overlays.push(Overlay::History { selected: 0 });
            Vec::new()
        }
        "events" => super::keys::handle_main_char(state, 'E'),
        "workloads" => super::keys::handle_main_char(state, 'w'),
        "users" => super::hub_view::open_users(state),
        "pulls" => super::keys::handle_main_char(state, 'P'),
        "notes" => super::keys::handle_main_char(state, 'n'),
        "clusters" => super::clusters_view::open(state),
        "contexts" => super::clusters_view::open_contexts(state),
        "ctx" => match arg {
            None => super::clusters_view::open_contexts(state),
            Some(name) => switch_context(state, name),
        },
        "ns" => match arg {
            None => super::target_switch::open_picker(state),
            Some(name) => super::target_switch::to_namespace(state, name.to_owned()),
        },
        "logs" => match arg {
            None => super::keys::handle_main_char(state, 'l'),
            Some(pod) if state.resources.pods.get(pod).is_some() => {
                super::logs::flow::open(state, pod.to_owned())
            }
            Some(pod) => {
                state.warn(format!(
                    "no pod '{pod}' in namespace {}",
                    state.target.namespace
                ));
                Vec::new()
            }
        },
        "operation" => super::keys::handle_main_char(state, 'o'),
        "reveal" => super::keys::handle_main_char(state, 'V'),
        "help" => {
            state.help_scroll = 0;
            state.overlays.push(Overlay::Help);
            Vec::new()
        }
        "quit" => {
            state.quit = true;
            vec![Command::Quit]
        }
        "rollback" => match arg {
            None => super::write_flow::request(state, 'r'),
            Some(rev) => rollback_to(state, rev),
        },
        "image" => super::image_form::open(state),
        "create-cluster" => super::gke_view::open_create(state),
        "delete-cluster" => super::gke_view::request_delete(state),
        "save" => vec![super::target_switch::save(state)],
        _ => match command.key.chars().next() {
            // The plain writes (install, upgrade, uninstall, secrets, ...)
            // are their key's request.
            Some(key) => super::write_flow::request(state, key),
            None => Vec::new(),
        },
    }
}

fn switch_context(state: &mut State, name: &str) -> Vec<Command> {
    if !state.contexts.is_empty() && !state.contexts.iter().any(|c| c.name == name) {
        state.warn(format!(
            "no context '{name}' in the kubeconfig (C lists them)"
        ));
        return Vec::new();
    }
    if name == state.target.context {
        state.info(format!("the panes are on {name} already"));
        return Vec::new();
    }
    if super::target_switch::refused_while_busy(state, "switching contexts") {
        return Vec::new();
    }
    super::target_switch::to_context(state, name.to_owned())
}

/// `rollback N`: the history opens on revision N and its dialog asks.
fn rollback_to(state: &mut State, rev: &str) -> Vec<Command> {
    let revisions = lists::revisions(state);
    let found = rev
        .parse::<u32>()
        .ok()
        .and_then(|n| revisions.iter().position(|r| r.revision == n));
    let Some(selected) = found else {
        let known: Vec<String> = revisions.iter().map(|r| r.revision.to_string()).collect();
        state.warn(if known.is_empty() {
            format!("no revision {rev}: the release has no history here")
        } else {
            format!("no revision {rev} (there are: {})", known.join(" "))
        });
        return Vec::new();
    };
    state.focus = Pane::Release;
    state.overlays.push(Overlay::History { selected });
    super::write_flow::request(state, 'r')
}
