//! `aymara serve`: the emulator as a long-running local service.

use std::time::Duration;

use aymara_emulator::{Emulator, EmulatorConfig, ExternalStore, Faults};

use crate::cli::ServeArgs;
use crate::{Failure, local, output};

fn rate(name: &str, value: f64) -> Result<f64, Failure> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Failure::usage(format!(
            "--{name} must be between 0 and 1, got {value}"
        )))
    }
}

/// `aymara serve`: prints the base URL on stdout (and how to use it on stderr), serves
/// until Ctrl-C, then shuts down cleanly.
pub async fn serve(args: ServeArgs) -> Result<(), Failure> {
    let faults = Faults {
        seed: args.fault_seed,
        presign_429_rate: rate("presign-429-rate", args.presign_429_rate)?,
        presign_503_rate: rate("presign-503-rate", args.presign_503_rate)?,
        put_500_rate: rate("put-500-rate", args.put_500_rate)?,
        put_reset_rate: rate("put-reset-rate", args.put_reset_rate)?,
        put_straggler_rate: rate("put-straggler-rate", args.put_straggler_rate)?,
        put_straggler_delay: Duration::from_millis(args.put_straggler_ms),
        put_stalls: args.put_stalls,
        api_latency: Duration::from_millis(args.api_latency_ms.unwrap_or(args.latency_ms)),
        store_latency: Duration::from_millis(args.store_latency_ms.unwrap_or(args.latency_ms)),
        retry_after: Duration::from_secs(args.retry_after_secs),
    };
    let external_store = match &args.s3_endpoint {
        Some(endpoint) => {
            Some(ExternalStore::from_env(endpoint, &args.bucket).map_err(Failure::usage)?)
        }
        None => None,
    };
    let mut kept = match args.ephemeral {
        true => "nothing kept: records in memory".to_owned(),
        false => format!("state in {}", output::path(&args.data_dir)),
    };
    if let Some(store) = &external_store {
        kept.push_str(&format!(
            ", files in bucket {} at {}",
            store.bucket, store.endpoint
        ));
    }
    let emulator = Emulator::start(EmulatorConfig {
        addr: args.addr,
        data_dir: (!args.ephemeral).then(|| args.data_dir.clone()),
        api_keys: args.api_keys,
        url_ttl: Duration::from_secs(args.url_ttl_secs),
        bucket: args.bucket,
        external_store,
        video_processing: Duration::from_millis(args.video_processing_ms),
        max_puts_in_flight: args
            .max_puts_in_flight
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        faults,
        ..EmulatorConfig::default()
    })
    .await
    .map_err(|e| Failure::usage(local::start_error("the emulator", &e)))?;
    local::warn_recovered(&emulator);
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", emulator.base_url()).map_err(Failure::io)?;
        out.flush().map_err(Failure::io)?;
    }
    eprintln!(
        "Aymara emulator listening on {url} ({kept}); Ctrl-C stops it.\n\
         Point a client at it with: export AYMARA_AI_BASE_URL={url}",
        url = emulator.base_url(),
    );
    emulator
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    eprintln!("Aymara emulator stopped");
    Ok(())
}
