//! The Deployment controller (`pkg/controller/deployment`): each Deployment owns one
//! ReplicaSet per pod template, named `<deployment>-<pod-template-hash>`, with the hash
//! in its selector and pod labels. The RollingUpdate strategy scales the new
//! ReplicaSet up to `replicas + maxSurge` pods in all, and the old ones down while
//! `replicas - maxUnavailable` stay available. Percentages round up for maxSurge and
//! down for maxUnavailable, and both 0 means maxUnavailable 1. Recreate scales the old
//! ones to zero first. The Deployment also keeps the revision annotations, removes old
//! ReplicaSets beyond `revisionHistoryLimit`, records `ScalingReplicaSet` events, and
//! writes the status: replicas, updated, ready, available, unavailable, and the
//! Available and Progressing conditions.
//!
//! The Progressing condition follows upstream's `syncRolloutStatus`: NewReplicaSetCreated
//! (or FoundNewReplicaSet), ReplicaSetUpdated while replicas move, NewReplicaSetAvailable
//! when done, and `False/ProgressDeadlineExceeded` when nothing moved for
//! `progressDeadlineSeconds` (the controller wakes at each deadline). A paused Deployment
//! keeps its ReplicaSets, creates none, and reports `Unknown/DeploymentPaused`.
//!
//! The pod-template-hash is upstream's encoding (FNV-32a, then `SafeEncodeString`) of
//! our JSON form of the template, so the names look like real ones but differ.
//! Proportional scaling of a paused rollout with several active ReplicaSets is not done:
//! scaling then waits for the rollout to resume.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::apps_v1::{Deployment, DeploymentCondition, ReplicaSet};
use crate::api::meta::{OwnerReference, Time};
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

/// The label that ties a ReplicaSet and its pods to one template.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
pub const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";

type Key = (String, String);

pub struct DeploymentController {
    deployments: Option<WatchId>,
    sets: Option<WatchId>,
    recorder: Recorder,
    /// When each Deployment with a rollout under way must be looked at again.
    deadlines: BTreeMap<Key, Millis>,
}

impl Default for DeploymentController {
    fn default() -> Self {
        DeploymentController {
            deployments: None,
            sets: None,
            recorder: Recorder::legacy("deployment-controller", ""),
            deadlines: BTreeMap::new(),
        }
    }
}

/// Upstream `rand.SafeEncodeString` of the decimal hash: each digit mapped to a
/// letter or digit that cannot spell words.
fn safe_encode(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes()
        .map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char)
        .collect()
}

/// The pod-template-hash: FNV-32a of the template (and the collision count).
pub fn template_hash(d: &Deployment) -> String {
    let json = serde_json::to_string(&d.spec.template).unwrap_or_default();
    let mut h: u32 = 0x811c_9dc5;
    let count = d.status.as_ref().and_then(|s| s.collision_count);
    let extra = count.map(|c| c.to_string()).unwrap_or_default();
    for b in json.bytes().chain(extra.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    safe_encode(&h.to_string())
}

fn replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.replicas.unwrap_or(1)
}

