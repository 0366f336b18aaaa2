//! The storage-object-in-use protection controllers (`pkg/controller/volume/
//! pvcprotection` and `pvprotection`).
//!
//! - [`PvcProtectionController`]: a claim being deleted keeps its
//!   `kubernetes.io/pvc-protection` finalizer (and shows Terminating) while a pod
//!   scheduled to a node uses it; when the last such pod is gone the finalizer is
//!   removed and the claim with it. Claims missing the finalizer get it.
//! - [`PvProtectionController`]: a volume being deleted keeps
//!   `kubernetes.io/pv-protection` while it is Bound.
//!
//! The pods using a claim come from the store's claim index; the controller watches
//! pods only while a claim being deleted waits for its pods, so pods cost it nothing
//! the rest of the time.

use std::collections::BTreeSet;

use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object, Resource};
use crate::apiserver::admission::{PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::ApiServer;
use crate::sim::{Component, ComponentCtx};
use crate::volume_util as vu;

type Key = (String, String);

/// The pvc-protection-controller.
#[derive(Default)]
pub struct PvcProtectionController {
    claims: Option<WatchId>,
    /// A pod watch, open only while claims being deleted wait for their pods.
    pods: Option<WatchId>,
    /// Claims being deleted that pods on nodes still use.
    blocked: BTreeSet<Key>,
    dirty: BTreeSet<Key>,
}

/// Whether a pod scheduled to a node uses the claim (the kubelet will not start a
/// pod whose claim is being deleted, so pending pods do not count).
fn claim_in_use(api: &ApiServer, ns: &str, name: &str) -> bool {
    api.store
        .pods_using_claim(ns, name)
        .iter()
        .any(|o| matches!(&**o, Object::Pod(p) if !p.spec.node_name.is_empty()))
}

impl PvcProtectionController {
    pub fn new() -> Self {
        Self::default()
    }

    fn sync(&mut self, api: &mut ApiServer, key: &Key) {
        let (ns, name) = key;
        self.blocked.remove(key);
        let Ok(o) = api.get(Kind::PersistentVolumeClaim, ns, name) else {
            return;
        };
        let Object::PersistentVolumeClaim(c) = &*o else {
            return;
        };
        let has = c
            .metadata
            .finalizers
            .iter()
            .any(|f| f == PVC_PROTECTION_FINALIZER);
        if c.metadata.deletion_timestamp.is_none() {
            if !has {
                let mut nc = (**c).clone();
                nc.metadata.finalizers.push(PVC_PROTECTION_FINALIZER.into());
                let _ = api.update(nc.into_object());
            }
            return;
        }
        if !has {
            return;
        }
        if claim_in_use(api, ns, name) {
            self.blocked.insert(key.clone());
            return;
        }
        let mut nc = (**c).clone();
        nc.metadata
            .finalizers
            .retain(|f| f != PVC_PROTECTION_FINALIZER);
        let _ = api.update(nc.into_object());
    }
}

impl Component for PvcProtectionController {
    fn name(&self) -> String {
        "pvc-protection-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        let all = (Selector::everything(), FieldSelector::everything());
        for o in ctx
            .api
            .list(Kind::PersistentVolumeClaim, None, &all.0, &all.1)
        {
            if o.meta().deletion_timestamp.is_some() {
                self.dirty
                    .insert((o.meta().namespace.clone(), o.meta().name.clone()));
            }
        }
        self.claims = ctx
            .api
            .watch(WatchFilter::all(Kind::PersistentVolumeClaim), None)
            .ok();
        if !self.dirty.is_empty() {
            ctx.wake_after(0);
        }
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.claims, self.pods]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        if let Some(w) = self.pods {
            for ev in ctx.api.poll(w) {
                if let Object::Pod(p) = &*ev.object {
                    for v in &p.spec.volumes {
                        if let Some((claim, _)) = vu::volume_claim_name(p, v) {
                            let key = (p.metadata.namespace.clone(), claim);
                            if self.blocked.contains(&key) {
                                self.dirty.insert(key);
                            }
                        }
                    }
                }
            }
        }
        if let Some(w) = self.claims {
            for ev in ctx.api.poll(w) {
                if let Object::PersistentVolumeClaim(c) = &*ev.object {
                    let key = (c.metadata.namespace.clone(), c.metadata.name.clone());
                    if ev.type_ == WatchType::Deleted {
                        self.blocked.remove(&key);
                    } else {
                        self.dirty.insert(key);
                    }
                }
            }
        }
        for key in std::mem::take(&mut self.dirty) {
            self.sync(ctx.api, &key);
        }
        // Watch pods only while some claim waits for them to go.
        match (self.blocked.is_empty(), self.pods) {
            (false, None) => self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok(),
            (true, Some(w)) => {
                ctx.api.unwatch(w);
                self.pods = None;
            }
            _ => {}
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// The pv-protection-controller.
#[derive(Default)]
pub struct PvProtectionController {
    volumes: Option<WatchId>,
}

impl PvProtectionController {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Component for PvProtectionController {
    fn name(&self) -> String {
        "pv-protection-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.volumes = ctx
            .api
            .watch(WatchFilter::all(Kind::PersistentVolume), None)
            .ok();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        self.volumes.is_some_and(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let Some(w) = self.volumes else {
            return;
        };
        let names: BTreeSet<String> = ctx
            .api
            .poll(w)
            .iter()
            .filter(|ev| ev.type_ != WatchType::Deleted)
            .map(|ev| ev.object.meta().name.clone())
            .collect();
        for name in names {
            let Ok(o) = ctx.api.get(Kind::PersistentVolume, "", &name) else {
                continue;
            };
            let Object::PersistentVolume(v) = &*o else {
                continue;
            };
            let has = v
                .metadata
                .finalizers
                .iter()
                .any(|f| f == PV_PROTECTION_FINALIZER);
            let mut nv = (**v).clone();
            if v.metadata.deletion_timestamp.is_none() {
                if has {
                    continue;
                }
                nv.metadata.finalizers.push(PV_PROTECTION_FINALIZER.into());
            } else {
                let bound = v.status.as_ref().is_some_and(|s| s.phase == "Bound");
                if !has || bound {
                    continue;
                }
                nv.metadata
                    .finalizers
                    .retain(|f| f != PV_PROTECTION_FINALIZER);
            }
            let _ = ctx.api.update(nv.into_object());
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
