//! ControllerRevisions (`pkg/controller/history`), shared by the DaemonSet and
//! StatefulSet controllers: each revision holds the patch that restores a pod template
//! (`{"spec":{"template":{..., "$patch":"replace"}}}`), is named `<owner>-<hash>` (FNV-32a
//! of the patch and the collision count, encoded as upstream's `SafeEncodeString`), is
//! controlled by its owner and numbered by `revision`. Going back to an older template
//! renumbers its revision instead of making a new one; old revisions beyond
//! `revisionHistoryLimit` that no live pod uses are deleted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::apps_v1::ControllerRevision;
use crate::api::core_v1::PodTemplateSpec;
use crate::api::meta::OwnerReference;
use crate::api::{Kind, Object, ObjectMeta, Resource};
use crate::apiserver::{ApiServer, DeleteOptions};

/// The label carrying a revision's hash (DaemonSet pods and revisions) or name
/// (StatefulSet pods).
pub const CONTROLLER_REVISION_HASH: &str = "controller-revision-hash";

/// Upstream `rand.SafeEncodeString`.
fn safe_encode(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes()
        .map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char)
        .collect()
}

/// Upstream `HashControllerRevision`: FNV-32a of the data, then of the collision count.
pub fn hash(data: &serde_json::Value, collision_count: Option<i32>) -> String {
    let raw = serde_json::to_string(data).unwrap_or_default();
    let probe = collision_count.map(|c| c.to_string()).unwrap_or_default();
    let mut h: u32 = 0x811c_9dc5;
    for b in raw.bytes().chain(probe.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    safe_encode(&h.to_string())
}

/// Upstream `ControllerRevisionName`: the prefix cut to 223 characters, a dash, the hash.
pub fn revision_name(prefix: &str, hash: &str) -> String {
    let prefix: String = prefix.chars().take(223).collect();
    format!("{prefix}-{hash}")
}

/// The patch that restores a template (upstream `getPatch`).
pub fn template_patch(template: &PodTemplateSpec) -> serde_json::Value {
    let mut t = serde_json::to_value(template).unwrap_or_default();
    if let serde_json::Value::Object(m) = &mut t {
        m.insert("$patch".into(), serde_json::Value::String("replace".into()));
    }
    serde_json::json!({ "spec": { "template": t } })
}

/// The template a revision restores.
pub fn template_of(rev: &ControllerRevision) -> Option<PodTemplateSpec> {
    let mut t = rev.data.as_ref()?.get("spec")?.get("template")?.clone();
    if let serde_json::Value::Object(m) = &mut t {
        m.remove("$patch");
    }
    serde_json::from_value(t).ok()
}

/// The revisions controlled by `owner_uid`, oldest revision first.
pub fn owned(api: &ApiServer, owner_uid: &str) -> Vec<Arc<ControllerRevision>> {
    let mut v: Vec<Arc<ControllerRevision>> = api
        .store
        .owned_by(Kind::ControllerRevision, owner_uid)
        .iter()
        .filter_map(|o| match &**o {
            Object::ControllerRevision(r)
                if r.metadata
                    .owner_references
                    .iter()
                    .any(|o| o.uid == owner_uid && o.controller == Some(true)) =>
            {
                Some(r.clone())
            }
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| (a.revision, &a.metadata.name).cmp(&(b.revision, &b.metadata.name)));
    v
}

/// What a parent (DaemonSet or StatefulSet) gives its revisions.
pub struct Parent<'a> {
    pub kind: &'static str,
    pub meta: &'a ObjectMeta,
    pub template: &'a PodTemplateSpec,
    /// Labels of a new revision (the template's, plus the hash for DaemonSets).
    pub add_hash_label: bool,
    pub collision_count: Option<i32>,
}

/// The result of [`sync`]: the revision of the current template, all revisions
/// (oldest first) and the collision count to store in the parent's status.
pub struct Synced {
    pub current: Arc<ControllerRevision>,
    pub all: Vec<Arc<ControllerRevision>>,
    pub collision_count: Option<i32>,
}

/// Finds or creates the revision of the parent's current template, renumbering an
/// older equal revision to the newest number (upstream `constructHistory` /
/// `getStatefulSetRevisions`).
pub fn sync(api: &mut ApiServer, p: &Parent) -> Option<Synced> {
    let mut all = owned(api, &p.meta.uid);
    let data = template_patch(p.template);
    let max = all.iter().map(|r| r.revision).max().unwrap_or(0);
    let mut collision_count = p.collision_count;
    let equal: Vec<usize> = (0..all.len())
        .filter(|i| all[*i].data.as_ref() == Some(&data))
        .collect();
    if let Some(&i) = equal.last() {
        if all[i].revision < max {
            let mut r = (*all[i]).clone();
            r.revision = max + 1;
            if let Ok(o) = api.update(r.into_object()) {
                if let Object::ControllerRevision(r) = &*o {
                    all[i] = r.clone();
                }
            }
        }
        let current = all[i].clone();
        all.sort_by_key(|r| r.revision);
        return Some(Synced {
            current,
            all,
            collision_count,
        });
    }
    // A new revision; a name taken by a different revision bumps the collision count.
    for _ in 0..10 {
        let h = hash(&data, collision_count);
        let name = revision_name(&p.meta.name, &h);
        let mut labels: BTreeMap<String, String> = p.template.metadata.labels.clone();
        if p.add_hash_label {
            labels.insert(CONTROLLER_REVISION_HASH.into(), h.clone());
        }
        let rev = ControllerRevision {
            metadata: ObjectMeta {
                name: name.clone(),
                namespace: p.meta.namespace.clone(),
                labels,
                annotations: p.meta.annotations.clone(),
                owner_references: vec![OwnerReference {
                    api_version: "apps/v1".into(),
                    kind: p.kind.into(),
                    name: p.meta.name.clone(),
                    uid: p.meta.uid.clone(),
                    controller: Some(true),
                    block_owner_deletion: Some(true),
                }],
                ..Default::default()
            },
            data: Some(data.clone()),
            revision: max + 1,
        };
        match api.create(rev.into_object()) {
            Ok(o) => {
                let Object::ControllerRevision(r) = &*o else {
                    return None;
                };
                all.push(r.clone());
                return Some(Synced {
                    current: r.clone(),
                    all,
                    collision_count,
                });
            }
            Err(_) => {
                if let Ok(o) = api.get(Kind::ControllerRevision, &p.meta.namespace, &name) {
                    if let Object::ControllerRevision(r) = &*o {
                        let ours = r
                            .metadata
                            .owner_references
                            .iter()
                            .any(|o| o.uid == p.meta.uid);
                        if ours && r.data.as_ref() == Some(&data) {
                            all.push(r.clone());
                            return Some(Synced {
                                current: r.clone(),
                                all,
                                collision_count,
                            });
                        }
                    }
                }
                collision_count = Some(collision_count.unwrap_or(0) + 1);
            }
        }
    }
    None
}

/// Deletes the oldest revisions beyond `limit`, keeping those in `live` (names) use.
pub fn truncate(
    api: &mut ApiServer,
    all: &[Arc<ControllerRevision>],
    live: &BTreeSet<String>,
    limit: i32,
) {
    let old: Vec<&Arc<ControllerRevision>> = all
        .iter()
        .filter(|r| !live.contains(&r.metadata.name))
        .collect();
    let excess = old.len().saturating_sub(limit.max(0) as usize);
    for r in old.iter().take(excess) {
        let _ = api.delete(
            Kind::ControllerRevision,
            &r.metadata.namespace,
            &r.metadata.name,
            &DeleteOptions::default(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_round_trips_the_template() {
        let mut t = PodTemplateSpec::default();
        t.metadata.labels.insert("app".into(), "web".into());
        let data = template_patch(&t);
        assert_eq!(data["spec"]["template"]["$patch"], "replace");
        let r = ControllerRevision {
            data: Some(data.clone()),
            ..Default::default()
        };
        assert_eq!(template_of(&r), Some(t));
        assert_ne!(hash(&data, None), hash(&data, Some(1)));
        assert_eq!(revision_name("web", "abc"), "web-abc");
    }
}
