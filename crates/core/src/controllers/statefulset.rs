//! The StatefulSet controller (`pkg/controller/statefulset`): pods with stable names
//! `<set>-0 ... <set>-(N-1)` (from `spec.ordinals.start`), each labelled
//! `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`, with its
//! hostname and, from `serviceName`, its subdomain. Each volumeClaimTemplate becomes a
//! PersistentVolumeClaim `<template>-<set>-<ordinal>`, created before the pod and kept
//! when the pod or the set goes (persistentVolumeClaimRetentionPolicy `Retain`); with
//! `whenDeleted: Delete` the set owns its claims, with `whenScaled: Delete` a condemned
//! pod owns its claims, and the garbage collector deletes them after their owner.
//!
//! `OrderedReady` creates pods one at a time in ordinal order, each waiting for the
//! previous one to be Running and Ready (and available for `minReadySeconds`), and
//! removes surplus pods from the highest ordinal, one at a time, only while the others
//! are healthy; `Parallel` creates and deletes without waiting. Templates are
//! ControllerRevisions (`<set>-<hash>`) and each pod's `controller-revision-hash` label
//! names its revision. RollingUpdate deletes pods at ordinals >= `partition` that are
//! not at the update revision, from the highest ordinal down, each waiting for the
//! previous one to be healthy again; OnDelete waits for the user. The status counts
//! replicas, ready, available, current and updated pods, and the current and update
//! revisions; the current revision becomes the update revision when every pod is
//! updated and ready. Events as upstream: `create Pod web-0 in StatefulSet web
//! successful`, `create Claim www-web-0 Pod web-0 in StatefulSet web success`,
//! `delete Pod web-2 in StatefulSet web successful`.
//!
//! Not done: the maxUnavailable rolling update (alpha), and repairing the identity or
//! storage of an existing pod whose spec was changed by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::apps_v1::{ControllerRevision, StatefulSet};
use crate::api::core_v1::{
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, PodTemplateSpec, Volume,
};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::OwnerReference;
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::controllers::daemonset::{controller_of, is_available, is_terminal, phase, ready_since};
use crate::controllers::history::{self, CONTROLLER_REVISION_HASH};
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

type Key = (String, String);

pub struct StatefulSetController {
    sets: Option<WatchId>,
    pods: Option<WatchId>,
    recorder: Recorder,
    /// Sets to look at again when a pod becomes available: (time, key).
    recheck: BTreeSet<(Millis, Key)>,
}

impl Default for StatefulSetController {
    fn default() -> Self {
        StatefulSetController {
            sets: None,
            pods: None,
            recorder: Recorder::legacy("statefulset-controller", ""),
            recheck: BTreeSet::new(),
        }
    }
}

fn selector(s: &StatefulSet) -> Selector {
    Selector::from_optional_label_selector(s.spec.selector.as_ref())
        .unwrap_or_else(|_| Selector::nothing())
}

/// The ordinal in a pod's name `<set>-<n>`, if it is one of the set's names.
fn ordinal(set: &str, pod: &str) -> Option<i32> {
    let n = pod.strip_prefix(set)?.strip_prefix('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || (n.len() > 1 && n.starts_with('0'))
    {
        return None;
    }
    n.parse().ok()
}

fn terminating(p: &Pod) -> bool {
    p.metadata.deletion_timestamp.is_some()
}

fn running_and_ready(p: &Pod) -> bool {
    phase(p) == "Running" && ready_since(p).is_some()
}

fn owner_ref(s: &StatefulSet, controller: bool) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "StatefulSet".into(),
        name: s.metadata.name.clone(),
        uid: s.metadata.uid.clone(),
        controller: controller.then_some(true),
        block_owner_deletion: Some(true),
    }
}

/// The claim name of a template for an ordinal: `<template>-<set>-<ordinal>`.
pub fn claim_name(template: &str, set: &str, ordinal: i32) -> String {
    format!("{template}-{set}-{ordinal}")
}

fn revision(p: &Pod) -> &str {
    p.metadata
        .labels
        .get(CONTROLLER_REVISION_HASH)
        .map_or("", String::as_str)
}

impl StatefulSetController {
    pub fn new() -> Self {
        Self::default()
    }

