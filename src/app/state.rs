//! The cockpit's state: plain data, changed only by `update()`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::logs::LogView;
use super::msg::Kind;
use super::resources::Resources;
use crate::actions::{Operation, PendingConfirm};

/// The four panes, in Tab order; the digit keys 1-4 pick them directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    Cluster,
    Release,
    #[default]
    Pods,
    Services,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Cluster, Pane::Release, Pane::Pods, Pane::Services];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % Pane::ALL.len()]
    }

    pub fn previous(self) -> Pane {
        Pane::ALL[(self.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Cluster => "Cluster",
            Pane::Release => "Release",
            Pane::Pods => "Pods",
            Pane::Services => "Services",
        }
    }
}

/// What covers the panes, if anything. Esc closes the top one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    PodDetails {
        pod: String,
        scroll: u16,
    },
    NodeDetails {
        node: String,
    },
    ServiceDetails {
        service: String,
    },
    Logs,
    /// The hub's users joined with their pods (U).
    Users {
        selected: usize,
    },
    /// One user: server, pod and its diagnosis, claim, a spawn's progress.
    UserDetails {
        user: String,
        scroll: u16,
    },
    Notes {
        scroll: u16,
    },
    /// The release's Deployments, StatefulSets, DaemonSets and Jobs.
    Workloads {
        scroll: u16,
    },
    History {
        selected: usize,
    },
    /// The dialog in `State::confirm`.
    Confirm,
    /// The image form in `State::image_form` (I).
    ImageForm,
    /// Per node, whether the release's users' image is pulled (P).
    Pulls {
        scroll: u16,
    },
    /// The namespace's events, folded, newest first (E); `selected` is
    /// the row's index, `State::events_view` has its identity.
    Events {
        selected: usize,
    },
    /// The form in `State::create_form`.
    CreateCluster,
    /// Every GKE cluster of the project (K).
    Clusters {
        selected: usize,
    },
    /// One cluster: its node pools (the selected one `pool`), endpoint,
    /// channel, context.
    ClusterDetails {
        name: String,
        location: String,
        pool: usize,
    },
    /// The form in `State::pool_form`.
    PoolForm,
    /// The kubeconfig's contexts (C).
    Contexts {
        selected: usize,
    },
    /// The cluster's namespaces, JupyterHub releases first (N).
    Namespaces {
        selected: usize,
    },
    /// The command palette (:), in `State::palette`.
    Palette,
    /// A scrollable text: a revision's values, a diff of two revisions, or
    /// the revealed secrets (dropped when it closes).
    Text {
        title: String,
        lines: Vec<crate::values::DiffLine>,
        scroll: u16,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// No answer from the API server yet.
    Connecting,
    Live,
    /// A watch failed; the panes show the last state, marked stale.
    Reconnecting {
        since: DateTime<Utc>,
        error: String,
    },
    /// No client could be made at all (kubeconfig, context, credentials).
    Unavailable {
        error: String,
    },
}

/// Where the cockpit is pointed, as resolved from flags, settings and the
/// kubeconfig.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub context: String,
    pub namespace: String,
    /// The release the operator asked for; None picks the JupyterHub one.
    pub release: Option<String>,
    pub readonly: bool,
    /// The kubeconfig skips TLS verification (shown as a warning).
    pub insecure: bool,
}

/// The filter typed after `/`: fuzzy and smart-case (`app::fuzzy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    /// The filter line has the keyboard.
    pub editing: bool,
}

impl Filter {
    /// Whether a row with these fields (name first, then status) passes:
    /// fuzzy and smart-case ([`super::fuzzy`]).
    pub fn matches(&self, fields: &[&str]) -> bool {
        super::fuzzy::matches(&self.text, fields)
    }
}

