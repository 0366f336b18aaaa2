//! The kubelet, one per node. For its node object it registers the Node through the
//! API on start, renews its Lease in `kube-node-lease` every 10 s (duration 40 s), and
//! reports node status (condition heartbeats) every 5 minutes when nothing changed, as
//! upstream's `nodeStatusReportFrequency`. For the pods bound to its node it runs one
//! [`pods::PodWorker`] each over the simulated runtime ([`images`] says what each image
//! does): sandbox and pod IP ([`crate::network::ipam`]), image pulls through the node's
//! image cache, init containers, restarts with backoff, graceful termination, and the
//! pod status and events a kubelet writes. Probes, logs, exec, volumes and resource
//! limits are not simulated yet.

pub mod env;
pub mod exec;
pub mod images;
pub mod pods;
pub mod probes;
pub mod storage;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use crate::api::core_v1::Pod;
use crate::events::{self, Recorder};
use crate::network::ipam::{node_pod_cidr, PodAddresses};
use images::Catalogue;
use pods::{Env, PodWorker};

use crate::api::coordination_v1::{Lease, LeaseSpec};
use crate::api::meta::{MicroTime, OwnerReference, Time};
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::bootstrap::{node_object, NodeShape};
use crate::apiserver::store::{WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::metrics::NodeUsage;
use crate::sim::{Component, ComponentCtx, Millis};

/// The namespace of node heartbeats.
pub const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";
/// Lease duration (`nodeLeaseDurationSeconds`).
pub const LEASE_DURATION_SECONDS: i32 = 40;
/// Renewal interval: a quarter of the duration.
pub const LEASE_RENEW_INTERVAL: Millis = 10_000;
/// `nodeStatusReportFrequency`.
pub const NODE_STATUS_REPORT_INTERVAL: Millis = 300_000;
/// The default hard eviction threshold `memory.available<100Mi`.
pub const EVICTION_MEMORY_AVAILABLE: i64 = 100 << 20;
/// `evictionPressureTransitionPeriod`: how long a pressure condition stays after the
/// node is back above the threshold.
pub const PRESSURE_TRANSITION_MS: Millis = 300_000;

/// Whether the machine under a kubelet is up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Power {
    Running,
    /// `kubeplay node stop`: the machine went dark; nothing is renewed or reported.
    Stopped,
    /// `kubeplay node delete`: gone for good.
    Deleted,
}

/// The kubelet of one node.
pub struct Kubelet {
    shape: NodeShape,
    registered: bool,
    next_status_report: Millis,
    /// When the Lease is renewed next.
    next_renew: Millis,
    power: Power,
    /// Pods bound to this node (`spec.nodeName=<node>`).
    pods: Option<WatchId>,
    /// One worker per pod on the node, by `namespace/name`.
    workers: BTreeMap<String, PodWorker>,
    /// When each worker next needs a sync.
    due: BTreeMap<String, Millis>,
    catalogue: Arc<Catalogue>,
    /// Image references on the node.
    image_cache: BTreeSet<String>,
    /// The node's own files that hostPath and local volumes show.
    host_files: storage::HostFiles,
    puller: pods::Puller,
    addresses: PodAddresses,
    recorder: Recorder,
    /// The node's allocatable resources.
    allocatable: BTreeMap<String, crate::api::Quantity>,
    /// The eviction manager: when memory was last seen under the threshold, and
    /// whether the node reports MemoryPressure.
    memory_low_at: Option<Millis>,
    memory_pressure: bool,
}

/// The built-in image catalogue, shared by every kubelet.
/// What a node's own processes use, in millicores and bytes: the kubelet, containerd
/// and the OS, and on the control-plane node etcd and the control plane too.
fn system_usage(shape: &NodeShape) -> (i64, i64) {
    if shape.control_plane {
        (180, 640 << 20)
    } else {
        (25, 210 << 20)
    }
}

pub fn builtin_catalogue() -> Arc<Catalogue> {
    static CATALOGUE: OnceLock<Arc<Catalogue>> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| Arc::new(Catalogue::builtin()))
        .clone()
}

