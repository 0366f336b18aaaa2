//! DefaultPreemption (PostFilter), as upstream v1.33 (`defaultpreemption` and
//! `framework/preemption`): a pod that fits nowhere may evict lower-priority pods.
//! Candidate nodes are those whose filter status was Unschedulable (not Unresolvable);
//! on each (starting at a random offset, stopping after `max(100, 10% of them)`
//! candidates once one violates no PodDisruptionBudget) every lower-priority pod is
//! removed, the filters re-run, and then pods are reprieved from the most important
//! down (PDB-violating ones first) as long as the pod still fits. The node is chosen by
//! fewest PDB violations, lowest highest-victim priority, smallest priority sum,
//! fewest victims, latest earliest start time among the highest-priority victims, then
//! the first. The caller deletes the victims (with the `DisruptionTarget` condition,
//! reason `PreemptionByScheduler`) and sets the pod's `status.nominatedNodeName`.
//! Pods with `preemptionPolicy: Never` do not preempt. Nominated pods of other
//! preemptors are not considered when re-running filters (the library keeps no
//! nominator); PodDisruptionBudgets come from [`crate::scheduler::Cache::set_pdb`].

use std::sync::Arc;

use crate::api::core_v1::Pod;
use crate::api::labels::Selector;
use crate::api::policy_v1::PodDisruptionBudget;
use crate::scheduler::framework::{
    fit_error_message, Code, CycleState, Diagnosis, Framework, Handle, NodeToStatus, Plugin,
    PostFilterPlugin, PostFilterResult, Status,
};
use crate::scheduler::types::{NodeInfo, PodInfo};
use crate::sim::Rng;

/// The DefaultPreemption plugin.
pub struct DefaultPreemption;

/// `MinCandidateNodesPercentage` default.
const MIN_CANDIDATE_NODES_PERCENTAGE: usize = 10;
/// `MinCandidateNodesAbsolute` default.
const MIN_CANDIDATE_NODES_ABSOLUTE: usize = 100;

/// A preemption candidate: a node and the pods to evict there.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub node: Arc<str>,
    /// Victims, most important first.
    pub victims: Vec<Arc<PodInfo>>,
    pub num_pdb_violations: usize,
}

fn start_time(p: &Pod) -> i64 {
    p.status
        .as_ref()
        .and_then(|s| s.start_time)
        .map_or(i64::MAX, |t| t.0)
}

/// Upstream `util.MoreImportantPod`: higher priority, then earlier start.
pub fn more_important(a: &PodInfo, b: &PodInfo) -> std::cmp::Ordering {
    b.priority
        .cmp(&a.priority)
        .then_with(|| start_time(&a.pod).cmp(&start_time(&b.pod)))
}

fn terminating_by_preemption(p: &Pod) -> bool {
    p.metadata.deletion_timestamp.is_some()
        && p.status.as_ref().is_some_and(|s| {
            s.conditions.iter().any(|c| {
                c.type_ == "DisruptionTarget"
                    && c.status == "True"
                    && c.reason == "PreemptionByScheduler"
            })
        })
}

/// Upstream `filterPodsWithPDBViolation`: (violating, non-violating), order kept.
fn split_by_pdb(
    pods: &[Arc<PodInfo>],
    pdbs: &[Arc<PodDisruptionBudget>],
) -> (Vec<Arc<PodInfo>>, Vec<Arc<PodInfo>>) {
    let mut allowed: Vec<i64> = pdbs
        .iter()
        .map(|p| {
            p.status
                .as_ref()
                .map_or(0, |s| s.disruptions_allowed as i64)
        })
        .collect();
    let selectors: Vec<Option<Selector>> = pdbs
        .iter()
        .map(|p| Selector::from_optional_label_selector(p.spec.selector.as_ref()).ok())
        .collect();
    let (mut violating, mut ok) = (Vec::new(), Vec::new());
    for pi in pods {
        let pod = &pi.pod;
        let mut violated = false;
        if !pod.metadata.labels.is_empty() {
            for (i, pdb) in pdbs.iter().enumerate() {
                if pdb.metadata.namespace != pod.metadata.namespace {
                    continue;
                }
                let Some(Some(sel)) = selectors.get(i) else {
                    continue;
                };
                if sel.is_empty() || !sel.matches(&pod.metadata.labels) {
                    continue;
                }
                if pdb
                    .status
                    .as_ref()
                    .is_some_and(|s| s.disrupted_pods.contains_key(&pod.metadata.name))
                {
                    continue;
                }
                if let Some(a) = allowed.get_mut(i) {
                    *a -= 1;
                    if *a < 0 {
                        violated = true;
                    }
                }
            }
        }
        if violated {
            violating.push(pi.clone());
        } else {
            ok.push(pi.clone());
        }
    }
    (violating, ok)
}

