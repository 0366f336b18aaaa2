//! Storage helpers the PV controller and the scheduler's VolumeBinding plugin share
//! (upstream `k8s.io/component-helpers/storage/volume`): the binding annotations, a
//! claim's and a volume's class, the claims a pod uses, access-mode and volume-mode
//! checks, PV node affinity, and `FindMatchingVolume` (the smallest Available volume
//! that satisfies a claim, or the one pre-bound to it).

use std::collections::BTreeMap;

use crate::api::core_v1::{
    NodeSelectorRequirement, PersistentVolume, PersistentVolumeClaim, Pod, Volume,
};
use crate::api::labels::Selector;

/// Set on a claim when the PV controller finished binding it.
pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
/// Set on an object whose binding the controller (not the user) made.
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
/// The node the scheduler chose for a WaitForFirstConsumer claim.
pub const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
/// The provisioner asked to provision a claim.
pub const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
/// Its deprecated beta form, still written.
pub const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
/// Set on a volume by the provisioner that made it.
pub const ANN_DYNAMICALLY_PROVISIONED: &str = "pv.kubernetes.io/provisioned-by";
/// The deprecated class annotation (claims and volumes).
pub const ANN_BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";
/// The provisioner name of classes that cannot provision.
pub const NOT_SUPPORTED_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// Upstream `GetPersistentVolumeClaimClass`: the beta annotation, else the field.
pub fn claim_class(c: &PersistentVolumeClaim) -> &str {
    if let Some(v) = c.metadata.annotations.get(ANN_BETA_STORAGE_CLASS) {
        return v;
    }
    c.spec.storage_class_name.as_deref().unwrap_or("")
}

/// Upstream `GetPersistentVolumeClass`.
pub fn volume_class(v: &PersistentVolume) -> &str {
    if let Some(c) = v.metadata.annotations.get(ANN_BETA_STORAGE_CLASS) {
        return c;
    }
    &v.spec.storage_class_name
}

/// The claim a pod volume names: `(claim name, generic ephemeral?)`.
pub fn volume_claim_name(pod: &Pod, v: &Volume) -> Option<(String, bool)> {
    if let Some(c) = &v.persistent_volume_claim {
        return Some((c.claim_name.clone(), false));
    }
    if v.ephemeral.is_some() {
        return Some((format!("{}-{}", pod.metadata.name, v.name), true));
    }
    None
}

/// Whether the pod uses any claim (cheap: most pods have no such volume).
pub fn pod_has_claims(pod: &Pod) -> bool {
    pod.spec
        .volumes
        .iter()
        .any(|v| v.persistent_volume_claim.is_some() || v.ephemeral.is_some())
}

/// Whether a pod's volumes name the claim `name` (in the pod's namespace).
pub fn pod_uses_claim(pod: &Pod, name: &str) -> bool {
    pod.spec
        .volumes
        .iter()
        .any(|v| volume_claim_name(pod, v).is_some_and(|(n, _)| n == name))
}

/// Whether the volume's `claimRef` names this claim (and its uid, when set).
pub fn is_volume_bound_to_claim(v: &PersistentVolume, c: &PersistentVolumeClaim) -> bool {
    let Some(r) = &v.spec.claim_ref else {
        return false;
    };
    r.name == c.metadata.name
        && r.namespace == c.metadata.namespace
        && (r.uid.is_empty() || r.uid == c.metadata.uid)
}

/// Upstream `CheckVolumeModeMismatches` (a missing mode is Filesystem).
pub fn volume_mode_mismatch(c: &PersistentVolumeClaim, v: &PersistentVolume) -> bool {
    let cm = c.spec.volume_mode.as_deref().unwrap_or("Filesystem");
    let vm = v.spec.volume_mode.as_deref().unwrap_or("Filesystem");
    cm != vm
}

/// Upstream `CheckAccessModes`: the volume offers every mode the claim asks for.
pub fn check_access_modes(c: &PersistentVolumeClaim, v: &PersistentVolume) -> bool {
    c.spec
        .access_modes
        .iter()
        .all(|m| v.spec.access_modes.contains(m))
}

