//! The watched objects and the rows derived from them, kept for O(log n)
//! updates. Pods are kept as their rows: a whole pod only while it is
//! unhealthy, for its diagnosis (and details); at classroom scale whole
//! pods were most of the cockpit's memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use compact_str::CompactString;

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use crate::kube::event_record::{EventRecord, Uid};
use k8s_openapi::api::storage::v1::StorageClass;

use super::crash_logs::{CrashLog, CrashedRun};
use super::msg::{Kind, Object};
use crate::helm::release::{self, ReleaseRecord};
use crate::kube::diagnosis::{self, DiagnosisInput, SchedulerPod};
use crate::kube::node_row::NodeRow;
use crate::kube::pod_row::{PodGroup, PodRow, Resources as PodRequests};
use crate::kube::service_row::ServiceRow;
use crate::kube::workload_row::{WorkloadKind, WorkloadRow};

/// Pods ordered as the pane shows them: hub and proxy, the other chart
/// components, user servers, the rest; by name within a group.
pub type PodKey = (PodGroup, CompactString);

#[derive(Debug, Clone)]
pub struct PodEntry {
    /// The whole pod, kept only while it is unhealthy: what a diagnosis
    /// (and a change of events, claims or classes) reads.
    pub pod: Option<Arc<Pod>>,
    pub row: PodRow,
    /// Why the pod is unhealthy, made from the row above when the pod or
    /// what it reads (events, claims, classes, nodes, the scheduler's pods)
    /// changes, so the views only read it. None for a healthy pod.
    pub diagnosis: Option<diagnosis::Diagnosis>,
}

#[derive(Debug, Clone, Default)]
pub struct PodTable {
    /// Boxed: an entry is 392 bytes, and a B-tree's nodes keep room for
    /// eleven values each, about half of it empty when the rows come in
    /// name order (a list); boxed, the empty room is eleven pointers
    /// (`cargo bench --bench state_memory`, bench/README.md).
    rows: BTreeMap<PodKey, Box<PodEntry>>,
    keys: HashMap<CompactString, PodKey>,
    /// How many pods are in each phase, kept as rows come and go: the
    /// pane's title shows them on every frame, and counting 20,000 rows
    /// per frame was most of an unfiltered frame's cost.
    phases: BTreeMap<CompactString, usize>,
}

impl PodTable {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&PodEntry> {
        self.keys
            .get(name)
            .and_then(|k| self.rows.get(k))
            .map(|e| &**e)
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut PodEntry> {
        let key = self.keys.get(name)?;
        self.rows.get_mut(key).map(|e| &mut **e)
    }

    /// In display order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &PodEntry> {
        self.rows.values().map(|e| &**e)
    }

    /// Where `name` stands in display order: a walk up to it (the map
    /// keeps no ranks), without the rows after it.
    pub fn position(&self, name: &str) -> Option<usize> {
        let key = self.keys.get(name)?;
        Some(self.rows.range(..key).count())
    }

    /// Each phase and how many pods are in it, by phase.
    pub fn phase_counts(&self) -> impl Iterator<Item = (&str, usize)> {
        self.phases.iter().map(|(p, n)| (p.as_str(), *n))
    }

    /// One group's pods, by name: a range of the table, not a walk of it.
    pub fn in_group(&self, group: PodGroup) -> impl Iterator<Item = &PodEntry> {
        self.rows
            .range((group, CompactString::default())..)
            .take_while(move |(k, _)| k.0 == group)
            .map(|(_, e)| &**e)
    }

    fn insert(&mut self, entry: PodEntry) -> Option<PodEntry> {
        let name = entry.row.name.clone();
        let key = (entry.row.group, name.clone());
        let old = self.remove(&name);
        self.keys.insert(name, key.clone());
        *self.phases.entry(entry.row.phase.clone()).or_default() += 1;
        self.rows.insert(key, Box::new(entry));
        old
    }

