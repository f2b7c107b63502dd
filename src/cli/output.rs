//! Output for people and for scripts: tables with headers, labels instead of ids (from the
//! settings' or the server's domain lists, [`Labels`]), times in the reader's time zone — or,
//! with `--json`, the same data as JSON on stdout for a script.
//!
//! Contract: human output goes to stdout, notes and prompts to stderr; `--json` output is one
//! JSON document on stdout. Times shown come from hour-truncated Unix seconds and are shown to
//! the hour (DESIGN: nothing dates a reporter's action finer), in the zone of `TZ` or the
//! system's.

use std::io::Write;

use serde::Serialize;

use super::error::CliError;

/// Writes one line to stdout. A closed stdout (`meldpunt … | head`) is an error the caller
/// returns with `?`, which `cli::run` ends quietly, as ripgrep does, instead of `println!`'s
/// panic.
pub fn write_line(line: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    writeln!(std::io::stdout().lock(), "{line}").map_err(CliError::Output)
}

/// Writes to stdout without a newline ([`write_line`]'s sibling).
pub fn write_text(text: &str) -> Result<(), CliError> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(CliError::Output)
}

/// `println!` for commands: returns the write error with `?` (see [`write_line`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::write_line(format_args!($($arg)*))?
    };
}
use crate::protocol::domain::{self, Choice};
use crate::protocol::roles::{Outcome, Role};
use crate::protocol::statements::Status;
pub(crate) use outln;

/// Prints `value` as pretty JSON on stdout.
pub fn json(value: &impl Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::input(format!("cannot show as JSON: {e}")))?;
    write_line(format_args!("{text}"))
}

/// A table for a terminal: a header row and columns padded to their widest cell.
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    /// The table as text; an empty table is its `empty` sentence instead.
    pub fn render(&self, empty: &str) -> String {
        if self.rows.is_empty() {
            return format!("{empty}\n");
        }
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut out = String::new();
            for (i, cell) in cells.enumerate() {
                out.push_str(cell);
                if i + 1 < columns {
                    let pad = widths[i] - cell.chars().count() + 2;
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.trim_end().to_owned() + "\n"
        };
        let mut out = line(&mut self.headers.iter().copied());
        for row in &self.rows {
            out.push_str(&line(&mut row.iter().map(String::as_str)));
        }
        out
    }

    pub fn print(&self, empty: &str) -> Result<(), CliError> {
        write_text(&self.render(empty))
    }
}

/// Hour-truncated Unix seconds as a date and hour in the reader's time zone,
/// e.g. `2026-12-02 14:00 CET`.
pub fn local_hour(secs: u64) -> String {
    let zone = jiff::tz::TimeZone::system();
    match jiff::Timestamp::from_second(secs as i64) {
        Ok(at) => at.to_zoned(zone).strftime("%Y-%m-%d %H:%M %Z").to_string(),
        Err(_) => format!("{secs} (out of range)"),
    }
}

/// Unix seconds as a date in the reader's time zone, e.g. `2026-12-09`.
pub fn local_date(secs: u64) -> String {
    let zone = jiff::tz::TimeZone::system();
    match jiff::Timestamp::from_second(secs as i64) {
        Ok(at) => at.to_zoned(zone).strftime("%Y-%m-%d").to_string(),
        Err(_) => format!("{secs} (out of range)"),
    }
}

/// The English labels of the domain lists a command shows: the settings' lists for commands
/// on the database, the server's (`/api/v1/config`) for commands through a session; an id
/// that no list has is shown as it is.
pub struct Labels {
    themes: Vec<Choice>,
    units: Vec<Choice>,
}

impl Labels {
    pub fn of_settings(settings: &crate::server::config::Settings) -> Labels {
        Labels {
            themes: settings.themes.clone(),
            units: settings.units.clone(),
        }
    }

    /// The server's lists; the default lists if it does not answer (labels are a courtesy,
    /// not a reason to fail the command).
    pub fn of_server(server: &str) -> Labels {
        match crate::clients::reporter::ReporterClient::new(server).config() {
            Ok(config) => Labels {
                themes: config.themes,
                units: config.units,
            },
            Err(_) => Labels {
                themes: domain::default_themes(),
                units: domain::default_units(),
            },
        }
    }

    pub fn theme(&self, id: &str) -> String {
        choice_label(&self.themes, id)
    }

    pub fn unit(&self, id: &str) -> String {
        choice_label(&self.units, id)
    }
}

fn choice_label(list: &[Choice], id: &str) -> String {
    list.iter()
        .find(|c| c.id == id)
        .map_or_else(|| id.to_owned(), |c| c.label.en.clone())
}

pub fn status_label(status: Status) -> &'static str {
    match status {
        Status::Received => "received",
        Status::Acknowledged => "acknowledged",
        Status::Investigating => "investigating",
        Status::Referred => "referred",
        Status::HandledInLine => "handled in line",
        Status::Closed => "closed",
    }
}

pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::HandledInLine => "handled in line management",
        Outcome::InternalInvestigation => "internal investigation",
        Outcome::NationalTriage => "national triage",
        Outcome::Referred => "referred to another channel",
        Outcome::NoFurtherAction => "no further action",
    }
}

pub fn roles_label(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_columns_and_drop_trailing_space() {
        let mut t = Table::new(&["NAME", "ROLE"]);
        t.row(vec!["an".into(), "admin".into()]);
        t.row(vec!["bernadette".into(), "".into()]);
        assert_eq!(
            t.render("none"),
            "NAME        ROLE\nan          admin\nbernadette\n"
        );
        assert_eq!(Table::new(&["X"]).render("no rows"), "no rows\n");
    }

    #[test]
    fn labels_come_from_the_lists_and_fall_back_to_the_id() {
        let mut settings = crate::server::config::Settings::defaults();
        settings.units.push(Choice {
            id: "zeeland".into(),
            label: crate::protocol::domain::Label {
                nl: "Eenheid Zeeland".into(),
                en: "Zeeland unit".into(),
            },
        });
        let labels = Labels::of_settings(&settings);
        assert_eq!(labels.theme("no-such-theme"), "no-such-theme");
        assert_eq!(labels.unit("zeeland"), "Zeeland unit");
        assert_ne!(
            labels.unit("national"),
            "national",
            "the default list's label"
        );
    }
}
