//! The Pod describer and the pieces workload describers share with it: containers
//! (ports, command, state, resources, probes, environment, mounts), volumes, topology
//! spread constraints and `Pod Template:`, as kubectl's `describePod`,
//! `describeContainers`, `describeVolumes` and `DescribePodTemplate` print them.

use std::collections::BTreeMap;

use super::writer::*;
use super::{events_for, Settings};
use crate::api::core_v1::{
    Container, ContainerState, ContainerStatus, Pod, PodTemplateSpec, Probe, ResourceRequirements,
    TopologySpreadConstraint, Volume,
};
use crate::api::meta::ObjectMeta;
use crate::api::Quantity;
use crate::apiserver::ApiServer;
use crate::kubectl::printers::selector_string;
use crate::kubectl::table::human_duration;

/// `kubectl describe pod`.
pub fn describe_pod(api: &ApiServer, pod: &Pod, s: &Settings) -> String {
    let m = &pod.metadata;
    let spec = &pod.spec;
    let status = pod.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    if let Some(p) = spec.priority {
        wr!(w, LEVEL_0, "Priority:\t{p}\n");
    }
    if !spec.priority_class_name.is_empty() {
        wr!(
            w,
            LEVEL_0,
            "Priority Class Name:\t{}\n",
            spec.priority_class_name
        );
    }
    if let Some(rc) = spec.runtime_class_name.as_deref().filter(|s| !s.is_empty()) {
        wr!(w, LEVEL_0, "Runtime Class Name:\t{rc}\n");
    }
    if !spec.service_account_name.is_empty() {
        wr!(
            w,
            LEVEL_0,
            "Service Account:\t{}\n",
            spec.service_account_name
        );
    }
    if spec.node_name.is_empty() {
        w.write(LEVEL_0, "Node:\t<none>\n");
    } else {
        wr!(w, LEVEL_0, "Node:\t{}/{}\n", spec.node_name, status.host_ip);
    }
    if let Some(t) = status.start_time {
        wr!(w, LEVEL_0, "Start Time:\t{}\n", rfc1123z(Some(t)));
    }
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    if m.deletion_timestamp.is_some() && status.phase != "Failed" && status.phase != "Succeeded" {
        wr!(
            w,
            LEVEL_0,
            "Status:\tTerminating (lasts {})\n",
            since(m.deletion_timestamp, s.now)
        );
        wr!(
            w,
            LEVEL_0,
            "Termination Grace Period:\t{}s\n",
            m.deletion_grace_period_seconds.unwrap_or(0)
        );
    } else {
        wr!(w, LEVEL_0, "Status:\t{}\n", status.phase);
    }
    if !status.reason.is_empty() {
        wr!(w, LEVEL_0, "Reason:\t{}\n", status.reason);
    }
    if !status.message.is_empty() {
        wr!(w, LEVEL_0, "Message:\t{}\n", status.message);
    }
    if let Some(sp) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
    {
        wr!(w, LEVEL_0, "SeccompProfile:\t{}\n", sp.type_);
        if sp.type_ == "Localhost" {
            wr!(
                w,
                LEVEL_0,
                "LocalhostProfile:\t{}\n",
                sp.localhost_profile.as_deref().unwrap_or("")
            );
        }
    }
    wr!(w, LEVEL_0, "IP:\t{}\n", status.pod_ip);
    if status.pod_ips.is_empty() {
        w.write(LEVEL_0, "IPs:\t<none>\n");
    } else {
        w.write(LEVEL_0, "IPs:\n");
        for ip in &status.pod_ips {
            wr!(w, LEVEL_1, "IP:\t{}\n", ip.ip);
        }
    }
    if let Some(r) = m.controller_ref() {
        wr!(w, LEVEL_0, "Controlled By:\t{}/{}\n", r.kind, r.name);
    }
    if !status.nominated_node_name.is_empty() {
        wr!(
            w,
            LEVEL_0,
            "NominatedNodeName:\t{}\n",
            status.nominated_node_name
        );
    }
    if let Some(r) = &spec.resources {
        w.write(LEVEL_0, "Resources:\n");
        describe_resources(&mut w, r, LEVEL_1);
    }
    let env = EnvResolver::Pod(m);
    if !spec.init_containers.is_empty() {
        describe_containers(
            &mut w,
            "Init Containers",
            &spec.init_containers,
            Some(&status.init_container_statuses),
            env,
            "",
        );
    }
    describe_containers(
        &mut w,
        "Containers",
        &spec.containers,
        Some(&status.container_statuses),
        env,
        "",
    );
    if !spec.ephemeral_containers.is_empty() {
        let ec: Vec<Container> = spec
            .ephemeral_containers
            .iter()
            .map(|e| Container {
                name: e.name.clone(),
                image: e.image.clone(),
                command: e.command.clone(),
                args: e.args.clone(),
                ports: e.ports.clone(),
                env_from: e.env_from.clone(),
                env: e.env.clone(),
                resources: e.resources.clone(),
                volume_mounts: e.volume_mounts.clone(),
                volume_devices: e.volume_devices.clone(),
                liveness_probe: e.liveness_probe.clone(),
                readiness_probe: e.readiness_probe.clone(),
                startup_probe: e.startup_probe.clone(),
                security_context: e.security_context.clone(),
                ..Default::default()
            })
            .collect();
        describe_containers(
            &mut w,
            "Ephemeral Containers",
            &ec,
            Some(&status.ephemeral_container_statuses),
            env,
            "",
        );
    }
    if !spec.readiness_gates.is_empty() {
        w.write(LEVEL_0, "Readiness Gates:\n  Type\tStatus\n");
        for g in &spec.readiness_gates {
            let st = status
                .conditions
                .iter()
                .find(|c| c.type_ == g.condition_type)
                .map(|c| c.status.as_str())
                .unwrap_or("<none>");
            wr!(w, LEVEL_1, "{} \t{st} \n", g.condition_type);
        }
    }
    if !status.conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\n");
        for c in &status.conditions {
            wr!(w, LEVEL_1, "{} \t{} \n", c.type_, c.status);
        }
    }
    describe_volumes(&mut w, &spec.volumes, "");
    let qos = if status.qos_class.is_empty() {
        crate::apiserver::qos_class(spec).to_string()
    } else {
        status.qos_class.clone()
    };
    wr!(w, LEVEL_0, "QoS Class:\t{qos}\n");
    labels_multiline(&mut w, "Node-Selectors", &spec.node_selector);
    tolerations_multiline(&mut w, "Tolerations", &spec.tolerations);
    describe_topology_spread(&mut w, &spec.topology_spread_constraints, "");
    if s.show_events {
        // Pod events are found by uid, name and namespace (kubectl clears the kind).
        let evs = events_for(api, m, None);
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `DescribePodTemplate`.
pub fn describe_pod_template(w: &mut PrefixWriter, t: &PodTemplateSpec) {
    w.write(LEVEL_0, "Pod Template:\n");
    labels_multiline(w, "  Labels", &t.metadata.labels);
    if !t.metadata.annotations.is_empty() {
        annotations_multiline(w, "  Annotations", &t.metadata.annotations);
    }
    if !t.spec.service_account_name.is_empty() {
        wr!(
            w,
            LEVEL_1,
            "Service Account:\t{}\n",
            t.spec.service_account_name
        );
    }
    if !t.spec.init_containers.is_empty() {
        describe_containers(
            w,
            "Init Containers",
            &t.spec.init_containers,
            None,
            EnvResolver::None,
            "  ",
        );
    }
    describe_containers(
        w,
        "Containers",
        &t.spec.containers,
        None,
        EnvResolver::None,
        "  ",
    );
    describe_volumes(w, &t.spec.volumes, "  ");
    describe_topology_spread(w, &t.spec.topology_spread_constraints, "  ");
    if !t.spec.priority_class_name.is_empty() {
        wr!(
            w,
            LEVEL_1,
            "Priority Class Name:\t{}\n",
            t.spec.priority_class_name
        );
    }
    labels_multiline(w, "  Node-Selectors", &t.spec.node_selector);
    tolerations_multiline(w, "  Tolerations", &t.spec.tolerations);
}

/// How `fieldRef` environment values resolve: against a pod's metadata, or not at all
/// (pod templates).
#[derive(Clone, Copy)]
enum EnvResolver<'a> {
    Pod(&'a ObjectMeta),
    None,
}

impl EnvResolver<'_> {
    /// kubectl's resolver only knows the fields its scheme converts for every kind:
    /// `metadata.name` and `metadata.namespace`.
    fn resolve(&self, path: &str) -> String {
        match (self, path) {
            (EnvResolver::Pod(m), "metadata.name") => m.name.clone(),
            (EnvResolver::Pod(m), "metadata.namespace") => m.namespace.clone(),
            _ => String::new(),
        }
    }
}

