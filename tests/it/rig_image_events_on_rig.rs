//! The rig's image pulls (`kubelet-images`, issue 20): a pod on a KWOK node
//! gets the events a kubelet's image manager records, and the node lists
//! the image in `status.images`, so that what the cockpit reads after an
//! upgrade (which nodes have pulled the new image, and how long it took)
//! can be tested on the rig. Checked here as the cockpit will read them:
//! core/v1 Events on the pod, by the kubelet of the pod's node, with the
//! container's fieldPath and the messages of kubelet 1.36's
//! `pkg/kubelet/images/image_manager.go`.
//!
//! Each test has a node of its own (KWOK runs it, it starts with no
//! images, and a taint keeps other tests' pods off it): the shared nodes
//! hold whatever images earlier tests pulled.

use crate::support::{TestNamespace, TestNode, client, eventually};

use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::api::{Api, ListParams, PostParams};

const NOTEBOOK: &str = "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0";
const TOOLS: &str = "quay.io/jupyterhub/k8s-network-tools:4.4.0";

fn from_json<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("a valid API object")
}

/// Makes a pod bound to `node` (as the scheduler would bind it) and returns
/// its uid.
async fn create_pod(client: &kube::Client, ns: &str, node: &str, pod: serde_json::Value) -> String {
    let mut pod = pod;
    pod["spec"]["nodeName"] = serde_json::json!(node);
    pod["spec"]["tolerations"] = serde_json::json!([{"operator": "Exists"}]);
    let made = Api::<Pod>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &from_json(pod))
        .await
        .unwrap();
    made.metadata.uid.unwrap()
}

/// The pod's events from the kubelet (not the scheduler's or KWOK's).
async fn kubelet_events(client: &kube::Client, ns: &str, uid: &str) -> Vec<Event> {
    let mut events: Vec<Event> = Api::<Event>::namespaced(client.clone(), ns)
        .list(&ListParams::default().fields(&format!("involvedObject.uid={uid},source=kubelet")))
        .await
        .unwrap()
        .items;
    // The recorder names an event <object>.<unix nanoseconds in hex>: its
    // order of recording, finer than the timestamps' seconds.
    events.sort_by_key(|e| {
        let name = e.metadata.name.clone().unwrap_or_default();
        let hex = name.rsplit('.').next().unwrap_or_default();
        u64::from_str_radix(hex, 16).unwrap_or(0)
    });
    events
}

/// Waits until the pod's kubelet events satisfy `done`; returns them.
async fn events_until(
    client: &kube::Client,
    ns: &str,
    uid: &str,
    what: &str,
    done: impl Fn(&[Event]) -> bool,
) -> Vec<Event> {
    let got = eventually(Duration::from_secs(30), || async {
        let events = kubelet_events(client, ns, uid).await;
        done(&events).then_some(events)
    })
    .await;
    match got {
        Some(events) => events,
        None => panic!(
            "no {what} in 30 s; the kubelet's events: {:#?}",
            summary(&kubelet_events(client, ns, uid).await)
        ),
    }
}

fn summary(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            format!(
                "{} {} {}: {}",
                e.type_.as_deref().unwrap_or(""),
                e.reason.as_deref().unwrap_or(""),
                e.involved_object.field_path.as_deref().unwrap_or(""),
                e.message.as_deref().unwrap_or("")
            )
        })
        .collect()
}

fn find<'a>(events: &'a [Event], reason: &str, field_path: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| {
            e.reason.as_deref() == Some(reason)
                && e.involved_object.field_path.as_deref() == Some(field_path)
        })
        .collect()
}

/// The one event of that reason for that container.
fn only<'a>(events: &'a [Event], reason: &str, field_path: &str) -> &'a Event {
    let found = find(events, reason, field_path);
    assert_eq!(
        found.len(),
        1,
        "one {reason} event for {field_path}: {:#?}",
        summary(events)
    );
    found[0]
}

