//! Console users and their sessions. Passwords arrive here already hashed (argon2 PHC strings,
//! hashed by the server); session ids and CSRF tokens are stored only as sha256 hashes, so a
//! copy of the database lets nobody log in.

use crate::{Store, StoreError, new_id, now_ms, on_pool, sha256_hex};
use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including settings, users and triggering runs.
    Admin,
    /// Review drafts: edit, approve, skip, regenerate, resume.
    Reviewer,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "reviewer" => Some(Role::Reviewer),
            _ => None,
        }
    }
}

/// A user as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    #[allow(missing_docs)]
    pub id: String,
    #[allow(missing_docs)]
    pub username: String,
    /// argon2 PHC string.
    pub password_hash: String,
    /// A [`Role`] name.
    pub role: String,
    #[allow(missing_docs)]
    pub disabled: bool,
    /// Failed logins in the current window (see [`Store::record_failed_login`]).
    pub failed_logins: i64,
    /// Logins are refused until then (Unix ms).
    pub locked_until: Option<i64>,
    #[allow(missing_docs)]
    pub created_at: i64,
}

impl User {
    /// The role, parsed (an unknown stored role is treated as the least privileged).
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Reviewer)
    }
}

/// A live session joined with its user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    /// sha256 of the session id.
    pub id_hash: String,
    /// sha256 of the session's CSRF token.
    pub csrf_token_hash: String,
    #[allow(missing_docs)]
    pub expires_at: i64,
    #[allow(missing_docs)]
    pub user_id: String,
    #[allow(missing_docs)]
    pub username: String,
    /// A [`Role`] name.
    pub role: String,
}

macro_rules! user_columns {
    () => {
        "id, username, password_hash, role, disabled, failed_logins, locked_until, created_at"
    };
}

