import { hash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, onResponseHookHandler, onSendHookHandler, preValidationAsyncHookHandler } from 'fastify';
import { errors, NumberspaceError, problem } from '../domain/errors.js';
import type { IdempotencyStore, IdempotentAnswer } from '../storage/idempotency-store.js';
import { sendJson } from './send-json.js';

/**
 * Idempotency-Key on imports (a numberspace extension; Stripe's header names). The first
 * request with a key is processed; its answer is kept with the key, an import's in the import's
 * own transaction, so a retry with the same key and the same body gets that answer again, byte
 * for byte, with `Idempotent-Replayed: true`, and nothing is imported twice.
 *
 * Kept: the answers to a body that was read: the 201, and the 400 and 422 refusals of its
 * content. Not kept: anything said before the body was read (401, 403, 404 for another
 * account, 413, 415, a malformed body, 429) and the answers that say the server could not
 * decide (409, 5xx, 503): a retry after those is processed afresh.
 */

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
/** Answers are kept at least this long, then purged. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
const PURGE_EVERY_MS = 10 * 60 * 1000;
const PURGE_BATCH = 500;

/** 1 to 255 printable ASCII characters, space included. */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** The header as the served OpenAPI document describes it. */
export const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x20-\\x7e]+$',
      description:
        'numberspace extension (SignalWire has no such header): 1 to 255 printable ASCII characters, scoped to the project and this operation. A retry with the same key and body replays the first answer (201, 400 or 422) exactly, with Idempotent-Replayed: true; the same key with another body answers 422 (idempotency_key_reused); while the first request is still in progress, 409. Kept at least 24 hours.',
    }),
  ),
});

export interface IdempotencyClaim {
  readonly projectId: string;
  readonly operation: string;
  readonly key: string;
  readonly requestHash: string;
  /** The answer to keep for this key. */
  answer(status: number, body: string): IdempotentAnswer;
  /** The answer is in the database (kept with the import, or afterwards). */
  kept: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on an import that carries a valid Idempotency-Key no answer exists for yet. */
    idempotency?: IdempotencyClaim;
  }
}

export interface Idempotency {
  /** preValidation hook of an import route: checks the key (422), refuses one in flight on this node (409), claims it. */
  claim(operation: string): preValidationAsyncHookHandler;
  /**
   * onSend hook of an import route: keeps a refusal of the body's content; when the key
   * already has an answer for the same body, sends that one instead, marked replayed.
   */
  readonly keepRefusal: onSendHookHandler;
  /** onResponse hook of an import route: frees the key on this node. */
  readonly release: onResponseHookHandler;
  /**
   * Runs an import and sends its answer. `work` gets the answer to write with the import when
   * the request has a key; when the key turns out taken meanwhile (another node), the answer
   * kept for it is replayed, or 409 if it is still being written.
   */
  answerOnce<R>(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    render: (result: R) => string,
    work: (answerFor?: (result: R) => IdempotentAnswer) => Promise<R>,
    /** What to keep instead of the rendered body: a reference `expand` turns back into it. */
    keep?: (result: R) => string,
  ): Promise<FastifyReply>;
  /** Starts purging answers older than the retention, in small batches; returns the stop function. */
  startPurging(log: FastifyBaseLogger): () => void;
}

