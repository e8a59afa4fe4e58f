//! Tags: find by name, create when missing (cached, safe under concurrency), add to and
//! remove from contacts.

use futures_core::Stream;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sync_core::http::ApiRequest;
use sync_core::http::ClientError;
use sync_core::http::reqwest::StatusCode;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::models::{ContactTag, Meta, Tag};
use crate::paging::{ListBody, OffsetPages};

/// `GET /tags`: one page of tags.
#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    meta: Meta,
}

impl ListBody for TagList {
    type Item = Tag;

    fn into_parts(self) -> (Vec<Tag>, Meta) {
        (self.tags, self.meta)
    }

    fn key(tag: &Tag) -> Option<String> {
        Some(tag.id.to_string())
    }
}

#[derive(Deserialize)]
struct OneTag {
    tag: Tag,
}

#[derive(Deserialize)]
struct OneContactTag {
    #[serde(rename = "contactTag")]
    contact_tag: ContactTag,
}

#[derive(Serialize)]
struct NewTag<'a> {
    tag: NewTagBody<'a>,
}

#[derive(Serialize)]
struct NewTagBody<'a> {
    tag: &'a str,
    #[serde(rename = "tagType")]
    tag_type: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
struct NewContactTag {
    #[serde(rename = "contactTag")]
    contact_tag: NewContactTagBody,
}

#[derive(Serialize)]
struct NewContactTagBody {
    contact: i64,
    tag: i64,
}

fn check_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::InvalidInput {
            field: "tag",
            message: "a tag name cannot be empty".into(),
        });
    }
    Ok(name)
}

/// Tag requests. Get it from [`Client::tags`].
#[derive(Debug, Clone, Copy)]
pub struct Tags<'c> {
    client: &'c Client,
}

impl<'c> Tags<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Tags { client }
    }

    /// Every tag whose name contains `search` (`GET /tags?search=`), page by page as a
    /// stream; dropping it stops the requests.
    pub fn search(&self, search: &str) -> impl Stream<Item = Result<Tag>> + Send + 'static {
        let request = ApiRequest::get("tags.search", "tags").query("search", search);
        self.client
            .api()
            .items(OffsetPages::<TagList>::new(request))
    }

    /// The tag named `name` (case-insensitive), if it exists. The API's search matches
    /// substrings, so this pages through the matches until it finds the exact name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name; transport and API errors.
    pub async fn find(&self, name: &str) -> Result<Option<Tag>> {
        let name = check_name(name)?;
        let mut matches = std::pin::pin!(self.search(name));
        while let Some(tag) = matches.try_next().await? {
            if tag.is_named(name) {
                return Ok(Some(tag));
            }
        }
        Ok(None)
    }

    /// Create a contact tag (`POST /tags`). Prefer [`ensure`](Self::ensure), which does not
    /// create duplicates.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name; transport and API errors.
    pub async fn create(&self, name: &str, description: &str) -> Result<Tag> {
        let name = check_name(name)?;
        let body = NewTag {
            tag: NewTagBody {
                tag: name,
                tag_type: "contact",
                description,
            },
        };
        let request = ApiRequest::<OneTag>::post("tags.create", "tags")
            .json(&body)
            .map_err(Error::encoding)?;
        Ok(self.client.send(request).await?.tag)
    }

    /// The id of the tag named `name`, creating the tag when it does not exist.
    ///
    /// Ids are cached per account: every client of the account in this process (clones and
    /// separately built clients with the same [account key](crate::ClientBuilder::account_key))
    /// shares one cache. Concurrent calls for one name make one lookup and at most one create
    /// between them. If another process created the tag first
    /// and ActiveCampaign refuses ours as a duplicate, the existing tag is looked up again.
    ///
    /// ```
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ac_client::Error> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("GET")).and(path("/api/3/tags"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "tags": [], "meta": {"total": "0"}})))
    /// #     .expect(1).mount(&server).await;
    /// # Mock::given(method("POST")).and(path("/api/3/tags"))
    /// #     .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
    /// #         "tag": {"id": "77", "tag": "vip", "tagType": "contact", "description": ""}})))
    /// #     .expect(1).mount(&server).await;
    /// # let client = ac_client::Client::builder(server.uri())
    /// #     .credentials(ac_client::ApiToken::new("my-key")).build()?;
    /// // Looked up, created because it is missing, then served from the cache.
    /// assert_eq!(client.tags().ensure("vip").await?, 77);
    /// assert_eq!(client.tags().ensure("VIP").await?, 77);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name; transport and API errors (nothing is cached
    /// then, so the next call tries again).
    pub async fn ensure(&self, name: &str) -> Result<i64> {
        let name = check_name(name)?;
        let cell = self.client.tag_cache().cell(name);
        let id = cell
            .get_or_try_init(|| async {
                if let Some(tag) = self.find(name).await? {
                    return Ok::<i64, Error>(tag.id);
                }
                match self.create(name, "").await {
                    Ok(tag) => Ok(tag.id),
                    Err(e)
                        if e.is_duplicate()
                            || e.status() == Some(StatusCode::UNPROCESSABLE_ENTITY) =>
                    {
                        match self.find(name).await? {
                            Some(tag) => Ok(tag.id),
                            None => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(*id)
    }

    /// Forget a cached tag id (for example after deleting the tag in the UI).
    pub fn forget(&self, name: &str) {
        self.client.tag_cache().forget(name);
    }

    /// Add a tag to a contact (`POST /contactTags`). Adding a tag the contact already has is
    /// not an error: the existing contact-tag is returned.
    ///
    /// # Errors
    /// [`Error::is_not_found`] when the contact or tag does not exist; transport and API errors.
    pub async fn add_to_contact(&self, contact_id: i64, tag_id: i64) -> Result<ContactTag> {
        let body = NewContactTag {
            contact_tag: NewContactTagBody {
                contact: contact_id,
                tag: tag_id,
            },
        };
        // Repeating this request is harmless (a second add is a no-op or a duplicate error).
        let request = ApiRequest::<OneContactTag>::post("tags.add_to_contact", "contactTags")
            .json(&body)
            .map_err(Error::encoding)?
            .idempotent(true);
        match self.client.send(request).await {
            Ok(one) => Ok(one.contact_tag),
            Err(e) if e.is_duplicate() => {
                let existing = self.client.contacts().contact_tags(contact_id).await?;
                existing.into_iter().find(|ct| ct.tag == tag_id).ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Remove a tag from a contact by the contact-tag id (`DELETE /contactTags/{id}`).
    ///
    /// # Errors
    /// [`Error::is_not_found`] when there is no such contact-tag.
    pub async fn remove_contact_tag(&self, contact_tag_id: i64) -> Result<()> {
        let request = ApiRequest::<()>::delete(
            "tags.remove_from_contact",
            format!("contactTags/{contact_tag_id}"),
        );
        self.client.send_raw(&request).await.map(|_| ())
    }

    /// Remove tag `tag_id` from a contact, looking up the contact-tag first. Returns `false`
    /// when the contact did not have the tag (nothing to do).
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn remove_from_contact(&self, contact_id: i64, tag_id: i64) -> Result<bool> {
        let tags = self.client.contacts().contact_tags(contact_id).await?;
        let mut removed = false;
        for ct in tags.into_iter().filter(|ct| ct.tag == tag_id) {
            match self.remove_contact_tag(ct.id).await {
                Ok(()) => removed = true,
                // Removed by someone else in the meantime: the outcome we wanted.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }
}
