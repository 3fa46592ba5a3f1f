//! `aymara completions SHELL`: the shell's completion script (clap_complete), generated from
//! the same definitions as the parser, on stdout.

use crate::Failure;
use crate::cli::CompletionsArgs;
use crate::output::Stdout;

/// `aymara completions`.
pub fn completions(args: CompletionsArgs) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut aymara_cli::command(),
        "aymara",
        &mut script,
    );
    let script = String::from_utf8_lossy(&script);
    Stdout::new().line(format_args!("{}", script.trim_end_matches('\n')))
}
