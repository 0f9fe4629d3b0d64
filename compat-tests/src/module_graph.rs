//! The module graph of a crate's source tree, read as text, for the layering checks
//! (`fe/tests/module_layers.rs`, `be/tests/module_layers.rs`; ARCHITECTURE.md "Layers").
//!
//! A node is one source file (`catalog/table.rs` is `catalog::table`). File A depends on file B
//! when A names an item of B: `use crate::..`, an inline `crate::..` path, `super::..`, or a
//! path through one of A's own child modules (`use job::X`, `pub use job::X`). A `mod b;`
//! declaration alone is not a dependency. Test code (`#[cfg(test)] mod ..`) and comments are
//! left out: tests may reach anywhere.
//!
//! Two checks use it: [`upward_imports`] (every top-level module sits in one layer and imports
//! only modules of lower layers) and [`circles`] (strongly connected sets of files; a file and
//! its parent that re-exports it form a pair, which is allowed, but nothing larger).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A file's module path, e.g. `["catalog", "table"]`; the crate root is `[]`.
pub type ModPath = Vec<String>;

/// Files and the files each one depends on.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    pub edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

impl ModuleGraph {
    /// The same graph without the edges from a file to its own ancestors (`super::X` where X
    /// is defined in the parent file). A parent that re-exports its children and defines types
    /// they use is a hub, not a tangle; what is left shows circles between siblings.
    pub fn without_edges_to_ancestors(&self) -> ModuleGraph {
        let edges = self
            .edges
            .iter()
            .map(|(from, deps)| {
                let kept = deps
                    .iter()
                    .filter(|to| !(to.len() < from.len() && from.starts_with(to)))
                    .cloned()
                    .collect();
                (from.clone(), kept)
            })
            .collect();
        ModuleGraph { edges }
    }
}

/// Reads every `.rs` file under `src_dir` (a crate's `src/`). `main.rs` (the binary) is left
/// out: it sits above every module.
pub fn read(src_dir: &Path) -> std::io::Result<ModuleGraph> {
    let mut sources = BTreeMap::new();
    collect(src_dir, src_dir, &mut sources)?;
    Ok(from_sources(&sources))
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<ModPath, String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
            let mut m: ModPath = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if m == ["main"] {
                continue;
            }
            if matches!(m.last().map(String::as_str), Some("lib" | "mod")) {
                m.pop();
            }
            out.insert(m, std::fs::read_to_string(&path)?);
        }
    }
    Ok(())
}

/// Builds the graph from (module path, source text) pairs.
pub fn from_sources(sources: &BTreeMap<ModPath, String>) -> ModuleGraph {
    let mut g = ModuleGraph::default();
    for (m, src) in sources {
        let code = strip_comments_and_strings(src);
        let code = strip_test_modules(&code);
        let kids: BTreeSet<String> = child_mods(&code);
        let mut deps = BTreeSet::new();
        for path in referenced_paths(&code) {
            let absolute: Option<Vec<String>> = match path.first().map(String::as_str) {
                Some("crate") => Some(path[1..].to_vec()),
                Some("super") => {
                    let mut base = m.clone();
                    let mut rest = &path[..];
                    while rest.first().is_some_and(|s| s == "super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    base.extend(rest.iter().cloned());
                    Some(base)
                }
                Some("self") if path.len() > 1 && kids.contains(&path[1]) => {
                    let mut base = m.clone();
                    base.extend(path[1..].iter().cloned());
                    Some(base)
                }
                Some(first) if kids.contains(first) => {
                    let mut base = m.clone();
                    base.extend(path.iter().cloned());
                    Some(base)
                }
                _ => None,
            };
            if let Some(target) = absolute.and_then(|p| resolve(sources, &p)) {
                if &target != m {
                    deps.insert(target);
                }
            }
        }
        g.edges.insert(m.clone(), deps);
    }
    g
}

/// The longest prefix of `path` that is a file.
fn resolve(sources: &BTreeMap<ModPath, String>, path: &[String]) -> Option<ModPath> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| sources.contains_key(p))
}

/// `mod x;` declarations (child files).
fn child_mods(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let words: Vec<&str> = code.split_whitespace().collect();
    for w in words.windows(2) {
        if w[0] == "mod" {
            if let Some(name) = w[1].strip_suffix(';') {
                out.insert(name.to_string());
            }
        }
    }
    out
}

