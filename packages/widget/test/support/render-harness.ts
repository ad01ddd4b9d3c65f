/**
 * Browser entry for the component tests and the screenshot script: renders one recorded IDX
 * envelope with the real shell and views, and records what the user's actions would send.
 * Exposed as `window.harness`.
 */
import { buildBody } from '../../src/core/form-values.js';
import { readStep } from '../../src/core/step.js';
import { Emitter } from '../../src/events.js';
import { createTranslator, type I18nOverrides, resolveLanguage } from '../../src/i18n/translator.js';
import { Shell } from '../../src/view/shell.js';

export interface HarnessCall {
  type: 'submit' | 'invoke' | 'restart';
  name?: string;
  body?: Record<string, unknown>;
}

export interface RenderOptions {
  language?: string;
  i18n?: I18nOverrides;
  /** Milliseconds until "Send again" is allowed (0: now). */
  resendInMs?: number;
  memory?: Record<string, unknown>;
  /** Keep the memory of the previous render (the driver does for the same step coming back). */
  keepMemory?: boolean;
  logo?: string;
  brandName?: string;
  /** Mark the shell busy after rendering. */
  busy?: boolean;
  /** Render the success view ("signed in") instead of the envelope's step. */
  done?: boolean;
}

const calls: HarnessCall[] = [];
const events: Array<{ name: string; args: unknown[] }> = [];
let shell: Shell | null = null;
let lastMemory: Record<string, unknown> = {};

function render(body: unknown, options: RenderOptions = {}): void {
  shell?.dispose();
  calls.length = 0;
  events.length = 0;
  const language = resolveLanguage(options.language, options.i18n ?? {}, ['en']);
  const t = createTranslator(language, options.i18n ?? {});
  const emitter = new Emitter();
  for (const name of ['ready', 'afterRender', 'afterError'] as const)
    emitter.on(name, (...args: unknown[]) => {
      events.push({ name, args });
    });
  const resendAvailableAt = Date.now() + (options.resendInMs ?? 0);
  const memory = options.keepMemory ? lastMemory : (options.memory ?? {});
  lastMemory = memory;
  shell = new Shell({
    t,
    emitter,
    logo: options.logo,
    brandName: options.brandName,
    brandColors: {},
    autoFocus: true,
    actions: {
      submit: (remediation, inputs) =>
        calls.push({ type: 'submit', name: remediation.name, body: buildBody(remediation, inputs) }),
      invoke: (action) => calls.push({ type: 'invoke', name: action.name }),
      restart: () => calls.push({ type: 'restart' }),
    },
    state: () => ({ memory, resendAvailableAt }),
    now: () => Date.now(),
  });
  const main = document.querySelector('main') ?? document.body;
  main.appendChild(shell.root);
  const step = readStep(body);
  if (options.done) shell.showSuccess(step, true);
  else shell.show(step, true);
  if (options.busy) shell.setBusy(true);
}

(globalThis as unknown as { harness: unknown }).harness = { render, calls, events };
