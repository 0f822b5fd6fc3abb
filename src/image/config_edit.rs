//! The image form's write: `singleuser.image.name` and `.tag` set in the
//! operator's config.yaml, everything else in the file kept byte for byte
//! (its comments, order and quoting), through yaml-edit's syntax tree.
//! Pure: the caller reads and writes the file.

use std::path::Path;
use std::str::FromStr;

use serde_json::{Value, json};

use super::keys::ImageKey;
use crate::values;
use crate::yaml_tree::{node_at, root_mapping, set_node};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageEditError {
    #[error(transparent)]
    Values(#[from] values::ValuesError),
    #[error("{0}")]
    Invalid(String),
    #[error("{path} already sets {key} to {image}: nothing to change")]
    Unchanged {
        path: String,
        key: &'static str,
        image: String,
    },
    #[error(
        "{path} cannot be edited without changing more than {key} ({detail}); nothing was changed. Set it by hand (e opens it):\n{snippet}"
    )]
    CannotEdit {
        path: String,
        key: &'static str,
        detail: String,
        snippet: String,
    },
}

/// A tag as the OCI distribution spec allows it.
fn valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && tag.len() <= 128
}

/// Checks a name and tag the operator typed, saying what is wrong in
/// words: the registry is never asked about something that cannot be an
/// image.
pub fn validate(name: &str, tag: &str) -> Result<(), String> {
    let name = name.trim();
    let tag = tag.trim();
    if name.is_empty() {
        return Err("the image name is empty: e.g. quay.io/jupyter/scipy-notebook".into());
    }
    if tag.is_empty() {
        return Err(
            "the tag is empty: pin one, e.g. 2026-11-30 (latest changes under the class)".into(),
        );
    }
    if !valid_tag(tag) {
        return Err(format!(
            "{tag:?} is not a tag: letters, digits, _ . - only, at most 128, not starting with . or -"
        ));
    }
    if name.contains('@')
        || name
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'))
    {
        return Err(format!(
            "{name:?} has a tag or digest in it: put the tag in the tag field"
        ));
    }
    oci_client::Reference::from_str(&format!("{name}:{tag}"))
        .map(|_| ())
        .map_err(|e| {
            format!("{name:?} is not an image name ({e}): e.g. quay.io/jupyter/scipy-notebook")
        })
}

/// A scalar as YAML text: the tag always double-quoted (an unquoted
/// `2026-11-30` is a date to helm's YAML reader and `4.10` the float 4.1,
/// the classic pitfall of this step), the name plain when it can be.
fn yaml_string(s: &str, force_quotes: bool) -> String {
    let plain = !force_quotes
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/:-".contains(c))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric());
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).expect("a string serialises")
    }
}

fn snippet(key: ImageKey, name: &str, tag: &str) -> String {
    let parts: Vec<&str> = key.path.split('.').collect();
    let mut text = String::new();
    for (depth, part) in parts.iter().enumerate() {
        text.push_str(&format!("{}{part}:\n", "  ".repeat(depth)));
    }
    let indent = "  ".repeat(parts.len());
    text.push_str(&format!("{indent}name: {}\n", yaml_string(name, false)));
    text.push_str(&format!("{indent}tag: {}\n", yaml_string(tag, true)));
    text
}

/// config.yaml's text with `key.name` and `key.tag` set. Refused when the
/// file already says exactly that, or when the edit would change anything
/// else (checked on the parsed result).
pub fn set_image(
    path: &Path,
    text: &str,
    key: ImageKey,
    name: &str,
    tag: &str,
) -> Result<String, ImageEditError> {
    validate(name, tag).map_err(ImageEditError::Invalid)?;
    let (name, tag) = (name.trim(), tag.trim());
    let current = values::parse(text, path)?;
    let shown = path.display().to_string();
    let at = |field: &str| {
        key.path
            .split('.')
            .chain([field])
            .try_fold(&current, |node, k| node.get(k))
            .cloned()
    };
    if at("name") == Some(json!(name)) && at("tag") == Some(json!(tag)) {
        return Err(ImageEditError::Unchanged {
            path: shown,
            key: key.path,
            image: format!("{name}:{tag}"),
        });
    }
    let wanted = snippet(key, name, tag);
    let cannot = |detail: &str| ImageEditError::CannotEdit {
        path: shown.clone(),
        key: key.path,
        detail: detail.to_owned(),
        snippet: wanted.clone(),
    };
    let mut expected = current.clone();
    let mut nested = json!({"name": name, "tag": tag});
    for part in key.path.split('.').rev() {
        nested = json!({ part: nested });
    }
    values::merge(&mut expected, nested);

    let edited = if text.trim().is_empty() {
        wanted.clone()
    } else {
        let file = yaml_edit::YamlFile::from_str(text).map_err(|e| cannot(&e.to_string()))?;
        let root =
            root_mapping(&file).ok_or_else(|| cannot("its top level is not a block of keys"))?;
        let source = yaml_edit::YamlFile::from_str(&wanted).map_err(|e| cannot(&e.to_string()))?;
        let source_root = root_mapping(&source).ok_or_else(|| cannot("the snippet has no keys"))?;
        for field in ["name", "tag"] {
            let path: Vec<String> = key
                .path
                .split('.')
                .chain([field])
                .map(str::to_owned)
                .collect();
            // A field that already holds the wanted value is left as it is
            // written (its quoting and comment too).
            if at(field) == Some(json!(if field == "name" { name } else { tag })) {
                continue;
            }
            let node =
                node_at(&source_root, &path).ok_or_else(|| cannot("the snippet lacks a key"))?;
            if !set_node(&root, &path, &node) {
                return Err(cannot("a key on the way holds something other than keys"));
            }
        }
        file.to_string()
    };
    if values::parse(&edited, path).ok() != Some(expected) {
        return Err(cannot("the edited file would differ in other keys"));
    }
    Ok(edited)
}

