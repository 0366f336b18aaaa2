//! `kubectl exec`: a command run in a running container, by the image's shell:
//! `printenv`, `env`, `echo`, `cat`, `ls`, `hostname`, `pwd`, `id`, `whoami`, `sleep`
//! (which returns at once), `true`, `false`,
//! `exit` and `sh -c SCRIPT` (with `;`, `&&`, `||` and `$VAR`), over the container's
//! environment and files ([`super::env`]). An image without a shell runs nothing
//! (the runtime's "executable file not found"); an unknown command exits 127 in a
//! shell, or fails the same way run directly.

use std::collections::BTreeMap;

use super::images::{run_shell, Exec, Flow};

/// What an exec printed and its exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// The container as the command sees it.
pub struct Sandbox<'a> {
    pub vars: &'a [(String, String)],
    pub files: &'a BTreeMap<String, String>,
    pub dirs: &'a [String],
    pub hostname: &'a str,
    pub has_shell: bool,
}

fn not_found(cmd: &str) -> String {
    format!("OCI runtime exec failed: exec failed: unable to start container process: exec: \"{cmd}\": executable file not found in $PATH: unknown")
}

/// Runs `argv` in the container; `Err` is the runtime's refusal to start it.
pub fn run(argv: &[String], sb: &Sandbox) -> Result<ExecOutput, String> {
    let mut out = ExecOutput::default();
    let Some(cmd) = argv.first() else {
        return Err(not_found(""));
    };
    if !sb.has_shell || !known(cmd) {
        return Err(not_found(cmd));
    }
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    out.code = command(&words, sb, &mut out);
    Ok(out)
}

fn known(cmd: &str) -> bool {
    matches!(
        cmd.rsplit('/').next().unwrap_or(cmd),
        "sh" | "bash"
            | "ash"
            | "printenv"
            | "env"
            | "echo"
            | "cat"
            | "ls"
            | "hostname"
            | "pwd"
            | "id"
            | "true"
            | "false"
    )
}

fn script(text: &str, sb: &Sandbox, out: &mut ExecOutput) -> i32 {
    let vars: BTreeMap<String, String> = sb.vars.iter().cloned().collect();
    let e = Exec {
        argv: &[],
        env: &vars,
        hostname: sb.hostname,
        started_at: 0,
        stdin: false,
    };
    run_shell(text, &e, |words, status| match words {
        ["exit"] => Flow::Stop(status),
        ["exit", code, ..] => Flow::Stop(code.parse().unwrap_or(2)),
        [w, ..] if known(w) => Flow::Next(command(words, sb, out)),
        [w, ..] => {
            out.stderr.push_str(&format!("sh: {w}: not found\n"));
            Flow::Next(127)
        }
        [] => Flow::Next(status),
    })
}

fn command(words: &[&str], sb: &Sandbox, out: &mut ExecOutput) -> i32 {
    let Some((cmd, args)) = words.split_first() else {
        return 0;
    };
    match (cmd.rsplit('/').next().unwrap_or(cmd), args) {
        ("sh" | "bash" | "ash", ["-c", text, ..]) => script(text, sb, out),
        ("sh" | "bash" | "ash", _) => 0,
        ("printenv" | "env", []) => {
            for (k, v) in sb.vars {
                out.stdout.push_str(&format!("{k}={v}\n"));
            }
            0
        }
        ("printenv", names) => {
            let mut code = 0;
            for n in names {
                match sb.vars.iter().find(|(k, _)| k == n) {
                    Some((_, v)) => out.stdout.push_str(&format!("{v}\n")),
                    None => code = 1,
                }
            }
            code
        }
        ("echo", args) => {
            out.stdout.push_str(&args.join(" "));
            out.stdout.push('\n');
            0
        }
        ("cat", paths) => {
            let mut code = 0;
            for p in paths {
                match sb.files.get(*p) {
                    Some(c) => out.stdout.push_str(c),
                    None if sb.dirs.iter().any(|d| d == p) => {
                        out.stderr.push_str("cat: read error: Is a directory\n");
                        code = 1;
                    }
                    None => {
                        out.stderr.push_str(&format!(
                            "cat: can't open '{p}': No such file or directory\n"
                        ));
                        code = 1;
                    }
                }
            }
            code
        }
        ("ls", args) => {
            let dir = args
                .iter()
                .find(|a| !a.starts_with('-'))
                .map_or("/", |d| d.trim_end_matches('/'));
            let dir = if dir.is_empty() { "/" } else { dir };
            if sb.files.contains_key(dir) {
                out.stdout.push_str(&format!("{dir}\n"));
                return 0;
            }
            let prefix = if dir == "/" {
                "/".to_string()
            } else {
                format!("{dir}/")
            };
            let mut names: Vec<String> = sb
                .files
                .keys()
                .map(String::as_str)
                .chain(sb.dirs.iter().map(String::as_str))
                .filter_map(|p| p.strip_prefix(prefix.as_str()))
                .filter(|r| !r.is_empty())
                .map(|r| r.split('/').next().unwrap_or(r).to_string())
                .collect();
            names.sort();
            names.dedup();
            if names.is_empty() && !sb.dirs.iter().any(|d| d == dir) {
                out.stderr
                    .push_str(&format!("ls: {dir}: No such file or directory\n"));
                return 1;
            }
            for n in names {
                out.stdout.push_str(&format!("{n}\n"));
            }
            0
        }
        ("hostname", _) => {
            out.stdout.push_str(&format!("{}\n", sb.hostname));
            0
        }
        ("pwd", _) => {
            out.stdout.push_str("/\n");
            0
        }
        ("id", _) => {
            out.stdout
                .push_str("uid=0(root) gid=0(root) groups=0(root),10(wheel)\n");
            0
        }
        ("whoami", _) => {
            out.stdout.push_str("root\n");
            0
        }
        // A command's own time does not pass in an exec: it returns at once.
        ("sleep", [_, ..]) => 0,
        ("sleep", []) => {
            out.stderr.push_str("sleep: missing operand\n");
            1
        }
        ("true", _) => 0,
        ("false", _) => 1,
        _ => 127,
    }
}
