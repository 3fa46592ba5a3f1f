//! The `aymara` command line's definitions (clap derive), as a library target of the CLI
//! package so that one source serves both the binary, which parses with them, and
//! `cargo xtask man`, which renders them: the man pages cannot drift from `--help`.
//!
//! Not an API: it changes with the command line, and follows no semver of its own, so its
//! items are hidden from the docs (and from the release's public API check).
#![deny(missing_docs)]

// clap turns doc comments into help text: an item here carries the help it needs, and a
// doc comment on a field clap does not show (a subcommand holder, say) would only add noise.
#[allow(missing_docs)]
#[doc(hidden)]
pub mod cli;

/// The whole command line, as clap builds it: what `--help`, the completions and the man
/// pages show.
#[doc(hidden)]
pub fn command() -> clap::Command {
    <cli::Cli as clap::CommandFactory>::command()
}
