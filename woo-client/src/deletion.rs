//! [`Deletion`]: what a `DELETE` did, with "already gone" told apart from an error, because a
//! retried delete whose first attempt worked finds the record gone.

use serde::de::DeserializeOwned;
use sync_core::http::ApiRequest;

use crate::client::Client;
use crate::error::{ApiError, Error};

/// What a delete request did.
#[derive(Debug, Clone, PartialEq)]
pub enum Deletion<T> {
    /// The record was moved to the trash (or deleted for good with `force`): its last state.
    Deleted(Box<T>),
    /// The record was already in the trash (or, with `force`, already deleted), typically
    /// because a retried request's first attempt had done it. WooCommerce's answer is kept.
    AlreadyGone(ApiError),
}

impl<T> Deletion<T> {
    /// The deleted record, unless it was already gone.
    pub fn record(&self) -> Option<&T> {
        match self {
            Deletion::Deleted(record) => Some(record),
            Deletion::AlreadyGone(_) => None,
        }
    }

    /// `true` when this request found the record already trashed or deleted.
    pub fn was_already_gone(&self) -> bool {
        matches!(self, Deletion::AlreadyGone(_))
    }
}

/// WooCommerce's answers that mean "already where you wanted it": `410
/// woocommerce_rest_already_trashed` when trashing, `404 …_invalid_id` when deleting for good.
fn already_gone(status: u16, code: &str, force: bool) -> bool {
    if force {
        status == 404 && code.ends_with("_invalid_id")
    } else {
        status == 410 && code == "woocommerce_rest_already_trashed"
    }
}

/// `DELETE <path>?force=<force>` (plus `extra` parameters), retried like any idempotent
/// request. A `404` without `force` stays an error: trashing never makes a record disappear,
/// so it means a wrong id.
pub(crate) async fn delete<T: DeserializeOwned>(
    client: &Client,
    operation: &'static str,
    path: &str,
    force: bool,
    extra: &[(&str, String)],
) -> Result<Deletion<T>, Error> {
    let request = ApiRequest::<T>::delete(operation, path)
        .query("force", force)
        .query_pairs(extra.iter().map(|(name, value)| (name.to_string(), value)));
    let result = client.send(request).await;
    match result {
        Ok(record) => Ok(Deletion::Deleted(Box::new(record))),
        Err(Error::Api { status, body, .. })
            if already_gone(status.as_u16(), &body.code, force) =>
        {
            Ok(Deletion::AlreadyGone(body))
        }
        Err(e) => Err(e),
    }
}
