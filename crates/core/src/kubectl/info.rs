//! `kubectl version`, `kubectl cluster-info` and `kubectl api-resources`.

use super::args::{self, flag};
use super::{table, Ctx, Output};
use crate::api::Kind;

/// The Kubernetes release Kubeplay mirrors (client and server).
pub const KUBERNETES_VERSION: &str = "v1.33.1";
/// The kustomize version bundled with that kubectl.
pub const KUSTOMIZE_VERSION: &str = "v5.6.0";

/// Where the simulated API server is reachable (inside the simulation).
pub const SERVER_URL: &str = "https://172.18.0.2:6443";

fn version_info() -> serde_json::Value {
    let minor = KUBERNETES_VERSION.split('.').nth(1).unwrap_or("33");
    serde_json::json!({
        "major": "1",
        "minor": minor,
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": "kubeplay",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

pub fn version(_ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match args::parse(
        "version",
        argv,
        &[flag("client", None, false), flag("output", Some('o'), true)],
    ) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let client_only = a.bool("client");
    match a.get("output") {
        None | Some("") => {
            let mut s = format!(
                "Client Version: {KUBERNETES_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
            );
            if !client_only {
                s.push_str(&format!("Server Version: {KUBERNETES_VERSION}\n"));
            }
            Output::out(s)
        }
        Some(fmt @ ("yaml" | "json")) => {
            let mut v = serde_json::json!({ "clientVersion": version_info(), "kustomizeVersion": KUSTOMIZE_VERSION });
            if !client_only {
                v["serverVersion"] = version_info();
            }
            if fmt == "json" {
                Output::out(format!("{}\n", super::yaml::to_json_pretty(&v)))
            } else {
                Output::out(super::yaml::to_yaml(&v))
            }
        }
        Some(_) => Output::err("error: --output must be 'yaml' or 'json'\n"),
    }
}

pub fn cluster_info(ctx: &mut Ctx, argv: &[String]) -> Output {
    if let Err(e) = args::parse("cluster-info", argv, &[]) {
        return Output::err(e);
    }
    let mut s = format!("Kubernetes control plane is running at {SERVER_URL}\n");
    // Services labelled kubernetes.io/cluster-service=true in kube-system are listed too.
    let sel = crate::api::labels::Selector::parse("kubernetes.io/cluster-service=true")
        .unwrap_or_else(|_| crate::api::labels::Selector::everything());
    for svc in ctx.cluster.api.list(
        Kind::Service,
        Some("kube-system"),
        &sel,
        &crate::api::fields::FieldSelector::everything(),
    ) {
        let m = svc.meta();
        let name = m
            .labels
            .get("kubernetes.io/name")
            .cloned()
            .unwrap_or_else(|| m.name.clone());
        let port = match &*svc {
            crate::api::Object::Service(s) => s
                .spec
                .ports
                .first()
                .map(|p| {
                    if p.name.is_empty() {
                        p.port.to_string()
                    } else {
                        p.name.clone()
                    }
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        s.push_str(&format!("{name} is running at {SERVER_URL}/api/v1/namespaces/kube-system/services/{}:{port}/proxy\n", m.name));
    }
    s.push_str(
        "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n",
    );
    Output::out(s)
}

/// API groups in the order the API server's discovery lists them.
const GROUP_ORDER: &[&str] = &[
    "",
    "apps",
    "autoscaling",
    "batch",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
];

/// Kinds in `kubectl api-resources` order: by group (discovery order), then by name.
pub fn discovery_order() -> Vec<Kind> {
    let mut kinds: Vec<Kind> = Kind::ALL.to_vec();
    kinds.sort_by_key(|k| {
        let i = k.info();
        (
            GROUP_ORDER
                .iter()
                .position(|g| *g == i.group)
                .unwrap_or(usize::MAX),
            i.plural,
        )
    });
    kinds
}

pub fn api_resources(_ctx: &mut Ctx, argv: &[String]) -> Output {
    let flags = [
        flag("output", Some('o'), true),
        flag("namespaced", None, true),
        flag("no-headers", None, false),
        flag("api-group", None, true),
    ];
    let a = match args::parse("api-resources", argv, &flags) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let wide = match a.get("output") {
        None | Some("") => false,
        Some("wide") => true,
        Some("name") => {
            let mut s = String::new();
            for k in discovery_order() {
                let i = k.info();
                s.push_str(&if i.group.is_empty() {
                    format!("{}\n", i.plural)
                } else {
                    format!("{}.{}\n", i.plural, i.group)
                });
            }
            return Output::out(s);
        }
        Some(o) => return Output::err(format!("error: --output {o} is not available\n")),
    };
    let ns_filter = match a.get("namespaced") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(v) => return Output::err(format!("error: invalid argument {v:?} for \"--namespaced\" flag: strconv.ParseBool: parsing {v:?}: invalid syntax\n")),
    };
    let mut rows = Vec::new();
    if !a.bool("no-headers") {
        let mut h = vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];
        if wide {
            h.extend(["VERBS", "CATEGORIES"]);
        }
        rows.push(h.into_iter().map(String::from).collect::<Vec<_>>());
    }
    for k in discovery_order() {
        let i = k.info();
        if ns_filter.is_some_and(|n| n != i.namespaced)
            || a.get("api-group").is_some_and(|g| g != i.group)
        {
            continue;
        }
        let mut r = vec![
            i.plural.to_string(),
            i.short_names.join(","),
            i.api_version(),
            i.namespaced.to_string(),
            i.kind.to_string(),
        ];
        if wide {
            r.push("[create delete deletecollection get list patch update watch]".into());
            r.push(if i.categories.is_empty() {
                String::new()
            } else {
                format!("[{}]", i.categories.join(" "))
            });
        }
        rows.push(r);
    }
    Output::out(table::render(&rows))
}
