//! PodTopologySpread: `topologySpreadConstraints` as upstream v1.33, including
//! `minDomains`, `matchLabelKeys`, `nodeAffinityPolicy` (default Honor) and
//! `nodeTaintsPolicy` (default Ignore). DoNotSchedule constraints filter
//! (`matching pods in the domain + self - global minimum <= maxSkew`); ScheduleAnyway
//! constraints score. A pod without constraints gets the system default constraints
//! (hostname maxSkew 3, zone maxSkew 5, both ScheduleAnyway) with the selector the
//! caller passes in [`Handle::default_spread_selector`] (none: no default spreading).
//!
//! Counting uses the cache's label index: only pods the selector can match are visited
//! (not every pod on every node); the filter still walks the node list once to learn
//! the domains (every eligible node's domain counts, even with zero pods).

use std::sync::Arc;

use super::node_affinity::RequiredNodeAffinity;
use super::{do_not_schedule_taint, find_matching_untolerated_taint};
use crate::api::core_v1::{Pod, TopologySpreadConstraint};
use crate::api::labels::{Operator, Requirement, Selector};
use crate::scheduler::framework::{
    filter_each, rejection, score_each_with, Code, CycleState, FilterPlugin, Handle, Plugin,
    PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::types::{NodeInfo, PodInfo, Sym, Symbols};
use crate::scheduler::{FxMap, FxSet};

/// Upstream `ErrReasonConstraintsNotMatch`.
pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";
/// Upstream `ErrReasonNodeLabelNotMatch`.
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
const LABEL_ZONE: &str = "topology.kubernetes.io/zone";
/// When no node label is the empty string: the domain of nodes without the topology
/// key when scoring (upstream counts them under the empty value; no interned symbol
/// takes this number).
const NO_DOMAIN: Sym = Sym::MAX;

/// The PodTopologySpread plugin.
pub struct PodTopologySpread;

/// A parsed constraint (upstream `topologySpreadConstraint`).
#[derive(Clone, Debug)]
pub struct Constraint {
    pub max_skew: i32,
    pub topology_key: String,
    /// The interned topology key (None: no node carries it), set by
    /// [`Constraint::intern`].
    pub key_sym: Option<Sym>,
    /// Whether the topology key is `kubernetes.io/hostname` (one domain per node).
    pub is_hostname: bool,
    pub selector: Selector,
    pub min_domains: i32,
    pub node_affinity_honor: bool,
    pub node_taints_honor: bool,
}

impl Constraint {
    /// Resolves the topology key against the cache's node label symbols.
    fn intern(&mut self, syms: &Symbols) {
        self.key_sym = syms.get(&self.topology_key);
    }

    /// The node's domain for this constraint (its topology label value).
    #[inline]
    fn domain(&self, node: &NodeInfo) -> Option<Sym> {
        self.key_sym.and_then(|k| node.label_sym(k))
    }

    fn match_node_inclusion_policies(
        &self,
        pod: &Pod,
        node: &NodeInfo,
        required: &RequiredNodeAffinity,
    ) -> bool {
        if self.node_affinity_honor && !required.matches(node) {
            return false;
        }
        if self.node_taints_honor
            && find_matching_untolerated_taint(
                &node.taints,
                &pod.spec.tolerations,
                do_not_schedule_taint,
            )
            .is_some()
        {
            return false;
        }
        true
    }
}

/// Upstream `filterTopologySpreadConstraints` for one `whenUnsatisfiable` action.
pub fn filter_constraints(
    constraints: &[TopologySpreadConstraint],
    pod_labels: &std::collections::BTreeMap<String, String>,
    action: &str,
) -> Result<Vec<Constraint>, String> {
    let mut out = Vec::new();
    for c in constraints
        .iter()
        .filter(|c| c.when_unsatisfiable == action)
    {
        let mut selector = Selector::from_optional_label_selector(c.label_selector.as_ref())?;
        if !c.match_label_keys.is_empty() {
            let mut reqs: Vec<Requirement> = Vec::new();
            for k in &c.match_label_keys {
                if let Some(v) = pod_labels.get(k) {
                    if let Ok(r) = Requirement::new(k, Operator::In, vec![v.clone()], "") {
                        reqs.push(r);
                    }
                }
            }
            if !reqs.is_empty() && !selector.is_nothing() {
                reqs.extend(selector.requirements().iter().cloned());
                selector = Selector::from_requirements(reqs);
            }
        }
        out.push(Constraint {
            max_skew: c.max_skew,
            topology_key: c.topology_key.clone(),
            key_sym: None,
            is_hostname: c.topology_key == LABEL_HOSTNAME,
            selector,
            min_domains: c.min_domains.unwrap_or(1),
            node_affinity_honor: c.node_affinity_policy.as_deref() != Some("Ignore"),
            node_taints_honor: c.node_taints_policy.as_deref() == Some("Honor"),
        });
    }
    Ok(out)
}

/// The system default constraints (ScheduleAnyway only) with the caller's selector.
fn default_constraints(h: &Handle<'_>, action: &str) -> Vec<Constraint> {
    if action != "ScheduleAnyway" {
        return Vec::new();
    }
    let Some(sel) = h.default_spread_selector else {
        return Vec::new();
    };
    if sel.is_empty() || sel.is_nothing() {
        return Vec::new();
    }
    [(LABEL_HOSTNAME, 3), (LABEL_ZONE, 5)]
        .into_iter()
        .map(|(k, skew)| Constraint {
            max_skew: skew,
            topology_key: k.to_string(),
            key_sym: None,
            is_hostname: k == LABEL_HOSTNAME,
            selector: sel.clone(),
            min_domains: 1,
            node_affinity_honor: true,
            node_taints_honor: false,
        })
        .collect()
}

fn constraints_for(h: &Handle<'_>, pod: &Pod, action: &str) -> Result<Vec<Constraint>, String> {
    let mut cs = if pod.spec.topology_spread_constraints.is_empty() {
        default_constraints(h, action)
    } else {
        filter_constraints(
            &pod.spec.topology_spread_constraints,
            &pod.metadata.labels,
            action,
        )?
    };
    for c in &mut cs {
        c.intern(h.cache.symbols());
    }
    Ok(cs)
}

fn node_has_all_keys(node: &NodeInfo, cs: &[Constraint]) -> bool {
    cs.iter().all(|c| c.domain(node).is_some())
}

/// Matching, non-terminating pods of the pod's namespace per node slot
/// (upstream `countPodsMatchSelector`, summed through the label index).
fn counts_by_node(h: &Handle<'_>, ns: &str, sel: &Selector) -> FxMap<u32, i64> {
    if sel.is_empty() {
        return FxMap::default();
    }
    h.cache.count_matching_pods_by_node(ns, sel)
}

#[derive(Clone)]
struct PreFilterState {
    constraints: Vec<Constraint>,
    /// Per constraint: domain -> matching pods.
    tp_value_to_match_num: Vec<FxMap<Sym, i64>>,
    min_match: Vec<i64>,
    /// Per constraint: 1 when the incoming pod matches its own selector.
    self_match: Vec<i64>,
    required: RequiredNodeAffinity,
}

impl PreFilterState {
    fn recompute_min(&mut self, i: usize) {
        let m = self
            .tp_value_to_match_num
            .get(i)
            .and_then(|m| m.values().min().copied())
            .unwrap_or(i32::MAX as i64);
        if let Some(slot) = self.min_match.get_mut(i) {
            *slot = m;
        }
    }

    fn update_with_pod(&mut self, updated: &PodInfo, preemptor: &Pod, node: &NodeInfo, delta: i64) {
        if updated.pod.metadata.namespace != preemptor.metadata.namespace {
            return;
        }
        if !node_has_all_keys(node, &self.constraints) {
            return;
        }
        for i in 0..self.constraints.len() {
            let Some(c) = self.constraints.get(i) else {
                continue;
            };
            if !c.selector.matches(&updated.pod.metadata.labels) {
                continue;
            }
            if !c.match_node_inclusion_policies(preemptor, node, &self.required) {
                continue;
            }
            let Some(v) = c.domain(node) else {
                continue;
            };
            if let Some(m) = self.tp_value_to_match_num.get_mut(i) {
                *m.entry(v).or_default() += delta;
            }
            self.recompute_min(i);
        }
    }
}

impl Plugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }
}

