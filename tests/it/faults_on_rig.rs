//! Faults (issue 7): the API server or etcd going away under churn, a watch
//! that gets 410 Gone, an API server that is not there at start. Each test
//! brings up a rig of its own (tests/it/support/private_rig.rs) and stops and
//! starts its components; the cockpit is the real executor and update()
//! (tests/it/support/observed.rs). The tests run one at a time (a rig each
//! would not fit two cores side by side).
//!
//! Each prints `FAULT-TIMING fault=... detect_ms=... converge_ms=...` and
//! the comparison with the API server's list after convergence.

use crate::support;
use crate::support::gke as gke_support;
use crate::support::observed;
use crate::support::private_rig;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, Pod, Service, ServiceAccount};
use kube::api::{Api, DeleteParams, PostParams};

use jhub_cockpit::app::{Connection, Kind};
use observed::{Observed, Seen, Source, converged, deploy_config, ms};
use private_rig::{PrivateRig, api_ready, watch_cache_current};

use private_rig::SERIAL;

/// The issue's deadlines.
const DETECT_WITHIN: Duration = Duration::from_secs(2);
const CONVERGE_WITHIN: Duration = Duration::from_secs(5);
/// How long a component stays stopped.
const OUTAGE: Duration = Duration::from_secs(10);

async fn namespace(client: &kube::Client, name: &str) {
    let ns: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap();
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap_or_else(|e| panic!("cannot create namespace {name}: {e}"));
    // Pods can be made once the namespace's default ServiceAccount exists.
    let sa = Api::<ServiceAccount>::namespaced(client.clone(), name);
    support::eventually(Duration::from_secs(30), || async {
        sa.get_opt("default").await.ok().flatten()
    })
    .await
    .expect("the default ServiceAccount appears");
}

fn pod(name: &str) -> Pod {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"app": "jupyterhub", "component": "singleuser-server"}},
        "spec": {"automountServiceAccountToken": false, "containers": [{"name": "notebook",
            "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
            "resources": {"requests": {"cpu": "1m", "memory": "1Mi"}}}]}
    }))
    .unwrap()
}

fn service(name: &str) -> Service {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name},
        "spec": {"type": "ClusterIP", "ports": [{"port": 80, "targetPort": 8000}],
                 "selector": {"component": "singleuser-server"}}
    }))
    .unwrap()
}

/// Creates and deletes pods and services in `ns` every 150 ms until
/// stopped, ignoring failures (most of them fail while the API is away).
struct Churn {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<u32>,
}

impl Churn {
    fn start(client: kube::Client, ns: &str) -> Churn {
        let stop = Arc::new(AtomicBool::new(false));
        let pods = Api::<Pod>::namespaced(client.clone(), ns);
        let services = Api::<Service>::namespaced(client, ns);
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let pp = PostParams::default();
            let dp = DeleteParams::default();
            let mut written = 0;
            let mut i = 0u32;
            while !flag.load(Ordering::Relaxed) {
                i += 1;
                let short = Duration::from_secs(2);
                let ops = [
                    tokio::time::timeout(short, pods.create(&pp, &pod(&format!("churn-{i}"))))
                        .await
                        .is_ok_and(|r| r.is_ok()),
                    i > 4
                        && tokio::time::timeout(
                            short,
                            pods.delete(&format!("churn-{}", i - 4), &dp),
                        )
                        .await
                        .is_ok_and(|r| r.is_ok()),
                    i.is_multiple_of(3)
                        && tokio::time::timeout(
                            short,
                            services.create(&pp, &service(&format!("svc-{i}"))),
                        )
                        .await
                        .is_ok_and(|r| r.is_ok()),
                    i.is_multiple_of(3)
                        && i > 6
                        && tokio::time::timeout(
                            short,
                            services.delete(&format!("svc-{}", i - 6), &dp),
                        )
                        .await
                        .is_ok_and(|r| r.is_ok()),
                ];
                written += ops.iter().filter(|ok| **ok).count() as u32;
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            written
        });
        Churn { stop, task }
    }

    async fn stop(self) -> u32 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap()
    }
}

fn reconnecting(header: &str) -> bool {
    header.contains("reconnecting")
}