fn revision(rs: &ReplicaSet) -> i64 {
    rs.metadata
        .annotations
        .get(REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// The template without the hash label, to compare a ReplicaSet with the Deployment.
fn same_template(rs: &ReplicaSet, d: &Deployment) -> bool {
    let mut t = rs.spec.template.clone();
    t.metadata.labels.remove(POD_TEMPLATE_HASH);
    t == d.spec.template
}

impl DeploymentController {
    pub fn new() -> Self {
        Self::default()
    }

    fn owned_sets(api: &ApiServer, d: &Deployment) -> Vec<Arc<ReplicaSet>> {
        api.store
            .owned_by(Kind::ReplicaSet, &d.metadata.uid)
            .iter()
            .filter_map(|o| match &**o {
                Object::ReplicaSet(r) if r.metadata.deletion_timestamp.is_none() => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    fn scale(
        &mut self,
        ctx: &mut ComponentCtx,
        d: &Deployment,
        rs: &ReplicaSet,
        to: i32,
        max: i32,
    ) {
        let from = replicas(rs);
        let mut r = rs.clone();
        r.spec.replicas = Some(to);
        let want = d.spec.replicas.unwrap_or(1).to_string();
        let annotations_change = r.metadata.annotations.get(DESIRED_REPLICAS) != Some(&want);
        if from == to && !annotations_change {
            return;
        }
        r.metadata.annotations.insert(DESIRED_REPLICAS.into(), want);
        r.metadata
            .annotations
            .insert(MAX_REPLICAS.into(), max.to_string());
        if ctx.api.update(r.into_object()).is_ok() && from != to {
            let verb = if to > from { "up" } else { "down" };
            let obj = Object::Deployment(Arc::new(d.clone()));
            events::record(
                ctx.api,
                ctx.now,
                &mut self.recorder,
                &obj,
                EventType::Normal,
                "ScalingReplicaSet",
                "",
                &format!(
                    "Scaled {verb} replica set {} from {from} to {to}",
                    rs.metadata.name
                ),
            );
        }
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, key: &Key) {
        self.deadlines.remove(key);
        let (ns, name) = key;
        let Ok(o) = ctx.api.get(Kind::Deployment, ns, name) else {
            return;
        };
        let Object::Deployment(d) = &*o else { return };
        let d = (**d).clone();
        if d.metadata.deletion_timestamp.is_some() {
            return;
        }
        let want = d.spec.replicas.unwrap_or(1).max(0);
        let sets = Self::owned_sets(ctx.api, &d);
        let max_revision = sets.iter().map(|r| revision(r)).max().unwrap_or(0);
        let mut new_rs = sets.iter().find(|r| same_template(r, &d)).cloned();
        let olds: Vec<Arc<ReplicaSet>> = sets
            .iter()
            .filter(|r| !same_template(r, &d))
            .cloned()
            .collect();
        let rolling = d.spec.strategy.type_ != "Recreate";
        let (surge, unavailable) = match &d.spec.strategy.rolling_update {
            Some(ru) if rolling => {
                let s = ru
                    .max_surge
                    .as_ref()
                    .map_or(Ok(0), |v| v.scaled_value_from_int_or_percent(want, true))
                    .unwrap_or(0);
                let u = ru
                    .max_unavailable
                    .as_ref()
                    .map_or(Ok(0), |v| v.scaled_value_from_int_or_percent(want, false))
                    .unwrap_or(0);
                if s == 0 && u == 0 {
                    (0, 1)
                } else {
                    (s, u)
                }
            }
            _ => (0, 0),
        };
        let old_total: i32 = olds.iter().map(|r| replicas(r)).sum();
        if d.spec.paused {
            self.sync_paused(ctx, &d, &sets, new_rs.as_deref());
            return;
        }
        let mut progress_note = None;
        // The new ReplicaSet: created for a new template, at the next revision.
        if new_rs.is_none() {
            let hash = template_hash(&d);
            let start = if !rolling {
                if old_total > 0 {
                    0
                } else {
                    want
                }
            } else {
                want.min((want + surge - old_total).max(0))
            };
            let rs = new_replica_set(&d, &hash, start, max_revision + 1, want + surge);
            match ctx.api.create(rs.into_object()) {
                Ok(o) => {
                    if let Object::ReplicaSet(r) = &*o {
                        let obj = Object::Deployment(Arc::new(d.clone()));
                        events::record(
                            ctx.api,
                            ctx.now,
                            &mut self.recorder,
                            &obj,
                            EventType::Normal,
                            "ScalingReplicaSet",
                            "",
                            &format!(
                                "Scaled up replica set {} from 0 to {start}",
                                r.metadata.name
                            ),
                        );
                        progress_note = Some((
                            "NewReplicaSetCreated",
                            format!("Created new replica set \"{}\"", r.metadata.name),
                        ));
                        new_rs = Some(r.clone());
                    }
                }
                Err(_) => return,
            }
        } else if let Some(r) = &new_rs {
            // An old template back in use becomes the newest revision again.
            if revision(r) < max_revision {
                let mut r2 = (**r).clone();
                r2.metadata
                    .annotations
                    .insert(REVISION.into(), (max_revision + 1).to_string());
                if let Ok(o) = ctx.api.update(r2.into_object()) {
                    if let Object::ReplicaSet(r) = &*o {
                        new_rs = Some(r.clone());
                    }
                }
            }
        }
        let Some(new_rs) = new_rs else { return };
        if progress_note.is_none() && progressing(&d).is_none() {
            progress_note = Some((
                "FoundNewReplicaSet",
                format!("Found new replica set \"{}\"", new_rs.metadata.name),
            ));
        }
        let new_replicas = replicas(&new_rs);
        if !rolling {
            // Recreate: every old pod gone before the new ones start.
            for r in &olds {
                self.scale(ctx, &d, r, 0, want);
            }
            let old_pods: i32 = olds
                .iter()
                .map(|r| r.status.as_ref().map_or(0, |s| s.replicas))
                .sum();
            if old_pods == 0 {
                self.scale(ctx, &d, &new_rs, want, want);
            }
        } else {
            // Scale the new ReplicaSet up within maxSurge.
            let total: i32 = new_replicas + old_total;
            if new_replicas > want {
                self.scale(ctx, &d, &new_rs, want, want + surge);
            } else if new_replicas < want {
                let room = (want + surge - total).max(0);
                let to = new_replicas + room.min(want - new_replicas);
                self.scale(ctx, &d, &new_rs, to, want + surge);
            } else {
                self.scale(ctx, &d, &new_rs, want, want + surge);
            }
            // Scale old ones down while maxUnavailable allows, oldest first.
            let new_now = replicas(&new_rs).max(new_replicas);
            let new_available = new_rs.status.as_ref().map_or(0, |s| s.available_replicas);
            let all = new_now + old_total;
            let min_available = want - unavailable;
            let new_unavailable = new_now - new_available;
            let mut can_remove = (all - min_available - new_unavailable).max(0);
            let mut olds_sorted = olds.clone();
            olds_sorted.sort_by_key(|r| (revision(r), r.metadata.creation_timestamp.map(|t| t.0)));
            for r in &olds_sorted {
                let cur = replicas(r);
                if cur == 0 {
                    continue;
                }
                // Unhealthy old pods go first, without counting against availability.
                let avail = r.status.as_ref().map_or(0, |s| s.available_replicas);
                let unhealthy = (cur - avail).max(0);
                let take = (unhealthy + can_remove).min(cur);
                if take > 0 {
                    self.scale(ctx, &d, r, cur - take, want + surge);
                    can_remove -= (take - unhealthy).max(0);
                }
            }
        }
        self.cleanup(ctx, &d);
        self.update_status(ctx, &d, Some(&new_rs), progress_note);
    }

    /// A paused Deployment: no new ReplicaSet; a lone active one follows `replicas`.
    fn sync_paused(
        &mut self,
        ctx: &mut ComponentCtx,
        d: &Deployment,
        sets: &[Arc<ReplicaSet>],
        new_rs: Option<&ReplicaSet>,
    ) {
        let want = d.spec.replicas.unwrap_or(1).max(0);
        let active: Vec<&Arc<ReplicaSet>> = sets.iter().filter(|r| replicas(r) > 0).collect();
        let target = match active.as_slice() {
            [one] => Some(&***one),
            [] => new_rs.or_else(|| sets.iter().max_by_key(|r| revision(r)).map(|r| &**r)),
            _ => None,
        };
        if let Some(r) = target {
            self.scale(ctx, d, r, want, want);
        }
        self.cleanup(ctx, d);
        self.update_status(ctx, d, new_rs, None);
    }

    /// Deletes old, empty ReplicaSets beyond `revisionHistoryLimit` (10), oldest first.
    fn cleanup(&mut self, ctx: &mut ComponentCtx, d: &Deployment) {
        let limit = d.spec.revision_history_limit.unwrap_or(10).max(0) as usize;
        let mut old: Vec<Arc<ReplicaSet>> = Self::owned_sets(ctx.api, d)
            .into_iter()
            .filter(|r| !same_template(r, d))
            .filter(|r| replicas(r) == 0 && r.status.as_ref().is_none_or(|s| s.replicas == 0))
            .collect();
        if old.len() <= limit {
            return;
        }
        old.sort_by_key(|r| revision(r));
        for r in old.iter().take(old.len() - limit) {
            let _ = ctx.api.delete(
                Kind::ReplicaSet,
                &r.metadata.namespace,
                &r.metadata.name,
                &DeleteOptions::default(),
            );
        }
    }

    /// Writes the status, the revision annotation and the conditions. `note` is the
    /// Progressing condition upstream records when it creates or first finds the new
    /// ReplicaSet, before the rollout's own progress check.
    fn update_status(
        &mut self,
        ctx: &mut ComponentCtx,
        d: &Deployment,
        new_rs: Option<&ReplicaSet>,
        note: Option<(&str, String)>,
    ) {
        let sets = Self::owned_sets(ctx.api, d);
        let want = d.spec.replicas.unwrap_or(1).max(0);
        let count = |f: fn(&crate::api::apps_v1::ReplicaSetStatus) -> i32| -> i32 {
            sets.iter().filter_map(|r| r.status.as_ref()).map(f).sum()
        };
        let now = Time(ctx.now / 1000 * 1000);
        let deadline = d
            .spec
            .progress_deadline_seconds
            .filter(|&s| s != i32::MAX)
            .map(|s| i64::from(s) * 1000);
        // What upstream has already written before its rollout check.
        let mut before = d.status.clone().unwrap_or_default();
        if let (Some((reason, message)), Some(_)) = (note, deadline) {
            set_condition(&mut before, now, "Progressing", "True", reason, message);
        }
        let paused_reason = progressing_in(&before).map(|c| c.reason.clone());
        if paused_reason.as_deref() != Some("ProgressDeadlineExceeded") {
            let was_paused = paused_reason.as_deref() == Some("DeploymentPaused");
            if d.spec.paused && !was_paused {
                set_condition(
                    &mut before,
                    now,
                    "Progressing",
                    "Unknown",
                    "DeploymentPaused",
                    "Deployment is paused".into(),
                );
            } else if !d.spec.paused && was_paused {
                set_condition(
                    &mut before,
                    now,
                    "Progressing",
                    "Unknown",
                    "DeploymentResumed",
                    "Deployment is resumed".into(),
                );
            }
        }
        let mut st = before.clone();
        st.observed_generation = d.metadata.generation.unwrap_or(0);
        st.replicas = count(|s| s.replicas);
        st.updated_replicas = new_rs
            .and_then(|r| r.status.as_ref())
            .map_or(0, |s| s.replicas);
        st.ready_replicas = count(|s| s.ready_replicas);
        st.available_replicas = count(|s| s.available_replicas);
        st.unavailable_replicas = (want - st.available_replicas).max(0);
        let unavailable = match &d.spec.strategy.rolling_update {
            Some(ru) if d.spec.strategy.type_ != "Recreate" => ru
                .max_unavailable
                .as_ref()
                .and_then(|v| v.scaled_value_from_int_or_percent(want, false).ok())
                .unwrap_or(0),
            _ => 0,
        };
        if st.available_replicas >= want - unavailable {
            set_condition(
                &mut st,
                now,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.".into(),
            );
        } else {
            set_condition(
                &mut st,
                now,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.".into(),
            );
        }
        if !d.spec.paused {
            if deadline.is_none() {
                st.conditions.retain(|c| c.type_ != "Progressing");
            }
            let current = progressing_in(&before);
            let finished = st.replicas == st.updated_replicas
                && current.is_some_and(|c| c.reason == "NewReplicaSetAvailable");
            if let (Some(deadline), false) = (deadline, finished) {
                let rs_name = new_rs.map(|r| r.metadata.name.clone());
                let message = |what: &str| match &rs_name {
                    Some(n) => format!("ReplicaSet \"{n}\" {what}."),
                    None => format!("Deployment \"{}\" {what}.", d.metadata.name),
                };
                let complete = st.updated_replicas == want
                    && st.replicas == want
                    && st.available_replicas == want
                    && st.observed_generation >= d.metadata.generation.unwrap_or(0);
                let old_pending =
                    |s: &crate::api::apps_v1::DeploymentStatus| s.replicas - s.updated_replicas;
                let moved = st.updated_replicas > before.updated_replicas
                    || old_pending(&st) < old_pending(&before)
                    || st.ready_replicas > before.ready_replicas
                    || st.available_replicas > before.available_replicas;
                if complete {
                    set_condition(
                        &mut st,
                        now,
                        "Progressing",
                        "True",
                        "NewReplicaSetAvailable",
                        message("has successfully progressed"),
                    );
                } else if moved {
                    // Progress refreshes lastUpdateTime even when the reason stays.
                    let transition = current
                        .filter(|c| c.status == "True")
                        .and_then(|c| c.last_transition_time)
                        .unwrap_or(now);
                    st.conditions.retain(|c| c.type_ != "Progressing");
                    st.conditions.push(DeploymentCondition {
                        type_: "Progressing".into(),
                        status: "True".into(),
                        last_update_time: Some(now),
                        last_transition_time: Some(transition),
                        reason: "ReplicaSetUpdated".into(),
                        message: message("is progressing"),
                    });
                } else if let Some(c) = progressing_in(&st) {
                    let timed_out = c.reason == "ProgressDeadlineExceeded"
                        || (c.reason != "NewReplicaSetAvailable"
                            && c.last_update_time.is_some_and(|t| t.0 + deadline < ctx.now));
                    if timed_out {
                        set_condition(
                            &mut st,
                            now,
                            "Progressing",
                            "False",
                            "ProgressDeadlineExceeded",
                            message("has timed out progressing"),
                        );
                    }
                }
                // Come back when the deadline passes, unless it already has.
                if let Some(c) = progressing_in(&st) {
                    if c.status == "True" && c.reason != "NewReplicaSetAvailable" && !complete {
                        let at = c.last_update_time.map_or(ctx.now, |t| t.0) + deadline + 1000;
                        let key = (d.metadata.namespace.clone(), d.metadata.name.clone());
                        self.deadlines.insert(key, at.max(ctx.now + 1));
                    }
                }
            }
        }
        // Upstream lists Available first, then Progressing.
        st.conditions.sort_by_key(|c| c.type_ != "Available");
        let revision_now = new_rs.map(|r| revision(r).to_string());
        let annotation_stale = revision_now
            .as_ref()
            .is_some_and(|r| d.metadata.annotations.get(REVISION) != Some(r));
        if d.status.is_none() || Some(&st) != d.status.as_ref() || annotation_stale {
            let mut d2 = d.clone();
            if let (Some(r), true) = (revision_now, annotation_stale) {
                d2.metadata.annotations.insert(REVISION.into(), r);
            }
            d2.status = Some(st);
            let _ = ctx.api.update_status(d2.into_object());
        }
    }
}

fn progressing_in(st: &crate::api::apps_v1::DeploymentStatus) -> Option<&DeploymentCondition> {
    st.conditions.iter().find(|c| c.type_ == "Progressing")
}

fn progressing(d: &Deployment) -> Option<&DeploymentCondition> {
    d.status.as_ref().and_then(progressing_in)
}

/// Upstream `SetDeploymentCondition`: the same status and reason change nothing; a new
/// status moves lastTransitionTime.
fn set_condition(
    st: &mut crate::api::apps_v1::DeploymentStatus,
    now: Time,
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
) {
    if let Some(c) = st.conditions.iter_mut().find(|c| c.type_ == type_) {
        if c.status == status && c.reason == reason {
            return;
        }
        if c.status != status {
            c.last_transition_time = Some(now);
        }
        c.last_update_time = Some(now);
        c.status = status.into();
        c.reason = reason.into();
        c.message = message;
        return;
    }
    st.conditions.push(DeploymentCondition {
        type_: type_.into(),
        status: status.into(),
        last_update_time: Some(now),
        last_transition_time: Some(now),
        reason: reason.into(),
        message,
    });
}

fn new_replica_set(
    d: &Deployment,
    hash: &str,
    replicas: i32,
    revision: i64,
    max: i32,
) -> ReplicaSet {
    let mut template = d.spec.template.clone();
    template
        .metadata
        .labels
        .insert(POD_TEMPLATE_HASH.into(), hash.into());
    let mut sel = d.spec.selector.clone().unwrap_or_default();
    sel.match_labels
        .insert(POD_TEMPLATE_HASH.into(), hash.into());
    let mut annotations = d.metadata.annotations.clone();
    annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    annotations.remove(REVISION);
    annotations.insert(REVISION.into(), revision.to_string());
    annotations.insert(
        DESIRED_REPLICAS.into(),
        d.spec.replicas.unwrap_or(1).to_string(),
    );
    annotations.insert(MAX_REPLICAS.into(), max.to_string());
    ReplicaSet {
        metadata: ObjectMeta {
            name: format!("{}-{hash}", d.metadata.name),
            namespace: d.metadata.namespace.clone(),
            labels: template.metadata.labels.clone(),
            annotations,
            owner_references: vec![OwnerReference {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: d.metadata.name.clone(),
                uid: d.metadata.uid.clone(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }],
            ..Default::default()
        },
        spec: crate::api::apps_v1::ReplicaSetSpec {
            replicas: Some(replicas),
            min_ready_seconds: d.spec.min_ready_seconds,
            selector: Some(sel),
            template,
        },
        status: None,
    }
}

impl Component for DeploymentController {
    fn name(&self) -> String {
        "kube-controller-manager/deployment-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.deployments = ctx.api.watch(WatchFilter::all(Kind::Deployment), None).ok();
        self.sets = ctx.api.watch(WatchFilter::all(Kind::ReplicaSet), None).ok();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.deployments, self.sets]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let mut dirty: BTreeSet<Key> = BTreeSet::new();
        if let Some(w) = self.deployments {
            for ev in ctx.api.poll(w) {
                if ev.type_ != WatchType::Deleted {
                    let m = ev.object.meta();
                    dirty.insert((m.namespace.clone(), m.name.clone()));
                }
            }
        }
        if let Some(w) = self.sets {
            for ev in ctx.api.poll(w) {
                let m = ev.object.meta();
                if let Some(o) = m
                    .owner_references
                    .iter()
                    .find(|o| o.controller == Some(true) && o.kind == "Deployment")
                {
                    dirty.insert((m.namespace.clone(), o.name.clone()));
                }
            }
        }
        let due: Vec<Key> = self
            .deadlines
            .iter()
            .filter(|(_, &at)| at <= ctx.now)
            .map(|(k, _)| k.clone())
            .collect();
        dirty.extend(due);
        for key in dirty {
            self.sync(ctx, &key);
        }
        if let Some(&at) = self.deadlines.values().min() {
            ctx.wake_at(at);
        }
        if let Some(w) = self.deployments {
            // Our own status writes need no second look.
            ctx.api.poll(w);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
