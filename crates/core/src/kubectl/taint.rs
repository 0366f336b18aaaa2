//! `kubectl taint nodes NAME key=value:Effect | key:Effect | key- | key:Effect- ...`:
//! adds, overwrites (`--overwrite`) and removes node taints on named nodes, `-l` or
//! `--all`, with kubectl v1.32's parsing, checks and messages (`node/node-1 tainted`,
//! `untainted`, `modified`; `taint "foo" not found`; `invalid taint effect: Foo,
//! unsupported taint effect`). New taints go first, as kubectl orders them; NoExecute
//! taints get `timeAdded` (simulated time).

use std::sync::Arc;

use super::args::{self, flag, Flag};
use super::get::kind_name;
use super::label::{self, DryRun, Failure, Printer};
use super::{Ctx, Output};
use crate::api::core_v1::Taint;
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object, Time};
use crate::apiserver::validation::{label_value_errors, qualified_name_errors};

const FLAGS: &[Flag] = &[
    flag("all", None, false),
    flag("allow-missing-template-keys", None, false),
    flag("dry-run", None, true),
    flag("field-manager", None, true),
    flag("output", Some('o'), true),
    flag("overwrite", None, false),
    flag("selector", Some('l'), true),
    flag("show-managed-fields", None, false),
    flag("template", None, true),
    flag("validate", None, true),
];

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Go's `%v` of a `v1.Taint` (`{key value NoSchedule <nil>}`).
fn go_struct(t: &Taint) -> String {
    format!("{{{} {} {} <nil>}}", t.key, t.value, t.effect)
}

/// `Taint.ToString()`: `key=value:effect`, parts left out when empty.
fn taint_string(t: &Taint) -> String {
    let mut s = t.key.clone();
    if !t.value.is_empty() {
        s.push('=');
        s.push_str(&t.value);
    }
    if !t.effect.is_empty() {
        s.push(':');
        s.push_str(&t.effect);
    }
    s
}

/// kubectl's `parseTaint`: `key=value:effect`, `key:effect` or `key`.
fn parse_taint(st: &str) -> Result<Taint, String> {
    let parts: Vec<&str> = st.split(':').collect();
    let (key, value, effect) = match parts.as_slice() {
        [key] => (key.to_string(), String::new(), String::new()),
        [kv, effect] => {
            if !EFFECTS.contains(effect) {
                return Err(format!(
                    "invalid taint effect: {effect}, unsupported taint effect"
                ));
            }
            let kv_parts: Vec<&str> = kv.split('=').collect();
            if kv_parts.len() > 2 {
                return Err(format!("invalid taint spec: {st}"));
            }
            let value = kv_parts.get(1).map(|v| v.to_string()).unwrap_or_default();
            if kv_parts.len() == 2 {
                let errs = label_value_errors(&value);
                if !errs.is_empty() {
                    return Err(format!("invalid taint spec: {st}, {}", errs.join("; ")));
                }
            }
            (kv_parts[0].to_string(), value, effect.to_string())
        }
        _ => return Err(format!("invalid taint spec: {st}")),
    };
    let errs = qualified_name_errors(&key);
    if !errs.is_empty() {
        return Err(format!("invalid taint spec: {st}, {}", errs.join("; ")));
    }
    Ok(Taint {
        key,
        value,
        effect,
        time_added: None,
    })
}

/// kubectl's `parseTaints`: taints to add (each with an effect, unique by key and
/// effect) and taints to remove (`...-`).
fn parse_taints(specs: &[String]) -> Result<(Vec<Taint>, Vec<Taint>), String> {
    let mut add: Vec<Taint> = Vec::new();
    let mut remove = Vec::new();
    for spec in specs {
        if let Some(s) = spec.strip_suffix('-') {
            let t = parse_taint(s)?;
            remove.push(Taint {
                key: t.key,
                effect: t.effect,
                ..Taint::default()
            });
        } else {
            let t = parse_taint(spec)?;
            if t.effect.is_empty() {
                return Err(format!("invalid taint spec: {spec}"));
            }
            if add.iter().any(|a| a.key == t.key && a.effect == t.effect) {
                return Err(format!(
                    "duplicated taints with the same key and effect: {}",
                    go_struct(&t)
                ));
            }
            add.push(t);
        }
    }
    Ok((add, remove))
}

