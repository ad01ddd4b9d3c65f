import type { FastifyReply } from 'fastify';
import { DEMO_LOGIN } from '../setup/demo-data.js';
import type { AppOverview, ServerOverview } from '../setup/server-overview.js';
import { html, type Markup } from './html-page.js';
import type { PublishedFile } from './routes/browser-build-routes.js';
import { sendStrictPage } from './strict-page.js';

/** Guides in the repository, by path: a clone has them, the server does not serve them. */
const GUIDES: ReadonlyArray<[path: string, title: string]> = [
  ['docs/guides/getting-started.md', 'Getting started: the first sign-in'],
  ['docs/guides/hosted-sign-in.md', 'Sign-in by redirect (the hosted page)'],
  ['docs/guides/email-authenticator.md', 'Email codes and magic links'],
  ['docs/guides/mfa.md', 'Multi-factor policies'],
  ['packages/sdk/README.md', 'The SDK'],
  ['packages/widget/README.md', 'The Sign-In Widget'],
  ['docs/reference/configuration.md', 'Configuration reference'],
];

function joined(parts: Markup[]): Markup {
  return html`${parts.reduce((all, part) => html`${all}${part}`, html``)}`;
}

function link(url: string, text = url): Markup {
  return html`<a href="${url}">${text}</a>`;
}

function appSection(heading: string, app: AppOverview | null, about: Markup, missing: string): Markup {
  if (!app) return html`<section><h2>${heading}</h2><p>${missing}</p></section>`;
  const uris = joined(app.redirectUris.map((uri) => html`<code>${uri}</code> `));
  return html`<section><h2>${heading}</h2>${about}<dl>
<dt>Client id</dt><dd><code>${app.clientId}</code> (${app.public ? 'public, PKCE' : 'confidential'})</dd>
<dt>Redirect URIs</dt><dd>${uris}</dd>
<dt>Sign-in policy</dt><dd><code>${app.policy}</code></dd></dl></section>`;
}

function demoUserSection(overview: ServerOverview): Markup {
  const { demoUser } = overview;
  if (!demoUser)
    return html`<section><h2>Demo user</h2><p>There is no user <code>${DEMO_LOGIN}</code> in this store. Create one with <code>npx gatehouse users create --login you@example.com --email you@example.com --password …</code>.</p></section>`;
  return html`<section><h2>Demo user</h2><dl>
<dt>Login</dt><dd><code>${demoUser.login}</code></dd>
<dt>Status</dt><dd>${demoUser.status}</dd>
<dt>Password</dt><dd>Printed once, in the terminal, when this store was created (Gatehouse keeps only a hash). To choose a new one, with the same data directory or <code>DATABASE_URL</code> as this server:
<pre>npx gatehouse users set-password --login ${demoUser.login} --password '&lt;a new password&gt;'</pre>
${overview.devMailbox ? html`Or sign in by email: choose Email on the sign-in page and open the link from the dev mailbox.` : html`Or sign in by email, if you can read that address's mail: this server has no dev mailbox, its mail goes to the relay.`}</dd></dl></section>`;
}

function browserBuildsSection(
  builds: Record<string, { version: string; files: Record<string, PublishedFile> }>,
): Markup {
  const rows = Object.values(builds).flatMap((build) =>
    Object.entries(build.files).map(
      ([name, file]) =>
        html`<tr><th scope="row">${name}</th><td>${link(file.url)}<br><code>${file.integrity}</code></td></tr>`,
    ),
  );
  return html`<section><h2>Browser builds</h2><p>The Sign-In Widget and the SDK as this server serves them, with their Subresource Integrity hashes (also as JSON: ${link('/browser-builds.json')}).</p>${
    rows.length
      ? html`<table><caption class="note">URL and <code>integrity</code> value</caption>${joined(rows)}</table>`
      : html`<p>Not built: run <code>npm run build</code>.</p>`
  }</section>`;
}

/** `/` on a development server: what runs, the demo data, and where to go next. */
export function sendDevelopmentHome(
  reply: FastifyReply,
  overview: ServerOverview,
  builds: Record<string, { version: string; files: Record<string, PublishedFile> }>,
): FastifyReply {
  const playground = overview.playgroundApp
    ? html`<p>${link('/playground', 'Open the playground')}: sign in as the demo user (password, or a magic link${overview.devMailbox ? ' from the dev mailbox' : ''}) and see the tokens decoded.</p>`
    : html`<p class="note">The playground needs the demo app: it is created on the first start with an empty store.</p>`;
  return sendStrictPage(reply, () => ({
    title: 'Gatehouse (development)',
    main: html`<h1>Gatehouse is running <span class="badge">development</span></h1>
${playground}
<section><h2>This server</h2><dl>
<dt>Issuer</dt><dd><code>${overview.issuer}</code></dd>
<dt>Store</dt><dd>${overview.store}</dd>
<dt>Email</dt><dd>${overview.mail}</dd></dl>
<h3>Links</h3><ul class="links">
<li>${link('/playground', 'Playground')}</li>
<li>${link(overview.discoveryUrl, 'OpenID Connect discovery')}</li>
<li>${link(overview.jwksUrl, 'Signing keys (JWKS)')}</li>
${overview.devMailbox ? html`<li>${link('/dev/mailbox', 'Dev mailbox')} (every email Gatehouse sent)</li>` : html``}
<li>${link('/healthz', 'Health check')}</li></ul></section>
${appSection('Playground app', overview.playgroundApp, html`<p>Used by the playground: sign-in by redirect to Gatehouse's hosted page, with a password or by email.</p>`, 'There is no playground app in this store.')}
${appSection('Demo app', overview.demoApp, html`<p>For your own app at <code>http://localhost:8080</code> (for example <code>npm run example</code> or the README's snippets).</p>`, 'There is no demo app in this store.')}
${overview.otherApps > 0 ? html`<p class="note">${String(overview.otherApps)} more app(s): <code>npx gatehouse apps list</code>.</p>` : html``}
${demoUserSection(overview)}
<section><h2>Documentation</h2><p>In the repository:</p><ul class="links">${joined(GUIDES.map(([path, title]) => html`<li>${title}: <code>${path}</code></li>`))}</ul></section>
${browserBuildsSection(builds)}
<p class="note">This page and the playground exist in development only; with <code>NODE_ENV=production</code>, <code>/</code> says nothing about the server.</p>`,
  }));
}

/** `/` in production: a name and nothing about the configuration. */
export function sendProductionHome(reply: FastifyReply): FastifyReply {
  return sendStrictPage(reply, () => ({
    title: 'Gatehouse',
    main: html`<h1>Gatehouse</h1><p>This server signs people in for its apps. There is nothing to see here.</p>`,
  }));
}
