//! A simulated AWS CodeDeploy: a real HTTP server on 127.0.0.1 speaking JSON 1.1 (`POST /`,
//! `x-amz-target: CodeDeploy_20141006.<Op>`), with in-memory applications, deployment groups and
//! deployments that move Created → InProgress → Succeeded/Failed/Stopped over successive
//! GetDeployment polls, the rollback deployments auto-rollback creates, target diagnostics,
//! `DeploymentLimitExceededException`, injectable throttling, and a request log.
//!
//! Every request body is validated against the service model subset in
//! `tests/fixtures/aws/codedeploy-model-subset.json` (from botocore's service-2.json).
//!
//! Anything AWS would not accept (an operation the simulator does not know, a body that breaks
//! the model, an unsigned request, a request that is not `POST /`) is recorded as a problem and
//! fails the test when the simulator is dropped, so no test has to remember to check; a test that
//! means to send such requests says why with [`Sim::allow_problems`].
#![allow(dead_code)] // each test binary uses a different part of the simulator

use serde_json::{json, Map, Value};
use shipgate::deploy::{ClientOptions, CodeDeploy};
use shipgate::retry::RetryPolicy;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TARGET_PREFIX: &str = "CodeDeploy_20141006.";
const MODEL: &str = include_str!("../fixtures/aws/codedeploy-model-subset.json");

/// How a simulated deployment ends.
#[derive(Debug, Clone)]
pub enum End {
    Succeed,
    /// A lifecycle event fails on the first target with these diagnostics.
    Fail {
        event: String,
        error_code: String,
        script: String,
        message: String,
        log_tail: String,
    },
    /// Stays InProgress until stopped.
    Hang,
}

impl End {
    /// The classic: AfterInstall's script exits 1.
    pub fn fail_after_install() -> End {
        End::Fail {
            event: "AfterInstall".into(),
            error_code: "ScriptFailed".into(),
            script: "scripts/after_install.sh".into(),
            message: "Script at specified location: scripts/after_install.sh run as user root failed with exit code 1".into(),
            log_tail: "[stdout]migrating...\n[stderr]ERROR: relation \"orders\" does not exist\n".into(),
        }
    }
}

/// The script of the next deployment(s) created.
#[derive(Debug, Clone)]
pub struct Plan {
    /// GetDeployment polls spent InProgress before the end.
    pub in_progress_polls: u32,
    pub end: End,
    /// Polls after the end before `rollbackInfo` shows up on the ended deployment.
    pub rollback_info_lag: u32,
    /// Blue/Green success: polls spent after the traffic switch in the original fleet's
    /// termination wait (`InProgress` with `instanceTerminationWaitTimeStarted`), as CodeDeploy
    /// does for `terminationWaitTimeInMinutes`. 0: Succeeded at the switch.
    pub termination_polls: u32,
}

impl Plan {
    pub fn new(in_progress_polls: u32, end: End) -> Plan {
        Plan {
            in_progress_polls,
            end,
            rollback_info_lag: 0,
            termination_polls: 0,
        }
    }

    /// Stays `termination_polls` polls in the termination wait after the switch (`u32::MAX`:
    /// until ContinueDeployment TERMINATION_WAIT or a stop).
    pub fn with_termination_wait(mut self, termination_polls: u32) -> Plan {
        self.termination_polls = termination_polls;
        self
    }
}

#[derive(Debug, Clone)]
struct Group {
    application: String,
    name: String,
    id: String,
    blue_green: bool,
    platform: String,
    config: String,
    auto_rollback: Value,
    last_attempted: Option<String>,
    last_successful: Option<String>,
    manual_switch: bool,
    ready_wait_minutes: i64,
    termination_wait_minutes: i64,
}

#[derive(Debug, Clone)]
struct Deployment {
    id: String,
    application: String,
    group: String,
    description: Option<String>,
    revision: Value,
    status: &'static str,
    creator: &'static str,
    plan: Plan,
    polls: u32,
    /// Polls since the end, for `rollback_info_lag`.
    polls_after_end: u32,
    create_time: f64,
    start_time: Option<f64>,
    complete_time: Option<f64>,
    auto_rollback: Value,
    rollback_info: Option<Value>,
    /// Set on the ended deployment once the lag has passed.
    pending_rollback_info: Option<Value>,
    error: Option<(String, String)>,
    messages: Vec<String>,
    termination_started: bool,
    platform: String,
    blue_green: bool,
    targets: Vec<String>,
    /// The group waits in Ready for ContinueDeployment READY_WAIT.
    manual_switch: bool,
    /// ContinueDeployment READY_WAIT was called.
    continued: bool,
    /// Polls spent in the termination wait.
    termination_polls_done: u32,
    /// ContinueDeployment TERMINATION_WAIT was called.
    termination_ended: bool,
}

/// One request the simulator answered.
#[derive(Debug, Clone)]
pub struct Call {
    pub op: String,
    pub body: Value,
    pub throttled: bool,
}

