// Regenerates docs/widget/<view>.png: every view of the widget rendered from the recorded server
// envelopes (packages/widget/test/fixtures) by the real views and default theme, in headless
// Chromium; the sign-up, unlock and second-factor ones the guides show are copied to
// docs/guides/img/gatehouse-widget-<view>.png too.
// Run: npm run screenshots -w @gatehouse/widget
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { SOURCE_ALIASES } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = fileURLToPath(new URL('../../../docs/widget/', import.meta.url));
const guides = fileURLToPath(new URL('../../../docs/guides/img/', import.meta.url));
const fixture = (name) => JSON.parse(readFileSync(join(root, 'test/fixtures', `${name}.json`), 'utf8')).body;

const otpElsewhere = {
  version: '1.0.0',
  messages: {
    type: 'array',
    value: [
      { message: '', i18n: { key: 'idx.enter.otp.in.original.tab', params: ['482913'] }, class: 'INFO' },
    ],
  },
};

/** [file name, envelope, render options, what to do before the picture] */
const VIEWS = [
  ['identify', fixture('identify-password')],
  ['identify-error', fixture('identify-password-error')],
  ['identify-first', fixture('identify')],
  ['choose-authenticator', fixture('select-authenticator')],
  ['password', fixture('challenge-password')],
  ['password-error', fixture('challenge-password-error')],
  ['email-challenge', fixture('challenge-email'), { resendInMs: 27_500 }],
  ['email-code', fixture('challenge-email'), { resendInMs: 0, memory: { codeRevealed: true } }],
  ['email-code-error', fixture('challenge-email-error')],
  ['forgot-password', fixture('identify-recovery')],
  ['recovery-choose', fixture('select-recovery')],
  [
    'new-password',
    fixture('reset-authenticator'),
    {},
    async (page) => page.getByLabel('New password').fill('Correct-horse'),
  ],
  ['new-password-error', fixture('reset-authenticator-error')],
  ['signing-in', fixture('success')],
  ['signed-in', fixture('success'), { done: true }],
  ['session-expired', fixture('session-expired')],
  ['flow-continued-in-new-tab', fixture('transferred')],
  ['code-for-original-tab', otpElsewhere],
  ['too-many-attempts', fixture('challenge-locked')],
  ['identify-fr', fixture('identify-password'), { language: 'fr' }],
  ['email-challenge-de', fixture('challenge-email'), { language: 'de', resendInMs: 0 }],
  // Self-service registration and unlock.
  ['identify-sign-up-unlock', fixture('identify-sign-up')],
  ['sign-up-profile', fixture('enroll-profile')],
  [
    'sign-up-profile-error',
    fixture('enroll-profile-email-taken'),
    {},
    async (page) => {
      await page.getByLabel('First name').fill('Ada');
      await page.getByLabel('Last name').fill('Lovelace');
      await page.getByLabel('Email').fill('ada.lovelace@example.com');
    },
  ],
  ['sign-up-choose', fixture('select-enroll-email')],
  [
    'sign-up-email-code',
    fixture('enroll-email'),
    { resendInMs: 21_500 },
    async (page) => page.getByLabel('Verification code').fill('482913'),
  ],
  [
    'sign-up-password',
    fixture('enroll-password'),
    {},
    async (page) => page.getByLabel('Password', { exact: true }).fill('Plum-Orchard'),
  ],
  ['sign-up-optional', fixture('select-enroll-optional')],
  ['sign-up-profile-fr', fixture('enroll-profile'), { language: 'fr' }],
  [
    'unlock-form',
    fixture('unlock-account'),
    {},
    async (page) => page.getByLabel('Username').fill('alan.turing@example.com'),
  ],
  ['unlock-code', fixture('unlock-challenge'), { resendInMs: 0 }],
  ['unlocked', fixture('unlocked')],
  ['unlocked-then-sign-in', fixture('unlocked-sign-in')],
  ['unlock-form-de', fixture('unlock-account'), { language: 'de' }],
  // Second factors: an authenticator app and passkeys (the browser's prompt is a stub that waits).
  ['mfa-choose', fixture('select-enroll-mfa')],
  ['mfa-totp-enroll', fixture('enroll-totp')],
  [
    'mfa-totp-enroll-key',
    fixture('enroll-totp'),
    { memory: { secretShown: true } },
    async (page) => page.getByLabel('Enter the code from your authenticator app').fill('284 913'),
  ],
  ['mfa-totp-enroll-error', fixture('enroll-totp-error'), { memory: { secretShown: true } }],
  [
    'mfa-totp-challenge',
    fixture('challenge-totp'),
    {},
    async (page) => page.getByLabel('Enter the code from your authenticator app').fill('731046'),
  ],
  ['mfa-totp-code-used', fixture('challenge-totp-used')],
  ['mfa-passkey-enroll', fixture('enroll-webauthn')],
  [
    'mfa-passkey-cancelled',
    fixture('enroll-webauthn'),
    {},
    async (page) => {
      await page.evaluate(() => {
        globalThis.passkeyRefusal = 'NotAllowedError';
      });
      await page.getByRole('button', { name: 'Set up a passkey or security key' }).click();
      await page.getByRole('alert').waitFor();
      await page.evaluate(() => {
        globalThis.passkeyRefusal = null;
      });
    },
  ],
  ['mfa-passkey-challenge', fixture('challenge-webauthn')],
  ['mfa-passkey-refused', fixture('challenge-webauthn-error')],
  ['mfa-totp-enroll-fr', fixture('enroll-totp'), { language: 'fr', memory: { secretShown: true } }],
  ['mfa-passkey-enroll-de', fixture('enroll-webauthn'), { language: 'de' }],
];

