//! The versioned object store, modelled on etcd behind the API server's watch cache:
//! keys `/registry/<resource>/<namespace>/<name>`, one global revision, a compacted
//! history, watches from a revision, and indexes by namespace (key order), label, owner
//! and, for pods, node. Objects are immutable `Arc`s shared by every reader.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object};

/// How many changes the store keeps for watches that start from a past revision (the
/// watch cache's window; older revisions get 410 Gone). Every component lists then
/// watches from now, so the window only serves late watchers; it bounds the old object
/// versions kept alive.
pub const HISTORY_LIMIT: usize = 10_000;

/// A store revision (etcd's global revision; objects' `resourceVersion`).
pub type Rev = u64;

/// `(namespace, name)`; the namespace is empty for cluster-scoped kinds.
pub type ObjKey = (Arc<str>, Arc<str>);

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    /// `ADDED`, `MODIFIED`, `DELETED` as in watch streams.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as a watcher receives it.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    pub type_: EventType,
    pub object: Arc<Object>,
    pub rev: Rev,
}

/// One change in the history: the object before and after.
#[derive(Clone, Debug)]
struct Change {
    rev: Rev,
    kind: Kind,
    old: Option<Arc<Object>>,
    new: Option<Arc<Object>>,
}

/// What a watch selects.
#[derive(Clone, Debug)]
pub struct WatchFilter {
    pub kind: Kind,
    /// `None` watches all namespaces.
    pub namespace: Option<String>,
    pub labels: Selector,
    pub fields: FieldSelector,
}

impl WatchFilter {
    pub fn all(kind: Kind) -> WatchFilter {
        WatchFilter {
            kind,
            namespace: None,
            labels: Selector::everything(),
            fields: FieldSelector::everything(),
        }
    }

    pub fn matches(&self, obj: &Object) -> bool {
        self.namespace
            .as_deref()
            .is_none_or(|ns| obj.meta().namespace == ns)
            && self.labels.matches(&obj.meta().labels)
            && self.fields.matches(obj)
    }
}

/// A watch's handle.
pub type WatchId = u64;

struct Watcher {
    filter: WatchFilter,
    queue: VecDeque<WatchEvent>,
    /// For pod watches on `spec.nodeName=X`: the node (indexed trigger, as the watch cache).
    node: Option<String>,
    /// The component that opened it (see [`Store::set_watch_owner`]).
    owner: Option<usize>,
}

/// The error for a watch or list from a compacted revision (HTTP 410 Gone).
#[derive(Clone, Debug, PartialEq)]
pub struct Gone {
    pub requested: Rev,
    pub oldest: Rev,
}

#[derive(Default)]
struct Table {
    objects: BTreeMap<ObjKey, Arc<Object>>,
    by_label: HashMap<(Arc<str>, Arc<str>), BTreeSet<ObjKey>>,
    by_owner: HashMap<Arc<str>, BTreeSet<ObjKey>>,
    by_node: HashMap<Arc<str>, BTreeSet<ObjKey>>,
    /// Pods by the claims their volumes name (`namespace/claim`), for the PV and
    /// PVC-protection controllers (upstream's pod indexer by PVC).
    by_claim: HashMap<Arc<str>, BTreeSet<ObjKey>>,
    /// Watchers with no node trigger.
    watchers: Vec<WatchId>,
    /// Pod watchers keyed by the node of their `spec.nodeName=` field selector.
    node_watchers: HashMap<String, Vec<WatchId>>,
}

/// Node name of a pod (`spec.nodeName`), for the node index.
fn node_of(obj: &Object) -> Option<&str> {
    match obj {
        Object::Pod(p) => Some(p.spec.node_name.as_str()).filter(|n| !n.is_empty()),
        _ => None,
    }
}

/// The claims (`namespace/claim`) a pod's volumes name; empty for other objects and
/// for the many pods without claim volumes.
fn claims_of(obj: Option<&Object>) -> Vec<String> {
    match obj {
        Some(Object::Pod(p)) if crate::volume_util::pod_has_claims(p) => p
            .spec
            .volumes
            .iter()
            .filter_map(|v| crate::volume_util::volume_claim_name(p, v))
            .map(|(c, _)| format!("{}/{c}", p.metadata.namespace))
            .collect(),
        _ => Vec::new(),
    }
}

