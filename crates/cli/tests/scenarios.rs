//! Scenario tests: every `tests/scenarios/*.kp` script is run through the real `kubeplay
//! run` binary and its transcript compared with the `.out` file beside it. Run with
//! `BLESS=1` to write the transcripts after checking a change by eye.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios")
}

#[test]
fn scenario_transcripts_match() {
    let dir = scenarios_dir();
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kp"))
        .collect();
    scripts.sort();
    assert!(
        !scripts.is_empty(),
        "no scenarios found in {}",
        dir.display()
    );
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for script in &scripts {
        let out = Command::new(env!("CARGO_BIN_EXE_kubeplay"))
            .arg("run")
            .arg(script)
            .output()
            .expect("kubeplay runs");
        assert!(
            out.status.success(),
            "{}: kubeplay run exited with {}",
            script.display(),
            out.status
        );
        let got = String::from_utf8_lossy(&out.stdout).into_owned();
        let expected_path = script.with_extension("out");
        if bless {
            std::fs::write(&expected_path, &got).expect("write transcript");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            let line = got
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(expected.lines().count()));
            failures.push(format!(
                "{}: transcript differs at line {}\n  expected: {:?}\n  got:      {:?}",
                script.display(),
                line + 1,
                expected.lines().nth(line).unwrap_or("<end>"),
                got.lines().nth(line).unwrap_or("<end>")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(run with BLESS=1 to accept new transcripts)",
        failures.join("\n")
    );
}

#[test]
fn unreadable_script_is_the_only_failure() {
    let out = Command::new(env!("CARGO_BIN_EXE_kubeplay"))
        .args(["run", "/nonexistent/script.kp"])
        .output()
        .expect("kubeplay runs");
    assert!(!out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_kubeplay"))
        .args(["run", "-"])
        .output()
        .expect("kubeplay runs");
    assert!(out.status.success(), "an empty script from stdin is fine");
}
