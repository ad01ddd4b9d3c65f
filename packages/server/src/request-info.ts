/** What the engine may know about the request a step serves (for limits, audit events and emails). */
export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
  /** Preferred locale (from Accept-Language), for emails. */
  locale: string;
}
