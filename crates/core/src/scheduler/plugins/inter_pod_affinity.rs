//! InterPodAffinity: required pod affinity and anti-affinity of the incoming pod, and
//! existing pods' required anti-affinity against it (Filter, with upstream's three
//! reasons); preferred terms of both sides plus existing pods' required affinity
//! (weight 1, `hardPodAffinityWeight`) for Score, normalized to 0-100 by min/max.
//!
//! Counting never scans all pods: the incoming pod's terms find their pods through the
//! cache's label index, and the existing pods' terms that could match the incoming pod
//! come from the cache's reverse term index. `matchLabelKeys`/`mismatchLabelKeys` are
//! merged into the selectors by the API server at pod creation (as upstream v1.33), so
//! they are not handled here.

use std::collections::BTreeMap;

use crate::api::core_v1::Pod;
use crate::api::labels::Selector;
use crate::scheduler::cache::{NsScope, TermKind};
use crate::scheduler::framework::{
    filter_each, rejection, score_each_with, Code, CycleState, FilterPlugin, Handle, Plugin,
    PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::types::{AffinityTerm, NodeInfo, PodInfo, WeightedAffinityTerm};
use crate::scheduler::FxMap;

/// Upstream `ErrReasonExistingAntiAffinityRulesNotMatch`.
pub const ERR_REASON_EXISTING_ANTI_AFFINITY: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";
/// Upstream `ErrReasonAffinityRulesNotMatch`.
pub const ERR_REASON_AFFINITY: &str = "node(s) didn't match pod affinity rules";
/// Upstream `ErrReasonAntiAffinityRulesNotMatch`.
pub const ERR_REASON_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";

/// `hardPodAffinityWeight` default.
const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

/// The InterPodAffinity plugin.
pub struct InterPodAffinity;

/// topology key -> value -> count.
type TopologyCounts = FxMap<String, FxMap<String, i64>>;

fn update(m: &mut TopologyCounts, node: &NodeInfo, key: &str, delta: i64) {
    let Some(v) = node.label(key) else {
        return;
    };
    let vals = m.entry(key.to_string()).or_default();
    let c = vals.entry(v.to_string()).or_default();
    *c += delta;
    if *c == 0 {
        vals.remove(v);
        if vals.is_empty() {
            m.remove(key);
        }
    }
}

fn get(m: &TopologyCounts, key: &str, value: &str) -> i64 {
    m.get(key).and_then(|v| v.get(value)).copied().unwrap_or(0)
}

fn scope(t: &AffinityTerm) -> NsScope<'_> {
    if t.namespace_selector.is_empty() {
        NsScope::All
    } else {
        NsScope::Names(&t.namespaces)
    }
}

/// Upstream `mergeAffinityTermNamespacesIfNotEmpty`: namespaces selected by the
/// namespace selector join the term's list, and the selector becomes "nothing".
fn merge_namespaces(h: &Handle<'_>, t: &mut AffinityTerm) {
    if t.namespace_selector.is_empty() {
        return;
    }
    for (name, labels) in h.cache.namespaces() {
        if t.namespace_selector.matches(labels) && !t.namespaces.contains(name) {
            t.namespaces.push(name.clone());
        }
    }
    t.namespace_selector = Selector::nothing();
}

fn pod_matches_all_terms(terms: &[AffinityTerm], pod: &Pod) -> bool {
    !terms.is_empty() && terms.iter().all(|t| t.matches(pod, None))
}

#[derive(Clone)]
struct PreFilterState {
    existing_anti_affinity_counts: TopologyCounts,
    affinity_counts: TopologyCounts,
    anti_affinity_counts: TopologyCounts,
    required_affinity: Vec<AffinityTerm>,
    required_anti_affinity: Vec<AffinityTerm>,
    namespace_labels: BTreeMap<String, String>,
}