export function idempotency(deps: {
  store: IdempotencyStore;
  clock: () => Date;
  /** The body a kept answer stands for (a kept reference made whole); absent: the body as kept. */
  expand?: (kept: IdempotentAnswer) => Promise<string>;
}): Idempotency {
  const bodyOf = (kept: IdempotentAnswer) => (deps.expand === undefined ? Promise.resolve(kept.body) : deps.expand(kept));
  // Keys whose request is being processed on this node. Across nodes the database decides:
  // the import's transaction finds the key taken (see PhoneNumberStore.insert).
  const inFlight = new Map<string, IdempotencyClaim>();
  const slot = (c: { projectId: string; operation: string; key: string }) => `${c.projectId}\u0000${c.operation}\u0000${c.key}`;
  // Where each claim sits in inFlight, worked out once per request.
  const slots = new WeakMap<IdempotencyClaim, string>();
  // Frees only this request's own claim: once freed, a retry may hold the same slot.
  const free = (claim: IdempotencyClaim) => {
    const id = slots.get(claim);
    if (id !== undefined && inFlight.get(id) === claim) inFlight.delete(id);
  };

  const replay = async (stored: IdempotentAnswer, requestHash: string, reply: FastifyReply): Promise<FastifyReply> => {
    if (stored.requestHash !== requestHash) throw errors.keyReused();
    const body = await bodyOf(stored);
    reply.header(REPLAYED_HEADER, 'true');
    return sendJson(reply, body, stored.status);
  };

  return {
    claim(operation) {
      return async (request, reply) => {
        const raw = request.headers[IDEMPOTENCY_HEADER];
        if (raw === undefined) return;
        if (typeof raw !== 'string' || !VALID_KEY.test(raw)) {
          throw errors.invalid([problem('invalid_format', 'Idempotency-Key must be 1 to 255 printable ASCII characters, sent once', 'Idempotency-Key')]);
        }
        const projectId = request.principal.projectId;
        const requestHash = hashBody(request.body);
        // No lookup here: the import's own transaction finds a key that already has an answer
        // (answerOnce then replays it), so a first request costs no extra query.
        const claim: IdempotencyClaim = {
          projectId,
          operation,
          key: raw,
          requestHash,
          answer: (status, body) => ({ projectId, operation, key: raw, requestHash, status, body, createdAt: deps.clock().toISOString() }),
          kept: false,
        };
        const id = slot(claim);
        if (inFlight.has(id)) throw errors.conflict();
        inFlight.set(id, claim);
        slots.set(claim, id);
        // A client that hangs up mid-request gets no onResponse: the socket's close frees the
        // key too. A retry that then overlaps the first is settled by the database.
        reply.raw.once('close', () => free(claim));
        request.idempotency = claim;
      };
    },

    keepRefusal: async (request, reply, payload) => {
      const claim = request.idempotency;
      if (claim === undefined || claim.kept || (reply.statusCode !== 400 && reply.statusCode !== 422) || typeof payload !== 'string') return payload;
      try {
        claim.kept = await deps.store.save(claim.answer(reply.statusCode, payload));
        if (claim.kept) return payload;
        const stored = await deps.store.find(claim.projectId, claim.operation, claim.key);
        // Another body under this key that this server refuses anyway keeps its own refusal.
        if (stored === undefined || stored.requestHash !== claim.requestHash) return payload;
        const body = await bodyOf(stored);
        claim.kept = true;
        reply.code(stored.status).header(REPLAYED_HEADER, 'true');
        return body;
      } catch (err) {
        // Not kept: a retry is processed afresh and meets the same refusal.
        request.log.warn({ err }, 'could not keep the answer for an Idempotency-Key');
      }
      return payload;
    },

    release: (request, _reply, done) => {
      if (request.idempotency !== undefined) free(request.idempotency);
      done();
    },

    async answerOnce(request, reply, status, render, work, keep) {
      const claim = request.idempotency;
      let body: string | undefined;
      try {
        const result = await work(
          claim === undefined
            ? undefined
            : (r) => {
                if (keep !== undefined) return claim.answer(status, keep(r));
                body = render(r);
                return claim.answer(status, body);
              },
        );
        if (claim !== undefined) claim.kept = true;
        return sendJson(reply, body ?? render(result), status);
      } catch (err) {
        if (claim === undefined || !(err instanceof NumberspaceError) || err.kind !== 'conflict') throw err;
        const stored = await deps.store.find(claim.projectId, claim.operation, claim.key);
        if (stored === undefined) throw err;
        // The answer is the kept one (or a refusal that names it): nothing more to keep.
        claim.kept = true;
        return await replay(stored, claim.requestHash, reply);
      }
    },

    startPurging(log) {
      let running = false;
      const purge = async () => {
        if (running) return;
        running = true;
        try {
          const before = new Date(deps.clock().getTime() - IDEMPOTENCY_RETENTION_MS).toISOString();
          while ((await deps.store.purge(before, PURGE_BATCH)) === PURGE_BATCH) {
            // Let requests in between batches.
            await new Promise((r) => setImmediate(r));
          }
        } catch (err) {
          log.warn({ err }, 'purging expired idempotency keys failed; retrying later');
        } finally {
          running = false;
        }
      };
      const timer = setInterval(() => void purge(), PURGE_EVERY_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/**
 * "The same body": the same values, however they were spelt. The body as parsed (form or
 * JSON) in canonical JSON, object keys sorted, hashed.
 */
export function hashBody(body: unknown): string {
  return hash('sha256', canonicalJson(body ?? null), 'hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
