//! Defaults for Service, Namespace, Node, storage, networking and the other kinds.

use crate::api::Object;

pub fn set_defaults(_obj: &mut Object) {}
