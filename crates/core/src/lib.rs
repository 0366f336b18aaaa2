//! Kubeplay's orchestration core: a Kubernetes cluster simulated in one deterministic
//! event loop. No web dependencies: it builds natively and to wasm32, and the web app,
//! the `kubeplay` binary and the tests all drive it through [`shell::Shell`] and
//! [`sim::Cluster`]. See ARCHITECTURE.md at the repository root for the map.

pub mod api;
pub mod apiserver;
pub mod bench;
pub mod controllers;
pub mod events;
pub mod kubectl;
pub mod kubelet;
pub mod metrics;
pub mod network;
pub mod scheduler;
pub mod shell;
pub mod sim;
pub mod volume_util;
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
mod wasm_alloc;
