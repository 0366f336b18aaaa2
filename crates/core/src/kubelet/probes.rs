//! Container probes as the kubelet's prober runs them: liveness, readiness and
//! startup, each every `periodSeconds` after `initialDelaySeconds`, with
//! `successThreshold` and `failureThreshold`; liveness and readiness wait for the
//! startup probe to succeed. Handlers: `httpGet` (the image's HTTP answer on its
//! port), `tcpSocket` (whether the process listens), `exec` (the command in the
//! container, over its files at that moment) and `grpc` (a listening port).
//! Failures give upstream's `Unhealthy` events (`Liveness probe failed: HTTP probe
//! failed with statuscode: 404`); a failed liveness or startup probe kills the
//! container (`Container web failed liveness probe, will be restarted`).

use crate::api::core_v1::{Container, Probe};
use crate::api::intstr::IntOrString;
use crate::sim::Millis;

/// Which probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Startup,
    Liveness,
    Readiness,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Startup => "Startup",
            Kind::Liveness => "Liveness",
            Kind::Readiness => "Readiness",
        }
    }
    pub fn probe(self, c: &Container) -> Option<&Probe> {
        match self {
            Kind::Startup => c.startup_probe.as_deref(),
            Kind::Liveness => c.liveness_probe.as_deref(),
            Kind::Readiness => c.readiness_probe.as_deref(),
        }
    }
}

/// One probe's progress during one run of a container.
#[derive(Clone, Copy, Debug, Default)]
pub struct Run {
    pub next_at: Millis,
    pub successes: i32,
    pub failures: i32,
}

/// The probes of one run of a container.
#[derive(Clone, Debug, Default)]
pub struct Probes {
    pub startup: Run,
    pub liveness: Run,
    pub readiness: Run,
    /// The startup probe succeeded (or there is none).
    pub started: bool,
    /// The readiness probe says ready (or there is none).
    pub ready: bool,
}

fn period(p: &Probe) -> Millis {
    Millis::from(if p.period_seconds > 0 {
        p.period_seconds
    } else {
        10
    }) * 1000
}

fn threshold(v: i32, default: i32) -> i32 {
    if v > 0 {
        v
    } else {
        default
    }
}

impl Probes {
    /// The probes of a run that starts at `since`.
    pub fn start(c: &Container, since: Millis) -> Probes {
        let first = |k: Kind| Run {
            next_at: k.probe(c).map_or(Millis::MAX, |p| {
                since + Millis::from(p.initial_delay_seconds.max(0)) * 1000
            }),
            ..Default::default()
        };
        Probes {
            startup: first(Kind::Startup),
            liveness: first(Kind::Liveness),
            readiness: first(Kind::Readiness),
            started: c.startup_probe.is_none(),
            ready: c.readiness_probe.is_none(),
        }
    }

    fn run_mut(&mut self, k: Kind) -> &mut Run {
        match k {
            Kind::Startup => &mut self.startup,
            Kind::Liveness => &mut self.liveness,
            Kind::Readiness => &mut self.readiness,
        }
    }

    /// The next probe to run: (which, when).
    pub fn next(&self, c: &Container) -> Option<(Kind, Millis)> {
        let kinds: &[Kind] = if self.started {
            &[Kind::Liveness, Kind::Readiness]
        } else {
            &[Kind::Startup]
        };
        kinds
            .iter()
            .filter(|k| k.probe(c).is_some())
            .map(|k| {
                let r = match k {
                    Kind::Startup => self.startup,
                    Kind::Liveness => self.liveness,
                    Kind::Readiness => self.readiness,
                };
                (*k, r.next_at)
            })
            .filter(|(_, t)| *t != Millis::MAX)
            .min_by_key(|(_, t)| *t)
    }

    /// Records a result at `at`; returns true when the container must be killed (a
    /// liveness or startup probe reached its failure threshold).
    pub fn record(&mut self, c: &Container, k: Kind, at: Millis, ok: bool) -> bool {
        let Some(p) = k.probe(c) else { return false };
        let (succ_t, fail_t) = (
            threshold(p.success_threshold, 1),
            threshold(p.failure_threshold, 3),
        );
        let per = period(p);
        let r = self.run_mut(k);
        r.next_at = at + per;
        if ok {
            r.successes += 1;
            r.failures = 0;
        } else {
            r.failures += 1;
            r.successes = 0;
        }
        let (succ, fail) = (r.successes, r.failures);
        match k {
            Kind::Startup => {
                if ok {
                    self.started = true;
                    self.startup.next_at = Millis::MAX;
                    // Liveness and readiness begin now, their initial delay counted
                    // from the container's start.
                    self.liveness.next_at = self.liveness.next_at.max(at);
                    self.readiness.next_at = self.readiness.next_at.max(at);
                    false
                } else {
                    fail >= fail_t
                }
            }
            Kind::Liveness => !ok && fail >= fail_t,
            Kind::Readiness => {
                if ok && succ >= succ_t {
                    self.ready = true;
                } else if !ok && fail >= fail_t {
                    self.ready = false;
                }
                false
            }
        }
    }
}

/// The port a probe names: a number, or the name of one of the container's ports.
pub fn resolve_port(c: &Container, port: &IntOrString) -> Option<i32> {
    match port {
        IntOrString::Int(p) => Some(*p),
        IntOrString::String(name) => c
            .ports
            .iter()
            .find(|p| p.name == *name)
            .map(|p| p.container_port),
    }
}
