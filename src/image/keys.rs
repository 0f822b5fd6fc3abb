//! The chart keys that name an image, and which images a deploy changes.
//!
//! An image in the z2jh chart is a mapping `{name, tag}` (`singleuser.image`,
//! `hub.image`, `proxy.chp.image`). The operator usually sets only one half
//! (the guide's first config sets `singleuser.image.tag` alone), so the image
//! a pod gets is the chart's defaults with the operator's files over them:
//! the same coalescing helm does.

use serde_json::Value;

use crate::values;

/// A chart key that names an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageKey {
    /// The dotted path, as helm prints it.
    pub path: &'static str,
    /// What it is, for an operator who does not know the chart's keys.
    pub what: &'static str,
}

/// The images the registry check looks at: the users' image, which changes
/// with every course, and the hub's and proxy's, which an operator sets only
/// to run a build of their own.
pub const IMAGE_KEYS: [ImageKey; 3] = [
    ImageKey {
        path: "singleuser.image",
        what: "the users' notebook image",
    },
    ImageKey {
        path: "hub.image",
        what: "the hub's image",
    },
    ImageKey {
        path: "proxy.chp.image",
        what: "the proxy's image",
    },
];

/// The users' image key: what the image form edits and the pull view follows.
pub const SINGLEUSER: ImageKey = IMAGE_KEYS[0];

fn at<'a>(values: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(values, |node, key| node.get(key))
}

/// A scalar as helm's templates print it: strings as they are, numbers as
/// YAML wrote them (a `tag: 4.4` is the float 4.4, which is a pitfall of its
/// own, but it is what the pod gets).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `name:tag` of the image at `key` in `values` (the coalesced values); a
/// name without a tag is the name alone, which container runtimes read as
/// `:latest`. None when no name is set.
pub fn image_at(values: &Value, key: &str) -> Option<String> {
    let image = at(values, key)?;
    let name = image.get("name").and_then(scalar)?;
    Some(match image.get("tag").and_then(scalar) {
        // A digest in the tag (`tag: "4.4.0@sha256:..."`) is passed on
        // as the chart does: name:tag@digest.
        Some(tag) => format!("{name}:{tag}"),
        None => name,
    })
}

/// The users' image a revision runs, read from its rendered manifest: the
/// image the chart's puller pulls for users (init container
/// `image-pull-singleuser`, whose `image:` line the chart's template writes
/// right after its name). For a release whose config.yaml leaves the name
/// to the chart. None when the pullers are off.
///
/// A scan of the lines, not a YAML parse: the manifest is every object of
/// the release (hundreds of kilobytes), read for each revision the watch
/// sees, and a release Secret is input the cockpit does not control.
pub fn image_in_manifest(manifest: &str) -> Option<String> {
    let mut lines = manifest.lines();
    while let Some(line) = lines.next() {
        let item = line.trim_start().trim_start_matches("- ").trim();
        if item != "name: image-pull-singleuser" {
            continue;
        }
        let value = lines.next()?.trim().strip_prefix("image:")?.trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        return (!value.is_empty()).then(|| value.to_owned());
    }
    None
}

/// `name:tag` split into its name and tag (a port's colon is the name's:
/// `127.0.0.1:5000/course` has no tag).
pub fn split(image: &str) -> (String, Option<String>) {
    // A digest (`@sha256:...`) is neither: its colon is not a tag's.
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map(|i| i + 1).unwrap_or(0);
    match image[last_slash..].rfind(':') {
        Some(i) => (
            image[..last_slash + i].to_owned(),
            Some(image[last_slash + i + 1..].to_owned()),
        ),
        None => (image.to_owned(), None),
    }
}

