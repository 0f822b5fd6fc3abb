//! Effects that update() asks the runtime to carry out.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    /// Follow a pod's logs (one stream at a time; a new one replaces the old).
    FollowLogs {
        pod: String,
        container: Option<String>,
    },
    StopLogs,
}
