/**
 * The reference documents in docs/ against the code they describe: the HTTP routes (docs/api.md), the
 * SQLite schema (docs/log-schema.md) and the command line (docs/cli.md); and every relative link in
 * the documentation resolves to a file and heading that exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createApp } from '../exporter/src/api/app';
import { buildProgram } from '../exporter/src/cli/main';
import type { Engine } from '../exporter/src/evaluate/engine';
import type { Metrics } from '../exporter/src/metrics/registry';
import { MIGRATIONS } from '../exporter/src/store/migrations';
import { silentLogger, testConfig } from '../exporter/src/testing';
import { REPO_ROOT } from './helpers/paths';

const doc = (name: string) => readFileSync(join(REPO_ROOT, 'docs', name), 'utf8');

/** The text of a markdown section: from its heading to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.replace(/^#+ /, '') === heading && l.startsWith('#'));
  if (start < 0) return '';
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The first cells of a markdown table's body rows, without their backquotes. */
const firstCells = (markdown: string): string[] =>
  [...markdown.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);

describe('docs/api.md', () => {
  it('lists exactly the routes the exporter serves', () => {
    // Registering the routes reads only the configuration; the engine and metrics are used by handlers.
    const app = createApp({
      engine: {} as Engine,
      metrics: {} as Metrics,
      config: testConfig(':memory:'),
      log: silentLogger,
      isAccepting: () => true,
    });
    const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: object } }[] } })
      .router.stack;
    const served = stack
      .filter((layer) => layer.route)
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map(
          (m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
        ),
      );
    const documented = [
      ...section(doc('api.md'), 'Routes').matchAll(/^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \|/gm),
    ].map((m) => `${m[1]} ${m[2]}`);
    expect(served.length).toBeGreaterThan(10);
    expect(documented.sort()).toEqual(served.sort());
  });
});

describe('docs/log-schema.md', () => {
  it('lists every table and column the migrations create', () => {
    const db = new Database(':memory:');
    for (const sql of MIGRATIONS) db.exec(sql);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    expect(tables.length).toBeGreaterThanOrEqual(5);
    const markdown = doc('log-schema.md');
    for (const table of tables) {
      const columns = (db.pragma(`table_info("${table}")`) as { name: string }[]).map((c) => c.name);
      expect(firstCells(section(markdown, `\`${table}\``)), table).toEqual(columns);
    }
    db.close();
  });
});

describe('docs/cli.md', () => {
  it('lists every command with exactly its options', () => {
    const markdown = doc('cli.md');
    const commands: [string, Command][] = [];
    const walk = (cmd: Command, path: string) => {
      for (const sub of cmd.commands) {
        const name = [path, sub.name(), ...sub.registeredArguments.map((a) => `<${a.name()}>`)]
          .filter(Boolean)
          .join(' ');
        if (sub.commands.length > 0) walk(sub, `${path} ${sub.name()}`.trim());
        else commands.push([name, sub]);
      }
    };
    walk(buildProgram(), '');
    expect(commands.map(([name]) => name)).toEqual([
      'serve',
      'demo',
      'simulate',
      'compare',
      'reference import <file>',
    ]);
    for (const [name, cmd] of commands) {
      const rows = firstCells(section(markdown, `\`modelwatch ${name}\``));
      expect(rows, name).toEqual(cmd.options.map((o) => o.flags));
    }
  });
});

/** GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

describe('documentation links', () => {
  it('every relative link in README.md and docs/ points to an existing file and heading', () => {
    const files = [
      'README.md',
      ...readdirSync(join(REPO_ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        const [path, hash] = target.split('#') as [string, string | undefined];
        const resolved = path === '' ? join(REPO_ROOT, file) : join(REPO_ROOT, dirname(file), path);
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target}`);
          continue;
        }
        if (hash && resolved.endsWith('.md')) {
          const headings = [...readFileSync(resolved, 'utf8').matchAll(/^#+ (.+)$/gm)].map((h) =>
            anchor(h[1]!),
          );
          if (!headings.includes(hash)) broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
