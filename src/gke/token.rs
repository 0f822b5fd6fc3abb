//! The token file a GKE kubeconfig context reads when neither a client
//! certificate nor `gke-gcloud-auth-plugin` is there: an ADC access token,
//! written 0600 to `<state dir>/jhub-cockpit/tokens/<context>.token`, and
//! kept fresh while the cockpit runs.
//!
//! Who reads it, and how often: kube 5 (`kube-client` `auth::TokenFile`)
//! reads the file when the client is built and again on the first request
//! made 50 s or more after the last read (it caches for 60 s, less a 10 s
//! margin); client-go (helm, kubectl) caches a `tokenFile` for a minute
//! too. A long watch is authenticated once, when it starts: its next
//! relist or rewatch reads the file again. So a new token must be in the
//! file at least a minute before the old one stops working, which the
//! schedule of [`TokenRefresher`] guarantees for any token that lives
//! longer than two minutes.
//!
//! [`TokenRefresher`] decides when to fetch, what to write and what to tell
//! the operator, from the times it is given (no clock, no I/O);
//! [`keep_fresh`] runs it against a [`TokenSource`] with the real clock.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

/// What a token file is for: under this directory, so the cockpit never
/// writes a token file it did not make.
pub fn tokens_dir() -> PathBuf {
    dirs::state_dir()
        .unwrap_or_else(|| dirs::home_dir().unwrap_or_default().join(".local/state"))
        .join("jhub-cockpit")
        .join("tokens")
}

/// The token file of a kubeconfig context.
pub fn token_path(context: &str) -> PathBuf {
    // Context names are gcloud's `gke_<project>_<location>_<name>`, which
    // has no '/'; anything else is replaced so the file stays in the dir.
    let safe: String = context
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    tokens_dir().join(format!("{safe}.token"))
}

/// Writes the token, mode 0600, whole (a rename), with no newline: kube
/// puts the file's bytes into the Authorization header as they are.
pub fn write_token_file(path: &Path, token: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the token directory {}", dir.display()))?;
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    crate::secrets::write_private(path, token.trim(), true)
        .with_context(|| format!("cannot write the token file {}", path.display()))
}

/// A token as the source hands it out.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchedToken {
    pub token: String,
    /// None: the source does not say (google-cloud-auth does not); see
    /// [`RefreshPolicy::assumed_lifetime`].
    pub expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for FetchedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchedToken")
            .field("token", &"[censored]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why no token came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Worth retrying as it is (the network, a 5xx).
    Transient(String),
    /// Retrying will not help until the operator acts (revoked or expired
    /// refresh token, no credentials).
    Permanent(String),
}

/// Something that hands out access tokens.
pub trait TokenSource: Send + 'static {
    fn fetch(&mut self) -> impl Future<Output = Result<FetchedToken, FetchError>> + Send;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Refresh this long before expiry, or at half-life if that is sooner.
    pub lead: Duration,
    /// How long a token of unknown expiry is taken to live: google-cloud-auth
    /// replaces its cached token 240 s before it expires, so one it hands
    /// out has at least that long left (while its own refreshes succeed).
    pub assumed_lifetime: Duration,
    /// The first retry after a failure; doubled each time.
    pub first_retry: Duration,
    /// The longest wait between retries.
    pub max_retry: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            lead: Duration::from_secs(300),
            assumed_lifetime: Duration::from_secs(240),
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(120),
        }
    }
}

/// What the operator is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenReport {
    /// A token was written after failures: the trouble is over.
    Recovered { expires_at: DateTime<Utc> },
    /// A refresh failed; the token in the file still works until
    /// `valid_until` (None: there is none yet).
    Retrying {
        error: String,
        attempt: u32,
        retry_at: DateTime<Utc>,
        valid_until: Option<DateTime<Utc>>,
    },
    /// The token in the file no longer works (expired, or none), or the
    /// credentials were refused: the operator must log in again.
    Expired { error: String },
}

/// The login command every failure points to.
pub const LOGIN_HINT: &str = "run gcloud auth application-default login";

impl TokenReport {
    /// Whether the operator must act (an error, not a warning).
    pub fn is_error(&self) -> bool {
        matches!(self, TokenReport::Expired { .. })
    }

