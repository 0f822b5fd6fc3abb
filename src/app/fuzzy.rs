//! The lists' filter (`/`): fuzzy and smart-case, as fzf and k9s match
//! (nucleo-matcher, Helix's matcher): `hubpnd` finds `hub-…` in `Pending`,
//! lowercase ignores case, an uppercase letter makes the match respect it,
//! spaces separate words that must all match. A row's fields (name, then
//! status) are matched as one line, so `bob pend` finds bob's pod when it
//! is Pending; a row keeps its place in the list, so the selection does
//! not jump while the operator types.
//!
//! The parsed pattern and the matcher's scratch memory are kept per thread
//! and reused, so a keystroke at 5,000 rows allocates nothing per row.

use std::cell::RefCell;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

struct Scratch {
    text: String,
    pattern: Pattern,
    matcher: Matcher,
    chars: Vec<char>,
    line: String,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch {
        text: String::new(),
        pattern: Pattern::default(),
        matcher: Matcher::new(Config::DEFAULT),
        chars: Vec::new(),
        line: String::new(),
    });
}

fn with_pattern<T>(filter: &str, f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| {
        let mut s = cell.borrow_mut();
        if s.text != filter {
            s.text = filter.to_owned();
            let Scratch { pattern, .. } = &mut *s;
            pattern.reparse(filter, CaseMatching::Smart, Normalization::Smart);
        }
        f(&mut s)
    })
}

/// The row's fields as one line, in the reused buffer (one field, a log
/// line, as it is: no copy).
fn joined<'a>(line: &'a mut String, fields: &[&'a str]) -> &'a str {
    if let [only] = fields {
        return only;
    }
    line.clear();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(f);
    }
    line
}

/// Whether a row with these fields matches `filter` (an empty filter
/// matches all).
pub fn matches(filter: &str, fields: &[&str]) -> bool {
    score(filter, fields).is_some()
}

/// How well a row matches (higher is better), None when it does not: for
/// ranking the palette's completions. An empty filter scores 0.
pub fn score(filter: &str, fields: &[&str]) -> Option<u32> {
    if filter.trim().is_empty() {
        return Some(0);
    }
    with_pattern(filter, |s| {
        let Scratch {
            pattern,
            matcher,
            chars,
            line,
            ..
        } = s;
        let text = joined(line, fields);
        pattern.score(Utf32Str::new(text, chars), matcher)
    })
}

/// The character positions of the row's first field (its name) that the
/// filter matched, for highlighting; empty when the row does not match.
pub fn positions(filter: &str, fields: &[&str]) -> Vec<usize> {
    positions_in(filter, fields, 0)
}

/// The character positions of `fields[field]` that the filter matched
/// (counted from that field's start), for highlighting a column other than
/// the name (a cluster's location); empty when the row does not match.
pub fn positions_in(filter: &str, fields: &[&str], field: usize) -> Vec<usize> {
    if filter.trim().is_empty() || field >= fields.len() {
        return Vec::new();
    }
    // The field's first character in the joined line: the fields before it
    // and a space after each.
    let start: usize = fields[..field].iter().map(|f| f.chars().count() + 1).sum();
    let end = start + fields[field].chars().count();
    with_pattern(filter, |s| {
        let Scratch {
            pattern,
            matcher,
            chars,
            line,
            ..
        } = s;
        let text = joined(line, fields);
        let mut indices = Vec::new();
        if pattern
            .indices(Utf32Str::new(text, chars), matcher, &mut indices)
            .is_none()
        {
            return Vec::new();
        }
        indices.sort_unstable();
        indices.dedup();
        indices
            .into_iter()
            .map(|i| i as usize)
            .filter(|&i| (start..end).contains(&i))
            .map(|i| i - start)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_in_order_match_across_the_name() {
        assert!(matches("jpadm", &["jupyter-ada-mueller"]));
        assert!(!matches("jpz", &["jupyter-ada-mueller"]));
        assert!(matches("", &["anything"]));
    }

    #[test]
    fn lowercase_ignores_case_and_uppercase_respects_it() {
        assert!(matches("crash", &["CrashLoopBackOff"]));
        assert!(matches("Crash", &["CrashLoopBackOff"]));
        assert!(!matches("CRASH", &["CrashLoopBackOff"]));
    }

    #[test]
    fn a_row_matches_by_its_status_too_and_words_must_all_match() {
        assert!(matches("pending", &["jupyter-ada", "Pending"]));
        assert!(matches("ada pend", &["jupyter-ada", "Pending"]));
        assert!(!matches("ada running", &["jupyter-ada", "Pending"]));
    }

    #[test]
    fn positions_are_the_matched_characters_of_the_name() {
        assert_eq!(positions("hub", &["hub-7c9d"]), vec![0, 1, 2]);
        assert_eq!(positions("h7", &["hub-7c9d"]), vec![0, 4]);
        assert!(positions("zz", &["hub-7c9d"]).is_empty());
        assert!(positions("", &["hub"]).is_empty());
        // A word that matched the status highlights nothing in the name.
        assert_eq!(
            positions("hub pend", &["hub-7c9d", "Pending"]),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn positions_in_another_field_count_from_its_start() {
        let fields = ["course-hub", "europe-west1", "RUNNING"];
        assert_eq!(positions_in("hub eur", &fields, 1), vec![0, 1, 2]);
        assert_eq!(positions_in("hub eur", &fields, 0), vec![7, 8, 9]);
        assert!(positions_in("hub eur", &fields, 2).is_empty());
        assert!(positions_in("hub", &fields, 3).is_empty(), "no such field");
        // Wide characters count as one character each, as the name's do.
        assert_eq!(positions_in("zü", &["名前", "zürich"], 1), vec![0, 1]);
    }
}
