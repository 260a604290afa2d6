//! The delivery channels. Each sends one message; retrying is the caller's job. Error
//! messages name the channel and the provider's answer, never a credential.

use crate::Message;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

pub use dailyx_common::Secret;
use dailyx_common::{BoundSecret, http_destination, smtp_destination};

/// Credentials for the channels (the console's, else the environment's), each tied to the
/// destinations it may be sent to.
#[derive(Debug, Clone, Default)]
pub struct ChannelSecrets {
    /// The SMTP login's password (`DAILYX_SMTP_PASSWORD`).
    pub smtp_password: Option<BoundSecret>,
    /// SendGrid's API key (`DAILYX_SENDGRID_API_KEY`).
    pub sendgrid_api_key: Option<BoundSecret>,
    /// Twilio's auth token (`DAILYX_TWILIO_AUTH_TOKEN`).
    pub twilio_auth_token: Option<BoundSecret>,
}

/// Where the operator (config file or environment) lets the environment's channel secrets go:
/// an admin who points a channel elsewhere in the console must set that channel's secret there.
#[derive(Debug, Clone)]
pub struct OperatorDestinations {
    /// `host:port` of the SMTP server `DAILYX_SMTP_PASSWORD` is for (none: nowhere).
    pub smtp_server: Option<String>,
    /// SendGrid's API base (`https://api.sendgrid.com` unless set).
    pub sendgrid_api_base: String,
    /// Twilio's API base (`https://api.twilio.com` unless set).
    pub twilio_api_base: String,
}

impl Default for OperatorDestinations {
    fn default() -> Self {
        OperatorDestinations {
            smtp_server: None,
            sendgrid_api_base: default_sendgrid(),
            twilio_api_base: default_twilio(),
        }
    }
}

impl ChannelSecrets {
    /// Reads the three variables, each tied to the operator's destination for it.
    pub fn from_env(operator: &OperatorDestinations) -> Result<ChannelSecrets, String> {
        let smtp = match operator.smtp_server.as_deref() {
            None => Vec::new(),
            Some(server) => {
                let (host, port) = server
                    .rsplit_once(':')
                    .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
                    .filter(|(h, port)| !h.is_empty() && *port != 0)
                    .ok_or_else(|| format!("the SMTP server `{server}` is not host:port"))?;
                vec![smtp_destination(
                    host.trim_start_matches('[').trim_end_matches(']'),
                    port,
                )]
            }
        };
        let http = |base: &str, what: &str| {
            http_destination(base)
                .map(|d| vec![d])
                .ok_or_else(|| format!("the {what} API base `{base}` is not an http(s) URL"))
        };
        let sendgrid = http(&operator.sendgrid_api_base, "SendGrid")?;
        let twilio = http(&operator.twilio_api_base, "Twilio")?;
        let get = |k: &str, to: Vec<String>| {
            std::env::var(k)
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| BoundSecret::new(Secret::new(v), to))
        };
        Ok(ChannelSecrets {
            smtp_password: get("DAILYX_SMTP_PASSWORD", smtp),
            sendgrid_api_key: get("DAILYX_SENDGRID_API_KEY", sendgrid),
            twilio_auth_token: get("DAILYX_TWILIO_AUTH_TOKEN", twilio),
        })
    }
}

/// One configured channel (`app_config` key `notify.channels`, a JSON array of these).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChannelConfig {
    /// E-mail over SMTP.
    Smtp {
        /// Server host name.
        host: String,
        /// Port (587 for STARTTLS, 465 for TLS, 25 or a test sink's port for none).
        port: u16,
        /// `starttls` (default), `tls` or `none` (loopback sinks only).
        #[serde(default)]
        tls: SmtpTls,
        /// Login, if the server wants one (the password is `DAILYX_SMTP_PASSWORD`).
        #[serde(default)]
        username: Option<String>,
        /// Sender address.
        from: String,
        /// Recipients.
        to: Vec<String>,
    },
    /// E-mail through SendGrid's v3 API (key: `DAILYX_SENDGRID_API_KEY`).
    Sendgrid {
        /// `https://api.sendgrid.com` unless overridden.
        #[serde(default = "default_sendgrid")]
        api_base: String,
        /// Sender address.
        from: String,
        /// Recipients.
        to: Vec<String>,
    },
    /// WhatsApp through Twilio's Messages API (token: `DAILYX_TWILIO_AUTH_TOKEN`).
    TwilioWhatsapp {
        /// `https://api.twilio.com` unless overridden.
        #[serde(default = "default_twilio")]
        api_base: String,
        /// The account SID.
        account_sid: String,
        /// The sender, `+15551234567` (the `whatsapp:` prefix is added).
        from: String,
        /// Recipients, same form.
        to: Vec<String>,
    },
}

