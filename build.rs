//! Gives the shared library the soname of the original, so that programs linked against
//! libketama 1.x load this one unchanged.

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libketama.so.1");
    println!("cargo:rerun-if-changed=build.rs");
}
