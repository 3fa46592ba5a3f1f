//! Ctrl-C: the first stops the upload gracefully, the second at once.

use aymara::UploadControl;

/// Waits for Ctrl-C: the first lets transfers in flight finish and starts nothing new, the
/// second stops everything. Either way the report is still written.
pub async fn stop_on_ctrl_c(control: UploadControl) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    eprintln!("Stopping: finishing the transfers in flight (Ctrl-C again to stop at once)");
    control.cancel();
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("Stopping now");
        control.stop();
    }
}
