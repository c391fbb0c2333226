/**
 * Table shapes as Kysely sees them. Timestamps are fixed-width ISO 8601 UTC strings
 * (`2026-01-02T03:04:05.678Z`) on every backend: they sort as text in time order and reach
 * the wire byte for byte as stored, whichever database holds them.
 */
export interface Database {
  spaces: SpacesTable;
  projects: ProjectsTable;
  api_tokens: ApiTokensTable;
  phone_numbers: PhoneNumbersTable;
  server_secrets: ServerSecretsTable;
  audit_events: AuditEventsTable;
}

export interface SpacesTable {
  id: string;
  name: string;
  /** 1 when the Partner API (number import) is enabled for the Space. */
  partner_api: number;
  created_at: string;
}

export interface ProjectsTable {
  id: string;
  space_id: string;
  name: string;
  created_at: string;
  /** The project's own rate-limit spec, canonical; null: the installation's RATE_LIMIT applies. */
  rate_limit: string | null;
  /** Most active numbers the project may hold; null: no quota. */
  number_quota: number | null;
}

export interface ApiTokensTable {
  id: string;
  project_id: string;
  name: string;
  /** Comma-separated scope names. */
  scopes: string;
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface PhoneNumbersTable {
  id: string;
  project_id: string;
  number: string;
  number_type: 'longcode' | 'toll-free';
  /** Bit mask, see src/domain/capabilities.ts. */
  capabilities: number;
  name: string | null;
  country_code: string | null;
  created_at: string;
  updated_at: string;
  /** Set when released; released rows stay for audit and free the number for re-import. */
  released_at: string | null;
  e911_address_id: string | null;
  e911_status: string | null;
  next_billed_at: string | null;
  call_handler: string | null;
  calling_handler_resource_id: string | null;
  call_flow_version: string | null;
  call_receive_mode: string;
  call_request_url: string | null;
  call_request_method: string | null;
  call_fallback_url: string | null;
  call_fallback_method: string | null;
  call_status_callback_url: string | null;
  call_status_callback_method: string | null;
  call_laml_application_id: string | null;
  call_dialogflow_agent_id: string | null;
  call_relay_topic: string | null;
  call_relay_topic_status_callback_url: string | null;
  call_relay_script_url: string | null;
  call_relay_context: string | null;
  call_relay_context_status_callback_url: string | null;
  call_relay_application: string | null;
  call_relay_connector_id: string | null;
  call_sip_endpoint_id: string | null;
  call_verto_resource: string | null;
  call_video_room_id: string | null;
  message_handler: string | null;
  messaging_handler_resource_id: string | null;
  message_request_url: string | null;
  message_request_method: string | null;
  message_fallback_url: string | null;
  message_fallback_method: string | null;
  message_laml_application_id: string | null;
  message_relay_topic: string | null;
  message_relay_context: string | null;
  message_relay_application: string | null;
  /**
   * The number's PhoneNumberResponse as JSON text, exactly as answered; rewritten by every
   * write (see migration 005). Never null once written by this version.
   */
  wire: string | null;
}

/** Installation-wide secrets, shared by every node over the database. */
export interface ServerSecretsTable {
  name: string;
  /** base64url of the secret's bytes. */
  value: string;
  created_at: string;
}

/** One recorded change; see src/audit/audit.ts. */
export interface AuditEventsTable {
  id: string;
  at: string;
  project_id: string;
  /** The API token that made the change; null for the operator's CLI. */
  token_id: string | null;
  /** The HTTP request's x-request-id; null for the CLI. */
  request_id: string | null;
  action: string;
  resource_id: string;
  /** JSON object describing the change. Never holds a secret. */
  summary: string;
}
