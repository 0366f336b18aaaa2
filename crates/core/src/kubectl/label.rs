//! `kubectl label` and `kubectl annotate`: add (`k=v`), overwrite (`--overwrite`) and
//! remove (`k-`) labels or annotations on objects of any kind, chosen by name,
//! `TYPE/NAME`, `-l`, `--all` or `-f`, with `--list`, `--resource-version`, `--local`,
//! `--dry-run` and `-o name|yaml|json`. Messages follow kubectl v1.32 (`pod/web labeled`,
//! `'app' already has a value (web), and --overwrite is false`, ...); label keys and
//! annotation sizes are validated by the API server on update, as upstream.
//!
//! The pieces the node commands share (dry-run strategy, the name/yaml/json printer
//! with its operation word, kubectl's rendering of aggregated errors) live here too.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::args::{self, flag, Args, Flag};
use super::get::kind_name;
use super::{resources, yaml, Ctx, Output};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{go_quote, Kind, Object};
use crate::apiserver::validation::label_value_errors;
use crate::apiserver::ApiError;

const FLAGS: &[Flag] = &[
    flag("all", None, false),
    flag("all-namespaces", Some('A'), false),
    flag("allow-missing-template-keys", None, false),
    flag("dry-run", None, true),
    flag("field-manager", None, true),
    flag("field-selector", None, true),
    flag("filename", Some('f'), true),
    flag("list", None, false),
    flag("local", None, false),
    flag("output", Some('o'), true),
    flag("overwrite", None, false),
    flag("record", None, false),
    flag("recursive", Some('R'), false),
    flag("resource-version", None, true),
    flag("selector", Some('l'), true),
    flag("show-managed-fields", None, false),
    flag("template", None, true),
];

/// `-o` for commands that print the objects they changed (no `-o`: the name printer
/// with the operation word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Name,
    Yaml,
    Json,
}

/// `--dry-run`: none, client (nothing is sent) or server (validated, not persisted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRun {
    None,
    Client,
    Server,
}

impl DryRun {
    /// What the name printer appends to the operation (`pod/web labeled (dry run)`).
    pub fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// pflag gives `--dry-run` without a value the value `unchanged` (and `--validate`,
/// `strict`); our parser wants a value, so the bare forms are spelled out first.
pub fn normalize_optional_values(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut ended = false;
    for a in argv {
        if !ended && a == "--" {
            ended = true;
        }
        match a.as_str() {
            "--dry-run" if !ended => out.push("--dry-run=unchanged".to_string()),
            "--validate" if !ended => out.push("--validate=strict".to_string()),
            _ => out.push(a.clone()),
        }
    }
    out
}

/// kubectl's `GetDryRunStrategy` (the deprecation warnings for booleans are not printed).
pub fn dry_run(a: &Args) -> Result<DryRun, String> {
    let Some(v) = a.get("dry-run") else {
        return Ok(DryRun::None);
    };
    Ok(match v {
        "unchanged" | "client" => DryRun::Client,
        "server" => DryRun::Server,
        "none" => DryRun::None,
        "1" | "t" | "T" | "true" | "TRUE" | "True" => DryRun::Client,
        "0" | "f" | "F" | "false" | "FALSE" | "False" => DryRun::None,
        other => {
            return Err(format!(
                "error: Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\".\n"
            ))
        }
    })
}

/// `-o` for commands that print the objects they changed: the name printer with the
/// operation (no `-o`), `name`, `yaml` or `json`.
pub fn output_format(o: Option<&str>, cmd: &str) -> Result<Option<Format>, String> {
    match o {
        None | Some("") => Ok(None),
        Some("name") => Ok(Some(Format::Name)),
        Some("yaml") => Ok(Some(Format::Yaml)),
        Some("json") => Ok(Some(Format::Json)),
        Some(other) => {
            let base = other.split('=').next().unwrap_or(other);
            if matches!(
                base,
                "go-template"
                    | "go-template-file"
                    | "jsonpath"
                    | "jsonpath-as-json"
                    | "jsonpath-file"
                    | "template"
                    | "templatefile"
            ) {
                return Err(format!(
                    "error: -o {base} is not available in Kubeplay yet for kubectl {cmd}\n"
                ));
            }
            Err(format!("error: unable to match a printer suitable for the output format {other:?}, allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml\n"))
        }
    }
}

/// kubectl's printer for a changed object: `kind/name operation` (with the dry-run
/// suffix), or the object as name, yaml or json. A YAML printer that prints several
/// objects separates them with `---`; commands that build a new printer per object
/// (label, taint) print none.
pub struct Printer {
    pub format: Option<Format>,
    pub dry: DryRun,
    /// Separate YAML documents with `---` (one printer for all objects).
    pub separators: bool,
    printed: usize,
}

impl Printer {
    pub fn new(format: Option<Format>, dry: DryRun, separators: bool) -> Printer {
        Printer {
            format,
            dry,
            separators,
            printed: 0,
        }
    }

