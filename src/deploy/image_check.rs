//! The registry check of a prepared deploy: each image the files set is
//! asked about in its registry, and the answers become the plan's lines.
//! A tag the registry says is missing refuses the deploy before helm runs
//! (with the tags nearest to it); a registry that cannot answer, or an
//! image without GKE's platform, is a warning: helm is still the operator's
//! call then.

use super::{DeployConfig, Failure, PreparedDeploy};
use crate::image::ImageChange;
use crate::registry::{self, CheckOptions, GKE_PLATFORM, Verdict};

/// What the check found, for a plan (`refusal` is why it must not run).
#[derive(Debug, Default)]
pub struct ImageReport {
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    /// Each missing image in a line of its own: the registry's words and
    /// the nearest tags.
    pub missing: Vec<String>,
    pub refusal: Option<Failure>,
}

/// Asks each image's registry (unless the operator turned the check off).
pub async fn check_images(config: &DeployConfig, prepared: &PreparedDeploy) -> ImageReport {
    ask_about(config, &prepared.images).await
}

/// The registry's answers about `images`, as lines of a plan.
pub async fn ask_about(config: &DeployConfig, images: &[ImageChange]) -> ImageReport {
    let mut report = ImageReport::default();
    if images.is_empty() {
        return report;
    }
    if !config.image_check {
        let list: Vec<String> = images
            .iter()
            .map(|c| format!("{} {}", c.key.path, c.image))
            .collect();
        report.notes.push(format!(
            "not checked in the registry (--skip-image-check): {}",
            list.join(", ")
        ));
        return report;
    }
    let options = CheckOptions::default();
    // All registries at once: one that hangs costs its deadline once.
    let verdicts = futures::future::join_all(
        images
            .iter()
            .map(|change| registry::check(&change.image, &options)),
    )
    .await;
    let mut missing = Vec::new();
    for (change, verdict) in images.iter().zip(verdicts) {
        let was = change
            .deployed
            .as_deref()
            .map(|d| format!(" (was {d})"))
            .unwrap_or_default();
        let named = format!("{} {}{was}", change.key.path, change.image);
        let runs_on_gke = verdict.runs_on_gke();
        match verdict {
            Verdict::Found { platforms, .. } => {
                let on = if platforms.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", platforms.join(", "))
                };
                report
                    .notes
                    .push(format!("✓ {named} is in its registry{on}"));
                if !runs_on_gke {
                    report.warnings.push(format!(
                        "{} has no {GKE_PLATFORM} image, only {}: GKE's nodes cannot run it (the pods fail with ErrImagePull, no matching manifest); build it with --platform {GKE_PLATFORM}",
                        change.image,
                        platforms.join(", ")
                    ));
                }
            }
            Verdict::Missing { answer, nearest } => {
                let tag = crate::image::split(&change.image)
                    .1
                    .unwrap_or_else(|| "latest".into());
                let near = if nearest.is_empty() {
                    "the repository lists no other tags".to_string()
                } else {
                    format!("tags there nearest to {tag}: {}", nearest.join(", "))
                };
                report.missing.push(format!(
                    "{} {}: the registry says {answer}; {near}",
                    change.key.path, change.image
                ));
                missing.push(format!(
                    "  {} {}: the registry says {answer}\n    {near}",
                    change.key.path, change.image
                ));
            }
            Verdict::Unknown { why } => report
                .warnings
                .push(format!("{named} not checked in its registry: {why}")),
        }
    }
    if !missing.is_empty() {
        // The form sets the users' image; the others are set by hand.
        let how = if images
            .iter()
            .any(|c| c.key == crate::image::keys::SINGLEUSER)
        {
            "I sets singleuser.image; headless: jhub-cockpit image set NAME:TAG; e opens config.yaml"
        } else {
            "e opens config.yaml"
        };
        report.refusal = Some(Failure {
            error: format!(
                "{} not in {} registry; every user's server would fail with ImagePullBackOff:\n{}",
                if missing.len() == 1 {
                    "an image is"
                } else {
                    "images are"
                },
                if missing.len() == 1 { "its" } else { "their" },
                missing.join("\n")
            ),
            hint: Some(format!(
                "fix the tag ({how}), or push the image first; started with --skip-image-check, the cockpit deploys without asking the registry. Nothing was applied"
            )),
        });
    }
    report
}

impl ImageReport {
    /// Where nothing is applied yet (config.yaml just edited): a missing
    /// tag is a warning too.
    pub fn into_warnings(self) -> Vec<String> {
        let mut warnings = self.warnings;
        warnings.extend(
            self.missing
                .into_iter()
                .map(|m| format!("not in its registry: {m}")),
        );
        warnings
    }
}

/// A deploy prepared (off the async threads: the chart may be pulled for
/// its schema) and its images asked about: what the dialog, `deploy` and
/// the run itself all start from.
pub async fn prepare_checked(
    config: &DeployConfig,
    deployed: Option<serde_json::Value>,
) -> Result<PreparedDeploy, Failure> {
    let reading = config.clone();
    let prepared =
        tokio::task::spawn_blocking(move || super::prepare_deploy(&reading, deployed.as_ref()))
            .await
            .map_err(|e| Failure::from(anyhow::Error::from(e)))??;
    checked(config, prepared).await
}

/// The check applied to a prepared deploy: refused, or the plan's lines
/// added.
pub async fn checked(
    config: &DeployConfig,
    mut prepared: PreparedDeploy,
) -> Result<PreparedDeploy, Failure> {
    let report = check_images(config, &prepared).await;
    if let Some(refusal) = report.refusal {
        return Err(refusal);
    }
    prepared.notes.extend(report.notes);
    prepared.warnings.extend(report.warnings);
    Ok(prepared)
}
