//! The scheduling framework (upstream `framework/interface.go`, `framework/runtime`,
//! `framework/types.go`): [`Status`] and its [`Code`]s, [`CycleState`], the
//! extension-point traits in upstream's small-trait style ([`PreFilterPlugin`] with its
//! AddPod/RemovePod extensions, [`FilterPlugin`], [`PostFilterPlugin`],
//! [`PreScorePlugin`], [`ScorePlugin`] with NormalizeScore), the [`Framework`] that runs
//! a profile's plugins in order, the default profile with upstream's score weights, and
//! the `FitError` message (`0/4 nodes are available: ...`).

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::cache::Cache;
use super::plugins;
use super::types::{NodeInfo, PodInfo};
use super::FxMap;
use crate::api::labels::Selector;
use crate::sim::Rng;

/// `framework.MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;
/// `framework.MinNodeScore`.
pub const MIN_NODE_SCORE: i64 = 0;

/// Upstream status codes (Wait and Pending are not used by in-tree default plugins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Success,
    Error,
    Unschedulable,
    UnschedulableAndUnresolvable,
    Skip,
}

impl Code {
    /// Upstream's code names (`Unschedulable`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Success => "Success",
            Code::Error => "Error",
            Code::Unschedulable => "Unschedulable",
            Code::UnschedulableAndUnresolvable => "UnschedulableAndUnresolvable",
            Code::Skip => "Skip",
        }
    }
}

/// A status reason: usually one of the plugins' constant texts, so rejecting a node
/// allocates nothing.
pub type Reason = Cow<'static, str>;

/// A status's reasons: none, one (held inline) or several. Reads as a slice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Reasons {
    #[default]
    None,
    One(Reason),
    Many(Vec<Reason>),
}

impl std::ops::Deref for Reasons {
    type Target = [Reason];
    fn deref(&self) -> &[Reason] {
        match self {
            Reasons::None => &[],
            Reasons::One(r) => std::slice::from_ref(r),
            Reasons::Many(v) => v,
        }
    }
}

impl PartialEq<Vec<String>> for Reasons {
    fn eq(&self, other: &Vec<String>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b)
    }
}

impl<R: Into<Reason>> FromIterator<R> for Reasons {
    fn from_iter<I: IntoIterator<Item = R>>(iter: I) -> Reasons {
        let mut it = iter.into_iter().map(Into::into);
        let Some(first) = it.next() else {
            return Reasons::None;
        };
        match it.next() {
            None => Reasons::One(first),
            Some(second) => Reasons::Many([first, second].into_iter().chain(it).collect()),
        }
    }
}

/// The result of running a plugin: a code, reasons, and the plugin that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    pub reasons: Reasons,
    /// The plugin that failed (set by the framework), empty otherwise.
    pub plugin: &'static str,
}

impl Default for Status {
    fn default() -> Status {
        Status::success()
    }
}

impl Status {
    /// Success (upstream's nil status).
    pub fn success() -> Status {
        Status {
            code: Code::Success,
            reasons: Reasons::None,
            plugin: "",
        }
    }
    /// Skip.
    pub fn skip() -> Status {
        Status {
            code: Code::Skip,
            reasons: Reasons::None,
            plugin: "",
        }
    }
    /// A status with one reason.
    pub fn new(code: Code, reason: impl Into<Reason>) -> Status {
        Status {
            code,
            reasons: Reasons::One(reason.into()),
            plugin: "",
        }
    }
    /// A status with several reasons.
    pub fn with_reasons<R: Into<Reason>>(
        code: Code,
        reasons: impl IntoIterator<Item = R>,
    ) -> Status {
        Status {
            code,
            reasons: reasons.into_iter().collect(),
            plugin: "",
        }
    }
    /// An internal error.
    pub fn error(msg: impl Into<Reason>) -> Status {
        Status::new(Code::Error, msg)
    }
    /// Sets the failing plugin.
    pub fn with_plugin(mut self, plugin: &'static str) -> Status {
        self.plugin = plugin;
        self
    }
    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }
    pub fn is_skip(&self) -> bool {
        self.code == Code::Skip
    }
    /// Unschedulable or UnschedulableAndUnresolvable.
    pub fn is_rejected(&self) -> bool {
        matches!(
            self.code,
            Code::Unschedulable | Code::UnschedulableAndUnresolvable
        )
    }
    /// Upstream `Status.Message`: the reasons joined by `, `.
    pub fn message(&self) -> String {
        self.reasons.join(", ")
    }
}