fn describe_containers(
    w: &mut PrefixWriter,
    label: &str,
    containers: &[Container],
    statuses: Option<&Vec<ContainerStatus>>,
    env: EnvResolver,
    space: &str,
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    wr!(w, LEVEL_0, "{space}{label}:{none}\n");
    for c in containers {
        let status = statuses.and_then(|v| v.iter().find(|st| st.name == c.name));
        let name_indent = if space.is_empty() { "" } else { " " };
        wr!(w, LEVEL_1, "{name_indent}{}:\n", c.name);
        if let Some(st) = status {
            wr!(w, LEVEL_2, "Container ID:\t{}\n", st.container_id);
        }
        wr!(w, LEVEL_2, "Image:\t{}\n", c.image);
        if let Some(st) = status {
            wr!(w, LEVEL_2, "Image ID:\t{}\n", st.image_id);
        }
        let ports = port_list(c, |p| p.container_port);
        if ports.contains(',') {
            wr!(w, LEVEL_2, "Ports:\t{ports}\n");
        } else {
            wr!(w, LEVEL_2, "Port:\t{}\n", or_none(&ports));
        }
        let host_ports = port_list(c, |p| p.host_port);
        if host_ports.contains(',') {
            wr!(w, LEVEL_2, "Host Ports:\t{host_ports}\n");
        } else {
            wr!(w, LEVEL_2, "Host Port:\t{}\n", or_none(&host_ports));
        }
        if let Some(sp) = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_profile.as_ref())
        {
            wr!(w, LEVEL_2, "SeccompProfile:\t{}\n", sp.type_);
            if sp.type_ == "Localhost" {
                wr!(
                    w,
                    LEVEL_3,
                    "LocalhostProfile:\t{}\n",
                    sp.localhost_profile.as_deref().unwrap_or("")
                );
            }
        }
        if !c.command.is_empty() {
            w.write(LEVEL_2, "Command:\n");
            for cmd in &c.command {
                for line in cmd.split('\n') {
                    wr!(w, LEVEL_3, "{line}\n");
                }
            }
        }
        if !c.args.is_empty() {
            w.write(LEVEL_2, "Args:\n");
            for arg in &c.args {
                for line in arg.split('\n') {
                    wr!(w, LEVEL_3, "{line}\n");
                }
            }
        }
        if let Some(st) = status {
            describe_state(w, "State", &st.state);
            if st.last_state.terminated.is_some() {
                describe_state(w, "Last State", &st.last_state);
            }
            wr!(w, LEVEL_2, "Ready:\t{}\n", print_bool(st.ready));
            wr!(w, LEVEL_2, "Restart Count:\t{}\n", st.restart_count);
        }
        describe_resources(w, &c.resources, LEVEL_2);
        for (title, probe) in [
            ("Liveness", &c.liveness_probe),
            ("Readiness", &c.readiness_probe),
            ("Startup", &c.startup_probe),
        ] {
            if let Some(p) = probe {
                wr!(w, LEVEL_2, "{title}:\t{}\n", describe_probe(p));
            }
        }
        if !c.env_from.is_empty() {
            w.write(LEVEL_2, "Environment Variables from:\n");
            for e in &c.env_from {
                let (from, name, optional) = if let Some(r) = &e.config_map_ref {
                    ("ConfigMap", r.name.as_str(), r.optional == Some(true))
                } else if let Some(r) = &e.secret_ref {
                    ("Secret", r.name.as_str(), r.optional == Some(true))
                } else {
                    ("", "", false)
                };
                if e.prefix.is_empty() {
                    wr!(w, LEVEL_3, "{name}\t{from}\tOptional: {optional}\n");
                } else {
                    wr!(
                        w,
                        LEVEL_3,
                        "{name}\t{from} with prefix '{}'\tOptional: {optional}\n",
                        e.prefix
                    );
                }
            }
        }
        describe_env(w, c, env);
        let none = if c.volume_mounts.is_empty() {
            "\t<none>"
        } else {
            ""
        };
        wr!(w, LEVEL_2, "Mounts:{none}\n");
        let mut mounts: Vec<_> = c.volume_mounts.iter().collect();
        mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
        for m in mounts {
            let mut flags = vec![if m.read_only { "ro" } else { "rw" }.to_string()];
            if !m.sub_path.is_empty() {
                flags.push(format!("path={:?}", m.sub_path));
            }
            wr!(
                w,
                LEVEL_3,
                "{} from {} ({})\n",
                m.mount_path,
                m.name,
                flags.join(",")
            );
        }
        if !c.volume_devices.is_empty() {
            wr!(w, LEVEL_2, "Devices:{none}\n");
            let mut devices: Vec<_> = c.volume_devices.iter().collect();
            devices.sort_by(|a, b| a.device_path.cmp(&b.device_path));
            for d in devices {
                wr!(w, LEVEL_3, "{} from {}\n", d.device_path, d.name);
            }
        }
    }
}

