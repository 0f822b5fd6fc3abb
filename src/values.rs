//! The operator's values files: parsed with their place on error, merged as
//! helm merges them, checked against the chart's schema, and diffed against
//! a deployed revision's values.

use std::path::{Path, PathBuf};

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValuesError {
    #[error(
        "{path}: cannot read it ({reason}); check the path in the settings file or on the command line"
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "{path}:{line}:{column}: invalid YAML: {reason}; fix it in your editor (e), nothing was applied"
    )]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        reason: String,
    },
    #[error(
        "{path}: the top level must be a mapping of keys (like `hub:` and `singleuser:`), not {found}"
    )]
    NotAMapping { path: PathBuf, found: &'static str },
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Parses one values document; an empty file is an empty mapping, as helm
/// treats it.
pub fn parse(text: &str, path: &Path) -> Result<Value, ValuesError> {
    let value: Value = serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        ValuesError::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            reason: e.to_string(),
        }
    })?;
    match value {
        Value::Null => Ok(Value::Object(Default::default())),
        Value::Object(_) => Ok(value),
        other => Err(ValuesError::NotAMapping {
            path: path.to_path_buf(),
            found: kind_of(&other),
        }),
    }
}

pub fn read(path: &Path) -> Result<Value, ValuesError> {
    let text = std::fs::read_to_string(path).map_err(|e| ValuesError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse(&text, path)
}

/// Later values win; mappings merge key by key; a null deletes the key, as
/// `helm --values a --values b` does.
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(&k);
                } else if let Some(existing) = b.get_mut(&k) {
                    merge(existing, v);
                } else {
                    b.insert(k, v);
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Reads and merges the files in order.
pub fn read_all(paths: &[PathBuf]) -> Result<Value, ValuesError> {
    let mut merged = Value::Object(Default::default());
    for p in paths {
        merge(&mut merged, read(p)?);
    }
    Ok(merged)
}

/// One schema failure: where in the values, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// Dotted path, like `singleuser.image.tag`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            if self.path.is_empty() {
                "(top level)"
            } else {
                &self.path
            },
            self.message
        )
    }
}

/// Checks values against a chart's values.schema.json. An unusable schema
/// is reported as one violation rather than ignored.
pub fn validate(values: &Value, schema: &Value) -> Vec<SchemaViolation> {
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![SchemaViolation {
                path: String::new(),
                message: format!("the chart's values.schema.json cannot be used: {e}"),
            }];
        }
    };
    validator
        .iter_errors(values)
        .map(|e| SchemaViolation {
            path: e
                .instance_path()
                .to_string()
                .trim_start_matches('/')
                .replace('/', "."),
            message: e.to_string(),
        })
        .collect()
}

/// Values as YAML with sorted keys, so that two revisions diff by content.
pub fn to_yaml(values: &Value) -> String {
    match values {
        Value::Object(m) if m.is_empty() => String::new(),
        v => serde_yaml::to_string(v).unwrap_or_default(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffTag {
    Context,
    Removed,
    Added,
    /// A `@@ ... @@` hunk header.
    Hunk,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub tag: DiffTag,
    pub text: String,
}

/// A unified diff of two values documents (3 lines of context). Empty when
/// they are equal.
pub fn diff(old: &Value, new: &Value) -> Vec<DiffLine> {
    let (old, new) = (to_yaml(old), to_yaml(new));
    let diff = similar::TextDiff::from_lines(&old, &new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(3) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        out.push(DiffLine {
            tag: DiffTag::Hunk,
            text: format!(
                "@@ -{},{} +{},{} @@",
                first.old_range().start + 1,
                last.old_range().end - first.old_range().start,
                first.new_range().start + 1,
                last.new_range().end - first.new_range().start
            ),
        });
        for op in group {
            for change in diff.iter_changes(&op) {
                let tag = match change.tag() {
                    similar::ChangeTag::Equal => DiffTag::Context,
                    similar::ChangeTag::Delete => DiffTag::Removed,
                    similar::ChangeTag::Insert => DiffTag::Added,
                };
                out.push(DiffLine {
                    tag,
                    text: change.value().trim_end_matches('\n').to_owned(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_syntax_error_names_file_line_and_column() {
        let err = parse(
            "hub:\n  config:\n    - a\n   b: [\n",
            Path::new("config.yaml"),
        )
        .unwrap_err();
        match &err {
            ValuesError::Syntax { line, column, .. } => assert!(*line >= 3 && *column > 0, "{err}"),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().starts_with("config.yaml:"), "{err}");
    }

    #[test]
    fn empty_is_a_mapping_and_a_scalar_is_refused() {
        assert_eq!(parse("", Path::new("c")).unwrap(), json!({}));
        assert_eq!(
            parse("# only comments\n", Path::new("c")).unwrap(),
            json!({})
        );
        let err = parse("just text\n", Path::new("c.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("must be a mapping") && err.contains("a string"),
            "{err}"
        );
    }

    #[test]
    fn merges_like_helm() {
        let mut base = json!({"hub": {"a": 1, "b": 2}, "proxy": {"x": 1}, "list": [1, 2]});
        merge(
            &mut base,
            json!({"hub": {"b": 3, "c": 4}, "proxy": null, "list": [9]}),
        );
        assert_eq!(base, json!({"hub": {"a": 1, "b": 3, "c": 4}, "list": [9]}));
    }

    #[test]
    fn schema_violations_show_the_failing_path() {
        let schema = json!({"type": "object", "properties": {"singleuser": {"type": "object", "properties": {
            "image": {"type": "object", "properties": {"tag": {"type": "string"}}}}}}});
        let bad = json!({"singleuser": {"image": {"tag": 4}}});
        let violations = validate(&bad, &schema);
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].path, "singleuser.image.tag");
        assert!(validate(&json!({"singleuser": {"image": {"tag": "4"}}}), &schema).is_empty());
    }

    #[test]
    fn the_diff_shows_exactly_the_changed_tag() {
        let old = json!({"singleuser": {"image": {"name": "jupyter/base", "tag": "1.0"}}, "hub": {"db": {"type": "sqlite-pvc"}}});
        let new = json!({"singleuser": {"image": {"name": "jupyter/base", "tag": "2.0"}}, "hub": {"db": {"type": "sqlite-pvc"}}});
        let d = diff(&old, &new);
        let changed: Vec<(DiffTag, &str)> = d
            .iter()
            .filter(|l| matches!(l.tag, DiffTag::Added | DiffTag::Removed))
            .map(|l| (l.tag, l.text.trim()))
            .collect();
        assert_eq!(
            changed,
            [
                (DiffTag::Removed, "tag: '1.0'"),
                (DiffTag::Added, "tag: '2.0'")
            ]
        );
        assert!(diff(&old, &old).is_empty());
    }
}