/// Plugin state for one cycle (upstream `StateData`): anything `Clone`.
pub trait StateData: Any {
    fn clone_box(&self) -> Box<dyn StateData>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any + Clone> StateData for T {
    fn clone_box(&self) -> Box<dyn StateData> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Upstream `CycleState`: per-cycle plugin data keyed by type, plus the plugins whose
/// PreFilter/PreScore returned Skip.
#[derive(Default)]
pub struct CycleState {
    data: Vec<(TypeId, Box<dyn StateData>)>,
    pub skip_filter_plugins: BTreeSet<&'static str>,
    pub skip_score_plugins: BTreeSet<&'static str>,
    /// `skip_filter_plugins` as bits over the profile's Filter plugins (bit i: the
    /// i-th Filter plugin is skipped), kept in step by [`Framework`] so the per-node
    /// loop tests a bit instead of looking names up.
    pub(crate) skip_filter_mask: u64,
}

impl Clone for CycleState {
    fn clone(&self) -> CycleState {
        CycleState {
            data: self
                .data
                .iter()
                .map(|(t, d)| (*t, d.as_ref().clone_box()))
                .collect(),
            skip_filter_plugins: self.skip_filter_plugins.clone(),
            skip_score_plugins: self.skip_score_plugins.clone(),
            skip_filter_mask: self.skip_filter_mask,
        }
    }
}

impl std::fmt::Debug for CycleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CycleState")
            .field("entries", &self.data.len())
            .field("skip_filter_plugins", &self.skip_filter_plugins)
            .field("skip_score_plugins", &self.skip_score_plugins)
            .finish()
    }
}

impl CycleState {
    /// Stores a value (replacing one of the same type).
    pub fn write<T: Any + Clone>(&mut self, v: T) {
        let id = TypeId::of::<T>();
        if let Some(e) = self.data.iter_mut().find(|(t, _)| *t == id) {
            e.1 = Box::new(v);
        } else {
            self.data.push((id, Box::new(v)));
        }
    }
    /// Reads a value by type.
    pub fn read<T: Any>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        self.data
            .iter()
            .find(|(t, _)| *t == id)
            .and_then(|(_, d)| d.as_ref().as_any().downcast_ref::<T>())
    }
    /// Reads a value mutably by type.
    pub fn read_mut<T: Any>(&mut self) -> Option<&mut T> {
        let id = TypeId::of::<T>();
        self.data
            .iter_mut()
            .find(|(t, _)| *t == id)
            .and_then(|(_, d)| d.as_mut().as_any_mut().downcast_mut::<T>())
    }
}

/// What plugins may read besides the pod and node (upstream `framework.Handle`).
#[derive(Clone, Copy)]
pub struct Handle<'a> {
    /// The cache (the cycle's snapshot).
    pub cache: &'a Cache,
    /// The selector of the Services/RCs/RSs/StatefulSets selecting the pod, for
    /// PodTopologySpread's system default constraints (computed by the caller).
    pub default_spread_selector: Option<&'a Selector>,
}

/// Every plugin has a name.
pub trait Plugin {
    fn name(&self) -> &'static str;
}

/// Node names a PreFilter narrows the search to (`None`: all nodes).
pub type PreFilterResult = Option<BTreeSet<String>>;

