//! VolumeBinding (upstream `plugins/volumebinding`) and VolumeRestrictions (a hook).
//!
//! VolumeBinding, as upstream v1.33 with the default feature gates:
//! - PreFilter: a pod with no claim volumes (`persistentVolumeClaim`, generic
//!   `ephemeral`) returns Skip, so it costs nothing more. Otherwise every claim must
//!   exist (`persistentvolumeclaim "data" not found`), not be being deleted or Lost;
//!   claims not yet bound whose class binds Immediately make the pod
//!   `pod has unbound immediate PersistentVolumeClaims` (UnschedulableAndUnresolvable:
//!   the pod waits for the PV controller). Bound claims whose volumes are pinned by
//!   `kubernetes.io/hostname In [...]` narrow the nodes to those (`GetEligibleNodes`).
//! - Filter ([`find_pod_volumes`]): bound claims' volumes must allow the node
//!   (`node(s) had volume node affinity conflict`, or `node(s) unavailable due to one or
//!   more pvc(s) bound to non-existent pv(s)`); each WaitForFirstConsumer claim must get
//!   an Available volume that fits the node (smallest first) or be provisionable there:
//!   a class with a provisioner other than `kubernetes.io/no-provisioner` whose
//!   `allowedTopologies` match the node; a claim whose `selected-node` names another
//!   node fails at once (`node(s) didn't find available persistent volumes to bind`).
//! - Reserve/PreBind are done by the component (`component.rs`): it writes the chosen
//!   volumes' `claimRef` and the claims' `volume.kubernetes.io/selected-node`, then binds
//!   the pod once every claim is bound (upstream polls for 10 minutes).
//!
//! VolumeRestrictions (ReadWriteOncePod conflicts, in-tree disk conflicts) passes every
//! node (PreFilter Skip).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::api::core_v1::{PersistentVolume, PersistentVolumeClaim, Pod};
use crate::scheduler::cache::Cache;
use crate::scheduler::framework::{
    filter_each, Code, CycleState, FilterPlugin, Handle, Plugin, PreFilterPlugin, PreFilterResult,
    Status,
};
use crate::scheduler::types::{NodeInfo, PodInfo};
use crate::volume_util::{self as vu, ANN_BIND_COMPLETED, ANN_SELECTED_NODE};

/// Upstream `ErrReasonBindConflict`.
pub const ERR_REASON_BIND_CONFLICT: &str =
    "node(s) didn't find available persistent volumes to bind";
/// Upstream `ErrReasonNodeConflict`.
pub const ERR_REASON_NODE_CONFLICT: &str = "node(s) had volume node affinity conflict";
/// Upstream `ErrReasonPVNotExist`.
pub const ERR_REASON_PV_NOT_EXIST: &str =
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
/// The PreFilter reason for claims the PV controller has not bound yet.
pub const ERR_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";

/// The VolumeRestrictions plugin (hook).
pub struct VolumeRestrictions;
/// The VolumeBinding plugin.
pub struct VolumeBinding;

impl Plugin for VolumeRestrictions {
    fn name(&self) -> &'static str {
        "VolumeRestrictions"
    }
}

impl PreFilterPlugin for VolumeRestrictions {
    fn pre_filter(
        &self,
        _h: &Handle<'_>,
        _s: &mut CycleState,
        _p: &PodInfo,
    ) -> (PreFilterResult, Status) {
        (None, Status::skip())
    }
}

impl FilterPlugin for VolumeRestrictions {
    fn filter(&self, _h: &Handle<'_>, _s: &CycleState, _p: &PodInfo, _n: &NodeInfo) -> Status {
        Status::success()
    }
    fn filter_nodes(
        &self,
        _h: &Handle<'_>,
        _s: &CycleState,
        _p: &PodInfo,
        _nodes: &[&NodeInfo],
        _failed: &mut [Option<Status>],
    ) {
    }
}

