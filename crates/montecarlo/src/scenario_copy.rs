//! `DIR/scenario/`: a verbatim copy of every scenario file a batch, an
//! eval or a merge read (the named file and each `base:` file), so that a
//! directory holds what it takes to run it again: `aistack batch
//! DIR/scenario/<name>.ron` with the same arguments gives the same runs, and
//! the same `scenario_hash` (the copies' texts are the files' texts).
//!
//! The copies are laid out so that the copied named file's `base:` lines
//! resolve to the copies, as written: a base named `../common/base.ron`
//! from `scen/cheap.ron` is copied to `scenario/common/base.ron` beside
//! `scenario/scen/cheap.ron`. The named file sits as deep below
//! `scenario/` as the `..` of the chain need, in directories named as its
//! own ancestors are. A `base:` that names an absolute path cannot be made
//! to resolve to a copy without rewriting the file (which would change its
//! hash): that base is copied to `scenario/absolute/<its path>` all the
//! same, and the manifest's record of it says that the copy of the file
//! naming it still reads the original ([`CopiedFile::note`]).
//!
//! The directory is written whole under a temporary name
//! (`.scenario.tmp-<pid>`), each file fsynced, then renamed into place, so
//! `scenario/` is always one batch's complete copy.

use crate::error::io_err;
use crate::{McError, Result};
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

/// The directory of a batch directory that holds the scenario's copy.
pub const SCENARIO_DIR: &str = "scenario";

/// Where absolute `base:` files are copied, below [`SCENARIO_DIR`].
const ABSOLUTE_DIR: &str = "absolute";

/// One file of a model, as read: what [`crate::Model::sources`] gives to copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceText {
    /// The path it was read from (as the loader resolved it).
    pub path: PathBuf,
    /// Its text, as the model's identity counts it (a BOM already removed).
    pub text: String,
    /// The `base:` it names, as written (the next source is that file).
    pub base: Option<String>,
}

/// One copied file, as the manifest's `scenario_copy.files` records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopiedFile {
    /// Path of the copy relative to the batch directory (`scenario/…`).
    pub path: String,
    /// Its hash, `fnv1a64:<hex>:<length>` (as `scenario_files` has it).
    pub hash: String,
    /// Why the copy of the file that names this one does not reach this
    /// copy (its `base:` is an absolute path, or its place was taken):
    /// a run from the copies reads the original there. `None` when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The manifest's `scenario_copy`: where the copy of each scenario file is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioCopy {
    /// The copy of the named scenario, relative to the batch directory: the
    /// file to give `aistack batch` to run the batch again.
    pub scenario: String,
    /// Every file, in the order of `scenario_files` (the named one first).
    pub files: Vec<CopiedFile>,
    /// Directories a `base:` passes through (`sub/../base.ron`), relative
    /// to the batch directory, which must exist for its path to resolve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirs: Vec<String>,
}

/// A position in the copy: relative to the named file's directory (with
/// `ups` leading `..`), or an absolute path's components.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pos {
    Rel { ups: usize, comps: Vec<String> },
    Abs(Vec<String>),
}

impl Pos {
    /// The directory of the file at this position.
    fn parent(&self) -> Pos {
        let mut p = self.clone();
        match &mut p {
            Pos::Rel { comps, .. } | Pos::Abs(comps) => {
                comps.pop();
            }
        }
        p
    }
    /// Steps into `name` (a directory or the file).
    fn push(&mut self, name: String) {
        match self {
            Pos::Rel { comps, .. } | Pos::Abs(comps) => comps.push(name),
        }
    }
    /// Steps up (`..`): out of the last directory, or one level above the
    /// named file's directory (an absolute path's root stays the root).
    fn up(&mut self) {
        match self {
            Pos::Rel { ups, comps } => {
                if comps.pop().is_none() {
                    *ups += 1;
                }
            }
            Pos::Abs(comps) => {
                comps.pop();
            }
        }
    }
}

/// The file name of `path` as a copy's name (`scenario.ron` for a path
/// without one, such as `<embedded:NAME>`'s, whose characters are kept out).
fn copy_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name
        .strip_prefix("<embedded:")
        .and_then(|n| n.strip_suffix('>'))
        .map_or(name.clone(), str::to_string);
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        "scenario.ron".to_string()
    } else {
        name
    }
}