/// Upstream `PreFilterPlugin` with `PreFilterExtensions` (AddPod/RemovePod, used by
/// preemption to update the state when pods are removed from or added to a node).
pub trait PreFilterPlugin: Plugin {
    fn pre_filter(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
    ) -> (PreFilterResult, Status);
    fn add_pod(
        &self,
        _h: &Handle<'_>,
        _state: &mut CycleState,
        _pod: &PodInfo,
        _to_add: &PodInfo,
        _node: &NodeInfo,
    ) -> Status {
        Status::success()
    }
    fn remove_pod(
        &self,
        _h: &Handle<'_>,
        _state: &mut CycleState,
        _pod: &PodInfo,
        _to_remove: &PodInfo,
        _node: &NodeInfo,
    ) -> Status {
        Status::success()
    }
}

/// Upstream `FilterPlugin`.
pub trait FilterPlugin: Plugin {
    fn filter(&self, h: &Handle<'_>, state: &CycleState, pod: &PodInfo, node: &NodeInfo) -> Status;
    /// [`FilterPlugin::filter`] for the nodes of a batch that no earlier plugin
    /// rejected (`failed[i]` is None), recording each failure in `failed[i]`: one call
    /// per plugin and batch, so plugins can read their cycle state once.
    fn filter_nodes(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        filter_each(nodes, failed, |n| rejection(self.filter(h, state, pod, n)));
    }
}

/// Sets `out[i]` to `score(nodes[i])`: the body of a [`ScorePlugin::score_nodes`] whose
/// per-cycle inputs were read once.
pub fn score_each(nodes: &[&NodeInfo], out: &mut [i64], score: impl Fn(&NodeInfo) -> i64) {
    for (o, n) in out.iter_mut().zip(nodes) {
        *o = score(n);
    }
}

/// [`score_each`] with the plugin's PreScore state `S` (every node scores 0 when the
/// plugin wrote none).
pub fn score_each_with<S: Any>(
    state: &CycleState,
    nodes: &[&NodeInfo],
    out: &mut [i64],
    score: impl Fn(&S, &NodeInfo) -> i64,
) -> Result<(), Status> {
    match state.read::<S>() {
        Some(s) => score_each(nodes, out, |n| score(s, n)),
        None => out.fill(0),
    }
    Ok(())
}

/// `Some(status)` unless it is a success.
pub fn rejection(s: Status) -> Option<Status> {
    (!s.is_success()).then_some(s)
}

/// Runs `check` on the nodes of a batch that are still feasible (`failed[i]` None)
/// and records the failures it returns (None: the node passes): the body of a
/// [`FilterPlugin::filter_nodes`].
pub fn filter_each(
    nodes: &[&NodeInfo],
    failed: &mut [Option<Status>],
    mut check: impl FnMut(&NodeInfo) -> Option<Status>,
) {
    for (n, f) in nodes.iter().zip(failed.iter_mut()) {
        if f.is_none() {
            *f = check(n);
        }
    }
}

/// Upstream `PostFilterResult`: the node to nominate (`Some("")` clears the pod's
/// nominatedNodeName) and the victims to delete.
#[derive(Clone, Debug, Default)]
pub struct PostFilterResult {
    pub nominated_node_name: Option<String>,
    pub victims: Vec<Arc<PodInfo>>,
}

/// Upstream `PostFilterPlugin` (gets the framework to re-run filters).
pub trait PostFilterPlugin: Plugin {
    #[allow(clippy::too_many_arguments)]
    fn post_filter(
        &self,
        h: &Handle<'_>,
        fwk: &Framework,
        state: &CycleState,
        pod: &PodInfo,
        statuses: &NodeToStatus,
        rng: &mut Rng,
    ) -> (Option<PostFilterResult>, Status);
}

/// Upstream `PreScorePlugin`.
pub trait PreScorePlugin: Plugin {
    fn pre_score(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
    ) -> Status;
}

/// A node's score from one plugin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeScore {
    pub name: Arc<str>,
    pub score: i64,
}

