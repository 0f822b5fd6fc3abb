//! One watcher per resource kind, each feeding the app's message channel.
//! After a failure the watcher is started afresh, so recovery is a relist
//! (Init, InitApply..., InitDone) that replaces the panes' state at once.
//!
//! A list is a streaming list where the API server offers one (WatchList:
//! the watch itself sends the current objects, from the server's cache,
//! and a bookmark when they are all sent), else pages of 500. At 20,000
//! pods the pages took 8.6 s and the stream 3.6 s on the rig
//! (bench/README.md); a server that refuses the stream is asked for pages.
//! The pods' and the events' streams are read in protobuf (`proto_watch`):
//! at 20,000 pods the pods' cost the API server 3.8-4.3 s of CPU where JSON
//! cost 5.5-6.3, and the list took 3.1 s where it took 4.5 (medians,
//! bench/README.md). Every other kind (tens of objects), and the pages a
//! server that refuses the stream gets, are read by kube-runtime's watcher
//! in JSON.
//!
//! The pods' and the events' watchers run on the lists' thread with a
//! client of their own (`lists_thread`): their lists are where the
//! cockpit's CPU goes at scale, and on one thread of their own they cost
//! a third less than on the main runtime's two workers.
//!
//! The events' watch that is always on leaves out the routine reasons a
//! healthy pod's start and stop are told in (`ROUTINE_EVENT_REASONS`): no
//! diagnosis reads them, and they are most of a large namespace's events
//! (at 20,000 pods on the rig, 45,100 of 51,300; a GKE user pod's start
//! is told in four, all routine). The views that show every event start
//! a watch of their scope while they are open ([`events_in`]).

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolumeClaim, Pod, Secret, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::Api;
use kube::runtime::watcher::{self, Event as WatchEvent};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::runtime::Handle;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::event_record::EventRecord;
use super::lists_thread::{self, ListsClient};
use super::proto_watch::{self, FromProto};
use super::trim;
use super::watched::{EventScope, Kind, Object, WatchMsg};

/// The label helm puts on its release Secrets.
pub const HELM_RELEASE_SELECTOR: &str = "owner=helm";

/// Backoff between relists after a failure: quick at first, so a restarted
/// API server is picked up within a couple of seconds, capped so a dead one
/// is not hammered.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((250u64 << attempt.min(3)).min(2_000))
}

/// Where a watcher's events go: the caller's channel, whose message type
/// wraps [`WatchMsg`] (the core's `Msg::Watch`). The adapter never sees that
/// type, only this.
pub trait WatchSink: Clone + Send + Sync + 'static {
    /// False once nobody listens: the watcher then stops.
    fn send(&self, msg: WatchMsg) -> bool;
}

impl<M: From<WatchMsg> + Send + 'static> WatchSink for UnboundedSender<M> {
    fn send(&self, msg: WatchMsg) -> bool {
        UnboundedSender::send(self, M::from(msg)).is_ok()
    }
}

