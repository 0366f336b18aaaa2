//! The simulated images. Kubeplay runs no real containers: an image is an entry in a
//! catalogue keyed by repository (`nginx`, `busybox`, `hashicorp/http-echo`), whatever
//! the registry host or tag, giving what the runtime needs to play it: its size (pull
//! time), its ENTRYPOINT and CMD (which a container's `command` and `args` override, as
//! Docker does), whether it is already on every node (the seeds' locally built
//! `flask-app`), and how a process started from it behaves ([`Process`]).
//!
//! Adding an image is one [`Image`] value passed to [`Catalogue::register`]; the
//! built-in ones are in [`Catalogue::builtin`].

use std::collections::BTreeMap;

use crate::sim::Millis;

/// What a container's main process does once started.
#[derive(Clone, Debug, Default)]
pub struct Process {
    /// When it exits by itself (ms after start) and with which code; None: it runs
    /// until stopped.
    pub exit: Option<(Millis, i32)>,
    /// A process that ignores SIGTERM (a shell running as PID 1) is only stopped by
    /// SIGKILL at the end of the grace period; others exit promptly with code 0.
    pub ignores_sigterm: bool,
    /// What it writes to stdout and stderr, at ms after start.
    pub logs: Vec<(Millis, String)>,
    /// Lines it writes again and again (a `while true` loop): from `start` ms after
    /// start, every `period` ms.
    pub repeat: Option<Repeat>,
    /// Files it creates (`Some(content)`) or removes (`None`), at ms after start.
    pub files: Vec<(Millis, String, Option<String>)>,
    /// The TCP ports it listens on.
    pub ports: Vec<i32>,
    /// Its HTTP answer (status code) for a path, on its first port.
    pub http: Option<fn(&str) -> u16>,
    /// Memory it uses, in bytes (over the container's limit: OOMKilled).
    pub memory_bytes: i64,
    /// CPU it would use if nothing held it back, in millicores (1000 per busy
    /// thread); the kubelet throttles it at the container's CPU limit.
    pub cpu_millicores: i64,
}

/// Log lines written in a loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeat {
    pub start: Millis,
    pub period: Millis,
    pub lines: Vec<String>,
}

impl Process {
    /// A server: runs until stopped, exits on SIGTERM.
    pub fn serve(logs: Vec<(Millis, String)>) -> Process {
        Process {
            logs,
            ..Default::default()
        }
    }

    /// A server listening on `port`, answering HTTP with `http`.
    pub fn http_server(port: i32, http: fn(&str) -> u16, logs: Vec<(Millis, String)>) -> Process {
        Process {
            ports: vec![port],
            http: Some(http),
            ..Process::serve(logs)
        }
    }

    /// The same process with its idle usage: `cpu_millicores` and `memory_bytes`.
    pub fn using(self, cpu_millicores: i64, memory_bytes: i64) -> Process {
        Process {
            cpu_millicores,
            memory_bytes,
            ..self
        }
    }

    /// A server listening on `port` (not HTTP).
    pub fn tcp_server(port: i32, logs: Vec<(Millis, String)>) -> Process {
        Process {
            ports: vec![port],
            ..Process::serve(logs)
        }
    }
}

/// A web server's static site: `/` and `/index.html`, 404 elsewhere.
fn static_site(path: &str) -> u16 {
    match path {
        "" | "/" | "/index.html" => 200,
        _ => 404,
    }
}

/// Answers every path.
fn any_path(_: &str) -> u16 {
    200
}

/// What a process is started with: its argv (ENTRYPOINT/CMD after the manifest's
/// overrides), its environment, its hostname (the pod's name) and when it starts
/// (for the timestamps servers print).
pub struct Exec<'a> {
    pub argv: &'a [String],
    pub env: &'a BTreeMap<String, String>,
    pub hostname: &'a str,
    pub started_at: Millis,
    /// The container keeps stdin open (`stdin: true`): a shell waits for input.
    pub stdin: bool,
}

/// One simulated image.
#[derive(Clone, Debug)]
pub struct Image {
    /// The repository without registry host or tag: `nginx`, `hashicorp/http-echo`.
    pub repository: &'static str,
    /// The compressed size in bytes (what the kubelet reports after a pull).
    pub size_bytes: i64,
    pub entrypoint: &'static [&'static str],
    pub cmd: &'static [&'static str],
    /// On every node's image cache from the start (built locally, as the seeds do).
    pub preloaded: bool,
    /// Has `/bin/sh` (images built `FROM scratch` do not), for `kubectl exec`.
    pub shell: bool,
    /// How a process behaves.
    pub behave: fn(&Exec) -> Process,
}

fn serve(_: &Exec) -> Process {
    Process::serve(Vec::new())
}

