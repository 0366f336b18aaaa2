//! Defaults for Pod (and every pod template), ReplicationController, the apps kinds
//! (Deployment, ReplicaSet, DaemonSet, StatefulSet), batch (Job, CronJob),
//! autoscaling/v2 HorizontalPodAutoscaler and policy/v1 PodDisruptionBudget, as
//! upstream's `pkg/apis/{core,apps,batch,autoscaling}/v1*/defaults.go` and the
//! declarative `+default` markers of `k8s.io/api` (v1.33).
//!
//! Also the Job selector/labels generated on create (`pkg/registry/batch/job`), an
//! API-server step whose effect users see in `-o yaml`. (Priority is admission's.)

use crate::api::apps_v1::{
    DaemonSet, Deployment, ReplicaSet, RollingUpdateDaemonSet, RollingUpdateDeployment,
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy,
};
use crate::api::autoscaling::{
    cpu_utilization_metric, HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscaler,
};
use crate::api::batch_v1::{CronJob, Job, JobSpec};
use crate::api::core_v1::{
    Container, EphemeralContainer, HTTPGetAction, LifecycleHandler, Pod, PodSpec, PodTemplateSpec,
    Probe, ReplicationController, Volume,
};
use crate::api::meta::LabelSelector;
use crate::api::{IntOrString, Object};