/// How an SMTP channel protects its connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: a sink on this machine only.
    None,
}
fn default_sendgrid() -> String {
    "https://api.sendgrid.com".into()
}
fn default_twilio() -> String {
    "https://api.twilio.com".into()
}

impl ChannelConfig {
    /// The channel's name in records and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            ChannelConfig::Smtp { .. } => "smtp",
            ChannelConfig::Sendgrid { .. } => "sendgrid",
            ChannelConfig::TwilioWhatsapp { .. } => "twilio_whatsapp",
        }
    }
}

/// Why a send failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth retrying (network trouble, 5xx, 429, a 4xx SMTP reply).
    #[error("{0}")]
    Transient(String),
    /// Retrying will not help (bad address, refused credentials, missing key).
    #[error("{0}")]
    Permanent(String),
}

impl ChannelConfig {
    /// What is wrong with this channel's settings, if anything. Plain SMTP (`tls = "none"`)
    /// sends the login and every message, action links included, in the clear: only to a sink
    /// on this machine.
    pub fn check(&self) -> Result<(), String> {
        if let ChannelConfig::Smtp { host, tls, .. } = self
            && *tls == SmtpTls::None
            && !is_loopback_host(host)
        {
            return Err(format!(
                "smtp: tls = \"none\" is only for a server on this machine (localhost, \
                 127.0.0.1, ::1), not {host}: use starttls or tls"
            ));
        }
        Ok(())
    }

    /// Where this channel's secret would be sent: `smtp://host:port`, or its API's origin.
    pub fn destination(&self) -> Option<String> {
        match self {
            ChannelConfig::Smtp { host, port, .. } => Some(smtp_destination(host, *port)),
            ChannelConfig::Sendgrid { api_base, .. }
            | ChannelConfig::TwilioWhatsapp { api_base, .. } => http_destination(api_base),
        }
    }

    /// Sends `message` over this channel.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        secrets: &ChannelSecrets,
        message: &Message,
        timeout: Duration,
    ) -> Result<(), SendError> {
        self.check().map_err(SendError::Permanent)?;
        match self {
            ChannelConfig::Smtp {
                host,
                port,
                tls,
                username,
                from,
                to,
            } => {
                send_smtp(
                    host,
                    *port,
                    *tls,
                    username.as_deref(),
                    secrets,
                    from,
                    to,
                    message,
                    timeout,
                )
                .await
            }
            ChannelConfig::Sendgrid { api_base, from, to } => {
                let key = secret_for(
                    "sendgrid",
                    "DAILYX_SENDGRID_API_KEY",
                    secrets.sendgrid_api_key.as_ref(),
                    self.destination(),
                )?;
                let body = serde_json::json!({
                    "personalizations": [{ "to": to.iter().map(|e| serde_json::json!({ "email": e })).collect::<Vec<_>>() }],
                    "from": { "email": from },
                    "subject": message.subject,
                    "content": [
                        { "type": "text/plain", "value": message.text },
                        { "type": "text/html", "value": message.html },
                    ],
                });
                let url = format!("{}/v3/mail/send", api_base.trim_end_matches('/'));
                let response = http
                    .post(url)
                    .bearer_auth(key.expose())
                    .json(&body)
                    .timeout(timeout)
                    .send()
                    .await;
                check_http("sendgrid", response).await
            }
            ChannelConfig::TwilioWhatsapp {
                api_base,
                account_sid,
                from,
                to,
            } => {
                let token = secret_for(
                    "twilio",
                    "DAILYX_TWILIO_AUTH_TOKEN",
                    secrets.twilio_auth_token.as_ref(),
                    self.destination(),
                )?;
                let url = format!(
                    "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
                    api_base.trim_end_matches('/')
                );
                // WhatsApp has no subject or HTML: the subject leads the plain text.
                let body = format!("{}\n\n{}", message.subject, message.text);
                for recipient in to {
                    let form = [
                        ("To", format!("whatsapp:{recipient}")),
                        ("From", format!("whatsapp:{from}")),
                        ("Body", body.clone()),
                    ];
                    let response = http
                        .post(&url)
                        .basic_auth(account_sid, Some(token.expose()))
                        .form(&form)
                        .timeout(timeout)
                        .send()
                        .await;
                    check_http("twilio", response).await?;
                }
                Ok(())
            }
        }
    }
}

