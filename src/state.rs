//! What every handler can reach, cloned into handlers through `State`.

use std::sync::Arc;

use crate::config::Config;
use crate::domain::ScopeCatalog;
use crate::identity::Identity;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub catalog: Arc<ScopeCatalog>,
    pub identity: Arc<Identity>,
}
