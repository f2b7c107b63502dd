//! The closed vocabularies of staff work: roles (DESIGN §2) and triage outcomes (DESIGN §9).
//!
//! Contract: both are written in JSON as their snake_case names; a user holds a non-empty set
//! of roles; intake and investigators belong to a unit (or `national`), the others to none.
//! No role alone gives access to content: only a wrapped case key does (see `staff::cases`).

use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Intake,
    Investigator,
    Custodian,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Intake,
        Role::Investigator,
        Role::Custodian,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Intake => "intake",
            Role::Investigator => "investigator",
            Role::Custodian => "custodian",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == text)
    }

    /// Whether a holder of this role belongs to a unit.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::Intake | Role::Investigator)
    }
}

/// The triage outcomes of DESIGN §9; also the `outcome` of a `closed` status statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Handled in line management.
    HandledInLine,
    /// Internal investigation by the unit.
    InternalInvestigation,
    /// National triage (complex disciplinary case).
    NationalTriage,
    /// Referred to another channel (confidential advisor, social desk, complaints procedure).
    Referred,
    /// No further action (the reason is the encrypted note).
    NoFurtherAction,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::HandledInLine,
        Outcome::InternalInvestigation,
        Outcome::NationalTriage,
        Outcome::Referred,
        Outcome::NoFurtherAction,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::HandledInLine => "handled_in_line",
            Outcome::InternalInvestigation => "internal_investigation",
            Outcome::NationalTriage => "national_triage",
            Outcome::Referred => "referred",
            Outcome::NoFurtherAction => "no_further_action",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_json() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.name()));
            assert_eq!(Role::parse(role.name()), Some(role));
        }
        assert_eq!(
            serde_json::to_string(&Outcome::NoFurtherAction).unwrap(),
            "\"no_further_action\""
        );
        assert!(Role::parse("root").is_none());
    }
}
