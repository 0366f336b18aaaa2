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
//! DaemonSet, whether each node should run its pod, recomputed for one node when that
//! node changes and for all nodes only when the DaemonSet's spec changes. A sync reads
//! the DaemonSet's pods through the owner index.

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

/// Per DaemonSet: the spec the cache was computed for and each node's fit.
struct NodeFits {
    generation: i64,
    uid: String,
    fits: BTreeMap<String, Fit>,
}

pub struct DaemonSetController {
    sets: Option<WatchId>,
    pods: Option<WatchId>,
    nodes_watch: Option<WatchId>,
    nodes: BTreeMap<String, Arc<Node>>,
    fits: HashMap<Key, NodeFits>,
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
            fits: HashMap::new(),
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

    /// The fits of every node for a DaemonSet, computed again when its spec changed.
    fn fits_for(&mut self, ds: &DaemonSet) -> &BTreeMap<String, Fit> {
        let key = (ds.metadata.namespace.clone(), ds.metadata.name.clone());
        let generation = ds.metadata.generation.unwrap_or(0);
        let fresh = self
            .fits
            .get(&key)
            .is_some_and(|f| f.generation == generation && f.uid == ds.metadata.uid);
        if !fresh {
            let tolerations = daemon_tolerations(ds);
            let fits = self
                .nodes
                .iter()
                .map(|(n, node)| (n.clone(), node_fit_with(ds, &tolerations, node)))
                .collect();
            self.fits.insert(
                key.clone(),
                NodeFits {
                    generation,
                    uid: ds.metadata.uid.clone(),
                    fits,
                },
            );
        }
        &self.fits[&key].fits
    }

