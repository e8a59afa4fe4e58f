//! `/healthz` for axum: the runner's [`Health`] as JSON, `200` when ok, `503` when not.

use ::axum::http::StatusCode;
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::MethodRouter;

use super::{Health, HealthReport};

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
