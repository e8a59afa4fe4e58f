//! Serde types for ActiveCampaign v3 resources, one file per resource.
//!
//! Ids arrive as strings and are read as `i64`; counts likewise as `u64`. Every model keeps the
//! fields it does not name in `extra`, so a read-modify-write loses nothing.

pub mod bulk_import;
pub mod contact;
pub mod field;
pub mod list;
pub mod meta;
pub mod tag;

pub use bulk_import::{
    BulkCallback, BulkContact, BulkField, BulkImportAccepted, BulkImportInfo, BulkImportRequest,
    BulkImportStatus, BulkImportStatusList, BulkImportSummary, BulkList,
};
pub use contact::{Contact, ContactDetail, ContactInput, SyncedContact};
pub use field::{Field, FieldValue, FieldValueInput, FieldValueRecord};
pub use list::{ContactList, ListStatus};
pub use meta::Meta;
pub use tag::{ContactTag, Tag};