impl PreFilterPlugin for PodTopologySpread {
    fn pre_filter(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
    ) -> (PreFilterResult, Status) {
        let constraints = match constraints_for(h, &pod.pod, "DoNotSchedule") {
            Ok(c) => c,
            Err(e) => {
                return (
                    None,
                    Status::error(format!(
                        "obtaining pod's hard topology spread constraints: {e}"
                    )),
                )
            }
        };
        if constraints.is_empty() {
            return (None, Status::skip());
        }
        let required = RequiredNodeAffinity::new(&pod.pod, h.cache.symbols());
        let ns = &pod.pod.metadata.namespace;
        let counts: Vec<FxMap<u32, i64>> = constraints
            .iter()
            .map(|c| counts_by_node(h, ns, &c.selector))
            .collect();
        let syms = h.cache.symbols();
        let mut tp: Vec<FxMap<Sym, i64>> = vec![FxMap::default(); constraints.len()];
        // Fast path: every constraint on one topology key and every node eligible
        // (no node affinity to honor, taints ignored): the domains are the key's values
        // over all nodes (from the cache's index), the counts the matching pods on
        // nodes with the key. Same maps as the walk below.
        let one_key = constraints
            .first()
            .map(|c0| {
                constraints
                    .iter()
                    .all(|c| c.topology_key == c0.topology_key)
            })
            .unwrap_or(false);
        let all_eligible = constraints
            .iter()
            .all(|c| (!c.node_affinity_honor || required.is_trivial()) && !c.node_taints_honor);
        if one_key && all_eligible {
            let Some(c0) = constraints.first() else {
                return (None, Status::skip());
            };
            let domains = h.cache.node_label_values(&c0.topology_key);
            for (i, m) in tp.iter_mut().enumerate() {
                if let Some(d) = domains {
                    m.reserve(d.len());
                    for v in d.keys().filter_map(|v| syms.get(v)) {
                        m.insert(v, 0);
                    }
                }
                let Some(per_node) = counts.get(i) else {
                    continue;
                };
                for (slot, n) in per_node {
                    let Some(node) = h.cache.node_by_slot(*slot as usize) else {
                        continue;
                    };
                    let Some(v) = c0.domain(node) else {
                        continue;
                    };
                    if let Some(x) = m.get_mut(&v) {
                        *x += n;
                    }
                }
            }
        }
        for node in h.cache.nodes().filter(|_| !(one_key && all_eligible)) {
            if !node_has_all_keys(node, &constraints) {
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if !c.match_node_inclusion_policies(&pod.pod, node, &required) {
                    continue;
                }
                let Some(v) = c.domain(node) else {
                    continue;
                };
                let n = counts
                    .get(i)
                    .and_then(|m| m.get(&node.slot))
                    .copied()
                    .unwrap_or(0);
                let Some(m) = tp.get_mut(i) else {
                    continue;
                };
                *m.entry(v).or_default() += n;
            }
        }
        let self_match = constraints
            .iter()
            .map(|c| i64::from(c.selector.matches(&pod.pod.metadata.labels)))
            .collect();
        let mut s = PreFilterState {
            min_match: vec![0; constraints.len()],
            self_match,
            constraints,
            tp_value_to_match_num: tp,
            required,
        };
        for i in 0..s.constraints.len() {
            s.recompute_min(i);
        }
        state.write(s);
        (None, Status::success())
    }

