//! `kubectl get`: tables (with `-o wide`, `-A`, `--show-labels`, `-L`), `-o yaml|json|name`,
//! `-o jsonpath=`, `-o jsonpath-as-json=`, `-o custom-columns=`, several kinds at once and
//! `get all`, label and field selectors, `-f`.

use std::sync::Arc;

use super::args::{self, flag, Flag};
use super::follow::{Follow, WatchFormat};
use super::jsonpath::{Columns, Template};
use super::resources;
use super::{printers, table, yaml, Ctx, Output};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object};

const FLAGS: &[Flag] = &[
    flag("output", Some('o'), true),
    flag("selector", Some('l'), true),
    flag("field-selector", None, true),
    flag("all-namespaces", Some('A'), false),
    flag("show-labels", None, false),
    flag("no-headers", None, false),
    flag("label-columns", Some('L'), true),
    flag("filename", Some('f'), true),
    flag("ignore-not-found", None, false),
    flag("show-kind", None, false),
    flag("recursive", Some('R'), false),
    flag("chunk-size", None, true),
    flag("allow-missing-template-keys", None, false),
    flag("watch", Some('w'), false),
    flag("watch-only", None, false),
    flag("output-watch-events", None, false),
];

/// Output formats `get` understands.
#[derive(Clone, Debug, PartialEq)]
pub enum Format {
    Table,
    Wide,
    Yaml,
    Json,
    Name,
    /// `-o jsonpath=` and `-o jsonpath-as-json=`.
    JsonPath(Template),
    CustomColumns(Columns),
}

pub fn parse_format(o: Option<&str>) -> Result<Format, String> {
    Ok(match o {
        None | Some("") => Format::Table,
        Some("wide") => Format::Wide,
        Some("yaml") => Format::Yaml,
        Some("json") => Format::Json,
        Some("name") => Format::Name,
        Some(o) if o.starts_with("jsonpath") || o.starts_with("custom-columns") => {
            return parse_template_format(o)
        }
        Some(other) => return Err(no_printer(other)),
    })
}

/// kubectl's message for an unknown `-o` format.
fn no_printer(format: &str) -> String {
    format!("error: unable to match a printer suitable for the output format {format:?}, allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml\n")
}

/// `-o jsonpath=T`, `-o jsonpath-as-json=T`, `-o custom-columns=SPEC` (the `-file`
/// variants are not available).
fn parse_template_format(o: &str) -> Result<Format, String> {
    let (name, value) = o.split_once('=').unwrap_or((o, ""));
    match name {
        "jsonpath" | "jsonpath-as-json" => {
            if value.is_empty() {
                return Err("error: template format specified but no template given\n".into());
            }
            let t = Template::parse(value)
                .map_err(|e| format!("error: error parsing jsonpath {value}, {e}\n"))?;
            Ok(Format::JsonPath(t.json_output(name == "jsonpath-as-json")))
        }
        "custom-columns" if !value.is_empty() => Columns::parse(value)
            .map(Format::CustomColumns)
            .map_err(|e| format!("error: {e}\n")),
        "jsonpath-file" | "custom-columns-file" => Err(format!(
            "error: -o {name} is not available in Kubeplay yet\n"
        )),
        _ => Err(no_printer(o)),
    }
}

/// `kind.group/name` as kubectl prints it for `-o name` and mixed-kind tables.
pub fn kind_name(obj: &Object) -> String {
    format!("{}/{}", obj.kind().info().group_singular(), obj.meta().name)
}

/// The `List` wrapper kubectl prints for several objects in yaml/json.
pub fn list_json(objs: &[Arc<Object>]) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1",
        "items": objs.iter().map(|o| o.to_json()).collect::<Vec<_>>(),
        "kind": "List",
        "metadata": { "resourceVersion": "" },
    })
}

