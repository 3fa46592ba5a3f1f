//! Ctrl-C: the first stops the upload gracefully, the second at once.

use std::time::Duration;

use aymara::UploadControl;

/// How long transfers in flight get to finish after the first Ctrl-C before they are
/// stopped anyway.
pub const GRACE: Duration = Duration::from_secs(60);

/// Waits for Ctrl-C: the first lets transfers in flight finish (for up to [`GRACE`]) and
/// starts nothing new, the second stops everything. Either way the report is still
/// written, and every file stored is in the journal already.
pub async fn stop_on_ctrl_c(control: UploadControl) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    eprintln!(
        "Stopping: finishing the transfers in flight, for up to {} s (Ctrl-C again to stop at once)",
        GRACE.as_secs()
    );
    control.cancel();
    tokio::select! {
        again = tokio::signal::ctrl_c() => {
            if again.is_ok() {
                eprintln!("Stopping now");
                control.stop();
            }
        }
        () = tokio::time::sleep(GRACE) => {
            eprintln!("Stopping now: transfers in flight did not finish in {} s", GRACE.as_secs());
            control.stop();
        }
    }
}
