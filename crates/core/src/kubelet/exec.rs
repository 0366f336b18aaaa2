//! `kubectl exec`: a command run in a running container, by the image's shell:
//! `printenv`, `env`, `echo`, `cat`, `ls`, `touch`, `rm`, `mkdir`, `hostname`, `pwd`,
//! `id`, `whoami`, `sleep` (which returns at once), `true`, `false`, `exit`, output
//! redirection (`>`, `>>`) and `sh -c SCRIPT` (with `;`, `&&`, `||` and `$VAR`), over
//! the container's environment and files ([`super::env`]). What a command writes is
//! returned in [`ExecOutput::writes`] for the kubelet to keep (in a volume or the
//! container's own layer). An image without a shell runs nothing (the runtime's
//! "executable file not found"); an unknown command exits 127 in a shell, or fails the
//! same way run directly.

use std::collections::BTreeMap;

use super::images::{run_shell, Exec, Flow};

/// What an exec printed and its exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
    /// Files written (`Some`) or removed (`None`), in order.
    pub writes: Vec<(String, Option<String>)>,
}

/// The container as the command sees it; commands change `files` and `dirs`.
pub struct Sandbox<'a> {
    pub vars: &'a [(String, String)],
    pub files: BTreeMap<String, String>,
    pub dirs: Vec<String>,
    pub hostname: &'a str,
    pub has_shell: bool,
    /// Mount paths of read-only volumes (ConfigMaps, Secrets, `readOnly: true`).
    pub read_only: Vec<String>,
}

impl Sandbox<'_> {
    fn read_only(&self, path: &str) -> bool {
        self.read_only
            .iter()
            .any(|m| path == m || path.starts_with(&format!("{m}/")))
    }

    fn write(&mut self, path: &str, content: Option<String>, out: &mut ExecOutput) {
        match &content {
            Some(c) => {
                self.files.insert(path.to_string(), c.clone());
            }
            None => {
                self.files.remove(path);
            }
        }
        out.writes.push((path.to_string(), content));
    }

    /// The directory a path would be created in exists.
    fn parent_exists(&self, path: &str) -> bool {
        let parent = match path.rsplit_once('/') {
            Some(("", _)) | None => "/",
            Some((p, _)) => p,
        };
        self.dirs.iter().any(|d| d == parent)
            || self
                .files
                .keys()
                .any(|f| f.starts_with(&format!("{parent}/")))
    }
}

fn not_found(cmd: &str) -> String {
    format!("OCI runtime exec failed: exec failed: unable to start container process: exec: \"{cmd}\": executable file not found in $PATH: unknown")
}

/// Runs `argv` in the container; `Err` is the runtime's refusal to start it.
pub fn run(argv: &[String], sb: &mut Sandbox) -> Result<ExecOutput, String> {
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
            | "touch"
            | "rm"
            | "mkdir"
    )
}

fn script(text: &str, sb: &mut Sandbox, out: &mut ExecOutput) -> i32 {
    let vars: BTreeMap<String, String> = sb.vars.iter().cloned().collect();
    let hostname = sb.hostname.to_string();
    let e = Exec {
        argv: &[],
        env: &vars,
        hostname: &hostname,
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

/// A command with its output redirected (`CMD > FILE`, `CMD >> FILE`).
fn command(words: &[&str], sb: &mut Sandbox, out: &mut ExecOutput) -> i32 {
    let Some(i) = words.iter().position(|w| *w == ">" || *w == ">>") else {
        return simple(words, sb, out);
    };
    let Some(path) = words.get(i + 1) else {
        out.stderr
            .push_str("sh: syntax error: unexpected newline\n");
        return 2;
    };
    if !sb.parent_exists(path) {
        out.stderr
            .push_str(&format!("sh: can't create {path}: nonexistent directory\n"));
        return 1;
    }
    if sb.dirs.iter().any(|d| d == path) {
        out.stderr
            .push_str(&format!("sh: can't create {path}: Is a directory\n"));
        return 1;
    }
    if sb.read_only(path) {
        out.stderr
            .push_str(&format!("sh: can't create {path}: Read-only file system\n"));
        return 1;
    }
    let mut inner = ExecOutput::default();
    let code = simple(&words[..i], sb, &mut inner);
    let mut content = if words[i] == ">>" {
        sb.files.get(*path).cloned().unwrap_or_default()
    } else {
        String::new()
    };
    content.push_str(&inner.stdout);
    out.stderr.push_str(&inner.stderr);
    out.writes.append(&mut inner.writes);
    sb.write(path, Some(content), out);
    code
}

fn simple(words: &[&str], sb: &mut Sandbox, out: &mut ExecOutput) -> i32 {
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
        ("touch", paths) => {
            let mut code = 0;
            for p in paths.iter().filter(|p| !p.starts_with('-')) {
                if sb.files.contains_key(*p) || sb.dirs.iter().any(|d| d == p) {
                    continue;
                }
                if !sb.parent_exists(p) {
                    out.stderr
                        .push_str(&format!("touch: {p}: No such file or directory\n"));
                    code = 1;
                    continue;
                }
                if sb.read_only(p) {
                    out.stderr
                        .push_str(&format!("touch: {p}: Read-only file system\n"));
                    code = 1;
                    continue;
                }
                sb.write(p, Some(String::new()), out);
            }
            code
        }
        ("rm", args) => {
            let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
            let mut code = 0;
            for p in args.iter().filter(|p| !p.starts_with('-')) {
                if sb.files.contains_key(*p) && sb.read_only(p) {
                    out.stderr
                        .push_str(&format!("rm: can't remove '{p}': Read-only file system\n"));
                    code = 1;
                } else if sb.files.contains_key(*p) {
                    sb.write(p, None, out);
                } else if sb.dirs.iter().any(|d| d == p) {
                    out.stderr.push_str(&format!("rm: '{p}' is a directory\n"));
                    code = 1;
                } else if !force {
                    out.stderr.push_str(&format!(
                        "rm: can't remove '{p}': No such file or directory\n"
                    ));
                    code = 1;
                }
            }
            code
        }
        ("mkdir", args) => {
            let parents = args.contains(&"-p");
            let mut code = 0;
            for p in args.iter().filter(|p| !p.starts_with('-')) {
                let p = p.trim_end_matches('/');
                if sb.dirs.iter().any(|d| d == p) {
                    if !parents {
                        out.stderr.push_str(&format!(
                            "mkdir: can't create directory '{p}': File exists\n"
                        ));
                        code = 1;
                    }
                    continue;
                }
                if !parents && !sb.parent_exists(p) {
                    out.stderr.push_str(&format!(
                        "mkdir: can't create directory '{p}': No such file or directory\n"
                    ));
                    code = 1;
                    continue;
                }
                // With -p, every missing ancestor too.
                let mut at = String::new();
                for part in p.split('/').filter(|s| !s.is_empty()) {
                    at.push('/');
                    at.push_str(part);
                    if !sb.dirs.contains(&at) {
                        sb.dirs.push(at.clone());
                    }
                }
                // A directory is kept as a marker file the kubelet can store.
                out.writes.push((format!("{p}/"), Some(String::new())));
            }
            code
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