    fn remove(&mut self, name: &str) -> Option<PodEntry> {
        let key = self.keys.remove(name)?;
        let old = self.rows.remove(&key)?;
        if let Some(n) = self.phases.get_mut(&old.row.phase) {
            *n -= 1;
            if *n == 0 {
                self.phases.remove(&old.row.phase);
            }
        }
        Some(*old)
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.keys.clear();
        self.phases.clear();
    }
}

/// What the namespace's pods request of one node. Pods in other namespaces
/// are not watched (the operator may not be allowed to list them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeUsage {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub pods: u32,
}

/// The object an event is about: its kind and name. Both are short as a
/// rule (a pod's name is its user's), so kept inline: an applied event
/// allocates no key, and the index holds none apart from its objects'.
type ObjectKey = (CompactString, CompactString);

/// Events indexed by the object they are about (kind, name).
#[derive(Debug, Clone, Default)]
pub struct EventIndex {
    by_object: HashMap<ObjectKey, Vec<Arc<EventRecord>>>,
    /// The newest `FailedCreate` warning per workload (kind, name): a
    /// controller that cannot create pods (a ResourceQuota refusing them)
    /// says so only in such events. A Deployment's are about its
    /// ReplicaSet `<deployment>-<hash>`, so they are filed under the
    /// Deployment.
    create_failures: HashMap<(String, String), Arc<EventRecord>>,
}

/// The workload (kind, name) a `FailedCreate` event is about: a
/// ReplicaSet's is its Deployment's (the ReplicaSet's name less its
/// `-<pod-template-hash>`; events carry no owner references).
fn failed_create_owner(event: &EventRecord) -> Option<(String, String)> {
    if event.reason.as_deref() != Some("FailedCreate") || event.type_.as_deref() != Some("Warning")
    {
        return None;
    }
    let o = &event.involved_object;
    let name = o.name.clone()?;
    match o.kind.as_deref()? {
        "ReplicaSet" => {
            let (deployment, _hash) = name.rsplit_once('-')?;
            Some(("Deployment".into(), deployment.to_owned()))
        }
        kind @ ("StatefulSet" | "DaemonSet" | "Job") => Some((kind.to_owned(), name.into())),
        _ => None,
    }
}

/// How many events are kept per object: enough for a diagnosis and the
/// details view, bounded so a flapping pod cannot grow memory. The events
/// view folds what is kept: a repeat is usually one event whose count
/// grows, so the bound drops only an object's oldest distinct events.
const EVENTS_PER_OBJECT: usize = 30;

impl EventIndex {
    fn key(event: &EventRecord) -> ObjectKey {
        let o = &event.involved_object;
        (
            o.kind.as_deref().unwrap_or_default().into(),
            o.name.as_deref().unwrap_or_default().into(),
        )
    }

    fn uid(event: &EventRecord) -> Option<&Uid> {
        event.uid.as_ref()
    }

    fn apply(&mut self, event: Arc<EventRecord>) -> ObjectKey {
        if let Some(owner) = failed_create_owner(&event) {
            let newer = self
                .create_failures
                .get(&owner)
                .is_none_or(|old| old.last_seen <= event.last_seen);
            if newer {
                self.create_failures.insert(owner, event.clone());
            }
        }
        let key = Self::key(&event);
        let list = self.by_object.entry(key.clone()).or_default();
        list.retain(|e| Self::uid(e) != Self::uid(&event));
        list.push(event);
        if list.len() > EVENTS_PER_OBJECT {
            list.sort_by_key(|e| e.last_seen);
            let excess = list.len() - EVENTS_PER_OBJECT;
            list.drain(..excess);
        }
        key
    }

    fn delete(&mut self, event: &EventRecord) -> ObjectKey {
        if let Some(owner) = failed_create_owner(event) {
            let same = self
                .create_failures
                .get(&owner)
                .is_some_and(|e| Self::uid(e) == Self::uid(event));
            if same {
                self.create_failures.remove(&owner);
            }
        }
        let key = Self::key(event);
        if let Some(list) = self.by_object.get_mut(&key) {
            list.retain(|e| Self::uid(e) != Self::uid(event));
            if list.is_empty() {
                self.by_object.remove(&key);
            }
        }
        key
    }

