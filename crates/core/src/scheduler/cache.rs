//! The scheduler cache (upstream `pkg/scheduler/internal/cache` plus the snapshot the
//! cycle reads): one [`NodeInfo`] per node, kept up to date incrementally from watch
//! events, and the indexes that keep every per-pod computation away from scans of all
//! pods:
//! - upstream's node tree: nodes grouped by zone (`region:\0:zone` from the topology
//!   labels), zones in the order first seen and nodes in each zone in the order added,
//!   listed round-robin over the zones: the order the cycle samples nodes in;
//! - a label index of assigned pods per namespace (`namespace -> key -> value -> pods`),
//!   which PodTopologySpread and InterPodAffinity use to find the pods a selector can
//!   match (the smallest equality bucket of the selector, else the namespace);
//! - a reverse index of existing pods' affinity terms by the first `key=value` their
//!   selector demands, so "which existing pods' (anti-)affinity terms match this
//!   incoming pod" looks only at terms that can match the incoming pod's labels;
//! - image states (image name -> size and number of nodes) for ImageLocality;
//! - the PersistentVolumeClaims, PersistentVolumes and StorageClasses VolumeBinding
//!   reads (upstream's PVC, PV and class listers).
//!
//! Pods count on `spec.nodeName` (or the node given to [`Cache::assume_pod`]); pods
//! without a node and pods in a terminal phase (Succeeded, Failed) are not cached, as
//! upstream's informer filters them out. A pod bound to a node the cache does not know
//! is kept on a placeholder until the node arrives (upstream's "imaginary node").

use std::collections::BTreeMap;
use std::sync::Arc;

use super::types::{AffinityTerm, NodeInfo, PodInfo, Symbols};
use super::{FxMap, FxSet};
use crate::api::core_v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod};
use crate::api::labels::{Operator, Selector};
use crate::api::policy_v1::PodDisruptionBudget;
use crate::api::storage_v1::StorageClass;

/// Which list of a pod's affinity terms a [`TermRef`] points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TermKind {
    RequiredAffinity,
    RequiredAntiAffinity,
    PreferredAffinity,
    PreferredAntiAffinity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct TermRef {
    slot: u32,
    kind: TermKind,
    idx: u16,
}

#[derive(Clone, Debug)]
struct PodSlot {
    info: Arc<PodInfo>,
    node: usize,
    assumed: bool,
    /// The pod has a deletionTimestamp (kept here so counting needs no pod reads).
    terminating: bool,
}

#[derive(Clone, Debug, Default)]
struct NsIndex {
    all: FxSet<u32>,
    labels: FxMap<String, FxMap<String, FxSet<u32>>>,
}

#[derive(Clone, Debug, Default)]
struct ImageState {
    size: i64,
    nodes: usize,
}

/// Where a selector's pods may live: explicit namespaces, or all of them.
#[derive(Clone, Copy, Debug)]
pub enum NsScope<'a> {
    /// Pods in one of these namespaces.
    Names(&'a [String]),
    /// Pods in any namespace.
    All,
}

/// The scheduler cache. See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    nodes: Vec<Option<NodeInfo>>,
    free_nodes: Vec<usize>,
    node_by_name: FxMap<String, usize>,
    /// Upstream `nodeTree`: zone key -> node slots, zones in the order first seen.
    zones: Vec<(String, Vec<usize>)>,
    /// The node tree's `list()`: slots of nodes with a Node object, one from each
    /// zone in turn.
    order: Vec<usize>,
    pod_slots: Vec<Option<PodSlot>>,
    free_pod_slots: Vec<u32>,
    pod_by_key: FxMap<String, u32>,
    label_index: FxMap<String, NsIndex>,
    term_index: FxMap<String, FxMap<String, FxSet<TermRef>>>,
    term_fallback: FxSet<TermRef>,
    images: FxMap<String, ImageState>,
    /// label key -> value -> how many nodes (with a Node object) carry it.
    node_label_values: FxMap<String, FxMap<String, usize>>,
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
    pdbs: BTreeMap<String, Arc<PodDisruptionBudget>>,
    /// Interned node label keys and values (see [`Symbols`]).
    symbols: Symbols,
    /// PersistentVolumeClaims (`namespace/name`), PersistentVolumes and
    /// StorageClasses, for VolumeBinding.
    pvcs: BTreeMap<String, Arc<PersistentVolumeClaim>>,
    pvs: BTreeMap<String, Arc<PersistentVolume>>,
    classes: BTreeMap<String, Arc<StorageClass>>,
}

