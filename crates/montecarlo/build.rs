//! Build script: records the target triple for `manifest.json`.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=AISTACK_MC_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
