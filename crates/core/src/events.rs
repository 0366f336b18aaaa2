//! Events: what components record about objects (`Successfully assigned ...`,
//! `FailedScheduling`, `Pulling image ...`), written through the API as core/v1 Event
//! objects the way client-go's recorders write them, so `kubectl get events` and
//! `kubectl describe` show them.
//!
//! Two recorders exist upstream and both are reproduced: the legacy one (kubelet,
//! controllers) fills `source`, `firstTimestamp`, `lastTimestamp` and `count`, and folds a
//! repeat of the same event within 10 minutes into the existing object (count + 1); the
//! events.k8s.io one (kube-scheduler) fills `eventTime`, `action`, `reportingComponent`
//! and `reportingInstance`, and records repeats as a `series`.

use crate::api::core_v1::{Event, EventSeries, EventSource, ObjectReference};
use std::collections::{HashMap, VecDeque};

use crate::api::meta::{MicroTime, Time};
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::ApiServer;
use crate::sim::Millis;

/// How long a repeat of the same event is folded into the existing one.
const DEDUP_WINDOW: Millis = 10 * 60 * 1000;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// Who records: a component name (`default-scheduler`, `kubelet`,
/// `deployment-controller`) and, for the legacy recorder, its host. Like client-go's
/// event correlator it remembers the events it wrote (the last 4,096), so a repeat is
/// found without listing events.
#[derive(Clone, Debug)]
pub struct Recorder {
    pub component: String,
    /// The node for kubelets; empty otherwise.
    pub host: String,
    /// events.k8s.io-style events (kube-scheduler) instead of the legacy recorder.
    pub new_api: bool,
    /// `reportingInstance` for new-API events (`default-scheduler-control-plane`).
    pub instance: String,
    /// Event identity (object uid, type, reason, message) -> (namespace, event name).
    seen: HashMap<String, (String, String)>,
    order: VecDeque<String>,
}

/// How many recent events a recorder remembers (client-go's `maxLruCacheEntries`).
const RECORDER_CACHE: usize = 4096;

