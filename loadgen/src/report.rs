//! The one table the tool prints (Markdown, so it pastes into the README).

use std::fmt::Write as _;

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub scenario: String,
    pub setting: String,
    pub result: String,
    /// The target this figure is held to, if any.
    pub target: String,
    /// Whether the target is met; `None` without a target (or a figure).
    pub met: Option<bool>,
}

impl Row {
    pub fn info(scenario: &str, setting: impl Into<String>, result: impl Into<String>) -> Self {
        Self {
            scenario: scenario.into(),
            setting: setting.into(),
            result: result.into(),
            target: String::new(),
            met: None,
        }
    }

    pub fn judged(mut self, target: impl Into<String>, met: Option<bool>) -> Self {
        self.target = target.into();
        self.met = met;
        self
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str("| Scenario | Setting | Result | Target | Met |\n");
    out.push_str("|---|---|---|---|---|\n");
    for row in rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&row.scenario),
            cell(&row.setting),
            cell(&row.result),
            cell(&row.target),
            met
        );
    }
    out
}

/// A table cell: pipes escaped, no line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
#[allow(non_snake_case)]
mod tests {
    use super::*;

    #[test]
    fn table__is_markdown_with_one_line_per_row() {
        let rows = [
            Row::info("machine", "", "2 cores"),
            Row::info("latency", "100 subscribers", "p99 3 ms | ok")
                .judged("p99 < 25 ms", Some(true)),
            Row::info("idle", "1,000 sockets", "20 KiB").judged("<= 16 KiB", Some(false)),
        ];
        let table = table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[2], "| machine |  | 2 cores |  |  |");
        assert!(lines[3].contains("p99 3 ms \\| ok"));
        assert!(lines[3].ends_with("| yes |"));
        assert!(lines[4].ends_with("| **no** |"));
    }
}
