//! Following a deployment to its end: poll with backoff, print one line per change, stop with
//! rollback on timeout or cancellation, explain a failure from the target diagnostics, and follow
//! the rollback deployment CodeDeploy starts.

use super::phase::{phase, switched_by_targets, termination_ends, utc, Phase};
use crate::codedeploy::types::{DeploymentSnapshot, DeploymentStatus, TargetReport};
use crate::codedeploy::{CodeDeploy, CodeDeployError};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// Delays between GetDeployment polls; the last one repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSchedule(pub Vec<Duration>);

impl PollSchedule {
    /// 5 s, 10 s, then every 15 s (botocore's waiter polls every 15 s; starting faster shows the
    /// first transitions sooner).
    pub fn standard() -> Self {
        PollSchedule(vec![
            Duration::from_secs(5),
            Duration::from_secs(10),
            Duration::from_secs(15),
        ])
    }

    /// Millisecond polls for tests.
    pub fn fast() -> Self {
        PollSchedule(vec![Duration::from_millis(1), Duration::from_millis(2)])
    }

    /// The delay after poll number `n` (0-based).
    pub fn delay(&self, n: usize) -> Duration {
        match self.0.get(n).or_else(|| self.0.last()) {
            Some(d) => *d,
            None => Duration::from_secs(15),
        }
    }
}

/// How to follow.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    pub poll: PollSchedule,
    /// Stop the deployment (with rollback when `auto_rollback`) after this long.
    pub timeout: Duration,
    /// Passed to StopDeployment on timeout or cancellation.
    pub auto_rollback: bool,
    /// How long to follow the rollback deployment, or a stopped deployment settling.
    pub rollback_wait: Duration,
    /// After a cancel the runner kills the job within seconds: only this long is spent after the
    /// stop request to see the deployment settle.
    pub cancel_grace: Duration,
    /// Extra polls for `rollbackInfo` to appear on a failed/stopped deployment.
    pub rollback_grace_polls: u32,
    /// Also print each target's lifecycle events and traffic weights while it runs (two more
    /// calls per poll; skipped for fleets larger than one batch of targets).
    pub lifecycle_events: bool,
    /// `wait-for-termination`: keep following after the traffic switch until the original fleet
    /// is gone. Otherwise the follow ends at the switch: the release has succeeded.
    pub wait_for_termination: bool,
    /// The group switches traffic only when someone continues it: end the follow at `Ready`.
    pub end_at_ready: bool,
    /// The group's termination wait, to say when the original fleet goes away.
    pub termination_wait_minutes: Option<i32>,
    /// Each phase change, as it happens, for the channels that show it (Deployment status).
    pub phase_updates: Option<UnboundedSender<Phase>>,
}

impl FollowOptions {
    pub fn new(timeout: Duration, auto_rollback: bool) -> Self {
        FollowOptions {
            poll: PollSchedule::standard(),
            timeout,
            auto_rollback,
            rollback_wait: Duration::from_secs(300),
            cancel_grace: Duration::from_secs(5),
            rollback_grace_polls: 2,
            lifecycle_events: true,
            wait_for_termination: false,
            end_at_ready: false,
            termination_wait_minutes: None,
            phase_updates: None,
        }
    }

    /// Millisecond delays, for tests.
    pub fn fast(timeout: Duration, auto_rollback: bool) -> Self {
        FollowOptions {
            poll: PollSchedule::fast(),
            timeout,
            auto_rollback,
            rollback_wait: Duration::from_secs(2),
            cancel_grace: Duration::from_millis(500),
            rollback_grace_polls: 2,
            lifecycle_events: true,
            wait_for_termination: false,
            end_at_ready: false,
            termination_wait_minutes: None,
            phase_updates: None,
        }
    }
}

/// Where progress lines go; the runner wraps them in `::group::`. Any `FnMut(&str)` is a sink.
pub trait ProgressSink: Send {
    fn progress(&mut self, line: &str);
}

impl<F: FnMut(&str) + Send> ProgressSink for F {
    fn progress(&mut self, line: &str) {
        self(line)
    }
}

/// How the follow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndState {
    Succeeded,
    Failed,
    /// Stopped by someone else (console, alarm).
    Stopped,
    /// shipgate stopped it after `timeout-minutes`.
    TimedOut,
    /// The job was cancelled and shipgate stopped it.
    Cancelled,
    /// Traffic moved to the healthy replacement fleet: the release succeeded, the original
    /// fleet's termination wait goes on without shipgate.
    Released,
    /// The replacement fleet waits in `Ready` for a manual traffic switch (`command: continue`).
    Ready,
}

impl EndState {
    /// The `deployment-status` output value.
    pub fn as_str(self) -> &'static str {
        match self {
            EndState::Succeeded => "succeeded",
            EndState::Failed => "failed",
            EndState::Stopped => "stopped",
            EndState::TimedOut => "timed-out",
            EndState::Cancelled => "cancelled",
            EndState::Released => "succeeded",
            EndState::Ready => "ready",
        }
    }

    /// Nothing went wrong: done, released at the switch, or waiting for the switch on purpose.
    pub fn is_good(self) -> bool {
        matches!(
            self,
            EndState::Succeeded | EndState::Released | EndState::Ready
        )
    }
}