fn port_list(c: &Container, number: impl Fn(&crate::api::core_v1::ContainerPort) -> i32) -> String {
    c.ports
        .iter()
        .map(|p| {
            let mut s = format!("{}/{}", number(p), p.protocol);
            if !p.name.is_empty() {
                s.push_str(&format!(" ({})", p.name));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_env(w: &mut PrefixWriter, c: &Container, env: EnvResolver) {
    let none = if c.env.is_empty() { "\t<none>" } else { "" };
    wr!(w, LEVEL_2, "Environment:{none}\n");
    for e in &c.env {
        let Some(from) = &e.value_from else {
            for (i, line) in e.value.split('\n').enumerate() {
                if i == 0 {
                    wr!(w, LEVEL_3, "{}:\t{line}\n", e.name);
                } else {
                    wr!(w, LEVEL_3, "\t{line}\n");
                }
            }
            continue;
        };
        if let Some(f) = &from.field_ref {
            wr!(
                w,
                LEVEL_3,
                "{}:\t{} ({}:{})\n",
                e.name,
                env.resolve(&f.field_path),
                f.api_version,
                f.field_path
            );
        } else if let Some(r) = &from.resource_field_ref {
            let mut value = container_resource_value(c, &r.resource, r.divisor.as_ref());
            if value == "0" && (r.resource == "limits.cpu" || r.resource == "limits.memory") {
                value = "node allocatable".into();
            }
            wr!(w, LEVEL_3, "{}:\t{value} ({})\n", e.name, r.resource);
        } else if let Some(r) = &from.secret_key_ref {
            wr!(
                w,
                LEVEL_3,
                "{}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                e.name,
                r.key,
                r.name,
                r.optional == Some(true)
            );
        } else if let Some(r) = &from.config_map_key_ref {
            wr!(
                w,
                LEVEL_3,
                "{}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                e.name,
                r.key,
                r.name,
                r.optional == Some(true)
            );
        }
    }
}

/// `ExtractContainerResourceValue`: a container's request or limit divided by the
/// divisor, rounded up.
fn container_resource_value(c: &Container, resource: &str, divisor: Option<&Quantity>) -> String {
    let Some((which, name)) = resource.split_once('.') else {
        return String::new();
    };
    let list = match which {
        "limits" => &c.resources.limits,
        "requests" => &c.resources.requests,
        _ => return String::new(),
    };
    let q = list.get(name).cloned().unwrap_or_default();
    let div_ceil = |a: i64, b: i64| -> i64 {
        if b == 0 {
            0
        } else {
            (a + b - 1).div_euclid(b)
        }
    };
    match name {
        "cpu" => {
            let d = divisor
                .filter(|d| !d.is_zero())
                .map(Quantity::milli_value)
                .unwrap_or(1000);
            div_ceil(q.milli_value(), d).to_string()
        }
        "memory" | "ephemeral-storage" => {
            let d = divisor
                .filter(|d| !d.is_zero())
                .map(Quantity::value)
                .unwrap_or(1);
            div_ceil(q.value(), d).to_string()
        }
        n if n.starts_with("hugepages-") => {
            let d = divisor
                .filter(|d| !d.is_zero())
                .map(Quantity::value)
                .unwrap_or(1);
            div_ceil(q.value(), d).to_string()
        }
        _ => String::new(),
    }
}

fn describe_state(w: &mut PrefixWriter, name: &str, st: &ContainerState) {
    if let Some(r) = &st.running {
        wr!(w, LEVEL_2, "{name}:\tRunning\n");
        wr!(w, LEVEL_3, "Started:\t{}\n", rfc1123z(r.started_at));
    } else if let Some(wt) = &st.waiting {
        wr!(w, LEVEL_2, "{name}:\tWaiting\n");
        if !wt.reason.is_empty() {
            wr!(w, LEVEL_3, "Reason:\t{}\n", wt.reason);
        }
    } else if let Some(t) = &st.terminated {
        wr!(w, LEVEL_2, "{name}:\tTerminated\n");
        if !t.reason.is_empty() {
            wr!(w, LEVEL_3, "Reason:\t{}\n", t.reason);
        }
        if !t.message.is_empty() {
            wr!(w, LEVEL_3, "Message:\t{}\n", t.message);
        }
        wr!(w, LEVEL_3, "Exit Code:\t{}\n", t.exit_code);
        if t.signal > 0 {
            wr!(w, LEVEL_3, "Signal:\t{}\n", t.signal);
        }
        wr!(w, LEVEL_3, "Started:\t{}\n", rfc1123z(t.started_at));
        wr!(w, LEVEL_3, "Finished:\t{}\n", rfc1123z(t.finished_at));
    } else {
        wr!(w, LEVEL_2, "{name}:\tWaiting\n");
    }
}

/// `describeResources`: limits then requests, each sorted by resource name.
pub fn describe_resources(w: &mut PrefixWriter, r: &ResourceRequirements, level: usize) {
    for (title, list) in [("Limits", &r.limits), ("Requests", &r.requests)] {
        if !list.is_empty() {
            wr!(w, level, "{title}:\n");
        }
        for (name, q) in list {
            wr!(w, level + 1, "{name}:\t{}\n", q.canonical());
        }
    }
}

/// `DescribeProbe`.
pub fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds,
        p.timeout_seconds,
        p.period_seconds,
        p.success_threshold,
        p.failure_threshold
    );
    if let Some(e) = &p.exec {
        return format!("exec [{}] {attrs}", e.command.join(" "));
    }
    if let Some(h) = &p.http_get {
        let port = h.port.to_string();
        let host = if port.is_empty() {
            h.host.clone()
        } else if h.host.contains(':') {
            format!("[{}]:{port}", h.host)
        } else {
            format!("{}:{port}", h.host)
        };
        let mut url = String::new();
        let scheme = h.scheme.to_ascii_lowercase();
        if !scheme.is_empty() {
            url.push_str(&scheme);
            url.push(':');
        }
        if !host.is_empty() || !scheme.is_empty() {
            url.push_str("//");
            url.push_str(&host);
        }
        if !h.path.is_empty() && !h.path.starts_with('/') && !host.is_empty() {
            url.push('/');
        }
        url.push_str(&h.path);
        return format!("http-get {url} {attrs}");
    }
    if let Some(t) = &p.tcp_socket {
        return format!("tcp-socket {}:{} {attrs}", t.host, t.port);
    }
    if let Some(g) = &p.grpc {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.as_deref().unwrap_or("")
        );
    }
    format!("unknown {attrs}")
}

/// `describeTopologySpreadConstraints`.
fn describe_topology_spread(w: &mut PrefixWriter, tscs: &[TopologySpreadConstraint], space: &str) {
    if tscs.is_empty() {
        return;
    }
    let mut sorted: Vec<&TopologySpreadConstraint> = tscs.iter().collect();
    sorted.sort_by(|a, b| a.topology_key.cmp(&b.topology_key));
    wr!(w, LEVEL_0, "{space}Topology Spread Constraints:\t");
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_0, space);
            w.write(LEVEL_0, "\t");
        }
        wr!(
            w,
            LEVEL_0,
            "{}:{} when max skew {} is exceeded",
            t.topology_key,
            t.when_unsatisfiable,
            t.max_skew
        );
        if let Some(sel) = &t.label_selector {
            wr!(w, LEVEL_0, " for selector {}", selector_string(Some(sel)));
        }
        w.write(LEVEL_0, "\n");
    }
}