/// Upstream `SelectVictimsOnNode`: the victims and the number violating a PDB.
pub fn select_victims_on_node(
    h: &Handle<'_>,
    fwk: &Framework,
    state: &CycleState,
    pod: &PodInfo,
    node: &NodeInfo,
    pdbs: &[Arc<PodDisruptionBudget>],
) -> Result<(Vec<Arc<PodInfo>>, usize), Status> {
    let mut ni = node.clone();
    let mut st = state.clone();
    let mut potential: Vec<Arc<PodInfo>> = Vec::new();
    for p in &node.pods {
        if p.priority < pod.priority {
            potential.push(p.clone());
            ni.remove_pod(&p.key);
            let s = fwk.run_pre_filter_extension_remove_pod(h, &mut st, pod, p, &ni);
            if !s.is_success() {
                return Err(s);
            }
        }
    }
    if potential.is_empty() {
        return Err(Status::new(
            Code::UnschedulableAndUnresolvable,
            "No preemption victims found for incoming pod",
        ));
    }
    let s = fwk.run_filter_plugins(h, &st, pod, &ni);
    if !s.is_success() {
        return Err(s);
    }
    potential.sort_by(|a, b| more_important(a, b));
    let (violating, non_violating) = split_by_pdb(&potential, pdbs);
    let mut victims: Vec<Arc<PodInfo>> = Vec::new();
    let mut num_violating = 0;
    let reprieve = |p: &Arc<PodInfo>,
                    ni: &mut NodeInfo,
                    st: &mut CycleState,
                    victims: &mut Vec<Arc<PodInfo>>|
     -> Result<bool, Status> {
        ni.add_pod(p.clone());
        let s = fwk.run_pre_filter_extension_add_pod(h, st, pod, p, ni);
        if !s.is_success() {
            return Err(s);
        }
        let fits = fwk.run_filter_plugins(h, st, pod, ni).is_success();
        if !fits {
            ni.remove_pod(&p.key);
            let s = fwk.run_pre_filter_extension_remove_pod(h, st, pod, p, ni);
            if !s.is_success() {
                return Err(s);
            }
            victims.push(p.clone());
        }
        Ok(fits)
    };
    for p in &violating {
        if !reprieve(p, &mut ni, &mut st, &mut victims)? {
            num_violating += 1;
        }
    }
    for p in &non_violating {
        reprieve(p, &mut ni, &mut st, &mut victims)?;
    }
    if !violating.is_empty() && !non_violating.is_empty() {
        victims.sort_by(|a, b| more_important(a, b));
    }
    Ok((victims, num_violating))
}

