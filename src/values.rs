//! The operator's values files: parsed with their place on error, merged as
//! helm merges them, coalesced with the chart's defaults and checked against
//! the chart's schema as helm checks them (a violation names the key and
//! where the operator set it), and diffed against a deployed revision's
//! values.

use std::path::{Path, PathBuf};
use std::str::FromStr;

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

/// A value's JSON Schema type, as helm names it in a type violation.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        // helm says `number` for 5 too.
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
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

/// Later values win and mappings merge key by key, as `helm --values a
/// --values b` merges its files (helm's `mergeMaps`). A `null` is kept as a
/// value: it is [`coalesce`] that lets it remove the key, and the chart's
/// default with it, and helm stores it in the release's values as written.
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// The values helm renders and validates: the chart's `values.yaml`
/// (`defaults`) under the operator's merged files (`user`), by helm's rules
/// (`CoalesceValues`): mappings merge key by key, the operator's value wins,
/// a list is replaced whole, a `null` removes the key together with its
/// default, and a mapping and a non-mapping never merge (the operator's side
/// is kept; helm only warns).
pub fn coalesce(defaults: &Value, user: &Value) -> Value {
    let mut out = user.clone();
    let (Value::Object(dst), Value::Object(src)) = (&mut out, defaults) else {
        return out;
    };
    for (key, default) in src {
        match dst.get_mut(key) {
            Some(Value::Null) => {
                dst.remove(key);
            }
            Some(mine @ Value::Object(_)) => {
                if let Value::Object(d) = default {
                    let mut d = d.clone();
                    drop_nulls(&mut d);
                    coalesce_tables(mine, d);
                }
            }
            Some(_) => {}
            None if default.is_null() => {}
            None => {
                let mut d = default.clone();
                if let Value::Object(m) = &mut d {
                    drop_nulls(m);
                }
                dst.insert(key.clone(), d);
            }
        }
    }
    out
}

/// helm's `coalesceTablesFullKey` without merge: `src` (the defaults) fills
/// in what `dst` (the operator's) lacks; a `null` of the operator's removes
/// the key when the default had a value there, and stays otherwise.
fn coalesce_tables(dst: &mut Value, src: serde_json::Map<String, Value>) {
    let Value::Object(dst) = dst else { return };
    for (key, default) in src {
        match dst.get_mut(&key) {
            Some(Value::Null) if !default.is_null() => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, default);
            }
            Some(mine @ Value::Object(_)) => {
                if let Value::Object(d) = default {
                    coalesce_tables(mine, d);
                }
            }
            Some(_) => {}
        }
    }
}

/// helm's `cleanNilValues`: the chart's own nulls are not values.
fn drop_nulls(m: &mut serde_json::Map<String, Value>) {
    m.retain(|_, v| !v.is_null());
    for v in m.values_mut() {
        if let Value::Object(sub) = v {
            drop_nulls(sub);
        }
    }
}

/// Reads and merges the files in order.
pub fn read_all(paths: &[PathBuf]) -> Result<Value, ValuesError> {
    read_all_with_sources(paths).map(|(merged, _)| merged)
}

/// [`read_all`], keeping each file's text to [`locate`] keys in.
pub fn read_all_with_sources(paths: &[PathBuf]) -> Result<(Value, Vec<ValuesSource>), ValuesError> {
    let mut merged = Value::Object(Default::default());
    let mut sources = Vec::with_capacity(paths.len());
    for p in paths {
        let text = std::fs::read_to_string(p).map_err(|e| ValuesError::Unreadable {
            path: p.to_path_buf(),
            reason: e.to_string(),
        })?;
        merge(&mut merged, parse(&text, p)?);
        sources.push(ValuesSource {
            file: p.clone(),
            text,
        });
    }
    Ok((merged, sources))
}

