//! API types, hand-written with serde (camelCase field names as upstream), one module
//! per API group/version, plus the shared value types: quantities, IntOrString,
//! label and field selectors. [`kinds`] is the registry of served kinds.

pub mod cron;
pub mod fields;
pub mod intstr;
pub mod kinds;
pub mod labels;
pub mod meta;
pub mod quantity;

pub mod apps_v1;
pub mod autoscaling;
pub mod batch_v1;
pub mod coordination_v1;
pub mod core_v1;
pub mod discovery_v1;
pub mod networking_v1;
pub mod policy_v1;
pub mod rbac_v1;
pub mod scheduling_v1;
pub mod storage_v1;

pub use intstr::IntOrString;
pub use kinds::{Kind, Object, Resource, ResourceInfo};
pub use meta::{LabelSelector, ObjectMeta, Time};
pub use quantity::Quantity;

/// Quotes a string as Go's `%q` does (the form upstream uses in messages).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
