//! The parameters of an authorization request, each at most once.

use std::collections::HashMap;

/// The parameters this server reads; every other one is ignored (RFC 6749 §3.1).
pub const PARAMS: [&str; 13] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "response_mode",
    "request",
    "request_uri",
];

/// The request's parameters by name, each at most once.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: HashMap<&'static str, String>,
    /// A parameter sent more than once (RFC 6749 §3.1: `invalid_request`).
    pub(super) repeated: Option<&'static str>,
}

impl Params {
    /// Reads the known parameters from `pairs` (a query string or a form, decoded); an empty value is
    /// the same as an absent one.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut params = Self::default();
        for (name, value) in pairs {
            let Some(&known) = PARAMS.iter().find(|p| **p == name) else {
                continue;
            };
            if params.values.contains_key(known) {
                params.repeated.get_or_insert(known);
                continue;
            }
            if !value.is_empty() {
                params.values.insert(known, value.to_owned());
            }
        }
        params
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The parameters present, for the consent form to send back.
    pub fn present(&self) -> Vec<(&'static str, &str)> {
        PARAMS
            .iter()
            .filter_map(|name| self.get(name).map(|value| (*name, value)))
            .collect()
    }
}

/// What `prompt` asks for (OpenID Connect Core §3.1.2.1). `select_account` is accepted and changes
/// nothing: a person has one account here.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Prompt {
    pub none: bool,
    pub consent: bool,
    pub login: bool,
}

pub fn prompt(value: Option<&str>) -> Result<Prompt, &'static str> {
    let Some(value) = value else {
        return Ok(Prompt::default());
    };
    let words: Vec<&str> = value.split(' ').filter(|w| !w.is_empty()).collect();
    if words
        .iter()
        .any(|w| !matches!(*w, "none" | "login" | "consent" | "select_account"))
    {
        return Err("prompt may only hold none, login, consent and select_account");
    }
    let none = words.contains(&"none");
    if none && words.len() > 1 {
        return Err("prompt=none cannot be combined with other values");
    }
    Ok(Prompt {
        none,
        consent: words.contains(&"consent"),
        login: words.contains(&"login"),
    })
}
