import type { AuditEvent } from '../domain/audit.js';
import type { PhoneNumberRow } from '../domain/phone-number-record.js';

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
  audit_events: AuditEvent;
  idempotency_keys: IdempotencyKeysTable;
}

/**
 * A number's row, and on stock rows the columns only the stock search reads (see
 * migrations/008-number-stock.ts): null on every other row, so writes of projects' numbers
 * leave them out.
 */
export interface PhoneNumbersTable extends PhoneNumberRow {
  stock_space_id?: string | null;
  /** The national significant number's digits. */
  national?: string | null;
  national_reversed?: string | null;
}

export interface IdempotencyKeysTable {
  project_id: string;
  operation: string;
  key: string;
  request_hash: string;
  status: number;
  body: string;
  created_at: string;
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


/** Installation-wide secrets, shared by every node over the database. */
export interface ServerSecretsTable {
  name: string;
  /** base64url of the secret's bytes. */
  value: string;
  created_at: string;
}

