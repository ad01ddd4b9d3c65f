#!/usr/bin/env node
// Probe: Gatehouse's magic-link page /email/verify?otp=…&state=… as a link scanner (GET, HEAD) and as
// a forger (POST without the page's token, or from another site) see it, and as the user (GET, then
// the page's own form POSTed back with its cookie). Reports, for each, in how many of N tries the
// answer contains the code.
//
//   node scripts/probes/email-verify-page.mjs [--root DIR] [--tries 10]
import { parseArgs, startProbeServer } from './lib/server.mjs';

const args = parseArgs();
const tries = Number(args.tries ?? 10);
const server = await startProbeServer({ root: args.root });
const counts = {};
const count = (name, shown, status) => {
  counts[name] ??= { shown: 0, statuses: new Set() };
  if (shown) counts[name].shown++;
  counts[name].statuses.add(status);
};
const post = (url, { cookie, body, origin }) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie ? { cookie } : {}),
      ...(origin ? { origin } : {}),
    },
    body,
  });
try {
  for (let i = 0; i < tries; i++) {
    const code = String(100000 + Math.floor(Math.random() * 900000));
    const url = `${server.url}/email/verify?otp=${code}&state=probe-${i}`;
    const get = await fetch(url, { headers: { 'user-agent': 'Mozilla/5.0 (link scanner)' } });
    const page = await get.text();
    count('GET (scanner, preview)', page.includes(code), get.status);
    const head = await fetch(url, { method: 'HEAD' });
    count('HEAD', (await head.text()).includes(code), head.status);
    const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    const cookie = get.headers.get('set-cookie')?.split(';')[0];
    const forged = await post(url, { body: 'csrf=guess' });
    count('POST without the cookie', (await forged.text()).includes(code), forged.status);
    const crossSite = await post(url, { cookie, body: `csrf=${token}`, origin: 'https://evil.example' });
    count('POST from another origin', (await crossSite.text()).includes(code), crossSite.status);
    const own = await post(url, { cookie, body: `csrf=${token}`, origin: server.url });
    count("POST of the page's own form", (await own.text()).includes(code), own.status);
  }
} finally {
  await server.stop();
}
for (const [name, { shown, statuses }] of Object.entries(counts))
  console.log(`${name}: code shown in ${shown} of ${tries} (status ${[...statuses].join(', ')})`);