/// The channel's secret, if it was given for where the channel sends; otherwise a permanent
/// error saying to set it again (never the value).
fn secret_for<'a>(
    channel: &str,
    variable: &str,
    secret: Option<&'a BoundSecret>,
    destination: Option<String>,
) -> Result<&'a Secret, SendError> {
    let secret = secret.ok_or_else(|| {
        SendError::Permanent(format!(
            "{channel}: no secret is set (set {variable}, or set it in the console)"
        ))
    })?;
    let destination = destination
        .ok_or_else(|| SendError::Permanent(format!("{channel}: the API base is not a URL")))?;
    secret
        .to(&destination)
        .map_err(|e| SendError::Permanent(format!("{channel}: its secret is not sent: {e}")))
}

/// `localhost` or a loopback address (`127.0.0.0/8`, `::1`, bracketed or not).
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn check_http(
    channel: &str,
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<(), SendError> {
    let response =
        response.map_err(|e| SendError::Transient(format!("{channel}: {}", e.without_url())))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let message = format!("{channel}: HTTP {status}: {body}");
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        Err(SendError::Transient(message))
    } else {
        Err(SendError::Permanent(message))
    }
}

#[allow(clippy::too_many_arguments)]
async fn send_smtp(
    host: &str,
    port: u16,
    tls: SmtpTls,
    username: Option<&str>,
    secrets: &ChannelSecrets,
    from: &str,
    to: &[String],
    message: &Message,
    timeout: Duration,
) -> Result<(), SendError> {
    let permanent =
        |what: &str, e: &dyn fmt::Display| SendError::Permanent(format!("smtp: {what}: {e}"));
    let from: Mailbox = from
        .parse()
        .map_err(|e| permanent("bad sender address", &e))?;
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(&message.subject);
    for recipient in to {
        let mailbox: Mailbox = recipient
            .parse()
            .map_err(|e| permanent("bad recipient address", &e))?;
        builder = builder.to(mailbox);
    }
    let email = builder
        .multipart(MultiPart::alternative_plain_html(
            message.text.clone(),
            message.html.clone(),
        ))
        .map_err(|e| permanent("cannot build the message", &e))?;
    let transport = match tls {
        SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
    }
    .map_err(|e| permanent("bad server", &e))?;
    let mut transport = transport.port(port).timeout(Some(timeout));
    if let Some(user) = username {
        let password = secret_for(
            "smtp",
            "DAILYX_SMTP_PASSWORD",
            secrets.smtp_password.as_ref(),
            Some(smtp_destination(host, port)),
        )?;
        transport = transport.credentials(Credentials::new(
            user.to_owned(),
            password.expose().to_owned(),
        ));
    }
    transport
        .build()
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| {
            if e.is_permanent() {
                SendError::Permanent(format!("smtp: {e}"))
            } else {
                SendError::Transient(format!("smtp: {e}"))
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> crate::Message {
        crate::Message {
            subject: "s".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
        }
    }

    fn smtp(host: &str, tls: &str) -> ChannelConfig {
        serde_json::from_value(serde_json::json!({
            "kind": "smtp", "host": host, "port": 2525, "tls": tls, "username": "bot",
            "from": "dailyx@example.com", "to": ["reviewer@example.com"],
        }))
        .unwrap()
    }

    #[test]
    fn plain_smtp_is_for_this_machine_only() {
        for host in [
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "[::1]",
            "localhost",
            "LocalHost",
        ] {
            assert_eq!(smtp(host, "none").check(), Ok(()), "{host}");
        }
        for host in [
            "mail.example.com",
            "10.0.0.5",
            "::ffff:8.8.8.8",
            "localhost.evil.example",
        ] {
            let refused = smtp(host, "none").check().unwrap_err();
            assert!(refused.contains("this machine"), "{host}: {refused}");
            assert_eq!(smtp(host, "starttls").check(), Ok(()), "{host}");
        }
        let unknown = serde_json::from_value::<ChannelConfig>(serde_json::json!({
            "kind": "smtp", "host": "localhost", "port": 25, "tls": "ssl3",
            "from": "a@example.com", "to": [],
        }));
        assert!(unknown.is_err());
    }

    /// A channel from the config file is not checked by the API: the send refuses it, before
    /// the password or the message leaves the host.
    #[tokio::test]
    async fn a_plain_smtp_channel_to_another_host_sends_nothing() {
        dailyx_common::install_crypto_provider();
        let channel = smtp("mail.example.com", "none");
        let secrets = ChannelSecrets {
            smtp_password: Some(BoundSecret::new(
                Secret::new("smtp-password-1234"),
                vec![smtp_destination("mail.example.com", 2525)],
            )),
            sendgrid_api_key: None,
            twilio_auth_token: None,
        };
        let message = message();
        let err = channel
            .send(
                &reqwest::Client::new(),
                &secrets,
                &message,
                Duration::from_secs(1),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, SendError::Permanent(m) if m.contains("this machine")),
            "{err}"
        );
        assert!(!err.to_string().contains("smtp-password-1234"));
    }

    /// An admin points SendGrid at a receiver of their own: the key the operator gave for
    /// SendGrid is not sent there (before, it went out as the bearer token).
    #[tokio::test]
    async fn a_channel_pointed_elsewhere_does_not_get_the_secret() {
        dailyx_common::install_crypto_provider();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = format!("http://{}", listener.local_addr().unwrap());
        let channel: ChannelConfig = serde_json::from_value(serde_json::json!({
            "kind": "sendgrid", "api_base": receiver,
            "from": "dailyx@example.com", "to": ["reviewer@example.com"],
        }))
        .unwrap();
        let secrets = ChannelSecrets {
            sendgrid_api_key: Some(BoundSecret::new(
                Secret::new("SG.operator-key-1234"),
                vec!["https://api.sendgrid.com".into()],
            )),
            ..ChannelSecrets::default()
        };
        let message = message();
        let err = channel
            .send(
                &reqwest::Client::new(),
                &secrets,
                &message,
                Duration::from_secs(2),
            )
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, SendError::Permanent(_)), "{text}");
        assert!(
            text.contains("https://api.sendgrid.com") && text.contains("set it again"),
            "{text}"
        );
        assert!(!text.contains("operator-key-1234"));
        let connected = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(connected.is_err(), "the receiver was not even contacted");
    }

    /// The operator's destinations come from the config file or the environment: one that is
    /// not a destination is a clear error at start, not a secret sent somewhere odd.
    #[test]
    fn malformed_operator_destinations_are_refused() {
        for (smtp, sendgrid) in [
            (Some("mail.example.com"), "https://api.sendgrid.com"),
            (Some("mail.example.com:99999"), "https://api.sendgrid.com"),
            (Some(":587"), "https://api.sendgrid.com"),
            (Some("mail.example.com:0"), "https://api.sendgrid.com"),
            (None, "ftp://api.sendgrid.com"),
            (None, "not a url"),
        ] {
            let operator = OperatorDestinations {
                smtp_server: smtp.map(str::to_owned),
                sendgrid_api_base: sendgrid.to_owned(),
                ..OperatorDestinations::default()
            };
            let err = ChannelSecrets::from_env(&operator).unwrap_err();
            assert!(
                err.contains(smtp.unwrap_or(sendgrid)),
                "{smtp:?} {sendgrid}: {err}"
            );
        }
    }
}