/// Why a deployment failed, as precisely as CodeDeploy says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureDetail {
    /// Deployment-level `errorInformation`.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The first target with a failed lifecycle event, and that event.
    pub target_id: Option<String>,
    pub lifecycle_event: Option<String>,
    pub script_error_code: Option<String>,
    pub script_name: Option<String>,
    pub message: Option<String>,
    pub log_tail: Option<String>,
}

impl FailureDetail {
    /// From the deployment's error and its targets' diagnostics.
    pub fn from_parts(snapshot: &DeploymentSnapshot, targets: &[TargetReport]) -> FailureDetail {
        let mut d = FailureDetail {
            error_code: snapshot.error_code.clone(),
            error_message: snapshot.error_message.clone(),
            ..FailureDetail::default()
        };
        let failed = targets
            .iter()
            .find_map(|t| t.failed_event().map(|e| (t, e)));
        if let Some((t, e)) = failed {
            d.target_id = Some(t.target_id.clone());
            d.lifecycle_event = Some(e.name.clone());
            d.script_error_code = e.error_code.clone();
            d.script_name = e.script_name.clone();
            d.message = e.message.clone();
            d.log_tail = e.log_tail.clone();
        }
        d
    }

    /// One line: "AfterInstall failed on i-0abc: ScriptFailed in scripts/migrate.sh: exit 1".
    pub fn summary(&self) -> String {
        let mut s = match (&self.lifecycle_event, &self.target_id) {
            (Some(e), Some(t)) => format!("{e} failed on {t}"),
            (Some(e), None) => format!("{e} failed"),
            _ => "deployment failed".to_string(),
        };
        if let Some(c) = &self.script_error_code {
            s.push_str(&format!(": {c}"));
        }
        if let Some(n) = &self.script_name {
            s.push_str(&format!(" in {n}"));
        }
        if let Some(m) = self.message.as_ref().or(self.error_message.as_ref()) {
            s.push_str(&format!(": {}", m.trim()));
        }
        if self.lifecycle_event.is_none() {
            if let Some(code) = &self.error_code {
                s.push_str(&format!(" ({code})"));
            }
        }
        s
    }
}

/// One notable moment of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: SystemTime,
    /// Since the follow began.
    pub elapsed: Duration,
    pub what: String,
}

/// The result of following a deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowResult {
    pub deployment_id: String,
    pub status: EndState,
    /// The last CodeDeploy status seen.
    pub final_status: DeploymentStatus,
    /// A rollback deployment exists and has not failed (it may still be running when
    /// `rollback_status` is not terminal).
    pub rolled_back: bool,
    pub rollback_deployment_id: Option<String>,
    pub rollback_status: Option<DeploymentStatus>,
    pub failure: Option<FailureDetail>,
    /// StopDeployment could not be sent (timeout / cancel): the deployment may still run.
    pub stop_error: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    pub started_at: SystemTime,
    pub duration: Duration,
    /// The last phase seen.
    pub phase: Phase,
    /// When shipgate first saw the traffic on the replacement fleet.
    pub switched_at: Option<SystemTime>,
    /// When the original fleet is due to be terminated (switch + the group's termination wait).
    pub termination_ends: Option<SystemTime>,
    /// Stopped with rollback before the original fleet was gone: traffic went back to it.
    pub rerouted_back: bool,
    /// Why the follow ended where it did, when that is not obvious from the status.
    pub note: Option<String>,
}

impl FollowResult {
    /// The release succeeded: the deployment ended well, or traffic is on the new fleet.
    pub fn succeeded(&self) -> bool {
        matches!(self.status, EndState::Succeeded | EndState::Released)
    }
}

/// Why waiting for someone else's deployment ended without it finishing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    #[error(transparent)]
    Api(#[from] CodeDeployError),
    #[error("deployment '{id}' was still running after {}s", .waited.as_secs())]
    TimedOut { id: String, waited: Duration },
    #[error("cancelled while waiting for deployment '{id}'")]
    Cancelled { id: String },
}

/// What changed between two polls: one progress line (if anything changed) and the notable
/// moments worth a timeline entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub line: Option<String>,
    pub timeline: Vec<String>,
}

/// Compares two polls of the same deployment. Pure, so the wording is unit-tested.
pub fn describe_change(prev: Option<&DeploymentSnapshot>, cur: &DeploymentSnapshot) -> Change {
    let mut parts = Vec::new();
    let mut timeline = Vec::new();
    if prev.map(|p| &p.status) != Some(&cur.status) {
        let what = match cur.status {
            DeploymentStatus::Ready => {
                "Ready: replacement environment is up, waiting for traffic to be rerouted".into()
            }
            DeploymentStatus::Baking => "Baking: traffic shifted, waiting out the bake time".into(),
            ref s => s.to_string(),
        };
        parts.push(format!("status {what}"));
        timeline.push(format!("{} {what}", cur.id));
    }
    if let Some(o) = cur.overview {
        if prev.and_then(|p| p.overview) != Some(o) {
            parts.push(format!("targets: {o}"));
        }
    }
    if cur.instance_termination_wait_started
        && !prev.is_some_and(|p| p.instance_termination_wait_started)
    {
        let t =
            "traffic rerouted to the replacement fleet; original fleet termination wait started";
        parts.push(t.to_string());
        timeline.push(t.to_string());
    }
    for m in &cur.status_messages {
        if !prev.is_some_and(|p| p.status_messages.contains(m)) {
            parts.push(m.clone());
            timeline.push(m.clone());
        }
    }
    Change {
        line: (!parts.is_empty()).then(|| format!("{}: {}", cur.id, parts.join("; "))),
        timeline,
    }
}

