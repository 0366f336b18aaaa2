//! The simulated images. Kubeplay runs no real containers: an image is an entry in a
//! catalogue keyed by repository (`nginx`, `busybox`, `hashicorp/http-echo`), whatever
//! the registry host or tag, giving what the runtime needs to play it: its size (pull
//! time), its ENTRYPOINT and CMD (which a container's `command` and `args` override, as
//! Docker does), whether it is already on every node (the seeds' locally built
//! `flask-app`), and how a process started from it behaves ([`Run`]).
//!
//! Adding an image is one [`Image`] value passed to [`Catalogue::register`]; the
//! built-in ones are in [`Catalogue::builtin`].

use std::collections::BTreeMap;

use crate::sim::Millis;

/// What a container's main process does once started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Run {
    /// Serves until it is stopped, and exits promptly (code 0) on SIGTERM.
    Serve,
    /// Exits by itself `after_ms` after starting with `code` (`after_ms` None: never),
    /// writing `message` to its log first when there is one. A process that ignores
    /// SIGTERM (a shell running as PID 1) is only stopped by SIGKILL at the end of the
    /// grace period.
    Exit {
        after_ms: Option<Millis>,
        code: i32,
        ignores_sigterm: bool,
        message: Option<String>,
    },
}

/// What a process is started with: its argv (ENTRYPOINT/CMD after the manifest's
/// overrides) and its environment.
pub struct Exec<'a> {
    pub argv: &'a [String],
    pub env: &'a BTreeMap<String, String>,
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
    /// How a process behaves.
    pub behave: fn(&Exec) -> Run,
}

fn serve(_: &Exec) -> Run {
    Run::Serve
}

