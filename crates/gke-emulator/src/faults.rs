//! Injected failures, and GCP's error shape: `{"error": {"code", "message",
//! "status", "details"}}` with the texts GKE really sends, so the client's
//! error mapping is tested against what it will meet.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One injected failure. It matches API requests (never `/emulator/...`)
/// by method and a path substring, `count` times (forever when absent).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// HTTP method to match (any when absent), case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A substring of the request path to match (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_contains: Option<String>,
    /// The HTTP status to answer with (400, 403, 409, 429, 5xx, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The google.rpc status name, when not the usual one for `status`
    /// (e.g. FAILED_PRECONDITION with 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_name: Option<String>,
    /// The error text; `{project}`, `{location}` and `{cluster}` are filled
    /// in. GKE's own text for the status when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The ErrorInfo reason; `SERVICE_DISABLED` (with 403) gives GCP's
    /// "API has not been used in project ..." error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How many matching requests fail (absent: all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Hold the request this long before answering (with `status`, or
    /// normally when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hang_seconds: Option<f64>,
    /// Let the create/delete request succeed but end its operation with
    /// this error (`status`, default 429 quota), as GKE does when nodes
    /// cannot be made.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail_operation: bool,
}

/// The longest hang a fault may ask for: a test that forgets one must not
/// leave a request open for hours.
pub const MAX_HANG_SECONDS: f64 = 600.0;

impl Fault {
    /// Checks that the fault does something and that its numbers are sane.
    pub fn validate(&self) -> Result<(), String> {
        if self.status.is_none() && self.hang_seconds.is_none() && !self.fail_operation {
            return Err("a fault needs status, hangSeconds or failOperation".into());
        }
        if let Some(s) = self.status
            && !(400..=599).contains(&s)
        {
            return Err(format!("status {s} is not an HTTP error status (400-599)"));
        }
        if let Some(h) = self.hang_seconds
            && !(h.is_finite() && (0.0..=MAX_HANG_SECONDS).contains(&h))
        {
            return Err(format!("hangSeconds {h} is outside 0..={MAX_HANG_SECONDS}"));
        }
        if self.count == Some(0) {
            return Err("count 0 would never fire; omit count for every request".into());
        }
        Ok(())
    }

    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

/// Parses `--fault` / GKE_EMULATOR_FAULTS text: one fault object or an
/// array of them.
pub fn parse_faults(text: &str) -> Result<Vec<Fault>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("fault JSON: {e}"))?;
    let faults: Vec<Fault> = match value {
        Value::Array(_) => serde_json::from_value(value),
        _ => serde_json::from_value(value).map(|f| vec![f]),
    }
    .map_err(|e| format!("fault: {e}"))?;
    for f in &faults {
        f.validate()?;
    }
    Ok(faults)
}

/// The google.rpc status name HTTP `status` stands for.
pub fn status_name(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        500..=599 => "INTERNAL",
        _ => "UNKNOWN",
    }
}

/// The google.rpc.Code number of a status name (for `Operation.error`).
pub fn rpc_code(name: &str) -> i32 {
    match name {
        "CANCELLED" => 1,
        "UNKNOWN" => 2,
        "INVALID_ARGUMENT" => 3,
        "DEADLINE_EXCEEDED" => 4,
        "NOT_FOUND" => 5,
        "ALREADY_EXISTS" => 6,
        "PERMISSION_DENIED" => 7,
        "RESOURCE_EXHAUSTED" => 8,
        "FAILED_PRECONDITION" => 9,
        "ABORTED" => 10,
        "OUT_OF_RANGE" => 11,
        "UNIMPLEMENTED" => 12,
        "INTERNAL" => 13,
        "UNAVAILABLE" => 14,
        "DATA_LOSS" => 15,
        "UNAUTHENTICATED" => 16,
        _ => 2,
    }
}

/// What the request was about, for the error texts.
#[derive(Clone, Debug, Default)]
pub struct RequestTarget {
    pub method: String,
    pub project: String,
    pub location: String,
    /// The cluster in the path, or in a create's body.
    pub cluster: String,
}

