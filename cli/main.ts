// `stoker`: the command-line client (login, hosts, apps, restart, logs, audit) and `stoker agent …`.
import { action, apps, audit, auditCheckpoint, events, type Flags, hosts, login, logs, revise } from "./commands";
import { CliError } from "./client";
import { deploy } from "./deploy-command";
import { loadConfig } from "./config";

const USAGE = `usage: stoker <command> [--json]
  login URL [--token T | --email E --password P [--code C]]   store a token in ~/.config/stoker/config.json (0600)
  hosts                                             enrolled hosts and their status
  apps                                              apps, their hosts and process states
  restart|stop|start|reload APP                     act on an app (name or id); returns when done
  retry|revert APP                                  a saved revision that failed to apply: apply it again, or
                                                    save the running revision as a new one
  deploy APP [--ref REF | --archive FILE] [--wait]  deploy; with --wait follow the steps, exit 0 only on success
  logs APP [-f] [-n N] [--stream stdout|stderr|webserver] [--grep TEXT]
  events APP [-n N] [--cursor C]                    the app's process history: starts, exits, restarts, adoptions, FATAL
  audit [--action A] [--actor X] [--target T] [-n N]
  audit checkpoint [--check FILE]   print a signed checkpoint of the audit chain (admin), or check a kept one
  agent …                                           run the host agent (see \`stoker agent --help\`)
environment: STOKER_URL, STOKER_TOKEN override the stored login.`;

function parse(argv: string[]): { args: string[]; flags: Flags } {
  const args: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-f") flags.f = true;
    else if (a === "-n") flags.n = argv[++i] ?? "";
    else if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2);
      if (v !== undefined) flags[k] = v;
      else if (["json", "follow", "wait"].includes(k)) flags[k] = true;
      else flags[k] = argv[++i] ?? "";
    } else args.push(a);
  }
  return { args, flags };
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "agent") {
    process.argv = [process.argv[0], process.argv[1], ...rest];
    await import("../agent/main");
    return;
  }
  const { args, flags } = parse(rest);
  if (!command || command === "help" || flags.help) return void console.log(USAGE);
  if (command === "login") return login(args[0], flags);
  const config = loadConfig();
  if (!config) throw new CliError("Not logged in: run `stoker login URL` or set STOKER_URL and STOKER_TOKEN.");
  switch (command) {
    case "hosts":
      return hosts(config, flags);
    case "apps":
      return apps(config, flags);
    case "restart":
    case "stop":
    case "start":
    case "reload":
      return action(config, command, args[0], flags);
    case "retry":
    case "revert":
      return revise(config, command, args[0], flags);
    case "deploy":
      return deploy(config, args[0], flags);
    case "logs":
      return logs(config, args[0], flags);
    case "events":
      return events(config, args[0], flags);
    case "audit":
      return args[0] === "checkpoint" ? auditCheckpoint(config, flags) : audit(config, flags);
    default:
      throw new CliError(`Unknown command "${command}".\n${USAGE}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof CliError ? `stoker: ${e.message}` : e);
  process.exit(e instanceof CliError ? 1 : 2);
});
