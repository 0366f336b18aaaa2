//! `kubectl create SUBCOMMAND` (deployment, service clusterip|nodeport|loadbalancer|
//! externalname, configmap, secret generic, namespace, serviceaccount) and `kubectl
//! expose`: the objects kubectl's generators build, created through the API server or,
//! with `--dry-run=client -o yaml`, printed exactly as kubectl v1.32 prints them.
//! `kubectl create -f` stays in `apply.rs`; [`run`] sends it there.
//!
//! Each subcommand is one arm of [`run_subcommand`] (job and cronjob come as two more).

use serde_json::{json, Map, Value};

use super::args::{self, flag, Args, Flag};
use super::label::{self, DryRun};
use super::{server_error, Ctx, Output};
use crate::api::{Kind, Object};
use crate::apiserver::decode::decode_value;

/// `kubectl create ...`: a subcommand, or `-f` (apply.rs).
pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    match argv.first().map(String::as_str) {
        Some(sub) if !sub.starts_with('-') => run_subcommand(ctx, sub, &argv[1..])
            .unwrap_or_else(|| super::apply::run_create(ctx, argv)),
        _ => super::apply::run_create(ctx, argv),
    }
}

/// The generator subcommands; `None` when `sub` is not one of them.
pub fn run_subcommand(ctx: &mut Ctx, sub: &str, rest: &[String]) -> Option<Output> {
    Some(match sub {
        "deployment" | "deploy" => create_deployment(ctx, rest),
        "service" | "svc" => create_service(ctx, rest),
        "configmap" | "cm" => create_configmap(ctx, rest),
        "secret" => create_secret(ctx, rest),
        "namespace" | "ns" => create_simple(ctx, rest, "namespace", Kind::Namespace),
        "serviceaccount" | "sa" => create_simple(ctx, rest, "serviceaccount", Kind::ServiceAccount),
        "poddisruptionbudget" | "pdb" => create_pdb(ctx, rest),
        _ => return None,
    })
}

const OUTPUT_FLAGS: &[Flag] = &[
    flag("dry-run", None, true),
    flag("output", Some('o'), true),
    flag("field-manager", None, true),
    flag("save-config", None, false),
    flag("validate", None, true),
    flag("allow-missing-template-keys", None, false),
    flag("show-managed-fields", None, false),
    flag("template", None, true),
];

fn parse(cmd: &str, argv: &[String], extra: &[Flag]) -> Result<Args, Output> {
    let argv = label::normalize_optional_values(argv);
    let flags: Vec<Flag> = OUTPUT_FLAGS.iter().chain(extra).copied().collect();
    args::parse(cmd, &argv, &flags).map_err(Output::err)
}

/// `exactly one NAME is required, got N`.
fn one_name(a: &Args, cmd: &str) -> Result<String, Output> {
    match a.positionals.as_slice() {
        [n] => Ok(n.clone()),
        other => Err(Output::err(format!(
            "error: exactly one NAME is required, got {}\nSee 'kubectl {cmd} -h' for help and examples\n",
            other.len()
        ))),
    }
}

