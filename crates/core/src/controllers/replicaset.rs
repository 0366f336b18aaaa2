//! The ReplicaSet controller (`pkg/controller/replicaset`): keeps `spec.replicas` pods
//! of each ReplicaSet alive. It adopts orphan pods its selector matches and releases
//! owned pods that no longer match. Missing pods are created from the template in slow-start
//! batches (1, 2, 4, ... at most 500 per sync), named `<replicaset>-<5 characters>` and
//! owned with `controller: true, blockOwnerDeletion: true`. Surplus pods are deleted in
//! upstream's order (unscheduled, then pending, not ready, more restarts, newest
//! first). The status counts replicas, fully labelled, ready and available (ready for
//! `minReadySeconds`) pods. Events: `SuccessfulCreate` (`Created pod: web-7d4b9`) and
//! `SuccessfulDelete`.
//!
//! The same controller runs for `v1` ReplicationControllers
//! ([`ReplicaSetController::replication_controller`]): their equality selector is a label
//! map and their template optional; everything else is shared, as upstream builds the
//! replication manager from the ReplicaSet controller.
//!
//! Creations are visible in the store at once (one thread), so upstream's expectations
//! (not double-creating while the informer catches up) need no bookkeeping here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::core_v1::{Pod, PodTemplateSpec};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::OwnerReference;
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

/// `burstReplicas`: at most this many creations or deletions per sync.
pub const BURST_REPLICAS: usize = 500;

type Key = (String, String);

pub struct ReplicaSetController {
    /// `ReplicaSet`, or `ReplicationController` for the replication controller.
    kind: Kind,
    sets: Option<WatchId>,
    pods: Option<WatchId>,
    recorder: Recorder,
    /// ReplicaSets to look at again when their pods become available
    /// (`minReadySeconds`): (time, key).
    recheck: BTreeSet<(Millis, Key)>,
}

impl Default for ReplicaSetController {
    fn default() -> Self {
        ReplicaSetController {
            kind: Kind::ReplicaSet,
            sets: None,
            pods: None,
            recorder: Recorder::legacy("replicaset-controller", ""),
            recheck: BTreeSet::new(),
        }
    }
}

/// What the controller reads of a ReplicaSet or a ReplicationController.
struct Replicated<'a> {
    meta: &'a ObjectMeta,
    replicas: i32,
    min_ready_seconds: i32,
    /// The selector (a missing one selects nothing).
    selector: Selector,
    template: Option<&'a PodTemplateSpec>,
    template_labels: &'a BTreeMap<String, String>,
}

static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

/// The replicated view of a ReplicaSet or a ReplicationController (its equality
/// selector is a label map).
fn replicated(o: &Object) -> Option<Replicated<'_>> {
    match o {
        Object::ReplicaSet(rs) => Some(Replicated {
            meta: &rs.metadata,
            replicas: rs.spec.replicas.unwrap_or(1),
            min_ready_seconds: rs.spec.min_ready_seconds,
            selector: Selector::from_optional_label_selector(rs.spec.selector.as_ref())
                .unwrap_or_else(|_| Selector::nothing()),
            template: Some(&rs.spec.template),
            template_labels: &rs.spec.template.metadata.labels,
        }),
        Object::ReplicationController(rc) => Some(Replicated {
            meta: &rc.metadata,
            replicas: rc.spec.replicas.unwrap_or(1),
            min_ready_seconds: rc.spec.min_ready_seconds,
            selector: if rc.spec.selector.is_empty() {
                Selector::nothing()
            } else {
                Selector::from_set(&rc.spec.selector)
            },
            template: rc.spec.template.as_deref(),
            template_labels: rc
                .spec
                .template
                .as_ref()
                .map_or(&NO_LABELS, |t| &t.metadata.labels),
        }),
        _ => None,
    }
}

/// The counts the controller writes into the status.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    replicas: i32,
    labeled: i32,
    ready: i32,
    available: i32,
    observed_generation: i64,
}

