//! The HorizontalPodAutoscaler controller (`pkg/controller/podautoscaler`), for
//! `autoscaling/v2` HPAs scaling a Deployment, ReplicaSet, StatefulSet or
//! ReplicationController.
//!
//! Each HPA is reconciled 15 s after it appears and then every 15 s
//! (`--horizontal-pod-autoscaler-sync-period`; upstream's queue adds every key with that
//! delay). A reconcile reads the target's scale (`spec.replicas` and its selector), the
//! target's pods through the label index, and their resource metrics from the metrics
//! API as of metrics-server's last scrape ([`crate::metrics::pod_metrics`]); the replica
//! calculator ([`replica_calculator`]) turns each `Resource` metric (cpu or memory,
//! `Utilization` of the pods' requests or `AverageValue`) into a replica count and the
//! largest wins. Then, as upstream:
//!
//! - a target at 0 replicas is left alone (`ScalingDisabled`); one above `maxReplicas` or
//!   below `minReplicas` (default 1) is brought within them;
//! - without `spec.behavior`: recommendations of the last 5 minutes are kept and the
//!   highest applies (`ScaleDownStabilized`), and one sync scales up to at most
//!   `max(2 * current, 4)` (`ScaleUpLimit`);
//! - with `spec.behavior` (the API server fills in the defaults: up 100% or 4 pods per
//!   15 s with no stabilization, down 100% per 15 s with the 300 s window): stabilization
//!   windows both ways, `Pods`/`Percent` policies over their `periodSeconds` counted from
//!   the scale events this controller made, `selectPolicy` `Max`, `Min` or `Disabled`;
//! - the new size goes to the target's `spec.replicas` (`SuccessfulRescale`
//!   `New size: 4; reason: cpu resource utilization (percentage of request) above
//!   target`), and the status gets currentReplicas, desiredReplicas, lastScaleTime,
//!   currentMetrics and the AbleToScale, ScalingActive and ScalingLimited conditions with
//!   upstream's reasons and messages; failures are events (`FailedGetScale`,
//!   `FailedGetResourceMetric`, `FailedComputeMetricsReplicas`) and conditions.
//!
//! `ContainerResource` metrics work as `Resource` ones over one container's requests and
//! usage. `Pods`, `Object` and `External` metrics need a custom or external metrics API,
//! which the cluster does not serve: they fail as upstream does when none is registered
//! (`no custom metrics API (custom.metrics.k8s.io) registered`).

pub mod replica_calculator;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::autoscaling::{
    ContainerResourceMetricStatus, HPAScalingRules, HorizontalPodAutoscaler,
    HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus,
    MetricValueStatus, ResourceMetricStatus,
};
use crate::api::core_v1::Pod;
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::Time;
use crate::api::{Kind, Object, Quantity, Resource};
use crate::apiserver::store::{EventType as WatchType, WatchFilter, WatchId};
use crate::apiserver::ApiServer;
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};
use replica_calculator::{PodMetric, PodMetrics};

/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD_MS: Millis = 15_000;
/// `--horizontal-pod-autoscaler-downscale-stabilization`.
pub const DOWNSCALE_STABILIZATION_MS: Millis = 5 * 60 * 1000;

type Key = (String, String);

#[derive(Clone, Copy, Debug)]
struct ScaleEvent {
    change: i32,
    at: Millis,
}

pub struct HorizontalController {
    hpas: Option<WatchId>,
    recorder: Recorder,
    /// When each HPA is next reconciled, and the same as a queue.
    due: BTreeMap<Key, Millis>,
    queue: BTreeSet<(Millis, Key)>,
    /// Recent recommendations: (replicas, time).
    recommendations: BTreeMap<Key, Vec<(i32, Millis)>>,
    scale_up_events: BTreeMap<Key, Vec<ScaleEvent>>,
    scale_down_events: BTreeMap<Key, Vec<ScaleEvent>>,
}

impl Default for HorizontalController {
    fn default() -> Self {
        HorizontalController {
            hpas: None,
            recorder: Recorder::legacy("horizontal-pod-autoscaler", ""),
            due: BTreeMap::new(),
            queue: BTreeSet::new(),
            recommendations: BTreeMap::new(),
            scale_up_events: BTreeMap::new(),
            scale_down_events: BTreeMap::new(),
        }
    }
}

/// The target's scale subresource.
struct Scale {
    obj: Arc<Object>,
    spec_replicas: i32,
    /// `status.selector`: the selector as a string (empty when the target has none).
    selector: String,
}

