import { hashTagOf } from './index.js';

/**
 * Redis Cluster's key → slot function (CRC16-XMODEM of the key, or of its hash tag, mod 16384),
 * so the probe can pick one key per shard without asking the server.
 */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] as number);
  return crc;
}

export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTagOf(key) ?? key)) % 16384;
}
