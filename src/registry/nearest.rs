//! The tags nearest to one that does not exist: what the operator most
//! likely meant (a typo: `2026-11-03` for `2026-11-30`), or the newest
//! dated tag when nothing is close.

/// Up to `count` of `tags`, nearest to `wanted` first. Nearness is the
/// edit distance (transpositions count once: the usual slip); ties go to
/// the larger tag, which for dated and versioned tags is the newer one.
pub fn nearest_tags(wanted: &str, tags: &[String], count: usize) -> Vec<String> {
    let mut scored: Vec<(usize, &String)> = tags
        .iter()
        .filter(|t| t.as_str() != wanted)
        .map(|t| (strsim::damerau_levenshtein(wanted, t), t))
        .collect();
    scored.sort_by(|(da, a), (db, b)| da.cmp(db).then_with(|| b.cmp(a)));
    scored
        .into_iter()
        .take(count)
        .map(|(_, t)| t.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_typo_finds_the_tag_meant() {
        let all = tags(&[
            "2026-10-26",
            "2026-11-30",
            "2026-11-23",
            "latest",
            "python-3.12",
        ]);
        assert_eq!(
            nearest_tags("2026-11-03", &all, 2),
            ["2026-11-30", "2026-11-23"]
        );
    }

    #[test]
    fn ties_go_to_the_newer_tag() {
        let all = tags(&["w1", "w3", "w2"]);
        assert_eq!(nearest_tags("w9", &all, 3), ["w3", "w2", "w1"]);
    }

    #[test]
    fn no_tags_no_suggestions() {
        assert!(nearest_tags("x", &[], 3).is_empty());
    }
}
