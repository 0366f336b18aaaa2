//! The API server: decode, defaulting, validation, admission, the versioned store and
//! watch. Every component reads and writes objects only through [`ApiServer`]: get, list,
//! watch, create, update (main resource and `/status`), delete, with resourceVersion
//! preconditions and upstream's error statuses.

pub mod admission;
pub mod allocators;
pub mod bootstrap;
pub mod decode;
pub mod defaults;
pub mod errors;
pub mod eviction;
pub mod patch;
pub mod store;
pub mod validation;

use std::sync::Arc;

use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::Time;
use crate::api::{Kind, Object, Resource};
use crate::sim::{Millis, Rng};

pub use errors::{ApiError, Reason};
use store::{Gone, Rev, Store, WatchEvent, WatchFilter, WatchId};

/// Options for a delete, as `metav1.DeleteOptions`.
#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    /// `--grace-period`; `None` uses the object's own (pods: terminationGracePeriodSeconds).
    pub grace_period_seconds: Option<i64>,
    /// `resourceVersion` precondition.
    pub precondition_rv: Option<String>,
}

/// The API server and its store.
pub struct ApiServer {
    now: Millis,
    rng: Rng,
    pub store: Store,
    services: allocators::ServiceAllocators,
    /// The kubelets' resource-metrics endpoints (what metrics-server scrapes).
    pub kubelet_stats: crate::metrics::KubeletStats,
    /// The `metrics.k8s.io` API, served by metrics-server.
    pub metrics: crate::metrics::MetricsApi,
    /// The uid the next create uses instead of drawing one (bootstrap objects that must
    /// not shift the uids and names every later object gets).
    next_uid: Option<String>,
}

impl ApiServer {
    pub fn new(rng: Rng) -> ApiServer {
        ApiServer {
            now: 0,
            rng,
            store: Store::default(),
            services: Default::default(),
            kubelet_stats: Default::default(),
            metrics: Default::default(),
            next_uid: None,
        }
    }

    /// Sets the simulated time used for timestamps.
    pub fn set_now(&mut self, now: Millis) {
        self.now = now;
    }

    /// Gives the next created object this uid (see `next_uid`).
    pub(crate) fn set_next_uid(&mut self, uid: String) {
        self.next_uid = Some(uid);
    }

    pub fn now(&self) -> Millis {
        self.now
    }

    /// The store's current revision (a list's `resourceVersion`).
    pub fn revision(&self) -> Rev {
        self.store.revision()
    }

    pub fn get(&self, kind: Kind, namespace: &str, name: &str) -> Result<Arc<Object>, ApiError> {
        let ns = if kind.info().namespaced {
            namespace
        } else {
            ""
        };
        self.store
            .get(kind, ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(kind, name))
    }

    /// Lists objects (all namespaces when `namespace` is `None`) in key order.
    pub fn list(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        labels: &Selector,
        fields: &FieldSelector,
    ) -> Vec<Arc<Object>> {
        let ns = if kind.info().namespaced {
            namespace
        } else {
            None
        };
        self.store.list(kind, ns, labels, fields)
    }

    /// Starts a watch; see [`Store::watch`].
    pub fn watch(&mut self, filter: WatchFilter, from: Option<Rev>) -> Result<WatchId, ApiError> {
        self.store
            .watch(filter, from)
            .map_err(|Gone { requested, oldest }| ApiError::gone(requested, oldest))
    }

    /// Takes the events queued on a watch.
    pub fn poll(&mut self, id: WatchId) -> Vec<WatchEvent> {
        self.store.poll(id)
    }

    pub fn unwatch(&mut self, id: WatchId) {
        self.store.unwatch(id)
    }

