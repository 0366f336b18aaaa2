//! The `pods/eviction` subresource (`POST /api/v1/namespaces/NS/pods/NAME/eviction`), as
//! upstream's `EvictionREST` (pkg/registry/core/pod/storage/eviction.go) decides it:
//!
//! - the NamespaceLifecycle admission first: no evictions in a terminating namespace
//!   (403 with a `NamespaceTerminating` cause, which `kubectl drain` retries);
//! - a pod that is Pending, Succeeded, Failed or already being deleted is deleted at once,
//!   without looking at budgets (it disrupts nothing more than it already has);
//! - otherwise the PodDisruptionBudgets of the pod's namespace whose selector matches the
//!   pod (a missing selector matches nothing, an empty one everything): more than one is
//!   a 500 `This pod has more than one PodDisruptionBudget, which the eviction
//!   subresource does not support.`; none deletes the pod;
//! - a pod that is not Ready passes without consuming budget when the PDB's
//!   `unhealthyPodEvictionPolicy` is `AlwaysAllow`, or (default `IfHealthyBudget`) when
//!   `currentHealthy >= desiredHealthy > 0`;
//! - otherwise the budget is checked and decremented: status not observed for the PDB's
//!   generation → 429 (retry after 10 s, cause `The disruption budget web is still being
//!   processed by the server.`); a negative budget or more than 2,000 recorded disruptions
//!   → 403; `disruptionsAllowed` 0 → 429 `Cannot evict pod as it would violate the pod's
//!   disruption budget.` (cause `The disruption budget web needs 2 healthy pods and has 2
//!   currently`); else `disruptionsAllowed` goes down by one (with the `DisruptionAllowed`
//!   condition turned False at 0) and the pod is recorded in `status.disruptedPods` with
//!   the time, through the PDB's status;
//! - the pod then gets the `DisruptionTarget` condition (reason `EvictionByEvictionAPI`)
//!   and is deleted with the eviction's options (gracefully, as `kubectl delete`).
//!
//! The checks read the status the disruption controller (`controllers/disruption.rs`)
//! keeps; the pods recorded in `disruptedPods` stay out of its healthy count until they
//! are deleted or 2 minutes pass. The server is single-threaded, so the
//! conflict retries upstream runs (20 tries, 500 ms apart) reduce to one attempt; the
//! resourceVersion preconditions upstream adds are still checked.

use std::sync::Arc;

use super::{ApiError, ApiServer, DeleteOptions, Reason};
use crate::api::core_v1::{Pod, PodCondition};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::{Condition, Time};
use crate::api::policy_v1::PodDisruptionBudget;
use crate::api::{Kind, Object, Resource};

/// `MaxDisruptedPodSize`: evictions approved but not yet seen by the disruption
/// controller beyond which the server refuses more.
pub const MAX_DISRUPTED_POD_SIZE: usize = 2000;

/// `policyv1.DisruptionBudgetCause`.
pub const DISRUPTION_BUDGET_CAUSE: &str = "DisruptionBudget";
/// `corev1.NamespaceTerminatingCause`.
pub const NAMESPACE_TERMINATING_CAUSE: &str = "NamespaceTerminating";

/// The message of every budget refusal.
pub const PDB_VIOLATION: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

