//! HTTP: the routes, their limits and headers, and the server's lifecycle.
//!
//! Contract: every response carries the security headers of `middleware`; every error is the
//! JSON of `error`; no reporter route sets a cookie (only staff sign-in does, `staff`); the
//! server never reads the client's address or user agent. Routes are listed once, in
//! [`route_table`] and `staff::staff_route_table`.

pub mod directory;
pub mod error;
pub mod limits;
pub mod log;
pub mod middleware;
pub mod openapi;
pub mod reporter;
pub mod staff;
pub mod webapp;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{Next, from_fn};
use actix_web::{App as ActixApp, HttpResponse, HttpServer, Route, web};

use crate::server::app::App;
use crate::server::http::error::ApiError;
use middleware::{AccessCounts, log_access_summary, security_headers};

/// How often spent proof-of-work challenges are forgotten and the access summary written.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

/// One route: its method, its path pattern as registered, and how to build its handler.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    build: fn() -> Route,
}

fn get(path: &'static str, build: fn() -> Route) -> RouteSpec {
    RouteSpec {
        method: Method::GET,
        path,
        build,
    }
}

fn post(path: &'static str, build: fn() -> Route) -> RouteSpec {
    RouteSpec {
        method: Method::POST,
        path,
        build,
    }
}

/// Every route of the service, in one table: the router, the OpenAPI test and the
/// authorisation tests all read it, so none of them can miss a route.
pub fn route_table() -> Vec<RouteSpec> {
    vec![
        get("/api/v1/config", || web::get().to(reporter::config)),
        get("/api/v1/pow", || web::get().to(reporter::pow)),
        post("/api/v1/reports", || web::post().to(reporter::submit)),
        get("/api/v1/reporter/case", || {
            web::get().to(reporter::read_case)
        }),
        get("/api/v1/reporter/items", || {
            web::get().to(reporter::read_items)
        }),
        post("/api/v1/reporter/messages", || {
            web::post().to(reporter::post_message)
        }),
        get("/.well-known/jwks.json", || web::get().to(reporter::jwks)),
        get("/api/v1/log/checkpoint", || web::get().to(log::checkpoint)),
        get("/api/v1/log/key", || web::get().to(log::key)),
        get("/api/v1/log/proof/inclusion", || {
            web::get().to(log::inclusion)
        }),
        get("/api/v1/log/proof/consistency", || {
            web::get().to(log::consistency)
        }),
        get("/api/v1/log/leaf-hashes", || {
            web::get().to(log::leaf_hashes)
        }),
        get("/api/v1/openapi.json", || {
            web::get().to(openapi::openapi_json)
        }),
        get("/api/v1/web-bundle", || web::get().to(webapp::web_bundle)),
        get("/api/v1/directory", || web::get().to(directory::current)),
        get("/api/v1/trust-root/rotations", || {
            web::get().to(directory::rotations)
        }),
        get("/api/v1/directory/versions/{seq}", || {
            web::get().to(directory::version)
        }),
        get("/api/v1/directory/proposal", || {
            web::get().to(directory::proposal)
        }),
        post("/api/v1/directory/proposal/signatures", || {
            web::post().to(directory::sign)
        }),
    ]
    .into_iter()
    .chain(staff::staff_route_table())
    .collect()
}

/// Registers [`route_table`]: one resource per path, answering 405 for other methods.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let table = route_table();
    let mut paths: Vec<&'static str> = Vec::new();
    for spec in &table {
        if !paths.contains(&spec.path) {
            paths.push(spec.path);
        }
    }
    for path in paths {
        let mut resource = web::resource(path).default_service(web::to(method_not_allowed));
        for spec in table.iter().filter(|s| s.path == path) {
            resource = resource.route((spec.build)());
        }
        cfg.service(resource);
    }
}

async fn count_access(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let counts = req.app_data::<web::Data<AccessCounts>>().cloned();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    if let Some(counts) = counts {
        // The route pattern, never the raw path: paths could carry anything a client typed.
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".into());
        counts.record(&method, &route, res.status().as_u16());
    }
    Ok(res)
}

/// The bound address of the staff listener, when staff are served apart (`staff_bind`).
#[derive(Clone, Copy)]
struct StaffListener(Option<std::net::SocketAddr>);

/// Whether `path` is the staff app's or the staff API's.
pub fn is_staff_path(path: &str) -> bool {
    path == "/staff" || path.starts_with("/staff/") || path.starts_with("/api/v1/staff/")
}

