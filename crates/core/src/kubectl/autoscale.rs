//! `kubectl autoscale (TYPE NAME | TYPE/NAME) --max=N [--min=N] [--cpu-percent=N]
//! [--name=NAME]`, as kubectl v1.32 does it: an `autoscaling/v1` HorizontalPodAutoscaler
//! for a Deployment, ReplicaSet, StatefulSet or ReplicationController (`--min` only when
//! above 0, `targetCPUUtilizationPercentage` only when `--cpu-percent` is not negative),
//! printed with `--dry-run=client` or created (`horizontalpodautoscaler.autoscaling/web
//! autoscaled`). The API server stores it as `autoscaling/v2`.

use serde_json::{json, Value};

use super::args::{self, flag, Flag};
use super::label::{self, DryRun};
use super::resources;
use super::{server_error, Ctx, Output};
use crate::api::autoscaling::{hpa_from_v1, HorizontalPodAutoscalerV1};
use crate::api::Kind;

const FLAGS: &[Flag] = &[
    flag("min", None, true),
    flag("max", None, true),
    flag("cpu-percent", None, true),
    flag("name", None, true),
    flag("dry-run", None, true),
    flag("output", Some('o'), true),
    flag("field-manager", None, true),
    flag("save-config", None, false),
    flag("record", None, false),
    flag("filename", Some('f'), true),
    flag("recursive", Some('R'), false),
    flag("allow-missing-template-keys", None, false),
    flag("show-managed-fields", None, false),
    flag("template", None, true),
];

/// An int32 flag as pflag parses it (`-1` when absent).
fn int_flag(a: &args::Args, name: &str) -> Result<i32, String> {
    match a.get(name) {
        None => Ok(-1),
        Some(v) => v.parse::<i32>().map_err(|_| {
            let why = if !v.is_empty()
                && v.strip_prefix(['-', '+']).unwrap_or(v).chars().all(|c| c.is_ascii_digit())
            {
                "value out of range"
            } else {
                "invalid syntax"
            };
            args::usage_error(
                "autoscale",
                &format!("invalid argument {v:?} for \"--{name}\" flag: strconv.ParseInt: parsing {v:?}: {why}"),
            )
        }),
    }
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let argv = label::normalize_optional_values(argv);
    let a = match args::parse("autoscale", &argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    if a.get("max").is_none() {
        return Output::err(args::required_flag_error("max", ctx.cluster.now()));
    }
    let (min, max, cpu) = match (
        int_flag(&a, "min"),
        int_flag(&a, "max"),
        int_flag(&a, "cpu-percent"),
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Output::err(e),
    };
    let dry = match label::dry_run(&a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let format = match label::output_format(a.get("output"), "autoscale") {
        Ok(f) => f,
        Err(e) => return Output::err(e),
    };
    if max < 1 {
        return Output::err(format!(
            "error: --max=MAXPODS is required and must be at least 1, max: {max}\n"
        ));
    }
    if max < min {
        return Output::err(format!(
            "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: {max}, min: {min}\n"
        ));
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
    let mut count = 0;
    'targets: for t in &targets.targets {
        let info = t.kind.info();
        for name in &t.names {
            let target = match ctx.cluster.api.get(t.kind, &ns, name) {
                Ok(o) => o,
                Err(e) => {
                    out.stderr.push_str(&server_error(&e));
                    continue;
                }
            };
            if !matches!(
                t.kind,
                Kind::Deployment
                    | Kind::ReplicaSet
                    | Kind::StatefulSet
                    | Kind::ReplicationController
            ) {
                let group = if info.group.is_empty() {
                    ""
                } else {
                    info.group
                };
                out.stderr.push_str(&format!(
                    "error: cannot autoscale a {}: could not find scale subresource for {group}/{}, Resource={} in discovery information\n",
                    info.kind, info.version, info.plural
                ));
                // The visitor stops at the first error.
                break 'targets;
            }
            let hpa_name = a.get("name").unwrap_or(name).to_string();
            let mut spec = json!({
                "maxReplicas": max,
                "scaleTargetRef": {
                    "apiVersion": info.api_version(),
                    "kind": info.kind,
                    "name": target.meta().name,
                },
            });
            if min > 0 {
                spec["minReplicas"] = json!(min);
            }
            if cpu >= 0 {
                spec["targetCPUUtilizationPercentage"] = json!(cpu);
            }
            let obj: Value = json!({
                "apiVersion": "autoscaling/v1",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"creationTimestamp": null, "name": hpa_name},
                "spec": spec,
                "status": {"currentReplicas": 0, "desiredReplicas": 0},
            });
            let shown = format!("horizontalpodautoscaler.autoscaling/{hpa_name}");
            count += 1;
            if dry == DryRun::Client {
                label::Printer::new(format, dry, false).print(
                    &mut out.stdout,
                    &shown,
                    &obj,
                    "created",
                );
                break 'targets;
            }
            let v1: HorizontalPodAutoscalerV1 = match serde_json::from_value(obj.clone()) {
                Ok(v) => v,
                Err(e) => return Output::err(format!("error: {e}\n")),
            };
            let mut hpa = hpa_from_v1(v1);
            hpa.metadata.namespace = ns.clone();
            hpa.status = None;
            let created = if dry == DryRun::Server {
                match ctx
                    .cluster
                    .api
                    .get(Kind::HorizontalPodAutoscaler, &ns, &hpa_name)
                {
                    Ok(_) => Err(crate::apiserver::ApiError::already_exists(
                        Kind::HorizontalPodAutoscaler,
                        &hpa_name,
                    )),
                    Err(_) => Ok(()),
                }
            } else {
                ctx.cluster
                    .api
                    .create(crate::api::Resource::into_object(hpa))
                    .map(|_| ())
            };
            match created {
                Ok(()) => {
                    let mut shown_obj = obj.clone();
                    shown_obj["metadata"]["namespace"] = json!(ns);
                    label::Printer::new(format, dry, false).print(
                        &mut out.stdout,
                        &shown,
                        &shown_obj,
                        "autoscaled",
                    );
                }
                Err(e) => {
                    out.stderr.push_str(&server_error(&e));
                    break 'targets;
                }
            }
        }
    }
    if count == 0 && out.stderr.is_empty() {
        out.stderr
            .push_str("error: no objects passed to autoscale\n");
    }
    out
}
