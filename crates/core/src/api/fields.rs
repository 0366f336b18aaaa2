//! Field selectors as upstream's `k8s.io/apimachinery/pkg/fields` plus the per-kind field
//! label conversions and selectable field sets of the API server: `metadata.name=x`,
//! `spec.nodeName!=node-1`, comma-joined terms with `\` escapes, the fields each kind
//! supports (`field label not supported: foo` otherwise), matching against an object, the
//! canonical string, and exact-match lookup so the store can use its node index.
//!
//! Errors are the API server's own texts; `kubectl get` shows them after
//! `Error from server (BadRequest): Unable to find {"" "v1" "pods"} that match label
//! selector "", field selector "foo=bar": ` (the caller adds that prefix).

use std::fmt;

use super::kinds::{Kind, Object};

/// `=`/`==` (has) or `!=` (not has).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldOp {
    Equals,
    NotEquals,
}

/// One term: `field=value` or `field!=value` (value unescaped).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldTerm {
    pub field: String,
    pub op: FieldOp,
    pub value: String,
}

/// A field selector: terms ANDed, in upstream's order (raw terms sorted as strings).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

/// The field labels a kind supports, as the API server's conversion functions list them.
pub fn supported_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        Kind::Node => &["metadata.name", "spec.unschedulable"],
        Kind::Namespace => &["status.phase", "metadata.name"],
        Kind::ReplicationController | Kind::ReplicaSet => {
            &["metadata.name", "metadata.namespace", "status.replicas"]
        }
        Kind::Job => &["metadata.name", "metadata.namespace", "status.successful"],
        Kind::Secret => &["type", "metadata.namespace", "metadata.name"],
        Kind::Service => &[
            "metadata.namespace",
            "metadata.name",
            "spec.clusterIP",
            "spec.type",
        ],
        Kind::Event => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "metadata.namespace",
            "metadata.name",
        ],
        _ => &["metadata.name", "metadata.namespace"],
    }
}

/// Upstream's field label conversion for `kind`: the (possibly renamed) label or
/// `field label not supported: <label>`.
fn convert_label(kind: Kind, label: &str) -> Result<String, String> {
    if kind == Kind::Pod && label == "spec.host" {
        // Backwards compatibility with old v1 clients.
        return Ok("spec.nodeName".into());
    }
    if supported_fields(kind).contains(&label) {
        Ok(label.to_string())
    } else {
        Err(format!("field label not supported: {label}"))
    }
}

/// Upstream `splitTerms`: splits on unescaped commas.
fn split_terms(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in s.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&s[start..i]);
            start = i + 1;
        }
    }
    terms.push(&s[start..]);
    terms
}

/// Upstream `splitTerm`: the first position where `!=`, `==` or `=` starts.
fn split_term(term: &str) -> Option<(&str, FieldOp, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (op, kind) in [
            ("!=", FieldOp::NotEquals),
            ("==", FieldOp::Equals),
            ("=", FieldOp::Equals),
        ] {
            if let Some(rhs) = rest.strip_prefix(op) {
                return Some((&term[..i], kind, rhs));
            }
        }
    }
    None
}

/// Upstream `UnescapeValue` with its error texts.
pub fn unescape_value(s: &str) -> Result<String, String> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => {
                    return Err(format!(
                        "invalid field selector: invalid escape sequence: \\{c}"
                    ))
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v: its code point number.
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                ))
            }
            c => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".into());
    }
    Ok(out)
}

