//! `kubectl drain NODE`: cordon the node, then evict (or with `--disable-eviction`
//! delete) its pods and wait for them to go, as kubectl v1.32's drain command and its
//! `drain.Helper` do (staging/src/k8s.io/kubectl/pkg/{cmd/drain,drain}).
//!
//! The pods of the node (`spec.nodeName`, narrowed by `--pod-selector`) go through
//! upstream's filters in order: pods already deleted longer than
//! `--skip-wait-for-delete-timeout` ago are skipped; DaemonSet-managed pods stop the drain
//! unless `--ignore-daemonsets` (then they are left alone, with a warning); mirror pods
//! (annotation `kubernetes.io/config.mirror`) are skipped; pods with an emptyDir need
//! `--delete-emptydir-data`; pods without a controller owner reference need `--force`.
//! Completed (Succeeded or Failed) pods are always deleted. Refusals are reported as
//! upstream words them, including its doubled `cannot delete cannot delete Pods that
//! declare no controller` (kubernetes/kubectl#1808, present in v1.32 and v1.33).
//!
//! Evictions go through [`crate::apiserver::ApiServer::evict`], so PodDisruptionBudgets
//! are respected: a 429 prints `error when evicting pods/"web-1" -n "default" (will retry
//! after 5s): ...` and is retried every 5 s.
//!
//! Time: the command starts at the cluster's current instant. Upstream evicts every pod
//! at once (one goroutine each), so all `evicting pod` lines come first; then it polls each
//! pod every second until it is gone (`pod/web-1 evicted`). Here each wait advances the
//! simulation (`Cluster::advance`), so kubelets, controllers and timers run meanwhile; a
//! pod's deletion finishes when its kubelet reacts (at once, while pods run no
//! containers). As in the rest of kubectl here, the terminal shows stdout before stderr,
//! so warnings and retry lines come after the progress lines rather than between them.
//!
//! Kubeplay never prompts and never hangs: `--timeout=0` (upstream: wait forever) waits
//! at most [`INFINITE_TIMEOUT_CAP`] of simulated time, and longer timeouts are cut to
//! [`MAX_TIMEOUT`]; reaching the cap reports upstream's timeout error with the capped
//! duration (`global timeout reached: 5m0s`, or `timed out waiting for the condition`
//! with `--disable-eviction`).
//!
//! kubectl v1.32 no longer has the deprecated `--delete-local-data` (it answers
//! `unknown flag`), nor `--ignore-errors`; neither do we.

use std::sync::Arc;

use super::args::{self, flag, Flag};
use super::label::{self, DryRun};
use super::{cordon, Ctx, Output};
use crate::api::fields::FieldSelector;
use crate::api::labels::Selector;
use crate::api::{Kind, Object};
use crate::apiserver::eviction::NAMESPACE_TERMINATING_CAUSE;
use crate::apiserver::{ApiError, DeleteOptions, Reason};
use crate::sim::Millis;

const FLAGS: &[Flag] = &[
    flag("force", None, false),
    flag("ignore-daemonsets", None, false),
    flag("delete-emptydir-data", None, false),
    flag("grace-period", None, true),
    flag("timeout", None, true),
    flag("selector", Some('l'), true),
    flag("pod-selector", None, true),
    flag("disable-eviction", None, false),
    flag("skip-wait-for-delete-timeout", None, true),
    flag("chunk-size", None, true),
    flag("dry-run", None, true),
];

/// How long `--timeout=0` (infinite upstream) waits, in simulated milliseconds: long
/// enough for any grace period a kubelet honours here, short enough that a drain blocked
/// by a PodDisruptionBudget ends on its own.
pub const INFINITE_TIMEOUT_CAP: Millis = 5 * 60 * 1000;
/// The longest explicit `--timeout` honoured, in simulated milliseconds.
pub const MAX_TIMEOUT: Millis = 60 * 60 * 1000;
/// How often upstream retries an eviction refused with 429.
const EVICTION_RETRY: Millis = 5_000;
/// How often upstream polls for a deleted pod.
const POLL_INTERVAL: Millis = 1_000;

const DAEMONSET_FATAL: &str = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";
const LOCAL_STORAGE_FATAL: &str =
    "Pods with local storage (use --delete-emptydir-data to override)";
const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
const UNMANAGED_FATAL: &str =
    "cannot delete Pods that declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";
/// The mirror pod annotation (`corev1.MirrorPodAnnotationKey`).
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// The drain settings (upstream `drain.Helper`).
struct Helper {
    force: bool,
    ignore_daemonsets: bool,
    delete_emptydir_data: bool,
    /// Negative: each pod's own terminationGracePeriodSeconds.
    grace_period: i64,
    /// The effective timeout in ms (capped) and how messages print it.
    timeout_ms: Millis,
    timeout_text: String,
    pod_selector: Selector,
    disable_eviction: bool,
    skip_wait_for_delete_timeout: i64,
    dry: DryRun,
}

/// Why a pod is or is not deleted (upstream `PodDeleteStatus`).
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    Okay,
    Skip,
    Warning { delete: bool, message: String },
    Error(String),
}

impl Verdict {
    fn delete(&self) -> bool {
        matches!(self, Verdict::Okay | Verdict::Warning { delete: true, .. })
    }
}

/// One pod of the node and its verdict.
struct PodDelete {
    pod: Arc<Object>,
    verdict: Verdict,
}

/// A node's drain error, as the Go error it stands for.
#[derive(Clone, Debug)]
enum DrainError {
    /// A `utilerrors.Aggregate` of plain errors (filters, evictions).
    Agg(Vec<String>),
    /// An API error returned as is (a failed delete with `--disable-eviction`).
    Api(ApiError),
    /// A plain error (`timed out waiting for the condition`).
    Plain(String),
}