fn requirement_matches(r: &NodeSelectorRequirement, labels: &BTreeMap<String, String>) -> bool {
    let v = labels.get(&r.key);
    match r.operator.as_str() {
        "In" => v.is_some_and(|v| r.values.contains(v)),
        "NotIn" => v.is_none_or(|v| !r.values.contains(v)),
        "Exists" => v.is_some(),
        "DoesNotExist" => v.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), [bound]) = (v, r.values.as_slice()) else {
                return false;
            };
            match (v.parse::<i64>(), bound.parse::<i64>()) {
                (Ok(a), Ok(b)) => {
                    if r.operator == "Gt" {
                        a > b
                    } else {
                        a < b
                    }
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Upstream `CheckNodeAffinity`: a volume without required node affinity fits every
/// node; otherwise one of its terms must match the node's labels (and name, for
/// `metadata.name` fields).
pub fn volume_fits_node(
    v: &PersistentVolume,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let Some(req) = v
        .spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
    else {
        return true;
    };
    req.node_selector_terms.iter().any(|t| {
        (!t.match_expressions.is_empty() || !t.match_fields.is_empty())
            && t.match_expressions
                .iter()
                .all(|r| requirement_matches(r, labels))
            && t.match_fields.iter().all(|r| {
                let mut m = BTreeMap::new();
                if r.key == "metadata.name" {
                    m.insert(r.key.clone(), node_name.to_string());
                }
                requirement_matches(r, &m)
            })
    })
}

/// Upstream `GetLocalPersistentVolumeNodeNames`: the node names a volume's
/// `kubernetes.io/hostname In [...]` terms allow (empty: not restricted that way).
pub fn local_volume_node_names(v: &PersistentVolume) -> Vec<String> {
    let Some(req) = v
        .spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
    else {
        return Vec::new();
    };
    let mut out: std::collections::BTreeSet<String> = Default::default();
    for t in &req.node_selector_terms {
        let mut nodes: Option<std::collections::BTreeSet<String>> = None;
        for e in &t.match_expressions {
            if e.key == "kubernetes.io/hostname" && e.operator == "In" {
                let vals: std::collections::BTreeSet<String> = e.values.iter().cloned().collect();
                nodes = Some(match nodes {
                    None => vals,
                    Some(n) => n.intersection(&vals).cloned().collect(),
                });
            }
        }
        out.extend(nodes.unwrap_or_default());
    }
    out.into_iter().collect()
}

/// A storage quantity in bytes (0 when missing).
pub fn storage_of(m: &BTreeMap<String, crate::api::Quantity>) -> i64 {
    m.get("storage").map_or(0, |q| q.value())
}

/// Upstream `FindMatchingVolume` over `volumes`, grouped as the PV controller's index
/// does (volumes with the fewest access modes that still cover the claim's first):
/// the volume pre-bound to the claim, else the smallest Available one of the claim's
/// class whose labels match its selector. `node`: the scheduler's path (node affinity
/// and access modes checked, delayed binding allowed); `None`: the PV controller's,
/// which leaves WaitForFirstConsumer claims (`delay_binding`) to the scheduler.
pub fn find_matching_volume<'a>(
    claim: &PersistentVolumeClaim,
    volumes: impl Iterator<Item = &'a PersistentVolume>,
    node: Option<(&str, &BTreeMap<String, String>)>,
    excluded: &dyn Fn(&str) -> bool,
    delay_binding: bool,
) -> Option<&'a PersistentVolume> {
    let requested = storage_of(&claim.spec.resources.requests);
    let class = claim_class(claim);
    let selector = match &claim.spec.selector {
        Some(s) => match Selector::from_label_selector(s) {
            Ok(s) => Some(s),
            Err(_) => return None,
        },
        None => None,
    };
    // Only volumes whose modes cover the claim's, by number of modes.
    let mut groups: BTreeMap<usize, Vec<&PersistentVolume>> = BTreeMap::new();
    for v in volumes {
        if check_access_modes(claim, v) {
            groups.entry(v.spec.access_modes.len()).or_default().push(v);
        }
    }
    for (_, vols) in groups {
        let mut smallest: Option<(&PersistentVolume, i64)> = None;
        for v in vols {
            if excluded(&v.metadata.name) {
                continue;
            }
            if v.spec.claim_ref.is_some() && !is_volume_bound_to_claim(v, claim) {
                continue;
            }
            let size = storage_of(&v.spec.capacity);
            if size < requested || volume_mode_mismatch(claim, v) {
                continue;
            }
            if v.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let affinity_ok = node.is_none_or(|(n, l)| volume_fits_node(v, n, l));
            if is_volume_bound_to_claim(v, claim) {
                if !affinity_ok {
                    return None;
                }
                return Some(v);
            }
            if node.is_none() && delay_binding {
                continue;
            }
            let phase = v.status.as_ref().map_or("", |s| s.phase.as_str());
            if phase != "Available" {
                continue;
            }
            if let Some(sel) = &selector {
                if !sel.matches(&v.metadata.labels) {
                    continue;
                }
            }
            if volume_class(v) != class || !affinity_ok {
                continue;
            }
            if smallest.is_none_or(|(_, s)| s > size) {
                smallest = Some((v, size));
            }
        }
        if let Some((v, _)) = smallest {
            return Some(v);
        }
    }
    None
}

