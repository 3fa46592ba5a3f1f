//! What a shell user meets: completion scripts, `-v`/`-vv`/`-q` on every command (logs that
//! never show the key or a signature), and stderr as a terminal shows it: colors only on a
//! terminal and never under NO_COLOR, log lines that do not garble the progress bar.

use std::path::Path;
use std::process::Command;

use aymara_emulator::EmulatorConfig;
use aymara_test_support::cli::{Invocation, Run, output, output_on_terminal};
use aymara_test_support::emulator::TestEmulator;
use aymara_test_support::write_file;

use crate::{AYMARA, many_files};

const KEY: &str = "sk-SENTINEL-shell-7431";

/// An upload with `--local` of `set/`, every file every time.
const LOCAL_UPLOAD: [&str; 6] = ["files", "upload", "--local", "--no-journal", "-r", "set"];

fn invocation<'a>(base_url: &'a str, dir: &'a Path, args: &'a [&'a str]) -> Invocation<'a> {
    Invocation::new(base_url, Some(KEY), dir, args)
}

/// Color and style sequences (SGR, `ESC [ … m`); cursor moves are not colors.
fn has_colors(text: &str) -> bool {
    text.split("\x1b[").skip(1).any(|after| {
        let end = after.find(|c: char| !c.is_ascii_digit() && c != ';');
        end.is_some_and(|at| after[at..].starts_with('m'))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_loads_the_completions_and_every_shell_gets_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let mut bash = Command::new("bash");
    bash.arg("-c")
        .arg(r#"source <("$AYMARA" completions bash) && complete -p aymara"#)
        .env("AYMARA", AYMARA.path())
        .current_dir(dir.path());
    let run = output(bash).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("complete "), "{}", run.stdout);
    assert!(
        run.stdout.trim_end().ends_with(" -F _aymara aymara"),
        "{}",
        run.stdout
    );

    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let args = ["completions", shell];
        let run = AYMARA.run(invocation("", dir.path(), &args)).await;
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{shell}");
        for word in ["upload", "shard", "verbose", "completions"] {
            assert!(run.stdout.contains(word), "{shell}: no {word}");
        }
    }
    let run = AYMARA
        .run(invocation("", dir.path(), &["completions", "tcsh"]))
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vv_logs_each_attempt_and_no_secret_at_any_level() {
    let emulator = TestEmulator::start(KEY, EmulatorConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 3);
    let upload = ["files", "upload", "--no-journal", "-r", "set"];
    let mut runs: Vec<(String, Run)> = Vec::new();
    for flags in [&["-vv"][..], &["-v"], &["-vvv"], &["-q", "-v"]] {
        let args = [flags, &upload[..]].concat();
        let run = AYMARA
            .run(invocation(emulator.base_url(), dir.path(), &args))
            .await;
        runs.push((args.join(" "), run));
    }
    // The global flags go after the command too, and with `--local`.
    let local = [&LOCAL_UPLOAD[..], &["-vv"]].concat();
    let run = AYMARA.run(invocation("", dir.path(), &local)).await;
    runs.push((local.join(" "), run));
    let create = ["files", "create", "--json", "a.csv", "-vv"];
    let run = AYMARA
        .run(invocation(emulator.base_url(), dir.path(), &create))
        .await;
    runs.push((create.join(" "), run));

    for (args, run) in &runs {
        assert_eq!(run.code, 0, "{args}: {}", run.stderr);
        assert!(
            !run.stderr.contains(KEY),
            "{args}: the key leaked:\n{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("aymara-local"),
            "{args}: --local's key leaked"
        );
        assert!(
            !run.stderr.contains("X-Amz-Signature") && !run.stderr.contains("X-Amz-Credential"),
            "{args}: a presigned URL leaked:\n{}",
            run.stderr
        );
        assert!(!has_colors(&run.stderr), "{args}: colors off a terminal");
    }
    let stderr = |i: usize| runs[i].1.stderr.as_str();
    for i in [0, 4] {
        let attempts: Vec<&str> = stderr(i)
            .lines()
            .filter(|line| line.contains(" DEBUG aymara.attempt{"))
            .collect();
        // One presign and three transfers.
        assert!(attempts.len() >= 4, "{}", stderr(i));
        assert!(
            attempts
                .iter()
                .any(|l| l.contains(r#"operation="put_file""#))
        );
        assert!(
            attempts
                .iter()
                .any(|l| l.contains(r#"operation="post_files""#))
        );
    }
    assert!(!stderr(1).contains("DEBUG"), "-v is info: {}", stderr(1));
    assert!(stderr(2).contains("TRACE"), "-vvv is trace");
    assert_eq!(stderr(3), "", "-q wins over -v");
    assert_eq!(runs[3].1.stdout, "", "-q prints no summary");
    // The presigned URL is in the output asked for, and in no log line.
    let url = runs[5]
        .1
        .stdout
        .split('"')
        .find(|s| s.contains("X-Amz-Signature="));
    let signature = url.unwrap().split("X-Amz-Signature=").nth(1).unwrap();
    assert!(stderr(5).contains("post_files") && !stderr(5).contains(signature));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rust_log_that_does_not_parse_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = AYMARA
        .run(Invocation {
            rust_log: Some("aymara=loud"),
            ..invocation("", dir.path(), &["files", "list", "--local"])
        })
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: RUST_LOG \"aymara=loud\": "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_logs_are_colored_unless_no_color_and_never_garble_the_progress_bar() {
    let dir = tempfile::tempdir().unwrap();
    many_files(dir.path(), 40);
    write_file(dir.path(), "set/big.bin", &vec![7; 4 << 20]);
    let args = [&["-vv"][..], &LOCAL_UPLOAD].concat();
    let colored = output_on_terminal(AYMARA.command(&invocation("", dir.path(), &args))).await;
    let mut plain = AYMARA.command(&invocation("", dir.path(), &args));
    plain.env("NO_COLOR", "1");
    let plain = output_on_terminal(plain).await;
    for run in [&colored, &plain] {
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.starts_with("Uploaded 41 of 41 files"),
            "{}",
            run.stdout
        );
        assert!(!run.stderr.contains(KEY) && !run.stderr.contains("X-Amz-Signature"));
    }
    assert!(has_colors(&colored.stderr), "{:?}", colored.stderr);
    assert!(!has_colors(&plain.stderr), "NO_COLOR: {:?}", plain.stderr);
    // Each log line starts a line of its own: the bar is cleared (`\r`, then erased) before
    // it, never left in front of it.
    let segments: Vec<String> = strip_controls(&plain.stderr)
        .split(['\r', '\n'])
        .map(str::to_owned)
        .collect();
    let logs: Vec<&String> = segments.iter().filter(|s| s.contains(" DEBUG ")).collect();
    assert!(logs.len() >= 42, "{segments:#?}");
    for line in logs {
        assert!(
            line.starts_with("20"),
            "a log line after other text: {line:?}"
        );
    }

    // -q draws no bar even on a terminal.
    let quiet = [&["-q"][..], &LOCAL_UPLOAD].concat();
    let run = output_on_terminal(AYMARA.command(&invocation("", dir.path(), &quiet))).await;
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
}

/// `text` without its escape sequences (`ESC [ params letter`).
fn strip_controls(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find(|c: char| c.is_ascii_alphabetic())
            .map_or(after.len(), |i| i + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}