impl Kubelet {
    pub fn new(shape: NodeShape) -> Kubelet {
        Kubelet::with_catalogue(shape, builtin_catalogue())
    }

    /// A kubelet whose runtime knows the images of `catalogue`.
    pub fn with_catalogue(shape: NodeShape, catalogue: Arc<Catalogue>) -> Kubelet {
        let mut image_cache: BTreeSet<String> = catalogue
            .preloaded()
            .map(|i| images::normalized_reference(i.repository))
            .collect();
        image_cache.insert("registry.k8s.io/pause:3.10".to_string());
        let allocatable = node_object(&shape, Time(0))
            .status
            .map(|s| s.allocatable)
            .unwrap_or_default();
        Kubelet {
            memory_low_at: None,
            memory_pressure: false,
            allocatable,
            addresses: PodAddresses::new(&node_pod_cidr(shape.index)),
            recorder: Recorder::legacy("kubelet", &shape.name),
            shape,
            registered: false,
            next_status_report: 0,
            next_renew: 0,
            power: Power::Running,
            pods: None,
            workers: BTreeMap::new(),
            due: BTreeMap::new(),
            catalogue,
            image_cache,
            host_files: Default::default(),
            puller: Default::default(),
        }
    }

    /// Pods this kubelet runs.
    pub fn pod_count(&self) -> usize {
        self.workers.len()
    }

    /// Runs a command in a running container of a pod on this node (`pods/exec`), or
    /// says why it cannot.
    pub fn exec(
        &mut self,
        api: &ApiServer,
        namespace: &str,
        pod: &str,
        container: &str,
        argv: &[String],
    ) -> Result<exec::ExecOutput, String> {
        let host_ip = self.host_ip();
        let w = self
            .workers
            .get_mut(&format!("{namespace}/{pod}"))
            .ok_or_else(|| format!("container not found ({container:?})"))?;
        let node = pods::NodeView {
            catalogue: &self.catalogue,
            host_ip: &host_ip,
            host_files: &self.host_files,
        };
        let out = w.exec(container, argv, api.now(), &node);
        let due = w.take_host_writes(api.now());
        storage::commit_host(&mut self.host_files, due);
        out
    }

    /// Closes a container's stdin (the end of a `kubectl run -it` session) and syncs
    /// the pod at once.
    pub fn close_stdin(&mut self, namespace: &str, pod: &str, container: &str, now: Millis) {
        let key = format!("{namespace}/{pod}");
        if let Some(w) = self.workers.get_mut(&key) {
            w.close_stdin(container, now);
            self.due.insert(key, now);
        }
    }

    /// The log lines of a container of a pod on this node (`pods/log`), or the
    /// kubelet's error message.
    pub fn container_log(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        previous: bool,
        now: Millis,
    ) -> Result<Vec<(Millis, String)>, String> {
        match self.workers.get(&format!("{namespace}/{pod}")) {
            Some(w) => w.container_log(container, previous, now),
            None => Err(format!(
                "pod \"{pod}\" is not running on node {}",
                self.shape.name
            )),
        }
    }

    pub fn node_name(&self) -> &str {
        &self.shape.name
    }

    pub fn shape(&self) -> &NodeShape {
        &self.shape
    }

    pub fn power(&self) -> Power {
        self.power
    }

    /// Stops or starts the machine. A started kubelet renews its lease and reports status
    /// at its next run (the cluster runs it at once).
    pub fn set_power(&mut self, power: Power) {
        if self.power == Power::Deleted {
            return;
        }
        if power == Power::Running && self.power != Power::Running {
            // Back up: renew and report Ready again straight away.
            self.next_status_report = 0;
            self.next_renew = 0;
        }
        self.power = power;
    }

