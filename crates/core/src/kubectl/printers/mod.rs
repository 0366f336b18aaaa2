//! The columns `kubectl get` prints for each kind, as the API server's table convertors
//! (`pkg/printers/internalversion`) define them, including the `-o wide` columns.
//!
//! Like the real API server, each kind's printer produces every cell (the server always
//! builds its tables with `Wide: true`); kubectl then drops the cells of priority-1
//! columns unless `-o wide` is given. That is why some wide columns sit in the middle of
//! a row (events) and why PriorityClass shows PREEMPTIONPOLICY without `-o wide`.
//! Kinds without a printer (Role, ClusterRole, LimitRange) get the API server's default
//! table: `NAME` and `CREATED AT`.

mod apps;
mod cluster;
mod core_v1;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::table::{age, human_duration};
use crate::api::labels::Selector;
use crate::api::meta::{format_rfc3339, MicroTime};
use crate::api::{Kind, LabelSelector, Object, Quantity};
use crate::sim::Millis;

/// A column: its header as kubectl prints it and whether only `-o wide` shows it
/// (upstream's `Priority: 1`).
type Column = (&'static str, bool);

const N: bool = false;
const W: bool = true;

/// All columns of a kind's table, in server order.
pub fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Pod => &[
            ("NAME", N),
            ("READY", N),
            ("STATUS", N),
            ("RESTARTS", N),
            ("AGE", N),
            ("IP", W),
            ("NODE", W),
            ("NOMINATED NODE", W),
            ("READINESS GATES", W),
        ],
        Kind::Deployment => &[
            ("NAME", N),
            ("READY", N),
            ("UP-TO-DATE", N),
            ("AVAILABLE", N),
            ("AGE", N),
            ("CONTAINERS", W),
            ("IMAGES", W),
            ("SELECTOR", W),
        ],
        Kind::ReplicaSet | Kind::ReplicationController => &[
            ("NAME", N),
            ("DESIRED", N),
            ("CURRENT", N),
            ("READY", N),
            ("AGE", N),
            ("CONTAINERS", W),
            ("IMAGES", W),
            ("SELECTOR", W),
        ],
        Kind::DaemonSet => &[
            ("NAME", N),
            ("DESIRED", N),
            ("CURRENT", N),
            ("READY", N),
            ("UP-TO-DATE", N),
            ("AVAILABLE", N),
            ("NODE SELECTOR", N),
            ("AGE", N),
            ("CONTAINERS", W),
            ("IMAGES", W),
            ("SELECTOR", W),
        ],
        Kind::ControllerRevision => &[("NAME", N), ("CONTROLLER", N), ("REVISION", N), ("AGE", N)],
        Kind::StatefulSet => &[
            ("NAME", N),
            ("READY", N),
            ("AGE", N),
            ("CONTAINERS", W),
            ("IMAGES", W),
        ],
        Kind::Job => &[
            ("NAME", N),
            ("STATUS", N),
            ("COMPLETIONS", N),
            ("DURATION", N),
            ("AGE", N),
            ("CONTAINERS", W),
            ("IMAGES", W),
            ("SELECTOR", W),
        ],
        Kind::CronJob => &[
            ("NAME", N),
            ("SCHEDULE", N),
            ("TIMEZONE", N),
            ("SUSPEND", N),
            ("ACTIVE", N),
            ("LAST SCHEDULE", N),
            ("AGE", N),
            ("CONTAINERS", W),
            ("IMAGES", W),
            ("SELECTOR", W),
        ],
        Kind::HorizontalPodAutoscaler => &[
            ("NAME", N),
            ("REFERENCE", N),
            ("TARGETS", N),
            ("MINPODS", N),
            ("MAXPODS", N),
            ("REPLICAS", N),
            ("AGE", N),
        ],
        Kind::PodDisruptionBudget => &[
            ("NAME", N),
            ("MIN AVAILABLE", N),
            ("MAX UNAVAILABLE", N),
            ("ALLOWED DISRUPTIONS", N),
            ("AGE", N),
        ],
        Kind::Service => &[
            ("NAME", N),
            ("TYPE", N),
            ("CLUSTER-IP", N),
            ("EXTERNAL-IP", N),
            ("PORT(S)", N),
            ("AGE", N),
            ("SELECTOR", W),
        ],
        Kind::Endpoints => &[("NAME", N), ("ENDPOINTS", N), ("AGE", N)],
        Kind::EndpointSlice => &[
            ("NAME", N),
            ("ADDRESSTYPE", N),
            ("PORTS", N),
            ("ENDPOINTS", N),
            ("AGE", N),
        ],
        Kind::Node => &[
            ("NAME", N),
            ("STATUS", N),
            ("ROLES", N),
            ("AGE", N),
            ("VERSION", N),
            ("INTERNAL-IP", W),
            ("EXTERNAL-IP", W),
            ("OS-IMAGE", W),
            ("KERNEL-VERSION", W),
            ("CONTAINER-RUNTIME", W),
        ],
        Kind::Event => &[
            ("LAST SEEN", N),
            ("TYPE", N),
            ("REASON", N),
            ("OBJECT", N),
            ("SUBOBJECT", W),
            ("SOURCE", W),
            ("MESSAGE", N),
            ("FIRST SEEN", W),
            ("COUNT", W),
            ("NAME", W),
        ],
        Kind::Namespace => &[("NAME", N), ("STATUS", N), ("AGE", N)],
        Kind::Secret => &[("NAME", N), ("TYPE", N), ("DATA", N), ("AGE", N)],
        Kind::ServiceAccount => &[("NAME", N), ("SECRETS", N), ("AGE", N)],
        Kind::ConfigMap => &[("NAME", N), ("DATA", N), ("AGE", N)],
        Kind::PersistentVolume => &[
            ("NAME", N),
            ("CAPACITY", N),
            ("ACCESS MODES", N),
            ("RECLAIM POLICY", N),
            ("STATUS", N),
            ("CLAIM", N),
            ("STORAGECLASS", N),
            ("VOLUMEATTRIBUTESCLASS", N),
            ("REASON", N),
            ("AGE", N),
            ("VOLUMEMODE", W),
        ],
        Kind::PersistentVolumeClaim => &[
            ("NAME", N),
            ("STATUS", N),
            ("VOLUME", N),
            ("CAPACITY", N),
            ("ACCESS MODES", N),
            ("STORAGECLASS", N),
            ("VOLUMEATTRIBUTESCLASS", N),
            ("AGE", N),
            ("VOLUMEMODE", W),
        ],
        Kind::ResourceQuota => &[("NAME", N), ("REQUEST", N), ("LIMIT", N), ("AGE", N)],
        Kind::Ingress => &[
            ("NAME", N),
            ("CLASS", N),
            ("HOSTS", N),
            ("ADDRESS", N),
            ("PORTS", N),
            ("AGE", N),
        ],
        Kind::IngressClass => &[
            ("NAME", N),
            ("CONTROLLER", N),
            ("PARAMETERS", N),
            ("AGE", N),
        ],
        Kind::NetworkPolicy => &[("NAME", N), ("POD-SELECTOR", N), ("AGE", N)],
        Kind::StorageClass => &[
            ("NAME", N),
            ("PROVISIONER", N),
            ("RECLAIMPOLICY", N),
            ("VOLUMEBINDINGMODE", N),
            ("ALLOWVOLUMEEXPANSION", N),
            ("AGE", N),
        ],
        // PREEMPTIONPOLICY has priority 0 upstream: shown without `-o wide` too.
        Kind::PriorityClass => &[
            ("NAME", N),
            ("VALUE", N),
            ("GLOBAL-DEFAULT", N),
            ("AGE", N),
            ("PREEMPTIONPOLICY", N),
        ],
        Kind::RoleBinding | Kind::ClusterRoleBinding => &[
            ("NAME", N),
            ("ROLE", N),
            ("AGE", N),
            ("USERS", W),
            ("GROUPS", W),
            ("SERVICEACCOUNTS", W),
        ],
        Kind::Lease => &[("NAME", N), ("HOLDER", N), ("AGE", N)],
        // The API server's default table convertor.
        Kind::Role | Kind::ClusterRole | Kind::LimitRange => &[("NAME", N), ("CREATED AT", N)],
    }
}

