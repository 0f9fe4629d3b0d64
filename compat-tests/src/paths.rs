//! Where the harness finds things: the workspace, the release binaries and the Tansu broker.
//!
//! Binaries are looked up in this order, so a test, a script and CI all use the same files:
//! 1. `STARLOAD_FE_BIN` / `STARLOAD_BE_BIN` (explicit override);
//! 2. the profile dir of the running test executable (`<target>/release/deps/x` → `<target>/release`),
//!    which is right whatever `CARGO_TARGET_DIR` was at build time;
//! 3. `$CARGO_TARGET_DIR/release`, else `<workspace>/target/release`.
//!
//! The harness never builds: a missing binary is an error naming the cargo command to run
//! (cargo holds its build lock while tests run, so building from a test would deadlock).

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// The workspace root (the directory holding the root `Cargo.toml`): the nearest directory
/// at or above the current one that holds `Cargo.toml` and `compat-tests/`, else the one this
/// crate was built in. The build-time path alone is not enough: checkouts that share a
/// `CARGO_TARGET_DIR` share this crate's build (cargo keys workspace members by relative
/// path), so a binary built in one checkout could read another's cases, or a deleted one's.
pub fn workspace_root() -> PathBuf {
    if let Ok(cwd) = std::env::current_dir() {
        if let Some(root) = cwd
            .ancestors()
            .find(|d| d.join("Cargo.toml").is_file() && d.join("compat-tests").is_dir())
        {
            return root.to_path_buf();
        }
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The directory of the package whose test runs: `CARGO_MANIFEST_DIR` as cargo test sets it
/// at run time, else `built` (the caller's `env!("CARGO_MANIFEST_DIR")`). The build-time value
/// alone may name another checkout that shares the target dir (see [`workspace_root`]).
pub fn package_dir(built: &str) -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(built))
}

/// Candidate release directories, most specific first.
fn release_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(parent) = exe.parent() {
            if parent.file_name().is_some_and(|n| n == "deps") {
                if let Some(profile) = parent.parent() {
                    dirs.push(profile.to_path_buf());
                }
            } else {
                dirs.push(parent.to_path_buf());
            }
        }
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) if !t.is_empty() => dirs.push(PathBuf::from(t).join("release")),
        _ => dirs.push(workspace_root().join("target").join("release")),
    }
    dirs
}

fn find_binary(name: &str, override_var: &str) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(override_var) {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        bail!("{override_var}={} does not name a file", p.display());
    }
    let dirs = release_dirs();
    for d in &dirs {
        let p = d.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    bail!(
        "{name} not found in {:?}; build it first: cargo build --release -p {name}",
        dirs
    )
}

/// Path of the `starload-fe` release binary.
pub fn fe_binary() -> Result<PathBuf> {
    find_binary("starload-fe", "STARLOAD_FE_BIN")
}

/// Path of the `starload-be` release binary.
pub fn be_binary() -> Result<PathBuf> {
    find_binary("starload-be", "STARLOAD_BE_BIN")
}

/// Path of the Tansu broker: `$STARLOAD_TANSU`, else `$HOME/.cache/starload/tools/bin/tansu`
/// (installed by `deploy/install-deps.sh`).
pub fn tansu_binary() -> Result<PathBuf> {
    let p = match std::env::var_os("STARLOAD_TANSU") {
        Some(p) => PathBuf::from(p),
        None => {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/starload/tools/bin/tansu")
        }
    };
    if p.is_file() {
        Ok(p)
    } else {
        bail!(
            "tansu not found at {}; run deploy/install-deps.sh (or set STARLOAD_TANSU)",
            p.display()
        )
    }
}
