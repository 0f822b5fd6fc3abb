//! The cockpit's log stream (`kube::logs::follow`, what `l` opens) against
//! the rig, whose kubelet server answers the API server's log requests as a
//! node's kubelet does: the hub's log read through the API, a line appended
//! while it follows, and the stream's end when the pod is deleted; and
//! `jhub-cockpit logs`, which reads it the same way, beside kubectl.

use std::process::Command;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams};
use tokio::sync::mpsc;

use crate::support::headless::Workdir;
use crate::support::{
    TestNamespace, client, fixture_chart, install_release, kubeconfig, repo_root,
};
use jhub_cockpit::kube::logs::{LogEvent, follow};

/// The fixture chart's hub pod, by its component label.
async fn hub_pod(pods: &Api<Pod>) -> String {
    pods.list(&ListParams::default().labels("component=hub"))
        .await
        .unwrap()
        .items
        .into_iter()
        .next()
        .and_then(|p| p.metadata.name)
        .expect("the fixture chart's hub pod")
}

/// The next lines (or the end) the stream sends, within `timeout`.
async fn next_event(rx: &mut mpsc::UnboundedReceiver<LogEvent>, timeout: Duration) -> LogEvent {
    tokio::time::timeout(timeout, rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no log event in {timeout:?}"))
        .expect("the stream's sender is gone without an end")
}

/// Reads events until a line satisfies `wanted`; the lines seen so far.
async fn until_line(
    rx: &mut mpsc::UnboundedReceiver<LogEvent>,
    timeout: Duration,
    wanted: impl Fn(&str) -> bool,
) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match next_event(rx, left.max(Duration::from_millis(1))).await {
            LogEvent::Lines { lines, .. } => {
                let found = lines.iter().any(|l| wanted(l));
                seen.extend(lines);
                if found {
                    return seen;
                }
            }
            LogEvent::Ended { error, .. } => {
                panic!("the stream ended ({error:?}) before the line; seen: {seen:#?}")
            }
        }
    }
}

#[tokio::test]
async fn the_hubs_log_is_read_and_followed_through_the_api() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "logs").await;
    install_release(&fixture_chart(), &ns.name);
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    let hub = hub_pod(&pods).await;

    let (tx, mut rx) = mpsc::unbounded_channel::<LogEvent>();
    let stream = follow(client.clone(), &ns.name, hub.clone(), None, tx);

    // What the hub printed at start, through the API server and the rig's
    // kubelet server.
    let start = until_line(&mut rx, Duration::from_secs(30), |l| {
        l.contains("JupyterHub is now running")
    })
    .await;
    assert!(
        start.iter().any(|l| l.contains("JupyterHub app:")),
        "hub-shaped lines: {start:#?}"
    );

    // A line the hub writes now reaches the open stream.
    let line = format!(
        "[W 2026-12-05 10:00:00.000 JupyterHub base:1200] appended in {}",
        ns.name
    );
    let sent = Instant::now();
    let out = Command::new(repo_root().join("dev/cluster"))
        .args(["log", "-n", &ns.name, &hub, &line])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dev/cluster log: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    until_line(&mut rx, Duration::from_secs(10), |l| l == line).await;
    eprintln!("appended -> streamed in {:?}", sent.elapsed());

    // The pod goes: the stream says it ended, without an error.
    pods.delete(&hub, &DeleteParams::default()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match next_event(&mut rx, left.max(Duration::from_millis(1))).await {
            LogEvent::Lines { .. } => continue,
            LogEvent::Ended { pod, error } => {
                assert_eq!(pod, hub);
                assert_eq!(error, None, "a deleted pod's log ends cleanly");
                break;
            }
        }
    }
    stream.await.unwrap();
}

#[tokio::test]
async fn the_logs_subcommand_prints_what_kubectl_logs_prints() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "logscmd").await;
    install_release(&fixture_chart(), &ns.name);
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    let hub = hub_pod(&pods).await;
    let work = Workdir::new(&kubeconfig(), None);

    // The last two lines, exactly, ending with the hub's "now running".
    let run = work.run(&["-n", &ns.name, "logs", &hub, "--tail", "2"]);
    assert!(run.ok(), "{run}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run}");
    assert!(lines[1].contains("JupyterHub is now running"), "{run}");

    // The same lines kubectl prints.
    let kubectl = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig())
        .args(["-n", &ns.name, "logs", &hub, "--tail", "2"])
        .output()
        .unwrap();
    assert_eq!(run.stdout, String::from_utf8_lossy(&kubectl.stdout));

    // A container the pod does not have: refused, with the API's reason.
    let run = work.run(&["-n", &ns.name, "logs", &hub, "-c", "nosuch"]);
    assert!(!run.ok(), "{run}");
    assert!(
        run.stderr.contains("cannot read logs") && run.stderr.contains("nosuch"),
        "{run}"
    );
}
