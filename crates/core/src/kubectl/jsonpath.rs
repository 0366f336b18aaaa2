//! kubectl's JSONPath templates (`-o jsonpath=`, `-o jsonpath-as-json=`) and custom
//! columns (`-o custom-columns=`), as client-go's `util/jsonpath` and kubectl's printers
//! implement them.
//!
//! A template is text with `{...}` actions. Inside an action: `.field` (with `\.` to escape
//! a dot), `..` (recursive descent), `*`, `[i]`, `[start:end:step]`, `['key']`, unions
//! `[0,1]` / `['a','b']`, filters `[?(@.x == "y")]` and existence filters `[?(@.x)]`,
//! string literals `"\n"` / `'\t'`, numbers, `true`/`false`, and `range` ... `end`.
//!
//! Upstream's quirks are kept on purpose, because kubectl prints them: `['a.b']` is read
//! as `.a.b` and `['a b']` as `.a` followed by the identifier `b`; `[a,b]` is an invalid
//! array index; comparing an int with a float is "incompatible types for comparison"; a
//! string under `*` or `..` yields its bytes. Go's maps iterate in random order; here map
//! values are visited in key order, one of the orders kubectl may print.
//!
//! Output: each action's values are joined by a space; strings print raw, maps and lists
//! as compact Go JSON, numbers as Go's `%v`, `null` for JSON null. No newline is added.
//! `jsonpath-as-json` prints each action's values as an indented JSON array instead.
//!
//! Parsing is iterative and evaluation recursion is bounded by [`MAX_DEPTH`], so no
//! template or object can overflow the stack.

use serde_json::Value;

use super::{table, yaml};

/// Deepest nesting of sub-templates (filters and unions inside each other), of `range`
/// blocks, and of objects walked by `..`.
pub const MAX_DEPTH: usize = 64;

/// One parsed element of an action.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    /// A string literal (or, at the top level, text outside the actions).
    Text(String),
    Field(String),
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
    Identifier(String),
    /// An action `{...}` (only at the top level).
    List(Vec<Node>),
}

/// One bound of a slice `[start:end:step]`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Param {
    value: i64,
    known: bool,
    /// `end` filled in as `start + 1` for `[i]`.
    derived: bool,
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    raw: String,
    nodes: Vec<Node>,
    allow_missing_keys: bool,
    json_output: bool,
}

/// A value met during evaluation: a part of the object, or a literal from the template.
#[derive(Clone, Debug)]
enum Item<'a> {
    Json(&'a Value),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A byte of a string (under `*` or `..`), Go's `uint8`.
    Byte(u8),
    /// Go's invalid `reflect.Value`: what `range` hands on for a null element.
    Nothing,
}

impl Template {
    /// Parses a template; the error is upstream's parser message
    /// (`unterminated array`, `unclosed action`, ...).
    pub fn parse(text: &str) -> Result<Template, String> {
        Ok(Template {
            raw: text.to_string(),
            nodes: parse_root(text, 0)?,
            allow_missing_keys: true,
            json_output: false,
        })
    }

    /// kubectl's `--allow-missing-template-keys` (true by default): when false, a missing
    /// field is an error (`x is not found`).
    pub fn allow_missing_keys(mut self, allow: bool) -> Template {
        self.allow_missing_keys = allow;
        self
    }

    /// `-o jsonpath-as-json`: each action's results as an indented JSON array.
    pub fn json_output(mut self, on: bool) -> Template {
        self.json_output = on;
        self
    }

    /// Runs the template over `data`; the error is the bare engine message
    /// (`array index out of bounds: index 5, length 1`).
    pub fn execute(&self, data: &Value) -> Result<String, String> {
        let groups = self.find_results(data)?;
        let mut out = String::new();
        for g in &groups {
            if self.json_output {
                let arr = Value::Array(g.iter().map(item_json).collect());
                out.push_str(&yaml::to_json_pretty(&arr));
                continue;
            }
            for (i, item) in g.iter().enumerate() {
                out.push_str(&item_text(item));
                if i + 1 < g.len() {
                    out.push(' ');
                }
            }
        }
        Ok(out)
    }

    /// What `kubectl get -o jsonpath=...` prints, or its whole error message (starting
    /// with `error: error executing jsonpath`).
    pub fn print(&self, data: &Value) -> Result<String, String> {
        self.execute(data).map_err(|e| {
            format!(
                "error: error executing jsonpath {}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{}\n\tobject given to jsonpath engine was:\n\t\t{}\n\n\n",
                go_quote(&self.raw),
                self.raw,
                go_sharp_v(data)
            )
        })
    }

    /// The results of each top-level piece, ranges expanded.
    fn find_results<'a>(&self, data: &'a Value) -> Result<Vec<Vec<Item<'a>>>, String> {
        let pieces = structure(&self.nodes);
        let mut eval = Eval {
            allow_missing_keys: self.allow_missing_keys,
            depth: 0,
        };
        let mut out = Vec::new();
        eval.run(&pieces, Item::Json(data), &mut out)?;
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

/// Parses a whole template: text and `{...}` actions.
fn parse_root(text: &str, depth: usize) -> Result<Vec<Node>, String> {
    if depth > MAX_DEPTH {
        return Err("template nested too deeply".into());
    }
    let mut p = Parser {
        input: text,
        pos: 0,
        start: 0,
        depth,
    };
    let mut root = Vec::new();
    loop {
        // Text up to the next `{`.
        match p.input[p.pos..].find('{') {
            None => {
                p.pos = p.input.len();
                if p.pos > p.start {
                    root.push(Node::Text(p.consume().to_string()));
                }
                return Ok(root);
            }
            Some(off) => {
                p.pos += off;
                if p.pos > p.start {
                    root.push(Node::Text(p.consume().to_string()));
                }
                p.pos += 1;
                p.consume();
                let mut list = Vec::new();
                p.parse_action(&mut list)?;
                root.push(Node::List(list));
            }
        }
    }
}

/// Parses `text` as the inside of one action (upstream's `parseAction`).
fn parse_action(text: &str, depth: usize) -> Result<Vec<Node>, String> {
    let nodes = parse_root(&format!("{{{text}}}"), depth + 1)?;
    match nodes.into_iter().next() {
        Some(Node::List(l)) => Ok(l),
        _ => Ok(Vec::new()),
    }
}

