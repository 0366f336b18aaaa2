//! Benchmark workloads shared by `kubeplay bench` and the wasm benchmark: a cluster of N
//! nodes over three zones and M pods with mixed requests, node selectors, node affinity,
//! topology spread and pod anti-affinity; and a cluster of N kubelets running M pods.
//! Building them reads no clock; the callers time the phases (the core never reads
//! wall-clock time).

use serde_json::json;

use crate::api::{Kind, Object, Resource, Time};
use crate::apiserver::bootstrap::{node_object, NodeShape};
use crate::apiserver::decode::decode_value;
use crate::sim::{Cluster, ClusterConfig};

/// The zones the benchmark nodes are spread over.
pub const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];

/// A cluster with no workers of its own plus `nodes` nodes (16 cpu, 64 GiB, over three
/// zones, every second one labelled `disktype=ssd`) registered through the API.
pub fn scheduler_cluster(nodes: usize) -> Cluster {
    let mut c = Cluster::new(ClusterConfig {
        workers: 0,
        ..Default::default()
    });
    let now = Time(c.now());
    for i in 1..=nodes {
        let mut shape = NodeShape {
            name: format!("node-{i}"),
            index: i,
            cpu_millis: 16_000,
            memory_bytes: 64 << 30,
            zone: Some(ZONES[i % ZONES.len()].to_string()),
            ..Default::default()
        };
        if i % 2 == 0 {
            shape.labels.insert("disktype".into(), "ssd".into());
        }
        let _ = c.api.create(node_object(&shape, now).into_object());
    }
    c.settle();
    c
}

/// Pod `i` of the mixed workload: 60% plain pods with requests, 15% with a zone
/// nodeSelector, 10% preferring ssd nodes, 10% spread over zones (DoNotSchedule) and 5%
/// in groups of 10 with required anti-affinity on the hostname.
pub fn scheduler_pod(i: usize) -> Option<Object> {
    let cpu = ["100m", "250m", "500m", "1"][i % 4];
    let mem = ["128Mi", "256Mi", "512Mi"][i % 3];
    let group = format!("g{}", i / 10);
    let mut spec = json!({
        "containers": [{"name": "app", "image": format!("registry.example/app-{}:1.0", i % 50),
                        "resources": {"requests": {"cpu": cpu, "memory": mem}}}]
    });
    let mut labels = json!({"app": format!("app-{}", i % 200), "group": group});
    match i % 20 {
        0..=11 => {}
        12..=14 => spec["nodeSelector"] = json!({"topology.kubernetes.io/zone": ZONES[i % 3]}),
        15 | 16 => {
            spec["affinity"] = json!({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "preference": {"matchExpressions": [{"key": "disktype", "operator": "In", "values": ["ssd"]}]}}
            ]}})
        }
        17 | 18 => {
            spec["topologySpreadConstraints"] = json!([{
                "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"app": format!("app-{}", i % 200)}}
            }])
        }
        _ => {
            labels["anti"] = json!(format!("a{}", i / 200));
            spec["affinity"] = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"anti": format!("a{}", i / 200)}}, "topologyKey": "kubernetes.io/hostname"}
            ]}})
        }
    }
    let pod = json!({"metadata": {"name": format!("pod-{i}"), "namespace": "default", "labels": labels}, "spec": spec});
    decode_value(Kind::Pod, &pod).ok()
}

/// Pods bound to a node.
pub fn scheduled_pods(c: &Cluster) -> usize {
    let all = crate::api::labels::Selector::everything();
    let unscheduled = match crate::api::fields::FieldSelector::parse("spec.nodeName=", Kind::Pod) {
        Ok(f) => f,
        Err(_) => return 0,
    };
    c.api.store.count(Kind::Pod) - c.api.list(Kind::Pod, None, &all, &unscheduled).len()
}

/// A digest of where every pod landed (64-bit FNV-1a over `namespace name node`
/// records in key order): equal digests mean equal placements, so a faster scheduler
/// can be checked against a slower one.
pub fn placement_digest(c: &Cluster) -> u64 {
    let all = crate::api::labels::Selector::everything();
    let none = crate::api::fields::FieldSelector::default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes.iter().chain(&[0u8]) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for o in c.api.list(Kind::Pod, None, &all, &none) {
        if let Object::Pod(p) = &*o {
            eat(p.metadata.namespace.as_bytes());
            eat(p.metadata.name.as_bytes());
            eat(p.spec.node_name.as_bytes());
        }
    }
    h
}

/// Pod `i` of the kubelet benchmark, bound to `node` (the scheduler is not what is
/// measured): nginx, or one in ten busybox looping on its log, one in five with an HTTP
/// readiness probe every 10 s.
pub fn running_pod(i: usize, node: &str) -> Option<Object> {
    let mut c = json!({"name": "app", "image": "nginx:1.27",
                       "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}});
    if i % 10 == 9 {
        c["image"] = json!("busybox:1.36");
        c["command"] = json!(["sh", "-c", "while true; do echo tick; sleep 10; done"]);
    } else if i.is_multiple_of(5) {
        c["readinessProbe"] = json!({"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10});
    }
    let pod = json!({"metadata": {"name": format!("pod-{i}"), "namespace": "default",
                                  "labels": {"app": format!("app-{}", i % 100)}},
                     "spec": {"nodeName": node, "containers": [c]}});
    decode_value(Kind::Pod, &pod).ok()
}

/// Pods whose phase is Running.
pub fn running_pods(c: &Cluster) -> usize {
    let all = crate::api::labels::Selector::everything();
    let none = crate::api::fields::FieldSelector::default();
    c.api
        .list(Kind::Pod, Some("default"), &all, &none)
        .iter()
        .filter(|o| match &***o {
            Object::Pod(p) => p.status.as_ref().is_some_and(|s| s.phase == "Running"),
            _ => false,
        })
        .count()
}
