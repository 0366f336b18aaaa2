//! The garbage collector (`pkg/controller/garbagecollector`), for the default
//! background propagation: when an object is deleted, the objects whose
//! `ownerReferences` name it lose that reference, and those with no owner left are
//! deleted in turn (a ReplicaSet's or ReplicationController's pods, a Deployment's
//! ReplicaSets, a CronJob's Jobs, a Job's pods, the ControllerRevisions of DaemonSets
//! and StatefulSets, and the claims a StatefulSet with `whenDeleted: Delete` owns).

use crate::api::Kind;
use crate::apiserver::store::{EventType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::sim::{Component, ComponentCtx};

/// The kinds whose objects own others here, and the kinds they own.
const OWNERS: [Kind; 8] = [
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::DaemonSet,
    Kind::CronJob,
    Kind::Job,
    Kind::ReplicationController,
    Kind::Pod,
];
const DEPENDENTS: [Kind; 5] = [
    Kind::ReplicaSet,
    Kind::Job,
    Kind::Pod,
    Kind::ControllerRevision,
    Kind::PersistentVolumeClaim,
];

#[derive(Default)]
pub struct GarbageCollector {
    watches: Vec<WatchId>,
}

impl GarbageCollector {
    pub fn new() -> Self {
        Self::default()
    }

    /// An owner is gone: its dependents lose the reference; orphans are deleted.
    fn collect(ctx: &mut ComponentCtx, owner_uid: &str) {
        for kind in DEPENDENTS {
            for o in ctx.api.store.owned_by(kind, owner_uid) {
                let mut obj = (*o).clone();
                let m = obj.meta_mut();
                m.owner_references.retain(|r| r.uid != owner_uid);
                let (ns, name) = (m.namespace.clone(), m.name.clone());
                if m.owner_references.is_empty() {
                    let _ = ctx.api.delete(kind, &ns, &name, &DeleteOptions::default());
                } else {
                    let _ = ctx.api.update(obj);
                }
            }
        }
    }
}

impl Component for GarbageCollector {
    fn name(&self) -> String {
        "kube-controller-manager/garbage-collector-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.watches = OWNERS
            .iter()
            .filter_map(|k| ctx.api.watch(WatchFilter::all(*k), None).ok())
            .collect();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        self.watches.iter().any(|w| api.store.pending(*w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        for w in self.watches.clone() {
            for ev in ctx.api.poll(w) {
                if ev.type_ == EventType::Deleted {
                    let uid = ev.object.meta().uid.clone();
                    Self::collect(ctx, &uid);
                }
            }
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
