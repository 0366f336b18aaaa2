//! Validation of the remaining kinds: Namespace, Node, Service, Endpoints, ConfigMap,
//! Secret, ServiceAccount, Event, PersistentVolume(Claim), ResourceQuota, LimitRange,
//! Ingress, IngressClass, NetworkPolicy, EndpointSlice, StorageClass, PriorityClass,
//! RBAC and Lease. Rules and messages follow upstream's `pkg/apis/core/validation`,
//! `pkg/apis/networking/validation`, `pkg/apis/discovery/validation`,
//! `pkg/apis/storage/validation`, `pkg/apis/scheduling/validation`,
//! `pkg/apis/rbac/validation` and `pkg/apis/coordination/validation`, word for word.
//! Metadata (names, labels, annotations) is checked by the caller in `mod.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{
    dns1035_label_errors, dns1123_label_errors, dns1123_subdomain_errors, go_quote,
    path_segment_errors, port_name_errors, port_num_errors, qualified_name_errors,
    validate_label_selector, validate_labels, validate_port_num_or_name, ErrorType, FieldErrors,
    FieldValue,
};
use crate::api::coordination_v1::Lease;
use crate::api::core_v1::{
    ConfigMap, Endpoints, Event, LimitRange, Namespace, Node, PersistentVolume,
    PersistentVolumeClaim, ResourceQuota, Secret, Service, ServicePort,
};
use crate::api::discovery_v1::EndpointSlice;
use crate::api::networking_v1::{
    HTTPIngressPath, Ingress, IngressBackend, IngressClass, NetworkPolicy, NetworkPolicyPeer,
    NetworkPolicyPort,
};
use crate::api::rbac_v1::{PolicyRule, RoleRef, Subject, GROUP_NAME};
use crate::api::scheduling_v1::PriorityClass;
use crate::api::storage_v1::StorageClass;
use crate::api::{IntOrString, Object, Quantity};

/// Upper bound of a Secret's or ConfigMap's data (`core.MaxSecretSize`, 1 MiB).
pub const MAX_SECRET_SIZE: usize = 1024 * 1024;

const FIELD_IMMUTABLE: &str = "field is immutable";
const IMMUTABLE_WHEN_SET: &str = "field is immutable when `immutable` is set";

/// Kind-specific validation for a create or update.
pub fn validate(obj: &Object, errs: &mut FieldErrors) {
    match obj {
        Object::Namespace(n) => namespace(n, errs),
        Object::Node(n) => node(n, errs),
        Object::Service(s) => service(s, errs),
        Object::Endpoints(e) => endpoints(e, errs),
        Object::ConfigMap(c) => config_map(c, errs),
        Object::Secret(s) => secret(s, errs),
        Object::Event(e) => event(e, errs),
        Object::PersistentVolume(pv) => persistent_volume(pv, errs),
        Object::PersistentVolumeClaim(pvc) => persistent_volume_claim(pvc, errs),
        Object::ResourceQuota(q) => resource_quota(q, errs),
        Object::LimitRange(l) => limit_range(l, errs),
        Object::Ingress(i) => ingress(i, errs),
        Object::IngressClass(c) => ingress_class(c, errs),
        Object::NetworkPolicy(p) => network_policy(p, errs),
        Object::EndpointSlice(s) => endpoint_slice(s, errs),
        Object::StorageClass(sc) => storage_class(sc, errs),
        Object::PriorityClass(pc) => priority_class(pc, errs),
        Object::Role(r) => policy_rules(&r.rules, true, errs),
        Object::ClusterRole(r) => {
            policy_rules(&r.rules, false, errs);
            if let Some(agg) = &r.aggregation_rule {
                if agg.cluster_role_selectors.is_empty() {
                    errs.required(
                        "aggregationRule.clusterRoleSelectors",
                        "at least one clusterRoleSelector required if aggregationRule is non-nil",
                    );
                }
                for (i, s) in agg.cluster_role_selectors.iter().enumerate() {
                    validate_label_selector(
                        s,
                        &format!("aggregationRule.clusterRoleSelectors[{i}]"),
                        errs,
                    );
                }
            }
        }
        Object::RoleBinding(b) => binding(&b.role_ref, &b.subjects, true, errs),
        Object::ClusterRoleBinding(b) => binding(&b.role_ref, &b.subjects, false, errs),
        Object::Lease(l) => lease(l, errs),
        _ => {}
    }
}

/// Immutable-field checks on update.
pub fn validate_update(new: &Object, old: &Object, errs: &mut FieldErrors) {
    match (new, old) {
        (Object::Service(n), Object::Service(o)) => service_update(n, o, errs),
        (Object::Node(n), Object::Node(o)) => node_update(n, o, errs),
        (Object::ConfigMap(n), Object::ConfigMap(o)) if o.immutable == Some(true) => {
            if n.immutable != Some(true) {
                errs.forbidden("immutable", IMMUTABLE_WHEN_SET);
            }
            if n.data != o.data {
                errs.forbidden("data", IMMUTABLE_WHEN_SET);
            }
            if n.binary_data != o.binary_data {
                errs.forbidden("binaryData", IMMUTABLE_WHEN_SET);
            }
        }
        (Object::Secret(n), Object::Secret(o)) => {
            if n.type_ != o.type_ {
                errs.invalid("type", n.type_.as_str(), FIELD_IMMUTABLE);
            }
            if o.immutable == Some(true) {
                if n.immutable != Some(true) {
                    errs.forbidden("immutable", IMMUTABLE_WHEN_SET);
                }
                if n.data != o.data {
                    errs.forbidden("data", IMMUTABLE_WHEN_SET);
                }
            }
        }
        (Object::PersistentVolume(n), Object::PersistentVolume(o)) => {
            let mut ns = n.spec.clone();
            let os = &o.spec;
            // Adding a controllerExpandSecretRef is allowed.
            if let (Some(nc), Some(oc)) = (&mut ns.csi, &os.csi) {
                if oc.controller_expand_secret_ref.is_none() {
                    nc.controller_expand_secret_ref = None;
                }
            }
            if pv_source(&ns) != pv_source(os) {
                errs.forbidden(
                    "spec.persistentvolumesource",
                    "spec.persistentvolumesource is immutable after creation",
                );
            }
            if n.spec.volume_mode != o.spec.volume_mode {
                errs.invalid("volumeMode", opt_str(&n.spec.volume_mode), FIELD_IMMUTABLE);
            }
        }
        (Object::PersistentVolumeClaim(n), Object::PersistentVolumeClaim(o)) => {
            pvc_update(n, o, errs)
        }
        (Object::ResourceQuota(n), Object::ResourceQuota(o)) => {
            let a: BTreeSet<&String> = n.spec.scopes.iter().collect();
            let b: BTreeSet<&String> = o.spec.scopes.iter().collect();
            if a != b {
                errs.invalid(
                    "spec.scopes",
                    FieldValue::Raw(go_string_slice("core.ResourceQuotaScope", &n.spec.scopes)),
                    FIELD_IMMUTABLE,
                );
            }
        }
        (Object::IngressClass(n), Object::IngressClass(o))
            if n.spec.controller != o.spec.controller =>
        {
            errs.invalid(
                "spec.controller",
                n.spec.controller.as_str(),
                FIELD_IMMUTABLE,
            );
        }
        (Object::EndpointSlice(n), Object::EndpointSlice(o))
            if n.address_type != o.address_type =>
        {
            errs.invalid("addressType", n.address_type.as_str(), FIELD_IMMUTABLE);
        }
        (Object::StorageClass(n), Object::StorageClass(o)) => {
            if n.parameters != o.parameters {
                errs.forbidden("parameters", "updates to parameters are forbidden.");
            }
            if n.provisioner != o.provisioner {
                errs.forbidden("provisioner", "updates to provisioner are forbidden.");
            }
            if n.reclaim_policy != o.reclaim_policy {
                errs.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.");
            }
            if n.volume_binding_mode != o.volume_binding_mode {
                errs.invalid(
                    "volumeBindingMode",
                    opt_str(&n.volume_binding_mode),
                    FIELD_IMMUTABLE,
                );
            }
        }
        (Object::PriorityClass(n), Object::PriorityClass(o)) => {
            if n.value != o.value {
                errs.forbidden("value", "may not be changed in an update.");
            }
            if n.preemption_policy != o.preemption_policy {
                errs.invalid(
                    "preemptionPolicy",
                    opt_str(&n.preemption_policy),
                    FIELD_IMMUTABLE,
                );
            }
        }
        (Object::RoleBinding(n), Object::RoleBinding(o)) => {
            role_ref_update(&n.role_ref, &o.role_ref, errs)
        }
        (Object::ClusterRoleBinding(n), Object::ClusterRoleBinding(o)) => {
            role_ref_update(&n.role_ref, &o.role_ref, errs)
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Shared helpers (upstream apimachinery/pkg/util/validation)
// ---------------------------------------------------------------------------

fn opt_str(v: &Option<String>) -> FieldValue {
    match v {
        Some(s) => FieldValue::Str(s.clone()),
        None => FieldValue::Raw("<nil>".into()),
    }
}

/// Go's `%#v` of a string slice: `[]string{"a", "b"}` (or `[]string(nil)`).
fn go_string_slice(ty: &str, v: &[String]) -> String {
    if v.is_empty() {
        return format!("[]{ty}(nil)");
    }
    let items: Vec<String> = v.iter().map(|s| go_quote(s)).collect();
    format!("[]{ty}{{{}}}", items.join(", "))
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    // Go's netip rejects IPv4 octets with leading zeros, and so does Rust's parser.
    s.parse::<IpAddr>().ok()
}

const IP_MSG: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const CIDR_MSG: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/// Parses `a.b.c.d/n` or an IPv6 CIDR into (network address, prefix length).
fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = s.split_once('/')?;
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) || bits.len() > 3 {
        return None;
    }
    let bits: u8 = bits.parse().ok()?;
    let ip = parse_ip(ip)?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn ip_bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v) => (u32::from(v) as u128, 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    }
}

fn mask(len: u8, width: u8) -> u128 {
    let full: u128 = if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    let host_bits = width.saturating_sub(len);
    let host_mask: u128 = if host_bits == 0 {
        0
    } else if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    full & !host_mask
}

