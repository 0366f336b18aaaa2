//! The disruption controller (`pkg/controller/disruption`): keeps each
//! PodDisruptionBudget's status, which the eviction subresource reads.
//!
//! For a budget, its pods are the pods of its namespace its selector matches (a missing
//! selector matches nothing, an empty one everything), found through the label index.
//! Then, as upstream:
//!
//! - `minAvailable` as a number: `desiredHealthy` is that number, `expectedPods` the
//!   number of pods;
//! - `maxUnavailable`, or `minAvailable` as a percentage: `expectedPods` is the sum of the
//!   scales of the pods' controllers (a ReplicationController, the Deployment of a
//!   ReplicaSet, a ReplicaSet without one, a StatefulSet), the percentage rounded up
//!   against it; `desiredHealthy` is `minAvailable` or `expectedPods - maxUnavailable`.
//!   Pods without a controller are reported once per sync (`UnmanagedPods`), a controller
//!   that cannot be found fails the sync (`NoControllers`,
//!   `CalculateExpectedPodCountFailed`) and the budget allows nothing (`SyncFailed`);
//! - `disruptedPods` (recorded by the eviction subresource) are kept until the pod is
//!   being deleted, or dropped 2 minutes after the eviction (`DeletionTimeout`) if it
//!   never was; a timer brings the budget back then;
//! - `currentHealthy` counts the Ready pods not being deleted and not in `disruptedPods`;
//!   `disruptionsAllowed` is `currentHealthy - desiredHealthy` (0 when negative or when no
//!   pods are expected); the `DisruptionAllowed` condition is `True`/`SufficientPods` or
//!   `False`/`InsufficientPods`, and `observedGeneration` follows the budget.
//!
//! It is incremental: a pod event brings back only the budgets of the pod's namespace
//! whose selector matches it, or that counted it at their last sync (a pod relabelled
//! away); pods are watched only once a budget exists.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::core_v1::Pod;
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::{Condition, Time};
use crate::api::policy_v1::{PodDisruptionBudget, PodDisruptionBudgetStatus};
use crate::api::{IntOrString, Kind, Object, Resource};
use crate::apiserver::eviction::{is_pod_ready, set_disruption_allowed_condition};
use crate::apiserver::store::{WatchFilter, WatchId};
use crate::apiserver::ApiServer;
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

/// `DeletionTimeout`: how long an evicted pod may take to be marked for deletion before
/// the budget counts it again.
pub const DELETION_TIMEOUT_MS: Millis = 2 * 60 * 1000;

type Key = (String, String);

pub struct DisruptionController {
    pdbs: Option<WatchId>,
    pods: Option<WatchId>,
    recorder: Recorder,
    /// Budgets to look at again when a disrupted pod's entry expires: (time, key).
    recheck: BTreeSet<(Millis, Key)>,
    /// The pods each budget counted at its last sync, and the reverse.
    members: BTreeMap<Key, BTreeSet<String>>,
    counted_by: BTreeMap<Key, BTreeSet<String>>,
}

impl Default for DisruptionController {
    fn default() -> Self {
        DisruptionController {
            pdbs: None,
            pods: None,
            recorder: Recorder::legacy("controllermanager", ""),
            recheck: BTreeSet::new(),
            members: BTreeMap::new(),
            counted_by: BTreeMap::new(),
        }
    }
}

fn pdb_selector(p: &PodDisruptionBudget) -> Selector {
    Selector::from_optional_label_selector(p.spec.selector.as_ref())
        .unwrap_or_else(|_| Selector::nothing())
}

impl DisruptionController {
    pub fn new() -> Self {
        Self::default()
    }

    /// The budgets of the pod's namespace that select it.
    fn pdbs_for_pod(api: &ApiServer, p: &Pod, out: &mut BTreeSet<Key>) {
        let ns = &p.metadata.namespace;
        let all = Selector::everything();
        let none = FieldSelector::default();
        for o in api.list(Kind::PodDisruptionBudget, Some(ns), &all, &none) {
            if let Object::PodDisruptionBudget(b) = &*o {
                if pdb_selector(b).matches(&p.metadata.labels) {
                    out.insert((ns.clone(), b.metadata.name.clone()));
                }
            }
        }
    }

