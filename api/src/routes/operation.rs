//! The route table: each area lists its handlers once (`ROUTES`, with `operations!`); the path
//! and method of each come from its `#[utoipa::path]`, so registering the routes and writing the
//! OpenAPI document read the same list.

use actix_web::Route;
use actix_web::http::Method;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;

/// Sends a route's requests to a handler: `|route| route.to(handler)`.
type Handler = fn(Route) -> Route;

/// One operation: a handler with its OpenAPI description.
pub(crate) struct Operation {
    /// The handler's document: its path item (path, method, operation) and the schemas it uses.
    document: fn() -> OpenApi,
    handler: Handler,
    /// Its JSON bodies may be as large as a sync push or pull (`EHEALTH_SYNC_MAX_BYTES`).
    sync_body_limit: bool,
}

impl Operation {
    /// Use `operations!`, which finds the document of a handler by its name.
    pub(crate) const fn new(document: fn() -> OpenApi, handler: Handler) -> Self {
        Self {
            document,
            handler,
            sync_body_limit: false,
        }
    }

    /// Takes the sync endpoints' larger body limit instead of the default one.
    pub(crate) const fn sync_body_limit(mut self) -> Self {
        self.sync_body_limit = true;
        self
    }

    /// The handler's OpenAPI document: its path item and the schemas it uses.
    pub(crate) fn document(&self) -> OpenApi {
        (self.document)()
    }
}

/// An area's operations, `operations! { handler, other_handler.sync_body_limit(), ... }`: each
/// handler (a function of the calling module) with the document its `#[utoipa::path]` derives.
macro_rules! operations {
    ($($handler:ident $(.$modifier:ident())*),* $(,)?) => {
        &[$({
            #[derive(utoipa::OpenApi)]
            #[openapi(paths($handler))]
            enum Document {}
            $crate::routes::operation::Operation::new(
                <Document as utoipa::OpenApi>::openapi,
                |route| route.to($handler),
            )
            $(.$modifier())*
        }),*]
    };
}
pub(crate) use operations;

/// The operations of one path, served by one actix resource.
pub(super) struct PathOperations {
    pub(super) path: String,
    /// Each method's route to its handler.
    pub(super) routes: Vec<(Method, Handler)>,
    /// One of its operations takes the sync body limit (it is set on the resource).
    pub(super) sync_body_limit: bool,
}

/// The operations grouped by path, in the order each path first appears (one actix resource per
/// path, so a wrong method on a known path is a 405, not a 404).
pub(super) fn resources<'a>(
    operations: impl IntoIterator<Item = &'a Operation>,
) -> Vec<PathOperations> {
    let mut resources: Vec<PathOperations> = Vec::new();
    for operation in operations {
        for (path, item) in operation.document().paths.paths {
            let at = match resources.iter().position(|r| r.path == path) {
                Some(at) => at,
                None => {
                    resources.push(PathOperations {
                        path,
                        routes: Vec::new(),
                        sync_body_limit: false,
                    });
                    resources.len() - 1
                }
            };
            let resource = &mut resources[at];
            resource.sync_body_limit |= operation.sync_body_limit;
            for method in methods(&item) {
                resource.routes.push((method, operation.handler));
            }
        }
    }
    resources
}

/// The methods a path item documents.
fn methods(item: &PathItem) -> Vec<Method> {
    [
        (item.get.is_some(), Method::GET),
        (item.put.is_some(), Method::PUT),
        (item.post.is_some(), Method::POST),
        (item.delete.is_some(), Method::DELETE),
        (item.options.is_some(), Method::OPTIONS),
        (item.head.is_some(), Method::HEAD),
        (item.patch.is_some(), Method::PATCH),
        (item.trace.is_some(), Method::TRACE),
    ]
    .into_iter()
    .filter_map(|(documented, method)| documented.then_some(method))
    .collect()
}