#[derive(Default)]
struct State {
    applications: Vec<String>,
    groups: BTreeMap<(String, String), Group>,
    deployments: Vec<Deployment>,
    plans: Vec<Plan>,
    throttle: HashMap<String, u32>,
    /// op → (error code, times left, whether the call takes effect before the error).
    faults: HashMap<String, (String, u32, bool)>,
    log: Vec<Call>,
    problems: Vec<String>,
    /// Why this test may leave problems behind; `None` fails the test at teardown.
    allow_problems: Option<String>,
    seq: u32,
    clock: f64,
    list_page_size: usize,
}

/// The simulated service; drop it to stop the server.
pub struct Sim {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
}

/// A group to create with [`Sim::add_group`].
#[derive(Debug, Clone)]
pub struct GroupSpec {
    pub blue_green: bool,
    /// `Server` or `ECS`.
    pub platform: String,
    /// The group's own auto-rollback (`enabled`, events).
    pub auto_rollback: bool,
    /// `deploymentReadyOption.actionOnTimeout: STOP_DEPLOYMENT`: deployments wait in Ready.
    pub manual_switch: bool,
    /// `deploymentReadyOption.waitTimeInMinutes`.
    pub ready_wait_minutes: i64,
    /// `terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes`.
    pub termination_wait_minutes: i64,
}

impl Default for GroupSpec {
    fn default() -> Self {
        GroupSpec {
            blue_green: true,
            platform: "Server".into(),
            auto_rollback: true,
            manual_switch: false,
            ready_wait_minutes: 0,
            termination_wait_minutes: 5,
        }
    }
}

