//! Printers for workloads: apps/v1, batch/v1, autoscaling and policy.

use super::{
    age, bool_ptr, containers_cells, human_duration, labels_string, qty, selector_string, Millis,
};
use crate::api::apps_v1::{ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet};
use crate::api::autoscaling::{HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget};
use crate::api::batch_v1::{CronJob, Job, JobCondition};
use crate::api::labels::Selector;
use crate::api::policy_v1::PodDisruptionBudget;

/// The Deployment printer formats its selector itself: `<invalid>` on error and an
/// empty cell (not `<none>`) for an empty selector.
pub(super) fn deployment(d: &Deployment, now: Millis) -> Vec<String> {
    let st = d.status.clone().unwrap_or_default();
    let (names, images) = containers_cells(&d.spec.template.spec.containers);
    let selector = match d.spec.selector.as_ref().map(Selector::from_label_selector) {
        None => String::new(),
        Some(Ok(s)) => s.to_string(),
        Some(Err(_)) => "<invalid>".into(),
    };
    vec![
        d.metadata.name.clone(),
        format!("{}/{}", st.ready_replicas, d.spec.replicas.unwrap_or(1)),
        st.updated_replicas.to_string(),
        st.available_replicas.to_string(),
        age(d.metadata.creation_timestamp, now),
        names,
        images,
        selector,
    ]
}

pub(super) fn replica_set(r: &ReplicaSet, now: Millis) -> Vec<String> {
    let st = r.status.clone().unwrap_or_default();
    let (names, images) = containers_cells(&r.spec.template.spec.containers);
    vec![
        r.metadata.name.clone(),
        r.spec.replicas.unwrap_or(1).to_string(),
        st.replicas.to_string(),
        st.ready_replicas.to_string(),
        age(r.metadata.creation_timestamp, now),
        names,
        images,
        selector_string(r.spec.selector.as_ref()),
    ]
}

pub(super) fn daemon_set(d: &DaemonSet, now: Millis) -> Vec<String> {
    let st = d.status.clone().unwrap_or_default();
    let (names, images) = containers_cells(&d.spec.template.spec.containers);
    vec![
        d.metadata.name.clone(),
        st.desired_number_scheduled.to_string(),
        st.current_number_scheduled.to_string(),
        st.number_ready.to_string(),
        st.updated_number_scheduled.to_string(),
        st.number_available.to_string(),
        labels_string(&d.spec.template.spec.node_selector),
        age(d.metadata.creation_timestamp, now),
        names,
        images,
        selector_string(d.spec.selector.as_ref()),
    ]
}

pub(super) fn stateful_set(s: &StatefulSet, now: Millis) -> Vec<String> {
    let st = s.status.clone().unwrap_or_default();
    let (names, images) = containers_cells(&s.spec.template.spec.containers);
    vec![
        s.metadata.name.clone(),
        format!("{}/{}", st.ready_replicas, s.spec.replicas.unwrap_or(1)),
        age(s.metadata.creation_timestamp, now),
        names,
        images,
    ]
}

/// `printControllerRevision`: CONTROLLER is the controlling owner as
/// `daemonset.apps/name`.
pub(super) fn controller_revision(r: &ControllerRevision, now: Millis) -> Vec<String> {
    let controller = r
        .metadata
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
        .map_or_else(
            || "<none>".to_string(),
            |o| {
                let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                let kind = if group.is_empty() {
                    o.kind.to_ascii_lowercase()
                } else {
                    format!("{}.{group}", o.kind.to_ascii_lowercase())
                };
                format!("{kind}/{}", o.name)
            },
        );
    vec![
        r.metadata.name.clone(),
        controller,
        r.revision.to_string(),
        age(r.metadata.creation_timestamp, now),
    ]
}

/// The status of the first condition of a type is what counts (`hasJobCondition`).
fn has_condition(conds: &[JobCondition], type_: &str) -> bool {
    conds
        .iter()
        .find(|c| c.type_ == type_)
        .is_some_and(|c| c.status == "True")
}

