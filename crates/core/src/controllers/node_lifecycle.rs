//! The node lifecycle controller (`pkg/controller/nodelifecycle`): every 5 s
//! (node-monitor-period) it checks each node's heartbeat — its Lease renewals and status
//! reports — and after 50 s without one (node-monitor-grace-period) marks the node's
//! conditions `Unknown` ("Kubelet stopped posting node status."). It keeps the
//! condition taints in step: `not-ready`/`unreachable` with NoSchedule at once and
//! NoExecute through a per-zone rate limiter (0.1 node/s, as --node-eviction-rate), the
//! `unschedulable` NoSchedule taint for cordoned nodes, and the pressure taints. Pods on
//! a node that stops being Ready are marked not ready and get a `NodeNotReady` event.
//! Zone health modulates evictions as upstream: a zone with more than 2 and at least 55%
//! of its nodes not Ready evicts at 0.01 node/s when it has more than 50 nodes and not at
//! all otherwise; when every zone is fully disrupted, no node gets NoExecute taints.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NOT_READY, TAINT_PID_PRESSURE,
    TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE,
};
use crate::api::core_v1::{Node, Taint};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::Time;
use crate::api::{Kind, Object, Resource};
use crate::apiserver::store::{WatchFilter, WatchId};
use crate::apiserver::ApiServer;
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

/// node-monitor-period.
pub const NODE_MONITOR_PERIOD: Millis = 5_000;
/// node-monitor-grace-period (v1.32+).
pub const NODE_MONITOR_GRACE_PERIOD: Millis = 50_000;
/// One NoExecute tainting per zone per 10 s (--node-eviction-rate 0.1).
pub const ZONE_TAINT_INTERVAL: Millis = 10_000;
/// In a partially disrupted large zone: one per 100 s (--secondary-node-eviction-rate 0.01).
pub const ZONE_TAINT_INTERVAL_SECONDARY: Millis = 100_000;
/// --unhealthy-zone-threshold.
pub const UNHEALTHY_ZONE_THRESHOLD: f64 = 0.55;
/// --large-cluster-size-threshold: smaller zones stop evicting when partially disrupted.
pub const LARGE_CLUSTER_SIZE_THRESHOLD: usize = 50;

/// A zone's health (upstream `ComputeZoneState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneState {
    Normal,
    PartialDisruption,
    FullDisruption,
}

