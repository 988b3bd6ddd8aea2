//! Whether an app may retrieve personally identifiable information (guest names, addresses, ...).

/// apaleo's `piiMode`: `Retrieve`, or (our spelling of the other choice) `DontRetrieve`. Serialised
/// (in audit details) as `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum PiiMode {
    Retrieve,
    #[default]
    DontRetrieve,
}

impl PiiMode {
    /// Accepts the stored/link spelling and a few forms other tools write for the negative choice.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw.trim() {
            "Retrieve" => Ok(Self::Retrieve),
            "DontRetrieve" | "DoNotRetrieve" | "Don't retrieve" => Ok(Self::DontRetrieve),
            _ => Err("Choose whether the app may retrieve personal data"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retrieve => "Retrieve",
            Self::DontRetrieve => "DontRetrieve",
        }
    }

    /// How the dashboard names the choice.
    pub fn label(self) -> &'static str {
        match self {
            Self::Retrieve => "Retrieve",
            Self::DontRetrieve => "Don't retrieve",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_stored_form() {
        for mode in [PiiMode::Retrieve, PiiMode::DontRetrieve] {
            assert_eq!(PiiMode::parse(mode.as_str()), Ok(mode));
            assert_eq!(serde_json::to_value(mode).unwrap(), mode.as_str());
        }
        assert!(PiiMode::parse("Maybe").is_err());
        assert_eq!(PiiMode::default(), PiiMode::DontRetrieve);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Both choices round-trip through their stored spelling, with any surrounding space.
        #[test]
        fn modes_round_trip(retrieve in any::<bool>(), pad in "[ \t]{0,3}") {
            let mode = if retrieve { PiiMode::Retrieve } else { PiiMode::DontRetrieve };
            prop_assert_eq!(PiiMode::parse(&format!("{pad}{}{pad}", mode.as_str())), Ok(mode));
        }

        /// Anything else is refused with the field's message (no default choice is guessed).
        #[test]
        fn other_values_are_refused_with_a_message(raw in "\\PC*") {
            let known = ["Retrieve", "DontRetrieve", "DoNotRetrieve", "Don't retrieve"];
            prop_assume!(!known.contains(&raw.trim()));
            prop_assert_eq!(
                PiiMode::parse(&raw),
                Err("Choose whether the app may retrieve personal data")
            );
        }
    }
}
