/**
 * `enroll-authenticator` for an authenticator app (`google_otp`, docs/protocol/idx-protocol-2.md
 * §5.2): the QR code the server sends as an image (`contextualData.qrcode.href`, a `data:image/…`
 * URI), "Can't scan?" revealing the shared secret to type or copy, and the first code to prove
 * the app is set up.
 */
import type { EnvelopeRemediation } from '@gatehouse/protocol';
import { h, replaceChildren, uniqueId } from '../dom.js';
import { FieldControl, fieldOf, linkButton } from '../form-kit.js';
import { backToSignIn, formView } from '../form-view.js';
import { otherMethodsLink } from '../other-methods.js';
import type { RenderedView, ViewContext } from '../view-context.js';

/** Only an inline image is shown: nothing is fetched from a URL the server names. */
const QR_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=]+$/;

interface AppSetup {
  qrCode?: string | undefined;
  secret?: string | undefined;
}

function setupOf(contextualData: Record<string, unknown> | undefined): AppSetup {
  const qrcode = contextualData?.qrcode as { href?: unknown } | undefined;
  const href = typeof qrcode?.href === 'string' && QR_IMAGE.test(qrcode.href) ? qrcode.href : undefined;
  const secret = typeof contextualData?.sharedSecret === 'string' ? contextualData.sharedSecret : undefined;
  return { qrCode: href, secret };
}

/** The shared secret as text to select or copy, with a "Copy key" button where the browser allows. */
function secretBlock(ctx: ViewContext, secret: string, id: string): HTMLElement {
  const { t } = ctx;
  const copied = h('span', { class: 'gh-sr-only', attrs: { role: 'status' } });
  const copy =
    typeof navigator.clipboard?.writeText === 'function'
      ? h('button', { class: 'gh-link gh-link--copy', attrs: { type: 'button' } }, t.t('gh.totp.secret.copy'))
      : null;
  copy?.addEventListener('click', () => {
    void navigator.clipboard.writeText(secret).then(
      () => {
        replaceChildren(copy, t.t('gh.totp.secret.copied'));
        replaceChildren(copied, t.t('gh.totp.secret.copied'));
      },
      () => undefined,
    );
  });
  return h(
    'div',
    { class: 'gh-secret-block', attrs: { id } },
    h('p', { class: 'gh-text' }, t.t('gh.totp.secret.instructions')),
    h(
      'p',
      { class: 'gh-secret-row' },
      h('code', { class: 'gh-secret', attrs: { 'data-se': 'shared-secret' } }, secret),
      copy,
    ),
    copied,
  );
}

export function totpEnrollView(ctx: ViewContext, remediation: EnvelopeRemediation): RenderedView {
  const { t, step } = ctx;
  const authenticator = remediation.authenticator ?? step.authenticator;
  const { qrCode, secret } = setupOf(authenticator?.contextualData);
  const field = fieldOf(remediation, 'credentials.passcode');
  const code = new FieldControl(
    'credentials.passcode',
    t,
    { label: t.t('gh.totp.code.label'), autocomplete: 'one-time-code', inputmode: 'numeric' },
    field?.messages ?? [],
    true,
  );
  const secretId = uniqueId('secret');
  // Without a picture to scan, the key is the way in: shown at once.
  const shown = !qrCode || ctx.memory.secretShown === true;
  const secretEl = secret ? secretBlock(ctx, secret, secretId) : null;
  if (secretEl) secretEl.hidden = !shown;
  const reveal =
    secretEl && !shown
      ? linkButton(
          t.t('gh.totp.cant.scan'),
          () => {
            ctx.memory.secretShown = true;
            secretEl.hidden = false;
            reveal?.setAttribute('aria-expanded', 'true');
            reveal?.remove();
            secretEl.querySelector<HTMLElement>('.gh-link--copy')?.focus();
          },
          'gh-link--reveal gh-link--cant-scan',
        )
      : null;
  reveal?.setAttribute('aria-expanded', 'false');
  reveal?.setAttribute('aria-controls', secretId);
  const intro = [
    qrCode
      ? h(
          'div',
          { class: 'gh-qr' },
          h('p', { class: 'gh-text' }, t.t('gh.totp.enroll.scan')),
          h('img', {
            class: 'gh-qr-image',
            attrs: { src: qrCode, alt: t.t('gh.totp.qr.alt'), width: 200, height: 200 },
          }),
        )
      : null,
    reveal,
    secretEl,
    h('p', { class: 'gh-text' }, t.t('gh.totp.enroll.code')),
  ];
  let view: RenderedView | undefined;
  const others = otherMethodsLink(ctx, () => view!);
  view = formView({
    ctx,
    remediation,
    className: 'gh-view--totp gh-view--enroll-totp',
    title: t.t('gh.totp.enroll.title'),
    intro,
    controls: [code],
    submitLabel: t.t('oform.verify'),
    links: [others, step.cancel ? backToSignIn(ctx) : null].filter((link) => link !== null),
    // A new set-up is read from the top (the picture first); the code input after an error.
    focus: null,
  });
  view.focus = view.el.querySelector('h2');
  // A refused code is not put back in the input: the app shows a new one every 30 seconds.
  if (code.hasError()) code.input.value = '';
  return view;
}