/// A pod's claims, sorted as upstream's `GetPodVolumeClaims` does.
#[derive(Clone, Debug, Default)]
pub struct PodVolumeClaims {
    /// Claims bound to a volume (`volumeName` set and `bind-completed`).
    pub bound: Vec<Arc<PersistentVolumeClaim>>,
    /// Unbound claims of WaitForFirstConsumer classes: the scheduler picks.
    pub delayed: Vec<Arc<PersistentVolumeClaim>>,
    /// Unbound claims the PV controller should bind (Immediate, or pre-bound).
    pub immediate: Vec<Arc<PersistentVolumeClaim>>,
}

/// What binding the pod's volumes on one node takes (upstream `PodVolumes`).
#[derive(Clone, Debug, Default)]
pub struct PodVolumes {
    /// Available volumes chosen for delayed claims.
    pub static_bindings: Vec<(Arc<PersistentVolume>, Arc<PersistentVolumeClaim>)>,
    /// Delayed claims a provisioner must serve on this node.
    pub dynamic_provisions: Vec<Arc<PersistentVolumeClaim>>,
}

/// Whether a claim is fully bound (upstream `isPVCFullyBound`).
pub fn claim_fully_bound(c: &PersistentVolumeClaim) -> bool {
    !c.spec.volume_name.is_empty() && c.metadata.annotations.contains_key(ANN_BIND_COMPLETED)
}

