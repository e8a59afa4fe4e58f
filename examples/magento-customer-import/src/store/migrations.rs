//! The app's migrations, shipped in the binary (`migrations/*.sql`).

use std::time::Duration;

use sqlx::SqlSafeStr;
use sqlx::SqlitePool;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};

/// The migrations table: named for the app, because the file is shared with sync-core.
const TABLE: &str = "magento_customer_import_migrations";

fn migrator() -> Migrator {
    let mut migrator = Migrator::with_migrations(vec![Migration::new(
        1,
        "customers".into(),
        MigrationType::Simple,
        include_str!("../../migrations/0001_customers.sql").into_sql_str(),
        false,
    )]);
    migrator.dangerous_set_table_name(TABLE);
    migrator
}

/// Apply what is missing. Two processes opening a new file at once may collide on the
/// migrations table; the loser tries again and finds the work done.
pub async fn run(pool: &SqlitePool) -> Result<(), MigrateError> {
    let migrator = migrator();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match migrator.run(pool).await {
            Ok(()) => return Ok(()),
            Err(_) if attempt < 4 => tokio::time::sleep(Duration::from_millis(250)).await,
            Err(error) => return Err(error),
        }
    }
}
