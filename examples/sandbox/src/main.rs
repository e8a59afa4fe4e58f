//! `sandbox`: starts every vendor fake on loopback, prints base URLs and credentials, and runs
//! until Ctrl-C.

use clap::Parser;
use sandbox::Seed;
use sandbox::activecampaign::{AcOptions, ActiveCampaignFake};
use sandbox::bigquery::BigQueryFake;
use sandbox::chatwoot::{ChatwootFake, ChatwootOptions};
use sandbox::ga4::Ga4Fake;
use sandbox::magento::{MagentoFake, MagentoOptions};
use sandbox::meta::{MetaFake, MetaOptions};
use sandbox::woo::{WooFake, WooOptions};

/// Local fakes of WooCommerce, Magento 2, ActiveCampaign, Meta, Chatwoot, GA4 and BigQuery with an
/// inspection API.
#[derive(Debug, Parser)]
#[command(name = "sandbox", version)]
struct Args {
    /// Orders to seed (WooCommerce and Magento).
    #[arg(long, env = "SANDBOX_ORDERS", default_value_t = 100)]
    orders: usize,
    /// Generator seed: the same seed gives the same data.
    #[arg(long, env = "SANDBOX_SEED", default_value_t = 42)]
    seed: u64,
    /// First port; fakes take consecutive ports from here (0: ephemeral ports).
    #[arg(long, env = "SANDBOX_PORT", default_value_t = 0)]
    port: u16,
    /// Make WooCommerce behave as behind HTTPS (Basic auth accepted, OAuth signs https URLs).
    #[arg(long)]
    woo_https: bool,
}

fn port(base: u16, offset: u16) -> u16 {
    if base == 0 { 0 } else { base + offset }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let seed = Seed::orders(args.orders).with_seed(args.seed);
    let woo = WooFake::start_with(WooOptions {
        seed,
        is_ssl: args.woo_https,
        port: port(args.port, 0),
        ..WooOptions::default()
    })
    .await?;
    let magento = MagentoFake::start_with(MagentoOptions {
        seed,
        port: port(args.port, 1),
        ..MagentoOptions::default()
    })
    .await?;
    let ac = ActiveCampaignFake::start_with(AcOptions {
        seed: args.seed,
        port: port(args.port, 2),
        ..AcOptions::default()
    })
    .await?;
    let ga4 = Ga4Fake::start_on(port(args.port, 3), sandbox::Faults::none()).await?;
    let bq = BigQueryFake::start_on(port(args.port, 4), sandbox::Faults::none()).await?;
    let meta = MetaFake::start_with(MetaOptions {
        port: port(args.port, 5),
        ..MetaOptions::default()
    })
    .await?;
    let chatwoot = ChatwootFake::start_with(ChatwootOptions {
        seed,
        port: port(args.port, 6),
        ..ChatwootOptions::default()
    })
    .await?;

    let w = woo.credentials();
    println!(
        "WooCommerce     {}  consumer_key={} consumer_secret={}",
        woo.api_url(),
        w.consumer_key,
        w.consumer_secret
    );
    let m = magento.credentials();
    println!(
        "Magento 2       {}/V1  admin={}:{} integration_token={} consumer_key={} consumer_secret={} token_secret={}",
        magento.rest_url(),
        m.username,
        m.password,
        m.integration_token,
        m.consumer_key,
        m.consumer_secret,
        m.access_token_secret
    );
    println!(
        "ActiveCampaign  {}  Api-Token: {}",
        ac.api_url(),
        ac.api_token()
    );
    println!(
        "GA4 MP          {}/mp/collect  measurement_id={} api_secret={}",
        ga4.base_url(),
        sandbox::ga4::MEASUREMENT_ID,
        sandbox::ga4::API_SECRET
    );
    println!(
        "BigQuery        {}/bigquery/v2  Authorization: Bearer {}  table sandbox-project:commerce.orders",
        bq.base_url(),
        sandbox::bigquery::TOKEN
    );
    let f = meta.credentials();
    println!(
        "Meta Graph      {}  access_token={} app_secret={} ad_account={} audience={}",
        meta.graph_url(),
        f.access_token,
        f.app_secret,
        f.ad_account,
        f.audience_id
    );
    let c = chatwoot.credentials();
    println!(
        "Chatwoot        {}  platform api_access_token={} user api_access_token={} account={} inbox={}",
        chatwoot.base_url(),
        c.platform_token,
        c.user_token,
        c.account_id,
        c.inbox_id
    );
    println!(
        "Inspection API on every base URL: /_sandbox/requests, /_sandbox/entities, /_sandbox/writes, /_sandbox/faults, /_sandbox/seed"
    );
    println!(
        "Seeded {} orders (seed {}). Ctrl-C to stop.",
        args.orders, args.seed
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
