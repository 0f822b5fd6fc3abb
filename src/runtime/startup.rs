//! The start-up checks that run other programs: gcloud for the GKE project
//! and location, helm for its version. Together they take most of a second
//! of CPU, so the event loop starts them once its first frame is out, and
//! they answer as messages.

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::cli::Resolved;

/// Starts both checks; each sends one message when it has its answer.
pub fn spawn_checks(tx: &UnboundedSender<Msg>, resolved: Resolved, helm: Option<PathBuf>) {
    let gke_tx = tx.clone();
    // gcloud is run with a blocking wait (and a time limit): off the
    // runtime's worker threads.
    tokio::task::spawn_blocking(move || {
        let _ = gke_tx.send(Msg::GkeResolved {
            gke: resolved.gke_config(),
            preferred: resolved.cluster.clone(),
        });
    });
    let helm_tx = tx.clone();
    tokio::spawn(async move {
        let problem = crate::helm::cli::find(helm.as_deref())
            .await
            .err()
            .map(|e| format!("{e:#}"));
        let _ = helm_tx.send(Msg::HelmChecked { problem });
    });
}