/// Plans the copy of `sources` (the named file first, each next one the
/// base the one before names): each file's place, relative to the batch
/// directory, and the directories to create. See the module docs.
pub fn plan(sources: &[SourceText]) -> Option<ScenarioCopy> {
    let first = sources.first()?;
    let mut positions = vec![Pos::Rel {
        ups: 0,
        comps: vec![copy_name(&first.path)],
    }];
    let mut notes: Vec<Option<String>> = vec![None];
    let mut dirs: Vec<Pos> = Vec::new();
    for k in 1..sources.len() {
        let referrer = &sources[k - 1];
        // How the file before reaches this one: its `base:` as written (a
        // list that is no chain: this file's own path, from the named
        // file's directory).
        let (path_to, note) = match &referrer.base {
            Some(b) if Path::new(b).is_absolute() => (
                PathBuf::from(b),
                Some(format!(
                    "{} names it by an absolute path (`base: \"{b}\"`), which a copy cannot \
                     change without changing its hash: a run from the copies reads {b}, not this copy",
                    referrer.path.display()
                )),
            ),
            Some(b) => (PathBuf::from(b), None),
            None => (
                sources[k].path.clone(),
                Some("not named by the file before it: a run from the copies does not read this copy".into()),
            ),
        };
        let mut at = if path_to.is_absolute() {
            Pos::Abs(Vec::new())
        } else if referrer.base.is_some() {
            positions[k - 1].parent()
        } else {
            Pos::Rel {
                ups: 0,
                comps: Vec::new(),
            }
        };
        let parts: Vec<Component> = path_to.components().collect();
        for (j, c) in parts.iter().enumerate() {
            match c {
                Component::Normal(n) => {
                    at.push(n.to_string_lossy().into_owned());
                    // A directory the path passes through before a `..`.
                    if parts[j + 1..].iter().any(|c| matches!(c, Component::ParentDir)) {
                        dirs.push(at.clone());
                    }
                }
                Component::ParentDir => at.up(),
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            }
        }
        positions.push(at);
        notes.push(note);
    }
    // As deep below `scenario/` as the `..` of the chain reach above the
    // named file's directory, in directories named as its ancestors are.
    let ups = positions
        .iter()
        .chain(&dirs)
        .map(|p| match p {
            Pos::Rel { ups, .. } => *ups,
            Pos::Abs(_) => 0,
        })
        .max()
        .unwrap_or(0);
    let ancestors: Vec<String> = first
        .path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| {
            p.components()
                .filter_map(|c| match c {
                    Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let prefix: Vec<String> = (0..ups)
        .map(|i| {
            // The i-th directory above the named file's, outermost first.
            let from_end = ups - i;
            ancestors
                .len()
                .checked_sub(from_end)
                .map_or_else(|| format!("up{from_end}"), |a| ancestors[a].clone())
        })
        .collect();
    let place = |p: &Pos| -> String {
        let mut parts = vec![SCENARIO_DIR.to_string()];
        match p {
            Pos::Rel { ups: u, comps } => {
                parts.extend(prefix[..ups - u].iter().cloned());
                parts.extend(comps.iter().cloned());
            }
            Pos::Abs(comps) => {
                parts.push(ABSOLUTE_DIR.to_string());
                parts.extend(comps.iter().cloned());
            }
        }
        parts.join("/")
    };
    let mut files: Vec<CopiedFile> = Vec::with_capacity(sources.len());
    for (k, (s, p)) in sources.iter().zip(&positions).enumerate() {
        let mut path = place(p);
        let mut note = notes[k].clone();
        if files.iter().any(|f| f.path == path) {
            // Two files at one place (a symbolic link read as another
            // directory): the later one is kept aside.
            path = format!("{SCENARIO_DIR}/aside-{k}/{}", copy_name(&s.path));
            note = Some(format!(
                "its place in the copy, {}, is another file's: a run from the copies does not read this copy",
                place(p)
            ));
        }
        files.push(CopiedFile {
            path,
            hash: crate::manifest::identity_hash(stack::load::identity_text(&s.text).as_bytes()),
            note,
        });
    }
    let mut dirs: Vec<String> = dirs.iter().map(place).collect();
    dirs.sort();
    dirs.dedup();
    Some(ScenarioCopy {
        scenario: files[0].path.clone(),
        files,
        dirs,
    })
}

/// `rel` (a copy's recorded path) under `dir`, refused when it is not a
/// plain relative path below [`SCENARIO_DIR`] (a manifest edited to point
/// elsewhere).
fn under(dir: &Path, rel: &str) -> Result<PathBuf> {
    let p = Path::new(rel);
    let plain = p.components().all(|c| matches!(c, Component::Normal(_)))
        && p.starts_with(SCENARIO_DIR)
        && p != Path::new(SCENARIO_DIR);
    if !plain {
        return Err(McError::Invalid(format!(
            "{}: manifest.json's `scenario_copy` names `{rel}`, which is not a file below {SCENARIO_DIR}/",
            dir.display()
        )));
    }
    Ok(dir.join(p))
}

/// The temporary name the copy is written under in `dir`.
fn staging(dir: &Path) -> PathBuf {
    dir.join(format!(".{SCENARIO_DIR}.tmp-{}", std::process::id()))
}

/// Writes `texts` (one per file of `copy`, in its order) as `dir/scenario/`:
/// the whole directory under a temporary name, every file fsynced, then
/// renamed over any earlier copy (which is removed), so `scenario/` is
/// always one complete copy. Callers hold the directory's lock.
pub fn write(dir: &Path, copy: &ScenarioCopy, texts: &[&str]) -> Result<()> {
    if texts.len() != copy.files.len() {
        return Err(McError::Invalid(format!(
            "internal: {} texts for the {} files of the scenario copy",
            texts.len(),
            copy.files.len()
        )));
    }
    let tmp = staging(dir);
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io_err(&tmp))?;
    }
    let to_tmp = |rel: &str| -> Result<PathBuf> {
        let target = under(dir, rel)?;
        let inner = target.strip_prefix(dir.join(SCENARIO_DIR)).unwrap_or(&target);
        Ok(tmp.join(inner))
    };
    std::fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
    for d in &copy.dirs {
        let d = to_tmp(d)?;
        std::fs::create_dir_all(&d).map_err(io_err(&d))?;
    }
    let mut synced = vec![tmp.clone()];
    for (f, text) in copy.files.iter().zip(texts) {
        let path = to_tmp(&f.path)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
            synced.push(parent.to_path_buf());
        }
        let mut out = std::fs::File::create(&path).map_err(io_err(&path))?;
        out.write_all(text.as_bytes()).map_err(io_err(&path))?;
        out.sync_all().map_err(io_err(&path))?;
    }
    synced.sort();
    synced.dedup();
    for d in synced.iter().rev() {
        crate::store::sync_dir(d);
    }
    let target = dir.join(SCENARIO_DIR);
    let old = dir.join(format!(".{SCENARIO_DIR}.old-{}", std::process::id()));
    if target.exists() {
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io_err(&old))?;
        }
        std::fs::rename(&target, &old).map_err(io_err(&target))?;
    }
    std::fs::rename(&tmp, &target).map_err(io_err(&target))?;
    crate::store::sync_dir(dir);
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io_err(&old))?;
    }
    Ok(())
}