/// Stops `component` for 10 s while pods and services churn; the header
/// must say so within 2 s, and within 5 s of the API's return every pane
/// must hold exactly what the API server lists.
/// `explained_by`: what the screen says while it is away.
async fn outage_under_churn(component: &str, fault: &str, explained_by: &str) {
    let _serial = SERIAL.lock().await;
    let rig = PrivateRig::up(2, "");
    let client = rig.client().await;
    let ns = "faults";
    namespace(&client, ns).await;
    let workdir = tempfile::tempdir().unwrap();
    let cockpit = Observed::start(
        rig.kubeconfig.clone(),
        ns,
        deploy_config(&rig.kubeconfig, ns, workdir.path()),
    );
    let churn = Churn::start(client.clone(), ns);
    tokio::time::sleep(Duration::from_secs(2)).await;
    converged(
        &client,
        ns,
        &cockpit,
        Instant::now() + Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|d| panic!("the cockpit did not follow the churn before the fault: {d:?}"));

    let stopped = Instant::now();
    let mut stop = rig.cluster_async(&["stop", component]).spawn().unwrap();
    let detected = cockpit
        .until(stopped + Duration::from_secs(15), |s| {
            reconnecting(observed::draw(s).lines().next().unwrap_or_default())
        })
        .await;
    assert!(
        stop.wait().await.unwrap().success(),
        "dev/cluster stop {component}"
    );
    let detected = detected.unwrap_or_else(|| {
        panic!(
            "{component} stopped, but the header never said reconnecting:\n{}",
            cockpit.screen()
        )
    });
    let screen = cockpit.screen();
    assert!(
        screen.contains(explained_by),
        "the footer says why ({explained_by:?}) while {component} is away:\n{screen}"
    );
    tokio::time::sleep(OUTAGE.saturating_sub(stopped.elapsed())).await;

    let restart = Instant::now();
    let mut start = rig.cluster_async(&["start", component]).spawn().unwrap();
    let ready = api_ready(&rig, Duration::from_secs(120))
        .await
        .unwrap_or_else(|| panic!("the API server is not ready after starting {component}"));
    // The cockpit is timed from when the API server can serve its watches
    // again: after etcd's return that is when the watch cache has caught
    // up, which the API server's own backoff can put seconds after /readyz.
    let back = watch_cache_current(&client, ns, Duration::from_secs(60))
        .await
        .unwrap_or_else(|| panic!("the watch cache never caught up after starting {component}"));
    // A little more churn after the return: the cockpit must follow both
    // the relist and the events after it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let written = churn.stop().await;
    let churn_stopped = Instant::now();
    let result = converged(&client, ns, &cockpit, back + CONVERGE_WITHIN).await;
    assert!(
        start.wait().await.unwrap().success(),
        "dev/cluster start {component}"
    );
    let (at, d) = result.unwrap_or_else(|d| {
        panic!(
            "not converged within {CONVERGE_WITHIN:?} of the API's return; last comparison {d:?}; screen:\n{}",
            cockpit.screen()
        )
    });
    eprintln!(
        "FAULT-TIMING fault={fault} outage_ms={} detect_ms={} api_back_after_start_ms={} cache_current_after_ready_ms={} converge_ms={} converge_after_churn_ms={} pods={} services={} nodes={} stale=0 missing=0 churn_writes={written}",
        ms(stopped, restart),
        ms(stopped, detected),
        ms(restart, ready),
        ms(ready, back),
        ms(back, at),
        ms(churn_stopped, at),
        d.pods,
        d.services,
        d.nodes,
    );
    assert!(
        detected - stopped <= DETECT_WITHIN,
        "the header said reconnecting {} ms after {component} stopped (bound {DETECT_WITHIN:?})",
        ms(stopped, detected)
    );
    assert!(written > 10, "the churn wrote only {written} times");
    assert!(d.pods > 0 && d.services > 0, "something to compare: {d:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_server_stopped_for_10s_under_churn() {
    // The watches break: the panes are marked stale.
    outage_under_churn("kube-apiserver", "apiserver-stop", "stale").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_stopped_for_10s_under_churn() {
    // The API server keeps the watches open from its cache, and they go
    // quiet; the probe of reads is what notices.
    outage_under_churn("etcd", "etcd-stop", "did not answer a read").await;
}

/// Pods (and a service) that have settled: Running, so that no status
/// write moves the watchers' resourceVersion later on.
async fn settled_pods(client: &kube::Client, ns: &str, n: u32) {
    let pods = Api::<Pod>::namespaced(client.clone(), ns);
    for i in 1..=n {
        pods.create(&PostParams::default(), &pod(&format!("user-{i}")))
            .await
            .unwrap();
    }
    Api::<Service>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &service("hub"))
        .await
        .unwrap();
    support::eventually(Duration::from_secs(60), || async {
        let list = pods.list(&Default::default()).await.ok()?;
        list.items
            .iter()
            .all(|p| {
                p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                    && p.status
                        .as_ref()
                        .and_then(|s| s.conditions.as_ref())
                        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
            })
            .then_some(())
    })
    .await
    .expect("the pods become Running and Ready");
}

/// etcd compacts its history past the watchers' resourceVersion; when a
/// watch ends (after 3 s here) and the watcher resumes from there, etcd
/// answers 410 Gone. The watcher must relist and hold what the API lists, without
/// calling that an outage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_that_gets_410_gone_relists_and_converges() {
    let _serial = SERIAL.lock().await;
    // Without the watch cache the API server's watches are etcd's own, so
    // a compaction reaches them (the cache would serve the old revision).
    let rig = PrivateRig::up(1, "--watch-cache=false");
    let client = rig.client().await;
    let ns = "gone";
    namespace(&client, ns).await;
    namespace(&client, "elsewhere").await;
    settled_pods(&client, ns, 3).await;
    // Watches that end after 3 s (the default is 290 s), so that the test
    // sees one resume from its resourceVersion.
    let cockpit = Observed::start_from(
        ns,
        Source::Watchers {
            client: client.clone(),
            // The pods' and events' watchers as the cockpit runs them: on
            // the lists' thread, with a client of their own.
            lists: Box::new(
                jhub_cockpit::kube::lists_thread::client(rig.config().await).expect("client"),
            ),
            config: kube::runtime::watcher::Config::default().timeout(3),
        },
    );
    converged(
        &client,
        ns,
        &cockpit,
        Instant::now() + Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|d| panic!("the cockpit did not list the namespace: {d:?}"));
    let relists_before = pod_relists(&cockpit.seen());

    // Writes elsewhere move etcd's revision past everything the cockpit's
    // watches have seen; then compact up to it.
    let services = Api::<Service>::namespaced(client.clone(), "elsewhere");
    for i in 0..5 {
        services
            .create(&PostParams::default(), &service(&format!("other-{i}")))
            .await
            .unwrap();
    }
    let revision = rig.etcd_revision();
    let compacted = Instant::now();
    rig.etcd_compact(revision);

    // The watch ends within 3 s; its resumption gets 410 and relists.
    let relist_at = cockpit
        .until_seen(compacted, compacted + Duration::from_secs(20), |s| {
            matches!(s, Seen::Relisted(Kind::Pod, _))
        })
        .await;
    let seen = cockpit.seen();
    let relist_at = relist_at.unwrap_or_else(|| {
        panic!("no pod relist after the compaction to revision {revision}; seen: {seen:#?}")
    });
    assert!(pod_relists(&seen) > relists_before);
    let failures: Vec<_> = seen
        .iter()
        .filter(|(at, s)| *at > compacted && matches!(s, Seen::Failed(..)))
        .collect();
    assert!(
        failures.is_empty(),
        "a 410 is no outage: the watchers relist without failing: {failures:#?}"
    );
    let (at, d) = converged(&client, ns, &cockpit, relist_at + CONVERGE_WITHIN)
        .await
        .unwrap_or_else(|d| panic!("not converged after the relist: {d:?}"));
    eprintln!(
        "FAULT-TIMING fault=watch-410 compacted_to={revision} detect_ms={} converge_ms={} pods={} services={} nodes={} stale=0 missing=0",
        ms(compacted, relist_at),
        ms(relist_at, at),
        d.pods,
        d.services,
        d.nodes,
    );
    assert_eq!(d.pods, 3);
}