/// `GET .../<target>/scale`.
fn get_scale(api: &ApiServer, ns: &str, h: &HorizontalPodAutoscaler) -> Result<Scale, String> {
    let r = &h.spec.scale_target_ref;
    let group = match r.api_version.split_once('/') {
        Some((g, _)) => g,
        None => "",
    };
    let kind = match (group, r.kind.as_str()) {
        ("apps", "Deployment") => Kind::Deployment,
        ("apps", "ReplicaSet") => Kind::ReplicaSet,
        ("apps", "StatefulSet") => Kind::StatefulSet,
        ("", "ReplicationController") => Kind::ReplicationController,
        (g, k) => {
            return Err(match Kind::for_type(&r.api_version, k) {
                Some(_) => "the server could not find the requested resource".into(),
                None => format!("no matches for kind {k:?} in group {g:?}"),
            })
        }
    };
    let obj = api.get(kind, ns, &r.name).map_err(|e| e.message)?;
    let label_selector = |s: Option<&crate::api::LabelSelector>| {
        s.and_then(|s| Selector::from_label_selector(s).ok())
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let (spec_replicas, selector) = match &*obj {
        Object::Deployment(d) => (
            d.spec.replicas.unwrap_or(1),
            label_selector(d.spec.selector.as_ref()),
        ),
        Object::ReplicaSet(d) => (
            d.spec.replicas.unwrap_or(1),
            label_selector(d.spec.selector.as_ref()),
        ),
        Object::StatefulSet(d) => (
            d.spec.replicas.unwrap_or(1),
            label_selector(d.spec.selector.as_ref()),
        ),
        Object::ReplicationController(rc) => (
            rc.spec.replicas.unwrap_or(1),
            if rc.spec.selector.is_empty() {
                String::new()
            } else {
                Selector::from_set(&rc.spec.selector).to_string()
            },
        ),
        _ => return Err("the server could not find the requested resource".into()),
    };
    Ok(Scale {
        obj,
        spec_replicas,
        selector,
    })
}

/// `PUT .../<target>/scale`: the target with `spec.replicas` set.
fn update_scale(api: &mut ApiServer, obj: &Object, replicas: i32) -> Result<(), String> {
    let mut o = obj.clone();
    match &mut o {
        Object::Deployment(d) => Arc::make_mut(d).spec.replicas = Some(replicas),
        Object::ReplicaSet(d) => Arc::make_mut(d).spec.replicas = Some(replicas),
        Object::StatefulSet(d) => Arc::make_mut(d).spec.replicas = Some(replicas),
        Object::ReplicationController(d) => Arc::make_mut(d).spec.replicas = Some(replicas),
        _ => return Err("the server could not find the requested resource".into()),
    }
    api.update(o).map(|_| ()).map_err(|e| e.message)
}

/// `setCondition`: sets a condition, moving its transition time only when its status
/// changes; new conditions go last.
fn set_condition(
    st: &mut HorizontalPodAutoscalerStatus,
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: Millis,
) {
    match st.conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            if c.status != status {
                c.last_transition_time = Some(Time(now));
            }
            c.status = status.into();
            c.reason = reason.into();
            c.message = message.into();
        }
        None => st.conditions.push(HorizontalPodAutoscalerCondition {
            type_: type_.into(),
            status: status.into(),
            last_transition_time: Some(Time(now)),
            reason: reason.into(),
            message: message.into(),
        }),
    }
}

/// `resource.NewMilliQuantity(v, DecimalSI)`.
fn milli_quantity(v: i64) -> Option<Quantity> {
    let q = Quantity::parse(&format!("{v}m")).ok()?;
    Quantity::parse(&q.canonical()).ok()
}

/// A failed metric: the ScalingActive condition it would set and the error.
struct MetricError {
    reason: &'static str,
    message: String,
    error: String,
}

const NO_CUSTOM_METRICS: &str = "no custom metrics API (custom.metrics.k8s.io) registered";

/// A metric spec whose source is missing (validation keeps these out).
fn invalid_source(spec: &MetricSpec) -> MetricError {
    let e = format!("unknown metric source type {:?}", spec.type_);
    MetricError {
        reason: "InvalidMetricSourceType",
        message: format!("the HPA was unable to compute the replica count: {e}"),
        error: e,
    }
}

/// A `*metav1.LabelSelector` as Go's `%v` prints it (`nil`, or its generated String()).
fn go_label_selector(s: Option<&crate::api::LabelSelector>) -> String {
    let Some(s) = s else { return "nil".into() };
    let labels: String = s
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}: {v},"))
        .collect();
    let exprs: String = s
        .match_expressions
        .iter()
        .map(|e| {
            format!(
                "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
                e.key,
                e.operator,
                e.values.join(" ")
            )
        })
        .collect();
    format!(
        "&LabelSelector{{MatchLabels:map[string]string{{{labels}}},MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}"
    )
}

/// `calculateScaleUpLimit`.
fn scale_up_limit(current: i32) -> i32 {
    current.saturating_mul(2).max(4)
}

/// `getReplicasChangePerPeriod`.
fn change_in_period(events: &[ScaleEvent], period_s: i32, now: Millis) -> i32 {
    let cutoff = now.saturating_sub(Millis::from(period_s).saturating_mul(1000));
    events
        .iter()
        .filter(|e| e.at > cutoff)
        .fold(0i32, |a, e| a.saturating_add(e.change))
}

impl HorizontalController {
    pub fn new() -> Self {
        Self::default()
    }

    fn schedule(&mut self, key: Key, at: Millis) {
        if let Some(old) = self.due.insert(key.clone(), at) {
            self.queue.remove(&(old, key.clone()));
        }
        self.queue.insert((at, key));
    }

