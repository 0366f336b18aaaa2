//! The DaemonSet controller (`pkg/controller/daemon`): one pod per eligible node.
//!
//! A node is eligible when the template's nodeSelector and required node affinity
//! match it and every NoSchedule/NoExecute taint is tolerated (the pods also get
//! upstream's automatic tolerations: not-ready and unreachable NoExecute, disk-, memory-
//! and pid-pressure and unschedulable NoSchedule, network-unavailable for hostNetwork
//! pods). A pod already on a node whose NoExecute taints it tolerates keeps running. The
//! controller does not bind pods: as upstream since 1.12 it gives each pod a required
//! node affinity `metadata.name In [node]` (a matchFields term) and the default
//! scheduler binds it.
//!
//! Each template is a ControllerRevision (`<ds>-<hash>`), and the pods carry the
//! `controller-revision-hash` label. RollingUpdate replaces old pods node by node
//! keeping at most `maxUnavailable` (default 1) nodes without an available new pod, or,
//! with `maxSurge`, starts the new pod next to the old one and deletes the old one once
//! the new one is available; OnDelete waits for the user to delete pods. The status
//! counts desired, current, misscheduled, ready, updated, available and unavailable
//! nodes. Events: `SuccessfulCreate` (`Created pod: x`) and `SuccessfulDelete`.
//!
//! Cost at 5,000 nodes: the controller keeps the nodes from a watch and, per
//! DaemonSet, whether each node should run its pod (recomputed for one node when that
//! node changes, for all only when the spec changes), its pods by node (from the pod
//! watch; the owner index only when the DaemonSet is first seen), and each node's
//! summary summed into the status and the rolling update's candidates. A sync looks
//! only at the nodes that changed. Measured: 5,000 nodes, the DaemonSet's 5,000 pods
//! created and Running, then rolled 10% at a time, in 8.6 s wall (native).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::api::apps_v1::DaemonSet;
use crate::api::core_v1::{
    Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod,
    Toleration,
};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::OwnerReference;
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::controllers::history::{self, CONTROLLER_REVISION_HASH};
use crate::events::{self, EventType, Recorder};
use crate::scheduler::plugins::node_affinity::ParsedTerm;
use crate::scheduler::types::Symbols;
use crate::sim::{Component, ComponentCtx, Millis};

/// The deprecated label with the DaemonSet's template generation.
pub const POD_TEMPLATE_GENERATION: &str = "pod-template-generation";
/// At most this many creations per sync (`BurstReplicas`).
const BURST_REPLICAS: usize = 250;

type Key = (String, String);

/// Whether a node should run the DaemonSet's pod, and whether a pod already there may
/// stay (upstream `NodeShouldRunDaemonPod`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fit {
    pub should_run: bool,
    pub should_continue: bool,
}

/// How a node's pods look to the rolling update (upstream `findUpdatedPodsOnNode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Shape {
    /// The node's pods may not stay, or it has none the update looks at.
    #[default]
    Skip,
    /// More than one new or more than one old pod.
    Broken,
    /// No pod that is not terminating.
    Empty,
    NewOnly {
        available: bool,
    },
    OldOnly {
        available: bool,
    },
    Both {
        new_available: bool,
    },
}

/// What one node contributes to the status and the rolling update.
#[derive(Clone, Debug, Default, PartialEq)]
struct Summary {
    desired: bool,
    current: bool,
    misscheduled: bool,
    ready: bool,
    available: bool,
    updated: bool,
    shape: Shape,
    /// When a ready pod here becomes available (`minReadySeconds`).
    available_at: Option<Millis>,
}

/// The sums of the nodes' summaries, and the nodes the rolling update picks from.
#[derive(Clone, Debug, Default)]
struct Totals {
    desired: i32,
    current: i32,
    misscheduled: i32,
    ready: i32,
    available: i32,
    updated: i32,
    broken: i32,
    empty: i32,
    new_only_unavailable: i32,
    both_new_unavailable: i32,
    both_new_available: BTreeSet<String>,
    old_only_unavailable: BTreeSet<String>,
    old_only_available: BTreeSet<String>,
}

impl Totals {
    fn apply(&mut self, node: &str, s: &Summary, add: bool) {
        let d = if add { 1 } else { -1 };
        let n = |b: bool| if b { d } else { 0 };
        self.desired += n(s.desired);
        self.current += n(s.current);
        self.misscheduled += n(s.misscheduled);
        self.ready += n(s.ready);
        self.available += n(s.available);
        self.updated += n(s.updated);
        let set = |set: &mut BTreeSet<String>| {
            if add {
                set.insert(node.to_string());
            } else {
                set.remove(node);
            }
        };
        match s.shape {
            Shape::Skip | Shape::NewOnly { available: true } => {}
            Shape::Broken => self.broken += d,
            Shape::Empty => self.empty += d,
            Shape::NewOnly { available: false } => self.new_only_unavailable += d,
            Shape::OldOnly { available: false } => set(&mut self.old_only_unavailable),
            Shape::OldOnly { available: true } => set(&mut self.old_only_available),
            Shape::Both {
                new_available: false,
            } => self.both_new_unavailable += d,
            Shape::Both {
                new_available: true,
            } => set(&mut self.both_new_available),
        }
    }
}