fn is_delay_binding(cache: &Cache, c: &PersistentVolumeClaim) -> bool {
    let class = vu::claim_class(c);
    !class.is_empty()
        && cache
            .storage_class(class)
            .is_some_and(|sc| sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"))
}

/// Upstream `podHasPVCs` and `GetPodVolumeClaims`: `Ok(None)` for a pod without claim
/// volumes, the unresolvable reason for a missing, deleted or lost claim.
pub fn pod_volume_claims(cache: &Cache, pod: &Pod) -> Result<Option<PodVolumeClaims>, String> {
    if !vu::pod_has_claims(pod) {
        return Ok(None);
    }
    let mut out = PodVolumeClaims::default();
    for v in &pod.spec.volumes {
        let Some((name, ephemeral)) = vu::volume_claim_name(pod, v) else {
            continue;
        };
        let key = format!("{}/{}", pod.metadata.namespace, name);
        let Some(c) = cache.pvc(&key) else {
            return Err(if ephemeral {
                format!("waiting for ephemeral volume controller to create the persistentvolumeclaim {name:?}")
            } else {
                format!("persistentvolumeclaim {name:?} not found")
            });
        };
        if c.status.as_ref().is_some_and(|s| s.phase == "Lost") {
            return Err(format!(
                "persistentvolumeclaim {name:?} bound to non-existent persistentvolume {:?}",
                c.spec.volume_name
            ));
        }
        if c.metadata.deletion_timestamp.is_some() {
            return Err(format!("persistentvolumeclaim {name:?} is being deleted"));
        }
        if ephemeral
            && !c
                .metadata
                .owner_references
                .iter()
                .any(|o| o.controller == Some(true) && o.uid == pod.metadata.uid)
        {
            return Err(format!(
                "PVC {}/{name} was not created for pod {}/{} (pod is not owner)",
                pod.metadata.namespace, pod.metadata.namespace, pod.metadata.name
            ));
        }
        if claim_fully_bound(c) {
            out.bound.push(c.clone());
        } else if is_delay_binding(cache, c) && c.spec.volume_name.is_empty() {
            out.delayed.push(c.clone());
        } else {
            out.immediate.push(c.clone());
        }
    }
    Ok(Some(out))
}

/// Upstream `GetEligibleNodes`: the nodes the bound claims' local volumes allow
/// (`None`: not narrowed).
fn eligible_nodes(cache: &Cache, claims: &PodVolumeClaims) -> Option<BTreeSet<String>> {
    let mut out: Option<BTreeSet<String>> = None;
    for c in &claims.bound {
        let pv = cache.pv(&c.spec.volume_name)?;
        let names = vu::local_volume_node_names(pv);
        if names.is_empty() {
            continue;
        }
        let set: BTreeSet<String> = names.into_iter().collect();
        out = Some(match out {
            None => set,
            Some(prev) => prev.intersection(&set).cloned().collect(),
        });
    }
    out
}

/// Upstream `FindPodVolumes` for one node: the bindings and provisions the pod's
/// delayed claims need there, or the reasons the node cannot serve the claims
/// (`Err(Ok(reasons))`), or an internal error (`Err(Err(message))`).
#[allow(clippy::type_complexity)]
pub fn find_pod_volumes(
    cache: &Cache,
    claims: &PodVolumeClaims,
    node: &NodeInfo,
) -> Result<PodVolumes, Result<Vec<&'static str>, String>> {
    let labels = &node.node.metadata.labels;
    let name: &str = &node.name;
    let (mut bound_ok, mut unbound_ok, mut pvs_found) = (true, true, true);
    for c in &claims.bound {
        match cache.pv(&c.spec.volume_name) {
            None => {
                pvs_found = false;
                break;
            }
            Some(pv) => {
                if !vu::volume_fits_node(pv, name, labels) {
                    bound_ok = false;
                    break;
                }
            }
        }
    }
    let mut result = PodVolumes::default();
    if bound_ok && pvs_found {
        let mut to_match = Vec::new();
        let mut to_provision = Vec::new();
        for c in &claims.delayed {
            match c.metadata.annotations.get(ANN_SELECTED_NODE) {
                Some(sel) if sel != name => {
                    unbound_ok = false;
                    break;
                }
                Some(_) => to_provision.push(c.clone()),
                None => to_match.push(c.clone()),
            }
        }
        if unbound_ok {
            let mut chosen: BTreeSet<String> = BTreeSet::new();
            for c in to_match {
                let class = vu::claim_class(&c);
                let pv = {
                    let excluded = |n: &str| chosen.contains(n);
                    vu::find_matching_volume(
                        &c,
                        cache
                            .pvs()
                            .filter(|v| vu::volume_class(v) == class)
                            .map(|v| &**v),
                        Some((name, labels)),
                        &excluded,
                        true,
                    )
                    .and_then(|v| cache.pv(&v.metadata.name).cloned())
                };
                match pv {
                    Some(pv) => {
                        chosen.insert(pv.metadata.name.clone());
                        result.static_bindings.push((pv, c));
                    }
                    None => to_provision.push(c),
                }
            }
            for c in to_provision {
                let class = vu::claim_class(&c);
                if class.is_empty() {
                    return Err(Err(format!(
                        "no class for claim \"{}/{}\"",
                        c.metadata.namespace, c.metadata.name
                    )));
                }
                let Some(sc) = cache.storage_class(class) else {
                    return Err(Err(format!("failed to find storage class {class:?}")));
                };
                if sc.provisioner.is_empty() || sc.provisioner == vu::NOT_SUPPORTED_PROVISIONER {
                    unbound_ok = false;
                    break;
                }
                let topology_ok = sc.allowed_topologies.is_empty()
                    || sc.allowed_topologies.iter().any(|t| {
                        t.match_label_expressions
                            .iter()
                            .all(|e| labels.get(&e.key).is_some_and(|v| e.values.contains(v)))
                    });
                if !topology_ok {
                    unbound_ok = false;
                    break;
                }
                result.dynamic_provisions.push(c);
            }
        }
    }
    let mut reasons = Vec::new();
    if !bound_ok {
        reasons.push(ERR_REASON_NODE_CONFLICT);
    }
    if !unbound_ok {
        reasons.push(ERR_REASON_BIND_CONFLICT);
    }
    if !pvs_found {
        reasons.push(ERR_REASON_PV_NOT_EXIST);
    }
    if reasons.is_empty() {
        Ok(result)
    } else {
        Err(Ok(reasons))
    }
}

impl Plugin for VolumeBinding {
    fn name(&self) -> &'static str {
        "VolumeBinding"
    }
}

