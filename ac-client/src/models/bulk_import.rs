//! The bulk contact importer (`/import/bulk_import`, `/import/info`).
//!
//! Documented limits (developers.activecampaign.com, "Bulk import contacts"): up to 250 contacts
//! per request, a payload under about 400 KB, 100 requests per minute for multi-contact requests
//! and 20 per minute for single-contact ones. Imports run asynchronously: the answer carries a
//! `batchId` whose outcome `GET /import/info?batchId=` reports.

use serde::{Deserialize, Serialize};

/// Most contacts one bulk import request may carry.
pub const MAX_CONTACTS_PER_IMPORT: usize = 250;

/// The payload size this crate keeps each bulk import under (the documented limit is just under
/// 400,000 bytes; we leave room for headers and rounding).
pub const MAX_IMPORT_PAYLOAD_BYTES: usize = 390_000;

/// One contact in a bulk import. Unlike `/contact/sync`, field names are snake_case, tags are
/// names (created when missing) and custom fields are `{id, value}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkContact {
    /// Email address (required; the contact's key).
    pub email: String,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_name: Option<String>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub phone: Option<String>,
    /// Account (company) name to associate.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customer_acct_name: Option<String>,
    /// Tag names to add.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<String>,
    /// Custom field values.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fields: Vec<BulkField>,
    /// Lists to subscribe the contact to.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub subscribe: Vec<BulkList>,
    /// Lists to unsubscribe the contact from.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub unsubscribe: Vec<BulkList>,
}

/// A custom field value in a bulk import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkField {
    /// The field id.
    pub id: i64,
    /// The value (see [`FieldValue`](super::FieldValue) for the per-type text forms).
    pub value: String,
}

/// A list reference in a bulk import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkList {
    /// The list id.
    pub listid: i64,
}

/// Where ActiveCampaign should report when an import finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkCallback {
    /// The URL to call.
    pub url: String,
    /// `POST` or `GET`.
    #[serde(rename = "requestType")]
    pub request_type: String,
    /// Ask for per-contact results in the callback (`"true"`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detailed_results: Option<String>,
    /// Fields this crate does not name (`params`, `headers`).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The body of `POST /import/bulk_import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkImportRequest {
    /// The contacts (at most [`MAX_CONTACTS_PER_IMPORT`]).
    pub contacts: Vec<BulkContact>,
    /// Completion callback.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub callback: Option<BulkCallback>,
    /// `true` to import without starting automations (faster; automations run by default).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exclude_automations: Option<bool>,
}

/// The answer to an accepted bulk import: the batch is queued, not yet processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkImportAccepted {
    /// The batch id to ask [`BulkImports::info`](crate::bulk_import::BulkImports::info) about.
    #[serde(rename = "batchId")]
    pub batch_id: String,
    /// How many contacts were queued.
    #[serde(with = "crate::wire::count", default)]
    pub queued_contacts: u64,
    /// Fields this crate does not name (`success`, `message`).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Where a bulk import batch stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BulkImportStatus {
    /// Received; processing has not begun (`waiting`).
    Waiting,
    /// Claimed by a worker; processing has not begun (`claimed`).
    Claimed,
    /// Being processed (`active`).
    Active,
    /// Finished (`completed`): see the success and failure lists.
    Completed,
    /// Failed and will not be retried by ActiveCampaign (`failed`).
    Failed,
    /// Interrupted by failures and will not be retried (`interrupted`).
    Interrupted,
    /// The API answered `false`: asked within about a second of the import, before a status was
    /// set. Ask again later.
    NotYetKnown,
    /// A status this crate does not know.
    Other(String),
}

impl BulkImportStatus {
    /// Whether the batch will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            BulkImportStatus::Completed | BulkImportStatus::Failed | BulkImportStatus::Interrupted
        )
    }

    /// The status text as the API writes it.
    pub fn as_str(&self) -> &str {
        match self {
            BulkImportStatus::Waiting => "waiting",
            BulkImportStatus::Claimed => "claimed",
            BulkImportStatus::Active => "active",
            BulkImportStatus::Completed => "completed",
            BulkImportStatus::Failed => "failed",
            BulkImportStatus::Interrupted => "interrupted",
            BulkImportStatus::NotYetKnown => "false",
            BulkImportStatus::Other(s) => s,
        }
    }
}

