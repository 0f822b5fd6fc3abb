//! The write actions: which confirmation each asks, how their dialogs and
//! progress look, read-only mode refusing them, and real installs,
//! upgrades, rollbacks and uninstalls with the fixture chart and the real
//! JupyterHub chart.

mod confirmations;
mod on_rig;
mod readonly;
mod real_chart_on_rig;
mod views;
