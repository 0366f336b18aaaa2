//! A serde `Deserializer` over the position-carrying YAML tree. It decodes into our typed
//! API structs while (1) recording every field serde ignores as an unknown field with its
//! path and position (strict decoding, as the API server's `fieldValidation=Strict`),
//! (2) reporting type mismatches in Go's encoding/json words
//! (`json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string`),
//! and (3) attaching the line and column to every error.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::yaml::{Node, Pos, Value};

/// An unknown field found while decoding: its strict path and where its key is.
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownField {
    pub path: String,
    pub pos: Pos,
}

/// A decoding error with the position of the offending node.
#[derive(Clone, Debug, PartialEq)]
pub struct DeError {
    pub message: String,
    pub pos: Option<Pos>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            pos: None,
        }
    }
}

/// State shared by all deserializers of one document.
#[derive(Default)]
pub struct Ctx {
    pub unknown: RefCell<Vec<UnknownField>>,
}

/// Deserializes `node`; `root_skip` lists top-level keys the typed struct does not hold
/// (`apiVersion`, `kind`).
pub struct NodeDe<'a> {
    node: &'a Node,
    ctx: &'a Ctx,
    /// Strict path with list indices (`spec.containers[0].name`).
    path: String,
    /// Go's encoding/json path, without indices (`spec.containers.name`).
    go_path: String,
    /// The Go struct holding this field (`ObjectMeta`).
    parent: &'static str,
    /// Position of the key naming this value, for unknown-field reports.
    key_pos: Option<Pos>,
    root_skip: &'a [&'a str],
}

impl<'a> NodeDe<'a> {
    pub fn root(node: &'a Node, ctx: &'a Ctx, root_skip: &'a [&'a str]) -> Self {
        NodeDe {
            node,
            ctx,
            path: String::new(),
            go_path: String::new(),
            parent: "",
            key_pos: None,
            root_skip,
        }
    }

    fn type_error(&self, go_type: &str) -> DeError {
        let got = match &self.node.value {
            Value::Int(i) => format!("number {i}"),
            Value::Float(f) => format!("number {f}"),
            v => v.json_type().to_string(),
        };
        let got =
            if matches!(self.node.value, Value::Int(_) | Value::Float(_)) && go_type == "string" {
                "number".to_string()
            } else {
                got
            };
        let message = if self.go_path.is_empty() {
            format!("json: cannot unmarshal {got} into Go value of type {go_type}")
        } else {
            format!(
                "json: cannot unmarshal {got} into Go struct field {}.{} of type {go_type}",
                self.parent, self.go_path
            )
        };
        DeError {
            message,
            pos: Some(self.node.pos),
        }
    }

    /// Attaches this node's position to an error raised by a visitor, unless it has one.
    fn locate<T>(&self, r: Result<T, DeError>) -> Result<T, DeError> {
        r.map_err(|mut e| {
            if e.pos.is_none() {
                e.pos = Some(self.node.pos);
            }
            e
        })
    }

    fn integer(&self, go_type: &str, min: i128, max: i128) -> Result<i64, DeError> {
        let v = match self.node.value {
            Value::Null => return Ok(0),
            Value::Int(i) => i as i128,
            Value::Float(f) if f.fract() == 0.0 && f.is_finite() && f.abs() < 1e30 => f as i128,
            _ => return Err(self.type_error(go_type)),
        };
        if v < min || v > max {
            return Err(self.type_error(go_type));
        }
        Ok(v as i64)
    }

    fn child(
        &self,
        node: &'a Node,
        path: String,
        go_path: String,
        parent: &'static str,
        key_pos: Option<Pos>,
    ) -> NodeDe<'a> {
        NodeDe {
            node,
            ctx: self.ctx,
            path,
            go_path,
            parent,
            key_pos,
            root_skip: &[],
        }
    }
}

macro_rules! int_method {
    ($name:ident, $visit:ident, $t:ty, $go:literal) => {
        fn $name<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
            let i = self.integer($go, <$t>::MIN as i128, <$t>::MAX as i128)?;
            let r = v.$visit(i as $t);
            self.locate(r)
        }
    };
}

