//! A simulated GitHub REST API (wiremock) with in-memory state: PRs, files, contents,
//! comments, check runs, deployments. Answers reuse the real example payloads in
//! `tests/fixtures/github/`.
//!
//! A request to a route the simulator does not know is answered 501 (so the binary fails loudly
//! instead of treating it as a missing object) and fails the test when the simulator is dropped,
//! the way rust-lang/bors' harness owns its teardown check: no test has to remember to ask. A
//! test that means to send such requests says why with [`GitHubSim::allow_unexpected`]. A 404 is
//! still the answer for a known route on a missing object (a PR or file that does not exist).

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/github/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Value,
    pub authorization: Option<String>,
}

#[derive(Default)]
pub struct State {
    pub pulls: HashMap<u64, Value>,
    pub files: HashMap<u64, Vec<Value>>,
    /// (ref, path) → text.
    pub contents: HashMap<(String, String), String>,
    /// issue number → comments.
    pub comments: HashMap<u64, Vec<Value>>,
    pub check_runs: Vec<Value>,
    pub commit_pulls: HashMap<String, Vec<u64>>,
    /// Issues (not PRs), built from the REST example.
    pub issues: Vec<Value>,
    /// sha → (path, status) of a commit pushed straight to the branch (GET a commit).
    pub commit_files: HashMap<String, Vec<(String, String)>>,
    pub deployments: Vec<Value>,
    pub deployment_statuses: Vec<(u64, Value)>,
    /// (base, head) → status.
    pub compare: HashMap<(String, String), String>,
    /// (base, head) → the commits between, oldest first.
    pub compare_commits: HashMap<(String, String), Vec<String>>,
    pub forbid_writes: bool,
    /// (method, path fragment) → the status every matching request answers.
    pub faults: Vec<(String, String, u16)>,
    pub requests: Vec<Recorded>,
    /// `METHOD path?query` of every request to a route the simulator does not know.
    pub unexpected: Vec<String>,
    /// Why this test may send requests to unknown routes; `None` fails the test at teardown.
    allow_unexpected: Option<String>,
    next_id: u64,
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        1000 + self.next_id
    }
}

pub struct GitHubSim {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    pub owner: String,
    pub repo: String,
}

pub const OWNER: &str = "octo-org";
pub const REPO: &str = "shop";

