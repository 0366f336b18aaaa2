//! Exact rows per kind, checked against upstream's printers (and printers_test.go).

use serde_json::{json, Value};

use super::*;

/// 2025-01-01T00:00:00Z
const T0: Millis = 1_735_689_600_000;
const CREATED: &str = "2025-01-01T00:00:00Z";

fn at(secs: i64) -> Millis {
    T0 + secs * 1000
}

fn ts(secs: i64) -> String {
    format_rfc3339(at(secs), 0)
}

fn obj(kind: Kind, v: Value) -> Object {
    kind.decode(v).expect("test object decodes")
}

fn meta(name: &str) -> Value {
    json!({"name": name, "namespace": "default", "creationTimestamp": CREATED})
}

fn rows(o: &Object, now: Millis) -> (Vec<String>, Vec<String>) {
    (row(o, now, false), row(o, now, true))
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|c| c.to_string()).collect()
}

#[test]
fn every_kind_has_one_cell_per_header() {
    for k in Kind::ALL {
        let o = obj(*k, json!({"metadata": {"name": "x"}}));
        for wide in [false, true] {
            assert_eq!(
                headers(*k, wide).len(),
                row(&o, T0, wide).len(),
                "{k:?} wide={wide}"
            );
        }
        assert_eq!(
            headers(*k, false).first() == Some(&"NAME"),
            *k != Kind::Event
        );
    }
}

#[test]
fn header_lines() {
    let line = |k, w| headers(k, w).join(" ");
    assert_eq!(line(Kind::Pod, false), "NAME READY STATUS RESTARTS AGE");
    assert_eq!(
        line(Kind::Pod, true),
        "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES"
    );
    assert_eq!(
        line(Kind::Event, false),
        "LAST SEEN TYPE REASON OBJECT MESSAGE"
    );
    assert_eq!(
        line(Kind::Event, true),
        "LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME"
    );
    assert_eq!(
        line(Kind::PriorityClass, false),
        "NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY"
    );
    assert_eq!(
        line(Kind::PersistentVolume, true),
        "NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE VOLUMEMODE"
    );
    assert_eq!(line(Kind::Role, true), "NAME CREATED AT");
    assert_eq!(name_column(Kind::Event, false), None);
    assert_eq!(name_column(Kind::Event, true), Some(9));
    assert_eq!(name_column(Kind::Pod, false), Some(0));
}

fn pod(spec: Value, status: Value) -> Object {
    obj(
        Kind::Pod,
        json!({"metadata": meta("web"), "spec": spec, "status": status}),
    )
}

fn running(name: &str, restarts: i32) -> Value {
    json!({"name": name, "ready": true, "restartCount": restarts, "state": {"running": {"startedAt": CREATED}}})
}

#[test]
fn pod_running_with_restarts_and_wide() {
    let mut c = running("app", 2);
    c["lastState"] = json!({"terminated": {"exitCode": 1, "finishedAt": ts(100)}});
    let p = pod(
        json!({"containers": [{"name": "app", "image": "nginx"}], "nodeName": "node-1"}),
        json!({"phase": "Running", "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}], "containerStatuses": [c]}),
    );
    let (n, w) = rows(&p, at(300));
    assert_eq!(n, s(&["web", "1/1", "Running", "2 (3m20s ago)", "5m"]));
    assert_eq!(
        w,
        s(&[
            "web",
            "1/1",
            "Running",
            "2 (3m20s ago)",
            "5m",
            "10.244.1.5",
            "node-1",
            "<none>",
            "<none>"
        ])
    );
}

#[test]
fn pod_pending_without_status() {
    let p = obj(
        Kind::Pod,
        json!({"metadata": meta("web"), "spec": {"containers": [{"name": "a"}, {"name": "b"}]}, "status": {"phase": "Pending"}}),
    );
    assert_eq!(
        row(&p, at(3), true),
        s(&["web", "0/2", "Pending", "0", "3s", "<none>", "<none>", "<none>", "<none>"])
    );
    let bare = obj(Kind::Pod, json!({"metadata": {"name": "bare"}}));
    assert_eq!(
        row(&bare, T0, false),
        s(&["bare", "0/0", "", "0", "<unknown>"])
    );
}

#[test]
fn pod_waiting_and_terminated_reasons() {
    let spec = json!({"containers": [{"name": "app"}]});
    let crash = pod(
        spec.clone(),
        json!({"phase": "Running", "containerStatuses": [{"name": "app", "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": ts(50)}}}]}),
    );
    assert_eq!(
        row(&crash, at(60), false),
        s(&["web", "0/1", "CrashLoopBackOff", "4 (10s ago)", "60s"])
    );
    let done = pod(
        spec.clone(),
        json!({"phase": "Succeeded", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}),
    );
    assert_eq!(row(&done, at(60), false)[2], "Completed");
    let signal = pod(
        spec.clone(),
        json!({"phase": "Failed", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}),
    );
    assert_eq!(row(&signal, at(60), false)[2], "Signal:9");
    let code = pod(
        spec,
        json!({"phase": "Failed", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 2}}}]}),
    );
    assert_eq!(row(&code, at(60), false)[2], "ExitCode:2");
}

