//! Whether an app may retrieve personally identifiable information (guest names, addresses, ...).

/// apaleo's `piiMode`: `Retrieve`, or (our spelling of the other choice) `DontRetrieve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
        }
        assert!(PiiMode::parse("Maybe").is_err());
        assert_eq!(PiiMode::default(), PiiMode::DontRetrieve);
    }
}
