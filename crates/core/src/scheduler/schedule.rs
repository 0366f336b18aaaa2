//! One scheduling cycle, as upstream `schedule_one.go`: PreFilter, the nominated node
//! first, Filter over an adaptive sample of nodes (`numFeasibleNodesToFind`, starting
//! where the previous cycle stopped), PreScore/Score/NormalizeScore with the profile's
//! weights, `selectHost` (highest total, ties broken by reservoir sampling with the
//! seeded [`Rng`]), and on failure PostFilter (DefaultPreemption) and the `FitError`
//! message. Every cycle returns a [`Record`] for the UI's "why" panel.
//!
//! The caller (the scheduler component) only passes pods this scheduler owns: pods
//! with `spec.nodeName` set or a `spec.schedulerName` other than `default-scheduler`
//! must be filtered out before calling [`schedule_pod`]. After `Decision::Scheduled`
//! the caller assumes the pod in the cache ([`Cache::assume_pod`]) and binds it; after
//! `Decision::Unschedulable` it records the FailedScheduling event with `message`,
//! sets or clears `status.nominatedNodeName` as told and deletes the victims.
//!
//! Per-pod cost: PreFilter is O(pods its selectors can match) through the cache's label
//! and term indexes (plus one pass over the node list for pods with DoNotSchedule
//! topology spread constraints); Filter and Score are O(1) per examined node except
//! NodePorts (O(used host ports)) and the per-node record; at most
//! `numFeasibleNodesToFind` feasible nodes are examined (500 of 5,000 nodes) unless
//! most nodes are infeasible.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::cache::Cache;
use super::framework::{
    fit_error_message, Code, CycleState, Diagnosis, Framework, Handle, NodePluginScores,
    ScoreTable, Status,
};
use super::types::{NodeInfo, PodInfo};
use crate::api::core_v1::Pod;
use crate::api::labels::Selector;
use crate::sim::Rng;

/// Nodes filtered together (plugin by plugin) at most.
const FILTER_BATCH: usize = 64;

/// Upstream `minFeasibleNodesToFind`.
pub const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// Upstream `minFeasibleNodesPercentageToFind`.
pub const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;

/// Upstream `numFeasibleNodesToFind`: all nodes under 100; otherwise
/// `max(100, n * pct / 100)` with `pct = max(5, 50 - n/125)` unless configured.
pub fn num_feasible_nodes_to_find(percentage: Option<u32>, num_all_nodes: usize) -> usize {
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return num_all_nodes;
    }
    let pct = match percentage {
        Some(p) if p > 0 => p as usize,
        _ => {
            (50usize.saturating_sub(num_all_nodes / 125)).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
        }
    };
    (num_all_nodes * pct / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// What survives between cycles: the profile, the sampling start index and the
/// optional `percentageOfNodesToScore`.
#[derive(Clone, Default)]
pub struct SchedulerState {
    pub framework: Framework,
    /// Where the next cycle starts examining nodes (upstream `nextStartNodeIndex`).
    pub next_start_node_index: usize,
    /// `percentageOfNodesToScore` (None or 0: adaptive).
    pub percentage_of_nodes_to_score: Option<u32>,
}

/// A plugin's rejection of a node (or of the pod at PreFilter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub plugin: &'static str,
    pub code: Code,
    pub reasons: Vec<String>,
}

impl Rejection {
    fn from_status(s: &Status) -> Rejection {
        Rejection {
            plugin: s.plugin,
            code: s.code,
            reasons: s.reasons.iter().map(|r| r.to_string()).collect(),
        }
    }
}

/// One plugin's score for a feasible node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginScore {
    pub plugin: &'static str,
    pub raw: i64,
    pub normalized: i64,
    pub weighted: i64,
}

/// One examined node: rejected (by which plugin, why) or feasible (with scores; empty
/// when it was the only feasible node, which upstream does not score).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRecord {
    pub node: Arc<str>,
    pub rejected: Option<Rejection>,
    pub scores: Vec<PluginScore>,
    pub total: i64,
}