#[test]
fn pod_init_containers() {
    let spec = json!({"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "app"}]});
    let waiting = |reason: &str| json!({"name": "i1", "state": {"waiting": {"reason": reason}}});
    let p = pod(
        spec.clone(),
        json!({"phase": "Pending", "initContainerStatuses": [waiting("PodInitializing")]}),
    );
    assert_eq!(row(&p, at(1), false)[2], "Init:0/2");
    let p = pod(
        spec.clone(),
        json!({"phase": "Pending", "initContainerStatuses": [waiting("ImagePullBackOff")]}),
    );
    assert_eq!(row(&p, at(1), false)[2], "Init:ImagePullBackOff");
    let p = pod(
        spec.clone(),
        json!({"phase": "Pending", "initContainerStatuses": [
            {"name": "i1", "state": {"terminated": {"exitCode": 0}}},
            {"name": "i2", "restartCount": 3, "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}),
    );
    assert_eq!(
        row(&p, at(1), false),
        s(&["web", "0/1", "Init:Error", "3", "1s"])
    );
    // Once initialised, only sidecar restarts count besides the app containers'.
    let p = pod(
        spec,
        json!({"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [
                {"name": "i1", "restartCount": 3, "state": {"terminated": {"exitCode": 0}}},
                {"name": "i2", "state": {"terminated": {"exitCode": 0}}}],
            "containerStatuses": [running("app", 0)]}),
    );
    assert_eq!(
        row(&p, at(1), false),
        s(&["web", "1/1", "Running", "0", "1s"])
    );
}

#[test]
fn pod_sidecar_counts_in_ready() {
    let p = pod(
        json!({"initContainers": [{"name": "proxy", "restartPolicy": "Always"}], "containers": [{"name": "app"}]}),
        json!({"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true, "restartCount": 1,
                "state": {"running": {}}, "lastState": {"terminated": {"exitCode": 1, "finishedAt": ts(30)}}}],
            "containerStatuses": [running("app", 0)]}),
    );
    assert_eq!(
        row(&p, at(90), false),
        s(&["web", "2/2", "Running", "1 (60s ago)", "90s"])
    );
}

#[test]
fn pod_terminating_gates_and_gated() {
    let p = obj(
        Kind::Pod,
        json!({"metadata": {"name": "web", "creationTimestamp": CREATED, "deletionTimestamp": ts(10)},
            "spec": {"containers": [{"name": "app"}], "readinessGates": [{"conditionType": "example.com/a"}, {"conditionType": "example.com/b"}]},
            "status": {"phase": "Running", "nominatedNodeName": "node-2",
                "conditions": [{"type": "example.com/a", "status": "True"}, {"type": "example.com/b", "status": "False"}],
                "containerStatuses": [running("app", 0)]}}),
    );
    assert_eq!(
        row(&p, at(20), true),
        s(&[
            "web",
            "1/1",
            "Terminating",
            "0",
            "20s",
            "<none>",
            "<none>",
            "node-2",
            "1/2"
        ])
    );
    let gated = pod(
        json!({"containers": [{"name": "app"}]}),
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
    );
    assert_eq!(row(&gated, at(1), false)[2], "SchedulingGated");
}

fn template(containers: Value) -> Value {
    json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}})
}

