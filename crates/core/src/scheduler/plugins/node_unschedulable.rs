//! NodeUnschedulable: rejects nodes with `spec.unschedulable` unless the pod tolerates
//! the `node.kubernetes.io/unschedulable:NoSchedule` taint.

use super::tolerations_tolerate_taint;
use crate::api::core_v1::Taint;
use crate::scheduler::framework::{
    filter_each, rejection, Code, CycleState, FilterPlugin, Handle, Plugin, Status,
};
use crate::scheduler::types::{NodeInfo, PodInfo};

/// Upstream `ErrReasonUnschedulable`.
pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";

/// The NodeUnschedulable plugin.
pub struct NodeUnschedulable;

impl Plugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        "NodeUnschedulable"
    }
}

impl FilterPlugin for NodeUnschedulable {
    fn filter(&self, _h: &Handle<'_>, _s: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        if !node.unschedulable {
            return Status::success();
        }
        let taint = Taint {
            key: "node.kubernetes.io/unschedulable".into(),
            effect: "NoSchedule".into(),
            ..Default::default()
        };
        if tolerations_tolerate_taint(&pod.pod.spec.tolerations, &taint) {
            return Status::success();
        }
        Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE)
    }
    fn filter_nodes(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        filter_each(nodes, failed, |n| {
            n.unschedulable
                .then(|| rejection(self.filter(h, state, pod, n)))
                .flatten()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::Toleration;
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;

    #[test]
    fn unschedulable_node() {
        let mut n = node("n", "1", "1Gi");
        n.spec.unschedulable = true;
        let ni = ni(n, vec![]);
        let c = Cache::new();
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let s =
            NodeUnschedulable.filter(&h, &CycleState::default(), &pi(pod("d", "p", "", "")), &ni);
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.reasons, vec!["node(s) were unschedulable".to_string()]);
        let mut p = pod("d", "p", "", "");
        p.spec.tolerations.push(Toleration {
            key: "node.kubernetes.io/unschedulable".into(),
            operator: "Exists".into(),
            effect: "NoSchedule".into(),
            ..Default::default()
        });
        assert!(NodeUnschedulable
            .filter(&h, &CycleState::default(), &pi(p), &ni)
            .is_success());
    }
}
