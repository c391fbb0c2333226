/** The Project Tokens API's permission names. Phone-number operations need `numbers`. */
export const SCOPES = [
  'calling',
  'chat',
  'datasphere',
  'fax',
  'management',
  'messaging',
  'numbers',
  'pubsub',
  'storage',
  'tasking',
  'video',
] as const;
export type Scope = (typeof SCOPES)[number];

const KNOWN = new Set<string>(SCOPES);

export function isScope(value: string): value is Scope {
  return KNOWN.has(value);
}

/** Parses `a,b,c` (or `all`), rejecting unknown names so a typo never grants nothing silently. */
export function parseScopes(list: string): Scope[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 1 && names[0] === 'all') return [...SCOPES];
  const unknown = names.filter((n) => !isScope(n));
  if (unknown.length > 0) throw new Error(`unknown scope(s): ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
  if (names.length === 0) throw new Error('at least one scope is required');
  return [...new Set(names as Scope[])].sort();
}
