//! What a container sees of its pod: its environment (the kubelet's
//! `makeEnvironmentVariables`: `envFrom` ConfigMaps and Secrets, `env` values with
//! `$(VAR)` references, `valueFrom` ConfigMap and Secret keys, the downward API's
//! `fieldRef` and `resourceFieldRef`, and the Service links of the pod's namespace and
//! the `kubernetes` Service) and its files (ConfigMap, Secret, downward API and
//! projected volumes, and emptyDir directories, at their mount paths).
//!
//! A ConfigMap or Secret that is missing (and not optional), or a missing key, is the
//! kubelet's `CreateContainerConfigError` with upstream's message.

use std::collections::BTreeMap;

use crate::api::core_v1::{Container, Pod, Service};
use crate::api::labels::Selector;
use crate::api::{Kind, Object};
use crate::apiserver::ApiServer;

/// The image's own variables every container starts with.
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn configmap(api: &ApiServer, ns: &str, name: &str) -> Option<BTreeMap<String, String>> {
    match api.get(Kind::ConfigMap, ns, name).ok().as_deref() {
        Some(Object::ConfigMap(c)) => Some(c.data.clone()),
        _ => None,
    }
}

fn secret(api: &ApiServer, ns: &str, name: &str) -> Option<BTreeMap<String, String>> {
    match api.get(Kind::Secret, ns, name).ok().as_deref() {
        Some(Object::Secret(s)) => Some(
            s.data
                .iter()
                .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
                .chain(s.string_data.clone())
                .collect(),
        ),
        _ => None,
    }
}

