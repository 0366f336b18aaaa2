//! Validation of Pod, ReplicationController and the apps, batch, autoscaling and policy
//! kinds, as upstream's `pkg/apis/{core,apps,batch,autoscaling,policy}/validation`
//! (v1.33): the same checks, field paths and messages word for word. Object metadata
//! (names, labels, annotations) is checked by the framework in `mod.rs`; this file
//! checks specs, pod templates and the immutable fields on update.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    dns1123_label_errors, dns1123_subdomain_errors, first_port_num_error, go_quote,
    label_value_errors, port_name_errors, qualified_name_errors, validate_annotations,
    validate_label_selector, validate_labels, validate_port_num_or_name, ErrorType, FieldErrors,
    FieldValue,
};
use crate::api::apps_v1::{DaemonSetSpec, DeploymentSpec, ReplicaSetSpec, StatefulSetSpec};
use crate::api::autoscaling::{
    HPAScalingRules, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget,
};
use crate::api::batch_v1::{CronJobSpec, Job, JobSpec};
use crate::api::core_v1::{
    Affinity, Container, ContainerPort, EnvVar, EphemeralContainer, KeyToPath, NodeSelectorTerm,
    PodAffinityTerm, PodSpec, PodTemplateSpec, Probe, ReplicationControllerSpec,
    ResourceRequirements, Toleration, TopologySpreadConstraint, Volume, VolumeMount,
};
use crate::api::labels::Selector;
use crate::api::meta::LabelSelector;
use crate::api::policy_v1::PodDisruptionBudgetSpec;
use crate::api::{IntOrString, Object};

const NEGATIVE: &str = "must be greater than or equal to 0";

/// Kind-specific validation for a create or update.
pub fn validate(obj: &Object, errs: &mut FieldErrors) {
    match obj {
        Object::Pod(p) => validate_pod_spec(&p.spec, "spec", true, errs),
        Object::ReplicationController(rc) => validate_rc_spec(&rc.spec, errs),
        Object::Deployment(d) => validate_deployment_spec(&d.spec, errs),
        Object::ReplicaSet(rs) => validate_replica_set_spec(&rs.spec, errs),
        Object::DaemonSet(ds) => validate_daemon_set_spec(&ds.spec, errs),
        Object::StatefulSet(s) => validate_stateful_set_spec(&s.spec, errs),
        Object::Job(j) => validate_job(j, errs),
        Object::CronJob(c) => {
            if c.metadata.name.len() > 52 {
                errs.invalid(
                    "metadata.name",
                    c.metadata.name.as_str(),
                    "must be no more than 52 characters",
                );
            }
            validate_cron_job_spec(&c.spec, errs)
        }
        Object::HorizontalPodAutoscaler(h) => validate_hpa_spec(&h.spec, errs),
        Object::PodDisruptionBudget(p) => validate_pdb_spec(&p.spec, errs),
        _ => {}
    }
}

/// Immutable-field checks on update.
pub fn validate_update(new: &Object, old: &Object, errs: &mut FieldErrors) {
    match (new, old) {
        (Object::Pod(n), Object::Pod(o)) => validate_pod_spec_update(&n.spec, &o.spec, errs),
        (Object::Deployment(n), Object::Deployment(o)) => {
            immutable_selector(&n.spec.selector, &o.spec.selector, errs)
        }
        (Object::ReplicaSet(n), Object::ReplicaSet(o)) => {
            immutable_selector(&n.spec.selector, &o.spec.selector, errs)
        }
        (Object::DaemonSet(n), Object::DaemonSet(o)) => {
            immutable_selector(&n.spec.selector, &o.spec.selector, errs)
        }
        (Object::StatefulSet(n), Object::StatefulSet(o)) => {
            let mut a = n.spec.clone();
            let b = &o.spec;
            a.replicas = b.replicas;
            a.ordinals = b.ordinals.clone();
            a.template = b.template.clone();
            a.update_strategy = b.update_strategy.clone();
            a.persistent_volume_claim_retention_policy =
                b.persistent_volume_claim_retention_policy.clone();
            a.min_ready_seconds = b.min_ready_seconds;
            if a != *b {
                errs.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
            }
        }
        (Object::Job(n), Object::Job(o)) => {
            immutable_selector(&n.spec.selector, &o.spec.selector, errs);
            if n.spec.completion_mode != o.spec.completion_mode {
                errs.invalid(
                    "spec.completionMode",
                    opt_str(&n.spec.completion_mode),
                    "field is immutable",
                );
            }
            if n.spec.completions != o.spec.completions
                && n.spec.completion_mode.as_deref() != Some("Indexed")
            {
                errs.invalid(
                    "spec.completions",
                    opt_int(n.spec.completions),
                    "field is immutable",
                );
            }
            if n.spec.pod_failure_policy != o.spec.pod_failure_policy {
                errs.invalid(
                    "spec.podFailurePolicy",
                    FieldValue::Raw("batch.PodFailurePolicy{...}".into()),
                    "field is immutable",
                );
            }
            // A suspended Job that never started may change its pod scheduling directives.
            let mut t = n.spec.template.clone();
            if o.spec.suspend == Some(true) {
                t.spec.node_selector = o.spec.template.spec.node_selector.clone();
                t.spec.affinity = o.spec.template.spec.affinity.clone();
                t.spec.tolerations = o.spec.template.spec.tolerations.clone();
                t.spec.scheduling_gates = o.spec.template.spec.scheduling_gates.clone();
                t.metadata.labels = o.spec.template.metadata.labels.clone();
                t.metadata.annotations = o.spec.template.metadata.annotations.clone();
            }
            if t != o.spec.template {
                errs.invalid(
                    "spec.template",
                    FieldValue::Raw("core.PodTemplateSpec{...}".into()),
                    "field is immutable",
                );
            }
        }
        _ => {}
    }
}

fn opt_str(v: &Option<String>) -> FieldValue {
    match v {
        Some(s) => FieldValue::Str(s.clone()),
        None => FieldValue::Raw("null".into()),
    }
}

fn opt_int(v: Option<i32>) -> FieldValue {
    match v {
        Some(i) => FieldValue::Int(i as i64),
        None => FieldValue::Raw("null".into()),
    }
}

// ---------------------------------------------------------------------------
// Go-style value printing (`%#v`), as upstream puts bad values in messages
// ---------------------------------------------------------------------------

/// `map[string]string{"app":"web"}` (or `map[string]string(nil)` when empty).
pub fn go_string_map(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        return "map[string]string(nil)".into();
    }
    let parts: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v)))
        .collect();
    format!("map[string]string{{{}}}", parts.join(", "))
}

/// `v1.LabelSelector{MatchLabels:map[string]string{...}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`.
pub fn go_label_selector(s: &LabelSelector) -> String {
    let exprs = if s.match_expressions.is_empty() {
        "[]v1.LabelSelectorRequirement(nil)".to_string()
    } else {
        let items: Vec<String> = s
            .match_expressions
            .iter()
            .map(|r| {
                let values = if r.values.is_empty() {
                    "[]string(nil)".to_string()
                } else {
                    format!(
                        "[]string{{{}}}",
                        r.values
                            .iter()
                            .map(|v| go_quote(v))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!(
                    "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{}}}",
                    go_quote(&r.key),
                    go_quote(&r.operator),
                    values
                )
            })
            .collect();
        format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{}}}",
        go_string_map(&s.match_labels),
        exprs
    )
}

/// `intstr.IntOrString{Type:0, IntVal:1, StrVal:""}`.
fn go_int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => format!("intstr.IntOrString{{Type:0, IntVal:{i}, StrVal:\"\"}}"),
        IntOrString::String(s) => format!(
            "intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}",
            go_quote(s)
        ),
    }
}

fn immutable_selector(
    new: &Option<LabelSelector>,
    old: &Option<LabelSelector>,
    errs: &mut FieldErrors,
) {
    if new != old {
        let v = match new {
            Some(s) => go_label_selector(s),
            None => "null".into(),
        };
        errs.invalid("spec.selector", FieldValue::Raw(v), "field is immutable");
    }
}

// ---------------------------------------------------------------------------
// Small shared validators
// ---------------------------------------------------------------------------

fn non_negative(v: i64, path: &str, errs: &mut FieldErrors) {
    if v < 0 {
        errs.invalid(path, v, NEGATIVE);
    }
}

/// Upstream `ValidatePositiveIntOrPercent` (+ `IsNotMoreThan100Percent` when `max100`).
fn validate_int_or_percent(v: &IntOrString, path: &str, max100: bool, errs: &mut FieldErrors) {
    match v {
        IntOrString::String(s) => match percent_value(s) {
            None => errs.invalid(path, s.as_str(), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"),
            Some(p) => {
                if max100 && p > 100 {
                    errs.invalid(path, s.as_str(), "must not be greater than 100%");
                }
            }
        },
        IntOrString::Int(i) => non_negative(*i as i64, path, errs),
    }
}

fn percent_value(s: &str) -> Option<i64> {
    let digits = s.strip_suffix('%')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<i64>().unwrap_or(i64::MAX))
}

fn is_zero_int_or_percent(v: &Option<IntOrString>) -> bool {
    match v {
        None => true,
        Some(IntOrString::Int(0)) => true,
        Some(IntOrString::String(s)) => percent_value(s) == Some(0),
        _ => false,
    }
}

fn selector_is_empty(s: &LabelSelector) -> bool {
    s.match_labels.is_empty() && s.match_expressions.is_empty()
}

/// The selector + template checks every replicated workload shares
/// (upstream `ValidatePodTemplateSpecForReplicaSet` and friends).
fn validate_selector_and_template(
    selector: &Option<LabelSelector>,
    template: &PodTemplateSpec,
    what: &str,
    kind: &str,
    errs: &mut FieldErrors,
) {
    match selector {
        None => errs.required("spec.selector", ""),
        Some(sel) => {
            validate_label_selector(sel, "spec.selector", errs);
            if selector_is_empty(sel) {
                errs.invalid(
                    "spec.selector",
                    FieldValue::Raw(go_label_selector(sel)),
                    format!("empty selector is invalid for {what}"),
                );
            } else if let Ok(s) = Selector::from_label_selector(sel) {
                if !s.matches(&template.metadata.labels) {
                    errs.invalid(
                        "spec.template.metadata.labels",
                        FieldValue::Raw(go_string_map(&template.metadata.labels)),
                        "`selector` does not match template `labels`",
                    );
                }
            }
        }
    }
    validate_pod_template_spec(template, "spec.template", errs);
    always_restart(template, kind, errs);
}

