//! GKE failures as plain messages: what went wrong, GCP's own words, and the
//! next step. The classification ([`map_api_error`]) is a pure function of
//! the status, the message and the error reason, so it can be fuzzed and
//! tested without a server; [`GkeError::from_client_error`] only takes those
//! parts out of the client library's error.

use std::fmt;

use super::names::CLUSTER_NAME_RULE;

/// What kind of failure, which decides the summary and the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GkeErrorKind {
    /// PERMISSION_DENIED: the account lacks a role on the project.
    PermissionDenied,
    /// The Kubernetes Engine API is not enabled (GCP sends PERMISSION_DENIED
    /// with reason SERVICE_DISABLED).
    ServiceDisabled,
    /// RESOURCE_EXHAUSTED, or GKE's "Insufficient regional quota" (which GKE
    /// sends as 403).
    QuotaExceeded,
    /// ALREADY_EXISTS: a cluster of that name exists in the location.
    AlreadyExists,
    /// INVALID_ARGUMENT / OUT_OF_RANGE: GKE refused a field.
    InvalidArgument,
    /// NOT_FOUND: no such cluster, operation, project or location.
    NotFound,
    /// UNAUTHENTICATED, or no Application Default Credentials at all.
    NoCredentials,
    /// FAILED_PRECONDITION / ABORTED: another operation is running.
    FailedPrecondition,
    /// UNAVAILABLE, DEADLINE_EXCEEDED, a timeout or a connection failure.
    Unavailable,
    /// The cluster name broke GKE's rule; refused before any request.
    InvalidName,
    /// No project or no location could be resolved.
    MissingTarget,
    /// Anything else (INTERNAL, UNKNOWN, an unparseable response).
    Other,
}

/// A GKE failure, ready to show: `Display` gives one line with the summary,
/// GCP's text and the next step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GkeError {
    pub kind: GkeErrorKind,
    /// The canonical status name GCP sent (or the one its HTTP status implies),
    /// e.g. `PERMISSION_DENIED`; empty when no response came.
    pub status: String,
    pub http_status: Option<u16>,
    /// GCP's own error text (or ours when the failure is local), sanitized
    /// for a terminal.
    pub gcp_message: String,
    /// The project the request was for, used in the next-step commands.
    pub project: String,
}

/// The longest server text kept; a proxy's HTML error page must not flood
/// the screen.
const MAX_MESSAGE_CHARS: usize = 2000;

/// Classifies a GCP error. `http_status` and `status` may each be missing
/// (empty `status`): a JSON error body gives the status name, a bare HTTP
/// error only its code. `reason` is the `ErrorInfo.reason` detail when GCP
/// sent one (e.g. `SERVICE_DISABLED`). Pure: no I/O, never panics.
pub fn map_api_error(
    http_status: Option<u16>,
    status: &str,
    message: &str,
    reason: Option<&str>,
    project: &str,
) -> GkeError {
    let status = canonical_status(http_status, status);
    let lower = message.to_lowercase();
    let reason = reason.unwrap_or("").trim().to_ascii_uppercase();
    let kind = if reason == "SERVICE_DISABLED"
        || reason == "ACCESS_NOT_CONFIGURED"
        || lower.contains("has not been used in project")
        || (lower.contains("api") && lower.contains("is disabled"))
    {
        GkeErrorKind::ServiceDisabled
    } else if status == "RESOURCE_EXHAUSTED"
        || reason == "RATE_LIMIT_EXCEEDED"
        || reason == "QUOTA_EXCEEDED"
        || lower.contains("insufficient regional quota")
        || lower.contains("insufficient quota")
        || lower.contains("quota exceeded")
        || lower.contains("exceeded quota")
        || lower.contains("quota metric")
    {
        GkeErrorKind::QuotaExceeded
    } else {
        match status.as_str() {
            "UNAUTHENTICATED" => GkeErrorKind::NoCredentials,
            "PERMISSION_DENIED" => GkeErrorKind::PermissionDenied,
            "ALREADY_EXISTS" => GkeErrorKind::AlreadyExists,
            "INVALID_ARGUMENT" | "OUT_OF_RANGE" => GkeErrorKind::InvalidArgument,
            "NOT_FOUND" => GkeErrorKind::NotFound,
            "FAILED_PRECONDITION" | "ABORTED" => GkeErrorKind::FailedPrecondition,
            "UNAVAILABLE" | "DEADLINE_EXCEEDED" | "CANCELLED" => GkeErrorKind::Unavailable,
            _ => GkeErrorKind::Other,
        }
    };
    let mut gcp_message = sanitize(message);
    if gcp_message.is_empty() {
        gcp_message = match http_status {
            Some(code) => format!("HTTP {code} {status}"),
            None => status.clone(),
        };
    }
    GkeError {
        kind,
        status,
        http_status,
        gcp_message,
        project: sanitize(project),
    }
}

