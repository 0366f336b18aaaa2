//! The CronJob controller (`pkg/controller/cronjob`, the v2 controller): creates a Job
//! for each scheduled time of a CronJob, read from the simulated clock.
//!
//! The Job is named `<cronjob>-<minutes since the epoch of the scheduled time>`, built
//! from the job template with the `batch.kubernetes.io/cronjob-scheduled-timestamp`
//! annotation (RFC 3339 in the CronJob's `timeZone`) and owned by the CronJob. The
//! most recent unmet schedule time counts from `lastScheduleTime` (or the creation
//! time), bounded by `startingDeadlineSeconds`; more than 100 missed times give the
//! `TooManyMissedTimes` warning, a start later than the deadline `MissSchedule`.
//! `concurrencyPolicy`: Allow, Forbid (`JobAlreadyActive`) or Replace (the running
//! Jobs deleted). `suspend` stops new Jobs. Finished Jobs leave `status.active`
//! (`SawCompletedJob`), the succeeded ones set `lastSuccessfulTime`, and the oldest
//! beyond `successfulJobsHistoryLimit` (3) / `failedJobsHistoryLimit` (1) are deleted.
//! The controller wakes 100 ms after each next schedule time, as upstream requeues.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::batch_v1::{CronJob, Job};
use crate::api::core_v1::ObjectReference;
use crate::api::cron::{rfc3339_in, zone_offset, Schedule};
use crate::api::meta::{OwnerReference, Time};
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions, Reason};
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

pub const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/// `nextScheduleDelta`: the controller looks 100 ms after a schedule time.
const NEXT_SCHEDULE_DELTA: Millis = 100;

type Key = (String, String);

pub struct CronJobController {
    cronjobs: Option<WatchId>,
    jobs: Option<WatchId>,
    recorder: Recorder,
    timers: BTreeSet<(Millis, Key)>,
}

impl Default for CronJobController {
    fn default() -> Self {
        CronJobController {
            cronjobs: None,
            jobs: None,
            recorder: Recorder::legacy("cronjob-controller", ""),
            timers: BTreeSet::new(),
        }
    }
}

/// The Job name for a scheduled time (`getJobName`).
pub fn job_name(cj: &str, scheduled: Millis) -> String {
    format!("{cj}-{}", scheduled.div_euclid(60_000))
}

fn job_finished(j: &Job) -> Option<&str> {
    crate::controllers::job::is_finished(j).map(|c| c.type_.as_str())
}

fn job_ref(j: &Job) -> ObjectReference {
    ObjectReference {
        kind: "Job".into(),
        namespace: j.metadata.namespace.clone(),
        name: j.metadata.name.clone(),
        uid: j.metadata.uid.clone(),
        api_version: "batch/v1".into(),
        resource_version: j.metadata.resource_version.clone(),
        ..Default::default()
    }
}

/// The Job of a scheduled time (`getJobFromTemplate2`).
pub fn job_from_template(cj: &CronJob, scheduled: Millis, offset_s: i64) -> Job {
    let t = &cj.spec.job_template;
    let mut annotations = t.metadata.annotations.clone();
    annotations.insert(SCHEDULED_TIMESTAMP.into(), rfc3339_in(scheduled, offset_s));
    Job {
        metadata: ObjectMeta {
            name: job_name(&cj.metadata.name, scheduled),
            namespace: cj.metadata.namespace.clone(),
            labels: t.metadata.labels.clone(),
            annotations,
            owner_references: vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: cj.metadata.name.clone(),
                uid: cj.metadata.uid.clone(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }],
            ..Default::default()
        },
        spec: t.spec.clone(),
        status: None,
    }
}

