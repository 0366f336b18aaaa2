//! Resource metrics, from the kubelets to `kubectl top` and the autoscalers.
//!
//! Each kubelet reports what its resource-metrics endpoint (`/metrics/resource`) would
//! serve: the CPU and memory its running containers use and what the node's own
//! processes use ([`KubeletStats`], kept beside the API server as the kubelets'
//! endpoints are kept beside it in a cluster). [`MetricsServer`] is metrics-server:
//! it scrapes every 15 s (`--metric-resolution`), and the `metrics.k8s.io` API
//! ([`pod_metrics`], [`node_metrics`]) answers with what the last scrape saw. Like
//! metrics-server, it needs two scrapes of a pod or node before it can give a rate, so
//! a new pod has no metrics for its first 15 to 30 seconds, and a node whose kubelet
//! stopped before the last scrape has none.
//!
//! Scraping 150,000 pods every 15 s would cost more than running them, so nothing is
//! copied at a scrape: each report keeps when it began and the usage it replaced, which
//! is enough to answer for the last scrape's instant.

use std::collections::BTreeMap;

use crate::apiserver::ApiServer;
use crate::scheduler::FxMap;
use crate::sim::{Component, ComponentCtx, Millis};

/// How often metrics-server scrapes the kubelets.
pub const METRIC_RESOLUTION_MS: Millis = 15_000;

/// One container's usage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerUsage {
    pub name: String,
    pub cpu_nanocores: i64,
    pub memory_bytes: i64,
}

/// A running pod's usage as its kubelet reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodUsage {
    pub node: String,
    pub uid: String,
    pub containers: Vec<ContainerUsage>,
}

/// What a node's kubelet reports of the node itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeUsage {
    /// The node's own processes (kubelet, containerd, the OS).
    pub system_cpu_nanocores: i64,
    pub system_memory_bytes: i64,
    /// The kubelet answers scrapes.
    pub up: bool,
}

/// A report and the one it replaced: enough to answer for an instant in the past.
#[derive(Clone, Debug)]
struct Reported<T> {
    /// When the first report of this pod (uid) or node state arrived.
    since: Millis,
    now: T,
    changed_at: Millis,
    before: Option<T>,
}

impl<T: Clone + PartialEq> Reported<T> {
    fn new(value: T, at: Millis) -> Self {
        Reported {
            since: at,
            now: value,
            changed_at: at,
            before: None,
        }
    }

    fn update(&mut self, value: T, at: Millis) {
        if self.now != value {
            let old = std::mem::replace(&mut self.now, value);
            self.before = Some(old);
            self.changed_at = at;
        }
    }

    /// The value as of `at`, if it was reported by then.
    fn at(&self, at: Millis) -> Option<&T> {
        if at < self.since {
            None
        } else if at >= self.changed_at {
            Some(&self.now)
        } else {
            self.before.as_ref()
        }
    }
}

/// The kubelets' resource-metrics endpoints: pods by (namespace, name), nodes by name.
#[derive(Clone, Debug, Default)]
pub struct KubeletStats {
    pods: FxMap<(String, String), Reported<PodUsage>>,
    nodes: BTreeMap<String, Reported<NodeUsage>>,
}

impl KubeletStats {
    /// Records a pod's usage at `at` (no running container: the pod is dropped).
    pub fn set_pod(&mut self, namespace: &str, name: &str, usage: PodUsage, at: Millis) {
        if usage.containers.is_empty() {
            self.remove_pod(namespace, name, &usage.uid);
            return;
        }
        let key = (namespace.to_string(), name.to_string());
        match self.pods.get_mut(&key) {
            Some(r) if r.now.uid == usage.uid => r.update(usage, at),
            _ => {
                self.pods.insert(key, Reported::new(usage, at));
            }
        }
    }

    /// Forgets a pod (gone from its node), unless the name now belongs to another pod.
    pub fn remove_pod(&mut self, namespace: &str, name: &str, uid: &str) {
        let key = (namespace.to_string(), name.to_string());
        if self.pods.get(&key).is_some_and(|p| p.now.uid == uid) {
            self.pods.remove(&key);
        }
    }

    /// Records what a node reports at `at`.
    pub fn set_node(&mut self, node: &str, usage: NodeUsage, at: Millis) {
        match self.nodes.get_mut(node) {
            Some(r) => {
                if r.now != usage {
                    r.update(usage, at);
                }
            }
            None => {
                self.nodes
                    .insert(node.to_string(), Reported::new(usage, at));
            }
        }
    }

    pub fn remove_node(&mut self, node: &str) {
        self.nodes.remove(node);
    }
}

/// A PodMetrics object (`metrics.k8s.io/v1beta1`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodMetrics {
    pub namespace: String,
    pub name: String,
    pub timestamp: Millis,
    pub window: Millis,
    pub containers: Vec<ContainerUsage>,
}

