//! Validation of the remaining kinds: Namespace, Node, Service, config, storage,
//! networking, discovery, RBAC, scheduling and coordination.

use super::FieldErrors;
use crate::api::Object;

/// Kind-specific validation for a create or update.
pub fn validate(_obj: &Object, _errs: &mut FieldErrors) {}

/// Immutable-field checks on update.
pub fn validate_update(_new: &Object, _old: &Object, _errs: &mut FieldErrors) {}
