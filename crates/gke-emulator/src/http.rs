//! The emulator's HTTP side: the container v1 routes (clusters, node
//! pools, operations), Service Usage's `services.get` (gcloud asks it
//! before a create), the admin routes under `/emulator/`, and a middleware
//! that counts API requests and fires injected faults before any handler
//! runs.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use google_cloud_container_v1::model;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::faults::{Fault, RequestTarget, error_body, fault_error, status_name};
use super::store::{ClusterDefaults, OpFailure, OpKind, Refusal, Store};

/// An API request as the emulator saw it (for `/emulator/requests`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
}

/// Keeps the log bounded if a client polls for hours.
const MAX_RECORDED: usize = 1000;

pub struct Emulator {
    pub store: Store,
    pub defaults: ClusterDefaults,
    pub faults: Vec<Fault>,
    pub requests: Vec<RecordedRequest>,
    pub request_count: u64,
    pub state_file: Option<std::path::PathBuf>,
}

impl Emulator {
    /// Writes the store to `--state-file` (atomically: a reader never sees
    /// half a file). A failure is reported, not fatal: the emulator keeps
    /// serving from memory.
    fn persist(&self) {
        let Some(path) = &self.state_file else {
            return;
        };
        let tmp = path.with_extension("tmp");
        let result = serde_json::to_vec_pretty(&self.store)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = result {
            eprintln!("gke-emulator: cannot write {}: {e}", path.display());
        }
    }

    /// Settles finished operations and persists if that changed anything.
    fn settle(&mut self) {
        let now = self.store.now();
        if self.store.settle(now) {
            self.persist();
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub emulator: Arc<Mutex<Emulator>>,
    /// `http://127.0.0.1:PORT`, for selfLink and targetLink.
    pub base_url: Arc<str>,
}

impl AppState {
    fn lock(&self) -> MutexGuard<'_, Emulator> {
        // A handler that panicked left consistent data (every mutation is a
        // single push/remove); keep serving.
        self.emulator.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn json_response(status: u16, body: &Value) -> Response {
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    resp
}

fn refusal(r: Refusal) -> Response {
    json_response(r.http, &error_body(r.http, r.status, &r.message, vec![]))
}

fn ok(body: Value) -> Response {
    json_response(200, &body)
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/v1/projects/{project}/{kind}/{location}/clusters",
            get(list_clusters).post(create_cluster),
        )
        .route(
            "/v1/projects/{project}/{kind}/{location}/clusters/{cluster}",
            get(get_cluster).delete(delete_cluster).put(update_cluster),
        )
        .route(
            "/v1/projects/{project}/{kind}/{location}/clusters/{cluster}/nodePools",
            get(list_node_pools).post(create_node_pool),
        )
        // `NP:setAutoscaling` arrives here too: the colon is inside the
        // last segment.
        .route(
            "/v1/projects/{project}/{kind}/{location}/clusters/{cluster}/nodePools/{pool}",
            get(get_node_pool)
                .delete(delete_node_pool)
                .post(node_pool_action),
        )
        // The legacy form of setAutoscaling (the Rust client's, given
        // project/zone/cluster/pool ids instead of a name).
        .route(
            "/v1/projects/{project}/{kind}/{location}/clusters/{cluster}/nodePools/{pool}/autoscaling",
            post(legacy_set_autoscaling),
        )
        // Service Usage, which gcloud asks before `clusters create`: point
        // `api_endpoint_overrides/serviceusage` here too.
        .route(
            "/v1/projects/{project}/services/{service}",
            get(get_service),
        )
        .route(
            "/v1/projects/{project}/{kind}/{location}/operations",
            get(list_operations),
        )
        .route(
            "/v1/projects/{project}/{kind}/{location}/operations/{operation}",
            get(get_operation),
        )
        .fallback(unknown_route);
    let admin = Router::new()
        .route(
            "/emulator/health",
            get(|| async { ok(json!({"ok": true})) }),
        )
        .route(
            "/emulator/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route(
            "/emulator/requests",
            get(list_requests).delete(clear_requests),
        )
        .route("/emulator/clock", post(advance_clock))
        .route("/emulator/clusters", post(insert_cluster))
        .route("/emulator/reset", post(reset));
    api.merge(admin)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api_middleware,
        ))
        .with_state(state)
}

/// `locations` (the client's form) or `zones` (the legacy form gcloud
/// still uses); anything else is not a route of the API.
fn location_kind_ok(kind: &str) -> bool {
    kind == "locations" || kind == "zones"
}

