//! What the cockpit knows of the hub itself: its health as last checked,
//! its users as last read, a pending spawn's progress, and the culler's
//! settings; and the join of each user with their pod and claim from the
//! watches, which is the users view's row (and `jhub-cockpit users`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::state::State;
use crate::hub::{HubUser, ProgressEvent, ServerState};
use crate::kube::pod_row::user_of;

/// How often the health is checked while the hub has an address.
pub const HEALTH_EVERY_SECONDS: i64 = 30;

/// How often the users are read again while their view is open (the hub
/// has no watch; the pods' side is live from the watches anyway).
pub const USERS_EVERY_SECONDS: i64 = 5;

/// How the cockpit reaches the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HubRoute {
    /// proxy-public's address, as a browser would.
    Public,
    /// A local port forwarded to the hub pod's 8081 through the API server
    /// (no public address: pending, or a ClusterIP proxy).
    PortForward { pod: String },
}

impl HubRoute {
    pub fn label(&self) -> &'static str {
        match self {
            HubRoute::Public => "public",
            HubRoute::PortForward { .. } => "port-forward",
        }
    }
}

/// The hub's port in its pod (and Service `hub`).
pub const HUB_PORT: u16 = 8081;

/// A port-forward to the hub pod, once the runtime has it listening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubForward {
    pub pod: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubHealth {
    pub url: String,
    pub route: HubRoute,
    /// The answer's time in ms, or the failure in plain words.
    pub result: Result<u64, String>,
    pub at: DateTime<Utc>,
}

impl HubHealth {
    pub fn ok(&self) -> bool {
        self.result.is_ok()
    }
}

#[derive(Debug, Clone, Default)]
pub struct HubState {
    pub health: Option<HubHealth>,
    /// A check is under way.
    pub checking: bool,
    /// When the next check is due; None: at once (a new address, or after
    /// an install or upgrade).
    pub next_check: Option<DateTime<Utc>>,
    /// As last read; None before the first answer.
    pub users: Option<Vec<HubUser>>,
    /// Why the last read failed (the list above is kept).
    pub users_error: Option<String>,
    pub reading_users: bool,
    pub users_read_at: Option<DateTime<Utc>>,
    /// A pending spawn's events, by user, while their details are open.
    pub progress: BTreeMap<String, Vec<ProgressEvent>>,
    /// The port-forward to the hub pod, when there is no public address.
    pub forward: Option<HubForward>,
    /// A forward was asked for and has not answered.
    pub forwarding: bool,
    /// When the last forward failed: the next try waits a health period.
    pub forward_failed_at: Option<DateTime<Utc>>,
}

/// The idle culler's settings, as deployed (the chart's defaults where the
/// values do not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Culler {
    pub enabled: bool,
    /// Seconds idle before a server is culled.
    pub timeout: u64,
    /// Seconds between the culler's rounds.
    pub every: u64,
}

impl Culler {
    /// z2jh's defaults: `cull.enabled: true`, `timeout: 3600`, `every: 600`.
    pub const CHART_DEFAULT: Culler = Culler {
        enabled: true,
        timeout: 3600,
        every: 600,
    };

    /// From the release's user-supplied values.
    pub fn from_values(values: &Value) -> Culler {
        let cull = values.get("cull");
        let get = |key: &str| cull.and_then(|c| c.get(key));
        Culler {
            enabled: get("enabled")
                .and_then(Value::as_bool)
                .unwrap_or(Self::CHART_DEFAULT.enabled),
            timeout: get("timeout")
                .and_then(Value::as_u64)
                .unwrap_or(Self::CHART_DEFAULT.timeout),
            every: get("every")
                .and_then(Value::as_u64)
                .unwrap_or(Self::CHART_DEFAULT.every),
        }
    }

    /// Whether a server idle since `last_activity` goes in the culler's next
    /// round (it culls what has been idle longer than `timeout` when it runs,
    /// at most `every` seconds from now).
    pub fn culls_next(&self, last_activity: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        let Some(at) = last_activity else {
            return false;
        };
        self.enabled && (now - at).num_seconds() + self.every as i64 >= self.timeout as i64
    }
}

