// Start-up chores of the control plane: the owner from STOKER_ADMIN_* and the local agent's join token.
import "server-only";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startAlertTicker } from "./alerts/alert-ticker";
import { oidcSettings } from "./auth/oidc-config";
import { createOwner, hasAnyUser } from "./auth/users";
import { config } from "./config";
import { parseTrustedProxies } from "./http/client-address";
import { db } from "./db";
import { createJoinToken } from "./hosts/join-tokens";

export async function bootstrap(): Promise<{ needsSetup: boolean }> {
  const email = process.env.STOKER_ADMIN_EMAIL;
  const password = process.env.STOKER_ADMIN_PASSWORD;
  if (email && password && !(await hasAnyUser())) {
    const created = await createOwner(email, password, "");
    if (!created.ok) console.warn(`[stoker] could not create the owner from STOKER_ADMIN_EMAIL: ${created.message}`);
  }
  parseTrustedProxies(process.env.STOKER_TRUSTED_PROXIES); // a typo must stop the start, not every request
  oidcSettings(); // checks STOKER_OIDC_* now, so a bad setting is in the start-up log, not at first login
  if (process.env.STOKER_LOCAL_AGENT === "1") await prepareLocalAgent();
  startAlertTicker(); // the alert engine and its clock (lib/alerts/)
  return { needsSetup: !(await hasAnyUser()) };
}

/** Leaves a one-time join token (0600) for `npm start`'s own agent, unless it is already enrolled. */
async function prepareLocalAgent(): Promise<void> {
  const agentDir = path.join(config.dataDir, "agent");
  if (existsSync(path.join(agentDir, "agent.json")) && (await db.host.count()) > 0) return;
  mkdirSync(agentDir, { recursive: true, mode: 0o700 });
  const { token } = await createJoinToken({ actor: { type: "system" }, ip: "" }, { local: true });
  writeFileSync(path.join(agentDir, "local-join-token"), token, { mode: 0o600 });
}
