//! One pod on a kubelet: the pod worker and the simulated runtime under it. The worker
//! creates the sandbox (with an IP from the node's pod CIDR), pulls images through the
//! node's image cache (pull time by size; unknown images fail with ErrImagePull, then
//! ImagePullBackOff, retried with upstream's 10 s doubling to 300 s backoff), runs init
//! containers in order (sidecars, init containers with restartPolicy Always, keep
//! running), then the main containers, restarts exited containers as the restart policy
//! says with the CrashLoopBackOff backoff (10 s doubling to 300 s, forgotten after 10
//! minutes without a crash), and on deletion stops the containers (SIGTERM; a process
//! that ignores it is killed at the end of the grace period) before finishing the
//! deletion. From that state it writes the pod status as the kubelet does: phase,
//! conditions, container statuses.
//!
//! Nothing here polls: [`PodWorker::sync`] advances the pod to `now` and returns when
//! it next needs to run.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::images::{normalized_reference, Catalogue, Exec, Process, Repeat};
use super::probes::{self, Probes};
use super::storage::{self, Backing, HostFiles, VolumeWrite};
use crate::api::core_v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, Pod, PodCondition, PodIP, PodStatus,
};
use crate::api::meta::Time;
use crate::events::EventType;
use crate::sim::{Millis, Rng};

/// Sandbox creation (the pause container and the network) takes this long.
pub const SANDBOX_MS: Millis = 1_000;
/// `backOffPeriod`: the first crash-loop and image-pull backoff.
pub const BACKOFF_INITIAL_MS: Millis = 10_000;
/// `MaxContainerBackOff`.
pub const BACKOFF_MAX_MS: Millis = 300_000;
/// Image download speed of the simulated registry, bytes per second.
pub const PULL_BYTES_PER_SEC: i64 = 25_000_000;
/// Time to reach a registry and resolve a reference.
pub const PULL_LATENCY_MS: Millis = 500;
/// Seconds a user wrote (grace periods, hook sleeps) in ms, bounded so that adding
/// it to a time cannot overflow.
fn secs_ms(seconds: i64) -> Millis {
    seconds.max(0).saturating_mul(1000).min(Millis::MAX / 4)
}

/// The kubelet's periodic pod sync (`--sync-frequency`), when volumes catch up with
/// their ConfigMaps and Secrets.
pub const SYNC_FREQUENCY_MS: Millis = 60_000;
/// How long a process over its memory limit runs before the OOM killer ends it.
pub const OOM_AFTER_MS: Millis = 500;
/// What SIGTERM gets at least after a preStop hook (`minimumGracePeriodInSeconds`).
pub const MIN_GRACE_AFTER_HOOK_MS: Millis = 2_000;
/// How long after SIGTERM a process that handles it takes to exit.
pub const SIGTERM_EXIT_MS: Millis = 100;

/// Upstream's `flowcontrol.Backoff` for one key: the delay doubles from 10 s up to
/// 300 s, and an entry not touched for twice the maximum is forgotten.
#[derive(Clone, Copy, Debug, Default)]
struct Backoff {
    entry: Option<(Millis, Millis)>, // (delay, last update)
}

impl Backoff {
    fn expired(&self, event: Millis) -> bool {
        self.entry
            .is_none_or(|(_, last)| event - last > 2 * BACKOFF_MAX_MS)
    }
    /// `IsInBackOffSince`: still waiting since `event`?
    fn in_backoff_since(&self, event: Millis, now: Millis) -> bool {
        match self.entry {
            Some((delay, _)) if !self.expired(event) => now - event < delay,
            _ => false,
        }
    }
    /// `Next`: the first delay, or double the last one.
    fn next(&mut self, event: Millis, now: Millis) {
        let delay = match self.entry {
            Some((d, _)) if !self.expired(event) => (d * 2).min(BACKOFF_MAX_MS),
            _ => BACKOFF_INITIAL_MS,
        };
        self.entry = Some((delay, now));
    }
    fn delay(&self) -> Millis {
        self.entry.map_or(BACKOFF_INITIAL_MS, |(d, _)| d)
    }
}

/// A finished run of a container.
#[derive(Clone, Debug)]
struct Terminated {
    exit_code: i32,
    reason: &'static str,
    started: Millis,
    finished: Millis,
    container_id: String,
}

#[derive(Clone, Debug)]
enum Step {
    /// Not started yet (`ContainerCreating` or `PodInitializing`).
    Waiting,
    /// Pulling its image until then.
    /// Pulling since `asked` (waiting for the node's puller, then pulling for
    /// `pull` ms) until `until`.
    Pulling {
        asked: Millis,
        pull: Millis,
        until: Millis,
        found: bool,
    },
    /// The pull failed at `at`; retried at `retry` (ErrImagePull, then ImagePullBackOff).
    PullFailed {
        at: Millis,
        retry: Millis,
        message: String,
    },
    /// `imagePullPolicy: Never` and the image is not on the node.
    NeverPull { message: String },
    /// Its environment cannot be built (a missing ConfigMap, Secret or key); tried
    /// again at `retry` (CreateContainerConfigError).
    ConfigError { message: String, retry: Millis },
    Running {
        since: Millis,
        /// When and how it exits by itself.
        exit: Option<(Millis, i32)>,
        ignores_sigterm: bool,
    },
    /// Stopped and staying so (restart policy, or the pod is being deleted).
    Exited,
    /// Stopped; restarted at `until` (CrashLoopBackOff).
    CrashBackOff { until: Millis },
}

/// One container of the pod.
#[derive(Clone, Debug)]
struct Ctr {
    spec: Container,
    /// A sidecar: an init container with `restartPolicy: Always`.
    sidecar: bool,
    /// Where events about it point (`spec.containers{web}`).
    field_path: String,
    step: Step,
    restarts: i32,
    last: Option<Terminated>,
    crash: Backoff,
    pull: Backoff,
    container_id: String,
    /// The image reference as the runtime reports it once pulled.
    pulled_ref: String,
    /// Shown once (the BackOff event after ErrImagePull).
    pull_backoff_shown: bool,
    /// The output of the current run and of the previous one.
    log: RunLog,
    previous_log: Option<RunLog>,
    /// The environment of the current run.
    pub vars: Vec<(String, String)>,
    /// The current run's probes.
    probes: Probes,
    /// What the current run's process does that probes and exec see: its ports, its
    /// HTTP answers, the files it writes (absolute times).
    ports: Vec<i32>,
    http: Option<fn(&str) -> u16>,
    files: Vec<(Millis, String, Option<String>)>,
    /// The current run ends by the OOM killer.
    oom_kill: bool,
    /// Memory the current run uses, in bytes.
    memory: i64,
    /// CPU the current run would use unthrottled, in millicores.
    cpu: i64,
    /// Writes of earlier runs and of `kubectl exec` that may land in volumes.
    history: Vec<(Millis, String, Option<String>)>,
}