/// One schema failure: which key, what is wrong, and where the operator set
/// that key (when a values file sets it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// Dotted key path as helm names keys, like `singleuser.image.tag`; for
    /// an unknown or a missing key, the path of that key (`hub.foo`).
    pub path: String,
    pub message: String,
    /// The values file and line that set the key, or the nearest key above
    /// it that a file sets.
    pub place: Option<Place>,
}

/// Where in the operator's files a key is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// The key path set there: the violation's own, or a key above it.
    pub key: String,
}

impl std::fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "(top level)"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)?;
        match &self.place {
            Some(p) if p.key == self.path => {
                write!(f, " (set at {}:{})", p.file.display(), p.line)
            }
            Some(p) => write!(f, " (under `{}`, {}:{})", p.key, p.file.display(), p.line),
            None => Ok(()),
        }
    }
}

/// Checks values against a chart's values.schema.json. `values` are the
/// coalesced ones (see [`coalesce`]): what helm validates. An unusable
/// schema is reported as one violation rather than ignored.
pub fn validate(values: &Value, schema: &Value) -> Vec<SchemaViolation> {
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![SchemaViolation {
                path: String::new(),
                message: format!("the chart's values.schema.json cannot be used: {e}"),
                place: None,
            }];
        }
    };
    let mut out = Vec::new();
    for e in validator.iter_errors(values) {
        let at: Vec<String> = e
            .instance_path()
            .into_iter()
            .map(|seg| seg.to_string())
            .collect();
        let joined = |extra: &str| {
            let mut keys = at.clone();
            keys.push(extra.to_owned());
            keys.join(".")
        };
        match e.kind() {
            // One line per key, named as helm names it: the key, not its
            // parent, is what the operator has to find.
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    out.push(SchemaViolation {
                        path: joined(name),
                        message: "additional property not allowed".into(),
                        place: None,
                    });
                }
            }
            jsonschema::error::ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                out.push(SchemaViolation {
                    path: joined(&name),
                    message: "missing property, the chart requires it".into(),
                    place: None,
                });
            }
            // helm's wording: `got array, want null or number or string`.
            jsonschema::error::ValidationErrorKind::Type { kind } => {
                let want: Vec<&str> = match kind {
                    jsonschema::error::TypeKind::Single(t) => vec![t.as_str()],
                    jsonschema::error::TypeKind::Multiple(set) => {
                        set.iter().map(|t| t.as_str()).collect()
                    }
                };
                out.push(SchemaViolation {
                    path: at.join("."),
                    message: format!(
                        "got {}, want {}",
                        json_type(e.instance()),
                        want.join(" or ")
                    ),
                    place: None,
                });
            }
            _ => out.push(SchemaViolation {
                path: at.join("."),
                message: e.to_string(),
                place: None,
            }),
        }
    }
    out
}

/// One values file's text, to find where it sets a key.
pub struct ValuesSource {
    pub file: PathBuf,
    pub text: String,
}

