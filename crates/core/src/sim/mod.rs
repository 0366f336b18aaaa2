//! The simulation: the clock (milliseconds), the event queue ordered by (time, sequence),
//! the seeded PRNG, and the [`Cluster`] facade that owns the API server and the
//! components that later plug into it. Nothing here reads the wall clock.

pub mod component;
mod rng;

pub use component::{Component, ComponentCtx};
pub use rng::Rng;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::apiserver::ApiServer;

/// Simulated time in milliseconds since the Unix epoch.
pub type Millis = i64;

/// The simulated clock starts here: 2025-01-01T00:00:00Z.
pub const EPOCH_MILLIS: Millis = 1_735_689_600_000;

/// What a scheduled event does when it fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A component's timer (the component's index in the cluster).
    Wake(usize),
}

struct Scheduled {
    at: Millis,
    seq: u64,
    event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// One event queue ordered by (time, sequence): equal times fire in insertion order.
#[derive(Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<Scheduled>>,
    next_seq: u64,
}

impl EventQueue {
    pub fn push(&mut self, at: Millis, event: Event) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Scheduled { at, seq, event }));
    }
    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<Millis> {
        self.heap.peek().map(|Reverse(s)| s.at)
    }
    /// Removes the earliest event if it is due at or before `now`.
    pub fn pop_due(&mut self, now: Millis) -> Option<(Millis, Event)> {
        if self.peek_time()? <= now {
            self.heap.pop().map(|Reverse(s)| (s.at, s.event))
        } else {
            None
        }
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// The shape of the cluster to build.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// Number of worker nodes (`node-1` ... `node-N`).
    pub workers: usize,
    /// Seed for every random choice (names, uids, IPs).
    pub seed: u64,
    /// Allocatable CPU of each worker, in millicores.
    pub worker_cpu_millis: i64,
    /// Allocatable memory of each worker, in bytes.
    pub worker_memory_bytes: i64,
    /// Zones (`topology.kubernetes.io/zone`) the nodes are spread over; none by default.
    pub zones: Vec<String>,
    /// The images the kubelets' runtime knows (the built-in catalogue by default).
    pub images: std::sync::Arc<crate::kubelet::images::Catalogue>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            workers: 3,
            seed: 1,
            worker_cpu_millis: 4000,
            worker_memory_bytes: 8 * 1024 * 1024 * 1024,
            zones: Vec::new(),
            images: crate::kubelet::builtin_catalogue(),
        }
    }
}

/// The whole simulated cluster: clock, event queue, PRNG and the API server. Components
/// (scheduler, controllers, kubelets, kube-proxy) plug in here and talk only through `api`.
pub struct Cluster {
    pub config: ClusterConfig,
    now: Millis,
    pub queue: EventQueue,
    pub rng: Rng,
    pub api: ApiServer,
    components: Vec<Slot>,
}

/// A component, its own PRNG and the time of its pending timer.
struct Slot {
    component: Box<dyn Component>,
    rng: Rng,
    wake: Option<Millis>,
}

/// How many rounds of reactions one instant may take before the cluster stops to
/// look (a guard against two components ping-ponging forever).
const MAX_SETTLE_ROUNDS: usize = 10_000;

impl Cluster {
    /// Builds the default cluster: the four default namespaces, the control-plane node and
    /// `config.workers` worker nodes.
    pub fn new(config: ClusterConfig) -> Cluster {
        let mut rng = Rng::new(config.seed);
        let api = ApiServer::new(rng.fork());
        let mut c = Cluster {
            config,
            now: EPOCH_MILLIS,
            queue: EventQueue::default(),
            rng,
            api,
            components: Vec::new(),
        };
        c.api.set_now(c.now);
        crate::apiserver::bootstrap::bootstrap(&mut c);
        for shape in crate::apiserver::bootstrap::node_shapes(&c.config) {
            let images = c.config.images.clone();
            c.add_component(Box::new(crate::kubelet::Kubelet::with_catalogue(
                shape, images,
            )));
        }
        c.add_component(Box::new(
            crate::controllers::node_lifecycle::NodeLifecycleController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::taint_eviction::TaintEvictionController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::deployment::DeploymentController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::replicaset::ReplicaSetController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::garbage_collector::GarbageCollector::new(),
        ));
        c.add_component(Box::new(crate::scheduler::component::KubeScheduler::new()));
        c.add_component(Box::new(crate::controllers::job::JobController::new()));
        c.add_component(Box::new(
            crate::controllers::cronjob::CronJobController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::ttl_after_finished::TtlAfterFinishedController::new(),
        ));
        c.add_component(Box::new(crate::metrics::MetricsServer::new()));
        c.add_component(Box::new(
            crate::controllers::persistent_volume::PersistentVolumeController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::volume_protection::PvcProtectionController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::volume_protection::PvProtectionController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::local_path::LocalPathProvisioner::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::daemonset::DaemonSetController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::statefulset::StatefulSetController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::replicaset::ReplicaSetController::replication_controller(),
        ));
        c.add_component(Box::new(
            crate::controllers::disruption::DisruptionController::new(),
        ));
        c.add_component(Box::new(
            crate::controllers::podautoscaler::HorizontalController::new(),
        ));
        c.settle();
        c
    }

