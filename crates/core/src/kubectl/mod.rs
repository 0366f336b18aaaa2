//! kubectl: command-line parsing, the commands, and the printers (tables, YAML, JSON,
//! describe), all talking to the cluster only through the API server. [`run`] is the
//! entry point; each command lives in its own module.

pub mod apply;
pub mod args;
pub mod autoscale;
pub mod cordon;
pub mod create;
pub mod create_job;
pub mod delete;
pub mod describe;
pub mod drain;
pub mod edit;
pub mod exec;
pub mod follow;
pub mod get;
pub mod info;
pub mod jsonpath;
pub mod label;
pub mod logs;
pub mod patch;
pub mod printers;
pub mod resources;
pub mod rollout;
pub mod run;
pub mod scale;
pub mod set;
pub mod table;
pub mod taint;
pub mod top;
pub mod yaml;

use crate::apiserver::ApiError;
use crate::sim::Cluster;

/// What a command printed: notices, stdout, then stderr (kubectl prints notices such
/// as `Defaulted container ...` before its results, and its errors after the results
/// it could produce, so the terminal shows them in that order).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    /// stderr lines written before any result (not errors).
    pub notices: String,
    pub stdout: String,
    pub stderr: String,
    /// `kubectl exec -it POD -- sh`: the terminal now talks to this container's shell.
    pub attach: Option<Attach>,
    /// `logs -f`, `get -w`: a stream to keep printing as time passes.
    pub follow: Option<follow::Follow>,
}

/// A container whose interactive shell the terminal is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attach {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The shell's prompt (`/ # ` for busybox and alpine, `# ` for Debian's dash).
    pub prompt: String,
    /// What `exit` does besides detaching.
    pub on_exit: OnExit,
}

/// What leaving an attached shell does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnExit {
    /// `kubectl exec`: nothing.
    Detach,
    /// `kubectl run -it`: kubectl tells how to attach again.
    SessionEnded,
    /// `kubectl run -it --rm`: the pod is deleted.
    Remove,
}

impl Output {
    pub fn out(s: impl Into<String>) -> Output {
        Output {
            stdout: s.into(),
            ..Default::default()
        }
    }
    pub fn err(s: impl Into<String>) -> Output {
        Output {
            stderr: s.into(),
            ..Default::default()
        }
    }
    /// Both streams as the terminal shows them.
    pub fn text(&self) -> String {
        format!("{}{}{}", self.notices, self.stdout, self.stderr)
    }
    pub fn success(&self) -> bool {
        self.stderr.is_empty()
    }
}

/// Everything a command needs: the cluster, the current namespace, and how to read
/// `-f` files and stdin.
pub struct Ctx<'a> {
    pub cluster: &'a mut Cluster,
    /// The context's namespace (`default`).
    pub namespace: String,
    pub read_file: &'a dyn Fn(&str) -> Result<String, String>,
    pub stdin: Option<&'a str>,
}

/// kubectl's commands, for completion and "Did you mean this?".
pub const COMMANDS: &[&str] = &[
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "cordon",
    "cp",
    "create",
    "debug",
    "delete",
    "describe",
    "diff",
    "drain",
    "edit",
    "events",
    "exec",
    "explain",
    "expose",
    "get",
    "kustomize",
    "label",
    "logs",
    "options",
    "patch",
    "plugin",
    "port-forward",
    "proxy",
    "replace",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
    "wait",
];

/// Runs `kubectl ARGS...` against the cluster.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let Some(cmd) = argv.first() else {
        return Output::out("kubectl controls the Kubernetes cluster manager.\n\n Find more information at: https://kubernetes.io/docs/reference/kubectl/\n\nBasic Commands:\n  apply, create, get, describe, delete, api-resources, version, cluster-info\n");
    };
    let rest = &argv[1..];
    match cmd.as_str() {
        "get" => get::run(ctx, rest),
        "describe" => describe::run(ctx, rest),
        "apply" => apply::run_apply(ctx, rest),
        // `create job|cronjob` (create_job.rs); the other generators and `create -f`.
        "create" if create_job::handles(rest) => create_job::run(ctx, rest),
        "create" => create::run(ctx, rest),
        "expose" => create::run_expose(ctx, rest),
        "edit" => edit::run(ctx, rest),
        "delete" => delete::run(ctx, rest),
        "logs" => logs::run(ctx, rest),
        "exec" => exec::run(ctx, rest),
        "run" => run::run(ctx, rest),
        "scale" => scale::run(ctx, rest),
        "autoscale" => autoscale::run(ctx, rest),
        "patch" => patch::run(ctx, rest),
        "set" => set::run(ctx, rest),
        "rollout" => rollout::run(ctx, rest),
        "top" => top::run(ctx, rest),
        "api-resources" => info::api_resources(ctx, rest),
        "version" => info::version(ctx, rest),
        "cluster-info" => info::cluster_info(ctx, rest),
        "label" => label::run_label(ctx, rest),
        "annotate" => label::run_annotate(ctx, rest),
        "taint" => taint::run(ctx, rest),
        "cordon" => cordon::run_cordon(ctx, rest),
        "uncordon" => cordon::run_uncordon(ctx, rest),
        "drain" => drain::run(ctx, rest),
        other if COMMANDS.contains(&other) => Output::err(format!(
            "error: kubectl {other} is not available in Kubeplay yet\n"
        )),
        other => Output::err(unknown_command(other)),
    }
}

