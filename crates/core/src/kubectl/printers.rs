//! The columns `kubectl get` prints for each kind, as the API server's table convertors
//! (`pkg/printers/internalversion`) define them, including the `-o wide` columns.

use std::collections::BTreeMap;

use super::table::{age, human_duration};
use crate::api::labels::Selector;
use crate::api::{Kind, LabelSelector, Object};
use crate::sim::Millis;

/// Column headers; `wide` adds the `-o wide` columns.
pub fn headers(kind: Kind, wide: bool) -> Vec<&'static str> {
    let (base, extra): (&[&str], &[&str]) = match kind {
        Kind::Pod => (
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        ),
        Kind::Deployment => (
            &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        Kind::ReplicaSet => (
            &["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        Kind::Service => (
            &[
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
            ],
            &["SELECTOR"],
        ),
        Kind::Node => (
            &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            &[
                "INTERNAL-IP",
                "EXTERNAL-IP",
                "OS-IMAGE",
                "KERNEL-VERSION",
                "CONTAINER-RUNTIME",
            ],
        ),
        Kind::Namespace => (&["NAME", "STATUS", "AGE"], &[]),
        Kind::ConfigMap => (&["NAME", "DATA", "AGE"], &[]),
        Kind::Secret => (&["NAME", "TYPE", "DATA", "AGE"], &[]),
        Kind::ServiceAccount => (&["NAME", "SECRETS", "AGE"], &[]),
        _ => (&["NAME", "AGE"], &[]),
    };
    let mut h = base.to_vec();
    if wide {
        h.extend_from_slice(extra);
    }
    h
}

/// `a=b,c=d`, or `<none>`.
pub fn labels_string(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".into();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A label selector as kubectl prints it (`app=web,tier in (a,b)`), `<none>` when empty.
pub fn selector_string(sel: Option<&LabelSelector>) -> String {
    match sel.map(Selector::from_label_selector) {
        None => "<none>".into(),
        Some(Ok(s)) if s.is_empty() => "<none>".into(),
        Some(Ok(s)) => s.to_string(),
        Some(Err(_)) => "<error>".into(),
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s.to_string()
    }
}

/// The cells of one row (the first is the name); `wide` adds the `-o wide` cells.
pub fn row(obj: &Object, now: Millis, wide: bool) -> Vec<String> {
    let m = obj.meta();
    let name = m.name.clone();
    let created = age(m.creation_timestamp, now);
    let (mut base, extra): (Vec<String>, Vec<String>) = match obj {
        Object::Pod(p) => pod_row(p, now),
        Object::Deployment(d) => {
            let st = d.status.clone().unwrap_or_default();
            let spec_c = &d.spec.template.spec.containers;
            (
                vec![
                    name,
                    format!("{}/{}", st.ready_replicas, d.spec.replicas.unwrap_or(0)),
                    st.updated_replicas.to_string(),
                    st.available_replicas.to_string(),
                    created,
                ],
                vec![
                    spec_c
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    spec_c
                        .iter()
                        .map(|c| c.image.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    selector_string(d.spec.selector.as_ref()),
                ],
            )
        }
        Object::ReplicaSet(r) => {
            let st = r.status.clone().unwrap_or_default();
            let spec_c = &r.spec.template.spec.containers;
            (
                vec![
                    name,
                    r.spec.replicas.unwrap_or(0).to_string(),
                    st.replicas.to_string(),
                    st.ready_replicas.to_string(),
                    created,
                ],
                vec![
                    spec_c
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    spec_c
                        .iter()
                        .map(|c| c.image.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    selector_string(r.spec.selector.as_ref()),
                ],
            )
        }
        Object::Service(s) => {
            let sp = &s.spec;
            let cluster_ip = if sp.type_ == "ExternalName" {
                "<none>".to_string()
            } else {
                or_none(&sp.cluster_ip)
            };
            let mut ext: Vec<String> = Vec::new();
            let external = match sp.type_.as_str() {
                "ExternalName" => sp.external_name.clone(),
                "LoadBalancer" => {
                    if let Some(st) = &s.status {
                        for i in &st.load_balancer.ingress {
                            ext.push(if i.ip.is_empty() {
                                i.hostname.clone()
                            } else {
                                i.ip.clone()
                            });
                        }
                    }
                    ext.extend(sp.external_ips.iter().cloned());
                    if ext.is_empty() {
                        "<pending>".into()
                    } else {
                        ext.join(",")
                    }
                }
                _ => {
                    if sp.external_ips.is_empty() {
                        "<none>".into()
                    } else {
                        sp.external_ips.join(",")
                    }
                }
            };
            let ports: Vec<String> = sp
                .ports
                .iter()
                .map(|p| {
                    if p.node_port > 0 {
                        format!("{}:{}/{}", p.port, p.node_port, p.protocol)
                    } else {
                        format!("{}/{}", p.port, p.protocol)
                    }
                })
                .collect();
            let ports = if ports.is_empty() {
                "<none>".to_string()
            } else {
                ports.join(",")
            };
            (
                vec![name, sp.type_.clone(), cluster_ip, external, ports, created],
                vec![labels_string(&sp.selector)],
            )
        }
        Object::Node(n) => {
            let st = n.status.clone().unwrap_or_default();
            let ready = st.conditions.iter().find(|c| c.type_ == "Ready");
            let mut status = match ready.map(|c| c.status.as_str()) {
                Some("True") => "Ready".to_string(),
                Some("False") => "NotReady".to_string(),
                _ => "Unknown".to_string(),
            };
            if n.spec.unschedulable {
                status.push_str(",SchedulingDisabled");
            }
            let mut roles: Vec<&str> = m
                .labels
                .keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .filter(|r| !r.is_empty())
                .collect();
            if let Some(r) = m.labels.get("kubernetes.io/role") {
                roles.push(r);
            }
            roles.sort();
            let roles = if roles.is_empty() {
                "<none>".to_string()
            } else {
                roles.join(",")
            };
            let addr = |t: &str| {
                st.addresses
                    .iter()
                    .find(|a| a.type_ == t)
                    .map(|a| a.address.clone())
                    .unwrap_or_else(|| "<none>".into())
            };
            let info = &st.node_info;
            (
                vec![name, status, roles, created, info.kubelet_version.clone()],
                vec![
                    addr("InternalIP"),
                    addr("ExternalIP"),
                    or_none(&info.os_image),
                    or_none(&info.kernel_version),
                    or_none(&info.container_runtime_version),
                ],
            )
        }
        Object::Namespace(n) => (
            vec![
                name,
                n.status
                    .as_ref()
                    .map(|s| s.phase.clone())
                    .unwrap_or_default(),
                created,
            ],
            vec![],
        ),
        Object::ConfigMap(c) => (
            vec![
                name,
                (c.data.len() + c.binary_data.len()).to_string(),
                created,
            ],
            vec![],
        ),
        Object::Secret(s) => (
            vec![
                name,
                s.type_.clone(),
                (s.data.len() + s.string_data.len()).to_string(),
                created,
            ],
            vec![],
        ),
        Object::ServiceAccount(s) => (vec![name, s.secrets.len().to_string(), created], vec![]),
        _ => (vec![name, created], vec![]),
    };
    if wide {
        base.extend(extra);
    }
    base
}

/// Pod columns, following upstream's `printPod`: the STATUS reason from init containers,
/// waiting/terminated containers and deletion; RESTARTS with the last restart's age.
fn pod_row(p: &crate::api::core_v1::Pod, now: Millis) -> (Vec<String>, Vec<String>) {
    let st = p.status.clone().unwrap_or_default();
    let spec = &p.spec;
    let mut restarts: i64 = 0;
    let mut last_restart: Option<i64> = None;
    let mut total = spec.containers.len();
    let mut ready = 0;
    let mut reason = if st.reason.is_empty() {
        st.phase.clone()
    } else {
        st.reason.clone()
    };
    if st
        .conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }
    let mut note_restart = |cs: &crate::api::core_v1::ContainerStatus| {
        if let Some(t) = cs
            .last_state
            .terminated
            .as_ref()
            .and_then(|t| t.finished_at)
        {
            if last_restart.is_none_or(|l| t.0 > l) {
                last_restart = Some(t.0);
            }
        }
    };
    let mut initializing = false;
    let n_init = spec.init_containers.len();
    for (i, cs) in st.init_container_statuses.iter().enumerate() {
        restarts += cs.restart_count as i64;
        note_restart(cs);
        let sidecar = spec
            .init_containers
            .iter()
            .find(|c| c.name == cs.name)
            .is_some_and(|c| c.restart_policy.as_deref() == Some("Always"));
        if sidecar {
            total += 1;
            if cs.ready {
                ready += 1;
            }
        }
        if let Some(t) = &cs.state.terminated {
            if t.exit_code == 0 {
                continue;
            }
        }
        if sidecar && cs.started == Some(true) {
            continue;
        }
        initializing = true;
        reason = if let Some(t) = &cs.state.terminated {
            if !t.reason.is_empty() {
                format!("Init:{}", t.reason)
            } else if t.signal != 0 {
                format!("Init:Signal:{}", t.signal)
            } else {
                format!("Init:ExitCode:{}", t.exit_code)
            }
        } else if let Some(w) = cs
            .state
            .waiting
            .as_ref()
            .filter(|w| !w.reason.is_empty() && w.reason != "PodInitializing")
        {
            format!("Init:{}", w.reason)
        } else {
            format!("Init:{i}/{n_init}")
        };
        break;
    }
    let initialized = st
        .conditions
        .iter()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        let mut has_running = false;
        for cs in st.container_statuses.iter().rev() {
            restarts += cs.restart_count as i64;
            note_restart(cs);
            if let Some(w) = cs.state.waiting.as_ref().filter(|w| !w.reason.is_empty()) {
                reason = w.reason.clone();
            } else if let Some(t) = &cs.state.terminated {
                reason = if !t.reason.is_empty() {
                    t.reason.clone()
                } else if t.signal != 0 {
                    format!("Signal:{}", t.signal)
                } else {
                    format!("ExitCode:{}", t.exit_code)
                };
            } else if cs.ready && cs.state.running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = st
                .conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if pod_ready {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    let terminal = st.phase == "Succeeded" || st.phase == "Failed";
    if p.metadata.deletion_timestamp.is_some() {
        if st.reason == "NodeLost" {
            reason = "Unknown".into();
        } else if !terminal {
            reason = "Terminating".into();
        }
    }
    let restarts = match last_restart {
        Some(t) => format!("{restarts} ({} ago)", human_duration(now - t)),
        None => restarts.to_string(),
    };
    let gates = if spec.readiness_gates.is_empty() {
        "<none>".to_string()
    } else {
        let ok = spec
            .readiness_gates
            .iter()
            .filter(|g| {
                st.conditions
                    .iter()
                    .any(|c| c.type_ == g.condition_type && c.status == "True")
            })
            .count();
        format!("{ok}/{}", spec.readiness_gates.len())
    };
    (
        vec![
            p.metadata.name.clone(),
            format!("{ready}/{total}"),
            reason,
            restarts,
            age(p.metadata.creation_timestamp, now),
        ],
        vec![
            or_none(&st.pod_ip),
            or_none(&spec.node_name),
            or_none(&st.nominated_node_name),
            gates,
        ],
    )
}