    fn event(
        &mut self,
        ctx: &mut ComponentCtx,
        s: &StatefulSet,
        t: EventType,
        reason: &str,
        msg: &str,
    ) {
        let obj = Object::StatefulSet(Arc::new(s.clone()));
        events::record(
            ctx.api,
            ctx.now,
            &mut self.recorder,
            &obj,
            t,
            reason,
            "",
            msg,
        );
    }

    /// The pod of an ordinal from a template and revision (upstream `newStatefulSetPod`).
    fn new_pod(s: &StatefulSet, template: &PodTemplateSpec, rev: &str, ord: i32) -> Pod {
        let name = format!("{}-{ord}", s.metadata.name);
        let mut labels = template.metadata.labels.clone();
        labels.insert(POD_NAME_LABEL.into(), name.clone());
        labels.insert(POD_INDEX_LABEL.into(), ord.to_string());
        labels.insert(CONTROLLER_REVISION_HASH.into(), rev.into());
        let mut spec = template.spec.clone();
        spec.hostname = name.clone();
        spec.subdomain = s.spec.service_name.clone();
        for t in &s.spec.volume_claim_templates {
            let v = Volume {
                name: t.metadata.name.clone(),
                persistent_volume_claim: Some(Box::new(PersistentVolumeClaimVolumeSource {
                    claim_name: claim_name(&t.metadata.name, &s.metadata.name, ord),
                    read_only: false,
                })),
                ..Default::default()
            };
            match spec.volumes.iter_mut().find(|x| x.name == v.name) {
                Some(x) => *x = v,
                None => spec.volumes.push(v),
            }
        }
        Pod {
            metadata: ObjectMeta {
                name,
                namespace: s.metadata.namespace.clone(),
                labels,
                annotations: template.metadata.annotations.clone(),
                finalizers: template.metadata.finalizers.clone(),
                owner_references: vec![owner_ref(s, true)],
                ..Default::default()
            },
            spec,
            status: None,
        }
    }

    /// Creates the pod's missing claims, then the pod. False when something failed.
    fn create_pod(&mut self, ctx: &mut ComponentCtx, s: &StatefulSet, pod: Pod) -> bool {
        let ns = s.metadata.namespace.clone();
        let ord = ordinal(&s.metadata.name, &pod.metadata.name).unwrap_or(0);
        let delete_with_set = s
            .spec
            .persistent_volume_claim_retention_policy
            .as_ref()
            .is_some_and(|p| p.when_deleted == "Delete");
        for t in &s.spec.volume_claim_templates {
            let name = claim_name(&t.metadata.name, &s.metadata.name, ord);
            if ctx.api.get(Kind::PersistentVolumeClaim, &ns, &name).is_ok() {
                continue;
            }
            let mut labels = t.metadata.labels.clone();
            if let Some(sel) = &s.spec.selector {
                labels.extend(sel.match_labels.clone());
            }
            let claim = PersistentVolumeClaim {
                metadata: ObjectMeta {
                    name: name.clone(),
                    namespace: ns.clone(),
                    labels,
                    annotations: t.metadata.annotations.clone(),
                    owner_references: if delete_with_set {
                        vec![owner_ref(s, false)]
                    } else {
                        Vec::new()
                    },
                    ..Default::default()
                },
                spec: t.spec.clone(),
                status: None,
            };
            let set = &s.metadata.name;
            let pod_name = &pod.metadata.name;
            match ctx.api.create(claim.into_object()) {
                Ok(_) => {
                    let msg =
                        format!("create Claim {name} Pod {pod_name} in StatefulSet {set} success");
                    self.event(ctx, s, EventType::Normal, "SuccessfulCreate", &msg);
                }
                Err(e) => {
                    let msg = format!(
                        "create Claim {name} for Pod {pod_name} in StatefulSet {set} failed error: {}",
                        e.message
                    );
                    self.event(ctx, s, EventType::Warning, "FailedCreate", &msg);
                    return false;
                }
            }
        }
        let pod_name = pod.metadata.name.clone();
        let set = s.metadata.name.clone();
        match ctx.api.create(pod.into_object()) {
            Ok(_) => {
                let msg = format!("create Pod {pod_name} in StatefulSet {set} successful");
                self.event(ctx, s, EventType::Normal, "SuccessfulCreate", &msg);
                true
            }
            Err(e) => {
                let msg = format!(
                    "create Pod {pod_name} in StatefulSet {set} failed error: {}",
                    e.message
                );
                self.event(ctx, s, EventType::Warning, "FailedCreate", &msg);
                false
            }
        }
    }

