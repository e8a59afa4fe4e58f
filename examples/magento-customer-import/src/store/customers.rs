//! Writing a batch of order effects: one transaction per batch (fenced by the lease), one
//! savepoint per order, so one failing order is rolled back and retried alone.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::lease::{LeaseToken, renew_on};
use super::{CustomerDb, DatabaseError};
use crate::flows::{
    CustomerEffect, CustomerRow, EmailKey, OrderEffect, OrderWithoutEmail, Purchase, PurchasePoint,
    apply_purchase,
};

/// What one order did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A new customer.
    Created,
    /// A returning customer, updated.
    Updated,
    /// The order was imported before (read again after a crash): nothing changed.
    AlreadyImported,
    /// No usable email: the order is recorded in `orders_without_email`.
    WithoutEmail,
}

/// Why a whole batch was not written.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Another run holds the website's lease now: this run must stop writing.
    #[error(
        "the lease of website {website:?} was lost (another run took it after it expired): \
         this run stops; nothing of the current batch was written"
    )]
    LeaseLost {
        /// The website.
        website: String,
    },
    /// The database failed for the whole batch.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn read_time(text: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn to_i64(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn read_point(row: &SqliteRow, prefix: &str) -> Result<PurchasePoint, sqlx::Error> {
    let at: String = row.try_get(format!("{prefix}_purchase_at").as_str())?;
    let id: i64 = row.try_get(format!("{prefix}_order_id").as_str())?;
    Ok(PurchasePoint {
        at: read_time(&at)?,
        order_id: u64::try_from(id).unwrap_or_default(),
        increment_id: row.try_get(format!("{prefix}_increment_id").as_str())?,
        product: row.try_get(format!("{prefix}_product").as_str())?,
    })
}

fn read_customer(row: &SqliteRow) -> Result<CustomerRow, sqlx::Error> {
    let name_at: Option<String> = row.try_get("name_from_at")?;
    let name_id: Option<i64> = row.try_get("name_from_order_id")?;
    let name_from = match (name_at, name_id) {
        (Some(at), Some(id)) => Some((read_time(&at)?, u64::try_from(id).unwrap_or_default())),
        _ => None,
    };
    let orders: i64 = row.try_get("orders")?;
    let account: Option<i64> = row.try_get("magento_customer_id")?;
    Ok(CustomerRow {
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        name_from,
        first: read_point(row, "first")?,
        last: read_point(row, "last")?,
        orders: u64::try_from(orders).unwrap_or_default(),
        magento_customer_id: account.and_then(|a| u64::try_from(a).ok()),
    })
}

impl CustomerDb {
    /// Write `effects` for `website` in one transaction, after checking that `lease` is still
    /// ours (and extending it). Each order gets its own answer: a failing order is rolled back
    /// to its savepoint and reported with the reason, the others are committed.
    pub async fn apply_batch(
        &self,
        website: &str,
        lease: &LeaseToken,
        effects: &[OrderEffect],
    ) -> Result<Vec<Result<Applied, String>>, BatchError> {
        let failed = |e| BatchError::Database(self.failed(e));
        // IMMEDIATE: take the write lock now, so the read-then-write per order cannot race
        // another writer.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(failed)?;
        if !renew_on(&mut *tx, lease).await.map_err(failed)? {
            return Err(BatchError::LeaseLost {
                website: website.to_string(),
            });
        }
        let mut results = Vec::with_capacity(effects.len());
        for effect in effects {
            sqlx::query("SAVEPOINT order_write")
                .execute(&mut *tx)
                .await
                .map_err(failed)?;
            match apply_one(&mut tx, website, effect).await {
                Ok(applied) => {
                    sqlx::query("RELEASE order_write")
                        .execute(&mut *tx)
                        .await
                        .map_err(failed)?;
                    results.push(Ok(applied));
                }
                Err(error) => {
                    sqlx::query("ROLLBACK TO order_write")
                        .execute(&mut *tx)
                        .await
                        .map_err(failed)?;
                    sqlx::query("RELEASE order_write")
                        .execute(&mut *tx)
                        .await
                        .map_err(failed)?;
                    results.push(Err(format!("writing the customer failed: {error}")));
                }
            }
        }
        tx.commit().await.map_err(failed)?;
        Ok(results)
    }
}