/// Upstream `GetZoneKey`: `region:\0:zone` from the topology labels (or their
/// deprecated failure-domain forms), empty when the node has neither.
pub fn zone_key(node: &Node) -> String {
    let l = &node.metadata.labels;
    let get = |k: &str, old: &str| l.get(k).or_else(|| l.get(old)).map_or("", |v| v.as_str());
    let zone = get(
        "topology.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/zone",
    );
    let region = get(
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/region",
    );
    if zone.is_empty() && region.is_empty() {
        return String::new();
    }
    format!("{region}:\0:{zone}")
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().map(|s| s.phase.as_str()),
        Some("Succeeded" | "Failed")
    )
}

/// The first requirement a matching object must satisfy with one exact value.
fn first_equality_pair(sel: &Selector) -> Option<(&str, &str)> {
    sel.requirements()
        .iter()
        .find_map(|r| match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [v]) => {
                Some((r.key.as_str(), v.as_str()))
            }
            _ => None,
        })
}

impl Cache {
    /// An empty cache.
    pub fn new() -> Cache {
        Cache::default()
    }

    // ---------------------------------------------------------------- nodes

    fn alloc_node(&mut self, mut ni: NodeInfo) -> usize {
        if let Some(s) = self.free_nodes.pop() {
            if let Some(slot) = self.nodes.get_mut(s) {
                ni.slot = s as u32;
                *slot = Some(ni);
                return s;
            }
        }
        ni.slot = self.nodes.len() as u32;
        self.nodes.push(Some(ni));
        self.nodes.len() - 1
    }

    /// The interned node label keys and values.
    pub fn symbols(&self) -> &Symbols {
        &self.symbols
    }

    /// One more than the largest node slot ([`NodeInfo::slot`]).
    pub fn slot_bound(&self) -> usize {
        self.nodes.len()
    }

    /// Upstream `nodeTree.addNode`: appends the node to its zone and inserts it where
    /// the round-robin listing puts it (round `k`, its index in the zone, after the
    /// zones before its own that have a node in that round).
    fn tree_add(&mut self, slot: usize, zone: &str) {
        let zi = match self.zones.iter().position(|(z, _)| z == zone) {
            Some(i) => i,
            None => {
                self.zones.push((zone.to_string(), Vec::new()));
                self.zones.len() - 1
            }
        };
        let Some((_, own)) = self.zones.get(zi) else {
            return;
        };
        let k = own.len();
        let pos: usize = self
            .zones
            .iter()
            .enumerate()
            .map(|(i, (_, z))| z.len().min(k) + usize::from(i < zi && z.len() > k))
            .sum();
        if let Some((_, own)) = self.zones.get_mut(zi) {
            own.push(slot);
        }
        self.order.insert(pos.min(self.order.len()), slot);
    }

    /// Upstream `nodeTree.removeNode`, then the listing again.
    fn tree_remove(&mut self, slot: usize) {
        for (_, z) in &mut self.zones {
            z.retain(|s| *s != slot);
        }
        self.zones.retain(|(_, z)| !z.is_empty());
        let longest = self.zones.iter().map(|(_, z)| z.len()).max().unwrap_or(0);
        self.order.clear();
        for k in 0..longest {
            for (_, z) in &self.zones {
                if let Some(s) = z.get(k) {
                    self.order.push(*s);
                }
            }
        }
    }

    fn image_nodes_add(&mut self, slot: usize, delta: isize) {
        let Some(Some(ni)) = self.nodes.get(slot) else {
            return;
        };
        for (k, v) in &ni.node.metadata.labels {
            if delta > 0 {
                *self
                    .node_label_values
                    .entry(k.clone())
                    .or_default()
                    .entry(v.clone())
                    .or_default() += 1;
            } else if let Some(vals) = self.node_label_values.get_mut(k) {
                if let Some(c) = vals.get_mut(v) {
                    *c = c.saturating_sub(1);
                    if *c == 0 {
                        vals.remove(v);
                    }
                }
                if vals.is_empty() {
                    self.node_label_values.remove(k);
                }
            }
        }
        for (name, size) in &ni.images {
            if delta > 0 {
                let st = self.images.entry(name.clone()).or_default();
                if st.nodes == 0 {
                    st.size = *size;
                }
                st.nodes += 1;
            } else if let Some(st) = self.images.get_mut(name) {
                st.nodes = st.nodes.saturating_sub(1);
                if st.nodes == 0 {
                    self.images.remove(name);
                }
            }
        }
    }