    fn delete_pod(&mut self, ctx: &mut ComponentCtx, s: &StatefulSet, p: &Pod) {
        let name = &p.metadata.name;
        let r = ctx.api.delete(
            Kind::Pod,
            &s.metadata.namespace,
            name,
            &DeleteOptions::default(),
        );
        let set = &s.metadata.name;
        let (t, reason, msg) = match r {
            Ok(_) => (
                EventType::Normal,
                "SuccessfulDelete",
                format!("delete Pod {name} in StatefulSet {set} successful"),
            ),
            Err(e) => (
                EventType::Warning,
                "FailedDelete",
                format!(
                    "delete Pod {name} in StatefulSet {set} failed error: {}",
                    e.message
                ),
            ),
        };
        self.event(ctx, s, t, reason, &msg);
    }

    /// With `whenScaled: Delete`, a condemned pod becomes an owner of its claims so the
    /// garbage collector removes them after it.
    fn condemn_claims(ctx: &mut ComponentCtx, s: &StatefulSet, p: &Pod, ord: i32) {
        let scaled_delete = s
            .spec
            .persistent_volume_claim_retention_policy
            .as_ref()
            .is_some_and(|r| r.when_scaled == "Delete");
        if !scaled_delete {
            return;
        }
        for t in &s.spec.volume_claim_templates {
            let name = claim_name(&t.metadata.name, &s.metadata.name, ord);
            let Ok(o) = ctx
                .api
                .get(Kind::PersistentVolumeClaim, &s.metadata.namespace, &name)
            else {
                continue;
            };
            let Object::PersistentVolumeClaim(c) = &*o else {
                continue;
            };
            if c.metadata
                .owner_references
                .iter()
                .any(|r| r.uid == p.metadata.uid)
            {
                continue;
            }
            let mut c = (**c).clone();
            c.metadata.owner_references.push(OwnerReference {
                api_version: "v1".into(),
                kind: "Pod".into(),
                name: p.metadata.name.clone(),
                uid: p.metadata.uid.clone(),
                controller: None,
                block_owner_deletion: Some(true),
            });
            let _ = ctx.api.update(c.into_object());
        }
    }