struct Parser<'s> {
    input: &'s str,
    pos: usize,
    start: usize,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn consume(&mut self) -> &'s str {
        let s = self.input.get(self.start..self.pos).unwrap_or("");
        self.start = self.pos;
        s
    }
    fn next(&mut self) -> Option<char> {
        let c = self.input.get(self.pos..)?.chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn peek(&self) -> Option<char> {
        self.input.get(self.pos..)?.chars().next()
    }
    /// Steps back over `c`, the character `next` just returned.
    fn backup(&mut self, c: Option<char>) {
        if let Some(c) = c {
            self.pos -= c.len_utf8();
        }
    }
    fn rest(&self) -> &'s str {
        self.input.get(self.pos..).unwrap_or("")
    }
    /// The byte two before the position (upstream checks `input[pos-2]` for `\`).
    fn escaped(&self) -> bool {
        self.pos >= 2 && self.input.as_bytes().get(self.pos - 2) == Some(&b'\\')
    }

    /// The inside of an action, up to and including its `}`.
    fn parse_action(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            let rest = self.rest();
            if rest.starts_with('}') {
                self.pos += 1;
                self.consume();
                return Ok(());
            }
            if rest.starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if rest.starts_with("..") {
                if matches!(cur.last(), Some(Node::Recursive)) {
                    return Err("invalid multiple recursive descent".into());
                }
                self.pos += 2;
                self.consume();
                cur.push(Node::Recursive);
                if self.peek().is_some_and(is_alphanumeric) {
                    self.parse_field(cur);
                }
                continue;
            }
            let r = self.next();
            match r {
                None | Some('\r') | Some('\n') => return Err("unclosed action".into()),
                Some(' ') | Some('@') | Some('$') => {
                    self.consume();
                }
                Some('[') => self.parse_array(cur)?,
                Some(q @ ('"' | '\'')) => self.parse_quote(cur, q)?,
                Some('.') => self.parse_field(cur),
                Some(c) if c == '+' || c == '-' || c.is_numeric() => {
                    self.backup(r);
                    self.parse_number(cur)?;
                }
                Some(c) if is_alphanumeric(c) => {
                    self.backup(r);
                    self.parse_identifier(cur);
                }
                Some(c) => {
                    return Err(format!(
                        "unrecognized character in action: {}",
                        go_sharp_u(c)
                    ))
                }
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) {
                self.backup(r);
                break;
            }
        }
        let v = self.consume();
        cur.push(match v {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier(v.to_string()),
        });
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), Some('+' | '-')) {
            self.next();
        }
        loop {
            let r = self.next();
            if !matches!(r, Some(c) if c == '.' || c.is_ascii_digit()) {
                self.backup(r);
                break;
            }
        }
        let v = self.consume();
        if let Ok(i) = v.parse::<i64>() {
            cur.push(Node::Int(i));
        } else if let Some(f) = go_parse_float(v) {
            cur.push(Node::Float(f));
        } else {
            return Err(format!("cannot parse number {v}"));
        }
        Ok(())
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated array".into()),
                Some(']') => break,
                _ => {}
            }
        }
        let all = self.consume();
        let mut text = all.get(1..all.len().saturating_sub(1)).unwrap_or("");
        if text == "*" {
            text = ":";
        }
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(
                    &format!("[{}]", part.trim_matches(' ')),
                    self.depth,
                )?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }
        // A quoted key: `['a.b']` reads as `.a.b`.
        if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
            let key = &text[1..text.len() - 1];
            if !key.contains('\'') {
                cur.extend(parse_action(&format!(".{key}"), self.depth)?);
                return Ok(());
            }
        }
        let Some(groups) = slice_groups(text) else {
            return Err(format!("invalid array index {text}"));
        };
        let mut params = [Param::default(); 3];
        for i in 0..3 {
            let g = groups[i];
            if !g.is_empty() {
                let v = if i > 0 { &g[1..] } else { g };
                if i > 0 && v.is_empty() {
                    params[i].known = false;
                } else {
                    params[i].known = true;
                    params[i].value = v
                        .parse::<i64>()
                        .map_err(|_| format!("array index {v} is not a number"))?;
                }
            } else if i == 1 {
                params[1] = Param {
                    value: params[0].value.wrapping_add(1),
                    known: true,
                    derived: true,
                };
            }
        }
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume();
        let (mut begin, mut end) = (false, false);
        let mut pair = '"';
        loop {
            let r = self.next();
            match r {
                None | Some('\n') => return Err("unterminated filter".into()),
                Some(q @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = q;
                        continue;
                    }
                    if !self.escaped() && q == pair {
                        end = true;
                    }
                }
                Some(')') if begin == end => break,
                _ => {}
            }
        }
        if self.next() != Some(']') {
            return Err("unclosed array expect ]".into());
        }
        let all = self.consume();
        let text = all.get(..all.len().saturating_sub(2)).unwrap_or("");
        match split_comparison(text) {
            None => cur.push(Node::Filter {
                left: parse_action(text, self.depth)?,
                right: Vec::new(),
                op: "exists".into(),
            }),
            Some((l, op, r)) => {
                let left = parse_action(l, self.depth)?;
                let right = parse_action(r, self.depth)?;
                cur.push(Node::Filter {
                    left,
                    right,
                    op: op.to_string(),
                });
            }
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated quoted string".into()),
                Some(c) if c == end && !self.escaped() => break,
                _ => {}
            }
        }
        let v = self.consume();
        match unquote_extend(v) {
            Some(s) => cur.push(Node::Text(s)),
            None => return Err(format!("unquote string {v} error invalid syntax")),
        }
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume();
        loop {
            let r = self.next();
            if r == Some('\\') {
                self.next();
            } else if is_terminator(r) {
                self.backup(r);
                break;
            }
        }
        let v = self.consume();
        if v == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(v.replace('\\', "")));
        }
    }
}

fn is_terminator(r: Option<char>) -> bool {
    match r {
        None => true,
        Some(c) => matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
        ),
    }
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// `^(-?\d*)(:-?\d*)?(:-?\d*)?$`: the three groups (empty when absent).
fn slice_groups(text: &str) -> Option<[&str; 3]> {
    fn number_end(s: &str, from: usize) -> usize {
        let b = s.as_bytes();
        let mut i = from;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    }
    let mut groups = [""; 3];
    let first = number_end(text, 0);
    groups[0] = &text[..first];
    let mut at = first;
    for g in groups.iter_mut().skip(1) {
        if text.as_bytes().get(at) == Some(&b':') {
            let e = number_end(text, at + 1);
            *g = &text[at..e];
            at = e;
        }
    }
    (at == text.len()).then_some(groups)
}

/// `^([^!<>=]+)([!<>=]+)(.+?)$`: left side, operator, right side.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let op_start = text.find(is_op)?;
    if op_start == 0 {
        return None;
    }
    let after = &text[op_start..];
    let mut op_len = after.find(|c: char| !is_op(c)).unwrap_or(after.len());
    if op_len == after.len() {
        // The right side needs at least one character: give it the last operator one.
        op_len -= 1;
        if op_len == 0 {
            return None;
        }
    }
    let right = &after[op_len..];
    if right.contains('\n') {
        return None;
    }
    Some((&text[..op_start], &after[..op_len], right))
}

/// Go's `strconv.ParseFloat` for what the number scanner collects (sign, digits, dots).
fn go_parse_float(s: &str) -> Option<f64> {
    let digits = s.trim_start_matches(['+', '-']);
    if digits.is_empty() || digits == "." || digits.matches('.').count() > 1 {
        return None;
    }
    s.parse::<f64>().ok()
}

