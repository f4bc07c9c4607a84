//! The layering of `src/` (lib.rs states it; docs/architecture.md draws it): every `crate::` path in a
//! module must name a module of the same layer or a lower one. Read from the source text, so a
//! new import that runs up the layers fails here, in `cargo test` and so in CI.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Low to high. A module may use the modules of its own layer and of every layer before it.
const LAYERS: &[(&str, &[&str])] = &[
    ("plain data", &["model", "diagnosis", "units", "secret", "wire", "theme_name"]),
    // A recording is a transport of the client (`sources::http` tees into it and replays from
    // it): it knows the wire types only.
    ("recording", &["record"]),
    ("sources", &["sources"]),
    ("history", &["history"]),
    ("analysis", &["analysis"]),
    ("session", &["session"]),
    ("driving", &["collect", "config"]),
    ("surfaces", &["ui", "report"]),
    ("commands", &["run", "cli"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The top-level module a file under `src/` belongs to (`src/sources/flink/mod.rs` -> sources).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a path").as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::NAME` in a text, comments included (a doc link up the layers is a smell too),
/// and every name inside a `crate::{a, b}` group.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    for (i, _) in text.match_indices("crate::") {
        if i > 0 && text[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::` or `bptop_crate::`: not ours
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first name of every top-level item of the group: `{a::{b, c}, d}` -> a, d.
            let mut depth = 0;
            let mut item_start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if item_start => {
                        item_start = false;
                        let name = ident(&group[k..]);
                        if !name.is_empty() {
                            out.insert(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// (file, module, imported module, why) for every import that breaks the table.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let module = module_of(src, &file);
        if module == "lib" || module == "main" {
            continue; // the root declares every module; main.rs is the binary on top of all
        }
        let Some(own) = layer_of(&module) else {
            out.push(format!("{}: module `{module}` is in no layer of tests/layering.rs", file.display()));
            continue;
        };
        let text = fs::read_to_string(&file).expect("readable file");
        for target in crate_refs(&text) {
            if target == module {
                continue;
            }
            match layer_of(&target) {
                None => out.push(format!("{}: `crate::{target}` is in no layer", file.display())),
                Some(t) if t > own => out.push(format!(
                    "{}: {module} ({}) uses crate::{target} ({}), a higher layer",
                    file.display(),
                    LAYERS[own].0,
                    LAYERS[t].0
                )),
                Some(_) => {}
            }
        }
    }
    out
}

#[test]
fn imports_point_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(bad.is_empty(), "imports that run up the layers:\n{}", bad.join("\n"));
}

#[test]
fn every_module_of_lib_rs_has_a_layer() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert!(!modules.is_empty());
    for m in modules {
        assert!(layer_of(m).is_some(), "src/lib.rs declares `{m}`, which no layer of tests/layering.rs names");
    }
}

#[test]
fn the_checker_sees_groups_and_paths() {
    let refs = crate_refs("use crate::{model::Job, units};\nlet x = crate::ui::theme::X; $crate::no");
    assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["model", "ui", "units"]);
    let nested = crate_refs("use crate::{analysis::{self, Thresholds}, session::{Clock, Session},\n  wire};");
    assert_eq!(nested.into_iter().collect::<Vec<_>>(), ["analysis", "session", "wire"]);
}

#[test]
fn the_checker_catches_an_import_up_the_layers() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("sources")).unwrap();
    fs::write(dir.path().join("sources/flink.rs"), "use crate::model::Job;\nuse crate::ui::App;\n").unwrap();
    fs::write(dir.path().join("model.rs"), "pub struct Job;").unwrap();
    let bad = violations(dir.path());
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].contains("sources (sources) uses crate::ui (surfaces)"), "{}", bad[0]);
}