/// A list selection that survives rows being added and removed: it follows
/// the selected row's name, with the index as a fallback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub index: usize,
    pub name: Option<String>,
    /// First visible row, kept by the renderer's last known height.
    pub offset: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Footer {
    pub message: Option<(String, FooterLevel)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FooterLevel {
    Info,
    Warning,
    Error,
}

/// The release, chart and files the write actions use (from the settings
/// and flags), shown in their dialogs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployInfo {
    pub release: String,
    pub chart: String,
    pub values: Vec<std::path::PathBuf>,
    pub secrets_file: std::path::PathBuf,
    /// helm could not be found or is too old: why, for the footer.
    pub helm_problem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub target: Target,
    /// Bumped by each context or namespace switch; the watchers' messages
    /// carry the generation they were started for.
    pub target_generation: u64,
    pub namespaces: super::target_switch::NamespaceList,
    pub palette: Option<super::palette::Palette>,
    /// Commands run from the palette, newest first.
    pub palette_history: Vec<String>,
    /// How far the help is scrolled (it is longer than 24 rows).
    pub help_scroll: u16,
    pub server_version: Option<String>,
    pub connection: Connection,
    /// Kinds whose last watch failed and whose rows may be out of date.
    pub stale: BTreeSet<Kind>,
    /// Kinds that have completed at least one list.
    pub listed: BTreeSet<Kind>,
    pub now: DateTime<Utc>,
    pub focus: Pane,
    pub overlays: Vec<Overlay>,
    pub filter: Filter,
    pub selections: [Selection; 4],
    pub resources: Resources,
    pub logs: Option<LogView>,
    /// The id the last log stream was given (see `logs::flow`).
    pub log_streams: u64,
    /// The hub itself: health, users, a spawn's progress.
    pub hub: super::hub_state::HubState,
    pub users_view: super::hub_view::UsersView,
    pub events_view: super::events_view::EventsView,
    /// The events' watch an open view asked for (see `scoped_events`).
    pub scoped_events: Option<super::scoped_events::ScopedEvents>,
    /// The id the last scoped events' watch was given.
    pub event_streams: u64,
    pub footer: Footer,
    /// Rows the pods pane showed last frame, so PgUp/PgDn move a page.
    pub page_rows: usize,
    /// The write action waiting for the operator's answer.
    pub confirm: Option<PendingConfirm>,
    /// The running (or last finished) write action.
    pub operation: Option<Operation>,
    /// What the write actions will use, for the dialogs to show.
    pub deploy: DeployInfo,
    /// The GKE clusters of the project, when GKE is configured.
    pub gke: Option<super::gke_state::GkeView>,
    pub create_form: Option<super::gke_state::CreateForm>,
    pub pool_form: Option<super::gke_state::PoolForm>,
    /// The kubeconfig's contexts, as last read (at start, when the clusters
    /// view or the context list opens, after a connect).
    pub contexts: Vec<super::gke_state::KubeContext>,
    /// The context list's filter (`/` there).
    pub contexts_filter: Filter,
    pub image_form: Option<super::image_form::ImageForm>,
    /// The revision marked in the history (m) to diff against (d).
    pub history_mark: Option<u32>,
    /// The pod the details overlay shows, as last read from the API (see
    /// `pod_details`: healthy pods are kept as rows only).
    pub pod_details: Option<std::sync::Arc<k8s_openapi::api::core::v1::Pod>>,
    /// NO_COLOR: draw with attributes only.
    pub monochrome: bool,
    pub quit: bool,
    /// The last update changed nothing a view reads (a node's heartbeat
    /// that left its row as it was): the loop draws no frame for it.
    pub quiet: bool,
}

impl State {
    pub fn new(target: Target, now: DateTime<Utc>) -> Self {
        State {
            target,
            target_generation: 0,
            namespaces: Default::default(),
            palette: None,
            palette_history: Vec::new(),
            help_scroll: 0,
            server_version: None,
            connection: Connection::Connecting,
            stale: BTreeSet::new(),
            listed: BTreeSet::new(),
            now,
            focus: Pane::default(),
            overlays: Vec::new(),
            filter: Filter::default(),
            selections: Default::default(),
            resources: Resources::default(),
            logs: None,
            log_streams: 0,
            hub: Default::default(),
            users_view: Default::default(),
            events_view: Default::default(),
            scoped_events: None,
            event_streams: 0,
            footer: Footer::default(),
            page_rows: 10,
            confirm: None,
            operation: None,
            deploy: DeployInfo::default(),
            gke: None,
            create_form: None,
            pool_form: None,
            contexts: Vec::new(),
            contexts_filter: Filter::default(),
            image_form: None,
            history_mark: None,
            pod_details: None,
            monochrome: false,
            quit: false,
            quiet: false,
        }
    }

    pub fn selection(&self, pane: Pane) -> &Selection {
        &self.selections[pane.index()]
    }

    pub fn selection_mut(&mut self, pane: Pane) -> &mut Selection {
        &mut self.selections[pane.index()]
    }

    /// An id for a new log stream, never given before.
    pub fn new_log_stream(&mut self) -> u64 {
        self.log_streams += 1;
        self.log_streams
    }

    pub fn top_overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.footer.message = Some((text.into(), FooterLevel::Info));
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.footer.message = Some((text.into(), FooterLevel::Warning));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.footer.message = Some((text.into(), FooterLevel::Error));
    }
}
