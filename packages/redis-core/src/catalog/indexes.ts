import { RedisCoreError } from '../errors.js';
import { type Product, productSchema } from './products.js';

/**
 * What a product contributes to the indexes, computed in one place for writes, removals and
 * the consistency checker so they can never disagree.
 *
 * Name search design: `db:products:by_name` is a sorted set whose scores are all 0, so Redis
 * orders it by member bytes. Each product adds one member per distinct word of its name,
 * `<word>\0<id>`, where a word is a run of letters/digits, lower-cased and stripped of accents
 * ("Écran Pro-14" → "ecran", "pro", "14"). A prefix query `p` is then
 * `ZRANGE by_name [p [p\xff BYLEX LIMIT …`: O(log n + page), case- and accent-insensitive,
 * matching the start of any word. `\0` sorts before every word character, so "pro\0id"
 * comes before "product\0id", and the id is recovered after the last `\0`.
 * Word extraction uses Unicode rules Lua lacks, so the caller computes members in JS and
 * passes them to the write scripts (old members come from the stored JSON it read).
 */

const SEPARATOR = '\u0000';

/** Lower-case, accents removed (NFKD then drop combining marks): "Écran" → "ecran". */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** Distinct words of a name (or of a search query), normalized. */
export function nameWords(text: string): string[] {
  return [
    ...new Set(
      normalizeText(text)
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w.length > 0),
    ),
  ];
}

export function nameWordMembers(name: string, id: string): string[] {
  return nameWords(name).map((word) => `${word}${SEPARATOR}${id}`);
}

/** Member of a category's by_name set: the whole normalized name, so lex order is name order. */
export function nameSortMember(name: string, id: string): string {
  return `${normalizeText(name).replace(/\0/g, '')}${SEPARATOR}${id}`;
}

export function idOfMember(member: string): string {
  return member.slice(member.lastIndexOf(SEPARATOR) + 1);
}

export interface IndexEntries {
  /** null only for a damaged stored record whose category cannot be read. */
  category: string | null;
  price: number;
  wordMembers: string[];
  sortMember: string;
}

export function indexEntriesOf(product: Product): IndexEntries {
  return {
    category: product.category,
    price: product.price,
    wordMembers: nameWordMembers(product.name, product.id),
    sortMember: nameSortMember(product.name, product.id),
  };
}

/** A stored value that is not a product (hand-edited, or written by something else). */
export class CorruptProductError extends RedisCoreError {
  constructor(id: string, reason: string) {
    super(`stored product "${id}" is not a valid product: ${reason}`, 'E_CORRUPT_PRODUCT', 500);
  }
}

export function encodeProduct(product: Product): string {
  return JSON.stringify(product);
}

/** Parses a stored product strictly (defaults applied, as the seed's older records may lack them). */
export function decodeProduct(raw: string, id: string): Product {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new CorruptProductError(id, 'not JSON');
  }
  const result = productSchema.safeParse(value);
  if (!result.success)
    throw new CorruptProductError(id, result.error.issues.map((i) => i.message).join('; '));
  if (result.data.id !== id) throw new CorruptProductError(id, `its id field is "${result.data.id}"`);
  return result.data;
}

/**
 * The index entries a stored value most likely owns, even when it is not a valid product,
 * so that overwriting or removing a damaged record still cleans up what it can.
 */
export function storedIndexEntries(raw: string, id: string): IndexEntries | null {
  try {
    return indexEntriesOf(decodeProduct(raw, id));
  } catch {
    let value: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object') value = parsed as Record<string, unknown>;
    } catch {
      return null;
    }
    const name = typeof value.name === 'string' ? value.name : '';
    const lowered = typeof value.category === 'string' ? value.category.toLowerCase() : '';
    const category = /^[a-z0-9_-]{1,64}$/.test(lowered) ? lowered : null;
    return {
      category,
      price: typeof value.price === 'number' ? value.price : 0,
      wordMembers: nameWordMembers(name, id),
      sortMember: nameSortMember(name, id),
    };
  }
}