async fn unknown_route(method: Method, uri: axum::http::Uri) -> Response {
    not_served(&method, uri.path())
}

fn not_served(method: &Method, path: &str) -> Response {
    json_response(
        404,
        &error_body(
            404,
            "NOT_FOUND",
            &format!("The emulator does not serve {method} {path}; see `gke-emulator --help`."),
            vec![],
        ),
    )
}

/// Path parts: project, `locations`|`zones`, location.
type Loc = (String, String, String);

async fn list_clusters(State(s): State<AppState>, Path((p, kind, l)): Path<Loc>) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::GET, &kind);
    }
    let mut e = s.lock();
    e.settle();
    let clusters: Vec<Value> = e
        .store
        .list_clusters(&p, &l)
        .map(|c| e.store.cluster_json(c, &e.defaults, &s.base_url))
        .collect();
    ok(json!({ "clusters": clusters }))
}

async fn get_cluster(
    State(s): State<AppState>,
    Path((p, kind, l, c)): Path<(String, String, String, String)>,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::GET, &kind);
    }
    let mut e = s.lock();
    e.settle();
    match e.store.get_cluster(&p, &l, &c) {
        Ok(c) => ok(e.store.cluster_json(c, &e.defaults, &s.base_url)),
        Err(r) => refusal(r),
    }
}

async fn create_cluster(
    State(s): State<AppState>,
    Path((p, kind, l)): Path<Loc>,
    failure: Option<axum::Extension<OpFailure>>,
    body: Bytes,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::POST, &kind);
    }
    let request: model::CreateClusterRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(err) => {
            return refusal(Refusal {
                http: 400,
                status: "INVALID_ARGUMENT",
                message: format!("Invalid JSON payload received. {err}"),
            });
        }
    };
    let mut guard = s.lock();
    let e = &mut *guard;
    e.settle();
    let failure = failure.map(|f| f.0);
    let result = e
        .store
        .create_cluster(&p, &l, &request, failure, &e.defaults)
        .cloned();
    match result {
        Ok(op) => {
            e.persist();
            ok(e.store.operation_json(&op, &s.base_url))
        }
        Err(r) => refusal(r),
    }
}

async fn delete_cluster(
    State(s): State<AppState>,
    Path((p, kind, l, c)): Path<(String, String, String, String)>,
    failure: Option<axum::Extension<OpFailure>>,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::DELETE, &kind);
    }
    let mut guard = s.lock();
    let e = &mut *guard;
    e.settle();
    let failure = failure.map(|f| f.0);
    let result = e
        .store
        .delete_cluster(&p, &l, &c, failure, &e.defaults)
        .cloned();
    match result {
        Ok(op) => {
            e.persist();
            ok(e.store.operation_json(&op, &s.base_url))
        }
        Err(r) => refusal(r),
    }
}

async fn list_operations(State(s): State<AppState>, Path((p, kind, l)): Path<Loc>) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::GET, &kind);
    }
    let mut e = s.lock();
    e.settle();
    let ops: Vec<Value> = e
        .store
        .list_operations(&p, &l)
        .map(|o| e.store.operation_json(o, &s.base_url))
        .collect();
    ok(json!({ "operations": ops }))
}

async fn get_operation(
    State(s): State<AppState>,
    Path((p, kind, l, op)): Path<(String, String, String, String)>,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::GET, &kind);
    }
    let mut e = s.lock();
    e.settle();
    match e.store.get_operation(&p, &l, &op) {
        Ok(o) => ok(e.store.operation_json(o, &s.base_url)),
        Err(r) => refusal(r),
    }
}

/// Path parts: project, `locations`|`zones`, location, cluster.
type ClusterPath = (String, String, String, String);
/// ... and node pool.
type PoolPath = (String, String, String, String, String);

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|err| Refusal {
        http: 400,
        status: "INVALID_ARGUMENT",
        message: format!("Invalid JSON payload received. {err}"),
    })
}

/// Runs an operation-starting store call, persists, and answers with the
/// operation (or GKE's refusal).
fn start_op(
    s: &AppState,
    call: impl FnOnce(&mut Store, &ClusterDefaults) -> Result<String, Refusal>,
) -> Response {
    let mut guard = s.lock();
    let e = &mut *guard;
    e.settle();
    match call(&mut e.store, &e.defaults) {
        Ok(name) => {
            e.persist();
            let op = e
                .store
                .operations
                .iter()
                .rev()
                .find(|o| o.name == name)
                .expect("the operation just started");
            ok(e.store.operation_json(op, &s.base_url))
        }
        Err(r) => refusal(r),
    }
}

