//! The revision a build records (audit s23-repro, F7): a build outside git
//! (a source tarball) states it with `AISTACK_GIT_REVISION`, which then
//! names its batches' revision instead of an unknown one.

#[path = "../build_revision.rs"]
mod build_revision;
use build_revision::choose;

const REV: &str = "0123456789abcdef0123456789abcdef01234567";
const OTHER: &str = "89abcdef0123456789abcdef0123456789abcdef";

#[test]
fn git_decides_when_the_environment_says_nothing() {
    assert_eq!(
        choose(None, None, Some(REV.into()), Some(false)),
        Ok((Some(REV.into()), Some(false)))
    );
    assert_eq!(choose(Some(""), Some(" "), None, None), Ok((None, None)));
}

#[test]
fn a_tarball_build_states_its_revision() {
    // No git: the given revision, dirty as given or unknown.
    assert_eq!(
        choose(Some(REV), Some("false"), None, None),
        Ok((Some(REV.into()), Some(false)))
    );
    assert_eq!(choose(Some(REV), None, None, None), Ok((Some(REV.into()), None)));
    // Upper case is read as git writes it.
    assert_eq!(
        choose(Some(&REV.to_uppercase()), None, None, None),
        Ok((Some(REV.into()), None))
    );
    // Given and git agree: git's dirty flag stands; they disagree: the
    // given revision wins and git's flag (of another commit) is not used.
    assert_eq!(
        choose(Some(REV), None, Some(REV.into()), Some(true)),
        Ok((Some(REV.into()), Some(true)))
    );
    assert_eq!(
        choose(Some(REV), None, Some(OTHER.into()), Some(false)),
        Ok((Some(REV.into()), None))
    );
}

#[test]
fn a_malformed_value_stops_the_build() {
    for bad in ["a0352d9", "not-a-hash-not-a-hash-not-a-hash-not-a-h"] {
        let e = choose(Some(bad), None, None, None).unwrap_err();
        assert!(e.contains("40 hex digits") && e.contains(bad), "{e}");
    }
    let e = choose(Some(REV), Some("yes"), None, None).unwrap_err();
    assert!(e.contains("AISTACK_GIT_DIRTY"), "{e}");
}
