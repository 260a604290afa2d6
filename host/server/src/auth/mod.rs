//! Authentication: argon2 passwords, sessions in `auth_sessions`, CSRF tokens, roles, login
//! throttling and lockout.

pub mod extract;
pub mod password;
pub mod routes;
pub mod session;
pub mod throttle;

pub use extract::{Admin, ClientIp, CurrentUser, Reviewer};