async fn list_node_pools(
    State(s): State<AppState>,
    Path((p, kind, l, c)): Path<ClusterPath>,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::GET, &kind);
    }
    let mut e = s.lock();
    e.settle();
    match e.store.get_cluster(&p, &l, &c) {
        Ok(c) => {
            let pools: Vec<Value> = c
                .pools
                .iter()
                .map(|pool| e.store.pool_json(c, pool, &s.base_url))
                .collect();
            ok(json!({ "nodePools": pools }))
        }
        Err(r) => refusal(r),
    }
}

async fn get_node_pool(
    State(s): State<AppState>,
    Path((p, kind, l, c, np)): Path<PoolPath>,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::GET, &kind);
    }
    let mut e = s.lock();
    e.settle();
    match e.store.get_pool(&p, &l, &c, &np) {
        Ok((c, pool)) => ok(e.store.pool_json(c, pool, &s.base_url)),
        Err(r) => refusal(r),
    }
}

async fn create_node_pool(
    State(s): State<AppState>,
    Path((p, kind, l, c)): Path<ClusterPath>,
    failure: Option<axum::Extension<OpFailure>>,
    body: Bytes,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::POST, &kind);
    }
    let request: model::CreateNodePoolRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(r) => return refusal(r),
    };
    start_op(&s, |store, d| {
        store
            .create_node_pool((&p, &l, &c), &request, failure.map(|f| f.0), d)
            .map(|o| o.name.clone())
    })
}

async fn delete_node_pool(
    State(s): State<AppState>,
    Path((p, kind, l, c, np)): Path<PoolPath>,
    failure: Option<axum::Extension<OpFailure>>,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::DELETE, &kind);
    }
    start_op(&s, |store, d| {
        store
            .delete_node_pool((&p, &l, &c), &np, failure.map(|f| f.0), d)
            .map(|o| o.name.clone())
    })
}

/// `POST nodePools/NP:ACTION`; only `setAutoscaling` is served.
async fn node_pool_action(
    State(s): State<AppState>,
    Path((p, kind, l, c, np)): Path<PoolPath>,
    failure: Option<axum::Extension<OpFailure>>,
    uri: axum::http::Uri,
    body: Bytes,
) -> Response {
    match np.split_once(':') {
        Some((pool, "setAutoscaling")) if location_kind_ok(&kind) => {
            set_autoscaling(&s, (&p, &l, &c, pool), failure, &body)
        }
        _ => not_served(&Method::POST, uri.path()),
    }
}

async fn legacy_set_autoscaling(
    State(s): State<AppState>,
    Path((p, kind, l, c, np)): Path<PoolPath>,
    failure: Option<axum::Extension<OpFailure>>,
    body: Bytes,
) -> Response {
    if kind != "zones" {
        return not_served(&Method::POST, &kind);
    }
    set_autoscaling(&s, (&p, &l, &c, &np), failure, &body)
}

fn set_autoscaling(
    s: &AppState,
    (p, l, c, np): (&str, &str, &str, &str),
    failure: Option<axum::Extension<OpFailure>>,
    body: &[u8],
) -> Response {
    let request: model::SetNodePoolAutoscalingRequest = match parse_body(body) {
        Ok(r) => r,
        Err(r) => return refusal(r),
    };
    start_op(s, |store, d| {
        store
            .set_node_pool_autoscaling(
                (p, l, c),
                np,
                request.autoscaling.as_ref(),
                OpKind::SetNodePoolAutoscaling,
                failure.map(|f| f.0),
                d,
            )
            .map(|o| o.name.clone())
    })
}

/// The `update` fields a cluster update may carry here: gcloud's
/// autoscaling change (`clusters update C --node-pool NP
/// --enable-autoscaling ...` and `node-pools update NP
/// --enable-autoscaling ...` both send these).
const SERVED_UPDATE_FIELDS: [&str; 2] = ["desiredNodePoolId", "desiredNodePoolAutoscaling"];

