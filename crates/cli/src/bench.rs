//! `kubeplay bench [apiserver]`: creates N nodes and M pods through the API server
//! (defaulting, validation, store, indexes and watch fan-out included) while a
//! label-selected pod watch runs, and reports creates per second and peak memory.
//! `kubeplay bench scheduler`: N nodes over three zones and M pods with mixed requests
//! and placement rules (`kubeplay_core::bench`), then times kube-scheduler placing them.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use kubeplay_core::api::core_v1::{Container, Pod, PodSpec, ResourceRequirements};
use kubeplay_core::api::labels::Selector;
use kubeplay_core::api::{Kind, ObjectMeta, Quantity, Resource};
use kubeplay_core::apiserver::bootstrap::{node_object, NodeShape};
use kubeplay_core::apiserver::store::WatchFilter;
use kubeplay_core::sim::{Cluster, ClusterConfig};

/// Peak resident memory of this process (VmHWM), in KiB, where /proc is available.
fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resident memory of this process now (VmRSS), in KiB, where /proc is available.
fn current_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn pod(i: usize) -> Pod {
    let mut labels = BTreeMap::new();
    labels.insert("app".to_string(), format!("web-{}", i % 100));
    labels.insert("tier".to_string(), "frontend".to_string());
    let mut requests = BTreeMap::new();
    requests.insert("cpu".to_string(), Quantity::from_milli(100));
    requests.insert(
        "memory".to_string(),
        Quantity::parse("128Mi").unwrap_or_default(),
    );
    Pod {
        metadata: ObjectMeta {
            name: format!("web-{i}"),
            namespace: "default".into(),
            labels,
            ..Default::default()
        },
        spec: PodSpec {
            containers: vec![Container {
                name: "web".into(),
                image: "nginx:1.27".into(),
                resources: ResourceRequirements {
                    requests,
                    ..Default::default()
                },
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

pub fn run(nodes: usize, pods: usize) -> ExitCode {
    let mut c = Cluster::new(ClusterConfig {
        workers: 0,
        ..Default::default()
    });
    let sel = match Selector::parse("app=web-7") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(1);
        }
    };
    let watch = match c.api.watch(
        WatchFilter {
            labels: sel,
            ..WatchFilter::all(Kind::Pod)
        },
        None,
    ) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(1);
        }
    };
    let now = kubeplay_core::api::Time(c.now());
    let t0 = Instant::now();
    for i in 1..=nodes {
        let shape = NodeShape {
            name: format!("node-{i}"),
            index: i,
            cpu_millis: 4000,
            memory_bytes: 16 << 30,
            ..Default::default()
        };
        if let Err(e) = c.api.create(node_object(&shape, now).into_object()) {
            eprintln!("bench: node-{i}: {e}");
            return ExitCode::from(1);
        }
    }
    let t_nodes = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut events = 0usize;
    for i in 0..pods {
        if let Err(e) = c.api.create(pod(i).into_object()) {
            eprintln!("bench: pod {i}: {e}");
            return ExitCode::from(1);
        }
        if i % 1000 == 999 {
            events += c.api.poll(watch).len();
        }
    }
    events += c.api.poll(watch).len();
    let t_pods = t1.elapsed().as_secs_f64();
    let total = nodes + pods;
    let t_all = t_nodes + t_pods;
    println!(
        "nodes: {nodes} created in {t_nodes:.3} s ({:.0} creates/s)",
        nodes as f64 / t_nodes.max(1e-9)
    );
    println!(
        "pods: {pods} created in {t_pods:.3} s ({:.0} creates/s)",
        pods as f64 / t_pods.max(1e-9)
    );
    println!(
        "total: {total} creates in {t_all:.3} s ({:.0} creates/s)",
        total as f64 / t_all.max(1e-9)
    );
    println!(
        "watch app=web-7: {events} ADDED events (expected {})",
        (0..pods).filter(|i| i % 100 == 7).count()
    );
    println!(
        "store: {} pods, {} nodes, revision {}",
        c.api.store.count(Kind::Pod),
        c.api.store.count(Kind::Node),
        c.api.revision()
    );
    match peak_rss_kib() {
        Some(k) => println!("peak memory (VmHWM): {} MiB", k / 1024),
        None => println!("peak memory: not available on this platform"),
    }
    ExitCode::SUCCESS
}

/// `kubeplay bench scheduler`.
pub fn run_scheduler(nodes: usize, pods: usize) -> ExitCode {
    let t0 = Instant::now();
    let mut c = kubeplay_core::bench::scheduler_cluster(nodes);
    let t_nodes = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    for i in 0..pods {
        let Some(p) = kubeplay_core::bench::scheduler_pod(i) else {
            eprintln!("bench: pod {i} does not decode");
            return ExitCode::from(1);
        };
        if let Err(e) = c.api.create(p) {
            eprintln!("bench: pod {i}: {e}");
            return ExitCode::from(1);
        }
    }
    let t_create = t1.elapsed().as_secs_f64();
    let rss_created = current_rss_kib();
    let t2 = Instant::now();
    c.settle();
    let t_sched = t2.elapsed().as_secs_f64();
    let scheduled = kubeplay_core::bench::scheduled_pods(&c);
    let digest = kubeplay_core::bench::placement_digest(&c);
    println!("nodes: {nodes} registered in {t_nodes:.3} s");
    println!(
        "pods: {pods} created in {t_create:.3} s ({:.0} creates/s)",
        pods as f64 / t_create.max(1e-9)
    );
    println!(
        "scheduling: {scheduled} of {pods} pods bound in {t_sched:.3} s ({:.0} pods/s)",
        scheduled as f64 / t_sched.max(1e-9)
    );
    println!("placement digest: {digest:016x}");
    if let (Some(a), Some(b)) = (rss_created, current_rss_kib()) {
        println!(
            "resident memory (VmRSS): {} MiB with the pods created, {} MiB with them bound",
            a / 1024,
            b / 1024
        );
    }
    match peak_rss_kib() {
        Some(k) => println!("peak memory (VmHWM): {} MiB", k / 1024),
        None => println!("peak memory: not available on this platform"),
    }
    ExitCode::SUCCESS
}

/// `kubeplay bench kubelet`: N nodes, each with its kubelet, and M pods bound to them;
/// times the pods coming up, then how fast simulated time runs with all of them
/// running (leases, node status, readiness probes and looping logs included).
pub fn run_kubelet(nodes: usize, pods: usize) -> ExitCode {
    let t0 = Instant::now();
    let mut c = Cluster::new(ClusterConfig {
        workers: nodes,
        worker_cpu_millis: 64_000,
        worker_memory_bytes: 256 << 30,
        ..Default::default()
    });
    let t_nodes = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    for i in 0..pods {
        let node = format!("node-{}", i % nodes.max(1) + 1);
        let Some(p) = kubeplay_core::bench::running_pod(i, &node) else {
            eprintln!("bench: pod {i} does not decode");
            return ExitCode::from(1);
        };
        if let Err(e) = c.api.create(p) {
            eprintln!("bench: pod {i}: {e}");
            return ExitCode::from(1);
        }
    }
    c.settle();
    // Sandboxes and image pulls: every pod is running well within a minute.
    c.advance(60_000);
    let t_start = t1.elapsed().as_secs_f64();
    let running = kubeplay_core::bench::running_pods(&c);
    let sim_ms: i64 = 300_000;
    let t2 = Instant::now();
    c.advance(sim_ms);
    let t_steady = t2.elapsed().as_secs_f64();
    println!("nodes: {nodes} kubelets registered in {t_nodes:.3} s");
    println!("pods: {running} of {pods} running after 60 simulated seconds ({t_start:.3} s)");
    println!(
        "steady state: {} simulated seconds in {t_steady:.3} s ({:.1} simulated seconds per second)",
        sim_ms / 1000,
        sim_ms as f64 / 1000.0 / t_steady.max(1e-9)
    );
    match peak_rss_kib() {
        Some(k) => println!("peak memory (VmHWM): {} MiB", k / 1024),
        None => println!("peak memory: not available on this platform"),
    }
    ExitCode::SUCCESS
}
