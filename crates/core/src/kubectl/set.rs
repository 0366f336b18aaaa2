//! `kubectl set image|env|resources`: change the pod template of pods, Deployments,
//! ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs and ReplicationControllers, as
//! kubectl does it: the object is read, its pod spec changed on the client, and the
//! difference sent as a strategic merge patch through the API server's PATCH. Objects
//! are chosen by `TYPE NAME...`, `TYPE/NAME`, `-l` or `--all`. Output as kubectl v1.32
//! (`deployment.apps/web image updated`, nothing when nothing changed, `error: unable
//! to find container named "x"`).

use serde_json::{json, Map, Value};

use super::args::{self, flag, Args, Flag};
use super::label::{self, DryRun, Printer};
use super::{resources, server_error, Ctx, Output};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object};
use crate::apiserver::patch::{PatchType, Subresource};

const COMMON: &[Flag] = &[
    flag("all", None, false),
    flag("selector", Some('l'), true),
    flag("filename", Some('f'), true),
    flag("local", None, false),
    flag("dry-run", None, true),
    flag("output", Some('o'), true),
    flag("field-manager", None, true),
    flag("record", None, false),
    flag("recursive", Some('R'), false),
    flag("allow-missing-template-keys", None, false),
    flag("show-managed-fields", None, false),
    flag("template", None, true),
    flag("kustomize", Some('k'), true),
    // set env
    flag("env", Some('e'), true),
    flag("from", None, true),
    flag("prefix", None, true),
    flag("keys", None, true),
    flag("containers", Some('c'), true),
    flag("overwrite", None, false),
    flag("list", None, false),
    flag("resolve", None, false),
    // set resources
    flag("limits", None, true),
    flag("requests", None, true),
];

const USAGE_SUBCOMMANDS: &str = "Configure application resources.\n\n These commands help you make changes to existing application resources.\n\nAvailable Commands:\n  env              Update environment variables on a pod template\n  image            Update the image of a pod template\n  resources        Update resource requests/limits on objects with pod templates\n  selector         Set the selector on a resource\n  serviceaccount   Update the service account of a resource\n  subject          Update the user, group, or service account in a role binding or cluster role binding\n\nUsage:\n  kubectl set SUBCOMMAND [options]\n\nUse \"kubectl set <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n";

/// `kubectl set ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let Some(sub) = argv.first() else {
        return Output::out(USAGE_SUBCOMMANDS);
    };
    let rest = &argv[1..];
    match sub.as_str() {
        "image" => run_set(ctx, rest, Which::Image),
        "env" => run_set(ctx, rest, Which::Env),
        "resources" => run_set(ctx, rest, Which::Resources),
        "selector" | "serviceaccount" | "sa" | "subject" => Output::err(format!(
            "error: kubectl set {sub} is not available in Kubeplay yet\n"
        )),
        other => Output::err(format!(
            "error: unknown command {other:?} for \"kubectl set\"\n"
        )),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Image,
    Env,
    Resources,
}

impl Which {
    fn cmd(self) -> &'static str {
        match self {
            Which::Image => "set image",
            Which::Env => "set env",
            Which::Resources => "set resources",
        }
    }
    fn operation(self) -> &'static str {
        match self {
            Which::Image => "image updated",
            Which::Env => "env updated",
            Which::Resources => "resource requirements updated",
        }
    }
    fn patch_noun(self) -> &'static str {
        match self {
            Which::Image => "image",
            Which::Env => "env",
            Which::Resources => "resources",
        }
    }
}