    /// A node changed: its fit for every DaemonSet we know, recomputed. Returns the
    /// DaemonSets whose fit for it changed.
    fn node_changed(&mut self, api: &ApiServer, name: &str, out: &mut BTreeSet<Key>) {
        let node = self.nodes.get(name).cloned();
        for (key, nf) in self.fits.iter_mut() {
            let Ok(o) = api.get(Kind::DaemonSet, &key.0, &key.1) else {
                continue;
            };
            let Object::DaemonSet(ds) = &*o else { continue };
            let new = node.as_ref().map(|n| node_fit(ds, n));
            let old = nf.fits.get(name).copied();
            if new != old {
                match new {
                    Some(f) => nf.fits.insert(name.to_string(), f),
                    None => nf.fits.remove(name),
                };
                out.insert(key.clone());
            }
        }
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

    /// The DaemonSet's pods (claimed through the owner index), by target node.
    fn pods_by_node(
        ctx: &mut ComponentCtx,
        ds: &DaemonSet,
        adopt: bool,
    ) -> BTreeMap<String, Vec<Arc<Pod>>> {
        let uid = &ds.metadata.uid;
        let sel = selector(ds);
        let mut out: BTreeMap<String, Vec<Arc<Pod>>> = BTreeMap::new();
        let mut add = |p: Arc<Pod>| {
            // Deleted pods that finished no longer count.
            if p.metadata.deletion_timestamp.is_some() && is_terminal(&p) {
                return;
            }
            if let Some(n) = target_node(&p) {
                out.entry(n.to_string()).or_default().push(p.clone());
            }
        };
        for o in ctx.api.store.owned_by(Kind::Pod, uid) {
            let Object::Pod(p) = &*o else { continue };
            if controller_of(p).is_none_or(|c| c.uid != *uid) {
                continue;
            }
            if !sel.matches(&p.metadata.labels) {
                let mut q = (**p).clone();
                q.metadata.owner_references.retain(|r| r.uid != *uid);
                let _ = ctx.api.update(q.into_object());
                continue;
            }
            add(p.clone());
        }
        if adopt && !sel.is_nothing() {
            let none = FieldSelector::default();
            let ns = ds.metadata.namespace.clone();
            for o in ctx.api.list(Kind::Pod, Some(&ns), &sel, &none) {
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
                        add(p.clone());
                    }
                }
            }
        }
        for pods in out.values_mut() {
            pods.sort_by_key(|p| (created(p), p.metadata.name.clone()));
        }
        out
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, (ns, name): &Key, adopt: bool) {
        let Ok(o) = ctx.api.get(Kind::DaemonSet, ns, name) else {
            self.fits.remove(&(ns.clone(), name.clone()));
            return;
        };
        let Object::DaemonSet(ds) = &*o else { return };
        let ds = (**ds).clone();
        if ds.metadata.deletion_timestamp.is_some() {
            return;
        }
        let Some(revs) = history::sync(
            ctx.api,
            &history::Parent {
                kind: "DaemonSet",
                meta: &ds.metadata,
                template: &ds.spec.template,
                add_hash_label: true,
                collision_count: ds.status.as_ref().and_then(|s| s.collision_count),
            },
        ) else {
            return;
        };
        let hash = revs
            .current
            .metadata
            .labels
            .get(CONTROLLER_REVISION_HASH)
            .cloned()
            .unwrap_or_default();
        let fits = self.fits_for(&ds).clone();
        let mut by_node = Self::pods_by_node(ctx, &ds, adopt);
        let surge =
            rolling_limits(&ds, 0).0 > 0 && ds.spec.update_strategy.type_ == "RollingUpdate";
        let min_ready = Millis::from(ds.spec.min_ready_seconds.max(0)) * 1000;

        // manage: create where missing, delete where the pod must not stay.
        let mut create: Vec<String> = Vec::new();
        let mut delete: Vec<String> = Vec::new();
        for (node, fit) in &fits {
            let pods = by_node.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if fit.should_run && pods.is_empty() {
                create.push(node.clone());
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
                        let is_new = p.metadata.labels.get(CONTROLLER_REVISION_HASH) == Some(&hash);
                        let slot = if is_new { &mut new } else { &mut old };
                        if slot.is_none() {
                            *slot = Some(*p);
                        } else {
                            delete.push(p.metadata.name.clone());
                        }
                    }
                    if let (Some(n), Some(o)) = (new, old) {
                        if ready_since(o).is_none() || is_available(n, min_ready, ctx.now) {
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
        // Unscheduled pods for nodes that are gone.
        for (node, pods) in &by_node {
            if !fits.contains_key(node) {
                for p in pods {
                    if p.spec.node_name.is_empty() && p.metadata.deletion_timestamp.is_none() {
                        delete.push(p.metadata.name.clone());
                    }
                }
            }
        }
        let changed = !create.is_empty() || !delete.is_empty();
        self.sync_nodes(ctx, &ds, &hash, &create, &delete);
        if changed {
            by_node = Self::pods_by_node(ctx, &ds, false);
        }

        // The rolling update, once the nodes are as they should be.
        if ds.spec.update_strategy.type_ == "RollingUpdate" && !changed {
            let desired = fits.values().filter(|f| f.should_run).count() as i32;
            let (max_surge, max_unavailable) = rolling_limits(&ds, desired);
            let (mut old_to_delete, mut new_nodes) = (Vec::new(), Vec::new());
            let mut allowed: Vec<String> = Vec::new();
            let mut candidates: Vec<String> = Vec::new();
            let mut counted = 0;
            for (node, pods) in &by_node {
                if !fits.get(node).is_some_and(|f| f.should_continue) {
                    continue;
                }
                let (mut new, mut old, mut ok) = (None, None, true);
                for p in pods
                    .iter()
                    .filter(|p| p.metadata.deletion_timestamp.is_none())
                {
                    let is_new = p.metadata.labels.get(CONTROLLER_REVISION_HASH) == Some(&hash);
                    let slot = if is_new { &mut new } else { &mut old };
                    if slot.is_some() {
                        ok = false;
                    }
                    *slot = Some(p.clone());
                }
                if max_surge == 0 {
                    match (ok, &new, &old) {
                        (false, _, _) | (_, None, None) | (_, Some(_), Some(_)) => counted += 1,
                        (_, Some(n), None) => {
                            if !is_available(n, min_ready, ctx.now) {
                                counted += 1;
                            }
                        }
                        (_, None, Some(o)) => {
                            if !is_available(o, min_ready, ctx.now) {
                                allowed.push(o.metadata.name.clone());
                            } else if counted < max_unavailable {
                                candidates.push(o.metadata.name.clone());
                            }
                        }
                    }
                } else {
                    match (ok, &new, &old) {
                        (false, _, _) => counted += 1,
                        (_, _, None) => {}
                        (_, None, Some(o)) => {
                            if !is_available(o, min_ready, ctx.now) {
                                allowed.push(node.clone());
                            } else if counted < max_surge {
                                candidates.push(node.clone());
                            }
                        }
                        (_, Some(n), Some(o)) => {
                            if is_available(n, min_ready, ctx.now) {
                                old_to_delete.push(o.metadata.name.clone());
                            } else {
                                counted += 1;
                            }
                        }
                    }
                }
            }
            let limit = if max_surge == 0 {
                max_unavailable
            } else {
                max_surge
            };
            let remaining = (limit - counted).max(0) as usize;
            candidates.truncate(remaining);
            if max_surge == 0 {
                old_to_delete.extend(allowed);
                old_to_delete.extend(candidates);
            } else {
                new_nodes.extend(allowed);
                new_nodes.extend(candidates);
            }
            if !old_to_delete.is_empty() || !new_nodes.is_empty() {
                self.sync_nodes(ctx, &ds, &hash, &new_nodes, &old_to_delete);
                by_node = Self::pods_by_node(ctx, &ds, false);
            }
        }

        // History: revisions no pod uses beyond the limit go.
        let live: BTreeSet<String> = by_node
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
        self.update_status(ctx, &ds, &fits, &by_node, &hash, revs.collision_count);
    }

    fn sync_nodes(
        &mut self,
        ctx: &mut ComponentCtx,
        ds: &DaemonSet,
        hash: &str,
        create: &[String],
        delete: &[String],
    ) {
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
    }

    fn update_status(
        &mut self,
        ctx: &mut ComponentCtx,
        ds: &DaemonSet,
        fits: &BTreeMap<String, Fit>,
        by_node: &BTreeMap<String, Vec<Arc<Pod>>>,
        hash: &str,
        collision_count: Option<i32>,
    ) {
        let min_ready = Millis::from(ds.spec.min_ready_seconds.max(0)) * 1000;
        let (mut desired, mut current, mut mis, mut ready, mut available, mut updated) =
            (0, 0, 0, 0, 0, 0);
        let mut next: Option<Millis> = None;
        for (node, fit) in fits {
            let pods = by_node.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if fit.should_run {
                desired += 1;
                let Some(p) = pods
                    .iter()
                    .min_by_key(|p| (created(p), phase_rank(p), p.metadata.name.clone()))
                else {
                    continue;
                };
                current += 1;
                if let Some(since) = ready_since(p) {
                    ready += 1;
                    if is_available(p, min_ready, ctx.now) {
                        available += 1;
                    } else {
                        let at = since + min_ready;
                        next = Some(next.map_or(at, |n: Millis| n.min(at)));
                    }
                }
                if p.metadata
                    .labels
                    .get(CONTROLLER_REVISION_HASH)
                    .map(String::as_str)
                    == Some(hash)
                {
                    updated += 1;
                }
            } else if !pods.is_empty() {
                mis += 1;
            }
        }
        // Pods on nodes we do not know (deleted nodes) are misscheduled too.
        mis += by_node.keys().filter(|n| !fits.contains_key(*n)).count() as i32;
        if let Some(t) = next {
            let key = (ds.metadata.namespace.clone(), ds.metadata.name.clone());
            self.recheck.insert((t, key));
            ctx.wake_at(t);
        }
        let mut st = ds.status.clone().unwrap_or_default();
        let before = st.clone();
        st.desired_number_scheduled = desired;
        st.current_number_scheduled = current;
        st.number_misscheduled = mis;
        st.number_ready = ready;
        st.number_available = available;
        st.number_unavailable = desired - available;
        st.updated_number_scheduled = updated;
        st.observed_generation = ds.metadata.generation.unwrap_or(0);
        st.collision_count = collision_count.or(st.collision_count);
        if ds.status.is_none() || st != before {
            let mut d = ds.clone();
            d.status = Some(st);
            let _ = ctx.api.update_status(d.into_object());
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
        let mut dirty: BTreeSet<Key> = BTreeSet::new();
        let mut adopt: BTreeSet<Key> = BTreeSet::new();
        if let Some(w) = self.nodes_watch {
            for ev in ctx.api.poll(w) {
                let Object::Node(n) = &*ev.object else {
                    continue;
                };
                let name = n.metadata.name.clone();
                let before = self.nodes.get(&name).cloned();
                if ev.type_ == WatchType::Deleted {
                    self.nodes.remove(&name);
                } else {
                    // Only labels, taints and existence matter for the fit.
                    let same = before.as_ref().is_some_and(|b| {
                        b.metadata.labels == n.metadata.labels && b.spec.taints == n.spec.taints
                    });
                    self.nodes.insert(name.clone(), n.clone());
                    if same {
                        continue;
                    }
                }
                self.node_changed(ctx.api, &name, &mut dirty);
            }
        }
        if let Some(w) = self.sets {
            for ev in ctx.api.poll(w) {
                let m = ev.object.meta();
                let key = (m.namespace.clone(), m.name.clone());
                if ev.type_ == WatchType::Deleted {
                    self.fits.remove(&key);
                } else {
                    if ev.type_ == WatchType::Added {
                        adopt.insert(key.clone());
                    }
                    dirty.insert(key);
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
                        dirty.insert((p.metadata.namespace.clone(), o.name.clone()));
                    }
                    None if any_sets && ev.type_ != WatchType::Deleted => {
                        let all = Selector::everything();
                        let none = FieldSelector::default();
                        let ns = p.metadata.namespace.clone();
                        for o in ctx.api.list(Kind::DaemonSet, Some(&ns), &all, &none) {
                            if let Object::DaemonSet(ds) = &*o {
                                if selector(ds).matches(&p.metadata.labels) {
                                    let key = (ns.clone(), ds.metadata.name.clone());
                                    adopt.insert(key.clone());
                                    dirty.insert(key);
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
            dirty.insert(key);
        }
        for key in dirty {
            let a = adopt.contains(&key);
            self.sync(ctx, &key, a);
        }
        // Our own writes need no second look now.
        for w in [self.sets, self.pods].into_iter().flatten() {
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