/// The object with its status set to `c`, when that changes it.
fn with_status(o: &Object, c: Counts) -> Option<Object> {
    match o {
        Object::ReplicaSet(rs) => {
            let mut st = rs.status.clone().unwrap_or_default();
            let before = st.clone();
            st.replicas = c.replicas;
            st.fully_labeled_replicas = c.labeled;
            st.ready_replicas = c.ready;
            st.available_replicas = c.available;
            st.observed_generation = c.observed_generation;
            (rs.status.is_none() || st != before).then(|| {
                let mut r = (**rs).clone();
                r.status = Some(st);
                r.into_object()
            })
        }
        Object::ReplicationController(rc) => {
            let mut st = rc.status.clone().unwrap_or_default();
            let before = st.clone();
            st.replicas = c.replicas;
            st.fully_labeled_replicas = c.labeled;
            st.ready_replicas = c.ready;
            st.available_replicas = c.available;
            st.observed_generation = c.observed_generation;
            (rc.status.is_none() || st != before).then(|| {
                let mut r = (**rc).clone();
                r.status = Some(st);
                r.into_object()
            })
        }
        _ => None,
    }
}

fn controller_of(p: &Pod) -> Option<&OwnerReference> {
    p.metadata
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
}

fn is_active(p: &Pod) -> bool {
    let phase = p.status.as_ref().map_or("", |s| s.phase.as_str());
    p.metadata.deletion_timestamp.is_none() && !matches!(phase, "Succeeded" | "Failed")
}

fn condition_true(p: &Pod, t: &str) -> Option<i64> {
    p.status
        .as_ref()?
        .conditions
        .iter()
        .find(|c| c.type_ == t && c.status == "True")
        .map(|c| c.last_transition_time.map_or(0, |t| t.0))
}

/// Upstream `ActivePodsWithRanks` order: the pods to delete first come first.
fn deletion_rank(p: &Pod) -> (bool, u8, bool, i64, i32, std::cmp::Reverse<i64>) {
    let phase = p.status.as_ref().map_or("", |s| s.phase.as_str());
    let phase_rank = match phase {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    };
    let ready_since = condition_true(p, "Ready");
    let restarts: i32 = p.status.as_ref().map_or(0, |s| {
        s.container_statuses
            .iter()
            .map(|c| c.restart_count)
            .max()
            .unwrap_or(0)
    });
    (
        !p.spec.node_name.is_empty(),
        phase_rank,
        ready_since.is_some(),
        // Ready for less time first: later transition first.
        -ready_since.unwrap_or(0),
        -restarts,
        std::cmp::Reverse(p.metadata.creation_timestamp.map_or(0, |t| t.0)),
    )
}

impl ReplicaSetController {
    /// The ReplicaSet controller.
    pub fn new() -> Self {
        Self::default()
    }

    /// The ReplicationController controller (`replication-controller`): the same
    /// controller over `v1` ReplicationControllers, as upstream builds it.
    pub fn replication_controller() -> Self {
        ReplicaSetController {
            kind: Kind::ReplicationController,
            recorder: Recorder::legacy("replication-controller", ""),
            ..Self::default()
        }
    }

