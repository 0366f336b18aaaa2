//! The registry of kinds the API server serves: one line per kind with its group,
//! version, resource names, scope and subresources, and the [`Object`] enum that the
//! store, the watch and kubectl pass around. Adding a kind means adding one line here.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::meta::ObjectMeta;
use super::*;

/// Static facts about one served resource, as discovery (`kubectl api-resources`) shows them.
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    pub kind: &'static str,
    /// API group; `""` is the core group.
    pub group: &'static str,
    /// The preferred (and storage) version.
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub short_names: &'static [&'static str],
    pub namespaced: bool,
    /// Has a `/status` subresource: the main resource ignores status changes and vice versa.
    pub has_status: bool,
    /// `metadata.generation` is set to 1 on create and bumped on every spec change.
    pub tracks_generation: bool,
    pub categories: &'static [&'static str],
}

impl ResourceInfo {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
    /// `deployments.apps`, or `pods` for the core group: the name kubectl uses in messages.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
    /// `deployment.apps`, or `pod`: kubectl's prefix for `deployment.apps/web created`.
    pub fn group_singular(&self) -> String {
        let kind = self.kind.to_ascii_lowercase();
        if self.group.is_empty() {
            kind
        } else {
            format!("{}.{}", kind, self.group)
        }
    }
}

/// Implemented by every top-level API type.
pub trait Resource: Clone + PartialEq + Serialize + DeserializeOwned + 'static {
    const INFO: &'static ResourceInfo;
    fn meta(&self) -> &ObjectMeta;
    fn meta_mut(&mut self) -> &mut ObjectMeta;
    /// Wraps the typed value into the dynamic [`Object`].
    fn into_object(self) -> Object;
    /// Borrows the typed value out of an [`Object`] of this kind.
    fn from_object(obj: &Object) -> Option<&Self>;
    /// Copies the `status` of `other` into `self` (no-op for kinds without status).
    fn copy_status_from(&mut self, other: &Self);
    /// Clears `status` (on create through the main resource).
    fn clear_status(&mut self);
}

