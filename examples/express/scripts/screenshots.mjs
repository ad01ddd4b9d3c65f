#!/usr/bin/env node
// Screenshots for examples/express/README.md: runs the example (as `npm run example` does, in a
// throwaway data directory on spare ports) and walks through it in headless Chromium.
//   node examples/express/scripts/screenshots.mjs [--no-build]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret, TOTP } from 'otpauth';
import { chromium } from 'playwright-core';
import { startExample } from './dev.mjs';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function latestEmail(mailboxUrl, to, count = 1) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const messages = await (await fetch(`${mailboxUrl}/api/messages?to=${encodeURIComponent(to)}`)).json();
    if (messages.length >= count) {
      const link = /https?:\/\/\S+[?&]otp=\d{6}\S*/.exec(messages[0].text)?.[0];
      return { link, otp: new URL(link).searchParams.get('otp') };
    }
    if (Date.now() > deadline) throw new Error(`no email for ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const view = (page, name) => page.locator(`.gh-widget[data-gh-view="${name}"]`).waitFor({ timeout: 15_000 });

async function shoot(page, name) {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(DOCS, name), fullPage: true });
  console.log(`  docs/${name}`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'express-sample-shots-'));
const build = !process.argv.includes('--no-build');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
const ports = { gatehousePort: 4475, appPort: 8095 };
const quiet = () => {};
try {
  // Password policy: sign-in, sign-out, recovery through the custom template's link.
  let example = await startExample({ ...ports, dataDir, policy: 'password', build, log: quiet });
  try {
    const context = await browser.newContext({
      viewport: { width: 1000, height: 760 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    await page.goto(`${example.appUrl}/`);
    await shoot(page, '01-home.png');
    await page.locator('#sign-in').click();
    await view(page, 'identify');
    await shoot(page, '02-sign-in.png');
    await page.getByLabel('Username').fill(example.login);
    await page.getByLabel('Password', { exact: true }).fill(example.password);
    await page.keyboard.press('Enter');
    await page.locator('#profile').waitFor();
    await shoot(page, '03-signed-in.png');
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.locator('#sign-in').waitFor();

    // Sign in with redirect: Gatehouse's hosted page, then the same signed-in page.
    await page.locator('#sign-in-redirect').click();
    await view(page, 'identify');
    await shoot(page, '12-redirect-hosted-page.png');
    await page.getByLabel('Username').fill(example.login);
    await page.getByLabel('Password', { exact: true }).fill(example.password);
    await page.keyboard.press('Enter');
    await page.locator('#sign-in-mode').waitFor();
    await page.locator('#sign-in-mode').scrollIntoViewIfNeeded();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(DOCS, '13-redirect-signed-in.png') });
    console.log('  docs/13-redirect-signed-in.png');
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.locator('#sign-in').waitFor();

    await page.goto(`${example.appUrl}/login`);
    await view(page, 'identify');
    await page.getByRole('button', { name: 'Forgot password?' }).click();
    await view(page, 'identify-recovery');
    await page.getByLabel('Username').fill(example.login);
    await page.getByRole('button', { name: 'Next' }).click();
    await view(page, 'select-authenticator-authenticate');
    await page.getByRole('button', { name: /Email/ }).click();
    await view(page, 'challenge-authenticator:okta_email');
    await shoot(page, '04-check-your-email.png');
    const { link } = await latestEmail(example.mailboxUrl, example.login);
    const mailbox = await context.newPage();
    await mailbox.goto(example.mailboxUrl);
    await shoot(mailbox, '05-dev-mailbox.png');
    const second = await context.newPage();
    await second.goto(link);
    await view(second, 'reset-authenticator');
    await shoot(second, '06-reset-password.png');
    await context.close();
  } finally {
    await example.stop();
  }

  // --mfa totp: the authenticator app set up during sign-in, then asked for (docs/protocol/idx-protocol-2.md §5).
  example = await startExample({
    ...ports,
    dataDir,
    policy: 'password',
    mfa: 'totp',
    build: false,
    log: quiet,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${example.appUrl}/login`);
    await view(page, 'identify');
    await page.getByLabel('Username').fill(example.login);
    await page.getByLabel('Password', { exact: true }).fill(example.password);
    await page.keyboard.press('Enter');
    await view(page, 'select-authenticator-enroll');
    await shoot(page, '08-mfa-set-up.png');
    await page.getByRole('button', { name: /Google Authenticator/ }).click();
    await view(page, 'enroll-authenticator:google_otp');
    await page.getByRole('button', { name: "Can't scan?" }).click();
    await shoot(page, '09-mfa-qr-code.png');
    const secret = (await page.locator('[data-se="shared-secret"]').textContent()).trim();
    const code = page.getByLabel(/code from your authenticator app/i);
    await code.fill(TOTP.generate({ secret: Secret.fromBase32(secret) }));
    await code.press('Enter');
    await page.locator('#amr').waitFor();
    await page.locator('#amr').scrollIntoViewIfNeeded();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(DOCS, '10-mfa-signed-in.png') });
    console.log('  docs/10-mfa-signed-in.png');
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.locator('#sign-in').waitFor();
    await page.goto(`${example.appUrl}/login`);
    await view(page, 'identify');
    await page.getByLabel('Username').fill(example.login);
    await page.getByLabel('Password', { exact: true }).fill(example.password);
    await page.keyboard.press('Enter');
    await view(page, 'select-authenticator-authenticate');
    await page.getByRole('button', { name: /Google Authenticator/ }).click();
    await view(page, 'challenge-authenticator:google_otp');
    await shoot(page, '11-mfa-code.png');
    await context.close();
  } finally {
    await example.stop();
  }

  // Email policy: a magic link opened in another browser.
  example = await startExample({ ...ports, dataDir, policy: 'email', build: false, log: quiet });
  try {
    const first = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await first.newPage();
    await page.goto(`${example.appUrl}/login`);
    await view(page, 'identify');
    await page.getByLabel('Username').fill(example.login);
    await page.getByRole('button', { name: 'Next' }).click();
    // Email, the policy's only way in, is chosen for the user.
    await view(page, 'challenge-authenticator:okta_email');
    const { link } = await latestEmail(example.mailboxUrl, example.login, 2);
    const other = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    const elsewhere = await other.newPage();
    await elsewhere.goto(link);
    await elsewhere.locator('#show-code').click();
    await elsewhere.locator('#otp').waitFor();
    await shoot(elsewhere, '07-other-browser-code.png');
    await other.close();
    await first.close();
  } finally {
    await example.stop();
  }
} finally {
  await browser.close();
  rmSync(dataDir, { recursive: true, force: true });
}
