//! `cargo xtask modules`: no two modules of the SDK use each other, directly or through
//! others. CI runs it, so a cycle fails the build instead of growing back.
//!
//! The graph is read from the source with `syn`, as `cargo modules dependencies` draws it
//! from rust-analyzer: a module uses the module that *defines* what it names, through any
//! chain of re-exports. Every `use` counts (a parent's `pub use child::Item` is an edge from
//! parent to child), and so does every path in code that starts with `crate`, `self` or
//! `super`. Declaring a submodule (`mod child;`) is ownership, not use.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use syn::visit::Visit;

/// A module's path from the crate root: `[]` is the root, `["upload", "pace"]` is
/// `crate::upload::pace`.
type ModPath = Vec<String>;

/// What one module holds.
#[derive(Debug, Default)]
struct Module {
    /// Items it defines (types, functions, traits, constants, macros …).
    items: BTreeSet<String>,
    /// Its submodules.
    children: BTreeSet<String>,
    /// Names it brings in with `use`: name → the path as written (`crate::…`, `super::…`).
    uses: BTreeMap<String, Vec<String>>,
    /// `use path::*` targets.
    globs: Vec<Vec<String>>,
    /// Every path it names that starts with `crate`, `self` or `super` (or with a name it
    /// brings in), `use`s included.
    mentions: Vec<Vec<String>>,
}

/// Every module of the crate whose root is `lib`.
#[derive(Debug, Default)]
struct Crate {
    modules: BTreeMap<ModPath, Module>,
}

/// One edge that closes a cycle, with the path that makes it.
#[derive(Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The modules in the cycle, as `crate::a::b`.
    pub modules: Vec<String>,
    /// For each edge inside the cycle: user, used, and the path written in the user.
    pub edges: Vec<(String, String, String)>,
}

/// The cycles among the modules of the crate rooted at `lib` (`src/lib.rs`).
pub fn cycles(lib: &Path) -> Result<Vec<Cycle>> {
    let mut krate = Crate::default();
    krate.load(lib, Vec::new(), true)?;
    Ok(krate.cycles())
}

/// `cargo xtask modules`: prints the cycles of `crates/aymara`, if any; `Ok(false)` when
/// there are some.
pub fn check(root: &Path) -> Result<bool> {
    let lib = root.join("crates/aymara/src/lib.rs");
    let found = cycles(&lib)?;
    for cycle in &found {
        eprintln!(
            "error: modules that use each other: {}",
            cycle.modules.join(", ")
        );
        for (user, used, path) in &cycle.edges {
            eprintln!("  {user} uses {used} ({path})");
        }
    }
    Ok(found.is_empty())
}

impl Crate {
    /// Reads the module at `file` (a crate root or `mod.rs` when `owns_dir`) and its
    /// submodules, recursively.
    fn load(&mut self, file: &Path, path: ModPath, owns_dir: bool) -> Result<()> {
        let text =
            fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let parsed =
            syn::parse_file(&text).with_context(|| format!("cannot parse {}", file.display()))?;
        let dir = if owns_dir {
            file.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            let stem = file.file_stem().unwrap_or_default();
            file.with_file_name(stem)
        };
        self.items(&parsed.items, path, &dir, file)
    }