fn pod_relists(seen: &[(Instant, Seen)]) -> usize {
    seen.iter()
        .filter(|(_, s)| matches!(s, Seen::Relisted(Kind::Pod, _)))
        .count()
}

/// The cockpit starts while the API server is down: it opens, says the
/// cluster cannot be reached and why, and connects when the API appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_unreachable_at_start_is_shown_then_connected() {
    let _serial = SERIAL.lock().await;
    let rig = PrivateRig::up(1, "");
    let client = rig.client().await;
    let ns = "late";
    namespace(&client, ns).await;
    settled_pods(&client, ns, 2).await;
    rig.stop("kube-apiserver");

    let opened = Instant::now();
    let workdir = tempfile::tempdir().unwrap();
    let cockpit = Observed::start(
        rig.kubeconfig.clone(),
        ns,
        deploy_config(&rig.kubeconfig, ns, workdir.path()),
    );
    let said = cockpit
        .until(opened + Duration::from_secs(10), |s| {
            matches!(s.connection, Connection::Unavailable { .. })
        })
        .await
        .unwrap_or_else(|| panic!("never said unreachable:\n{}", cockpit.screen()));
    let screen = cockpit.screen();
    assert!(
        screen.lines().next().unwrap().contains("unreachable"),
        "the header says so:\n{screen}"
    );
    assert!(
        screen.contains("does not answer") && screen.contains("cannot reach the cluster"),
        "the panes say why and the footer what happens next:\n{screen}"
    );
    // It keeps retrying (and keeps saying so) while the API is away.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(matches!(
        cockpit.state().connection,
        Connection::Unavailable { .. }
    ));

    let mut start = rig
        .cluster_async(&["start", "kube-apiserver"])
        .spawn()
        .unwrap();
    let back = api_ready(&rig, Duration::from_secs(120))
        .await
        .expect("the API server comes back");
    let result = converged(&client, ns, &cockpit, back + CONVERGE_WITHIN).await;
    assert!(start.wait().await.unwrap().success());
    let (at, d) = result.unwrap_or_else(|d| {
        panic!(
            "not connected within {CONVERGE_WITHIN:?} of the API appearing; last comparison {d:?}; screen:\n{}",
            cockpit.screen()
        )
    });
    assert!(cockpit.header().contains("live"), "{}", cockpit.header());
    eprintln!(
        "FAULT-TIMING fault=unreachable-at-start detect_ms={} converge_ms={} pods={} services={} nodes={} stale=0 missing=0",
        ms(opened, said),
        ms(back, at),
        d.pods,
        d.services,
        d.nodes,
    );
    assert!(said - opened <= DETECT_WITHIN);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The fixture chart plus a pre-upgrade hook Job whose pod never starts
