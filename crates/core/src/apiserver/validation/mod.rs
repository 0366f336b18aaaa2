//! Validation as upstream's `pkg/apis/*/validation`: field errors with upstream wording,
//! the shared name/label/metadata validators, and per-group validators for every kind.
//! [`validate_create`] and [`validate_update`] are what the API server calls.

mod others;
mod workloads;

pub use workloads::validate_pod_template_spec;

use std::collections::BTreeMap;
use std::fmt;

use crate::api::{IntOrString, LabelSelector, Object, ObjectMeta};

/// The value shown after `Invalid value:` / `Unsupported value:` (Go's `%#v` of it).
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Printed as is (for structs and lists, as upstream prints them).
    Raw(String),
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Str(s) => write!(f, "{}", go_quote(s)),
            FieldValue::Int(i) => write!(f, "{i}"),
            FieldValue::Bool(b) => write!(f, "{b}"),
            FieldValue::Raw(r) => f.write_str(r),
        }
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Str(s.to_string())
    }
}
impl From<&String> for FieldValue {
    fn from(s: &String) -> Self {
        FieldValue::Str(s.clone())
    }
}
impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Str(s)
    }
}
impl From<i64> for FieldValue {
    fn from(i: i64) -> Self {
        FieldValue::Int(i)
    }
}
impl From<i32> for FieldValue {
    fn from(i: i32) -> Self {
        FieldValue::Int(i as i64)
    }
}
impl From<bool> for FieldValue {
    fn from(b: bool) -> Self {
        FieldValue::Bool(b)
    }
}

pub use crate::api::go_quote;

/// The upstream field error types (`field.ErrorType`).
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorType {
    Required,
    Invalid(FieldValue),
    /// `Unsupported value: "x": supported values: "a", "b"`.
    NotSupported(FieldValue, Vec<String>),
    Duplicate(FieldValue),
    Forbidden,
    /// `Too long: may not be more than N bytes`.
    TooLong(usize),
    /// `Too many: N: must have at most M items`.
    TooMany(usize, usize),
    NotFound(FieldValue),
}

/// One validation error at a field path, printed exactly as upstream's `field.Error`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub kind: ErrorType,
    pub detail: String,
}

impl FieldError {
    /// The part after `<field>: `, which is what the API puts in a Status cause's message.
    pub fn body(&self) -> String {
        let with_detail = |head: String| {
            if self.detail.is_empty() {
                head
            } else {
                format!("{head}: {}", self.detail)
            }
        };
        match &self.kind {
            ErrorType::Required => with_detail("Required value".into()),
            ErrorType::Invalid(v) => with_detail(format!("Invalid value: {v}")),
            ErrorType::NotSupported(v, valid) => {
                let mut s = format!("Unsupported value: {v}");
                if !valid.is_empty() {
                    let q: Vec<String> = valid.iter().map(|x| go_quote(x)).collect();
                    s.push_str(&format!(": supported values: {}", q.join(", ")));
                }
                s
            }
            ErrorType::Duplicate(v) => format!("Duplicate value: {v}"),
            ErrorType::Forbidden => with_detail("Forbidden".into()),
            ErrorType::TooLong(n) => format!("Too long: may not be more than {n} bytes"),
            ErrorType::TooMany(have, max) => {
                format!("Too many: {have}: must have at most {max} items")
            }
            ErrorType::NotFound(v) => format!("Not found: {v}"),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// A list of field errors collected by one validation pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn push(&mut self, field: impl Into<String>, kind: ErrorType, detail: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            kind,
            detail: detail.into(),
        });
    }
    pub fn required(&mut self, field: impl Into<String>, detail: impl Into<String>) {
        self.push(field, ErrorType::Required, detail);
    }
    pub fn invalid(
        &mut self,
        field: impl Into<String>,
        value: impl Into<FieldValue>,
        detail: impl Into<String>,
    ) {
        self.push(field, ErrorType::Invalid(value.into()), detail);
    }
    pub fn not_supported(
        &mut self,
        field: impl Into<String>,
        value: impl Into<FieldValue>,
        valid: &[&str],
    ) {
        self.push(
            field,
            ErrorType::NotSupported(value.into(), valid.iter().map(|s| s.to_string()).collect()),
            "",
        );
    }
    pub fn duplicate(&mut self, field: impl Into<String>, value: impl Into<FieldValue>) {
        self.push(field, ErrorType::Duplicate(value.into()), "");
    }
    pub fn forbidden(&mut self, field: impl Into<String>, detail: impl Into<String>) {
        self.push(field, ErrorType::Forbidden, detail);
    }
    pub fn too_long(&mut self, field: impl Into<String>, max: usize) {
        self.push(field, ErrorType::TooLong(max), "");
    }
}

