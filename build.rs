//! Names the commit the binary is built from, for `--version`: an operator
//! reporting a problem (and whoever reads the report) can say exactly
//! which code ran: the short hash of HEAD, `unknown` outside a git
//! checkout (a source tarball). Uncommitted changes are not flagged: that
//! would rebuild the crate whenever any file of the tree changed.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=JHUB_COCKPIT_COMMIT={commit}");
    // Built again when HEAD moves: HEAD itself (a checkout), the branch it
    // names (a commit) and the packed refs. Only paths that exist: cargo
    // takes a missing one as changed, and built the whole crate again on
    // every command in a repository without packed refs (one made by
    // `git init` rather than cloned). A branch that is only packed has no
    // file of its own until its next commit writes one, into its
    // directory, which is watched instead.
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]) {
        let git_dir = Path::new(&git_dir);
        watch(&git_dir.join("HEAD"));
        watch(&git_dir.join("packed-refs"));
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            let loose = git_dir.join(reference);
            match loose.parent() {
                Some(dir) if !loose.exists() => watch(dir),
                _ => watch(&loose),
            }
        }
    }
}

fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