/// Sends text to the sink one physical line at a time, each made inert for the Actions runner:
/// diagnostics, status messages and log tails come from deploy scripts on the instances, and a line
/// like `::add-mask::`, `::stop-commands::` or `::set-output` in them must not become a workflow
/// command (the runner trims leading spaces before looking for `::`).
fn emit(sink: &mut dyn ProgressSink, text: &str) {
    for line in text.split(['\n', '\r']) {
        sink.progress(&inert_line(line));
    }
}

/// `line` with a zero-width space breaking a leading `::` or `##[`, so the runner prints it as is.
pub fn inert_line(line: &str) -> String {
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    for marker in ["::", "##["] {
        if let Some(rest) = body.strip_prefix(marker) {
            let (first, second) = marker.split_at(1);
            return format!("{indent}{first}\u{200B}{second}{rest}");
        }
    }
    line.to_string()
}

/// Whether per-target detail is worth fetching for this poll: the deployment is running and its
/// fleet fits in one BatchGetDeploymentTargets call.
fn watch_targets(s: &DeploymentSnapshot) -> bool {
    let running = matches!(
        s.status,
        DeploymentStatus::InProgress | DeploymentStatus::Ready | DeploymentStatus::Baking
    );
    let size = s.overview.map_or(0, |o| {
        o.pending + o.in_progress + o.succeeded + o.failed + o.skipped + o.ready
    });
    running && size <= 25
}

/// What the follow loop has already said about each target, to print only changes.
#[derive(Debug, Default)]
pub struct TargetsSeen {
    events: std::collections::HashMap<(String, String), String>,
    traffic: std::collections::HashMap<String, String>,
}

/// New lines and timeline entries from one read of the targets.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TargetsChange {
    pub lines: Vec<String>,
    pub timeline: Vec<String>,
}

impl TargetsSeen {
    /// Compares with what was seen before. The first target's finished events go to the
    /// timeline (ECS and Lambda have one target; for an EC2 fleet the first is representative).
    pub fn update(&mut self, targets: &[TargetReport]) -> TargetsChange {
        let mut change = TargetsChange::default();
        for (n, t) in targets.iter().enumerate() {
            for e in &t.lifecycle_events {
                let status = e.status.clone().unwrap_or_else(|| "Unknown".into());
                let key = (t.target_id.clone(), e.name.clone());
                let before = self.events.insert(key, status.clone());
                let news = before.as_deref() != Some(status.as_str());
                // Pending is the starting state of every event: not news.
                if news && status != "Pending" {
                    change
                        .lines
                        .push(format!("  {}: {} {status}", t.target_id, e.name));
                    if n == 0 && matches!(status.as_str(), "Succeeded" | "Failed") {
                        change.timeline.push(format!("{} {status}", e.name));
                    }
                }
            }
            if !t.traffic.is_empty() {
                let shares: Vec<String> = t
                    .traffic
                    .iter()
                    .map(|(label, w)| format!("{label} {w:.0}%"))
                    .collect();
                let text = shares.join(", ");
                if self
                    .traffic
                    .insert(t.target_id.clone(), text.clone())
                    .as_deref()
                    != Some(text.as_str())
                {
                    change
                        .lines
                        .push(format!("  {}: traffic {text}", t.target_id));
                    change.timeline.push(format!("traffic {text}"));
                }
            }
        }
        change
    }
}

/// Records the timeline and forwards progress lines.
struct Recorder<'a> {
    sink: &'a mut dyn ProgressSink,
    started: Instant,
    timeline: Vec<TimelineEntry>,
}

impl Recorder<'_> {
    fn line(&mut self, line: &str) {
        emit(self.sink, line);
    }

    fn mark(&mut self, what: impl Into<String>) {
        self.timeline.push(TimelineEntry {
            at: SystemTime::now(),
            elapsed: self.started.elapsed(),
            what: what.into(),
        });
    }

    /// A line that is also a timeline entry.
    fn event(&mut self, what: impl Into<String>) {
        let what = what.into();
        self.line(&what);
        self.mark(what);
    }

    fn apply(&mut self, change: Change) {
        if let Some(l) = &change.line {
            self.line(l);
        }
        for t in change.timeline {
            self.mark(t);
        }
    }
}

