//! VolumeRestrictions and VolumeBinding: hooks for the storage work. They sit in the
//! default profile at upstream's positions and pass every node for now (PreFilter
//! returns Skip, as upstream does for pods without the volumes these plugins check);
//! the storage issue fills them in (PVC binding, access modes, zones, limits).

use crate::scheduler::framework::{
    CycleState, FilterPlugin, Handle, Plugin, PreFilterPlugin, PreFilterResult, Status,
};
use crate::scheduler::types::{NodeInfo, PodInfo};

/// The VolumeRestrictions plugin (hook).
pub struct VolumeRestrictions;
/// The VolumeBinding plugin (hook).
pub struct VolumeBinding;

macro_rules! hook {
    ($t:ident, $name:literal) => {
        impl Plugin for $t {
            fn name(&self) -> &'static str {
                $name
            }
        }
        impl PreFilterPlugin for $t {
            fn pre_filter(
                &self,
                _h: &Handle<'_>,
                _s: &mut CycleState,
                _p: &PodInfo,
            ) -> (PreFilterResult, Status) {
                (None, Status::skip())
            }
        }
        impl FilterPlugin for $t {
            fn filter(
                &self,
                _h: &Handle<'_>,
                _s: &CycleState,
                _p: &PodInfo,
                _n: &NodeInfo,
            ) -> Status {
                Status::success()
            }
            fn filter_nodes(
                &self,
                _h: &Handle<'_>,
                _s: &CycleState,
                _p: &PodInfo,
                _nodes: &[&NodeInfo],
                _failed: &mut [Option<Status>],
            ) {
                // Every node passes until the storage work lands.
            }
        }
    };
}

hook!(VolumeRestrictions, "VolumeRestrictions");
hook!(VolumeBinding, "VolumeBinding");
