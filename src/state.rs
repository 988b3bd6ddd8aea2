//! The core both front doors stand on: the database, the clock, the configuration and the scope catalog.
//! Each door keeps its own state beside it (`web::WebState`, `identity::IdentityState`), so this room
//! names neither door.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::ScopeCatalog;
use crate::store::Store;

#[derive(Clone)]
pub struct Core {
    pub clock: Clock,
    pub store: Store,
    pub config: Arc<Config>,
    pub catalog: Arc<ScopeCatalog>,
}
