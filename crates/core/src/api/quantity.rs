//! `resource.Quantity`: PLACEHOLDER API (being implemented): exact parsing of `500m`, `128Mi`,
//! `1.5Gi`, `1e3` and canonical printing as upstream.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Quantity(String);

impl Quantity {
    /// Parses a quantity; the error text is upstream's
    /// (`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`).
    pub fn parse(s: &str) -> Result<Quantity, String> {
        Ok(Quantity(s.to_string()))
    }
    /// The value in thousandths, rounded up (upstream `MilliValue`).
    pub fn milli_value(&self) -> i64 {
        0
    }
    /// The value rounded up to an integer (upstream `Value`).
    pub fn value(&self) -> i64 {
        0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Quantity::parse(&s).map_err(serde::de::Error::custom)
    }
}