    fn add_pod(
        &self,
        _h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        to_add: &PodInfo,
        node: &NodeInfo,
    ) -> Status {
        if let Some(s) = state.read_mut::<PreFilterState>() {
            s.update_with_pod(to_add, &pod.pod, node, 1);
        }
        Status::success()
    }

    fn remove_pod(
        &self,
        _h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        to_remove: &PodInfo,
        node: &NodeInfo,
    ) -> Status {
        if let Some(s) = state.read_mut::<PreFilterState>() {
            s.update_with_pod(to_remove, &pod.pod, node, -1);
        }
        Status::success()
    }
}

impl PreFilterState {
    /// Upstream `Filter` for one node.
    fn filter_node(&self, node: &NodeInfo) -> Status {
        for (i, c) in self.constraints.iter().enumerate() {
            let Some(v) = c.domain(node) else {
                return Status::new(
                    Code::UnschedulableAndUnresolvable,
                    ERR_REASON_NODE_LABEL_NOT_MATCH,
                );
            };
            let domains = self.tp_value_to_match_num.get(i).map_or(0, |m| m.len());
            let mut min = self.min_match.get(i).copied().unwrap_or(0);
            if (domains as i64) < c.min_domains as i64 {
                min = 0;
            }
            let self_match = self.self_match.get(i).copied().unwrap_or(0);
            let match_num = self
                .tp_value_to_match_num
                .get(i)
                .and_then(|m| m.get(&v))
                .copied()
                .unwrap_or(0);
            let skew = match_num + self_match - min;
            if skew > c.max_skew as i64 {
                return Status::new(Code::Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH);
            }
        }
        Status::success()
    }
}