/// Prints objects as yaml, json or a jsonpath template: one object alone, several (or
/// none) as a List; custom columns as a table of the objects.
pub fn print_objects(
    objs: &[Arc<Object>],
    single: bool,
    format: &Format,
    a: &args::Args,
) -> Output {
    if let Format::CustomColumns(c) = format {
        let items: Vec<serde_json::Value> = objs.iter().map(|o| o.to_json()).collect();
        let (stdout, err) = c.print(&items, a.bool("no-headers"));
        return Output {
            stdout,
            stderr: err.unwrap_or_default(),
            ..Default::default()
        };
    }
    let v = if single && objs.len() == 1 {
        objs[0].to_json()
    } else {
        list_json(objs)
    };
    match format {
        Format::Json => Output::out(format!("{}\n", yaml::to_json_pretty(&v))),
        Format::JsonPath(t) => {
            let t = t
                .clone()
                .allow_missing_keys(a.get("allow-missing-template-keys") != Some("false"));
            match t.print(&v) {
                Ok(s) => Output::out(s),
                Err(e) => Output::err(e),
            }
        }
        _ => Output::out(yaml::to_yaml(&v)),
    }
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let a = match args::parse("get", argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let format = match parse_format(a.get("output")) {
        Ok(f) => f,
        Err(e) => return Output::err(e),
    };
    let all_ns = a.bool("all-namespaces");
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let label_str = a.get("selector").unwrap_or("").to_string();
    let field_str = a.get("field-selector").unwrap_or("").to_string();

    let files = a.all("filename");
    if !files.is_empty() {
        if !a.positionals.is_empty() {
            return Output::err("error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well\n");
        }
        let mut named: Vec<(Kind, String, String)> = Vec::new();
        for f in &files {
            match super::apply::read_objects(ctx, f) {
                Ok((decoded, errs)) => {
                    if let Some(e) = errs.first() {
                        return Output::err(e.clone());
                    }
                    for d in decoded {
                        let m = d.object.meta();
                        let ons = if m.namespace.is_empty() {
                            ns.clone()
                        } else {
                            m.namespace.clone()
                        };
                        named.push((d.object.kind(), ons, m.name.clone()));
                    }
                }
                Err(e) => return Output::err(e),
            }
        }
        let single = named.len() == 1;
        let with_kind = named.iter().any(|n| n.0 != named[0].0);
        return print_named(ctx, &named, format, with_kind, single, &a);
    }
    if a.positionals.is_empty() {
        return Output::err("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n");
    }
    let (targets, with_kind, single) = match resources::parse(&a.positionals) {
        Ok(t) => (t.targets, t.with_kind, t.single),
        Err(e) => return Output::err(e),
    };

    if a.bool("watch") || a.bool("watch-only") {
        return watch(ctx, &a, &targets, format, &ns);
    }

    // The server parses both selectors; kubectl wraps its BadRequest in the list's context.
    let labels = Selector::parse(&label_str);

    let mut out = Output::default();
    let mut blocks: Vec<String> = Vec::new();
    let mut printed: Vec<Arc<Object>> = Vec::new();
    let mut any_named = false;
    for t in &targets {
        let kind = t.kind;
        let namespaced = kind.info().namespaced;
        let objs: Vec<Arc<Object>> = if t.names.is_empty() {
            let parsed = labels
                .clone()
                .and_then(|l| FieldSelector::parse(&field_str, kind).map(|f| (l, f)));
            let (labels, fields) = match parsed {
                Ok(lf) => lf,
                Err(e) => {
                    out.stderr
                        .push_str(&super::selector_error(kind, &label_str, &field_str, &e));
                    continue;
                }
            };
            let scope = if all_ns || !namespaced {
                None
            } else {
                Some(ns.as_str())
            };
            ctx.cluster.api.list(kind, scope, &labels, &fields)
        } else {
            any_named = true;
            let mut v = Vec::new();
            for n in &t.names {
                match ctx.cluster.api.get(kind, &ns, n) {
                    Ok(o) => v.push(o),
                    Err(e) => {
                        if !a.bool("ignore-not-found") {
                            out.stderr.push_str(&super::server_error(&e));
                        }
                    }
                }
            }
            v
        };
        if objs.is_empty() {
            continue;
        }
        match format {
            Format::Table | Format::Wide => {
                let show_kind = with_kind || a.bool("show-kind");
                blocks.push(render_table(
                    &objs,
                    kind,
                    format == Format::Wide,
                    all_ns && namespaced,
                    show_kind,
                    &a,
                    ctx.cluster.now(),
                ));
            }
            _ => printed.extend(objs),
        }
    }
    match format {
        Format::Table | Format::Wide => out.stdout.push_str(&blocks.join("\n")),
        Format::Name => {
            for o in &printed {
                out.stdout.push_str(&format!("{}\n", kind_name(o)));
            }
        }
        _ => {
            if !(printed.is_empty() && any_named) {
                let o = print_objects(&printed, single, &format, &a);
                out.stdout.push_str(&o.stdout);
                out.stderr.push_str(&o.stderr);
            }
        }
    }
    let nothing = blocks.is_empty() && printed.is_empty();
    if nothing
        && !any_named
        && out.stderr.is_empty()
        && matches!(format, Format::Table | Format::Wide | Format::Name)
    {
        let scoped = targets.iter().any(|t| t.kind.info().namespaced) && !all_ns;
        out.stderr = if scoped {
            format!("No resources found in {ns} namespace.\n")
        } else {
            "No resources found\n".into()
        };
    }
    out
}

/// `get -w`: the objects now, then a row for each change (a [`Follow`]).
fn watch(
    ctx: &mut Ctx,
    a: &args::Args,
    targets: &[resources::Target],
    format: Format,
    ns: &str,
) -> Output {
    let [t] = targets else {
        return Output::err(format!(
            "error: watch is only supported on individual resources and resource collections, but {} resources were found\n",
            targets.len()
        ));
    };
    let wide = match format {
        Format::Table => false,
        Format::Wide => true,
        Format::Name => false,
        _ => {
            return Output::err(
                "error: kubectl get --watch prints tables and names in Kubeplay; -o yaml, json and templates are not available with it yet\n",
            )
        }
    };
    let kind = t.kind;
    let all_ns = a.bool("all-namespaces") && kind.info().namespaced;
    let label_str = a.get("selector").unwrap_or("");
    let field_str = a.get("field-selector").unwrap_or("");
    let parsed = Selector::parse(label_str)
        .and_then(|l| FieldSelector::parse(field_str, kind).map(|f| (l, f)));
    let (labels, fields) = match parsed {
        Ok(lf) => lf,
        Err(e) => return Output::err(super::selector_error(kind, label_str, field_str, &e)),
    };
    let scope = (!all_ns && kind.info().namespaced).then(|| ns.to_string());
    let mut out = Output::default();
    let objs: Vec<Arc<Object>> = if t.names.is_empty() {
        ctx.cluster
            .api
            .list(kind, scope.as_deref(), &labels, &fields)
    } else {
        let mut v = Vec::new();
        for n in &t.names {
            match ctx.cluster.api.get(kind, ns, n) {
                Ok(o) => v.push(o),
                Err(e) => return Output::err(super::server_error(&e)),
            }
        }
        v
    };
    let events = a.bool("output-watch-events");
    let name_format = format == Format::Name;
    let now = ctx.cluster.now();
    let mut header: Vec<String> = Vec::new();
    if events {
        header.push("EVENT".into());
    }
    if all_ns {
        header.push("NAMESPACE".into());
    }
    header.extend(printers::headers(kind, wide).iter().map(|h| h.to_string()));
    let show_header = !a.bool("no-headers") && !name_format;
    if !a.bool("watch-only") {
        if objs.is_empty() {
            out.stderr = match &scope {
                Some(ns) => format!("No resources found in {ns} namespace.\n"),
                None => "No resources found\n".into(),
            };
        } else if name_format {
            for o in &objs {
                out.stdout.push_str(&format!("{}\n", kind_name(o)));
            }
        } else {
            let mut rows = Vec::new();
            if show_header {
                rows.push(header.clone());
            }
            for o in &objs {
                let mut r = Vec::new();
                if events {
                    r.push("ADDED".to_string());
                }
                if all_ns {
                    r.push(o.meta().namespace.clone());
                }
                r.extend(printers::row(o, now, wide));
                rows.push(r);
            }
            out.stdout = table::render(&rows);
        }
    }
    let header_pending = show_header && (a.bool("watch-only") || objs.is_empty());
    let filter = crate::apiserver::store::WatchFilter {
        kind,
        namespace: scope,
        labels,
        fields,
    };
    match ctx.cluster.api.watch(filter, None) {
        Ok(id) => {
            out.follow = Some(Follow::Watch {
                id,
                names: t.names.clone(),
                format: if name_format {
                    WatchFormat::Name
                } else {
                    WatchFormat::Table {
                        wide,
                        ns_column: all_ns,
                    }
                },
                events,
                header: header_pending.then_some(header),
            })
        }
        Err(e) => out.stderr.push_str(&super::server_error(&e)),
    }
    out
}

/// `get -f`: the objects named in files.
fn print_named(
    ctx: &mut Ctx,
    named: &[(Kind, String, String)],
    format: Format,
    with_kind: bool,
    single: bool,
    a: &args::Args,
) -> Output {
    let mut out = Output::default();
    let mut groups: Vec<(Kind, Vec<Arc<Object>>)> = Vec::new();
    for (k, ns, name) in named {
        match ctx.cluster.api.get(*k, ns, name) {
            Ok(o) => match groups.iter_mut().find(|g| g.0 == *k) {
                Some(g) => g.1.push(o),
                None => groups.push((*k, vec![o])),
            },
            Err(e) => out.stderr.push_str(&super::server_error(&e)),
        }
    }
    match format {
        Format::Table | Format::Wide => {
            let blocks: Vec<String> = groups
                .iter()
                .map(|(k, objs)| {
                    render_table(
                        objs,
                        *k,
                        format == Format::Wide,
                        false,
                        with_kind,
                        a,
                        ctx.cluster.now(),
                    )
                })
                .collect();
            out.stdout = blocks.join("\n");
        }
        Format::Name => {
            for (_, objs) in &groups {
                for o in objs {
                    out.stdout.push_str(&format!("{}\n", kind_name(o)));
                }
            }
        }
        _ => {
            let all: Vec<Arc<Object>> = groups.into_iter().flat_map(|g| g.1).collect();
            if !all.is_empty() {
                let o = print_objects(&all, single, &format, a);
                out.stdout = o.stdout;
                out.stderr.push_str(&o.stderr);
            }
        }
    }
    out
}

/// One kind's table.
pub fn render_table(
    objs: &[Arc<Object>],
    kind: Kind,
    wide: bool,
    ns_col: bool,
    with_kind: bool,
    a: &args::Args,
    now: crate::sim::Millis,
) -> String {
    let label_cols: Vec<String> = a.all("label-columns");
    let show_labels = a.bool("show-labels");
    let mut rows: Vec<Vec<String>> = Vec::new();
    if !a.bool("no-headers") {
        let mut h: Vec<String> = Vec::new();
        if ns_col {
            h.push("NAMESPACE".into());
        }
        h.extend(printers::headers(kind, wide).iter().map(|s| s.to_string()));
        h.extend(
            label_cols
                .iter()
                .map(|l| l.rsplit('/').next().unwrap_or(l).to_ascii_uppercase()),
        );
        if show_labels {
            h.push("LABELS".into());
        }
        rows.push(h);
    }
    for o in objs {
        let mut r: Vec<String> = Vec::new();
        if ns_col {
            r.push(o.meta().namespace.clone());
        }
        let mut cells = printers::row(o, now, wide);
        if with_kind {
            // The NAME cell gets the `kind.group/` prefix (keeping suffixes such as
            // StorageClass's ` (default)`); events have NAME elsewhere.
            if let Some(cell) = printers::name_column(kind, wide).and_then(|i| cells.get_mut(i)) {
                let prefix = format!("{}/", o.kind().info().group_singular());
                cell.insert_str(0, &prefix);
            }
        }
        r.extend(cells);
        for l in &label_cols {
            r.push(o.meta().labels.get(l).cloned().unwrap_or_default());
        }
        if show_labels {
            r.push(printers::labels_string(&o.meta().labels));
        }
        rows.push(r);
    }
    table::render(&rows)
}
