//! NodePorts: rejects nodes where a host port the pod's containers ask for is taken
//! (same protocol and port, same IP or either bound to 0.0.0.0).

use crate::scheduler::framework::{
    filter_each, rejection, Code, CycleState, FilterPlugin, Handle, Plugin, PreFilterPlugin,
    PreFilterResult, Status,
};
use crate::scheduler::types::{NodeInfo, PodInfo};

/// Upstream `ErrReason`.
pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

/// The NodePorts plugin.
pub struct NodePorts;

impl Plugin for NodePorts {
    fn name(&self) -> &'static str {
        "NodePorts"
    }
}

impl PreFilterPlugin for NodePorts {
    fn pre_filter(
        &self,
        _h: &Handle<'_>,
        _s: &mut CycleState,
        pod: &PodInfo,
    ) -> (PreFilterResult, Status) {
        if pod.host_ports.is_empty() {
            (None, Status::skip())
        } else {
            (None, Status::success())
        }
    }
}

impl FilterPlugin for NodePorts {
    fn filter(&self, _h: &Handle<'_>, _s: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        if pod
            .host_ports
            .iter()
            .any(|p| node.used_ports.check_conflict(p))
        {
            Status::new(Code::Unschedulable, ERR_REASON)
        } else {
            Status::success()
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
        if !pod.host_ports.is_empty() {
            filter_each(nodes, failed, |n| rejection(self.filter(h, state, pod, n)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{ContainerPort, Pod};
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;
    use std::sync::Arc;

    fn with_port(mut p: Pod, ip: &str, proto: &str, port: i32) -> Pod {
        if let Some(c) = p.spec.containers.first_mut() {
            c.ports.push(ContainerPort {
                host_ip: ip.into(),
                protocol: proto.into(),
                host_port: port,
                container_port: port,
                ..Default::default()
            });
        }
        p
    }

    #[test]
    fn conflicts_as_upstream() {
        let mut c = Cache::new();
        c.add_node(Arc::new(node("n", "4", "8Gi")));
        c.add_pod(Arc::new(on(
            with_port(pod("d", "a", "", ""), "127.0.0.1", "UDP", 8080),
            "n",
        )));
        // Same port, other protocol: fits.
        let p = with_port(pod("d", "p", "", ""), "127.0.0.1", "TCP", 8080);
        assert!(run_filters(&c, &pi(p), "n").is_success());
        // Same protocol and port, 0.0.0.0 conflicts with any IP.
        let p = with_port(pod("d", "p", "", ""), "", "UDP", 8080);
        let s = run_filters(&c, &pi(p), "n");
        assert_eq!(s.code, Code::Unschedulable);
        assert_eq!(s.plugin, "NodePorts");
        assert_eq!(s.reasons, vec![ERR_REASON.to_string()]);
        // Other IP, same protocol and port: fits.
        let p = with_port(pod("d", "p", "", ""), "127.0.0.2", "UDP", 8080);
        assert!(run_filters(&c, &pi(p), "n").is_success());
    }
}
