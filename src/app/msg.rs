//! Everything that can change the cockpit's state arrives as a [`Msg`]. The
//! adapters own their events (a watcher's [`WatchMsg`], a log stream's
//! [`LogEvent`]) and send them into the channel they are given; the `From`
//! impls here wrap them, so no adapter knows this type.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use k8s_openapi::api::core::v1::Pod;

pub use crate::kube::logs::LogEvent;
/// The watchers' own types: the core wraps their events in [`Msg::Watch`].
pub use crate::kube::watched::{Kind, Object, WatchMsg};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The wall clock, for ages and elapsed times (update() reads no clock).
    Tick(DateTime<Utc>),
    /// The API server answered `/version`.
    Connected {
        server_version: String,
    },
    /// No client could be made (bad kubeconfig, unknown context), or the API
    /// server did not answer; the executor retries with backoff.
    ConnectFailed(String),
    Watch(WatchMsg),
    /// What the scoped events' watch `stream` said (`Command::WatchEvents`).
    ScopedEvents {
        stream: u64,
        watch: WatchMsg,
    },
    /// A message of the connection to one target (context and namespace):
    /// applied only while the panes are still on that target's generation
    /// (`State::target_generation`), so what an old watcher had queued
    /// before a switch is dropped.
    Targeted {
        generation: u64,
        msg: Box<Msg>,
    },
    /// The namespaces with their releases (`Command::ReadNamespaces`).
    Namespaces(Result<crate::kube::namespaces::Namespaces, String>),
    /// The settings file written (`Command::SaveTarget`): what to say.
    TargetSaved(Result<String, String>),
    /// What a log stream said (see `Command::FollowLogs`).
    Log(LogEvent),
    /// The hub's health at `url`: the answer's time in ms, or why not.
    HubHealth {
        url: String,
        result: Result<u64, String>,
    },
    /// A port-forward to the hub pod listens at the URL, or why not.
    HubForwarded {
        pod: String,
        result: Result<String, String>,
    },
    /// The hub's users, or why they could not be read.
    HubUsers(Result<Vec<crate::hub::HubUser>, String>),
    /// An event of a user's pending spawn.
    HubProgress {
        user: String,
        event: crate::hub::ProgressEvent,
    },
    /// A saved log: what to tell the operator, or why it failed.
    LogSaved(Result<String, String>),
    /// The last lines of a crashed run's log (see `Command::FetchCrashLog`).
    CrashLog {
        run: crate::app::crash_logs::CrashedRun,
        lines: Result<Vec<String>, String>,
    },
    /// Whether the secrets file exists already.
    SecretsPrepared {
        path: std::path::PathBuf,
        exists: bool,
    },
    DeployPrepared(Result<crate::actions::PreparedDeploy, crate::actions::Failure>),
    /// What `A` would add to config.yaml, or why it cannot.
    HubAccessPrepared(Result<crate::actions::PreparedAccess, crate::actions::Failure>),
    MoveSecretsPrepared(Result<crate::actions::PreparedMove, crate::actions::Failure>),
    /// What config.yaml sets as the users' image (`Command::ReadImageConfig`).
    ImageConfigRead(Result<crate::actions::ConfiguredImage, crate::actions::Failure>),
    /// The image form's change, with the registry's answer.
    ImagePrepared(Result<crate::actions::PreparedImage, crate::actions::Failure>),
    /// The editor closed; the file was checked.
    ConfigChecked(Result<Vec<String>, crate::actions::Failure>),
    OperationLine(String),
    OperationDone(Result<String, crate::actions::Failure>),
    /// Text to show in an overlay (the revealed secrets), or why not.
    ShowText(Result<(String, Vec<String>), String>),
    /// A refresh of the GKE cluster list.
    GkeClusters(Result<Vec<crate::gke::GkeCluster>, String>),
    /// The locations that list did not reach (GKE's `missingZones`): their
    /// clusters are missing from it. Sent after each successful list.
    GkeUnanswered(Vec<String>),
    /// What the GKE token refresher has to say (a failure, or its end).
    GkeToken(crate::gke::token::TokenReport),
    /// A pod read whole for its details (`Command::FetchPod`), or why not.
    PodFetched {
        name: String,
        result: Result<Arc<Pod>, String>,
    },
    /// The GKE project and location, resolved after the first frame (from
    /// flags, the environment or gcloud); None when neither is known.
    GkeResolved {
        gke: Option<crate::gke::GkeConfig>,
        /// The cluster named in the settings (gcp.cluster).
        preferred: Option<String>,
    },
    /// helm was looked for after the first frame: why it cannot be used,
    /// or None when it can.
    HelmChecked {
        problem: Option<String>,
    },
    /// Whether the account has cluster-admin on `context`, and its user
    /// name when the API server (or ADC) says.
    ClusterAdmin {
        context: String,
        allowed: bool,
        user: Option<String>,
    },
    /// A cluster's context written (`Command::ConnectCluster`): its name.
    ClusterConnected {
        name: String,
        location: String,
        result: Result<String, crate::actions::Failure>,
    },
    /// The kubeconfig's contexts (`Command::ReadContexts`), or why not.
    Contexts(Result<Vec<crate::app::gke_state::KubeContext>, String>),
    /// What a look inside a cluster about to be deleted found.
    ClusterSurveyed {
        name: String,
        location: String,
        release: crate::plan::ReleaseOnCluster,
        survivors: crate::plan::Survivors,
    },
    /// The config.yaml change that requires the user pool, or why not.
    UserNodesPrepared(Result<crate::actions::PreparedAccess, crate::actions::Failure>),
}

impl From<WatchMsg> for Msg {
    fn from(m: WatchMsg) -> Msg {
        Msg::Watch(m)
    }
}

impl From<LogEvent> for Msg {
    fn from(e: LogEvent) -> Msg {
        Msg::Log(e)
    }
}

impl Msg {
    /// A watcher's relist (the panes' rows, or a view's events, replaced),
    /// tagged or not.
    pub fn is_relist(&self) -> bool {
        match self {
            Msg::Watch(WatchMsg::Relisted(..))
            | Msg::ScopedEvents {
                watch: WatchMsg::Relisted(..),
                ..
            } => true,
            Msg::Targeted { msg, .. } => msg.is_relist(),
            _ => false,
        }
    }
}