impl PreFilterState {
    fn update_with_pod(&mut self, incoming: &Pod, other: &PodInfo, node: &NodeInfo, m: i64) {
        for t in &other.required_anti_affinity_terms {
            if t.matches(incoming, Some(&self.namespace_labels)) {
                update(
                    &mut self.existing_anti_affinity_counts,
                    node,
                    &t.topology_key,
                    m,
                );
            }
        }
        if pod_matches_all_terms(&self.required_affinity, &other.pod) {
            for t in &self.required_affinity {
                update(&mut self.affinity_counts, node, &t.topology_key, m);
            }
        }
        for t in &self.required_anti_affinity {
            if t.matches(&other.pod, None) {
                update(&mut self.anti_affinity_counts, node, &t.topology_key, m);
            }
        }
    }
}

impl Plugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }
}

impl PreFilterPlugin for InterPodAffinity {
    fn pre_filter(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
    ) -> (PreFilterResult, Status) {
        if let Some(e) = &pod.parse_error {
            return (
                None,
                Status::new(
                    Code::UnschedulableAndUnresolvable,
                    format!("parsing pod: {e}"),
                ),
            );
        }
        let mut required_affinity = pod.required_affinity_terms.clone();
        let mut required_anti_affinity = pod.required_anti_affinity_terms.clone();
        for t in required_affinity
            .iter_mut()
            .chain(required_anti_affinity.iter_mut())
        {
            merge_namespaces(h, t);
        }
        let namespace_labels = h
            .cache
            .namespace_labels(&pod.pod.metadata.namespace)
            .cloned()
            .unwrap_or_default();
        let mut s = PreFilterState {
            existing_anti_affinity_counts: TopologyCounts::default(),
            affinity_counts: TopologyCounts::default(),
            anti_affinity_counts: TopologyCounts::default(),
            required_affinity,
            required_anti_affinity,
            namespace_labels,
        };
        // Existing pods' required anti-affinity terms matching the incoming pod.
        h.cache
            .for_each_existing_term(&pod.pod.metadata.labels, |existing, kind, idx, node| {
                if kind != TermKind::RequiredAntiAffinity {
                    return;
                }
                if let Some(t) = existing.required_anti_affinity_terms.get(idx) {
                    if t.matches(&pod.pod, Some(&s.namespace_labels)) {
                        update(
                            &mut s.existing_anti_affinity_counts,
                            node,
                            &t.topology_key,
                            1,
                        );
                    }
                }
            });
        // Existing pods matching all of the incoming pod's required affinity terms.
        if let Some(first) = s.required_affinity.first() {
            let mut counts = TopologyCounts::default();
            h.cache
                .for_each_matching_pod(scope(first), &first.selector, |p, node| {
                    if pod_matches_all_terms(&s.required_affinity, &p.pod) {
                        for t in &s.required_affinity {
                            update(&mut counts, node, &t.topology_key, 1);
                        }
                    }
                });
            s.affinity_counts = counts;
        }
        // Existing pods matching any of the incoming pod's required anti-affinity terms.
        let mut anti = TopologyCounts::default();
        for t in &s.required_anti_affinity {
            h.cache
                .for_each_matching_pod(scope(t), &t.selector, |p, node| {
                    if t.matches(&p.pod, None) {
                        update(&mut anti, node, &t.topology_key, 1);
                    }
                });
        }
        s.anti_affinity_counts = anti;
        if s.existing_anti_affinity_counts.is_empty()
            && s.required_affinity.is_empty()
            && s.required_anti_affinity.is_empty()
        {
            return (None, Status::skip());
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
            s.update_with_pod(&pod.pod, to_add, node, 1);
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
            s.update_with_pod(&pod.pod, to_remove, node, -1);
        }
        Status::success()
    }
}