impl GitHubSim {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Router {
                state: state.clone(),
                prefix: format!("/repos/{OWNER}/{REPO}/"),
            })
            .mount(&server)
            .await;
        GitHubSim {
            server,
            state,
            owner: OWNER.into(),
            repo: REPO.into(),
        }
    }

    pub fn url(&self) -> String {
        self.server.uri()
    }

    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    /// Adds a PR built from the REST example, with these numbers, SHAs, labels and files.
    pub fn add_pr(&self, pr: &PrSpec) -> Value {
        let mut v = fixture("pull-request.json");
        v["number"] = json!(pr.number);
        v["title"] = json!(pr.title);
        v["head"]["sha"] = json!(pr.head_sha);
        v["base"]["sha"] = json!(pr.base_sha);
        v["base"]["ref"] = json!("main");
        v["base"]["repo"]["full_name"] = json!(self.full_name());
        v["head"]["repo"]["full_name"] = json!(if pr.fork {
            "someone/shop".to_string()
        } else {
            self.full_name()
        });
        v["labels"] = Value::Array(
            pr.labels
                .iter()
                .map(|l| json!({"id": 1, "name": l, "color": "ededed", "default": false}))
                .collect(),
        );
        v["merged"] = json!(pr.merged);
        v["merged_at"] = if pr.merged {
            json!("2026-11-28T10:00:00Z")
        } else {
            Value::Null
        };
        v["merge_commit_sha"] = json!(pr.merge_sha);
        v["state"] = json!(if pr.merged { "closed" } else { "open" });
        v["html_url"] = json!(format!(
            "https://github.com/{}/pull/{}",
            self.full_name(),
            pr.number
        ));
        let template = fixture("diff-entry-items.json")[0].clone();
        let files: Vec<Value> = pr
            .files
            .iter()
            .map(|(path, status)| {
                let mut f = template.clone();
                f["filename"] = json!(path);
                f["status"] = json!(status);
                f
            })
            .collect();
        let mut st = self.state.lock().unwrap();
        st.pulls.insert(pr.number, v.clone());
        st.files.insert(pr.number, files);
        v
    }

    /// An issue built from the REST example (`issue-items.json`), with these labels.
    pub fn add_issue(&self, number: u64, title: &str, labels: &[&str], open: bool) {
        let mut v = fixture("issue-items.json")[0].clone();
        v["number"] = json!(number);
        v["title"] = json!(title);
        v["state"] = json!(if open { "open" } else { "closed" });
        v["labels"] = Value::Array(
            labels
                .iter()
                .map(|l| json!({"id": 1, "name": l, "color": "ededed", "default": false}))
                .collect(),
        );
        // A plain issue: the example is a PR's issue side.
        if let Some(o) = v.as_object_mut() {
            o.remove("pull_request");
        }
        self.state.lock().unwrap().issues.push(v);
    }

    pub fn set_content(&self, reference: &str, path: &str, text: &str) {
        self.state
            .lock()
            .unwrap()
            .contents
            .insert((reference.into(), path.into()), text.into());
    }

    /// Every `method` request whose path contains `fragment` answers `status`.
    pub fn fail(&self, method: &str, fragment: &str, status: u16) {
        self.state
            .lock()
            .unwrap()
            .faults
            .push((method.into(), fragment.into(), status));
    }

    pub fn forbid_writes(&self) {
        self.state.lock().unwrap().forbid_writes = true;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn writes(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }

    pub fn comments(&self, issue: u64) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .comments
            .get(&issue)
            .cloned()
            .unwrap_or_default()
    }

    /// The names of a PR's labels as the simulated GitHub holds them now.
    pub fn labels(&self, pr: u64) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .pulls
            .get(&pr)
            .and_then(|p| p["labels"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|l| l["name"].as_str().map(str::to_string))
            .collect()
    }

    pub fn check_runs(&self) -> Vec<Value> {
        self.state.lock().unwrap().check_runs.clone()
    }

    /// Checks every body shipgate wrote against GitHub's OpenAPI request schema of its endpoint
    /// (`tests/fixtures/github/request-schemas.json`, trimmed from the official description).
    pub fn assert_writes_match_schemas(&self) {
        let schemas = fixture("request-schemas.json");
        let writes = self.writes();
        assert!(!writes.is_empty(), "nothing was written");
        for w in writes {
            let rest = w
                .path
                .trim_start_matches("/api/v3")
                .trim_start_matches(&format!("/repos/{}/{}/", self.owner, self.repo))
                .to_string();
            let parts: Vec<&str> = rest.split('/').collect();
            let template = write_endpoint(&w.method, &parts)
                .unwrap_or_else(|| panic!("no schema for {} {}", w.method, w.path));
            let schema = &schemas[format!("{} {template}", w.method)];
            assert!(schema.is_object(), "schema missing for {template}");
            let validator = jsonschema::validator_for(schema).expect("schema compiles");
            let errors: Vec<String> = validator
                .iter_errors(&w.body)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{} {}: {errors:?}\nbody: {}",
                w.method,
                w.path,
                w.body
            );
        }
    }

    /// Requests to unknown routes so far.
    pub fn unexpected(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unexpected
            .clone()
    }

    /// A mid-test check; the same check runs by itself when the simulator is dropped.
    pub fn assert_no_unexpected(&self) {
        let unexpected = self.unexpected();
        assert!(
            unexpected.is_empty(),
            "requests to routes the simulated GitHub does not know: {unexpected:?}"
        );
    }

    /// Lets this test send requests to unknown routes without failing at teardown. The reason is
    /// required so the opt-out reads as a decision, not an accident.
    pub fn allow_unexpected(&self, reason: &str) {
        assert!(
            !reason.trim().is_empty(),
            "say why unexpected requests are fine"
        );
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .allow_unexpected = Some(reason.to_string());
    }
}

impl Drop for GitHubSim {
    fn drop(&mut self) {
        // A second panic while unwinding would abort and hide the first failure.
        if std::thread::panicking() {
            return;
        }
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.allow_unexpected.is_none() && !st.unexpected.is_empty() {
            panic!(
                "the simulated GitHub got requests to routes it does not know (answered 501): \
                 {:?}\nteach tests/support/github.rs the route, or call \
                 sim.allow_unexpected(\"why\") in the test",
                st.unexpected
            );
        }
    }
}

