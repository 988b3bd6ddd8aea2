//! What the dashboard, the command line and start-up do alike, above the store: one implementation of
//! each operation, whichever door or command asks for it.

pub mod activity;
pub mod apps;
pub mod audit_sink;
pub mod people;
pub mod seed;
