//! [`Client`] and its builder: configuration, validated once at `build()`.

use std::fmt;
use std::time::Duration;

use crate::api::{Api, Inner};
use crate::files::Files;
use crate::retry::{DEFAULT_MAX_RETRIES, RetryBudget, RetryPolicy};
use crate::{Error, urls};

/// Environment variable holding the API key. Public so that tools can name it in their own
/// messages and help.
pub const API_KEY_ENV: &str = "AYMARA_AI_API_KEY";
/// Environment variable overriding the base URL. Public for the same reason.
pub const BASE_URL_ENV: &str = "AYMARA_AI_BASE_URL";
/// The production API: the base URL unless one is given. Public so that callers can tell
/// whether they talk to production.
pub const DEFAULT_BASE_URL: &str = "https://api.aymara.ai";
/// Default limit on one API call, its answer included. A transfer is cut off sooner if it
/// stalls, and never later than this plus one second per 64 KiB of its file. Public because
/// it is the default of [`ClientBuilder::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit on opening a connection. Public because it is the default of
/// [`ClientBuilder::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The `User-Agent` sent with every request.
pub(crate) const USER_AGENT: &str = concat!("aymara-rust/", env!("CARGO_PKG_VERSION"));

/// A client for Aymara's Files API. Cheap to clone: clones share one connection pool and
/// one retry budget. `Send + Sync + 'static`, so it can move into spawned tasks.
///
/// ```no_run
/// # async fn run() -> Result<(), aymara::Error> {
/// let client = aymara::Client::from_env()?;
/// let report = client
///     .files()
///     .upload(["prompts.csv", "images/cat.png"], aymara::UploadOptions::new())
///     .await?;
/// for file in report.uploaded() {
///     println!("{} -> {}", file.local_file_path(), file.file_uuid());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) api: Api,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.api.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.base_url.as_str())
            .field("api_key", &"<redacted>")
            .field("timeout", &inner.timeout)
            .field("max_retries", &inner.retry.max_retries)
            .finish()
    }
}

impl Client {
    /// A client configured from `AYMARA_AI_API_KEY` and, if set, `AYMARA_AI_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().with_env().build()
    }

    /// A builder for a client configured in code.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The Files API: `create` (presign only), `upload` (the whole job), and the rest of
    /// the Files resource.
    pub fn files(&self) -> Files {
        Files {
            api: self.api.clone(),
        }
    }

    /// The base URL API calls go to.
    pub fn base_url(&self) -> &str {
        self.api.inner.base_url.as_str()
    }
}

/// A setting, and the environment variable it came from (if it did), so an error can name it.
#[derive(Debug, Clone)]
struct Sourced {
    value: String,
    env: Option<&'static str>,
}

impl Sourced {
    /// "base URL", or "base URL from AYMARA_AI_BASE_URL".
    fn describe(&self, what: &str) -> String {
        match self.env {
            Some(env) => format!("{what} from {env}"),
            None => what.to_string(),
        }
    }
}

/// Configures a [`Client`]. Nothing is checked until [`ClientBuilder::build`].
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<Sourced>,
    base_url: Option<Sourced>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    http_client: Option<reqwest::Client>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url.as_ref().map(|u| &u.value))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("http_client", &self.http_client.is_some())
            .finish()
    }
}

impl ClientBuilder {
    /// Fills the key and base URL from the environment where they are not already set. A
    /// variable that is set but not valid UTF-8 is kept, so that `build()` can say so.
    pub fn with_env(mut self) -> Self {
        let var = |name: &'static str| {
            let raw = std::env::var_os(name)?;
            let value = raw
                .into_string()
                .unwrap_or_else(|raw| raw.to_string_lossy().into_owned());
            (!value.trim().is_empty()).then_some(Sourced {
                value,
                env: Some(name),
            })
        };
        if self.api_key.is_none() {
            self.api_key = var(API_KEY_ENV);
        }
        if self.base_url.is_none() {
            self.base_url = var(BASE_URL_ENV);
        }
        self
    }

    /// The API key, sent as `x-api-key` to the API only (never to presigned URLs).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Sourced {
            value: key.into(),
            env: None,
        });
        self
    }

    /// The API's base URL: https, or http to a loopback host. Default
    /// `https://api.aymara.ai`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(Sourced {
            value: url.into(),
            env: None,
        });
        self
    }

    /// Limit on one attempt at an API call, reading its answer included. Default 60 s. One
    /// attempt at a transfer is cut off as soon as it stalls (it waits far longer than its
    /// peers to connect, to send a chunk or for its answer), and never gets more network
    /// time than this plus one second per 64 KiB of the file, so a large file on a slow link
    /// has the time it needs while its bytes move.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Limit on opening a connection. Default 5 s. Ignored with [`Self::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retries after a transient failure, for API calls and for each file's transfer.
    /// Default 2; 0 disables retries.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS roots, pool settings) for every request.
    /// Its own timeouts apply instead of [`Self::connect_timeout`].
    ///
    /// Behind the `custom-http-client` feature, because it ties your code to this crate's
    /// version of reqwest. The client must not follow redirects
    /// (`redirect(reqwest::redirect::Policy::none())`) and should send no `Referer`
    /// (`referer(false)`): a followed redirect would carry the API key to another host. If
    /// it may speak HTTP/2 to the store, set [`UploadOptions::max_buffered_bytes`] well above
    /// 768 KiB per stream the store allows at once: transfers waiting for a stream hold
    /// their read-ahead (the SDK's own transfer pool speaks HTTP/1.1 only).
    ///
    /// [`UploadOptions::max_buffered_bytes`]: crate::UploadOptions::max_buffered_bytes
    #[cfg(feature = "custom-http-client")]
    #[cfg_attr(docsrs, doc(cfg(feature = "custom-http-client")))]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let key = self
            .api_key
            .ok_or_else(|| Error::Config(format!("no API key: set {API_KEY_ENV}")))?;
        let api_key = check_key(&key)?;
        let base_url = match &self.base_url {
            Some(url) => urls::parse_secure(url.value.trim(), &url.describe("base URL")),
            None => urls::parse_secure(DEFAULT_BASE_URL, "default base URL"),
        }
        .map_err(Error::Config)?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let (api_http, http) = match self.http_client {
            Some(client) => (client.clone(), client),
            None => (
                http_client(connect_timeout, Pool::Api)?,
                http_client(connect_timeout, Pool::Transfers)?,
            ),
        };
        let generated = aymara_api::Client::new_with_client(
            base_url.as_str().trim_end_matches('/'),
            api_http,
            api_key,
        );
        Ok(Client {
            api: Api::new(Inner {
                generated,
                http,
                base_url,
                timeout,
                retry: RetryPolicy {
                    max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
                },
                budget: RetryBudget::default(),
            }),
        })
    }
}