fn always_restart(template: &PodTemplateSpec, kind: &str, errs: &mut FieldErrors) {
    if template.spec.restart_policy != "Always" && !template.spec.restart_policy.is_empty() {
        errs.not_supported(
            "spec.template.spec.restartPolicy",
            template.spec.restart_policy.as_str(),
            &["Always"],
        );
    }
    if template.spec.active_deadline_seconds.is_some() {
        errs.forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            format!("activeDeadlineSeconds in {kind} is not Supported"),
        );
    }
}

// ---------------------------------------------------------------------------
// Pod templates and pod specs
// ---------------------------------------------------------------------------

/// Validates a pod template at `path` (used by every workload kind).
pub fn validate_pod_template_spec(t: &PodTemplateSpec, path: &str, errs: &mut FieldErrors) {
    validate_labels(&t.metadata.labels, &format!("{path}.metadata.labels"), errs);
    validate_annotations(
        &t.metadata.annotations,
        &format!("{path}.metadata.annotations"),
        errs,
    );
    validate_pod_spec(&t.spec, &format!("{path}.spec"), false, errs);
}

/// Upstream `ValidatePodSpec` at `path`; `is_pod` for a Pod (rather than a template).
pub fn validate_pod_spec(s: &PodSpec, path: &str, is_pod: bool, errs: &mut FieldErrors) {
    let volumes = validate_volumes(&s.volumes, &format!("{path}.volumes"), errs);
    validate_containers(s, path, &volumes, is_pod, errs);
    match s.restart_policy.as_str() {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.required(format!("{path}.restartPolicy"), ""),
        other => errs.not_supported(
            format!("{path}.restartPolicy"),
            other,
            &["Always", "OnFailure", "Never"],
        ),
    }
    match s.dns_policy.as_str() {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" => {}
        "None" => {
            if s.dns_config.is_none() {
                errs.required(
                    format!("{path}.dnsConfig"),
                    "must provide `dnsConfig` when `dnsPolicy` is None",
                );
            }
        }
        "" => errs.required(format!("{path}.dnsPolicy"), ""),
        other => errs.not_supported(
            format!("{path}.dnsPolicy"),
            other,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        ),
    }
    validate_labels(&s.node_selector, &format!("{path}.nodeSelector"), errs);
    if !s.service_account_name.is_empty() {
        for e in dns1123_subdomain_errors(&s.service_account_name) {
            errs.invalid(
                format!("{path}.serviceAccountName"),
                s.service_account_name.as_str(),
                e,
            );
        }
    }
    if !s.node_name.is_empty() {
        for e in dns1123_subdomain_errors(&s.node_name) {
            errs.invalid(format!("{path}.nodeName"), s.node_name.as_str(), e);
        }
    }
    if let Some(a) = s.active_deadline_seconds {
        if !(1..=i32::MAX as i64).contains(&a) {
            errs.invalid(
                format!("{path}.activeDeadlineSeconds"),
                a,
                "must be between 1 and 2147483647, inclusive",
            );
        }
    }
    if !s.hostname.is_empty() {
        for e in dns1123_label_errors(&s.hostname) {
            errs.invalid(format!("{path}.hostname"), s.hostname.as_str(), e);
        }
    }
    if !s.subdomain.is_empty() {
        for e in dns1123_label_errors(&s.subdomain) {
            errs.invalid(format!("{path}.subdomain"), s.subdomain.as_str(), e);
        }
    }
    if let Some(a) = &s.affinity {
        validate_affinity(a, &format!("{path}.affinity"), errs);
    }
    validate_tolerations(&s.tolerations, &format!("{path}.tolerations"), errs);
    if !s.priority_class_name.is_empty() {
        for e in dns1123_subdomain_errors(&s.priority_class_name) {
            errs.invalid(
                format!("{path}.priorityClassName"),
                s.priority_class_name.as_str(),
                e,
            );
        }
    }
    if let Some(p) = &s.preemption_policy {
        if p != "PreemptLowerPriority" && p != "Never" {
            errs.not_supported(
                format!("{path}.preemptionPolicy"),
                p.as_str(),
                &["Never", "PreemptLowerPriority"],
            );
        }
    }
    for (i, g) in s.readiness_gates.iter().enumerate() {
        for e in qualified_name_errors(&g.condition_type) {
            errs.invalid(
                format!("{path}.readinessGates[{i}].conditionType"),
                g.condition_type.as_str(),
                e,
            );
        }
    }
    validate_topology_spread(
        &s.topology_spread_constraints,
        &format!("{path}.topologySpreadConstraints"),
        errs,
    );
    if let Some(sc) = &s.security_context {
        for (f, v) in [
            ("runAsUser", sc.run_as_user),
            ("runAsGroup", sc.run_as_group),
            ("fsGroup", sc.fs_group),
        ] {
            if let Some(v) = v {
                if !(0..=i32::MAX as i64).contains(&v) {
                    errs.invalid(
                        format!("{path}.securityContext.{f}"),
                        v,
                        "must be between 0 and 2147483647, inclusive",
                    );
                }
            }
        }
    }
    if let Some(os) = &s.os {
        if os.name != "linux" && os.name != "windows" {
            errs.not_supported(
                format!("{path}.os.name"),
                os.name.as_str(),
                &["linux", "windows"],
            );
        }
    }
    if s.host_network {
        for (kind, list) in [
            ("containers", &s.containers),
            ("initContainers", &s.init_containers),
        ] {
            for (i, c) in list.iter().enumerate() {
                for (j, p) in c.ports.iter().enumerate() {
                    if (is_pod || p.host_port != 0) && p.host_port != p.container_port {
                        errs.invalid(
                            format!("{path}.{kind}[{i}].ports[{j}].hostPort"),
                            p.host_port,
                            "must match `containerPort` when `hostNetwork` is true",
                        );
                    }
                }
            }
        }
    }
}

/// Validates volumes; returns their names (for volume mount lookups).
fn validate_volumes(vols: &[Volume], path: &str, errs: &mut FieldErrors) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, v) in vols.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if v.name.is_empty() {
            errs.required(format!("{p}.name"), "");
        } else {
            for e in dns1123_label_errors(&v.name) {
                errs.invalid(format!("{p}.name"), v.name.as_str(), e);
            }
            if !names.insert(v.name.clone()) {
                errs.duplicate(format!("{p}.name"), v.name.as_str());
            }
        }
        let sources = v.source_names();
        if sources.is_empty() {
            errs.required(p.clone(), "must specify a volume type");
        }
        for extra in sources.iter().skip(1) {
            errs.forbidden(
                format!("{p}.{extra}"),
                "may not specify more than 1 volume type",
            );
        }
        if let Some(h) = &v.host_path {
            if h.path.is_empty() {
                errs.required(format!("{p}.hostPath.path"), "");
            }
            if let Some(t) = &h.type_ {
                const TYPES: [&str; 8] = [
                    "",
                    "BlockDevice",
                    "CharDevice",
                    "Directory",
                    "DirectoryOrCreate",
                    "File",
                    "FileOrCreate",
                    "Socket",
                ];
                if !TYPES.contains(&t.as_str()) {
                    errs.not_supported(format!("{p}.hostPath.type"), t.as_str(), &TYPES);
                }
            }
        }
        if let Some(e) = &v.empty_dir {
            if !e.medium.is_empty() && e.medium != "Memory" && !e.medium.starts_with("HugePages") {
                errs.not_supported(
                    format!("{p}.emptyDir.medium"),
                    e.medium.as_str(),
                    &["", "Memory", "HugePages"],
                );
            }
        }
        if let Some(s) = &v.secret {
            if s.secret_name.is_empty() {
                errs.required(format!("{p}.secret.secretName"), "");
            }
            validate_mode(s.default_mode, &format!("{p}.secret.defaultMode"), errs);
            validate_key_to_paths(&s.items, &format!("{p}.secret.items"), errs);
        }
        if let Some(c) = &v.config_map {
            if c.name.is_empty() {
                errs.required(format!("{p}.configMap.name"), "");
            }
            validate_mode(c.default_mode, &format!("{p}.configMap.defaultMode"), errs);
            validate_key_to_paths(&c.items, &format!("{p}.configMap.items"), errs);
        }
        if let Some(c) = &v.persistent_volume_claim {
            if c.claim_name.is_empty() {
                errs.required(format!("{p}.persistentVolumeClaim.claimName"), "");
            }
        }
        if let Some(n) = &v.nfs {
            if n.server.is_empty() {
                errs.required(format!("{p}.nfs.server"), "");
            }
            if n.path.is_empty() {
                errs.required(format!("{p}.nfs.path"), "");
            } else if !n.path.starts_with('/') {
                errs.invalid(
                    format!("{p}.nfs.path"),
                    n.path.as_str(),
                    "must be an absolute path",
                );
            }
        }
        if let Some(d) = &v.downward_api {
            validate_mode(
                d.default_mode,
                &format!("{p}.downwardAPI.defaultMode"),
                errs,
            );
        }
        if let Some(pr) = &v.projected {
            validate_mode(pr.default_mode, &format!("{p}.projected.defaultMode"), errs);
        }
        if let Some(c) = &v.csi {
            if c.driver.is_empty() {
                errs.required(format!("{p}.csi.driver"), "");
            }
        }
    }
    names
}

fn validate_mode(mode: Option<i32>, path: &str, errs: &mut FieldErrors) {
    if let Some(m) = mode {
        if !(0..=0o777).contains(&m) {
            errs.invalid(
                path,
                m,
                "must be a number between 0 and 0777 (octal), both inclusive",
            );
        }
    }
}

fn validate_key_to_paths(items: &[KeyToPath], path: &str, errs: &mut FieldErrors) {
    for (i, it) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if it.key.is_empty() {
            errs.required(format!("{p}.key"), "");
        }
        if it.path.is_empty() {
            errs.required(format!("{p}.path"), "");
        } else if it.path.starts_with('/') {
            errs.invalid(
                format!("{p}.path"),
                it.path.as_str(),
                "must be a relative path",
            );
        } else if it.path.split('/').any(|s| s == "..") {
            errs.invalid(
                format!("{p}.path"),
                it.path.as_str(),
                "must not contain '..'",
            );
        }
        validate_mode(it.mode, &format!("{p}.mode"), errs);
    }
}