/// cobra's message for an unknown command, with its suggestions (Levenshtein distance
/// at most 2, or a prefix match).
pub fn unknown_command(cmd: &str) -> String {
    let suggestions: Vec<&str> = COMMANDS
        .iter()
        .copied()
        .filter(|c| levenshtein(cmd, c) <= 2 || c.starts_with(&cmd.to_ascii_lowercase()))
        .collect();
    let mut s = format!("Error: unknown command {cmd:?} for \"kubectl\"\n");
    if !suggestions.is_empty() {
        s.push_str("\nDid you mean this?\n");
        for c in suggestions {
            s.push_str(&format!("\t{c}\n"));
        }
        s.push('\n');
    }
    s
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_ascii_lowercase().chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// How kubectl prints an API error on its own (`Error from server (NotFound): ...`), or,
/// for Invalid, the per-cause form (`The Deployment "x" is invalid: ...`).
pub fn server_error(e: &ApiError) -> String {
    use crate::apiserver::Reason;
    let detail_causes: Vec<String> = e
        .details
        .as_ref()
        .map(|d| {
            d.causes
                .iter()
                .map(|c| format!(": {}", c.message))
                .collect()
        })
        .unwrap_or_default();
    if e.reason == Reason::Invalid && (!e.causes.is_empty() || !detail_causes.is_empty()) {
        let head = if e.kind.is_empty() && e.name.is_empty() {
            "The request is invalid".to_string()
        } else {
            format!("The {} {:?} is invalid", e.kind, e.name)
        };
        let causes: Vec<String> = e
            .causes
            .0
            .iter()
            .map(|c| c.to_string())
            .chain(detail_causes)
            .collect();
        if causes.len() == 1 {
            return format!("{head}: {}\n", causes[0]);
        }
        let mut s = format!("{head}: \n");
        for c in &causes {
            s.push_str(&format!("* {c}\n"));
        }
        return s;
    }
    format!("Error from server ({}): {}\n", e.reason.as_str(), e.message)
}

/// kubectl's wording for a list the server refused because of its selectors
/// (`Unable to find "/v1, Resource=pods" that match label selector ...`).
pub fn selector_error(kind: crate::api::Kind, labels: &str, fields: &str, why: &str) -> String {
    let i = kind.info();
    let gvr = format!("{}/{}, Resource={}", i.group, i.version, i.plural);
    if labels.is_empty() && fields.is_empty() {
        return format!("Error from server (BadRequest): Unable to list {gvr:?}: {why}\n");
    }
    format!("Error from server (BadRequest): Unable to find {gvr:?} that match label selector {labels:?}, field selector {fields:?}: {why}\n")
}

/// Like [`server_error`] for an error met while writing an object read from `source`
/// (`error when creating "x.yaml": ...`).
pub fn server_error_from(e: &ApiError, verb: &str, source: &str) -> String {
    use crate::apiserver::Reason;
    if e.reason == Reason::Invalid && !e.causes.is_empty() {
        return server_error(e);
    }
    format!(
        "Error from server ({}): error when {verb} {source:?}: {}\n",
        e.reason.as_str(),
        e.message
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_commands_like_cobra() {
        assert_eq!(
            unknown_command("gte"),
            "Error: unknown command \"gte\" for \"kubectl\"\n\nDid you mean this?\n\tget\n\n"
        );
        assert!(unknown_command("foo").contains("\ttop\n"));
        assert_eq!(
            unknown_command("frobnicate"),
            "Error: unknown command \"frobnicate\" for \"kubectl\"\n"
        );
    }
}
