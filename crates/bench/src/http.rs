//! The one HTTP client of the benchmarks. [`Server`] starts the real router on a loopback port
//! in this process (client and server share the machine's cores, as they would on one node);
//! [`Http`] sends requests to it over TCP (one hyper client, a pooled connection per
//! concurrent client); [`InProcess`] hands the same requests to the router without TCP
//! (`tower` oneshot). Both read the whole answer and give its status and body, or `None` when
//! the request could not be sent or the body not read.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::ServiceExt;
use yiwang_web::AppState;

/// A whole answer.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

/// The platform's router served over TCP on `127.0.0.1` (a free port), until [`Server::stop`].
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub async fn start(state: AppState) -> anyhow::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let app = yiwang_web::app(state);
        let task = tokio::spawn(yiwang_web::serve(listener, app, std::future::pending()));
        Ok(Server { base, task })
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

/// The hyper client over TCP, with the server's address.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
}

impl Http {
    /// A client of `base` keeping up to `clients` idle connections (one per concurrent client).
    pub fn new(base: &str, clients: usize) -> Http {
        Http {
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(clients)
                .build_http(),
            base: base.to_string(),
        }
    }

    /// The absolute address of a path (with its query).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to a path, to finish with headers and a body.
    pub fn request(&self, method: hyper::Method, path: &str) -> hyper::http::request::Builder {
        Request::builder().method(method).uri(self.url(path))
    }

    pub async fn send(&self, req: Request<Full<Bytes>>) -> Option<Answer> {
        let resp = self.client.request(req).await.ok()?;
        let status = resp.status();
        let body = resp.into_body().collect().await.ok()?.to_bytes();
        Some(Answer { status, body })
    }

    /// `GET` of an address parsed beforehand (no parsing inside the measured call).
    pub async fn get(&self, uri: hyper::Uri) -> Option<Answer> {
        let req = Request::get(uri).body(Full::default()).ok()?;
        self.send(req).await
    }
}

/// The router called in process: session and header layers, handlers, JSON — no TCP.
#[derive(Clone)]
pub struct InProcess {
    app: axum::Router,
}

impl InProcess {
    pub fn new(state: AppState) -> InProcess {
        InProcess {
            app: yiwang_web::app(state),
        }
    }

    /// `GET` of a path (with its query).
    pub async fn get(&self, path: &str) -> Option<Answer> {
        let req = Request::get(path).body(axum::body::Body::empty()).ok()?;
        let resp = self.app.clone().oneshot(req).await.ok()?;
        let status = resp.status();
        let body = resp.into_body().collect().await.ok()?.to_bytes();
        Some(Answer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::{Scratch, clock};

    #[tokio::test]
    async fn over_tcp_and_in_process_the_router_gives_the_same_answer() {
        let s = Scratch::open(None, 4).await.unwrap();
        let state = AppState::standalone(
            s.db.clone(),
            clock(),
            yiwang_web::WebConfig::default(),
            yiwang_identity::Keys::ephemeral().unwrap(),
        )
        .unwrap();
        let server = Server::start(state.clone()).await.unwrap();
        let http = Http::new(&server.base, 1);
        let local = InProcess::new(state);
        for path in [
            "/healthz",
            "/api/v1/items?q=%E8%90%A5%E4%B8%9A",
            "/no-such-page",
        ] {
            let a = http.get(http.url(path).parse().unwrap()).await.unwrap();
            let b = local.get(path).await.unwrap();
            assert_eq!(a.status, b.status, "{path}");
            assert_eq!(a.body, b.body, "{path}");
        }
        let ok = http
            .get(http.url("/healthz").parse().unwrap())
            .await
            .unwrap();
        assert_eq!((ok.status, &ok.body[..]), (StatusCode::OK, &b"ok"[..]));
        server.stop();
        // A stopped server answers nothing: the failure is `None`, not a panic.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let fresh = Http::new(&http.url(""), 1);
        assert!(
            fresh
                .get(fresh.url("/healthz").parse().unwrap())
                .await
                .is_none()
        );
        s.db.close().await;
    }
}