impl PreFilterState {
    /// Upstream `Filter` for one node.
    fn filter_node(&self, pod: &Pod, node: &NodeInfo) -> Status {
        // Required affinity.
        let mut pods_exist = true;
        for t in &self.required_affinity {
            match node.label(&t.topology_key) {
                Some(v) => {
                    if get(&self.affinity_counts, &t.topology_key, v) <= 0 {
                        pods_exist = false;
                    }
                }
                None => {
                    return Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON_AFFINITY)
                }
            }
        }
        if !pods_exist
            && !(self.affinity_counts.is_empty()
                && pod_matches_all_terms(&self.required_affinity, pod))
        {
            return Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON_AFFINITY);
        }
        // Required anti-affinity.
        if !self.anti_affinity_counts.is_empty() {
            for t in &self.required_anti_affinity {
                if let Some(v) = node.label(&t.topology_key) {
                    if get(&self.anti_affinity_counts, &t.topology_key, v) > 0 {
                        return Status::new(Code::Unschedulable, ERR_REASON_ANTI_AFFINITY);
                    }
                }
            }
        }
        // Existing pods' anti-affinity.
        for (k, vals) in &self.existing_anti_affinity_counts {
            if let Some(v) = node.label(k) {
                if vals.get(v).copied().unwrap_or(0) > 0 {
                    return Status::new(Code::Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY);
                }
            }
        }
        Status::success()
    }
}

impl FilterPlugin for InterPodAffinity {
    fn filter(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        node: &NodeInfo,
    ) -> Status {
        state
            .read::<PreFilterState>()
            .map_or_else(Status::success, |s| s.filter_node(&pod.pod, node))
    }
    fn filter_nodes(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        if let Some(s) = state.read::<PreFilterState>() {
            filter_each(nodes, failed, |n| rejection(s.filter_node(&pod.pod, n)));
        }
    }
}

#[derive(Clone)]
struct PreScoreState {
    topology_score: TopologyCounts,
}

impl PreScoreState {
    fn node_score(&self, node: &NodeInfo) -> i64 {
        self.topology_score
            .iter()
            .filter_map(|(k, vals)| node.label(k).and_then(|v| vals.get(v)))
            .sum()
    }
}

fn add_score(m: &mut TopologyCounts, node: &NodeInfo, key: &str, w: i64) {
    if let Some(v) = node.label(key) {
        *m.entry(key.to_string())
            .or_default()
            .entry(v.to_string())
            .or_default() += w;
    }
}

impl PreScorePlugin for InterPodAffinity {
    fn pre_score(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
    ) -> Status {
        if nodes.is_empty() {
            return Status::skip();
        }
        let mut pref_aff: Vec<WeightedAffinityTerm> = pod.preferred_affinity_terms.clone();
        let mut pref_anti: Vec<WeightedAffinityTerm> = pod.preferred_anti_affinity_terms.clone();
        for t in pref_aff.iter_mut().chain(pref_anti.iter_mut()) {
            merge_namespaces(h, &mut t.term);
        }
        let ns_labels = h
            .cache
            .namespace_labels(&pod.pod.metadata.namespace)
            .cloned()
            .unwrap_or_default();
        let mut score = TopologyCounts::default();
        // The incoming pod's preferred terms against existing pods.
        for (terms, mult) in [(&pref_aff, 1i64), (&pref_anti, -1i64)] {
            for wt in terms.iter() {
                let t = &wt.term;
                h.cache
                    .for_each_matching_pod(scope(t), &t.selector, |p, node| {
                        if t.matches(&p.pod, None) {
                            add_score(&mut score, node, &t.topology_key, wt.weight as i64 * mult);
                        }
                    });
            }
        }
        // Existing pods' terms against the incoming pod.
        h.cache
            .for_each_existing_term(&pod.pod.metadata.labels, |existing, kind, idx, node| {
                let (t, w) = match kind {
                    TermKind::RequiredAffinity => match existing.required_affinity_terms.get(idx) {
                        Some(t) => (t, HARD_POD_AFFINITY_WEIGHT),
                        None => return,
                    },
                    TermKind::PreferredAffinity => {
                        match existing.preferred_affinity_terms.get(idx) {
                            Some(t) => (&t.term, t.weight as i64),
                            None => return,
                        }
                    }
                    TermKind::PreferredAntiAffinity => {
                        match existing.preferred_anti_affinity_terms.get(idx) {
                            Some(t) => (&t.term, -(t.weight as i64)),
                            None => return,
                        }
                    }
                    TermKind::RequiredAntiAffinity => return,
                };
                if t.matches(&pod.pod, Some(&ns_labels)) {
                    add_score(&mut score, node, &t.topology_key, w);
                }
            });
        if score.is_empty() {
            return Status::skip();
        }
        state.write(PreScoreState {
            topology_score: score,
        });
        Status::success()
    }
}