    /// The scale of a pod's controller (upstream's finders): its uid and replicas.
    fn controller_scale(
        api: &ApiServer,
        ns: &str,
        kind: &str,
        name: &str,
    ) -> Option<(String, i32)> {
        let got = |k: Kind, n: &str| api.get(k, ns, n).ok();
        match kind {
            "ReplicationController" => match got(Kind::ReplicationController, name)?.as_ref() {
                Object::ReplicationController(rc) => {
                    Some((rc.metadata.uid.clone(), rc.spec.replicas.unwrap_or(1)))
                }
                _ => None,
            },
            "ReplicaSet" => {
                let o = got(Kind::ReplicaSet, name)?;
                let Object::ReplicaSet(rs) = o.as_ref() else {
                    return None;
                };
                let owner = rs
                    .metadata
                    .owner_references
                    .iter()
                    .find(|r| r.controller == Some(true));
                match owner {
                    Some(r) if r.kind == "Deployment" => {
                        match got(Kind::Deployment, &r.name)?.as_ref() {
                            Object::Deployment(d) if d.metadata.uid == r.uid => {
                                Some((d.metadata.uid.clone(), d.spec.replicas.unwrap_or(1)))
                            }
                            _ => None,
                        }
                    }
                    Some(_) => None,
                    None => Some((rs.metadata.uid.clone(), rs.spec.replicas.unwrap_or(1))),
                }
            }
            "StatefulSet" => match got(Kind::StatefulSet, name)?.as_ref() {
                Object::StatefulSet(ss) => {
                    Some((ss.metadata.uid.clone(), ss.spec.replicas.unwrap_or(1)))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Upstream `getExpectedScale`: the sum of the pods' controllers' scales, and the
    /// pods without a controller.
    fn expected_scale(
        &mut self,
        ctx: &mut ComponentCtx,
        pdb: &Object,
        pods: &[Arc<Pod>],
    ) -> Result<(i32, Vec<String>), String> {
        let mut scales: BTreeMap<String, i32> = BTreeMap::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut unmanaged = Vec::new();
        for p in pods {
            let Some(r) = p
                .metadata
                .owner_references
                .iter()
                .find(|r| r.controller == Some(true))
            else {
                unmanaged.push(p.metadata.name.clone());
                continue;
            };
            if !seen.insert(r.uid.clone()) {
                continue;
            }
            match Self::controller_scale(ctx.api, &p.metadata.namespace, &r.kind, &r.name) {
                Some((uid, scale)) => {
                    scales.insert(uid, scale);
                }
                None => {
                    let err = format!("found no controllers for pod {:?}", p.metadata.name);
                    events::record(
                        ctx.api,
                        ctx.now,
                        &mut self.recorder,
                        pdb,
                        EventType::Warning,
                        "NoControllers",
                        "",
                        &err,
                    );
                    return Err(err);
                }
            }
        }
        let total = scales.values().map(|s| i64::from(*s)).sum::<i64>();
        Ok((total.clamp(0, i64::from(i32::MAX)) as i32, unmanaged))
    }

    /// Upstream `getExpectedPodCount`: (expectedPods, desiredHealthy).
    fn expected_pod_count(
        &mut self,
        ctx: &mut ComponentCtx,
        obj: &Object,
        pdb: &PodDisruptionBudget,
        pods: &[Arc<Pod>],
    ) -> Result<(i32, i32), String> {
        let mut unmanaged = Vec::new();
        let counts = if let Some(max_unavailable) = &pdb.spec.max_unavailable {
            let (expected, u) = self.expected_scale(ctx, obj, pods)?;
            unmanaged = u;
            let max = max_unavailable.scaled_value_from_int_or_percent(expected, true)?;
            (expected, expected.saturating_sub(max).max(0))
        } else if let Some(min_available) = &pdb.spec.min_available {
            match min_available {
                IntOrString::Int(i) => (pods.len() as i32, *i),
                IntOrString::String(_) => {
                    let (expected, u) = self.expected_scale(ctx, obj, pods)?;
                    unmanaged = u;
                    let min = min_available.scaled_value_from_int_or_percent(expected, true)?;
                    (expected, min)
                }
            }
        } else {
            (0, 0)
        };
        if !unmanaged.is_empty() {
            let sel = pdb
                .spec
                .selector
                .as_ref()
                .and_then(|s| Selector::from_label_selector(s).ok())
                .map(|s| s.to_string())
                .unwrap_or_default();
            events::record(
                ctx.api,
                ctx.now,
                &mut self.recorder,
                obj,
                EventType::Warning,
                "UnmanagedPods",
                "",
                &format!("Pods selected by this PodDisruptionBudget (selector: {sel}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value."),
            );
        }
        Ok(counts)
    }

    /// Remembers which pods a budget counted (none once it is gone).
    fn set_members(&mut self, (ns, name): &Key, pods: BTreeSet<String>) {
        let key = (ns.clone(), name.clone());
        if let Some(old) = self.members.remove(&key) {
            for p in old {
                let pk = (ns.clone(), p);
                if let Some(b) = self.counted_by.get_mut(&pk) {
                    b.remove(name);
                    if b.is_empty() {
                        self.counted_by.remove(&pk);
                    }
                }
            }
        }
        if pods.is_empty() {
            return;
        }
        for p in &pods {
            self.counted_by
                .entry((ns.clone(), p.clone()))
                .or_default()
                .insert(name.clone());
        }
        self.members.insert(key, pods);
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, key: &Key) {
        let (ns, name) = key;
        let Ok(obj) = ctx.api.get(Kind::PodDisruptionBudget, ns, name) else {
            self.set_members(key, BTreeSet::new());
            return;
        };
        let Object::PodDisruptionBudget(pdb) = &*obj else {
            return;
        };
        let pdb = pdb.clone();
        let sel = pdb_selector(&pdb);
        let pods: Vec<Arc<Pod>> = if sel.is_nothing() {
            Vec::new()
        } else {
            ctx.api
                .list(Kind::Pod, Some(ns), &sel, &FieldSelector::default())
                .iter()
                .filter_map(|o| match &**o {
                    Object::Pod(p) => Some(p.clone()),
                    _ => None,
                })
                .collect()
        };
        self.set_members(key, pods.iter().map(|p| p.metadata.name.clone()).collect());
        let (expected, desired) = match self.expected_pod_count(ctx, &obj, &pdb, &pods) {
            Ok(c) => c,
            Err(e) => {
                events::record(
                    ctx.api,
                    ctx.now,
                    &mut self.recorder,
                    &obj,
                    EventType::Warning,
                    "CalculateExpectedPodCountFailed",
                    "",
                    &format!("Failed to calculate the number of expected pods: {e}"),
                );
                self.fail_safe(ctx, &pdb, &e);
                return;
            }
        };
        // buildDisruptedPodMap: entries for pods not yet being deleted, until they expire.
        let mut disrupted: BTreeMap<String, Time> = BTreeMap::new();
        let mut recheck: Option<Millis> = None;
        let old = pdb.status.clone().unwrap_or_default();
        for p in &pods {
            if p.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let Some(t) = old.disrupted_pods.get(&p.metadata.name) else {
                continue;
            };
            let expires = t.0 + DELETION_TIMEOUT_MS;
            if expires < ctx.now {
                continue;
            }
            disrupted.insert(p.metadata.name.clone(), *t);
            recheck = Some(recheck.map_or(expires, |r: Millis| r.min(expires)));
        }
        if let Some(t) = recheck {
            // Just after the expiry instant (`expires < now` drops it).
            self.recheck.insert((t + 1, (ns.clone(), name.clone())));
            ctx.wake_at(t + 1);
        }
        let healthy = pods
            .iter()
            .filter(|p| {
                p.metadata.deletion_timestamp.is_none()
                    && !disrupted.contains_key(&p.metadata.name)
                    && is_pod_ready(p)
            })
            .count() as i32;
        let mut allowed = healthy.saturating_sub(desired);
        if expected <= 0 || allowed <= 0 {
            allowed = 0;
        }
        let generation = pdb.metadata.generation.unwrap_or(0);
        let mut st = PodDisruptionBudgetStatus {
            observed_generation: generation,
            disrupted_pods: disrupted,
            disruptions_allowed: allowed,
            current_healthy: healthy,
            desired_healthy: desired,
            expected_pods: expected,
            conditions: old.conditions.clone(),
        };
        set_disruption_allowed_condition(&mut st, Time(ctx.now));
        if pdb.status.as_ref() != Some(&st) {
            let mut b = (*pdb).clone();
            b.status = Some(st);
            let _ = ctx.api.update_status(b.into_object());
        }
    }

    /// Upstream `failSafe`: nothing allowed, `DisruptionAllowed=False` (`SyncFailed`).
    fn fail_safe(&mut self, ctx: &mut ComponentCtx, pdb: &PodDisruptionBudget, err: &str) {
        let mut st = pdb.status.clone().unwrap_or_default();
        st.disruptions_allowed = 0;
        st.observed_generation = pdb.metadata.generation.unwrap_or(0);
        let cond = Condition {
            type_: "DisruptionAllowed".into(),
            status: "False".into(),
            observed_generation: Some(st.observed_generation),
            last_transition_time: Some(Time(ctx.now)),
            reason: "SyncFailed".into(),
            message: err.into(),
        };
        match st
            .conditions
            .iter_mut()
            .find(|c| c.type_ == "DisruptionAllowed")
        {
            Some(c) => {
                if c.status != cond.status {
                    c.last_transition_time = cond.last_transition_time;
                }
                c.status = cond.status;
                c.reason = cond.reason;
                c.message = cond.message;
                c.observed_generation = cond.observed_generation;
            }
            None => st.conditions.push(cond),
        }
        if pdb.status.as_ref() != Some(&st) {
            let mut b = pdb.clone();
            b.status = Some(st);
            let _ = ctx.api.update_status(b.into_object());
        }
    }
}

impl Component for DisruptionController {
    fn name(&self) -> String {
        "kube-controller-manager/disruption-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.pdbs = ctx
            .api
            .watch(WatchFilter::all(Kind::PodDisruptionBudget), None)
            .ok();
        // Pods are watched once a budget exists (each sync lists what it needs).
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.pdbs, self.pods]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let mut dirty: BTreeSet<Key> = BTreeSet::new();
        if let Some(w) = self.pdbs {
            for ev in ctx.api.poll(w) {
                let m = ev.object.meta();
                dirty.insert((m.namespace.clone(), m.name.clone()));
            }
        }
        if self.pods.is_none() && !dirty.is_empty() {
            self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
        }
        if let Some(w) = self.pods {
            let events = ctx.api.poll(w);
            if !events.is_empty() && ctx.api.store.count(Kind::PodDisruptionBudget) > 0 {
                for ev in events {
                    if let Object::Pod(p) = &*ev.object {
                        Self::pdbs_for_pod(ctx.api, p, &mut dirty);
                    }
                    // A pod whose labels no longer match still concerns the budgets
                    // that counted it.
                    let m = ev.object.meta();
                    if let Some(b) = self.counted_by.get(&(m.namespace.clone(), m.name.clone())) {
                        for name in b {
                            dirty.insert((m.namespace.clone(), name.clone()));
                        }
                    }
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
        for key in &dirty {
            self.sync(ctx, key);
        }
        // Our own status writes need no second look.
        if let Some(w) = self.pdbs {
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

    fn status(sh: &Shell, name: &str) -> PodDisruptionBudgetStatus {
        match &*sh
            .cluster
            .api
            .get(Kind::PodDisruptionBudget, "default", name)
            .unwrap()
        {
            Object::PodDisruptionBudget(p) => p.status.clone().unwrap_or_default(),
            _ => unreachable!(),
        }
    }

    fn pdb(name: &str, field: &str, value: &str) -> String {
        format!(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\nspec:\n  {field}: {value}\n  selector:\n    matchLabels:\n      app: web\n"
        )
    }

    fn web(replicas: i32) -> Shell {
        let mut sh = Shell::new(ClusterConfig::default());
        sh.exec(
            &format!("kubectl create deployment web --image=nginx --replicas={replicas}"),
            None,
        );
        sh
    }

    #[test]
    fn min_available_number_counts_the_pods() {
        let mut sh = web(3);
        sh.exec("kubectl apply -f -", Some(&pdb("web", "minAvailable", "2")));
        let st = status(&sh, "web");
        assert_eq!(
            (
                st.expected_pods,
                st.desired_healthy,
                st.current_healthy,
                st.disruptions_allowed
            ),
            (3, 2, 0, 0),
            "nothing ready yet"
        );
        assert_eq!(st.conditions[0].reason, "InsufficientPods");
        sh.cluster.advance(10_000);
        let st = status(&sh, "web");
        assert_eq!((st.current_healthy, st.disruptions_allowed), (3, 1));
        assert_eq!(
            (
                st.conditions[0].status.as_str(),
                st.conditions[0].reason.as_str()
            ),
            ("True", "SufficientPods")
        );
        assert_eq!(st.observed_generation, 1);
    }

    #[test]
    fn percentages_scale_with_the_deployment() {
        let mut sh = web(3);
        sh.exec(
            "kubectl apply -f -",
            Some(&pdb("a", "maxUnavailable", "34%")),
        );
        sh.exec(
            "kubectl apply -f -",
            Some(&pdb("b", "minAvailable", "\"50%\"")),
        );
        sh.cluster.advance(10_000);
        // 34% of 3 rounds up to 2 unavailable: 1 healthy wanted.
        let a = status(&sh, "a");
        assert_eq!(
            (a.expected_pods, a.desired_healthy, a.disruptions_allowed),
            (3, 1, 2)
        );
        // 50% of 3 rounds up to 2.
        let b = status(&sh, "b");
        assert_eq!(
            (b.expected_pods, b.desired_healthy, b.disruptions_allowed),
            (3, 2, 1)
        );
        // Scaling the Deployment changes the expected count once the pods change.
        sh.exec("kubectl scale deployment web --replicas=5", None);
        sh.cluster.advance(10_000);
        let a = status(&sh, "a");
        assert_eq!(
            (a.expected_pods, a.desired_healthy, a.current_healthy),
            (5, 3, 5)
        );
    }

    #[test]
    fn disrupted_pods_stay_out_of_the_count_for_two_minutes() {
        let mut sh = web(3);
        sh.exec("kubectl apply -f -", Some(&pdb("web", "minAvailable", "1")));
        sh.cluster.advance(10_000);
        let api = &mut sh.cluster.api;
        let pods = api.list(
            Kind::Pod,
            Some("default"),
            &Selector::everything(),
            &FieldSelector::default(),
        );
        let victim = pods[0].meta().name.clone();
        // An eviction the pod never followed (as if its deletion had been lost).
        let Object::PodDisruptionBudget(p) = &*api
            .get(Kind::PodDisruptionBudget, "default", "web")
            .unwrap()
        else {
            unreachable!()
        };
        let mut p = (**p).clone();
        let now = sh.cluster.now();
        let st = p.status.get_or_insert_with(Default::default);
        st.disrupted_pods.insert(victim.clone(), Time(now));
        sh.cluster.api.update_status(p.into_object()).unwrap();
        sh.cluster.settle();
        let st = status(&sh, "web");
        assert_eq!((st.current_healthy, st.disruptions_allowed), (2, 1));
        assert!(st.disrupted_pods.contains_key(&victim));
        sh.cluster.advance(DELETION_TIMEOUT_MS + 1_000);
        let st = status(&sh, "web");
        assert_eq!((st.current_healthy, st.disruptions_allowed), (3, 2));
        assert!(st.disrupted_pods.is_empty());
    }

    #[test]
    fn a_pod_relabelled_away_leaves_the_count() {
        let mut sh = web(1);
        sh.exec("kubectl apply -f -", Some(&pdb("web", "minAvailable", "0")));
        sh.cluster.advance(10_000);
        assert_eq!(status(&sh, "web").current_healthy, 1);
        let name = sh.cluster.api.list(
            Kind::Pod,
            Some("default"),
            &Selector::everything(),
            &FieldSelector::default(),
        )[0]
        .meta()
        .name
        .clone();
        // The ReplicaSet releases it and makes another; the budget follows both.
        sh.exec(
            &format!("kubectl label pod {name} app=debug --overwrite"),
            None,
        );
        let st = status(&sh, "web");
        assert_eq!((st.expected_pods, st.current_healthy), (1, 0));
        sh.cluster.advance(10_000);
        assert_eq!(status(&sh, "web").current_healthy, 1);
    }

    #[test]
    fn a_missing_controller_fails_safe() {
        let mut sh = Shell::new(ClusterConfig::default());
        sh.exec(
            "kubectl apply -f -",
            Some("apiVersion: v1\nkind: Pod\nmetadata:\n  name: orphan\n  labels:\n    app: web\n  ownerReferences:\n  - apiVersion: apps/v1\n    kind: ReplicaSet\n    name: gone\n    uid: \"0000\"\n    controller: true\nspec:\n  containers:\n  - name: c\n    image: nginx\n"),
        );
        sh.exec(
            "kubectl apply -f -",
            Some(&pdb("web", "maxUnavailable", "1")),
        );
        let st = status(&sh, "web");
        assert_eq!(st.disruptions_allowed, 0);
        assert_eq!(
            (
                st.conditions[0].reason.as_str(),
                st.conditions[0].message.as_str()
            ),
            ("SyncFailed", "found no controllers for pod \"orphan\"")
        );
    }
}
