//! [`LoggingSettings`]: what the log says and how it is written.

use serde::Deserialize;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Coloured, one event per line, for people at a terminal.
    #[default]
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Clone, Debug, Deserialize)]
pub struct LoggingSettings {
    /// `LOG_FORMAT`: `human` or `json`.
    #[serde(default)]
    pub log_format: LogFormat,
    /// `LOG_LEVEL`: a tracing filter such as `info` or `chat_server=debug,info`.
    #[serde(default = "defaults::log_level")]
    pub log_level: String,
}

mod defaults {
    pub fn log_level() -> String {
        "info".into()
    }
}
