//! The one rule for the free-text fields people type (client names, secret descriptions, display names).

/// A required single line of text: trimmed, not empty, at most `max` characters, and nothing that hides
/// or disguises what a reader sees: no control characters (line breaks, tabs, NUL, escape), no
/// text-direction overrides or isolates (the "Trojan Source" trick, which can make `abc` display as
/// `cba`), and no invisible characters standing alone. `empty` and `too_long` are the messages for those
/// two cases.
pub fn single_line(
    raw: &str,
    max: usize,
    empty: &'static str,
    too_long: &'static str,
) -> Result<String, &'static str> {
    let value = raw.trim();
    if value.is_empty() {
        Err(empty)
    } else if value.chars().any(hides_text) {
        Err(HIDDEN_CHARACTERS)
    } else if value.chars().count() > max {
        Err(too_long)
    } else {
        Ok(value.to_owned())
    }
}

pub const HIDDEN_CHARACTERS: &str =
    "Remove control or invisible characters (line breaks, tabs, text-direction marks)";

/// Control characters, text-direction formatting, and invisible characters. Zero-width joiners
/// (U+200C, U+200D) stay allowed: scripts and emoji sequences need them.
pub fn hides_text(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'              // Arabic letter mark
            | '\u{200B}'            // zero-width space
            | '\u{200E}' | '\u{200F}' // left-to-right / right-to-left marks
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{FEFF}'            // byte order mark
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(raw: &str) -> Result<String, &'static str> {
        single_line(raw, 10, "empty", "long")
    }

    #[test]
    fn keeps_ordinary_text_trimmed() {
        assert_eq!(line("  Ärzte app ").as_deref(), Ok("Ärzte app"));
        assert_eq!(line("O'Br \"x\"").as_deref(), Ok("O'Br \"x\""));
        assert_eq!(line("👩\u{200D}💻 dev").as_deref(), Ok("👩\u{200D}💻 dev"));
        assert_eq!(line("ＡＢＣ").as_deref(), Ok("ＡＢＣ"));
    }

    #[test]
    fn refuses_empty_long_and_hidden_characters() {
        assert_eq!(line(" \t "), Err("empty"));
        assert_eq!(line("12345678901"), Err("long"));
        assert_eq!(line("1234567890").as_deref(), Ok("1234567890"));
        for bad in [
            "a\nb",
            "a\tb",
            "a\0b",
            "a\u{1b}[31mb",
            "a\u{7f}",
            "a\u{85}b",
            "abc\u{202E}fed",
            "a\u{2066}b",
            "a\u{200B}b",
            "\u{FEFF}ab",
        ] {
            assert_eq!(line(bad), Err(HIDDEN_CHARACTERS), "{bad:?}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// What is accepted is trimmed, short enough, hides nothing, and is accepted again unchanged.
        #[test]
        fn accepted_text_is_clean_and_stable(raw in "\\PC{0,120}", max in 1usize..100) {
            if let Ok(value) = single_line(&raw, max, "empty", "long") {
                prop_assert_eq!(value.trim(), value.as_str());
                prop_assert!(!value.is_empty() && value.chars().count() <= max);
                prop_assert!(!value.chars().any(hides_text));
                prop_assert_eq!(single_line(&value, max, "empty", "long"), Ok(value.clone()));
            }
        }

        /// One hidden character anywhere inside is enough to refuse, with the message that says so.
        #[test]
        fn a_hidden_character_is_refused_with_its_message(
            before in "[a-zA-Z0-9 ]{0,20}",
            hidden in prop::sample::select(vec!['\0', '\t', '\n', '\u{1b}', '\u{7f}', '\u{202E}', '\u{2066}', '\u{200B}', '\u{FEFF}']),
            after in "[a-zA-Z0-9]{1,20}",
        ) {
            let raw = format!("x{before}{hidden}{after}");
            prop_assert_eq!(single_line(&raw, 100, "empty", "long"), Err(HIDDEN_CHARACTERS));
        }

        /// Whitespace alone is empty, whatever its kind.
        #[test]
        fn whitespace_alone_is_empty(raw in "[ \t\n\r\u{a0}\u{2003}\u{3000}]{0,10}") {
            prop_assert_eq!(single_line(&raw, 10, "empty", "long"), Err("empty"));
        }
    }
}
