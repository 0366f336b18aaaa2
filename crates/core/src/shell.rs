//! The session interpreter shared by `kubeplay run`, `kubeplay shell` and the page's
//! terminal: one command per line (`kubectl ...`, `sleep 30s`), `#` comments and `<<EOF`
//! heredocs. It prints exactly what the in-page terminal shows.

use std::collections::BTreeMap;

use crate::sim::{Cluster, ClusterConfig};

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
}

impl Shell {
    pub fn new(config: ClusterConfig) -> Shell {
        Shell { cluster: Cluster::new(config), overlay: MemoryFiles::default(), files: Box::new(MemoryFiles::default()) }
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
    /// terminal shows (stdout and stderr interleaved as kubectl prints them), ending in a
    /// newline unless empty.
    pub fn exec(&mut self, line: &str, stdin: Option<&str>) -> String {
        let _ = stdin;
        format!("{line}: not implemented yet\n")
    }

    /// Runs a whole script and returns its transcript: each command echoed as `$ COMMAND`
    /// followed by its output.
    pub fn run_script(&mut self, script: &str) -> String {
        let mut out = String::new();
        for line in script.lines() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            out.push_str(&format!("$ {t}\n"));
            out.push_str(&self.exec(t, None));
        }
        out
    }
}
