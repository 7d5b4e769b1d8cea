// The tables of both backends. Written by hand with portable column types (text ids, BIGINT
// epoch milliseconds, BOOLEAN, BLOB/BYTEA) so one definition serves SQLite and PostgreSQL; a
// test compares the two migrated schemas.

diesel::table! {
    card_reads (id) {
        id -> Text,
        system_id -> Text,
        hcp_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    patients (id) {
        id -> Text,
        id_doc_type -> Text,
        id_issuing_country -> Nullable<Text>,
        id_hash -> Text,
        id_cipher -> Binary,
        id_masked -> Text,
        english_surname -> Text,
        english_given_names -> Text,
        chinese_name -> Nullable<Text>,
        date_of_birth -> Text,
        sex -> Text,
        phone -> Text,
        email -> Nullable<Text>,
        preferred_language -> Text,
        notify_on_access -> Bool,
        status -> Text,
        verification_method -> Nullable<Text>,
        verification_reference -> Nullable<Text>,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    registrations (id) {
        id -> Text,
        kind -> Text,
        patient_id -> Nullable<Text>,
        user_handle -> Text,
        id_hash -> Nullable<Text>,
        profile -> Nullable<Text>,
        ceremony -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        completed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        patient_id -> Text,
        name -> Text,
        platform -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        credential_id -> Text,
        patient_id -> Text,
        passkey -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        patient_id -> Text,
        device_id -> Text,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    session_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        kind -> Text,
        expires_at -> BigInt,
        superseded_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    auth_challenges (id) {
        id -> Text,
        kind -> Text,
        state -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        email -> Nullable<Text>,
        email_confirmed_at -> Nullable<BigInt>,
        email_code_hash -> Nullable<Text>,
        email_code_expires_at -> Nullable<BigInt>,
        roles -> Text,
        status -> Text,
        enrolment_code_hash -> Nullable<Text>,
        enrolment_expires_at -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
        deactivated_at -> Nullable<BigInt>,
        deactivated_by -> Nullable<Text>,
        locale -> Nullable<Text>,
    }
}

diesel::table! {
    account_passkeys (id) {
        id -> Text,
        credential_id -> Text,
        account_id -> Text,
        passkey -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    account_sessions (id) {
        id -> Text,
        account_id -> Text,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    account_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        kind -> Text,
        expires_at -> BigInt,
        superseded_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    emails (id) {
        id -> Text,
        recipient -> Text,
        template -> Text,
        locale -> Text,
        payload -> Text,
        created_at -> BigInt,
        attempts -> Integer,
        claimed_until -> Nullable<BigInt>,
        next_attempt_at -> Nullable<BigInt>,
        sent_at -> Nullable<BigInt>,
        failed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    provider_applications (id) {
        id -> Text,
        applicant_id -> Text,
        reference -> Nullable<Text>,
        status -> Text,
        provider -> Nullable<Text>,
        users -> Nullable<Text>,
        locations -> Nullable<Text>,
        supplement -> Nullable<Text>,
        hcp_id -> Nullable<Text>,
        submitted_at -> Nullable<BigInt>,
        accepted_at -> Nullable<BigInt>,
        registered_on -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    application_documents (application_id, kind) {
        application_id -> Text,
        kind -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> BigInt,
    }
}

diesel::table! {
    application_events (id) {
        id -> Text,
        application_id -> Text,
        at -> BigInt,
        actor -> Text,
        kind -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    assistance_requests (id) {
        id -> Text,
        application_id -> Text,
        message -> Text,
        created_at -> BigInt,
        answer -> Nullable<Text>,
        answered_at -> Nullable<BigInt>,
        answered_by -> Nullable<Text>,
    }
}

diesel::table! {
    hcp_requests (id) {
        id -> Text,
        hcp_id -> Text,
        form -> Text,
        kind -> Text,
        payload -> Text,
        status -> Text,
        filed_by -> Text,
        filed_at -> BigInt,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        result_id -> Nullable<Text>,
    }
}

diesel::table! {
    hcp_events (id) {
        id -> Text,
        hcp_id -> Text,
        at -> BigInt,
        actor -> Text,
        kind -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(devices -> patients (patient_id));
diesel::joinable!(passkeys -> patients (patient_id));
diesel::joinable!(sessions -> patients (patient_id));
diesel::joinable!(sessions -> devices (device_id));
diesel::joinable!(session_tokens -> sessions (session_id));

diesel::table! {
    sync_scopes (scope) {
        scope -> Text,
        patient_id -> Text,
        version -> BigInt,
        purged_version -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    sync_devices (device_id) {
        device_id -> Text,
        last_seq -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sync_results (device_id, seq) {
        device_id -> Text,
        seq -> BigInt,
        result -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    sync_conflicts (id) {
        id -> Text,
        scope -> Text,
        table_name -> Text,
        row_id -> Text,
        field -> Text,
        losing_value -> Text,
        losing_hlc -> Text,
        winning_value -> Text,
        winning_hlc -> Text,
        device_id -> Text,
        created_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        scope -> Nullable<Text>,
        patient_id -> Nullable<Text>,
        exclude_device_id -> Nullable<Text>,
        payload -> Text,
        created_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
        dedupe_key -> Nullable<Text>,
        attempts -> Integer,
        claimed_until -> Nullable<BigInt>,
        next_attempt_at -> Nullable<BigInt>,
        sent_to -> Nullable<Text>,
    }
}

diesel::table! {
    push_tokens (device_id) {
        device_id -> Text,
        token -> Text,
        platform -> Text,
        locale -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    staff_push_tokens (session_id) {
        session_id -> Text,
        token -> Text,
        platform -> Text,
        locale -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    push_log (notification_id, device_id) {
        notification_id -> Text,
        device_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        data -> Text,
        collapse_key -> Nullable<Text>,
        sent_at -> BigInt,
    }
}

diesel::table! {
    bp_readings (id) {
        id -> Text,
        scope -> Text,
        version -> BigInt,
        cl -> BigInt,
        systolic -> Nullable<Integer>,
        diastolic -> Nullable<Integer>,
        pulse -> Nullable<Integer>,
        measured_at -> Nullable<Text>,
        measured_at_ms -> Nullable<BigInt>,
        arm -> Nullable<Text>,
        note -> Nullable<Text>,
        hlc -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Text,
    }
}

diesel::table! {
    glucose_readings (id) {
        id -> Text,
        scope -> Text,
        version -> BigInt,
        cl -> BigInt,
        mmol_tenths -> Nullable<Integer>,
        meal_context -> Nullable<Text>,
        measured_at -> Nullable<Text>,
        measured_at_ms -> Nullable<BigInt>,
        note -> Nullable<Text>,
        hlc -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Text,
    }
}

diesel::table! {
    reminders (id) {
        id -> Text,
        scope -> Text,
        version -> BigInt,
        cl -> BigInt,
        kind -> Nullable<Text>,
        text -> Nullable<Text>,
        times -> Nullable<Text>,
        days -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        enabled -> Nullable<Bool>,
        next_due_at -> Nullable<BigInt>,
        hlc -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Text,
    }
}

diesel::table! {
    server_meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    sdm_links (id) {
        id -> Text,
        patient_id -> Text,
        sdm_patient_id -> Text,
        basis -> Text,
        relationship -> Text,
        priority -> Integer,
        status -> Text,
        created_at -> BigInt,
        reviewed_at -> Nullable<BigInt>,
        reviewed_by -> Nullable<Text>,
        review_reason -> Nullable<Text>,
        ended_at -> Nullable<BigInt>,
        ended_reason -> Nullable<Text>,
        ended_by -> Nullable<Text>,
        ended_detail -> Nullable<Text>,
        sync_version -> BigInt,
        granted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sdm_documents (link_id) {
        link_id -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_at -> BigInt,
    }
}

diesel::table! {
    sdm_actions (id) {
        id -> Text,
        patient_id -> Text,
        sdm_patient_id -> Text,
        link_id -> Text,
        action -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    claim_codes (id) {
        id -> Text,
        patient_id -> Text,
        code_hash -> Text,
        issued_by -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    job_runs (job, run_key) {
        job -> Text,
        run_key -> Text,
        instance -> Text,
        started_at -> BigInt,
        finished_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(sdm_links -> patients (patient_id));

diesel::table! {
    hcps (id) {
        id -> Text,
        name_en -> Text,
        name_zh -> Text,
        sector -> Text,
        feed_seq -> BigInt,
        created_at -> BigInt,
        status -> Text,
        registered_on -> Nullable<Text>,
        hcp_type -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address_en -> Nullable<Text>,
        address_zh -> Nullable<Text>,
    }
}

diesel::table! {
    hcp_locations (id) {
        id -> Text,
        hcp_id -> Text,
        name_en -> Text,
        address_en -> Text,
        district -> Text,
        phone -> Text,
        name_zh -> Nullable<Text>,
        address_zh -> Nullable<Text>,
    }
}

diesel::table! {
    hcp_staff (id) {
        id -> Text,
        hcp_id -> Text,
        english_name -> Text,
        profession -> Text,
        registration_number -> Text,
        roles -> Text,
        status -> Text,
        enrolment_code_hash -> Nullable<Text>,
        enrolment_expires_at -> Nullable<BigInt>,
        created_at -> BigInt,
        deactivated_at -> Nullable<BigInt>,
        login_staff_id -> Nullable<Text>,
    }
}

diesel::table! {
    staff_passkeys (id) {
        id -> Text,
        credential_id -> Text,
        staff_id -> Text,
        passkey -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    staff_sessions (id) {
        id -> Text,
        staff_id -> Text,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    staff_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        kind -> Text,
        expires_at -> BigInt,
        superseded_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    consents (id) {
        id -> Text,
        patient_id -> Text,
        hcp_id -> Text,
        consent_type -> Text,
        method -> Text,
        status -> Text,
        granted_at -> BigInt,
        valid_until -> Nullable<Text>,
        granted_by -> Text,
        ended_at -> Nullable<BigInt>,
        ended_by -> Nullable<Text>,
        updated_at -> BigInt,
        sync_version -> BigInt,
    }
}

diesel::table! {
    consent_events (hcp_id, seq) {
        hcp_id -> Text,
        seq -> BigInt,
        consent_id -> Text,
        patient_id -> Text,
        event -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    consent_requests (id) {
        id -> Text,
        hcp_id -> Text,
        patient_id -> Text,
        requested_by -> Text,
        status -> Text,
        created_at -> BigInt,
        decided_at -> Nullable<BigInt>,
        decided_by -> Nullable<Text>,
        consent_id -> Nullable<Text>,
    }
}

diesel::table! {
    hcp_systems (id) {
        id -> Text,
        hcp_id -> Text,
        name -> Text,
        secret_hash -> Text,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    hcp_system_tokens (token_hash) {
        token_hash -> Text,
        system_id -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    access_keys (patient_id) {
        patient_id -> Text,
        key_hash -> Text,
        created_at -> BigInt,
        failures -> Integer,
        locked_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    records (id) {
        id -> Text,
        patient_id -> Text,
        hcp_id -> Text,
        category -> Text,
        code -> Text,
        display -> Text,
        value -> Nullable<Text>,
        recorded_at -> Text,
        recorded_at_ms -> BigInt,
        location_id -> Nullable<Text>,
        deposited_by -> Text,
        created_at -> BigInt,
        sync_version -> BigInt,
    }
}

diesel::table! {
    access_log (patient_id, seq) {
        patient_id -> Text,
        seq -> BigInt,
        id -> Text,
        staff_id -> Nullable<Text>,
        staff_name -> Nullable<Text>,
        hcp_id -> Text,
        hcp_name -> Text,
        profession -> Nullable<Text>,
        categories -> Text,
        purpose -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        at -> BigInt,
        prev_hash -> Text,
        hash -> Text,
        sync_version -> BigInt,
    }
}

diesel::joinable!(hcp_locations -> hcps (hcp_id));
diesel::joinable!(hcp_staff -> hcps (hcp_id));
diesel::joinable!(staff_tokens -> staff_sessions (session_id));
diesel::joinable!(staff_sessions -> hcp_staff (staff_id));
diesel::joinable!(staff_push_tokens -> staff_sessions (session_id));
diesel::joinable!(consents -> hcps (hcp_id));
diesel::joinable!(hcp_system_tokens -> hcp_systems (system_id));

diesel::joinable!(account_tokens -> account_sessions (session_id));
diesel::joinable!(account_sessions -> accounts (account_id));
diesel::joinable!(account_passkeys -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    hcp_requests,
    hcp_events,
    emails,
    provider_applications,
    application_documents,
    application_events,
    assistance_requests,
    accounts,
    account_passkeys,
    account_sessions,
    account_tokens,
    patients,
    registrations,
    devices,
    passkeys,
    sessions,
    session_tokens,
    auth_challenges,
    sync_scopes,
    sync_devices,
    sync_results,
    sync_conflicts,
    outbox,
    bp_readings,
    glucose_readings,
    reminders,
    server_meta,
    sdm_links,
    sdm_documents,
    sdm_actions,
    claim_codes,
    job_runs,
    push_tokens,
    push_log,
    staff_push_tokens,
    hcps,
    hcp_locations,
    hcp_staff,
    staff_passkeys,
    staff_sessions,
    staff_tokens,
    consents,
    consent_events,
    consent_requests,
    hcp_systems,
    hcp_system_tokens,
    access_keys,
    records,
    access_log,
);