/// Follows deployment `id` to its end. Returns `Err` only when CodeDeploy refuses to tell its
/// state (not found, access denied); every end of the deployment itself is an [`FollowResult`].
pub async fn follow(
    cd: &CodeDeploy,
    id: &str,
    opts: &FollowOptions,
    cancel: &CancellationToken,
    sink: &mut dyn ProgressSink,
) -> Result<FollowResult, CodeDeployError> {
    let started_at = SystemTime::now();
    let mut rec = Recorder {
        sink,
        started: Instant::now(),
        timeline: Vec::new(),
    };
    rec.mark(format!("following deployment {id}"));
    let mut last: Option<DeploymentSnapshot> = None;
    let mut poll_no = 0usize;
    let mut warned = false;
    let mut targets_seen = TargetsSeen::default();
    let mut phases = PhaseTracker::default();
    let mut note: Option<String> = None;
    let interrupted = loop {
        match cd.deployment(id).await {
            Ok(snap) => {
                warned = false;
                rec.apply(describe_change(last.as_ref(), &snap));
                let done = snap.status.is_terminal();
                let mut now = phase(&snap);
                if opts.lifecycle_events && !done && watch_targets(&snap) {
                    // Best effort: a target read that fails only costs detail, never the follow.
                    if let Ok(targets) = cd.targets(id).await {
                        let change = targets_seen.update(&targets);
                        for l in &change.lines {
                            rec.line(l);
                        }
                        for t in change.timeline {
                            rec.mark(t);
                        }
                        if matches!(now, Phase::Provisioning | Phase::Deploying)
                            && switched_by_targets(&targets)
                        {
                            now = Phase::TerminationWait;
                        }
                    }
                }
                phases.observe(now, id, opts, &mut rec);
                last = Some(snap);
                if done {
                    break None;
                }
                if let Some(end) = stop_following(now, opts) {
                    break Some(end);
                }
            }
            // A passing network or throttling problem must not abandon a running deployment.
            Err(e) if e.is_transient() => {
                if !warned {
                    rec.line(&format!(
                        "could not read the deployment state, still waiting: {e}"
                    ));
                    warned = true;
                }
            }
            Err(e) => return Err(e),
        }
        // timeout-minutes bounds the phases before the switch only: after it the release has
        // succeeded, and stopping now would route users back to the old fleet.
        let remaining = opts.timeout.saturating_sub(rec.started.elapsed());
        if remaining.is_zero() {
            let (end, why) = interrupt(Interrupt::Timeout, phases.switched_at.is_some());
            note = why;
            break Some(end);
        }
        let delay = opts.poll.delay(poll_no).min(remaining);
        poll_no += 1;
        tokio::select! {
            _ = cancel.cancelled() => {
                let (end, why) = interrupt(Interrupt::Cancel, phases.switched_at.is_some());
                note = why;
                break Some(end);
            }
            _ = tokio::time::sleep(delay) => {}
        }
    };

    if let Some(end @ (EndState::Released | EndState::Ready)) = interrupted {
        let snap = last.unwrap_or_else(|| DeploymentSnapshot::new(id, DeploymentStatus::Ready));
        let what = match end {
            EndState::Ready => {
                format!("{id} is ready for the traffic switch: run `command: continue` to switch")
            }
            _ => format!("{id} released: traffic is on the replacement fleet"),
        };
        rec.event(what);
        if let Some(n) = &note {
            rec.line(&format!("shipgate: {n}"));
        }
        rec.mark(format!("{id} ended: {}", end.as_str()));
        return Ok(FollowResult {
            deployment_id: id.to_string(),
            status: end,
            final_status: snap.status.clone(),
            rolled_back: false,
            rollback_deployment_id: None,
            rollback_status: None,
            failure: None,
            stop_error: None,
            timeline: std::mem::take(&mut rec.timeline),
            started_at,
            duration: rec.started.elapsed(),
            phase: phases.current.unwrap_or(Phase::Provisioning),
            switched_at: phases.switched_at,
            termination_ends: phases.termination_ends,
            rerouted_back: false,
            note,
        });
    }

    let mut stop_error = None;
    let mut snap = match (interrupted, last) {
        (None, Some(s)) => s,
        (reason, last) => {
            let reason = reason.unwrap_or(EndState::TimedOut);
            let (why, settle) = if reason == EndState::Cancelled {
                ("job cancelled", opts.cancel_grace)
            } else {
                ("timed out", opts.rollback_wait)
            };
            let how = if opts.auto_rollback {
                "with rollback"
            } else {
                "without rollback"
            };
            rec.event(format!("{why}: stopping deployment {id} {how}"));
            match cd.stop_deployment(id, opts.auto_rollback).await {
                Ok(r) => rec.line(&format!(
                    "StopDeployment: {}{}",
                    r.status.as_deref().unwrap_or("requested"),
                    r.message.map(|m| format!(" ({m})")).unwrap_or_default()
                )),
                Err(CodeDeployError::AlreadyCompleted(_)) => {
                    rec.line(&format!("deployment {id} had already completed"));
                }
                Err(e) => {
                    rec.event(format!("could not stop deployment {id}: {e}"));
                    stop_error = Some(e.to_string());
                }
            }
            let settled = settle_deployment(cd, id, opts, settle, last.as_ref(), &mut rec).await;
            let mut s = settled.or(last).unwrap_or_else(|| {
                DeploymentSnapshot::new(id, DeploymentStatus::Other("unknown".into()))
            });
            // What we report is why *we* ended it, unless it finished on its own first.
            let status = if s.status == DeploymentStatus::Succeeded {
                EndState::Succeeded
            } else {
                reason
            };
            let mut o = finish(cd, &mut s, status, stop_error, opts, &mut rec, started_at).await;
            phases.fill(&mut o);
            return Ok(o);
        }
    };
    let status = match snap.status {
        DeploymentStatus::Succeeded => EndState::Succeeded,
        DeploymentStatus::Stopped => EndState::Stopped,
        _ => EndState::Failed,
    };
    phases.observe(phase(&snap), id, opts, &mut rec);
    let mut o = finish(
        cd, &mut snap, status, stop_error, opts, &mut rec, started_at,
    )
    .await;
    phases.fill(&mut o);
    o.note = note;
    Ok(o)
}