/// `YYYY/MM/DD HH:MM:SS` (nginx's and the Go log package's timestamps).
fn slash_time(ms: Millis) -> String {
    let t = crate::api::meta::Time(ms).to_string(); // 2025-01-01T00:00:04Z
    let (date, time) = t.split_once('T').unwrap_or((&t, ""));
    format!("{} {}", date.replace('-', "/"), time.trim_end_matches('Z'))
}

/// nginx: the official image's entrypoint messages, then nginx's start notices.
fn nginx(e: &Exec) -> Process {
    let ts = slash_time(e.started_at);
    let mut logs: Vec<(Millis, String)> = [
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
        "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
    ]
    .iter()
    .map(|l| (0, l.to_string()))
    .collect();
    for n in [
        "using the \"epoll\" event method",
        "nginx/1.27.3",
        "built by gcc 12.2.0 (Debian 12.2.0-14) ",
        "OS: Linux 6.8.0",
        "getrlimit(RLIMIT_NOFILE): 1048576:1048576",
        "start worker processes",
        "start worker process 29",
        "start worker process 30",
    ] {
        logs.push((0, format!("{ts} [notice] 1#1: {n}")));
    }
    Process::http_server(80, static_site, logs).using(0, 3_200 * KIB)
}

/// hashicorp/http-echo: answers every path on `-listen` (`:5678` by default).
fn http_echo(e: &Exec) -> Process {
    let port = e
        .argv
        .iter()
        .find_map(|a| {
            a.strip_prefix("-listen=")
                .or_else(|| a.strip_prefix("--listen="))
        })
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(5678);
    let ts = slash_time(e.started_at);
    Process::http_server(
        port,
        any_path,
        vec![(0, format!("{ts} [INFO] server is listening on :{port}"))],
    )
    .using(1, 2_600 * KIB)
}

fn httpd(_: &Exec) -> Process {
    Process::http_server(80, static_site, Vec::new()).using(1, 9_800 * KIB)
}

/// registry.k8s.io/hpa-example, the HPA walkthrough's php-apache: Apache on port 80,
/// whose `index.php` burns CPU for each request and answers `OK!`. Its CPU under load
/// comes from request traffic, which the simulated network will carry; until then it
/// idles at 1m (its start-up logs are left out).
fn hpa_example(_: &Exec) -> Process {
    Process::http_server(80, any_path, Vec::new()).using(1, 12 * MIB)
}

fn redis(_: &Exec) -> Process {
    Process::tcp_server(
        6379,
        vec![(
            0,
            "1:M 01 Jan 2025 00:00:00.000 * Ready to accept connections tcp".to_string(),
        )],
    )
    .using(2, 3_400 * KIB)
}

/// The seeds' Flask app on port 5000.
fn flask_app(_: &Exec) -> Process {
    Process::http_server(
        5000,
        static_site,
        [
            " * Serving Flask app 'app'",
            " * Debug mode: off",
            "WARNING: This is a development server. Do not use it in a production deployment. Use a production WSGI server instead.",
            " * Running on all addresses (0.0.0.0)",
            " * Running on http://127.0.0.1:5000",
            "Press CTRL+C to quit",
        ]
        .iter()
        .map(|l| (0, l.to_string()))
        .collect(),
    )
    .using(1, 22_500 * KIB)
}

/// agnhost: `netexec` (HTTP on 8080), `serve-hostname` (HTTP on 9376), else pauses.
fn agnhost(e: &Exec) -> Process {
    match e
        .argv
        .iter()
        .map(String::as_str)
        .find(|a| !a.starts_with('/') && !a.starts_with('-'))
    {
        Some("netexec") => Process::http_server(8080, any_path, Vec::new()).using(1, 10_300 * KIB),
        Some("serve-hostname") => {
            Process::http_server(9376, any_path, Vec::new()).using(1, 6_100 * KIB)
        }
        _ => Process::serve(Vec::new()).using(0, 1_900 * KIB),
    }
}

/// Parses a size like `250M`, `1G`, `512k` (bytes without a suffix) as stress does.
fn stress_bytes(s: &str) -> Option<i64> {
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<i64>().ok().map(|n| n.saturating_mul(mult))
}

/// polinux/stress: `stress --cpu N --vm M --vm-bytes SIZE [--vm-hang S]`: N busy
/// threads, and M workers each holding SIZE of memory (busy too, unless they hang
/// between allocations).
fn stress(e: &Exec) -> Process {
    let arg = |name: &str| {
        e.argv
            .iter()
            .position(|a| a == name)
            .and_then(|i| e.argv.get(i + 1))
    };
    let count = |name: &str| -> i64 { arg(name).and_then(|v| v.parse().ok()).unwrap_or(0) };
    let (cpus, workers) = (count("--cpu"), count("--vm"));
    let bytes = arg("--vm-bytes")
        .and_then(|v| stress_bytes(v))
        .unwrap_or(256 << 20);
    let busy_vm = if arg("--vm-hang").is_some() {
        0
    } else {
        workers
    };
    Process {
        logs: vec![(
            0,
            format!("stress: info: [1] dispatching hogs: {cpus} cpu, 0 io, {workers} vm, 0 hdd"),
        )],
        ..Process::serve(Vec::new())
    }
    .using(
        cpus.saturating_add(busy_vm).saturating_mul(1000),
        workers.saturating_mul(bytes).saturating_add(700 * KIB),
    )
}

