//! Tags: find by name, create when missing (cached, safe under concurrency), add to and
//! remove from contacts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use serde::{Deserialize, Serialize};
use sync_core::http::reqwest::Method;
use tokio::sync::OnceCell;

use crate::client::{Call, Client};
use crate::contacts::MAX_PAGE_SIZE;
use crate::error::{Error, Result};
use crate::models::{ContactTag, Meta, Page, Tag};

/// Tag name → id, filled on first use. One [`OnceCell`] per name makes concurrent callers of
/// [`Tags::ensure`] for the same name wait for a single lookup-or-create instead of racing to
/// create duplicates.
///
/// Tags belong to the account, not to a client, so every client of one account in the process
/// gets the same cache from [`TagCache::shared`]; otherwise two separately built clients could
/// both miss the tag and both create it.
#[derive(Debug, Default)]
pub(crate) struct TagCache {
    ids: Mutex<HashMap<String, Arc<OnceCell<i64>>>>,
}

/// Account key → that account's cache. Weak, so an account's cache goes away with its last
/// client.
fn registry() -> &'static Mutex<HashMap<String, Weak<TagCache>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<TagCache>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl TagCache {
    /// The process-wide cache of the account `account_key` (the key the rate limit uses).
    pub(crate) fn shared(account_key: &str) -> Arc<TagCache> {
        let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = map.get(account_key).and_then(Weak::upgrade) {
            return existing;
        }
        map.retain(|_, cache| cache.strong_count() > 0);
        let cache = Arc::new(TagCache::default());
        map.insert(account_key.to_string(), Arc::downgrade(&cache));
        cache
    }

    fn cell(&self, name: &str) -> Arc<OnceCell<i64>> {
        let key = name.trim().to_lowercase();
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        ids.entry(key).or_default().clone()
    }

    fn forget(&self, name: &str) {
        let key = name.trim().to_lowercase();
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    meta: Meta,
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

    /// One page of tags whose name contains `search` (`GET /tags?search=`).
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn search(&self, search: &str, offset: u64) -> Result<Page<Tag>> {
        let call = Call::get("tags.search", "tags")
            .query("search", search)
            .query("limit", MAX_PAGE_SIZE)
            .query("offset", offset);
        let list: TagList = self.client.call(call).await?;
        Ok(Page {
            items: list.tags,
            total: list.meta.total,
            offset,
            limit: MAX_PAGE_SIZE,
        })
    }

    /// The tag named `name` (case-insensitive), if it exists. The API's search matches
    /// substrings, so this pages through the matches until it finds the exact name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty name; transport and API errors.
    pub async fn find(&self, name: &str) -> Result<Option<Tag>> {
        let name = check_name(name)?;
        let mut offset = 0;
        loop {
            let page = self.search(name, offset).await?;
            if let Some(tag) = page.items.iter().find(|t| t.is_named(name)) {
                return Ok(Some(tag.clone()));
            }
            match page.next_offset() {
                Some(next) => offset = next,
                None => return Ok(None),
            }
        }
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
        let call = Call::write("tags.create", Method::POST, "tags", false, &body)?;
        let one: OneTag = self.client.call(call).await?;
        Ok(one.tag)
    }

    /// The id of the tag named `name`, creating the tag when it does not exist.
    ///
    /// Ids are cached per account: every client of the account in this process (clones and
    /// separately built clients with the same [account key](crate::ClientBuilder::account_key))
    /// shares one cache. Concurrent calls for one name make one lookup and at most one create
    /// between them. If another process created the tag first
    /// and ActiveCampaign refuses ours as a duplicate, the existing tag is looked up again.
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
                    Err(e) if e.is_duplicate() || e.status() == Some(422) => {
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
        let call = Call::write(
            "tags.add_to_contact",
            Method::POST,
            "contactTags",
            true,
            &body,
        )?;
        match self.client.call::<OneContactTag>(call).await {
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
        self.client
            .send(Call::delete(
                "tags.remove_from_contact",
                format!("contactTags/{contact_tag_id}"),
            ))
            .await
            .map(|_| ())
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