impl PreFilterPlugin for VolumeBinding {
    fn pre_filter(
        &self,
        h: &Handle<'_>,
        state: &mut CycleState,
        pod: &PodInfo,
    ) -> (PreFilterResult, Status) {
        let claims = match pod_volume_claims(h.cache, &pod.pod) {
            Ok(None) => return (None, Status::skip()),
            Ok(Some(c)) => c,
            Err(msg) => return (None, Status::new(Code::UnschedulableAndUnresolvable, msg)),
        };
        if !claims.immediate.is_empty() {
            return (
                None,
                Status::new(Code::UnschedulableAndUnresolvable, ERR_UNBOUND_IMMEDIATE),
            );
        }
        let result = eligible_nodes(h.cache, &claims);
        state.write(claims);
        (result, Status::success())
    }
}

fn to_status(r: Result<PodVolumes, Result<Vec<&'static str>, String>>) -> Option<Status> {
    match r {
        Ok(_) => None,
        Err(Ok(reasons)) => Some(Status::with_reasons(
            Code::UnschedulableAndUnresolvable,
            reasons,
        )),
        Err(Err(e)) => Some(Status::error(e)),
    }
}

impl FilterPlugin for VolumeBinding {
    fn filter(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        node: &NodeInfo,
    ) -> Status {
        let Some(claims) = state.read::<PodVolumeClaims>() else {
            return Status::success();
        };
        to_status(find_pod_volumes(h.cache, claims, node)).unwrap_or_default()
    }
    fn filter_nodes(
        &self,
        h: &Handle<'_>,
        state: &CycleState,
        _pod: &PodInfo,
        nodes: &[&NodeInfo],
        failed: &mut [Option<Status>],
    ) {
        let Some(claims) = state.read::<PodVolumeClaims>() else {
            return;
        };
        filter_each(nodes, failed, |n| {
            to_status(find_pod_volumes(h.cache, claims, n))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{
        NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PersistentVolumeClaimVolumeSource,
        PersistentVolumeStatus, Volume, VolumeNodeAffinity,
    };
    use crate::api::storage_v1::StorageClass;
    use crate::api::Quantity;
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;

    fn with_claim(mut p: Pod, claim: &str) -> Pod {
        p.spec.volumes.push(Volume {
            name: "data".into(),
            persistent_volume_claim: Some(Box::new(PersistentVolumeClaimVolumeSource {
                claim_name: claim.into(),
                read_only: false,
            })),
            ..Default::default()
        });
        p
    }

    fn claim(name: &str, class: &str) -> PersistentVolumeClaim {
        let mut c = PersistentVolumeClaim::default();
        c.metadata.name = name.into();
        c.metadata.namespace = "default".into();
        c.metadata.uid = format!("uid-{name}");
        c.spec.storage_class_name = Some(class.into());
        c.spec.access_modes = vec!["ReadWriteOnce".into()];
        c.spec
            .resources
            .requests
            .insert("storage".into(), Quantity::parse("1Gi").unwrap_or_default());
        c
    }

    fn class(name: &str, provisioner: &str, mode: &str) -> StorageClass {
        let mut sc = StorageClass::default();
        sc.metadata.name = name.into();
        sc.provisioner = provisioner.into();
        sc.volume_binding_mode = Some(mode.into());
        sc
    }

    fn local_pv(name: &str, node: &str) -> PersistentVolume {
        let mut v = PersistentVolume::default();
        v.metadata.name = name.into();
        v.spec
            .capacity
            .insert("storage".into(), Quantity::parse("1Gi").unwrap_or_default());
        v.spec.access_modes = vec!["ReadWriteOnce".into()];
        v.spec.storage_class_name = "local".into();
        v.spec.node_affinity = Some(VolumeNodeAffinity {
            required: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: vec![NodeSelectorRequirement {
                        key: "kubernetes.io/hostname".into(),
                        operator: "In".into(),
                        values: vec![node.into()],
                    }],
                    ..Default::default()
                }],
            }),
        });
        v.status = Some(PersistentVolumeStatus {
            phase: "Available".into(),
            ..Default::default()
        });
        v
    }

    fn cache() -> Cache {
        let mut c = Cache::new();
        for n in ["n1", "n2"] {
            let mut node = node(n, "4", "8Gi");
            node.metadata
                .labels
                .insert("kubernetes.io/hostname".into(), n.into());
            c.add_node(Arc::new(node));
        }
        c.set_storage_class(Arc::new(class(
            "wffc",
            "rancher.io/local-path",
            "WaitForFirstConsumer",
        )));
        c.set_storage_class(Arc::new(class(
            "local",
            NOT_PROVISIONER,
            "WaitForFirstConsumer",
        )));
        c.set_storage_class(Arc::new(class("now", "example.com/x", "Immediate")));
        c
    }

    const NOT_PROVISIONER: &str = "kubernetes.io/no-provisioner";

    #[test]
    fn pods_without_claims_skip() {
        let c = cache();
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let mut st = CycleState::default();
        let (r, s) = VolumeBinding.pre_filter(&h, &mut st, &pi(pod("default", "p", "", "")));
        assert!(r.is_none() && s.is_skip());
    }

    #[test]
    fn missing_and_unbound_immediate_claims() {
        let mut c = cache();
        let p = pi(with_claim(pod("default", "p", "", ""), "data"));
        let s = run_filters(&c, &p, "n1");
        assert_eq!(s.code, Code::UnschedulableAndUnresolvable);
        assert_eq!(s.message(), "persistentvolumeclaim \"data\" not found");
        c.set_pvc(Arc::new(claim("data", "now")));
        let s = run_filters(&c, &p, "n1");
        assert_eq!(s.message(), ERR_UNBOUND_IMMEDIATE);
        // A WaitForFirstConsumer claim is provisionable anywhere.
        c.set_pvc(Arc::new(claim("data", "wffc")));
        assert!(run_filters(&c, &p, "n1").is_success());
        // ... but only on the node already selected for it.
        let mut sel = claim("data", "wffc");
        sel.metadata
            .annotations
            .insert(ANN_SELECTED_NODE.into(), "n2".into());
        c.set_pvc(Arc::new(sel));
        assert_eq!(
            run_filters(&c, &p, "n1").message(),
            ERR_REASON_BIND_CONFLICT
        );
        assert!(run_filters(&c, &p, "n2").is_success());
    }

    #[test]
    fn local_volumes_pick_the_node() {
        let mut c = cache();
        c.set_pv(Arc::new(local_pv("pv1", "n1")));
        c.set_pvc(Arc::new(claim("data", "local")));
        let p = pi(with_claim(pod("default", "p", "", ""), "data"));
        // No provisioner: only the node of the free local volume fits.
        assert!(run_filters(&c, &p, "n1").is_success());
        assert_eq!(
            run_filters(&c, &p, "n2").message(),
            ERR_REASON_BIND_CONFLICT
        );
        let claims = pod_volume_claims(&c, &p.pod)
            .ok()
            .flatten()
            .unwrap_or_default();
        let plan = find_pod_volumes(
            &c,
            &claims,
            c.node_info("n1").unwrap_or_else(|| unreachable!()),
        );
        let plan = plan.unwrap_or_default();
        assert_eq!(plan.static_bindings.len(), 1);
        assert!(plan.dynamic_provisions.is_empty());
        // Once bound, the claim's volume pins the pod to n1 (PreFilter narrows).
        let mut bound = claim("data", "local");
        bound.spec.volume_name = "pv1".into();
        bound
            .metadata
            .annotations
            .insert(ANN_BIND_COMPLETED.into(), "yes".into());
        c.set_pvc(Arc::new(bound));
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let mut st = CycleState::default();
        let (r, s) = VolumeBinding.pre_filter(&h, &mut st, &p);
        assert!(s.is_success());
        assert_eq!(r, Some(["n1".to_string()].into_iter().collect()));
        assert_eq!(
            run_filters(&c, &p, "n2").message(),
            ERR_REASON_NODE_CONFLICT
        );
        c.remove_pv("pv1");
        assert_eq!(run_filters(&c, &p, "n1").message(), ERR_REASON_PV_NOT_EXIST);
    }
}
