//! The OpenAPI contract: the generated document (`openapi.json`), the last released one
//! (`released/v1.json`) and the check that the first never breaks the second.

pub mod breaking;
