//! Effects that update() asks the runtime to carry out.

use serde_json::Value;

use crate::actions::Action;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    /// Read a pod's log as `request` says (one stream at a time; a new one
    /// replaces the old); answered with `Msg::Log` tagged `stream`.
    FollowLogs {
        stream: u64,
        pod: String,
        request: crate::kube::logs::LogRequest,
    },
    StopLogs,
    /// Watch every event of `scope` for an open view (one such watch at a
    /// time: a new one replaces the old, None stops it); answered with
    /// `Msg::ScopedEvents` tagged `stream`.
    WatchEvents {
        stream: u64,
        scope: Option<crate::kube::watched::EventScope>,
    },
    /// Write the log view's lines to a new file only the operator can read
    /// (named from `stem` and the time); answered with `Msg::LogSaved`.
    SaveLog {
        stem: String,
        lines: usize,
        text: String,
    },
    /// Work out the config.yaml change that adds the cockpit's hub service;
    /// answered with `Msg::HubAccessPrepared`.
    PrepareHubAccess,
    /// Listen on a loopback port forwarded to the hub pod's 8081; answered
    /// with `Msg::HubForwarded`.
    ForwardHub {
        pod: String,
    },
    /// `GET /hub/health`; answered with `Msg::HubHealth`.
    CheckHub(crate::app::hub_view::HubAddress),
    /// The hub's users, with the cockpit service's token; answered with
    /// `Msg::HubUsers`.
    ReadHubUsers(crate::app::hub_view::HubAddress),
    /// Follow a pending spawn's progress events (`Msg::HubProgress`).
    FollowSpawn {
        user: String,
        address: crate::app::hub_view::HubAddress,
    },
    /// Read the last lines of a crash-looping container's log, for its
    /// diagnosis; answered with `Msg::CrashLog`.
    FetchCrashLog(crate::app::crash_logs::CrashedRun),
    /// Read what config.yaml sets as the users' image, for the image form;
    /// answered with `Msg::ImageConfigRead`.
    ReadImageConfig,
    /// Work out config.yaml with the image set and ask its registry about
    /// it; answered with `Msg::ImagePrepared`.
    PrepareImage {
        name: String,
        tag: String,
    },
    /// Check whether the secrets file exists, to choose the confirmation.
    PrepareSecrets,
    /// Work out which secret keys would move out of config.yaml.
    PrepareMoveSecrets,
    /// Read and check the values files and diff them against `deployed`
    /// (the current revision's user values).
    PrepareDeploy {
        deployed: Option<Value>,
    },
    /// Open config.yaml in the operator's editor, then check it.
    EditConfig,
    /// Carry out a confirmed write action. Only the confirm path emits it.
    Run(Action),
    /// Read the secrets file to show its values, on the operator's request.
    RevealSecrets,
    /// Point the panes at another context or namespace: the old watchers
    /// stop, new ones start, tagged with the new generation.
    Retarget(Retarget),
    /// List the namespaces with their releases; answered with
    /// `Msg::Namespaces`.
    ReadNamespaces,
    /// Write the context, namespace and release into the settings file
    /// (the operator asked); answered with `Msg::TargetSaved`.
    SaveTarget {
        context: String,
        namespace: String,
        release: String,
    },
    /// Ask whether the account has cluster-admin on `context` (a GKE
    /// cluster just connected to); answered with `Msg::ClusterAdmin`.
    CheckClusterAdmin {
        context: String,
    },
    /// Read one pod whole, for its details (healthy pods are kept as rows
    /// only); answered with `Msg::PodFetched`.
    FetchPod {
        name: String,
    },
    /// Refresh the GKE cluster list of this project, every location (known
    /// once the start-up lookup answered); answered with `Msg::GkeClusters`.
    PollGke(crate::gke::GkeConfig),
    /// Write a RUNNING cluster's kubeconfig context as gcloud's
    /// get-credentials does; answered with `Msg::ClusterConnected`.
    ConnectCluster {
        name: String,
        location: String,
    },
    /// Read the kubeconfig's contexts; answered with `Msg::Contexts`.
    ReadContexts,
    /// Look inside a cluster about to be deleted (through its context):
    /// the release, and what would outlive it; answered with
    /// `Msg::ClusterSurveyed`.
    SurveyCluster {
        name: String,
        location: String,
    },
    /// Work out config.yaml requiring the user pool for user pods;
    /// answered with `Msg::UserNodesPrepared`.
    PrepareUserNodes,
}

/// Where the panes move (see `app::target_switch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retarget {
    /// None: the context the panes are on (a namespace switch keeps the
    /// connection's context, whatever the header calls it).
    pub context: Option<String>,
    pub namespace: String,
    /// The namespace's JupyterHub release, which the write actions then use.
    pub release: Option<String>,
    /// Messages of the new watchers carry it; older ones are dropped.
    pub generation: u64,
}
