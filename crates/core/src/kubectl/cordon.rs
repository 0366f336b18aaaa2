//! `kubectl cordon` / `kubectl uncordon`: set or clear a node's `spec.unschedulable`
//! (`node/node-1 cordoned`, `node/node-1 already cordoned`), by name or `-l`, with
//! `--dry-run`. Like kubectl, the nodes are looked up first and the first lookup error
//! stops the command before anything changes. The `node.kubernetes.io/unschedulable`
//! taint is not kubectl's business: the node lifecycle controller adds it upstream.

use std::sync::Arc;

use super::args::{self, flag, Flag};
use super::get::kind_name;
use super::label::{self, DryRun, Printer};
use super::{Ctx, Output};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object};

const FLAGS: &[Flag] = &[
    flag("selector", Some('l'), true),
    flag("dry-run", None, true),
];

/// `kubectl cordon ...`.
pub fn run_cordon(ctx: &mut Ctx, argv: &[String]) -> Output {
    run(ctx, argv, true)
}

/// `kubectl uncordon ...`.
pub fn run_uncordon(ctx: &mut Ctx, argv: &[String]) -> Output {
    run(ctx, argv, false)
}

fn usage(cmd: &str, msg: &str) -> Output {
    Output::err(format!(
        "error: {msg}\nSee 'kubectl {cmd} -h' for help and examples\n"
    ))
}

/// The nodes named (`NAME` or `node/NAME`) or selected, in order (shared with `drain`).
pub fn nodes(
    ctx: &Ctx,
    names: &[String],
    selector: Option<&str>,
) -> Result<Vec<Arc<Object>>, String> {
    if let Some(sel) = selector.filter(|s| !s.trim().is_empty()) {
        let labels =
            Selector::parse(sel).map_err(|e| super::selector_error(Kind::Node, sel, "", &e))?;
        return Ok(ctx
            .cluster
            .api
            .list(Kind::Node, None, &labels, &FieldSelector::default()));
    }
    if names.is_empty() {
        return Err("error: resource(s) were provided, but no name was specified\n".into());
    }
    let mut out = Vec::new();
    for n in names {
        let (kind, name) = match n.split_once('/') {
            Some((r, name)) => {
                let kind = Kind::lookup(r).ok_or_else(|| {
                    format!("error: the server doesn't have a resource type {r:?}\n")
                })?;
                (kind, name)
            }
            None => (Kind::Node, n.as_str()),
        };
        let obj = ctx
            .cluster
            .api
            .get(kind, &ctx.namespace, name)
            .map_err(|e| super::server_error(&e))?;
        if kind != Kind::Node {
            let i = kind.info();
            return Err(format!(
                "error: expected resource of type node, got \"{}/{}, Resource={}\"\n",
                i.group, i.version, i.plural
            ));
        }
        out.push(obj);
    }
    Ok(out)
}