    /// Prints one object; `name` is `kind.group/name`.
    pub fn print(&mut self, out: &mut String, name: &str, json: &Value, operation: &str) {
        match self.format {
            None => out.push_str(&format!("{name} {operation}{}\n", self.dry.suffix())),
            Some(Format::Name) => out.push_str(&format!("{name}\n")),
            Some(Format::Json) => out.push_str(&format!("{}\n", yaml::to_json_pretty(json))),
            Some(Format::Yaml) => {
                if self.separators && self.printed > 0 {
                    out.push_str("---\n");
                }
                out.push_str(&yaml::to_yaml(json));
            }
        }
        self.printed += 1;
    }
}

/// One failed object, kept until the end as kubectl's ContinueOnError visitor does.
#[derive(Clone, Debug)]
pub enum Failure {
    /// A client-side error (`err.Error()`).
    Plain(String),
    /// An API error.
    Api(ApiError),
    /// An aggregate of client-side errors (several keys already set; taints not found).
    Agg(Vec<String>),
    /// Text already rendered (a decode error with its location).
    Rendered(String),
}

fn api_message(e: &ApiError) -> String {
    format!("Error from server ({}): {}", e.reason.as_str(), e.message)
}

/// Aggregate `Error()`: one message alone, several as `[a, b]` (duplicates dropped).
fn agg_error(v: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for m in v {
        if !seen.contains(&m.as_str()) {
            seen.push(m);
        }
    }
    if seen.len() == 1 {
        seen[0].to_string()
    } else {
        format!("[{}]", seen.join(", "))
    }
}

fn prefixed(m: &str) -> String {
    if m.starts_with("error: ") {
        format!("{m}\n")
    } else {
        format!("error: {m}\n")
    }
}

/// Renders the errors met while visiting objects as kubectl's `CheckErr` prints them:
/// one error alone with its usual prefix, several as one line each without it.
pub fn render_failures(failures: &[Failure]) -> String {
    match failures {
        [] => String::new(),
        [one] => match one {
            Failure::Plain(m) => prefixed(m),
            Failure::Api(e) => super::server_error(e),
            Failure::Agg(v) if v.len() == 1 => prefixed(&v[0]),
            Failure::Agg(v) => v.iter().map(|m| format!("{m}\n")).collect(),
            Failure::Rendered(s) => s.clone(),
        },
        many => many
            .iter()
            .map(|f| match f {
                Failure::Plain(m) => format!("{m}\n"),
                Failure::Api(e) => format!("{}\n", api_message(e)),
                Failure::Agg(v) => format!("{}\n", agg_error(v)),
                Failure::Rendered(s) => s.clone(),
            })
            .collect(),
    }
}

/// Validates an update as the API server would with `dryRun=All`, without writing:
/// resourceVersion precondition, defaulting, validation. Returns the object that would
/// be stored.
pub fn dry_run_update(ctx: &Ctx, mut obj: Object) -> Result<Object, ApiError> {
    let kind = obj.kind();
    let name = obj.meta().name.clone();
    let old = ctx.cluster.api.get(kind, &obj.meta().namespace, &name)?;
    let rv = obj.meta().resource_version.clone();
    if !rv.is_empty() && rv != old.meta().resource_version {
        return Err(ApiError::conflict(kind, &name, "the object has been modified; please apply your changes to the latest version and try again"));
    }
    if kind.info().has_status {
        obj.copy_status_from(&old);
    }
    crate::apiserver::defaults::set_defaults(&mut obj);
    obj.meta_mut().resource_version = old.meta().resource_version.clone();
    let errs = crate::apiserver::validation::validate_update(&obj, &old);
    if !errs.is_empty() {
        return Err(ApiError::invalid(kind, &name, errs));
    }
    Ok(obj)
}

/// Writes an update, or only validates it for `--dry-run=server`.
pub fn send_update(ctx: &mut Ctx, obj: Object, dry: DryRun) -> Result<Arc<Object>, ApiError> {
    if dry == DryRun::Server {
        return dry_run_update(ctx, obj).map(Arc::new);
    }
    ctx.cluster.api.update(obj)
}

/// Which of the two commands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Label,
    Annotate,
}