/// What the controller keeps per DaemonSet between syncs: the nodes' fits for its
/// spec, its pods by node (kept from the pod watch), each node's summary and their sums.
/// A sync looks only at the nodes marked dirty.
struct DsState {
    uid: String,
    selector: Selector,
    /// Pods it controls that its selector no longer matches: released at the next sync.
    release: Vec<Arc<Pod>>,
    generation: i64,
    /// The current revision's hash, for the generation above.
    hash: String,
    fits: BTreeMap<String, Fit>,
    pods: BTreeMap<String, Vec<Arc<Pod>>>,
    /// Pod name -> the node it is listed under.
    pod_nodes: HashMap<String, String>,
    summaries: BTreeMap<String, Summary>,
    totals: Totals,
    dirty: BTreeSet<String>,
    /// Nodes whose pod becomes available at a time: (time, node).
    waiting: BTreeSet<(Millis, String)>,
    /// Old revisions may be cleaned up.
    history_dirty: bool,
}

impl DsState {
    fn new(uid: &str, selector: Selector) -> DsState {
        DsState {
            uid: uid.to_string(),
            selector,
            release: Vec::new(),
            generation: -1,
            hash: String::new(),
            fits: BTreeMap::new(),
            pods: BTreeMap::new(),
            pod_nodes: HashMap::new(),
            summaries: BTreeMap::new(),
            totals: Totals::default(),
            dirty: BTreeSet::new(),
            waiting: BTreeSet::new(),
            history_dirty: true,
        }
    }

    /// A pod of this DaemonSet changed (or went: `gone`).
    fn pod_event(&mut self, p: &Arc<Pod>, gone: bool) {
        let name = &p.metadata.name;
        if let Some(node) = self.pod_nodes.remove(name) {
            if let Some(v) = self.pods.get_mut(&node) {
                v.retain(|q| q.metadata.name != *name);
                if v.is_empty() {
                    self.pods.remove(&node);
                }
            }
            self.dirty.insert(node);
        }
        // Deleted pods that finished no longer count.
        if gone || (p.metadata.deletion_timestamp.is_some() && is_terminal(p)) {
            return;
        }
        if !self.selector.matches(&p.metadata.labels) {
            self.release.push(p.clone());
            return;
        }
        if let Some(node) = target_node(p) {
            let v = self.pods.entry(node.to_string()).or_default();
            v.push(p.clone());
            v.sort_by_key(|p| (created(p), p.metadata.name.clone()));
            self.pod_nodes.insert(name.clone(), node.to_string());
            self.dirty.insert(node.to_string());
        }
    }

    /// Recomputes the summaries of the dirty nodes into the totals.
    fn summarize(&mut self, min_ready: Millis, now: Millis) {
        while let Some((t, node)) = self.waiting.first().cloned() {
            if t > now {
                break;
            }
            self.waiting.pop_first();
            self.dirty.insert(node);
        }
        for node in std::mem::take(&mut self.dirty) {
            let pods = self.pods.get(&node).map(Vec::as_slice).unwrap_or(&[]);
            let s = summary(
                self.fits.get(&node).copied(),
                pods,
                &self.hash,
                min_ready,
                now,
            );
            if let Some(t) = s.available_at {
                self.waiting.insert((t, node.clone()));
            }
            if let Some(old) = self.summaries.remove(&node) {
                self.totals.apply(&node, &old, false);
            }
            if s != Summary::default() {
                self.totals.apply(&node, &s, true);
                self.summaries.insert(node, s);
            }
        }
    }
}

/// A node's summary: upstream `updateDaemonSetStatus` for one node (the oldest pod
/// counts) and the rolling update's view of its pods. `fit` is `None` for a node that
/// is gone.
fn summary(
    fit: Option<Fit>,
    pods: &[Arc<Pod>],
    hash: &str,
    min_ready: Millis,
    now: Millis,
) -> Summary {
    let mut s = Summary::default();
    let fit = fit.unwrap_or_default();
    let is_new = |p: &Pod| {
        p.metadata
            .labels
            .get(CONTROLLER_REVISION_HASH)
            .map(String::as_str)
            == Some(hash)
    };
    let note_ready = |p: &Pod, s: &mut Summary| {
        if let Some(since) = ready_since(p) {
            if !is_available(p, min_ready, now) {
                let at = since + min_ready;
                s.available_at = Some(s.available_at.map_or(at, |x: Millis| x.min(at)));
            }
        }
    };
    if fit.should_run {
        s.desired = true;
        if let Some(p) = pods
            .iter()
            .min_by_key(|p| (created(p), phase_rank(p), p.metadata.name.clone()))
        {
            s.current = true;
            s.ready = ready_since(p).is_some();
            s.available = is_available(p, min_ready, now);
            s.updated = is_new(p);
            note_ready(p, &mut s);
        }
    } else if !pods.is_empty() {
        s.misscheduled = true;
    }
    // The rolling update looks at the nodes that have pods (terminating ones too).
    if fit.should_continue && !pods.is_empty() {
        let (mut new, mut old, mut ok) = (None, None, true);
        for p in pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
        {
            let slot = if is_new(p) { &mut new } else { &mut old };
            if slot.is_some() {
                ok = false;
            }
            *slot = Some(p);
            note_ready(p, &mut s);
        }
        let avail = |p: &Pod| is_available(p, min_ready, now);
        s.shape = match (ok, new, old) {
            (false, _, _) => Shape::Broken,
            (_, None, None) => Shape::Empty,
            (_, Some(n), None) => Shape::NewOnly {
                available: avail(n),
            },
            (_, None, Some(o)) => Shape::OldOnly {
                available: avail(o),
            },
            (_, Some(n), Some(_)) => Shape::Both {
                new_available: avail(n),
            },
        };
    }
    s
}

