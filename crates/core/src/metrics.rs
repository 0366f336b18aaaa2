//! Resource metrics, from the kubelets to `kubectl top` and the autoscalers.
//!
//! Each kubelet reports what its resource-metrics endpoint (`/metrics/resource`) would
//! serve: the CPU and memory its running containers use now and what the node's own
//! processes use ([`KubeletStats`], kept beside the API server as the kubelets'
//! endpoints are kept beside it in a cluster). [`MetricsServer`] is metrics-server:
//! every 15 s (`--metric-resolution`) it scrapes every answering node and publishes
//! `metrics.k8s.io` PodMetrics and NodeMetrics ([`MetricsApi`]). Like metrics-server,
//! it needs two scrapes of a pod or node before it can give a rate, so a new pod has
//! no metrics for its first 15 to 30 seconds, and a node whose kubelet stopped has
//! none at all.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::{Kind, Object};
use crate::apiserver::ApiServer;
use crate::scheduler::FxMap as FxHashMap;
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

/// The kubelets' resource-metrics endpoints: pods by (namespace, name), nodes by name.
#[derive(Clone, Debug, Default)]
pub struct KubeletStats {
    pods: FxHashMap<(String, String), PodUsage>,
    nodes: BTreeMap<String, NodeUsage>,
}

impl KubeletStats {
    /// Records a pod's current usage (no running container: the pod is dropped).
    pub fn set_pod(&mut self, namespace: &str, name: &str, usage: PodUsage) {
        let key = (namespace.to_string(), name.to_string());
        if usage.containers.is_empty() {
            self.remove_pod(namespace, name, &usage.uid);
        } else {
            self.pods.insert(key, usage);
        }
    }

    /// Forgets a pod (gone from its node), unless the name now belongs to another pod.
    pub fn remove_pod(&mut self, namespace: &str, name: &str, uid: &str) {
        let key = (namespace.to_string(), name.to_string());
        if self.pods.get(&key).is_some_and(|p| p.uid == uid) {
            self.pods.remove(&key);
        }
    }

    pub fn set_node(&mut self, node: &str, usage: NodeUsage) {
        if self.nodes.get(node) != Some(&usage) {
            self.nodes.insert(node.to_string(), usage);
        }
    }

    pub fn remove_node(&mut self, node: &str) {
        self.nodes.remove(node);
    }
}

/// A PodMetrics object (`metrics.k8s.io/v1beta1`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodMetrics {
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
    pub timestamp: Millis,
    pub window: Millis,
    pub cpu_nanocores: i64,
    pub memory_bytes: i64,
}

/// The `metrics.k8s.io` API as metrics-server serves it after its last scrape.
#[derive(Clone, Debug, Default)]
pub struct MetricsApi {
    /// metrics-server runs (its APIService is available).
    pub served: bool,
    pub pods: BTreeMap<(String, String), PodMetrics>,
    pub nodes: BTreeMap<String, NodeMetrics>,
}

/// metrics-server as a component: scrapes every 15 s.
#[derive(Default)]
pub struct MetricsServer {
    /// Pods (namespace, name, uid) and nodes seen at the previous scrape.
    seen_pods: BTreeSet<(String, String, String)>,
    seen_nodes: BTreeSet<String>,
    last_scrape: Option<Millis>,
}

impl MetricsServer {
    pub fn new() -> Self {
        Self::default()
    }

    fn scrape(&mut self, api: &mut ApiServer, now: Millis) {
        let window = self.last_scrape.map_or(METRIC_RESOLUTION_MS, |t| now - t);
        self.last_scrape = Some(now);
        let everything = crate::api::labels::Selector::default();
        let no_fields = crate::api::fields::FieldSelector::default();
        let nodes: Vec<String> = api
            .store
            .list(Kind::Node, None, &everything, &no_fields)
            .iter()
            .filter_map(|o| match &**o {
                Object::Node(n) => Some(n.metadata.name.clone()),
                _ => None,
            })
            .collect();
        let stats = &api.kubelet_stats;
        let up: BTreeSet<&str> = nodes
            .iter()
            .map(String::as_str)
            .filter(|n| stats.nodes.get(*n).is_some_and(|u| u.up))
            .collect();
        let mut node_sums: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        let mut pods = BTreeMap::new();
        let mut seen_pods = BTreeSet::new();
        for ((ns, name), usage) in &stats.pods {
            if !up.contains(usage.node.as_str()) {
                continue;
            }
            let sum = node_sums.entry(usage.node.as_str()).or_default();
            for c in &usage.containers {
                sum.0 += c.cpu_nanocores;
                sum.1 += c.memory_bytes;
            }
            let key = (ns.clone(), name.clone(), usage.uid.clone());
            if self.seen_pods.contains(&key) {
                pods.insert(
                    (ns.clone(), name.clone()),
                    PodMetrics {
                        timestamp: now,
                        window,
                        containers: usage.containers.clone(),
                    },
                );
            }
            seen_pods.insert(key);
        }
        let mut node_metrics = BTreeMap::new();
        for node in &up {
            let sys = &stats.nodes[*node];
            let (cpu, mem) = node_sums.get(node).copied().unwrap_or_default();
            if self.seen_nodes.contains(*node) {
                node_metrics.insert(
                    node.to_string(),
                    NodeMetrics {
                        timestamp: now,
                        window,
                        cpu_nanocores: cpu + sys.system_cpu_nanocores,
                        memory_bytes: mem + sys.system_memory_bytes,
                    },
                );
            }
        }
        self.seen_nodes = up.iter().map(|n| n.to_string()).collect();
        self.seen_pods = seen_pods;
        api.metrics = MetricsApi {
            served: true,
            pods,
            nodes: node_metrics,
        };
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
        let due = self
            .last_scrape
            .is_none_or(|t| ctx.now >= t + METRIC_RESOLUTION_MS);
        if due {
            self.scrape(ctx.api, ctx.now);
        }
        let next = self.last_scrape.unwrap_or(ctx.now) + METRIC_RESOLUTION_MS;
        ctx.wake_at(next);
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