macro_rules! kinds {
    ($( $variant:ident : $ty:path = {
        group: $group:literal, version: $version:literal, plural: $plural:literal,
        singular: $singular:literal, short: [$($short:literal),*], namespaced: $ns:literal,
        status: $status:tt, generation: $gen:literal, categories: [$($cat:literal),*] $(,)?
    } ),* $(,)?) => {
        /// Every kind the cluster serves, as a tag.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind { $( $variant, )* }

        /// An API object of any served kind. Each kind sits behind its own `Arc`, so that an
        /// `Object` costs what its own kind needs (kinds with pod templates are several
        /// KiB) and components can share a typed object (`Arc<Pod>`) with the store without
        /// copying it; writers go through `Arc::make_mut` (copy on write).
        #[derive(Clone, Debug, PartialEq)]
        pub enum Object { $( $variant(std::sync::Arc<$ty>), )* }

        impl Kind {
            /// All kinds, in registry order.
            pub const ALL: &'static [Kind] = &[ $( Kind::$variant, )* ];

            pub fn info(self) -> &'static ResourceInfo {
                match self { $( Kind::$variant => <$ty as Resource>::INFO, )* }
            }

            /// Decodes the typed value of this kind (storage version) from any serde deserializer.
            pub fn decode<'de, D: serde::Deserializer<'de>>(self, d: D) -> Result<Object, D::Error> {
                match self { $( Kind::$variant => <$ty as serde::Deserialize>::deserialize(d).map(|v| Object::$variant(std::sync::Arc::new(v))), )* }
            }
        }

        impl Object {
            pub fn kind(&self) -> Kind {
                match self { $( Object::$variant(_) => Kind::$variant, )* }
            }
            pub fn meta(&self) -> &ObjectMeta {
                match self { $( Object::$variant(o) => &o.metadata, )* }
            }
            pub fn meta_mut(&mut self) -> &mut ObjectMeta {
                match self { $( Object::$variant(o) => &mut std::sync::Arc::make_mut(o).metadata, )* }
            }
            /// The object as JSON with `apiVersion` and `kind` set; keys sorted as kubectl prints them.
            pub fn to_json(&self) -> serde_json::Value {
                let mut v = match self { $( Object::$variant(o) => serde_json::to_value(&**o), )* }
                    .unwrap_or(serde_json::Value::Null);
                if let serde_json::Value::Object(m) = &mut v {
                    let info = self.kind().info();
                    m.insert("apiVersion".into(), serde_json::Value::String(info.api_version()));
                    m.insert("kind".into(), serde_json::Value::String(info.kind.into()));
                }
                v
            }
            /// Copies the status of `other` (same kind) into `self`.
            pub fn copy_status_from(&mut self, other: &Object) {
                match (self, other) {
                    $( (Object::$variant(a), Object::$variant(b)) => std::sync::Arc::make_mut(a).copy_status_from(b), )*
                    _ => {}
                }
            }
            pub fn clear_status(&mut self) {
                match self { $( Object::$variant(o) => std::sync::Arc::make_mut(o).clear_status(), )* }
            }
        }

        $(
            impl Resource for $ty {
                const INFO: &'static ResourceInfo = &ResourceInfo {
                    kind: stringify!($variant), group: $group, version: $version, plural: $plural,
                    singular: $singular, short_names: &[$($short),*], namespaced: $ns,
                    has_status: kinds!(@has $status), tracks_generation: $gen, categories: &[$($cat),*],
                };
                fn meta(&self) -> &ObjectMeta { &self.metadata }
                fn meta_mut(&mut self) -> &mut ObjectMeta { &mut self.metadata }
                fn into_object(self) -> Object { Object::$variant(std::sync::Arc::new(self)) }
                fn from_object(obj: &Object) -> Option<&Self> {
                    match obj { Object::$variant(o) => Some(&**o), #[allow(unreachable_patterns)] _ => None }
                }
                kinds!(@status $status);
            }
        )*
    };
    (@has yes) => { true };
    (@has no) => { false };
    (@status yes) => {
        fn copy_status_from(&mut self, other: &Self) { self.status = other.status.clone(); }
        fn clear_status(&mut self) { self.status = Some(Default::default()); }
    };
    (@status no) => {
        fn copy_status_from(&mut self, _other: &Self) {}
        fn clear_status(&mut self) {}
    };
}

