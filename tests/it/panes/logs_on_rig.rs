//! The cockpit's logs against the rig, whose kubelet server answers the API
//! server's log requests as a node's kubelet does: the stream `l` opens
//! (`kube::logs::stream`) reading the hub's log, a line appended while it
//! follows, and its end when the pod is deleted; `jhub-cockpit logs`, which
//! reads the same way, beside kubectl; and the log view as the TUI runs it
//! (the real executor): a two-container pod's containers, a crash loop's
//! previous run and its diagnosis quoting it, the bound under 50,000 lines.

use std::process::Command;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams};
use tokio::sync::mpsc;

use crate::support::headless::Workdir;
use crate::support::observed::{Observed, deploy_config};
use crate::support::{
    TestNamespace, client, fixture_chart, install_release, kubeconfig, repo_root,
};
use crossterm::event::KeyCode;
use jhub_cockpit::kube::logs::{LogEvent, LogRequest, stream};

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
            LogEvent::Opened { .. } => {}
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
    let request = LogRequest {
        tail: Some(1_000),
        follow: true,
        ..LogRequest::default()
    };
    let reader = stream(client.clone(), &ns.name, hub.clone(), request, 7, tx);

    // First, which container: the only one.
    match next_event(&mut rx, Duration::from_secs(30)).await {
        LogEvent::Opened {
            stream, container, ..
        } => assert_eq!((stream, container.as_str()), (7, "hub")),
        other => panic!("expected the container first, got {other:?}"),
    }

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
            LogEvent::Lines { .. } | LogEvent::Opened { .. } => continue,
            LogEvent::Ended { stream, error } => {
                assert_eq!(stream, 7);
                assert_eq!(error, None, "a deleted pod's log ends cleanly");
                break;
            }
        }
    }
    reader.await.unwrap();
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

    // A container the pod does not have: refused, naming the ones it has.
    let run = work.run(&["-n", &ns.name, "logs", &hub, "-c", "nosuch"]);
    assert!(!run.ok(), "{run}");
    assert!(
        run.stderr.contains(&format!(
            "cannot read logs: pod {hub} has no container \"nosuch\"; choose one of: hub"
        )),
        "{run}"
    );
}

/// A pod made through the API (KWOK runs it); its log is the rig's.
async fn create_pod(client: &kube::Client, namespace: &str, pod: serde_json::Value) -> String {
    let pod: Pod = serde_json::from_value(pod).unwrap();
    let made = Api::<Pod>::namespaced(client.clone(), namespace)
        .create(&kube::api::PostParams::default(), &pod)
        .await
        .unwrap();
    made.metadata.name.unwrap()
}

/// The proxy's shape when autohttps is on: two containers, an init
/// container, and the annotation naming the one kubectl reads.
fn two_container_pod() -> serde_json::Value {
    serde_json::json!({
        "metadata": {"name": "proxy-two", "labels": {"component": "proxy"},
            "annotations": {"kubectl.kubernetes.io/default-container": "chp"}},
        "spec": {
            "initContainers": [{"name": "init-perms", "image": "busybox"}],
            "containers": [{"name": "traefik", "image": "traefik:v3"},
                           {"name": "chp", "image": "quay.io/jupyterhub/configurable-http-proxy:4.6.3"}]}
    })
}

fn crash_looping_hub() -> serde_json::Value {
    serde_json::json!({
        "metadata": {"name": "hub-crashing", "labels": {"component": "hub",
            "rig.jhub-cockpit/fail": "crash-loop"}},
        "spec": {"containers": [{"name": "hub", "image": "quay.io/jupyterhub/k8s-hub:4.4.0"}]}
    })
}

fn view_texts(state: &jhub_cockpit::app::State) -> Vec<String> {
    state
        .logs
        .as_ref()
        .map(|v| v.lines.iter().map(|l| l.text().to_owned()).collect())
        .unwrap_or_default()
}

/// The cockpit on `ns` as the TUI runs it (the real executor).
fn observe(ns: &str, work: &Workdir) -> Observed {
    Observed::start(
        kubeconfig(),
        ns,
        deploy_config(&kubeconfig(), ns, &work.path("")),
    )
}

/// Waits until a line of the log view has `text`; fails with the screen.
async fn until_view_has(observed: &Observed, deadline: Instant, text: &str) {
    observed
        .until(deadline, |s| view_texts(s).iter().any(|l| l.contains(text)))
        .await
        .unwrap_or_else(|| panic!("no \"{text}\" in the view:\n{}", observed.screen()));
}