/// The OpenAPI template of a write endpoint the simulator serves (`parts` is the path after
/// `/repos/{owner}/{repo}/`), or `None` for anything else.
fn write_endpoint(method: &str, parts: &[&str]) -> Option<&'static str> {
    Some(match (method, parts) {
        ("POST", ["check-runs"]) => "/repos/{owner}/{repo}/check-runs",
        ("PATCH", ["check-runs", _]) => "/repos/{owner}/{repo}/check-runs/{check_run_id}",
        ("POST", ["issues", _, "comments"]) => {
            "/repos/{owner}/{repo}/issues/{issue_number}/comments"
        }
        ("PATCH", ["issues", "comments", _]) => {
            "/repos/{owner}/{repo}/issues/comments/{comment_id}"
        }
        ("POST", ["issues", _, "labels"]) => "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        ("POST", ["deployments"]) => "/repos/{owner}/{repo}/deployments",
        ("POST", ["deployments", _, "statuses"]) => {
            "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
        }
        _ => return None,
    })
}

/// A PR to simulate.
#[derive(Debug, Clone)]
pub struct PrSpec {
    pub number: u64,
    pub title: String,
    pub head_sha: String,
    pub base_sha: String,
    pub merge_sha: Option<String>,
    pub merged: bool,
    pub fork: bool,
    pub labels: Vec<String>,
    pub files: Vec<(String, String)>,
}

impl PrSpec {
    pub fn new(number: u64, files: &[(&str, &str)]) -> Self {
        PrSpec {
            number,
            title: format!("PR {number}"),
            head_sha: format!("{:0>40}", format!("{number}aa")),
            base_sha: format!("{:0>40}", "bb"),
            merge_sha: None,
            merged: false,
            fork: false,
            labels: vec![],
            files: files
                .iter()
                .map(|(p, s)| (p.to_string(), s.to_string()))
                .collect(),
        }
    }
}

struct Router {
    state: Arc<Mutex<State>>,
    prefix: String,
}

fn query_param(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn page(items: &[Value], req: &Request) -> Value {
    let per_page: usize = query_param(req, "per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let page: usize = query_param(req, "page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let start = (page - 1) * per_page;
    Value::Array(items.iter().skip(start).take(per_page).cloned().collect())
}

/// The answer to a route the simulator does not know: not a 404, which shipgate may read as "no
/// such object" and carry on; a 5xx naming the route makes the run fail where it happened.
fn unknown_route(method: &str, path: &str) -> ResponseTemplate {
    ResponseTemplate::new(501).set_body_json(json!({
        "message": format!("the simulated GitHub has no route for {method} {path}"),
        "documentation_url": "https://docs.github.com/rest"
    }))
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest"
    }))
}

