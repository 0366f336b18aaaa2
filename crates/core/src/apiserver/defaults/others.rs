//! Defaults for Service, Namespace, Node, Endpoints, Secret, storage, networking,
//! discovery, scheduling and RBAC, as upstream's `pkg/apis/*/v1/defaults.go` plus the
//! few values the registry strategies set on create (Service IP families, the
//! Namespace finalizer, initial statuses).
//!
//! Upstream applies defaults whenever an object is decoded, including when it is read
//! back from etcd, so a status reset on create is defaulted again (`phase: Pending`).
//! The API server must therefore call [`set_defaults`] after it clears the status of a
//! new object.

use std::collections::BTreeMap;

use crate::api::core_v1::{
    ClientIPConfig, Endpoints, LimitRange, Namespace, Node, PersistentVolume,
    PersistentVolumeClaim, ResourceQuota, Secret, Service, SessionAffinityConfig,
};
use crate::api::discovery_v1::EndpointSlice;
use crate::api::networking_v1::{Ingress, IngressClass, NetworkPolicy};
use crate::api::rbac_v1::{RoleRef, Subject, GROUP_NAME};
use crate::api::scheduling_v1::PriorityClass;
use crate::api::storage_v1::StorageClass;
use crate::api::{IntOrString, Object};

/// Default session affinity timeout for `ClientIP` (3 hours).
pub const DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS: i32 = 10800;

/// The label every Namespace carries with its own name.
pub const LABEL_METADATA_NAME: &str = "kubernetes.io/metadata.name";

/// Fills in upstream defaults for the kinds of this module; other kinds are left alone.
pub fn set_defaults(obj: &mut Object) {
    match obj {
        Object::Service(s) => service(std::sync::Arc::make_mut(s)),
        Object::Namespace(n) => namespace(std::sync::Arc::make_mut(n)),
        Object::Node(n) => node(std::sync::Arc::make_mut(n)),
        Object::Endpoints(e) => endpoints(std::sync::Arc::make_mut(e)),
        Object::Secret(s) => secret(std::sync::Arc::make_mut(s)),
        Object::PersistentVolume(pv) => persistent_volume(std::sync::Arc::make_mut(pv)),
        Object::PersistentVolumeClaim(pvc) => {
            persistent_volume_claim(std::sync::Arc::make_mut(pvc))
        }
        Object::ResourceQuota(q) => resource_quota(std::sync::Arc::make_mut(q)),
        Object::LimitRange(l) => limit_range(std::sync::Arc::make_mut(l)),
        Object::Ingress(i) => ingress(std::sync::Arc::make_mut(i)),
        Object::IngressClass(c) => ingress_class(std::sync::Arc::make_mut(c)),
        Object::NetworkPolicy(p) => network_policy(std::sync::Arc::make_mut(p)),
        Object::EndpointSlice(s) => endpoint_slice(std::sync::Arc::make_mut(s)),
        Object::StorageClass(sc) => storage_class(std::sync::Arc::make_mut(sc)),
        Object::PriorityClass(pc) => priority_class(std::sync::Arc::make_mut(pc)),
        Object::RoleBinding(rb) => {
            let rb = std::sync::Arc::make_mut(rb);
            binding(&mut rb.role_ref, &mut rb.subjects)
        }
        Object::ClusterRoleBinding(rb) => {
            let rb = std::sync::Arc::make_mut(rb);
            binding(&mut rb.role_ref, &mut rb.subjects)
        }
        _ => {}
    }
}

