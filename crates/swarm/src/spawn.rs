use std::{borrow::Cow, fmt::Display, future::Future};

use tracing::{debug, error, Instrument};

/// Spawns a long-lived task inside `span`. Its error, if any, is logged once, here, where
/// the task ends; callers need not (and should not) log it again.
pub fn spawn<E: Display + Send + 'static>(
    span: tracing::Span,
    name: impl Into<Cow<'static, str>>,
    fut: impl Future<Output = Result<(), E>> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    let name = name.into();
    tokio::spawn(
        async move {
            match fut.await {
                Ok(()) => debug!(task = %name, "task finished"),
                Err(e) => error!(task = %name, "task failed: {e}"),
            }
        }
        .instrument(span),
    )
}
