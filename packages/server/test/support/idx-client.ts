import type { IdxForm, IdxResponse } from '@gatehouse/protocol';
import { newPkce, type Pkce } from './pkce.js';

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** POSTs JSON the way the Okta clients do and parses whatever comes back. */
export async function postJson<T = IdxResponse>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json; okta-version=1.0.0',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await parseBody(res)) as T };
}

export async function postForm<T = Record<string, unknown>>(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await parseBody(res)) as T };
}

async function parseBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface Interaction {
  interactionHandle: string;
  pkce: Pkce;
  state: string;
  nonce: string;
}

/**
 * A raw IDX conversation over HTTP, for tests that assert the wire: interact, introspect, then
 * follow the hrefs the server returns.
 */
export class IdxConversation {
  last: HttpResult<IdxResponse> | null = null;

  constructor(
    readonly baseUrl: string,
    readonly clientId: string,
    readonly redirectUri = 'http://localhost:8080/login/callback',
    readonly server = '/oauth2/default',
  ) {}

  async interact(extra: Record<string, string> = {}): Promise<Interaction> {
    const pkce = newPkce();
    const state = `state-${Math.random().toString(36).slice(2)}`;
    const nonce = `nonce-${Math.random().toString(36).slice(2)}`;
    const res = await postForm<{ interaction_handle: string }>(`${this.baseUrl}${this.server}/v1/interact`, {
      client_id: this.clientId,
      scope: 'openid profile email',
      redirect_uri: this.redirectUri,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    if (res.status !== 200) throw new Error(`interact failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { interactionHandle: res.body.interaction_handle, pkce, state, nonce };
  }

  async introspect(interactionHandle: string): Promise<HttpResult<IdxResponse>> {
    this.last = await postJson(
      `${this.baseUrl}/idp/idx/introspect`,
      { interactionHandle },
      {
        'content-type': 'application/ion+json; okta-version=1.0.0',
        accept: 'application/ion+json; okta-version=1.0.0',
      },
    );
    return this.last;
  }

  /** The remediation form named `name` in the last response. */
  form(name: string): IdxForm {
    const form = this.last?.body.remediation?.value.find((f) => f.name === name);
    if (!form) throw new Error(`no ${name} remediation in ${JSON.stringify(this.last?.body)}`);
    return form;
  }

  /** Submits a remediation of the last response with the given values (stateHandle added). */
  async submit(name: string, values: Record<string, unknown>): Promise<HttpResult<IdxResponse>> {
    const form = this.form(name);
    this.last = await postJson(form.href, { ...values, stateHandle: this.last!.body.stateHandle });
    return this.last;
  }

  interactionCode(): string {
    const value = this.last?.body.successWithInteractionCode?.value.find(
      (f) => f.name === 'interaction_code',
    )?.value;
    if (typeof value !== 'string')
      throw new Error(`no interaction code in ${JSON.stringify(this.last?.body)}`);
    return value;
  }

  async exchange(interaction: Interaction, code: string, extra: Record<string, string> = {}) {
    return postForm<Record<string, unknown>>(`${this.baseUrl}${this.server}/v1/token`, {
      grant_type: 'interaction_code',
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      code_verifier: interaction.pkce.verifier,
      interaction_code: code,
      ...extra,
    });
  }
}
