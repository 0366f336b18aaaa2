//! The replica calculator (`pkg/controller/podautoscaler/replica_calculator.go`) for
//! Resource metrics: from the target's pods, their requests and their metrics, the
//! replica count a metric asks for.
//!
//! Pods are grouped as upstream's `groupPods`: being deleted or Failed → ignored;
//! Pending → unready; without a metric → missing; for CPU, a pod not Ready (or whose
//! metric was taken within one window of its readiness change) during its first
//! 5 minutes (`--horizontal-pod-autoscaler-cpu-initialization-period`), or one that
//! has never been Ready within 30 s of starting
//! (`--horizontal-pod-autoscaler-initial-readiness-delay`) → unready. The ratio uses
//! the ready pods; within the 10% tolerance the count stays. Otherwise, on a
//! scale-up unready pods count as using 0% and missing pods 0%; on a scale-down
//! missing pods count as using 100% of their request (or the target when it is above
//! 100%); a recomputed ratio that falls within the tolerance or flips direction keeps
//! the count.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::core_v1::Pod;
use crate::sim::Millis;

/// `--horizontal-pod-autoscaler-tolerance`.
pub const TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
pub const CPU_INITIALIZATION_PERIOD_MS: Millis = 5 * 60 * 1000;
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
pub const INITIAL_READINESS_DELAY_MS: Millis = 30 * 1000;

/// One pod's metric: the resource in milli-units, as of `timestamp` over `window`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PodMetric {
    pub value: i64,
    pub timestamp: Millis,
    pub window: Millis,
}

/// Pods' metrics by pod name.
pub type PodMetrics = BTreeMap<String, PodMetric>;

/// The pods as `groupPods` sorts them.
#[derive(Debug, Default)]
struct Groups {
    ready: usize,
    unready: BTreeSet<String>,
    missing: BTreeSet<String>,
    ignored: BTreeSet<String>,
}

fn group_pods(pods: &[Arc<Pod>], metrics: &PodMetrics, cpu: bool, now: Millis) -> Groups {
    let mut g = Groups::default();
    for p in pods {
        let name = &p.metadata.name;
        let status = p.status.as_ref();
        let phase = status.map_or("", |s| s.phase.as_str());
        if p.metadata.deletion_timestamp.is_some() || phase == "Failed" {
            g.ignored.insert(name.clone());
            continue;
        }
        if phase == "Pending" {
            g.unready.insert(name.clone());
            continue;
        }
        let Some(metric) = metrics.get(name) else {
            g.missing.insert(name.clone());
            continue;
        };
        if cpu {
            let ready = status.and_then(|s| s.conditions.iter().find(|c| c.type_ == "Ready"));
            let start = status.and_then(|s| s.start_time);
            let unready = match (ready, start) {
                (Some(c), Some(start)) => {
                    let changed = c.last_transition_time.map_or(0, |t| t.0);
                    if start.0 + CPU_INITIALIZATION_PERIOD_MS > now {
                        c.status == "False" || metric.timestamp < changed + metric.window
                    } else {
                        c.status == "False" && start.0 + INITIAL_READINESS_DELAY_MS > changed
                    }
                }
                _ => true,
            };
            if unready {
                g.unready.insert(name.clone());
                continue;
            }
        }
        g.ready += 1;
    }
    g
}

/// `calculatePodRequests`: each pod's request for the resource, in milli-units, over
/// its containers and sidecars (restartable init containers), or the one named
/// `container`.
pub fn pod_requests(
    pods: &[Arc<Pod>],
    resource: &str,
    container: Option<&str>,
) -> Result<BTreeMap<String, i64>, String> {
    let mut out = BTreeMap::new();
    for p in pods {
        let mut sum = 0i64;
        let sidecars = p
            .spec
            .init_containers
            .iter()
            .filter(|c| c.restart_policy.as_deref() == Some("Always"));
        for c in p.spec.containers.iter().chain(sidecars) {
            if container.is_some_and(|n| n != c.name) {
                continue;
            }
            match c.resources.requests.get(resource) {
                Some(q) => sum = sum.saturating_add(q.milli_value()),
                None => {
                    return Err(format!(
                        "missing request for {resource} in container {} of Pod {}",
                        c.name, p.metadata.name
                    ))
                }
            }
        }
        out.insert(p.metadata.name.clone(), sum);
    }
    Ok(out)
}