fn run(ctx: &mut Ctx, argv: &[String], desired: bool) -> Output {
    let cmd = if desired { "cordon" } else { "uncordon" };
    let argv = label::normalize_optional_values(argv);
    let a = match args::parse(cmd, &argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let selector = a.get("selector");
    if a.positionals.is_empty() && selector.is_none() {
        return usage(cmd, &format!("USAGE: {cmd} NODE [flags]"));
    }
    if !a.positionals.is_empty() && selector.is_some_and(|s| !s.is_empty()) {
        return usage(
            cmd,
            "cannot specify both a node name and a --selector option",
        );
    }
    let dry = match label::dry_run(&a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let found = match nodes(ctx, &a.positionals, selector) {
        Ok(n) => n,
        Err(e) => return Output::err(e),
    };
    set_unschedulable(ctx, &found, desired, dry)
}

/// kubectl's `RunCordonOrUncordon`: sets `spec.unschedulable` to `desired` on each node
/// (`node/node-1 cordoned`, `... already cordoned`), continuing past update errors
/// (`error: unable to cordon node "x": ...`). `drain` cordons through this too.
pub fn set_unschedulable(
    ctx: &mut Ctx,
    found: &[Arc<Object>],
    desired: bool,
    dry: DryRun,
) -> Output {
    let cmd = if desired { "cordon" } else { "uncordon" };
    let mut out = Output::default();
    for current in found {
        let name = kind_name(current);
        let mut obj = (**current).clone();
        let Object::Node(node) = &mut obj else {
            continue;
        };
        let mut printer = Printer::new(None, dry, false);
        if node.spec.unschedulable == desired {
            let op = if desired {
                "already cordoned"
            } else {
                "already uncordoned"
            };
            printer.print(&mut out.stdout, &name, &serde_json::Value::Null, op);
            continue;
        }
        std::sync::Arc::make_mut(node).spec.unschedulable = desired;
        if dry != DryRun::Client {
            if let Err(e) = label::send_update(ctx, obj, dry) {
                out.stderr.push_str(&format!(
                    "error: unable to {cmd} node {:?}: {}\n",
                    current.meta().name,
                    e.message
                ));
                continue;
            }
        }
        let op = if desired { "cordoned" } else { "uncordoned" };
        printer.print(&mut out.stdout, &name, &serde_json::Value::Null, op);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::api::{Kind, Object};
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    fn unschedulable(sh: &Shell, node: &str) -> bool {
        let o = sh.cluster.api.get(Kind::Node, "", node).unwrap();
        let Object::Node(n) = &*o else { panic!() };
        n.spec.unschedulable
    }

    #[test]
    fn cordons_and_uncordons() {
        let mut sh = Shell::new(ClusterConfig::default());
        assert_eq!(
            sh.exec("kubectl cordon node-1", None),
            "node/node-1 cordoned\n"
        );
        assert!(unschedulable(&sh, "node-1"));
        assert_eq!(
            sh.exec("kubectl cordon node-1", None),
            "node/node-1 already cordoned\n"
        );
        assert!(sh
            .exec("kubectl get nodes", None)
            .contains("Ready,SchedulingDisabled"));
        assert_eq!(
            sh.exec("kubectl uncordon node/node-1", None),
            "node/node-1 uncordoned\n"
        );
        assert!(!unschedulable(&sh, "node-1"));
        assert_eq!(
            sh.exec("kubectl uncordon node-1", None),
            "node/node-1 already uncordoned\n"
        );
        assert_eq!(
            sh.exec("kubectl cordon node-2 --dry-run=client", None),
            "node/node-2 cordoned (dry run)\n"
        );
        assert_eq!(
            sh.exec("kubectl cordon node-2 --dry-run=server", None),
            "node/node-2 cordoned (server dry run)\n"
        );
        assert!(!unschedulable(&sh, "node-2"));
        sh.exec("kubectl label nodes node-2 node-3 pool=b", None);
        assert_eq!(
            sh.exec("kubectl cordon -l pool=b", None),
            "node/node-2 cordoned\nnode/node-3 cordoned\n"
        );
        assert_eq!(
            sh.exec("kubectl uncordon -l pool=b", None),
            "node/node-2 uncordoned\nnode/node-3 uncordoned\n"
        );
    }

    #[test]
    fn errors_match_kubectl() {
        let mut sh = Shell::new(ClusterConfig::default());
        assert_eq!(
            sh.exec("kubectl cordon", None),
            "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help and examples\n"
        );
        assert_eq!(sh.exec("kubectl uncordon", None), "error: USAGE: uncordon NODE [flags]\nSee 'kubectl uncordon -h' for help and examples\n");
        assert_eq!(sh.exec("kubectl cordon node-1 -l a=b", None), "error: cannot specify both a node name and a --selector option\nSee 'kubectl cordon -h' for help and examples\n");
        // The first missing node stops the command before anything changes.
        assert_eq!(
            sh.exec("kubectl cordon node-1 nope", None),
            "Error from server (NotFound): nodes \"nope\" not found\n"
        );
        assert!(!unschedulable(&sh, "node-1"));
        assert_eq!(
            sh.exec("kubectl cordon svc/kubernetes", None),
            "error: expected resource of type node, got \"/v1, Resource=services\"\n"
        );
        assert_eq!(sh.exec("kubectl cordon -l app=none", None), "");
    }
}
