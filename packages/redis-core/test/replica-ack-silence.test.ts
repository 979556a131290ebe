import { describe, expect, it } from 'vitest';
import { ackSilenceSeconds, MAX_ACK_SILENCE_SECONDS } from '../src/connections/replica-health.js';

const listed = [
  { host: '10.231.0.3', port: 6379, state: 'online', offset: 100, lagSeconds: 0 },
  { host: '10.231.0.4', port: 6379, state: 'online', offset: 90, lagSeconds: 7 },
];
const connectedTo = (remoteAddress: string, remotePort: number) => ({
  stream: { remoteAddress, remotePort },
});

describe('ackSilenceSeconds: the master’s count of seconds since a replica acknowledged', () => {
  it('finds the replica the client is connected to by address and port', () => {
    expect(ackSilenceSeconds(connectedTo('10.231.0.3', 6379), listed)).toBe(0);
    expect(ackSilenceSeconds(connectedTo('10.231.0.4', 6379), listed)).toBe(7);
    expect(7).toBeGreaterThan(MAX_ACK_SILENCE_SECONDS);
  });

  it('reads IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(ackSilenceSeconds(connectedTo('::ffff:10.231.0.4', 6379), listed)).toBe(7);
  });

  it('is unknown (null) when the master lists no replica there, or the client is not connected', () => {
    expect(ackSilenceSeconds(connectedTo('10.231.0.3', 6380), listed)).toBeNull();
    expect(ackSilenceSeconds(connectedTo('127.0.0.1', 6379), listed)).toBeNull();
    expect(ackSilenceSeconds({ stream: null }, listed)).toBeNull();
    expect(ackSilenceSeconds({}, listed)).toBeNull();
  });
});