/// The zone state from the count of Ready and not-Ready nodes.
pub fn zone_state(ready: usize, not_ready: usize) -> ZoneState {
    if ready == 0 && not_ready > 0 {
        ZoneState::FullDisruption
    } else if not_ready > 2
        && not_ready as f64 / (ready + not_ready) as f64 >= UNHEALTHY_ZONE_THRESHOLD
    {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// What the controller last saw of a node's heartbeat.
#[derive(Clone, Debug, Default)]
struct Health {
    /// The Lease renewTime and the Ready heartbeat last seen, to notice changes.
    lease_renew: Option<i64>,
    ready_heartbeat: Option<i64>,
    /// When a change was last observed (upstream's probeTimestamp).
    probe: Millis,
}

pub struct NodeLifecycleController {
    nodes: Option<WatchId>,
    leases: Option<WatchId>,
    health: BTreeMap<String, Health>,
    /// Per zone, when the next NoExecute tainting may happen.
    zone_next: BTreeMap<String, Millis>,
    recorder: Recorder,
    /// The next monitor pass over all nodes.
    next_monitor: Millis,
}

impl Default for NodeLifecycleController {
    fn default() -> Self {
        NodeLifecycleController {
            nodes: None,
            leases: None,
            health: BTreeMap::new(),
            zone_next: BTreeMap::new(),
            recorder: Recorder::legacy("node-controller", ""),
            next_monitor: 0,
        }
    }
}

fn condition_status(n: &Node, t: &str) -> Option<String> {
    n.status
        .as_ref()?
        .conditions
        .iter()
        .find(|c| c.type_ == t)
        .map(|c| c.status.clone())
}

fn zone_of(n: &Node) -> String {
    n.metadata
        .labels
        .get("topology.kubernetes.io/zone")
        .cloned()
        .unwrap_or_default()
}

impl NodeLifecycleController {
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes heartbeats seen in the store: a changed lease renewal or Ready heartbeat
    /// moves the probe timestamp to now.
    fn observe(&mut self, api: &ApiServer, now: Millis) {
        let everything = (Selector::everything(), FieldSelector::everything());
        for o in api.list(Kind::Node, None, &everything.0, &everything.1) {
            let Object::Node(n) = &*o else { continue };
            let name = n.metadata.name.clone();
            let lease = match api
                .get(Kind::Lease, crate::kubelet::NODE_LEASE_NAMESPACE, &name)
                .as_deref()
            {
                Ok(Object::Lease(l)) => l.spec.renew_time.map(|t| t.0),
                _ => None,
            };
            let hb = n
                .status
                .as_ref()
                .and_then(|s| s.conditions.iter().find(|c| c.type_ == "Ready"))
                .and_then(|c| c.last_heartbeat_time.map(|t| t.0));
            let h = self.health.entry(name).or_insert_with(|| Health {
                lease_renew: lease,
                ready_heartbeat: hb,
                probe: now,
            });
            if h.lease_renew != lease || h.ready_heartbeat != hb {
                h.lease_renew = lease;
                h.ready_heartbeat = hb;
                h.probe = now;
            }
        }
    }

    /// Marks nodes past the grace period Unknown.
    fn mark_unknown(&mut self, ctx: &mut ComponentCtx) {
        let now = ctx.now;
        let names: Vec<String> = self
            .health
            .iter()
            .filter(|(_, h)| now - h.probe > NODE_MONITOR_GRACE_PERIOD)
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            let Ok(cur) = ctx.api.get(Kind::Node, "", &name) else {
                self.health.remove(&name);
                continue;
            };
            let Object::Node(n) = &*cur else { continue };
            let mut n = (**n).clone();
            let was_ready = condition_status(&n, "Ready").as_deref() == Some("True");
            let st = n.status.get_or_insert_with(Default::default);
            let mut changed = false;
            for t in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
                match st.conditions.iter_mut().find(|c| c.type_ == t) {
                    Some(c) if c.status != "Unknown" => {
                        c.status = "Unknown".into();
                        c.reason = "NodeStatusUnknown".into();
                        c.message = "Kubelet stopped posting node status.".into();
                        c.last_transition_time = Some(Time(now / 1000 * 1000));
                        changed = true;
                    }
                    Some(_) => {}
                    None => {
                        st.conditions.push(crate::api::core_v1::NodeCondition {
                            type_: t.into(),
                            status: "Unknown".into(),
                            reason: "NodeStatusNeverUpdated".into(),
                            message: "Kubelet never posted node status.".into(),
                            last_heartbeat_time: None,
                            last_transition_time: Some(Time(now / 1000 * 1000)),
                        });
                        changed = true;
                    }
                }
            }
            if changed {
                if let Ok(updated) = ctx.api.update_status(n.into_object()) {
                    if was_ready {
                        self.node_not_ready(ctx, &updated);
                    }
                }
            }
        }
    }

    /// Records the node's status change and marks its pods not ready.
    fn node_not_ready(&mut self, ctx: &mut ComponentCtx, node: &Object) {
        let name = node.meta().name.clone();
        events::record(
            ctx.api,
            ctx.now,
            &mut self.recorder,
            node,
            EventType::Normal,
            "NodeNotReady",
            "",
            &format!("Node {name} status is now: NodeNotReady"),
        );
        let on_node = match FieldSelector::parse(&format!("spec.nodeName={name}"), Kind::Pod) {
            Ok(f) => f,
            Err(_) => return,
        };
        for o in ctx
            .api
            .list(Kind::Pod, None, &Selector::everything(), &on_node)
        {
            let Object::Pod(p) = &*o else { continue };
            let mut p = (**p).clone();
            let Some(st) = p.status.as_mut() else {
                continue;
            };
            let mut changed = false;
            for c in st
                .conditions
                .iter_mut()
                .filter(|c| c.type_ == "Ready" && c.status != "False")
            {
                c.status = "False".into();
                c.last_transition_time = Some(Time(ctx.now / 1000 * 1000));
                changed = true;
            }
            if changed {
                if let Ok(updated) = ctx.api.update_status(p.into_object()) {
                    events::record(
                        ctx.api,
                        ctx.now,
                        &mut self.recorder,
                        &updated,
                        EventType::Warning,
                        "NodeNotReady",
                        "",
                        "Node is not ready",
                    );
                }
            }
        }
    }

    /// The taints a node's conditions and spec call for (upstream's tainting passes).
    fn wanted_taints(n: &Node) -> Vec<(&'static str, &'static str)> {
        let mut v = Vec::new();
        match condition_status(n, "Ready").as_deref() {
            Some("False") => v.extend([
                (TAINT_NOT_READY, "NoSchedule"),
                (TAINT_NOT_READY, "NoExecute"),
            ]),
            Some("Unknown") | None => v.extend([
                (TAINT_UNREACHABLE, "NoSchedule"),
                (TAINT_UNREACHABLE, "NoExecute"),
            ]),
            _ => {}
        }
        for (cond, key) in [
            ("MemoryPressure", TAINT_MEMORY_PRESSURE),
            ("DiskPressure", TAINT_DISK_PRESSURE),
            ("PIDPressure", TAINT_PID_PRESSURE),
        ] {
            if condition_status(n, cond).as_deref() == Some("True") {
                v.push((key, "NoSchedule"));
            }
        }
        if n.spec.unschedulable {
            v.push((TAINT_UNSCHEDULABLE, "NoSchedule"));
        }
        v
    }

    /// Brings every node's controller-managed taints in line with its state.
    /// Reconciles the managed taints of every node (`only` None: the monitor pass,
    /// NoExecute included, rate-limited per zone) or of the nodes that changed (the
    /// NoSchedule pass upstream runs on node updates; NoExecute waits for the monitor).
    fn reconcile_taints(&mut self, ctx: &mut ComponentCtx, only: Option<&BTreeSet<String>>) {
        const MANAGED: [&str; 6] = [
            TAINT_NOT_READY,
            TAINT_UNREACHABLE,
            TAINT_UNSCHEDULABLE,
            TAINT_MEMORY_PRESSURE,
            TAINT_DISK_PRESSURE,
            TAINT_PID_PRESSURE,
        ];
        let now = ctx.now;
        let nodes: Vec<_> = match only {
            None => ctx.api.list(
                Kind::Node,
                None,
                &Selector::everything(),
                &FieldSelector::everything(),
            ),
            Some(names) => names
                .iter()
                .filter_map(|n| ctx.api.get(Kind::Node, "", n).ok())
                .collect(),
        };
        // Zone health decides how fast NoExecute taints may be added (upstream
        // handleDisruption): normal zones at the primary rate, partially disrupted ones at
        // the secondary rate (or not at all when small), and when every zone is fully
        // disrupted the controller assumes it is the one cut off and evicts nothing.
        let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for o in &nodes {
            if let Object::Node(n) = &**o {
                let c = counts.entry(zone_of(n)).or_default();
                if condition_status(n, "Ready").as_deref() == Some("True") {
                    c.0 += 1;
                } else {
                    c.1 += 1;
                }
            }
        }
        let states: BTreeMap<String, (ZoneState, usize)> = counts
            .iter()
            .map(|(z, (r, nr))| (z.clone(), (zone_state(*r, *nr), r + nr)))
            .collect();
        let all_fully_disrupted = !states.is_empty()
            && states
                .values()
                .all(|(s, _)| *s == ZoneState::FullDisruption);
        for o in nodes {
            let Object::Node(n) = &*o else { continue };
            let mut wanted = Self::wanted_taints(n);
            if all_fully_disrupted || only.is_some() {
                wanted.retain(|(_, effect)| *effect != "NoExecute");
            }
            let zone_interval = match states.get(&zone_of(n)) {
                Some((ZoneState::PartialDisruption, size))
                    if *size > LARGE_CLUSTER_SIZE_THRESHOLD =>
                {
                    Some(ZONE_TAINT_INTERVAL_SECONDARY)
                }
                Some((ZoneState::PartialDisruption, _)) => None,
                _ => Some(ZONE_TAINT_INTERVAL),
            };
            let mut taints: Vec<Taint> = n
                .spec
                .taints
                .iter()
                .filter(|t| {
                    !MANAGED.contains(&t.key.as_str())
                        || wanted.contains(&(t.key.as_str(), t.effect.as_str()))
                        // The NoSchedule pass leaves NoExecute taints to the monitor.
                        || (only.is_some() && t.effect == "NoExecute")
                })
                .cloned()
                .collect();
            let zone = zone_of(n);
            for (key, effect) in &wanted {
                if taints.iter().any(|t| t.key == *key && t.effect == *effect) {
                    continue;
                }
                if *effect == "NoExecute" {
                    // Rate-limited per zone, as the zone NoExecute tainter.
                    let Some(interval) = zone_interval else {
                        continue;
                    };
                    let next = self.zone_next.get(&zone).copied().unwrap_or(i64::MIN);
                    if now < next {
                        continue;
                    }
                    self.zone_next.insert(zone.clone(), now + interval);
                }
                taints.push(Taint {
                    key: (*key).into(),
                    effect: (*effect).into(),
                    time_added: if *effect == "NoExecute" {
                        Some(Time(now / 1000 * 1000))
                    } else {
                        None
                    },
                    ..Default::default()
                });
            }
            if taints != n.spec.taints {
                let mut n = (**n).clone();
                n.spec.taints = taints;
                let _ = ctx.api.update(n.into_object());
            }
        }
    }
}

