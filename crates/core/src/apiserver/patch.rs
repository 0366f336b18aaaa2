//! PATCH: the three patch formats the API server accepts, applied to an object's JSON
//! as upstream does, and [`ApiServer::patch`], which applies one to a stored object and
//! writes the result through [`ApiServer::update`] (or `update_status`).
//!
//! - JSON patch (RFC 6902, `application/json-patch+json`), with the semantics and error
//!   texts of `evanphx/json-patch` v4 that the API server uses (negative indexes, a
//!   `replace` of a missing object key that adds it, `... : missing value` wrapping).
//! - JSON merge patch (RFC 7386, `application/merge-patch+json`).
//! - Strategic merge patch (`application/strategic-merge-patch+json`): lists with a
//!   patch merge key merge item by item, `$patch: replace|delete`, `$retainKeys`,
//!   `$setElementOrder/FIELD`, `$deleteFromPrimitiveList/FIELD`. The merge keys come
//!   from [`list_strategy`], the table of the Go types' `patchStrategy`/`patchMergeKey`
//!   tags that client-side apply's three-way merge shares.
//!
//! The HTTP server can call [`apply_patch`] and [`ApiServer::patch`] directly.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::errors::StatusCause;
use super::{ApiError, ApiServer, Reason};
use crate::api::{Kind, Object};

/// The `--type` of `kubectl patch` / the request's content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
}

impl PatchType {
    /// kubectl's `--type` word.
    pub fn parse(s: &str) -> Option<PatchType> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Some(PatchType::Json),
            "merge" => Some(PatchType::Merge),
            "strategic" => Some(PatchType::Strategic),
            _ => None,
        }
    }
}

/// The subresource a patch is sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subresource {
    Main,
    Status,
    Scale,
}

/// How a list field merges in a strategic merge patch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListStrategy {
    /// No `patchStrategy`: the patch's list replaces the object's.
    Replace,
    /// `patchStrategy:"merge"` on a list of scalars: union, in order.
    MergeScalars,
    /// `patchStrategy:"merge"` with `patchMergeKey`.
    MergeByKey(&'static str),
}

/// The strategy of the list at `path` (field names from the object's root, list indexes
/// left out) in an object of `kind`, from the Go types' struct tags.
pub fn list_strategy(kind: Option<Kind>, path: &[&str]) -> ListStrategy {
    use ListStrategy::*;
    let Some((&field, parents)) = path.split_last() else {
        return Replace;
    };
    let parent = parents.last().copied().unwrap_or("");
    let in_container = matches!(
        parent,
        "containers" | "initContainers" | "ephemeralContainers"
    );
    match field {
        "containers" | "initContainers" | "ephemeralContainers" => MergeByKey("name"),
        "env" if in_container => MergeByKey("name"),
        "volumeMounts" if in_container => MergeByKey("mountPath"),
        "volumeDevices" if in_container => MergeByKey("devicePath"),
        "resizePolicy" if in_container => Replace,
        "ports" if in_container => MergeByKey("containerPort"),
        "ports" if kind == Some(Kind::Service) && path == ["spec", "ports"] => MergeByKey("port"),
        "ports" if kind.is_none() && parent == "spec" => MergeByKey("port"),
        "volumes" | "imagePullSecrets" | "resourceClaims" | "schedulingGates" => MergeByKey("name"),
        "hostAliases" | "podIPs" | "hostIPs" => MergeByKey("ip"),
        "topologySpreadConstraints" => MergeByKey("topologyKey"),
        "ownerReferences" if parent == "metadata" => MergeByKey("uid"),
        "finalizers" if parent == "metadata" => MergeScalars,
        "conditions" if parent == "status" => MergeByKey("type"),
        "addresses" if kind == Some(Kind::Node) => MergeByKey("type"),
        "secrets" if kind == Some(Kind::ServiceAccount) => MergeByKey("name"),
        _ => Replace,
    }
}

/// The merge key client-side apply uses for a list named `field` whose items are
/// `items` (apply's merge does not track paths: `ports` is told apart by its items).
pub fn apply_merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    let has = |k: &str| !items.is_empty() && items.iter().all(|i| i.get(k).is_some());
    match field {
        "ports" if has("containerPort") => Some("containerPort"),
        "ports" if has("port") => Some("port"),
        "ports" => None,
        "ownerReferences" => Some("uid"),
        "conditions" => Some("type"),
        _ => {
            let parents: &[&str] = match field {
                "env" | "volumeMounts" | "volumeDevices" => &["containers", field],
                _ => &[field],
            };
            match list_strategy(None, parents) {
                ListStrategy::MergeByKey(k) => Some(k),
                _ => None,
            }
        }
    }
}

/// A patch that could not be applied, as the API server reports it.
fn bad_request(msg: impl Into<String>) -> ApiError {
    ApiError::bad_request(msg.into())
}

/// The 422 the API server answers when a JSON patch does not apply
/// (`NewGenericServerResponse`: kubectl prints `The request is invalid: : MESSAGE`).
pub fn unprocessable(message: &str) -> ApiError {
    let mut e = ApiError::bad_request(
        "the server rejected our request due to an error in our request".into(),
    );
    e.reason = Reason::Invalid;
    e.details_mut().causes.push(StatusCause {
        type_: "UnexpectedServerResponse".into(),
        message: message.to_string(),
    });
    e
}