/// Blanks out comments and the contents of string and char literals, so that neither a doc
/// example nor a message text counts as an import. Keeps line structure.
pub fn strip_comments_and_strings(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i += 2;
        } else if c == b'r' && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) && !prev_ident(b, i)
        {
            // Raw string r"..." / r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(c as char);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&b'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' && is_char_literal(b, i) {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            // Multi-byte UTF-8 passes through whole.
            let len = utf8_len(c);
            out.push_str(&src[i..(i + len).min(src.len())]);
            i += len;
        }
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

fn prev_ident(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// `'x'`, `'\n'`, `'\u{..}'` rather than a lifetime `'a`.
fn is_char_literal(b: &[u8], i: usize) -> bool {
    match b.get(i + 1) {
        Some(b'\\') => true,
        Some(_) => {
            let len = utf8_len(b[i + 1]);
            b.get(i + 1 + len) == Some(&b'\'')
        }
        None => false,
    }
}

/// Removes `#[cfg(test)]` modules (`mod tests { .. }` with any visibility) from comment-free
/// code.
pub fn strip_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        let trimmed = after.trim_start();
        let is_mod = ["mod ", "pub mod ", "pub(crate) mod ", "pub(super) mod "]
            .iter()
            .any(|p| trimmed.starts_with(p));
        let open = trimmed.find('{');
        let semi = trimmed.find(';');
        match open {
            Some(o) if is_mod && semi.is_none_or(|s| s > o) => {
                let body = &trimmed[o..];
                let mut depth = 0usize;
                let mut end = body.len();
                for (k, ch) in body.char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &body[end.min(body.len())..];
            }
            _ => {
                // A test-only item other than a module: skip just the attribute.
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every path the code names: each leaf of every `use` tree, and every inline `a::b::c`.
fn referenced_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    // `use` trees.
    let mut i = 0;
    while let Some(pos) = code[i..].find("use ") {
        let at = i + pos;
        i = at + 4;
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            continue;
        }
        if let Some(end) = code[i..].find(';') {
            expand_use_tree(&[], &code[i..i + end], &mut out);
            i += end;
        }
    }
    // Inline paths.
    let mut word_start = None;
    let mut segs: Vec<String> = Vec::new();
    let mut k = 0;
    while k <= bytes.len() {
        let c = bytes.get(k).copied().unwrap_or(b' ');
        let ident = c.is_ascii_alphanumeric() || c == b'_';
        if ident {
            if word_start.is_none() {
                word_start = Some(k);
            }
            k += 1;
            continue;
        }
        if let Some(s) = word_start.take() {
            segs.push(code[s..k].to_string());
            if c == b':' && bytes.get(k + 1) == Some(&b':') {
                k += 2;
                continue;
            }
            if segs.len() > 1 {
                out.push(std::mem::take(&mut segs));
            }
            segs.clear();
        } else if !segs.is_empty() {
            if segs.len() > 1 {
                out.push(std::mem::take(&mut segs));
            }
            segs.clear();
        }
        k += 1;
    }
    out
}

/// `a::b::{c, d::{e, f}}` -> `a::b::c`, `a::b::d::e`, `a::b::d::f`.
fn expand_use_tree(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let mut base = prefix.to_vec();
        base.extend(
            head.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
        let close = tree.rfind('}').unwrap_or(tree.len());
        let inner = &tree[open + 1..close];
        let mut depth = 0;
        let mut start = 0;
        let mut any = false;
        for (k, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_use_tree(&base, &inner[start..k], out);
                    any = true;
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand_use_tree(&base, &inner[start..], out);
        if !any && inner.trim().is_empty() {
            out.push(base);
        }
    } else {
        let item = tree.split(" as ").next().unwrap_or(tree).trim();
        let mut p = prefix.to_vec();
        p.extend(
            item.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "self")
                .map(String::from),
        );
        out.push(p);
    }
}

/// One upward (or sideways) import: `from` imports `to`, whose layer is not below `from`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerViolation {
    pub from: String,
    pub to: String,
}

impl std::fmt::Display for LayerViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} imports {}", self.from, self.to)
    }
}

