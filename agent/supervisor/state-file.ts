// The agent's memory across its own restarts: desired apps and the pids it runs, written atomically.
// Secret env values are sealed in the file (state-secrets.ts).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as z from "zod";
import { DesiredAppSchema } from "../../lib/protocol";
import type { SavedApp } from "./app-runner";
import { openStateApps, sealStateApps } from "./state-secrets";

const SavedProcessSchema = z.object({
  slot: z.number().int(),
  pid: z.number().int(),
  startTicks: z.number(),
  startedAt: z.string(),
  restarts: z.number().int(),
  generation: z.number().int(),
  foreign: z.boolean().optional(),
});
const StateSchema = z.object({
  apps: z.array(
    z.object({
      desired: DesiredAppSchema,
      generation: z.number().int(),
      processes: z.array(SavedProcessSchema),
      workers: z
        .array(z.object({ name: z.string(), index: z.number().int(), pid: z.number().int(), startTicks: z.number(), startedAt: z.string(), restarts: z.number().int() }))
        .optional(),
      // Desired vs running (revisions.ts); absent in files of older agents.
      running: DesiredAppSchema.optional(),
      failed: z.object({ revision: z.number().int(), message: z.string() }).optional(),
    }),
  ),
});

export function readState(file: string): SavedApp[] {
  try {
    const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
    const apps = typeof raw === "object" && raw && "apps" in raw && Array.isArray(raw.apps) ? openStateApps(path.dirname(file), raw.apps) : [];
    const parsed = StateSchema.safeParse({ apps });
    return parsed.success ? parsed.data.apps : [];
  } catch {
    return [];
  }
}

export function writeState(file: string, apps: SavedApp[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ apps: sealStateApps(path.dirname(file), apps) }), { mode: 0o600 });
  renameSync(tmp, file); // atomic: a crash never leaves half a file
}