    /// The set's pods through the owner index (adopting matching orphans when asked).
    fn claim_pods(ctx: &mut ComponentCtx, s: &StatefulSet, adopt: bool) -> Vec<Arc<Pod>> {
        let uid = &s.metadata.uid;
        let sel = selector(s);
        let mut out = Vec::new();
        for o in ctx.api.store.owned_by(Kind::Pod, uid) {
            let Object::Pod(p) = &*o else { continue };
            if controller_of(p).is_none_or(|c| c.uid != *uid) {
                continue;
            }
            if !sel.matches(&p.metadata.labels) {
                let mut q = (**p).clone();
                q.metadata.owner_references.retain(|r| r.uid != *uid);
                let _ = ctx.api.update(q.into_object());
                continue;
            }
            out.push(p.clone());
        }
        if adopt && !sel.is_nothing() {
            let ns = s.metadata.namespace.clone();
            for o in ctx
                .api
                .list(Kind::Pod, Some(&ns), &sel, &FieldSelector::default())
            {
                let Object::Pod(p) = &*o else { continue };
                if controller_of(p).is_some() || terminating(p) || is_terminal(p) {
                    continue;
                }
                if ordinal(&s.metadata.name, &p.metadata.name).is_none() {
                    continue;
                }
                let mut q = (**p).clone();
                q.metadata.owner_references.push(owner_ref(s, true));
                if let Ok(o) = ctx.api.update(q.into_object()) {
                    if let Object::Pod(p) = &*o {
                        out.push(p.clone());
                    }
                }
            }
        }
        out
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, (ns, name): &Key, adopt: bool) {
        let Ok(o) = ctx.api.get(Kind::StatefulSet, ns, name) else {
            return;
        };
        let Object::StatefulSet(s) = &*o else { return };
        let s = (**s).clone();
        if s.metadata.deletion_timestamp.is_some() {
            return;
        }
        let status = s.status.clone().unwrap_or_default();
        let Some(revs) = history::sync(
            ctx.api,
            &history::Parent {
                kind: "StatefulSet",
                meta: &s.metadata,
                template: &s.spec.template,
                add_hash_label: false,
                collision_count: status.collision_count,
            },
        ) else {
            return;
        };
        let update_rev = revs.current.clone();
        let current_rev: Arc<ControllerRevision> = revs
            .all
            .iter()
            .find(|r| r.metadata.name == status.current_revision)
            .cloned()
            .unwrap_or_else(|| update_rev.clone());
        let min_ready = Millis::from(s.spec.min_ready_seconds.max(0)) * 1000;
        let pods = Self::claim_pods(ctx, &s, adopt);
        self.act(ctx, &s, &pods, &current_rev, &update_rev, min_ready);

        // Count again after this sync's changes.
        let pods = Self::claim_pods(ctx, &s, false);
        let mut live: BTreeSet<String> = BTreeSet::new();
        live.insert(current_rev.metadata.name.clone());
        live.insert(update_rev.metadata.name.clone());
        let mut st = status.clone();
        let (mut replicas, mut ready, mut available, mut current, mut updated) = (0, 0, 0, 0, 0);
        let mut next: Option<Millis> = None;
        for p in &pods {
            live.insert(revision(p).to_string());
            if phase(p).is_empty() {
                continue;
            }
            replicas += 1;
            if running_and_ready(p) {
                ready += 1;
                if is_available(p, min_ready, ctx.now) {
                    available += 1;
                } else if let Some(t) = ready_since(p) {
                    let at = t + min_ready;
                    next = Some(next.map_or(at, |n: Millis| n.min(at)));
                }
            }
            if !terminating(p) {
                if revision(p) == current_rev.metadata.name {
                    current += 1;
                }
                if revision(p) == update_rev.metadata.name {
                    updated += 1;
                }
            }
        }
        if let Some(t) = next {
            self.recheck.insert((t, (ns.clone(), name.clone())));
            ctx.wake_at(t);
        }
        st.observed_generation = s.metadata.generation.unwrap_or(0);
        st.replicas = replicas;
        st.ready_replicas = ready;
        st.available_replicas = available;
        st.current_replicas = current;
        st.updated_replicas = updated;
        st.current_revision = current_rev.metadata.name.clone();
        st.update_revision = update_rev.metadata.name.clone();
        st.collision_count = Some(revs.collision_count.unwrap_or(0));
        // completeRollingUpdate
        if s.spec.update_strategy.type_ == "RollingUpdate"
            && st.updated_replicas == st.replicas
            && st.ready_replicas == st.replicas
        {
            st.current_replicas = st.updated_replicas;
            st.current_revision = st.update_revision.clone();
        }
        history::truncate(
            ctx.api,
            &revs.all,
            &live,
            s.spec.revision_history_limit.unwrap_or(10),
        );
        if s.status.as_ref() != Some(&st) {
            let mut s2 = s.clone();
            s2.status = Some(st);
            let _ = ctx.api.update_status(s2.into_object());
        }
    }