/// Upstream `ScorePlugin` with `ScoreExtensions.NormalizeScore`.
pub trait ScorePlugin: Plugin {
    fn score(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        node: &NodeInfo,
    ) -> Result<i64, Status>;
    /// [`ScorePlugin::score`] for every node into `out` (same length as `nodes`): one
    /// call per plugin and cycle, so plugins can read their cycle state once.
    fn score_nodes(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        out: &mut [i64],
    ) -> Result<(), Status> {
        for (o, n) in out.iter_mut().zip(nodes) {
            *o = self.score(h, state, pod, n)?;
        }
        Ok(())
    }
    /// Whether the plugin normalizes its scores.
    fn has_normalize(&self) -> bool {
        false
    }
    /// Upstream `NormalizeScore`: `scores[i]` is the score of `nodes[i]`.
    fn normalize_score(
        &self,
        _h: &Handle<'_>,
        _state: &CycleState,
        _pod: &PodInfo,
        _nodes: &[&NodeInfo],
        _scores: &mut [i64],
    ) -> Status {
        Status::success()
    }
}

/// Upstream `helper.DefaultNormalizeScore`: scale to `[0, max]` by the highest score,
/// optionally reversed.
pub fn default_normalize_score(max_priority: i64, reverse: bool, scores: &mut [i64]) {
    let max_count = scores.iter().copied().max().unwrap_or(0).max(0);
    if max_count == 0 {
        if reverse {
            scores.fill(max_priority);
        }
        return;
    }
    for s in scores.iter_mut() {
        let mut score = max_priority * *s / max_count;
        if reverse {
            score = max_priority - score;
        }
        *s = score;
    }
}

/// Per-node statuses of a failed cycle (upstream `NodeToStatus`), with the status of
/// nodes not in the map (`absent`).
#[derive(Clone, Debug)]
pub struct NodeToStatus {
    pub statuses: FxMap<Arc<str>, Status>,
    pub absent: Status,
}

impl Default for NodeToStatus {
    fn default() -> NodeToStatus {
        NodeToStatus {
            statuses: FxMap::default(),
            absent: Status::with_reasons(Code::UnschedulableAndUnresolvable, [""; 0]),
        }
    }
}

impl NodeToStatus {
    /// The status of a node (the absent status when not recorded).
    pub fn get(&self, name: &str) -> &Status {
        self.statuses.get(name).unwrap_or(&self.absent)
    }
    pub fn len(&self) -> usize {
        self.statuses.len()
    }
    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
    }
}

/// Upstream `Diagnosis`.
#[derive(Clone, Debug, Default)]
pub struct Diagnosis {
    pub node_to_status: NodeToStatus,
    pub unschedulable_plugins: BTreeSet<&'static str>,
    pub pre_filter_msg: String,
    pub post_filter_msg: String,
}

/// Upstream `FitError.Error()`: `0/N nodes are available: ` then the PreFilter message,
/// or the reasons counted over nodes (absent nodes get the absent status's reasons)
/// as `COUNT REASON` sorted as strings; then the PostFilter message. Each part ends with
/// a `.`.
pub fn fit_error_message(num_all_nodes: usize, d: &Diagnosis) -> String {
    let mut msg = format!("0/{num_all_nodes} nodes are available:");
    if !d.pre_filter_msg.is_empty() {
        msg.push_str(&format!(" {}.", d.pre_filter_msg));
    } else {
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for st in d.node_to_status.statuses.values() {
            for r in st.reasons.iter() {
                *reasons.entry(r).or_default() += 1;
            }
        }
        let n = d.node_to_status.len();
        if n < num_all_nodes {
            for r in d.node_to_status.absent.reasons.iter() {
                *reasons.entry(r).or_default() += num_all_nodes - n;
            }
        }
        let mut parts: Vec<String> = reasons.iter().map(|(r, c)| format!("{c} {r}")).collect();
        parts.sort();
        if !parts.is_empty() {
            msg.push_str(&format!(" {}.", parts.join(", ")));
        }
    }
    if !d.post_filter_msg.is_empty() {
        msg.push_str(&format!(" {}.", d.post_filter_msg));
    }
    msg
}

