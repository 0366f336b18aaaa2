//! `kubectl apply -f` (client-side apply: the last-applied-configuration annotation and a
//! three-way merge with strategic-merge list keys; `created`, `configured`, `unchanged`)
//! and `kubectl create -f`. Also reading `-f` files and stdin for every command.

use serde_json::{Map, Value};

use super::args::{self, flag, Flag};
use super::{server_error_from, Ctx, Output};
use crate::api::Object;
use crate::apiserver::decode::{self, DecodeError, Decoded};
use crate::apiserver::ApiError;

/// The annotation client-side apply keeps the applied configuration in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

const FLAGS: &[Flag] = &[
    flag("filename", Some('f'), true),
    flag("validate", None, true),
    flag("recursive", Some('R'), false),
    flag("output", Some('o'), true),
    flag("dry-run", None, true),
    flag("force", None, false),
    flag("field-manager", None, true),
];

/// Reads `-f PATH` (`-` is stdin) and decodes it. Returns the decoded objects and the
/// rendered errors of the documents that failed; a missing file is the outer error.
pub fn read_objects(ctx: &Ctx, path: &str) -> Result<(Vec<Decoded>, Vec<String>), String> {
    let (text, source) = read_source(ctx, path)?;
    let mut ok = Vec::new();
    let mut errs = Vec::new();
    for r in decode::decode_stream(&text) {
        match r {
            Ok(d) => ok.push(d),
            Err(e) => errs.push(render_decode_error(&e, &source, "creating")),
        }
    }
    Ok((ok, errs))
}

/// The text of `-f PATH` and the name kubectl uses for it in messages.
pub fn read_source(ctx: &Ctx, path: &str) -> Result<(String, String), String> {
    if path == "-" {
        return match ctx.stdin {
            Some(s) => Ok((s.to_string(), "STDIN".into())),
            None => Err("error: no objects passed to apply\n".into()),
        };
    }
    (ctx.read_file)(path)
        .map(|t| (t, path.to_string()))
        .map_err(|e| {
            if e.ends_with('\n') {
                e
            } else {
                format!("{e}\n")
            }
        })
}

/// A decode error as kubectl prints it, followed by where in the file it is.
pub fn render_decode_error(e: &DecodeError, source: &str, verb: &str) -> String {
    let p = e.pos();
    format!(
        "{}\n  at {source} line {}, column {}\n",
        e.render(source, verb),
        p.line,
        p.col
    )
}

/// Go's `json.Marshal` text: compact, keys sorted, `<`, `>`, `&` escaped.
pub fn go_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Sets the object's namespace from the context when it has none, or refuses a mismatch.
fn resolve_namespace(
    obj: &mut Object,
    json: &mut Value,
    ns: &str,
    explicit: bool,
) -> Result<(), String> {
    if !obj.kind().info().namespaced {
        return Ok(());
    }
    let cur = obj.meta().namespace.clone();
    if cur.is_empty() {
        obj.meta_mut().namespace = ns.to_string();
        if let Some(m) = json.get_mut("metadata").and_then(Value::as_object_mut) {
            m.insert("namespace".into(), Value::String(ns.to_string()));
        }
    } else if explicit && cur != ns {
        return Err(format!(
            "error: the namespace from the provided object {cur:?} does not match the namespace {ns:?}. You must pass '--namespace={cur}' to perform this operation.\n"
        ));
    }
    Ok(())
}

struct Inputs {
    items: Vec<(Decoded, String)>,
    errors: Vec<String>,
}

fn gather(ctx: &Ctx, a: &args::Args, cmd: &str, verb: &'static str) -> Result<Inputs, Output> {
    let files = a.all("filename");
    if files.is_empty() {
        return Err(Output::err("error: must specify one of -f and -k\n\n"));
    }
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for f in &files {
        let (text, source) = read_source(ctx, f).map_err(Output::err)?;
        for r in decode::decode_stream(&text) {
            match r {
                Ok(d) => items.push((d, source.clone())),
                Err(e @ DecodeError::BadRequest { .. }) => {
                    let verb = bad_request_verb(ctx, &e, verb);
                    errors.push(render_decode_error(&e, &source, verb));
                }
                Err(e) => errors.push(render_decode_error(&e, &source, verb)),
            }
        }
    }
    if items.is_empty() && errors.is_empty() {
        return Err(Output::err(format!("error: no objects passed to {cmd}\n")));
    }
    Ok(Inputs { items, errors })
}

