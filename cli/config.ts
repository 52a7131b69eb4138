// Where the CLI finds its control plane and token: STOKER_URL/STOKER_TOKEN, else ~/.config/stoker/config.json (0600).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as z from "zod";

const FileSchema = z.object({ url: z.string().url(), token: z.string().min(10) });
export type CliConfig = z.infer<typeof FileSchema>;

export const configFile = () => path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), ".config"), "stoker", "config.json");

export function loadConfig(): CliConfig | null {
  if (process.env.STOKER_URL && process.env.STOKER_TOKEN) return { url: process.env.STOKER_URL, token: process.env.STOKER_TOKEN };
  try {
    const parsed = FileSchema.safeParse(JSON.parse(readFileSync(configFile(), "utf8")));
    if (!parsed.success) return null;
    return { url: process.env.STOKER_URL || parsed.data.url, token: process.env.STOKER_TOKEN || parsed.data.token };
  } catch {
    return null;
  }
}

export function saveConfig(config: CliConfig): void {
  const file = configFile();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600); // also when the file existed with looser bits
}