/// (the rig's image-pull failure): an upgrade waits on it until killed.
fn chart_with_a_hanging_upgrade_hook(dir: &std::path::Path) -> std::path::PathBuf {
    let chart = dir.join("jupyterhub-lite");
    copy_dir(&support::fixture_chart(), &chart);
    std::fs::write(
        chart.join("templates/zz-fault-hook.yaml"),
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: fault-hook
  annotations:
    helm.sh/hook: pre-upgrade
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 0
  template:
    metadata:
      labels:
        rig.jhub-cockpit/fail: image-pull
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      containers:
        - name: wait
          image: example.invalid/never:1
"#,
    )
    .unwrap();
    chart
}

/// The helm processes this test process started (the executor's).
fn our_helm_children() -> Vec<i32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid ...
            let Some((comm, rest)) = stat.split_once(") ") else {
                return false;
            };
            comm.ends_with("(helm") && rest.split(' ').nth(1) == Some(me.as_str())
        })
        .collect()
}

fn helm_status(kubeconfig: &std::path::Path, ns: &str) -> (String, u64) {
    let out = std::process::Command::new(support::helm())
        .args(["status", "jhub", "-n", ns, "-o", "json", "--kubeconfig"])
        .arg(kubeconfig)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("helm status: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (
        v["info"]["status"].as_str().unwrap_or_default().to_owned(),
        v["version"].as_u64().unwrap_or_default(),
    )
}

