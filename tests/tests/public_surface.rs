//! Pins the public surface of the generated `aymara-api` crate: every public item and method
//! signature, read from `generated.rs` with `syn`, normalized to one line each. A change in
//! the spec or the generator that alters the API shows up here for review.

use std::fmt::Write as _;

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
                    "{path}: {} {{ {} }}{}",
                    name.trim_end_matches(';'),
                    fields.join(", "),
                    derives(&s.attrs)
                )
                .ok();
            }
            Item::Enum(e) if is_pub(&e.vis) => {
                let variants: Vec<String> =
                    e.variants.iter().map(|v| v.ident.to_string()).collect();
                writeln!(
                    out,
                    "{path}: enum {} {{ {} }}",
                    e.ident,
                    variants.join(", ")
                )
                .ok();
            }
            Item::Trait(t) if is_pub(&t.vis) => {
                writeln!(out, "{path}: trait {}", t.ident).ok();
            }
            Item::Fn(f) if is_pub(&f.vis) => {
                writeln!(out, "{path}: {}", signature(&f.sig)).ok();
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
                                writeln!(out, "{path}: impl {self_ty} {{ {} }}", signature(&f.sig))
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
    let source = include_str!("../../crates/aymara-api/src/generated.rs");
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