/// One feasible node's scores: `(plugin, raw, normalized, weighted)` and the total.
#[derive(Clone, Debug, Default)]
pub struct NodePluginScores {
    pub name: Arc<str>,
    pub scores: Vec<(&'static str, i64, i64, i64)>,
    pub total: i64,
}

/// A profile: the plugins of every extension point, in order, and the score weights.
#[derive(Clone)]
pub struct Framework {
    pub pre_filter: Vec<Arc<dyn PreFilterPlugin>>,
    pub filter: Vec<Arc<dyn FilterPlugin>>,
    pub post_filter: Vec<Arc<dyn PostFilterPlugin>>,
    pub pre_score: Vec<Arc<dyn PreScorePlugin>>,
    pub score: Vec<(Arc<dyn ScorePlugin>, i64)>,
}

impl Default for Framework {
    fn default() -> Framework {
        Framework::default_profile()
    }
}

impl Framework {
    /// The default profile of kube-scheduler v1.33 (`getDefaultPlugins`): in order
    /// NodeUnschedulable, NodeName, TaintToleration (score weight 3), NodeAffinity (2),
    /// NodePorts, NodeResourcesFit (LeastAllocated, 1), VolumeRestrictions,
    /// VolumeBinding, PodTopologySpread (2), InterPodAffinity (2), DefaultPreemption,
    /// NodeResourcesBalancedAllocation (1), ImageLocality (1). PrioritySort (the queue)
    /// and DefaultBinder (binding) belong to the calling component.
    pub fn default_profile() -> Framework {
        use plugins::*;
        let unsched = Arc::new(node_unschedulable::NodeUnschedulable);
        let node_name = Arc::new(node_name::NodeName);
        let taint = Arc::new(taint_toleration::TaintToleration);
        let affinity = Arc::new(node_affinity::NodeAffinity);
        let ports = Arc::new(node_ports::NodePorts);
        let fit = Arc::new(node_resources_fit::NodeResourcesFit);
        let vol_restr = Arc::new(volume::VolumeRestrictions);
        let vol_bind = Arc::new(volume::VolumeBinding);
        let spread = Arc::new(pod_topology_spread::PodTopologySpread);
        let ipa = Arc::new(inter_pod_affinity::InterPodAffinity);
        let preempt = Arc::new(default_preemption::DefaultPreemption);
        let balanced = Arc::new(balanced_allocation::BalancedAllocation);
        let image = Arc::new(image_locality::ImageLocality);
        Framework {
            pre_filter: vec![
                affinity.clone(),
                ports.clone(),
                fit.clone(),
                vol_restr.clone(),
                vol_bind.clone(),
                spread.clone(),
                ipa.clone(),
            ],
            filter: vec![
                unsched,
                node_name,
                taint.clone(),
                affinity.clone(),
                ports,
                fit.clone(),
                vol_restr,
                vol_bind,
                spread.clone(),
                ipa.clone(),
            ],
            post_filter: vec![preempt],
            pre_score: vec![
                taint.clone(),
                affinity.clone(),
                fit.clone(),
                spread.clone(),
                ipa.clone(),
                balanced.clone(),
            ],
            score: vec![
                (taint, 3),
                (affinity, 2),
                (fit, 1),
                (spread, 2),
                (ipa, 2),
                (balanced, 1),
                (image, 1),
            ],
        }
    }

