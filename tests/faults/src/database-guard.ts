import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { confNumber, repoRoot, roleConfLines } from './infra-conf.js';

/**
 * The split-brain guard as shipped: `min-replicas-max-lag` from infra/redis/database.conf and
 * `--min-replicas-to-write` from the compose file's database nodes (the master and both replicas
 * must carry the same value, since Sentinel may promote any of them).
 */
export function shippedDatabaseGuard(): { minReplicasToWrite: number; minReplicasMaxLag: number } {
  const compose = readFileSync(join(repoRoot, 'infra', 'docker-compose.yml'), 'utf8');
  const values = [...compose.matchAll(/database\.conf",\s*"--min-replicas-to-write",\s*"(\d+)"/g)].map((m) =>
    Number(m[1]),
  );
  if (values.length !== 3 || new Set(values).size !== 1)
    throw new Error(
      `docker-compose.yml: expected the master and 2 replicas to pass one --min-replicas-to-write, found ${values}`,
    );
  return {
    minReplicasToWrite: values[0] as number,
    minReplicasMaxLag: confNumber('database.conf', /^min-replicas-max-lag\s+(\d+)/m),
  };
}

/**
 * database.conf's role lines for a replicated set without users.acl: replicas log in as the
 * default user instead of the `replication` ACL user (the ACL file is scenario 10's subject).
 */
export function replicatedDatabaseLines(): string[] {
  return roleConfLines('database').filter((l) => !/^(masteruser|masterauth)\b/.test(l));
}