impl Respond for Router {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state.lock().unwrap();
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let method = req.method.to_string();
        let path = req.url.path().to_string();
        st.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            query: req.url.query().unwrap_or("").to_string(),
            body: body.clone(),
            authorization: req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        });
        // GitHub Enterprise Server serves the same API under /api/v3.
        let local = path.strip_prefix("/api/v3").unwrap_or(&path);
        let shown = match req.url.query() {
            Some(q) => format!("{method} {path}?{q}"),
            None => format!("{method} {path}"),
        };
        let Some(rest) = local.strip_prefix(&self.prefix) else {
            st.unexpected.push(shown);
            return unknown_route(&method, &path);
        };
        let parts: Vec<&str> = rest.split('/').collect();
        if let Some((_, _, status)) = st
            .faults
            .iter()
            .find(|(m, frag, _)| *m == method && path.contains(frag.as_str()))
        {
            return ResponseTemplate::new(*status).set_body_json(json!({
                "message": "injected fault",
                "documentation_url": "https://docs.github.com/rest"
            }));
        }
        // Only routes the simulator knows are refused, so an unknown write still shows up as
        // unexpected rather than hiding behind a 403.
        if st.forbid_writes && write_endpoint(&method, &parts).is_some() {
            return ResponseTemplate::new(403).set_body_json(json!({
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest"
            }));
        }
        match (method.as_str(), parts.as_slice()) {
            ("GET", ["pulls"]) => {
                let state = query_param(req, "state").unwrap_or_else(|| "open".into());
                let mut all: Vec<Value> = st
                    .pulls
                    .values()
                    .filter(|p| state == "all" || p["state"] == json!(state))
                    .cloned()
                    .collect();
                all.sort_by_key(|p| p["number"].as_u64());
                ResponseTemplate::new(200).set_body_json(page(&all, req))
            }
            ("GET", ["pulls", n]) => match n.parse().ok().and_then(|n: u64| st.pulls.get(&n)) {
                Some(pr) => ResponseTemplate::new(200).set_body_json(pr.clone()),
                None => not_found(),
            },
            ("GET", ["pulls", n, "files"]) => {
                match n.parse().ok().and_then(|n: u64| st.files.get(&n)) {
                    Some(files) => ResponseTemplate::new(200).set_body_json(page(files, req)),
                    None => not_found(),
                }
            }
            ("GET", ["contents", ..]) => {
                let file = parts[1..].join("/");
                let file = percent_decode(&file);
                let reference = query_param(req, "ref").unwrap_or_default();
                match st.contents.get(&(reference, file.clone())) {
                    Some(text) => ResponseTemplate::new(200).set_body_json(json!({
                        "type": "file",
                        "encoding": "base64",
                        "name": file.rsplit('/').next(),
                        "path": file,
                        "content": base64_encode(text.as_bytes()),
                    })),
                    None => not_found(),
                }
            }
            ("GET", ["issues"]) => {
                let state = query_param(req, "state").unwrap_or_else(|| "open".into());
                let wanted: Vec<String> = query_param(req, "labels")
                    .map(|l| l.split(',').map(str::to_string).collect())
                    .unwrap_or_default();
                let found: Vec<Value> = st
                    .issues
                    .iter()
                    .filter(|i| state == "all" || i["state"] == json!(state))
                    .filter(|i| {
                        wanted.iter().all(|w| {
                            i["labels"]
                                .as_array()
                                .is_some_and(|ls| ls.iter().any(|l| l["name"] == json!(w)))
                        })
                    })
                    .cloned()
                    .collect();
                ResponseTemplate::new(200).set_body_json(page(&found, req))
            }
            ("GET", ["issues", n, "comments"]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let items = st.comments.get(&n).cloned().unwrap_or_default();
                ResponseTemplate::new(200).set_body_json(page(&items, req))
            }
            ("POST", ["issues", n, "comments"]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let id = st.id();
                let mut c = fixture("issue-comment.json");
                c["id"] = json!(id);
                c["body"] = body["body"].clone();
                st.comments.entry(n).or_default().push(c.clone());
                ResponseTemplate::new(201).set_body_json(c)
            }
            ("POST", ["issues", n, "labels"]) => {
                let n: u64 = n.parse().unwrap_or(0);
                let names: Vec<String> = body["labels"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|l| l.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let template = fixture("label-items.json")[0].clone();
                let Some(pr) = st.pulls.get_mut(&n) else {
                    return not_found();
                };
                let mut labels = pr["labels"].as_array().cloned().unwrap_or_default();
                for name in names {
                    if !labels.iter().any(|l| l["name"] == json!(name)) {
                        let mut l = template.clone();
                        l["name"] = json!(name);
                        labels.push(l);
                    }
                }
                pr["labels"] = Value::Array(labels.clone());
                ResponseTemplate::new(200).set_body_json(Value::Array(labels))
            }
            ("PATCH", ["issues", "comments", id]) => {
                let id: u64 = id.parse().unwrap_or(0);
                let found = st
                    .comments
                    .values_mut()
                    .flat_map(|v| v.iter_mut())
                    .find(|c| c["id"] == json!(id));
                match found {
                    Some(c) => {
                        c["body"] = body["body"].clone();
                        ResponseTemplate::new(200).set_body_json(c.clone())
                    }
                    None => not_found(),
                }
            }
            ("POST", ["check-runs"]) => {
                let id = st.id();
                let mut c = fixture("check-run.json");
                c["id"] = json!(id);
                for k in ["name", "head_sha", "status", "conclusion"] {
                    c[k] = body[k].clone();
                }
                c["output"] = body["output"].clone();
                st.check_runs.push(c.clone());
                ResponseTemplate::new(201).set_body_json(c)
            }
            ("PATCH", ["check-runs", id]) => {
                let id: u64 = id.parse().unwrap_or(0);
                match st.check_runs.iter_mut().find(|c| c["id"] == json!(id)) {
                    Some(c) => {
                        let mut anns = c["output"]["annotations"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        anns.extend(
                            body["output"]["annotations"]
                                .as_array()
                                .cloned()
                                .unwrap_or_default(),
                        );
                        c["output"]["annotations"] = Value::Array(anns);
                        ResponseTemplate::new(200).set_body_json(c.clone())
                    }
                    None => not_found(),
                }
            }
            ("GET", ["commits", sha, "check-runs"]) => {
                let name = query_param(req, "check_name");
                let runs: Vec<Value> = st
                    .check_runs
                    .iter()
                    .rev()
                    .filter(|c| c["head_sha"] == json!(sha))
                    .filter(|c| name.as_ref().is_none_or(|n| c["name"] == json!(n)))
                    .cloned()
                    .collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"total_count": runs.len(), "check_runs": runs}))
            }
            ("GET", ["commits", sha]) => match st.commit_files.get(*sha) {
                Some(files) => {
                    // A commit as GET /commits/{ref} answers it: the comparison example's commit
                    // object, plus its files shaped like the PR files example.
                    let cmp = fixture("commit-comparison.json");
                    let mut c = cmp["commits"][0].clone();
                    c["sha"] = json!(sha);
                    let template = fixture("diff-entry-items.json")[0].clone();
                    c["files"] = Value::Array(
                        files
                            .iter()
                            .map(|(path, status)| {
                                let mut f = template.clone();
                                f["filename"] = json!(path);
                                f["status"] = json!(status);
                                f
                            })
                            .collect(),
                    );
                    ResponseTemplate::new(200).set_body_json(c)
                }
                None => not_found(),
            },
            ("GET", ["commits", sha, "pulls"]) => {
                let numbers = st.commit_pulls.get(*sha).cloned().unwrap_or_default();
                let prs: Vec<Value> = numbers
                    .iter()
                    .filter_map(|n| st.pulls.get(n).cloned())
                    .collect();
                ResponseTemplate::new(200).set_body_json(Value::Array(prs))
            }
            ("GET", ["compare", spec]) => {
                let (base, head) = spec.split_once("...").unwrap_or((spec, ""));
                let key = (base.to_string(), head.to_string());
                // A commit listed between `base` and a later head is itself ahead of `base`, with
                // the commits up to it: what GitHub answers for any commit of that history (a
                // release train's order check compares against such a middle commit).
                let (status, between) = match st.compare.get(&key) {
                    Some(status) => (
                        Some(status.clone()),
                        st.compare_commits.get(&key).cloned().unwrap_or_default(),
                    ),
                    None => st
                        .compare_commits
                        .iter()
                        .filter(|((b, _), _)| b == base)
                        .find_map(|(_, list)| {
                            let at = list.iter().position(|c| c == head)?;
                            Some((Some("ahead".to_string()), list[..=at].to_vec()))
                        })
                        .unwrap_or((None, Vec::new())),
                };
                match status {
                    Some(status) => {
                        let mut c = fixture("commit-comparison.json");
                        c["status"] = json!(status);
                        let template = c["commits"][0].clone();
                        let commits: Vec<Value> = between
                            .into_iter()
                            .map(|sha| {
                                let mut t = template.clone();
                                t["sha"] = json!(sha);
                                t
                            })
                            .collect();
                        c["commits"] = Value::Array(
                            page(&commits, req).as_array().cloned().unwrap_or_default(),
                        );
                        ResponseTemplate::new(200).set_body_json(c)
                    }
                    None => not_found(),
                }
            }
            ("POST", ["deployments"]) => {
                let id = st.id();
                let mut d = fixture("deployment.json");
                d["id"] = json!(id);
                d["sha"] = body["ref"].clone();
                d["ref"] = body["ref"].clone();
                d["environment"] = body["environment"].clone();
                d["description"] = body["description"].clone();
                d["payload"] = body["payload"].clone();
                st.deployments.push(d.clone());
                ResponseTemplate::new(201).set_body_json(d)
            }
            ("GET", ["deployments"]) => {
                let sha = query_param(req, "sha");
                let env = query_param(req, "environment");
                let ds: Vec<Value> = st
                    .deployments
                    .iter()
                    .rev()
                    .filter(|d| sha.as_ref().is_none_or(|s| d["sha"] == json!(s)))
                    .filter(|d| env.as_ref().is_none_or(|e| d["environment"] == json!(e)))
                    .cloned()
                    .collect();
                ResponseTemplate::new(200).set_body_json(Value::Array(ds))
            }
            ("POST", ["deployments", id, "statuses"]) => {
                let id: u64 = id.parse().unwrap_or(0);
                let sid = st.id();
                let mut s = fixture("deployment-status.json");
                s["id"] = json!(sid);
                s["state"] = body["state"].clone();
                s["description"] = body["description"].clone();
                st.deployment_statuses.push((id, body.clone()));
                ResponseTemplate::new(201).set_body_json(s)
            }
            _ => {
                st.unexpected.push(shown);
                unknown_route(&method, &path)
            }
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    // GitHub wraps the base64 body every 60 characters.
    let s = base64::engine::general_purpose::STANDARD.encode(data);
    s.as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}