fn service(svc: &mut Service) {
    let spec = &mut svc.spec;
    if spec.session_affinity.is_empty() {
        spec.session_affinity = "None".into();
    }
    if spec.session_affinity == "None" {
        spec.session_affinity_config = None;
    }
    if spec.session_affinity == "ClientIP" {
        let has_timeout = spec
            .session_affinity_config
            .as_ref()
            .and_then(|c| c.client_ip.as_ref())
            .is_some_and(|c| c.timeout_seconds.is_some());
        if !has_timeout {
            spec.session_affinity_config = Some(SessionAffinityConfig {
                client_ip: Some(ClientIPConfig {
                    timeout_seconds: Some(DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS),
                }),
            });
        }
    }
    if spec.type_.is_empty() {
        spec.type_ = "ClusterIP".into();
    }
    for p in &mut spec.ports {
        if p.protocol.is_empty() {
            p.protocol = "TCP".into();
        }
        let unset = match &p.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if unset {
            p.target_port = Some(IntOrString::Int(p.port));
        }
    }
    let t = spec.type_.as_str();
    let externally_accessible = t == "LoadBalancer"
        || t == "NodePort"
        || (t == "ClusterIP" && !spec.external_ips.is_empty());
    if externally_accessible && spec.external_traffic_policy.is_empty() {
        spec.external_traffic_policy = "Cluster".into();
    }
    if spec.internal_traffic_policy.is_none()
        && matches!(t, "NodePort" | "LoadBalancer" | "ClusterIP")
    {
        spec.internal_traffic_policy = Some("Cluster".into());
    }
    if t == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        spec.allocate_load_balancer_node_ports = Some(true);
    }
    // What the Service REST storage sets on create (single-stack IPv4 cluster).
    if t != "ExternalName" {
        if spec.cluster_ips.is_empty() && !spec.cluster_ip.is_empty() {
            spec.cluster_ips = vec![spec.cluster_ip.clone()];
        }
        let headless = spec.cluster_ips.first().is_some_and(|ip| ip == "None");
        if headless && spec.selector.is_empty() {
            // Headless and selectorless: the endpoints may be of either family.
            let policy = spec
                .ip_family_policy
                .get_or_insert_with(|| "RequireDualStack".into())
                .clone();
            if spec.ip_families.is_empty() {
                spec.ip_families = vec!["IPv4".into()];
            }
            if spec.ip_families.len() < 2 && policy != "SingleStack" {
                let other = if spec.ip_families[0] == "IPv4" {
                    "IPv6"
                } else {
                    "IPv4"
                };
                spec.ip_families.push(other.into());
            }
        } else {
            if spec.ip_family_policy.is_none() {
                spec.ip_family_policy = Some("SingleStack".into());
            }
            if spec.ip_families.is_empty() {
                spec.ip_families = vec!["IPv4".into()];
            }
        }
    }
    // Go's status is a plain struct: a Service always shows `status: {loadBalancer: {}}`.
    let status = svc.status.get_or_insert_with(Default::default);
    if t == "LoadBalancer" {
        for ing in &mut status.load_balancer.ingress {
            if !ing.ip.is_empty() && ing.ip_mode.is_none() {
                ing.ip_mode = Some("VIP".into());
            }
        }
    }
}

fn namespace(ns: &mut Namespace) {
    if !ns.metadata.name.is_empty() {
        ns.metadata
            .labels
            .insert(LABEL_METADATA_NAME.into(), ns.metadata.name.clone());
    }
    // The namespace strategy requires the `kubernetes` finalizer on create; it may be
    // removed later (by the namespace controller), so only new objects get it.
    let is_new = ns.metadata.uid.is_empty() && ns.metadata.resource_version.is_empty();
    if is_new && !ns.spec.finalizers.iter().any(|f| f == "kubernetes") {
        ns.spec.finalizers.push("kubernetes".into());
    }
    let status = ns.status.get_or_insert_with(Default::default);
    if status.phase.is_empty() {
        status.phase = "Active".into();
    }
}

fn node(node: &mut Node) {
    let status = node.status.get_or_insert_with(Default::default);
    if status.allocatable.is_empty() && !status.capacity.is_empty() {
        status.allocatable = status.capacity.clone();
    }
}

fn endpoints(ep: &mut Endpoints) {
    for subset in &mut ep.subsets {
        for p in &mut subset.ports {
            if p.protocol.is_empty() {
                p.protocol = "TCP".into();
            }
        }
    }
}

fn secret(s: &mut Secret) {
    if s.type_.is_empty() {
        s.type_ = "Opaque".into();
    }
    // v1 -> internal conversion: stringData overwrites data and is never stored.
    for (k, v) in std::mem::take(&mut s.string_data) {
        s.data.insert(k, v.into_bytes());
    }
}

fn persistent_volume(pv: &mut PersistentVolume) {
    let status = pv.status.get_or_insert_with(Default::default);
    if status.phase.is_empty() {
        status.phase = "Pending".into();
    }
    if pv.spec.persistent_volume_reclaim_policy.is_empty() {
        pv.spec.persistent_volume_reclaim_policy = "Retain".into();
    }
    if pv.spec.volume_mode.is_none() {
        pv.spec.volume_mode = Some("Filesystem".into());
    }
}

fn persistent_volume_claim(pvc: &mut PersistentVolumeClaim) {
    let status = pvc.status.get_or_insert_with(Default::default);
    if status.phase.is_empty() {
        status.phase = "Pending".into();
    }
    if pvc.spec.volume_mode.is_none() {
        pvc.spec.volume_mode = Some("Filesystem".into());
    }
}

fn resource_quota(q: &mut ResourceQuota) {
    q.status.get_or_insert_with(Default::default);
}

fn limit_range(l: &mut LimitRange) {
    for item in &mut l.spec.limits {
        if item.type_ != "Container" {
            continue;
        }
        // A missing default limit is the max; a missing default request is the
        // default limit, else the min.
        fill_missing(&mut item.default, &item.max);
        let default = item.default.clone();
        fill_missing(&mut item.default_request, &default);
        fill_missing(&mut item.default_request, &item.min);
    }
}