    /// The events about one object, newest first.
    pub fn about(&self, kind: &str, name: &str) -> Vec<&EventRecord> {
        let mut list: Vec<&EventRecord> = self
            .by_object
            .get(&(kind.into(), name.into()))
            .map(|l| l.iter().map(|e| e.as_ref()).collect())
            .unwrap_or_default();
        list.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
        list
    }

    /// Every event kept, in no order.
    pub fn iter(&self) -> impl Iterator<Item = &EventRecord> {
        self.by_object.values().flatten().map(Arc::as_ref)
    }

    /// Applies a watched event (a scoped watch's: `scoped_events`); any
    /// other object is not an event and is ignored.
    pub fn apply_object(&mut self, object: Object) {
        if let Object::Event(e) = object {
            self.apply(e);
        }
    }

    /// Removes a watched event (see [`EventIndex::apply_object`]).
    pub fn delete_object(&mut self, object: &Object) {
        if let Object::Event(e) = object {
            self.delete(e);
        }
    }

    /// The newest `FailedCreate` warning about a workload (a Deployment's
    /// from its ReplicaSets).
    pub fn create_failure(&self, kind: &str, name: &str) -> Option<&EventRecord> {
        self.create_failures
            .get(&(kind.to_owned(), name.to_owned()))
            .map(Arc::as_ref)
    }

    pub fn len(&self) -> usize {
        self.by_object.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_object.is_empty()
    }
}

fn is_scheduler(row: &PodRow) -> bool {
    row.component.as_deref() == Some(diagnosis::SCHEDULER_COMPONENT)
}

/// What a waiting pod's diagnosis reads of a scheduler pod.
fn scheduler_state(row: &PodRow) -> (String, u32, u32, String, u32) {
    (
        row.phase.to_string(),
        row.ready,
        row.containers,
        row.status.to_string(),
        row.restarts,
    )
}

/// The namespace's helm releases, decoded from their Secrets.
#[derive(Debug, Clone, Default)]
pub struct Releases {
    /// By (release name, revision).
    pub revisions: BTreeMap<(String, u32), ReleaseRecord>,
    /// Secret name → what was wrong with it, so a broken Secret is shown
    /// rather than silently skipped.
    pub undecodable: BTreeMap<String, String>,
    secret_to_revision: HashMap<String, (String, u32)>,
}

impl Releases {
    fn apply(&mut self, secret: &k8s_openapi::api::core::v1::Secret) {
        let secret_name = secret.metadata.name.clone().unwrap_or_default();
        self.delete(&secret_name);
        match release::from_secret(secret) {
            Ok(record) => {
                let key = (record.name.clone(), record.revision);
                self.secret_to_revision.insert(secret_name, key.clone());
                self.revisions.insert(key, record);
            }
            Err(e) => {
                self.undecodable.insert(secret_name, e.to_string());
            }
        }
    }

    fn delete(&mut self, secret_name: &str) {
        self.undecodable.remove(secret_name);
        if let Some(key) = self.secret_to_revision.remove(secret_name) {
            self.revisions.remove(&key);
        }
    }

    fn clear(&mut self) {
        *self = Releases::default();
    }

