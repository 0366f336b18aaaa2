//! `kubectl run NAME --image=IMAGE [--port=P] [--env=K=V]... [--labels=k=v,...]
//! [--restart=Always|OnFailure|Never] [--command] [-i] [-t] [--rm] [-- ARGS...]`:
//! creates one Pod as kubectl's run generator writes it (label `run=NAME`, container
//! `NAME`), or prints it with `--dry-run=client -o yaml|json`. With `-i` kubectl waits
//! for the pod (simulated time runs) and attaches: to a bare shell the terminal then
//! talks until `exit`; any other command's output is printed when it ends. `--rm`
//! deletes the pod afterwards.

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
        return Output::err(args::required_flag_error("image", ctx.cluster.now()));
    };
    let attach = a.bool("stdin") || a.bool("attach");
    if a.bool("rm") && !attach {
        return Output::err("error: --rm should only be used for attached containers\n");
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
    // The run generator keeps stdin open for -i, and asks for a terminal with -t.
    if a.bool("stdin") {
        container["stdin"] = json!(true);
        container["stdinOnce"] = json!(true);
    }
    if a.bool("tty") {
        container["tty"] = json!(true);
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
    if let Err(e) = ctx.cluster.api.create(obj) {
        return Output::err(server_error(&e));
    }
    if !attach {
        return Output::out(format!("pod/{name} created\n"));
    }
    attach_to(ctx, &ns, &name, &image, &words, a.bool("rm"))
}

/// How long `kubectl run -i` waits for its pod (kubectl's `--pod-running-timeout`).
const POD_RUNNING_TIMEOUT_MS: crate::sim::Millis = 60_000;

fn pod_phase(ctx: &Ctx, ns: &str, name: &str) -> Option<String> {
    match ctx.cluster.api.get(Kind::Pod, ns, name).ok().as_deref() {
        Some(crate::api::Object::Pod(p)) => {
            Some(p.status.as_ref().map_or(String::new(), |s| s.phase.clone()))
        }
        _ => None,
    }
}

/// `kubectl run -i`: waits for the pod, then attaches to its shell or prints what its
/// command wrote; `--rm` deletes it after.
fn attach_to(
    ctx: &mut Ctx,
    ns: &str,
    name: &str,
    image: &str,
    command: &[String],
    rm: bool,
) -> Output {
    let mut out = Output::default();
    let mut waited = 0;
    ctx.cluster.settle();
    while pod_phase(ctx, ns, name).as_deref() == Some("Pending") && waited < POD_RUNNING_TIMEOUT_MS
    {
        ctx.cluster.advance(100);
        waited += 100;
    }
    let repo = crate::kubelet::images::repository(image);
    let shell = super::exec::is_interactive_shell(command)
        || (command.is_empty() && matches!(repo, "busybox" | "alpine"));
    if shell && pod_phase(ctx, ns, name).as_deref() == Some("Running") {
        out.stdout
            .push_str("If you don't see a command prompt, try pressing enter.\n");
        out.attach = Some(super::Attach {
            namespace: ns.to_string(),
            pod: name.to_string(),
            container: name.to_string(),
            prompt: super::exec::shell_prompt(repo).to_string(),
            on_exit: if rm {
                super::OnExit::Remove
            } else {
                super::OnExit::SessionEnded
            },
        });
        return out;
    }
    // Not a shell: its output, once it is done (or after the wait).
    while pod_phase(ctx, ns, name).as_deref() == Some("Running")
        && waited < POD_RUNNING_TIMEOUT_MS * 5
    {
        ctx.cluster.advance(100);
        waited += 100;
    }
    let now = ctx.cluster.now();
    let node = match ctx.cluster.api.get(Kind::Pod, ns, name).ok().as_deref() {
        Some(crate::api::Object::Pod(p)) => p.spec.node_name.clone(),
        _ => String::new(),
    };
    if let Some(k) = ctx.cluster.kubelet_mut(&node) {
        if let Ok(lines) = k.container_log(ns, name, name, false, now) {
            for (_, l) in lines {
                out.stdout.push_str(&l);
                out.stdout.push('\n');
            }
        }
    }
    if rm {
        out.stdout.push_str(&remove(ctx, ns, name));
    }
    out
}

/// Deletes the pod `kubectl run --rm` made and waits until it is gone.
pub(crate) fn remove(ctx: &mut Ctx, ns: &str, name: &str) -> String {
    let args: Vec<String> = ["pod", name, "-n", ns]
        .iter()
        .map(|s| s.to_string())
        .collect();
    super::delete::run(ctx, &args).text()
}