/// Upstream `EscapeValue`: `\` -> `\\`, `,` -> `\,`, `=` -> `\=`.
pub fn escape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl FieldSelector {
    pub fn everything() -> FieldSelector {
        FieldSelector::default()
    }

    /// Parses `field=value,field!=value` (upstream `fields.ParseSelector`) and checks each
    /// field against what `kind` supports.
    pub fn parse(s: &str, kind: Kind) -> Result<FieldSelector, String> {
        let sel = Self::parse_untyped(s)?;
        let mut terms = Vec::with_capacity(sel.terms.len());
        for t in sel.terms {
            terms.push(FieldTerm {
                field: convert_label(kind, &t.field)?,
                ..t
            });
        }
        Ok(FieldSelector { terms })
    }

    /// Parses without checking the fields against a kind (upstream `ParseSelector` alone).
    pub fn parse_untyped(s: &str) -> Result<FieldSelector, String> {
        let mut parts = split_terms(s);
        parts.sort_unstable();
        let mut terms = Vec::with_capacity(parts.len());
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let Some((lhs, op, rhs)) = split_term(part) else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            terms.push(FieldTerm {
                field: lhs.to_string(),
                op,
                value: unescape_value(rhs)?,
            });
        }
        Ok(FieldSelector { terms })
    }

    /// A selector of exact matches (upstream `fields.OneTermEqualSelector` and friends).
    pub fn equal(field: &str, value: &str) -> FieldSelector {
        FieldSelector {
            terms: vec![FieldTerm {
                field: field.into(),
                op: FieldOp::Equals,
                value: value.into(),
            }],
        }
    }

    pub fn terms(&self) -> &[FieldTerm] {
        &self.terms
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The value an `=`/`==` term demands for `field` (upstream `RequiresExactMatch`).
    pub fn equality(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| t.field == field && t.op == FieldOp::Equals)
            .map(|t| t.value.as_str())
    }

    /// Evaluates every term against the object's selectable fields; a field the kind does
    /// not expose reads as `""`, as upstream.
    pub fn matches(&self, obj: &Object) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let mut json: Option<serde_json::Value> = None;
        self.terms.iter().all(|t| {
            let v = field_value(obj, &t.field, &mut json);
            match t.op {
                FieldOp::Equals => v == t.value,
                FieldOp::NotEquals => v != t.value,
            }
        })
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let op = match t.op {
                FieldOp::Equals => "=",
                FieldOp::NotEquals => "!=",
            };
            write!(f, "{}{op}{}", t.field, escape_value(&t.value))?;
        }
        Ok(())
    }
}

