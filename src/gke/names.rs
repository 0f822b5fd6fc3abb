//! GKE's names: the cluster-name rule, checked before any request so that
//! a typo costs no round trip (and, on real GKE, no failed operation in the
//! project's history), and the kubeconfig context name gcloud gives a
//! cluster (pure, so the core can match contexts to clusters).

/// The longest cluster name GKE accepts.
pub const MAX_CLUSTER_NAME_LEN: usize = 40;

/// GKE's rule, as its API states it, for messages.
pub const CLUSTER_NAME_RULE: &str = "lowercase letters, digits and hyphens, starting with a letter, \
     ending with a letter or digit, at most 40 characters";

/// Checks `name` against GKE's rule (the regex GKE reports is
/// `(?:[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?)`). The error says what is wrong
/// in words a person can act on.
pub fn validate_cluster_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!(
            "the cluster name is empty; use {CLUSTER_NAME_RULE}"
        ));
    }
    let len = name.chars().count();
    if len > MAX_CLUSTER_NAME_LEN {
        return Err(format!(
            "the cluster name is {len} characters long; GKE allows at most {MAX_CLUSTER_NAME_LEN}"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let hint = if bad.is_ascii_uppercase() {
            " (GKE names are lowercase)"
        } else {
            ""
        };
        return Err(format!(
            "the cluster name contains {bad:?}{hint}; use only lowercase letters, digits and hyphens"
        ));
    }
    // Safe to index by byte from here: every character is ASCII.
    if !name.as_bytes()[0].is_ascii_lowercase() {
        return Err(format!(
            "the cluster name starts with {:?}; it must start with a lowercase letter",
            name.as_bytes()[0] as char
        ));
    }
    if name.ends_with('-') {
        return Err(
            "the cluster name ends with a hyphen; it must end with a letter or digit".into(),
        );
    }
    Ok(())
}

/// gcloud's context name: `gke_<project>_<location>_<cluster>`.
pub fn context_name(project: &str, location: &str, cluster: &str) -> String {
    format!("gke_{project}_{location}_{cluster}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_tutorial_name_and_the_edges() {
        for ok in ["notebook-test", "a", "a1", "a-b-c", &"a".repeat(40), "x9-9"] {
            assert_eq!(validate_cluster_name(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_each_broken_rule_with_a_reason() {
        let cases = [
            ("", "empty"),
            (&"a".repeat(41) as &str, "41 characters"),
            ("Notebook", "lowercase"),
            ("note_book", "'_'"),
            ("1cluster", "start with a lowercase letter"),
            ("-cluster", "start with a lowercase letter"),
            ("cluster-", "ends with a hyphen"),
            ("clüster", "'ü'"),
            ("a b", "' '"),
        ];
        for (name, why) in cases {
            let err = validate_cluster_name(name).expect_err(name);
            assert!(err.contains(why), "{name:?}: {err}");
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        // 30 two-byte characters (60 bytes) must be refused for the
        // character, not reported as "60 characters long".
        let err = validate_cluster_name(&"é".repeat(30)).unwrap_err();
        assert!(err.contains("'é'"), "{err}");
    }
}