/// vish/stress (the docs' CPU example): `-cpus N` keeps N threads busy.
fn vish_stress(e: &Exec) -> Process {
    let cpus: i64 = e
        .argv
        .iter()
        .position(|a| a == "-cpus" || a == "--cpus")
        .and_then(|i| e.argv.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Process::serve(Vec::new()).using(cpus.saturating_mul(1000), 1_100 * KIB)
}

/// The images' shells (busybox, alpine): `sh -c SCRIPT` runs the script, other
/// commands run as a one-line script; a bare `sh` without a terminal exits at once.
fn shell_image(e: &Exec) -> Process {
    let argv: Vec<&str> = e.argv.iter().map(String::as_str).collect();
    match argv.as_slice() {
        [sh, "-c", script, ..] if is_shell(sh) => run_script(script, e),
        [sh] | [sh, "-i"] if is_shell(sh) && e.stdin => Process {
            ignores_sigterm: true,
            ..Default::default()
        },
        [sh] if is_shell(sh) => run_script("", e),
        [] => run_script("", e),
        words => run_script(&words.join(" "), e),
    }
}

fn is_shell(s: &str) -> bool {
    matches!(
        s,
        "sh" | "/bin/sh" | "bash" | "/bin/bash" | "ash" | "/bin/ash"
    )
}

/// Parses a duration argument of `sleep` (`5`, `0.5`, `2m`, `infinity`) in ms.
fn sleep_ms(arg: &str) -> Option<Millis> {
    if arg == "infinity" {
        return None;
    }
    let (num, unit) = match arg.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => arg.split_at(i),
        None => (arg, "s"),
    };
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return Some(0),
    };
    Some((n * mult) as Millis)
}

/// `$VAR` and `${VAR}` from the environment (`$HOSTNAME` is the pod's name).
pub(crate) fn expand(word: &str, e: &Exec) -> String {
    let mut out = String::new();
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let braced = chars.peek() == Some(&'{');
        if braced {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphanumeric() || n == '_' {
                name.push(n);
                chars.next();
            } else {
                break;
            }
        }
        if braced && chars.peek() == Some(&'}') {
            chars.next();
        }
        if name.is_empty() {
            out.push('$');
        } else if name == "HOSTNAME" {
            out.push_str(e.env.get("HOSTNAME").map_or(e.hostname, String::as_str));
        } else if let Some(v) = e.env.get(&name) {
            out.push_str(v);
        }
    }
    out
}

/// Runs a shell script far enough to know what it prints, when and how it exits:
/// `echo`, `exit N`, `sleep`, `true`/`false`, `;`, `&&`, `||`, newlines, `$VAR`, and
/// `while true; do ...; done` loops (whose body repeats forever); busybox's other small
/// commands succeed, unknown commands print `sh: NAME: not found` and exit 127.
pub fn run_script(script: &str, e: &Exec) -> Process {
    let mut p = Process {
        ignores_sigterm: true,
        memory_bytes: 300 * KIB,
        ..Default::default()
    };
    // `while true; do BODY; done`: what comes before runs once, the body forever.
    let (head, body) = match script.find("while true").or_else(|| script.find("while :")) {
        Some(i) => {
            let rest = &script[i..];
            let body = rest
                .split_once("do")
                .map(|(_, b)| b.rsplit_once("done").map_or(b, |(b, _)| b))
                .unwrap_or("");
            (&script[..i], Some(body))
        }
        None => (script, None),
    };
    let mut elapsed: Millis = 0;
    let status = run_statements(
        head,
        e,
        &mut elapsed,
        &mut p.logs,
        &mut p.files,
        &mut p.exit,
    );
    if p.exit.is_some() {
        return p;
    }
    if let Some(body) = body {
        let mut t = 0;
        let mut lines = Vec::new();
        let mut exit = None;
        let mut body_files = Vec::new();
        run_statements(body, e, &mut t, &mut lines, &mut body_files, &mut exit);
        if let Some((at, code)) = exit {
            p.logs.extend(
                lines
                    .into_iter()
                    .map(|(d, l)| (elapsed.saturating_add(d), l)),
            );
            p.exit = Some((elapsed.saturating_add(at), code));
            return p;
        }
        if t == 0 {
            // A loop that never sleeps keeps one CPU busy.
            p.cpu_millicores = 1000;
        }
        if t > 0 || lines.is_empty() {
            p.repeat = Some(Repeat {
                start: elapsed,
                period: t.max(1),
                lines: lines.into_iter().map(|(_, l)| l).collect(),
            });
        }
        return p;
    }
    if p.exit.is_none() {
        p.exit = Some((elapsed, status));
    }
    p
}

