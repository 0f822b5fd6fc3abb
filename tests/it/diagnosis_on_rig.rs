//! The diagnosis, from objects captured from the rig's real API server
//! (tests/fixtures/rig), not written by hand; and on live pods of the rig,
//! read through the cockpit's own watchers and update(), for what the
//! scheduler does not say (a silent user-scheduler, taints since 1.34, a
//! node's pod limit, the cluster autoscaler's refusals).

use crate::support;

use std::path::PathBuf;

use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use serde::de::DeserializeOwned;

use jhub_cockpit::kube::diagnosis::{DiagnosisInput, DiagnosisKind, SchedulerPod, diagnose};
use jhub_cockpit::kube::event_record::EventRecord;
use jhub_cockpit::kube::pod_row::PodRow;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rig")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn one<T: DeserializeOwned>(name: &str) -> T {
    serde_yaml::from_str(&fixture(name)).unwrap()
}

/// `kubectl get -o yaml` of a list: its items.
fn items<T: DeserializeOwned>(name: &str) -> Vec<T> {
    let list: serde_json::Value = serde_yaml::from_str(&fixture(name)).unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| serde_json::from_value(i.clone()).unwrap())
        .collect()
}

fn diagnose_pod(
    pod: &str,
    claims: &[PersistentVolumeClaim],
) -> jhub_cockpit::kube::diagnosis::Diagnosis {
    diagnose_among(pod, claims, &[])
}

fn diagnose_among(
    pod: &str,
    claims: &[PersistentVolumeClaim],
    scheduler_pods: &[PodRow],
) -> jhub_cockpit::kube::diagnosis::Diagnosis {
    let scheduler_pods: Vec<SchedulerPod> = scheduler_pods
        .iter()
        .map(|row| SchedulerPod {
            row,
            diagnosis: None,
        })
        .collect();
    let pod: Pod = one(&format!("pod-{pod}.yaml"));
    let events: Vec<EventRecord> = items(&format!(
        "events-{}.yaml",
        pod.metadata.name.as_deref().unwrap()
    ));
    let event_refs: Vec<&EventRecord> = events.iter().collect();
    let classes: Vec<StorageClass> = items("storageclasses.yaml");
    let lookup = |name: &str| {
        claims
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(name))
    };
    diagnose(&DiagnosisInput {
        pod: &pod,
        row: &PodRow::from_pod(&pod),
        events: &event_refs,
        claims: &lookup,
        storage_classes: &classes,
        last_log_lines: &[],
        nodes: &[],
        scheduler_pods: &scheduler_pods,
    })
    .expect("a pod that is not Running has a diagnosis")
}

#[test]
fn image_pull_names_the_image() {
    let d = diagnose_pod("jupyter-broken", &[]);
    assert_eq!(d.kind, DiagnosisKind::ImagePull);
    assert!(
        d.line.contains("example.invalid/notebook:missing"),
        "{}",
        d.line
    );
}

#[test]
fn unbound_claim_names_the_claim_and_the_missing_class() {
    let claim: PersistentVolumeClaim = one("pvc-claim-alice.yaml");
    let d = diagnose_pod("jupyter-alice", &[claim]);
    assert_eq!(d.kind, DiagnosisKind::UnboundClaim);
    assert!(d.line.contains("claim-alice"), "{}", d.line);
    assert!(d.line.contains("no-such-class"), "{}", d.line);
}

#[test]
fn insufficient_memory_quotes_the_scheduler() {
    let d = diagnose_pod("jupyter-huge", &[]);
    assert_eq!(d.kind, DiagnosisKind::InsufficientResources);
    assert!(
        d.line.contains("0/3 nodes: 3 Insufficient memory"),
        "{}",
        d.line
    );
    assert!(d.line.contains("14Gi"), "{}", d.line);
}

/// The real chart's two user-scheduler pods (release capture-18975), as
/// rows: Running and Ready under KWOK, though no scheduler runs in them.
fn chart_scheduler_pods() -> Vec<PodRow> {
    items::<Pod>("pods-user-scheduler.yaml")
        .iter()
        .map(PodRow::from_pod)
        .collect()
}

#[test]
fn a_user_pod_of_the_real_chart_waits_for_its_scheduler() {
    let d = diagnose_among("jupyter-bob", &[], &chart_scheduler_pods());
    assert_eq!(d.kind, DiagnosisKind::WaitingForScheduler);
    assert_eq!(d.short, "Scheduler hasn't bound");
    assert_eq!(
        d.line,
        "Waiting for scheduler \"capture-18975-user-scheduler\" (created 2026-12-05T02:57:16Z, no event): its pods run (2/2 ready) but it has not bound this pod: read the user-scheduler's log"
    );
    // Another release's scheduler pods are not this one's.
    let mut others = chart_scheduler_pods();
    for p in &mut others {
        p.release = Some("another".into());
    }
    assert_eq!(
        diagnose_among("jupyter-bob", &[], &others).short,
        "No scheduler pods"
    );
}