    fn items(&mut self, items: &[syn::Item], path: ModPath, dir: &Path, file: &Path) -> Result<()> {
        let mut module = Module::default();
        let mut submodules = Vec::new();
        for item in items {
            match item {
                syn::Item::Mod(m) => {
                    let name = m.ident.to_string();
                    module.children.insert(name.clone());
                    submodules.push((name, m));
                }
                syn::Item::Use(u) => use_tree(&u.tree, Vec::new(), &mut module),
                other => {
                    if let Some(name) = item_name(other) {
                        module.items.insert(name);
                    }
                }
            }
        }
        let mut paths = Paths::default();
        for item in items {
            if !matches!(item, syn::Item::Mod(_)) {
                paths.visit_item(item);
            }
        }
        module.mentions.extend(paths.0);
        let uses: Vec<Vec<String>> = module.uses.values().cloned().collect();
        module.mentions.extend(uses);
        module.mentions.extend(module.globs.clone());
        self.modules.insert(path.clone(), module);
        for (name, m) in submodules {
            let mut child = path.clone();
            child.push(name.clone());
            match &m.content {
                Some((_, inline)) => self.items(inline, child, &dir.join(&name), file)?,
                None => {
                    let flat = dir.join(format!("{name}.rs"));
                    let nested = dir.join(&name).join("mod.rs");
                    if flat.is_file() {
                        self.load(&flat, child, false)?;
                    } else if nested.is_file() {
                        self.load(&nested, child, true)?;
                    } else {
                        bail!(
                            "{}: no file for `mod {name};` (looked for {} and {})",
                            file.display(),
                            flat.display(),
                            nested.display()
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// The module that defines what `path` names, as written in module `from`; `None` for
    /// other crates.
    fn resolve(&self, from: &ModPath, path: &[String], depth: usize) -> Option<ModPath> {
        if depth > 32 {
            return None;
        }
        let (mut at, rest) = self.start(from, path, depth)?;
        for (i, segment) in rest.iter().enumerate() {
            let module = self.modules.get(&at)?;
            if module.children.contains(segment) {
                at.push(segment.clone());
                continue;
            }
            if module.items.contains(segment) {
                return Some(at);
            }
            if let Some(target) = module.uses.get(segment) {
                let mut target = target.clone();
                target.extend(rest[i + 1..].iter().cloned());
                return self.resolve(&at, &target, depth + 1);
            }
            for glob in &module.globs {
                let mut target = glob.clone();
                target.extend(rest[i..].iter().cloned());
                if let Some(found) = self.resolve(&at, &target, depth + 1) {
                    return Some(found);
                }
            }
            return Some(at);
        }
        Some(at)
    }

    /// Where a path written in `from` starts, and what is left of it.
    fn start<'p>(
        &self,
        from: &ModPath,
        path: &'p [String],
        depth: usize,
    ) -> Option<(ModPath, &'p [String])> {
        let (first, rest) = path.split_first()?;
        match first.as_str() {
            "crate" => Some((Vec::new(), rest)),
            "self" => Some((from.clone(), rest)),
            "super" => {
                let mut parent = from.clone();
                parent.pop()?;
                let mut at = parent;
                let mut rest = rest;
                while let Some(("super", tail)) = rest.split_first().map(|(s, t)| (s.as_str(), t)) {
                    at.pop()?;
                    rest = tail;
                }
                Some((at, rest))
            }
            name => {
                let module = self.modules.get(from)?;
                if module.children.contains(name) {
                    let mut at = from.clone();
                    at.push(name.to_owned());
                    return Some((at, rest));
                }
                if module.items.contains(name) {
                    return Some((from.clone(), &[]));
                }
                let target = module.uses.get(name)?;
                let mut target = target.clone();
                target.extend(rest.iter().cloned());
                let found = self.resolve(from, &target, depth + 1)?;
                Some((found, &[]))
            }
        }
    }

    /// Module → modules it uses, with the path that makes each edge.
    fn edges(&self) -> BTreeMap<ModPath, BTreeMap<ModPath, String>> {
        let mut edges: BTreeMap<ModPath, BTreeMap<ModPath, String>> = BTreeMap::new();
        for (path, module) in &self.modules {
            for mention in &module.mentions {
                let Some(used) = self.resolve(path, mention, 0) else {
                    continue;
                };
                if &used != path {
                    edges
                        .entry(path.clone())
                        .or_default()
                        .entry(used)
                        .or_insert_with(|| mention.join("::"));
                }
            }
        }
        edges
    }

    /// The strongly connected components of more than one module (Tarjan's algorithm).
    fn cycles(&self) -> Vec<Cycle> {
        let edges = self.edges();
        let names: Vec<&ModPath> = self.modules.keys().collect();
        let index_of: HashMap<&ModPath, usize> =
            names.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let succ: Vec<Vec<usize>> = names
            .iter()
            .map(|p| {
                edges
                    .get(*p)
                    .map(|to| to.keys().filter_map(|t| index_of.get(t).copied()).collect())
                    .unwrap_or_default()
            })
            .collect();
        let components = tarjan(&succ);
        let show = |p: &ModPath| {
            std::iter::once("crate")
                .chain(p.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join("::")
        };
        components
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|mut component| {
                component.sort_unstable();
                let inside: BTreeSet<usize> = component.iter().copied().collect();
                let mut found = Vec::new();
                for &user in &component {
                    for &used in &succ[user] {
                        if inside.contains(&used) {
                            let path = &edges[names[user]][names[used]];
                            found.push((show(names[user]), show(names[used]), path.clone()));
                        }
                    }
                }
                Cycle {
                    modules: component.iter().map(|&i| show(names[i])).collect(),
                    edges: found,
                }
            })
            .collect()
    }
}

/// Tarjan's strongly connected components of the graph `succ`.
fn tarjan(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        succ: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        next: usize,
        found: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &s.succ[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(index) if s.on_stack[w] => s.low[v] = s.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            s.found.push(component);
        }
    }
    let n = succ.len();
    let mut state = State {
        succ,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on_stack: vec![false; n],
        next: 0,
        found: Vec::new(),
    };
    for v in 0..n {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.found
}

/// Records the names a `use` tree brings in, and its globs.
fn use_tree(tree: &syn::UseTree, mut prefix: Vec<String>, module: &mut Module) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_tree(&p.tree, prefix, module);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.last().cloned() {
                    module.uses.insert(last, prefix);
                }
            } else {
                prefix.push(name.clone());
                module.uses.insert(name, prefix);
            }
        }
        syn::UseTree::Rename(r) => {
            prefix.push(r.ident.to_string());
            module.uses.insert(r.rename.to_string(), prefix);
        }
        syn::UseTree::Glob(_) => module.globs.push(prefix),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_tree(tree, prefix.clone(), module);
            }
        }
    }
}