/// `GetResourceUtilizationRatio`: (ratio, utilization %, average raw value).
fn utilization_ratio(
    metrics: &PodMetrics,
    requests: &BTreeMap<String, i64>,
    target: i32,
) -> Result<(f64, i32, i64), String> {
    // Wide sums: memory in milli-bytes over many pods overflows 64 bits.
    let (mut total, mut req_total, mut n) = (0i128, 0i128, 0i128);
    for (name, m) in metrics {
        let Some(r) = requests.get(name) else {
            continue;
        };
        total += i128::from(m.value);
        req_total += i128::from(*r);
        n += 1;
    }
    if req_total == 0 {
        return Err("no metrics returned matched known pods".into());
    }
    let util = (total * 100 / req_total).clamp(0, i128::from(i32::MAX)) as i32;
    let raw = (total / n).clamp(0, i128::from(i64::MAX)) as i64;
    Ok((f64::from(util) / f64::from(target), util, raw))
}

/// The result for one Resource metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub replicas: i32,
    /// The average utilization in percent (Utilization targets).
    pub utilization: Option<i32>,
    /// The average usage per pod, in milli-units.
    pub raw: i64,
}

/// `GetResourceReplicas`: the replicas for a `Utilization` target (percent of request),
/// of the whole pods or of one container.
pub fn resource_replicas(
    current: i32,
    target_utilization: i32,
    resource: &str,
    container: Option<&str>,
    pods: &[Arc<Pod>],
    metrics: &PodMetrics,
    now: Millis,
) -> Result<Proposal, String> {
    if metrics.is_empty() {
        return Err(format!(
            "unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        ));
    }
    if pods.is_empty() {
        return Err("no pods returned by selector while calculating replica count".into());
    }
    let g = group_pods(pods, metrics, resource == "cpu", now);
    let mut metrics: PodMetrics = metrics
        .iter()
        .filter(|(n, _)| !g.ignored.contains(*n) && !g.unready.contains(*n))
        .map(|(n, m)| (n.clone(), *m))
        .collect();
    if metrics.is_empty() {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    let requests = pod_requests(pods, resource, container)?;
    let (ratio, util, raw) = utilization_ratio(&metrics, &requests, target_utilization)?;
    let keep = Proposal {
        replicas: current,
        utilization: Some(util),
        raw,
    };
    let scale_up_with_unready = !g.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && g.missing.is_empty() {
        if (1.0 - ratio).abs() <= TOLERANCE {
            return Ok(keep);
        }
        return Ok(Proposal {
            replicas: (ratio * g.ready as f64).ceil() as i32,
            ..keep
        });
    }
    let filler = |value: i64| PodMetric {
        value,
        timestamp: 0,
        window: 0,
    };
    if !g.missing.is_empty() {
        if ratio < 1.0 {
            let fallback = i64::from(target_utilization.max(100));
            for n in &g.missing {
                let v = requests.get(n).copied().unwrap_or(0) * fallback / 100;
                metrics.insert(n.clone(), filler(v));
            }
        } else if ratio > 1.0 {
            for n in &g.missing {
                metrics.insert(n.clone(), filler(0));
            }
        }
    }
    if scale_up_with_unready {
        for n in &g.unready {
            metrics.insert(n.clone(), filler(0));
        }
    }
    let (new_ratio, _, _) = utilization_ratio(&metrics, &requests, target_utilization)?;
    if (1.0 - new_ratio).abs() <= TOLERANCE
        || (ratio < 1.0 && new_ratio > 1.0)
        || (ratio > 1.0 && new_ratio < 1.0)
    {
        return Ok(keep);
    }
    let replicas = (new_ratio * metrics.len() as f64).ceil() as i32;
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        return Ok(keep);
    }
    Ok(Proposal { replicas, ..keep })
}

/// `GetRawResourceReplicas`: the replicas for an `AverageValue` target (milli-units).
pub fn raw_resource_replicas(
    current: i32,
    target: i64,
    resource: &str,
    pods: &[Arc<Pod>],
    metrics: &PodMetrics,
    now: Millis,
) -> Result<Proposal, String> {
    if metrics.is_empty() {
        return Err(format!(
            "unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        ));
    }
    if pods.is_empty() {
        return Err("no pods returned by selector while calculating replica count".into());
    }
    let g = group_pods(pods, metrics, resource == "cpu", now);
    let mut metrics: PodMetrics = metrics
        .iter()
        .filter(|(n, _)| !g.ignored.contains(*n) && !g.unready.contains(*n))
        .map(|(n, m)| (n.clone(), *m))
        .collect();
    if metrics.is_empty() {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    // `GetMetricUsageRatio`.
    let usage_ratio = |m: &PodMetrics| {
        let sum: i128 = m.values().map(|p| i128::from(p.value)).sum();
        let usage = (sum / m.len().max(1) as i128).clamp(0, i128::from(i64::MAX)) as i64;
        (usage as f64 / target as f64, usage)
    };
    let (ratio, usage) = usage_ratio(&metrics);
    let keep = Proposal {
        replicas: current,
        utilization: None,
        raw: usage,
    };
    let scale_up_with_unready = !g.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && g.missing.is_empty() {
        if (1.0 - ratio).abs() <= TOLERANCE {
            return Ok(keep);
        }
        return Ok(Proposal {
            replicas: (ratio * g.ready as f64).ceil() as i32,
            ..keep
        });
    }
    let filler = |value: i64| PodMetric {
        value,
        timestamp: 0,
        window: 0,
    };
    for n in &g.missing {
        let v = if ratio < 1.0 { target } else { 0 };
        metrics.insert(n.clone(), filler(v));
    }
    if scale_up_with_unready {
        for n in &g.unready {
            metrics.insert(n.clone(), filler(0));
        }
    }
    let (new_ratio, _) = usage_ratio(&metrics);
    if (1.0 - new_ratio).abs() <= TOLERANCE
        || (ratio < 1.0 && new_ratio > 1.0)
        || (ratio > 1.0 && new_ratio < 1.0)
    {
        return Ok(keep);
    }
    let replicas = (new_ratio * metrics.len() as f64).ceil() as i32;
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        return Ok(keep);
    }
    Ok(Proposal { replicas, ..keep })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{PodCondition, PodStatus};
    use crate::api::meta::Time;
    use crate::api::Quantity;

    const MIN: Millis = 60_000;

    /// A running pod with one container requesting `cpu_m` millicores, started at
    /// `start` and Ready since `ready_at` (not ready when `None`).
    fn pod(name: &str, cpu_m: Option<i64>, start: Millis, ready_at: Option<Millis>) -> Arc<Pod> {
        let mut p = Pod::default();
        p.metadata.name = name.into();
        let mut c = crate::api::core_v1::Container {
            name: "app".into(),
            ..Default::default()
        };
        if let Some(m) = cpu_m {
            c.resources
                .requests
                .insert("cpu".into(), Quantity::parse(&format!("{m}m")).unwrap());
        }
        p.spec.containers.push(c);
        p.status = Some(PodStatus {
            phase: "Running".into(),
            start_time: Some(Time(start)),
            conditions: vec![PodCondition {
                type_: "Ready".into(),
                status: if ready_at.is_some() { "True" } else { "False" }.into(),
                last_transition_time: Some(Time(ready_at.unwrap_or(start))),
                ..Default::default()
            }],
            ..Default::default()
        });
        Arc::new(p)
    }

    fn metrics(values: &[(&str, i64)], at: Millis) -> PodMetrics {
        values
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    PodMetric {
                        value: *v,
                        timestamp: at,
                        window: 15_000,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn scales_up_by_the_usage_ratio() {
        let now = 10 * MIN;
        let pods = vec![pod("a", Some(200), 0, Some(1000))];
        // 200m used of 200m requested = 100% against a 50% target: 2 replicas.
        let p = resource_replicas(1, 50, "cpu", None, &pods, &metrics(&[("a", 200)], now), now)
            .unwrap();
        assert_eq!(
            p,
            Proposal {
                replicas: 2,
                utilization: Some(100),
                raw: 200
            }
        );
        // 1000m used (a busy loop): 500% → 10 replicas.
        let p = resource_replicas(
            1,
            50,
            "cpu",
            None,
            &pods,
            &metrics(&[("a", 1000)], now),
            now,
        )
        .unwrap();
        assert_eq!(p.replicas, 10);
    }

    #[test]
    fn tolerance_keeps_the_count() {
        let now = 10 * MIN;
        let pods = vec![
            pod("a", Some(100), 0, Some(1000)),
            pod("b", Some(100), 0, Some(1000)),
        ];
        // 54% against 50%: ratio 1.08, within 10%.
        let m = metrics(&[("a", 54), ("b", 54)], now);
        assert_eq!(
            resource_replicas(2, 50, "cpu", None, &pods, &m, now)
                .unwrap()
                .replicas,
            2
        );
        // 56%: ratio 1.12 → ceil(1.12 * 2) = 3.
        let m = metrics(&[("a", 56), ("b", 56)], now);
        assert_eq!(
            resource_replicas(2, 50, "cpu", None, &pods, &m, now)
                .unwrap()
                .replicas,
            3
        );
    }

    #[test]
    fn missing_request_is_an_error() {
        let now = 10 * MIN;
        let pods = vec![pod("web-1", None, 0, Some(1000))];
        let e = resource_replicas(
            1,
            50,
            "cpu",
            None,
            &pods,
            &metrics(&[("web-1", 10)], now),
            now,
        )
        .unwrap_err();
        assert_eq!(e, "missing request for cpu in container app of Pod web-1");
    }

    #[test]
    fn no_metrics_is_an_error() {
        let pods = vec![pod("a", Some(100), 0, Some(1000))];
        let e = resource_replicas(1, 50, "cpu", None, &pods, &PodMetrics::new(), MIN).unwrap_err();
        assert_eq!(
            e,
            "unable to get metrics for resource cpu: no metrics returned from resource metrics API"
        );
    }

    #[test]
    fn missing_and_unready_pods_as_upstream() {
        let now = 10 * MIN;
        // Scale-up: a has 200% of request; b has no metric yet (0%), c is unready (0%).
        let pods = vec![
            pod("a", Some(100), 0, Some(1000)),
            pod("b", Some(100), now - 20_000, Some(now - 10_000)),
            pod("c", Some(100), now - 20_000, None),
        ];
        let m = metrics(&[("a", 200), ("c", 100)], now);
        // (200 + 0 + 0) / 300 = 66% against 50%: ceil(1.32 * 3) = 4.
        let p = resource_replicas(3, 50, "cpu", None, &pods, &m, now).unwrap();
        assert_eq!(p.replicas, 4);
        assert_eq!(
            p.utilization,
            Some(200),
            "the status shows the ready pods' utilization"
        );
        // Scale-down: a uses 10%; b missing counts as 100%: (10 + 100) / 200 = 55% →
        // ratio 1.1 flips direction: keep 2.
        let pods = vec![
            pod("a", Some(100), 0, Some(1000)),
            pod("b", Some(100), now - 20_000, Some(now - 10_000)),
        ];
        let m = metrics(&[("a", 10)], now);
        assert_eq!(
            resource_replicas(2, 50, "cpu", None, &pods, &m, now)
                .unwrap()
                .replicas,
            2
        );
    }

    #[test]
    fn a_metric_taken_too_soon_after_readiness_is_ignored() {
        let now = 2 * MIN;
        // Started a minute ago, ready 5 s before the metric: within one window.
        let pods = vec![
            pod("a", Some(100), 0, Some(1000)),
            pod("b", Some(100), MIN, Some(now - 5_000)),
        ];
        let m = metrics(&[("a", 100), ("b", 500)], now);
        // Only a counts (100% vs 50%) and b, unready on a scale-up, counts as 0:
        // 100 / 200 = 50% → within tolerance: keep 2.
        assert_eq!(
            resource_replicas(2, 50, "cpu", None, &pods, &m, now)
                .unwrap()
                .replicas,
            2
        );
    }

    #[test]
    fn average_value_targets() {
        let now = 10 * MIN;
        let pods = vec![pod("a", None, 0, Some(1000)), pod("b", None, 0, Some(1000))];
        let m = metrics(&[("a", 300), ("b", 500)], now);
        // 400m average against 100m: ceil(4 * 2) = 8.
        let p = raw_resource_replicas(2, 100, "cpu", &pods, &m, now).unwrap();
        assert_eq!(
            p,
            Proposal {
                replicas: 8,
                utilization: None,
                raw: 400
            }
        );
    }
}