#[test]
fn the_real_charts_placeholder_is_pending_by_design() {
    let d = diagnose_among("user-placeholder-0", &[], &chart_scheduler_pods());
    assert_eq!(d.kind, DiagnosisKind::ByDesign);
    assert!(!d.kind.is_warning());
    assert!(
        d.line.ends_with(
            "; waiting for scheduler \"capture-18975-user-scheduler\", which said nothing"
        ),
        "{}",
        d.line
    );
}

// ---------------------------------------------------------------------------
// Live pods of the rig

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams, PostParams};
use tokio::sync::mpsc::UnboundedReceiver;

use jhub_cockpit::app::{self, Msg, State, Target};
use jhub_cockpit::kube::diagnosis::Diagnosis;
use jhub_cockpit::kube::watch;
use support::{TestNamespace, UninstallOnDrop, client, run_helm, z2jh_chart};

/// The cockpit's state of one namespace, fed by its own watchers.
struct Cockpit {
    state: State,
    rx: UnboundedReceiver<Msg>,
    _watchers: watch::Watchers,
}

impl Cockpit {
    async fn start(client: &kube::Client, namespace: &str) -> Self {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let watchers = crate::support::watchers(client, namespace, tx).await;
        let state = State::new(
            Target {
                context: "rig".into(),
                namespace: namespace.into(),
                ..Default::default()
            },
            chrono::Utc::now(),
        );
        Cockpit {
            state,
            rx,
            _watchers: watchers,
        }
    }

    fn diagnosis(&self, pod: &str) -> Option<&Diagnosis> {
        self.state
            .resources
            .pods
            .get(pod)
            .and_then(|e| e.diagnosis.as_ref())
    }

    /// Feeds watch messages into the state until the pod's diagnosis
    /// satisfies `done`; fails with what the pods showed last.
    async fn until(
        &mut self,
        pod: &str,
        what: &str,
        done: impl Fn(&Diagnosis) -> bool,
    ) -> Diagnosis {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(d) = self.diagnosis(pod).filter(|d| done(d)) {
                return d.clone();
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    app::update(&mut self.state, msg);
                }
                _ => {
                    let pods: Vec<String> = self
                        .state
                        .resources
                        .pods
                        .iter()
                        .map(|e| format!("{} {} {:?}", e.row.name, e.row.status, e.diagnosis))
                        .collect();
                    panic!("timed out waiting for {what} of {pod}; pods: {pods:#?}");
                }
            }
        }
    }
}

fn from_json<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("a valid API object")
}

async fn create_pod(client: &kube::Client, ns: &str, pod: serde_json::Value) {
    Api::<Pod>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &from_json(pod))
        .await
        .unwrap();
}

/// A release of the real chart in the test's namespace, uninstalled when
/// dropped: its ClusterRole, ClusterRoleBinding and PriorityClasses are
/// cluster-wide, named after the release, so the name is the namespace's
/// (unique) and they must not outlive the test.
struct Release {
    name: String,
    _uninstall: UninstallOnDrop,
}

impl Release {
    fn install(namespace: &str, values: &[&str]) -> Self {
        let chart = z2jh_chart();
        let release = Release {
            name: namespace.to_owned(),
            _uninstall: UninstallOnDrop::new(namespace, namespace),
        };
        let mut args = vec![
            "install",
            &release.name,
            chart.to_str().unwrap(),
            "-n",
            namespace,
            // The pre-install hook waits for image pullers on every node of
            // a shared rig; the continuous puller would put a pod on each.
            "--set",
            "prePuller.hook.enabled=false",
            "--set",
            "prePuller.continuous.enabled=false",
            "--set",
            "proxy.service.type=ClusterIP",
        ];
        for v in values {
            args.extend(["--set", v]);
        }
        let (ok, out) = run_helm(&args);
        assert!(ok, "helm install of the real chart failed: {out}");
        release
    }
}

/// The digits a TestNamespace's name ends with.
fn suffix(ns: &TestNamespace) -> &str {
    ns.name.rsplit('-').next().unwrap()
}