/// What makes an event the kubelet's own: its source and reporter are the
/// node's kubelet, it is about the pod's container, recorded once
/// (client-go's recorder sets both timestamps and count 1, no eventTime).
fn assert_from_kubelet(e: &Event, node: &str, ns: &str, pod: &str, uid: &str, field_path: &str) {
    let source = e.source.as_ref().expect("a source");
    assert_eq!(source.component.as_deref(), Some("kubelet"), "{e:?}");
    assert_eq!(source.host.as_deref(), Some(node), "{e:?}");
    assert_eq!(e.reporting_component.as_deref(), Some("kubelet"), "{e:?}");
    assert_eq!(e.reporting_instance.as_deref(), Some(node), "{e:?}");
    let o = &e.involved_object;
    assert_eq!(o.kind.as_deref(), Some("Pod"), "{e:?}");
    assert_eq!(o.api_version.as_deref(), Some("v1"), "{e:?}");
    assert_eq!(o.name.as_deref(), Some(pod), "{e:?}");
    assert_eq!(o.namespace.as_deref(), Some(ns), "{e:?}");
    assert_eq!(o.uid.as_deref(), Some(uid), "{e:?}");
    assert_eq!(o.field_path.as_deref(), Some(field_path), "{e:?}");
    assert_eq!(e.count, Some(1), "{e:?}");
    assert!(e.first_timestamp.is_some(), "{e:?}");
    assert_eq!(e.first_timestamp, e.last_timestamp, "{e:?}");
    assert!(e.event_time.is_none(), "{e:?}");
    assert!(
        e.metadata
            .name
            .as_deref()
            .unwrap()
            .starts_with(&format!("{pod}.")),
        "{e:?}"
    );
}

/// A Go time.Duration as its String() writes it ("1.486s", "812ms",
/// "1m3.5s"), the form the kubelet's %v gives.
fn go_duration(s: &str) -> Option<Duration> {
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let number: f64 = number.parse().ok()?;
        let unit = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit);
        total += number
            * match unit {
                "h" => 3600.0,
                "m" => 60.0,
                "s" => 1.0,
                "ms" => 1e-3,
                "µs" | "us" => 1e-6,
                "ns" => 1e-9,
                _ => return None,
            };
        rest = tail;
    }
    Some(Duration::from_secs_f64(total))
}

/// Reads `Successfully pulled image "IMAGE" in P (T including waiting).
/// Image size: N bytes.` into (P, T, N).
fn parse_pulled(message: &str, image: &str) -> (Duration, Duration, u64) {
    let rest = message
        .strip_prefix(&format!("Successfully pulled image \"{image}\" in "))
        .unwrap_or_else(|| panic!("not a Pulled message for {image}: {message}"));
    let (pull, rest) = rest.split_once(" (").expect(message);
    let (total, rest) = rest
        .split_once(" including waiting). Image size: ")
        .expect(message);
    let size = rest.strip_suffix(" bytes.").expect(message);
    let go = |d: &str| go_duration(d).unwrap_or_else(|| panic!("{d} is no Go duration: {message}"));
    (go(pull), go(total), size.parse().expect(message))
}

/// The node's `status.images`, as (names, sizeBytes).
async fn node_images(client: &kube::Client, node: &str) -> Vec<(Vec<String>, i64)> {
    let node = Api::<Node>::all(client.clone()).get(node).await.unwrap();
    node.status
        .and_then(|s| s.images)
        .unwrap_or_default()
        .into_iter()
        .map(|i| (i.names.unwrap_or_default(), i.size_bytes.unwrap_or(0)))
        .collect()
}

#[test]
fn go_durations_read_as_the_kubelet_prints_them() {
    assert_eq!(go_duration("1.486s"), Some(Duration::from_millis(1486)));
    assert_eq!(go_duration("812ms"), Some(Duration::from_millis(812)));
    assert_eq!(go_duration("1m3.5s"), Some(Duration::from_millis(63_500)));
    assert_eq!(go_duration("0s"), Some(Duration::ZERO));
    assert_eq!(go_duration("1.5 s"), None);
}