/// A borrowed view of the fields containers and ephemeral containers share.
struct Ctr<'a> {
    name: &'a str,
    image: &'a str,
    ports: &'a [ContainerPort],
    env: &'a [EnvVar],
    resources: &'a ResourceRequirements,
    volume_mounts: &'a [VolumeMount],
    probes: [(&'static str, Option<&'a Probe>); 3],
    lifecycle: Option<&'a crate::api::core_v1::Lifecycle>,
    termination_message_policy: &'a str,
    image_pull_policy: &'a str,
    security_context: Option<&'a crate::api::core_v1::SecurityContext>,
}

impl<'a> From<&'a Container> for Ctr<'a> {
    fn from(c: &'a Container) -> Self {
        Ctr {
            name: &c.name,
            image: &c.image,
            ports: &c.ports,
            env: &c.env,
            resources: &c.resources,
            volume_mounts: &c.volume_mounts,
            probes: [
                ("livenessProbe", c.liveness_probe.as_deref()),
                ("readinessProbe", c.readiness_probe.as_deref()),
                ("startupProbe", c.startup_probe.as_deref()),
            ],
            lifecycle: c.lifecycle.as_deref(),
            termination_message_policy: &c.termination_message_policy,
            image_pull_policy: &c.image_pull_policy,
            security_context: c.security_context.as_deref(),
        }
    }
}

impl<'a> From<&'a EphemeralContainer> for Ctr<'a> {
    fn from(c: &'a EphemeralContainer) -> Self {
        Ctr {
            name: &c.name,
            image: &c.image,
            ports: &c.ports,
            env: &c.env,
            resources: &c.resources,
            volume_mounts: &c.volume_mounts,
            probes: [
                ("livenessProbe", c.liveness_probe.as_deref()),
                ("readinessProbe", c.readiness_probe.as_deref()),
                ("startupProbe", c.startup_probe.as_deref()),
            ],
            lifecycle: c.lifecycle.as_deref(),
            termination_message_policy: &c.termination_message_policy,
            image_pull_policy: &c.image_pull_policy,
            security_context: c.security_context.as_deref(),
        }
    }
}

fn validate_containers(
    s: &PodSpec,
    path: &str,
    volumes: &BTreeSet<String>,
    _is_pod: bool,
    errs: &mut FieldErrors,
) {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for (i, c) in s.init_containers.iter().enumerate() {
        let p = format!("{path}.initContainers[{i}]");
        validate_container(&Ctr::from(c), &p, volumes, &mut names, errs);
        match c.restart_policy.as_deref() {
            None | Some("Always") => {}
            Some(other) => errs.not_supported(format!("{p}.restartPolicy"), other, &["Always"]),
        }
        if c.restart_policy.is_none() {
            // Regular init containers may not have lifecycle hooks or probes other than
            // those of sidecars.
            if c.lifecycle.is_some() {
                errs.forbidden(
                    format!("{p}.lifecycle"),
                    "may not be set for init containers without restartPolicy=Always",
                );
            }
            for (f, pr) in [
                ("livenessProbe", &c.liveness_probe),
                ("readinessProbe", &c.readiness_probe),
                ("startupProbe", &c.startup_probe),
            ] {
                if pr.is_some() {
                    errs.forbidden(
                        format!("{p}.{f}"),
                        "may not be set for init containers without restartPolicy=Always",
                    );
                }
            }
        }
    }
    if s.containers.is_empty() {
        errs.required(format!("{path}.containers"), "");
    }
    for (i, c) in s.containers.iter().enumerate() {
        let p = format!("{path}.containers[{i}]");
        validate_container(&Ctr::from(c), &p, volumes, &mut names, errs);
        if c.restart_policy.is_some() {
            errs.forbidden(
                format!("{p}.restartPolicy"),
                "may not be set for non-init containers",
            );
        }
    }
    for (i, c) in s.ephemeral_containers.iter().enumerate() {
        let p = format!("{path}.ephemeralContainers[{i}]");
        validate_container(&Ctr::from(c), &p, volumes, &mut names, errs);
        if !c.ports.is_empty() {
            errs.forbidden(
                format!("{p}.ports"),
                "cannot be set on ephemeral containers",
            );
        }
    }
}