/// The explanation of one cycle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// `namespace/name`.
    pub pod: String,
    pub num_all_nodes: usize,
    /// The PreFilter rejection, when the pod failed before any node was examined.
    pub pre_filter: Option<Rejection>,
    /// Examined nodes in the order they were examined.
    pub nodes: Vec<NodeRecord>,
    /// Nodes not examined because a PreFilter narrowed the set, with that status.
    pub not_examined: Option<Rejection>,
    /// The chosen node.
    pub selected: Option<String>,
    /// The preemption outcome: nominated node and victims' keys.
    pub nominated_node_name: Option<String>,
    pub victims: Vec<String>,
    /// The event message: `Successfully assigned ns/name to node` or the FitError.
    pub message: String,
}

/// The decision of a cycle.
#[derive(Clone, Debug)]
pub enum Decision {
    /// Bind the pod to `node`.
    Scheduled {
        node: String,
        evaluated_nodes: usize,
        feasible_nodes: usize,
    },
    /// The pod fits nowhere: `message` is the FailedScheduling text.
    /// `nominated_node_name`: `Some(node)` set it, `Some("")` clear it, `None` leave it.
    /// `victims`: pods to delete so the pod fits on the nominated node.
    Unschedulable {
        message: String,
        nominated_node_name: Option<String>,
        victims: Vec<Arc<Pod>>,
    },
    /// An internal error (requeue with backoff, as upstream).
    Error { message: String },
}

/// The result of [`schedule_pod`].
#[derive(Clone, Debug)]
pub struct Outcome {
    pub decision: Decision,
    pub record: Record,
}

/// How an examined node ended, in a [`CompactRecord`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Examined {
    /// Rejected with the status at this index of `statuses`.
    Rejected(u32),
    /// Feasible and scored: this row of `scores`.
    Scored(u32),
    /// The only feasible node (not scored).
    Unscored,
}

/// A [`Record`] stored compactly: the examined nodes are names with an index into a
/// table of distinct rejections or into the flat score table, so a cycle allocates
/// nothing per node for its explanation. [`CompactRecord::render`] gives the Record.
#[derive(Clone, Debug, Default)]
pub struct CompactRecord {
    /// Everything but `nodes`.
    base: Record,
    examined: Vec<(Arc<str>, Examined)>,
    statuses: Vec<Status>,
    scores: ScoreTable,
}

impl CompactRecord {
    /// The full record.
    pub fn render(&self) -> Record {
        let mut r = self.base.clone();
        r.nodes = self
            .examined
            .iter()
            .map(|(name, e)| match e {
                Examined::Rejected(i) => NodeRecord {
                    node: name.clone(),
                    rejected: self.statuses.get(*i as usize).map(Rejection::from_status),
                    scores: Vec::new(),
                    total: 0,
                },
                Examined::Scored(row) => {
                    let row = *row as usize;
                    NodeRecord {
                        node: name.clone(),
                        rejected: None,
                        scores: self
                            .scores
                            .row(row)
                            .map(|(plugin, v)| PluginScore {
                                plugin,
                                raw: v.raw,
                                normalized: v.normalized,
                                weighted: v.weighted,
                            })
                            .collect(),
                        total: self.scores.totals.get(row).copied().unwrap_or(0),
                    }
                }
                Examined::Unscored => NodeRecord {
                    node: name.clone(),
                    rejected: None,
                    scores: Vec::new(),
                    total: 0,
                },
            })
            .collect();
        r
    }

    /// The event message of the cycle.
    pub fn message(&self) -> &str {
        &self.base.message
    }

    /// Upstream's NodeToStatus map from the rejected nodes (the nominated node's
    /// rejection first; the last status of a node wins).
    fn fill_diagnosis(&self, nominated: Option<&(Arc<str>, u32)>, d: &mut Diagnosis) {
        let rejected = self.examined.iter().filter_map(|(n, e)| match e {
            Examined::Rejected(i) => Some((n, *i)),
            _ => None,
        });
        for (name, idx) in nominated.map(|(n, i)| (n, *i)).into_iter().chain(rejected) {
            if let Some(st) = self.statuses.get(idx as usize) {
                d.node_to_status.statuses.insert(name.clone(), st.clone());
            }
        }
    }
}

/// The result of [`schedule_pod_compact`].
#[derive(Clone, Debug)]
pub struct CompactOutcome {
    pub decision: Decision,
    pub record: CompactRecord,
}

/// The distinct rejection statuses of one cycle (most nodes are rejected for the same
/// few reasons); examined nodes refer to them by index.
#[derive(Default)]
struct Rejections {
    statuses: Vec<Status>,
    /// The index handed out last (consecutive nodes usually share a status).
    last: Option<u32>,
}

