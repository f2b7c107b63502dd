//! The layers of `src/lib.rs` hold: the import graph of the crate's modules has no cycles, the
//! protocol layer imports nothing but itself, the server and the clients only the protocol and
//! `files` (never each other), and only the CLI sees everything.
//!
//! The graph is read from the source text: every `crate::…`, `super::…` and `self::…` path in
//! code (comments are skipped) is resolved to the module it names, and each file counts as the
//! module two levels below the crate root (`server::store`, `protocol::crypto`, `cli::commands`,
//! …) or the root module itself (`files`). A path into a module's own subtree is no edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path from the crate root, e.g. `["server", "staff", "accounts"]`.
type ModPath = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a source file is, from its path under `src/` (`#[path]` test files included:
/// `foo_tests.rs` beside `foo.rs` is part of `foo`).
fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
    {
        parts.pop();
    }
    if let Some(last) = parts.last_mut()
        && let Some(base) = last.strip_suffix("_tests")
    {
        *last = base.to_owned();
    }
    parts
}

/// The node a module counts as: its first two segments.
fn node(path: &[String]) -> String {
    path.iter().take(2).cloned().collect::<Vec<_>>().join("::")
}

/// Every module path named in `code` (with comments removed), resolved from `here`.
fn named_paths(code: &str, here: &ModPath) -> Vec<ModPath> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let start_ok = i == 0 || !is_ident(bytes[i - 1]);
        let rest = &code[i..];
        let head = ["crate::", "super::", "self::"]
            .into_iter()
            .find(|h| rest.starts_with(h));
        let Some(head) = head.filter(|_| start_ok) else {
            i += 1;
            continue;
        };
        // Read `seg::seg::…` up to anything else; then a `{a, b::c}` group if it follows.
        let mut j = i;
        let mut segs: Vec<String> = Vec::new();
        loop {
            let k = j;
            while j < bytes.len() && is_ident(bytes[j]) {
                j += 1;
            }
            segs.push(code[k..j].to_owned());
            if code[j..].starts_with("::") && j + 2 < bytes.len() && is_ident(bytes[j + 2]) {
                j += 2;
            } else {
                break;
            }
        }
        let mut base: ModPath = match head {
            "crate::" => Vec::new(),
            "self::" => here.clone(),
            _ => {
                let mut p = here.clone();
                p.pop();
                p
            }
        };
        for seg in &segs[1..] {
            if seg == "super" {
                base.pop();
            } else {
                base.push(seg.clone());
            }
        }
        let mut targets = vec![base.clone()];
        if code[j..].starts_with("::{") {
            let close = code[j..].find('}').map_or(code.len(), |c| j + c);
            targets = code[j + 3..close]
                .split(',')
                .filter_map(|t| t.trim().split("::").next())
                .filter(|t| !t.is_empty() && *t != "self")
                .map(|t| {
                    let mut p = base.clone();
                    p.push(t.to_owned());
                    p
                })
                .collect();
            targets.push(base);
        }
        out.extend(targets);
        i = j.max(i + 1);
    }
    out
}

fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) if !l[..at].contains('"') => &l[..at],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module graph: node → nodes it imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| node(&module_of(&src, f))).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let here = module_of(&src, file);
        let from = node(&here);
        let code = without_comments(&std::fs::read_to_string(file).unwrap());
        for target in named_paths(&code, &here) {
            let to = node(&target);
            if to.is_empty() || to == from || !modules.contains(&to) {
                continue;
            }
            // A path to the layer's own root (`crate::server`) is not a module edge.
            if target.len() == 1 && !modules.contains(&target[0]) {
                continue;
            }
            edges.entry(from.clone()).or_default().insert(to);
        }
        edges.entry(from).or_default();
    }
    edges
}

fn layer(node: &str) -> &str {
    node.split("::").next().unwrap()
}

#[test]
fn the_layers_import_only_downwards() {
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("protocol", &["protocol"][..]),
        ("files", &["files", "protocol"][..]),
        ("server", &["server", "protocol", "files"][..]),
        ("clients", &["clients", "protocol", "files"][..]),
        (
            "cli",
            &["cli", "clients", "server", "protocol", "files"][..],
        ),
        (
            "main",
            &["cli", "clients", "server", "protocol", "files"][..],
        ),
        ("", &["cli", "clients", "server", "protocol", "files"][..]),
    ]);
    let mut wrong = Vec::new();
    for (from, tos) in graph() {
        let ok = allowed
            .get(layer(&from))
            .unwrap_or_else(|| panic!("module {from} is in no layer"));
        for to in tos {
            if !ok.contains(&layer(&to)) {
                wrong.push(format!("{from} → {to}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers: {wrong:#?}");
}

#[test]
fn the_module_graph_has_no_cycles() {
    let graph = graph();
    // Depth-first search; a back edge closes a cycle, which is reported as its path.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|n| n == next).unwrap();
                    cycles.push(format!("{} → {next}", stack[at..].join(" → ")));
                }
                Some(_) => {}
                None => visit(next, graph, state, stack, cycles),
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
    }
    let (mut state, mut cycles) = (BTreeMap::new(), Vec::new());
    for node in graph.keys() {
        if !state.contains_key(node) {
            visit(node, &graph, &mut state, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

#[test]
fn the_reader_finds_what_it_should() {
    let here: ModPath = vec!["server".into(), "staff".into(), "accounts".into()];
    let code = "use super::{device, password};\nuse crate::protocol::totp;\nlet x = self::y::z;";
    let found: BTreeSet<String> = named_paths(code, &here)
        .iter()
        .map(|p| p.join("::"))
        .collect();
    for expected in [
        "server::staff::device",
        "server::staff::password",
        "protocol::totp",
        "server::staff::accounts::y::z",
    ] {
        assert!(found.contains(expected), "{expected} not in {found:?}");
    }
    assert_eq!(
        without_comments("let a = 1; // crate::server\n/// crate::x"),
        "let a = 1; \n"
    );
}

/// The domain modules of the server return their own errors and know nothing of HTTP: only
/// `server::http` maps them to statuses, so nothing else in the server may import it.
#[test]
fn server_domain_code_does_not_import_http() {
    let mut wrong = Vec::new();
    for (from, tos) in graph() {
        if layer(&from) == "server" && from != "server::http" && tos.contains("server::http") {
            wrong.push(from);
        }
    }
    assert!(wrong.is_empty(), "server modules importing http: {wrong:?}");
}

/// sled is one implementation of the storage trait: its types appear nowhere outside
/// `server::store`, so a second backend needs no change above it.
#[test]
fn sled_stays_inside_the_store() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let store = src.join("server").join("store");
    let wrong: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(&store))
        .filter(|f| {
            let code = without_comments(&std::fs::read_to_string(f).unwrap());
            code.contains("sled::") || code.contains("use sled")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        wrong.is_empty(),
        "sled used outside server::store: {wrong:?}"
    );
}

/// The docs point to the code of each section; a path that no longer exists misleads.
#[test]
fn docs_name_only_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for doc in ["README.md", "docs/PROTOCOL.md", "docs/ARCHITECTURE.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for piece in text.split('`').skip(1).step_by(2) {
            let path = piece.split("::").next().unwrap();
            if path.starts_with("src/") && !path.contains(' ') && !root.join(path).exists() {
                missing.push(format!("{doc}: {piece}"));
            }
        }
    }
    assert!(missing.is_empty(), "docs name missing files: {missing:#?}");
}
