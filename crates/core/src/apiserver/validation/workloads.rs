//! Validation of Pod, ReplicationController and the apps, batch, autoscaling and policy
//! kinds (upstream `pkg/apis/{core,apps,batch,autoscaling,policy}/validation`).

use super::FieldErrors;
use crate::api::Object;

/// Kind-specific validation for a create or update.
pub fn validate(_obj: &Object, _errs: &mut FieldErrors) {}

/// Immutable-field checks on update.
pub fn validate_update(_new: &Object, _old: &Object, _errs: &mut FieldErrors) {}

/// Validates a pod template at `path` (used by every workload kind).
pub fn validate_pod_template_spec(_t: &(), _path: &str, _errs: &mut FieldErrors) {}
