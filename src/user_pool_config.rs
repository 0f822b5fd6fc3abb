//! config.yaml's side of a user node pool: `scheduling.userPods.nodeAffinity
//! .matchNodePurpose: require`, which makes the chart give every user pod a
//! required affinity for nodes labelled `hub.jupyter.org/node-purpose=user`
//! (the label the cockpit's user pool carries). Offered after the pool is
//! added, as a diff; the edit keeps the file's comments and layout.

use std::path::Path;
use std::str::FromStr;

use serde_json::{Value, json};

use crate::values;
use crate::yaml_tree::{root_mapping, set_node};

/// The key, as the chart's values name it.
pub const KEY: &str = "scheduling.userPods.nodeAffinity.matchNodePurpose";

/// The chart's default is `prefer`: user pods go to user nodes when there
/// are some, else anywhere. `require` keeps them off the core pool.
pub const REQUIRE: &str = "require";

const SNIPPET: &str =
    "scheduling:\n  userPods:\n    nodeAffinity:\n      matchNodePurpose: require\n";

/// config.yaml's text with the key set to `require`; an error in words
/// when it already is, or when the file cannot be edited in place.
pub fn require_user_pool(path: &Path, text: &str) -> Result<String, String> {
    let current = values::parse(text, path).map_err(|e| e.to_string())?;
    let keys: Vec<String> = KEY.split('.').map(str::to_owned).collect();
    let now = keys.iter().try_fold(&current, |node, k| node.get(k));
    if now == Some(&json!(REQUIRE)) {
        return Err(format!(
            "{} already sets {KEY}: {REQUIRE}; nothing to change",
            path.display()
        ));
    }
    let cannot = |detail: &str| {
        format!(
            "cannot edit {} in place ({detail}); add this to it by hand:\n{SNIPPET}",
            path.display()
        )
    };
    let mut expected = current.clone();
    values::merge(
        &mut expected,
        serde_yaml::from_str::<Value>(SNIPPET).map_err(|e| e.to_string())?,
    );
    let edited = if text.trim().is_empty() {
        SNIPPET.to_owned()
    } else {
        let file = yaml_edit::YamlFile::from_str(text).map_err(|e| cannot(&e.to_string()))?;
        let root =
            root_mapping(&file).ok_or_else(|| cannot("its top level is not a block of keys"))?;
        let source = yaml_edit::YamlFile::from_str(SNIPPET).map_err(|e| cannot(&e.to_string()))?;
        let source_root = root_mapping(&source).ok_or_else(|| cannot("the snippet has no keys"))?;
        let node = crate::yaml_tree::node_at(&source_root, &keys)
            .ok_or_else(|| cannot("the snippet lacks the key"))?;
        if !set_node(&root, &keys, &node) {
            return Err(cannot("a key on the way holds something other than keys"));
        }
        file.to_string()
    };
    if values::parse(&edited, path).ok() != Some(expected) {
        return Err(cannot("the edited file would differ in other keys"));
    }
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_set_and_every_other_byte_stays() {
        let text = "# the course hub\nsingleuser:\n  image:\n    tag: \"2026-12-01\" # pinned\nscheduling:\n  userScheduler:\n    enabled: true\n";
        let edited = require_user_pool(Path::new("config.yaml"), text).unwrap();
        assert_eq!(
            edited,
            format!("{text}  userPods:\n    nodeAffinity:\n      matchNodePurpose: require\n"),
            "only the new keys, under the existing scheduling"
        );
        assert!(
            edited.starts_with(
                "# the course hub\nsingleuser:\n  image:\n    tag: \"2026-12-01\" # pinned\n"
            ),
            "{edited}"
        );
        let v = values::parse(&edited, Path::new("config.yaml")).unwrap();
        assert_eq!(
            v["scheduling"]["userPods"]["nodeAffinity"]["matchNodePurpose"],
            "require"
        );
        assert_eq!(v["scheduling"]["userScheduler"]["enabled"], true);
        assert_eq!(v["singleuser"]["image"]["tag"], "2026-12-01");
    }

    #[test]
    fn prefer_becomes_require_and_require_is_refused() {
        let text = "scheduling:\n  userPods:\n    nodeAffinity:\n      matchNodePurpose: prefer # the chart's default\n";
        let edited = require_user_pool(Path::new("c.yaml"), text).unwrap();
        assert!(edited.contains("matchNodePurpose: require"), "{edited}");
        let again = require_user_pool(Path::new("c.yaml"), &edited).unwrap_err();
        assert!(again.contains("already sets"), "{again}");
    }

    #[test]
    fn an_empty_file_gets_the_snippet() {
        assert_eq!(require_user_pool(Path::new("c.yaml"), "").unwrap(), SNIPPET);
    }
}
