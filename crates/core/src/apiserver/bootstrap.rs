//! What a fresh cluster holds before the user does anything: the four default
//! namespaces, the `kubernetes` Service, the built-in PriorityClasses and kind's default
//! StorageClass `standard` (`rancher.io/local-path`, WaitForFirstConsumer); and the Node
//! object each kubelet registers ([`node_object`]; the kubelets themselves are
//! components, see `crate::kubelet`).

use std::collections::BTreeMap;

use crate::api::core_v1::{
    Namespace, Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, NodeSystemInfo, Service,
    ServicePort, ServiceSpec, Taint,
};
use crate::api::meta::Time;
use crate::api::scheduling_v1::PriorityClass;
use crate::api::{IntOrString, ObjectMeta, Quantity, Resource};
use crate::kubectl::info::KUBERNETES_VERSION;
use crate::sim::Cluster;

/// The namespaces every cluster starts with.
pub const DEFAULT_NAMESPACES: &[&str] =
    &["default", "kube-node-lease", "kube-public", "kube-system"];

/// The shape of one node.
#[derive(Clone, Debug, Default)]
pub struct NodeShape {
    pub name: String,
    /// Index used for the node's addresses: InternalIP 172.18.0.(index+2), pod CIDR from `network::ipam::node_pod_cidr`.
    pub index: usize,
    pub cpu_millis: i64,
    pub memory_bytes: i64,
    pub control_plane: bool,
    /// Extra labels (`kubeplay node add --labels`).
    pub labels: BTreeMap<String, String>,
    /// Taints the kubelet registers with (`--register-with-taints`).
    pub taints: Vec<Taint>,
    /// `topology.kubernetes.io/zone`, when zones are configured.
    pub zone: Option<String>,
}

fn quantity(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_default()
}

