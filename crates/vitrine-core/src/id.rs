//! The kinds of id, one newtype each, so that passing one kind of id for another does not
//! compile. Each is a `String` underneath and serializes as one (`#[serde(transparent)]`), so
//! stored rows, webhook bytes and API answers are the same as with bare strings. `Debug` shows
//! the bare string too. Making new ids is [`crate::ids`]'s business; this module only names them.
//!
//! With the `sqlx` feature (the stores') they bind and decode as `TEXT`, like a `String`.
//!
//! ```compile_fail
//! use vitrine_core::id::{PhoneNumberId, WabaId};
//! fn send_from(_number: &PhoneNumberId) {}
//! let waba = WabaId::from("102290129340398");
//! send_from(&waba); // a WABA id is not a phone number id
//! ```
//!
//! Where a value may be any of several kinds (a Graph path segment before it is resolved), the
//! code keeps a plain `&str` and says so.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;

/// Declares string newtypes with the same small set of impls.
macro_rules! string_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                $name(id.clone())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        // Hash and Eq are the inner string's, so maps keyed by the id can be looked up by `&str`.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<&$name> for $name {
            fn eq(&self, other: &&$name) -> bool {
                self == *other
            }
        }

        impl PartialEq<$name> for &$name {
            fn eq(&self, other: &$name) -> bool {
                *self == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    )*};
}

string_ids! {
    /// A business (Business Manager) node.
    BusinessId;
    /// A Meta app.
    AppId;
    /// A WhatsApp Business Account.
    WabaId;
    /// A business phone number node.
    PhoneNumberId;
    /// A product catalog.
    CatalogId;
    /// The Graph node id of a product item (not its retailer id).
    ProductId;
    /// The business's own id of a product within a catalog (`retailer_id`, the SKU).
    RetailerId;
    /// A message template.
    TemplateId;
    /// A message id (`wamid.…`).
    Wamid;
    /// A customer's WhatsApp id (`wa_id`: digits of their number).
    WaId;
    /// An uploaded media object.
    MediaId;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn serializes_and_shows_as_the_bare_string() {
        let id = WabaId::from("102290129340398");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"102290129340398\"");
        assert_eq!(format!("{id:?}"), "\"102290129340398\"");
        assert_eq!(format!("{id}"), "102290129340398");
        let back: WabaId = serde_json::from_str("\"7\"").unwrap();
        assert_eq!(back.as_str(), "7");
    }

    #[test]
    fn maps_look_up_by_str() {
        let mut m = HashMap::new();
        m.insert(WaId::from("16505551234"), 1);
        assert_eq!(m.get("16505551234"), Some(&1));
    }
}