/// What the check cannot see in the operator's image keys, as warnings: a
/// tag YAML reads as a number (`tag: 4.10` is the float 4.1, and that is
/// what the pods get), and a tag whose image name is the chart's when the
/// chart could not be read (nothing to ask the registry about).
pub fn tag_warnings(defaults: Option<&Value>, operator: &Value) -> Vec<String> {
    let mut warnings = Vec::new();
    for key in IMAGE_KEYS {
        let Some(image) = at(operator, key.path) else {
            continue;
        };
        match image.get("tag") {
            Some(Value::Number(n)) => warnings.push(format!(
                "{}.tag is the number {n} to YAML, not a string: quote it (tag: \"...\"; I writes it quoted), or the pods get :{n}",
                key.path
            )),
            Some(Value::String(tag)) if defaults.is_none() && image.get("name").is_none() => {
                warnings.push(format!(
                    "{}.tag {tag} not checked in its registry: the chart could not be read for the image's name",
                    key.path
                ))
            }
            _ => {}
        }
    }
    warnings
}

/// Whether the operator's files set the image's name or tag themselves.
fn set_by_operator(operator: &Value, key: &str) -> bool {
    at(operator, key).is_some_and(|image| image.get("name").is_some() || image.get("tag").is_some())
}

/// An image the operator's files set, as a deploy would apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChange {
    pub key: ImageKey,
    /// `name:tag` with the chart's defaults filled in.
    pub image: String,
    /// What the deployed revision runs instead, when it is known and
    /// differs: the image changes with this deploy.
    pub deployed: Option<String>,
}

