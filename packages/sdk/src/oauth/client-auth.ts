/** The client's identity at the token, interact and revoke endpoints (client_secret_post). */
export interface ClientCredentials {
  clientId: string;
  /** Confidential (server-side) clients only; never ship a secret to a browser. */
  clientSecret?: string | undefined;
}

export const clientParams = (client: ClientCredentials): Record<string, string | undefined> => ({
  client_id: client.clientId,
  client_secret: client.clientSecret,
});
