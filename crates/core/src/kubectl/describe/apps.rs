//! Describers for the workload controllers: Deployment (with its old and new
//! ReplicaSets), ReplicaSet, DaemonSet, StatefulSet and Job, each with `Pod Template:`.

use super::pod::describe_pod_template;
use super::writer::*;
use super::{events_for, Settings};
use crate::api::apps_v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use crate::api::batch_v1::{CronJob, Job};
use crate::api::core_v1::{PodTemplateSpec, ReplicationController};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::ObjectMeta;
use crate::api::{Kind, LabelSelector, Object};
use crate::apiserver::ApiServer;
use crate::kubectl::printers::selector_string;
use crate::kubectl::table::human_duration;

/// `LabelSelectorAsSelector(...).String()`: empty for nil or empty selectors.
fn selector_as_string(sel: Option<&LabelSelector>) -> String {
    match sel.map(Selector::from_label_selector) {
        Some(Ok(s)) => s.to_string(),
        _ => String::new(),
    }
}

/// `getPodStatusForController`: the phases of the pods the selector matches and the
/// controller owns.
fn pod_phases(api: &ApiServer, m: &ObjectMeta, sel: Option<&LabelSelector>) -> [usize; 4] {
    match Selector::from_optional_label_selector(sel) {
        Ok(selector) => pod_phases_by(api, m, &selector),
        Err(_) => [0; 4],
    }
}

fn pod_phases_by(api: &ApiServer, m: &ObjectMeta, selector: &Selector) -> [usize; 4] {
    let mut counts = [0usize; 4];
    let pods = api.list(
        Kind::Pod,
        Some(&m.namespace),
        selector,
        &FieldSelector::everything(),
    );
    for p in pods {
        let Object::Pod(pod) = &*p else { continue };
        if pod.metadata.controller_ref().map(|r| r.uid.as_str()) != Some(m.uid.as_str()) {
            continue;
        }
        let phase = pod.status.as_ref().map(|s| s.phase.as_str()).unwrap_or("");
        match phase {
            "Running" => counts[0] += 1,
            "Pending" => counts[1] += 1,
            "Succeeded" => counts[2] += 1,
            "Failed" => counts[3] += 1,
            _ => {}
        }
    }
    counts
}

fn pods_status_line(c: [usize; 4]) -> String {
    format!(
        "{} Running / {} Waiting / {} Succeeded / {} Failed",
        c[0], c[1], c[2], c[3]
    )
}

/// A template with the `pod-template-hash` label removed, for `EqualIgnoreHash`.
fn template_without_hash(t: &PodTemplateSpec) -> serde_json::Value {
    let mut t = t.clone();
    t.metadata.labels.remove("pod-template-hash");
    serde_json::to_value(&t).unwrap_or(serde_json::Value::Null)
}