    /// Release names present, in order.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.revisions.keys().map(|(n, _)| n.as_str()).collect();
        names.dedup();
        names
    }

    /// The release the panes follow: the one asked for, else the one whose
    /// chart is JupyterHub's, else the only one.
    pub fn chosen<'a>(&'a self, wanted: Option<&'a str>) -> Option<&'a str> {
        if let Some(w) = wanted {
            return Some(w);
        }
        let names = self.names();
        names
            .iter()
            .copied()
            .find(|n| {
                self.history(n)
                    .last()
                    .is_some_and(|r| r.chart_name.contains("jupyterhub"))
            })
            .or_else(|| (names.len() == 1).then(|| names[0]))
    }

    /// All revisions of one release, oldest first.
    pub fn history(&self, name: &str) -> Vec<&ReleaseRecord> {
        self.revisions
            .range((name.to_owned(), 0)..=(name.to_owned(), u32::MAX))
            .map(|(_, r)| r)
            .collect()
    }

    /// The revision helm calls current: the latest one.
    pub fn current(&self, name: &str) -> Option<&ReleaseRecord> {
        self.history(name).last().copied()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub pods: PodTable,
    pub node_usage: HashMap<String, NodeUsage>,
    pub nodes: BTreeMap<String, NodeRow>,
    pub services: BTreeMap<String, ServiceRow>,
    pub events: EventIndex,
    pub claims: BTreeMap<String, Arc<PersistentVolumeClaim>>,
    pub storage_classes: BTreeMap<String, Arc<StorageClass>>,
    pub releases: Releases,
    /// Deployments, StatefulSets, DaemonSets and Jobs, as rows.
    pub workloads: BTreeMap<(WorkloadKind, String), WorkloadRow>,
    /// By pod name: the crashed run whose last lines were asked for (see
    /// `crash_logs`), and those lines once read.
    crash_logs: HashMap<String, CrashLog>,
}

fn name_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

impl Resources {
    /// Applies a watched object; false when it changed nothing the views
    /// read (a node's heartbeat that leaves its row as it was).
    pub fn apply(&mut self, object: Object) -> bool {
        match object {
            Object::Pod(pod) => self.apply_pod(pod),
            Object::HealthyPod(row) => self.insert_pod(None, *row, None),
            Object::Service(svc) => {
                let row = ServiceRow::from_service(&svc);
                self.services.insert(row.name.clone(), row);
            }
            Object::Node(node) => {
                let row = NodeRow::from_node(&node);
                // Heartbeats are most node updates (one per node every 20 s
                // or so: 9 a second at 182 nodes), and most leave the row
                // as it was.
                let old = self.nodes.get(&row.name);
                if old == Some(&row) {
                    return false;
                }
                // Only a change of what placement reads rediagnoses.
                let placement_changed = old.is_none_or(|old| old.placement_differs(&row));
                self.nodes.insert(row.name.clone(), row);
                if placement_changed {
                    self.rediagnose_unscheduled();
                }
            }
            Object::Event(event) => {
                let (kind, name) = self.events.apply(event);
                if kind == "Pod" {
                    self.rediagnose(&name);
                }
            }
            Object::Claim(claim) => {
                self.claims.insert(name_of(&claim.metadata), claim);
                self.rediagnose_unhealthy();
            }
            Object::StorageClass(class) => {
                self.storage_classes.insert(name_of(&class.metadata), class);
                self.rediagnose_unhealthy();
            }
            Object::Release(secret) => self.releases.apply(&secret),
            Object::Workload(row) => {
                self.workloads.insert((row.kind, row.name.clone()), *row);
            }
        }
        true
    }

    pub fn delete(&mut self, object: &Object) {
        match object {
            Object::Pod(pod) => self.remove_pod(&name_of(&pod.metadata)),
            Object::HealthyPod(row) => self.remove_pod(&row.name),
            Object::Service(svc) => {
                self.services.remove(&name_of(&svc.metadata));
            }
            Object::Node(node) => {
                if self.nodes.remove(&name_of(&node.metadata)).is_some() {
                    self.rediagnose_unscheduled();
                }
            }
            Object::Event(event) => {
                let (kind, name) = self.events.delete(event);
                if kind == "Pod" {
                    self.rediagnose(&name);
                }
            }
            Object::Claim(claim) => {
                self.claims.remove(&name_of(&claim.metadata));
                self.rediagnose_unhealthy();
            }
            Object::StorageClass(class) => {
                self.storage_classes.remove(&name_of(&class.metadata));
                self.rediagnose_unhealthy();
            }
            Object::Release(secret) => self.releases.delete(&name_of(&secret.metadata)),
            Object::Workload(row) => {
                self.workloads.remove(&(row.kind, row.name.clone()));
            }
        }
    }