impl FilterPlugin for PodTopologySpread {
    fn filter(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        node: &NodeInfo,
    ) -> Status {
        state
            .read::<PreFilterState>()
            .map_or_else(Status::success, |s| s.filter_node(node))
    }
    fn filter_nodes(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        if let Some(s) = state.read::<PreFilterState>() {
            filter_each(nodes, failed, |n| rejection(s.filter_node(n)));
        }
    }
}

#[derive(Clone)]
struct PreScoreState {
    constraints: Vec<Constraint>,
    ignored: FxSet<Arc<str>>,
    /// Per constraint (not hostname): domain -> matching pods.
    tp_counts: Vec<FxMap<Sym, i64>>,
    /// Per constraint: node slot -> matching pods.
    node_counts: Vec<FxMap<u32, i64>>,
    weights: Vec<f64>,
}

impl PreScorePlugin for PodTopologySpread {
    fn pre_score(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        filtered: &[&NodeInfo],
    ) -> Status {
        if h.cache.num_nodes() == 0 {
            return Status::skip();
        }
        let constraints = match constraints_for(h, &pod.pod, "ScheduleAnyway") {
            Ok(c) => c,
            Err(e) => {
                return Status::error(format!(
                    "obtaining pod's soft topology spread constraints: {e}"
                ))
            }
        };
        if constraints.is_empty() {
            return Status::skip();
        }
        // Only explicit constraints require nodes to carry every topology key.
        let require_all = !pod.pod.spec.topology_spread_constraints.is_empty();
        let mut ignored: FxSet<Arc<str>> = FxSet::default();
        let mut tp_counts: Vec<FxMap<Sym, i64>> = vec![FxMap::default(); constraints.len()];
        let empty = h.cache.symbols().get("").unwrap_or(NO_DOMAIN);
        for node in filtered {
            if require_all && !node_has_all_keys(node, &constraints) {
                ignored.insert(node.name.clone());
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if c.is_hostname {
                    continue;
                }
                if let Some(m) = tp_counts.get_mut(i) {
                    m.entry(c.domain(node).unwrap_or(empty)).or_default();
                }
            }
        }
        let weights = constraints
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let size = if c.is_hostname {
                    filtered.len() - ignored.len()
                } else {
                    tp_counts.get(i).map_or(0, |m| m.len())
                };
                ((size + 2) as f64).ln()
            })
            .collect();
        let required = RequiredNodeAffinity::new(&pod.pod, h.cache.symbols());
        let ns = &pod.pod.metadata.namespace;
        let mut node_counts = Vec::with_capacity(constraints.len());
        for (i, c) in constraints.iter().enumerate() {
            let per_node = counts_by_node(h, ns, &c.selector);
            if !c.is_hostname {
                // Sums do not depend on the order: no sort needed.
                for (slot, n) in &per_node {
                    let Some(node) = h.cache.node_by_slot(*slot as usize) else {
                        continue;
                    };
                    if require_all && !node_has_all_keys(node, &constraints) {
                        continue;
                    }
                    if !c.match_node_inclusion_policies(&pod.pod, node, &required) {
                        continue;
                    }
                    let v = c.domain(node).unwrap_or(empty);
                    if let Some(x) = tp_counts.get_mut(i).and_then(|m| m.get_mut(&v)) {
                        *x += n;
                    }
                }
            }
            node_counts.push(per_node);
        }
        state.write(PreScoreState {
            constraints,
            ignored,
            tp_counts,
            node_counts,
            weights,
        });
        Status::success()
    }
}

