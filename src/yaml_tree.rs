//! Edits of a YAML file's syntax tree (yaml-edit) that keep its comments
//! and layout: a key removed (with the mappings it leaves empty), a node
//! copied from another file and set under a path (making the mappings on
//! the way). Used where the cockpit changes an operator's config.yaml:
//! moving secrets out of it, adding the hub service it needs.

/// The top-level mapping of the file's first document.
pub fn root_mapping(file: &yaml_edit::YamlFile) -> Option<yaml_edit::Mapping> {
    file.documents().next()?.as_mapping()
}

/// The mappings from the root down to the parent of `path`'s last key.
fn mapping_chain(root: &yaml_edit::Mapping, path: &[String]) -> Option<Vec<yaml_edit::Mapping>> {
    let mut chain = vec![root.clone()];
    for key in &path[..path.len().saturating_sub(1)] {
        let next = chain.last()?.get_mapping(key.as_str())?;
        chain.push(next);
    }
    Some(chain)
}

/// The node at `path`, if every key on the way is a mapping's.
pub fn node_at(root: &yaml_edit::Mapping, path: &[String]) -> Option<yaml_edit::YamlNode> {
    mapping_chain(root, path)?
        .last()?
        .get(path.last()?.as_str())
}

/// Removes the key at `path` and the mappings the removal leaves empty;
/// false when `path` is not a plain nested key.
pub fn remove_node(root: &yaml_edit::Mapping, path: &[String]) -> bool {
    let Some(chain) = mapping_chain(root, path) else {
        return false;
    };
    let Some(last) = path.last() else {
        return false;
    };
    if chain.last().and_then(|m| m.remove(last.as_str())).is_none() {
        return false;
    }
    // Upwards, each mapping the removal emptied goes from its parent.
    for depth in (1..chain.len()).rev() {
        if !chain[depth].is_empty() {
            break;
        }
        chain[depth - 1].remove(path[depth - 1].as_str());
    }
    true
}

/// Sets `node` at `path`, making the mappings on the way; false when a
/// key on the way holds something else.
pub fn set_node(root: &yaml_edit::Mapping, path: &[String], node: &yaml_edit::YamlNode) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut mapping = root.clone();
    for key in parents {
        mapping = match mapping.get_mapping(key.as_str()) {
            Some(m) => m,
            None => {
                mapping.set(key.as_str(), yaml_edit::Mapping::new());
                match mapping.get_mapping(key.as_str()) {
                    Some(m) => m,
                    None => return false,
                }
            }
        };
    }
    mapping.set(last.as_str(), node);
    true
}
