//! The cluster network. So far: [`ipam`], the addresses of nodes' pod ranges and of
//! pods. Services, kube-proxy and DNS come with the network work.

pub mod ipam;
