//! Field selectors: PLACEHOLDER API (being implemented).

use super::kinds::{Kind, Object};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldSelector {}

impl FieldSelector {
    pub fn everything() -> FieldSelector {
        FieldSelector {}
    }
    pub fn parse(_s: &str, _kind: Kind) -> Result<FieldSelector, String> {
        Ok(FieldSelector {})
    }
    pub fn matches(&self, _obj: &Object) -> bool {
        true
    }
    pub fn is_empty(&self) -> bool {
        true
    }
}
