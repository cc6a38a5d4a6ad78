//! Gives the shared library the soname of the original, so that programs linked against
//! libketama 1.x load this one unchanged. The major version comes from Cargo.toml, like the
//! file names the Makefile installs.

fn main() {
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,-soname,libketama.so.{}",
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    println!("cargo:rerun-if-changed=build.rs");
}