// ---- shared validators (upstream apimachinery/pkg/util/validation) ----

pub const DNS1123_LABEL_MAX: usize = 63;
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;

fn is_alnum_lower(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn is_dns1123_label_shape(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_alnum_lower(b[0])
        && is_alnum_lower(b[b.len() - 1])
        && b.iter().all(|&c| is_alnum_lower(c) || c == b'-')
}

/// Errors for a DNS-1123 label (`metadata.name` of Namespace, Service, ...), worded as upstream.
pub fn dns1123_label_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_LABEL_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_LABEL_MAX} characters"
        ));
    }
    if !is_dns1123_label_shape(s) {
        errs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".into());
    }
    errs
}

/// Errors for a DNS-1123 subdomain (most object names), worded as upstream.
pub fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
        ));
    }
    if s.is_empty() || !s.split('.').all(is_dns1123_label_shape) {
        errs.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into());
    }
    errs
}

/// Errors for an RFC 1035 label (Service names), worded as upstream.
pub fn dns1035_label_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > DNS1123_LABEL_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_LABEL_MAX} characters"
        ));
    }
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_lowercase()
        && is_alnum_lower(b[b.len() - 1])
        && b.iter().all(|&c| is_alnum_lower(c) || c == b'-');
    if !ok {
        errs.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".into());
    }
    errs
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, whatever the length.
fn is_qualified_name_part_shape(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.')
}

/// Errors for a qualified name (label and annotation keys: `[prefix/]name`), worded as upstream.
pub fn qualified_name_errors(s: &str) -> Vec<String> {
    const MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    let mut errs = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".into());
            } else {
                for e in dns1123_subdomain_errors(prefix) {
                    errs.push(format!("prefix part {e}"));
                }
            }
            name
        }
        _ => {
            errs.push("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".into());
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".into());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".into());
    }
    if !is_qualified_name_part_shape(name) {
        errs.push(MSG.into());
    }
    errs
}

/// Errors for a label value, worded as upstream.
pub fn label_value_errors(v: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if v.len() > 63 {
        errs.push("must be no more than 63 characters".into());
    }
    if !v.is_empty() && !is_qualified_name_part_shape(v) {
        errs.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".into());
    }
    errs
}

/// Validates a label map at `path` (`metadata.labels`, `spec.selector.matchLabels`, ...).
pub fn validate_labels(labels: &BTreeMap<String, String>, path: &str, errs: &mut FieldErrors) {
    for (k, v) in labels {
        for e in qualified_name_errors(k) {
            errs.invalid(path, k.as_str(), e);
        }
        for e in label_value_errors(v) {
            errs.invalid(format!("{path}[{k}]"), v.as_str(), e);
        }
    }
}

