//! Link settings of the shipped starload-fe (issue 19).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // A profile without debug info is the shipped one (Cargo.toml's [profile.dist]). There mold
    // folds identical functions (--icf=all): DataFusion's generics are instantiated the same way
    // in many crates, and the FE's code alone is over 100 MB. Release keeps plain links (its
    // line tables name every copy). Only with mold: GNU ld has no --icf.
    let no_debug = std::env::var("DEBUG").as_deref() == Ok("false");
    let mold = std::env::var("CARGO_ENCODED_RUSTFLAGS")
        .is_ok_and(|f| f.split('\u{1f}').any(|a| a.contains("-fuse-ld=mold")));
    if no_debug && mold {
        println!("cargo:rustc-link-arg-bins=-Wl,--icf=all");
    }
}