/// Checks the graph against `layers` (top first; each entry lists the top-level modules of one
/// layer). A file may import files of its own top-level module and of modules in lower layers
/// only. A top-level module missing from the table is reported as a violation too, so that a
/// new module must be placed.
pub fn upward_imports(g: &ModuleGraph, layers: &[&[&str]]) -> Vec<LayerViolation> {
    let layer_of = |top: &str| layers.iter().position(|l| l.contains(&top));
    let mut out = Vec::new();
    for (from, deps) in &g.edges {
        let Some(from_top) = from.first() else {
            continue; // lib.rs declares everything.
        };
        let Some(from_layer) = layer_of(from_top) else {
            out.push(LayerViolation {
                from: from.join("::"),
                to: "<no layer: add it to the layer table>".into(),
            });
            continue;
        };
        for to in deps {
            let Some(to_top) = to.first() else {
                continue;
            };
            if to_top == from_top {
                continue;
            }
            let ok = layer_of(to_top).is_some_and(|l| l > from_layer);
            if !ok {
                out.push(LayerViolation {
                    from: from.join("::"),
                    to: to.join("::"),
                });
            }
        }
    }
    out
}

/// Strongly connected sets of more than `max_files` files (Tarjan), each sorted.
pub fn circles(g: &ModuleGraph, max_files: usize) -> Vec<Vec<String>> {
    struct State<'a> {
        g: &'a ModuleGraph,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a ModPath, max: usize) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(deps) = s.g.edges.get(v) {
            for w in deps {
                if !s.index.contains_key(w) {
                    if s.g.edges.contains_key(w) {
                        visit(s, w, max);
                        let lw = s.low[w];
                        let lv = s.low[v];
                        s.low.insert(v, lv.min(lw));
                    }
                } else if s.on_stack.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(iw));
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.join("::"));
                if w == v {
                    break;
                }
            }
            if comp.len() > max {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v, max_files);
        }
    }
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str) -> ModPath {
        if p.is_empty() {
            Vec::new()
        } else {
            p.split("::").map(String::from).collect()
        }
    }

    fn graph(files: &[(&str, &str)]) -> ModuleGraph {
        from_sources(&files.iter().map(|(p, s)| (m(p), s.to_string())).collect())
    }

    fn deps(g: &ModuleGraph, p: &str) -> Vec<String> {
        g.edges[&m(p)].iter().map(|d| d.join("::")).collect()
    }

    #[test]
    fn use_trees_inline_paths_super_and_children() {
        let g = graph(&[
            ("", "pub mod a; pub mod b; pub mod c;"),
            ("a", "pub mod x;\npub use x::Thing;\nuse crate::{b::{B, self}, c};"),
            ("a::x", "use super::super::c::C; fn f() { super::helper(); }"),
            ("b", "fn f() -> crate::c::C { todo!() }"),
            ("c", "// use crate::a::X;\nconst S: &str = \"crate::b::B\";\n#[cfg(test)]\nmod tests { use crate::a::x::Y; }"),
        ]);
        assert_eq!(deps(&g, "a"), ["a::x", "b", "c"]);
        assert_eq!(deps(&g, "a::x"), ["a", "c"]);
        assert_eq!(deps(&g, "b"), ["c"]);
        // Comments, strings and test modules are not dependencies.
        assert!(deps(&g, "c").is_empty());
    }

    #[test]
    fn layers_and_circles_are_found() {
        let g = graph(&[
            ("", "pub mod top; pub mod low;"),
            ("top", "use crate::low::L;"),
            (
                "low",
                "pub mod p; pub mod q; use crate::top::T; pub use p::P;",
            ),
            ("low::p", "use super::q::Q;"),
            ("low::q", "use super::Shared;"),
        ]);
        let v = upward_imports(&g, &[&["top"], &["low"]]);
        assert_eq!(
            v.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
            ["low imports top"]
        );
        assert!(upward_imports(&g, &[&["low"]])
            .iter()
            .any(|v| v.from == "top"));
        // top <-> low, and low -> p -> q -> low: one circle of four files.
        assert_eq!(circles(&g, 2), vec![vec!["low", "low::p", "low::q", "top"]]);
        assert!(circles(&g, 4).is_empty());
        // Without low::q -> low, only top <-> low is left.
        let siblings = g.without_edges_to_ancestors();
        assert_eq!(circles(&siblings, 1), vec![vec!["low", "top"]]);
    }

    #[test]
    fn raw_strings_lifetimes_and_chars() {
        let s = strip_comments_and_strings(
            "fn f<'a>(x: &'a str) { let c = '\"'; let r = r#\"crate::x\"#; y::z(c) }",
        );
        assert!(!s.contains("crate::x"), "{s}");
        assert!(s.contains("y::z"), "{s}");
        assert!(s.contains("'a str"), "{s}");
    }
}
