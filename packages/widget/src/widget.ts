import { createWidgetClient } from './core/client.js';
import { FlowDriver } from './core/flow-driver.js';
import type { SignInResult, WidgetClient } from './core/widget-client.js';
import { Emitter, type EventName, type WidgetEvents } from './events.js';
import { createTranslator, resolveLanguage, type Translator } from './i18n/translator.js';
import { type ResolvedOptions, resolveOptions, type SignInWidgetOptions, safeImageUrl } from './options.js';
import { Shell } from './view/shell.js';

type Mode = 'tokens' | 'redirect';

/**
 * The Gatehouse Sign-In Widget: renders whatever step the server asks for, in any page.
 *
 * @example
 * const widget = new SignInWidget({ el: '#sign-in', issuer, clientId, redirectUri });
 * const { tokens } = await widget.showSignIn();
 */
export class SignInWidget {
  readonly options: ResolvedOptions;
  private readonly emitter = new Emitter();
  private shell: Shell | null = null;
  private driver: FlowDriver | null = null;
  private translator: Translator | null = null;
  /** Test seam: a client other than the SDK-backed one (the same interface). */
  private readonly clientFactory: (options: ResolvedOptions) => WidgetClient;

  constructor(
    options: SignInWidgetOptions,
    internals?: { client?: (options: ResolvedOptions) => WidgetClient },
  ) {
    this.options = resolveOptions(options);
    this.clientFactory = internals?.client ?? createWidgetClient;
  }

  /** Renders the widget; resolves with tokens once the user is signed in. */
  showSignIn(): Promise<SignInResult> {
    return this.show('tokens');
  }

  /** Same as `showSignIn` (Okta's name for it). */
  showSignInToGetTokens(): Promise<SignInResult> {
    return this.show('tokens');
  }

  /**
   * Renders the widget; on success the browser goes to
   * `{redirectUri}?interaction_code=…&state=…`, where the app exchanges the code.
   */
  async showSignInAndRedirect(): Promise<void> {
    await this.show('redirect');
  }

  /** Removes the widget from the page and stops its timers. */
  remove(): void {
    this.driver?.dispose();
    this.shell?.dispose();
    this.driver = null;
    this.shell = null;
  }

  on<E extends EventName>(event: E, listener: WidgetEvents[E]): void {
    this.emitter.on(event, listener);
  }

  off<E extends EventName>(event?: E, listener?: WidgetEvents[E]): void {
    this.emitter.off(event, listener);
  }

  /** The translator in use (after a `show*` call). */
  get language(): string | undefined {
    return this.translator?.language;
  }

  private show(mode: Mode): Promise<SignInResult> {
    this.remove();
    const options = this.options;
    const container = typeof options.el === 'string' ? document.querySelector(options.el) : options.el;
    if (!(container instanceof HTMLElement))
      return Promise.reject(new TypeError(`SignInWidget: no element matches "${String(options.el)}".`));
    const language = resolveLanguage(
      options.language,
      options.i18n,
      navigator.languages ?? [navigator.language],
    );
    const t = createTranslator(language, options.i18n);
    this.translator = t;
    let client: WidgetClient;
    try {
      client = this.clientFactory(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<SignInResult>((resolve) => {
      const now = () => Date.now();
      let driver: FlowDriver | null = null;
      const shell = new Shell({
        t,
        emitter: this.emitter,
        logo: safeImageUrl(options.logo, location.href),
        brandName: options.brand.name,
        brandColors: brandColors(options),
        autoFocus: options.autoFocus,
        homeUri: options.homeUri,
        actions: {
          submit: (remediation, inputs) => driver?.submit(remediation, inputs),
          invoke: (action) => driver?.invoke(action),
          restart: () => driver?.restart(),
        },
        state: () => ({ memory: driver?.memory ?? {}, resendAvailableAt: driver?.resendAvailableAt ?? 0 }),
        now,
      });
      driver = new FlowDriver(client, shell, {
        flow: options.flow,
        otp: options.otp,
        state: options.state,
        redirect:
          mode === 'redirect' ||
          options.codeChallenge !== undefined ||
          options.interactionHandle !== undefined,
        serverStarted: options.interactionHandle !== undefined,
        resendIntervalSeconds: options.resendIntervalSeconds,
        onSuccess: resolve,
        navigate: (url) => window.location.assign(url),
        now,
      });
      this.shell = shell;
      this.driver = driver;
      container.appendChild(shell.root);
      shell.showLoading();
      void driver.begin();
    });
  }
}

/** `brand` colours as custom properties, only when the browser reads them as colours. */
function brandColors(options: ResolvedOptions): Record<string, string> {
  const colors: Record<string, string> = {};
  const valid = (value: string | undefined): value is string =>
    typeof value === 'string' && typeof CSS !== 'undefined' && CSS.supports('color', value);
  if (valid(options.brand.primaryColor)) colors['--gh-color-primary'] = options.brand.primaryColor;
  if (valid(options.brand.primaryTextColor)) colors['--gh-color-on-primary'] = options.brand.primaryTextColor;
  return colors;
}
