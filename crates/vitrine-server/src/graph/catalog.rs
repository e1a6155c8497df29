//! The catalog API and commerce settings:
//! POST|GET /{business-id}/owned_product_catalogs; GET|POST|DELETE /{catalog-id};
//! POST|GET /{catalog-id}/products; GET|POST|DELETE /{product-item-id};
//! POST /{catalog-id}/items_batch; GET /{catalog-id}/check_batch_request_status;
//! GET|POST|DELETE /{waba-id}/product_catalogs; GET|POST /{phone-number-id}/whatsapp_commerce_settings

use super::GraphRequest;
use crate::response::{graph_error, graph_ok};
use axum::response::Response;
use serde_json::Value;
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
    let result = run(endpoint, &req).await;
    match result {
        Ok(v) => graph_ok(&req.meta, &v),
        Err(e) => graph_error(&req.meta, &e),
    }
}

async fn run(endpoint: CatalogEndpoint, req: &GraphRequest) -> Result<Value, ApiError> {
    let sandbox = &req.state.sandbox;
    let (who, id, params) = (&req.principal, req.node_id.as_str(), &req.params.map);
    let fields = req.params.str("fields");
    use CatalogEndpoint as E;
    match endpoint {
        E::CreateCatalog => sandbox.create_catalog(who, id, params).await,
        E::ListCatalogs => sandbox.list_catalogs(who, id, fields),
        E::GetCatalog => sandbox.get_catalog(who, id, fields),
        E::UpdateCatalog => sandbox.update_catalog(who, id, params).await,
        E::DeleteCatalog => sandbox.delete_catalog(who, id).await,
        E::CreateProduct => sandbox.create_product(who, id, params).await,
        E::ListProducts => {
            let edge = EdgeUrl {
                base: format!(
                    "{}/{}/{}/products",
                    req.state.public_url.trim_end_matches('/'),
                    req.meta.api_version,
                    id
                ),
            };
            sandbox.list_products(who, id, params, &edge)
        }
        E::GetProduct => sandbox.get_product(who, id, fields),
        E::UpdateProduct => sandbox.update_product(who, id, params).await,
        E::DeleteProduct => sandbox.delete_product(who, id).await,
        E::ItemsBatch => sandbox.items_batch(who, id, params).await,
        E::BatchStatus => sandbox.batch_status(who, id, params).await,
        E::WabaCatalogs => sandbox.waba_catalogs(who, id, fields),
        E::ConnectCatalog => sandbox.connect_catalog(who, id, params).await,
        E::DisconnectCatalog => sandbox.disconnect_catalog(who, id, params).await,
        E::GetCommerceSettings => sandbox.commerce_settings(who, id),
        E::SetCommerceSettings => sandbox.set_commerce_settings(who, id, params).await,
    }
}