    fn forget(&mut self, key: &Key) {
        if let Some(old) = self.due.remove(key) {
            self.queue.remove(&(old, key.clone()));
        }
        self.recommendations.remove(key);
        self.scale_up_events.remove(key);
        self.scale_down_events.remove(key);
    }

    fn event(
        &mut self,
        ctx: &mut ComponentCtx,
        hpa: &Object,
        type_: EventType,
        reason: &str,
        msg: &str,
    ) {
        events::record(
            ctx.api,
            ctx.now,
            &mut self.recorder,
            hpa,
            type_,
            reason,
            "",
            msg,
        );
    }

    /// The target's pods and their metrics for `resource` (of the pods, or of one
    /// container: `getContainerMetrics`), in milli-units.
    fn pods_and_metrics(
        api: &ApiServer,
        ns: &str,
        selector: &Selector,
        resource: &str,
        container: Option<&str>,
    ) -> Result<(Vec<Arc<Pod>>, PodMetrics), String> {
        let mut pods = Vec::new();
        let mut metrics = PodMetrics::new();
        for o in api.list(Kind::Pod, Some(ns), selector, &FieldSelector::default()) {
            let Object::Pod(p) = &*o else { continue };
            if let Some(m) = crate::metrics::pod_metrics(api, ns, &p.metadata.name) {
                let (cpu, memory) = match container {
                    None => (m.cpu_nanocores(), m.memory_bytes()),
                    Some(c) => match m.containers.iter().find(|u| u.name == c) {
                        Some(u) => (u.cpu_nanocores, u.memory_bytes),
                        None => {
                            return Err(format!(
                                "failed to get container metrics: container {c} not present in metrics for pod {ns}/{}",
                                p.metadata.name
                            ))
                        }
                    },
                };
                let value = match resource {
                    // MilliValue of the nanocores, rounded up.
                    "cpu" => cpu.saturating_add(999_999) / 1_000_000,
                    "memory" => memory.saturating_mul(1000),
                    _ => continue,
                };
                metrics.insert(
                    p.metadata.name.clone(),
                    PodMetric {
                        value,
                        timestamp: m.timestamp,
                        window: m.window,
                    },
                );
            }
            pods.push(p.clone());
        }
        Ok((pods, metrics))
    }

    /// `computeStatusForResourceMetricGeneric`: (replicas, metric name, current value).
    fn resource_metric(
        ctx: &ComponentCtx,
        ns: &str,
        selector: &Selector,
        current: i32,
        name: &str,
        target: &crate::api::autoscaling::MetricTarget,
        container: Option<&str>,
    ) -> Result<(i32, String, MetricValueStatus), String> {
        let fetched = Self::pods_and_metrics(ctx.api, ns, selector, name, container)
            .map_err(|e| format!("unable to get metrics for resource {name}: {e}"));
        if let Some(avg) = &target.average_value {
            let (pods, metrics) =
                fetched.map_err(|e| format!("failed to get {name} usage: {e}"))?;
            let p = replica_calculator::raw_resource_replicas(
                current,
                avg.milli_value(),
                name,
                &pods,
                &metrics,
                ctx.now,
            )
            .map_err(|e| format!("failed to get {name} usage: {e}"))?;
            return Ok((
                p.replicas,
                format!("{name} resource"),
                MetricValueStatus {
                    average_value: milli_quantity(p.raw),
                    ..Default::default()
                },
            ));
        }
        let Some(u) = target.average_utilization else {
            return Err("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set".into());
        };
        let (pods, metrics) =
            fetched.map_err(|e| format!("failed to get {name} utilization: {e}"))?;
        let p = replica_calculator::resource_replicas(
            current, u, name, container, &pods, &metrics, ctx.now,
        )
        .map_err(|e| format!("failed to get {name} utilization: {e}"))?;
        let metric = match container {
            None => format!("{name} resource utilization (percentage of request)"),
            Some(_) => format!("{name} container resource utilization (percentage of request)"),
        };
        Ok((
            p.replicas,
            metric,
            MetricValueStatus {
                value: None,
                average_value: milli_quantity(p.raw),
                average_utilization: p.utilization,
            },
        ))
    }

