//! Talking to a hub over HTTP: its health (no token), its users, stopping a
//! server and a spawn's progress (with the cockpit service's token). Every
//! failure comes back as a [`HubError`] that says what happened in plain
//! words and what to do about it.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, Url};

use super::api::{ApiError, HubUser, ProgressEvent, UsersPage, progress_events};
use super::token::HubToken;

/// How long a health check or an API call may take: a hub that has not
/// answered in this long is as good as down to an operator.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The hub's largest page of users (JupyterHub's `api_page_max_limit`
/// default).
const PAGE: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubError {
    /// Nothing listens there (the hub or proxy is down, or not yet up).
    Refused {
        url: String,
    },
    Timeout {
        url: String,
    },
    /// The answer was an HTTP error; the body's first line says why.
    Status {
        status: u16,
        said: String,
    },
    /// The token's role lacks a scope; the hub names the ones it needs.
    Forbidden {
        said: String,
    },
    /// The hub cannot check the token: it is not the service's, or not yet
    /// loaded (the upgrade that adds the service has not run).
    Unauthorized,
    Tls {
        error: String,
    },
    Other {
        error: String,
    },
}

impl std::fmt::Display for HubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HubError::Refused { url } => write!(
                f,
                "connection refused at {url}: the hub's proxy is not listening (is the proxy pod running?)"
            ),
            HubError::Timeout { url } => write!(
                f,
                "no answer from {url} in {} s (a firewall, or a hub too busy to answer)",
                REQUEST_TIMEOUT.as_secs()
            ),
            HubError::Status { status, said } if *status == 404 => write!(
                f,
                "HTTP 404: {said} (the hub is not up yet, or hub.baseUrl is not /)"
            ),
            HubError::Status { status, said } => write!(f, "HTTP {status}: {said}"),
            HubError::Forbidden { said } => write!(
                f,
                "HTTP 403: {said}: add the scope to hub.loadRoles.jhub-cockpit.scopes in config.yaml and upgrade"
            ),
            HubError::Unauthorized => write!(
                f,
                "HTTP 403: the hub does not know the jhub-cockpit service's token: upgrade with the service in config.yaml (A in the users view offers it)"
            ),
            HubError::Tls { error } => write!(
                f,
                "TLS: {error} (check proxy.https, or the certificate's name)"
            ),
            HubError::Other { error } => f.write_str(error),
        }
    }
}

/// A failure as a pane's few columns say it (`refused`, `timeout`,
/// `HTTP 503`, `TLS`), from its full text (as [`HubError`] writes it).
pub fn short_failure(error: &str) -> String {
    if error.starts_with("connection refused") {
        "refused".into()
    } else if error.starts_with("no answer") {
        "timeout".into()
    } else if let Some(rest) = error.strip_prefix("HTTP ") {
        format!("HTTP {}", rest.split(':').next().unwrap_or(""))
    } else if error.starts_with("TLS") {
        "TLS".into()
    } else {
        "failing".into()
    }
}

/// What a health check found: how long the hub took to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Healthy {
    pub latency_ms: u64,
}

/// A hub at `url` (the public one, or a port-forward's), under the chart's
/// `hub.baseUrl`.
#[derive(Clone)]
pub struct HubClient {
    /// `<url><baseUrl>hub/`: every path the cockpit reads is under it.
    hub: Url,
    http: reqwest::Client,
}

impl HubClient {
    pub fn new(url: &str, base_url: &str) -> Result<HubClient, HubError> {
        let base = base_url.trim_matches('/');
        let joined = if base.is_empty() {
            format!("{}/hub/", url.trim_end_matches('/'))
        } else {
            format!("{}/{base}/hub/", url.trim_end_matches('/'))
        };
        let hub = Url::parse(&joined).map_err(|e| HubError::Other {
            error: format!("bad hub URL {joined}: {e}"),
        })?;
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            // A hub behind a proxy of the operator's is still the hub; but
            // the cockpit asks it directly, as a browser on this machine would.
            .no_proxy()
            .build()
            .map_err(|e| HubError::Other {
                error: format!("cannot make an HTTP client: {e}"),
            })?;
        Ok(HubClient { hub, http })
    }

    /// The hub's address as the views say it.
    pub fn url(&self) -> &str {
        self.hub.as_str()
    }