async fn update_cluster(
    State(s): State<AppState>,
    Path((p, kind, l, c)): Path<ClusterPath>,
    failure: Option<axum::Extension<OpFailure>>,
    body: Bytes,
) -> Response {
    if !location_kind_ok(&kind) {
        return not_served(&Method::PUT, &kind);
    }
    let raw: Value = match parse_body(&body) {
        Ok(r) => r,
        Err(r) => return refusal(r),
    };
    let others: Vec<&String> = raw["update"]
        .as_object()
        .map(|u| {
            u.keys()
                .filter(|k| !SERVED_UPDATE_FIELDS.contains(&k.as_str()))
                .collect()
        })
        .unwrap_or_default();
    if !others.is_empty() {
        return json_response(
            501,
            &error_body(
                501,
                "UNIMPLEMENTED",
                &format!(
                    "The emulator's cluster update serves only {SERVED_UPDATE_FIELDS:?}, not {others:?}."
                ),
                vec![],
            ),
        );
    }
    let request: model::UpdateClusterRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(r) => return refusal(r),
    };
    let update = request.update.unwrap_or_default();
    if update.desired_node_pool_autoscaling.is_none() {
        return refusal(Refusal {
            http: 400,
            status: "INVALID_ARGUMENT",
            message: "Update must specify a change.".into(),
        });
    }
    if update.desired_node_pool_id.is_empty() {
        return refusal(Refusal {
            http: 400,
            status: "INVALID_ARGUMENT",
            message: "desired_node_pool_id must be specified to update node pool autoscaling."
                .into(),
        });
    }
    start_op(&s, |store, d| {
        store
            .set_node_pool_autoscaling(
                (&p, &l, &c),
                &update.desired_node_pool_id,
                update.desired_node_pool_autoscaling.as_ref(),
                OpKind::UpdateCluster,
                failure.map(|f| f.0),
                d,
            )
            .map(|o| o.name.clone())
    })
}

/// Service Usage's `services.get`: every service is enabled (a fault on
/// `/services/` can say otherwise).
async fn get_service(Path((p, service)): Path<(String, String)>) -> Response {
    ok(json!({
        "name": format!("projects/{p}/services/{service}"),
        "parent": format!("projects/{p}"),
        "state": "ENABLED",
        "config": {"name": service},
    }))
}

/// `POST /emulator/clusters`: `{"project", "location", "cluster": {...}}`
/// puts a RUNNING cluster (the API's Cluster JSON, with `nodePools` or the
/// legacy `initialNodeCount`) straight into the store, as one made outside
/// the cockpit. Answers with the cluster as the API reports it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InsertClusterRequest {
    project: String,
    location: String,
    cluster: model::Cluster,
}

async fn insert_cluster(State(s): State<AppState>, body: Bytes) -> Response {
    let req: InsertClusterRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(err) => {
            return admin_error(format!(
                "expected {{\"project\", \"location\", \"cluster\": {{...}}}}: {err}"
            ));
        }
    };
    let mut guard = s.lock();
    let e = &mut *guard;
    e.settle();
    let result = e
        .store
        .insert_cluster(&req.project, &req.location, &req.cluster, &e.defaults)
        .map(|c| e.store.cluster_json(&c, &e.defaults, &s.base_url));
    match result {
        Ok(v) => {
            e.persist();
            ok(v)
        }
        Err(r) => refusal(r),
    }
}

fn admin_error(message: String) -> Response {
    json_response(400, &error_body(400, "INVALID_ARGUMENT", &message, vec![]))
}

async fn list_faults(State(s): State<AppState>) -> Response {
    ok(json!({ "faults": s.lock().faults }))
}

async fn add_faults(State(s): State<AppState>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    match super::faults::parse_faults(&text) {
        Ok(new) => {
            let mut e = s.lock();
            e.faults.extend(new);
            ok(json!({ "faults": e.faults }))
        }
        Err(msg) => admin_error(msg),
    }
}

async fn clear_faults(State(s): State<AppState>) -> Response {
    s.lock().faults.clear();
    ok(json!({ "faults": [] }))
}

async fn list_requests(State(s): State<AppState>) -> Response {
    let e = s.lock();
    ok(json!({ "count": e.request_count, "requests": e.requests }))
}