impl Serialize for BulkImportStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            BulkImportStatus::NotYetKnown => s.serialize_bool(false),
            other => s.serialize_str(other.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for BulkImportStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(match v {
            serde_json::Value::Bool(false) | serde_json::Value::Null => {
                BulkImportStatus::NotYetKnown
            }
            serde_json::Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "waiting" => BulkImportStatus::Waiting,
                "claimed" => BulkImportStatus::Claimed,
                "active" => BulkImportStatus::Active,
                "completed" => BulkImportStatus::Completed,
                "failed" => BulkImportStatus::Failed,
                "interrupted" => BulkImportStatus::Interrupted,
                _ => BulkImportStatus::Other(s),
            },
            other => BulkImportStatus::Other(other.to_string()),
        })
    }
}

/// `GET /import/info?batchId=`: one batch's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkImportInfo {
    /// Where the batch stands.
    pub status: BulkImportStatus,
    /// Ids of contacts the import newly created (updated contacts are not listed).
    #[serde(with = "crate::wire::id_list", default)]
    pub success: Vec<i64>,
    /// Emails of contacts that could not be imported.
    #[serde(default)]
    pub failure: Vec<String>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl BulkImportInfo {
    /// Whether `email` is in the failure list (compared case-insensitively, trimmed).
    pub fn failed(&self, email: &str) -> bool {
        let email = email.trim();
        self.failure
            .iter()
            .any(|f| f.trim().eq_ignore_ascii_case(email))
    }
}

/// One day's totals in the bulk import status list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkImportSummary {
    /// The day (`YYYY-MM-DD`).
    #[serde(rename = "forDate")]
    pub for_date: chrono::NaiveDate,
    /// Batches on that day.
    #[serde(with = "crate::wire::count", default)]
    pub batches: u64,
    /// Contacts in those batches.
    #[serde(with = "crate::wire::count", default)]
    pub contacts: u64,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `GET /import/bulk_import`: daily totals of outstanding and recently completed batches
/// (the last seven days).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkImportStatusList {
    /// Batches still being processed, per day.
    #[serde(default)]
    pub outstanding: Vec<BulkImportSummary>,
    /// Batches completed in the last seven days, per day.
    #[serde(rename = "recentlyCompleted", default)]
    pub recently_completed: Vec<BulkImportSummary>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_false_and_unknown() {
        let info: BulkImportInfo = serde_json::from_str(r#"{"status":false}"#).unwrap();
        assert_eq!(info.status, BulkImportStatus::NotYetKnown);
        assert!(!info.status.is_terminal());
        let info: BulkImportInfo = serde_json::from_str(
            r#"{"status":"completed","success":["123","124"],"failure":["Bad@Example.test"]}"#,
        )
        .unwrap();
        assert_eq!(info.success, vec![123, 124]);
        assert!(info.failed("bad@example.test"));
        assert!(info.status.is_terminal());
        let info: BulkImportInfo = serde_json::from_str(r#"{"status":"paused"}"#).unwrap();
        assert_eq!(info.status, BulkImportStatus::Other("paused".into()));
    }

    #[test]
    fn contact_serializes_snake_case_and_skips_empty() {
        let c = BulkContact {
            email: "a@b.test".into(),
            first_name: Some("Ada".into()),
            tags: vec!["vip".into()],
            fields: vec![BulkField {
                id: 3,
                value: "x".into(),
            }],
            subscribe: vec![BulkList { listid: 2 }],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"email":"a@b.test","first_name":"Ada","tags":["vip"],
                "fields":[{"id":3,"value":"x"}],"subscribe":[{"listid":2}]})
        );
    }
}
