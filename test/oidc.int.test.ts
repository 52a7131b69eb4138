// Single sign-on end to end: a real OpenID provider (oidc-provider) on loopback, the production
// stack, and browser-like redirect following with a cookie jar. Roles come from the groups claim.
// Each way of getting a session SSO must refuse (issue 17 item 3) is counted in the security tally.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tally } from "./security/tally";
import { CookieJar } from "./support/cookie-jar";
import { CLIENT, type Idp, startIdp } from "./support/oidc-idp";
import { ADMIN, freePort, ownerToken, type Stack, startStack } from "./support/stack";

let idp: Idp;
let stack: Stack;
let token: string;
const tally = new Tally("item 3: single sign-on links by (issuer, subject), never by email alone");

/** One refused sign-in: back on /login with `error`, and no session cookie. */
function refusedWith(w: Walk, error: string): true | string {
  const session = w.jar.get(stack.url, "stoker_session");
  return (w.final.pathname === "/login" && w.final.searchParams.get("error") === error && session === undefined) || `landed on ${w.final.pathname}${w.final.search}, session: ${session !== undefined}`;
}

beforeAll(async () => {
  // The IdP's port is fixed first so the stack can be told its issuer; discovery happens at first login.
  const idpPort = await freePort();
  stack = await startStack({
    STOKER_OIDC_ISSUER: `http://127.0.0.1:${idpPort}`,
    STOKER_OIDC_CLIENT_ID: CLIENT.id,
    STOKER_OIDC_CLIENT_SECRET: CLIENT.secret,
    STOKER_OIDC_ROLE_MAP: "stoker-admins=admin,oncall=operator",
    STOKER_OIDC_LABEL: "Test IdP",
    STOKER_OIDC_LOGOUT: "idp",
  });
  idp = await startIdp(idpPort, `${stack.url}/api/v1/auth/oidc/callback`);
  token = await ownerToken(stack.url);
}, 180_000);

afterAll(async () => {
  tally.report();
  await idp?.close();
  await stack?.destroy();
});

type Walk = { final: URL; callback: URL | null; jar: CookieJar };

/** Follows redirects from the start route like a browser until it lands on a Stoker page. */
async function walk(from: string, jar = new CookieJar(), stopAtCallback = false): Promise<Walk> {
  let url = new URL(from);
  let callback: URL | null = null;
  for (let hop = 0; hop < 20; hop++) {
    if (url.pathname === "/api/v1/auth/oidc/callback") {
      callback = url;
      if (stopAtCallback) return { final: url, callback, jar };
    }
    const res = await fetch(url, { redirect: "manual", headers: { cookie: jar.header(url) } });
    jar.store(url, res.headers.getSetCookie());
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) throw new Error(`${url.href} answered ${res.status} ${await res.text()}`);
    url = new URL(location, url);
    if (url.origin === stack.url && !url.pathname.startsWith("/api/")) return { final: url, callback, jar };
  }
  throw new Error("too many redirects");
}

async function ssoLogin(accountId: string): Promise<Walk> {
  idp.loginAs(accountId);
  return walk(`${stack.url}/api/v1/auth/oidc/start`);
}