    fn register(&mut self, ctx: &mut ComponentCtx) {
        let mut node = node_object(&self.shape, Time(ctx.now));
        if let Some(st) = node.status.as_mut() {
            // What the kubelet reads from the machine: /etc/machine-id, the DMI UUID, the boot id.
            st.node_info.machine_id = ctx.rng.uuid().replace('-', "");
            st.node_info.system_uuid = ctx.rng.uuid();
            st.node_info.boot_id = ctx.rng.uuid();
        }
        match ctx.api.create(node.into_object()) {
            Ok(_) => self.registered = true,
            // Already there (re-registration after a restart): take it over.
            Err(_) => self.registered = ctx.api.get(Kind::Node, "", &self.shape.name).is_ok(),
        }
        self.next_status_report = ctx.now + NODE_STATUS_REPORT_INTERVAL;
    }

    /// Creates or renews the node's Lease.
    fn renew_lease(&self, ctx: &mut ComponentCtx) {
        let name = self.shape.name.as_str();
        let now = MicroTime(ctx.now);
        match ctx.api.get(Kind::Lease, NODE_LEASE_NAMESPACE, name) {
            Ok(cur) => {
                if let Object::Lease(l) = &*cur {
                    let mut l = (**l).clone();
                    l.spec.renew_time = Some(now);
                    let _ = ctx.api.update(l.into_object());
                }
            }
            Err(_) => {
                let uid = ctx
                    .api
                    .get(Kind::Node, "", name)
                    .map(|n| n.meta().uid.clone())
                    .unwrap_or_default();
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: name.to_string(),
                        namespace: NODE_LEASE_NAMESPACE.to_string(),
                        owner_references: vec![OwnerReference {
                            api_version: "v1".into(),
                            kind: "Node".into(),
                            name: name.to_string(),
                            uid,
                            ..Default::default()
                        }],
                        ..Default::default()
                    },
                    spec: LeaseSpec {
                        holder_identity: Some(name.to_string()),
                        lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
                        renew_time: Some(now),
                        ..Default::default()
                    },
                };
                let _ = ctx.api.create(lease.into_object());
            }
        }
    }

    /// Reports node status: the kubelet's view of each condition (healthy, for now), with
    /// the heartbeat at now and the transition time moved where a status changed (after
    /// the node lifecycle controller marked the node Unknown, for instance).
    fn report_status(&mut self, ctx: &mut ComponentCtx) {
        if let Ok(cur) = ctx.api.get(Kind::Node, "", &self.shape.name) {
            if let Object::Node(n) = &*cur {
                let mut n = (**n).clone();
                let mut desired = node_object(&self.shape, Time(ctx.now))
                    .status
                    .map(|s| s.conditions)
                    .unwrap_or_default();
                if self.memory_pressure {
                    if let Some(c) = desired.iter_mut().find(|c| c.type_ == "MemoryPressure") {
                        c.status = "True".into();
                        c.reason = "KubeletHasInsufficientMemory".into();
                        c.message = "kubelet has insufficient memory available".into();
                    }
                }
                let st = n.status.get_or_insert_with(Default::default);
                for want in desired {
                    match st.conditions.iter_mut().find(|c| c.type_ == want.type_) {
                        Some(c) => {
                            if c.status != want.status {
                                c.status = want.status.clone();
                                c.last_transition_time = Some(Time(ctx.now));
                            }
                            c.reason = want.reason;
                            c.message = want.message;
                            c.last_heartbeat_time = Some(Time(ctx.now));
                        }
                        None => st.conditions.push(want),
                    }
                }
                let _ = ctx.api.update_status(n.into_object());
            }
        }
        self.next_status_report = ctx.now + NODE_STATUS_REPORT_INTERVAL;
    }
}

impl Kubelet {
    /// The node's InternalIP (as `node_object` gives it).
    fn host_ip(&self) -> String {
        format!(
            "172.18.{}.{}",
            (self.shape.index + 2) / 256,
            (self.shape.index + 2) % 256
        )
    }