#[tokio::test]
async fn a_user_pod_waits_for_the_real_charts_user_scheduler() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "diag-sched").await;
    let mut cockpit = Cockpit::start(&client, &ns.name).await;
    let release = Release::install(&ns.name, &["scheduling.userPlaceholder.replicas=1"]);
    let scheduler = format!("{}-user-scheduler", release.name);

    // As KubeSpawner makes it: the chart's scheduler, which under KWOK has
    // Running pods but no scheduler process, so nothing ever binds it.
    create_pod(
        &client,
        &ns.name,
        serde_json::json!({
            "metadata": {"name": "jupyter-bob", "labels": {
                "app": "jupyterhub", "component": "singleuser-server",
                "release": release.name, "hub.jupyter.org/username": "bob"}},
            "spec": {"schedulerName": scheduler,
                "containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"}]}
        }),
    )
    .await;
    let d = cockpit
        .until(
            "jupyter-bob",
            "the scheduler running without binding",
            |d| d.short == "Scheduler hasn't bound" && d.line.contains("(2/2 ready)"),
        )
        .await;
    assert_eq!(d.kind, DiagnosisKind::WaitingForScheduler);
    assert!(
        d.line
            .starts_with(&format!("Waiting for scheduler \"{scheduler}\" (created ")),
        "{}",
        d.line
    );
    assert!(d.line.contains("its pods run (2/2 ready)"), "{}", d.line);
    let pod = &cockpit.state.resources.pods.get("jupyter-bob").unwrap().row;
    let later = pod.created.unwrap() + chrono::Duration::minutes(3);
    assert!(
        d.line_at(pod.created, later)
            .starts_with(&format!("Waiting 3m for scheduler \"{scheduler}\"")),
        "{}",
        d.line_at(pod.created, later)
    );

    // The chart's placeholder, which waits for the same scheduler, is
    // Pending by design.
    let p = cockpit
        .until("user-placeholder-0", "pending by design", |d| {
            d.kind == DiagnosisKind::ByDesign
        })
        .await;
    assert_eq!(p.short, "Placeholder, by design");
    assert!(!p.kind.is_warning());

    // The scheduler's pods replaced (Recreate, so none of the old ones
    // stays ready) by ones that no node takes: none is ready.
    let deployments = Api::<Deployment>::namespaced(client.clone(), &ns.name);
    deployments
        .patch(
            "user-scheduler",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {
                "strategy": {"type": "Recreate", "rollingUpdate": null},
                "template": {"spec": {"nodeSelector": {"diag.jhub-cockpit/none": "x"}}}
            }})),
        )
        .await
        .unwrap();
    let d = cockpit
        .until("jupyter-bob", "the scheduler not ready", |d| {
            d.short == "Scheduler not ready"
        })
        .await;
    assert!(d.line.contains("none of its pods is ready: "), "{}", d.line);
    assert!(d.line.contains("user-scheduler-"), "{}", d.line);
    // Then by pods that crash (the rig's crash-loop label): said so.
    deployments
        .patch(
            "user-scheduler",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"template": {
                "metadata": {"labels": {"rig.jhub-cockpit/fail": "crash-loop"}},
                "spec": {"nodeSelector": null}
            }}})),
        )
        .await
        .unwrap();
    let d = cockpit
        .until("jupyter-bob", "the scheduler crash-looping", |d| {
            d.short == "Scheduler crash-looping"
        })
        .await;
    assert!(d.line.contains("its pods crash-loop: "), "{}", d.line);
    assert!(d.line.contains("CrashLoopBackOff"), "{}", d.line);

    // The scheduler scaled to nothing: its pods go, and the waiting pod
    // says so without a change of its own.
    deployments
        .patch(
            "user-scheduler",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"replicas": 0}})),
        )
        .await
        .unwrap();
    let d = cockpit
        .until("jupyter-bob", "no scheduler pods", |d| {
            d.short == "No scheduler pods"
        })
        .await;
    assert!(d.line.contains("no user-scheduler pod runs"), "{}", d.line);
}

#[tokio::test]
async fn an_untolerated_taint_is_named_from_the_node() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "diag-taint").await;
    let mut cockpit = Cockpit::start(&client, &ns.name).await;
    let key = format!("diag.jhub-cockpit/t{}", suffix(&ns));
    let node = support::TestNode::create(&client, &ns.name, (&key, "only"), 110).await;

    // The pod wants only that node, and does not tolerate its taint: the
    // 1.36 scheduler says "1 node(s) had untolerated taint(s)", unnamed.
    create_pod(
        &client,
        &ns.name,
        serde_json::json!({
            "metadata": {"name": "jupyter-tainted", "labels": {"component": "singleuser-server"}},
            "spec": {"nodeSelector": {"kubernetes.io/hostname": node.name},
                "containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"}]}
        }),
    )
    .await;
    let named = format!("{key}=only:NoSchedule on {} not tolerated", node.name);
    let d = cockpit
        .until("jupyter-tainted", "the taint named", |d| {
            d.line.contains(&named)
        })
        .await;
    assert_eq!(d.kind, DiagnosisKind::UntoleratedTaint);
    assert_eq!(d.short, format!("Taint t{}=only", suffix(&ns)));
    assert!(
        d.line.contains("node(s) had untolerated taint(s)"),
        "{}",
        d.line
    );
}