fn fill_missing<V: Clone>(into: &mut BTreeMap<String, V>, from: &BTreeMap<String, V>) {
    for (k, v) in from {
        into.entry(k.clone()).or_insert_with(|| v.clone());
    }
}

fn ingress(ing: &mut Ingress) {
    ing.status.get_or_insert_with(Default::default);
}

fn ingress_class(c: &mut IngressClass) {
    if let Some(p) = &mut c.spec.parameters {
        if p.scope.is_none() {
            p.scope = Some("Cluster".into());
        }
    }
}

fn network_policy(np: &mut NetworkPolicy) {
    let spec = &mut np.spec;
    let ports = spec.ingress.iter_mut().flat_map(|r| r.ports.iter_mut());
    let ports = ports.chain(spec.egress.iter_mut().flat_map(|r| r.ports.iter_mut()));
    for p in ports {
        if p.protocol.is_none() {
            p.protocol = Some("TCP".into());
        }
    }
    if spec.policy_types.is_empty() {
        spec.policy_types.push("Ingress".into());
        if !spec.egress.is_empty() {
            spec.policy_types.push("Egress".into());
        }
    }
}

fn endpoint_slice(s: &mut EndpointSlice) {
    for p in &mut s.ports {
        if p.name.is_none() {
            p.name = Some(String::new());
        }
        if p.protocol.is_none() {
            p.protocol = Some("TCP".into());
        }
    }
}

fn storage_class(sc: &mut StorageClass) {
    if sc.reclaim_policy.is_none() {
        sc.reclaim_policy = Some("Delete".into());
    }
    if sc.volume_binding_mode.is_none() {
        sc.volume_binding_mode = Some("Immediate".into());
    }
}

fn priority_class(pc: &mut PriorityClass) {
    if pc.preemption_policy.is_none() {
        pc.preemption_policy = Some("PreemptLowerPriority".into());
    }
}