    /// Takes in the pod events of the node's watch: new pods get a worker, deletions
    /// start stopping their containers, removed pods give their address back.
    fn watch_pods(&mut self, ctx: &mut ComponentCtx) {
        let Some(w) = self.pods else { return };
        for ev in ctx.api.poll(w) {
            let Object::Pod(p) = &*ev.object else {
                continue;
            };
            let key = format!("{}/{}", p.metadata.namespace, p.metadata.name);
            if ev.type_ == crate::apiserver::store::EventType::Deleted {
                if let Some(mut wk) = self.workers.remove(&key) {
                    if let Some(ip) = &wk.ip {
                        self.addresses.release(ip);
                    }
                    let written = wk.take_host_writes(ctx.now);
                    storage::commit_host(&mut self.host_files, written);
                    let m = &wk.pod.metadata;
                    ctx.api
                        .kubelet_stats
                        .remove_pod(&m.namespace, &m.name, &m.uid);
                }
                self.due.remove(&key);
                continue;
            }
            let deleting = p.metadata.deletion_timestamp.is_some();
            match self.workers.get_mut(&key) {
                Some(wk) if wk.pod.metadata.uid == p.metadata.uid => {
                    let newly_deleting = deleting && wk.pod.metadata.deletion_timestamp.is_none();
                    wk.pod = p.clone();
                    if newly_deleting {
                        self.due.insert(key, ctx.now);
                    }
                }
                _ => {
                    let terminal = p
                        .status
                        .as_ref()
                        .is_some_and(|s| matches!(s.phase.as_str(), "Succeeded" | "Failed"));
                    if terminal && !deleting {
                        continue;
                    }
                    self.workers
                        .insert(key.clone(), PodWorker::new(p.clone(), ctx.now));
                    self.due.insert(key, ctx.now);
                }
            }
        }
    }

