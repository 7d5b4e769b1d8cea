//! Identifiers that cross module boundaries, as types: a patient's id cannot be passed where a
//! link's or a device's is expected, and a function taking all three says which is which.
//!
//! Each is the text that is stored and sent (a UUIDv7 for the ones the server mints), read from
//! and written to a `TEXT` column as is, and serialised as a plain JSON string, so neither the
//! schema nor the API changes. An id borrows as `&str` (`Deref`), so it goes to code that only
//! needs the text without a conversion; a plain string becomes an id only by an explicit
//! `From`, where it is read from a path, a token or a row.

use std::fmt;
use std::ops::Deref;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = Text)]
        pub struct $name(String);

        impl $name {
            /// A new, time-ordered id (UUIDv7).
            pub fn mint() -> Self {
                Self(Uuid::now_v7().to_string())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
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

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl<DB> FromSql<Text, DB> for $name
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map(Self)
            }
        }

        impl<DB> ToSql<Text, DB> for $name
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.as_str().to_sql(out)
            }
        }
    )*};
}

id_types! {
    /// A registered person (`patients.id`): a patient, a dependant or an SDM.
    PatientId;
    /// A substitute decision maker's link to a dependant (`sdm_links.id`).
    LinkId;
    /// One of a patient's phones or browsers (`devices.id`).
    DeviceId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_text_in_json() {
        let id = PatientId::from("0193a1b2-0000-7000-8000-000000000001");
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(json, "\"0193a1b2-0000-7000-8000-000000000001\"");
        assert_eq!(serde_json::from_str::<PatientId>(&json).ok(), Some(id));
    }

    #[test]
    fn minted_ids_are_distinct_uuids() {
        let (a, b) = (LinkId::mint(), LinkId::mint());
        assert_ne!(a, b);
        assert!(Uuid::parse_str(&a).is_ok());
    }
}