impl DrainError {
    /// `err.Error()`.
    fn message(&self) -> String {
        match self {
            DrainError::Agg(v) => agg_error(v),
            DrainError::Api(e) => e.message.clone(),
            DrainError::Plain(s) => s.clone(),
        }
    }
    /// `messageForError` inside `MultipleErrors`.
    fn standard(&self) -> String {
        match self {
            DrainError::Api(e) => {
                format!("Error from server ({}): {}", e.reason.as_str(), e.message)
            }
            other => other.message(),
        }
    }
}

/// `utilerrors.Aggregate.Error()`: one message alone, several as `[a, b]` (duplicates
/// dropped).
fn agg_error(v: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for m in v {
        if !seen.contains(&m.as_str()) {
            seen.push(m);
        }
    }
    if seen.len() == 1 {
        seen[0].to_string()
    } else {
        format!("[{}]", seen.join(", "))
    }
}

fn usage(msg: &str) -> Output {
    Output::err(format!(
        "error: {msg}\nSee 'kubectl drain -h' for help and examples\n"
    ))
}

fn bad_flag(name: &str, value: &str, why: &str) -> Output {
    Output::err(args::usage_error(
        "drain",
        &format!("invalid argument {value:?} for \"--{name}\" flag: {why}"),
    ))
}

/// pflag's int flags (`strconv.ParseInt`).
fn int_flag(a: &args::Args, name: &str, default: i64) -> Result<i64, Output> {
    let Some(v) = a.get(name) else {
        return Ok(default);
    };
    v.parse::<i64>().map_err(|_| {
        let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
        let why = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            "value out of range"
        } else {
            "invalid syntax"
        };
        bad_flag(name, v, &format!("strconv.ParseInt: parsing {v:?}: {why}"))
    })
}

/// `kubectl drain ...`.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> Output {
    let argv = label::normalize_optional_values(argv);
    let a = match args::parse("drain", &argv, FLAGS) {
        Ok(a) => a,
        Err(e) => return Output::err(e),
    };
    let grace_period = match int_flag(&a, "grace-period", -1) {
        Ok(v) => v,
        Err(o) => return o,
    };
    let skip_wait = match int_flag(&a, "skip-wait-for-delete-timeout", 0) {
        Ok(v) => v,
        Err(o) => return o,
    };
    if let Err(o) = int_flag(&a, "chunk-size", 500) {
        return o;
    }
    let timeout_ns = match a.get("timeout") {
        None => 0,
        Some(v) => match parse_go_duration(v) {
            Ok(ns) => ns,
            Err(why) => return bad_flag("timeout", v, &why),
        },
    };
    // Complete: arguments, dry-run, pod selector, then the nodes.
    let selector = a.get("selector");
    if a.positionals.is_empty() && selector.is_none() {
        return usage("USAGE: drain NODE [flags]");
    }
    if !a.positionals.is_empty() && selector.is_some_and(|s| !s.is_empty()) {
        return usage("cannot specify both a node name and a --selector option");
    }
    let dry = match label::dry_run(&a) {
        Ok(d) => d,
        Err(e) => return Output::err(e),
    };
    let pod_selector = match Selector::parse(a.get("pod-selector").unwrap_or("")) {
        Ok(s) => s,
        Err(_) => {
            return Output::err(
                "error: --pod-selector=<pod_selector> must be a valid label selector\n",
            )
        }
    };
    let found = match cordon::nodes(ctx, &a.positionals, selector) {
        Ok(n) => n,
        Err(e) => return Output::err(e),
    };
    let (timeout_ms, timeout_text) = effective_timeout(timeout_ns);
    let helper = Helper {
        force: a.bool("force"),
        ignore_daemonsets: a.bool("ignore-daemonsets"),
        delete_emptydir_data: a.bool("delete-emptydir-data"),
        grace_period,
        timeout_ms,
        timeout_text,
        pod_selector,
        disable_eviction: a.bool("disable-eviction"),
        skip_wait_for_delete_timeout: skip_wait,
        dry,
    };

    // RunDrain: cordon every node, then drain them one by one.
    let mut out = cordon::set_unschedulable(ctx, &found, true, dry);
    let mut fatal: Vec<DrainError> = Vec::new();
    let mut remaining: Vec<String> = Vec::new();
    for node in &found {
        let name = node.meta().name.clone();
        match helper.drain_node(ctx, &name, &mut out) {
            Ok(()) => out
                .stdout
                .push_str(&format!("node/{name} drained{}\n", dry.suffix())),
            Err(e) => {
                out.stderr.push_str(&format!(
                    "error: unable to drain node {name:?} due to error: {}, continuing command...\n",
                    e.message()
                ));
                fatal.push(e);
                remaining.push(name);
            }
        }
    }
    if !remaining.is_empty() {
        out.stderr
            .push_str("There are pending nodes to be drained:\n");
        for n in &remaining {
            out.stderr.push_str(&format!(" {n}\n"));
        }
    }
    out.stderr.push_str(&check_err(&fatal));
    out
}

/// `cmdutil.CheckErr` of `utilerrors.NewAggregate(fatal)`: an aggregate of one is
/// unwrapped once; an aggregate prints one message a line, without `error: `.
fn check_err(fatal: &[DrainError]) -> String {
    match fatal {
        [] => String::new(),
        [DrainError::Agg(v)] => v.iter().map(|m| format!("{m}\n")).collect(),
        [DrainError::Api(e)] => super::server_error(e),
        [DrainError::Plain(s)] => {
            if s.starts_with("error: ") {
                format!("{s}\n")
            } else {
                format!("error: {s}\n")
            }
        }
        many => many.iter().map(|e| format!("{}\n", e.standard())).collect(),
    }
}

/// The wait a `--timeout` gives here (see the module comment) and how upstream's
/// messages print it.
fn effective_timeout(ns: i64) -> (Millis, String) {
    if ns == 0 {
        return (
            INFINITE_TIMEOUT_CAP,
            go_duration(INFINITE_TIMEOUT_CAP.saturating_mul(1_000_000)),
        );
    }
    // Round up so that a sub-millisecond timeout is not mistaken for none.
    let ms = if ns > 0 {
        (ns / 1_000_000 + i64::from(ns % 1_000_000 != 0)).min(MAX_TIMEOUT)
    } else {
        ns / 1_000_000 - 1
    };
    if ms == MAX_TIMEOUT {
        return (ms, go_duration(ms.saturating_mul(1_000_000)));
    }
    (ms, go_duration(ns))
}

