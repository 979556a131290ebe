import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleApp, externalsOf } from '../build/bundle.js';
import { infraDir } from './helpers.js';

// The fixture mimics an app importing a workspace package that reads Lua files next to its
// source (like @app/redis-core) and a CommonJS dependency the app does not declare.
const appDir = join(infraDir, 'test', 'fixtures', 'bundle-app');
const dist = join(appDir, 'dist');

beforeAll(async () => {
  rmSync(dist, { recursive: true, force: true });
  await bundleApp({ appDir, entry: 'src/index.ts', outfile: 'dist/index.js' });
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('infra/build/bundle.ts', () => {
  it('writes one ESM file with a source map that runs on Node and finds the Lua files it reads', () => {
    expect(existsSync(join(dist, 'index.js.map'))).toBe(true);
    // dist/lua does not exist: the only way to read the scripts is through the copied assets.
    expect(existsSync(join(dist, 'lua'))).toBe(false);
    const output = execFileSync(process.execPath, [join(dist, 'index.js')], { encoding: 'utf8' });
    expect(output).toContain("greet: return 'hello ' .. KEYS[1]");
    expect(output).toContain("bye: return 'bye'");
    expect(output).toContain('- bye-0.lua\n  - greet-1.lua');
    expect(output).toContain('colorEnabled: true');
  });

  it('copies assets under dist/assets by their path from the repo root', () => {
    const lua = join(dist, 'assets', 'infra', 'test', 'fixtures', 'bundle-lib', 'src', 'lua');
    expect(readFileSync(join(lua, 'greet-1.lua'), 'utf8')).toContain('hello');
    expect(existsSync(join(lua, 'bye-0.lua'))).toBe(true);
  });

  it('fails the build on a URL it cannot follow (a computed file name) instead of shipping a bundle that cannot find it', async () => {
    await expect(
      bundleApp({ appDir, entry: 'src/computed.ts', outfile: 'dist/computed/index.js' }),
    ).rejects.toThrow(/names no file or folder the bundle can copy/);
  });

  it('keeps the dependencies the app declares external and bundles the rest', () => {
    const code = readFileSync(join(dist, 'index.js'), 'utf8');
    expect(code).toMatch(/from "yaml"/);
    expect(code).not.toMatch(/from "picocolors"|require\("picocolors"\)/);
    expect(code).toContain('isColorSupported');
    expect(externalsOf(appDir)).toEqual(expect.arrayContaining(['yaml', 'yaml/*', 'node:fs']));
    expect(externalsOf(appDir)).not.toContain('bundle-fixture-lib');
  });
});
