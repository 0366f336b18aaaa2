//! `kubectl exec (POD | pod/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]`:
//! runs a command in a running container through its node's kubelet (`pods/exec`),
//! with kubectl's messages: container defaulting, `command terminated with exit code
//! N`, completed pods, containers that are not running. In a script there is no
//! terminal: `-t` prints kubectl's TTY warning and an interactive shell reads nothing.

use super::args::{self, flag, Flag};
use super::logs::default_container;
use super::{server_error, Ctx, Output};
use crate::api::{Kind, Object};

const FLAGS: &[Flag] = &[
    flag("container", Some('c'), true),
    flag("stdin", Some('i'), false),
    flag("tty", Some('t'), false),
    flag("quiet", Some('q'), false),
    flag("filename", Some('f'), true),
    flag("pod-running-timeout", None, true),
];

/// The prompt of an image's interactive shell: busybox and alpine show the working
/// directory, Debian's dash does not.
pub(crate) fn shell_prompt(repository: &str) -> &'static str {
    if matches!(repository, "busybox" | "alpine") {
        "/ # "
    } else {
        "# "
    }
}

/// Whether a command is a bare interactive shell (`sh`, `/bin/bash`).
pub(crate) fn is_interactive_shell(command: &[String]) -> bool {
    matches!(command, [sh] if matches!(sh.rsplit('/').next(), Some("sh" | "bash" | "ash")))
}

/// A stable id for an exec session (runtime error messages show one).
fn exec_id(argv: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::new();
    for round in 0..4u8 {
        for b in argv.iter().flat_map(|a| a.bytes()).chain([round]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let (opts, command) = match argv.iter().position(|a| a == "--") {
        Some(i) => (&argv[..i], argv[i + 1..].to_vec()),
        None => (argv, Vec::new()),
    };
    let a = match args::parse("exec", opts, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let ns = a.get("namespace").unwrap_or(&ctx.namespace).to_string();
    let Some(target) = a.positionals.first() else {
        return Output::err("error: pod, type/name or --filename must be specified\n");
    };
    // kubectl still accepts the old form `exec POD COMMAND` (without `--`).
    let command = if command.is_empty() {
        a.positionals
            .get(1..)
            .map(<[String]>::to_vec)
            .unwrap_or_default()
    } else {
        command
    };
    if command.is_empty() {
        return Output::err("error: you must specify at least one command for the container\n");
    }
    let name = target
        .strip_prefix("pod/")
        .or_else(|| target.strip_prefix("pods/"))
        .unwrap_or(target);
    let pod = match ctx.cluster.api.get(Kind::Pod, &ns, name) {
        Ok(o) => match &*o {
            Object::Pod(p) => p.clone(),
            _ => return Output::err(format!("error: {target} is not a pod\n")),
        },
        Err(e) => return Output::err(server_error(&e)),
    };
    let mut out = Output::default();
    let phase = pod.status.as_ref().map_or("", |s| s.phase.as_str());
    if matches!(phase, "Succeeded" | "Failed") {
        out.stderr.push_str(&format!(
            "error: cannot exec into a container in a completed pod; current phase is {phase}\n"
        ));
        return out;
    }
    let container = match a.get("container") {
        Some(c) => c.to_string(),
        None => {
            let (c, notice) = default_container(&pod);
            if !a.bool("quiet") {
                out.notices.push_str(&notice);
            }
            c
        }
    };
    // `-i` with a bare shell: the terminal attaches to it (the next lines go to the
    // container until `exit`).
    if a.bool("stdin") && is_interactive_shell(&command) {
        let running = pod
            .status
            .as_ref()
            .map(|s| {
                s.container_statuses
                    .iter()
                    .chain(s.init_container_statuses.iter())
                    .any(|c| c.name == container && c.state.running.is_some())
            })
            .unwrap_or(false);
        if !running {
            out.stderr.push_str(&format!(
                "error: unable to upgrade connection: container not found ({container:?})\n"
            ));
            return out;
        }
        let image = pod
            .spec
            .containers
            .iter()
            .chain(pod.spec.init_containers.iter())
            .find(|c| c.name == container)
            .map(|c| c.image.clone())
            .unwrap_or_default();
        let repo = crate::kubelet::images::repository(&image);
        out.attach = Some(super::Attach {
            namespace: ns.clone(),
            pod: name.to_string(),
            container,
            prompt: shell_prompt(repo).to_string(),
            on_exit: super::OnExit::Detach,
        });
        return out;
    }
    if a.bool("tty") {
        out.notices
            .push_str("Unable to use a TTY - input is not a terminal or the right kind of file\n");
    }
    let result = ctx
        .cluster
        .exec_in(&pod.spec.node_name, &ns, name, &container, &command);
    match result {
        Ok(o) => {
            out.stdout.push_str(&o.stdout);
            out.stderr.push_str(&o.stderr);
            if o.code != 0 {
                out.stderr
                    .push_str(&format!("command terminated with exit code {}\n", o.code));
            }
        }
        Err(msg) if msg.starts_with("container not found") => out
            .stderr
            .push_str(&format!("error: unable to upgrade connection: {msg}\n")),
        Err(msg) => out.stderr.push_str(&format!(
            "error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec \"{}\": {msg}\n",
            exec_id(&command)
        )),
    }
    out
}
