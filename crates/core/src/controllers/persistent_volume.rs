//! The PersistentVolume controller (`pkg/controller/volume/persistentvolume`, the
//! `persistentvolume-controller` of kube-controller-manager): binds claims to volumes,
//! hands claims to provisioners and reclaims released volumes.
//!
//! - Claims (`syncClaim`): an unbound claim gets the volume pre-bound to it (`claimRef`)
//!   or the smallest Available volume of its class that satisfies it (capacity, access
//!   modes, volume mode, selector: [`crate::volume_util::find_matching_volume`]);
//!   binding writes the volume's `claimRef` (and `pv.kubernetes.io/bound-by-controller`
//!   when the controller chose it), its phase Bound, the claim's `volumeName`,
//!   `pv.kubernetes.io/bind-completed` (and bound-by-controller) and its status (Bound,
//!   the volume's access modes and capacity). Claims of WaitForFirstConsumer classes are
//!   left to the scheduler until it sets `volume.kubernetes.io/selected-node`
//!   (`WaitForFirstConsumer` `waiting for first consumer to be created before binding`,
//!   or `WaitForPodScheduled` while a pod using it is pending). With no volume, a claim
//!   whose class names an external provisioner gets the `volume.kubernetes.io/
//!   storage-provisioner` annotations and `ExternalProvisioning`; one with no class
//!   gets `FailedBinding`; a class that does not exist, `ProvisioningFailed`. A claim
//!   naming a volume (`volumeName`) binds to it when it fits (`VolumeMismatch`
//!   otherwise). A bound claim whose volume disappeared is Lost (`ClaimLost`).
//! - Volumes (`syncVolume`): Available without a claim (or reserved for one not yet
//!   bound); Bound when the claim points back; Released when the claim is gone, then
//!   reclaimed: Retain keeps it Released; Delete removes it: volumes an external
//!   provisioner made are left to it, a hostPath under `/tmp/` is deleted by the
//!   controller, any other volume goes Failed (`VolumeFailedDelete`). A volume whose
//!   claim is bound elsewhere is unbound again when the controller bound it. Phase
//!   changes set `lastPhaseTransitionTime`.
//! - Everything not settled is synced again every 15 s (`--pvclaimbinder-sync-period`),
//!   which is also when the waiting events repeat.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::api::core_v1::{
    ObjectReference, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus,
    PersistentVolumeStatus,
};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::Time;
use crate::api::{Kind, Object, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};
use crate::volume_util::{
    self as vu, ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER,
    ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER,
};

/// `--pvclaimbinder-sync-period`.
pub const SYNC_PERIOD: Millis = 15_000;

type Key = (String, String);

/// The persistentvolume-controller.
pub struct PersistentVolumeController {
    claims: Option<WatchId>,
    volumes: Option<WatchId>,
    recorder: Recorder,
    dirty_claims: BTreeSet<Key>,
    dirty_volumes: BTreeSet<String>,
    /// The next periodic resync, when one is due.
    next_resync: Option<Millis>,
}

impl Default for PersistentVolumeController {
    fn default() -> Self {
        PersistentVolumeController {
            claims: None,
            volumes: None,
            recorder: Recorder::legacy("persistentvolume-controller", ""),
            dirty_claims: BTreeSet::new(),
            dirty_volumes: BTreeSet::new(),
            next_resync: None,
        }
    }
}

fn claim_key(c: &PersistentVolumeClaim) -> Key {
    (c.metadata.namespace.clone(), c.metadata.name.clone())
}

fn phase_of_volume(v: &PersistentVolume) -> &str {
    v.status.as_ref().map_or("", |s| s.phase.as_str())
}

fn phase_of_claim(c: &PersistentVolumeClaim) -> &str {
    c.status.as_ref().map_or("", |s| s.phase.as_str())
}

fn claim_reference(c: &PersistentVolumeClaim) -> ObjectReference {
    ObjectReference {
        kind: "PersistentVolumeClaim".into(),
        namespace: c.metadata.namespace.clone(),
        name: c.metadata.name.clone(),
        uid: c.metadata.uid.clone(),
        api_version: "v1".into(),
        resource_version: c.metadata.resource_version.clone(),
        ..Default::default()
    }
}

