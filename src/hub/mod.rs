//! The hub itself, through the JupyterHub REST API: its health, its users
//! and their servers, stopping a server and a spawn's progress
//! ([`client`]), the answers as plain types ([`api`]), and the token the
//! cockpit's service holds ([`token`]). Like `kube` and `helm`, an adapter:
//! it knows nothing of the cockpit's state.

pub mod access_config;
pub mod api;
pub mod client;
pub mod token;

pub use api::{HubUser, ProgressEvent, ServerState};
pub use client::{HubClient, HubError};
pub use token::{HubToken, TokenError};