fn validate_container<'a>(
    c: &Ctr<'a>,
    p: &str,
    volumes: &BTreeSet<String>,
    names: &mut BTreeSet<&'a str>,
    errs: &mut FieldErrors,
) {
    if c.name.is_empty() {
        errs.required(format!("{p}.name"), "");
    } else {
        for e in dns1123_label_errors(c.name) {
            errs.invalid(format!("{p}.name"), c.name, e);
        }
        if !names.insert(c.name) {
            errs.duplicate(format!("{p}.name"), c.name);
        }
    }
    if c.image.is_empty() {
        errs.required(format!("{p}.image"), "");
    } else if c.image.trim() != c.image {
        errs.invalid(
            format!("{p}.image"),
            c.image,
            "must not have leading or trailing whitespace",
        );
    }
    match c.image_pull_policy {
        "Always" | "IfNotPresent" | "Never" => {}
        "" => errs.required(format!("{p}.imagePullPolicy"), ""),
        other => errs.not_supported(
            format!("{p}.imagePullPolicy"),
            other,
            &["Always", "IfNotPresent", "Never"],
        ),
    }
    match c.termination_message_policy {
        "File" | "FallbackToLogsOnError" => {}
        "" => errs.required(
            format!("{p}.terminationMessagePolicy"),
            "must be 'File' or 'FallbackToLogsOnError'",
        ),
        other => errs.invalid(
            format!("{p}.terminationMessagePolicy"),
            other,
            "must be 'File' or 'FallbackToLogsOnError'",
        ),
    }
    // Ports.
    let mut port_names = BTreeSet::new();
    for (j, port) in c.ports.iter().enumerate() {
        let pp = format!("{p}.ports[{j}]");
        if !port.name.is_empty() {
            for e in port_name_errors(&port.name) {
                errs.invalid(format!("{pp}.name"), port.name.as_str(), e);
            }
            if !port_names.insert(port.name.as_str()) {
                errs.duplicate(format!("{pp}.name"), port.name.as_str());
            }
        }
        if port.container_port == 0 {
            errs.required(format!("{pp}.containerPort"), "");
        } else if let Some(e) = first_port_num_error(port.container_port) {
            errs.invalid(format!("{pp}.containerPort"), port.container_port, e);
        }
        if port.host_port != 0 {
            if let Some(e) = first_port_num_error(port.host_port) {
                errs.invalid(format!("{pp}.hostPort"), port.host_port, e);
            }
        }
        match port.protocol.as_str() {
            "TCP" | "UDP" | "SCTP" => {}
            "" => errs.required(format!("{pp}.protocol"), ""),
            other => errs.not_supported(format!("{pp}.protocol"), other, &["SCTP", "TCP", "UDP"]),
        }
    }
    // Environment.
    for (j, e) in c.env.iter().enumerate() {
        let ep = format!("{p}.env[{j}]");
        if e.name.is_empty() {
            errs.required(format!("{ep}.name"), "");
        } else if e.name.contains('=') || !e.name.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            errs.invalid(format!("{ep}.name"), e.name.as_str(), "a valid environment variable name must consist only of printable ASCII characters other than '='");
        }
        if let Some(vf) = &e.value_from {
            let vp = format!("{ep}.valueFrom");
            let n = [
                vf.field_ref.is_some(),
                vf.resource_field_ref.is_some(),
                vf.config_map_key_ref.is_some(),
                vf.secret_key_ref.is_some(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            if n == 0 {
                errs.invalid(vp.clone(), "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
            } else if n > 1 {
                errs.invalid(
                    vp.clone(),
                    "",
                    "may not have more than one field specified at a time",
                );
            } else if !e.value.is_empty() {
                errs.invalid(
                    vp.clone(),
                    "",
                    "may not be specified when `value` is not empty",
                );
            }
            if let Some(f) = &vf.field_ref {
                if f.field_path.is_empty() {
                    errs.required(format!("{vp}.fieldRef.fieldPath"), "");
                }
            }
            if let Some(k) = &vf.config_map_key_ref {
                if k.key.is_empty() {
                    errs.required(format!("{vp}.configMapKeyRef.key"), "");
                }
            }
            if let Some(k) = &vf.secret_key_ref {
                if k.key.is_empty() {
                    errs.required(format!("{vp}.secretKeyRef.key"), "");
                }
            }
        }
    }
    validate_resources(c.resources, &format!("{p}.resources"), errs);
    // Volume mounts.
    let mut paths = BTreeSet::new();
    for (j, m) in c.volume_mounts.iter().enumerate() {
        let mp = format!("{p}.volumeMounts[{j}]");
        if m.name.is_empty() {
            errs.required(format!("{mp}.name"), "");
        } else if !volumes.contains(&m.name) {
            errs.push(
                format!("{mp}.name"),
                ErrorType::NotFound(FieldValue::Str(m.name.clone())),
                "",
            );
        }
        if m.mount_path.is_empty() {
            errs.required(format!("{mp}.mountPath"), "");
        } else if !paths.insert(m.mount_path.as_str()) {
            errs.invalid(
                format!("{mp}.mountPath"),
                m.mount_path.as_str(),
                "must be unique",
            );
        }
        if !m.sub_path.is_empty() {
            if m.sub_path.starts_with('/') {
                errs.invalid(
                    format!("{mp}.subPath"),
                    m.sub_path.as_str(),
                    "must be a relative path",
                );
            } else if m.sub_path.split('/').any(|s| s == "..") {
                errs.invalid(
                    format!("{mp}.subPath"),
                    m.sub_path.as_str(),
                    "must not contain '..'",
                );
            }
        }
    }
    // Probes and hooks.
    for (f, probe) in c.probes {
        if let Some(pr) = probe {
            let pp = format!("{p}.{f}");
            validate_probe(pr, &pp, errs);
            if f != "readinessProbe" && pr.success_threshold != 1 {
                errs.invalid(
                    format!("{pp}.successThreshold"),
                    pr.success_threshold,
                    "must be 1",
                );
            }
            if f == "readinessProbe" {
                if let Some(t) = pr.termination_grace_period_seconds {
                    errs.invalid(
                        format!("{pp}.terminationGracePeriodSeconds"),
                        t,
                        "must not be set for readinessProbes",
                    );
                }
            }
        }
    }
    if let Some(l) = c.lifecycle {
        for (f, h) in [("postStart", &l.post_start), ("preStop", &l.pre_stop)] {
            if let Some(h) = h {
                let hp = format!("{p}.lifecycle.{f}");
                let set: Vec<&str> = [
                    ("exec", h.exec.is_some()),
                    ("httpGet", h.http_get.is_some()),
                    ("tcpSocket", h.tcp_socket.is_some()),
                    ("sleep", h.sleep.is_some()),
                ]
                .iter()
                .filter(|(_, s)| *s)
                .map(|(n, _)| *n)
                .collect();
                handler_count(&set, &hp, errs);
                if let Some(g) = &h.http_get {
                    validate_port_num_or_name(&g.port, &format!("{hp}.httpGet.port"), errs);
                }
                if let Some(t) = &h.tcp_socket {
                    validate_port_num_or_name(&t.port, &format!("{hp}.tcpSocket.port"), errs);
                }
            }
        }
    }
    if let Some(sc) = c.security_context {
        for (f, v) in [
            ("runAsUser", sc.run_as_user),
            ("runAsGroup", sc.run_as_group),
        ] {
            if let Some(v) = v {
                if !(0..=i32::MAX as i64).contains(&v) {
                    errs.invalid(
                        format!("{p}.securityContext.{f}"),
                        v,
                        "must be between 0 and 2147483647, inclusive",
                    );
                }
            }
        }
        if sc.privileged == Some(true) && sc.allow_privilege_escalation == Some(false) {
            errs.invalid(
                format!("{p}.securityContext"),
                FieldValue::Raw("core.SecurityContext{...}".into()),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            );
        }
    }
}

fn handler_count(set: &[&str], path: &str, errs: &mut FieldErrors) {
    if set.is_empty() {
        errs.required(path, "must specify a handler type");
    }
    for extra in set.iter().skip(1) {
        errs.forbidden(
            format!("{path}.{extra}"),
            "may not specify more than 1 handler type",
        );
    }
}

fn validate_probe(pr: &Probe, path: &str, errs: &mut FieldErrors) {
    let set: Vec<&str> = [
        ("exec", pr.exec.is_some()),
        ("httpGet", pr.http_get.is_some()),
        ("tcpSocket", pr.tcp_socket.is_some()),
        ("grpc", pr.grpc.is_some()),
    ]
    .iter()
    .filter(|(_, s)| *s)
    .map(|(n, _)| *n)
    .collect();
    handler_count(&set, path, errs);
    if let Some(e) = &pr.exec {
        if e.command.is_empty() {
            errs.required(format!("{path}.exec.command"), "");
        }
    }
    if let Some(g) = &pr.http_get {
        validate_port_num_or_name(&g.port, &format!("{path}.httpGet.port"), errs);
        if g.scheme != "HTTP" && g.scheme != "HTTPS" {
            errs.not_supported(
                format!("{path}.httpGet.scheme"),
                g.scheme.as_str(),
                &["HTTP", "HTTPS"],
            );
        }
    }
    if let Some(t) = &pr.tcp_socket {
        validate_port_num_or_name(&t.port, &format!("{path}.tcpSocket.port"), errs);
    }
    if let Some(g) = &pr.grpc {
        if let Some(e) = first_port_num_error(g.port) {
            errs.invalid(format!("{path}.grpc.port"), g.port, e);
        }
    }
    for (f, v) in [
        ("initialDelaySeconds", pr.initial_delay_seconds),
        ("timeoutSeconds", pr.timeout_seconds),
        ("periodSeconds", pr.period_seconds),
        ("successThreshold", pr.success_threshold),
        ("failureThreshold", pr.failure_threshold),
    ] {
        non_negative(v as i64, &format!("{path}.{f}"), errs);
    }
    if let Some(t) = pr.termination_grace_period_seconds {
        if t <= 0 {
            errs.invalid(
                format!("{path}.terminationGracePeriodSeconds"),
                t,
                "must be greater than 0",
            );
        }
    }
}

fn is_standard_container_resource(name: &str) -> bool {
    matches!(name, "cpu" | "memory" | "ephemeral-storage") || name.starts_with("hugepages-")
}

fn validate_resource_name(name: &str, path: &str, errs: &mut FieldErrors) {
    let errs_before = errs.0.len();
    for e in qualified_name_errors(name) {
        errs.invalid(path, name, e);
    }
    if errs.0.len() == errs_before && !name.contains('/') && !is_standard_container_resource(name) {
        errs.invalid(path, name, "must be a standard resource for containers");
    }
}

fn validate_resources(r: &ResourceRequirements, path: &str, errs: &mut FieldErrors) {
    for (kind, list) in [("limits", &r.limits), ("requests", &r.requests)] {
        for (name, q) in list {
            let p = format!("{path}.{kind}[{name}]");
            validate_resource_name(name, &p, errs);
            if q.milli_value() < 0 {
                errs.invalid(p.clone(), q.to_string(), NEGATIVE);
            }
        }
    }
    for (name, req) in &r.requests {
        if let Some(lim) = r.limits.get(name) {
            if req.milli_value() > lim.milli_value() {
                errs.invalid(
                    format!("{path}.requests[{name}]"),
                    req.to_string(),
                    format!("must be less than or equal to {name} limit of {lim}"),
                );
            }
        }
    }
}

fn validate_node_selector_term(t: &NodeSelectorTerm, path: &str, errs: &mut FieldErrors) {
    for (k, list) in [
        ("matchExpressions", &t.match_expressions),
        ("matchFields", &t.match_fields),
    ] {
        for (i, r) in list.iter().enumerate() {
            let p = format!("{path}.{k}[{i}]");
            match r.operator.as_str() {
                "In" | "NotIn" => {
                    if r.values.is_empty() {
                        errs.required(
                            format!("{p}.values"),
                            "must be specified when `operator` is 'In' or 'NotIn'",
                        );
                    }
                }
                "Exists" | "DoesNotExist" => {
                    if !r.values.is_empty() {
                        errs.forbidden(
                            format!("{p}.values"),
                            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                        );
                    }
                }
                "Gt" | "Lt" => {
                    if r.values.len() != 1 {
                        errs.required(
                            format!("{p}.values"),
                            "must be specified single value when `operator` is 'Lt' or 'Gt'",
                        );
                    }
                }
                op => errs.invalid(format!("{p}.operator"), op, "not a valid selector operator"),
            }
            if k == "matchExpressions" {
                for e in qualified_name_errors(&r.key) {
                    errs.invalid(format!("{p}.key"), r.key.as_str(), e);
                }
            }
        }
    }
}

fn validate_affinity(a: &Affinity, path: &str, errs: &mut FieldErrors) {
    if let Some(na) = &a.node_affinity {
        let p = format!("{path}.nodeAffinity");
        if let Some(req) = &na.required_during_scheduling_ignored_during_execution {
            let rp = format!("{p}.requiredDuringSchedulingIgnoredDuringExecution");
            if req.node_selector_terms.is_empty() {
                errs.required(
                    format!("{rp}.nodeSelectorTerms"),
                    "must have at least one node selector term",
                );
            }
            for (i, t) in req.node_selector_terms.iter().enumerate() {
                validate_node_selector_term(t, &format!("{rp}.nodeSelectorTerms[{i}]"), errs);
            }
        }
        for (i, t) in na
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .enumerate()
        {
            let tp = format!("{p}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
            if !(1..=100).contains(&t.weight) {
                errs.invalid(
                    format!("{tp}.weight"),
                    t.weight,
                    "must be in the range 1-100",
                );
            }
            validate_node_selector_term(&t.preference, &format!("{tp}.preference"), errs);
        }
    }
    let term = |t: &PodAffinityTerm, p: &str, errs: &mut FieldErrors| {
        if let Some(s) = &t.label_selector {
            validate_label_selector(s, &format!("{p}.labelSelector"), errs);
        }
        if let Some(s) = &t.namespace_selector {
            validate_label_selector(s, &format!("{p}.namespaceSelector"), errs);
        }
        for (i, n) in t.namespaces.iter().enumerate() {
            for e in dns1123_label_errors(n) {
                errs.invalid(format!("{p}.namespaces[{i}]"), n.as_str(), e);
            }
        }
        if t.topology_key.is_empty() {
            errs.required(format!("{p}.topologyKey"), "can not be empty");
        } else {
            for e in qualified_name_errors(&t.topology_key) {
                errs.invalid(format!("{p}.topologyKey"), t.topology_key.as_str(), e);
            }
        }
    };
    let groups = [
        (
            "podAffinity",
            a.pod_affinity.as_ref().map(|x| {
                (
                    &x.required_during_scheduling_ignored_during_execution,
                    &x.preferred_during_scheduling_ignored_during_execution,
                )
            }),
        ),
        (
            "podAntiAffinity",
            a.pod_anti_affinity.as_ref().map(|x| {
                (
                    &x.required_during_scheduling_ignored_during_execution,
                    &x.preferred_during_scheduling_ignored_during_execution,
                )
            }),
        ),
    ];
    for (name, g) in groups {
        if let Some((req, pref)) = g {
            let p = format!("{path}.{name}");
            for (i, t) in req.iter().enumerate() {
                term(
                    t,
                    &format!("{p}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"),
                    errs,
                );
            }
            for (i, w) in pref.iter().enumerate() {
                let wp = format!("{p}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
                if !(1..=100).contains(&w.weight) {
                    errs.invalid(
                        format!("{wp}.weight"),
                        w.weight,
                        "must be in the range 1-100",
                    );
                }
                term(&w.pod_affinity_term, &format!("{wp}.podAffinityTerm"), errs);
            }
        }
    }
}

fn validate_tolerations(ts: &[Toleration], path: &str, errs: &mut FieldErrors) {
    for (i, t) in ts.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if !t.key.is_empty() {
            for e in qualified_name_errors(&t.key) {
                errs.invalid(format!("{p}.key"), t.key.as_str(), e);
            }
        }
        if t.key.is_empty() && t.operator != "Exists" {
            errs.invalid(format!("{p}.operator"), t.operator.as_str(), "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
        }
        if t.toleration_seconds.is_some() && t.effect != "NoExecute" {
            errs.invalid(
                format!("{p}.effect"),
                t.effect.as_str(),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            );
        }
        match t.operator.as_str() {
            "" | "Equal" => {
                for e in label_value_errors(&t.value) {
                    errs.invalid(format!("{p}.operator"), t.value.as_str(), e);
                }
            }
            "Exists" => {
                if !t.value.is_empty() {
                    errs.invalid(
                        format!("{p}.operator"),
                        t.value.as_str(),
                        "value must be empty when `operator` is 'Exists'",
                    );
                }
            }
            other => errs.not_supported(format!("{p}.operator"), other, &["Equal", "Exists"]),
        }
        if !t.effect.is_empty()
            && !matches!(
                t.effect.as_str(),
                "NoSchedule" | "PreferNoSchedule" | "NoExecute"
            )
        {
            errs.not_supported(
                format!("{p}.effect"),
                t.effect.as_str(),
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            );
        }
    }
}

fn validate_topology_spread(cs: &[TopologySpreadConstraint], path: &str, errs: &mut FieldErrors) {
    let mut seen = BTreeSet::new();
    for (i, c) in cs.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if c.max_skew <= 0 {
            errs.invalid(
                format!("{p}.maxSkew"),
                c.max_skew,
                "must be greater than zero",
            );
        }
        if c.topology_key.is_empty() {
            errs.required(format!("{p}.topologyKey"), "can not be empty");
        } else {
            for e in qualified_name_errors(&c.topology_key) {
                errs.invalid(format!("{p}.topologyKey"), c.topology_key.as_str(), e);
            }
        }
        match c.when_unsatisfiable.as_str() {
            "DoNotSchedule" | "ScheduleAnyway" => {}
            other => errs.not_supported(
                format!("{p}.whenUnsatisfiable"),
                other,
                &["DoNotSchedule", "ScheduleAnyway"],
            ),
        }
        if let Some(m) = c.min_domains {
            if m <= 0 {
                errs.invalid(format!("{p}.minDomains"), m, "must be greater than 0");
            } else if c.when_unsatisfiable != "DoNotSchedule" {
                errs.invalid(format!("{p}.minDomains"), m, "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway");
            }
        }
        for (f, v) in [
            ("nodeAffinityPolicy", &c.node_affinity_policy),
            ("nodeTaintsPolicy", &c.node_taints_policy),
        ] {
            if let Some(v) = v {
                if v != "Honor" && v != "Ignore" {
                    errs.not_supported(format!("{p}.{f}"), v.as_str(), &["Honor", "Ignore"]);
                }
            }
        }
        if let Some(s) = &c.label_selector {
            validate_label_selector(s, &format!("{p}.labelSelector"), errs);
        }
        let pair = (c.topology_key.clone(), c.when_unsatisfiable.clone());
        if !seen.insert(pair) {
            errs.duplicate(
                format!("{p}.{{topologyKey, whenUnsatisfiable}}"),
                FieldValue::Raw(format!("{{{}, {}}}", c.topology_key, c.when_unsatisfiable)),
            );
        }
    }
}

/// Upstream `ValidatePodUpdate` for the spec: only images, activeDeadlineSeconds,
/// added tolerations and a few others may change.
fn validate_pod_spec_update(new: &PodSpec, old: &PodSpec, errs: &mut FieldErrors) {
    let mut n = new.clone();
    for (i, c) in n.containers.iter_mut().enumerate() {
        if let Some(o) = old.containers.get(i) {
            c.image = o.image.clone();
        }
    }
    for (i, c) in n.init_containers.iter_mut().enumerate() {
        if let Some(o) = old.init_containers.get(i) {
            c.image = o.image.clone();
        }
    }
    for (i, c) in n.ephemeral_containers.iter_mut().enumerate() {
        if let Some(o) = old.ephemeral_containers.get(i) {
            c.image = o.image.clone();
        }
    }
    if let Some(a) = new.active_deadline_seconds {
        match old.active_deadline_seconds {
            Some(o) if a > o => errs.invalid(
                "spec.activeDeadlineSeconds",
                a,
                "must be less than or equal to previous value",
            ),
            _ => {}
        }
    } else if old.active_deadline_seconds.is_some() {
        errs.invalid(
            "spec.activeDeadlineSeconds",
            FieldValue::Raw("\"null\"".into()),
            "must not update from a positive integer to nil value",
        );
    }
    n.active_deadline_seconds = old.active_deadline_seconds;
    // Tolerations may only be added.
    if old.tolerations.iter().all(|t| new.tolerations.contains(t)) {
        n.tolerations = old.tolerations.clone();
    }
    if old.termination_grace_period_seconds.is_some_and(|t| t < 0)
        && new.termination_grace_period_seconds == Some(1)
    {
        n.termination_grace_period_seconds = old.termination_grace_period_seconds;
    }
    // Scheduling gates may be removed, and nodeName is set by binding.
    if new
        .scheduling_gates
        .iter()
        .all(|g| old.scheduling_gates.contains(g))
    {
        n.scheduling_gates = old.scheduling_gates.clone();
    }
    if n != *old {
        errs.forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        );
    }
}

// ---------------------------------------------------------------------------
// ReplicationController and apps/v1
// ---------------------------------------------------------------------------

fn validate_rc_spec(s: &ReplicationControllerSpec, errs: &mut FieldErrors) {
    if let Some(r) = s.replicas {
        non_negative(r as i64, "spec.replicas", errs);
    }
    non_negative(s.min_ready_seconds as i64, "spec.minReadySeconds", errs);
    if s.selector.is_empty() {
        errs.required("spec.selector", "");
    }
    validate_labels(&s.selector, "spec.selector", errs);
    match &s.template {
        None => errs.required("spec.template", ""),
        Some(t) => {
            if !s.selector.is_empty()
                && !s
                    .selector
                    .iter()
                    .all(|(k, v)| t.metadata.labels.get(k) == Some(v))
            {
                errs.invalid(
                    "spec.template.metadata.labels",
                    FieldValue::Raw(go_string_map(&t.metadata.labels)),
                    "`selector` does not match template `labels`",
                );
            }
            validate_pod_template_spec(t, "spec.template", errs);
            always_restart(t, "ReplicationController", errs);
        }
    }
}

fn validate_deployment_spec(s: &DeploymentSpec, errs: &mut FieldErrors) {
    if let Some(r) = s.replicas {
        non_negative(r as i64, "spec.replicas", errs);
    }
    validate_selector_and_template(&s.selector, &s.template, "deployment", "ReplicaSet", errs);
    match s.strategy.type_.as_str() {
        "Recreate" => {
            if s.strategy.rolling_update.is_some() {
                errs.forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                );
            }
        }
        "RollingUpdate" => match &s.strategy.rolling_update {
            None => errs.required(
                "spec.strategy.rollingUpdate",
                "this should be defaulted and never be nil",
            ),
            Some(ru) => {
                let base = "spec.strategy.rollingUpdate";
                if let Some(v) = &ru.max_unavailable {
                    validate_int_or_percent(v, &format!("{base}.maxUnavailable"), true, errs);
                }
                if let Some(v) = &ru.max_surge {
                    validate_int_or_percent(v, &format!("{base}.maxSurge"), false, errs);
                }
                if is_zero_int_or_percent(&ru.max_unavailable)
                    && is_zero_int_or_percent(&ru.max_surge)
                {
                    let v = ru.max_unavailable.clone().unwrap_or(IntOrString::Int(0));
                    errs.invalid(
                        format!("{base}.maxUnavailable"),
                        FieldValue::Raw(go_int_or_string(&v)),
                        "may not be 0 when `maxSurge` is 0",
                    );
                }
            }
        },
        "" => errs.required("spec.strategy.type", ""),
        other => errs.not_supported("spec.strategy.type", other, &["Recreate", "RollingUpdate"]),
    }
    non_negative(s.min_ready_seconds as i64, "spec.minReadySeconds", errs);
    if let Some(r) = s.revision_history_limit {
        non_negative(r as i64, "spec.revisionHistoryLimit", errs);
    }
    if let Some(p) = s.progress_deadline_seconds {
        non_negative(p as i64, "spec.progressDeadlineSeconds", errs);
        if p <= s.min_ready_seconds {
            errs.invalid(
                "spec.progressDeadlineSeconds",
                p,
                "must be greater than minReadySeconds",
            );
        }
    }
}

fn validate_replica_set_spec(s: &ReplicaSetSpec, errs: &mut FieldErrors) {
    if let Some(r) = s.replicas {
        non_negative(r as i64, "spec.replicas", errs);
    }
    non_negative(s.min_ready_seconds as i64, "spec.minReadySeconds", errs);
    validate_selector_and_template(&s.selector, &s.template, "deployment", "ReplicaSet", errs);
}

fn validate_daemon_set_spec(s: &DaemonSetSpec, errs: &mut FieldErrors) {
    validate_selector_and_template(&s.selector, &s.template, "daemonset", "DaemonSet", errs);
    non_negative(s.min_ready_seconds as i64, "spec.minReadySeconds", errs);
    match s.update_strategy.type_.as_str() {
        "OnDelete" => {}
        "RollingUpdate" => match &s.update_strategy.rolling_update {
            None => errs.required("spec.updateStrategy.rollingUpdate", ""),
            Some(ru) => {
                let base = "spec.updateStrategy.rollingUpdate";
                if let Some(v) = &ru.max_unavailable {
                    validate_int_or_percent(v, &format!("{base}.maxUnavailable"), true, errs);
                }
                if let Some(v) = &ru.max_surge {
                    validate_int_or_percent(v, &format!("{base}.maxSurge"), true, errs);
                }
                let unavail_zero = is_zero_int_or_percent(&ru.max_unavailable);
                let surge_zero = is_zero_int_or_percent(&ru.max_surge);
                if unavail_zero && surge_zero {
                    let v = ru.max_unavailable.clone().unwrap_or(IntOrString::Int(0));
                    errs.invalid(
                        format!("{base}.maxUnavailable"),
                        FieldValue::Raw(go_int_or_string(&v)),
                        "may not be 0 when `maxSurge` is 0",
                    );
                } else if !unavail_zero && !surge_zero {
                    let v = ru.max_surge.clone().unwrap_or(IntOrString::Int(0));
                    errs.invalid(
                        format!("{base}.maxSurge"),
                        FieldValue::Raw(go_int_or_string(&v)),
                        "may not be set when maxUnavailable is non-zero",
                    );
                }
            }
        },
        "" => errs.required("spec.updateStrategy.type", ""),
        other => errs.not_supported(
            "spec.updateStrategy.type",
            other,
            &["OnDelete", "RollingUpdate"],
        ),
    }
    if let Some(r) = s.revision_history_limit {
        non_negative(r as i64, "spec.revisionHistoryLimit", errs);
    }
}

fn validate_stateful_set_spec(s: &StatefulSetSpec, errs: &mut FieldErrors) {
    match s.pod_management_policy.as_str() {
        "OrderedReady" | "Parallel" => {}
        "" => errs.required("spec.podManagementPolicy", ""),
        other => errs.invalid(
            "spec.podManagementPolicy",
            other,
            "must be 'OrderedReady' or 'Parallel'",
        ),
    }
    match s.update_strategy.type_.as_str() {
        "RollingUpdate" => {
            if let Some(ru) = &s.update_strategy.rolling_update {
                if let Some(p) = ru.partition {
                    non_negative(
                        p as i64,
                        "spec.updateStrategy.rollingUpdate.partition",
                        errs,
                    );
                }
                if let Some(m) = &ru.max_unavailable {
                    let path = "spec.updateStrategy.rollingUpdate.maxUnavailable";
                    validate_int_or_percent(m, path, true, errs);
                    if is_zero_int_or_percent(&Some(m.clone())) {
                        errs.invalid(
                            path,
                            FieldValue::Raw(go_int_or_string(m)),
                            "must be greater than 0",
                        );
                    }
                }
            }
        }
        "OnDelete" => {
            if s.update_strategy.rolling_update.is_some() {
                errs.invalid(
                    "spec.updateStrategy.rollingUpdate",
                    FieldValue::Raw("apps.RollingUpdateStatefulSetStrategy{...}".into()),
                    "only allowed for updateStrategy 'RollingUpdate'",
                );
            }
        }
        "" => errs.required("spec.updateStrategy", ""),
        other => errs.invalid(
            "spec.updateStrategy",
            other,
            "must be 'RollingUpdate' or 'OnDelete'",
        ),
    }
    if let Some(p) = &s.persistent_volume_claim_retention_policy {
        for (f, v) in [
            ("whenDeleted", &p.when_deleted),
            ("whenScaled", &p.when_scaled),
        ] {
            if v != "Retain" && v != "Delete" {
                errs.not_supported(
                    format!("spec.persistentVolumeClaimRetentionPolicy.{f}"),
                    v.as_str(),
                    &["Retain", "Delete"],
                );
            }
        }
    }
    if let Some(r) = s.replicas {
        non_negative(r as i64, "spec.replicas", errs);
    }
    if let Some(o) = &s.ordinals {
        non_negative(o.start as i64, "spec.ordinals.start", errs);
    }
    non_negative(s.min_ready_seconds as i64, "spec.minReadySeconds", errs);
    if let Some(r) = s.revision_history_limit {
        non_negative(r as i64, "spec.revisionHistoryLimit", errs);
    }
    for (i, t) in s.volume_claim_templates.iter().enumerate() {
        if t.metadata.name.is_empty() {
            errs.required(format!("spec.volumeClaimTemplates[{i}].metadata.name"), "");
        } else {
            for e in dns1123_subdomain_errors(&t.metadata.name) {
                errs.invalid(
                    format!("spec.volumeClaimTemplates[{i}].metadata.name"),
                    t.metadata.name.as_str(),
                    e,
                );
            }
        }
    }
    // Upstream validates only the template's labels and annotations here (the pod spec
    // is checked when the controller creates pods): its volume mounts may name
    // volumeClaimTemplates, which a plain pod spec check would reject.
    match &s.selector {
        None => errs.required("spec.selector", ""),
        Some(sel) => {
            validate_label_selector(sel, "spec.selector", errs);
            if selector_is_empty(sel) {
                errs.invalid(
                    "spec.selector",
                    FieldValue::Raw(go_label_selector(sel)),
                    "empty selector is invalid for statefulset",
                );
            } else if let Ok(parsed) = Selector::from_label_selector(sel) {
                if !parsed.matches(&s.template.metadata.labels) {
                    errs.invalid(
                        "spec.template.metadata.labels",
                        FieldValue::Raw(go_string_map(&s.template.metadata.labels)),
                        "`selector` does not match template `labels`",
                    );
                }
            }
        }
    }
    validate_labels(&s.template.metadata.labels, "spec.template.labels", errs);
    validate_annotations(
        &s.template.metadata.annotations,
        "spec.template.annotations",
        errs,
    );
    always_restart(&s.template, "StatefulSet", errs);
}

// ---------------------------------------------------------------------------
// batch/v1
// ---------------------------------------------------------------------------

fn validate_job(j: &Job, errs: &mut FieldErrors) {
    let s = &j.spec;
    if s.manual_selector != Some(true) {
        if let Some(sel) = &s.selector {
            if j.metadata.uid.is_empty() {
                errs.required("metadata.uid", "");
            } else if sel.match_labels.get("batch.kubernetes.io/controller-uid")
                != Some(&j.metadata.uid)
            {
                errs.invalid(
                    "spec.selector",
                    FieldValue::Raw(go_label_selector(sel)),
                    "`selector` not auto-generated",
                );
            }
        }
    }
    match &s.selector {
        None => errs.required("spec.selector", ""),
        Some(sel) => {
            validate_label_selector(sel, "spec.selector", errs);
            if let Ok(parsed) = Selector::from_label_selector(sel) {
                if !selector_is_empty(sel) && !parsed.matches(&s.template.metadata.labels) {
                    errs.invalid(
                        "spec.template.metadata.labels",
                        FieldValue::Raw(go_string_map(&s.template.metadata.labels)),
                        "`selector` does not match template `labels`",
                    );
                }
            }
        }
    }
    validate_job_spec(s, "spec", errs);
}

/// Upstream `validateJobSpec` (everything but the selector) at `path`.
fn validate_job_spec(s: &JobSpec, path: &str, errs: &mut FieldErrors) {
    for (f, v) in [
        ("parallelism", s.parallelism),
        ("completions", s.completions),
        ("backoffLimit", s.backoff_limit),
        ("ttlSecondsAfterFinished", s.ttl_seconds_after_finished),
    ] {
        if let Some(v) = v {
            non_negative(v as i64, &format!("{path}.{f}"), errs);
        }
    }
    if let Some(a) = s.active_deadline_seconds {
        non_negative(a, &format!("{path}.activeDeadlineSeconds"), errs);
    }
    let indexed = s.completion_mode.as_deref() == Some("Indexed");
    if let Some(m) = &s.completion_mode {
        if m != "NonIndexed" && m != "Indexed" {
            errs.not_supported(
                format!("{path}.completionMode"),
                m.as_str(),
                &["NonIndexed", "Indexed"],
            );
        }
        if indexed && s.completions.is_none() {
            errs.required(
                format!("{path}.completions"),
                "when completion mode is Indexed",
            );
        }
    }
    if let Some(b) = s.backoff_limit_per_index {
        non_negative(b as i64, &format!("{path}.backoffLimitPerIndex"), errs);
        if !indexed {
            errs.forbidden(
                format!("{path}.backoffLimitPerIndex"),
                "requires indexed completion mode",
            );
        }
    }
    if let Some(m) = s.max_failed_indexes {
        non_negative(m as i64, &format!("{path}.maxFailedIndexes"), errs);
        if s.backoff_limit_per_index.is_none() {
            errs.required(
                format!("{path}.backoffLimitPerIndex"),
                "when maxFailedIndexes is specified",
            );
        }
    }
    if let Some(p) = &s.pod_replacement_policy {
        if p != "TerminatingOrFailed" && p != "Failed" {
            errs.not_supported(
                format!("{path}.podReplacementPolicy"),
                p.as_str(),
                &["Failed", "TerminatingOrFailed"],
            );
        } else if s.pod_failure_policy.is_some() && p != "Failed" {
            errs.not_supported(
                format!("{path}.podReplacementPolicy"),
                p.as_str(),
                &["Failed"],
            );
        }
    }
    if let Some(pfp) = &s.pod_failure_policy {
        for (i, r) in pfp.rules.iter().enumerate() {
            let rp = format!("{path}.podFailurePolicy.rules[{i}]");
            if !matches!(
                r.action.as_str(),
                "Count" | "FailIndex" | "FailJob" | "Ignore"
            ) {
                errs.not_supported(
                    format!("{rp}.action"),
                    r.action.as_str(),
                    &["Count", "FailIndex", "FailJob", "Ignore"],
                );
            }
            if r.on_exit_codes.is_some() && !r.on_pod_conditions.is_empty() {
                errs.invalid(
                    rp.clone(),
                    FieldValue::Raw(
                        "specifying both OnExitCodes and OnPodConditions is not supported".into(),
                    ),
                    "specifying both OnExitCodes and OnPodConditions is not supported",
                );
            }
            if let Some(ec) = &r.on_exit_codes {
                if ec.operator != "In" && ec.operator != "NotIn" {
                    errs.not_supported(
                        format!("{rp}.onExitCodes.operator"),
                        ec.operator.as_str(),
                        &["In", "NotIn"],
                    );
                }
                if ec.values.is_empty() {
                    errs.required(
                        format!("{rp}.onExitCodes.values"),
                        "at least one value is required",
                    );
                }
            }
        }
    }
    if s.template.spec.restart_policy != "OnFailure" && s.template.spec.restart_policy != "Never" {
        if s.template.spec.restart_policy.is_empty() {
            errs.required(
                format!("{path}.template.spec.restartPolicy"),
                "valid values: \"OnFailure\", \"Never\"",
            );
        } else {
            errs.not_supported(
                format!("{path}.template.spec.restartPolicy"),
                s.template.spec.restart_policy.as_str(),
                &["OnFailure", "Never"],
            );
        }
    }
    validate_pod_template_spec(&s.template, &format!("{path}.template"), errs);
}

fn validate_cron_job_spec(s: &CronJobSpec, errs: &mut FieldErrors) {
    if s.schedule.is_empty() {
        errs.required("spec.schedule", "");
    } else if s.schedule.contains("TZ") {
        errs.invalid(
            "spec.schedule",
            s.schedule.as_str(),
            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        );
    } else if let Err(e) = parse_cron(&s.schedule) {
        errs.invalid("spec.schedule", s.schedule.as_str(), e);
    }
    if let Some(tz) = &s.time_zone {
        if tz.eq_ignore_ascii_case("local") {
            errs.invalid("spec.timeZone", tz.as_str(), "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
        } else if !is_plausible_time_zone(tz) {
            errs.invalid(
                "spec.timeZone",
                tz.as_str(),
                format!("unknown time zone {tz}"),
            );
        }
    }
    if let Some(d) = s.starting_deadline_seconds {
        non_negative(d, "spec.startingDeadlineSeconds", errs);
    }
    match s.concurrency_policy.as_str() {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errs.required("spec.concurrencyPolicy", ""),
        other => errs.not_supported(
            "spec.concurrencyPolicy",
            other,
            &["Allow", "Forbid", "Replace"],
        ),
    }
    for (f, v) in [
        (
            "successfulJobsHistoryLimit",
            s.successful_jobs_history_limit,
        ),
        ("failedJobsHistoryLimit", s.failed_jobs_history_limit),
    ] {
        if let Some(v) = v {
            non_negative(v as i64, &format!("spec.{f}"), errs);
        }
    }
    let jt = &s.job_template;
    validate_labels(
        &jt.metadata.labels,
        "spec.jobTemplate.metadata.labels",
        errs,
    );
    validate_annotations(
        &jt.metadata.annotations,
        "spec.jobTemplate.metadata.annotations",
        errs,
    );
    validate_job_spec(&jt.spec, "spec.jobTemplate.spec", errs);
    if let Some(sel) = &jt.spec.selector {
        errs.invalid(
            "spec.jobTemplate.spec.selector",
            FieldValue::Raw(go_label_selector(sel)),
            "`selector` will be auto-generated",
        );
    }
    if jt.spec.manual_selector == Some(true) {
        errs.not_supported(
            "spec.jobTemplate.spec.manualSelector",
            FieldValue::Bool(true),
            &["nil", "false"],
        );
    }
}

fn is_plausible_time_zone(tz: &str) -> bool {
    !tz.is_empty()
        && !tz.starts_with('/')
        && !tz.ends_with('/')
        && !tz.contains("..")
        && tz.split('/').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b))
        })
        && tz.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
}

