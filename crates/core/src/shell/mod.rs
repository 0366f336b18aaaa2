//! The session interpreter shared by `kubeplay run`, `kubeplay shell` and the page's
//! terminal: one command per line (`kubectl ...`, `sleep 30s`), `#` comments and `<<EOF`
//! heredocs. It prints exactly what the in-page terminal shows.

mod node;
mod why;

use std::collections::BTreeMap;

use crate::kubectl::{self, args::split_words, follow::Follow, Ctx};
use crate::sim::{Cluster, ClusterConfig, Millis};

/// Where `-f PATH` reads files from: the disk for the native binary, the editor's tabs
/// in the page.
pub trait Files {
    /// Reads a file, or returns kubectl's error text for a missing one.
    fn read(&self, path: &str) -> Result<String, String>;
}

/// Files held in memory (the page's editor tabs; tests).
#[derive(Default, Clone, Debug)]
pub struct MemoryFiles(pub BTreeMap<String, String>);

impl Files for MemoryFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("error: the path \"{path}\" does not exist"))
    }
}

/// A session: one cluster and the interpreter in front of it.
pub struct Shell {
    pub cluster: Cluster,
    /// Files put by the page (editor tabs); looked up before `files`.
    overlay: MemoryFiles,
    /// Where other `-f` paths are read from.
    pub files: Box<dyn Files>,
    /// The container shell the terminal is attached to (`kubectl exec -it POD -- sh`):
    /// lines go to it until `exit`.
    attached: Option<kubectl::Attach>,
    /// A stream left open (`logs -f`, `get -w`) in live mode.
    following: Option<Follow>,
    /// Live mode (the page): streams stay open and print as [`Shell::tick`] moves the
    /// clock, until [`Shell::interrupt`]. Otherwise (scripts, `kubeplay shell`) a
    /// command that streams runs simulated time until its stream ends.
    live: bool,
}

/// How long a stream runs in a script when nothing ends it and no `timeout` bounds it.
const FOLLOW_CAP_MS: Millis = 3_600_000;
/// The clock step between two looks at a stream.
const FOLLOW_STEP_MS: Millis = 100;

/// One command of a script: the line and its heredoc body, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    /// The line as typed (echoed in transcripts).
    pub typed: String,
    /// The command to run (the heredoc redirection removed).
    pub line: String,
    pub heredoc: Option<String>,
    /// The heredoc's lines as typed (for the transcript), terminator included.
    pub heredoc_echo: Vec<String>,
}

/// Splits a script into commands: skips blank lines and `#` comments, collects heredoc
/// bodies (`<<EOF`, `<<'EOF'`, `<<"EOF"`, `<<-EOF`). An unterminated heredoc runs to the end
/// of the script, as bash does (with a warning line).
pub fn parse_script(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(raw) = lines.next() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut cmd = Command {
            typed: t.to_string(),
            line: t.to_string(),
            heredoc: None,
            heredoc_echo: Vec::new(),
        };
        if let Some(idx) = t.find("<<") {
            let spec = t[idx + 2..].trim();
            let (strip_tabs, spec) = match spec.strip_prefix('-') {
                Some(s) => (true, s.trim()),
                None => (false, spec),
            };
            let word: String = spec
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches(|c| c == '\'' || c == '"')
                .to_string();
            if !word.is_empty() {
                cmd.line = t[..idx].trim_end().to_string();
                let mut body = String::new();
                for l in lines.by_ref() {
                    cmd.heredoc_echo.push(l.to_string());
                    let cmp = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if cmp == word {
                        break;
                    }
                    body.push_str(cmp);
                    body.push('\n');
                }
                cmd.heredoc = Some(body);
            }
        }
        out.push(cmd);
    }
    out
}

/// Parses a duration like Go's `time.ParseDuration` for the units a script needs:
/// `500ms`, `30s`, `5m`, `1h`, `1h30m`, `2.5s`.
pub fn parse_duration(s: &str) -> Option<Millis> {
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * factor;
    }
    if total.is_finite() && (0.0..1e15).contains(&total) {
        Some(total.round() as Millis)
    } else {
        None
    }
}

impl Shell {
    pub fn new(config: ClusterConfig) -> Shell {
        Shell {
            cluster: Cluster::new(config),
            overlay: MemoryFiles::default(),
            files: Box::new(MemoryFiles::default()),
            attached: None,
            following: None,
            live: false,
        }
    }

    /// Live mode: see [`Shell::tick`].
    pub fn set_live(&mut self, live: bool) {
        self.live = live;
    }

    /// A stream is open (the terminal shows its output and waits for Ctrl+C).
    pub fn following(&self) -> bool {
        self.following.is_some()
    }