    /// A completed (re)list replaces everything of that kind at once.
    pub fn replace(&mut self, kind: Kind, objects: Vec<Object>) {
        match kind {
            Kind::Pod => {
                self.pods.clear();
                self.node_usage.clear();
            }
            Kind::Service => self.services.clear(),
            Kind::Node => self.nodes.clear(),
            Kind::Event => self.events = EventIndex::default(),
            Kind::Claim => self.claims.clear(),
            Kind::StorageClass => self.storage_classes.clear(),
            Kind::Release => self.releases.clear(),
            Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet | Kind::Job => self
                .workloads
                .retain(|(k, _), _| Kind::of_workload(*k) != kind),
        }
        // Apply without per-object rediagnosis, then diagnose once.
        let relisting_nodes = kind == Kind::Node;
        for object in objects {
            match object {
                Object::Event(e) => {
                    self.events.apply(e);
                }
                Object::Claim(c) => {
                    self.claims.insert(name_of(&c.metadata), c);
                }
                Object::StorageClass(c) => {
                    self.storage_classes.insert(name_of(&c.metadata), c);
                }
                Object::Node(node) if relisting_nodes => {
                    let row = NodeRow::from_node(&node);
                    self.nodes.insert(row.name.clone(), row);
                }
                other => {
                    self.apply(other);
                }
            }
        }
        if matches!(kind, Kind::Event | Kind::Claim | Kind::StorageClass) {
            self.rediagnose_unhealthy();
        }
        if kind == Kind::Node {
            self.rediagnose_unscheduled();
        }
        if kind == Kind::Pod {
            let pods = &self.pods;
            self.crash_logs.retain(|name, _| pods.get(name).is_some());
        }
    }

    fn apply_pod(&mut self, pod: Arc<Pod>) {
        let row = PodRow::from_pod(&pod);
        let diagnosis = self.diagnose(&pod, &row);
        let pod = (!row.is_healthy()).then_some(pod);
        self.insert_pod(pod, row, diagnosis);
    }

    fn insert_pod(
        &mut self,
        pod: Option<Arc<Pod>>,
        row: PodRow,
        diagnosis: Option<diagnosis::Diagnosis>,
    ) {
        self.account(&row, true);
        let scheduler = is_scheduler(&row).then(|| scheduler_state(&row));
        let old = self.pods.insert(PodEntry {
            pod,
            row,
            diagnosis,
        });
        if let Some(old) = &old {
            self.account(&old.row, false);
        }
        // A user-scheduler pod came, went or changed state: the pods that
        // wait for it say so.
        if let Some(new) = scheduler
            && old.is_none_or(|o| scheduler_state(&o.row) != new)
        {
            self.rediagnose_unscheduled();
        }
    }

    fn remove_pod(&mut self, name: &str) {
        self.crash_logs.remove(name);
        if let Some(old) = self.pods.remove(name) {
            self.account(&old.row, false);
            if is_scheduler(&old.row) {
                self.rediagnose_unscheduled();
            }
        }
    }

    /// Adds (or removes) a pod's requests to its node's usage. Finished pods
    /// hold no resources, as the scheduler counts them.
    fn account(&mut self, row: &PodRow, add: bool) {
        let Some(node) = &row.node else { return };
        if matches!(row.phase.as_str(), "Succeeded" | "Failed") {
            return;
        }
        let usage = self.node_usage.entry(node.to_string()).or_default();
        let PodRequests {
            cpu_millis,
            memory_bytes,
        } = row.requests;
        if add {
            usage.cpu_millis += cpu_millis;
            usage.memory_bytes += memory_bytes;
            usage.pods += 1;
        } else {
            usage.cpu_millis = usage.cpu_millis.saturating_sub(cpu_millis);
            usage.memory_bytes = usage.memory_bytes.saturating_sub(memory_bytes);
            usage.pods = usage.pods.saturating_sub(1);
        }
    }

