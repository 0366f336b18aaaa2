//! Defaulting as upstream's `pkg/apis/*/v1/defaults.go`: applied to every object the API
//! server decodes, before validation.

mod others;
mod workloads;

use crate::api::Object;

/// Fills in upstream defaults for any kind.
pub fn set_defaults(obj: &mut Object) {
    workloads::set_defaults(obj);
    others::set_defaults(obj);
}
