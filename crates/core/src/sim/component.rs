//! Components: the parts of the cluster that act on their own (the scheduler, each
//! kubelet, the controllers). A component reads and writes only through the API server;
//! the cluster runs it when one of its watches has events or when a timer it asked for
//! is due, always at a simulated instant, in a fixed order.

use crate::apiserver::ApiServer;
use crate::sim::{Millis, Rng};

/// What a component gets while it runs.
pub struct ComponentCtx<'a> {
    pub api: &'a mut ApiServer,
    pub now: Millis,
    pub rng: &'a mut Rng,
    wake: Option<Millis>,
}

impl<'a> ComponentCtx<'a> {
    pub fn new(api: &'a mut ApiServer, now: Millis, rng: &'a mut Rng) -> Self {
        ComponentCtx {
            api,
            now,
            rng,
            wake: None,
        }
    }

    /// Asks to run again at `at` (the earliest request wins).
    pub fn wake_at(&mut self, at: Millis) {
        self.wake = Some(self.wake.map_or(at, |w| w.min(at)));
    }

    /// Asks to run again `ms` from now.
    pub fn wake_after(&mut self, ms: Millis) {
        self.wake_at(self.now.saturating_add(ms.max(0)));
    }

    /// The wakeup requested during this run, if any.
    pub fn requested_wake(&self) -> Option<Millis> {
        self.wake
    }
}

/// A part of the cluster that reacts to watch events and timers.
pub trait Component {
    /// The name shown in the UI and in traces (`kube-scheduler`, `kubelet/node-1`).
    fn name(&self) -> String;
    /// Called once when the component joins the cluster: open watches, register, ask for
    /// the first timer.
    fn start(&mut self, ctx: &mut ComponentCtx);
    /// Whether a watch of this component holds events (then it runs at once).
    fn has_work(&self, api: &ApiServer) -> bool;
    /// Does what is due: drain watches, reconcile, ask for the next timer.
    fn run(&mut self, ctx: &mut ComponentCtx);
    /// The component itself, so the cluster can reach a kind of component it knows
    /// (`kubeplay node stop` finds that node's kubelet).
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}