    /// Live mode: runs the clock `ms` further and returns what the open stream printed.
    pub fn tick(&mut self, ms: Millis) -> String {
        self.cluster.advance(ms);
        let Some(f) = self.following.as_mut() else {
            return String::new();
        };
        let (text, ended) = f.poll(&mut self.cluster);
        if ended {
            if let Some(f) = self.following.take() {
                f.close(&mut self.cluster);
            }
        }
        text
    }

    /// Ctrl+C: closes the open stream.
    pub fn interrupt(&mut self) {
        if let Some(f) = self.following.take() {
            f.close(&mut self.cluster);
        }
    }

    /// Runs simulated time until the stream ends or `limit` passes (without a limit,
    /// after an hour it stops and says so).
    fn drive(&mut self, mut f: Follow, limit: Option<Millis>) -> String {
        let start = self.cluster.now();
        let cap = limit.unwrap_or(FOLLOW_CAP_MS);
        let mut out = String::new();
        loop {
            let (text, ended) = f.poll(&mut self.cluster);
            out.push_str(&text);
            if ended {
                break;
            }
            let waited = self.cluster.now() - start;
            if waited >= cap {
                if limit.is_none() {
                    out.push_str("kubeplay: stopped following after 1h of simulated time; bound a stream with `timeout DURATION kubectl ...`\n");
                }
                break;
            }
            self.cluster.advance(FOLLOW_STEP_MS.min(cap - waited));
        }
        f.close(&mut self.cluster);
        out
    }

    /// The prompt to show: `$ `, or the attached container shell's.
    pub fn prompt(&self) -> &str {
        self.attached.as_ref().map_or("$ ", |a| a.prompt.as_str())
    }

    /// The node a pod is bound to ("" when none or not found).
    fn pod_node(&self, namespace: &str, pod: &str) -> String {
        match self
            .cluster
            .api
            .get(crate::api::Kind::Pod, namespace, pod)
            .ok()
            .as_deref()
        {
            Some(crate::api::Object::Pod(p)) => p.spec.node_name.clone(),
            _ => String::new(),
        }
    }

    /// A line typed into the attached container shell.
    fn container_line(&mut self, a: kubectl::Attach, line: &str) -> String {
        if matches!(line.split_whitespace().next(), Some("exit" | "logout")) {
            if a.on_exit != kubectl::OnExit::Detach {
                // The shell that was reading the terminal ends.
                let node = self.pod_node(&a.namespace, &a.pod);
                let now = self.cluster.now();
                if let Some(k) = self.cluster.kubelet_mut(&node) {
                    k.close_stdin(&a.namespace, &a.pod, &a.container, now);
                }
                self.cluster
                    .wake_component_named(&format!("kubelet/{node}"));
            }
            match a.on_exit {
                kubectl::OnExit::Detach => return String::new(),
                kubectl::OnExit::SessionEnded => {
                    return format!(
                        "Session ended, resume using 'kubectl attach {} -c {} -i -t' command when the pod is running\n",
                        a.pod, a.container
                    )
                }
                kubectl::OnExit::Remove => {}
            }
            let Shell {
                cluster,
                overlay,
                files,
                ..
            } = self;
            let read = |p: &str| match overlay.read(p) {
                Ok(s) => Ok(s),
                Err(_) => files.read(p),
            };
            let mut ctx = kubectl::Ctx {
                cluster,
                namespace: a.namespace.clone(),
                read_file: &read,
                stdin: None,
            };
            let out = kubectl::run::remove(&mut ctx, &a.namespace, &a.pod);
            self.cluster.settle();
            return out;
        }
        self.attached = Some(a.clone());
        let node = match self
            .cluster
            .api
            .get(crate::api::Kind::Pod, &a.namespace, &a.pod)
        {
            Ok(o) => match &*o {
                crate::api::Object::Pod(p) => p.spec.node_name.clone(),
                _ => String::new(),
            },
            Err(_) => String::new(),
        };
        let argv = vec!["sh".to_string(), "-c".to_string(), line.to_string()];
        let out = match self
            .cluster
            .exec_in(&node, &a.namespace, &a.pod, &a.container, &argv)
        {
            Ok(o) => format!("{}{}", o.stdout, o.stderr),
            Err(_) => {
                // The container is gone: the session ends as kubectl's does.
                self.attached = None;
                "command terminated with exit code 137\n".to_string()
            }
        };
        self.cluster.settle();
        out
    }

    /// Makes `content` readable as `-f name` (the page's editor tabs).
    pub fn put_file(&mut self, name: &str, content: &str) {
        self.overlay.0.insert(name.to_string(), content.to_string());
    }

    /// Reads a `-f` path: the page's files first, then `files`.
    pub fn read_file(&self, path: &str) -> Result<String, String> {
        match self.overlay.read(path) {
            Ok(s) => Ok(s),
            Err(_) => self.files.read(path),
        }
    }

