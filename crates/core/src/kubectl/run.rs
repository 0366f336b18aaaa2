//! `kubectl run NAME --image=IMAGE [--port=P] [--env=K=V]... [--labels=k=v,...]
//! [--restart=Always|OnFailure|Never] [--command] [-- ARGS...]`: creates one Pod as
//! kubectl's run generator writes it (label `run=NAME`, container `NAME`), or prints
//! it with `--dry-run=client -o yaml|json`. Attaching (`-i`, `-t`, `--attach`, `--rm`)
//! needs the page's terminal and is refused here with a message saying so.

use serde_json::{json, Value};

use super::args::{self, flag, Flag};
use super::{server_error, Ctx, Output};
use crate::api::Kind;
use crate::apiserver::decode::decode_value;

const FLAGS: &[Flag] = &[
    flag("image", None, true),
    flag("port", None, true),
    flag("env", None, true),
    flag("labels", Some('l'), true),
    flag("restart", None, true),
    flag("command", None, false),
    flag("dry-run", None, true),
    flag("output", Some('o'), true),
    flag("stdin", Some('i'), false),
    flag("tty", Some('t'), false),
    flag("attach", None, false),
    flag("rm", None, false),
    flag("image-pull-policy", None, true),
    flag("annotations", None, true),
    flag("overrides", None, true),
];

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let (opts, rest) = match argv.iter().position(|a| a == "--") {
        Some(i) => (&argv[..i], argv[i + 1..].to_vec()),
        None => (argv, Vec::new()),
    };
    let a = match args::parse("run", opts, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let Some(name) = a.positionals.first().cloned() else {
        return Output::err(
            "error: NAME is required for run\nSee 'kubectl run -h' for help and examples\n",
        );
    };
    let Some(image) = a.get("image").map(str::to_string) else {
        return Output::err("error: required flag(s) \"image\" not set\n");
    };
    if ["stdin", "tty", "attach", "rm"].iter().any(|f| a.bool(f)) {
        return Output::err("error: kubectl run with -i, -t, --attach or --rm attaches to the pod, which needs the page's terminal; run it without them, then use kubectl logs or kubectl exec\n");
    }
    let restart = a.get("restart").unwrap_or("Always");
    if !matches!(restart, "Always" | "OnFailure" | "Never") {
        return Output::err(format!("error: invalid restart policy: {restart}\n"));
    }
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let mut labels = serde_json::Map::new();
    match a.get("labels") {
        Some(l) => {
            for kv in l.split(',').filter(|s| !s.is_empty()) {
                let Some((k, v)) = kv.split_once('=') else {
                    return Output::err(format!("error: invalid label spec: {kv}\n"));
                };
                labels.insert(k.to_string(), json!(v));
            }
        }
        None => {
            labels.insert("run".into(), json!(name));
        }
    }
    let mut container = json!({"name": name, "image": image, "resources": {}});
    // Positional words after NAME are arguments too (the old form without `--`).
    let words: Vec<String> = rest
        .into_iter()
        .chain(a.positionals.iter().skip(1).cloned())
        .collect();
    if !words.is_empty() {
        container[if a.bool("command") { "command" } else { "args" }] = json!(words);
    }
    if let Some(p) = a.get("port") {
        match p.parse::<i32>() {
            Ok(port) => container["ports"] = json!([{"containerPort": port}]),
            Err(_) => return Output::err(format!("error: invalid port {p:?}\n")),
        }
    }
    let env: Vec<Value> = a
        .all("env")
        .iter()
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| json!({"name": k, "value": v}))
        })
        .collect();
    if !env.is_empty() {
        container["env"] = json!(env);
    }
    if let Some(p) = a.get("image-pull-policy") {
        container["imagePullPolicy"] = json!(p);
    }
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"creationTimestamp": null, "labels": labels, "name": name, "namespace": ns},
        "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": restart},
        "status": {},
    });
    if a.get("dry-run") == Some("client") {
        let mut shown = pod.clone();
        if a.get("namespace").is_none() {
            if let Some(m) = shown["metadata"].as_object_mut() {
                m.remove("namespace");
            }
        }
        return match a.get("output") {
            Some("yaml") => Output::out(super::yaml::to_yaml(&shown)),
            Some("json") => Output::out(format!(
                "{}\n",
                serde_json::to_string_pretty(&shown).unwrap_or_default()
            )),
            Some("name") => Output::out(format!("pod/{name}\n")),
            _ => Output::out(format!("pod/{name} created (dry run)\n")),
        };
    }
    let obj = match decode_value(Kind::Pod, &pod) {
        Ok(o) => o,
        Err(e) => return Output::err(format!("error: {e}\n")),
    };
    match ctx.cluster.api.create(obj) {
        Ok(_) => Output::out(format!("pod/{name} created\n")),
        Err(e) => Output::err(server_error(&e)),
    }
}