/// The phases seen so far: prints each change once, tells `phase_updates`, and remembers the
/// switch.
#[derive(Debug, Default)]
struct PhaseTracker {
    current: Option<Phase>,
    switched_at: Option<SystemTime>,
    termination_ends: Option<SystemTime>,
}

impl PhaseTracker {
    fn observe(&mut self, now: Phase, id: &str, opts: &FollowOptions, rec: &mut Recorder<'_>) {
        if self.current == Some(now) {
            return;
        }
        self.current = Some(now);
        if now == Phase::Done {
            return; // the status line already says how it ended
        }
        if now.switched() && self.switched_at.is_none() {
            let at = SystemTime::now();
            self.switched_at = Some(at);
            self.termination_ends = termination_ends(at, opts.termination_wait_minutes);
            let until = match self.termination_ends {
                Some(end) => format!(" (termination wait ends about {})", utc(end)),
                None => String::new(),
            };
            rec.event(format!("{id}: phase: {}{until}", now.describe()));
        } else {
            rec.event(format!("{id}: phase: {}", now.describe()));
        }
        if let Some(tx) = &opts.phase_updates {
            // The receiver only adds detail to the Deployment status; gone is fine.
            let _ = tx.send(now);
        }
    }

    fn fill(&self, o: &mut FollowResult) {
        o.phase = self.current.unwrap_or(Phase::Done);
        o.switched_at = self.switched_at;
        o.termination_ends = self.termination_ends;
    }
}

/// Whether the follow ends in this phase although the deployment still runs: at `Ready` for a
/// manual switch, at the switch unless `wait-for-termination`. Pure.
pub fn stop_following(now: Phase, opts: &FollowOptions) -> Option<EndState> {
    match now {
        Phase::Ready if opts.end_at_ready => Some(EndState::Ready),
        p if p.switched() && !opts.wait_for_termination => Some(EndState::Released),
        _ => None,
    }
}

/// What ended the wait early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    Timeout,
    Cancel,
}

/// How a timeout or a cancel ends the follow, with the note the report gives. Before the switch
/// the deployment is stopped (with rollback when configured); after it the release has
/// succeeded, and stopping would route the users back to the old fleet, so it is left serving.
pub fn interrupt(why: Interrupt, switched: bool) -> (EndState, Option<String>) {
    match (why, switched) {
        (Interrupt::Timeout, false) => (EndState::TimedOut, None),
        (Interrupt::Cancel, false) => (EndState::Cancelled, None),
        (Interrupt::Timeout, true) => (
            EndState::Released,
            Some("shipgate stopped following at timeout-minutes; the original fleet's termination wait goes on and the release stays".into()),
        ),
        (Interrupt::Cancel, true) => (
            EndState::Released,
            Some("the job was cancelled after the traffic switch: the released fleet keeps serving and the deployment was not stopped".into()),
        ),
    }
}

/// Polls a deployment until it is terminal or `budget` runs out; returns the last state seen.
async fn settle_deployment(
    cd: &CodeDeploy,
    id: &str,
    opts: &FollowOptions,
    budget: Duration,
    prev: Option<&DeploymentSnapshot>,
    rec: &mut Recorder<'_>,
) -> Option<DeploymentSnapshot> {
    let start = Instant::now();
    let mut last = prev.cloned();
    let mut n = 0;
    loop {
        if let Ok(s) = cd.deployment(id).await {
            rec.apply(describe_change(last.as_ref(), &s));
            let done = s.status.is_terminal();
            last = Some(s);
            if done {
                return last;
            }
        }
        if start.elapsed() >= budget {
            return last;
        }
        tokio::time::sleep(
            opts.poll
                .delay(n)
                .min(budget.saturating_sub(start.elapsed())),
        )
        .await;
        n += 1;
    }
}