impl ScorePlugin for InterPodAffinity {
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
        _nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        if state
            .read::<PreScoreState>()
            .is_none_or(|s| s.topology_score.is_empty())
        {
            return Status::success();
        }
        let min = scores.iter().copied().min().unwrap_or(0);
        let max = scores.iter().copied().max().unwrap_or(0);
        let diff = max - min;
        for s in scores.iter_mut() {
            let f = if diff > 0 {
                MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)
            } else {
                0.0
            };
            *s = f as i64;
        }
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{
        Affinity, PodAffinity, PodAffinityTerm, PodAntiAffinity, WeightedPodAffinityTerm,
    };
    use crate::api::meta::LabelSelector;
    use crate::scheduler::framework::Framework;
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;
    use std::sync::Arc;

    fn term(k: &str, v: &str, topo: &str) -> PodAffinityTerm {
        PodAffinityTerm {
            label_selector: Some(LabelSelector {
                match_labels: [(k.to_string(), v.to_string())].into_iter().collect(),
                ..Default::default()
            }),
            topology_key: topo.into(),
            ..Default::default()
        }
    }

    fn labeled(mut p: Pod, k: &str, v: &str) -> Pod {
        p.metadata.labels.insert(k.into(), v.into());
        p
    }

    fn anti(mut p: Pod, t: PodAffinityTerm) -> Pod {
        p.spec.affinity = Some(Box::new(Affinity {
            pod_anti_affinity: Some(PodAntiAffinity {
                required_during_scheduling_ignored_during_execution: vec![t],
                ..Default::default()
            }),
            ..Default::default()
        }));
        p
    }

    #[test]
    fn required_anti_affinity_one_per_node() {
        let mut c = Cache::new();
        for n in ["n1", "n2"] {
            c.add_node(Arc::new(node(n, "4", "8Gi")));
        }
        let mk = |name: &str| {
            anti(
                labeled(pod("default", name, "", ""), "app", "web"),
                term("app", "web", "kubernetes.io/hostname"),
            )
        };
        c.add_pod(Arc::new(on(mk("w1"), "n1")));
        let p = pi(mk("w2"));
        let s = run_filters(&c, &p, "n1");
        assert_eq!(s.code, Code::Unschedulable);
        assert_eq!(s.plugin, "InterPodAffinity");
        assert_eq!(s.reasons, vec![ERR_REASON_ANTI_AFFINITY.to_string()]);
        assert!(run_filters(&c, &p, "n2").is_success());
        // A pod without anti-affinity of its own is kept off n1 by the existing pod's.
        let s = run_filters(
            &c,
            &pi(labeled(pod("default", "x", "", ""), "app", "web")),
            "n1",
        );
        assert_eq!(
            s.reasons,
            vec![ERR_REASON_EXISTING_ANTI_AFFINITY.to_string()]
        );
        // Other namespaces are not affected (the term names its own namespace).
        assert!(run_filters(
            &c,
            &pi(labeled(pod("other", "x", "", ""), "app", "web")),
            "n1"
        )
        .is_success());
    }

    #[test]
    fn required_affinity_and_first_pod_rule() {
        let mut c = Cache::new();
        for n in ["n1", "n2"] {
            c.add_node(Arc::new(node(n, "4", "8Gi")));
        }
        let mut p = labeled(pod("default", "p", "", ""), "app", "cache");
        p.spec.affinity = Some(Box::new(Affinity {
            pod_affinity: Some(PodAffinity {
                required_during_scheduling_ignored_during_execution: vec![term(
                    "app",
                    "web",
                    "kubernetes.io/hostname",
                )],
                ..Default::default()
            }),
            ..Default::default()
        }));
        // No pod matches anywhere and the pod does not match its own term: rejected.
        let s = run_filters(&c, &pi(p.clone()), "n1");
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.reasons, vec![ERR_REASON_AFFINITY.to_string()]);
        c.add_pod(Arc::new(on(
            labeled(pod("default", "w", "", ""), "app", "web"),
            "n2",
        )));
        assert!(!run_filters(&c, &pi(p.clone()), "n1").is_success());
        assert!(run_filters(&c, &pi(p), "n2").is_success());
        // A pod matching its own term may go anywhere when no pod matches yet.
        let mut c2 = Cache::new();
        c2.add_node(Arc::new(node("n1", "4", "8Gi")));
        let mut q = labeled(pod("default", "q", "", ""), "app", "web");
        q.spec.affinity = Some(Box::new(Affinity {
            pod_affinity: Some(PodAffinity {
                required_during_scheduling_ignored_during_execution: vec![term(
                    "app",
                    "web",
                    "kubernetes.io/hostname",
                )],
                ..Default::default()
            }),
            ..Default::default()
        }));
        assert!(run_filters(&c2, &pi(q), "n1").is_success());
    }

    #[test]
    fn preferred_affinity_score() {
        // Upstream TestPreferredAffinity "Affinity: pod that matches topology key & pods
        // in nodes will get high score comparing to others which doesn't match either
        // pods in nodes or in topology key": 100, 0, 0.
        let mut c = Cache::new();
        let mut n1 = node("node1", "4", "8Gi");
        n1.metadata.labels.insert("region".into(), "China".into());
        let mut n2 = node("node2", "4", "8Gi");
        n2.metadata.labels.insert("region".into(), "India".into());
        let mut n3 = node("node3", "4", "8Gi");
        n3.metadata.labels.insert("az".into(), "az1".into());
        for n in [n1, n2, n3] {
            c.add_node(Arc::new(n));
        }
        c.add_pod(Arc::new(on(
            labeled(pod("", "e", "", ""), "security", "S1"),
            "node1",
        )));
        c.add_pod(Arc::new(on(
            labeled(pod("", "f", "", ""), "security", "S2"),
            "node2",
        )));
        let mut p = labeled(pod("", "p", "", ""), "security", "S1");
        p.spec.affinity = Some(Box::new(Affinity {
            pod_affinity: Some(PodAffinity {
                preferred_during_scheduling_ignored_during_execution: vec![
                    WeightedPodAffinityTerm {
                        weight: 5,
                        pod_affinity_term: term("security", "S1", "region"),
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        }));
        let p = pi(p);
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let nodes: Vec<&NodeInfo> = c.nodes().collect();
        let mut st = CycleState::default();
        assert!(InterPodAffinity
            .pre_score(&h, &mut st, &p, &nodes)
            .is_success());
        let fwk = Framework {
            pre_filter: vec![],
            filter: vec![],
            post_filter: vec![],
            pre_score: vec![],
            score: vec![(Arc::new(InterPodAffinity), 2)],
        };
        let out = fwk.run_score_plugins(&h, &st, &p, &nodes).expect("scores");
        let got: Vec<i64> = out.iter().map(|n| n.scores[0].2).collect();
        assert_eq!(got, vec![100, 0, 0]);
    }
}