    /// Runs one command line; `stdin` is the heredoc body, if any. Returns the output the
    /// terminal shows (stdout, then stderr), exactly as printed: usually ending in a
    /// newline, but not after `-o jsonpath`, as with kubectl.
    pub fn exec(&mut self, line: &str, stdin: Option<&str>) -> String {
        if let Some(a) = self.attached.take() {
            return self.container_line(a, line);
        }
        self.interrupt();
        let words = match split_words(line) {
            Ok(w) => w,
            Err(e) => return format!("syntax error: {e}\n"),
        };
        self.run_words(&words, stdin, None)
    }

    /// Runs one parsed command; `limit` is a `timeout` around it.
    fn run_words(
        &mut self,
        words: &[String],
        stdin: Option<&str>,
        limit: Option<Millis>,
    ) -> String {
        let Some(first) = words.first() else {
            return String::new();
        };
        match first.as_str() {
            "timeout" => {
                let usage = "timeout: usage: timeout DURATION COMMAND [ARG]...\n";
                let (Some(d), true) = (words.get(1), words.len() > 2) else {
                    return usage.to_string();
                };
                let ms = parse_duration(d).or_else(|| {
                    d.parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e12)
                        .map(|s| (s * 1000.0) as Millis)
                });
                match ms {
                    Some(ms) => self.run_words(&words[2..], stdin, Some(ms)),
                    None => format!("timeout: invalid time interval '{d}'\n"),
                }
            }
            "kubectl" => {
                let Shell {
                    cluster,
                    overlay,
                    files,
                    attached,
                    ..
                } = self;
                let read = |p: &str| match overlay.read(p) {
                    Ok(s) => Ok(s),
                    Err(_) => files.read(p),
                };
                let mut ctx = Ctx {
                    cluster,
                    namespace: "default".into(),
                    read_file: &read,
                    stdin,
                };
                let mut out = kubectl::run(&mut ctx, &words[1..]);
                // The cluster's components react to what the command wrote.
                cluster.settle();
                if out.attach.is_some() {
                    *attached = out.attach.clone();
                }
                let text = out.text();
                match out.follow.take() {
                    Some(f) if self.live && limit.is_none() => {
                        self.following = Some(f);
                        text
                    }
                    Some(f) => text + &self.drive(f, limit),
                    None => text,
                }
            }
            "kubeplay" => match words.get(1).map(String::as_str) {
                Some("node") => node::run(&mut self.cluster, &words[2..]),
                Some("why") => why::run(&mut self.cluster, &words[2..]),
                _ => "error: unknown kubeplay command; try: kubeplay node list|add|stop|start|delete, kubeplay why pod NAME\n".to_string(),
            },
            "sleep" => match words.get(1).and_then(|d| parse_duration(d)) {
                Some(ms) if words.len() == 2 => {
                    self.cluster.advance(ms);
                    String::new()
                }
                _ => format!("sleep: invalid time interval '{}'\n", words[1..].join(" ")),
            },
            other => format!("{other}: command not found\n"),
        }
    }

    /// Runs a whole script and returns its transcript: each command echoed as `$ COMMAND`
    /// (heredoc lines echoed after `> `, as a terminal shows them) followed by its output;
    /// output that does not end its line gets a newline, so the next prompt starts afresh.
    pub fn run_script(&mut self, script: &str) -> String {
        let mut out = String::new();
        for cmd in parse_script(script) {
            out.push_str(&format!("{}{}\n", self.prompt(), cmd.typed));
            for l in &cmd.heredoc_echo {
                out.push_str(&format!("> {l}\n"));
            }
            let text = self.exec(&cmd.line, cmd.heredoc.as_deref());
            out.push_str(&text);
            // Output without a final newline (`-o jsonpath`) would run into the next
            // prompt; like zsh, the transcript ends the line for it.
            if !text.is_empty() && !text.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_with_heredocs_and_comments() {
        let cmds = parse_script(
            "# hi\nkubectl get pods\n\nkubectl apply -f - <<EOF\na: 1\nEOF\nsleep 5s\n",
        );
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[1].line, "kubectl apply -f -");
        assert_eq!(cmds[1].heredoc.as_deref(), Some("a: 1\n"));
        assert_eq!(cmds[2].line, "sleep 5s");
        let c = parse_script("cat <<-'END'\n\tx\n\tEND\n");
        assert_eq!(c[0].heredoc.as_deref(), Some("x\n"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("30s"), Some(30_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("2.5s"), Some(2_500));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("x"), None);
    }

    #[test]
    fn sleep_advances_the_clock() {
        let mut sh = Shell::new(ClusterConfig::default());
        let t0 = sh.cluster.now();
        assert_eq!(sh.exec("sleep 30s", None), "");
        assert_eq!(sh.cluster.now() - t0, 30_000);
        assert_eq!(
            sh.exec("sleep soon", None),
            "sleep: invalid time interval 'soon'\n"
        );
        assert_eq!(
            sh.exec("frobnicate", None),
            "frobnicate: command not found\n"
        );
    }
}