/// Where the pod spec sits in an object of this kind (`None`: the kind has none).
pub fn pod_spec_path(kind: Kind) -> Option<&'static [&'static str]> {
    Some(match kind {
        Kind::Pod => &["spec"],
        Kind::Deployment
        | Kind::ReplicaSet
        | Kind::StatefulSet
        | Kind::DaemonSet
        | Kind::Job
        | Kind::ReplicationController => &["spec", "template", "spec"],
        Kind::CronJob => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

fn pod_spec_mut<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    let mut cur = v;
    for p in path {
        cur = cur.get_mut(*p)?;
    }
    cur.as_object_mut()
}

/// The objects named by the arguments (`TYPE NAME...`, `TYPE/NAME`, `-l`, `--all`).
fn select(
    ctx: &Ctx,
    a: &Args,
    res: &[String],
    ns: &str,
) -> Result<Vec<(Kind, String, Option<std::sync::Arc<Object>>)>, String> {
    let targets = resources::parse(res)?;
    let mut out = Vec::new();
    for t in &targets.targets {
        if t.names.is_empty() {
            if !a.bool("all") && a.get("selector").is_none() {
                return Err(
                    "error: resource(s) were provided, but no name was specified\n".to_string(),
                );
            }
            let sel = match a.get("selector") {
                Some(s) => Selector::parse(s).map_err(|e| format!("error: {e}\n"))?,
                None => Selector::everything(),
            };
            for o in ctx
                .cluster
                .api
                .list(t.kind, Some(ns), &sel, &FieldSelector::everything())
            {
                out.push((t.kind, o.meta().name.clone(), Some(o)));
            }
        } else {
            for n in &t.names {
                out.push((t.kind, n.clone(), None));
            }
        }
    }
    Ok(out)
}

/// A parsed change to apply to each container.
enum Change {
    /// CONTAINER=IMAGE pairs in command-line order.
    Image(Vec<(String, String)>),
    Env {
        add: Vec<Value>,
        remove: Vec<String>,
    },
    Resources {
        limits: Map<String, Value>,
        requests: Map<String, Value>,
    },
}

fn split_pairs(positionals: &[String], noun: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let mut res = Vec::new();
    let mut pairs = Vec::new();
    for s in positionals {
        let pair = s.contains('=') || (noun == "environment" && s.ends_with('-') && s != "-");
        if pair {
            pairs.push(s.clone());
        } else if !pairs.is_empty() {
            return Err(if noun == "environment" {
                format!(
                    "error: all resources must be specified before environment changes: {}\n",
                    positionals.join(" ")
                )
            } else {
                format!("error: all resources must be specified before {noun} changes: {s}\n")
            });
        } else {
            res.push(s.clone());
        }
    }
    Ok((res, pairs))
}

/// `validation.IsEnvVarName`.
fn env_name_errors(name: &str) -> Vec<String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        vec![]
    } else {
        vec!["a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnv1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')".into()]
    }
}

/// `kubectl set env`'s `keyToEnvName`: anything but letters, digits and `_` becomes `_`,
/// upper-cased.
fn key_to_env_name(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn parse_resource_list(s: &str, what: &str) -> Result<Map<String, Value>, String> {
    let mut m = Map::new();
    for kv in s.split(',').filter(|x| !x.is_empty()) {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(format!(
                "error: invalid argument syntax {kv:?}, expected <resource>=<value>\n"
            ));
        };
        if !matches!(k, "cpu" | "memory" | "ephemeral-storage")
            && !k.contains('/')
            && !k.starts_with("hugepages-")
        {
            return Err(format!("error: invalid resource name {k:?}: resource name {k:?} is not supported for {what}\n"));
        }
        let q: crate::api::quantity::Quantity = v
            .parse()
            .map_err(|_| "error: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n".to_string())?;
        m.insert(k.to_string(), json!(q.to_string()));
    }
    Ok(m)
}

