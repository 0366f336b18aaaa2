//! Types of the `discovery_v1` API (placeholder: being filled in).

use serde::{Deserialize, Serialize};

use super::meta::ObjectMeta;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSlice {
    #[serde(default)]
    pub metadata: ObjectMeta,
}