    /// Upstream `RunPreFilterPlugins`: stops at the first rejection; Skip marks the
    /// plugin's Filter as skipped; node sets are intersected. Returns the merged result,
    /// the status and the plugins that narrowed the node set.
    pub fn run_pre_filter_plugins(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
    ) -> (PreFilterResult, Status, Vec<&'static str>) {
        let mut result: PreFilterResult = None;
        let mut plugins_with_nodes: Vec<&'static str> = Vec::new();
        for pl in &self.pre_filter {
            let (r, s) = pl.pre_filter(h, state, pod);
            if s.is_skip() {
                state.skip_filter_plugins.insert(pl.name());
                for (i, f) in self.filter.iter().enumerate().take(64) {
                    if f.name() == pl.name() {
                        state.skip_filter_mask |= 1u64 << i;
                    }
                }
                continue;
            }
            if !s.is_success() {
                let s = if s.is_rejected() {
                    s.with_plugin(pl.name())
                } else {
                    Status::error(format!(
                        "running PreFilter plugin {:?}: {}",
                        pl.name(),
                        s.message()
                    ))
                    .with_plugin(pl.name())
                };
                return (None, s, plugins_with_nodes);
            }
            if let Some(names) = r {
                plugins_with_nodes.push(pl.name());
                result = Some(match result {
                    None => names,
                    Some(prev) => prev.intersection(&names).cloned().collect(),
                });
            }
            if result.as_ref().is_some_and(|r| r.is_empty()) {
                let msg = if plugins_with_nodes.len() == 1 {
                    format!("node(s) didn't satisfy plugin {}", plugins_with_nodes[0])
                } else {
                    format!(
                        "node(s) didn't satisfy plugin(s) [{}] simultaneously",
                        plugins_with_nodes.join(" ")
                    )
                };
                return (
                    result,
                    Status::new(Code::UnschedulableAndUnresolvable, msg),
                    plugins_with_nodes,
                );
            }
        }
        (result, Status::success(), plugins_with_nodes)
    }

    /// Upstream `RunFilterPlugins`: the first non-success status, with its plugin.
    pub fn run_filter_plugins(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        node: &NodeInfo,
    ) -> Status {
        let mut failed = [None];
        self.run_filter_batch(h, state, pod, &[node], &mut failed);
        let [f] = failed;
        f.unwrap_or_else(Status::success)
    }

    /// [`Framework::run_filter_plugins`] for a batch of nodes: `failed[i]` ends as the
    /// status of the first plugin that rejected `nodes[i]` (None: feasible). The same
    /// statuses as one node at a time, plugin by plugin over the batch.
    pub fn run_filter_batch(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        for (i, pl) in self.filter.iter().enumerate() {
            if i < 64 {
                if state.skip_filter_mask & (1u64 << i) != 0 {
                    continue;
                }
            } else if !state.skip_filter_plugins.is_empty()
                && state.skip_filter_plugins.contains(pl.name())
            {
                continue;
            }
            pl.filter_nodes(h, state, pod, nodes, failed);
            // This plugin's failures are the ones not yet attributed to a plugin
            // (plugins never set `Status::plugin` themselves).
            for f in failed.iter_mut() {
                if f.as_ref().is_none_or(|s| !s.plugin.is_empty()) {
                    continue;
                }
                if let Some(s) = f.take() {
                    let s = if s.is_rejected() {
                        s
                    } else {
                        Status::error(format!(
                            "running {:?} filter plugin: {}",
                            pl.name(),
                            s.message()
                        ))
                    };
                    *f = Some(s.with_plugin(pl.name()));
                }
            }
        }
    }

    /// Upstream `RunPreFilterExtensionAddPod`.
    pub fn run_pre_filter_extension_add_pod(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        to_add: &PodInfo,
        node: &NodeInfo,
    ) -> Status {
        for pl in &self.pre_filter {
            if state.skip_filter_plugins.contains(pl.name()) {
                continue;
            }
            let s = pl.add_pod(h, state, pod, to_add, node);
            if !s.is_success() {
                return s.with_plugin(pl.name());
            }
        }
        Status::success()
    }

    /// Upstream `RunPreFilterExtensionRemovePod`.
    pub fn run_pre_filter_extension_remove_pod(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        to_remove: &PodInfo,
        node: &NodeInfo,
    ) -> Status {
        for pl in &self.pre_filter {
            if state.skip_filter_plugins.contains(pl.name()) {
                continue;
            }
            let s = pl.remove_pod(h, state, pod, to_remove, node);
            if !s.is_success() {
                return s.with_plugin(pl.name());
            }
        }
        Status::success()
    }

