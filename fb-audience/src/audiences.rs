//! Audience CRUD: create, get, list (page or stream) and delete customer-file audiences.

use futures_core::Stream;
use serde::Deserialize;
use sync_core::http::ApiRequest;

use crate::client::{Client, ad_account_id};
use crate::error::Error;
use crate::models::page::{GraphCursor, RawPage};
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
        AdAccount {
            client,
            id: ad_account_id(id),
        }
    }

    /// `act_<id>`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Creates a customer-file audience (`POST /act_<id>/customaudiences`) and returns its id.
    /// Not retried on transport errors: a retry could create a second audience.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use fb_audience::{Client, Credentials, CustomerFileSource, NewAudience};
    /// # let server = wiremock::MockServer::start().await;
    /// # wiremock::Mock::given(wiremock::matchers::path("/v25.0/act_1234/customaudiences"))
    /// #     .respond_with(wiremock::ResponseTemplate::new(200)
    /// #         .set_body_json(serde_json::json!({"id": "23850000000001"})))
    /// #     .mount(&server).await;
    ///
    /// let client = Client::builder()
    ///     .credentials(Credentials::new("EAAB…"))
    /// #   .base_url(server.uri())
    ///     .build()?;
    /// let id = client
    ///     .ad_account("1234")
    ///     .create_audience(&NewAudience::new("Shop customers", CustomerFileSource::UserProvidedOnly))
    ///     .await?;
    /// assert_eq!(id, "23850000000001");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_audience(&self, audience: &NewAudience) -> Result<String, Error> {
        let request =
            ApiRequest::<Created>::post("audiences.create", format!("{}/customaudiences", self.id))
                .json(audience)
                .map_err(|e| Error::config("audience", e.to_string()))?;
        Ok(self.client.api().send(request).await?.id)
    }

    /// The request for one page of the account's audiences (`limit` 1 to 500).
    fn list_request(&self, limit: u32) -> ApiRequest<RawPage<CustomAudience>> {
        ApiRequest::get("audiences.list", format!("{}/customaudiences", self.id))
            .query("fields", CustomAudience::DEFAULT_FIELDS)
            .query("limit", limit.clamp(1, 500))
    }

    /// One page of the account's audiences (`limit` up to 500), starting after `cursor`.
    pub async fn audiences_page(
        &self,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<CustomAudience>, Error> {
        let mut request = self.list_request(limit);
        if let Some(cursor) = cursor {
            request = request.query("after", cursor);
        }
        Ok(self.client.api().send(request).await?.into())
    }

    /// Every audience of the account, fetched page by page (100 a page) as the stream is
    /// read, following Graph's cursors with sync-core's paginator (which stops a server that
    /// repeats a page).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::TryStreamExt;
    /// use fb_audience::{Client, Credentials};
    /// # let server = wiremock::MockServer::start().await;
    /// # wiremock::Mock::given(wiremock::matchers::query_param("after", "QVFIU"))
    /// #     .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "data": [{"id": "23850000000002", "name": "Lapsed buyers"}],
    /// #         "paging": {"cursors": {"before": "QVFIY", "after": "QVFIZ"}}})))
    /// #     .mount(&server).await;
    /// # wiremock::Mock::given(wiremock::matchers::path("/v25.0/act_1234/customaudiences"))
    /// #     .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "data": [{"id": "23850000000001", "name": "Shop customers"}],
    /// #         "paging": {"cursors": {"before": "QVFIX", "after": "QVFIU"},
    /// #                    "next": "https://graph.facebook.com/v25.0/act_1234/customaudiences?after=QVFIU"}})))
    /// #     .mount(&server).await;
    ///
    /// let client = Client::builder()
    ///     .credentials(Credentials::new("EAAB…"))
    /// #   .base_url(server.uri())
    ///     .build()?;
    /// let names: Vec<String> = client
    ///     .ad_account("act_1234")
    ///     .audiences()
    ///     .map_ok(|a| a.name.unwrap_or_default())
    ///     .try_collect()
    ///     .await?;
    /// assert_eq!(names, ["Shop customers", "Lapsed buyers"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn audiences(&self) -> impl Stream<Item = Result<CustomAudience, Error>> + Send + 'static {
        let rule = GraphCursor::new(self.list_request(100), |a: &CustomAudience| a.id.clone());
        self.client.api().items(rule)
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use fb_audience::{Client, Credentials};
    /// # let server = wiremock::MockServer::start().await;
    /// # wiremock::Mock::given(wiremock::matchers::path("/v25.0/23850000000001"))
    /// #     .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "id": "23850000000001", "name": "Shop customers",
    /// #         "approximate_count_lower_bound": 1000, "approximate_count_upper_bound": 1200})))
    /// #     .mount(&server).await;
    ///
    /// let client = Client::builder()
    ///     .credentials(Credentials::new("EAAB…"))
    /// #   .base_url(server.uri())
    ///     .build()?;
    /// let audience = client.audience("23850000000001").get().await?;
    /// assert_eq!(audience.name.as_deref(), Some("Shop customers"));
    /// assert_eq!(audience.approximate_count_lower_bound, Some(1000));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<CustomAudience, Error> {
        let request = ApiRequest::get("audiences.get", self.id.clone())
            .query("fields", CustomAudience::DEFAULT_FIELDS);
        self.client.api().send(request).await
    }

    /// Deletes the audience. Returns `true` when Meta confirms.
    pub async fn delete(&self) -> Result<bool, Error> {
        let request = ApiRequest::<Deleted>::delete("audiences.delete", self.id.clone());
        Ok(self.client.api().send(request).await?.success)
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use fb_audience::{Client, CountryCode, Credentials, Normalizer};
    /// # let server = wiremock::MockServer::start().await;
    /// # wiremock::Mock::given(wiremock::matchers::path("/v25.0/23850000000001/usersreplace"))
    /// #     .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "audience_id": "23850000000001", "session_id": "1", "num_received": 2,
    /// #         "num_invalid_entries": 0, "invalid_entry_samples": {}})))
    /// #     .mount(&server).await;
    ///
    /// let client = Client::builder()
    ///     .credentials(Credentials::new("EAAB…").with_app_secret("…"))
    /// #   .base_url(server.uri())
    ///     .build()?;
    /// let normalizer = Normalizer::builder().default_country(CountryCode::US).build();
    ///
    /// // Any iterator (or, with run_stream, stream) of rows; one batch (≤ 10,000 rows) is held.
    /// let rows = vec![
    ///     vec!["mary@example.com", "(650) 555-1212"],
    ///     vec!["john_smith@gmail.com", ""],
    /// ];
    /// let report = client
    ///     .audience("23850000000001")
    ///     .replace_users("EMAIL,PHONE".parse()?, normalizer)
    ///     .estimated_total(2)
    ///     .run(rows)
    ///     .await?;
    /// assert_eq!(report.rows_sent, 2);
    /// assert_eq!(report.num_received, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn replace_users(&self, schema: Schema, normalizer: Normalizer) -> Upload {
        Upload::new(self.clone(), UploadMode::Replace, schema, normalizer)
    }
}