    /// Syncs the workers that are due: advances them, records their events, writes
    /// changed statuses, and finishes deletions whose containers have stopped.
    fn sync_pods(&mut self, ctx: &mut ComponentCtx) {
        let now = ctx.now;
        let due: Vec<String> = self
            .due
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(k, _)| k.clone())
            .collect();
        let host_ip = self.host_ip();
        for key in due {
            self.due.remove(&key);
            let Some(wk) = self.workers.get_mut(&key) else {
                continue;
            };
            let mut env = Env {
                api: ctx.api,
                host_ip: &host_ip,
                allocatable: &self.allocatable,
                catalogue: &self.catalogue,
                image_cache: &mut self.image_cache,
                host_files: &self.host_files,
                puller: &mut self.puller,
                rng: ctx.rng,
                events: Vec::new(),
            };
            if wk.pod.metadata.deletion_timestamp.is_some() {
                wk.begin_kill(now, &mut env);
            }
            let before = wk.synced.then(|| wk.signature(now));
            if wk.ip.is_none() && now >= wk.pod_sandbox_ready_at() && !wk.stopped {
                wk.ip = self.addresses.allocate();
            }
            let next = wk.sync(now, &mut env);
            let events = env.events;
            let due = wk.take_host_writes(now);
            storage::commit_host(&mut self.host_files, due);
            let fingerprint = wk.usage_fingerprint();
            if fingerprint != wk.reported_usage {
                wk.reported_usage = fingerprint;
                let usage = wk.usage(&self.shape.name);
                let m = &wk.pod.metadata;
                ctx.api
                    .kubelet_stats
                    .set_pod(&m.namespace, &m.name, usage, now);
            }
            wk.synced = true;
            // Nothing the status shows changed: no status to build or write.
            if before == Some(wk.signature(now)) && events.is_empty() && !wk.stopped {
                if let Some(t) = next {
                    self.due.insert(key, t.max(now));
                }
                continue;
            }
            let (ns, name) = (
                wk.pod.metadata.namespace.clone(),
                wk.pod.metadata.name.clone(),
            );
            // Write the status on the current object (no conflict with other writers).
            let current = ctx.api.get(Kind::Pod, &ns, &name).ok();
            let current_pod: Option<Arc<Pod>> = current.as_ref().and_then(|o| match &**o {
                Object::Pod(p) if p.metadata.uid == wk.pod.metadata.uid => Some(p.clone()),
                _ => None,
            });
            if let Some(cur) = &current_pod {
                let mut st = wk.status(now, cur.status.as_ref());
                st.host_ip = host_ip.clone();
                st.host_ips = vec![crate::api::core_v1::HostIP {
                    ip: host_ip.clone(),
                }];
                if cur.status.as_ref() != Some(&st) {
                    let mut p = (**cur).clone();
                    p.status = Some(st);
                    if let Ok(o) = ctx.api.update_status(p.into_object()) {
                        if let Object::Pod(p) = &*o {
                            wk.pod = p.clone();
                        }
                    }
                }
                let involved = Object::Pod(wk.pod.clone());
                for (field_path, type_, reason, message) in events {
                    events::record_field(
                        ctx.api,
                        now,
                        &mut self.recorder,
                        &involved,
                        &field_path,
                        type_,
                        reason,
                        &message,
                    );
                }
            }
            if wk.stopped {
                let now_opts = DeleteOptions {
                    grace_period_seconds: Some(0),
                    ..Default::default()
                };
                let _ = ctx.api.delete(Kind::Pod, &ns, &name, &now_opts);
                continue;
            }
            if let Some(t) = next {
                self.due.insert(key, t.max(now));
            }
        }
    }

    /// The eviction manager's memory signal: the node's memory less what running
    /// containers use. Under 100Mi the node reports MemoryPressure (until 5 minutes
    /// after it recovers) and one pod is evicted per pass, ranked as upstream: pods
    /// using more than they request first, then lower priority, then by how far over
    /// their request they are. Returns whether the pressure condition changed.
    fn check_memory(&mut self, ctx: &mut ComponentCtx) -> bool {
        let now = ctx.now;
        let used: i64 = system_usage(&self.shape).1
            + self
                .workers
                .values()
                .map(PodWorker::memory_usage)
                .sum::<i64>();
        let available = self.shape.memory_bytes - used;
        let low = available < EVICTION_MEMORY_AVAILABLE;
        if low {
            self.memory_low_at = Some(now);
        }
        let pressure = self
            .memory_low_at
            .is_some_and(|t| now - t < PRESSURE_TRANSITION_MS);
        let changed = pressure != self.memory_pressure;
        self.memory_pressure = pressure;
        if !low {
            return changed;
        }
        let victim = self
            .workers
            .iter()
            .filter(|(_, w)| !w.is_evicted() && w.memory_usage() > 0)
            .map(|(k, w)| {
                let by = w.memory_by_container();
                let (usage, request): (i64, i64) =
                    by.iter().fold((0, 0), |(u, r), c| (u + c.1, r + c.2));
                let priority = w.pod.spec.priority.unwrap_or(0);
                (
                    (usage <= request, priority, -(usage - request)),
                    k.clone(),
                    by,
                )
            })
            .min_by(|a, b| a.0.cmp(&b.0));
        let Some((_, key, by)) = victim else {
            return changed;
        };
        let kib = |b: i64| format!("{}Ki", b / 1024);
        let mut message = format!(
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: {}. ",
            kib(available)
        );
        if let Some((name, usage, req)) = by.iter().max_by_key(|c| c.1 - c.2) {
            let req = if *req == 0 {
                "0".to_string()
            } else {
                kib(*req)
            };
            message.push_str(&format!(
                "Container {name} was using {}, request is {req}, has larger consumption of memory. ",
                kib(*usage)
            ));
        }
        if let Ok(node) = ctx.api.get(Kind::Node, "", &self.shape.name) {
            events::record(
                ctx.api,
                now,
                &mut self.recorder,
                &node,
                events::EventType::Warning,
                "EvictionThresholdMet",
                "",
                "Attempting to reclaim memory",
            );
        }
        if let Some(w) = self.workers.get_mut(&key) {
            let pod = Object::Pod(w.pod.clone());
            events::record(
                ctx.api,
                now,
                &mut self.recorder,
                &pod,
                events::EventType::Warning,
                "Evicted",
                "",
                &message,
            );
            w.evict(now, message);
            self.due.insert(key, now);
        }
        changed
    }

    /// When the kubelet next has pod work.
    fn next_pod_work(&self) -> Option<Millis> {
        self.due.values().min().copied()
    }
}