/// kubectl's `reorganizeTaints`: the new list (new taints first, then the old ones they
/// do not replace, minus the removed ones), the operation word and the removals that
/// matched nothing.
fn reorganize(
    old: &[Taint],
    overwrite: bool,
    add: &[Taint],
    remove: &[Taint],
) -> (&'static str, Vec<Taint>, Vec<String>) {
    let mut new: Vec<Taint> = add.to_vec();
    for o in old {
        if !new.iter().any(|t| t.key == o.key && t.effect == o.effect) {
            new.push(o.clone());
        }
    }
    let added = old.len() != new.len();
    let mut errs = Vec::new();
    let mut deleted = false;
    for r in remove {
        let before = new.len();
        if r.effect.is_empty() {
            new.retain(|t| t.key != r.key);
        } else {
            new.retain(|t| !(t.key == r.key && t.effect == r.effect));
        }
        // Upstream keeps the result of the last removal only.
        deleted = new.len() != before;
        if !deleted {
            errs.push(format!("taint {:?} not found", taint_string(r)));
        }
    }
    let op = if (added && deleted) || overwrite {
        "modified"
    } else if added {
        "tainted"
    } else {
        "untainted"
    };
    (op, new, errs)
}

/// `kubectl taint ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let argv = label::normalize_optional_values(argv);
    let a = match args::parse("taint", &argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let dry = match label::dry_run(&a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let format = match label::output_format(a.get("output"), "taint") {
        Ok(f) => f,
        Err(e) => return Output::err(e),
    };
    let mut resources: Vec<String> = Vec::new();
    let mut specs: Vec<String> = Vec::new();
    for s in &a.positionals {
        let is_taint = s.contains('=') || s.contains(':') || s.ends_with('-');
        if is_taint {
            specs.push(s.clone());
        } else if !specs.is_empty() {
            return Output::err(format!(
                "error: all resources must be specified before taint changes: {s}\n"
            ));
        } else {
            resources.push(s.clone());
        }
    }
    if resources.is_empty() {
        return Output::err(
            "error: one or more resources must be specified as <resource> <name>\n",
        );
    }
    if specs.is_empty() {
        return Output::err("error: at least one taint update is required\n");
    }
    let (add, remove) = match parse_taints(&specs) {
        Ok(p) => p,
        Err(e) => {
            return Output::err(format!(
                "error: {e}\nSee 'kubectl taint -h' for help and examples\n"
            ))
        }
    };
    // Validate: the resource type, conflicting changes, the node selection.
    let resource_type = resources[0].to_ascii_lowercase();
    match Kind::lookup(&resource_type) {
        None => {
            return Output::err(format!(
                "error: the server doesn't have a resource type {resource_type:?}\n"
            ))
        }
        Some(Kind::Node) => {}
        Some(_) => {
            return Output::err(format!(
                "error: invalid resource type {resource_type}, only node types are supported\n"
            ))
        }
    }
    let mut conflicts = Vec::new();
    for t in &add {
        for r in &remove {
            if t.key == r.key && (r.effect.is_empty() || t.effect == r.effect) {
                conflicts.push(format!("{{\"{}\":\"{}\"}}", r.key, r.effect));
            }
        }
    }
    if !conflicts.is_empty() {
        return Output::err(format!(
            "error: can not both modify and remove the following taint(s) in the same command: {}\n",
            conflicts.join(", ")
        ));
    }
    let selector = a.get("selector").unwrap_or("");
    let all = a.bool("all");
    if all && !selector.is_empty() {
        return Output::err(
            "error: setting 'all' parameter with a non empty selector is prohibited\n",
        );
    }
    if !all && selector.is_empty() && resources.len() < 2 {
        return Output::err(
            "error: at least one resource name must be specified since 'all' parameter is not set\n",
        );
    }

    // The nodes.
    let mut items: Vec<Result<Arc<Object>, Failure>> = Vec::new();
    if all || !selector.is_empty() {
        let labels = match Selector::parse(selector) {
            Ok(s) => s,
            Err(e) => return Output::err(super::selector_error(Kind::Node, selector, "", &e)),
        };
        items.extend(
            ctx.cluster
                .api
                .list(Kind::Node, None, &labels, &FieldSelector::default())
                .into_iter()
                .map(Ok),
        );
    } else {
        for n in &resources[1..] {
            items.push(ctx.cluster.api.get(Kind::Node, "", n).map_err(Failure::Api));
        }
    }

    let overwrite = a.bool("overwrite");
    let now = Time(ctx.cluster.now() / 1000 * 1000);
    let mut out = Output::default();
    let mut failures = Vec::new();
    for item in items {
        let current = match item {
            Ok(o) => o,
            Err(f) => {
                failures.push(f);
                continue;
            }
        };
        let mut obj = (*current).clone();
        let Object::Node(node) = &mut obj else {
            continue;
        };
        if !overwrite {
            let existing: Vec<&str> = add
                .iter()
                .flat_map(|t| {
                    node.spec
                        .taints
                        .iter()
                        .filter(move |o| o.key == t.key && o.effect == t.effect)
                        .map(move |_| t.key.as_str())
                })
                .collect();
            if !existing.is_empty() {
                failures.push(Failure::Plain(format!(
                    "node {} already has {} taint(s) with same effect(s) and --overwrite is false",
                    node.metadata.name,
                    existing.join(",")
                )));
                continue;
            }
        }
        let mut to_add = add.clone();
        for t in &mut to_add {
            if t.effect == "NoExecute" {
                t.time_added = Some(now);
            }
        }
        let (op, taints, errs) = reorganize(&node.spec.taints, overwrite, &to_add, &remove);
        if !errs.is_empty() {
            failures.push(Failure::Agg(errs));
            continue;
        }
        std::sync::Arc::make_mut(node).spec.taints = taints;
        let name = kind_name(&obj);
        let shown = if dry == DryRun::Client {
            obj.to_json()
        } else {
            match label::send_update(ctx, obj, dry) {
                Ok(o) => o.to_json(),
                Err(e) => {
                    failures.push(Failure::Api(e));
                    continue;
                }
            }
        };
        // kubectl builds a printer per node: no `---` between YAML documents.
        Printer::new(format, dry, false).print(&mut out.stdout, &name, &shown, op);
    }
    out.stderr.push_str(&label::render_failures(&failures));
    out
}

#[cfg(test)]
mod tests {
    use crate::api::{Kind, Object};
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    fn taints(sh: &Shell, node: &str) -> Vec<String> {
        let o = sh.cluster.api.get(Kind::Node, "", node).unwrap();
        let Object::Node(n) = &*o else { panic!() };
        n.spec
            .taints
            .iter()
            .map(|t| {
                format!(
                    "{}={}:{}{}",
                    t.key,
                    t.value,
                    t.effect,
                    if t.time_added.is_some() { "@" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn adds_overwrites_and_removes() {
        let mut sh = Shell::new(ClusterConfig::default());
        assert_eq!(
            sh.exec("kubectl taint nodes node-1 dedicated=gpu:NoSchedule", None),
            "node/node-1 tainted\n"
        );
        assert_eq!(taints(&sh, "node-1"), vec!["dedicated=gpu:NoSchedule"]);
        assert_eq!(
            sh.exec("kubectl taint nodes node-1 dedicated=web:NoSchedule", None),
            "error: node node-1 already has dedicated taint(s) with same effect(s) and --overwrite is false\n"
        );
        assert_eq!(
            sh.exec(
                "kubectl taint nodes node-1 dedicated=web:NoSchedule --overwrite",
                None
            ),
            "node/node-1 modified\n"
        );
        assert_eq!(
            sh.exec("kubectl taint node node-1 maint:NoExecute", None),
            "node/node-1 tainted\n"
        );
        assert_eq!(
            taints(&sh, "node-1"),
            vec!["maint=:NoExecute@", "dedicated=web:NoSchedule"]
        );
        assert_eq!(
            sh.exec("kubectl taint no node-1 dedicated-", None),
            "node/node-1 untainted\n"
        );
        assert_eq!(
            sh.exec("kubectl taint nodes node-1 maint:NoExecute-", None),
            "node/node-1 untainted\n"
        );
        assert!(taints(&sh, "node-1").is_empty());
        assert_eq!(
            sh.exec("kubectl taint nodes node-1 foo-", None),
            "error: taint \"foo\" not found\n"
        );
        assert_eq!(
            sh.exec("kubectl taint nodes node-1 foo:NoSchedule- bar-", None),
            "taint \"foo:NoSchedule\" not found\ntaint \"bar\" not found\n"
        );
        assert_eq!(
            sh.exec("kubectl taint nodes control-plane node-role.kubernetes.io/control-plane:NoSchedule", None),
            "error: node control-plane already has node-role.kubernetes.io/control-plane taint(s) with same effect(s) and --overwrite is false\n"
        );
        assert_eq!(
            sh.exec(
                "kubectl taint nodes control-plane node-role.kubernetes.io/control-plane-",
                None
            ),
            "node/control-plane untainted\n"
        );
        assert_eq!(sh.exec("kubectl taint nodes node-2 a=1:NoSchedule a-", None), "error: can not both modify and remove the following taint(s) in the same command: {\"a\":\"\"}\n");
        assert_eq!(
            sh.exec(
                "kubectl taint nodes node-2 node-3 a=1:PreferNoSchedule -o name",
                None
            ),
            "node/node-2\nnode/node-3\n"
        );
        assert_eq!(
            sh.exec("kubectl taint nodes nope a=1:NoSchedule", None),
            "Error from server (NotFound): nodes \"nope\" not found\n"
        );
    }

    #[test]
    fn selectors_all_and_dry_run() {
        let mut sh = Shell::new(ClusterConfig::default());
        sh.exec("kubectl label node node-1 node-2 pool=a", None);
        assert_eq!(
            sh.exec("kubectl taint nodes -l pool=a x=y:NoSchedule", None),
            "node/node-1 tainted\nnode/node-2 tainted\n"
        );
        assert_eq!(
            sh.exec("kubectl taint nodes --all z=y:NoSchedule --dry-run=client", None),
            "node/control-plane tainted (dry run)\nnode/node-1 tainted (dry run)\nnode/node-2 tainted (dry run)\nnode/node-3 tainted (dry run)\n"
        );
        assert_eq!(
            sh.exec("kubectl taint nodes --all x=y:NoSchedule --dry-run=client", None),
            "node/control-plane tainted (dry run)\nnode/node-3 tainted (dry run)\nnode node-1 already has x taint(s) with same effect(s) and --overwrite is false\nnode node-2 already has x taint(s) with same effect(s) and --overwrite is false\n"
        );
        assert_eq!(taints(&sh, "node-3"), Vec::<String>::new());
        assert_eq!(
            sh.exec(
                "kubectl taint nodes node-3 x=y:NoSchedule --dry-run=server",
                None
            ),
            "node/node-3 tainted (server dry run)\n"
        );
        assert_eq!(taints(&sh, "node-3"), Vec::<String>::new());
        assert_eq!(
            sh.exec("kubectl taint nodes --all -l a=b x=y:NoSchedule", None),
            "error: setting 'all' parameter with a non empty selector is prohibited\n"
        );
    }

    #[test]
    fn errors_match_kubectl() {
        let mut sh = Shell::new(ClusterConfig::default());
        let cases = [
            ("kubectl taint nodes node-1 foo=bar:Foo", "error: invalid taint effect: Foo, unsupported taint effect\nSee 'kubectl taint -h' for help and examples\n"),
            ("kubectl taint nodes node-1 foo", "error: at least one taint update is required\n"),
            ("kubectl taint", "error: one or more resources must be specified as <resource> <name>\n"),
            ("kubectl taint nodes node-1 a=b=c:NoSchedule", "error: invalid taint spec: a=b=c:NoSchedule\nSee 'kubectl taint -h' for help and examples\n"),
            ("kubectl taint nodes node-1 a:b:c", "error: invalid taint spec: a:b:c\nSee 'kubectl taint -h' for help and examples\n"),
            ("kubectl taint nodes node-1 k", "error: at least one taint update is required\n"),
            ("kubectl taint nodes node-1 k=v", "error: invalid taint spec: k=v, name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')\nSee 'kubectl taint -h' for help and examples\n"),
            ("kubectl taint nodes node-1 k:NoSchedule k:NoSchedule", "error: duplicated taints with the same key and effect: {k  NoSchedule <nil>}\nSee 'kubectl taint -h' for help and examples\n"),
            ("kubectl taint nodes node-1 k:NoSchedule x y", "error: all resources must be specified before taint changes: x\n"),
            ("kubectl taint pods web k:NoSchedule", "error: invalid resource type pods, only node types are supported\n"),
            ("kubectl taint foos web k:NoSchedule", "error: the server doesn't have a resource type \"foos\"\n"),
            ("kubectl taint nodes k:NoSchedule", "error: at least one resource name must be specified since 'all' parameter is not set\n"),
        ];
        for (cmd, want) in cases {
            assert_eq!(sh.exec(cmd, None), want, "{cmd}");
        }
        assert!(sh
            .exec("kubectl taint nodes node-1 bad^k:NoSchedule", None)
            .starts_with("error: invalid taint spec: bad^k:NoSchedule, name part must consist"));
    }
}