/// Parses a standard 5-field cron schedule (or a `@descriptor`) as robfig/cron's
/// `ParseStandard` does; the error text is that library's, which upstream shows.
pub fn parse_cron(spec: &str) -> Result<(), String> {
    crate::api::cron::Schedule::parse(spec).map(|_| ())
}

// ---------------------------------------------------------------------------
// autoscaling/v2 and policy/v1
// ---------------------------------------------------------------------------

fn validate_hpa_spec(s: &HorizontalPodAutoscalerSpec, errs: &mut FieldErrors) {
    let min = s.min_replicas.unwrap_or(1);
    if min < 1 {
        errs.invalid(
            "spec.minReplicas",
            min,
            "must be greater than or equal to 1",
        );
    }
    if s.max_replicas < 1 {
        errs.invalid("spec.maxReplicas", s.max_replicas, "must be greater than 0");
    }
    if s.min_replicas.is_some() && s.max_replicas < min {
        errs.invalid(
            "spec.maxReplicas",
            s.max_replicas,
            "must be greater than or equal to `minReplicas`",
        );
    }
    let r = &s.scale_target_ref;
    if r.kind.is_empty() {
        errs.required("spec.scaleTargetRef.kind", "");
    } else {
        for e in super::path_segment_errors(&r.kind) {
            errs.invalid("spec.scaleTargetRef.kind", r.kind.as_str(), e);
        }
    }
    if r.name.is_empty() {
        errs.required("spec.scaleTargetRef.name", "");
    } else {
        for e in super::path_segment_errors(&r.name) {
            errs.invalid("spec.scaleTargetRef.name", r.name.as_str(), e);
        }
    }
    for (i, m) in s.metrics.iter().enumerate() {
        validate_metric_spec(m, &format!("spec.metrics[{i}]"), errs);
    }
    if let Some(b) = &s.behavior {
        for (f, rules) in [("scaleUp", &b.scale_up), ("scaleDown", &b.scale_down)] {
            if let Some(r) = rules {
                validate_scaling_rules(r, &format!("spec.behavior.{f}"), errs);
            }
        }
    }
}

