/** How values read on screen. */

/** A North American number as (512) 555-0100; any other stays E.164. */
export function displayNumber(e164: string): string {
  const m = /^\+1([2-9]\d{2})(\d{3})(\d{4})$/.exec(e164);
  return m === null ? e164 : `(${m[1]}) ${m[2]}-${m[3]}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const count = new Intl.NumberFormat();

export function displayDateTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTime.format(t);
}

/** A YYYY-MM-DD UTC date as "Jun 1". */
export function displayDay(date: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(t) ? date : day.format(t);
}

export function displayCount(n: number): string {
  return count.format(n);
}

let regions: Intl.DisplayNames | null | undefined;
export function countryName(code: string | null): string {
  if (code === null) return 'Non-geographic';
  if (regions === undefined) {
    try {
      regions = new Intl.DisplayNames(undefined, { type: 'region' });
    } catch {
      regions = null;
    }
  }
  let name: string | undefined;
  try {
    name = regions?.of(code);
  } catch {
    name = undefined;
  }
  return name === undefined || name === code ? code : `${name} (${code})`;
}

export function numberTypeName(type: string): string {
  return type === 'toll-free' || type === 'tollfree' ? 'Toll-free' : type === 'longcode' ? 'Long code' : type;
}

const ACTIONS: Readonly<Record<string, string>> = {
  'number.imported': 'Imported',
  'number.purchased': 'Bought',
  'number.updated': 'Updated',
  'number.released': 'Released',
  'token.created': 'Token created',
  'token.updated': 'Token changed',
  'token.rotated': 'Token rotated',
  'token.revoked': 'Token deleted',
};

export function actionName(action: string): string {
  return ACTIONS[action] ?? action;
}

function value(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(value).join(', ');
  if (typeof v === 'string') return v === '' ? '(cleared)' : v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** An audit event's details in a line: what changed, never a secret (the server keeps none). */
export function detailsSummary(details: Readonly<Record<string, unknown>>, action: string): string {
  const parts: string[] = [];
  for (const [key, v] of Object.entries(details)) {
    if (key === 'changed' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const changed = Object.entries(v as Record<string, unknown>);
      parts.push(changed.length === 0 ? 'no change' : changed.map(([k, x]) => `${k} → ${value(x)}`).join(', '));
    } else {
      parts.push(`${key.replace(/_/g, ' ')}: ${value(v)}`);
    }
  }
  if (parts.length > 0) return parts.join('; ');
  return action.endsWith('.updated') ? 'no change' : '';
}
