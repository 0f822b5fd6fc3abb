//! The rig's container registry (`support::registry`, issue 20): a real
//! distribution registry that the cockpit's image check is tested
//! against, checked here with plain HTTP as that check asks it: a pushed
//! tag is served (HEAD, its digest, its config's platform) and listed; in
//! token mode a request without a token gets 401 with the Bearer
//! challenge, the realm gives an anonymous caller a pull token, and the
//! registry serves the manifest with it (and refuses a push); a manifest
//! list names the platforms pushed, an arm64-only one just arm64.
//!
//! Needs `dev/build registry` (in `dev/build all`), not the rig itself.
//! Every request goes to 127.0.0.1.

use crate::support::registry::{Auth, SERVICE, TestRegistry};

use serde_json::Value;

const REPO: &str = "jhub-demo/course-notebook";

/// What a client that reads images and manifest lists sends.
const ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.oci.image.index.v1+json";

fn client() -> reqwest::Client {
    // Loopback only: never through a proxy of the environment.
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn url(reg: &TestRegistry, path: &str) -> String {
    format!("http://{}{path}", reg.addr())
}

/// The parameters of a `Bearer k="v",k="v"` challenge.
fn challenge(header: &str) -> Vec<(String, String)> {
    let rest = header
        .strip_prefix("Bearer ")
        .unwrap_or_else(|| panic!("not a Bearer challenge: {header}"));
    rest.split("\",")
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.trim().to_owned(), v.trim_matches('"').to_owned())
        })
        .collect()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in {params:?}"))
}