fn validate_metric_spec(m: &MetricSpec, path: &str, errs: &mut FieldErrors) {
    let set: Vec<(&str, &str)> = [
        ("Object", "object", m.object.is_some()),
        ("Pods", "pods", m.pods.is_some()),
        ("Resource", "resource", m.resource.is_some()),
        (
            "ContainerResource",
            "containerResource",
            m.container_resource.is_some(),
        ),
        ("External", "external", m.external.is_some()),
    ]
    .iter()
    .filter(|x| x.2)
    .map(|x| (x.0, x.1))
    .collect();
    if m.type_.is_empty() {
        errs.required(format!("{path}.type"), "must specify a metric source type");
    }
    if set.is_empty() {
        errs.required(
            path,
            "must populate information for the given metric source",
        );
    }
    if set.len() > 1 {
        errs.forbidden(path, "must populate the given metric source only");
    }
    let expected = match m.type_.as_str() {
        "Object" => "object",
        "Pods" => "pods",
        "Resource" => "resource",
        "ContainerResource" => "containerResource",
        "External" => "external",
        "" => return,
        other => {
            errs.not_supported(
                format!("{path}.type"),
                other,
                &[
                    "ContainerResource",
                    "External",
                    "Object",
                    "Pods",
                    "Resource",
                ],
            );
            return;
        }
    };
    if !set.iter().any(|(_, f)| *f == expected) {
        errs.required(
            format!("{path}.{expected}"),
            "must populate information for the given metric source",
        );
    }
    let metric_name = |n: &str, p: String, errs: &mut FieldErrors| {
        if n.is_empty() {
            errs.required(p, "must specify a metric name");
        }
    };
    if let Some(o) = &m.object {
        let p = format!("{path}.object");
        metric_name(&o.metric.name, format!("{p}.metric.name"), errs);
        if o.described_object.kind.is_empty() {
            errs.required(format!("{p}.describedObject.kind"), "");
        }
        if o.described_object.name.is_empty() {
            errs.required(format!("{p}.describedObject.name"), "");
        }
        validate_metric_target(&o.target, &format!("{p}.target"), errs);
        if o.target.value.is_none() && o.target.average_value.is_none() {
            errs.required(
                format!("{p}.target.averageValue"),
                "must set either a target value or averageValue",
            );
        }
    }
    if let Some(po) = &m.pods {
        let p = format!("{path}.pods");
        metric_name(&po.metric.name, format!("{p}.metric.name"), errs);
        validate_metric_target(&po.target, &format!("{p}.target"), errs);
        if po.target.average_value.is_none() {
            errs.required(
                format!("{p}.target.averageValue"),
                "must specify a positive target averageValue",
            );
        }
    }
    if let Some(e) = &m.external {
        let p = format!("{path}.external");
        metric_name(&e.metric.name, format!("{p}.metric.name"), errs);
        validate_metric_target(&e.target, &format!("{p}.target"), errs);
        if e.target.value.is_none() && e.target.average_value.is_none() {
            errs.required(
                format!("{p}.target.averageValue"),
                "must set either a target value for metric or a per-pod target",
            );
        }
    }
    let resource = |name: &str, target: &MetricTarget, p: String, errs: &mut FieldErrors| {
        if name.is_empty() {
            errs.required(format!("{p}.name"), "must specify a resource name");
        }
        validate_metric_target(target, &format!("{p}.target"), errs);
        if target.average_utilization.is_none() && target.average_value.is_none() {
            errs.required(
                format!("{p}.target.averageUtilization"),
                "must set either a target raw value or a target utilization",
            );
        }
        if target.average_utilization.is_some() && target.average_value.is_some() {
            errs.forbidden(
                format!("{p}.target.averageValue"),
                "may not set both a target raw value and a target utilization",
            );
        }
    };
    if let Some(r) = &m.resource {
        resource(&r.name, &r.target, format!("{path}.resource"), errs);
    }
    if let Some(r) = &m.container_resource {
        let p = format!("{path}.containerResource");
        resource(&r.name, &r.target, p.clone(), errs);
        if r.container.is_empty() {
            errs.required(format!("{p}.container"), "must specify a container");
        } else {
            for e in dns1123_label_errors(&r.container) {
                errs.invalid(format!("{p}.container"), r.container.as_str(), e);
            }
        }
    }
}