    /// The objects a pod event concerns: its controller, or for an orphan every object
    /// of its namespace whose selector matches it.
    fn owners_for_pod(&self, api: &ApiServer, p: &Pod, out: &mut BTreeSet<Key>) {
        let ns = &p.metadata.namespace;
        if let Some(o) = controller_of(p) {
            if o.kind == self.kind.info().kind {
                out.insert((ns.clone(), o.name.clone()));
            }
            return;
        }
        // An orphan only matters when there is an object that could adopt it.
        if api.store.count(self.kind) == 0 {
            return;
        }
        let all = Selector::everything();
        let none = FieldSelector::default();
        for o in api.list(self.kind, Some(ns), &all, &none) {
            if let Some(r) = replicated(&o) {
                if r.selector.matches(&p.metadata.labels) {
                    out.insert((ns.clone(), r.meta.name.clone()));
                }
            }
        }
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, (ns, name): &Key) {
        let Ok(obj) = ctx.api.get(self.kind, ns, name) else {
            return;
        };
        let Some(rs) = replicated(&obj) else { return };
        if rs.meta.deletion_timestamp.is_some() {
            return;
        }
        let uid = rs.meta.uid.clone();
        let owner = owner_ref(&obj);
        // Claim: owned pods that still match, orphans that match (adopted), and release
        // owned pods that no longer match. Candidates: the owned pods (owner index) and
        // the pods the selector matches (label index).
        let none = FieldSelector::default();
        let mut candidates: BTreeMap<String, Arc<Object>> = BTreeMap::new();
        for o in ctx.api.store.owned_by(Kind::Pod, &uid) {
            if o.meta().namespace == *ns {
                candidates.insert(o.meta().name.clone(), o);
            }
        }
        if !rs.selector.is_nothing() {
            for o in ctx.api.list(Kind::Pod, Some(ns), &rs.selector, &none) {
                candidates.insert(o.meta().name.clone(), o);
            }
        }
        let mut pods: Vec<Arc<Pod>> = Vec::new();
        for o in candidates.values() {
            let Object::Pod(p) = &**o else { continue };
            let matches = rs.selector.matches(&p.metadata.labels);
            match controller_of(p) {
                Some(c) if c.uid == uid => {
                    if matches {
                        pods.push(p.clone());
                    } else {
                        let mut q = (**p).clone();
                        q.metadata.owner_references.retain(|r| r.uid != uid);
                        let _ = ctx.api.update(q.into_object());
                    }
                }
                None if matches && is_active(p) => {
                    let mut q = (**p).clone();
                    q.metadata.owner_references.push(owner.clone());
                    if let Ok(o) = ctx.api.update(q.into_object()) {
                        if let Object::Pod(p) = &*o {
                            pods.push(p.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        let active: Vec<Arc<Pod>> = pods.iter().filter(|p| is_active(p)).cloned().collect();
        let want = rs.replicas.max(0) as usize;
        if active.len() < want {
            let missing = (want - active.len()).min(BURST_REPLICAS);
            let template = rs.template.cloned().unwrap_or_default();
            // Slow start: 1, 2, 4, ... stopping at the first failure.
            let mut created = 0;
            let mut batch = 1;
            'batches: while created < missing {
                for _ in 0..batch.min(missing - created) {
                    let pod = pod_from_template(rs.meta, &template, &owner);
                    match ctx.api.create(pod.into_object()) {
                        Ok(p) => {
                            created += 1;
                            events::record(
                                ctx.api,
                                ctx.now,
                                &mut self.recorder,
                                &obj,
                                EventType::Normal,
                                "SuccessfulCreate",
                                "",
                                &format!("Created pod: {}", p.meta().name),
                            );
                        }
                        Err(e) => {
                            events::record(
                                ctx.api,
                                ctx.now,
                                &mut self.recorder,
                                &obj,
                                EventType::Warning,
                                "FailedCreate",
                                "",
                                &format!("Error creating: {}", e.message),
                            );
                            break 'batches;
                        }
                    }
                }
                batch *= 2;
            }
        } else if active.len() > want {
            let mut victims = active.clone();
            victims.sort_by_key(|p| deletion_rank(p));
            for p in victims
                .iter()
                .take((active.len() - want).min(BURST_REPLICAS))
            {
                if ctx
                    .api
                    .delete(Kind::Pod, ns, &p.metadata.name, &DeleteOptions::default())
                    .is_ok()
                {
                    events::record(
                        ctx.api,
                        ctx.now,
                        &mut self.recorder,
                        &obj,
                        EventType::Normal,
                        "SuccessfulDelete",
                        "",
                        &format!("Deleted pod: {}", p.metadata.name),
                    );
                }
            }
        }
        self.update_status(ctx, &obj);
    }

    /// Recounts the object's pods into its status (after this sync's changes).
    fn update_status(&mut self, ctx: &mut ComponentCtx, obj: &Object) {
        let Some(rs) = replicated(obj) else { return };
        let ns = &rs.meta.namespace;
        let min_ready = Millis::from(rs.min_ready_seconds.max(0)) * 1000;
        let mut c = Counts {
            observed_generation: rs.meta.generation.unwrap_or(0),
            ..Counts::default()
        };
        let mut next_available: Option<Millis> = None;
        for o in ctx.api.store.owned_by(Kind::Pod, &rs.meta.uid) {
            let Object::Pod(p) = &*o else { continue };
            if !is_active(p) || p.metadata.namespace != *ns {
                continue;
            }
            c.replicas += 1;
            if rs
                .template_labels
                .iter()
                .all(|(k, v)| p.metadata.labels.get(k) == Some(v))
            {
                c.labeled += 1;
            }
            if let Some(since) = condition_true(p, "Ready") {
                c.ready += 1;
                if ctx.now >= since + min_ready {
                    c.available += 1;
                } else {
                    next_available = Some(
                        next_available
                            .map_or(since + min_ready, |t: Millis| t.min(since + min_ready)),
                    );
                }
            }
        }
        if let Some(t) = next_available {
            self.recheck.insert((t, (ns.clone(), rs.meta.name.clone())));
            ctx.wake_at(t);
        }
        if let Some(updated) = with_status(obj, c) {
            let _ = ctx.api.update_status(updated);
        }
    }
}

fn owner_ref(o: &Object) -> OwnerReference {
    let m = o.meta();
    let info = o.kind().info();
    OwnerReference {
        api_version: info.api_version(),
        kind: info.kind.into(),
        name: m.name.clone(),
        uid: m.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// A pod from the template (upstream `GetPodFromTemplate`).
fn pod_from_template(owner: &ObjectMeta, t: &PodTemplateSpec, owner_ref: &OwnerReference) -> Pod {
    Pod {
        metadata: ObjectMeta {
            generate_name: format!("{}-", owner.name),
            namespace: owner.namespace.clone(),
            labels: t.metadata.labels.clone(),
            annotations: t.metadata.annotations.clone(),
            finalizers: t.metadata.finalizers.clone(),
            owner_references: vec![owner_ref.clone()],
            ..Default::default()
        },
        spec: t.spec.clone(),
        status: None,
    }
}

impl Component for ReplicaSetController {
    fn name(&self) -> String {
        match self.kind {
            Kind::ReplicationController => {
                "kube-controller-manager/replicationcontroller-controller".into()
            }
            _ => "kube-controller-manager/replicaset-controller".into(),
        }
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.sets = ctx.api.watch(WatchFilter::all(self.kind), None).ok();
        // ReplicationControllers are rare: their controller watches pods only once one
        // exists (each sync lists what it needs, so nothing is missed).
        if self.kind == Kind::ReplicaSet {
            self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
        }
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.sets, self.pods]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let mut dirty: BTreeSet<Key> = BTreeSet::new();
        if let Some(w) = self.sets {
            for ev in ctx.api.poll(w) {
                if ev.type_ != WatchType::Deleted {
                    let m = ev.object.meta();
                    dirty.insert((m.namespace.clone(), m.name.clone()));
                }
            }
        }
        if self.pods.is_none() && !dirty.is_empty() {
            self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
        }
        if let Some(w) = self.pods {
            for ev in ctx.api.poll(w) {
                if let Object::Pod(p) = &*ev.object {
                    self.owners_for_pod(ctx.api, p, &mut dirty);
                }
            }
        }
        while let Some((t, key)) = self.recheck.first().cloned() {
            if t > ctx.now {
                ctx.wake_at(t);
                break;
            }
            self.recheck.pop_first();
            dirty.insert(key);
        }
        for key in dirty {
            self.sync(ctx, &key);
        }
        // Our own writes (pods created, statuses) need no second look now.
        for w in [self.sets, self.pods].into_iter().flatten() {
            ctx.api.poll(w);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
