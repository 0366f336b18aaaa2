//! Label selectors: PLACEHOLDER API (being implemented).

use std::collections::BTreeMap;

use super::meta::LabelSelector;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selector {}

impl Selector {
    /// The selector that matches everything.
    pub fn everything() -> Selector {
        Selector {}
    }
    /// Parses the string form `app=web,tier in (a,b),!legacy`.
    pub fn parse(_s: &str) -> Result<Selector, String> {
        Ok(Selector {})
    }
    /// Converts a `metav1.LabelSelector`.
    pub fn from_label_selector(_s: &LabelSelector) -> Result<Selector, String> {
        Ok(Selector {})
    }
    pub fn matches(&self, _labels: &BTreeMap<String, String>) -> bool {
        true
    }
    pub fn is_empty(&self) -> bool {
        true
    }
}
