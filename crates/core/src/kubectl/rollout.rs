//! `kubectl rollout status|history|undo|pause|resume|restart` for Deployments, and
//! status, history, undo and restart for DaemonSets and StatefulSets, with kubectl's
//! messages.
//!
//! `status` prints kubectl's status line whenever it changes (`Waiting for deployment
//! "web" rollout to finish: 1 of 3 updated replicas are available...`) until `deployment
//! "web" successfully rolled out`, running simulated time while it waits (at most
//! `--timeout`; without one it stops after 15 simulated minutes, past the default
//! progress deadline). `history` lists the ReplicaSets' revisions and change causes,
//! `undo` copies a revision's template back into the Deployment, and `pause`, `resume`
//! and `restart` set `spec.paused` or the template's `restartedAt` annotation.
//! DaemonSets and StatefulSets use kubectl's DaemonSetStatusViewer and
//! StatefulSetStatusViewer lines, and their history is their ControllerRevisions
//! (`undo` puts a revision's template back; StatefulSet history has no change causes).

use std::sync::Arc;

use super::args::{self, flag, Args, Flag};
use super::describe::pod::describe_pod_template;
use super::describe::writer::{tabwrite, PrefixWriter};
use super::{resources, server_error, Ctx, Output};
use crate::api::apps_v1::{ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::format_rfc3339;
use crate::api::{Kind, Object, Resource};
use crate::controllers::deployment::{POD_TEMPLATE_HASH, REVISION};
use crate::controllers::history;
use crate::sim::Millis;

const FLAGS: &[Flag] = &[
    flag("watch", Some('w'), false),
    flag("timeout", None, true),
    flag("revision", None, true),
    flag("to-revision", None, true),
    flag("filename", Some('f'), true),
    flag("selector", Some('l'), true),
    flag("output", Some('o'), true),
    flag("dry-run", None, true),
];

/// How long `rollout status` waits when no `--timeout` is given.
const DEFAULT_WAIT_MS: Millis = 900_000;
const STEP_MS: Millis = 100;
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// Annotations `undo` keeps from the Deployment instead of the ReplicaSet.
const NOT_ROLLED_BACK: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// kubectl's `DeploymentStatusViewer`: the line to print and whether it is done.
pub fn deployment_status(d: &Deployment) -> Result<(String, bool), String> {
    let name = &d.metadata.name;
    let st = d.status.clone().unwrap_or_default();
    if d.metadata.generation.unwrap_or(0) > st.observed_generation {
        return Ok((
            "Waiting for deployment spec update to be observed...\n".into(),
            false,
        ));
    }
    let timed_out = st
        .conditions
        .iter()
        .any(|c| c.type_ == "Progressing" && c.reason == "ProgressDeadlineExceeded");
    if timed_out {
        return Err(format!(
            "error: deployment {name:?} exceeded its progress deadline\n"
        ));
    }
    let want = d.spec.replicas.unwrap_or(1);
    let line = if st.updated_replicas < want {
        format!(
            "Waiting for deployment {name:?} rollout to finish: {} out of {want} new replicas have been updated...\n",
            st.updated_replicas
        )
    } else if st.replicas > st.updated_replicas {
        format!(
            "Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...\n",
            st.replicas - st.updated_replicas
        )
    } else if st.available_replicas < st.updated_replicas {
        format!(
            "Waiting for deployment {name:?} rollout to finish: {} of {} updated replicas are available...\n",
            st.available_replicas, st.updated_replicas
        )
    } else {
        return Ok((
            format!("deployment {name:?} successfully rolled out\n"),
            true,
        ));
    };
    Ok((line, false))
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let Some((sub, rest)) = argv.split_first() else {
        return Output::out(USAGE);
    };
    let sub = sub.as_str();
    if !matches!(
        sub,
        "status" | "history" | "undo" | "pause" | "resume" | "restart"
    ) {
        return Output::err(format!(
            "error: unknown command {sub:?} for \"kubectl rollout\"\n"
        ));
    }
    let a = match args::parse(&format!("rollout {sub}"), rest, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let objects = match find(ctx, &a, &ns) {
        Ok(o) => o,
        Err(e) => return Output::err(e),
    };
    if sub == "status" && objects.len() != 1 {
        return Output::err(format!(
            "error: rollout status is only supported on individual resources and resource collections, but {} resources were found\n",
            objects.len()
        ));
    }
    let mut out = Output::default();
    for obj in objects {
        let info = obj.kind().info();
        let (resource, name) = (info.group_resource(), obj.meta().name.clone());
        let supported = matches!(
            obj.kind(),
            Kind::Deployment | Kind::DaemonSet | Kind::StatefulSet
        );
        let pausable = obj.kind() == Kind::Deployment;
        if !supported || (!pausable && matches!(sub, "pause" | "resume")) {
            let group_kind = if info.group.is_empty() {
                info.kind.to_string()
            } else {
                format!("{}.{}", info.kind, info.group)
            };
            let why = match sub {
                "status" => {
                    format!("error: no status viewer has been implemented for {group_kind}\n")
                }
                "history" => {
                    format!("error: no history viewer has been implemented for {group_kind:?}\n")
                }
                "undo" => format!("error: no rollbacker has been implemented for {group_kind:?}\n"),
                "pause" => format!("error: {resource} {name:?} pausing is not supported\n"),
                "resume" => format!("error: {resource} {name:?} resuming is not supported\n"),
                _ => format!("error: {resource} {name:?} restarting is not supported\n"),
            };
            out.stderr.push_str(&why);
            continue;
        }
        let r = match (&*obj, sub) {
            (_, "status") => status(ctx, &a, &obj, &mut out),
            (Object::Deployment(d), "history") => history(ctx, &a, d),
            (Object::Deployment(d), "undo") => undo(ctx, &a, d),
            (Object::Deployment(d), "pause" | "resume") => pause(ctx, d, sub == "pause"),
            (Object::Deployment(d), _) => restart(ctx, d),
            (_, "history") => revision_history(ctx, &a, &obj),
            (_, "undo") => revision_undo(ctx, &a, &obj),
            _ => restart_set(ctx, &obj),
        };
        match r {
            Ok(s) => out.stdout.push_str(&s),
            Err(e) => out.stderr.push_str(&e),
        }
    }
    out
}

const USAGE: &str = "Manage the rollout of one or many resources.\n\n Valid resource types include:\n\n  *  deployments\n  *  daemonsets\n  *  statefulsets\n\nAvailable Commands:\n  history       View rollout history\n  pause         Mark the provided resource as paused\n  restart       Restart a resource\n  resume        Resume a paused resource\n  status        Show the status of the rollout\n  undo          Undo a previous rollout\n\nUsage:\n  kubectl rollout SUBCOMMAND [options]\n";

/// The objects named by the arguments, as kubectl's resource builder finds them.
fn find(ctx: &mut Ctx, a: &Args, ns: &str) -> Result<Vec<Arc<Object>>, String> {
    if a.positionals.is_empty() {
        return Err("error: required resource not specified\n".into());
    }
    let targets = resources::parse(&a.positionals)?;
    let mut found = Vec::new();
    for t in &targets.targets {
        if t.names.is_empty() {
            let selector = a.get("selector").unwrap_or("");
            let labels = Selector::parse(selector)
                .map_err(|e| super::selector_error(t.kind, selector, "", &e))?;
            let fields = FieldSelector::parse("", t.kind).unwrap_or_default();
            found.extend(ctx.cluster.api.list(t.kind, Some(ns), &labels, &fields));
            continue;
        }
        for name in &t.names {
            found.push(
                ctx.cluster
                    .api
                    .get(t.kind, ns, name)
                    .map_err(|e| server_error(&e))?,
            );
        }
    }
    Ok(found)
}

/// kubectl's `DaemonSetStatusViewer`.
pub fn daemon_set_status(d: &DaemonSet) -> Result<(String, bool), String> {
    if d.spec.update_strategy.type_ != "RollingUpdate" {
        return Err(
            "error: rollout status is only available for RollingUpdate strategy type\n".into(),
        );
    }
    let name = &d.metadata.name;
    let st = d.status.clone().unwrap_or_default();
    if d.metadata.generation.unwrap_or(0) > st.observed_generation {
        return Ok((
            "Waiting for daemon set spec update to be observed...\n".into(),
            false,
        ));
    }
    let line = if st.updated_number_scheduled < st.desired_number_scheduled {
        format!(
            "Waiting for daemon set {name:?} rollout to finish: {} out of {} new pods have been updated...\n",
            st.updated_number_scheduled, st.desired_number_scheduled
        )
    } else if st.number_available < st.desired_number_scheduled {
        format!(
            "Waiting for daemon set {name:?} rollout to finish: {} of {} updated pods are available...\n",
            st.number_available, st.desired_number_scheduled
        )
    } else {
        return Ok((
            format!("daemon set {name:?} successfully rolled out\n"),
            true,
        ));
    };
    Ok((line, false))
}

/// kubectl's `StatefulSetStatusViewer`.
pub fn stateful_set_status(s: &StatefulSet) -> Result<(String, bool), String> {
    let strategy = &s.spec.update_strategy;
    if strategy.type_ != "RollingUpdate" {
        return Err(
            "error: rollout status is only available for RollingUpdate strategy type\n".into(),
        );
    }
    let st = s.status.clone().unwrap_or_default();
    if st.observed_generation == 0 || s.metadata.generation.unwrap_or(0) > st.observed_generation {
        return Ok((
            "Waiting for statefulset spec update to be observed...\n".into(),
            false,
        ));
    }
    if let Some(want) = s.spec.replicas {
        if st.ready_replicas < want {
            return Ok((
                format!(
                    "Waiting for {} pods to be ready...\n",
                    want - st.ready_replicas
                ),
                false,
            ));
        }
    }
    if let Some(ru) = &strategy.rolling_update {
        if let (Some(want), Some(partition)) = (s.spec.replicas, ru.partition) {
            if st.updated_replicas < want - partition {
                return Ok((
                    format!(
                        "Waiting for partitioned roll out to finish: {} out of {} new pods have been updated...\n",
                        st.updated_replicas,
                        want - partition
                    ),
                    false,
                ));
            }
        }
        return Ok((
            format!(
                "partitioned roll out complete: {} new pods have been updated...\n",
                st.updated_replicas
            ),
            true,
        ));
    }
    if st.update_revision != st.current_revision {
        return Ok((
            format!(
                "waiting for statefulset rolling update to complete {} pods at revision {}...\n",
                st.updated_replicas, st.update_revision
            ),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {}...\n",
            st.current_replicas, st.current_revision
        ),
        true,
    ))
}

fn status(ctx: &mut Ctx, a: &Args, obj: &Object, out: &mut Output) -> Result<String, String> {
    let limit = match a.get("timeout").map(crate::shell::parse_duration) {
        None | Some(Some(0)) => DEFAULT_WAIT_MS,
        Some(Some(t)) => t,
        Some(None) => {
            return Err(format!(
            "error: invalid argument {:?} for \"--timeout\" flag: time: invalid duration {:?}\n",
            a.get("timeout").unwrap_or(""),
            a.get("timeout").unwrap_or("")
        ))
        }
    };
    let kind = obj.kind();
    let (ns, name) = (obj.meta().namespace.clone(), obj.meta().name.clone());
    let mut last = String::new();
    let mut waited = 0;
    ctx.cluster.settle();
    loop {
        let o = ctx
            .cluster
            .api
            .get(kind, &ns, &name)
            .map_err(|e| server_error(&e))?;
        let (line, done) = match &*o {
            Object::Deployment(d) => deployment_status(d)?,
            Object::DaemonSet(d) => daemon_set_status(d)?,
            Object::StatefulSet(s) => stateful_set_status(s)?,
            _ => return Ok(String::new()),
        };
        if line != last {
            out.stdout.push_str(&line);
            last = line;
        }
        if done || a.get("watch") == Some("false") {
            return Ok(String::new());
        }
        if waited >= limit {
            return Err("error: timed out waiting for the condition\n".into());
        }
        ctx.cluster.advance(STEP_MS);
        waited += STEP_MS;
    }
}

/// The ControllerRevisions a DaemonSet or StatefulSet controls, oldest first.
fn controlled_revisions(ctx: &Ctx, obj: &Object) -> Vec<Arc<ControllerRevision>> {
    history::owned(&ctx.cluster.api, &obj.meta().uid)
}

/// `rollout history` for DaemonSets (with change causes) and StatefulSets.
fn revision_history(ctx: &mut Ctx, a: &Args, obj: &Object) -> Result<String, String> {
    let revision = parse_revision(a, "revision")?;
    let all = controlled_revisions(ctx, obj);
    let info = obj.kind().info();
    let head = format!("{}/{}", info.group_singular(), obj.meta().name);
    if all.is_empty() {
        return Ok(format!("{head} \nNo rollout history found.\n"));
    }
    if revision > 0 {
        let Some(r) = all.iter().find(|r| r.revision == revision) else {
            return Err("error: unable to find the specified revision\n".into());
        };
        let template = history::template_of(r).unwrap_or_default();
        let mut w = PrefixWriter::new();
        describe_pod_template(&mut w, &template);
        return Ok(format!(
            "{head} with revision #{revision}\n{}\n",
            w.finish()
        ));
    }
    let with_cause = obj.kind() == Kind::DaemonSet;
    let mut table = String::from(if with_cause {
        "REVISION\tCHANGE-CAUSE\n"
    } else {
        "REVISION\n"
    });
    for r in &all {
        if with_cause {
            let cause = r
                .metadata
                .annotations
                .get(CHANGE_CAUSE)
                .filter(|c| !c.is_empty())
                .map_or("<none>", |c| c.as_str());
            table.push_str(&format!("{}\t{cause}\n", r.revision));
        } else {
            table.push_str(&format!("{}\n", r.revision));
        }
    }
    Ok(format!("{head} \n{}\n", tabwrite(&table, 0, 2)))
}

/// `rollout undo` for DaemonSets and StatefulSets: the revision's template back into
/// the object (upstream applies the revision's patch).
fn revision_undo(ctx: &mut Ctx, a: &Args, obj: &Object) -> Result<String, String> {
    let to = parse_revision(a, "to-revision")?;
    let all = controlled_revisions(ctx, obj);
    let head = format!("{}/{}", obj.kind().info().group_singular(), obj.meta().name);
    if to == 0 && all.len() <= 1 {
        return Err("error: no last revision to roll back to\n".into());
    }
    let target = if to == 0 {
        all.get(all.len() - 2)
    } else {
        all.iter().find(|r| r.revision == to)
    }
    .ok_or_else(|| format!("error: unable to find specified revision {to} in history\n"))?;
    let template = history::template_of(target).unwrap_or_default();
    let mut obj2 = obj.clone();
    let current = match &mut obj2 {
        Object::DaemonSet(d) => &mut Arc::make_mut(d).spec.template,
        Object::StatefulSet(s) => &mut Arc::make_mut(s).spec.template,
        _ => return Ok(String::new()),
    };
    if a.get("dry-run").is_some_and(|v| v != "none") {
        let mut w = PrefixWriter::new();
        describe_pod_template(&mut w, &template);
        return Ok(format!(
            "{head} Pod Template:\n{}",
            w.finish().trim_start_matches("Pod Template:\n")
        ));
    }
    if *current == template {
        return Ok(format!(
            "{head} skipped rollback (current template already matches revision {to})\n"
        ));
    }
    *current = template;
    ctx.cluster.api.update(obj2).map_err(|e| server_error(&e))?;
    Ok(format!("{head} rolled back\n"))
}

/// `rollout restart` for DaemonSets and StatefulSets.
fn restart_set(ctx: &mut Ctx, obj: &Object) -> Result<String, String> {
    let head = format!("{}/{}", obj.kind().info().group_singular(), obj.meta().name);
    let now = format_rfc3339(ctx.cluster.now(), 0);
    let mut obj2 = obj.clone();
    let t = match &mut obj2 {
        Object::DaemonSet(d) => &mut Arc::make_mut(d).spec.template,
        Object::StatefulSet(s) => &mut Arc::make_mut(s).spec.template,
        _ => return Ok(String::new()),
    };
    t.metadata.annotations.insert(RESTARTED_AT.into(), now);
    ctx.cluster.api.update(obj2).map_err(|e| server_error(&e))?;
    Ok(format!("{head} restarted\n"))
}

/// The Deployment's ReplicaSets by revision, oldest first.
fn revisions(ctx: &Ctx, d: &Deployment) -> Vec<(i64, Arc<ReplicaSet>)> {
    let mut v: Vec<(i64, Arc<ReplicaSet>)> = ctx
        .cluster
        .api
        .store
        .owned_by(Kind::ReplicaSet, &d.metadata.uid)
        .iter()
        .filter_map(|o| match &**o {
            Object::ReplicaSet(r) => {
                let rev = r.metadata.annotations.get(REVISION)?.parse().ok()?;
                Some((rev, r.clone()))
            }
            _ => None,
        })
        .collect();
    v.sort_by_key(|(rev, _)| *rev);
    v
}

fn history(ctx: &mut Ctx, a: &Args, d: &Deployment) -> Result<String, String> {
    let revision = parse_revision(a, "revision")?;
    let all = revisions(ctx, d);
    let head = format!("deployment.apps/{}", d.metadata.name);
    if revision > 0 {
        let Some((_, rs)) = all.iter().find(|(r, _)| *r == revision) else {
            return Err("error: unable to find the specified revision\n".into());
        };
        let mut template = rs.spec.template.clone();
        if let Some(cause) = rs.metadata.annotations.get(CHANGE_CAUSE) {
            template
                .metadata
                .annotations
                .insert(CHANGE_CAUSE.into(), cause.clone());
        }
        let mut w = PrefixWriter::new();
        describe_pod_template(&mut w, &template);
        return Ok(format!(
            "{head} with revision #{revision}\n{}\n",
            w.finish()
        ));
    }
    let mut table = String::from("REVISION\tCHANGE-CAUSE\n");
    for (rev, rs) in &all {
        let cause = rs
            .metadata
            .annotations
            .get(CHANGE_CAUSE)
            .filter(|c| !c.is_empty())
            .map_or("<none>", |c| c.as_str());
        table.push_str(&format!("{rev}\t{cause}\n"));
    }
    Ok(format!("{head} \n{}\n", tabwrite(&table, 0, 2)))
}

fn parse_revision(a: &Args, flag: &str) -> Result<i64, String> {
    let Some(v) = a.get(flag) else { return Ok(0) };
    match v.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        Ok(n) => Err(format!("error: revision must be a positive integer: {n}\n")),
        Err(_) => Err(format!(
            "error: invalid argument {v:?} for \"--{flag}\" flag: strconv.ParseInt: parsing {v:?}: invalid syntax\n"
        )),
    }
}

fn undo(ctx: &mut Ctx, a: &Args, d: &Deployment) -> Result<String, String> {
    let to = parse_revision(a, "to-revision")?;
    let name = &d.metadata.name;
    if d.spec.paused {
        return Err("error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again\n".into());
    }
    let all = revisions(ctx, d);
    let target = if to > 0 {
        all.iter()
            .find(|(r, _)| *r == to)
            .ok_or_else(|| format!("error: unable to find specified revision {to} in history\n"))?
    } else {
        // The second-newest revision.
        all.iter()
            .rev()
            .nth(1)
            .ok_or_else(|| format!("error: no rollout history found for deployment {name:?}\n"))?
    };
    let (rev, rs) = (target.0, &target.1);
    let mut template = rs.spec.template.clone();
    template.metadata.labels.remove(POD_TEMPLATE_HASH);
    if template == d.spec.template {
        return Ok(format!(
            "deployment.apps/{name} skipped rollback (current template already matches revision {rev})\n"
        ));
    }
    let mut d2 = d.clone();
    d2.spec.template = template;
    let mut annotations: std::collections::BTreeMap<String, String> = d
        .metadata
        .annotations
        .iter()
        .filter(|(k, _)| NOT_ROLLED_BACK.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in &rs.metadata.annotations {
        if !NOT_ROLLED_BACK.contains(&k.as_str()) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    d2.metadata.annotations = annotations;
    if a.get("dry-run").is_some_and(|v| v != "none") {
        let mut w = PrefixWriter::new();
        describe_pod_template(&mut w, &d2.spec.template);
        return Ok(format!(
            "deployment.apps/{name} Pod Template:\n{}",
            w.finish().trim_start_matches("Pod Template:\n")
        ));
    }
    ctx.cluster
        .api
        .update(d2.into_object())
        .map_err(|e| server_error(&e))?;
    Ok(format!("deployment.apps/{name} rolled back\n"))
}

fn pause(ctx: &mut Ctx, d: &Deployment, pause: bool) -> Result<String, String> {
    let name = &d.metadata.name;
    if d.spec.paused == pause {
        let why = if pause {
            "is already paused"
        } else {
            "is not paused"
        };
        return Err(format!("error: deployments.apps {name:?} {why}\n"));
    }
    let mut d2 = d.clone();
    d2.spec.paused = pause;
    ctx.cluster
        .api
        .update(d2.into_object())
        .map_err(|e| server_error(&e))?;
    let done = if pause { "paused" } else { "resumed" };
    Ok(format!("deployment.apps/{name} {done}\n"))
}

fn restart(ctx: &mut Ctx, d: &Deployment) -> Result<String, String> {
    let name = &d.metadata.name;
    if d.spec.paused {
        return Err(format!(
            "error: deployments.apps {name:?} can't restart paused deployment (run rollout resume first)\n"
        ));
    }
    let mut d2 = d.clone();
    let now = format_rfc3339(ctx.cluster.now(), 0);
    d2.spec
        .template
        .metadata
        .annotations
        .insert(RESTARTED_AT.into(), now);
    ctx.cluster
        .api
        .update(d2.into_object())
        .map_err(|e| server_error(&e))?;
    Ok(format!("deployment.apps/{name} restarted\n"))
}