/// Prints (dry run) or creates the object kubectl's generator built.
fn finish(ctx: &mut Ctx, a: &Args, kind: Kind, mut obj: Value, verb: &str) -> Output {
    let dry = match label::dry_run(a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let format = match label::output_format(a.get("output"), "create") {
        Ok(f) => f,
        Err(e) => return Output::err(e),
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
    let shown = format!("{}/{name}", kind.info().group_singular());
    if a.get("namespace").is_some() && kind.info().namespaced {
        obj["metadata"]["namespace"] = json!(ns);
    }
    if dry == DryRun::Client {
        let mut out = Output::default();
        label::Printer::new(format, dry, false).print(&mut out.stdout, &shown, &obj, verb);
        return out;
    }
    let mut typed = match decode_value(kind, &obj) {
        Ok(o) => o,
        Err(e) => return Output::err(format!("error: {e}\n")),
    };
    if kind.info().namespaced {
        typed.meta_mut().namespace = ns;
    }
    let created = if dry == DryRun::Server {
        dry_run_create(ctx, typed)
    } else {
        ctx.cluster.api.create(typed)
    };
    match created {
        Ok(o) => {
            let mut out = Output::default();
            label::Printer::new(format, dry, false).print(
                &mut out.stdout,
                &shown,
                &o.to_json(),
                verb,
            );
            out
        }
        Err(e) => Output::err(server_error(&e)),
    }
}

/// `--dry-run=server` for a create: the name must be free; the object is not stored.
fn dry_run_create(
    ctx: &Ctx,
    obj: Object,
) -> Result<std::sync::Arc<Object>, crate::apiserver::ApiError> {
    let k = obj.kind();
    if ctx
        .cluster
        .api
        .get(k, &obj.meta().namespace, &obj.meta().name)
        .is_ok()
    {
        return Err(crate::apiserver::ApiError::already_exists(
            k,
            &obj.meta().name,
        ));
    }
    Ok(std::sync::Arc::new(obj))
}

/// The container name kubectl derives from an image (`busybox:1.36` -> `busybox`,
/// `registry/x/nginx@sha256:...` -> `nginx`).
pub fn container_name(image: &str) -> String {
    let base = image.rsplit('/').next().unwrap_or(image);
    let base = base.split('@').next().unwrap_or(base);
    let base = base.split(':').next().unwrap_or(base);
    // Non-DNS characters become '-', as `sanitizeAndUniquify` does.
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .to_ascii_lowercase()
}

fn create_deployment(ctx: &mut Ctx, argv: &[String]) -> Output {
    let (opts, command) = match argv.iter().position(|a| a == "--") {
        Some(i) => (&argv[..i], argv[i + 1..].to_vec()),
        None => (argv, Vec::new()),
    };
    let a = match parse(
        "create deployment",
        opts,
        &[
            flag("image", None, true),
            flag("replicas", Some('r'), true),
            flag("port", None, true),
        ],
    ) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let images = a.all_raw("image");
    if images.is_empty() {
        return Output::err(args::required_flag_error("image", ctx.cluster.now()));
    }
    let name = match one_name(&a, "create deployment") {
        Ok(n) => n,
        Err(o) => return o,
    };
    if images.len() > 1 && !command.is_empty() {
        return Output::err("error: cannot specify multiple --image options and command\n");
    }
    let replicas: i64 = match a.get("replicas").map(str::parse::<i64>) {
        None => 1,
        Some(Ok(r)) => r,
        Some(Err(_)) => {
            return Output::err(format!(
                "Error: invalid argument {:?} for \"-r, --replicas\" flag: strconv.ParseInt: parsing {:?}: invalid syntax\nSee 'kubectl create deployment --help' for usage.\n",
                a.get("replicas").unwrap_or(""),
                a.get("replicas").unwrap_or("")
            ))
        }
    };
    let port: Option<i64> = match a.get("port").map(str::parse::<i64>) {
        None => None,
        Some(Ok(p)) if p >= 0 => Some(p),
        _ => {
            return Output::err(format!(
                "Error: invalid argument {:?} for \"--port\" flag: strconv.ParseInt: parsing {:?}: invalid syntax\nSee 'kubectl create deployment --help' for usage.\n",
                a.get("port").unwrap_or(""),
                a.get("port").unwrap_or("")
            ))
        }
    };
    let mut containers = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for img in &images {
        let mut cname = container_name(img);
        let mut n = 1;
        while used.contains(&cname) {
            cname = format!("{}-{n}", container_name(img));
            n += 1;
        }
        used.push(cname.clone());
        let mut c = json!({"image": img, "name": cname, "resources": {}});
        if !command.is_empty() {
            c["command"] = json!(command);
        }
        if let Some(p) = port {
            if p > 0 {
                c["ports"] = json!([{"containerPort": p}]);
            }
        }
        containers.push(c);
    }
    let obj = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"creationTimestamp": null, "labels": {"app": name}, "name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {},
            "template": {
                "metadata": {"creationTimestamp": null, "labels": {"app": name}},
                "spec": {"containers": containers},
            },
        },
        "status": {},
    });
    finish(ctx, &a, Kind::Deployment, obj, "created")
}

