import type { onRequestAsyncHookHandler } from 'fastify';
import { errors } from '../../domain/errors.js';

/**
 * A path naming another account reveals nothing about it: not found, like an unknown number
 * of one's own. Runs after the guard, so credentials are checked first.
 */
export const ownAccount: onRequestAsyncHookHandler = async (request) => {
  const { AccountSid } = request.params as { AccountSid: string };
  // Project ids are lower-case UUIDs, or in emulator mode any id, matched as given.
  const own = request.principal.projectId;
  if (AccountSid !== own && AccountSid.toLowerCase() !== own) throw errors.notFound();
};

/** `<sid>.json` is the same resource as `<sid>`. */
export function splitSid(raw: string): { sid: string; suffix: string } {
  return raw.endsWith('.json') ? { sid: raw.slice(0, -5), suffix: '.json' } : { sid: raw, suffix: '' };
}

/**
 * A form carries one value as a plain string and several as an array; for a list parameter
 * both mean a list. JSON bodies must send an array.
 */
export function listsFromForm(names: readonly string[]): onRequestAsyncHookHandler {
  return async (request) => {
    if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return;
    const body = request.body as Record<string, unknown> | undefined;
    if (body === undefined || body === null) return;
    for (const name of names) if (typeof body[name] === 'string') body[name] = [body[name]];
  };
}