/// `errors.NewInvalid(schema.GroupKind{}, "", patch: Invalid value: VALUE: DETAIL)`: the
/// patched object does not decode.
fn invalid_patch(value: &str, detail: &str) -> ApiError {
    let mut errs = super::validation::FieldErrors::default();
    errs.invalid("patch", value.to_string(), detail.to_string());
    let mut e = ApiError::invalid(Kind::Pod, "", errs);
    e.kind.clear();
    e.message = format!(
        " \"\" is invalid: patch: Invalid value: {}: {detail}",
        crate::api::go_quote(value)
    );
    e
}

// ---------------------------------------------------------------------------------------
// Go's encoding/json syntax errors, which the API server returns for a body that is not JSON.

/// Parses JSON as Go's `encoding/json` would, with its syntax error messages.
pub fn parse_go_json(text: &str) -> Result<Value, String> {
    if let Err(e) = go_json_scan(text.as_bytes()) {
        return Err(e);
    }
    serde_json::from_str(text).map_err(|e| e.to_string())
}

fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        c if c.is_ascii_graphic() || c == b' ' => format!("'{}'", c as char),
        c => format!("'\\x{c:02x}'"),
    }
}

/// A small port of the state machine of Go's `encoding/json` scanner: enough to name the
/// first syntax error as Go does.
fn go_json_scan(b: &[u8]) -> Result<(), String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Ctx {
        ObjKey,
        ObjValue,
        Arr,
    }
    let mut stack: Vec<Ctx> = Vec::new();
    let mut i = 0;
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let skip = |i: &mut usize| {
        while *i < b.len() && ws(b[*i]) {
            *i += 1;
        }
    };
    let eof = || Err("unexpected end of JSON input".to_string());
    // Expect a value at i.
    'value: loop {
        skip(&mut i);
        let Some(&c) = b.get(i) else { return eof() };
        match c {
            b'{' => {
                i += 1;
                skip(&mut i);
                match b.get(i) {
                    None => return eof(),
                    Some(b'}') => {
                        i += 1;
                    }
                    Some(b'"') => {
                        stack.push(Ctx::ObjKey);
                        continue 'value;
                    }
                    Some(&c) => {
                        return Err(format!(
                            "invalid character {} looking for beginning of object key string",
                            quote_char(c)
                        ))
                    }
                }
            }
            b'[' => {
                i += 1;
                skip(&mut i);
                match b.get(i) {
                    None => return eof(),
                    Some(b']') => {
                        i += 1;
                    }
                    Some(_) => {
                        stack.push(Ctx::Arr);
                        continue 'value;
                    }
                }
            }
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return eof(),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => i += 2,
                        Some(&c) if c < 0x20 => {
                            return Err(format!(
                                "invalid character {} in string literal",
                                quote_char(c)
                            ))
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                i += 1;
                while i < b.len() && matches!(b[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    i += 1;
                }
            }
            b't' | b'f' | b'n' => {
                let word: &[u8] = match c {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                for (k, &w) in word.iter().enumerate() {
                    match b.get(i + k) {
                        None => return eof(),
                        Some(&x) if x != w => {
                            let what = match c {
                                b't' => "true",
                                b'f' => "false",
                                _ => "null",
                            };
                            return Err(format!(
                                "invalid character {} in literal {what} (expecting {})",
                                quote_char(x),
                                quote_char(w)
                            ));
                        }
                        _ => {}
                    }
                }
                i += word.len();
            }
            c => {
                return Err(format!(
                    "invalid character {} looking for beginning of value",
                    quote_char(c)
                ))
            }
        }
        // After a value.
        loop {
            skip(&mut i);
            match stack.last().copied() {
                None => {
                    return match b.get(i) {
                        None => Ok(()),
                        Some(&c) => Err(format!(
                            "invalid character {} after top-level value",
                            quote_char(c)
                        )),
                    }
                }
                Some(Ctx::ObjKey) => match b.get(i) {
                    None => return eof(),
                    Some(b':') => {
                        i += 1;
                        *stack.last_mut().unwrap_or(&mut Ctx::ObjValue) = Ctx::ObjValue;
                        continue 'value;
                    }
                    Some(&c) => {
                        return Err(format!(
                            "invalid character {} after object key",
                            quote_char(c)
                        ))
                    }
                },
                Some(Ctx::ObjValue) => match b.get(i) {
                    None => return eof(),
                    Some(b',') => {
                        i += 1;
                        skip(&mut i);
                        match b.get(i) {
                            None => return eof(),
                            Some(b'"') => {
                                *stack.last_mut().unwrap_or(&mut Ctx::ObjKey) = Ctx::ObjKey;
                                continue 'value;
                            }
                            Some(&c) => {
                                return Err(format!(
                                "invalid character {} looking for beginning of object key string",
                                quote_char(c)
                            ))
                            }
                        }
                    }
                    Some(b'}') => {
                        i += 1;
                        stack.pop();
                    }
                    Some(&c) => {
                        return Err(format!(
                            "invalid character {} after object key:value pair",
                            quote_char(c)
                        ))
                    }
                },
                Some(Ctx::Arr) => match b.get(i) {
                    None => return eof(),
                    Some(b',') => {
                        i += 1;
                        continue 'value;
                    }
                    Some(b']') => {
                        i += 1;
                        stack.pop();
                    }
                    Some(&c) => {
                        return Err(format!(
                            "invalid character {} after array element",
                            quote_char(c)
                        ))
                    }
                },
            }
        }
    }
}