/// `describeVolumes`.
pub fn describe_volumes(w: &mut PrefixWriter, volumes: &[Volume], space: &str) {
    if volumes.is_empty() {
        wr!(w, LEVEL_0, "{space}Volumes:\t<none>\n");
        return;
    }
    wr!(w, LEVEL_0, "{space}Volumes:\n");
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in volumes {
        wr!(w, LEVEL_1, "{name_indent}{}:\n", v.name);
        describe_volume_source(w, v);
    }
}

pub(super) fn describe_volume_source(w: &mut PrefixWriter, v: &Volume) {
    if let Some(h) = &v.host_path {
        wr!(
            w,
            LEVEL_2,
            "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
            h.path,
            h.type_.as_deref().unwrap_or("<none>")
        );
    } else if let Some(e) = &v.empty_dir {
        let size = match &e.size_limit {
            Some(q) if q.sign() > 0 => q.canonical(),
            _ => "<unset>".into(),
        };
        wr!(
            w,
            LEVEL_2,
            "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{size}\n",
            e.medium
        );
    } else if let Some(g) = &v.gce_persistent_disk {
        wr!(
            w,
            LEVEL_2,
            "Type:\tGCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)\n    PDName:\t{}\n    FSType:\t{}\n    Partition:\t{}\n    ReadOnly:\t{}\n",
            g.pd_name,
            g.fs_type,
            g.partition,
            g.read_only
        );
    } else if let Some(a) = &v.aws_elastic_block_store {
        wr!(
            w,
            LEVEL_2,
            "Type:\tAWSElasticBlockStore (a Persistent Disk resource in AWS)\n    VolumeID:\t{}\n    FSType:\t{}\n    Partition:\t{}\n    ReadOnly:\t{}\n",
            a.volume_id,
            a.fs_type,
            a.partition,
            a.read_only
        );
    } else if let Some(g) = &v.git_repo {
        wr!(
            w,
            LEVEL_2,
            "Type:\tGitRepo (a volume that is pulled from git when the pod is created)\n    Repository:\t{}\n    Revision:\t{}\n",
            g.repository,
            g.revision
        );
    } else if let Some(s) = &v.secret {
        wr!(
            w,
            LEVEL_2,
            "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
            s.secret_name,
            s.optional == Some(true)
        );
    } else if let Some(c) = &v.config_map {
        wr!(
            w,
            LEVEL_2,
            "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
            c.name,
            c.optional == Some(true)
        );
    } else if let Some(n) = &v.nfs {
        wr!(
            w,
            LEVEL_2,
            "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
            n.server,
            n.path,
            n.read_only
        );
    } else if v.iscsi.is_some() {
        w.write(LEVEL_2, "Type:\tISCSI (an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod)\n");
    } else if let Some(g) = &v.glusterfs {
        wr!(
            w,
            LEVEL_2,
            "Type:\tGlusterfs (a Glusterfs mount on the host that shares a pod's lifetime)\n    EndpointsName:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
            g.endpoints,
            g.path,
            g.read_only
        );
    } else if let Some(c) = &v.persistent_volume_claim {
        wr!(
            w,
            LEVEL_2,
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
            c.claim_name,
            c.read_only
        );
    } else if let Some(e) = &v.ephemeral {
        w.write(LEVEL_2, "Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)\n");
        if let Some(t) = &e.volume_claim_template {
            let class = t.spec.storage_class_name.clone().unwrap_or_else(|| {
                t.metadata
                    .annotations
                    .get("volume.beta.kubernetes.io/storage-class")
                    .cloned()
                    .unwrap_or_default()
            });
            wr!(w, LEVEL_2, "StorageClass:\t{class}\n");
            wr!(w, LEVEL_2, "Volume:\t{}\n", t.spec.volume_name);
            nested_map(w, "Labels", &t.metadata.labels);
            let mut ann = t.metadata.annotations.clone();
            ann.remove("kubectl.kubernetes.io/last-applied-configuration");
            nested_map(w, "Annotations", &ann);
            wr!(w, LEVEL_2, "Capacity:\t\n");
            wr!(w, LEVEL_2, "Access Modes:\t\n");
            if let Some(m) = &t.spec.volume_mode {
                wr!(w, LEVEL_2, "VolumeMode:\t{m}\n");
            }
        }
    } else if v.rbd.is_some() {
        w.write(
            LEVEL_2,
            "Type:\tRBD (a Rados Block Device mount on the host that shares a pod's lifetime)\n",
        );
    } else if v.quobyte.is_some() {
        w.write(
            LEVEL_2,
            "Type:\tQuobyte (a Quobyte mount on the host that shares a pod's lifetime)\n",
        );
    } else if let Some(d) = &v.downward_api {
        w.write(
            LEVEL_2,
            "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n",
        );
        for item in &d.items {
            if let Some(f) = &item.field_ref {
                wr!(w, LEVEL_3, "{} -> {}\n", f.field_path, item.path);
            }
            if let Some(r) = &item.resource_field_ref {
                wr!(w, LEVEL_3, "{} -> {}\n", r.resource, item.path);
            }
        }
    } else if v.azure_disk.is_some() {
        w.write(
            LEVEL_2,
            "Type:\tAzureDisk (an Azure Data Disk mount on the host and bind mount to the pod)\n",
        );
    } else if let Some(s) = &v.vsphere_volume {
        wr!(
            w,
            LEVEL_2,
            "Type:\tvSphereVolume (a Persistent Disk resource in vSphere)\n    VolumePath:\t{}\n    FSType:\t{}\n    StoragePolicyName:\t{}\n",
            s.volume_path,
            s.fs_type,
            s.storage_policy_name
        );
    } else if v.cinder.is_some() {
        w.write(
            LEVEL_2,
            "Type:\tCinder (a Persistent Disk resource in OpenStack)\n",
        );
    } else if let Some(p) = &v.photon_persistent_disk {
        wr!(
            w,
            LEVEL_2,
            "Type:\tPhotonPersistentDisk (a Persistent Disk resource in photon platform)\n    PdID:\t{}\n    FSType:\t{}\n",
            p.pd_id,
            p.fs_type
        );
    } else if let Some(p) = &v.portworx_volume {
        wr!(
            w,
            LEVEL_2,
            "Type:\tPortworxVolume (a Portworx Volume resource)\n    VolumeID:\t{}\n",
            p.volume_id
        );
    } else if v.scale_io.is_some() {
        w.write(
            LEVEL_2,
            "Type:\tScaleIO (a persistent volume backed by a block device in ScaleIO)\n",
        );
    } else if v.cephfs.is_some() {
        w.write(
            LEVEL_2,
            "Type:\tCephFS (a CephFS mount on the host that shares a pod's lifetime)\n",
        );
    } else if let Some(s) = &v.storageos {
        wr!(
            w,
            LEVEL_2,
            "Type:\tStorageOS (a StorageOS Persistent Disk resource)\n    VolumeName:\t{}\n    VolumeNamespace:\t{}\n    FSType:\t{}\n    ReadOnly:\t{}\n",
            s.volume_name,
            s.volume_namespace,
            s.fs_type,
            s.read_only
        );
    } else if let Some(f) = &v.fc {
        wr!(
            w,
            LEVEL_2,
            "Type:\tFC (a Fibre Channel disk)\n    TargetWWNs:\t{}\n    LUN:\t{}\n    FSType:\t{}\n    ReadOnly:\t{}\n",
            f.target_wwns.join(", "),
            f.lun.map(|l| l.to_string()).unwrap_or_else(|| "<none>".into()),
            f.fs_type,
            f.read_only
        );
    } else if let Some(a) = &v.azure_file {
        wr!(
            w,
            LEVEL_2,
            "Type:\tAzureFile (an Azure File Service mount on the host and bind mount to the pod)\n    SecretName:\t{}\n    ShareName:\t{}\n    ReadOnly:\t{}\n",
            a.secret_name,
            a.share_name,
            a.read_only
        );
    } else if v.flex_volume.is_some() {
        w.write(LEVEL_2, "Type:\tFlexVolume (a generic volume resource that is provisioned/attached using an exec based plugin)\n");
    } else if v.flocker.is_some() {
        w.write(
            LEVEL_2,
            "Type:\tFlocker (a Flocker volume mounted by the Flocker agent)\n",
        );
    } else if let Some(p) = &v.projected {
        w.write(
            LEVEL_2,
            "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
        );
        for src in &p.sources {
            if let Some(s) = &src.secret {
                wr!(
                    w,
                    LEVEL_2,
                    "SecretName:\t{}\n    Optional:\t{}\n",
                    s.name,
                    s.optional == Some(true)
                );
            } else if src.downward_api.is_some() {
                w.write(LEVEL_2, "DownwardAPI:\ttrue\n");
            } else if let Some(c) = &src.config_map {
                wr!(
                    w,
                    LEVEL_2,
                    "ConfigMapName:\t{}\n    Optional:\t{}\n",
                    c.name,
                    c.optional == Some(true)
                );
            } else if let Some(t) = &src.service_account_token {
                wr!(
                    w,
                    LEVEL_2,
                    "TokenExpirationSeconds:\t{}\n",
                    t.expiration_seconds.unwrap_or(0)
                );
            }
        }
    } else if let Some(c) = &v.csi {
        wr!(
            w,
            LEVEL_2,
            "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n    ReadOnly:\t{}\n",
            c.driver,
            c.fs_type.as_deref().unwrap_or(""),
            c.read_only == Some(true)
        );
        csi_attributes(w, &c.volume_attributes);
    } else if let Some(i) = &v.image {
        wr!(
            w,
            LEVEL_2,
            "Type:\tImage (a container image or OCI artifact)\n    Reference:\t{}\n    PullPolicy:\t{}\n",
            i.reference,
            i.pull_policy
        );
    } else {
        w.write(LEVEL_1, "<unknown>\n");
    }
}