impl Component for NodeLifecycleController {
    fn name(&self) -> String {
        "kube-controller-manager/node-lifecycle-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.nodes = ctx.api.watch(WatchFilter::all(Kind::Node), None).ok();
        self.leases = ctx
            .api
            .watch(
                WatchFilter {
                    namespace: Some(crate::kubelet::NODE_LEASE_NAMESPACE.into()),
                    ..WatchFilter::all(Kind::Lease)
                },
                None,
            )
            .ok();
        self.observe(ctx.api, ctx.now);
        self.next_monitor = ctx.now + NODE_MONITOR_PERIOD;
        ctx.wake_at(self.next_monitor);
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        self.nodes.is_some_and(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        // Node changes (cordon, conditions) are handled at once; heartbeats are read at
        // the monitor period, as upstream.
        let changed: BTreeSet<String> = self
            .nodes
            .map(|w| ctx.api.poll(w))
            .unwrap_or_default()
            .iter()
            .map(|e| e.object.meta().name.clone())
            .collect();
        if ctx.now >= self.next_monitor {
            // The monitor pass: heartbeats of every node, Unknown after the grace
            // period, all managed taints.
            if let Some(w) = self.leases {
                ctx.api.poll(w);
            }
            self.observe(ctx.api, ctx.now);
            self.mark_unknown(ctx);
            self.reconcile_taints(ctx, None);
            self.next_monitor =
                ctx.now - ctx.now.rem_euclid(NODE_MONITOR_PERIOD) + NODE_MONITOR_PERIOD;
        } else if !changed.is_empty() {
            self.reconcile_taints(ctx, Some(&changed));
        }
        if let Some(w) = self.nodes {
            // Our own taint writes need no second look.
            ctx.api.poll(w);
        }
        ctx.wake_at(self.next_monitor);
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Cluster, ClusterConfig};

    #[test]
    fn zone_states_as_upstream() {
        assert_eq!(zone_state(3, 1), ZoneState::Normal);
        assert_eq!(
            zone_state(1, 2),
            ZoneState::Normal,
            "2 not ready is never a disruption"
        );
        assert_eq!(zone_state(2, 3), ZoneState::PartialDisruption);
        assert_eq!(zone_state(0, 1), ZoneState::FullDisruption);
        assert_eq!(zone_state(0, 0), ZoneState::Normal);
    }

    fn taint_keys(c: &Cluster, node: &str) -> Vec<String> {
        match &*c.api.get(Kind::Node, "", node).unwrap() {
            Object::Node(n) => n
                .spec
                .taints
                .iter()
                .map(|t| format!("{}:{}", t.key, t.effect))
                .collect(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn small_cluster_in_partial_disruption_stops_evicting() {
        let mut c = Cluster::new(ClusterConfig {
            workers: 4,
            ..Default::default()
        });
        // 3 of 5 nodes down: partial disruption of a small zone.
        for n in ["node-1", "node-2", "node-3"] {
            c.kubelet_mut(n)
                .unwrap()
                .set_power(crate::kubelet::Power::Stopped);
        }
        c.advance(60_000);
        assert_eq!(
            taint_keys(&c, "node-1"),
            vec!["node.kubernetes.io/unreachable:NoSchedule"]
        );
    }

    #[test]
    fn one_node_down_is_tainted_for_eviction() {
        let mut c = Cluster::new(ClusterConfig::default());
        c.kubelet_mut("node-1")
            .unwrap()
            .set_power(crate::kubelet::Power::Stopped);
        c.advance(50_000);
        assert!(
            taint_keys(&c, "node-1").is_empty(),
            "not yet: the grace period is 50 s"
        );
        c.advance(5_000);
        assert_eq!(
            taint_keys(&c, "node-1"),
            vec![
                "node.kubernetes.io/unreachable:NoSchedule",
                "node.kubernetes.io/unreachable:NoExecute"
            ]
        );
        assert!(taint_keys(&c, "node-2").is_empty());
    }
}
