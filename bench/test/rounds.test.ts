import { describe, expect, it } from 'vitest';
import { interleave, roundOrder } from '../src/lib/rounds.js';

describe('interleaved rounds', () => {
  it('rotate: every variant takes every position once in as many rounds', () => {
    const rounds = [0, 1, 2].map((r) => roundOrder(3, r));
    expect(rounds).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
    ]);
  });

  it('mirror: neighbours stay neighbours and swap who goes first every other round', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(4, r, 'mirror'))).toEqual([
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [0, 1, 2, 3],
      [3, 2, 1, 0],
    ]);
  });

  it('runs the variants in the asked order and keeps each one its samples', async () => {
    const ran: string[] = [];
    const variant = (name: string, value: number) => ({
      name,
      measure: async (round: number) => {
        ran.push(`${name}${round}`);
        return value + round;
      },
    });
    const results = await interleave([variant('a', 10), variant('b', 20)], 2, undefined, 'mirror');
    expect(ran).toEqual(['a0', 'b0', 'b1', 'a1']);
    expect(results.get('a')?.samples).toEqual([10, 11]);
    expect(results.get('b')?.samples).toEqual([20, 21]);
  });
});
