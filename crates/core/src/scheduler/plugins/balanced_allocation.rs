//! NodeResourcesBalancedAllocation (v1.33): favours nodes whose cpu and memory
//! fractions (requested including the pod, over allocatable, capped at 1) are close:
//! `(1 - std) * 100`, with the standard deviation of the fractions. Uses the actual
//! requests (not the non-zero defaults); best-effort pods (no requests) skip it.

use crate::scheduler::framework::{
    CycleState, Handle, Plugin, PreScorePlugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::types::{NodeInfo, PodInfo};

/// The NodeResourcesBalancedAllocation plugin.
pub struct BalancedAllocation;

#[derive(Clone, Copy)]
struct PreScoreState {
    cpu: i64,
    memory: i64,
}

/// Upstream `balancedResourceScorer`.
pub fn balanced_resource_scorer(requested: &[i64], allocatable: &[i64]) -> i64 {
    let mut fractions = Vec::with_capacity(requested.len());
    let mut total = 0.0;
    for (r, a) in requested.iter().zip(allocatable) {
        if *a == 0 {
            continue;
        }
        let f = (*r as f64 / *a as f64).min(1.0);
        total += f;
        fractions.push(f);
    }
    let std = match fractions.as_slice() {
        [a, b] => ((a - b) / 2.0).abs(),
        f if f.len() > 2 => {
            let mean = total / f.len() as f64;
            let sum: f64 = f.iter().map(|x| (x - mean) * (x - mean)).sum();
            (sum / f.len() as f64).sqrt()
        }
        _ => 0.0,
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

impl ScorePlugin for BalancedAllocation {
    fn score(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        let s = state
            .read::<PreScoreState>()
            .copied()
            .unwrap_or(PreScoreState {
                cpu: pod.requests.milli_cpu,
                memory: pod.requests.memory,
            });
        let alloc = [node.allocatable.milli_cpu, node.allocatable.memory];
        let req = [
            node.requested.milli_cpu + s.cpu,
            node.requested.memory + s.memory,
        ];
        Ok(balanced_resource_scorer(&req, &alloc))
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