/// The name an item defines, if it defines one.
fn item_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::TraitAlias(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        syn::Item::Macro(i) => i.ident.as_ref()?,
        _ => return None,
    };
    Some(ident.to_string())
}

/// Every multi-segment path that starts with `crate`, `self` or `super`.
#[derive(Default)]
struct Paths(Vec<Vec<String>>);

impl<'ast> Visit<'ast> for Paths {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 && matches!(segments[0].as_str(), "crate" | "self" | "super") {
            self.0.push(segments);
        }
        syn::visit::visit_path(self, path);
    }

    /// `use` items are read by [`use_tree`], and nested modules on their own.
    fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {}

    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {}
}

/// Makes a tiny crate in a temporary directory: `(relative path, source)`.
#[cfg(test)]
fn fake_crate(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
    }
    let lib = dir.path().join("lib.rs");
    (dir, lib)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_reexporting_a_child_that_uses_the_parent_is_a_cycle() {
        let (_dir, lib) = fake_crate(&[
            ("lib.rs", "mod error;\npub use error::Error;\n"),
            (
                "error.rs",
                "mod convert;\npub use convert::from;\npub enum Error { A }\n",
            ),
            (
                "error/convert.rs",
                "use crate::Error;\npub fn from() -> Error { Error::A }\n",
            ),
        ]);
        let found = cycles(&lib).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].modules, ["crate::error", "crate::error::convert"]);
        assert!(
            found[0].edges.contains(&(
                "crate::error::convert".into(),
                "crate::error".into(),
                "crate::Error".into()
            )),
            "{found:?}"
        );
    }

    #[test]
    fn re_exports_resolve_to_where_items_are_defined_so_siblings_are_no_cycle() {
        let (_dir, lib) = fake_crate(&[
            ("lib.rs", "mod error;\nmod files;\npub use error::Error;\n"),
            ("error/mod.rs", "mod kinds;\npub use kinds::Error;\n"),
            ("error/kinds.rs", "pub enum Error { A }\n"),
            (
                "files.rs",
                "use crate::Error;\npub fn get() -> Result<(), Error> { Err(crate::error::Error::A) }\n",
            ),
        ]);
        assert_eq!(cycles(&lib).unwrap(), []);
    }

    #[test]
    fn paths_in_code_and_super_count_and_a_long_cycle_is_found() {
        let (_dir, lib) = fake_crate(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "pub fn f() { crate::b::g() }\n"),
            ("b.rs", "pub fn g() { super::c::h() }\n"),
            (
                "c.rs",
                "use crate::a;\npub fn h() { a::f() }\nmod tests { use super::*; }\n",
            ),
        ]);
        let found = cycles(&lib).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].modules, ["crate::a", "crate::b", "crate::c"]);
    }

    #[test]
    fn the_sdk_has_no_cycle() {
        let lib = crate::workspace_root().join("crates/aymara/src/lib.rs");
        assert_eq!(cycles(&lib).unwrap(), []);
    }
}
