//! Apps > Connected apps: the list, the "Add a new app" choice, and the New custom app form.

mod create;
mod list;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apps/connected-apps", get(list::list))
        .route("/apps/connected-apps/new", get(list::choose))
        .route(
            "/apps/connected-apps/create",
            get(create::show).post(create::submit),
        )
}
