//! One log capture for the whole test binary (`log` allows one logger per process): every
//! `rnuget*` line any test causes, as `LEVEL target message`.

use std::sync::OnceLock;

struct Capture;

static LINES: parking_lot::Mutex<Vec<String>> = parking_lot::Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.target().starts_with("rnuget")
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            LINES.lock().push(format!(
                "{} {} {}",
                record.level(),
                record.target(),
                record.args()
            ));
        }
    }
    fn flush(&self) {}
}

/// Installs the capture (once) at trace level.
pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        static LOGGER: Capture = Capture;
        log::set_logger(&LOGGER).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Every line captured so far, from every test.
pub fn lines() -> Vec<String> {
    LINES.lock().clone()
}
