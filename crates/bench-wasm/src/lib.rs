//! The scheduler benchmark in wasm: the same workload as `kubeplay bench scheduler`
//! (`kubeplay_core::bench`), exported to JavaScript so that Node.js can time each phase
//! (the core reads no clock). Built and run by `scripts/bench-wasm.sh`.

#[cfg(target_arch = "wasm32")]
mod exports {
    use kubeplay_core::sim::Cluster;
    use wasm_bindgen::prelude::*;

    /// A benchmark cluster.
    #[wasm_bindgen]
    pub struct SchedulerBench {
        cluster: Cluster,
    }

    #[wasm_bindgen]
    impl SchedulerBench {
        /// Builds the cluster with `nodes` nodes.
        #[wasm_bindgen(constructor)]
        pub fn new(nodes: usize) -> SchedulerBench {
            SchedulerBench {
                cluster: kubeplay_core::bench::scheduler_cluster(nodes),
            }
        }

        /// Creates pods `0..count` of the workload; returns how many the API accepted.
        pub fn create_pods(&mut self, count: usize) -> usize {
            (0..count)
                .filter_map(kubeplay_core::bench::scheduler_pod)
                .filter(|p| self.cluster.api.create(p.clone()).is_ok())
                .count()
        }

        /// Lets the scheduler place every pending pod; returns the pods bound.
        pub fn schedule(&mut self) -> usize {
            self.cluster.settle();
            kubeplay_core::bench::scheduled_pods(&self.cluster)
        }
    }
}
