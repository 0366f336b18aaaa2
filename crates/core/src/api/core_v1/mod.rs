//! Types of the core (`v1`) API group, one file per family of kinds:
//! `pod` (Pod and everything a pod template holds, plus the shared reference and
//! volume source types), `replication_controller`, `namespace`, `node`, `service`
//! (Service, Endpoints), `config` (ConfigMap, Secret, ServiceAccount), `event`,
//! `storage` (PersistentVolume, PersistentVolumeClaim) and `policy` (ResourceQuota,
//! LimitRange). Everything is re-exported here, so users write `core_v1::Pod`.
//!
//! Shared types live in `pod.rs` and must not be redefined in a sibling file (the
//! glob re-exports would become ambiguous): `ObjectReference`, `LocalObjectReference`,
//! `TypedLocalObjectReference`, `ResourceRequirements`, `Toleration`, the node
//! selector types (`NodeSelector`, `NodeSelectorTerm`, `NodeSelectorRequirement`),
//! `KeyToPath`, `SecretReference` and every volume source a PersistentVolume reuses
//! (`HostPathVolumeSource`, `NFSVolumeSource`, `CSIVolumeSource`, ...).

mod config;
mod event;
mod namespace;
mod node;
mod pod;
mod policy;
mod replication_controller;
mod service;
mod storage;

pub use config::*;
pub use event::*;
pub use namespace::*;
pub use node::*;
pub use pod::*;
pub use policy::*;
pub use replication_controller::*;
pub use service::*;
pub use storage::*;

/// `skip_serializing_if` helper for Go `bool` fields with `omitempty`.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// `skip_serializing_if` helper for Go `int32` fields with `omitempty`.
pub(crate) fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}

/// `skip_serializing_if` helper for Go `int64` fields with `omitempty`.
pub(crate) fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}
