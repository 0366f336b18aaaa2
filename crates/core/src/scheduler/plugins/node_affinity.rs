//! NodeAffinity: `spec.nodeSelector` and required node affinity (Filter, with a
//! PreFilter that narrows to the nodes named by `metadata.name` match fields), and
//! preferred node affinity (Score: the sum of matching terms' weights, normalized).
//! [`RequiredNodeAffinity`] is also PodTopologySpread's node inclusion policy.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::core_v1::{NodeSelectorRequirement, NodeSelectorTerm, Pod};
use crate::api::labels::{Operator, Requirement, Selector};
use crate::scheduler::framework::{
    default_normalize_score, filter_each, score_each_with, Code, CycleState, FilterPlugin, Handle,
    Plugin, PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::types::{label_key_hash, NodeInfo, PodInfo, Sym, Symbols};

/// Upstream `ErrReasonPod`.
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";
/// Upstream `errReasonConflict`.
pub const ERR_REASON_CONFLICT: &str = "pod affinity terms conflict";

/// A parsed node selector term (labels and `metadata.name` fields).
#[derive(Clone, Debug)]
pub struct ParsedTerm {
    labels: Option<NodeLabelSelector>,
    /// `(equal?, name)` requirements on `metadata.name`.
    fields: Option<Vec<(String, bool, String)>>,
}

impl ParsedTerm {
    /// Upstream `newNodeSelectorTerm`; `None` for an empty or invalid term (which
    /// selects nothing). `syms`: the cache's node label symbols.
    pub fn parse(t: &NodeSelectorTerm, syms: &Symbols) -> Option<ParsedTerm> {
        if t.match_expressions.is_empty() && t.match_fields.is_empty() {
            return None;
        }
        let mut labels = None;
        if !t.match_expressions.is_empty() {
            let mut reqs = Vec::new();
            for e in &t.match_expressions {
                reqs.push(requirement(e)?);
            }
            labels = Some(NodeLabelSelector::new(
                Selector::from_requirements(reqs),
                syms,
            ));
        }
        let mut fields = None;
        if !t.match_fields.is_empty() {
            let mut fs = Vec::new();
            for e in &t.match_fields {
                let [v] = e.values.as_slice() else {
                    return None;
                };
                match e.operator.as_str() {
                    "In" => fs.push((e.key.clone(), true, v.clone())),
                    "NotIn" => fs.push((e.key.clone(), false, v.clone())),
                    _ => return None,
                }
            }
            fields = Some(fs);
        }
        Some(ParsedTerm { labels, fields })
    }

    /// [`ParsedTerm::matches`] for a node (its labels and name).
    pub fn matches_node(&self, node: &NodeInfo) -> bool {
        if let Some(l) = &self.labels {
            if !l.matches_node(node) {
                return false;
            }
        }
        self.matches_fields(&node.name)
    }

    fn matches_fields(&self, node_name: &str) -> bool {
        if let Some(fs) = &self.fields {
            if !node_name.is_empty() {
                for (k, eq, v) in fs {
                    let actual = if k == "metadata.name" { node_name } else { "" };
                    if (actual == v) != *eq {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Upstream `nodeSelectorTerm.match`.
    pub fn matches(&self, labels: &BTreeMap<String, String>, node_name: &str) -> bool {
        if let Some(l) = &self.labels {
            if !l.sel.matches(labels) {
                return false;
            }
        }
        if let Some(fs) = &self.fields {
            if !node_name.is_empty() {
                for (k, eq, v) in fs {
                    let actual = if k == "metadata.name" { node_name } else { "" };
                    if (actual == v) != *eq {
                        return false;
                    }
                }
            }
        }
        true
    }
}

/// `Requirement::matches` against a node's labels through [`NodeInfo::label`] (the same
/// semantics, without walking the label map per requirement).
pub(crate) fn requirement_matches_node(r: &Requirement, hash: u64, node: &NodeInfo) -> bool {
    let v = node.label_hashed(hash, &r.key);
    let has = |v: &str| r.values.iter().any(|x| x == v);
    match r.operator {
        Operator::In | Operator::Equals | Operator::DoubleEquals => v.is_some_and(has),
        Operator::NotIn | Operator::NotEquals => v.is_none_or(|v| !has(v)),
        Operator::Exists => v.is_some(),
        Operator::DoesNotExist => v.is_none(),
        Operator::GreaterThan | Operator::LessThan => {
            let Some(Ok(lv)) = v.map(|v| v.parse::<i64>()) else {
                return false;
            };
            let [rv] = r.values.as_slice() else {
                return false;
            };
            let Ok(rv) = rv.parse::<i64>() else {
                return false;
            };
            if r.operator == Operator::GreaterThan {
                lv > rv
            } else {
                lv < rv
            }
        }
    }
}

/// A requirement with its key and values interned: matching a node compares integers.
/// Values no node carries are left out (they cannot equal a node's value).
#[derive(Clone, Debug)]
struct SymRequirement {
    key: Option<Sym>,
    values: Vec<Sym>,
    /// The key's [`label_key_hash`], for `Gt`/`Lt` (which compare parsed strings).
    hash: u64,
}

/// A selector compiled against the cache's [`Symbols`], for matching nodes.
#[derive(Clone, Debug)]
pub(crate) struct NodeLabelSelector {
    sel: Selector,
    reqs: Vec<SymRequirement>,
}

impl NodeLabelSelector {
    fn new(sel: Selector, syms: &Symbols) -> NodeLabelSelector {
        let reqs = sel
            .requirements()
            .iter()
            .map(|r| SymRequirement {
                key: syms.get(&r.key),
                values: r.values.iter().filter_map(|v| syms.get(v)).collect(),
                hash: label_key_hash(&r.key),
            })
            .collect();
        NodeLabelSelector { sel, reqs }
    }

    /// `Selector::matches` against a node's labels.
    fn matches_node(&self, node: &NodeInfo) -> bool {
        !self.sel.is_nothing()
            && self
                .sel
                .requirements()
                .iter()
                .zip(&self.reqs)
                .all(|(r, s)| {
                    let v = s.key.and_then(|k| node.label_sym(k));
                    let has = |v: Sym| s.values.contains(&v);
                    match r.operator {
                        Operator::In | Operator::Equals | Operator::DoubleEquals => {
                            v.is_some_and(has)
                        }
                        Operator::NotIn | Operator::NotEquals => v.is_none_or(|v| !has(v)),
                        Operator::Exists => v.is_some(),
                        Operator::DoesNotExist => v.is_none(),
                        Operator::GreaterThan | Operator::LessThan => {
                            requirement_matches_node(r, s.hash, node)
                        }
                    }
                })
    }
}

fn requirement(e: &NodeSelectorRequirement) -> Option<Requirement> {
    let op = match e.operator.as_str() {
        "In" => Operator::In,
        "NotIn" => Operator::NotIn,
        "Exists" => Operator::Exists,
        "DoesNotExist" => Operator::DoesNotExist,
        "Gt" => Operator::GreaterThan,
        "Lt" => Operator::LessThan,
        _ => return None,
    };
    Requirement::new(&e.key, op, e.values.clone(), "").ok()
}

/// Upstream `nodeaffinity.RequiredNodeAffinity`: the nodeSelector and the required
/// node affinity terms (ORed; invalid or empty terms select nothing).
#[derive(Clone, Debug, Default)]
pub struct RequiredNodeAffinity {
    label_selector: Option<NodeLabelSelector>,
    terms: Option<Vec<ParsedTerm>>,
}

impl RequiredNodeAffinity {
    /// Upstream `GetRequiredNodeAffinity`, compiled against the cache's node label
    /// symbols.
    pub fn new(pod: &Pod, syms: &Symbols) -> RequiredNodeAffinity {
        let label_selector = if pod.spec.node_selector.is_empty() {
            None
        } else {
            Some(NodeLabelSelector::new(
                Selector::from_set(&pod.spec.node_selector),
                syms,
            ))
        };
        let terms = pod
            .spec
            .affinity
            .as_deref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|na| {
                na.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .map(|ns| {
                ns.node_selector_terms
                    .iter()
                    .filter_map(|t| ParsedTerm::parse(t, syms))
                    .collect()
            });
        RequiredNodeAffinity {
            label_selector,
            terms,
        }
    }

    /// Whether nothing is required (every node matches).
    pub fn is_trivial(&self) -> bool {
        self.label_selector.is_none() && self.terms.is_none()
    }

    /// Upstream `RequiredNodeAffinity.Match`.
    pub fn matches(&self, node: &NodeInfo) -> bool {
        if let Some(s) = &self.label_selector {
            if !s.matches_node(node) {
                return false;
            }
        }
        match &self.terms {
            None => true,
            Some(ts) => ts.iter().any(|t| t.matches_node(node)),
        }
    }
}

/// The NodeAffinity plugin.
pub struct NodeAffinity;

#[derive(Clone)]
struct PreFilterState(RequiredNodeAffinity);

#[derive(Clone)]
struct PreScoreState(Vec<(i64, ParsedTerm)>);

impl PreScoreState {
    /// The summed weights of the preferred terms the node matches.
    fn preferred_weight(&self, node: &NodeInfo) -> i64 {
        self.0
            .iter()
            .filter(|(_, t)| t.matches_node(node))
            .map(|(w, _)| *w)
            .sum()
    }
}

impl Plugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }
}

impl PreFilterPlugin for NodeAffinity {
    fn pre_filter(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
    ) -> (PreFilterResult, Status) {
        let required = pod
            .pod
            .spec
            .affinity
            .as_deref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|na| {
                na.required_during_scheduling_ignored_during_execution
                    .as_ref()
            });
        if required.is_none() && pod.pod.spec.node_selector.is_empty() {
            return (None, Status::skip());
        }
        state.write(PreFilterState(RequiredNodeAffinity::new(
            &pod.pod,
            h.cache.symbols(),
        )));
        let Some(required) = required else {
            return (None, Status::success());
        };
        if required.node_selector_terms.is_empty() {
            return (None, Status::success());
        }
        let mut node_names: Option<BTreeSet<String>> = None;
        for t in &required.node_selector_terms {
            let mut term_names: Option<BTreeSet<String>> = None;
            for r in &t.match_fields {
                if r.key == "metadata.name" && r.operator == "In" {
                    let s: BTreeSet<String> = r.values.iter().cloned().collect();
                    term_names = Some(match term_names {
                        None => s,
                        Some(prev) => prev.intersection(&s).cloned().collect(),
                    });
                }
            }
            let Some(term_names) = term_names else {
                // A term without a node name allows every node (terms are ORed).
                return (None, Status::success());
            };
            node_names
                .get_or_insert_with(BTreeSet::new)
                .extend(term_names);
        }
        match node_names {
            Some(n) if n.is_empty() => (
                None,
                Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON_CONFLICT),
            ),
            Some(n) => (Some(n), Status::success()),
            None => (None, Status::success()),
        }
    }
}

impl FilterPlugin for NodeAffinity {
    fn filter(&self, h: &Handle<'_>, state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        let mut failed = [None];
        self.filter_nodes(h, state, pod, &[node], &mut failed);
        let [f] = failed;
        f.unwrap_or_else(Status::success)
    }
    fn filter_nodes(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        let own;
        let required = match state.read::<PreFilterState>() {
            Some(s) => &s.0,
            None => {
                own = RequiredNodeAffinity::new(&pod.pod, h.cache.symbols());
                &own
            }
        };
        filter_each(nodes, failed, |n| {
            (!required.matches(n))
                .then(|| Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON_POD))
        });
    }
}

impl PreScorePlugin for NodeAffinity {
    fn pre_score(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
    ) -> Status {
        if nodes.is_empty() {
            return Status::success();
        }
        let preferred = pod
            .pod
            .spec
            .affinity
            .as_deref()
            .and_then(|a| a.node_affinity.as_ref())
            .map(|na| &na.preferred_during_scheduling_ignored_during_execution)
            .filter(|p| !p.is_empty());
        let Some(preferred) = preferred else {
            return Status::skip();
        };
        let terms = preferred
            .iter()
            .filter(|t| t.weight != 0)
            .filter_map(|t| {
                ParsedTerm::parse(&t.preference, h.cache.symbols()).map(|p| (t.weight as i64, p))
            })
            .collect();
        state.write(PreScoreState(terms));
        Status::success()
    }
}

impl ScorePlugin for NodeAffinity {
    fn score(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        Ok(state
            .read::<PreScoreState>()
            .map_or(0, |s| s.preferred_weight(node)))
    }
    fn score_nodes(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        nodes: &[&NodeInfo],
        out: &mut [i64],
    ) -> Result<(), Status> {
        score_each_with(state, nodes, out, PreScoreState::preferred_weight)
    }
    fn has_normalize(&self) -> bool {
        true
    }
    fn normalize_score(
        &self,
        _h: &Handle<'_>,
        _s: &CycleState,
        _p: &PodInfo,
        _nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        default_normalize_score(MAX_NODE_SCORE, false, scores);
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{
        Affinity, NodeAffinity as ApiNodeAffinity, NodeSelector, PreferredSchedulingTerm,
    };
    use crate::scheduler::framework::Framework;
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;
    use std::sync::Arc;

    fn req(k: &str, op: &str, v: &[&str]) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: k.into(),
            operator: op.into(),
            values: v.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn with_required(mut p: Pod, terms: Vec<NodeSelectorTerm>) -> Pod {
        p.spec.affinity = Some(Box::new(Affinity {
            node_affinity: Some(ApiNodeAffinity {
                required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                    node_selector_terms: terms,
                }),
                ..Default::default()
            }),
            ..Default::default()
        }));
        p
    }

    #[test]
    fn selector_and_required_terms() {
        let mut c = Cache::new();
        let mut n = node("n1", "1", "1Gi");
        n.metadata.labels.insert("zone".into(), "az1".into());
        n.metadata.labels.insert("gen".into(), "5".into());
        c.add_node(Arc::new(n));
        let mut p = pod("d", "p", "", "");
        p.spec.node_selector.insert("zone".into(), "az2".into());
        let s = run_filters(&c, &pi(p), "n1");
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.plugin, "NodeAffinity");
        assert_eq!(s.reasons, vec![ERR_REASON_POD.to_string()]);
        // Terms are ORed; expressions within a term ANDed; Gt on integers.
        let p = with_required(
            pod("d", "p", "", ""),
            vec![
                NodeSelectorTerm {
                    match_expressions: vec![req("zone", "In", &["az9"])],
                    ..Default::default()
                },
                NodeSelectorTerm {
                    match_expressions: vec![req("zone", "Exists", &[]), req("gen", "Gt", &["4"])],
                    ..Default::default()
                },
            ],
        );
        assert!(run_filters(&c, &pi(p), "n1").is_success());
        // An empty term selects nothing.
        let p = with_required(pod("d", "p", "", ""), vec![NodeSelectorTerm::default()]);
        assert!(!run_filters(&c, &pi(p), "n1").is_success());
    }

    #[test]
    fn prefilter_node_names_and_conflict() {
        let c = Cache::new();
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let p = with_required(
            pod("d", "p", "", ""),
            vec![NodeSelectorTerm {
                match_fields: vec![req("metadata.name", "In", &["node1"])],
                ..Default::default()
            }],
        );
        let (r, s) = NodeAffinity.pre_filter(&h, &mut CycleState::default(), &pi(p));
        assert!(s.is_success());
        assert_eq!(r, Some(["node1".to_string()].into_iter().collect()));
        let p = with_required(
            pod("d", "p", "", ""),
            vec![NodeSelectorTerm {
                match_fields: vec![
                    req("metadata.name", "In", &["node1"]),
                    req("metadata.name", "In", &["node2"]),
                ],
                ..Default::default()
            }],
        );
        let (_, s) = NodeAffinity.pre_filter(&h, &mut CycleState::default(), &pi(p));
        assert_eq!(s.reasons, vec![ERR_REASON_CONFLICT.to_string()]);
        let (_, s) =
            NodeAffinity.pre_filter(&h, &mut CycleState::default(), &pi(pod("d", "p", "", "")));
        assert!(s.is_skip());
    }

    #[test]
    fn preferred_scores_normalized() {
        // Upstream TestNodeAffinityPriority "all nodes matches the preferred scheduling
        // requirements of pod, but with different priorities": weights 2, 2+4, 2+4+5
        // normalize to 18, 54, 100.
        let mut p = pod("d", "p", "", "");
        let term = |w: i32, r: Vec<NodeSelectorRequirement>| PreferredSchedulingTerm {
            weight: w,
            preference: NodeSelectorTerm {
                match_expressions: r,
                ..Default::default()
            },
        };
        p.spec.affinity = Some(Box::new(Affinity {
            node_affinity: Some(ApiNodeAffinity {
                preferred_during_scheduling_ignored_during_execution: vec![
                    term(2, vec![req("foo", "In", &["bar"])]),
                    term(4, vec![req("key", "In", &["value"])]),
                    term(
                        5,
                        vec![
                            req("foo", "In", &["bar"]),
                            req("key", "In", &["value"]),
                            req("az", "In", &["az1"]),
                        ],
                    ),
                ],
                ..Default::default()
            }),
            ..Default::default()
        }));
        let p = pi(p);
        let mut c = Cache::new();
        let mut mk = |name: &str, labels: &[(&str, &str)]| {
            let mut n = node(name, "1", "1Gi");
            for (k, v) in labels {
                n.metadata.labels.insert(k.to_string(), v.to_string());
            }
            c.add_node(Arc::new(n));
        };
        mk("node1", &[("foo", "bar")]);
        mk("node2", &[("foo", "bar"), ("key", "value")]);
        mk("node3", &[("foo", "bar"), ("key", "value"), ("az", "az1")]);
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let refs: Vec<&NodeInfo> = c.nodes().collect();
        let mut st = CycleState::default();
        assert!(NodeAffinity.pre_score(&h, &mut st, &p, &refs).is_success());
        let fwk = Framework {
            pre_filter: vec![],
            filter: vec![],
            post_filter: vec![],
            pre_score: vec![],
            score: vec![(Arc::new(NodeAffinity), 1)],
        };
        let out = fwk.run_score_plugins(&h, &st, &p, &refs).expect("scores");
        let got: Vec<i64> = out.iter().map(|n| n.scores[0].2).collect();
        assert_eq!(got, vec![18, 54, 100]);
    }
}
