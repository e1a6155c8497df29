//! The catalog API and commerce settings:
//! POST|GET /{business-id}/owned_product_catalogs; GET|POST|DELETE /{catalog-id};
//! POST|GET /{catalog-id}/products; GET|POST|DELETE /{product-item-id};
//! POST /{catalog-id}/items_batch; GET /{catalog-id}/check_batch_request_status;
//! GET|POST|DELETE /{waba-id}/product_catalogs; GET|POST /{phone-number-id}/whatsapp_commerce_settings

use super::GraphRequest;
use crate::response::graph_result;
use axum::response::Response;
use vitrine_core::usecase::catalog::EdgeUrl;
use vitrine_core::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogEndpoint {
    CreateCatalog,
    ListCatalogs,
    GetCatalog,
    UpdateCatalog,
    DeleteCatalog,
    CreateProduct,
    ListProducts,
    GetProduct,
    UpdateProduct,
    DeleteProduct,
    ItemsBatch,
    BatchStatus,
    WabaCatalogs,
    ConnectCatalog,
    DisconnectCatalog,
    GetCommerceSettings,
    SetCommerceSettings,
}

pub async fn handle(endpoint: CatalogEndpoint, req: GraphRequest) -> Response {
    let meta = &req.meta;
    match run(endpoint, &req).await {
        Ok(resp) => resp,
        Err(e) => graph_result::<()>(meta, Err(e)),
    }
}

/// Reads the endpoint's typed request, calls its use-case and renders the answer.
async fn run(endpoint: CatalogEndpoint, req: &GraphRequest) -> Result<Response, ApiError> {
    let sandbox = &req.state.sandbox;
    let (who, id, params) = (&req.principal, req.node_id.as_str(), &req.params);
    let fields = params.str("fields");
    let meta = &req.meta;
    use CatalogEndpoint as E;
    Ok(match endpoint {
        E::CreateCatalog => graph_result(
            meta,
            sandbox
                .create_catalog(who, &req.id(), &params.typed()?)
                .await,
        ),
        E::ListCatalogs => graph_result(meta, sandbox.list_catalogs(who, &req.id(), fields)),
        E::GetCatalog => graph_result(meta, sandbox.get_catalog(who, &req.id(), fields)),
        E::UpdateCatalog => graph_result(
            meta,
            sandbox
                .update_catalog(who, &req.id(), &params.typed()?)
                .await,
        ),
        E::DeleteCatalog => graph_result(meta, sandbox.delete_catalog(who, &req.id()).await),
        E::CreateProduct => graph_result(
            meta,
            sandbox
                .create_product(who, &req.id(), &params.typed()?)
                .await,
        ),
        E::ListProducts => {
            let edge = EdgeUrl {
                base: format!(
                    "{}/{}/{}/products",
                    req.state.public_url.trim_end_matches('/'),
                    req.meta.api_version,
                    id
                ),
            };
            graph_result(
                meta,
                sandbox.list_products(who, &req.id(), &params.typed()?, &edge),
            )
        }
        E::GetProduct => graph_result(meta, sandbox.get_product(who, &req.id(), fields)),
        E::UpdateProduct => graph_result(
            meta,
            sandbox
                .update_product(who, &req.id(), &params.typed()?)
                .await,
        ),
        E::DeleteProduct => graph_result(meta, sandbox.delete_product(who, &req.id()).await),
        E::ItemsBatch => graph_result(
            meta,
            sandbox.items_batch(who, &req.id(), &params.typed()?).await,
        ),
        E::BatchStatus => graph_result(
            meta,
            sandbox.batch_status(who, &req.id(), &params.typed()?).await,
        ),
        E::WabaCatalogs => graph_result(meta, sandbox.waba_catalogs(who, &req.id(), fields)),
        E::ConnectCatalog => graph_result(
            meta,
            sandbox
                .connect_catalog(who, &req.id(), &params.typed()?)
                .await,
        ),
        E::DisconnectCatalog => graph_result(
            meta,
            sandbox
                .disconnect_catalog(who, &req.id(), &params.typed()?)
                .await,
        ),
        E::GetCommerceSettings => graph_result(meta, sandbox.commerce_settings(who, &req.id())),
        E::SetCommerceSettings => graph_result(
            meta,
            sandbox
                .set_commerce_settings(who, &req.id(), &params.typed()?)
                .await,
        ),
    })
}