#[tokio::test]
async fn a_full_node_says_too_many_pods() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "diag-full").await;
    let mut cockpit = Cockpit::start(&client, &ns.name).await;
    // A node that holds one pod; its taint keeps everyone else's pods off.
    let key = format!("diag.jhub-cockpit/f{}", suffix(&ns));
    let node = support::TestNode::create(&client, &ns.name, (&key, "only"), 1).await;
    let pod = |name: &str, bind: bool| {
        let mut spec = serde_json::json!({
            "nodeSelector": {"kubernetes.io/hostname": node.name},
            "tolerations": [{"key": key, "operator": "Exists"}],
            "containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"}]
        });
        if bind {
            spec["nodeName"] = serde_json::json!(node.name);
        }
        serde_json::json!({
            "metadata": {"name": name, "labels": {"component": "singleuser-server"}},
            "spec": spec
        })
    };
    create_pod(&client, &ns.name, pod("jupyter-first", true)).await;
    create_pod(&client, &ns.name, pod("jupyter-second", false)).await;
    let d = cockpit
        .until("jupyter-second", "Too many pods", |d| {
            d.short == "Too many pods (1/node)"
        })
        .await;
    assert_eq!(d.kind, DiagnosisKind::InsufficientResources);
    assert!(d.line.contains("1 Too many pods"), "{}", d.line);
    assert!(
        d.line.contains("(nodes hold at most 1 pod each)"),
        "{}",
        d.line
    );
}

#[tokio::test]
async fn the_cluster_autoscalers_refusal_is_the_short_form() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "diag-ca").await;
    let mut cockpit = Cockpit::start(&client, &ns.name).await;
    create_pod(
        &client,
        &ns.name,
        serde_json::json!({
            "metadata": {"name": "jupyter-huge", "labels": {"component": "singleuser-server"}},
            "spec": {"containers": [{"name": "notebook",
                "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
                "resources": {"requests": {"memory": "900Gi"}}}]}
        }),
    )
    .await;
    cockpit
        .until("jupyter-huge", "Insufficient memory", |d| {
            d.short == "Insufficient memory"
        })
        .await;
    let uid = cockpit
        .state
        .resources
        .pods
        .get("jupyter-huge")
        .unwrap()
        .pod
        .as_ref()
        .expect("an unhealthy pod is kept whole")
        .metadata
        .uid
        .clone();

    // As GKE's cluster-autoscaler writes them (core/v1 Events).
    let event = |name: &str, reason: &str, type_: &str, message: &str| -> Event {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        from_json(serde_json::json!({
            "metadata": {"name": name, "namespace": ns.name},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "jupyter-huge",
                "namespace": ns.name, "uid": uid},
            "reason": reason, "type": type_, "message": message,
            "source": {"component": "cluster-autoscaler"},
            "reportingComponent": "cluster-autoscaler",
            "firstTimestamp": now, "lastTimestamp": now, "count": 1
        }))
    };
    let events = Api::<Event>::namespaced(client.clone(), &ns.name);
    events
        .create(
            &PostParams::default(),
            &event(
                "jupyter-huge.not-trigger",
                "NotTriggerScaleUp",
                "Normal",
                "pod didn't trigger scale-up: 3 node(s) didn't match Pod's node affinity/selector, 1 max node group size reached",
            ),
        )
        .await
        .unwrap();
    let d = cockpit
        .until("jupyter-huge", "the autoscaler's refusal", |d| {
            d.short == "No scale-up: pool at max"
        })
        .await;
    assert_eq!(d.kind, DiagnosisKind::InsufficientResources);
    assert!(
        d.line.ends_with("; autoscaler: pod didn't trigger scale-up: 3 node(s) didn't match Pod's node affinity/selector, 1 max node group size reached"),
        "{}",
        d.line
    );

    // A second later, the scale-up it tried failed on quota.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    events
        .create(
            &PostParams::default(),
            &event(
                "jupyter-huge.failed",
                "FailedScaleUp",
                "Warning",
                "Node scale up in zones us-central1-b associated with this pod failed: GCE quota exceeded. Pod is at risk of not being scheduled.",
            ),
        )
        .await
        .unwrap();
    cockpit
        .until("jupyter-huge", "the failed scale-up", |d| {
            d.short == "Scale-up failed: quota"
        })
        .await;
}
