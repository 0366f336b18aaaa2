//! Describers for HorizontalPodAutoscaler (`autoscaling/v2`: metrics as
//! `( current / target )`, behavior, replicas, conditions) and PodDisruptionBudget.

use super::writer::*;
use super::{events_for, Settings};
use crate::api::autoscaling::{HPAScalingRules, HorizontalPodAutoscaler};
use crate::api::policy_v1::PodDisruptionBudget;
use crate::api::Quantity;
use crate::apiserver::ApiServer;
use crate::kubectl::printers::selector_string;

const UNKNOWN: &str = "<unknown>";

fn qty(q: Option<&Quantity>) -> String {
    // A nil quantity prints as Go's zero Quantity, "0".
    q.map_or_else(|| "0".into(), |q| q.to_string())
}

fn direction(w: &mut PrefixWriter, name: &str, rules: Option<&HPAScalingRules>) {
    let Some(r) = rules else { return };
    wr!(w, LEVEL_1, "{name}:\n");
    if let Some(s) = r.stabilization_window_seconds {
        wr!(w, LEVEL_2, "Stabilization Window: {s} seconds\n");
    }
    if !r.policies.is_empty() {
        wr!(
            w,
            LEVEL_2,
            "Select Policy: {}\n",
            r.select_policy.as_deref().unwrap_or("Max")
        );
        w.write(LEVEL_2, "Policies:\n");
        for p in &r.policies {
            wr!(
                w,
                LEVEL_3,
                "- Type: {}\tValue: {}\tPeriod: {} seconds\n",
                p.type_,
                p.value,
                p.period_seconds
            );
        }
    }
}