/// The IAM permission a request needs, as GKE names it in denials.
fn permission(t: &RequestTarget, path: &str) -> &'static str {
    let ops = path.contains("/operations");
    if path.contains("/nodePools") || t.method == "PUT" {
        // GKE checks node-pool changes against the cluster's permissions.
        return match t.method.as_str() {
            "GET" if path.trim_end_matches('/').ends_with("/nodePools") => {
                "container.clusters.list"
            }
            "GET" => "container.clusters.get",
            _ => "container.clusters.update",
        };
    }
    match (t.method.as_str(), ops, t.cluster.is_empty()) {
        (_, true, _) if path.trim_end_matches('/').ends_with("/operations") => {
            "container.operations.list"
        }
        (_, true, _) => "container.operations.get",
        ("POST", _, _) => "container.clusters.create",
        ("DELETE", _, _) => "container.clusters.delete",
        (_, _, true) => "container.clusters.list",
        _ => "container.clusters.get",
    }
}

fn fill(template: &str, t: &RequestTarget) -> String {
    template
        .replace("{project}", &t.project)
        .replace("{location}", &t.location)
        .replace("{cluster}", &t.cluster)
}

/// The status, body and error text a fault answers with.
pub fn fault_error(fault: &Fault, t: &RequestTarget, path: &str) -> (u16, Value) {
    let status = fault.status.unwrap_or(429);
    let name = fault
        .status_name
        .clone()
        .unwrap_or_else(|| status_name(status).to_string());
    let reason = fault.reason.as_deref().unwrap_or("");
    let project = &t.project;
    let (default_message, details) = match (status, reason) {
        (403, "SERVICE_DISABLED") => (
            format!(
                "Kubernetes Engine API has not been used in project {project} before or it is \
                 disabled. Enable it by visiting \
                 https://console.developers.google.com/apis/api/container.googleapis.com/overview?project={project} \
                 then retry. If you enabled this API recently, wait a few minutes for the action \
                 to propagate to our systems and retry."
            ),
            vec![
                json!({
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "SERVICE_DISABLED",
                    "domain": "googleapis.com",
                    "metadata": {
                        "service": "container.googleapis.com",
                        "consumer": format!("projects/{project}"),
                        "serviceTitle": "Kubernetes Engine API",
                        "activationUrl": format!("https://console.developers.google.com/apis/api/container.googleapis.com/overview?project={project}"),
                    }
                }),
                json!({
                    "@type": "type.googleapis.com/google.rpc.Help",
                    "links": [{
                        "description": "Google developers console API activation",
                        "url": format!("https://console.developers.google.com/apis/api/container.googleapis.com/overview?project={project}"),
                    }]
                }),
            ],
        ),
        (403, _) => {
            let perm = permission(t, path);
            (
                format!("Required \"{perm}\" permission(s) for \"projects/{project}\"."),
                vec![json!({
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": if reason.is_empty() { "IAM_PERMISSION_DENIED" } else { reason },
                    "domain": "iam.googleapis.com",
                    "metadata": {"permission": perm},
                })],
            )
        }
        (429, _) => (
            format!(
                "Insufficient regional quota to satisfy request: resource \"CPUS\": request \
                 requires '6.0' and is short '2.0'. project has a quota of '4.0' with '4.0' \
                 available. View and manage quotas at \
                 https://console.cloud.google.com/iam-admin/quotas?usage=USED&project={project}."
            ),
            vec![json!({
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{
                    "subject": format!("projects/{project}"),
                    "description": "Insufficient regional quota: CPUS",
                }]
            })],
        ),
        (409, _) => (
            format!(
                "Already exists: projects/{project}/locations/{}/clusters/{}.",
                t.location, t.cluster
            ),
            vec![],
        ),
        (400, _) if name == "FAILED_PRECONDITION" => (
            format!(
                "Cluster {} is running an incompatible operation. Please wait and try again once it is done.",
                t.cluster
            ),
            vec![],
        ),
        (400, _) => (
            format!(
                "Invalid value for field 'cluster.nodePools[0].config.machineType': \
                 'n1-highmem-2'. Machine type \"n1-highmem-2\" is not available in zone \"{}\".",
                t.location
            ),
            vec![json!({
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{
                    "field": "cluster.nodePools[0].config.machineType",
                    "description": "Machine type not available in this zone",
                }]
            })],
        ),
        (401, _) => (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, \
             login cookie or other valid authentication credential. See \
             https://developers.google.com/identity/sign-in/web/devconsole-project."
                .to_string(),
            vec![],
        ),
        (404, _) => (
            format!(
                "Not found: projects/{project}/locations/{}/clusters/{}.",
                t.location, t.cluster
            ),
            vec![],
        ),
        (503, _) => ("The service is currently unavailable.".to_string(), vec![]),
        (504, _) => (
            "The request timed out. Please try again.".to_string(),
            vec![],
        ),
        _ => ("Internal error encountered.".to_string(), vec![]),
    };
    let message = fault
        .message
        .as_deref()
        .map(|m| fill(m, t))
        .unwrap_or(default_message);
    (status, error_body(status, &name, &message, details))
}