/// client-go's `UnquoteExtend`: Go's `strconv.Unquote` for `"..."` and `'...'` strings.
fn unquote_extend(s: &str) -> Option<String> {
    let quote = s.chars().next()?;
    if s.len() < 2 || !s.ends_with(quote) || (quote != '"' && quote != '\'') {
        return None;
    }
    let body = &s[1..s.len() - 1];
    if !body.contains('\\') && !body.contains(quote) {
        return Some(body.to_string());
    }
    let mut out: Vec<u8> = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == quote {
            return None;
        }
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let e = chars.next()?;
        let simple = match e {
            'a' => Some(7u8),
            'b' => Some(8),
            'f' => Some(12),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(11),
            '\\' => Some(b'\\'),
            '\'' | '"' if e == quote => Some(e as u8),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        match e {
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for _ in 0..n {
                    v = v * 16 + chars.next()?.to_digit(16)?;
                }
                if e == 'x' {
                    out.push(v as u8);
                } else {
                    let c = char::from_u32(v)?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    v = v * 8 + chars.next()?.to_digit(8)?;
                }
                if v > 255 {
                    return None;
                }
                out.push(v as u8);
            }
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

// ---------------------------------------------------------------------------------------
// Evaluation

/// The top level with `range`/`end` blocks made explicit.
#[derive(Debug)]
enum Piece<'n> {
    Text(&'n str),
    Action(&'n [Node]),
    Range(&'n [Node], Vec<Piece<'n>>),
    /// An `{end}` with no `range` open: an error when reached.
    End,
}

fn has_identifier(list: &[Node], name: &str) -> bool {
    list.iter()
        .any(|n| matches!(n, Node::Identifier(i) if i == name))
}

fn structure(nodes: &[Node]) -> Vec<Piece<'_>> {
    // A stack of open blocks: (range action, pieces so far).
    let mut stack: Vec<(Option<&[Node]>, Vec<Piece>)> = vec![(None, Vec::new())];
    for n in nodes {
        let piece = match n {
            Node::Text(t) => Piece::Text(t),
            Node::List(l) if has_identifier(l, "range") => {
                stack.push((Some(l), Vec::new()));
                continue;
            }
            Node::List(l) if has_identifier(l, "end") => {
                if stack.len() > 1 {
                    if let Some((Some(r), body)) = stack.pop() {
                        if let Some(top) = stack.last_mut() {
                            top.1.push(Piece::Range(r, body));
                        }
                    }
                    continue;
                }
                Piece::End
            }
            Node::List(l) => Piece::Action(l),
            _ => continue,
        };
        if let Some(top) = stack.last_mut() {
            top.1.push(piece);
        }
    }
    // Ranges left open run to the end of the template.
    while stack.len() > 1 {
        if let Some((Some(r), body)) = stack.pop() {
            if let Some(top) = stack.last_mut() {
                top.1.push(Piece::Range(r, body));
            }
        }
    }
    stack.pop().map(|s| s.1).unwrap_or_default()
}

struct Eval {
    allow_missing_keys: bool,
    depth: usize,
}

/// The children `*` and `..` visit: map values in key order, list elements, string bytes.
fn children<'a>(item: &Item<'a>) -> Vec<Item<'a>> {
    match item {
        Item::Json(Value::Object(m)) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            keys.into_iter()
                .filter_map(|k| m.get(k))
                .map(Item::Json)
                .collect()
        }
        Item::Json(Value::Array(a)) => a.iter().map(Item::Json).collect(),
        Item::Json(Value::String(s)) => s.bytes().map(Item::Byte).collect(),
        Item::Str(s) => s.bytes().map(Item::Byte).collect(),
        _ => Vec::new(),
    }
}

fn is_nil(item: &Item) -> bool {
    matches!(item, Item::Json(Value::Null) | Item::Nothing)
}

/// Go's type name for `%v is not array or slice`.
fn type_name(item: &Item) -> &'static str {
    match item {
        Item::Json(Value::Object(_)) => "map[string]interface {}",
        Item::Json(Value::Array(_)) => "[]interface {}",
        Item::Json(Value::String(_)) | Item::Str(_) => "string",
        Item::Json(Value::Bool(_)) | Item::Bool(_) => "bool",
        Item::Json(Value::Number(_)) => match num_kind(item) {
            Some(NumKind::Int(_)) => "int64",
            _ => "float64",
        },
        Item::Int(_) => "int",
        Item::Float(_) => "float64",
        Item::Byte(_) => "uint8",
        Item::Json(Value::Null) | Item::Nothing => "<nil>",
    }
}

