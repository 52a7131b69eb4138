// `stoker agent --config FILE`: app specs from a file, no control plane (Ansible-provisioned hosts).
import { readFileSync } from "node:fs";
import * as z from "zod";
import { AppSpecFields, type DesiredApp, fieldErrors, refineAppSpec } from "../lib/protocol";

const ConfigFileSchema = z.strictObject({
  apps: z.array(
    AppSpecFields.extend({ hostId: z.string().default("local"), desired: z.enum(["running", "stopped"]).default("running") })
      .strict()
      .superRefine(refineAppSpec),
  ),
});

export function readStandaloneConfig(file: string): DesiredApp[] {
  const parsed = ConfigFileSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) {
    const lines = fieldErrors(parsed.error).map((e) => `  ${e.path}: ${e.message}`);
    throw new Error(`${file} is not a valid Stoker config:\n${lines.join("\n")}`);
  }
  // The file is the host owner's own word (only root can start the agent as root with it), so it
  // carries the approval for uid 0; an omitted `user` still never means root (lib/protocol/run-as.ts).
  return parsed.data.apps.map(({ desired, ...spec }) => ({ appId: spec.name, revision: 1, desired, spec, rootApproved: true }));
}
