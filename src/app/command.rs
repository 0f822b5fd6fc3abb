//! Effects that update() asks the runtime to carry out.

use serde_json::Value;

use crate::actions::Action;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    /// Follow a pod's logs (one stream at a time; a new one replaces the old).
    FollowLogs {
        pod: String,
        container: Option<String>,
    },
    StopLogs,
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
    /// Point the panes at another kubeconfig context (a new cluster).
    Reconnect {
        context: String,
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
    /// Refresh the GKE cluster list of this project and location (known
    /// once the start-up lookup answered); answered with `Msg::GkeClusters`.
    PollGke(crate::gke::GkeConfig),
}