/// `printJob`: STATUS from the conditions, COMPLETIONS `succeeded/completions`
/// (`n/1 of P` for a work queue with parallelism P), DURATION from start to completion
/// (or to now while running).
pub(super) fn job(j: &Job, now: Millis) -> Vec<String> {
    let st = j.status.clone().unwrap_or_default();
    let completions = match j.spec.completions {
        Some(c) => format!("{}/{c}", st.succeeded),
        None => match j.spec.parallelism.unwrap_or(0) {
            p if p > 1 => format!("{}/1 of {p}", st.succeeded),
            _ => format!("{}/1", st.succeeded),
        },
    };
    let duration = match (st.start_time, st.completion_time) {
        (None, _) => String::new(),
        (Some(s), None) => human_duration(now - s.0),
        (Some(s), Some(c)) => human_duration(c.0 - s.0),
    };
    let c = &st.conditions;
    let status = if has_condition(c, "Complete") {
        "Complete"
    } else if has_condition(c, "Failed") {
        "Failed"
    } else if j.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if has_condition(c, "Suspended") {
        "Suspended"
    } else if has_condition(c, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = containers_cells(&j.spec.template.spec.containers);
    vec![
        j.metadata.name.clone(),
        status.into(),
        completions,
        duration,
        age(j.metadata.creation_timestamp, now),
        names,
        images,
        selector_string(j.spec.selector.as_ref()),
    ]
}

pub(super) fn cron_job(c: &CronJob, now: Millis) -> Vec<String> {
    let st = c.status.clone().unwrap_or_default();
    let last = match st.last_schedule_time {
        Some(_) => age(st.last_schedule_time, now),
        None => "<none>".into(),
    };
    let job = &c.spec.job_template.spec;
    let (names, images) = containers_cells(&job.template.spec.containers);
    vec![
        c.metadata.name.clone(),
        c.spec.schedule.clone(),
        c.spec.time_zone.clone().unwrap_or_else(|| "<none>".into()),
        bool_ptr(c.spec.suspend),
        st.active.len().to_string(),
        last,
        age(c.metadata.creation_timestamp, now),
        names,
        images,
        selector_string(job.selector.as_ref()),
    ]
}

/// One TARGETS entry (`formatHPAMetrics`): `current/target`, `<unknown>` until the
/// metric has been read.
fn hpa_metric(spec: &MetricSpec, status: Option<&MetricStatus>) -> String {
    const UNKNOWN: &str = "<unknown>";
    let default_target = MetricTarget::default();
    let percent = |v: Option<i32>| v.map(|v| format!("{v}%"));
    match spec.type_.as_str() {
        "External" => {
            let t = spec
                .external
                .as_ref()
                .map_or(&default_target, |e| &e.target);
            let cur = status.and_then(|s| s.external.as_ref()).map(|e| &e.current);
            match &t.average_value {
                Some(avg) => {
                    let c = cur
                        .and_then(|c| c.average_value.as_ref())
                        .map_or_else(|| UNKNOWN.into(), |q| q.canonical());
                    format!("{c}/{} (avg)", avg.canonical())
                }
                None => {
                    let c = cur.map_or_else(|| UNKNOWN.into(), |c| qty(c.value.as_ref()));
                    format!("{c}/{}", qty(t.value.as_ref()))
                }
            }
        }
        "Pods" => {
            let t = spec.pods.as_ref().map_or(&default_target, |p| &p.target);
            let c = status
                .and_then(|s| s.pods.as_ref())
                .map_or_else(|| UNKNOWN.into(), |p| qty(p.current.average_value.as_ref()));
            format!("{c}/{}", qty(t.average_value.as_ref()))
        }
        "Object" => {
            let t = spec.object.as_ref().map_or(&default_target, |o| &o.target);
            let cur = status.and_then(|s| s.object.as_ref()).map(|o| &o.current);
            match &t.average_value {
                Some(avg) => {
                    let c = cur
                        .and_then(|c| c.average_value.as_ref())
                        .map_or_else(|| UNKNOWN.into(), |q| q.canonical());
                    format!("{c}/{} (avg)", avg.canonical())
                }
                None => {
                    let c = cur.map_or_else(|| UNKNOWN.into(), |c| qty(c.value.as_ref()));
                    format!("{c}/{}", qty(t.value.as_ref()))
                }
            }
        }
        "Resource" | "ContainerResource" => {
            let resource = spec.type_ == "Resource";
            let (name, t) = if resource {
                spec.resource
                    .as_ref()
                    .map_or(("", &default_target), |r| (r.name.as_str(), &r.target))
            } else {
                spec.container_resource
                    .as_ref()
                    .map_or(("", &default_target), |r| (r.name.as_str(), &r.target))
            };
            let cur = status.and_then(|s| {
                if resource {
                    s.resource.as_ref().map(|r| &r.current)
                } else {
                    s.container_resource.as_ref().map(|r| &r.current)
                }
            });
            match &t.average_value {
                Some(avg) => {
                    let c = cur.map_or_else(|| UNKNOWN.into(), |c| qty(c.average_value.as_ref()));
                    format!("{name}: {c}/{}", avg.canonical())
                }
                None => {
                    let c = cur
                        .and_then(|c| percent(c.average_utilization))
                        .unwrap_or_else(|| UNKNOWN.into());
                    let target = percent(t.average_utilization).unwrap_or_else(|| "<auto>".into());
                    format!("{name}: {c}/{target}")
                }
            }
        }
        _ => "<unknown type>".into(),
    }
}

/// `formatHPAMetrics`: the first two metrics, then ` + N more...`; `<none>` without any.
fn hpa_targets(h: &HorizontalPodAutoscaler) -> String {
    const MAX: usize = 2;
    let specs = &h.spec.metrics;
    if specs.is_empty() {
        return "<none>".into();
    }
    let statuses = h
        .status
        .as_ref()
        .map(|s| s.current_metrics.as_slice())
        .unwrap_or_default();
    let list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| hpa_metric(s, statuses.get(i)))
        .collect();
    if list.len() > MAX {
        format!("{} + {} more...", list[..MAX].join(", "), list.len() - MAX)
    } else {
        list.join(", ")
    }
}

pub(super) fn hpa(h: &HorizontalPodAutoscaler, now: Millis) -> Vec<String> {
    let r = &h.spec.scale_target_ref;
    vec![
        h.metadata.name.clone(),
        format!("{}/{}", r.kind, r.name),
        hpa_targets(h),
        h.spec
            .min_replicas
            .map_or_else(|| "<unset>".into(), |m| m.to_string()),
        h.spec.max_replicas.to_string(),
        h.status
            .as_ref()
            .map_or(0, |s| s.current_replicas)
            .to_string(),
        age(h.metadata.creation_timestamp, now),
    ]
}

pub(super) fn pdb(p: &PodDisruptionBudget, now: Millis) -> Vec<String> {
    let na = |v: &Option<crate::api::IntOrString>| {
        v.as_ref().map_or_else(|| "N/A".into(), |v| v.to_string())
    };
    vec![
        p.metadata.name.clone(),
        na(&p.spec.min_available),
        na(&p.spec.max_unavailable),
        p.status
            .as_ref()
            .map_or(0, |s| s.disruptions_allowed)
            .to_string(),
        age(p.metadata.creation_timestamp, now),
    ]
}
