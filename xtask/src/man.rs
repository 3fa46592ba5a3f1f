//! `cargo xtask man OUT`: the `aymara` man pages (clap_mangen), `aymara.1` and one page per
//! subcommand (`aymara-files-upload.1`, …), rendered from the CLI's own clap definitions
//! (`aymara_cli::command()`), so they say what `--help` says and cannot drift from it.

use std::path::Path;

use anyhow::{Context, Result};

/// Writes the pages into `out`, made if missing.
pub fn write(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    clap_mangen::generate_to(aymara_cli::command(), out)
        .with_context(|| format!("cannot write the man pages into {}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_command_and_the_main_page_lists_the_commands() {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("man1");
        write(&dir).unwrap();
        let mut pages: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        pages.sort();
        assert_eq!(
            pages,
            [
                "aymara-completions.1",
                "aymara-files-create.1",
                "aymara-files-delete.1",
                "aymara-files-get.1",
                "aymara-files-list.1",
                "aymara-files-status.1",
                "aymara-files-upload.1",
                "aymara-files-wait.1",
                "aymara-files.1",
                "aymara-serve.1",
                "aymara.1",
            ]
        );
        let main = std::fs::read_to_string(dir.join("aymara.1")).unwrap();
        assert!(main.contains("\n.TH aymara 1 "), "a roff page: {main}");
        for listed in [
            "aymara\\-files(1)",
            "aymara\\-serve(1)",
            "aymara\\-completions(1)",
        ] {
            assert!(main.contains(listed), "{listed} in:\n{main}");
        }
        let upload = std::fs::read_to_string(dir.join("aymara-files-upload.1")).unwrap();
        for flag in [
            "\\-\\-shard",
            "\\-\\-verbose",
            "\\-\\-quiet",
            "\\-\\-dry\\-run",
        ] {
            assert!(upload.contains(flag), "{flag} in:\n{upload}");
        }
    }
}