/// Fills in each violation's place: the file (the later one when several
/// set it, as the later wins) and line that set its key, or the deepest key
/// above it that a file sets.
pub fn locate(violations: &mut [SchemaViolation], sources: &[ValuesSource]) {
    let parsed: Vec<(&ValuesSource, yaml_edit::Mapping)> = sources
        .iter()
        .filter_map(|s| {
            let file = yaml_edit::YamlFile::from_str(&s.text).ok()?;
            Some((s, file.documents().next()?.as_mapping()?))
        })
        .collect();
    for v in violations.iter_mut() {
        let keys: Vec<&str> = v.path.split('.').filter(|k| !k.is_empty()).collect();
        let mut best: Option<(usize, Place)> = None;
        for (source, root) in &parsed {
            let Some((depth, offset)) = deepest_set(root, &keys) else {
                continue;
            };
            // `>=`: of two files that set it as deep, the later one wins.
            if best.as_ref().is_none_or(|(d, _)| depth >= *d) {
                let line = source.text[..offset.min(source.text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                let key = keys[..depth].join(".");
                let file = source.file.clone();
                best = Some((depth, Place { file, line, key }));
            }
        }
        v.place = best.map(|(_, p)| p);
    }
}

/// How many of `keys` the mapping sets, and the byte offset of the deepest
/// one set; None when it does not set the first.
fn deepest_set(root: &yaml_edit::Mapping, keys: &[&str]) -> Option<(usize, usize)> {
    let mut node = yaml_edit::YamlNode::Mapping(root.clone());
    let mut found = None;
    for (depth, key) in keys.iter().enumerate() {
        let step = match &node {
            yaml_edit::YamlNode::Mapping(m) => m.find_entry_by_key(*key).and_then(|entry| {
                let offset = entry.key_node()?.byte_range().start as usize;
                Some((offset, entry.value_node()))
            }),
            yaml_edit::YamlNode::Sequence(s) => key
                .parse()
                .ok()
                .and_then(|i| s.get(i))
                .map(|item| (item.byte_range().start as usize, Some(item))),
            _ => None,
        };
        let Some((offset, next)) = step else { break };
        found = Some((depth + 1, offset));
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    found
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
    fn merges_files_like_helm() {
        let mut base = json!({"hub": {"a": 1, "b": 2}, "proxy": {"x": 1}, "list": [1, 2]});
        merge(
            &mut base,
            json!({"hub": {"b": 3, "c": 4}, "proxy": null, "list": [9]}),
        );
        // helm's mergeMaps keeps the null: it is coalescing with the chart
        // that removes the key (and the chart's default with it).
        assert_eq!(
            base,
            json!({"hub": {"a": 1, "b": 3, "c": 4}, "proxy": null, "list": [9]})
        );
        // A mapping over a scalar, and a scalar over a mapping, replace.
        let mut base = json!({"a": 1, "b": {"x": 1}});
        merge(&mut base, json!({"a": {"y": 2}, "b": 5}));
        assert_eq!(base, json!({"a": {"y": 2}, "b": 5}));
    }

    #[test]
    fn coalesces_with_the_chart_defaults_like_helm() {
        let defaults = json!({
            "hub": {"baseUrl": "/", "db": {"type": "sqlite-pvc", "pvc": {"storage": "1Gi"}}, "nodeSelector": {}},
            "singleuser": {"image": {"name": "sample", "tag": "4.4.0"}, "extraTolerations": [{"key": "a"}]},
            "proxy": {"https": {"enabled": false}, "chp": {"extraEnv": null}},
            "cull": {"enabled": true},
            "custom": {}
        });
        let user = json!({
            // A later file's value wins; a map merges key by key.
            "singleuser": {"image": {"tag": "5.0"}, "extraTolerations": [{"key": "b"}, {"key": "c"}]},
            // A null removes the key and its default.
            "hub": {"baseUrl": null, "db": {"pvc": null}},
            "cull": null,
            // A null for a key the chart has no default for stays, as in helm.
            "debug": null
        });
        let got = coalesce(&defaults, &user);
        assert_eq!(
            got,
            json!({
                "hub": {"db": {"type": "sqlite-pvc"}, "nodeSelector": {}},
                // Lists are replaced whole.
                "singleuser": {"image": {"name": "sample", "tag": "5.0"}, "extraTolerations": [{"key": "b"}, {"key": "c"}]},
                // The chart's own nulls are not values.
                "proxy": {"https": {"enabled": false}, "chp": {}},
                "custom": {},
                "debug": null
            })
        );
        // A mapping and a scalar never merge: the operator's side stays.
        let got = coalesce(
            &json!({"a": {"x": 1}, "b": 2}),
            &json!({"a": "text", "b": {"y": 1}}),
        );
        assert_eq!(got, json!({"a": "text", "b": {"y": 1}}));
        // No files: the chart's defaults.
        assert_eq!(coalesce(&defaults, &json!({}))["hub"]["baseUrl"], "/");
    }

    /// A schema shaped like the real chart's: top-level keys required that
    /// only the chart's values.yaml provides, closed mappings.
    fn chart_like_schema() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["hub", "singleuser"],
            "properties": {
                "hub": {"type": "object", "additionalProperties": false, "required": ["baseUrl"],
                        "properties": {"baseUrl": {"type": "string"}, "config": {"type": "object"}}},
                "singleuser": {"type": "object", "properties": {
                    "memory": {"type": "object", "properties": {"limit": {"type": ["number", "string", "null"]}}},
                    "image": {"type": "object", "required": ["name"], "properties": {"tag": {"type": "string"}}}}}
            }
        })
    }

    #[test]
    fn violations_name_the_key_as_helm_does() {
        let defaults = json!({"hub": {"baseUrl": "/"}, "singleuser": {"image": {"name": "sample", "tag": "1"}}});
        let schema = chart_like_schema();
        // The operator's file alone breaks the schema; over the defaults it
        // does not.
        let user = json!({"singleuser": {"image": {"tag": "2"}}});
        assert!(!validate(&user, &schema).is_empty());
        assert_eq!(validate(&coalesce(&defaults, &user), &schema), []);

        let paths = |user: Value| -> Vec<(String, String)> {
            validate(&coalesce(&defaults, &user), &schema)
                .into_iter()
                .map(|v| (v.path, v.message))
                .collect()
        };
        assert_eq!(
            paths(json!({"hub": {"foo": 1}})),
            [("hub.foo".into(), "additional property not allowed".into())]
        );
        assert_eq!(
            paths(json!({"hub": {"baseUrl": null}})),
            [(
                "hub.baseUrl".into(),
                "missing property, the chart requires it".into()
            )]
        );
        let typed = paths(json!({"singleuser": {"memory": {"limit": []}}}));
        assert_eq!(typed.len(), 1, "{typed:?}");
        assert_eq!(typed[0].0, "singleuser.memory.limit");
        assert_eq!(typed[0].1, "got array, want null or number or string");
    }

    #[test]
    fn a_violation_points_at_the_line_that_set_the_key() {
        let config = ValuesSource {
            file: "config.yaml".into(),
            text: "# mine\nhub:\n  config: {}\n  foo: 1\nsingleuser:\n  memory:\n    limit: []\n"
                .into(),
        };
        let secrets = ValuesSource {
            file: "secrets.yaml".into(),
            text: "hub:\n  foo: 2\n".into(),
        };
        let mut v = vec![
            SchemaViolation {
                path: "hub.foo".into(),
                message: "m".into(),
                place: None,
            },
            SchemaViolation {
                path: "singleuser.memory.limit".into(),
                message: "m".into(),
                place: None,
            },
            SchemaViolation {
                path: "singleuser.image.name".into(),
                message: "m".into(),
                place: None,
            },
            SchemaViolation {
                path: "proxy.x".into(),
                message: "m".into(),
                place: None,
            },
        ];
        locate(&mut v, &[config, secrets]);
        let places: Vec<Option<(String, usize, String)>> = v
            .iter()
            .map(|v| {
                v.place
                    .as_ref()
                    .map(|p| (p.file.display().to_string(), p.line, p.key.clone()))
            })
            .collect();
        assert_eq!(
            places,
            [
                // Both files set it; the later one wins, as in helm.
                Some(("secrets.yaml".into(), 2, "hub.foo".into())),
                Some(("config.yaml".into(), 7, "singleuser.memory.limit".into())),
                // Not set by the operator: the nearest key above it is.
                Some(("config.yaml".into(), 5, "singleuser".into())),
                None,
            ]
        );
        assert_eq!(v[0].to_string(), "hub.foo: m (set at secrets.yaml:2)");
        assert_eq!(
            v[2].to_string(),
            "singleuser.image.name: m (under `singleuser`, config.yaml:5)"
        );
        assert_eq!(v[3].to_string(), "proxy.x: m");
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