/// Upstream `pickOneNodeForPreemption`.
pub fn pick_one_node_for_preemption(candidates: &[Candidate]) -> Option<usize> {
    if candidates.is_empty() {
        return None;
    }
    let earliest_of_highest = |c: &Candidate| -> i64 {
        let Some(first) = c.victims.first() else {
            return i64::MIN;
        };
        let mut max_prio = first.priority;
        let mut earliest = start_time(&first.pod);
        for v in &c.victims {
            if v.priority == max_prio {
                earliest = earliest.min(start_time(&v.pod));
            } else if v.priority > max_prio {
                max_prio = v.priority;
                earliest = start_time(&v.pod);
            }
        }
        earliest
    };
    let score_fns: [&dyn Fn(&Candidate) -> i64; 5] = [
        &|c| -(c.num_pdb_violations as i64),
        &|c| -(c.victims.first().map_or(0, |v| v.priority) as i64),
        &|c| {
            -c.victims
                .iter()
                .map(|v| v.priority as i64 + i32::MAX as i64 + 1)
                .sum::<i64>()
        },
        &|c| -(c.victims.len() as i64),
        &earliest_of_highest,
    ];
    let mut all: Vec<usize> = (0..candidates.len()).collect();
    for f in score_fns {
        let mut selected: Vec<usize> = Vec::new();
        let mut max = i64::MIN;
        for &i in &all {
            let Some(c) = candidates.get(i) else {
                continue;
            };
            let s = f(c);
            if s > max {
                max = s;
                selected.clear();
            }
            if s == max {
                selected.push(i);
            }
        }
        if selected.len() == 1 {
            return selected.first().copied();
        }
        all = selected;
    }
    all.first().copied()
}

fn preempt(
    h: &Handle<'_>,
    fwk: &Framework,
    state: &CycleState,
    pod: &PodInfo,
    statuses: &NodeToStatus,
    rng: &mut Rng,
) -> (Option<PostFilterResult>, Status) {
    // 1) Is the pod eligible to preempt?
    if pod.pod.spec.preemption_policy.as_deref() == Some("Never") {
        return (
            None,
            Status::new(
                Code::Unschedulable,
                "not eligible due to preemptionPolicy=Never.",
            ),
        );
    }
    let nominated = pod
        .pod
        .status
        .as_ref()
        .map(|s| s.nominated_node_name.as_str())
        .unwrap_or("");
    if !nominated.is_empty() && statuses.get(nominated).code != Code::UnschedulableAndUnresolvable {
        if let Some(ni) = h.cache.node_info(nominated) {
            if ni
                .pods
                .iter()
                .any(|p| p.priority < pod.priority && terminating_by_preemption(&p.pod))
            {
                return (
                    None,
                    Status::new(
                        Code::Unschedulable,
                        "not eligible due to a terminating pod on the nominated node.",
                    ),
                );
            }
        }
    }
    // 2) Find candidates.
    let num_all = h.cache.num_nodes();
    if num_all == 0 {
        return (None, Status::error("no nodes available"));
    }
    let potential: Vec<&NodeInfo> = h
        .cache
        .nodes()
        .filter(|n| statuses.get(&n.name).code == Code::Unschedulable)
        .collect();
    let mut node_statuses = NodeToStatus::default();
    let mut candidates: Vec<Candidate> = Vec::new();
    if !potential.is_empty() {
        let pdbs: Vec<Arc<PodDisruptionBudget>> = h.cache.pdbs().cloned().collect();
        let n = potential.len();
        let offset = rng.below(n as u64) as usize;
        let num_candidates = (n * MIN_CANDIDATE_NODES_PERCENTAGE / 100)
            .max(MIN_CANDIDATE_NODES_ABSOLUTE)
            .min(n);
        let mut violating: Vec<Candidate> = Vec::new();
        let mut non_violating: Vec<Candidate> = Vec::new();
        for i in 0..n {
            let Some(node) = potential.get((offset + i) % n) else {
                continue;
            };
            match select_victims_on_node(h, fwk, state, pod, node, &pdbs) {
                Ok((victims, nv)) if !victims.is_empty() => {
                    let c = Candidate {
                        node: node.name.clone(),
                        victims,
                        num_pdb_violations: nv,
                    };
                    if nv == 0 {
                        non_violating.push(c);
                    } else {
                        violating.push(c);
                    }
                    if !non_violating.is_empty()
                        && non_violating.len() + violating.len() >= num_candidates
                    {
                        break;
                    }
                }
                Ok(_) => {
                    node_statuses.statuses.insert(
                        node.name.clone(),
                        Status::error(format!(
                            "expected at least one victim pod on node {:?}",
                            &*node.name
                        )),
                    );
                }
                Err(s) => {
                    node_statuses.statuses.insert(node.name.clone(), s);
                }
            }
        }
        candidates = non_violating;
        candidates.extend(violating);
    }
    if candidates.is_empty() {
        node_statuses.absent = Status::new(
            Code::UnschedulableAndUnresolvable,
            "Preemption is not helpful for scheduling",
        );
        let d = Diagnosis {
            node_to_status: node_statuses,
            ..Default::default()
        };
        return (
            Some(PostFilterResult {
                nominated_node_name: Some(String::new()),
                victims: Vec::new(),
            }),
            Status::new(Code::Unschedulable, fit_error_message(num_all, &d)),
        );
    }
    // 3) Pick the best candidate.
    let best = pick_one_node_for_preemption(&candidates).unwrap_or(0);
    let Some(c) = candidates.into_iter().nth(best) else {
        return (None, Status::error("no candidate"));
    };
    (
        Some(PostFilterResult {
            nominated_node_name: Some(c.node.to_string()),
            victims: c.victims,
        }),
        Status::success(),
    )
}