fn json_str(json: &mut Option<serde_json::Value>, obj: &Object, pointer: &str) -> String {
    let v = json.get_or_insert_with(|| obj.to_json());
    match v.pointer(pointer) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn json_int(json: &mut Option<serde_json::Value>, obj: &Object, pointer: &str) -> String {
    let s = json_str(json, obj, pointer);
    if s.is_empty() {
        "0".into()
    } else {
        s
    }
}

/// The selectable field set of an object (upstream's `GetAttrs`/`ToSelectableFields`).
fn field_value(obj: &Object, field: &str, json: &mut Option<serde_json::Value>) -> String {
    let meta = obj.meta();
    let namespaced = obj.kind().info().namespaced;
    match (obj, field) {
        (_, "metadata.name") => meta.name.clone(),
        (_, "metadata.namespace") if namespaced => meta.namespace.clone(),
        (Object::Pod(p), _) => {
            let status = p.status.as_ref();
            match field {
                "spec.nodeName" => p.spec.node_name.clone(),
                "spec.restartPolicy" => p.spec.restart_policy.clone(),
                "spec.schedulerName" => p.spec.scheduler_name.clone(),
                "spec.serviceAccountName" => p.spec.service_account_name.clone(),
                "spec.hostNetwork" => p.spec.host_network.to_string(),
                "status.phase" => status.map(|s| s.phase.clone()).unwrap_or_default(),
                "status.podIP" => status
                    .map(|s| {
                        s.pod_ips
                            .first()
                            .map(|ip| ip.ip.clone())
                            .unwrap_or_else(|| s.pod_ip.clone())
                    })
                    .unwrap_or_default(),
                "status.nominatedNodeName" => status
                    .map(|s| s.nominated_node_name.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            }
        }
        (Object::Node(n), "spec.unschedulable") => n.spec.unschedulable.to_string(),
        (Object::Event(e), _) => {
            let o = &e.involved_object;
            match field {
                "involvedObject.kind" => o.kind.clone(),
                "involvedObject.namespace" => o.namespace.clone(),
                "involvedObject.name" => o.name.clone(),
                "involvedObject.uid" => o.uid.clone(),
                "involvedObject.apiVersion" => o.api_version.clone(),
                "involvedObject.resourceVersion" => o.resource_version.clone(),
                "involvedObject.fieldPath" => o.field_path.clone(),
                "reason" => e.reason.clone(),
                "reportingComponent" => e.reporting_component.clone(),
                "source" => {
                    if e.source.component.is_empty() {
                        e.reporting_component.clone()
                    } else {
                        e.source.component.clone()
                    }
                }
                "type" => e.type_.clone(),
                _ => String::new(),
            }
        }
        (Object::Secret(s), "type") => s.type_.clone(),
        (Object::Namespace(_), "status.phase") => json_str(json, obj, "/status/phase"),
        (Object::Service(_), "spec.clusterIP") => json_str(json, obj, "/spec/clusterIP"),
        (Object::Service(_), "spec.type") => json_str(json, obj, "/spec/type"),
        (Object::ReplicaSet(_) | Object::ReplicationController(_), "status.replicas") => {
            json_int(json, obj, "/status/replicas")
        }
        (Object::Job(_), "status.successful") => json_int(json, obj, "/status/succeeded"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1;

    fn pod(name: &str, node: &str, phase: &str) -> Object {
        let mut p = core_v1::Pod::default();
        p.metadata.name = name.into();
        p.metadata.namespace = "default".into();
        p.spec.node_name = node.into();
        p.spec.restart_policy = "Always".into();
        p.spec.scheduler_name = "default-scheduler".into();
        p.status = Some(core_v1::PodStatus {
            phase: phase.into(),
            pod_ip: "10.244.1.5".into(),
            ..Default::default()
        });
        Object::Pod(std::sync::Arc::new(p))
    }

    #[test]
    fn parse_and_print() {
        let rows = [
            ("", ""),
            ("metadata.name=x", "metadata.name=x"),
            ("metadata.name==x", "metadata.name=x"),
            ("spec.nodeName!=node-1", "spec.nodeName!=node-1"),
            (
                "status.phase=Running,spec.nodeName=node-1",
                "spec.nodeName=node-1,status.phase=Running",
            ),
            ("metadata.name=a\\,b", "metadata.name=a\\,b"),
            ("metadata.name=a\\=b\\\\", "metadata.name=a\\=b\\\\"),
            ("spec.nodeName=", "spec.nodeName="),
            (",metadata.name=x,", "metadata.name=x"),
            ("spec.host=n1", "spec.nodeName=n1"),
        ];
        for (input, want) in rows {
            let s =
                FieldSelector::parse(input, Kind::Pod).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(s.to_string(), want, "{input:?}");
        }
        assert_eq!(
            FieldSelector::parse("metadata.name=a\\,b", Kind::Pod)
                .unwrap()
                .terms()[0]
                .value,
            "a,b"
        );
    }

    #[test]
    fn errors_as_upstream() {
        let rows = [
            ("foo=bar", Kind::Pod, "field label not supported: foo"),
            (
                "metadata.namespace=x",
                Kind::Node,
                "field label not supported: metadata.namespace",
            ),
            (
                "spec.nodeName=x",
                Kind::Deployment,
                "field label not supported: spec.nodeName",
            ),
            (
                "status.phase=Active",
                Kind::ConfigMap,
                "field label not supported: status.phase",
            ),
            (
                "metadata.name",
                Kind::Pod,
                "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
            ),
            (
                "a=b,c",
                Kind::Pod,
                "invalid selector: 'a=b,c'; can't understand 'c'",
            ),
            (
                "metadata.name=a=b",
                Kind::Pod,
                "invalid field selector: unescaped character in value: 61",
            ),
            (
                "metadata.name=a\\b",
                Kind::Pod,
                "invalid field selector: invalid escape sequence: \\b",
            ),
            (
                "metadata.name=a\\",
                Kind::Pod,
                "invalid field selector: invalid escape sequence: \\",
            ),
            (
                "metadata.name =x",
                Kind::Pod,
                "field label not supported: metadata.name ",
            ),
        ];
        for (input, kind, want) in rows {
            assert_eq!(
                FieldSelector::parse(input, kind),
                Err(want.to_string()),
                "{input:?}"
            );
        }
        for k in [Kind::Node, Kind::Namespace] {
            assert!(FieldSelector::parse("metadata.name=x", k).is_ok());
        }
        assert!(FieldSelector::parse("spec.unschedulable=true", Kind::Node).is_ok());
        assert!(FieldSelector::parse("involvedObject.name=x,type=Warning", Kind::Event).is_ok());
        assert!(FieldSelector::parse("type=Opaque", Kind::Secret).is_ok());
        assert!(FieldSelector::parse("status.replicas=0", Kind::ReplicaSet).is_ok());
        assert!(FieldSelector::parse("status.successful=1", Kind::Job).is_ok());
        assert!(FieldSelector::parse("status.phase=Active", Kind::Namespace).is_ok());
    }

    #[test]
    fn matching_pods() {
        let p = pod("web-1", "node-1", "Running");
        let yes = [
            "",
            "metadata.name=web-1",
            "metadata.namespace=default",
            "spec.nodeName=node-1",
            "spec.nodeName!=node-2",
            "status.phase=Running,spec.nodeName=node-1",
            "status.podIP=10.244.1.5",
            "spec.hostNetwork=false",
            "spec.restartPolicy=Always",
            "spec.schedulerName=default-scheduler",
            "status.nominatedNodeName=",
            "spec.serviceAccountName=",
            "status.podIPs=",
        ];
        let no = [
            "metadata.name=web-2",
            "spec.nodeName=",
            "status.phase!=Running",
            "spec.nodeName=node-1,status.phase=Pending",
        ];
        for s in yes {
            assert!(
                FieldSelector::parse(s, Kind::Pod).unwrap().matches(&p),
                "{s} should match"
            );
        }
        for s in no {
            assert!(
                !FieldSelector::parse(s, Kind::Pod).unwrap().matches(&p),
                "{s} should not match"
            );
        }
        let unscheduled = pod("web-2", "", "Pending");
        assert!(FieldSelector::parse("spec.nodeName=", Kind::Pod)
            .unwrap()
            .matches(&unscheduled));
    }

    #[test]
    fn exact_match_for_the_node_index() {
        let s =
            FieldSelector::parse("status.phase=Running,spec.nodeName=node-1", Kind::Pod).unwrap();
        assert_eq!(s.equality("spec.nodeName"), Some("node-1"));
        assert_eq!(s.equality("metadata.name"), None);
        let s = FieldSelector::parse("spec.nodeName!=node-1", Kind::Pod).unwrap();
        assert_eq!(s.equality("spec.nodeName"), None);
        assert!(FieldSelector::everything().is_empty());
        assert_eq!(
            FieldSelector::equal("spec.nodeName", "n").to_string(),
            "spec.nodeName=n"
        );
    }

    #[test]
    fn other_kinds() {
        let mut n = core_v1::Node::default();
        n.metadata.name = "node-1".into();
        let n = Object::Node(std::sync::Arc::new(n));
        assert!(FieldSelector::parse("spec.unschedulable=false", Kind::Node)
            .unwrap()
            .matches(&n));
        assert!(FieldSelector::parse("metadata.name=node-1", Kind::Node)
            .unwrap()
            .matches(&n));

        let mut e = core_v1::Event::default();
        e.metadata.name = "x.1".into();
        e.metadata.namespace = "default".into();
        e.involved_object.kind = "Pod".into();
        e.involved_object.name = "web-1".into();
        e.reporting_component = "kubelet".into();
        e.type_ = "Normal".into();
        let e = Object::Event(std::sync::Arc::new(e));
        let s = FieldSelector::parse(
            "involvedObject.kind=Pod,involvedObject.name=web-1,source=kubelet,type=Normal",
            Kind::Event,
        )
        .unwrap();
        assert!(s.matches(&e));
        assert!(!FieldSelector::parse("reason=Killing", Kind::Event)
            .unwrap()
            .matches(&e));
    }

    #[test]
    fn hostile_input_never_panics() {
        for s in [
            "é=é",
            "=",
            "==",
            "!=",
            "\\",
            "a\\",
            ",,,",
            "é\\é=x",
            "metadata.name=é\\",
        ] {
            let _ = FieldSelector::parse(s, Kind::Pod);
            let _ = FieldSelector::parse_untyped(s);
        }
        assert_eq!(
            FieldSelector::parse("=x", Kind::Pod),
            Err("field label not supported: ".to_string())
        );
    }
}
