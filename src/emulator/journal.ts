/**
 * The emulator's request journal: what each API request carried and how it was answered, in
 * arrival order, in memory and bounded. The entry shape is the one SignalWire's SDK test
 * harnesses read from their mock server.
 */

export interface JournalEntry {
  /** When the request arrived: seconds since the Unix epoch, with milliseconds. */
  readonly timestamp: number;
  readonly method: string;
  /** Without the query string. */
  readonly path: string;
  readonly query_params: Readonly<Record<string, string[]>>;
  /** Lower-case names; Authorization masked. */
  readonly headers: Readonly<Record<string, string>>;
  /** null when empty or not read; parsed when JSON or a form; otherwise the text. */
  readonly body: unknown;
  /** `<surface>.<operationId>`, or null for a request that matched no operation. */
  readonly matched_route: string | null;
  readonly response_status: number | null;
}

/** An entry and the project it named (the Basic user name), for filtering. */
interface Kept {
  readonly entry: JournalEntry;
  readonly project: string | undefined;
}

/** Entries kept; the oldest go first. */
export const JOURNAL_CAPACITY = 10_000;

export interface Journal {
  record(entry: JournalEntry, project: string | undefined): void;
  list(filter: { project?: string; matchedRoute?: string }): JournalEntry[];
  /** Clears it all, or one project's entries. */
  reset(project?: string): void;
}

export function createJournal(capacity = JOURNAL_CAPACITY): Journal {
  // A ring: recording is O(1) however full it is.
  const ring: (Kept | undefined)[] = new Array(capacity);
  let start = 0;
  let size = 0;
  const inOrder = (): Kept[] => {
    const out: Kept[] = [];
    for (let i = 0; i < size; i++) out.push(ring[(start + i) % capacity]!);
    return out;
  };
  return {
    record(entry, project) {
      ring[(start + size) % capacity] = { entry, project };
      if (size < capacity) size++;
      else start = (start + 1) % capacity;
    },
    list(filter) {
      return inOrder()
        .filter((k) => (filter.project === undefined || k.project === filter.project) && (filter.matchedRoute === undefined || k.entry.matched_route === filter.matchedRoute))
        .map((k) => k.entry);
    },
    reset(project) {
      const kept = project === undefined ? [] : inOrder().filter((k) => k.project !== project);
      ring.fill(undefined);
      kept.forEach((k, i) => (ring[i] = k));
      start = 0;
      size = kept.length;
    },
  };
}

/** `Basic <credentials>` becomes `Basic ****`; any other value is masked whole. */
export function maskAuthorization(value: string): string {
  const space = value.indexOf(' ');
  return space > 0 ? `${value.slice(0, space)} ****` : '****';
}

/**
 * The journal's `body`: null when there is none, the parsed value of a JSON or form body,
 * otherwise the text (a JSON body that does not parse included).
 */
export function journalBody(contentType: string | undefined, raw: Buffer | undefined): unknown {
  if (raw === undefined || raw.length === 0) return null;
  const text = raw.toString('utf8');
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  if (type === 'application/x-www-form-urlencoded') return formObject(new URLSearchParams(text));
  return text;
}

/** A key given once is a string, a repeated key a list, as the Compatibility API reads forms. */
function formObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

/** `?a=1&a=2&b=` as `{a: ['1', '2'], b: ['']}`. */
export function queryParams(url: string): Record<string, string[]> {
  const q = url.indexOf('?');
  const out: Record<string, string[]> = {};
  if (q === -1) return out;
  for (const [key, value] of new URLSearchParams(url.slice(q + 1))) (out[key] ??= []).push(value);
  return out;
}
