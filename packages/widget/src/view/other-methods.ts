/**
 * "Verify with something else" / "Return to authenticator list": the list of authenticators a
 * server sends beside a challenge or a set-up (a second `select-authenticator-authenticate` or
 * `select-authenticator-enroll` remediation, docs/protocol/idx-protocol-2.md §2.2, §5.1), shown in
 * place of the view on request; choosing a method there posts it. Whatever the view was waiting for
 * (a passkey prompt) is stopped first.
 */

import { replaceChildren } from './dom.js';
import { kindOf, linkButton } from './form-kit.js';
import type { RenderedView, ViewContext } from './view-context.js';
import { selectAuthenticatorView } from './views/select-authenticator-view.js';

const LISTS: Record<string, string> = {
  'select-authenticator-authenticate': 'oie.verification.switch.authenticator',
  'select-authenticator-enroll': 'oie.enroll.switch.authenticator',
};

/** The link to the step's other methods, or null when the server offers none. */
export function otherMethodsLink(ctx: ViewContext, view: () => RenderedView): HTMLButtonElement | null {
  const list = ctx.step.remediations
    .slice(1)
    .find((r) => r.name in LISTS && r.fields.some((f) => kindOf(f) === 'choice'));
  if (!list) return null;
  return linkButton(
    ctx.t.t(LISTS[list.name]!),
    () => {
      const current = view();
      current.dispose?.();
      const chosen = selectAuthenticatorView(ctx, list);
      current.el.className = chosen.el.className;
      replaceChildren(current.el, [...chosen.el.childNodes]);
      (chosen.focus ?? current.el.querySelector<HTMLElement>('h2'))?.focus();
    },
    'gh-link--other-methods',
  );
}
