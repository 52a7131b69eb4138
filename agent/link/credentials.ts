// The agent's identity: control-plane URL, host id and host key, stored 0600 in the state dir.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import * as z from "zod";
import { EnrollResponseSchema } from "../../lib/protocol";

const CredentialsSchema = z.object({ url: z.string().url(), hostId: z.string(), hostKey: z.string() });
export type Credentials = z.infer<typeof CredentialsSchema>;

const file = (stateDir: string) => path.join(stateDir, "agent.json");

export function readCredentials(stateDir: string): Credentials | null {
  try {
    const parsed = CredentialsSchema.safeParse(JSON.parse(readFileSync(file(stateDir), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Trades a one-time join token for a host key (the only time the key crosses the wire in the clear JSON). */
export async function enroll(url: string, token: string, name: string, stateDir: string): Promise<Credentials> {
  const res = await fetch(new URL("api/v1/agents/enroll", url.endsWith("/") ? url : `${url}/`), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, name }),
  });
  const body: unknown = await res.json().catch(() => ({}));
  if (!res.ok) {
    const message = typeof body === "object" && body && "message" in body ? String(body.message) : `HTTP ${res.status}`;
    throw new Error(`Enrollment refused: ${message}`);
  }
  const { hostId, hostKey } = EnrollResponseSchema.parse(body);
  const creds = { url, hostId, hostKey };
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(file(stateDir), JSON.stringify(creds), { mode: 0o600 });
  return creds;
}
