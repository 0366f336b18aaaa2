//! `kubectl logs`: the log of a container, read from the kubelet of the pod's node
//! (`pods/log`), with `-c`, `--previous`, `--tail`, `--since`, `--timestamps`,
//! `--all-containers`, `--prefix`, `-l` and kubectl's container defaulting
//! (`Defaulted container "app" out of: app, sidecar`). `-f` prints what has been
//! written so far and leaves a [`Follow`] that streams the rest until the container
//! stops.

use super::args::{self, flag, Flag};
use super::follow::{Follow, LogTarget};
use super::{server_error, Ctx, Output};
use crate::api::core_v1::Pod;
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::Time;
use crate::api::{Kind, Object};
use crate::apiserver::ApiError;
use crate::sim::Millis;

const FLAGS: &[Flag] = &[
    flag("container", Some('c'), true),
    flag("previous", Some('p'), false),
    flag("follow", Some('f'), false),
    flag("tail", None, true),
    flag("since", None, true),
    flag("timestamps", None, false),
    flag("all-containers", None, false),
    flag("prefix", None, false),
    flag("selector", Some('l'), true),
    flag("max-log-requests", None, true),
    flag("ignore-errors", None, false),
];

/// Go's RFC3339Nano (trailing zeros dropped), as the kubelet stamps log lines.
pub(crate) fn rfc3339_nano(ms: Millis) -> String {
    let whole = Time(ms.div_euclid(1000) * 1000).to_string();
    let frac = ms.rem_euclid(1000);
    if frac == 0 {
        return whole;
    }
    let f = format!("{frac:03}");
    format!(
        "{}.{}Z",
        whole.trim_end_matches('Z'),
        f.trim_end_matches('0')
    )
}

/// kubectl's container defaulting: the `kubectl.kubernetes.io/default-container`
/// annotation or the first container, with the `Defaulted container ...` notice when
/// the pod has more than one (init containers listed last, marked `(init)`).
pub(crate) fn default_container(pod: &Pod) -> (String, String) {
    let default = pod
        .metadata
        .annotations
        .get("kubectl.kubernetes.io/default-container")
        .cloned()
        .or_else(|| pod.spec.containers.first().map(|c| c.name.clone()))
        .unwrap_or_default();
    let names: Vec<String> = pod
        .spec
        .containers
        .iter()
        .map(|c| c.name.clone())
        .chain(
            pod.spec
                .init_containers
                .iter()
                .map(|c| format!("{} (init)", c.name)),
        )
        .collect();
    let notice = if names.len() > 1 {
        format!(
            "Defaulted container {default:?} out of: {}\n",
            names.join(", ")
        )
    } else {
        String::new()
    };
    (default, notice)
}

