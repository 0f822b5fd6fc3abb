//! jhub-cockpit: a terminal cockpit for JupyterHub on Kubernetes.
//!
//! The shape (see shared/design/ARCHITECTURE.md): every source of change
//! becomes an [`app::Msg`]; [`app::update`] is the only place state changes
//! and returns [`app::Command`]s; [`ui::render`] reads state only; the
//! `kube`, `helm` and `runtime` modules are adapters at the edges.

pub mod actions;
pub mod app;
pub mod cli;
pub mod deploy;
pub mod gke;
pub mod headless;
pub mod helm;
pub mod hub;
pub mod image;
pub mod kube;
pub mod logging;
pub mod plan;
pub mod profile;
pub mod registry;
pub mod runtime;
pub mod secrets;
pub mod status;
pub mod time_text;
pub mod ui;
pub mod user_pool_config;
pub mod values;
pub mod yaml_tree;
