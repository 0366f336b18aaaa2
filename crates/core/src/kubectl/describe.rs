//! `kubectl describe`: upstream's describers, section by section.
//!
//! The command resolves its arguments as kubectl's resource builder does (`TYPE NAME...`,
//! `TYPE` for all in the namespace, `TYPE/NAME`, `-l`, `-A`, `-f FILE`, and the name-prefix
//! fallback of `describe TYPE PREFIX`), describes each object and joins the texts with a
//! blank line pair as upstream. The describers live in sub-modules:
//! [`writer`] (prefix writer, Go tabwriter, timestamps, shared sections), [`pod`] (Pod,
//! containers, volumes, pod templates), [`apps`] (Deployment, ReplicaSet, DaemonSet,
//! StatefulSet, Job), [`core`] (Service, Node, Namespace, ConfigMap, Secret,
//! ServiceAccount, Endpoints, ResourceQuota, LimitRange) and [`generic`] (every other kind,
//! as kubectl's unstructured describer). Objects are read only through the API server.

pub mod apps;
pub mod autoscaling;
pub mod core;
pub mod generic;
pub mod pod;
pub mod storage;
pub mod writer;

use std::sync::Arc;

use super::args::{self, flag, Flag};
use super::resources;
use super::{Ctx, Output};
use crate::api::core_v1::Event;
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::meta::ObjectMeta;
use crate::api::{Kind, Object};
use crate::apiserver::{ApiServer, Reason};
use crate::sim::Millis;

const FLAGS: &[Flag] = &[
    flag("filename", Some('f'), true),
    flag("recursive", Some('R'), false),
    flag("kustomize", Some('k'), true),
    flag("selector", Some('l'), true),
    flag("all-namespaces", Some('A'), false),
    flag("show-events", None, false),
    flag("chunk-size", None, true),
];

/// What every describer needs besides the object.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Print the `Events:` section (`--show-events`, default true).
    pub show_events: bool,
    /// The simulated time, for ages.
    pub now: Millis,
}

/// Events whose involved object is `m` (by namespace, name, uid, and kind when given),
/// as kubectl's `searchEvents`.
pub fn events_for(api: &ApiServer, m: &ObjectMeta, kind: Option<&str>) -> Vec<Event> {
    events_matching(api, &m.namespace, &m.name, kind, &m.uid)
}

/// Events about the object `namespace/name` of `kind` with `uid` (empty matches any).
pub fn events_matching(
    api: &ApiServer,
    namespace: &str,
    name: &str,
    kind: Option<&str>,
    uid: &str,
) -> Vec<Event> {
    let scope = if namespace.is_empty() {
        None
    } else {
        Some(namespace)
    };
    api.list(
        Kind::Event,
        scope,
        &Selector::everything(),
        &FieldSelector::everything(),
    )
    .iter()
    .filter_map(|o| match &**o {
        Object::Event(e) => Some(e),
        _ => None,
    })
    .filter(|e| {
        let r = &e.involved_object;
        r.name == name
            && r.namespace == namespace
            && kind.is_none_or(|k| k.is_empty() || r.kind == k)
            && (uid.is_empty() || r.uid == uid)
    })
    .map(|e| (**e).clone())
    .collect()
}

/// Describes one object with its kind's describer (the generic one for the rest).
pub fn describe_object(api: &ApiServer, obj: &Object, s: &Settings) -> String {
    match obj {
        Object::Pod(p) => pod::describe_pod(api, p, s),
        Object::Deployment(d) => apps::describe_deployment(api, d, s),
        Object::ReplicaSet(rs) => apps::describe_replicaset(api, rs, s),
        Object::ReplicationController(rc) => apps::describe_replication_controller(api, rc, s),
        Object::HorizontalPodAutoscaler(h) => autoscaling::describe_hpa(api, h, s),
        Object::PodDisruptionBudget(p) => autoscaling::describe_pdb(api, p, s),
        Object::DaemonSet(ds) => apps::describe_daemonset(api, ds, s),
        Object::StatefulSet(ss) => apps::describe_statefulset(api, ss, s),
        Object::Job(j) => apps::describe_job(api, j, s),
        Object::CronJob(c) => apps::describe_cron_job(api, c, s),
        Object::Service(svc) => core::describe_service(api, svc, s),
        Object::Endpoints(ep) => core::describe_endpoints(api, ep, s),
        Object::Node(n) => core::describe_node(api, n, s),
        Object::Namespace(ns) => core::describe_namespace(api, ns, s),
        Object::ConfigMap(cm) => core::describe_configmap(api, cm, s),
        Object::Secret(sec) => core::describe_secret(sec),
        Object::ServiceAccount(sa) => core::describe_service_account(api, sa, s),
        Object::ResourceQuota(q) => core::describe_quota(q),
        Object::LimitRange(lr) => core::describe_limit_range(lr),
        Object::PersistentVolume(pv) => storage::describe_persistent_volume(api, pv, s),
        Object::PersistentVolumeClaim(c) => storage::describe_persistent_volume_claim(api, c, s),
        Object::StorageClass(sc) => storage::describe_storage_class(api, sc, s),
        other => generic::describe_generic(api, other, s),
    }
}

