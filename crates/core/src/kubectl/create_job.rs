//! `kubectl create job` and `kubectl create cronjob` (kubectl's `create_job.go` and
//! `create_cronjob.go`): a Job from `--image` (one container named after the Job,
//! `restartPolicy: Never`, the words after `--` as its command) or from a CronJob's job
//! template (`--from=cronjob/NAME`, annotated `cronjob.kubernetes.io/instantiate:
//! manual` and owned by the CronJob), and a CronJob from `--image` and `--schedule`
//! (`--restart`, default OnFailure). `--dry-run=client` and `-o yaml|json|name` print
//! what kubectl builds. `kubectl create -f` stays in `apply.rs`; [`handles`] is the
//! dispatch hook for these subcommands.

use serde_json::{json, Value};

use super::args::{self, flag, Flag};
use super::label::{dry_run, output_format, DryRun, Printer};
use super::{server_error, Ctx, Output};
use crate::api::{Kind, Object};
use crate::apiserver::decode::decode_value;

const COMMON: &[Flag] = &[
    flag("dry-run", None, true),
    flag("output", Some('o'), true),
    flag("save-config", None, false),
    flag("validate", None, true),
    flag("field-manager", None, true),
    flag("show-managed-fields", None, false),
    flag("allow-missing-template-keys", None, false),
    flag("template", None, true),
];

/// Whether `kubectl create ARGS` is one of the subcommands this module serves.
pub fn handles(argv: &[String]) -> bool {
    matches!(
        argv.first().map(String::as_str),
        Some("job") | Some("cronjob") | Some("cj")
    )
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let (sub, rest) = match argv.split_first() {
        Some((s, r)) => (s.as_str(), r),
        None => return Output::err("error: unknown subcommand\n"),
    };
    let (opts, command) = match rest.iter().position(|a| a == "--") {
        Some(i) => (&rest[..i], rest[i + 1..].to_vec()),
        None => (rest, Vec::new()),
    };
    let cmd = if sub == "job" {
        "create job"
    } else {
        "create cronjob"
    };
    let mut flags: Vec<Flag> = COMMON.to_vec();
    flags.push(flag("image", None, true));
    if sub == "job" {
        flags.push(flag("from", None, true));
    } else {
        flags.push(flag("schedule", None, true));
        flags.push(flag("restart", None, true));
    }
    let a = match args::parse(cmd, opts, &flags) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let help = if sub == "job" { "job" } else { "cronjob" };
    if sub != "job" && a.get("schedule").is_none() {
        return Output::err(args::required_flag_error("schedule", ctx.cluster.now()));
    }
    let name = match a.positionals.as_slice() {
        [n] => n.clone(),
        other => {
            return Output::err(format!(
                "error: exactly one NAME is required, got {}\nSee 'kubectl create {help} -h' for help and examples\n",
                other.len()
            ))
        }
    };
    let dry = match dry_run(&a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let format = match output_format(a.get("output"), cmd) {
        Ok(f) => f,
        Err(e) => return Output::err(e),
    };
    let explicit_ns = a.get("namespace").map(str::to_string);
    let ns = explicit_ns.clone().unwrap_or_else(|| ctx.namespace.clone());
    let image = a.get("image").unwrap_or("").to_string();
    let command_json = |c: &mut Value| {
        if !command.is_empty() {
            c["command"] = json!(command);
        }
    };
    let mut obj = if sub == "job" {
        let from = a.get("from").unwrap_or("");
        if image.is_empty() == from.is_empty() {
            return Output::err("error: either --image or --from must be specified\n");
        }
        if !command.is_empty() && !from.is_empty() {
            return Output::err("error: cannot specify --from and command\n");
        }
        if from.is_empty() {
            let mut c = json!({"image": image, "name": name, "resources": {}});
            command_json(&mut c);
            json!({
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"creationTimestamp": null, "name": name},
                "spec": {"template": {"metadata": {"creationTimestamp": null},
                    "spec": {"containers": [c], "restartPolicy": "Never"}}},
                "status": {},
            })
        } else {
            match from_cronjob(ctx, &ns, &name, from) {
                Ok(v) => v,
                Err(e) => return Output::err(e),
            }
        }
    } else {
        if image.is_empty() {
            return Output::err(args::required_flag_error("image", ctx.cluster.now()));
        }
        let restart = a.get("restart").unwrap_or("OnFailure");
        let mut c = json!({"image": image, "name": name, "resources": {}});
        command_json(&mut c);
        json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"creationTimestamp": null, "name": name},
            "spec": {
                "jobTemplate": {"metadata": {"creationTimestamp": null, "name": name},
                    "spec": {"template": {"metadata": {"creationTimestamp": null},
                        "spec": {"containers": [c], "restartPolicy": restart}}}},
                "schedule": a.get("schedule").unwrap_or(""),
            },
            "status": {},
        })
    };
    if explicit_ns.is_some() {
        obj["metadata"]["namespace"] = json!(ns);
    }
    let kind = if sub == "job" {
        Kind::Job
    } else {
        Kind::CronJob
    };
    let shown_name = format!("{}.batch/{name}", kind.info().singular);
    let mut printer = Printer::new(format, dry, false);
    let mut out = Output::default();
    match dry {
        DryRun::Client => {
            printer.print(&mut out.stdout, &shown_name, &obj, "created");
            out
        }
        DryRun::Server => Output::err(format!(
            "error: --dry-run=server is not available in Kubeplay yet for kubectl {cmd}\n"
        )),
        DryRun::None => {
            obj["metadata"]["namespace"] = json!(ns);
            let typed = match decode_value(kind, &obj) {
                Ok(o) => o,
                Err(e) => return Output::err(format!("error: {e}\n")),
            };
            match ctx.cluster.api.create(typed) {
                Ok(created) => {
                    printer.print(&mut out.stdout, &shown_name, &created.to_json(), "created");
                    out
                }
                Err(e) => Output::err(server_error(&e)),
            }
        }
    }
}