fn bad_request(msg: String) -> String {
    server_error(&ApiError::bad_request(msg))
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match args::parse("logs", argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let tail: Option<usize> = match a.get("tail") {
        None => None,
        Some(t) => match t.parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(n as usize),
            Err(_) => {
                return Output::err(args::usage_error(
                    "logs",
                    &format!("invalid argument {t:?} for \"--tail\" flag: strconv.ParseInt: parsing {t:?}: invalid syntax"),
                ))
            }
        },
    };
    let since = match a.get("since") {
        None => None,
        Some(s) => match crate::shell::parse_duration(s) {
            Some(d) => Some(d),
            None => {
                return Output::err(args::usage_error(
                    "logs",
                    &format!(
                        "invalid argument {s:?} for \"--since\" flag: time: invalid duration {s:?}"
                    ),
                ))
            }
        },
    };
    let mut notice = String::new();
    let pods: Vec<std::sync::Arc<Pod>> = if let Some(sel) = a.get("selector") {
        if !a.positionals.is_empty() {
            return Output::err("error: only one of a selector or a pod name may be specified\n");
        }
        let labels = match Selector::parse(sel) {
            Ok(s) => s,
            Err(e) => return Output::err(format!("error: {e}\n")),
        };
        let pods: Vec<_> = ctx
            .cluster
            .api
            .list(Kind::Pod, Some(&ns), &labels, &FieldSelector::default())
            .iter()
            .filter_map(|o| match &**o {
                Object::Pod(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        if pods.is_empty() {
            return Output::err(format!("No resources found in {ns} namespace.\n"));
        }
        pods
    } else {
        let name = match a.positionals.as_slice() {
            [one] => one.strip_prefix("pod/").or_else(|| one.strip_prefix("pods/")).unwrap_or(one).to_string(),
            [pod, _container] => pod.to_string(),
            [] => return Output::err("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples\n"),
            _ => return Output::err("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples\n"),
        };
        if let Some(job) = name
            .strip_prefix("job/")
            .or_else(|| name.strip_prefix("jobs/"))
            .or_else(|| name.strip_prefix("job.batch/"))
            .or_else(|| name.strip_prefix("jobs.batch/"))
        {
            match pod_for_job(ctx, &ns, job) {
                Ok((p, found)) => {
                    if found > 1 {
                        notice.push_str(&format!(
                            "Found {found} pods, using pod/{}\n",
                            p.metadata.name
                        ));
                    }
                    vec![p]
                }
                Err(e) => return Output::err(e),
            }
        } else {
            match ctx.cluster.api.get(Kind::Pod, &ns, &name) {
                Ok(o) => match &*o {
                    Object::Pod(p) => vec![p.clone()],
                    _ => Vec::new(),
                },
                Err(e) => return Output::err(server_error(&e)),
            }
        }
    };
    let by_selector = a.get("selector").is_some();
    let mut out = Output {
        notices: notice,
        ..Default::default()
    };
    let mut targets: Vec<LogTarget> = Vec::new();
    let now = ctx.cluster.now();
    for pod in pods {
        let containers: Vec<String> = if a.bool("all-containers") {
            pod.spec
                .init_containers
                .iter()
                .chain(pod.spec.containers.iter())
                .map(|c| c.name.clone())
                .collect()
        } else if let Some(c) = a
            .get("container")
            .or_else(|| a.positionals.get(1).map(String::as_str))
        {
            vec![c.to_string()]
        } else {
            let (default, notice) = default_container(&pod);
            out.notices.push_str(&notice);
            vec![default]
        };
        for container in containers {
            let node = pod.spec.node_name.clone();
            let result = if node.is_empty() {
                Err(format!(
                    "container \"{container}\" in pod \"{}\" is waiting to start: ContainerCreating",
                    pod.metadata.name
                ))
            } else {
                match ctx.cluster.kubelet_mut(&node) {
                    Some(k) => k.container_log(&ns, &pod.metadata.name, &container, a.bool("previous"), now),
                    None => Err(format!(
                        "Get \"https://{node}:10250/containerLogs/{ns}/{}/{container}\": dial tcp: lookup {node}: no such host",
                        pod.metadata.name
                    )),
                }
            };
            match result {
                Ok(mut lines) => {
                    if let Some(d) = since {
                        lines.retain(|(t, _)| *t >= now - d);
                    }
                    if let Some(n) = tail {
                        let skip = lines.len().saturating_sub(n);
                        lines.drain(..skip);
                    }
                    let prefix = if a.bool("prefix") || (by_selector && a.bool("all-containers")) {
                        format!("[pod/{}/{container}] ", pod.metadata.name)
                    } else {
                        String::new()
                    };
                    if a.bool("follow") && !a.bool("previous") {
                        targets.push(LogTarget {
                            namespace: ns.clone(),
                            pod: pod.metadata.name.clone(),
                            uid: pod.metadata.uid.clone(),
                            node: node.clone(),
                            container: container.clone(),
                            prefix: prefix.clone(),
                            printed_until: now,
                            ended: false,
                        });
                    }
                    for (t, l) in lines {
                        out.stdout.push_str(&prefix);
                        if a.bool("timestamps") {
                            out.stdout.push_str(&rfc3339_nano(t));
                            out.stdout.push(' ');
                        }
                        out.stdout.push_str(&l);
                        out.stdout.push('\n');
                    }
                }
                Err(msg) => out.stderr.push_str(&bad_request(msg)),
            }
        }
    }
    if !targets.is_empty() {
        out.follow = Some(Follow::Logs {
            targets,
            timestamps: a.bool("timestamps"),
        });
    }
    out
}

/// The pod `kubectl logs job/NAME` reads (`GetFirstPod` with the `ByLogging` order:
/// scheduled, running, ready, more restarts, older first) and how many matched.
fn pod_for_job(ctx: &Ctx, ns: &str, name: &str) -> Result<(std::sync::Arc<Pod>, usize), String> {
    let o = ctx
        .cluster
        .api
        .get(Kind::Job, ns, name)
        .map_err(|e| server_error(&e))?;
    let Object::Job(job) = &*o else {
        return Err(String::new());
    };
    let sel = Selector::from_optional_label_selector(job.spec.selector.as_ref())
        .map_err(|e| format!("error: {e}\n"))?;
    let mut pods: Vec<std::sync::Arc<Pod>> = ctx
        .cluster
        .api
        .list(Kind::Pod, Some(ns), &sel, &FieldSelector::default())
        .iter()
        .filter_map(|o| match &**o {
            Object::Pod(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let ready_since = |p: &Pod| {
        p.status.as_ref().and_then(|s| {
            s.conditions
                .iter()
                .find(|c| c.type_ == "Ready" && c.status == "True")
                .map(|c| c.last_transition_time.map_or(i64::MAX, |t| t.0))
        })
    };
    pods.sort_by_key(|p| {
        let phase = p.status.as_ref().map_or("", |s| s.phase.as_str());
        let restarts = p.status.as_ref().map_or(0, |s| {
            s.container_statuses
                .iter()
                .map(|c| c.restart_count)
                .max()
                .unwrap_or(0)
        });
        (
            p.spec.node_name.is_empty(),
            match phase {
                "Unknown" => 1,
                "Pending" => 2,
                _ => 0,
            },
            ready_since(p).is_none(),
            ready_since(p).unwrap_or(0),
            -restarts,
            p.metadata.creation_timestamp.map_or(i64::MAX, |t| t.0),
        )
    });
    let n = pods.len();
    match pods.into_iter().next() {
        Some(p) => Ok((p, n)),
        None => Err("error: timed out waiting for the condition\n".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339_nano;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_nano(1_735_689_604_000), "2025-01-01T00:00:04Z");
        assert_eq!(rfc3339_nano(1_735_689_604_580), "2025-01-01T00:00:04.58Z");
    }
}