fn validate_metric_target(t: &MetricTarget, path: &str, errs: &mut FieldErrors) {
    if t.type_.is_empty() {
        errs.required(format!("{path}.type"), "must specify a metric target type");
    }
    if !matches!(t.type_.as_str(), "Utilization" | "Value" | "AverageValue") {
        errs.invalid(
            format!("{path}.type"),
            t.type_.as_str(),
            "must be either Utilization, Value, or AverageValue",
        );
    }
    if let Some(v) = &t.value {
        if v.milli_value() <= 0 {
            errs.invalid(format!("{path}.value"), v.to_string(), "must be positive");
        }
    }
    if let Some(v) = &t.average_value {
        if v.milli_value() <= 0 {
            errs.invalid(
                format!("{path}.averageValue"),
                v.to_string(),
                "must be positive",
            );
        }
    }
    if let Some(u) = t.average_utilization {
        if u < 1 {
            errs.invalid(
                format!("{path}.averageUtilization"),
                u,
                "must be greater than 0",
            );
        }
    }
}

fn validate_scaling_rules(r: &HPAScalingRules, path: &str, errs: &mut FieldErrors) {
    if let Some(w) = r.stabilization_window_seconds {
        if w < 0 {
            errs.invalid(
                format!("{path}.stabilizationWindowSeconds"),
                w,
                "must be greater than or equal to zero",
            );
        }
        if w > 3600 {
            errs.invalid(
                format!("{path}.stabilizationWindowSeconds"),
                w,
                "must be less than or equal to 3600",
            );
        }
    }
    if let Some(p) = &r.select_policy {
        if !matches!(p.as_str(), "Disabled" | "Max" | "Min") {
            errs.not_supported(
                format!("{path}.selectPolicy"),
                p.as_str(),
                &["Disabled", "Max", "Min"],
            );
        }
    }
    if r.policies.is_empty() {
        errs.required(
            format!("{path}.policies"),
            "must specify at least one Policy",
        );
    }
    for (i, p) in r.policies.iter().enumerate() {
        let pp = format!("{path}.policies[{i}]");
        if p.type_ != "Pods" && p.type_ != "Percent" {
            errs.not_supported(format!("{pp}.type"), p.type_.as_str(), &["Percent", "Pods"]);
        }
        if p.value <= 0 {
            errs.invalid(format!("{pp}.value"), p.value, "must be greater than zero");
        }
        if p.period_seconds <= 0 {
            errs.invalid(
                format!("{pp}.periodSeconds"),
                p.period_seconds,
                "must be greater than zero",
            );
        }
        if p.period_seconds > 1800 {
            errs.invalid(
                format!("{pp}.periodSeconds"),
                p.period_seconds,
                "must be less than or equal to 1800",
            );
        }
    }
}