fn get_claim(api: &ApiServer, (ns, name): &Key) -> Option<Arc<PersistentVolumeClaim>> {
    match api.get(Kind::PersistentVolumeClaim, ns, name).as_deref() {
        Ok(Object::PersistentVolumeClaim(c)) => Some(c.clone()),
        _ => None,
    }
}

fn get_volume(api: &ApiServer, name: &str) -> Option<Arc<PersistentVolume>> {
    match api.get(Kind::PersistentVolume, "", name).as_deref() {
        Ok(Object::PersistentVolume(v)) => Some(v.clone()),
        _ => None,
    }
}

fn all_volumes(api: &ApiServer) -> Vec<Arc<PersistentVolume>> {
    api.list(
        Kind::PersistentVolume,
        None,
        &Selector::everything(),
        &FieldSelector::everything(),
    )
    .iter()
    .filter_map(|o| match &**o {
        Object::PersistentVolume(v) => Some(v.clone()),
        _ => None,
    })
    .collect()
}

impl PersistentVolumeController {
    pub fn new() -> Self {
        Self::default()
    }

    fn event(
        &mut self,
        ctx: &mut ComponentCtx,
        obj: Object,
        t: EventType,
        reason: &str,
        msg: &str,
    ) {
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

    /// Upstream `updateVolumePhase`: writes the phase (and message) when they change.
    fn set_volume_phase(
        &mut self,
        ctx: &mut ComponentCtx,
        v: &PersistentVolume,
        phase: &str,
        message: &str,
    ) -> Option<Arc<PersistentVolume>> {
        let st = v.status.clone().unwrap_or_default();
        if st.phase == phase && st.message == message {
            return Some(Arc::new(v.clone()));
        }
        let mut nv = v.clone();
        let changed = st.phase != phase;
        nv.status = Some(PersistentVolumeStatus {
            phase: phase.into(),
            message: message.into(),
            reason: st.reason.clone(),
            last_phase_transition_time: if changed {
                Some(Time(ctx.now / 1000 * 1000))
            } else {
                st.last_phase_transition_time
            },
        });
        match ctx.api.update_status(nv.into_object()).as_deref() {
            Ok(Object::PersistentVolume(v)) => Some(v.clone()),
            _ => None,
        }
    }

    /// Upstream `updateClaimStatus`: the phase, and for Bound the volume's modes and
    /// capacity.
    fn set_claim_status(
        &mut self,
        ctx: &mut ComponentCtx,
        c: &PersistentVolumeClaim,
        phase: &str,
        volume: Option<&PersistentVolume>,
    ) -> Option<Arc<PersistentVolumeClaim>> {
        let old = c.status.clone().unwrap_or_default();
        let mut st = old.clone();
        st.phase = phase.into();
        if let Some(v) = volume {
            st.access_modes = v.spec.access_modes.clone();
            st.capacity.clear();
            if let Some(q) = v.spec.capacity.get("storage") {
                st.capacity.insert("storage".into(), q.clone());
            }
        } else if phase != "Bound" {
            st.access_modes.clear();
            st.capacity.clear();
        }
        if st == old {
            return Some(Arc::new(c.clone()));
        }
        let mut nc = c.clone();
        nc.status = Some(PersistentVolumeClaimStatus { ..st });
        match ctx.api.update_status(nc.into_object()).as_deref() {
            Ok(Object::PersistentVolumeClaim(c)) => Some(c.clone()),
            _ => None,
        }
    }

    /// Upstream `bind`: volume to claim, volume Bound, claim to volume, claim Bound.
    fn bind(&mut self, ctx: &mut ComponentCtx, v: &PersistentVolume, c: &PersistentVolumeClaim) {
        // bindVolumeToClaim
        let mut nv = v.clone();
        let mut dirty = false;
        let set_by_controller = !vu::is_volume_bound_to_claim(v, c);
        let r = v.spec.claim_ref.as_ref();
        if r.is_none_or(|r| {
            r.name != c.metadata.name
                || r.namespace != c.metadata.namespace
                || r.uid != c.metadata.uid
        }) {
            nv.spec.claim_ref = Some(claim_reference(c));
            dirty = true;
        }
        if set_by_controller
            && !nv
                .metadata
                .annotations
                .contains_key(ANN_BOUND_BY_CONTROLLER)
        {
            nv.metadata
                .annotations
                .insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
            dirty = true;
        }
        let v = if dirty {
            match ctx.api.update(nv.into_object()).as_deref() {
                Ok(Object::PersistentVolume(v)) => v.clone(),
                _ => return,
            }
        } else {
            Arc::new(v.clone())
        };
        let Some(v) = self.set_volume_phase(ctx, &v, "Bound", "") else {
            return;
        };
        // bindClaimToVolume
        let mut nc = c.clone();
        let mut dirty = false;
        if c.spec.volume_name != v.metadata.name {
            nc.spec.volume_name = v.metadata.name.clone();
            nc.metadata
                .annotations
                .entry(ANN_BOUND_BY_CONTROLLER.into())
                .or_insert_with(|| "yes".into());
            dirty = true;
        }
        if !nc.metadata.annotations.contains_key(ANN_BIND_COMPLETED) {
            nc.metadata
                .annotations
                .insert(ANN_BIND_COMPLETED.into(), "yes".into());
            dirty = true;
        }
        let c = if dirty {
            match ctx.api.update(nc.into_object()).as_deref() {
                Ok(Object::PersistentVolumeClaim(c)) => c.clone(),
                _ => return,
            }
        } else {
            Arc::new(c.clone())
        };
        self.set_claim_status(ctx, &c, "Bound", Some(&v));
    }

    fn is_delay_binding(api: &ApiServer, c: &PersistentVolumeClaim) -> bool {
        let class = vu::claim_class(c);
        !class.is_empty()
            && matches!(api.get(Kind::StorageClass, "", class).as_deref(),
                Ok(Object::StorageClass(sc)) if sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"))
    }

    fn sync_claim(&mut self, ctx: &mut ComponentCtx, key: &Key) {
        let Some(c) = get_claim(ctx.api, key) else {
            return;
        };
        if c.metadata.annotations.contains_key(ANN_BIND_COMPLETED) {
            self.sync_bound_claim(ctx, &c);
        } else {
            self.sync_unbound_claim(ctx, &c);
        }
    }

    fn sync_bound_claim(&mut self, ctx: &mut ComponentCtx, c: &PersistentVolumeClaim) {
        let obj = Object::PersistentVolumeClaim(Arc::new(c.clone()));
        if c.spec.volume_name.is_empty() {
            if phase_of_claim(c) != "Lost" {
                self.set_claim_status(ctx, c, "Lost", None);
                self.event(ctx, obj, EventType::Warning, "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
            }
            return;
        }
        match get_volume(ctx.api, &c.spec.volume_name) {
            None => {
                if phase_of_claim(c) != "Lost" {
                    self.set_claim_status(ctx, c, "Lost", None);
                    self.event(
                        ctx,
                        obj,
                        EventType::Warning,
                        "ClaimLost",
                        "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
                    );
                }
            }
            Some(v) => {
                if v.spec.claim_ref.is_none() || vu::is_volume_bound_to_claim(&v, c) {
                    self.bind(ctx, &v, c);
                } else if phase_of_claim(c) != "Lost" {
                    self.set_claim_status(ctx, c, "Lost", None);
                    self.event(
                        ctx,
                        obj,
                        EventType::Warning,
                        "ClaimMisbound",
                        "Two claims are bound to the same volume, this one is bound incorrectly",
                    );
                }
            }
        }
    }

    fn sync_unbound_claim(&mut self, ctx: &mut ComponentCtx, c: &PersistentVolumeClaim) {
        let obj = Object::PersistentVolumeClaim(Arc::new(c.clone()));
        if !c.spec.volume_name.is_empty() {
            // The user asked for a specific volume.
            let Some(v) = get_volume(ctx.api, &c.spec.volume_name) else {
                self.set_claim_status(ctx, c, "Pending", None);
                return;
            };
            if v.spec.claim_ref.is_none() {
                if let Some(err) = Self::check_volume_satisfies(&v, c) {
                    let msg = format!(
                        "Cannot bind to requested volume {:?}: {err}",
                        v.metadata.name
                    );
                    self.event(ctx, obj, EventType::Warning, "VolumeMismatch", &msg);
                    self.set_claim_status(ctx, c, "Pending", None);
                } else {
                    self.bind(ctx, &v, c);
                }
            } else if vu::is_volume_bound_to_claim(&v, c) {
                self.bind(ctx, &v, c);
            } else {
                self.set_claim_status(ctx, c, "Pending", None);
            }
            return;
        }
        let delay = Self::is_delay_binding(ctx.api, c);
        let volumes = all_volumes(ctx.api);
        let found =
            vu::find_matching_volume(c, volumes.iter().map(|v| &**v), None, &|_| false, delay)
                .map(|v| v.metadata.name.clone());
        if let Some(name) = found {
            if let Some(v) = volumes.iter().find(|v| v.metadata.name == name) {
                let v = v.clone();
                self.bind(ctx, &v, c);
            }
            return;
        }
        let class = vu::claim_class(c).to_string();
        if delay && !c.metadata.annotations.contains_key(ANN_SELECTED_NODE) {
            // Upstream's `findNonScheduledPodsByPVC`, through the store's claim index.
            let mut pods: Vec<String> = ctx
                .api
                .store
                .pods_using_claim(&c.metadata.namespace, &c.metadata.name)
                .iter()
                .filter_map(|o| match &**o {
                    Object::Pod(p) if p.spec.node_name.is_empty() => Some(p.metadata.name.clone()),
                    _ => None,
                })
                .collect();
            pods.sort();
            let (reason, msg) = match pods.as_slice() {
                [] => (
                    "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding".to_string(),
                ),
                [one] => (
                    "WaitForPodScheduled",
                    format!("waiting for pod {one} to be scheduled"),
                ),
                many => (
                    "WaitForPodScheduled",
                    format!("waiting for pods {} to be scheduled", many.join(",")),
                ),
            };
            self.event(ctx, obj, EventType::Normal, reason, &msg);
        } else if !class.is_empty() {
            self.provision_claim(ctx, c, &class);
            return;
        } else {
            self.event(
                ctx,
                obj,
                EventType::Normal,
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
            );
        }
        self.set_claim_status(ctx, c, "Pending", None);
    }

    /// Upstream `provisionClaim` for an external provisioner: annotate the claim and
    /// say so.
    fn provision_claim(&mut self, ctx: &mut ComponentCtx, c: &PersistentVolumeClaim, class: &str) {
        let sc = match ctx.api.get(Kind::StorageClass, "", class).as_deref() {
            Ok(Object::StorageClass(sc)) => sc.clone(),
            _ => {
                let obj = Object::PersistentVolumeClaim(Arc::new(c.clone()));
                let msg = format!("storageclass.storage.k8s.io {class:?} not found");
                self.event(ctx, obj, EventType::Warning, "ProvisioningFailed", &msg);
                self.set_claim_status(ctx, c, "Pending", None);
                return;
            }
        };
        let provisioner = sc.provisioner.clone();
        let mut claim = Arc::new(c.clone());
        if c.metadata.annotations.get(ANN_STORAGE_PROVISIONER) != Some(&provisioner) {
            let mut nc = c.clone();
            nc.metadata
                .annotations
                .insert(ANN_BETA_STORAGE_PROVISIONER.into(), provisioner.clone());
            nc.metadata
                .annotations
                .insert(ANN_STORAGE_PROVISIONER.into(), provisioner.clone());
            match ctx.api.update(nc.into_object()).as_deref() {
                Ok(Object::PersistentVolumeClaim(n)) => claim = n.clone(),
                _ => return,
            }
        }
        let msg = format!("Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
        let obj = Object::PersistentVolumeClaim(claim.clone());
        self.event(ctx, obj, EventType::Normal, "ExternalProvisioning", &msg);
        self.set_claim_status(ctx, &claim, "Pending", None);
    }

    /// Upstream `checkVolumeSatisfyClaim`.
    fn check_volume_satisfies(v: &PersistentVolume, c: &PersistentVolumeClaim) -> Option<String> {
        let requested = vu::storage_of(&c.spec.resources.requests);
        let size = vu::storage_of(&v.spec.capacity);
        if size < requested {
            return Some("requested PV is too small".into());
        }
        if vu::volume_class(v) != vu::claim_class(c) {
            return Some("storageClassName does not match".into());
        }
        if vu::volume_mode_mismatch(c, v) {
            return Some("incompatible volumeMode".into());
        }
        if !vu::check_access_modes(c, v) {
            return Some("incompatible accessMode".into());
        }
        None
    }

    fn sync_volume(&mut self, ctx: &mut ComponentCtx, name: &str) {
        let Some(v) = get_volume(ctx.api, name) else {
            return;
        };
        let Some(r) = v.spec.claim_ref.clone() else {
            self.set_volume_phase(ctx, &v, "Available", "");
            return;
        };
        if r.uid.is_empty() {
            self.set_volume_phase(ctx, &v, "Available", "");
            return;
        }
        let claim = get_claim(ctx.api, &(r.namespace.clone(), r.name.clone()))
            .filter(|c| c.metadata.uid == r.uid);
        match claim {
            None => {
                let v = if phase_of_volume(&v) != "Released" && phase_of_volume(&v) != "Failed" {
                    match self.set_volume_phase(ctx, &v, "Released", "") {
                        Some(v) => v,
                        None => return,
                    }
                } else {
                    v
                };
                self.reclaim(ctx, &v);
            }
            Some(c) if c.spec.volume_name.is_empty() => {
                if vu::volume_mode_mismatch(&c, &v) {
                    let msg = format!("Cannot bind PersistentVolume to requested PersistentVolumeClaim {:?} due to incompatible volumeMode.", c.metadata.name);
                    self.event(
                        ctx,
                        Object::PersistentVolume(v.clone()),
                        EventType::Warning,
                        "VolumeMismatch",
                        &msg,
                    );
                    let msg = format!("Cannot bind PersistentVolume {:?} to requested PersistentVolumeClaim due to incompatible volumeMode.", v.metadata.name);
                    self.event(
                        ctx,
                        Object::PersistentVolumeClaim(c.clone()),
                        EventType::Warning,
                        "VolumeMismatch",
                        &msg,
                    );
                    return;
                }
                // Bound by someone (a provisioner, the scheduler): the claim's sync
                // finishes the binding.
                self.dirty_claims.insert(claim_key(&c));
            }
            Some(c) if c.spec.volume_name == v.metadata.name => {
                self.set_volume_phase(ctx, &v, "Bound", "");
            }
            Some(_) => {
                let dynamic = v
                    .metadata
                    .annotations
                    .contains_key(ANN_DYNAMICALLY_PROVISIONED);
                if dynamic && v.spec.persistent_volume_reclaim_policy == "Delete" {
                    let v = match self.set_volume_phase(ctx, &v, "Released", "") {
                        Some(v) => v,
                        None => return,
                    };
                    self.reclaim(ctx, &v);
                } else {
                    // Unbind: the controller's binding is dropped; a user's pre-binding
                    // keeps the claim's name without its uid.
                    let mut nv = (*v).clone();
                    if v.metadata.annotations.contains_key(ANN_BOUND_BY_CONTROLLER) {
                        nv.spec.claim_ref = None;
                        nv.metadata.annotations.remove(ANN_BOUND_BY_CONTROLLER);
                    } else if let Some(r) = &mut nv.spec.claim_ref {
                        r.uid.clear();
                    }
                    if let Ok(Object::PersistentVolume(nv)) =
                        ctx.api.update(nv.into_object()).as_deref()
                    {
                        let nv = nv.clone();
                        self.set_volume_phase(ctx, &nv, "Available", "");
                    }
                }
            }
        }
    }

    /// Upstream `reclaimVolume`.
    fn reclaim(&mut self, ctx: &mut ComponentCtx, v: &PersistentVolume) {
        if v.spec.persistent_volume_reclaim_policy != "Delete" || phase_of_volume(v) == "Failed" {
            return;
        }
        if v.metadata.deletion_timestamp.is_some() {
            return;
        }
        let provisioner = v
            .metadata
            .annotations
            .get(ANN_DYNAMICALLY_PROVISIONED)
            .cloned()
            .unwrap_or_default();
        if !provisioner.is_empty() && !provisioner.starts_with("kubernetes.io/") {
            // An external provisioner deletes its volumes.
            return;
        }
        let err = match &v.spec.host_path {
            Some(h) => {
                let tmp = h.path.strip_prefix("/tmp/").is_some_and(|rest| !rest.is_empty())
                    || h.path.contains("/tmp/") && !h.path.ends_with("/tmp/");
                if tmp {
                    None
                } else {
                    Some(format!(
                        "host_path deleter only supports /tmp/.+ but received provided {}",
                        h.path
                    ))
                }
            }
            None => Some(format!(
                "error getting deleter volume plugin for volume {:?}: no deletable volume plugin matched",
                v.metadata.name
            )),
        };
        match err {
            None => {
                let _ = ctx.api.delete(
                    Kind::PersistentVolume,
                    "",
                    &v.metadata.name,
                    &DeleteOptions::default(),
                );
            }
            Some(msg) => {
                if self.set_volume_phase(ctx, v, "Failed", &msg).is_some() {
                    self.event(
                        ctx,
                        Object::PersistentVolume(Arc::new(v.clone())),
                        EventType::Warning,
                        "VolumeFailedDelete",
                        &msg,
                    );
                }
            }
        }
    }

    /// Claims and volumes not yet settled, synced again every [`SYNC_PERIOD`].
    fn unsettled(api: &ApiServer) -> (Vec<Key>, Vec<String>) {
        let all = (Selector::everything(), FieldSelector::everything());
        let claims = api
            .list(Kind::PersistentVolumeClaim, None, &all.0, &all.1)
            .iter()
            .filter_map(|o| match &**o {
                Object::PersistentVolumeClaim(c) if phase_of_claim(c) != "Bound" => {
                    Some(claim_key(c))
                }
                _ => None,
            })
            .collect();
        let volumes = api
            .list(Kind::PersistentVolume, None, &all.0, &all.1)
            .iter()
            .filter_map(|o| match &**o {
                Object::PersistentVolume(v)
                    if !matches!(phase_of_volume(v), "Bound" | "Available") =>
                {
                    Some(v.metadata.name.clone())
                }
                _ => None,
            })
            .collect();
        (claims, volumes)
    }
}

impl Component for PersistentVolumeController {
    fn name(&self) -> String {
        "persistentvolume-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        let (claims, volumes) = Self::unsettled(ctx.api);
        self.dirty_claims.extend(claims);
        self.dirty_volumes.extend(volumes);
        self.claims = ctx
            .api
            .watch(WatchFilter::all(Kind::PersistentVolumeClaim), None)
            .ok();
        self.volumes = ctx
            .api
            .watch(WatchFilter::all(Kind::PersistentVolume), None)
            .ok();
        if !self.dirty_claims.is_empty() || !self.dirty_volumes.is_empty() {
            ctx.wake_after(0);
        }
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.claims, self.volumes]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let now = ctx.now;
        if let Some(w) = self.claims {
            for ev in ctx.api.poll(w) {
                if let Object::PersistentVolumeClaim(c) = &*ev.object {
                    if ev.type_ == WatchType::Deleted {
                        // Its volume is released.
                        if !c.spec.volume_name.is_empty() {
                            self.dirty_volumes.insert(c.spec.volume_name.clone());
                        }
                    } else {
                        self.dirty_claims.insert(claim_key(c));
                    }
                }
            }
        }
        if let Some(w) = self.volumes {
            for ev in ctx.api.poll(w) {
                if let Object::PersistentVolume(v) = &*ev.object {
                    if ev.type_ == WatchType::Deleted {
                        if let Some(r) = &v.spec.claim_ref {
                            self.dirty_claims
                                .insert((r.namespace.clone(), r.name.clone()));
                        }
                    } else {
                        self.dirty_volumes.insert(v.metadata.name.clone());
                    }
                }
            }
        }
        if self.next_resync.is_some_and(|t| t <= now) {
            self.next_resync = None;
            let (claims, volumes) = Self::unsettled(ctx.api);
            self.dirty_claims.extend(claims);
            self.dirty_volumes.extend(volumes);
        }
        // Volumes first (a new volume can make a claim bindable), then claims; a claim
        // sync can mark volumes dirty and the other way round, a few rounds at most.
        let mut worked = false;
        for _ in 0..4 {
            if self.dirty_volumes.is_empty() && self.dirty_claims.is_empty() {
                break;
            }
            worked = true;
            for name in std::mem::take(&mut self.dirty_volumes) {
                self.sync_volume(ctx, &name);
            }
            for key in std::mem::take(&mut self.dirty_claims) {
                self.sync_claim(ctx, &key);
            }
            // Our own writes come back through the watches; they need no second look.
            for w in [self.claims, self.volumes].into_iter().flatten() {
                ctx.api.poll(w);
            }
        }
        if self.next_resync.is_none() && worked {
            let (claims, volumes) = Self::unsettled(ctx.api);
            if !claims.is_empty() || !volumes.is_empty() {
                self.next_resync = Some(now + SYNC_PERIOD);
            }
        }
        if let Some(t) = self.next_resync {
            ctx.wake_at(t);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
