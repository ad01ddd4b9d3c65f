import { type IdxErrorId, IdxErrors } from '@gatehouse/protocol';

/**
 * A wire-level IDX failure from the catalog, raised only by the IDX edge itself (a request it cannot
 * parse). The domain raises `EngineError`, which `engine-errors.ts` maps to one of these ids.
 */
export class IdxError extends Error {
  override name = 'IdxError';
  readonly status: number;

  constructor(
    readonly id: IdxErrorId,
    readonly options: { params?: string[]; retryAfterSeconds?: number; detail?: string } = {},
  ) {
    super(options.detail ?? IdxErrors[id].message);
    this.status = IdxErrors[id].status;
  }
}
