//! Types of the `scheduling.k8s.io/v1` API: PriorityClass, field for field as upstream
//! v1.33 (`k8s.io/api/scheduling/v1/types.go`).

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;

/// Maps a priority class name to the integer priority of the pods that use it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityClass {
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The priority; immutable.
    #[serde(default)]
    pub value: i32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub global_default: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `PreemptLowerPriority` (the default) or `Never`; immutable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption_policy: Option<String>,
}