/// A label or annotation list through kubectl's nested prefix writer (level 2), which
/// indents every piece it is given, `<none>` included.
fn nested_map(w: &mut PrefixWriter, title: &str, map: &BTreeMap<String, String>) {
    wr!(w, LEVEL_2, "{title}:\t");
    if map.is_empty() {
        w.write(LEVEL_2, "<none>\n");
        return;
    }
    for (i, (k, v)) in map.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_2, "");
            w.write(LEVEL_2, "\t");
        }
        if title == "Annotations" {
            wr!(w, LEVEL_2, "{k}: {v}\n");
        } else {
            wr!(w, LEVEL_2, "{k}={v}\n");
        }
    }
}

pub(super) fn csi_attributes(w: &mut PrefixWriter, attrs: &BTreeMap<String, String>) {
    w.write(LEVEL_2, "VolumeAttributes:\t");
    if attrs.is_empty() {
        w.write_line("<none>");
        return;
    }
    for (i, (k, v)) in attrs.iter().enumerate() {
        if i != 0 {
            w.write(LEVEL_2, "");
            w.write(LEVEL_2, "\t");
        }
        let line = format!("{k}={v}");
        if line.len() > 140 {
            let mut end = 140;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            wr!(w, LEVEL_2, "{}...\n", &line[..end]);
        } else {
            wr!(w, LEVEL_2, "{line}\n");
        }
    }
}

