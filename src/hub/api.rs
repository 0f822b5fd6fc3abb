//! The JupyterHub REST API's answers the cockpit reads, as plain types: a
//! user with their default server, a spawn's progress event, and the error
//! body. Only the fields the views use are kept; the hub sends more.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One user of `GET /hub/api/users` (JupyterHub 5), with the default server
/// (named `""` in `servers`) when the token may read servers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiUser {
    pub name: String,
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub last_activity: Option<DateTime<Utc>>,
    /// Absent without the `read:servers` scope.
    #[serde(default)]
    pub servers: Option<std::collections::BTreeMap<String, ApiServer>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiServer {
    #[serde(default)]
    pub ready: bool,
    /// `spawn` or `stop` while one is under way.
    #[serde(default)]
    pub pending: Option<String>,
    #[serde(default)]
    pub started: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_activity: Option<DateTime<Utc>>,
}

/// `GET /hub/api/users` with the pagination media type: a page of users
/// and where the next page starts.
#[derive(Debug, Clone, Deserialize)]
pub struct UsersPage {
    pub items: Vec<ApiUser>,
    #[serde(rename = "_pagination")]
    pub pagination: Pagination,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pagination {
    #[serde(default)]
    pub total: usize,
    #[serde(default)]
    pub next: Option<NextPage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NextPage {
    pub offset: usize,
    pub limit: usize,
}

/// Where a user's default server is, as the views say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerState {
    /// Spawn requested, not ready yet: what a ticket is usually about.
    PendingSpawn,
    PendingStop,
    Ready,
    Stopped,
}

impl ServerState {
    pub fn label(self) -> &'static str {
        match self {
            ServerState::PendingSpawn => "pending spawn",
            ServerState::PendingStop => "pending stop",
            ServerState::Ready => "ready",
            ServerState::Stopped => "stopped",
        }
    }
}

/// A user as the cockpit keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubUser {
    pub name: String,
    pub admin: bool,
    pub server: ServerState,
    pub started: Option<DateTime<Utc>>,
    /// The newer of the user's and the server's.
    pub last_activity: Option<DateTime<Utc>>,
}

impl From<ApiUser> for HubUser {
    fn from(user: ApiUser) -> HubUser {
        let server = user.servers.as_ref().and_then(|s| s.get(""));
        let state = match server {
            None => ServerState::Stopped,
            Some(s) => match s.pending.as_deref() {
                Some("spawn") => ServerState::PendingSpawn,
                Some("stop") => ServerState::PendingStop,
                _ if s.ready => ServerState::Ready,
                // Neither ready nor pending: a server record being torn down.
                _ => ServerState::Stopped,
            },
        };
        let last_activity = [user.last_activity, server.and_then(|s| s.last_activity)]
            .into_iter()
            .flatten()
            .max();
        HubUser {
            name: user.name,
            admin: user.admin,
            server: state,
            started: server.and_then(|s| s.started),
            last_activity,
        }
    }
}

/// One event of `GET /hub/api/users/NAME/server/progress` (server-sent
/// events, one JSON object per `data:` line).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProgressEvent {
    #[serde(default)]
    pub progress: Option<u32>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub failed: bool,
}

/// Reads the `data:` lines out of a server-sent events text; what is left
/// of an unfinished line is kept in `pending` for the next chunk.
pub fn progress_events(pending: &mut String, chunk: &str) -> Vec<ProgressEvent> {
    pending.push_str(chunk);
    let mut events = Vec::new();
    while let Some(end) = pending.find('\n') {
        let line: String = pending.drain(..=end).collect();
        let line = line.trim_end_matches(['\n', '\r']);
        if let Some(data) = line.strip_prefix("data:")
            && let Ok(event) = serde_json::from_str::<ProgressEvent>(data.trim())
        {
            events.push(event);
        }
    }
    events
}

/// The hub's error body: `{"status": 403, "message": "..."}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As JupyterHub 5.5 answers with list:users, read:users and
    /// read:servers (trimmed of the fields not read).
    const PAGE: &str = r#"{
      "items": [
        {"kind": "user", "name": "alice", "admin": false, "last_activity": "2026-12-05T09:00:00.123456Z",
         "servers": {"": {"name": "", "ready": true, "pending": null, "started": "2026-12-05T08:00:00Z",
                          "last_activity": "2026-12-05T09:10:00Z", "url": "/user/alice/"}}},
        {"kind": "user", "name": "bob", "admin": true, "last_activity": null, "servers": {}},
        {"kind": "user", "name": "carol", "admin": false, "last_activity": "2026-12-05T09:00:00Z",
         "servers": {"": {"name": "", "ready": false, "pending": "spawn", "started": "2026-12-05T09:20:00Z",
                          "last_activity": null}}}
      ],
      "_pagination": {"offset": 0, "limit": 3, "total": 5, "next": {"offset": 3, "limit": 3, "url": "..."}}
    }"#;

    #[test]
    fn a_page_of_users_reads_their_server_state_and_the_next_page() {
        let page: UsersPage = serde_json::from_str(PAGE).unwrap();
        let users: Vec<HubUser> = page.items.into_iter().map(HubUser::from).collect();
        let states: Vec<(&str, ServerState)> =
            users.iter().map(|u| (u.name.as_str(), u.server)).collect();
        assert_eq!(
            states,
            [
                ("alice", ServerState::Ready),
                ("bob", ServerState::Stopped),
                ("carol", ServerState::PendingSpawn)
            ]
        );
        // The server's activity is newer than the user's.
        assert_eq!(
            users[0].last_activity.unwrap().to_rfc3339(),
            "2026-12-05T09:10:00+00:00"
        );
        assert!(users[1].admin);
        assert_eq!(page.pagination.total, 5);
        assert_eq!(page.pagination.next.unwrap().offset, 3);
    }

    #[test]
    fn progress_events_are_read_across_chunks() {
        let mut pending = String::new();
        let first = progress_events(
            &mut pending,
            "data: {\"progress\": 0, \"message\": \"Server requested\"}\n\ndata: {\"progress\": 50, \"mes",
        );
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].message.as_deref(), Some("Server requested"));
        let second = progress_events(&mut pending, "sage\": \"Pulling image\"}\n\n: keepalive\n");
        assert_eq!(second[0].progress, Some(50));
        assert_eq!(second[0].message.as_deref(), Some("Pulling image"));
        assert!(pending.is_empty());
    }
}