    /// Adds a node, or updates it when already known (upstream `AddNode`/`UpdateNode`).
    pub fn add_node(&mut self, node: Arc<Node>) {
        let name = node.metadata.name.clone();
        match self.node_by_name.get(&name).copied() {
            Some(slot) => {
                let was_real = self
                    .nodes
                    .get(slot)
                    .and_then(|n| n.as_ref())
                    .is_some_and(|n| n.has_node);
                let old_zone = self
                    .nodes
                    .get(slot)
                    .and_then(|n| n.as_ref())
                    .map(|n| zone_key(&n.node));
                if was_real {
                    self.image_nodes_add(slot, -1);
                }
                let zone = zone_key(&node);
                if let Some(Some(ni)) = self.nodes.get_mut(slot) {
                    ni.set_node(node, &mut self.symbols);
                }
                self.image_nodes_add(slot, 1);
                if !was_real {
                    self.tree_add(slot, &zone);
                } else if old_zone.as_deref() != Some(zone.as_str()) {
                    // Upstream `nodeTree.updateNode`: a node that changed zone moves.
                    self.tree_remove(slot);
                    self.tree_add(slot, &zone);
                }
            }
            None => {
                let zone = zone_key(&node);
                let ni = NodeInfo::new(node, &mut self.symbols);
                let slot = self.alloc_node(ni);
                self.node_by_name.insert(name, slot);
                self.image_nodes_add(slot, 1);
                self.tree_add(slot, &zone);
            }
        }
    }

    /// Same as [`Cache::add_node`].
    pub fn update_node(&mut self, node: Arc<Node>) {
        self.add_node(node);
    }

    /// Removes a node. Pods still bound to it stay on a placeholder (not schedulable,
    /// not listed) until they are removed, as upstream.
    pub fn remove_node(&mut self, name: &str) {
        let Some(slot) = self.node_by_name.get(name).copied() else {
            return;
        };
        let is_real = self
            .nodes
            .get(slot)
            .and_then(|n| n.as_ref())
            .is_some_and(|n| n.has_node);
        if !is_real {
            return;
        }
        self.image_nodes_add(slot, -1);
        self.tree_remove(slot);
        let empty = match self.nodes.get_mut(slot) {
            Some(Some(ni)) => {
                ni.has_node = false;
                ni.images.clear();
                ni.pods.is_empty()
            }
            _ => false,
        };
        if empty {
            self.drop_node_slot(slot);
        }
    }

    fn drop_node_slot(&mut self, slot: usize) {
        if let Some(s) = self.nodes.get_mut(slot) {
            if let Some(ni) = s.take() {
                self.node_by_name.remove(&*ni.name);
                self.free_nodes.push(slot);
            }
        }
    }

    /// The number of nodes (with a Node object).
    pub fn num_nodes(&self) -> usize {
        self.order.len()
    }

    /// The i-th node in the node tree's order.
    pub fn node_at(&self, i: usize) -> Option<&NodeInfo> {
        self.order
            .get(i)
            .and_then(|s| self.nodes.get(*s))
            .and_then(|n| n.as_ref())
    }

