//! The Job controller (`pkg/controller/job`): runs a Job's pods to completion.
//!
//! Pods are created from the template (slow-start batches, `<job>-` generated names,
//! owned with `controller: true`) until `completions` succeeded, at most `parallelism`
//! at a time. `Indexed` Jobs give each pod a completion index (annotation and label
//! `batch.kubernetes.io/job-completion-index`, hostname `<job>-<index>`, the
//! `JOB_COMPLETION_INDEX` variable read from the annotation) and track
//! `completedIndexes`. Every pod carries the `batch.kubernetes.io/job-tracking`
//! finalizer until the controller has counted it: finished pods first go to
//! `status.uncountedTerminatedPods`, lose the finalizer, then move to the counters.
//!
//! Failures: a failed pod (or one deleted before succeeding) counts toward
//! `backoffLimit` (default 6); new pods wait out the failure backoff (10 s doubling per
//! consecutive failure, at most 6 min). With `restartPolicy: OnFailure` the kubelet
//! restarts containers in place and the restarts of running pods count instead.
//! `activeDeadlineSeconds` is timed from `startTime`. `podFailurePolicy` rules
//! (FailJob / Ignore / Count on exit codes and pod conditions) are matched in order.
//! As in 1.32 the terminal conditions are delayed: `FailureTarget` / `SuccessCriteriaMet`
//! first, active pods deleted, then `Failed` / `Complete` once no pod is terminating.
//! `suspend` deletes the active pods and sets the `Suspended` condition.
//! Events: SuccessfulCreate, SuccessfulDelete, Completed, BackoffLimitExceeded,
//! DeadlineExceeded, PodFailurePolicy, Suspended, Resumed.
//!
//! A pod event costs a look at its controller reference; a sync reads only the Job's
//! own pods through the store's owner index.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::api::batch_v1::{Job, JobCondition, JobStatus, PodFailurePolicy};
use crate::api::core_v1::{EnvVar, EnvVarSource, ObjectFieldSelector, Pod};
use crate::api::meta::{OwnerReference, Time};
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

pub const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
/// `DefaultJobPodFailureBackOff` and `MaxJobPodFailureBackOff`.
pub const DEFAULT_BACKOFF: Millis = 10_000;
pub const MAX_BACKOFF: Millis = 360_000;
/// At most this many pods created or deleted per sync (`burstReplicas`).
const BURST: usize = 500;

type Key = (String, String);

/// Failures since the last success, for the pod creation backoff.
#[derive(Clone, Copy, Debug, Default)]
struct BackoffRecord {
    failures_after_last_success: u32,
    last_failure: Millis,
}

impl BackoffRecord {
    /// How long pod creation must still wait (`getRemainingTime`).
    fn remaining(&self, now: Millis) -> Millis {
        if self.failures_after_last_success == 0 {
            return 0;
        }
        let exp = (self.failures_after_last_success - 1).min(20);
        let backoff = DEFAULT_BACKOFF.saturating_mul(1 << exp).min(MAX_BACKOFF);
        let elapsed = now - self.last_failure;
        (backoff - elapsed).max(0)
    }
}

pub struct JobController {
    jobs: Option<WatchId>,
    pods: Option<WatchId>,
    recorder: Recorder,
    backoff: HashMap<String, BackoffRecord>,
    /// Jobs to sync again at a time (backoff, deadlines): (time, key).
    timers: BTreeSet<(Millis, Key)>,
}

impl Default for JobController {
    fn default() -> Self {
        JobController {
            jobs: None,
            pods: None,
            recorder: Recorder::legacy("job-controller", ""),
            backoff: HashMap::new(),
            timers: BTreeSet::new(),
        }
    }
}

fn phase(p: &Pod) -> &str {
    p.status.as_ref().map_or("", |s| s.phase.as_str())
}

fn is_terminal(p: &Pod) -> bool {
    matches!(phase(p), "Succeeded" | "Failed")
}

/// `FilterActivePods`: not finished and not being deleted.
fn is_active(p: &Pod) -> bool {
    !is_terminal(p) && p.metadata.deletion_timestamp.is_none()
}

fn is_ready(p: &Pod) -> bool {
    p.status.as_ref().is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True")
    })
}

fn has_finalizer(p: &Pod) -> bool {
    p.metadata
        .finalizers
        .iter()
        .any(|f| f == TRACKING_FINALIZER)
}

/// `onlyReplaceFailedPods`.
fn only_replace_failed(job: &Job) -> bool {
    job.spec.pod_replacement_policy.as_deref() == Some("Failed")
        || job.spec.pod_failure_policy.is_some()
}

/// `isPodFailed`: failed, or (unless only failed pods are replaced) deleted before
/// it succeeded.
fn is_pod_failed(p: &Pod, job: &Job) -> bool {
    if phase(p) == "Failed" {
        return true;
    }
    if only_replace_failed(job) {
        return false;
    }
    p.metadata.deletion_timestamp.is_some() && phase(p) != "Succeeded"
}

