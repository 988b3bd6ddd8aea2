//! The scope catalog: every scope an app may be granted, grouped by API. The data lives in
//! `data/scopes.json` (one file, shipped in the binary) so templates and code never list scopes themselves.

use std::collections::HashMap;

use serde::Deserialize;

const CATALOG_JSON: &str = include_str!("../../data/scopes.json");

/// The OpenID Connect scopes a store app may be granted besides the API scopes: they ask for a person's
/// identity and a refresh token, which only the authorization-code flow has. Kept out of the API catalog
/// (`contains`, `parse_selection`), so a custom app can neither be shown nor granted them.
pub const OIDC_SCOPES: [(&str, &str); 3] = [
    ("openid", "Sign people in and learn who they are"),
    ("profile", "Read the person's name and role"),
    ("offline_access", "Stay connected with a refresh token"),
];

#[derive(Debug, Clone)]
pub struct ScopeInfo {
    pub name: String,
    pub display_name: String,
}

#[derive(Debug, Clone)]
pub struct ApiGroup {
    pub name: String,
    pub scopes: Vec<ScopeInfo>,
    /// frontdesk's own Admin API: its scopes let an app manage other apps, so the forms offer them to
    /// account admins only, and a store app (acting for a person) may never hold them.
    pub admin_only: bool,
}

#[derive(Debug)]
pub struct ScopeCatalog {
    groups: Vec<ApiGroup>,
    /// scope name -> (group index, scope index)
    index: HashMap<String, (usize, usize)>,
}

#[derive(Deserialize)]
struct RawCatalog {
    apis: Vec<RawApi>,
}

#[derive(Deserialize)]
struct RawApi {
    name: String,
    #[serde(default)]
    admin_only: bool,
    scopes: Vec<(String, String)>,
}

impl ScopeCatalog {
    /// The catalog shipped with frontdesk.
    pub fn builtin() -> Result<Self, String> {
        Self::from_json(CATALOG_JSON)
    }

    pub fn from_json(json: &str) -> Result<Self, String> {
        let raw: RawCatalog =
            serde_json::from_str(json).map_err(|e| format!("scope catalog: {e}"))?;
        let mut index = HashMap::new();
        let mut groups = Vec::with_capacity(raw.apis.len());
        for (g, api) in raw.apis.into_iter().enumerate() {
            let mut scopes = Vec::with_capacity(api.scopes.len());
            for (s, (name, display_name)) in api.scopes.into_iter().enumerate() {
                if index.insert(name.clone(), (g, s)).is_some() {
                    return Err(format!("scope catalog: {name} is listed twice"));
                }
                scopes.push(ScopeInfo { name, display_name });
            }
            groups.push(ApiGroup {
                name: api.name,
                scopes,
                admin_only: api.admin_only,
            });
        }
        Ok(Self { groups, index })
    }

    pub fn groups(&self) -> &[ApiGroup] {
        &self.groups
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.index.contains_key(scope)
    }

    pub fn get(&self, scope: &str) -> Option<&ScopeInfo> {
        self.index
            .get(scope)
            .map(|&(g, s)| &self.groups[g].scopes[s])
    }

    /// Where a scope stands in the catalog (for sorting); unknown scopes sort last.
    pub fn position(&self, scope: &str) -> (usize, usize) {
        self.index
            .get(scope)
            .copied()
            .unwrap_or((usize::MAX, usize::MAX))
    }

