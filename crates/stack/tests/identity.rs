//! A scenario's identity hash (manifests' `scenario_hash`): CRLF line ends
//! and a BOM do not count, every other byte does; an LF file keeps the hash
//! older builds gave it; each file's own hash names the one that changed
//! (audit s23-repro, F2, F3).

mod common;
use common::Scratch;
use stack::Scenario;
use std::path::Path;

fn minimal_text() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/minimal.ron");
    std::fs::read_to_string(p).unwrap()
}

/// A variant `v.ron` of `base.ron` (the minimal example) in `dir`.
fn write_pair(dir: &Path, crlf: bool, bom: bool) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let eol = |t: &str| {
        if crlf {
            t.replace('\n', "\r\n")
        } else {
            t.to_string()
        }
    };
    let mut base = eol(&minimal_text());
    if bom {
        base.insert(0, '\u{feff}');
    }
    std::fs::write(dir.join("base.ron"), base).unwrap();
    let variant = "// a variant\nVariant(base: \"base.ron\", name: \"v\", set: { \"horizon_years\": 1 })\n";
    std::fs::write(dir.join("v.ron"), eol(variant)).unwrap();
    dir.join("v.ron")
}

#[test]
fn crlf_and_bom_copies_hash_as_the_lf_file() {
    let lf = Scratch::new("stack-id-lf");
    let win = Scratch::new("stack-id-crlf");
    let bom = Scratch::new("stack-id-bom");
    let a = Scenario::load(&write_pair(&lf, false, false)).unwrap();
    let b = Scenario::load(&write_pair(&win, true, false)).unwrap();
    let c = Scenario::load(&write_pair(&bom, true, true)).unwrap();
    assert_eq!(a.identity_hash(), b.identity_hash());
    assert_eq!(a.identity_hash(), c.identity_hash());
    assert_eq!(a.file_hashes(), b.file_hashes());
    // The hash is the manifests' form.
    let h = a.identity_hash();
    assert!(h.starts_with("fnv1a64:") && h.split(':').count() == 3, "{h}");
}

/// The hash of an LF file is what it always was: FNV-1a 64 of each file's
/// bytes followed by a NUL, the named file first, with the total length.
#[test]
fn an_lf_scenario_keeps_its_hash() {
    let dir = Scratch::new("stack-id-old");
    let v = write_pair(&dir, false, false);
    let s = Scenario::load(&v).unwrap();
    let mut bytes = std::fs::read(&v).unwrap();
    bytes.push(0);
    bytes.extend(std::fs::read(dir.join("base.ron")).unwrap());
    bytes.push(0);
    assert_eq!(s.identity_bytes(), bytes);
    assert_eq!(
        s.identity_hash(),
        format!("fnv1a64:{:016x}:{}", scheduler::rng::fnv1a64(&bytes), bytes.len())
    );
}

#[test]
fn comments_count_and_each_file_has_its_own_hash() {
    let dir = Scratch::new("stack-id-files");
    let v = write_pair(&dir, false, false);
    let before = Scenario::load(&v).unwrap();
    let names: Vec<String> = before.file_hashes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["v.ron", "base.ron"]);
    // A comment added to the base: the scenario's hash and the base's
    // change, the variant's does not.
    let mut base = std::fs::read_to_string(dir.join("base.ron")).unwrap();
    base.push_str("// edited\n");
    std::fs::write(dir.join("base.ron"), base).unwrap();
    let after = Scenario::load(&v).unwrap();
    assert_ne!(before.identity_hash(), after.identity_hash());
    let (b, a) = (before.file_hashes(), after.file_hashes());
    assert_eq!(b[0], a[0]);
    assert_ne!(b[1], a[1]);
}