/// What one run of a container wrote: lines at absolute times, and a loop's lines.
#[derive(Clone, Debug, Default)]
pub struct RunLog {
    lines: Vec<(Millis, String)>,
    repeat: Option<Repeat>,
    /// The run ended here (no lines after it).
    end: Option<Millis>,
}

/// At most this many lines of a looping container are kept (like a rotated log file).
const MAX_LOG_LINES: usize = 10_000;

impl RunLog {
    /// The lines written up to `now`, oldest first.
    pub fn lines_until(&self, now: Millis) -> Vec<(Millis, String)> {
        let until = self.end.map_or(now, |e| e.min(now));
        let mut out: Vec<(Millis, String)> = self
            .lines
            .iter()
            .filter(|(t, _)| *t <= until)
            .cloned()
            .collect();
        if let Some(r) = &self.repeat {
            if until >= r.start && !r.lines.is_empty() {
                let rounds = ((until - r.start) / r.period + 1) as usize;
                let cap = MAX_LOG_LINES / r.lines.len().max(1);
                let first = rounds.saturating_sub(cap);
                for k in first..rounds {
                    let t = r.start + k as Millis * r.period;
                    out.extend(r.lines.iter().map(|l| (t, l.clone())));
                }
            }
        }
        out
    }
}

impl Ctr {
    fn new(spec: &Container, init: bool, sidecar: bool) -> Ctr {
        let list = if init { "initContainers" } else { "containers" };
        Ctr {
            field_path: format!("spec.{list}{{{}}}", spec.name),
            spec: spec.clone(),
            sidecar,
            step: Step::Waiting,
            restarts: 0,
            last: None,
            crash: Backoff::default(),
            pull: Backoff::default(),
            container_id: String::new(),
            pulled_ref: String::new(),
            pull_backoff_shown: false,
            log: RunLog::default(),
            previous_log: None,
            vars: Vec::new(),
            probes: Probes::default(),
            ports: Vec::new(),
            http: None,
            files: Vec::new(),
            oom_kill: false,
            memory: 0,
            cpu: 0,
            history: Vec::new(),
        }
    }

    fn running(&self) -> bool {
        matches!(self.step, Step::Running { .. })
    }

    /// An init container that ran to completion (exit 0).
    fn completed(&self) -> bool {
        matches!(self.step, Step::Exited) && self.last.as_ref().is_some_and(|t| t.exit_code == 0)
    }
}

/// What a pod worker needs from its kubelet while it syncs.
pub struct Env<'a> {
    /// For ConfigMaps, Secrets and Services (reads only; writes happen after the sync).
    pub api: &'a crate::apiserver::ApiServer,
    pub host_ip: &'a str,
    /// The node's allocatable (limits that are not set, for `resourceFieldRef`).
    pub allocatable: &'a std::collections::BTreeMap<String, crate::api::Quantity>,
    pub catalogue: &'a Catalogue,
    /// The node's files (hostPath and local volumes).
    pub host_files: &'a HostFiles,
    /// The node's image puller.
    pub puller: &'a mut Puller,
    /// Image references on the node (normalized).
    pub image_cache: &'a mut std::collections::BTreeSet<String>,
    pub rng: &'a mut Rng,
    /// Events to record about the pod: (container field path, type, reason, message).
    pub events: Vec<(String, EventType, &'static str, String)>,
}

impl Env<'_> {
    /// An event about one container (`spec.containers{web}`).
    fn emit(
        &mut self,
        field_path: &str,
        (type_, reason, message): (EventType, &'static str, String),
    ) {
        self.events
            .push((field_path.to_string(), type_, reason, message));
    }
}

/// The kubelet's state for one pod.
pub struct PodWorker {
    pub pod: Arc<Pod>,
    pub ip: Option<String>,
    start_time: Millis,
    sandbox_at: Millis,
    init: Vec<Ctr>,
    main: Vec<Ctr>,
    /// Set when deletion began: the time of SIGKILL.
    kill_at: Option<Millis>,
    /// The containers are all stopped after a deletion: the pod can go.
    pub stopped: bool,
    /// An init container failed under `restartPolicy: Never`.
    init_failed: bool,
    /// Synced (and its status written) at least once.
    pub synced: bool,
    /// The ConfigMaps and Secrets its volumes show, and when they were read: volumes
    /// follow changes at the kubelet's periodic sync, not at once.
    volume_data: super::env::VolumeData,
    volumes_read_at: Option<Millis>,
    /// Evicted by the kubelet under node pressure: the status message.
    evicted: Option<String>,
    /// The usage last reported to the resource-metrics endpoint.
    pub reported_usage: (usize, i64, i64),
    /// The host directory of each PersistentVolumeClaim it mounts.
    claims: BTreeMap<String, String>,
    /// It mounts emptyDir, hostPath or claim volumes that containers can write to.
    writable: bool,
}

