#!/usr/bin/env node
// Peer for the token-endpoint comparison (issue #8): node-oidc-provider on 127.0.0.1 with one public
// PKCE client, RS256 for the ID token and a JWT access token (like Gatehouse's two RS256 JWTs), and
// an SQLite adapter over better-sqlite3 (WAL, synchronous=NORMAL, like Gatehouse's embedded store).
// Started by bench/run.mjs as a child with an IPC channel:
//   → { id, type: 'mint', count }   authorization codes minted through the provider's own Grant and
//                                   AuthorizationCode models (outside any timed window)
//   ← { id, ok: true, result: [{ code, verifier }] }
//   node bench/peers/oidc-provider-server.mjs --port <n> --data-dir <dir>

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';
// The SQLite driver Gatehouse loads on this Node (better-sqlite3 13, or 12 on Node 20: ADR 0016).
import { SqliteDatabase as Database } from '../../packages/server/dist/storage/sqlite-driver.js';

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, 'data-dir': { type: 'string' } },
});
const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;
const CLIENT_ID = 'bench-peer';
const REDIRECT_URI = 'http://localhost:8080/login/callback';
const RESOURCE = 'urn:bench:api';
const SCOPE = 'openid profile email api';

const db = new Database(join(args['data-dir'], 'oidc-provider.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`create table if not exists oidc (
  model text not null, id text not null, payload text not null, grant_id text, user_code text,
  uid text, expires_at integer, consumed integer, primary key (model, id));
  create index if not exists oidc_grant on oidc (grant_id);
  create index if not exists oidc_uid on oidc (uid);`);
const sql = {
  upsert: db.prepare(`insert into oidc (model, id, payload, grant_id, user_code, uid, expires_at)
    values (?, ?, ?, ?, ?, ?, ?) on conflict (model, id) do update set payload = excluded.payload,
    grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid,
    expires_at = excluded.expires_at, consumed = null`),
  find: db.prepare('select payload, expires_at, consumed from oidc where model = ? and id = ?'),
  findBy: (column) =>
    db.prepare(`select payload, expires_at, consumed from oidc where model = ? and ${column} = ?`),
  consume: db.prepare('update oidc set consumed = ? where model = ? and id = ?'),
  destroy: db.prepare('delete from oidc where model = ? and id = ?'),
  revoke: db.prepare('delete from oidc where grant_id = ?'),
};
const byUid = sql.findBy('uid');
const byUserCode = sql.findBy('user_code');

/** oidc-provider's adapter interface over one SQLite table. */
class SqliteAdapter {
  constructor(name) {
    this.name = name;
  }
  async upsert(id, payload, expiresIn) {
    sql.upsert.run(
      this.name,
      id,
      JSON.stringify(payload),
      payload.grantId ?? null,
      payload.userCode ?? null,
      payload.uid ?? null,
      expiresIn ? Date.now() + expiresIn * 1000 : null,
    );
  }
  #row(row) {
    if (!row || (row.expires_at !== null && row.expires_at <= Date.now())) return undefined;
    const payload = JSON.parse(row.payload);
    if (row.consumed !== null) payload.consumed = row.consumed;
    return payload;
  }
  async find(id) {
    return this.#row(sql.find.get(this.name, id));
  }
  async findByUid(uid) {
    return this.#row(byUid.get(this.name, uid));
  }
  async findByUserCode(userCode) {
    return this.#row(byUserCode.get(this.name, userCode));
  }
  async consume(id) {
    sql.consume.run(Math.floor(Date.now() / 1000), this.name, id);
  }
  async destroy(id) {
    sql.destroy.run(this.name, id);
  }
  async revokeByGrantId(grantId) {
    sql.revoke.run(grantId);
  }
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  adapter: SqliteAdapter,
  clients: [
    {
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [jwk] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
  },
  scopes: ['openid', 'profile', 'email', 'api'],
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({
      sub,
      email: `${sub}@bench.example`,
      email_verified: true,
      name: 'Bench User',
      given_name: 'Bench',
      family_name: 'User',
      preferred_username: `${sub}@bench.example`,
      updated_at: 0,
    }),
  }),
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: RESOURCE,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  pkce: { required: () => true },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  ttl: { AuthorizationCode: 600, IdToken: 3600, Grant: 3600, Session: 3600, Interaction: 600 },
});
provider.on('server_error', (_ctx, error) => process.stderr.write(`server_error: ${error?.stack}\n`));

/** Codes minted the way an interaction would end: a saved Grant and an AuthorizationCode with PKCE. */
async function mint(count) {
  const client = await provider.Client.find(CLIENT_ID);
  const out = [];
  for (let i = 0; i < count; i++) {
    const accountId = `peer-user-${i % 64}`;
    const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
    grant.addOIDCScope('openid profile email');
    grant.addResourceScope(RESOURCE, 'api');
    const grantId = await grant.save();
    const verifier = randomBytes(32).toString('base64url');
    const code = new provider.AuthorizationCode({
      accountId,
      client,
      grantId,
      scope: SCOPE,
      resource: RESOURCE,
      redirectUri: REDIRECT_URI,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
      nonce: randomBytes(12).toString('base64url'),
      authTime: Math.floor(Date.now() / 1000),
      amr: ['otp'],
    });
    out.push({ code: await code.save(), verifier });
  }
  return out;
}

process.on('message', async (message) => {
  try {
    if (message?.type === 'mint')
      process.send({ id: message.id, ok: true, result: await mint(message.count) });
    else process.send({ id: message?.id, ok: false, error: `unknown command ${message?.type}` });
  } catch (error) {
    process.send({ id: message?.id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

const server = provider.listen(port, '127.0.0.1', () => {
  process.send?.({
    type: 'ready',
    url: issuer,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    tokenPath: '/token',
  });
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});
server.keepAliveTimeout = 60_000;
