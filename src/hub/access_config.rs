//! The config.yaml change that gives the cockpit its access to the hub's
//! API: the z2jh service `hub.services.jhub-cockpit` (the chart makes its
//! token and keeps it in the Secret `hub`) and the role
//! `hub.loadRoles.jhub-cockpit` with only the scopes the cockpit's views
//! use. Added to the operator's file with its comments and layout kept;
//! the upgrade that follows is the operator's, with its diff, like any
//! change.

use std::path::Path;
use std::str::FromStr;

use serde_json::{Value, json};

use super::token::{SCOPES, SERVICE};
use crate::values;
use crate::yaml_tree::{node_at, root_mapping, set_node};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error(transparent)]
    Values(#[from] values::ValuesError),
    #[error(
        "{path} already has hub.services.{SERVICE} and hub.loadRoles.{SERVICE}: upgrade (u) so that the hub loads them"
    )]
    AlreadyThere { path: String },
    #[error(
        "{path} cannot be edited without changing more than the service and its role ({detail}); nothing was changed. Add them by hand (e opens it):\n{snippet}"
    )]
    CannotEdit {
        path: String,
        detail: String,
        snippet: String,
    },
}

/// The service and role as values.
fn access_values() -> Value {
    json!({"hub": {
        "services": {SERVICE: {}},
        "loadRoles": {SERVICE: {
            "description": "The cockpit's users view: list users and servers, stop a server",
            "scopes": SCOPES,
            "services": [SERVICE],
        }},
    }})
}

/// The same as YAML, for an empty file and for the error's hand edit.
pub fn snippet() -> String {
    values::to_yaml(&access_values())
}

fn paths() -> [Vec<String>; 2] {
    let path = |section: &str| vec!["hub".to_owned(), section.to_owned(), SERVICE.to_owned()];
    [path("services"), path("loadRoles")]
}

/// config.yaml's text with the service and role added (those already there
/// are left as they are). Pure: the caller writes.
pub fn add_access(path: &Path, text: &str) -> Result<String, AccessError> {
    let current = values::parse(text, path)?;
    let missing: Vec<Vec<String>> = paths()
        .into_iter()
        .filter(|p| {
            let mut node = &current;
            for key in p {
                match node.get(key) {
                    Some(next) => node = next,
                    None => return true,
                }
            }
            false
        })
        .collect();
    let shown = path.display().to_string();
    if missing.is_empty() {
        return Err(AccessError::AlreadyThere { path: shown });
    }
    let cannot = |detail: &str| AccessError::CannotEdit {
        path: shown.clone(),
        detail: detail.to_owned(),
        snippet: snippet(),
    };
    let wanted = access_values();
    let mut expected = current.clone();
    for p in &missing {
        let mut value = &wanted;
        for key in p {
            value = &value[key.as_str()];
        }
        let mut nested = value.clone();
        for key in p.iter().rev() {
            nested = json!({ key.as_str(): nested });
        }
        values::merge(&mut expected, nested);
    }
    let edited = if current.as_object().is_none_or(|m| m.is_empty()) && text.trim().is_empty() {
        snippet()
    } else {
        let file = yaml_edit::YamlFile::from_str(text).map_err(|e| cannot(&e.to_string()))?;
        let root =
            root_mapping(&file).ok_or_else(|| cannot("its top level is not a block of keys"))?;
        let source =
            yaml_edit::YamlFile::from_str(&snippet()).map_err(|e| cannot(&e.to_string()))?;
        let source_root = root_mapping(&source).ok_or_else(|| cannot("the snippet has no keys"))?;
        for p in &missing {
            let node = node_at(&source_root, p).ok_or_else(|| cannot("the snippet lacks a key"))?;
            if !set_node(&root, p, &node) {
                return Err(cannot("a key on the way holds something other than keys"));
            }
        }
        file.to_string()
    };
    // What the edit must amount to, checked on the parsed result.
    if values::parse(&edited, path).ok() != Some(expected) {
        return Err(cannot("the edited file would differ in other keys"));
    }
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# the course hub
hub:
  # who may log in
  config:
    Authenticator:
      admin_users: [teacher]
singleuser:
  image:
    tag: \"4.4.0\"  # pinned
";

    #[test]
    fn the_service_and_role_are_added_and_comments_kept() {
        let edited = add_access(Path::new("config.yaml"), CONFIG).unwrap();
        for kept in [
            "# the course hub",
            "# who may log in",
            "tag: \"4.4.0\"  # pinned",
        ] {
            assert!(edited.contains(kept), "{kept} kept:\n{edited}");
        }
        let values = values::parse(&edited, Path::new("config.yaml")).unwrap();
        assert_eq!(values["hub"]["services"]["jhub-cockpit"], json!({}));
        assert_eq!(
            values["hub"]["loadRoles"]["jhub-cockpit"]["scopes"],
            json!([
                "list:users",
                "read:users",
                "read:users:activity",
                "read:servers",
                "servers"
            ])
        );
        assert_eq!(
            values["hub"]["loadRoles"]["jhub-cockpit"]["services"],
            json!(["jhub-cockpit"])
        );
        assert_eq!(
            values["hub"]["config"]["Authenticator"]["admin_users"],
            json!(["teacher"])
        );
        // Twice is refused: nothing more to add.
        assert_eq!(
            add_access(Path::new("config.yaml"), &edited),
            Err(AccessError::AlreadyThere {
                path: "config.yaml".into()
            })
        );
    }

    #[test]
    fn an_empty_file_gets_the_snippet_and_a_set_token_is_kept() {
        let edited = add_access(Path::new("config.yaml"), "").unwrap();
        assert_eq!(edited, snippet());
        let with_token = "hub:\n  services:\n    jhub-cockpit:\n      apiToken: set-by-hand\n";
        let edited = add_access(Path::new("config.yaml"), with_token).unwrap();
        let values = values::parse(&edited, Path::new("config.yaml")).unwrap();
        assert_eq!(
            values["hub"]["services"]["jhub-cockpit"]["apiToken"],
            "set-by-hand"
        );
        assert!(values["hub"]["loadRoles"]["jhub-cockpit"].is_object());
    }
}