impl Rejections {
    fn index(&mut self, st: Status) -> u32 {
        if let Some(l) = self.last {
            if self.statuses.get(l as usize) == Some(&st) {
                return l;
            }
        }
        let found = self
            .statuses
            .iter()
            .rev()
            .take(8)
            .position(|s| *s == st)
            .map(|back| self.statuses.len() - 1 - back);
        let idx = match found {
            Some(i) => i,
            None => {
                self.statuses.push(st);
                self.statuses.len() - 1
            }
        } as u32;
        self.last = Some(idx);
        idx
    }
}

/// Upstream `selectHost`: the highest total; ties broken uniformly with reservoir
/// sampling.
pub fn select_host(scores: &[NodePluginScores], rng: &mut Rng) -> Option<usize> {
    let totals: Vec<i64> = scores.iter().map(|s| s.total).collect();
    select_host_by_total(&totals, rng)
}

/// [`select_host`] over the nodes' totals.
pub fn select_host_by_total(totals: &[i64], rng: &mut Rng) -> Option<usize> {
    let mut best: Option<usize> = None;
    let mut max = i64::MIN;
    let mut count = 0u64;
    for (i, &t) in totals.iter().enumerate() {
        if best.is_none() || t > max {
            max = t;
            best = Some(i);
            count = 1;
        } else if t == max {
            count += 1;
            if rng.below(count) == 0 {
                best = Some(i);
            }
        }
    }
    best
}

/// One scheduling cycle for `pod` (see the module documentation).
/// `default_spread_selector` is PodTopologySpread's system-default selector for this
/// pod (see [`crate::scheduler`]).
pub fn schedule_pod(
    pod: &Arc<Pod>,
    default_spread_selector: Option<&Selector>,
    cache: &Cache,
    sched: &mut SchedulerState,
    rng: &mut Rng,
) -> Outcome {
    let o = schedule_pod_compact(pod, default_spread_selector, cache, sched, rng);
    Outcome {
        record: o.record.render(),
        decision: o.decision,
    }
}

fn compact_error(mut record: CompactRecord, message: String) -> CompactOutcome {
    record.base.message = message.clone();
    CompactOutcome {
        decision: Decision::Error { message },
        record,
    }
}