#[test]
fn deployment_and_replica_set() {
    let tpl = template(
        json!([{"name": "web", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]),
    );
    let d = obj(
        Kind::Deployment,
        json!({"metadata": meta("web"), "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": tpl},
            "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2}}),
    );
    let (n, w) = rows(&d, at(600));
    assert_eq!(n, s(&["web", "2/3", "3", "2", "10m"]));
    assert_eq!(
        &w[5..],
        &s(&["web,log", "nginx:1.27,busybox", "app=web"])[..]
    );
    let rs = obj(
        Kind::ReplicaSet,
        json!({"metadata": meta("web-5d4f"), "spec": {"replicas": 3,
            "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}, "template": tpl},
            "status": {"replicas": 3, "readyReplicas": 1}}),
    );
    assert_eq!(
        row(&rs, at(5), true),
        s(&[
            "web-5d4f",
            "3",
            "3",
            "1",
            "5s",
            "web,log",
            "nginx:1.27,busybox",
            "app=web,tier in (a,b)"
        ])
    );
    let rc = obj(
        Kind::ReplicationController,
        json!({"metadata": meta("old"), "spec": {"replicas": 2, "selector": {"app": "web"}, "template": tpl}}),
    );
    assert_eq!(
        row(&rc, at(5), true),
        s(&[
            "old",
            "2",
            "0",
            "0",
            "5s",
            "web,log",
            "nginx:1.27,busybox",
            "app=web"
        ])
    );
}

#[test]
fn daemon_set_and_stateful_set() {
    let mut tpl = template(json!([{"name": "agent", "image": "fluentd"}]));
    tpl["spec"]["nodeSelector"] = json!({"kubernetes.io/os": "linux"});
    let ds = obj(
        Kind::DaemonSet,
        json!({"metadata": meta("agent"), "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": tpl},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2, "numberMisscheduled": 0}}),
    );
    assert_eq!(
        row(&ds, at(7200), true),
        s(&[
            "agent",
            "3",
            "3",
            "2",
            "3",
            "2",
            "kubernetes.io/os=linux",
            "120m",
            "agent",
            "fluentd",
            "app=agent"
        ])
    );
    let sts = obj(
        Kind::StatefulSet,
        json!({"metadata": meta("db"), "spec": {"replicas": 3, "serviceName": "db", "template": template(json!([{"name": "pg", "image": "postgres:16"}]))},
            "status": {"replicas": 2, "readyReplicas": 1}}),
    );
    let (n, w) = rows(&sts, at(30));
    assert_eq!(n, s(&["db", "1/3", "30s"]));
    assert_eq!(w, s(&["db", "1/3", "30s", "pg", "postgres:16"]));
}

#[test]
fn jobs() {
    let tpl = template(json!([{"name": "pi", "image": "perl"}]));
    let done = obj(
        Kind::Job,
        json!({"metadata": meta("pi"), "spec": {"completions": 1, "parallelism": 1, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}}, "template": tpl},
            "status": {"succeeded": 1, "startTime": ts(0), "completionTime": ts(12), "conditions": [{"type": "Complete", "status": "True"}]}}),
    );
    assert_eq!(
        row(&done, at(60), true),
        s(&[
            "pi",
            "Complete",
            "1/1",
            "12s",
            "60s",
            "pi",
            "perl",
            "batch.kubernetes.io/controller-uid=u1"
        ])
    );
    let running = obj(
        Kind::Job,
        json!({"metadata": meta("q"), "spec": {"parallelism": 3, "template": tpl}, "status": {"startTime": ts(10), "active": 3}}),
    );
    assert_eq!(
        row(&running, at(40), false),
        s(&["q", "Running", "0/1 of 3", "30s", "40s"])
    );
    let pending = obj(
        Kind::Job,
        json!({"metadata": meta("p"), "spec": {"completions": 5, "suspend": true, "template": tpl},
            "status": {"conditions": [{"type": "Suspended", "status": "True"}]}}),
    );
    assert_eq!(
        row(&pending, at(1), false),
        s(&["p", "Suspended", "0/5", "", "1s"])
    );
    let failed = obj(
        Kind::Job,
        json!({"metadata": meta("f"), "spec": {"template": tpl},
            "status": {"failed": 7, "conditions": [{"type": "FailureTarget", "status": "True"}, {"type": "Failed", "status": "True"}]}}),
    );
    assert_eq!(
        row(&failed, at(1), false),
        s(&["f", "Failed", "0/1", "", "1s"])
    );
}

