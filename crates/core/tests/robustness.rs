//! Bad input never panics: every prefix of a real manifest, and the manifest with single
//! characters replaced by YAML's special characters, go through `kubectl apply`. Each run
//! must print either success lines or kubectl-style errors.

use kubeplay_core::shell::Shell;
use kubeplay_core::sim::ClusterConfig;

const MANIFEST: &str = include_str!("../../../tests/scenarios/manifests/flask.yaml");

fn check(sh: &mut Shell, text: &str) {
    sh.put_file("m.yaml", text);
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sh.exec("kubectl apply -f m.yaml", None)
    }));
    let out = match out {
        Ok(o) => o,
        Err(_) => panic!("kubectl apply panicked on:\n{text}"),
    };
    for line in out.lines() {
        let ok = line.ends_with(" created")
            || line.ends_with(" configured")
            || line.ends_with(" unchanged")
            || line.starts_with("error: ")
            || line.starts_with("Error from server (")
            || line.starts_with("The ")
            || line.starts_with("* ")
            || line.starts_with("  at m.yaml line ")
            || line == "ensure CRDs are installed first";
        assert!(
            ok,
            "unexpected output line {line:?} for input:\n{text}\noutput:\n{out}"
        );
    }
}

#[test]
fn every_prefix_is_handled() {
    let mut sh = Shell::new(ClusterConfig::default());
    for (i, _) in MANIFEST.char_indices() {
        check(&mut sh, &MANIFEST[..i]);
    }
}

#[test]
fn special_characters_anywhere_are_handled() {
    let mut sh = Shell::new(ClusterConfig::default());
    let specials = [
        ":", "-", "\"", "'", "\t", "{", "[", "&", "*", "!", "%", "|", ">", "#", "?", " ", "\n",
        "é", "\u{0}",
    ];
    let positions: Vec<usize> = MANIFEST.char_indices().map(|(i, _)| i).collect();
    for (n, &i) in positions.iter().enumerate() {
        let s = specials[n % specials.len()];
        let end = positions.get(n + 1).copied().unwrap_or(MANIFEST.len());
        let text = format!("{}{}{}", &MANIFEST[..i], s, &MANIFEST[end..]);
        check(&mut sh, &text);
    }
}
