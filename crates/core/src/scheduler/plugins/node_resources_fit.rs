//! NodeResourcesFit: Filter checks the pod count and the pod's requests (containers,
//! init containers with sidecar rules, overhead) against allocatable minus requested
//! (`Too many pods`, `Insufficient cpu`, `Insufficient memory`,
//! `Insufficient ephemeral-storage`, `Insufficient <scalar>`); Score is the default
//! LeastAllocated strategy over cpu and memory (weights 1, 1), with the non-zero
//! request defaults (100m, 200Mi) for containers without requests.

use crate::scheduler::framework::{
    filter_each, rejection, score_each, Code, CycleState, FilterPlugin, Handle, Plugin,
    PreFilterPlugin, PreFilterResult, PreScorePlugin, Reason, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::types::{pod_requests, NodeInfo, PodInfo};

/// The NodeResourcesFit plugin (LeastAllocated scoring).
pub struct NodeResourcesFit;

/// One insufficient resource (upstream `InsufficientResource`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsufficientResource {
    pub resource_name: Reason,
    pub reason: Reason,
    pub requested: i64,
    pub used: i64,
    pub capacity: i64,
}

/// `Insufficient <name>`, without allocating for the standard resources.
fn insufficient(name: &str) -> (Reason, Reason) {
    match name {
        "cpu" => ("cpu".into(), "Insufficient cpu".into()),
        "memory" => ("memory".into(), "Insufficient memory".into()),
        "ephemeral-storage" => (
            "ephemeral-storage".into(),
            "Insufficient ephemeral-storage".into(),
        ),
        _ => (
            name.to_string().into(),
            format!("Insufficient {name}").into(),
        ),
    }
}

/// Upstream `fitsRequest`: every resource the node lacks for the pod.
pub fn fits_request(pod: &PodInfo, node: &NodeInfo) -> Vec<InsufficientResource> {
    let mut out = Vec::new();
    let allowed = node.allocatable.allowed_pod_number;
    if node.pods.len() as i64 + 1 > allowed {
        out.push(InsufficientResource {
            resource_name: "pods".into(),
            reason: "Too many pods".into(),
            requested: 1,
            used: node.pods.len() as i64,
            capacity: allowed,
        });
    }
    let r = &pod.requests;
    if r.milli_cpu == 0
        && r.memory == 0
        && r.ephemeral_storage == 0
        && r.scalar.iter().all(|(_, v)| *v == 0)
    {
        return out;
    }
    let a = &node.allocatable;
    let u = &node.requested;
    let mut check = |name: &str, req: i64, used: i64, cap: i64| {
        if req > 0 && req > cap - used {
            let (resource_name, reason) = insufficient(name);
            out.push(InsufficientResource {
                resource_name,
                reason,
                requested: req,
                used,
                capacity: cap,
            });
        }
    };
    check("cpu", r.milli_cpu, u.milli_cpu, a.milli_cpu);
    check("memory", r.memory, u.memory, a.memory);
    check(
        "ephemeral-storage",
        r.ephemeral_storage,
        u.ephemeral_storage,
        a.ephemeral_storage,
    );
    for (name, q) in &r.scalar {
        if *q == 0 {
            continue;
        }
        check(name, *q, u.scalar(name), a.scalar(name));
    }
    out
}

/// Upstream `leastRequestedScore`.
pub fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// The pod's cpu and memory for scoring, with the non-zero defaults.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScoreRequests {
    pub cpu: i64,
    pub memory: i64,
}

impl Plugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }
}

impl PreFilterPlugin for NodeResourcesFit {
    fn pre_filter(
        &self,
        _h: &Handle<'_>,
        _s: &mut CycleState,
        _pod: &PodInfo,
    ) -> (PreFilterResult, Status) {
        // The requests are computed once in PodInfo.
        (None, Status::success())
    }
}

/// Whether the pod fits the node on pods, cpu, memory and ephemeral-storage, for pods
/// without scalar requests (the common case: no list of reasons to build).
fn fits_plain(pod: &PodInfo, node: &NodeInfo) -> bool {
    let (r, a, u) = (&pod.requests, &node.allocatable, &node.requested);
    let ok = |req: i64, used: i64, cap: i64| req <= 0 || req <= cap - used;
    (node.pods.len() as i64) < a.allowed_pod_number
        && ok(r.milli_cpu, u.milli_cpu, a.milli_cpu)
        && ok(r.memory, u.memory, a.memory)
        && ok(
            r.ephemeral_storage,
            u.ephemeral_storage,
            a.ephemeral_storage,
        )
}

impl FilterPlugin for NodeResourcesFit {
    fn filter_nodes(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        let plain = pod.requests.scalar.is_empty();
        filter_each(nodes, failed, |n| {
            if plain && fits_plain(pod, n) {
                None
            } else {
                rejection(self.filter(h, state, pod, n))
            }
        });
    }
    fn filter(&self, _h: &Handle<'_>, _s: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        let insufficient = fits_request(pod, node);
        if insufficient.is_empty() {
            Status::success()
        } else {
            Status::with_reasons(
                Code::Unschedulable,
                insufficient.into_iter().map(|i| i.reason),
            )
        }
    }
}

impl PreScorePlugin for NodeResourcesFit {
    fn pre_score(
        &self,
        _h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        _nodes: &[&NodeInfo],
    ) -> Status {
        let r = pod_requests(&pod.pod, true);
        state.write(ScoreRequests {
            cpu: r.milli_cpu,
            memory: r.memory,
        });
        Status::success()
    }
}