fn is_indexed(job: &Job) -> bool {
    job.spec.completion_mode.as_deref() == Some("Indexed")
}

fn suspended(job: &Job) -> bool {
    job.spec.suspend == Some(true)
}

/// The pod's completion index, if it has a valid one.
fn completion_index(p: &Pod) -> Option<i32> {
    let v = p.metadata.annotations.get(COMPLETION_INDEX)?;
    match v.parse::<i32>() {
        Ok(i) if i >= 0 && !v.starts_with('+') => Some(i),
        _ => None,
    }
}

/// When the pod finished: its containers' last `finishedAt`, else its deletion.
fn finish_time(p: &Pod, now: Millis) -> Millis {
    let st = p.status.as_ref();
    st.into_iter()
        .flat_map(|s| {
            s.container_statuses
                .iter()
                .chain(&s.init_container_statuses)
        })
        .filter_map(|c| c.state.terminated.as_ref()?.finished_at.map(|t| t.0))
        .max()
        .or_else(|| p.metadata.deletion_timestamp.map(|t| t.0))
        .unwrap_or(now)
}

/// Whether a Job has finished (`Complete` or `Failed` is True).
pub fn is_finished(job: &Job) -> Option<&JobCondition> {
    job.status
        .as_ref()?
        .conditions
        .iter()
        .find(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
}

fn find_condition<'a>(st: &'a JobStatus, type_: &str) -> Option<&'a JobCondition> {
    st.conditions
        .iter()
        .find(|c| c.type_ == type_ && c.status == "True")
}

fn condition(type_: &str, reason: &str, message: &str, now: Millis) -> JobCondition {
    JobCondition {
        type_: type_.into(),
        status: "True".into(),
        last_probe_time: Some(Time(now / 1000 * 1000)),
        last_transition_time: Some(Time(now / 1000 * 1000)),
        reason: reason.into(),
        message: message.into(),
    }
}

/// `matchPodFailurePolicy`: the FailJob message, whether the failure counts, and the
/// action of the matching rule.
pub fn match_pod_failure_policy(
    pfp: &PodFailurePolicy,
    pod: &Pod,
) -> (Option<String>, bool, Option<String>) {
    let st = pod.status.clone().unwrap_or_default();
    for (index, rule) in pfp.rules.iter().enumerate() {
        let mut matched: Option<String> = None;
        if let Some(req) = &rule.on_exit_codes {
            for c in st
                .init_container_statuses
                .iter()
                .chain(&st.container_statuses)
            {
                if req
                    .container_name
                    .as_ref()
                    .is_some_and(|n| !n.is_empty() && *n != c.name)
                {
                    continue;
                }
                let Some(t) = &c.state.terminated else {
                    continue;
                };
                let code = t.exit_code;
                let hit = match req.operator.as_str() {
                    "In" => req.values.contains(&code),
                    "NotIn" => code != 0 && !req.values.contains(&code),
                    _ => false,
                };
                if hit {
                    matched = Some(format!(
                        "Container {} for pod {}/{} failed with exit code {code} matching {} rule at index {index}",
                        c.name, pod.metadata.namespace, pod.metadata.name, rule.action
                    ));
                    break;
                }
            }
        }
        for pat in &rule.on_pod_conditions {
            if matched.is_some() {
                break;
            }
            if st
                .conditions
                .iter()
                .any(|c| c.type_ == pat.type_ && c.status == pat.status)
            {
                matched = Some(format!(
                    "Pod {}/{} has condition {} matching {} rule at index {index}",
                    pod.metadata.namespace, pod.metadata.name, pat.type_, rule.action
                ));
            }
        }
        if let Some(msg) = matched {
            return match rule.action.as_str() {
                "FailJob" => (Some(msg), true, Some(rule.action.clone())),
                "Ignore" => (None, false, Some(rule.action.clone())),
                _ => (None, true, Some(rule.action.clone())),
            };
        }
    }
    (None, true, None)
}

/// Parses `completedIndexes` (`1,3-5`).
pub fn parse_indexes(s: &str, completions: i32) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        if let (Ok(a), Ok(b)) = (a.parse::<i32>(), b.parse::<i32>()) {
            for i in a.max(0)..=b.min(completions - 1) {
                out.insert(i);
            }
        }
    }
    out
}

/// Formats indexes as `completedIndexes` does: ranges of three or more as `a-b`.
pub fn format_indexes(ix: &BTreeSet<i32>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let v: Vec<i32> = ix.iter().copied().collect();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        if j == i {
            parts.push(v[i].to_string());
        } else {
            parts.push(format!("{}-{}", v[i], v[j]));
        }
        i = j + 1;
    }
    parts.join(",")
}

