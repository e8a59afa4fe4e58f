-- Customers: one row per (website, email_key). `email_key` is computed by the app's one email
-- rule (trimmed, Unicode lower case); SQL never normalises it again.
CREATE TABLE IF NOT EXISTS customers (
    website TEXT NOT NULL,
    email_key TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The purchase the name came from (NULL while the name is made from the email).
    name_from_at TEXT,
    name_from_order_id INTEGER,
    first_purchase_at TEXT NOT NULL,
    first_order_id INTEGER NOT NULL,
    first_increment_id TEXT NOT NULL,
    first_product TEXT,
    last_purchase_at TEXT NOT NULL,
    last_order_id INTEGER NOT NULL,
    last_increment_id TEXT NOT NULL,
    last_product TEXT,
    orders INTEGER NOT NULL,
    magento_customer_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (website, email_key)
);

-- Every order applied to a customer, so an order read twice (a rerun after a crash) is not
-- counted twice.
CREATE TABLE IF NOT EXISTS customer_orders (
    website TEXT NOT NULL,
    order_id INTEGER NOT NULL,
    email_key TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (website, order_id)
);

-- Orders that could not become a customer (no email, or not an address), with their ids.
CREATE TABLE IF NOT EXISTS orders_without_email (
    website TEXT NOT NULL,
    order_id INTEGER NOT NULL,
    increment_id TEXT NOT NULL,
    store_id INTEGER,
    reason TEXT NOT NULL,
    order_created_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (website, order_id)
);

-- One run at a time per website: a lease that expires (never a flag that sticks when a run dies).
CREATE TABLE IF NOT EXISTS import_leases (
    website TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token INTEGER NOT NULL,
    acquired_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