#[test]
fn cron_jobs() {
    let c = obj(
        Kind::CronJob,
        json!({"metadata": meta("hello"), "spec": {"schedule": "*/1 * * * *", "suspend": false,
            "jobTemplate": {"spec": {"template": template(json!([{"name": "hello", "image": "busybox:1.28"}]))}}},
            "status": {"active": [{"name": "hello-1"}], "lastScheduleTime": ts(240)}}),
    );
    assert_eq!(
        row(&c, at(300), true),
        s(&[
            "hello",
            "*/1 * * * *",
            "<none>",
            "False",
            "1",
            "60s",
            "5m",
            "hello",
            "busybox:1.28",
            "<none>"
        ])
    );
    let c = obj(
        Kind::CronJob,
        json!({"metadata": meta("tz"), "spec": {"schedule": "@daily", "timeZone": "Etc/UTC"}}),
    );
    assert_eq!(
        row(&c, at(3), false),
        s(&["tz", "@daily", "Etc/UTC", "<unset>", "0", "<none>", "3s"])
    );
}

#[test]
fn horizontal_pod_autoscalers() {
    let cpu80 = json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}});
    let h = obj(
        Kind::HorizontalPodAutoscaler,
        json!({"metadata": meta("web"), "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 10, "metrics": [cpu80]}}),
    );
    assert_eq!(
        row(&h, at(20), true),
        s(&[
            "web",
            "Deployment/web",
            "cpu: <unknown>/80%",
            "1",
            "10",
            "0",
            "20s"
        ])
    );
    let mem = json!({"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "512Mi"}}});
    let pods = json!({"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}});
    let h = obj(
        Kind::HorizontalPodAutoscaler,
        json!({"metadata": meta("web"), "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5, "metrics": [cpu80, mem, pods]},
            "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45, "averageValue": "45m"}}},
                {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "100Mi"}}}]}}),
    );
    assert_eq!(
        row(&h, at(20), false),
        s(&[
            "web",
            "Deployment/web",
            "cpu: 45%/80%, memory: 100Mi/512Mi + 1 more...",
            "<unset>",
            "5",
            "3",
            "20s"
        ])
    );
    let none = obj(
        Kind::HorizontalPodAutoscaler,
        json!({"metadata": meta("n")}),
    );
    assert_eq!(row(&none, at(1), false)[2], "<none>");
}

#[test]
fn pod_disruption_budgets() {
    let p = obj(
        Kind::PodDisruptionBudget,
        json!({"metadata": meta("zk"), "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "zk"}}},
            "status": {"disruptionsAllowed": 1, "currentHealthy": 3, "desiredHealthy": 2, "expectedPods": 3}}),
    );
    assert_eq!(row(&p, at(5), true), s(&["zk", "2", "N/A", "1", "5s"]));
    let p = obj(
        Kind::PodDisruptionBudget,
        json!({"metadata": meta("web"), "spec": {"maxUnavailable": "25%"}}),
    );
    assert_eq!(row(&p, at(5), false), s(&["web", "N/A", "25%", "0", "5s"]));
}

fn svc(spec: Value, status: Value) -> Object {
    obj(
        Kind::Service,
        json!({"metadata": meta("web"), "spec": spec, "status": status}),
    )
}

#[test]
fn services() {
    let np = svc(
        json!({"type": "NodePort", "clusterIP": "10.96.12.7", "clusterIPs": ["10.96.12.7"], "selector": {"app": "web"},
            "ports": [{"port": 80, "targetPort": 5000, "nodePort": 30007, "protocol": "TCP"}]}),
        json!({}),
    );
    assert_eq!(
        row(&np, at(60), true),
        s(&[
            "web",
            "NodePort",
            "10.96.12.7",
            "<none>",
            "80:30007/TCP",
            "60s",
            "app=web"
        ])
    );
    let lb = svc(
        json!({"type": "LoadBalancer", "clusterIPs": ["10.96.0.9"], "ports": [{"port": 80, "nodePort": 31000, "protocol": "TCP"}, {"port": 443, "nodePort": 31001, "protocol": "TCP"}]}),
        json!({}),
    );
    assert_eq!(row(&lb, at(1), false)[3], "<pending>");
    assert_eq!(row(&lb, at(1), false)[4], "80:31000/TCP,443:31001/TCP");
    let lb = svc(
        json!({"type": "LoadBalancer", "clusterIPs": ["10.96.0.9"], "externalIPs": ["1.2.3.4"]}),
        json!({"loadBalancer": {"ingress": [{"hostname": "a-very-long-name.elb.example.com"}, {"ip": "5.6.7.8"}, {"ip": "5.6.7.8"}]}}),
    );
    assert_eq!(
        row(&lb, at(1), false),
        s(&[
            "web",
            "LoadBalancer",
            "10.96.0.9",
            "5.6.7.8,a-very-long-name.elb.example.com,1.2.3.4",
            "<none>",
            "1s"
        ])
    );
    let ext = svc(
        json!({"type": "ExternalName", "externalName": "db.example.com"}),
        json!({}),
    );
    assert_eq!(
        row(&ext, at(1), true),
        s(&[
            "web",
            "ExternalName",
            "<none>",
            "db.example.com",
            "<none>",
            "1s",
            "<none>"
        ])
    );
    let headless = svc(
        json!({"type": "ClusterIP", "clusterIP": "None", "ports": [{"port": 5432, "protocol": "TCP"}], "externalIPs": ["9.9.9.9"]}),
        json!({}),
    );
    assert_eq!(
        row(&headless, at(1), false),
        s(&["web", "ClusterIP", "None", "9.9.9.9", "5432/TCP", "1s"])
    );
}

#[test]
fn nodes() {
    let node = |labels: Value, unsched: bool, conds: Value, info: Value| {
        obj(
            Kind::Node,
            json!({"metadata": {"name": "node-1", "creationTimestamp": CREATED, "labels": labels},
                "spec": {"unschedulable": unsched},
                "status": {"conditions": conds, "nodeInfo": info,
                    "addresses": [{"type": "InternalIP", "address": "172.18.0.3"}, {"type": "Hostname", "address": "node-1"}]}}),
        )
    };
    let info = json!({"kubeletVersion": "v1.33.0", "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.8.0", "containerRuntimeVersion": "containerd://2.0.3"});
    let n = node(
        json!({"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "master", "node-role.kubernetes.io/": ""}),
        false,
        json!([{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]),
        info.clone(),
    );
    assert_eq!(
        row(&n, at(86_400 * 3), true),
        s(&[
            "node-1",
            "Ready",
            "control-plane,master",
            "3d",
            "v1.33.0",
            "172.18.0.3",
            "<none>",
            "Debian GNU/Linux 12 (bookworm)",
            "6.8.0",
            "containerd://2.0.3"
        ])
    );
    let n = node(
        json!({}),
        true,
        json!([{"type": "Ready", "status": "Unknown"}]),
        json!({}),
    );
    assert_eq!(
        row(&n, at(5), true),
        s(&[
            "node-1",
            "NotReady,SchedulingDisabled",
            "<none>",
            "5s",
            "",
            "172.18.0.3",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>"
        ])
    );
    let n = node(json!({}), false, json!([]), info);
    assert_eq!(row(&n, at(5), false)[1], "Unknown");
}

#[test]
fn config_objects() {
    let ns = obj(
        Kind::Namespace,
        json!({"metadata": {"name": "dev", "creationTimestamp": CREATED}, "status": {"phase": "Active"}}),
    );
    assert_eq!(row(&ns, at(9), true), s(&["dev", "Active", "9s"]));
    let cm = obj(
        Kind::ConfigMap,
        json!({"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}),
    );
    assert_eq!(row(&cm, at(9), false), s(&["cfg", "3", "9s"]));
    let sec = obj(
        Kind::Secret,
        json!({"metadata": meta("s"), "type": "Opaque", "data": {"u": "YWRtaW4="}, "stringData": {"p": "x", "q": "y"}}),
    );
    assert_eq!(row(&sec, at(9), false), s(&["s", "Opaque", "1", "9s"]));
    let sa = obj(Kind::ServiceAccount, json!({"metadata": meta("default")}));
    assert_eq!(row(&sa, at(9), true), s(&["default", "0", "9s"]));
}

#[test]
fn default_table_for_kinds_without_printer() {
    for k in [Kind::Role, Kind::ClusterRole, Kind::LimitRange] {
        let o = obj(k, json!({"metadata": meta("x")}));
        assert_eq!(row(&o, at(100), true), s(&["x", "2025-01-01T00:00:00Z"]));
    }
    let o = obj(Kind::Role, json!({"metadata": {"name": "y"}}));
    assert_eq!(row(&o, T0, false), s(&["y", "0001-01-01T00:00:00Z"]));
}

#[test]
fn endpoints_like_format_endpoints() {
    let addrs =
        json!([{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}]);
    let e = obj(
        Kind::Endpoints,
        json!({"metadata": meta("web"), "subsets": [{"addresses": addrs, "ports": [{"port": 80}]}]}),
    );
    assert_eq!(
        row(&e, at(1), false),
        s(&[
            "web",
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...",
            "1s"
        ])
    );
    let e = obj(
        Kind::Endpoints,
        json!({"metadata": meta("web"), "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}, {"port": 443}]},
            {"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]}),
    );
    assert_eq!(
        row(&e, at(1), false)[1],
        "10.0.0.1:80,10.0.0.1:443,[fd00::1]:80"
    );
    let e = obj(
        Kind::Endpoints,
        json!({"metadata": meta("headless"), "subsets": [{"addresses": [{"ip": "10.0.0.1"}]}]}),
    );
    assert_eq!(row(&e, at(1), false)[1], "10.0.0.1");
    let e = obj(Kind::Endpoints, json!({"metadata": meta("none")}));
    assert_eq!(row(&e, at(1), false)[1], "<none>");
}

#[test]
fn endpoint_slices() {
    let e = obj(
        Kind::EndpointSlice,
        json!({"metadata": meta("web-abc12"), "addressType": "IPv4",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "metrics"}, {}],
            "endpoints": [{"addresses": ["10.244.1.2"]}, {"addresses": ["10.244.2.3", "10.244.3.4"]}, {"addresses": ["10.244.1.9"]}]}),
    );
    assert_eq!(
        row(&e, at(2), true),
        s(&[
            "web-abc12",
            "IPv4",
            "80,metrics,*",
            "10.244.1.2,10.244.2.3,10.244.3.4 + 1 more...",
            "2s"
        ])
    );
    let e = obj(
        Kind::EndpointSlice,
        json!({"metadata": meta("empty"), "addressType": "IPv4", "ports": null, "endpoints": null}),
    );
    assert_eq!(
        row(&e, at(2), false),
        s(&["empty", "IPv4", "<unset>", "<unset>", "2s"])
    );
}

#[test]
fn events() {
    let e = obj(
        Kind::Event,
        json!({"metadata": {"name": "web.17f3a", "namespace": "default", "creationTimestamp": CREATED},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default", "fieldPath": "spec.containers{app}"},
            "reason": "Pulled", "message": "Successfully pulled image \"nginx\"\n", "type": "Normal",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": ts(0), "lastTimestamp": ts(200), "count": 3}),
    );
    let (n, w) = rows(&e, at(300));
    assert_eq!(
        n,
        s(&[
            "100s",
            "Normal",
            "Pulled",
            "pod/web",
            "Successfully pulled image \"nginx\""
        ])
    );
    assert_eq!(
        w,
        s(&[
            "100s",
            "Normal",
            "Pulled",
            "pod/web",
            "spec.containers{app}",
            "kubelet, node-1",
            "Successfully pulled image \"nginx\"",
            "5m",
            "3",
            "web.17f3a"
        ])
    );
    // events.k8s.io-style: eventTime only, reporting controller, no count.
    let e = obj(
        Kind::Event,
        json!({"metadata": {"name": "web.1"}, "involvedObject": {"kind": "Pod", "name": "web"},
            "reason": "Scheduled", "message": "Successfully assigned default/web to node-1\nmore", "type": "Normal",
            "eventTime": "2025-01-01T00:00:10.000000Z", "reportingComponent": "default-scheduler", "reportingInstance": "default-scheduler-cp",
            "firstTimestamp": null, "lastTimestamp": null}),
    );
    assert_eq!(
        row(&e, at(70), true),
        s(&[
            "60s",
            "Normal",
            "Scheduled",
            "pod/web",
            "",
            "default-scheduler, default-scheduler-cp",
            "Successfully assigned default/web to node-1...",
            "60s",
            "1",
            "web.1"
        ])
    );
    let e = obj(
        Kind::Event,
        json!({"metadata": {"name": "n"}, "involvedObject": {"kind": "Node"}, "type": "Warning", "reason": "R",
            "series": {"count": 7, "lastObservedTime": "2025-01-01T00:01:00.000000Z"}, "lastTimestamp": ts(5)}),
    );
    assert_eq!(
        row(&e, at(120), true),
        s(&[
            "60s",
            "Warning",
            "R",
            "node",
            "",
            "",
            "",
            "<unknown>",
            "7",
            "n"
        ])
    );
}

#[test]
fn persistent_volumes_and_claims() {
    let pv = obj(
        Kind::PersistentVolume,
        json!({"metadata": {"name": "pv1", "creationTimestamp": CREATED},
            "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadOnlyMany", "ReadWriteOnce", "ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "manual", "volumeMode": "Filesystem",
                "claimRef": {"namespace": "default", "name": "claim1"}, "hostPath": {"path": "/mnt/data"}},
            "status": {"phase": "Bound"}}),
    );
    let (n, w) = rows(&pv, at(60));
    assert_eq!(
        n,
        s(&[
            "pv1",
            "5Gi",
            "RWO,ROX",
            "Retain",
            "Bound",
            "default/claim1",
            "manual",
            "<unset>",
            "",
            "60s"
        ])
    );
    assert_eq!(w.last().map(String::as_str), Some("Filesystem"));
    let pv = obj(
        Kind::PersistentVolume,
        json!({"metadata": {"name": "pv2", "annotations": {"volume.beta.kubernetes.io/storage-class": "beta"}},
            "spec": {"storageClassName": "manual"}, "status": {"phase": "Failed", "reason": "Recycle failed"}}),
    );
    assert_eq!(
        row(&pv, at(60), true),
        s(&[
            "pv2",
            "0",
            "",
            "",
            "Failed",
            "",
            "beta",
            "<unset>",
            "Recycle failed",
            "<unknown>",
            "<unset>"
        ])
    );
    let bound = obj(
        Kind::PersistentVolumeClaim,
        json!({"metadata": meta("claim1"), "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "3Gi"}},
                "volumeName": "pv1", "storageClassName": "manual", "volumeMode": "Filesystem"},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce", "ReadWriteMany"], "capacity": {"storage": "5Gi"}}}),
    );
    assert_eq!(
        row(&bound, at(60), true),
        s(&[
            "claim1",
            "Bound",
            "pv1",
            "5Gi",
            "RWO,RWX",
            "manual",
            "<unset>",
            "60s",
            "Filesystem"
        ])
    );
    let pending = obj(
        Kind::PersistentVolumeClaim,
        json!({"metadata": meta("claim2"), "spec": {"resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "standard", "volumeAttributesClassName": "gold"},
            "status": {"phase": "Pending"}}),
    );
    assert_eq!(
        row(&pending, at(60), false),
        s(&["claim2", "Pending", "", "", "", "standard", "gold", "60s"])
    );
}

#[test]
fn resource_quotas() {
    let q = obj(
        Kind::ResourceQuota,
        json!({"metadata": meta("quota"), "spec": {"hard": {"cpu": "1"}},
            "status": {"hard": {"cpu": "1", "memory": "1Gi", "pods": "10", "limits.cpu": "2", "requests.memory": "512Mi"},
                "used": {"cpu": "500m", "pods": "3", "requests.memory": "0"}}}),
    );
    assert_eq!(
        row(&q, at(5), true),
        s(&[
            "quota",
            "cpu: 500m/1, memory: 0/1Gi, pods: 3/10, requests.memory: 0/512Mi",
            "limits.cpu: 0/2",
            "5s"
        ])
    );
    let q = obj(Kind::ResourceQuota, json!({"metadata": meta("new")}));
    assert_eq!(row(&q, at(5), false), s(&["new", "", "", "5s"]));
}

#[test]
fn ingresses() {
    let i = obj(
        Kind::Ingress,
        json!({"metadata": meta("web"), "spec": {"ingressClassName": "nginx",
                "tls": [{"hosts": ["foo.example.com"], "secretName": "tls"}],
                "rules": [{"host": "foo.example.com"}, {"http": {"paths": []}}, {"host": "bar.example.com"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.168.49.2"}]}}}),
    );
    assert_eq!(
        row(&i, at(30), true),
        s(&[
            "web",
            "nginx",
            "foo.example.com,bar.example.com",
            "192.168.49.2",
            "80, 443",
            "30s"
        ])
    );
    let rules: Vec<Value> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|h| json!({"host": h}))
        .collect();
    let i = obj(
        Kind::Ingress,
        json!({"metadata": meta("many"), "spec": {"rules": rules}}),
    );
    assert_eq!(
        row(&i, at(30), false),
        s(&["many", "<none>", "a,b,c + 2 more...", "", "80", "30s"])
    );
    let i = obj(
        Kind::Ingress,
        json!({"metadata": meta("any"), "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}),
    );
    assert_eq!(row(&i, at(30), false)[2], "*");
    let ic = obj(
        Kind::IngressClass,
        json!({"metadata": {"name": "external-lb", "creationTimestamp": CREATED}, "spec": {"controller": "example.com/ingress-controller",
            "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"}}}),
    );
    assert_eq!(
        row(&ic, at(30), true),
        s(&[
            "external-lb",
            "example.com/ingress-controller",
            "IngressParameters.k8s.example.com/external-lb",
            "30s"
        ])
    );
    let ic = obj(
        Kind::IngressClass,
        json!({"metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}}),
    );
    assert_eq!(row(&ic, at(30), false)[2], "<none>");
}

#[test]
fn network_policies() {
    let all = obj(
        Kind::NetworkPolicy,
        json!({"metadata": meta("deny-all"), "spec": {"podSelector": {}}}),
    );
    assert_eq!(row(&all, at(4), true), s(&["deny-all", "<none>", "4s"]));
    let db = obj(
        Kind::NetworkPolicy,
        json!({"metadata": meta("db"), "spec": {"podSelector": {"matchLabels": {"role": "db"}}}}),
    );
    assert_eq!(row(&db, at(4), false), s(&["db", "role=db", "4s"]));
}

#[test]
fn storage_and_priority_classes() {
    let sc = obj(
        Kind::StorageClass,
        json!({"metadata": {"name": "standard", "creationTimestamp": CREATED,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}),
    );
    assert_eq!(
        row(&sc, at(60), true),
        s(&[
            "standard (default)",
            "rancher.io/local-path",
            "Delete",
            "WaitForFirstConsumer",
            "false",
            "60s"
        ])
    );
    let sc = obj(
        Kind::StorageClass,
        json!({"metadata": {"name": "fast"}, "provisioner": "csi.example.com", "reclaimPolicy": "Retain", "allowVolumeExpansion": true}),
    );
    assert_eq!(
        row(&sc, at(60), false),
        s(&[
            "fast",
            "csi.example.com",
            "Retain",
            "Immediate",
            "true",
            "<unknown>"
        ])
    );
    let pc = obj(
        Kind::PriorityClass,
        json!({"metadata": {"name": "system-node-critical", "creationTimestamp": CREATED}, "value": 2000001000, "preemptionPolicy": "PreemptLowerPriority"}),
    );
    assert_eq!(
        row(&pc, at(600), false),
        s(&[
            "system-node-critical",
            "2000001000",
            "false",
            "10m",
            "PreemptLowerPriority"
        ])
    );
    let pc = obj(
        Kind::PriorityClass,
        json!({"metadata": {"name": "high"}, "value": 1000, "globalDefault": true}),
    );
    assert_eq!(
        row(&pc, at(600), true),
        s(&["high", "1000", "true", "<unknown>", ""])
    );
}

#[test]
fn role_bindings_and_leases() {
    let subjects = json!([
        {"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "User", "name": "bob"},
        {"kind": "Group", "name": "devs"},
        {"kind": "ServiceAccount", "name": "ci", "namespace": "build"}]);
    let rb = obj(
        Kind::RoleBinding,
        json!({"metadata": meta("read-pods"), "subjects": subjects, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"}}),
    );
    let (n, w) = rows(&rb, at(45));
    assert_eq!(n, s(&["read-pods", "Role/pod-reader", "45s"]));
    assert_eq!(
        w,
        s(&[
            "read-pods",
            "Role/pod-reader",
            "45s",
            "jane, bob",
            "devs",
            "build/ci"
        ])
    );
    let crb = obj(
        Kind::ClusterRoleBinding,
        json!({"metadata": {"name": "admins", "creationTimestamp": CREATED}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}}),
    );
    assert_eq!(
        row(&crb, at(45), true),
        s(&["admins", "ClusterRole/cluster-admin", "45s", "", "", ""])
    );
    let l = obj(
        Kind::Lease,
        json!({"metadata": {"name": "node-1", "namespace": "kube-node-lease", "creationTimestamp": CREATED},
            "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40}}),
    );
    assert_eq!(row(&l, at(45), true), s(&["node-1", "node-1", "45s"]));
    let l = obj(Kind::Lease, json!({"metadata": {"name": "free"}}));
    assert_eq!(row(&l, at(45), false), s(&["free", "", "<unknown>"]));
}

#[test]
fn renders_through_the_table() {
    let np = svc(
        json!({"type": "NodePort", "clusterIPs": ["10.96.12.7"], "selector": {"app": "web"},
            "ports": [{"port": 80, "nodePort": 30007, "protocol": "TCP"}]}),
        json!({}),
    );
    let mut t = vec![headers(Kind::Service, false)
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()];
    t.push(row(&np, at(60), false));
    assert_eq!(
        super::super::table::render(&t),
        "NAME   TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE\n\
         web    NodePort   10.96.12.7   <none>        80:30007/TCP   60s\n"
    );
}