/// `cidr` strictly contains `inner` (upstream NetworkPolicy `except` rule).
fn cidr_strictly_contains(outer: (IpAddr, u8), inner: (IpAddr, u8)) -> bool {
    let (o, ow) = ip_bits(outer.0);
    let (i, iw) = ip_bits(inner.0);
    if ow != iw || outer.1 >= inner.1 {
        return false;
    }
    let m = mask(outer.1, ow);
    (o & m) == (i & m)
}

/// `unversionedvalidation.ValidateLabelSelector`.
/// `validation.IsConfigMapKey`.
fn config_map_key_errors(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if key.len() > 253 {
        errs.push("must be no more than 253 characters".into());
    }
    if key.is_empty()
        || !key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
    {
        errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')".into());
    }
    if key == "." {
        errs.push("must not be '.'".into());
    } else if key == ".." {
        errs.push("must not be '..'".into());
    } else if key.starts_with("..") {
        errs.push("must not start with '..'".into());
    }
    errs
}

fn q_negative(q: &Quantity) -> bool {
    q.milli_value() < 0
}

/// `ValidateResourceQuantityValue`: non-negative, and whole for integer resources.
fn resource_quantity_value(name: &str, q: &Quantity, path: &str, errs: &mut FieldErrors) {
    if q_negative(q) {
        errs.invalid(path, q.to_string(), "must be greater than or equal to 0");
    }
    let integer_resource = !matches!(
        name,
        "cpu"
            | "memory"
            | "ephemeral-storage"
            | "storage"
            | "requests.cpu"
            | "requests.memory"
            | "requests.storage"
            | "requests.ephemeral-storage"
            | "limits.cpu"
            | "limits.memory"
            | "limits.ephemeral-storage"
    ) && !name.starts_with("hugepages-")
        && !name.starts_with("requests.hugepages-")
        && !name.starts_with("limits.hugepages-");
    if integer_resource && q.milli_value() % 1000 != 0 {
        errs.invalid(path, FieldValue::Raw(q.to_string()), "must be an integer");
    }
}

// ---------------------------------------------------------------------------
// core/v1
// ---------------------------------------------------------------------------

fn namespace(ns: &Namespace, errs: &mut FieldErrors) {
    for (i, f) in ns.spec.finalizers.iter().enumerate() {
        let path = format!("spec.finalizers[{i}]");
        let q = qualified_name_errors(f);
        let failed = !q.is_empty();
        for e in q {
            errs.invalid(path.clone(), f.as_str(), e);
        }
        if !failed
            && !f.contains('/')
            && !matches!(f.as_str(), "kubernetes" | "orphan" | "foregroundDeletion")
        {
            errs.invalid(
                path,
                f.as_str(),
                "name is neither a standard finalizer name nor is it fully qualified",
            );
        }
    }
}

fn taints(node: &Node, errs: &mut FieldErrors) {
    let mut seen: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    // Upstream reports node taints under `metadata.taints` (sic).
    for (i, t) in node.spec.taints.iter().enumerate() {
        let p = format!("metadata.taints[{i}]");
        for e in qualified_name_errors(&t.key) {
            errs.invalid(format!("{p}.key"), t.key.as_str(), e);
        }
        let verrs = super::label_value_errors(&t.value);
        if !verrs.is_empty() {
            errs.invalid(format!("{p}.value"), t.value.as_str(), verrs.join(";"));
        }
        match t.effect.as_str() {
            "" => errs.required(format!("{p}.effect"), ""),
            "NoSchedule" | "PreferNoSchedule" | "NoExecute" => {}
            other => errs.not_supported(
                format!("{p}.effect"),
                other,
                &["NoExecute", "NoSchedule", "PreferNoSchedule"],
            ),
        }
        let keys = seen.entry(t.effect.as_str()).or_default();
        if !keys.insert(t.key.as_str()) {
            errs.push(
                p,
                ErrorType::Duplicate(FieldValue::Raw(format!(
                    "core.Taint{{Key:{}, Value:{}, Effect:{}, TimeAdded:<nil>}}",
                    go_quote(&t.key),
                    go_quote(&t.value),
                    go_quote(&t.effect)
                ))),
                "taints must be unique by key and effect pair",
            );
        }
    }
}

fn node(node: &Node, errs: &mut FieldErrors) {
    taints(node, errs);
    if let Some(st) = &node.status {
        for (k, v) in &st.capacity {
            resource_quantity_value(k, v, &format!("status.capacity.{k}"), errs);
        }
        for (k, v) in &st.allocatable {
            resource_quantity_value(k, v, &format!("status.allocatable.{k}"), errs);
        }
    }
    for (i, c) in node.spec.pod_cidrs.iter().enumerate() {
        if parse_cidr(c).is_none() {
            errs.invalid(format!("spec.podCIDRs[{i}]"), c.as_str(), CIDR_MSG);
        }
    }
    if node.spec.pod_cidrs.len() > 1 {
        let v4 = node
            .spec
            .pod_cidrs
            .iter()
            .filter(|c| !c.contains(':'))
            .count();
        if node.spec.pod_cidrs.len() > 2 || v4 != 1 {
            errs.invalid(
                "spec.podCIDRs",
                FieldValue::Raw(go_string_slice("string", &node.spec.pod_cidrs)),
                "may specify no more than one CIDR for each IP family",
            );
        }
        let mut seen = BTreeSet::new();
        for (i, c) in node.spec.pod_cidrs.iter().enumerate() {
            if !seen.insert(c) {
                errs.duplicate(format!("spec.podCIDRs[{i}]"), c.as_str());
            }
        }
    }
}

fn node_update(n: &Node, o: &Node, errs: &mut FieldErrors) {
    if !o.spec.pod_cidrs.is_empty() && o.spec.pod_cidrs != n.spec.pod_cidrs {
        errs.forbidden(
            "spec.podCIDRs",
            "node updates may not change podCIDR except from \"\" to valid",
        );
    }
    if !o.spec.provider_id.is_empty() && o.spec.provider_id != n.spec.provider_id {
        errs.forbidden(
            "spec.providerID",
            "node updates may not change providerID except from \"\" to valid",
        );
    }
    if n.spec.external_id != o.spec.external_id {
        errs.forbidden("spec.externalID", "may not be updated");
    }
}

fn is_headless(svc: &Service) -> bool {
    svc.spec.cluster_ip == "None"
}

fn service(svc: &Service, errs: &mut FieldErrors) {
    let spec = &svc.spec;
    let headless = is_headless(svc);
    if spec.ports.is_empty() && !headless && spec.type_ != "ExternalName" {
        errs.required("spec.ports", "");
    }
    match spec.type_.as_str() {
        "LoadBalancer" if headless => errs.invalid(
            "spec.clusterIPs[0]",
            "None",
            "may not be set to 'None' for LoadBalancer services",
        ),
        "NodePort" if headless => errs.invalid(
            "spec.clusterIPs[0]",
            "None",
            "may not be set to 'None' for NodePort services",
        ),
        "ExternalName" => {
            if !spec.cluster_ips.is_empty() || !spec.cluster_ip.is_empty() {
                errs.forbidden(
                    "spec.clusterIPs",
                    "may not be set for ExternalName services",
                );
            }
            if !spec.ip_families.is_empty() {
                errs.forbidden(
                    "spec.ipFamilies",
                    "may not be set for ExternalName services",
                );
            }
            if spec.ip_family_policy.is_some() {
                errs.forbidden(
                    "spec.ipFamilyPolicy",
                    "may not be set for ExternalName services",
                );
            }
            let cname = spec
                .external_name
                .strip_suffix('.')
                .unwrap_or(&spec.external_name);
            if cname.is_empty() {
                errs.required("spec.externalName", "");
            } else {
                for e in dns1123_subdomain_errors(cname) {
                    errs.invalid("spec.externalName", cname, e);
                }
            }
        }
        _ => {}
    }
    let mut names = BTreeSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        service_port(
            p,
            spec.ports.len() > 1,
            &mut names,
            &format!("spec.ports[{i}]"),
            errs,
        );
    }
    validate_labels(&spec.selector, "spec.selector", errs);
    match spec.session_affinity.as_str() {
        "" => errs.required("spec.sessionAffinity", ""),
        "ClientIP" => match spec
            .session_affinity_config
            .as_ref()
            .and_then(|c| c.client_ip.as_ref())
        {
            None => errs.required(
                "spec.sessionAffinityConfig.clientIP",
                "when session affinity type is ClientIP",
            ),
            Some(c) => match c.timeout_seconds {
                None => errs.required("spec.sessionAffinityConfig.clientIP.timeoutSeconds", ""),
                Some(t) if t <= 0 || t > 86400 => errs.invalid(
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                    t,
                    "must be greater than 0 and less than 86400",
                ),
                _ => {}
            },
        },
        "None" => {
            if spec.session_affinity_config.is_some() {
                errs.forbidden(
                    "spec.sessionAffinityConfig",
                    "must not be set when session affinity is None",
                );
            }
        }
        other => errs.not_supported("spec.sessionAffinity", other, &["ClientIP", "None"]),
    }
    cluster_ips(svc, errs);
    for (i, ip) in spec.external_ips.iter().enumerate() {
        if parse_ip(ip).is_none() {
            errs.invalid(format!("spec.externalIPs[{i}]"), ip.as_str(), IP_MSG);
        }
    }
    match spec.type_.as_str() {
        "" => errs.required("spec.type", ""),
        "ClusterIP" | "ExternalName" | "LoadBalancer" | "NodePort" => {}
        other => errs.not_supported(
            "spec.type",
            other,
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        ),
    }
    if spec.type_ == "ClusterIP" {
        for (i, p) in spec.ports.iter().enumerate() {
            if p.node_port != 0 {
                errs.forbidden(
                    format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                );
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        if p.node_port != 0 && !node_ports.insert((p.protocol.as_str(), p.node_port)) {
            errs.duplicate(format!("spec.ports[{i}].nodePort"), p.node_port);
        }
    }
    let mut ports = BTreeSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        if !ports.insert((p.protocol.as_str(), p.port)) {
            let v = format!(
                "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
                go_quote(&p.protocol),
                p.port
            );
            errs.duplicate(format!("spec.ports[{i}]"), FieldValue::Raw(v));
        }
    }
    if !spec.load_balancer_source_ranges.is_empty() {
        if spec.type_ != "LoadBalancer" {
            errs.forbidden(
                "spec.LoadBalancerSourceRanges",
                "may only be used when `type` is 'LoadBalancer'",
            );
        }
        for (i, r) in spec.load_balancer_source_ranges.iter().enumerate() {
            let r = r.trim();
            if parse_cidr(r).is_none() {
                errs.invalid(format!("spec.LoadBalancerSourceRanges[{i}]"), r, CIDR_MSG);
            }
        }
    }
    if spec.allocate_load_balancer_node_ports.is_some() && spec.type_ != "LoadBalancer" {
        errs.forbidden(
            "spec.allocateLoadBalancerNodePorts",
            "may only be used when `type` is 'LoadBalancer'",
        );
    }
    if spec.type_ == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        errs.required("allocateLoadBalancerNodePorts", "");
    }
    // External traffic policy.
    let externally_accessible = matches!(spec.type_.as_str(), "LoadBalancer" | "NodePort")
        || (spec.type_ == "ClusterIP" && !spec.external_ips.is_empty());
    if !externally_accessible {
        if !spec.external_traffic_policy.is_empty() {
            errs.invalid(
                "spec.externalTrafficPolicy",
                spec.external_traffic_policy.as_str(),
                "may only be set for externally-accessible services",
            );
        }
    } else if spec.external_traffic_policy.is_empty() {
        errs.required("spec.externalTrafficPolicy", "");
    } else if !matches!(spec.external_traffic_policy.as_str(), "Cluster" | "Local") {
        errs.not_supported(
            "spec.externalTrafficPolicy",
            spec.external_traffic_policy.as_str(),
            &["Cluster", "Local"],
        );
    }
    let needs_health_check =
        spec.type_ == "LoadBalancer" && spec.external_traffic_policy == "Local";
    if !needs_health_check {
        if spec.health_check_node_port != 0 {
            errs.invalid(
                "spec.healthCheckNodePort",
                spec.health_check_node_port,
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            );
        }
    } else if spec.health_check_node_port != 0 {
        for e in port_num_errors(spec.health_check_node_port) {
            errs.invalid("spec.healthCheckNodePort", spec.health_check_node_port, e);
        }
    }
    // Internal traffic policy.
    match &spec.internal_traffic_policy {
        None if matches!(
            spec.type_.as_str(),
            "NodePort" | "LoadBalancer" | "ClusterIP"
        ) =>
        {
            errs.required("spec.internalTrafficPolicy", "")
        }
        Some(p) if p != "Cluster" && p != "Local" => errs.not_supported(
            "spec.internalTrafficPolicy",
            p.as_str(),
            &["Cluster", "Local"],
        ),
        _ => {}
    }
    if let Some(td) = &spec.traffic_distribution {
        if td != "PreferClose" {
            errs.not_supported("spec.trafficDistribution", td.as_str(), &["PreferClose"]);
        }
    }
}

