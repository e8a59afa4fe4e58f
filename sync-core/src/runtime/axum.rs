//! A service's HTTP side with axum: `/healthz` (the runner's [`Health`] as JSON, `200` when
//! ok, `503` when not), and [`serve`], which runs the router and the [`Runner`] together and
//! stops both gracefully.

use std::future::Future;

use ::axum::Router;
use ::axum::http::StatusCode;
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::MethodRouter;

use super::{Health, HealthReport, Runner, RunnerReport};

/// Serve `app` on `listener` and run `runner` until `shutdown` completes (see
/// [`shutdown_signal`](super::shutdown_signal)); then stop taking requests, let requests in flight finish, let the
/// runner finish the work it holds, and return its report.
///
/// # Errors
/// When the server fails (the listener's socket, not a request).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    runner: Runner,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<RunnerReport> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let server = tokio::spawn(
        ::axum::serve(listener, app)
            .with_graceful_shutdown(until_stopped(stopped.clone()))
            .into_future(),
    );
    let work = tokio::spawn(runner.run_until(until_stopped(stopped)));
    shutdown.await;
    let _ = stop.send(true);
    // Both are awaited whatever either did: the runner's drain must finish even when the
    // server failed.
    let (served, worked) = tokio::join!(server, work);
    let report = worked.map_err(std::io::Error::other)?;
    served.map_err(std::io::Error::other)??;
    Ok(report)
}

/// A `GET` route answering the [`HealthReport`]:
/// `Router::new().route("/healthz", healthz(runner.health()))`.
pub fn healthz<S: Clone + Send + Sync + 'static>(health: Health) -> MethodRouter<S> {
    ::axum::routing::get(move || {
        let health = health.clone();
        async move { health.report().await }
    })
}

impl IntoResponse for HealthReport {
    fn into_response(self) -> Response {
        let status = if self.ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        (status, ::axum::Json(self)).into_response()
    }
}
