//! Label selectors as upstream's `k8s.io/apimachinery/pkg/labels`: the string form
//! (`app=web,tier in (a,b),!legacy`, with `==`, `!=`, `notin`, `key`, `!key`, `>`, `<`)
//! parsed by the same lexer/parser rules and error texts, conversion from
//! `metav1.LabelSelector` (`LabelSelectorAsSelector`), matching, the canonical string
//! (requirements sorted by key), and the label key/value validation messages.

use super::go_quote;
use std::collections::BTreeMap;
use std::fmt;

use super::meta::LabelSelector;

/// A selection operator (upstream `selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=`
    Equals,
    /// `==`
    DoubleEquals,
    /// `!=`
    NotEquals,
    /// `in`
    In,
    /// `notin`
    NotIn,
    /// `key`
    Exists,
    /// `!key`
    DoesNotExist,
    /// `>` (`gt`)
    GreaterThan,
    /// `<` (`lt`)
    LessThan,
}

impl Operator {
    /// Upstream's operator string (`in`, `notin`, `=`, `==`, `!=`, `gt`, `lt`, `exists`, `!`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

/// One requirement: `key op values`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    /// Upstream `NewRequirement`: validates the key, the number of values for the operator
    /// and each value. `path` prefixes the field paths (`""` for none). The error is the
    /// aggregate of all field errors, formatted as upstream.
    pub fn new(
        key: &str,
        operator: Operator,
        values: Vec<String>,
        path: &str,
    ) -> Result<Requirement, String> {
        let mut errs: Vec<String> = Vec::new();
        let child = |c: &str| {
            if path.is_empty() {
                c.to_string()
            } else {
                format!("{path}.{c}")
            }
        };
        let key_errs = label_key_errors(key);
        if !key_errs.is_empty() {
            errs.push(format!(
                "{}: Invalid value: {}: {}",
                child("key"),
                go_quote(key),
                key_errs.join("; ")
            ));
        }
        let vpath = child("values");
        let detail = match operator {
            Operator::In | Operator::NotIn if values.is_empty() => {
                Some("for 'in', 'notin' operators, values set can't be empty")
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals
                if values.len() != 1 =>
            {
                Some("exact-match compatibility requires one single value")
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                Some("values set must be empty for exists and does not exist")
            }
            Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
                Some("for 'Gt', 'Lt' operators, exactly one value is required")
            }
            _ => None,
        };
        if let Some(d) = detail {
            errs.push(format!(
                "{vpath}: Invalid value: {}: {d}",
                go_string_slice(&values)
            ));
        }
        if matches!(operator, Operator::GreaterThan | Operator::LessThan) {
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(format!(
                        "{vpath}[{i}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value must be an integer",
                        go_quote(v)
                    ));
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            let v_errs = label_value_errors(v);
            if !v_errs.is_empty() {
                errs.push(format!(
                    "{vpath}[{i}][{key}]: Invalid value: {}: {}",
                    go_quote(v),
                    v_errs.join("; ")
                ));
            }
        }
        if errs.is_empty() {
            Ok(Requirement {
                key: key.to_string(),
                operator,
                values,
            })
        } else {
            Err(aggregate(errs))
        }
    }

    fn has_value(&self, v: &str) -> bool {
        self.values.iter().any(|x| x == v)
    }

