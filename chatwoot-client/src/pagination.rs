//! Response envelopes and page walking: every list is available as one [`Page`] and as a
//! [`Stream`] of items.

use std::future::Future;

use futures_core::Stream;
use futures_util::{TryStreamExt, stream};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;
use crate::models::Page;
use crate::models::lenient;

/// `{"payload": T}`, the envelope of most single-resource answers.
#[derive(Deserialize)]
pub(crate) struct Payload<T> {
    pub(crate) payload: T,
}

/// `{"meta": {...}, "payload": [T]}`, the envelope of contact lists, searches and filters.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
pub(crate) struct MetaList<T> {
    #[serde(default)]
    pub(crate) meta: ListMeta,
    #[serde(deserialize_with = "lenient::null_default")]
    pub(crate) payload: Vec<T>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ListMeta {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub(crate) count: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub(crate) has_more: Option<bool>,
}

/// Decode either `{"payload": T}` or a bare `T` (some endpoints changed envelope across
/// Chatwoot versions).
pub(crate) fn payload_or_bare<T: DeserializeOwned>(
    operation: &'static str,
    value: Value,
) -> Result<T, Error> {
    let inner = match value {
        Value::Object(mut map) if map.contains_key("payload") && !map.contains_key("id") => {
            map.remove("payload").unwrap_or(Value::Null)
        }
        other => other,
    };
    let text = inner.to_string();
    sync_core::http::decode_json(text.as_bytes()).map_err(|e| Error::Decode {
        operation: operation.to_string(),
        path: e.path,
        message: e.message,
        // Redacted: inbox, user and bot bodies carry credentials.
        excerpt: crate::secrets::names_redactor().excerpt(text.as_bytes(), 200),
    })
}

/// Walk pages 1, 2, 3… until one is empty, the total is reached, or Chatwoot says there is no
/// more; yield the items one by one.
///
/// The stream counts items itself rather than trusting a page size, so an installation with a
/// different page size is still read to the end.
pub(crate) fn item_stream<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, Error>> + Send
where
    T: Send + 'static,
    F: FnMut(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send,
{
    struct Walk<F> {
        fetch: F,
        next: Option<u32>,
        seen: u64,
    }
    let walk = Walk {
        fetch,
        next: Some(1),
        seen: 0,
    };
    stream::try_unfold(walk, |mut walk| async move {
        let Some(page_no) = walk.next else {
            return Ok(None);
        };
        let page = (walk.fetch)(page_no).await?;
        walk.seen += page.items.len() as u64;
        let more = !page.items.is_empty()
            && match (page.explicit_has_more(), page.total_count) {
                (Some(flag), _) => flag,
                (None, Some(total)) => walk.seen < total,
                (None, None) => true,
            };
        walk.next = if more { page_no.checked_add(1) } else { None };
        Ok(Some((page.items, walk)))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok::<T, Error>)))
    .try_flatten()
}
