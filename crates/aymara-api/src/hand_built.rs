//! Operations the generator cannot describe (a `multipart/form-data` body, say), sent
//! through exactly the path a generated operation takes: the same hooks (the key header,
//! the bounded body, the recorded response meta) and the same decoding of the answer.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use serde::de::DeserializeOwned;

use crate::types::ErrorResponse;
use crate::{Client, Error};

/// The statuses the spec documents the error envelope for, as the generated code matches
/// them.
const DOCUMENTED_ERRORS: [u16; 9] = [400, 401, 403, 404, 409, 422, 429, 500, 503];

impl Client {
    /// Sends `request`, built by hand with this client's `reqwest::Client` for a URL under
    /// its base URL, as the operation `operation_id`.
    ///
    /// The hooks run as for a generated operation: `x-api-key` is added, the answer is read
    /// with its limit and its status and headers are recorded for
    /// [`capture_response_meta`](crate::capture_response_meta). The answer is decoded as
    /// generated code decodes it: a 200 as `T`, a documented error status as the
    /// [`ErrorResponse`] envelope, anything else as [`Error::UnexpectedResponse`].
    ///
    /// A request for a URL outside the base URL is refused before anything is sent: the key
    /// goes to the API only.
    #[doc(hidden)]
    pub async fn send_hand_built<T: DeserializeOwned>(
        &self,
        mut request: reqwest::Request,
        operation_id: &'static str,
    ) -> Result<ResponseValue<T>, Error<ErrorResponse>> {
        if !under_base_url(request.url().as_str(), self.baseurl()) {
            return Err(Error::InvalidRequest(format!(
                "{operation_id}: the request is not for the API's base URL"
            )));
        }
        let info = OperationInfo { operation_id };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200 => ResponseValue::from_response(response).await,
            status if DOCUMENTED_ERRORS.contains(&status) => Err(Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            _ => Err(Error::UnexpectedResponse(response)),
        }
    }
}

/// Whether `url` is the base URL or a path below it (not merely a longer host name).
fn under_base_url(url: &str, base: &str) -> bool {
    let base = base.trim_end_matches('/');
    url.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_under_the_base_url_pass() {
        let base = "https://api.aymara.ai";
        assert!(under_base_url(
            "https://api.aymara.ai/v2/files/-/uploads",
            base
        ));
        assert!(under_base_url(
            "https://api.aymara.ai/v2/x?y=1",
            "https://api.aymara.ai/"
        ));
        assert!(!under_base_url("https://api.aymara.ai.evil.com/v2", base));
        assert!(!under_base_url(
            "https://evil.com/https://api.aymara.ai",
            base
        ));
    }

    #[tokio::test]
    async fn a_request_elsewhere_is_refused_before_sending() {
        let key = crate::ApiKey::new("k").unwrap();
        let client = Client::new_with_client("http://127.0.0.1:9", reqwest::Client::new(), key);
        let request = reqwest::Client::new()
            .post("http://127.0.0.2:9/v2/files/-/uploads")
            .build()
            .unwrap();
        let error = client
            .send_hand_built::<serde_json::Value>(request, "upload_file")
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    }
}