fn create_service(ctx: &mut Ctx, argv: &[String]) -> Output {
    let Some(ty) = argv.first().filter(|s| !s.starts_with('-')) else {
        return Output::out("Create a service using a specified subcommand.\n\nAliases:\nservice, svc\n\nAvailable Commands:\n  clusterip      Create a ClusterIP service\n  externalname   Create an ExternalName service\n  loadbalancer   Create a LoadBalancer service\n  nodeport       Create a NodePort service\n\nUsage:\n  kubectl create service [flags] [options]\n");
    };
    let (sub, svc_type) = match ty.as_str() {
        "clusterip" => ("clusterip", "ClusterIP"),
        "nodeport" => ("nodeport", "NodePort"),
        "loadbalancer" => ("loadbalancer", "LoadBalancer"),
        "externalname" => ("externalname", "ExternalName"),
        other => {
            return Output::err(format!(
                "error: unknown command {other:?} for \"kubectl create service\"\n"
            ))
        }
    };
    let cmd = format!("create service {sub}");
    let a = match parse(
        &cmd,
        &argv[1..],
        &[
            flag("tcp", None, true),
            flag("clusterip", None, true),
            flag("node-port", None, true),
            flag("external-name", None, true),
        ],
    ) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let name = match one_name(&a, &cmd) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let tcp = a.all("tcp");
    if sub == "externalname" {
        let Some(ext) = a.get("external-name").filter(|e| !e.is_empty()) else {
            return Output::err(args::required_flag_error(
                "external-name",
                ctx.cluster.now(),
            ));
        };
        let obj = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"creationTimestamp": null, "labels": {"app": name}, "name": name},
            "spec": {"externalName": ext, "selector": {"app": name}, "type": "ExternalName"},
            "status": {"loadBalancer": {}},
        });
        return finish(ctx, &a, Kind::Service, obj, "created");
    }
    let cluster_ip = a.get("clusterip").unwrap_or("");
    if tcp.is_empty() && cluster_ip != "None" {
        return Output::err("error: at least one tcp port specifier must be provided\n");
    }
    let node_port: i64 = a.get("node-port").and_then(|p| p.parse().ok()).unwrap_or(0);
    let mut ports = Vec::new();
    for spec in &tcp {
        let (p, t) = spec.split_once(':').unwrap_or((spec, spec));
        let port: u16 = match p.parse() {
            Ok(v) => v,
            Err(_) => {
                return Output::err(format!(
                    "error: strconv.ParseUint: parsing {p:?}: invalid syntax\n"
                ))
            }
        };
        let target: Value = match t.parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => json!(t),
        };
        let pname = if p == t {
            p.to_string()
        } else {
            format!("{p}-{t}")
        };
        let mut pj = json!({"name": pname, "port": port, "protocol": "TCP", "targetPort": target});
        if node_port > 0 {
            pj["nodePort"] = json!(node_port);
        }
        ports.push(pj);
    }
    let mut spec = json!({"ports": ports, "selector": {"app": name}, "type": svc_type});
    if !cluster_ip.is_empty() {
        spec["clusterIP"] = json!(cluster_ip);
    }
    let obj = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"creationTimestamp": null, "labels": {"app": name}, "name": name},
        "spec": spec,
        "status": {"loadBalancer": {}},
    });
    finish(ctx, &a, Kind::Service, obj, "created")
}

/// `--from-literal` / `--from-env-file` / `--from-file` data, in key order, with
/// kubectl's errors.
fn gather_data(ctx: &Ctx, a: &Args) -> Result<Map<String, Value>, String> {
    let mut data = Map::new();
    let put = |data: &mut Map<String, Value>, k: &str, v: &str| -> Result<(), String> {
        if data.contains_key(k) {
            return Err(format!(
                "error: cannot add key {k}, another key by that name already exists in Data for ConfigMap {:?}\n",
                ""
            ));
        }
        data.insert(k.to_string(), json!(v));
        Ok(())
    };
    for lit in a.all_raw("from-literal") {
        let Some((k, v)) = lit.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(format!(
                "error: invalid literal source {lit}, expected key=value\n"
            ));
        };
        put(&mut data, k, v)?;
    }
    for f in a.all_raw("from-env-file") {
        let text = (ctx.read_file)(&f)
            .map_err(|_| format!("error: error reading {f}: no such file or directory\n"))?;
        for line in text.lines() {
            let l = line.trim_start();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            match l.split_once('=') {
                Some((k, v)) => put(&mut data, k, v)?,
                None => {
                    return Err(format!(
                        "error: {:?} is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit\n",
                        l
                    ))
                }
            }
        }
    }
    for f in a.all_raw("from-file") {
        let (key, path) = match f.split_once('=') {
            Some((k, p)) => (k.to_string(), p.to_string()),
            None => (f.rsplit('/').next().unwrap_or(&f).to_string(), f.clone()),
        };
        let text = (ctx.read_file)(&path)
            .map_err(|_| format!("error: error reading {path}: no such file or directory\n"))?;
        put(&mut data, &key, &text)?;
    }
    Ok(data)
}

