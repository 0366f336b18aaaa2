//! Describers for core/v1 kinds other than Pod: Service (endpoints from the Endpoints
//! object of the same name), Node (lease, conditions, capacity, the non-terminated pods
//! and their allocated resources), Namespace (quotas and limit ranges), ConfigMap,
//! Secret, ServiceAccount and Endpoints.

use std::collections::{BTreeMap, BTreeSet};

use super::pod::{age_of, pod_requests_and_limits};
use super::writer::*;
use super::{events_for, events_matching, Settings};
use crate::api::core_v1::{
    ConfigMap, Endpoints, LimitRange, Namespace, Node, ResourceQuota, Secret, Service,
    ServiceAccount,
};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{IntOrString, Kind, Object, Quantity};
use crate::apiserver::ApiServer;
use crate::kubectl::printers::labels_string;

/// `kubectl describe service`.
pub fn describe_service(api: &ApiServer, svc: &Service, s: &Settings) -> String {
    let m = &svc.metadata;
    let spec = &svc.spec;
    let endpoints = match api.get(Kind::Endpoints, &m.namespace, &m.name) {
        Ok(o) => match &*o {
            Object::Endpoints(e) => Some((**e).clone()),
            _ => None,
        },
        Err(_) => None,
    };
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(w, LEVEL_0, "Selector:\t{}\n", labels_string(&spec.selector));
    wr!(w, LEVEL_0, "Type:\t{}\n", spec.type_);
    if let Some(p) = &spec.ip_family_policy {
        wr!(w, LEVEL_0, "IP Family Policy:\t{p}\n");
    }
    if spec.ip_families.is_empty() {
        w.write(LEVEL_0, "IP Families:\t<none>\n");
    } else {
        wr!(w, LEVEL_0, "IP Families:\t{}\n", spec.ip_families.join(","));
    }
    wr!(w, LEVEL_0, "IP:\t{}\n", spec.cluster_ip);
    if spec.cluster_ips.is_empty() {
        w.write(LEVEL_0, "IPs:\t<none>\n");
    } else {
        wr!(w, LEVEL_0, "IPs:\t{}\n", spec.cluster_ips.join(","));
    }
    if !spec.external_ips.is_empty() {
        wr!(
            w,
            LEVEL_0,
            "External IPs:\t{}\n",
            spec.external_ips.join(",")
        );
    }
    if !spec.load_balancer_ip.is_empty() {
        wr!(
            w,
            LEVEL_0,
            "Desired LoadBalancer IP:\t{}\n",
            spec.load_balancer_ip
        );
    }
    if !spec.external_name.is_empty() {
        wr!(w, LEVEL_0, "External Name:\t{}\n", spec.external_name);
    }
    if let Some(st) = &svc.status {
        if !st.load_balancer.ingress.is_empty() {
            let list = st
                .load_balancer
                .ingress
                .iter()
                .map(|i| {
                    if i.ip.is_empty() {
                        i.hostname.clone()
                    } else if let Some(mode) = &i.ip_mode {
                        format!("{} ({mode})", i.ip)
                    } else {
                        i.ip.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            wr!(w, LEVEL_0, "LoadBalancer Ingress:\t{list}\n");
        }
    }
    for sp in &spec.ports {
        let name = if sp.name.is_empty() {
            "<unset>"
        } else {
            sp.name.as_str()
        };
        wr!(w, LEVEL_0, "Port:\t{name}\t{}/{}\n", sp.port, sp.protocol);
        match &sp.target_port {
            Some(IntOrString::String(t)) => {
                wr!(w, LEVEL_0, "TargetPort:\t{t}/{}\n", sp.protocol)
            }
            Some(IntOrString::Int(t)) => {
                wr!(w, LEVEL_0, "TargetPort:\t{t}/{}\n", sp.protocol)
            }
            None => wr!(w, LEVEL_0, "TargetPort:\t0/{}\n", sp.protocol),
        }
        if let Some(ap) = &sp.app_protocol {
            wr!(w, LEVEL_0, "AppProtocol:\t{ap}\n");
        }
        if sp.node_port != 0 {
            wr!(
                w,
                LEVEL_0,
                "NodePort:\t{name}\t{}/{}\n",
                sp.node_port,
                sp.protocol
            );
        }
        wr!(
            w,
            LEVEL_0,
            "Endpoints:\t{}\n",
            format_endpoints(endpoints.as_ref(), Some(&sp.name))
        );
    }
    wr!(w, LEVEL_0, "Session Affinity:\t{}\n", spec.session_affinity);
    if !spec.external_traffic_policy.is_empty() {
        wr!(
            w,
            LEVEL_0,
            "External Traffic Policy:\t{}\n",
            spec.external_traffic_policy
        );
    }
    if let Some(p) = &spec.internal_traffic_policy {
        wr!(w, LEVEL_0, "Internal Traffic Policy:\t{p}\n");
    }
    if spec.health_check_node_port != 0 {
        wr!(
            w,
            LEVEL_0,
            "HealthCheck NodePort:\t{}\n",
            spec.health_check_node_port
        );
    }
    if !spec.load_balancer_source_ranges.is_empty() {
        wr!(
            w,
            LEVEL_0,
            "LoadBalancer Source Ranges:\t{}\n",
            spec.load_balancer_source_ranges.join(",")
        );
    }
    if let Some(t) = &spec.traffic_distribution {
        wr!(w, LEVEL_0, "Traffic Distribution:\t{t}\n");
    }
    if s.show_events {
        let evs = events_for(api, m, Some("Service"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `formatEndpoints`: up to three `ip:port` for the named port (`<none>` without subsets).
fn format_endpoints(ep: Option<&Endpoints>, port_name: Option<&str>) -> String {
    let Some(ep) = ep.filter(|e| !e.subsets.is_empty()) else {
        return "<none>".into();
    };
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for ss in &ep.subsets {
        if ss.ports.is_empty() {
            for a in &ss.addresses {
                if list.len() == MAX {
                    more = true;
                }
                if !more {
                    list.push(a.ip.clone());
                }
                count += 1;
            }
        } else {
            for p in &ss.ports {
                if port_name.is_some_and(|n| n != p.name) {
                    continue;
                }
                for a in &ss.addresses {
                    if list.len() == MAX {
                        more = true;
                    }
                    if !more {
                        if a.ip.contains(':') {
                            list.push(format!("[{}]:{}", a.ip, p.port));
                        } else {
                            list.push(format!("{}:{}", a.ip, p.port));
                        }
                    }
                    count += 1;
                }
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - MAX)
    } else {
        ret
    }
}

/// `kubectl describe endpoints`.
pub fn describe_endpoints(api: &ApiServer, ep: &Endpoints, s: &Settings) -> String {
    let m = &ep.metadata;
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    w.write(LEVEL_0, "Subsets:\n");
    for ss in &ep.subsets {
        let ips = |v: &Vec<crate::api::core_v1::EndpointAddress>| {
            let s = v.iter().map(|a| a.ip.clone()).collect::<Vec<_>>().join(",");
            if s.is_empty() {
                "<none>".to_string()
            } else {
                s
            }
        };
        wr!(w, LEVEL_1, "Addresses:\t{}\n", ips(&ss.addresses));
        wr!(
            w,
            LEVEL_1,
            "NotReadyAddresses:\t{}\n",
            ips(&ss.not_ready_addresses)
        );
        if !ss.ports.is_empty() {
            w.write(LEVEL_1, "Ports:\n");
            w.write(LEVEL_2, "Name\tPort\tProtocol\n");
            w.write(LEVEL_2, "----\t----\t--------\n");
            for p in &ss.ports {
                let name = if p.name.is_empty() {
                    "<unset>"
                } else {
                    p.name.as_str()
                };
                wr!(w, LEVEL_2, "{name}\t{}\t{}\n", p.port, p.protocol);
            }
        }
        w.write(LEVEL_0, "\n");
    }
    if s.show_events {
        let evs = events_for(api, m, Some("Endpoints"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `findNodeRoles`: `node-role.kubernetes.io/<role>` labels and `kubernetes.io/role`.
fn node_roles(node: &Node) -> Vec<String> {
    let mut roles = BTreeSet::new();
    for (k, v) in &node.metadata.labels {
        if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if k == "kubernetes.io/role" && !v.is_empty() {
            roles.insert(v.clone());
        }
    }
    roles.into_iter().collect()
}

/// `kubectl describe node`.
pub fn describe_node(api: &ApiServer, node: &Node, s: &Settings) -> String {
    let m = &node.metadata;
    let status = node.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    let roles = node_roles(node);
    if roles.is_empty() {
        w.write(LEVEL_0, "Roles:\t<none>\n");
    } else {
        wr!(w, LEVEL_0, "Roles:\t{}\n", roles.join(","));
    }
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(
        w,
        LEVEL_0,
        "CreationTimestamp:\t{}\n",
        rfc1123z(m.creation_timestamp)
    );
    taints_multiline(&mut w, "Taints", &node.spec.taints);
    wr!(w, LEVEL_0, "Unschedulable:\t{}\n", node.spec.unschedulable);
    match api.get(Kind::Lease, "kube-node-lease", &m.name) {
        Ok(o) => {
            if let Object::Lease(l) = &*o {
                w.write(LEVEL_0, "Lease:\n");
                wr!(
                    w,
                    LEVEL_1,
                    "HolderIdentity:\t{}\n",
                    l.spec.holder_identity.as_deref().unwrap_or("<unset>")
                );
                let t = |v: Option<crate::api::meta::MicroTime>| match v {
                    Some(_) => rfc1123z_micro(v),
                    None => "<unset>".to_string(),
                };
                wr!(w, LEVEL_1, "AcquireTime:\t{}\n", t(l.spec.acquire_time));
                wr!(w, LEVEL_1, "RenewTime:\t{}\n", t(l.spec.renew_time));
            }
        }
        Err(e) => wr!(w, LEVEL_0, "Lease:\tFailed to get lease: {}\n", e.message),
    }
    if !status.conditions.is_empty() {
        w.write(
            LEVEL_0,
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            LEVEL_1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in &status.conditions {
            wr!(
                w,
                LEVEL_1,
                "{} \t{} \t{} \t{} \t{} \t{}\n",
                c.type_,
                c.status,
                rfc1123z(c.last_heartbeat_time),
                rfc1123z(c.last_transition_time),
                c.reason,
                c.message
            );
        }
    }
    w.write(LEVEL_0, "Addresses:\n");
    for a in &status.addresses {
        wr!(w, LEVEL_1, "{}:\t{}\n", a.type_, a.address);
    }
    for (title, list) in [
        ("Capacity", &status.capacity),
        ("Allocatable", &status.allocatable),
    ] {
        if !list.is_empty() {
            wr!(w, LEVEL_0, "{title}:\n");
            for (k, q) in list {
                wr!(w, LEVEL_0, "  {k}:\t{}\n", q.canonical());
            }
        }
    }
    let info = &status.node_info;
    w.write(LEVEL_0, "System Info:\n");
    wr!(w, LEVEL_0, "  Machine ID:\t{}\n", info.machine_id);
    wr!(w, LEVEL_0, "  System UUID:\t{}\n", info.system_uuid);
    wr!(w, LEVEL_0, "  Boot ID:\t{}\n", info.boot_id);
    wr!(w, LEVEL_0, "  Kernel Version:\t{}\n", info.kernel_version);
    wr!(w, LEVEL_0, "  OS Image:\t{}\n", info.os_image);
    wr!(
        w,
        LEVEL_0,
        "  Operating System:\t{}\n",
        info.operating_system
    );
    wr!(w, LEVEL_0, "  Architecture:\t{}\n", info.architecture);
    wr!(
        w,
        LEVEL_0,
        "  Container Runtime Version:\t{}\n",
        info.container_runtime_version
    );
    wr!(w, LEVEL_0, "  Kubelet Version:\t{}\n", info.kubelet_version);
    wr!(
        w,
        LEVEL_0,
        "  Kube-Proxy Version:\t{}\n",
        info.kube_proxy_version
    );
    if !node.spec.pod_cidr.is_empty() {
        wr!(w, LEVEL_0, "PodCIDR:\t{}\n", node.spec.pod_cidr);
    }
    if !node.spec.pod_cidrs.is_empty() {
        wr!(w, LEVEL_0, "PodCIDRs:\t{}\n", node.spec.pod_cidrs.join(","));
    }
    if !node.spec.provider_id.is_empty() {
        wr!(w, LEVEL_0, "ProviderID:\t{}\n", node.spec.provider_id);
    }
    describe_node_resource(api, node, &mut w, s);
    if s.show_events {
        // Controllers refer to a node by uid, kubelets by name: both are shown.
        let mut evs = events_for(api, m, Some("Node"));
        evs.extend(events_matching(api, "", &m.name, Some("Node"), &m.name));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// The node's non-terminated pods and what they request and limit.
fn describe_node_resource(api: &ApiServer, node: &Node, w: &mut PrefixWriter, s: &Settings) {
    let pods: Vec<crate::api::core_v1::Pod> = api
        .list(
            Kind::Pod,
            None,
            &Selector::everything(),
            &FieldSelector::equal("spec.nodeName", &node.metadata.name),
        )
        .iter()
        .filter_map(|o| match &**o {
            Object::Pod(p) => Some((**p).clone()),
            _ => None,
        })
        .filter(|p| {
            let phase = p.status.as_ref().map(|s| s.phase.as_str()).unwrap_or("");
            phase != "Succeeded" && phase != "Failed"
        })
        .collect();
    let status = node.status.clone().unwrap_or_default();
    let allocatable = if status.allocatable.is_empty() {
        &status.capacity
    } else {
        &status.allocatable
    };
    let zero = Quantity::default();
    let alloc_milli = |k: &str| allocatable.get(k).unwrap_or(&zero).milli_value();
    let alloc_value = |k: &str| allocatable.get(k).unwrap_or(&zero).value();
    let pct = |v: i64, total: i64| -> i64 {
        if total == 0 {
            0
        } else {
            (v as f64 / total as f64 * 100.0) as i64
        }
    };
    wr!(
        w,
        LEVEL_0,
        "Non-terminated Pods:\t({} in total)\n",
        pods.len()
    );
    w.write(
        LEVEL_1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    w.write(
        LEVEL_1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    let mut reqs: BTreeMap<String, Quantity> = BTreeMap::new();
    let mut limits: BTreeMap<String, Quantity> = BTreeMap::new();
    for p in &pods {
        let (r, l) = pod_requests_and_limits(p);
        let get = |m: &BTreeMap<String, Quantity>, k: &str| m.get(k).cloned().unwrap_or_default();
        let (cr, cl, mr, ml) = (
            get(&r, "cpu"),
            get(&l, "cpu"),
            get(&r, "memory"),
            get(&l, "memory"),
        );
        wr!(
            w,
            LEVEL_1,
            "{}\t{}\t\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{}\n",
            p.metadata.namespace,
            p.metadata.name,
            cr.canonical(),
            pct(cr.milli_value(), alloc_milli("cpu")),
            cl.canonical(),
            pct(cl.milli_value(), alloc_milli("cpu")),
            mr.canonical(),
            pct(mr.value(), alloc_value("memory")),
            ml.canonical(),
            pct(ml.value(), alloc_value("memory")),
            age_of(&p.metadata, s.now)
        );
        for (sum, list) in [(&mut reqs, &r), (&mut limits, &l)] {
            for (k, v) in list {
                match sum.get_mut(k) {
                    Some(cur) => cur.add(v),
                    None => {
                        sum.insert(k.clone(), v.clone());
                    }
                }
            }
        }
    }
    w.write(
        LEVEL_0,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    w.write(LEVEL_1, "Resource\tRequests\tLimits\n");
    w.write(LEVEL_1, "--------\t--------\t------\n");
    let get = |m: &BTreeMap<String, Quantity>, k: &str| m.get(k).cloned().unwrap_or_default();
    let (cr, cl) = (get(&reqs, "cpu"), get(&limits, "cpu"));
    wr!(
        w,
        LEVEL_1,
        "cpu\t{} ({}%)\t{} ({}%)\n",
        cr.canonical(),
        pct(cr.milli_value(), alloc_milli("cpu")),
        cl.canonical(),
        pct(cl.milli_value(), alloc_milli("cpu"))
    );
    for res in ["memory", "ephemeral-storage"] {
        let (r, l) = (get(&reqs, res), get(&limits, res));
        wr!(
            w,
            LEVEL_1,
            "{res}\t{} ({}%)\t{} ({}%)\n",
            r.canonical(),
            pct(r.value(), alloc_value(res)),
            l.canonical(),
            pct(l.value(), alloc_value(res))
        );
    }
    for res in allocatable.keys().filter(|k| k.starts_with("hugepages-")) {
        let (r, l) = (get(&reqs, res), get(&limits, res));
        wr!(
            w,
            LEVEL_1,
            "{res}\t{} ({}%)\t{} ({}%)\n",
            r.canonical(),
            pct(r.value(), alloc_value(res)),
            l.canonical(),
            pct(l.value(), alloc_value(res))
        );
    }
    for res in allocatable.keys().filter(|k| {
        !k.starts_with("hugepages-")
            && !matches!(k.as_str(), "cpu" | "memory" | "ephemeral-storage" | "pods")
    }) {
        wr!(
            w,
            LEVEL_1,
            "{res}\t{}\t{}\n",
            get(&reqs, res).canonical(),
            get(&limits, res).canonical()
        );
    }
}

/// `kubectl describe namespace`.
pub fn describe_namespace(api: &ApiServer, ns: &Namespace, _s: &Settings) -> String {
    let m = &ns.metadata;
    let status = ns.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(w, LEVEL_0, "Status:\t{}\n", status.phase);
    if !status.conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n");
        w.write(
            LEVEL_1,
            "Type\tStatus\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            LEVEL_1,
            "----\t------\t------------------\t------\t-------\n",
        );
        for c in &status.conditions {
            wr!(
                w,
                LEVEL_1,
                "{}\t{}\t{}\t{}\t{}\n",
                c.type_,
                c.status,
                rfc1123z(c.last_transition_time),
                c.reason,
                c.message
            );
        }
    }
    let everything = (Selector::everything(), FieldSelector::everything());
    let quotas: Vec<ResourceQuota> = api
        .list(
            Kind::ResourceQuota,
            Some(&m.name),
            &everything.0,
            &everything.1,
        )
        .iter()
        .filter_map(|o| match &**o {
            Object::ResourceQuota(q) => Some((**q).clone()),
            _ => None,
        })
        .collect();
    w.write(LEVEL_0, "\n");
    if quotas.is_empty() {
        w.write(LEVEL_0, "No resource quota.\n");
    } else {
        w.write(LEVEL_0, "Resource Quotas\n");
        for q in &quotas {
            wr!(w, LEVEL_1, "Name:\t{}\n", q.metadata.name);
            if !q.spec.scopes.is_empty() {
                let mut scopes = q.spec.scopes.clone();
                scopes.sort();
                wr!(w, LEVEL_1, "Scopes:\t{}\n", scopes.join(", "));
                for sc in &scopes {
                    let help = quota_scope_help(sc);
                    if !help.is_empty() {
                        wr!(w, LEVEL_1, "* {help}\n");
                    }
                }
            }
            w.write(LEVEL_1, "Resource\tUsed\tHard\n");
            w.write(LEVEL_1, "--------\t---\t---\n");
            let st = q.status.clone().unwrap_or_default();
            for (res, hard) in &st.hard {
                let used = st.used.get(res).cloned().unwrap_or_default();
                wr!(
                    w,
                    LEVEL_1,
                    "{res}\t{}\t{}\n",
                    used.canonical(),
                    hard.canonical()
                );
            }
        }
    }
    let limit_ranges: Vec<LimitRange> = api
        .list(
            Kind::LimitRange,
            Some(&m.name),
            &everything.0,
            &everything.1,
        )
        .iter()
        .filter_map(|o| match &**o {
            Object::LimitRange(l) => Some((**l).clone()),
            _ => None,
        })
        .collect();
    w.write(LEVEL_0, "\n");
    if limit_ranges.is_empty() {
        w.write(LEVEL_0, "No LimitRange resource.\n");
    } else {
        w.write(LEVEL_0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n");
        w.write(
            LEVEL_0,
            " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n",
        );
        for lr in &limit_ranges {
            limit_range_rows(&mut w, lr, " ");
        }
    }
    w.finish()
}

fn quota_scope_help(scope: &str) -> &'static str {
    match scope {
        "Terminating" => "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.",
        "NotTerminating" => "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.",
        "BestEffort" => "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.",
        "NotBestEffort" => "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.",
        _ => "",
    }
}

/// `describeLimitRangeSpec`: one row per limit type and resource (sorted).
fn limit_range_rows(w: &mut PrefixWriter, lr: &LimitRange, prefix: &str) {
    for item in &lr.spec.limits {
        let mut names: BTreeSet<&String> = BTreeSet::new();
        for list in [
            &item.max,
            &item.min,
            &item.default,
            &item.default_request,
            &item.max_limit_request_ratio,
        ] {
            names.extend(list.keys());
        }
        for k in names {
            let v = |list: &BTreeMap<String, Quantity>| {
                list.get(k)
                    .map(Quantity::canonical)
                    .unwrap_or_else(|| "-".into())
            };
            wr!(
                w,
                LEVEL_0,
                "{prefix}{}\t{k}\t{}\t{}\t{}\t{}\t{}\n",
                item.type_,
                v(&item.min),
                v(&item.max),
                v(&item.default_request),
                v(&item.default),
                v(&item.max_limit_request_ratio)
            );
        }
    }
}

/// `kubectl describe limitrange`.
pub fn describe_limit_range(lr: &LimitRange) -> String {
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", lr.metadata.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", lr.metadata.namespace);
    w.write(
        LEVEL_0,
        "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n",
    );
    w.write(
        LEVEL_0,
        "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n",
    );
    limit_range_rows(&mut w, lr, "");
    w.finish()
}

/// `kubectl describe resourcequota`.
pub fn describe_quota(q: &ResourceQuota) -> String {
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", q.metadata.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", q.metadata.namespace);
    if !q.spec.scopes.is_empty() {
        let mut scopes = q.spec.scopes.clone();
        scopes.sort();
        wr!(w, LEVEL_0, "Scopes:\t{}\n", scopes.join(", "));
        for sc in &scopes {
            let help = quota_scope_help(sc);
            if !help.is_empty() {
                wr!(w, LEVEL_0, " * {help}\n");
            }
        }
    }
    w.write(LEVEL_0, "Resource\tUsed\tHard\n");
    w.write(LEVEL_0, "--------\t----\t----\n");
    let st = q.status.clone().unwrap_or_default();
    for (res, hard) in &st.hard {
        let mut used = st.used.get(res).cloned().unwrap_or_default();
        if used.format() != hard.format() {
            used = Quantity::new(used.value(), hard.format());
        }
        wr!(
            w,
            LEVEL_0,
            "{res}\t{}\t{}\n",
            used.canonical(),
            hard.canonical()
        );
    }
    w.finish()
}

/// `kubectl describe configmap`.
pub fn describe_configmap(api: &ApiServer, cm: &ConfigMap, s: &Settings) -> String {
    let m = &cm.metadata;
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    w.write(LEVEL_0, "\nData\n====\n");
    for (k, v) in &cm.data {
        wr!(w, LEVEL_0, "{k}:\n----\n");
        wr!(w, LEVEL_0, "{v}\n");
        w.write(LEVEL_0, "\n");
    }
    w.write(LEVEL_0, "\nBinaryData\n====\n");
    for (k, v) in &cm.binary_data {
        wr!(w, LEVEL_0, "{k}: {} bytes\n", v.len());
    }
    w.write(LEVEL_0, "\n");
    if s.show_events {
        let evs = events_for(api, m, Some("ConfigMap"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe secret`: sizes only, except a service-account token.
pub fn describe_secret(secret: &Secret) -> String {
    let m = &secret.metadata;
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(w, LEVEL_0, "\nType:\t{}\n", secret.type_);
    w.write(LEVEL_0, "\nData\n====\n");
    for (k, v) in &secret.data {
        if k == "token" && secret.type_ == "kubernetes.io/service-account-token" {
            wr!(w, LEVEL_0, "{k}:\t{}\n", String::from_utf8_lossy(v));
        } else {
            wr!(w, LEVEL_0, "{k}:\t{} bytes\n", v.len());
        }
    }
    w.finish()
}

/// `kubectl describe serviceaccount` (v1.32/v1.33 layout: pull secrets, mountable
/// secrets, tokens).
pub fn describe_service_account(api: &ApiServer, sa: &ServiceAccount, s: &Settings) -> String {
    let m = &sa.metadata;
    let secrets: Vec<Secret> = api
        .list(
            Kind::Secret,
            Some(&m.namespace),
            &Selector::everything(),
            &FieldSelector::everything(),
        )
        .iter()
        .filter_map(|o| match &**o {
            Object::Secret(s) => Some((**s).clone()),
            _ => None,
        })
        .collect();
    let existing: BTreeSet<&str> = secrets.iter().map(|s| s.metadata.name.as_str()).collect();
    let tokens: Vec<String> = secrets
        .iter()
        .filter(|s| {
            s.type_ == "kubernetes.io/service-account-token"
                && s.metadata
                    .annotations
                    .get("kubernetes.io/service-account.name")
                    .is_some_and(|n| *n == m.name)
                && s.metadata
                    .annotations
                    .get("kubernetes.io/service-account.uid")
                    .is_some_and(|u| *u == m.uid)
        })
        .map(|s| s.metadata.name.clone())
        .collect();
    let pull: Vec<String> = sa
        .image_pull_secrets
        .iter()
        .map(|r| r.name.clone())
        .collect();
    let mount: Vec<String> = sa
        .secrets
        .iter()
        .map(|r| {
            if existing.contains(r.name.as_str()) {
                r.name.clone()
            } else {
                format!("{} (not found)", r.name)
            }
        })
        .collect();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    let empty = "                   ";
    for (header, names) in [
        ("Image pull secrets:", &pull),
        ("Mountable secrets: ", &mount),
        ("Tokens:            ", &tokens),
    ] {
        if names.is_empty() {
            wr!(w, LEVEL_0, "{header}\t<none>\n");
        } else {
            let mut prefix = header;
            for n in names {
                wr!(w, LEVEL_0, "{prefix}\t{n}\n");
                prefix = empty;
            }
        }
    }
    if s.show_events {
        let evs = events_for(api, m, Some("ServiceAccount"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}