/// The owner uids of an object's metadata.
fn uids(m: Option<&crate::api::ObjectMeta>) -> impl Iterator<Item = &str> {
    m.into_iter()
        .flat_map(|m| m.owner_references.iter().map(|r| r.uid.as_str()))
}

fn index_insert<K: std::hash::Hash + Eq>(m: &mut HashMap<K, BTreeSet<ObjKey>>, k: K, key: &ObjKey) {
    m.entry(k).or_default().insert(key.clone());
}

fn index_remove<K: std::hash::Hash + Eq>(
    m: &mut HashMap<K, BTreeSet<ObjKey>>,
    k: &K,
    key: &ObjKey,
) {
    if let Some(set) = m.get_mut(k) {
        set.remove(key);
        if set.is_empty() {
            m.remove(k);
        }
    }
}

impl Table {
    /// Moves `key` in the label, owner and node indexes from what `old` had to what
    /// `new` has (None: absent). Parts that did not change are left alone, so a
    /// status or binding update touches no label index.
    fn reindex(
        &mut self,
        key: &ObjKey,
        old: Option<&Object>,
        new: Option<&Object>,
        interner: &mut Interner,
    ) {
        let (om, nm) = (old.map(Object::meta), new.map(Object::meta));
        if om.map(|m| &m.labels) != nm.map(|m| &m.labels) {
            for (k, v) in om.iter().flat_map(|m| &m.labels) {
                if let (Some(k), Some(v)) = (interner.peek(k), interner.peek(v)) {
                    index_remove(&mut self.by_label, &(k, v), key);
                }
            }
            for (k, v) in nm.iter().flat_map(|m| &m.labels) {
                index_insert(&mut self.by_label, (interner.get(k), interner.get(v)), key);
            }
        }
        if !uids(om).eq(uids(nm)) {
            for uid in uids(om) {
                if let Some(u) = interner.peek(uid) {
                    index_remove(&mut self.by_owner, &u, key);
                }
            }
            for uid in uids(nm) {
                index_insert(&mut self.by_owner, interner.get(uid), key);
            }
        }
        let (oc, nc) = (claims_of(old), claims_of(new));
        if oc != nc {
            for c in &oc {
                if let Some(c) = interner.peek(c) {
                    index_remove(&mut self.by_claim, &c, key);
                }
            }
            for c in &nc {
                index_insert(&mut self.by_claim, interner.get(c), key);
            }
        }
        let (on, nn) = (old.and_then(node_of), new.and_then(node_of));
        if on != nn {
            if let Some(n) = on.and_then(|n| interner.peek(n)) {
                index_remove(&mut self.by_node, &n, key);
            }
            if let Some(n) = nn {
                index_insert(&mut self.by_node, interner.get(n), key);
            }
        }
    }
}

/// Shares the strings that many objects repeat (namespaces, label keys and values).
#[derive(Default)]
struct Interner(HashSet<Arc<str>>);

impl Interner {
    /// The shared copy of `s`, if some object uses it.
    fn peek(&self, s: &str) -> Option<Arc<str>> {
        self.0.get(s).cloned()
    }

    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(a.clone());
        a
    }
}

/// The store. All writes go through [`Store::put`] and [`Store::remove`], which bump the
/// revision, record history and fan events out to watchers.
pub struct Store {
    revision: Rev,
    tables: Vec<Table>,
    interner: Interner,
    history: VecDeque<Change>,
    /// Events at or below this revision are gone from history.
    compacted: Rev,
    history_limit: usize,
    watchers: HashMap<WatchId, Watcher>,
    next_watch: WatchId,
    /// Who opens watches now (the component the cluster is running), if anyone.
    watch_owner: Option<usize>,
    /// Owners of watches that received events since the cluster last looked.
    dirty: BTreeSet<usize>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new(HISTORY_LIMIT)
    }
}

impl Store {
    /// A store that keeps at most `history_limit` changes for watches from a revision.
    pub fn new(history_limit: usize) -> Store {
        Store {
            revision: 1,
            tables: Kind::ALL.iter().map(|_| Table::default()).collect(),
            interner: Interner::default(),
            history: VecDeque::new(),
            compacted: 1,
            history_limit,
            watchers: HashMap::new(),
            next_watch: 1,
            watch_owner: None,
            dirty: BTreeSet::new(),
        }
    }

