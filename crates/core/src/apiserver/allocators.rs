//! The Service registry's allocators: ClusterIPs from the Service CIDR 10.96.0.0/12 and
//! node ports from 30000-32767, explicit or random, with upstream's messages. The
//! network issue builds routing on top; the addresses are handed out here, on create.

use std::collections::HashSet;

use super::validation::{FieldErrors, FieldValue};
use crate::api::core_v1::Service;
use crate::sim::Rng;

/// Service CIDR base (10.96.0.0) and size (/12).
const CIDR_BASE: u32 = (10 << 24) | (96 << 16);
const CIDR_SIZE: u32 = 1 << 20;
pub const SERVICE_CIDR: &str = "10.96.0.0/12";
pub const NODE_PORT_MIN: i32 = 30000;
pub const NODE_PORT_MAX: i32 = 32767;

fn parse_ipv4(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut v = 0u32;
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        v = (v << 8) | p.parse::<u8>().ok()? as u32;
    }
    Some(v)
}

fn format_ipv4(v: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        v >> 24,
        (v >> 16) & 255,
        (v >> 8) & 255,
        v & 255
    )
}

/// Allocated ClusterIPs and node ports.
#[derive(Default)]
pub struct ServiceAllocators {
    ips: HashSet<u32>,
    ports: HashSet<i32>,
}

fn needs_node_ports(svc: &Service) -> bool {
    svc.spec.type_ == "NodePort" || svc.spec.type_ == "LoadBalancer"
}

fn needs_cluster_ip(svc: &Service) -> bool {
    svc.spec.type_ != "ExternalName" && svc.spec.cluster_ip != "None"
}

impl ServiceAllocators {
    /// Allocates what `svc` needs that `old` (on update) did not already hold: its
    /// ClusterIP and node ports. On error nothing is allocated.
    pub fn allocate(
        &mut self,
        svc: &mut Service,
        old: Option<&Service>,
        rng: &mut Rng,
    ) -> Result<(), FieldErrors> {
        let mut errs = FieldErrors::default();
        let mut new_ip: Option<u32> = None;
        let old_ip = old.and_then(|o| parse_ipv4(&o.spec.cluster_ip));
        if needs_cluster_ip(svc) {
            if svc.spec.cluster_ip.is_empty() {
                // Dynamic allocations come from above the static band (upstream's
                // ServiceIPStaticSubrange: the first min(max(16, size/16), 256) addresses).
                let static_band = (CIDR_SIZE / 16).clamp(16, 256);
                for _ in 0..1000 {
                    let off = static_band + rng.below((CIDR_SIZE - static_band - 1) as u64) as u32;
                    let ip = CIDR_BASE + off;
                    if !self.ips.contains(&ip) {
                        new_ip = Some(ip);
                        break;
                    }
                }
                match new_ip {
                    Some(ip) => {
                        svc.spec.cluster_ip = format_ipv4(ip);
                        svc.spec.cluster_ips = vec![svc.spec.cluster_ip.clone()];
                    }
                    None => errs.invalid(
                        "spec.clusterIPs",
                        FieldValue::Raw("[]string(nil)".into()),
                        "failed to allocate a serviceIP: range is full",
                    ),
                }
            } else if old_ip.is_none() || old_ip != parse_ipv4(&svc.spec.cluster_ip) {
                let ip_s = svc.spec.cluster_ip.clone();
                let value = FieldValue::Raw(format!("[]string{{\"{ip_s}\"}}"));
                match parse_ipv4(&ip_s) {
                    None => errs.invalid("spec.clusterIPs[0]", ip_s.as_str(), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
                    Some(ip) if !(CIDR_BASE..CIDR_BASE + CIDR_SIZE).contains(&ip) => errs.invalid(
                        "spec.clusterIPs",
                        value,
                        format!("failed to allocate IP {ip_s}: the provided IP ({ip_s}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}"),
                    ),
                    Some(ip) if self.ips.contains(&ip) => errs.invalid("spec.clusterIPs", value, format!("failed to allocate IP {ip_s}: provided IP is already allocated")),
                    Some(ip) => new_ip = Some(ip),
                }
                if svc.spec.cluster_ips.is_empty() {
                    svc.spec.cluster_ips = vec![ip_s];
                }
            }
        }
        let mut new_ports: Vec<i32> = Vec::new();
        if needs_node_ports(svc) {
            let held: HashSet<i32> = old
                .filter(|o| needs_node_ports(o))
                .map(|o| o.spec.ports.iter().map(|p| p.node_port).collect())
                .unwrap_or_default();
            for (i, p) in svc.spec.ports.iter_mut().enumerate() {
                if p.node_port == 0 {
                    let span = (NODE_PORT_MAX - NODE_PORT_MIN + 1) as u64;
                    let start = rng.below(span) as i32;
                    let free = (0..span as i32)
                        .map(|k| NODE_PORT_MIN + (start + k) % span as i32)
                        .find(|port| !self.ports.contains(port) && !new_ports.contains(port));
                    match free {
                        Some(port) => {
                            p.node_port = port;
                            new_ports.push(port);
                        }
                        None => errs.invalid(
                            format!("spec.ports[{i}].nodePort"),
                            0,
                            "failed to allocate a nodePort: range is full",
                        ),
                    }
                } else if !held.contains(&p.node_port) {
                    let port = p.node_port;
                    if !(NODE_PORT_MIN..=NODE_PORT_MAX).contains(&port) {
                        errs.invalid(
                            format!("spec.ports[{i}].nodePort"),
                            port,
                            format!("provided port is not in the valid range. The range of valid ports is {NODE_PORT_MIN}-{NODE_PORT_MAX}"),
                        );
                    } else if self.ports.contains(&port) || new_ports.contains(&port) {
                        errs.invalid(
                            format!("spec.ports[{i}].nodePort"),
                            port,
                            "provided port is already allocated",
                        );
                    } else {
                        new_ports.push(port);
                    }
                }
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        if let Some(ip) = new_ip {
            self.ips.insert(ip);
        }
        self.ports.extend(new_ports);
        if let Some(o) = old {
            self.release_unused(o, svc);
        }
        Ok(())
    }

    /// Releases what `old` held and `new` no longer does.
    fn release_unused(&mut self, old: &Service, new: &Service) {
        if let Some(ip) = parse_ipv4(&old.spec.cluster_ip) {
            if parse_ipv4(&new.spec.cluster_ip) != Some(ip) {
                self.ips.remove(&ip);
            }
        }
        let keep: HashSet<i32> = if needs_node_ports(new) {
            new.spec.ports.iter().map(|p| p.node_port).collect()
        } else {
            HashSet::new()
        };
        for p in &old.spec.ports {
            if p.node_port != 0 && !keep.contains(&p.node_port) {
                self.ports.remove(&p.node_port);
            }
        }
    }

    /// Releases everything a deleted Service held.
    pub fn release(&mut self, svc: &Service) {
        if let Some(ip) = parse_ipv4(&svc.spec.cluster_ip) {
            self.ips.remove(&ip);
        }
        for p in &svc.spec.ports {
            self.ports.remove(&p.node_port);
        }
    }
}