/// `mostRecentScheduleTime`: (earliest time considered, the most recent schedule time
/// not after now, how many were missed).
fn most_recent(
    cj: &CronJob,
    now: Millis,
    sched: &Schedule,
    offset: i64,
    with_deadline: bool,
) -> Result<(Millis, Option<Millis>, i64), String> {
    let mut earliest = cj.metadata.creation_timestamp.map_or(now, |t| t.0);
    if let Some(t) = cj.status.as_ref().and_then(|s| s.last_schedule_time) {
        earliest = t.0;
    }
    if with_deadline {
        if let Some(d) = cj.spec.starting_deadline_seconds {
            let deadline = now - d.saturating_mul(1000);
            if deadline > earliest {
                earliest = deadline;
            }
        }
    }
    let Some(t1) = sched.next(earliest, offset) else {
        return Ok((earliest, None, 0));
    };
    if now < t1 {
        return Ok((earliest, None, 0));
    }
    let Some(t2) = sched.next(t1, offset) else {
        return Ok((earliest, Some(t1), 1));
    };
    if now < t2 {
        return Ok((earliest, Some(t1), 1));
    }
    let between = (t2 - t1 + 500) / 1000;
    if between < 1 {
        return Err("time difference between two schedules is less than 1 second".into());
    }
    // Walk the schedule (exact for irregular schedules); far behind, count by the
    // interval as upstream does.
    let (mut last, mut n) = (t1, 1i64);
    let mut cur = t2;
    while cur <= now && n < 10_000 {
        last = cur;
        n += 1;
        match sched.next(cur, offset) {
            Some(c) => cur = c,
            None => break,
        }
    }
    if cur <= now {
        n = (now - t1) / 1000 / between + 1;
        last = t1 + (n - 1) * between * 1000;
    }
    Ok((earliest, Some(last), n))
}

impl CronJobController {
    pub fn new() -> Self {
        Self::default()
    }

    fn event(
        &mut self,
        ctx: &mut ComponentCtx,
        cj: &CronJob,
        type_: EventType,
        reason: &str,
        msg: &str,
    ) {
        let obj = Object::CronJob(Arc::new(cj.clone()));
        events::record(
            ctx.api,
            ctx.now,
            &mut self.recorder,
            &obj,
            type_,
            reason,
            "",
            msg,
        );
    }

    fn requeue(&mut self, ctx: &mut ComponentCtx, key: &Key, at: Millis) {
        self.timers.insert((at, key.clone()));
        ctx.wake_at(at);
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, key: &Key) {
        let Ok(o) = ctx.api.get(Kind::CronJob, &key.0, &key.1) else {
            return;
        };
        let Object::CronJob(shared) = &*o else { return };
        let mut cj: CronJob = (**shared).clone();
        let old_status = cj.status.clone();
        let uid = cj.metadata.uid.clone();
        let children: Vec<Arc<Job>> = ctx
            .api
            .store
            .owned_by(Kind::Job, &uid)
            .iter()
            .filter_map(|o| match &**o {
                Object::Job(j)
                    if j.metadata.namespace == cj.metadata.namespace
                        && j.metadata.controller_ref().is_some_and(|r| r.uid == uid) =>
                {
                    Some(j.clone())
                }
                _ => None,
            })
            .collect();
        self.sync_cronjob(ctx, key, &mut cj, &children);
        if self.cleanup_finished(ctx, &mut cj, &children) || cj.status != old_status {
            let st = cj.status.get_or_insert_with(Default::default);
            let _ = st;
            let _ = ctx.api.update_status(cj.into_object());
        }
    }

