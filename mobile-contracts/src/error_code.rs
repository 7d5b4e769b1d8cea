//! Every error code the API sends: the `code` of a problem body ([`ErrorCode`]) and the `code`
//! of each offending field in it ([`FieldCode`]). On the wire they stay strings (a new code is
//! not a breaking change for an app that shows the server's `title`); here they are enums, so
//! the server cannot send a code that has no translation and apps can match on the full list.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::hcp::wire_enum;

wire_enum! {
    /// The stable `code` of a problem body.
    ErrorCode {
        BadRequest = "bad_request", MalformedJson = "malformed_json",
        UnsupportedMediaType = "unsupported_media_type", PayloadTooLarge = "payload_too_large",
        NotFound = "not_found", MethodNotAllowed = "method_not_allowed",
        RequestTimeout = "request_timeout", ValidationFailed = "validation_failed",
        RateLimited = "rate_limited", ServiceUnavailable = "service_unavailable",
        InternalError = "internal_error",
        RequiresSubstituteDecisionMaker = "requires_substitute_decision_maker",
        AlreadyRegistered = "already_registered", RegistrationExpired = "registration_expired",
        RegistrationAlreadyCompleted = "registration_already_completed",
        CredentialAlreadyRegistered = "credential_already_registered",
        InvalidCredential = "invalid_credential", OriginMismatch = "origin_mismatch",
        RpIdMismatch = "rp_id_mismatch", ChallengeMismatch = "challenge_mismatch",
        UserVerificationRequired = "user_verification_required",
        ChallengeInvalid = "challenge_invalid", UnknownCredential = "unknown_credential",
        CounterRegression = "counter_regression", AccountWithdrawn = "account_withdrawn",
        Unauthenticated = "unauthenticated", InvalidToken = "invalid_token",
        RefreshTokenReused = "refresh_token_reused", Conflict = "conflict",
        UnsupportedProtocol = "unsupported_protocol",
        UnsupportedSchemaVersion = "unsupported_schema_version", SeqGap = "seq_gap",
        InvalidSeq = "invalid_seq", InvalidCursor = "invalid_cursor",
        BatchTooLarge = "batch_too_large", UnknownDevice = "unknown_device",
        InvalidRange = "invalid_range", Forbidden = "forbidden",
        OfficerApiDisabled = "officer_api_disabled",
        OfficerRoleRequired = "officer_role_required", LastSupervisor = "last_supervisor",
        AccountDeactivated = "account_deactivated",
        EmailNotConfirmed = "email_not_confirmed", EmailCodeInvalid = "email_code_invalid",
        ApplicationExists = "application_exists",
        ApplicationNotEditable = "application_not_editable",
        ApplicationIncomplete = "application_incomplete",
        ApplicationDecided = "application_decided",
        AssistanceWindowClosed = "assistance_window_closed",
        HcpNotRegistered = "hcp_not_registered", LastUserAdmin = "last_user_admin",
        LastLocation = "last_location", RequestDecided = "request_decided",
        NotSameProfessional = "not_same_professional", AlreadyVerified = "already_verified",
        SdmNotVerified = "sdm_not_verified", SdmNotEligible = "sdm_not_eligible",
        IncapableOfConsentRequired = "incapable_of_consent_required",
        CannotBeOwnSdm = "cannot_be_own_sdm", IdentityProofMismatch = "identity_proof_mismatch",
        SdmLinkExists = "sdm_link_exists", SdmAuthorityEnded = "sdm_authority_ended",
        SdmPriorityInsufficient = "sdm_priority_insufficient", SdmLinkClosed = "sdm_link_closed",
        SdmLinkNotPending = "sdm_link_not_pending", DocumentMissing = "document_missing",
        UnsupportedDocumentType = "unsupported_document_type",
        DocumentTypeMismatch = "document_type_mismatch", DocumentTooLarge = "document_too_large",
        ClaimCodeNotAvailable = "claim_code_not_available", AlreadyClaimed = "already_claimed",
        ClaimInvalid = "claim_invalid", ClaimTooEarly = "claim_too_early",
        DocumentChanged = "document_changed", UserAdminRequired = "user_admin_required",
        StaffDeactivated = "staff_deactivated", EnrolmentCodeInvalid = "enrolment_code_invalid",
        AccessKeyInvalid = "access_key_invalid", AccessKeyLocked = "access_key_locked",
        PatientNotVerified = "patient_not_verified", PatientWithdrawn = "patient_withdrawn",
        NoSharingConsent = "no_sharing_consent", CategoryNotPermitted = "category_not_permitted",
        CareRelationshipRequired = "care_relationship_required",
        PurposeRequired = "purpose_required", ConsentNotActive = "consent_not_active",
        ConsentNotRenewable = "consent_not_renewable",
        UnsupportedGrantType = "unsupported_grant_type", InvalidClient = "invalid_client",
        ConsentAlreadyActive = "consent_already_active",
        ConsentRequestDecided = "consent_request_decided", SystemRevoked = "system_revoked",
        /// A string holds a NUL, another control character or a bidirectional override.
        InvalidCharacters = "invalid_characters",
        CardReadUsed = "card_read_used", CardReadExpired = "card_read_expired",
        /// The person holds their own account: their identity is theirs.
        IdentityHasAccount = "identity_has_account",
        /// New consents are indefinite since 2025.
        OneYearConsentDiscontinued = "one_year_consent_discontinued",
        /// A PDF with scripts, actions or embedded files, or an image that does not decode.
        DocumentNotAccepted = "document_not_accepted",
    }
}

wire_enum! {
    /// The stable `code` of one invalid field in a problem body.
    FieldCode {
        Required = "required", InvalidType = "invalid_type", InvalidValue = "invalid_value",
        InvalidFormat = "invalid_format", InvalidCheckDigit = "invalid_check_digit",
        TooLong = "too_long", TooShort = "too_short", InFuture = "in_future",
        OutOfRange = "out_of_range", NotAboveDiastolic = "not_above_diastolic",
        UnknownField = "unknown_field", NotFound = "not_found", NotEligible = "not_eligible",
        InvalidCharacters = "invalid_characters",
        /// The same person (profession and registration number) twice in one list.
        Duplicate = "duplicate",
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for FieldCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_snake_case_unique_and_parses_back() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert!(seen.insert(s), "{s} twice");
            assert_eq!(ErrorCode::parse(s), Some(*code));
            assert_eq!(serde_json::to_value(code).ok(), Some(serde_json::json!(s)));
        }
        for code in FieldCode::ALL {
            assert_eq!(FieldCode::parse(code.as_str()), Some(*code));
        }
    }
}