    /// Every scope name, in catalog order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flat_map(|g| g.scopes.iter().map(|s| s.name.as_str()))
    }

    /// Whether `scope` is one of an admin-only group's (the Admin API's).
    pub fn is_admin_only(&self, scope: &str) -> bool {
        self.index
            .get(scope)
            .is_some_and(|&(g, _)| self.groups[g].admin_only)
    }

    /// Checks a requested set of scopes: de-duplicated, in catalog order, each one known.
    pub fn parse_selection<'a>(
        &self,
        requested: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<String>, &'static str> {
        let mut positions = Vec::new();
        for scope in requested {
            match self.index.get(scope.trim()) {
                Some(&pos) => positions.push(pos),
                None => return Err("Choose scopes from the list only"),
            }
        }
        if positions.is_empty() {
            return Err("Choose at least one scope");
        }
        positions.sort_unstable();
        positions.dedup();
        Ok(positions
            .into_iter()
            .map(|(g, s)| self.groups[g].scopes[s].name.clone())
            .collect())
    }

    /// A store app's selection: API scopes as `parse_selection` checks them (the Admin API's excepted:
    /// a store app acts for a person, never as an administrator), followed by the OpenID Connect scopes
    /// it chose, in `OIDC_SCOPES` order. At least one scope of either kind.
    pub fn parse_store_selection<'a>(
        &self,
        requested: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<String>, &'static str> {
        let (oidc, api): (Vec<&str>, Vec<&str>) = requested
            .into_iter()
            .map(str::trim)
            .partition(|s| OIDC_SCOPES.iter().any(|(name, _)| name == s));
        if api.iter().any(|s| self.is_admin_only(s)) {
            return Err("Choose scopes from the list only");
        }
        let mut scopes = if api.is_empty() {
            Vec::new()
        } else {
            self.parse_selection(api)?
        };
        scopes.extend(
            OIDC_SCOPES
                .iter()
                .filter(|(name, _)| oidc.contains(name))
                .map(|(name, _)| (*name).to_owned()),
        );
        if scopes.is_empty() {
            return Err("Choose at least one scope");
        }
        Ok(scopes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_loads_with_the_apis_of_the_reference() {
        let catalog = ScopeCatalog::builtin().unwrap();
        let names: Vec<_> = catalog.groups().iter().map(|g| g.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Core API",
                "Distribution API",
                "Identity API",
                "Integration API",
                "Payment API",
                "Fiscalization API",
                "Profile API",
                "Admin API"
            ]
        );
        assert_eq!(
            catalog.get("folios.read").unwrap().display_name,
            "Read folios, including charges and payments"
        );
        assert!(catalog.contains("payment:transactions.manage"));
        assert!(!catalog.contains("openid"));
        assert!(catalog.is_admin_only("frontdesk:apps.manage"));
        assert!(catalog.is_admin_only("frontdesk:apps.read"));
        assert!(!catalog.is_admin_only("setup.read"));
        let admin: Vec<_> = catalog.groups().iter().filter(|g| g.admin_only).collect();
        assert_eq!(admin.len(), 1);
        assert_eq!(
            admin[0].scopes[0].display_name,
            "Read apps and activity through the admin API"
        );
    }

    #[test]
    fn store_apps_may_not_hold_the_admin_api_scopes() {
        let catalog = ScopeCatalog::builtin().unwrap();
        assert_eq!(
            catalog.parse_store_selection(["openid", "frontdesk:apps.read"]),
            Err("Choose scopes from the list only")
        );
        assert_eq!(
            catalog.parse_selection(["frontdesk:apps.manage"]).unwrap(),
            ["frontdesk:apps.manage"]
        );
    }

    #[test]
    fn only_store_selections_may_hold_the_openid_connect_scopes() {
        let catalog = ScopeCatalog::builtin().unwrap();
        assert_eq!(
            catalog.parse_selection(["openid"]),
            Err("Choose scopes from the list only")
        );
        assert_eq!(
            catalog
                .parse_store_selection(["offline_access", "setup.read", "openid", "openid"])
                .unwrap(),
            ["setup.read", "openid", "offline_access"]
        );
        assert_eq!(
            catalog.parse_store_selection(["profile"]).unwrap(),
            ["profile"]
        );
        assert!(catalog.parse_store_selection(["email"]).is_err());
        assert_eq!(
            catalog.parse_store_selection([]),
            Err("Choose at least one scope")
        );
    }

    #[test]
    fn selections_are_deduplicated_ordered_and_checked() {
        let catalog = ScopeCatalog::builtin().unwrap();
        assert_eq!(
            catalog.parse_selection(["setup.read", "account.manage", "setup.read"]),
            Ok(vec!["account.manage".to_owned(), "setup.read".to_owned()])
        );
        assert_eq!(
            catalog.parse_selection([]),
            Err("Choose at least one scope")
        );
        assert_eq!(
            catalog.parse_selection(["setup.read", "nope"]),
            Err("Choose scopes from the list only")
        );
    }

    #[test]
    fn a_duplicated_scope_in_the_data_is_refused() {
        let json = r#"{"apis":[{"name":"A","scopes":[["x","X"],["x","Y"]]}]}"#;
        assert!(ScopeCatalog::from_json(json).is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn catalog() -> ScopeCatalog {
        ScopeCatalog::builtin().unwrap()
    }

    proptest! {
        /// Any non-empty choice of known scopes, repeated and shuffled, comes back de-duplicated in
        /// catalog order, and parses again to itself.
        #[test]
        fn known_scopes_round_trip_in_catalog_order(picks in prop::collection::vec(any::<prop::sample::Index>(), 1..12)) {
            let catalog = catalog();
            let names: Vec<&str> = catalog.names().collect();
            let chosen: Vec<&str> = picks.iter().map(|i| names[i.index(names.len())]).collect();
            let parsed = catalog.parse_selection(chosen.iter().copied()).unwrap();
            let mut expected: Vec<&str> = names.iter().copied().filter(|n| chosen.contains(n)).collect();
            expected.dedup();
            prop_assert_eq!(&parsed, &expected);
            prop_assert_eq!(catalog.parse_selection(parsed.iter().map(String::as_str)).unwrap(), parsed.clone());
        }

        /// One unknown name spoils the whole selection, with the field's message.
        #[test]
        fn an_unknown_scope_is_refused_with_a_message(unknown in "\\PC{1,30}", known in 0usize..5) {
            let catalog = catalog();
            prop_assume!(!catalog.contains(unknown.trim()));
            let mut chosen: Vec<&str> = catalog.names().take(known).collect();
            chosen.push(&unknown);
            prop_assert_eq!(catalog.parse_selection(chosen), Err("Choose scopes from the list only"));
        }
    }
}
