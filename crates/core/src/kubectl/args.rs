//! Command-line parsing as kubectl's cobra/pflag does it: long and short flags,
//! `--flag=value`, `--flag value`, `-nvalue`, grouped boolean shorthands, `--` to end
//! flags, and pflag's error messages.

use std::collections::BTreeMap;

/// One flag a command accepts.
#[derive(Clone, Copy, Debug)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    /// Takes a value (`--namespace x`); otherwise a boolean (`--all`, `--all=false`).
    pub value: bool,
}

pub const fn flag(long: &'static str, short: Option<char>, value: bool) -> Flag {
    Flag { long, short, value }
}

/// Flags every command accepts (kubectl's global flags that matter here).
pub const GLOBAL: &[Flag] = &[
    flag("namespace", Some('n'), true),
    flag("kubeconfig", None, true),
    flag("context", None, true),
    flag("cluster", None, true),
    flag("server", Some('s'), true),
    flag("request-timeout", None, true),
    flag("v", Some('v'), true),
];

/// Parsed arguments: positionals in order, flags by long name (every occurrence kept).
#[derive(Clone, Debug, Default)]
pub struct Args {
    pub positionals: Vec<String>,
    pub flags: BTreeMap<&'static str, Vec<String>>,
}

impl Args {
    /// The last value of a flag.
    pub fn get(&self, long: &str) -> Option<&str> {
        self.flags
            .get(long)
            .and_then(|v| v.last())
            .map(String::as_str)
    }
    /// All values of a repeated flag (`-f a -f b`), comma lists split.
    pub fn all(&self, long: &str) -> Vec<String> {
        self.flags
            .get(long)
            .map(|v| {
                v.iter()
                    .flat_map(|s| s.split(','))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
    /// All values of a repeated flag, as given (commas kept).
    pub fn all_raw(&self, long: &str) -> Vec<String> {
        self.flags.get(long).cloned().unwrap_or_default()
    }
    /// A boolean flag's value.
    pub fn bool(&self, long: &str) -> bool {
        self.get(long).is_some_and(|v| v == "true")
    }
}

/// A parse error, printed as cobra prints it.
pub fn usage_error(cmd: &str, msg: &str) -> String {
    format!("Error: {msg}\nSee 'kubectl {cmd} --help' for usage.\n")
}

/// A required flag left out: kubectl v1.32 reports it through klog, stamped with the
/// (simulated) time, as `E0101 00:00:05.000000       1 run.go:72] "command failed"
/// err="required flag(s) \"image\" not set"`.
pub fn required_flag_error(flag: &str, now: crate::sim::Millis) -> String {
    let t = crate::api::meta::Time(now).to_string(); // 2025-01-01T00:00:05Z
    let (date, time) = t.split_once('T').unwrap_or(("", ""));
    let mmdd: String = date.get(5..).unwrap_or("").replace('-', "");
    let micros = (now.rem_euclid(1000)) * 1000;
    format!(
        "E{mmdd} {}.{micros:06} {:>7} run.go:72] \"command failed\" err=\"required flag(s) \\\"{flag}\\\" not set\"\n",
        time.trim_end_matches('Z'),
        1
    )
}

/// Parses `argv` (after the command name) against `flags` plus the global flags.
pub fn parse(cmd: &str, argv: &[String], flags: &[Flag]) -> Result<Args, String> {
    let find_long = |name: &str| flags.iter().chain(GLOBAL).find(|f| f.long == name).copied();
    let find_short = |c: char| {
        flags
            .iter()
            .chain(GLOBAL)
            .find(|f| f.short == Some(c))
            .copied()
    };
    let mut out = Args::default();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        i += 1;
        if a == "--" {
            out.positionals.extend(argv[i..].iter().cloned());
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let Some(f) = find_long(name) else {
                return Err(usage_error(cmd, &format!("unknown flag: --{name}")));
            };
            let v = if f.value {
                match inline {
                    Some(v) => v,
                    None if i < argv.len() => {
                        i += 1;
                        argv[i - 1].clone()
                    }
                    None => {
                        return Err(usage_error(
                            cmd,
                            &format!("flag needs an argument: --{name}"),
                        ))
                    }
                }
            } else {
                match inline.as_deref() {
                    None | Some("true") | Some("1") | Some("t") | Some("T") | Some("TRUE") | Some("True") => "true".into(),
                    Some("false") | Some("0") | Some("f") | Some("F") | Some("FALSE") | Some("False") => "false".into(),
                    Some(other) => {
                        return Err(usage_error(cmd, &format!("invalid argument {other:?} for \"--{name}\" flag: strconv.ParseBool: parsing {other:?}: invalid syntax")))
                    }
                }
            };
            out.flags.entry(f.long).or_default().push(v);
        } else if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let Some(f) = find_short(c) else {
                    return Err(usage_error(
                        cmd,
                        &format!("unknown shorthand flag: '{c}' in {a}"),
                    ));
                };
                if f.value {
                    let rest: String = chars[j + 1..].iter().collect();
                    let v = if let Some(r) = rest.strip_prefix('=') {
                        r.to_string()
                    } else if !rest.is_empty() {
                        rest
                    } else if i < argv.len() {
                        i += 1;
                        argv[i - 1].clone()
                    } else {
                        return Err(usage_error(
                            cmd,
                            &format!("flag needs an argument: '{c}' in {a}"),
                        ));
                    };
                    out.flags.entry(f.long).or_default().push(v);
                    break;
                }
                out.flags.entry(f.long).or_default().push("true".into());
                j += 1;
            }
        } else {
            out.positionals.push(a.clone());
        }
    }
    Ok(out)
}

/// Splits a command line into words as a POSIX shell would for simple cases: single and
/// double quotes, backslash escapes, whitespace separation.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err("unexpected EOF while looking for matching `''".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => cur.push(ch),
                            Some(ch) => {
                                cur.push('\\');
                                cur.push(ch);
                            }
                            None => {
                                return Err("unexpected EOF while looking for matching `\"'".into())
                            }
                        },
                        Some(ch) => cur.push(ch),
                        None => return Err("unexpected EOF while looking for matching `\"'".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(ch) = chars.next() {
                    cur.push(ch);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn parses_like_pflag() {
        let flags = [
            flag("output", Some('o'), true),
            flag("all-namespaces", Some('A'), false),
            flag("selector", Some('l'), true),
        ];
        let a = parse(
            "get",
            &v(&[
                "pods",
                "-nkube-system",
                "-o=wide",
                "--selector",
                "app=x",
                "-A",
                "web",
            ]),
            &flags,
        )
        .unwrap();
        assert_eq!(a.positionals, v(&["pods", "web"]));
        assert_eq!(a.get("namespace"), Some("kube-system"));
        assert_eq!(a.get("output"), Some("wide"));
        assert_eq!(a.get("selector"), Some("app=x"));
        assert!(a.bool("all-namespaces"));
        assert_eq!(
            parse("get", &v(&["--foo"]), &flags).unwrap_err(),
            "Error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            parse("get", &v(&["-x"]), &flags).unwrap_err(),
            "Error: unknown shorthand flag: 'x' in -x\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            parse("get", &v(&["-n"]), &flags).unwrap_err(),
            "Error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for usage.\n"
        );
    }

    #[test]
    fn splits_words() {
        assert_eq!(
            split_words("kubectl get  pods -l 'app in (a, b)' \"x y\"").unwrap(),
            v(&["kubectl", "get", "pods", "-l", "app in (a, b)", "x y"])
        );
        assert!(split_words("echo 'x").is_err());
    }
}