/// The images the operator's files set: those are the ones worth asking
/// the registry about (the chart's own defaults were published with the
/// chart). Every one of them, changed or not: a tag deleted from the
/// registry since the last deploy fails the next user's pod on a new node
/// just the same, and a HEAD request costs nothing. `defaults` is the
/// chart's values.yaml (None when the chart could not be read: then only an
/// image whose name the files give can be named); `deployed` the deployed
/// revision's user values, to say what changes.
pub fn changed_images(
    defaults: Option<&Value>,
    operator: &Value,
    deployed: Option<&Value>,
) -> Vec<ImageChange> {
    let empty = Value::Object(Default::default());
    let defaults = defaults.unwrap_or(&empty);
    let effective = values::coalesce(defaults, operator);
    let before = deployed.map(|d| values::coalesce(defaults, d));
    IMAGE_KEYS
        .iter()
        .filter(|key| set_by_operator(operator, key.path))
        .filter_map(|key| {
            let image = image_at(&effective, key.path)?;
            let deployed = before
                .as_ref()
                .and_then(|b| image_at(b, key.path))
                .filter(|d| *d != image);
            Some(ImageChange {
                key: *key,
                image,
                deployed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chart() -> Value {
        json!({
            "singleuser": {"image": {"name": "quay.io/jupyterhub/k8s-singleuser-sample", "tag": "4.4.0"}},
            "hub": {"image": {"name": "quay.io/jupyterhub/k8s-hub", "tag": "4.4.0"}},
            "proxy": {"chp": {"image": {"name": "quay.io/jupyterhub/configurable-http-proxy", "tag": "5.2.0"}}},
        })
    }

    #[test]
    fn a_tag_alone_takes_the_charts_name() {
        let mine = json!({"singleuser": {"image": {"tag": "4.5.0"}}});
        let changes = changed_images(Some(&chart()), &mine, None);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].key.path, "singleuser.image");
        assert_eq!(
            changes[0].image,
            "quay.io/jupyterhub/k8s-singleuser-sample:4.5.0"
        );
    }

    #[test]
    fn the_deployed_image_is_named_only_when_it_differs() {
        let mine = json!({"singleuser": {"image": {"name": "r/course", "tag": "w1"}}});
        let same = changed_images(Some(&chart()), &mine, Some(&mine));
        assert_eq!(same[0].image, "r/course:w1");
        assert_eq!(same[0].deployed, None);
        let before = json!({"singleuser": {"image": {"name": "r/course", "tag": "w0"}}});
        let changes = changed_images(Some(&chart()), &mine, Some(&before));
        assert_eq!(changes[0].image, "r/course:w1");
        assert_eq!(changes[0].deployed.as_deref(), Some("r/course:w0"));
    }

    #[test]
    fn the_charts_own_images_are_not_checked() {
        let mine = json!({"hub": {"config": {"x": 1}}});
        assert!(changed_images(Some(&chart()), &mine, None).is_empty());
    }

    #[test]
    fn hub_and_proxy_images_are_checked_when_set() {
        let mine = json!({
            "hub": {"image": {"name": "r/hub", "tag": "1"}},
            "proxy": {"chp": {"image": {"tag": "5.3.0"}}},
        });
        let images: Vec<String> = changed_images(Some(&chart()), &mine, None)
            .into_iter()
            .map(|c| format!("{}={}", c.key.path, c.image))
            .collect();
        assert_eq!(
            images,
            [
                "hub.image=r/hub:1",
                "proxy.chp.image=quay.io/jupyterhub/configurable-http-proxy:5.3.0"
            ]
        );
    }

    #[test]
    fn without_the_charts_defaults_only_a_named_image_is_known() {
        let tag_only = json!({"singleuser": {"image": {"tag": "4.5.0"}}});
        assert!(changed_images(None, &tag_only, None).is_empty());
        let named = json!({"singleuser": {"image": {"name": "r/course", "tag": 7}}});
        assert_eq!(changed_images(None, &named, None)[0].image, "r/course:7");
    }

    #[test]
    fn an_image_splits_at_its_tags_colon_not_its_ports() {
        assert_eq!(
            split("127.0.0.1:5000/course:w1"),
            ("127.0.0.1:5000/course".into(), Some("w1".into()))
        );
        assert_eq!(
            split("127.0.0.1:5000/course"),
            ("127.0.0.1:5000/course".into(), None)
        );
        assert_eq!(split("busybox"), ("busybox".into(), None));
        // Nor a digest's.
        assert_eq!(split("r/course@sha256:ab12"), ("r/course".into(), None));
        assert_eq!(
            split("r/course:w1@sha256:ab12"),
            ("r/course".into(), Some("w1".into()))
        );
    }

    #[test]
    fn a_numeric_tag_and_an_unnamed_unchecked_tag_are_said() {
        let mine = json!({"singleuser": {"image": {"tag": 4.1}}});
        let said = tag_warnings(Some(&chart()), &mine);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].contains("singleuser.image.tag is the number 4.1"),
            "{said:?}"
        );
        let mine = json!({"singleuser": {"image": {"tag": "4.5.0"}}});
        assert!(tag_warnings(Some(&chart()), &mine).is_empty());
        let said = tag_warnings(None, &mine);
        assert!(said[0].contains("not checked in its registry"), "{said:?}");
    }

    #[test]
    fn the_pullers_image_is_read_from_a_manifest() {
        let manifest = "---\n# Source: jupyterhub/templates/hub/secret.yaml\nkind: Secret\n---\nkind: DaemonSet\nmetadata:\n  name: continuous-image-puller\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: image-pull-metadata-block\n          image: quay.io/jupyterhub/k8s-network-tools:4.4.0\n        - name: image-pull-singleuser\n          image: r/course:w2\n";
        assert_eq!(image_in_manifest(manifest).as_deref(), Some("r/course:w2"));
        assert_eq!(image_in_manifest("kind: Secret\n"), None);
        // The profile list's pullers are other containers.
        let other = "      initContainers:\n        - name: image-pull-singleuser-profilelist-0\n          image: r/other:1\n";
        assert_eq!(image_in_manifest(other), None);
        let quoted = "        - name: image-pull-singleuser\n          image: \"r/course:w3\"\n";
        assert_eq!(image_in_manifest(quoted).as_deref(), Some("r/course:w3"));
    }

    #[test]
    fn a_null_tag_falls_back_to_the_name_alone() {
        let mine = json!({"singleuser": {"image": {"name": "r/course", "tag": null}}});
        // coalesce removes the key, as helm does: the runtime pulls :latest.
        assert_eq!(
            changed_images(Some(&chart()), &mine, None)[0].image,
            "r/course"
        );
    }
}