    /// The status line, with the next step.
    pub fn message(&self, now: DateTime<Utc>) -> String {
        match self {
            TokenReport::Recovered { .. } => "GKE token refreshed".into(),
            TokenReport::Retrying {
                error,
                attempt,
                retry_at,
                valid_until,
            } => {
                let retry = (*retry_at - now).num_seconds().max(0);
                let left = match valid_until {
                    Some(t) => format!(
                        "the current token works for {} s more",
                        (*t - now).num_seconds().max(0)
                    ),
                    None => "no token yet".into(),
                };
                format!(
                    "GKE token refresh failed ({error}); retry {attempt} in {retry} s, {left}; if it keeps failing, {LOGIN_HINT}"
                )
            }
            TokenReport::Expired { error } => {
                format!("GKE token expired ({error}): {LOGIN_HINT}")
            }
        }
    }
}

/// What to do after a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Write this token to the file.
    pub write: Option<String>,
    pub report: Option<TokenReport>,
}

/// When to fetch, what to keep, what to report. Pure: times come in.
#[derive(Debug, Clone)]
pub struct TokenRefresher {
    policy: RefreshPolicy,
    token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    failures: u32,
    due: DateTime<Utc>,
    /// The token and expiry before the last successful fetch, for when
    /// its token could not be written.
    previous: (Option<String>, Option<DateTime<Utc>>),
}

