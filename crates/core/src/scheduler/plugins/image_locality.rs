//! ImageLocality: favours nodes that already have the pod's images, weighting each
//! image's size by the fraction of nodes that have it (`size * numNodes/totalNodes`),
//! summed over init and regular containers, clamped to [23MB, 1000MB × containers] and
//! scaled to 0-100. Image names without a tag get `:latest`.

use crate::scheduler::framework::{
    score_each, CycleState, Handle, Plugin, ScorePlugin, Status, MAX_NODE_SCORE,
};
use crate::scheduler::types::{NodeInfo, PodInfo};

const MB: i64 = 1024 * 1024;
/// Upstream `minThreshold` (23MB).
pub const MIN_THRESHOLD: i64 = 23 * MB;
/// Upstream `maxContainerThreshold` (1000MB).
pub const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// The ImageLocality plugin.
pub struct ImageLocality;

/// Upstream `normalizedImageName`: adds `:latest` when the name has no tag.
pub fn normalized_image_name(name: &str) -> String {
    let colon = name.rfind(':').map(|i| i as isize).unwrap_or(-1);
    let slash = name.rfind('/').map(|i| i as isize).unwrap_or(-1);
    if colon <= slash {
        format!("{name}:latest")
    } else {
        name.to_string()
    }
}

/// Upstream `calculatePriority`.
pub fn calculate_priority(sum_scores: i64, num_containers: usize) -> i64 {
    let max_threshold = MAX_CONTAINER_THRESHOLD * num_containers as i64;
    let s = if sum_scores < MIN_THRESHOLD {
        MIN_THRESHOLD
    } else if sum_scores > max_threshold {
        max_threshold
    } else {
        sum_scores
    };
    if max_threshold - MIN_THRESHOLD <= 0 {
        return 0;
    }
    MAX_NODE_SCORE * (s - MIN_THRESHOLD) / (max_threshold - MIN_THRESHOLD)
}

impl Plugin for ImageLocality {
    fn name(&self) -> &'static str {
        "ImageLocality"
    }
}

/// The pod's images (normalized) with their spread over the nodes
/// (`numNodes/totalNodes`), and its container count.
fn pod_images(h: &Handle<'_>, pod: &PodInfo) -> (Vec<(String, f64)>, usize) {
    let total = h.cache.num_nodes().max(1) as f64;
    let spec = &pod.pod.spec;
    let images = spec
        .init_containers
        .iter()
        .chain(spec.containers.iter())
        .map(|c| {
            let name = normalized_image_name(&c.image);
            let spread = h.cache.image_num_nodes(&name) as f64 / total;
            (name, spread)
        })
        .collect();
    (images, spec.init_containers.len() + spec.containers.len())
}

/// Upstream `Score` for one node.
fn image_score(images: &[(String, f64)], containers: usize, node: &NodeInfo) -> i64 {
    let mut sum = 0i64;
    if !node.images.is_empty() {
        for (name, spread) in images {
            if let Some(size) = node.image_size(name) {
                sum += (size as f64 * spread) as i64;
            }
        }
    }
    calculate_priority(sum, containers)
}

impl ScorePlugin for ImageLocality {
    fn score(
        &self,
        h: &Handle<'_>,
        _s: &CycleState,
        pod: &PodInfo,
        node: &NodeInfo,
    ) -> Result<i64, Status> {
        let (images, containers) = pod_images(h, pod);
        Ok(image_score(&images, containers, node))
    }
    fn score_nodes(
        &self,
        h: &Handle<'_>,
        _s: &CycleState,
        pod: &PodInfo,
        nodes: &[&NodeInfo],
        out: &mut [i64],
    ) -> Result<(), Status> {
        let (images, containers) = pod_images(h, pod);
        score_each(nodes, out, |n| image_score(&images, containers, n));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::{Container, ContainerImage, Node, Pod};
    use crate::scheduler::plugins::testutil::*;
    use crate::scheduler::Cache;
    use std::sync::Arc;

    fn with_images(mut n: Node, imgs: &[(&str, i64)]) -> Node {
        if let Some(st) = n.status.as_mut() {
            for (name, size) in imgs {
                st.images.push(ContainerImage {
                    names: vec![name.to_string()],
                    size_bytes: *size,
                });
            }
        }
        n
    }

    #[test]
    fn upstream_two_images_two_nodes() {
        // Upstream TestImageLocalityPriority "two images spread on two nodes, prefer the
        // larger image one": node1 0, node2 5.
        let mut c = Cache::new();
        c.add_node(Arc::new(with_images(
            node("node1", "1", "1Gi"),
            &[
                ("gcr.io/40:latest", 40 * MB),
                ("gcr.io/300:latest", 300 * MB),
            ],
        )));
        c.add_node(Arc::new(with_images(
            node("node2", "1", "1Gi"),
            &[("gcr.io/250:latest", 250 * MB), ("gcr.io/10:v1", 10 * MB)],
        )));
        let h = Handle {
            cache: &c,
            default_spread_selector: None,
        };
        let mut p = Pod::default();
        for img in ["gcr.io/40", "gcr.io/250"] {
            p.spec.containers.push(Container {
                image: img.into(),
                ..Default::default()
            });
        }
        let p = pi(p);
        let st = CycleState::default();
        let s1 = c
            .node_info("node1")
            .map(|n| ImageLocality.score(&h, &st, &p, n));
        let s2 = c
            .node_info("node2")
            .map(|n| ImageLocality.score(&h, &st, &p, n));
        assert_eq!(s1, Some(Ok(0)));
        assert_eq!(s2, Some(Ok(5)));
        assert_eq!(
            normalized_image_name("localhost:5000/img"),
            "localhost:5000/img:latest"
        );
        assert_eq!(normalized_image_name("nginx:1.27"), "nginx:1.27");
    }
}