pub struct DaemonSetController {
    sets: Option<WatchId>,
    pods: Option<WatchId>,
    nodes_watch: Option<WatchId>,
    nodes: BTreeMap<String, Arc<Node>>,
    states: HashMap<Key, DsState>,
    recorder: Recorder,
    /// DaemonSets to look at again when their pods become available: (time, key).
    recheck: BTreeSet<(Millis, Key)>,
}

impl Default for DaemonSetController {
    fn default() -> Self {
        DaemonSetController {
            sets: None,
            pods: None,
            nodes_watch: None,
            nodes: BTreeMap::new(),
            states: HashMap::new(),
            recorder: Recorder::legacy("daemonset-controller", ""),
            recheck: BTreeSet::new(),
        }
    }
}

pub(crate) fn controller_of(p: &Pod) -> Option<&OwnerReference> {
    p.metadata
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
}

pub(crate) fn is_terminal(p: &Pod) -> bool {
    let phase = p.status.as_ref().map_or("", |s| s.phase.as_str());
    matches!(phase, "Succeeded" | "Failed")
}

pub(crate) fn phase(p: &Pod) -> &str {
    p.status.as_ref().map_or("", |s| s.phase.as_str())
}

/// When the pod's Ready condition became true, if it is true.
pub(crate) fn ready_since(p: &Pod) -> Option<Millis> {
    p.status
        .as_ref()?
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "True")
        .map(|c| c.last_transition_time.map_or(0, |t| t.0))
}

/// Upstream `IsPodAvailable`: ready for at least `min_ready` ms.
pub(crate) fn is_available(p: &Pod, min_ready: Millis, now: Millis) -> bool {
    ready_since(p).is_some_and(|t| min_ready == 0 || t + min_ready <= now)
}

fn created(p: &Pod) -> i64 {
    p.metadata.creation_timestamp.map_or(0, |t| t.0)
}

fn exists_toleration(key: &str, effect: &str) -> Toleration {
    Toleration {
        key: key.into(),
        operator: "Exists".into(),
        effect: effect.into(),
        ..Default::default()
    }
}

/// Upstream `AddOrUpdateDaemonPodTolerations`.
pub fn add_daemon_tolerations(spec: &mut crate::api::core_v1::PodSpec) {
    use crate::controllers::*;
    let mut add = vec![
        exists_toleration(TAINT_NOT_READY, "NoExecute"),
        exists_toleration(TAINT_UNREACHABLE, "NoExecute"),
        exists_toleration(TAINT_DISK_PRESSURE, "NoSchedule"),
        exists_toleration(TAINT_MEMORY_PRESSURE, "NoSchedule"),
        exists_toleration(TAINT_PID_PRESSURE, "NoSchedule"),
        exists_toleration(TAINT_UNSCHEDULABLE, "NoSchedule"),
    ];
    if spec.host_network {
        add.push(exists_toleration(
            "node.kubernetes.io/network-unavailable",
            "NoSchedule",
        ));
    }
    for t in add {
        if !spec.tolerations.iter().any(|x| {
            x.key == t.key && x.effect == t.effect && x.operator == t.operator && x.value == t.value
        }) {
            spec.tolerations.push(t);
        }
    }
}

/// Upstream `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required node affinity
/// becomes the single term `metadata.name In [node]`; preferred terms stay.
pub fn pin_to_node(affinity: Option<Box<Affinity>>, node: &str) -> Box<Affinity> {
    let mut a = affinity.unwrap_or_default();
    let na = a.node_affinity.get_or_insert_with(NodeAffinity::default);
    na.required_during_scheduling_ignored_during_execution = Some(NodeSelector {
        node_selector_terms: vec![NodeSelectorTerm {
            match_fields: vec![NodeSelectorRequirement {
                key: "metadata.name".into(),
                operator: "In".into(),
                values: vec![node.into()],
            }],
            ..Default::default()
        }],
    });
    a
}

/// The node a daemon pod is for: its `spec.nodeName`, or before binding the node its
/// `metadata.name` affinity term names (upstream `GetTargetNodeName`).
pub fn target_node(p: &Pod) -> Option<&str> {
    if !p.spec.node_name.is_empty() {
        return Some(&p.spec.node_name);
    }
    let terms = &p
        .spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    terms.iter().find_map(|t| {
        t.match_fields.iter().find_map(|f| {
            (f.key == "metadata.name" && f.operator == "In" && f.values.len() == 1)
                .then(|| f.values[0].as_str())
        })
    })
}

/// The template's tolerations with the automatic ones added.
fn daemon_tolerations(ds: &DaemonSet) -> Vec<Toleration> {
    let mut s = crate::api::core_v1::PodSpec {
        tolerations: ds.spec.template.spec.tolerations.clone(),
        host_network: ds.spec.template.spec.host_network,
        ..Default::default()
    };
    add_daemon_tolerations(&mut s);
    s.tolerations
}

/// Upstream `NodeShouldRunDaemonPod` for the DaemonSet's template on a node.
pub fn node_fit(ds: &DaemonSet, node: &Node) -> Fit {
    node_fit_with(ds, &daemon_tolerations(ds), node)
}