/// [`schedule_pod`] with the record kept compact (the scheduler component stores
/// these and renders a [`Record`] when asked).
pub fn schedule_pod_compact(
    pod: &Arc<Pod>,
    default_spread_selector: Option<&Selector>,
    cache: &Cache,
    sched: &mut SchedulerState,
    rng: &mut Rng,
) -> CompactOutcome {
    let pi = PodInfo::new(pod.clone());
    let h = Handle {
        cache,
        default_spread_selector,
    };
    let SchedulerState {
        framework: fwk,
        next_start_node_index,
        percentage_of_nodes_to_score,
    } = sched;
    let num_all = cache.num_nodes();
    let mut record = CompactRecord {
        base: Record {
            pod: pi.key.clone(),
            num_all_nodes: num_all,
            ..Default::default()
        },
        ..Default::default()
    };
    if num_all == 0 {
        let message = "no nodes available to schedule pods".to_string();
        record.base.message = message.clone();
        return CompactOutcome {
            decision: Decision::Unschedulable {
                message,
                nominated_node_name: Some(String::new()),
                victims: Vec::new(),
            },
            record,
        };
    }
    let mut state = CycleState::default();
    let mut diagnosis = Diagnosis::default();
    let mut feasible: Vec<&NodeInfo> = Vec::new();
    let mut rejections = Rejections::default();
    // The nominated node's rejection (it is not part of the examined list).
    let mut nominated_rejection: Option<(Arc<str>, u32)> = None;
    // Distinct rejected nodes (the nominated node counts once).
    let mut rejected = 0usize;

    let (pre_res, s, plugins_with_nodes) = fwk.run_pre_filter_plugins(&h, &mut state, &pi);
    if !s.is_success() {
        if !s.is_rejected() {
            return compact_error(record, s.message());
        }
        record.base.pre_filter = Some(Rejection::from_status(&s));
        diagnosis.pre_filter_msg = s.message();
        diagnosis.unschedulable_plugins.insert(s.plugin);
        diagnosis.node_to_status.absent = s;
    } else {
        // The nominated node first.
        let nominated = pod
            .status
            .as_ref()
            .map(|s| s.nominated_node_name.as_str())
            .unwrap_or("");
        let mut done = false;
        if !nominated.is_empty() {
            if let Some(ni) = cache.node_info(nominated) {
                let st = fwk.run_filter_plugins(&h, &state, &pi, ni);
                if st.code == Code::Error {
                    return compact_error(record, st.message());
                }
                if st.is_success() {
                    feasible.push(ni);
                    done = true;
                } else {
                    nominated_rejection = Some((ni.name.clone(), rejections.index(st)));
                    rejected += 1;
                }
            }
        }
        if !done {
            let narrowed: Option<Vec<&NodeInfo>> = pre_res
                .as_ref()
                .map(|names| names.iter().filter_map(|n| cache.node_info(n)).collect());
            if pre_res.is_some() {
                let plugins: BTreeSet<&str> = plugins_with_nodes.iter().copied().collect();
                let msg = format!(
                    "node(s) didn't satisfy plugin(s) [{}]",
                    plugins.into_iter().collect::<Vec<_>>().join(" ")
                );
                let st = Status::new(Code::UnschedulableAndUnresolvable, msg);
                record.base.not_examined = Some(Rejection::from_status(&st));
                diagnosis.node_to_status.absent = st;
            }
            let len = narrowed.as_ref().map_or(num_all, |v| v.len());
            let to_find = num_feasible_nodes_to_find(*percentage_of_nodes_to_score, len);
            let start = *next_start_node_index;
            let mut processed = 0usize;
            let mut batch: Vec<&NodeInfo> = Vec::with_capacity(FILTER_BATCH);
            let mut failed: Vec<Option<Status>> = Vec::with_capacity(FILTER_BATCH);
            let mut i = 0usize;
            // Batches never hold more nodes than feasible ones are still wanted, so
            // every node of a batch is one the one-at-a-time loop would examine.
            while i < len && feasible.len() < to_find {
                let want = (to_find - feasible.len()).min(FILTER_BATCH);
                batch.clear();
                while batch.len() < want && i < len {
                    let idx = (start + i) % len;
                    i += 1;
                    let ni = match &narrowed {
                        Some(v) => v.get(idx).copied(),
                        None => cache.node_at(idx),
                    };
                    if let Some(ni) = ni {
                        batch.push(ni);
                    }
                }
                failed.clear();
                failed.resize(batch.len(), None);
                fwk.run_filter_batch(&h, &state, &pi, &batch, &mut failed);
                for (ni, f) in batch.iter().zip(failed.iter_mut()) {
                    processed += 1;
                    let Some(st) = f.take() else {
                        feasible.push(ni);
                        continue;
                    };
                    if st.code == Code::Error {
                        *next_start_node_index = (start + processed) % num_all;
                        record.statuses = std::mem::take(&mut rejections.statuses);
                        return compact_error(record, st.message());
                    }
                    if !nominated_rejection
                        .as_ref()
                        .is_some_and(|(n, _)| Arc::ptr_eq(n, &ni.name))
                    {
                        rejected += 1;
                    }
                    let idx = rejections.index(st);
                    record
                        .examined
                        .push((ni.name.clone(), Examined::Rejected(idx)));
                }
            }
            *next_start_node_index = (start + processed) % num_all;
        }
    }
    record.statuses = std::mem::take(&mut rejections.statuses);

    if feasible.is_empty() {
        record.fill_diagnosis(nominated_rejection.as_ref(), &mut diagnosis);
        // PostFilter: preemption.
        let (result, st) =
            fwk.run_post_filter_plugins(&h, &state, &pi, &diagnosis.node_to_status, rng);
        diagnosis.post_filter_msg = st.message();
        let message = fit_error_message(num_all, &diagnosis);
        let (nominated, victims) = match result {
            Some(r) => (r.nominated_node_name, r.victims),
            None => (None, Vec::new()),
        };
        record.base.nominated_node_name = nominated.clone();
        record.base.victims = victims.iter().map(|v| v.key.clone()).collect();
        record.base.message = message.clone();
        return CompactOutcome {
            decision: Decision::Unschedulable {
                message,
                nominated_node_name: nominated,
                victims: victims.iter().map(|v| v.pod.clone()).collect(),
            },
            record,
        };
    }

    let evaluated = feasible.len() + rejected;
    let chosen: Arc<str> = if feasible.len() == 1 {
        let ni = feasible[0];
        record.examined.push((ni.name.clone(), Examined::Unscored));
        ni.name.clone()
    } else {
        let st = fwk.run_pre_score_plugins(&h, &mut state, &pi, &feasible);
        if !st.is_success() {
            return compact_error(record, st.message());
        }
        let table = match fwk.run_score_table(&h, &state, &pi, &feasible) {
            Ok(s) => s,
            Err(st) => return compact_error(record, st.message()),
        };
        record.examined.extend(
            feasible
                .iter()
                .enumerate()
                .map(|(i, n)| (n.name.clone(), Examined::Scored(i as u32))),
        );
        let best = select_host_by_total(&table.totals, rng);
        record.scores = table;
        match best.and_then(|i| feasible.get(i)) {
            Some(n) => n.name.clone(),
            None => return compact_error(record, "empty priorityList".to_string()),
        }
    };
    record.base.selected = Some(chosen.to_string());
    record.base.message = format!("Successfully assigned {} to {}", pi.key, chosen);
    CompactOutcome {
        decision: Decision::Scheduled {
            node: chosen.to_string(),
            evaluated_nodes: evaluated,
            feasible_nodes: feasible.len(),
        },
        record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{Node, Taint};
    use crate::scheduler::cache::tests::{node, on, pod};

    fn default_cluster() -> Cache {
        let mut c = Cache::new();
        let mut cp = node("kubeplay-control-plane", "4", "8Gi");
        cp.metadata
            .labels
            .insert("node-role.kubernetes.io/control-plane".into(), "".into());
        cp.spec.taints.push(Taint {
            key: "node-role.kubernetes.io/control-plane".into(),
            effect: "NoSchedule".into(),
            ..Default::default()
        });
        c.add_node(Arc::new(cp));
        for i in 1..=3 {
            c.add_node(Arc::new(node(&format!("kubeplay-worker-{i}"), "4", "8Gi")));
        }
        c
    }

    fn decision_message(o: &Outcome) -> String {
        match &o.decision {
            Decision::Unschedulable { message, .. } => message.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn sampling_counts() {
        assert_eq!(num_feasible_nodes_to_find(None, 5000), 500);
        assert_eq!(num_feasible_nodes_to_find(None, 100), 100);
        assert_eq!(num_feasible_nodes_to_find(None, 99), 99);
        assert_eq!(num_feasible_nodes_to_find(None, 1000), 420);
        assert_eq!(num_feasible_nodes_to_find(None, 6000), 300);
        assert_eq!(num_feasible_nodes_to_find(None, 150), 100);
        assert_eq!(num_feasible_nodes_to_find(Some(30), 1000), 300);
    }

    #[test]
    fn too_big_pod_gets_upstream_message() {
        let c = default_cluster();
        let mut st = SchedulerState::default();
        let mut rng = Rng::new(1);
        let o = schedule_pod(
            &Arc::new(pod("default", "big", "5", "")),
            None,
            &c,
            &mut st,
            &mut rng,
        );
        assert_eq!(
            decision_message(&o),
            "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.."
        );
        assert_eq!(o.record.nodes.len(), 4);
        let cp = &o.record.nodes[0];
        assert_eq!(&*cp.node, "kubeplay-control-plane");
        assert_eq!(
            cp.rejected.as_ref().map(|r| r.plugin),
            Some("TaintToleration")
        );
        assert!(o.record.nodes[1..]
            .iter()
            .all(|n| n.rejected.as_ref().map(|r| r.plugin) == Some("NodeResourcesFit")));
        match o.decision {
            Decision::Unschedulable {
                nominated_node_name,
                ..
            } => assert_eq!(nominated_node_name, Some(String::new())),
            other => panic!("{other:?}"),
        }
        // preemptionPolicy Never.
        let mut p = pod("default", "big", "5", "");
        p.spec.preemption_policy = Some("Never".into());
        let o = schedule_pod(&Arc::new(p), None, &c, &mut st, &mut rng);
        assert_eq!(
            decision_message(&o),
            "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.."
        );
    }

    #[test]
    fn schedules_on_least_allocated_worker_with_scores() {
        let mut c = default_cluster();
        c.add_pod(Arc::new(on(
            pod("default", "a", "2", "2Gi"),
            "kubeplay-worker-1",
        )));
        c.add_pod(Arc::new(on(
            pod("default", "b", "1", "1Gi"),
            "kubeplay-worker-2",
        )));
        let mut st = SchedulerState::default();
        let mut rng = Rng::new(7);
        let o = schedule_pod(
            &Arc::new(pod("default", "p", "500m", "512Mi")),
            None,
            &c,
            &mut st,
            &mut rng,
        );
        match &o.decision {
            Decision::Scheduled {
                node,
                evaluated_nodes,
                feasible_nodes,
            } => {
                assert_eq!(node, "kubeplay-worker-3");
                assert_eq!((*evaluated_nodes, *feasible_nodes), (4, 3));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            o.record.message,
            "Successfully assigned default/p to kubeplay-worker-3"
        );
        let w3 = o
            .record
            .nodes
            .iter()
            .find(|n| &*n.node == "kubeplay-worker-3")
            .expect("w3");
        let plugins: Vec<&str> = w3.scores.iter().map(|s| s.plugin).collect();
        assert_eq!(
            plugins,
            vec![
                "TaintToleration",
                "NodeResourcesFit",
                "NodeResourcesBalancedAllocation",
                "ImageLocality"
            ]
        );
        let fit = &w3.scores[1];
        // cpu (4000-500)*100/4000 = 87, memory (8Gi-512Mi)*100/8Gi = 93 -> 90.
        assert_eq!((fit.raw, fit.normalized, fit.weighted), (90, 90, 90));
        assert_eq!(w3.total, w3.scores.iter().map(|s| s.weighted).sum::<i64>());
    }

    #[test]
    fn ties_broken_deterministically_per_seed() {
        let mut c = Cache::new();
        for i in 0..10 {
            c.add_node(Arc::new(node(&format!("n{i}"), "4", "8Gi")));
        }
        let run = |seed: u64| -> Vec<String> {
            let mut st = SchedulerState::default();
            let mut rng = Rng::new(seed);
            (0..8)
                .map(|i| {
                    let o = schedule_pod(
                        &Arc::new(pod("d", &format!("p{i}"), "", "")),
                        None,
                        &c,
                        &mut st,
                        &mut rng,
                    );
                    o.record.selected.unwrap_or_default()
                })
                .collect()
        };
        assert_eq!(run(1), run(1));
        assert_eq!(run(2), run(2));
        let a = run(1);
        let distinct: BTreeSet<&String> = a.iter().collect();
        assert!(distinct.len() > 1, "ties should spread: {a:?}");
        assert_ne!(run(1), run(3));
    }

    #[test]
    fn sampling_stops_and_rotates() {
        let mut c = Cache::new();
        for i in 0..1000 {
            c.add_node(Arc::new(node(&format!("n{i:04}"), "4", "8Gi")));
        }
        let mut st = SchedulerState::default();
        let mut rng = Rng::new(1);
        let o = schedule_pod(
            &Arc::new(pod("d", "p", "", "")),
            None,
            &c,
            &mut st,
            &mut rng,
        );
        match o.decision {
            Decision::Scheduled {
                evaluated_nodes,
                feasible_nodes,
                ..
            } => assert_eq!((evaluated_nodes, feasible_nodes), (420, 420)),
            other => panic!("{other:?}"),
        }
        assert_eq!(st.next_start_node_index, 420);
        assert_eq!(
            o.record.nodes.first().map(|n| n.node.to_string()),
            Some("n0000".into())
        );
        let o = schedule_pod(
            &Arc::new(pod("d", "q", "", "")),
            None,
            &c,
            &mut st,
            &mut rng,
        );
        assert_eq!(
            o.record.nodes.first().map(|n| n.node.to_string()),
            Some("n0420".into())
        );
        assert_eq!(st.next_start_node_index, 840);
    }

    #[test]
    fn preemption_picks_lowest_priority_victims() {
        let mut c = Cache::new();
        c.add_node(Arc::new(node("n1", "4", "8Gi")));
        c.add_node(Arc::new(node("n2", "4", "8Gi")));
        let prio = |mut p: Pod, v: i32| {
            p.spec.priority = Some(v);
            p
        };
        // n1: a low (1) and a mid (5) pod; n2: two mid (5) pods.
        c.add_pod(Arc::new(on(prio(pod("d", "low", "2", ""), 1), "n1")));
        c.add_pod(Arc::new(on(prio(pod("d", "mid1", "2", ""), 5), "n1")));
        c.add_pod(Arc::new(on(prio(pod("d", "mid2", "2", ""), 5), "n2")));
        c.add_pod(Arc::new(on(prio(pod("d", "mid3", "2", ""), 5), "n2")));
        let mut st = SchedulerState::default();
        let mut rng = Rng::new(3);
        let p = prio(pod("d", "high", "2", ""), 10);
        let o = schedule_pod(&Arc::new(p), None, &c, &mut st, &mut rng);
        match &o.decision {
            Decision::Unschedulable {
                message,
                nominated_node_name,
                victims,
            } => {
                assert_eq!(message, "0/2 nodes are available: 2 Insufficient cpu.");
                assert_eq!(nominated_node_name.as_deref(), Some("n1"));
                let names: Vec<&str> = victims.iter().map(|v| v.metadata.name.as_str()).collect();
                assert_eq!(names, vec!["low"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(o.record.victims, vec!["d/low".to_string()]);
        // A pod of equal priority cannot preempt anyone.
        let p = prio(pod("d", "same", "2", ""), 1);
        let o = schedule_pod(&Arc::new(p), None, &c, &mut st, &mut rng);
        assert_eq!(
            decision_message(&o),
            "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.."
        );
    }

    #[test]
    fn preemption_respects_pdbs() {
        use crate::api::meta::LabelSelector;
        use crate::api::policy_v1::{PodDisruptionBudget, PodDisruptionBudgetStatus};
        let mut c = Cache::new();
        c.add_node(Arc::new(node("n1", "2", "8Gi")));
        c.add_node(Arc::new(node("n2", "2", "8Gi")));
        let mk = |name: &str, app: &str| {
            let mut p = pod("d", name, "2", "");
            p.spec.priority = Some(1);
            p.metadata.labels.insert("app".into(), app.into());
            p
        };
        c.add_pod(Arc::new(on(mk("guarded", "db"), "n1")));
        c.add_pod(Arc::new(on(mk("free", "web"), "n2")));
        let mut pdb = PodDisruptionBudget::default();
        pdb.metadata.name = "db".into();
        pdb.metadata.namespace = "d".into();
        pdb.spec.selector = Some(LabelSelector {
            match_labels: [("app".to_string(), "db".to_string())]
                .into_iter()
                .collect(),
            ..Default::default()
        });
        pdb.status = Some(PodDisruptionBudgetStatus {
            disruptions_allowed: 0,
            ..Default::default()
        });
        c.set_pdb(Arc::new(pdb));
        for seed in 0..5 {
            let mut st = SchedulerState::default();
            let mut rng = Rng::new(seed);
            let mut p = pod("d", "high", "2", "");
            p.spec.priority = Some(100);
            let o = schedule_pod(&Arc::new(p), None, &c, &mut st, &mut rng);
            assert_eq!(o.record.nominated_node_name.as_deref(), Some("n2"));
            assert_eq!(o.record.victims, vec!["d/free".to_string()]);
        }
    }

    #[test]
    fn no_nodes_and_prefilter_narrowing() {
        let c = Cache::new();
        let mut st = SchedulerState::default();
        let mut rng = Rng::new(1);
        let o = schedule_pod(
            &Arc::new(pod("d", "p", "", "")),
            None,
            &c,
            &mut st,
            &mut rng,
        );
        assert_eq!(decision_message(&o), "no nodes available to schedule pods");
        // NodeAffinity's metadata.name PreFilter narrows to one node.
        use crate::api::core_v1::{
            Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm,
        };
        let c = default_cluster();
        let mut p = pod("d", "p", "5", "");
        p.spec.affinity = Some(Box::new(Affinity {
            node_affinity: Some(NodeAffinity {
                required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                    node_selector_terms: vec![NodeSelectorTerm {
                        match_fields: vec![NodeSelectorRequirement {
                            key: "metadata.name".into(),
                            operator: "In".into(),
                            values: vec!["kubeplay-worker-2".into()],
                        }],
                        ..Default::default()
                    }],
                }),
                ..Default::default()
            }),
            ..Default::default()
        }));
        let o = schedule_pod(&Arc::new(p), None, &c, &mut st, &mut rng);
        assert_eq!(
            decision_message(&o),
            "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.."
        );
        assert_eq!(o.record.nodes.len(), 1);
        let _ = Node::default();
    }
}