/// A stable fake digest for an image reference (the same image has the same ID on
/// every node).
fn image_digest(reference: &str) -> String {
    let mut out = String::with_capacity(64);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for round in 0..4u64 {
        for b in reference.bytes().chain(round.to_le_bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

fn hex_id(rng: &mut Rng) -> String {
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

impl PodWorker {
    pub fn new(pod: Arc<Pod>, now: Millis) -> PodWorker {
        let volumes_writable = pod.spec.volumes.iter().any(|v| {
            v.empty_dir.is_some() || v.host_path.is_some() || v.persistent_volume_claim.is_some()
        });
        let init = pod
            .spec
            .init_containers
            .iter()
            .map(|c| Ctr::new(c, true, c.restart_policy.as_deref() == Some("Always")))
            .collect();
        let main = pod
            .spec
            .containers
            .iter()
            .map(|c| Ctr::new(c, false, false))
            .collect();
        PodWorker {
            pod,
            ip: None,
            start_time: now,
            sandbox_at: now + SANDBOX_MS,
            init,
            main,
            kill_at: None,
            stopped: false,
            init_failed: false,
            synced: false,
            volume_data: Default::default(),
            volumes_read_at: None,
            evicted: None,
            reported_usage: (0, 0, 0),
            claims: BTreeMap::new(),
            writable: volumes_writable,
        }
    }

    /// When the sandbox is (or was) ready.
    pub fn pod_sandbox_ready_at(&self) -> Millis {
        self.sandbox_at
    }

    fn restart_policy(&self) -> &str {
        match self.pod.spec.restart_policy.as_str() {
            "" => "Always",
            p => p,
        }
    }

    /// Starts stopping the pod's containers (the pod got a deletionTimestamp).
    pub fn begin_kill(&mut self, now: Millis, env: &mut Env) {
        if self.kill_at.is_some() {
            return;
        }
        let grace = self
            .pod
            .metadata
            .deletion_grace_period_seconds
            .or(self.pod.spec.termination_grace_period_seconds)
            .unwrap_or(30)
            .max(0);
        self.kill_at = Some(now + secs_ms(grace));
        for c in self.init.iter_mut().chain(self.main.iter_mut()) {
            match &mut c.step {
                Step::Running {
                    exit,
                    ignores_sigterm,
                    ..
                } => {
                    env.emit(
                        &c.field_path,
                        (
                            EventType::Normal,
                            "Killing",
                            format!("Stopping container {}", c.spec.name),
                        ),
                    );
                    // The preStop hook runs first, inside the grace period; SIGTERM
                    // then gets what is left, at least 2 s (upstream's
                    // minimumGracePeriodInSeconds).
                    let grace_ms = secs_ms(grace);
                    let hook = c
                        .spec
                        .lifecycle
                        .as_ref()
                        .and_then(|l| l.pre_stop.as_ref())
                        .map(|h| hook_ms(h).min(grace_ms));
                    let term_at = now + hook.unwrap_or(0);
                    let kill_at = match hook {
                        Some(h) => term_at + (grace_ms - h).max(MIN_GRACE_AFTER_HOOK_MS),
                        None => now + grace_ms,
                    };
                    let handled = term_at + SIGTERM_EXIT_MS;
                    *exit = match (*ignores_sigterm, *exit) {
                        (false, Some((at, code))) if at <= handled => Some((at, code)),
                        (false, _) => Some((handled, 0)),
                        (true, Some((at, code))) if at <= kill_at => Some((at, code)),
                        (true, _) => Some((kill_at, 137)),
                    };
                    self.kill_at = self.kill_at.map(|k| k.max(kill_at));
                }
                Step::CrashBackOff { .. }
                | Step::Waiting
                | Step::Pulling { .. }
                | Step::PullFailed { .. }
                | Step::NeverPull { .. }
                | Step::ConfigError { .. } => c.step = Step::Exited,
                Step::Exited => {}
            }
        }
    }

    /// Advances the pod to `now`; returns when it next needs a sync.
    pub fn sync(&mut self, now: Millis, env: &mut Env) -> Option<Millis> {
        if self.stopped {
            return None;
        }
        if self.kill_at.is_some() {
            let mut next: Option<Millis> = None;
            for i in 0..self.init.len() + self.main.len() {
                let n = self.advance(i, now, env);
                next = min_opt(next, n);
            }
            if self
                .init
                .iter()
                .chain(self.main.iter())
                .all(|c| !c.running())
            {
                self.stopped = true;
                return None;
            }
            return next;
        }
        if now < self.sandbox_at {
            return Some(self.sandbox_at);
        }
        let mut next: Option<Millis> = None;
        if self.claims.is_empty()
            && self
                .pod
                .spec
                .volumes
                .iter()
                .any(|v| v.persistent_volume_claim.is_some())
        {
            self.claims = storage::claim_dirs(env.api, &self.pod);
        }
        // Volumes are (re)written at the kubelet's periodic sync (`--sync-frequency`).
        let has_sources = self
            .pod
            .spec
            .volumes
            .iter()
            .any(|v| v.config_map.is_some() || v.secret.is_some() || v.projected.is_some());
        if has_sources {
            if self
                .volumes_read_at
                .is_none_or(|t| now >= t + SYNC_FREQUENCY_MS)
            {
                self.volume_data = super::env::read_volume_data(env.api, &self.pod);
                self.volumes_read_at = Some(now);
            }
            next = self.volumes_read_at.map(|t| t + SYNC_FREQUENCY_MS);
        }
        // Init containers in order; sidecars keep running once started.
        for i in 0..self.init.len() {
            let n = self.advance(i, now, env);
            next = min_opt(next, n);
            let Some(c) = self.init.get(i) else { break };
            let done = if c.sidecar {
                c.running()
            } else {
                c.completed()
            };
            if !done {
                if matches!(c.step, Step::Exited) && self.restart_policy() == "Never" {
                    self.init_failed = true;
                }
                return next;
            }
        }
        for i in 0..self.main.len() {
            let n = self.advance(self.init.len() + i, now, env);
            next = min_opt(next, n);
        }
        next
    }

    /// Moves container `i` (init containers first) through its steps up to `now`.
    fn advance(&mut self, i: usize, now: Millis, env: &mut Env) -> Option<Millis> {
        let policy = self.restart_policy().to_string();
        let killing = self.kill_at.is_some();
        let evicted = self.evicted.is_some();
        let is_init = i < self.init.len();
        let pod_env = self.pod.clone();
        let pod_ip = self.ip.clone().unwrap_or_default();
        let n = self.init.len();
        // Exec probes read the pod's volumes, with what its containers wrote there.
        let spec = if i < n {
            &self.pod.spec.init_containers
        } else {
            &self.pod.spec.containers
        };
        let exec_probe = spec.get(if i < n { i } else { i - n }).is_some_and(|c| {
            [&c.liveness_probe, &c.readiness_probe, &c.startup_probe]
                .into_iter()
                .any(|p| p.as_ref().is_some_and(|p| p.exec.is_some()))
        });
        let shared = if exec_probe {
            self.shared_writes(now)
        } else {
            Vec::new()
        };
        let c = if i < n {
            self.init.get_mut(i)?
        } else {
            self.main.get_mut(i - n)?
        };
        let volumes = &self.volume_data;
        let claims = &self.claims;
        // Bounded: each pass either returns or moves to a later step.
        for _ in 0..8 {
            match c.step.clone() {
                Step::Waiting => {
                    if killing {
                        c.step = Step::Exited;
                        return None;
                    }
                    let reference = normalized_reference(&c.spec.image);
                    let present = env.image_cache.contains(&reference);
                    let policy_pull = c.spec.image_pull_policy.as_str();
                    if policy_pull == "Never" && !present {
                        let message = format!(
                            "Container image \"{}\" is not present with pull policy of Never",
                            c.spec.image
                        );
                        env.emit(
                            &c.field_path,
                            (EventType::Warning, "ErrImageNeverPull", message.clone()),
                        );
                        c.step = Step::NeverPull { message };
                        return None;
                    }
                    if present && policy_pull != "Always" {
                        env.emit(
                            &c.field_path,
                            (
                                EventType::Normal,
                                "Pulled",
                                format!(
                                    "Container image \"{}\" already present on machine",
                                    c.spec.image
                                ),
                            ),
                        );
                        c.pulled_ref = reference;
                        start(c, now, env, &pod_env, &pod_ip);
                        continue;
                    }
                    env.emit(
                        &c.field_path,
                        (
                            EventType::Normal,
                            "Pulling",
                            format!("Pulling image \"{}\"", c.spec.image),
                        ),
                    );
                    // The kubelet pulls one image at a time (`serializeImagePulls`);
                    // layers already fetched on the node are not fetched again.
                    let (pull, found) = match env.catalogue.lookup(&c.spec.image) {
                        Some(_) if env.puller.layers.contains(&reference) => {
                            (PULL_LATENCY_MS, true)
                        }
                        Some(img) => (pull_ms(img.size_bytes), true),
                        None => (PULL_LATENCY_MS, false),
                    };
                    let begin = env.puller.free_at.max(now);
                    let until = begin + pull;
                    env.puller.free_at = until;
                    if found {
                        env.puller.layers.insert(reference.clone());
                    }
                    c.step = Step::Pulling {
                        asked: now,
                        pull,
                        until,
                        found,
                    };
                }
                Step::Pulling {
                    asked,
                    pull,
                    until,
                    found,
                } => {
                    if now < until {
                        return Some(until);
                    }
                    let reference = normalized_reference(&c.spec.image);
                    if found {
                        let size = env
                            .catalogue
                            .lookup(&c.spec.image)
                            .map_or(0, |i| i.size_bytes);
                        let took = go_duration(pull);
                        let waited = go_duration(until - asked);
                        env.emit(&c.field_path, (
                            EventType::Normal,
                            "Pulled",
                            format!(
                                "Successfully pulled image \"{}\" in {took} ({waited} including waiting). Image size: {size} bytes.",
                                c.spec.image
                            ),
                        ));
                        env.image_cache.insert(reference.clone());
                        c.pulled_ref = reference;
                        start(c, until, env, &pod_env, &pod_ip);
                        continue;
                    }
                    let message = format!(
                        "failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
                    );
                    env.emit(
                        &c.field_path,
                        (
                            EventType::Warning,
                            "Failed",
                            format!("Failed to pull image \"{}\": {message}", c.spec.image),
                        ),
                    );
                    env.emit(
                        &c.field_path,
                        (EventType::Warning, "Failed", "Error: ErrImagePull".into()),
                    );
                    c.pull.next(until, until);
                    c.pull_backoff_shown = false;
                    c.step = Step::PullFailed {
                        at: until,
                        retry: until + c.pull.delay(),
                        message,
                    };
                }
                Step::PullFailed { at, retry, .. } => {
                    if killing {
                        c.step = Step::Exited;
                        return None;
                    }
                    if now >= retry {
                        c.step = Step::Waiting;
                        continue;
                    }
                    // The next sync after the failure finds the pull backing off.
                    let shown_at = at + 1_000;
                    if now >= shown_at && !c.pull_backoff_shown {
                        c.pull_backoff_shown = true;
                        env.emit(
                            &c.field_path,
                            (
                                EventType::Normal,
                                "BackOff",
                                format!("Back-off pulling image \"{}\"", c.spec.image),
                            ),
                        );
                        env.emit(
                            &c.field_path,
                            (
                                EventType::Warning,
                                "Failed",
                                "Error: ImagePullBackOff".into(),
                            ),
                        );
                    }
                    return Some(if c.pull_backoff_shown {
                        retry
                    } else {
                        shown_at.min(retry)
                    });
                }
                Step::NeverPull { .. } | Step::Exited => return None,
                Step::ConfigError { retry, .. } => {
                    if killing {
                        c.step = Step::Exited;
                        return None;
                    }
                    if now < retry {
                        return Some(retry);
                    }
                    start(c, now, env, &pod_env, &pod_ip);
                    if let Step::ConfigError { retry, .. } = c.step {
                        return Some(retry);
                    }
                }
                Step::Running {
                    since,
                    mut exit,
                    ignores_sigterm,
                } => {
                    // Probes due before the process ends by itself.
                    while let (false, Some((kind, at))) = (killing, c.probes.next(&c.spec)) {
                        let horizon = exit.map_or(now, |(at, _)| at.min(now));
                        if at > horizon {
                            break;
                        }
                        let result = probe_result(
                            c, kind, at, env, volumes, &pod_env, &pod_ip, &shared, claims,
                        );
                        if let Err(msg) = &result {
                            env.emit(
                                &c.field_path,
                                (
                                    EventType::Warning,
                                    "Unhealthy",
                                    format!("{} probe failed: {msg}", kind.name()),
                                ),
                            );
                        }
                        if c.probes.record(&c.spec, kind, at, result.is_ok()) {
                            env.emit(
                                &c.field_path,
                                (
                                    EventType::Normal,
                                    "Killing",
                                    format!(
                                        "Container {} failed {} probe, will be restarted",
                                        c.spec.name,
                                        kind.name().to_lowercase()
                                    ),
                                ),
                            );
                            let grace = kind
                                .probe(&c.spec)
                                .and_then(|p| p.termination_grace_period_seconds)
                                .or(pod_env.spec.termination_grace_period_seconds)
                                .unwrap_or(30);
                            let end = if ignores_sigterm {
                                (at + secs_ms(grace), 137)
                            } else {
                                (at + SIGTERM_EXIT_MS, 0)
                            };
                            exit = Some(exit.map_or(end, |e| if e.0 <= end.0 { e } else { end }));
                            c.probes = Probes::default();
                            c.step = Step::Running {
                                since,
                                exit,
                                ignores_sigterm,
                            };
                            break;
                        }
                    }
                    let next_probe = if killing {
                        None
                    } else {
                        c.probes.next(&c.spec).map(|(_, t)| t)
                    };
                    let Some((at, code)) = exit else {
                        return next_probe;
                    };
                    if now < at {
                        return min_opt(Some(at), next_probe);
                    }
                    let reason = if c.oom_kill {
                        "OOMKilled"
                    } else if code == 0 {
                        "Completed"
                    } else {
                        "Error"
                    };
                    c.log.end = Some(at);
                    c.last = Some(Terminated {
                        exit_code: code,
                        reason,
                        started: since,
                        finished: at,
                        container_id: c.container_id.clone(),
                    });
                    let restart = !killing
                        && !evicted
                        && (c.sidecar
                            || (is_init && code != 0 && policy != "Never")
                            || (!is_init
                                && (policy == "Always" || (policy == "OnFailure" && code != 0))));
                    if !restart {
                        c.step = Step::Exited;
                        return None;
                    }
                    if c.crash.in_backoff_since(at, now) {
                        let until = at + c.crash.delay();
                        env.emit(
                            &c.field_path,
                            (
                                EventType::Warning,
                                "BackOff",
                                format!(
                                    "Back-off restarting failed container {} in pod {}_{}({})",
                                    c.spec.name,
                                    pod_env.metadata.name,
                                    pod_env.metadata.namespace,
                                    pod_env.metadata.uid
                                ),
                            ),
                        );
                        c.step = Step::CrashBackOff { until };
                        return Some(until);
                    }
                    c.crash.next(at, now);
                    c.restarts += 1;
                    c.step = Step::Waiting;
                }
                Step::CrashBackOff { until } => {
                    if now < until {
                        return Some(until);
                    }
                    c.crash.next(until, now);
                    c.restarts += 1;
                    c.step = Step::Waiting;
                }
            }
        }
        Some(now)
    }

    /// The pod status the kubelet writes: `old` is the current status (its
    /// PodScheduled condition and unchanged transition times are kept).
    pub fn status(&self, now: Millis, old: Option<&PodStatus>) -> PodStatus {
        let phase = self.phase();
        let mut st = PodStatus {
            phase: phase.to_string(),
            host_ip: old.map(|o| o.host_ip.clone()).unwrap_or_default(),
            host_ips: old.map(|o| o.host_ips.clone()).unwrap_or_default(),
            start_time: Some(Time(self.start_time / 1000 * 1000)),
            qos_class: old.map(|o| o.qos_class.clone()).unwrap_or_default(),
            ..Default::default()
        };
        if let Some(message) = &self.evicted {
            st.reason = "Evicted".into();
            st.message = message.clone();
        }
        if let Some(ip) = &self.ip {
            st.pod_ip = ip.clone();
            st.pod_ips = vec![PodIP { ip: ip.clone() }];
        }
        let statuses = |cs: &[Ctr], init: bool| -> Vec<ContainerStatus> {
            let mut v: Vec<ContainerStatus> =
                cs.iter().map(|c| self.container_status(c, now)).collect();
            if !init {
                v.sort_by(|a, b| a.name.cmp(&b.name));
            }
            v
        };
        st.init_container_statuses = statuses(&self.init, true);
        st.container_statuses = statuses(&self.main, false);
        let terminal = matches!(phase, "Succeeded" | "Failed");
        let cond = |type_: &str, ok: bool, reason: &str, message: String| PodCondition {
            type_: type_.into(),
            status: if ok { "True" } else { "False" }.into(),
            reason: if ok { String::new() } else { reason.into() },
            message: if ok { String::new() } else { message },
            ..Default::default()
        };
        let incomplete: Vec<&str> = self
            .init
            .iter()
            .filter(|c| {
                if c.sidecar {
                    !c.running()
                } else {
                    !c.completed()
                }
            })
            .map(|c| c.spec.name.as_str())
            .collect();
        let unready: Vec<&str> = self
            .main
            .iter()
            .filter(|c| !(c.running() && c.probes.ready && c.probes.started))
            .map(|c| c.spec.name.as_str())
            .chain(
                self.init
                    .iter()
                    .filter(|c| c.sidecar && !c.running())
                    .map(|c| c.spec.name.as_str()),
            )
            .collect();
        let ready_cond = |type_: &str| {
            if terminal {
                cond(type_, false, "PodCompleted", String::new())
            } else {
                cond(
                    type_,
                    unready.is_empty(),
                    "ContainersNotReady",
                    format!("containers with unready status: [{}]", unready.join(" ")),
                )
            }
        };
        let mut conditions = vec![
            cond(
                "PodReadyToStartContainers",
                self.ip.is_some() && !(terminal && self.kill_at.is_some()),
                "",
                String::new(),
            ),
            if terminal && incomplete.is_empty() {
                cond("Initialized", true, "", String::new())
            } else {
                cond(
                    "Initialized",
                    incomplete.is_empty(),
                    "ContainersNotInitialized",
                    format!(
                        "containers with incomplete status: [{}]",
                        incomplete.join(" ")
                    ),
                )
            },
            ready_cond("Ready"),
            ready_cond("ContainersReady"),
        ];
        if let Some(ps) = old.and_then(|o| o.conditions.iter().find(|c| c.type_ == "PodScheduled"))
        {
            conditions.push(ps.clone());
        }
        for c in &mut conditions {
            let prev = old.and_then(|o| o.conditions.iter().find(|p| p.type_ == c.type_));
            c.last_transition_time = match prev {
                Some(p) if p.status == c.status => p.last_transition_time,
                _ => Some(Time(now / 1000 * 1000)),
            };
        }
        st.conditions = conditions;
        st
    }

    fn container_status(&self, c: &Ctr, now: Millis) -> ContainerStatus {
        let t = |ms: Millis| Some(Time(ms / 1000 * 1000));
        let term = |x: &Terminated| ContainerStateTerminated {
            exit_code: x.exit_code,
            reason: x.reason.into(),
            started_at: t(x.started),
            finished_at: t(x.finished),
            container_id: x.container_id.clone(),
            ..Default::default()
        };
        let waiting = |reason: &str, message: String| ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: reason.into(),
                message,
            }),
            ..Default::default()
        };
        let has_init = !self.init.is_empty();
        let state = match &c.step {
            // Not created yet: upstream's default waiting state.
            Step::Waiting | Step::Pulling { .. } => waiting(
                if has_init {
                    "PodInitializing"
                } else {
                    "ContainerCreating"
                },
                String::new(),
            ),
            Step::PullFailed { at, message, .. } => {
                if c.pull_backoff_shown || now >= at + 1_000 {
                    waiting(
                        "ImagePullBackOff",
                        format!(
                            "Back-off pulling image \"{}\": ErrImagePull: {message}",
                            c.spec.image
                        ),
                    )
                } else {
                    waiting("ErrImagePull", message.clone())
                }
            }
            Step::NeverPull { message } => waiting("ErrImageNeverPull", message.clone()),
            Step::ConfigError { message, .. } => {
                waiting("CreateContainerConfigError", message.clone())
            }
            Step::Running { since, .. } => ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: t(*since),
                }),
                ..Default::default()
            },
            Step::CrashBackOff { .. } => waiting(
                "CrashLoopBackOff",
                format!(
                    "back-off {} restarting failed container={} pod={}_{}({})",
                    go_duration(c.crash.delay()),
                    c.spec.name,
                    self.pod.metadata.name,
                    self.pod.metadata.namespace,
                    self.pod.metadata.uid
                ),
            ),
            Step::Exited => match &c.last {
                Some(x) => ContainerState {
                    terminated: Some(Box::new(term(x))),
                    ..Default::default()
                },
                None => waiting("ContainerCreating", String::new()),
            },
        };
        // lastState: the previous run, when the current state is not that run.
        let last_state = match (&c.step, &c.last) {
            (Step::Exited, _) => ContainerState::default(),
            (_, Some(x)) => ContainerState {
                terminated: Some(Box::new(term(x))),
                ..Default::default()
            },
            _ => ContainerState::default(),
        };
        let running = c.running();
        let ready = running && c.probes.ready && c.probes.started;
        // The runtime reports the resolved image once a container was created.
        let started_image = !c.pulled_ref.is_empty() && !c.container_id.is_empty();
        ContainerStatus {
            name: c.spec.name.clone(),
            state,
            last_state,
            ready,
            restart_count: c.restarts,
            image: if started_image {
                c.pulled_ref.clone()
            } else {
                c.spec.image.clone()
            },
            image_id: if started_image {
                let repo = c
                    .pulled_ref
                    .rsplit_once(':')
                    .map_or(c.pulled_ref.as_str(), |(r, _)| r);
                format!("{repo}@sha256:{}", image_digest(&c.pulled_ref))
            } else {
                String::new()
            },
            container_id: if c.container_id.is_empty() {
                String::new()
            } else {
                format!("containerd://{}", c.container_id)
            },
            started: Some(running && c.probes.started),
            ..Default::default()
        }
    }

    /// The log of a container (`previous`: the run before), as the kubelet's
    /// `validateContainerLogStatus` decides which run that is, or its error message.
    pub fn container_log(
        &self,
        container: &str,
        previous: bool,
        now: Millis,
    ) -> Result<Vec<(Millis, String)>, String> {
        let pod = &self.pod.metadata.name;
        let Some(c) = self
            .init
            .iter()
            .chain(self.main.iter())
            .find(|c| c.spec.name == container)
        else {
            return Err(format!("container {container} is not valid for pod {pod}"));
        };
        let current_is_a_run =
            matches!(c.step, Step::Running { .. } | Step::Exited) && !c.container_id.is_empty();
        if previous {
            let run = if current_is_a_run {
                c.previous_log.as_ref()
            } else if c.last.is_some() {
                Some(&c.log)
            } else {
                None
            };
            return run.map(|l| l.lines_until(now)).ok_or_else(|| {
                format!("previous terminated container \"{container}\" in pod \"{pod}\" not found")
            });
        }
        if current_is_a_run || c.last.is_some() {
            return Ok(c.log.lines_until(now));
        }
        let reason = match &c.step {
            Step::PullFailed { at, .. } if now < at + 1_000 && !c.pull_backoff_shown => {
                "image can't be pulled".to_string()
            }
            Step::PullFailed { .. } => "trying and failing to pull image".to_string(),
            Step::NeverPull { .. } => "ErrImageNeverPull".to_string(),
            _ => if self.init.is_empty() {
                "ContainerCreating"
            } else {
                "PodInitializing"
            }
            .to_string(),
        };
        Err(format!(
            "container \"{container}\" in pod \"{pod}\" is waiting to start: {reason}"
        ))
    }

    /// Memory its running containers use, in bytes.
    pub fn memory_usage(&self) -> i64 {
        self.init
            .iter()
            .chain(self.main.iter())
            .filter(|c| c.running())
            .map(|c| c.memory)
            .sum()
    }

    /// What its running containers use now, as the kubelet's resource-metrics
    /// endpoint reports it. CPU is throttled at the container's limit: CFS quota lets
    /// a busy container run 97.5% of it in practice (the docs' cpu-demo shows 974m
    /// of a 1-CPU limit).
    pub fn usage(&self, node: &str) -> crate::metrics::PodUsage {
        let containers = self
            .init
            .iter()
            .chain(self.main.iter())
            .filter(|c| c.running())
            .map(|c| {
                let limit = c.spec.resources.limits.get("cpu").map(|q| q.milli_value());
                let milli = match limit {
                    Some(l) if c.cpu >= l => l.saturating_mul(975) / 1000,
                    _ => c.cpu,
                };
                crate::metrics::ContainerUsage {
                    name: c.spec.name.clone(),
                    cpu_nanocores: milli.saturating_mul(1_000_000),
                    memory_bytes: c.memory,
                }
            })
            .collect();
        crate::metrics::PodUsage {
            node: node.to_string(),
            uid: self.pod.metadata.uid.clone(),
            containers,
        }
    }

    /// A cheap fingerprint of [`PodWorker::usage`]: which containers run, and their use.
    pub fn usage_fingerprint(&self) -> (usize, i64, i64) {
        self.init
            .iter()
            .chain(self.main.iter())
            .filter(|c| c.running())
            .fold((0, 0, 0), |(n, cpu, mem), c| {
                (
                    n + 1,
                    cpu.saturating_add(c.cpu),
                    mem.saturating_add(c.memory),
                )
            })
    }

    /// Its running containers' (name, memory used, memory requested), for ranking
    /// and the eviction message.
    pub fn memory_by_container(&self) -> Vec<(String, i64, i64)> {
        self.init
            .iter()
            .chain(self.main.iter())
            .filter(|c| c.running())
            .map(|c| {
                let req = c
                    .spec
                    .resources
                    .requests
                    .get("memory")
                    .map_or(0, |q| q.milli_value() / 1000);
                (c.spec.name.clone(), c.memory, req)
            })
            .collect()
    }

    pub fn is_evicted(&self) -> bool {
        self.evicted.is_some()
    }

    /// Evicts the pod (node pressure): its containers are killed at once and not
    /// restarted; the pod ends Failed with reason Evicted and `message`.
    pub fn evict(&mut self, now: Millis, message: String) {
        for c in self.init.iter_mut().chain(self.main.iter_mut()) {
            match &mut c.step {
                Step::Running { exit, .. } => *exit = Some((now, 137)),
                Step::Exited => {}
                _ => c.step = Step::Exited,
            }
        }
        self.evicted = Some(message);
    }

    /// The attached terminal closed the container's stdin (`exit` in `kubectl run -it`):
    /// a shell reading it ends, as its process exits at once with code 0.
    pub fn close_stdin(&mut self, container: &str, now: Millis) {
        for c in self.init.iter_mut().chain(self.main.iter_mut()) {
            if c.spec.name == container && c.spec.stdin_once {
                if let Step::Running { exit, .. } = &mut c.step {
                    if exit.is_none() {
                        *exit = Some((now, 0));
                    }
                }
            }
        }
    }

    /// Runs a command in a running container (`kubectl exec`); `Err` says why not.
    pub fn exec(
        &mut self,
        container: &str,
        argv: &[String],
        now: Millis,
        node: &NodeView,
    ) -> Result<super::exec::ExecOutput, String> {
        let shared = self.shared_writes(now);
        let pod_ip = self.ip.clone().unwrap_or_default();
        let (pod, claims) = (self.pod.clone(), self.claims.clone());
        let c = self
            .init
            .iter_mut()
            .chain(self.main.iter_mut())
            .find(|c| c.spec.name == container && c.running())
            .ok_or_else(|| format!("container not found ({container:?})"))?;
        let out = run_in(
            c,
            argv,
            now,
            &self.volume_data,
            node,
            &pod,
            &pod_ip,
            &shared,
            &claims,
        )?;
        // What it wrote stays: in a volume, or in the container's own layer.
        let mounts = storage::writable_mounts(&pod, &c.spec, &claims);
        for (path, content) in &out.writes {
            let entry = (now, path.clone(), content.clone());
            if storage::locate(&mounts, path).is_some() {
                c.history.push(entry);
            } else {
                c.files.push(entry);
            }
        }
        Ok(out)
    }

    /// Every write the pod's containers made under writable volumes up to `at`, in
    /// time order.
    fn shared_writes(&self, at: Millis) -> Vec<VolumeWrite> {
        if !self.writable {
            return Vec::new();
        }
        let mut out = Vec::new();
        for c in self.init.iter().chain(self.main.iter()) {
            let mounts = storage::writable_mounts(&self.pod, &c.spec, &self.claims);
            if mounts.is_empty() {
                continue;
            }
            for (t, path, content) in c.history.iter().chain(c.files.iter()) {
                if *t > at {
                    continue;
                }
                if let Some((b, rel)) = storage::locate(&mounts, path) {
                    out.push((*t, b, rel, content.clone()));
                }
            }
        }
        out.sort_by_key(|w| w.0);
        out
    }

    /// Takes the writes to node directories that are due, for the kubelet to keep.
    pub fn take_host_writes(&mut self, now: Millis) -> Vec<VolumeWrite> {
        if !self.writable {
            return Vec::new();
        }
        let mut out = Vec::new();
        let (pod, claims) = (&self.pod, &self.claims);
        for c in self.init.iter_mut().chain(self.main.iter_mut()) {
            let mounts = storage::writable_mounts(pod, &c.spec, claims);
            if !mounts.iter().any(|(_, b)| matches!(b, Backing::Host(_))) {
                continue;
            }
            for list in [&mut c.history, &mut c.files] {
                list.retain(|(t, path, content)| match storage::locate(&mounts, path) {
                    Some((b @ Backing::Host(_), rel)) if *t <= now => {
                        out.push((*t, b, rel, content.clone()));
                        false
                    }
                    _ => true,
                });
            }
        }
        out.sort_by_key(|w| w.0);
        out
    }

    /// A digest of everything the status shows: when it did not change across a sync,
    /// the status need not be built and compared again.
    pub fn signature(&self, now: Millis) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = crate::scheduler::FxHasher::default();
        (
            self.ip.is_some(),
            self.kill_at.is_some(),
            self.stopped,
            self.init_failed,
        )
            .hash(&mut h);
        for c in self.init.iter().chain(self.main.iter()) {
            std::mem::discriminant(&c.step).hash(&mut h);
            if let Step::PullFailed { at, .. } = c.step {
                (c.pull_backoff_shown || now >= at + 1_000).hash(&mut h);
            }
            (
                c.restarts,
                c.last.as_ref().map(|t| t.finished),
                c.probes.ready,
                c.probes.started,
            )
                .hash(&mut h);
        }
        h.finish()
    }

    /// Upstream `getPhase`.
    pub fn phase(&self) -> &'static str {
        let policy = self.restart_policy();
        if self.init_failed || self.evicted.is_some() {
            return "Failed";
        }
        let pending_init = self.init.iter().any(|c| {
            if c.sidecar {
                !c.running()
            } else {
                !c.completed()
            }
        });
        if pending_init {
            return "Pending";
        }
        let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
        for c in &self.main {
            match &c.step {
                Step::Running { .. } => running += 1,
                Step::Exited => {
                    stopped += 1;
                    if c.last.as_ref().is_some_and(|t| t.exit_code == 0) {
                        succeeded += 1;
                    }
                }
                _ => {
                    if c.last.is_some() {
                        stopped += 1;
                    } else {
                        waiting += 1;
                    }
                }
            }
        }
        if waiting > 0 {
            return "Pending";
        }
        if running > 0 {
            return "Running";
        }
        if stopped > 0 {
            if policy == "Always" {
                return "Running";
            }
            if stopped == succeeded {
                return "Succeeded";
            }
            if policy == "Never" {
                return "Failed";
            }
            return "Running";
        }
        "Pending"
    }
}