    /// One pass of upstream `updateStatefulSet`: replace failed pods, create missing
    /// ones, delete condemned ones, then the rolling update.
    fn act(
        &mut self,
        ctx: &mut ComponentCtx,
        s: &StatefulSet,
        pods: &[Arc<Pod>],
        current_rev: &ControllerRevision,
        update_rev: &ControllerRevision,
        min_ready: Millis,
    ) {
        let monotonic = s.spec.pod_management_policy != "Parallel";
        let want = s.spec.replicas.unwrap_or(1).max(0);
        let start = s.spec.ordinals.as_ref().map_or(0, |o| o.start.max(0));
        let set = &s.metadata.name;
        let mut replicas: Vec<Option<Arc<Pod>>> = vec![None; want as usize];
        let mut condemned: Vec<(i32, Arc<Pod>)> = Vec::new();
        for p in pods {
            let Some(ord) = ordinal(set, &p.metadata.name) else {
                continue;
            };
            if ord >= start && ord < start + want {
                replicas[(ord - start) as usize] = Some(p.clone());
            } else {
                condemned.push((ord, p.clone()));
            }
        }
        condemned.sort_by_key(|(o, _)| *o);
        let now = ctx.now;
        let healthy =
            |p: &Pod| running_and_ready(p) && !terminating(p) && is_available(p, min_ready, now);
        let first_unhealthy: Option<String> = replicas
            .iter()
            .flatten()
            .chain(condemned.iter().map(|(_, p)| p))
            .find(|p| !healthy(p))
            .map(|p| p.metadata.name.clone());

        // Which revision a new pod gets (upstream `newVersionedStatefulSetPod`).
        let ru = s.spec.update_strategy.rolling_update.as_ref();
        let status_current = s.status.as_ref().map_or(0, |st| st.current_replicas);
        let current_template = history::template_of(current_rev);
        let pod_for = |ord: i32| -> Pod {
            let old = s.spec.update_strategy.type_ == "RollingUpdate"
                && match ru {
                    None => ord < start + status_current,
                    Some(r) => ord < start + r.partition.unwrap_or(0),
                };
            match (&current_template, old) {
                (Some(t), true) => Self::new_pod(s, t, &current_rev.metadata.name, ord),
                _ => Self::new_pod(s, &s.spec.template, &update_rev.metadata.name, ord),
            }
        };

        for (i, slot) in replicas.iter().enumerate() {
            let ord = start + i as i32;
            match slot {
                Some(p) if is_terminal(p) => {
                    if !terminating(p) {
                        self.delete_pod(ctx, s, p);
                    }
                    // A new pod comes once this one is gone.
                    if monotonic {
                        return;
                    }
                }
                None => {
                    let ok = self.create_pod(ctx, s, pod_for(ord));
                    if monotonic || !ok {
                        return;
                    }
                }
                Some(p) => {
                    if monotonic && (terminating(p) || !healthy(p)) {
                        return;
                    }
                }
            }
        }

        // Condemned pods, from the highest ordinal.
        for (ord, p) in condemned.iter().rev() {
            if terminating(p) {
                if monotonic {
                    return;
                }
                continue;
            }
            if monotonic
                && !running_and_ready(p)
                && first_unhealthy.as_ref() != Some(&p.metadata.name)
            {
                return;
            }
            Self::condemn_claims(ctx, s, p, *ord);
            self.delete_pod(ctx, s, p);
            if monotonic {
                return;
            }
        }

        // The rolling update: from the highest ordinal down to the partition.
        if s.spec.update_strategy.type_ != "RollingUpdate" {
            return;
        }
        let update_min = ru.and_then(|r| r.partition).unwrap_or(0).max(0) as usize;
        for i in (update_min..replicas.len()).rev() {
            let Some(p) = &replicas[i] else { return };
            if revision(p) != update_rev.metadata.name && !terminating(p) {
                self.delete_pod(ctx, s, p);
                return;
            }
            if !healthy(p) {
                return;
            }
        }
    }
}

