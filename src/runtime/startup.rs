//! The start-up checks that run other programs: gcloud for the GKE project
//! and location, helm for its version. The event loop starts them once its
//! first frame is out, and they answer as messages. gcloud's runs on a
//! thread of its own at the lowest CPU priority, which gcloud inherits: it
//! is Python and takes about a second of CPU, which on a small machine, or
//! one that also runs the API server, was taken from the first frame and
//! the first list that the operator waits for, while nobody waits for its
//! answer. An idle machine runs it as fast. (helm's version takes a few
//! tens of ms; gcloud run elsewhere, by the subcommands, keeps the
//! cockpit's priority.)

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::cli::Resolved;

/// Starts both checks; each sends one message when it has its answer.
pub fn spawn_checks(tx: &UnboundedSender<Msg>, resolved: Resolved, helm: Option<PathBuf>) {
    let gke_tx = tx.clone();
    // gcloud is run with a blocking wait (and a time limit), off the
    // runtime's worker threads.
    in_background("jhub-gcloud-check", move || {
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

/// Runs `work` on a new thread at nice 19. A thread of its own rather than
/// the runtime's blocking pool, whose threads are reused and would keep
/// the priority.
fn in_background(name: &str, work: impl FnOnce() + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            lower_this_thread();
            work()
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start a start-up check's thread");
    }
}

/// On Linux a nice value is a thread's, and a program the thread starts
/// inherits it. Best effort: a system that refuses leaves it as it was.
fn lower_this_thread() {
    // SAFETY: gettid and setpriority take no pointers.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nice_of(path: &str) -> i32 {
        // /proc/.../stat: the 19th field is the nice value.
        let stat = std::fs::read_to_string(path).unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[test]
    fn a_check_thread_and_what_it_starts_run_at_the_lowest_priority() {
        let before = nice_of("/proc/thread-self/stat");
        let (tx, rx) = std::sync::mpsc::channel();
        in_background("test-check", move || {
            let mut child = std::process::Command::new("sleep")
                .arg("5")
                .spawn()
                .expect("sleep runs");
            let child_nice = nice_of(&format!("/proc/{}/stat", child.id()));
            let _ = child.kill();
            let _ = child.wait();
            tx.send((nice_of("/proc/thread-self/stat"), child_nice))
                .unwrap();
        });
        let (thread_nice, child_nice) = rx.recv().unwrap();
        assert_eq!((thread_nice, child_nice), (19, 19));
        // The caller's own thread keeps its priority.
        assert_eq!(nice_of("/proc/thread-self/stat"), before);
    }
}