async function me(jar: CookieJar): Promise<{ email: string; role: string }> {
  const res = await fetch(`${stack.url}/api/v1/auth/me`, { headers: { cookie: `stoker_session=${jar.get(stack.url, "stoker_session")}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { email: string; role: string };
}

async function loginFailures(email: string): Promise<{ after: { reason: string; via: string } }[]> {
  const res = await fetch(`${stack.url}/api/v1/audit?action=auth.login&target=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { events: { result: string; after: { reason: string; via: string } }[] };
  return body.events.filter((e) => e.result === "failure");
}

describe("single sign-on", () => {
  it("tells the login page that SSO is on, with its label", async () => {
    const res = await fetch(`${stack.url}/api/v1/auth/oidc`);
    expect(await res.json()).toEqual({ enabled: true, label: "Test IdP" });
    const page = await (await fetch(`${stack.url}/login?error=sso-no-role`)).text();
    expect(page).toContain("Sign in with Test IdP");
    expect(page).toContain("no group that has access");
  });

  it("logs a user in the stoker-admins group in as admin, creating the account by lowercased email", async () => {
    idp.accounts.set("alice", { email: "Alice@Example.com", email_verified: true, groups: ["stoker-admins", "oncall"] });
    const { final, jar } = await ssoLogin("alice");
    expect(final.pathname + final.search).toBe("/");
    expect(await me(jar)).toMatchObject({ email: "alice@example.com", role: "admin" });
    const audit = await fetch(`${stack.url}/api/v1/audit?action=auth.login&target=alice@example.com`, { headers: { authorization: `Bearer ${token}` } });
    const { events } = (await audit.json()) as { events: { result: string; actor: { label: string }; after: { via: string } }[] };
    expect(events[0]).toMatchObject({ result: "success", actor: { label: "alice@example.com" }, after: { via: "oidc" } });
  });

  it("logs a user in the oncall group in as operator", async () => {
    idp.accounts.set("bob", { email: "bob@example.com", email_verified: true, groups: ["oncall"] });
    const { final, jar } = await ssoLogin("bob");
    expect(final.pathname).toBe("/");
    expect((await me(jar)).role).toBe("operator");
  });

  it("refuses a user in no mapped group, back to /login with an error and a failed auth.login event", async () => {
    idp.accounts.set("carol", { email: "carol@example.com", email_verified: true, groups: ["sales"] });
    const carol = await ssoLogin("carol");
    await tally.attack("a user in no mapped group", () => refusedWith(carol, "sso-no-role"));
    const failures = await loginFailures("carol@example.com");
    expect(failures[0]?.after).toMatchObject({ via: "oidc" });
    expect(failures[0]?.after.reason).toContain("sales");
  });

  it("refuses an email the IdP marks as unverified", async () => {
    idp.accounts.set("erin", { email: "erin@example.com", email_verified: false, groups: ["stoker-admins"] });
    const erin = await ssoLogin("erin");
    await tally.attack("email_verified: false", () => refusedWith(erin, "sso-no-email"));
  });

  it("refuses a forged state, and a callback replayed after a good login", async () => {
    idp.accounts.set("frank", { email: "frank@example.com", email_verified: true, groups: ["oncall"] });
    idp.loginAs("frank");
    const forged = await walk(`${stack.url}/api/v1/auth/oidc/start`, new CookieJar(), true);
    const tampered = new URL(forged.final);
    tampered.searchParams.set("state", "forged-state-value");
    const refused = await walk(tampered.href, forged.jar);
    await tally.attack("a forged state", () => refusedWith(refused, "sso-failed"));
    // The genuine callback of that flow is dead too: a flow is spent by its first callback.
    const late = await walk(forged.final.href, forged.jar);
    await tally.attack("the genuine callback after a forged one spent its flow", () => refusedWith(late, "sso-expired"));

    // A real replay: the same callback URL with the flow cookie the browser held at the time.
    const atCallback = await walk(`${stack.url}/api/v1/auth/oidc/start`, new CookieJar(), true);
    const flowId = atCallback.jar.get(stack.url, "stoker_oidc");
    expect(flowId).toBeTruthy();
    const good = await walk(atCallback.final.href, atCallback.jar);
    expect(good.final.pathname).toBe("/");
    const replayJar = new CookieJar();
    replayJar.set(stack.url, "stoker_oidc", flowId!, "/api/v1/auth/oidc");
    const replayed = await walk(atCallback.final.href, replayJar);
    await tally.attack("a callback replayed after a good login", () => refusedWith(replayed, "sso-expired"));
    expect((await loginFailures("oidc")).length).toBeGreaterThanOrEqual(2);
  });

  it("finishes a sign-in that the control plane's restart interrupted between the redirect and the callback", async () => {
    idp.accounts.set("grace", { email: "grace@example.com", email_verified: true, groups: ["oncall"] });
    idp.loginAs("grace");
    const halfway = await walk(`${stack.url}/api/v1/auth/oidc/start`, new CookieJar(), true);
    await stack.stopStoker();
    await stack.startStoker();
    const done = await walk(halfway.final.href, halfway.jar);
    expect(done.final.pathname).toBe("/");
    expect(await me(done.jar)).toMatchObject({ email: "grace@example.com", role: "operator" });
  }, 180_000);

  it("logging out after SSO ends the session here and sends the browser to the IdP's end-session page; a password session just ends", async () => {
    idp.accounts.set("heidi", { email: "heidi@example.com", email_verified: true, groups: ["oncall"] });
    idp.loginAs("heidi");
    const { jar } = await walk(`${stack.url}/api/v1/auth/oidc/start`);
    const session = jar.get(stack.url, "stoker_session");
    const logout = async (cookie: string) => {
      const res = await fetch(`${stack.url}/api/v1/auth/logout`, { method: "POST", headers: { cookie: `stoker_session=${cookie}`, "x-stoker-csrf": "1" } });
      expect(res.status).toBe(200);
      return (await res.json()) as { ok: true; logoutUrl?: string };
    };
    const body = await logout(session!);
    const url = new URL(body.logoutUrl ?? "");
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get("client_id")).toBe(CLIENT.id);
    expect(url.searchParams.get("post_logout_redirect_uri")).toBe(`${stack.url}/login`);
    // The IdP accepts it (a post-logout URI it does not know would be a 400): its sign-out confirmation.
    const atIdp = await fetch(url, { headers: { cookie: jar.header(url) } });
    expect(atIdp.status).toBe(200);
    expect(await atIdp.text()).toContain("form");
    // The Stoker session is gone either way.
    expect((await fetch(`${stack.url}/api/v1/auth/me`, { headers: { cookie: `stoker_session=${session}` } })).status).toBe(401);

    const login = await fetch(`${stack.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
    const password = /stoker_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
    expect(password).toBeTruthy();
    expect(await logout(password!)).toEqual({ ok: true });
  });

  it("applies IdP group changes at the next login, and never takes owner from the last owner", async () => {
    idp.accounts.set("dave", { email: "dave@example.com", email_verified: true, groups: ["oncall"] });
    const first = await ssoLogin("dave");
    expect((await me(first.jar)).role).toBe("operator");
    idp.accounts.set("dave", { email: "dave@example.com", email_verified: true, groups: ["stoker-admins"] });
    const second = await ssoLogin("dave");
    expect((await me(second.jar)).role).toBe("admin");
    expect((await me(first.jar)).role).toBe("admin"); // the role lives on the user, so older sessions follow

    // The owner signs in with a password: SSO reaches that account only once linked (next test).
    idp.accounts.set("owner", { email: ADMIN.email, email_verified: true, groups: ["oncall"] });
    const owner = await ssoLogin("owner");
    await tally.attack("an IdP identity with the (password) owner's email", () => refusedWith(owner, "sso-link-needed"));
  });

  it("refuses an email the IdP does not say is verified (no email_verified claim)", async () => {
    idp.accounts.set("ivan", { email: "ivan@example.com", groups: ["stoker-admins"] });
    const ivan = await ssoLogin("ivan");
    await tally.attack("no email_verified claim", () => refusedWith(ivan, "sso-no-email"));
    expect((await loginFailures("ivan@example.com"))[0]?.after.reason).toContain("email_verified");
  });

  it("never hands a password account to a new identity with its email, and links one from the signed-in account", async () => {
    // Whoever the IdP names with the owner's email gets nothing: not the account, not a session.
    idp.accounts.set("mallory", { email: ADMIN.email, email_verified: true, groups: ["stoker-admins"] });
    const taken = await ssoLogin("mallory");
    await tally.attack("a new identity with the owner's email, as admin by groups", () => refusedWith(taken, "sso-link-needed"));
    expect((await loginFailures(ADMIN.email)).some((f) => f.after.reason.includes("password"))).toBe(true);

    // The owner links their own IdP identity while signed in with the password.
    const login = await fetch(`${stack.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
    const session = /stoker_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
    const jar = new CookieJar();
    jar.set(stack.url, "stoker_session", session!, "/");
    const start = await fetch(`${stack.url}/api/v1/auth/oidc/link`, { method: "POST", headers: { cookie: `stoker_session=${session}`, "x-stoker-csrf": "1" } });
    expect(start.status).toBe(200);
    jar.store(new URL(stack.url), start.headers.getSetCookie());
    idp.accounts.set("owner-idp", { email: "owner.elsewhere@example.com", email_verified: true, groups: ["oncall"] });
    idp.loginAs("owner-idp");
    const linked = await walk(((await start.json()) as { location: string }).location, jar);
    expect(linked.final.pathname + linked.final.search).toBe("/settings/account?sso=linked");

    // Now that identity signs in to the owner's account (found by issuer and subject, not email),
    // and the last owner keeps the role although the IdP's groups map to operator.
    const owner = await ssoLogin("owner-idp");
    expect(await me(owner.jar)).toMatchObject({ email: ADMIN.email, role: "owner" });
    // Mallory still gets nothing: the owner's account is linked to another identity now.
    const again = await ssoLogin("mallory");
    await tally.attack("that identity again, once the owner linked another", () => refusedWith(again, "sso-linked-elsewhere"));
  });

  it("refused every attempt above (the security tally of item 3)", () => {
    tally.expectAllRefused(9);
  });
});