/// The access modes as kubectl abbreviates them (`RWO,ROX`), in upstream's order.
pub fn access_modes_string(modes: &[String]) -> String {
    let mut out = Vec::new();
    for (full, short) in [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ] {
        if modes.iter().any(|m| m == full) {
            out.push(short);
        }
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{PersistentVolumeStatus, VolumeNodeAffinity};
    use crate::api::Quantity;

    fn pv(name: &str, size: &str, class: &str, modes: &[&str]) -> PersistentVolume {
        let mut v = PersistentVolume::default();
        v.metadata.name = name.into();
        v.spec
            .capacity
            .insert("storage".into(), Quantity::parse(size).unwrap_or_default());
        v.spec.storage_class_name = class.into();
        v.spec.access_modes = modes.iter().map(|s| s.to_string()).collect();
        v.status = Some(PersistentVolumeStatus {
            phase: "Available".into(),
            ..Default::default()
        });
        v
    }

    fn pvc(size: &str, class: Option<&str>) -> PersistentVolumeClaim {
        let mut c = PersistentVolumeClaim::default();
        c.metadata.name = "data".into();
        c.metadata.namespace = "default".into();
        c.metadata.uid = "u1".into();
        c.spec
            .resources
            .requests
            .insert("storage".into(), Quantity::parse(size).unwrap_or_default());
        c.spec.access_modes = vec!["ReadWriteOnce".into()];
        c.spec.storage_class_name = class.map(str::to_string);
        c
    }

    #[test]
    fn smallest_fitting_volume_of_the_class_wins() {
        let vols = [
            pv("big", "10Gi", "", &["ReadWriteOnce"]),
            pv("small", "1Gi", "", &["ReadWriteOnce"]),
            pv("tiny", "100Mi", "", &["ReadWriteOnce"]),
            pv("other-class", "1Gi", "fast", &["ReadWriteOnce"]),
        ];
        let c = pvc("500Mi", Some(""));
        let m = find_matching_volume(&c, vols.iter(), None, &|_| false, false);
        assert_eq!(m.map(|v| v.metadata.name.as_str()), Some("small"));
        // A volume with fewer modes is preferred over a smaller one with more.
        let vols = [
            pv("rwo-rwx", "1Gi", "", &["ReadWriteOnce", "ReadWriteMany"]),
            pv("rwo", "5Gi", "", &["ReadWriteOnce"]),
        ];
        let m = find_matching_volume(&c, vols.iter(), None, &|_| false, false);
        assert_eq!(m.map(|v| v.metadata.name.as_str()), Some("rwo"));
        // Delayed binding: the controller leaves it to the scheduler.
        assert!(find_matching_volume(&c, vols.iter(), None, &|_| false, true).is_none());
    }

    #[test]
    fn prebound_volume_and_node_affinity() {
        let mut v = pv("local", "1Gi", "", &["ReadWriteOnce"]);
        v.spec.node_affinity = Some(VolumeNodeAffinity {
            required: Some(crate::api::core_v1::NodeSelector {
                node_selector_terms: vec![crate::api::core_v1::NodeSelectorTerm {
                    match_expressions: vec![NodeSelectorRequirement {
                        key: "kubernetes.io/hostname".into(),
                        operator: "In".into(),
                        values: vec!["node-1".into()],
                    }],
                    ..Default::default()
                }],
            }),
        });
        let mut l1 = BTreeMap::new();
        l1.insert("kubernetes.io/hostname".to_string(), "node-1".to_string());
        let mut l2 = BTreeMap::new();
        l2.insert("kubernetes.io/hostname".to_string(), "node-2".to_string());
        assert!(volume_fits_node(&v, "node-1", &l1));
        assert!(!volume_fits_node(&v, "node-2", &l2));
        assert_eq!(local_volume_node_names(&v), vec!["node-1".to_string()]);
        let c = pvc("1Gi", Some(""));
        let vols = [v.clone()];
        assert!(
            find_matching_volume(&c, vols.iter(), Some(("node-2", &l2)), &|_| false, true)
                .is_none()
        );
        assert!(
            find_matching_volume(&c, vols.iter(), Some(("node-1", &l1)), &|_| false, true)
                .is_some()
        );
        // Pre-bound by claimRef, even Released or of another class.
        let mut pre = pv("pre", "1Gi", "x", &["ReadWriteOnce"]);
        pre.spec.claim_ref = Some(crate::api::core_v1::ObjectReference {
            name: "data".into(),
            namespace: "default".into(),
            ..Default::default()
        });
        let vols = [pv("free", "1Gi", "", &["ReadWriteOnce"]), pre];
        let m = find_matching_volume(&c, vols.iter(), None, &|_| false, false);
        assert_eq!(m.map(|v| v.metadata.name.as_str()), Some("pre"));
    }

    #[test]
    fn access_modes_abbreviated_in_order() {
        let m = vec!["ReadWriteMany".to_string(), "ReadWriteOnce".to_string()];
        assert_eq!(access_modes_string(&m), "RWO,RWX");
    }
}