/// `createJobFromCronJob`: the CronJob's job template as a Job of its own.
fn from_cronjob(ctx: &Ctx, ns: &str, name: &str, from: &str) -> Result<Value, String> {
    let (res, cj_name) = from.split_once('/').ok_or_else(|| {
        format!("error: from must be of the form <resource>/<name>, got {from:?}\n")
    })?;
    let kind = Kind::lookup(res)
        .ok_or_else(|| format!("error: the server doesn't have a resource type {res:?}\n"))?;
    let o = ctx
        .cluster
        .api
        .get(kind, ns, cj_name)
        .map_err(|e| server_error(&e))?;
    if kind != Kind::CronJob {
        let i = kind.info();
        return Err(format!(
            "error: unknown object type *{}.{}\n",
            i.version, i.kind
        ));
    }
    let Object::CronJob(cj) = &*o else {
        return Err("error: unknown object type\n".into());
    };
    let t = &cj.spec.job_template;
    let mut annotations = serde_json::Map::new();
    annotations.insert("cronjob.kubernetes.io/instantiate".into(), json!("manual"));
    for (k, v) in &t.metadata.annotations {
        annotations.insert(k.clone(), json!(v));
    }
    let mut meta = json!({
        "annotations": annotations,
        "creationTimestamp": null,
        "name": name,
        "ownerReferences": [{
            "apiVersion": "batch/v1", "controller": true, "kind": "CronJob",
            "name": cj.metadata.name, "uid": cj.metadata.uid,
        }],
    });
    if !t.metadata.labels.is_empty() {
        meta["labels"] = json!(t.metadata.labels);
    }
    let spec = serde_json::to_value(&t.spec).unwrap_or(Value::Null);
    Ok(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": spec, "status": {}}),
    )
}