const DATA_FLAGS: &[Flag] = &[
    flag("from-literal", None, true),
    flag("from-file", None, true),
    flag("from-env-file", None, true),
    flag("append-hash", None, false),
    flag("type", None, true),
];

fn create_configmap(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match parse("create configmap", argv, DATA_FLAGS) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let name = match one_name(&a, "create configmap") {
        Ok(n) => n,
        Err(o) => return o,
    };
    let data = match gather_data(ctx, &a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let mut obj = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"creationTimestamp": null, "name": name},
    });
    if !data.is_empty() {
        obj["data"] = Value::Object(data);
    }
    finish(ctx, &a, Kind::ConfigMap, obj, "created")
}

fn create_secret(ctx: &mut Ctx, argv: &[String]) -> Output {
    match argv.first().map(String::as_str) {
        Some("generic") => {}
        Some(other @ ("docker-registry" | "tls")) => {
            return Output::err(format!(
                "error: kubectl create secret {other} is not available in Kubeplay yet\n"
            ))
        }
        Some(other) if !other.starts_with('-') => {
            return Output::err(format!(
                "error: unknown command {other:?} for \"kubectl create secret\"\n"
            ))
        }
        _ => return Output::out("Create a secret with specified type.\n\nAvailable Commands:\n  docker-registry   Create a secret for use with a Docker registry\n  generic           Create a secret from a local file, directory, or literal value\n  tls               Create a TLS secret\n"),
    }
    let a = match parse("create secret generic", &argv[1..], DATA_FLAGS) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let name = match one_name(&a, "create secret generic") {
        Ok(n) => n,
        Err(o) => return o,
    };
    let data = match gather_data(ctx, &a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let mut obj = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"creationTimestamp": null, "name": name},
    });
    if !data.is_empty() {
        let enc: Map<String, Value> = data
            .into_iter()
            .map(|(k, v)| (k, json!(base64(v.as_str().unwrap_or("").as_bytes()))))
            .collect();
        obj["data"] = Value::Object(enc);
    }
    if let Some(t) = a.get("type") {
        obj["type"] = json!(t);
    }
    finish(ctx, &a, Kind::Secret, obj, "created")
}

/// Standard base64 with padding.
pub fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for ch in b.chunks(3) {
        let n = (ch[0] as u32) << 16
            | (*ch.get(1).unwrap_or(&0) as u32) << 8
            | *ch.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= ch.len() {
                s.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn create_simple(ctx: &mut Ctx, argv: &[String], sub: &str, kind: Kind) -> Output {
    let cmd = format!("create {sub}");
    let a = match parse(&cmd, argv, &[]) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let name = match one_name(&a, &cmd) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let obj = if kind == Kind::Namespace {
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"creationTimestamp": null, "name": name}, "spec": {}, "status": {}})
    } else {
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"creationTimestamp": null, "name": name}})
    };
    finish(ctx, &a, kind, obj, "created")
}

