//! The hub itself: its health and users as update() keeps them, the users
//! view and its keys (pure), and the same against a real JupyterHub on the
//! rig (`on_rig`).

mod on_rig;
mod users;