impl ApiServer {
    /// Evicts a pod (the `pods/eviction` subresource): checks its PodDisruptionBudget,
    /// then deletes it with `opts`. Returns the pod as the delete left it (with its
    /// `deletionTimestamp` when the deletion is graceful).
    pub fn evict(
        &mut self,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Arc<Object>, ApiError> {
        self.evict_with(namespace, name, opts, false)
    }

    /// [`ApiServer::evict`] with `dryRun=All` when `dry_run`: every check runs, nothing is
    /// written (neither the budget nor the pod).
    pub fn evict_with(
        &mut self,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
        dry_run: bool,
    ) -> Result<Arc<Object>, ApiError> {
        self.admit_eviction(namespace, name)?;
        let pod = self.pod(namespace, name)?;
        if can_ignore_pdb(&pod) {
            let mut del = opts.clone();
            if should_enforce_resource_version(&pod) && del.precondition_rv.is_none() {
                del.precondition_rv = Some(pod.metadata.resource_version.clone());
            }
            return self.add_condition_and_delete(namespace, name, &del, dry_run);
        }

        let pdbs = self.matching_pdbs(&pod);
        let mut update_deletion_options = false;
        let mut pdb_name = String::new();
        if pdbs.len() > 1 {
            return Err(ApiError::internal(
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.".into(),
            ));
        }
        if let Some(pdb) = pdbs.first() {
            pdb_name = pdb.metadata.name.clone();
            let status = pdb.status.clone().unwrap_or_default();
            let unhealthy_passes = !is_pod_ready(&pod)
                && (pdb.spec.unhealthy_pod_eviction_policy.as_deref() == Some("AlwaysAllow")
                    || (status.current_healthy >= status.desired_healthy
                        && status.desired_healthy > 0));
            if unhealthy_passes {
                // The unready pod does not count towards the budget: delete it without
                // decrementing, provided it has not turned ready since it was read.
                update_deletion_options = true;
            } else {
                self.check_and_decrement(&pod, pdb, dry_run)?;
            }
        }

        let mut del = opts.clone();
        if update_deletion_options {
            del.precondition_rv = Some(pod.metadata.resource_version.clone());
        }
        match self.add_condition_and_delete(namespace, name, &del, dry_run) {
            Err(e)
                if e.reason == Reason::Conflict
                    && update_deletion_options
                    && opts.precondition_rv.is_none() =>
            {
                Err(still_processing(&pdb_name))
            }
            other => other,
        }
    }

    /// NamespaceLifecycle for the eviction (a create on a subresource): a terminating
    /// namespace refuses it.
    fn admit_eviction(&self, namespace: &str, name: &str) -> Result<(), ApiError> {
        let terminating = self
            .store
            .get(Kind::Namespace, "", namespace)
            .is_some_and(|n| n.meta().deletion_timestamp.is_some());
        if !terminating {
            return Ok(());
        }
        let why = format!(
            "unable to create new content in namespace {namespace} because it is being terminated"
        );
        Err(
            ApiError::new_forbidden(format!("pods {name:?} is forbidden: {why}"))
                .with_cause(NAMESPACE_TERMINATING_CAUSE, why),
        )
    }

    fn pod(&self, namespace: &str, name: &str) -> Result<Pod, ApiError> {
        match &*self.get(Kind::Pod, namespace, name)? {
            Object::Pod(p) => Ok((**p).clone()),
            _ => Err(ApiError::not_found(Kind::Pod, name)),
        }
    }

    /// The PDBs of the pod's namespace whose selector matches it (an invalid selector
    /// matches nothing).
    fn matching_pdbs(&self, pod: &Pod) -> Vec<PodDisruptionBudget> {
        self.list(
            Kind::PodDisruptionBudget,
            Some(&pod.metadata.namespace),
            &Selector::everything(),
            &FieldSelector::everything(),
        )
        .iter()
        .filter_map(|o| match &**o {
            Object::PodDisruptionBudget(p) => Some((**p).clone()),
            _ => None,
        })
        .filter(|pdb| {
            Selector::from_optional_label_selector(pdb.spec.selector.as_ref())
                .is_ok_and(|s| s.matches(&pod.metadata.labels))
        })
        .collect()
    }

    /// Upstream `checkAndDecrement`: refuses when the budget is not known or used up,
    /// otherwise takes one disruption and records the pod (not in a dry run).
    fn check_and_decrement(
        &mut self,
        pod: &Pod,
        pdb: &PodDisruptionBudget,
        dry_run: bool,
    ) -> Result<(), ApiError> {
        let name = &pdb.metadata.name;
        let mut status = pdb.status.clone().unwrap_or_default();
        if status.observed_generation < pdb.metadata.generation.unwrap_or(0) {
            return Err(still_processing(name));
        }
        if status.disruptions_allowed < 0 {
            return Err(pdb_forbidden(name, "pdb disruptions allowed is negative"));
        }
        if status.disrupted_pods.len() > MAX_DISRUPTED_POD_SIZE {
            return Err(pdb_forbidden(
                name,
                "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
            ));
        }
        if status.disruptions_allowed == 0 {
            return Err(
                ApiError::too_many_requests(PDB_VIOLATION.into(), 0).with_cause(
                    DISRUPTION_BUDGET_CAUSE,
                    format!(
                        "The disruption budget {name} needs {} healthy pods and has {} currently",
                        status.desired_healthy, status.current_healthy
                    ),
                ),
            );
        }
        status.disruptions_allowed -= 1;
        let now = Time(self.now / 1000 * 1000);
        if status.disruptions_allowed == 0 {
            set_disruption_allowed_condition(&mut status, now);
        }
        if dry_run {
            return Ok(());
        }
        status.disrupted_pods.insert(pod.metadata.name.clone(), now);
        let mut updated = pdb.clone();
        updated.status = Some(status);
        self.update_status(updated.into_object()).map(|_| ())
    }

    /// Upstream `addConditionAndDeletePod`: the `DisruptionTarget` condition through the
    /// pod's status (checking the resourceVersion precondition, then moving it to the
    /// version that update wrote), then the delete.
    fn add_condition_and_delete(
        &mut self,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
        dry_run: bool,
    ) -> Result<Arc<Object>, ApiError> {
        let latest = self.pod(namespace, name)?;
        if let Some(rv) = &opts.precondition_rv {
            if !rv.is_empty() && *rv != latest.metadata.resource_version {
                return Err(ApiError::new_conflict(format!(
                    "Operation cannot be fulfilled on Pod {name:?}: the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({}). The object might have been modified",
                    latest.metadata.resource_version
                )));
            }
        }
        if dry_run {
            // `dryRun=All`: the delete would be validated, nothing is written.
            return self.get(Kind::Pod, namespace, name);
        }
        let mut pod = latest;
        let now = Time(self.now / 1000 * 1000);
        update_pod_condition(
            pod.status.get_or_insert_with(Default::default),
            PodCondition {
                type_: "DisruptionTarget".into(),
                status: "True".into(),
                reason: "EvictionByEvictionAPI".into(),
                message: "Eviction API: evicting".into(),
                ..Default::default()
            },
            now,
        );
        let updated = self.update_status(pod.into_object())?;
        let mut opts = opts.clone();
        if opts.precondition_rv.is_some() {
            opts.precondition_rv = Some(updated.meta().resource_version.clone());
        }
        self.delete(Kind::Pod, namespace, name, &opts)
    }
}

/// `createTooManyRequestsError`: the budget's status has not caught up with its spec (or
/// the pod changed under an unready-pod eviction); retry after 10 s.
fn still_processing(pdb: &str) -> ApiError {
    ApiError::too_many_requests(PDB_VIOLATION.into(), 10).with_cause(
        DISRUPTION_BUDGET_CAUSE,
        format!("The disruption budget {pdb} is still being processed by the server."),
    )
}

/// `NewForbidden(policy.Resource("poddisruptionbudget"), name, err)`: upstream names the
/// resource in the singular here.
fn pdb_forbidden(name: &str, why: &str) -> ApiError {
    ApiError::new_forbidden(format!(
        "poddisruptionbudget.policy {name:?} is forbidden: {why}"
    ))
}

fn phase(pod: &Pod) -> &str {
    pod.status.as_ref().map_or("", |s| s.phase.as_str())
}

/// Upstream `canIgnorePDB`: terminal, Pending and terminating pods are deleted without
/// looking at budgets.
fn can_ignore_pdb(pod: &Pod) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed" | "Pending")
        || pod.metadata.deletion_timestamp.is_some()
}

