//! YAML (and JSON, which is YAML) to a tree of nodes that remember where they came from.
//! Plain scalars are resolved as go-yaml v2 resolves them (YAML 1.1: `yes`, `on`, `y` are
//! booleans; `0755` is octal), because that is what kubectl sends to the API server.
//! Parsing uses `saphyr-parser` (events with positions); everything above the events is ours.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

/// A position in the user's text: 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A YAML value with its source position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in document order; keys are strings (go-yaml's JSON conversion stringifies them).
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// The JSON type name Go's encoding/json uses in messages.
    pub fn json_type(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }
}

impl Node {
    /// Looks up a key of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// Builds a tree from JSON (no positions), so JSON values decode through the same
    /// deserializer as user text.
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(items) => Value::Seq(items.iter().map(Node::from_json).collect()),
            J::Object(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| {
                        (
                            Node {
                                pos: Pos::default(),
                                value: Value::Str(k.clone()),
                            },
                            Node::from_json(v),
                        )
                    })
                    .collect(),
            ),
        };
        Node {
            pos: Pos::default(),
            value,
        }
    }

    /// Converts to serde_json (positions dropped), for apply's three-way merge.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    if let Value::Str(k) = &k.value {
                        m.insert(k.clone(), v.to_json());
                    }
                }
                J::Object(m)
            }
        }
    }
}

/// A YAML syntax error, worded as go-yaml words it where we know the equivalent.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// Where the problem is in the text (for the editor).
    pub pos: Pos,
    /// The line go-yaml names in its message (`yaml: line N: ...`); for an unclosed quote
    /// that is the end of the text, not where the quote opened. 0 when go-yaml names no
    /// line (its decoding errors, such as `invalid map key`).
    pub line: u32,
    pub message: String,
}

/// One document of a stream, with the position where it starts.
#[derive(Clone, Debug)]
pub struct Document {
    pub root: Node,
}

/// A duplicate key found while building the tree (reported by strict decoding).
#[derive(Clone, Debug, PartialEq)]
pub struct DuplicateKey {
    /// Dotted path of the duplicated field, e.g. `metadata.name`.
    pub path: String,
    pub pos: Pos,
}

/// Parses a multi-document stream. Empty documents (a trailing `---`) are dropped.
/// Returns the documents and, per document, the duplicate keys found in it.
pub fn parse_stream(text: &str) -> Result<Vec<(Document, Vec<DuplicateKey>)>, SyntaxError> {
    match parse_stream_partial(text) {
        (docs, None) => Ok(docs),
        (_, Some(e)) => Err(e),
    }
}

/// Like [`parse_stream`], but keeps the documents that parsed before a syntax error, as
/// kubectl's streaming decoder does.
pub fn parse_stream_partial(
    text: &str,
) -> (Vec<(Document, Vec<DuplicateKey>)>, Option<SyntaxError>) {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    let mut error = None;
    while let Some(ev) = parser.next_event() {
        let r = ev
            .map_err(|e| syntax_error(&e, text))
            .and_then(|(ev, span)| b.on_event(ev, span))
            .and_then(|()| b.error.take().map_or(Ok(()), Err));
        if let Err(e) = r {
            error = Some(e);
            break;
        }
    }
    (b.docs, error)
}

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: span.start.line() as u32,
        col: span.start.col() as u32 + 1,
    }
}

fn syntax_error(e: &ScanError, text: &str) -> SyntaxError {
    let m = e.marker();
    let info = e.info();
    let pos = Pos {
        line: m.line() as u32,
        col: m.col() as u32 + 1,
    };
    let eof_line = text.lines().count() as u32 + 1;
    // go-yaml's words for the situations users meet most.
    if info.contains("quoted scalar")
        || info.contains("unclosed quote")
        || info.contains("unexpected end of stream")
    {
        // go-yaml reads an unclosed quote to the end of the text and reports it there.
        return SyntaxError {
            pos,
            line: eof_line,
            message: "found unexpected end of stream".into(),
        };
    }
    let message = if info.contains("tab") {
        "found character that cannot start any token".to_string()
    } else if info.contains("mapping values are not allowed") {
        "mapping values are not allowed in this context".to_string()
    } else if info.contains("did not find expected key") {
        "did not find expected key".to_string()
    } else {
        info.to_string()
    };
    SyntaxError {
        pos,
        line: pos.line,
        message,
    }
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
        path: String,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        path: String,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<(Document, Vec<DuplicateKey>)>,
    current: Option<Node>,
    dups: Vec<DuplicateKey>,
    /// A decoding error met while building (go-yaml fails the document with it).
    error: Option<SyntaxError>,
}