fn score_requests(state: &CycleState, pod: &PodInfo) -> ScoreRequests {
    state
        .read::<ScoreRequests>()
        .copied()
        .unwrap_or(ScoreRequests {
            cpu: pod.non_zero_cpu,
            memory: pod.non_zero_memory,
        })
}

/// LeastAllocated over cpu and memory (weights 1, 1).
fn least_allocated(r: ScoreRequests, node: &NodeInfo) -> i64 {
    let mut score = 0;
    let mut weights = 0;
    let pairs = [
        (
            node.allocatable.milli_cpu,
            node.non_zero_requested.milli_cpu + r.cpu,
        ),
        (
            node.allocatable.memory,
            node.non_zero_requested.memory + r.memory,
        ),
    ];
    for (alloc, req) in pairs {
        if alloc == 0 {
            continue;
        }
        score += least_requested_score(req, alloc);
        weights += 1;
    }
    if weights == 0 {
        0
    } else {
        score / weights
    }
}

impl ScorePlugin for NodeResourcesFit {
    fn score(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        Ok(least_allocated(score_requests(state, pod), node))
    }
    fn score_nodes(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        out: &mut [i64],
    ) -> Result<(), Status> {
        let r = score_requests(state, pod);
        score_each(nodes, out, |n| least_allocated(r, n));
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
    use std::sync::Arc;

    fn container(cpu: &str, mem: &str) -> Container {
        let mut c = Container::default();
        if !cpu.is_empty() {
            c.resources
                .requests
                .insert("cpu".into(), Quantity::parse(cpu).expect("q"));
        }
        if !mem.is_empty() {
            c.resources
                .requests
                .insert("memory".into(), Quantity::parse(mem).expect("q"));
        }
        c
    }

    #[test]
    fn requests_with_init_containers_sidecars_and_overhead() {
        let mut p = Pod::default();
        p.spec.containers = vec![container("1", "1Gi"), container("500m", "")];
        // A regular init container larger than the sum wins for cpu.
        p.spec.init_containers = vec![container("2", "")];
        let r = pod_requests(&p, false);
        assert_eq!((r.milli_cpu, r.memory), (2000, 1 << 30));
        // A sidecar adds to the sum and to later init containers.
        let mut side = container("300m", "");
        side.restart_policy = Some("Always".into());
        p.spec.init_containers = vec![side, container("1500m", "")];
        let r = pod_requests(&p, false);
        // sum = 1500 + 300 = 1800; init max = 300 + 1500 = 1800.
        assert_eq!(r.milli_cpu, 1800);
        p.spec
            .overhead
            .insert("cpu".into(), Quantity::parse("250m").expect("q"));
        assert_eq!(pod_requests(&p, false).milli_cpu, 2050);
        // Non-zero defaults for scoring: every container without a memory request
        // counts 200Mi (the second container and the sidecar add to the sum).
        let nz = pod_requests(&p, true);
        assert_eq!(nz.memory, (1 << 30) + 2 * 200 * 1024 * 1024);
    }

    #[test]
    fn filter_reasons() {
        let mut c = Cache::new();
        c.add_node(Arc::new(node("n", "4", "8Gi")));
        c.add_pod(Arc::new(on(pod("d", "a", "3", "7Gi"), "n")));
        let s = run_filters(&c, &pi(pod("d", "p", "2", "2Gi")), "n");
        assert_eq!(s.code, Code::Unschedulable);
        assert_eq!(s.plugin, "NodeResourcesFit");
        assert_eq!(
            s.reasons,
            vec![
                "Insufficient cpu".to_string(),
                "Insufficient memory".to_string()
            ]
        );
        let mut n = node("small", "4", "8Gi");
        if let Some(st) = n.status.as_mut() {
            st.allocatable
                .insert("pods".into(), Quantity::parse("1").expect("q"));
        }
        c.add_node(Arc::new(n));
        c.add_pod(Arc::new(on(pod("d", "b", "", ""), "small")));
        let s = run_filters(&c, &pi(pod("d", "p", "", "")), "small");
        assert_eq!(s.reasons, vec!["Too many pods".to_string()]);
        let mut p = pod("d", "p", "", "");
        if let Some(ct) = p.spec.containers.first_mut() {
            ct.resources
                .requests
                .insert("example.com/gpu".into(), Quantity::parse("1").expect("q"));
        }
        let s = run_filters(&c, &pi(p), "n");
        assert_eq!(s.reasons, vec!["Insufficient example.com/gpu".to_string()]);
    }

    #[test]
    fn least_allocated_scores() {
        // Upstream TestLeastAllocatedScoringStrategy "nothing scheduled, resources
        // requested, differently sized nodes": 37 and 50.
        let c = Cache::new();
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let mut p = Pod::default();
        p.spec.containers = vec![container("1000m", "2000"), container("2000m", "3000")];
        let p = pi(p);
        let n1 = ni(node("node1", "4000m", "10000"), vec![]);
        let n2 = ni(node("node2", "6000m", "10000"), vec![]);
        let mut st = CycleState::default();
        NodeResourcesFit.pre_score(&h, &mut st, &p, &[&n1, &n2]);
        assert_eq!(NodeResourcesFit.score(&h, &st, &p, &n1), Ok(37));
        assert_eq!(NodeResourcesFit.score(&h, &st, &p, &n2), Ok(50));
    }
}
