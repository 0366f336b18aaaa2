//! The TTL-after-finished controller (`pkg/controller/ttlafterfinished`): deletes a
//! Job `ttlSecondsAfterFinished` seconds after it finished (its `Complete` or `Failed`
//! condition's transition time), re-reading the Job first so a changed TTL or a
//! restarted Job is respected. Upstream deletes with `propagationPolicy: Foreground`;
//! here the Job goes at once and the garbage collector deletes its pods in the same
//! instant (finished pods need no grace period), which looks the same from kubectl.

use std::collections::BTreeSet;

use crate::api::batch_v1::Job;
use crate::api::{Kind, Object};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::sim::{Component, ComponentCtx, Millis};

type Key = (String, String);

#[derive(Default)]
pub struct TtlAfterFinishedController {
    jobs: Option<WatchId>,
    /// Jobs to look at again when their TTL runs out: (time, key).
    timers: BTreeSet<(Millis, Key)>,
}

/// When the Job's TTL runs out, if it has one and has finished.
pub fn expires_at(job: &Job) -> Option<Millis> {
    let ttl = job.spec.ttl_seconds_after_finished?;
    let finished = crate::controllers::job::is_finished(job)?;
    let at = finished.last_transition_time?.0;
    Some(at.saturating_add(i64::from(ttl).saturating_mul(1000)))
}

impl TtlAfterFinishedController {
    pub fn new() -> Self {
        Self::default()
    }

    fn check(&mut self, ctx: &mut ComponentCtx, key: &Key) {
        let Ok(o) = ctx.api.get(Kind::Job, &key.0, &key.1) else {
            return;
        };
        let Object::Job(j) = &*o else { return };
        if j.metadata.deletion_timestamp.is_some() {
            return;
        }
        let Some(at) = expires_at(j) else { return };
        if at > ctx.now {
            self.timers.insert((at, key.clone()));
            ctx.wake_at(at);
            return;
        }
        let opts = DeleteOptions {
            precondition_rv: Some(j.metadata.resource_version.clone()),
            ..Default::default()
        };
        let _ = ctx.api.delete(Kind::Job, &key.0, &key.1, &opts);
    }
}

impl Component for TtlAfterFinishedController {
    fn name(&self) -> String {
        "kube-controller-manager/ttl-after-finished-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.jobs = ctx.api.watch(WatchFilter::all(Kind::Job), None).ok();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        self.jobs.is_some_and(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let mut dirty: BTreeSet<Key> = BTreeSet::new();
        if let Some(w) = self.jobs {
            for ev in ctx.api.poll(w) {
                if ev.type_ == WatchType::Deleted {
                    continue;
                }
                if let Object::Job(j) = &*ev.object {
                    if expires_at(j).is_some() {
                        dirty.insert((j.metadata.namespace.clone(), j.metadata.name.clone()));
                    }
                }
            }
        }
        while let Some((t, key)) = self.timers.first().cloned() {
            if t > ctx.now {
                ctx.wake_at(t);
                break;
            }
            self.timers.pop_first();
            dirty.insert(key);
        }
        for key in dirty {
            self.check(ctx, &key);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
