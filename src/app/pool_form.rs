//! The node pool forms: the z2jh user pool added to an existing cluster
//! (name, machine type, autoscaling bounds), and a pool's new autoscaling
//! bounds. Enter checks the fields and opens the confirmation; nothing is
//! sent before it.

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::gke_state::{PoolFormKind, parse_count};
use super::state::State;
use crate::gke::UserPoolSpec;
use crate::plan;

pub fn key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    let Some(form) = state.pool_form.as_mut() else {
        state.overlays.pop();
        return Vec::new();
    };
    if super::form_edit::edit(&mut form.values, &mut form.focused, key.code) {
        return Vec::new();
    }
    match key.code {
        KeyCode::Esc => {
            state.pool_form = None;
            state.overlays.pop();
            state.info("cancelled; nothing was sent");
        }
        KeyCode::Enter => match plan_of(&form.kind, &form.values) {
            Err(e) => form.error = Some(e),
            Ok(plan) => {
                state.pool_form = None;
                state.overlays.pop();
                super::write_flow::open_confirm(state, plan);
            }
        },
        _ => {}
    }
    Vec::new()
}

/// The form's plan, or what is wrong with a field.
fn plan_of(kind: &PoolFormKind, values: &[String]) -> Result<plan::Plan, String> {
    match kind {
        PoolFormKind::Add { cluster, location } => {
            let pool = UserPoolSpec {
                name: values[0].trim().to_owned(),
                machine_type: values[1].trim().to_owned(),
                min_nodes: parse_count("min nodes", &values[2])?,
                max_nodes: parse_count("max nodes", &values[3])?,
            };
            pool.validate()?;
            Ok(plan::add_user_pool(cluster, location, pool))
        }
        PoolFormKind::Autoscaling {
            cluster,
            location,
            pool,
            now,
        } => {
            let bounds = (
                parse_count("min nodes", &values[0])?,
                parse_count("max nodes", &values[1])?,
            );
            crate::gke::types::validate_autoscaling(bounds.0, bounds.1)?;
            if Some(bounds) == *now {
                return Err(format!(
                    "{pool} scales {}..{} already: change a bound, or Esc",
                    bounds.0, bounds.1
                ));
            }
            Ok(plan::set_pool_autoscaling(
                cluster, location, pool, *now, bounds,
            ))
        }
    }
}