/// Go's `%v` of a decoded JSON value (`map[a:1 b:[x y]]`), as upstream prints a patch
/// map in its messages.
pub fn go_format(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(go_format).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", go_format(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

// ---------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch.

/// Applies a JSON merge patch: objects merge key by key, `null` removes a key, anything
/// else (arrays included) replaces.
pub fn json_merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(p) = patch else {
        return patch.clone();
    };
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, pv) in p {
        if pv.is_null() {
            out.remove(k);
        } else {
            let cur = out.get(k).cloned().unwrap_or(Value::Null);
            out.insert(k.clone(), json_merge_patch(&cur, pv));
        }
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------
// RFC 6902 JSON patch, with evanphx/json-patch v4's behaviour and messages.

fn missing(msg: String) -> String {
    format!("{msg}: missing value")
}

fn decode_key(k: &str) -> String {
    k.replace("~1", "/").replace("~0", "~")
}

/// `findObject`: the container holding the last token of `path`, and that token.
fn find_object<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return None;
    }
    let mut cur = doc;
    for part in &split[1..split.len() - 1] {
        let key = decode_key(part);
        let next = match cur {
            Value::Object(m) => m.get_mut(&key)?,
            Value::Array(a) => {
                let idx = array_index(&key, a.len()).ok()?;
                if idx >= a.len() {
                    return None;
                }
                a.get_mut(idx)?
            }
            _ => return None,
        };
        if !(next.is_object() || next.is_array()) {
            return None;
        }
        cur = next;
    }
    Some((cur, decode_key(split[split.len() - 1])))
}

/// An index token (negative counts from the end). Errors are Go's `strconv.Atoi` texts.
fn array_index(key: &str, len: usize) -> Result<usize, String> {
    let i: i64 = key
        .parse()
        .map_err(|_| format!("strconv.Atoi: parsing {key:?}: invalid syntax"))?;
    if i < 0 {
        if i < -(len as i64) {
            return Err(format!(
                "Unable to access invalid index: {i}: invalid index referenced"
            ));
        }
        return Ok((i + len as i64) as usize);
    }
    Ok(i as usize)
}

fn con_get(con: &Value, key: &str) -> Result<Option<Value>, String> {
    match con {
        Value::Object(m) => Ok(m.get(key).cloned()),
        Value::Array(a) => {
            let idx = array_index(key, a.len())?;
            match a.get(idx) {
                Some(v) => Ok(Some(v.clone())),
                None => Err(format!(
                    "Unable to access invalid index: {idx}: invalid index referenced"
                )),
            }
        }
        _ => Ok(None),
    }
}

