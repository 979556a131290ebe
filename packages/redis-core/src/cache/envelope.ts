/**
 * How cache entries are stored, so `redis-cli GET data:prod1` stays readable:
 *
 * - a normal entry is the value's plain JSON (`{"id":"prod1",…}`), as the seed's `json.dumps`;
 * - a negative entry (the loader found nothing) is the marker `!not-found`;
 * - with a grace period, an entry is `~<logicalExpiryMs>~<json>`: the key lives ttl + grace,
 *   and a read after the logical expiry (epoch ms) serves the value as stale.
 *
 * `!` and `~` can never start a JSON text, so the three shapes cannot be confused.
 */

export const NEGATIVE_MARKER = '!not-found';
const GRACE_PATTERN = /^~(\d{1,16})~/;

export type DecodedEntry =
  | { kind: 'value'; value: unknown; logicalExpiryMs: number | null }
  | { kind: 'negative' }
  /** Not written by this module (e.g. a hand-made `SET data:x hello`): treated as a miss. */
  | { kind: 'corrupt' };

/** Encodes a value; `null`/`undefined` become the negative marker. Throws when not JSON-serialisable. */
export function encodeEntry(value: unknown, logicalExpiryMs: number | null = null): string {
  if (value === null || value === undefined) return NEGATIVE_MARKER;
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a ${typeof value} cannot be stored as JSON`);
  return logicalExpiryMs === null ? json : `~${Math.round(logicalExpiryMs)}~${json}`;
}

export function decodeEntry(raw: string): DecodedEntry {
  if (raw === NEGATIVE_MARKER) return { kind: 'negative' };
  let json = raw;
  let logicalExpiryMs: number | null = null;
  // 126 = '~': only an entry with a grace period starts with it (a plain entry skips the regex).
  const grace = raw.charCodeAt(0) === 126 ? GRACE_PATTERN.exec(raw) : null;
  if (grace) {
    logicalExpiryMs = Number(grace[1]);
    json = raw.slice(grace[0].length);
  }
  try {
    return { kind: 'value', value: JSON.parse(json), logicalExpiryMs };
  } catch {
    return { kind: 'corrupt' };
  }
}

/** ttlSeconds × (1 ± jitter), uniform, in ms: entries written together do not expire together. */
export function jitteredTtlMs(
  ttlSeconds: number,
  jitter: number,
  random: () => number = Math.random,
): number {
  const factor = 1 + (random() * 2 - 1) * jitter;
  return Math.max(1, Math.round(ttlSeconds * 1000 * factor));
}
