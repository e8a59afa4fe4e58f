//! Test support for canary tests (feature `testing`): prove that no secret reaches an error,
//! a log line or a dead letter.
//!
//! * [`LogCapture`] records every `tracing` event (TRACE and up) of the current thread;
//! * [`EchoResponder`] is a `wiremock` responder that answers with the request echoed back,
//!   the way a careless server puts credentials into its error bodies;
//! * [`LeakCheck`] collects texts and reports every canary secret found in them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use sync_core::http::{HttpExecutor, RequestMeta};
//! use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
//! use wiremock::{Mock, MockServer, matchers::any};
//!
//! let server = MockServer::start().await;
//! Mock::given(any())
//!     .respond_with(EchoResponder::new(401, EchoShape::JsonMessage))
//!     .mount(&server)
//!     .await;
//!
//! let token = "EAAB-canary-token-0123456789";
//! let logs = LogCapture::install();
//! let exec = HttpExecutor::builder("example").build().unwrap();
//! exec.redactor().add_value(token);
//! let url = format!("{}/me?access_token={token}", server.uri());
//! let error = exec
//!     .send(RequestMeta::idempotent("me.get"), |http| http.get(&url).build())
//!     .await
//!     .unwrap_err();
//!
//! let mut check = LeakCheck::new([token]);
//! check.record_error("401 echo", &error);
//! check.record("logs", logs.contents());
//! check.assert_none();
//! # }
//! ```

mod echo;
mod leak_check;
mod log_capture;

pub use echo::{EchoResponder, EchoShape};
pub use leak_check::LeakCheck;
pub use log_capture::LogCapture;