/// The status name to classify by: GCP's when it sent a known one, else the
/// one its HTTP status maps to (google.rpc.Code's HTTP mapping).
fn canonical_status(http_status: Option<u16>, status: &str) -> String {
    const KNOWN: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    let given = status.trim().to_ascii_uppercase();
    // A bare 4xx/5xx parsed by a client that could not read the body comes
    // back as UNKNOWN; the HTTP code then says more.
    if KNOWN.contains(&given.as_str()) && !(given == "UNKNOWN" && http_status.is_some()) {
        return given;
    }
    let from_http = match http_status {
        Some(400) => "INVALID_ARGUMENT",
        Some(401) => "UNAUTHENTICATED",
        Some(403) => "PERMISSION_DENIED",
        Some(404) => "NOT_FOUND",
        Some(409) => "ALREADY_EXISTS",
        Some(412) => "FAILED_PRECONDITION",
        Some(429) => "RESOURCE_EXHAUSTED",
        Some(499) => "CANCELLED",
        Some(501) => "UNIMPLEMENTED",
        Some(502) | Some(503) => "UNAVAILABLE",
        Some(504) => "DEADLINE_EXCEEDED",
        Some(500..=599) => "INTERNAL",
        _ => "UNKNOWN",
    };
    from_http.to_string()
}