/// The images' shells (busybox, alpine): `sh -c SCRIPT` runs the script, `sleep N`
/// sleeps; anything else exits at once.
fn shell_image(e: &Exec) -> Run {
    let argv: Vec<&str> = e.argv.iter().map(String::as_str).collect();
    match argv.as_slice() {
        [sh, "-c", script, ..] if is_shell(sh) => run_script(script),
        [sh] if is_shell(sh) => exit_now(0),
        [cmd, rest @ ..] => run_script(
            &std::iter::once(*cmd)
                .chain(rest.iter().copied())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        [] => exit_now(0),
    }
}

fn is_shell(s: &str) -> bool {
    matches!(
        s,
        "sh" | "/bin/sh" | "bash" | "/bin/bash" | "ash" | "/bin/ash"
    )
}

fn exit_now(code: i32) -> Run {
    Run::Exit {
        after_ms: Some(0),
        code,
        ignores_sigterm: true,
        message: None,
    }
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

/// Runs a shell script far enough to know when and how it exits: `exit N`, `sleep`,
/// `true`/`false`, `;`, `&&`, `||`, newlines and `while true; do ...; done` loops;
/// the small commands of busybox succeed, unknown commands exit 127 as `sh` does.
pub fn run_script(script: &str) -> Run {
    let mut elapsed: Millis = 0;
    let mut status = 0;
    let mut skip = false;
    let loops_forever = script.contains("while true") || script.contains("while :");
    for (stmt, op) in statements(script) {
        if !skip {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            match words.as_slice() {
                [] => {}
                ["exit"] => return exit_after(elapsed, status),
                ["exit", code, ..] => return exit_after(elapsed, code.parse().unwrap_or(2)),
                ["sleep", arg, ..] => match sleep_ms(arg) {
                    Some(ms) => {
                        elapsed += ms;
                        status = 0;
                    }
                    None => return never(),
                },
                ["false", ..] => status = 1,
                [w, ..] if is_builtin(w) => status = 0,
                _ => status = 127,
            }
        }
        skip = match op {
            "&&" => status != 0,
            "||" => status == 0,
            _ => false,
        };
    }
    if loops_forever {
        return never();
    }
    exit_after(elapsed, status)
}

fn exit_after(elapsed: Millis, code: i32) -> Run {
    Run::Exit {
        after_ms: Some(elapsed),
        code,
        ignores_sigterm: true,
        message: None,
    }
}

fn never() -> Run {
    Run::Exit {
        after_ms: None,
        code: 0,
        ignores_sigterm: true,
        message: None,
    }
}

fn is_builtin(w: &str) -> bool {
    matches!(
        w,
        "true"
            | "echo"
            | "printf"
            | "printenv"
            | "env"
            | "cat"
            | "ls"
            | "hostname"
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
            | "while"
            | "do"
            | "done"
            | "if"
            | "then"
            | "fi"
            | "for"
    )
}

/// Splits a script into statements with the operator that follows each (`;`, `&&`,
/// `||`, newline as `;`), keeping quoted text together.
fn statements(script: &str) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => quote = Some(c),
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
    out
}

/// postgres: refuses to start without a superuser password, as the real entrypoint.
fn postgres(e: &Exec) -> Run {
    let has = |k: &str| e.env.get(k).is_some_and(|v| !v.is_empty());
    if has("POSTGRES_PASSWORD")
        || e.env
            .get("POSTGRES_HOST_AUTH_METHOD")
            .is_some_and(|v| v == "trust")
    {
        return Run::Serve;
    }
    Run::Exit {
        after_ms: Some(200),
        code: 1,
        ignores_sigterm: false,
        message: Some(
            "Error: Database is uninitialized and superuser password is not specified.\n       You must specify POSTGRES_PASSWORD to a non-empty value for the\n       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".\n\n       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all\n       connections without a password. This is *not* recommended.\n\n       See PostgreSQL documentation about \"trust\":\n       https://www.postgresql.org/docs/current/auth-trust.html".into(),
        ),
    }
}

/// mysql: needs one of its root password variables, as the real entrypoint.
fn mysql(e: &Exec) -> Run {
    let set = |k: &str| e.env.contains_key(k);
    if set("MYSQL_ROOT_PASSWORD")
        || set("MYSQL_ALLOW_EMPTY_PASSWORD")
        || set("MYSQL_RANDOM_ROOT_PASSWORD")
    {
        return Run::Serve;
    }
    Run::Exit {
        after_ms: Some(300),
        code: 1,
        ignores_sigterm: false,
        message: Some(
            "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n    You need to specify one of the following as an environment variable:\n    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD".into(),
        ),
    }
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
            behave,
        };
        let sh: &[&str] = &["sh"];
        for i in [
            img(
                "nginx",
                72 * MB,
                &["/docker-entrypoint.sh"],
                &["nginx", "-g", "daemon off;"],
                serve,
            ),
            img("httpd", 58 * MB, &[], &["httpd-foreground"], serve),
            img("busybox", 2_160_000, &[], sh, shell_image),
            img("alpine", 3_650_000, &[], &["/bin/sh"], shell_image),
            img(
                "hashicorp/http-echo",
                3_100_000,
                &["/http-echo"],
                &[],
                serve,
            ),
            img(
                "redis",
                45 * MB,
                &["docker-entrypoint.sh"],
                &["redis-server"],
                serve,
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
            img("pause", 320_000, &["/pause"], &[], serve),
            img("agnhost", 52 * MB, &["/agnhost"], &["pause"], serve),
            Image {
                preloaded: true,
                ..img("flask-app", 51 * MB, &["python"], &["app.py"], serve)
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

    fn run(script: &str) -> Run {
        run_script(script)
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
    fn shell_scripts_exit_when_and_how_sh_would() {
        assert_eq!(run("exit 1"), exit_after(0, 1));
        assert_eq!(run("echo hi; sleep 5; exit 3"), exit_after(5_000, 3));
        assert_eq!(run("false && exit 4"), exit_after(0, 1));
        assert_eq!(run("false || exit 4"), exit_after(0, 4));
        assert_eq!(run("nosuchcmd"), exit_after(0, 127));
        assert_eq!(run("sleep 3600"), exit_after(3_600_000, 0));
        assert_eq!(run("sleep infinity"), never());
        assert_eq!(run("while true; do echo tick; sleep 1; done"), never());
        assert_eq!(run("echo 'a; exit 9'"), exit_after(0, 0));
    }

    #[test]
    fn overrides_and_environment_decide_behaviour() {
        let c = Catalogue::builtin();
        let env = BTreeMap::new();
        let pg = c.lookup("postgres:16").expect("postgres");
        let argv = vec!["postgres".to_string()];
        assert!(matches!(
            (pg.behave)(&Exec {
                argv: &argv,
                env: &env
            }),
            Run::Exit { code: 1, .. }
        ));
        let mut env2 = BTreeMap::new();
        env2.insert("POSTGRES_PASSWORD".to_string(), "x".to_string());
        assert_eq!(
            (pg.behave)(&Exec {
                argv: &argv,
                env: &env2
            }),
            Run::Serve
        );
        let bb = c.lookup("busybox:1.36").expect("busybox");
        let argv: Vec<String> = ["sh", "-c", "exit 2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            (bb.behave)(&Exec {
                argv: &argv,
                env: &env
            }),
            exit_after(0, 2)
        );
        assert!(c.lookup("nginxx").is_none());
        assert_eq!(
            c.preloaded().map(|i| i.repository).collect::<Vec<_>>(),
            vec!["flask-app"]
        );
    }

    #[test]
    fn an_image_from_outside_the_catalogue_module() {
        fn exits_7(_: &Exec) -> Run {
            Run::Exit {
                after_ms: Some(1_000),
                code: 7,
                ignores_sigterm: false,
                message: None,
            }
        }
        let mut c = Catalogue::builtin();
        c.register(Image {
            repository: "example/seven",
            size_bytes: 1_000_000,
            entrypoint: &["/seven"],
            cmd: &[],
            preloaded: false,
            behave: exits_7,
        });
        let img = c.lookup("ghcr.io/example/seven:v1").expect("registered");
        let env = BTreeMap::new();
        assert!(matches!(
            (img.behave)(&Exec {
                argv: &[],
                env: &env
            }),
            Run::Exit { code: 7, .. }
        ));
    }
}
