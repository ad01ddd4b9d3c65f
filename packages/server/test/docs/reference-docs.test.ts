import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IdxErrors, OAuthErrors } from '@gatehouse/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENV_KEYS } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { renderConfigurationReference } from '../../src/docs/configuration-reference.js';
import { renderErrorsReference } from '../../src/docs/errors-reference.js';
import { EngineErrorCodes } from '../../src/errors.js';
import { IDX_ERRORS } from '../../src/protocol/idx/engine-errors.js';
import { OAUTH_ERRORS } from '../../src/protocol/oauth/engine-errors.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const committed = (file: string) => readFileSync(join(repoRoot, 'docs', 'reference', file), 'utf8');

/** Every leaf of the config schema, walked from the zod objects (independently of the renderer). */
function configLeaves(): Array<{ key: string; env: string | undefined }> {
  const out: Array<{ key: string; env: string | undefined }> = [];
  const unwrap = (schema: z.ZodType): z.ZodType => {
    let current = schema;
    while ('innerType' in current.def) current = current.def.innerType as z.ZodType;
    return current;
  };
  const walk = (shape: Record<string, z.ZodType>, path: string[]) => {
    for (const [name, field] of Object.entries(shape)) {
      const inner = unwrap(field);
      const meta = z.globalRegistry.get(field) as { env?: string } | undefined;
      // An object with its own environment variable (a rate limit) is one setting.
      if (inner instanceof z.ZodObject && !meta?.env)
        walk(inner.shape as Record<string, z.ZodType>, [...path, name]);
      else out.push({ key: [...path, name].join('.'), env: meta?.env });
    }
  };
  walk(configSchema.shape as Record<string, z.ZodType>, []);
  return out;
}

/** The cells (index 1 = first column) of the row whose first cell is `firstCell`, in a table of `columns`. */
function tableRow(markdown: string, firstCell: string, columns: number): string[] | null {
  for (const line of markdown.split('\n')) {
    if (!line.startsWith(`| \`${firstCell}\` |`)) continue;
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length === columns + 2) return cells;
  }
  return null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Catalog ids the server code names, by pattern (constructors and the error handler's mappings). */
function usedIds() {
  const idx = new Map<string, string[]>();
  const oauth = new Map<string, string[]>();
  const engine = new Map<string, string[]>();
  const idxPatterns = [
    /new IdxError\(\s*'([^']+)'/g,
    /sendIdxError\(\s*\w+,\s*'([^']+)'/g,
    /\bidx:\s*'([^']+)'/g,
    /serializeError\(\s*\{\s*id:\s*'([^']+)'/g,
    /messages:\s*\[\s*\{\s*id:\s*'([^']+)'/g,
  ];
  const oauthPatterns = [
    /new OAuthError\(\s*'([^']+)'/g,
    /\boauth:\s*'([^']+)'/g,
    /\berror:\s*'([^']+)',\s*error_description/g,
  ];
  const enginePatterns = [/new EngineError\(\s*'([^']+)'/g];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const where = file.slice(srcDir.length);
    for (const [patterns, into] of [
      [idxPatterns, idx],
      [oauthPatterns, oauth],
      [enginePatterns, engine],
    ] as const) {
      for (const pattern of patterns) {
        for (const match of text.matchAll(pattern))
          into.set(match[1]!, [...(into.get(match[1]!) ?? []), where]);
      }
    }
  }
  return { idx, oauth, engine };
}

