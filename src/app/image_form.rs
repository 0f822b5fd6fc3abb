//! The image form (`I`): the users' notebook image as deployed and as
//! config.yaml sets it, its name and tag edited, then config.yaml written
//! through the confirm path (with the diff and the registry's answer) and
//! the upgrade offered after it. The write is the operator's, like `e`:
//! read-only mode refuses the form.

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::state::{Overlay, State};
use crate::actions::{ConfiguredImage, Failure, PreparedImage};

/// The form's fields, in Tab order.
pub const FIELDS: [&str; 2] = ["name", "tag"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageForm {
    /// config.yaml, and what it sets now.
    pub configured: ConfiguredImage,
    /// What is typed: name, tag.
    pub values: [String; 2],
    pub focused: usize,
    /// Why Enter was refused, until the next key.
    pub error: Option<String>,
    /// Enter was pressed: the registry is being asked.
    pub checking: bool,
}

/// `I`: refused in read-only mode or while an operation runs; else
/// config.yaml is read for the form.
pub fn open(state: &mut State) -> Vec<Command> {
    if super::write_flow::refuse_if_busy_or_readonly(state, "setting the notebook image") {
        return Vec::new();
    }
    vec![Command::ReadImageConfig]
}

/// The deployed image, as the release runs it (see `image_pulls`).
pub fn deployed(state: &State) -> Option<String> {
    super::image_pulls::release_image(state)
}

pub fn config_read(state: &mut State, read: Result<ConfiguredImage, Failure>) {
    // I pressed twice: the form that is open keeps what was typed in it.
    if state.image_form.is_some() {
        return;
    }
    let configured = match read {
        Ok(c) => c,
        Err(f) => {
            state.warn(match f.hint {
                Some(hint) => format!("{}; {hint}", f.error),
                None => f.error,
            });
            return;
        }
    };
    // Start from config.yaml's, filled in from what runs.
    let (deployed_name, deployed_tag) = deployed(state)
        .map(|d| crate::image::split(&d))
        .unwrap_or_default();
    let name = configured
        .name
        .clone()
        .or(Some(deployed_name).filter(|n| !n.is_empty()))
        .unwrap_or_default();
    let tag = configured.tag.clone().or(deployed_tag).unwrap_or_default();
    state.image_form = Some(ImageForm {
        configured,
        values: [name, tag],
        // The tag is what changes from week to week.
        focused: 1,
        error: None,
        checking: false,
    });
    state.overlays.push(Overlay::ImageForm);
}

pub fn key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    let Some(form) = state.image_form.as_mut() else {
        state.overlays.pop();
        return Vec::new();
    };
    if form.checking {
        // One question to the registry at a time; Esc still leaves.
        if key.code == KeyCode::Esc {
            close(state);
            state.info("cancelled; config.yaml was not changed");
        }
        return Vec::new();
    }
    form.error = None;
    match key.code {
        KeyCode::Esc => {
            close(state);
            state.info("cancelled; config.yaml was not changed");
        }
        KeyCode::Tab | KeyCode::Down | KeyCode::BackTab | KeyCode::Up => {
            form.focused = (form.focused + 1) % FIELDS.len()
        }
        KeyCode::Backspace => {
            form.values[form.focused].pop();
        }
        KeyCode::Char(c) if !c.is_whitespace() => form.values[form.focused].push(c),
        KeyCode::Enter => {
            let [name, tag] = form.values.clone();
            if let Err(e) = crate::image::config_edit::validate(&name, &tag) {
                form.error = Some(e);
                return Vec::new();
            }
            form.checking = true;
            state.info(format!("asking the registry about {name}:{tag}…"));
            return vec![Command::PrepareImage { name, tag }];
        }
        _ => {}
    }
    Vec::new()
}

fn close(state: &mut State) {
    state.image_form = None;
    state.overlays.retain(|o| *o != Overlay::ImageForm);
}

/// The change worked out: its dialog opens (the form closes); a refusal
/// (an unchanged image, a file that cannot be edited) stays in the form.
pub fn prepared(state: &mut State, prepared: Result<PreparedImage, Failure>) {
    let Some(form) = state.image_form.as_mut() else {
        // Esc while the registry was asked: the answer is not wanted.
        return;
    };
    // Only the answer to this form's question: after Esc and I again, a
    // late answer to the first form's question must not open its dialog.
    let answers_this = form.checking
        && match &prepared {
            Ok(p) => p.name == form.values[0].trim() && p.tag == form.values[1].trim(),
            Err(_) => true,
        };
    if !answers_this {
        return;
    }
    form.checking = false;
    match prepared {
        Ok(p) => {
            close(state);
            state.footer.message = None;
            super::write_flow::request_plan(state, crate::plan::set_image(p));
        }
        Err(f) => {
            form.error = Some(match f.hint {
                Some(hint) => format!("{}; {hint}", f.error),
                None => f.error,
            });
            state.footer.message = None;
        }
    }
}
