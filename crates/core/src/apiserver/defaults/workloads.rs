//! Defaults for Pod (and pod templates), ReplicationController, apps, batch, autoscaling, policy.

use crate::api::Object;

pub fn set_defaults(_obj: &mut Object) {}