/// Fills in upstream defaults for the workload kinds (other kinds are left alone).
pub fn set_defaults(obj: &mut Object) {
    match obj {
        Object::Pod(p) => pod(std::sync::Arc::make_mut(p)),
        Object::ReplicationController(rc) => replication_controller(std::sync::Arc::make_mut(rc)),
        Object::Deployment(d) => deployment(std::sync::Arc::make_mut(d)),
        Object::ReplicaSet(rs) => replica_set(std::sync::Arc::make_mut(rs)),
        Object::DaemonSet(ds) => daemon_set(std::sync::Arc::make_mut(ds)),
        Object::StatefulSet(s) => stateful_set(std::sync::Arc::make_mut(s)),
        Object::Job(j) => job(std::sync::Arc::make_mut(j)),
        Object::CronJob(c) => cron_job(std::sync::Arc::make_mut(c)),
        Object::HorizontalPodAutoscaler(h) => hpa(std::sync::Arc::make_mut(h)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// core/v1
// ---------------------------------------------------------------------------

/// `SetObjectDefaults_Pod`: the pod spec defaults plus the pod-only ones.
fn pod(p: &mut Pod) {
    // SetDefaults_Pod: requests default to limits (containers and init containers).
    for c in p
        .spec
        .containers
        .iter_mut()
        .chain(p.spec.init_containers.iter_mut())
    {
        let limits = c.resources.limits.clone();
        for (k, v) in limits {
            c.resources.requests.entry(k).or_insert(v);
        }
    }
    if p.spec.enable_service_links.is_none() {
        p.spec.enable_service_links = Some(true);
    }
    if p.spec.host_network {
        for c in p
            .spec
            .containers
            .iter_mut()
            .chain(p.spec.init_containers.iter_mut())
        {
            for port in &mut c.ports {
                if port.host_port == 0 {
                    port.host_port = port.container_port;
                }
            }
        }
    }
    pod_spec(&mut p.spec);
}

/// Defaults of a pod template (`SetDefaults_PodSpec` and everything inside it).
pub fn pod_template(t: &mut PodTemplateSpec) {
    pod_spec(&mut t.spec);
}

/// `SetDefaults_PodSpec` plus the defaults of containers, probes and volumes.
pub fn pod_spec(s: &mut PodSpec) {
    if s.dns_policy.is_empty() {
        s.dns_policy = "ClusterFirst".into();
    }
    if s.restart_policy.is_empty() {
        s.restart_policy = "Always".into();
    }
    if s.security_context.is_none() {
        s.security_context = Some(Box::default());
    }
    if s.termination_grace_period_seconds.is_none() {
        s.termination_grace_period_seconds = Some(30);
    }
    if s.scheduler_name.is_empty() {
        s.scheduler_name = "default-scheduler".into();
    }
    for v in &mut s.volumes {
        volume(v);
    }
    for c in s.containers.iter_mut().chain(s.init_containers.iter_mut()) {
        container(c);
    }
    for c in &mut s.ephemeral_containers {
        ephemeral_container(c);
    }
}

/// The image pull policy upstream picks for an image: `Always` for the `latest` tag
/// (explicit, or implied by no tag and no digest), `IfNotPresent` otherwise
/// (including references that do not parse).
pub fn default_pull_policy(image: &str) -> &'static str {
    if image_tag(image).as_deref() == Some("latest") {
        "Always"
    } else {
        "IfNotPresent"
    }
}

/// The tag of an image reference as upstream's `parsers.ParseImageName` reports it:
/// `latest` when neither tag nor digest is given, `None` for a digest-only or an
/// invalid reference.
fn image_tag(image: &str) -> Option<String> {
    if image.is_empty() || image.trim() != image {
        return None;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let (path, tag) = match last.split_once(':') {
        Some((_, t)) => (&name[..name.len() - t.len() - 1], Some(t)),
        None => (name, None),
    };
    // The registry host may hold upper case; the repository path may not.
    let repo = match path.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') || host == "localhost" => {
            rest
        }
        _ => path,
    };
    if repo.is_empty() || repo.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    match (tag, digest) {
        (Some(t), _) => Some(t.to_string()),
        (None, Some(_)) => None,
        (None, None) => Some("latest".into()),
    }
}

macro_rules! container_defaults {
    ($c:expr) => {{
        let c = $c;
        if c.image_pull_policy.is_empty() {
            c.image_pull_policy = default_pull_policy(&c.image).into();
        }
        if c.termination_message_path.is_empty() {
            c.termination_message_path = "/dev/termination-log".into();
        }
        if c.termination_message_policy.is_empty() {
            c.termination_message_policy = "File".into();
        }
        for p in &mut c.ports {
            if p.protocol.is_empty() {
                p.protocol = "TCP".into();
            }
        }
        for e in &mut c.env {
            if let Some(vf) = e.value_from.as_mut() {
                if let Some(f) = vf.field_ref.as_mut() {
                    if f.api_version.is_empty() {
                        f.api_version = "v1".into();
                    }
                }
            }
        }
        for p in [
            &mut c.liveness_probe,
            &mut c.readiness_probe,
            &mut c.startup_probe,
        ]
        .into_iter()
        .flatten()
        {
            probe(p);
        }
        if let Some(l) = c.lifecycle.as_mut() {
            for h in [&mut l.post_start, &mut l.pre_stop].into_iter().flatten() {
                handler(h);
            }
        }
    }};
}

fn container(c: &mut Container) {
    container_defaults!(c);
}

fn ephemeral_container(c: &mut EphemeralContainer) {
    container_defaults!(c);
}

fn probe(p: &mut Probe) {
    if p.timeout_seconds == 0 {
        p.timeout_seconds = 1;
    }
    if p.period_seconds == 0 {
        p.period_seconds = 10;
    }
    if p.success_threshold == 0 {
        p.success_threshold = 1;
    }
    if p.failure_threshold == 0 {
        p.failure_threshold = 3;
    }
    if let Some(h) = p.http_get.as_mut() {
        http_get(h);
    }
    if let Some(g) = p.grpc.as_mut() {
        if g.service.is_none() {
            g.service = Some(String::new());
        }
    }
}

fn handler(h: &mut LifecycleHandler) {
    if let Some(g) = h.http_get.as_mut() {
        http_get(g);
    }
}

fn http_get(h: &mut HTTPGetAction) {
    if h.path.is_empty() {
        h.path = "/".into();
    }
    if h.scheme.is_empty() {
        h.scheme = "HTTP".into();
    }
}

fn volume(v: &mut Volume) {
    if v.source_names().is_empty() {
        v.empty_dir = Some(Default::default());
    }
    if let Some(h) = v.host_path.as_mut() {
        if h.type_.is_none() {
            h.type_ = Some(String::new());
        }
    }
    if let Some(s) = v.secret.as_mut() {
        s.default_mode.get_or_insert(0o644);
    }
    if let Some(c) = v.config_map.as_mut() {
        c.default_mode.get_or_insert(0o644);
    }
    if let Some(d) = v.downward_api.as_mut() {
        d.default_mode.get_or_insert(0o644);
        for f in &mut d.items {
            if let Some(r) = f.field_ref.as_mut() {
                if r.api_version.is_empty() {
                    r.api_version = "v1".into();
                }
            }
        }
    }
    if let Some(p) = v.projected.as_mut() {
        p.default_mode.get_or_insert(0o644);
        for src in &mut p.sources {
            if let Some(t) = src.service_account_token.as_mut() {
                t.expiration_seconds.get_or_insert(3600);
            }
            if let Some(d) = src.downward_api.as_mut() {
                for f in &mut d.items {
                    if let Some(r) = f.field_ref.as_mut() {
                        if r.api_version.is_empty() {
                            r.api_version = "v1".into();
                        }
                    }
                }
            }
        }
    }
    if let Some(i) = v.iscsi.as_mut() {
        if i.iscsi_interface.is_empty() {
            i.iscsi_interface = "default".into();
        }
    }
    if let Some(r) = v.rbd.as_mut() {
        if r.pool.is_empty() {
            r.pool = "rbd".into();
        }
        if r.user.is_empty() {
            r.user = "admin".into();
        }
        if r.keyring.is_empty() {
            r.keyring = "/etc/ceph/keyring".into();
        }
    }
    if let Some(a) = v.azure_disk.as_mut() {
        a.caching_mode.get_or_insert_with(|| "ReadWrite".into());
        a.fs_type.get_or_insert_with(|| "ext4".into());
        a.read_only.get_or_insert(false);
        a.kind.get_or_insert_with(|| "Shared".into());
    }
    if let Some(s) = v.scale_io.as_mut() {
        if s.storage_mode.is_empty() {
            s.storage_mode = "ThinProvisioned".into();
        }
        if s.fs_type.is_empty() {
            s.fs_type = "xfs".into();
        }
    }
    if let Some(e) = v.ephemeral.as_mut() {
        if let Some(t) = e.volume_claim_template.as_mut() {
            t.spec
                .volume_mode
                .get_or_insert_with(|| "Filesystem".into());
        }
    }
    if let Some(i) = v.image.as_mut() {
        if i.pull_policy.is_empty() {
            i.pull_policy = default_pull_policy(&i.reference).into();
        }
    }
}

fn replication_controller(rc: &mut ReplicationController) {
    if let Some(t) = rc.spec.template.as_mut() {
        let labels = t.metadata.labels.clone();
        if !labels.is_empty() {
            if rc.spec.selector.is_empty() {
                rc.spec.selector = labels.clone();
            }
            if rc.metadata.labels.is_empty() {
                rc.metadata.labels = labels;
            }
        }
        pod_template(t);
    }
    rc.spec.replicas.get_or_insert(1);
}

// ---------------------------------------------------------------------------
// apps/v1
// ---------------------------------------------------------------------------

fn deployment(d: &mut Deployment) {
    let s = &mut d.spec;
    s.replicas.get_or_insert(1);
    if s.strategy.type_.is_empty() {
        s.strategy.type_ = "RollingUpdate".into();
    }
    if s.strategy.type_ == "RollingUpdate" {
        let ru = s
            .strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDeployment::default);
        ru.max_unavailable
            .get_or_insert_with(|| IntOrString::String("25%".into()));
        ru.max_surge
            .get_or_insert_with(|| IntOrString::String("25%".into()));
    }
    s.revision_history_limit.get_or_insert(10);
    s.progress_deadline_seconds.get_or_insert(600);
    pod_template(&mut s.template);
}

