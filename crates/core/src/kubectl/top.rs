//! `kubectl top pod|node`: CPU and memory use from the `metrics.k8s.io` API that
//! metrics-server serves (`crate::metrics`), printed as kubectl v1.32 prints it
//! (`CPU(cores)` in millicores rounded up, `MEMORY(bytes)` in whole Mi, node
//! percentages of allocatable or, with `--show-capacity`, capacity), with its errors
//! when metrics are not there yet.

use super::args::{self, flag, Args, Flag};
use super::drain::go_duration;
use super::{server_error, table, Ctx, Output};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object};
use crate::metrics::{self, ContainerUsage};

const POD_FLAGS: &[Flag] = &[
    flag("all-namespaces", Some('A'), false),
    flag("selector", Some('l'), true),
    flag("field-selector", None, true),
    flag("containers", None, false),
    flag("sort-by", None, true),
    flag("no-headers", None, false),
    flag("sum", None, false),
    flag("use-protocol-buffers", None, false),
];

const NODE_FLAGS: &[Flag] = &[
    flag("selector", Some('l'), true),
    flag("sort-by", None, true),
    flag("no-headers", None, false),
    flag("show-capacity", None, false),
    flag("use-protocol-buffers", None, false),
];

/// A pod is expected to have metrics this long after its creation.
const METRICS_CREATION_DELAY_MS: i64 = 120_000;

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let Some((sub, rest)) = argv.split_first() else {
        return Output::out("Display resource (CPU/memory) usage.\n\n The top command allows you to see the resource consumption for nodes or pods.\n\n This command requires Metrics Server to be correctly configured and working on the server.\n\nAvailable Commands:\n  node          Display resource (CPU/memory) usage of nodes\n  pod           Display resource (CPU/memory) usage of pods\n\nUsage:\n  kubectl top [flags] [options]\n");
    };
    match sub.as_str() {
        "pod" | "pods" | "po" => top_pod(ctx, rest),
        "node" | "nodes" | "no" => top_node(ctx, rest),
        other => Output::err(format!(
            "error: unknown command {other:?} for \"kubectl top\"\n"
        )),
    }
}

fn parse(name: &str, argv: &[String], flags: &[Flag]) -> Result<Args, String> {
    let a = args::parse(name, argv, flags)?;
    if let Some(s) = a.get("sort-by") {
        if s != "cpu" && s != "memory" {
            return Err("error: --sort-by accepts only cpu or memory\n".into());
        }
    }
    if a.positionals.len() > 1 {
        return Err(format!("error: {name} accepts at most one name\n"));
    }
    Ok(a)
}

/// `MilliValue()` rounds up, as resource.Quantity does.
fn cpu_cell(nanocores: i64) -> String {
    format!("{}m", (nanocores + 999_999).div_euclid(1_000_000))
}

fn memory_cell(bytes: i64) -> String {
    format!("{}Mi", bytes / (1024 * 1024))
}

/// Rows whose every cell is tab-terminated, as the top printer writes them.
fn render(rows: Vec<Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|mut r| {
            r.push(String::new());
            r
        })
        .collect();
    table::render(&rows)
}

