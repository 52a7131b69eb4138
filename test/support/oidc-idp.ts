// A real OpenID provider (npm oidc-provider) on 127.0.0.1 for SSO tests. Logins need no form: the
// interaction handler signs in whichever account the test chose and grants the requested scopes.
import { createServer, type Server } from "node:http";
import Provider from "oidc-provider";

export type Account = { email: string; email_verified?: boolean; groups: string[]; name?: string };
export type Idp = { issuer: string; accounts: Map<string, Account>; loginAs(id: string): void; close(): Promise<void> };

export const CLIENT = { id: "stoker", secret: "test-client-secret-0123456789abcdef" };

export async function startIdp(port: number, redirectUri: string): Promise<Idp> {
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map<string, Account>();
  let next = "";
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [redirectUri],
        // Stoker's login page, where RP-initiated logout (STOKER_OIDC_LOGOUT=idp) returns the browser.
        post_logout_redirect_uris: [new URL("/login", redirectUri).href],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    claims: { openid: ["sub", "groups"], email: ["email", "email_verified"], profile: ["name"] },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ["test-cookie-key-not-secret"] },
    findAccount: (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
  });
  provider.on("server_error", (_ctx, e) => console.error("[idp]", e));
  const callback = provider.callback();
  const server: Server = createServer((req, res) => {
    if (!req.url?.startsWith("/interaction/")) return callback(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const accountId = details.session?.accountId ?? next;
      const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const result = { login: { accountId }, consent: { grantId: await grant.save() } };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    })().catch((e: unknown) => {
      console.error("[idp] interaction failed", e);
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    issuer,
    accounts,
    loginAs: (id) => {
      next = id;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // fetch keeps connections alive; close would wait for them
      }),
  };
}