/// Resolves a plain scalar as go-yaml v2 does.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::Str(s.to_string());
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = parse_go_int(&plain) {
        return Value::Int(i);
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(s.to_string())
}

/// Go's `strconv.ParseInt(s, 0, 64)`: decimal, `0x` hex, `0b` binary, `0o` and leading-0 octal.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, h)
        } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, b)
        } else if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, o)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from_str_radix(digits, radix).ok()?;
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

fn is_yaml_float(s: &str) -> bool {
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let b = s.trim_start_matches(['-', '+']).as_bytes();
    if s.len() - b.len() > 1 {
        return false;
    }
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-') | Some(b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

/// A value as Go's `%#v` prints what go-yaml v2 decodes into `interface{}`
/// (`map[interface {}]interface {}{"a":interface {}(nil)}`), for `invalid map key`.
fn go_sharp_v(v: &Value) -> String {
    match v {
        Value::Null => "interface {}(nil)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Seq(items) => {
            let items: Vec<String> = items.iter().map(|n| go_sharp_v(&n.value)).collect();
            format!("[]interface {{}}{{{}}}", items.join(", "))
        }
        Value::Map(entries) => {
            // fmt prints map keys sorted.
            let mut items: Vec<(String, String)> = entries
                .iter()
                .map(|(k, v)| (go_sharp_v(&k.value), go_sharp_v(&v.value)))
                .collect();
            items.sort();
            let items: Vec<String> = items.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", items.join(", "))
        }
    }
}

/// The text of a scalar key, as go-yaml's JSON conversion prints non-string keys.
fn key_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

