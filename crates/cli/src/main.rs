//! The native `kubeplay` binary: `run SCRIPT` prints a session transcript, `shell` is the
//! same interpreter at an interactive prompt, `bench` measures the core at scale.

mod bench;

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kubeplay_core::shell::{Files, Shell};
use kubeplay_core::sim::ClusterConfig;

const USAGE: &str = "Usage:
  kubeplay run SCRIPT|- [--workers N] [--seed S] [--zones a,b,c]
                                                  run a session script and print its transcript
  kubeplay shell [--workers N] [--seed S] [--zones a,b,c]
                                                  an interactive session
  kubeplay bench [apiserver|scheduler|kubelet] [--nodes N] [--pods N]
                                                  API server creates/s, or kube-scheduler pods/s
";

/// `-f` paths read from the disk, relative to the script's folder.
struct DiskFiles {
    base: PathBuf,
}

impl Files for DiskFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        let p = Path::new(path);
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        };
        if full.is_dir() {
            return read_dir_manifests(&full)
                .map_err(|_| format!("error: the path \"{path}\" does not exist"));
        }
        std::fs::read_to_string(&full)
            .map_err(|_| format!("error: the path \"{path}\" does not exist"))
    }
}

/// A directory passed to `-f`: its .yaml, .yml and .json files, in name order, as one stream.
fn read_dir_manifests(dir: &Path) -> std::io::Result<String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        })
        .collect();
    names.sort();
    let mut out = String::new();
    for n in names {
        out.push_str(&std::fs::read_to_string(n)?);
        out.push_str("\n---\n");
    }
    Ok(out)
}

struct Opts {
    config: ClusterConfig,
    positionals: Vec<String>,
    nodes: usize,
    pods: usize,
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        config: ClusterConfig::default(),
        positionals: Vec::new(),
        nodes: 5000,
        pods: 150_000,
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let mut value = |name: &str| -> Result<u64, String> {
            i += 1;
            args.get(i)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("kubeplay: {name} needs a number"))
        };
        match a.as_str() {
            "--workers" => o.config.workers = value("--workers")? as usize,
            "--seed" => o.config.seed = value("--seed")?,
            "--nodes" => o.nodes = value("--nodes")? as usize,
            "--pods" => o.pods = value("--pods")? as usize,
            "--zones" => {
                i += 1;
                let z = args
                    .get(i)
                    .ok_or("kubeplay: --zones needs a list such as zone-a,zone-b")?;
                o.config.zones = z
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            s if s.starts_with("--") => {
                return Err(format!("kubeplay: unknown option {s}\n{USAGE}"))
            }
            _ => o.positionals.push(a.clone()),
        }
        i += 1;
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let opts = match parse_opts(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match cmd.as_str() {
        "run" => run(opts),
        "shell" => shell(opts),
        "bench" => match opts.positionals.first().map(String::as_str) {
            None | Some("apiserver") => bench::run(opts.nodes, opts.pods),
            Some("scheduler") => bench::run_scheduler(opts.nodes, opts.pods),
            Some("kubelet") => bench::run_kubelet(opts.nodes, opts.pods),
            Some(other) => {
                eprint!("kubeplay bench: unknown benchmark {other:?}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprint!("kubeplay: unknown command {cmd:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(opts: Opts) -> ExitCode {
    let Some(path) = opts.positionals.first() else {
        eprint!("kubeplay run: missing SCRIPT\n{USAGE}");
        return ExitCode::from(2);
    };
    let (script, base) = if path == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut s) {
            eprintln!("kubeplay: cannot read stdin: {e}");
            return ExitCode::from(1);
        }
        (s, PathBuf::from("."))
    } else {
        match std::fs::read_to_string(path) {
            Ok(s) => (
                s,
                Path::new(path)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            ),
            Err(e) => {
                eprintln!("kubeplay: cannot read {path}: {e}");
                return ExitCode::from(1);
            }
        }
    };
    let mut sh = Shell::new(opts.config);
    sh.files = Box::new(DiskFiles { base });
    print!("{}", sh.run_script(&script));
    ExitCode::SUCCESS
}

fn shell(opts: Opts) -> ExitCode {
    let mut sh = Shell::new(opts.config);
    sh.files = Box::new(DiskFiles {
        base: PathBuf::from("."),
    });
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        print!("{}", sh.prompt());
        let _ = std::io::stdout().flush();
        let Some(Ok(line)) = lines.next() else { break };
        let mut script = line.clone();
        // A heredoc continues until its terminator.
        if let Some(word) = line.split("<<").nth(1).map(|w| {
            w.trim()
                .trim_start_matches('-')
                .trim_matches(|c| c == '\'' || c == '"')
                .to_string()
        }) {
            if !word.is_empty() {
                loop {
                    print!("> ");
                    let _ = std::io::stdout().flush();
                    let Some(Ok(l)) = lines.next() else { break };
                    script.push('\n');
                    script.push_str(&l);
                    if l.trim_start_matches('\t') == word {
                        break;
                    }
                }
            }
        }
        if matches!(line.trim(), "exit" | "quit") {
            break;
        }
        for cmd in kubeplay_core::shell::parse_script(&script) {
            print!("{}", sh.exec(&cmd.line, cmd.heredoc.as_deref()));
        }
    }
    ExitCode::SUCCESS
}