impl Sim {
    pub async fn start() -> Sim {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            // Real time, so createTimeRange filters behave as against AWS.
            clock: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
            list_page_size: 2,
            ..State::default()
        }));
        Mock::given(method("POST"))
            .and(path("/"))
            .respond_with(Responder {
                state: state.clone(),
                model: serde_json::from_str(MODEL).expect("model subset parses"),
            })
            .mount(&server)
            .await;
        // CodeDeploy's JSON 1.1 protocol has one route; anything else is a bug in the caller.
        Mock::given(any())
            .respond_with(Unrouted {
                state: state.clone(),
            })
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        Sim { server, state }
    }

    /// Lets this test leave problems behind without failing at teardown; say why.
    pub fn allow_problems(&self, reason: &str) {
        assert!(!reason.trim().is_empty(), "say why problems are fine");
        self.st().allow_problems = Some(reason.to_string());
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A client of the real SDK pointed at this server, with millisecond retries.
    pub async fn client(&self) -> CodeDeploy {
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("ap-northeast-1"))
            .credentials_provider(aws_sdk_codedeploy::config::Credentials::new(
                "AKIDSIMULATED",
                "simulated-secret",
                None,
                None,
                "codedeploy-sim",
            ))
            .endpoint_url(self.server.uri())
            .load()
            .await;
        CodeDeploy::from_sdk_config(&conf, RetryPolicy::fast())
    }

    /// Options for [`CodeDeploy::connect`] pointed at this server.
    pub fn options(&self) -> ClientOptions {
        ClientOptions {
            endpoint_url: Some(self.server.uri()),
            region: Some("ap-northeast-1".into()),
            retry: RetryPolicy::fast(),
        }
    }

    pub fn add_group(&self, application: &str, group: &str, spec: GroupSpec) {
        let mut st = self.st();
        if !st.applications.iter().any(|a| a == application) {
            st.applications.push(application.to_string());
        }
        let n = st.groups.len();
        st.groups.insert(
            (application.into(), group.into()),
            Group {
                application: application.into(),
                name: group.into(),
                id: format!("00000000-0000-4000-8000-{n:012}"),
                blue_green: spec.blue_green,
                platform: spec.platform,
                config: "CodeDeployDefault.AllAtOnce".into(),
                auto_rollback: json!({
                    "enabled": spec.auto_rollback,
                    "events": if spec.auto_rollback { json!(["DEPLOYMENT_FAILURE"]) } else { json!([]) },
                }),
                last_attempted: None,
                last_successful: None,
                manual_switch: spec.manual_switch,
                ready_wait_minutes: spec.ready_wait_minutes,
                termination_wait_minutes: spec.termination_wait_minutes,
            },
        );
    }

    /// The plan of the next created deployment; later ones use later plans, then the default
    /// (success after two InProgress polls).
    pub fn plan(&self, plan: Plan) {
        self.st().plans.push(plan);
    }

    /// The next `times` calls of `op` answer ThrottlingException.
    pub fn throttle(&self, op: &str, times: u32) {
        self.st().throttle.insert(op.to_string(), times);
    }

    /// The next `times` calls of `op` answer the error `code` (HTTP 400 with `__type`).
    /// `took_effect`: the call is carried out first, then answered with the error, as when a
    /// connection breaks after AWS accepted the request.
    pub fn fail(&self, op: &str, code: &str, times: u32, took_effect: bool) {
        self.st()
            .faults
            .insert(op.to_string(), (code.to_string(), times, took_effect));
    }

    /// Starts a deployment as if someone else had (console, another workflow).
    pub fn seed_deployment(
        &self,
        application: &str,
        group: &str,
        description: &str,
        plan: Plan,
    ) -> String {
        let mut st = self.st();
        let body = json!({
            "applicationName": application,
            "deploymentGroupName": group,
            "description": description,
            "revision": {"revisionType": "S3", "s3Location": {"bucket": "other", "key": "other.zip", "bundleType": "zip"}},
        });
        st.plans.insert(0, plan);
        match create(&mut st, &body) {
            Ok(v) => v["deploymentId"].as_str().unwrap_or_default().to_string(),
            Err((code, msg)) => panic!("seed_deployment: {code}: {msg}"),
        }
    }

    /// Like [`Sim::seed_deployment`], with the revision (and description, if any) someone
    /// else's deployment used: a console deploy of one of the pipeline's artifacts.
    pub fn seed_deployment_with(
        &self,
        application: &str,
        group: &str,
        description: Option<&str>,
        revision: Value,
        plan: Plan,
    ) -> String {
        let mut st = self.st();
        let mut body = json!({
            "applicationName": application,
            "deploymentGroupName": group,
            "revision": revision,
        });
        if let Some(d) = description {
            body["description"] = json!(d);
        }
        st.plans.insert(0, plan);
        match create(&mut st, &body) {
            Ok(v) => v["deploymentId"].as_str().unwrap_or_default().to_string(),
            Err((code, msg)) => panic!("seed_deployment_with: {code}: {msg}"),
        }
    }

    /// The operations called, in order (throttled answers included, marked with `!`).
    pub fn ops(&self) -> Vec<String> {
        self.st()
            .log
            .iter()
            .map(|c| {
                if c.throttled {
                    format!("{}!", c.op)
                } else {
                    c.op.clone()
                }
            })
            .collect()
    }

    pub fn calls(&self, op: &str) -> Vec<Value> {
        self.st()
            .log
            .iter()
            .filter(|c| c.op == op && !c.throttled)
            .map(|c| c.body.clone())
            .collect()
    }

    /// Requests the simulator could not accept as AWS would (bad shape, unknown operation,
    /// missing headers). Dropping the simulator fails the test unless this is empty.
    pub fn problems(&self) -> Vec<String> {
        self.st().problems.clone()
    }

    /// A deployment's status as stored.
    pub fn status(&self, id: &str) -> Option<String> {
        self.st()
            .deployments
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.status.to_string())
    }

    /// Traffic has switched and the original fleet waits (or waited) to be terminated.
    pub fn termination_started(&self, id: &str) -> bool {
        self.st()
            .deployments
            .iter()
            .any(|d| d.id == id && d.termination_started)
    }

    pub fn deployment_ids(&self) -> Vec<String> {
        self.st().deployments.iter().map(|d| d.id.clone()).collect()
    }

    /// Moves a deployment's creation time `secs` into the past.
    pub fn age_deployment(&self, id: &str, secs: f64) {
        if let Some(d) = self.st().deployments.iter_mut().find(|d| d.id == id) {
            d.create_time -= secs;
        }
    }

    pub fn set_list_page_size(&self, n: usize) {
        self.st().list_page_size = n.max(1);
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        // A second panic while unwinding would abort and hide the first failure.
        if std::thread::panicking() {
            return;
        }
        let st = self.st();
        if st.allow_problems.is_none() && !st.problems.is_empty() {
            panic!(
                "the simulated CodeDeploy got requests AWS would not accept: {:?}\nteach \
                 tests/codedeploy_sim the operation, or call sim.allow_problems(\"why\") in the test",
                st.problems
            );
        }
    }
}

struct Responder {
    state: Arc<Mutex<State>>,
    model: Value,
}

/// Answers every request that is not `POST /`.
struct Unrouted {
    state: Arc<Mutex<State>>,
}

