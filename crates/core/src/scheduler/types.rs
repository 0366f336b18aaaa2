//! The scheduler's per-object views, as upstream `framework/types.go`: [`Resource`]
//! (cpu millis, memory and ephemeral-storage bytes, pod count, scalar resources),
//! [`PodInfo`] (a pod with its requests, host ports and parsed affinity terms, computed
//! once when the pod enters the cache), [`AffinityTerm`], [`HostPortInfo`] and
//! [`NodeInfo`] (a node with its pods and their summed requests).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::api::core_v1::{Container, Node, Pod, PodAffinityTerm, ResourceList};
use crate::api::labels::Selector;

/// `schedutil.DefaultMilliCPURequest`: the cpu a container without a cpu request is
/// assumed to use when scoring (100m).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// `schedutil.DefaultMemoryRequest`: 200Mi, for containers without a memory request.
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// Upstream `schedutil.IsScalarResourceName`: extended resources (`example.com/gpu`),
/// prefixed native ones (`kubernetes.io/...`), hugepages and attachable volumes.
pub fn is_scalar_resource_name(name: &str) -> bool {
    name.starts_with("hugepages-")
        || name.starts_with("attachable-volumes-")
        || (name.contains('/') && !name.starts_with("requests."))
}

/// Upstream `framework.Resource`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resource {
    pub milli_cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
    /// Only meaningful for allocatable (`pods`).
    pub allowed_pod_number: i64,
    /// Scalar resources, sorted by name.
    pub scalar: Vec<(String, i64)>,
}

impl Resource {
    /// Upstream `NewResource(list)`.
    pub fn from_list(list: &ResourceList) -> Resource {
        let mut r = Resource::default();
        r.add_list(list);
        r
    }