/// GCP's error body.
pub fn error_body(status: u16, name: &str, message: &str, details: Vec<Value>) -> Value {
    json!({
        "error": {
            "code": status,
            "message": message,
            "status": name,
            "details": details,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> RequestTarget {
        RequestTarget {
            method: "POST".into(),
            project: "demo".into(),
            location: "us-central1-b".into(),
            cluster: "notebook-test".into(),
        }
    }

    #[test]
    fn faults_parse_from_one_object_or_an_array_and_are_checked() {
        let one =
            parse_faults(r#"{"method":"POST","pathContains":"/clusters","status":403,"count":1}"#)
                .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].status, Some(403));
        let two = parse_faults(r#"[{"status":429},{"hangSeconds":1.5}]"#).unwrap();
        assert_eq!(two[1].hang_seconds, Some(1.5));
        for bad in [
            r#"{"method":"GET"}"#,
            r#"{"status":200}"#,
            r#"{"status":500,"count":0}"#,
            r#"{"hangSeconds":1e9}"#,
            r#"{"stauts":403}"#,
            "not json",
        ] {
            assert!(parse_faults(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fault_matches_by_method_and_path() {
        let f = Fault {
            method: Some("post".into()),
            path_contains: Some("/clusters".into()),
            status: Some(403),
            ..Default::default()
        };
        assert!(f.matches("POST", "/v1/projects/p/locations/l/clusters"));
        assert!(!f.matches("GET", "/v1/projects/p/locations/l/clusters"));
        assert!(!f.matches("POST", "/v1/projects/p/locations/l/operations"));
        assert!(Fault::default().matches("DELETE", "/anything"));
    }

    #[test]
    fn bodies_have_gcps_shape_and_texts() {
        let mut f = Fault {
            status: Some(403),
            reason: Some("SERVICE_DISABLED".into()),
            ..Default::default()
        };
        let (code, body) = fault_error(&f, &target(), "/v1/projects/demo/locations/l/clusters");
        assert_eq!(code, 403);
        assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
        assert_eq!(body["error"]["code"], 403);
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("Kubernetes Engine API has not been used in project demo"));
        assert_eq!(body["error"]["details"][0]["reason"], "SERVICE_DISABLED");

        f.reason = None;
        let (_, body) = fault_error(&f, &target(), "/v1/projects/demo/locations/l/clusters");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("container.clusters.create")
        );

        f.status = Some(429);
        let (_, body) = fault_error(&f, &target(), "/x");
        assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Insufficient regional quota to satisfy request: resource \"CPUS\"")
        );

        f.status = Some(409);
        f.message = Some("taken: {project}/{cluster}".into());
        let (_, body) = fault_error(&f, &target(), "/x");
        assert_eq!(body["error"]["message"], "taken: demo/notebook-test");
        assert_eq!(body["error"]["status"], "ALREADY_EXISTS");
    }

    #[test]
    fn rpc_codes_follow_google_rpc_code() {
        assert_eq!(rpc_code("RESOURCE_EXHAUSTED"), 8);
        assert_eq!(rpc_code("PERMISSION_DENIED"), 7);
        assert_eq!(rpc_code(status_name(409)), 6);
        assert_eq!(status_name(502), "INTERNAL");
        assert_eq!(status_name(503), "UNAVAILABLE");
    }
}