impl PreScoreState {
    /// Upstream `Score` for one node (before normalization).
    fn node_score(&self, node: &NodeInfo) -> i64 {
        if !self.ignored.is_empty() && self.ignored.contains(&node.name) {
            return 0;
        }
        let mut score = 0.0;
        for (i, c) in self.constraints.iter().enumerate() {
            let Some(v) = c.domain(node) else {
                continue;
            };
            let cnt = if c.is_hostname {
                self.node_counts
                    .get(i)
                    .and_then(|m| m.get(&node.slot))
                    .copied()
                    .unwrap_or(0)
            } else {
                self.tp_counts
                    .get(i)
                    .and_then(|m| m.get(&v))
                    .copied()
                    .unwrap_or(0)
            };
            let w = self.weights.get(i).copied().unwrap_or(0.0);
            score += cnt as f64 * w + (c.max_skew - 1) as f64;
        }
        score.round() as i64
    }
}

impl ScorePlugin for PodTopologySpread {
    fn score(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        Ok(state
            .read::<PreScoreState>()
            .map_or(0, |s| s.node_score(node)))
    }
    fn score_nodes(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        nodes: &[&NodeInfo],
        out: &mut [i64],
    ) -> Result<(), Status> {
        score_each_with(state, nodes, out, PreScoreState::node_score)
    }
    fn has_normalize(&self) -> bool {
        true
    }
    fn normalize_score(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        let Some(s) = state.read::<PreScoreState>() else {
            return Status::success();
        };
        let mut min = i64::MAX;
        let mut max = 0i64;
        let ignored = |i: usize| {
            !s.ignored.is_empty() && nodes.get(i).is_some_and(|n| s.ignored.contains(&n.name))
        };
        for (i, sc) in scores.iter().enumerate() {
            if !ignored(i) {
                min = min.min(*sc);
                max = max.max(*sc);
            }
        }
        for (i, sc) in scores.iter_mut().enumerate() {
            if ignored(i) {
                *sc = 0;
            } else if max == 0 {
                *sc = MAX_NODE_SCORE;
            } else {
                *sc = MAX_NODE_SCORE * (max + min - *sc) / max;
            }
        }
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::LabelSelector;
    use crate::scheduler::framework::Framework;
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;

    fn labeled(mut p: Pod, k: &str, v: &str) -> Pod {
        p.metadata.labels.insert(k.into(), v.into());
        p
    }

    fn constraint(key: &str, skew: i32, when: &str) -> TopologySpreadConstraint {
        TopologySpreadConstraint {
            max_skew: skew,
            topology_key: key.into(),
            when_unsatisfiable: when.into(),
            label_selector: Some(LabelSelector {
                match_labels: [("foo".to_string(), "".to_string())].into_iter().collect(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn zoned(name: &str, zone: &str) -> crate::api::core_v1::Node {
        let mut n = node(name, "8", "16Gi");
        n.metadata.labels.insert("zone".into(), zone.into());
        n
    }

    #[test]
    fn filter_zones_skew() {
        // Upstream TestSingleConstraint "pods spread across zones as 3/1, maxSkew 1":
        // only zone2's nodes fit.
        let mut c = Cache::new();
        for (n, z) in [
            ("node-a", "zone1"),
            ("node-b", "zone1"),
            ("node-x", "zone2"),
            ("node-y", "zone2"),
        ] {
            c.add_node(Arc::new(zoned(n, z)));
        }
        for (i, n) in ["node-a", "node-a", "node-b", "node-x"].iter().enumerate() {
            c.add_pod(Arc::new(on(
                labeled(pod("default", &format!("p{i}"), "", ""), "foo", ""),
                n,
            )));
        }
        let mut p = labeled(pod("default", "new", "", ""), "foo", "");
        p.spec
            .topology_spread_constraints
            .push(constraint("zone", 1, "DoNotSchedule"));
        let p = pi(p);
        let got: Vec<bool> = ["node-a", "node-b", "node-x", "node-y"]
            .iter()
            .map(|n| run_filters(&c, &p, n).is_success())
            .collect();
        assert_eq!(got, vec![false, false, true, true]);
        let s = run_filters(&c, &p, "node-a");
        assert_eq!(s.code, Code::Unschedulable);
        assert_eq!(s.plugin, "PodTopologySpread");
        assert_eq!(
            s.reasons,
            vec![ERR_REASON_CONSTRAINTS_NOT_MATCH.to_string()]
        );
        // A node without the topology key is unresolvable.
        c.add_node(Arc::new(node("bare", "8", "16Gi")));
        let s = run_filters(&c, &p, "bare");
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.reasons, vec![ERR_REASON_NODE_LABEL_NOT_MATCH.to_string()]);
    }

    #[test]
    fn filter_min_domains() {
        // One zone with 1 matching pod, minDomains 2: the global minimum counts as 0,
        // so 1 + 1 - 0 > 1 rejects.
        let mut c = Cache::new();
        c.add_node(Arc::new(zoned("node-a", "zone1")));
        c.add_pod(Arc::new(on(
            labeled(pod("default", "p0", "", ""), "foo", ""),
            "node-a",
        )));
        let mut p = labeled(pod("default", "new", "", ""), "foo", "");
        let mut k = constraint("zone", 1, "DoNotSchedule");
        k.min_domains = Some(2);
        p.spec.topology_spread_constraints.push(k);
        assert!(!run_filters(&c, &pi(p.clone()), "node-a").is_success());
        p.spec.topology_spread_constraints[0].min_domains = None;
        assert!(run_filters(&c, &pi(p), "node-a").is_success());
    }

    fn score_all(c: &Cache, p: &PodInfo, sel: Option<&Selector>) -> Vec<i64> {
        let h = Handle {
            cache: c,
            default_spread_selector: sel,
        };
        let nodes: Vec<&NodeInfo> = c.nodes().collect();
        let mut st = CycleState::default();
        let s = PodTopologySpread.pre_score(&h, &mut st, p, &nodes);
        assert!(s.is_success(), "{s:?}");
        let fwk = Framework {
            pre_filter: vec![],
            filter: vec![],
            post_filter: vec![],
            pre_score: vec![],
            score: vec![(Arc::new(PodTopologySpread), 2)],
        };
        let out = fwk.run_score_plugins(&h, &st, p, &nodes).expect("scores");
        out.iter().map(|n| n.scores[0].2).collect()
    }

    #[test]
    fn score_hostname_constraint() {
        // Upstream TestPodTopologySpreadScore "one constraint on node, all 4 nodes are
        // candidates": 2/1/0/3 matching pods score 20, 60, 100, 0.
        let mut c = Cache::new();
        for n in ["node-a", "node-b", "node-c", "node-d"] {
            c.add_node(Arc::new(node(n, "8", "16Gi")));
        }
        let mut i = 0;
        for (n, k) in [("node-a", 2), ("node-b", 1), ("node-d", 3)] {
            for _ in 0..k {
                c.add_pod(Arc::new(on(
                    labeled(pod("default", &format!("p{i}"), "", ""), "foo", ""),
                    n,
                )));
                i += 1;
            }
        }
        let mut p = labeled(pod("default", "new", "", ""), "foo", "");
        p.spec
            .topology_spread_constraints
            .push(constraint(LABEL_HOSTNAME, 1, "ScheduleAnyway"));
        assert_eq!(score_all(&c, &pi(p), None), vec![20, 60, 100, 0]);
    }

    #[test]
    fn system_default_constraints_need_a_selector() {
        let mut c = Cache::new();
        for n in ["node-a", "node-b"] {
            c.add_node(Arc::new(node(n, "8", "16Gi")));
        }
        c.add_pod(Arc::new(on(
            labeled(pod("default", "p0", "", ""), "app", "web"),
            "node-a",
        )));
        let p = pi(labeled(pod("default", "new", "", ""), "app", "web"));
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        assert!(PodTopologySpread
            .pre_score(&h, &mut CycleState::default(), &p, &[])
            .is_skip());
        let sel = Selector::parse("app=web").expect("sel");
        // hostname (maxSkew 3): node-a 1*ln(4)+2 = 3.39 -> 3, node-b 2; zone key absent
        // on both, so only hostname counts: normalized 100*(3+2-s)/3 -> 66, 100.
        assert_eq!(score_all(&c, &p, Some(&sel)), vec![66, 100]);
    }
}
