//! `kubectl scale (TYPE NAME | TYPE/NAME | -f FILE) --replicas=N
//! [--current-replicas=N] [--resource-version=V]`: sets `spec.replicas` of
//! Deployments, ReplicaSets, ReplicationControllers and StatefulSets
//! (`replicaset.apps/web scaled`), with kubectl's preconditions and messages.

use super::args::{self, flag, Flag};
use super::{resources, server_error, Ctx, Output};
use crate::api::{Kind, Object};

const FLAGS: &[Flag] = &[
    flag("replicas", None, true),
    flag("current-replicas", None, true),
    flag("resource-version", None, true),
    flag("filename", Some('f'), true),
    flag("selector", Some('l'), true),
    flag("all", None, false),
    flag("timeout", None, true),
];

/// Sets an object's replicas; returns the `spec.replicas` it had.
fn set_replicas(obj: &mut Object, n: i32) -> Option<i32> {
    let slot = match obj {
        Object::Deployment(d) => &mut std::sync::Arc::make_mut(d).spec.replicas,
        Object::ReplicaSet(r) => &mut std::sync::Arc::make_mut(r).spec.replicas,
        Object::StatefulSet(s) => &mut std::sync::Arc::make_mut(s).spec.replicas,
        Object::ReplicationController(r) => &mut std::sync::Arc::make_mut(r).spec.replicas,
        _ => return None,
    };
    let old = slot.unwrap_or(1);
    *slot = Some(n);
    Some(old)
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match args::parse("scale", argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let Some(r) = a.get("replicas") else {
        return Output::err(args::required_flag_error("replicas", ctx.cluster.now()));
    };
    let replicas = match r.parse::<i32>() {
        Ok(n) if n >= 0 => n,
        _ => {
            return Output::err(
                "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n",
            )
        }
    };
    if a.positionals.is_empty() {
        return Output::err("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n");
    }
    let targets = match resources::parse(&a.positionals) {
        Ok(t) => t,
        Err(e) => return Output::err(e),
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let mut out = Output::default();
    for t in &targets.targets {
        if !matches!(
            t.kind,
            Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::ReplicationController
        ) {
            // Other kinds have no `scale` subresource: the API answers 404.
            out.stderr.push_str(
                "Error from server (NotFound): the server could not find the requested resource\n",
            );
            continue;
        }
        for name in &t.names {
            let cur = match ctx.cluster.api.get(t.kind, &ns, name) {
                Ok(o) => o,
                Err(e) => {
                    out.stderr.push_str(&server_error(&e));
                    continue;
                }
            };
            if let Some(v) = a.get("resource-version") {
                if cur.meta().resource_version != v {
                    out.stderr.push_str(&format!(
                        "error: Expected resource version to be {v}, was {}\n",
                        cur.meta().resource_version
                    ));
                    continue;
                }
            }
            let mut obj = (*cur).clone();
            let Some(old) = set_replicas(&mut obj, replicas) else {
                continue;
            };
            if let Some(c) = a
                .get("current-replicas")
                .and_then(|c| c.parse::<i32>().ok())
            {
                if c >= 0 && c != old {
                    out.stderr
                        .push_str(&format!("error: Expected replicas to be {c}, was {old}\n"));
                    continue;
                }
            }
            match ctx.cluster.api.update(obj) {
                Ok(o) => out.stdout.push_str(&format!(
                    "{}/{} scaled\n",
                    o.kind().info().group_singular(),
                    name
                )),
                Err(e) => out.stderr.push_str(&server_error(&e)),
            }
        }
    }
    out
}