/// `metav1.ParseToLabelSelector`: `=`/`==` become matchLabels; `in`, `notin`, `key`
/// and `!key` matchExpressions, in the parsed (key) order; `!=`, `gt`, `lt` are refused.
fn parse_to_label_selector(text: &str) -> Result<Value, String> {
    use crate::api::labels::Operator;
    let sel = crate::api::labels::Selector::parse(text)?;
    let mut labels = Map::new();
    let mut exprs: Vec<Value> = Vec::new();
    for r in sel.requirements() {
        let mut values = r.values.clone();
        values.sort();
        let (op, values) = match r.operator {
            Operator::Equals | Operator::DoubleEquals => {
                labels.insert(
                    r.key.clone(),
                    json!(values.first().cloned().unwrap_or_default()),
                );
                continue;
            }
            Operator::In => ("In", values),
            Operator::NotIn => ("NotIn", values),
            Operator::Exists => ("Exists", Vec::new()),
            Operator::DoesNotExist => ("DoesNotExist", Vec::new()),
            Operator::GreaterThan | Operator::LessThan => {
                return Err(format!(
                    "{:?} isn't supported in label selectors",
                    r.operator.as_str()
                ))
            }
            Operator::NotEquals => {
                return Err(format!(
                    "{:?} is not a valid label selector operator",
                    r.operator.as_str()
                ))
            }
        };
        let mut e = json!({"key": r.key, "operator": op});
        if !values.is_empty() {
            e["values"] = json!(values);
        }
        exprs.push(e);
    }
    let mut out = Map::new();
    if !labels.is_empty() {
        out.insert("matchLabels".into(), Value::Object(labels));
    }
    if !exprs.is_empty() {
        out.insert("matchExpressions".into(), Value::Array(exprs));
    }
    Ok(Value::Object(out))
}

/// `kubectl create poddisruptionbudget NAME --selector=SELECTOR
/// --min-available=N|--max-unavailable=N` (numbers or percentages).
fn create_pdb(ctx: &mut Ctx, argv: &[String]) -> Output {
    let cmd = "create poddisruptionbudget";
    let a = match parse(
        cmd,
        argv,
        &[
            flag("selector", None, true),
            flag("min-available", None, true),
            flag("max-unavailable", None, true),
        ],
    ) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let name = match one_name(&a, cmd) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let selector = a.get("selector").unwrap_or("");
    let min = a.get("min-available").unwrap_or("");
    let max = a.get("max-unavailable").unwrap_or("");
    let well_formed = |v: &str| {
        let digits = v.strip_suffix('%').unwrap_or(v);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
    };
    let invalid = if selector.is_empty() {
        Some("a selector must be specified")
    } else if min.is_empty() && max.is_empty() {
        Some("one of min-available or max-unavailable must be specified")
    } else if !min.is_empty() && !max.is_empty() {
        Some("min-available and max-unavailable cannot be both specified")
    } else if !min.is_empty() && !well_formed(min) {
        Some("invalid format specified for min-available")
    } else if !max.is_empty() && !well_formed(max) {
        Some("invalid format specified for max-unavailable")
    } else {
        None
    };
    if let Some(e) = invalid {
        return Output::err(format!("error: {e}\n"));
    }
    let selector = match parse_to_label_selector(selector) {
        Ok(s) => s,
        Err(e) => return Output::err(format!("error: {e}\n")),
    };
    // `intstr.Parse`: a number is an int, anything else a string.
    let int_or_string = |v: &str| match v.parse::<i32>() {
        Ok(n) => json!(n),
        Err(_) => json!(v),
    };
    let mut spec = Map::new();
    if !min.is_empty() {
        spec.insert("minAvailable".into(), int_or_string(min));
    } else {
        spec.insert("maxUnavailable".into(), int_or_string(max));
    }
    spec.insert("selector".into(), selector);
    let obj = json!({
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"creationTimestamp": null, "name": name},
        "spec": spec,
        "status": {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0},
    });
    finish(ctx, &a, Kind::PodDisruptionBudget, obj, "created")
}

