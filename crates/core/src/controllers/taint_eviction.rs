//! The taint eviction controller (`pkg/controller/tainteviction`): a pod on a node with
//! `NoExecute` taints it does not tolerate is deleted at once; a pod that tolerates them
//! for a while (`tolerationSeconds`, 300 s by default through DefaultTolerationSeconds)
//! is deleted when the shortest of those tolerations runs out, counted from when the
//! taint was added. Taints removed in time cancel the deletion.

use std::collections::{BTreeMap, BTreeSet};

use super::tolerates;
use crate::api::core_v1::{Node, Pod, Taint};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object};
use crate::apiserver::store::{WatchFilter, WatchId};
use crate::apiserver::{ApiServer, DeleteOptions};
use crate::events::{self, EventType, Recorder};
use crate::sim::{Component, ComponentCtx, Millis};

type PodKey = (String, String);

pub struct TaintEvictionController {
    nodes: Option<WatchId>,
    pods: Option<WatchId>,
    /// Deletions planned: when, per pod.
    planned: BTreeMap<PodKey, Millis>,
    /// The same plans ordered by time, for the timer.
    timeline: BTreeSet<(Millis, PodKey)>,
    recorder: Recorder,
}

impl Default for TaintEvictionController {
    fn default() -> Self {
        TaintEvictionController {
            nodes: None,
            pods: None,
            planned: BTreeMap::new(),
            timeline: BTreeSet::new(),
            recorder: Recorder::legacy("taint-eviction-controller", ""),
        }
    }
}

/// When a pod must go from a node with these NoExecute taints: `Some(now)` for an
/// untolerated taint, the earliest expiry of a limited toleration, or `None` to stay.
fn eviction_time(pod: &Pod, taints: &[&Taint], now: Millis) -> Option<Millis> {
    let mut at: Option<Millis> = None;
    for taint in taints {
        let matching: Vec<_> = pod
            .spec
            .tolerations
            .iter()
            .filter(|t| tolerates(std::slice::from_ref(t), taint))
            .collect();
        if matching.is_empty() {
            return Some(now);
        }
        // Tolerated forever if any matching toleration has no limit.
        if matching.iter().any(|t| t.toleration_seconds.is_none()) {
            continue;
        }
        let secs = matching
            .iter()
            .filter_map(|t| t.toleration_seconds)
            .min()
            .unwrap_or(0)
            .max(0);
        let added = taint.time_added.map(|t| t.0).unwrap_or(now);
        let expiry = added.saturating_add(secs.saturating_mul(1000));
        at = Some(at.map_or(expiry, |a| a.min(expiry)));
    }
    at
}

impl TaintEvictionController {
    pub fn new() -> Self {
        Self::default()
    }

    fn unplan(&mut self, key: &PodKey) {
        if let Some(t) = self.planned.remove(key) {
            self.timeline.remove(&(t, key.clone()));
        }
    }

    fn plan(&mut self, key: PodKey, at: Millis) {
        self.unplan(&key);
        self.planned.insert(key.clone(), at);
        self.timeline.insert((at, key));
    }

    /// Re-plans one pod against its node's current taints.
    fn review_pod(&mut self, api: &ApiServer, pod: &Pod, node: Option<&Node>, now: Millis) {
        let key = (pod.metadata.namespace.clone(), pod.metadata.name.clone());
        let taints: Vec<&Taint> = node
            .map(|n| {
                n.spec
                    .taints
                    .iter()
                    .filter(|t| t.effect == "NoExecute")
                    .collect()
            })
            .unwrap_or_default();
        let done = pod.metadata.deletion_timestamp.is_some()
            || pod
                .status
                .as_ref()
                .is_some_and(|s| s.phase == "Succeeded" || s.phase == "Failed");
        match (done, eviction_time(pod, &taints, now)) {
            (false, Some(at)) => self.plan(key, at),
            _ => self.unplan(&key),
        }
        let _ = api;
    }

    fn review_node(&mut self, api: &ApiServer, node: &Node, now: Millis) {
        let Ok(on_node) =
            FieldSelector::parse(&format!("spec.nodeName={}", node.metadata.name), Kind::Pod)
        else {
            return;
        };
        for o in api.list(Kind::Pod, None, &Selector::everything(), &on_node) {
            if let Object::Pod(p) = &*o {
                self.review_pod(api, p, Some(node), now);
            }
        }
    }

    fn node(api: &ApiServer, name: &str) -> Option<Node> {
        match api.get(Kind::Node, "", name).ok().as_deref() {
            Some(Object::Node(n)) => Some((**n).clone()),
            _ => None,
        }
    }

    /// Deletes the pods whose time has come.
    fn evict_due(&mut self, ctx: &mut ComponentCtx) {
        while let Some((at, key)) = self.timeline.iter().next().cloned() {
            if at > ctx.now {
                break;
            }
            self.unplan(&key);
            let Ok(pod) = ctx.api.get(Kind::Pod, &key.0, &key.1) else {
                continue;
            };
            events::record(
                ctx.api,
                ctx.now,
                &mut self.recorder,
                &pod,
                EventType::Normal,
                "TaintManagerEviction",
                "",
                &format!("Marking for deletion Pod {}/{}", key.0, key.1),
            );
            let _ = ctx
                .api
                .delete(Kind::Pod, &key.0, &key.1, &DeleteOptions::default());
        }
    }
}

impl Component for TaintEvictionController {
    fn name(&self) -> String {
        "kube-controller-manager/taint-eviction-controller".into()
    }

    fn start(&mut self, ctx: &mut ComponentCtx) {
        self.nodes = ctx.api.watch(WatchFilter::all(Kind::Node), None).ok();
        self.pods = ctx.api.watch(WatchFilter::all(Kind::Pod), None).ok();
    }

    fn has_work(&self, api: &ApiServer) -> bool {
        [self.nodes, self.pods]
            .into_iter()
            .flatten()
            .any(|w| api.store.pending(w) > 0)
    }

    fn run(&mut self, ctx: &mut ComponentCtx) {
        let now = ctx.now;
        if let Some(w) = self.nodes {
            for ev in ctx.api.poll(w) {
                if let Object::Node(n) = &*ev.object {
                    self.review_node(ctx.api, n, now);
                }
            }
        }
        if let Some(w) = self.pods {
            for ev in ctx.api.poll(w) {
                let Object::Pod(p) = &*ev.object else {
                    continue;
                };
                let key = (p.metadata.namespace.clone(), p.metadata.name.clone());
                if ev.type_ == crate::apiserver::store::EventType::Deleted
                    || p.spec.node_name.is_empty()
                {
                    self.unplan(&key);
                    continue;
                }
                let node = Self::node(ctx.api, &p.spec.node_name);
                self.review_pod(ctx.api, p, node.as_ref(), now);
            }
        }
        self.evict_due(ctx);
        if let Some((at, _)) = self.timeline.iter().next() {
            ctx.wake_at(*at);
        }
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