fn run_set(ctx: &mut Ctx, argv: &[String], which: Which) -> Output {
    let argv = label::normalize_optional_values(argv);
    let a = match args::parse(which.cmd(), &argv, COMMON) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let dry = match label::dry_run(&a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let format = match label::output_format(a.get("output"), which.cmd()) {
        Ok(f) => f,
        Err(e) => return Output::err(e),
    };
    if a.bool("all") && a.get("selector").is_some() {
        return Output::err("error: cannot set --all and --selector at the same time\n");
    }
    if a.get("filename").is_some() || a.bool("local") {
        return Output::err(format!(
            "error: kubectl {} -f and --local are not available in Kubeplay yet\n",
            which.cmd()
        ));
    }
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let noun = match which {
        Which::Image => "image",
        Which::Env => "environment",
        Which::Resources => "resources",
    };
    let (res, pairs) = match split_pairs(&a.positionals, noun) {
        Ok(x) => x,
        Err(e) => return Output::err(e),
    };
    let change = match which {
        Which::Image => {
            let mut errs = Vec::new();
            if res.is_empty() {
                errs.push("one or more resources must be specified as <resource> <name> or <resource>/<name>".to_string());
            }
            let mut imgs: Vec<(String, String)> = Vec::new();
            for p in &pairs {
                if let Some((c, i)) = p.split_once('=') {
                    match imgs.iter_mut().find(|x| x.0 == c) {
                        Some(x) => x.1 = i.to_string(),
                        None => imgs.push((c.to_string(), i.to_string())),
                    }
                }
            }
            if imgs.is_empty() {
                errs.push("at least one image update is required".to_string());
            } else if imgs.len() > 1 && imgs.iter().any(|x| x.0 == "*") {
                errs.push("all containers are already specified by *, but saw more than one container_name=container_image pairs".to_string());
            }
            if !errs.is_empty() {
                return Output::err(if errs.len() == 1 {
                    format!("error: {}\n", errs[0])
                } else {
                    format!("error: [{}]\n", errs.join(", "))
                });
            }
            Change::Image(imgs)
        }
        Which::Env => {
            if res.is_empty() {
                return Output::err("error: one or more resources must be specified as <resource> <name> or <resource>/<name>\n");
            }
            if a.bool("list") && a.get("output").is_some() {
                return Output::err("error: --list and --output may not be specified together\n");
            }
            if a.get("keys").is_some() && a.get("from").is_none() {
                return Output::err("error: when specifying --keys, a configmap or secret must be provided with --from\n");
            }
            let mut add: Vec<Value> = Vec::new();
            let mut remove = Vec::new();
            for p in a.all_raw("env").iter().chain(pairs.iter()) {
                if let Some((k, v)) = p.split_once('=') {
                    let errs = env_name_errors(k);
                    if !errs.is_empty() {
                        return Output::err(format!(
                            "error: {k:?} is not a valid key name: {}\n",
                            errs.join("; ")
                        ));
                    }
                    add.retain(|e| e["name"] != k);
                    add.push(json!({"name": k, "value": v}));
                } else if let Some(k) = p.strip_suffix('-') {
                    remove.push(k.to_string());
                } else {
                    return Output::err("error: environment variables must be of the form key=value and can only contain letters, numbers, and underscores\n".to_string());
                }
            }
            if let Some(from) = a.get("from") {
                let keys = a.all("keys");
                let Some((kind_word, name)) = from.split_once('/') else {
                    return Output::err("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'\n");
                };
                let kind = match resources::resolve(kind_word) {
                    Ok(k) => k[0],
                    Err(e) => return Output::err(e),
                };
                let obj = match ctx.cluster.api.get(kind, &ns, name) {
                    Ok(o) => o,
                    Err(e) => return Output::err(server_error(&e)),
                };
                let (data_keys, key_ref): (Vec<String>, &str) = match &*obj {
                    Object::ConfigMap(c) => (c.data.keys().cloned().collect(), "configMapKeyRef"),
                    Object::Secret(s) => (s.data.keys().cloned().collect(), "secretKeyRef"),
                    _ => return Output::err("error: unsupported resource specified in --from\n"),
                };
                for k in data_keys {
                    if keys.is_empty() || keys.contains(&k) {
                        add.push(json!({"name": key_to_env_name(&k), "valueFrom": {key_ref: {"key": k, "name": name}}}));
                    }
                }
            }
            if let Some(prefix) = a.get("prefix") {
                for e in &mut add {
                    let n = format!("{prefix}{}", e["name"].as_str().unwrap_or(""));
                    e["name"] = json!(n);
                }
            }
            Change::Env { add, remove }
        }
        Which::Resources => {
            if res.is_empty() {
                return Output::err("error: one or more resources must be specified as <resource> <name> or <resource>/<name>\n");
            }
            if a.get("limits").is_none() && a.get("requests").is_none() {
                return Output::err("error: you must specify an update to requests or limits (in the form of --requests/--limits)\n");
            }
            let limits = match a.get("limits").map(|l| parse_resource_list(l, "limits")) {
                Some(Err(e)) => return Output::err(e),
                Some(Ok(m)) => m,
                None => Map::new(),
            };
            let requests = match a
                .get("requests")
                .map(|l| parse_resource_list(l, "requests"))
            {
                Some(Err(e)) => return Output::err(e),
                Some(Ok(m)) => m,
                None => Map::new(),
            };
            Change::Resources { limits, requests }
        }
    };
    let objects = match select(ctx, &a, &res, &ns) {
        Ok(o) => o,
        Err(e) => return Output::err(e),
    };
    let containers_glob = a.get("containers").unwrap_or("*").to_string();
    let mut out = Output::default();
    let mut errors: Vec<String> = Vec::new();
    let mut printer = Printer::new(format, dry, true);
    for (kind, name, obj) in objects {
        let obj = match obj {
            Some(o) => o,
            None => match ctx.cluster.api.get(kind, &ns, &name) {
                Ok(o) => o,
                Err(e) => {
                    errors.push(server_error(&e));
                    continue;
                }
            },
        };
        let Some(path) = pod_spec_path(kind) else {
            let i = kind.info();
            let go_pkg = match i.group {
                "" => "v1".to_string(),
                g => format!("{}v1", g.split('.').next().unwrap_or(g)),
            };
            errors.push(format!(
                "error: {}/{name} the object is not a pod or does not have a pod template: *{go_pkg}.{}\n",
                i.plural, i.kind
            ));
            continue;
        };
        let before = obj.to_json();
        let mut after = before.clone();
        let Some(spec) = pod_spec_mut(&mut after, path) else {
            continue;
        };
        let kind_word = kind.info().kind;
        match &change {
            Change::Image(imgs) => {
                for (c, img) in imgs {
                    let mut found = false;
                    for list in ["initContainers", "containers"] {
                        if let Some(Value::Array(cs)) = spec.get_mut(list) {
                            for cont in cs.iter_mut() {
                                if c == "*" || cont["name"] == c.as_str() {
                                    cont["image"] = json!(img);
                                    found = true;
                                }
                            }
                        }
                    }
                    if !found {
                        errors.push(format!("error: unable to find container named {c:?}\n"));
                    }
                }
            }
            Change::Env { add, remove } => {
                let mut any = false;
                for list in ["containers", "initContainers"] {
                    let Some(Value::Array(cs)) = spec.get_mut(list) else {
                        continue;
                    };
                    for cont in cs.iter_mut() {
                        let cname = cont["name"].as_str().unwrap_or("").to_string();
                        if !glob_match(&containers_glob, &cname) {
                            continue;
                        }
                        any = true;
                        let mut env: Vec<Value> = cont
                            .get("env")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        // `--overwrite` defaults to true for set env.
                        if a.get("overwrite") == Some("false") {
                            if let Some(e) = add.iter().find_map(|e| {
                                env.iter().find(|x| {
                                    x["name"] == e["name"] && x.get("value") != e.get("value")
                                })
                            }) {
                                errors.push(format!(
                                    "error: {}/{name} '{}' already has a value ({}), and --overwrite is false\n",
                                    kind.info().plural,
                                    e["name"].as_str().unwrap_or(""),
                                    e.get("value").and_then(Value::as_str).unwrap_or("")
                                ));
                                continue;
                            }
                        }
                        for e in add {
                            match env.iter_mut().find(|x| x["name"] == e["name"]) {
                                Some(x) => *x = e.clone(),
                                None => env.push(e.clone()),
                            }
                        }
                        env.retain(|x| !remove.iter().any(|r| x["name"] == r.as_str()));
                        if env.is_empty() {
                            if let Some(m) = cont.as_object_mut() {
                                m.remove("env");
                            }
                        } else {
                            cont["env"] = Value::Array(env.clone());
                        }
                        if a.bool("list") {
                            out.stdout
                                .push_str(&format!("# {kind_word} {name}, container {cname}\n"));
                            for e in &env {
                                let n = e["name"].as_str().unwrap_or("");
                                match e.get("valueFrom") {
                                    None => out.stdout.push_str(&format!(
                                        "{n}={}\n",
                                        e.get("value").and_then(Value::as_str).unwrap_or("")
                                    )),
                                    Some(vf) => out
                                        .stdout
                                        .push_str(&format!("# {n} from {}\n", env_ref_string(vf))),
                                }
                            }
                        }
                    }
                }
                if !any {
                    out.notices.push_str(&format!(
                        "warning: {kind_word}/{name} does not have any containers matching {containers_glob:?}\n"
                    ));
                }
            }
            Change::Resources { limits, requests } => {
                let mut any = false;
                for list in ["initContainers", "containers"] {
                    let Some(Value::Array(cs)) = spec.get_mut(list) else {
                        continue;
                    };
                    for cont in cs.iter_mut() {
                        let cname = cont["name"].as_str().unwrap_or("").to_string();
                        if !glob_match(&containers_glob, &cname) {
                            continue;
                        }
                        any = true;
                        let r = cont
                            .as_object_mut()
                            .map(|m| m.entry("resources").or_insert_with(|| json!({})));
                        if let Some(r) = r {
                            for (field, vals) in [("limits", limits), ("requests", requests)] {
                                if vals.is_empty() {
                                    continue;
                                }
                                let slot = r
                                    .as_object_mut()
                                    .map(|m| m.entry(field).or_insert_with(|| json!({})));
                                if let Some(Value::Object(m)) = slot {
                                    for (k, v) in vals {
                                        m.insert(k.clone(), v.clone());
                                    }
                                }
                            }
                        }
                    }
                }
                if !any {
                    errors.push(format!(
                        "error: {}/{name} unable to find container named {containers_glob}\n",
                        kind.info().plural
                    ));
                }
            }
        }
        if a.bool("list") || after == before {
            continue;
        }
        let shown = super::get::kind_name(&obj);
        if dry == DryRun::Client {
            printer.print(&mut out.stdout, &shown, &after, which.operation());
            continue;
        }
        let body = super::apply::go_json(&strategic_diff(&before, &after));
        match ctx.cluster.api.patch(
            kind,
            &ns,
            &name,
            PatchType::Strategic,
            &body,
            Subresource::Main,
            dry == DryRun::Server,
        ) {
            Ok(p) => printer.print(
                &mut out.stdout,
                &shown,
                &p.after.to_json(),
                which.operation(),
            ),
            Err(e) => errors.push(format!(
                "error: failed to patch {} update to pod template: {}",
                which.patch_noun(),
                super::patch::patch_error(&e)
            )),
        }
    }
    for e in errors {
        out.stderr.push_str(&e);
    }
    out
}

/// `envutil.GetEnvVarRefString`.
fn env_ref_string(vf: &Value) -> String {
    if let Some(r) = vf.get("configMapKeyRef") {
        return format!(
            "configmap {}, key {}",
            r["name"].as_str().unwrap_or(""),
            r["key"].as_str().unwrap_or("")
        );
    }
    if let Some(r) = vf.get("secretKeyRef") {
        return format!(
            "secret {}, key {}",
            r["name"].as_str().unwrap_or(""),
            r["key"].as_str().unwrap_or("")
        );
    }
    if let Some(r) = vf.get("fieldRef") {
        return format!("field path {}", r["fieldPath"].as_str().unwrap_or(""));
    }
    if let Some(r) = vf.get("resourceFieldRef") {
        let c = r["containerName"].as_str().unwrap_or("");
        let res = r["resource"].as_str().unwrap_or("");
        return if c.is_empty() {
            format!("resource {res}")
        } else {
            format!("resource {res}, container {c}")
        };
    }
    "invalid valueFrom".into()
}

/// `filepath.Match` for the `-c` selector (`*` and `?`).
fn glob_match(pat: &str, s: &str) -> bool {
    fn m(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).any(|i| m(rest, &s[i..])),
            Some(('?', rest)) => !s.is_empty() && m(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && m(rest, &s[1..]),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = s.chars().collect();
    m(&p, &s)
}

/// A strategic merge patch from `before` to `after` for pod-template changes: changed
/// maps recurse, lists of named items (containers, env) are sent whole with
/// `$patch: replace`, so removals reach the server.
fn strategic_diff(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut out = Map::new();
            for (k, av) in a {
                match b.get(k) {
                    Some(bv) if bv == av => {}
                    Some(bv) if bv.is_object() && av.is_object() => {
                        out.insert(k.clone(), strategic_diff(bv, av));
                    }
                    _ => {
                        out.insert(k.clone(), list_replace(av));
                    }
                }
            }
            for k in b.keys() {
                if !a.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        _ => list_replace(after),
    }
}

fn list_replace(v: &Value) -> Value {
    match v {
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            let mut items = items.clone();
            items.push(json!({"$patch": "replace"}));
            Value::Array(items)
        }
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_and_globs() {
        assert_eq!(key_to_env_name("app.mode-x"), "APP_MODE_X");
        assert!(glob_match("*", "nginx"));
        assert!(glob_match("ng*", "nginx"));
        assert!(!glob_match("side", "nginx"));
        assert!(env_name_errors("1X").len() == 1);
    }

    #[test]
    fn strategic_diff_round_trips() {
        let before = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x", "env": [{"name": "A", "value": "1"}]}]}}}});
        let after =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "y"}]}}}});
        let p = strategic_diff(&before, &after);
        let got =
            crate::apiserver::patch::strategic_merge_patch(Kind::Deployment, &before, &p).unwrap();
        assert_eq!(got, after);
    }
}