impl Builder {
    /// The strict-decoding path of the node about to be pushed (`spec.containers[0].name`).
    fn current_path(&self) -> String {
        match self.stack.last() {
            Some(Frame::Map {
                path,
                pending_key: Some(k),
                ..
            }) => {
                let key = key_text(&k.value);
                if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                }
            }
            Some(Frame::Seq { path, items, .. }) => format!("{path}[{}]", items.len()),
            _ => String::new(),
        }
    }

    fn push_node(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.current = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                path,
                ..
            }) => match pending_key.take() {
                None => {
                    let mut key = node;
                    if matches!(key.value, Value::Seq(_) | Value::Map(_)) && self.error.is_none() {
                        // go-yaml v2 cannot use a collection as a key of its
                        // map[interface{}]interface{}: the whole document fails, e.g.
                        // `replicas: {{replicas}}` from an unrendered template.
                        self.error = Some(SyntaxError {
                            pos: key.pos,
                            line: 0,
                            message: format!("invalid map key: {}", go_sharp_v(&key.value)),
                        });
                    }
                    if !matches!(key.value, Value::Str(_)) {
                        key.value = Value::Str(key_text(&key.value));
                    }
                    if let Value::Str(k) = &key.value {
                        if entries
                            .iter()
                            .any(|(e, _)| matches!(&e.value, Value::Str(s) if s == k))
                        {
                            let full = if path.is_empty() {
                                k.clone()
                            } else {
                                format!("{path}.{k}")
                            };
                            self.dups.push(DuplicateKey {
                                path: full,
                                pos: key.pos,
                            });
                        }
                    }
                    *pending_key = Some(key);
                }
                Some(k) => {
                    // Later duplicates replace earlier ones, as go-yaml does when converting.
                    if let Value::Str(ks) = &k.value {
                        entries.retain(|(e, _)| !matches!(&e.value, Value::Str(s) if s == ks));
                    }
                    entries.push((k, node));
                }
            },
        }
    }

    fn on_event(&mut self, ev: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        let pos = pos_of(&span);
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                self.current = None;
                self.anchors.clear();
                self.dups.clear();
            }
            Event::DocumentEnd => {
                if let Some(root) = self.current.take() {
                    if root.value != Value::Null {
                        self.docs
                            .push((Document { root }, std::mem::take(&mut self.dups)));
                    }
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut n) => {
                    n.pos = pos;
                    self.push_node(n, 0);
                }
                None => {
                    return Err(SyntaxError {
                        pos,
                        line: pos.line,
                        message: "unknown anchor referenced".into(),
                    })
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                let is_str_tag = tag.as_ref().map(|t| t.suffix == "str").unwrap_or(false);
                let value = if style == ScalarStyle::Plain && !is_str_tag {
                    resolve_plain(&text)
                } else {
                    Value::Str(text.into_owned())
                };
                self.push_node(Node { pos, value }, anchor);
            }
            Event::SequenceStart(anchor, _) => {
                let path = self.current_path();
                self.stack.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                    path,
                });
            }
            Event::MappingStart(anchor, _) => {
                let path = self.current_path();
                self.stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                    path,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        pos, anchor, items, ..
                    }) => (
                        Node {
                            pos,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        pos,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            pos,
                            value: Value::Map(entries),
                        },
                        anchor,
                    ),
                    None => return Ok(()),
                };
                self.push_node(node, anchor);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        parse_stream(text).unwrap().remove(0).0.root
    }

    #[test]
    fn resolves_scalars_like_go_yaml_v2() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("y"), Value::Bool(true));
        assert_eq!(resolve_plain("Off"), Value::Bool(false));
        assert_eq!(resolve_plain("0755"), Value::Int(493));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("1.0"), Value::Float(1.0));
        assert_eq!(resolve_plain("80"), Value::Int(80));
        assert_eq!(resolve_plain("-3"), Value::Int(-3));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("500m"), Value::Str("500m".into()));
        assert_eq!(
            resolve_plain("nginx:1.14.2"),
            Value::Str("nginx:1.14.2".into())
        );
        assert_eq!(resolve_plain("1.14.2"), Value::Str("1.14.2".into()));
        // go-yaml falls back to a float when an octal-looking int does not parse.
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("-"), Value::Str("-".into()));
    }

    #[test]
    fn positions_and_duplicates() {
        let docs = parse_stream("a: 1\nb:\n  c: x\n  c: why\n---\n---\nz: [1, \"2\"]\n").unwrap();
        assert_eq!(docs.len(), 2);
        let (d, dups) = &docs[0];
        assert_eq!(
            d.root.get("b").unwrap().get("c").unwrap().value,
            Value::Str("why".into())
        );
        assert_eq!(
            d.root.get("b").unwrap().get("c").unwrap().pos,
            Pos { line: 4, col: 6 }
        );
        assert_eq!(
            dups,
            &vec![DuplicateKey {
                path: "b.c".into(),
                pos: Pos { line: 4, col: 3 }
            }]
        );
        assert_eq!(
            docs[1].0.root.get("z").unwrap().value,
            Value::Seq(vec![
                Node {
                    pos: Pos { line: 7, col: 5 },
                    value: Value::Int(1)
                },
                Node {
                    pos: Pos { line: 7, col: 8 },
                    value: Value::Str("2".into())
                },
            ])
        );
    }

    #[test]
    fn json_is_yaml() {
        let n = one("{\n\t\"kind\": \"Pod\",\n\t\"spec\": {\"x\": [true, null]}\n}");
        assert_eq!(n.get("kind").unwrap().as_str(), Some("Pod"));
    }

    #[test]
    fn syntax_errors_carry_lines() {
        let e =
            parse_stream("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n").unwrap_err();
        assert_eq!(e.pos.line, 4);
        assert_eq!(e.message, "found character that cannot start any token");
        let e = parse_stream("a: \"x\nb: c\n").unwrap_err();
        assert_eq!(e.message, "found unexpected end of stream");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn collection_keys_fail_like_go_yaml() {
        let e = parse_stream("a: 1\nreplicas: {{replicas}}\n").unwrap_err();
        assert_eq!(
            e.message,
            "invalid map key: map[interface {}]interface {}{\"replicas\":interface {}(nil)}"
        );
        assert_eq!((e.line, e.pos), (0, Pos { line: 2, col: 12 }));
        let e = parse_stream("? [a, 1]\n: x\n").unwrap_err();
        assert_eq!(e.message, "invalid map key: []interface {}{\"a\", 1}");
    }

    #[test]
    fn anchors_and_aliases() {
        let n = one("a: &x {k: v}\nb: *x\n");
        assert_eq!(n.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
    }
}
