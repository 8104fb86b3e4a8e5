// Generated from supabase/migrations by `supabase gen types typescript --schema public`.
// Do not edit: regenerate with `deno run -A tools/supabase_cli_check.ts --write`.

export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];

export type Database = {
  "public": {
    Tables: {
      "calcom_booking_rejects": {
        Row: {
          "booking_uid": string | null;
          "calcom_connection_id": string;
          "first_seen_at": string;
          "id": string;
          "last_seen_at": string;
          "raw_excerpt": string;
          "reason": string;
          "seen_count": number;
          "source": string;
          "user_id": string;
        };
        ComputedFields: never;
        Insert: {
          "booking_uid"?: string | null;
          "calcom_connection_id": string;
          "first_seen_at"?: string;
          "id"?: string;
          "last_seen_at"?: string;
          "raw_excerpt": string;
          "reason": string;
          "seen_count"?: number;
          "source": string;
          "user_id": string;
        };
        Update: {
          "booking_uid"?: string | null;
          "calcom_connection_id"?: string;
          "first_seen_at"?: string;
          "id"?: string;
          "last_seen_at"?: string;
          "raw_excerpt"?: string;
          "reason"?: string;
          "seen_count"?: number;
          "source"?: string;
          "user_id"?: string;
        };
        Relationships: [
          {
            foreignKeyName: "calcom_booking_rejects_user_id_calcom_connection_id_fkey";
            columns: ["user_id", "calcom_connection_id"];
            isOneToOne: false;
            referencedRelation: "calcom_connections";
            referencedColumns: ["user_id", "id"];
          },
        ];
      };
      "calcom_booking_requests": {
        Row: {
          "booking_uid": string;
          "calcom_connection_id": string;
          "created_at": string;
          "id": string;
          "idempotency_key": string;
          "request_hash": string;
          "seat_uid": string | null;
          "user_id": string;
        };
        ComputedFields: never;
        Insert: {
          "booking_uid": string;
          "calcom_connection_id": string;
          "created_at"?: string;
          "id"?: string;
          "idempotency_key": string;
          "request_hash": string;
          "seat_uid"?: string | null;
          "user_id": string;
        };
        Update: {
          "booking_uid"?: string;
          "calcom_connection_id"?: string;
          "created_at"?: string;
          "id"?: string;
          "idempotency_key"?: string;
          "request_hash"?: string;
          "seat_uid"?: string | null;
          "user_id"?: string;
        };
        Relationships: [
          {
            foreignKeyName: "calcom_booking_requests_user_id_calcom_connection_id_fkey";
            columns: ["user_id", "calcom_connection_id"];
            isOneToOne: false;
            referencedRelation: "calcom_connections";
            referencedColumns: ["user_id", "id"];
          },
        ];
      };
      "calcom_bookings": {
        Row: {
          "absent_host": boolean;
          "attendees": NonNullable<Json>;
          "booking_id": number;
          "booking_uid": string;
          "calcom_connection_id": string;
          "calcom_created_at": string | null;
          "cancellation_reason": string | null;
          "created_at": string;
          "custom_inputs": Json | null;
          "description": string | null;
          "end_time": string;
          "event_type_id": number | null;
          "event_type_slug": string | null;
          "event_type_title": string | null;
          "ical_uid": string | null;
          "id": string;
          "key_relation": string | null;
          "location": string | null;
          "meeting_ended_at": string | null;
          "meeting_started_at": string | null;
          "meeting_url": string | null;
          "metadata": NonNullable<Json>;
          "organizer_email": string | null;
          "organizer_id": number | null;
          "organizer_name": string | null;
          "organizer_timezone": string | null;
          "organizer_username": string | null;
          "raw": Json | null;
          "recording_links": Json | null;
          "recurring_booking_uid": string | null;
          "rejection_reason": string | null;
          "rescheduled_from_uid": string | null;
          "rescheduled_to_uid": string | null;
          "seat_changes": NonNullable<Json>;
          "source_hash": string | null;
          "source_updated_at": string;
          "start_time": string;
          "status": string;
          "title": string;
          "truncated_fields": (string)[] | null;
          "updated_at": string;
          "user_id": string;
          "calcom_booking_summary": Json | null;
        };
        ComputedFields: "calcom_booking_summary";
        Insert: {
          "absent_host"?: boolean;
          "attendees"?: NonNullable<Json>;
          "booking_id": number;
          "booking_uid": string;
          "calcom_connection_id": string;
          "calcom_created_at"?: string | null;
          "cancellation_reason"?: string | null;
          "created_at"?: string;
          "custom_inputs"?: Json | null;
          "description"?: string | null;
          "end_time": string;
          "event_type_id"?: number | null;
          "event_type_slug"?: string | null;
          "event_type_title"?: string | null;
          "ical_uid"?: string | null;
          "id"?: string;
          "key_relation"?: string | null;
          "location"?: string | null;
          "meeting_ended_at"?: string | null;
          "meeting_started_at"?: string | null;
          "meeting_url"?: string | null;
          "metadata"?: NonNullable<Json>;
          "organizer_email"?: string | null;
          "organizer_id"?: number | null;
          "organizer_name"?: string | null;
          "organizer_timezone"?: string | null;
          "organizer_username"?: string | null;
          "raw"?: Json | null;
          "recording_links"?: Json | null;
          "recurring_booking_uid"?: string | null;
          "rejection_reason"?: string | null;
          "rescheduled_from_uid"?: string | null;
          "rescheduled_to_uid"?: string | null;
          "seat_changes"?: NonNullable<Json>;
          "source_hash"?: string | null;
          "source_updated_at": string;
          "start_time": string;
          "status": string;
          "title"?: string;
          "truncated_fields"?: (string)[] | null;
          "updated_at"?: string;
          "user_id": string;
        };
        Update: {
          "absent_host"?: boolean;
          "attendees"?: NonNullable<Json>;
          "booking_id"?: number;
          "booking_uid"?: string;
          "calcom_connection_id"?: string;
          "calcom_created_at"?: string | null;
          "cancellation_reason"?: string | null;
          "created_at"?: string;
          "custom_inputs"?: Json | null;
          "description"?: string | null;
          "end_time"?: string;
          "event_type_id"?: number | null;
          "event_type_slug"?: string | null;
          "event_type_title"?: string | null;
          "ical_uid"?: string | null;
          "id"?: string;
          "key_relation"?: string | null;
          "location"?: string | null;
          "meeting_ended_at"?: string | null;
          "meeting_started_at"?: string | null;
          "meeting_url"?: string | null;
          "metadata"?: NonNullable<Json>;
          "organizer_email"?: string | null;
          "organizer_id"?: number | null;
          "organizer_name"?: string | null;
          "organizer_timezone"?: string | null;
          "organizer_username"?: string | null;
          "raw"?: Json | null;
          "recording_links"?: Json | null;
          "recurring_booking_uid"?: string | null;
          "rejection_reason"?: string | null;
          "rescheduled_from_uid"?: string | null;
          "rescheduled_to_uid"?: string | null;
          "seat_changes"?: NonNullable<Json>;
          "source_hash"?: string | null;
          "source_updated_at"?: string;
          "start_time"?: string;
          "status"?: string;
          "title"?: string;
          "truncated_fields"?: (string)[] | null;
          "updated_at"?: string;
          "user_id"?: string;
        };
        Relationships: [
          {
            foreignKeyName: "calcom_bookings_user_id_calcom_connection_id_fkey";
            columns: ["user_id", "calcom_connection_id"];
            isOneToOne: false;
            referencedRelation: "calcom_connections";
            referencedColumns: ["user_id", "id"];
          },
        ];
      };
      "calcom_connections": {
        Row: {
          "api_key_encrypted": string;
          "api_key_hint": string;
          "auth_kind": string;
          "calcom_api_url": string | null;
          "calcom_email": string | null;
          "calcom_time_zone": string | null;
          "calcom_user_id": number;
          "calcom_username": string | null;
          "calcom_webhook_error": string | null;
          "calcom_webhook_id": string | null;
          "created_at": string;
          "id": string;
          "is_active": boolean;
          "label": string;
          "last_reconciled_at": string | null;
          "last_sync_error": string | null;
          "last_sync_status": string | null;
          "last_synced_at": string | null;
          "oauth_access_token_encrypted": string | null;
          "oauth_access_token_expires_at": string | null;
          "oauth_refresh_token_encrypted": string | null;
          "oauth_scopes": (string)[] | null;
          "sync_watermark": string | null;
          "updated_at": string;
          "user_id": string;
          "webhook_secret_encrypted": string;
          "calcom_connection_summary": Json | null;
        };
        ComputedFields: "calcom_connection_summary";
        Insert: {
          "api_key_encrypted": string;
          "api_key_hint": string;
          "auth_kind"?: string;
          "calcom_api_url"?: string | null;
          "calcom_email"?: string | null;
          "calcom_time_zone"?: string | null;
          "calcom_user_id": number;
          "calcom_username"?: string | null;
          "calcom_webhook_error"?: string | null;
          "calcom_webhook_id"?: string | null;
          "created_at"?: string;
          "id"?: string;
          "is_active"?: boolean;
          "label"?: string;
          "last_reconciled_at"?: string | null;
          "last_sync_error"?: string | null;
          "last_sync_status"?: string | null;
          "last_synced_at"?: string | null;
          "oauth_access_token_encrypted"?: string | null;
          "oauth_access_token_expires_at"?: string | null;
          "oauth_refresh_token_encrypted"?: string | null;
          "oauth_scopes"?: (string)[] | null;
          "sync_watermark"?: string | null;
          "updated_at"?: string;
          "user_id"?: string;
          "webhook_secret_encrypted": string;
        };
        Update: {
          "api_key_encrypted"?: string;
          "api_key_hint"?: string;
          "auth_kind"?: string;
          "calcom_api_url"?: string | null;
          "calcom_email"?: string | null;
          "calcom_time_zone"?: string | null;
          "calcom_user_id"?: number;
          "calcom_username"?: string | null;
          "calcom_webhook_error"?: string | null;
          "calcom_webhook_id"?: string | null;
          "created_at"?: string;
          "id"?: string;
          "is_active"?: boolean;
          "label"?: string;
          "last_reconciled_at"?: string | null;
          "last_sync_error"?: string | null;
          "last_sync_status"?: string | null;
          "last_synced_at"?: string | null;
          "oauth_access_token_encrypted"?: string | null;
          "oauth_access_token_expires_at"?: string | null;
          "oauth_refresh_token_encrypted"?: string | null;
          "oauth_scopes"?: (string)[] | null;
          "sync_watermark"?: string | null;
          "updated_at"?: string;
          "user_id"?: string;
          "webhook_secret_encrypted"?: string;
        };
        Relationships: [];
      };
      "calcom_oauth_states": {
        Row: {
          "created_at": string;
          "expires_at": string;
          "return_to": string;
          "scopes": (string)[];
          "state_hash": string;
          "user_id": string;
        };
        ComputedFields: never;
        Insert: {
          "created_at"?: string;
          "expires_at": string;
          "return_to": string;
          "scopes": (string)[];
          "state_hash": string;
          "user_id": string;
        };
        Update: {
          "created_at"?: string;
          "expires_at"?: string;
          "return_to"?: string;
          "scopes"?: (string)[];
          "state_hash"?: string;
          "user_id"?: string;
        };
        Relationships: [];
      };
      "calcom_sync_runs": {
        Row: {
          "calcom_connection_id": string;
          "checkpoint": Json | null;
          "created": number;
          "created_at": string;
          "error": string | null;
          "error_code": string | null;
          "fetched": number;
          "filters": NonNullable<Json>;
          "finished_at": string | null;
          "heartbeat_at": string;
          "id": string;
          "mode": string;
          "next_skip": number;
          "pages": number;
          "resumed_from_run_id": string | null;
          "set_aside": number;
          "started_at": string;
          "status": string;
          "trigger": string;
          "updated": number;
          "user_id": string;
          "watermark_after": string | null;
          "watermark_before": string | null;
        };
        ComputedFields: never;
        Insert: {
          "calcom_connection_id": string;
          "checkpoint"?: Json | null;
          "created"?: number;
          "created_at"?: string;
          "error"?: string | null;
          "error_code"?: string | null;
          "fetched"?: number;
          "filters"?: NonNullable<Json>;
          "finished_at"?: string | null;
          "heartbeat_at"?: string;
          "id"?: string;
          "mode": string;
          "next_skip"?: number;
          "pages"?: number;
          "resumed_from_run_id"?: string | null;
          "set_aside"?: number;
          "started_at"?: string;
          "status"?: string;
          "trigger": string;
          "updated"?: number;
          "user_id": string;
          "watermark_after"?: string | null;
          "watermark_before"?: string | null;
        };
        Update: {
          "calcom_connection_id"?: string;
          "checkpoint"?: Json | null;
          "created"?: number;
          "created_at"?: string;
          "error"?: string | null;
          "error_code"?: string | null;
          "fetched"?: number;
          "filters"?: NonNullable<Json>;
          "finished_at"?: string | null;
          "heartbeat_at"?: string;
          "id"?: string;
          "mode"?: string;
          "next_skip"?: number;
          "pages"?: number;
          "resumed_from_run_id"?: string | null;
          "set_aside"?: number;
          "started_at"?: string;
          "status"?: string;
          "trigger"?: string;
          "updated"?: number;
          "user_id"?: string;
          "watermark_after"?: string | null;
          "watermark_before"?: string | null;
        };
        Relationships: [
          {
            foreignKeyName: "calcom_sync_runs_user_id_calcom_connection_id_fkey";
            columns: ["user_id", "calcom_connection_id"];
            isOneToOne: false;
            referencedRelation: "calcom_connections";
            referencedColumns: ["user_id", "id"];
          },
        ];
      };
      "calcom_sync_schedule": {
        Row: {
          "calcom_connection_id": string;
          "consecutive_failures": number;
          "created_at": string;
          "last_change_at": string | null;
          "last_outcome": string | null;
          "last_run_at": string | null;
          "lease_owner": string | null;
          "leased_until": string | null;
          "next_due_at": string;
          "updated_at": string;
          "user_id": string;
        };
        ComputedFields: never;
        Insert: {
          "calcom_connection_id": string;
          "consecutive_failures"?: number;
          "created_at"?: string;
          "last_change_at"?: string | null;
          "last_outcome"?: string | null;
          "last_run_at"?: string | null;
          "lease_owner"?: string | null;
          "leased_until"?: string | null;
          "next_due_at": string;
          "updated_at"?: string;
          "user_id": string;
        };
        Update: {
          "calcom_connection_id"?: string;
          "consecutive_failures"?: number;
          "created_at"?: string;
          "last_change_at"?: string | null;
          "last_outcome"?: string | null;
          "last_run_at"?: string | null;
          "lease_owner"?: string | null;
          "leased_until"?: string | null;
          "next_due_at"?: string;
          "updated_at"?: string;
          "user_id"?: string;
        };
        Relationships: [
          {
            foreignKeyName: "calcom_sync_schedule_user_id_calcom_connection_id_fkey";
            columns: ["user_id", "calcom_connection_id"];
            isOneToOne: false;
            referencedRelation: "calcom_connections";
            referencedColumns: ["user_id", "id"];
          },
        ];
      };
      "calcom_webhook_deferrals": {
        Row: {
          "booking_uid": string | null;
          "calcom_connection_id": string;
          "created_at": string;
          "id": string;
          "received_at": string;
          "trigger_event": string | null;
          "user_id": string;
        };
        ComputedFields: never;
        Insert: {
          "booking_uid"?: string | null;
          "calcom_connection_id": string;
          "created_at"?: string;
          "id"?: string;
          "received_at": string;
          "trigger_event"?: string | null;
          "user_id": string;
        };
        Update: {
          "booking_uid"?: string | null;
          "calcom_connection_id"?: string;
          "created_at"?: string;
          "id"?: string;
          "received_at"?: string;
          "trigger_event"?: string | null;
          "user_id"?: string;
        };
        Relationships: [
          {
            foreignKeyName: "calcom_webhook_deferrals_user_id_calcom_connection_id_fkey";
            columns: ["user_id", "calcom_connection_id"];
            isOneToOne: false;
            referencedRelation: "calcom_connections";
            referencedColumns: ["user_id", "id"];
          },
        ];
      };
      "calcom_webhook_events": {
        Row: {
          "attempts": number;
          "booking_uid": string | null;
          "calcom_connection_id": string;
          "created_at": string;
          "dedupe_key": string | null;
          "error_message": string | null;
          "id": string;
          "payload": Json | null;
          "processed": boolean;
          "processed_at": string | null;
          "raw_body": string | null;
          "received_at": string;
          "trigger_event": string | null;
          "user_id": string;
          "verification_error": string | null;
          "verified": boolean;
        };
        ComputedFields: never;
        Insert: {
          "attempts"?: number;
          "booking_uid"?: string | null;
          "calcom_connection_id": string;
          "created_at"?: string;
          "dedupe_key"?: string | null;
          "error_message"?: string | null;
          "id"?: string;
          "payload"?: Json | null;
          "processed"?: boolean;
          "processed_at"?: string | null;
          "raw_body"?: string | null;
          "received_at"?: string;
          "trigger_event"?: string | null;
          "user_id": string;
          "verification_error"?: string | null;
          "verified"?: boolean;
        };
        Update: {
          "attempts"?: number;
          "booking_uid"?: string | null;
          "calcom_connection_id"?: string;
          "created_at"?: string;
          "dedupe_key"?: string | null;
          "error_message"?: string | null;
          "id"?: string;
          "payload"?: Json | null;
          "processed"?: boolean;
          "processed_at"?: string | null;
          "raw_body"?: string | null;
          "received_at"?: string;
          "trigger_event"?: string | null;
          "user_id"?: string;
          "verification_error"?: string | null;
          "verified"?: boolean;
        };
        Relationships: [
          {
            foreignKeyName: "calcom_webhook_events_user_id_calcom_connection_id_fkey";
            columns: ["user_id", "calcom_connection_id"];
            isOneToOne: false;
            referencedRelation: "calcom_connections";
            referencedColumns: ["user_id", "id"];
          },
        ];
      };
      "calcom_webhook_quotas": {
        Row: {
          "calcom_connection_id": string;
          "day_bytes": number;
          "day_started_at": string;
          "minute_deliveries": number;
          "minute_started_at": string;
          "user_id": string;
        };
        ComputedFields: never;
        Insert: {
          "calcom_connection_id": string;
          "day_bytes": number;
          "day_started_at": string;
          "minute_deliveries": number;
          "minute_started_at": string;
          "user_id": string;
        };
        Update: {
          "calcom_connection_id"?: string;
          "day_bytes"?: number;
          "day_started_at"?: string;
          "minute_deliveries"?: number;
          "minute_started_at"?: string;
          "user_id"?: string;
        };
        Relationships: [
          {
            foreignKeyName: "calcom_webhook_quotas_user_id_calcom_connection_id_fkey";
            columns: ["user_id", "calcom_connection_id"];
            isOneToOne: false;
            referencedRelation: "calcom_connections";
            referencedColumns: ["user_id", "id"];
          },
        ];
      };
    };
    Views: {
      [_ in never]: never;
    };
    Functions: {
      "calcom_booking_summary": {
        Args: {
          "b": Omit<
            Database["public"]["Tables"]["calcom_bookings"]["Row"],
            Database["public"]["Tables"]["calcom_bookings"]["ComputedFields"]
          >;
        };
        Returns: Json;
      };
      "calcom_connection_summary": {
        Args: {
          "c": Omit<
            Database["public"]["Tables"]["calcom_connections"]["Row"],
            Database["public"]["Tables"]["calcom_connections"]["ComputedFields"]
          >;
        };
        Returns: Json;
      };
      "calcom_is_action_echo": {
        Args: {
          "incoming": Omit<
            Database["public"]["Tables"]["calcom_bookings"]["Row"],
            Database["public"]["Tables"]["calcom_bookings"]["ComputedFields"]
          >;
          "stored": Omit<
            Database["public"]["Tables"]["calcom_bookings"]["Row"],
            Database["public"]["Tables"]["calcom_bookings"]["ComputedFields"]
          >;
        };
        Returns: boolean;
      };
      "calcom_log_unverified_event": {
        Args: {
          "p_connection_id": string;
          "p_max_per_hour": number;
          "p_reason": string;
          "p_received_at": string;
          "p_user_id": string;
          "p_verified_with": string;
        };
        Returns: string;
      };
      "calcom_log_webhook_event": {
        Args: {
          "p_booking_uid": string;
          "p_bookings": Json;
          "p_connection_active": boolean;
          "p_connection_id": string;
          "p_dedupe_key": string;
          "p_error_message": string;
          "p_max_bytes_per_day": number;
          "p_max_deferred": number;
          "p_max_per_minute": number;
          "p_payload": string;
          "p_processed": boolean;
          "p_processed_at": string;
          "p_raw_body": string;
          "p_received_at": string;
          "p_trigger": string;
          "p_user_id": string;
          "p_verified_with": string;
        };
        Returns: {
          "connection_changed": boolean;
          "deferred": boolean;
          "duplicate": boolean;
          "event_id": string;
          "processed": boolean;
          "trigger_event": string;
        }[];
      };
      "calcom_record_event_outcome": {
        Args: {
          "p_at": string;
          "p_booking_uid": string;
          "p_error_message": string;
          "p_event_id": string;
          "p_is_retry": boolean;
          "p_processed": boolean;
        };
        Returns: undefined;
      };
      "calcom_upsert_bookings": {
        Args: { "p_connection_id": string; "p_rows": Json; "p_user_id": string };
        Returns: {
          "created": number;
          "owned": number;
          "updated": number;
        }[];
      };
    };
    Enums: {
      [_ in never]: never;
    };
    CompositeTypes: {
      [_ in never]: never;
    };
  };
};

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">;

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">];

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof (
      & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
      & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"]
    )
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals } ? (
    & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"]
  )[TableName] extends {
    Row: infer R;
  } ? R
  : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R;
    } ? R
    : never
  : never;

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
    Insert: infer I;
  } ? I
  : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I;
    } ? I
    : never
  : never;

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
    Update: infer U;
  } ? U
  : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U;
    } ? U
    : never
  : never;

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never,
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never;

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals;
  } ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never,
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never;

export const Constants = {
  "public": {
    Enums: {},
  },
} as const;