/// How long a preStop hook runs: a `sleep` action's seconds, an exec command's own
/// time (`sh -c "sleep 5"` takes 5 s); HTTP and TCP hooks return at once.
fn hook_ms(h: &crate::api::core_v1::LifecycleHandler) -> Millis {
    if let Some(sl) = &h.sleep {
        return secs_ms(sl.seconds);
    }
    let Some(x) = &h.exec else { return 0 };
    let script = match x.command.as_slice() {
        [sh, flag, body, ..] if sh.ends_with("sh") && flag == "-c" => body.clone(),
        words => words.join(" "),
    };
    let env = std::collections::BTreeMap::new();
    let e = Exec {
        argv: &[],
        env: &env,
        hostname: "",
        started_at: 0,
        stdin: false,
    };
    match super::images::run_script(&script, &e).exit {
        Some((ms, _)) => ms,
        None => Millis::MAX / 4,
    }
}

/// Go's `time.Duration` string at millisecond precision: `586ms`, `3.38s`, `10s`,
/// `1m20s`, `5m0s`.
fn go_duration(ms: Millis) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let trim = |whole: i64, frac_ms: i64| {
        if frac_ms == 0 {
            format!("{whole}")
        } else {
            let f = format!("{frac_ms:03}");
            format!("{whole}.{}", f.trim_end_matches('0'))
        }
    };
    let (mins, rest) = (ms / 60_000, ms % 60_000);
    let secs = trim(rest / 1000, rest % 1000);
    if mins == 0 {
        format!("{secs}s")
    } else {
        format!("{mins}m{secs}s")
    }
}

