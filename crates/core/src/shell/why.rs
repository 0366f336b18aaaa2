//! `kubeplay why pod NAME [-n NAMESPACE]`: the scheduler's explanation of its last
//! attempt to place a pod — per node, the plugin that rejected it and why, or the
//! plugins' scores — as the page's "why" panel shows it.

use crate::kubectl::args::{self, flag, Flag};
use crate::kubectl::table;
use crate::scheduler::component::KubeScheduler;
use crate::sim::Cluster;

const FLAGS: &[Flag] = &[flag("namespace", Some('n'), true)];

pub fn run(cluster: &mut Cluster, argv: &[String]) -> String {
    let a = match args::parse("why", argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return e.replace("kubectl why", "kubeplay why"),
    };
    let name = match a.positionals.as_slice() {
        [kind, name] if matches!(kind.as_str(), "pod" | "pods" | "po") => name.clone(),
        [pn] if pn.starts_with("pod/") || pn.starts_with("pods/") || pn.starts_with("po/") => pn
            .split_once('/')
            .map(|x| x.1.to_string())
            .unwrap_or_default(),
        _ => return "error: usage: kubeplay why pod NAME [-n NAMESPACE]\n".into(),
    };
    let ns = a.get("namespace").unwrap_or("default").to_string();
    let key = format!("{ns}/{name}");
    let Some(record) = cluster
        .component_mut::<KubeScheduler>()
        .and_then(|s| s.record(&key))
    else {
        return match cluster.api.get(crate::api::Kind::Pod, &ns, &name) {
            Err(e) => crate::kubectl::server_error(&e),
            Ok(_) => format!("pod {key} has no scheduling attempt on record (bound by nodeName, or another scheduler)\n"),
        };
    };
    let mut out = format!("Pod {key}: {}\n", record.message);
    if let Some(r) = &record.pre_filter {
        out.push_str(&format!(
            "PreFilter {} rejected the pod: {}\n",
            r.plugin,
            r.reasons.join(", ")
        ));
    }
    let plugins: Vec<&'static str> = {
        let mut v: Vec<&'static str> = Vec::new();
        for n in &record.nodes {
            for s in &n.scores {
                if !v.contains(&s.plugin) {
                    v.push(s.plugin);
                }
            }
        }
        v
    };
    let mut rows = vec![vec![
        "NODE".to_string(),
        "RESULT".into(),
        "PLUGIN".into(),
        "REASON / SCORE".into(),
    ]];
    for n in &record.nodes {
        match &n.rejected {
            Some(r) => rows.push(vec![
                n.node.to_string(),
                "rejected".into(),
                r.plugin.into(),
                r.reasons.join(", "),
            ]),
            None => {
                let chosen = record.selected.as_deref() == Some(&*n.node);
                let scores: Vec<String> = plugins
                    .iter()
                    .filter_map(|p| n.scores.iter().find(|s| s.plugin == *p))
                    .map(|s| format!("{} {} ({})", s.plugin, s.normalized, s.weighted))
                    .collect();
                let detail = if scores.is_empty() {
                    "the only feasible node: not scored".to_string()
                } else {
                    format!("total {}: {}", n.total, scores.join(", "))
                };
                rows.push(vec![
                    n.node.to_string(),
                    if chosen {
                        "selected".into()
                    } else {
                        "feasible".into()
                    },
                    String::new(),
                    detail,
                ]);
            }
        }
    }
    if let Some(r) = &record.not_examined {
        rows.push(vec![
            "(others)".into(),
            "rejected".into(),
            r.plugin.into(),
            r.reasons.join(", "),
        ]);
    }
    out.push_str(&table::render(&rows));
    if let Some(n) = record
        .nominated_node_name
        .as_deref()
        .filter(|n| !n.is_empty())
    {
        out.push_str(&format!(
            "Nominated node: {n}; victims: {}\n",
            if record.victims.is_empty() {
                "<none>".into()
            } else {
                record.victims.join(", ")
            }
        ));
    }
    out
}
