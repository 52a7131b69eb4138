// SSO settings: off when unset, off with a reason (never the secret) when wrong, parsed when right.
import { describe, expect, it } from "vitest";
import { loadOidcSettings } from "./oidc-config";

const good = {
  STOKER_OIDC_ISSUER: "https://idp.example.com/realms/ops",
  STOKER_OIDC_CLIENT_ID: "stoker",
  STOKER_OIDC_CLIENT_SECRET: "s3cret-value-never-logged",
  STOKER_OIDC_ROLE_MAP: "stoker-admins=admin,*=viewer",
};

describe("loadOidcSettings", () => {
  it("is off, silently, when no STOKER_OIDC_* is set", () => {
    expect(loadOidcSettings({})).toEqual({ enabled: false, reason: null });
  });

  it("parses a complete configuration with its defaults", () => {
    const loaded = loadOidcSettings(good);
    expect(loaded.enabled).toBe(true);
    if (!loaded.enabled) return;
    expect(loaded.settings).toMatchObject({ clientId: "stoker", groupsClaim: "groups", scopes: "openid email profile", label: "SSO", redirectUrl: null, insecureHttp: false, endIdpSession: false });
    const ending = loadOidcSettings({ ...good, STOKER_OIDC_LOGOUT: "idp" });
    expect(ending.enabled && ending.settings.endIdpSession).toBe(true);
  });

  it("turns SSO off with a reason naming the variable, and never the secret", () => {
    const cases: Record<string, string>[] = [
      { ...good, STOKER_OIDC_ROLE_MAP: "" },
      { ...good, STOKER_OIDC_ROLE_MAP: "ops=root" },
      { ...good, STOKER_OIDC_ISSUER: "http://idp.example.com" },
      { ...good, STOKER_OIDC_CLIENT_SECRET: "" },
      { ...good, STOKER_OIDC_SCOPES: "email profile" },
      { ...good, STOKER_OIDC_REDIRECT_URL: "javascript:alert(1)" },
      { ...good, STOKER_OIDC_LOGOUT: "global" },
    ];
    for (const env of cases) {
      const loaded = loadOidcSettings(env);
      expect(loaded.enabled, JSON.stringify(env)).toBe(false);
      if (loaded.enabled) continue;
      expect(loaded.reason).toMatch(/^STOKER_OIDC_/);
      expect(loaded.reason).not.toContain(good.STOKER_OIDC_CLIENT_SECRET);
    }
  });

  it("allows a plain-http issuer on loopback only", () => {
    const loaded = loadOidcSettings({ ...good, STOKER_OIDC_ISSUER: "http://127.0.0.1:9000" });
    expect(loaded.enabled && loaded.settings.insecureHttp).toBe(true);
  });
});
