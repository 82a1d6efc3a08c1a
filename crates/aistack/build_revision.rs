//! Which git revision a build records (`build.rs`), kept apart from the
//! build script so a test can check the choice (`tests/build_revision.rs`).

/// The revision and "dirty" flag a build records, from what git says
/// (`git_revision`, `git_dirty`: `None` when git is missing or there is no
/// `.git`, as in a source tarball) and from the environment of the build:
/// `AISTACK_GIT_REVISION` (`env_revision`: 40 hex digits), which a build
/// outside git sets to the commit its sources were cut from, so that its
/// batches still name their revision (audit s23-repro, F7), and
/// `AISTACK_GIT_DIRTY` (`env_dirty`: `true` or `false`). A given revision
/// wins over git's; its dirty flag is the given one, else git's when git
/// agrees on the revision, else unknown. Empty values count as not given.
/// A malformed value is an error (the build stops: a typo must not be
/// recorded as a revision).
pub fn choose(
    env_revision: Option<&str>,
    env_dirty: Option<&str>,
    git_revision: Option<String>,
    git_dirty: Option<bool>,
) -> Result<(Option<String>, Option<bool>), String> {
    let env_revision = env_revision.map(str::trim).filter(|r| !r.is_empty());
    let env_dirty = match env_dirty.map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(format!(
                "AISTACK_GIT_DIRTY must be `true` or `false`, got `{other}`"
            ));
        }
    };
    let Some(rev) = env_revision else {
        return Ok((git_revision, env_dirty.or(git_dirty)));
    };
    if rev.len() != 40 || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "AISTACK_GIT_REVISION must be a full commit hash (40 hex digits, as `git rev-parse HEAD` \
             prints), got `{rev}`"
        ));
    }
    let rev = rev.to_ascii_lowercase();
    let dirty = env_dirty.or_else(|| git_dirty.filter(|_| git_revision.as_deref() == Some(rev.as_str())));
    Ok((Some(rev), dirty))
}
