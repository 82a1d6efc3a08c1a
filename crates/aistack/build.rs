//! Build script: records which git commit the binary is built from, and
//! whether its sources had uncommitted changes, for `manifest.json` (resume
//! and merge refuse runs of another revision).
//!
//! Sets `AISTACK_GIT_REVISION` (40 hex digits, or empty when unknown: no git,
//! or no `.git`, as in a source tarball, which must still build) and
//! `AISTACK_GIT_DIRTY` (`true`, `false`, or empty when unknown). "Dirty"
//! looks only at what goes into the binary: `crates/`, `Cargo.toml`,
//! `Cargo.lock` (untracked files there included). The script reruns when
//! any of those changes, and when HEAD or the branch it points to moves.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Workspace paths whose contents make the binary, relative to the root.
const SOURCES: [&str; 3] = ["crates", "Cargo.toml", "Cargo.lock"];

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(root).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest_dir.join("../..");
    println!("cargo:rerun-if-changed=build.rs");
    for s in SOURCES {
        println!("cargo:rerun-if-changed={}", root.join(s).display());
    }
    let revision = git(&root, &["rev-parse", "--verify", "HEAD"])
        .filter(|r| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()));
    let mut dirty = None;
    if revision.is_some() {
        // HEAD (per worktree), the branch it names and packed refs (shared).
        let abs = |p: String| {
            let p = PathBuf::from(p);
            if p.is_absolute() { p } else { root.join(p) }
        };
        if let Some(git_dir) = git(&root, &["rev-parse", "--git-dir"]).map(abs) {
            println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
        }
        if let Some(common) = git(&root, &["rev-parse", "--git-common-dir"]).map(abs) {
            println!("cargo:rerun-if-changed={}", common.join("packed-refs").display());
            if let Some(branch) = git(&root, &["symbolic-ref", "-q", "HEAD"]) {
                println!("cargo:rerun-if-changed={}", common.join(branch).display());
            }
        }
        let mut args = vec!["status", "--porcelain", "--untracked-files=normal", "--"];
        args.extend(SOURCES);
        dirty = git(&root, &args).map(|s| !s.is_empty());
    }
    println!(
        "cargo:rustc-env=AISTACK_GIT_REVISION={}",
        revision.unwrap_or_default()
    );
    println!(
        "cargo:rustc-env=AISTACK_GIT_DIRTY={}",
        dirty.map(|d| d.to_string()).unwrap_or_default()
    );
}
