//! The scheduler as a pure library, faithful to kube-scheduler v1.33
//! (`kubernetes/kubernetes` `pkg/scheduler`): the scheduler cache, the framework
//! (statuses, cycle state, extension-point traits, the default profile), the default
//! plugins and one scheduling cycle (`schedule_one.go`).
//!
//! The component that watches the API, keeps the scheduling queue and binds pods is
//! [`component::KubeScheduler`]: it feeds [`Cache`] from watch events (`add_node`,
//! `add_pod`, ... and `assume_pod` after a successful cycle) and calls [`schedule_pod`]
//! for each pod it pops.
//!
//! What the caller filters or supplies (the library cannot list other kinds):
//! - pods with `spec.nodeName` already set, or `spec.schedulerName` other than
//!   `default-scheduler`, are not this library's business: do not pass them;
//! - `default_spread_selector`: the selector PodTopologySpread's system default
//!   constraints use (upstream `helper.DefaultSelector`: the AND of the selectors of the
//!   Services, ReplicationControllers, ReplicaSets and StatefulSets in the pod's
//!   namespace that select the pod); `None` when nothing selects it;
//! - namespaces (for `namespaceSelector` in pod affinity terms) and
//!   PodDisruptionBudgets (for preemption) through [`Cache::set_namespace`] and
//!   [`Cache::set_pdb`].
//!
//! Map of the module: `types` (NodeInfo, PodInfo, Resource, HostPortInfo, AffinityTerm),
//! `cache` (incremental cache with label and affinity-term indexes), `framework`
//! (Status, CycleState, traits, the default profile, FitError), `plugins/` (one file
//! per plugin), `schedule` (the cycle, sampling, selectHost, the explanation record).

pub mod cache;
pub mod component;
pub mod framework;
pub mod plugins;
pub mod schedule;
pub mod types;

pub use cache::Cache;
pub use framework::{Code, CycleState, Framework, Status};
pub use schedule::{
    num_feasible_nodes_to_find, schedule_pod, schedule_pod_compact, CompactOutcome, CompactRecord,
    Decision, NodeRecord, Outcome, PluginScore, Record, Rejection, SchedulerState,
};
pub use types::{NodeInfo, PodInfo, Resource};

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A small deterministic hasher (FxHash): maps iterate in the same order on every run,
/// so the simulation stays reproducible, and hashing short keys is cheap.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    /// The state rotated so that its best-mixed high bits become the low bits, which
    /// hash tables use to pick a bucket (without it, keys that differ only early, such
    /// as `default/pod-1` and `default/pod-2`, collide in the low bits; rustc-hash 2
    /// does the same).
    #[inline]
    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

/// A `HashMap` with the deterministic [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A `HashSet` with the deterministic [`FxHasher`].
pub type FxSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;