fn chrono_dur(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl TokenRefresher {
    /// A refresher with no token yet: the first fetch is due now.
    pub fn new(policy: RefreshPolicy, now: DateTime<Utc>) -> Self {
        TokenRefresher {
            policy,
            token: None,
            expires_at: None,
            failures: 0,
            due: now,
            previous: (None, None),
        }
    }

    /// The token of the last [`Step::write`] could not be written: the
    /// file still holds the one before, and the write is retried like a
    /// failed fetch.
    pub fn not_written(&mut self, now: DateTime<Utc>, error: String) -> Step {
        (self.token, self.expires_at) = self.previous.clone();
        self.fetched(now, Err(FetchError::Transient(error)))
    }

    /// When to fetch next.
    pub fn due(&self) -> DateTime<Utc> {
        self.due
    }

    /// When the token in the file stops working (None: no token yet).
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// The earlier of half-life and `lead` before expiry; half-life alone
    /// when the token is too short-lived for `lead`. At least a second, so
    /// a source handing out nearly expired tokens is not asked in a loop.
    fn refresh_after(&self, lifetime: chrono::Duration) -> chrono::Duration {
        let half = lifetime / 2;
        let before_lead = lifetime - chrono_dur(self.policy.lead);
        let wait = if before_lead > chrono::Duration::zero() {
            half.min(before_lead)
        } else {
            half
        };
        wait.max(chrono::Duration::seconds(1))
    }

    /// The outcome of the fetch made at `now`.
    pub fn fetched(
        &mut self,
        now: DateTime<Utc>,
        result: Result<FetchedToken, FetchError>,
    ) -> Step {
        match result {
            Ok(fetched) => {
                let expires_at = fetched
                    .expires_at
                    .unwrap_or(now + chrono_dur(self.policy.assumed_lifetime));
                let lifetime = expires_at - now;
                self.due = now + self.refresh_after(lifetime);
                let was_failing = self.failures > 0;
                self.failures = 0;
                self.previous = (self.token.clone(), self.expires_at);
                self.expires_at = Some(expires_at);
                let changed = self.token.as_deref() != Some(fetched.token.as_str());
                self.token = Some(fetched.token.clone());
                Step {
                    write: changed.then_some(fetched.token),
                    report: was_failing.then_some(TokenReport::Recovered { expires_at }),
                }
            }
            Err(error) => {
                self.failures += 1;
                let backoff = self
                    .policy
                    .first_retry
                    .saturating_mul(1u32 << (self.failures - 1).min(16))
                    .min(self.policy.max_retry);
                self.due = now + chrono_dur(backoff);
                let valid_until = self.expires_at.filter(|t| *t > now);
                let report = match (&error, valid_until) {
                    (FetchError::Permanent(e), _) => TokenReport::Expired { error: e.clone() },
                    (FetchError::Transient(e), None) if self.token.is_some() => {
                        TokenReport::Expired { error: e.clone() }
                    }
                    (FetchError::Transient(e), valid_until) => TokenReport::Retrying {
                        error: e.clone(),
                        attempt: self.failures,
                        retry_at: self.due,
                        valid_until,
                    },
                };
                Step {
                    write: None,
                    report: Some(report),
                }
            }
        }
    }
}

/// Keeps `path` holding a fresh token from `source` until the task is
/// dropped, telling `report` what the operator should know. Writes the
/// first token at once.
pub async fn keep_fresh<S: TokenSource>(
    mut source: S,
    path: PathBuf,
    policy: RefreshPolicy,
    mut report: impl FnMut(TokenReport) + Send,
) {
    let mut refresher = TokenRefresher::new(policy, Utc::now());
    loop {
        let wait = (refresher.due() - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        let result = source.fetch().await;
        let step = refresher.fetched(Utc::now(), result);
        if let Some(token) = &step.write
            && let Err(e) = write_token_file(&path, token)
        {
            // The file is what kube and helm read: not writing it is a
            // failure like a refused fetch, retried the same way.
            if let Some(r) = refresher.not_written(Utc::now(), format!("{e:#}")).report {
                report(r);
            }
            continue;
        }
        if let Some(r) = step.report {
            report(r);
        }
    }
}

/// Application Default Credentials as a token source: the same files
/// [`super::client`] uses, scope cloud-platform (what GKE accepts as a
/// bearer token).
pub struct AdcTokenSource {
    credentials: Option<google_cloud_auth::credentials::AccessTokenCredentials>,
}

impl Default for AdcTokenSource {
    fn default() -> Self {
        Self::new()
    }
}

impl AdcTokenSource {
    pub fn new() -> Self {
        AdcTokenSource { credentials: None }
    }

    fn build() -> Result<google_cloud_auth::credentials::AccessTokenCredentials, FetchError> {
        let allow = std::env::var_os("GCE_METADATA_HOST").is_some();
        super::client::check_adc_source(&super::client::adc_source(), allow)
            .map_err(|e| FetchError::Permanent(e.gcp_message))?;
        google_cloud_auth::credentials::Builder::default()
            .with_universe_domain("googleapis.com")
            .with_scopes(["https://www.googleapis.com/auth/cloud-platform"])
            .build_access_token_credentials()
            .map_err(|e| FetchError::Permanent(e.to_string()))
    }
}

impl TokenSource for AdcTokenSource {
    async fn fetch(&mut self) -> Result<FetchedToken, FetchError> {
        if self.credentials.is_none() {
            self.credentials = Some(Self::build()?);
        }
        let credentials = self.credentials.as_ref().expect("built above");
        match credentials.access_token().await {
            Ok(t) => Ok(FetchedToken {
                token: t.token,
                expires_at: None,
            }),
            Err(e) if e.is_transient() => Err(FetchError::Transient(e.to_string())),
            Err(e) => {
                // Built again next time: a `gcloud auth application-default
                // login` in another terminal is then picked up.
                self.credentials = None;
                Err(FetchError::Permanent(e.to_string()))
            }
        }
    }
}

/// The context's token file, if it is one the cockpit keeps (under
/// [`tokens_dir`]); None for every other kind of user entry.
pub fn managed_token_file(kubeconfig: Option<&Path>, context: Option<&str>) -> Option<PathBuf> {
    let config = crate::kube::client::read_kubeconfig(kubeconfig).ok()?;
    let context = context
        .map(str::to_owned)
        .or_else(|| config.current_context.clone())?;
    let user = config
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?
        .user
        .clone()?;
    let file = config
        .auth_infos
        .iter()
        .find(|a| a.name == user)?
        .auth_info
        .as_ref()?
        .token_file
        .clone()?;
    let file = PathBuf::from(file);
    file.starts_with(tokens_dir()).then_some(file)
}

/// Fetches one token and writes it: what a headless command does before it
/// runs helm or a kube client against a context with a managed token file.
pub async fn write_once<S: TokenSource>(source: &mut S, path: &Path) -> Result<(), String> {
    let token = source.fetch().await.map_err(|e| match e {
        FetchError::Transient(e) | FetchError::Permanent(e) => {
            format!("cannot get a GKE access token ({e}): {LOGIN_HINT}")
        }
    })?;
    write_token_file(path, &token.token).map_err(|e| format!("{e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        "2026-12-02T08:00:00Z".parse().unwrap()
    }

    fn secs(n: i64) -> chrono::Duration {
        chrono::Duration::seconds(n)
    }

    fn token(name: &str, expires_at: Option<DateTime<Utc>>) -> Result<FetchedToken, FetchError> {
        Ok(FetchedToken {
            token: name.into(),
            expires_at,
        })
    }

    #[test]
    fn an_hour_token_is_replaced_at_half_life_long_before_it_expires() {
        let mut r = TokenRefresher::new(RefreshPolicy::default(), t0());
        assert_eq!(r.due(), t0(), "the first fetch is at once");
        let step = r.fetched(t0(), token("a", Some(t0() + secs(3600))));
        assert_eq!(step.write.as_deref(), Some("a"));
        assert_eq!(step.report, None);
        assert_eq!(r.due(), t0() + secs(1800));
        // The session goes on past the first token's expiry: each token is
        // in the file well over a minute (kube's re-read) before the last
        // one expires.
        let mut now = r.due();
        let mut expiry = t0() + secs(3600);
        for i in 0..5 {
            let next = format!("t{i}");
            let step = r.fetched(now, token(&next, Some(now + secs(3600))));
            assert_eq!(step.write.as_deref(), Some(next.as_str()));
            assert!(
                expiry - now >= secs(60),
                "written {}s before expiry",
                (expiry - now).num_seconds()
            );
            expiry = now + secs(3600);
            now = r.due();
        }
    }

    #[test]
    fn a_short_token_is_replaced_five_minutes_before_expiry_or_at_half_life() {
        let mut r = TokenRefresher::new(RefreshPolicy::default(), t0());
        r.fetched(t0(), token("a", Some(t0() + secs(480))));
        assert_eq!(r.due(), t0() + secs(180), "8 min token: 5 min before");
        r.fetched(t0(), token("b", Some(t0() + secs(200))));
        assert_eq!(r.due(), t0() + secs(100), "200 s token: half-life");
    }

    #[test]
    fn a_token_of_unknown_expiry_is_taken_to_live_as_long_as_adc_promises() {
        let mut r = TokenRefresher::new(RefreshPolicy::default(), t0());
        let step = r.fetched(t0(), token("a", None));
        assert_eq!(step.write.as_deref(), Some("a"));
        assert_eq!(r.expires_at(), Some(t0() + secs(240)));
        assert_eq!(r.due(), t0() + secs(120));
        // The same token again (ADC's cache): nothing to write.
        let step = r.fetched(r.due(), token("a", None));
        assert_eq!(
            step,
            Step {
                write: None,
                report: None
            }
        );
        assert_eq!(r.expires_at(), Some(t0() + secs(360)));
    }

    #[test]
    fn a_failing_source_is_retried_with_backoff_and_reported() {
        let mut r = TokenRefresher::new(RefreshPolicy::default(), t0());
        r.fetched(t0(), token("a", Some(t0() + secs(3600))));
        let first_due = r.due();
        assert_eq!(first_due, t0() + secs(1800));
        let mut now = first_due;
        let mut waits = Vec::new();
        for attempt in 1..=7 {
            let step = r.fetched(now, Err(FetchError::Transient("connection reset".into())));
            assert_eq!(step.write, None);
            let wait = (r.due() - now).num_seconds();
            waits.push(wait);
            match step.report {
                Some(TokenReport::Retrying {
                    attempt: a,
                    valid_until,
                    retry_at,
                    ..
                }) => {
                    assert_eq!(a, attempt);
                    assert_eq!(retry_at, r.due());
                    assert_eq!(valid_until, Some(t0() + secs(3600)));
                }
                other => panic!("attempt {attempt}: {other:?}"),
            }
            now = r.due();
        }
        assert_eq!(waits, [5, 10, 20, 40, 80, 120, 120]);
        let msg = r
            .clone()
            .fetched(now, Err(FetchError::Transient("connection reset".into())))
            .report
            .unwrap()
            .message(now);
        assert!(
            msg.contains("GKE token refresh failed (connection reset)"),
            "{msg}"
        );
        assert!(msg.contains(LOGIN_HINT), "{msg}");
        // It comes back: the new token is written, and the operator told.
        let step = r.fetched(now, token("b", Some(now + secs(3600))));
        assert_eq!(step.write.as_deref(), Some("b"));
        assert_eq!(
            step.report,
            Some(TokenReport::Recovered {
                expires_at: now + secs(3600)
            })
        );
        assert_eq!(r.due(), now + secs(1800), "the backoff is reset");
    }

    #[test]
    fn a_token_that_could_not_be_written_is_written_again() {
        let mut r = TokenRefresher::new(RefreshPolicy::default(), t0());
        r.fetched(t0(), token("a", Some(t0() + secs(3600))));
        let now = r.due();
        assert_eq!(
            r.fetched(now, token("b", Some(now + secs(3600))))
                .write
                .as_deref(),
            Some("b")
        );
        let step = r.not_written(now, "disk full".into());
        assert!(
            matches!(
                step.report,
                Some(TokenReport::Retrying { valid_until: Some(t), .. }) if t == t0() + secs(3600)
            ),
            "the file still holds a: {step:?}"
        );
        assert_eq!(r.due(), now + secs(5));
        // The same token from the source is written this time.
        let step = r.fetched(r.due(), token("b", Some(now + secs(3600))));
        assert_eq!(step.write.as_deref(), Some("b"));
    }

    #[test]
    fn an_expired_token_gives_the_login_message() {
        let mut r = TokenRefresher::new(RefreshPolicy::default(), t0());
        r.fetched(t0(), token("a", Some(t0() + secs(60))));
        // Failing past the expiry: the file's token no longer works.
        let later = t0() + secs(61);
        let report = r
            .fetched(later, Err(FetchError::Transient("timed out".into())))
            .report
            .unwrap();
        assert!(report.is_error());
        assert_eq!(
            report.message(later),
            "GKE token expired (timed out): run gcloud auth application-default login"
        );
    }

    #[test]
    fn revoked_credentials_give_the_login_message_at_once() {
        let mut r = TokenRefresher::new(RefreshPolicy::default(), t0());
        r.fetched(t0(), token("a", Some(t0() + secs(3600))));
        let report = r
            .fetched(
                t0() + secs(1800),
                Err(FetchError::Permanent(
                    "invalid_grant: Token has been expired or revoked".into(),
                )),
            )
            .report
            .unwrap();
        assert!(report.is_error());
        assert_eq!(
            report.message(t0()),
            "GKE token expired (invalid_grant: Token has been expired or revoked): run gcloud auth application-default login"
        );
        // Still retried (a login in another terminal is picked up).
        assert_eq!(r.due(), t0() + secs(1805));
    }

    #[test]
    fn a_first_fetch_that_fails_says_there_is_no_token_yet() {
        let mut r = TokenRefresher::new(RefreshPolicy::default(), t0());
        let report = r
            .fetched(t0(), Err(FetchError::Transient("dns".into())))
            .report
            .unwrap();
        assert!(!report.is_error());
        assert!(
            report.message(t0()).contains("no token yet"),
            "{}",
            report.message(t0())
        );
    }

    #[test]
    fn token_files_are_private_whole_and_without_a_newline() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens/ctx.token");
        write_token_file(&path, "ya29.first\n").unwrap();
        write_token_file(&path, "ya29.second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "ya29.second");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }

    #[test]
    fn only_token_files_in_the_tokens_dir_are_the_cockpits_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let ours = token_path("gke_p_l_c");
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: 'https://127.0.0.1:1'}}\nusers:\n- name: ours\n  user: {{tokenFile: '{}'}}\n- name: theirs\n  user: {{tokenFile: /var/run/secrets/token}}\ncontexts:\n- name: gke_p_l_c\n  context: {{cluster: c, user: ours}}\n- name: other\n  context: {{cluster: c, user: theirs}}\ncurrent-context: other\n",
                ours.display()
            ),
        )
        .unwrap();
        assert_eq!(
            managed_token_file(Some(&path), Some("gke_p_l_c")),
            Some(ours)
        );
        assert_eq!(managed_token_file(Some(&path), Some("other")), None);
        assert_eq!(
            managed_token_file(Some(&path), None),
            None,
            "the current one"
        );
        assert_eq!(managed_token_file(Some(&path), Some("missing")), None);
    }

    #[test]
    fn token_paths_stay_in_the_tokens_dir() {
        let p = token_path("gke_demo_us-central1-b_notebook-test");
        assert_eq!(p.parent(), Some(tokens_dir().as_path()));
        assert_eq!(
            p.file_name().unwrap(),
            "gke_demo_us-central1-b_notebook-test.token"
        );
        assert_eq!(token_path("../x/y").parent(), Some(tokens_dir().as_path()));
    }
}