/// What a shell command does to the rest of its script.
pub(crate) enum Flow {
    /// Go on; the command's exit status.
    Next(i32),
    /// The script ends here with this status (`exit`, or a command that never
    /// returns).
    Stop(i32),
}

/// The shell's control flow over a script: statements in order, `&&` and `||` by the
/// last status, words split with quotes and `$VAR` expanded from `e`; `run` does each
/// command (given the status so far). Returns the script's exit status.
pub(crate) fn run_shell(script: &str, e: &Exec, mut run: impl FnMut(&[&str], i32) -> Flow) -> i32 {
    let mut status = 0;
    let mut skip = false;
    for (stmt, op) in statements(script) {
        if !skip {
            let words: Vec<String> = split_quoted(&stmt).iter().map(|w| expand(w, e)).collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            if !words.is_empty() {
                match run(&words, status) {
                    Flow::Next(s) => status = s,
                    Flow::Stop(s) => return s,
                }
            }
        }
        skip = match op {
            "&&" => status != 0,
            "||" => status == 0,
            _ => false,
        };
    }
    status
}

/// Runs statements for their timing and effects: output lines, file writes, `sleep`,
/// `exit` (which sets `exit`). `sleep infinity` stops the script with the process
/// still running (`elapsed` pushed out of reach).
fn run_statements(
    script: &str,
    e: &Exec,
    elapsed: &mut Millis,
    logs: &mut Vec<(Millis, String)>,
    files: &mut Vec<(Millis, String, Option<String>)>,
    exit: &mut Option<(Millis, i32)>,
) -> i32 {
    run_shell(script, e, |words, status| match words {
        ["exit"] => {
            *exit = Some((*elapsed, status));
            Flow::Stop(status)
        }
        ["exit", code, ..] => {
            let code = code.parse().unwrap_or(2);
            *exit = Some((*elapsed, code));
            Flow::Stop(code)
        }
        ["sleep", arg, ..] => match sleep_ms(arg) {
            Some(ms) => {
                *elapsed = elapsed.saturating_add(ms).min(Millis::MAX / 4);
                Flow::Next(0)
            }
            None => {
                *elapsed = Millis::MAX / 4;
                Flow::Stop(0)
            }
        },
        ["echo", rest @ ..] => {
            let rest = match rest {
                ["-n", r @ ..] => r,
                r => r,
            };
            match rest.iter().position(|w| *w == ">" || *w == ">>") {
                Some(i) => {
                    if let Some(path) = rest.get(i + 1) {
                        let text = rest.get(..i).unwrap_or_default().join(" ");
                        files.push((*elapsed, path.to_string(), Some(format!("{text}\n"))));
                    }
                }
                None => logs.push((*elapsed, rest.join(" "))),
            }
            Flow::Next(0)
        }
        ["touch", paths @ ..] => {
            for p in paths {
                files.push((*elapsed, p.to_string(), Some(String::new())));
            }
            Flow::Next(0)
        }
        ["rm", paths @ ..] => {
            for p in paths.iter().filter(|p| !p.starts_with('-')) {
                files.push((*elapsed, p.to_string(), None));
            }
            Flow::Next(0)
        }
        ["hostname", ..] => {
            logs.push((*elapsed, e.hostname.to_string()));
            Flow::Next(0)
        }
        ["date"] => {
            logs.push((
                *elapsed,
                busybox_date(e.started_at.saturating_add(*elapsed)),
            ));
            Flow::Next(0)
        }
        ["printenv", var] => match e.env.get(*var) {
            Some(v) => {
                logs.push((*elapsed, v.clone()));
                Flow::Next(0)
            }
            None => Flow::Next(1),
        },
        ["false", ..] => Flow::Next(1),
        [w, ..] if is_builtin(w) => Flow::Next(0),
        [w, ..] => {
            logs.push((*elapsed, format!("sh: {w}: not found")));
            Flow::Next(127)
        }
        [] => Flow::Next(status),
    })
}

/// busybox `date` in UTC: `Wed Jan  1 00:01:01 UTC 2025`.
fn busybox_date(ms: Millis) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let t = secs.rem_euclid(86_400);
    let (y, m, d) = crate::api::cron::civil_from_days(days);
    format!(
        "{} {} {d:>2} {:02}:{:02}:{:02} UTC {y}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// Splits a statement into words, honouring single and double quotes.
pub(crate) fn split_quoted(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut has = false;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                has = true;
            }
            (None, c) if c.is_whitespace() => {
                if has || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if has || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn is_builtin(w: &str) -> bool {
    matches!(
        w,
        "true"
            | "printf"
            | "env"
            | "cat"
            | "ls"
            | "date"
            | "wget"
            | "nslookup"
            | "touch"
            | "mkdir"
            | "rm"
            | "cp"
            | "mv"
            | "grep"
            | "head"
            | "tail"
            | "wc"
            | "id"
            | "pwd"
            | "cd"
            | "export"
            | "set"
            | "trap"
            | ":"
    )
}

/// Splits a script into statements with the operator that follows each (`;`, `&&`,
/// `||`, newline as `;`), keeping quoted text together.
pub(crate) fn statements(script: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, ';' | '\n') => out.push((std::mem::take(&mut cur), ";")),
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                out.push((std::mem::take(&mut cur), "&&"));
            }
            (None, '|') if chars.peek() == Some(&'|') => {
                chars.next();
                out.push((std::mem::take(&mut cur), "||"));
            }
            (None, c) => cur.push(c),
        }
    }
    out.push((cur, ";"));
    unroll_for(out)
}