    /// The value of a scalar resource (0 when absent).
    pub fn scalar(&self, name: &str) -> i64 {
        match self.scalar.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Ok(i) => self.scalar.get(i).map_or(0, |(_, v)| *v),
            Err(_) => 0,
        }
    }

    /// Whether the scalar resource is listed (even with 0).
    pub fn has_scalar(&self, name: &str) -> bool {
        self.scalar
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .is_ok()
    }

    fn scalar_mut(&mut self, name: &str) -> &mut i64 {
        let i = match self.scalar.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Ok(i) => i,
            Err(i) => {
                self.scalar.insert(i, (name.to_string(), 0));
                i
            }
        };
        &mut self.scalar[i].1
    }

    /// Upstream `Resource.Add(ResourceList)`.
    pub fn add_list(&mut self, list: &ResourceList) {
        for (name, q) in list {
            match name.as_str() {
                "cpu" => self.milli_cpu = self.milli_cpu.saturating_add(q.milli_value()),
                "memory" => self.memory = self.memory.saturating_add(q.value()),
                "pods" => {
                    self.allowed_pod_number = self.allowed_pod_number.saturating_add(q.value())
                }
                "ephemeral-storage" => {
                    self.ephemeral_storage = self.ephemeral_storage.saturating_add(q.value())
                }
                n if is_scalar_resource_name(n) => {
                    let v = self.scalar_mut(n);
                    *v = v.saturating_add(q.value());
                }
                _ => {}
            }
        }
    }

    /// Adds another resource (all fields).
    pub fn add(&mut self, o: &Resource) {
        self.milli_cpu = self.milli_cpu.saturating_add(o.milli_cpu);
        self.memory = self.memory.saturating_add(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.saturating_add(o.ephemeral_storage);
        self.allowed_pod_number = self.allowed_pod_number.saturating_add(o.allowed_pod_number);
        for (n, v) in &o.scalar {
            let s = self.scalar_mut(n);
            *s = s.saturating_add(*v);
        }
    }

    /// Subtracts another resource (all fields).
    pub fn sub(&mut self, o: &Resource) {
        self.milli_cpu = self.milli_cpu.saturating_sub(o.milli_cpu);
        self.memory = self.memory.saturating_sub(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.saturating_sub(o.ephemeral_storage);
        self.allowed_pod_number = self.allowed_pod_number.saturating_sub(o.allowed_pod_number);
        for (n, v) in &o.scalar {
            let s = self.scalar_mut(n);
            *s = s.saturating_sub(*v);
        }
    }

    /// Field-wise maximum.
    pub fn set_max(&mut self, o: &Resource) {
        self.milli_cpu = self.milli_cpu.max(o.milli_cpu);
        self.memory = self.memory.max(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.max(o.ephemeral_storage);
        self.allowed_pod_number = self.allowed_pod_number.max(o.allowed_pod_number);
        for (n, v) in &o.scalar {
            let s = self.scalar_mut(n);
            *s = (*s).max(*v);
        }
    }
}

fn container_requests(c: &Container, non_missing_defaults: bool) -> Resource {
    let mut r = Resource::from_list(&c.resources.requests);
    if non_missing_defaults {
        if !c.resources.requests.contains_key("cpu") {
            r.milli_cpu = DEFAULT_MILLI_CPU_REQUEST;
        }
        if !c.resources.requests.contains_key("memory") {
            r.memory = DEFAULT_MEMORY_REQUEST;
        }
    }
    r
}

/// Upstream `resourcehelper.PodRequests`: the sum of the containers' requests, the
/// maximum with each init container (restartable "sidecar" init containers add to the
/// sum and to every later init container), plus the pod overhead. With
/// `non_missing_defaults`, a container without a cpu (memory) request counts 100m
/// (200Mi), as the scoring plugins and `NonZeroRequested` do.
pub fn pod_requests(pod: &Pod, non_missing_defaults: bool) -> Resource {
    let mut reqs = Resource::default();
    for c in &pod.spec.containers {
        reqs.add(&container_requests(c, non_missing_defaults));
    }
    let mut restartable = Resource::default();
    let mut init_max = Resource::default();
    for c in &pod.spec.init_containers {
        let mut creq = container_requests(c, non_missing_defaults);
        if c.restart_policy.as_deref() == Some("Always") {
            reqs.add(&creq);
            restartable.add(&creq);
            creq = restartable.clone();
        } else {
            creq.add(&restartable);
        }
        init_max.set_max(&creq);
    }
    reqs.set_max(&init_max);
    reqs.add(&Resource::from_list(&pod.spec.overhead));
    reqs
}

/// `corev1helpers.PodPriority`: `spec.priority`, 0 when unset.
pub fn pod_priority(pod: &Pod) -> i32 {
    pod.spec.priority.unwrap_or(0)
}

/// `namespace/name`, the key pods are cached under.
pub fn pod_key(pod: &Pod) -> String {
    format!("{}/{}", pod.metadata.namespace, pod.metadata.name)
}

/// One host port a pod uses: `(ip, protocol, port)`, sanitised as upstream
/// (`0.0.0.0` and `TCP` when empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    pub ip: String,
    pub protocol: String,
    pub port: i32,
}

/// The host ports of a pod's containers (`spec.containers[*].ports[*]` with a hostPort).
pub fn pod_host_ports(pod: &Pod) -> Vec<HostPort> {
    let mut out = Vec::new();
    for c in &pod.spec.containers {
        for p in &c.ports {
            if p.host_port <= 0 {
                continue;
            }
            out.push(HostPort {
                ip: if p.host_ip.is_empty() {
                    "0.0.0.0".to_string()
                } else {
                    p.host_ip.clone()
                },
                protocol: if p.protocol.is_empty() {
                    "TCP".to_string()
                } else {
                    p.protocol.clone()
                },
                port: p.host_port,
            });
        }
    }
    out
}

/// Upstream `HostPortInfo`: the host ports used on a node (a multiset, so removing one
/// pod keeps another pod's identical port).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostPortInfo {
    pub ports: Vec<HostPort>,
}

impl HostPortInfo {
    /// Upstream `CheckConflict`: same protocol and port, and the same IP or either
    /// side bound to `0.0.0.0`.
    pub fn check_conflict(&self, want: &HostPort) -> bool {
        if want.port <= 0 {
            return false;
        }
        self.ports.iter().any(|u| {
            u.port == want.port
                && u.protocol == want.protocol
                && (want.ip == "0.0.0.0" || u.ip == "0.0.0.0" || u.ip == want.ip)
        })
    }
    fn add(&mut self, ports: &[HostPort]) {
        self.ports.extend(ports.iter().cloned());
    }
    fn remove(&mut self, ports: &[HostPort]) {
        for p in ports {
            if let Some(i) = self.ports.iter().position(|u| u == p) {
                self.ports.swap_remove(i);
            }
        }
    }
}