fn service_port(
    p: &ServicePort,
    require_name: bool,
    names: &mut BTreeSet<String>,
    path: &str,
    errs: &mut FieldErrors,
) {
    if require_name && p.name.is_empty() {
        errs.required(format!("{path}.name"), "");
    } else if !p.name.is_empty() {
        for e in dns1123_label_errors(&p.name) {
            errs.invalid(format!("{path}.name"), p.name.as_str(), e);
        }
        if !names.insert(p.name.clone()) {
            errs.duplicate(format!("{path}.name"), p.name.as_str());
        }
    }
    for e in port_num_errors(p.port) {
        errs.invalid(format!("{path}.port"), p.port, e);
    }
    match p.protocol.as_str() {
        "" => errs.required(format!("{path}.protocol"), ""),
        "TCP" | "UDP" | "SCTP" => {}
        other => errs.not_supported(format!("{path}.protocol"), other, &["SCTP", "TCP", "UDP"]),
    }
    if let Some(tp) = &p.target_port {
        validate_port_num_or_name(tp, &format!("{path}.targetPort"), errs);
    }
    if let Some(ap) = &p.app_protocol {
        for e in qualified_name_errors(ap) {
            errs.invalid(format!("{path}.appProtocol"), ap.as_str(), e);
        }
    }
}

fn cluster_ips(svc: &Service, errs: &mut FieldErrors) {
    let spec = &svc.spec;
    if let Some(p) = &spec.ip_family_policy {
        if !matches!(
            p.as_str(),
            "SingleStack" | "PreferDualStack" | "RequireDualStack"
        ) {
            errs.not_supported(
                "spec.ipFamilyPolicy",
                p.as_str(),
                &["PreferDualStack", "RequireDualStack", "SingleStack"],
            );
        }
    }
    let mut seen = BTreeSet::new();
    for (i, f) in spec.ip_families.iter().enumerate() {
        if f != "IPv4" && f != "IPv6" {
            errs.not_supported(
                format!("spec.ipFamilies[{i}]"),
                f.as_str(),
                &["IPv4", "IPv6"],
            );
        }
        if !seen.insert(f) {
            errs.duplicate(format!("spec.ipFamilies[{i}]"), f.as_str());
        }
    }
    if spec.ip_families.len() > 2 {
        errs.invalid(
            "spec.ipFamilies",
            FieldValue::Raw(go_string_slice("core.IPFamily", &spec.ip_families)),
            "may specify no more than one IP for each IP family",
        );
    }
    if spec.type_ == "ExternalName" {
        return;
    }
    if !spec.cluster_ip.is_empty()
        && !spec.cluster_ips.is_empty()
        && spec.cluster_ip != spec.cluster_ips[0]
    {
        errs.invalid(
            "spec.clusterIPs",
            FieldValue::Raw(go_string_slice("string", &spec.cluster_ips)),
            "first value must match `clusterIP`",
        );
    }
    for (i, ip) in spec.cluster_ips.iter().enumerate() {
        if i == 0 && ip == "None" {
            continue;
        }
        if ip == "None" {
            errs.invalid(
                format!("spec.clusterIPs[{i}]"),
                ip.as_str(),
                "may not be set to 'None' for non-headless services",
            );
        } else if parse_ip(ip).is_none() {
            errs.invalid(format!("spec.clusterIPs[{i}]"), ip.as_str(), IP_MSG);
        }
    }
    if spec.cluster_ips.len() > 2 {
        errs.invalid(
            "spec.clusterIPs",
            FieldValue::Raw(go_string_slice("string", &spec.cluster_ips)),
            "may only hold up to 2 values",
        );
    }
}

fn service_update(n: &Service, o: &Service, errs: &mut FieldErrors) {
    // The primary cluster IP may not change unless the Service is or becomes ExternalName.
    if n.spec.type_ != "ExternalName" && o.spec.type_ != "ExternalName" {
        let old_ip = o
            .spec
            .cluster_ips
            .first()
            .or(Some(&o.spec.cluster_ip))
            .filter(|s| !s.is_empty());
        let new_ip = n
            .spec
            .cluster_ips
            .first()
            .or(Some(&n.spec.cluster_ip))
            .filter(|s| !s.is_empty());
        if let (Some(a), Some(b)) = (old_ip, new_ip) {
            if a != b {
                let shown = if n.spec.cluster_ips.is_empty() {
                    vec![n.spec.cluster_ip.clone()]
                } else {
                    n.spec.cluster_ips.clone()
                };
                errs.invalid(
                    "spec.clusterIPs[0]",
                    FieldValue::Raw(go_string_slice("string", &shown)),
                    "may not change once set",
                );
            }
        }
        if let (Some(a), Some(b)) = (o.spec.ip_families.first(), n.spec.ip_families.first()) {
            if a != b {
                errs.invalid(
                    "spec.ipFamilies[0]",
                    FieldValue::Raw(go_string_slice("core.IPFamily", &n.spec.ip_families)),
                    "may not change once set",
                );
            }
        }
    }
    let nh =
        |s: &Service| s.spec.type_ == "LoadBalancer" && s.spec.external_traffic_policy == "Local";
    if nh(o) && nh(n) && n.spec.health_check_node_port != o.spec.health_check_node_port {
        errs.forbidden("spec.healthCheckNodePort", "field is immutable");
    }
    if o.spec.type_ == "LoadBalancer"
        && n.spec.type_ == "LoadBalancer"
        && o.spec.load_balancer_class != n.spec.load_balancer_class
    {
        errs.invalid(
            "spec.loadBalancerClass",
            opt_str(&n.spec.load_balancer_class),
            "may not change once set",
        );
    }
}

fn endpoints(ep: &Endpoints, errs: &mut FieldErrors) {
    for (i, ss) in ep.subsets.iter().enumerate() {
        let p = format!("subsets[{i}]");
        if ss.addresses.is_empty() && ss.not_ready_addresses.is_empty() {
            errs.required(p.clone(), "must specify `addresses` or `notReadyAddresses`");
        }
        for (kind, list) in [
            ("addresses", &ss.addresses),
            ("notReadyAddresses", &ss.not_ready_addresses),
        ] {
            for (j, a) in list.iter().enumerate() {
                let ap = format!("{p}.{kind}[{j}]");
                if parse_ip(&a.ip).is_none() {
                    errs.invalid(format!("{ap}.ip"), a.ip.as_str(), IP_MSG);
                }
                if !a.hostname.is_empty() {
                    for e in dns1123_label_errors(&a.hostname) {
                        errs.invalid(format!("{ap}.hostname"), a.hostname.as_str(), e);
                    }
                }
            }
        }
        let require_name = ss.ports.len() > 1;
        for (j, port) in ss.ports.iter().enumerate() {
            let pp = format!("{p}.ports[{j}]");
            if require_name && port.name.is_empty() {
                errs.required(format!("{pp}.name"), "");
            } else if !port.name.is_empty() {
                for e in dns1123_label_errors(&port.name) {
                    errs.invalid(format!("{pp}.name"), port.name.as_str(), e);
                }
            }
            for e in port_num_errors(port.port) {
                errs.invalid(format!("{pp}.port"), port.port, e);
            }
            match port.protocol.as_str() {
                "" => errs.required(format!("{pp}.protocol"), ""),
                "TCP" | "UDP" | "SCTP" => {}
                other => {
                    errs.not_supported(format!("{pp}.protocol"), other, &["SCTP", "TCP", "UDP"])
                }
            }
        }
    }
}

