use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// Which stream a watermark (or a dead letter) belongs to: (connector, stream, tenant).
///
/// `connector` names the integration (`woo-to-activecampaign`), `stream` the resource
/// (`orders`), `tenant` the shop or store (`shop.example.com`, `store:1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamKey {
    /// The integration.
    pub connector: String,
    /// The resource stream.
    pub stream: String,
    /// The shop, store or account.
    pub tenant: String,
}

impl StreamKey {
    /// A key from its three parts.
    pub fn new(
        connector: impl Into<String>,
        stream: impl Into<String>,
        tenant: impl Into<String>,
    ) -> Self {
        StreamKey {
            connector: connector.into(),
            stream: stream.into(),
            tenant: tenant.into(),
        }
    }
}

impl fmt::Display for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.connector, self.stream, self.tenant)
    }
}

/// Per-stream cursors with compare-and-set, so two workers can never both move one watermark.
#[async_trait]
pub trait WatermarkStore: Send + Sync + fmt::Debug {
    /// The stored cursor text, if any.
    async fn load(&self, key: &StreamKey) -> Result<Option<String>, StoreError>;

    /// Store `new` if the current value is `expected` (`None`: no value yet). Returns `false`,
    /// changing nothing, when another writer got there first.
    async fn compare_and_set(
        &self,
        key: &StreamKey,
        expected: Option<&str>,
        new: &str,
    ) -> Result<bool, StoreError>;
}