/// Upstream `framework.AffinityTerm`: a parsed pod (anti-)affinity term.
#[derive(Clone, Debug)]
pub struct AffinityTerm {
    /// Namespaces named by the term (the pod's own when neither `namespaces` nor
    /// `namespaceSelector` is given).
    pub namespaces: Vec<String>,
    pub selector: Selector,
    pub topology_key: String,
    /// `nil` parses to "nothing", `{}` to "everything".
    pub namespace_selector: Selector,
}

impl AffinityTerm {
    /// Upstream `newAffinityTerm`.
    pub fn new(pod: &Pod, term: &PodAffinityTerm) -> Result<AffinityTerm, String> {
        let selector = Selector::from_optional_label_selector(term.label_selector.as_ref())?;
        let namespace_selector =
            Selector::from_optional_label_selector(term.namespace_selector.as_ref())?;
        let namespaces = if term.namespaces.is_empty() && term.namespace_selector.is_none() {
            vec![pod.metadata.namespace.clone()]
        } else {
            term.namespaces.clone()
        };
        Ok(AffinityTerm {
            namespaces,
            selector,
            topology_key: term.topology_key.clone(),
            namespace_selector,
        })
    }

    /// Upstream `AffinityTerm.Matches`: the pod is in one of the term's namespaces (or
    /// its namespace's labels match the namespace selector) and its labels match.
    pub fn matches(&self, pod: &Pod, ns_labels: Option<&BTreeMap<String, String>>) -> bool {
        let ns_ok = self.namespaces.contains(&pod.metadata.namespace)
            || match ns_labels {
                Some(l) => self.namespace_selector.matches(l),
                None => self.namespace_selector.matches(&BTreeMap::new()),
            };
        ns_ok && self.selector.matches(&pod.metadata.labels)
    }
}

/// A weighted (preferred) affinity term.
#[derive(Clone, Debug)]
pub struct WeightedAffinityTerm {
    pub term: AffinityTerm,
    pub weight: i32,
}

/// Upstream `framework.PodInfo`: a pod plus what the scheduler derives from it once.
#[derive(Clone, Debug)]
pub struct PodInfo {
    pub pod: Arc<Pod>,
    /// `namespace/name`.
    pub key: String,
    /// `PodRequests` without defaults (NodeResourcesFit's filter, `Requested`).
    pub requests: Resource,
    /// cpu and memory with the 100m/200Mi defaults (`NonZeroRequested`, scoring).
    pub non_zero_cpu: i64,
    pub non_zero_memory: i64,
    pub host_ports: Vec<HostPort>,
    pub required_affinity_terms: Vec<AffinityTerm>,
    pub required_anti_affinity_terms: Vec<AffinityTerm>,
    pub preferred_affinity_terms: Vec<WeightedAffinityTerm>,
    pub preferred_anti_affinity_terms: Vec<WeightedAffinityTerm>,
    pub priority: i32,
    /// The first error parsing an affinity term (such terms are dropped).
    pub parse_error: Option<String>,
}

impl PodInfo {
    /// Upstream `NewPodInfo`.
    pub fn new(pod: Arc<Pod>) -> PodInfo {
        let requests = pod_requests(&pod, false);
        let nz = pod_requests(&pod, true);
        let mut parse_error = None;
        let mut parse = |terms: &[PodAffinityTerm]| -> Vec<AffinityTerm> {
            let mut out = Vec::with_capacity(terms.len());
            for t in terms {
                match AffinityTerm::new(&pod, t) {
                    Ok(a) => out.push(a),
                    Err(e) => {
                        if parse_error.is_none() {
                            parse_error = Some(e);
                        }
                    }
                }
            }
            out
        };
        let (mut ra, mut rn) = (Vec::new(), Vec::new());
        let (mut pa_terms, mut pn_terms) = (Vec::new(), Vec::new());
        if let Some(aff) = pod.spec.affinity.as_deref() {
            if let Some(pa) = &aff.pod_affinity {
                ra = parse(&pa.required_during_scheduling_ignored_during_execution);
                pa_terms = pa
                    .preferred_during_scheduling_ignored_during_execution
                    .iter()
                    .map(|w| (w.weight, w.pod_affinity_term.clone()))
                    .collect();
            }
            if let Some(pn) = &aff.pod_anti_affinity {
                rn = parse(&pn.required_during_scheduling_ignored_during_execution);
                pn_terms = pn
                    .preferred_during_scheduling_ignored_during_execution
                    .iter()
                    .map(|w| (w.weight, w.pod_affinity_term.clone()))
                    .collect();
            }
        }
        let mut weighted = |terms: Vec<(i32, PodAffinityTerm)>| -> Vec<WeightedAffinityTerm> {
            let mut out = Vec::new();
            for (w, t) in terms {
                match AffinityTerm::new(&pod, &t) {
                    Ok(term) => out.push(WeightedAffinityTerm { term, weight: w }),
                    Err(e) => {
                        if parse_error.is_none() {
                            parse_error = Some(e);
                        }
                    }
                }
            }
            out
        };
        let pa = weighted(pa_terms);
        let pn = weighted(pn_terms);
        PodInfo {
            key: pod_key(&pod),
            requests,
            non_zero_cpu: nz.milli_cpu,
            non_zero_memory: nz.memory,
            host_ports: pod_host_ports(&pod),
            required_affinity_terms: ra,
            required_anti_affinity_terms: rn,
            preferred_affinity_terms: pa,
            preferred_anti_affinity_terms: pn,
            priority: pod_priority(&pod),
            parse_error,
            pod,
        }
    }