impl Plugin for DefaultPreemption {
    fn name(&self) -> &'static str {
        "DefaultPreemption"
    }
}

impl PostFilterPlugin for DefaultPreemption {
    fn post_filter(
        &self,
        h: &Handle<'_>,
        fwk: &Framework,
        state: &CycleState,
        pod: &PodInfo,
        statuses: &NodeToStatus,
        rng: &mut Rng,
    ) -> (Option<PostFilterResult>, Status) {
        let (r, s) = preempt(h, fwk, state, pod, statuses, rng);
        let msg = s.message();
        if msg.is_empty() {
            (r, s)
        } else {
            (r, Status::new(s.code, format!("preemption: {msg}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::Time;

    fn victim(name: &str, prio: i32, start: i64) -> Arc<PodInfo> {
        let mut p = Pod::default();
        p.metadata.name = name.into();
        p.spec.priority = Some(prio);
        let st = crate::api::core_v1::PodStatus {
            start_time: Some(Time(start)),
            ..Default::default()
        };
        p.status = Some(st);
        Arc::new(PodInfo::new(Arc::new(p)))
    }

    fn cand(node: &str, victims: Vec<Arc<PodInfo>>, pdb: usize) -> Candidate {
        Candidate {
            node: Arc::from(node),
            victims,
            num_pdb_violations: pdb,
        }
    }

    #[test]
    fn pick_node_criteria_in_order() {
        // Fewer PDB violations first.
        let c = vec![
            cand("a", vec![victim("x", 1, 0)], 1),
            cand("b", vec![victim("y", 5, 0)], 0),
        ];
        assert_eq!(pick_one_node_for_preemption(&c), Some(1));
        // Lowest highest-priority victim.
        let c = vec![
            cand("a", vec![victim("x", 10, 0)], 0),
            cand("b", vec![victim("y", 5, 0), victim("z", 5, 0)], 0),
        ];
        assert_eq!(pick_one_node_for_preemption(&c), Some(1));
        // Smallest priority sum.
        let c = vec![
            cand("a", vec![victim("x", 5, 0), victim("w", 4, 0)], 0),
            cand("b", vec![victim("y", 5, 0), victim("z", 3, 0)], 0),
        ];
        assert_eq!(pick_one_node_for_preemption(&c), Some(1));
        // Fewest victims (same sum impossible with offsets unless counts equal: use
        // equal priorities).
        let c = vec![
            cand("a", vec![victim("x", 5, 0), victim("w", 5, 0)], 0),
            cand("b", vec![victim("y", 5, 0)], 0),
        ];
        assert_eq!(pick_one_node_for_preemption(&c), Some(1));
        // Latest start among highest-priority victims; then the first.
        let c = vec![
            cand("a", vec![victim("x", 5, 100)], 0),
            cand("b", vec![victim("y", 5, 200)], 0),
            cand("c", vec![victim("z", 5, 200)], 0),
        ];
        assert_eq!(pick_one_node_for_preemption(&c), Some(1));
    }
}