fn replica_set(rs: &mut ReplicaSet) {
    rs.spec.replicas.get_or_insert(1);
    pod_template(&mut rs.spec.template);
}

fn daemon_set(ds: &mut DaemonSet) {
    let s = &mut ds.spec;
    if s.update_strategy.type_.is_empty() {
        s.update_strategy.type_ = "RollingUpdate".into();
    }
    if s.update_strategy.type_ == "RollingUpdate" {
        let ru = s
            .update_strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDaemonSet::default);
        ru.max_unavailable.get_or_insert(IntOrString::Int(1));
        ru.max_surge.get_or_insert(IntOrString::Int(0));
    }
    s.revision_history_limit.get_or_insert(10);
    pod_template(&mut s.template);
}

fn stateful_set(ss: &mut StatefulSet) {
    let s = &mut ss.spec;
    if s.pod_management_policy.is_empty() {
        s.pod_management_policy = "OrderedReady".into();
    }
    if s.update_strategy.type_.is_empty() {
        s.update_strategy.type_ = "RollingUpdate".into();
        if s.update_strategy.rolling_update.is_none() {
            s.update_strategy.rolling_update = Some(RollingUpdateStatefulSetStrategy::default());
        }
    }
    if s.update_strategy.type_ == "RollingUpdate" {
        if let Some(ru) = s.update_strategy.rolling_update.as_mut() {
            ru.partition.get_or_insert(0);
        }
    }
    let p = s
        .persistent_volume_claim_retention_policy
        .get_or_insert_with(StatefulSetPersistentVolumeClaimRetentionPolicy::default);
    if p.when_deleted.is_empty() {
        p.when_deleted = "Retain".into();
    }
    if p.when_scaled.is_empty() {
        p.when_scaled = "Retain".into();
    }
    s.replicas.get_or_insert(1);
    s.revision_history_limit.get_or_insert(10);
    for pvc in &mut s.volume_claim_templates {
        pvc.spec
            .volume_mode
            .get_or_insert_with(|| "Filesystem".into());
        // The embedded PVC is defaulted as a whole: its status phase becomes Pending.
        let status = pvc.status.get_or_insert_with(Default::default);
        if status.phase.is_empty() {
            status.phase = "Pending".into();
        }
    }
    pod_template(&mut s.template);
}

