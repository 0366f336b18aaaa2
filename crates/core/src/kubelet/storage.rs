//! Writable volumes: where what a container writes under a mount is kept, so that the
//! pod's other containers, the container's next run, and (for host paths) later pods
//! on the node see it.
//!
//! - `emptyDir`: the pod's own directory; it lives as long as the pod on the node.
//! - `hostPath`, and PersistentVolumeClaims bound to `hostPath` or `local` volumes
//!   (what the local-path provisioner makes): the node's files
//!   ([`HostFiles`], kept by the kubelet), which outlive the pod.
//! - Claims bound to other volume kinds are kept on the node too, under
//!   `/var/lib/kubelet/plugins/kubernetes.io/pv/<name>`: Kubeplay has no network
//!   storage, so their contents do not follow a pod to another node.
//!
//! Writes outside these mounts go to the container's own layer and are gone when it
//! restarts. A read sees the volume's committed files, then every write the pod's
//! containers made under the same volume up to that instant, in time order.

use std::collections::BTreeMap;

use crate::api::core_v1::{Container, Pod};
use crate::api::{Kind, Object};
use crate::apiserver::ApiServer;
use crate::sim::Millis;

/// A node's own files (absolute host paths), shared by the pods on it.
pub type HostFiles = BTreeMap<String, String>;

/// Where a writable volume keeps its files.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Backing {
    /// The pod's emptyDir volume of this name.
    EmptyDir(String),
    /// A directory of the node.
    Host(String),
}

/// One write: when, where (volume and path inside it), what (`None` removes).
pub type VolumeWrite = (Millis, Backing, String, Option<String>);

/// The host directory of each PersistentVolumeClaim the pod mounts, read from its
/// bound PersistentVolume.
pub fn claim_dirs(api: &ApiServer, pod: &Pod) -> BTreeMap<String, String> {
    let ns = &pod.metadata.namespace;
    let mut out = BTreeMap::new();
    for v in &pod.spec.volumes {
        let Some(c) = &v.persistent_volume_claim else {
            continue;
        };
        let Ok(o) = api.get(Kind::PersistentVolumeClaim, ns, &c.claim_name) else {
            continue;
        };
        let Object::PersistentVolumeClaim(pvc) = &*o else {
            continue;
        };
        let pv_name = pvc.spec.volume_name.clone();
        if pv_name.is_empty() {
            continue;
        }
        let dir = match api
            .get(Kind::PersistentVolume, "", &pv_name)
            .ok()
            .as_deref()
        {
            Some(Object::PersistentVolume(pv)) => pv
                .spec
                .host_path
                .as_ref()
                .map(|h| h.path.clone())
                .or_else(|| pv.spec.local.as_ref().map(|l| l.path.clone())),
            _ => None,
        }
        .unwrap_or_else(|| format!("/var/lib/kubelet/plugins/kubernetes.io/pv/{pv_name}"));
        out.insert(c.claim_name.clone(), dir.trim_end_matches('/').to_string());
    }
    out
}

/// The writable mounts of a container: (mount path, backing), read-only ones left out.
pub fn writable_mounts(
    pod: &Pod,
    container: &Container,
    claims: &BTreeMap<String, String>,
) -> Vec<(String, Backing)> {
    let mut out = Vec::new();
    for m in &container.volume_mounts {
        if m.read_only {
            continue;
        }
        let Some(v) = pod.spec.volumes.iter().find(|v| v.name == m.name) else {
            continue;
        };
        let backing = if v.empty_dir.is_some() {
            Backing::EmptyDir(v.name.clone())
        } else if let Some(h) = &v.host_path {
            Backing::Host(h.path.trim_end_matches('/').to_string())
        } else if let Some(c) = &v.persistent_volume_claim {
            match claims.get(&c.claim_name) {
                Some(dir) => Backing::Host(dir.clone()),
                None => continue,
            }
        } else {
            continue;
        };
        let backing = match (&backing, m.sub_path.is_empty()) {
            (_, true) => backing,
            (Backing::EmptyDir(n), false) => Backing::EmptyDir(format!("{n}/{}", m.sub_path)),
            (Backing::Host(p), false) => Backing::Host(format!("{p}/{}", m.sub_path)),
        };
        out.push((m.mount_path.trim_end_matches('/').to_string(), backing));
    }
    out
}

/// The volume and path inside it that `path` falls in, by the longest mount.
pub fn locate(mounts: &[(String, Backing)], path: &str) -> Option<(Backing, String)> {
    mounts
        .iter()
        .filter_map(|(m, b)| {
            let rel = if path == m {
                ""
            } else {
                path.strip_prefix(m.as_str())?.strip_prefix('/')?
            };
            Some((m.len(), b, rel))
        })
        .max_by_key(|(len, _, _)| *len)
        .map(|(_, b, rel)| (b.clone(), rel.to_string()))
}

/// Applies a volume's files and writes to a container's view: its files (absolute
/// paths) and directories, for each of its writable mounts.
pub fn overlay(
    files: &mut BTreeMap<String, String>,
    dirs: &mut Vec<String>,
    mounts: &[(String, Backing)],
    host: &HostFiles,
    writes: &[VolumeWrite],
) {
    for (mount, backing) in mounts {
        if !dirs.contains(mount) {
            dirs.push(mount.clone());
        }
        if let Backing::Host(dir) = backing {
            let prefix = format!("{dir}/");
            for (path, content) in host.range(prefix.clone()..) {
                let Some(rel) = path.strip_prefix(&prefix) else {
                    break;
                };
                put(files, dirs, mount, rel, Some(content));
            }
        }
        for (_, b, rel, content) in writes {
            if b == backing {
                put(files, dirs, mount, rel, content.as_ref());
            }
        }
    }
}

/// One file (or, for a path ending in `/`, a directory) of a volume, at its mount.
fn put(
    files: &mut BTreeMap<String, String>,
    dirs: &mut Vec<String>,
    mount: &str,
    rel: &str,
    content: Option<&String>,
) {
    if let Some(dir) = rel.strip_suffix('/') {
        let d = format!("{mount}/{dir}");
        if content.is_some() && !dirs.contains(&d) {
            dirs.push(d);
        }
        return;
    }
    let path = if rel.is_empty() {
        mount.to_string()
    } else {
        format!("{mount}/{rel}")
    };
    match content {
        Some(c) => {
            files.insert(path, c.clone());
        }
        None => {
            files.remove(&path);
        }
    }
}

/// Writes into the node's files (host-backed writes that are due).
pub fn commit_host(host: &mut HostFiles, writes: Vec<VolumeWrite>) {
    for (_, b, rel, content) in writes {
        let Backing::Host(dir) = b else { continue };
        let path = if rel.is_empty() {
            dir
        } else {
            format!("{dir}/{rel}")
        };
        match content {
            Some(c) => {
                host.insert(path, c);
            }
            None => {
                host.remove(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_mount_wins() {
        let mounts = vec![
            ("/data".to_string(), Backing::EmptyDir("a".into())),
            (
                "/data/logs".to_string(),
                Backing::Host("/var/log/app".into()),
            ),
        ];
        assert_eq!(
            locate(&mounts, "/data/logs/x.log"),
            Some((Backing::Host("/var/log/app".into()), "x.log".into()))
        );
        assert_eq!(
            locate(&mounts, "/data/y"),
            Some((Backing::EmptyDir("a".into()), "y".into()))
        );
        assert_eq!(locate(&mounts, "/database"), None);
    }
}