fn top_pod(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match parse("top pod", argv, POD_FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    if !ctx.cluster.api.metrics.served {
        return Output::err("error: Metrics API not available\n");
    }
    let all = a.bool("all-namespaces");
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let label_str = a.get("selector").unwrap_or("").to_string();
    let field_str = a.get("field-selector").unwrap_or("").to_string();
    let labels = match Selector::parse(&label_str) {
        Ok(l) => l,
        Err(e) => return Output::err(super::selector_error(Kind::Pod, &label_str, "", &e)),
    };
    let fields = match FieldSelector::parse(&field_str, Kind::Pod) {
        Ok(f) => f,
        Err(e) => return Output::err(super::selector_error(Kind::Pod, "", &field_str, &e)),
    };
    let now = ctx.cluster.now();
    let api = &ctx.cluster.api;
    let name = a.positionals.first().cloned();
    // The metrics for pods that exist now (metrics-server answers for the pods it
    // scraped; the selector applies to the pods' labels).
    let pods: Vec<std::sync::Arc<Object>> = match &name {
        Some(n) => api.get(Kind::Pod, &ns, n).ok().into_iter().collect(),
        None => api.list(Kind::Pod, (!all).then_some(ns.as_str()), &labels, &fields),
    };
    let mut found: Vec<(String, String, Vec<ContainerUsage>)> = Vec::new();
    for p in &pods {
        let m = p.meta();
        if let Some(pm) = metrics::pod_metrics(api, &m.namespace, &m.name) {
            found.push((pm.namespace, pm.name, pm.containers));
        }
    }
    if let (Some(n), true) = (&name, found.is_empty()) {
        return Output::err(format!(
            "Error from server (NotFound): podmetrics.metrics.k8s.io \"{ns}/{n}\" not found\n"
        ));
    }
    let mut out = Output::default();
    if found.is_empty() {
        for p in &pods {
            let m = p.meta();
            let age = now - m.creation_timestamp.map_or(now, |t| t.0);
            if age > METRICS_CREATION_DELAY_MS {
                return Output::err(format!(
                    "error: Metrics not available for pod {}/{}, age: {}\n",
                    m.namespace,
                    m.name,
                    go_duration(age.saturating_mul(1_000_000))
                ));
            }
        }
        if !pods.is_empty() {
            return Output::err("error: metrics not available yet\n");
        }
        out.stderr = if all {
            "No resources found\n".into()
        } else {
            format!("No resources found in {ns} namespace.\n")
        };
        return out;
    }
    let sort = a.get("sort-by");
    let total = |c: &[ContainerUsage]| -> (i64, i64) {
        c.iter().fold((0, 0), |(x, y), u| {
            (x + u.cpu_nanocores, y + u.memory_bytes)
        })
    };
    // Millicores and bytes as the sorter compares them.
    let key = |c: &[ContainerUsage]| -> i64 {
        let (cpu, mem) = total(c);
        match sort {
            Some("cpu") => -(cpu + 999_999).div_euclid(1_000_000),
            Some("memory") => -mem,
            _ => 0,
        }
    };
    found.sort_by(|x, y| {
        key(&x.2)
            .cmp(&key(&y.2))
            .then_with(|| {
                if all {
                    x.0.cmp(&y.0)
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then_with(|| x.1.cmp(&y.1))
    });
    let containers = a.bool("containers");
    let mut rows: Vec<Vec<String>> = Vec::new();
    if !a.bool("no-headers") {
        let mut h = Vec::new();
        if all {
            h.push("NAMESPACE".to_string());
        }
        if containers {
            h.push("POD".to_string());
        }
        h.extend(["NAME", "CPU(cores)", "MEMORY(bytes)"].map(String::from));
        rows.push(h);
    }
    let (mut sum_cpu, mut sum_mem) = (0, 0);
    for (pns, pname, cs) in &found {
        let (cpu, mem) = total(cs);
        sum_cpu += cpu;
        sum_mem += mem;
        if containers {
            let mut cs = cs.clone();
            match sort {
                Some("cpu") => {
                    cs.sort_by_key(|c| -(c.cpu_nanocores + 999_999).div_euclid(1_000_000))
                }
                Some("memory") => cs.sort_by_key(|c| -c.memory_bytes),
                _ => cs.sort_by(|x, y| x.name.cmp(&y.name)),
            }
            for c in cs {
                let mut r = Vec::new();
                if all {
                    r.push(pns.clone());
                }
                r.extend([
                    pname.clone(),
                    c.name.clone(),
                    cpu_cell(c.cpu_nanocores),
                    memory_cell(c.memory_bytes),
                ]);
                rows.push(r);
            }
        } else {
            let mut r = Vec::new();
            if all {
                r.push(pns.clone());
            }
            r.extend([pname.clone(), cpu_cell(cpu), memory_cell(mem)]);
            rows.push(r);
        }
    }
    if a.bool("sum") {
        let width = 3 + usize::from(all) + usize::from(containers);
        let mut bar = vec![String::new(); width - 2];
        bar.extend(["________".to_string(), "________".to_string()]);
        rows.push(bar);
        let mut line = vec![String::new(); width - 3];
        line.extend([String::new(), cpu_cell(sum_cpu), memory_cell(sum_mem)]);
        rows.push(line);
    }
    out.stdout = render(rows);
    out
}

fn top_node(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match parse("top node", argv, NODE_FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    if !ctx.cluster.api.metrics.served {
        return Output::err("error: Metrics API not available\n");
    }
    let label_str = a.get("selector").unwrap_or("").to_string();
    let labels = match Selector::parse(&label_str) {
        Ok(l) => l,
        Err(e) => return Output::err(super::selector_error(Kind::Node, &label_str, "", &e)),
    };
    let api = &ctx.cluster.api;
    let node_metrics = metrics::node_metrics(api);
    let nodes: Vec<std::sync::Arc<Object>> = match a.positionals.first() {
        Some(n) => {
            if !node_metrics.contains_key(n) {
                return Output::err(format!(
                    "Error from server (NotFound): nodemetrics.metrics.k8s.io {n:?} not found\n"
                ));
            }
            match api.get(Kind::Node, "", n) {
                Ok(o) => vec![o],
                Err(e) => return Output::err(server_error(&e)),
            }
        }
        None => api.list(Kind::Node, None, &labels, &FieldSelector::default()),
    };
    let capacity = a.bool("show-capacity");
    // (name, cpu, memory, available cpu millis, available memory bytes)
    let mut with: Vec<(String, i64, i64, i64, i64)> = Vec::new();
    let mut without: Vec<String> = Vec::new();
    for o in &nodes {
        let Object::Node(n) = &**o else { continue };
        let st = n.status.clone().unwrap_or_default();
        let list = if capacity {
            &st.capacity
        } else {
            &st.allocatable
        };
        let cpu_avail = list.get("cpu").map_or(0, |q| q.milli_value());
        let mem_avail = list.get("memory").map_or(0, |q| q.milli_value());
        match node_metrics.get(&n.metadata.name) {
            Some(m) => with.push((
                n.metadata.name.clone(),
                m.cpu_nanocores,
                m.memory_bytes,
                cpu_avail,
                mem_avail,
            )),
            None => without.push(n.metadata.name.clone()),
        }
    }
    if with.is_empty() {
        return Output::err("error: metrics not available yet\n");
    }
    match a.get("sort-by") {
        Some("cpu") => with.sort_by_key(|r| -(r.1 + 999_999).div_euclid(1_000_000)),
        Some("memory") => with.sort_by_key(|r| -r.2),
        _ => with.sort_by(|x, y| x.0.cmp(&y.0)),
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    if !a.bool("no-headers") {
        rows.push(
            ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
                .map(String::from)
                .to_vec(),
        );
    }
    let percent = |used_milli: i64, avail_milli: i64| -> String {
        if avail_milli == 0 {
            return "+Inf%".into();
        }
        format!(
            "{}%",
            (used_milli as f64 / avail_milli as f64 * 100.0) as i64
        )
    };
    for (name, cpu, mem, cpu_avail, mem_avail) in with {
        let cpu_milli = (cpu + 999_999).div_euclid(1_000_000);
        rows.push(vec![
            name,
            cpu_cell(cpu),
            percent(cpu_milli, cpu_avail),
            memory_cell(mem),
            percent(mem.saturating_mul(1000), mem_avail),
        ]);
    }
    for name in without {
        let mut r = vec![name];
        r.extend(std::iter::repeat_n("<unknown>".to_string(), 4));
        rows.push(r);
    }
    Output::out(render(rows))
}
