//! A small `log` backend for the programs: one line per record on stderr,
//! with the seconds since start and a name, so that two routers in one
//! process can be told apart: the thread's name (the demo names each
//! router's thread after its hostname), or the name given to [`init`] on the
//! main thread.

use std::io::Write;
use std::sync::OnceLock;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct StderrLogger {
    start: std::time::Instant,
    level: LevelFilter,
    name: String,
}

static LOGGER: OnceLock<StderrLogger> = OnceLock::new();

impl Log for StderrLogger {
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
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
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

/// Installs the logger once; later calls keep the first level and name.
pub fn init(level: LevelFilter, name: &str) {
    let logger = LOGGER.get_or_init(|| StderrLogger {
        start: std::time::Instant::now(),
        name: name.to_owned(),
        level,
    });
    if log::set_logger(logger).is_ok() {
        log::set_max_level(logger.level);
    }
}
