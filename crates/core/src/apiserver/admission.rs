//! Admission: what the API server's admission plugins do to an object after defaulting
//! and before validation, for the plugins whose effect a user sees without any
//! controller: NamespaceLifecycle (in `ApiServer::create`), Priority,
//! DefaultTolerationSeconds, DefaultStorageClass (a claim without `storageClassName`
//! gets the default class) and StorageObjectInUseProtection (the
//! `kubernetes.io/pvc-protection` and `kubernetes.io/pv-protection` finalizers, which
//! the protection controllers remove). The ServiceAccount plugin needs the
//! ServiceAccount controller's `default` accounts and arrives with the controllers.

use super::{ApiError, Store};
use crate::api::core_v1::{PersistentVolumeClaim, Pod, Toleration};
use crate::api::{Kind, Object};

/// Built-in PriorityClasses every cluster has (created at bootstrap).
pub const SYSTEM_PRIORITY_CLASSES: &[(&str, i32, &str)] = &[
    ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
    ("system-node-critical", 2_000_001_000, "Used for system critical pods that must not be moved from their current node."),
];

/// Runs the mutating and validating admission plugins on a new object.
pub fn admit_create(store: &Store, obj: &mut Object) -> Result<(), ApiError> {
    if let Object::Pod(p) = obj {
        let p = std::sync::Arc::make_mut(p);
        priority(store, p)?;
        default_toleration_seconds(p);
    }
    if let Object::PersistentVolumeClaim(c) = obj {
        let c = std::sync::Arc::make_mut(c);
        default_storage_class(store, c);
        add_finalizer(&mut c.metadata.finalizers, PVC_PROTECTION_FINALIZER);
    }
    if let Object::PersistentVolume(v) = obj {
        let v = std::sync::Arc::make_mut(v);
        add_finalizer(&mut v.metadata.finalizers, PV_PROTECTION_FINALIZER);
    }
    Ok(())
}

/// The finalizer that keeps a claim while a pod uses it.
pub const PVC_PROTECTION_FINALIZER: &str = "kubernetes.io/pvc-protection";
/// The finalizer that keeps a volume while it is bound.
pub const PV_PROTECTION_FINALIZER: &str = "kubernetes.io/pv-protection";
/// The annotation that marks a StorageClass as the cluster's default.
pub const IS_DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
/// Its deprecated beta form, still honoured.
pub const BETA_IS_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";
/// The deprecated annotation a claim may name its class with instead of the field.
pub const BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

fn add_finalizer(finalizers: &mut Vec<String>, f: &str) {
    if !finalizers.iter().any(|x| x == f) {
        finalizers.push(f.to_string());
    }
}

/// Whether a StorageClass carries the default-class annotation (`"true"`).
pub fn is_default_class(sc: &crate::api::storage_v1::StorageClass) -> bool {
    let a = &sc.metadata.annotations;
    a.get(IS_DEFAULT_CLASS).map(String::as_str) == Some("true")
        || a.get(BETA_IS_DEFAULT_CLASS).map(String::as_str) == Some("true")
}

/// The default StorageClass: of those annotated as default, the newest (then the
/// first by name), as upstream's `GetDefaultClass`.
pub fn default_class(
    store: &Store,
) -> Option<std::sync::Arc<crate::api::storage_v1::StorageClass>> {
    store
        .list(
            Kind::StorageClass,
            None,
            &crate::api::labels::Selector::everything(),
            &crate::api::fields::FieldSelector::everything(),
        )
        .into_iter()
        .filter_map(|o| match &*o {
            Object::StorageClass(sc) if is_default_class(sc) => Some(sc.clone()),
            _ => None,
        })
        .max_by(|a, b| {
            let ta = a.metadata.creation_timestamp.map_or(0, |t| t.0);
            let tb = b.metadata.creation_timestamp.map_or(0, |t| t.0);
            ta.cmp(&tb)
                .then_with(|| b.metadata.name.cmp(&a.metadata.name))
        })
}

/// The DefaultStorageClass plugin: a claim that names no class (neither the field nor
/// the beta annotation; an explicit `""` is a choice) gets the default class.
fn default_storage_class(store: &Store, c: &mut PersistentVolumeClaim) {
    if c.spec.storage_class_name.is_some()
        || c.metadata.annotations.contains_key(BETA_STORAGE_CLASS)
    {
        return;
    }
    if let Some(sc) = default_class(store) {
        c.spec.storage_class_name = Some(sc.metadata.name.clone());
    }
}

/// The Priority plugin: resolves `priorityClassName` (or the global default class) to
/// `priority` and `preemptionPolicy`.
fn priority(store: &Store, p: &mut Pod) -> Result<(), ApiError> {
    let name = p.metadata.name.clone();
    let class = if p.spec.priority_class_name.is_empty() {
        store
            .list(
                Kind::PriorityClass,
                None,
                &crate::api::labels::Selector::everything(),
                &crate::api::fields::FieldSelector::everything(),
            )
            .into_iter()
            .filter_map(|o| match &*o {
                Object::PriorityClass(pc) if pc.global_default => Some((**pc).clone()),
                _ => None,
            })
            .min_by_key(|pc| pc.value)
    } else {
        match store
            .get(Kind::PriorityClass, "", &p.spec.priority_class_name)
            .map(|o| (**o).clone())
        {
            Some(Object::PriorityClass(pc)) => Some((*pc).clone()),
            _ => {
                return Err(ApiError::forbidden(
                    Kind::Pod,
                    &name,
                    format!(
                        "no PriorityClass with name {} was found",
                        p.spec.priority_class_name
                    ),
                ))
            }
        }
    };
    let (value, policy) = match &class {
        Some(pc) => (
            pc.value,
            pc.preemption_policy
                .clone()
                .unwrap_or_else(|| "PreemptLowerPriority".into()),
        ),
        None => (0, "PreemptLowerPriority".into()),
    };
    if let Some(given) = p.spec.priority {
        if given != value {
            return Err(ApiError::forbidden(
                Kind::Pod,
                &name,
                format!("the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {value} from the given PriorityClass name"),
            ));
        }
    }
    if let Some(given) = &p.spec.preemption_policy {
        if *given != policy {
            return Err(ApiError::forbidden(
                Kind::Pod,
                &name,
                format!("the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"),
            ));
        }
    }
    if let Some(pc) = &class {
        p.spec.priority_class_name = pc.metadata.name.clone();
    }
    p.spec.priority = Some(value);
    p.spec.preemption_policy = Some(policy);
    Ok(())
}

/// The DefaultTolerationSeconds plugin: pods tolerate `not-ready` and `unreachable`
/// nodes for 300 s unless they say otherwise.
fn default_toleration_seconds(p: &mut Pod) {
    const NOT_READY: &str = "node.kubernetes.io/not-ready";
    const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
    let tolerates = |key: &str| {
        p.spec.tolerations.iter().any(|t| {
            (t.key == key || t.key.is_empty()) && (t.effect == "NoExecute" || t.effect.is_empty())
        })
    };
    let (not_ready, unreachable) = (tolerates(NOT_READY), tolerates(UNREACHABLE));
    for (key, present) in [(NOT_READY, not_ready), (UNREACHABLE, unreachable)] {
        if !present {
            p.spec.tolerations.push(Toleration {
                key: key.into(),
                operator: "Exists".into(),
                effect: "NoExecute".into(),
                toleration_seconds: Some(300),
                ..Default::default()
            });
        }
    }
}