fn validate_pdb_spec(s: &PodDisruptionBudgetSpec, errs: &mut FieldErrors) {
    if s.min_available.is_some() && s.max_unavailable.is_some() {
        errs.invalid(
            "spec",
            FieldValue::Raw("policy.PodDisruptionBudgetSpec{...}".into()),
            "minAvailable and maxUnavailable cannot be both set",
        );
    }
    if let Some(v) = &s.min_available {
        validate_int_or_percent(v, "spec.minAvailable", true, errs);
    }
    if let Some(v) = &s.max_unavailable {
        validate_int_or_percent(v, "spec.maxUnavailable", true, errs);
    }
    if let Some(sel) = &s.selector {
        validate_label_selector(sel, "spec.selector", errs);
    }
    if let Some(p) = &s.unhealthy_pod_eviction_policy {
        if p != "IfHealthyBudget" && p != "AlwaysAllow" {
            errs.not_supported(
                "spec.unhealthyPodEvictionPolicy",
                p.as_str(),
                &["AlwaysAllow", "IfHealthyBudget"],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::apps_v1::Deployment;
    use crate::api::batch_v1::CronJob;
    use crate::api::core_v1::Pod;
    use crate::api::{Quantity, Resource};
    use crate::apiserver::defaults::set_defaults;
    use serde_json::json;

    /// Decodes, defaults and validates; returns the messages.
    fn check<T: Resource>(v: serde_json::Value) -> Vec<String> {
        let mut o = serde_json::from_value::<T>(v).unwrap().into_object();
        set_defaults(&mut o);
        let mut errs = FieldErrors::default();
        validate(&o, &mut errs);
        errs.0.iter().map(|e| e.to_string()).collect()
    }

    fn deployment(spec_patch: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
        let mut d = json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]}
                }
            }
        });
        spec_patch(&mut d["spec"]);
        d
    }

    #[test]
    fn valid_deployment_passes() {
        assert_eq!(
            check::<Deployment>(deployment(|_| {})),
            Vec::<String>::new()
        );
    }

    #[test]
    fn deployment_errors_use_upstream_words() {
        let errs = check::<Deployment>(deployment(|s| {
            s["replicas"] = json!(-1);
            s["template"]["spec"]["containers"][0]["image"] = json!("");
            s["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(70000);
            s["template"]["spec"]["restartPolicy"] = json!("Never");
        }));
        assert!(
            errs.contains(
                &"spec.replicas: Invalid value: -1: must be greater than or equal to 0".to_string()
            ),
            "{errs:#?}"
        );
        assert!(
            errs.contains(&"spec.template.spec.containers[0].image: Required value".to_string()),
            "{errs:#?}"
        );
        assert!(errs.contains(&"spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive".to_string()), "{errs:#?}");
        assert!(errs.contains(&"spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"".to_string()), "{errs:#?}");
    }

    #[test]
    fn selector_required_and_names_checked() {
        let errs = check::<Deployment>(deployment(|s| {
            s.as_object_mut().unwrap().remove("selector");
            s["template"]["spec"]["containers"] = json!([{"name": "Web", "image": "a"}, {"name": "x", "image": "b"}, {"name": "x", "image": "c"}]);
        }));
        assert!(
            errs.contains(&"spec.selector: Required value".to_string()),
            "{errs:#?}"
        );
        assert!(errs.iter().any(|e| e.starts_with("spec.template.spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label")), "{errs:#?}");
        assert!(
            errs.contains(
                &"spec.template.spec.containers[2].name: Duplicate value: \"x\"".to_string()
            ),
            "{errs:#?}"
        );
    }

    #[test]
    fn go_formatting_of_values() {
        let mut m = BTreeMap::new();
        m.insert("app".to_string(), "web".to_string());
        assert_eq!(go_string_map(&m), "map[string]string{\"app\":\"web\"}");
        let sel = LabelSelector {
            match_labels: m,
            ..Default::default()
        };
        assert_eq!(go_label_selector(&sel), "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}");
    }

    #[test]
    fn selector_is_immutable() {
        let mut new = serde_json::from_value::<Deployment>(deployment(|_| {})).unwrap();
        let old = new.clone();
        new.spec
            .selector
            .as_mut()
            .unwrap()
            .match_labels
            .insert("app".into(), "web2".into());
        let mut errs = FieldErrors::default();
        validate_update(&new.into_object(), &old.into_object(), &mut errs);
        assert_eq!(
            errs.0[0].to_string(),
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
        );
    }

    #[test]
    fn resources_and_probes() {
        let errs = check::<Pod>(json!({
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{
                "name": "c", "image": "nginx",
                "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}},
                "livenessProbe": {"initialDelaySeconds": 3},
                "volumeMounts": [{"name": "missing", "mountPath": "/data"}],
                "env": [{"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
            }]}
        }));
        assert!(
            errs.contains(
                &"spec.containers[0].livenessProbe: Required value: must specify a handler type"
                    .to_string()
            ),
            "{errs:#?}"
        );
        assert!(
            errs.contains(
                &"spec.containers[0].volumeMounts[0].name: Not found: \"missing\"".to_string()
            ),
            "{errs:#?}"
        );
        assert!(errs.contains(&"spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty".to_string()), "{errs:#?}");
        // Needs the real Quantity (milli values); the placeholder compares 0 with 0.
        if Quantity::parse("2").map(|q| q.milli_value()) == Ok(2000) {
            assert!(errs.contains(&"spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1".to_string()), "{errs:#?}");
        }
    }

    #[test]
    fn pod_update_only_images() {
        let old = serde_json::from_value::<Pod>(json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}})).unwrap();
        let mut new = old.clone();
        new.spec.containers[0].image = "nginx:2".into();
        let mut errs = FieldErrors::default();
        validate_update(
            &new.clone().into_object(),
            &old.clone().into_object(),
            &mut errs,
        );
        assert!(errs.is_empty(), "{errs:?}");
        new.spec.containers[0].ports.push(Default::default());
        validate_update(&new.into_object(), &old.into_object(), &mut errs);
        assert!(errs.0[0].to_string().starts_with("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"));
    }

    #[test]
    fn job_restart_policy_and_cron_schedule() {
        let errs = check::<Job>(json!({
            "metadata": {"name": "pi", "namespace": "default", "uid": "u"},
            "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}}
        }));
        assert_eq!(errs, vec!["spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"".to_string()]);
        let errs = check::<CronJob>(json!({
            "metadata": {"name": "c", "namespace": "default"},
            "spec": {"schedule": "* * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "b"}], "restartPolicy": "OnFailure"}}}}}
        }));
        assert_eq!(errs, vec!["spec.schedule: Invalid value: \"* * * *\": expected exactly 5 fields, found 4: [* * * *]".to_string()]);
    }

    #[test]
    fn cron_parser() {
        for ok in [
            "*/5 * * * *",
            "0 0 1 jan-jun MON-FRI",
            "@hourly",
            "@every 1h30m",
            "0-59/15 0,12 * * ?",
            "5 4 * * sun",
        ] {
            assert_eq!(parse_cron(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            parse_cron("60 * * * *").unwrap_err(),
            "end of range (60) above maximum (59): 60"
        );
        assert_eq!(
            parse_cron("x * * * *").unwrap_err(),
            "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            parse_cron("5-1 * * * *").unwrap_err(),
            "beginning of range (5) beyond end of range (1): 5-1"
        );
        assert_eq!(
            parse_cron("* * 0 * *").unwrap_err(),
            "beginning of range (0) below minimum (1): 0"
        );
        assert_eq!(
            parse_cron("@often").unwrap_err(),
            "unrecognized descriptor: @often"
        );
    }

    #[test]
    fn hpa_and_pdb() {
        use crate::api::autoscaling::HorizontalPodAutoscaler;
        use crate::api::policy_v1::PodDisruptionBudget;
        let errs = check::<HorizontalPodAutoscaler>(json!({
            "metadata": {"name": "h", "namespace": "default"},
            "spec": {"scaleTargetRef": {"kind": "Deployment"}, "minReplicas": 5, "maxReplicas": 2}
        }));
        assert!(errs.contains(&"spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`".to_string()), "{errs:#?}");
        assert!(
            errs.contains(&"spec.scaleTargetRef.name: Required value".to_string()),
            "{errs:#?}"
        );
        let errs = check::<PodDisruptionBudget>(json!({
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {"minAvailable": "120%", "selector": {"matchLabels": {"app": "x"}}}
        }));
        assert_eq!(
            errs,
            vec![
                "spec.minAvailable: Invalid value: \"120%\": must not be greater than 100%"
                    .to_string()
            ]
        );
    }

    #[test]
    fn rolling_update_zero_zero() {
        let errs = check::<Deployment>(deployment(|s| {
            s["strategy"] = json!({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}});
        }));
        assert_eq!(errs, vec!["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 when `maxSurge` is 0".to_string()]);
    }
}
