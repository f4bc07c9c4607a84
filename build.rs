//! Embeds the default recording (fixtures/real/slow-sink) into the binary, so that `bptop`
//! with no endpoint shows a real diagnosis on a machine that has nothing but the binary.

use std::fs;
use std::path::{Path, PathBuf};

const BUNDLED_DIR: &str = "fixtures/real/slow-sink";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dir = root.join(BUNDLED_DIR);
    println!("cargo:rerun-if-changed={BUNDLED_DIR}");
    let mut files = Vec::new();
    collect(&dir, &dir, &mut files);
    files.sort();
    let mut out = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
        out.push_str(&format!("    ({rel:?}, include_bytes!({:?})),\n", abs.display().to_string()));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("bundled.rs");
    fs::write(dest, out).expect("write bundled.rs");
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if rel != "expected.json" {
                out.push((rel, p.clone()));
            }
        }
    }
}
