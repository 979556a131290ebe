import { ip, ipSync } from './ip-command.js';

export type NetnsSupport = { ok: true } | { ok: false; reason: string };

let probed: Promise<NetnsSupport> | undefined;

/**
 * Whether this machine lets the test make network namespaces: Linux, root, iproute2's `ip`,
 * and a namespace that can really be created (containers without CAP_SYS_ADMIN cannot).
 * Partition tests skip with the returned reason printed when it is not ok.
 */
export function netnsSupport(): Promise<NetnsSupport> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<NetnsSupport> {
  if (process.platform !== 'linux')
    return { ok: false, reason: `network namespaces need Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (uid 0)' };
  const name = `rdcnet-${process.pid}-probe`;
  try {
    await ip(['netns', 'add', name]);
    await ip(['-n', name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    return { ok: true };
  } catch (err) {
    return {
      ok: false,
      reason: `cannot create a network namespace with veth links: ${(err as Error).message}`,
    };
  } finally {
    ipSync(['netns', 'del', name]);
  }
}