/// The token flow as a client without credentials runs it: the 401's
/// challenge, then its realm with the service and scope it names.
async fn anonymous_token(reg: &TestRegistry, path: &str) -> String {
    let http = client();
    let answer = http
        .head(url(reg, path))
        .header("Accept", ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401, "HEAD {path} without a token");
    let header = answer.headers()["www-authenticate"].to_str().unwrap();
    let params = challenge(header);
    let got = http
        .get(param(&params, "realm"))
        .query(&[
            ("service", param(&params, "service")),
            ("scope", param(&params, "scope")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200, "the realm's answer");
    let body: Value = got.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn get_json(reg: &TestRegistry, path: &str, token: Option<&str>) -> Value {
    let mut req = client().get(url(reg, path)).header("Accept", ACCEPT);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let answer = req.send().await.unwrap();
    assert_eq!(answer.status(), 200, "GET {path}\n{}", reg.log());
    answer.json().await.unwrap()
}

#[tokio::test]
async fn an_unauthenticated_registry_serves_a_pushed_tag() {
    let reg = TestRegistry::start(Auth::None);
    let digest = reg.push_image(REPO, "2026-12-01", "linux/amd64");
    let http = client();

    let head = http
        .head(url(&reg, &format!("/v2/{REPO}/manifests/2026-12-01")))
        .header("Accept", ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["docker-content-digest"], digest.as_str());
    assert_eq!(
        head.headers()["content-type"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    let missing = http
        .head(url(&reg, &format!("/v2/{REPO}/manifests/2026-12-02")))
        .header("Accept", ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404, "a tag never pushed");

    // The platform is the image config's.
    let manifest = get_json(&reg, &format!("/v2/{REPO}/manifests/2026-12-01"), None).await;
    let config_digest = manifest["config"]["digest"].as_str().unwrap();
    let config = get_json(&reg, &format!("/v2/{REPO}/blobs/{config_digest}"), None).await;
    assert_eq!(
        (config["os"].as_str(), config["architecture"].as_str()),
        (Some("linux"), Some("amd64"))
    );

    let second = reg.push_image(REPO, "2026-11-01", "linux/amd64");
    assert_ne!(second, digest, "each tag is an image of its own");
    assert_eq!(reg.tags(REPO), ["2026-11-01", "2026-12-01"]);
    let listed = get_json(&reg, &format!("/v2/{REPO}/tags/list"), None).await;
    assert_eq!(
        listed["tags"],
        serde_json::json!(["2026-11-01", "2026-12-01"])
    );
    assert!(reg.tags("jhub-demo/nothing-here").is_empty());

    reg.delete_tag(REPO, "2026-11-01");
    assert_eq!(reg.tags(REPO), ["2026-12-01"]);
}

#[tokio::test]
async fn the_token_registry_challenges_and_serves_with_an_anonymous_token() {
    let reg = TestRegistry::start(Auth::Token);
    // crane pushes through the same challenge, as the push user.
    let digest = reg.push_image(REPO, "2026-12-01", "linux/amd64");
    let path = format!("/v2/{REPO}/manifests/2026-12-01");
    let http = client();

    let answer = http
        .head(url(&reg, &path))
        .header("Accept", ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let params = challenge(answer.headers()["www-authenticate"].to_str().unwrap());
    assert_eq!(
        param(&params, "realm"),
        format!("http://{}/token", reg.addr())
    );
    assert_eq!(param(&params, "service"), SERVICE);
    assert_eq!(param(&params, "scope"), format!("repository:{REPO}:pull"));

    let token = anonymous_token(&reg, &path).await;
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let head = http
        .head(url(&reg, &path))
        .header("Accept", ACCEPT)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200, "{}", reg.log());
    assert_eq!(head.headers()["docker-content-digest"], digest.as_str());
    let listed = get_json(&reg, &format!("/v2/{REPO}/tags/list"), Some(&token)).await;
    assert_eq!(listed["tags"], serde_json::json!(["2026-12-01"]));
    assert_eq!(reg.tags(REPO), ["2026-12-01"]);

    // The token is for pulling this repository only.
    let push = http
        .post(url(&reg, &format!("/v2/{REPO}/blobs/uploads/")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(push.status(), 401, "a push with an anonymous token");
    let other = http
        .head(url(&reg, "/v2/jhub-demo/other/manifests/2026-12-01"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401, "another repository with this token");

    // Credentials are checked, never taken for anonymous.
    let wrong = http
        .get(url(&reg, "/token"))
        .query(&[
            ("service", SERVICE),
            ("scope", &format!("repository:{REPO}:push,pull")),
        ])
        .basic_auth("rig-pusher", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let (user, password) = reg.credentials().unwrap();
    let right: Value = http
        .get(url(&reg, "/token"))
        .query(&[
            ("service", SERVICE),
            ("scope", &format!("repository:{REPO}:push,pull")),
        ])
        .basic_auth(user, Some(password))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(right["token"].is_string(), "{right}");
}

/// The platforms of a manifest list, as "os/arch[/variant]".
fn platforms(list: &Value) -> Vec<String> {
    list["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let p = &m["platform"];
            let mut s = format!(
                "{}/{}",
                p["os"].as_str().unwrap(),
                p["architecture"].as_str().unwrap()
            );
            if let Some(v) = p["variant"].as_str() {
                s = format!("{s}/{v}");
            }
            s
        })
        .collect()
}

#[tokio::test]
async fn an_index_names_the_platforms_pushed() {
    let reg = TestRegistry::start(Auth::Token);
    let pushed = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
    let digest = reg.push_index(REPO, "2026-12-01", &pushed);
    let arm_only = reg.push_index(REPO, "2026-12-01-arm", &["linux/arm64"]);
    assert_ne!(digest, arm_only);
    assert_eq!(
        reg.tags(REPO),
        ["2026-12-01", "2026-12-01-arm"],
        "the images of a list are not tagged"
    );

    let path = format!("/v2/{REPO}/manifests/2026-12-01");
    let token = anonymous_token(&reg, &path).await;
    let list = get_json(&reg, &path, Some(&token)).await;
    assert_eq!(
        list["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    assert_eq!(platforms(&list), pushed);
    // Each entry is an image of its platform in the same repository.
    for entry in list["manifests"].as_array().unwrap() {
        let child = entry["digest"].as_str().unwrap();
        let image = get_json(&reg, &format!("/v2/{REPO}/manifests/{child}"), Some(&token)).await;
        let config = image["config"]["digest"].as_str().unwrap();
        let config = get_json(&reg, &format!("/v2/{REPO}/blobs/{config}"), Some(&token)).await;
        assert_eq!(config["architecture"], entry["platform"]["architecture"]);
    }

    let arm = get_json(
        &reg,
        &format!("/v2/{REPO}/manifests/2026-12-01-arm"),
        Some(&token),
    )
    .await;
    assert_eq!(platforms(&arm), ["linux/arm64"]);
}