/// `kubectl describe hpa` (`describeHorizontalPodAutoscalerV2`).
pub fn describe_hpa(api: &ApiServer, h: &HorizontalPodAutoscaler, s: &Settings) -> String {
    let m = &h.metadata;
    let st = h.status.clone().unwrap_or_default();
    let cur = |i: usize| st.current_metrics.get(i);
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    wr!(
        w,
        LEVEL_0,
        "CreationTimestamp:\t{}\n",
        rfc1123z(m.creation_timestamp)
    );
    let r = &h.spec.scale_target_ref;
    wr!(w, LEVEL_0, "Reference:\t{}/{}\n", r.kind, r.name);
    w.write(LEVEL_0, "Metrics:\t( current / target )\n");
    for (i, metric) in h.spec.metrics.iter().enumerate() {
        match metric.type_.as_str() {
            "Resource" | "ContainerResource" => {
                let (name, target, current) = if metric.type_ == "Resource" {
                    let Some(res) = &metric.resource else {
                        continue;
                    };
                    wr!(w, LEVEL_1, "resource {} on pods", res.name);
                    (
                        &res.name,
                        &res.target,
                        cur(i).and_then(|c| c.resource.as_ref()).map(|r| &r.current),
                    )
                } else {
                    let Some(res) = &metric.container_resource else {
                        continue;
                    };
                    wr!(
                        w,
                        LEVEL_1,
                        "resource {} of container \"{}\" on pods",
                        res.name,
                        res.container
                    );
                    (
                        &res.name,
                        &res.target,
                        cur(i)
                            .and_then(|c| c.container_resource.as_ref())
                            .map(|r| &r.current),
                    )
                };
                let _ = name;
                if let Some(avg) = &target.average_value {
                    let c =
                        current.map_or_else(|| UNKNOWN.into(), |c| qty(c.average_value.as_ref()));
                    wr!(w, LEVEL_0, ":\t{} / {}\n", c, avg);
                } else {
                    let c = current
                        .and_then(|c| {
                            c.average_utilization
                                .map(|u| format!("{u}% ({})", qty(c.average_value.as_ref())))
                        })
                        .unwrap_or_else(|| UNKNOWN.into());
                    let t = target
                        .average_utilization
                        .map_or_else(|| "<auto>".into(), |u| format!("{u}%"));
                    wr!(w, LEVEL_1, "(as a percentage of request):\t{} / {}\n", c, t);
                }
            }
            "Pods" => {
                let Some(p) = &metric.pods else { continue };
                let c = cur(i)
                    .and_then(|c| c.pods.as_ref())
                    .map_or_else(|| UNKNOWN.into(), |p| qty(p.current.average_value.as_ref()));
                wr!(
                    w,
                    LEVEL_1,
                    "{:?} on pods:\t{} / {}\n",
                    p.metric.name,
                    c,
                    qty(p.target.average_value.as_ref())
                );
            }
            "Object" => {
                let Some(o) = &metric.object else { continue };
                wr!(
                    w,
                    LEVEL_1,
                    "\"{}\" on {}/{} ",
                    o.metric.name,
                    o.described_object.kind,
                    o.described_object.name
                );
                let c = cur(i).and_then(|c| c.object.as_ref());
                if o.target.type_ == "AverageValue" {
                    let c =
                        c.map_or_else(|| UNKNOWN.into(), |c| qty(c.current.average_value.as_ref()));
                    wr!(
                        w,
                        LEVEL_0,
                        "(target average value):\t{} / {}\n",
                        c,
                        qty(o.target.average_value.as_ref())
                    );
                } else {
                    let c = c.map_or_else(|| UNKNOWN.into(), |c| qty(c.current.value.as_ref()));
                    wr!(
                        w,
                        LEVEL_0,
                        "(target value):\t{} / {}\n",
                        c,
                        qty(o.target.value.as_ref())
                    );
                }
            }
            "External" => {
                let Some(e) = &metric.external else { continue };
                let c = cur(i).and_then(|c| c.external.as_ref());
                if let Some(avg) = &e.target.average_value {
                    let c = c
                        .and_then(|c| c.current.average_value.as_ref())
                        .map_or_else(|| UNKNOWN.into(), |q| q.to_string());
                    wr!(
                        w,
                        LEVEL_1,
                        "{:?} (target average value):\t{} / {}\n",
                        e.metric.name,
                        c,
                        avg
                    );
                } else {
                    let c = c.map_or_else(|| UNKNOWN.into(), |c| qty(c.current.value.as_ref()));
                    wr!(
                        w,
                        LEVEL_1,
                        "{:?} (target value):\t{} / {}\n",
                        e.metric.name,
                        c,
                        qty(e.target.value.as_ref())
                    );
                }
            }
            other => wr!(w, LEVEL_1, "<unknown metric type {:?}>\n", other),
        }
    }
    let min = h
        .spec
        .min_replicas
        .map_or_else(|| "<unset>".into(), |m| m.to_string());
    wr!(w, LEVEL_0, "Min replicas:\t{}\n", min);
    wr!(w, LEVEL_0, "Max replicas:\t{}\n", h.spec.max_replicas);
    if let Some(b) = &h.spec.behavior {
        w.write(LEVEL_0, "Behavior:\n");
        direction(&mut w, "Scale Up", b.scale_up.as_ref());
        direction(&mut w, "Scale Down", b.scale_down.as_ref());
    }
    wr!(w, LEVEL_0, "{} pods:\t", r.kind);
    wr!(
        w,
        LEVEL_0,
        "{} current / {} desired\n",
        st.current_replicas,
        st.desired_replicas
    );
    if !st.conditions.is_empty() {
        w.write(LEVEL_0, "Conditions:\n");
        w.write(LEVEL_1, "Type\tStatus\tReason\tMessage\n");
        w.write(LEVEL_1, "----\t------\t------\t-------\n");
        for c in &st.conditions {
            wr!(
                w,
                LEVEL_1,
                "{}\t{}\t{}\t{}\n",
                c.type_,
                c.status,
                c.reason,
                c.message
            );
        }
    }
    if s.show_events {
        let evs = events_for(api, m, Some("HorizontalPodAutoscaler"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `kubectl describe pdb` (`describePodDisruptionBudgetV1`).
pub fn describe_pdb(api: &ApiServer, p: &PodDisruptionBudget, s: &Settings) -> String {
    let m = &p.metadata;
    let st = p.status.clone().unwrap_or_default();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    if let Some(v) = &p.spec.min_available {
        wr!(w, LEVEL_0, "Min available:\t{}\n", v);
    } else if let Some(v) = &p.spec.max_unavailable {
        wr!(w, LEVEL_0, "Max unavailable:\t{}\n", v);
    }
    match &p.spec.selector {
        Some(sel) => wr!(w, LEVEL_0, "Selector:\t{}\n", selector_string(Some(sel))),
        None => w.write(LEVEL_0, "Selector:\t<unset>\n"),
    }
    w.write(LEVEL_0, "Status:\n");
    wr!(
        w,
        LEVEL_2,
        "Allowed disruptions:\t{}\n",
        st.disruptions_allowed
    );
    wr!(w, LEVEL_2, "Current:\t{}\n", st.current_healthy);
    wr!(w, LEVEL_2, "Desired:\t{}\n", st.desired_healthy);
    wr!(w, LEVEL_2, "Total:\t{}\n", st.expected_pods);
    if s.show_events {
        let evs = events_for(api, m, Some("PodDisruptionBudget"));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}