    /// Upstream `RunPostFilterPlugins`: the first success or unresolvable status wins;
    /// otherwise the reasons of all plugins, Unschedulable.
    pub fn run_post_filter_plugins(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        statuses: &NodeToStatus,
        rng: &mut Rng,
    ) -> (Option<PostFilterResult>, Status) {
        let mut result = None;
        let mut reasons = Vec::new();
        let mut rejector = "";
        for pl in &self.post_filter {
            let (r, s) = pl.post_filter(h, self, state, pod, statuses, rng);
            if s.is_success() {
                return (r, s);
            } else if s.code == Code::UnschedulableAndUnresolvable {
                return (r, s.with_plugin(pl.name()));
            } else if !s.is_rejected() {
                return (None, Status::error(s.message()).with_plugin(pl.name()));
            } else if r.is_some() {
                result = r;
            }
            reasons.extend(s.reasons.iter().cloned());
            if rejector.is_empty() {
                rejector = pl.name();
            }
        }
        (
            result,
            Status::with_reasons(Code::Unschedulable, reasons).with_plugin(rejector),
        )
    }

    /// Upstream `RunPreScorePlugins`: Skip marks the plugin's Score as skipped.
    pub fn run_pre_score_plugins(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
    ) -> Status {
        for pl in &self.pre_score {
            let s = pl.pre_score(h, state, pod, nodes);
            if s.is_skip() {
                state.skip_score_plugins.insert(pl.name());
                continue;
            }
            if !s.is_success() {
                return Status::error(format!(
                    "running PreScore plugin {:?}: {}",
                    pl.name(),
                    s.message()
                ))
                .with_plugin(pl.name());
            }
        }
        Status::success()
    }

    /// Upstream `RunScorePlugins`: Score for every node, NormalizeScore, weights.
    pub fn run_score_plugins(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
    ) -> Result<Vec<NodePluginScores>, Status> {
        let t = self.run_score_table(h, state, pod, nodes)?;
        Ok(nodes
            .iter()
            .enumerate()
            .map(|(i, n)| NodePluginScores {
                name: n.name.clone(),
                scores: t
                    .row(i)
                    .map(|(p, v)| (p, v.raw, v.normalized, v.weighted))
                    .collect(),
                total: t.totals.get(i).copied().unwrap_or(0),
            })
            .collect())
    }

    /// [`Framework::run_score_plugins`] into a flat [`ScoreTable`] (no allocation per
    /// node).
    pub fn run_score_table(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
    ) -> Result<ScoreTable, Status> {
        let n = nodes.len();
        let mut t = ScoreTable {
            nodes: n,
            totals: vec![0; n],
            ..Default::default()
        };
        for (pl, weight) in &self.score {
            if !state.skip_score_plugins.is_empty() && state.skip_score_plugins.contains(pl.name())
            {
                continue;
            }
            let col = t.raw.len();
            t.raw.resize(col + n, 0);
            let raw = t.raw.get_mut(col..).unwrap_or_default();
            if let Err(st) = pl.score_nodes(h, state, pod, nodes, raw) {
                return Err(Status::error(format!(
                    "plugin {:?} failed with: {}",
                    pl.name(),
                    st.message()
                ))
                .with_plugin(pl.name()));
            }
            t.normalized
                .extend_from_slice(t.raw.get(col..).unwrap_or_default());
            let normalized = t.normalized.get_mut(col..).unwrap_or_default();
            if pl.has_normalize() {
                let st = pl.normalize_score(h, state, pod, nodes, normalized);
                if !st.is_success() {
                    return Err(st.with_plugin(pl.name()));
                }
            }
            for (v, tot) in normalized.iter().zip(t.totals.iter_mut()) {
                if *v > MAX_NODE_SCORE || *v < MIN_NODE_SCORE {
                    return Err(Status::error(format!(
                        "plugin {:?} returns an invalid score {}, it should in the range of [{}, {}] after normalizing",
                        pl.name(),
                        v,
                        MIN_NODE_SCORE,
                        MAX_NODE_SCORE
                    ))
                    .with_plugin(pl.name()));
                }
                *tot += v * weight;
            }
            t.plugins.push((pl.name(), *weight));
        }
        Ok(t)
    }
}

/// One plugin's score of one node: raw, normalized, and normalized times the weight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScoreValue {
    pub raw: i64,
    pub normalized: i64,
    pub weighted: i64,
}

