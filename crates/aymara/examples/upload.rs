//! Uploads the files named on the command line and prints one line per outcome.
//!
//! ```sh
//! AYMARA_AI_API_KEY=... cargo run -p aymara --example upload -- data/*.csv
//! # against a local emulator:
//! AYMARA_AI_BASE_URL=http://127.0.0.1:8080 AYMARA_AI_API_KEY=local \
//!     cargo run -p aymara --example upload -- examples/data/prompts.csv
//! ```

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: upload <PATH>...");
        return ExitCode::from(2);
    }
    let client = match aymara::Client::from_env() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let report = match client
        .files()
        .upload(&paths, aymara::UploadOptions::new())
        .await
    {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for outcome in report.outcomes() {
        let path = aymara_text::path(outcome.path());
        match outcome.kind() {
            aymara::OutcomeKind::Uploaded(file) => println!(
                "{path} -> {} ({} bytes)",
                file.file_uuid(),
                file.size_bytes()
            ),
            aymara::OutcomeKind::Failed(error) => eprintln!("{path}: {error}"),
            _ => eprintln!("{path}: not uploaded"),
        }
    }
    if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