    /// Upstream `podWithAffinity`: any pod (anti-)affinity at all.
    pub fn has_affinity(&self) -> bool {
        self.pod
            .spec
            .affinity
            .as_deref()
            .is_some_and(|a| a.pod_affinity.is_some() || a.pod_anti_affinity.is_some())
    }

    /// Terminating pods (with a deletionTimestamp) are not counted by PodTopologySpread.
    pub fn is_terminating(&self) -> bool {
        self.pod.metadata.deletion_timestamp.is_some()
    }
}

/// An interned node label key or value (see [`Symbols`]).
pub type Sym = u32;

/// The cache's interned node label keys and values: each distinct string gets a small
/// number once, so the per-node checks of a cycle (node selectors, topology domains)
/// compare integers instead of strings. Numbers are handed out in interning order and
/// only ever compared for equality or used as map keys whose iteration order no
/// result depends on.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    ids: super::FxMap<Box<str>, Sym>,
}

impl Symbols {
    /// The number for `s`, interning it when new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.ids.len() as Sym;
        self.ids.insert(s.into(), id);
        id
    }

    /// The number for `s` if some node label uses it (else no node can match it).
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.ids.get(s).copied()
    }
}

/// Upstream `framework.NodeInfo`: a node, the pods on it and their summed requests.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    /// The node's name (shared, cheap to clone into records).
    pub name: Arc<str>,
    /// The cache's slot for this node: a small number, unique among the cache's
    /// nodes, for per-cycle tables keyed by node.
    pub slot: u32,
    pub node: Arc<Node>,
    /// False for a placeholder holding pods bound to a node the cache has not seen.
    pub has_node: bool,
    pub pods: Vec<Arc<PodInfo>>,
    /// Sum of the pods' requests (`Requested`).
    pub requested: Resource,
    /// cpu and memory with the non-zero defaults (`NonZeroRequested`).
    pub non_zero_requested: Resource,
    /// From `status.allocatable`.
    pub allocatable: Resource,
    pub used_ports: HostPortInfo,
    /// Images on the node (`status.images[*].names`) with their size.
    pub images: Vec<(String, i64)>,
    /// Pods with any pod (anti-)affinity (`PodsWithAffinity`).
    pub pods_with_affinity: usize,
    /// Pods with required anti-affinity (`PodsWithRequiredAntiAffinity`).
    pub pods_with_required_anti_affinity: usize,
    /// `spec.unschedulable`, kept here so the filters need not reach into the Node.
    pub unschedulable: bool,
    /// `spec.taints` (shared with nothing; usually empty).
    pub taints: Vec<crate::api::core_v1::Taint>,
    /// The hashes of the label keys (one cache line for a typical node) and the
    /// labels in the same order: a lookup compares hashes before strings (see
    /// [`NodeInfo::label`]).
    label_hashes: Vec<u64>,
    label_kv: Vec<(String, String)>,
    /// The labels as interned (key, value) pairs, in the same order.
    label_syms: Vec<(Sym, Sym)>,
}

/// The hash [`NodeInfo::label_hashed`] expects for a label key.
pub fn label_key_hash(key: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = super::FxHasher::default();
    h.write(key.as_bytes());
    h.finish()
}

