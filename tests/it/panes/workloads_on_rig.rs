//! The release's workloads with the REAL JupyterHub chart (4.4.0) on the
//! rig, installed by the real helm: what `status --json` says once it is
//! up, and what the cockpit's watchers show while helm runs its hooks.
//!
//! The chart's ClusterRole and ClusterRoleBinding are named
//! `<release>-user-scheduler`, so each test uses its namespace's (unique)
//! name as the release name, and uninstalls at the end.

use crate::support;
use crate::support::headless;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use headless::Workdir;
use jhub_cockpit::app::{self, State, Target, workloads};
use jhub_cockpit::kube::workload_row::WorkloadKind;
use support::{TestNamespace, UninstallOnDrop, client, helm, kubeconfig, run_helm, z2jh_chart};

fn install_args<'a>(release: &'a str, chart: &'a str, namespace: &'a str) -> Vec<&'a str> {
    vec![
        "upgrade",
        "--install",
        release,
        chart,
        "-n",
        namespace,
        "--wait",
        "--timeout",
        "5m",
    ]
}

fn workload<'a>(status: &'a Value, kind: &str, name: &str) -> &'a Value {
    status["workloads"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["kind"] == kind && w["name"] == name))
        .unwrap_or_else(|| panic!("no {kind} {name} in status: {status:#}"))
}

#[tokio::test]
async fn status_json_lists_the_real_charts_workloads_once_installed() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "wl-status").await;
    let release = ns.name.clone();
    let chart = z2jh_chart();
    let _uninstall = UninstallOnDrop::new(&release, &ns.name);
    let (ok, out) = run_helm(&install_args(&release, chart.to_str().unwrap(), &ns.name));
    assert!(ok, "helm install of the real chart failed: {out}");

    let work = Workdir::new(&kubeconfig(), None);
    let run = work.run(&["-n", &ns.name, "--release", &release, "status", "--json"]);
    assert!(run.ok(), "status --json: {run}");
    let status: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run}"));

    let nodes = status["nodes"].as_array().unwrap().len() as i64;
    for (kind, name, ready, desired) in [
        ("Deployment", "hub", 1, 1),
        ("Deployment", "proxy", 1, 1),
        ("Deployment", "user-scheduler", 2, 2),
        ("StatefulSet", "user-placeholder", 0, 0),
        ("DaemonSet", "continuous-image-puller", nodes, nodes),
    ] {
        let w = workload(&status, kind, name);
        assert_eq!(w["state"], "ready", "{kind} {name}: {w:#}");
        assert_eq!(w["ready"], ready, "{kind} {name}: {w:#}");
        assert_eq!(w["desired"], desired, "{kind} {name}: {w:#}");
        assert!(w.get("hook_weight").is_none(), "{w:#}");
        assert!(w.get("problem").is_none(), "{w:#}");
    }
    // The hooks succeeded and helm deleted them (hook-succeeded).
    let names: BTreeSet<&str> = status["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains("hook-image-awaiter") && !names.contains("hook-image-puller"),
        "{names:?}"
    );

    let text = work.run(&["-n", &ns.name, "--release", &release, "status"]);
    assert!(text.ok(), "status: {text}");
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("workload Deployment")
                && l.contains(" hub ")
                && l.contains("1/1 ready")),
        "{text}"
    );
}