impl Helper {
    fn delete_options(&self) -> DeleteOptions {
        DeleteOptions {
            grace_period_seconds: (self.grace_period >= 0).then_some(self.grace_period),
            ..Default::default()
        }
    }

    /// `deleteOrEvictPodsSimple`: list and filter, warn, then evict or delete.
    fn drain_node(&self, ctx: &mut Ctx, node: &str, out: &mut Output) -> Result<(), DrainError> {
        let (list, errs) = self.pods_for_deletion(ctx, node);
        if !errs.is_empty() {
            return Err(DrainError::Agg(errs));
        }
        let warnings = warnings(&list);
        if !warnings.is_empty() {
            out.stderr.push_str(&format!("Warning: {warnings}\n"));
        }
        let pods: Vec<Arc<Object>> = list
            .iter()
            .filter(|p| p.verdict.delete())
            .map(|p| p.pod.clone())
            .collect();
        if self.dry == DryRun::Client {
            for p in &pods {
                let m = p.meta();
                out.stdout.push_str(&format!(
                    "evicting pod {}/{} (dry run)\n",
                    m.namespace, m.name
                ));
            }
            return Ok(());
        }
        let result = if pods.is_empty() {
            Ok(())
        } else if self.disable_eviction {
            self.delete_pods(ctx, &pods, out)
        } else {
            self.evict_pods(ctx, &pods, out)
        };
        if let Err(e) = result {
            let (pending, new_errs) = self.pods_for_deletion(ctx, node);
            let pending: Vec<&PodDelete> = pending.iter().filter(|p| p.verdict.delete()).collect();
            if !pending.is_empty() {
                out.stderr.push_str(&format!(
                    "There are pending pods in node {node:?} when an error occurred: {}\n",
                    e.message()
                ));
                for p in pending {
                    out.stderr.push_str(&format!("pod/{}\n", p.pod.meta().name));
                }
            }
            if !new_errs.is_empty() {
                out.stderr.push_str(&format!(
                    "Following errors occurred while getting the list of pods to delete:\n{}",
                    agg_error(&new_errs)
                ));
            }
            return Err(e);
        }
        Ok(())
    }

    /// `GetPodsForDeletion`: the node's pods with their verdicts, and the refusals.
    fn pods_for_deletion(&self, ctx: &Ctx, node: &str) -> (Vec<PodDelete>, Vec<String>) {
        let fields = match FieldSelector::parse(&format!("spec.nodeName={node}"), Kind::Pod) {
            Ok(f) => f,
            Err(e) => return (Vec::new(), vec![e]),
        };
        let pods = ctx
            .cluster
            .api
            .list(Kind::Pod, None, &self.pod_selector, &fields);
        let list: Vec<PodDelete> = pods
            .into_iter()
            .map(|pod| {
                let verdict = self.filter(ctx, &pod);
                PodDelete { pod, verdict }
            })
            .collect();
        let errs = errors(&list);
        (list, errs)
    }

    /// The filters in upstream's order; the first that refuses decides, otherwise the
    /// last one's verdict stands (so an emptyDir warning is never shown, as upstream).
    fn filter(&self, ctx: &Ctx, pod: &Arc<Object>) -> Verdict {
        let Object::Pod(p) = &**pod else {
            return Verdict::Skip;
        };
        let filters: [&dyn Fn() -> Verdict; 5] = [
            &|| self.skip_deleted_filter(ctx, p),
            &|| self.daemonset_filter(ctx, p),
            &|| mirror_pod_filter(p),
            &|| self.local_storage_filter(p),
            &|| self.unreplicated_filter(p),
        ];
        let mut verdict = Verdict::Okay;
        for f in filters {
            verdict = f();
            if !verdict.delete() {
                break;
            }
        }
        verdict
    }

    fn skip_deleted_filter(&self, ctx: &Ctx, p: &crate::api::core_v1::Pod) -> Verdict {
        if should_skip_pod(p, self.skip_wait_for_delete_timeout, ctx.cluster.now()) {
            Verdict::Skip
        } else {
            Verdict::Okay
        }
    }

    fn daemonset_filter(&self, ctx: &Ctx, p: &crate::api::core_v1::Pod) -> Verdict {
        let Some(owner) = p.metadata.controller_ref() else {
            return Verdict::Okay;
        };
        if owner.kind != "DaemonSet" || finished(p) {
            return Verdict::Okay;
        }
        if let Err(e) = ctx
            .cluster
            .api
            .get(Kind::DaemonSet, &p.metadata.namespace, &owner.name)
        {
            if e.reason == Reason::NotFound && self.force {
                return Verdict::Warning {
                    delete: true,
                    message: e.message,
                };
            }
            return Verdict::Error(e.message);
        }
        if !self.ignore_daemonsets {
            return Verdict::Error(DAEMONSET_FATAL.into());
        }
        Verdict::Warning {
            delete: false,
            message: DAEMONSET_WARNING.into(),
        }
    }

    fn local_storage_filter(&self, p: &crate::api::core_v1::Pod) -> Verdict {
        if !p.spec.volumes.iter().any(|v| v.empty_dir.is_some()) || finished(p) {
            return Verdict::Okay;
        }
        if !self.delete_emptydir_data {
            return Verdict::Error(LOCAL_STORAGE_FATAL.into());
        }
        Verdict::Warning {
            delete: true,
            message: LOCAL_STORAGE_WARNING.into(),
        }
    }

    fn unreplicated_filter(&self, p: &crate::api::core_v1::Pod) -> Verdict {
        if finished(p) || p.metadata.controller_ref().is_some() {
            return Verdict::Okay;
        }
        if self.force {
            return Verdict::Warning {
                delete: true,
                message: UNMANAGED_WARNING.into(),
            };
        }
        Verdict::Error(UNMANAGED_FATAL.into())
    }