#[tokio::test]
async fn a_two_container_pod_opens_on_its_default_and_c_chooses_another() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "logs2c").await;
    let pod = create_pod(&client, &ns.name, two_container_pod()).await;
    let work = Workdir::new(&kubeconfig(), None);

    // Headless first: kubectl's default, said on stderr as kubectl says it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let run = loop {
        let run = work.run(&["-n", &ns.name, "logs", &pod]);
        if run.ok() || Instant::now() > deadline {
            break run;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(run.ok(), "{run}");
    assert!(
        run.stderr
            .contains("Defaulted container \"chp\" out of: traefik, chp, init-perms (init)"),
        "{run}"
    );
    assert!(run.stdout.contains("[ConfigProxy]"), "{run}");

    // The view, as the TUI runs it.
    let observed = observe(&ns.name, &work);
    let deadline = Instant::now() + Duration::from_secs(30);
    observed
        .until(deadline, |s| s.resources.pods.get(&pod).is_some())
        .await
        .expect("the pod listed");
    observed.key(KeyCode::Char('l'));
    until_view_has(&observed, deadline, "[ConfigProxy]").await;
    let screen = observed.screen();
    assert!(
        screen.contains(&format!("Logs {pod}/chp (3 of c)")),
        "{screen}"
    );

    // c: the next one is the init container, with its own log.
    observed.key(KeyCode::Char('c'));
    until_view_has(&observed, deadline, "container init-perms of pod").await;
    assert!(
        !view_texts(&observed.state())
            .iter()
            .any(|l| l.contains("[ConfigProxy]")),
        "chp's lines are gone from init-perms's log"
    );
    // And round to traefik.
    observed.key(KeyCode::Char('c'));
    until_view_has(&observed, deadline, "container traefik of pod").await;
}

#[tokio::test]
async fn a_crash_loops_previous_run_is_read_and_its_diagnosis_quotes_it() {
    use jhub_cockpit::kube::diagnosis::DiagnosisKind;

    let client = client().await;
    let ns = TestNamespace::new(&client, "logscrash").await;
    let work = Workdir::new(&kubeconfig(), None);
    let observed = observe(&ns.name, &work);
    let pod = create_pod(&client, &ns.name, crash_looping_hub()).await;

    // The only pod, so the selected one: once it crash-loops, the cockpit
    // reads its previous run's last lines and the diagnosis quotes them.
    let deadline = Instant::now() + Duration::from_secs(90);
    observed
        .until(deadline, |s| {
            s.resources
                .pods
                .get(&pod)
                .and_then(|e| e.diagnosis.as_ref())
                .is_some_and(|d| d.kind == DiagnosisKind::CrashLoop && d.line.contains("last log:"))
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "a crash-loop diagnosis with its log:\n{}",
                observed.screen()
            )
        });
    let line = observed
        .state()
        .resources
        .pods
        .get(&pod)
        .unwrap()
        .diagnosis
        .clone()
        .unwrap()
        .line;
    assert!(line.contains("unable to open database file"), "{line}");

    // kubectl logs --previous --tail 3, and the same from the cockpit.
    let kubectl = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig())
        .args(["-n", &ns.name, "logs", &pod, "--previous", "--tail", "3"])
        .output()
        .unwrap();
    let expected = String::from_utf8_lossy(&kubectl.stdout).into_owned();
    assert!(
        expected.contains("Failed to start JupyterHub"),
        "{expected}"
    );
    let run = work.run(&["-n", &ns.name, "logs", &pod, "--previous", "--tail", "3"]);
    assert!(run.ok(), "{run}");
    assert_eq!(run.stdout, expected);

    // In the view: p shows the run that died.
    observed.key(KeyCode::Char('l'));
    observed.key(KeyCode::Char('p'));
    observed
        .until(deadline, |s| {
            s.logs.as_ref().is_some_and(|v| v.request.previous)
                && view_texts(s)
                    .iter()
                    .any(|l| l.contains("Failed to start JupyterHub"))
        })
        .await
        .unwrap_or_else(|| panic!("the previous run in the view:\n{}", observed.screen()));
    let screen = observed.screen();
    assert!(screen.contains("previous run"), "{screen}");
}

#[tokio::test]
async fn the_view_keeps_ten_thousand_of_fifty_thousand_lines_and_says_so() {
    use std::io::Write;

    let client = client().await;
    let ns = TestNamespace::new(&client, "logsbound").await;
    install_release(&fixture_chart(), &ns.name);
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    let hub = hub_pod(&pods).await;
    let work = Workdir::new(&kubeconfig(), None);
    let observed = observe(&ns.name, &work);
    let deadline = Instant::now() + Duration::from_secs(60);
    // The hub is the first row (the chart's pods come first).
    observed
        .until(deadline, |s| {
            jhub_cockpit::app::lists::pods(s)
                .next()
                .is_some_and(|e| e.row.name == hub)
        })
        .await
        .expect("the hub listed first");
    observed.key(KeyCode::Char('l'));
    until_view_has(&observed, deadline, "JupyterHub is now running").await;
    let before = view_texts(&observed.state()).len();

    let mut append = Command::new(repo_root().join("dev/cluster"))
        .args(["log", "-n", &ns.name, &hub])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = append.stdin.take().unwrap();
        for i in 1..=50_000 {
            writeln!(stdin, "appended {i}").unwrap();
        }
    }
    assert!(append.wait().unwrap().success());

    let deadline = Instant::now() + Duration::from_secs(60);
    observed
        .until(deadline, |s| {
            view_texts(s).last().is_some_and(|l| l == "appended 50000")
        })
        .await
        .unwrap_or_else(|| panic!("the last appended line in the view:\n{}", observed.screen()));
    let state = observed.state();
    let view = state.logs.as_ref().unwrap();
    assert_eq!(view.lines.len(), jhub_cockpit::app::logs::MAX_LOG_LINES);
    assert_eq!(view.dropped, before + 50_000 - view.lines.len());
    assert_eq!(view.lines.front().unwrap().text(), "appended 40001");
    drop(state);
    let screen = observed.screen();
    assert!(
        screen.contains(&format!("… {} earlier lines dropped", before + 40_000)),
        "{screen}"
    );
}