impl Component for StatefulSetController {
    fn name(&self) -> String {
        "kube-controller-manager/statefulset-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.sets = ctx
            .api
            .watch(WatchFilter::all(Kind::StatefulSet), None)
            .ok();
        self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.sets, self.pods]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let mut dirty: BTreeMap<Key, bool> = BTreeMap::new();
        if let Some(w) = self.sets {
            for ev in ctx.api.poll(w) {
                if ev.type_ != WatchType::Deleted {
                    let m = ev.object.meta();
                    let adopt = ev.type_ == WatchType::Added;
                    *dirty
                        .entry((m.namespace.clone(), m.name.clone()))
                        .or_default() |= adopt;
                }
            }
        }
        if let Some(w) = self.pods {
            let any_sets = ctx.api.store.count(Kind::StatefulSet) > 0;
            for ev in ctx.api.poll(w) {
                let Object::Pod(p) = &*ev.object else {
                    continue;
                };
                match controller_of(p) {
                    Some(o) if o.kind == "StatefulSet" => {
                        dirty
                            .entry((p.metadata.namespace.clone(), o.name.clone()))
                            .or_default();
                    }
                    None if any_sets && ev.type_ != WatchType::Deleted => {
                        let ns = p.metadata.namespace.clone();
                        let all = Selector::everything();
                        let none = FieldSelector::default();
                        for o in ctx.api.list(Kind::StatefulSet, Some(&ns), &all, &none) {
                            if let Object::StatefulSet(s) = &*o {
                                if selector(s).matches(&p.metadata.labels) {
                                    dirty.insert((ns.clone(), s.metadata.name.clone()), true);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        while let Some((t, key)) = self.recheck.first().cloned() {
            if t > ctx.now {
                ctx.wake_at(t);
                break;
            }
            self.recheck.pop_first();
            dirty.entry(key).or_default();
        }
        for (key, adopt) in dirty {
            self.sync(ctx, &key, adopt);
        }
        for w in [self.sets, self.pods].into_iter().flatten() {
            ctx.api.poll(w);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    fn set(policy: &str, when_scaled: &str, replicas: i32, claims: bool) -> String {
        let claims = if claims {
            "  volumeClaimTemplates:\n  - metadata:\n      name: www\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 1Gi\n"
        } else {
            ""
        };
        format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: web\n  replicas: {replicas}\n  podManagementPolicy: {policy}\n  persistentVolumeClaimRetentionPolicy:\n    whenScaled: {when_scaled}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n{claims}")
    }

    fn names(sh: &Shell, kind: Kind) -> Vec<String> {
        sh.cluster
            .api
            .list(
                kind,
                Some("default"),
                &Selector::everything(),
                &FieldSelector::default(),
            )
            .iter()
            .map(|o| o.meta().name.clone())
            .collect()
    }

    #[test]
    fn ordered_ready_creates_one_at_a_time() {
        let mut sh = Shell::new(ClusterConfig::default());
        sh.exec(
            "kubectl apply -f -",
            Some(&set("OrderedReady", "Retain", 3, false)),
        );
        assert_eq!(names(&sh, Kind::Pod), ["web-0"]);
        sh.exec("sleep 30s", None);
        assert_eq!(names(&sh, Kind::Pod), ["web-0", "web-1", "web-2"]);
        // Deleting a pod brings it back under the same name.
        sh.exec("kubectl delete pod web-1", None);
        sh.exec("sleep 10s", None);
        assert_eq!(names(&sh, Kind::Pod), ["web-0", "web-1", "web-2"]);
    }

    #[test]
    fn when_scaled_delete_removes_the_condemned_claims() {
        let mut sh = Shell::new(ClusterConfig::default());
        sh.exec(
            "kubectl apply -f -",
            Some(&set("Parallel", "Delete", 2, true)),
        );
        assert_eq!(
            names(&sh, Kind::PersistentVolumeClaim),
            ["www-web-0", "www-web-1"]
        );
        sh.exec("kubectl scale sts web --replicas=1", None);
        sh.exec("sleep 40s", None);
        assert_eq!(names(&sh, Kind::Pod), ["web-0"]);
        assert_eq!(names(&sh, Kind::PersistentVolumeClaim), ["www-web-0"]);
        // Retain keeps them.
        let mut sh = Shell::new(ClusterConfig::default());
        sh.exec(
            "kubectl apply -f -",
            Some(&set("Parallel", "Retain", 2, true)),
        );
        sh.exec("kubectl scale sts web --replicas=1", None);
        sh.exec("sleep 40s", None);
        assert_eq!(
            names(&sh, Kind::PersistentVolumeClaim),
            ["www-web-0", "www-web-1"]
        );
    }

    #[test]
    fn ordinals_from_names() {
        assert_eq!(ordinal("web", "web-0"), Some(0));
        assert_eq!(ordinal("web", "web-12"), Some(12));
        assert_eq!(ordinal("web", "web-01"), None);
        assert_eq!(ordinal("web", "web-x"), None);
        assert_eq!(ordinal("web", "webx-1"), None);
        assert_eq!(ordinal("web", "web-"), None);
        assert_eq!(claim_name("www", "web", 2), "www-web-2");
    }
}