impl Component for Kubelet {
    fn name(&self) -> String {
        format!("kubelet/{}", self.shape.name)
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        let on_node = crate::api::fields::FieldSelector::parse(
            &format!("spec.nodeName={}", self.shape.name),
            Kind::Pod,
        );
        if let Ok(fields) = on_node {
            self.pods = ctx
                .api
                .watch(
                    WatchFilter {
                        fields,
                        ..WatchFilter::all(Kind::Pod)
                    },
                    None,
                )
                .ok();
        }
        self.register(ctx);
        self.renew_lease(ctx);
        self.next_renew = ctx.now + LEASE_RENEW_INTERVAL;
        ctx.wake_at(self.next_renew);
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        self.power == Power::Running && self.pods.is_some_and(|w| api.store.pending(w) > 0)
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let node = self.shape.name.as_str();
        match self.power {
            Power::Running => {}
            Power::Stopped => {
                ctx.api
                    .kubelet_stats
                    .set_node(node, NodeUsage::default(), ctx.now);
                ctx.wake_after(LEASE_RENEW_INTERVAL);
                return;
            }
            Power::Deleted => {
                ctx.api.kubelet_stats.remove_node(node);
                return;
            }
        }
        let (cpu_milli, memory_bytes) = system_usage(&self.shape);
        ctx.api.kubelet_stats.set_node(
            node,
            NodeUsage {
                system_cpu_nanocores: cpu_milli * 1_000_000,
                system_memory_bytes: memory_bytes,
                up: true,
            },
            ctx.now,
        );
        if !self.registered {
            self.register(ctx);
        }
        self.watch_pods(ctx);
        self.sync_pods(ctx);
        // Runs for pod events come between lease renewals; those keep their own beat.
        if ctx.now >= self.next_renew {
            self.renew_lease(ctx);
            self.next_renew = ctx.now + LEASE_RENEW_INTERVAL;
            // The eviction manager looks every 10 s too (`evictionMonitoringPeriod`).
            let pressure_changed = self.check_memory(ctx);
            if pressure_changed || ctx.now >= self.next_status_report {
                self.report_status(ctx);
            }
            self.sync_pods(ctx);
        }
        ctx.wake_at(self.next_renew);
        if let Some(t) = self.next_pod_work() {
            ctx.wake_at(t.max(ctx.now));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::api::{Kind, Object};
    use crate::sim::{Cluster, ClusterConfig};

    fn renew_time(c: &Cluster, node: &str) -> i64 {
        match &*c
            .api
            .get(Kind::Lease, super::NODE_LEASE_NAMESPACE, node)
            .unwrap()
        {
            Object::Lease(l) => l.spec.renew_time.unwrap().0 - c.now(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn kubelets_register_and_renew_leases_every_10s() {
        let mut c = Cluster::new(ClusterConfig {
            workers: 2,
            ..Default::default()
        });
        assert_eq!(
            c.component_names()[..3],
            vec!["kubelet/control-plane", "kubelet/node-1", "kubelet/node-2"]
        );
        assert!(c.api.get(Kind::Node, "", "node-2").is_ok());
        assert_eq!(renew_time(&c, "node-1"), 0);
        c.advance(9_999);
        assert_eq!(renew_time(&c, "node-1"), -9_999);
        c.advance(1);
        assert_eq!(renew_time(&c, "node-1"), 0);
        c.advance(35_000);
        assert_eq!(renew_time(&c, "node-1"), -5_000, "renewed at 40 s");
    }

    #[test]
    fn node_status_heartbeats_every_5_minutes() {
        let mut c = Cluster::new(ClusterConfig::default());
        let start = c.now();
        c.advance(300_000);
        let n = c.api.get(Kind::Node, "", "node-1").unwrap();
        let Object::Node(n) = &*n else { unreachable!() };
        let hb = n.status.as_ref().unwrap().conditions[0]
            .last_heartbeat_time
            .unwrap()
            .0;
        assert_eq!(hb - start, 300_000);
        assert!(!n.status.as_ref().unwrap().node_info.machine_id.is_empty());
    }
}
