//! The extension exports `PyInit__ketama` and nothing else. rustc exports every `#[no_mangle]`
//! function of the crates a cdylib links, so the core's C ABI (`ketama_roll` and the rest)
//! would be exported by this library too, where a process that also loads `libketama.so.1`
//! could see two of each. A linker version script names them local: by name, since a name
//! outranks the wildcard, and rustc's own script lists them by name as global. The names come
//! from `libketama.symbols.txt`, which `make test` keeps equal to the C library's exports.
use std::fmt::Write;

fn main() {
    let symbols = "../libketama.symbols.txt";
    println!("cargo:rerun-if-changed={symbols}");
    let list = std::fs::read_to_string(symbols).expect("read ../libketama.symbols.txt");
    let mut script = String::from("{\n    global: PyInit__ketama;\n    local:\n");
    for name in list.split_whitespace() {
        writeln!(script, "        {name};").expect("writing to a String");
    }
    script.push_str("        *;\n};\n");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("exports.map");
    std::fs::write(&out, script).expect("write the version script");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        out.display()
    );
}
