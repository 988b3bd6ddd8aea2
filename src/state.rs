//! What every handler can reach, cloned into handlers through `State`.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::ScopeCatalog;
use crate::identity::Identity;
use crate::store::Store;
use crate::web::SignInThrottle;

#[derive(Clone)]
pub struct AppState {
    pub clock: Clock,
    pub store: Store,
    pub config: Arc<Config>,
    pub catalog: Arc<ScopeCatalog>,
    pub identity: Arc<Identity>,
    pub sign_in_throttle: Arc<SignInThrottle>,
}