/// `for NAME in WORDS; do BODY; done` as the statements it runs: BODY once per word
/// (`$(seq A B)` counts), with `$NAME` and `${NAME}` replaced by the word.
fn unroll_for(stmts: Vec<(String, &'static str)>) -> Vec<(String, &'static str)> {
    if !stmts
        .iter()
        .any(|(s, _)| s.trim_start().starts_with("for "))
    {
        return stmts;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < stmts.len() {
        let head = stmts[i].0.trim();
        let Some((name, list)) = head
            .strip_prefix("for ")
            .and_then(|r| r.split_once(" in "))
            .map(|(n, l)| (n.trim().to_string(), l.trim().to_string()))
        else {
            out.push(stmts[i].clone());
            i += 1;
            continue;
        };
        // The body: from `do` to the matching `done`.
        let mut body: Vec<(String, &'static str)> = Vec::new();
        let mut depth = 0;
        let mut j = i + 1;
        let mut after = ";";
        while j < stmts.len() {
            let (text, op) = &stmts[j];
            let t = text.trim();
            if t.starts_with("for ") {
                depth += 1;
            }
            if t == "done" {
                if depth == 0 {
                    after = op;
                    break;
                }
                depth -= 1;
            }
            let t = if j == i + 1 {
                t.strip_prefix("do").map(str::trim_start).unwrap_or(t)
            } else {
                t
            };
            if !t.is_empty() {
                body.push((t.to_string(), op));
            }
            j += 1;
        }
        for word in for_words(&list) {
            let round = body
                .iter()
                .map(|(text, op)| (substitute(text, &name, &word), *op))
                .collect();
            out.extend(unroll_for(round));
        }
        if let Some(last) = out.last_mut() {
            last.1 = after;
        }
        i = j + 1;
    }
    out
}

/// The words a `for` loops over: plain words and `$(seq [FIRST] LAST)`.
fn for_words(list: &str) -> Vec<String> {
    let list = list.trim();
    if let Some(inner) = list
        .strip_prefix("$(seq ")
        .and_then(|r| r.strip_suffix(')'))
    {
        let nums: Vec<i64> = inner
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        let (first, last) = match nums.as_slice() {
            [last] => (1, *last),
            [first, last, ..] => (*first, *last),
            [] => (1, 0),
        };
        // A loop that long would not be typed into a manifest; keep it bounded.
        return (first..=last).take(10_000).map(|n| n.to_string()).collect();
    }
    list.split_whitespace().map(str::to_string).collect()
}

/// `$NAME` and `${NAME}` replaced by `value`.
fn substitute(text: &str, name: &str, value: &str) -> String {
    let braced = text.replace(&format!("${{{name}}}"), value);
    let plain = format!("${name}");
    let mut out = String::new();
    let mut rest = braced.as_str();
    while let Some(at) = rest.find(&plain) {
        let after = &rest[at + plain.len()..];
        let continues = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if continues { &plain } else { value });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// perl (the docs' `pi` Job): `perl -Mbignum=bpi -wle 'print bpi(N)'` prints pi to N
/// significant digits (rounded, as Math::BigFloat does) after computing for a while
/// (about 7 s for 2,000 digits, growing with the square of N); other perl programs exit
/// at once; shell commands run as in busybox.
fn perl(e: &Exec) -> Process {
    let argv: Vec<&str> = e.argv.iter().map(String::as_str).collect();
    let is_perl = |s: &str| s == "perl" || s.starts_with("perl5") || s.ends_with("/perl");
    match argv.first() {
        Some(p) if is_perl(p) => {}
        _ => return shell_image(e),
    }
    let bignum = argv.iter().any(|a| a.starts_with("-Mbignum"));
    let program = argv
        .iter()
        .position(|a| a.starts_with('-') && a.ends_with('e'))
        .and_then(|i| argv.get(i + 1))
        .copied()
        .unwrap_or("");
    let digits = program
        .trim()
        .trim_end_matches(';')
        .strip_prefix("print bpi(")
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|n| bignum && (1..=20_000).contains(n));
    match digits {
        Some(n) => {
            let secs = 7.0 * (n as f64 / 2000.0).powi(2);
            let after = ((secs * 1000.0) as Millis).max(50);
            Process {
                exit: Some((after, 0)),
                logs: vec![(after, pi_digits(n))],
                ..Default::default()
            }
        }
        None => Process {
            exit: Some((50, 0)),
            ..Default::default()
        },
    }
}

/// Pi to `n` significant digits, rounded half up (`3.14159...`), by Machin's formula
/// over base-10^9 fixed-point numbers.
pub fn pi_digits(n: usize) -> String {
    const BASE: u64 = 1_000_000_000;
    let limbs = (n + 20) / 9 + 2;
    // Fixed point: limb 0 holds the integer part.
    fn div(a: &mut [u64], d: u64) {
        let mut rem = 0u64;
        for x in a.iter_mut() {
            let cur = rem * BASE + *x;
            *x = cur / d;
            rem = cur % d;
        }
    }
    fn add(a: &mut [u64], b: &[u64]) {
        let mut carry = 0;
        for i in (0..a.len()).rev() {
            let s = a[i] + b[i] + carry;
            a[i] = s % BASE;
            carry = s / BASE;
        }
    }
    fn sub(a: &mut [u64], b: &[u64]) {
        let mut borrow = 0i64;
        for i in (0..a.len()).rev() {
            let mut s = a[i] as i64 - b[i] as i64 - borrow;
            borrow = 0;
            if s < 0 {
                s += BASE as i64;
                borrow = 1;
            }
            a[i] = s as u64;
        }
    }
    fn is_zero(a: &[u64]) -> bool {
        a.iter().all(|x| *x == 0)
    }
    // arctan(1/x) * mult
    let arctan = |x: u64, mult: u64| -> Vec<u64> {
        let mut sum = vec![0u64; limbs];
        let mut term = vec![0u64; limbs];
        term[0] = mult;
        div(&mut term, x);
        let mut k = 1u64;
        let mut positive = true;
        let mut t = term.clone();
        while !is_zero(&term) {
            t.copy_from_slice(&term);
            div(&mut t, k);
            if positive {
                add(&mut sum, &t);
            } else {
                sub(&mut sum, &t);
            }
            positive = !positive;
            div(&mut term, x * x);
            k += 2;
        }
        sum
    };
    let mut pi = arctan(5, 16);
    let b = arctan(239, 4);
    sub(&mut pi, &b);
    let mut digits = pi[0].to_string();
    for x in &pi[1..] {
        digits.push_str(&format!("{x:09}"));
    }
    // Round to n significant digits (the integer part is the single digit 3).
    let mut d: Vec<u8> = digits.bytes().take(n + 1).map(|b| b - b'0').collect();
    let round_up = d.len() > n && d[n] >= 5;
    d.truncate(n);
    if round_up {
        let mut i = n;
        while i > 0 {
            i -= 1;
            if d[i] == 9 {
                d[i] = 0;
            } else {
                d[i] += 1;
                break;
            }
        }
    }
    let mut s = String::with_capacity(n + 1);
    for (i, x) in d.iter().enumerate() {
        if i == 1 {
            s.push('.');
        }
        s.push((b'0' + x) as char);
    }
    s
}

/// postgres: refuses to start without a superuser password, as the real entrypoint.
fn postgres(e: &Exec) -> Process {
    let has = |k: &str| e.env.get(k).is_some_and(|v| !v.is_empty());
    let trust = e
        .env
        .get("POSTGRES_HOST_AUTH_METHOD")
        .is_some_and(|v| v == "trust");
    if has("POSTGRES_PASSWORD") || trust {
        return Process::tcp_server(5432, Vec::new()).using(4, 38 * MIB);
    }
    exits_with_message(
        200,
        1,
        "Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".

       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about \"trust\":
       https://www.postgresql.org/docs/current/auth-trust.html",
    )
}

/// Prints `message` (line by line) and exits with `code` after `after` ms.
fn exits_with_message(after: Millis, code: i32, message: &str) -> Process {
    Process {
        exit: Some((after, code)),
        logs: message.lines().map(|l| (after, l.to_string())).collect(),
        ..Default::default()
    }
}

/// mysql: needs one of its root password variables, as the real entrypoint.
fn mysql(e: &Exec) -> Process {
    let set = |k: &str| e.env.contains_key(k);
    if set("MYSQL_ROOT_PASSWORD")
        || set("MYSQL_ALLOW_EMPTY_PASSWORD")
        || set("MYSQL_RANDOM_ROOT_PASSWORD")
    {
        return Process::tcp_server(3306, Vec::new()).using(6, 372 * MIB);
    }
    exits_with_message(
        300,
        1,
        "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified
    You need to specify one of the following as an environment variable:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD",
    )
}

/// The image catalogue.
#[derive(Clone, Debug)]
pub struct Catalogue {
    images: BTreeMap<&'static str, Image>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue::builtin()
    }
}

const MB: i64 = 1_000_000;
const KIB: i64 = 1 << 10;
const MIB: i64 = 1 << 20;

impl Catalogue {
    /// The built-in images.
    pub fn builtin() -> Catalogue {
        let mut c = Catalogue {
            images: BTreeMap::new(),
        };
        let img = |repository, size_bytes, entrypoint, cmd, behave| Image {
            repository,
            size_bytes,
            entrypoint,
            cmd,
            preloaded: false,
            shell: true,
            behave,
        };
        let sh: &[&str] = &["sh"];
        for i in [
            img(
                "nginx",
                72 * MB,
                &["/docker-entrypoint.sh"],
                &["nginx", "-g", "daemon off;"],
                nginx,
            ),
            img("httpd", 58 * MB, &[], &["httpd-foreground"], httpd),
            img("polinux/stress", 4_200_000, &[], &["stress"], stress),
            img(
                "vish/stress",
                2_500_000,
                &["/stress"],
                &["-logtostderr"],
                vish_stress,
            ),
            img("busybox", 2_160_000, &[], sh, shell_image),
            img(
                "hpa-example",
                140 * MB,
                &["docker-php-entrypoint"],
                &["apache2-foreground"],
                hpa_example,
            ),
            img("alpine", 3_650_000, &[], &["/bin/sh"], shell_image),
            img("perl", 330 * MB, &[], &["perl5.34.3", "-de0"], perl),
            Image {
                shell: false,
                ..img(
                    "hashicorp/http-echo",
                    3_100_000,
                    &["/http-echo"],
                    &[],
                    http_echo,
                )
            },
            img(
                "redis",
                45 * MB,
                &["docker-entrypoint.sh"],
                &["redis-server"],
                redis,
            ),
            img(
                "postgres",
                158 * MB,
                &["docker-entrypoint.sh"],
                &["postgres"],
                postgres,
            ),
            img(
                "mysql",
                170 * MB,
                &["docker-entrypoint.sh"],
                &["mysqld"],
                mysql,
            ),
            Image {
                shell: false,
                ..img("pause", 320_000, &["/pause"], &[], serve)
            },
            img("agnhost", 52 * MB, &["/agnhost"], &["pause"], agnhost),
            Image {
                preloaded: true,
                ..img("flask-app", 51 * MB, &["python"], &["app.py"], flask_app)
            },
        ] {
            c.register(i);
        }
        c
    }

    /// Adds (or replaces) an image.
    pub fn register(&mut self, image: Image) {
        self.images.insert(image.repository, image);
    }

    /// The image a container's `image` field names, if the catalogue has it.
    pub fn lookup(&self, reference: &str) -> Option<&Image> {
        self.images.get(repository(reference))
    }

    /// The images every node has from the start.
    pub fn preloaded(&self) -> impl Iterator<Item = &Image> {
        self.images.values().filter(|i| i.preloaded)
    }
}

/// The repository of an image reference: without the registry host (a first component
/// with a `.` or `:`, or `localhost`), the `library/` prefix, the tag and the digest.
/// `docker.io/library/nginx:1.27` and `nginx` are both `nginx`.
pub fn repository(reference: &str) -> &str {
    let no_digest = reference.split('@').next().unwrap_or(reference);
    let mut rest = no_digest;
    if let Some((first, after)) = rest.split_once('/') {
        if first.contains('.') || first.contains(':') || first == "localhost" {
            rest = after;
        }
    }
    let rest = rest.strip_prefix("library/").unwrap_or(rest);
    // A tag is a `:` after the last `/`.
    let last = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last..].find(':') {
        Some(i) => &rest[..last + i],
        None => rest,
    }
}

/// The full reference a pull reports: `docker.io/library/nginx:latest` for `nginx`.
pub fn normalized_reference(reference: &str) -> String {
    let no_digest = reference.split('@').next().unwrap_or(reference);
    let (host, path) = match no_digest.split_once('/') {
        Some((first, after))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), after.to_string())
        }
        Some(_) => ("docker.io".to_string(), no_digest.to_string()),
        None => ("docker.io".to_string(), format!("library/{no_digest}")),
    };
    let last = path.rfind('/').map_or(0, |i| i + 1);
    let tagged = if path[last..].contains(':') || reference.contains('@') {
        path
    } else {
        format!("{path}:latest")
    };
    format!("{host}/{tagged}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_loops_unroll() {
        let texts = |script: &str| -> Vec<String> {
            statements(script).into_iter().map(|(t, _)| t).collect()
        };
        assert_eq!(
            texts("for i in a b; do echo $i $i2 ${i}x; done; echo end"),
            ["echo a $i2 ax", "echo b $i2 bx", " echo end"]
        );
        assert_eq!(
            texts("for i in 1 2\ndo\n  for j in $(seq 2); do echo $i$j; done\ndone"),
            ["echo 11", "echo 12", "echo 21", "echo 22"]
        );
        // Not a loop: left alone.
        assert_eq!(texts("echo for x"), ["echo for x"]);
    }

    fn run(script: &str) -> Key {
        key(run_process(script))
    }

    fn run_process(script: &str) -> Process {
        let env = BTreeMap::from([("NAME".to_string(), "kube".to_string())]);
        run_script(
            script,
            &Exec {
                argv: &[],
                env: &env,
                hostname: "web-1",
                started_at: 0,
                stdin: false,
            },
        )
    }

    type Key = (Option<(Millis, i32)>, Vec<(Millis, String)>, Option<Repeat>);

    fn key(p: Process) -> Key {
        (p.exit, p.logs, p.repeat)
    }

    fn exits(at: Millis, code: i32, logs: &[(Millis, &str)]) -> Key {
        (
            Some((at, code)),
            logs.iter().map(|(t, l)| (*t, l.to_string())).collect(),
            None,
        )
    }

    #[test]
    fn busybox_date_format() {
        assert_eq!(
            busybox_date(1_735_689_661_000),
            "Wed Jan  1 00:01:01 UTC 2025"
        );
    }

    #[test]
    fn perl_prints_pi_as_math_bigfloat() {
        assert_eq!(pi_digits(30), "3.14159265358979323846264338328");
        let p = pi_digits(2000);
        assert_eq!(p.len(), 2001);
        assert!(
            p.ends_with("08658326459958133904780275901"),
            "rounded up as perl"
        );
    }

    #[test]
    fn repositories_and_references() {
        assert_eq!(repository("nginx"), "nginx");
        assert_eq!(repository("nginx:1.27"), "nginx");
        assert_eq!(repository("docker.io/library/nginx:1.27"), "nginx");
        assert_eq!(repository("registry.k8s.io/pause:3.10"), "pause");
        assert_eq!(repository("hashicorp/http-echo:1.0"), "hashicorp/http-echo");
        assert_eq!(repository("localhost:5000/flask-app"), "flask-app");
        assert_eq!(
            normalized_reference("nginx"),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(
            normalized_reference("nginx:1.27"),
            "docker.io/library/nginx:1.27"
        );
        assert_eq!(
            normalized_reference("hashicorp/http-echo"),
            "docker.io/hashicorp/http-echo:latest"
        );
        assert_eq!(
            normalized_reference("registry.k8s.io/pause:3.10"),
            "registry.k8s.io/pause:3.10"
        );
    }

    #[test]
    fn shell_scripts_print_and_exit_as_sh_would() {
        assert_eq!(run("exit 1"), exits(0, 1, &[]));
        assert_eq!(
            run("echo hi $NAME; sleep 5; echo \"on $HOSTNAME\"; exit 3"),
            exits(5_000, 3, &[(0, "hi kube"), (5_000, "on web-1")])
        );
        assert_eq!(run("false && exit 4"), exits(0, 1, &[]));
        assert_eq!(run("false || exit 4"), exits(0, 4, &[]));
        assert_eq!(
            run("nosuchcmd"),
            exits(0, 127, &[(0, "sh: nosuchcmd: not found")])
        );
        assert_eq!(run("sleep 3600"), exits(3_600_000, 0, &[]));
        assert_eq!(run("echo 'a; exit 9'"), exits(0, 0, &[(0, "a; exit 9")]));
        let forever = run_process("echo start; while true; do echo tick; sleep 2; done");
        assert_eq!(forever.exit, None);
        assert_eq!(forever.logs, vec![(0, "start".to_string())]);
        assert_eq!(
            forever.repeat,
            Some(Repeat {
                start: 0,
                period: 2_000,
                lines: vec!["tick".into()]
            })
        );
    }

    #[test]
    fn overrides_and_environment_decide_behaviour() {
        let c = Catalogue::builtin();
        let env = BTreeMap::new();
        let exec = |argv: &[String], env: &BTreeMap<String, String>, img: &Image| {
            (img.behave)(&Exec {
                argv,
                env,
                hostname: "p",
                started_at: 0,
                stdin: false,
            })
        };
        let pg = c.lookup("postgres:16").expect("postgres");
        let argv = vec!["postgres".to_string()];
        let p = exec(&argv, &env, pg);
        assert_eq!(p.exit, Some((200, 1)));
        assert!(p.logs[0].1.starts_with("Error: Database is uninitialized"));
        let env2 = BTreeMap::from([("POSTGRES_PASSWORD".to_string(), "x".to_string())]);
        assert_eq!(exec(&argv, &env2, pg).exit, None);
        let bb = c.lookup("busybox:1.36").expect("busybox");
        let argv: Vec<String> = ["sh", "-c", "exit 2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(exec(&argv, &env, bb).exit, Some((0, 2)));
        assert!(c.lookup("nginxx").is_none());
        assert_eq!(
            c.preloaded().map(|i| i.repository).collect::<Vec<_>>(),
            vec!["flask-app"]
        );
    }
}
