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
//! Creations are visible in the store at once (one thread), so upstream's expectations
//! (not double-creating while the informer catches up) need no bookkeeping here.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::api::apps_v1::ReplicaSet;
use crate::api::core_v1::Pod;
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
            sets: None,
            pods: None,
            recorder: Recorder::legacy("replicaset-controller", ""),
            recheck: BTreeSet::new(),
        }
    }
}

/// The ReplicaSet's selector (a missing one selects nothing).
fn selector(rs: &ReplicaSet) -> Selector {
    Selector::from_optional_label_selector(rs.spec.selector.as_ref())
        .unwrap_or_else(|_| Selector::nothing())
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
    pub fn new() -> Self {
        Self::default()
    }

    /// The ReplicaSets a pod event concerns: its controller, or for an orphan every
    /// ReplicaSet of its namespace whose selector matches it.
    fn sets_for_pod(api: &ApiServer, p: &Pod, out: &mut BTreeSet<Key>) {
        let ns = &p.metadata.namespace;
        if let Some(o) = controller_of(p) {
            if o.kind == "ReplicaSet" {
                out.insert((ns.clone(), o.name.clone()));
            }
            return;
        }
        // An orphan only matters when there is a ReplicaSet that could adopt it.
        if api.store.count(Kind::ReplicaSet) == 0 {
            return;
        }
        let all = Selector::everything();
        let none = FieldSelector::default();
        for o in api.list(Kind::ReplicaSet, Some(ns), &all, &none) {
            if let Object::ReplicaSet(rs) = &*o {
                if selector(rs).matches(&p.metadata.labels) {
                    out.insert((ns.clone(), rs.metadata.name.clone()));
                }
            }
        }
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, (ns, name): &Key) {
        let Ok(o) = ctx.api.get(Kind::ReplicaSet, ns, name) else {
            return;
        };
        let Object::ReplicaSet(rs) = &*o else { return };
        let rs = rs.clone();
        if rs.metadata.deletion_timestamp.is_some() {
            return;
        }
        let sel = selector(&rs);
        let uid = rs.metadata.uid.clone();
        // Claim: owned pods that still match, orphans that match (adopted), and release
        // owned pods that no longer match.
        let all = Selector::everything();
        let none = FieldSelector::default();
        let mut pods: Vec<Arc<Pod>> = Vec::new();
        for o in ctx.api.list(Kind::Pod, Some(ns), &all, &none) {
            let Object::Pod(p) = &*o else { continue };
            let matches = sel.matches(&p.metadata.labels);
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
                    q.metadata.owner_references.push(owner_ref(&rs));
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
        let want = rs.spec.replicas.unwrap_or(1).max(0) as usize;
        let rs_obj = Object::ReplicaSet(rs.clone());
        if active.len() < want {
            let missing = (want - active.len()).min(BURST_REPLICAS);
            // Slow start: 1, 2, 4, ... stopping at the first failure.
            let mut created = 0;
            let mut batch = 1;
            'batches: while created < missing {
                for _ in 0..batch.min(missing - created) {
                    match ctx.api.create(pod_from_template(&rs).into_object()) {
                        Ok(p) => {
                            created += 1;
                            events::record(
                                ctx.api,
                                ctx.now,
                                &mut self.recorder,
                                &rs_obj,
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
                                &rs_obj,
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
                        &rs_obj,
                        EventType::Normal,
                        "SuccessfulDelete",
                        "",
                        &format!("Deleted pod: {}", p.metadata.name),
                    );
                }
            }
        }
        self.update_status(ctx, &rs);
    }

    /// Recounts the ReplicaSet's pods into its status (after this sync's changes).
    fn update_status(&mut self, ctx: &mut ComponentCtx, rs: &ReplicaSet) {
        let ns = &rs.metadata.namespace;
        let uid = &rs.metadata.uid;
        let template_labels = &rs.spec.template.metadata.labels;
        let min_ready = Millis::from(rs.spec.min_ready_seconds.max(0)) * 1000;
        let (mut replicas, mut labeled, mut ready, mut available) = (0, 0, 0, 0);
        let mut next_available: Option<Millis> = None;
        for o in ctx.api.store.owned_by(Kind::Pod, uid) {
            let Object::Pod(p) = &*o else { continue };
            if !is_active(p) || p.metadata.namespace != *ns {
                continue;
            }
            replicas += 1;
            if template_labels
                .iter()
                .all(|(k, v)| p.metadata.labels.get(k) == Some(v))
            {
                labeled += 1;
            }
            if let Some(since) = condition_true(p, "Ready") {
                ready += 1;
                if ctx.now >= since + min_ready {
                    available += 1;
                } else {
                    next_available = Some(
                        next_available
                            .map_or(since + min_ready, |t: Millis| t.min(since + min_ready)),
                    );
                }
            }
        }
        if let Some(t) = next_available {
            self.recheck
                .insert((t, (ns.clone(), rs.metadata.name.clone())));
            ctx.wake_at(t);
        }
        let mut st = rs.status.clone().unwrap_or_default();
        let before = st.clone();
        st.replicas = replicas;
        st.fully_labeled_replicas = labeled;
        st.ready_replicas = ready;
        st.available_replicas = available;
        st.observed_generation = rs.metadata.generation.unwrap_or(0);
        if rs.status.is_none() || st != before {
            let mut r = rs.clone();
            r.status = Some(st);
            let _ = ctx.api.update_status(r.into_object());
        }
    }
}

fn owner_ref(rs: &ReplicaSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: rs.metadata.name.clone(),
        uid: rs.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// A pod from the ReplicaSet's template (upstream `GetPodFromTemplate`).
fn pod_from_template(rs: &ReplicaSet) -> Pod {
    let t = &rs.spec.template;
    Pod {
        metadata: ObjectMeta {
            generate_name: format!("{}-", rs.metadata.name),
            namespace: rs.metadata.namespace.clone(),
            labels: t.metadata.labels.clone(),
            annotations: t.metadata.annotations.clone(),
            finalizers: t.metadata.finalizers.clone(),
            owner_references: vec![owner_ref(rs)],
            ..Default::default()
        },
        spec: t.spec.clone(),
        status: None,
    }
}

impl Component for ReplicaSetController {
    fn name(&self) -> String {
        "kube-controller-manager/replicaset-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.sets = ctx.api.watch(WatchFilter::all(Kind::ReplicaSet), None).ok();
        self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
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
        if let Some(w) = self.pods {
            for ev in ctx.api.poll(w) {
                if let Object::Pod(p) = &*ev.object {
                    Self::sets_for_pod(ctx.api, p, &mut dirty);
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
