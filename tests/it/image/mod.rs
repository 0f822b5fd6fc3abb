//! The image step (issue 20): the image form and `image set`, the registry
//! check before a deploy, `image init`, and the pull view.
//!
//! - `views`: the form, its dialog and the pull view drawn from states
//!   made by update(), and the keys' path from `I` to the upgrade offer;
//! - `registry_on_rig`: the check against the CNCF distribution registry on
//!   loopback (without auth and with token auth), through the headless
//!   subcommands, with a recording helm that must not run on a refusal;
//! - `pulls_on_rig`: the real chart upgraded to an image in that registry,
//!   and the pull view following its puller pods and the kubelet's events.

mod cli;
mod pulls_on_rig;
mod registry_on_rig;
mod views;