/// What an HTTP client the SDK builds is for.
enum Pool {
    Api,
    /// Presigned PUTs: HTTP/1.1 only, as S3 speaks, so that each transfer has a connection
    /// of its own and its body is read as soon as it starts. Over HTTP/2 requests past the
    /// server's stream limit would wait with their bodies already read ahead, holding room
    /// in the memory budget the running ones need.
    Transfers,
}

/// An HTTP client as the SDK builds one. Redirects are never followed and no `Referer` is
/// sent: the key must reach no other host, and a presigned URL's signature must not leak to
/// one.
fn http_client(connect_timeout: Duration, pool: Pool) -> Result<reqwest::Client, Error> {
    let builder = reqwest::Client::builder();
    let builder = match pool {
        Pool::Api => builder,
        Pool::Transfers => builder.http1_only(),
    };
    builder
        .user_agent(USER_AGENT)
        .connect_timeout(connect_timeout)
        // No `read_timeout`: reqwest runs it from the start of a request to its answer's
        // head, which would cut off every upload longer than the API's time limit. Each
        // attempt's own limit (`attempt.rs`) covers it all instead.
        // Every transfer that may run at once keeps its connection between files.
        .pool_max_idle_per_host(crate::MAX_CONCURRENCY)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .build()
        .map_err(|e| Error::Config(format!("cannot start the HTTP client: {e}")))
}

/// The key, checked: visible ASCII only (no spaces, no control or non-ASCII characters),
/// after trimming surrounding whitespace. Anything else is refused naming where the key came
/// from, and never echoed.
fn check_key(key: &Sourced) -> Result<aymara_api::ApiKey, Error> {
    let value = key.value.trim();
    if value.is_empty() {
        return Err(Error::Config(format!("no API key: set {API_KEY_ENV}")));
    }
    let refuse = || {
        let what = match key.env {
            Some(env) => env.to_string(),
            None => format!("the API key (normally from {API_KEY_ENV})"),
        };
        Error::Config(format!(
            "{what} must be printable ASCII without spaces; it contains another character"
        ))
    };
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(refuse());
    }
    aymara_api::ApiKey::new(value).map_err(|_| refuse())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_names_the_variable() {
        let err = Client::builder().build().unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        assert!(err.to_string().contains(API_KEY_ENV), "{err}");
    }

    #[test]
    fn a_plain_http_base_url_is_refused() {
        let err = Client::builder()
            .api_key("k")
            .base_url("http://api.example.com")
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "base URL must use https (plain http is allowed only to localhost): http://api.example.com/"
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let builder = Client::builder().api_key("sk-sentinel");
        assert!(!format!("{builder:?}").contains("sk-sentinel"));
        let client = builder.base_url("http://127.0.0.1:1").build().unwrap();
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("sk-sentinel") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn defaults_are_the_official_ones() {
        let client = Client::builder().api_key("k").build().unwrap();
        assert_eq!(client.base_url(), "https://api.aymara.ai/");
        assert_eq!(client.api.inner.timeout, Duration::from_secs(60));
        assert_eq!(client.api.inner.retry.max_retries, 2);
        assert_eq!(
            USER_AGENT,
            format!("aymara-rust/{}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn keys_must_be_visible_ascii_and_are_never_echoed() {
        for bad in ["sk-é-secret", "sk secret", "sk-\u{1b}secret", "sk-\tsecret"] {
            let err = Client::builder().api_key(bad).build().unwrap_err();
            let shown = err.to_string();
            assert!(matches!(err, Error::Config(_)));
            assert!(shown.contains(API_KEY_ENV), "{shown}");
            assert!(!shown.contains("secret"), "{shown}");
        }
        assert!(Client::builder().api_key("  sk-ok_123  ").build().is_ok());
    }
}
