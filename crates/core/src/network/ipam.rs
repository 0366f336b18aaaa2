//! Pod address management, as a flannel-like CNI with host-local IPAM does it: each
//! node owns a /24 out of the cluster's pod network `10.244.0.0/16` (node `i` gets
//! `10.244.i.0/24`; past 256 nodes the ranges continue into `10.245.0.0/16` up to
//! `10.255`, then `10.112` to `10.243` and `10.0` to `10.95`, staying clear of the
//! Service range `10.96.0.0/12`: 61,440 nodes before any two share a range), and hands
//! its pods addresses from `.2` to `.254` in turn, never reusing one that a live pod
//! holds and moving on after each allocation, so a replacement pod gets a new address.

use std::collections::BTreeSet;

/// The pod range of the node with this index: `10.244.i.0/24` for the first 256.
pub fn node_pod_cidr(index: usize) -> String {
    let block = index / 256 % 240;
    let second = match block {
        0..=11 => 244 + block,
        12..=143 => 112 + (block - 12),
        _ => block - 144,
    };
    format!("10.{second}.{}.0/24", index % 256)
}

/// The addresses of one node's pod range.
#[derive(Clone, Debug)]
pub struct PodAddresses {
    /// The first three octets (`10.244.3`).
    prefix: String,
    /// The host part handed out last.
    last: u8,
    used: BTreeSet<u8>,
}

impl PodAddresses {
    /// The allocator for a `A.B.C.0/24` range (anything else: `10.244.0.0/24`).
    pub fn new(cidr: &str) -> PodAddresses {
        let prefix = cidr
            .split('/')
            .next()
            .and_then(|ip| ip.rsplit_once('.'))
            .map(|(p, _)| p.to_string())
            .unwrap_or_else(|| "10.244.0".to_string());
        PodAddresses {
            prefix,
            last: 1,
            used: BTreeSet::new(),
        }
    }

    /// The next free address after the last one handed out (None: the range is full).
    pub fn allocate(&mut self) -> Option<String> {
        // Hosts .2 to .254 in a ring; `last` starts at .1 so the first is .2.
        let base = i32::from(self.last) - 2;
        for step in 1..=253i32 {
            let host = (2 + (base + step).rem_euclid(253)) as u8;
            if self.used.insert(host) {
                self.last = host;
                return Some(format!("{}.{host}", self.prefix));
            }
        }
        None
    }

    /// Gives an address back.
    pub fn release(&mut self, ip: &str) {
        if let Some(host) = ip
            .strip_prefix(self.prefix.as_str())
            .and_then(|h| h.strip_prefix('.'))
            .and_then(|h| h.parse::<u8>().ok())
        {
            self.used.remove(&host);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_addresses() {
        assert_eq!(node_pod_cidr(0), "10.244.0.0/24");
        assert_eq!(node_pod_cidr(3), "10.244.3.0/24");
        assert_eq!(node_pod_cidr(256), "10.245.0.0/24");
        assert_eq!(node_pod_cidr(12 * 256 + 5), "10.112.5.0/24");
        assert_eq!(node_pod_cidr(144 * 256), "10.0.0.0/24");
        assert_eq!(node_pod_cidr(239 * 256 + 255), "10.95.255.0/24");
        let mut a = PodAddresses::new("10.244.3.0/24");
        assert_eq!(a.allocate().as_deref(), Some("10.244.3.2"));
        assert_eq!(a.allocate().as_deref(), Some("10.244.3.3"));
        a.release("10.244.3.2");
        // A replacement gets a new address, not the one just freed.
        assert_eq!(a.allocate().as_deref(), Some("10.244.3.4"));
        let mut full = PodAddresses::new("10.244.9.0/24");
        let all: Vec<String> = std::iter::from_fn(|| full.allocate()).collect();
        assert_eq!(all.len(), 253);
        assert_eq!(all.last().map(String::as_str), Some("10.244.9.254"));
        full.release("10.244.9.7");
        assert_eq!(full.allocate().as_deref(), Some("10.244.9.7"));
    }
}
