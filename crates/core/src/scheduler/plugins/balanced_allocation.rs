//! NodeResourcesBalancedAllocation (v1.33): favours nodes whose cpu and memory
//! fractions (requested including the pod, over allocatable, capped at 1) are close:
//! `(1 - std) * 100`, with the standard deviation of the fractions. Uses the actual
//! requests (not the non-zero defaults); best-effort pods (no requests) skip it.

use crate::scheduler::framework::{
    score_each, CycleState, Handle, Plugin, PreScorePlugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::types::{NodeInfo, PodInfo};

/// The NodeResourcesBalancedAllocation plugin.
pub struct BalancedAllocation;

#[derive(Clone, Copy)]
struct PreScoreState {
    cpu: i64,
    memory: i64,
}

/// Upstream `balancedResourceScorer` (no allocation: the fractions are recomputed
/// for the general case instead of collected).
pub fn balanced_resource_scorer(requested: &[i64], allocatable: &[i64]) -> i64 {
    let fractions = || {
        requested
            .iter()
            .zip(allocatable)
            .filter(|(_, a)| **a != 0)
            .map(|(r, a)| (*r as f64 / *a as f64).min(1.0))
    };
    let (count, total) = fractions().fold((0usize, 0.0), |(n, t), f| (n + 1, t + f));
    let std = if count == 2 {
        let mut it = fractions();
        match (it.next(), it.next()) {
            (Some(a), Some(b)) => ((a - b) / 2.0).abs(),
            _ => 0.0,
        }
    } else if count > 2 {
        let mean = total / count as f64;
        let sum: f64 = fractions().map(|x| (x - mean) * (x - mean)).sum();
        (sum / count as f64).sqrt()
    } else {
        0.0
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

impl Plugin for BalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }
}

impl PreScorePlugin for BalancedAllocation {
    fn pre_score(
        &self,
        _h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        _nodes: &[&NodeInfo],
    ) -> Status {
        let s = PreScoreState {
            cpu: pod.requests.milli_cpu,
            memory: pod.requests.memory,
        };
        if s.cpu == 0 && s.memory == 0 {
            return Status::skip();
        }
        state.write(s);
        Status::success()
    }
}

fn pre_score_state(state: &CycleState, pod: &PodInfo) -> PreScoreState {
    state
        .read::<PreScoreState>()
        .copied()
        .unwrap_or(PreScoreState {
            cpu: pod.requests.milli_cpu,
            memory: pod.requests.memory,
        })
}

/// [`balanced_resource_scorer`] for cpu and memory, written out.
fn balanced(s: PreScoreState, node: &NodeInfo) -> i64 {
    let fraction = |r: i64, a: i64| (a != 0).then(|| (r as f64 / a as f64).min(1.0));
    let cpu = fraction(node.requested.milli_cpu + s.cpu, node.allocatable.milli_cpu);
    let mem = fraction(node.requested.memory + s.memory, node.allocatable.memory);
    let std = match (cpu, mem) {
        (Some(c), Some(m)) => ((c - m) / 2.0).abs(),
        _ => 0.0,
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

impl ScorePlugin for BalancedAllocation {
    fn score(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        Ok(balanced(pre_score_state(state, pod), node))
    }
    fn score_nodes(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        out: &mut [i64],
    ) -> Result<(), Status> {
        let s = pre_score_state(state, pod);
        score_each(nodes, out, |n| balanced(s, n));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{Container, Pod};
    use crate::api::Quantity;
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;

    #[test]
    fn upstream_numbers() {
        // Upstream TestNodeResourcesBalancedAllocation "nothing scheduled, resources
        // requested, differently sized nodes": 87 and 100.
        let c = Cache::new();
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let mut p = Pod::default();
        for (cpu, mem) in [("1000m", "2000"), ("2000m", "3000")] {
            let mut ct = Container::default();
            ct.resources
                .requests
                .insert("cpu".into(), Quantity::parse(cpu).expect("q"));
            ct.resources
                .requests
                .insert("memory".into(), Quantity::parse(mem).expect("q"));
            p.spec.containers.push(ct);
        }
        let p = pi(p);
        let n1 = ni(node("node1", "4000m", "10000"), vec![]);
        let n2 = ni(node("node2", "6000m", "10000"), vec![]);
        let mut st = CycleState::default();
        assert!(BalancedAllocation
            .pre_score(&h, &mut st, &p, &[&n1, &n2])
            .is_success());
        assert_eq!(BalancedAllocation.score(&h, &st, &p, &n1), Ok(87));
        assert_eq!(BalancedAllocation.score(&h, &st, &p, &n2), Ok(100));
        // Best-effort pods skip the plugin.
        let be = pi(pod("d", "be", "", ""));
        assert!(BalancedAllocation
            .pre_score(&h, &mut CycleState::default(), &be, &[&n1])
            .is_skip());
        // Three resources use the general formula.
        assert_eq!(balanced_resource_scorer(&[1, 2, 3], &[4, 4, 4]), 79);
    }
}
