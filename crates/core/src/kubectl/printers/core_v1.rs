//! Printers for the core (`v1`) kinds.

use super::{
    age, containers_cells, human_duration, join_host_port, labels_string, load_balancer_addresses,
    micro_age, or_none, qty_or_zero, Millis,
};
use crate::api::core_v1::{
    ConfigMap, ContainerStatus, Endpoints, Event, Namespace, Node, PersistentVolume,
    PersistentVolumeClaim, Pod, PodStatus, ReplicationController, ResourceQuota, Secret, Service,
    ServiceAccount,
};

/// `printPod`: READY counts ready containers (and started ready sidecars); STATUS is the
/// reason from init containers, waiting/terminated containers and deletion; RESTARTS
/// gets the last restart's age.
pub(super) fn pod(p: &Pod, now: Millis) -> Vec<String> {
    let owned;
    let st: &PodStatus = match &p.status {
        Some(s) => s,
        None => {
            owned = PodStatus::default();
            &owned
        }
    };
    let spec = &p.spec;
    let is_sidecar = |name: &str| {
        spec.init_containers
            .iter()
            .find(|c| c.name == name)
            .is_some_and(|c| c.restart_policy.as_deref() == Some("Always"))
    };
    let mut restarts: i64 = 0;
    let mut sidecar_restarts: i64 = 0;
    let total = spec.containers.len()
        + spec
            .init_containers
            .iter()
            .filter(|c| c.restart_policy.as_deref() == Some("Always"))
            .count();
    let mut ready = 0;
    let mut last_restart: Option<i64> = None;
    let mut last_sidecar_restart: Option<i64> = None;
    let finished = |cs: &ContainerStatus| {
        cs.last_state
            .terminated
            .as_ref()
            .and_then(|t| t.finished_at)
            .map(|t| t.0)
    };

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

    let mut initializing = false;
    let n_init = spec.init_containers.len();
    for (i, cs) in st.init_container_statuses.iter().enumerate() {
        restarts += i64::from(cs.restart_count);
        last_restart = last_restart.max(finished(cs));
        let sidecar = is_sidecar(&cs.name);
        if sidecar {
            sidecar_restarts += i64::from(cs.restart_count);
            last_sidecar_restart = last_sidecar_restart.max(finished(cs));
        }
        if cs
            .state
            .terminated
            .as_ref()
            .is_some_and(|t| t.exit_code == 0)
        {
            continue;
        }
        if sidecar && cs.started == Some(true) {
            if cs.ready {
                ready += 1;
            }
            continue;
        }
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
        initializing = true;
        break;
    }

    let initialized = st
        .conditions
        .iter()
        .find(|c| c.type_ == "Initialized")
        .is_some_and(|c| c.status == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for cs in st.container_statuses.iter().rev() {
            restarts += i64::from(cs.restart_count);
            last_restart = last_restart.max(finished(cs));
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
            reason = if pod_ready { "Running" } else { "NotReady" }.into();
        }
    }

    if p.metadata.deletion_timestamp.is_some() {
        if st.reason == "NodeLost" {
            reason = "Unknown".into();
        } else if st.phase != "Succeeded" && st.phase != "Failed" {
            reason = "Terminating".into();
        }
    }

    let restarts = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    // The internal type only has podIPs; conversion from v1 fills it from podIP.
    let ip = st
        .pod_ips
        .first()
        .map(|i| i.ip.as_str())
        .unwrap_or(st.pod_ip.as_str());
    let gates = if spec.readiness_gates.is_empty() {
        "<none>".to_string()
    } else {
        let ok = spec
            .readiness_gates
            .iter()
            .filter(|g| {
                st.conditions
                    .iter()
                    .find(|c| c.type_ == g.condition_type)
                    .is_some_and(|c| c.status == "True")
            })
            .count();
        format!("{ok}/{}", spec.readiness_gates.len())
    };
    vec![
        p.metadata.name.clone(),
        format!("{ready}/{total}"),
        reason,
        restarts,
        age(p.metadata.creation_timestamp, now),
        or_none(ip),
        or_none(&spec.node_name),
        or_none(&st.nominated_node_name),
        gates,
    ]
}