/// A pod's total requests and limits as `resourcehelper.PodRequests`/`PodLimits` compute
/// them: the containers' sum, raised to any larger init container (sidecars add up), plus
/// overhead; pod-level resources win where set.
pub fn pod_requests_and_limits(
    pod: &Pod,
) -> (BTreeMap<String, Quantity>, BTreeMap<String, Quantity>) {
    let spec = &pod.spec;
    let total = |pick: fn(&ResourceRequirements) -> &BTreeMap<String, Quantity>| {
        let mut sum: BTreeMap<String, Quantity> = BTreeMap::new();
        for c in &spec.containers {
            add_list(&mut sum, pick(&c.resources));
        }
        let mut sidecars: BTreeMap<String, Quantity> = BTreeMap::new();
        for c in &spec.init_containers {
            if c.restart_policy.as_deref() == Some("Always") {
                add_list(&mut sum, pick(&c.resources));
                add_list(&mut sidecars, pick(&c.resources));
            } else {
                let mut candidate = sidecars.clone();
                add_list(&mut candidate, pick(&c.resources));
                for (k, v) in candidate {
                    let bigger = sum.get(&k).is_none_or(|cur| v > *cur);
                    if bigger {
                        sum.insert(k, v);
                    }
                }
            }
        }
        add_list(&mut sum, &spec.overhead);
        if let Some(r) = &spec.resources {
            for (k, v) in pick(r) {
                if k == "cpu" || k == "memory" {
                    sum.insert(k.clone(), v.clone());
                }
            }
        }
        sum
    };
    (total(|r| &r.requests), total(|r| &r.limits))
}

fn add_list(sum: &mut BTreeMap<String, Quantity>, list: &BTreeMap<String, Quantity>) {
    for (k, v) in list {
        match sum.get_mut(k) {
            Some(cur) => cur.add(v),
            None => {
                sum.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `translateTimestampSince` for a pod row (node describer).
pub fn age_of(m: &ObjectMeta, now: crate::sim::Millis) -> String {
    match m.creation_timestamp {
        Some(t) => human_duration(now - t.0),
        None => "<unknown>".into(),
    }
}
