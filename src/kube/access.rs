//! Who the cockpit is on the cluster and whether it may do everything: the
//! z2jh guide's cluster-admin binding for the operator's account, which a
//! new GKE cluster does not give (IAM roles reach only so far).

use anyhow::{Context, Result, bail};
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, Subject};
use kube::api::{Api, PostParams};

/// Whether the account may do every verb on every resource (what the
/// cluster-admin ClusterRole gives): a SelfSubjectAccessReview for `*`.
pub async fn has_cluster_admin(client: &kube::Client) -> Result<bool> {
    let review: SelfSubjectAccessReview = serde_json::from_value(serde_json::json!({
        "spec": { "resourceAttributes": { "verb": "*", "group": "*", "resource": "*" } }
    }))?;
    let answer = Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .context("cannot ask the API server what this account may do (SelfSubjectAccessReview)")?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// The account's user name as the API server sees it (on GKE, the Google
/// account's email), from a SelfSubjectReview.
pub async fn user_name(client: &kube::Client) -> Result<Option<String>> {
    let review: SelfSubjectReview = serde_json::from_value(serde_json::json!({}))?;
    let answer = Api::<SelfSubjectReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .context("cannot ask the API server who this account is (SelfSubjectReview)")?;
    Ok(answer
        .status
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .filter(|u| !u.is_empty()))
}

fn user_subject(user: &str) -> Subject {
    Subject {
        api_group: Some("rbac.authorization.k8s.io".into()),
        kind: "User".into(),
        name: user.into(),
        namespace: None,
    }
}

/// `kubectl create clusterrolebinding <name> --clusterrole=cluster-admin
/// --user=<user>`; a binding of that name to cluster-admin that exists
/// already gets the user added (the guide's command would fail there, and
/// the operator would have to edit it by hand). A binding of that name to
/// another role is left alone, with an error.
pub async fn create_cluster_admin_binding(
    client: &kube::Client,
    name: &str,
    user: &str,
) -> Result<()> {
    let api = Api::<ClusterRoleBinding>::all(client.clone());
    if let Some(mut existing) = api
        .get_opt(name)
        .await
        .with_context(|| format!("cannot read ClusterRoleBinding {name}"))?
    {
        if existing.role_ref.kind != "ClusterRole" || existing.role_ref.name != "cluster-admin" {
            bail!(
                "ClusterRoleBinding {name} exists and binds {} {}, not cluster-admin: delete or rename it, or bind cluster-admin by hand",
                existing.role_ref.kind,
                existing.role_ref.name
            );
        }
        let subjects = existing.subjects.get_or_insert_with(Vec::new);
        if subjects.iter().any(|s| s.kind == "User" && s.name == user) {
            return Ok(());
        }
        subjects.push(user_subject(user));
        // The resourceVersion read above makes a concurrent change a
        // conflict instead of a lost update.
        api.replace(name, &PostParams::default(), &existing)
            .await
            .with_context(|| format!("cannot add {user} to ClusterRoleBinding {name}"))?;
        return Ok(());
    }
    let binding: ClusterRoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": { "name": name, "labels": { "app.kubernetes.io/managed-by": "jhub-cockpit" } },
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "cluster-admin"
        },
        "subjects": [user_subject(user)],
    }))?;
    api.create(&PostParams::default(), &binding)
        .await
        .with_context(|| format!("cannot create ClusterRoleBinding {name} for {user}"))?;
    Ok(())
}

/// The name of the z2jh guide's binding (`kubectl create clusterrolebinding
/// cluster-admin-binding --clusterrole=cluster-admin --user=<account>`).
pub const CLUSTER_ADMIN_BINDING: &str = "cluster-admin-binding";