/// `kubectl expose (TYPE NAME | TYPE/NAME) [--port=P] [--target-port=T] [--type=T]
/// [--name=N] [--protocol=P]`: a Service selecting the object's pods.
pub fn run_expose(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match parse(
        "expose",
        argv,
        &[
            flag("port", None, true),
            flag("target-port", None, true),
            flag("type", None, true),
            flag("name", None, true),
            flag("protocol", None, true),
            flag("selector", None, true),
            flag("labels", Some('l'), true),
            flag("external-ip", None, true),
            flag("cluster-ip", None, true),
            flag("session-affinity", None, true),
            flag("load-balancer-ip", None, true),
            flag("filename", Some('f'), true),
            flag("override-type", None, true),
            flag("overrides", None, true),
        ],
    ) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let targets = match super::resources::parse(&a.positionals) {
        Ok(t) => t,
        Err(e) => return Output::err(e),
    };
    let Some(t) = targets.targets.first() else {
        return Output::err("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n");
    };
    let Some(name) = t.names.first() else {
        return Output::err("error: resource(s) were provided, but no name was specified\n");
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let obj = match ctx.cluster.api.get(t.kind, &ns, name) {
        Ok(o) => o,
        Err(e) => return Output::err(server_error(&e)),
    };
    let i = t.kind.info();
    let (selector, labels, ports): (Map<String, Value>, Map<String, Value>, Vec<i64>) = {
        let j = obj.to_json();
        let labels = j["metadata"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let cports = |spec: &Value| -> Vec<i64> {
            spec["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
                .filter_map(|p| p["containerPort"].as_i64())
                .collect()
        };
        match t.kind {
            Kind::Pod => (labels.clone(), labels, cports(&j["spec"])),
            Kind::Deployment | Kind::ReplicaSet => {
                if j["spec"]["selector"].get("matchExpressions").is_some() {
                    return Output::err(format!(
                        "error: couldn't convert expressions - \"{}\" to map: operator {:?} cannot be converted into the old label selector format\n",
                        j["spec"]["selector"]["matchExpressions"][0]["key"].as_str().unwrap_or(""),
                        j["spec"]["selector"]["matchExpressions"][0]["operator"].as_str().unwrap_or("")
                    ));
                }
                (
                    j["spec"]["selector"]["matchLabels"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                    labels,
                    cports(&j["spec"]["template"]["spec"]),
                )
            }
            Kind::ReplicationController => (
                j["spec"]["selector"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                labels,
                cports(&j["spec"]["template"]["spec"]),
            ),
            Kind::Service => (
                j["spec"]["selector"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                labels,
                j["spec"]["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p["port"].as_i64())
                    .collect(),
            ),
            _ => return Output::err(format!("error: cannot expose a {}\n", i.kind)),
        }
    };
    if selector.is_empty() {
        return Output::err(format!("error: couldn't retrieve selectors via --selector flag or introspection: the {} has no selector\n", i.kind));
    }
    let port_list: Vec<i64> = match a.get("port") {
        Some(p) => match p.parse() {
            Ok(p) => vec![p],
            Err(_) => {
                return Output::err(format!(
                    "error: strconv.Atoi: parsing {p:?}: invalid syntax\n"
                ))
            }
        },
        None => ports,
    };
    if port_list.is_empty() {
        return Output::err("error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples\n");
    }
    let protocol = a.get("protocol").unwrap_or("TCP");
    let target = a.get("target-port");
    let mut sports = Vec::new();
    for (n, p) in port_list.iter().enumerate() {
        let mut pj = json!({"port": p, "protocol": protocol});
        if port_list.len() > 1 {
            pj["name"] = json!(format!("port-{}", n + 1));
        }
        pj["targetPort"] = match target {
            Some(t) => match t.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => json!(t),
            },
            None => json!(p),
        };
        sports.push(pj);
    }
    let sname = a.get("name").unwrap_or(name).to_string();
    let mut spec = json!({"ports": sports, "selector": selector});
    if let Some(ty) = a.get("type") {
        spec["type"] = json!(ty);
    }
    let mut meta = json!({"creationTimestamp": null, "name": sname});
    if !labels.is_empty() {
        meta["labels"] = Value::Object(labels);
    }
    let svc = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": spec,
        "status": {"loadBalancer": {}},
    });
    finish(ctx, &a, Kind::Service, svc, "exposed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Cluster, ClusterConfig};

    fn kubectl(cluster: &mut Cluster, line: &str) -> String {
        let words = super::super::args::split_words(line).unwrap();
        let read = |p: &str| -> Result<String, String> {
            if p == "app.env" {
                Ok("A=1\n# c\nB=two words\n".into())
            } else {
                Err(format!("error: the path {p:?} does not exist"))
            }
        };
        let mut ctx = Ctx {
            cluster,
            namespace: "default".into(),
            read_file: &read,
            stdin: None,
        };
        super::super::run(&mut ctx, &words[1..]).text()
    }

    /// Each expected text is what the real kubectl v1.32 printed for the same command.
    #[test]
    fn dry_run_yaml_matches_kubectl() {
        let mut c = Cluster::new(ClusterConfig::default());
        assert_eq!(
            kubectl(&mut c, "kubectl create deployment web --image=nginx --replicas=3 --port=80 --dry-run=client -o yaml -- sleep 10"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: web\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: web\n  strategy: {}\n  template:\n    metadata:\n      creationTimestamp: null\n      labels:\n        app: web\n    spec:\n      containers:\n      - command:\n        - sleep\n        - \"10\"\n        image: nginx\n        name: nginx\n        ports:\n        - containerPort: 80\n        resources: {}\nstatus: {}\n"
        );
        assert_eq!(
            kubectl(&mut c, "kubectl create service nodeport web --tcp=80:8080 --node-port=30007 --dry-run=client -o yaml"),
            "apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: web\n  name: web\nspec:\n  ports:\n  - name: 80-8080\n    nodePort: 30007\n    port: 80\n    protocol: TCP\n    targetPort: 8080\n  selector:\n    app: web\n  type: NodePort\nstatus:\n  loadBalancer: {}\n"
        );
        assert_eq!(
            kubectl(&mut c, "kubectl create service externalname ex --external-name=example.com --dry-run=client -o yaml"),
            "apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: ex\n  name: ex\nspec:\n  externalName: example.com\n  selector:\n    app: ex\n  type: ExternalName\nstatus:\n  loadBalancer: {}\n"
        );
        assert_eq!(
            kubectl(&mut c, "kubectl create configmap cfg --from-literal=a=1 --from-literal=b=x --dry-run=client -o yaml"),
            "apiVersion: v1\ndata:\n  a: \"1\"\n  b: x\nkind: ConfigMap\nmetadata:\n  creationTimestamp: null\n  name: cfg\n"
        );
        assert_eq!(
            kubectl(&mut c, "kubectl create configmap c --from-env-file=app.env --dry-run=client -o yaml"),
            "apiVersion: v1\ndata:\n  A: \"1\"\n  B: two words\nkind: ConfigMap\nmetadata:\n  creationTimestamp: null\n  name: c\n"
        );
        assert_eq!(
            kubectl(&mut c, "kubectl create secret generic s --from-literal=p=pw --dry-run=client -o yaml"),
            "apiVersion: v1\ndata:\n  p: cHc=\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: s\n"
        );
        assert_eq!(
            kubectl(&mut c, "kubectl create namespace dev --dry-run=client -o yaml"),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  creationTimestamp: null\n  name: dev\nspec: {}\nstatus: {}\n"
        );
        assert_eq!(
            kubectl(&mut c, "kubectl create serviceaccount bot --dry-run=client -o yaml"),
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  creationTimestamp: null\n  name: bot\n"
        );
        assert_eq!(
            kubectl(
                &mut c,
                "kubectl create service loadbalancer lb --tcp=5678:8080 --dry-run=client"
            ),
            "service/lb created (dry run)\n"
        );
        // Errors as kubectl prints them.
        assert_eq!(
            kubectl(&mut c, "kubectl create deployment --image=x --dry-run=client"),
            "error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples\n"
        );
        assert_eq!(
            kubectl(
                &mut c,
                "kubectl create service clusterip web --dry-run=client -o yaml"
            ),
            "error: at least one tcp port specifier must be provided\n"
        );
        assert_eq!(
            kubectl(
                &mut c,
                "kubectl create service clusterip x --tcp=abc --dry-run=client"
            ),
            "error: strconv.ParseUint: parsing \"abc\": invalid syntax\n"
        );
        assert_eq!(
            kubectl(
                &mut c,
                "kubectl create configmap c --from-literal=bad --dry-run=client"
            ),
            "error: invalid literal source bad, expected key=value\n"
        );
        assert!(kubectl(
            &mut c,
            "kubectl create service clusterip x --tcp=80 --dry-run=client -o yaml"
        )
        .contains("  - name: \"80\"\n    port: 80\n    protocol: TCP\n    targetPort: 80\n"));
        assert!(kubectl(&mut c, "kubectl create deployment multi --image=nginx --image=busybox:1.36 --dry-run=client -o yaml").contains("      - image: busybox:1.36\n        name: busybox\n"));
    }
}