/// Upstream `ValidateLabelSelector` at `path`: matchLabels, then each matchExpressions entry.
pub fn validate_label_selector(s: &LabelSelector, path: &str, errs: &mut FieldErrors) {
    validate_labels(&s.match_labels, &format!("{path}.matchLabels"), errs);
    for (i, r) in s.match_expressions.iter().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        match r.operator.as_str() {
            "In" | "NotIn" => {
                if r.values.is_empty() {
                    errs.required(
                        format!("{p}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    );
                }
            }
            "Exists" | "DoesNotExist" => {
                if !r.values.is_empty() {
                    errs.forbidden(
                        format!("{p}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    );
                }
            }
            op => errs.invalid(format!("{p}.operator"), op, "not a valid selector operator"),
        }
        for e in qualified_name_errors(&r.key) {
            errs.invalid(format!("{p}.key"), r.key.as_str(), e);
        }
    }
}

/// `validation.IsValidPortNum`.
pub fn port_num_errors(port: i32) -> Vec<String> {
    if (1..=65535).contains(&port) {
        Vec::new()
    } else {
        vec!["must be between 1 and 65535, inclusive".into()]
    }
}

/// `validation.IsValidPortName` (an IANA_SVC_NAME).
pub fn port_name_errors(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 15 {
        errs.push("must be no more than 15 characters".into());
    }
    if !name
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        || name.is_empty()
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !name.bytes().any(|c| c.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// `ValidatePortNumOrName` (Service targetPort).
pub fn validate_port_num_or_name(port: &IntOrString, path: &str, errs: &mut FieldErrors) {
    match port {
        IntOrString::Int(n) => {
            for e in port_num_errors(*n) {
                errs.invalid(path, *n, e);
            }
        }
        IntOrString::String(s) => {
            for e in port_name_errors(s) {
                errs.invalid(path, s.as_str(), e);
            }
        }
    }
}

/// The first of [`port_num_errors`], for checks that report one message.
pub fn first_port_num_error(port: i32) -> Option<String> {
    port_num_errors(port).into_iter().next()
}

/// Validates annotations (keys, and the 256 KiB total size limit).
pub fn validate_annotations(ann: &BTreeMap<String, String>, path: &str, errs: &mut FieldErrors) {
    let mut total = 0usize;
    for (k, v) in ann {
        for e in qualified_name_errors(&k.to_ascii_lowercase()) {
            errs.invalid(path, k.as_str(), e);
        }
        total += k.len() + v.len();
    }
    if total > 256 * 1024 {
        errs.push(path, ErrorType::TooLong(256 * 1024), "");
    }
}

/// How a kind's `metadata.name` is validated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    Subdomain,
    Label,
    Rfc1035,
    /// Path segment names (RBAC): anything but `.`, `..`, and `/` or `%`.
    PathSegment,
}

/// Validates `metadata` of a new object (upstream `ValidateObjectMeta`).
pub fn validate_object_meta(
    meta: &ObjectMeta,
    namespaced: bool,
    rule: NameRule,
    errs: &mut FieldErrors,
) {
    if meta.name.is_empty() {
        if meta.generate_name.is_empty() {
            errs.required("metadata.name", "name or generateName is required");
        }
    } else {
        let problems = match rule {
            NameRule::Subdomain => dns1123_subdomain_errors(&meta.name),
            NameRule::Label => dns1123_label_errors(&meta.name),
            NameRule::Rfc1035 => dns1035_label_errors(&meta.name),
            NameRule::PathSegment => path_segment_errors(&meta.name),
        };
        for e in problems {
            errs.invalid("metadata.name", meta.name.as_str(), e);
        }
    }
    if namespaced {
        if meta.namespace.is_empty() {
            errs.required("metadata.namespace", "");
        } else {
            for e in dns1123_label_errors(&meta.namespace) {
                errs.invalid("metadata.namespace", meta.namespace.as_str(), e);
            }
        }
    } else if !meta.namespace.is_empty() {
        errs.forbidden("metadata.namespace", "not allowed on this type");
    }
    validate_labels(&meta.labels, "metadata.labels", errs);
    validate_annotations(&meta.annotations, "metadata.annotations", errs);
    for (i, r) in meta.owner_references.iter().enumerate() {
        let p = format!("metadata.ownerReferences[{i}]");
        if r.api_version.is_empty() {
            errs.invalid(
                format!("{p}.apiVersion"),
                r.api_version.as_str(),
                "version must not be empty",
            );
        }
        if r.kind.is_empty() {
            errs.invalid(
                format!("{p}.kind"),
                r.kind.as_str(),
                "kind must not be empty",
            );
        }
        if r.name.is_empty() {
            errs.invalid(
                format!("{p}.name"),
                r.name.as_str(),
                "name must not be empty",
            );
        }
        if r.uid.is_empty() {
            errs.invalid(format!("{p}.uid"), r.uid.as_str(), "uid must not be empty");
        }
    }
    if meta
        .owner_references
        .iter()
        .filter(|r| r.controller == Some(true))
        .count()
        > 1
    {
        errs.invalid(
            "metadata.ownerReferences",
            FieldValue::Raw("[...]".into()),
            "Only one reference can have Controller set to true",
        );
    }
}

/// Errors for names that must be valid path segments (upstream `IsValidPathSegmentName`).
pub fn path_segment_errors(s: &str) -> Vec<String> {
    if s == "." || s == ".." {
        return vec![format!("may not be '{s}'")];
    }
    let mut errs = Vec::new();
    for bad in ["/", "%"] {
        if s.contains(bad) {
            errs.push(format!("may not contain '{bad}'"));
        }
    }
    errs
}

/// Validates the immutable parts of metadata on update (upstream `ValidateObjectMetaUpdate`).
pub fn validate_object_meta_update(new: &ObjectMeta, old: &ObjectMeta, errs: &mut FieldErrors) {
    if new.name != old.name {
        errs.invalid("metadata.name", new.name.as_str(), "field is immutable");
    }
    if new.namespace != old.namespace {
        errs.invalid(
            "metadata.namespace",
            new.namespace.as_str(),
            "field is immutable",
        );
    }
    if new.uid != old.uid {
        errs.invalid("metadata.uid", new.uid.as_str(), "field is immutable");
    }
    if new.creation_timestamp != old.creation_timestamp {
        errs.invalid(
            "metadata.creationTimestamp",
            FieldValue::Raw(format!(
                "{:?}",
                new.creation_timestamp.map(|t| t.to_string())
            )),
            "field is immutable",
        );
    }
}

/// The name rule each kind uses for `metadata.name`.
pub fn name_rule(kind: crate::api::Kind) -> NameRule {
    use crate::api::Kind::*;
    match kind {
        Namespace => NameRule::Label,
        Service => NameRule::Rfc1035,
        Role | ClusterRole | RoleBinding | ClusterRoleBinding => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

/// Validates an object about to be created: metadata, then the kind's own rules.
pub fn validate_create(obj: &Object) -> FieldErrors {
    let mut errs = FieldErrors::default();
    let kind = obj.kind();
    validate_object_meta(
        obj.meta(),
        kind.info().namespaced,
        name_rule(kind),
        &mut errs,
    );
    workloads::validate(obj, &mut errs);
    others::validate(obj, &mut errs);
    errs
}

/// Validates an update of `old` to `new`: everything `validate_create` checks, plus
/// immutable fields.
pub fn validate_update(new: &Object, old: &Object) -> FieldErrors {
    let mut errs = FieldErrors::default();
    let kind = new.kind();
    validate_object_meta(
        new.meta(),
        kind.info().namespaced,
        name_rule(kind),
        &mut errs,
    );
    validate_object_meta_update(new.meta(), old.meta(), &mut errs);
    workloads::validate(new, &mut errs);
    others::validate(new, &mut errs);
    workloads::validate_update(new, old, &mut errs);
    others::validate_update(new, old, &mut errs);
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_name_is_invalid_with_upstream_words() {
        let errs = dns1123_subdomain_errors("Flask");
        assert_eq!(errs.len(), 1);
        let mut fe = FieldErrors::default();
        fe.invalid("metadata.name", "Flask", errs[0].clone());
        assert_eq!(
            fe.0[0].to_string(),
            "metadata.name: Invalid value: \"Flask\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        );
        assert!(dns1123_subdomain_errors("flask-deployment").is_empty());
        assert!(dns1123_subdomain_errors("a.b-c").is_empty());
        assert!(!dns1123_subdomain_errors("a..b").is_empty());
    }

    #[test]
    fn label_rules() {
        assert!(qualified_name_errors("app.kubernetes.io/name").is_empty());
        assert!(!qualified_name_errors("-bad").is_empty());
        assert!(label_value_errors("").is_empty());
        assert!(!label_value_errors("a b").is_empty());
        // Multi-byte characters near the 63-byte limit must not panic.
        let key = format!("{}é", "a".repeat(62));
        assert_eq!(qualified_name_errors(&key).len(), 2);
        assert_eq!(label_value_errors(&key).len(), 2);
    }

    #[test]
    fn unsupported_value_wording() {
        let mut fe = FieldErrors::default();
        fe.not_supported(
            "spec.restartPolicy",
            "Sometimes",
            &["Always", "Never", "OnFailure"],
        );
        assert_eq!(fe.0[0].to_string(), "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\"");
    }
}