impl Respond for Unrouted {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let what = format!("{} {}", req.method, req.url.path());
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .problems
            .push(format!("no such route: {what}"));
        ResponseTemplate::new(501)
            .set_body_string(format!("the simulated CodeDeploy has no route for {what}"))
    }
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let target = req
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let content_type = req
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if content_type != "application/x-amz-json-1.1" {
            st.problems
                .push(format!("{target}: content-type {content_type}"));
        }
        if req.headers.get("authorization").is_none() {
            st.problems.push(format!("{target}: request not signed"));
        }
        let Some(op) = target.strip_prefix(TARGET_PREFIX).map(str::to_string) else {
            st.problems.push(format!("bad x-amz-target '{target}'"));
            return error("UnknownOperationException", "bad target");
        };
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let throttled = match st.throttle.get_mut(&op) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        };
        st.log.push(Call {
            op: op.clone(),
            body: body.clone(),
            throttled,
        });
        if throttled {
            return error("ThrottlingException", "Rate exceeded");
        }
        let fault = match st.faults.get_mut(&op) {
            Some((code, n, took_effect)) if *n > 0 => {
                *n -= 1;
                Some((code.clone(), *took_effect))
            }
            _ => None,
        };
        if let Some((code, false)) = &fault {
            return fault_answer(code, "injected fault");
        }
        let Some(input) = self.model["operations"][&op]["input"].as_str() else {
            st.problems.push(format!("operation {op} is not modelled"));
            return error(
                "UnknownOperationException",
                &format!("unknown operation {op}"),
            );
        };
        let mut issues = Vec::new();
        validate(&self.model, input, &body, &op, &mut issues);
        if !issues.is_empty() {
            st.problems.extend(issues.iter().cloned());
            return error("InvalidInputException", &issues.join("; "));
        }
        let result = match op.as_str() {
            "GetDeploymentGroup" => get_group(&st, &body),
            "CreateDeployment" => create(&mut st, &body),
            "GetDeployment" => get_deployment(&mut st, &body),
            "ListDeployments" => list_deployments(&st, &body),
            "BatchGetDeployments" => batch_get(&st, &body),
            "StopDeployment" => stop(&mut st, &body),
            "ContinueDeployment" => continue_deployment(&mut st, &body),
            "ListDeploymentTargets" => list_targets(&st, &body),
            "BatchGetDeploymentTargets" => batch_targets(&st, &body),
            other => {
                st.problems
                    .push(format!("simulator does not implement {other}"));
                Err(("UnknownOperationException".into(), other.to_string()))
            }
        };
        if let Some((code, true)) = &fault {
            return fault_answer(code, "injected fault after the call took effect");
        }
        match result {
            Ok(v) => ResponseTemplate::new(200).set_body_raw(
                serde_json::to_vec(&v).unwrap_or_default(),
                "application/x-amz-json-1.1",
            ),
            Err((code, msg)) => error(&code, &msg),
        }
    }
}

/// An injected error: `InternalFailure` / `ServiceUnavailable` answer 5xx as AWS does, the
/// rest 400.
fn fault_answer(code: &str, message: &str) -> ResponseTemplate {
    let status = match code {
        "InternalFailure" => 500,
        "ServiceUnavailable" => 503,
        _ => 400,
    };
    let body = json!({"__type": code, "message": message});
    ResponseTemplate::new(status).set_body_raw(
        serde_json::to_vec(&body).unwrap_or_default(),
        "application/x-amz-json-1.1",
    )
}

fn error(code: &str, message: &str) -> ResponseTemplate {
    let body = json!({"__type": code, "message": message});
    ResponseTemplate::new(400).set_body_raw(
        serde_json::to_vec(&body).unwrap_or_default(),
        "application/x-amz-json-1.1",
    )
}

/// Checks a request value against a modelled shape: required members, no unknown members, enum
/// values, list members.
fn validate(model: &Value, shape: &str, v: &Value, at: &str, issues: &mut Vec<String>) {
    let Some(def) = model["shapes"].get(shape) else {
        return; // not modelled in the subset: primitive or a shape shipgate never sends
    };
    if let Some(values) = def["enum"].as_array() {
        if !values.iter().any(|e| e == v) {
            issues.push(format!("{at}: {v} is not a {shape}"));
        }
        return;
    }
    if let Some(member) = def["list"].as_str() {
        match v.as_array() {
            Some(items) => items
                .iter()
                .for_each(|i| validate(model, member, i, at, issues)),
            None => issues.push(format!("{at}: expected a list")),
        }
        return;
    }
    let Some(obj) = v.as_object() else {
        issues.push(format!("{at}: expected an object for {shape}"));
        return;
    };
    for r in def["required"].as_array().into_iter().flatten() {
        if let Some(r) = r.as_str() {
            if !obj.contains_key(r) {
                issues.push(format!("{at}: missing required {r}"));
            }
        }
    }
    for (k, val) in obj {
        match def["members"][k].as_str() {
            Some(s) => validate(model, s, val, &format!("{at}.{k}"), issues),
            None => issues.push(format!("{at}: unknown member {k}")),
        }
    }
}

type Answer = Result<Value, (String, String)>;

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_string()
}

fn find_group<'a>(st: &'a State, app: &str, group: &str) -> Result<&'a Group, (String, String)> {
    if !st.applications.iter().any(|a| a == app) {
        return Err((
            "ApplicationDoesNotExistException".into(),
            format!("No application found for name: {app}"),
        ));
    }
    st.groups
        .get(&(app.to_string(), group.to_string()))
        .ok_or_else(|| {
            (
                "DeploymentGroupDoesNotExistException".into(),
                format!("No Deployment Group found for name: {group}"),
            )
        })
}

fn last_info(st: &State, id: &Option<String>) -> Value {
    match id
        .as_ref()
        .and_then(|id| st.deployments.iter().find(|d| &d.id == id))
    {
        Some(d) => json!({
            "deploymentId": d.id,
            "status": d.status,
            "createTime": d.create_time,
            "endTime": d.complete_time,
        }),
        None => Value::Null,
    }
}