    /// Adds a component: it starts at once (registering, opening its watches). Its
    /// random generator depends on the seed and its name only.
    pub fn add_component(&mut self, component: Box<dyn Component>) -> usize {
        let rng = Rng::named(self.config.seed, &component.name());
        self.components.push(Slot {
            component,
            rng,
            wake: None,
        });
        let i = self.components.len() - 1;
        let slot = &mut self.components[i];
        self.api.store.set_watch_owner(Some(i));
        let mut ctx = ComponentCtx::new(&mut self.api, self.now, &mut slot.rng);
        slot.component.start(&mut ctx);
        let wake = ctx.requested_wake();
        self.api.store.set_watch_owner(None);
        self.schedule_wake(i, wake);
        i
    }

    /// The first component of type `T` (the scheduler, a controller).
    pub fn component_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.components
            .iter_mut()
            .find_map(|s| s.component.as_any_mut().downcast_mut::<T>())
    }

    /// The kubelet of a node, if the cluster runs one.
    pub fn kubelet_mut(&mut self, node: &str) -> Option<&mut crate::kubelet::Kubelet> {
        self.components.iter_mut().find_map(|s| {
            s.component
                .as_any_mut()
                .downcast_mut::<crate::kubelet::Kubelet>()
                .filter(|k| k.node_name() == node)
        })
    }

    /// Runs a command in a container through its node's kubelet (`pods/exec`).
    pub fn exec_in(
        &mut self,
        node: &str,
        namespace: &str,
        pod: &str,
        container: &str,
        argv: &[String],
    ) -> Result<crate::kubelet::exec::ExecOutput, String> {
        let Cluster {
            api, components, ..
        } = self;
        components
            .iter_mut()
            .find_map(|s| {
                s.component
                    .as_any_mut()
                    .downcast_mut::<crate::kubelet::Kubelet>()
                    .filter(|k| k.node_name() == node)
            })
            .ok_or_else(|| format!("container not found ({container:?})"))?
            .exec(api, namespace, pod, container, argv)
    }

    /// The kubelets, in the order they were added.
    pub fn kubelets(&mut self) -> Vec<&mut crate::kubelet::Kubelet> {
        self.components
            .iter_mut()
            .filter_map(|s| {
                s.component
                    .as_any_mut()
                    .downcast_mut::<crate::kubelet::Kubelet>()
            })
            .collect()
    }

    /// Runs a component now (after something outside it changed its state).
    pub fn wake_component_named(&mut self, name: &str) {
        if let Some(i) = self
            .components
            .iter()
            .position(|s| s.component.name() == name)
        {
            self.run_component(i);
            self.settle();
        }
    }

    /// The components, in the order they run.
    pub fn component_names(&self) -> Vec<String> {
        self.components.iter().map(|s| s.component.name()).collect()
    }

    fn schedule_wake(&mut self, i: usize, wake: Option<Millis>) {
        let Some(at) = wake else { return };
        let at = at.max(self.now);
        let slot = &mut self.components[i];
        if slot.wake.is_none_or(|w| at < w) {
            slot.wake = Some(at);
            self.queue.push(at, Event::Wake(i));
        }
    }

    fn run_component(&mut self, i: usize) {
        let slot = &mut self.components[i];
        self.api.store.set_watch_owner(Some(i));
        let mut ctx = ComponentCtx::new(&mut self.api, self.now, &mut slot.rng);
        slot.component.run(&mut ctx);
        let wake = ctx.requested_wake();
        self.api.store.set_watch_owner(None);
        self.schedule_wake(i, wake);
    }

    /// Lets every component react to what happened at this instant: runs the components
    /// whose watches hold events, in order, until none has any. Rounds go through the
    /// components in order as if each were asked; the store says which ones got events,
    /// so the others cost nothing.
    pub fn settle(&mut self) {
        for _ in 0..MAX_SETTLE_ROUNDS {
            let mut ran = false;
            let mut from = 0;
            while let Some(i) = self.api.store.take_dirty_from(from) {
                from = i + 1;
                if self
                    .components
                    .get(i)
                    .is_some_and(|s| s.component.has_work(&self.api))
                {
                    self.run_component(i);
                    ran = true;
                }
            }
            if !ran {
                return;
            }
        }
    }

    /// The simulated time now.
    pub fn now(&self) -> Millis {
        self.now
    }

    /// Advances simulated time by `ms`, firing every event due on the way in (time, seq) order.
    pub fn advance(&mut self, ms: Millis) {
        let end = self.now.saturating_add(ms.max(0));
        while let Some(t) = self.queue.peek_time() {
            if t > end {
                break;
            }
            if let Some((at, ev)) = self.queue.pop_due(end) {
                self.now = self.now.max(at);
                self.api.set_now(self.now);
                self.fire(ev);
                self.settle();
            }
        }
        self.now = end;
        self.api.set_now(end);
    }

    fn fire(&mut self, ev: Event) {
        match ev {
            Event::Wake(i) => {
                // Only the timer the component still wants fires; earlier ones were replaced.
                if self
                    .components
                    .get(i)
                    .is_some_and(|s| s.wake == Some(self.now))
                {
                    self.components[i].wake = None;
                    self.run_component(i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_orders_by_time_then_sequence() {
        let mut q = EventQueue::default();
        q.push(20, Event::Wake(0));
        q.push(10, Event::Wake(0));
        q.push(10, Event::Wake(0));
        assert_eq!(q.peek_time(), Some(10));
        assert!(q.pop_due(5).is_none());
        assert_eq!(q.pop_due(10).map(|e| e.0), Some(10));
        assert_eq!(q.pop_due(10).map(|e| e.0), Some(10));
        assert!(q.pop_due(10).is_none());
        assert_eq!(q.pop_due(100).map(|e| e.0), Some(20));
    }
}