/** Pictures the guides show too (docs/guides/img/gatehouse-widget-<name>.png). */
const IN_GUIDES = [
  'sign-up-profile',
  'sign-up-choose',
  'sign-up-email-code',
  'sign-up-password',
  'unlock-form',
  'unlocked',
  'mfa-choose',
  'mfa-totp-enroll-key',
  'mfa-totp-enroll-error',
  'mfa-totp-challenge',
  'mfa-totp-code-used',
  'mfa-passkey-enroll',
  'mfa-passkey-cancelled',
  'mfa-passkey-challenge',
  'mfa-passkey-refused',
];

const [script, style] = await Promise.all([
  build({
    entryPoints: [join(root, 'test/support/render-harness.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    alias: SOURCE_ALIASES,
    write: false,
  }),
  build({ entryPoints: [join(root, 'src/theme/gatehouse-sign-in.css')], bundle: true, write: false }),
]);

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--font-render-hinting=none',
  ],
});
try {
  const page = await browser.newPage({
    viewport: { width: 560, height: 1400 },
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  await page.setContent(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Widget</title></head><body><main></main></body></html>',
  );
  await page.addStyleTag({
    content: `body{margin:0;padding:24px;background:#f3f4f6}${style.outputFiles[0].text}`,
  });
  await page.addScriptTag({ content: script.outputFiles[0].text });
  // The browser's passkey prompt: open until the picture is taken, or refused when a view asks.
  await page.evaluate(() => {
    globalThis.PublicKeyCredential ??= () => undefined;
    const prompt = () =>
      globalThis.passkeyRefusal
        ? Promise.reject(new DOMException('refused', globalThis.passkeyRefusal))
        : new Promise(() => undefined);
    Object.defineProperty(navigator, 'credentials', { value: { create: prompt, get: prompt } });
  });
  for (const [name, body, options = {}, before] of VIEWS) {
    await page.evaluate(([b, o]) => globalThis.harness.render(b, o), [body, options]);
    if (before) await before(page);
    // Hide the caret and let the focus ring settle so pictures are stable.
    await page.addStyleTag({ content: '*{caret-color:transparent!important}' });
    const box = await page.locator('.gh-widget').boundingBox();
    const margin = 16;
    await page.screenshot({
      path: join(out, `${name}.png`),
      animations: 'disabled',
      clip: {
        x: box.x - margin,
        y: box.y - margin,
        width: box.width + 2 * margin,
        height: box.height + 2 * margin,
      },
    });
    console.log(`docs/widget/${name}.png`);
    if (IN_GUIDES.includes(name)) {
      mkdirSync(guides, { recursive: true });
      copyFileSync(join(out, `${name}.png`), join(guides, `gatehouse-widget-${name}.png`));
      console.log(`docs/guides/img/gatehouse-widget-${name}.png`);
    }
  }
} finally {
  await browser.close();
}