/// For apply, a body the server refuses reads `error when creating` for a new object and
/// `error when patching` for an existing one.
fn bad_request_verb(ctx: &Ctx, e: &DecodeError, verb: &'static str) -> &'static str {
    if let DecodeError::BadRequest {
        kind,
        name,
        namespace,
        ..
    } = e
    {
        let ns = if namespace.is_empty() {
            ctx.namespace.as_str()
        } else {
            namespace.as_str()
        };
        if verb == "applying" && ctx.cluster.api.get(*kind, ns, name).is_ok() {
            return "patching";
        }
    }
    "creating"
}

/// Renders an API error for an object from `source`, with the line of the first invalid field.
fn api_error(e: &ApiError, verb: &str, d: &Decoded, source: &str) -> String {
    let mut s = server_error_from(e, verb, source);
    let pos = match e.causes.0.first() {
        Some(c) => decode::locate(&d.root, &c.field),
        None => d.pos,
    };
    s.push_str(&format!(
        "  at {source} line {}, column {}\n",
        pos.line, pos.col
    ));
    s
}

/// `kubectl create -f`.
pub fn run_create(ctx: &mut Ctx, argv: &[String]) -> Output {
    run_each(ctx, argv, "create", "creating", create_one)
}

/// `kubectl apply -f`.
pub fn run_apply(ctx: &mut Ctx, argv: &[String]) -> Output {
    run_each(ctx, argv, "apply", "applying", apply_one)
}

type Action = fn(&mut Ctx, Object, &Decoded, &str) -> Result<String, String>;

/// Reads every `-f`, then runs `act` on each decoded object in order (its namespace
/// resolved); successes print as they come, errors (decoding ones last) go to stderr.
fn run_each(ctx: &mut Ctx, argv: &[String], cmd: &str, verb: &'static str, act: Action) -> Output {
    let a = match args::parse(cmd, argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let inputs = match gather(ctx, &a, cmd, verb) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let mut out = Output::default();
    for (mut d, source) in inputs.items {
        let mut obj = d.object.clone();
        if let Err(e) = resolve_namespace(&mut obj, &mut d.json, &ns, a.get("namespace").is_some())
        {
            out.stderr.push_str(&e);
            continue;
        }
        match act(ctx, obj, &d, &source) {
            Ok(line) => out.stdout.push_str(&line),
            Err(e) => out.stderr.push_str(&e),
        }
    }
    for e in inputs.errors {
        out.stderr.push_str(&e);
    }
    out
}

fn create_one(ctx: &mut Ctx, obj: Object, d: &Decoded, source: &str) -> Result<String, String> {
    let created = ctx
        .cluster
        .api
        .create(obj)
        .map_err(|e| api_error(&e, "creating", d, source))?;
    Ok(format!("{} created\n", super::get::kind_name(&created)))
}

/// The configuration recorded in the annotation: the user's object without the
/// annotation itself, as Go's JSON encoder writes it (with a trailing newline). Like
/// upstream, `metadata.annotations` is always present, `{}` when the user set none.
fn last_applied_value(config: &Value) -> String {
    let mut c = with_annotation(config, "");
    if let Some(ann) = c
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        ann.remove(LAST_APPLIED);
    }
    format!("{}\n", go_json(&c))
}

fn with_annotation(config: &Value, value: &str) -> Value {
    let mut c = config.clone();
    if let Some(m) = c.as_object_mut() {
        let meta = m
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        if let Some(meta) = meta.as_object_mut() {
            let ann = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Map::new()));
            if !ann.is_object() {
                *ann = Value::Object(Map::new());
            }
            if let Some(ann) = ann.as_object_mut() {
                ann.insert(LAST_APPLIED.into(), Value::String(value.to_string()));
            }
        }
    }
    c
}

/// Applies one object; returns kubectl's line (`deployment.apps/web configured`).
fn apply_one(ctx: &mut Ctx, mut obj: Object, d: &Decoded, source: &str) -> Result<String, String> {
    let config = &d.json;
    let kind = obj.kind();
    let (ns, name) = (obj.meta().namespace.clone(), obj.meta().name.clone());
    let annotation = last_applied_value(config);
    let current = match ctx.cluster.api.get(kind, &ns, &name) {
        Ok(c) => c,
        Err(_) => {
            obj.meta_mut()
                .annotations
                .insert(LAST_APPLIED.into(), annotation);
            let created = ctx
                .cluster
                .api
                .create(obj)
                .map_err(|e| api_error(&e, "creating", d, source))?;
            return Ok(format!("{} created\n", super::get::kind_name(&created)));
        }
    };
    let modified = with_annotation(config, &annotation);
    let original: Value = current
        .meta()
        .annotations
        .get(LAST_APPLIED)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Object(Map::new()));
    let live = current.to_json();
    let merged = three_way_merge(&live, &modified, &original);
    if merged == live {
        return Ok(format!("{} unchanged\n", super::get::kind_name(&current)));
    }
    let patch = merge_patch(&live, &merged);
    let patch_error = |e: &ApiError| {
        if e.reason == crate::apiserver::Reason::Invalid {
            return api_error(e, "patching", d, source);
        }
        let i = kind.info();
        format!(
            "Error from server ({}): error when applying patch:\n{}\nto:\nResource: \"{}/{}, Resource={}\", GroupVersionKind: \"{}/{}, Kind={}\"\nName: {name:?}, Namespace: {ns:?}\nfor: {source:?}: error when patching {source:?}: {}\n  at {source} line {}, column {}\n",
            e.reason.as_str(),
            go_json(&patch),
            i.group,
            i.version,
            i.plural,
            i.group,
            i.version,
            i.kind,
            e.message,
            d.pos.line,
            d.pos.col
        )
    };
    let mut typed =
        decode::decode_value(kind, &merged).map_err(|m| patch_error(&ApiError::bad_request(m)))?;
    // A resourceVersion in the user's file is a precondition, as in the patch kubectl sends.
    let user_rv = config
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    typed.meta_mut().resource_version = if user_rv.is_empty() {
        current.meta().resource_version.clone()
    } else {
        user_rv.to_string()
    };
    let updated = ctx.cluster.api.update(typed).map_err(|e| patch_error(&e))?;
    Ok(format!("{} configured\n", super::get::kind_name(&updated)))
}

