/** The widget's events (`ready`, `afterRender`, `afterError`) and what their listeners receive. */

export interface RenderContext {
  /** The view shown: `identify`, `challenge-authenticator:okta_email`, `terminal`, `success`, … */
  controller: string;
  /** The first remediation's name, or `terminal` / `success`. */
  formName: string;
  /** The key of the authenticator the step is about (`okta_email`, `okta_password`). */
  authenticatorKey?: string | undefined;
  /**
   * The i18n keys of the step's own messages (e.g. `idx.transferred.to.new.tab` on the page a
   * magic link left behind): a page around the widget can follow what it shows.
   */
  messageKeys: string[];
}

export interface WidgetError {
  /** What the user was shown (translated). */
  message: string;
  /** The i18n keys of the messages. */
  keys: string[];
}

export interface WidgetEvents {
  ready: (context: RenderContext) => void;
  afterRender: (context: RenderContext) => void;
  afterError: (context: RenderContext, error: WidgetError) => void;
}

export type EventName = keyof WidgetEvents;

export class Emitter {
  private readonly listeners = new Map<EventName, Set<(...args: unknown[]) => void>>();

  on<E extends EventName>(event: E, listener: WidgetEvents[E]): void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener as (...args: unknown[]) => void);
  }

  off<E extends EventName>(event?: E, listener?: WidgetEvents[E]): void {
    if (!event) this.listeners.clear();
    else if (!listener) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(listener as (...args: unknown[]) => void);
  }

  emit<E extends EventName>(event: E, ...args: Parameters<WidgetEvents[E]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        listener(...args);
      } catch (error) {
        // A listener's bug must not break sign-in; report it where developers look.
        console.error(error);
      }
    }
  }
}
