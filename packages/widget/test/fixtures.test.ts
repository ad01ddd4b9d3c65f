/**
 * The renderer's fixtures are real envelopes: this records them again from a running Gatehouse
 * and fails when the server's answers drift from the stored ones (so the component tests never
 * test a shape the server no longer sends). `UPDATE_FIXTURES=1` rewrites them instead.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { type Recorded, recordEnvelopes } from './support/record-envelopes.js';

const dir = new URL('./fixtures/', import.meta.url);

describe('recorded envelopes', () => {
  let server: TestServer;
  let recorded: Record<string, Recorded>;
  beforeAll(async () => {
    server = await startTestServer();
    recorded = await recordEnvelopes(server);
  });
  afterAll(() => server.close());

  it('match the stored fixtures', () => {
    expect(Object.keys(recorded).length).toBeGreaterThanOrEqual(18);
    for (const [name, envelope] of Object.entries(recorded)) {
      const file = new URL(`${name}.json`, dir);
      if (process.env.UPDATE_FIXTURES === '1') writeFileSync(file, `${JSON.stringify(envelope, null, 2)}\n`);
      expect(existsSync(file), `fixture ${name}.json is missing (run with UPDATE_FIXTURES=1)`).toBe(true);
      expect(envelope, `${name}.json differs from what the server answers now`).toEqual(
        JSON.parse(readFileSync(file, 'utf8')),
      );
    }
  });
});