// ---------------------------------------------------------------------------
// batch/v1
// ---------------------------------------------------------------------------

fn job(j: &mut Job) {
    // The registry generates the selector and pod labels on create (unless
    // manualSelector); the API server has set the uid by now.
    let uid = j.metadata.uid.clone();
    if j.spec.manual_selector != Some(true) && !uid.is_empty() {
        let name = j.metadata.name.clone();
        let labels = &mut j.spec.template.metadata.labels;
        for key in ["job-name", "batch.kubernetes.io/job-name"] {
            labels.entry(key.into()).or_insert_with(|| name.clone());
        }
        for key in ["controller-uid", "batch.kubernetes.io/controller-uid"] {
            labels.entry(key.into()).or_insert_with(|| uid.clone());
        }
        let sel = j.spec.selector.get_or_insert_with(LabelSelector::default);
        sel.match_labels
            .entry("batch.kubernetes.io/controller-uid".into())
            .or_insert(uid);
    }
    if j.metadata.labels.is_empty() && !j.spec.template.metadata.labels.is_empty() {
        j.metadata.labels = j.spec.template.metadata.labels.clone();
    }
    job_spec(&mut j.spec);
}

/// `SetDefaults_Job` on a Job spec (also used for CronJob job templates).
fn job_spec(s: &mut JobSpec) {
    if s.completions.is_none() && s.parallelism.is_none() {
        s.completions = Some(1);
        s.parallelism = Some(1);
    }
    s.parallelism.get_or_insert(1);
    if s.backoff_limit.is_none() {
        s.backoff_limit = Some(if s.backoff_limit_per_index.is_some() {
            i32::MAX
        } else {
            6
        });
    }
    s.completion_mode.get_or_insert_with(|| "NonIndexed".into());
    s.suspend.get_or_insert(false);
    if let Some(pfp) = s.pod_failure_policy.as_mut() {
        for r in &mut pfp.rules {
            for c in &mut r.on_pod_conditions {
                if c.status.is_empty() {
                    c.status = "True".into();
                }
            }
        }
    }
    if s.pod_replacement_policy.is_none() {
        s.pod_replacement_policy = Some(
            if s.pod_failure_policy.is_some() {
                "Failed"
            } else {
                "TerminatingOrFailed"
            }
            .into(),
        );
    }
    s.manual_selector.get_or_insert(false);
    pod_template(&mut s.template);
}

