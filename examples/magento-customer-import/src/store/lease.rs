//! One run at a time per website: a lease row with an expiry, renewed while the run lives.
//!
//! The importer we replace set a `RUNNING` flag and cleared it at the end; a run that died
//! left it set and blocked every later run. A lease is taken only when the row is missing or
//! expired, so a killed run blocks the next one for at most one lease period. Every customer
//! batch re-checks the token in its own transaction (fencing): a run that lost its lease
//! writes nothing more.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{CustomerDb, DatabaseError, now_ms};

/// A lease held by this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseToken {
    /// The website.
    pub website: String,
    /// This holder's token (a fresh random number per acquisition).
    pub token: i64,
    /// How long each renewal lasts.
    pub ttl: Duration,
}

/// What an attempt to take the lease found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquire {
    /// Ours.
    Acquired(LeaseToken),
    /// Another run holds it.
    Held {
        /// Who (`pid 4242 on host`).
        holder: String,
        /// When it expires unless renewed.
        expires_at: DateTime<Utc>,
    },
}

fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}

impl CustomerDb {
    /// Take the lease of `website` when it is free or expired.
    pub async fn try_acquire(
        &self,
        website: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Acquire, DatabaseError> {
        let now = now_ms();
        let token = fastrand::i64(..);
        // One statement: of two runs racing for an expired lease, exactly one updates it.
        let taken = sqlx::query(
            "INSERT INTO import_leases (website, holder, token, acquired_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (website) DO UPDATE SET holder = excluded.holder,
                 token = excluded.token, acquired_at = excluded.acquired_at,
                 expires_at = excluded.expires_at
             WHERE import_leases.expires_at <= ?4",
        )
        .bind(website)
        .bind(holder)
        .bind(token)
        .bind(now)
        .bind(now.saturating_add(ttl_ms(ttl)))
        .execute(&self.pool)
        .await
        .map_err(|e| self.failed(e))?
        .rows_affected()
            == 1;
        if taken {
            return Ok(Acquire::Acquired(LeaseToken {
                website: website.to_string(),
                token,
                ttl,
            }));
        }
        let row = sqlx::query("SELECT holder, expires_at FROM import_leases WHERE website = ?1")
            .bind(website)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.failed(e))?;
        let expires_ms: i64 = row.get("expires_at");
        Ok(Acquire::Held {
            holder: row.get("holder"),
            expires_at: DateTime::from_timestamp_millis(expires_ms).unwrap_or_default(),
        })
    }

    /// Extend the lease by its period; `false` when it is no longer ours.
    pub async fn renew(&self, lease: &LeaseToken) -> Result<bool, DatabaseError> {
        renew_on(&self.pool, lease)
            .await
            .map_err(|e| self.failed(e))
    }

    /// Give the lease back (only if still ours).
    pub async fn release(&self, lease: &LeaseToken) -> Result<(), DatabaseError> {
        sqlx::query("DELETE FROM import_leases WHERE website = ?1 AND token = ?2")
            .bind(&lease.website)
            .bind(lease.token)
            .execute(&self.pool)
            .await
            .map_err(|e| self.failed(e))?;
        Ok(())
    }
}

/// Renew on any executor (the pool, or a batch's transaction: the fencing check).
pub(super) async fn renew_on<'e, E>(executor: E, lease: &LeaseToken) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    let done =
        sqlx::query("UPDATE import_leases SET expires_at = ?1 WHERE website = ?2 AND token = ?3")
            .bind(now_ms().saturating_add(ttl_ms(lease.ttl)))
            .bind(&lease.website)
            .bind(lease.token)
            .execute(executor)
            .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn db() -> (CustomerDb, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!(
            "mci-lease-{}-{}.db",
            std::process::id(),
            fastrand::u64(..)
        ));
        (CustomerDb::open(&path).await.unwrap(), path)
    }

    #[tokio::test]
    async fn a_lease_is_exclusive_until_it_expires() {
        let (db, path) = db().await;
        let ttl = Duration::from_millis(300);
        let Acquire::Acquired(first) = db.try_acquire("nl", "run A", ttl).await.unwrap() else {
            panic!("a free lease is taken")
        };
        match db.try_acquire("nl", "run B", ttl).await.unwrap() {
            Acquire::Held { holder, .. } => assert_eq!(holder, "run A"),
            other => panic!("a held lease was taken: {other:?}"),
        }
        // Another website is independent.
        assert!(matches!(
            db.try_acquire("main", "run B", ttl).await.unwrap(),
            Acquire::Acquired(_)
        ));
        // Run A dies (no renewals): after the period, B gets it and A is fenced off.
        tokio::time::sleep(ttl + Duration::from_millis(50)).await;
        let Acquire::Acquired(second) = db.try_acquire("nl", "run B", ttl).await.unwrap() else {
            panic!("an expired lease is taken over")
        };
        assert!(
            !db.renew(&first).await.unwrap(),
            "the dead run is fenced off"
        );
        assert!(db.renew(&second).await.unwrap());
        db.release(&first).await.unwrap(); // not ours any more: changes nothing
        assert!(db.renew(&second).await.unwrap());
        db.release(&second).await.unwrap();
        assert!(matches!(
            db.try_acquire("nl", "run C", ttl).await.unwrap(),
            Acquire::Acquired(_)
        ));
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