fn node_fit_with(ds: &DaemonSet, tolerations: &[Toleration], node: &Node) -> Fit {
    let spec = &ds.spec.template.spec;
    let no = Fit::default();
    if !spec.node_name.is_empty() && spec.node_name != node.metadata.name {
        return no;
    }
    let labels = &node.metadata.labels;
    if !spec
        .node_selector
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
    {
        return no;
    }
    if let Some(req) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
    {
        let syms = Symbols::default();
        let any = req.node_selector_terms.iter().any(|t| {
            ParsedTerm::parse(t, &syms).is_some_and(|p| p.matches(labels, &node.metadata.name))
        });
        if !any {
            return no;
        }
    }
    let untolerated = |effect: &str| {
        node.spec
            .taints
            .iter()
            .filter(|t| t.effect == effect)
            .any(|t| !crate::controllers::tolerates(tolerations, t))
    };
    let no_execute = untolerated("NoExecute");
    if no_execute || untolerated("NoSchedule") {
        return Fit {
            should_run: false,
            should_continue: !no_execute,
        };
    }
    Fit {
        should_run: true,
        should_continue: true,
    }
}

fn selector(ds: &DaemonSet) -> Selector {
    Selector::from_optional_label_selector(ds.spec.selector.as_ref())
        .unwrap_or_else(|_| Selector::nothing())
}