pub struct Watchers {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts every watcher the panes need for `namespace`: the pods' and the
/// events' on the lists' thread with `lists` (made there by
/// `lists_thread::client`, so their reads run there too), the others on
/// the caller's runtime with `client`. `base` is the watchers'
/// configuration (the default, or a short watch timeout a fault test needs
/// to see watches resume).
///
/// The pods are listed first, alone: they are what the operator waits for,
/// and at classroom scale their list (thousands of objects) is
/// slowed by the other kinds' lists (thousands of events) competing for
/// the API server and the client's cores. The other kinds start when the
/// pods' first list is complete, or has failed.
pub fn start_with(
    client: &Client,
    lists: &ListsClient,
    namespace: &str,
    tx: impl WatchSink,
    base: watcher::Config,
) -> Watchers {
    let here = Handle::current();
    let lists_runtime = lists_thread::handle();
    let (pods_listed, gate) = tokio::sync::watch::channel(false);
    let mut tasks = vec![spawn::<Pod>(
        lists_runtime,
        protobuf_or_pages(lists.client(), namespace),
        base.clone(),
        Kind::Pod,
        Object::pod,
        tx.clone(),
        Order::First(pods_listed),
    )];
    let after = || Order::After(gate.clone());
    tasks.push(spawn::<Service>(
        &here,
        json(Api::namespaced(client.clone(), namespace)),
        base.clone(),
        Kind::Service,
        |o| Object::Service(Arc::new(o)),
        tx.clone(),
        after(),
    ));
    tasks.push(spawn::<Node>(
        &here,
        json(Api::all(client.clone())),
        base.clone(),
        Kind::Node,
        |o| Object::Node(Arc::new(o)),
        tx.clone(),
        after(),
    ));
    tasks.push(spawn::<Event>(
        lists_runtime,
        protobuf_or_pages(lists.client(), namespace),
        base.clone().fields(&routine_left_out()),
        Kind::Event,
        |e| Object::Event(Arc::new(EventRecord::from(e))),
        tx.clone(),
        after(),
    ));
    tasks.push(spawn::<PersistentVolumeClaim>(
        &here,
        json(Api::namespaced(client.clone(), namespace)),
        base.clone(),
        Kind::Claim,
        |o| Object::Claim(Arc::new(o)),
        tx.clone(),
        after(),
    ));
    tasks.push(spawn::<StorageClass>(
        &here,
        json(Api::all(client.clone())),
        base.clone(),
        Kind::StorageClass,
        |o| Object::StorageClass(Arc::new(o)),
        tx.clone(),
        after(),
    ));
    tasks.push(spawn::<Secret>(
        &here,
        json(Api::namespaced(client.clone(), namespace)),
        base.clone().labels(HELM_RELEASE_SELECTOR),
        Kind::Release,
        |o| Object::Release(Arc::new(o)),
        tx.clone(),
        after(),
    ));
    // The release's workloads, kept as rows made here (Object::deployment
    // and the like), so the objects never reach the state.
    tasks.push(spawn::<Deployment>(
        &here,
        json(Api::namespaced(client.clone(), namespace)),
        base.clone(),
        Kind::Deployment,
        Object::deployment,
        tx.clone(),
        after(),
    ));
    tasks.push(spawn::<StatefulSet>(
        &here,
        json(Api::namespaced(client.clone(), namespace)),
        base.clone(),
        Kind::StatefulSet,
        Object::stateful_set,
        tx.clone(),
        after(),
    ));
    tasks.push(spawn::<DaemonSet>(
        &here,
        json(Api::namespaced(client.clone(), namespace)),
        base.clone(),
        Kind::DaemonSet,
        Object::daemon_set,
        tx.clone(),
        after(),
    ));
    tasks.push(spawn::<Job>(
        &here,
        json(Api::namespaced(client.clone(), namespace)),
        base,
        Kind::Job,
        Object::job,
        tx,
        after(),
    ));
    Watchers { tasks }
}

/// The reasons of the events a healthy pod's start and stop are told in:
/// the scheduler's `Scheduled`, the kubelet's `Pulled`, `Created`,
/// `Started` and `Killing`. No diagnosis reads them (a pod's trouble is in
/// its status and in the other reasons: `FailedScheduling`, `Pulling`,
/// `Failed`, `BackOff`, `Unhealthy`, `FailedMount`...; a pull is known to
/// be over when a container of its image has run), so the always-on watch
/// leaves them out. The image pulls view reads `Pulled`: it watches the
/// whole namespace while it is open.
pub const ROUTINE_EVENT_REASONS: [&str; 5] =
    ["Scheduled", "Pulled", "Created", "Started", "Killing"];

/// The always-on events' field selector: every reason but the routine
/// ones (the API server filters, so they are not even sent).
fn routine_left_out() -> String {
    ROUTINE_EVENT_REASONS
        .iter()
        .map(|r| format!("reason!={r}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The field selector of a watch of `scope`'s events, all reasons.
fn scope_selector(scope: &EventScope) -> Option<String> {
    match scope {
        EventScope::Namespace => None,
        // A pod's name is a DNS subdomain: nothing in it needs escaping.
        EventScope::Pod(name) => Some(format!(
            "involvedObject.kind=Pod,involvedObject.name={name}"
        )),
    }
}

/// Starts a watch of every event in `scope` (routine ones too), on the
/// lists' thread; it stops when the returned [`Watchers`] are dropped. Its
/// messages are [`Kind::Event`]'s: the caller's sink tells them apart.
pub fn events_in(
    lists: &ListsClient,
    namespace: &str,
    scope: &EventScope,
    tx: impl WatchSink,
) -> Watchers {
    let mut config = watcher::Config::default();
    if let Some(selector) = scope_selector(scope) {
        config = config.fields(&selector);
    }
    let task = spawn::<Event>(
        lists_thread::handle(),
        protobuf_or_pages(lists.client(), namespace),
        config,
        Kind::Event,
        |e| Object::Event(Arc::new(EventRecord::from(e))),
        tx,
        Order::Now,
    );
    Watchers { tasks: vec![task] }
}

/// When a watcher starts: first (and says when its first list is over),
/// after that, or at once (a watch started on demand, long after the
/// panes' lists).
enum Order {
    First(tokio::sync::watch::Sender<bool>),
    After(tokio::sync::watch::Receiver<bool>),
    Now,
}

/// kube-runtime's watcher of `api`, in JSON.
fn json<K>(api: Api<K>) -> impl Fn(&watcher::Config) -> Events<K> + Send + 'static
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone + Send + Sync,
{
    move |config| watcher::watcher(api.clone(), config.clone()).boxed()
}

/// A streaming list read in protobuf (`proto_watch`), and where the server
/// refuses it (`refuses_streaming`), kube-runtime's pages in JSON.
fn protobuf_or_pages<K>(
    client: &Client,
    namespace: &str,
) -> impl Fn(&watcher::Config) -> Events<K> + use<K>
where
    K: FromProto<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Debug
        + Sync,
{
    let pages = json(Api::<K>::namespaced(client.clone(), namespace));
    let (client, namespace) = (client.clone(), namespace.to_owned());
    move |config| {
        if config.initial_list_strategy == watcher::InitialListStrategy::StreamingList {
            proto_watch::watch(client.clone(), &namespace, config.clone())
        } else {
            pages(config)
        }
    }
}

/// What a watcher says: kube-runtime's events and errors, whichever reads.
type Events<K> = BoxStream<'static, watcher::Result<WatchEvent<K>>>;

/// Watches one kind. A (re)list is gathered here and sent whole at its end,
/// so the panes keep the last state until the new one is complete; nothing
/// else is kept (the state layer keeps what the panes show). `open` starts
/// a watcher with a configuration: streaming at first, pages where the
/// server refuses the stream.
fn spawn<K>(
    runtime: &Handle,
    open: impl Fn(&watcher::Config) -> Events<K> + Send + 'static,
    base: watcher::Config,
    kind: Kind,
    wrap: fn(K) -> Object,
    tx: impl WatchSink,
    order: Order,
) -> JoinHandle<()>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone + Send + Sync,
{
    runtime.spawn(async move {
        let first_listed = match order {
            Order::First(done) => Some(done),
            Order::After(mut gate) => {
                // A dropped sender (the pods watcher is gone) opens it too.
                let _ = gate.wait_for(|listed| *listed).await;
                None
            }
            Order::Now => None,
        };
        let open_gate = || {
            if let Some(done) = &first_listed {
                let _ = done.send(true);
            }
        };
        let mut failures = 0u32;
        let mut config = base.clone().streaming_lists();
        'watch: loop {
            let mut stream = open(&config);
            let mut listing: Vec<Object> = Vec::new();
            while let Some(item) = stream.next().await {
                let event = match item {
                    Ok(e) => e.modify(trim::slim),
                    // 410 Gone: the watch fell behind etcd's compaction. The
                    // watcher relists by itself and the panes are replaced at
                    // its InitDone; the API server is fine, so this is no
                    // outage to show (and no reason to wait a backoff).
                    Err(watcher::Error::WatchError(e)) if e.code == 410 => {
                        tracing::info!(kind = kind.plural(), error = %e.message, "watch expired (410): relisting");
                        continue;
                    }
                    Err(e) if refuses_streaming(&config, &e) => {
                        tracing::info!(kind = kind.plural(), error = %e, "no streaming list here: listing in pages");
                        config = base.clone();
                        continue 'watch;
                    }
                    Err(e) => {
                        tracing::warn!(kind = kind.plural(), error = %e, "watch failed");
                        tx.send(WatchMsg::Failed(kind, describe(&e)));
                        open_gate();
                        break;
                    }
                };
                failures = 0;
                let msg = match event {
                    WatchEvent::Apply(obj) => WatchMsg::Applied(wrap(obj)),
                    WatchEvent::Delete(obj) => WatchMsg::Deleted(wrap(obj)),
                    WatchEvent::Init => {
                        listing.clear();
                        continue;
                    }
                    WatchEvent::InitApply(obj) => {
                        listing.push(wrap(obj));
                        continue;
                    }
                    WatchEvent::InitDone => WatchMsg::Relisted(kind, std::mem::take(&mut listing)),
                };
                let listed = matches!(msg, WatchMsg::Relisted(..));
                if !tx.send(msg) {
                    return;
                }
                if listed {
                    open_gate();
                }
            }
            tokio::time::sleep(backoff(failures)).await;
            failures += 1;
        }
    })
}

/// Whether a watch that asked for a streaming list was refused for asking.
/// The API server validates a watch's options before it starts: one with
/// the WatchList feature off answers 422 ("sendInitialEvents is forbidden
/// for watch unless the WatchList feature gate is enabled"), one older than
/// 1.27 422 as well, for the `resourceVersionMatch` a streaming list sends
/// ("resourceVersionMatch is forbidden for watch"); 400 is taken the same
/// way, and 406: the pods' stream asks for protobuf, and a server (or a
/// proxy) that cannot answer so is asked for pages in JSON. Any other
/// failure is a failure, and is shown as one.
fn refuses_streaming(config: &watcher::Config, e: &watcher::Error) -> bool {
    let asked = config.initial_list_strategy == watcher::InitialListStrategy::StreamingList;
    let code = match e {
        watcher::Error::WatchError(s) => s.code,
        watcher::Error::WatchStartFailed(kube::Error::Api(s)) => s.code,
        _ => return false,
    };
    asked && matches!(code, 400 | 406 | 422)
}

/// A watch error as the operator should read it.
pub fn describe(e: &watcher::Error) -> String {
    let text = e.to_string();
    match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
            if s.code == 403 =>
        {
            format!(
                "{text}: the account may not list this; ask for a Role that allows get/list/watch"
            )
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn refused(code: u16) -> Box<Status> {
        Status::failure(
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
            "Invalid",
        )
        .with_code(code)
        .boxed()
    }

    #[test]
    fn a_refused_stream_falls_back_to_pages_and_other_failures_do_not() {
        let streaming = watcher::Config::default().streaming_lists();
        let paged = watcher::Config::default();
        for code in [400, 406, 422] {
            let at_start = watcher::Error::WatchStartFailed(kube::Error::Api(refused(code)));
            let in_watch = watcher::Error::WatchError(refused(code));
            assert!(refuses_streaming(&streaming, &at_start), "{code} at start");
            assert!(
                refuses_streaming(&streaming, &in_watch),
                "{code} in the watch"
            );
            // Pages refused the same way are a failure to show, not a loop.
            assert!(!refuses_streaming(&paged, &at_start));
        }
        for code in [403, 410, 500, 503] {
            let e = watcher::Error::WatchStartFailed(kube::Error::Api(refused(code)));
            assert!(!refuses_streaming(&streaming, &e), "{code}");
        }
        let list = watcher::Error::InitialListFailed(kube::Error::Api(refused(422)));
        assert!(
            !refuses_streaming(&streaming, &list),
            "a list is not a stream"
        );
    }
}