    fn sync_cronjob(
        &mut self,
        ctx: &mut ComponentCtx,
        key: &Key,
        cj: &mut CronJob,
        children: &[Arc<Job>],
    ) {
        let now = ctx.now;
        let st = cj.status.get_or_insert_with(Default::default);
        let mut events: Vec<(EventType, &str, String)> = Vec::new();
        let mut names: BTreeMap<String, ()> = BTreeMap::new();
        for j in children {
            names.insert(j.metadata.name.clone(), ());
            let found = st.active.iter().any(|r| r.uid == j.metadata.uid);
            let finished = job_finished(j);
            if !found && finished.is_none() {
                events.push((
                    EventType::Warning,
                    "UnexpectedJob",
                    format!(
                        "Saw a job that the controller did not create or forgot: {}",
                        j.metadata.name
                    ),
                ));
            } else if found {
                if let Some(cond) = finished {
                    st.active.retain(|r| r.uid != j.metadata.uid);
                    events.push((
                        EventType::Normal,
                        "SawCompletedJob",
                        format!("Saw completed job: {}, condition: {cond}", j.metadata.name),
                    ));
                }
            }
            if finished == Some("Complete") {
                let done = j.status.as_ref().and_then(|s| s.completion_time);
                if let Some(t) = done {
                    if st.last_successful_time.is_none_or(|l| t.0 > l.0) {
                        st.last_successful_time = Some(t);
                    }
                }
            }
        }
        // Active Jobs that are gone.
        let mut missing = Vec::new();
        st.active.retain(|r| {
            let exists = match ctx.api.get(Kind::Job, &r.namespace, &r.name) {
                Ok(o) => o.meta().uid == r.uid,
                Err(_) => false,
            };
            if !exists {
                missing.push(r.name.clone());
            }
            exists
        });
        for name in missing {
            events.push((
                EventType::Normal,
                "MissingJob",
                format!("Active job went missing: {name}"),
            ));
        }
        for (t, r, m) in events {
            self.event(ctx, cj, t, r, &m);
        }
        if cj.metadata.deletion_timestamp.is_some() {
            return;
        }
        let mut offset = 0;
        if let Some(tz) = &cj.spec.time_zone {
            match zone_offset(tz) {
                Some(o) => offset = o,
                None => {
                    let msg = format!("invalid timeZone: {tz:?}: unknown time zone {tz}");
                    self.event(ctx, cj, EventType::Warning, "UnknownTimeZone", &msg);
                    return;
                }
            }
        }
        if cj.spec.suspend == Some(true) {
            return;
        }
        let sched = match Schedule::parse(&cj.spec.schedule) {
            Ok(s) => s,
            Err(e) => {
                let msg = format!("unparseable schedule: {:?} : {e}", cj.spec.schedule);
                self.event(ctx, cj, EventType::Warning, "UnparseableSchedule", &msg);
                return;
            }
        };
        let requeue_next = |cj: &CronJob| -> Option<Millis> {
            let (earliest, recent, _) = most_recent(cj, now, &sched, offset, false).ok()?;
            let base = recent.unwrap_or(earliest);
            Some(sched.next(base, offset)? + NEXT_SCHEDULE_DELTA)
        };
        let scheduled = match most_recent(cj, now, &sched, offset, true) {
            Ok((_, Some(t), n)) if t <= now => {
                if n > 100 {
                    let msg = format!("too many missed start times: {n}. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
                    self.event(ctx, cj, EventType::Warning, "TooManyMissedTimes", &msg);
                }
                t
            }
            Ok(_) => {
                if let Some(t) = requeue_next(cj) {
                    self.requeue(ctx, key, t);
                }
                return;
            }
            Err(e) => {
                let msg = format!("invalid schedule: {} : {e}", cj.spec.schedule);
                self.event(ctx, cj, EventType::Warning, "InvalidSchedule", &msg);
                return;
            }
        };
        let too_late = cj
            .spec
            .starting_deadline_seconds
            .is_some_and(|d| scheduled + d.saturating_mul(1000) < now);
        if too_late {
            let msg = format!(
                "Missed scheduled time to start a job: {}",
                crate::kubectl::describe::writer::rfc1123z_millis(scheduled)
            );
            self.event(ctx, cj, EventType::Warning, "MissSchedule", &msg);
            if let Some(t) = requeue_next(cj) {
                self.requeue(ctx, key, t);
            }
            return;
        }
        let name = job_name(&cj.metadata.name, scheduled);
        let st = cj.status.get_or_insert_with(Default::default);
        if st.active.iter().any(|r| r.name == name)
            || st.last_schedule_time.is_some_and(|t| t.0 == scheduled)
        {
            if let Some(t) = requeue_next(cj) {
                self.requeue(ctx, key, t);
            }
            return;
        }
        if cj.spec.concurrency_policy == "Forbid" && !st.active.is_empty() {
            self.event(
                ctx,
                cj,
                EventType::Normal,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
            );
            if let Some(t) = requeue_next(cj) {
                self.requeue(ctx, key, t);
            }
            return;
        }
        if cj.spec.concurrency_policy == "Replace" {
            for r in st.active.clone() {
                if self.delete_job(ctx, cj, &r.namespace, &r.name) {
                    let st = cj.status.get_or_insert_with(Default::default);
                    st.active.retain(|a| a.uid != r.uid);
                }
            }
        }
        let job = job_from_template(cj, scheduled, offset);
        match ctx.api.create(job.into_object()) {
            Ok(o) => {
                let Object::Job(j) = &*o else { return };
                let msg = format!("Created job {}", j.metadata.name);
                self.event(ctx, cj, EventType::Normal, "SuccessfulCreate", &msg);
                let st = cj.status.get_or_insert_with(Default::default);
                st.active.push(job_ref(j));
                st.last_schedule_time = Some(Time(scheduled));
            }
            Err(e) if e.reason == Reason::AlreadyExists => {
                // Created in an earlier pass; owned by us, it is the scheduled Job.
                let st = cj.status.get_or_insert_with(Default::default);
                st.last_schedule_time = Some(Time(scheduled));
            }
            Err(e) => {
                let msg = format!("Error creating job: {}", e.message);
                self.event(ctx, cj, EventType::Warning, "FailedCreate", &msg);
                return;
            }
        }
        if let Some(t) = requeue_next(cj) {
            self.requeue(ctx, key, t);
        }
    }

    /// Deletes a Job (its pods follow through the garbage collector).
    fn delete_job(&mut self, ctx: &mut ComponentCtx, cj: &CronJob, ns: &str, name: &str) -> bool {
        match ctx
            .api
            .delete(Kind::Job, ns, name, &DeleteOptions::default())
        {
            Ok(_) => {
                let msg = format!("Deleted job {name}");
                self.event(ctx, cj, EventType::Normal, "SuccessfulDelete", &msg);
                true
            }
            Err(e) => e.reason == Reason::NotFound,
        }
    }

    /// `cleanupFinishedJobs`: the oldest finished Jobs beyond the history limits go.
    fn cleanup_finished(
        &mut self,
        ctx: &mut ComponentCtx,
        cj: &mut CronJob,
        children: &[Arc<Job>],
    ) -> bool {
        let (succ_limit, fail_limit) = (
            cj.spec.successful_jobs_history_limit,
            cj.spec.failed_jobs_history_limit,
        );
        if succ_limit.is_none() && fail_limit.is_none() {
            return false;
        }
        let mut changed = false;
        for (want, limit) in [("Complete", succ_limit), ("Failed", fail_limit)] {
            let Some(limit) = limit else { continue };
            let mut done: Vec<&Arc<Job>> = children
                .iter()
                .filter(|j| job_finished(j) == Some(want))
                .collect();
            if done.len() <= limit.max(0) as usize {
                continue;
            }
            // Oldest start first; Jobs that never started last, then by name.
            done.sort_by(|a, b| {
                let sa = a.status.as_ref().and_then(|s| s.start_time).map(|t| t.0);
                let sb = b.status.as_ref().and_then(|s| s.start_time).map(|t| t.0);
                match (sa, sb) {
                    (Some(x), Some(y)) if x != y => x.cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    _ => a.metadata.name.cmp(&b.metadata.name),
                }
            });
            let n = done.len() - limit.max(0) as usize;
            for j in done.into_iter().take(n) {
                if self.delete_job(ctx, cj, &j.metadata.namespace, &j.metadata.name) {
                    let st = cj.status.get_or_insert_with(Default::default);
                    st.active.retain(|a| a.uid != j.metadata.uid);
                    changed = true;
                }
            }
        }
        changed
    }
}

impl Component for CronJobController {
    fn name(&self) -> String {
        "kube-controller-manager/cronjob-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.cronjobs = ctx.api.watch(WatchFilter::all(Kind::CronJob), None).ok();
        self.jobs = ctx.api.watch(WatchFilter::all(Kind::Job), None).ok();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.cronjobs, self.jobs]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let mut dirty: BTreeSet<Key> = BTreeSet::new();
        if let Some(w) = self.cronjobs {
            for ev in ctx.api.poll(w) {
                if ev.type_ != WatchType::Deleted {
                    let m = ev.object.meta();
                    dirty.insert((m.namespace.clone(), m.name.clone()));
                }
            }
        }
        if let Some(w) = self.jobs {
            for ev in ctx.api.poll(w) {
                let m = ev.object.meta();
                if let Some(r) = m.controller_ref() {
                    if r.kind == "CronJob" {
                        dirty.insert((m.namespace.clone(), r.name.clone()));
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
        for key in &dirty {
            self.sync(ctx, key);
        }
        for w in [self.cronjobs, self.jobs].into_iter().flatten() {
            ctx.api.poll(w);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