impl Eval {
    fn run<'a>(
        &mut self,
        pieces: &[Piece],
        root: Item<'a>,
        out: &mut Vec<Vec<Item<'a>>>,
    ) -> Result<(), String> {
        for p in pieces {
            match p {
                Piece::Text(t) => out.push(vec![Item::Str(t.to_string())]),
                Piece::Action(l) => {
                    let r = self.eval_list(vec![root.clone()], l)?;
                    out.push(r);
                }
                Piece::End => return Err("not in range, nothing to end".into()),
                Piece::Range(l, body) => {
                    if self.depth >= MAX_DEPTH {
                        return Err("range nested too deeply".into());
                    }
                    let items = self.eval_list(vec![root.clone()], l)?;
                    self.depth += 1;
                    let res = if items.is_empty() {
                        // The body still runs once (on nothing), so its errors surface.
                        self.run(body, Item::Nothing, &mut Vec::new())
                    } else {
                        items.into_iter().try_for_each(|it| {
                            let it = if is_nil(&it) { Item::Nothing } else { it };
                            self.run(body, it, out)
                        })
                    };
                    self.depth -= 1;
                    res?;
                }
            }
        }
        Ok(())
    }

    fn eval_list<'a>(
        &mut self,
        input: Vec<Item<'a>>,
        nodes: &[Node],
    ) -> Result<Vec<Item<'a>>, String> {
        let mut cur = input;
        for n in nodes {
            cur = self.walk(cur, n)?;
        }
        Ok(cur)
    }

    fn walk<'a>(&mut self, input: Vec<Item<'a>>, node: &Node) -> Result<Vec<Item<'a>>, String> {
        Ok(match node {
            Node::List(l) => self.eval_list(input, l)?,
            Node::Text(t) => vec![Item::Str(t.clone())],
            Node::Int(i) => input.iter().map(|_| Item::Int(*i)).collect(),
            Node::Float(f) => input.iter().map(|_| Item::Float(*f)).collect(),
            Node::Bool(b) => input.iter().map(|_| Item::Bool(*b)).collect(),
            Node::Field(name) => {
                if input.is_empty() {
                    return Ok(input);
                }
                let out: Vec<Item> = input
                    .iter()
                    .filter_map(|it| match it {
                        Item::Json(Value::Object(m)) => m.get(name).map(Item::Json),
                        _ => None,
                    })
                    .collect();
                if out.is_empty() && !self.allow_missing_keys {
                    return Err(format!("{name} is not found"));
                }
                out
            }
            Node::Array(params) => {
                let mut out = Vec::new();
                for it in &input {
                    if is_nil(it) {
                        continue;
                    }
                    let Item::Json(Value::Array(a)) = it else {
                        return Err(format!("{} is not array or slice", type_name(it)));
                    };
                    let len = a.len() as i64;
                    let mut p = *params;
                    if !p[0].known {
                        p[0].value = 0;
                    }
                    if p[0].value < 0 {
                        p[0].value = p[0].value.wrapping_add(len);
                    }
                    if !p[1].known {
                        p[1].value = len;
                    }
                    if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
                        p[1].value = p[1].value.wrapping_add(len);
                    }
                    let (start, end) = (p[0].value, p[1].value);
                    if start == end {
                        return Ok(out);
                    }
                    if start >= len || start < 0 {
                        return Err(format!(
                            "array index out of bounds: index {start}, length {len}"
                        ));
                    }
                    if end > len || end < 0 {
                        return Err(format!(
                            "array index out of bounds: index {}, length {len}",
                            end.wrapping_sub(1)
                        ));
                    }
                    if start > end {
                        return Err(format!(
                            "starting index {start} is greater than ending index {end}"
                        ));
                    }
                    let step = if p[2].known {
                        if p[2].value <= 0 {
                            return Err("step must be > 0".into());
                        }
                        usize::try_from(p[2].value).unwrap_or(usize::MAX)
                    } else {
                        1
                    };
                    let slice = a.get(start as usize..end as usize).unwrap_or(&[]);
                    out.extend(slice.iter().step_by(step).map(Item::Json));
                }
                out
            }
            Node::Filter { left, right, op } => self.eval_filter(&input, left, right, op)?,
            Node::Wildcard => input.iter().flat_map(children).collect(),
            Node::Recursive => {
                let mut out = Vec::new();
                // Depth-first, pre-order; values with no children are left out.
                let mut stack: Vec<(Item, usize)> =
                    input.into_iter().rev().map(|i| (i, 0)).collect();
                while let Some((it, d)) = stack.pop() {
                    let ch = children(&it);
                    if ch.is_empty() {
                        continue;
                    }
                    out.push(it);
                    if d < MAX_DEPTH * 4 {
                        stack.extend(ch.into_iter().rev().map(|c| (c, d + 1)));
                    }
                }
                out
            }
            Node::Union(lists) => {
                let mut out = Vec::new();
                for l in lists {
                    out.extend(self.eval_list(input.clone(), l)?);
                }
                out
            }
            Node::Identifier(name) => match name.as_str() {
                "range" => input,
                "end" => Vec::new(),
                _ => return Err(format!("unrecognized identifier {name}")),
            },
        })
    }

    fn eval_filter<'a>(
        &mut self,
        input: &[Item<'a>],
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Result<Vec<Item<'a>>, String> {
        let mut out = Vec::new();
        for it in input {
            if matches!(it, Item::Nothing) {
                continue;
            }
            let Item::Json(Value::Array(a)) = it else {
                return Err(format!(
                    "{} is not array or slice and cannot be filtered",
                    go_v(it)
                ));
            };
            for el in a {
                let lefts = self.eval_list(vec![Item::Json(el)], left);
                if op == "exists" {
                    if lefts.is_ok_and(|l| !l.is_empty()) {
                        out.push(Item::Json(el));
                    }
                    continue;
                }
                let lefts = lefts?;
                let l = match lefts.len() {
                    0 => continue,
                    1 => &lefts[0],
                    _ => return Err("can only compare one element at a time".into()),
                };
                let rights = self.eval_list(vec![Item::Json(el)], right)?;
                let r = match rights.len() {
                    0 => continue,
                    1 => &rights[0],
                    _ => return Err("can only compare one element at a time".into()),
                };
                let pass = match op {
                    "<" => less(l, r)?,
                    ">" => !less_equal(l, r)?,
                    "==" => equal(l, r)?,
                    "!=" => !equal(l, r)?,
                    "<=" => less_equal(l, r)?,
                    ">=" => !less(l, r)?,
                    _ => return Err(format!("unrecognized filter operator {op}")),
                };
                if pass {
                    out.push(Item::Json(el));
                }
            }
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------
// Comparison (Go text/template's eq, lt, le)

#[derive(Clone, Copy, Debug, PartialEq)]
enum NumKind {
    Int(i64),
    Uint(u64),
    Float(f64),
}

/// How kubectl's unstructured objects hold a JSON number: int64 when it is an integer
/// that fits, float64 otherwise.
fn num_kind(item: &Item) -> Option<NumKind> {
    match item {
        Item::Json(Value::Number(n)) => Some(if let Some(i) = n.as_i64() {
            NumKind::Int(i)
        } else {
            let f = n.as_f64().unwrap_or(0.0);
            if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.2e18 {
                NumKind::Int(f as i64)
            } else {
                NumKind::Float(f)
            }
        }),
        Item::Int(i) => Some(NumKind::Int(*i)),
        Item::Float(f) => Some(NumKind::Float(*f)),
        Item::Byte(b) => Some(NumKind::Uint(u64::from(*b))),
        _ => None,
    }
}

#[derive(Debug, PartialEq)]
enum Basic<'x> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'x str),
}

fn basic<'x>(item: &'x Item) -> Result<Basic<'x>, String> {
    match item {
        Item::Json(Value::Bool(b)) | Item::Bool(b) => Ok(Basic::Bool(*b)),
        Item::Json(Value::String(s)) => Ok(Basic::Str(s)),
        Item::Str(s) => Ok(Basic::Str(s)),
        _ => match num_kind(item) {
            Some(NumKind::Int(i)) => Ok(Basic::Int(i)),
            Some(NumKind::Uint(u)) => Ok(Basic::Uint(u)),
            Some(NumKind::Float(f)) => Ok(Basic::Float(f)),
            None => Err("invalid type for comparison".into()),
        },
    }
}

const INCOMPATIBLE: &str = "incompatible types for comparison";

fn equal(a: &Item, b: &Item) -> Result<bool, String> {
    Ok(match (basic(a)?, basic(b)?) {
        (Basic::Bool(x), Basic::Bool(y)) => x == y,
        (Basic::Int(x), Basic::Int(y)) => x == y,
        (Basic::Uint(x), Basic::Uint(y)) => x == y,
        (Basic::Float(x), Basic::Float(y)) => x == y,
        (Basic::Str(x), Basic::Str(y)) => x == y,
        (Basic::Int(x), Basic::Uint(y)) | (Basic::Uint(y), Basic::Int(x)) => {
            x >= 0 && x as u64 == y
        }
        _ => return Err(INCOMPATIBLE.into()),
    })
}

fn less(a: &Item, b: &Item) -> Result<bool, String> {
    Ok(match (basic(a)?, basic(b)?) {
        (Basic::Int(x), Basic::Int(y)) => x < y,
        (Basic::Uint(x), Basic::Uint(y)) => x < y,
        (Basic::Float(x), Basic::Float(y)) => x < y,
        (Basic::Str(x), Basic::Str(y)) => x < y,
        (Basic::Int(x), Basic::Uint(y)) => x < 0 || (x as u64) < y,
        (Basic::Uint(x), Basic::Int(y)) => y >= 0 && x < y as u64,
        (Basic::Bool(_), Basic::Bool(_)) => return Err("invalid type for comparison".into()),
        _ => return Err(INCOMPATIBLE.into()),
    })
}

fn less_equal(a: &Item, b: &Item) -> Result<bool, String> {
    if less(a, b)? {
        return Ok(true);
    }
    equal(a, b)
}

// ---------------------------------------------------------------------------------------
// Printing

/// An item as a JSON value (for compact and indented JSON output).
fn item_json(item: &Item) -> Value {
    match item {
        Item::Json(v) => (*v).clone(),
        Item::Str(s) => Value::String(s.clone()),
        Item::Int(i) => Value::from(*i),
        Item::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Item::Bool(b) => Value::Bool(*b),
        Item::Byte(b) => Value::from(*b),
        Item::Nothing => Value::Null,
    }
}

