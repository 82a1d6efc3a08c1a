//! Build script: records which git commit the binary is built from, and
//! whether its sources had uncommitted changes, for `manifest.json` (resume
//! and merge refuse runs of another revision).
//!
//! Sets `AISTACK_GIT_REVISION` (40 hex digits, or empty when unknown: no git,
//! or no `.git`, as in a source tarball, which must still build) and
//! `AISTACK_GIT_DIRTY` (`true`, `false`, or empty when unknown). "Dirty"
//! looks only at what goes into the binary: `crates/`, `Cargo.toml`,
//! `Cargo.lock` (untracked files there included), the two files the
//! binary embeds from outside `crates/` (`docs/model.md`, whose unit tables
//! label the charts, and the default scenario
//! `examples/scenarios/china-2025.ron`), and the files that can change how
//! it is compiled (`.cargo/config.toml` or `.cargo/config`, with its
//! `build.rustflags` and profiles, and `rust-toolchain.toml` or
//! `rust-toolchain`, which pick the compiler; watched where they exist).
//! The script reruns when
//! any of those changes, and when the checked-out commit changes (see
//! [`watch_head`]), and not otherwise: a build that changes nothing
//! compiles nothing.
//!
//! A build outside git (a source tarball) may state the commit it was cut
//! from in the environment: `AISTACK_GIT_REVISION=<40 hex digits>` and
//! `AISTACK_GIT_DIRTY=false` ([`build_revision::choose`]).

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "build_revision.rs"]
mod build_revision;

/// Workspace paths whose contents make the binary, relative to the root
/// (the last two are `include_str!`ed by the stack crate).
const SOURCES: [&str; 5] = [
    "crates",
    "Cargo.toml",
    "Cargo.lock",
    "docs/model.md",
    "examples/scenarios/china-2025.ron",
];

/// Workspace files that change how the binary is compiled, not what it is
/// compiled from: in the dirty check, and watched where they exist (a
/// missing watched path would rerun this script on every build).
const BUILD_CONFIG: [&str; 4] = [
    ".cargo/config.toml",
    ".cargo/config",
    "rust-toolchain.toml",
    "rust-toolchain",
];

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(root).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The files that change when the checked-out commit changes, those that
/// exist. Cargo reruns a build script whose watched path is missing on
/// *every* build (and then recompiles and relinks this crate), so a path is
/// watched only where it exists: before, `packed-refs`, which git writes
/// only when it packs refs, was watched in every clone without one, and
/// every `cargo build` rebuilt the binary.
///
/// - `HEAD` of this worktree (`git rev-parse --git-dir`: in a linked
///   worktree, where `.git` is a file, `.git/worktrees/NAME/HEAD`): the
///   branch checked out, or the commit itself when detached;
/// - its reflog, `logs/HEAD`, to which every commit, checkout, reset, merge
///   or rebase appends: it catches a commit on a branch that had only a
///   packed ref (the commit writes a loose ref, which did not exist to be
///   watched);
/// - the branch's loose ref and `packed-refs`, in the repository's common
///   directory (`--git-common-dir`, shared by worktrees): they catch the
///   branch moved from elsewhere (another worktree's `git branch -f`).
///
/// A branch with only a packed ref, in a repository without reflogs
/// (`core.logAllRefUpdates=false`), is the one case not caught. Tested by
/// `tests/provenance.rs` (the revision recorded is HEAD's).
fn watch_head(root: &Path) -> Vec<PathBuf> {
    let abs = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { root.join(p) }
    };
    let mut paths = Vec::new();
    if let Some(git_dir) = git(root, &["rev-parse", "--git-dir"]).map(abs) {
        paths.push(git_dir.join("HEAD"));
        paths.push(git_dir.join("logs/HEAD"));
    }
    if let Some(common) = git(root, &["rev-parse", "--git-common-dir"]).map(abs) {
        paths.push(common.join("packed-refs"));
        if let Some(branch) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
            paths.push(common.join(branch));
        }
    }
    paths.retain(|p| p.exists());
    paths
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest_dir.join("../..");
    println!("cargo:rerun-if-changed=build.rs");
    for s in SOURCES {
        println!("cargo:rerun-if-changed={}", root.join(s).display());
    }
    for c in BUILD_CONFIG.iter().map(|c| root.join(c)).filter(|c| c.exists()) {
        println!("cargo:rerun-if-changed={}", c.display());
    }
    let revision = git(&root, &["rev-parse", "--verify", "HEAD"])
        .filter(|r| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()));
    let mut dirty = None;
    if revision.is_some() {
        for path in watch_head(&root) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        let mut args = vec!["status", "--porcelain", "--untracked-files=normal", "--"];
        args.extend(SOURCES);
        args.extend(BUILD_CONFIG);
        dirty = git(&root, &args).map(|s| !s.is_empty());
    }
    // A build outside git (a release tarball) may state its revision.
    println!("cargo:rerun-if-env-changed=AISTACK_GIT_REVISION");
    println!("cargo:rerun-if-env-changed=AISTACK_GIT_DIRTY");
    let env = |k: &str| std::env::var(k).ok();
    let (revision, dirty) = match build_revision::choose(
        env("AISTACK_GIT_REVISION").as_deref(),
        env("AISTACK_GIT_DIRTY").as_deref(),
        revision,
        dirty,
    ) {
        Ok(chosen) => chosen,
        Err(e) => panic!("{e}"),
    };
    println!(
        "cargo:rustc-env=AISTACK_GIT_REVISION={}",
        revision.unwrap_or_default()
    );
    println!(
        "cargo:rustc-env=AISTACK_GIT_DIRTY={}",
        dirty.map(|d| d.to_string()).unwrap_or_default()
    );
}