    /// `computeReplicasForMetric` for one spec: (replicas, metric name, status).
    fn replicas_for_metric(
        &mut self,
        ctx: &mut ComponentCtx,
        hpa: &Object,
        spec: &MetricSpec,
        current: i32,
        selector: &Selector,
    ) -> Result<(i32, String, MetricStatus), MetricError> {
        let ns = hpa.meta().namespace.clone();
        // The event and condition carry the calculator's error; the error returned (for
        // FailedComputeMetricsReplicas) is wrapped as `computeReplicasForMetric` does.
        let fail = |this: &mut Self,
                    ctx: &mut ComponentCtx,
                    reason: &'static str,
                    e: String,
                    error: String| {
            this.event(ctx, hpa, EventType::Warning, reason, &e);
            MetricError {
                reason,
                message: format!("the HPA was unable to compute the replica count: {e}"),
                error,
            }
        };
        match spec.type_.as_str() {
            "Resource" => {
                let Some(res) = &spec.resource else {
                    return Err(invalid_source(spec));
                };
                match Self::resource_metric(
                    ctx,
                    &ns,
                    selector,
                    current,
                    &res.name,
                    &res.target,
                    None,
                ) {
                    Ok((r, metric, value)) => Ok((
                        r,
                        metric,
                        MetricStatus {
                            type_: "Resource".into(),
                            resource: Some(ResourceMetricStatus {
                                name: res.name.clone(),
                                current: value,
                            }),
                            ..Default::default()
                        },
                    )),
                    Err(e) => {
                        let error =
                            format!("failed to get {} resource metric value: {e}", res.name);
                        Err(fail(self, ctx, "FailedGetResourceMetric", e, error))
                    }
                }
            }
            "ContainerResource" => {
                let Some(res) = &spec.container_resource else {
                    return Err(invalid_source(spec));
                };
                match Self::resource_metric(
                    ctx,
                    &ns,
                    selector,
                    current,
                    &res.name,
                    &res.target,
                    Some(&res.container),
                ) {
                    Ok((r, metric, value)) => Ok((
                        r,
                        metric,
                        MetricStatus {
                            type_: "ContainerResource".into(),
                            container_resource: Some(ContainerResourceMetricStatus {
                                name: res.name.clone(),
                                current: value,
                                container: res.container.clone(),
                            }),
                            ..Default::default()
                        },
                    )),
                    Err(e) => {
                        let error = format!(
                            "failed to get {} container metric value: {e}",
                            res.container
                        );
                        Err(fail(
                            self,
                            ctx,
                            "FailedGetContainerResourceMetric",
                            e,
                            error,
                        ))
                    }
                }
            }
            // No custom or external metrics API is registered in this cluster.
            "Pods" => {
                let name = spec.pods.as_ref().map_or("", |p| p.metric.name.as_str());
                let e = format!("unable to get metric {name}: unable to fetch metrics from custom metrics API: {NO_CUSTOM_METRICS}");
                let error = format!("failed to get pods metric value: {e}");
                Err(fail(self, ctx, "FailedGetPodsMetric", e, error))
            }
            "Object" => {
                let Some(o) = &spec.object else {
                    return Err(invalid_source(spec));
                };
                let name = &o.metric.name;
                let e = format!(
                    "unable to get metric {name}: {} on {ns} {}/unable to fetch metrics from custom metrics API: {NO_CUSTOM_METRICS}",
                    o.described_object.kind, o.described_object.name
                );
                let error = if o.target.type_ == "AverageValue" {
                    format!("failed to get object metric value: failed to get {name} object metric: {e}")
                } else {
                    format!("failed to get object metric value: {e}")
                };
                Err(fail(self, ctx, "FailedGetObjectMetric", e, error))
            }
            "External" => {
                let Some(x) = &spec.external else {
                    return Err(invalid_source(spec));
                };
                let name = &x.metric.name;
                let e = format!(
                    "unable to get external metric {ns}/{name}/{}: unable to fetch metrics from external metrics API: no external metrics API (external.metrics.k8s.io) registered",
                    go_label_selector(x.metric.selector.as_ref())
                );
                let error = if x.target.average_value.is_some() {
                    format!("failed to get {name} external metric value: failed to get {name} external metric: {e}")
                } else {
                    format!("failed to get {name} external metric value: {e}")
                };
                Err(fail(self, ctx, "FailedGetExternalMetric", e, error))
            }
            other => {
                let e = format!("unknown metric source type {other:?}");
                self.event(ctx, hpa, EventType::Warning, "InvalidMetricSourceType", &e);
                Err(MetricError {
                    reason: "InvalidMetricSourceType",
                    message: format!("the HPA was unable to compute the replica count: {e}"),
                    error: e,
                })
            }
        }
    }

    /// `stabilizeRecommendation` (no behavior): the highest recommendation of the last
    /// 5 minutes.
    fn stabilize(&mut self, key: &Key, desired: i32, now: Millis) -> i32 {
        let recs = self.recommendations.entry(key.clone()).or_default();
        let cutoff = now - DOWNSCALE_STABILIZATION_MS;
        let mut max = desired;
        let mut old = None;
        for (i, (r, at)) in recs.iter().enumerate() {
            if *at < cutoff {
                old = Some(i);
            } else if *r > max {
                max = *r;
            }
        }
        match old {
            Some(i) => recs[i] = (desired, now),
            None => recs.push((desired, now)),
        }
        max
    }

    /// `stabilizeRecommendationWithBehaviors`: (recommendation, reason, message).
    fn stabilize_with_behaviors(
        &mut self,
        key: &Key,
        current: i32,
        desired: i32,
        up: &HPAScalingRules,
        down: &HPAScalingRules,
        now: Millis,
    ) -> (i32, &'static str, &'static str) {
        let up_cutoff = now - Millis::from(up.stabilization_window_seconds.unwrap_or(0)) * 1000;
        let down_window = down
            .stabilization_window_seconds
            .map_or(DOWNSCALE_STABILIZATION_MS, |s| Millis::from(s) * 1000);
        let down_cutoff = now - down_window;
        let (mut up_rec, mut down_rec) = (desired, desired);
        let recs = self.recommendations.entry(key.clone()).or_default();
        let mut old = None;
        for (i, (r, at)) in recs.iter().enumerate() {
            if *at > up_cutoff {
                up_rec = up_rec.min(*r);
            }
            if *at > down_cutoff {
                down_rec = down_rec.max(*r);
            }
            if *at < up_cutoff && *at < down_cutoff {
                old = Some(i);
            }
        }
        let mut rec = current;
        if rec < up_rec {
            rec = up_rec;
        }
        if rec > down_rec {
            rec = down_rec;
        }
        match old {
            Some(i) => recs[i] = (desired, now),
            None => recs.push((desired, now)),
        }
        if desired >= current {
            (
                rec,
                "ScaleUpStabilized",
                "recent recommendations were lower than current one, applying the lowest recent recommendation",
            )
        } else {
            (
                rec,
                "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation",
            )
        }
    }