impl Which {
    fn cmd(self) -> &'static str {
        match self {
            Which::Label => "label",
            Which::Annotate => "annotate",
        }
    }
    /// `label` / `annotation`, as kubectl's messages name one change.
    fn noun(self) -> &'static str {
        match self {
            Which::Label => "label",
            Which::Annotate => "annotation",
        }
    }
    fn map(self, obj: &mut Object) -> &mut BTreeMap<String, String> {
        match self {
            Which::Label => &mut obj.meta_mut().labels,
            Which::Annotate => &mut obj.meta_mut().annotations,
        }
    }
}

/// `kubectl label ...`.
pub fn run_label(ctx: &mut Ctx, argv: &[String]) -> Output {
    run(ctx, argv, Which::Label)
}

/// `kubectl annotate ...`.
pub fn run_annotate(ctx: &mut Ctx, argv: &[String]) -> Output {
    run(ctx, argv, Which::Annotate)
}

/// kubectl's `GetResourcesAndPairs`: resource arguments first, then `KEY=VALUE` / `KEY-`.
fn resources_and_pairs(
    positionals: &[String],
    pair_type: &str,
) -> Result<(Vec<String>, Vec<String>), String> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for s in positionals {
        let pair = (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        if pair {
            pairs.push(s.clone());
        } else if !pairs.is_empty() {
            return Err(format!(
                "error: all resources must be specified before {pair_type} changes: {s}\n"
            ));
        } else {
            resources.push(s.clone());
        }
    }
    Ok((resources, pairs))
}

/// New pairs in command-line order (a repeated key keeps its last value).
type Pairs = Vec<(String, String)>;

fn put(pairs: &mut Pairs, k: &str, v: &str) {
    match pairs.iter_mut().find(|p| p.0 == k) {
        Some(p) => p.1 = v.to_string(),
        None => pairs.push((k.to_string(), v.to_string())),
    }
}

/// label's `parseLabels`.
fn parse_labels(specs: &[String]) -> Result<(Pairs, Vec<String>), String> {
    let mut add = Pairs::new();
    let mut remove = Vec::new();
    for spec in specs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            if parts.len() != 2 {
                return Err(format!("error: invalid label spec: {spec}\n"));
            }
            let errs = label_value_errors(parts[1]);
            if !errs.is_empty() {
                return Err(format!(
                    "error: invalid label value: {}: {}\n",
                    go_quote(spec),
                    errs.join(";")
                ));
            }
            put(&mut add, parts[0], parts[1]);
        } else if let Some(k) = spec.strip_suffix('-') {
            remove.push(k.to_string());
        } else {
            return Err(format!("error: unknown label spec: {spec}\n"));
        }
    }
    if remove.iter().any(|r| add.iter().any(|p| &p.0 == r)) {
        return Err("error: can not both modify and remove a label in the same command\n".into());
    }
    Ok((add, remove))
}

/// kubectl's `ParsePairs` for annotations.
fn parse_annotations(specs: &[String]) -> Result<(Pairs, Vec<String>), String> {
    let mut add = Pairs::new();
    let mut remove = Vec::new();
    let mut invalid: Vec<&str> = Vec::new();
    for spec in specs {
        if spec.contains('=') && !spec.starts_with('=') {
            if let Some((k, v)) = spec.split_once('=') {
                put(&mut add, k, v);
            }
        } else if spec.ends_with('-') && spec != "-" {
            remove.push(spec[..spec.len() - 1].to_string());
        } else {
            invalid.push(spec);
        }
    }
    if !invalid.is_empty() {
        return Err(format!(
            "error: invalid annotation format: {}\n",
            invalid.join(", ")
        ));
    }
    Ok((add, remove))
}

