//! A small `log` backend for the programs: one line per record on stderr
//! (or stdout),
//! with the seconds since start and a name, so that two routers in one
//! process can be told apart: the thread's name (the demo names each
//! router's thread after its hostname), or the name given to [`init`] on the
//! main thread.

use std::io::Write;
use std::sync::OnceLock;

use log::{Level, LevelFilter, Log, Metadata, Record};

/// Where the log lines go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard error (the router: its stdout carries the show views).
    Stderr,
    /// Standard output (the demo: one stream in order, for a reader or a
    /// pipe).
    Stdout,
}

struct LineLogger {
    start: std::time::Instant,
    level: LevelFilter,
    name: String,
    stream: Stream,
}

static LOGGER: OnceLock<LineLogger> = OnceLock::new();

impl Log for LineLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ms = self.start.elapsed().as_millis();
        let level = match record.level() {
            Level::Error => "ERROR ",
            Level::Warn => "WARN ",
            _ => "",
        };
        let thread = std::thread::current();
        let name = match thread.name() {
            Some(n) if n != "main" => n,
            _ => &self.name,
        };
        let line = format!(
            "{:>4}.{:03} {name}: {level}{}\n",
            ms / 1000,
            ms % 1000,
            record.args()
        );
        // One write per line keeps lines from two threads whole.
        let _ = match self.stream {
            Stream::Stderr => std::io::stderr().lock().write_all(line.as_bytes()),
            Stream::Stdout => std::io::stdout().lock().write_all(line.as_bytes()),
        };
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
        let _ = std::io::stdout().flush();
    }
}

/// The level named by `IKESUITE_LOG` (error, warn, info, debug, trace), or
/// `default`.
pub fn level_from_env(default: LevelFilter) -> LevelFilter {
    std::env::var("IKESUITE_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Installs the logger once, writing to `stream`; later calls keep the
/// first settings.
pub fn init(level: LevelFilter, name: &str, stream: Stream) {
    let logger = LOGGER.get_or_init(|| LineLogger {
        start: std::time::Instant::now(),
        name: name.to_owned(),
        stream,
        level,
    });
    if log::set_logger(logger).is_ok() {
        log::set_max_level(logger.level);
    }
}