    fn check_namespace(&self, kind: Kind, ns: &str) -> Result<(), ApiError> {
        if !kind.info().namespaced || ns.is_empty() {
            return Ok(());
        }
        match self.store.get(Kind::Namespace, "", ns) {
            None => Err(ApiError::not_found(Kind::Namespace, ns)),
            Some(n) if n.meta().deletion_timestamp.is_some() => Err(ApiError::forbidden(
                kind,
                "",
                format!(
                    "unable to create new content in namespace {ns} because it is being terminated"
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    /// Creates an object (POST): generateName, namespace check, server-set metadata,
    /// defaulting, status reset, validation, store.
    pub fn create(&mut self, mut obj: Object) -> Result<Arc<Object>, ApiError> {
        let kind = obj.kind();
        let info = kind.info();
        if !info.namespaced {
            obj.meta_mut().namespace.clear();
        }
        if !obj.meta().resource_version.is_empty() {
            return Err(ApiError::bad_request(
                "resourceVersion should not be set on objects to be created".into(),
            ));
        }
        if obj.meta().name.is_empty() && !obj.meta().generate_name.is_empty() {
            let base = obj.meta().generate_name.clone();
            // Upstream truncates the base so that the name stays within 63 characters.
            let base: String = base.chars().take(58).collect();
            loop {
                let candidate = format!("{base}{}", self.rng.name_suffix(5));
                if self
                    .store
                    .get(kind, &obj.meta().namespace, &candidate)
                    .is_none()
                {
                    obj.meta_mut().name = candidate;
                    break;
                }
            }
        }
        self.check_namespace(kind, &obj.meta().namespace.clone())?;
        let uid = self.next_uid.take().unwrap_or_else(|| self.rng.uuid());
        let now = Time(self.now / 1000 * 1000);
        {
            let m = obj.meta_mut();
            m.uid = uid;
            m.creation_timestamp = Some(now);
            m.deletion_timestamp = None;
            m.deletion_grace_period_seconds = None;
            m.generation = if info.tracks_generation {
                Some(1)
            } else {
                None
            };
            m.self_link = None;
        }
        prepare_for_create(&mut obj);
        template_generation(&mut obj, None);
        defaults::set_defaults(&mut obj);
        admission::admit_create(&self.store, &mut obj)?;
        let errs = validation::validate_create(&obj);
        if !errs.is_empty() {
            return Err(ApiError::invalid(kind, &obj.meta().name, errs));
        }
        if self
            .store
            .get(kind, &obj.meta().namespace, &obj.meta().name)
            .is_some()
        {
            return Err(ApiError::already_exists(kind, &obj.meta().name));
        }
        if let Object::Service(svc) = &mut obj {
            let name = svc.metadata.name.clone();
            self.services
                .allocate(Arc::make_mut(svc), None, &mut self.rng)
                .map_err(|e| ApiError::invalid(kind, &name, e))?;
        }
        Ok(self.store.put(obj))
    }

    /// Replaces an object (PUT on the main resource). Status changes are ignored for kinds
    /// with a status subresource; `generation` is bumped when anything but metadata and
    /// status changed; a stale `resourceVersion` is a 409 Conflict; an update that changes
    /// nothing writes nothing.
    pub fn update(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.write(obj, false)
    }

    /// Replaces an object's status (PUT on `/status`); everything else is kept from the
    /// stored object.
    pub fn update_status(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.write(obj, true)
    }

    fn write(&mut self, mut obj: Object, status_only: bool) -> Result<Arc<Object>, ApiError> {
        let kind = obj.kind();
        let info = kind.info();
        if !info.namespaced {
            obj.meta_mut().namespace.clear();
        }
        let name = obj.meta().name.clone();
        let old = self
            .store
            .get(kind, &obj.meta().namespace, &name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(kind, &name))?;
        let rv = &obj.meta().resource_version;
        if !rv.is_empty() && *rv != old.meta().resource_version {
            return Err(ApiError::conflict(kind, &name, "the object has been modified; please apply your changes to the latest version and try again"));
        }
        if status_only {
            let mut merged = (*old).clone();
            merged.copy_status_from(&obj);
            // A Deployment's status write also carries its annotations (upstream's
            // status strategy keeps only spec and labels), which is how the
            // controller records `deployment.kubernetes.io/revision`.
            if kind == Kind::Deployment {
                merged.meta_mut().annotations = obj.meta().annotations.clone();
            }
            obj = merged;
        } else {
            {
                let (m, o) = (obj.meta_mut(), old.meta());
                m.uid = o.uid.clone();
                m.creation_timestamp = o.creation_timestamp;
                m.deletion_timestamp = o.deletion_timestamp;
                m.deletion_grace_period_seconds = o.deletion_grace_period_seconds;
                m.generation = o.generation;
                m.self_link = None;
                // Finalizers cannot be added to an object that is being deleted.
                if o.deletion_timestamp.is_some() {
                    m.finalizers.retain(|f| o.finalizers.contains(f));
                }
            }
            if info.has_status {
                obj.copy_status_from(&old);
            }
            defaults::set_defaults(&mut obj);
            if info.tracks_generation && spec_changed(&obj, &old) {
                obj.meta_mut().generation = Some(old.meta().generation.unwrap_or(0) + 1);
            }
            template_generation(&mut obj, Some(&old));
        }
        obj.meta_mut().resource_version = old.meta().resource_version.clone();
        let errs = validation::validate_update(&obj, &old);
        if !errs.is_empty() {
            return Err(ApiError::invalid(kind, &name, errs));
        }
        if obj == *old {
            return Ok(old);
        }
        if let (Object::Service(svc), Object::Service(old_svc)) = (&mut obj, &*old) {
            self.services
                .allocate(Arc::make_mut(svc), Some(old_svc), &mut self.rng)
                .map_err(|e| ApiError::invalid(kind, &name, e))?;
        }
        // `shouldDeleteDuringUpdate`: the last finalizer gone removes the object,
        // unless a graceful deletion (a pod its kubelet is still stopping) is pending.
        if obj.meta().deletion_timestamp.is_some()
            && obj.meta().finalizers.is_empty()
            && obj.meta().deletion_grace_period_seconds.unwrap_or(0) == 0
        {
            let ns = obj.meta().namespace.clone();
            self.store.put(obj);
            return self
                .remove(kind, &ns, &name)
                .ok_or_else(|| ApiError::not_found(kind, &name));
        }
        Ok(self.store.put(obj))
    }

    /// Deletes an object. With finalizers, or for a pod bound to a node with a grace
    /// period, the object only gets its `deletionTimestamp` (graceful deletion); otherwise
    /// it is removed. Deleting a namespace removes its contents.
    pub fn delete(
        &mut self,
        kind: Kind,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Arc<Object>, ApiError> {
        let ns = if kind.info().namespaced {
            namespace
        } else {
            ""
        };
        let old = self
            .store
            .get(kind, ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(kind, name))?;
        if let Some(rv) = &opts.precondition_rv {
            if *rv != old.meta().resource_version {
                return Err(ApiError::conflict(
                    kind,
                    name,
                    &format!("Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}", old.meta().resource_version),
                ));
            }
        }
        let grace = match &*old {
            Object::Pod(p) => {
                let bound = !p.spec.node_name.is_empty();
                let finished = p
                    .status
                    .as_ref()
                    .is_some_and(|s| s.phase == "Succeeded" || s.phase == "Failed");
                if bound && !finished {
                    opts.grace_period_seconds
                        .or(p.spec.termination_grace_period_seconds)
                        .unwrap_or(30)
                        .max(0)
                } else {
                    0
                }
            }
            _ => 0,
        };
        if old.meta().deletion_timestamp.is_some() && grace > 0 && !old.meta().finalizers.is_empty()
        {
            return Ok(old);
        }
        if grace > 0 || !old.meta().finalizers.is_empty() {
            let mut obj = (*old).clone();
            let m = obj.meta_mut();
            if m.deletion_timestamp.is_none()
                || grace < m.deletion_grace_period_seconds.unwrap_or(i64::MAX)
            {
                m.deletion_timestamp = Some(Time(
                    (self.now / 1000).saturating_add(grace).saturating_mul(1000),
                ));
                m.deletion_grace_period_seconds = Some(grace);
            }
            if grace > 0 || !obj.meta().finalizers.is_empty() {
                return Ok(self.store.put(obj));
            }
        }
        if kind == Kind::Namespace {
            self.delete_namespace_contents(name);
        }
        self.remove(kind, ns, name)
            .ok_or_else(|| ApiError::not_found(kind, name))
    }

    /// The `pods/binding` subresource: assigns a pending pod to a node (what the scheduler
    /// calls). Sets `spec.nodeName` and the `PodScheduled=True` condition; refuses a pod
    /// that is already assigned or being deleted.
    pub fn bind(
        &mut self,
        namespace: &str,
        name: &str,
        node: &str,
    ) -> Result<Arc<Object>, ApiError> {
        let cur = self.get(Kind::Pod, namespace, name)?;
        let Object::Pod(p) = &*cur else {
            return Err(ApiError::not_found(Kind::Pod, name));
        };
        let conflict = |why: String| {
            ApiError::new_conflict(format!(
                "Operation cannot be fulfilled on pods/binding {name:?}: {why}"
            ))
        };
        if p.metadata.deletion_timestamp.is_some() {
            return Err(conflict(format!(
                "pod {name} is being deleted, cannot be assigned to a host"
            )));
        }
        if !p.spec.node_name.is_empty() {
            return Err(conflict(format!(
                "pod {name} is already assigned to node {:?}",
                p.spec.node_name
            )));
        }
        let mut p = (**p).clone();
        p.spec.node_name = node.to_string();
        let status = p.status.get_or_insert_with(Default::default);
        let cond = crate::api::core_v1::PodCondition {
            type_: "PodScheduled".into(),
            status: "True".into(),
            last_transition_time: Some(Time(self.now / 1000 * 1000)),
            ..Default::default()
        };
        match status
            .conditions
            .iter_mut()
            .find(|c| c.type_ == "PodScheduled")
        {
            Some(c) => *c = cond,
            None => status.conditions.push(cond),
        }
        Ok(self.store.put(p.into_object()))
    }

    /// Removes an object from the store and releases what it held.
    fn remove(&mut self, kind: Kind, ns: &str, name: &str) -> Option<Arc<Object>> {
        let gone = self.store.remove(kind, ns, name)?;
        if let Object::Service(s) = &*gone {
            self.services.release(s);
        }
        Some(gone)
    }

    /// Removes every namespaced object in `ns` (what the namespace controller does before
    /// the namespace itself goes).
    fn delete_namespace_contents(&mut self, ns: &str) {
        for &k in Kind::ALL.iter().filter(|k| k.info().namespaced) {
            for o in self.store.list(
                k,
                Some(ns),
                &Selector::everything(),
                &FieldSelector::everything(),
            ) {
                self.remove(k, ns, &o.meta().name);
            }
        }
    }
}

/// The annotation through which apps/v1 shows a DaemonSet's template generation.
pub const DAEMONSET_TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

/// The DaemonSet strategy's `templateGeneration`: 1 on create, one more each time the
/// template changes (shown in apps/v1 as an annotation).
fn template_generation(obj: &mut Object, old: Option<&Object>) {
    let Object::DaemonSet(ds) = obj else { return };
    let generation = match old {
        Some(Object::DaemonSet(o)) => {
            let before: i64 = o
                .metadata
                .annotations
                .get(DAEMONSET_TEMPLATE_GENERATION)
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            if o.spec.template != ds.spec.template {
                before + 1
            } else {
                before
            }
        }
        _ => 1,
    };
    Arc::make_mut(ds)
        .metadata
        .annotations
        .insert(DAEMONSET_TEMPLATE_GENERATION.into(), generation.to_string());
}

/// Whether anything but metadata and status differs (the generation rule).
fn spec_changed(new: &Object, old: &Object) -> bool {
    let mut a = new.clone();
    *a.meta_mut() = old.meta().clone();
    a.copy_status_from(old);
    a != *old
}

/// What the registry strategies do to a new object before validation: kinds with a
/// status subresource start with an empty status (Node keeps what its kubelet reports;
/// a Pod starts Pending).
fn prepare_for_create(obj: &mut Object) {
    match obj {
        Object::Node(_) | Object::Namespace(_) => {}
        Object::Pod(p) => {
            let p = Arc::make_mut(p);
            let qos = qos_class(&p.spec).to_string();
            p.status = Some(crate::api::core_v1::PodStatus {
                phase: "Pending".into(),
                qos_class: qos,
                ..Default::default()
            });
        }
        o => {
            if o.kind().info().has_status {
                o.clear_status();
            }
        }
    }
}

/// A pod's QoS class (upstream `GetPodQOS`): BestEffort without any cpu/memory request
/// or limit; Guaranteed when every container limits cpu and memory and requests equal
/// limits; Burstable otherwise.
pub fn qos_class(spec: &crate::api::core_v1::PodSpec) -> &'static str {
    const COMPUTE: [&str; 2] = ["cpu", "memory"];
    let mut any = false;
    let mut guaranteed = true;
    for c in spec.init_containers.iter().chain(spec.containers.iter()) {
        let r = &c.resources;
        for res in COMPUTE {
            let req = r.requests.get(res).map(|q| q.milli_value());
            let lim = r.limits.get(res).map(|q| q.milli_value());
            if req.is_some_and(|v| v != 0) || lim.is_some_and(|v| v != 0) {
                any = true;
            }
            match (req, lim) {
                (_, None) => guaranteed = false,
                (Some(a), Some(b)) if a != b => guaranteed = false,
                _ => {}
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod tests;