fn cron_job(c: &mut CronJob) {
    let s = &mut c.spec;
    if s.concurrency_policy.is_empty() {
        s.concurrency_policy = "Allow".into();
    }
    s.suspend.get_or_insert(false);
    s.successful_jobs_history_limit.get_or_insert(3);
    s.failed_jobs_history_limit.get_or_insert(1);
    // Only the pod template inside the job template is defaulted: `SetDefaults_Job`
    // applies to Jobs, not to JobTemplateSpecs (a real CronJob shows no backoffLimit).
    pod_template(&mut s.job_template.spec.template);
}

// ---------------------------------------------------------------------------
// autoscaling/v2
// ---------------------------------------------------------------------------

fn hpa(h: &mut HorizontalPodAutoscaler) {
    let s = &mut h.spec;
    s.min_replicas.get_or_insert(1);
    if s.metrics.is_empty() {
        s.metrics.push(cpu_utilization_metric(80));
    }
    if let Some(b) = s.behavior.as_mut() {
        let up = HPAScalingRules {
            stabilization_window_seconds: Some(0),
            select_policy: Some("Max".into()),
            policies: vec![
                HPAScalingPolicy {
                    type_: "Pods".into(),
                    value: 4,
                    period_seconds: 15,
                },
                HPAScalingPolicy {
                    type_: "Percent".into(),
                    value: 100,
                    period_seconds: 15,
                },
            ],
            tolerance: None,
        };
        let down = HPAScalingRules {
            stabilization_window_seconds: None,
            select_policy: Some("Max".into()),
            policies: vec![HPAScalingPolicy {
                type_: "Percent".into(),
                value: 100,
                period_seconds: 15,
            }],
            tolerance: None,
        };
        b.scale_up = Some(merge_rules(b.scale_up.take(), up));
        b.scale_down = Some(merge_rules(b.scale_down.take(), down));
    }
}