/// Explains a failure, finds and follows the rollback, and builds the outcome.
async fn finish(
    cd: &CodeDeploy,
    snap: &mut DeploymentSnapshot,
    status: EndState,
    stop_error: Option<String>,
    opts: &FollowOptions,
    rec: &mut Recorder<'_>,
    started_at: SystemTime,
) -> FollowResult {
    let id = snap.id.clone();
    let mut outcome = FollowResult {
        deployment_id: id.clone(),
        status,
        final_status: snap.status.clone(),
        rolled_back: false,
        rollback_deployment_id: None,
        rollback_status: None,
        failure: None,
        stop_error,
        timeline: Vec::new(),
        started_at,
        duration: Duration::ZERO,
        phase: Phase::Done,
        switched_at: None,
        termination_ends: None,
        rerouted_back: false,
        note: None,
    };
    if !status.is_good() {
        if snap.status == DeploymentStatus::Failed {
            let targets = match cd.targets(&id).await {
                Ok(t) => t,
                Err(e) => {
                    rec.line(&format!("could not read the deployment's diagnostics: {e}"));
                    Vec::new()
                }
            };
            let detail = FailureDetail::from_parts(snap, &targets);
            rec.event(detail.summary());
            if let Some(tail) = detail.log_tail.as_deref().filter(|t| !t.trim().is_empty()) {
                rec.line("log tail:");
                for l in tail.lines() {
                    rec.line(&format!("  {l}"));
                }
            }
            outcome.failure = Some(detail);
        } else if status == EndState::Stopped
            && (snap.error_code.is_some() || snap.error_message.is_some())
        {
            // Stopped by someone else (console, alarm): say why. Our own stop explains itself.
            outcome.failure = Some(FailureDetail::from_parts(snap, &[]));
        }

        // rollbackInfo can appear a moment after the status turns; look again a few times. A
        // cancelled job has seconds before it is killed: one quick look, and no rollback follow.
        let cancelled = status == EndState::Cancelled;
        let grace_polls = if cancelled {
            1
        } else {
            opts.rollback_grace_polls
        };
        let mut grace = 0;
        while snap.rollback_deployment_id().is_none()
            && opts.auto_rollback
            && snap.status.is_terminal()
            && grace < grace_polls
        {
            let delay = if cancelled {
                Duration::ZERO
            } else {
                opts.poll.delay(grace as usize)
            };
            tokio::time::sleep(delay).await;
            grace += 1;
            if let Ok(s) = cd.deployment(&id).await {
                *snap = s;
            }
        }
        if let Some(rb) = snap.rollback_deployment_id().map(str::to_string) {
            rec.event(format!("rollback deployment {rb} started"));
            let rb_snap = if cancelled {
                cd.deployment(&rb).await.ok()
            } else {
                follow_rollback(cd, &rb, opts, rec).await
            };
            let rb_status = rb_snap.map(|s| s.status);
            match &rb_status {
                Some(DeploymentStatus::Succeeded) => rec.event(format!("rollback {rb} succeeded")),
                Some(s) => rec.event(format!("rollback {rb}: {s}")),
                None => rec.event(format!("rollback {rb}: state unknown")),
            }
            outcome.rolled_back = !matches!(
                rb_status,
                Some(DeploymentStatus::Failed | DeploymentStatus::Stopped)
            );
            outcome.rollback_deployment_id = Some(rb);
            outcome.rollback_status = rb_status;
        } else if snap.status.is_terminal() {
            rec.event(format!("no rollback deployment for {id}"));
        }
    }
    outcome.final_status = snap.status.clone();
    rec.mark(format!("{id} ended: {}", status.as_str()));
    outcome.duration = rec.started.elapsed();
    outcome.timeline = std::mem::take(&mut rec.timeline);
    outcome
}

/// Follows the rollback deployment for at most `rollback_wait`, prefixing its lines.
async fn follow_rollback(
    cd: &CodeDeploy,
    id: &str,
    opts: &FollowOptions,
    rec: &mut Recorder<'_>,
) -> Option<DeploymentSnapshot> {
    let start = Instant::now();
    let mut last: Option<DeploymentSnapshot> = None;
    let mut n = 0;
    loop {
        match cd.deployment(id).await {
            Ok(s) => {
                if let Some(l) = describe_change(last.as_ref(), &s).line {
                    rec.line(&format!("rollback {l}"));
                }
                let done = s.status.is_terminal();
                last = Some(s);
                if done {
                    return last;
                }
            }
            Err(e) if !e.is_transient() => {
                rec.line(&format!("could not read rollback deployment {id}: {e}"));
                return last;
            }
            Err(_) => {}
        }
        if start.elapsed() >= opts.rollback_wait {
            return last;
        }
        tokio::time::sleep(opts.poll.delay(n)).await;
        n += 1;
    }
}