/// With a staff listener, the other listener answers staff paths with 404 (as if they did
/// not exist), so the public site shows no staff sign-in and takes no staff request.
async fn staff_only_on_staff_listener(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let staff = req.app_data::<web::Data<StaffListener>>().and_then(|s| s.0);
    if let Some(staff) = staff
        && req.app_config().local_addr() != staff
        && is_staff_path(req.path())
    {
        let (req, _) = req.into_parts();
        let res = actix_web::ResponseError::error_response(&ApiError::NotFound);
        return Ok(ServiceResponse::new(req, res));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn app_is_https(app: &App) -> bool {
    app.settings.public_url.starts_with("https://")
}

/// Builds the server on already bound listeners (so tests can bind port 0): `listener` for
/// everything, or, with `staff`, everything but the staff paths, which only `staff` serves.
pub fn build_server(
    app: Arc<App>,
    counts: web::Data<AccessCounts>,
    listener: TcpListener,
    staff: Option<TcpListener>,
    workers: usize,
) -> std::io::Result<actix_web::dev::Server> {
    let staff_listener = web::Data::new(StaffListener(
        staff.as_ref().map(TcpListener::local_addr).transpose()?,
    ));
    let data = web::Data::from(app);
    // Hash the embedded web app once, before the first request.
    webapp::bundle();
    let https = app_is_https(&data);
    let cap = limits::connection_cap(data.settings.max_connections);
    let server = HttpServer::new(move || {
        ActixApp::new()
            .app_data(data.clone())
            .app_data(counts.clone())
            .app_data(staff_listener.clone())
            .wrap(from_fn(staff_only_on_staff_listener))
            .wrap(from_fn(count_access))
            .wrap(from_fn(limits::close_unread_bodies))
            .wrap(security_headers(https))
            .configure(routes)
            .default_service(web::to(webapp::static_or_not_found))
    })
    .workers(workers)
    .max_connections(cap.div_ceil(workers).max(1))
    .client_request_timeout(limits::HEADER_TIMEOUT)
    .client_disconnect_timeout(limits::DISCONNECT_TIMEOUT)
    .keep_alive(limits::KEEP_ALIVE)
    .shutdown_timeout(10)
    .listen(listener)?;
    let server = match staff {
        Some(staff) => server.listen(staff)?,
        None => server,
    };
    Ok(server.run())
}

/// Periodic work: forget expired challenges, write the access summary.
pub async fn housekeeping(app: Arc<App>, counts: web::Data<AccessCounts>) {
    let mut tick = actix_web::rt::time::interval(HOUSEKEEPING_EVERY);
    // The first tick fires at once; skip it so the first summary covers a full period.
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = app
            .store()
            .forget_expired_challenges(crate::protocol::time::now())
        {
            tracing::warn!(error = %e, "could not forget expired challenges");
        }
        log_access_summary(&counts);
    }
}

/// Runs the service until SIGINT/SIGTERM, then writes the last access summary. Log checkpoints
/// are issued at start (if the tree changed) and on the schedule of `settings.checkpoint_secs`.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    staff: Option<TcpListener>,
) -> std::io::Result<()> {
    let counts = web::Data::new(AccessCounts::default());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let server = build_server(app.clone(), counts.clone(), listener, staff, workers)?;
    let checkpoints = actix_web::rt::spawn(crate::server::app::checkpoint_schedule(app.clone()));
    let chores = actix_web::rt::spawn(housekeeping(app, counts.clone()));
    let result = server.await;
    chores.abort();
    checkpoints.abort();
    log_access_summary(&counts);
    result
}

/// A server running on its own thread, for tests, benchmarks and embedding.
pub struct RunningServer {
    pub addr: std::net::SocketAddr,
    handle: ServerHandle,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// Binds `127.0.0.1:0` and serves `app` until [`RunningServer::stop`] or drop.
    pub fn start(app: Arc<App>) -> std::io::Result<RunningServer> {
        Self::start_on(app, TcpListener::bind("127.0.0.1:0")?, None)
    }

    /// Serves `app` on `listener`, and the staff paths only on `staff` when given.
    pub fn start_on(
        app: Arc<App>,
        listener: TcpListener,
        staff: Option<TcpListener>,
    ) -> std::io::Result<RunningServer> {
        let addr = listener.local_addr()?;
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let counts = web::Data::new(AccessCounts::default());
                let server = build_server(app, counts, listener, staff, 2)?;
                let _ = tx.send(server.handle());
                server.await
            })
        });
        let handle = rx
            .recv()
            .map_err(|_| std::io::Error::other("the server thread failed to start"))?;
        Ok(RunningServer {
            addr,
            handle,
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes running requests, and waits for the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(thread) = self.thread.take() {
            // Sending the stop command happens when `stop` is called; the returned future
            // only waits for it, and joining the thread waits for the same thing.
            drop(self.handle.stop(true));
            let _ = thread.join();
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
