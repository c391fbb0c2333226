/**
 * The first answer to a request that carried an Idempotency-Key, kept so a retry with the
 * same key gets the very same answer. `operation` names the endpoint (one per surface's
 * import); keys are scoped to a project and an operation.
 */
export interface IdempotentAnswer {
  readonly projectId: string;
  readonly operation: string;
  readonly key: string;
  /** sha256 of the request body in canonical form, hex. */
  readonly requestHash: string;
  readonly status: number;
  /** The answer's body, byte for byte. */
  readonly body: string;
  readonly createdAt: string;
}

export interface IdempotencyStore {
  find(projectId: string, operation: string, key: string): Promise<IdempotentAnswer | undefined>;
  /**
   * Keeps an answer that changed nothing (a refusal); false when the key already has one. An
   * import's own answer is written with the import, in its transaction (PhoneNumberStore.insert).
   */
  save(answer: IdempotentAnswer): Promise<boolean>;
  /** Deletes up to `limit` answers created before `before`; returns how many. */
  purge(before: string, limit: number): Promise<number>;
}

export const IDEMPOTENCY_COLUMNS = ['project_id', 'operation', 'key', 'request_hash', 'status', 'body', 'created_at'] as const;

/** An answer as a row of idempotency_keys. */
export function idempotencyRow(a: IdempotentAnswer) {
  return { project_id: a.projectId, operation: a.operation, key: a.key, request_hash: a.requestHash, status: a.status, body: a.body, created_at: a.createdAt };
}
