/**
 * The polling timer (docs/protocol/idx-protocol.md §7.7): armed only while the page is visible, armed again
 * soon after the page becomes visible, never more than one pending.
 */
export class PollTimer<T> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onVisibility = () => this.arm(500);

  constructor(
    /** What to poll now; undefined when there is nothing to poll. */
    private readonly target: () => T | undefined,
    private readonly poll: (target: T) => void,
  ) {
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  arm(delayMs: number): void {
    this.stop();
    const target = this.target();
    if (target === undefined || document.visibilityState !== 'visible') return;
    this.timer = setTimeout(() => this.poll(target), delayMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stop();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }
}