    fn diagnose(&self, pod: &Pod, row: &PodRow) -> Option<diagnosis::Diagnosis> {
        if row.is_healthy() {
            return None;
        }
        let events = self.events.about("Pod", &row.name);
        let classes: Vec<StorageClass> = self
            .storage_classes
            .values()
            .map(|c| (**c).clone())
            .collect();
        let claims = |name: &str| self.claims.get(name).map(|c| c.as_ref());
        let nodes: Vec<&NodeRow> = if row.node.is_none() {
            self.nodes.values().collect()
        } else {
            Vec::new()
        };
        // Only a pod no scheduler has placed reads the scheduler's pods, and
        // they are a few rows of the chart's group.
        let scheduler_pods: Vec<SchedulerPod> = if row.node.is_none() {
            self.pods
                .in_group(PodGroup::Chart)
                .filter(|e| is_scheduler(&e.row))
                .map(|e| SchedulerPod {
                    row: &e.row,
                    diagnosis: e.diagnosis.as_ref(),
                })
                .collect()
        } else {
            Vec::new()
        };
        diagnosis::diagnose(&DiagnosisInput {
            pod,
            row,
            events: &events,
            claims: &claims,
            storage_classes: &classes,
            last_log_lines: self.crash_log_lines(pod),
            nodes: &nodes,
            scheduler_pods: &scheduler_pods,
        })
    }

    fn rediagnose(&mut self, pod_name: &str) {
        // A pod kept as its row only is healthy: nothing to diagnose.
        let Some(entry) = self.pods.get(pod_name) else {
            return;
        };
        let Some(pod) = &entry.pod else {
            return;
        };
        let diagnosis = self.diagnose(pod, &entry.row);
        if let Some(entry) = self.pods.get_mut(pod_name) {
            entry.diagnosis = diagnosis;
        }
    }

    /// The unhealthy pods not yet on a node: what a change of nodes or of
    /// the user-scheduler's pods can explain differently.
    fn rediagnose_unscheduled(&mut self) {
        let names: Vec<String> = self
            .pods
            .iter()
            .filter(|e| e.pod.is_some() && e.row.node.is_none() && !e.row.is_healthy())
            .map(|e| e.row.name.to_string())
            .collect();
        for name in names {
            self.rediagnose(&name);
        }
    }

    fn rediagnose_unhealthy(&mut self) {
        let names: Vec<String> = self
            .pods
            .iter()
            .filter(|e| !e.row.is_healthy())
            .map(|e| e.row.name.to_string())
            .collect();
        for name in names {
            self.rediagnose(&name);
        }
    }

    /// Whether the last lines of `run` were asked for already.
    pub fn crash_log_asked(&self, run: &CrashedRun) -> bool {
        self.crash_logs.get(&run.pod).is_some_and(|c| c.run == *run)
    }

    /// `run`'s lines are being read; an earlier run's are forgotten.
    pub fn crash_log_asking(&mut self, run: CrashedRun) {
        self.crash_logs
            .insert(run.pod.clone(), CrashLog { run, lines: None });
    }

    /// `run`'s last lines came: the pod's diagnosis quotes them, if the pod
    /// is still in that run.
    pub fn crash_log_read(&mut self, run: CrashedRun, lines: Vec<String>) {
        if !self.crash_log_asked(&run) {
            return;
        }
        let pod = run.pod.clone();
        self.crash_logs.insert(
            pod.clone(),
            CrashLog {
                run,
                lines: Some(lines),
            },
        );
        self.rediagnose(&pod);
    }

    /// The lines read of the crashed run `pod` is in now; none if they are
    /// of another run or not read yet.
    fn crash_log_lines(&self, pod: &Pod) -> &[String] {
        let Some(name) = pod.metadata.name.as_deref() else {
            return &[];
        };
        self.crash_logs
            .get(name)
            .filter(|c| CrashedRun::of(pod).is_some_and(|run| run == c.run))
            .and_then(|c| c.lines.as_deref())
            .unwrap_or(&[])
    }

    /// The public URL of the JupyterHub proxy, once it has an address.
    pub fn public_url(&self) -> Option<String> {
        self.services.values().find_map(ServiceRow::public_url)
    }
}
