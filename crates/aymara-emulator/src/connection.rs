//! What a handler may do to the connection it is answered on.

use std::sync::Arc;

use tokio::sync::Notify;

/// Given to every request on a connection: lets a handler ask for that connection to be
/// reset, which is how the PUT reset fault cuts a body off mid-stream.
#[derive(Clone, Default)]
pub(crate) struct ConnectionHandle {
    reset: Arc<Notify>,
}

impl ConnectionHandle {
    /// The connection task drops the connection with `SO_LINGER` 0, so the peer gets a RST.
    pub(crate) fn reset(&self) {
        self.reset.notify_one();
    }

    /// Completes once a handler asked for a reset.
    pub(crate) async fn reset_requested(&self) {
        self.reset.notified().await;
    }
}