/// Column headers; `wide` adds the `-o wide` columns.
pub fn headers(kind: Kind, wide: bool) -> Vec<&'static str> {
    columns(kind)
        .iter()
        .filter(|(_, w)| wide || !*w)
        .map(|(n, _)| *n)
        .collect()
}

/// Where the `NAME` column is among the printed columns (events show it only with
/// `-o wide`); kubectl prefixes that cell with `kind/` when it shows kinds.
pub fn name_column(kind: Kind, wide: bool) -> Option<usize> {
    headers(kind, wide).iter().position(|h| *h == "NAME")
}

/// The cells of one row (the first is the name, except for events); `wide` adds the
/// `-o wide` cells.
pub fn row(obj: &Object, now: Millis, wide: bool) -> Vec<String> {
    let cols = columns(obj.kind());
    all_cells(obj, now)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| cols.get(*i).is_some_and(|(_, w)| wide || !*w))
        .map(|(_, c)| printable(c))
        .collect()
}

/// Every cell the server puts in the row, wide ones included.
fn all_cells(obj: &Object, now: Millis) -> Vec<String> {
    match obj {
        Object::Pod(p) => core_v1::pod(p, now),
        Object::Service(s) => core_v1::service(s, now),
        Object::Node(n) => core_v1::node(n, now),
        Object::Namespace(n) => core_v1::namespace(n, now),
        Object::ConfigMap(c) => core_v1::config_map(c, now),
        Object::Secret(s) => core_v1::secret(s, now),
        Object::ServiceAccount(s) => core_v1::service_account(s, now),
        Object::Endpoints(e) => core_v1::endpoints(e, now),
        Object::Event(e) => core_v1::event(e, now),
        Object::ReplicationController(r) => core_v1::replication_controller(r, now),
        Object::PersistentVolume(p) => core_v1::persistent_volume(p, now),
        Object::PersistentVolumeClaim(p) => core_v1::persistent_volume_claim(p, now),
        Object::ResourceQuota(q) => core_v1::resource_quota(q, now),
        Object::Deployment(d) => apps::deployment(d, now),
        Object::ReplicaSet(r) => apps::replica_set(r, now),
        Object::DaemonSet(d) => apps::daemon_set(d, now),
        Object::StatefulSet(s) => apps::stateful_set(s, now),
        Object::ControllerRevision(r) => apps::controller_revision(r, now),
        Object::Job(j) => apps::job(j, now),
        Object::CronJob(c) => apps::cron_job(c, now),
        Object::HorizontalPodAutoscaler(h) => apps::hpa(h, now),
        Object::PodDisruptionBudget(p) => apps::pdb(p, now),
        Object::Ingress(i) => cluster::ingress(i, now),
        Object::IngressClass(i) => cluster::ingress_class(i, now),
        Object::NetworkPolicy(n) => cluster::network_policy(n, now),
        Object::EndpointSlice(e) => cluster::endpoint_slice(e, now),
        Object::StorageClass(s) => cluster::storage_class(s, now),
        Object::PriorityClass(p) => cluster::priority_class(p, now),
        Object::RoleBinding(b) => cluster::role_binding(&b.metadata, &b.role_ref, &b.subjects, now),
        Object::ClusterRoleBinding(b) => {
            cluster::role_binding(&b.metadata, &b.role_ref, &b.subjects, now)
        }
        Object::Lease(l) => cluster::lease(l, now),
        Object::Role(_) | Object::ClusterRole(_) | Object::LimitRange(_) => {
            let m = obj.meta();
            vec![
                m.name.clone(),
                format_rfc3339(m.creation_timestamp.map_or(GO_ZERO_TIME, |t| t.0), 0),
            ]
        }
    }
}