    /// `evictPods`: every pod is evicted at once (upstream: a goroutine each), 429s are
    /// retried every 5 s, then each pod is polled every second until it is gone.
    fn evict_pods(
        &self,
        ctx: &mut Ctx,
        pods: &[Arc<Object>],
        out: &mut Output,
    ) -> Result<(), DrainError> {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            Evict(Millis),
            Wait(Millis),
            Done,
        }
        struct Job {
            pod: Arc<Object>,
            state: State,
            refresh: bool,
        }
        let server_dry = self.dry == DryRun::Server;
        let opts = self.delete_options();
        let deadline = ctx.cluster.now().saturating_add(self.timeout_ms);
        let mut jobs: Vec<Job> = pods
            .iter()
            .map(|p| Job {
                pod: p.clone(),
                state: State::Evict(ctx.cluster.now()),
                refresh: false,
            })
            .collect();
        let mut errors: Vec<String> = Vec::new();
        loop {
            let now = ctx.cluster.now();
            for job in jobs.iter_mut() {
                if !matches!(job.state, State::Evict(at) if at <= now) {
                    continue;
                }
                let (ns, name) = (
                    job.pod.meta().namespace.clone(),
                    job.pod.meta().name.clone(),
                );
                let dry = if server_dry { " (server dry run)" } else { "" };
                out.stdout
                    .push_str(&format!("evicting pod {ns}/{name}{dry}\n"));
                if now >= deadline {
                    errors.push(format!(
                        "error when evicting pods/{name:?} -n {ns:?}: global timeout reached: {}",
                        self.timeout_text
                    ));
                    job.state = State::Done;
                    continue;
                }
                // The pod as kubectl last saw it (fetched again after a retry that asked
                // for it).
                let mut active = job.pod.clone();
                if job.refresh {
                    if let Ok(fresh) = ctx.cluster.api.get(Kind::Pod, &ns, &name) {
                        active = fresh;
                    }
                    job.refresh = false;
                }
                match ctx.cluster.api.evict_with(&ns, &name, &opts, server_dry) {
                    Ok(_) if server_dry => job.state = State::Done,
                    Ok(_) => job.state = State::Wait(now),
                    Err(e) if e.reason == Reason::NotFound => job.state = State::Done,
                    Err(e) if e.reason == Reason::TooManyRequests => {
                        out.stderr.push_str(&format!(
                            "error when evicting pods/{name:?} -n {ns:?} (will retry after 5s): {}\n",
                            e.message
                        ));
                        job.state = State::Evict(now + EVICTION_RETRY);
                    }
                    Err(e)
                        if e.reason == Reason::Forbidden
                            && e.has_cause(NAMESPACE_TERMINATING_CAUSE) =>
                    {
                        if active.meta().deletion_timestamp.is_some() {
                            job.state = State::Wait(now);
                        } else {
                            out.stderr.push_str(&format!(
                                "error when evicting pod {name:?} from terminating namespace {ns:?} (will retry after 5s): {}\n",
                                e.message
                            ));
                            job.refresh = true;
                            job.state = State::Evict(now + EVICTION_RETRY);
                        }
                    }
                    Err(e) => {
                        errors.push(format!(
                            "error when evicting pods/{name:?} -n {ns:?}: {}",
                            e.message
                        ));
                        job.state = State::Done;
                    }
                }
            }
            // The kubelets react to the evictions before the first poll.
            ctx.cluster.settle();
            for job in jobs.iter_mut() {
                if !matches!(job.state, State::Wait(at) if at <= now) {
                    continue;
                }
                match self.poll(ctx, &job.pod) {
                    Poll::Gone => {
                        out.stdout
                            .push_str(&format!("pod/{} evicted\n", job.pod.meta().name));
                        job.state = State::Done;
                    }
                    Poll::Skipped(msg) => {
                        out.stdout.push_str(&msg);
                        job.state = State::Done;
                    }
                    Poll::Pending if now >= deadline => {
                        errors.push(format!(
                            "error when waiting for pod {:?} in namespace {:?} to terminate: global timeout reached: {}",
                            job.pod.meta().name,
                            job.pod.meta().namespace,
                            self.timeout_text
                        ));
                        job.state = State::Done;
                    }
                    Poll::Pending => job.state = State::Wait(now + POLL_INTERVAL),
                }
            }
            let next = jobs
                .iter()
                .filter_map(|j| match j.state {
                    State::Evict(at) | State::Wait(at) => Some(at),
                    State::Done => None,
                })
                .min();
            let Some(next) = next else { break };
            ctx.cluster.advance((next - now).max(1));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DrainError::Agg(errors))
        }
    }

    /// `deletePods`: delete every pod (the first failure other than NotFound stops),
    /// then poll them all every second until they are gone or the timeout passes.
    fn delete_pods(
        &self,
        ctx: &mut Ctx,
        pods: &[Arc<Object>],
        out: &mut Output,
    ) -> Result<(), DrainError> {
        let opts = self.delete_options();
        for p in pods {
            let m = p.meta();
            let res = if self.dry == DryRun::Server {
                ctx.cluster
                    .api
                    .get(Kind::Pod, &m.namespace, &m.name)
                    .map(|_| ())
            } else {
                ctx.cluster
                    .api
                    .delete(Kind::Pod, &m.namespace, &m.name, &opts)
                    .map(|_| ())
            };
            if let Err(e) = res {
                if e.reason != Reason::NotFound {
                    return Err(DrainError::Api(e));
                }
            }
        }
        ctx.cluster.settle();
        let start = ctx.cluster.now();
        let deadline = start.saturating_add(self.timeout_ms);
        let mut pending: Vec<Arc<Object>> = pods.to_vec();
        loop {
            let now = ctx.cluster.now();
            if now > start && now >= deadline {
                return Err(DrainError::Plain(
                    "timed out waiting for the condition".into(),
                ));
            }
            let mut still = Vec::new();
            for p in pending {
                match self.poll(ctx, &p) {
                    Poll::Gone => out
                        .stdout
                        .push_str(&format!("pod/{} deleted\n", p.meta().name)),
                    Poll::Skipped(msg) => out.stdout.push_str(&msg),
                    Poll::Pending => still.push(p),
                }
            }
            if still.is_empty() {
                return Ok(());
            }
            pending = still;
            ctx.cluster.advance(POLL_INTERVAL);
        }
    }

    /// One check of `waitForDelete`: gone (or replaced by a pod of another uid), skipped
    /// (`--skip-wait-for-delete-timeout`), or still there.
    fn poll(&self, ctx: &Ctx, pod: &Arc<Object>) -> Poll {
        let m = pod.meta();
        match ctx.cluster.api.get(Kind::Pod, &m.namespace, &m.name) {
            Err(_) => Poll::Gone,
            Ok(cur) if cur.meta().uid != m.uid => Poll::Gone,
            Ok(cur) => {
                let skip = match &*cur {
                    Object::Pod(p) => {
                        should_skip_pod(p, self.skip_wait_for_delete_timeout, ctx.cluster.now())
                    }
                    _ => false,
                };
                if skip {
                    Poll::Skipped(format!(
                        "pod {:?} has DeletionTimestamp older than {} seconds, skipping\n",
                        m.name, self.skip_wait_for_delete_timeout
                    ))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

enum Poll {
    Gone,
    Skipped(String),
    Pending,
}

fn finished(p: &crate::api::core_v1::Pod) -> bool {
    p.status
        .as_ref()
        .is_some_and(|s| s.phase == "Succeeded" || s.phase == "Failed")
}

fn mirror_pod_filter(p: &crate::api::core_v1::Pod) -> Verdict {
    if p.metadata.annotations.contains_key(MIRROR_ANNOTATION) {
        Verdict::Skip
    } else {
        Verdict::Okay
    }
}

/// Upstream `shouldSkipPod`: a positive `--skip-wait-for-delete-timeout` and a deletion
/// timestamp more than that many whole seconds ago.
fn should_skip_pod(p: &crate::api::core_v1::Pod, skip_seconds: i64, now: Millis) -> bool {
    skip_seconds > 0
        && p.metadata
            .deletion_timestamp
            .is_some_and(|t| (now - t.millis()) / 1000 > skip_seconds)
}

/// Pods grouped by message in order of first appearance (upstream groups them in a Go
/// map, whose order varies from run to run).
fn grouped<'a>(
    list: &'a [PodDelete],
    pick: impl Fn(&'a Verdict) -> Option<&'a str>,
) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for p in list {
        let Some(msg) = pick(&p.verdict) else {
            continue;
        };
        let m = p.pod.meta();
        let pod = format!("{}/{}", m.namespace, m.name);
        match groups.iter_mut().find(|(k, _)| k == msg) {
            Some((_, v)) => v.push(pod),
            None => groups.push((msg.to_string(), vec![pod])),
        }
    }
    groups
}

/// `PodDeleteList.Warnings()`: `message: ns/a, ns/b`, groups joined by `; `.
fn warnings(list: &[PodDelete]) -> String {
    grouped(list, |v| match v {
        Verdict::Warning { message, .. } => Some(message.as_str()),
        _ => None,
    })
    .into_iter()
    .map(|(k, pods)| format!("{k}: {}", pods.join(", ")))
    .collect::<Vec<_>>()
    .join("; ")
}

/// `PodDeleteList.errors()`: `cannot delete MESSAGE: ns/a, ns/b` per message.
fn errors(list: &[PodDelete]) -> Vec<String> {
    grouped(list, |v| match v {
        Verdict::Error(m) if m.is_empty() => Some("unexpected error"),
        Verdict::Error(m) => Some(m.as_str()),
        _ => None,
    })
    .into_iter()
    .map(|(k, pods)| format!("cannot delete {k}: {}", pods.join(", ")))
    .collect()
}

/// Go's `time.ParseDuration`, in nanoseconds, with its error messages.
pub fn parse_go_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_time_quote(orig));
    let (neg, mut s) = match orig.as_bytes().first() {
        Some(b'-') => (true, &orig[1..]),
        Some(b'+') => (false, &orig[1..]),
        _ => (false, orig),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if s.starts_with('.') {
            s = &s[1..];
            let n = s.bytes().take_while(|c| c.is_ascii_digit()).count();
            frac_part = &s[..n];
            s = &s[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = s
            .bytes()
            .take_while(|c| !(*c == b'.' || c.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_time_quote(orig)
            ));
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_time_quote(unit),
                    go_time_quote(orig)
                ))
            }
        };
        let v: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse::<i128>().map_err(|_| invalid())?
        };
        let mut part = v.checked_mul(scale).ok_or_else(invalid)?;
        if !frac_part.is_empty() {
            let digits: String = frac_part.chars().take(30).collect();
            let f: f64 = format!("0.{digits}").parse().unwrap_or(0.0);
            part += (f * scale as f64) as i128;
        }
        total = total.checked_add(part).ok_or_else(invalid)?;
        if total > i64::MAX as i128 {
            return Err(invalid());
        }
    }
    let total = total as i64;
    Ok(if neg { -total } else { total })
}