/// Applies the changes to one map: label's `labelFunc` / annotate's `updateAnnotations`.
fn change(
    which: Which,
    map: &mut BTreeMap<String, String>,
    add: &Pairs,
    remove: &[String],
    overwrite: bool,
) -> Result<(), Failure> {
    if !overwrite {
        match which {
            Which::Label => {
                let errs: Vec<String> = add
                    .iter()
                    .filter_map(|(k, _)| {
                        map.get(k).map(|v| {
                            format!("'{k}' already has a value ({v}), and --overwrite is false")
                        })
                    })
                    .collect();
                if !errs.is_empty() {
                    return Err(Failure::Agg(errs));
                }
            }
            Which::Annotate => {
                let found: Vec<String> = add
                    .iter()
                    .filter(|(k, _)| k != "kubernetes.io/change-cause")
                    .filter_map(|(k, _)| {
                        map.get(k)
                            .map(|v| format!("'{k}' already has a value ({v})"))
                    })
                    .collect();
                if !found.is_empty() {
                    return Err(Failure::Plain(format!(
                        "--overwrite is false but found the following declared annotation(s): {}",
                        found.join("; ")
                    )));
                }
            }
        }
    }
    for (k, v) in add {
        map.insert(k.clone(), v.clone());
    }
    for k in remove {
        map.remove(k);
    }
    Ok(())
}

/// label's `updateDataChangeMsg`: compares the object's JSON before and after.
fn label_message(old: &str, new: &str, overwrite: bool) -> &'static str {
    if old == new {
        "not labeled"
    } else if !overwrite && new.len() < old.len() {
        "unlabeled"
    } else {
        "labeled"
    }
}

/// `--list` output: `k=v` lines, or, for several objects, a header and indented lines.
fn list_lines(
    out: &mut String,
    which: Which,
    obj_kind: Kind,
    name: &str,
    map: &BTreeMap<String, String>,
    one: bool,
) {
    let indent = if one {
        ""
    } else {
        let i = obj_kind.info();
        let what = match which {
            Which::Label => "labels",
            Which::Annotate => "annotations",
        };
        out.push_str(&format!(
            "Listing {what} for {}.{}/{name}:\n",
            i.kind, i.group
        ));
        " "
    };
    for (k, v) in map {
        out.push_str(&format!("{indent}{k}={v}\n"));
    }
}