/// Go's zero `time.Time` (0001-01-01T00:00:00Z) in milliseconds since the Unix epoch.
const GO_ZERO_TIME: i64 = -62_135_596_800_000;

/// kubectl prints a string cell up to its first line break, then `...`.
fn printable(cell: String) -> String {
    match cell.find(['\n', '\r', '\u{c}']) {
        Some(i) => format!("{}...", &cell[..i]),
        None => cell,
    }
}

/// `a=b,c=d`, or `<none>` (upstream `labels.FormatLabels`).
pub fn labels_string(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".into();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A label selector as kubectl prints it (`app=web,tier in (a,b)`), `<none>` when empty
/// (upstream `metav1.FormatLabelSelector`).
pub fn selector_string(sel: Option<&LabelSelector>) -> String {
    match sel.map(Selector::from_label_selector) {
        None => "<none>".into(),
        Some(Ok(s)) if s.is_empty() => "<none>".into(),
        Some(Ok(s)) => s.to_string(),
        Some(Err(_)) => "<error>".into(),
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s.to_string()
    }
}

/// `translateMicroTimestampSince`: the age of a MicroTime, `<unknown>` when unset.
fn micro_age(t: Option<MicroTime>, now: Millis) -> String {
    match t {
        Some(t) => human_duration(now - t.0),
        None => "<unknown>".into(),
    }
}

/// A quantity as the server prints it (`Quantity.String()`: canonical form);
/// `<nil>` for a missing pointer, as Go prints a nil `*Quantity`.
fn qty(q: Option<&Quantity>) -> String {
    match q {
        Some(q) => q.canonical(),
        None => "<nil>".into(),
    }
}

/// A map lookup printed like Go's zero-value `Quantity` when absent (`0`).
fn qty_or_zero(q: Option<&Quantity>) -> String {
    q.map_or_else(|| "0".into(), Quantity::canonical)
}

/// Names and images of a pod template's containers (`layoutContainerCells`).
fn containers_cells(containers: &[crate::api::core_v1::Container]) -> (String, String) {
    let names = containers
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let images = containers
        .iter()
        .map(|c| c.image.as_str())
        .collect::<Vec<_>>()
        .join(",");
    (names, images)
}

/// `printBoolPtr`: `True`, `False` or `<unset>`.
fn bool_ptr(b: Option<bool>) -> String {
    match b {
        Some(true) => "True".into(),
        Some(false) => "False".into(),
        None => "<unset>".into(),
    }
}

/// Joins up to `max` items, then ` + N more...`; `<unset>` when empty (`listWithMoreString`).
fn list_with_more(list: Vec<String>, more: bool, count: usize, max: usize) -> String {
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count.saturating_sub(max));
    }
    if ret.is_empty() {
        "<unset>".into()
    } else {
        ret
    }
}

/// Go's `net.JoinHostPort`.
fn join_host_port(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The load balancer addresses: IP or else hostname of each ingress point, sorted and
/// de-duplicated. The server builds tables wide, so the 16-character clipping upstream
/// has for narrow output never applies to `kubectl get`.
fn load_balancer_addresses<'a>(points: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let set: std::collections::BTreeSet<&str> = points
        .filter_map(|(ip, host)| {
            if !ip.is_empty() {
                Some(ip)
            } else if !host.is_empty() {
                Some(host)
            } else {
                None
            }
        })
        .collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}