impl Store {
    /// Adds a user; fails with [`StoreError::Conflict`] when the name is taken.
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<User, StoreError> {
        let sql = concat!(
            "INSERT INTO auth_users (id, username, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING ",
            user_columns!()
        );
        let result = on_pool!(self, pool => {
            sqlx::query_as::<_, User>(sql)
                .bind(new_id())
                .bind(username)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now_ms())
                .fetch_one(pool)
                .await
        });
        result.map_err(|e| {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                StoreError::Conflict {
                    kind: "user",
                    id: username.to_owned(),
                }
            } else {
                e
            }
        })
    }

    /// Replaces a user's password hash and role, unlocks it, and ends every session it has
    /// (a session opened with the old password must not outlive it).
    pub async fn update_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE auth_users SET password_hash = $1, role = $2, failed_logins = 0, \
                 failures_since = NULL, locked_until = NULL WHERE username = $3",
            )
            .bind(password_hash)
            .bind(role.as_str())
            .bind(username)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "DELETE FROM auth_sessions WHERE user_id IN \
                 (SELECT id FROM auth_users WHERE username = $1)",
            )
            .bind(username)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            n
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                kind: "user",
                id: username.to_owned(),
            });
        }
        Ok(())
    }

    /// Gives a user another role and ends its sessions (a session opened as a reviewer is not
    /// carried into admin, nor the other way round). Returns whether the role changed; the same
    /// role again changes nothing and keeps the sessions.
    pub async fn set_user_role(&self, username: &str, role: Role) -> Result<bool, StoreError> {
        let changed = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(
                "UPDATE auth_users SET role = $1 WHERE username = $2 AND role <> $1",
            )
            .bind(role.as_str())
            .bind(username)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if changed {
                sqlx::query(
                    "DELETE FROM auth_sessions WHERE user_id IN \
                     (SELECT id FROM auth_users WHERE username = $1)",
                )
                .bind(username)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            changed
        });
        if !changed && self.user_by_name(username).await?.is_none() {
            return Err(StoreError::NotFound {
                kind: "user",
                id: username.to_owned(),
            });
        }
        Ok(changed)
    }

    /// A user's own password change: the new hash, and every other session of the user ends;
    /// the session `keep_session` (the one making the change) stays.
    pub async fn change_own_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: &str,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE auth_users SET password_hash = $1, failed_logins = 0, \
                 failures_since = NULL, locked_until = NULL WHERE id = $2",
            )
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user_id)
                .bind(sha256_hex(keep_session.as_bytes()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            n
        });
        if n == 0 {
            return Err(StoreError::NotFound {
                kind: "user",
                id: user_id.to_owned(),
            });
        }
        Ok(())
    }

    /// A user by name.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM auth_users WHERE username = $1"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, User>(sql).bind(username).fetch_optional(pool).await?
        }))
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM auth_users ORDER BY username"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, User>(sql).fetch_all(pool).await?
        }))
    }

    /// How many users exist.
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM auth_users").fetch_one(pool).await?
        }))
    }

    /// Records a failed login. Failures count within a window of `lock_ms` from the first
    /// one; the `max_failures`-th in the window locks the account until `now + lock_ms`. A
    /// running lock is never extended (the row is left alone while it lasts), and the first
    /// failure after a lock ran out starts a new window: one wrong try per lock period cannot
    /// keep an account locked. Returns the lock time when this failure locked it.
    pub async fn record_failed_login(
        &self,
        user_id: &str,
        max_failures: i64,
        lock_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let now = now_ms();
        // `fresh!()`: this failure starts a new window (none yet, the window is over, or a lock
        // ran out: the WHERE clause leaves only expired locks).
        macro_rules! fresh {
            () => {
                "(failures_since IS NULL OR failures_since <= $2 - $3 OR locked_until IS NOT NULL)"
            };
        }
        const SQL: &str = concat!(
            "UPDATE auth_users SET failed_logins = CASE WHEN ",
            fresh!(),
            " THEN 1 ELSE failed_logins + 1 END, failures_since = CASE WHEN ",
            fresh!(),
            " THEN $2 ELSE failures_since END, locked_until = CASE WHEN (CASE WHEN ",
            fresh!(),
            " THEN 1 ELSE failed_logins + 1 END) >= $1 THEN $2 + $3 ELSE NULL END \
             WHERE id = $4 AND (locked_until IS NULL OR locked_until <= $2) \
             RETURNING locked_until"
        );
        let locked: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(SQL)
                .bind(max_failures)
                .bind(now)
                .bind(lock_ms.max(0))
                .bind(user_id)
                .fetch_optional(pool)
                .await?
                .flatten()
        });
        Ok(locked.filter(|&t| t > now))
    }

    /// Clears the failure count after a successful login.
    pub async fn record_successful_login(&self, user_id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE auth_users SET failed_logins = 0, failures_since = NULL, \
                 locked_until = NULL WHERE id = $1",
            )
                .bind(user_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Stores a session for `user_id` under the hashes of its id and CSRF token.
    pub async fn create_session(
        &self,
        session_id: &str,
        csrf_token: &str,
        user_id: &str,
        ip: Option<&str>,
        user_agent: Option<&str>,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO auth_sessions (id_hash, user_id, csrf_token_hash, ip, user_agent, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(sha256_hex(session_id.as_bytes()))
            .bind(user_id)
            .bind(sha256_hex(csrf_token.as_bytes()))
            .bind(ip)
            .bind(user_agent)
            .bind(now_ms())
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session with id `session_id` (of an enabled user), if any.
    pub async fn session(&self, session_id: &str) -> Result<Option<Session>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Session>(
                "SELECT s.id_hash, s.csrf_token_hash, s.expires_at, u.id AS user_id, u.username, \
                 u.role FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id \
                 WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
            )
            .bind(sha256_hex(session_id.as_bytes()))
            .bind(now_ms())
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, session_id: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM auth_sessions WHERE id_hash = $1")
                .bind(sha256_hex(session_id.as_bytes()))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired_sessions(&self) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM auth_sessions WHERE expires_at <= $1")
                .bind(now_ms())
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