fn get_group(st: &State, body: &Value) -> Answer {
    let g = find_group(
        st,
        &s(body, "applicationName"),
        &s(body, "deploymentGroupName"),
    )?;
    let mut info = json!({
        "applicationName": g.application,
        "deploymentGroupId": g.id,
        "deploymentGroupName": g.name,
        "deploymentConfigName": g.config,
        "serviceRoleArn": "arn:aws:iam::123456789012:role/CodeDeployServiceRole",
        "autoRollbackConfiguration": g.auto_rollback,
        "deploymentStyle": {
            "deploymentType": if g.blue_green { "BLUE_GREEN" } else { "IN_PLACE" },
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        "computePlatform": g.platform,
    });
    if g.blue_green {
        info["blueGreenDeploymentConfiguration"] = json!({
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": g.termination_wait_minutes},
            "deploymentReadyOption": {
                "actionOnTimeout": if g.manual_switch { "STOP_DEPLOYMENT" } else { "CONTINUE_DEPLOYMENT" },
                "waitTimeInMinutes": g.ready_wait_minutes,
            },
        });
    }
    let la = last_info(st, &g.last_attempted);
    if !la.is_null() {
        info["lastAttemptedDeployment"] = la;
    }
    let ls = last_info(st, &g.last_successful);
    if !ls.is_null() {
        info["lastSuccessfulDeployment"] = ls;
        if let Some(d) = st
            .deployments
            .iter()
            .find(|d| Some(&d.id) == g.last_successful.as_ref())
        {
            info["targetRevision"] = d.revision.clone();
        }
    }
    Ok(json!({"deploymentGroupInfo": info}))
}

fn is_active(status: &str) -> bool {
    !matches!(status, "Succeeded" | "Failed" | "Stopped")
}

fn create(st: &mut State, body: &Value) -> Answer {
    let app = s(body, "applicationName");
    let group_name = s(body, "deploymentGroupName");
    let g = find_group(st, &app, &group_name)?.clone();
    if body.get("revision").is_none() {
        return Err((
            "RevisionRequiredException".into(),
            "revision is required".into(),
        ));
    }
    if let Some(active) = st
        .deployments
        .iter()
        .find(|d| d.application == app && d.group == group_name && is_active(d.status))
    {
        return Err((
            "DeploymentLimitExceededException".into(),
            format!(
                "The Deployment Group '{group_name}' already has an active Deployment '{}'",
                active.id
            ),
        ));
    }
    let plan = if st.plans.is_empty() {
        Plan::new(2, End::Succeed)
    } else {
        st.plans.remove(0)
    };
    let auto_rollback = body
        .get("autoRollbackConfiguration")
        .cloned()
        .unwrap_or_else(|| g.auto_rollback.clone());
    let id = new_deployment(st, &g, body, plan, auto_rollback, "user");
    if let Some(g) = st.groups.get_mut(&(app, group_name)) {
        g.last_attempted = Some(id.clone());
    }
    Ok(json!({"deploymentId": id}))
}

fn new_deployment(
    st: &mut State,
    g: &Group,
    body: &Value,
    plan: Plan,
    auto_rollback: Value,
    creator: &'static str,
) -> String {
    st.seq += 1;
    st.clock += 1.0;
    let id = format!("d-SIM{:06}", st.seq);
    let targets = if g.platform == "ECS" {
        vec![format!("{}:shop-cluster:shop-service", g.name)]
    } else {
        vec!["i-0aaa1111bbbb2222c".into(), "i-0ddd3333eeee4444f".into()]
    };
    st.deployments.push(Deployment {
        id: id.clone(),
        application: g.application.clone(),
        group: g.name.clone(),
        description: body["description"].as_str().map(str::to_string),
        revision: body["revision"].clone(),
        status: "Created",
        creator,
        plan,
        polls: 0,
        polls_after_end: 0,
        create_time: st.clock,
        start_time: None,
        complete_time: None,
        auto_rollback,
        rollback_info: None,
        pending_rollback_info: None,
        error: None,
        messages: Vec::new(),
        termination_started: false,
        platform: g.platform.clone(),
        blue_green: g.blue_green,
        targets,
        manual_switch: g.manual_switch && g.blue_green,
        continued: false,
        termination_polls_done: 0,
        termination_ended: false,
    });
    id
}

fn rollback_enabled(d: &Deployment, event: &str) -> bool {
    d.auto_rollback["enabled"].as_bool() == Some(true)
        && d.auto_rollback["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x == event))
}

/// Starts the rollback deployment of `idx` (auto-rollback on failure, or stop with rollback).
fn start_rollback(st: &mut State, idx: usize) {
    let d = st.deployments[idx].clone();
    let Some(g) = st
        .groups
        .get(&(d.application.clone(), d.group.clone()))
        .cloned()
    else {
        return;
    };
    let previous = g
        .last_successful
        .as_ref()
        .and_then(|id| st.deployments.iter().find(|x| &x.id == id))
        .map(|x| x.revision.clone())
        .unwrap_or_else(|| d.revision.clone());
    let body = json!({"revision": previous});
    let rb = new_deployment(
        st,
        &g,
        &body,
        Plan::new(1, End::Succeed),
        json!({"enabled": false}),
        "codeDeployRollback",
    );
    if let Some(r) = st.deployments.iter_mut().find(|x| x.id == rb) {
        r.rollback_info = Some(json!({
            "rollbackTriggeringDeploymentId": d.id,
            "rollbackMessage": format!("Deployment {rb} is a rollback of {}", d.id),
        }));
    }
    let info = json!({
        "rollbackDeploymentId": rb,
        "rollbackMessage": format!("Deployment {} rolled back by {rb}", d.id),
    });
    let dep = &mut st.deployments[idx];
    if dep.plan.rollback_info_lag == 0 {
        dep.rollback_info = Some(info);
    } else {
        dep.pending_rollback_info = Some(info);
    }
}

fn advance(st: &mut State, idx: usize) {
    st.clock += 1.0;
    let now = st.clock;
    let d = &mut st.deployments[idx];
    if !is_active(d.status) {
        d.polls_after_end += 1;
        if d.polls_after_end >= d.plan.rollback_info_lag {
            if let Some(info) = d.pending_rollback_info.take() {
                d.rollback_info = Some(info);
            }
        }
        return;
    }
    d.polls += 1;
    if d.polls == 1 {
        return; // the first poll still sees Created
    }
    if d.polls <= 1 + d.plan.in_progress_polls || matches!(d.plan.end, End::Hang) {
        d.status = "InProgress";
        d.start_time.get_or_insert(now);
        return;
    }
    if matches!(d.plan.end, End::Succeed) && d.blue_green {
        // A manual switch: the replacement fleet waits in Ready until ContinueDeployment.
        if d.manual_switch && !d.continued {
            d.status = "Ready";
            return;
        }
        // After the switch the original fleet waits out terminationWaitTimeInMinutes; the
        // deployment stays InProgress all that time.
        if !d.termination_ended && d.termination_polls_done < d.plan.termination_polls {
            if !d.termination_started {
                d.messages
                    .push("Traffic rerouted to the replacement instances".into());
            }
            d.status = "InProgress";
            d.termination_started = true;
            d.termination_polls_done += 1;
            return;
        }
    }
    d.complete_time = Some(now);
    match d.plan.end.clone() {
        End::Succeed => {
            d.status = "Succeeded";
            d.termination_started = d.blue_green;
            let (app, group, id) = (d.application.clone(), d.group.clone(), d.id.clone());
            if let Some(g) = st.groups.get_mut(&(app, group)) {
                g.last_successful = Some(id);
            }
        }
        End::Fail { .. } => {
            d.status = "Failed";
            d.error = Some((
                "HEALTH_CONSTRAINTS".into(),
                "The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.".into(),
            ));
            if rollback_enabled(d, "DEPLOYMENT_FAILURE") {
                start_rollback(st, idx);
            }
        }
        End::Hang => {}
    }
}

fn events_for(d: &Deployment, target_no: usize) -> Vec<Value> {
    let names: &[&str] = if d.platform == "ECS" {
        &[
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "AllowTestTraffic",
            "AfterAllowTestTraffic",
            "BeforeAllowTraffic",
            "AllowTraffic",
            "AfterAllowTraffic",
        ]
    } else {
        &[
            "ApplicationStop",
            "DownloadBundle",
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "ApplicationStart",
            "ValidateService",
            "BeforeAllowTraffic",
            "AllowTraffic",
            "AfterAllowTraffic",
        ]
    };
    let mut failed_seen = false;
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let status = match (&d.status, &d.plan.end) {
                (&"Succeeded", _) => "Succeeded",
                (&"Failed", End::Fail { event, .. }) if target_no == 0 => {
                    if failed_seen {
                        "Skipped"
                    } else if event == name {
                        failed_seen = true;
                        "Failed"
                    } else {
                        "Succeeded"
                    }
                }
                (&"Failed", _) | (&"Stopped", _) => {
                    if (i as u32) < d.polls {
                        "Succeeded"
                    } else {
                        "Skipped"
                    }
                }
                (&"InProgress", _) if d.termination_started => "Succeeded",
                (&"Ready", _) if names[i + 1..].contains(&"BeforeAllowTraffic") => "Succeeded",
                (&"InProgress", _) if (i as u32) + 2 < d.polls => "Succeeded",
                (&"InProgress", _) if (i as u32) + 2 == d.polls => "InProgress",
                _ => "Pending",
            };
            let mut e = json!({"lifecycleEventName": name, "status": status});
            if status == "Failed" {
                if let End::Fail {
                    error_code,
                    script,
                    message,
                    log_tail,
                    ..
                } = &d.plan.end
                {
                    e["diagnostics"] = json!({
                        "errorCode": error_code,
                        "scriptName": script,
                        "message": message,
                        "logTail": log_tail,
                    });
                }
            } else if status == "Succeeded" {
                e["diagnostics"] = json!({"errorCode": "Success", "scriptName": "", "message": "Succeeded", "logTail": ""});
            }
            e
        })
        .collect()
}