fn config_map(cm: &ConfigMap, errs: &mut FieldErrors) {
    let mut total = 0usize;
    for (k, v) in &cm.data {
        for e in config_map_key_errors(k) {
            errs.invalid(format!("data[{k}]"), k.as_str(), e);
        }
        if cm.binary_data.contains_key(k) {
            errs.invalid(
                format!("data[{k}]"),
                k.as_str(),
                "duplicate of key present in binaryData",
            );
        }
        total += v.len();
    }
    for (k, v) in &cm.binary_data {
        for e in config_map_key_errors(k) {
            errs.invalid(format!("binaryData[{k}]"), k.as_str(), e);
        }
        total += v.len();
    }
    if total > MAX_SECRET_SIZE {
        errs.too_long("", MAX_SECRET_SIZE);
    }
}

fn secret(s: &Secret, errs: &mut FieldErrors) {
    let mut total = 0usize;
    for (k, v) in &s.data {
        for e in config_map_key_errors(k) {
            errs.invalid(format!("data[{k}]"), k.as_str(), e);
        }
        total += v.len();
    }
    if total > MAX_SECRET_SIZE {
        errs.too_long("data", MAX_SECRET_SIZE);
    }
    let has = |k: &str| s.data.contains_key(k);
    match s.type_.as_str() {
        "kubernetes.io/service-account-token"
            if s.metadata
                .annotations
                .get("kubernetes.io/service-account.name")
                .is_none_or(|v| v.is_empty()) =>
        {
            errs.required(
                "metadata.annotations[kubernetes.io/service-account.name]",
                "",
            );
        }
        "kubernetes.io/dockercfg" => docker_json(s, ".dockercfg", errs),
        "kubernetes.io/dockerconfigjson" => docker_json(s, ".dockerconfigjson", errs),
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errs.required("data[username]", "");
            errs.required("data[password]", "");
        }
        "kubernetes.io/ssh-auth" if s.data.get("ssh-privatekey").is_none_or(|v| v.is_empty()) => {
            errs.required("data[ssh-privatekey]", "");
        }
        "kubernetes.io/tls" => {
            if !has("tls.crt") {
                errs.required("data[tls.crt]", "");
            }
            if !has("tls.key") {
                errs.required("data[tls.key]", "");
            }
        }
        _ => {}
    }
}

fn docker_json(s: &Secret, key: &str, errs: &mut FieldErrors) {
    match s.data.get(key) {
        None => errs.required(format!("data[{key}]"), ""),
        Some(bytes) => {
            if let Err(e) =
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes)
            {
                errs.invalid(
                    format!("data[{key}]"),
                    "<secret contents redacted>",
                    e.to_string(),
                );
            }
        }
    }
}

fn event(ev: &Event, errs: &mut FieldErrors) {
    let io = &ev.involved_object;
    if !io.namespace.is_empty() && io.namespace != ev.metadata.namespace {
        errs.invalid(
            "involvedObject.namespace",
            io.namespace.as_str(),
            "does not match event.namespace",
        );
    }
    if !ev.type_.is_empty() && ev.type_ != "Normal" && ev.type_ != "Warning" {
        errs.not_supported("type", ev.type_.as_str(), &["Normal", "Warning"]);
    }
    if ev.event_time.is_some() {
        // New-style events (events.k8s.io written through core/v1).
        if ev.reporting_component.is_empty() {
            errs.required("reportingController", "");
        }
        if ev.reporting_instance.is_empty() {
            errs.required("reportingInstance", "");
        }
        if ev.action.is_empty() {
            errs.required("action", "");
        }
        if ev.reason.is_empty() {
            errs.required("reason", "");
        }
    }
}

/// The volume-source part of a PV spec (what may not change after creation).
fn pv_source(
    spec: &crate::api::core_v1::PersistentVolumeSpec,
) -> crate::api::core_v1::PersistentVolumeSpec {
    let mut s = spec.clone();
    s.capacity.clear();
    s.access_modes.clear();
    s.claim_ref = None;
    s.persistent_volume_reclaim_policy.clear();
    s.storage_class_name.clear();
    s.mount_options.clear();
    s.volume_mode = None;
    s.node_affinity = None;
    s.volume_attributes_class_name = None;
    s
}

const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

fn access_modes(modes: &[String], path: &str, errs: &mut FieldErrors) {
    let (mut rwop, mut other) = (false, false);
    for m in modes {
        if !ACCESS_MODES.contains(&m.as_str()) {
            errs.not_supported(path, m.as_str(), &ACCESS_MODES);
        } else if m == "ReadWriteOncePod" {
            rwop = true;
        } else {
            other = true;
        }
    }
    if rwop && other {
        errs.forbidden(path, "may not use ReadWriteOncePod with other access modes");
    }
}

fn persistent_volume(pv: &PersistentVolume, errs: &mut FieldErrors) {
    let spec = &pv.spec;
    if spec.access_modes.is_empty() {
        errs.required("spec.accessModes", "");
    }
    access_modes(&spec.access_modes, "spec.accessModes", errs);
    if spec.capacity.is_empty() {
        errs.required("spec.capacity", "");
    }
    if !spec.capacity.contains_key("storage") || spec.capacity.len() > 1 {
        let shown = if spec.capacity.is_empty() {
            "core.ResourceList(nil)".to_string()
        } else {
            let items: Vec<String> = spec
                .capacity
                .iter()
                .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(&v.to_string())))
                .collect();
            format!("core.ResourceList{{{}}}", items.join(", "))
        };
        errs.not_supported("spec.capacity", FieldValue::Raw(shown), &["storage"]);
    }
    for (k, q) in &spec.capacity {
        let p = format!("spec.capacity[{k}]");
        if q.value() < 0 {
            errs.invalid(p.clone(), q.value(), "must be a valid resource quantity");
        }
        if q.milli_value() <= 0 {
            errs.invalid(p, q.to_string(), "must be greater than zero");
        }
    }
    if !spec.persistent_volume_reclaim_policy.is_empty()
        && !matches!(
            spec.persistent_volume_reclaim_policy.as_str(),
            "Delete" | "Recycle" | "Retain"
        )
    {
        errs.not_supported(
            "spec.persistentVolumeReclaimPolicy",
            spec.persistent_volume_reclaim_policy.as_str(),
            &["Delete", "Recycle", "Retain"],
        );
    }
    let node_affinity_set = spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
        .is_some_and(|r| !r.node_selector_terms.is_empty());
    if let Some(a) = &spec.node_affinity {
        if let Some(r) = &a.required {
            if r.node_selector_terms.is_empty() {
                errs.required(
                    "spec.nodeAffinity.required.nodeSelectorTerms",
                    "must have at least one node selector term",
                );
            }
        }
    }
    let sources = spec.source_names();
    for extra in sources.iter().skip(1) {
        if *extra != "flexVolume" {
            errs.forbidden(
                format!("spec.{extra}"),
                "may not specify more than 1 volume type",
            );
        }
    }
    if sources.is_empty() {
        errs.required("spec", "must specify a volume type");
    }
    if let Some(hp) = &spec.host_path {
        if hp.path.is_empty() {
            errs.required("spec.hostPath.path", "");
        }
        if spec.persistent_volume_reclaim_policy == "Recycle"
            && hp.path.trim_end_matches('/').is_empty()
            && !hp.path.is_empty()
        {
            errs.forbidden(
                "spec.persistentVolumeReclaimPolicy",
                "may not be 'recycle' for a hostPath mount of '/'",
            );
        }
    }
    if let Some(nfs) = &spec.nfs {
        if nfs.server.is_empty() {
            errs.required("spec.nfs.server", "");
        }
        if nfs.path.is_empty() {
            errs.required("spec.nfs.path", "");
        } else if !nfs.path.starts_with('/') {
            errs.invalid(
                "spec.nfs.path",
                nfs.path.as_str(),
                "must be an absolute path",
            );
        }
    }
    if let Some(local) = &spec.local {
        if local.path.is_empty() {
            errs.required("spec.local.path", "");
        }
        if !node_affinity_set && sources.first() == Some(&"local") {
            errs.required("spec.nodeAffinity", "Local volume requires node affinity");
        }
    }
    if let Some(csi) = &spec.csi {
        if csi.driver.is_empty() {
            errs.required("spec.csi.driver", "");
        }
        if csi.volume_handle.is_empty() {
            errs.required("spec.csi.volumeHandle", "");
        }
    }
    if !spec.storage_class_name.is_empty() {
        for e in dns1123_subdomain_errors(&spec.storage_class_name) {
            errs.invalid("spec.storageClassName", spec.storage_class_name.as_str(), e);
        }
    }
    if let Some(m) = &spec.volume_mode {
        if m != "Block" && m != "Filesystem" {
            errs.not_supported("spec.volumeMode", m.as_str(), &["Block", "Filesystem"]);
        }
    }
}

fn persistent_volume_claim(pvc: &PersistentVolumeClaim, errs: &mut FieldErrors) {
    let spec = &pvc.spec;
    if spec.access_modes.is_empty() {
        errs.required("spec.accessModes", "at least 1 access mode is required");
    }
    if let Some(sel) = &spec.selector {
        validate_label_selector(sel, "spec.selector", errs);
    }
    access_modes(&spec.access_modes, "spec.accessModes", errs);
    match spec.resources.requests.get("storage") {
        None => errs.required("spec.resources[storage]", ""),
        Some(q) if q.milli_value() <= 0 => errs.invalid(
            "spec.resources[storage]",
            q.to_string(),
            "must be greater than zero",
        ),
        Some(_) => {}
    }
    if let Some(sc) = spec.storage_class_name.as_deref().filter(|s| !s.is_empty()) {
        for e in dns1123_subdomain_errors(sc) {
            errs.invalid("spec.storageClassName", sc, e);
        }
    }
    if let Some(m) = &spec.volume_mode {
        if m != "Block" && m != "Filesystem" {
            errs.not_supported("spec.volumeMode", m.as_str(), &["Block", "Filesystem"]);
        }
    }
    if let Some(ds) = &spec.data_source {
        if ds.name.is_empty() {
            errs.required("spec.dataSource.name", "");
        }
        if ds.kind.is_empty() {
            errs.required("spec.dataSource.kind", "");
        }
        if ds.api_group.as_deref().unwrap_or("").is_empty() && ds.kind != "PersistentVolumeClaim" {
            errs.invalid(
                "spec.dataSource",
                ds.kind.as_str(),
                "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
            );
        }
    }
}