impl<'de, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Int(i) => v.visit_i64(*i),
            Value::Float(f) => v.visit_f64(*f),
            Value::Str(s) => v.visit_str(s),
            Value::Seq(_) => return self.deserialize_seq(v),
            Value::Map(_) => return self.deserialize_map(v),
        };
        self.locate(r)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match self.node.value {
            Value::Bool(b) => v.visit_bool(b),
            Value::Null => v.visit_bool(false),
            _ => return Err(self.type_error("bool")),
        };
        self.locate(r)
    }

    int_method!(deserialize_i8, visit_i8, i8, "int8");
    int_method!(deserialize_i16, visit_i16, i16, "int16");
    int_method!(deserialize_i32, visit_i32, i32, "int32");
    int_method!(deserialize_i64, visit_i64, i64, "int64");
    int_method!(deserialize_u8, visit_u8, u8, "uint8");
    int_method!(deserialize_u16, visit_u16, u16, "uint16");
    int_method!(deserialize_u32, visit_u32, u32, "uint32");
    int_method!(deserialize_u64, visit_u64, u64, "uint64");

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(v)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match self.node.value {
            Value::Int(i) => v.visit_f64(i as f64),
            Value::Float(f) => v.visit_f64(f),
            Value::Null => v.visit_f64(0.0),
            _ => return Err(self.type_error("float64")),
        };
        self.locate(r)
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Str(s) => v.visit_str(s),
            Value::Null => v.visit_str(""),
            _ => return Err(self.type_error("string")),
        };
        self.locate(r)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.node.value {
            Value::Null => {
                let r = v.visit_none();
                self.locate(r)
            }
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = v.visit_unit();
        self.locate(r)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let empty = Vec::new();
        let items = match &self.node.value {
            Value::Seq(items) => items,
            Value::Null => &empty,
            _ => return Err(self.type_error("array")),
        };
        let r = v.visit_seq(Seq {
            de: &self,
            items,
            i: 0,
        });
        self.locate(r)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let empty = Vec::new();
        let entries = match &self.node.value {
            Value::Map(e) => e,
            Value::Null => &empty,
            _ => return Err(self.type_error("map[string]string")),
        };
        let r = v.visit_map(Map {
            de: &self,
            entries,
            i: 0,
            strukt: None,
        });
        self.locate(r)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        let empty = Vec::new();
        let entries = match &self.node.value {
            Value::Map(e) => e,
            Value::Null => &empty,
            _ => return Err(self.type_error(&format!("v1.{name}"))),
        };
        let r = v.visit_map(Map {
            de: &self,
            entries,
            i: 0,
            strukt: Some(name),
        });
        self.locate(r)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Str(s) => {
                let r = v.visit_enum(s.as_str().into_deserializer());
                self.locate(r)
            }
            _ => Err(self.type_error("string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if let Some(pos) = self.key_pos {
            self.ctx.unknown.borrow_mut().push(UnknownField {
                path: self.path.clone(),
                pos,
            });
        }
        v.visit_unit()
    }
}

struct Seq<'s, 'a> {
    de: &'s NodeDe<'a>,
    items: &'a [Node],
    i: usize,
}

impl<'de, 's, 'a> SeqAccess<'de> for Seq<'s, 'a> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.items.get(self.i) else {
            return Ok(None);
        };
        let path = format!("{}[{}]", self.de.path, self.i);
        self.i += 1;
        let child = self
            .de
            .child(item, path, self.de.go_path.clone(), self.de.parent, None);
        seed.deserialize(child).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.i)
    }
}

struct Map<'s, 'a> {
    de: &'s NodeDe<'a>,
    entries: &'a [(Node, Node)],
    i: usize,
    /// Set when decoding a struct (field paths extend; the parent struct changes).
    strukt: Option<&'static str>,
}