fn binding(role_ref: &mut RoleRef, subjects: &mut [Subject]) {
    if role_ref.api_group.is_empty() {
        role_ref.api_group = GROUP_NAME.into();
    }
    for s in subjects {
        if s.api_group.is_empty() && (s.kind == "User" || s.kind == "Group") {
            s.api_group = GROUP_NAME.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;
    use serde_json::json;

    fn defaulted(kind: Kind, v: serde_json::Value) -> serde_json::Value {
        let mut obj = kind.decode(v).unwrap();
        set_defaults(&mut obj);
        let mut out = obj.to_json();
        let m = out.as_object_mut().unwrap();
        m.remove("apiVersion");
        m.remove("kind");
        out
    }

    #[test]
    fn node_port_service_gets_upstream_defaults() {
        let v = defaulted(
            Kind::Service,
            json!({"metadata": {"name": "flask-service"}, "spec": {"type": "NodePort",
                "selector": {"app": "flask"}, "ports": [{"port": 5000, "nodePort": 30007}]}}),
        );
        assert_eq!(
            v["spec"],
            json!({"externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                "ports": [{"nodePort": 30007, "port": 5000, "protocol": "TCP", "targetPort": 5000}],
                "selector": {"app": "flask"}, "sessionAffinity": "None", "type": "NodePort"})
        );
        assert_eq!(v["status"], json!({"loadBalancer": {}}));
    }

    #[test]
    fn client_ip_affinity_and_headless_services() {
        let v = defaulted(
            Kind::Service,
            json!({"spec": {"sessionAffinity": "ClientIP", "ports": [{"port": 80, "targetPort": "http"}]}}),
        );
        assert_eq!(
            v["spec"]["sessionAffinityConfig"],
            json!({"clientIP": {"timeoutSeconds": 10800}})
        );
        assert_eq!(v["spec"]["ports"][0]["targetPort"], json!("http"));
        assert!(v["spec"].get("externalTrafficPolicy").is_none());
        let v = defaulted(Kind::Service, json!({"spec": {"clusterIP": "None"}}));
        assert_eq!(v["spec"]["clusterIPs"], json!(["None"]));
        assert_eq!(v["spec"]["ipFamilyPolicy"], json!("RequireDualStack"));
        assert_eq!(v["spec"]["ipFamilies"], json!(["IPv4", "IPv6"]));
        let v = defaulted(
            Kind::Service,
            json!({"spec": {"type": "ExternalName", "externalName": "example.com"}}),
        );
        assert!(v["spec"].get("ipFamilies").is_none());
        assert!(v["spec"].get("internalTrafficPolicy").is_none());
        let v = defaulted(
            Kind::Service,
            json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}),
        );
        assert_eq!(v["spec"]["allocateLoadBalancerNodePorts"], json!(true));
    }

    #[test]
    fn secret_string_data_is_merged() {
        let v = defaulted(
            Kind::Secret,
            json!({"metadata": {"name": "s"}, "data": {"a": "YQ=="}, "stringData": {"a": "x", "b": "admin"}}),
        );
        assert_eq!(v["type"], json!("Opaque"));
        assert_eq!(v["data"], json!({"a": "eA==", "b": "YWRtaW4="}));
        assert!(v.get("stringData").is_none());
    }

    #[test]
    fn namespace_defaults() {
        let v = defaulted(Kind::Namespace, json!({"metadata": {"name": "dev"}}));
        assert_eq!(
            v["metadata"]["labels"],
            json!({"kubernetes.io/metadata.name": "dev"})
        );
        assert_eq!(v["spec"], json!({"finalizers": ["kubernetes"]}));
        assert_eq!(v["status"], json!({"phase": "Active"}));
        // A stored namespace whose finalizer was removed does not get it back.
        let v = defaulted(
            Kind::Namespace,
            json!({"metadata": {"name": "dev", "uid": "u", "resourceVersion": "5"}}),
        );
        assert_eq!(v["spec"], json!({}));
    }

    #[test]
    fn storage_defaults() {
        let v = defaulted(
            Kind::PersistentVolume,
            json!({"metadata": {"name": "pv"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data"}}}),
        );
        assert_eq!(v["spec"]["persistentVolumeReclaimPolicy"], json!("Retain"));
        assert_eq!(v["spec"]["volumeMode"], json!("Filesystem"));
        assert_eq!(v["status"], json!({"phase": "Pending"}));
        let v = defaulted(
            Kind::PersistentVolumeClaim,
            json!({"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
        );
        assert_eq!(v["spec"]["volumeMode"], json!("Filesystem"));
        assert_eq!(v["status"], json!({"phase": "Pending"}));
        let v = defaulted(
            Kind::StorageClass,
            json!({"metadata": {"name": "fast"}, "provisioner": "k8s.io/minikube-hostpath"}),
        );
        assert_eq!(v["reclaimPolicy"], json!("Delete"));
        assert_eq!(v["volumeBindingMode"], json!("Immediate"));
    }

    #[test]
    fn networking_scheduling_rbac_discovery_defaults() {
        let v = defaulted(
            Kind::NetworkPolicy,
            json!({"spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}}),
        );
        assert_eq!(v["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
        assert_eq!(v["spec"]["egress"][0]["ports"][0]["protocol"], json!("TCP"));
        assert_eq!(v["spec"]["podSelector"], json!({}));
        let v = defaulted(Kind::NetworkPolicy, json!({"spec": {"podSelector": {}}}));
        assert_eq!(v["spec"]["policyTypes"], json!(["Ingress"]));
        let v = defaulted(
            Kind::PriorityClass,
            json!({"metadata": {"name": "high"}, "value": 1000}),
        );
        assert_eq!(v["preemptionPolicy"], json!("PreemptLowerPriority"));
        let v = defaulted(
            Kind::RoleBinding,
            json!({"subjects": [{"kind": "User", "name": "jane"}, {"kind": "ServiceAccount", "name": "d"}],
                "roleRef": {"kind": "Role", "name": "pod-reader"}}),
        );
        assert_eq!(v["roleRef"]["apiGroup"], json!("rbac.authorization.k8s.io"));
        assert_eq!(
            v["subjects"][0]["apiGroup"],
            json!("rbac.authorization.k8s.io")
        );
        assert!(v["subjects"][1].get("apiGroup").is_none());
        let v = defaulted(
            Kind::EndpointSlice,
            json!({"addressType": "IPv4", "ports": [{"port": 80}]}),
        );
        assert_eq!(
            v["ports"],
            json!([{"name": "", "port": 80, "protocol": "TCP"}])
        );
        assert_eq!(v["endpoints"], json!(null));
        let v = defaulted(
            Kind::ClusterRole,
            json!({"metadata": {"name": "agg"}, "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]}}),
        );
        assert_eq!(v["rules"], json!(null));
        let v = defaulted(
            Kind::Ingress,
            json!({"spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}),
        );
        assert_eq!(v["status"], json!({"loadBalancer": {}}));
        let v = defaulted(
            Kind::LimitRange,
            json!({"spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}, "min": {"memory": "64Mi"}}]}}),
        );
        assert_eq!(v["spec"]["limits"][0]["default"], json!({"cpu": "1"}));
        assert_eq!(
            v["spec"]["limits"][0]["defaultRequest"],
            json!({"cpu": "1", "memory": "64Mi"})
        );
    }
}