/// Upstream `ActivePods` order: the pods to delete first come first.
fn deletion_rank(p: &Pod) -> (bool, u8, bool, i32, std::cmp::Reverse<i64>) {
    let phase_rank = match phase(p) {
        "Pending" => 0,
        "Unknown" => 1,
        _ => 2,
    };
    let restarts = p.status.as_ref().map_or(0, |s| {
        s.container_statuses
            .iter()
            .map(|c| c.restart_count)
            .max()
            .unwrap_or(0)
    });
    (
        !p.spec.node_name.is_empty(),
        phase_rank,
        is_ready(p),
        -restarts,
        std::cmp::Reverse(p.metadata.creation_timestamp.map_or(0, |t| t.0)),
    )
}

pub(crate) fn owner_ref(job: &Job) -> OwnerReference {
    OwnerReference {
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        name: job.metadata.name.clone(),
        uid: job.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// A pod from the Job's template, with the tracking finalizer and, for Indexed Jobs,
/// its completion index.
fn pod_from_template(job: &Job, index: Option<i32>) -> Pod {
    let t = &job.spec.template;
    let mut spec = t.spec.clone();
    let mut labels = t.metadata.labels.clone();
    let mut annotations = t.metadata.annotations.clone();
    let mut finalizers = t.metadata.finalizers.clone();
    if !finalizers.iter().any(|f| f == TRACKING_FINALIZER) {
        finalizers.push(TRACKING_FINALIZER.into());
    }
    let mut generate_name = format!("{}-", job.metadata.name);
    if let Some(ix) = index {
        annotations.insert(COMPLETION_INDEX.into(), ix.to_string());
        labels.insert(COMPLETION_INDEX.into(), ix.to_string());
        if spec.hostname.is_empty() {
            spec.hostname = format!("{}-{ix}", job.metadata.name);
        }
        generate_name = format!("{}-{ix}-", job.metadata.name);
        for c in spec
            .init_containers
            .iter_mut()
            .chain(spec.containers.iter_mut())
        {
            if !c.env.iter().any(|e| e.name == "JOB_COMPLETION_INDEX") {
                c.env.push(EnvVar {
                    name: "JOB_COMPLETION_INDEX".into(),
                    value: String::new(),
                    value_from: Some(Box::new(EnvVarSource {
                        field_ref: Some(ObjectFieldSelector {
                            api_version: "v1".into(),
                            field_path: format!("metadata.annotations['{COMPLETION_INDEX}']"),
                        }),
                        ..Default::default()
                    })),
                });
            }
        }
    }
    // Names longer than 63 characters are cut as `podGenerateNameWithIndex` does.
    if generate_name.len() > 58 {
        let keep = 58 - (generate_name.len() - job.metadata.name.len());
        let name: String = job.metadata.name.chars().take(keep).collect();
        generate_name = match index {
            Some(ix) => format!("{name}-{ix}-"),
            None => format!("{name}-"),
        };
    }
    Pod {
        metadata: ObjectMeta {
            generate_name,
            namespace: job.metadata.namespace.clone(),
            labels,
            annotations,
            finalizers,
            owner_references: vec![owner_ref(job)],
            ..Default::default()
        },
        spec,
        status: None,
    }
}

/// What one sync found and decided.
struct SyncCtx {
    job: Job,
    pods: Vec<Arc<Pod>>,
    active_pods: Vec<Arc<Pod>>,
    ready: i32,
    terminating: i32,
    succeeded: i32,
    uncounted_succeeded: BTreeSet<String>,
    uncounted_failed: BTreeSet<String>,
    /// The condition the Job is heading to (interim or terminal).
    finished: Option<JobCondition>,
    succeeded_indexes: BTreeSet<i32>,
    prev_succeeded_indexes: BTreeSet<i32>,
}

impl JobController {
    pub fn new() -> Self {
        Self::default()
    }

    fn event(
        &mut self,
        ctx: &mut ComponentCtx,
        job: &Job,
        type_: EventType,
        reason: &str,
        msg: &str,
    ) {
        let obj = Object::Job(Arc::new(job.clone()));
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

    fn timer(&mut self, ctx: &mut ComponentCtx, at: Millis, key: &Key) {
        self.timers.insert((at, key.clone()));
        ctx.wake_at(at);
    }

    /// A pod that still has the tracking finalizer but whose Job is gone or finished
    /// (`syncOrphanPod`) loses the finalizer.
    fn clean_orphan(ctx: &mut ComponentCtx, p: &Pod) {
        if !has_finalizer(p) {
            return;
        }
        if let Some(r) = p.metadata.controller_ref() {
            if r.kind != "Job" || r.api_version != "batch/v1" {
                return;
            }
            if let Ok(o) = ctx.api.get(Kind::Job, &p.metadata.namespace, &r.name) {
                if let Object::Job(j) = &*o {
                    if j.metadata.uid == r.uid && is_finished(j).is_none() {
                        return;
                    }
                }
            }
        }
        remove_finalizer(ctx.api, p);
    }

    fn sync(&mut self, ctx: &mut ComponentCtx, key: &Key) {
        let Ok(o) = ctx.api.get(Kind::Job, &key.0, &key.1) else {
            return;
        };
        let Object::Job(shared) = &*o else { return };
        if is_finished(shared).is_some() {
            self.backoff.remove(&shared.metadata.uid);
            return;
        }
        if shared
            .spec
            .managed_by
            .as_deref()
            .is_some_and(|m| m != "kubernetes.io/job-controller")
        {
            return;
        }
        let mut job: Job = (**shared).clone();
        let old_status = job.status.clone().unwrap_or_default();
        let mut status = old_status.clone();
        if status.uncounted_terminated_pods.is_none() {
            status.uncounted_terminated_pods = Some(Default::default());
        }
        let uid = job.metadata.uid.clone();
        let pods: Vec<Arc<Pod>> = ctx
            .api
            .store
            .owned_by(Kind::Pod, &uid)
            .iter()
            .filter_map(|o| match &**o {
                Object::Pod(p)
                    if p.metadata.namespace == job.metadata.namespace
                        && p.metadata.controller_ref().is_some_and(|r| r.uid == uid) =>
                {
                    Some(p.clone())
                }
                _ => None,
            })
            .collect();
        let active_pods: Vec<Arc<Pod>> = pods.iter().filter(|p| is_active(p)).cloned().collect();
        let ready = active_pods.iter().filter(|p| is_ready(p)).count() as i32;
        let terminating = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_some() && !is_terminal(p))
            .count() as i32;
        let unc = status.uncounted_terminated_pods.clone().unwrap_or_default();
        let uncounted_succeeded: BTreeSet<String> = unc.succeeded.into_iter().collect();
        let uncounted_failed: BTreeSet<String> = unc.failed.into_iter().collect();
        // New finished pods: with the finalizer, not yet in the uncounted lists.
        let mut new_succeeded: Vec<&Arc<Pod>> = Vec::new();
        let mut new_failed: Vec<&Arc<Pod>> = Vec::new();
        for p in &pods {
            let u = &p.metadata.uid;
            if !has_finalizer(p) || uncounted_succeeded.contains(u) || uncounted_failed.contains(u)
            {
                continue;
            }
            if phase(p) == "Succeeded" {
                new_succeeded.push(p);
            } else if is_pod_failed(p, &job) {
                new_failed.push(p);
            }
        }
        let counted_new_failed = new_failed
            .iter()
            .filter(|p| {
                job.spec
                    .pod_failure_policy
                    .as_ref()
                    .is_none_or(|pfp| match_pod_failure_policy(pfp, p).1)
            })
            .count() as i32;
        let succeeded =
            status.succeeded + new_succeeded.len() as i32 + uncounted_succeeded.len() as i32;
        let failed = status.failed + counted_new_failed + uncounted_failed.len() as i32;
        if status.start_time.is_none() && !suspended(&job) {
            status.start_time = Some(Time(ctx.now / 1000 * 1000));
        }
        // The backoff record (`newBackoffRecord`).
        if !new_failed.is_empty() || !new_succeeded.is_empty() {
            let rec = self.backoff.entry(uid.clone()).or_default();
            let last_success = new_succeeded.iter().map(|p| finish_time(p, ctx.now)).max();
            let mut failures: Vec<Millis> =
                new_failed.iter().map(|p| finish_time(p, ctx.now)).collect();
            if let Some(s) = last_success {
                rec.failures_after_last_success = 0;
                failures.retain(|t| *t > s);
            }
            if let Some(last) = failures.iter().max() {
                rec.failures_after_last_success += failures.len() as u32;
                rec.last_failure = rec.last_failure.max(*last);
            }
        }
        job.status = Some(status);
        let mut sc = SyncCtx {
            job,
            pods,
            active_pods,
            ready,
            terminating,
            succeeded,
            uncounted_succeeded,
            uncounted_failed,
            finished: None,
            succeeded_indexes: BTreeSet::new(),
            prev_succeeded_indexes: BTreeSet::new(),
        };
        let st = sc.job.status.clone().unwrap_or_default();
        let backoff_limit = sc.job.spec.backoff_limit.unwrap_or(6);
        sc.finished = find_condition(&st, "SuccessCriteriaMet").cloned();
        if sc.finished.is_none() {
            if let Some(ft) = find_condition(&st, "FailureTarget") {
                sc.finished = Some(condition("Failed", &ft.reason, &ft.message, ctx.now));
            } else if let Some(pfp) = &sc.job.spec.pod_failure_policy {
                let msg = sc
                    .pods
                    .iter()
                    .filter(|p| is_pod_failed(p, &sc.job))
                    .find_map(|p| match_pod_failure_policy(pfp, p).0);
                if let Some(msg) = msg {
                    sc.finished = Some(condition(
                        "FailureTarget",
                        "PodFailurePolicy",
                        &msg,
                        ctx.now,
                    ));
                }
            }
        }
        if sc.finished.is_none() {
            if failed > backoff_limit || past_backoff_limit_on_failure(&sc.job, &sc.pods) {
                sc.finished = Some(condition(
                    "FailureTarget",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    ctx.now,
                ));
            } else if let (Some(ads), Some(start), false) = (
                sc.job.spec.active_deadline_seconds,
                st.start_time,
                suspended(&sc.job),
            ) {
                let deadline = start.0.saturating_add(ads.saturating_mul(1000));
                if ctx.now >= deadline {
                    sc.finished = Some(condition(
                        "FailureTarget",
                        "DeadlineExceeded",
                        "Job was active longer than specified deadline",
                        ctx.now,
                    ));
                } else {
                    self.timer(ctx, deadline, key);
                }
            }
        }
        if is_indexed(&sc.job) {
            let completions = sc.job.spec.completions.unwrap_or(0);
            sc.prev_succeeded_indexes = parse_indexes(&st.completed_indexes, completions);
            sc.succeeded_indexes = sc.prev_succeeded_indexes.clone();
            for p in &sc.pods {
                if phase(p) == "Succeeded" {
                    if let Some(ix) = completion_index(p).filter(|i| *i < completions) {
                        sc.succeeded_indexes.insert(ix);
                    }
                }
            }
            sc.succeeded = sc.succeeded_indexes.len() as i32;
        }
        let mut active = sc.active_pods.len() as i32;
        let mut suspend_changed = false;
        if sc.finished.is_some() {
            let pods = sc.active_pods.clone();
            let (deleted_ready, deleted) = self.delete_pods(ctx, &sc.job, &pods, false);
            if deleted != active {
                sc.finished = None;
            }
            active -= deleted;
            sc.terminating += deleted;
            sc.ready -= deleted_ready;
        } else {
            active = self.manage_job(ctx, key, &mut sc);
            let complete = match sc.job.spec.completions {
                None => sc.succeeded > 0 && active == 0,
                Some(c) => sc.succeeded >= c && active == 0,
            };
            if complete {
                sc.finished = Some(condition(
                    "SuccessCriteriaMet",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    ctx.now,
                ));
            } else {
                let job = sc.job.clone();
                let status = sc.job.status.get_or_insert_with(Default::default);
                let sus = status
                    .conditions
                    .iter_mut()
                    .find(|c| c.type_ == "Suspended");
                let t = Some(Time(ctx.now / 1000 * 1000));
                if suspended(&job) {
                    match sus {
                        Some(c) if c.status == "True" => {}
                        Some(c) => {
                            c.status = "True".into();
                            c.reason = "JobSuspended".into();
                            c.message = "Job suspended".into();
                            c.last_probe_time = t;
                            c.last_transition_time = t;
                            suspend_changed = true;
                        }
                        None => {
                            status.conditions.push(condition(
                                "Suspended",
                                "JobSuspended",
                                "Job suspended",
                                ctx.now,
                            ));
                            suspend_changed = true;
                        }
                    }
                    if suspend_changed {
                        self.event(ctx, &job, EventType::Normal, "Suspended", "Job suspended");
                    }
                } else if let Some(c) = sus.filter(|c| c.status == "True") {
                    c.status = "False".into();
                    c.reason = "JobResumed".into();
                    c.message = "Job resumed".into();
                    c.last_probe_time = t;
                    c.last_transition_time = t;
                    status.start_time = t;
                    suspend_changed = true;
                    self.event(ctx, &job, EventType::Normal, "Resumed", "Job resumed");
                }
            }
        }
        let status = sc.job.status.get_or_insert_with(Default::default);
        status.active = active;
        status.ready = Some(sc.ready);
        status.terminating = Some(sc.terminating);
        let _ = suspend_changed;
        self.track_and_remove_finalizers(ctx, sc, &old_status);
    }

    /// `manageJob`: creates or deletes pods toward the wanted number of active ones.
    fn manage_job(&mut self, ctx: &mut ComponentCtx, key: &Key, sc: &mut SyncCtx) -> i32 {
        let job = sc.job.clone();
        let mut active = sc.active_pods.len() as i32;
        if suspended(&job) {
            let pods = sc.active_pods.clone();
            let (rm_ready, rm) = self.delete_pods(ctx, &job, &pods, true);
            sc.terminating += rm;
            sc.ready -= rm_ready;
            return active - rm;
        }
        let parallelism = job.spec.parallelism.unwrap_or(1).max(0);
        let want = match job.spec.completions {
            None if sc.succeeded > 0 => active,
            None => parallelism,
            Some(c) => (c - sc.succeeded).clamp(0, parallelism),
        };
        let mut to_delete: Vec<Arc<Pod>> = Vec::new();
        if is_indexed(&job) {
            // Pods whose index is invalid, already succeeded or duplicated go first.
            let completions = job.spec.completions.unwrap_or(0);
            let mut seen = BTreeSet::new();
            let mut by_index = sc.active_pods.clone();
            by_index.sort_by_key(|p| (completion_index(p), std::cmp::Reverse(is_ready(p))));
            for p in &by_index {
                match completion_index(p) {
                    Some(ix)
                        if ix < completions
                            && !sc.succeeded_indexes.contains(&ix)
                            && seen.insert(ix) => {}
                    _ => to_delete.push(p.clone()),
                }
            }
        }
        let rm_at_least = (active - want).max(0) as usize;
        if to_delete.len() < rm_at_least {
            let mut rest: Vec<Arc<Pod>> = sc
                .active_pods
                .iter()
                .filter(|p| !to_delete.iter().any(|d| d.metadata.uid == p.metadata.uid))
                .cloned()
                .collect();
            rest.sort_by_key(|p| deletion_rank(p));
            let n = rm_at_least - to_delete.len();
            to_delete.extend(rest.into_iter().take(n));
        }
        to_delete.truncate(BURST);
        if !to_delete.is_empty() {
            let (rm_ready, rm) = self.delete_pods(ctx, &job, &to_delete, true);
            active -= rm;
            sc.terminating += rm;
            sc.ready -= rm_ready;
        }
        if active < want {
            let rec = self
                .backoff
                .get(&job.metadata.uid)
                .copied()
                .unwrap_or_default();
            let remaining = rec.remaining(ctx.now);
            if remaining > 0 {
                self.timer(ctx, ctx.now + remaining, key);
                return active;
            }
            let mut diff = want - active;
            if only_replace_failed(&job) {
                diff -= sc.terminating;
                if diff <= 0 {
                    return active;
                }
            }
            let mut indexes: Vec<Option<i32>> = Vec::new();
            if is_indexed(&job) {
                let completions = job.spec.completions.unwrap_or(0);
                let taken: BTreeSet<i32> = sc
                    .active_pods
                    .iter()
                    .filter(|p| !to_delete.iter().any(|d| d.metadata.uid == p.metadata.uid))
                    .filter_map(|p| completion_index(p))
                    .chain(
                        sc.pods
                            .iter()
                            .filter(|p| !is_active(p) && !is_terminal(p))
                            .filter_map(|p| {
                                if only_replace_failed(&job) {
                                    completion_index(p)
                                } else {
                                    None
                                }
                            }),
                    )
                    .collect();
                indexes = (0..completions)
                    .filter(|i| !sc.succeeded_indexes.contains(i) && !taken.contains(i))
                    .take(diff as usize)
                    .map(Some)
                    .collect();
                diff = indexes.len() as i32;
            } else {
                indexes.resize(diff.max(0) as usize, None);
            }
            indexes.truncate(BURST);
            // Slow start: 1, 2, 4, ... stopping at the first failure.
            let mut batch = 1usize;
            let mut i = 0usize;
            let mut created = 0;
            'batches: while i < indexes.len() {
                for _ in 0..batch.min(indexes.len() - i) {
                    let pod = pod_from_template(&job, indexes[i]);
                    i += 1;
                    match ctx.api.create(pod.into_object()) {
                        Ok(p) => {
                            created += 1;
                            let msg = format!("Created pod: {}", p.meta().name);
                            self.event(ctx, &job, EventType::Normal, "SuccessfulCreate", &msg);
                        }
                        Err(e) => {
                            let msg = format!("Error creating: {}", e.message);
                            self.event(ctx, &job, EventType::Warning, "FailedCreate", &msg);
                            break 'batches;
                        }
                    }
                }
                batch *= 2;
            }
            let _ = diff;
            active += created;
        }
        active
    }

    /// Deletes pods (after removing their finalizer when `rm_finalizer`, as
    /// `deleteJobPods` does; `deleteActivePods` keeps it). Returns (ready, deleted).
    fn delete_pods(
        &mut self,
        ctx: &mut ComponentCtx,
        job: &Job,
        pods: &[Arc<Pod>],
        rm_finalizer: bool,
    ) -> (i32, i32) {
        let (mut ready, mut deleted) = (0, 0);
        for p in pods {
            if rm_finalizer && has_finalizer(p) {
                remove_finalizer(ctx.api, p);
            }
            let r = ctx.api.delete(
                Kind::Pod,
                &p.metadata.namespace,
                &p.metadata.name,
                &DeleteOptions::default(),
            );
            match r {
                Ok(_) => {
                    deleted += 1;
                    let msg = format!("Deleted pod: {}", p.metadata.name);
                    self.event(ctx, job, EventType::Normal, "SuccessfulDelete", &msg);
                }
                Err(e) if e.reason == crate::apiserver::Reason::NotFound => deleted += 1,
                Err(_) => continue,
            }
            if is_ready(p) {
                ready += 1;
            }
        }
        (ready, deleted)
    }

    /// `trackJobStatusAndRemoveFinalizers`: finished pods into the uncounted lists (and
    /// the interim condition) in a first status write, finalizers removed, then the
    /// counters and, once nothing is left uncounted or terminating, the terminal
    /// condition.
    fn track_and_remove_finalizers(
        &mut self,
        ctx: &mut ComponentCtx,
        mut sc: SyncCtx,
        old: &JobStatus,
    ) {
        let indexed = is_indexed(&sc.job);
        let completions = sc.job.spec.completions.unwrap_or(0);
        if indexed {
            sc.pods.sort_by_key(|p| completion_index(p));
        }
        let mut st = sc.job.status.take().unwrap_or_default();
        let mut unc = st.uncounted_terminated_pods.take().unwrap_or_default();
        let mut to_remove: Vec<Arc<Pod>> = Vec::new();
        let mut new_indexes: BTreeSet<i32> = BTreeSet::new();
        let finishing_failed = sc
            .finished
            .as_ref()
            .is_some_and(|c| c.type_ != "SuccessCriteriaMet");
        for p in &sc.pods {
            if !has_finalizer(p) {
                continue;
            }
            let failed = is_pod_failed(p, &sc.job);
            if !(sc.finished.is_some() || phase(p) == "Succeeded" || failed) {
                continue;
            }
            to_remove.push(p.clone());
            let uid = &p.metadata.uid;
            if phase(p) == "Succeeded" && !sc.uncounted_failed.contains(uid) {
                if indexed {
                    if let Some(ix) = completion_index(p) {
                        if ix < completions && !sc.prev_succeeded_indexes.contains(&ix) {
                            new_indexes.insert(ix);
                        }
                    }
                } else if !sc.uncounted_succeeded.contains(uid) {
                    unc.succeeded.push(uid.clone());
                }
            } else if failed || finishing_failed {
                let valid = !indexed || completion_index(p).is_some_and(|i| i < completions);
                if !sc.uncounted_failed.contains(uid) && valid {
                    let counts = sc
                        .job
                        .spec
                        .pod_failure_policy
                        .as_ref()
                        .is_none_or(|pfp| match_pod_failure_policy(pfp, p).1);
                    if counts {
                        unc.failed.push(uid.clone());
                    }
                }
            }
        }
        if indexed {
            let mut all = sc.prev_succeeded_indexes.clone();
            all.extend(new_indexes);
            st.succeeded = all.len() as i32;
            st.completed_indexes = format_indexes(&all);
        }
        let mut terminal: Option<JobCondition> = None;
        if let Some(f) = sc.finished.take() {
            match f.type_.as_str() {
                "FailureTarget" => {
                    st.conditions.push(f.clone());
                    terminal = Some(condition("Failed", &f.reason, &f.message, ctx.now));
                }
                "SuccessCriteriaMet" => {
                    if find_condition(&st, "SuccessCriteriaMet").is_none() {
                        st.conditions.push(f.clone());
                    }
                    terminal = Some(condition("Complete", &f.reason, &f.message, ctx.now));
                }
                _ => terminal = Some(f),
            }
        }
        st.uncounted_terminated_pods = Some(unc);
        let mut job = sc.job.clone();
        job.status = Some(st.clone());
        if st != *old {
            job.status = Some(st.clone());
            if let Ok(o) = ctx.api.update_status(job.clone().into_object()) {
                if let Object::Job(j) = &*o {
                    job = (**j).clone();
                }
            } else {
                return;
            }
        }
        let mut removed: BTreeSet<String> = BTreeSet::new();
        for p in &to_remove {
            if remove_finalizer(ctx.api, p) {
                removed.insert(p.metadata.uid.clone());
            }
        }
        // Counted pods leave the uncounted lists.
        let mut st2 = job.status.clone().unwrap_or_default();
        let mut unc = st2.uncounted_terminated_pods.take().unwrap_or_default();
        let with_finalizer: BTreeSet<&String> = sc
            .pods
            .iter()
            .filter(|p| has_finalizer(p) && !removed.contains(&p.metadata.uid))
            .map(|p| &p.metadata.uid)
            .collect();
        let before = (unc.succeeded.len(), unc.failed.len());
        unc.succeeded.retain(|u| with_finalizer.contains(u));
        unc.failed.retain(|u| with_finalizer.contains(u));
        if !indexed {
            st2.succeeded += (before.0 - unc.succeeded.len()) as i32;
        }
        st2.failed += (before.1 - unc.failed.len()) as i32;
        let uncounted_empty = unc.succeeded.is_empty() && unc.failed.is_empty();
        st2.uncounted_terminated_pods = Some(unc);
        let mut finished_now = None;
        if let Some(t) = terminal {
            if uncounted_empty && st2.terminating.unwrap_or(0) == 0 {
                if t.type_ == "Complete" {
                    st2.completion_time = t.last_transition_time;
                }
                st2.conditions.push(t.clone());
                finished_now = Some(t);
            }
        }
        if Some(&st2) != job.status.as_ref() {
            job.status = Some(st2);
            if ctx.api.update_status(job.clone().into_object()).is_err() {
                return;
            }
        }
        if let Some(t) = finished_now {
            self.backoff.remove(&job.metadata.uid);
            if t.type_ == "Complete" {
                self.event(ctx, &job, EventType::Normal, "Completed", "Job completed");
            } else {
                self.event(ctx, &job, EventType::Warning, &t.reason, &t.message);
            }
        }
    }
}

/// `pastBackoffLimitOnFailure`: with `restartPolicy: OnFailure`, the container
/// restarts of running and pending pods reach the backoff limit.
fn past_backoff_limit_on_failure(job: &Job, pods: &[Arc<Pod>]) -> bool {
    if job.spec.template.spec.restart_policy != "OnFailure" {
        return false;
    }
    let mut result = 0i64;
    for p in pods {
        if matches!(phase(p), "Running" | "Pending") {
            if let Some(s) = &p.status {
                for c in s
                    .init_container_statuses
                    .iter()
                    .chain(&s.container_statuses)
                {
                    result += i64::from(c.restart_count);
                }
            }
        }
    }
    let limit = i64::from(job.spec.backoff_limit.unwrap_or(6));
    if limit == 0 {
        return result > 0;
    }
    result >= limit
}

/// Removes the tracking finalizer from a pod (true when it is gone).
fn remove_finalizer(api: &mut ApiServer, p: &Pod) -> bool {
    let Ok(o) = api.get(Kind::Pod, &p.metadata.namespace, &p.metadata.name) else {
        return true;
    };
    let Object::Pod(cur) = &*o else { return true };
    if cur.metadata.uid != p.metadata.uid || !has_finalizer(cur) {
        return true;
    }
    let mut q = (**cur).clone();
    q.metadata.finalizers.retain(|f| f != TRACKING_FINALIZER);
    match api.update(q.into_object()) {
        Ok(_) => true,
        Err(e) => e.reason == crate::apiserver::Reason::NotFound,
    }
}

impl Component for JobController {
    fn name(&self) -> String {
        "kube-controller-manager/job-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.jobs = ctx.api.watch(WatchFilter::all(Kind::Job), None).ok();
        self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.jobs, self.pods]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let mut dirty: BTreeSet<Key> = BTreeSet::new();
        if let Some(w) = self.jobs {
            for ev in ctx.api.poll(w) {
                let m = ev.object.meta();
                if ev.type_ == WatchType::Deleted {
                    self.backoff.remove(&m.uid);
                } else {
                    dirty.insert((m.namespace.clone(), m.name.clone()));
                }
            }
        }
        let mut orphans: BTreeMap<Key, Arc<Pod>> = BTreeMap::new();
        if let Some(w) = self.pods {
            for ev in ctx.api.poll(w) {
                let Object::Pod(p) = &*ev.object else {
                    continue;
                };
                let Some(r) = p.metadata.controller_ref() else {
                    if has_finalizer(p) && ev.type_ != WatchType::Deleted {
                        orphans.insert(
                            (p.metadata.namespace.clone(), p.metadata.name.clone()),
                            p.clone(),
                        );
                    }
                    continue;
                };
                if r.kind != "Job" {
                    continue;
                }
                let key = (p.metadata.namespace.clone(), r.name.clone());
                if has_finalizer(p) && ev.type_ != WatchType::Deleted {
                    orphans.insert(
                        (p.metadata.namespace.clone(), p.metadata.name.clone()),
                        p.clone(),
                    );
                }
                dirty.insert(key);
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
        for (_, p) in orphans {
            // Only pods whose Job is gone or finished; the sync handled the others.
            if let Ok(o) = ctx
                .api
                .get(Kind::Pod, &p.metadata.namespace, &p.metadata.name)
            {
                if let Object::Pod(cur) = &*o {
                    Self::clean_orphan(ctx, cur);
                }
            }
        }
        for w in [self.jobs, self.pods].into_iter().flatten() {
            ctx.api.poll(w);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
