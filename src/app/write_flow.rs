//! The confirm-then-run path every write takes from the keyboard: a key
//! asks, read-only mode refuses, a dialog confirms (typed names for what
//! cannot be undone), and only then does a `Command::Run` leave update().

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::lists;
use super::scroll::ScrollMove;
use super::state::{Overlay, State};
use crate::actions::{Action, Confirmation, Operation, Outcome, PendingConfirm};
use crate::actions::{Failure, PreparedDeploy, PreparedMove};
use crate::plan::{self, Plan};

/// The write keys, for read-only refusals and the help.
pub const WRITE_KEYS: &[char] = &['S', 'M', 'e', 'i', 'u', 'r', 'X'];

pub fn refuse_if_busy_or_readonly(state: &mut State, what: &str) -> bool {
    if state.target.readonly {
        state.warn(format!(
            "read-only mode: {what} refused (started with --readonly)"
        ));
        return true;
    }
    if state.operation.as_ref().is_some_and(Operation::running) {
        state.warn("an operation is running: wait for it to finish (o shows it)");
        return true;
    }
    false
}

/// A write key from the main view or the history.
pub fn request(state: &mut State, key: char) -> Vec<Command> {
    let what = match key {
        'S' => "generating secrets",
        'M' => "moving secrets out of config.yaml",
        'e' => "editing config.yaml",
        'i' => "install",
        'u' => "upgrade",
        'r' => "rollback",
        'X' => "uninstall",
        _ => return Vec::new(),
    };
    if refuse_if_busy_or_readonly(state, what) {
        return Vec::new();
    }
    match key {
        'S' => vec![Command::PrepareSecrets],
        'M' => {
            state.info("looking for secrets in config.yaml…");
            vec![Command::PrepareMoveSecrets]
        }
        'e' => vec![Command::EditConfig],
        'i' | 'u' => {
            let deployed = lists::current_record(state).map(|r| r.config.clone());
            if key == 'u' && deployed.is_none() {
                state.warn("no release to upgrade yet: press i to install");
                return Vec::new();
            }
            state.info("checking the values files…");
            vec![Command::PrepareDeploy { deployed }]
        }
        'r' => request_rollback(state),
        'X' => {
            let Some(release) = chosen_release(state) else {
                state.warn("no release to uninstall");
                return Vec::new();
            };
            open_confirm(state, plan::uninstall(&release, &state.target.namespace));
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn chosen_release(state: &State) -> Option<String> {
    state
        .resources
        .releases
        .chosen(state.target.release.as_deref())
        .map(str::to_owned)
}

fn request_rollback(state: &mut State) -> Vec<Command> {
    let selected = match state.top_overlay() {
        Some(Overlay::History { selected }) => *selected,
        _ => {
            // A pending current revision (an interrupted helm run) is no
            // target: start on the last deployed one.
            let selected = lists::rollback_target(state)
                .and_then(|rev| {
                    lists::revisions(state)
                        .iter()
                        .position(|r| r.revision == rev)
                })
                .unwrap_or(0);
            state.overlays.push(Overlay::History { selected });
            state.info("select the revision to roll back to, then press r");
            return Vec::new();
        }
    };
    let revisions = lists::revisions(state);
    let Some(target) = revisions.get(selected) else {
        state.warn("no revision selected");
        return Vec::new();
    };
    let revision = target.revision;
    let current = revisions.first().map(|r| r.revision).unwrap_or(0);
    let release = target.name.clone();
    open_confirm(
        state,
        plan::rollback(&release, &state.target.namespace, revision, Some(current)),
    );
    Vec::new()
}

/// A write asked for from a view of its own (a user's server in the users
/// view): refused in read-only mode or while an operation runs, else its
/// dialog opens.
pub fn request_plan(state: &mut State, plan: Plan) {
    if refuse_if_busy_or_readonly(state, &plan.action.title()) {
        return;
    }
    open_confirm(state, plan);
}

/// Opens the plan as the dialog every write passes through.
/// The plan's dialog, on top of what is open.
pub fn open_confirm(state: &mut State, plan: Plan) {
    state.confirm = Some(plan.into_dialog());
    state.overlays.push(Overlay::Confirm);
}

fn close_confirm(state: &mut State) -> Option<PendingConfirm> {
    if state.top_overlay() == Some(&Overlay::Confirm) {
        state.overlays.pop();
    }
    state.confirm.take()
}

/// The rows PgDn moves a long diff in the dialog (about its height).
const DIALOG_PAGE: usize = 10;

/// Keys while the dialog is open: `y` (or the typed name and Enter)
/// confirms; anything else cancels, except scrolling a long diff.
pub fn confirm_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    let Some(pending) = state.confirm.as_mut() else {
        state.overlays.pop();
        return Vec::new();
    };
    match &mut pending.confirmation {
        Confirmation::YesNo => match (key.code, ScrollMove::from_key(key.code, DIALOG_PAGE)) {
            (_, Some(movement)) => pending.scroll = movement.from_top(pending.scroll),
            (KeyCode::Char('y') | KeyCode::Char('Y'), None) => {
                let pending = close_confirm(state).expect("open");
                return start(state, pending.action);
            }
            _ => {
                let pending = close_confirm(state).expect("open");
                state.info(pending.declined(false));
            }
        },
        Confirmation::Typed { expected, typed } => match key.code {
            // A long dialog (a delete naming every claim) scrolls with the
            // keys that type nothing.
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                if let Some(movement) = ScrollMove::from_key(key.code, DIALOG_PAGE) {
                    pending.scroll = movement.from_top(pending.scroll);
                }
            }
            KeyCode::Char(c) => typed.push(c),
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Enter => {
                let matched = typed == expected;
                let pending = close_confirm(state).expect("open");
                if matched {
                    return start(state, pending.action);
                }
                state.warn(pending.declined(true));
            }
            _ => {
                let pending = close_confirm(state).expect("open");
                state.info(pending.declined(false));
            }
        },
    }
    Vec::new()
}

/// The only place a `Command::Run` is made.
fn start(state: &mut State, action: Action) -> Vec<Command> {
    if refuse_if_busy_or_readonly(state, &action.title()) {
        return Vec::new();
    }
    state.operation = Some(Operation::new(action.clone(), state.now));
    // History and the GKE views would hide the panel the operator wants
    // to see.
    state.overlays.retain(|o| {
        !matches!(
            o,
            Overlay::History { .. } | Overlay::Clusters { .. } | Overlay::ClusterDetails { .. }
        )
    });
    vec![Command::Run(action)]
}

pub fn secrets_prepared(state: &mut State, path: std::path::PathBuf, exists: bool) {
    open_confirm(state, plan::generate_secrets(path, exists));
}

pub fn deploy_prepared(state: &mut State, prepared: Result<PreparedDeploy, Failure>) {
    let prepared = match prepared {
        Ok(p) => p,
        Err(failure) => {
            // Shown like a failed operation, so the whole message is read.
            let mut op = Operation::new(Action::Deploy, state.now);
            op.finished = Some(state.now);
            op.outcome = Some(Outcome::Failed {
                error: format!("not deployed: {}", failure.error),
                hint: failure.hint,
            });
            state.operation = Some(op);
            state.footer.message = None;
            return;
        }
    };
    let installed = lists::current_record(state).is_some();
    state.footer.message = None;
    open_confirm(state, plan::deploy(prepared, installed));
}

/// The account lacks cluster-admin on the cluster just connected to: offer
/// the z2jh guide's binding, through the same confirmation as every write
/// (so read-only mode refuses it). Without a user name there is nothing to
/// bind: the footer says what to run.
pub fn offer_cluster_admin(state: &mut State, user: Option<String>) {
    let binding = crate::kube::access::CLUSTER_ADMIN_BINDING;
    let Some(user) = user else {
        state.warn(format!(
            "your account lacks cluster-admin here (the chart needs it for its RBAC objects): kubectl create clusterrolebinding {binding} --clusterrole=cluster-admin --user=<your Google account>"
        ));
        return;
    };
    // An open dialog or a running action is not interrupted: the footer
    // says it instead.
    if state.confirm.is_some() || state.operation.as_ref().is_some_and(Operation::running) {
        state.warn(format!(
            "{user} lacks cluster-admin here: kubectl create clusterrolebinding {binding} --clusterrole=cluster-admin --user={user}"
        ));
        return;
    }
    open_confirm(state, plan::bind_cluster_admin(&user, binding));
}

pub fn hub_access_prepared(
    state: &mut State,
    prepared: Result<crate::actions::PreparedAccess, Failure>,
) {
    match prepared {
        Ok(p) => {
            state.footer.message = None;
            open_confirm(state, plan::add_hub_access(p));
        }
        Err(failure) => state.warn(match failure.hint {
            Some(hint) => format!("{}; {hint}", failure.error),
            None => failure.error,
        }),
    }
}

pub fn move_prepared(state: &mut State, prepared: Result<PreparedMove, Failure>) {
    let prepared = match prepared {
        Ok(p) => p,
        Err(failure) => {
            state.warn(match failure.hint {
                Some(hint) => format!("{}; {hint}", failure.error),
                None => failure.error,
            });
            return;
        }
    };
    state.footer.message = None;
    open_confirm(state, plan::move_secrets(prepared));
}

pub fn operation_line(state: &mut State, line: String) {
    if let Some(op) = state.operation.as_mut() {
        op.push(line);
    }
}

pub fn operation_done(state: &mut State, result: Result<String, Failure>) -> Vec<Command> {
    let Some(op) = state.operation.as_mut() else {
        return Vec::new();
    };
    op.finished = Some(state.now);
    let action = op.action.clone();
    op.outcome = Some(match result {
        Ok(summary) => Outcome::Succeeded { summary },
        Err(f) => Outcome::Failed {
            error: f.error,
            hint: f.hint,
        },
    });
    let succeeded = matches!(op.outcome, Some(Outcome::Succeeded { .. }));
    if op.hidden {
        let text = match &op.outcome {
            Some(Outcome::Succeeded { summary }) => summary.clone(),
            _ => format!("{} failed (o shows why)", action.title()),
        };
        if succeeded {
            state.info(text)
        } else {
            state.error(text)
        }
    }
    if let (true, Action::CreateCluster(spec)) = (succeeded, &action) {
        // The new cluster's context is written: the panes move to it.
        if let Some(gke) = &state.gke {
            let context = crate::gke::names::context_name(&gke.project, &spec.location, &spec.name);
            let mut commands = super::gke_view::switch_context(state, context);
            commands.push(Command::ReadContexts);
            return commands;
        }
    }
    if let (true, Action::DeleteCluster { name, location, .. }) = (succeeded, &action) {
        // Its context points at nothing now: offer to remove it. Panes
        // that were on it have nothing to show.
        if let Some(gke) = &state.gke {
            let context = crate::gke::names::context_name(&gke.project, location, name);
            let path = gke.kubeconfig.clone();
            if state.target.context == context {
                state.resources = Default::default();
                state.listed.clear();
                state.warn(format!(
                    "the panes' cluster {name} is gone: C picks another context"
                ));
            }
            if state.contexts.iter().any(|c| c.name == context) {
                open_confirm(state, plan::remove_context(path, &context));
            }
        }
    }
    if let (true, Action::RemoveContext { .. }) = (succeeded, &action) {
        return vec![Command::ReadContexts];
    }
    if let (
        true,
        Action::AddUserPool {
            cluster, location, ..
        },
    ) = (succeeded, &action)
    {
        // The pool is there; user pods go to it only once config.yaml
        // requires it: offer that change, as a diff. config.yaml deploys
        // to the panes' cluster, so only when the pool is on that one.
        let on_it = state.gke.as_ref().is_some_and(|g| {
            crate::gke::names::context_name(&g.project, location, cluster) == state.target.context
        });
        if on_it {
            return vec![Command::PrepareUserNodes];
        }
        state.info(format!(
            "{cluster} has its user pool; config.yaml's matchNodePurpose is for the cluster you deploy to: connect to {cluster} (K, C) and add the pool's setting then"
        ));
    }
    if succeeded && matches!(action, Action::Deploy | Action::Rollback { .. }) {
        // The tutorial's last step, checked: does the hub answer now?
        state.hub.next_check = None;
    }
    if let (true, Action::SetImage { .. }) = (succeeded, &action) {
        // config.yaml has the image; the upgrade that applies it comes
        // next, with its diff and the registry asked again.
        let key = if lists::current_record(state).is_some() {
            'u'
        } else {
            'i'
        };
        return request(state, key);
    }
    if succeeded && action == Action::Uninstall {
        let ns = state.target.namespace.clone();
        open_confirm(state, plan::delete_namespace(&ns));
    }
    Vec::new()
}

pub fn config_checked(state: &mut State, result: Result<Vec<String>, Failure>) {
    match result {
        Ok(warnings) if warnings.is_empty() => state
            .info("config.yaml is valid; nothing is applied until you install (i) or upgrade (u)"),
        Ok(warnings) => state.warn(format!("config.yaml parses, but: {}", warnings.join("; "))),
        Err(failure) => {
            let mut op = Operation::new(Action::Deploy, state.now);
            op.finished = Some(state.now);
            op.outcome = Some(Outcome::Failed {
                error: failure.error,
                hint: Some(
                    failure
                        .hint
                        .unwrap_or_else(|| "press e to fix it; nothing was applied".into()),
                ),
            });
            state.operation = Some(op);
        }
    }
}

/// Esc on the panel hides it (the work goes on); `o` shows it again.
pub fn toggle_panel(state: &mut State, show: bool) -> bool {
    match state.operation.as_mut() {
        Some(op) => {
            op.hidden = !show;
            true
        }
        None => false,
    }
}