describe('generated reference docs', () => {
  it('docs/reference/configuration.md is the rendered schema', () => {
    expect(
      committed('configuration.md'),
      'docs/reference/configuration.md is stale: run `npx gatehouse docs` (after `npx tsc -b packages/server`)',
    ).toBe(renderConfigurationReference());
  });

  it('docs/reference/errors.md is the rendered catalog', () => {
    expect(
      committed('errors.md'),
      'docs/reference/errors.md is stale: run `npx gatehouse docs` (after `npx tsc -b packages/server`)',
    ).toBe(renderErrorsReference());
  });

  it('errors.md lists every IDX error (id, key, status) and every OAuth error', () => {
    const doc = committed('errors.md');
    for (const [id, entry] of Object.entries(IdxErrors)) {
      const row = tableRow(doc, id, 6);
      expect(row, `IdxErrors.${id} missing from errors.md`).not.toBeNull();
      expect(row!.slice(2, 5)).toEqual([`\`${entry.key}\``, String(entry.status), entry.class]);
    }
    for (const [code, entry] of Object.entries(OAuthErrors)) {
      expect(entry.error).toBe(code);
      const row = tableRow(doc, code, 3);
      expect(row, `OAuthErrors.${code} missing from errors.md`).not.toBeNull();
      expect(row![2]).toBe(String(entry.status));
    }
  });

  it('errors.md maps every engine error to the IDX error and the OAuth error its protocol answers with', () => {
    const doc = committed('errors.md');
    const codes = Object.keys(EngineErrorCodes) as (keyof typeof EngineErrorCodes)[];
    expect(codes.length).toBeGreaterThan(10);
    for (const code of codes) {
      const idx = IDX_ERRORS[code];
      const oauth = OAUTH_ERRORS[code];
      expect(IdxErrors, `${code} maps to an IDX error the catalog lacks`).toHaveProperty(idx);
      expect(OAuthErrors, `${code} maps to an OAuth error the catalog lacks`).toHaveProperty(oauth);
      const row = tableRow(doc, code, 4);
      expect(row, `engine error ${code} missing from errors.md`).not.toBeNull();
      expect(row![3]).toBe(`\`${idx}\` (${IdxErrors[idx].status})`);
      expect(row![4]).toBe(`\`${oauth}\` (${OAuthErrors[oauth].status})`);
    }
    // Each table is total: no code the engine lacks.
    expect(Object.keys(IDX_ERRORS).sort()).toEqual([...codes].sort());
    expect(Object.keys(OAUTH_ERRORS).sort()).toEqual([...codes].sort());
  });

  it('configuration.md documents every config leaf with its environment variable', () => {
    const doc = committed('configuration.md');
    const leaves = configLeaves();
    expect(leaves.length).toBeGreaterThan(30);
    for (const { key, env } of leaves) {
      const row = tableRow(doc, key, 5);
      expect(row, `${key} missing from configuration.md`).not.toBeNull();
      expect(row![4], `environment variable of ${key}`).toBe(env ? `\`${env}\`` : '—');
    }
    for (const name of [...ENV_KEYS.map((e) => e.env), 'GATEHOUSE_CONFIG'])
      expect(doc).toContain(`\`${name}\``);
    expect(doc).toMatch(
      /defaults[\s\S]*GATEHOUSE_CONFIG[\s\S]*environment variables[\s\S]*command-line flags/,
    );
  });

  it('configuration.md states every production refusal of config/load.ts, and the mode-dependent defaults', () => {
    const doc = committed('configuration.md');
    const production = doc.slice(doc.indexOf('## Production mode'), doc.indexOf('## Environment variables'));
    expect(production).toContain('`server.publicUrl: required in production (set GATEHOUSE_PUBLIC_URL)`');
    expect(production).toContain('`server.publicUrl: must use https in production`');
    expect(production).toMatch(/only when its host is a loopback address/);
    expect(production).toContain('`seedDemo: demo data is refused in production`');
    expect(production).toMatch(/\| `seedDemo` \| `true` \| `false` \|/);
    // Read from the loader's source, independently of how the renderer finds them.
    const loader = readFileSync(join(srcDir, 'config', 'load.ts'), 'utf8');
    const refusals = [...loader.matchAll(/problems\.push\(\s*'([^']+)'/g)].map((m) => m[1]!);
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    for (const refusal of refusals) expect(production).toContain(`\`${refusal}\``);
  });

  it('the schema meta `env` and the loader ENV_KEYS agree', () => {
    const fromSchema = configLeaves()
      .filter((l) => l.env)
      .map((l) => `${l.env}=${l.key}`)
      .sort();
    const fromLoader = ENV_KEYS.map((e) => `${e.env}=${e.path.join('.')}`).sort();
    expect(fromSchema).toEqual(fromLoader);
  });

  it('config keys named in the error catalog exist', () => {
    const keys = new Set(configLeaves().map((l) => l.key));
    const named = Object.values(IdxErrors)
      .flatMap((e) => [...e.when.matchAll(/`([a-z]+(?:\.[a-zA-Z]+)+)`/g)].map((m) => m[1]!))
      .concat(
        Object.values(OAuthErrors).flatMap((e) =>
          [...e.when.matchAll(/`([a-z]+(?:\.[a-zA-Z]+)+)`/g)].map((m) => m[1]!),
        ),
      );
    for (const key of named) expect(keys, `catalog names unknown config key ${key}`).toContain(key);
  });

  it('every error id the server code uses exists in the catalog', () => {
    const { idx, oauth, engine } = usedIds();
    // The scan must see the code, or this test proves nothing.
    expect(idx.size).toBeGreaterThan(5);
    expect(oauth.size).toBeGreaterThan(5);
    expect(engine.size).toBeGreaterThan(5);
    const unknownEngine = [...engine.keys()].filter((code) => !(code in EngineErrorCodes));
    expect(unknownEngine, `unknown EngineError codes (${unknownEngine})`).toEqual([]);
    const unknownIdx = [...idx.keys()].filter((id) => !(id in IdxErrors));
    const unknownOAuth = [...oauth.keys()].filter((code) => !(code in OAuthErrors));
    expect(unknownIdx, `unknown IdxError ids (${unknownIdx.map((id) => `${id} in ${idx.get(id)}`)})`).toEqual(
      [],
    );
    expect(
      unknownOAuth,
      `unknown OAuthError codes (${unknownOAuth.map((c) => `${c} in ${oauth.get(c)}`)})`,
    ).toEqual([]);

    const unusedIdx = Object.keys(IdxErrors).filter((id) => !idx.has(id));
    const unusedOAuth = Object.keys(OAuthErrors).filter((code) => !oauth.has(code));
    if (unusedIdx.length || unusedOAuth.length) {
      console.info(
        `Catalog entries not used by packages/server/src yet — IdxErrors: ${unusedIdx.join(', ') || 'none'}; OAuthErrors: ${unusedOAuth.join(', ') || 'none'}`,
      );
    }
  });
});
