//! The networks this host knows how to publish to: for each, the credential it needs (the
//! slots an operator fills in the console), how the host attaches it, and how a thread is
//! published there.

use serde::Serialize;

/// How the host attaches a provider's credential to the requests its component makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthScheme {
    /// OAuth 1.0a user context (HMAC-SHA1 over method, URL and query), or an OAuth 2.0 user
    /// token as `Bearer` when only `bearer_token` is set.
    XOAuth,
    /// `Authorization: Bearer <access token>`.
    Bearer,
    /// An AT Protocol session opened by the host with the app password
    /// (`com.atproto.server.createSession`); its access token as `Bearer`.
    AtprotoSession,
    /// `x-dailyx-signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
    HmacSignature,
}

/// How a thread is published on a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreadStyle {
    /// One post per tweet, each replying to the previous one.
    Replies,
    /// One post carrying the whole thread (networks without threads: Instagram).
    Single,
}

/// One credential an operator sets for a provider.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Slot {
    /// Its key under the provider, e.g. `access_token`.
    pub key: &'static str,
    /// What the console calls it.
    pub label: &'static str,
}

/// Where a provider's own API is: the only origin its credential is attached to, whatever other
/// origins its component's grant lists.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ApiBase {
    /// The component setting that names it (`instance`, `pds`, ...); its origin counts.
    pub config_key: &'static str,
    /// The origin when the setting is not set (the component's own default); none when the
    /// setting is required.
    pub default: Option<&'static str>,
}

/// A network this host can publish to.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProviderKind {
    /// The provider's name (also its default component's name and credential prefix).
    pub name: &'static str,
    /// What the console calls it.
    pub display: &'static str,
    /// How its credential is attached.
    pub auth: AuthScheme,
    /// Where its API is (the credential goes nowhere else).
    pub api_base: ApiBase,
    /// The credentials it takes.
    pub slots: &'static [Slot],
    /// Sets of slots any one of which is enough (X: OAuth 1.0a's four, or a bearer token).
    pub complete_when: &'static [&'static [&'static str]],
    /// How a thread is published.
    pub thread: ThreadStyle,
    /// Whether a post needs an image (Instagram).
    pub needs_image: bool,
    /// Whether its `recent` lists what was posted, so a call of unknown outcome can be
    /// reconciled. The webhook's cannot: its receivers drop repeats by idempotency key instead.
    pub lists_posts: bool,
}

/// Every known provider.
pub const PROVIDERS: &[ProviderKind] = &[
    ProviderKind {
        name: "x",
        display: "X",
        auth: AuthScheme::XOAuth,
        api_base: ApiBase {
            config_key: "api_base",
            default: Some("https://api.x.com"),
        },
        slots: &[
            Slot {
                key: "api_key",
                label: "API key (consumer key)",
            },
            Slot {
                key: "api_secret",
                label: "API secret (consumer secret)",
            },
            Slot {
                key: "access_token",
                label: "Access token",
            },
            Slot {
                key: "access_token_secret",
                label: "Access token secret",
            },
            Slot {
                key: "bearer_token",
                label: "OAuth 2.0 user access token (instead of the four above)",
            },
        ],
        complete_when: &[
            &[
                "api_key",
                "api_secret",
                "access_token",
                "access_token_secret",
            ],
            &["bearer_token"],
        ],
        thread: ThreadStyle::Replies,
        needs_image: false,
        lists_posts: true,
    },
    ProviderKind {
        name: "mastodon",
        display: "Mastodon",
        auth: AuthScheme::Bearer,
        api_base: ApiBase {
            config_key: "instance",
            default: None,
        },
        slots: &[Slot {
            key: "access_token",
            label: "Access token (write:statuses, write:media, read:accounts)",
        }],
        complete_when: &[&["access_token"]],
        thread: ThreadStyle::Replies,
        needs_image: false,
        lists_posts: true,
    },
    ProviderKind {
        name: "bluesky",
        display: "Bluesky",
        auth: AuthScheme::AtprotoSession,
        api_base: ApiBase {
            config_key: "pds",
            default: Some("https://bsky.social"),
        },
        slots: &[
            Slot {
                key: "identifier",
                label: "Handle or DID",
            },
            Slot {
                key: "app_password",
                label: "App password",
            },
        ],
        complete_when: &[&["identifier", "app_password"]],
        thread: ThreadStyle::Replies,
        needs_image: false,
        lists_posts: true,
    },
    ProviderKind {
        name: "facebook",
        display: "Facebook Page",
        auth: AuthScheme::Bearer,
        api_base: ApiBase {
            config_key: "graph_base",
            default: Some("https://graph.facebook.com"),
        },
        slots: &[Slot {
            key: "page_access_token",
            label: "Page access token",
        }],
        complete_when: &[&["page_access_token"]],
        thread: ThreadStyle::Replies,
        needs_image: false,
        lists_posts: true,
    },
    ProviderKind {
        name: "instagram",
        display: "Instagram",
        auth: AuthScheme::Bearer,
        api_base: ApiBase {
            config_key: "graph_base",
            default: Some("https://graph.facebook.com"),
        },
        slots: &[Slot {
            key: "access_token",
            label: "Access token (instagram_content_publish)",
        }],
        complete_when: &[&["access_token"]],
        thread: ThreadStyle::Single,
        needs_image: true,
        lists_posts: true,
    },
    ProviderKind {
        name: "webhook",
        display: "Signed webhook",
        auth: AuthScheme::HmacSignature,
        api_base: ApiBase {
            config_key: "url",
            default: None,
        },
        slots: &[Slot {
            key: "signing_secret",
            label: "Signing secret (HMAC-SHA256)",
        }],
        complete_when: &[&["signing_secret"]],
        thread: ThreadStyle::Replies,
        needs_image: false,
        lists_posts: false,
    },
];

/// The provider of this name.
pub fn provider(name: &str) -> Option<&'static ProviderKind> {
    PROVIDERS.iter().find(|p| p.name == name)
}

/// The stored credential name of a provider's slot: `provider.<name>.<key>`.
pub fn credential_name(provider: &str, key: &str) -> String {
    format!("provider.{provider}.{key}")
}
