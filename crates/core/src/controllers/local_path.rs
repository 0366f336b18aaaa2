//! kind's local-path provisioner (rancher/local-path-provisioner, an external
//! provisioner built on sig-storage-lib-external-provisioner), simulated: no helper pods
//! and no directories, only what the API shows.
//!
//! It serves claims the PV controller handed to `rancher.io/local-path` (annotation
//! `volume.kubernetes.io/storage-provisioner`). A claim needs the node the scheduler
//! chose (`volume.kubernetes.io/selected-node`); it records `Provisioning`
//! (`External provisioner is provisioning volume for claim "default/data"`), and
//! [`PROVISION_MS`] later creates the PersistentVolume `pvc-<claim uid>`: a hostPath
//! `/var/local-path-provisioner/pvc-<uid>_<namespace>_<claim>` (DirectoryOrCreate)
//! pinned to the node by `kubernetes.io/hostname` node affinity, pre-bound to the
//! claim, with the class's reclaim policy, then `ProvisioningSucceeded`. Claims it
//! cannot serve get `ProvisioningFailed` (access modes other than ReadWriteOnce and
//! ReadWriteOncePod, Block volumes, no selected node) and are retried with a backoff
//! from 15 s.
//!
//! Deletion: a Released volume it provisioned whose reclaim policy is Delete is
//! deleted [`DELETE_MS`] after it was released (the helper pod's teardown).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::core_v1::{
    HostPathVolumeSource, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ObjectReference,
    PersistentVolume, PersistentVolumeClaim, PersistentVolumeSpec, VolumeNodeAffinity,
};
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::DeleteOptions;
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};
use crate::volume_util::{
    self as vu, ANN_BETA_STORAGE_PROVISIONER, ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
};

/// The provisioner name kind's `standard` class names.
pub const PROVISIONER: &str = "rancher.io/local-path";
/// Where volumes live on the node (kind's `nodePathMap`).
pub const BASE_PATH: &str = "/var/local-path-provisioner";
/// How long creating a volume takes (the helper pod that makes the directory).
pub const PROVISION_MS: Millis = 3_000;
/// How long deleting a released volume takes.
pub const DELETE_MS: Millis = 1_000;
/// The first retry after a failed provisioning; doubles up to [`MAX_RETRY_MS`].
pub const FIRST_RETRY_MS: Millis = 15_000;
pub const MAX_RETRY_MS: Millis = 1_000_000;

type Key = (String, String);

/// The simulated local-path provisioner.
pub struct LocalPathProvisioner {
    claims: Option<WatchId>,
    volumes: Option<WatchId>,
    recorder: Recorder,
    /// Claims being provisioned: key -> when the volume is ready.
    provisioning: BTreeMap<Key, Millis>,
    /// Failed claims: key -> (next try, failures).
    retries: BTreeMap<Key, (Millis, u32)>,
    /// Released volumes to delete: name -> when.
    deleting: BTreeMap<String, Millis>,
    /// Claims to look at now.
    dirty: BTreeSet<Key>,
}

