//! Serde types for Graph API resources, one file per resource.

mod audience;
pub(crate) mod page;
mod upload;

pub use audience::{CustomAudience, CustomerFileSource, NewAudience, StatusInfo};
pub use page::Page;
pub use upload::{InvalidSample, UploadResponse};