/// Upstream `expansion.Expand`: `$(VAR)` from the variables defined so far, `$$` for a
/// literal `$`; unknown references stay as written.
fn expand(value: &str, vars: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(inner) = after.strip_prefix('(') {
            match inner.find(')') {
                Some(end) => {
                    let name = &inner[..end];
                    match vars.iter().rev().find(|(k, _)| k == name) {
                        Some((_, v)) => out.push_str(v),
                        None => out.push_str(&format!("$({name})")),
                    }
                    rest = &inner[end + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = inner;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A downward API field of the pod (`metadata.labels['app']`, `status.podIP`, ...).
pub fn field_value(pod: &Pod, path: &str, host_ip: &str, pod_ip: &str) -> Option<String> {
    let m = &pod.metadata;
    let keyed = |prefix: &str, map: &BTreeMap<String, String>| -> Option<Option<String>> {
        let key = path
            .strip_prefix(prefix)?
            .strip_prefix("['")?
            .strip_suffix("']")?;
        Some(map.get(key).cloned())
    };
    if let Some(v) = keyed("metadata.labels", &m.labels) {
        return Some(v.unwrap_or_default());
    }
    if let Some(v) = keyed("metadata.annotations", &m.annotations) {
        return Some(v.unwrap_or_default());
    }
    Some(match path {
        "metadata.name" => m.name.clone(),
        "metadata.namespace" => m.namespace.clone(),
        "metadata.uid" => m.uid.clone(),
        "spec.nodeName" => pod.spec.node_name.clone(),
        "spec.serviceAccountName" => pod.spec.service_account_name.clone(),
        "status.hostIP" | "status.hostIPs" => host_ip.to_string(),
        "status.podIP" | "status.podIPs" => pod_ip.to_string(),
        _ => return None,
    })
}

/// A `resourceFieldRef` value (`limits.memory`, `requests.cpu`), divided by the divisor
/// and rounded up as upstream; a limit that is not set is the node's allocatable.
fn resource_value(
    pod: &Pod,
    container: &Container,
    r: &crate::api::core_v1::ResourceFieldSelector,
    allocatable: &BTreeMap<String, crate::api::Quantity>,
) -> Option<String> {
    let c = if r.container_name.is_empty() {
        container
    } else {
        pod.spec
            .containers
            .iter()
            .find(|c| c.name == r.container_name)?
    };
    let (kind, res) = r.resource.split_once('.')?;
    let list = match kind {
        "limits" => &c.resources.limits,
        "requests" => &c.resources.requests,
        _ => return None,
    };
    let q = list.get(res).or_else(|| {
        if kind == "limits" {
            allocatable.get(res)
        } else {
            None
        }
    });
    let milli = q.map_or(0, |q| q.milli_value());
    let divisor = r.divisor.as_ref().map_or(1000, |d| d.milli_value()).max(1);
    Some(((milli + divisor - 1) / divisor).to_string())
}

/// The Service links of one Service (`WEB_SERVICE_HOST`, `WEB_PORT_80_TCP`, ...).
fn service_vars(svc: &Service, out: &mut Vec<(String, String)>) {
    let ip = &svc.spec.cluster_ip;
    if ip.is_empty() || ip == "None" {
        return;
    }
    let name = svc.metadata.name.to_uppercase().replace('-', "_");
    let Some(first) = svc.spec.ports.first() else {
        return;
    };
    out.push((format!("{name}_SERVICE_HOST"), ip.clone()));
    out.push((format!("{name}_SERVICE_PORT"), first.port.to_string()));
    for p in &svc.spec.ports {
        if !p.name.is_empty() {
            out.push((
                format!(
                    "{name}_SERVICE_PORT_{}",
                    p.name.to_uppercase().replace('-', "_")
                ),
                p.port.to_string(),
            ));
        }
    }
    let proto = |p: &crate::api::core_v1::ServicePort| {
        if p.protocol.is_empty() {
            "tcp".to_string()
        } else {
            p.protocol.to_lowercase()
        }
    };
    out.push((
        format!("{name}_PORT"),
        format!("{}://{ip}:{}", proto(first), first.port),
    ));
    for p in &svc.spec.ports {
        let pr = proto(p);
        let base = format!("{name}_PORT_{}_{}", p.port, pr.to_uppercase());
        out.push((base.clone(), format!("{pr}://{ip}:{}", p.port)));
        out.push((format!("{base}_PROTO"), pr.clone()));
        out.push((format!("{base}_PORT"), p.port.to_string()));
        out.push((format!("{base}_ADDR"), ip.clone()));
    }
}

/// The container's environment in the order `printenv` shows it, or the
/// CreateContainerConfigError message.
pub fn container_env(
    api: &ApiServer,
    pod: &Pod,
    container: &Container,
    host_ip: &str,
    pod_ip: &str,
    allocatable: &BTreeMap<String, crate::api::Quantity>,
) -> Result<Vec<(String, String)>, String> {
    let ns = pod.metadata.namespace.as_str();
    let mut vars: Vec<(String, String)> = Vec::new();
    let set = |vars: &mut Vec<(String, String)>, k: String, v: String| {
        vars.retain(|(x, _)| *x != k);
        vars.push((k, v));
    };
    for from in &container.env_from {
        let (data, name, optional, what) = if let Some(c) = &from.config_map_ref {
            (
                configmap(api, ns, &c.name),
                &c.name,
                c.optional,
                "configmap",
            )
        } else if let Some(s) = &from.secret_ref {
            (secret(api, ns, &s.name), &s.name, s.optional, "secret")
        } else {
            continue;
        };
        match data {
            Some(d) => {
                for (k, v) in d {
                    set(&mut vars, format!("{}{k}", from.prefix), v);
                }
            }
            None if optional == Some(true) => {}
            None => return Err(format!("{what} \"{name}\" not found")),
        }
    }
    for e in &container.env {
        let value = match e.value_from.as_deref() {
            None => expand(&e.value, &vars),
            Some(src) => {
                let key_ref = if let Some(r) = &src.config_map_key_ref {
                    Some((
                        configmap(api, ns, &r.name),
                        "ConfigMap",
                        &r.name,
                        &r.key,
                        r.optional,
                    ))
                } else {
                    src.secret_key_ref.as_ref().map(|r| {
                        (
                            secret(api, ns, &r.name),
                            "Secret",
                            &r.name,
                            &r.key,
                            r.optional,
                        )
                    })
                };
                if let Some((data, what, name, key, optional)) = key_ref {
                    let optional = optional == Some(true);
                    match data.map(|d| d.get(key).cloned()) {
                        Some(Some(v)) => v,
                        _ if optional => continue,
                        Some(None) => {
                            return Err(format!("couldn't find key {key} in {what} {ns}/{name}"))
                        }
                        None => {
                            return Err(format!("{} \"{name}\" not found", what.to_lowercase()))
                        }
                    }
                } else if let Some(f) = &src.field_ref {
                    field_value(pod, &f.field_path, host_ip, pod_ip).unwrap_or_default()
                } else if let Some(r) = &src.resource_field_ref {
                    resource_value(pod, container, r, allocatable).unwrap_or_default()
                } else {
                    String::new()
                }
            }
        };
        set(&mut vars, e.name.clone(), value);
    }
    // Service links: the namespace's Services (unless disabled), and always the API's.
    let mut links = Vec::new();
    let all = Selector::everything();
    let none = crate::api::fields::FieldSelector::default();
    if pod.spec.enable_service_links != Some(false) {
        for o in api.list(Kind::Service, Some(ns), &all, &none) {
            if let Object::Service(s) = &*o {
                if !(ns == "default" && s.metadata.name == "kubernetes") {
                    service_vars(s, &mut links);
                }
            }
        }
    }
    if let Ok(o) = api.get(Kind::Service, "default", "kubernetes") {
        if let Object::Service(s) = &*o {
            service_vars(s, &mut links);
        }
    }
    let mut out = vec![
        ("PATH".to_string(), PATH.to_string()),
        ("HOSTNAME".to_string(), pod_hostname(pod).to_string()),
    ];
    for (k, v) in vars.into_iter().chain(links) {
        if !out.iter().any(|(x, _)| *x == k) {
            out.push((k, v));
        }
    }
    out.push(("HOME".to_string(), "/root".to_string()));
    Ok(out)
}

/// The pod's hostname: `spec.hostname` when set (an Indexed Job's `<job>-<index>`),
/// else its name, cut to 63 characters as the kubelet does.
pub fn pod_hostname(pod: &Pod) -> &str {
    let h = if pod.spec.hostname.is_empty() {
        pod.metadata.name.as_str()
    } else {
        pod.spec.hostname.as_str()
    };
    match h.char_indices().nth(63) {
        Some((i, _)) => h[..i].trim_end_matches(['-', '.']),
        None => h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependent_variables_expand() {
        let vars = vec![("A".to_string(), "1".to_string())];
        assert_eq!(expand("x$(A)y", &vars), "x1y");
        assert_eq!(expand("$(B)", &vars), "$(B)");
        assert_eq!(expand("$$(A)", &vars), "$(A)");
        assert_eq!(expand("cost: $5", &vars), "cost: $5");
    }
}

/// The ConfigMaps (`false`) and Secrets (`true`) a pod's volumes show, by name, as the
/// kubelet last read them (None: missing).
pub type VolumeData = BTreeMap<(bool, String), Option<BTreeMap<String, String>>>;

/// Reads the ConfigMaps and Secrets the pod's volumes refer to.
pub fn read_volume_data(api: &ApiServer, pod: &Pod) -> VolumeData {
    let ns = pod.metadata.namespace.as_str();
    let mut out = VolumeData::new();
    for v in &pod.spec.volumes {
        let mut refs: Vec<(bool, &str)> = Vec::new();
        if let Some(c) = &v.config_map {
            refs.push((false, &c.name));
        }
        if let Some(sv) = &v.secret {
            refs.push((true, &sv.secret_name));
        }
        for src in v.projected.iter().flat_map(|p| &p.sources) {
            if let Some(c) = &src.config_map {
                refs.push((false, &c.name));
            }
            if let Some(sp) = &src.secret {
                refs.push((true, &sp.name));
            }
        }
        for (is_secret, name) in refs {
            let data = if is_secret {
                secret(api, ns, name)
            } else {
                configmap(api, ns, name)
            };
            out.insert((is_secret, name.to_string()), data);
        }
    }
    out
}

/// The files a container sees: its volumes' contents at their mount paths (ConfigMap
/// and Secret keys, downward API fields, emptyDir directories) and the files the
/// kubelet writes into every container (`/etc/hostname`, `/etc/hosts`,
/// `/etc/resolv.conf`). Paths map to contents; directories are the prefixes.
pub fn container_files(
    data: &VolumeData,
    pod: &Pod,
    container: &Container,
    host_ip: &str,
    pod_ip: &str,
) -> (BTreeMap<String, String>, Vec<String>) {
    let ns = pod.metadata.namespace.as_str();
    let name = pod_hostname(pod);
    let mut files = BTreeMap::new();
    let mut dirs = vec!["/".to_string(), "/etc".to_string(), "/tmp".to_string()];
    files.insert("/etc/hostname".to_string(), format!("{name}\n"));
    files.insert(
        "/etc/hosts".to_string(),
        format!("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{pod_ip}\t{name}\n"),
    );
    files.insert(
        "/etc/resolv.conf".to_string(),
        format!("search {ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"),
    );
    let cm = |name: &str| data.get(&(false, name.to_string())).cloned().flatten();
    let sec = |name: &str| data.get(&(true, name.to_string())).cloned().flatten();
    // Keys of a ConfigMap or Secret (all, or the listed items) as files.
    let keyed = |data: Option<BTreeMap<String, String>>,
                 items: &[crate::api::core_v1::KeyToPath]|
     -> Vec<(String, String)> {
        let Some(d) = data else { return Vec::new() };
        if items.is_empty() {
            d.into_iter().collect()
        } else {
            items
                .iter()
                .filter_map(|i| d.get(&i.key).map(|v| (i.path.clone(), v.clone())))
                .collect()
        }
    };
    let downward = |items: &[crate::api::core_v1::DownwardAPIVolumeFile]| -> Vec<(String, String)> {
        items
            .iter()
            .filter_map(|i| {
                let f = i.field_ref.as_ref()?;
                let v = match f.field_path.as_str() {
                    "metadata.labels" => pod
                        .metadata
                        .labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{v}\"\n"))
                        .collect(),
                    "metadata.annotations" => pod
                        .metadata
                        .annotations
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{v}\"\n"))
                        .collect(),
                    p => field_value(pod, p, host_ip, pod_ip)?,
                };
                Some((i.path.clone(), v))
            })
            .collect()
    };
    for m in &container.volume_mounts {
        let Some(v) = pod.spec.volumes.iter().find(|v| v.name == m.name) else {
            continue;
        };
        let mut entries: Vec<(String, String)> = Vec::new();
        if let Some(c) = &v.config_map {
            entries = keyed(cm(&c.name), &c.items);
        } else if let Some(sv) = &v.secret {
            entries = keyed(sec(&sv.secret_name), &sv.items);
        } else if let Some(d) = &v.downward_api {
            entries = downward(&d.items);
        } else if let Some(p) = &v.projected {
            for src in &p.sources {
                if let Some(c) = &src.config_map {
                    entries.extend(keyed(cm(&c.name), &c.items));
                }
                if let Some(sp) = &src.secret {
                    entries.extend(keyed(sec(&sp.name), &sp.items));
                }
                if let Some(d) = &src.downward_api {
                    entries.extend(downward(&d.items));
                }
            }
        }
        let base = m.mount_path.trim_end_matches('/').to_string();
        if m.sub_path.is_empty() {
            dirs.push(base.clone());
            for (rel, content) in entries {
                files.insert(format!("{base}/{rel}"), content);
            }
        } else if let Some((_, content)) = entries.into_iter().find(|(k, _)| *k == m.sub_path) {
            files.insert(base, content);
        } else {
            dirs.push(base);
        }
    }
    (files, dirs)
}
