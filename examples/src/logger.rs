//! The programs' logger: `env_logger`, one line per record on stderr (or
//! stdout), with the seconds since start and a name, so that two routers
//! in one process can be told apart: the thread's name (the demo names each
//! router's thread after its hostname), or the name given to [`init`] on
//! the main thread. `IKESUITE_LOG` takes a level (`debug`) or env_logger's
//! filters (`warn,hub=debug`: a Gateway logs under its
//! `GatewayOptions::log_target`).

use std::io::Write;

use log::{Level, LevelFilter};

/// Where the log lines go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard error (the router: its stdout carries the show views).
    Stderr,
    /// Standard output (the demo: one stream in order, for a reader or a
    /// pipe).
    Stdout,
}

/// The environment variable of the log filters.
pub const ENV: &str = "IKESUITE_LOG";

/// The level named by `IKESUITE_LOG` (error, warn, info, debug, trace), or
/// `default`.
pub fn level_from_env(default: LevelFilter) -> LevelFilter {
    std::env::var(ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Installs the logger once, writing to `stream` at `level` (refined by
/// the filters in `IKESUITE_LOG`); later calls keep the first settings.
pub fn init(level: LevelFilter, name: &str, stream: Stream) {
    let start = std::time::Instant::now();
    let name = name.to_owned();
    let mut builder = env_logger::Builder::new();
    builder.filter_level(level);
    if let Ok(filters) = std::env::var(ENV) {
        builder.parse_filters(&filters);
    }
    builder
        .target(match stream {
            Stream::Stderr => env_logger::Target::Stderr,
            Stream::Stdout => env_logger::Target::Stdout,
        })
        .format(move |out, record| {
            let ms = start.elapsed().as_millis();
            let level = match record.level() {
                Level::Error => "ERROR ",
                Level::Warn => "WARN ",
                _ => "",
            };
            let thread = std::thread::current();
            let who = match thread.name() {
                Some(n) if n != "main" => n,
                _ => &name,
            };
            writeln!(
                out,
                "{:>4}.{:03} {who}: {level}{}",
                ms / 1000,
                ms % 1000,
                record.args()
            )
        });
    // A second call (or another logger) keeps the first.
    let _ = builder.try_init();
}
