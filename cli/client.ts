// The CLI's API client: Bearer token, JSON, errors printed for people and turned into exit codes.
import type { CliConfig } from "./config";

export class CliError extends Error {}

export async function request<T>(config: CliConfig, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${config.url.replace(/\/$/, "")}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${config.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new CliError(`Cannot reach ${config.url}. Is the control plane running?`);
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (json ?? {}) as { message?: string; fields?: { path: string; message: string }[] };
    const fields = e.fields?.map((f) => `\n  ${f.path}: ${f.message}`).join("") ?? "";
    throw new CliError(`${e.message ?? `HTTP ${res.status}`}${fields}`);
  }
  return json as T;
}