    /// `calculateScaleUpLimitWithScalingRules` / `calculateScaleDownLimitWithBehaviors`.
    fn policy_limit(
        &self,
        key: &Key,
        current: i32,
        rules: &HPAScalingRules,
        up: bool,
        now: Millis,
    ) -> i32 {
        let select = rules.select_policy.as_deref().unwrap_or("Max");
        if select == "Disabled" {
            return current;
        }
        let none = Vec::new();
        let ups = self.scale_up_events.get(key).unwrap_or(&none);
        let downs = self.scale_down_events.get(key).unwrap_or(&none);
        // For a scale-up the Max policy allows the largest size; for a scale-down the
        // smallest.
        let take_max = (select != "Min") == up;
        let mut result = if take_max { i32::MIN } else { i32::MAX };
        for p in &rules.policies {
            let start = current
                .saturating_sub(change_in_period(ups, p.period_seconds, now))
                .saturating_add(change_in_period(downs, p.period_seconds, now));
            let proposed = match (p.type_.as_str(), up) {
                ("Pods", true) => start.saturating_add(p.value),
                ("Pods", false) => start.saturating_sub(p.value),
                ("Percent", true) => {
                    (f64::from(start) * (1.0 + f64::from(p.value) / 100.0)).ceil() as i32
                }
                ("Percent", false) => {
                    (f64::from(start) * (1.0 - f64::from(p.value) / 100.0)) as i32
                }
                _ => continue,
            };
            result = if take_max {
                result.max(proposed)
            } else {
                result.min(proposed)
            };
        }
        result
    }

