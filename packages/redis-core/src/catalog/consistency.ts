import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../connections/index.js';
import { CATEGORY_BY_NAME_SUFFIX, CATEGORY_BY_PRICE_SUFFIX, type CatalogKeys } from '../keys/catalog.js';
import { decodeProduct, idOfMember, indexEntriesOf } from './indexes.js';

export interface ConsistencyReport {
  ok: boolean;
  /** Members of the product set. */
  products: number;
  /** Human-readable findings, at most `maxProblems` (the last line then says how many more). */
  problems: string[];
}

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
const CATEGORY_PATTERN = /^[a-z0-9_-]{1,64}$/;
const CHUNK = 5000;

/** Every member of a sorted set with its score, read in rank ranges so no reply is huge. */
async function zsetEntries(client: RedisClient, key: string): Promise<Map<string, number>> {
  const entries = new Map<string, number>();
  for (let start = 0; ; start += CHUNK) {
    const flat = (await client.zrange(key, start, String(start + CHUNK - 1), 'WITHSCORES')) as string[];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.set(flat[i] as string, Number(flat[i + 1]));
    if (flat.length < CHUNK * 2) return entries;
  }
}

async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  // In a cluster every catalog key lives on the master owning the `{db}` slot; scan them all.
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/**
 * Checks the catalog both ways: every product in the set exists, parses and is in each index
 * it belongs to with the right score/member; every index entry (global and per category),
 * every category and every `db:product:*` / `db:category:*` key belongs to a live product.
 * It reads without a transaction, so writes running meanwhile may show as transient problems:
 * run it on a quiet catalog (as the fault suite does) for a verdict.
 */
export async function checkCatalogConsistency(
  client: RedisClient,
  k: CatalogKeys,
  opts: { maxProblems?: number } = {},
): Promise<ConsistencyReport> {
  const maxProblems = opts.maxProblems ?? 200;
  const problems: string[] = [];
  let total = 0;
  const problem = (message: string) => {
    total += 1;
    if (problems.length < maxProblems) problems.push(message);
  };

  const ids = new Set(await client.smembers(k.products));
  const price = new Map<string, number>();
  const categoryOf = new Map<string, string>();
  const wordMembers = new Set<string>();
  const perCategory = new Map<string, { ids: Set<string>; sortMembers: Set<string> }>();

  const validIds = [...ids].filter((id) => {
    if (ID_PATTERN.test(id) && id !== '.' && id !== '..') return true;
    problem(`${k.products} holds an invalid id ${JSON.stringify(id)}`);
    return false;
  });
  for (let start = 0; start < validIds.length; start += CHUNK) {
    const chunk = validIds.slice(start, start + CHUNK);
    const values = await client.mget(chunk.map((id) => k.product(id)));
    for (const [i, id] of chunk.entries()) {
      const raw = values[i];
      if (raw == null) {
        problem(`${k.products} lists "${id}" but ${k.product(id)} does not exist`);
        continue;
      }
      let entries: ReturnType<typeof indexEntriesOf>;
      try {
        entries = indexEntriesOf(decodeProduct(raw, id));
      } catch (err) {
        problem((err as Error).message);
        continue;
      }
      const category = entries.category as string;
      price.set(id, entries.price);
      categoryOf.set(id, category);
      for (const member of entries.wordMembers) wordMembers.add(member);
      const bucket = perCategory.get(category) ?? { ids: new Set(), sortMembers: new Set() };
      bucket.ids.add(id);
      bucket.sortMembers.add(entries.sortMember);
      perCategory.set(category, bucket);
    }
  }

  const byPrice = await zsetEntries(client, k.byPrice);
  for (const [id, score] of byPrice) {
    if (!ids.has(id)) problem(`${k.byPrice} holds "${id}", which is not a product`);
    else if (price.has(id) && price.get(id) !== score)
      problem(`${k.byPrice} scores "${id}" ${score}, its price is ${price.get(id)}`);
  }
  for (const id of price.keys()) if (!byPrice.has(id)) problem(`${k.byPrice} is missing "${id}"`);

  const byName = await zsetEntries(client, k.byName);
  for (const member of byName.keys()) {
    if (!wordMembers.has(member)) problem(`${k.byName} holds a stale entry ${JSON.stringify(member)}`);
  }
  for (const member of wordMembers) {
    if (!byName.has(member))
      problem(`${k.byName} is missing ${JSON.stringify(member)} of "${idOfMember(member)}"`);
  }

  const listed = new Set(await client.smembers(k.categories));
  const categories = new Set([...listed, ...perCategory.keys()]);
  for (const key of await scanKeys(client, `${k.categoryPrefix}*`)) {
    const rest = key.slice(k.categoryPrefix.length);
    const category = rest.replace(
      new RegExp(`(${CATEGORY_BY_PRICE_SUFFIX}|${CATEGORY_BY_NAME_SUFFIX})$`),
      '',
    );
    if (CATEGORY_PATTERN.test(category)) categories.add(category);
    else problem(`unexpected key ${key}`);
  }
  for (const id of await scanKeys(client, `${k.productPrefix}*`).then((keys) =>
    keys.map((key) => key.slice(k.productPrefix.length)),
  )) {
    if (!ids.has(id)) problem(`${k.productPrefix}${id} exists but is not in ${k.products}`);
  }

  for (const category of [...categories].sort()) {
    const expected = perCategory.get(category) ?? { ids: new Set<string>(), sortMembers: new Set<string>() };
    if (expected.ids.size > 0 && !listed.has(category)) problem(`${k.categories} is missing "${category}"`);
    if (expected.ids.size === 0 && listed.has(category))
      problem(`${k.categories} lists "${category}", which has no product`);
    const [members, scored, sorted] = await Promise.all([
      client.smembers(k.category(category)),
      zsetEntries(client, k.categoryByPrice(category)),
      zsetEntries(client, k.categoryByName(category)),
    ]);
    const setKey = k.category(category);
    for (const id of members)
      if (!expected.ids.has(id))
        problem(`${setKey} holds "${id}", whose category is ${categoryOf.get(id) ?? 'none (not a product)'}`);
    const memberSet = new Set(members);
    for (const id of expected.ids) if (!memberSet.has(id)) problem(`${setKey} is missing "${id}"`);
    const priceKey = k.categoryByPrice(category);
    for (const [id, score] of scored) {
      if (!expected.ids.has(id)) problem(`${priceKey} holds a stale entry "${id}"`);
      else if (price.get(id) !== score)
        problem(`${priceKey} scores "${id}" ${score}, its price is ${price.get(id)}`);
    }
    for (const id of expected.ids) if (!scored.has(id)) problem(`${priceKey} is missing "${id}"`);
    const nameKey = k.categoryByName(category);
    for (const member of sorted.keys())
      if (!expected.sortMembers.has(member))
        problem(`${nameKey} holds a stale entry ${JSON.stringify(member)}`);
    for (const member of expected.sortMembers)
      if (!sorted.has(member)) problem(`${nameKey} is missing ${JSON.stringify(member)}`);
  }

  if (total > problems.length) problems.push(`… and ${total - problems.length} more`);
  return { ok: total === 0, products: ids.size, problems };
}