/// helm is SIGKILLed while the cockpit's upgrade waits on a hook: the
/// release stays pending-upgrade; the cockpit says helm was killed, the
/// Release pane says what that means, and `r` offers the rollback to the
/// last deployed revision, which unlocks the release. On the shared rig
/// (nothing is stopped), in a namespace of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_killed_mid_upgrade_leaves_pending_upgrade_and_offers_the_rollback() {
    use crossterm::event::KeyCode;
    use jhub_cockpit::app::actions::{Action, Outcome};
    use jhub_cockpit::helm::release::ReleaseStatus;

    let _serial = SERIAL.lock().await;
    let client = support::client().await;
    let ns = support::TestNamespace::new(&client, "helmkill").await;
    let kubeconfig = support::kubeconfig();
    let workdir = tempfile::tempdir().unwrap();
    let chart = chart_with_a_hanging_upgrade_hook(workdir.path());
    std::fs::write(
        workdir.path().join("config.yaml"),
        "hub:\n  config:\n    JupyterHub:\n      authenticator_class: dummy\n",
    )
    .unwrap();
    support::install_release(&chart, &ns.name);

    let mut config = deploy_config(&kubeconfig, &ns.name, workdir.path());
    config.chart = jhub_cockpit::helm::cli::ChartSource::Local(chart);
    let cockpit = Observed::start(kubeconfig.clone(), &ns.name, config);
    let deadline = || Instant::now() + Duration::from_secs(60);
    let current = |s: &jhub_cockpit::app::State| {
        s.resources
            .releases
            .current("jhub")
            .map(|r| (r.revision, r.status.clone()))
    };
    cockpit
        .until(deadline(), |s| {
            current(s) == Some((1, ReleaseStatus::Deployed))
        })
        .await
        .expect("the cockpit shows revision 1 deployed");

    // u, then y in the dialog: the cockpit's own upgrade.
    cockpit.key(KeyCode::Char('u'));
    cockpit
        .until(deadline(), |s| s.confirm.is_some())
        .await
        .unwrap_or_else(|| panic!("no upgrade dialog:\n{}", cockpit.screen()));
    cockpit.key(KeyCode::Char('y'));
    cockpit
        .until(deadline(), |s| {
            current(s) == Some((2, ReleaseStatus::PendingUpgrade))
                && s.resources
                    .pods
                    .iter()
                    .any(|e| e.row.name.starts_with("fault-hook"))
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "the upgrade never waited on its hook:\n{}",
                cockpit.screen()
            )
        });
    let helms = our_helm_children();
    assert_eq!(helms.len(), 1, "one helm runs: {helms:?}");
    let killed = Instant::now();
    // SAFETY: a signal to a process this test's executor started.
    assert_eq!(unsafe { libc::kill(helms[0], libc::SIGKILL) }, 0);

    let explained = cockpit
        .until(deadline(), |s| {
            s.operation.as_ref().is_some_and(|o| o.outcome.is_some())
        })
        .await
        .expect("the operation ends");
    let outcome = cockpit.state().operation.clone().unwrap().outcome.unwrap();
    let Outcome::Failed { error, hint } = outcome else {
        panic!("a killed helm is no success: {outcome:?}");
    };
    assert!(error.contains("killed (signal 9)"), "{error}");
    let hint = hint.unwrap_or_default();
    assert!(hint.contains("roll back"), "{hint}");
    // What helm itself says, and what the cockpit holds, agree.
    assert_eq!(
        helm_status(&kubeconfig, &ns.name),
        ("pending-upgrade".into(), 2)
    );
    assert_eq!(
        current(&cockpit.state()),
        Some((2, ReleaseStatus::PendingUpgrade))
    );
    cockpit.key(KeyCode::Esc); // hide the panel: the Release pane shows
    cockpit
        .until(deadline(), |s| {
            observed::draw(s).contains("interrupted? r: roll back to rev 1")
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "the Release pane does not offer the rollback:\n{}",
                cockpit.screen()
            )
        });
    assert!(cockpit.screen().contains("pending-upgrade"));

    // r opens the history on revision 1; r there and y roll back.
    cockpit.key(KeyCode::Char('r'));
    cockpit
        .until(deadline(), |s| {
            jhub_cockpit::app::lists::revisions(s)
                .get(match s.top_overlay() {
                    Some(jhub_cockpit::app::Overlay::History { selected }) => *selected,
                    _ => usize::MAX,
                })
                .is_some_and(|r| r.revision == 1)
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "the history does not start on revision 1:\n{}",
                cockpit.screen()
            )
        });
    cockpit.key(KeyCode::Char('r'));
    cockpit
        .until(deadline(), |s| {
            s.confirm
                .as_ref()
                .is_some_and(|c| c.action == Action::Rollback { revision: 1 })
        })
        .await
        .unwrap_or_else(|| panic!("no rollback dialog:\n{}", cockpit.screen()));
    cockpit.key(KeyCode::Char('y'));
    let rolled_back = cockpit
        .until(deadline(), |s| {
            current(s) == Some((3, ReleaseStatus::Deployed))
                && s.operation
                    .as_ref()
                    .is_some_and(|o| matches!(o.outcome, Some(Outcome::Succeeded { .. })))
        })
        .await
        .unwrap_or_else(|| panic!("the rollback did not finish:\n{}", cockpit.screen()));
    assert_eq!(helm_status(&kubeconfig, &ns.name), ("deployed".into(), 3));
    eprintln!(
        "FAULT-TIMING fault=helm-killed detect_ms={} rollback_done_ms={} helm_status=deployed/3 cockpit=deployed/3",
        ms(killed, explained),
        ms(explained, rolled_back),
    );
}