    /// `storeScaleEvent`: remembers a change for the policies' periods (with behavior).
    fn store_scale_event(
        &mut self,
        key: &Key,
        h: &HorizontalPodAutoscaler,
        prev: i32,
        new: i32,
        now: Millis,
    ) {
        let Some(b) = &h.spec.behavior else { return };
        let (events, rules) = if new > prev {
            (
                self.scale_up_events.entry(key.clone()).or_default(),
                b.scale_up.as_ref(),
            )
        } else {
            (
                self.scale_down_events.entry(key.clone()).or_default(),
                b.scale_down.as_ref(),
            )
        };
        let longest = rules
            .map(|r| {
                r.policies
                    .iter()
                    .map(|p| p.period_seconds)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        let cutoff = now - Millis::from(longest) * 1000;
        events.retain(|e| e.at > cutoff);
        events.push(ScaleEvent {
            change: (new - prev).abs(),
            at: now,
        });
    }

    fn reconcile(&mut self, ctx: &mut ComponentCtx, key: &Key) -> bool {
        let Ok(obj) = ctx.api.get(Kind::HorizontalPodAutoscaler, &key.0, &key.1) else {
            return false;
        };
        let Object::HorizontalPodAutoscaler(h) = &*obj else {
            return false;
        };
        let h = h.clone();
        let now = ctx.now;
        let original = h.status.clone().unwrap_or_default();
        let mut st = original.clone();
        let write_status = |ctx: &mut ComponentCtx, st: HorizontalPodAutoscalerStatus| {
            if h.status.as_ref() != Some(&st) {
                let mut n = (*h).clone();
                n.status = Some(st);
                let _ = ctx.api.update_status(n.into_object());
            }
        };
        // recordInitialRecommendation happens once the scale is known.
        let scale = match get_scale(ctx.api, &key.0, &h) {
            Ok(s) => s,
            Err(e) => {
                self.event(ctx, &obj, EventType::Warning, "FailedGetScale", &e);
                set_condition(
                    &mut st,
                    "AbleToScale",
                    "False",
                    "FailedGetScale",
                    &format!(
                        "the HPA controller was unable to get the target's current scale: {e}"
                    ),
                    now,
                );
                write_status(ctx, st);
                return true;
            }
        };
        set_condition(
            &mut st,
            "AbleToScale",
            "True",
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
            now,
        );
        let current = scale.spec_replicas;
        self.recommendations
            .entry(key.clone())
            .or_insert_with(|| vec![(current, now)]);
        let min_replicas = h.spec.min_replicas.unwrap_or(1);
        let max_replicas = h.spec.max_replicas;
        let mut desired = 0;
        let mut reason = String::new();
        let mut statuses: Vec<MetricStatus> = Vec::new();
        let rescale;
        if current == 0 && min_replicas != 0 {
            rescale = false;
            set_condition(
                &mut st,
                "ScalingActive",
                "False",
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
                now,
            );
        } else if current > max_replicas {
            reason = "Current number of replicas above Spec.MaxReplicas".into();
            desired = max_replicas;
            rescale = true;
        } else if current < min_replicas {
            reason = "Current number of replicas below Spec.MinReplicas".into();
            desired = min_replicas;
            rescale = true;
        } else {
            // computeReplicasForMetrics.
            let selector = if scale.selector.is_empty() {
                self.event(
                    ctx,
                    &obj,
                    EventType::Warning,
                    "SelectorRequired",
                    "selector is required",
                );
                set_condition(
                    &mut st,
                    "ScalingActive",
                    "False",
                    "InvalidSelector",
                    "the HPA target's scale is missing a selector",
                    now,
                );
                None
            } else {
                match Selector::parse(&scale.selector) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        self.event(ctx, &obj, EventType::Warning, "InvalidSelector", &e);
                        set_condition(
                            &mut st,
                            "ScalingActive",
                            "False",
                            "InvalidSelector",
                            &format!("the HPA target's scale has an invalid selector: {e}"),
                            now,
                        );
                        None
                    }
                }
            };
            let Some(selector) = selector else {
                st.current_replicas = current;
                st.current_metrics = Vec::new();
                write_status(ctx, st);
                self.event(
                    ctx,
                    &obj,
                    EventType::Warning,
                    "FailedComputeMetricsReplicas",
                    "selector is required",
                );
                return true;
            };
            let n = h.spec.metrics.len();
            statuses = vec![MetricStatus::default(); n];
            let mut replicas = 0;
            let mut metric = String::new();
            let mut invalid = 0;
            let mut first: Option<MetricError> = None;
            for (i, spec) in h.spec.metrics.iter().enumerate() {
                match self.replicas_for_metric(ctx, &obj, spec, current, &selector) {
                    Ok((r, m, s)) => {
                        statuses[i] = s;
                        if replicas == 0 || r > replicas {
                            replicas = r;
                            metric = m;
                        }
                    }
                    Err(e) => {
                        invalid += 1;
                        if first.is_none() {
                            first = Some(e);
                        }
                    }
                }
            }
            let error = first.as_ref().map(|e| {
                format!(
                    "invalid metrics ({invalid} invalid out of {n}), first error is: {}",
                    e.error
                )
            });
            if invalid >= n || (invalid > 0 && replicas < current) {
                if let Some(e) = &first {
                    set_condition(&mut st, "ScalingActive", "False", e.reason, &e.message, now);
                }
                st.current_replicas = current;
                st.current_metrics = statuses;
                write_status(ctx, st);
                self.event(
                    ctx,
                    &obj,
                    EventType::Warning,
                    "FailedComputeMetricsReplicas",
                    error.as_deref().unwrap_or(""),
                );
                return true;
            }
            set_condition(
                &mut st,
                "ScalingActive",
                "True",
                "ValidMetricFound",
                &format!(
                    "the HPA was able to successfully calculate a replica count from {metric}"
                ),
                now,
            );
            let mut rescale_metric = String::new();
            if replicas > desired {
                desired = replicas;
                rescale_metric = metric;
            }
            if desired > current {
                reason = format!("{rescale_metric} above target");
            }
            if desired < current {
                reason = "All metrics below target".into();
            }
            desired = match &h.spec.behavior {
                None => {
                    let stabilized = self.stabilize(key, desired, now);
                    if stabilized != desired {
                        set_condition(&mut st, "AbleToScale", "True", "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation", now);
                    } else {
                        set_condition(
                            &mut st,
                            "AbleToScale",
                            "True",
                            "ReadyForNewScale",
                            "recommended size matches current size",
                            now,
                        );
                    }
                    // convertDesiredReplicasWithRules.
                    let up_limit = scale_up_limit(current);
                    let (max_allowed, mut cond, mut msg) = if max_replicas > up_limit {
                        (up_limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                    } else {
                        (
                            max_replicas,
                            "TooManyReplicas",
                            "the desired replica count is more than the maximum replica count",
                        )
                    };
                    let result = if stabilized < min_replicas {
                        cond = "TooFewReplicas";
                        msg = "the desired replica count is less than the minimum replica count";
                        min_replicas
                    } else if stabilized > max_allowed {
                        max_allowed
                    } else {
                        cond = "DesiredWithinRange";
                        msg = "the desired count is within the acceptable range";
                        stabilized
                    };
                    let limited = if result == stabilized {
                        "False"
                    } else {
                        "True"
                    };
                    set_condition(&mut st, "ScalingLimited", limited, cond, msg, now);
                    result
                }
                Some(b) => {
                    let up = b.scale_up.clone().unwrap_or_default();
                    let down = b.scale_down.clone().unwrap_or_default();
                    let (stabilized, r, m) =
                        self.stabilize_with_behaviors(key, current, desired, &up, &down, now);
                    if stabilized != desired {
                        set_condition(&mut st, "AbleToScale", "True", r, m, now);
                    } else {
                        set_condition(
                            &mut st,
                            "AbleToScale",
                            "True",
                            "ReadyForNewScale",
                            "recommended size matches current size",
                            now,
                        );
                    }
                    // convertDesiredReplicasWithBehaviorRate.
                    let mut out = (
                        stabilized,
                        "DesiredWithinRange",
                        "the desired count is within the acceptable range",
                    );
                    if stabilized > current {
                        let limit = self.policy_limit(key, current, &up, true, now).max(current);
                        let (max_allowed, c, m) = if max_replicas > limit {
                            (limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                        } else {
                            (
                                max_replicas,
                                "TooManyReplicas",
                                "the desired replica count is more than the maximum replica count",
                            )
                        };
                        if stabilized > max_allowed {
                            out = (max_allowed, c, m);
                        }
                    } else if stabilized < current {
                        let limit = self
                            .policy_limit(key, current, &down, false, now)
                            .min(current);
                        let (min_allowed, c, m) = if min_replicas < limit {
                            (limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                        } else {
                            (
                                min_replicas,
                                "TooFewReplicas",
                                "the desired replica count is less than the minimum replica count",
                            )
                        };
                        if stabilized < min_allowed {
                            out = (min_allowed, c, m);
                        }
                    }
                    let limited = if out.0 == stabilized { "False" } else { "True" };
                    set_condition(&mut st, "ScalingLimited", limited, out.1, out.2, now);
                    out.0
                }
            };
            rescale = desired != current;
        }
        if rescale {
            if let Err(e) = update_scale(ctx.api, &scale.obj, desired) {
                self.event(
                    ctx,
                    &obj,
                    EventType::Warning,
                    "FailedRescale",
                    &format!("New size: {desired}; reason: {reason}; error: {e}"),
                );
                set_condition(
                    &mut st,
                    "AbleToScale",
                    "False",
                    "FailedUpdateScale",
                    &format!("the HPA controller was unable to update the target scale: {e}"),
                    now,
                );
                st.current_replicas = current;
                st.current_metrics = statuses;
                write_status(ctx, st);
                return true;
            }
            set_condition(
                &mut st,
                "AbleToScale",
                "True",
                "SucceededRescale",
                &format!("the HPA controller was able to update the target scale to {desired}"),
                now,
            );
            self.event(
                ctx,
                &obj,
                EventType::Normal,
                "SuccessfulRescale",
                &format!("New size: {desired}; reason: {reason}"),
            );
            self.store_scale_event(key, &h, current, desired, now);
        } else {
            desired = current;
        }
        // setStatus.
        st.current_replicas = current;
        st.desired_replicas = desired;
        st.current_metrics = statuses;
        if rescale {
            st.last_scale_time = Some(Time(now));
        }
        write_status(ctx, st);
        true
    }
}

impl Component for HorizontalController {
    fn name(&self) -> String {
        "kube-controller-manager/horizontal-pod-autoscaler-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.hpas = ctx
            .api
            .watch(WatchFilter::all(Kind::HorizontalPodAutoscaler), None)
            .ok();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        self.hpas.is_some_and(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        if let Some(w) = self.hpas {
            for ev in ctx.api.poll(w) {
                let m = ev.object.meta();
                let key = (m.namespace.clone(), m.name.clone());
                if ev.type_ == WatchType::Deleted {
                    self.forget(&key);
                } else if !self.due.contains_key(&key) {
                    // Every key is queued with the resync delay.
                    self.schedule(key, ctx.now + SYNC_PERIOD_MS);
                }
            }
        }
        while let Some((t, key)) = self.queue.first().cloned() {
            if t > ctx.now {
                break;
            }
            self.queue.pop_first();
            self.due.remove(&key);
            if self.reconcile(ctx, &key) {
                self.schedule(key, ctx.now + SYNC_PERIOD_MS);
            } else {
                self.forget(&key);
            }
        }
        if let Some(w) = self.hpas {
            ctx.api.poll(w);
        }
        if let Some((t, _)) = self.queue.first() {
            ctx.wake_at(*t);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    /// A Deployment of `replicas` busybox pods requesting 100m, busy or idle.
    fn deployment(sh: &mut Shell, replicas: i32, busy: bool) {
        let script = if busy {
            "while true; do :; done"
        } else {
            "while true; do sleep 5; done"
        };
        let y = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: busybox\n        command: [\"sh\", \"-c\", \"{script}\"]\n        resources:\n          requests:\n            cpu: 100m\n"
        );
        assert!(sh.exec("kubectl apply -f -", Some(&y)).contains("created"));
    }

    fn hpa(sh: &mut Shell, min: i32, max: i32, behavior: &str) {
        let y = format!(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: {min}\n  maxReplicas: {max}\n  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target:\n        type: Utilization\n        averageUtilization: 50\n{behavior}"
        );
        assert!(sh.exec("kubectl apply -f -", Some(&y)).contains("created"));
    }

    fn replicas(sh: &Shell) -> i32 {
        match &*sh
            .cluster
            .api
            .get(Kind::Deployment, "default", "web")
            .unwrap()
        {
            Object::Deployment(d) => d.spec.replicas.unwrap_or(1),
            _ => unreachable!(),
        }
    }

    fn status(sh: &Shell) -> HorizontalPodAutoscalerStatus {
        match &*sh
            .cluster
            .api
            .get(Kind::HorizontalPodAutoscaler, "default", "web")
            .unwrap()
        {
            Object::HorizontalPodAutoscaler(h) => h.status.clone().unwrap_or_default(),
            _ => unreachable!(),
        }
    }

    fn condition(st: &HorizontalPodAutoscalerStatus, t: &str) -> (String, String) {
        st.conditions
            .iter()
            .find(|c| c.type_ == t)
            .map(|c| (c.status.clone(), c.reason.clone()))
            .unwrap_or_default()
    }

    /// Advances to `at` ms after the start (plus 1 ms, past that instant's syncs).
    fn at(sh: &mut Shell, start: Millis, at: Millis) {
        let now = sh.cluster.now();
        sh.cluster.advance(start + at + 1 - now);
    }

    #[test]
    fn scale_down_policy_removes_one_pod_per_period() {
        let mut sh = Shell::new(ClusterConfig::default());
        let start = sh.cluster.now();
        deployment(&mut sh, 4, false);
        hpa(
            &mut sh,
            1,
            4,
            "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 0\n      policies:\n      - type: Pods\n        value: 1\n        periodSeconds: 30\n",
        );
        at(&mut sh, start, 15_000);
        assert_eq!(replicas(&sh), 4, "no metrics yet");
        at(&mut sh, start, 30_000);
        assert_eq!(replicas(&sh), 3);
        at(&mut sh, start, 45_000);
        assert_eq!(replicas(&sh), 3, "one pod per 30 s");
        assert_eq!(
            condition(&status(&sh), "ScalingLimited"),
            ("True".into(), "ScaleDownLimit".into())
        );
        at(&mut sh, start, 60_000);
        assert_eq!(replicas(&sh), 2);
        at(&mut sh, start, 90_000);
        assert_eq!(replicas(&sh), 1);
        let st = status(&sh);
        // The status of the sync that scaled: the size it found, the size it set.
        assert_eq!((st.current_replicas, st.desired_replicas), (2, 1));
        assert_eq!(st.last_scale_time, Some(Time(start + 90_000)));
    }

    #[test]
    fn without_behavior_scale_down_waits_five_minutes() {
        let mut sh = Shell::new(ClusterConfig::default());
        let start = sh.cluster.now();
        deployment(&mut sh, 3, false);
        hpa(&mut sh, 1, 5, "");
        at(&mut sh, start, 30_000);
        assert_eq!(replicas(&sh), 3);
        assert_eq!(
            condition(&status(&sh), "AbleToScale"),
            ("True".into(), "ScaleDownStabilized".into())
        );
        // The first recommendation (3, at 15 s) leaves the window after 5 minutes.
        at(&mut sh, start, 315_000);
        assert_eq!(replicas(&sh), 3);
        at(&mut sh, start, 330_000);
        assert_eq!(replicas(&sh), 1);
    }

    #[test]
    fn scale_up_is_limited_per_sync_and_disabled_policy_holds() {
        let mut sh = Shell::new(ClusterConfig::default());
        let start = sh.cluster.now();
        // 1000m of 100m: 1000% against 50%, 20 replicas wanted.
        deployment(&mut sh, 1, true);
        hpa(&mut sh, 1, 20, "");
        at(&mut sh, start, 30_000);
        assert_eq!(replicas(&sh), 4, "max(2 x 1, 4)");
        assert_eq!(
            condition(&status(&sh), "ScalingLimited"),
            ("True".into(), "ScaleUpLimit".into())
        );
        let mut sh = Shell::new(ClusterConfig::default());
        let start = sh.cluster.now();
        deployment(&mut sh, 1, true);
        hpa(
            &mut sh,
            1,
            20,
            "  behavior:\n    scaleUp:\n      selectPolicy: Disabled\n",
        );
        at(&mut sh, start, 60_000);
        assert_eq!(replicas(&sh), 1);
        assert_eq!(
            condition(&status(&sh), "ScalingLimited"),
            ("True".into(), "ScaleUpLimit".into())
        );
    }

    #[test]
    fn a_missing_target_cannot_be_scaled() {
        let mut sh = Shell::new(ClusterConfig::default());
        let start = sh.cluster.now();
        hpa(&mut sh, 1, 3, "");
        at(&mut sh, start, 15_000);
        let st = status(&sh);
        let c = &st.conditions[0];
        assert_eq!(
            (c.type_.as_str(), c.status.as_str(), c.reason.as_str(), c.message.as_str()),
            (
                "AbleToScale",
                "False",
                "FailedGetScale",
                "the HPA controller was unable to get the target's current scale: deployments.apps \"web\" not found"
            )
        );
    }

    #[test]
    fn syncs_every_fifteen_seconds_until_deleted() {
        let mut sh = Shell::new(ClusterConfig::default());
        hpa(&mut sh, 1, 3, "");
        sh.cluster.advance(14_000);
        assert!(status(&sh).conditions.is_empty(), "first sync after 15 s");
        sh.cluster.advance(2_000);
        assert!(!status(&sh).conditions.is_empty());
        sh.exec("kubectl delete hpa web", None);
        sh.cluster.advance(60_000);
    }
}
