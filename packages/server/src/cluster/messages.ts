import type { GatehouseConfig } from '../config/schema.js';

/** What the primary and its workers tell each other over the cluster IPC channel. */

/** Worker → primary: its message listener is in place; send the configuration. */
export interface WaitingMessage {
  type: 'gatehouse:waiting';
}

/** Primary → worker: build the server from this configuration and listen. */
export interface StartMessage {
  type: 'gatehouse:start';
  config: GatehouseConfig;
  /** Whether this worker runs the expired-row sweeper (exactly one does). */
  sweeper: boolean;
}

/** Worker → primary: listening on the shared port. */
export interface ListeningMessage {
  type: 'gatehouse:listening';
  address: string;
}

/** Primary → worker: finish the requests in flight, close the store and exit 0. */
export interface StopMessage {
  type: 'gatehouse:stop';
}

export type ClusterMessage = WaitingMessage | StartMessage | ListeningMessage | StopMessage;

export function isClusterMessage<T extends ClusterMessage['type']>(
  value: unknown,
  type: T,
): value is Extract<ClusterMessage, { type: T }> {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