    /// All nodes in the node tree's order.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeInfo> + '_ {
        self.order
            .iter()
            .filter_map(|s| self.nodes.get(*s).and_then(|n| n.as_ref()))
    }

    /// A node by name (None for unknown nodes and placeholders).
    pub fn node_info(&self, name: &str) -> Option<&NodeInfo> {
        let slot = *self.node_by_name.get(name)?;
        self.nodes
            .get(slot)
            .and_then(|n| n.as_ref())
            .filter(|n| n.has_node)
    }

    /// A node by its [`NodeInfo::slot`] (None for free slots and placeholders).
    pub fn node_by_slot(&self, slot: usize) -> Option<&NodeInfo> {
        self.nodes
            .get(slot)
            .and_then(|n| n.as_ref())
            .filter(|n| n.has_node)
    }

    /// The values of a node label key over all nodes, with how many nodes carry each
    /// (None when no node has the key).
    pub fn node_label_values(&self, key: &str) -> Option<&FxMap<String, usize>> {
        self.node_label_values.get(key)
    }

    /// How many nodes hold an image (ImageLocality's spread), 0 when none.
    pub fn image_num_nodes(&self, name: &str) -> usize {
        self.images.get(name).map_or(0, |s| s.nodes)
    }

    // ----------------------------------------------------------------- pods

    /// Adds (or replaces) an assigned pod on `spec.nodeName`. A pod without a node or in
    /// a terminal phase is removed instead (unless it is assumed and has no node yet).
    pub fn add_pod(&mut self, pod: Arc<Pod>) {
        let key = super::types::pod_key(&pod);
        if pod.spec.node_name.is_empty() {
            if !self.is_assumed(&key) {
                self.remove_pod(&key);
            }
            return;
        }
        if is_terminal(&pod) {
            self.remove_pod(&key);
            return;
        }
        let node = pod.spec.node_name.clone();
        self.put_pod(pod, &node, false);
    }

    /// Same as [`Cache::add_pod`].
    pub fn update_pod(&mut self, pod: Arc<Pod>) {
        self.add_pod(pod);
    }

    /// Counts `pod` on `node` before the binding is confirmed (upstream `AssumePod`).
    /// The pod's own `spec.nodeName` is ignored; a later [`Cache::add_pod`] of the bound
    /// pod confirms it.
    pub fn assume_pod(&mut self, pod: Arc<Pod>, node: &str) {
        let pod = if pod.spec.node_name == node {
            pod
        } else {
            let mut p = (*pod).clone();
            p.spec.node_name = node.to_string();
            Arc::new(p)
        };
        self.put_pod(pod, node, true);
    }

    /// Drops an assumed pod whose binding failed (upstream `ForgetPod`); confirmed pods
    /// are left alone.
    pub fn forget_pod(&mut self, key: &str) {
        if self.is_assumed(key) {
            self.remove_pod(key);
        }
    }

    /// Whether the pod is assumed and not yet confirmed by an add.
    pub fn is_assumed(&self, key: &str) -> bool {
        self.pod_by_key
            .get(key)
            .and_then(|s| self.pod_slots.get(*s as usize))
            .and_then(|p| p.as_ref())
            .is_some_and(|p| p.assumed)
    }

    /// Removes a pod by `namespace/name`.
    pub fn remove_pod(&mut self, key: &str) {
        let Some(slot) = self.pod_by_key.remove(key) else {
            return;
        };
        let Some(ps) = self.pod_slots.get_mut(slot as usize).and_then(|p| p.take()) else {
            return;
        };
        self.free_pod_slots.push(slot);
        self.unindex_pod(slot, &ps.info);
        let drop_slot = match self.nodes.get_mut(ps.node) {
            Some(Some(ni)) => {
                ni.remove_pod(key);
                !ni.has_node && ni.pods.is_empty()
            }
            _ => false,
        };
        if drop_slot {
            self.drop_node_slot(ps.node);
        }
    }

    /// A cached pod by key.
    pub fn pod(&self, key: &str) -> Option<&Arc<PodInfo>> {
        self.pod_by_key
            .get(key)
            .and_then(|s| self.pod_slots.get(*s as usize))
            .and_then(|p| p.as_ref())
            .map(|p| &p.info)
    }

    /// The number of cached pods.
    pub fn num_pods(&self) -> usize {
        self.pod_by_key.len()
    }

    fn put_pod(&mut self, pod: Arc<Pod>, node: &str, assumed: bool) {
        let key = super::types::pod_key(&pod);
        self.remove_pod(&key);
        let info = Arc::new(PodInfo::new(pod));
        let node_slot = match self.node_by_name.get(node) {
            Some(s) => *s,
            None => {
                let mut ni = NodeInfo::new(Arc::new(Node::default()), &mut self.symbols);
                ni.name = Arc::from(node);
                ni.has_node = false;
                let s = self.alloc_node(ni);
                self.node_by_name.insert(node.to_string(), s);
                s
            }
        };
        if let Some(Some(ni)) = self.nodes.get_mut(node_slot) {
            ni.add_pod(info.clone());
        }
        let slot = match self.free_pod_slots.pop() {
            Some(s) => s,
            None => {
                self.pod_slots.push(None);
                (self.pod_slots.len() - 1) as u32
            }
        };
        self.index_pod(slot, &info);
        if let Some(p) = self.pod_slots.get_mut(slot as usize) {
            *p = Some(PodSlot {
                terminating: info.is_terminating(),
                info,
                node: node_slot,
                assumed,
            });
        }
        self.pod_by_key.insert(key, slot);
    }

    fn pod_terms(info: &PodInfo) -> Vec<(TermKind, usize, &AffinityTerm)> {
        let mut out = Vec::new();
        for (i, t) in info.required_affinity_terms.iter().enumerate() {
            out.push((TermKind::RequiredAffinity, i, t));
        }
        for (i, t) in info.required_anti_affinity_terms.iter().enumerate() {
            out.push((TermKind::RequiredAntiAffinity, i, t));
        }
        for (i, t) in info.preferred_affinity_terms.iter().enumerate() {
            out.push((TermKind::PreferredAffinity, i, &t.term));
        }
        for (i, t) in info.preferred_anti_affinity_terms.iter().enumerate() {
            out.push((TermKind::PreferredAntiAffinity, i, &t.term));
        }
        out
    }

    fn index_pod(&mut self, slot: u32, info: &PodInfo) {
        let idx = self
            .label_index
            .entry(info.pod.metadata.namespace.clone())
            .or_default();
        idx.all.insert(slot);
        for (k, v) in &info.pod.metadata.labels {
            idx.labels
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .insert(slot);
        }
        for (kind, i, t) in Self::pod_terms(info) {
            let r = TermRef {
                slot,
                kind,
                idx: i.min(u16::MAX as usize) as u16,
            };
            if t.selector.is_nothing() {
                continue;
            }
            match first_equality_pair(&t.selector) {
                Some((k, v)) => {
                    self.term_index
                        .entry(k.to_string())
                        .or_default()
                        .entry(v.to_string())
                        .or_default()
                        .insert(r);
                }
                None => {
                    self.term_fallback.insert(r);
                }
            }
        }
    }

    fn unindex_pod(&mut self, slot: u32, info: &PodInfo) {
        let ns = &info.pod.metadata.namespace;
        let mut drop_ns = false;
        if let Some(idx) = self.label_index.get_mut(ns) {
            idx.all.remove(&slot);
            for (k, v) in &info.pod.metadata.labels {
                let mut drop_key = false;
                if let Some(vals) = idx.labels.get_mut(k) {
                    let mut drop_val = false;
                    if let Some(set) = vals.get_mut(v) {
                        set.remove(&slot);
                        drop_val = set.is_empty();
                    }
                    if drop_val {
                        vals.remove(v);
                    }
                    drop_key = vals.is_empty();
                }
                if drop_key {
                    idx.labels.remove(k);
                }
            }
            drop_ns = idx.all.is_empty();
        }
        if drop_ns {
            self.label_index.remove(ns);
        }
        for (kind, i, t) in Self::pod_terms(info) {
            let r = TermRef {
                slot,
                kind,
                idx: i.min(u16::MAX as usize) as u16,
            };
            match first_equality_pair(&t.selector) {
                Some((k, v)) => {
                    let mut drop_key = false;
                    if let Some(vals) = self.term_index.get_mut(k) {
                        let mut drop_val = false;
                        if let Some(set) = vals.get_mut(v) {
                            set.remove(&r);
                            drop_val = set.is_empty();
                        }
                        if drop_val {
                            vals.remove(v);
                        }
                        drop_key = vals.is_empty();
                    }
                    if drop_key {
                        self.term_index.remove(k);
                    }
                }
                None => {
                    self.term_fallback.remove(&r);
                }
            }
        }
    }

    // ------------------------------------------------------------- queries

    /// Calls `f` for every cached pod on a real node whose namespace is in `scope` and
    /// whose labels match `selector`, with the node it is on. Only the smallest
    /// equality bucket of the selector (or the namespace) is examined.
    pub fn for_each_matching_pod<F>(&self, scope: NsScope<'_>, selector: &Selector, mut f: F)
    where
        F: FnMut(&PodInfo, &NodeInfo),
    {
        self.for_each_matching_slot(scope, selector, |ps| {
            if let Some(ni) = self.node_by_slot(ps.node) {
                f(&ps.info, ni);
            }
        });
    }

    /// How many non-terminating cached pods in `namespace` match `selector`, per node
    /// slot ([`NodeInfo::slot`]; placeholders may appear, callers look nodes up).
    /// Reads only the cache's own pod table: PodTopologySpread's counting.
    pub fn count_matching_pods_by_node(
        &self,
        namespace: &str,
        selector: &Selector,
    ) -> FxMap<u32, i64> {
        let mut m: FxMap<u32, i64> = FxMap::default();
        let nss = [namespace.to_string()];
        self.for_each_matching_slot(NsScope::Names(&nss), selector, |ps| {
            if !ps.terminating {
                *m.entry(ps.node as u32).or_default() += 1;
            }
        });
        m
    }

    fn for_each_matching_slot<F>(&self, scope: NsScope<'_>, selector: &Selector, mut f: F)
    where
        F: FnMut(&PodSlot),
    {
        if selector.is_nothing() {
            return;
        }
        // Single-value equality requirements are answered by the index (the pod is in
        // the requirement's bucket); the others are checked on the pod's labels.
        let is_eq = |r: &&crate::api::labels::Requirement| {
            matches!(
                (r.operator, r.values.as_slice()),
                (
                    Operator::Equals | Operator::DoubleEquals | Operator::In,
                    [_]
                )
            )
        };
        let others: Vec<&crate::api::labels::Requirement> = selector
            .requirements()
            .iter()
            .filter(|r| !is_eq(r))
            .collect();
        let mut visit = |idx: &NsIndex| {
            let mut eq_sets: Vec<&FxSet<u32>> = Vec::new();
            for r in selector.requirements().iter().filter(is_eq) {
                let set = r
                    .values
                    .first()
                    .and_then(|v| idx.labels.get(&r.key).and_then(|m| m.get(v)));
                match set {
                    None => return,
                    Some(s) => eq_sets.push(s),
                }
            }
            // Walk the smallest bucket; membership in the others is a set lookup.
            let best = (0..eq_sets.len()).min_by_key(|i| eq_sets.get(*i).map_or(0, |s| s.len()));
            let set = best
                .and_then(|i| eq_sets.get(i).copied())
                .unwrap_or(&idx.all);
            for slot in set {
                let in_all = eq_sets
                    .iter()
                    .enumerate()
                    .all(|(i, s)| Some(i) == best || s.contains(slot));
                if !in_all {
                    continue;
                }
                let Some(Some(ps)) = self.pod_slots.get(*slot as usize) else {
                    continue;
                };
                if !others.is_empty() {
                    let labels = &ps.info.pod.metadata.labels;
                    if !others.iter().all(|r| r.matches(labels)) {
                        continue;
                    }
                }
                f(ps);
            }
        };
        match scope {
            NsScope::Names(names) => {
                for (i, n) in names.iter().enumerate() {
                    if names[..i].contains(n) {
                        continue;
                    }
                    if let Some(idx) = self.label_index.get(n) {
                        visit(idx);
                    }
                }
            }
            NsScope::All => {
                let mut keys: Vec<&String> = self.label_index.keys().collect();
                keys.sort();
                for k in keys {
                    if let Some(idx) = self.label_index.get(k) {
                        visit(idx);
                    }
                }
            }
        }
    }

    /// Calls `f` for every affinity term of an existing pod (on a real node) that could
    /// match a pod with `labels` (the caller still checks `AffinityTerm::matches`):
    /// `f(existing pod, kind, term index, node)`.
    pub fn for_each_existing_term<F>(&self, labels: &BTreeMap<String, String>, mut f: F)
    where
        F: FnMut(&PodInfo, TermKind, usize, &NodeInfo),
    {
        let mut visit = |r: &TermRef| {
            let Some(Some(ps)) = self.pod_slots.get(r.slot as usize) else {
                return;
            };
            if let Some(ni) = self.node_by_slot(ps.node) {
                f(&ps.info, r.kind, r.idx as usize, ni);
            }
        };
        for (k, v) in labels {
            if let Some(set) = self.term_index.get(k).and_then(|m| m.get(v)) {
                for r in set {
                    visit(r);
                }
            }
        }
        for r in &self.term_fallback {
            visit(r);
        }
    }

    // --------------------------------------------------- namespaces, PDBs

    /// Records a namespace's labels (for affinity terms' `namespaceSelector`).
    pub fn set_namespace(&mut self, name: &str, labels: BTreeMap<String, String>) {
        self.namespaces.insert(name.to_string(), labels);
    }

    /// Forgets a namespace.
    pub fn remove_namespace(&mut self, name: &str) {
        self.namespaces.remove(name);
    }

    /// A namespace's labels, if known.
    pub fn namespace_labels(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.namespaces.get(name)
    }

    /// Known namespaces with their labels, by name.
    pub fn namespaces(&self) -> impl Iterator<Item = (&String, &BTreeMap<String, String>)> {
        self.namespaces.iter()
    }

    /// Adds or replaces a PodDisruptionBudget (preemption respects them).
    pub fn set_pdb(&mut self, pdb: Arc<PodDisruptionBudget>) {
        let key = format!("{}/{}", pdb.metadata.namespace, pdb.metadata.name);
        self.pdbs.insert(key, pdb);
    }

    /// Removes a PodDisruptionBudget by `namespace/name`.
    pub fn remove_pdb(&mut self, key: &str) {
        self.pdbs.remove(key);
    }

    /// The PodDisruptionBudgets, by key.
    pub fn set_pvc(&mut self, c: Arc<PersistentVolumeClaim>) {
        let key = format!("{}/{}", c.metadata.namespace, c.metadata.name);
        self.pvcs.insert(key, c);
    }

    pub fn remove_pvc(&mut self, key: &str) {
        self.pvcs.remove(key);
    }

    /// A claim by `namespace/name`.
    pub fn pvc(&self, key: &str) -> Option<&Arc<PersistentVolumeClaim>> {
        self.pvcs.get(key)
    }

    pub fn set_pv(&mut self, v: Arc<PersistentVolume>) {
        self.pvs.insert(v.metadata.name.clone(), v);
    }

    pub fn remove_pv(&mut self, name: &str) {
        self.pvs.remove(name);
    }

    pub fn pv(&self, name: &str) -> Option<&Arc<PersistentVolume>> {
        self.pvs.get(name)
    }

    /// Every PersistentVolume, by name.
    pub fn pvs(&self) -> impl Iterator<Item = &Arc<PersistentVolume>> {
        self.pvs.values()
    }

    pub fn set_storage_class(&mut self, c: Arc<StorageClass>) {
        self.classes.insert(c.metadata.name.clone(), c);
    }

    pub fn remove_storage_class(&mut self, name: &str) {
        self.classes.remove(name);
    }

    pub fn storage_class(&self, name: &str) -> Option<&Arc<StorageClass>> {
        self.classes.get(name)
    }

    pub fn pdbs(&self) -> impl Iterator<Item = &Arc<PodDisruptionBudget>> {
        self.pdbs.values()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::api::core_v1::{Container, NodeStatus, ResourceRequirements};
    use crate::api::Quantity;

    pub fn node(name: &str, cpu: &str, mem: &str) -> Node {
        let mut n = Node::default();
        n.metadata.name = name.to_string();
        n.metadata
            .labels
            .insert("kubernetes.io/hostname".into(), name.into());
        let mut st = NodeStatus::default();
        for (k, v) in [("cpu", cpu), ("memory", mem), ("pods", "110")] {
            st.allocatable
                .insert(k.to_string(), Quantity::parse(v).expect("quantity"));
        }
        n.status = Some(st);
        n
    }

    pub fn pod(ns: &str, name: &str, cpu: &str, mem: &str) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = name.to_string();
        p.metadata.namespace = ns.to_string();
        let mut c = Container {
            name: "c".into(),
            image: "nginx".into(),
            ..Default::default()
        };
        let mut r = ResourceRequirements::default();
        if !cpu.is_empty() {
            r.requests
                .insert("cpu".into(), Quantity::parse(cpu).expect("q"));
        }
        if !mem.is_empty() {
            r.requests
                .insert("memory".into(), Quantity::parse(mem).expect("q"));
        }
        c.resources = r;
        p.spec.containers.push(c);
        p
    }

    pub fn on(mut p: Pod, node: &str) -> Pod {
        p.spec.node_name = node.to_string();
        p
    }

    #[test]
    fn incremental_requests_and_order() {
        let mut c = Cache::new();
        c.add_node(Arc::new(node("b", "4", "8Gi")));
        c.add_node(Arc::new(node("a", "4", "8Gi")));
        c.add_node(Arc::new(node("c", "4", "8Gi")));
        let names: Vec<&str> = c.nodes().map(|n| &*n.name).collect();
        assert_eq!(names, vec!["b", "a", "c"]);
        c.add_pod(Arc::new(on(pod("default", "p1", "1", "1Gi"), "b")));
        c.add_pod(Arc::new(on(pod("default", "p2", "", ""), "b")));
        let b = c.node_info("b").expect("b");
        assert_eq!(b.requested.milli_cpu, 1000);
        assert_eq!(b.non_zero_requested.milli_cpu, 1100);
        assert_eq!(b.non_zero_requested.memory, (1 << 30) + 200 * 1024 * 1024);
        assert_eq!(b.pods.len(), 2);
        // Moving a pod (update with another node) moves its requests.
        c.update_pod(Arc::new(on(pod("default", "p1", "1", "1Gi"), "c")));
        assert_eq!(c.node_info("b").map(|n| n.requested.milli_cpu), Some(0));
        assert_eq!(c.node_info("c").map(|n| n.requested.milli_cpu), Some(1000));
        c.remove_pod("default/p1");
        assert_eq!(c.node_info("c").map(|n| n.pods.len()), Some(0));
        // Assume then forget.
        c.assume_pod(Arc::new(pod("default", "p3", "2", "")), "a");
        assert!(c.is_assumed("default/p3"));
        assert_eq!(c.node_info("a").map(|n| n.requested.milli_cpu), Some(2000));
        c.forget_pod("default/p3");
        assert_eq!(c.node_info("a").map(|n| n.requested.milli_cpu), Some(0));
        // A pod on an unknown node waits on a placeholder, not listed.
        c.add_pod(Arc::new(on(pod("default", "p4", "1", ""), "zz")));
        assert_eq!(c.num_nodes(), 3);
        c.add_node(Arc::new(node("zz", "1", "1Gi")));
        assert_eq!(c.node_info("zz").map(|n| n.pods.len()), Some(1));
        c.remove_node("b");
        let names: Vec<&str> = c.nodes().map(|n| &*n.name).collect();
        assert_eq!(names, vec!["a", "c", "zz"]);
    }

    #[test]
    fn node_tree_lists_zones_round_robin() {
        // Upstream TestNodeTree_List-style: zones in the order first seen, nodes in
        // each zone in the order added, one per zone in turn.
        let mut c = Cache::new();
        let zoned = |name: &str, zone: &str| {
            let mut n = node(name, "1", "1Gi");
            n.metadata
                .labels
                .insert("topology.kubernetes.io/zone".into(), zone.into());
            Arc::new(n)
        };
        for (n, z) in [
            ("a1", "a"),
            ("a2", "a"),
            ("b1", "b"),
            ("a3", "a"),
            ("c1", "c"),
            ("b2", "b"),
        ] {
            c.add_node(zoned(n, z));
        }
        let names = |c: &Cache| c.nodes().map(|n| n.name.to_string()).collect::<Vec<_>>();
        assert_eq!(names(&c), ["a1", "b1", "c1", "a2", "b2", "a3"]);
        c.add_node(Arc::new(node("none", "1", "1Gi")));
        assert_eq!(names(&c), ["a1", "b1", "c1", "none", "a2", "b2", "a3"]);
        // Removing a node lists again; a zone change moves the node to its new zone.
        c.remove_node("b1");
        assert_eq!(names(&c), ["a1", "b2", "c1", "none", "a2", "a3"]);
        c.add_node(zoned("a1", "c"));
        assert_eq!(names(&c), ["a2", "b2", "c1", "none", "a3", "a1"]);
        assert_eq!(c.node_at(4).map(|n| &*n.name), Some("a3"));
    }

    #[test]
    fn label_index_finds_matching_pods() {
        let mut c = Cache::new();
        c.add_node(Arc::new(node("a", "4", "8Gi")));
        for i in 0..5 {
            let mut p = on(pod("default", &format!("p{i}"), "", ""), "a");
            p.metadata
                .labels
                .insert("app".into(), if i < 3 { "web" } else { "db" }.into());
            c.add_pod(Arc::new(p));
        }
        let sel = Selector::parse("app=web").expect("sel");
        let mut n = 0;
        c.for_each_matching_pod(NsScope::Names(&["default".to_string()]), &sel, |_, _| {
            n += 1
        });
        assert_eq!(n, 3);
        let sel = Selector::parse("app").expect("sel");
        let mut n = 0;
        c.for_each_matching_pod(NsScope::All, &sel, |_, _| n += 1);
        assert_eq!(n, 5);
        c.remove_pod("default/p0");
        let sel = Selector::parse("app=web").expect("sel");
        let mut n = 0;
        c.for_each_matching_pod(NsScope::All, &sel, |_, _| n += 1);
        assert_eq!(n, 2);
    }
}