/// The image config.yaml sets at `key` (name and tag as written), for the
/// form's "in config.yaml" line.
pub fn configured(values: &Value, key: ImageKey) -> (Option<String>, Option<String>) {
    let image = key.path.split('.').try_fold(values, |node, k| node.get(k));
    let field = |f: &str| {
        image.and_then(|i| i.get(f)).and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    (field("name"), field("tag"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::keys::SINGLEUSER;

    const CONFIG: &str = "\
# the course hub
hub:
  # who may log in
  config:
    Authenticator:
      admin_users: [teacher]
singleuser:
  image:
    name: quay.io/jupyter/scipy-notebook   # the course base
    tag: \"2026-10-26\"  # pinned: never latest
  memory:
    limit: 2G
";

    fn edit(text: &str, name: &str, tag: &str) -> Result<String, ImageEditError> {
        set_image(Path::new("config.yaml"), text, SINGLEUSER, name, tag)
    }

    #[test]
    fn a_new_tag_changes_that_value_and_no_other_byte() {
        let edited = edit(CONFIG, "quay.io/jupyter/scipy-notebook", "2026-11-30").unwrap();
        assert_eq!(
            edited,
            CONFIG.replace("\"2026-10-26\"", "\"2026-11-30\""),
            "{edited}"
        );
    }

    #[test]
    fn a_new_name_and_tag_keep_the_comments() {
        let edited = edit(CONFIG, "registry.example/course/notebook", "w2").unwrap();
        assert_eq!(
            edited,
            CONFIG
                .replace(
                    "quay.io/jupyter/scipy-notebook",
                    "registry.example/course/notebook"
                )
                .replace("\"2026-10-26\"", "\"w2\""),
            "{edited}"
        );
    }

    #[test]
    fn missing_keys_are_made_and_the_tag_is_quoted() {
        let edited = edit("# mine\nhub: {}\n", "r/course", "2026-11-30").unwrap();
        assert!(edited.starts_with("# mine\n"), "{edited}");
        let parsed = values::parse(&edited, Path::new("c")).unwrap();
        // A string, not a date: helm's YAML reader would make 2026-11-30 a
        // timestamp.
        assert_eq!(parsed["singleuser"]["image"]["tag"], json!("2026-11-30"));
        assert_eq!(parsed["singleuser"]["image"]["name"], json!("r/course"));
    }

    #[test]
    fn an_empty_file_gets_the_image_alone() {
        let edited = edit("", "r/course", "1.0").unwrap();
        assert_eq!(
            edited,
            "singleuser:\n  image:\n    name: r/course\n    tag: \"1.0\"\n"
        );
    }

    #[test]
    fn the_same_image_is_refused_as_unchanged() {
        let err = edit(CONFIG, "quay.io/jupyter/scipy-notebook", "2026-10-26").unwrap_err();
        assert!(matches!(err, ImageEditError::Unchanged { .. }), "{err}");
    }

    #[test]
    fn bad_names_and_tags_are_refused_in_words() {
        for (name, tag, says) in [
            ("", "1", "name is empty"),
            ("r/course", "", "tag is empty"),
            ("r/course", "-x", "is not a tag"),
            ("r/course", "a b", "is not a tag"),
            ("r/course:w1", "w2", "put the tag in the tag field"),
            ("R/Course", "w1", "is not an image name"),
        ] {
            let err = edit(CONFIG, name, tag).unwrap_err().to_string();
            assert!(err.contains(says), "{name}:{tag}: {err}");
        }
    }
}