kinds! {
    Namespace: core_v1::Namespace = { group: "", version: "v1", plural: "namespaces", singular: "namespace", short: ["ns"], namespaced: false, status: yes, generation: false, categories: [] },
    Node: core_v1::Node = { group: "", version: "v1", plural: "nodes", singular: "node", short: ["no"], namespaced: false, status: yes, generation: false, categories: [] },
    Pod: core_v1::Pod = { group: "", version: "v1", plural: "pods", singular: "pod", short: ["po"], namespaced: true, status: yes, generation: false, categories: ["all"] },
    Service: core_v1::Service = { group: "", version: "v1", plural: "services", singular: "service", short: ["svc"], namespaced: true, status: yes, generation: false, categories: ["all"] },
    Endpoints: core_v1::Endpoints = { group: "", version: "v1", plural: "endpoints", singular: "endpoints", short: ["ep"], namespaced: true, status: no, generation: false, categories: [] },
    ConfigMap: core_v1::ConfigMap = { group: "", version: "v1", plural: "configmaps", singular: "configmap", short: ["cm"], namespaced: true, status: no, generation: false, categories: [] },
    Secret: core_v1::Secret = { group: "", version: "v1", plural: "secrets", singular: "secret", short: [], namespaced: true, status: no, generation: false, categories: [] },
    ServiceAccount: core_v1::ServiceAccount = { group: "", version: "v1", plural: "serviceaccounts", singular: "serviceaccount", short: ["sa"], namespaced: true, status: no, generation: false, categories: [] },
    Event: core_v1::Event = { group: "", version: "v1", plural: "events", singular: "event", short: ["ev"], namespaced: true, status: no, generation: false, categories: [] },
    ReplicationController: core_v1::ReplicationController = { group: "", version: "v1", plural: "replicationcontrollers", singular: "replicationcontroller", short: ["rc"], namespaced: true, status: yes, generation: true, categories: ["all"] },
    PersistentVolume: core_v1::PersistentVolume = { group: "", version: "v1", plural: "persistentvolumes", singular: "persistentvolume", short: ["pv"], namespaced: false, status: yes, generation: false, categories: [] },
    PersistentVolumeClaim: core_v1::PersistentVolumeClaim = { group: "", version: "v1", plural: "persistentvolumeclaims", singular: "persistentvolumeclaim", short: ["pvc"], namespaced: true, status: yes, generation: false, categories: [] },
    ResourceQuota: core_v1::ResourceQuota = { group: "", version: "v1", plural: "resourcequotas", singular: "resourcequota", short: ["quota"], namespaced: true, status: yes, generation: false, categories: [] },
    LimitRange: core_v1::LimitRange = { group: "", version: "v1", plural: "limitranges", singular: "limitrange", short: ["limits"], namespaced: true, status: no, generation: false, categories: [] },
    Deployment: apps_v1::Deployment = { group: "apps", version: "v1", plural: "deployments", singular: "deployment", short: ["deploy"], namespaced: true, status: yes, generation: true, categories: ["all"] },
    ReplicaSet: apps_v1::ReplicaSet = { group: "apps", version: "v1", plural: "replicasets", singular: "replicaset", short: ["rs"], namespaced: true, status: yes, generation: true, categories: ["all"] },
    DaemonSet: apps_v1::DaemonSet = { group: "apps", version: "v1", plural: "daemonsets", singular: "daemonset", short: ["ds"], namespaced: true, status: yes, generation: true, categories: ["all"] },
    StatefulSet: apps_v1::StatefulSet = { group: "apps", version: "v1", plural: "statefulsets", singular: "statefulset", short: ["sts"], namespaced: true, status: yes, generation: true, categories: ["all"] },
    ControllerRevision: apps_v1::ControllerRevision = { group: "apps", version: "v1", plural: "controllerrevisions", singular: "controllerrevision", short: [], namespaced: true, status: no, generation: false, categories: [] },
    Job: batch_v1::Job = { group: "batch", version: "v1", plural: "jobs", singular: "job", short: [], namespaced: true, status: yes, generation: true, categories: ["all"] },
    CronJob: batch_v1::CronJob = { group: "batch", version: "v1", plural: "cronjobs", singular: "cronjob", short: ["cj"], namespaced: true, status: yes, generation: true, categories: ["all"] },
    HorizontalPodAutoscaler: autoscaling::HorizontalPodAutoscaler = { group: "autoscaling", version: "v2", plural: "horizontalpodautoscalers", singular: "horizontalpodautoscaler", short: ["hpa"], namespaced: true, status: yes, generation: false, categories: ["all"] },
    PodDisruptionBudget: policy_v1::PodDisruptionBudget = { group: "policy", version: "v1", plural: "poddisruptionbudgets", singular: "poddisruptionbudget", short: ["pdb"], namespaced: true, status: yes, generation: true, categories: [] },
    Ingress: networking_v1::Ingress = { group: "networking.k8s.io", version: "v1", plural: "ingresses", singular: "ingress", short: ["ing"], namespaced: true, status: yes, generation: true, categories: [] },
    IngressClass: networking_v1::IngressClass = { group: "networking.k8s.io", version: "v1", plural: "ingressclasses", singular: "ingressclass", short: [], namespaced: false, status: no, generation: true, categories: [] },
    NetworkPolicy: networking_v1::NetworkPolicy = { group: "networking.k8s.io", version: "v1", plural: "networkpolicies", singular: "networkpolicy", short: ["netpol"], namespaced: true, status: no, generation: true, categories: [] },
    EndpointSlice: discovery_v1::EndpointSlice = { group: "discovery.k8s.io", version: "v1", plural: "endpointslices", singular: "endpointslice", short: [], namespaced: true, status: no, generation: true, categories: [] },
    StorageClass: storage_v1::StorageClass = { group: "storage.k8s.io", version: "v1", plural: "storageclasses", singular: "storageclass", short: ["sc"], namespaced: false, status: no, generation: false, categories: [] },
    PriorityClass: scheduling_v1::PriorityClass = { group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses", singular: "priorityclass", short: ["pc"], namespaced: false, status: no, generation: false, categories: [] },
    Role: rbac_v1::Role = { group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", singular: "role", short: [], namespaced: true, status: no, generation: false, categories: [] },
    ClusterRole: rbac_v1::ClusterRole = { group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", singular: "clusterrole", short: [], namespaced: false, status: no, generation: false, categories: [] },
    RoleBinding: rbac_v1::RoleBinding = { group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", singular: "rolebinding", short: [], namespaced: true, status: no, generation: false, categories: [] },
    ClusterRoleBinding: rbac_v1::ClusterRoleBinding = { group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings", singular: "clusterrolebinding", short: [], namespaced: false, status: no, generation: false, categories: [] },
    Lease: coordination_v1::Lease = { group: "coordination.k8s.io", version: "v1", plural: "leases", singular: "lease", short: [], namespaced: true, status: no, generation: false, categories: [] },
}

impl Kind {
    /// Finds a kind by the name kubectl accepts: plural, singular, short name or kind,
    /// case-insensitive, optionally qualified with its group (`deployments.apps`).
    pub fn lookup(name: &str) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        let (res, group) = match lower.split_once('.') {
            Some((r, g)) => (r.to_string(), Some(g.to_string())),
            None => (lower.clone(), None),
        };
        Kind::ALL.iter().copied().find(|k| {
            let i = k.info();
            let group_ok = match &group {
                None => true,
                Some(g) => g == i.group || (g == &format!("{}.{}", i.version, i.group)),
            };
            group_ok
                && (res == i.plural
                    || res == i.singular
                    || res == i.kind.to_ascii_lowercase()
                    || i.short_names.contains(&res.as_str()))
        })
    }

    /// Finds the kind served for `apiVersion` + `kind` in a manifest; returns the version too
    /// so that older served versions (autoscaling/v1) can be converted.
    pub fn for_type(api_version: &str, kind: &str) -> Option<Kind> {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        Kind::ALL.iter().copied().find(|k| {
            let i = k.info();
            i.kind == kind && i.group == group && served_versions(*k).contains(&version)
        })
    }
}

/// The versions served for a kind; the first is the storage version.
pub fn served_versions(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::HorizontalPodAutoscaler => &["v2", "v1"],
        _ => std::slice::from_ref(&kind.info().version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_stay_small() {
        // Every kind is boxed: a stored object costs its own kind's size, not the largest.
        assert!(std::mem::size_of::<Object>() <= 16);
    }

    #[test]
    fn lookup_by_every_name() {
        for k in Kind::ALL {
            let i = k.info();
            assert_eq!(Kind::lookup(i.plural), Some(*k));
            assert_eq!(Kind::lookup(i.singular), Some(*k));
            assert_eq!(Kind::lookup(i.kind), Some(*k));
            for s in i.short_names {
                assert_eq!(Kind::lookup(s), Some(*k));
            }
            assert_eq!(Kind::for_type(&i.api_version(), i.kind), Some(*k));
        }
        assert_eq!(
            Kind::for_type("autoscaling/v1", "HorizontalPodAutoscaler"),
            Some(Kind::HorizontalPodAutoscaler)
        );
        assert_eq!(Kind::for_type("apps/v1beta1", "Deployment"), None);
    }
}
