// The CLI's argument parsing: node:util parseArgs with one option table per command, so `-f` can
// mean --follow for `logs` and --file for `plan`/`apply`, and an unknown option is an error, not a value.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { CliError } from "./client";

export type Flags = Record<string, string | boolean | undefined>;
type Options = NonNullable<ParseArgsConfig["options"]>;

const str = { type: "string" } as const;
const bool = { type: "boolean" } as const;
const COMMON: Options = { json: bool, help: { type: "boolean", short: "h" } };
const APP_FILE: Options = { file: { type: "string", short: "f" }, host: str, prune: bool };

const COMMANDS: Record<string, Options> = {
  login: { token: str, email: str, password: str, code: str },
  hosts: {},
  apps: {},
  restart: {},
  stop: {},
  start: {},
  reload: {},
  retry: {},
  revert: {},
  deploy: { ref: str, archive: str, wait: bool },
  logs: { follow: { type: "boolean", short: "f" }, n: { type: "string", short: "n" }, stream: str, grep: str },
  events: { n: { type: "string", short: "n" }, cursor: str },
  audit: { action: str, actor: str, target: str, n: { type: "string", short: "n" }, check: str },
  export: { host: str, format: str, output: { type: "string", short: "o" } },
  plan: { ...APP_FILE, "exit-code": bool },
  apply: APP_FILE,
  backup: { output: { type: "string", short: "o" }, "data-dir": str },
  restore: { "data-dir": str, force: bool },
  "systemd-unit": { "data-dir": str, user: str, port: str },
};

export function isCommand(name: string): boolean {
  return Object.hasOwn(COMMANDS, name);
}

/** Positionals and options of one command; throws CliError naming the bad option. */
export function parseCommand(command: string, argv: string[]): { args: string[]; flags: Flags } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON, ...COMMANDS[command] }, allowPositionals: true, strict: true });
    const flags: Flags = {};
    for (const [k, v] of Object.entries(values)) if (typeof v === "string" || typeof v === "boolean") flags[k] = v;
    return { args: positionals, flags };
  } catch (e) {
    // parseArgs' own messages name the option ("Unknown option '--bogus'"); keep them.
    throw new CliError(`${command}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
