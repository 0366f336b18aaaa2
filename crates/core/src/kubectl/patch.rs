//! `kubectl patch (TYPE NAME | TYPE/NAME) (-p PATCH | --patch-file FILE)
//! [--type strategic|merge|json] [--subresource status|scale] [--dry-run] [-o ...]`:
//! the patch text is turned into JSON on the client (YAML accepted, as kubectl's
//! `yaml.ToJSON` does) and sent to the API server's PATCH ([`ApiServer::patch`]), which
//! applies it (`crate::apiserver::patch`) and writes the result as an update. Prints
//! `deployment.apps/web patched`, or `patched (no change)` when nothing changed.
//!
//! [`ApiServer::patch`]: crate::apiserver::ApiServer::patch

use serde_json::Value;

use super::args::{self, flag, Flag};
use super::label::{self, DryRun, Printer};
use super::{resources, server_error, Ctx, Output};
use crate::api::Kind;
use crate::apiserver::patch::{apply_patch, PatchType, Subresource};
use crate::apiserver::{ApiError, Reason};

const FLAGS: &[Flag] = &[
    flag("patch", Some('p'), true),
    flag("patch-file", None, true),
    flag("type", None, true),
    flag("subresource", None, true),
    flag("dry-run", None, true),
    flag("output", Some('o'), true),
    flag("filename", Some('f'), true),
    flag("local", None, false),
    flag("field-manager", None, true),
    flag("record", None, false),
    flag("recursive", Some('R'), false),
    flag("allow-missing-template-keys", None, false),
    flag("show-managed-fields", None, false),
    flag("template", None, true),
    flag("kustomize", Some('k'), true),
];

/// kubectl's client-side `yaml.ToJSON` of the patch text: JSON passes through as
/// written (the server reports its syntax errors), YAML is converted.
pub fn patch_to_json(text: &str) -> Result<String, String> {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') || t.is_empty() {
        return Ok(text.to_string());
    }
    match crate::apiserver::decode::yaml::parse_stream(text) {
        Ok(docs) => Ok(docs
            .first()
            .map(|(d, _)| super::apply::go_json(&d.root.to_json()))
            .unwrap_or_else(|| "null".into())),
        // kubectl v1.32 names no line here (checked against it with `--local`).
        Err(e) => Err(format!("yaml: {}", e.message)),
    }
}

/// How kubectl prints an error the PATCH returned.
pub fn patch_error(e: &ApiError) -> String {
    if e.reason == Reason::InternalError {
        // A plain error from the patch engine: the server's Status has no reason.
        return format!("Error from server: {}\n", e.message);
    }
    server_error(e)
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let argv = label::normalize_optional_values(argv);
    let a = match args::parse("patch", &argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let dry = match label::dry_run(&a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let format = match label::output_format(a.get("output"), "patch") {
        Ok(f) => f,
        Err(e) => return Output::err(e),
    };
    let (patch, file) = (a.get("patch"), a.get("patch-file"));
    if patch.is_some() && file.is_some() {
        return Output::err("error: cannot specify --patch and --patch-file together\n");
    }
    let text = match (patch, file) {
        (Some(p), None) => p.to_string(),
        (None, Some(f)) => match (ctx.read_file)(f) {
            Ok(t) => t,
            Err(_) => {
                return Output::err(format!(
                    "error: unable to read patch file: open {f}: no such file or directory\n"
                ))
            }
        },
        _ => return Output::err(
            "error: must specify --patch or --patch-file containing the contents of the patch\n",
        ),
    };
    let ty = match a.get("type") {
        None | Some("") => PatchType::Strategic,
        Some(t) => match PatchType::parse(t) {
            Some(t) => t,
            None => {
                return Output::err(format!(
                    "error: --type must be one of [json merge strategic], not {t:?}\n"
                ))
            }
        },
    };
    let sub = match a.get("subresource") {
        None | Some("") => Subresource::Main,
        Some("status") => Subresource::Status,
        Some("scale") => Subresource::Scale,
        Some(s) => {
            return Output::err(format!(
                "error: invalid subresource value: {s:?}. Must be one of [status scale]\n"
            ))
        }
    };
    let body = match patch_to_json(&text) {
        Ok(b) => b,
        Err(e) => return Output::err(format!("error: unable to parse {text:?}: {e}\n")),
    };
    if a.get("filename").is_some() || a.bool("local") {
        return Output::err(
            "error: kubectl patch -f and --local are not available in Kubeplay yet\n",
        );
    }
    if a.positionals.is_empty() {
        return Output::err("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n");
    }
    let targets = match resources::parse(&a.positionals) {
        Ok(t) => t,
        Err(e) => return Output::err(e),
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let mut out = Output::default();
    let mut printer = Printer::new(format, dry, true);
    let mut count = 0;
    for t in &targets.targets {
        if t.names.is_empty() {
            out.stderr
                .push_str("error: resource(s) were provided, but no name was specified\n");
            return out;
        }
        for name in &t.names {
            count += 1;
            match patch_one(ctx, t.kind, &ns, name, ty, &body, sub, dry) {
                Ok((json, changed, warnings)) => {
                    for w in warnings {
                        out.notices.push_str(&format!("Warning: {w}\n"));
                    }
                    let shown = if sub == Subresource::Scale {
                        format!("scale.autoscaling/{name}")
                    } else {
                        format!("{}/{name}", t.kind.info().group_singular())
                    };
                    let op = if changed {
                        "patched"
                    } else {
                        "patched (no change)"
                    };
                    printer.print(&mut out.stdout, &shown, &json, op);
                }
                Err(e) => out.stderr.push_str(&e),
            }
        }
    }
    if count == 0 {
        out.stderr.push_str("error: no objects passed to patch\n");
    }
    out
}

type PatchResult = Result<(Value, bool, Vec<String>), String>;

#[allow(clippy::too_many_arguments)]
fn patch_one(
    ctx: &mut Ctx,
    kind: Kind,
    ns: &str,
    name: &str,
    ty: PatchType,
    body: &str,
    sub: Subresource,
    dry: DryRun,
) -> PatchResult {
    if dry == DryRun::Client {
        // Applied locally to the object as read, nothing sent.
        let cur = ctx
            .cluster
            .api
            .get(kind, ns, name)
            .map_err(|e| server_error(&e))?;
        let before = cur.to_json();
        let after = apply_patch(kind, &before, ty, body).map_err(|e| {
            // kubectl applies it itself, so errors are plain.
            match e.details.as_ref().and_then(|d| d.causes.first()) {
                Some(c) => format!("error: {}\n", c.message),
                None => format!("error: {}\n", e.message),
            }
        })?;
        let changed = after != before;
        return Ok((after, changed, Vec::new()));
    }
    let p = ctx
        .cluster
        .api
        .patch(kind, ns, name, ty, body, sub, dry == DryRun::Server)
        .map_err(|e| patch_error(&e))?;
    let changed = p.before != p.after;
    let json = if sub == Subresource::Scale {
        crate::apiserver::patch::scale_json(&p.after).unwrap_or(Value::Null)
    } else {
        p.after.to_json()
    };
    Ok((json, changed, p.warnings))
}