/// The `quote` of Go's time package: ASCII as is (`"` and `\` escaped), other bytes as
/// `\xNN`.
fn go_time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) < 0x20 || (c as u32) >= 0x80 {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.Duration.String()` (`5m0s`, `1h0m0s`, `1.5s`, `300ms`), from nanoseconds.
pub fn go_duration(ns: i64) -> String {
    fn frac(v: u64, prec: u32) -> (String, u64) {
        let pow = 10u64.pow(prec);
        let f = v % pow;
        if f == 0 {
            return (String::new(), v / pow);
        }
        let digits = format!("{f:0width$}", width = prec as usize);
        (format!(".{}", digits.trim_end_matches('0')), v / pow)
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let body = if u == 0 {
        return "0s".into();
    } else if u < 1_000 {
        format!("{u}ns")
    } else if u < 1_000_000 {
        let (f, i) = frac(u, 3);
        format!("{i}{f}µs")
    } else if u < 1_000_000_000 {
        let (f, i) = frac(u, 6);
        format!("{i}{f}ms")
    } else {
        let (f, secs) = frac(u, 9);
        let (s, mins) = (secs % 60, secs / 60);
        if mins == 0 {
            format!("{s}{f}s")
        } else if mins < 60 {
            format!("{mins}m{s}{f}s")
        } else {
            format!("{}h{}m{s}{f}s", mins / 60, mins % 60)
        }
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Resource;
    use crate::shell::Shell;
    use crate::sim::ClusterConfig;

    fn sh() -> Shell {
        Shell::new(ClusterConfig::default())
    }

    /// A pod pinned to `node` with `app=web`, optionally owned by a controller and with
    /// extra spec lines.
    fn pod(sh: &mut Shell, name: &str, node: &str, owner: Option<(&str, &str)>, extra: &str) {
        let owner = owner
            .map(|(kind, n)| {
                let api = if kind == "DaemonSet" || kind == "ReplicaSet" {
                    "apps/v1"
                } else {
                    "v1"
                };
                format!("  ownerReferences:\n  - apiVersion: {api}\n    kind: {kind}\n    name: {n}\n    uid: 00000000-0000-0000-0000-000000000001\n    controller: true\n")
            })
            .unwrap_or_default();
        let y = format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n    app: web\n{owner}spec:\n  nodeName: {node}\n  containers:\n  - name: c\n    image: nginx\n{extra}");
        let out = sh.exec("kubectl apply -f -", Some(&y));
        assert_eq!(out, format!("pod/{name} created\n"));
    }

    /// A DaemonSet whose nodeSelector matches no node, so its controller makes no pods
    /// and the hand-written ones stay the only ones.
    fn daemonset(sh: &mut Shell, name: &str) {
        let y = format!("apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      nodeSelector:\n        example.com/none: \"true\"\n      containers:\n      - name: c\n        image: agent\n");
        assert!(sh.exec("kubectl apply -f -", Some(&y)).contains("created"));
    }

    fn exists(sh: &Shell, name: &str) -> bool {
        sh.cluster.api.get(Kind::Pod, "default", name).is_ok()
    }

    fn set_running(sh: &mut Shell, name: &str) {
        let api = &mut sh.cluster.api;
        let Object::Pod(p) = &*api.get(Kind::Pod, "default", name).unwrap() else {
            panic!()
        };
        let mut p = (**p).clone();
        let st = p.status.get_or_insert_with(Default::default);
        st.phase = "Running".into();
        st.conditions.push(crate::api::core_v1::PodCondition {
            type_: "Ready".into(),
            status: "True".into(),
            ..Default::default()
        });
        api.update_status(p.into_object()).unwrap();
    }

    fn pdb_with_status(sh: &mut Shell, allowed: i32) {
        let y = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels:\n      app: web\n";
        assert!(sh.exec("kubectl apply -f -", Some(y)).contains("created"));
        let api = &mut sh.cluster.api;
        let Object::PodDisruptionBudget(p) = &*api
            .get(Kind::PodDisruptionBudget, "default", "web")
            .unwrap()
        else {
            panic!()
        };
        let mut p = (**p).clone();
        p.status = Some(crate::api::policy_v1::PodDisruptionBudgetStatus {
            observed_generation: 1,
            disruptions_allowed: allowed,
            current_healthy: 2,
            desired_healthy: 2,
            expected_pods: 2,
            ..Default::default()
        });
        api.update_status(p.into_object()).unwrap();
    }

    #[test]
    fn refuses_bare_pods_then_force_deletes_them() {
        let mut sh = sh();
        pod(&mut sh, "bare", "node-1", None, "");
        assert_eq!(
            sh.exec("kubectl drain node-1", None),
            "node/node-1 cordoned\n\
             error: unable to drain node \"node-1\" due to error: cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare, continuing command...\n\
             There are pending nodes to be drained:\n node-1\n\
             cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare\n"
        );
        assert!(exists(&sh, "bare"));
        assert!(sh
            .exec("kubectl get nodes", None)
            .contains("Ready,SchedulingDisabled"));
        assert_eq!(
            sh.exec("kubectl drain node-1 --force", None),
            "node/node-1 already cordoned\n\
             evicting pod default/bare\n\
             pod/bare evicted\n\
             node/node-1 drained\n\
             Warning: deleting Pods that declare no controller: default/bare\n"
        );
        assert!(!exists(&sh, "bare"));
        // Nothing left: the drain only cordons.
        assert_eq!(
            sh.exec("kubectl drain node-1", None),
            "node/node-1 already cordoned\nnode/node-1 drained\n"
        );
    }

    #[test]
    fn daemonsets_emptydir_and_several_refusals() {
        let mut sh = sh();
        daemonset(&mut sh, "agent");
        pod(
            &mut sh,
            "agent-x",
            "node-2",
            Some(("DaemonSet", "agent")),
            "",
        );
        pod(
            &mut sh,
            "cache",
            "node-2",
            Some(("ReplicaSet", "web-1")),
            "  volumes:\n  - name: tmp\n    emptyDir: {}\n",
        );
        pod(
            &mut sh,
            "web-1",
            "node-2",
            Some(("ReplicaSet", "web-1")),
            "",
        );
        assert_eq!(
            sh.exec("kubectl drain node-2", None),
            "node/node-2 cordoned\n\
             error: unable to drain node \"node-2\" due to error: [cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-x, cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache], continuing command...\n\
             There are pending nodes to be drained:\n node-2\n\
             cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-x\n\
             cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache\n"
        );
        // The emptyDir warning is overwritten by the later filters, as upstream.
        assert_eq!(
            sh.exec(
                "kubectl drain node-2 --ignore-daemonsets --delete-emptydir-data",
                None
            ),
            "node/node-2 already cordoned\n\
             evicting pod default/cache\n\
             evicting pod default/web-1\n\
             pod/cache evicted\n\
             pod/web-1 evicted\n\
             node/node-2 drained\n\
             Warning: ignoring DaemonSet-managed Pods: default/agent-x\n"
        );
        assert!(exists(&sh, "agent-x"));
        // An orphan of a missing DaemonSet: refused, or deleted with --force.
        pod(&mut sh, "orphan", "node-3", Some(("DaemonSet", "gone")), "");
        let out = sh.exec("kubectl drain node-3 --ignore-daemonsets", None);
        assert!(
            out.contains("cannot delete daemonsets.apps \"gone\" not found: default/orphan"),
            "{out}"
        );
        let out = sh.exec("kubectl drain node-3 --force", None);
        assert!(
            out.contains("pod/orphan evicted\nnode/node-3 drained\n"),
            "{out}"
        );
    }

    #[test]
    fn mirror_and_completed_pods() {
        let mut sh = sh();
        let y = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: static\n  annotations:\n    kubernetes.io/config.mirror: abc\nspec:\n  nodeName: node-1\n  containers:\n  - name: c\n    image: nginx\n";
        sh.exec("kubectl apply -f -", Some(y));
        pod(&mut sh, "job-1", "node-1", None, "");
        let api = &mut sh.cluster.api;
        let Object::Pod(p) = &*api.get(Kind::Pod, "default", "job-1").unwrap() else {
            panic!()
        };
        let mut p = (**p).clone();
        p.status.get_or_insert_with(Default::default).phase = "Succeeded".into();
        api.update_status(p.into_object()).unwrap();
        assert_eq!(
            sh.exec("kubectl drain node-1", None),
            "node/node-1 cordoned\nevicting pod default/job-1\npod/job-1 evicted\nnode/node-1 drained\n"
        );
        assert!(exists(&sh, "static"));
    }

    #[test]
    fn dry_runs_change_nothing() {
        let mut sh = sh();
        pod(&mut sh, "web-1", "node-1", Some(("ReplicaSet", "web")), "");
        assert_eq!(
            sh.exec("kubectl drain node-1 --dry-run=client", None),
            "node/node-1 cordoned (dry run)\nevicting pod default/web-1 (dry run)\nnode/node-1 drained (dry run)\n"
        );
        assert_eq!(
            sh.exec("kubectl drain node-1 --dry-run=server", None),
            "node/node-1 cordoned (server dry run)\nevicting pod default/web-1 (server dry run)\nnode/node-1 drained (server dry run)\n"
        );
        assert!(exists(&sh, "web-1"));
        assert!(!sh
            .exec("kubectl get nodes", None)
            .contains("SchedulingDisabled"));
    }

    #[test]
    fn disable_eviction_deletes_and_pod_selector_narrows() {
        let mut sh = sh();
        pod(&mut sh, "web-1", "node-1", Some(("ReplicaSet", "web")), "");
        pod(&mut sh, "bare", "node-1", None, "");
        assert_eq!(
            sh.exec("kubectl drain node-1 --pod-selector=app=web,tier!=x --disable-eviction --force --grace-period=0", None),
            "node/node-1 cordoned\npod/bare deleted\npod/web-1 deleted\nnode/node-1 drained\nWarning: deleting Pods that declare no controller: default/bare\n"
        );
        pod(&mut sh, "other", "node-1", Some(("ReplicaSet", "web")), "");
        assert_eq!(
            sh.exec("kubectl drain node-1 --pod-selector=app=db", None),
            "node/node-1 already cordoned\nnode/node-1 drained\n"
        );
        assert!(exists(&sh, "other"));
    }

    #[test]
    fn a_pdb_with_no_disruptions_allowed_blocks_until_the_timeout() {
        let mut sh = sh();
        pod(&mut sh, "web-1", "node-1", Some(("ReplicaSet", "web")), "");
        set_running(&mut sh, "web-1");
        pdb_with_status(&mut sh, 0);
        let start = sh.cluster.now();
        let out = sh.exec("kubectl drain node-1 --timeout=12s", None);
        let retry = "error when evicting pods/\"web-1\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.\n";
        assert_eq!(
            out,
            format!(
                "node/node-1 cordoned\n{}\
                 {retry}{retry}{retry}\
                 There are pending pods in node \"node-1\" when an error occurred: error when evicting pods/\"web-1\" -n \"default\": global timeout reached: 12s\n\
                 pod/web-1\n\
                 error: unable to drain node \"node-1\" due to error: error when evicting pods/\"web-1\" -n \"default\": global timeout reached: 12s, continuing command...\n\
                 There are pending nodes to be drained:\n node-1\n\
                 error when evicting pods/\"web-1\" -n \"default\": global timeout reached: 12s\n",
                "evicting pod default/web-1\n".repeat(4)
            )
        );
        // Attempts at 0, 5 and 10 s; the fourth, at 15 s, finds the deadline passed.
        assert_eq!(sh.cluster.now() - start, 15_000);
        assert!(exists(&sh, "web-1"));
        // With budget (the disruption controller recomputes it: 1 healthy, 0 wanted),
        // the eviction takes it; the pod, now terminating, leaves the budget's count.
        assert_eq!(
            sh.exec(
                "kubectl patch pdb web --type=merge -p '{\"spec\":{\"minAvailable\":0}}'",
                None
            ),
            "poddisruptionbudget.policy/web patched\n"
        );
        assert_eq!(
            sh.exec("kubectl drain node-1", None),
            "node/node-1 already cordoned\nevicting pod default/web-1\npod/web-1 evicted\nnode/node-1 drained\n"
        );
        let Object::PodDisruptionBudget(p) = &*sh
            .cluster
            .api
            .get(Kind::PodDisruptionBudget, "default", "web")
            .unwrap()
        else {
            panic!()
        };
        let st = p.status.as_ref().unwrap();
        assert_eq!((st.disruptions_allowed, st.current_healthy), (0, 0));
        assert!(st.disrupted_pods.is_empty(), "{st:?}");
    }

    #[test]
    fn infinite_timeout_is_capped() {
        let mut sh = sh();
        pod(&mut sh, "web-1", "node-1", Some(("ReplicaSet", "web")), "");
        set_running(&mut sh, "web-1");
        pdb_with_status(&mut sh, 0);
        let start = sh.cluster.now();
        let out = sh.exec("kubectl drain node-1", None);
        assert!(
            out.ends_with(
                "error when evicting pods/\"web-1\" -n \"default\": global timeout reached: 5m0s\n"
            ),
            "{out}"
        );
        assert_eq!(out.matches("(will retry after 5s)").count(), 60);
        assert_eq!(sh.cluster.now() - start, INFINITE_TIMEOUT_CAP);
    }

    #[test]
    fn stopped_kubelets_keep_pods_terminating() {
        let mut sh = sh();
        pod(&mut sh, "web-1", "node-1", Some(("ReplicaSet", "web")), "");
        sh.exec("kubeplay node stop node-1", None);
        let out = sh.exec("kubectl drain node-1 --timeout=3s", None);
        assert!(out.contains("evicting pod default/web-1\n"), "{out}");
        assert!(out.ends_with("error when waiting for pod \"web-1\" in namespace \"default\" to terminate: global timeout reached: 3s\n"), "{out}");
        // The pod was deleted at t with a 30 s grace: its deletionTimestamp is t+30s, so
        // --skip-wait-for-delete-timeout=1 skips it only once that is over a second old.
        let out = sh.exec(
            "kubectl drain node-1 --skip-wait-for-delete-timeout=1 --timeout=40s",
            None,
        );
        assert!(out.contains("pod \"web-1\" has DeletionTimestamp older than 1 seconds, skipping\nnode/node-1 drained\n"), "{out}");
        // Now the filter skips it outright.
        assert_eq!(
            sh.exec(
                "kubectl drain node-1 --skip-wait-for-delete-timeout=1",
                None
            ),
            "node/node-1 already cordoned\nnode/node-1 drained\n"
        );
        let out = sh.exec("kubectl drain node-1 --disable-eviction --timeout=2s", None);
        assert!(
            out.ends_with("error: timed out waiting for the condition\n"),
            "{out}"
        );
    }

    #[test]
    fn flag_and_argument_errors() {
        let mut sh = sh();
        let cases = [
            ("kubectl drain", "error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples\n"),
            ("kubectl drain node-1 -l a=b", "error: cannot specify both a node name and a --selector option\nSee 'kubectl drain -h' for help and examples\n"),
            ("kubectl drain --grace-period=x node-1", "Error: invalid argument \"x\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\nSee 'kubectl drain --help' for usage.\n"),
            ("kubectl drain --timeout=x node-1", "Error: invalid argument \"x\" for \"--timeout\" flag: time: invalid duration \"x\"\nSee 'kubectl drain --help' for usage.\n"),
            ("kubectl drain --timeout=5 node-1", "Error: invalid argument \"5\" for \"--timeout\" flag: time: missing unit in duration \"5\"\nSee 'kubectl drain --help' for usage.\n"),
            ("kubectl drain --timeout=5d node-1", "Error: invalid argument \"5d\" for \"--timeout\" flag: time: unknown unit \"d\" in duration \"5d\"\nSee 'kubectl drain --help' for usage.\n"),
            ("kubectl drain --delete-local-data node-1", "Error: unknown flag: --delete-local-data\nSee 'kubectl drain --help' for usage.\n"),
            ("kubectl drain --skip-wait-for-delete-timeout=x node-1", "Error: invalid argument \"x\" for \"--skip-wait-for-delete-timeout\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\nSee 'kubectl drain --help' for usage.\n"),
            ("kubectl drain --dry-run=foo node-1", "error: Invalid dry-run value (foo). Must be \"none\", \"server\", or \"client\".\n"),
            ("kubectl drain --pod-selector=a=(b node-1", "error: --pod-selector=<pod_selector> must be a valid label selector\n"),
            ("kubectl drain nope", "Error from server (NotFound): nodes \"nope\" not found\n"),
            ("kubectl drain -l pool=none", ""),
        ];
        for (cmd, want) in cases {
            assert_eq!(sh.exec(cmd, None), want, "{cmd}");
        }
        assert!(!sh
            .exec("kubectl get nodes", None)
            .contains("SchedulingDisabled"));
    }

    #[test]
    fn several_nodes_by_selector() {
        let mut sh = sh();
        sh.exec("kubectl label nodes node-2 node-3 pool=b", None);
        pod(&mut sh, "bare", "node-3", None, "");
        pod(&mut sh, "web-1", "node-2", Some(("ReplicaSet", "web")), "");
        assert_eq!(
            sh.exec("kubectl drain -l pool=b", None),
            "node/node-2 cordoned\nnode/node-3 cordoned\n\
             evicting pod default/web-1\npod/web-1 evicted\nnode/node-2 drained\n\
             error: unable to drain node \"node-3\" due to error: cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare, continuing command...\n\
             There are pending nodes to be drained:\n node-3\n\
             cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare\n"
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_go_duration("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("-2s"), Ok(-2_000_000_000));
        assert_eq!(parse_go_duration("300ms"), Ok(300_000_000));
        assert!(parse_go_duration("").is_err());
        assert!(parse_go_duration(".s").is_err());
        assert!(parse_go_duration("99999999999999999999h").is_err());
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(12_000_000_000), "12s");
        assert_eq!(go_duration(300_000_000_000), "5m0s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(300_000_000), "300ms");
        assert_eq!(go_duration(-61_000_000_000), "-1m1s");
        assert_eq!(go_duration(1_500), "1.5µs");
        assert_eq!(effective_timeout(0).1, "5m0s");
        assert_eq!(
            effective_timeout(7_200_000_000_000),
            (MAX_TIMEOUT, "1h0m0s".into())
        );
    }
}