impl Recorder {
    /// The legacy recorder of a controller or kubelet.
    pub fn legacy(component: &str, host: &str) -> Recorder {
        Recorder {
            component: component.into(),
            host: host.into(),
            new_api: false,
            instance: String::new(),
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The events.k8s.io recorder (kube-scheduler).
    pub fn new_api(component: &str, instance: &str) -> Recorder {
        Recorder {
            component: component.into(),
            host: String::new(),
            new_api: true,
            instance: instance.into(),
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

/// The reference to an object an event is about.
pub fn object_reference(obj: &Object) -> ObjectReference {
    let m = obj.meta();
    ObjectReference {
        kind: obj.kind().info().kind.to_string(),
        namespace: m.namespace.clone(),
        name: m.name.clone(),
        uid: m.uid.clone(),
        api_version: obj.kind().info().api_version(),
        resource_version: m.resource_version.clone(),
        field_path: String::new(),
    }
}

/// Records an event about `involved` at simulated time `now`. Errors from the API (for
/// example a namespace being deleted) are ignored, as client-go's recorder drops them.
#[allow(clippy::too_many_arguments)]
pub fn record(
    api: &mut ApiServer,
    now: Millis,
    rec: &mut Recorder,
    involved: &Object,
    type_: EventType,
    reason: &str,
    action: &str,
    message: &str,
) {
    record_reference(
        api,
        now,
        rec,
        object_reference(involved),
        type_,
        reason,
        action,
        message,
    );
}

/// [`record`] about a part of an object: the kubelet's container events name the
/// container (`spec.containers{web}`), which `kubectl get events -o wide` shows as
/// SUBOBJECT.
#[allow(clippy::too_many_arguments)]
pub fn record_field(
    api: &mut ApiServer,
    now: Millis,
    rec: &mut Recorder,
    involved: &Object,
    field_path: &str,
    type_: EventType,
    reason: &str,
    message: &str,
) {
    let mut reference = object_reference(involved);
    reference.field_path = field_path.to_string();
    record_reference(api, now, rec, reference, type_, reason, "", message);
}

#[allow(clippy::too_many_arguments)]
fn record_reference(
    api: &mut ApiServer,
    now: Millis,
    rec: &mut Recorder,
    reference: crate::api::core_v1::ObjectReference,
    type_: EventType,
    reason: &str,
    action: &str,
    message: &str,
) {
    let ns = if reference.namespace.is_empty() {
        "default".to_string()
    } else {
        reference.namespace.clone()
    };
    let identity = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
        reference.uid,
        reference.field_path,
        type_.as_str(),
        reason,
        message
    );
    if let Some(existing) = find_repeat(api, now, rec, &identity) {
        let mut e = existing;
        if rec.new_api {
            let count = e.series.as_ref().map_or(1, |s| s.count) + 1;
            e.series = Some(EventSeries {
                count,
                last_observed_time: Some(MicroTime(now)),
            });
        } else {
            e.count += 1;
            e.last_timestamp = Some(Time(now / 1000 * 1000));
        }
        let _ = api.update(e.into_object());
        return;
    }
    // client-go names events `<object>.<unix nanos in hex>`; nanos keep names unique.
    let mut nanos = now.saturating_mul(1_000_000);
    let name = loop {
        let candidate = format!("{}.{:x}", reference.name, nanos);
        if api.get(Kind::Event, &ns, &candidate).is_err() {
            break candidate;
        }
        nanos += 1;
    };
    let mut e = Event {
        metadata: ObjectMeta {
            name: name.clone(),
            namespace: ns.clone(),
            ..Default::default()
        },
        involved_object: reference,
        reason: reason.into(),
        message: message.into(),
        type_: type_.as_str().into(),
        ..Default::default()
    };
    if rec.new_api {
        e.event_time = Some(MicroTime(now));
        e.action = action.into();
        e.reporting_component = rec.component.clone();
        e.reporting_instance = rec.instance.clone();
    } else {
        let t = Time(now / 1000 * 1000);
        e.source = EventSource {
            component: rec.component.clone(),
            host: rec.host.clone(),
        };
        e.first_timestamp = Some(t);
        e.last_timestamp = Some(t);
        e.count = 1;
        e.reporting_component = rec.component.clone();
        e.reporting_instance = rec.host.clone();
    }
    if api.create(e.into_object()).is_ok() {
        rec.remember(identity, ns, name);
    }
}

/// The event this one repeats: the one this recorder last wrote for the same object,
/// type, reason and message, if it still exists and was seen within the window.
fn find_repeat(api: &ApiServer, now: Millis, rec: &Recorder, identity: &str) -> Option<Event> {
    let (ns, name) = rec.seen.get(identity)?;
    match api.get(Kind::Event, ns, name).ok().as_deref() {
        Some(Object::Event(e)) if last_seen(e).is_some_and(|t| now - t <= DEDUP_WINDOW) => {
            Some((**e).clone())
        }
        _ => None,
    }
}

impl Recorder {
    fn remember(&mut self, identity: String, ns: String, name: String) {
        if self.seen.insert(identity.clone(), (ns, name)).is_none() {
            self.order.push_back(identity);
            while self.order.len() > RECORDER_CACHE {
                if let Some(old) = self.order.pop_front() {
                    self.seen.remove(&old);
                }
            }
        }
    }
}

/// When an event was last seen: series, lastTimestamp or eventTime.
pub fn last_seen(e: &Event) -> Option<Millis> {
    e.series
        .as_ref()
        .and_then(|s| s.last_observed_time.map(|t| t.0))
        .or(e.last_timestamp.map(|t| t.0))
        .or(e.event_time.map(|t| t.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::fields::FieldSelector;
    use crate::api::labels::Selector;
    use crate::sim::{Cluster, ClusterConfig};

    fn events(c: &Cluster) -> Vec<Event> {
        c.api
            .list(
                Kind::Event,
                Some("default"),
                &Selector::everything(),
                &FieldSelector::everything(),
            )
            .iter()
            .filter_map(|o| match &**o {
                Object::Event(e) => Some((**e).clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn legacy_events_fold_repeats_into_a_count() {
        let mut c = Cluster::new(ClusterConfig::default());
        let svc = c.api.get(Kind::Service, "default", "kubernetes").unwrap();
        let mut rec = Recorder::legacy("kubelet", "node-1");
        let now = c.now();
        record(
            &mut c.api,
            now,
            &mut rec,
            &svc,
            EventType::Warning,
            "BackOff",
            "",
            "Back-off restarting failed container",
        );
        record(
            &mut c.api,
            now + 10_000,
            &mut rec,
            &svc,
            EventType::Warning,
            "BackOff",
            "",
            "Back-off restarting failed container",
        );
        let ev = events(&c);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].count, 2);
        assert_eq!(ev[0].source.host, "node-1");
        assert_eq!(
            ev[0].last_timestamp.unwrap().0 - ev[0].first_timestamp.unwrap().0,
            10_000
        );
        assert!(ev[0].metadata.name.starts_with("kubernetes."));
        // After the window a new event object starts.
        record(
            &mut c.api,
            now + DEDUP_WINDOW + 20_000,
            &mut rec,
            &svc,
            EventType::Warning,
            "BackOff",
            "",
            "Back-off restarting failed container",
        );
        assert_eq!(events(&c).len(), 2);
    }

    #[test]
    fn new_api_events_keep_a_series() {
        let mut c = Cluster::new(ClusterConfig::default());
        let svc = c.api.get(Kind::Service, "default", "kubernetes").unwrap();
        let mut rec = Recorder::new_api("default-scheduler", "default-scheduler-control-plane");
        let now = c.now();
        record(
            &mut c.api,
            now,
            &mut rec,
            &svc,
            EventType::Warning,
            "FailedScheduling",
            "Scheduling",
            "0/4 nodes are available",
        );
        record(
            &mut c.api,
            now + 1_000,
            &mut rec,
            &svc,
            EventType::Warning,
            "FailedScheduling",
            "Scheduling",
            "0/4 nodes are available",
        );
        let ev = events(&c);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].series.as_ref().map(|s| s.count), Some(2));
        assert_eq!(ev[0].action, "Scheduling");
        assert_eq!(ev[0].first_timestamp, None);
        let out =
            crate::shell::Shell::new(ClusterConfig::default()).exec("kubectl get events", None);
        assert_eq!(out, "No resources found in default namespace.\n");
    }
}