fn pvc_update(n: &PersistentVolumeClaim, o: &PersistentVolumeClaim, errs: &mut FieldErrors) {
    let mut ns = n.spec.clone();
    let mut os = o.spec.clone();
    if o.spec.volume_name.is_empty() {
        os.volume_name = ns.volume_name.clone();
    }
    // Setting a storage class on a claim that had none is allowed.
    if os.storage_class_name.is_none() && ns.storage_class_name.is_some() {
        os.storage_class_name = ns.storage_class_name.clone();
    }
    let bound = n.status.as_ref().is_some_and(|s| s.phase == "Bound");
    if bound {
        if let Some(old) = o.spec.resources.requests.get("storage") {
            ns.resources.requests.insert("storage".into(), old.clone());
        }
        ns.volume_attributes_class_name = os.volume_attributes_class_name.clone();
    }
    if ns != os {
        errs.forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        );
    }
    if let (Some(new), Some(old)) = (
        n.spec.resources.requests.get("storage"),
        o.spec.resources.requests.get("storage"),
    ) {
        if new.milli_value() < old.milli_value() {
            let status = o
                .status
                .as_ref()
                .and_then(|s| s.capacity.get("storage"))
                .map(|q| q.milli_value())
                .unwrap_or(0);
            if new.milli_value() <= status {
                errs.forbidden(
                    "spec.resources.requests.storage",
                    "field can not be less than status.capacity",
                );
            }
        }
    }
    if n.spec.volume_mode != o.spec.volume_mode {
        errs.invalid("volumeMode", opt_str(&n.spec.volume_mode), FIELD_IMMUTABLE);
    }
}

const STANDARD_QUOTA: &[&str] = &[
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
];

fn quota_resource_name(name: &str, path: &str, errs: &mut FieldErrors) {
    for e in qualified_name_errors(name) {
        errs.invalid(path, name, e);
    }
    if !name.contains('/')
        && !STANDARD_QUOTA.contains(&name)
        && !name.starts_with("requests.hugepages-")
        && !name.starts_with("hugepages-")
    {
        errs.invalid(path, name, "must be a standard resource for quota");
    }
}

const QUOTA_SCOPES: &[&str] = &[
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
    "CrossNamespacePodAffinity",
    "VolumeAttributesClass",
];

fn resource_quota(q: &ResourceQuota, errs: &mut FieldErrors) {
    for (k, v) in &q.spec.hard {
        let p = format!("spec.hard[{k}]");
        quota_resource_name(k, &p, errs);
        resource_quantity_value(k, v, &p, errs);
    }
    let scopes = FieldValue::Raw(go_string_slice("core.ResourceQuotaScope", &q.spec.scopes));
    for s in &q.spec.scopes {
        if !QUOTA_SCOPES.contains(&s.as_str()) {
            errs.invalid("spec.scopes", scopes.clone(), "unsupported scope");
        }
    }
    let has = |s: &str| q.spec.scopes.iter().any(|x| x == s);
    if (has("BestEffort") && has("NotBestEffort")) || (has("Terminating") && has("NotTerminating"))
    {
        errs.invalid("spec.scopes", scopes.clone(), "conflicting scopes");
    }
    if let Some(sel) = &q.spec.scope_selector {
        for (i, r) in sel.match_expressions.iter().enumerate() {
            let p = "spec.scopeSelector.matchExpressions";
            if !QUOTA_SCOPES.contains(&r.scope_name.as_str()) {
                errs.invalid(
                    format!("{p}.scopeName"),
                    r.scope_name.as_str(),
                    "unsupported scope",
                );
            }
            let _ = i;
            match r.operator.as_str() {
                "In" | "NotIn" => {
                    if r.values.is_empty() {
                        errs.required(
                            format!("{p}.values"),
                            "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
                        );
                    }
                }
                "Exists" | "DoesNotExist" => {
                    if !r.values.is_empty() {
                        errs.invalid(
                            format!("{p}.values"),
                            FieldValue::Raw(go_string_slice("string", &r.values)),
                            "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
                        );
                    }
                }
                op => errs.invalid(format!("{p}.operator"), op, "not a valid selector operator"),
            }
        }
    }
}