fn target_status(d: &Deployment, target_no: usize) -> &'static str {
    match d.status {
        "Succeeded" => "Succeeded",
        "Failed" if target_no == 0 => "Failed",
        "Failed" | "Stopped" => "Skipped",
        "Ready" => "Ready",
        "InProgress" if d.termination_started => "Succeeded",
        "InProgress" => "InProgress",
        _ => "Pending",
    }
}

fn deployment_info(d: &Deployment) -> Value {
    let n = d.targets.len() as i64;
    let count = |st: &str| {
        (0..d.targets.len())
            .filter(|i| target_status(d, *i) == st)
            .count() as i64
    };
    let mut v = json!({
        "applicationName": d.application,
        "deploymentGroupName": d.group,
        "deploymentConfigName": "CodeDeployDefault.AllAtOnce",
        "deploymentId": d.id,
        "revision": d.revision,
        "status": d.status,
        "createTime": d.create_time,
        "creator": d.creator,
        "ignoreApplicationStopFailures": false,
        "autoRollbackConfiguration": d.auto_rollback,
        "updateOutdatedInstancesOnly": false,
        "deploymentStyle": {
            "deploymentType": if d.blue_green { "BLUE_GREEN" } else { "IN_PLACE" },
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        "instanceTerminationWaitTimeStarted": d.termination_started,
        "fileExistsBehavior": "DISALLOW",
        "deploymentStatusMessages": d.messages,
        "computePlatform": d.platform,
        "deploymentOverview": {
            "Pending": count("Pending"),
            "InProgress": count("InProgress"),
            "Succeeded": count("Succeeded"),
            "Failed": count("Failed"),
            "Skipped": count("Skipped"),
            "Ready": count("Ready"),
        },
    });
    let _ = n;
    if let Some(desc) = &d.description {
        v["description"] = json!(desc);
    }
    if let Some(t) = d.start_time {
        v["startTime"] = json!(t);
    }
    if let Some(t) = d.complete_time {
        v["completeTime"] = json!(t);
    }
    if let Some((code, message)) = &d.error {
        v["errorInformation"] = json!({"code": code, "message": message});
    }
    if let Some(r) = &d.rollback_info {
        v["rollbackInfo"] = r.clone();
    }
    v
}

fn find_idx(st: &State, id: &str) -> Result<usize, (String, String)> {
    st.deployments
        .iter()
        .position(|d| d.id == id)
        .ok_or_else(|| {
            (
                "DeploymentDoesNotExistException".into(),
                format!("The deployment {id} could not be found."),
            )
        })
}

fn get_deployment(st: &mut State, body: &Value) -> Answer {
    let idx = find_idx(st, &s(body, "deploymentId"))?;
    advance(st, idx);
    Ok(json!({"deploymentInfo": deployment_info(&st.deployments[idx])}))
}

fn list_deployments(st: &State, body: &Value) -> Answer {
    let app = s(body, "applicationName");
    let group = s(body, "deploymentGroupName");
    find_group(st, &app, &group)?;
    let statuses: Vec<String> = body["includeOnlyStatuses"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let ids: Vec<&str> = st
        .deployments
        .iter()
        .rev() // newest first
        .filter(|d| d.application == app && d.group == group)
        .filter(|d| statuses.is_empty() || statuses.iter().any(|x| x == d.status))
        .filter(|d| {
            body["createTimeRange"]["start"]
                .as_f64()
                .is_none_or(|t| d.create_time >= t)
        })
        .filter(|d| {
            body["createTimeRange"]["end"]
                .as_f64()
                .is_none_or(|t| d.create_time <= t)
        })
        .map(|d| d.id.as_str())
        .collect();
    let start: usize = match body["nextToken"].as_str() {
        Some(t) => t.parse().map_err(|_| {
            (
                "InvalidNextTokenException".to_string(),
                "bad token".to_string(),
            )
        })?,
        None => 0,
    };
    let end = (start + st.list_page_size).min(ids.len());
    let mut out = Map::new();
    out.insert(
        "deployments".into(),
        json!(ids.get(start..end).unwrap_or_default()),
    );
    if end < ids.len() {
        out.insert("nextToken".into(), json!(end.to_string()));
    }
    Ok(Value::Object(out))
}

fn batch_get(st: &State, body: &Value) -> Answer {
    let ids = body["deploymentIds"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if ids.len() > 25 {
        return Err(("BatchLimitExceededException".into(), "at most 25".into()));
    }
    let infos: Vec<Value> = ids
        .iter()
        .filter_map(|id| id.as_str())
        .filter_map(|id| st.deployments.iter().find(|d| d.id == id))
        .map(deployment_info)
        .collect();
    Ok(json!({"deploymentsInfo": infos}))
}

fn stop(st: &mut State, body: &Value) -> Answer {
    let id = s(body, "deploymentId");
    let idx = find_idx(st, &id)?;
    if !is_active(st.deployments[idx].status) {
        return Err((
            "DeploymentAlreadyCompletedException".into(),
            format!("The deployment {id} has already completed."),
        ));
    }
    st.clock += 1.0;
    let now = st.clock;
    let rollback = match body["autoRollbackEnabled"].as_bool() {
        Some(b) => b,
        None => rollback_enabled(&st.deployments[idx], "DEPLOYMENT_STOP_ON_REQUEST"),
    };
    // The original fleet still runs (Ready, or the termination wait): a rollback routes the
    // traffic back to it, with no rollback deployment.
    let original_runs = {
        let d = &st.deployments[idx];
        d.blue_green && (d.status == "Ready" || d.termination_started)
    };
    {
        let d = &mut st.deployments[idx];
        d.status = "Stopped";
        d.complete_time = Some(now);
        d.error = Some((
            "MANUAL_STOP".into(),
            "The deployment was stopped by a user.".into(),
        ));
    }
    if rollback && original_runs {
        let d = &mut st.deployments[idx];
        d.messages
            .push("Traffic rerouted to the original instances".into());
        d.rollback_info = Some(json!({
            "rollbackMessage": "Traffic was rerouted to the original instances.",
        }));
    } else if rollback {
        start_rollback(st, idx);
    }
    Ok(json!({"status": "Succeeded", "statusMessage": "Deployment stopped"}))
}

fn list_targets(st: &State, body: &Value) -> Answer {
    let idx = find_idx(st, &s(body, "deploymentId"))?;
    let d = &st.deployments[idx];
    if d.status == "Created" {
        return Err((
            "DeploymentNotStartedException".into(),
            "The deployment has not started.".into(),
        ));
    }
    Ok(json!({"targetIds": d.targets}))
}

fn batch_targets(st: &State, body: &Value) -> Answer {
    let idx = find_idx(st, &s(body, "deploymentId"))?;
    let d = &st.deployments[idx];
    let mut out = Vec::new();
    for t in body["targetIds"].as_array().into_iter().flatten() {
        let Some(tid) = t.as_str() else { continue };
        let Some(no) = d.targets.iter().position(|x| x == tid) else {
            return Err((
                "DeploymentTargetDoesNotExistException".into(),
                format!("target {tid} does not exist"),
            ));
        };
        let common = json!({
            "deploymentId": d.id,
            "targetId": tid,
            "status": target_status(d, no),
            "lastUpdatedAt": d.complete_time.unwrap_or(d.create_time),
            "lifecycleEvents": events_for(d, no),
        });
        let target = if d.platform == "ECS" {
            let mut e = common;
            e["targetArn"] = json!(format!(
                "arn:aws:ecs:ap-northeast-1:123456789012:service/{tid}"
            ));
            let green = if d.status == "Succeeded" { 100.0 } else { 0.0 };
            e["taskSetsInfo"] = json!([
                {"identifer": "ecs-svc/1111", "desiredCount": 2, "pendingCount": 0, "runningCount": 2,
                 "status": "ACTIVE", "trafficWeight": 100.0 - green, "targetGroup": {"name": "shop-blue"}, "taskSetLabel": "Blue"},
                {"identifer": "ecs-svc/2222", "desiredCount": 2, "pendingCount": 0, "runningCount": 2,
                 "status": "PRIMARY", "trafficWeight": green, "targetGroup": {"name": "shop-green"}, "taskSetLabel": "Green"},
            ]);
            json!({"deploymentTargetType": "ECSTarget", "ecsTarget": e})
        } else {
            let mut e = common;
            e["targetArn"] = json!(format!(
                "arn:aws:ec2:ap-northeast-1:123456789012:instance/{tid}"
            ));
            e["instanceLabel"] = json!("Green");
            json!({"deploymentTargetType": "InstanceTarget", "instanceTarget": e})
        };
        out.push(target);
    }
    Ok(json!({"deploymentTargets": out}))
}

/// ContinueDeployment: READY_WAIT starts the switch of a deployment waiting in Ready;
/// TERMINATION_WAIT ends the original fleet's termination wait early.
fn continue_deployment(st: &mut State, body: &Value) -> Answer {
    let id = s(body, "deploymentId");
    let idx = find_idx(st, &id)?;
    let d = &mut st.deployments[idx];
    if !is_active(d.status) {
        return Err((
            "DeploymentAlreadyCompletedException".into(),
            format!("The deployment {id} has already completed."),
        ));
    }
    if !d.blue_green {
        return Err((
            "UnsupportedActionForDeploymentTypeException".into(),
            "ContinueDeployment applies to blue/green deployments".into(),
        ));
    }
    match body["deploymentWaitType"].as_str().unwrap_or("READY_WAIT") {
        "TERMINATION_WAIT" => {
            if !d.termination_started {
                return Err((
                    "InvalidDeploymentStatusException".into(),
                    format!("The deployment {id} is not in its termination wait."),
                ));
            }
            d.termination_ended = true;
        }
        _ => {
            if d.status != "Ready" {
                return Err((
                    "DeploymentIsNotInReadyStateException".into(),
                    format!("The deployment {id} is not in the Ready state."),
                ));
            }
            d.continued = true;
            d.status = "InProgress";
        }
    }
    Ok(json!({}))
}
