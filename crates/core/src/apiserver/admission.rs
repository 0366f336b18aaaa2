//! Admission: what the API server's admission plugins do to an object after defaulting
//! and before validation, for the plugins whose effect a user sees without any
//! controller: NamespaceLifecycle (in `ApiServer::create`), Priority and
//! DefaultTolerationSeconds. The ServiceAccount plugin needs the ServiceAccount
//! controller's `default` accounts and arrives with the controllers.

use super::{ApiError, Store};
use crate::api::core_v1::{Pod, Toleration};
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
    Ok(())
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