/// Go's `json.Marshal`: compact, keys sorted, HTML-safe escapes.
pub fn compact_json(v: &Value) -> String {
    // The indented form already has Go's escapes and number format; drop the layout
    // whitespace, which only ever occurs outside strings.
    let pretty = yaml::to_json_pretty(v);
    let mut out = String::with_capacity(pretty.len());
    let (mut in_str, mut esc) = (false, false);
    for c in pretty.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if c != ' ' && c != '\n' {
            out.push(c);
        }
    }
    out
}

/// How `-o jsonpath` prints one result.
fn item_text(item: &Item) -> String {
    match item {
        Item::Json(v @ (Value::Object(_) | Value::Array(_))) => compact_json(v),
        Item::Json(Value::Null) => "null".into(),
        Item::Nothing => "<no value>".into(),
        _ => go_v(item),
    }
}

/// Go's `%v` of a float64 (`%g` with the shortest digits: `1e+06`, `0.5`, `1e-05`).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", exp.abs())
}

/// Go's `fmt.Sprint` (`%v`) of a value: `map[a:1 b:x]`, `[1 2]`, `<nil>`.
fn go_v(item: &Item) -> String {
    let mut out = String::new();
    match item {
        Item::Json(v) => write_go_v(&mut out, v, 0),
        Item::Str(s) => out.push_str(s),
        Item::Int(i) => out.push_str(&i.to_string()),
        Item::Float(f) => out.push_str(&go_float(*f)),
        Item::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Item::Byte(b) => out.push_str(&b.to_string()),
        Item::Nothing => out.push_str("<nil>"),
    }
    out
}

fn sorted(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut v: Vec<(&String, &Value)> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn go_number(n: &serde_json::Number) -> String {
    match num_kind(&Item::Json(&Value::Number(n.clone()))) {
        Some(NumKind::Int(i)) => i.to_string(),
        Some(NumKind::Uint(u)) => u.to_string(),
        Some(NumKind::Float(f)) => go_float(f),
        None => n.to_string(),
    }
}

fn write_go_v(out: &mut String, v: &Value, depth: usize) {
    if depth > MAX_DEPTH * 4 {
        out.push_str("...");
        return;
    }
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_go_v(out, x, depth + 1);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push_str("map[");
            for (i, (k, x)) in sorted(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_go_v(out, x, depth + 1);
            }
            out.push(']');
        }
    }
}

/// Go's `%#v` of an unstructured object, as kubectl's error dump shows it.
fn go_sharp_v(v: &Value) -> String {
    let mut out = String::new();
    write_go_sharp_v(&mut out, v, 0);
    out
}

fn write_go_sharp_v(out: &mut String, v: &Value, depth: usize) {
    if depth > MAX_DEPTH * 4 {
        out.push_str("...");
        return;
    }
    match v {
        Value::Null => out.push_str("interface {}(nil)"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&go_number(n)),
        Value::String(s) => out.push_str(&go_quote(s)),
        Value::Array(a) => {
            out.push_str("[]interface {}{");
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_go_sharp_v(out, x, depth + 1);
            }
            out.push('}');
        }
        Value::Object(m) => {
            out.push_str("map[string]interface {}{");
            for (i, (k, x)) in sorted(m).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&go_quote(k));
                out.push(':');
                write_go_sharp_v(out, x, depth + 1);
            }
            out.push('}');
        }
    }
}

