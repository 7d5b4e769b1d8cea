// The tables of both backends. Written by hand with portable column types (text ids, BIGINT
// epoch milliseconds, BOOLEAN, BLOB/BYTEA) so one definition serves SQLite and PostgreSQL; a
// test compares the two migrated schemas.

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
    server_meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
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
    server_meta,
);