/// How long pulling an image of `size` bytes takes.
fn pull_ms(size: i64) -> Millis {
    PULL_LATENCY_MS + size * 1000 / PULL_BYTES_PER_SEC
}

fn min_opt(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Creates and starts a container's process at `at`: the image's ENTRYPOINT and CMD
/// with the manifest's `command` and `args` applied as Docker does, and the
/// container's environment. A container whose environment cannot be built is not
/// created (CreateContainerConfigError, tried again 10 s later).
fn start(c: &mut Ctr, at: Millis, env: &mut Env, pod: &Pod, pod_ip: &str) {
    let vars = match super::env::container_env(
        env.api,
        pod,
        &c.spec,
        env.host_ip,
        pod_ip,
        env.allocatable,
    ) {
        Ok(v) => v,
        Err(message) => {
            env.emit(
                &c.field_path,
                (EventType::Warning, "Failed", format!("Error: {message}")),
            );
            c.step = Step::ConfigError {
                message,
                retry: at + BACKOFF_INITIAL_MS,
            };
            return;
        }
    };
    c.container_id = hex_id(env.rng);
    env.emit(
        &c.field_path,
        (
            EventType::Normal,
            "Created",
            format!("Created container: {}", c.spec.name),
        ),
    );
    env.emit(
        &c.field_path,
        (
            EventType::Normal,
            "Started",
            format!("Started container {}", c.spec.name),
        ),
    );
    let process = match env.catalogue.lookup(&c.spec.image) {
        Some(img) => {
            let entry: Vec<String> = if c.spec.command.is_empty() {
                img.entrypoint.iter().map(|s| s.to_string()).collect()
            } else {
                c.spec.command.clone()
            };
            let cmd: Vec<String> = if !c.spec.command.is_empty() || !c.spec.args.is_empty() {
                c.spec.args.clone()
            } else {
                img.cmd.iter().map(|s| s.to_string()).collect()
            };
            let argv: Vec<String> = entry.into_iter().chain(cmd).collect();
            let map: std::collections::BTreeMap<String, String> = vars.iter().cloned().collect();
            (img.behave)(&Exec {
                argv: &argv,
                env: &map,
                hostname: super::env::pod_hostname(pod),
                started_at: at,
                stdin: c.spec.stdin,
            })
        }
        None => Process::default(),
    };
    c.vars = vars;
    c.ports = process.ports.clone();
    c.http = process.http;
    // The run being replaced wrote what it had written by the time it ended.
    let ended = c.last.as_ref().map_or(at, |l| l.finished.min(at));
    let old = std::mem::take(&mut c.files);
    c.history
        .extend(old.into_iter().filter(|(t, _, _)| *t <= ended));
    c.files = process
        .files
        .iter()
        .map(|(d, p, content)| (at.saturating_add(*d), p.clone(), content.clone()))
        .collect();
    c.probes = Probes::start(&c.spec, at);
    let limit = c
        .spec
        .resources
        .limits
        .get("memory")
        .map(|q| q.milli_value() / 1000);
    c.oom_kill = limit.is_some_and(|l| process.memory_bytes > l);
    c.memory = process.memory_bytes;
    c.cpu = process.cpu_millicores;
    if c.restarts > 0 || c.last.is_some() {
        c.previous_log = Some(std::mem::take(&mut c.log));
    }
    c.log = RunLog {
        lines: process
            .logs
            .iter()
            .map(|(d, l)| (at.saturating_add(*d), l.clone()))
            .collect(),
        repeat: process.repeat.map(|r| Repeat {
            start: at.saturating_add(r.start),
            ..r
        }),
        end: None,
    };
    // The OOM killer ends a process that holds more than its limit, as it allocates.
    let exit = if c.oom_kill {
        Some((at + OOM_AFTER_MS, 137))
    } else {
        process.exit.map(|(d, code)| (at.saturating_add(d), code))
    };
    c.step = Step::Running {
        since: at,
        exit,
        ignores_sigterm: process.ignores_sigterm,
    };
}

/// The node's image puller: one pull at a time, as the kubelet's default
/// `serializeImagePulls: true`.
#[derive(Clone, Debug, Default)]
pub struct Puller {
    /// When the pull in progress (and those queued) ends.
    pub free_at: Millis,
    /// Images whose layers have been fetched (or are being fetched) on the node.
    pub layers: std::collections::BTreeSet<String>,
}

/// What a command in a container can see of its node.
pub struct NodeView<'a> {
    pub catalogue: &'a Catalogue,
    pub host_ip: &'a str,
    pub host_files: &'a HostFiles,
}