#[tokio::test]
async fn a_pull_is_reported_as_a_kubelet_reports_it_and_the_next_pod_finds_the_image() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "images").await;
    let node = TestNode::create(
        &client,
        &ns.name,
        ("rig.jhub-cockpit/image-test", &ns.name),
        110,
    )
    .await;
    let n = node.name.as_str();

    // An init container, then the notebook: the kubelet ensures each image
    // in that order. Neither image is on the new node.
    let first = create_pod(
        &client,
        &ns.name,
        n,
        serde_json::json!({
            "metadata": {"name": "jupyter-first", "labels": {"component": "singleuser-server"}},
            "spec": {
                "initContainers": [{"name": "block-cloud-metadata", "image": TOOLS}],
                "containers": [{"name": "notebook", "image": NOTEBOOK}]
            }
        }),
    )
    .await;
    let events = events_until(&client, &ns.name, &first, "Pulled for both", |ev| {
        ev.iter()
            .filter(|e| e.reason.as_deref() == Some("Pulled"))
            .count()
            >= 2
    })
    .await;
    let (init, main) = (
        "spec.initContainers{block-cloud-metadata}",
        "spec.containers{notebook}",
    );
    let mut sizes = vec![];
    for (path, image) in [(init, TOOLS), (main, NOTEBOOK)] {
        let pulling = only(&events, "Pulling", path);
        assert_from_kubelet(pulling, n, &ns.name, "jupyter-first", &first, path);
        assert_eq!(pulling.type_.as_deref(), Some("Normal"));
        assert_eq!(
            pulling.message.as_deref(),
            Some(format!("Pulling image \"{image}\"").as_str())
        );
        let pulled = only(&events, "Pulled", path);
        assert_from_kubelet(pulled, n, &ns.name, "jupyter-first", &first, path);
        assert_eq!(pulled.type_.as_deref(), Some("Normal"));
        let (pull, total, size) = parse_pulled(pulled.message.as_deref().unwrap(), image);
        // The time from Pulling to the pod running: KWOK's pod-ready
        // stage waits 1 to 3.5 s.
        assert!(
            pull >= Duration::from_millis(800) && pull <= Duration::from_secs(10),
            "{pull:?}: {pulled:?}"
        );
        assert_eq!(pull, total, "no queue on the rig: {pulled:?}");
        assert!(pulling.first_timestamp <= pulled.first_timestamp);
        let pos = |e: &Event| {
            events
                .iter()
                .position(|x| x.metadata.name == e.metadata.name)
        };
        assert!(pos(pulling) < pos(pulled), "{:#?}", summary(&events));
        sizes.push(size);
    }
    assert!(
        find(&events, "Failed", main).is_empty(),
        "{:#?}",
        summary(&events)
    );

    // The node lists both images, digest name first, with the size the
    // Pulled event gave.
    let listed = eventually(Duration::from_secs(10), || async {
        let images = node_images(&client, n).await;
        (images.len() >= 2).then_some(images)
    })
    .await;
    let Some(listed) = listed else {
        panic!(
            "{n} lists not both images: {:?}",
            node_images(&client, n).await
        )
    };
    for (image, size) in [TOOLS, NOTEBOOK].into_iter().zip(&sizes) {
        let repo = image.rsplit_once(':').unwrap().0;
        let (names, bytes) = listed
            .iter()
            .find(|(names, _)| names.iter().any(|x| x == image))
            .unwrap_or_else(|| panic!("{image} not in {n}'s status.images: {listed:?}"));
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names[0].starts_with(&format!("{repo}@sha256:"))
                && names[0].len() == repo.len() + 8 + 64,
            "{names:?}"
        );
        assert_eq!(names[1], image);
        assert_eq!(*bytes as u64, *size, "{names:?}");
    }

    // The same image for a second pod on that node: no pull.
    let second = create_pod(
        &client,
        &ns.name,
        n,
        serde_json::json!({
            "metadata": {"name": "jupyter-second", "labels": {"component": "singleuser-server"}},
            "spec": {"containers": [{"name": "notebook", "image": NOTEBOOK}]}
        }),
    )
    .await;
    let events = events_until(&client, &ns.name, &second, "Pulled", |ev| {
        ev.iter().any(|e| e.reason.as_deref() == Some("Pulled"))
    })
    .await;
    let present = only(&events, "Pulled", main);
    assert_from_kubelet(present, n, &ns.name, "jupyter-second", &second, main);
    assert_eq!(
        present.message.as_deref(),
        Some(
            format!("Container image \"{NOTEBOOK}\" already present on machine and can be accessed by the pod")
                .as_str()
        )
    );
    assert!(
        find(&events, "Pulling", main).is_empty(),
        "{:#?}",
        summary(&events)
    );
    // KWOK's heartbeat (20-25 s after the node last changed) patches the
    // node's status: the images stay, listed once.
    let beat = heartbeat(&client, n).await;
    let later = eventually(Duration::from_secs(45), || async {
        (heartbeat(&client, n).await > beat).then_some(())
    })
    .await;
    assert!(later.is_some(), "no heartbeat of {n} in 45 s");
    let images = node_images(&client, n).await;
    assert_eq!(images.len(), 2, "{images:?}");
    assert_eq!(
        images
            .iter()
            .filter(|(names, _)| names.iter().any(|x| x == NOTEBOOK))
            .count(),
        1,
        "{images:?}"
    );
}