    /// Sets the owner of the watches opened from now on (the cluster sets it to the
    /// component it starts or runs, and back to None), so it can find the components
    /// with events without asking each one.
    pub fn set_watch_owner(&mut self, owner: Option<usize>) {
        self.watch_owner = owner;
    }

    /// The first owner at or after `from` whose watches got events since it was last
    /// taken, taking it.
    pub fn take_dirty_from(&mut self, from: usize) -> Option<usize> {
        let i = self.dirty.range(from..).next().copied()?;
        self.dirty.remove(&i);
        Some(i)
    }

    /// The current global revision.
    pub fn revision(&self) -> Rev {
        self.revision
    }

    fn table(&self, kind: Kind) -> &Table {
        &self.tables[kind as usize]
    }

    /// The etcd key of an object, as upstream lays them out.
    pub fn etcd_key(kind: Kind, namespace: &str, name: &str) -> String {
        let info = kind.info();
        let resource = if info.group.is_empty()
            || matches!(info.group, "apps" | "batch" | "autoscaling" | "policy")
        {
            info.plural.to_string()
        } else {
            format!("{}/{}", info.group, info.plural)
        };
        if namespace.is_empty() {
            format!("/registry/{resource}/{name}")
        } else {
            format!("/registry/{resource}/{namespace}/{name}")
        }
    }

    pub fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<&Arc<Object>> {
        self.table(kind)
            .objects
            .get(&(Arc::from(namespace), Arc::from(name)))
    }

