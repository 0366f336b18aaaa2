//! kube-scheduler as a component: watches pods, nodes, namespaces and
//! PodDisruptionBudgets, keeps the scheduler cache and the scheduling queue (activeQ
//! ordered by priority then age, backoffQ with 1 s doubling to 10 s, unschedulable pods
//! re-activated by cluster events or after 5 minutes), runs one cycle per pod with the
//! library in this module, binds through the `pods/binding` subresource, and reports:
//! `Scheduled` / `FailedScheduling` events, the `PodScheduled=False` condition,
//! `nominatedNodeName` and preemption victims. The last cycle's record per pod is kept
//! for the "why" panel.
//!
//! It also watches PersistentVolumeClaims, PersistentVolumes and StorageClasses for
//! VolumeBinding, and does that plugin's Reserve/PreBind: for a pod with
//! WaitForFirstConsumer claims it writes the chosen volumes' `claimRef` and the other
//! claims' `volume.kubernetes.io/selected-node`, keeps the pod assumed on the node, and
//! binds it once the PV controller has bound every claim (after 10 minutes the attempt
//! fails with `binding volumes: context deadline exceeded`).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use super::{schedule_pod_compact, Cache, CompactRecord, Decision, Record, SchedulerState};
use crate::api::core_v1::{ObjectReference, Pod, PodCondition};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::Time;
use crate::api::{Kind, Object, Resource};
use crate::apiserver::store::{EventType as WatchEventType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

/// The scheduler name pods ask for by default.
pub const DEFAULT_SCHEDULER: &str = "default-scheduler";
/// podInitialBackoffDuration and podMaxBackoffDuration.
pub const INITIAL_BACKOFF: Millis = 1_000;
pub const MAX_BACKOFF: Millis = 10_000;
/// How many bound pods keep their scheduling record.
pub const BOUND_RECORDS_KEPT: usize = 1_000;
/// podMaxInUnschedulablePodsDuration.
pub const MAX_IN_UNSCHEDULABLE: Millis = 5 * 60_000;
/// VolumeBinding's `bindTimeoutSeconds`: how long PreBind waits for the claims.
pub const VOLUME_BIND_TIMEOUT: Millis = 600_000;

type Key = String;

/// A queued pod's bookkeeping.
#[derive(Clone, Debug, Default)]
struct Entry {
    attempts: u32,
    /// When the last attempt failed (for backoff).
    last_failure: Millis,
    /// When the pod entered the unschedulable set.
    unschedulable_since: Option<Millis>,
}

/// The scheduling queue.
#[derive(Default)]
struct Queue {
    /// (higher priority first, then older, then key).
    active: BTreeSet<(Reverse<i32>, i64, Key)>,
    backoff: BTreeSet<(Millis, Key)>,
    unschedulable: BTreeSet<Key>,
    entries: BTreeMap<Key, Entry>,
    /// The sort key of each pod in `active`, to remove it.
    active_keys: BTreeMap<Key, (Reverse<i32>, i64)>,
    backoff_keys: BTreeMap<Key, Millis>,
}

fn backoff_duration(attempts: u32) -> Millis {
    let mut d = INITIAL_BACKOFF;
    for _ in 1..attempts.max(1) {
        d = (d * 2).min(MAX_BACKOFF);
    }
    d
}

impl Queue {
    fn remove(&mut self, key: &str) {
        if let Some(k) = self.active_keys.remove(key) {
            self.active.remove(&(k.0, k.1, key.to_string()));
        }
        if let Some(t) = self.backoff_keys.remove(key) {
            self.backoff.remove(&(t, key.to_string()));
        }
        self.unschedulable.remove(key);
    }

    fn forget(&mut self, key: &str) {
        self.remove(key);
        self.entries.remove(key);
    }

    fn contains(&self, key: &str) -> bool {
        self.active_keys.contains_key(key)
            || self.backoff_keys.contains_key(key)
            || self.unschedulable.contains(key)
    }

    fn push_active(&mut self, key: &str, pod: &Pod) {
        self.remove(key);
        let prio = Reverse(pod.spec.priority.unwrap_or(0));
        let ts = pod.metadata.creation_timestamp.map_or(0, |t| t.0);
        self.active.insert((prio, ts, key.to_string()));
        self.active_keys.insert(key.to_string(), (prio, ts));
        self.entries
            .entry(key.to_string())
            .or_default()
            .unschedulable_since = None;
    }

    fn push_backoff(&mut self, key: &str, until: Millis) {
        self.remove(key);
        self.backoff.insert((until, key.to_string()));
        self.backoff_keys.insert(key.to_string(), until);
    }

    fn push_unschedulable(&mut self, key: &str, now: Millis) {
        self.remove(key);
        self.unschedulable.insert(key.to_string());
        self.entries
            .entry(key.to_string())
            .or_default()
            .unschedulable_since = Some(now);
    }

    fn pop_active(&mut self) -> Option<Key> {
        let first = self.active.iter().next().cloned()?;
        self.active.remove(&first);
        self.active_keys.remove(&first.2);
        Some(first.2)
    }

    /// The end of a pod's current backoff.
    fn backoff_until(&self, key: &str) -> Millis {
        self.entries
            .get(key)
            .map_or(0, |e| e.last_failure + backoff_duration(e.attempts))
    }
}

/// kube-scheduler.
pub struct KubeScheduler {
    pods: Option<WatchId>,
    nodes: Option<WatchId>,
    namespaces: Option<WatchId>,
    pdbs: Option<WatchId>,
    pvcs: Option<WatchId>,
    pvs: Option<WatchId>,
    classes: Option<WatchId>,
    /// Pods assumed on a node while PreBind waits for their claims: key -> (node,
    /// deadline).
    waiting_volumes: BTreeMap<Key, (String, Millis)>,
    /// Claims or volumes changed while pods wait in PreBind.
    volumes_to_check: bool,
    cache: Cache,
    state: SchedulerState,
    queue: Queue,
    /// The latest cycle's explanation per pod (`namespace/name`): every pending pod's,
    /// and those of the most recently bound pods (a record lists up to every examined
    /// node, so keeping one per bound pod would not scale to 150,000 pods).
    records: BTreeMap<Key, CompactRecord>,
    recently_bound: std::collections::VecDeque<Key>,
    recorder: Recorder,
}

impl Default for KubeScheduler {
    fn default() -> Self {
        KubeScheduler {
            pods: None,
            nodes: None,
            namespaces: None,
            pdbs: None,
            pvcs: None,
            pvs: None,
            classes: None,
            waiting_volumes: BTreeMap::new(),
            volumes_to_check: false,
            cache: Cache::new(),
            state: SchedulerState::default(),
            queue: Queue::default(),
            records: BTreeMap::new(),
            recently_bound: std::collections::VecDeque::new(),
            recorder: Recorder::new_api(DEFAULT_SCHEDULER, "default-scheduler-control-plane"),
        }
    }
}

fn key_of(p: &Pod) -> Key {
    format!("{}/{}", p.metadata.namespace, p.metadata.name)
}

/// Whether this scheduler should place the pod.
fn wants_scheduling(p: &Pod) -> bool {
    p.spec.node_name.is_empty()
        && p.metadata.deletion_timestamp.is_none()
        && (p.spec.scheduler_name.is_empty() || p.spec.scheduler_name == DEFAULT_SCHEDULER)
        && !p
            .status
            .as_ref()
            .is_some_and(|s| s.phase == "Succeeded" || s.phase == "Failed")
}

impl KubeScheduler {
    pub fn new() -> Self {
        Self::default()
    }

    /// The latest scheduling record of a pod (`namespace/name`): per node, the plugin
    /// that rejected it, or the scores.
    pub fn record(&self, key: &str) -> Option<Record> {
        self.records.get(key).map(CompactRecord::render)
    }

    /// Upstream `helper.DefaultSelector`: the selectors of the Services,
    /// ReplicationControllers, ReplicaSets and StatefulSets selecting the pod, ANDed.
    fn default_spread_selector(api: &ApiServer, pod: &Pod) -> Option<Selector> {
        let ns = Some(pod.metadata.namespace.as_str());
        let labels = &pod.metadata.labels;
        let all = (Selector::everything(), FieldSelector::everything());
        let mut reqs: BTreeMap<String, String> = BTreeMap::new();
        let mut selectors: Vec<crate::api::LabelSelector> = Vec::new();
        for o in api.list(Kind::Service, ns, &all.0, &all.1) {
            if let Object::Service(s) = &*o {
                if !s.spec.selector.is_empty()
                    && s.spec
                        .selector
                        .iter()
                        .all(|(k, v)| labels.get(k) == Some(v))
                {
                    reqs.extend(s.spec.selector.clone());
                }
            }
        }
        for o in api.list(Kind::ReplicationController, ns, &all.0, &all.1) {
            if let Object::ReplicationController(rc) = &*o {
                if !rc.spec.selector.is_empty()
                    && rc
                        .spec
                        .selector
                        .iter()
                        .all(|(k, v)| labels.get(k) == Some(v))
                {
                    reqs.extend(rc.spec.selector.clone());
                }
            }
        }
        for kind in [Kind::ReplicaSet, Kind::StatefulSet] {
            for o in api.list(kind, ns, &all.0, &all.1) {
                let sel = match &*o {
                    Object::ReplicaSet(rs) => rs.spec.selector.clone(),
                    Object::StatefulSet(ss) => ss.spec.selector.clone(),
                    _ => None,
                };
                if let Some(sel) = sel {
                    if Selector::from_label_selector(&sel)
                        .is_ok_and(|s| !s.is_empty() && s.matches(labels))
                    {
                        selectors.push(sel);
                    }
                }
            }
        }
        if reqs.is_empty() && selectors.is_empty() {
            return None;
        }
        let mut combined = crate::api::LabelSelector {
            match_labels: reqs,
            match_expressions: Vec::new(),
        };
        for s in selectors {
            combined.match_labels.extend(s.match_labels);
            combined.match_expressions.extend(s.match_expressions);
        }
        Selector::from_label_selector(&combined).ok()
    }

    /// Moves every unschedulable pod back to be tried: to activeQ, or to backoffQ while
    /// its backoff runs (upstream `MoveAllToActiveOrBackoffQueue`).
    fn reactivate(&mut self, api: &ApiServer, now: Millis) {
        let keys: Vec<Key> = self.queue.unschedulable.iter().cloned().collect();
        for key in keys {
            self.requeue(api, &key, now);
        }
    }

    fn requeue(&mut self, api: &ApiServer, key: &str, now: Millis) {
        let until = self.queue.backoff_until(key);
        if until > now {
            self.queue.push_backoff(key, until);
        } else if let Some((ns, name)) = key.split_once('/') {
            match api.get(Kind::Pod, ns, name).as_deref() {
                Ok(Object::Pod(p)) => self.queue.push_active(key, p),
                _ => self.queue.forget(key),
            }
        }
    }

    fn drain_watches(&mut self, api: &mut ApiServer, now: Millis) {
        let mut cluster_changed = false;
        if let Some(w) = self.namespaces {
            for ev in api.poll(w) {
                if let Object::Namespace(n) = &*ev.object {
                    if ev.type_ == WatchEventType::Deleted {
                        self.cache.remove_namespace(&n.metadata.name);
                    } else {
                        self.cache
                            .set_namespace(&n.metadata.name, n.metadata.labels.clone());
                    }
                }
            }
        }
        if let Some(w) = self.pdbs {
            for ev in api.poll(w) {
                if let Object::PodDisruptionBudget(p) = &*ev.object {
                    let key = format!("{}/{}", p.metadata.namespace, p.metadata.name);
                    if ev.type_ == WatchEventType::Deleted {
                        self.cache.remove_pdb(&key);
                    } else {
                        self.cache.set_pdb(p.clone());
                    }
                }
            }
        }
        let mut volumes_changed = false;
        if let Some(w) = self.classes {
            for ev in api.poll(w) {
                if let Object::StorageClass(c) = &*ev.object {
                    if ev.type_ == WatchEventType::Deleted {
                        self.cache.remove_storage_class(&c.metadata.name);
                    } else {
                        self.cache.set_storage_class(c.clone());
                    }
                    cluster_changed = true;
                }
            }
        }
        if let Some(w) = self.pvs {
            for ev in api.poll(w) {
                if let Object::PersistentVolume(v) = &*ev.object {
                    if ev.type_ == WatchEventType::Deleted {
                        self.cache.remove_pv(&v.metadata.name);
                    } else {
                        self.cache.set_pv(v.clone());
                    }
                    cluster_changed = true;
                    volumes_changed = true;
                }
            }
        }
        if let Some(w) = self.pvcs {
            for ev in api.poll(w) {
                if let Object::PersistentVolumeClaim(c) = &*ev.object {
                    if ev.type_ == WatchEventType::Deleted {
                        self.cache
                            .remove_pvc(&format!("{}/{}", c.metadata.namespace, c.metadata.name));
                    } else {
                        self.cache.set_pvc(c.clone());
                    }
                    cluster_changed = true;
                    volumes_changed = true;
                }
            }
        }
        if volumes_changed && !self.waiting_volumes.is_empty() {
            self.volumes_to_check = true;
        }
        if let Some(w) = self.nodes {
            for ev in api.poll(w) {
                if let Object::Node(n) = &*ev.object {
                    match ev.type_ {
                        WatchEventType::Added => self.cache.add_node(n.clone()),
                        WatchEventType::Modified => self.cache.update_node(n.clone()),
                        WatchEventType::Deleted => self.cache.remove_node(&n.metadata.name),
                    }
                    cluster_changed = true;
                }
            }
        }
        if let Some(w) = self.pods {
            for ev in api.poll(w) {
                let Object::Pod(p) = &*ev.object else {
                    continue;
                };
                let key = key_of(p);
                if ev.type_ == WatchEventType::Deleted {
                    if !p.spec.node_name.is_empty() || self.cache.is_assumed(&key) {
                        self.cache.remove_pod(&key);
                        cluster_changed = true;
                    }
                    self.queue.forget(&key);
                    self.records.remove(&key);
                    self.waiting_volumes.remove(&key);
                    continue;
                }
                if !p.spec.node_name.is_empty() {
                    let pod = p.clone();
                    if self.cache.pod(&key).is_some() || self.cache.is_assumed(&key) {
                        self.cache.update_pod(pod);
                    } else {
                        self.cache.add_pod(pod);
                    }
                    self.queue.forget(&key);
                    cluster_changed = true;
                } else if wants_scheduling(p) {
                    if !self.queue.contains(&key) && !self.waiting_volumes.contains_key(&key) {
                        self.queue.push_active(&key, p);
                    }
                } else {
                    self.queue.forget(&key);
                }
            }
        }
        if cluster_changed {
            self.reactivate(api, now);
        }
    }

    /// Moves pods whose backoff ended to activeQ, and pods unschedulable for 5 minutes
    /// back to be tried.
    fn flush(&mut self, api: &ApiServer, now: Millis) {
        while let Some((t, key)) = self.queue.backoff.iter().next().cloned() {
            if t > now {
                break;
            }
            self.queue.backoff.remove(&(t, key.clone()));
            self.queue.backoff_keys.remove(&key);
            self.requeue(api, &key, now);
        }
        let stale: Vec<Key> = self
            .queue
            .unschedulable
            .iter()
            .filter(|k| {
                self.queue
                    .entries
                    .get(*k)
                    .and_then(|e| e.unschedulable_since)
                    .is_some_and(|s| now - s >= MAX_IN_UNSCHEDULABLE)
            })
            .cloned()
            .collect();
        for key in stale {
            self.requeue(api, &key, now);
        }
    }

    /// Sets the pod's `PodScheduled=False` condition and nominated node, as upstream's
    /// failure handler does.
    fn report_failure(
        api: &mut ApiServer,
        pod: &Pod,
        message: &str,
        nominated: Option<&str>,
        now: Millis,
    ) {
        let mut p = pod.clone();
        let st = p.status.get_or_insert_with(Default::default);
        let cond = PodCondition {
            type_: "PodScheduled".into(),
            status: "False".into(),
            reason: "Unschedulable".into(),
            message: message.into(),
            last_transition_time: Some(Time(now / 1000 * 1000)),
            ..Default::default()
        };
        match st.conditions.iter_mut().find(|c| c.type_ == "PodScheduled") {
            Some(c) => {
                if c.status == cond.status && c.reason == cond.reason && c.message == cond.message {
                    // Unchanged: keep the transition time.
                } else {
                    *c = cond;
                }
            }
            None => st.conditions.push(cond),
        }
        if let Some(n) = nominated {
            st.nominated_node_name = n.to_string();
        }
        let _ = api.update_status(p.into_object());
    }

    /// Puts a pod in backoffQ after a failed attempt and records a FailedScheduling event.
    fn back_off(
        &mut self,
        ctx: &mut ComponentCtx,
        key: &str,
        pod: &std::sync::Arc<Pod>,
        message: &str,
    ) {
        let until = self.queue.backoff_until(key);
        self.queue.push_backoff(key, until);
        let obj = Object::Pod(pod.clone());
        events::record(
            ctx.api,
            ctx.now,
            &mut self.recorder,
            &obj,
            EventType::Warning,
            "FailedScheduling",
            "Scheduling",
            message,
        );
    }

    /// Binds an assumed pod to its node (`pods/binding`) and records `Scheduled`.
    fn bind_pod(
        &mut self,
        ctx: &mut ComponentCtx,
        key: &str,
        pod: &std::sync::Arc<Pod>,
        node: &str,
    ) {
        let (ns, name) = (&pod.metadata.namespace, &pod.metadata.name);
        match ctx.api.bind(ns, name, node) {
            Ok(bound) => {
                self.queue.forget(key);
                self.recently_bound.push_back(key.to_string());
                if self.recently_bound.len() > BOUND_RECORDS_KEPT {
                    if let Some(old) = self.recently_bound.pop_front() {
                        if !self.queue.contains(&old) {
                            self.records.remove(&old);
                        }
                    }
                }
                events::record(
                    ctx.api,
                    ctx.now,
                    &mut self.recorder,
                    &bound,
                    EventType::Normal,
                    "Scheduled",
                    "Binding",
                    &format!("Successfully assigned {key} to {node}"),
                );
            }
            Err(e) => self.fail_binding(ctx, key, pod, &format!("Binding rejected: {}", e.message)),
        }
    }

    /// A failed binding cycle: the pod leaves its node and backs off.
    fn fail_binding(
        &mut self,
        ctx: &mut ComponentCtx,
        key: &str,
        pod: &std::sync::Arc<Pod>,
        message: &str,
    ) {
        self.cache.forget_pod(key);
        self.waiting_volumes.remove(key);
        self.queue
            .entries
            .entry(key.to_string())
            .or_default()
            .last_failure = ctx.now;
        self.back_off(ctx, key, pod, message);
    }

    /// VolumeBinding's Reserve and PreBind: writes the chosen volumes' `claimRef` and
    /// the provisioned claims' selected node. `Ok(true)`: every claim is bound, the pod
    /// can be bound now; `Ok(false)`: wait for the PV controller.
    fn pre_bind_volumes(
        &mut self,
        ctx: &mut ComponentCtx,
        pod: &Pod,
        node: &str,
    ) -> Result<bool, String> {
        use super::plugins::volume::{find_pod_volumes, pod_volume_claims};
        use crate::volume_util::{ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE};
        let claims = match pod_volume_claims(&self.cache, pod) {
            Ok(Some(c)) if !c.delayed.is_empty() => c,
            _ => return Ok(true),
        };
        let Some(ni) = self.cache.node_info(node) else {
            return Ok(true);
        };
        let plan = match find_pod_volumes(&self.cache, &claims, ni) {
            Ok(p) => p,
            Err(Ok(reasons)) => return Err(reasons.join(", ")),
            Err(Err(e)) => return Err(e),
        };
        for (pv, claim) in &plan.static_bindings {
            let mut v = (**pv).clone();
            v.spec.claim_ref = Some(ObjectReference {
                kind: "PersistentVolumeClaim".into(),
                namespace: claim.metadata.namespace.clone(),
                name: claim.metadata.name.clone(),
                uid: claim.metadata.uid.clone(),
                api_version: "v1".into(),
                resource_version: claim.metadata.resource_version.clone(),
                ..Default::default()
            });
            v.metadata
                .annotations
                .insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
            ctx.api.update(v.into_object()).map_err(|e| e.message)?;
        }
        for claim in &plan.dynamic_provisions {
            if claim
                .metadata
                .annotations
                .get(ANN_SELECTED_NODE)
                .map(String::as_str)
                == Some(node)
            {
                continue;
            }
            let mut c = (**claim).clone();
            c.metadata
                .annotations
                .insert(ANN_SELECTED_NODE.into(), node.to_string());
            ctx.api.update(c.into_object()).map_err(|e| e.message)?;
        }
        Ok(false)
    }

    /// Binds the pods waiting in PreBind whose claims are all bound now; fails those
    /// whose claims went away or whose wait timed out.
    fn check_waiting_volumes(&mut self, ctx: &mut ComponentCtx) {
        use super::plugins::volume::pod_volume_claims;
        let keys: Vec<(Key, String, Millis)> = self
            .waiting_volumes
            .iter()
            .map(|(k, (n, d))| (k.clone(), n.clone(), *d))
            .collect();
        for (key, node, deadline) in keys {
            let Some((ns, name)) = key.split_once('/') else {
                continue;
            };
            let pod = match ctx.api.get(Kind::Pod, ns, name).as_deref() {
                Ok(Object::Pod(p)) if wants_scheduling(p) => p.clone(),
                _ => {
                    self.waiting_volumes.remove(&key);
                    self.cache.forget_pod(&key);
                    continue;
                }
            };
            match pod_volume_claims(&self.cache, &pod) {
                Ok(Some(c)) if !c.delayed.is_empty() || !c.immediate.is_empty() => {
                    if deadline <= ctx.now {
                        self.fail_binding(
                            ctx,
                            &key,
                            &pod,
                            "running PreBind plugin \"VolumeBinding\": binding volumes: context deadline exceeded",
                        );
                    }
                }
                Ok(_) => {
                    self.waiting_volumes.remove(&key);
                    self.bind_pod(ctx, &key, &pod, &node);
                }
                Err(e) => {
                    let msg =
                        format!("running PreBind plugin \"VolumeBinding\": binding volumes: {e}");
                    self.fail_binding(ctx, &key, &pod, &msg);
                }
            }
        }
    }

    fn schedule_one(&mut self, ctx: &mut ComponentCtx, key: &str) {
        let Some((ns, name)) = key.split_once('/') else {
            return;
        };
        let pod = match ctx.api.get(Kind::Pod, ns, name).as_deref() {
            Ok(Object::Pod(p)) if wants_scheduling(p) => p.clone(),
            _ => {
                self.queue.forget(key);
                return;
            }
        };
        let spread = Self::default_spread_selector(ctx.api, &pod);
        let outcome =
            schedule_pod_compact(&pod, spread.as_ref(), &self.cache, &mut self.state, ctx.rng);
        self.records.insert(key.to_string(), outcome.record);
        let entry = self.queue.entries.entry(key.to_string()).or_default();
        entry.attempts += 1;
        match outcome.decision {
            Decision::Scheduled { node, .. } => {
                self.cache.assume_pod(pod.clone(), &node);
                match self.pre_bind_volumes(ctx, &pod, &node) {
                    Ok(true) => self.bind_pod(ctx, key, &pod, &node),
                    Ok(false) => {
                        self.queue.remove(key);
                        self.waiting_volumes.insert(
                            key.to_string(),
                            (node.clone(), ctx.now + VOLUME_BIND_TIMEOUT),
                        );
                    }
                    Err(msg) => self.fail_binding(
                        ctx,
                        key,
                        &pod,
                        &format!(
                            "running PreBind plugin \"VolumeBinding\": binding volumes: {msg}"
                        ),
                    ),
                }
            }
            Decision::Unschedulable {
                message,
                nominated_node_name,
                victims,
            } => {
                entry.last_failure = ctx.now;
                for v in &victims {
                    let (vns, vname) = (v.metadata.namespace.clone(), v.metadata.name.clone());
                    if let Ok(vo) = ctx.api.get(Kind::Pod, &vns, &vname) {
                        let node = nominated_node_name.clone().unwrap_or_default();
                        events::record(
                            ctx.api,
                            ctx.now,
                            &mut self.recorder,
                            &vo,
                            EventType::Normal,
                            "Preempted",
                            "Preempting",
                            &format!("Preempted by pod {} on node {node}", pod.metadata.uid),
                        );
                        let _ = ctx
                            .api
                            .delete(Kind::Pod, &vns, &vname, &DeleteOptions::default());
                    }
                }
                let obj = Object::Pod(pod.clone());
                events::record(
                    ctx.api,
                    ctx.now,
                    &mut self.recorder,
                    &obj,
                    EventType::Warning,
                    "FailedScheduling",
                    "Scheduling",
                    &message,
                );
                Self::report_failure(
                    ctx.api,
                    &pod,
                    &message,
                    nominated_node_name.as_deref(),
                    ctx.now,
                );
                if victims.is_empty() {
                    self.queue.push_unschedulable(key, ctx.now);
                } else {
                    // Preemption made room: try again after the backoff.
                    let until = self.queue.backoff_until(key);
                    self.queue.push_backoff(key, until);
                }
            }
            Decision::Error { message } => {
                entry.last_failure = ctx.now;
                self.back_off(ctx, key, &pod, &message);
            }
        }
    }
}

impl Component for KubeScheduler {
    fn name(&self) -> String {
        "kube-scheduler".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        // List, then watch from now (the informers' list-and-watch).
        let all = (Selector::everything(), FieldSelector::everything());
        for o in ctx.api.list(Kind::Namespace, None, &all.0, &all.1) {
            if let Object::Namespace(n) = &*o {
                self.cache
                    .set_namespace(&n.metadata.name, n.metadata.labels.clone());
            }
        }
        for o in ctx
            .api
            .list(Kind::PodDisruptionBudget, None, &all.0, &all.1)
        {
            if let Object::PodDisruptionBudget(p) = &*o {
                self.cache.set_pdb(p.clone());
            }
        }
        for o in ctx.api.list(Kind::Node, None, &all.0, &all.1) {
            if let Object::Node(n) = &*o {
                self.cache.add_node(n.clone());
            }
        }
        for o in ctx.api.list(Kind::Pod, None, &all.0, &all.1) {
            if let Object::Pod(p) = &*o {
                if !p.spec.node_name.is_empty() {
                    self.cache.add_pod(p.clone());
                } else if wants_scheduling(p) {
                    self.queue.push_active(&key_of(p), p);
                }
            }
        }
        for o in ctx.api.list(Kind::StorageClass, None, &all.0, &all.1) {
            if let Object::StorageClass(c) = &*o {
                self.cache.set_storage_class(c.clone());
            }
        }
        for o in ctx.api.list(Kind::PersistentVolume, None, &all.0, &all.1) {
            if let Object::PersistentVolume(v) = &*o {
                self.cache.set_pv(v.clone());
            }
        }
        for o in ctx
            .api
            .list(Kind::PersistentVolumeClaim, None, &all.0, &all.1)
        {
            if let Object::PersistentVolumeClaim(c) = &*o {
                self.cache.set_pvc(c.clone());
            }
        }
        self.classes = ctx
            .api
            .watch(WatchFilter::all(Kind::StorageClass), None)
            .ok();
        self.pvs = ctx
            .api
            .watch(WatchFilter::all(Kind::PersistentVolume), None)
            .ok();
        self.pvcs = ctx
            .api
            .watch(WatchFilter::all(Kind::PersistentVolumeClaim), None)
            .ok();
        self.namespaces = ctx.api.watch(WatchFilter::all(Kind::Namespace), None).ok();
        self.pdbs = ctx
            .api
            .watch(WatchFilter::all(Kind::PodDisruptionBudget), None)
            .ok();
        self.nodes = ctx.api.watch(WatchFilter::all(Kind::Node), None).ok();
        self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
        if !self.queue.active.is_empty() {
            ctx.wake_after(0);
        }
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [
            self.namespaces,
            self.pdbs,
            self.nodes,
            self.pods,
            self.classes,
            self.pvs,
            self.pvcs,
        ]
        .into_iter()
        .flatten()
        .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let now = ctx.now;
        self.drain_watches(ctx.api, now);
        self.flush(ctx.api, now);
        let timed_out = self.waiting_volumes.values().any(|(_, d)| *d <= now);
        if std::mem::take(&mut self.volumes_to_check) || timed_out {
            self.check_waiting_volumes(ctx);
            self.drain_watches(ctx.api, now);
        }
        while let Some(key) = self.queue.pop_active() {
            self.schedule_one(ctx, &key);
            // Our own writes (bindings, statuses) come back through the watches.
            self.drain_watches(ctx.api, now);
        }
        self.volumes_to_check = false;
        let next_backoff = self.queue.backoff.iter().next().map(|(t, _)| *t);
        let next_flush = self
            .queue
            .entries
            .values()
            .filter_map(|e| e.unschedulable_since)
            .min()
            .map(|s| s + MAX_IN_UNSCHEDULABLE);
        let next_volume_deadline = self.waiting_volumes.values().map(|(_, d)| *d).min();
        if let Some(t) = [next_backoff, next_flush, next_volume_deadline]
            .into_iter()
            .flatten()
            .min()
        {
            ctx.wake_at(t.max(now));
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_ten_seconds() {
        let d: Vec<Millis> = (1..=6).map(backoff_duration).collect();
        assert_eq!(d, vec![1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    }
}