impl Default for LocalPathProvisioner {
    fn default() -> Self {
        LocalPathProvisioner {
            claims: None,
            volumes: None,
            recorder: Recorder::legacy(PROVISIONER, ""),
            provisioning: BTreeMap::new(),
            retries: BTreeMap::new(),
            deleting: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

fn key_of(c: &PersistentVolumeClaim) -> Key {
    (c.metadata.namespace.clone(), c.metadata.name.clone())
}

fn wants_us(c: &PersistentVolumeClaim) -> bool {
    let a = &c.metadata.annotations;
    (a.get(ANN_STORAGE_PROVISIONER).map(String::as_str) == Some(PROVISIONER)
        || a.get(ANN_BETA_STORAGE_PROVISIONER).map(String::as_str) == Some(PROVISIONER))
        && c.spec.volume_name.is_empty()
        && c.metadata.deletion_timestamp.is_none()
}

impl LocalPathProvisioner {
    pub fn new() -> Self {
        Self::default()
    }

    fn claim(ctx: &ComponentCtx, (ns, name): &Key) -> Option<Arc<PersistentVolumeClaim>> {
        match ctx
            .api
            .get(Kind::PersistentVolumeClaim, ns, name)
            .as_deref()
        {
            Ok(Object::PersistentVolumeClaim(c)) => Some(c.clone()),
            _ => None,
        }
    }

    fn event(
        &mut self,
        ctx: &mut ComponentCtx,
        c: &PersistentVolumeClaim,
        t: EventType,
        reason: &str,
        msg: &str,
    ) {
        let obj = Object::PersistentVolumeClaim(Arc::new(c.clone()));
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

    /// Why the claim cannot be provisioned, in the provisioner's words.
    fn refusal(c: &PersistentVolumeClaim, class: &str) -> Option<String> {
        if c.spec
            .access_modes
            .iter()
            .any(|m| m != "ReadWriteOnce" && m != "ReadWriteOncePod")
        {
            return Some(format!("failed to provision volume with StorageClass {class:?}: NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes"));
        }
        if !c.metadata.annotations.contains_key(ANN_SELECTED_NODE) {
            return Some(format!(
                "failed to provision volume with StorageClass {class:?}: configuration error, no node was specified"
            ));
        }
        None
    }

    /// A claim changed or its retry is due: start provisioning if it is ours.
    fn consider(&mut self, ctx: &mut ComponentCtx, key: &Key) {
        let Some(c) = Self::claim(ctx, key) else {
            self.provisioning.remove(key);
            self.retries.remove(key);
            return;
        };
        if !wants_us(&c) || self.provisioning.contains_key(key) {
            return;
        }
        if let Some((at, _)) = self.retries.get(key) {
            if *at > ctx.now {
                return;
            }
        }
        let pv_name = format!("pvc-{}", c.metadata.uid);
        if ctx.api.get(Kind::PersistentVolume, "", &pv_name).is_ok() {
            return;
        }
        let class = vu::claim_class(&c).to_string();
        let class_ok = match ctx.api.get(Kind::StorageClass, "", &class).as_deref() {
            Ok(Object::StorageClass(sc)) => sc.provisioner == PROVISIONER,
            _ => false,
        };
        if !class_ok {
            return;
        }
        // The selected node is what the scheduler waits on: without it, nothing to do yet
        // for a WaitForFirstConsumer class (the library skips such claims).
        if !c.metadata.annotations.contains_key(ANN_SELECTED_NODE) {
            let wffc = matches!(ctx.api.get(Kind::StorageClass, "", &class).as_deref(),
                Ok(Object::StorageClass(sc)) if sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"));
            if wffc {
                return;
            }
        }
        let fail = |this: &mut Self, ctx: &mut ComponentCtx, reason: &str| {
            this.event(ctx, &c, EventType::Warning, "ProvisioningFailed", reason);
            let failures = this.retries.get(key).map_or(0, |r| r.1) + 1;
            let delay = (FIRST_RETRY_MS << (failures - 1).min(16)).min(MAX_RETRY_MS);
            this.retries
                .insert(key.clone(), (ctx.now + delay, failures));
        };
        if c.spec.volume_mode.as_deref() == Some("Block") {
            let reason = format!("{PROVISIONER} does not support block volume provisioning");
            fail(self, ctx, &reason);
            return;
        }
        let msg = format!(
            "External provisioner is provisioning volume for claim \"{}/{}\"",
            c.metadata.namespace, c.metadata.name
        );
        self.event(ctx, &c, EventType::Normal, "Provisioning", &msg);
        if let Some(reason) = Self::refusal(&c, &class) {
            fail(self, ctx, &reason);
            return;
        }
        self.retries.remove(key);
        self.provisioning
            .insert(key.clone(), ctx.now + PROVISION_MS);
    }

    /// The helper pod finished: create the volume.
    fn provision(&mut self, ctx: &mut ComponentCtx, key: &Key) {
        let Some(c) = Self::claim(ctx, key) else {
            return;
        };
        if !wants_us(&c) {
            return;
        }
        let Some(node) = c.metadata.annotations.get(ANN_SELECTED_NODE).cloned() else {
            return;
        };
        let class = vu::claim_class(&c).to_string();
        let reclaim = match ctx.api.get(Kind::StorageClass, "", &class).as_deref() {
            Ok(Object::StorageClass(sc)) => {
                sc.reclaim_policy.clone().unwrap_or_else(|| "Delete".into())
            }
            _ => return,
        };
        let name = format!("pvc-{}", c.metadata.uid);
        let mut annotations = BTreeMap::new();
        annotations.insert(
            "local.path.provisioner/selected-node".to_string(),
            node.clone(),
        );
        annotations.insert(
            ANN_DYNAMICALLY_PROVISIONED.to_string(),
            PROVISIONER.to_string(),
        );
        let mut capacity = BTreeMap::new();
        if let Some(q) = c.spec.resources.requests.get("storage") {
            capacity.insert("storage".to_string(), q.clone());
        }
        let pv = PersistentVolume {
            metadata: ObjectMeta {
                name: name.clone(),
                annotations,
                ..Default::default()
            },
            spec: PersistentVolumeSpec {
                access_modes: c.spec.access_modes.clone(),
                capacity,
                claim_ref: Some(ObjectReference {
                    kind: "PersistentVolumeClaim".into(),
                    namespace: c.metadata.namespace.clone(),
                    name: c.metadata.name.clone(),
                    uid: c.metadata.uid.clone(),
                    api_version: "v1".into(),
                    resource_version: c.metadata.resource_version.clone(),
                    ..Default::default()
                }),
                host_path: Some(HostPathVolumeSource {
                    path: format!(
                        "{BASE_PATH}/{name}_{}_{}",
                        c.metadata.namespace, c.metadata.name
                    ),
                    type_: Some("DirectoryOrCreate".into()),
                }),
                node_affinity: Some(VolumeNodeAffinity {
                    required: Some(NodeSelector {
                        node_selector_terms: vec![NodeSelectorTerm {
                            match_expressions: vec![NodeSelectorRequirement {
                                key: "kubernetes.io/hostname".into(),
                                operator: "In".into(),
                                values: vec![node],
                            }],
                            ..Default::default()
                        }],
                    }),
                }),
                persistent_volume_reclaim_policy: reclaim,
                storage_class_name: class,
                volume_mode: Some("Filesystem".into()),
                ..Default::default()
            },
            status: None,
        };
        if ctx.api.create(pv.into_object()).is_ok() {
            let msg = format!("Successfully provisioned volume {name}");
            self.event(ctx, &c, EventType::Normal, "ProvisioningSucceeded", &msg);
        }
    }

    fn consider_volume(&mut self, ctx: &mut ComponentCtx, v: &PersistentVolume) {
        let ours = v
            .metadata
            .annotations
            .get(ANN_DYNAMICALLY_PROVISIONED)
            .map(String::as_str)
            == Some(PROVISIONER);
        let released = v.status.as_ref().is_some_and(|s| s.phase == "Released");
        if ours
            && released
            && v.spec.persistent_volume_reclaim_policy == "Delete"
            && v.metadata.deletion_timestamp.is_none()
        {
            self.deleting
                .entry(v.metadata.name.clone())
                .or_insert(ctx.now + DELETE_MS);
        } else {
            self.deleting.remove(&v.metadata.name);
        }
    }
}

impl Component for LocalPathProvisioner {
    fn name(&self) -> String {
        "local-path-provisioner".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        // The library's identity: the provisioner pod's name and a uuid.
        let pod = format!(
            "local-path-provisioner-{}-{}",
            ctx.rng.name_suffix(10),
            ctx.rng.name_suffix(5)
        );
        let uuid = ctx.rng.uuid();
        self.recorder = Recorder::legacy(&format!("{PROVISIONER}_{pod}_{uuid}"), "");
        self.claims = ctx
            .api
            .watch(WatchFilter::all(Kind::PersistentVolumeClaim), None)
            .ok();
        self.volumes = ctx
            .api
            .watch(WatchFilter::all(Kind::PersistentVolume), None)
            .ok();
    }

    fn has_work(&self, api: &crate::apiserver::ApiServer) -> bool {
        [self.claims, self.volumes]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        if let Some(w) = self.claims {
            for ev in ctx.api.poll(w) {
                if let Object::PersistentVolumeClaim(c) = &*ev.object {
                    if ev.type_ == WatchType::Deleted {
                        self.provisioning.remove(&key_of(c));
                        self.retries.remove(&key_of(c));
                    } else if wants_us(c) {
                        self.dirty.insert(key_of(c));
                    }
                }
            }
        }
        if let Some(w) = self.volumes {
            for ev in ctx.api.poll(w) {
                if let Object::PersistentVolume(v) = &*ev.object {
                    if ev.type_ == WatchType::Deleted {
                        self.deleting.remove(&v.metadata.name);
                    } else {
                        self.consider_volume(ctx, v);
                    }
                }
            }
        }
        let now = ctx.now;
        let due: Vec<Key> = self
            .retries
            .iter()
            .filter(|(_, (t, _))| *t <= now)
            .map(|(k, _)| k.clone())
            .collect();
        self.dirty.extend(due);
        for key in std::mem::take(&mut self.dirty) {
            self.consider(ctx, &key);
        }
        let ready: Vec<Key> = self
            .provisioning
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in ready {
            self.provisioning.remove(&key);
            self.provision(ctx, &key);
        }
        let gone: Vec<String> = self
            .deleting
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for name in gone {
            self.deleting.remove(&name);
            let _ = ctx
                .api
                .delete(Kind::PersistentVolume, "", &name, &DeleteOptions::default());
        }
        let next = [
            self.provisioning.values().min().copied(),
            self.retries.values().map(|(t, _)| *t).min(),
            self.deleting.values().min().copied(),
        ]
        .into_iter()
        .flatten()
        .min();
        if let Some(t) = next {
            ctx.wake_at(t.max(now));
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