fn run(ctx: &mut Ctx, argv: &[String], which: Which) -> Output {
    let cmd = which.cmd();
    let argv = normalize_optional_values(argv);
    let a = match args::parse(cmd, &argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let dry = match dry_run(&a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let format = match output_format(a.get("output"), cmd) {
        Ok(f) => f,
        Err(e) => return Output::err(e),
    };
    let list = a.bool("list");
    let list_and_output = list && a.get("output").is_some_and(|o| !o.is_empty());
    if which == Which::Annotate && list_and_output {
        return Output::err("error: --list and --output may not be specified together\n");
    }
    let (resources, pairs) = match resources_and_pairs(&a.positionals, which.noun()) {
        Ok(r) => r,
        Err(e) => return Output::err(e),
    };
    let parsed = match which {
        Which::Label => parse_labels(&pairs),
        Which::Annotate => parse_annotations(&pairs),
    };
    let (add, remove) = match parsed {
        Ok(p) => p,
        Err(e) => return Output::err(e),
    };
    if which == Which::Label && list_and_output {
        return Output::err("error: --list and --output may not be specified together\n");
    }

    // Validate.
    let selector = a.get("selector").filter(|s| !s.is_empty());
    let field = a.get("field-selector").filter(|s| !s.is_empty());
    let all = a.bool("all");
    let local = a.bool("local");
    let files = a.all("filename");
    let (file_example, rsrc) = match which {
        Which::Label => ("pod", "pod"),
        Which::Annotate => ("rsrc", "rsrc"),
    };
    if all && selector.is_some() {
        return Output::err("error: cannot set --all and --selector at the same time\n");
    }
    if all && field.is_some() {
        return Output::err("error: cannot set --all and --field-selector at the same time\n");
    }
    if local {
        if dry == DryRun::Server {
            return Output::err("error: cannot specify --local and --dry-run=server - did you mean --dry-run=client?\n");
        }
        if !resources.is_empty() {
            return Output::err(format!("error: can only use local files by -f {file_example}.yaml or --filename={rsrc}.json when --local=true is set\n"));
        }
        if files.is_empty() {
            return Output::err(format!("error: one or more files must be specified as -f {file_example}.yaml or --filename={rsrc}.json\n"));
        }
    } else if resources.is_empty() && files.is_empty() {
        return Output::err("error: one or more resources must be specified as <resource> <name> or <resource>/<name>\n");
    }
    if add.is_empty() && remove.is_empty() && !list {
        return Output::err(format!(
            "error: at least one {} update is required\n",
            match which {
                Which::Label => "label",
                Which::Annotate => "annotation",
            }
        ));
    }
    if which == Which::Annotate {
        let both: Vec<&str> = remove
            .iter()
            .filter(|r| add.iter().any(|p| &p.0 == *r))
            .map(String::as_str)
            .collect();
        if !both.is_empty() {
            return Output::err(format!("error: can not both modify and remove the following annotation(s) in the same command: {}\n", both.join(", ")));
        }
    }

    let overwrite = a.bool("overwrite");
    let rv = a.get("resource-version").unwrap_or("").to_string();
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let mut out = Output::default();
    let mut failures: Vec<Failure> = Vec::new();

    if local {
        return run_local(
            ctx, which, &files, &add, &remove, overwrite, &rv, list, format, dry,
        );
    }

    let (items, one) = match gather(ctx, &a, &resources, &files, &ns, selector, field, all) {
        Ok(g) => g,
        Err(e) => return Output::err(e),
    };
    if !one && !rv.is_empty() {
        return Output::err("error: --resource-version may only be used with a single resource\n");
    }
    // annotate builds its printer once; label builds one per object.
    let mut shared = Printer::new(format, dry, true);
    let client_side = dry == DryRun::Client || list;
    for item in items {
        let current = match item {
            Ok(o) => o,
            Err(f) => {
                failures.push(f);
                continue;
            }
        };
        let mut obj = (*current).clone();
        if !rv.is_empty() {
            obj.meta_mut().resource_version.clear();
        }
        let old_json = serde_json::to_string(&obj.to_json()).unwrap_or_default();
        if which == Which::Label && !client_side {
            for k in &remove {
                if !obj.meta().labels.contains_key(k) {
                    out.stdout
                        .push_str(&format!("label {} not found.\n", go_quote(k)));
                }
            }
        }
        if let Err(f) = change(which, which.map(&mut obj), &add, &remove, overwrite) {
            failures.push(f);
            continue;
        }
        if !rv.is_empty() {
            obj.meta_mut().resource_version = rv.clone();
        }
        let new_json = serde_json::to_string(&obj.to_json()).unwrap_or_default();
        let message = label_message(&old_json, &new_json, overwrite);
        let written: Option<Arc<Object>> = if client_side {
            None
        } else {
            match send_update(ctx, obj.clone(), dry) {
                Ok(o) => Some(o),
                Err(e) => {
                    failures.push(Failure::Api(e));
                    continue;
                }
            }
        };
        let name = kind_name(&obj);
        if list {
            let kind = obj.kind();
            let map = which.map(&mut obj).clone();
            list_lines(&mut out.stdout, which, kind, &obj.meta().name, &map, one);
            continue;
        }
        match which {
            Which::Label => {
                // label prints the object it sent, not the server's answer.
                Printer::new(format, dry, false).print(
                    &mut out.stdout,
                    &name,
                    &obj.to_json(),
                    message,
                )
            }
            Which::Annotate => {
                let shown = written
                    .map(|w| w.to_json())
                    .unwrap_or_else(|| obj.to_json());
                shared.print(&mut out.stdout, &name, &shown, "annotated");
            }
        }
    }
    out.stderr.push_str(&render_failures(&failures));
    out
}

/// The objects the resource arguments, selectors or files name, each fetched from the
/// server (an error in its place when it cannot be), and whether a single item is implied.
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn gather(
    ctx: &Ctx,
    a: &Args,
    resources: &[String],
    files: &[String],
    ns: &str,
    selector: Option<&str>,
    field: Option<&str>,
    all: bool,
) -> Result<(Vec<Result<Arc<Object>, Failure>>, bool), String> {
    let mut items: Vec<Result<Arc<Object>, Failure>> = Vec::new();
    if !files.is_empty() {
        if !resources.is_empty() {
            return Err("error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well\n".into());
        }
        for f in files {
            let (decoded, errs) = super::apply::read_objects(ctx, f)?;
            for e in errs {
                items.push(Err(Failure::Rendered(e)));
            }
            for d in decoded {
                let m = d.object.meta();
                let ons = if m.namespace.is_empty() {
                    ns
                } else {
                    m.namespace.as_str()
                };
                items.push(
                    ctx.cluster
                        .api
                        .get(d.object.kind(), ons, &m.name)
                        .map_err(Failure::Api),
                );
            }
        }
        return Ok((items, files.len() == 1));
    }
    let targets = resources::parse(resources)?;
    let tuples = resources.first().is_some_and(|r| r.contains('/'));
    let names = tuples || resources.len() > 1;
    if (selector.is_some() || field.is_some()) && names {
        return Err(if tuples {
            "error: selectors and the all flag cannot be used when passing resource/name arguments\n".into()
        } else {
            "error: name cannot be provided when a selector is specified\n".into()
        });
    }
    if names {
        if !tuples && targets.targets.len() > 1 {
            return Err("error: you must specify only one resource\n".into());
        }
        for t in &targets.targets {
            for n in &t.names {
                items.push(ctx.cluster.api.get(t.kind, ns, n).map_err(Failure::Api));
            }
        }
        return Ok((items, targets.single));
    }
    if selector.is_none() && field.is_none() && !all {
        return Err("error: resource(s) were provided, but no name was specified\n".into());
    }
    let (l, f) = (selector.unwrap_or(""), field.unwrap_or(""));
    let scope = if a.bool("all-namespaces") {
        None
    } else {
        Some(ns)
    };
    for t in &targets.targets {
        let parsed =
            Selector::parse(l).and_then(|s| FieldSelector::parse(f, t.kind).map(|f| (s, f)));
        let (labels, fields) = match parsed {
            Ok(p) => p,
            Err(e) => {
                items.push(Err(Failure::Rendered(super::selector_error(
                    t.kind, l, f, &e,
                ))));
                continue;
            }
        };
        for o in ctx.cluster.api.list(t.kind, scope, &labels, &fields) {
            items.push(Ok(o));
        }
    }
    Ok((items, false))
}

/// `--local`: the objects of the files, changed and printed, the server never asked.
#[allow(clippy::too_many_arguments)]
fn run_local(
    ctx: &Ctx,
    which: Which,
    files: &[String],
    add: &Pairs,
    remove: &[String],
    overwrite: bool,
    rv: &str,
    list: bool,
    format: Option<Format>,
    dry: DryRun,
) -> Output {
    let mut out = Output::default();
    let mut failures = Vec::new();
    let mut shared = Printer::new(format, dry, true);
    let one = files.len() == 1;
    for f in files {
        let (decoded, errs) = match super::apply::read_objects(ctx, f) {
            Ok(r) => r,
            Err(e) => return Output::err(e),
        };
        failures.extend(errs.into_iter().map(Failure::Rendered));
        for d in decoded {
            let mut json = d.json.clone();
            let field = match which {
                Which::Label => "labels",
                Which::Annotate => "annotations",
            };
            let mut map: BTreeMap<String, String> = json
                .pointer(&format!("/metadata/{field}"))
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            let old = serde_json::to_string(&json).unwrap_or_default();
            if let Err(e) = change(which, &mut map, add, remove, overwrite) {
                failures.push(e);
                continue;
            }
            if let Some(meta) = json.get_mut("metadata").and_then(Value::as_object_mut) {
                let m: serde_json::Map<String, Value> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                meta.insert(field.to_string(), Value::Object(m));
                if !rv.is_empty() {
                    meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
                }
            }
            let new = serde_json::to_string(&json).unwrap_or_default();
            let name = kind_name(&d.object);
            if list {
                list_lines(
                    &mut out.stdout,
                    which,
                    d.object.kind(),
                    &d.object.meta().name,
                    &map,
                    one,
                );
                continue;
            }
            match which {
                Which::Label => Printer::new(format, dry, false).print(
                    &mut out.stdout,
                    &name,
                    &json,
                    label_message(&old, &new, overwrite),
                ),
                Which::Annotate => shared.print(&mut out.stdout, &name, &json, "annotated"),
            }
        }
    }
    out.stderr.push_str(&render_failures(&failures));
    out
}

#[cfg(test)]
mod tests {
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    fn sh() -> Shell {
        let mut sh = Shell::new(ClusterConfig::default());
        let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: web\n  annotations:\n    owner: team-a\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
        assert_eq!(
            sh.exec("kubectl create -f -", Some(pod)),
            "pod/web created\n"
        );
        sh
    }

    fn run(sh: &mut Shell, cmd: &str) -> String {
        sh.exec(cmd, None)
    }

    #[test]
    fn labels_and_unlabels() {
        let mut sh = sh();
        assert_eq!(
            run(&mut sh, "kubectl label pod web tier=fe"),
            "pod/web labeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web tier=be"),
            "error: 'tier' already has a value (fe), and --overwrite is false\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web tier=be app=x"),
            "'tier' already has a value (fe), and --overwrite is false\n'app' already has a value (web), and --overwrite is false\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod/web tier=be --overwrite"),
            "pod/web labeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web tier=be"),
            "error: 'tier' already has a value (be), and --overwrite is false\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web tier=be --overwrite"),
            "pod/web not labeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web tier-"),
            "pod/web unlabeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web tier-"),
            "label \"tier\" not found.\npod/web not labeled\n"
        );
        let pod = sh
            .cluster
            .api
            .get(crate::api::Kind::Pod, "default", "web")
            .unwrap();
        assert_eq!(pod.meta().labels.len(), 1);
        assert_eq!(pod.meta().labels["app"], "web");
        assert!(run(&mut sh, "kubectl get pods --show-labels").contains("app=web\n"));
    }

    #[test]
    fn label_errors_match_kubectl() {
        let mut sh = sh();
        assert_eq!(
            run(&mut sh, "kubectl label pod web"),
            "error: at least one label update is required\n"
        );
        assert_eq!(run(&mut sh, "kubectl label"), "error: one or more resources must be specified as <resource> <name> or <resource>/<name>\n");
        assert_eq!(
            run(&mut sh, "kubectl label pods x=y"),
            "error: resource(s) were provided, but no name was specified\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web a=b=c"),
            "error: invalid label spec: a=b=c\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web x=y z"),
            "error: all resources must be specified before label changes: z\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web x=y x-"),
            "error: can not both modify and remove a label in the same command\n"
        );
        assert!(run(&mut sh, "kubectl label pod web x=bad^v").starts_with(
            "error: invalid label value: \"x=bad^v\": a valid label must be an empty string"
        ));
        assert_eq!(
            run(&mut sh, "kubectl label pod web bad^key=v"),
            "The Pod \"web\" is invalid: metadata.labels: Invalid value: \"bad^key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod nope x=y"),
            "Error from server (NotFound): pods \"nope\" not found\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod nope web x=y"),
            "pod/web labeled\nError from server (NotFound): pods \"nope\" not found\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pods --all -l a=b x=y"),
            "error: cannot set --all and --selector at the same time\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web x=1 --list -o yaml"),
            "error: --list and --output may not be specified together\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web x=1 --dry-run=foo"),
            "error: Invalid dry-run value (foo). Must be \"none\", \"server\", or \"client\".\n"
        );
        assert!(
            run(&mut sh, "kubectl label pod web x=1 -o wide").starts_with(
                "error: unable to match a printer suitable for the output format \"wide\""
            )
        );
        assert_eq!(
            run(
                &mut sh,
                "kubectl label pods web x=1 --resource-version=1 -l app=web"
            ),
            "error: name cannot be provided when a selector is specified\n"
        );
        assert_eq!(
            run(
                &mut sh,
                "kubectl label pods -l app=web --resource-version=1 y=2"
            ),
            "error: --resource-version may only be used with a single resource\n"
        );
    }

    #[test]
    fn selectors_all_namespaces_and_resource_version() {
        let mut sh = sh();
        sh.exec(
            "kubectl create -f -",
            Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n"),
        );
        sh.exec(
            "kubectl apply -f -",
            Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\n  namespace: other\n  labels:\n    app: web\n"),
        );
        assert_eq!(
            run(&mut sh, "kubectl label pods -l app=web env=prod"),
            "pod/web labeled\n"
        );
        assert_eq!(
            run(
                &mut sh,
                "kubectl label pods,cm -A -l app=web env=dev --overwrite"
            ),
            "pod/web labeled\nconfigmap/c1 labeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label cm --all -n other extra=1"),
            "configmap/c1 labeled\n"
        );
        assert_eq!(run(&mut sh, "kubectl label pods -l app=none x=1"), "");
        assert_eq!(
            run(&mut sh, "kubectl label pod web --list"),
            "app=web\nenv=dev\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pods --all --list"),
            "Listing labels for Pod./web:\n app=web\n env=dev\n"
        );
        let rv = sh
            .cluster
            .api
            .get(crate::api::Kind::Pod, "default", "web")
            .unwrap()
            .meta()
            .resource_version
            .clone();
        assert_eq!(
            run(&mut sh, "kubectl label pod web stale=1 --resource-version=1"),
            "Error from server (Conflict): Operation cannot be fulfilled on pods \"web\": the object has been modified; please apply your changes to the latest version and try again\n"
        );
        assert_eq!(
            run(
                &mut sh,
                &format!("kubectl label pod web fresh=1 --resource-version={rv}")
            ),
            "pod/web labeled\n"
        );
    }

    #[test]
    fn dry_run_and_output() {
        let mut sh = sh();
        let before = sh
            .cluster
            .api
            .get(crate::api::Kind::Pod, "default", "web")
            .unwrap();
        assert_eq!(
            run(&mut sh, "kubectl label pod web x=1 --dry-run=client"),
            "pod/web labeled (dry run)\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web x=1 --dry-run=server"),
            "pod/web labeled (server dry run)\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pod web x=1 --dry-run"),
            "pod/web labeled (dry run)\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web x=1 --dry-run=server"),
            "pod/web annotated (server dry run)\n"
        );
        assert!(
            run(&mut sh, "kubectl label pod web bad^k=1 --dry-run=server")
                .starts_with("The Pod \"web\" is invalid")
        );
        let after = sh
            .cluster
            .api
            .get(crate::api::Kind::Pod, "default", "web")
            .unwrap();
        assert_eq!(before, after);
        assert_eq!(
            run(&mut sh, "kubectl label pod web x=1 -o name"),
            "pod/web\n"
        );
        let y = run(&mut sh, "kubectl label pod web y=2 -o yaml");
        assert!(
            y.starts_with("apiVersion: v1\nkind: Pod\nmetadata:\n"),
            "{y}"
        );
        assert!(y.contains("    \"y\": \"2\"\n"));
        let j = run(&mut sh, "kubectl annotate pod web z=3 -o json");
        assert!(j.contains("\"z\": \"3\""), "{j}");
    }

    #[test]
    fn annotates() {
        let mut sh = sh();
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web note=hello"),
            "pod/web annotated\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web owner=team-b"),
            "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value (team-a)\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web owner=team-b --overwrite"),
            "pod/web annotated\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web 'desc=a = b'"),
            "pod/web annotated\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web missing-"),
            "pod/web annotated\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web note-"),
            "pod/web annotated\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web --list"),
            "desc=a = b\nowner=team-b\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web"),
            "error: at least one annotation update is required\n"
        );
        assert_eq!(run(&mut sh, "kubectl annotate pod web a=1 a-"), "error: can not both modify and remove the following annotation(s) in the same command: a\n");
        assert_eq!(
            run(&mut sh, "kubectl annotate pod web x=1 y"),
            "error: all resources must be specified before annotation changes: y\n"
        );
        let pod = sh
            .cluster
            .api
            .get(crate::api::Kind::Pod, "default", "web")
            .unwrap();
        assert_eq!(
            pod.meta().annotations.get("desc").map(String::as_str),
            Some("a = b")
        );
        assert!(!pod.meta().annotations.contains_key("note"));
        assert!(
            run(&mut sh, "kubectl annotate pod web bad^key=1").starts_with(
                "The Pod \"web\" is invalid: metadata.annotations: Invalid value: \"bad^key\""
            )
        );
    }

    #[test]
    fn files_and_local() {
        let mut sh = sh();
        sh.put_file(
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
        );
        assert_eq!(
            run(&mut sh, "kubectl label -f pod.yaml from=file"),
            "pod/web labeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label --local -f pod.yaml x=1 -o yaml"),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app: web\n    x: \"1\"\n  name: web\nspec:\n  containers:\n  - image: nginx\n    name: c\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label --local -f pod.yaml app-"),
            "pod/web unlabeled\n"
        );
        assert_eq!(run(&mut sh, "kubectl label --local pod web x=1"), "error: can only use local files by -f pod.yaml or --filename=pod.json when --local=true is set\n");
        assert_eq!(
            run(
                &mut sh,
                "kubectl annotate --local -f pod.yaml a=1 --dry-run=server"
            ),
            "error: cannot specify --local and --dry-run=server - did you mean --dry-run=client?\n"
        );
        assert_eq!(run(&mut sh, "kubectl label -f pod.yaml pod web x=1"), "error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well\n");
    }

    #[test]
    fn every_kind_and_cluster_scoped() {
        let mut sh = sh();
        assert_eq!(
            run(&mut sh, "kubectl label node node-1 disktype=ssd"),
            "node/node-1 labeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label ns default team=a"),
            "namespace/default labeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl annotate svc kubernetes note=x"),
            "service/kubernetes annotated\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl label pc system-node-critical x=y"),
            "priorityclass.scheduling.k8s.io/system-node-critical labeled\n"
        );
        assert_eq!(
            run(&mut sh, "kubectl get nodes -l disktype=ssd -o name"),
            "node/node-1\n"
        );
    }
}
