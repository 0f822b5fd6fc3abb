//! The operator's values files: `values::parse`, then what the cockpit does
//! with parsed values (merge as helm does, YAML for the diff view, the diff
//! against a deployed revision, coalescing with a chart's defaults and the
//! schema check, with the line each violation's key is set on).
//!
//! The input is two documents separated by the first NUL byte (the second
//! may be empty): the file the operator edits and the one it is compared
//! with or merged over.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use jhub_cockpit::values::{self, ValuesError};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The fixture chart's real values.schema.json (types, enums, patterns,
/// required keys), parsed once.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(include_str!(
            "../../tests/fixtures/charts/jupyterhub-lite/values.schema.json"
        ))
        .expect("the fixture schema is JSON")
    })
}

fn parse(text: &str, name: &str) -> Option<Value> {
    let path = Path::new(name);
    match values::parse(text, path) {
        Ok(v) => {
            assert!(v.is_object(), "parse returned a non-mapping: {v:?}");
            Some(v)
        }
        Err(e) => {
            // Every error names the file, so the operator knows which one.
            assert!(
                e.to_string().starts_with(name),
                "error without the path: {e}"
            );
            if let ValuesError::Unreadable { .. } = e {
                panic!("parse cannot fail to read: {e}");
            }
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\0').unwrap_or((&text, ""));
    let Some(mine) = parse(a, "values.yaml") else {
        return;
    };
    let theirs = parse(b, "deployed.yaml");

    let yaml = values::to_yaml(&mine);
    assert!(
        values::diff(&mine, &mine).is_empty(),
        "a document differs from itself"
    );
    for violation in values::validate(&mine, schema()) {
        let _ = violation.to_string();
    }

    // Merging an empty overlay changes nothing.
    let mut same = mine.clone();
    values::merge(&mut same, Value::Object(Default::default()));
    assert_eq!(same, mine, "merging nothing changed the values");

    if let Some(theirs) = theirs {
        let lines = values::diff(&theirs, &mine);
        assert_eq!(
            lines.is_empty(),
            values::to_yaml(&theirs) == yaml,
            "diff disagrees with the YAML"
        );
        let mut merged = theirs.clone();
        values::merge(&mut merged, mine.clone());
        let _ = values::to_yaml(&merged);
        // The check helm makes: the operator's values over the chart's
        // defaults (here the other document), then the schema.
        let effective = values::coalesce(&theirs, &mine);
        assert!(effective.is_object(), "coalescing left a non-mapping");
        let mut violations = values::validate(&effective, schema());
        let sources = [values::ValuesSource {
            file: "values.yaml".into(),
            text: a.to_owned(),
        }];
        values::locate(&mut violations, &sources);
        for v in &violations {
            if let Some(place) = &v.place {
                assert!(
                    place.line >= 1 && place.line <= a.lines().count().max(1),
                    "line out of the file: {v}"
                );
            }
        }
    }
});