fn gke_deploy_config(
    emu: &gke_support::Emulator,
    dir: &std::path::Path,
) -> jhub_cockpit::deploy::DeployConfig {
    let mut config = deploy_config(&dir.join("kubeconfig"), "jhub", dir);
    config.gke = Some(jhub_cockpit::deploy::GkeConfig {
        project: gke_support::PROJECT.into(),
        location: gke_support::ZONE.into(),
        endpoint: Some(emu.url.clone()),
        kubeconfig: dir.join("kubeconfig"),
    });
    config
}

/// Creates the default cluster through the same function the key runs;
/// returns the outcome, the progress lines and how long it took.
async fn create_cluster(
    config: &jhub_cockpit::deploy::DeployConfig,
) -> (
    Result<String, jhub_cockpit::deploy::Failure>,
    Vec<String>,
    Duration,
) {
    let spec = jhub_cockpit::gke::ClusterSpec::default();
    let mut lines = Vec::new();
    let t0 = Instant::now();
    let result = jhub_cockpit::deploy::run(
        &jhub_cockpit::app::actions::Action::CreateCluster(spec),
        config,
        0,
        |l| lines.push(l),
    )
    .await;
    (result, lines, t0.elapsed())
}

/// GKE answers 5xx while a cluster creation is polled. A few are ridden
/// out with a growing pause (and the client's own retries of 503); when
/// they last, the failure says that GKE accepted the creation and that it
/// may still be running, and the cluster list shows the half-made cluster.
#[tokio::test]
async fn gke_5xx_while_polling_is_retried_and_nothing_half_done_is_hidden() {
    let dir = tempfile::tempdir().unwrap();

    // Two 500s: the wait asks again after 2 s, then 4 s, and succeeds.
    let emu = gke_support::Emulator::start(3.0).await;
    emu.fault(r#"{"method":"GET","pathContains":"/operations/","status":500,"count":2}"#)
        .await;
    let (result, lines, transient_took) =
        create_cluster(&gke_deploy_config(&emu, dir.path())).await;
    let summary = result.unwrap_or_else(|f| panic!("two 500s are ridden out: {f}\n{lines:#?}"));
    assert!(summary.contains("RUNNING"), "{summary}");
    for n in ["(1/3)", "(2/3)"] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains("cannot read the operation's progress") && l.contains(n)),
            "the retry {n} is shown: {lines:#?}"
        );
    }
    assert!(
        transient_took >= Duration::from_secs(6),
        "2 s + 4 s of pauses: {transient_took:?}"
    );

    // 503 for good: the client retries each poll, the wait asks 3 more
    // times, then gives up without hiding the running operation.
    let emu = gke_support::Emulator::start(600.0).await;
    emu.fault(r#"{"method":"GET","pathContains":"/operations/","status":503}"#)
        .await;
    let (result, lines, lasting_took) = create_cluster(&gke_deploy_config(&emu, dir.path())).await;
    let failure = result.expect_err("a lasting 503 fails the wait");
    assert!(
        failure.error.contains("GKE accepted the")
            && failure.error.contains("operation operation-"),
        "names the accepted operation: {failure}"
    );
    assert!(
        failure
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("may still be running"),
        "{failure}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("cannot read the operation's progress"))
            .count(),
        3,
        "{lines:#?}"
    );
    let (_, requests) = emu.requests().await;
    let polls = requests
        .iter()
        .filter(|r| {
            r["method"] == "GET"
                && r["path"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("/operations/")
        })
        .count();
    assert!(polls >= 8, "4 polls, each retried by the client: {polls}");
    let clusters = emu
        .client()
        .await
        .list_clusters(gke_support::PROJECT, gke_support::ZONE)
        .await
        .unwrap();
    assert_eq!(clusters.len(), 1);
    assert_eq!(
        clusters[0].status,
        jhub_cockpit::gke::ClusterStatus::Provisioning
    );
    eprintln!(
        "FAULT-TIMING fault=gke-5xx transient_500x2_ok_ms={} lasting_503_fail_ms={} operation_gets={polls} cluster_listed={}",
        transient_took.as_millis(),
        lasting_took.as_millis(),
        clusters[0].status,
    );
}

/// The Release pane and `r` for a revision left pending, without a rig:
/// the rollback target is the last deployed revision, or none.
#[test]
fn a_pending_revision_offers_the_rollback_to_the_last_deployed_one() {
    use jhub_cockpit::app::{self, Msg, Overlay, WatchMsg};
    use support::objects::release_secret;
    let mut state = jhub_cockpit::app::State::new(Default::default(), support::objects::now());
    let relist = |state: &mut jhub_cockpit::app::State, secrets| {
        app::update(
            state,
            Msg::Watch(WatchMsg::Relisted(Kind::Release, secrets)),
        );
    };
    relist(
        &mut state,
        vec![
            release_secret("jhub", 1, "superseded", "4.3.0", "2026-12-01T11:00:00Z"),
            release_secret("jhub", 2, "deployed", "4.4.0", "2026-12-01T11:30:00Z"),
            release_secret(
                "jhub",
                3,
                "pending-upgrade",
                "4.4.0",
                "2026-12-01T11:45:00Z",
            ),
        ],
    );
    assert_eq!(jhub_cockpit::app::lists::rollback_target(&state), Some(2));
    assert!(observed::draw(&state).contains("interrupted? r: roll back to rev 2"));
    let key = |state: &mut jhub_cockpit::app::State, c| {
        app::update(
            state,
            Msg::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            )),
        )
    };
    key(&mut state, 'r');
    // Newest first: 3 (pending), 2, 1: the history starts on 2.
    assert_eq!(state.top_overlay(), Some(&Overlay::History { selected: 1 }));

    // A first install left pending has nothing to roll back to.
    let mut state = jhub_cockpit::app::State::new(Default::default(), support::objects::now());
    relist(
        &mut state,
        vec![release_secret(
            "jhub",
            1,
            "pending-install",
            "4.4.0",
            "2026-12-01T11:00:00Z",
        )],
    );
    assert_eq!(jhub_cockpit::app::lists::rollback_target(&state), None);
    assert!(observed::draw(&state).contains("no earlier rev: X uninstalls"));
    // A deployed current revision is no rollback target either.
    let mut state = jhub_cockpit::app::State::new(Default::default(), support::objects::now());
    relist(
        &mut state,
        vec![
            release_secret("jhub", 1, "superseded", "4.3.0", "2026-12-01T11:00:00Z"),
            release_secret("jhub", 2, "deployed", "4.4.0", "2026-12-01T11:30:00Z"),
        ],
    );
    assert_eq!(jhub_cockpit::app::lists::rollback_target(&state), None);
    key(&mut state, 'r');
    assert_eq!(state.top_overlay(), Some(&Overlay::History { selected: 0 }));
}

/// GKE holds the create request and never answers in time: the client's
/// attempt timeout (30 s) ends it with a message that says the request may
/// have started the creation, instead of a spinner that never stops.
#[tokio::test]
async fn a_hanging_gke_create_times_out_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let emu = gke_support::Emulator::start(3.0).await;
    emu.fault(r#"{"method":"POST","pathContains":"/clusters","hangSeconds":45,"count":1}"#)
        .await;
    let (result, lines, took) = create_cluster(&gke_deploy_config(&emu, dir.path())).await;
    let failure = result.expect_err("a hung create fails");
    assert!(
        failure
            .error
            .contains("did not answer the request to create cluster notebook-test"),
        "{failure}\n{lines:#?}"
    );
    assert!(
        failure
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("may have reached GKE"),
        "{failure}"
    );
    // The client's one attempt (a create is not retried: it is no
    // idempotent request) of 30 s, and not the 45 s hang.
    assert!(
        took >= Duration::from_secs(29) && took < Duration::from_secs(44),
        "{took:?}"
    );
    eprintln!(
        "FAULT-TIMING fault=gke-hang create_timed_out_ms={} message_ok=true",
        took.as_millis()
    );
}
