import { BlockList, isIP } from 'node:net';
import type { Request } from 'express';
import { bearerCheck } from '../../http/admin-auth.js';

/**
 * Who may scrape /metrics: a caller with `Authorization: Bearer $METRICS_TOKEN`, or one whose
 * address (req.ip, so TRUST_PROXY applies) is in METRICS_ALLOW (addresses and CIDRs; loopback by
 * default). The metrics name routes, counts and process internals: not for anonymous clients.
 */
export function metricsAccess(opts: {
  token?: string | undefined;
  allow: string[];
}): (req: Request) => boolean {
  const hasToken = bearerCheck(opts.token);
  const allowed = addressList(opts.allow);
  return (req) => hasToken(req) || isAllowed(allowed, req);
}

function isAllowed(list: BlockList, req: Request): boolean {
  const address = req.ip ?? req.socket.remoteAddress;
  if (!address) return false;
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8` → one BlockList (used here as an allow list). */
export function addressList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new RangeError(`not an IP address: ${entry}`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}
