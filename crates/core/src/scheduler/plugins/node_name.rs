//! NodeName: a pod that names a node (`spec.nodeName`) fits only that node.

use crate::scheduler::framework::{
    filter_each, rejection, Code, CycleState, FilterPlugin, Handle, Plugin, Status,
};
use crate::scheduler::types::{NodeInfo, PodInfo};

/// Upstream `ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't match the requested node name";

/// The NodeName plugin.
pub struct NodeName;

impl Plugin for NodeName {
    fn name(&self) -> &'static str {
        "NodeName"
    }
}

impl FilterPlugin for NodeName {
    fn filter(&self, _h: &Handle<'_>, _s: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        let want = &pod.pod.spec.node_name;
        if want.is_empty() || **want == *node.name {
            Status::success()
        } else {
            Status::new(Code::UnschedulableAndUnresolvable, ERR_REASON)
        }
    }
    fn filter_nodes(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        if !pod.pod.spec.node_name.is_empty() {
            filter_each(nodes, failed, |n| rejection(self.filter(h, state, pod, n)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;

    #[test]
    fn node_name_match() {
        let c = Cache::new();
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let n = ni(node("foo", "1", "1Gi"), vec![]);
        let st = CycleState::default();
        assert!(NodeName
            .filter(&h, &st, &pi(pod("d", "p", "", "")), &n)
            .is_success());
        assert!(NodeName
            .filter(&h, &st, &pi(on(pod("d", "p", "", ""), "foo")), &n)
            .is_success());
        let s = NodeName.filter(&h, &st, &pi(on(pod("d", "p", "", ""), "bar")), &n);
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.reasons, vec![ERR_REASON.to_string()]);
    }
}
