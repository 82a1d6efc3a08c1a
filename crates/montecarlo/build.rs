//! Build script: records the target triple, the rustc version, the cargo
//! profile and the extra compiler flags for `manifest.json`.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=AISTACK_MC_TARGET={target}");
    // `$RUSTC --version` (informational: the manifest's `rustc_version`);
    // empty when rustc cannot be asked.
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=AISTACK_MC_RUSTC={version}");
    // The profile cargo builds in (`debug` or `release`, also for a custom
    // profile inheriting one) and its optimisation level; and the extra
    // compiler flags (`RUSTFLAGS` or `build.rustflags` of a
    // `.cargo/config.toml`: target-cpu, a profile-guided build's
    // `-Cprofile-use`), which cargo passes to build scripts separated by
    // 0x1f. Both informational (audit s23-repro, F8).
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    println!(
        "cargo:rustc-env=AISTACK_MC_PROFILE={}, opt-level {}",
        env("PROFILE"),
        env("OPT_LEVEL")
    );
    let flags = env("CARGO_ENCODED_RUSTFLAGS").replace('\x1f', " ");
    println!("cargo:rustc-env=AISTACK_MC_RUSTFLAGS={flags}");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