fn con_add(con: &mut Value, key: &str, v: Value) -> Result<(), String> {
    match con {
        Value::Object(m) => {
            m.insert(key.to_string(), v);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(v);
                return Ok(());
            }
            let len = a.len() + 1;
            let idx = array_index(key, len)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            if idx >= len {
                return Err(format!(
                    "Unable to access invalid index: {idx}: invalid index referenced"
                ));
            }
            a.insert(idx, v);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn con_remove(con: &mut Value, key: &str) -> Result<Value, String> {
    match con {
        Value::Object(m) => m
            .remove(key)
            .ok_or_else(|| missing(format!("Unable to remove nonexistent key: {key}"))),
        Value::Array(a) => {
            let idx = array_index(key, a.len())?;
            if idx >= a.len() {
                return Err(format!(
                    "Unable to access invalid index: {idx}: invalid index referenced"
                ));
            }
            Ok(a.remove(idx))
        }
        _ => Err(missing(format!("Unable to remove nonexistent key: {key}"))),
    }
}

fn op_str<'a>(op: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    op.get(field).and_then(Value::as_str)
}

/// Applies an RFC 6902 patch (already checked to be a list of objects).
pub fn json_patch(doc: &Value, ops: &[Value]) -> Result<Value, String> {
    let mut doc = doc.clone();
    for op in ops {
        let empty = Map::new();
        let op = op.as_object().unwrap_or(&empty);
        let kind = op_str(op, "op").unwrap_or("unknown");
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        let path = op_str(op, "path");
        match kind {
            "add" => {
                let path =
                    path.ok_or_else(|| missing("add operation failed to decode path".into()))?;
                let (con, key) = find_object(&mut doc, path).ok_or_else(|| {
                    missing(format!(
                        "add operation does not apply: doc is missing path: \"{path}\""
                    ))
                })?;
                con_add(con, &key, value)
                    .map_err(|e| format!("error in add for path: '{path}': {e}"))?;
            }
            "remove" => {
                let path =
                    path.ok_or_else(|| missing("remove operation failed to decode path".into()))?;
                let (con, key) = find_object(&mut doc, path).ok_or_else(|| {
                    missing(format!(
                        "remove operation does not apply: doc is missing path: \"{path}\""
                    ))
                })?;
                con_remove(con, &key)
                    .map_err(|e| format!("error in remove for path: '{path}': {e}"))?;
            }
            "replace" => {
                let path = path.ok_or_else(|| {
                    missing(
                        "replace operation failed to decode path: operation missing path field"
                            .into(),
                    )
                })?;
                let (con, key) = find_object(&mut doc, path).ok_or_else(|| {
                    missing(format!(
                        "replace operation does not apply: doc is missing path: {path}"
                    ))
                })?;
                if con_get(con, &key).is_err() {
                    return Err(missing(format!(
                        "replace operation does not apply: doc is missing key: {path}"
                    )));
                }
                match con {
                    Value::Object(m) => {
                        m.insert(key, value);
                    }
                    Value::Array(a) => {
                        let idx = array_index(&key, a.len()).unwrap_or(0);
                        if let Some(slot) = a.get_mut(idx) {
                            *slot = value;
                        }
                    }
                    _ => {}
                }
            }
            "move" | "copy" => {
                let from = op_str(op, "from").ok_or_else(|| {
                    missing(format!(
                        "{kind} operation failed to decode from: operation, missing from field"
                    ))
                })?;
                let (con, key) = find_object(&mut doc, from).ok_or_else(|| {
                    missing(format!(
                        "{kind} operation does not apply: doc is missing from path: {from}"
                    ))
                })?;
                let val = if kind == "move" {
                    con_remove(con, &key)
                        .map_err(|e| format!("error in move for path: '{key}': {e}"))?
                } else {
                    match con_get(con, &key) {
                        Ok(Some(v)) => v,
                        Ok(None) => Value::Null,
                        Err(e) => return Err(format!("error in copy for from: '{from}': {e}")),
                    }
                };
                let path =
                    path.ok_or_else(|| missing(format!("{kind} operation failed to decode path")))?;
                let (con, key) = find_object(&mut doc, path).ok_or_else(|| {
                    missing(format!(
                        "{kind} operation does not apply: doc is missing destination path: {path}"
                    ))
                })?;
                con_add(con, &key, val).map_err(|e| {
                    if kind == "move" {
                        format!("error in move for path: '{path}': {e}")
                    } else {
                        format!("error while adding value during copy: {e}")
                    }
                })?;
            }
            "test" => {
                let path = path.ok_or_else(|| {
                    missing(
                        "test operation failed to decode path: operation missing path field".into(),
                    )
                })?;
                let (con, key) = find_object(&mut doc, path).ok_or_else(|| {
                    missing(format!(
                        "test operation does not apply: is missing path: {path}"
                    ))
                })?;
                let val = con_get(con, &key)
                    .map_err(|e| format!("error in test for path: '{path}': {e}"))?;
                let ok = match val {
                    None => value.is_null(),
                    Some(v) => v == value,
                };
                if !ok {
                    return Err(format!("testing value {path} failed: test failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(doc)
}

// ---------------------------------------------------------------------------------------
// Strategic merge patch.

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER: &str = "$setElementOrder/";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList/";

/// Applies a strategic merge patch to `original` (an object of `kind`).
pub fn strategic_merge_patch(kind: Kind, original: &Value, patch: &Value) -> Result<Value, String> {
    let Value::Object(p) = patch else {
        return Err("invalid JSON document".into());
    };
    let o = original.as_object().cloned().unwrap_or_default();
    let mut path = Vec::new();
    merge_map(kind, &mut path, o, p).map(Value::Object)
}

fn merge_map(
    kind: Kind,
    path: &mut Vec<String>,
    mut original: Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    if let Some(d) = patch.get(DIRECTIVE) {
        match d.as_str() {
            Some("replace") => {
                let mut p = patch.clone();
                p.remove(DIRECTIVE);
                return merge_map(kind, path, Map::new(), &p);
            }
            Some("delete") => return Ok(Map::new()),
            _ => {
                return Err(format!(
                    "unknown patch type: {} in map: {}",
                    go_format(d),
                    go_format(&Value::Object(patch.clone()))
                ))
            }
        }
    }
    if let Some(retain) = patch.get(RETAIN_KEYS) {
        let Some(keys) = retain.as_array() else {
            return Err(format!("invalid list type: {}", go_format(retain)));
        };
        let keep: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
        original.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (k, v) in patch {
        if let Some(field) = k.strip_prefix(DELETE_PRIMITIVE) {
            if let (Some(Value::Array(list)), Some(del)) = (original.get_mut(field), v.as_array()) {
                list.retain(|x| !del.contains(x));
            }
        }
    }
    for (k, pv) in patch {
        if k == RETAIN_KEYS || k.starts_with(SET_ORDER) || k.starts_with(DELETE_PRIMITIVE) {
            continue;
        }
        if pv.is_null() {
            original.remove(k);
            continue;
        }
        path.push(k.clone());
        let merged = match (original.remove(k), pv) {
            (Some(Value::Object(o)), Value::Object(p)) => {
                let m = merge_map(kind, path, o, p)?;
                Value::Object(m)
            }
            (Some(Value::Array(o)), Value::Array(p)) => merge_list(kind, path, o, p)?,
            (None, Value::Object(p)) => Value::Object(merge_map(kind, path, Map::new(), p)?),
            (None, Value::Array(p)) => merge_list(kind, path, Vec::new(), p)?,
            (_, pv) => pv.clone(),
        };
        path.pop();
        let merged = match (patch.get(&format!("{SET_ORDER}{k}")), merged) {
            (Some(Value::Array(order)), Value::Array(items)) => {
                let p: Vec<&str> = path
                    .iter()
                    .map(String::as_str)
                    .chain([k.as_str()])
                    .collect();
                Value::Array(set_order(list_strategy(Some(kind), &p), order, items))
            }
            (_, m) => m,
        };
        original.insert(k.clone(), merged);
    }
    // A `$setElementOrder` for a list the patch does not otherwise touch reorders it too.
    for (k, v) in patch {
        if let Some(field) = k.strip_prefix(SET_ORDER) {
            if patch.contains_key(field) {
                continue;
            }
            if let (Some(Value::Array(items)), Value::Array(order)) = (original.remove(field), v) {
                let p: Vec<&str> = path.iter().map(String::as_str).chain([field]).collect();
                let items = set_order(list_strategy(Some(kind), &p), order, items);
                original.insert(field.to_string(), Value::Array(items));
            }
        }
    }
    Ok(original)
}

/// Orders a merged list as `$setElementOrder` asks: the listed items in that order, then
/// the items only the server has, in their order.
fn set_order(strategy: ListStrategy, order: &[Value], items: Vec<Value>) -> Vec<Value> {
    let key_of = |item: &Value| -> Value {
        match strategy {
            ListStrategy::MergeByKey(k) => item.get(k).cloned().unwrap_or(Value::Null),
            _ => item.clone(),
        }
    };
    let wanted: Vec<Value> = order.iter().map(key_of).collect();
    let mut listed: Vec<Option<Value>> = vec![None; wanted.len()];
    let mut rest = Vec::new();
    for item in items {
        match wanted.iter().position(|w| *w == key_of(&item)) {
            Some(i) if listed[i].is_none() => listed[i] = Some(item),
            _ => rest.push(item),
        }
    }
    listed.into_iter().flatten().chain(rest).collect()
}

fn merge_list(
    kind: Kind,
    path: &mut Vec<String>,
    original: Vec<Value>,
    patch: &[Value],
) -> Result<Value, String> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let strategy = list_strategy(Some(kind), &p);
    let key = match strategy {
        ListStrategy::Replace => {
            // Directives inside the new list's maps are still processed.
            let mut out = Vec::new();
            for item in patch {
                match item {
                    Value::Object(m) => {
                        out.push(Value::Object(merge_map(kind, path, Map::new(), m)?))
                    }
                    v => out.push(v.clone()),
                }
            }
            return Ok(Value::Array(out));
        }
        ListStrategy::MergeScalars => {
            let mut out = original;
            for v in patch {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            return Ok(Value::Array(out));
        }
        ListStrategy::MergeByKey(k) => k,
    };
    // `$patch: replace` anywhere in the list: the list becomes the patch's other items.
    let replace = patch
        .iter()
        .any(|i| i.get(DIRECTIVE).and_then(Value::as_str) == Some("replace"));
    let mut out = if replace { Vec::new() } else { original };
    for item in patch {
        let Value::Object(m) = item else {
            return Err(format!(
                "map: {} does not contain declared merge key: {key}",
                go_format(item)
            ));
        };
        match m.get(DIRECTIVE).and_then(Value::as_str) {
            Some("replace") => continue,
            Some("delete") => {
                let Some(kv) = m.get(key) else {
                    return Err(format!(
                        "map: {} does not contain declared merge key: {key}",
                        go_format(item)
                    ));
                };
                out.retain(|o| o.get(key) != Some(kv));
                continue;
            }
            Some(other) => {
                return Err(format!(
                    "unknown patch type: {other} in map: {}",
                    go_format(item)
                ))
            }
            None => {}
        }
        let Some(kv) = m.get(key) else {
            return Err(format!(
                "map: {} does not contain declared merge key: {key}",
                go_format(item)
            ));
        };
        match out.iter().position(|o| o.get(key) == Some(kv)) {
            Some(i) => {
                let o = out[i].as_object().cloned().unwrap_or_default();
                out[i] = Value::Object(merge_map(kind, path, o, m)?);
            }
            None => out.push(Value::Object(merge_map(kind, path, Map::new(), m)?)),
        }
    }
    Ok(Value::Array(out))
}

// ---------------------------------------------------------------------------------------
// The API server's PATCH.

/// Applies `patch` (the request body, JSON) of type `ty` to an object's JSON, with the
/// API server's errors (BadRequest for a body that does not decode, the 422 for a JSON
/// patch that does not apply).
pub fn apply_patch(
    kind: Kind,
    current: &Value,
    ty: PatchType,
    body: &str,
) -> Result<Value, ApiError> {
    match ty {
        PatchType::Json => {
            let v = parse_go_json(body)
                .map_err(|e| bad_request(format!("error decoding patch: {e}")))?;
            let Value::Array(ops) = &v else {
                return Err(bad_request(format!(
                    "error decoding patch: json: cannot unmarshal {} into Go value of type []handlers.jsonPatchOp",
                    go_json_type(&v)
                )));
            };
            if let Some(bad) = ops.iter().find(|o| !o.is_object()) {
                return Err(bad_request(format!(
                    "error decoding patch: json: cannot unmarshal {} into Go value of type handlers.jsonPatchOp",
                    go_json_type(bad)
                )));
            }
            if ops.len() > 10_000 {
                let mut e = bad_request(format!(
                    "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got {}",
                    ops.len()
                ));
                e.reason = Reason::BadRequest;
                return Err(e);
            }
            json_patch(current, ops).map_err(|e| unprocessable(&e))
        }
        PatchType::Merge => {
            let v = parse_go_json(body)
                .map_err(|e| bad_request(format!("error decoding patch: {e}")))?;
            if !v.is_object() {
                return Err(bad_request(format!(
                    "error decoding patch: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    go_json_type(&v)
                )));
            }
            Ok(json_merge_patch(current, &v))
        }
        PatchType::Strategic => {
            let v = parse_go_json(body).map_err(bad_request)?;
            if !v.is_object() {
                return Err(bad_request(format!(
                    "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    go_json_type(&v)
                )));
            }
            strategic_merge_patch(kind, current, &v).map_err(|e| {
                // The patch's own errors (bad directives, missing merge keys) are 500s
                // upstream; kubectl prints them as `Error from server: ...`.
                ApiError::internal(e)
            })
        }
    }
}

fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A patch's result: the object before and after, and the unknown fields the patched
/// object had (the API server's default `fieldValidation=Warn` drops them and warns).
#[derive(Clone, Debug)]
pub struct Patched {
    pub before: Arc<Object>,
    pub after: Arc<Object>,
    pub warnings: Vec<String>,
}

/// The `autoscaling/v1` Scale of a scalable object, as JSON.
pub fn scale_json(obj: &Object) -> Option<Value> {
    let sel = |s: Option<&crate::api::meta::LabelSelector>| {
        crate::api::labels::Selector::from_optional_label_selector(s)
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let (replicas, status_replicas, selector) = match obj {
        Object::Deployment(d) => (
            d.spec.replicas.unwrap_or(1),
            d.status.as_ref().map_or(0, |s| s.replicas),
            sel(d.spec.selector.as_ref()),
        ),
        Object::ReplicaSet(r) => (
            r.spec.replicas.unwrap_or(1),
            r.status.as_ref().map_or(0, |s| s.replicas),
            sel(r.spec.selector.as_ref()),
        ),
        Object::StatefulSet(s) => (
            s.spec.replicas.unwrap_or(1),
            s.status.as_ref().map_or(0, |s| s.replicas),
            sel(s.spec.selector.as_ref()),
        ),
        Object::ReplicationController(r) => (
            r.spec.replicas.unwrap_or(1),
            r.status.as_ref().map_or(0, |s| s.replicas),
            r.spec
                .selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => return None,
    };
    let m = obj.meta();
    let mut meta = serde_json::json!({
        "name": m.name,
        "namespace": m.namespace,
        "uid": m.uid,
        "resourceVersion": m.resource_version,
    });
    if let Some(t) = m.creation_timestamp {
        meta["creationTimestamp"] = Value::String(t.to_string());
    }
    Some(serde_json::json!({
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": meta,
        "spec": {"replicas": replicas},
        "status": {"replicas": status_replicas, "selector": selector},
    }))
}

impl ApiServer {
    /// PATCH: applies `body` to the stored object and writes the result as an update
    /// (the main resource, `/status`, or `/scale`). With `dry_run`, validates and returns
    /// what would be stored without writing.
    pub fn patch(
        &mut self,
        kind: Kind,
        namespace: &str,
        name: &str,
        ty: PatchType,
        body: &str,
        sub: Subresource,
        dry_run: bool,
    ) -> Result<Patched, ApiError> {
        let before = self.get(kind, namespace, name)?;
        if sub == Subresource::Scale {
            let Some(scale) = scale_json(&before) else {
                return Err(ApiError::not_found_message(
                    "the server could not find the requested resource".into(),
                ));
            };
            let patched = apply_patch(kind, &scale, ty, body)?;
            let replicas = patched.pointer("/spec/replicas").and_then(Value::as_i64);
            let Some(replicas) = replicas.and_then(|r| i32::try_from(r).ok()) else {
                return Err(invalid_patch(
                    &super::super::kubectl::apply::go_json(&patched),
                    "json: cannot unmarshal into Go struct field Scale.spec.replicas of type int32",
                ));
            };
            let mut obj = (*before).clone();
            let mut json = obj.to_json();
            json["spec"]["replicas"] = Value::from(replicas);
            obj = super::decode::decode_value(kind, &json).map_err(ApiError::bad_request)?;
            let after = self.write_patched(obj, false, dry_run)?;
            return Ok(Patched {
                before,
                after,
                warnings: Vec::new(),
            });
        }
        let current = before.to_json();
        let patched = apply_patch(kind, &current, ty, body)?;
        let (obj, warnings) = decode_patched(kind, &patched, ty, body)?;
        if obj.meta().name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                obj.meta().name
            )));
        }
        let mut obj = obj;
        if kind.info().namespaced {
            let ns = obj.meta().namespace.clone();
            if ns.is_empty() {
                obj.meta_mut().namespace = namespace.to_string();
            } else if ns != namespace {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request".into(),
                ));
            }
        }
        let after = self.write_patched(obj, sub == Subresource::Status, dry_run)?;
        Ok(Patched {
            before,
            after,
            warnings,
        })
    }

    fn write_patched(
        &mut self,
        obj: Object,
        status: bool,
        dry_run: bool,
    ) -> Result<Arc<Object>, ApiError> {
        if dry_run {
            return self.dry_run_update(obj, status).map(Arc::new);
        }
        if status {
            self.update_status(obj)
        } else {
            self.update(obj)
        }
    }

    /// Validates an update as `dryRun=All` does, without writing; returns what would be stored.
    pub fn dry_run_update(&self, mut obj: Object, status: bool) -> Result<Object, ApiError> {
        let kind = obj.kind();
        let name = obj.meta().name.clone();
        let old = self.get(kind, &obj.meta().namespace, &name)?;
        let rv = obj.meta().resource_version.clone();
        if !rv.is_empty() && rv != old.meta().resource_version {
            return Err(ApiError::conflict(kind, &name, "the object has been modified; please apply your changes to the latest version and try again"));
        }
        if status {
            let mut merged = (*old).clone();
            merged.copy_status_from(&obj);
            obj = merged;
        } else if kind.info().has_status {
            obj.copy_status_from(&old);
        }
        super::defaults::set_defaults(&mut obj);
        obj.meta_mut().resource_version = old.meta().resource_version.clone();
        let errs = super::validation::validate_update(&obj, &old);
        if !errs.is_empty() {
            return Err(ApiError::invalid(kind, &name, errs));
        }
        Ok(obj)
    }
}

/// Decodes the patched JSON into the kind; unknown fields become warnings.
fn decode_patched(
    kind: Kind,
    patched: &Value,
    ty: PatchType,
    body: &str,
) -> Result<(Object, Vec<String>), ApiError> {
    match super::decode::decode_value_lenient(kind, patched) {
        Ok((obj, unknown)) => Ok((
            obj,
            unknown
                .into_iter()
                .map(|u| format!("unknown field {u:?}"))
                .collect(),
        )),
        Err(msg) => {
            let shown = match ty {
                PatchType::Strategic => {
                    go_format(&serde_json::from_str(body).unwrap_or(Value::Null))
                }
                _ => super::super::kubectl::apply::go_json(patched),
            };
            Err(invalid_patch(&shown, &msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_rfc7386_examples() {
        // RFC 7386 section 3's example.
        let target = json!({"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["example", "sample"], "content": "This will be unchanged"});
        let patch = json!({"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": null}, "tags": ["example"]});
        assert_eq!(
            json_merge_patch(&target, &patch),
            json!({"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"], "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"})
        );
        // Appendix A, a few rows.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (t, p, want) in cases {
            assert_eq!(json_merge_patch(&t, &p), want, "{t} + {p}");
        }
    }

    #[test]
    fn json_patch_rfc6902_examples() {
        let ok = |doc: Value, ops: Value| json_patch(&doc, ops.as_array().unwrap()).unwrap();
        // A.1 add an object member; A.2 add an array element; A.3 remove; A.4 remove element.
        assert_eq!(
            ok(
                json!({"foo": "bar"}),
                json!([{"op": "add", "path": "/baz", "value": "qux"}])
            ),
            json!({"baz": "qux", "foo": "bar"})
        );
        assert_eq!(
            ok(
                json!({"foo": ["bar", "baz"]}),
                json!([{"op": "add", "path": "/foo/1", "value": "qux"}])
            ),
            json!({"foo": ["bar", "qux", "baz"]})
        );
        assert_eq!(
            ok(
                json!({"baz": "qux", "foo": "bar"}),
                json!([{"op": "remove", "path": "/baz"}])
            ),
            json!({"foo": "bar"})
        );
        assert_eq!(
            ok(
                json!({"foo": ["bar", "qux", "baz"]}),
                json!([{"op": "remove", "path": "/foo/1"}])
            ),
            json!({"foo": ["bar", "baz"]})
        );
        // A.5 replace; A.6 move; A.7 move an array element; A.8 test.
        assert_eq!(
            ok(
                json!({"baz": "qux", "foo": "bar"}),
                json!([{"op": "replace", "path": "/baz", "value": "boo"}])
            ),
            json!({"baz": "boo", "foo": "bar"})
        );
        assert_eq!(
            ok(
                json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}),
                json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}])
            ),
            json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}})
        );
        assert_eq!(
            ok(
                json!({"foo": ["all", "grass", "cows", "eat"]}),
                json!([{"op": "move", "from": "/foo/1", "path": "/foo/3"}])
            ),
            json!({"foo": ["all", "cows", "eat", "grass"]})
        );
        ok(
            json!({"baz": "qux", "foo": ["a", 2, "c"]}),
            json!([{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}]),
        );
        // A.9 a failing test; A.12 adding to a nonexistent target.
        let err = |doc: Value, ops: Value| json_patch(&doc, ops.as_array().unwrap()).unwrap_err();
        assert_eq!(
            err(
                json!({"baz": "qux"}),
                json!([{"op": "test", "path": "/baz", "value": "bar"}])
            ),
            "testing value /baz failed: test failed"
        );
        assert_eq!(
            err(
                json!({"foo": "bar"}),
                json!([{"op": "add", "path": "/baz/bat", "value": "qux"}])
            ),
            "add operation does not apply: doc is missing path: \"/baz/bat\": missing value"
        );
        // A.10 add a nested member object; A.16 add an array value; copy; "-" appends.
        assert_eq!(
            ok(
                json!({"foo": "bar"}),
                json!([{"op": "add", "path": "/child", "value": {"grandchild": {}}}])
            ),
            json!({"foo": "bar", "child": {"grandchild": {}}})
        );
        assert_eq!(
            ok(
                json!({"foo": ["bar"]}),
                json!([{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}])
            ),
            json!({"foo": ["bar", ["abc", "def"]]})
        );
        assert_eq!(
            ok(
                json!({"a": {"b": 1}}),
                json!([{"op": "copy", "from": "/a", "path": "/c"}])
            ),
            json!({"a": {"b": 1}, "c": {"b": 1}})
        );
        // A.14 ~ escapes.
        assert_eq!(
            ok(
                json!({"/": 9, "~1": 10}),
                json!([{"op": "test", "path": "/~01", "value": 10}, {"op": "remove", "path": "/~1"}])
            ),
            json!({"~1": 10})
        );
        // evanphx's messages.
        assert_eq!(
            err(json!({"spec": {}}), json!([{"op": "remove", "path": "/spec/foo"}])),
            "error in remove for path: '/spec/foo': Unable to remove nonexistent key: foo: missing value"
        );
        assert_eq!(
            err(
                json!({"spec": {}}),
                json!([{"op": "replace", "path": "/spec/foo/x", "value": 3}])
            ),
            "replace operation does not apply: doc is missing path: /spec/foo/x: missing value"
        );
        assert_eq!(
            err(json!({}), json!([{"op": "frob", "path": "/a"}])),
            "Unexpected kind: frob"
        );
        assert_eq!(
            err(json!({"a": [1]}), json!([{"op": "add", "path": "/a/5", "value": 1}])),
            "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced"
        );
        // v4 adds a missing object key on replace.
        assert_eq!(
            ok(
                json!({}),
                json!([{"op": "replace", "path": "/a", "value": 1}])
            ),
            json!({"a": 1})
        );
    }

    fn smp(kind: Kind, o: Value, p: Value) -> Value {
        strategic_merge_patch(kind, &o, &p).unwrap()
    }

    #[test]
    fn strategic_merge_by_key_and_directives() {
        let pod = json!({"spec": {"containers": [{"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]}, {"name": "b", "image": "b:1"}]}});
        // Merge by name, keep the other container, add env by name.
        let got = smp(
            Kind::Pod,
            pod.clone(),
            json!({"spec": {"containers": [{"name": "a", "image": "a:2", "env": [{"name": "Y", "value": "2"}]}]}}),
        );
        assert_eq!(
            got,
            json!({"spec": {"containers": [{"name": "a", "image": "a:2", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}, {"name": "b", "image": "b:1"}]}})
        );
        // $patch: delete removes one item.
        let got = smp(
            Kind::Pod,
            pod.clone(),
            json!({"spec": {"containers": [{"name": "b", "$patch": "delete"}]}}),
        );
        assert_eq!(got["spec"]["containers"].as_array().unwrap().len(), 1);
        // $patch: replace replaces the whole list.
        let got = smp(
            Kind::Pod,
            pod.clone(),
            json!({"spec": {"containers": [{"name": "c", "image": "c"}, {"$patch": "replace"}]}}),
        );
        assert_eq!(
            got["spec"]["containers"],
            json!([{"name": "c", "image": "c"}])
        );
        // $patch: replace on a map; $patch: delete on a map leaves {}.
        let got = smp(
            Kind::Deployment,
            json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
            json!({"spec": {"strategy": {"$patch": "replace", "type": "Recreate"}}}),
        );
        assert_eq!(got, json!({"spec": {"strategy": {"type": "Recreate"}}}));
        // $retainKeys drops the keys not listed.
        let got = smp(
            Kind::Deployment,
            json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
        );
        assert_eq!(got, json!({"spec": {"strategy": {"type": "Recreate"}}}));
        // Lists without a strategy are replaced; scalars with one are unioned.
        let got = smp(
            Kind::Pod,
            json!({"metadata": {"finalizers": ["a"]}, "spec": {"containers": [{"name": "a", "args": ["x", "y"]}]}}),
            json!({"metadata": {"finalizers": ["b", "a"]}, "spec": {"containers": [{"name": "a", "args": ["z"]}]}}),
        );
        assert_eq!(got["metadata"]["finalizers"], json!(["a", "b"]));
        assert_eq!(got["spec"]["containers"][0]["args"], json!(["z"]));
        // $deleteFromPrimitiveList and $setElementOrder.
        let got = smp(
            Kind::Pod,
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}),
        );
        assert_eq!(got["metadata"]["finalizers"], json!(["b"]));
        let got = smp(
            Kind::Pod,
            pod.clone(),
            json!({"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}], "containers": [{"name": "a", "image": "a:3"}]}}),
        );
        assert_eq!(got["spec"]["containers"][0]["name"], "b");
        assert_eq!(got["spec"]["containers"][1]["image"], "a:3");
        // Service ports merge by port; container ports by containerPort.
        let got = smp(
            Kind::Service,
            json!({"spec": {"ports": [{"port": 80, "name": "http"}]}}),
            json!({"spec": {"ports": [{"port": 443, "name": "https"}]}}),
        );
        assert_eq!(got["spec"]["ports"].as_array().unwrap().len(), 2);
        // Errors as upstream words them.
        assert_eq!(
            strategic_merge_patch(
                Kind::Pod,
                &pod,
                &json!({"spec": {"containers": [{"image": "x"}]}})
            )
            .unwrap_err(),
            "map: map[image:x] does not contain declared merge key: name"
        );
        assert_eq!(
            strategic_merge_patch(Kind::Pod, &pod, &json!({"spec": {"$patch": "foo"}}))
                .unwrap_err(),
            "unknown patch type: foo in map: map[$patch:foo]"
        );
    }

    #[test]
    fn go_json_syntax_errors() {
        assert_eq!(
            parse_go_json("{bad").unwrap_err(),
            "invalid character 'b' looking for beginning of object key string"
        );
        assert_eq!(
            parse_go_json("{\"a\": [").unwrap_err(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            parse_go_json("{\"a\" 1}").unwrap_err(),
            "invalid character '1' after object key"
        );
        assert_eq!(
            parse_go_json("{\"a\": 1 \"b\"}").unwrap_err(),
            "invalid character '\"' after object key:value pair"
        );
        assert_eq!(
            parse_go_json("[1 2]").unwrap_err(),
            "invalid character '2' after array element"
        );
        assert_eq!(
            parse_go_json("{\"a\": tru}").unwrap_err(),
            "invalid character '}' in literal true (expecting 'e')"
        );
        assert_eq!(
            parse_go_json("{\"a\": [1, {\"b\": null}]}").unwrap(),
            json!({"a": [1, {"b": null}]})
        );
    }
}