/// Runs a command in a container at `at`: over its environment, its volumes' files
/// (with what the pod's containers wrote to them by then) and the files its process
/// has written by then.
#[allow(clippy::too_many_arguments)]
fn run_in(
    c: &Ctr,
    argv: &[String],
    at: Millis,
    volumes: &super::env::VolumeData,
    node: &NodeView,
    pod: &Pod,
    pod_ip: &str,
    shared: &[VolumeWrite],
    claims: &BTreeMap<String, String>,
) -> Result<super::exec::ExecOutput, String> {
    let (mut files, mut dirs) =
        super::env::container_files(volumes, pod, &c.spec, node.host_ip, pod_ip);
    let mounts = storage::writable_mounts(pod, &c.spec, claims);
    let due: Vec<VolumeWrite> = shared.iter().filter(|w| w.0 <= at).cloned().collect();
    storage::overlay(&mut files, &mut dirs, &mounts, node.host_files, &due);
    // The container's own layer: this run's writes outside its volumes.
    for (t, path, content) in &c.files {
        if *t > at || storage::locate(&mounts, path).is_some() {
            continue;
        }
        match content {
            Some(text) => {
                files.insert(path.clone(), text.clone());
            }
            None => {
                files.remove(path);
            }
        }
    }
    let has_shell = node
        .catalogue
        .lookup(&c.spec.image)
        .is_some_and(|i| i.shell);
    let read_only = c
        .spec
        .volume_mounts
        .iter()
        .map(|m| m.mount_path.trim_end_matches('/').to_string())
        .filter(|m| !mounts.iter().any(|(w, _)| w == m))
        .collect();
    let mut sb = super::exec::Sandbox {
        vars: &c.vars,
        files,
        dirs,
        hostname: super::env::pod_hostname(pod),
        has_shell,
        read_only,
    };
    super::exec::run(argv, &mut sb)
}