/// A Node as its kubelet registers it: labels, taints, capacity, conditions, addresses
/// and node info of the release Kubeplay mirrors.
pub fn node_object(shape: &NodeShape, now: Time) -> Node {
    let mut labels = BTreeMap::new();
    for (k, v) in [
        ("beta.kubernetes.io/arch", "amd64"),
        ("beta.kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("kubernetes.io/hostname", shape.name.as_str()),
        ("kubernetes.io/os", "linux"),
    ] {
        labels.insert(k.to_string(), v.to_string());
    }
    let mut taints = Vec::new();
    if shape.control_plane {
        labels.insert(
            "node-role.kubernetes.io/control-plane".into(),
            String::new(),
        );
        labels.insert(
            "node.kubernetes.io/exclude-from-external-load-balancers".into(),
            String::new(),
        );
        taints.push(Taint {
            key: "node-role.kubernetes.io/control-plane".into(),
            effect: "NoSchedule".into(),
            ..Default::default()
        });
    }
    if let Some(z) = &shape.zone {
        labels.insert("topology.kubernetes.io/zone".into(), z.clone());
    }
    labels.extend(shape.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    taints.extend(shape.taints.iter().cloned());
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "kubeadm.alpha.kubernetes.io/cri-socket".into(),
        "unix:///run/containerd/containerd.sock".into(),
    );
    annotations.insert("node.alpha.kubernetes.io/ttl".into(), "0".into());
    annotations.insert(
        "volumes.kubernetes.io/controller-managed-attach-detach".into(),
        "true".into(),
    );
    let mut capacity = BTreeMap::new();
    capacity.insert(
        "cpu".to_string(),
        quantity(&format!("{}m", shape.cpu_millis)),
    );
    capacity.insert("ephemeral-storage".to_string(), quantity("100Gi"));
    capacity.insert("hugepages-1Gi".to_string(), quantity("0"));
    capacity.insert("hugepages-2Mi".to_string(), quantity("0"));
    capacity.insert(
        "memory".to_string(),
        quantity(&format!("{}Ki", shape.memory_bytes / 1024)),
    );
    capacity.insert("pods".to_string(), quantity("110"));
    let condition = |t: &str, s: &str, reason: &str, message: &str| NodeCondition {
        type_: t.into(),
        status: s.into(),
        last_heartbeat_time: Some(now),
        last_transition_time: Some(now),
        reason: reason.into(),
        message: message.into(),
    };
    let ip = format!(
        "172.18.{}.{}",
        (shape.index + 2) / 256,
        (shape.index + 2) % 256
    );
    let cidr = crate::network::ipam::node_pod_cidr(shape.index);
    Node {
        metadata: ObjectMeta {
            name: shape.name.clone(),
            labels,
            annotations,
            ..Default::default()
        },
        spec: NodeSpec {
            pod_cidr: cidr.clone(),
            pod_cidrs: vec![cidr],
            taints,
            ..Default::default()
        },
        status: Some(NodeStatus {
            allocatable: capacity.clone(),
            capacity,
            conditions: vec![
                condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                condition(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                ),
                condition(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                ),
                condition(
                    "Ready",
                    "True",
                    "KubeletReady",
                    "kubelet is posting ready status",
                ),
            ],
            addresses: vec![
                NodeAddress {
                    type_: "InternalIP".into(),
                    address: ip,
                },
                NodeAddress {
                    type_: "Hostname".into(),
                    address: shape.name.clone(),
                },
            ],
            node_info: NodeSystemInfo {
                architecture: "amd64".into(),
                container_runtime_version: "containerd://2.0.3".into(),
                kernel_version: "6.8.0-kubeplay".into(),
                kubelet_version: KUBERNETES_VERSION.into(),
                kube_proxy_version: KUBERNETES_VERSION.into(),
                operating_system: "linux".into(),
                os_image: "Debian GNU/Linux 12 (bookworm)".into(),
                ..Default::default()
            },
            ..Default::default()
        }),
    }
}

/// The node shapes of a cluster configuration: `control-plane` then `node-1` ... `node-N`.
pub fn node_shapes(c: &crate::sim::ClusterConfig) -> Vec<NodeShape> {
    // With zones configured, the control plane sits in the first and workers go round-robin.
    let zone = |i: usize| {
        if c.zones.is_empty() {
            None
        } else {
            Some(c.zones[i % c.zones.len()].clone())
        }
    };
    let mut v = vec![NodeShape {
        name: "control-plane".into(),
        index: 0,
        cpu_millis: 4000,
        memory_bytes: 8 << 30,
        control_plane: true,
        zone: zone(0),
        ..Default::default()
    }];
    for i in 1..=c.workers {
        v.push(NodeShape {
            name: format!("node-{i}"),
            index: i,
            cpu_millis: c.worker_cpu_millis,
            memory_bytes: c.worker_memory_bytes,
            zone: zone(i - 1),
            ..Default::default()
        });
    }
    v
}

pub fn bootstrap(c: &mut Cluster) {
    for ns in DEFAULT_NAMESPACES {
        let obj = Namespace {
            metadata: ObjectMeta {
                name: ns.to_string(),
                ..Default::default()
            },
            ..Default::default()
        };
        // The default objects are valid by construction; a failure here is a bug in defaults.
        let _ = c.api.create(obj.into_object());
    }
    let mut svc_labels = BTreeMap::new();
    svc_labels.insert("component".to_string(), "apiserver".to_string());
    svc_labels.insert("provider".to_string(), "kubernetes".to_string());
    let kubernetes = Service {
        metadata: ObjectMeta {
            name: "kubernetes".into(),
            namespace: "default".into(),
            labels: svc_labels,
            ..Default::default()
        },
        spec: ServiceSpec {
            cluster_ip: "10.96.0.1".into(),
            cluster_ips: vec!["10.96.0.1".into()],
            ports: vec![ServicePort {
                name: "https".into(),
                port: 443,
                protocol: "TCP".into(),
                target_port: Some(IntOrString::Int(6443)),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    };
    let _ = c.api.create(kubernetes.into_object());
    for (name, value, description) in super::admission::SYSTEM_PRIORITY_CLASSES {
        let pc = PriorityClass {
            metadata: ObjectMeta {
                name: name.to_string(),
                ..Default::default()
            },
            value: *value,
            description: description.to_string(),
            ..Default::default()
        };
        let _ = c.api.create(pc.into_object());
    }
    // Added after the rest of the bootstrap, with a uid of its own, so that the uids,
    // names and addresses later objects draw stay as they were before it existed.
    let uid = crate::sim::Rng::named(c.config.seed, "storageclass/standard").uuid();
    c.api.set_next_uid(uid);
    let _ = c.api.create(standard_storage_class().into_object());
}

/// kind's default StorageClass, served by its local-path provisioner. kind installs it
/// with `kubectl apply`, hence the last-applied annotation.
pub fn standard_storage_class() -> crate::api::storage_v1::StorageClass {
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "kubectl.kubernetes.io/last-applied-configuration".to_string(),
        concat!(
            r#"{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"},"name":"standard"},"#,
            r#""provisioner":"rancher.io/local-path","reclaimPolicy":"Delete","volumeBindingMode":"WaitForFirstConsumer"}"#,
            "\n"
        )
        .to_string(),
    );
    annotations.insert(
        super::admission::IS_DEFAULT_CLASS.to_string(),
        "true".to_string(),
    );
    crate::api::storage_v1::StorageClass {
        metadata: ObjectMeta {
            name: "standard".into(),
            annotations,
            ..Default::default()
        },
        provisioner: crate::controllers::local_path::PROVISIONER.into(),
        reclaim_policy: Some("Delete".into()),
        volume_binding_mode: Some("WaitForFirstConsumer".into()),
        ..Default::default()
    }
}