/// Whether Go's `unicode.IsPrint` holds (close enough: controls, separators other than
/// the space, and the common format characters are not printable).
fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'))
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `%#U`: `U+0025 '%'` (without the character when it is not printable).
fn go_sharp_u(c: char) -> String {
    if go_is_print(c) {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

// ---------------------------------------------------------------------------------------
// Custom columns

/// `-o custom-columns=NAME:.metadata.name,...`: the headers and their templates.
#[derive(Clone, Debug, PartialEq)]
pub struct Columns {
    columns: Vec<(String, String)>,
}

/// kubectl's `RelaxedJSONPathExpression`: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all become
/// `{.a.b}`.
fn relaxed_expression(expr: &str) -> Result<String, String> {
    if expr.is_empty() {
        return Ok(String::new());
    }
    let no_braces = |s: &str| !s.is_empty() && !s.contains(['{', '}']);
    let inner = expr
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .map(|s| s.strip_prefix('.').unwrap_or(s))
        .filter(|s| no_braces(s))
        .or_else(|| Some(expr.strip_prefix('.').unwrap_or(expr)).filter(|s| no_braces(s)));
    match inner {
        Some(s) => Ok(format!("{{.{s}}}")),
        None => Err("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'".into()),
    }
}

impl Columns {
    /// Parses the spec; the error is kubectl's message without `error: `.
    pub fn parse(spec: &str) -> Result<Columns, String> {
        if spec.is_empty() {
            return Err("custom-columns format specified but no custom columns given".into());
        }
        let mut columns = Vec::new();
        for part in spec.split(',') {
            let Some((header, expr)) = part.split_once(':') else {
                return Err(format!(
                    "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                ));
            };
            columns.push((header.to_string(), relaxed_expression(expr)?));
        }
        Ok(Columns { columns })
    }

    /// The table for `objs` (each an object, never a List), rendered like kubectl's
    /// tables; on a template error, what was printed so far and the error line.
    pub fn print(&self, objs: &[Value], no_headers: bool) -> (String, Option<String>) {
        let mut rows: Vec<Vec<String>> = Vec::new();
        if !no_headers {
            rows.push(self.columns.iter().map(|c| c.0.clone()).collect());
        }
        let mut templates = Vec::new();
        for (_, expr) in &self.columns {
            match Template::parse(expr) {
                Ok(t) => templates.push(t),
                Err(e) => return (table::render(&rows), Some(format!("error: {e}\n"))),
            }
        }
        for obj in objs {
            let mut row = Vec::new();
            for t in &templates {
                let groups = match t.find_results(obj) {
                    Ok(g) => g,
                    Err(e) => return (table::render(&rows), Some(format!("error: {e}\n"))),
                };
                let mut vals: Vec<String> = Vec::new();
                if groups.first().is_none_or(|g| g.is_empty()) {
                    vals.push("<none>".into());
                }
                for g in &groups {
                    for it in g {
                        vals.push(go_v(it).replace('\u{1b}', "^[").replace('\r', "\\r"));
                    }
                }
                row.push(vals.join(","));
            }
            rows.push(row);
        }
        (table::render(&rows), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(tmpl: &str, data: &Value) -> Result<String, String> {
        Template::parse(tmpl)?.execute(data)
    }

    fn ok(tmpl: &str, data: &Value) -> String {
        match run(tmpl, data) {
            Ok(s) => s,
            Err(e) => panic!("{tmpl}: {e}"),
        }
    }

    fn err(tmpl: &str, data: &Value) -> String {
        match run(tmpl, data) {
            Ok(s) => panic!("{tmpl}: expected an error, got {s:?}"),
            Err(e) => e,
        }
    }

    /// The ConfigMap-like object used for the comparisons with kubectl v1.32
    /// (`kubectl label -f q.yaml --local x=y -o jsonpath=...`).
    fn q() -> Value {
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "q", "labels": {"app.kubernetes.io/name": "web", "tier": "fe", "x": "y"}},
            "data": {"a b": "v2", "key.with.dots": "v1"},
            "extra": {
                "arr": [1, "two", null, {"x": 1}, [2]],
                "big": 1.2345678901234568e20, "empty": {}, "emptya": [],
                "f1": 1000000.5, "f2": 1000000, "f3": 0.000001, "f4": 1.5e-7,
                "f5": 123456789012i64, "neg": -3, "nl": null,
                "s": "tab\there<>&", "t": true, "uni": "h\u{e9}llo\u{2028}"
            }
        })
    }

    #[test]
    fn values_print_like_kubectl() {
        let d = q();
        assert_eq!(
            ok("{.extra.f1}|{.extra.f2}|{.extra.f3}|{.extra.f4}|{.extra.f5}|{.extra.big}|{.extra.neg}|{.extra.t}|{.extra.nl}|{.extra.arr}|{.extra.arr[*]}|{.extra.s}|{.extra.empty}|{.extra.emptya}", &d),
            "1.0000005e+06|1000000|1e-06|1.5e-07|123456789012|1.2345678901234568e+20|-3|true|null|[1,\"two\",null,{\"x\":1},[2]]|1 two null {\"x\":1} [2]|tab\there<>&|{}|[]"
        );
        assert_eq!(
            ok("{.extra.s}{.metadata.labels}", &d),
            "tab\there<>&{\"app.kubernetes.io/name\":\"web\",\"tier\":\"fe\",\"x\":\"y\"}"
        );
        assert_eq!(
            compact_json(&json!({"s": "<b>\u{2028}", "f": 1.5e-7, "b": 1.2345678901234568e20})),
            "{\"b\":123456789012345680000,\"f\":1.5e-7,\"s\":\"\\u003cb\\u003e\\u2028\"}"
        );
    }

    #[test]
    fn fields_keys_and_escapes() {
        let d = q();
        assert_eq!(
            ok(
                "{.metadata.labels.app\\.kubernetes\\.io/name} {.data.key\\.with\\.dots}",
                &d
            ),
            "web v1"
        );
        // `['a.b']` is `.a.b` upstream: nothing.
        assert_eq!(ok("{.data['key.with.dots']}", &d), "");
        assert_eq!(ok("{$.metadata.name}|{@.metadata.name}", &d), "q|q");
        assert_eq!(
            ok("{.metadata['name','labels']}", &d),
            "q {\"app.kubernetes.io/name\":\"web\",\"tier\":\"fe\",\"x\":\"y\"}"
        );
        assert_eq!(ok("{.metadata.labels.*}", &d), "web fe y");
        assert_eq!(ok("{ .metadata.name }", &d), "q");
        assert_eq!(ok("{.metadata.name}}", &d), "q}");
        assert_eq!(ok("plain", &d), "plain");
        assert_eq!(ok("{.nothing}{.nothing.deeper}{.extra.f2.x}", &d), "");
        assert_eq!(err("{.data.a b}", &d), "unrecognized identifier b");
        assert_eq!(err("{.data['a b']}", &d), "unrecognized identifier b");
        assert!(ok("{}", &d).starts_with("{\"apiVersion\":\"v1\",\"data\":"));
    }

    #[test]
    fn arrays_and_slices() {
        let d = q();
        assert_eq!(ok("{.extra.arr[0,1]}", &d), "1 two");
        assert_eq!(ok("{.extra.arr[0 , 1]}", &d), "1 two");
        assert_eq!(
            ok("{.extra.arr[-2:]}|{.extra.arr[::2]}|{.extra.arr[1:-1]}", &d),
            "{\"x\":1} [2]|1 null [2]|two null {\"x\":1}"
        );
        assert_eq!(ok("{.extra.arr[]}", &d), "1");
        assert_eq!(ok("{.extra.arr[-1:]}", &d), "[2]");
        assert_eq!(ok("{.extra.arr[-1]}", &d), "[2]");
        assert_eq!(
            ok("{.extra.arr[0:0]}{.extra.arr[5:5]}{.extra.arr[9:9]}", &d),
            ""
        );
        assert_eq!(
            err("{.extra.arr[1:9]}", &d),
            "array index out of bounds: index 8, length 5"
        );
        assert_eq!(
            err("{.extra.arr[-9]}", &d),
            "array index out of bounds: index -4, length 5"
        );
        assert_eq!(
            err("{.extra.arr[3:2]}", &d),
            "starting index 3 is greater than ending index 2"
        );
        assert_eq!(err("{.extra.arr[1:3:-1]}", &d), "step must be > 0");
        assert_eq!(err("{.extra.f5[0]}", &d), "int64 is not array or slice");
        assert_eq!(
            err("{.metadata.labels[*]}", &d),
            "map[string]interface {} is not array or slice"
        );
        assert_eq!(
            err("{.items[0]}", &json!({"items": []})),
            "array index out of bounds: index 0, length 0"
        );
        assert_eq!(
            ok("{.extra.s.*}", &d),
            "116 97 98 9 104 101 114 101 60 62 38"
        );
        assert_eq!(
            ok("{.metadata.*}", &d),
            "{\"app.kubernetes.io/name\":\"web\",\"tier\":\"fe\",\"x\":\"y\"} q"
        );
    }

    #[test]
    fn filters() {
        let d = q();
        assert_eq!(
            ok("{.extra.arr[?(@.x==1)]}|{.extra.arr[?(@.x)]}|{.extra.arr[?(@.x>=1)]}|{.extra.arr[?(@.x!=2)]}", &d),
            "{\"x\":1}|{\"x\":1}|{\"x\":1}|{\"x\":1}"
        );
        assert_eq!(ok("{.extra.arr[?( @.x == 1 )]}", &d), "{\"x\":1}");
        assert_eq!(ok("{.extra.arr[?(@.x==1)].x}", &d), "1");
        assert_eq!(
            err("{.extra.arr[?(@.x==\"1\")]}", &d),
            "incompatible types for comparison"
        );
        assert_eq!(
            err("{.extra.arr[?(@.x>0.5)]}", &d),
            "incompatible types for comparison"
        );
        assert_eq!(
            err("{.extra.arr[?(@==nil)]}", &d),
            "unrecognized identifier nil"
        );
        assert!(err("{.extra[?(@.x)]}", &d).starts_with(
            "map[arr:[1 two <nil> map[x:1] [2]] big:1.2345678901234568e+20 empty:map[] "
        ));
        let pods = json!({"items": [
            {"metadata": {"name": "a"}, "status": {"phase": "Running"}, "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}},
            {"metadata": {"name": "b"}, "status": {"phase": "Pending"}, "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080}]}]}}
        ]});
        assert_eq!(
            ok(
                "{.items[?(@.status.phase==\"Running\")].metadata.name}",
                &pods
            ),
            "a"
        );
        assert_eq!(
            ok(
                "{.items[?(@.status.phase!='Running')].metadata.name}",
                &pods
            ),
            "b"
        );
        assert_eq!(
            ok(
                "{.items[*].spec.containers[?(@.ports[0].containerPort>100)].name}",
                &pods
            ),
            "c"
        );
        assert_eq!(
            ok("{.items[?(@.metadata.name<\"b\")].metadata.name}{.items[?(@.metadata.name<=\"b\")].metadata.name}", &pods),
            "aa b"
        );
        assert_eq!(
            err("{.items[?(@.status.phase=!1)]}", &pods),
            "unrecognized filter operator =!"
        );
    }

    #[test]
    fn range_and_literals() {
        let d = q();
        assert_eq!(
            ok("{range .extra.emptya[*]}x{end}|{range .extra.arr[*]}[{@}]{end}|{range .extra.arr[0:2]}{range .extra.arr[*]}{end}{end}y", &d),
            "|[1][two][<no value>][{\"x\":1}][[2]]|y"
        );
        assert_eq!(
            ok(
                "{range .extra.arr[0:2]}a{range .extra.emptya[*]}b{end}c{end}d",
                &d
            ),
            "acacd"
        );
        assert_eq!(ok("{range .extra.arr[*]}", &d), "");
        assert_eq!(
            err("{.metadata.name}{end}", &d),
            "not in range, nothing to end"
        );
        assert_eq!(
            err("{range .extra.arr[0:2]}{@}{end}{end}", &d),
            "not in range, nothing to end"
        );
        assert_eq!(err("{foo}", &d), "unrecognized identifier foo");
        assert_eq!(ok("{'a\\tb'}", &d), "a\tb");
        assert_eq!(ok("{\"a\\x41b\"}", &d), "aAb");
        assert_eq!(ok("{'it\\'s'}{\"\\u00e9\"}", &d), "it'sé");
        assert_eq!(ok("{1.5}{-2}{+3}{true}", &d), "1.5-23true");
        let list = json!({"items": [
            {"metadata": {"name": "a", "labels": {"app": "x"}}},
            {"metadata": {"name": "b"}}
        ]});
        assert_eq!(
            ok(
                "{range .items[*]}{.metadata.name}{\"\\t\"}{.metadata.labels.app}{\"\\n\"}{end}",
                &list
            ),
            "a\tx\nb\t\n"
        );
        assert_eq!(ok("{.items[*].metadata.name}", &list), "a b");
    }

    #[test]
    fn recursive_descent() {
        let d = json!({"metadata": {"name": "x", "labels": {"app": "x"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}});
        assert_eq!(ok("{..name}", &d), "x nginx");
        assert_eq!(ok("{...name}", &d), "x nginx");
        assert_eq!(ok("{.spec..image}", &d), "nginx");
        assert_eq!(
            ok("{..}", &json!({"a": {"b": "c", "n": 1}})),
            "{\"a\":{\"b\":\"c\",\"n\":1}} {\"b\":\"c\",\"n\":1} c"
        );
    }

    #[test]
    fn parse_errors() {
        for (t, e) in [
            ("{.a[}", "unterminated array"),
            ("{.a", "unclosed action"),
            ("{.items[?(@.x}", "unterminated filter"),
            ("{.a[?(@.x)", "unclosed array expect ]"),
            ("{\"abc}", "unterminated quoted string"),
            ("{.a[x]}", "invalid array index x"),
            ("{.a[ 0 ]}", "invalid array index  0 "),
            ("{.a[a:b]}", "invalid array index a:b"),
            ("{.a[1.5]}", "invalid array index 1.5"),
            ("{.a[-]}", "array index - is not a number"),
            ("{.a[?(@.x==1),?(@.x)]}", "unclosed array expect ]"),
            ("{.a.b}{%}", "unrecognized character in action: U+0025 '%'"),
            ("{{.a}", "unrecognized character in action: U+007B '{'"),
            ("{.a\t}", "unrecognized character in action: U+0009"),
            ("{..*}", "unrecognized character in action: U+002A '*'"),
            ("{....a}", "invalid multiple recursive descent"),
            ("{\"\\q\"}", "unquote string \"\\q\" error invalid syntax"),
            ("{1.2.3}", "cannot parse number 1.2.3"),
            ("{.a\n}", "unclosed action"),
        ] {
            assert_eq!(Template::parse(t).err().as_deref(), Some(e), "{t}");
        }
    }

    #[test]
    fn json_output() {
        let d = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c1", "resources": {"limits": {"cpu": 0.5}}}, {"name": "c2"}]}});
        let t = Template::parse("{.spec.containers[*].name}{\"\\n\"}{.metadata.name}{.nothing}{.spec.containers[0].resources}")
            .unwrap_or_else(|e| panic!("{e}"))
            .json_output(true);
        assert_eq!(
            t.execute(&d).as_deref(),
            Ok("[\n    \"c1\",\n    \"c2\"\n]\n[\n    \"\\n\"\n]\n[\n    \"p\"\n]\n[]\n[\n    {\n        \"limits\": {\n            \"cpu\": 0.5\n        }\n    }\n]\n")
        );
    }

    #[test]
    fn missing_keys_and_error_dump() {
        let d =
            json!({"kind": "Pod", "spec": {"n": 30, "f": 0.5, "z": null, "l": [], "s": "a\"b"}});
        let t = Template::parse("{.x.y}")
            .unwrap_or_else(|e| panic!("{e}"))
            .allow_missing_keys(false);
        assert_eq!(t.execute(&d), Err("x is not found".into()));
        let msg = t.print(&d).err().unwrap_or_default();
        assert_eq!(
            msg,
            "error: error executing jsonpath \"{.x.y}\": Error executing template: x is not found. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.x.y}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"kind\":\"Pod\", \"spec\":map[string]interface {}{\"f\":0.5, \"l\":[]interface {}{}, \"n\":30, \"s\":\"a\\\"b\", \"z\":interface {}(nil)}}\n\n\n"
        );
        let t = Template::parse("{.a\\.b[9]}").unwrap_or_else(|e| panic!("{e}"));
        assert!(t
            .print(&json!({"a.b": [1]}))
            .err()
            .unwrap_or_default()
            .starts_with("error: error executing jsonpath \"{.a\\\\.b[9]}\": Error executing template: array index out of bounds: index 9, length 1."));
    }

    #[test]
    fn floats_like_go() {
        for (f, s) in [
            (1000000.0, "1e+06"),
            (123456.5, "123456.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e300, "1.5e+300"),
            (-2.5, "-2.5"),
        ] {
            assert_eq!(go_float(f), s);
        }
    }

    #[test]
    fn custom_columns() {
        let objs = vec![
            json!({"metadata": {"name": "a", "labels": {"x": "1", "y": "2"}}, "spec": {"containers": [{"image": "nginx"}, {"image": "busybox"}]}, "n": null}),
            json!({"metadata": {"name": "bbbbbbbb"}, "spec": {"containers": []}}),
        ];
        let c = Columns::parse("NAME:.metadata.name,IMAGES:.spec.containers[*].image,L:metadata.labels,N:{.n},M:{missing}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.print(&objs, false),
            (
                "NAME       IMAGES          L              N        M\na          nginx,busybox   map[x:1 y:2]   <nil>    <none>\nbbbbbbbb   <none>          <none>         <none>   <none>\n".into(),
                None
            )
        );
        assert_eq!(
            c.print(&objs[..1], true).0,
            "a     nginx,busybox   map[x:1 y:2]   <nil>   <none>\n"
        );
        assert_eq!(
            Columns::parse("NAME").err().as_deref(),
            Some("unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>")
        );
        assert_eq!(
            Columns::parse("").err().as_deref(),
            Some("custom-columns format specified but no custom columns given")
        );
        assert!(Columns::parse("A:{.a}{.b}")
            .err()
            .is_some_and(|e| e.starts_with("unexpected path string, expected a 'name1.name2'")));
        let bad = Columns::parse("A:.x[").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            bad.print(&objs, false),
            ("A\n".into(), Some("error: unterminated array\n".into()))
        );
        assert_eq!(
            Columns::parse("A:").map(|c| c.print(&objs[..1], false).0),
            Ok("A\n<none>\n".into())
        );
    }

    #[test]
    fn never_panics_on_odd_templates() {
        let d = q();
        let nasty = [
            "{",
            "}",
            "{[",
            "{[?(",
            "{..",
            "{'",
            "{\"\\",
            "{.\\",
            "{[?(\")]}",
            "{[?(@.a=\"x\")]}",
            "{[9223372036854775807]}",
            "{.extra.arr[-9223372036854775808:]}",
            "{[,]}",
            "{['']}",
            "{[?()]}",
            "{[?(==)]}",
            "{range}{range}{end}",
            "{end}{range",
            "{é}",
            "{.é}",
            "{\u{1F600}}",
            "{.extra.arr[::9223372036854775807]}",
            "{[?(@[?(@.a)])]}",
        ];
        for t in nasty {
            let _ = run(t, &d);
        }
        let deep = "{".to_string() + &"[?(@".repeat(200) + &")]".repeat(200) + "}";
        let _ = run(&deep, &d);
        let deep_union = format!("{{{}}}", "[0,".repeat(500));
        let _ = run(&deep_union, &d);
        let ranges = "{range .extra.arr[*]}".repeat(200);
        let _ = run(&ranges, &d);
    }
}

/// Full `kubectl get` runs through the shell.
#[cfg(test)]
mod get_tests {
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    const APPS: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    app.kubernetes.io/name: web
data:
  mode: slow
  html: <b>
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    ports:
    - containerPort: 80
  - name: sidecar
    image: busybox
---
apiVersion: v1
kind: Pod
metadata:
  name: web-2
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.26
";

    fn shell() -> Shell {
        let mut sh = Shell::new(ClusterConfig::default());
        let out = sh.exec("kubectl apply -f -", Some(APPS));
        assert!(out.contains("pod/web-2 created"), "{out}");
        sh
    }

    #[test]
    fn jsonpath_on_objects_and_lists() {
        let mut sh = shell();
        // As `kubectl create configmap settings --from-literal=html='<b>' --from-literal=mode=slow
        // --dry-run=client -o jsonpath='{.data}'` prints it.
        assert_eq!(
            sh.exec("kubectl get cm settings -o jsonpath='{.data}'", None),
            "{\"html\":\"\\u003cb\\u003e\",\"mode\":\"slow\"}"
        );
        assert_eq!(
            sh.exec(
                "kubectl get pods -o jsonpath='{.items[*].metadata.name}'",
                None
            ),
            "web-1 web-2"
        );
        assert_eq!(
            sh.exec(
                "kubectl get pods -o=jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.containers[*].image}{\"\\n\"}{end}'",
                None
            ),
            "web-1\tnginx:1.27 busybox\nweb-2\tnginx:1.26\n"
        );
        assert_eq!(
            sh.exec("kubectl get pod web-1 --output=jsonpath='{.spec.containers[?(@.name==\"sidecar\")].image}'", None),
            "busybox"
        );
        assert_eq!(
            sh.exec("kubectl get cm settings -o jsonpath='{.metadata.labels.app\\.kubernetes\\.io/name}'", None),
            "web"
        );
        assert_eq!(
            sh.exec(
                "kubectl get pods -l app=nothing -o jsonpath='{.kind} {.metadata}'",
                None
            ),
            "List {\"resourceVersion\":\"\"}"
        );
        assert_eq!(
            sh.exec("kubectl get pods,cm -o jsonpath='{.items[*].kind}'", None),
            "Pod Pod ConfigMap"
        );
        assert_eq!(
            sh.exec(
                "kubectl get pod web-2 -o jsonpath-as-json='{.metadata.name}'",
                None
            ),
            "[\n    \"web-2\"\n]\n"
        );
        assert_eq!(
            sh.exec("kubectl get pod web-2 -o jsonpath='{.nope}'", None),
            ""
        );
    }

    #[test]
    fn jsonpath_errors() {
        let mut sh = shell();
        assert_eq!(
            sh.exec("kubectl get pods -o jsonpath='{.a[}'", None),
            "error: error parsing jsonpath {.a[}, unterminated array\n"
        );
        assert_eq!(
            sh.exec("kubectl get pods -o jsonpath", None),
            "error: template format specified but no template given\n"
        );
        assert_eq!(
            sh.exec("kubectl get pods -o jsonpath-file=x", None),
            "error: -o jsonpath-file is not available in Kubeplay yet\n"
        );
        let out = sh.exec("kubectl get pods -o jsonpath='{.items[5]}'", None);
        assert!(
            out.starts_with("error: error executing jsonpath \"{.items[5]}\": Error executing template: array index out of bounds: index 5, length 2. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.items[5]}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"apiVersion\":\"v1\", \"items\":[]interface {}{map[string]interface {}{\"apiVersion\":\"v1\", \"kind\":\"Pod\", "),
            "{out}"
        );
        let out = sh.exec(
            "kubectl get pod web-1 -o jsonpath='{.x.y}' --allow-missing-template-keys=false",
            None,
        );
        assert!(
            out.starts_with("error: error executing jsonpath \"{.x.y}\": Error executing template: x is not found."),
            "{out}"
        );
        assert_eq!(
            sh.exec("kubectl get pod nope -o jsonpath='{.x}'", None),
            "Error from server (NotFound): pods \"nope\" not found\n"
        );
    }

    #[test]
    fn custom_columns() {
        let mut sh = shell();
        assert_eq!(
            sh.exec(
                "kubectl get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image,PORT:.spec.containers[0].ports[0].containerPort,NODE:spec.nodeNameX",
                None
            ),
            "NAME    IMAGE                PORT     NODE\nweb-1   nginx:1.27,busybox   80       <none>\nweb-2   nginx:1.26           <none>   <none>\n"
        );
        assert_eq!(
            sh.exec(
                "kubectl get pod web-1 -o custom-columns=NAME:{.metadata.name} --no-headers",
                None
            ),
            "web-1\n"
        );
        assert_eq!(
            sh.exec("kubectl get pods -o custom-columns=NAME", None),
            "error: unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>\n"
        );
        assert_eq!(
            sh.exec("kubectl get pods -o custom-columns=", None),
            "error: unable to match a printer suitable for the output format \"custom-columns=\", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml\n"
        );
        assert_eq!(
            sh.exec(
                "kubectl get pods -l app=none -o custom-columns=N:.metadata.name",
                None
            ),
            "N\n"
        );
    }
}