    /// Upstream `Requirement.Matches`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                labels.get(&self.key).is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => {
                labels.get(&self.key).is_none_or(|v| !self.has_value(v))
            }
            Operator::Exists => labels.contains_key(&self.key),
            Operator::DoesNotExist => !labels.contains_key(&self.key),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(Ok(lv)) = labels.get(&self.key).map(|v| v.parse::<i64>()) else {
                    return false;
                };
                let [rv] = self.values.as_slice() else {
                    return false;
                };
                let Ok(rv) = rv.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    lv > rv
                } else {
                    lv < rv
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let (op, paren) = match self.operator {
            Operator::Equals => ("=", false),
            Operator::DoubleEquals => ("==", false),
            Operator::NotEquals => ("!=", false),
            Operator::In => (" in ", true),
            Operator::NotIn => (" notin ", true),
            Operator::GreaterThan => (">", false),
            Operator::LessThan => ("<", false),
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        if paren {
            f.write_str("(")?;
        }
        if self.values.len() == 1 {
            f.write_str(&self.values[0])?;
        } else {
            let mut v: Vec<&str> = self.values.iter().map(String::as_str).collect();
            v.sort_unstable();
            f.write_str(&v.join(","))?;
        }
        if paren {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A label selector: requirements ANDed, kept sorted by key (stable).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selector {
    requirements: Vec<Requirement>,
    /// `labels.Nothing()`: matches no object (a nil `*LabelSelector` in upstream).
    nothing: bool,
}

impl Selector {
    /// The selector that matches everything.
    pub fn everything() -> Selector {
        Selector::default()
    }
    /// The selector that matches nothing (upstream `labels.Nothing()`).
    pub fn nothing() -> Selector {
        Selector {
            requirements: Vec::new(),
            nothing: true,
        }
    }
    /// Upstream `SelectorFromSet`: `k=v` for every pair (no validation).
    pub fn from_set(set: &BTreeMap<String, String>) -> Selector {
        Selector {
            requirements: set
                .iter()
                .map(|(k, v)| Requirement {
                    key: k.clone(),
                    operator: Operator::Equals,
                    values: vec![v.clone()],
                })
                .collect(),
            nothing: false,
        }
    }
    /// Builds a selector from requirements (sorted by key, as upstream's `Add`).
    pub fn from_requirements(mut requirements: Vec<Requirement>) -> Selector {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Selector {
            requirements,
            nothing: false,
        }
    }

    /// Parses the string form `app=web,tier in (a,b),!legacy` (upstream `labels.Parse`),
    /// with upstream's error texts.
    pub fn parse(s: &str) -> Result<Selector, String> {
        let items = lex(s);
        let mut p = Parser { items, pos: 0 };
        let reqs = p.parse()?;
        Ok(Selector::from_requirements(reqs))
    }

    /// Converts a `metav1.LabelSelector` (upstream `LabelSelectorAsSelector`): empty means
    /// everything; operators In, NotIn, Exists, DoesNotExist.
    pub fn from_label_selector(s: &LabelSelector) -> Result<Selector, String> {
        if s.match_labels.is_empty() && s.match_expressions.is_empty() {
            return Ok(Selector::everything());
        }
        let mut reqs = Vec::with_capacity(s.match_labels.len() + s.match_expressions.len());
        for (k, v) in &s.match_labels {
            reqs.push(Requirement::new(k, Operator::Equals, vec![v.clone()], "")?);
        }
        for e in &s.match_expressions {
            let op = match e.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(format!(
                        "{} is not a valid label selector operator",
                        go_quote(other)
                    ))
                }
            };
            reqs.push(Requirement::new(&e.key, op, e.values.clone(), "")?);
        }
        Ok(Selector::from_requirements(reqs))
    }

    /// Converts an optional `metav1.LabelSelector`: `None` matches nothing, as upstream.
    pub fn from_optional_label_selector(s: Option<&LabelSelector>) -> Result<Selector, String> {
        match s {
            None => Ok(Selector::nothing()),
            Some(s) => Selector::from_label_selector(s),
        }
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }
    /// True when the selector does not restrict anything (upstream `Empty`).
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }
    /// True for [`Selector::nothing`].
    pub fn is_nothing(&self) -> bool {
        self.nothing
    }
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }
    /// Requirements of the form `key=value`, `key==value` or `key in (value)`: every
    /// matching object carries these labels, so a label index can narrow the candidates.
    pub fn equality_pairs(&self) -> Vec<(&str, &str)> {
        self.requirements
            .iter()
            .filter(|r| {
                matches!(
                    r.operator,
                    Operator::Equals | Operator::DoubleEquals | Operator::In
                )
            })
            .filter_map(|r| match r.values.as_slice() {
                [v] => Some((r.key.as_str(), v.as_str())),
                _ => None,
            })
            .collect()
    }
    /// Upstream `RequiresExactMatch`: the value the first requirement on `label` demands.
    pub fn requires_exact_match(&self, label: &str) -> Option<&str> {
        let r = self.requirements.iter().find(|r| r.key == label)?;
        match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [v]) => Some(v.as_str()),
            _ => None,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Lexer and parser (upstream's token set and grammar).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn literal_token(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::GreaterThan,
        "in" => Tok::In,
        "<" => Tok::LessThan,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}
fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn lex(s: &str) -> Vec<(Tok, String)> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < b.len() && is_ws(b[pos]) {
            pos += 1;
        }
        // Upstream reads a NUL byte as end of input.
        if pos >= b.len() || b[pos] == 0 {
            out.push((Tok::EndOfString, String::new()));
            return out;
        }
        if is_special(b[pos]) {
            let start = pos;
            let mut last: Option<(Tok, usize)> = None;
            while pos < b.len() && is_special(b[pos]) {
                match literal_token(&s[start..=pos]) {
                    Some(t) => {
                        last = Some((t, pos + 1));
                        pos += 1;
                    }
                    None if last.is_some() => break,
                    None => pos += 1,
                }
            }
            match last {
                Some((t, end)) => {
                    pos = end;
                    out.push((t, s[start..end].to_string()));
                }
                // Unreachable with upstream's symbol set; kept total.
                None => {
                    out.push((Tok::EndOfString, String::new()));
                    return out;
                }
            }
        } else {
            let start = pos;
            while pos < b.len() && b[pos] != 0 && !is_special(b[pos]) && !is_ws(b[pos]) {
                pos += 1;
            }
            let lit = String::from_utf8_lossy(&b[start..pos]).into_owned();
            let tok = literal_token(&lit).unwrap_or(Tok::Identifier);
            out.push((tok, lit));
        }
    }
}

struct Parser {
    items: Vec<(Tok, String)>,
    pos: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    KeyAndOperator,
    Values,
}