    /// Number of objects of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.table(kind).objects.len()
    }

    /// Lists objects in key order (namespace, then name), using the label, owner and node
    /// indexes where the selectors allow.
    pub fn list(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        labels: &Selector,
        fields: &FieldSelector,
    ) -> Vec<Arc<Object>> {
        let t = self.table(kind);
        let matches = |o: &Object| {
            namespace.is_none_or(|ns| o.meta().namespace == ns)
                && labels.matches(&o.meta().labels)
                && fields.matches(o)
        };
        // Narrow with the smallest index that applies.
        let mut candidates: Option<&BTreeSet<ObjKey>> = None;
        let mut narrowed = false;
        for (k, v) in labels.equality_pairs() {
            narrowed = true;
            match t.by_label.get(&(Arc::from(k), Arc::from(v))) {
                None => return Vec::new(),
                Some(set) => {
                    if candidates.is_none_or(|c| set.len() < c.len()) {
                        candidates = Some(set);
                    }
                }
            }
        }
        if kind == Kind::Pod {
            if let Some(node) = fields.equality("spec.nodeName") {
                narrowed = true;
                match t.by_node.get(node) {
                    None => {
                        // `spec.nodeName=` (empty) selects unscheduled pods: no index for that.
                        if !node.is_empty() {
                            return Vec::new();
                        }
                        narrowed = false;
                    }
                    Some(set) => {
                        if candidates.is_none_or(|c| set.len() < c.len()) {
                            candidates = Some(set);
                        }
                    }
                }
            }
        }
        match candidates {
            Some(set) if narrowed => set
                .iter()
                .filter_map(|k| t.objects.get(k))
                .filter(|o| matches(o))
                .cloned()
                .collect(),
            _ => match namespace {
                Some(ns) if kind.info().namespaced => {
                    let ns: Arc<str> = Arc::from(ns);
                    let lo = (ns.clone(), Arc::from(""));
                    t.objects
                        .range(lo..)
                        .take_while(|((n, _), _)| *n == ns)
                        .map(|(_, o)| o)
                        .filter(|o| matches(o))
                        .cloned()
                        .collect()
                }
                _ => t.objects.values().filter(|o| matches(o)).cloned().collect(),
            },
        }
    }

    /// Objects that list `owner_uid` among their owner references.
    pub fn owned_by(&self, kind: Kind, owner_uid: &str) -> Vec<Arc<Object>> {
        let t = self.table(kind);
        t.by_owner
            .get(owner_uid)
            .map(|set| {
                set.iter()
                    .filter_map(|k| t.objects.get(k))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Pods whose volumes name the claim `namespace/claim`.
    pub fn pods_using_claim(&self, namespace: &str, claim: &str) -> Vec<Arc<Object>> {
        let t = self.table(Kind::Pod);
        t.by_claim
            .get(format!("{namespace}/{claim}").as_str())
            .map(|set| {
                set.iter()
                    .filter_map(|k| t.objects.get(k))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Writes (creates or replaces) an object: bumps the revision, sets its
    /// `resourceVersion`, records history and notifies watchers.
    pub fn put(&mut self, mut obj: Object) -> Arc<Object> {
        self.revision += 1;
        let rev = self.revision;
        obj.meta_mut().resource_version = rev.to_string();
        let kind = obj.kind();
        let key: ObjKey = (
            self.interner.get(&obj.meta().namespace),
            Arc::from(obj.meta().name.as_str()),
        );
        let new = Arc::new(obj);
        let t = &mut self.tables[kind as usize];
        let old = t.objects.insert(key.clone(), new.clone());
        t.reindex(&key, old.as_deref(), Some(&new), &mut self.interner);
        self.record(Change {
            rev,
            kind,
            old,
            new: Some(new.clone()),
        });
        new
    }

    /// Removes an object; the watch sees its last state at the deletion's revision.
    pub fn remove(&mut self, kind: Kind, namespace: &str, name: &str) -> Option<Arc<Object>> {
        let key: ObjKey = (Arc::from(namespace), Arc::from(name));
        let t = &mut self.tables[kind as usize];
        let old = t.objects.remove(&key)?;
        t.reindex(&key, Some(&old), None, &mut self.interner);
        self.revision += 1;
        let rev = self.revision;
        let mut last = (*old).clone();
        last.meta_mut().resource_version = rev.to_string();
        let last = Arc::new(last);
        self.record(Change {
            rev,
            kind,
            old: Some(old),
            new: None,
        });
        // Watchers get the final state stamped with the deletion revision.
        if let Some(Change { old, .. }) = self.history.back_mut() {
            *old = Some(last.clone());
        }
        Some(last)
    }

    fn record(&mut self, change: Change) {
        self.dispatch(&change);
        self.history.push_back(change);
        while self.history.len() > self.history_limit {
            if let Some(c) = self.history.pop_front() {
                self.compacted = c.rev;
            }
        }
    }

    /// Drops history at or below `rev` (etcd compaction).
    pub fn compact(&mut self, rev: Rev) {
        while self.history.front().is_some_and(|c| c.rev <= rev) {
            self.history.pop_front();
        }
        self.compacted = self.compacted.max(rev.min(self.revision));
    }

    /// What one change means to one filter: ADDED when an object starts matching,
    /// DELETED when it stops, MODIFIED while it keeps matching (the watch cache's rules).
    fn event_for(filter: &WatchFilter, c: &Change) -> Option<WatchEvent> {
        let old_m = c.old.as_ref().filter(|o| filter.matches(o));
        let new_m = c.new.as_ref().filter(|o| filter.matches(o));
        let (type_, object) = match (old_m, new_m, &c.new) {
            (None, Some(n), _) => (EventType::Added, n.clone()),
            (Some(_), Some(n), _) => (EventType::Modified, n.clone()),
            (Some(o), None, None) => (EventType::Deleted, o.clone()),
            (Some(_), None, Some(n)) => {
                // Stopped matching: a DELETED with the new state, as upstream sends.
                (EventType::Deleted, n.clone())
            }
            (None, None, _) => return None,
        };
        Some(WatchEvent {
            type_,
            object,
            rev: c.rev,
        })
    }

    fn dispatch(&mut self, c: &Change) {
        let t = &self.tables[c.kind as usize];
        let mut ids: Vec<WatchId> = t.watchers.clone();
        if !t.node_watchers.is_empty() {
            let mut nodes: Vec<&str> = Vec::new();
            for o in [&c.old, &c.new].into_iter().flatten() {
                if let Some(n) = node_of(o) {
                    if !nodes.contains(&n) {
                        nodes.push(n);
                    }
                }
            }
            for n in nodes {
                if let Some(w) = t.node_watchers.get(n) {
                    ids.extend_from_slice(w);
                }
            }
        }
        for id in ids {
            if let Some(w) = self.watchers.get_mut(&id) {
                if let Some(ev) = Self::event_for(&w.filter, c) {
                    w.queue.push_back(ev);
                    if let Some(o) = w.owner {
                        self.dirty.insert(o);
                    }
                }
            }
        }
    }

    /// Starts a watch. With `from = Some(rev)` the watch first replays every change after
    /// `rev` still in history (410 Gone if compacted); with `None` it starts now.
    pub fn watch(&mut self, filter: WatchFilter, from: Option<Rev>) -> Result<WatchId, Gone> {
        let mut queue = VecDeque::new();
        if let Some(rev) = from {
            if rev < self.compacted {
                return Err(Gone {
                    requested: rev,
                    oldest: self.compacted,
                });
            }
            for c in self
                .history
                .iter()
                .filter(|c| c.rev > rev && c.kind == filter.kind)
            {
                if let Some(ev) = Self::event_for(&filter, c) {
                    queue.push_back(ev);
                }
            }
        }
        let id = self.next_watch;
        self.next_watch += 1;
        let node = if filter.kind == Kind::Pod {
            filter
                .fields
                .equality("spec.nodeName")
                .filter(|n| !n.is_empty())
                .map(str::to_string)
        } else {
            None
        };
        let t = &mut self.tables[filter.kind as usize];
        match &node {
            Some(n) => t.node_watchers.entry(n.clone()).or_default().push(id),
            None => t.watchers.push(id),
        }
        self.watchers.insert(
            id,
            Watcher {
                filter,
                queue,
                node,
                owner: self.watch_owner,
            },
        );
        if let Some(o) = self.watch_owner {
            self.dirty.insert(o);
        }
        Ok(id)
    }

    /// Takes the events queued for a watch.
    pub fn poll(&mut self, id: WatchId) -> Vec<WatchEvent> {
        self.watchers
            .get_mut(&id)
            .map(|w| w.queue.drain(..).collect())
            .unwrap_or_default()
    }

    /// Number of events waiting on a watch.
    pub fn pending(&self, id: WatchId) -> usize {
        self.watchers.get(&id).map_or(0, |w| w.queue.len())
    }

    pub fn unwatch(&mut self, id: WatchId) {
        if let Some(w) = self.watchers.remove(&id) {
            let t = &mut self.tables[w.filter.kind as usize];
            match w.node {
                Some(n) => {
                    if let Some(v) = t.node_watchers.get_mut(&n) {
                        v.retain(|x| *x != id);
                        if v.is_empty() {
                            t.node_watchers.remove(&n);
                        }
                    }
                }
                None => t.watchers.retain(|x| *x != id),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core_v1::Pod;
    use crate::api::meta::OwnerReference;
    use crate::api::Resource;

    fn pod(labels: &[(&str, &str)], node: &str, owner: Option<&str>) -> Object {
        let mut p = Pod::default();
        p.metadata.name = "p".into();
        p.metadata.namespace = "default".into();
        for (k, v) in labels {
            p.metadata.labels.insert(k.to_string(), v.to_string());
        }
        p.spec.node_name = node.into();
        if let Some(uid) = owner {
            p.metadata.owner_references.push(OwnerReference {
                uid: uid.into(),
                ..Default::default()
            });
        }
        p.into_object()
    }

    fn count(s: &Store, labels: &str, fields: &str) -> usize {
        let l = Selector::parse(labels).expect("labels");
        let f = FieldSelector::parse(fields, Kind::Pod).expect("fields");
        s.list(Kind::Pod, None, &l, &f).len()
    }

    #[test]
    fn indexes_follow_updates_and_removal() {
        let mut s = Store::default();
        s.put(pod(&[("app", "a")], "", None));
        assert_eq!(count(&s, "app=a", ""), 1);
        s.put(pod(&[("app", "b")], "n1", Some("u1")));
        assert_eq!(count(&s, "app=a", ""), 0);
        assert_eq!(count(&s, "app=b", "spec.nodeName=n1"), 1);
        assert_eq!(s.owned_by(Kind::Pod, "u1").len(), 1);
        // A binding-like update: labels unchanged, node and owners changed.
        s.put(pod(&[("app", "b")], "n2", None));
        assert_eq!(count(&s, "", "spec.nodeName=n1"), 0);
        assert_eq!(count(&s, "app=b", "spec.nodeName=n2"), 1);
        assert!(s.owned_by(Kind::Pod, "u1").is_empty());
        s.remove(Kind::Pod, "default", "p");
        assert_eq!(count(&s, "app=b", ""), 0);
        assert_eq!(count(&s, "", "spec.nodeName=n2"), 0);
    }
}