async fn clear_requests(State(s): State<AppState>) -> Response {
    let mut e = s.lock();
    e.requests.clear();
    e.request_count = 0;
    ok(json!({ "count": 0, "requests": [] }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockRequest {
    advance_seconds: f64,
}

async fn advance_clock(State(s): State<AppState>, body: Bytes) -> Response {
    let req: ClockRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(err) => return admin_error(format!("expected {{\"advanceSeconds\": N}}: {err}")),
    };
    if !(req.advance_seconds.is_finite() && (0.0..=86_400.0 * 365.0).contains(&req.advance_seconds))
    {
        return admin_error("advanceSeconds must be between 0 and a year".into());
    }
    let mut e = s.lock();
    e.store.clock_offset_ms += (req.advance_seconds * 1000.0).round() as i64;
    e.settle();
    e.persist();
    let now = e.store.now();
    ok(json!({ "now": now.to_rfc3339(), "offsetMs": e.store.clock_offset_ms }))
}

async fn reset(State(s): State<AppState>) -> Response {
    let mut e = s.lock();
    e.store = Store::default();
    e.faults.clear();
    e.requests.clear();
    e.request_count = 0;
    e.persist();
    ok(json!({ "ok": true }))
}

/// project, location and cluster from an API path
/// (`/v1/projects/P/locations/L/clusters/C...`).
fn target_of(method: &str, path: &str) -> RequestTarget {
    let parts: Vec<&str> = path.split('/').collect();
    let after = |key: &str| {
        parts
            .iter()
            .position(|p| *p == key)
            .and_then(|i| parts.get(i + 1))
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let location = {
        let l = after("locations");
        if l.is_empty() { after("zones") } else { l }
    };
    RequestTarget {
        method: method.to_string(),
        project: after("projects"),
        location,
        cluster: after("clusters"),
    }
}

/// Counts API requests and fires the first matching fault. Admin routes
/// pass untouched, so a test can always inspect and clear.
async fn api_middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/emulator/") || path == "/emulator" {
        return next.run(req).await;
    }
    let method = req.method().as_str().to_string();
    let fault = {
        let mut e = s.lock();
        e.request_count += 1;
        if e.requests.len() >= MAX_RECORDED {
            e.requests.remove(0);
        }
        e.requests.push(RecordedRequest {
            method: method.clone(),
            path: path.clone(),
            query: req.uri().query().unwrap_or("").to_string(),
        });
        let i = e.faults.iter().position(|f| f.matches(&method, &path));
        i.map(|i| {
            let f = e.faults[i].clone();
            if let Some(n) = e.faults[i].count.as_mut() {
                *n -= 1;
                if *n == 0 {
                    e.faults.remove(i);
                }
            }
            f
        })
    };
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    if let Some(secs) = fault.hang_seconds {
        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    }
    if fault.fail_operation {
        let status = fault.status.unwrap_or(429);
        let mut target = target_of(&method, &path);
        let (req, name) = with_cluster_name(req).await;
        target.cluster = name;
        let (_, body) = fault_error(&fault, &target, &path);
        let mut req = req;
        req.extensions_mut().insert(OpFailure {
            status_name: fault
                .status_name
                .clone()
                .unwrap_or_else(|| status_name(status).to_string()),
            message: body["error"]["message"].as_str().unwrap_or("").to_string(),
        });
        return next.run(req).await;
    }
    if fault.status.is_none() {
        return next.run(req).await;
    }
    let mut target = target_of(&method, &path);
    if target.cluster.is_empty() && method == "POST" {
        target.cluster = with_cluster_name(req).await.1;
    }
    let (status, body) = fault_error(&fault, &target, &path);
    json_response(status, &body)
}

/// The cluster name of a create (from the body), or of the path; the
/// request is rebuilt since reading the body consumes it.
async fn with_cluster_name(req: Request) -> (Request, String) {
    let from_path = target_of(req.method().as_str(), req.uri().path()).cluster;
    if !from_path.is_empty() {
        return (req, from_path);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 4 << 20)
        .await
        .unwrap_or_default();
    let name = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v["cluster"]["name"].as_str().map(str::to_string))
        .unwrap_or_default();
    (Request::from_parts(parts, Body::from(bytes)), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_comes_from_either_path_form() {
        let t = target_of(
            "GET",
            "/v1/projects/demo/locations/us-central1-b/clusters/c1",
        );
        assert_eq!(
            (t.project.as_str(), t.location.as_str(), t.cluster.as_str()),
            ("demo", "us-central1-b", "c1")
        );
        let t = target_of("GET", "/v1/projects/demo/zones/z/operations/operation-1");
        assert_eq!((t.location.as_str(), t.cluster.as_str()), ("z", ""));
    }
}