/// The scores of a cycle, flat and by plugin: `raw[j * nodes + i]` is the j-th scoring
/// plugin's score of the i-th node (before NormalizeScore), `normalized` the same
/// after it, `totals[i]` the node's weighted sum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScoreTable {
    /// The plugins that scored, with their weights.
    pub plugins: Vec<(&'static str, i64)>,
    pub nodes: usize,
    pub raw: Vec<i64>,
    pub normalized: Vec<i64>,
    pub totals: Vec<i64>,
}

impl ScoreTable {
    /// The scores of the i-th node, one per plugin.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (&'static str, ScoreValue)> + '_ {
        self.plugins.iter().enumerate().map(move |(j, (name, w))| {
            let k = j * self.nodes + i;
            let normalized = self.normalized.get(k).copied().unwrap_or(0);
            let v = ScoreValue {
                raw: self.raw.get(k).copied().unwrap_or(0),
                normalized,
                weighted: normalized * w,
            };
            (*name, v)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(code: Code, r: &str) -> Status {
        Status::new(code, r.to_string())
    }

    #[test]
    fn fit_error_counts_and_sorts_reasons() {
        let mut d = Diagnosis::default();
        d.node_to_status.statuses.insert(
            Arc::from("cp"),
            st(
                Code::UnschedulableAndUnresolvable,
                "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
            ),
        );
        for n in ["w1", "w2", "w3"] {
            d.node_to_status
                .statuses
                .insert(Arc::from(n), st(Code::Unschedulable, "Insufficient cpu"));
        }
        assert_eq!(
            fit_error_message(4, &d),
            "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu."
        );
        d.post_filter_msg = "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.".into();
        assert_eq!(
            fit_error_message(4, &d),
            "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.."
        );
    }

    #[test]
    fn fit_error_multiple_reasons_per_node_and_string_sort() {
        let mut d = Diagnosis::default();
        for i in 0..10 {
            d.node_to_status.statuses.insert(
                Arc::from(format!("n{i}").as_str()),
                Status::with_reasons(
                    Code::Unschedulable,
                    ["Insufficient cpu", "Insufficient memory"],
                ),
            );
        }
        d.node_to_status.statuses.insert(
            Arc::from("x"),
            st(Code::Unschedulable, "node(s) were unschedulable"),
        );
        d.node_to_status.statuses.insert(
            Arc::from("y"),
            st(Code::Unschedulable, "node(s) were unschedulable"),
        );
        // Sorted as strings: "10 ..." before "2 ...".
        assert_eq!(
            fit_error_message(12, &d),
            "0/12 nodes are available: 10 Insufficient cpu, 10 Insufficient memory, 2 node(s) were unschedulable."
        );
    }

    #[test]
    fn fit_error_prefilter_message_and_absent_nodes() {
        let mut d = Diagnosis::default();
        d.pre_filter_msg = "pod affinity terms conflict".into();
        assert_eq!(
            fit_error_message(3, &d),
            "0/3 nodes are available: pod affinity terms conflict."
        );
        let mut d = Diagnosis::default();
        d.node_to_status.absent = st(
            Code::UnschedulableAndUnresolvable,
            "Preemption is not helpful for scheduling",
        );
        assert_eq!(
            fit_error_message(2, &d),
            "0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn default_normalize() {
        let mut s = vec![0, 2, 4];
        default_normalize_score(100, true, &mut s);
        assert_eq!(s, vec![100, 50, 0]);
    }

    #[test]
    fn cycle_state_clone_is_deep() {
        let mut cs = CycleState::default();
        cs.write(5i64);
        let mut c2 = cs.clone();
        if let Some(v) = c2.read_mut::<i64>() {
            *v = 7;
        }
        assert_eq!(cs.read::<i64>(), Some(&5));
        assert_eq!(c2.read::<i64>(), Some(&7));
    }
}