/// Server text goes onto a terminal: control characters (an ESC would start
/// an escape sequence) become spaces, runs of whitespace collapse, and the
/// length is capped.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE_CHARS));
    let mut last_space = true;
    let mut kept = 0;
    for c in text.chars() {
        if kept >= MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        out.push(c);
        kept += 1;
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

impl GkeError {
    /// A failure that never reached GCP (bad name, missing project, ...).
    pub fn local(kind: GkeErrorKind, message: impl AsRef<str>, project: &str) -> Self {
        GkeError {
            kind,
            status: String::new(),
            http_status: None,
            gcp_message: sanitize(message.as_ref()),
            project: sanitize(project),
        }
    }

    /// The cluster name broke GKE's rule.
    pub fn invalid_name(reason: &str) -> Self {
        Self::local(GkeErrorKind::InvalidName, reason, "")
    }

    /// Takes the status, message and ErrorInfo reason out of the client
    /// library's error and classifies them with [`map_api_error`].
    pub fn from_client_error(err: &google_cloud_container_v1::Error, project: &str) -> Self {
        use google_cloud_gax::error::rpc::StatusDetails;
        if let Some(status) = err.status() {
            let reason = status.details.iter().find_map(|d| match d {
                StatusDetails::ErrorInfo(info) => Some(info.reason.as_str()),
                _ => None,
            });
            return map_api_error(
                err.http_status_code(),
                status.code.name(),
                &status.message,
                reason,
                project,
            );
        }
        if err.is_authentication() {
            return Self::local(GkeErrorKind::NoCredentials, error_chain(err), project);
        }
        if let Some(code) = err.http_status_code() {
            // A body that is not Google's JSON error (a proxy's page, say):
            // keep its text as GCP's words.
            let body = err
                .http_payload()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            return map_api_error(Some(code), "", &body, None, project);
        }
        let kind = if err.is_timeout() || err.is_io() || err.is_connect() || err.is_transport() {
            GkeErrorKind::Unavailable
        } else if err.is_binding() {
            GkeErrorKind::InvalidArgument
        } else {
            GkeErrorKind::Other
        };
        Self::local(kind, error_chain(err), project)
    }

    /// One short sentence saying what went wrong.
    pub fn summary(&self) -> String {
        let in_project = if self.project.is_empty() {
            String::new()
        } else {
            format!(" in project {}", self.project)
        };
        match self.kind {
            GkeErrorKind::PermissionDenied => format!("Permission denied{in_project}"),
            GkeErrorKind::ServiceDisabled => {
                format!("The Kubernetes Engine API is not enabled{in_project}")
            }
            GkeErrorKind::QuotaExceeded => format!("Quota exceeded{in_project}"),
            GkeErrorKind::AlreadyExists => "That cluster already exists".into(),
            GkeErrorKind::InvalidArgument => "GKE refused the request as invalid".into(),
            GkeErrorKind::NotFound => format!("Not found{in_project}"),
            GkeErrorKind::NoCredentials => "No usable Google Cloud credentials".into(),
            GkeErrorKind::FailedPrecondition => "GKE cannot do that right now".into(),
            GkeErrorKind::Unavailable => "GKE did not answer".into(),
            GkeErrorKind::InvalidName => "Invalid cluster name".into(),
            GkeErrorKind::MissingTarget => "No GCP project or location".into(),
            GkeErrorKind::Other if self.status.is_empty() => "The GKE request failed".into(),
            GkeErrorKind::Other => format!("GKE returned {}", self.status),
        }
    }

    /// What to do about it: a command or a place in the console.
    pub fn next_step(&self) -> String {
        let p = if self.project.is_empty() {
            "PROJECT"
        } else {
            &self.project
        };
        match self.kind {
            GkeErrorKind::PermissionDenied => format!(
                "ask a project owner for the Kubernetes Engine Admin role (roles/container.admin) \
                 on {p}, or sign in as an account that has it: \
                 `gcloud auth application-default login`"
            ),
            GkeErrorKind::ServiceDisabled => format!(
                "run `gcloud services enable container.googleapis.com --project {p}`, \
                 wait a minute, and retry"
            ),
            GkeErrorKind::QuotaExceeded => format!(
                "request more quota in the console (IAM & Admin > Quotas, \
                 https://console.cloud.google.com/iam-admin/quotas?project={p}), \
                 or ask for fewer nodes or a smaller machine type"
            ),
            GkeErrorKind::AlreadyExists => {
                "choose another cluster name, or connect to the existing cluster".into()
            }
            GkeErrorKind::InvalidArgument => {
                "correct the value GKE names above and try again".into()
            }
            GkeErrorKind::NotFound => format!(
                "check the project, location and name (`gcloud container clusters list --project {p}`)"
            ),
            GkeErrorKind::NoCredentials => "run `gcloud auth application-default login` \
                 (or point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file)"
                .into(),
            GkeErrorKind::FailedPrecondition => {
                "wait for the cluster's running operation to finish, then retry".into()
            }
            GkeErrorKind::Unavailable => {
                "check the network (or --gke-endpoint) and retry in a moment".into()
            }
            GkeErrorKind::InvalidName => format!("use {CLUSTER_NAME_RULE}"),
            GkeErrorKind::MissingTarget => {
                "pass --project and --location, set them in the settings file, \
                 or run `gcloud config set project PROJECT` and \
                 `gcloud config set compute/zone ZONE`"
                    .into()
            }
            GkeErrorKind::Other => "read GKE's message above; retry if it looks transient".into(),
        }
    }
}

impl fmt::Display for GkeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.gcp_message.trim_end_matches('.');
        write!(
            f,
            "{}: {}. Next step: {}.",
            self.summary(),
            text,
            self.next_step()
        )
    }
}

