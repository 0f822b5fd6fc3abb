//! One watcher per resource kind, each feeding a reflector store and the
//! app's message channel. After a failure the watcher is started afresh, so
//! recovery is a relist (Init, InitApply..., InitDone) that replaces the
//! panes' state at once.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolumeClaim, Pod, Secret, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event as WatchEvent};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::{Kind, Msg, Object, WatchMsg};

/// The label helm puts on its release Secrets.
pub const HELM_RELEASE_SELECTOR: &str = "owner=helm";

/// Backoff between relists after a failure: quick at first, so a restarted
/// API server is picked up within a couple of seconds, capped so a dead one
/// is not hammered.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((250u64 << attempt.min(3)).min(2_000))
}

pub struct Watchers {
    tasks: Vec<JoinHandle<()>>,
    pub pods: Store<Pod>,
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts every watcher the panes need for `namespace`.
pub fn start(client: &Client, namespace: &str, tx: UnboundedSender<Msg>) -> Watchers {
    start_with(client, namespace, tx, watcher::Config::default())
}

/// [`start`] with another base watcher configuration (e.g. a short watch
/// timeout, which a fault test needs to see watches resume).
pub fn start_with(
    client: &Client,
    namespace: &str,
    tx: UnboundedSender<Msg>,
    base: watcher::Config,
) -> Watchers {
    let mut tasks = Vec::new();
    let (pods, pod_task) = spawn::<Pod>(
        Api::namespaced(client.clone(), namespace),
        base.clone(),
        Kind::Pod,
        Object::Pod,
        tx.clone(),
    );
    tasks.push(pod_task);
    tasks.push(
        spawn::<Service>(
            Api::namespaced(client.clone(), namespace),
            base.clone(),
            Kind::Service,
            Object::Service,
            tx.clone(),
        )
        .1,
    );
    tasks.push(
        spawn::<Node>(
            Api::all(client.clone()),
            base.clone(),
            Kind::Node,
            Object::Node,
            tx.clone(),
        )
        .1,
    );
    tasks.push(
        spawn::<Event>(
            Api::namespaced(client.clone(), namespace),
            base.clone(),
            Kind::Event,
            Object::Event,
            tx.clone(),
        )
        .1,
    );
    tasks.push(
        spawn::<PersistentVolumeClaim>(
            Api::namespaced(client.clone(), namespace),
            base.clone(),
            Kind::Claim,
            Object::Claim,
            tx.clone(),
        )
        .1,
    );
    tasks.push(
        spawn::<StorageClass>(
            Api::all(client.clone()),
            base.clone(),
            Kind::StorageClass,
            Object::StorageClass,
            tx.clone(),
        )
        .1,
    );
    tasks.push(
        spawn::<Secret>(
            Api::namespaced(client.clone(), namespace),
            base.clone().labels(HELM_RELEASE_SELECTOR),
            Kind::Release,
            Object::Release,
            tx,
        )
        .1,
    );
    Watchers { tasks, pods }
}

/// Drops what the cockpit never reads and that can be most of an object's
/// size: managed fields and the last-applied annotation.
fn slim<K: Resource>(obj: &mut K) {
    let meta = obj.meta_mut();
    meta.managed_fields = None;
    if let Some(a) = meta.annotations.as_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

fn spawn<K>(
    api: Api<K>,
    config: watcher::Config,
    kind: Kind,
    wrap: fn(Arc<K>) -> Object,
    tx: UnboundedSender<Msg>,
) -> (Store<K>, JoinHandle<()>)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone + Send + Sync,
{
    let (reader, mut writer) = reflector::store::<K>();
    let store = reader.clone();
    let task = tokio::spawn(async move {
        let mut failures = 0u32;
        loop {
            let mut stream = watcher::watcher(api.clone(), config.clone()).boxed();
            while let Some(item) = stream.next().await {
                let event = match item {
                    Ok(e) => e.modify(slim),
                    // 410 Gone: the watch fell behind etcd's compaction. The
                    // watcher relists by itself and the panes are replaced at
                    // its InitDone; the API server is fine, so this is no
                    // outage to show (and no reason to wait a backoff).
                    Err(watcher::Error::WatchError(e)) if e.code == 410 => {
                        tracing::info!(kind = kind.plural(), error = %e.message, "watch expired (410): relisting");
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(kind = kind.plural(), error = %e, "watch failed");
                        let _ = tx.send(Msg::Watch(WatchMsg::Failed(kind, describe(&e))));
                        break;
                    }
                };
                failures = 0;
                writer.apply_watcher_event(&event);
                let msg = match event {
                    WatchEvent::Apply(obj) => {
                        let shared = reader
                            .get(&reflector::ObjectRef::from_obj(&obj))
                            .unwrap_or_else(|| Arc::new(obj));
                        WatchMsg::Applied(wrap(shared))
                    }
                    WatchEvent::Delete(obj) => WatchMsg::Deleted(wrap(Arc::new(obj))),
                    WatchEvent::Init | WatchEvent::InitApply(_) => continue,
                    WatchEvent::InitDone => {
                        WatchMsg::Relisted(kind, reader.state().into_iter().map(wrap).collect())
                    }
                };
                if tx.send(Msg::Watch(msg)).is_err() {
                    return;
                }
            }
            tokio::time::sleep(backoff(failures)).await;
            failures += 1;
        }
    });
    (store, task)
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