impl Parser {
    fn item(&self, i: usize, ctx: Ctx) -> (Tok, String) {
        let (t, l) = self
            .items
            .get(i)
            .cloned()
            .unwrap_or((Tok::EndOfString, String::new()));
        let t = match (ctx, t) {
            (Ctx::Values, Tok::In | Tok::NotIn) => Tok::Identifier,
            _ => t,
        };
        (t, l)
    }
    fn lookahead(&self, ctx: Ctx) -> (Tok, String) {
        self.item(self.pos, ctx)
    }
    fn consume(&mut self, ctx: Ctx) -> (Tok, String) {
        self.pos += 1;
        self.item(self.pos - 1, ctx)
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Ctx::Values);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume(Ctx::Values);
                    match t {
                        Tok::EndOfString => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(Ctx::Values);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::EndOfString => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ))
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, op) = self.parse_key_and_infer_operator()?;
        if let Some(op @ (Operator::Exists | Operator::DoesNotExist)) = op {
            return Requirement::new(&key, op, Vec::new(), "");
        }
        let op = self.parse_operator()?;
        let mut values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        values.sort();
        values.dedup();
        Requirement::new(&key, op, values, "")
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Ctx::Values);
        if tok == Tok::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Ctx::Values);
        }
        if tok != Tok::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        let errs = label_key_errors(&lit);
        if !errs.is_empty() {
            // Upstream validates with a nil field path, which prints as `<nil>`.
            return Err(format!(
                "<nil>: Invalid value: {}: {}",
                go_quote(&lit),
                errs.join("; ")
            ));
        }
        let (t, _) = self.lookahead(Ctx::Values);
        if (t == Tok::EndOfString || t == Tok::Comma) && op.is_none() {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume(Ctx::KeyAndOperator);
        Ok(match tok {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::GreaterThan => Operator::GreaterThan,
            Tok::LessThan => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            _ => {
                return Err(format!(
                    "found '{lit}', expected: in, notin, =, ==, !=, gt, lt"
                ))
            }
        })
    }

    fn parse_values(&mut self) -> Result<Vec<String>, String> {
        let (tok, lit) = self.consume(Ctx::Values);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Ctx::Values);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let s = self.parse_identifiers_list()?;
                let (t, _) = self.consume(Ctx::Values);
                if t != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Tok::ClosedPar => {
                self.consume(Ctx::Values);
                Ok(vec![String::new()])
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<Vec<String>, String> {
        let mut s: Vec<String> = Vec::new();
        loop {
            let (tok, lit) = self.consume(Ctx::Values);
            match tok {
                Tok::Identifier => {
                    s.push(lit);
                    let (t2, l2) = self.lookahead(Ctx::Values);
                    match t2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if s.is_empty() {
                        s.push(String::new());
                    }
                    let (t2, _) = self.lookahead(Ctx::Values);
                    if t2 == Tok::ClosedPar {
                        s.push(String::new());
                        return Ok(s);
                    }
                    if t2 == Tok::Comma {
                        s.push(String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<Vec<String>, String> {
        let (tok, _) = self.lookahead(Ctx::Values);
        if tok == Tok::EndOfString || tok == Tok::Comma {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(Ctx::Values);
        if tok == Tok::Identifier {
            return Ok(vec![lit]);
        }
        Err(format!("found '{lit}', expected: identifier"))
    }
}

// ---------------------------------------------------------------------------
// Validation messages (upstream `IsQualifiedName`, `IsValidLabelValue`).

const QNAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QNAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/// Matches `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` (any length).
fn is_qname_shape(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

fn is_dns1123_label_shape(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
            ok(f) && ok(l) && b.iter().all(|c| ok(c) || *c == b'-')
        }
        _ => false,
    }
}

/// Upstream `IsQualifiedName` (label keys): the list of problems, empty when valid.
pub fn label_key_errors(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = key.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                if prefix.len() > 253 {
                    errs.push("prefix part must be no more than 253 characters".to_string());
                }
                if !prefix.split('.').all(is_dns1123_label_shape) {
                    errs.push(format!("prefix part {DNS1123_SUBDOMAIN_MSG}"));
                }
            }
            name
        }
        _ => {
            errs.push(format!(
                "a qualified name {QNAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".to_string());
    }
    if !is_qname_shape(name) {
        errs.push(format!("name part {QNAME_MSG}"));
    }
    let _ = QNAME_FMT;
    errs
}

/// Upstream `IsValidLabelValue`: the list of problems, empty when valid.
pub fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !value.is_empty() && !is_qname_shape(value) {
        errs.push(LABEL_VALUE_MSG.to_string());
    }
    errs
}

/// Upstream `utilerrors.NewAggregate(..).Error()`: one message as is, several in brackets
/// (duplicates dropped).
fn aggregate(errs: Vec<String>) -> String {
    let mut uniq: Vec<String> = Vec::new();
    for e in errs {
        if !uniq.contains(&e) {
            uniq.push(e);
        }
    }
    if uniq.len() == 1 {
        uniq.pop().unwrap_or_default()
    } else {
        format!("[{}]", uniq.join(", "))
    }
}

/// Go's `%#v` of a `[]string` (`[]string(nil)` when empty: values come from JSON/parse).
fn go_string_slice(v: &[String]) -> String {
    if v.is_empty() {
        return "[]string(nil)".to_string();
    }
    let items: Vec<String> = v.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parse_and_print_canonical() {
        // Rows in the spirit of upstream TestSelectorParse / TestToString.
        let rows = [
            ("", ""),
            ("x=a,y=b,z=c", "x=a,y=b,z=c"),
            (
                "app=web,tier in (b,a),!legacy",
                "app=web,!legacy,tier in (a,b)",
            ),
            ("x!=a,y=b", "x!=a,y=b"),
            ("x=,z= ", "x=,z="),
            ("x= ,z= ", "x=,z="),
            ("!x", "!x"),
            ("x>1", "x>1"),
            ("x<1,y>1", "x<1,y>1"),
            ("x==a", "x==a"),
            ("  x  in  ( a , b )  ", "x in (a,b)"),
            (
                "x in (foo,,baz),y,z notin ()",
                "x in (,baz,foo),y,z notin ()",
            ),
            ("x in (b,a,a)", "x in (a,b)"),
            ("x notin (a)", "x notin (a)"),
            ("in in (in)", "in in (in)"),
            ("notin notin (notin)", "notin notin (notin)"),
            ("z,a,m", "a,m,z"),
            ("b=1,a=2,b!=3", "a=2,b=1,b!=3"),
            ("example.com/app=web", "example.com/app=web"),
            ("x in (,)", "x in ()"),
            ("x in (a,)", "x in (,a)"),
            ("x in (,,a)", "x in (,a)"),
        ];
        for (input, want) in rows {
            let s = Selector::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(s.to_string(), want, "input {input:?}");
        }
    }

    #[test]
    fn parse_errors_as_upstream() {
        let rows = [
            ("x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
            ("x==a==b", "found '==', expected: ',' or 'end of string'"),
            ("!x=a", "found '=', expected: ',' or 'end of string'"),
            ("x in (", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
            ("x in", "unable to parse requirement: found '' expected: '('"),
            ("x in a", "unable to parse requirement: found 'a' expected: '('"),
            ("x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
            ("x notin (a", "unable to parse requirement: found '', expected: ',' or ')'"),
            ("x y", "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"),
            ("x,", "found '', expected: identifier after ','"),
            (",x", "found ',', expected: !, identifier, or 'end of string'"),
            ("!", "unable to parse requirement: found '', expected: identifier"),
            ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
            ("!,x", "unable to parse requirement: found ',', expected: identifier"),
            ("x=(", "unable to parse requirement: found '(', expected: identifier"),
            ("x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"),
            ("x>", "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"),
            ("A B", "unable to parse requirement: found 'B', expected: in, notin, =, ==, !=, gt, lt"),
            ("-x", "unable to parse requirement: <nil>: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
            ("a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
            ("/x", "unable to parse requirement: <nil>: Invalid value: \"/x\": prefix part must be non-empty"),
            ("Ex.com/x", "unable to parse requirement: <nil>: Invalid value: \"Ex.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
        ];
        for (input, want) in rows {
            let got = Selector::parse(input).map(|s| s.to_string());
            assert_eq!(got, Err(want.to_string()), "input {input:?}");
        }
        let long = "a".repeat(64);
        assert_eq!(
            Selector::parse(&long).unwrap_err(),
            format!("unable to parse requirement: <nil>: Invalid value: \"{long}\": name part must be no more than 63 characters")
        );
    }

    #[test]
    fn matching() {
        let l = labels(&[("app", "web"), ("tier", "a"), ("n", "5")]);
        let yes = [
            "",
            "app=web",
            "app==web",
            "app in (web,db)",
            "tier notin (b)",
            "app",
            "!legacy",
            "legacy!=x",
            "n>4",
            "n<6",
            "app=web,tier in (a,b),!legacy",
        ];
        let no = [
            "app=db",
            "app!=web",
            "app notin (web)",
            "legacy",
            "!app",
            "n>5",
            "n<5",
            "app>1",
            "legacy in (x)",
            "tier in (b,c)",
        ];
        for s in yes {
            assert!(Selector::parse(s).unwrap().matches(&l), "{s} should match");
        }
        for s in no {
            assert!(
                !Selector::parse(s).unwrap().matches(&l),
                "{s} should not match"
            );
        }
        assert!(Selector::everything().matches(&l));
        assert!(!Selector::nothing().matches(&l));
        assert!(Selector::everything().is_empty());
        assert!(!Selector::nothing().is_empty());
        assert!(!Selector::parse("a").unwrap().is_empty());
        assert!(Selector::parse("x=")
            .unwrap()
            .matches(&labels(&[("x", "")])));
        assert!(!Selector::parse("x=").unwrap().matches(&labels(&[])));
    }

    #[test]
    fn from_label_selector_as_upstream() {
        let ls = LabelSelector {
            match_labels: [("app".to_string(), "web".to_string())]
                .into_iter()
                .collect(),
            match_expressions: vec![
                LabelSelectorRequirement {
                    key: "tier".into(),
                    operator: "In".into(),
                    values: vec!["b".into(), "a".into()],
                },
                LabelSelectorRequirement {
                    key: "legacy".into(),
                    operator: "DoesNotExist".into(),
                    values: vec![],
                },
                LabelSelectorRequirement {
                    key: "env".into(),
                    operator: "Exists".into(),
                    values: vec![],
                },
                LabelSelectorRequirement {
                    key: "zone".into(),
                    operator: "NotIn".into(),
                    values: vec!["x".into()],
                },
            ],
        };
        let s = Selector::from_label_selector(&ls).unwrap();
        assert_eq!(
            s.to_string(),
            "app=web,env,!legacy,tier in (a,b),zone notin (x)"
        );
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "a"), ("env", "")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "c"), ("env", "")])));
        assert_eq!(s.equality_pairs(), vec![("app", "web")]);
        assert_eq!(s.requires_exact_match("app"), Some("web"));
        assert_eq!(s.requires_exact_match("tier"), None);

        assert!(Selector::from_label_selector(&LabelSelector::default())
            .unwrap()
            .is_empty());
        assert!(Selector::from_optional_label_selector(None)
            .unwrap()
            .is_nothing());

        let bad = |op: &str, values: Vec<String>| {
            let ls = LabelSelector {
                match_labels: BTreeMap::new(),
                match_expressions: vec![LabelSelectorRequirement {
                    key: "k".into(),
                    operator: op.into(),
                    values,
                }],
            };
            Selector::from_label_selector(&ls).unwrap_err()
        };
        assert_eq!(
            bad("Foo", vec![]),
            "\"Foo\" is not a valid label selector operator"
        );
        assert_eq!(
            bad("in", vec!["a".into()]),
            "\"in\" is not a valid label selector operator"
        );
        assert_eq!(
            bad("In", vec![]),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
        );
        assert_eq!(
            bad("Exists", vec!["a".into()]),
            "values: Invalid value: []string{\"a\"}: values set must be empty for exists and does not exist"
        );
        let ls = LabelSelector {
            match_labels: [("bad key".to_string(), "v!".to_string())]
                .into_iter()
                .collect(),
            match_expressions: vec![],
        };
        assert_eq!(
            Selector::from_label_selector(&ls).unwrap_err(),
            format!(
                "[key: Invalid value: \"bad key\": name part {QNAME_MSG}, values[0][bad key]: Invalid value: \"v!\": {LABEL_VALUE_MSG}]"
            )
        );
    }

    #[test]
    fn equality_pairs_for_index() {
        let s = Selector::parse("a=1,b==2,c in (3),d in (4,5),e!=6,f").unwrap();
        assert_eq!(s.equality_pairs(), vec![("a", "1"), ("b", "2"), ("c", "3")]);
        let set = labels(&[("x", "1"), ("y", "2")]);
        let s = Selector::from_set(&set);
        assert_eq!(s.to_string(), "x=1,y=2");
        assert!(s.matches(&set));
    }

    #[test]
    fn hostile_input_never_panics() {
        for s in [
            "\0",
            "x=\0",
            "é=é",
            "x in ((((",
            "))))",
            "!!!!",
            "<<>>",
            "x in (a,b",
            "=",
            "x=é",
            "a,,b",
            "(",
            "x notin",
            "x in ()",
            "x>99999999999999999999",
        ] {
            let _ = Selector::parse(s).map(|s| s.to_string());
        }
        assert_eq!(Selector::parse("\0x").unwrap().to_string(), "");
    }
}
