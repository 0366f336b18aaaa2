//! Streams that outlive their command: `kubectl logs -f` and `kubectl get -w`. The
//! command prints what there is now and hands back a [`Follow`]; whoever runs
//! commands drives it as simulated time passes. Scripts advance time until the stream
//! ends (a followed container stops) or `timeout` ends it; the page polls it as its
//! clock runs, until Ctrl+C.

use std::sync::Arc;

use super::get::kind_name;
use super::{printers, table};
use crate::api::core_v1::Pod;
use crate::api::{Kind, Object};
use crate::apiserver::store::{EventType, WatchId};
use crate::sim::{Cluster, Millis};

/// One container whose log is followed.
#[derive(Clone, Debug, PartialEq)]
pub struct LogTarget {
    pub namespace: String,
    pub pod: String,
    pub uid: String,
    pub node: String,
    pub container: String,
    /// `[pod/NAME/CONTAINER] ` with `--prefix`.
    pub prefix: String,
    /// Lines up to this instant have been printed.
    pub printed_until: Millis,
    pub ended: bool,
}

/// How `get -w` prints each change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchFormat {
    Table { wide: bool, ns_column: bool },
    Name,
}

/// A stream a command left open.
#[derive(Clone, Debug, PartialEq)]
pub enum Follow {
    Logs {
        targets: Vec<LogTarget>,
        timestamps: bool,
    },
    Watch {
        id: WatchId,
        /// Only these names (`get pod web -w`); empty: all.
        names: Vec<String>,
        format: WatchFormat,
        /// `--output-watch-events`: an EVENT column first.
        events: bool,
        /// The table header, when nothing has printed it yet (`--watch-only`).
        header: Option<Vec<String>>,
    },
}

impl Follow {
    /// What the stream printed since the last poll, and whether it has ended.
    pub fn poll(&mut self, cluster: &mut Cluster) -> (String, bool) {
        let now = cluster.now();
        match self {
            Follow::Logs {
                targets,
                timestamps,
            } => {
                let mut out = String::new();
                for t in targets.iter_mut().filter(|t| !t.ended) {
                    poll_log(cluster, t, *timestamps, now, &mut out);
                }
                let ended = targets.iter().all(|t| t.ended);
                (out, ended)
            }
            Follow::Watch {
                id,
                names,
                format,
                events,
                header,
            } => {
                let mut out = String::new();
                for ev in cluster.api.poll(*id) {
                    if !names.is_empty() && !names.contains(&ev.object.meta().name) {
                        continue;
                    }
                    let obj: Arc<Object> = ev.object.clone();
                    match format {
                        WatchFormat::Name => out.push_str(&format!("{}\n", kind_name(&obj))),
                        WatchFormat::Table { wide, ns_column } => {
                            let mut row = Vec::new();
                            if *events {
                                row.push(
                                    match ev.type_ {
                                        EventType::Added => "ADDED",
                                        EventType::Modified => "MODIFIED",
                                        EventType::Deleted => "DELETED",
                                    }
                                    .to_string(),
                                );
                            }
                            if *ns_column {
                                row.push(obj.meta().namespace.clone());
                            }
                            row.extend(printers::row(&obj, now, *wide));
                            if let Some(h) = header.take() {
                                out.push_str(&table::render(&[h, row]));
                                continue;
                            }
                            // kubectl flushes its tabwriter after each change, so
                            // each row is aligned on its own.
                            out.push_str(&table::render(&[row]));
                        }
                    }
                }
                (out, false)
            }
        }
    }

    /// Ends the stream, releasing what it holds.
    pub fn close(self, cluster: &mut Cluster) {
        if let Follow::Watch { id, .. } = self {
            cluster.api.unwatch(id);
        }
    }
}

fn poll_log(
    cluster: &mut Cluster,
    t: &mut LogTarget,
    timestamps: bool,
    now: Millis,
    out: &mut String,
) {
    let pod: Option<Arc<Pod>> = match cluster.api.get(Kind::Pod, &t.namespace, &t.pod) {
        Ok(o) => match &*o {
            Object::Pod(p) if p.metadata.uid == t.uid => Some(p.clone()),
            _ => None,
        },
        Err(_) => None,
    };
    // The run being followed: lines after what was printed, up to now.
    let lines = cluster
        .kubelet_mut(&t.node)
        .and_then(|k| {
            k.container_log(&t.namespace, &t.pod, &t.container, false, now)
                .ok()
        })
        .unwrap_or_default();
    for (at, line) in lines.into_iter().filter(|(at, _)| *at > t.printed_until) {
        out.push_str(&t.prefix);
        if timestamps {
            out.push_str(&super::logs::rfc3339_nano(at));
            out.push(' ');
        }
        out.push_str(&line);
        out.push('\n');
    }
    t.printed_until = now;
    // The stream closes when the container stops running (or the pod is gone).
    let running = pod.is_some_and(|p| {
        p.status.as_ref().is_some_and(|s| {
            s.container_statuses
                .iter()
                .chain(s.init_container_statuses.iter())
                .any(|c| c.name == t.container && c.state.running.is_some())
        })
    });
    if !running {
        t.ended = true;
    }
}
