//! [`VecSource`]: a [`Source`] over records held in memory, for tests, benches and demos.

use async_trait::async_trait;
use serde::Serialize;

use crate::cursor::Cursor;
use crate::error::StageError;
use crate::source::{Source, SourceOrder, SourceRecord};

/// Serves records from memory in batches, like a paged API would: `start(after)` selects the
/// records whose cursor is greater than `after`; sorted sources serve them in cursor order,
/// unsorted ones in the order given.
#[derive(Debug, Clone)]
pub struct VecSource<R, C> {
    records: Vec<SourceRecord<R, C>>,
    order: SourceOrder,
    batch_size: usize,
    selected: Vec<usize>,
    position: usize,
}

impl<R: Clone, C: Cursor> VecSource<R, C> {
    /// A source over `records`, serving `batch_size` at a time.
    pub fn new(records: Vec<SourceRecord<R, C>>, order: SourceOrder, batch_size: usize) -> Self {
        let mut records = records;
        if order == SourceOrder::Sorted {
            records.sort_by(|a, b| a.cursor.cmp(&b.cursor));
        }
        VecSource {
            records,
            order,
            batch_size: batch_size.max(1),
            selected: Vec::new(),
            position: 0,
        }
    }

    /// Add a record (as if it were created upstream during or between runs).
    pub fn push(&mut self, record: SourceRecord<R, C>) {
        self.records.push(record);
        if self.order == SourceOrder::Sorted {
            self.records.sort_by(|a, b| a.cursor.cmp(&b.cursor));
        }
    }

    /// All records, in serving order.
    pub fn records(&self) -> &[SourceRecord<R, C>] {
        &self.records
    }
}

#[async_trait]
impl<R, C> Source for VecSource<R, C>
where
    R: Serialize + Clone + Send + Sync + 'static,
    C: Cursor,
{
    type Record = R;
    type Cursor = C;

    fn order(&self) -> SourceOrder {
        self.order
    }

    async fn start(&mut self, after: Option<C>) -> Result<(), StageError> {
        self.selected = (0..self.records.len())
            .filter(|&i| after.as_ref().is_none_or(|a| self.records[i].cursor > *a))
            .collect();
        self.position = 0;
        Ok(())
    }

    async fn next_batch(&mut self) -> Result<Option<Vec<SourceRecord<R, C>>>, StageError> {
        if self.position >= self.selected.len() {
            return Ok(None);
        }
        let end = (self.position + self.batch_size).min(self.selected.len());
        let batch = self.selected[self.position..end]
            .iter()
            .map(|&i| self.records[i].clone())
            .collect();
        self.position = end;
        Ok(Some(batch))
    }
}
