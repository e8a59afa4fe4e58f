//! [`FieldCache`]: the account's custom field list, kept per client.

use std::sync::{Arc, Mutex};

use crate::models::Field;

/// The account's field list, loaded once and reloaded when a name is not found (a field
/// created after the first load). The async mutex makes concurrent loads a single request.
#[derive(Debug, Default)]
pub(crate) struct FieldCache {
    fields: Mutex<Option<Arc<Vec<Field>>>>,
    pub(crate) loading: tokio::sync::Mutex<()>,
}

impl FieldCache {
    pub(crate) fn current(&self) -> Option<Arc<Vec<Field>>> {
        self.fields
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn store(&self, fields: Vec<Field>) -> Arc<Vec<Field>> {
        let fields = Arc::new(fields);
        *self.fields.lock().unwrap_or_else(|e| e.into_inner()) = Some(fields.clone());
        fields
    }
}