/// Rolls back a deployment whose original fleet still runs (waiting in `Ready`, or in the
/// termination wait after the switch): StopDeployment with rollback makes CodeDeploy route the
/// traffic back to the original fleet in seconds, where a new deployment would rebuild a fleet.
pub async fn reroute_back(
    cd: &CodeDeploy,
    before: &DeploymentSnapshot,
    opts: &FollowOptions,
    sink: &mut dyn ProgressSink,
) -> FollowResult {
    let started_at = SystemTime::now();
    let mut rec = Recorder {
        sink,
        started: Instant::now(),
        timeline: Vec::new(),
    };
    let id = before.id.as_str();
    let was = phase(before);
    rec.event(format!(
        "{id}: {}: stopping it with rollback to route the traffic back to the original fleet",
        was.describe()
    ));
    let mut stop_error = None;
    match cd.stop_deployment(id, true).await {
        Ok(r) => rec.line(&format!(
            "StopDeployment: {}{}",
            r.status.as_deref().unwrap_or("requested"),
            r.message.map(|m| format!(" ({m})")).unwrap_or_default()
        )),
        Err(CodeDeployError::AlreadyCompleted(_)) => {
            rec.line(&format!("deployment {id} had already completed"));
        }
        Err(e) => {
            rec.event(format!("could not stop deployment {id}: {e}"));
            stop_error = Some(e.to_string());
        }
    }
    let settled = settle_deployment(cd, id, opts, opts.rollback_wait, Some(before), &mut rec).await;
    let snap = settled.unwrap_or_else(|| before.clone());
    let status = match snap.status {
        DeploymentStatus::Succeeded => EndState::Succeeded,
        DeploymentStatus::Failed => EndState::Failed,
        _ => EndState::Stopped,
    };
    let mut o = FollowResult {
        deployment_id: id.to_string(),
        status,
        final_status: snap.status.clone(),
        rolled_back: false,
        rollback_deployment_id: None,
        rollback_status: None,
        failure: None,
        stop_error,
        timeline: Vec::new(),
        started_at,
        duration: Duration::ZERO,
        phase: phase(&snap),
        switched_at: None,
        termination_ends: None,
        rerouted_back: false,
        note: None,
    };
    if let Some(rb) = snap.rollback_deployment_id().map(str::to_string) {
        // Some platforms roll back with a deployment of their own: follow it as usual.
        rec.event(format!("rollback deployment {rb} started"));
        let rb_status = follow_rollback(cd, &rb, opts, &mut rec)
            .await
            .map(|s| s.status);
        o.rolled_back = !matches!(
            rb_status,
            Some(DeploymentStatus::Failed | DeploymentStatus::Stopped)
        );
        o.rollback_deployment_id = Some(rb);
        o.rollback_status = rb_status;
    } else if snap.status == DeploymentStatus::Stopped && o.stop_error.is_none() {
        o.rerouted_back = true;
        o.rolled_back = true;
        rec.event(match was {
            Phase::Ready => format!(
                "{id} stopped before the switch: the original fleet kept the traffic throughout"
            ),
            _ => format!("{id} stopped: traffic routed back to the original fleet"),
        });
    } else {
        rec.event(format!("{id} did not stop: {}", snap.status));
    }
    rec.mark(format!("{id} ended: {}", o.status.as_str()));
    o.duration = rec.started.elapsed();
    o.timeline = std::mem::take(&mut rec.timeline);
    o
}

