import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import { PLAYGROUND_CLIENT_ID, playgroundUris } from '../setup/demo-data.js';
import type { SdkFiles } from './browser-builds.js';
import { html, jsonForScript, Markup } from './html-page.js';
import { sendStrictPage } from './strict-page.js';

/** The playground's script: a plain ES module (browser code, not compiled), beside `src` and `dist`. */
const SCRIPT_URL = new URL('../../assets/playground.js', import.meta.url);

export interface PlaygroundScript {
  body: Buffer;
  integrity: string;
}

/** Reads the playground's script once per process; null when this installation lacks it. */
export async function readPlaygroundScript(): Promise<PlaygroundScript | null> {
  try {
    const body = await readFile(SCRIPT_URL);
    return { body, integrity: `sha384-${createHash('sha384').update(body).digest('base64')}` };
  } catch {
    return null;
  }
}

/**
 * `/playground` and its callback: sign-in by redirect of the playground's app with the SDK's
 * browser build (loaded through an import map that pins its SRI hash), then the tokens decoded.
 */
export async function sendPlayground(
  reply: FastifyReply,
  input: {
    publicUrl: string;
    issuer: string;
    sdk: SdkFiles;
    script: PlaygroundScript | null;
    devMailbox: boolean;
  },
): Promise<FastifyReply> {
  const sdkName = 'gatehouse-sdk.browser.js';
  const sdkFile = await input.sdk.read(sdkName);
  const sdkPath = await input.sdk.path(sdkName);
  const { redirectUri, postLogoutRedirectUri } = playgroundUris(input.publicUrl);
  const config = {
    origin: new URL(input.publicUrl).origin,
    issuer: input.issuer,
    clientId: PLAYGROUND_CLIENT_ID,
    redirectUri,
    postLogoutRedirectUri,
  };
  const importMap = { imports: { '@gatehouse/sdk': sdkPath }, integrity: { [sdkPath]: sdkFile?.integrity } };
  return sendStrictPage(reply, (nonce) => ({
    title: 'Gatehouse playground',
    connectSelf: true,
    main: html`<h1>Playground <span class="badge">development</span></h1>
<p>Sign in to the app <code>${PLAYGROUND_CLIENT_ID}</code> by redirect to Gatehouse's hosted page, as the demo user <code>demo@example.com</code>: with the password printed when the store was created, ${
      input.devMailbox
        ? html`or choose <strong>Email</strong> and open the link from the <a href="/dev/mailbox">dev mailbox</a> in this browser`
        : html`or choose <strong>Email</strong> and open the link from the email, if you can read that address's mail (this server has no dev mailbox: its mail goes to the relay)`
    }. The page then shows the tokens, decoded.</p>
<p id="playground-status" role="status" aria-live="polite" class="note">${
      !input.script
        ? 'The playground script is missing from this installation (packages/server/assets).'
        : sdkFile
          ? 'Loading…'
          : 'The SDK is not built on this server (npm run build).'
    }</p>
<div class="actions" id="playground-signed-out" hidden><button type="button" id="playground-sign-in">Sign in</button></div>
<div id="playground-tokens" hidden></div>
<noscript><p>The playground needs JavaScript.</p></noscript>`,
    scripts:
      sdkFile && input.script
        ? html`<script type="application/json" id="playground-config">${new Markup(jsonForScript(config))}</script><script type="importmap" nonce="${nonce}">${new Markup(jsonForScript(importMap))}</script><script type="module" nonce="${nonce}" src="/playground/playground.js" integrity="${input.script.integrity}"></script>`
        : html``,
  }));
}