#[tokio::test]
async fn while_helm_installs_the_watchers_show_the_hooks_it_waits_for() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "wl-hooks").await;
    let release = ns.name.clone();
    let chart = z2jh_chart();
    let _uninstall = UninstallOnDrop::new(&release, &ns.name);

    let mut state = State::new(
        Target {
            context: "rig".into(),
            namespace: ns.name.clone(),
            release: Some(release.clone()),
            ..Default::default()
        },
        chrono::Utc::now(),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _watchers = crate::support::watchers(&client, &ns.name, tx).await;
    // helm starts once the workloads are listed, so nothing is missed.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !workload_kinds_listed(&state) {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the workload watchers listed in 30 s")
            .unwrap();
        app::update(&mut state, msg);
    }

    let mut helm_run = Command::new(helm())
        .args(install_args(&release, chart.to_str().unwrap(), &ns.name))
        .env("KUBECONFIG", kubeconfig())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run helm");

    let mut seen: BTreeSet<(WorkloadKind, String, Option<i32>)> = BTreeSet::new();
    let mut waiting_for_awaiter = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    loop {
        if helm_run.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "helm did not finish in 5 minutes"
        );
        if let Ok(Some(msg)) = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
            app::update(&mut state, msg);
        }
        state.now = chrono::Utc::now();
        for w in workloads::of_release(&state) {
            seen.insert((w.kind, w.name.clone(), w.hook_weight));
        }
        if let Some(line) = workloads::waiting_lines(&state).first()
            && line.starts_with("waiting for hook-image-awaiter (hook Job, running")
        {
            waiting_for_awaiter.get_or_insert(line.clone());
        }
    }
    let out = helm_run.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "helm install failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        seen.contains(&(
            WorkloadKind::DaemonSet,
            "hook-image-puller".into(),
            Some(-10)
        )),
        "the hook DaemonSet was never shown: {seen:?}"
    );
    assert!(
        seen.contains(&(WorkloadKind::Job, "hook-image-awaiter".into(), Some(10))),
        "the hook Job was never shown: {seen:?}"
    );
    // helm waits for the hook Job; the panel's line said so.
    waiting_for_awaiter.expect("no 'waiting for hook-image-awaiter' line while helm ran");

    // Once helm is done the release's own workloads are there and, after
    // its --wait, ready; the hooks are gone (deleted on success).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let rows = workloads::of_release(&state);
        let names: BTreeSet<&str> = rows.iter().map(|w| w.name.as_str()).collect();
        let settled = [
            "hub",
            "proxy",
            "user-scheduler",
            "user-placeholder",
            "continuous-image-puller",
        ]
        .iter()
        .all(|n| names.contains(n))
            && !names.contains("hook-image-awaiter")
            && rows.iter().all(|w| w.state.is_done());
        if settled {
            break;
        }
        let msg = tokio::time::timeout_at(deadline, rx.recv()).await;
        match msg {
            Ok(Some(msg)) => {
                app::update(&mut state, msg);
            }
            _ => panic!(
                "the workloads did not settle after helm: {:#?}",
                workloads::of_release(&state)
            ),
        }
    }
}

fn workload_kinds_listed(state: &State) -> bool {
    use jhub_cockpit::app::Kind;
    [
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::Job,
    ]
    .iter()
    .all(|k| state.listed.contains(k))
}

/// A ResourceQuota that refuses the chart's pods: the workloads that
/// cannot create theirs say so in `status --json`, a Deployment from its
/// ReplicaSet's FailedCreate warning, a DaemonSet from its own.
#[tokio::test]
async fn a_quota_refusing_pods_shows_on_the_workloads() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "wl-quota").await;
    let release = ns.name.clone();
    let chart = z2jh_chart();
    let _uninstall = UninstallOnDrop::new(&release, &ns.name);
    let quota: k8s_openapi::api::core::v1::ResourceQuota =
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "tiny"},
            // None: which pod a quota of one admits is a race, and every
            // kind of workload must show its refusal.
            "spec": {"hard": {"pods": "0"}}
        }))
        .unwrap();
    kube::Api::namespaced(client.clone(), &ns.name)
        .create(&kube::api::PostParams::default(), &quota)
        .await
        .unwrap();
    // No --wait: helm would wait for pods the quota refuses. No hooks:
    // their Job would never finish either.
    let (ok, out) = run_helm(&[
        "install",
        &release,
        chart.to_str().unwrap(),
        "-n",
        &ns.name,
        "--set",
        "prePuller.hook.enabled=false",
        // The placeholder's StatefulSet, whose refusal is its own event.
        "--set",
        "scheduling.userPlaceholder.replicas=1",
    ]);
    assert!(ok, "helm install failed: {out}");

    let work = Workdir::new(&kubeconfig(), None);
    let mut last = Value::Null;
    let refused = support::eventually(Duration::from_secs(60), || {
        let run = work.run(&["-n", &ns.name, "--release", &release, "status", "--json"]);
        assert!(run.ok(), "status --json: {run}");
        let status: Value = serde_json::from_str(&run.stdout).unwrap();
        // From the event ("FailedCreate 2s ago: ..."), not from a
        // Deployment's ReplicaFailure condition ("FailedCreate: ...").
        let quota_problem = |w: &Value| {
            w["problem"].as_str().is_some_and(|p| {
                p.starts_with("FailedCreate ")
                    && p.contains(" ago: ")
                    && p.contains("exceeded quota: tiny")
            })
        };
        let workloads = status["workloads"].as_array().cloned().unwrap_or_default();
        let deployment = workloads
            .iter()
            .any(|w| w["kind"] == "Deployment" && w["state"] == "rolling out" && quota_problem(w));
        let daemon_set = workloads.iter().any(|w| {
            w["kind"] == "DaemonSet" && w["name"] == "continuous-image-puller" && quota_problem(w)
        });
        let stateful_set = workloads.iter().any(|w| {
            w["kind"] == "StatefulSet" && w["name"] == "user-placeholder" && quota_problem(w)
        });
        last = status;
        async move { (deployment && daemon_set && stateful_set).then_some(()) }
    })
    .await;
    assert!(
        refused.is_some(),
        "not every kind (Deployment, DaemonSet, StatefulSet) said the quota refused its pods: {last:#}"
    );
}
