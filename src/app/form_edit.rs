//! The keys every multi-field form shares (the create-cluster form and the
//! node pool forms): Tab/↓ and Shift-Tab/↑ move between fields, Backspace
//! and typed characters edit the focused one. Enter and Esc mean something
//! of each form's own, so the form handles them.

use crossterm::event::KeyCode;

/// Applies `code` to the fields; false when it is not an editing key.
pub fn edit(values: &mut [String], focused: &mut usize, code: KeyCode) -> bool {
    let len = values.len().max(1);
    match code {
        KeyCode::Tab | KeyCode::Down => *focused = (*focused + 1) % len,
        KeyCode::BackTab | KeyCode::Up => *focused = (*focused + len - 1) % len,
        KeyCode::Backspace => {
            if let Some(v) = values.get_mut(*focused) {
                v.pop();
            }
        }
        KeyCode::Char(c) => {
            if let Some(v) = values.get_mut(*focused) {
                v.push(c);
            }
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_wraps_and_typing_edits_the_focused_field() {
        let mut values = vec!["a".to_owned(), "b".to_owned()];
        let mut focused = 1;
        assert!(edit(&mut values, &mut focused, KeyCode::Tab));
        assert_eq!(focused, 0);
        assert!(edit(&mut values, &mut focused, KeyCode::BackTab));
        assert_eq!(focused, 1);
        edit(&mut values, &mut focused, KeyCode::Backspace);
        edit(&mut values, &mut focused, KeyCode::Char('x'));
        assert_eq!(values, ["a", "x"]);
        assert!(!edit(&mut values, &mut focused, KeyCode::Enter));
    }
}
