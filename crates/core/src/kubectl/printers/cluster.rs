//! Printers for networking, discovery, storage, scheduling, RBAC and coordination kinds.

use super::{age, list_with_more, load_balancer_addresses, selector_string, Millis};
use crate::api::coordination_v1::Lease;
use crate::api::discovery_v1::EndpointSlice;
use crate::api::meta::ObjectMeta;
use crate::api::networking_v1::{Ingress, IngressClass, NetworkPolicy};
use crate::api::rbac_v1::{RoleRef, Subject};
use crate::api::scheduling_v1::PriorityClass;
use crate::api::storage_v1::StorageClass;

/// `printIngress`: CLASS, HOSTS (`formatHosts`: up to three, `*` for none), ADDRESS
/// (load balancer IPs or hostnames) and PORTS (`80`, or `80, 443` with TLS).
pub(super) fn ingress(i: &Ingress, now: Millis) -> Vec<String> {
    const MAX: usize = 3;
    let rules = &i.spec.rules;
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for r in rules {
        if list.len() == MAX {
            more = true;
        }
        if !more && !r.host.is_empty() {
            list.push(&r.host);
        }
    }
    let hosts = if list.is_empty() {
        "*".to_string()
    } else if more {
        format!("{} + {} more...", list.join(","), rules.len() - MAX)
    } else {
        list.join(",")
    };
    let address = i
        .status
        .as_ref()
        .map(|s| {
            load_balancer_addresses(
                s.load_balancer
                    .ingress
                    .iter()
                    .map(|p| (p.ip.as_str(), p.hostname.as_str())),
            )
        })
        .unwrap_or_default();
    let ports = if i.spec.tls.is_empty() {
        "80"
    } else {
        "80, 443"
    };
    vec![
        i.metadata.name.clone(),
        i.spec
            .ingress_class_name
            .clone()
            .unwrap_or_else(|| "<none>".into()),
        hosts,
        address,
        ports.into(),
        age(i.metadata.creation_timestamp, now),
    ]
}

/// PARAMETERS: `Kind[.apiGroup]/name`, `<none>` without parameters.
pub(super) fn ingress_class(i: &IngressClass, now: Millis) -> Vec<String> {
    let params = match &i.spec.parameters {
        None => "<none>".to_string(),
        Some(p) => match &p.api_group {
            Some(g) => format!("{}.{g}/{}", p.kind, p.name),
            None => format!("{}/{}", p.kind, p.name),
        },
    };
    vec![
        i.metadata.name.clone(),
        i.spec.controller.clone(),
        params,
        age(i.metadata.creation_timestamp, now),
    ]
}

pub(super) fn network_policy(n: &NetworkPolicy, now: Millis) -> Vec<String> {
    vec![
        n.metadata.name.clone(),
        selector_string(Some(&n.spec.pod_selector)),
        age(n.metadata.creation_timestamp, now),
    ]
}

/// PORTS (`formatDiscoveryPorts`: number, else name, else `*`) and ENDPOINTS
/// (`formatDiscoveryEndpoints`: addresses), three at most, `<unset>` when empty.
pub(super) fn endpoint_slice(e: &EndpointSlice, now: Millis) -> Vec<String> {
    const MAX: usize = 3;
    let mut ports: Vec<String> = Vec::new();
    let mut more = false;
    for p in &e.ports {
        if ports.len() < MAX {
            ports.push(match (&p.port, &p.name) {
                (Some(n), _) => n.to_string(),
                (None, Some(name)) => name.clone(),
                (None, None) => "*".into(),
            });
        } else if ports.len() == MAX {
            more = true;
        }
    }
    let ports = list_with_more(ports, more, e.ports.len(), MAX);
    let mut addrs: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for ep in &e.endpoints {
        for a in &ep.addresses {
            if addrs.len() < MAX {
                addrs.push(a.clone());
            } else if addrs.len() == MAX {
                more = true;
            }
            count += 1;
        }
    }
    vec![
        e.metadata.name.clone(),
        e.address_type.clone(),
        ports,
        list_with_more(addrs, more, count, MAX),
        age(e.metadata.creation_timestamp, now),
    ]
}

/// NAME gets ` (default)` for the default class; RECLAIMPOLICY defaults to `Delete`,
/// VOLUMEBINDINGMODE to `Immediate`.
pub(super) fn storage_class(s: &StorageClass, now: Millis) -> Vec<String> {
    let ann = &s.metadata.annotations;
    let is_default = [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|k| ann.get(*k).is_some_and(|v| v == "true"));
    let mut name = s.metadata.name.clone();
    if is_default {
        name.push_str(" (default)");
    }
    vec![
        name,
        s.provisioner.clone(),
        s.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
        s.volume_binding_mode
            .clone()
            .unwrap_or_else(|| "Immediate".into()),
        s.allow_volume_expansion.unwrap_or(false).to_string(),
        age(s.metadata.creation_timestamp, now),
    ]
}

pub(super) fn priority_class(p: &PriorityClass, now: Millis) -> Vec<String> {
    vec![
        p.metadata.name.clone(),
        p.value.to_string(),
        p.global_default.to_string(),
        age(p.metadata.creation_timestamp, now),
        p.preemption_policy.clone().unwrap_or_default(),
    ]
}

/// ROLE is `Kind/name`; the wide USERS, GROUPS and SERVICEACCOUNTS (`namespace/name`)
/// are joined with `, ` (`rbac.SubjectsStrings`).
pub(super) fn role_binding(
    m: &ObjectMeta,
    role: &RoleRef,
    subjects: &[Subject],
    now: Millis,
) -> Vec<String> {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut sas = Vec::new();
    for s in subjects {
        match s.kind.as_str() {
            "ServiceAccount" => sas.push(format!("{}/{}", s.namespace, s.name)),
            "User" => users.push(s.name.clone()),
            "Group" => groups.push(s.name.clone()),
            _ => {}
        }
    }
    vec![
        m.name.clone(),
        format!("{}/{}", role.kind, role.name),
        age(m.creation_timestamp, now),
        users.join(", "),
        groups.join(", "),
        sas.join(", "),
    ]
}

pub(super) fn lease(l: &Lease, now: Millis) -> Vec<String> {
    vec![
        l.metadata.name.clone(),
        l.spec.holder_identity.clone().unwrap_or_default(),
        age(l.metadata.creation_timestamp, now),
    ]
}
