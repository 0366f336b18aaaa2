//! The API server: decode, defaulting, validation, admission, the versioned store and
//! watch. Every component reads and writes objects only through [`ApiServer`].

pub mod bootstrap;
pub mod defaults;
pub mod validation;

use crate::sim::{Millis, Rng};

/// The API server and its store.
pub struct ApiServer {
    now: Millis,
    rng: Rng,
}

impl ApiServer {
    pub fn new(rng: Rng) -> ApiServer {
        ApiServer { now: 0, rng }
    }
    /// Sets the simulated time used for timestamps.
    pub fn set_now(&mut self, now: Millis) {
        self.now = now;
    }
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }
}
