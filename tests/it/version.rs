//! What the binary says of itself: its version, its completions.

/// `--version` names the commit the binary was built from, so a report
/// says exactly which code ran.
#[test]
fn the_version_names_the_commit() {
    let out = std::process::Command::new(crate::support::binary())
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(crate::support::repo_root())
        .output()
        .expect("git");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    assert_eq!(
        text.trim(),
        format!("jhub-cockpit {} (commit {head})", env!("CARGO_PKG_VERSION"))
    );
}

/// `completions SHELL` prints a script the shell accepts, naming the
/// subcommands and flags.
#[test]
fn completions_are_printed_for_bash_zsh_and_fish() {
    for (shell, check) in [("bash", "bash"), ("zsh", "zsh"), ("fish", "fish")] {
        let out = std::process::Command::new(crate::support::binary())
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = String::from_utf8_lossy(&out.stdout);
        for word in ["cluster", "connect", "kubeconfig", "deploy"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        // The shell itself parses it, where it is installed.
        let parses = match check {
            "bash" => std::process::Command::new("bash")
                .args(["-n", "-c", &script])
                .status(),
            "zsh" => std::process::Command::new("zsh")
                .args(["-n", "-c", &script])
                .status(),
            _ => std::process::Command::new("fish")
                .args(["--no-execute", "-c", &script])
                .status(),
        };
        if let Ok(status) = parses {
            assert!(status.success(), "{shell} does not parse the script");
        }
    }
}
