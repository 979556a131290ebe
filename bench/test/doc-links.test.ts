import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The docs may link only to files that exist in the repository (a page once cited a DESIGN.md
 * that was never committed). Covers README.md and docs/*.md: every relative Markdown link and
 * every link to this repository's files, resolved from the page's own folder; web links and
 * in-page anchors are not files.
 */
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const pages = [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(root, 'docs', f)),
];

// [text](target) and [label]: target; the target ends at whitespace or ')'.
const INLINE = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const REFERENCE = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm;

export function linkTargets(markdown: string): string[] {
  // Code blocks and spans show syntax, not links.
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(INLINE), ...text.matchAll(REFERENCE)].map((m) => m[1]!);
}

/** File names ending in .md written anywhere in the page (prose, code spans, links), web links aside. */
export function mentionedMarkdown(markdown: string): string[] {
  const text = markdown.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '');
  return [...new Set([...text.matchAll(/[\w./-]+\.md\b/g)].map((m) => m[0]))];
}

/** The repository file a link points at, or null for web links and anchors. */
export function localPath(page: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('//')) return null;
  const path = decodeURIComponent(target.split('#')[0]!.split('?')[0]!);
  return path.startsWith('/') ? join(root, path) : resolve(dirname(page), path);
}

describe('links in README.md and docs/*.md', () => {
  it('point only at files that exist in the repository', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const target of linkTargets(readFileSync(page, 'utf8'))) {
        const path = localPath(page, target);
        if (path === null) continue;
        if (!path.startsWith(root) || !existsSync(path)) broken.push(`${relative(root, page)} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('name only Markdown files that exist (relative to the page, the repository root or docs/)', () => {
    const missing: string[] = [];
    for (const page of pages) {
      for (const name of mentionedMarkdown(readFileSync(page, 'utf8'))) {
        const candidates = [resolve(dirname(page), name), join(root, name), join(root, 'docs', name)];
        if (!candidates.some((c) => existsSync(c))) missing.push(`${relative(root, page)} names ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('finds a link to a missing file (the check can fail)', () => {
    const page = join(root, 'docs', 'benchmarks.md');
    const targets = linkTargets(
      'See [the design](./DESIGN.md) and [JSON](./benchmarks.json), `[x](./nope.md)`.',
    );
    expect(targets).toEqual(['./DESIGN.md', './benchmarks.json']);
    expect(existsSync(localPath(page, './DESIGN.md')!)).toBe(false);
    expect(existsSync(localPath(page, './benchmarks.json')!)).toBe(true);
    expect(localPath(page, 'https://example.com/x.md')).toBeNull();
    expect(mentionedMarkdown('the layout DESIGN.md keeps, see https://x.dev/a.md')).toEqual(['DESIGN.md']);
  });
});