/// A JSON merge patch that turns `from` into `to` (what changed; `null` for removed keys).
/// kubectl prints its patch in apply errors; this is the same change, without the
/// strategic-merge list directives.
pub fn merge_patch(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(f), Value::Object(t)) => {
            let mut out = Map::new();
            for (k, tv) in t {
                match f.get(k) {
                    Some(fv) if fv == tv => {}
                    Some(fv) if fv.is_object() && tv.is_object() => {
                        out.insert(k.clone(), merge_patch(fv, tv));
                    }
                    _ => {
                        out.insert(k.clone(), tv.clone());
                    }
                }
            }
            for k in f.keys() {
                if !t.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

/// The strategic-merge key of a list, from the field name and what its items hold (the
/// table is shared with the API server's strategic merge patch).
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    crate::apiserver::patch::apply_merge_key(field, items)
}

/// Client-side apply's three-way merge: fields in `modified` win; fields that were in
/// `original` (the last applied configuration) but are gone from `modified` are removed;
/// everything else in `live` (defaults, status, other writers' fields) is kept. Lists with
/// a strategic-merge key merge item by item; other lists are replaced.
pub fn three_way_merge(live: &Value, modified: &Value, original: &Value) -> Value {
    merge_value("", live, modified, original)
}

fn merge_value(field: &str, live: &Value, modified: &Value, original: &Value) -> Value {
    match (live, modified) {
        (Value::Object(l), Value::Object(m)) => {
            let empty = Map::new();
            let o = original.as_object().unwrap_or(&empty);
            let mut out = l.clone();
            for (k, mv) in m {
                if mv.is_null() {
                    out.remove(k);
                    continue;
                }
                let lv = l.get(k).unwrap_or(&Value::Null);
                let ov = o.get(k).unwrap_or(&Value::Null);
                out.insert(k.clone(), merge_value(k, lv, mv, ov));
            }
            for k in o.keys() {
                if !m.contains_key(k) {
                    out.remove(k);
                }
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(m)) => {
            let Some(key) = merge_key(field, m) else {
                return modified.clone();
            };
            if !l.iter().all(|i| i.get(key).is_some()) {
                return modified.clone();
            }
            let empty = Vec::new();
            let o = original.as_array().unwrap_or(&empty);
            let find =
                |list: &[Value], k: &Value| list.iter().find(|i| i.get(key) == Some(k)).cloned();
            let mut out = Vec::new();
            for mi in m {
                let k = mi.get(key).cloned().unwrap_or(Value::Null);
                let li = find(l, &k).unwrap_or(Value::Null);
                let oi = find(o, &k).unwrap_or(Value::Null);
                out.push(merge_value("", &li, mi, &oi));
            }
            for li in l {
                let k = li.get(key).cloned().unwrap_or(Value::Null);
                let in_modified = find(m, &k).is_some();
                let in_original = find(o, &k).is_some();
                if !in_modified && !in_original {
                    out.push(li.clone());
                }
            }
            Value::Array(out)
        }
        _ => modified.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn three_way_merge_keeps_defaults_and_drops_removed_fields() {
        let live = json!({"spec": {"replicas": 3, "strategy": {"type": "RollingUpdate"}, "template": {"spec": {"containers": [{"name": "a", "image": "x:1", "imagePullPolicy": "IfNotPresent"}, {"name": "side", "image": "s"}]}}}, "metadata": {"labels": {"a": "1", "b": "2"}}});
        let original = json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "a", "image": "x:1"}]}}}, "metadata": {"labels": {"a": "1", "b": "2"}}});
        let modified = json!({"spec": {"replicas": 5, "template": {"spec": {"containers": [{"name": "a", "image": "x:2"}]}}}, "metadata": {"labels": {"a": "1"}}});
        let m = three_way_merge(&live, &modified, &original);
        assert_eq!(m["spec"]["replicas"], 5);
        assert_eq!(m["spec"]["strategy"]["type"], "RollingUpdate");
        assert_eq!(
            m["spec"]["template"]["spec"]["containers"][0]["image"],
            "x:2"
        );
        assert_eq!(
            m["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );
        // "side" was added by someone else: kept.
        assert_eq!(
            m["spec"]["template"]["spec"]["containers"][1]["name"],
            "side"
        );
        assert_eq!(m["metadata"]["labels"], json!({"a": "1"}));
    }

    #[test]
    fn annotation_is_go_json_with_newline() {
        let v = json!({"b": "<x>", "a": 1});
        assert_eq!(
            last_applied_value(&v),
            "{\"a\":1,\"b\":\"\\u003cx\\u003e\",\"metadata\":{\"annotations\":{}}}\n"
        );
    }
}