/// `kubectl describe deployment`.
pub fn describe_deployment(api: &ApiServer, d: &Deployment, s: &Settings) -> String {
    let m = &d.metadata;
    let status = d.status.clone().unwrap_or_default();
    // The ReplicaSets the deployment controls, oldest first; the new one has its template.
    let mut rss: Vec<ReplicaSet> = api
        .store
        .owned_by(Kind::ReplicaSet, &m.uid)
        .iter()
        .filter_map(|o| match &**o {
            Object::ReplicaSet(rs)
                if rs.metadata.controller_ref().map(|r| r.uid.as_str()) == Some(&m.uid) =>
            {
                Some((**rs).clone())
            }
            _ => None,
        })
        .collect();
    rss.sort_by(|a, b| {
        (a.metadata.creation_timestamp, &a.metadata.name)
            .cmp(&(b.metadata.creation_timestamp, &b.metadata.name))
    });
    let want = template_without_hash(&d.spec.template);
    let new_idx = rss
        .iter()
        .position(|rs| template_without_hash(&rs.spec.template) == want);
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    wr!(
        w,
        LEVEL_0,
        "CreationTimestamp:\t{}\n",
        rfc1123z(m.creation_timestamp)
    );
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(
        w,
        LEVEL_0,
        "Selector:\t{}\n",
        selector_as_string(d.spec.selector.as_ref())
    );
    wr!(
        w,
        LEVEL_0,
        "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
        d.spec.replicas.unwrap_or(1),
        status.updated_replicas,
        status.replicas,
        status.available_replicas,
        status.unavailable_replicas
    );
    wr!(w, LEVEL_0, "StrategyType:\t{}\n", d.spec.strategy.type_);
    wr!(
        w,
        LEVEL_0,
        "MinReadySeconds:\t{}\n",
        d.spec.min_ready_seconds
    );
    if let Some(ru) = &d.spec.strategy.rolling_update {
        let show = |v: &Option<crate::api::IntOrString>| match v {
            Some(v) => v.to_string(),
            None => "<nil>".into(),
        };
        wr!(
            w,
            LEVEL_0,
            "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
            show(&ru.max_unavailable),
            show(&ru.max_surge)
        );
    }
    describe_pod_template(&mut w, &d.spec.template);
    if !status.conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tReason\n");
        w.write(LEVEL_1, "----\t------\t------\n");
        for c in &status.conditions {
            wr!(w, LEVEL_1, "{} \t{}\t{}\n", c.type_, c.status, c.reason);
        }
    }
    if !rss.is_empty() {
        let fmt = |list: Vec<&ReplicaSet>| -> String {
            let s = list
                .iter()
                .map(|rs| {
                    format!(
                        "{} ({}/{} replicas created)",
                        rs.metadata.name,
                        rs.status.as_ref().map(|s| s.replicas).unwrap_or(0),
                        rs.spec.replicas.unwrap_or(1)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            if s.is_empty() {
                "<none>".into()
            } else {
                s
            }
        };
        let old: Vec<&ReplicaSet> = rss
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != new_idx)
            .map(|(_, rs)| rs)
            // Upstream `FindOldReplicaSets`: only the old ones still asking for pods.
            .filter(|rs| rs.spec.replicas.unwrap_or(1) != 0)
            .collect();
        let new: Vec<&ReplicaSet> = new_idx.and_then(|i| rss.get(i)).into_iter().collect();
        wr!(w, LEVEL_0, "OldReplicaSets:\t{}\n", fmt(old));
        wr!(w, LEVEL_0, "NewReplicaSet:\t{}\n", fmt(new));
    }
    if s.show_events {
        let evs = events_for(api, m, Some("Deployment"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe replicaset`.
pub fn describe_replicaset(api: &ApiServer, rs: &ReplicaSet, s: &Settings) -> String {
    let m = &rs.metadata;
    let status = rs.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    wr!(
        w,
        LEVEL_0,
        "Selector:\t{}\n",
        selector_string(rs.spec.selector.as_ref())
    );
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    if let Some(r) = m.controller_ref() {
        wr!(w, LEVEL_0, "Controlled By:\t{}/{}\n", r.kind, r.name);
    }
    wr!(
        w,
        LEVEL_0,
        "Replicas:\t{} current / {} desired\n",
        status.replicas,
        rs.spec.replicas.unwrap_or(1)
    );
    w.write(LEVEL_0, "Pods Status:\t");
    wr!(
        w,
        LEVEL_0,
        "{}\n",
        pods_status_line(pod_phases(api, m, rs.spec.selector.as_ref()))
    );
    describe_pod_template(&mut w, &rs.spec.template);
    if !status.conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tReason\n");
        w.write(LEVEL_1, "----\t------\t------\n");
        for c in &status.conditions {
            wr!(w, LEVEL_1, "{} \t{}\t{}\n", c.type_, c.status, c.reason);
        }
    }
    if s.show_events {
        let evs = events_for(api, m, Some("ReplicaSet"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe replicationcontroller` (`describeReplicationController`).
pub fn describe_replication_controller(
    api: &ApiServer,
    rc: &ReplicationController,
    s: &Settings,
) -> String {
    let m = &rc.metadata;
    let status = rc.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    let selector = if rc.spec.selector.is_empty() {
        "<none>".to_string()
    } else {
        rc.spec
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    wr!(w, LEVEL_0, "Selector:\t{}\n", selector);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(
        w,
        LEVEL_0,
        "Replicas:\t{} current / {} desired\n",
        status.replicas,
        rc.spec.replicas.unwrap_or(1)
    );
    w.write(LEVEL_0, "Pods Status:\t");
    let phases = if rc.spec.selector.is_empty() {
        [0; 4]
    } else {
        pod_phases_by(api, m, &Selector::from_set(&rc.spec.selector))
    };
    wr!(w, LEVEL_0, "{}\n", pods_status_line(phases));
    describe_pod_template(
        &mut w,
        rc.spec
            .template
            .as_deref()
            .unwrap_or(&PodTemplateSpec::default()),
    );
    if !status.conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tReason\n");
        w.write(LEVEL_1, "----\t------\t------\n");
        for c in &status.conditions {
            wr!(w, LEVEL_1, "{} \t{}\t{}\n", c.type_, c.status, c.reason);
        }
    }
    if s.show_events {
        let evs = events_for(api, m, Some("ReplicationController"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe daemonset`.
pub fn describe_daemonset(api: &ApiServer, ds: &DaemonSet, s: &Settings) -> String {
    let m = &ds.metadata;
    let st = ds.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    wr!(
        w,
        LEVEL_0,
        "Selector:\t{}\n",
        selector_as_string(ds.spec.selector.as_ref())
    );
    wr!(
        w,
        LEVEL_0,
        "Node-Selector:\t{}\n",
        crate::kubectl::printers::labels_string(&ds.spec.template.spec.node_selector)
    );
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(
        w,
        LEVEL_0,
        "Desired Number of Nodes Scheduled: {}\n",
        st.desired_number_scheduled
    );
    wr!(
        w,
        LEVEL_0,
        "Current Number of Nodes Scheduled: {}\n",
        st.current_number_scheduled
    );
    wr!(
        w,
        LEVEL_0,
        "Number of Nodes Scheduled with Up-to-date Pods: {}\n",
        st.updated_number_scheduled
    );
    wr!(
        w,
        LEVEL_0,
        "Number of Nodes Scheduled with Available Pods: {}\n",
        st.number_available
    );
    wr!(
        w,
        LEVEL_0,
        "Number of Nodes Misscheduled: {}\n",
        st.number_misscheduled
    );
    wr!(
        w,
        LEVEL_0,
        "Pods Status:\t{}\n",
        pods_status_line(pod_phases(api, m, ds.spec.selector.as_ref()))
    );
    describe_pod_template(&mut w, &ds.spec.template);
    if s.show_events {
        let evs = events_for(api, m, Some("DaemonSet"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe statefulset`.
pub fn describe_statefulset(api: &ApiServer, ss: &StatefulSet, s: &Settings) -> String {
    let m = &ss.metadata;
    let st = ss.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    wr!(
        w,
        LEVEL_0,
        "CreationTimestamp:\t{}\n",
        rfc1123z(m.creation_timestamp)
    );
    wr!(
        w,
        LEVEL_0,
        "Selector:\t{}\n",
        selector_as_string(ss.spec.selector.as_ref())
    );
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(
        w,
        LEVEL_0,
        "Replicas:\t{} desired | {} total\n",
        ss.spec.replicas.unwrap_or(1),
        st.replicas
    );
    wr!(
        w,
        LEVEL_0,
        "Update Strategy:\t{}\n",
        ss.spec.update_strategy.type_
    );
    if let Some(ru) = &ss.spec.update_strategy.rolling_update {
        if let Some(p) = ru.partition {
            wr!(w, LEVEL_1, "Partition:\t{p}\n");
            if let Some(mu) = &ru.max_unavailable {
                wr!(w, LEVEL_1, "MaxUnavailable:\t{mu}\n");
            }
        }
    }
    wr!(
        w,
        LEVEL_0,
        "Pods Status:\t{}\n",
        pods_status_line(pod_phases(api, m, ss.spec.selector.as_ref()))
    );
    describe_pod_template(&mut w, &ss.spec.template);
    if ss.spec.volume_claim_templates.is_empty() {
        w.write(LEVEL_0, "Volume Claims:\t<none>\n");
    } else {
        w.write(LEVEL_0, "Volume Claims:\n");
        for pvc in &ss.spec.volume_claim_templates {
            wr!(w, LEVEL_1, "Name:\t{}\n", pvc.metadata.name);
            let class = pvc.spec.storage_class_name.clone().unwrap_or_else(|| {
                pvc.metadata
                    .annotations
                    .get("volume.beta.kubernetes.io/storage-class")
                    .cloned()
                    .unwrap_or_default()
            });
            wr!(w, LEVEL_1, "StorageClass:\t{class}\n");
            labels_multiline_indent(&mut w, "  ", "Labels", "\t", &pvc.metadata.labels);
            labels_multiline_indent(&mut w, "  ", "Annotations", "\t", &pvc.metadata.annotations);
            match pvc.spec.resources.requests.get("storage") {
                Some(q) => wr!(w, LEVEL_1, "Capacity:\t{}\n", q.canonical()),
                None => w.write(LEVEL_1, "Capacity:\t<default>\n"),
            }
            wr!(
                w,
                LEVEL_1,
                "Access Modes:\t[{}]\n",
                pvc.spec.access_modes.join(" ")
            );
        }
    }
    if s.show_events {
        let evs = events_for(api, m, Some("StatefulSet"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe job`.
pub fn describe_job(api: &ApiServer, job: &Job, s: &Settings) -> String {
    let m = &job.metadata;
    let spec = &job.spec;
    let st = job.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    match Selector::from_optional_label_selector(spec.selector.as_ref()) {
        Ok(sel) => wr!(w, LEVEL_0, "Selector:\t{sel}\n"),
        Err(e) => wr!(w, LEVEL_0, "Selector:\tFailed to get selector: {e}\n"),
    }
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    if let Some(r) = m.controller_ref() {
        wr!(w, LEVEL_0, "Controlled By:\t{}/{}\n", r.kind, r.name);
    }
    if let Some(p) = spec.parallelism {
        wr!(w, LEVEL_0, "Parallelism:\t{p}\n");
    }
    match spec.completions {
        Some(c) => wr!(w, LEVEL_0, "Completions:\t{c}\n"),
        None => w.write(LEVEL_0, "Completions:\t<unset>\n"),
    }
    if let Some(c) = &spec.completion_mode {
        wr!(w, LEVEL_0, "Completion Mode:\t{c}\n");
    }
    if let Some(b) = spec.suspend {
        wr!(w, LEVEL_0, "Suspend:\t{b}\n");
    }
    if let Some(b) = spec.backoff_limit {
        wr!(w, LEVEL_0, "Backoff Limit:\t{b}\n");
    }
    if let Some(t) = spec.ttl_seconds_after_finished {
        wr!(w, LEVEL_0, "TTL Seconds After Finished:\t{t}\n");
    }
    if st.start_time.is_some() {
        wr!(w, LEVEL_0, "Start Time:\t{}\n", rfc1123z(st.start_time));
    }
    if st.completion_time.is_some() {
        wr!(
            w,
            LEVEL_0,
            "Completed At:\t{}\n",
            rfc1123z(st.completion_time)
        );
    }
    if let (Some(a), Some(b)) = (st.start_time, st.completion_time) {
        wr!(w, LEVEL_0, "Duration:\t{}\n", human_duration(b.0 - a.0));
    }
    if let Some(a) = spec.active_deadline_seconds {
        wr!(w, LEVEL_0, "Active Deadline Seconds:\t{a}s\n");
    }
    match st.ready {
        None => wr!(
            w,
            LEVEL_0,
            "Pods Statuses:\t{} Active / {} Succeeded / {} Failed\n",
            st.active,
            st.succeeded,
            st.failed
        ),
        Some(r) => wr!(
            w,
            LEVEL_0,
            "Pods Statuses:\t{} Active ({r} Ready) / {} Succeeded / {} Failed\n",
            st.active,
            st.succeeded,
            st.failed
        ),
    }
    if spec.completion_mode.as_deref() == Some("Indexed") {
        let idx = if st.completed_indexes.is_empty() {
            "<none>".to_string()
        } else {
            cap_indexes(&st.completed_indexes, 50)
        };
        wr!(w, LEVEL_0, "Completed Indexes:\t{idx}\n");
    }
    describe_pod_template(&mut w, &spec.template);
    if s.show_events {
        let evs = events_for(api, m, Some("Job"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe cronjob`.
pub fn describe_cron_job(api: &ApiServer, cj: &CronJob, s: &Settings) -> String {
    let m = &cj.metadata;
    let spec = &cj.spec;
    let st = cj.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(w, LEVEL_0, "Schedule:\t{}\n", spec.schedule);
    wr!(
        w,
        LEVEL_0,
        "Concurrency Policy:\t{}\n",
        spec.concurrency_policy
    );
    let suspend = match spec.suspend {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    wr!(w, LEVEL_0, "Suspend:\t{suspend}\n");
    let or_unset = |v: Option<String>| v.unwrap_or_else(|| "<unset>".into());
    wr!(
        w,
        LEVEL_0,
        "Successful Job History Limit:\t{}\n",
        or_unset(spec.successful_jobs_history_limit.map(|v| v.to_string()))
    );
    wr!(
        w,
        LEVEL_0,
        "Failed Job History Limit:\t{}\n",
        or_unset(spec.failed_jobs_history_limit.map(|v| v.to_string()))
    );
    wr!(
        w,
        LEVEL_0,
        "Starting Deadline Seconds:\t{}\n",
        or_unset(spec.starting_deadline_seconds.map(|v| format!("{v}s")))
    );
    let jt = &spec.job_template.spec;
    match &jt.selector {
        Some(sel) => match Selector::from_optional_label_selector(Some(sel)) {
            Ok(sel) => wr!(w, LEVEL_0, "Selector:\t{sel}\n"),
            Err(e) => wr!(w, LEVEL_0, "Selector:\tFailed to get selector: {e}\n"),
        },
        None => w.write(LEVEL_0, "Selector:\t<unset>\n"),
    }
    wr!(
        w,
        LEVEL_0,
        "Parallelism:\t{}\n",
        or_unset(jt.parallelism.map(|v| v.to_string()))
    );
    wr!(
        w,
        LEVEL_0,
        "Completions:\t{}\n",
        or_unset(jt.completions.map(|v| v.to_string()))
    );
    if let Some(a) = jt.active_deadline_seconds {
        wr!(w, LEVEL_0, "Active Deadline Seconds:\t{a}s\n");
    }
    describe_pod_template(&mut w, &jt.template);
    match st.last_schedule_time {
        Some(t) => wr!(w, LEVEL_0, "Last Schedule Time:\t{}\n", rfc1123z(Some(t))),
        None => w.write(LEVEL_0, "Last Schedule Time:\t<unset>\n"),
    }
    let active: Vec<&str> = st.active.iter().map(|r| r.name.as_str()).collect();
    if active.is_empty() {
        w.write(LEVEL_0, "Active Jobs:\t<none>\n");
    } else {
        wr!(w, LEVEL_0, "Active Jobs:\t{}\n", active.join(", "));
    }
    if s.show_events {
        let evs = events_for(api, m, Some("CronJob"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `capIndexesListOrNone`: the list cut at the first comma after `soft` characters.
fn cap_indexes(indexes: &str, soft: usize) -> String {
    let b = indexes.as_bytes();
    let mut ix = soft;
    while ix < b.len() && b[ix] != b',' {
        ix += 1;
    }
    if ix >= b.len() {
        return indexes.to_string();
    }
    format!("{}...", &indexes[..=ix])
}