/// The node's Ready condition's lastHeartbeatTime, as RFC 3339 text (whole
/// seconds, so it orders as text).
async fn heartbeat(client: &kube::Client, node: &str) -> String {
    let node = Api::<Node>::all(client.clone()).get(node).await.unwrap();
    let conditions = node.status.and_then(|s| s.conditions).unwrap_or_default();
    let ready = conditions.into_iter().find(|c| c.type_ == "Ready");
    let time = ready.and_then(|c| c.last_heartbeat_time);
    serde_json::to_value(time)
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_failing_pull_is_reported_failed_and_never_pulled() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "images-fail").await;
    let node = TestNode::create(
        &client,
        &ns.name,
        ("rig.jhub-cockpit/image-test", &ns.name),
        110,
    )
    .await;
    let n = node.name.as_str();
    let image = "quay.io/jupyterhub/k8s-singleuser-sample:0.0.0-no-such-tag";
    let uid = create_pod(
        &client,
        &ns.name,
        n,
        serde_json::json!({
            "metadata": {"name": "jupyter-bad", "labels": {
                "component": "singleuser-server", "rig.jhub-cockpit/fail": "image-pull"}},
            "spec": {"containers": [{"name": "notebook", "image": image}]}
        }),
    )
    .await;
    let main = "spec.containers{notebook}";
    let events = events_until(&client, &ns.name, &uid, "Failed", |ev| {
        !find(ev, "Failed", main).is_empty()
    })
    .await;
    let pulling = only(&events, "Pulling", main);
    assert_from_kubelet(pulling, n, &ns.name, "jupyter-bad", &uid, main);
    let failed = only(&events, "Failed", main);
    assert_from_kubelet(failed, n, &ns.name, "jupyter-bad", &uid, main);
    assert_eq!(failed.type_.as_deref(), Some("Warning"));
    let message = failed.message.as_deref().unwrap();
    assert!(
        message.starts_with(&format!("Failed to pull image \"{image}\": ")),
        "{message}"
    );
    assert!(message.ends_with(": not found"), "{message}");

    // Into back-off, as KWOK's stage has it: still no Pulled, and nothing
    // on the node.
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    let backoff = eventually(Duration::from_secs(15), || async {
        let pod = pods.get("jupyter-bad").await.unwrap();
        let statuses = pod.status?.container_statuses?;
        let waiting = statuses
            .first()?
            .state
            .as_ref()?
            .waiting
            .as_ref()?
            .reason
            .clone()?;
        (waiting == "ImagePullBackOff").then_some(())
    })
    .await;
    assert!(
        backoff.is_some(),
        "jupyter-bad never reached ImagePullBackOff"
    );
    let events = kubelet_events(&client, &ns.name, &uid).await;
    assert!(
        find(&events, "Pulled", main).is_empty(),
        "{:#?}",
        summary(&events)
    );
    assert_eq!(node_images(&client, n).await, vec![]);
}