impl NodeInfo {
    /// A NodeInfo for `node` without pods, its labels interned in `syms`.
    pub fn new(node: Arc<Node>, syms: &mut Symbols) -> NodeInfo {
        let mut ni = NodeInfo {
            name: Arc::from(node.metadata.name.as_str()),
            slot: 0,
            node: node.clone(),
            has_node: true,
            pods: Vec::new(),
            requested: Resource::default(),
            non_zero_requested: Resource::default(),
            allocatable: Resource::default(),
            used_ports: HostPortInfo::default(),
            images: Vec::new(),
            pods_with_affinity: 0,
            pods_with_required_anti_affinity: 0,
            unschedulable: false,
            taints: Vec::new(),
            label_hashes: Vec::new(),
            label_kv: Vec::new(),
            label_syms: Vec::new(),
        };
        ni.set_node(node, syms);
        ni
    }

    /// Replaces the Node object (allocatable, images and labels are recomputed).
    pub fn set_node(&mut self, node: Arc<Node>, syms: &mut Symbols) {
        self.allocatable = node
            .status
            .as_ref()
            .map(|s| Resource::from_list(&s.allocatable))
            .unwrap_or_default();
        let mut images: Vec<(String, i64)> = Vec::new();
        if let Some(s) = &node.status {
            for img in &s.images {
                for n in &img.names {
                    images.push((n.clone(), img.size_bytes));
                }
            }
        }
        images.sort();
        images.dedup_by(|a, b| a.0 == b.0);
        self.images = images;
        self.unschedulable = node.spec.unschedulable;
        self.taints = node.spec.taints.clone();
        self.label_hashes = node
            .metadata
            .labels
            .keys()
            .map(|k| label_key_hash(k))
            .collect();
        self.label_kv = node
            .metadata
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.label_syms = node
            .metadata
            .labels
            .iter()
            .map(|(k, v)| (syms.intern(k), syms.intern(v)))
            .collect();
        self.node = node;
        self.has_node = true;
    }

    /// The value of a node label (same as `labels().get(key)`).
    #[inline]
    pub fn label(&self, key: &str) -> Option<&str> {
        self.label_hashed(label_key_hash(key), key)
    }

    /// [`NodeInfo::label`] with the key's [`label_key_hash`] computed by the caller.
    #[inline]
    pub fn label_hashed(&self, hash: u64, key: &str) -> Option<&str> {
        for (i, h) in self.label_hashes.iter().enumerate() {
            if *h == hash {
                if let Some((k, v)) = self.label_kv.get(i) {
                    if k == key {
                        return Some(v.as_str());
                    }
                }
            }
        }
        None
    }

    /// The value of a node label by interned key.
    #[inline]
    pub fn label_sym(&self, key: Sym) -> Option<Sym> {
        self.label_syms
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// The node's labels.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.node.metadata.labels
    }

    /// The size of an image on this node, if present.
    pub fn image_size(&self, name: &str) -> Option<i64> {
        self.images
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .and_then(|i| self.images.get(i))
            .map(|(_, s)| *s)
    }

    /// Upstream `NodeInfo.AddPodInfo`.
    pub fn add_pod(&mut self, pi: Arc<PodInfo>) {
        self.requested.add(&pi.requests);
        self.non_zero_requested.milli_cpu += pi.non_zero_cpu;
        self.non_zero_requested.memory += pi.non_zero_memory;
        self.used_ports.add(&pi.host_ports);
        if pi.has_affinity() {
            self.pods_with_affinity += 1;
        }
        if !pi.required_anti_affinity_terms.is_empty() {
            self.pods_with_required_anti_affinity += 1;
        }
        self.pods.push(pi);
    }

    /// Upstream `NodeInfo.RemovePod` (by key); returns the removed pod.
    pub fn remove_pod(&mut self, key: &str) -> Option<Arc<PodInfo>> {
        let i = self.pods.iter().position(|p| p.key == key)?;
        let pi = self.pods.swap_remove(i);
        self.requested.sub(&pi.requests);
        self.non_zero_requested.milli_cpu -= pi.non_zero_cpu;
        self.non_zero_requested.memory -= pi.non_zero_memory;
        self.used_ports.remove(&pi.host_ports);
        if pi.has_affinity() {
            self.pods_with_affinity = self.pods_with_affinity.saturating_sub(1);
        }
        if !pi.required_anti_affinity_terms.is_empty() {
            self.pods_with_required_anti_affinity =
                self.pods_with_required_anti_affinity.saturating_sub(1);
        }
        Some(pi)
    }
}