const NO_TYPE: &str = "error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n";

/// `kubectl describe ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match args::parse("describe", argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let files = a.all("filename");
    if a.positionals.is_empty() && files.is_empty() {
        return Output::err(NO_TYPE);
    }
    let all_ns = a.bool("all-namespaces");
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let settings = Settings {
        show_events: a.get("show-events") != Some("false"),
        now: ctx.cluster.now(),
    };
    let label_str = a.get("selector").unwrap_or("").to_string();
    let labels = match Selector::parse(&label_str) {
        Ok(s) => s,
        Err(e) => return Output::err(format!("error: {e}\n")),
    };

    let mut objs: Vec<Arc<Object>> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    // The one NotFound of `describe TYPE NAME`, which falls back to prefix matching.
    let mut prefix_fallback: Option<(Kind, String)> = None;

    if !files.is_empty() {
        if !a.positionals.is_empty() {
            return Output::err("error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well\n");
        }
        for f in &files {
            match super::apply::read_objects(ctx, f) {
                Ok((decoded, errs)) => {
                    errors.extend(errs);
                    for d in decoded {
                        let m = d.object.meta();
                        let ons = if m.namespace.is_empty() {
                            ns.clone()
                        } else {
                            m.namespace.clone()
                        };
                        match ctx.cluster.api.get(d.object.kind(), &ons, &m.name) {
                            Ok(o) => objs.push(o),
                            Err(e) => errors.push(super::server_error(&e)),
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
    } else {
        let targets = match resources::parse(&a.positionals) {
            Ok(t) => t.targets,
            Err(e) => return Output::err(e),
        };
        let any_names = targets.iter().any(|t| !t.names.is_empty());
        if any_names && !label_str.is_empty() {
            return Output::err("error: name cannot be provided when a selector is specified\n");
        }
        if any_names && all_ns {
            return Output::err(
                "error: a resource cannot be retrieved by name across all namespaces\n",
            );
        }
        let single_name_arg = a.positionals.len() == 2 && !a.positionals[0].contains('/');
        for t in &targets {
            if t.names.is_empty() {
                let scope = if all_ns || !t.kind.info().namespaced {
                    None
                } else {
                    Some(ns.as_str())
                };
                objs.extend(ctx.cluster.api.list(
                    t.kind,
                    scope,
                    &labels,
                    &FieldSelector::everything(),
                ));
                continue;
            }
            for name in &t.names {
                match ctx.cluster.api.get(t.kind, &ns, name) {
                    Ok(o) => objs.push(o),
                    Err(e) => {
                        if e.reason == Reason::NotFound && single_name_arg && targets.len() == 1 {
                            prefix_fallback = Some((t.kind, name.clone()));
                        }
                        errors.push(super::server_error(&e));
                    }
                }
            }
        }
    }

    if let Some((kind, prefix)) = prefix_fallback {
        // `describe TYPE PREFIX`: every object of the type whose name starts with PREFIX.
        let scope = if kind.info().namespaced {
            Some(ns.as_str())
        } else {
            None
        };
        let matching: Vec<Arc<Object>> = ctx
            .cluster
            .api
            .list(
                kind,
                scope,
                &Selector::everything(),
                &FieldSelector::everything(),
            )
            .into_iter()
            .filter(|o| o.meta().name.starts_with(&prefix))
            .collect();
        if matching.is_empty() {
            return Output::err(errors.concat());
        }
        let mut out = String::new();
        for o in &matching {
            out.push_str(&describe_object(&ctx.cluster.api, o, &settings));
            out.push('\n');
        }
        return Output::out(out);
    }

    let mut out = Output::default();
    for (i, o) in objs.iter().enumerate() {
        if i > 0 {
            out.stdout.push_str("\n\n");
        }
        out.stdout
            .push_str(&describe_object(&ctx.cluster.api, o, &settings));
    }
    out.stderr = errors.concat();
    if objs.is_empty() && errors.is_empty() {
        out.stderr = if all_ns {
            "No resources found\n".into()
        } else {
            format!("No resources found in {ns} namespace.\n")
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    fn shell() -> Shell {
        Shell::new(ClusterConfig::default())
    }

    /// The output of one command, without the transcript's echo.
    fn run(sh: &mut Shell, line: &str, stdin: Option<&str>) -> String {
        sh.exec(line, stdin)
    }

    const DEPLOYMENT_AND_SERVICE: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: flask-deployment
  labels:
    app: flask-app
spec:
  replicas: 3
  selector:
    matchLabels:
      app: flask-app
  template:
    metadata:
      labels:
        app: flask-app
    spec:
      containers:
      - name: flask-container
        image: flask-app:latest
        ports:
        - containerPort: 5000
        resources:
          limits:
            cpu: 500m
            memory: 128Mi
---
apiVersion: v1
kind: Service
metadata:
  name: flask-service
spec:
  type: NodePort
  selector:
    app: flask-app
  ports:
  - port: 80
    targetPort: 5000
    nodePort: 30007
";

    #[test]
    fn describes_a_deployment() {
        let mut sh = shell();
        run(&mut sh, "kubectl apply -f -", Some(DEPLOYMENT_AND_SERVICE));
        let got = run(
            &mut sh,
            "kubectl describe deployment flask-deployment",
            None,
        );
        let want = "Name:                   flask-deployment
Namespace:              default
CreationTimestamp:      Wed, 01 Jan 2025 00:00:00 +0000
Labels:                 app=flask-app
Annotations:            deployment.kubernetes.io/revision: 1
Selector:               app=flask-app
Replicas:               3 desired | 3 updated | 3 total | 0 available | 3 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=flask-app
  Containers:
   flask-container:
    Image:      flask-app:latest
    Port:       5000/TCP
    Host Port:  0/TCP
    Limits:
      cpu:         500m
      memory:      128Mi
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      False   MinimumReplicasUnavailable
  Progressing    True    ReplicaSetUpdated
OldReplicaSets:  <none>
NewReplicaSet:   flask-deployment-699f575954 (3/3 replicas created)
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  0s    deployment-controller  Scaled up replica set flask-deployment-699f575954 from 0 to 3
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn describes_a_service() {
        let mut sh = shell();
        run(&mut sh, "kubectl apply -f -", Some(DEPLOYMENT_AND_SERVICE));
        let got = run(&mut sh, "kubectl describe svc flask-service", None);
        let ip = got
            .lines()
            .find_map(|l| l.strip_prefix("IP:"))
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        let want = format!(
            "Name:                     flask-service
Namespace:                default
Labels:                   <none>
Annotations:              <none>
Selector:                 app=flask-app
Type:                     NodePort
IP Family Policy:         SingleStack
IP Families:              IPv4
IP:                       {ip}
IPs:                      {ip}
Port:                     <unset>  80/TCP
TargetPort:               5000/TCP
NodePort:                 <unset>  30007/TCP
Endpoints:                <none>
Session Affinity:         None
External Traffic Policy:  Cluster
Internal Traffic Policy:  Cluster
Events:                   <none>
"
        );
        assert_eq!(got, want, "\n{got}");
        assert!(ip.starts_with("10."), "{ip}");
    }

    #[test]
    fn describes_a_pod() {
        let mut sh = shell();
        run(
            &mut sh,
            "kubectl apply -f -",
            Some(
                "apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    command: [\"nginx\", \"-g\", \"daemon off;\"]
    ports:
    - containerPort: 80
      name: http
    env:
    - name: MODE
      value: prod
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    readinessProbe:
      httpGet:
        path: /healthz
        port: 80
    volumeMounts:
    - name: cache
      mountPath: /cache
  volumes:
  - name: cache
    emptyDir: {}
  nodeSelector:
    disktype: ssd
  tolerations:
  - key: node.kubernetes.io/not-ready
    operator: Exists
    effect: NoExecute
    tolerationSeconds: 300
",
            ),
        );
        let got = run(&mut sh, "kubectl describe pod web", None);
        let want = "Name:         web
Namespace:    default
Priority:     0
Node:         <none>
Labels:       app=web
Annotations:  <none>
Status:       Pending
IP:           
IPs:          <none>
Containers:
  nginx:
    Image:      nginx:1.27
    Port:       80/TCP (http)
    Host Port:  0/TCP (http)
    Command:
      nginx
      -g
      daemon off;
    Readiness:  http-get http://:80/healthz delay=0s timeout=1s period=10s #success=1 #failure=3
    Environment:
      MODE:      prod
      POD_NAME:  web (v1:metadata.name)
    Mounts:
      /cache from cache (rw)
Conditions:
  Type           Status
  PodScheduled   False 
Volumes:
  cache:
    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:      
    SizeLimit:   <unset>
QoS Class:       BestEffort
Node-Selectors:  disktype=ssd
Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type     Reason            Age   From               Message
  ----     ------            ----  ----               -------
  Warning  FailedScheduling  0s    default-scheduler  0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling..
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn describes_a_node() {
        let mut sh = shell();
        let got = run(&mut sh, "kubectl describe node node-1", None);
        let want = "Name:               node-1
Roles:              <none>
Labels:             beta.kubernetes.io/arch=amd64
                    beta.kubernetes.io/os=linux
                    kubernetes.io/arch=amd64
                    kubernetes.io/hostname=node-1
                    kubernetes.io/os=linux
Annotations:        kubeadm.alpha.kubernetes.io/cri-socket: unix:///run/containerd/containerd.sock
                    node.alpha.kubernetes.io/ttl: 0
                    volumes.kubernetes.io/controller-managed-attach-detach: true
CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000
Taints:             <none>
Unschedulable:      false
Lease:
  HolderIdentity:  node-1
  AcquireTime:     <unset>
  RenewTime:       Wed, 01 Jan 2025 00:00:00 +0000
Conditions:
  Type             Status  LastHeartbeatTime                 LastTransitionTime                Reason                       Message
  ----             ------  -----------------                 ------------------                ------                       -------
  MemoryPressure   False   Wed, 01 Jan 2025 00:00:00 +0000   Wed, 01 Jan 2025 00:00:00 +0000   KubeletHasSufficientMemory   kubelet has sufficient memory available
  DiskPressure     False   Wed, 01 Jan 2025 00:00:00 +0000   Wed, 01 Jan 2025 00:00:00 +0000   KubeletHasNoDiskPressure     kubelet has no disk pressure
  PIDPressure      False   Wed, 01 Jan 2025 00:00:00 +0000   Wed, 01 Jan 2025 00:00:00 +0000   KubeletHasSufficientPID      kubelet has sufficient PID available
  Ready            True    Wed, 01 Jan 2025 00:00:00 +0000   Wed, 01 Jan 2025 00:00:00 +0000   KubeletReady                 kubelet is posting ready status
Addresses:
  InternalIP:  172.18.0.3
  Hostname:    node-1
Capacity:
  cpu:                4
  ephemeral-storage:  100Gi
  hugepages-1Gi:      0
  hugepages-2Mi:      0
  memory:             8Gi
  pods:               110
Allocatable:
  cpu:                4
  ephemeral-storage:  100Gi
  hugepages-1Gi:      0
  hugepages-2Mi:      0
  memory:             8Gi
  pods:               110
System Info:
  Machine ID:                 2bf06c7f46af41a390e8bfdbd7371cb1
  System UUID:                a36d1dbd-d10d-458e-8749-3ce821165354
  Boot ID:                    d213f326-330f-43a7-a179-fad92c3b6572
  Kernel Version:             6.8.0-kubeplay
  OS Image:                   Debian GNU/Linux 12 (bookworm)
  Operating System:           linux
  Architecture:               amd64
  Container Runtime Version:  containerd://2.0.3
  Kubelet Version:            v1.33.1
  Kube-Proxy Version:         v1.33.1
PodCIDR:                      10.244.1.0/24
PodCIDRs:                     10.244.1.0/24
Non-terminated Pods:          (0 in total)
  Namespace                   Name    CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age
  ---------                   ----    ------------  ----------  ---------------  -------------  ---
Allocated resources:
  (Total limits may be over 100 percent, i.e., overcommitted.)
  Resource           Requests  Limits
  --------           --------  ------
  cpu                0 (0%)    0 (0%)
  memory             0 (0%)    0 (0%)
  ephemeral-storage  0 (0%)    0 (0%)
  hugepages-1Gi      0 (0%)    0 (0%)
  hugepages-2Mi      0 (0%)    0 (0%)
Events:              <none>
";
        assert_eq!(got, want, "\n{got}");
    }

    #[test]
    fn describes_a_namespace_and_generic_kinds() {
        let mut sh = shell();
        let got = run(&mut sh, "kubectl describe ns default", None);
        assert!(got.starts_with("Name:         default\n"), "{got}");
        assert!(
            got.ends_with("\n\nNo resource quota.\n\nNo LimitRange resource.\n"),
            "{got}"
        );
        run(
            &mut sh,
            "kubectl apply -f -",
            Some("apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: lock\nspec:\n  holderIdentity: me\n"),
        );
        let got = run(&mut sh, "kubectl describe lease lock", None);
        assert!(
            got.contains("API Version:  coordination.k8s.io/v1\n"),
            "{got}"
        );
        assert!(got.contains("Kind:         Lease\n"), "{got}");
        assert!(got.contains("  Holder Identity:  me\n"), "{got}");
    }

    #[test]
    fn describes_a_pdb_and_an_hpa() {
        let mut sh = shell();
        run(
            &mut sh,
            "kubectl apply -f -",
            Some("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: pdb\nspec:\n  maxUnavailable: 25%\n  selector:\n    matchLabels:\n      app: web\n"),
        );
        assert_eq!(
            run(&mut sh, "kubectl describe pdb pdb", None),
            "Name:             pdb\nNamespace:        default\nMax unavailable:  25%\nSelector:         app=web\nStatus:\n    Allowed disruptions:  0\n    Current:              0\n    Desired:              0\n    Total:                0\nEvents:                   <none>\n"
        );
        run(
            &mut sh,
            "kubectl apply -f -",
            Some("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  maxReplicas: 3\n  metrics:\n  - type: Resource\n    resource:\n      name: memory\n      target:\n        type: AverageValue\n        averageValue: 100Mi\n  behavior:\n    scaleDown:\n      policies:\n      - type: Pods\n        value: 1\n        periodSeconds: 60\n"),
        );
        let got = run(
            &mut sh,
            "kubectl describe hpa web --show-events=false",
            None,
        );
        assert_eq!(
            got,
            // One tabwriter block up to `Behavior:`; the last policy line and
            // `Deployment pods:` share the next.
            "Name:                       web\n\
             Namespace:                  default\n\
             Labels:                     <none>\n\
             Annotations:                <none>\n\
             CreationTimestamp:          Wed, 01 Jan 2025 00:00:00 +0000\n\
             Reference:                  Deployment/web\n\
             Metrics:                    ( current / target )\n\
             \x20 resource memory on pods:  <unknown> / 100Mi\n\
             Min replicas:               1\n\
             Max replicas:               3\n\
             Behavior:\n\
             \x20 Scale Up:\n\
             \x20   Stabilization Window: 0 seconds\n\
             \x20   Select Policy: Max\n\
             \x20   Policies:\n\
             \x20     - Type: Pods     Value: 4    Period: 15 seconds\n\
             \x20     - Type: Percent  Value: 100  Period: 15 seconds\n\
             \x20 Scale Down:\n\
             \x20   Select Policy: Max\n\
             \x20   Policies:\n\
             \x20     - Type: Pods  Value: 1  Period: 60 seconds\n\
             Deployment pods:    0 current / 0 desired\n"
        );
    }

    #[test]
    fn arguments_and_errors_like_kubectl() {
        let mut sh = shell();
        run(&mut sh, "kubectl apply -f -", Some(DEPLOYMENT_AND_SERVICE));
        assert_eq!(
            run(&mut sh, "kubectl describe pod x", None),
            "Error from server (NotFound): pods \"x\" not found\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl describe pdos x", None),
            "error: the server doesn't have a resource type \"pdos\"\n"
        );
        assert!(run(&mut sh, "kubectl describe", None).starts_with("error: You must specify"));
        assert_eq!(
            run(&mut sh, "kubectl describe pods -n kube-public", None),
            "No resources found in kube-public namespace.\n"
        );
        // TYPE/NAME, several objects joined by a blank line pair, prefix matching.
        let both = run(
            &mut sh,
            "kubectl describe svc/flask-service svc/kubernetes",
            None,
        );
        assert!(
            both.contains("Events:                   <none>\n\n\nName:"),
            "{both}"
        );
        let by_prefix = run(&mut sh, "kubectl describe deploy flask", None);
        assert!(by_prefix.starts_with("Name:                   flask-deployment\n"));
        assert!(by_prefix.ends_with("from 0 to 3\n\n"), "{by_prefix}");
        let no_events = run(
            &mut sh,
            "kubectl describe svc flask-service --show-events=false",
            None,
        );
        assert!(!no_events.contains("Events:"), "{no_events}");
        let selected = run(
            &mut sh,
            "kubectl describe nodes -l kubernetes.io/hostname=node-2",
            None,
        );
        assert!(
            selected.starts_with("Name:               node-2\n"),
            "{selected}"
        );
        assert!(run(&mut sh, "kubectl describe nodes control-plane", None)
            .contains("Roles:              control-plane\n"));
    }
}