async fn apply_one(
    conn: &mut SqliteConnection,
    website: &str,
    effect: &OrderEffect,
) -> Result<Applied, sqlx::Error> {
    match effect {
        OrderEffect::Purchase(purchase) => apply_purchase_row(conn, website, purchase).await,
        OrderEffect::WithoutEmail(order) => {
            record_without_email(conn, website, order).await?;
            Ok(Applied::WithoutEmail)
        }
    }
}

async fn apply_purchase_row(
    conn: &mut SqliteConnection,
    website: &str,
    purchase: &Purchase,
) -> Result<Applied, sqlx::Error> {
    let key: &EmailKey = &purchase.email_key;
    let imported =
        sqlx::query("SELECT 1 FROM customer_orders WHERE website = ?1 AND order_id = ?2")
            .bind(website)
            .bind(to_i64(purchase.order_id))
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
    // The duplicate check reads by the very key the unique index holds.
    let existing = sqlx::query("SELECT * FROM customers WHERE website = ?1 AND email_key = ?2")
        .bind(website)
        .bind(key.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| read_customer(&row))
        .transpose()?;
    let now = time_text(Utc::now());
    let applied = match apply_purchase(existing.as_ref(), imported, purchase) {
        CustomerEffect::AlreadyImported => return Ok(Applied::AlreadyImported),
        CustomerEffect::Create(row) => {
            write_row(conn, website, key, &row, &now, true).await?;
            Applied::Created
        }
        CustomerEffect::Update(row) => {
            write_row(conn, website, key, &row, &now, false).await?;
            Applied::Updated
        }
    };
    sqlx::query(
        "INSERT INTO customer_orders (website, order_id, email_key, imported_at)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(website)
    .bind(to_i64(purchase.order_id))
    .bind(key.as_str())
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    Ok(applied)
}

async fn write_row(
    conn: &mut SqliteConnection,
    website: &str,
    key: &EmailKey,
    row: &CustomerRow,
    now: &str,
    insert: bool,
) -> Result<(), sqlx::Error> {
    // A plain INSERT for a new customer: should the check above ever disagree with the key,
    // the unique index refuses and the order is retried, then dead-lettered; never dropped.
    let sql = if insert {
        "INSERT INTO customers (website, email_key, email, name, name_from_at,
             name_from_order_id, first_purchase_at, first_order_id, first_increment_id,
             first_product, last_purchase_at, last_order_id, last_increment_id, last_product,
             orders, magento_customer_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)"
    } else {
        "UPDATE customers SET email = ?3, name = ?4, name_from_at = ?5, name_from_order_id = ?6,
             first_purchase_at = ?7, first_order_id = ?8, first_increment_id = ?9,
             first_product = ?10, last_purchase_at = ?11, last_order_id = ?12,
             last_increment_id = ?13, last_product = ?14, orders = ?15,
             magento_customer_id = ?16, updated_at = ?17
         WHERE website = ?1 AND email_key = ?2"
    };
    sqlx::query(sql)
        .bind(website)
        .bind(key.as_str())
        .bind(&row.email)
        .bind(&row.name)
        .bind(row.name_from.map(|(at, _)| time_text(at)))
        .bind(row.name_from.map(|(_, id)| to_i64(id)))
        .bind(time_text(row.first.at))
        .bind(to_i64(row.first.order_id))
        .bind(&row.first.increment_id)
        .bind(&row.first.product)
        .bind(time_text(row.last.at))
        .bind(to_i64(row.last.order_id))
        .bind(&row.last.increment_id)
        .bind(&row.last.product)
        .bind(to_i64(row.orders))
        .bind(row.magento_customer_id.map(to_i64))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn record_without_email(
    conn: &mut SqliteConnection,
    website: &str,
    order: &OrderWithoutEmail,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO orders_without_email (website, order_id, increment_id, store_id, reason,
             order_created_at, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (website, order_id) DO UPDATE SET reason = excluded.reason",
    )
    .bind(website)
    .bind(to_i64(order.order_id))
    .bind(&order.increment_id)
    .bind(order.store_id.map(i64::from))
    .bind(&order.reason)
    .bind(time_text(order.created_at))
    .bind(time_text(Utc::now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