fn limit_range(l: &LimitRange, errs: &mut FieldErrors) {
    let mut types = BTreeSet::new();
    for (i, item) in l.spec.limits.iter().enumerate() {
        let p = format!("spec.limits[{i}]");
        let q = qualified_name_errors(&item.type_);
        let bad = !q.is_empty();
        for e in q {
            errs.invalid(format!("{p}.type"), item.type_.as_str(), e);
        }
        if !bad
            && !item.type_.contains('/')
            && !matches!(
                item.type_.as_str(),
                "Pod" | "Container" | "PersistentVolumeClaim"
            )
        {
            errs.invalid(
                format!("{p}.type"),
                item.type_.as_str(),
                "must be a standard limit type or fully qualified",
            );
        }
        if !types.insert(item.type_.as_str()) {
            errs.duplicate(format!("{p}.type"), item.type_.as_str());
        }
        if item.type_ == "Pod" {
            if !item.default.is_empty() {
                errs.forbidden(
                    format!("{p}.default"),
                    "may not be specified when `type` is 'Pod'",
                );
            }
            if !item.default_request.is_empty() {
                errs.forbidden(
                    format!("{p}.defaultRequest"),
                    "may not be specified when `type` is 'Pod'",
                );
            }
        }
        if item.type_ == "PersistentVolumeClaim"
            && !item.min.contains_key("storage")
            && !item.max.contains_key("storage")
        {
            errs.required(
                format!("{p}.limits"),
                "either minimum or maximum storage value is required, but neither was provided",
            );
        }
        let keys: BTreeSet<&String> = item
            .max
            .keys()
            .chain(item.min.keys())
            .chain(item.default.keys())
            .chain(item.default_request.keys())
            .chain(item.max_limit_request_ratio.keys())
            .collect();
        let pod = item.type_ == "Pod";
        for k in keys {
            let min = item.min.get(k);
            let max = item.max.get(k);
            let def = if pod { None } else { item.default.get(k) };
            let dreq = if pod {
                None
            } else {
                item.default_request.get(k)
            };
            let cmp = |a: &Quantity, b: &Quantity| a.milli_value() > b.milli_value();
            if let (Some(mn), Some(mx)) = (min, max) {
                if cmp(mn, mx) {
                    errs.invalid(
                        format!("{p}.min[{k}]"),
                        mn.to_string(),
                        format!("min value {mn} is greater than max value {mx}"),
                    );
                }
            }
            if let (Some(dr), Some(mn)) = (dreq, min) {
                if cmp(mn, dr) {
                    errs.invalid(
                        format!("{p}.defaultRequest[{k}]"),
                        dr.to_string(),
                        format!("min value {mn} is greater than default request value {dr}"),
                    );
                }
            }
            if let (Some(dr), Some(mx)) = (dreq, max) {
                if cmp(dr, mx) {
                    errs.invalid(
                        format!("{p}.defaultRequest[{k}]"),
                        dr.to_string(),
                        format!("default request value {dr} is greater than max value {mx}"),
                    );
                }
            }
            if let (Some(dr), Some(d)) = (dreq, def) {
                if cmp(dr, d) {
                    errs.invalid(
                        format!("{p}.defaultRequest[{k}]"),
                        dr.to_string(),
                        format!(
                            "default request value {dr} is greater than default limit value {d}"
                        ),
                    );
                }
            }
            if let (Some(d), Some(mn)) = (def, min) {
                if cmp(mn, d) {
                    errs.invalid(
                        format!("{p}.default[{k}]"),
                        mn.to_string(),
                        format!("min value {mn} is greater than default value {d}"),
                    );
                }
            }
            if let (Some(d), Some(mx)) = (def, max) {
                if cmp(d, mx) {
                    errs.invalid(
                        format!("{p}.default[{k}]"),
                        mx.to_string(),
                        format!("default value {d} is greater than max value {mx}"),
                    );
                }
            }
            if let Some(r) = item.max_limit_request_ratio.get(k) {
                if r.milli_value() < 1000 {
                    errs.invalid(
                        format!("{p}.maxLimitRequestRatio[{k}]"),
                        r.to_string(),
                        format!("ratio {r} is less than 1"),
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// networking.k8s.io/v1
// ---------------------------------------------------------------------------

const WILDCARD_MSG: &str = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

fn wildcard_subdomain_errors(host: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if host.len() > 253 {
        errs.push("must be no more than 253 characters".into());
    }
    match host.strip_prefix("*.") {
        Some(rest) if dns1123_subdomain_errors(rest).is_empty() => {}
        _ => errs.push(WILDCARD_MSG.into()),
    }
    errs
}

fn host_errors(host: &str, path: &str, errs: &mut FieldErrors) {
    if host.contains('*') {
        for e in wildcard_subdomain_errors(host) {
            errs.invalid(path, host, e);
        }
    } else {
        for e in dns1123_subdomain_errors(host) {
            errs.invalid(path, host, e);
        }
    }
}

fn ingress(ing: &Ingress, errs: &mut FieldErrors) {
    let spec = &ing.spec;
    if spec.rules.is_empty() && spec.default_backend.is_none() {
        errs.invalid(
            "spec",
            FieldValue::Raw("[]networking.IngressRule(nil)".into()),
            "either `defaultBackend` or `rules` must be specified",
        );
    }
    if let Some(b) = &spec.default_backend {
        ingress_backend(b, "spec.defaultBackend", errs);
    }
    for (i, rule) in spec.rules.iter().enumerate() {
        let p = format!("spec.rules[{i}]");
        if !rule.host.is_empty() {
            if parse_ip(&rule.host).is_some() {
                errs.invalid(
                    format!("{p}.host"),
                    rule.host.as_str(),
                    "must be a DNS name, not an IP address",
                );
            }
            host_errors(&rule.host, &format!("{p}.host"), errs);
        }
        if let Some(http) = &rule.http {
            if http.paths.is_empty() {
                errs.required(format!("{p}.http.paths"), "");
            }
            for (j, path) in http.paths.iter().enumerate() {
                http_path(path, &format!("{p}.http.paths[{j}]"), errs);
            }
        }
    }
    for (i, tls) in spec.tls.iter().enumerate() {
        for (j, h) in tls.hosts.iter().enumerate() {
            host_errors(h, &format!("spec.tls[{i}].hosts[{j}]"), errs);
        }
        if !tls.secret_name.is_empty() {
            for e in dns1123_subdomain_errors(&tls.secret_name) {
                errs.invalid(
                    format!("spec.tls[{i}].secretName"),
                    tls.secret_name.as_str(),
                    e,
                );
            }
        }
    }
    if let Some(c) = &spec.ingress_class_name {
        for e in dns1123_subdomain_errors(c) {
            errs.invalid("spec.ingressClassName", c.as_str(), e);
        }
        if let Some(a) = ing.metadata.annotations.get("kubernetes.io/ingress.class") {
            if a != c {
                errs.invalid(
                    "annotations.kubernetes.io/ingress.class",
                    a.as_str(),
                    "must match `ingressClassName` when both are specified",
                );
            }
        }
    }
}

fn http_path(path: &HTTPIngressPath, p: &str, errs: &mut FieldErrors) {
    let Some(pt) = &path.path_type else {
        errs.required(format!("{p}.pathType"), "pathType must be specified");
        return;
    };
    match pt.as_str() {
        "Exact" | "Prefix" => {
            if !path.path.starts_with('/') {
                errs.invalid(
                    format!("{p}.path"),
                    path.path.as_str(),
                    "must be an absolute path",
                );
            }
            if !path.path.is_empty() {
                for seq in ["//", "/./", "/../", "%2f", "%2F"] {
                    if path.path.contains(seq) {
                        errs.invalid(
                            format!("{p}.path"),
                            path.path.as_str(),
                            format!("must not contain '{seq}'"),
                        );
                    }
                }
                for suf in ["/..", "/."] {
                    if path.path.ends_with(suf) {
                        errs.invalid(
                            format!("{p}.path"),
                            path.path.as_str(),
                            format!("cannot end with '{suf}'"),
                        );
                    }
                }
            }
        }
        "ImplementationSpecific" => {
            if !path.path.is_empty() && !path.path.starts_with('/') {
                errs.invalid(
                    format!("{p}.path"),
                    path.path.as_str(),
                    "must be an absolute path",
                );
            }
        }
        other => errs.not_supported(
            format!("{p}.pathType"),
            other,
            &["Exact", "ImplementationSpecific", "Prefix"],
        ),
    }
    ingress_backend(&path.backend, &format!("{p}.backend"), errs);
}

fn ingress_backend(b: &IngressBackend, p: &str, errs: &mut FieldErrors) {
    match (&b.resource, &b.service) {
        (Some(_), Some(_)) => errs.invalid(p, "", "cannot set both resource and service backends"),
        (Some(r), None) => {
            if let Some(g) = &r.api_group {
                for e in dns1123_subdomain_errors(g) {
                    errs.invalid(format!("{p}.resource.apiGroup"), g.as_str(), e);
                }
            }
            for (name, v) in [("kind", &r.kind), ("name", &r.name)] {
                if v.is_empty() {
                    errs.required(format!("{p}.resource.{name}"), "");
                } else {
                    for e in path_segment_errors(v) {
                        errs.invalid(format!("{p}.resource.{name}"), v.as_str(), e);
                    }
                }
            }
        }
        (None, Some(svc)) => {
            if svc.name.is_empty() {
                errs.required(format!("{p}.service.name"), "");
            } else {
                for e in dns1035_label_errors(&svc.name) {
                    errs.invalid(format!("{p}.service.name"), svc.name.as_str(), e);
                }
            }
            let (name, num) = (&svc.port.name, svc.port.number);
            if !name.is_empty() && num != 0 {
                errs.invalid(p, "", "cannot set both port name & port number");
            } else if !name.is_empty() {
                for e in port_name_errors(name) {
                    errs.invalid(format!("{p}.service.port.name"), name.as_str(), e);
                }
            } else if num != 0 {
                for e in port_num_errors(num) {
                    errs.invalid(format!("{p}.service.port.number"), num, e);
                }
            } else {
                errs.required(p, "port name or number is required");
            }
        }
        (None, None) => errs.invalid(p, "", "resource or service backend is required"),
    }
}

fn ingress_class(c: &IngressClass, errs: &mut FieldErrors) {
    let spec = &c.spec;
    if spec.controller.is_empty() {
        errs.required("spec.controller", "");
    } else {
        if spec.controller.len() > 250 {
            errs.too_long("spec.controller", 250);
        }
        domain_prefixed_path(&spec.controller, "spec.controller", errs);
    }
    if let Some(pr) = &spec.parameters {
        let p = "spec.parameters";
        if let Some(g) = &pr.api_group {
            for e in dns1123_subdomain_errors(g) {
                errs.invalid(format!("{p}.apiGroup"), g.as_str(), e);
            }
        }
        for (name, v) in [("kind", &pr.kind), ("name", &pr.name)] {
            if v.is_empty() {
                errs.required(format!("{p}.{name}"), "");
            } else {
                for e in path_segment_errors(v) {
                    errs.invalid(format!("{p}.{name}"), v.as_str(), e);
                }
            }
        }
        match pr.scope.as_deref() {
            None => errs.required(format!("{p}.scope"), ""),
            Some("Namespace") => match &pr.namespace {
                None => errs.required(
                    format!("{p}.namespace"),
                    "`parameters.scope` is set to 'Namespace'",
                ),
                Some(ns) => {
                    for e in dns1123_label_errors(ns) {
                        errs.invalid(format!("{p}.namespace"), ns.as_str(), e);
                    }
                }
            },
            Some("Cluster") => {
                if pr.namespace.is_some() {
                    errs.forbidden(
                        format!("{p}.namespace"),
                        "`parameters.scope` is set to 'Cluster'",
                    );
                }
            }
            Some(other) => {
                errs.not_supported(format!("{p}.scope"), other, &["Cluster", "Namespace"])
            }
        }
    }
}

/// `validation.IsDomainPrefixedPath`: `example.com/path`.
fn domain_prefixed_path(v: &str, path: &str, errs: &mut FieldErrors) {
    let Some((host, rest)) = v.split_once('/') else {
        errs.invalid(
            path,
            v,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        );
        return;
    };
    for e in dns1123_subdomain_errors(host) {
        errs.invalid(path, host, e);
    }
    let ok = rest
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"/-._~%!$&'()*+,;=:".contains(&c));
    if !ok {
        errs.invalid(
            path,
            rest,
            "Invalid path: must match the regex [A-Za-z0-9/\\-._~%!$&'()*+,;=:]+",
        );
    }
}

fn network_policy(np: &NetworkPolicy, errs: &mut FieldErrors) {
    let spec = &np.spec;
    validate_label_selector(&spec.pod_selector, "spec.podSelector", errs);
    for (i, r) in spec.ingress.iter().enumerate() {
        for (j, port) in r.ports.iter().enumerate() {
            np_port(port, &format!("spec.ingress[{i}].ports[{j}]"), errs);
        }
        for (j, peer) in r.from.iter().enumerate() {
            np_peer(peer, &format!("spec.ingress[{i}].from[{j}]"), errs);
        }
    }
    for (i, r) in spec.egress.iter().enumerate() {
        for (j, port) in r.ports.iter().enumerate() {
            np_port(port, &format!("spec.egress[{i}].ports[{j}]"), errs);
        }
        for (j, peer) in r.to.iter().enumerate() {
            np_peer(peer, &format!("spec.egress[{i}].to[{j}]"), errs);
        }
    }
    if spec.policy_types.len() > 2 {
        errs.invalid(
            "spec.policyTypes",
            FieldValue::Raw(format!(
                "&{}",
                go_string_slice("networking.PolicyType", &spec.policy_types)
            )),
            "may not specify more than two policyTypes",
        );
        return;
    }
    for (i, t) in spec.policy_types.iter().enumerate() {
        if t != "Ingress" && t != "Egress" {
            errs.not_supported(
                format!("spec.policyTypes[{i}]"),
                t.as_str(),
                &["Ingress", "Egress"],
            );
        }
    }
}

fn np_port(port: &NetworkPolicyPort, p: &str, errs: &mut FieldErrors) {
    if let Some(proto) = &port.protocol {
        if !matches!(proto.as_str(), "TCP" | "UDP" | "SCTP") {
            errs.not_supported(
                format!("{p}.protocol"),
                proto.as_str(),
                &["TCP", "UDP", "SCTP"],
            );
        }
    }
    match &port.port {
        Some(IntOrString::Int(n)) => {
            for e in port_num_errors(*n) {
                errs.invalid(format!("{p}.port"), *n, e);
            }
            if let Some(end) = port.end_port {
                if end < *n {
                    errs.invalid(
                        format!("{p}.endPort"),
                        end,
                        "must be greater than or equal to `port`",
                    );
                }
                for e in port_num_errors(end) {
                    errs.invalid(format!("{p}.endPort"), end, e);
                }
            }
        }
        Some(IntOrString::String(s)) => {
            if let Some(end) = port.end_port {
                errs.invalid(
                    format!("{p}.endPort"),
                    end,
                    "may not be specified when `port` is non-numeric",
                );
            }
            for e in port_name_errors(s) {
                errs.invalid(format!("{p}.port"), s.as_str(), e);
            }
        }
        None => {
            if let Some(end) = port.end_port {
                errs.invalid(
                    format!("{p}.endPort"),
                    end,
                    "may not be specified when `port` is not specified",
                );
            }
        }
    }
}

fn np_peer(peer: &NetworkPolicyPeer, p: &str, errs: &mut FieldErrors) {
    let mut n = 0;
    if let Some(s) = &peer.pod_selector {
        n += 1;
        validate_label_selector(s, &format!("{p}.podSelector"), errs);
    }
    if let Some(s) = &peer.namespace_selector {
        n += 1;
        validate_label_selector(s, &format!("{p}.namespaceSelector"), errs);
    }
    if let Some(b) = &peer.ip_block {
        n += 1;
        let bp = format!("{p}.ipBlock");
        if b.cidr.is_empty() {
            errs.required(format!("{bp}.cidr"), "");
        } else if let Some(cidr) = parse_cidr(&b.cidr) {
            for (i, ex) in b.except.iter().enumerate() {
                match parse_cidr(ex) {
                    None => errs.invalid(format!("{bp}.except[{i}]"), ex.as_str(), CIDR_MSG),
                    Some(exc) => {
                        if !cidr_strictly_contains(cidr, exc) {
                            errs.invalid(
                                format!("{bp}.except[{i}]"),
                                ex.as_str(),
                                "must be a strict subset of `cidr`",
                            );
                        }
                    }
                }
            }
        } else {
            errs.invalid(format!("{bp}.cidr"), b.cidr.as_str(), CIDR_MSG);
        }
    }
    if n == 0 {
        errs.required(p, "must specify a peer");
    } else if n > 1 && peer.ip_block.is_some() {
        errs.forbidden(p, "may not specify both ipBlock and another peer");
    }
}

// ---------------------------------------------------------------------------
// discovery.k8s.io/v1
// ---------------------------------------------------------------------------

fn endpoint_slice(s: &EndpointSlice, errs: &mut FieldErrors) {
    match s.address_type.as_str() {
        "" => errs.required("addressType", ""),
        "IPv4" | "IPv6" | "FQDN" => {}
        other => errs.not_supported("addressType", other, &["FQDN", "IPv4", "IPv6"]),
    }
    if s.endpoints.len() > 1000 {
        errs.push("endpoints", ErrorType::TooMany(s.endpoints.len(), 1000), "");
    }
    for (i, ep) in s.endpoints.iter().enumerate() {
        let p = format!("endpoints[{i}]");
        if ep.addresses.is_empty() {
            errs.required(format!("{p}.addresses"), "must contain at least 1 address");
        } else if ep.addresses.len() > 100 {
            errs.push(
                format!("{p}.addresses"),
                ErrorType::TooMany(ep.addresses.len(), 100),
                "",
            );
        }
        for (j, a) in ep.addresses.iter().enumerate() {
            let ap = format!("{p}.addresses[{j}]");
            match s.address_type.as_str() {
                "IPv4" if a.parse::<Ipv4Addr>().is_err() => {
                    errs.invalid(ap, a.as_str(), "must be a valid IPv4 address");
                }
                "IPv6" if a.parse::<Ipv6Addr>().is_err() => {
                    errs.invalid(ap, a.as_str(), "must be a valid IPv6 address");
                }
                "FQDN" => {
                    for e in dns1123_subdomain_errors(a) {
                        errs.invalid(ap.clone(), a.as_str(), e);
                    }
                }
                _ => {}
            }
        }
        if let Some(h) = &ep.hostname {
            for e in dns1123_label_errors(h) {
                errs.invalid(format!("{p}.hostname"), h.as_str(), e);
            }
        }
        if let Some(n) = &ep.node_name {
            for e in dns1123_subdomain_errors(n) {
                errs.invalid(format!("{p}.nodeName"), n.as_str(), e);
            }
        }
    }
    if s.ports.len() > 100 {
        errs.push("ports", ErrorType::TooMany(s.ports.len(), 100), "");
    }
    let mut names = BTreeSet::new();
    for (i, port) in s.ports.iter().enumerate() {
        let p = format!("ports[{i}]");
        let name = port.name.as_deref().unwrap_or("");
        if !name.is_empty() {
            for e in dns1123_label_errors(name) {
                errs.invalid(format!("{p}.name"), name, e);
            }
        }
        if !names.insert(name) {
            errs.duplicate(format!("{p}.name"), name);
        }
        match port.protocol.as_deref() {
            None => errs.required(format!("{p}.protocol"), ""),
            Some("TCP" | "UDP" | "SCTP") => {}
            Some(other) => {
                errs.not_supported(format!("{p}.protocol"), other, &["SCTP", "TCP", "UDP"])
            }
        }
        if let Some(n) = port.port {
            for e in port_num_errors(n) {
                errs.invalid(format!("{p}.port"), n, e);
            }
        }
        if let Some(ap) = &port.app_protocol {
            for e in qualified_name_errors(ap) {
                errs.invalid(format!("{p}.appProtocol"), ap.as_str(), e);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// storage.k8s.io/v1, scheduling.k8s.io/v1, coordination.k8s.io/v1
// ---------------------------------------------------------------------------

fn storage_class(sc: &StorageClass, errs: &mut FieldErrors) {
    if sc.provisioner.is_empty() {
        errs.required("provisioner", "");
    } else {
        let lower = sc.provisioner.to_ascii_lowercase();
        for e in qualified_name_errors(&lower) {
            errs.invalid("provisioner", lower.as_str(), e);
        }
    }
    if sc.parameters.len() > 512 {
        errs.too_long("parameters", 512);
    } else {
        let mut total = 0usize;
        for (k, v) in &sc.parameters {
            if k.is_empty() {
                errs.invalid("parameters", k.as_str(), "field can not be empty.");
            }
            total += k.len() + v.len();
        }
        if total > 256 * 1024 {
            errs.too_long("parameters", 256 * 1024);
        }
    }
    if let Some(rp) = sc.reclaim_policy.as_deref().filter(|s| !s.is_empty()) {
        if rp != "Delete" && rp != "Retain" {
            errs.not_supported("reclaimPolicy", rp, &["Delete", "Retain"]);
        }
    }
    match sc.volume_binding_mode.as_deref() {
        None => errs.required("volumeBindingMode", ""),
        Some("Immediate" | "WaitForFirstConsumer") => {}
        Some(other) => errs.not_supported(
            "volumeBindingMode",
            other,
            &["Immediate", "WaitForFirstConsumer"],
        ),
    }
    for (i, term) in sc.allowed_topologies.iter().enumerate() {
        let p = format!("allowedTopologies[{i}]");
        if term.match_label_expressions.is_empty() {
            errs.required(
                format!("{p}.matchLabelExpressions"),
                "must contain at least one key/value pair",
            );
        }
        let mut keys = BTreeSet::new();
        for (j, r) in term.match_label_expressions.iter().enumerate() {
            let rp = format!("{p}.matchLabelExpressions[{j}]");
            for e in qualified_name_errors(&r.key) {
                errs.invalid(format!("{rp}.key"), r.key.as_str(), e);
            }
            if r.values.is_empty() {
                errs.required(format!("{rp}.values"), "must specify as least one value");
            }
            if !keys.insert(r.key.as_str()) {
                errs.duplicate(format!("{rp}.key"), r.key.as_str());
            }
        }
    }
}

const HIGHEST_USER_DEFINABLE_PRIORITY: i32 = 1_000_000_000;

fn priority_class(pc: &PriorityClass, errs: &mut FieldErrors) {
    let name = pc.metadata.name.as_str();
    if name.starts_with("system-") {
        let known = match name {
            "system-node-critical" => Some(2_000_001_000),
            "system-cluster-critical" => Some(2_000_000_000),
            _ => None,
        };
        let err = match known {
            None => Some(format!("{name} is not a known system priority class")),
            Some(v) if v != pc.value => Some(format!("value of {name} PriorityClass must be {v}")),
            Some(_) if pc.global_default => Some(format!(
                "globalDefault of {name} PriorityClass must be false"
            )),
            Some(_) => None,
        };
        if let Some(e) = err {
            errs.forbidden(
                "metadata.name",
                format!("priority class names with 'system-' prefix are reserved for system use only. error: {e}"),
            );
        }
    } else if pc.value > HIGHEST_USER_DEFINABLE_PRIORITY {
        errs.forbidden("value", format!("maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"));
    }
    if let Some(p) = &pc.preemption_policy {
        if p != "Never" && p != "PreemptLowerPriority" {
            errs.not_supported(
                "preemptionPolicy",
                p.as_str(),
                &["Never", "PreemptLowerPriority"],
            );
        }
    }
}

fn lease(l: &Lease, errs: &mut FieldErrors) {
    let s = &l.spec;
    if let Some(d) = s.lease_duration_seconds {
        if d <= 0 {
            errs.invalid("spec.leaseDurationSeconds", d, "must be greater than 0");
        }
    }
    if let Some(t) = s.lease_transitions {
        if t < 0 {
            errs.invalid(
                "spec.leaseTransitions",
                t,
                "must be greater than or equal to 0",
            );
        }
    }
    if let Some(st) = &s.strategy {
        if !st.contains('/') && st != "OldestEmulationVersion" {
            errs.not_supported("spec.strategy", st.as_str(), &["OldestEmulationVersion"]);
        } else {
            for e in qualified_name_errors(st) {
                errs.invalid("spec.strategy", st.as_str(), e);
            }
        }
    }
    if s.preferred_holder.as_deref().is_some_and(|h| !h.is_empty())
        && s.strategy.as_deref().unwrap_or("").is_empty()
    {
        errs.forbidden(
            "spec.preferredHolder",
            "may only be specified if `strategy` is defined",
        );
    }
}

// ---------------------------------------------------------------------------
// rbac.authorization.k8s.io/v1
// ---------------------------------------------------------------------------

fn policy_rules(rules: &[PolicyRule], namespaced: bool, errs: &mut FieldErrors) {
    for (i, r) in rules.iter().enumerate() {
        let p = format!("rules[{i}]");
        if r.verbs.is_empty() {
            errs.required(
                format!("{p}.verbs"),
                "verbs must contain at least one value",
            );
        }
        if !r.non_resource_urls.is_empty() {
            let v = FieldValue::Raw(go_string_slice("string", &r.non_resource_urls));
            if namespaced {
                errs.invalid(
                    format!("{p}.nonResourceURLs"),
                    v.clone(),
                    "namespaced rules cannot apply to non-resource URLs",
                );
            }
            if !r.api_groups.is_empty() || !r.resources.is_empty() || !r.resource_names.is_empty() {
                errs.invalid(
                    format!("{p}.nonResourceURLs"),
                    v,
                    "rules cannot apply to both regular resources and non-resource URLs",
                );
            }
            continue;
        }
        if r.api_groups.is_empty() {
            errs.required(
                format!("{p}.apiGroups"),
                "resource rules must supply at least one api group",
            );
        }
        if r.resources.is_empty() {
            errs.required(
                format!("{p}.resources"),
                "resource rules must supply at least one resource",
            );
        }
    }
}

fn binding(role_ref: &RoleRef, subjects: &[Subject], namespaced: bool, errs: &mut FieldErrors) {
    if role_ref.api_group != GROUP_NAME {
        errs.not_supported(
            "roleRef.apiGroup",
            role_ref.api_group.as_str(),
            &[GROUP_NAME],
        );
    }
    if namespaced {
        if role_ref.kind != "Role" && role_ref.kind != "ClusterRole" {
            errs.not_supported(
                "roleRef.kind",
                role_ref.kind.as_str(),
                &["Role", "ClusterRole"],
            );
        }
    } else if role_ref.kind != "ClusterRole" {
        errs.not_supported("roleRef.kind", role_ref.kind.as_str(), &["ClusterRole"]);
    }
    if role_ref.name.is_empty() {
        errs.required("roleRef.name", "");
    } else {
        for e in path_segment_errors(&role_ref.name) {
            errs.invalid("roleRef.name", role_ref.name.as_str(), e);
        }
    }
    for (i, s) in subjects.iter().enumerate() {
        let p = format!("subjects[{i}]");
        if s.name.is_empty() {
            errs.required(format!("{p}.name"), "");
        }
        match s.kind.as_str() {
            "ServiceAccount" => {
                if !s.name.is_empty() {
                    for e in dns1123_subdomain_errors(&s.name) {
                        errs.invalid(format!("{p}.name"), s.name.as_str(), e);
                    }
                }
                if !s.api_group.is_empty() {
                    errs.not_supported(format!("{p}.apiGroup"), s.api_group.as_str(), &[""]);
                }
                if !namespaced && s.namespace.is_empty() {
                    errs.required(format!("{p}.namespace"), "");
                }
            }
            "User" | "Group" => {
                if s.api_group != GROUP_NAME {
                    errs.not_supported(
                        format!("{p}.apiGroup"),
                        s.api_group.as_str(),
                        &[GROUP_NAME],
                    );
                }
            }
            other => errs.not_supported(
                format!("{p}.kind"),
                other,
                &["ServiceAccount", "User", "Group"],
            ),
        }
    }
}

fn role_ref_update(n: &RoleRef, o: &RoleRef, errs: &mut FieldErrors) {
    if n != o {
        let v = format!(
            "rbac.RoleRef{{APIGroup:{}, Kind:{}, Name:{}}}",
            go_quote(&n.api_group),
            go_quote(&n.kind),
            go_quote(&n.name)
        );
        errs.invalid("roleRef", FieldValue::Raw(v), "cannot change roleRef");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;
    use serde_json::json;

    fn object(kind: Kind, v: serde_json::Value) -> Object {
        let mut obj = kind.decode(v).unwrap();
        crate::apiserver::defaults::set_defaults(&mut obj);
        obj
    }

    fn errors(kind: Kind, v: serde_json::Value) -> Vec<String> {
        let mut errs = FieldErrors::default();
        validate(&object(kind, v), &mut errs);
        errs.0.iter().map(|e| e.to_string()).collect()
    }

    fn update_errors(kind: Kind, new: serde_json::Value, old: serde_json::Value) -> Vec<String> {
        let mut errs = FieldErrors::default();
        validate_update(&object(kind, new), &object(kind, old), &mut errs);
        errs.0.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn service_messages() {
        let e = errors(Kind::Service, json!({"spec": {"ports": [{"port": 70000}]}}));
        assert_eq!(e, vec!["spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive", "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]);
        assert_eq!(
            errors(Kind::Service, json!({"spec": {}})),
            vec!["spec.ports: Required value"]
        );
        assert!(errors(Kind::Service, json!({"spec": {"clusterIP": "None"}})).is_empty());
        assert_eq!(
            errors(
                Kind::Service,
                json!({"spec": {"ports": [{"port": 80, "nodePort": 30080}]}})
            ),
            vec!["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
        );
        assert_eq!(
            errors(Kind::Service, json!({"spec": {"type": "Foo", "ports": [{"port": 80}]}})),
            vec!["spec.type: Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""]
        );
        assert_eq!(
            errors(
                Kind::Service,
                json!({"spec": {"ports": [{"port": 80}, {"name": "b", "port": 81}, {"name": "b", "port": 82}]}})
            ),
            vec![
                "spec.ports[0].name: Required value",
                "spec.ports[2].name: Duplicate value: \"b\""
            ]
        );
        assert_eq!(
            errors(Kind::Service, json!({"spec": {"type": "ExternalName"}})),
            vec!["spec.externalName: Required value"]
        );
        assert!(errors(
            Kind::Service,
            json!({"spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30007}]}})
        )
        .is_empty());
        assert!(errors(
            Kind::Service,
            json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}})
        )
        .is_empty());
    }

    #[test]
    fn service_cluster_ip_is_immutable() {
        let old = json!({"spec": {"clusterIP": "10.96.0.5", "ports": [{"port": 80}]}});
        let new = json!({"spec": {"clusterIP": "10.96.0.6", "ports": [{"port": 80}]}});
        assert_eq!(
            update_errors(Kind::Service, new, old.clone()),
            vec!["spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.6\"}: may not change once set"]
        );
        assert!(update_errors(Kind::Service, old.clone(), old).is_empty());
    }

    #[test]
    fn config_and_secret_rules() {
        assert_eq!(
            errors(Kind::ConfigMap, json!({"data": {"bad key": "v"}})),
            vec!["data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]
        );
        let big = "x".repeat(MAX_SECRET_SIZE + 1);
        assert_eq!(
            errors(Kind::ConfigMap, json!({"data": {"k": big}})),
            vec![": Too long: may not be more than 1048576 bytes"]
        );
        let old = json!({"immutable": true, "data": {"a": "1"}});
        assert_eq!(
            update_errors(
                Kind::ConfigMap,
                json!({"immutable": true, "data": {"a": "2"}}),
                old
            ),
            vec!["data: Forbidden: field is immutable when `immutable` is set"]
        );
        assert_eq!(
            update_errors(
                Kind::Secret,
                json!({"type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}}),
                json!({})
            ),
            vec!["type: Invalid value: \"kubernetes.io/tls\": field is immutable"]
        );
        assert_eq!(
            errors(Kind::Secret, json!({"type": "kubernetes.io/tls"})),
            vec![
                "data[tls.crt]: Required value",
                "data[tls.key]: Required value"
            ]
        );
    }

    #[test]
    fn ingress_rules() {
        let e = errors(
            Kind::Ingress,
            json!({"spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
        );
        assert_eq!(
            e,
            vec![
                "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"
            ]
        );
        let e = errors(
            Kind::Ingress,
            json!({"spec": {"rules": [{"http": {"paths": [{"path": "/", "pathType": "Regex", "backend": {}}]}}]}}),
        );
        assert_eq!(
            e,
            vec![
                "spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"",
                "spec.rules[0].http.paths[0].backend: Invalid value: \"\": resource or service backend is required",
            ]
        );
        assert_eq!(
            errors(Kind::Ingress, json!({"spec": {}})),
            vec!["spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"]
        );
    }

    #[test]
    fn network_policy_rules() {
        let e = errors(
            Kind::NetworkPolicy,
            json!({"spec": {"podSelector": {}, "ingress": [{"from": [{}, {"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.1.0.0/24", "10.0.1.0/24"]}, "podSelector": {}}],
                "ports": [{"protocol": "ICMP", "port": 80, "endPort": 70}]}]}}),
        );
        assert_eq!(
            e,
            vec![
                "spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
                "spec.ingress[0].ports[0].endPort: Invalid value: 70: must be greater than or equal to `port`",
                "spec.ingress[0].from[0]: Required value: must specify a peer",
                "spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": must be a strict subset of `cidr`",
                "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
            ]
        );
    }

    #[test]
    fn rbac_rules() {
        assert_eq!(
            errors(Kind::Role, json!({"rules": [{"verbs": [], "resources": ["pods"]}]})),
            vec!["rules[0].verbs: Required value: verbs must contain at least one value", "rules[0].apiGroups: Required value: resource rules must supply at least one api group"]
        );
        assert_eq!(
            errors(Kind::RoleBinding, json!({"subjects": [{"kind": "Robot", "name": "r"}]})),
            vec![
                "roleRef.kind: Unsupported value: \"\": supported values: \"Role\", \"ClusterRole\"",
                "roleRef.name: Required value",
                "subjects[0].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"",
            ]
        );
        let old = json!({"roleRef": {"kind": "Role", "name": "a"}});
        let new = json!({"roleRef": {"kind": "Role", "name": "b"}});
        assert_eq!(
            update_errors(Kind::RoleBinding, new, old),
            vec!["roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"b\"}: cannot change roleRef"]
        );
    }

    #[test]
    fn priority_class_lease_storage_class() {
        assert_eq!(
            update_errors(
                Kind::PriorityClass,
                json!({"value": 2}),
                json!({"value": 1})
            ),
            vec!["value: Forbidden: may not be changed in an update."]
        );
        assert_eq!(
            errors(
                Kind::PriorityClass,
                json!({"metadata": {"name": "high"}, "value": 2000000000})
            ),
            vec![
                "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"
            ]
        );
        assert_eq!(
            errors(Kind::Lease, json!({"spec": {"leaseDurationSeconds": 0}})),
            vec!["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"]
        );
        assert_eq!(
            errors(Kind::StorageClass, json!({})),
            vec!["provisioner: Required value"]
        );
        assert_eq!(
            update_errors(
                Kind::StorageClass,
                json!({"provisioner": "a.io/b", "parameters": {"x": "1"}}),
                json!({"provisioner": "a.io/b"})
            ),
            vec!["parameters: Forbidden: updates to parameters are forbidden."]
        );
    }

    #[test]
    fn pv_and_pvc_essentials() {
        assert_eq!(
            errors(Kind::PersistentVolume, json!({"spec": {"hostPath": {"path": "/data"}}})),
            vec![
                "spec.accessModes: Required value",
                "spec.capacity: Required value",
                "spec.capacity: Unsupported value: core.ResourceList(nil): supported values: \"storage\"",
            ]
        );
        assert_eq!(
            errors(Kind::PersistentVolumeClaim, json!({"spec": {}})),
            vec![
                "spec.accessModes: Required value: at least 1 access mode is required",
                "spec.resources[storage]: Required value"
            ]
        );
        let old = json!({"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
        let new = json!({"spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}}});
        assert_eq!(
            update_errors(Kind::PersistentVolumeClaim, new, old),
            vec!["spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"]
        );
    }

    #[test]
    fn endpoint_slice_and_node() {
        assert_eq!(
            errors(Kind::EndpointSlice, json!({"addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.300"]}]})),
            vec!["endpoints[0].addresses[0]: Invalid value: \"10.244.1.300\": must be a valid IPv4 address"]
        );
        assert_eq!(
            errors(Kind::Node, json!({"spec": {"taints": [{"key": "k", "effect": "Sometimes"}]}})),
            vec!["metadata.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\""]
        );
    }
}