/// The result of one probe of a running container at `at`: `Err` holds the failure
/// message of upstream's prober.
#[allow(clippy::too_many_arguments)]
fn probe_result(
    c: &Ctr,
    kind: probes::Kind,
    at: Millis,
    env: &Env,
    volumes: &super::env::VolumeData,
    pod: &Pod,
    pod_ip: &str,
    shared: &[VolumeWrite],
    claims: &BTreeMap<String, String>,
) -> Result<(), String> {
    let Some(p) = kind.probe(&c.spec) else {
        return Ok(());
    };
    let refused = |port: i32| format!("dial tcp {pod_ip}:{port}: connect: connection refused");
    if let Some(h) = &p.http_get {
        let port = probes::resolve_port(&c.spec, &h.port).unwrap_or(0);
        let path = if h.path.is_empty() {
            "/"
        } else {
            h.path.as_str()
        };
        let scheme = if h.scheme.is_empty() {
            "http".to_string()
        } else {
            h.scheme.to_lowercase()
        };
        let url = format!("{scheme}://{pod_ip}:{port}{path}");
        if !c.ports.contains(&port) {
            return Err(format!("Get \"{url}\": {}", refused(port)));
        }
        return match c.http.map(|f| f(path)) {
            Some(code) if (200..400).contains(&code) => Ok(()),
            Some(code) => Err(format!("HTTP probe failed with statuscode: {code}")),
            None => Err(format!("Get \"{url}\": EOF")),
        };
    }
    if let Some(t) = &p.tcp_socket {
        let port = probes::resolve_port(&c.spec, &t.port).unwrap_or(0);
        return if c.ports.contains(&port) {
            Ok(())
        } else {
            Err(refused(port))
        };
    }
    if let Some(g) = &p.grpc {
        return if c.ports.contains(&g.port) {
            Ok(())
        } else {
            Err(format!(
                "timeout: failed to connect service \"{pod_ip}:{}\" within 1s: context deadline exceeded",
                g.port
            ))
        };
    }
    if let Some(x) = &p.exec {
        let node = NodeView {
            catalogue: env.catalogue,
            host_ip: env.host_ip,
            host_files: env.host_files,
        };
        return match run_in(
            c, &x.command, at, volumes, &node, pod, pod_ip, shared, claims,
        ) {
            Ok(o) if o.code == 0 => Ok(()),
            Ok(o) => Err(format!("{}{}", o.stdout, o.stderr).trim_end().to_string()),
            Err(e) => Err(e),
        };
    }
    Ok(())
}
