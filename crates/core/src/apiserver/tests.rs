//! API server and store behaviour: metadata, conflicts, generation, status subresource,
//! finalizers, graceful pod deletion, namespaces, indexes and watches.

use std::collections::BTreeMap;

use super::store::{EventType, WatchFilter};
use super::*;
use crate::api::core_v1::{ConfigMap, Container, Pod, PodSpec};
use crate::api::{ObjectMeta, Resource};
use crate::sim::{Cluster, ClusterConfig};

fn cluster() -> Cluster {
    Cluster::new(ClusterConfig::default())
}

fn cm(name: &str, labels: &[(&str, &str)]) -> Object {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ConfigMap {
        metadata: ObjectMeta {
            name: name.into(),
            namespace: "default".into(),
            labels,
            ..Default::default()
        },
        ..Default::default()
    }
    .into_object()
}

fn pod(name: &str, node: &str) -> Object {
    Pod {
        metadata: ObjectMeta {
            name: name.into(),
            namespace: "default".into(),
            ..Default::default()
        },
        spec: PodSpec {
            node_name: node.into(),
            containers: vec![Container {
                name: "c".into(),
                image: "nginx".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    }
    .into_object()
}

#[test]
fn create_sets_server_metadata() {
    let mut c = cluster();
    let rev = c.api.revision();
    let o = c.api.create(cm("a", &[])).unwrap();
    let m = o.meta();
    assert_eq!(m.uid.len(), 36);
    assert_eq!(m.resource_version, (rev + 1).to_string());
    assert_eq!(m.creation_timestamp, Some(crate::api::Time(c.now())));
    assert_eq!(m.generation, None, "ConfigMaps do not track generation");
    let e = c.api.create(cm("a", &[])).unwrap_err();
    assert_eq!(e.reason, Reason::AlreadyExists);
    assert_eq!(e.message, "configmaps \"a\" already exists");
    assert_eq!(c.api.revision(), rev + 1, "a refused create writes nothing");
}

#[test]
fn generate_name_and_missing_namespace() {
    let mut c = cluster();
    let mut o = cm("", &[]);
    o.meta_mut().generate_name = "web-".into();
    let created = c.api.create(o).unwrap();
    assert!(created.meta().name.starts_with("web-") && created.meta().name.len() == 9);
    let mut o = cm("x", &[]);
    o.meta_mut().namespace = "nowhere".into();
    let e = c.api.create(o).unwrap_err();
    assert_eq!(
        (e.reason, e.message.as_str()),
        (Reason::NotFound, "namespaces \"nowhere\" not found")
    );
}

#[test]
fn stale_resource_version_conflicts() {
    let mut c = cluster();
    let first = c.api.create(cm("a", &[])).unwrap();
    let mut v1 = (*first).clone();
    v1.meta_mut().labels.insert("x".into(), "1".into());
    c.api.update(v1).unwrap();
    let mut stale = (*first).clone();
    stale.meta_mut().labels.insert("x".into(), "2".into());
    let e = c.api.update(stale).unwrap_err();
    assert_eq!(e.reason, Reason::Conflict);
    assert_eq!(e.message, "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again");
}

#[test]
fn no_op_update_writes_nothing() {
    let mut c = cluster();
    let o = c.api.create(cm("a", &[])).unwrap();
    let rev = c.api.revision();
    let same = c.api.update((*o).clone()).unwrap();
    assert_eq!(same.meta().resource_version, o.meta().resource_version);
    assert_eq!(c.api.revision(), rev);
}

#[test]
fn generation_moves_on_spec_changes_only_and_status_is_separate() {
    let mut c = cluster();
    let mut sh = crate::shell::Shell::new(ClusterConfig::default());
    sh.exec("kubectl create -f -", Some("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: nginx}\n"));
    std::mem::swap(&mut c, &mut sh.cluster);
    let d = c.api.get(Kind::Deployment, "default", "web").unwrap();
    assert_eq!(d.meta().generation, Some(1));
    // A label change is metadata: no new generation.
    let mut o = (*d).clone();
    o.meta_mut().labels.insert("team".into(), "a".into());
    let o = c.api.update(o).unwrap();
    assert_eq!(o.meta().generation, Some(1));
    // A status written through the main resource is ignored...
    let replicas_before = match &*o {
        Object::Deployment(d) => d.status.as_ref().map_or(0, |s| s.replicas),
        _ => -1,
    };
    let mut with_status = (*o).clone();
    if let Object::Deployment(d) = &mut with_status {
        let d = std::sync::Arc::make_mut(d);
        d.status.get_or_insert_with(Default::default).replicas = 7;
    }
    let o = c.api.update(with_status.clone()).unwrap();
    assert!(
        matches!(&*o, Object::Deployment(d) if d.status.as_ref().map_or(0, |s| s.replicas) == replicas_before)
    );
    // ...and taken through /status, which leaves the spec and generation alone.
    let mut with_status = (*o).clone();
    if let Object::Deployment(d) = &mut with_status {
        let d = std::sync::Arc::make_mut(d);
        d.status.get_or_insert_with(Default::default).replicas = 7;
        d.spec.replicas = Some(9);
    }
    let o = c.api.update_status(with_status).unwrap();
    assert!(
        matches!(&*o, Object::Deployment(d) if d.status.as_ref().map_or(0, |s| s.replicas) == 7 && d.spec.replicas == Some(1))
    );
    assert_eq!(o.meta().generation, Some(1));
    // A spec change bumps it.
    let mut o = (*o).clone();
    if let Object::Deployment(d) = &mut o {
        let d = std::sync::Arc::make_mut(d);
        d.spec.replicas = Some(3);
    }
    assert_eq!(c.api.update(o).unwrap().meta().generation, Some(2));
}

#[test]
fn finalizers_hold_deletion_until_removed() {
    let mut c = cluster();
    let mut o = cm("a", &[]);
    o.meta_mut().finalizers.push("example.com/keep".into());
    c.api.create(o).unwrap();
    let d = c
        .api
        .delete(Kind::ConfigMap, "default", "a", &DeleteOptions::default())
        .unwrap();
    assert!(d.meta().deletion_timestamp.is_some());
    let mut cur = (*c.api.get(Kind::ConfigMap, "default", "a").unwrap()).clone();
    cur.meta_mut().finalizers.clear();
    c.api.update(cur).unwrap();
    assert_eq!(
        c.api
            .get(Kind::ConfigMap, "default", "a")
            .unwrap_err()
            .reason,
        Reason::NotFound
    );
}

#[test]
fn bound_pods_delete_gracefully_unbound_at_once() {
    let mut c = cluster();
    c.api.create(pod("free", "")).unwrap();
    c.api.create(pod("bound", "node-1")).unwrap();
    c.api
        .delete(Kind::Pod, "default", "free", &DeleteOptions::default())
        .unwrap();
    assert!(c.api.get(Kind::Pod, "default", "free").is_err());
    let d = c
        .api
        .delete(Kind::Pod, "default", "bound", &DeleteOptions::default())
        .unwrap();
    assert_eq!(d.meta().deletion_grace_period_seconds, Some(30));
    assert!(
        c.api.get(Kind::Pod, "default", "bound").is_ok(),
        "the kubelet finishes a graceful deletion"
    );
    let d = c
        .api
        .delete(
            Kind::Pod,
            "default",
            "bound",
            &DeleteOptions {
                grace_period_seconds: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(d.meta().name, "bound");
    assert!(
        c.api.get(Kind::Pod, "default", "bound").is_err(),
        "--grace-period=0 removes it"
    );
}

#[test]
fn lists_use_indexes_and_keep_key_order() {
    let mut c = cluster();
    for (n, app) in [("c", "web"), ("a", "web"), ("b", "db")] {
        c.api.create(cm(n, &[("app", app)])).unwrap();
    }
    let names = |v: Vec<std::sync::Arc<Object>>| {
        v.iter().map(|o| o.meta().name.clone()).collect::<Vec<_>>()
    };
    let web = crate::api::labels::Selector::parse("app=web").unwrap();
    let all = crate::api::fields::FieldSelector::everything();
    assert_eq!(
        names(c.api.list(Kind::ConfigMap, Some("default"), &web, &all)),
        vec!["a", "c"]
    );
    let not_web = crate::api::labels::Selector::parse("app!=web").unwrap();
    assert_eq!(
        names(c.api.list(Kind::ConfigMap, None, &not_web, &all)),
        vec!["b"]
    );
    c.api.create(pod("p1", "node-1")).unwrap();
    c.api.create(pod("p2", "node-2")).unwrap();
    let on1 = crate::api::fields::FieldSelector::parse("spec.nodeName=node-1", Kind::Pod).unwrap();
    assert_eq!(
        names(c.api.list(
            Kind::Pod,
            None,
            &crate::api::labels::Selector::everything(),
            &on1
        )),
        vec!["p1"]
    );
}

#[test]
fn watches_follow_selectors_and_replay_from_a_revision() {
    let mut c = cluster();
    let start = c.api.revision();
    let sel = crate::api::labels::Selector::parse("app=web").unwrap();
    let w = c
        .api
        .watch(
            WatchFilter {
                labels: sel.clone(),
                ..WatchFilter::all(Kind::ConfigMap)
            },
            None,
        )
        .unwrap();
    let o = c.api.create(cm("a", &[("app", "web")])).unwrap();
    c.api.create(cm("b", &[("app", "db")])).unwrap();
    let mut relabelled = (*o).clone();
    relabelled
        .meta_mut()
        .labels
        .insert("app".into(), "api".into());
    c.api.update(relabelled).unwrap();
    let evs: Vec<EventType> = c.api.poll(w).iter().map(|e| e.type_).collect();
    // ADDED on create; DELETED when the object stops matching the selector.
    assert_eq!(evs, vec![EventType::Added, EventType::Deleted]);
    // A watch from an old revision replays history.
    let w2 = c
        .api
        .watch(WatchFilter::all(Kind::ConfigMap), Some(start))
        .unwrap();
    let evs: Vec<(EventType, String)> = c
        .api
        .poll(w2)
        .iter()
        .map(|e| (e.type_, e.object.meta().name.clone()))
        .collect();
    assert_eq!(
        evs,
        vec![
            (EventType::Added, "a".into()),
            (EventType::Added, "b".into()),
            (EventType::Modified, "a".into())
        ]
    );
    // Node-triggered pod watches only see their node's pods.
    let on1 = crate::api::fields::FieldSelector::parse("spec.nodeName=node-1", Kind::Pod).unwrap();
    let wn = c
        .api
        .watch(
            WatchFilter {
                fields: on1,
                ..WatchFilter::all(Kind::Pod)
            },
            None,
        )
        .unwrap();
    c.api.create(pod("p1", "node-1")).unwrap();
    c.api.create(pod("p2", "node-2")).unwrap();
    c.api
        .delete(
            Kind::Pod,
            "default",
            "p1",
            &DeleteOptions {
                grace_period_seconds: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
    let evs: Vec<(EventType, String)> = c
        .api
        .poll(wn)
        .iter()
        .map(|e| (e.type_, e.object.meta().name.clone()))
        .collect();
    assert_eq!(
        evs,
        vec![
            (EventType::Added, "p1".into()),
            (EventType::Deleted, "p1".into())
        ]
    );
    // After compaction, an old revision is gone (410).
    c.api.store.compact(c.api.revision());
    assert_eq!(
        c.api
            .watch(WatchFilter::all(Kind::Pod), Some(start))
            .unwrap_err()
            .reason,
        Reason::Expired
    );
}

#[test]
fn deleting_a_namespace_removes_its_contents() {
    let mut c = cluster();
    let mut sh = crate::shell::Shell::new(ClusterConfig::default());
    std::mem::swap(&mut c, &mut sh.cluster);
    sh.exec("kubectl create -f -", Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n"));
    sh.exec("kubectl delete ns shop", None);
    assert!(sh.cluster.api.get(Kind::ConfigMap, "shop", "a").is_err());
}

#[test]
fn service_addresses_are_allocated_and_released() {
    let mut sh = crate::shell::Shell::new(ClusterConfig::default());
    let svc = |name: &str, port: i32| {
        format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: NodePort\n  selector: {{app: x}}\n  ports:\n  - port: 80\n    nodePort: {port}\n")
    };
    assert_eq!(
        sh.exec("kubectl create -f -", Some(&svc("a", 30007))),
        "service/a created\n"
    );
    let out = sh.exec("kubectl create -f -", Some(&svc("b", 30007)));
    assert!(out.starts_with("The Service \"b\" is invalid: spec.ports[0].nodePort: Invalid value: 30007: provided port is already allocated\n"), "{out}");
    let out = sh.exec("kubectl create -f -", Some(&svc("c", 40000)));
    assert!(out.contains("spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767"), "{out}");
    sh.exec("kubectl delete svc a", None);
    assert_eq!(
        sh.exec("kubectl create -f -", Some(&svc("b", 30007))),
        "service/b created\n"
    );
}

#[test]
fn admission_sets_priority_and_default_tolerations() {
    let mut c = cluster();
    let p = c.api.create(pod("a", "")).unwrap();
    let Object::Pod(p) = &*p else { unreachable!() };
    assert_eq!(
        (p.spec.priority, p.spec.preemption_policy.as_deref()),
        (Some(0), Some("PreemptLowerPriority"))
    );
    let keys: Vec<(&str, Option<i64>)> = p
        .spec
        .tolerations
        .iter()
        .map(|t| (t.key.as_str(), t.toleration_seconds))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("node.kubernetes.io/not-ready", Some(300)),
            ("node.kubernetes.io/unreachable", Some(300))
        ]
    );

    let mut critical = pod("b", "");
    if let Object::Pod(p) = &mut critical {
        let p = std::sync::Arc::make_mut(p);
        p.spec.priority_class_name = "system-node-critical".into();
        // A toleration of every NoExecute taint means no defaults are added.
        p.spec.tolerations.push(crate::api::core_v1::Toleration {
            operator: "Exists".into(),
            effect: "NoExecute".into(),
            ..Default::default()
        });
    }
    let b = c.api.create(critical).unwrap();
    let Object::Pod(b) = &*b else { unreachable!() };
    assert_eq!(b.spec.priority, Some(2_000_001_000));
    assert_eq!(b.spec.tolerations.len(), 1);

    let mut missing = pod("c", "");
    if let Object::Pod(p) = &mut missing {
        let p = std::sync::Arc::make_mut(p);
        p.spec.priority_class_name = "gold".into();
    }
    let e = c.api.create(missing).unwrap_err();
    assert_eq!(
        (e.reason, e.message.as_str()),
        (
            Reason::Forbidden,
            "pods \"c\" is forbidden: no PriorityClass with name gold was found"
        )
    );
    assert!(c.api.get(Kind::Pod, "default", "c").is_err());

    // A global default class applies to pods that name none.
    let gold = crate::api::scheduling_v1::PriorityClass {
        metadata: ObjectMeta {
            name: "gold".into(),
            ..Default::default()
        },
        value: 1000,
        global_default: true,
        ..Default::default()
    };
    c.api.create(gold.into_object()).unwrap();
    let d = c.api.create(pod("d", "")).unwrap();
    let Object::Pod(d) = &*d else { unreachable!() };
    assert_eq!(
        (d.spec.priority_class_name.as_str(), d.spec.priority),
        ("gold", Some(1000))
    );
}

#[test]
fn binding_assigns_once() {
    let mut c = cluster();
    c.api.create(pod("p", "")).unwrap();
    let b = c.api.bind("default", "p", "node-2").unwrap();
    let Object::Pod(p) = &*b else { unreachable!() };
    assert_eq!(p.spec.node_name, "node-2");
    let st = p.status.as_ref().unwrap();
    assert!(st
        .conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.status == "True"));
    let e = c.api.bind("default", "p", "node-3").unwrap_err();
    assert_eq!(e.reason, Reason::Conflict);
    assert_eq!(e.message, "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"node-2\"");
    assert_eq!(
        c.api.bind("default", "nope", "node-1").unwrap_err().reason,
        Reason::NotFound
    );
}
