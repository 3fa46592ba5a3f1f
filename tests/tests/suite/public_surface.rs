//! Pins the public surfaces that dependents compile against: the generated `aymara-api`
//! crate (read from `generated.rs`) and the hand-written `aymara` SDK (read module by module
//! from `crates/aymara/src`). Every public item and signature is read with `syn` and
//! normalized to one line, so any change to either API shows up here for review.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use aymara_test_support::workspace_root;
use syn::{Fields, ImplItem, Item, Signature, Type, Visibility, parse_quote};

/// One line of Rust as prettyplease prints it, whitespace folded.
fn one_line(item: Item) -> String {
    let file: syn::File = parse_quote!(#item);
    prettyplease::unparse(&file)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        // Undo the line breaks prettyplease puts inside long parameter and generic lists.
        .replace("( ", "(")
        .replace(", )", ")")
        .replace("< ", "<")
        .replace(", >", ">")
}

fn signature(sig: &Signature) -> String {
    let item: Item = parse_quote!(#sig {});
    let text = one_line(item);
    let text = text.strip_suffix(" {}").unwrap_or(&text);
    text.strip_suffix(',').unwrap_or(text).to_string()
}

fn ty(ty: &Type) -> String {
    let text = one_line(parse_quote!(type T = #ty;));
    text["type T = ".len()..text.len() - 1].to_string()
}

/// The traits an item derives, e.g. `[Clone, Debug]`, since derives are public surface too.
fn derives(attrs: &[syn::Attribute]) -> String {
    let mut names = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        if let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) {
            names.extend(paths.iter().map(|p| ty(&parse_quote!(#p))));
        }
    }
    if names.is_empty() {
        String::new()
    } else {
        format!(" derives [{}]", names.join(", "))
    }
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// `#[non_exhaustive]` and `#[cfg(...)]` change what dependents may do: they are surface.
fn markers(attrs: &[syn::Attribute]) -> String {
    let mut out = String::new();
    for attr in attrs {
        if attr.path().is_ident("non_exhaustive") {
            out.push_str("#[non_exhaustive] ");
        } else if attr.path().is_ident("cfg") {
            let meta = &attr.meta;
            out.push_str(&one_line(parse_quote!(#[#meta] struct S;)).replace(" struct S;", " "));
        }
    }
    out
}

/// `Name`, `Name(T, U)` or `Name { a: T }`.
fn variant(v: &syn::Variant) -> String {
    let fields = |fields: &Fields| -> Vec<String> {
        fields
            .iter()
            .map(|f| match &f.ident {
                Some(name) => format!("{name}: {}", ty(&f.ty)),
                None => ty(&f.ty),
            })
            .collect()
    };
    let marker = markers(&v.attrs);
    match &v.fields {
        Fields::Unit => format!("{marker}{}", v.ident),
        Fields::Unnamed(_) => format!("{marker}{}({})", v.ident, fields(&v.fields).join(", ")),
        Fields::Named(_) => format!("{marker}{} {{ {} }}", v.ident, fields(&v.fields).join(", ")),
    }
}

fn list(items: &[Item], path: &str, out: &mut String) {
    for item in items {
        match item {
            Item::Mod(m) if is_pub(&m.vis) => {
                let inner = format!("{path}::{}", m.ident);
                writeln!(out, "{path}: pub mod {}", m.ident).ok();
                if let Some((_, items)) = &m.content {
                    list(items, &inner, out);
                }
            }
            Item::Use(u) if is_pub(&u.vis) => {
                let tree = &u.tree;
                let line = one_line(parse_quote!(pub use #tree;));
                writeln!(out, "{path}: {line}").ok();
            }
            Item::Struct(s) if is_pub(&s.vis) => {
                let s_ident = &s.ident;
                let fields: Vec<String> = match &s.fields {
                    Fields::Named(named) => named
                        .named
                        .iter()
                        .filter(|f| is_pub(&f.vis))
                        .filter_map(|f| Some(format!("{}: {}", f.ident.as_ref()?, ty(&f.ty))))
                        .collect(),
                    _ => Vec::new(),
                };
                let generics = &s.generics;
                let name = one_line(parse_quote!(struct #s_ident #generics;));
                writeln!(
                    out,
                    "{path}: {}{} {{ {} }}{}",
                    markers(&s.attrs),
                    name.trim_end_matches(';'),
                    fields.join(", "),
                    derives(&s.attrs)
                )
                .ok();
            }
            Item::Enum(e) if is_pub(&e.vis) => {
                let variants: Vec<String> = e.variants.iter().map(variant).collect();
                writeln!(
                    out,
                    "{path}: {}enum {} {{ {} }}{}",
                    markers(&e.attrs),
                    e.ident,
                    variants.join(", "),
                    derives(&e.attrs)
                )
                .ok();
            }
            Item::Trait(t) if is_pub(&t.vis) => {
                let supertraits: Vec<String> = t
                    .supertraits
                    .iter()
                    .map(|b| one_line(parse_quote!(fn f<T: #b>() {})))
                    .map(|f| {
                        let bound = f.strip_prefix("fn f<T: ").unwrap_or(&f);
                        bound.strip_suffix(">() {}").unwrap_or(bound).to_string()
                    })
                    .collect();
                writeln!(
                    out,
                    "{path}: trait {}: {}",
                    t.ident,
                    supertraits.join(" + ")
                )
                .ok();
                for member in &t.items {
                    if let syn::TraitItem::Fn(f) = member {
                        writeln!(out, "{path}: trait {} {{ {} }}", t.ident, signature(&f.sig)).ok();
                    }
                }
            }
            Item::Const(c) if is_pub(&c.vis) => {
                writeln!(out, "{path}: const {}: {}", c.ident, ty(&c.ty)).ok();
            }
            Item::Type(t) if is_pub(&t.vis) => {
                let mut t = t.clone();
                t.attrs.clear();
                let line = one_line(Item::Type(t));
                writeln!(out, "{path}: {line}").ok();
            }
            Item::Fn(f) if is_pub(&f.vis) => {
                writeln!(out, "{path}: {}{}", markers(&f.attrs), signature(&f.sig)).ok();
            }
            Item::Impl(i) => {
                let self_ty = ty(&i.self_ty);
                match &i.trait_ {
                    Some((trait_path, _)) => {
                        let trait_ty: Type = parse_quote!(#trait_path);
                        writeln!(out, "{path}: impl {} for {self_ty}", ty(&trait_ty)).ok();
                    }
                    None => {
                        for member in &i.items {
                            if let ImplItem::Fn(f) = member
                                && is_pub(&f.vis)
                            {
                                writeln!(
                                    out,
                                    "{path}: impl {self_ty} {{ {}{} }}",
                                    markers(&f.attrs),
                                    signature(&f.sig)
                                )
                                .ok();
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[test]
fn generated_public_surface() {
    let source = include_str!("../../../crates/aymara-api/src/generated.rs");
    let file = syn::parse_file(source).expect("generated.rs parses");
    let mut listing = String::new();
    list(&file.items, "crate", &mut listing);
    for (operation, builder) in [
        ("post_files", "PostFiles"),
        ("list_files", "ListFiles"),
        ("get_file", "GetFile"),
        ("delete_file", "DeleteFile"),
        ("get_file_status", "GetFileStatus"),
        ("get_file_frames", "GetFileFrames"),
    ] {
        let line =
            format!("crate: impl Client {{ fn {operation}(&self) -> builder::{builder}<'_> }}");
        assert!(
            listing.contains(&line),
            "{operation} is missing from the listing:\n{listing}"
        );
    }
    // Dependents build values through these builders, so that a new optional field in the
    // spec never breaks their code: every generated struct must have one.
    for line in listing.lines() {
        if let Some(rest) = line.strip_prefix("crate::types: struct ") {
            let name = rest.split([' ', '<']).next().unwrap_or(rest);
            assert!(
                listing.contains(&format!("crate::types::builder: struct {name} ")),
                "types::{name} has no builder"
            );
        }
    }
    insta::assert_snapshot!("aymara_api_public_surface", listing);
}

/// The file of module `name` declared in `dir` (`name.rs` or `name/mod.rs`).
fn module_file(dir: &Path, name: &str) -> PathBuf {
    let flat = dir.join(format!("{name}.rs"));
    if flat.exists() {
        flat
    } else {
        dir.join(name).join("mod.rs")
    }
}

/// Lists a hand-written crate module by module, following `mod` declarations to their
/// files (test modules left out), so items re-exported from private modules are seen too.
fn list_crate(file: &Path, path: &str, out: &mut String) {
    let source =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let parsed = syn::parse_file(&source).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let items: Vec<Item> = parsed
        .items
        .into_iter()
        .filter(|item| !matches!(item, Item::Mod(m) if m.attrs.iter().any(is_cfg_test)))
        .collect();
    list(&items, path, out);
    let dir = match file.file_name().and_then(|n| n.to_str()) {
        Some("lib.rs") | Some("mod.rs") => file.parent().map(Path::to_path_buf),
        _ => file
            .parent()
            .map(|p| p.join(file.file_stem().unwrap_or_default())),
    }
    .unwrap_or_default();
    for item in &items {
        if let Item::Mod(m) = item
            && m.content.is_none()
        {
            let inner = format!("{path}::{}", m.ident);
            if !is_pub(&m.vis) {
                // Private modules' `pub` items are public only through re-exports, which
                // the parent's `pub use` lines show; list them under their module anyway.
                writeln!(out, "{path}: mod {}", m.ident).ok();
            }
            list_crate(&module_file(&dir, &m.ident.to_string()), &inner, out);
        }
    }
}

fn is_cfg_test(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("cfg")
        && attr
            .parse_args::<syn::Ident>()
            .is_ok_and(|ident| ident == "test")
}

#[test]
fn aymara_public_surface() {
    let lib = workspace_root().join("crates/aymara/src/lib.rs");
    let mut listing = String::new();
    list_crate(&lib, "aymara", &mut listing);
    assert!(
        listing.contains("aymara: pub use upload::{"),
        "the re-exports are listed:\n{listing}"
    );
    insta::assert_snapshot!("aymara_public_surface", listing);
}

/// The terminal-safe text the SDK and the CLI share is published too: its surface is a
/// promise like the SDK's.
#[test]
fn aymara_text_public_surface() {
    let lib = workspace_root().join("crates/aymara-text/src/lib.rs");
    let mut listing = String::new();
    list_crate(&lib, "aymara_text", &mut listing);
    assert!(listing.contains("fn escape("), "{listing}");
    insta::assert_snapshot!("aymara_text_public_surface", listing);
}
