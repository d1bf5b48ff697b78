//! Checked domain values: ids and user input parsed once at the edge.
//!
//! A value of one of these types has passed its rules, so every later layer
//! can trust it without checking again ("parse, don't validate").

pub mod chat;
pub mod ids;
pub mod message;
pub mod moderation;
pub mod preferences;
pub mod search_terms;
pub mod social;
pub mod text;
pub mod upload;
pub mod user;

pub use chat::*;
pub use ids::*;
pub use moderation::*;
pub use social::*;
pub use user::*;
