//! Shared rules for free text typed by people.

use crate::error::{AppError, AppResult};

/// Trims `raw` and checks its length in characters and that it holds no
/// control characters (a name or handle must render on one line).
pub fn single_line(field: &'static str, raw: &str, min: usize, max: usize) -> AppResult<String> {
    let text = raw.trim();
    if text.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "must not contain control characters",
        ));
    }
    check_length(field, text, min, max)?;
    Ok(text.to_owned())
}

/// Trims `raw` and checks its length; newlines and tabs are allowed, other
/// control characters are not.
pub fn multi_line(field: &'static str, raw: &str, min: usize, max: usize) -> AppResult<String> {
    let text = raw.trim();
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(AppError::bad_input(
            field,
            "must not contain control characters",
        ));
    }
    check_length(field, text, min, max)?;
    Ok(text.to_owned())
}

fn check_length(field: &'static str, text: &str, min: usize, max: usize) -> AppResult<()> {
    let len = text.chars().count();
    if len < min {
        return Err(if min == 1 {
            AppError::bad_input(field, "must not be empty")
        } else {
            AppError::bad_input(field, format!("must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// An http(s) URL of at most `max` bytes, such as an avatar or media link.
pub fn http_url(field: &'static str, raw: &str, max: usize) -> AppResult<String> {
    let url = raw.trim();
    if url.len() > max {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| AppError::bad_input(field, "must be an http or https URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::bad_input(field, "must be an http or https URL"));
    }
    Ok(url.to_owned())
}