/// `printService` with `getServiceExternalIP` and `makePortString`.
pub(super) fn service(s: &Service, now: Millis) -> Vec<String> {
    let sp = &s.spec;
    let cluster_ip = sp
        .cluster_ips
        .first()
        .map(String::as_str)
        .unwrap_or(sp.cluster_ip.as_str());
    let external = match sp.type_.as_str() {
        "ClusterIP" | "NodePort" => {
            if sp.external_ips.is_empty() {
                "<none>".to_string()
            } else {
                sp.external_ips.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = s
                .status
                .as_ref()
                .map(|st| {
                    load_balancer_addresses(
                        st.load_balancer
                            .ingress
                            .iter()
                            .map(|i| (i.ip.as_str(), i.hostname.as_str())),
                    )
                })
                .unwrap_or_default();
            let mut all: Vec<String> = Vec::new();
            if !lb.is_empty() {
                all.extend(lb.split(',').map(str::to_string));
            }
            all.extend(sp.external_ips.iter().cloned());
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => sp.external_name.clone(),
        _ => "<unknown>".to_string(),
    };
    let ports = sp
        .ports
        .iter()
        .map(|p| {
            if p.node_port > 0 {
                format!("{}:{}/{}", p.port, p.node_port, p.protocol)
            } else {
                format!("{}/{}", p.port, p.protocol)
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    vec![
        s.metadata.name.clone(),
        sp.type_.clone(),
        or_none(cluster_ip),
        external,
        or_none(&ports),
        age(s.metadata.creation_timestamp, now),
        labels_string(&sp.selector),
    ]
}

/// `printNode`: STATUS from the Ready condition (`NotReady` for False and Unknown,
/// `Unknown` without one), `SchedulingDisabled` when cordoned; ROLES from labels.
pub(super) fn node(n: &Node, now: Millis) -> Vec<String> {
    let st = n.status.clone().unwrap_or_default();
    let mut status: Vec<&str> = Vec::new();
    // Upstream keeps the last condition of each type.
    if let Some(c) = st.conditions.iter().rev().find(|c| c.type_ == "Ready") {
        status.push(if c.status == "True" {
            "Ready"
        } else {
            "NotReady"
        });
    }
    if status.is_empty() {
        status.push("Unknown");
    }
    if n.spec.unschedulable {
        status.push("SchedulingDisabled");
    }
    let mut roles = std::collections::BTreeSet::new();
    for (k, v) in &n.metadata.labels {
        if let Some(r) = k.strip_prefix("node-role.kubernetes.io/") {
            if !r.is_empty() {
                roles.insert(r);
            }
        } else if k == "kubernetes.io/role" && !v.is_empty() {
            roles.insert(v.as_str());
        }
    }
    let roles = roles.into_iter().collect::<Vec<_>>().join(",");
    let addr = |t: &str| {
        st.addresses
            .iter()
            .find(|a| a.type_ == t)
            .map(|a| a.address.clone())
            .unwrap_or_else(|| "<none>".into())
    };
    let unknown = |s: &str| {
        if s.is_empty() {
            "<unknown>".to_string()
        } else {
            s.to_string()
        }
    };
    let info = &st.node_info;
    vec![
        n.metadata.name.clone(),
        status.join(","),
        or_none(&roles),
        age(n.metadata.creation_timestamp, now),
        info.kubelet_version.clone(),
        addr("InternalIP"),
        addr("ExternalIP"),
        unknown(&info.os_image),
        unknown(&info.kernel_version),
        unknown(&info.container_runtime_version),
    ]
}

pub(super) fn namespace(n: &Namespace, now: Millis) -> Vec<String> {
    vec![
        n.metadata.name.clone(),
        n.status
            .as_ref()
            .map(|s| s.phase.clone())
            .unwrap_or_default(),
        age(n.metadata.creation_timestamp, now),
    ]
}

pub(super) fn config_map(c: &ConfigMap, now: Millis) -> Vec<String> {
    vec![
        c.metadata.name.clone(),
        (c.data.len() + c.binary_data.len()).to_string(),
        age(c.metadata.creation_timestamp, now),
    ]
}

/// DATA counts `data` only: `stringData` is merged into `data` when the secret is written.
pub(super) fn secret(s: &Secret, now: Millis) -> Vec<String> {
    vec![
        s.metadata.name.clone(),
        s.type_.clone(),
        s.data.len().to_string(),
        age(s.metadata.creation_timestamp, now),
    ]
}

pub(super) fn service_account(s: &ServiceAccount, now: Millis) -> Vec<String> {
    vec![
        s.metadata.name.clone(),
        s.secrets.len().to_string(),
        age(s.metadata.creation_timestamp, now),
    ]
}

/// `formatEndpoints`: `ip:port` for every address and port, at most three, then
/// ` + N more...`; bare IPs for subsets without ports; `<none>` without subsets.
pub(super) fn endpoints(e: &Endpoints, now: Millis) -> Vec<String> {
    const MAX: usize = 3;
    let cell = if e.subsets.is_empty() {
        "<none>".to_string()
    } else {
        let mut list: Vec<String> = Vec::new();
        let mut more = false;
        let mut count = 0;
        for ss in &e.subsets {
            if ss.ports.is_empty() {
                count += ss.addresses.len();
                for a in &ss.addresses {
                    if list.len() == MAX {
                        more = true;
                        break;
                    }
                    list.push(a.ip.clone());
                }
                continue;
            }
            for port in &ss.ports {
                count += ss.addresses.len();
                for a in &ss.addresses {
                    if list.len() == MAX {
                        more = true;
                        break;
                    }
                    list.push(join_host_port(&a.ip, port.port));
                }
            }
        }
        let ret = list.join(",");
        if more {
            format!("{ret} + {} more...", count.saturating_sub(MAX))
        } else {
            ret
        }
    };
    vec![
        e.metadata.name.clone(),
        cell,
        age(e.metadata.creation_timestamp, now),
    ]
}

/// `printEvent`: LAST SEEN TYPE REASON OBJECT [SUBOBJECT SOURCE] MESSAGE
/// [FIRST SEEN COUNT NAME].
pub(super) fn event(e: &Event, now: Millis) -> Vec<String> {
    let first = match e.first_timestamp {
        Some(_) => age(e.first_timestamp, now),
        None => micro_age(e.event_time, now),
    };
    let mut last = match e.last_timestamp {
        Some(_) => age(e.last_timestamp, now),
        None => first.clone(),
    };
    let count = match &e.series {
        Some(s) => {
            last = micro_age(s.last_observed_time, now);
            s.count
        }
        None if e.count == 0 => 1,
        None => e.count,
    };
    let io = &e.involved_object;
    let target = if io.name.is_empty() {
        io.kind.to_lowercase()
    } else {
        format!("{}/{}", io.kind.to_lowercase(), io.name)
    };
    let first_non_empty = |a: &str, b: &str| if a.is_empty() { b } else { a }.to_string();
    let component = first_non_empty(&e.source.component, &e.reporting_component);
    let instance = first_non_empty(&e.source.host, &e.reporting_instance);
    let source = if instance.is_empty() {
        component
    } else {
        format!("{component}, {instance}")
    };
    vec![
        last,
        e.type_.clone(),
        e.reason.clone(),
        target,
        io.field_path.clone(),
        source,
        e.message.trim().to_string(),
        first,
        count.to_string(),
        e.metadata.name.clone(),
    ]
}

pub(super) fn replication_controller(r: &ReplicationController, now: Millis) -> Vec<String> {
    let st = r.status.clone().unwrap_or_default();
    let (names, images) = r
        .spec
        .template
        .as_ref()
        .map(|t| containers_cells(&t.spec.containers))
        .unwrap_or_default();
    vec![
        r.metadata.name.clone(),
        r.spec.replicas.unwrap_or(1).to_string(),
        st.replicas.to_string(),
        st.ready_replicas.to_string(),
        age(r.metadata.creation_timestamp, now),
        names,
        images,
        labels_string(&r.spec.selector),
    ]
}

/// `GetAccessModesAsString`: `RWO,ROX,RWX,RWOP` in that order, each once.
fn access_modes(modes: &[String]) -> String {
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(m, _)| modes.iter().any(|x| x == m))
    .map(|(_, s)| *s)
    .collect::<Vec<_>>()
    .join(",")
}

const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

pub(super) fn persistent_volume(p: &PersistentVolume, now: Millis) -> Vec<String> {
    let st = p.status.clone().unwrap_or_default();
    let claim = p
        .spec
        .claim_ref
        .as_ref()
        .map(|c| format!("{}/{}", c.namespace, c.name))
        .unwrap_or_default();
    let phase = if p.metadata.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        st.phase.clone()
    };
    let class = p
        .metadata
        .annotations
        .get(BETA_STORAGE_CLASS)
        .unwrap_or(&p.spec.storage_class_name)
        .clone();
    vec![
        p.metadata.name.clone(),
        qty_or_zero(p.spec.capacity.get("storage")),
        access_modes(&p.spec.access_modes),
        p.spec.persistent_volume_reclaim_policy.clone(),
        phase,
        claim,
        class,
        p.spec
            .volume_attributes_class_name
            .clone()
            .unwrap_or_else(|| "<unset>".into()),
        st.reason.clone(),
        age(p.metadata.creation_timestamp, now),
        p.spec
            .volume_mode
            .clone()
            .unwrap_or_else(|| "<unset>".into()),
    ]
}

/// CAPACITY and ACCESS MODES come from the status, and only once the claim is bound
/// to a volume.
pub(super) fn persistent_volume_claim(p: &PersistentVolumeClaim, now: Millis) -> Vec<String> {
    let st = p.status.clone().unwrap_or_default();
    let phase = if p.metadata.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        st.phase.clone()
    };
    let (capacity, modes) = if p.spec.volume_name.is_empty() {
        (String::new(), String::new())
    } else {
        (
            qty_or_zero(st.capacity.get("storage")),
            access_modes(&st.access_modes),
        )
    };
    let class = match p.metadata.annotations.get(BETA_STORAGE_CLASS) {
        Some(c) => c.clone(),
        None => p.spec.storage_class_name.clone().unwrap_or_default(),
    };
    vec![
        p.metadata.name.clone(),
        phase,
        p.spec.volume_name.clone(),
        capacity,
        modes,
        class,
        p.spec
            .volume_attributes_class_name
            .clone()
            .unwrap_or_else(|| "<unset>".into()),
        age(p.metadata.creation_timestamp, now),
        p.spec
            .volume_mode
            .clone()
            .unwrap_or_else(|| "<unset>".into()),
    ]
}

/// REQUEST and LIMIT: `resource: used/hard` for every resource of `status.hard`,
/// sorted, `limits.*` in LIMIT and the rest in REQUEST.
pub(super) fn resource_quota(q: &ResourceQuota, now: Millis) -> Vec<String> {
    let st = q.status.clone().unwrap_or_default();
    let mut request: Vec<String> = Vec::new();
    let mut limit: Vec<String> = Vec::new();
    for (res, hard) in &st.hard {
        let cell = format!(
            "{res}: {}/{}",
            qty_or_zero(st.used.get(res)),
            hard.canonical()
        );
        let mut pieces = res.split('.');
        if pieces.next() == Some("limits") && pieces.next().is_some() {
            limit.push(cell);
        } else {
            request.push(cell);
        }
    }
    vec![
        q.metadata.name.clone(),
        request.join(", "),
        limit.join(", "),
        age(q.metadata.creation_timestamp, now),
    ]
}