impl<'de, 's, 'a> MapAccess<'de> for Map<'s, 'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while let Some((k, _)) = self.entries.get(self.i) {
            if let Value::Str(s) = &k.value {
                if self.de.root_skip.contains(&s.as_str()) {
                    self.i += 1;
                    continue;
                }
            }
            let kd = self.de.child(
                k,
                self.de.path.clone(),
                self.de.go_path.clone(),
                self.de.parent,
                None,
            );
            return seed.deserialize(kd).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((k, val)) = self.entries.get(self.i) else {
            return Err(de::Error::custom("value without a key"));
        };
        self.i += 1;
        let key = k.as_str().unwrap_or_default();
        let join = |base: &str| {
            if base.is_empty() {
                key.to_string()
            } else {
                format!("{base}.{key}")
            }
        };
        let (path, go_path, parent) = match self.strukt {
            Some(name) => (join(&self.de.path), join(&self.de.go_path), name),
            // Map values: the strict path names the key; Go's path stays at the map field.
            None => (join(&self.de.path), self.de.go_path.clone(), self.de.parent),
        };
        let child = self.de.child(val, path, go_path, parent, Some(k.pos));
        seed.deserialize(child)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len().saturating_sub(self.i))
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse_stream;
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize, Debug, Default, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Meta {
        #[serde(default)]
        name: String,
        #[serde(default)]
        labels: BTreeMap<String, String>,
    }
    #[derive(Deserialize, Debug, Default, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Spec {
        replicas: Option<i32>,
        #[serde(default)]
        ports: Vec<Port>,
    }
    #[derive(Deserialize, Debug, Default, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Port {
        container_port: i32,
    }
    #[derive(Deserialize, Debug, Default, PartialEq)]
    struct Thing {
        #[serde(default)]
        metadata: Meta,
        #[serde(default)]
        spec: Spec,
    }

    fn decode(text: &str) -> (Result<Thing, DeError>, Vec<UnknownField>) {
        let docs = parse_stream(text).unwrap();
        let ctx = Ctx::default();
        let r = Thing::deserialize(NodeDe::root(&docs[0].0.root, &ctx, &["apiVersion", "kind"]));
        let unknown = ctx.unknown.borrow().clone();
        (r, unknown)
    }

    #[test]
    fn unknown_fields_have_paths_and_positions() {
        let (r, unknown) = decode("apiVersion: v1\nkind: Thing\nmetadata:\n  name: a\nspec:\n  replicsa: 3\n  ports:\n  - containerPort: 80\n    protocl: TCP\n");
        assert!(r.is_ok());
        assert_eq!(
            unknown,
            vec![
                UnknownField {
                    path: "spec.replicsa".into(),
                    pos: Pos { line: 6, col: 3 }
                },
                UnknownField {
                    path: "spec.ports[0].protocl".into(),
                    pos: Pos { line: 9, col: 5 }
                },
            ]
        );
    }

    #[test]
    fn type_errors_read_like_go() {
        let (r, _) = decode("metadata:\n  labels:\n    version: 1.0\n");
        let e = r.unwrap_err();
        assert_eq!(e.message, "json: cannot unmarshal number into Go struct field Meta.metadata.labels of type string");
        assert_eq!(e.pos, Some(Pos { line: 3, col: 14 }));
        let (r, _) = decode("spec:\n  replicas: \"3\"\n");
        assert_eq!(
            r.unwrap_err().message,
            "json: cannot unmarshal string into Go struct field Spec.spec.replicas of type int32"
        );
        let (r, _) = decode("spec:\n  ports:\n  - containerPort: 99999999999\n");
        assert_eq!(r.unwrap_err().message, "json: cannot unmarshal number 99999999999 into Go struct field Port.spec.ports.containerPort of type int32");
    }

    #[test]
    fn nulls_are_zero_values() {
        let (r, unknown) = decode("metadata:\nspec:\n  replicas: 3.0\n");
        assert!(unknown.is_empty());
        assert_eq!(r.unwrap().spec.replicas, Some(3));
    }
}