    fn path(&self, segments: &[&str]) -> Url {
        let mut url = self.hub.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    /// The health of the hub at `url` under `base_url`, in one call: what
    /// the cockpit's periodic check and `status` both ask.
    pub async fn check(url: &str, base_url: &str) -> Result<Healthy, HubError> {
        HubClient::new(url, base_url)?.health().await
    }

    /// `GET /hub/health`, which answers without a token.
    pub async fn health(&self) -> Result<Healthy, HubError> {
        let url = self.path(&["health"]);
        let start = Instant::now();
        let response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        let latency_ms = start.elapsed().as_millis() as u64;
        checked(response).await?;
        Ok(Healthy { latency_ms })
    }

    /// Every user, page by page.
    pub async fn users(&self, token: &HubToken) -> Result<Vec<HubUser>, HubError> {
        let mut users = Vec::new();
        let mut offset = 0;
        loop {
            let mut url = self.path(&["api", "users"]);
            url.query_pairs_mut()
                .append_pair("offset", &offset.to_string())
                .append_pair("limit", &PAGE.to_string());
            let response = self
                .request(Method::GET, url, token)
                .header("Accept", "application/jupyterhub-pagination+json")
                .send()
                .await
                .map_err(|e| transport_error(&self.hub, &e))?;
            let body = checked(response).await?;
            let page: UsersPage = serde_json::from_str(&body).map_err(|e| HubError::Other {
                error: format!("the hub's user list is not what JupyterHub 5 sends: {e}"),
            })?;
            users.extend(page.items.into_iter().map(HubUser::from));
            match page.pagination.next {
                Some(next) if next.offset > offset => offset = next.offset,
                _ => return Ok(users),
            }
        }
    }

    /// `DELETE /hub/api/users/NAME/server`: stopped at once (204) or being
    /// stopped (202); either way the pod goes.
    pub async fn stop_server(&self, token: &HubToken, user: &str) -> Result<(), HubError> {
        let url = self.path(&["api", "users", user, "server"]);
        let response = self
            .request(Method::DELETE, url.clone(), token)
            .send()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        checked(response).await.map(|_| ())
    }

    /// Follows a pending spawn's progress, calling `on_event` for each
    /// event, until the hub ends the stream (ready, failed, or no spawn).
    pub async fn progress(
        &self,
        token: &HubToken,
        user: &str,
        mut on_event: impl FnMut(ProgressEvent),
    ) -> Result<(), HubError> {
        let url = self.path(&["api", "users", user, "server", "progress"]);
        let mut response = self
            .http
            .request(Method::GET, url.clone())
            .header("Authorization", token.header())
            .header("Accept", "text/event-stream")
            // The stream lasts the spawn; the timeout is for each wait.
            .timeout(Duration::from_secs(600))
            .send()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        if !response.status().is_success() {
            return checked(response).await.map(|_| ());
        }
        let mut pending = String::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(&url, &e))?
        {
            for event in progress_events(&mut pending, &String::from_utf8_lossy(&chunk)) {
                on_event(event);
            }
        }
        Ok(())
    }

    fn request(&self, method: Method, url: Url, token: &HubToken) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header("Authorization", token.header())
    }
}

/// The body of a successful answer, or the error it is.
async fn checked(response: reqwest::Response) -> Result<String, HubError> {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if status.is_success() {
        return Ok(body);
    }
    let said = serde_json::from_str::<ApiError>(&body)
        .ok()
        .map(|e| e.message)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            body.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or(status.canonical_reason().unwrap_or(""))
                .chars()
                .take(200)
                .collect()
        });
    Err(match status {
        StatusCode::FORBIDDEN if said.contains("scope") => HubError::Forbidden { said },
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => HubError::Unauthorized,
        _ => HubError::Status {
            status: status.as_u16(),
            said,
        },
    })
}

fn transport_error(url: &Url, e: &reqwest::Error) -> HubError {
    let url = format!(
        "{}://{}",
        url.scheme(),
        url.host_str().map_or(String::new(), |h| match url.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_owned(),
        })
    );
    if e.is_timeout() {
        return HubError::Timeout { url };
    }
    // The cause is a few sources down (hyper, then the io error).
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut words = Vec::new();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return HubError::Refused { url };
        }
        words.push(s.to_string());
        source = s.source();
    }
    let said = words.last().cloned().unwrap_or_default();
    if words
        .iter()
        .any(|w| w.contains("certificate") || w.contains("tls") || w.contains("TLS"))
    {
        return HubError::Tls { error: said };
    }
    HubError::Other {
        error: format!("cannot reach {url}: {said}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_under_the_base_url_and_names_are_escaped() {
        let client = HubClient::new("http://127.0.1.1", "/").unwrap();
        assert_eq!(client.url(), "http://127.0.1.1/hub/");
        assert_eq!(
            client.path(&["api", "users", "a b/c", "server"]).as_str(),
            "http://127.0.1.1/hub/api/users/a%20b%2Fc/server"
        );
        let under = HubClient::new("http://127.0.1.1/", "/jupyter/").unwrap();
        assert_eq!(
            under.path(&["health"]).as_str(),
            "http://127.0.1.1/jupyter/hub/health"
        );
    }

    #[test]
    fn failures_have_a_short_form_for_the_pane() {
        let refused = HubError::Refused {
            url: "http://127.0.1.1".into(),
        };
        assert_eq!(short_failure(&refused.to_string()), "refused");
        let timeout = HubError::Timeout {
            url: "http://127.0.1.1".into(),
        };
        assert_eq!(short_failure(&timeout.to_string()), "timeout");
        let status = HubError::Status {
            status: 503,
            said: "Service Unavailable".into(),
        };
        assert_eq!(short_failure(&status.to_string()), "HTTP 503");
    }

    #[test]
    fn errors_say_what_to_do() {
        let forbidden = HubError::Forbidden {
            said: "Action is not authorized with current scopes; requires any of [admin:servers, servers]".into(),
        };
        assert_eq!(
            forbidden.to_string(),
            "HTTP 403: Action is not authorized with current scopes; requires any of [admin:servers, servers]: add the scope to hub.loadRoles.jhub-cockpit.scopes in config.yaml and upgrade"
        );
        assert!(
            HubError::Refused {
                url: "http://127.0.1.1".into()
            }
            .to_string()
            .starts_with("connection refused at http://127.0.1.1")
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_said_as_refused() {
        // A port nothing listens on: bound, then closed.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let client = HubClient::new(&format!("http://127.0.0.1:{port}"), "/").unwrap();
        assert_eq!(
            client.health().await,
            Err(HubError::Refused {
                url: format!("http://127.0.0.1:{port}")
            })
        );
    }
}