impl std::error::Error for GkeError {}

/// An error and its sources on one line, skipping a source whose text the
/// outer message already includes (many errors repeat their cause).
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const DISABLED: &str = "Kubernetes Engine API has not been used in project demo before or it \
        is disabled. Enable it by visiting \
        https://console.developers.google.com/apis/api/container.googleapis.com/overview?project=demo \
        then retry.";
    const QUOTA: &str = "Insufficient regional quota to satisfy request: resource \"CPUS\": \
        request requires '6.0' and is short '2.0'. project has a quota of '4.0' with '4.0' available.";

    fn kind(http: Option<u16>, status: &str, msg: &str, reason: Option<&str>) -> GkeErrorKind {
        map_api_error(http, status, msg, reason, "demo").kind
    }

    #[test]
    fn each_status_maps_to_its_kind() {
        use GkeErrorKind::*;
        let cases = [
            ("PERMISSION_DENIED", PermissionDenied),
            ("UNAUTHENTICATED", NoCredentials),
            ("ALREADY_EXISTS", AlreadyExists),
            ("INVALID_ARGUMENT", InvalidArgument),
            ("OUT_OF_RANGE", InvalidArgument),
            ("NOT_FOUND", NotFound),
            ("RESOURCE_EXHAUSTED", QuotaExceeded),
            ("FAILED_PRECONDITION", FailedPrecondition),
            ("UNAVAILABLE", Unavailable),
            ("DEADLINE_EXCEEDED", Unavailable),
            ("INTERNAL", Other),
        ];
        for (status, want) in cases {
            assert_eq!(kind(None, status, "x", None), want, "{status}");
            // Case and whitespace from the server do not change the kind.
            assert_eq!(
                kind(None, &format!(" {} ", status.to_lowercase()), "x", None),
                want,
                "{status}"
            );
        }
    }

    #[test]
    fn service_disabled_is_found_by_reason_or_by_text() {
        assert_eq!(
            kind(
                Some(403),
                "PERMISSION_DENIED",
                "denied",
                Some("SERVICE_DISABLED")
            ),
            GkeErrorKind::ServiceDisabled
        );
        assert_eq!(
            kind(Some(403), "PERMISSION_DENIED", DISABLED, None),
            GkeErrorKind::ServiceDisabled
        );
        let e = map_api_error(Some(403), "PERMISSION_DENIED", DISABLED, None, "demo");
        let shown = e.to_string();
        assert!(
            shown.contains("has not been used in project demo"),
            "{shown}"
        );
        assert!(
            shown.contains("gcloud services enable container.googleapis.com --project demo"),
            "{shown}"
        );
    }

    #[test]
    fn quota_is_found_by_status_or_by_gkes_403_text() {
        assert_eq!(
            kind(Some(429), "RESOURCE_EXHAUSTED", QUOTA, None),
            GkeErrorKind::QuotaExceeded
        );
        // GKE sends regional CPU quota shortfalls as 403 PERMISSION_DENIED.
        assert_eq!(
            kind(Some(403), "PERMISSION_DENIED", QUOTA, None),
            GkeErrorKind::QuotaExceeded
        );
        let shown = map_api_error(Some(429), "RESOURCE_EXHAUSTED", QUOTA, None, "demo").to_string();
        assert!(shown.contains("resource \"CPUS\""), "{shown}");
        assert!(shown.contains("quotas?project=demo"), "{shown}");
    }

    #[test]
    fn a_bare_http_error_is_classified_by_its_code() {
        use GkeErrorKind::*;
        for (code, want) in [
            (400, InvalidArgument),
            (401, NoCredentials),
            (403, PermissionDenied),
            (404, NotFound),
            (409, AlreadyExists),
            (429, QuotaExceeded),
            (502, Unavailable),
            (503, Unavailable),
            (500, Other),
            (418, Other),
        ] {
            assert_eq!(kind(Some(code), "", "<html>", None), want, "{code}");
            assert_eq!(kind(Some(code), "UNKNOWN", "<html>", None), want, "{code}");
        }
    }

    #[test]
    fn the_message_has_summary_gcp_text_and_next_step() {
        let e = map_api_error(
            Some(403),
            "PERMISSION_DENIED",
            "Required \"container.clusters.create\" permission(s) for \"projects/demo\".",
            None,
            "demo",
        );
        assert_eq!(
            e.to_string(),
            "Permission denied in project demo: Required \"container.clusters.create\" \
             permission(s) for \"projects/demo\". Next step: ask a project owner for the \
             Kubernetes Engine Admin role (roles/container.admin) on demo, or sign in as an \
             account that has it: `gcloud auth application-default login`."
        );
        let e = map_api_error(None, "UNAUTHENTICATED", "no token", None, "demo");
        assert!(
            e.to_string()
                .contains("gcloud auth application-default login")
        );
    }

    #[test]
    fn an_empty_message_still_says_what_gcp_sent() {
        let e = map_api_error(Some(503), "", "", None, "");
        assert_eq!(e.gcp_message, "HTTP 503 UNAVAILABLE");
        assert!(e.next_step().contains("retry"));
        // No project: the commands carry a placeholder, not an empty flag.
        let e = map_api_error(None, "NOT_FOUND", "gone", None, "");
        assert!(
            e.next_step().contains("--project PROJECT"),
            "{}",
            e.next_step()
        );
        assert_eq!(e.summary(), "Not found");
    }

    #[test]
    fn server_text_cannot_drive_the_terminal() {
        let e = map_api_error(
            None,
            "INTERNAL",
            "bad\x1b[2Jthing\r\nhere\u{7}",
            None,
            "p\x1bq",
        );
        let shown = e.to_string();
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert!(shown.contains("bad [2Jthing here"), "{shown}");
        let long = "x".repeat(10_000);
        let e = map_api_error(None, "INTERNAL", &long, None, "");
        assert!(e.gcp_message.chars().count() <= MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn local_errors_carry_their_own_next_step() {
        let e = GkeError::invalid_name("the cluster name is empty");
        assert_eq!(e.kind, GkeErrorKind::InvalidName);
        assert!(e.to_string().contains("lowercase letters"), "{e}");
        let e = GkeError::local(GkeErrorKind::MissingTarget, "no project", "");
        assert!(e.to_string().contains("--project"), "{e}");
    }

    proptest::proptest! {
        // Whatever a server sends, the mapping returns a one-line message
        // with GCP's (sanitized) words and a next step, and never panics.
        #[test]
        fn any_input_gives_a_clean_message(
            http in proptest::option::of(0u16..1000),
            status in "\\PC{0,20}|PERMISSION_DENIED|RESOURCE_EXHAUSTED|NOT_FOUND",
            message in "\\PC{0,200}|[\\x00-\\x1f\\x7f]{0,10}",
            reason in proptest::option::of("\\PC{0,20}|SERVICE_DISABLED"),
            project in "[a-z0-9-]{0,30}",
        ) {
            let e = map_api_error(http, &status, &message, reason.as_deref(), &project);
            let shown = e.to_string();
            proptest::prop_assert!(!shown.chars().any(char::is_control), "{:?}", shown);
            proptest::prop_assert!(!e.gcp_message.is_empty());
            let text = e.gcp_message.trim_end_matches('.').to_string();
            proptest::prop_assert!(shown.contains(&text), "{:?}", shown);
            let step = format!("Next step: {}.", e.next_step());
            proptest::prop_assert!(shown.ends_with(&step), "{:?}", shown);
            let again = map_api_error(http, &status, &message, reason.as_deref(), &project);
            proptest::prop_assert_eq!(e, again);
        }
    }
}
