//! `kubectl delete`: by name, `resource/name`, `-f`, `-l`, `--all`, with upstream's
//! messages (`deployment.apps "web" deleted`).

use super::args::{self, flag, Flag};
use super::{resources, server_error, Ctx, Output};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object};
use crate::apiserver::DeleteOptions;

const FLAGS: &[Flag] = &[
    flag("filename", Some('f'), true),
    flag("selector", Some('l'), true),
    flag("field-selector", None, true),
    flag("all", None, false),
    flag("all-namespaces", Some('A'), false),
    flag("grace-period", None, true),
    flag("force", None, false),
    flag("now", None, false),
    flag("ignore-not-found", None, false),
    flag("wait", None, false),
    flag("cascade", None, true),
    flag("output", Some('o'), true),
    flag("recursive", Some('R'), false),
];

/// `deployment.apps "web" deleted`.
fn deleted_line(obj: &Object, name_only: bool) -> String {
    let gs = obj.kind().info().group_singular();
    if name_only {
        format!("{gs}/{}\n", obj.meta().name)
    } else {
        format!("{gs} {:?} deleted\n", obj.meta().name)
    }
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match args::parse("delete", argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let all_ns = a.bool("all-namespaces");
    let name_only = a.get("output") == Some("name");
    let mut opts = DeleteOptions::default();
    let mut out = Output::default();
    if let Some(g) = a.get("grace-period") {
        match g.parse::<i64>() {
            Ok(v) if v >= 0 => opts.grace_period_seconds = Some(v),
            Ok(_) => {}
            Err(_) => return Output::err(args::usage_error("delete", &format!("invalid argument {g:?} for \"--grace-period\" flag: strconv.ParseInt: parsing {g:?}: invalid syntax"))),
        }
    }
    if a.bool("now") {
        opts.grace_period_seconds = Some(1);
    }
    if a.bool("force") {
        if opts.grace_period_seconds.is_none() {
            opts.grace_period_seconds = Some(0);
        }
        if opts.grace_period_seconds == Some(0) {
            out.stderr.push_str("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n");
        }
    }

    // Collect (kind, namespace, name) to delete.
    let mut victims: Vec<(Kind, String, String)> = Vec::new();
    let files = a.all("filename");
    if !files.is_empty() {
        for f in &files {
            match super::apply::read_objects(ctx, f) {
                Ok((decoded, errs)) => {
                    for e in errs {
                        out.stderr.push_str(&e);
                    }
                    for d in decoded {
                        let m = d.object.meta();
                        let ons = if m.namespace.is_empty() {
                            ns.clone()
                        } else {
                            m.namespace.clone()
                        };
                        victims.push((d.object.kind(), ons, m.name.clone()));
                    }
                }
                Err(e) => return Output::err(e),
            }
        }
    } else {
        if a.positionals.is_empty() {
            return Output::err("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n");
        }
        let targets = match resources::parse(&a.positionals) {
            Ok(t) => t,
            Err(e) => return Output::err(e),
        };
        let selector = a.get("selector");
        let field = a.get("field-selector");
        let bulk = a.bool("all") || selector.is_some() || field.is_some();
        for t in &targets.targets {
            if t.names.is_empty() {
                if !bulk {
                    return Output::err(
                        "error: resource(s) were provided, but no name was specified\n",
                    );
                }
                let (l, f) = (selector.unwrap_or(""), field.unwrap_or(""));
                let parsed = Selector::parse(l)
                    .and_then(|s| FieldSelector::parse(f, t.kind).map(|f| (s, f)));
                let (labels, fields) = match parsed {
                    Ok(p) => p,
                    Err(e) => return Output::err(super::selector_error(t.kind, l, f, &e)),
                };
                let scope = if all_ns { None } else { Some(ns.as_str()) };
                for o in ctx.cluster.api.list(t.kind, scope, &labels, &fields) {
                    victims.push((t.kind, o.meta().namespace.clone(), o.meta().name.clone()));
                }
            } else {
                if bulk && a.bool("all") {
                    return Output::err(
                        "error: name cannot be provided when a selector is specified\n",
                    );
                }
                for n in &t.names {
                    victims.push((t.kind, ns.clone(), n.clone()));
                }
            }
        }
        if victims.is_empty() {
            out.stderr.push_str("No resources found\n");
            return out;
        }
    }
    let mut pending: Vec<(Kind, String, String, String)> = Vec::new();
    for (kind, vns, name) in victims {
        match ctx.cluster.api.delete(kind, &vns, &name, &opts) {
            Ok(o) => {
                out.stdout.push_str(&deleted_line(&o, name_only));
                pending.push((kind, vns, name, o.meta().uid.clone()));
            }
            Err(e) => {
                if !(a.bool("ignore-not-found") && e.reason == crate::apiserver::Reason::NotFound) {
                    out.stderr.push_str(&server_error(&e));
                }
            }
        }
    }
    if a.get("wait") != Some("false") {
        wait_for_deletion(ctx, &pending, &mut out);
    }
    out
}

/// How long `kubectl delete` waits at most (simulated time).
const WAIT_LIMIT_MS: crate::sim::Millis = 3_600_000;
/// The step simulated time moves in while waiting.
const WAIT_STEP_MS: crate::sim::Millis = 100;

/// `--wait` (the default): lets simulated time run until every deleted object is gone
/// (graceful pod termination, finalizers), as kubectl blocks until then.
fn wait_for_deletion(ctx: &mut Ctx, pending: &[(Kind, String, String, String)], out: &mut Output) {
    let gone = |ctx: &Ctx, (kind, ns, name, uid): &(Kind, String, String, String)| {
        ctx.cluster
            .api
            .get(*kind, ns, name)
            .map_or(true, |o| o.meta().uid != *uid)
    };
    ctx.cluster.settle();
    let mut waited = 0;
    while !pending.iter().all(|p| gone(ctx, p)) {
        if waited >= WAIT_LIMIT_MS {
            for p in pending.iter().filter(|p| !gone(ctx, p)) {
                out.stderr.push_str(&format!(
                    "error: timed out waiting for the condition on {}/{}\n",
                    p.0.info().plural,
                    p.2
                ));
            }
            return;
        }
        ctx.cluster.advance(WAIT_STEP_MS);
        waited += WAIT_STEP_MS;
    }
}