/// Reads the copy recorded in `copy` from `dir`, each file checked against
/// its recorded hash: the texts, in its order. Refused naming the file that
/// is missing or differs.
pub fn read(dir: &Path, copy: &ScenarioCopy) -> Result<Vec<String>> {
    copy.files
        .iter()
        .map(|f| {
            let path = under(dir, &f.path)?;
            let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
            let hash = crate::manifest::identity_hash(stack::load::identity_text(&text).as_bytes());
            if hash != f.hash {
                return Err(McError::Invalid(format!(
                    "{}: the copy of a scenario file was changed (its hash is {hash}, manifest.json \
                     records {})",
                    path.display(),
                    f.hash
                )));
            }
            Ok(text)
        })
        .collect()
}

/// Whether `name` (an entry of a batch directory) is a temporary directory
/// of an interrupted [`write()`]: `.scenario.tmp-<pid>` or `.scenario.old-<pid>`.
pub fn is_temp(name: &str) -> bool {
    [".tmp-", ".old-"].iter().any(|k| {
        name.strip_prefix('.')
            .and_then(|r| r.strip_prefix(SCENARIO_DIR))
            .and_then(|r| r.strip_prefix(*k))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Removes what an interrupted [`write()`] left in `dir` ([`is_temp`]).
/// Callers hold the directory's lock.
pub fn remove_stale(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if is_temp(&entry.file_name().to_string_lossy()) {
            let p = entry.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p).map_err(io_err(&p))?;
            } else {
                std::fs::remove_file(&p).map_err(io_err(&p))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(path: &str, base: Option<&str>) -> SourceText {
        SourceText {
            path: PathBuf::from(path),
            text: format!("// {path}\n"),
            base: base.map(str::to_string),
        }
    }

    fn paths(c: &ScenarioCopy) -> Vec<&str> {
        c.files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn a_relative_chain_keeps_resolving_in_the_copy() {
        // No base: the file alone.
        let c = plan(&[src("x/a.ron", None)]).unwrap();
        assert_eq!(paths(&c), ["scenario/a.ron"]);
        // A base beside it and one in a subdirectory.
        let c = plan(&[
            src("x/a.ron", Some("sub/b.ron")),
            src("x/sub/b.ron", Some("../c.ron")),
            src("x/c.ron", None),
        ])
        .unwrap();
        assert_eq!(
            paths(&c),
            ["scenario/a.ron", "scenario/sub/b.ron", "scenario/c.ron"]
        );
        assert!(c.files.iter().all(|f| f.note.is_none()) && c.dirs.is_empty());
        // A sibling directory: the named file one level down, in a
        // directory named as its own.
        let dir = tempfile::tempdir().unwrap();
        let scen = dir.path().join("scen");
        std::fs::create_dir(&scen).unwrap();
        let a = scen.join("v.ron");
        let c = plan(&[
            SourceText {
                path: a.clone(),
                text: "v".into(),
                base: Some("../common/base.ron".into()),
            },
            src("unused", None),
        ])
        .unwrap();
        assert_eq!(paths(&c), ["scenario/scen/v.ron", "scenario/common/base.ron"]);
        assert_eq!(c.scenario, "scenario/scen/v.ron");
        // A directory the path passes through is listed for creation.
        let c = plan(&[src("a.ron", Some("d/../../e/b.ron")), src("x", None)]).unwrap();
        assert_eq!(c.dirs.len(), 1, "{c:?}");
        assert!(c.dirs[0].ends_with("/d"), "{c:?}");
        assert!(c.files[1].path.ends_with("/e/b.ron"), "{c:?}");
    }

    #[test]
    fn an_absolute_base_is_copied_with_a_note() {
        let c = plan(&[
            src("a.ron", Some("/elsewhere/base.ron")),
            src("/elsewhere/base.ron", Some("root.ron")),
            src("/elsewhere/root.ron", None),
        ])
        .unwrap();
        assert_eq!(
            paths(&c),
            [
                "scenario/a.ron",
                "scenario/absolute/elsewhere/base.ron",
                "scenario/absolute/elsewhere/root.ron"
            ]
        );
        assert!(c.files[1].note.as_deref().unwrap().contains("absolute path"));
        assert!(c.files[0].note.is_none() && c.files[2].note.is_none());
    }

    #[test]
    fn a_copy_is_written_whole_and_read_back_checked() {
        let dir = tempfile::tempdir().unwrap();
        let sources = [src("a.ron", Some("../c/b.ron")), src("../c/b.ron", None)];
        let c = plan(&sources).unwrap();
        let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
        write(dir.path(), &c, &texts).unwrap();
        assert_eq!(read(dir.path(), &c).unwrap(), texts);
        // Written again over itself: one copy, no temporary left.
        write(dir.path(), &c, &texts).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["scenario"]);
        // An edited copy is refused, naming it.
        std::fs::write(dir.path().join(&c.files[1].path), "edited").unwrap();
        let err = read(dir.path(), &c).unwrap_err().to_string();
        assert!(err.contains("b.ron") && err.contains("was changed"), "{err}");
        // A recorded path outside scenario/ is refused.
        let mut bad = c.clone();
        bad.files[0].path = "../x.ron".into();
        assert!(read(dir.path(), &bad).is_err());
        assert!(is_temp(".scenario.tmp-12") && is_temp(".scenario.old-3") && !is_temp(".scenario.tmp-"));
    }
}
