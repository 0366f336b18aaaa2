//! API types, hand-written with serde (camelCase field names as upstream), one module
//! per API group/version, plus the shared value types: quantities, IntOrString,
//! label and field selectors. [`kinds`] is the registry of served kinds.

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