/// One user as the users view lists them: the hub's side joined with the
/// pod and claim the watches see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub name: String,
    pub admin: bool,
    pub server: ServerState,
    pub started: Option<DateTime<Utc>>,
    pub last_activity: Option<DateTime<Utc>>,
    pub pod: Option<String>,
    pub phase: Option<String>,
    /// The pod's one-line diagnosis, when it is unhealthy.
    pub diagnosis: Option<String>,
    /// The user's claim and its phase (`claim-alice Bound`).
    pub pvc: Option<String>,
}

/// How the users view sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    /// Pending spawns first (what tickets are about), then ready, then the
    /// rest; by name within.
    #[default]
    State,
    /// Longest idle first: who the culler takes next.
    Idle,
}

/// Every user the hub listed, joined with the pods and claims, sorted.
pub fn user_rows(state: &State, sort: UserSort) -> Vec<UserRow> {
    let Some(users) = &state.hub.users else {
        return Vec::new();
    };
    // One pass over the pods of users (a range of the table) and over the
    // claims, not one per user.
    let mut pods: BTreeMap<&str, &super::resources::PodEntry> = BTreeMap::new();
    for entry in state
        .resources
        .pods
        .in_group(crate::kube::pod_row::PodGroup::User)
    {
        if let Some(user) = &entry.row.user {
            pods.insert(user.as_str(), entry);
        }
    }
    let mut claims: BTreeMap<String, String> = BTreeMap::new();
    for claim in state.resources.claims.values() {
        if let Some(user) = user_of(&claim.metadata) {
            let phase = claim
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_else(|| "Pending".into());
            let name = claim.metadata.name.clone().unwrap_or_default();
            claims.insert(user, format!("{name} {phase}"));
        }
    }
    let mut rows: Vec<UserRow> = users
        .iter()
        .map(|user| {
            let pod = pods.get(user.name.as_str());
            UserRow {
                name: user.name.clone(),
                admin: user.admin,
                server: user.server,
                started: user.started,
                last_activity: user.last_activity,
                pod: pod.map(|p| p.row.name.to_string()),
                phase: pod.map(|p| p.row.status.to_string()),
                diagnosis: pod.and_then(|p| {
                    p.diagnosis
                        .as_ref()
                        .map(|d| d.line_at(p.row.created, state.now))
                }),
                pvc: claims.get(&user.name).cloned(),
            }
        })
        .collect();
    match sort {
        UserSort::State => rows.sort_by(|a, b| (a.server, &a.name).cmp(&(b.server, &b.name))),
        UserSort::Idle => rows.sort_by(|a, b| {
            // Never active counts as idle longest.
            (a.last_activity, &a.name).cmp(&(b.last_activity, &b.name))
        }),
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_culler_reads_the_values_and_the_chart_defaults() {
        assert_eq!(
            Culler::from_values(&serde_json::json!({})),
            Culler::CHART_DEFAULT
        );
        let set =
            Culler::from_values(&serde_json::json!({"cull": {"timeout": 1800, "enabled": false}}));
        assert_eq!(
            set,
            Culler {
                enabled: false,
                timeout: 1800,
                every: 600
            }
        );
    }

    #[test]
    fn culled_next_is_idle_past_the_timeout_by_the_next_round() {
        let culler = Culler::CHART_DEFAULT;
        let now: DateTime<Utc> = "2026-12-05T12:00:00Z".parse().unwrap();
        let idle = |minutes: i64| Some(now - chrono::Duration::minutes(minutes));
        assert!(!culler.culls_next(idle(49), now));
        assert!(
            culler.culls_next(idle(50), now),
            "60 min timeout, 10 min rounds"
        );
        assert!(culler.culls_next(idle(90), now));
        assert!(!culler.culls_next(None, now));
        let off = Culler {
            enabled: false,
            ..culler
        };
        assert!(!off.culls_next(idle(90), now));
    }
}
