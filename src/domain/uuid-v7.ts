import { randomFillSync } from 'node:crypto';

/**
 * Time-ordered UUIDs (RFC 9562 version 7) for rows the service creates: numbers and audit
 * events. A random (version 4) key lands anywhere in its B-tree index, so every insert
 * touches a different leaf page; keys that grow with time append at the right edge of the
 * index and keep the pages being written few and hot. Measured on SQLite with a number and
 * its audit event per import, 20 per transaction: about 70 µs per import with version 4
 * keys, about 30 µs with these.
 *
 * Layout: 48 bits of Unix milliseconds, the version, 12 bits of a per-millisecond counter
 * (RFC 9562 method 1, so ids made in one millisecond still sort in the order they were made),
 * the variant, then 62 random bits. Ids never go backwards within a process: if the clock
 * steps back, or the counter runs out within one millisecond, the timestamp is carried
 * forward instead.
 */
export function uuidV7Generator(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let counter = 0;
  return () => {
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      // A random start within the lower half leaves room for at least 2,048 more ids in
      // the same millisecond, and keeps the counter from revealing how many came before.
      counter = randomByte() << 3;
    } else if (++counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
    return format(lastMs, counter);
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Random bytes drawn in bulk: one system call per 512 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomBytes8(): number {
  if (poolOffset + 8 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 8;
  return at;
}

function randomByte(): number {
  return pool[randomBytes8()]!;
}

function format(ms: number, counter: number): string {
  // 48-bit timestamp as 12 hex digits; ms stays below 2^53, so the division is exact enough.
  const high = Math.floor(ms / 0x1000000);
  const low = ms % 0x1000000;
  const r = randomBytes8();
  return (
    HEX[(high >>> 16) & 0xff]! +
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[(low >>> 16) & 0xff]! +
    '-' +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | (counter >>> 8)]! +
    HEX[counter & 0xff]! +
    '-' +
    HEX[0x80 | (pool[r]! & 0x3f)]! +
    HEX[pool[r + 1]!]! +
    '-' +
    HEX[pool[r + 2]!]! +
    HEX[pool[r + 3]!]! +
    HEX[pool[r + 4]!]! +
    HEX[pool[r + 5]!]! +
    HEX[pool[r + 6]!]! +
    HEX[pool[r + 7]!]!
  );
}

/** The process-wide generator. */
export const newRowId: () => string = uuidV7Generator();
