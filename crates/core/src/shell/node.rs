//! `kubeplay node ...`: what happens to the machines under the cluster, which no kubectl
//! command can do: `list`, `add`, `stop` (the machine goes dark: no lease renewals, no
//! status), `start`, `delete`.

use std::collections::BTreeMap;

use crate::api::core_v1::Taint;
use crate::api::{Kind, Quantity};
use crate::apiserver::bootstrap::NodeShape;
use crate::apiserver::DeleteOptions;
use crate::kubectl::args::{self, flag, Flag};
use crate::kubectl::table;
use crate::kubelet::{Kubelet, Power};
use crate::sim::Cluster;

const ADD_FLAGS: &[Flag] = &[
    flag("cpu", None, true),
    flag("memory", None, true),
    flag("labels", None, true),
    flag("taints", None, true),
    flag("zone", None, true),
];

const USAGE: &str = "Usage:\n  kubeplay node list\n  kubeplay node add [NAME] [--cpu N] [--memory QTY] [--labels k=v,...] [--taints k=v:Effect,...] [--zone Z]\n  kubeplay node stop NAME\n  kubeplay node start NAME\n  kubeplay node delete NAME\n";

/// Runs `kubeplay node ARGS...`.
pub fn run(cluster: &mut Cluster, argv: &[String]) -> String {
    let Some(sub) = argv.first() else {
        return format!("error: missing node command\n{USAGE}");
    };
    let rest = &argv[1..];
    match sub.as_str() {
        "list" | "ls" => list(cluster),
        "add" => add(cluster, rest),
        "stop" => set_power(cluster, rest, Power::Stopped),
        "start" => set_power(cluster, rest, Power::Running),
        "delete" | "rm" => delete(cluster, rest),
        other => format!("error: unknown node command {other:?}\n{USAGE}"),
    }
}

fn list(cluster: &mut Cluster) -> String {
    let mut rows = vec![["NAME", "ROLE", "MACHINE", "CPU", "MEMORY", "ZONE"]
        .map(String::from)
        .to_vec()];
    for k in cluster.kubelets() {
        let s = k.shape();
        let machine = match k.power() {
            Power::Running => "running",
            Power::Stopped => "stopped",
            Power::Deleted => continue,
        };
        rows.push(vec![
            s.name.clone(),
            if s.control_plane {
                "control-plane".into()
            } else {
                "worker".into()
            },
            machine.into(),
            Quantity::from_milli(s.cpu_millis).to_string(),
            Quantity::parse(&format!("{}Ki", s.memory_bytes / 1024))
                .map(|q| q.to_string())
                .unwrap_or_default(),
            s.zone.clone().unwrap_or_else(|| "<none>".into()),
        ]);
    }
    table::render(&rows)
}

fn parse_labels(s: &str) -> Result<BTreeMap<String, String>, String> {
    let mut m = BTreeMap::new();
    for kv in s.split(',').filter(|x| !x.is_empty()) {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("error: invalid label {kv:?}: expected key=value\n"))?;
        m.insert(k.to_string(), v.to_string());
    }
    Ok(m)
}

fn parse_taints(s: &str) -> Result<Vec<Taint>, String> {
    let mut v = Vec::new();
    for spec in s.split(',').filter(|x| !x.is_empty()) {
        let (kv, effect) = spec
            .rsplit_once(':')
            .ok_or_else(|| format!("error: invalid taint spec: {spec}\n"))?;
        if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            return Err(format!(
                "error: invalid taint effect: {effect}, unsupported taint effect\n"
            ));
        }
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        v.push(Taint {
            key: key.into(),
            value: value.into(),
            effect: effect.into(),
            ..Default::default()
        });
    }
    Ok(v)
}

fn add(cluster: &mut Cluster, argv: &[String]) -> String {
    let a = match args::parse("node add", argv, ADD_FLAGS) {
        Ok(a) => a,
        Err(e) => return e.replace("kubectl node add", "kubeplay node add"),
    };
    let existing: Vec<String> = cluster
        .kubelets()
        .iter()
        .map(|k| k.node_name().to_string())
        .collect();
    let index = existing.len();
    let name = match a.positionals.first() {
        Some(n) => n.clone(),
        None => (index..)
            .map(|i| format!("node-{i}"))
            .find(|n| !existing.contains(n))
            .unwrap_or_default(),
    };
    if existing.contains(&name) || cluster.api.get(Kind::Node, "", &name).is_ok() {
        return format!("error: node {name:?} already exists\n");
    }
    let cpu_millis = match a.get("cpu").map(Quantity::parse) {
        None => cluster.config.worker_cpu_millis,
        Some(Ok(q)) if q.milli_value() > 0 => q.milli_value(),
        Some(_) => {
            return format!(
                "error: invalid --cpu {:?}\n",
                a.get("cpu").unwrap_or_default()
            )
        }
    };
    let memory_bytes = match a.get("memory").map(Quantity::parse) {
        None => cluster.config.worker_memory_bytes,
        Some(Ok(q)) if q.value() > 0 => q.value(),
        Some(_) => {
            return format!(
                "error: invalid --memory {:?}\n",
                a.get("memory").unwrap_or_default()
            )
        }
    };
    let labels = match parse_labels(a.get("labels").unwrap_or("")) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let taints = match parse_taints(a.get("taints").unwrap_or("")) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let shape = NodeShape {
        name: name.clone(),
        index,
        cpu_millis,
        memory_bytes,
        control_plane: false,
        labels,
        taints,
        zone: a.get("zone").map(str::to_string),
    };
    let images = cluster.config.images.clone();
    cluster.add_component(Box::new(Kubelet::with_catalogue(shape, images)));
    cluster.settle();
    match cluster.api.get(Kind::Node, "", &name) {
        Ok(_) => format!("node/{name} added\n"),
        Err(e) => crate::kubectl::server_error(&e),
    }
}

fn one_name(argv: &[String], cmd: &str) -> Result<String, String> {
    match argv {
        [name] => Ok(name.clone()),
        _ => Err(format!(
            "error: kubeplay node {cmd} takes exactly one node name\n"
        )),
    }
}

fn set_power(cluster: &mut Cluster, argv: &[String], power: Power) -> String {
    let cmd = if power == Power::Running {
        "start"
    } else {
        "stop"
    };
    let name = match one_name(argv, cmd) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let Some(k) = cluster
        .kubelet_mut(&name)
        .filter(|k| k.power() != Power::Deleted)
    else {
        return format!("error: node {name:?} not found\n");
    };
    if k.power() == power {
        return format!(
            "node/{name} already {}\n",
            if power == Power::Running {
                "running"
            } else {
                "stopped"
            }
        );
    }
    k.set_power(power);
    if power == Power::Running {
        cluster.wake_component_named(&format!("kubelet/{name}"));
    }
    format!(
        "node/{name} {}\n",
        if power == Power::Running {
            "started"
        } else {
            "stopped"
        }
    )
}

fn delete(cluster: &mut Cluster, argv: &[String]) -> String {
    let name = match one_name(argv, "delete") {
        Ok(n) => n,
        Err(e) => return e,
    };
    let Some(k) = cluster
        .kubelet_mut(&name)
        .filter(|k| k.power() != Power::Deleted)
    else {
        return format!("error: node {name:?} not found\n");
    };
    k.set_power(Power::Deleted);
    let _ = cluster
        .api
        .delete(Kind::Node, "", &name, &DeleteOptions::default());
    cluster.settle();
    format!("node/{name} deleted\n")
}