fn owner_ref(ds: &DaemonSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "DaemonSet".into(),
        name: ds.metadata.name.clone(),
        uid: ds.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// maxSurge and maxUnavailable scaled against the desired number of nodes
/// (both rounded up; both 0 means maxUnavailable 1).
fn rolling_limits(ds: &DaemonSet, desired: i32) -> (i32, i32) {
    let ru = ds.spec.update_strategy.rolling_update.as_ref();
    let surge = ru
        .and_then(|r| r.max_surge.as_ref())
        .and_then(|v| v.scaled_value_from_int_or_percent(desired, true).ok())
        .unwrap_or(0)
        .max(0);
    let mut unavailable = ru
        .and_then(|r| r.max_unavailable.as_ref())
        .and_then(|v| v.scaled_value_from_int_or_percent(desired, true).ok())
        .unwrap_or(1)
        .max(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

impl DaemonSetController {
    pub fn new() -> Self {
        Self::default()
    }

    fn record(
        &mut self,
        ctx: &mut ComponentCtx,
        ds: &Object,
        t: EventType,
        reason: &str,
        msg: &str,
    ) {
        events::record(ctx.api, ctx.now, &mut self.recorder, ds, t, reason, "", msg);
    }

    fn create_pod(
        &mut self,
        ctx: &mut ComponentCtx,
        ds: &DaemonSet,
        hash: &str,
        node: &str,
    ) -> bool {
        let t = &ds.spec.template;
        let mut labels = t.metadata.labels.clone();
        let generation = ds
            .metadata
            .annotations
            .get(crate::apiserver::DAEMONSET_TEMPLATE_GENERATION)
            .cloned()
            .unwrap_or_else(|| ds.metadata.generation.unwrap_or(1).to_string());
        labels.insert(POD_TEMPLATE_GENERATION.into(), generation);
        labels.insert(CONTROLLER_REVISION_HASH.into(), hash.into());
        let mut spec = t.spec.clone();
        add_daemon_tolerations(&mut spec);
        spec.affinity = Some(pin_to_node(spec.affinity.take(), node));
        let pod = Pod {
            metadata: ObjectMeta {
                generate_name: format!("{}-", ds.metadata.name),
                namespace: ds.metadata.namespace.clone(),
                labels,
                annotations: t.metadata.annotations.clone(),
                finalizers: t.metadata.finalizers.clone(),
                owner_references: vec![owner_ref(ds)],
                ..Default::default()
            },
            spec,
            status: None,
        };
        let obj = Object::DaemonSet(Arc::new(ds.clone()));
        match ctx.api.create(pod.into_object()) {
            Ok(p) => {
                let msg = format!("Created pod: {}", p.meta().name);
                self.record(ctx, &obj, EventType::Normal, "SuccessfulCreate", &msg);
                true
            }
            Err(e) => {
                let msg = format!("Error creating: {}", e.message);
                self.record(ctx, &obj, EventType::Warning, "FailedCreate", &msg);
                false
            }
        }
    }

    fn delete_pod(&mut self, ctx: &mut ComponentCtx, ds: &DaemonSet, name: &str) {
        let ns = &ds.metadata.namespace;
        if ctx
            .api
            .delete(Kind::Pod, ns, name, &DeleteOptions::default())
            .is_ok()
        {
            let obj = Object::DaemonSet(Arc::new(ds.clone()));
            let msg = format!("Deleted pod: {name}");
            self.record(ctx, &obj, EventType::Normal, "SuccessfulDelete", &msg);
        }
    }

    /// A new state for a DaemonSet: its pods through the owner index (releasing those
    /// its selector no longer matches).
    fn build_state(ctx: &mut ComponentCtx, ds: &DaemonSet) -> DsState {
        let uid = &ds.metadata.uid;
        let mut st = DsState::new(uid, selector(ds));
        for o in ctx.api.store.owned_by(Kind::Pod, uid) {
            let Object::Pod(p) = &*o else { continue };
            if controller_of(p).is_none_or(|c| c.uid != *uid) {
                continue;
            }
            st.pod_event(p, false);
        }
        st
    }

    /// Orphan pods the selector matches become the DaemonSet's (label index).
    fn adopt(ctx: &mut ComponentCtx, ds: &DaemonSet, st: &mut DsState) {
        let sel = selector(ds);
        if sel.is_nothing() {
            return;
        }
        let ns = ds.metadata.namespace.clone();
        for o in ctx
            .api
            .list(Kind::Pod, Some(&ns), &sel, &FieldSelector::default())
        {
            let Object::Pod(p) = &*o else { continue };
            if controller_of(p).is_some()
                || p.metadata.deletion_timestamp.is_some()
                || is_terminal(p)
            {
                continue;
            }
            let mut q = (**p).clone();
            q.metadata.owner_references.push(owner_ref(ds));
            if let Ok(o) = ctx.api.update(q.into_object()) {
                if let Object::Pod(p) = &*o {
                    st.pod_event(p, false);
                }
            }
        }
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, key: &Key, adopt: bool) {
        let Ok(o) = ctx.api.get(Kind::DaemonSet, &key.0, &key.1) else {
            self.states.remove(key);
            return;
        };
        let Object::DaemonSet(ds) = &*o else { return };
        let ds = (**ds).clone();
        if ds.metadata.deletion_timestamp.is_some() {
            return;
        }
        let mut st = match self.states.remove(key) {
            Some(st) if st.uid == ds.metadata.uid => st,
            _ => Self::build_state(ctx, &ds),
        };
        if adopt {
            Self::adopt(ctx, &ds, &mut st);
        }
        // Pods whose labels left the selector are no longer ours.
        for p in std::mem::take(&mut st.release) {
            let mut q = (*p).clone();
            q.metadata.owner_references.retain(|r| r.uid != st.uid);
            let _ = ctx.api.update(q.into_object());
        }
        let generation = ds.metadata.generation.unwrap_or(0);
        let mut collision_count = ds.status.as_ref().and_then(|s| s.collision_count);
        if st.generation != generation {
            // A new spec: the revision, and every node's fit and summary, again.
            let Some(revs) = history::sync(
                ctx.api,
                &history::Parent {
                    kind: "DaemonSet",
                    meta: &ds.metadata,
                    template: &ds.spec.template,
                    add_hash_label: true,
                    collision_count,
                },
            ) else {
                self.states.insert(key.clone(), st);
                return;
            };
            collision_count = revs.collision_count;
            st.hash = revs
                .current
                .metadata
                .labels
                .get(CONTROLLER_REVISION_HASH)
                .cloned()
                .unwrap_or_default();
            let tolerations = daemon_tolerations(&ds);
            st.fits = self
                .nodes
                .iter()
                .map(|(n, node)| (n.clone(), node_fit_with(&ds, &tolerations, node)))
                .collect();
            st.dirty.extend(st.fits.keys().cloned());
            st.dirty.extend(st.pods.keys().cloned());
            st.generation = generation;
            st.history_dirty = true;
        }
        let min_ready = Millis::from(ds.spec.min_ready_seconds.max(0)) * 1000;
        let dirty: Vec<String> = st.dirty.iter().cloned().collect();
        st.summarize(min_ready, ctx.now);

        // manage, for the nodes that changed: create where missing, delete where the
        // pod must not stay.
        let surge =
            ds.spec.update_strategy.type_ == "RollingUpdate" && rolling_limits(&ds, 0).0 > 0;
        let mut create: Vec<String> = Vec::new();
        let mut delete: Vec<String> = Vec::new();
        for node in &dirty {
            let pods = st.pods.get(node).map(Vec::as_slice).unwrap_or(&[]);
            let Some(fit) = st.fits.get(node) else {
                // Unscheduled pods for a node that is gone.
                for p in pods {
                    if p.spec.node_name.is_empty() && p.metadata.deletion_timestamp.is_none() {
                        delete.push(p.metadata.name.clone());
                    }
                }
                continue;
            };
            manage_node(
                *fit,
                pods,
                &st.hash,
                surge,
                min_ready,
                ctx.now,
                node,
                &mut create,
                &mut delete,
            );
        }
        let changed = !create.is_empty() || !delete.is_empty();
        let created = self.sync_nodes(ctx, &ds, &st.hash, &create, &delete);
        // Nodes left for later (burst limit, a failed create) are looked at again: at
        // once when the new pods' events come back, else after a second.
        if created < create.len() {
            st.dirty.extend(create[created..].iter().cloned());
            if created == 0 {
                let at = ctx.now + 1000;
                self.recheck.insert((at, key.clone()));
                ctx.wake_at(at);
            }
        }

        // The rolling update, once the nodes are as they should be.
        if ds.spec.update_strategy.type_ == "RollingUpdate" && !changed {
            let (max_surge, max_unavailable) = rolling_limits(&ds, st.totals.desired);
            let t = &st.totals;
            let pod_of = |node: &str, new: bool| -> Option<String> {
                st.pods.get(node)?.iter().find_map(|p| {
                    let is_new = p.metadata.labels.get(CONTROLLER_REVISION_HASH) == Some(&st.hash);
                    (p.metadata.deletion_timestamp.is_none() && is_new == new)
                        .then(|| p.metadata.name.clone())
                })
            };
            let (mut old_to_delete, mut new_nodes) = (Vec::new(), Vec::new());
            if max_surge == 0 {
                let counted = t.broken
                    + t.empty
                    + t.new_only_unavailable
                    + t.both_new_unavailable
                    + t.both_new_available.len() as i32;
                let remaining = (max_unavailable - counted).max(0) as usize;
                old_to_delete.extend(
                    t.old_only_unavailable
                        .iter()
                        .filter_map(|n| pod_of(n, false)),
                );
                old_to_delete.extend(
                    t.old_only_available
                        .iter()
                        .take(remaining)
                        .filter_map(|n| pod_of(n, false)),
                );
            } else {
                let counted = t.broken + t.both_new_unavailable;
                let remaining = (max_surge - counted).max(0) as usize;
                old_to_delete.extend(t.both_new_available.iter().filter_map(|n| pod_of(n, false)));
                new_nodes.extend(t.old_only_unavailable.iter().cloned());
                new_nodes.extend(t.old_only_available.iter().take(remaining).cloned());
            }
            let created = self.sync_nodes(ctx, &ds, &st.hash, &new_nodes, &old_to_delete);
            st.dirty.extend(new_nodes[created..].iter().cloned());
        }

        // History: once every pod is updated, revisions no pod uses beyond the limit go.
        let t = &st.totals;
        if st.history_dirty && t.updated == t.current && t.misscheduled == 0 {
            if let Some(revs) = history::sync(
                ctx.api,
                &history::Parent {
                    kind: "DaemonSet",
                    meta: &ds.metadata,
                    template: &ds.spec.template,
                    add_hash_label: true,
                    collision_count,
                },
            ) {
                let live: BTreeSet<String> = st
                    .pods
                    .values()
                    .flatten()
                    .filter_map(|p| p.metadata.labels.get(CONTROLLER_REVISION_HASH))
                    .map(|h| history::revision_name(&ds.metadata.name, h))
                    .chain([revs.current.metadata.name.clone()])
                    .collect();
                history::truncate(
                    ctx.api,
                    &revs.all,
                    &live,
                    ds.spec.revision_history_limit.unwrap_or(10),
                );
            }
            st.history_dirty = false;
        }
        if let Some((t, _)) = st.waiting.first() {
            self.recheck.insert((*t, key.clone()));
            ctx.wake_at(*t);
        }
        self.update_status(ctx, &ds, &st.totals, collision_count);
        self.states.insert(key.clone(), st);
    }

    fn sync_nodes(
        &mut self,
        ctx: &mut ComponentCtx,
        ds: &DaemonSet,
        hash: &str,
        create: &[String],
        delete: &[String],
    ) -> usize {
        // Slow start: 1, 2, 4, ... stopping at the first failure.
        let total = create.len().min(BURST_REPLICAS);
        let (mut done, mut batch) = (0, 1);
        'batches: while done < total {
            for node in create.iter().skip(done).take(batch.min(total - done)) {
                if !self.create_pod(ctx, ds, hash, node) {
                    break 'batches;
                }
                done += 1;
            }
            batch *= 2;
        }
        for name in delete {
            self.delete_pod(ctx, ds, name);
        }
        done
    }

    fn update_status(
        &mut self,
        ctx: &mut ComponentCtx,
        ds: &DaemonSet,
        t: &Totals,
        collision_count: Option<i32>,
    ) {
        let mut st = ds.status.clone().unwrap_or_default();
        let before = st.clone();
        st.desired_number_scheduled = t.desired;
        st.current_number_scheduled = t.current;
        st.number_misscheduled = t.misscheduled;
        st.number_ready = t.ready;
        st.number_available = t.available;
        st.number_unavailable = t.desired - t.available;
        st.updated_number_scheduled = t.updated;
        st.observed_generation = ds.metadata.generation.unwrap_or(0);
        st.collision_count = collision_count.or(st.collision_count);
        if ds.status.is_none() || st != before {
            let mut d = ds.clone();
            d.status = Some(st);
            let _ = ctx.api.update_status(d.into_object());
        }
    }
}

/// Upstream `podsShouldBeOnNode` for one node: the node to create a pod on, the pods
/// to delete.
#[allow(clippy::too_many_arguments)]
fn manage_node(
    fit: Fit,
    pods: &[Arc<Pod>],
    hash: &str,
    surge: bool,
    min_ready: Millis,
    now: Millis,
    node: &str,
    create: &mut Vec<String>,
    delete: &mut Vec<String>,
) {
    if fit.should_run && pods.is_empty() {
        create.push(node.to_string());
    } else if fit.should_continue {
        let mut running: Vec<&Arc<Pod>> = Vec::new();
        for p in pods {
            if p.metadata.deletion_timestamp.is_some() {
                continue;
            }
            if is_terminal(p) {
                delete.push(p.metadata.name.clone());
            } else {
                running.push(p);
            }
        }
        if !surge {
            for p in running.iter().skip(1) {
                delete.push(p.metadata.name.clone());
            }
        } else {
            let (mut new, mut old) = (None, None);
            for p in &running {
                let is_new = p
                    .metadata
                    .labels
                    .get(CONTROLLER_REVISION_HASH)
                    .map(String::as_str)
                    == Some(hash);
                let slot = if is_new { &mut new } else { &mut old };
                if slot.is_none() {
                    *slot = Some(*p);
                } else {
                    delete.push(p.metadata.name.clone());
                }
            }
            if let (Some(n), Some(o)) = (new, old) {
                if ready_since(o).is_none() || is_available(n, min_ready, now) {
                    delete.push(o.metadata.name.clone());
                }
            }
        }
    } else {
        for p in pods {
            if p.metadata.deletion_timestamp.is_none() {
                delete.push(p.metadata.name.clone());
            }
        }
    }
}

/// Upstream `podByCreationTimestampAndPhase`: among equals, Running first.
fn phase_rank(p: &Pod) -> u8 {
    u8::from(phase(p) != "Running")
}

impl Component for DaemonSetController {
    fn name(&self) -> String {
        "kube-controller-manager/daemonset-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.sets = ctx.api.watch(WatchFilter::all(Kind::DaemonSet), None).ok();
        self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
        self.nodes_watch = ctx.api.watch(WatchFilter::all(Kind::Node), None).ok();
        let all = Selector::everything();
        let none = FieldSelector::default();
        for o in ctx.api.list(Kind::Node, None, &all, &none) {
            if let Object::Node(n) = &*o {
                self.nodes.insert(n.metadata.name.clone(), n.clone());
            }
        }
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.sets, self.pods, self.nodes_watch]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let mut dirty: BTreeMap<Key, bool> = BTreeMap::new();
        if let Some(w) = self.nodes_watch {
            for ev in ctx.api.poll(w) {
                let Object::Node(n) = &*ev.object else {
                    continue;
                };
                let name = n.metadata.name.clone();
                if ev.type_ == WatchType::Deleted {
                    self.nodes.remove(&name);
                } else {
                    // Only labels, taints and existence matter for the fit.
                    let same = self.nodes.get(&name).is_some_and(|b| {
                        b.metadata.labels == n.metadata.labels && b.spec.taints == n.spec.taints
                    });
                    self.nodes.insert(name.clone(), n.clone());
                    if same {
                        continue;
                    }
                }
                // The node's fit for every DaemonSet, again.
                let node = self.nodes.get(&name).cloned();
                for (key, st) in self.states.iter_mut() {
                    let Ok(o) = ctx.api.get(Kind::DaemonSet, &key.0, &key.1) else {
                        continue;
                    };
                    let Object::DaemonSet(ds) = &*o else { continue };
                    let new = node.as_ref().map(|n| node_fit(ds, n));
                    if new != st.fits.get(&name).copied() {
                        match new {
                            Some(f) => st.fits.insert(name.clone(), f),
                            None => st.fits.remove(&name),
                        };
                        st.dirty.insert(name.clone());
                        dirty.entry(key.clone()).or_default();
                    }
                }
            }
        }
        if let Some(w) = self.sets {
            for ev in ctx.api.poll(w) {
                let m = ev.object.meta();
                let key = (m.namespace.clone(), m.name.clone());
                if ev.type_ == WatchType::Deleted {
                    self.states.remove(&key);
                } else {
                    *dirty.entry(key).or_default() |= ev.type_ == WatchType::Added;
                }
            }
        }
        if let Some(w) = self.pods {
            let any_sets = ctx.api.store.count(Kind::DaemonSet) > 0;
            for ev in ctx.api.poll(w) {
                let Object::Pod(p) = &*ev.object else {
                    continue;
                };
                match controller_of(p) {
                    Some(o) if o.kind == "DaemonSet" => {
                        let key = (p.metadata.namespace.clone(), o.name.clone());
                        if let Some(st) = self.states.get_mut(&key) {
                            if st.uid == o.uid {
                                st.pod_event(p, ev.type_ == WatchType::Deleted);
                            }
                        }
                        dirty.entry(key).or_default();
                    }
                    None if any_sets && ev.type_ != WatchType::Deleted => {
                        let all = Selector::everything();
                        let none = FieldSelector::default();
                        let ns = p.metadata.namespace.clone();
                        for o in ctx.api.list(Kind::DaemonSet, Some(&ns), &all, &none) {
                            if let Object::DaemonSet(ds) = &*o {
                                if selector(ds).matches(&p.metadata.labels) {
                                    dirty.insert((ns.clone(), ds.metadata.name.clone()), true);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        while let Some((t, key)) = self.recheck.first().cloned() {
            if t > ctx.now {
                ctx.wake_at(t);
                break;
            }
            self.recheck.pop_first();
            dirty.entry(key).or_default();
        }
        for (key, adopt) in dirty {
            self.sync(ctx, &key, adopt);
        }
        // Our own status writes need no second look; our pod writes come back through
        // the pod watch and update the per-node state.
        if let Some(w) = self.sets {
            ctx.api.poll(w);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::Taint;
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    fn ds_yaml(image: &str, strategy: &str) -> String {
        format!("apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  updateStrategy:\n{strategy}  selector:\n    matchLabels:\n      app: agent\n  template:\n    metadata:\n      labels:\n        app: agent\n    spec:\n      containers:\n      - name: c\n        image: {image}\n")
    }

    /// (node, revision hash, terminating) of the DaemonSet's pods.
    fn pods(sh: &Shell) -> Vec<(String, String, bool)> {
        let mut v: Vec<_> = sh
            .cluster
            .api
            .list(
                Kind::Pod,
                Some("default"),
                &Selector::everything(),
                &FieldSelector::default(),
            )
            .iter()
            .filter_map(|o| match &**o {
                Object::Pod(p) => Some((
                    p.spec.node_name.clone(),
                    p.metadata
                        .labels
                        .get(CONTROLLER_REVISION_HASH)
                        .cloned()
                        .unwrap_or_default(),
                    p.metadata.deletion_timestamp.is_some(),
                )),
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn surge_starts_the_new_pod_before_the_old_one_goes() {
        let mut sh = Shell::new(ClusterConfig::default());
        let surge = "    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n";
        sh.exec("kubectl apply -f -", Some(&ds_yaml("nginx:1.27", surge)));
        sh.exec("sleep 10s", None);
        let before = pods(&sh);
        assert_eq!(before.len(), 3);
        sh.exec("kubectl apply -f -", Some(&ds_yaml("nginx:1.28", surge)));
        // One node has its old pod and the new one side by side; no node is without
        // a running pod.
        let during = pods(&sh);
        assert_eq!(during.len(), 4, "{during:?}");
        assert!(during.iter().all(|(_, _, terminating)| !terminating));
        sh.exec("sleep 60s", None);
        let after = pods(&sh);
        assert_eq!(after.len(), 3, "{after:?}");
        assert!(after.iter().all(|(_, h, _)| *h != before[0].1));
        let nodes: BTreeSet<_> = after.iter().map(|(n, _, _)| n.clone()).collect();
        assert_eq!(nodes.len(), 3);
    }

    #[test]
    fn a_relabelled_pod_is_released_and_replaced() {
        let mut sh = Shell::new(ClusterConfig::default());
        sh.exec(
            "kubectl apply -f -",
            Some(&ds_yaml("nginx:1.27", "    type: RollingUpdate\n")),
        );
        sh.exec("sleep 10s", None);
        let name = sh
            .cluster
            .api
            .list(
                Kind::Pod,
                Some("default"),
                &Selector::everything(),
                &FieldSelector::default(),
            )
            .first()
            .map(|o| o.meta().name.clone())
            .unwrap();
        let out = sh.exec(
            &format!("kubectl label pod {name} app=debug --overwrite"),
            None,
        );
        assert!(out.contains("labeled"), "{out}");
        sh.exec("sleep 10s", None);
        let o = sh.cluster.api.get(Kind::Pod, "default", &name).unwrap();
        assert!(o.meta().owner_references.is_empty(), "released");
        assert_eq!(pods(&sh).len(), 4, "a new pod took its place");
        let out = sh.exec("kubectl get ds agent", None);
        assert!(
            out.contains("agent   3         3         3       3            3"),
            "{out}"
        );
    }

    #[test]
    fn on_delete_waits_and_a_no_execute_taint_removes_the_pod() {
        let mut sh = Shell::new(ClusterConfig::default());
        let on_delete = "    type: OnDelete\n";
        sh.exec(
            "kubectl apply -f -",
            Some(&ds_yaml("nginx:1.27", on_delete)),
        );
        sh.exec("sleep 10s", None);
        let before = pods(&sh);
        sh.exec(
            "kubectl apply -f -",
            Some(&ds_yaml("nginx:1.28", on_delete)),
        );
        sh.exec("sleep 30s", None);
        assert_eq!(pods(&sh), before, "OnDelete leaves the pods alone");
        sh.exec("kubectl taint node node-1 dedicated=x:NoExecute", None);
        sh.exec("sleep 30s", None);
        let after = pods(&sh);
        assert_eq!(after.len(), 2, "{after:?}");
        assert!(after.iter().all(|(n, _, _)| n != "node-1"));
        let out = sh.exec("kubectl get ds agent", None);
        assert!(
            out.contains("agent   2         2         2       0            2"),
            "{out}"
        );
    }

    fn node(name: &str, labels: &[(&str, &str)], taints: &[(&str, &str)]) -> Node {
        let mut n = Node::default();
        n.metadata.name = name.into();
        for (k, v) in labels {
            n.metadata.labels.insert((*k).into(), (*v).into());
        }
        for (k, e) in taints {
            n.spec.taints.push(Taint {
                key: (*k).into(),
                effect: (*e).into(),
                ..Default::default()
            });
        }
        n
    }

    #[test]
    fn fit_follows_selector_and_taints() {
        let mut ds = DaemonSet::default();
        let plain = node("n1", &[], &[]);
        assert!(node_fit(&ds, &plain).should_run);
        let cp = node(
            "cp",
            &[],
            &[("node-role.kubernetes.io/control-plane", "NoSchedule")],
        );
        assert_eq!(
            node_fit(&ds, &cp),
            Fit {
                should_run: false,
                should_continue: true
            }
        );
        // The automatic tolerations cover a not-ready node and an unschedulable one.
        let nr = node(
            "n2",
            &[],
            &[
                ("node.kubernetes.io/not-ready", "NoExecute"),
                ("node.kubernetes.io/unschedulable", "NoSchedule"),
            ],
        );
        assert!(node_fit(&ds, &nr).should_run);
        let gone = node("n3", &[], &[("dedicated", "NoExecute")]);
        assert_eq!(node_fit(&ds, &gone), Fit::default());
        ds.spec
            .template
            .spec
            .node_selector
            .insert("disk".into(), "ssd".into());
        assert!(!node_fit(&ds, &plain).should_run);
        assert!(node_fit(&ds, &node("n4", &[("disk", "ssd")], &[])).should_run);
    }

    #[test]
    fn pods_are_pinned_by_a_match_fields_term() {
        let mut p = Pod::default();
        p.spec.affinity = Some(pin_to_node(None, "node-2"));
        assert_eq!(target_node(&p), Some("node-2"));
        p.spec.node_name = "node-3".into();
        assert_eq!(target_node(&p), Some("node-3"));
        let mut spec = crate::api::core_v1::PodSpec {
            host_network: true,
            ..Default::default()
        };
        add_daemon_tolerations(&mut spec);
        add_daemon_tolerations(&mut spec);
        assert_eq!(spec.tolerations.len(), 7);
    }
}
