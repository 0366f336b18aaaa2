//! The default plugins, one file each, with upstream semantics and reason strings,
//! plus the helpers several of them share (toleration matching).

pub mod balanced_allocation;
pub mod default_preemption;
pub mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod taint_toleration;
pub mod volume;

use crate::api::core_v1::{Taint, Toleration};

/// Upstream `Toleration.ToleratesTaint`.
pub fn tolerates_taint(t: &Toleration, taint: &Taint) -> bool {
    if !t.effect.is_empty() && t.effect != taint.effect {
        return false;
    }
    if !t.key.is_empty() && t.key != taint.key {
        return false;
    }
    match t.operator.as_str() {
        "" | "Equal" => t.value == taint.value,
        "Exists" => true,
        _ => false,
    }
}

/// Upstream `TolerationsTolerateTaint`.
pub fn tolerations_tolerate_taint(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| tolerates_taint(t, taint))
}

/// Upstream `FindMatchingUntoleratedTaint`: the first taint passing `filter` that no
/// toleration tolerates.
pub fn find_matching_untolerated_taint<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
    filter: impl Fn(&Taint) -> bool,
) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|t| filter(t))
        .find(|t| !tolerations_tolerate_taint(tolerations, t))
}

/// Taints the Filter considers: NoSchedule and NoExecute.
pub fn do_not_schedule_taint(t: &Taint) -> bool {
    t.effect == "NoSchedule" || t.effect == "NoExecute"
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Builders shared by the plugin tests.
    use std::sync::Arc;

    use crate::api::core_v1::{Node, Pod};
    use crate::scheduler::cache::tests as ct;
    use crate::scheduler::framework::{CycleState, Framework, Handle, Status};
    use crate::scheduler::types::{NodeInfo, PodInfo};
    use crate::scheduler::Cache;

    pub use ct::{node, on, pod};

    pub fn pi(p: Pod) -> PodInfo {
        PodInfo::new(Arc::new(p))
    }

    pub fn ni(n: Node, pods: Vec<Pod>) -> NodeInfo {
        let mut ni = NodeInfo::new(
            Arc::new(n),
            &mut crate::scheduler::types::Symbols::default(),
        );
        for p in pods {
            ni.add_pod(Arc::new(PodInfo::new(Arc::new(p))));
        }
        ni
    }

    /// Runs every PreFilter of the default profile and then the Filters on one node.
    pub fn run_filters(cache: &Cache, pod: &PodInfo, node: &str) -> Status {
        let fwk = Framework::default_profile();
        let h = Handle {
            cache,
            default_spread_selector: None,
        };
        let mut st = CycleState::default();
        let (_, s, _) = fwk.run_pre_filter_plugins(&h, &mut st, pod);
        if !s.is_success() {
            return s;
        }
        match cache.node_info(node) {
            Some(n) => fwk.run_filter_plugins(&h, &st, pod, n),
            None => Status::error("no node"),
        }
    }
}
