//! Audience CRUD: create, get, list (page or stream) and delete customer-file audiences.

use futures_core::Stream;
use serde::Deserialize;
use sync_core::http::reqwest::Method;

use crate::client::{Body, Client};
use crate::error::Error;
use crate::models::page::RawPage;
use crate::models::{CustomAudience, NewAudience, Page};
use crate::normalize::Normalizer;
use crate::schema::Schema;
use crate::users::{Upload, UploadMode};

/// An ad account (`act_<id>`).
#[derive(Debug, Clone)]
pub struct AdAccount {
    client: Client,
    id: String,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

impl AdAccount {
    pub(crate) fn new(client: Client, id: &str) -> AdAccount {
        let digits = id.trim().trim_start_matches("act_");
        AdAccount {
            client,
            id: format!("act_{digits}"),
        }
    }

    /// `act_<id>`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Creates a customer-file audience (`POST /act_<id>/customaudiences`) and returns its id.
    /// Not retried on transport errors: a retry could create a second audience.
    pub async fn create_audience(&self, audience: &NewAudience) -> Result<String, Error> {
        let body =
            serde_json::to_string(audience).map_err(|e| Error::Config(format!("audience: {e}")))?;
        let created: Created = self
            .client
            .call(
                "audiences.create",
                Method::POST,
                &format!("{}/customaudiences", self.id),
                &[],
                Some(Body::Json(body)),
                false,
            )
            .await?;
        Ok(created.id)
    }

    /// One page of the account's audiences (`limit` up to 500), starting after `cursor`.
    pub async fn audiences_page(
        &self,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<CustomAudience>, Error> {
        let limit = limit.clamp(1, 500).to_string();
        let mut query = vec![
            ("fields", CustomAudience::DEFAULT_FIELDS),
            ("limit", limit.as_str()),
        ];
        if let Some(c) = cursor {
            query.push(("after", c));
        }
        let raw: RawPage<CustomAudience> = self
            .client
            .call(
                "audiences.list",
                Method::GET,
                &format!("{}/customaudiences", self.id),
                &query,
                None,
                true,
            )
            .await?;
        Ok(raw.into())
    }

    /// Every audience of the account, fetched page by page as the stream is read.
    pub fn audiences(&self) -> impl Stream<Item = Result<CustomAudience, Error>> + Send + '_ {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        stream::try_unfold(Some(None::<String>), move |state| async move {
            let Some(cursor) = state else {
                return Ok(None);
            };
            let page = self.audiences_page(100, cursor.as_deref()).await?;
            let next = page.next_cursor.map(Some);
            Ok(Some((stream::iter(page.items.into_iter().map(Ok)), next)))
        })
        .try_flatten()
        .boxed()
    }
}

/// An existing audience.
#[derive(Debug, Clone)]
pub struct AudienceRef {
    client: Client,
    id: String,
}

#[derive(Deserialize)]
struct Deleted {
    #[serde(default)]
    success: bool,
}

impl AudienceRef {
    pub(crate) fn new(client: Client, id: String) -> AudienceRef {
        AudienceRef { client, id }
    }

    /// The audience id.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Reads the audience with [`CustomAudience::DEFAULT_FIELDS`].
    pub async fn get(&self) -> Result<CustomAudience, Error> {
        self.client
            .call(
                "audiences.get",
                Method::GET,
                &self.id,
                &[("fields", CustomAudience::DEFAULT_FIELDS)],
                None,
                true,
            )
            .await
    }

    /// Deletes the audience. Returns `true` when Meta confirms.
    pub async fn delete(&self) -> Result<bool, Error> {
        let d: Deleted = self
            .client
            .call(
                "audiences.delete",
                Method::DELETE,
                &self.id,
                &[],
                None,
                true,
            )
            .await?;
        Ok(d.success)
    }

    /// Adds people (`POST /{id}/users`), normalizing and hashing each row on the way.
    pub fn add_users(&self, schema: Schema, normalizer: Normalizer) -> Upload {
        Upload::new(self.clone(), UploadMode::Add, schema, normalizer)
    }

    /// Removes people (`DELETE /{id}/users`).
    pub fn remove_users(&self, schema: Schema, normalizer: Normalizer) -> Upload {
        Upload::new(self.clone(), UploadMode::Remove, schema, normalizer)
    }

    /// Replaces everyone in the audience (`POST /{id}/usersreplace`) within one session, without
    /// resetting the ad sets' learning phase.
    pub fn replace_users(&self, schema: Schema, normalizer: Normalizer) -> Upload {
        Upload::new(self.clone(), UploadMode::Replace, schema, normalizer)
    }
}