/// Upstream `copyHPAScalingRules`: fields the user set win over the defaults.
fn merge_rules(from: Option<HPAScalingRules>, mut to: HPAScalingRules) -> HPAScalingRules {
    if let Some(f) = from {
        if f.select_policy.is_some() {
            to.select_policy = f.select_policy;
        }
        if f.stabilization_window_seconds.is_some() {
            to.stabilization_window_seconds = f.stabilization_window_seconds;
        }
        if !f.policies.is_empty() {
            to.policies = f.policies;
        }
        if f.tolerance.is_some() {
            to.tolerance = f.tolerance;
        }
    }
    to
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Resource;
    use serde_json::json;

    fn decode<T: Resource>(v: serde_json::Value) -> Object {
        serde_json::from_value::<T>(v).unwrap().into_object()
    }

    fn defaulted<T: Resource>(v: serde_json::Value) -> serde_json::Value {
        let mut o = decode::<T>(v);
        set_defaults(&mut o);
        o.to_json()
    }

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.25"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/app"), "Always");
        assert_eq!(default_pull_policy("localhost:5000/app:v2"), "IfNotPresent");
        assert_eq!(default_pull_policy("nginx@sha256:abcd"), "IfNotPresent");
        assert_eq!(default_pull_policy("nginx:latest@sha256:abcd"), "Always");
        assert_eq!(default_pull_policy("Nginx"), "IfNotPresent");
        assert_eq!(default_pull_policy(""), "IfNotPresent");
    }

    #[test]
    fn deployment_defaults_as_upstream_stores_them() {
        let got = defaulted::<Deployment>(json!({
            "metadata": {"name": "flask-deployment", "namespace": "default"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "flask"}},
                "template": {
                    "metadata": {"labels": {"app": "flask"}},
                    "spec": {"containers": [{"name": "flask", "image": "digitalocean/flask-helloworld", "ports": [{"containerPort": 5000}]}]}
                }
            }
        }));
        let want = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "flask-deployment", "namespace": "default"},
            "spec": {
                "progressDeadlineSeconds": 600,
                "replicas": 3,
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": {"app": "flask"}},
                "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
                "template": {
                    "metadata": {"labels": {"app": "flask"}},
                    "spec": {
                        "containers": [{
                            "image": "digitalocean/flask-helloworld",
                            "imagePullPolicy": "Always",
                            "name": "flask",
                            "ports": [{"containerPort": 5000, "protocol": "TCP"}],
                            "resources": {},
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File"
                        }],
                        "dnsPolicy": "ClusterFirst",
                        "restartPolicy": "Always",
                        "schedulerName": "default-scheduler",
                        "securityContext": {},
                        "terminationGracePeriodSeconds": 30
                    }
                }
            }
        });
        assert_eq!(got, want);
    }

    #[test]
    fn pod_defaults_include_pod_only_fields() {
        let got = defaulted::<Pod>(json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "containers": [{
                    "name": "web", "image": "nginx:1.25",
                    "resources": {"limits": {"cpu": "500m"}},
                    "livenessProbe": {"httpGet": {"port": 80}},
                    "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
                }],
                "volumes": [{"name": "cfg", "configMap": {"name": "cfg"}}, {"name": "scratch"}, {"name": "h", "hostPath": {"path": "/x"}}]
            }
        }));
        let spec = &got["spec"];
        assert_eq!(spec["enableServiceLinks"], json!(true));
        // priority and preemptionPolicy are admission's (apiserver/admission.rs).
        assert_eq!(spec["priority"], json!(null));
        let c = &spec["containers"][0];
        assert_eq!(c["imagePullPolicy"], json!("IfNotPresent"));
        assert_eq!(c["resources"]["requests"], json!({"cpu": "500m"}));
        assert_eq!(
            c["livenessProbe"],
            json!({
                "failureThreshold": 3, "httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
                "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1
            })
        );
        assert_eq!(
            c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"],
            json!("v1")
        );
        assert_eq!(
            spec["volumes"][0]["configMap"],
            json!({"defaultMode": 420, "name": "cfg"})
        );
        assert_eq!(spec["volumes"][1]["emptyDir"], json!({}));
        assert_eq!(
            spec["volumes"][2]["hostPath"],
            json!({"path": "/x", "type": ""})
        );
    }

    #[test]
    fn apps_defaults() {
        let ds = defaulted::<DaemonSet>(
            json!({"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "b"}]}}}}),
        );
        assert_eq!(
            ds["spec"]["updateStrategy"],
            json!({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}, "type": "RollingUpdate"})
        );
        assert_eq!(ds["spec"]["revisionHistoryLimit"], json!(10));
        let ss = defaulted::<StatefulSet>(
            json!({"metadata": {"name": "s"}, "spec": {"serviceName": "s", "template": {"spec": {"containers": [{"name": "a", "image": "b"}]}}}}),
        );
        assert_eq!(ss["spec"]["podManagementPolicy"], json!("OrderedReady"));
        assert_eq!(
            ss["spec"]["updateStrategy"],
            json!({"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"})
        );
        assert_eq!(
            ss["spec"]["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        assert_eq!(ss["spec"]["replicas"], json!(1));
        let rs = defaulted::<ReplicaSet>(json!({"metadata": {"name": "r"}, "spec": {}}));
        assert_eq!(rs["spec"]["replicas"], json!(1));
        let rc = defaulted::<ReplicationController>(
            json!({"metadata": {"name": "r"}, "spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "a", "image": "b"}]}}}}),
        );
        assert_eq!(rc["spec"]["selector"], json!({"app": "x"}));
        assert_eq!(rc["metadata"]["labels"], json!({"app": "x"}));
        assert_eq!(rc["spec"]["replicas"], json!(1));
    }

    #[test]
    fn job_gets_generated_selector_and_defaults() {
        let got = defaulted::<Job>(json!({
            "metadata": {"name": "pi", "namespace": "default", "uid": "u-1"},
            "spec": {"backoffLimit": 4, "template": {"spec": {"containers": [{"name": "pi", "image": "perl:5.34.0"}], "restartPolicy": "Never"}}}
        }));
        let s = &got["spec"];
        assert_eq!(
            s["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        assert_eq!(
            s["template"]["metadata"]["labels"],
            json!({
                "batch.kubernetes.io/controller-uid": "u-1", "batch.kubernetes.io/job-name": "pi",
                "controller-uid": "u-1", "job-name": "pi"
            })
        );
        assert_eq!(
            got["metadata"]["labels"],
            s["template"]["metadata"]["labels"]
        );
        assert_eq!(s["backoffLimit"], json!(4));
        assert_eq!(s["completions"], json!(1));
        assert_eq!(s["parallelism"], json!(1));
        assert_eq!(s["completionMode"], json!("NonIndexed"));
        assert_eq!(s["suspend"], json!(false));
        assert_eq!(s["manualSelector"], json!(false));
        assert_eq!(s["podReplacementPolicy"], json!("TerminatingOrFailed"));
        assert_eq!(s["template"]["spec"]["restartPolicy"], json!("Never"));
    }

    #[test]
    fn cron_job_and_hpa_defaults() {
        let cj = defaulted::<CronJob>(
            json!({"metadata": {"name": "c"}, "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "busybox:1.28"}], "restartPolicy": "OnFailure"}}}}}}),
        );
        let s = &cj["spec"];
        assert_eq!(s["concurrencyPolicy"], json!("Allow"));
        assert_eq!(s["suspend"], json!(false));
        assert_eq!(s["successfulJobsHistoryLimit"], json!(3));
        assert_eq!(s["failedJobsHistoryLimit"], json!(1));
        assert_eq!(s["jobTemplate"]["spec"].get("backoffLimit"), None);
        assert_eq!(
            s["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"],
            json!("ClusterFirst")
        );

        let h = defaulted::<HorizontalPodAutoscaler>(
            json!({"metadata": {"name": "h"}, "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}),
        );
        assert_eq!(h["spec"]["minReplicas"], json!(1));
        assert_eq!(
            h["spec"]["metrics"],
            json!([{"resource": {"name": "cpu", "target": {"averageUtilization": 80, "type": "Utilization"}}, "type": "Resource"}])
        );
        assert_eq!(
            h["spec"]["behavior"],
            json!({
                "scaleDown": {"policies": [{"periodSeconds": 15, "type": "Percent", "value": 100}], "selectPolicy": "Max", "stabilizationWindowSeconds": 60},
                "scaleUp": {"policies": [{"periodSeconds": 15, "type": "Pods", "value": 4}, {"periodSeconds": 15, "type": "Percent", "value": 100}], "selectPolicy": "Max", "stabilizationWindowSeconds": 0}
            })
        );
    }

    #[test]
    fn hpa_v1_converts_cpu_target() {
        use crate::api::autoscaling::{hpa_from_v1, HorizontalPodAutoscalerV1};
        let v1: HorizontalPodAutoscalerV1 = serde_json::from_value(json!({
            "metadata": {"name": "php-apache"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "php-apache"}, "minReplicas": 1, "maxReplicas": 10, "targetCPUUtilizationPercentage": 50}
        }))
        .unwrap();
        let v2 = hpa_from_v1(v1);
        assert_eq!(v2.spec.max_replicas, 10);
        assert_eq!(
            serde_json::to_value(&v2.spec.metrics).unwrap(),
            json!([{"resource": {"name": "cpu", "target": {"averageUtilization": 50, "type": "Utilization"}}, "type": "Resource"}])
        );
    }
}
