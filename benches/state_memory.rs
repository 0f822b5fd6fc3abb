//! What the cockpit's state keeps per pod and per event at 500, 5,000 and
//! 20,000 user pods (issue 19's memory target): the live heap the state
//! holds after its first lists, counted by a global allocator that wraps
//! the system's, apart from what any allocator keeps beside it (RSS is
//! measured on the rig by bench/run).
//!
//! The pods are shaped as KubeSpawner makes them on GKE (uid, username
//! annotation, a GKE node name, a pod IP, a resource version), two
//! scheduler events each, as the rig's namespace holds. `cargo bench
//! --bench state_memory` prints a table. Numbers only: nothing here asserts
//! a size. The test suite (`cargo test --all-targets`) runs it at 500 pods
//! only, which checks that it still runs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use k8s_openapi::api::core::v1::{Event, Pod};
use serde_json::json;

use jhub_cockpit::app::resources::PodEntry;
use jhub_cockpit::app::{self, Kind, Msg, Object, State, Target, WatchMsg};
use jhub_cockpit::kube::event_record::EventRecord;
use jhub_cockpit::kube::pod_row::PodRow;

/// The system allocator, counting the bytes it has handed out and not had
/// back.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to System unchanged; only a counter is kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

const SIZES: [usize; 3] = [500, 5_000, 20_000];

/// The namespace a hub on GKE typically runs in.
const NAMESPACE: &str = "jhub";

fn uid(kind: u32, i: usize) -> String {
    format!("{kind:08x}-1c2d-4e5f-8a9b-{i:012x}")
}

/// GKE names a node after its cluster, pool and instance group, which
/// makes it about 40 characters.
fn node_name(i: usize) -> String {
    format!("gke-jhub-user-pool-5f3c2a1b-{:04x}", i / 110)
}

/// A user's server pod as KubeSpawner makes it, Running and Ready, as the
/// watcher hands it on.
fn user_pod(i: usize) -> Object {
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {
            "name": format!("jupyter-user-{i:05}"), "namespace": NAMESPACE,
            "uid": uid(1, i), "resourceVersion": format!("{}", 2_000_000 + i),
            "creationTimestamp": "2026-12-01T11:00:00Z",
            "labels": {"app": "jupyterhub", "component": "singleuser-server", "release": "jhub",
                "chart": "jupyterhub-4.4.0", "heritage": "jupyterhub",
                "hub.jupyter.org/network-access-hub": "true", "hub.jupyter.org/servername": "",
                "hub.jupyter.org/username": format!("user-{i:05}")},
            "annotations": {"hub.jupyter.org/username": format!("user-{i:05}"),
                "hub.jupyter.org/servername": ""}},
        "spec": {"nodeName": node_name(i), "containers": [{"name": "notebook",
            "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
            "resources": {"requests": {"cpu": "50m", "memory": "1073741824"}}}]},
        "status": {"phase": "Running", "podIP": format!("10.24.{}.{}", i / 250, i % 250), "hostIP": "10.128.0.7",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "notebook", "ready": true, "restartCount": 0,
                "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0", "imageID": "",
                "state": {"running": {"startedAt": "2026-12-01T11:00:05Z"}}}]}
    }))
    .expect("a valid pod");
    Object::pod(pod)
}

/// The scheduler's and the kubelet's events about a user's pod, as the
/// watcher hands them on.
fn events_about(i: usize) -> [Object; 2] {
    let event = |n: u32, reason: &str, message: String, source: &str| {
        let e: Event = serde_json::from_value(json!({
            "metadata": {"name": format!("jupyter-user-{i:05}.18a2b3c4d5e6f{n:03x}"), "namespace": NAMESPACE,
                "uid": uid(2 + n, i), "resourceVersion": format!("{}", 3_000_000 + i)},
            "involvedObject": {"kind": "Pod", "namespace": NAMESPACE, "name": format!("jupyter-user-{i:05}"),
                "uid": uid(1, i)},
            "reason": reason, "message": message, "type": "Normal", "count": 1,
            "firstTimestamp": "2026-12-01T11:00:00Z", "lastTimestamp": "2026-12-01T11:00:00Z",
            "source": {"component": source, "host": node_name(i)}
        }))
        .expect("a valid event");
        Object::Event(Arc::new(EventRecord::from(e)))
    };
    [
        event(
            0,
            "Scheduled",
            format!(
                "Successfully assigned {NAMESPACE}/jupyter-user-{i:05} to {}",
                node_name(i)
            ),
            "default-scheduler",
        ),
        event(1, "Started", "Started container notebook".into(), "kubelet"),
    ]
}

fn target() -> Target {
    Target {
        context: "gke_proj_us-central1_jhub".into(),
        namespace: NAMESPACE.into(),
        release: None,
        readonly: false,
        insecure: false,
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-12-01T12:00:00Z".parse().unwrap()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test` runs a bench's main
    // without it.
    let benching = std::env::args().any(|a| a == "--bench");
    let sizes = if benching { &SIZES[..] } else { &SIZES[..1] };
    println!("| pods | events | pods' heap MB | bytes a pod | events' heap MB | bytes an event |");
    println!("|---|---|---|---|---|---|");
    for &pods in sizes {
        let mut state = State::new(target(), now());
        let empty = live();

        let listed: Vec<Object> = (1..=pods).map(user_pod).collect();
        app::update(
            &mut state,
            Msg::Watch(WatchMsg::Relisted(Kind::Pod, listed)),
        );
        let with_pods = live();
        // What the list handed on is gone; what is left is the table's.
        let pods_heap = with_pods - empty;

        let events: Vec<Object> = (1..=pods).flat_map(events_about).collect();
        let count = events.len();
        app::update(
            &mut state,
            Msg::Watch(WatchMsg::Relisted(Kind::Event, events)),
        );
        let events_heap = live() - with_pods;
        println!(
            "| {pods} | {count} | {:.2} | {} | {:.2} | {} |",
            pods_heap as f64 / 1e6,
            pods_heap / pods,
            events_heap as f64 / 1e6,
            events_heap / count,
        );
        drop(state);
    }
    println!(
        "\nA pod's entry is {} bytes (its row {}), an event's record {}.",
        size_of::<PodEntry>(),
        size_of::<PodRow>(),
        size_of::<EventRecord>(),
    );
}