/// Upstream `shouldEnforceResourceVersion`: everything but terminal and terminating pods
/// is deleted with a resourceVersion precondition (so a pod that turned ready meanwhile
/// is not deleted behind its budget's back).
fn should_enforce_resource_version(pod: &Pod) -> bool {
    !(matches!(phase(pod), "Succeeded" | "Failed") || pod.metadata.deletion_timestamp.is_some())
}

/// `podutil.IsPodReady`: the Ready condition is True.
pub fn is_pod_ready(pod: &Pod) -> bool {
    pod.status.as_ref().is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
    })
}

/// `podutil.UpdatePodCondition`: adds the condition, or replaces the one of its type,
/// keeping the transition time when the status did not change.
fn update_pod_condition(
    status: &mut crate::api::core_v1::PodStatus,
    mut cond: PodCondition,
    now: Time,
) {
    cond.last_transition_time = Some(now);
    match status.conditions.iter_mut().find(|c| c.type_ == cond.type_) {
        None => status.conditions.push(cond),
        Some(old) => {
            if old.status == cond.status {
                cond.last_transition_time = old.last_transition_time;
            }
            *old = cond;
        }
    }
}

/// `pdbhelper.UpdateDisruptionAllowedCondition` with `meta.SetStatusCondition`: the
/// `DisruptionAllowed` condition, True (`SufficientPods`) while disruptions are allowed,
/// False (`InsufficientPods`) at 0.
pub(crate) fn set_disruption_allowed_condition(
    status: &mut crate::api::policy_v1::PodDisruptionBudgetStatus,
    now: Time,
) {
    let (st, reason) = if status.disruptions_allowed > 0 {
        ("True", "SufficientPods")
    } else {
        ("False", "InsufficientPods")
    };
    let observed = Some(status.observed_generation);
    match status
        .conditions
        .iter_mut()
        .find(|c| c.type_ == "DisruptionAllowed")
    {
        Some(c) => {
            if c.status != st {
                c.status = st.into();
                c.last_transition_time = Some(now);
            }
            c.reason = reason.into();
            c.message = String::new();
            c.observed_generation = observed;
        }
        None => status.conditions.push(Condition {
            type_: "DisruptionAllowed".into(),
            status: st.into(),
            observed_generation: observed,
            last_transition_time: Some(now),
            reason: reason.into(),
            message: String::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    fn shell() -> Shell {
        Shell::new(ClusterConfig::default())
    }

    /// A pod pinned to node-1 with `app=web`, made Running (and Ready when `ready`).
    fn running_pod(sh: &mut Shell, name: &str, ready: bool) {
        let out = sh.exec(
            "kubectl apply -f -",
            Some(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n    app: web\nspec:\n  nodeName: node-1\n  containers:\n  - name: c\n    image: nginx\n"
            )),
        );
        assert_eq!(out, format!("pod/{name} created\n"));
        set_pod_phase(sh, name, "Running", ready);
    }

    fn set_pod_phase(sh: &mut Shell, name: &str, phase: &str, ready: bool) {
        let api = &mut sh.cluster.api;
        let Object::Pod(p) = &*api.get(Kind::Pod, "default", name).unwrap() else {
            panic!()
        };
        let mut p = (**p).clone();
        let st = p.status.get_or_insert_with(Default::default);
        st.phase = phase.into();
        st.conditions.retain(|c| c.type_ != "Ready");
        st.conditions.push(PodCondition {
            type_: "Ready".into(),
            status: if ready { "True" } else { "False" }.into(),
            ..Default::default()
        });
        api.update_status(p.into_object()).unwrap();
    }

    fn pdb(sh: &mut Shell, name: &str, selector: &str) {
        let out = sh.exec(
            "kubectl apply -f -",
            Some(&format!(
                "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\nspec:\n  minAvailable: 2\n  selector:\n{selector}"
            )),
        );
        assert!(out.contains("created"), "{out}");
    }

    /// Writes a PDB status as the disruption controller would.
    fn pdb_status(sh: &mut Shell, name: &str, allowed: i32, current: i32, desired: i32) {
        let api = &mut sh.cluster.api;
        let Object::PodDisruptionBudget(p) =
            &*api.get(Kind::PodDisruptionBudget, "default", name).unwrap()
        else {
            panic!()
        };
        let mut p = (**p).clone();
        p.status = Some(crate::api::policy_v1::PodDisruptionBudgetStatus {
            observed_generation: p.metadata.generation.unwrap_or(0),
            disruptions_allowed: allowed,
            current_healthy: current,
            desired_healthy: desired,
            expected_pods: current,
            ..Default::default()
        });
        api.update_status(p.into_object()).unwrap();
    }

    fn get_pdb(sh: &Shell, name: &str) -> PodDisruptionBudget {
        match &*sh
            .cluster
            .api
            .get(Kind::PodDisruptionBudget, "default", name)
            .unwrap()
        {
            Object::PodDisruptionBudget(p) => (**p).clone(),
            _ => panic!(),
        }
    }

    const MATCH_WEB: &str = "    matchLabels:\n      app: web\n";

    #[test]
    fn pending_and_terminal_pods_ignore_budgets() {
        let mut sh = shell();
        running_pod(&mut sh, "lone", false);
        set_pod_phase(&mut sh, "lone", "Pending", false);
        pdb(&mut sh, "web", "    matchLabels: {}\n");
        pdb_status(&mut sh, "web", 0, 0, 2);
        // A Pending pod (nothing runs containers yet) goes without consulting the budget.
        let api = &mut sh.cluster.api;
        let gone = api
            .evict("default", "lone", &DeleteOptions::default())
            .unwrap();
        assert_eq!(gone.meta().name, "lone");
        // The eviction of a missing pod is a 404.
        let e = api
            .evict("default", "nope", &DeleteOptions::default())
            .unwrap_err();
        assert_eq!(e.reason, Reason::NotFound);
        assert_eq!(e.message, "pods \"nope\" not found");
        running_pod(&mut sh, "done", false);
        set_pod_phase(&mut sh, "done", "Succeeded", false);
        pdb_status(&mut sh, "web", 0, 0, 2);
        assert!(sh
            .cluster
            .api
            .evict("default", "done", &DeleteOptions::default())
            .is_ok());
        assert!(sh.cluster.api.get(Kind::Pod, "default", "done").is_err());
    }

    #[test]
    fn a_used_up_budget_refuses_with_429_and_its_cause() {
        let mut sh = shell();
        running_pod(&mut sh, "web-1", true);
        pdb(&mut sh, "web", MATCH_WEB);
        // Status not yet observed for generation 1 (as before the disruption controller
        // catches up).
        pdb_status(&mut sh, "web", 1, 1, 1);
        let api = &mut sh.cluster.api;
        let Object::PodDisruptionBudget(p) = &*api
            .get(Kind::PodDisruptionBudget, "default", "web")
            .unwrap()
        else {
            panic!()
        };
        let mut p = (**p).clone();
        if let Some(st) = p.status.as_mut() {
            st.observed_generation = 0;
        }
        api.update_status(p.into_object()).unwrap();
        let e = api
            .evict("default", "web-1", &DeleteOptions::default())
            .unwrap_err();
        assert_eq!(e.reason, Reason::TooManyRequests);
        assert_eq!(e.code(), 429);
        assert_eq!(e.message, PDB_VIOLATION);
        assert_eq!(e.retry_after_seconds(), 10);
        assert_eq!(
            e.status_causes()[0].message,
            "The disruption budget web is still being processed by the server."
        );
        pdb_status(&mut sh, "web", 0, 2, 2);
        let e = sh
            .cluster
            .api
            .evict("default", "web-1", &DeleteOptions::default())
            .unwrap_err();
        assert_eq!(e.reason, Reason::TooManyRequests);
        assert_eq!(e.retry_after_seconds(), 0);
        assert_eq!(e.status_causes()[0].type_, "DisruptionBudget");
        assert_eq!(
            e.status_causes()[0].message,
            "The disruption budget web needs 2 healthy pods and has 2 currently"
        );
        assert!(sh.cluster.api.get(Kind::Pod, "default", "web-1").is_ok());
        pdb_status(&mut sh, "web", -1, 2, 2);
        let e = sh
            .cluster
            .api
            .evict("default", "web-1", &DeleteOptions::default())
            .unwrap_err();
        assert_eq!(e.reason, Reason::Forbidden);
        assert_eq!(
            e.message,
            "poddisruptionbudget.policy \"web\" is forbidden: pdb disruptions allowed is negative"
        );
    }

    #[test]
    fn an_allowed_disruption_is_taken_and_recorded() {
        let mut sh = shell();
        running_pod(&mut sh, "web-1", true);
        pdb(&mut sh, "web", MATCH_WEB);
        pdb_status(&mut sh, "web", 1, 3, 2);
        let now = sh.cluster.now();
        // A dry run checks and writes nothing.
        sh.cluster
            .api
            .evict_with("default", "web-1", &DeleteOptions::default(), true)
            .unwrap();
        assert_eq!(get_pdb(&sh, "web").status.unwrap().disruptions_allowed, 1);
        let evicted = sh
            .cluster
            .api
            .evict("default", "web-1", &DeleteOptions::default())
            .unwrap();
        // Graceful: the pod carries its deletionTimestamp and the DisruptionTarget condition.
        let Object::Pod(p) = &*evicted else { panic!() };
        assert_eq!(
            p.metadata.deletion_timestamp,
            Some(Time(now / 1000 * 1000 + 30_000))
        );
        let c = p
            .status
            .as_ref()
            .unwrap()
            .conditions
            .iter()
            .find(|c| c.type_ == "DisruptionTarget")
            .unwrap();
        assert_eq!(
            (c.status.as_str(), c.reason.as_str(), c.message.as_str()),
            ("True", "EvictionByEvictionAPI", "Eviction API: evicting")
        );
        let st = get_pdb(&sh, "web").status.unwrap();
        assert_eq!(st.disruptions_allowed, 0);
        assert_eq!(
            st.disrupted_pods.get("web-1"),
            Some(&Time(now / 1000 * 1000))
        );
        let cond = &st.conditions[0];
        assert_eq!(
            (
                cond.type_.as_str(),
                cond.status.as_str(),
                cond.reason.as_str()
            ),
            ("DisruptionAllowed", "False", "InsufficientPods")
        );
        // The kubelet finishes the deletion once the cluster reacts.
        sh.cluster.settle();
        assert!(sh.cluster.api.get(Kind::Pod, "default", "web-1").is_err());
    }

    #[test]
    fn unready_pods_pass_when_the_budget_is_healthy_or_always_allows() {
        let mut sh = shell();
        running_pod(&mut sh, "web-1", false);
        running_pod(&mut sh, "web-2", false);
        pdb(&mut sh, "web", MATCH_WEB);
        // IfHealthyBudget and an unhealthy application: the budget decides (0 → 429).
        pdb_status(&mut sh, "web", 0, 1, 2);
        let e = sh
            .cluster
            .api
            .evict("default", "web-1", &DeleteOptions::default())
            .unwrap_err();
        assert_eq!(e.reason, Reason::TooManyRequests);
        // Healthy application: the unready pod goes without consuming budget.
        pdb_status(&mut sh, "web", 0, 2, 2);
        sh.cluster
            .api
            .evict("default", "web-1", &DeleteOptions::default())
            .unwrap();
        assert_eq!(get_pdb(&sh, "web").status.unwrap().disruptions_allowed, 0);
        // AlwaysAllow: any unready pod goes.
        let mut p = get_pdb(&sh, "web");
        p.spec.unhealthy_pod_eviction_policy = Some("AlwaysAllow".into());
        sh.cluster.api.update(p.into_object()).unwrap();
        pdb_status(&mut sh, "web", 0, 0, 2);
        sh.cluster
            .api
            .evict("default", "web-2", &DeleteOptions::default())
            .unwrap();
        assert!(get_pdb(&sh, "web")
            .status
            .unwrap()
            .disrupted_pods
            .is_empty());
    }

    #[test]
    fn two_budgets_are_refused_and_grace_periods_are_kept() {
        let mut sh = shell();
        running_pod(&mut sh, "web-1", true);
        pdb(&mut sh, "web", MATCH_WEB);
        pdb(&mut sh, "all", "    matchLabels: {}\n");
        let e = sh
            .cluster
            .api
            .evict("default", "web-1", &DeleteOptions::default())
            .unwrap_err();
        assert_eq!(e.code(), 500);
        assert_eq!(e.message, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        sh.exec("kubectl delete pdb all", None);
        pdb_status(&mut sh, "web", 2, 3, 1);
        let opts = DeleteOptions {
            grace_period_seconds: Some(5),
            ..Default::default()
        };
        let now = sh.cluster.now();
        let p = sh.cluster.api.evict("default", "web-1", &opts).unwrap();
        assert_eq!(
            p.meta().deletion_timestamp,
            Some(Time(now / 1000 * 1000 + 5_000))
        );
        let st = get_pdb(&sh, "web").status.unwrap();
        assert_eq!(st.disruptions_allowed, 1);
        assert!(st.conditions.is_empty());
    }

    #[test]
    fn terminating_namespaces_refuse_evictions() {
        let mut sh = shell();
        let api = &mut sh.cluster.api;
        let Object::Namespace(ns) = &*api.get(Kind::Namespace, "", "default").unwrap() else {
            panic!()
        };
        let mut ns = (**ns).clone();
        ns.metadata.deletion_timestamp = Some(Time(0));
        api.store.put(ns.into_object());
        let e = api
            .evict("default", "web-1", &DeleteOptions::default())
            .unwrap_err();
        assert_eq!(e.reason, Reason::Forbidden);
        assert!(e.has_cause(NAMESPACE_TERMINATING_CAUSE));
        assert_eq!(e.message, "pods \"web-1\" is forbidden: unable to create new content in namespace default because it is being terminated");
    }
}
