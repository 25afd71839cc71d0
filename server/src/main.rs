//! The freebusy server binary: flags in, HTTP out. Everything else is in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use freebusy_server::app;
use freebusy_server::config::{Config, SmtpSecurity};
use freebusy_server::listener::ConnectionLimits;
use freebusy_server::state::AppState;
use tracing_subscriber::EnvFilter;

/// mimalloc rather than the system's allocator: see `mimalloc` in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr (stdout carries only the listening URL), coloured only on a
    // terminal so files and journald get plain lines.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let config = Config::parse();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("freebusy-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    config.check()?;
    let limits = ConnectionLimits::from_config(&config)?;
    let store = app::open_store(&config, chrono::Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let state = AppState::new(store, &config);
    app::start_sources(&state, &config)
        .await
        .map_err(|e| e.to_string())?;
    let router = app::router(state, &config);
    match &config.smtp_url {
        Some(smtp)
            if smtp.security == SmtpSecurity::Plain
                && !matches!(smtp.host.as_str(), "localhost" | "127.0.0.1" | "::1") =>
        {
            tracing::warn!(
                host = %smtp.host,
                "--smtp-url is plain smtp:// to another machine: invitations travel \
                 unencrypted; use smtps:// or ?tls=starttls"
            );
        }
        Some(_) => tracing::info!("invitation emails on"),
        None => tracing::info!("no --smtp-url: no invitation emails are sent or queued"),
    }
    if address.ip().is_unspecified() && config.public_url.is_none() {
        tracing::warn!(
            "listening on every interface without --public-url: page links name the \
             address each connection came in on"
        );
    }
    println!("freebusy-server listening on http://{address}");
    // The widget's files, each with the hash for a page's `integrity=` attribute.
    if let Some(widget) = &config.widget_dir {
        for (name, integrity) in widget.integrity() {
            println!("freebusy-server widget http://{address}/widget/{name} integrity={integrity}");
        }
    }
    app::serve(listener, router, limits, shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"))?;
    tracing::info!("shut down");
    Ok(())
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what `kill` and container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, never complete rather than exit at once.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
