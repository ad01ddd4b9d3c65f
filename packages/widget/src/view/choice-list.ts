/**
 * The list of authenticator choices shared by "Verify it's you", "Set up security methods" and the
 * unlock form: one button per option with the authenticator it relates to (icon, label,
 * description, action word); a throttled choice (429 with Retry-After) holds every button until
 * the wait is over.
 */
import type { EnvelopeOption } from '@gatehouse/protocol';
import { h } from './dom.js';
import { type RetryCountdown, retryCountdown } from './retry-countdown.js';
import type { ViewContext } from './view-context.js';

export interface ChoiceListSpec {
  /** `data-se` of the list: the remediation it answers. */
  name: string;
  choices: EnvelopeOption[];
  /** The word on the right of each row ("Select", "Set up"). */
  action: string;
  /** The line under a choice's label, if any. */
  describe(choice: EnvelopeOption): string | null;
  choose(choice: EnvelopeOption): void;
}

export interface ChoiceList {
  list: HTMLUListElement;
  /** The countdown of a throttled choice (null when none runs). */
  countdown: RetryCountdown | null;
}

/** The description of a choice: the masked address it relates to, else `<prefix>.<type>.description`. */
export function describeChoice(ctx: ViewContext, choice: EnvelopeOption, prefix: string): string | null {
  const authenticator = choice.authenticator;
  if (!authenticator) return null;
  if (authenticator.profile?.email) return authenticator.profile.email;
  const key = `${prefix}.${authenticator.type}.description`;
  return ctx.t.has(key) ? ctx.t.t(key) : null;
}

export function choiceList(ctx: ViewContext, spec: ChoiceListSpec): ChoiceList {
  const buttons = spec.choices.map((choice) => {
    const text = spec.describe(choice);
    const type = choice.authenticator?.type ?? 'other';
    return h(
      'li',
      null,
      h(
        'button',
        {
          class: `gh-choice gh-choice--${type.replace(/[^a-z0-9_-]/gi, '')}`,
          attrs: { type: 'button', 'data-se': `choice-${choice.authenticator?.key ?? choice.label}` },
          on: { click: () => spec.choose(choice) },
        },
        h(
          'span',
          { class: 'gh-choice-icon', attrs: { 'aria-hidden': 'true' } },
          choice.label.slice(0, 1).toUpperCase(),
        ),
        h(
          'span',
          { class: 'gh-choice-text' },
          h('span', { class: 'gh-choice-label' }, choice.label),
          text ? h('span', { class: 'gh-choice-description' }, text) : null,
        ),
        h('span', { class: 'gh-choice-action', attrs: { 'aria-hidden': 'true' } }, spec.action),
      ),
    );
  });
  const list = h('ul', { class: 'gh-choices', attrs: { 'data-se': spec.name } }, buttons);
  return { list, countdown: retryCountdown(ctx, [...list.querySelectorAll('button')]) };
}
