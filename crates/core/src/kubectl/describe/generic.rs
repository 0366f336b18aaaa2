//! The generic describer kubectl uses for kinds without their own: name, namespace,
//! labels and annotations, then every other field of the object as an indented tree
//! with "smart" labels (`apiVersion` -> `API Version`), then events.

use super::writer::*;
use super::{events_for, Settings};
use crate::api::Object;
use crate::apiserver::ApiServer;
use serde_json::Value;

/// Fields printed in the header or never shown.
const SKIP: &[&str] = &[
    ".metadata.managedFields",
    ".metadata.name",
    ".metadata.namespace",
    ".metadata.labels",
    ".metadata.annotations",
];

/// `genericDescriber.Describe`.
pub fn describe_generic(api: &ApiServer, obj: &Object, s: &Settings) -> String {
    let m = obj.meta();
    let mut w = PrefixWriter::new();
    wr!(w, LEVEL_0, "Name:\t{}\n", m.name);
    wr!(w, LEVEL_0, "Namespace:\t{}\n", m.namespace);
    labels_multiline(&mut w, "Labels", &m.labels);
    annotations_multiline(&mut w, "Annotations", &m.annotations);
    if let Value::Object(map) = obj.to_json() {
        print_content(&mut w, LEVEL_0, &map, "");
    }
    if s.show_events {
        let evs = events_for(api, m, Some(obj.kind().info().kind));
        describe_events(&mut w, &evs, s.now);
    }
    w.finish()
}

/// `printUnstructuredContent`: fields sorted, maps and lists nested one level deeper.
fn print_content(
    w: &mut PrefixWriter,
    level: usize,
    content: &serde_json::Map<String, Value>,
    prefix: &str,
) {
    let mut fields: Vec<&String> = content.keys().collect();
    fields.sort();
    for field in fields {
        let Some(value) = content.get(field) else {
            continue;
        };
        let path = format!("{prefix}.{field}");
        if SKIP.contains(&path.as_str()) {
            continue;
        }
        match value {
            Value::Object(map) => {
                wr!(w, level, "{}:\n", smart_label(field));
                print_content(w, level + 1, map, &path);
            }
            Value::Array(items) => {
                wr!(w, level, "{}:\n", smart_label(field));
                for item in items {
                    match item {
                        Value::Object(map) => print_content(w, level + 1, map, &path),
                        other => wr!(w, level + 1, "{}\n", go_value(other)),
                    }
                }
            }
            other => wr!(w, level, "{}:\t{}\n", smart_label(field), go_value(other)),
        }
    }
}

/// Go's `%v` of an unstructured value.
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_value).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", map.get(*k).map(go_value).unwrap_or_default()))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// `smartLabelFor` (kubectl v1.32): camel-case words title-cased, common acronyms in
/// capitals; names with characters other than letters and `-` are kept as they are.
pub fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    const ACRONYMS: &[&str] = &["API", "URL", "UID", "OSB", "GUID"];
    let parts = camelcase_split(field);
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        if part == "_" {
            continue;
        }
        let upper = part.to_uppercase();
        if ACRONYMS.contains(&upper.as_str()) {
            out.push(upper);
        } else {
            out.push(title(&part));
        }
    }
    out.join(" ")
}

/// `strings.Title`: the first letter of each word in upper case.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_letter = false;
    for c in s.chars() {
        if !prev_letter && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
    }
    out
}

/// `github.com/fatih/camelcase.Split`: runs of lower, upper, digit and other characters,
/// with an upper-to-lower boundary moving the last capital to the next word
/// (`PDFLoader` -> `PDF`, `Loader`).
fn camelcase_split(s: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_lowercase() {
            1
        } else if c.is_uppercase() {
            2
        } else if c.is_numeric() {
            3
        } else {
            4
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    let mut last = 0;
    for c in s.chars() {
        let k = class(c);
        match runs.last_mut() {
            Some(r) if k == last => r.push(c),
            _ => runs.push(vec![c]),
        }
        last = k;
    }
    for i in 0..runs.len().saturating_sub(1) {
        let upper_then_lower = runs[i].first().is_some_and(|c| c.is_uppercase())
            && runs[i + 1].first().is_some_and(|c| c.is_lowercase());
        if upper_then_lower {
            if let Some(c) = runs[i].pop() {
                runs[i + 1].insert(0, c);
            }
        }
    }
    runs.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| r.into_iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_labels_like_kubectl() {
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("creationTimestamp"), "Creation Timestamp");
        assert_eq!(smart_label("uid"), "UID");
        assert_eq!(smart_label("holderIdentity"), "Holder Identity");
        assert_eq!(
            smart_label("leaseDurationSeconds"),
            "Lease Duration Seconds"
        );
        assert_eq!(smart_label("podCIDRs"), "Pod CID Rs");
        assert_eq!(smart_label("hostIP"), "Host IP");
        assert_eq!(smart_label("k8s.io/x"), "k8s.io/x");
    }
}
