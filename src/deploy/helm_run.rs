//! Running helm for an action: finding the binary, adding a repo chart's
//! repository when helm does not know it yet, and turning how a run ended
//! (an error tail, a signal) into a failure with a next step. Apart from
//! the dispatcher so that what helm's exits mean is read in one place.

use serde_json::Value;

use super::{DeployConfig, Failure};
use crate::actions::failure_hint;
use crate::helm::cli::{self, ChartSource, Helm, KubeTarget};

async fn helm(config: &DeployConfig) -> Result<Helm, Failure> {
    cli::find(config.helm.as_deref())
        .await
        .map_err(Failure::from)
}

/// `helm repo add` when a repo chart's repository is not known to helm yet
/// (as the z2jh guide does), so the operator need not do it by hand.
async fn ensure_repo(
    helm: &Helm,
    chart: &ChartSource,
    mut on_line: impl FnMut(String),
) -> Result<(), Failure> {
    let ChartSource::Repo { repo, url, .. } = chart else {
        return Ok(());
    };
    let list = tokio::process::Command::new(&helm.path)
        .args(["repo", "list", "-o", "json"])
        .output()
        .await
        .map_err(|e| Failure::from(anyhow::Error::from(e)))?;
    let known: Value = serde_json::from_slice(&list.stdout).unwrap_or(Value::Null);
    let present = known
        .as_array()
        .is_some_and(|a| a.iter().any(|r| r["name"] == repo.as_str()));
    if present {
        return Ok(());
    }
    let Some(url) = url else {
        return Err(Failure {
            error: format!("helm does not know the chart repository '{repo}'"),
            hint: Some("set chart.repo to its URL in the settings file".into()),
        });
    };
    for args in [
        vec!["repo", "add", repo.as_str(), url.as_str()],
        vec!["repo", "update", repo.as_str()],
    ] {
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        on_line(format!("$ helm {}", args.join(" ")));
        let result = cli::run(helm, &args, &KubeTarget::default(), &mut on_line).await?;
        if !result.success {
            return Err(Failure {
                error: result.error_tail.join("\n"),
                hint: Some(format!(
                    "check that {url} is reachable and is a helm repository"
                )),
            });
        }
    }
    Ok(())
}

pub async fn run_helm(
    config: &DeployConfig,
    args: Vec<String>,
    waiting_hook_pods: usize,
    mut on_line: impl FnMut(String),
) -> Result<(), Failure> {
    let helm = helm(config).await?;
    if args.first().map(String::as_str) == Some("upgrade") {
        ensure_repo(&helm, &config.chart, &mut on_line).await?;
    }
    on_line(format!("$ helm {}", args.join(" ")));
    let result = cli::run(&helm, &args, &config.kube, &mut on_line).await?;
    if result.success {
        return Ok(());
    }
    let verb = args.first().map(String::as_str).unwrap_or("helm");
    if let Some(signal) = result.signal {
        return Err(killed(verb, signal, &result.error_tail));
    }
    let error = if result.error_tail.is_empty() {
        format!("helm exited with {:?}", result.code)
    } else {
        result.error_tail.join("\n")
    };
    let hint = failure_hint(&error, waiting_hook_pods);
    Err(Failure { error, hint })
}

/// helm ended by a signal (killed, OOM, the machine going down) before it
/// could record how the run ended: an upgrade, install or rollback leaves
/// the release pending-*, and helm refuses every later upgrade until a
/// rollback. Say so, rather than "exited with None".
fn killed(verb: &str, signal: i32, tail: &[String]) -> Failure {
    let mut error = format!("helm {verb} was killed (signal {signal}) before it finished");
    if let Some(last) = tail.last() {
        error.push_str(&format!("; its last words: {last}"));
    }
    let hint = match verb {
        "upgrade" | "rollback" => {
            "the release is left pending (see the Release pane) and helm refuses to upgrade it: roll back (r, then r on the last deployed revision), then upgrade again"
        }
        "uninstall" => "the release may be half removed: press X to uninstall again",
        _ => "run it again",
    };
    Failure {
        error,
        hint: Some(hint.into()),
    }
}