/// Waits for someone else's deployment (the group is busy, `on-active-deployment: wait`) to end.
/// Never stops it: it is not ours.
pub async fn wait_for_active(
    cd: &CodeDeploy,
    id: &str,
    opts: &FollowOptions,
    cancel: &CancellationToken,
    sink: &mut dyn ProgressSink,
) -> Result<DeploymentSnapshot, WaitError> {
    let start = Instant::now();
    let mut last: Option<DeploymentSnapshot> = None;
    let mut n = 0;
    emit(
        sink,
        &format!("deployment {id} is active in the group; waiting for it to finish"),
    );
    loop {
        match cd.deployment(id).await {
            Ok(s) => {
                if let Some(l) = describe_change(last.as_ref(), &s).line {
                    emit(sink, &l);
                }
                if s.status.is_terminal() {
                    return Ok(s);
                }
                // A released deployment still holds the group through its termination wait.
                let holding = phase(&s) == Phase::TerminationWait;
                if holding
                    && last
                        .as_ref()
                        .is_none_or(|p| phase(p) != Phase::TerminationWait)
                {
                    emit(
                        sink,
                        &format!("{id} is released and waits out its original fleet's termination wait, which keeps the group busy; `command: continue` (deployment-id {id}) ends the wait now"),
                    );
                }
                last = Some(s);
            }
            Err(e) if e.is_transient() => {}
            Err(e) => return Err(e.into()),
        }
        let remaining = opts.timeout.saturating_sub(start.elapsed());
        if remaining.is_zero() {
            return Err(WaitError::TimedOut {
                id: id.into(),
                waited: start.elapsed(),
            });
        }
        tokio::select! {
            _ = cancel.cancelled() => return Err(WaitError::Cancelled { id: id.into() }),
            _ = tokio::time::sleep(opts.poll.delay(n).min(remaining)) => {}
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codedeploy::types::{LifecycleEventReport, Overview};

    #[test]
    fn poll_schedule_repeats_its_last_step() {
        let p = PollSchedule::standard();
        let secs: Vec<u64> = (0..5).map(|n| p.delay(n).as_secs()).collect();
        assert_eq!(secs, vec![5, 10, 15, 15, 15]);
    }

    #[test]
    fn one_line_per_change_and_none_without_change() {
        let mut a = DeploymentSnapshot::new("d-1", DeploymentStatus::InProgress);
        a.overview = Some(Overview {
            pending: 2,
            ..Overview::default()
        });
        let first = describe_change(None, &a);
        assert_eq!(
            first.line.as_deref(),
            Some(
                "d-1: status InProgress; targets: pending 2, in progress 0, succeeded 0, failed 0"
            )
        );
        assert_eq!(first.timeline, vec!["d-1 InProgress".to_string()]);
        assert_eq!(describe_change(Some(&a), &a), Change::default());

        let mut b = a.clone();
        b.instance_termination_wait_started = true;
        b.status_messages = vec!["Traffic rerouted".into()];
        let c = describe_change(Some(&a), &b);
        assert!(c
            .line
            .as_deref()
            .unwrap_or("")
            .contains("termination wait started"));
        assert_eq!(c.timeline.len(), 2);
    }

    #[test]
    fn the_follow_ends_at_ready_or_the_switch_as_configured() {
        let mut o = FollowOptions::fast(Duration::from_secs(1), true);
        assert_eq!(stop_following(Phase::Deploying, &o), None);
        assert_eq!(stop_following(Phase::Ready, &o), None, "automatic switch");
        assert_eq!(
            stop_following(Phase::TerminationWait, &o),
            Some(EndState::Released)
        );
        o.end_at_ready = true;
        assert_eq!(stop_following(Phase::Ready, &o), Some(EndState::Ready));
        o.wait_for_termination = true;
        assert_eq!(stop_following(Phase::TerminationWait, &o), None);
        assert_eq!(stop_following(Phase::Done, &o), None);
    }

    #[test]
    fn our_timeout_or_cancel_never_undoes_a_switched_release() {
        assert_eq!(
            interrupt(Interrupt::Timeout, false),
            (EndState::TimedOut, None)
        );
        assert_eq!(
            interrupt(Interrupt::Cancel, false),
            (EndState::Cancelled, None)
        );
        for why in [Interrupt::Timeout, Interrupt::Cancel] {
            let (end, note) = interrupt(why, true);
            assert_eq!(end, EndState::Released);
            assert!(end.is_good() && note.is_some());
        }
    }

    #[test]
    fn script_output_cannot_issue_workflow_commands() {
        let mut lines = Vec::new();
        emit(
            &mut |l: &str| lines.push(l.to_string()),
            "ok\n  ::add-mask::x\r::stop-commands::t\n##[group]g\nnot::here",
        );
        assert_eq!(lines.len(), 5);
        for l in &lines {
            let t = l.trim_start();
            assert!(!t.starts_with("::") && !t.starts_with("##["), "{l}");
        }
        assert_eq!(lines[4], "not::here");
        assert_eq!(inert_line("  ::warning::w"), "  :\u{200B}:warning::w");
    }

    #[test]
    fn target_changes_are_printed_once() {
        let target = |status: &str, green: f64| TargetReport {
            target_id: "svc".into(),
            kind: "ECSTarget".into(),
            lifecycle_events: vec![
                LifecycleEventReport {
                    name: "Install".into(),
                    status: Some(status.into()),
                    ..Default::default()
                },
                LifecycleEventReport {
                    name: "AllowTraffic".into(),
                    status: Some("Pending".into()),
                    ..Default::default()
                },
            ],
            traffic: vec![("Blue".into(), 100.0 - green), ("Green".into(), green)],
            ..Default::default()
        };
        let mut seen = TargetsSeen::default();
        let first = seen.update(&[target("InProgress", 0.0)]);
        assert_eq!(
            first.lines,
            vec![
                "  svc: Install InProgress",
                "  svc: traffic Blue 100%, Green 0%"
            ]
        );
        assert_eq!(
            seen.update(&[target("InProgress", 0.0)]),
            TargetsChange::default()
        );
        let next = seen.update(&[target("Succeeded", 10.0)]);
        assert_eq!(
            next.lines,
            vec![
                "  svc: Install Succeeded",
                "  svc: traffic Blue 90%, Green 10%"
            ]
        );
        assert_eq!(
            next.timeline,
            vec!["Install Succeeded", "traffic Blue 90%, Green 10%"]
        );
    }

    #[test]
    fn failure_names_event_script_and_message() {
        let mut s = DeploymentSnapshot::new("d-1", DeploymentStatus::Failed);
        s.error_code = Some("HEALTH_CONSTRAINTS".into());
        let t = TargetReport {
            target_id: "i-0abc".into(),
            kind: "InstanceTarget".into(),
            lifecycle_events: vec![
                LifecycleEventReport {
                    name: "BeforeInstall".into(),
                    status: Some("Succeeded".into()),
                    ..Default::default()
                },
                LifecycleEventReport {
                    name: "AfterInstall".into(),
                    status: Some("Failed".into()),
                    error_code: Some("ScriptFailed".into()),
                    script_name: Some("scripts/migrate.sh".into()),
                    message: Some("Script at specified location: scripts/migrate.sh run as user root failed with exit code 1".into()),
                    log_tail: Some("boom".into()),
                },
            ],
            ..Default::default()
        };
        let d = FailureDetail::from_parts(&s, &[t]);
        assert_eq!(
            d.summary(),
            "AfterInstall failed on i-0abc: ScriptFailed in scripts/migrate.sh: Script at specified location: scripts/migrate.sh run as user root failed with exit code 1"
        );
        let only_error = FailureDetail::from_parts(&s, &[]);
        assert_eq!(
            only_error.summary(),
            "deployment failed (HEALTH_CONSTRAINTS)"
        );
    }
}