impl PodMetrics {
    pub fn cpu_nanocores(&self) -> i64 {
        self.containers.iter().map(|c| c.cpu_nanocores).sum()
    }

    pub fn memory_bytes(&self) -> i64 {
        self.containers.iter().map(|c| c.memory_bytes).sum()
    }
}

/// A NodeMetrics object (`metrics.k8s.io/v1beta1`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeMetrics {
    pub name: String,
    pub timestamp: Millis,
    pub window: Millis,
    pub cpu_nanocores: i64,
    pub memory_bytes: i64,
}

/// The scrapes metrics-server has made.
#[derive(Clone, Debug, Default)]
pub struct MetricsApi {
    /// metrics-server runs (its APIService is available).
    pub served: bool,
    /// The last two scrapes.
    previous: Option<Millis>,
    last: Option<Millis>,
}

impl MetricsApi {
    /// The instants a pod or node must have been seen at to have a rate, and the
    /// window between them.
    fn scrapes(&self) -> Option<(Millis, Millis)> {
        Some((self.previous?, self.last?))
    }
}

/// The node was answering at both scrapes.
fn node_up(stats: &KubeletStats, node: &str, prev: Millis, last: Millis) -> bool {
    stats
        .nodes
        .get(node)
        .is_some_and(|r| r.at(prev).is_some_and(|u| u.up) && r.at(last).is_some_and(|u| u.up))
}

/// A pod's usage as of both scrapes, if it was running at both on an answering node.
fn pod_at<'a>(
    stats: &'a KubeletStats,
    r: &'a Reported<PodUsage>,
    api: &MetricsApi,
) -> Option<&'a PodUsage> {
    let (prev, last) = api.scrapes()?;
    r.at(prev)?;
    let usage = r.at(last)?;
    node_up(stats, &usage.node, prev, last).then_some(usage)
}

/// `GET .../namespaces/NS/pods/NAME` of `metrics.k8s.io`.
pub fn pod_metrics(api: &ApiServer, namespace: &str, name: &str) -> Option<PodMetrics> {
    let m = &api.metrics;
    let key = (namespace.to_string(), name.to_string());
    let r = api.kubelet_stats.pods.get(&key)?;
    let usage = pod_at(&api.kubelet_stats, r, m)?;
    let (prev, last) = m.scrapes()?;
    Some(PodMetrics {
        namespace: key.0,
        name: key.1,
        timestamp: last,
        window: last - prev,
        containers: usage.containers.clone(),
    })
}

/// `GET .../nodes` of `metrics.k8s.io`: every node answering at both scrapes, with
/// its own processes and its pods.
pub fn node_metrics(api: &ApiServer) -> BTreeMap<String, NodeMetrics> {
    let m = &api.metrics;
    let stats = &api.kubelet_stats;
    let Some((prev, last)) = m.scrapes() else {
        return BTreeMap::new();
    };
    let mut out: BTreeMap<String, NodeMetrics> = BTreeMap::new();
    for (name, r) in &stats.nodes {
        if let (true, Some(u)) = (node_up(stats, name, prev, last), r.at(last)) {
            out.insert(
                name.clone(),
                NodeMetrics {
                    name: name.clone(),
                    timestamp: last,
                    window: last - prev,
                    cpu_nanocores: u.system_cpu_nanocores,
                    memory_bytes: u.system_memory_bytes,
                },
            );
        }
    }
    for r in stats.pods.values() {
        // A node's usage counts every pod running at the last scrape.
        let Some(u) = r.at(last) else { continue };
        if let Some(n) = out.get_mut(&u.node) {
            for c in &u.containers {
                n.cpu_nanocores += c.cpu_nanocores;
                n.memory_bytes += c.memory_bytes;
            }
        }
    }
    out
}

/// metrics-server as a component: a scrape every 15 s.
#[derive(Default)]
pub struct MetricsServer;

impl MetricsServer {
    pub fn new() -> Self {
        MetricsServer
    }
}

impl Component for MetricsServer {
    fn name(&self) -> String {
        "metrics-server".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        ctx.api.metrics.served = true;
        ctx.wake_after(METRIC_RESOLUTION_MS);
    }

    fn has_work(&self, _api: &ApiServer) -> bool {
        false
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let m = &mut ctx.api.metrics;
        if m.last.is_none_or(|t| ctx.now >= t + METRIC_RESOLUTION_MS) {
            m.previous = m.last;
            m.last = Some(ctx.now);
        }
        let next = m.last.unwrap_or(ctx.now) + METRIC_RESOLUTION_MS;
        ctx.wake_at(next);
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_answers_for_the_past() {
        let mut r = Reported::new(1, 100);
        assert_eq!(r.at(50), None);
        assert_eq!(r.at(100), Some(&1));
        r.update(2, 200);
        assert_eq!(r.at(150), Some(&1));
        assert_eq!(r.at(250), Some(&2));
        r.update(2, 300);
        assert_eq!(r.changed_at, 200);
    }
}
