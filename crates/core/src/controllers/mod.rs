//! kube-controller-manager's controllers, one module each, each a level-triggered
//! component that reads and writes only through the API server.

pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod disruption;
pub mod garbage_collector;
pub mod history;
pub mod job;
pub mod local_path;
pub mod node_lifecycle;
pub mod persistent_volume;
pub mod podautoscaler;
pub mod replicaset;
pub mod statefulset;
pub mod taint_eviction;
pub mod ttl_after_finished;
pub mod volume_protection;

use crate::api::core_v1::Taint;

/// Taint keys the node controllers manage.
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
pub const TAINT_MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
pub const TAINT_DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
pub const TAINT_PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";

/// Whether a toleration list tolerates a taint (upstream `ToleratesTaint`).
pub fn tolerates(tolerations: &[crate::api::core_v1::Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| {
        (t.effect.is_empty() || t.effect == taint.effect)
            && (t.key.is_empty() && t.operator == "Exists"
                || t.key == taint.key
                    && match t.operator.as_str() {
                        "Exists" => true,
                        "" | "Equal" => t.value == taint.value,
                        _ => false,
                    })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::Toleration;

    fn tol(key: &str, op: &str, value: &str, effect: &str) -> Toleration {
        Toleration {
            key: key.into(),
            operator: op.into(),
            value: value.into(),
            effect: effect.into(),
            ..Default::default()
        }
    }

    #[test]
    fn toleration_matching_as_upstream() {
        let taint = Taint {
            key: "gpu".into(),
            value: "true".into(),
            effect: "NoSchedule".into(),
            ..Default::default()
        };
        assert!(tolerates(
            &[tol("gpu", "Equal", "true", "NoSchedule")],
            &taint
        ));
        assert!(
            tolerates(&[tol("gpu", "", "true", "")], &taint),
            "empty operator is Equal; empty effect matches all"
        );
        assert!(tolerates(&[tol("gpu", "Exists", "", "NoSchedule")], &taint));
        assert!(
            tolerates(&[tol("", "Exists", "", "")], &taint),
            "empty key with Exists tolerates everything"
        );
        assert!(!tolerates(
            &[tol("gpu", "Equal", "false", "NoSchedule")],
            &taint
        ));
        assert!(!tolerates(&[tol("gpu", "Exists", "", "NoExecute")], &taint));
        assert!(!tolerates(&[tol("", "Equal", "", "")], &taint));
    }
}
