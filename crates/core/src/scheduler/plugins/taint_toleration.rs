//! TaintToleration: Filter rejects nodes with a NoSchedule/NoExecute taint the pod does
//! not tolerate (`node(s) had untolerated taint {key: value}`); Score counts the
//! PreferNoSchedule taints the pod does not tolerate, normalized reversed (fewer is
//! better).

use super::{do_not_schedule_taint, find_matching_untolerated_taint, tolerations_tolerate_taint};
use crate::api::core_v1::Toleration;
use crate::scheduler::framework::{
    default_normalize_score, filter_each, rejection, score_each, Code, CycleState, FilterPlugin,
    Handle, Plugin, PreScorePlugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::types::{NodeInfo, PodInfo};

/// The TaintToleration plugin.
pub struct TaintToleration;

#[derive(Clone)]
struct PreScoreState {
    tolerations_prefer_no_schedule: Vec<Toleration>,
}

impl Plugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }
}

impl FilterPlugin for TaintToleration {
    fn filter(&self, _h: &Handle<'_>, _s: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status {
        match find_matching_untolerated_taint(
            &node.taints,
            &pod.pod.spec.tolerations,
            do_not_schedule_taint,
        ) {
            None => Status::success(),
            Some(t) => Status::new(
                Code::UnschedulableAndUnresolvable,
                format!("node(s) had untolerated taint {{{}: {}}}", t.key, t.value),
            ),
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
        filter_each(nodes, failed, |n| {
            (!n.taints.is_empty())
                .then(|| rejection(self.filter(h, state, pod, n)))
                .flatten()
        });
    }
}

impl PreScorePlugin for TaintToleration {
    fn pre_score(
        &self,
        _h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        _nodes: &[&NodeInfo],
    ) -> Status {
        let tolerations_prefer_no_schedule = pod
            .pod
            .spec
            .tolerations
            .iter()
            .filter(|t| t.effect.is_empty() || t.effect == "PreferNoSchedule")
            .cloned()
            .collect();
        state.write(PreScoreState {
            tolerations_prefer_no_schedule,
        });
        Status::success()
    }
}

fn intolerable_prefer_no_schedule(s: &PreScoreState, node: &NodeInfo) -> i64 {
    if node.taints.is_empty() {
        return 0;
    }
    node.taints
        .iter()
        .filter(|t| t.effect == "PreferNoSchedule")
        .filter(|t| !tolerations_tolerate_taint(&s.tolerations_prefer_no_schedule, t))
        .count() as i64
}

fn pre_score_state(state: &CycleState) -> Result<&PreScoreState, Status> {
    state
        .read::<PreScoreState>()
        .ok_or_else(|| Status::error("reading \"PreScoreTaintToleration\" from cycleState"))
}

impl ScorePlugin for TaintToleration {
    fn score(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        Ok(intolerable_prefer_no_schedule(
            pre_score_state(state)?,
            node,
        ))
    }
    fn score_nodes(
        &self,
        _h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        nodes: &[&NodeInfo],
        out: &mut [i64],
    ) -> Result<(), Status> {
        let s = pre_score_state(state)?;
        score_each(nodes, out, |n| intolerable_prefer_no_schedule(s, n));
        Ok(())
    }
    fn has_normalize(&self) -> bool {
        true
    }
    fn normalize_score(
        &self,
        _h: &Handle<'_>,
        _s: &CycleState,
        _p: &PodInfo,
        _nodes: &[&NodeInfo],
        scores: &mut [i64],
    ) -> Status {
        default_normalize_score(MAX_NODE_SCORE, true, scores);
        Status::success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::Taint;
    use crate::scheduler::framework::Framework;
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;
    use std::sync::Arc;

    fn taint(k: &str, v: &str, e: &str) -> Taint {
        Taint {
            key: k.into(),
            value: v.into(),
            effect: e.into(),
            ..Default::default()
        }
    }

    #[test]
    fn filter_reason() {
        let mut c = Cache::new();
        let mut n = node("cp", "4", "8Gi");
        n.spec.taints.push(taint(
            "node-role.kubernetes.io/control-plane",
            "",
            "NoSchedule",
        ));
        c.add_node(Arc::new(n));
        let s = run_filters(&c, &pi(pod("d", "p", "", "")), "cp");
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.plugin, "TaintToleration");
        assert_eq!(
            s.reasons,
            vec![
                "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
                    .to_string()
            ]
        );
        let mut p = pod("d", "p", "", "");
        p.spec.tolerations.push(Toleration {
            key: "node-role.kubernetes.io/control-plane".into(),
            operator: "Exists".into(),
            effect: "NoSchedule".into(),
            ..Default::default()
        });
        assert!(run_filters(&c, &pi(p), "cp").is_success());
        // A value-carrying taint prints its value; PreferNoSchedule never filters.
        let mut n = node("x", "4", "8Gi");
        n.spec
            .taints
            .push(taint("dedicated", "gpu", "PreferNoSchedule"));
        n.spec.taints.push(taint("dedicated", "gpu", "NoExecute"));
        c.add_node(Arc::new(n));
        let s = run_filters(&c, &pi(pod("d", "p", "", "")), "x");
        assert_eq!(
            s.reasons,
            vec!["node(s) had untolerated taint {dedicated: gpu}".to_string()]
        );
    }

    #[test]
    fn score_more_untolerated_prefer_no_schedule_taints_score_lower() {
        // Upstream TestTaintTolerationScore: "the nodes that have more taints that are
        // not tolerated get lower score": 100, 50, 0.
        let c = Cache::new();
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let mut p = pod("d", "p", "", "");
        p.spec.tolerations.push(Toleration {
            key: "cpu-type".into(),
            operator: "Equal".into(),
            value: "arm64".into(),
            effect: "PreferNoSchedule".into(),
            ..Default::default()
        });
        let p = pi(p);
        let mut a = node("nodeA", "1", "1Gi");
        a.spec
            .taints
            .push(taint("cpu-type", "arm64", "PreferNoSchedule"));
        let mut b = node("nodeB", "1", "1Gi");
        b.spec
            .taints
            .push(taint("cpu-type", "arm64", "PreferNoSchedule"));
        b.spec
            .taints
            .push(taint("disk-type", "ssd", "PreferNoSchedule"));
        let mut cc = node("nodeC", "1", "1Gi");
        cc.spec
            .taints
            .push(taint("cpu-type", "x86", "PreferNoSchedule"));
        cc.spec
            .taints
            .push(taint("disk-type", "ssd", "PreferNoSchedule"));
        let nodes = [ni(a, vec![]), ni(b, vec![]), ni(cc, vec![])];
        let refs: Vec<&NodeInfo> = nodes.iter().collect();
        let mut st = CycleState::default();
        assert!(TaintToleration
            .pre_score(&h, &mut st, &p, &refs)
            .is_success());
        let fwk = Framework {
            pre_filter: vec![],
            filter: vec![],
            post_filter: vec![],
            pre_score: vec![],
            score: vec![(Arc::new(TaintToleration), 3)],
        };
        let out = fwk.run_score_plugins(&h, &st, &p, &refs).expect("scores");
        let got: Vec<(i64, i64, i64)> = out
            .iter()
            .map(|n| (n.scores[0].1, n.scores[0].2, n.total))
            .collect();
        assert_eq!(got, vec![(0, 100, 300), (1, 50, 150), (2, 0, 0)]);
    }
}
