//! The domain lists of DESIGN §9: themes, units (eenheden) and reporter relations, each with a
//! stable `id` (what the protocol carries) and Dutch and English labels (what people read).
//!
//! The defaults follow the ombudsman's annual report and the force's organisation; an
//! organisation replaces them in the TOML settings file. Ids are validated once at start-up
//! (`validate_lists`) so every later lookup can trust them.

use serde::{Deserialize, Serialize};

/// The unit id whose recipients receive every report, whatever unit it names.
pub const NATIONAL_UNIT: &str = "national";

/// A label in the interface languages: Dutch first, English second.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub nl: String,
    pub en: String,
}

/// One entry of a domain list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub label: Label,
}

fn choice(id: &str, nl: &str, en: &str) -> Choice {
    Choice {
        id: id.to_owned(),
        label: Label {
            nl: nl.to_owned(),
            en: en.to_owned(),
        },
    }
}

/// The themes of DESIGN §9, after the ombudsman's six dominant themes plus the wider ones the
/// force tracks.
pub fn default_themes() -> Vec<Choice> {
    vec![
        choice(
            "exclusion",
            "Uitsluiting, discriminatie en racisme",
            "Exclusion, discrimination and racism",
        ),
        choice(
            "transgressive",
            "Grensoverschrijdend gedrag en sociale veiligheid",
            "Transgressive behaviour and social safety",
        ),
        choice(
            "integrity",
            "Integriteit en misstanden",
            "Integrity and misconduct",
        ),
        choice("leadership", "Leiderschap", "Leadership"),
        choice(
            "internal_investigations",
            "Interne onderzoeken",
            "Internal investigations",
        ),
        choice("education", "Politieonderwijs", "Police education"),
        choice(
            "care",
            "Zorg en beroepsziekten",
            "Care and occupational illness",
        ),
        choice(
            "internal_complaints",
            "Interne klachten",
            "Internal complaints",
        ),
        choice("other", "Iets anders", "Something else"),
    ]
}

/// The ten regional units, the national unit, the police services centre, the police academy
/// and national staff. `national` here is the Landelijke Eenheid as a unit a report can be
/// about; it doubles as the recipient unit that receives every report (`NATIONAL_UNIT`).
pub fn default_units() -> Vec<Choice> {
    vec![
        choice(
            "noord-nederland",
            "Eenheid Noord-Nederland",
            "Northern Netherlands unit",
        ),
        choice(
            "oost-nederland",
            "Eenheid Oost-Nederland",
            "Eastern Netherlands unit",
        ),
        choice(
            "midden-nederland",
            "Eenheid Midden-Nederland",
            "Central Netherlands unit",
        ),
        choice(
            "noord-holland",
            "Eenheid Noord-Holland",
            "North Holland unit",
        ),
        choice("amsterdam", "Eenheid Amsterdam", "Amsterdam unit"),
        choice("den-haag", "Eenheid Den Haag", "The Hague unit"),
        choice("rotterdam", "Eenheid Rotterdam", "Rotterdam unit"),
        choice(
            "zeeland-west-brabant",
            "Eenheid Zeeland-West-Brabant",
            "Zeeland-West-Brabant unit",
        ),
        choice("oost-brabant", "Eenheid Oost-Brabant", "East Brabant unit"),
        choice("limburg", "Eenheid Limburg", "Limburg unit"),
        choice(NATIONAL_UNIT, "Landelijke Eenheid", "National unit"),
        choice("pdc", "Politiedienstencentrum", "Police services centre"),
        choice("academy", "Politieacademie", "Police academy"),
        choice("staff", "Staf Korpsleiding", "National staff"),
    ]
}

/// Who the reporter is to the organisation.
pub fn default_relations() -> Vec<Choice> {
    vec![
        choice("employee", "Medewerker", "Employee"),
        choice("former_employee", "Oud-medewerker", "Former employee"),
        choice(
            "family",
            "Familielid van een (oud-)medewerker",
            "Family member of a (former) employee",
        ),
        choice("other", "Anders", "Other"),
    ]
}

/// Longest id a list entry may have; ids travel in URLs, JSON and statements.
pub const MAX_ID_LEN: usize = 64;

/// Checks a list from the settings: non-empty, unique ids of `[a-z0-9_-]`, labels present.
pub fn validate_list(name: &str, list: &[Choice]) -> Result<(), String> {
    if list.is_empty() {
        return Err(format!("{name}: the list is empty"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in list {
        let id_ok = !c.id.is_empty()
            && c.id.len() <= MAX_ID_LEN
            && c.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(format!("{name}: id {:?} must be 1-64 of [a-z0-9_-]", c.id));
        }
        if c.label.nl.trim().is_empty() || c.label.en.trim().is_empty() {
            return Err(format!(
                "{name}: {} needs both a Dutch and an English label",
                c.id
            ));
        }
        if !seen.insert(c.id.as_str()) {
            return Err(format!("{name}: id {} appears twice", c.id));
        }
    }
    Ok(())
}

/// Whether `id` names an entry of `list`.
pub fn contains(list: &[Choice], id: &str) -> bool {
    list.iter().any(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_include_national() {
        validate_list("themes", &default_themes()).unwrap();
        validate_list("units", &default_units()).unwrap();
        validate_list("relations", &default_relations()).unwrap();
        assert!(contains(&default_units(), NATIONAL_UNIT));
        assert_eq!(default_units().len(), 14);
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(validate_list("t", &[]).is_err());
        assert!(validate_list("t", &[choice("A", "a", "a")]).is_err());
        assert!(validate_list("t", &[choice("a", "", "a")]).is_err());
        assert!(validate_list("t", &[choice("a", "x", "y"), choice("a", "x", "y")]).is_err());
    }
}
