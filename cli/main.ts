// `stoker`: the command-line client (login, hosts, apps, restart, logs, audit) and `stoker agent …`.
import { isCommand, parseCommand } from "./args";
import { action, apps, audit, auditCheckpoint, events, hosts, login, logs, revise } from "./commands";
import { CliError } from "./client";
import { applyFile, exportApps, planFile } from "./config-commands";
import { backup, restore } from "./backup";
import { deploy } from "./deploy-command";
import { systemdUnit } from "./systemd-unit";
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
  export [--host NAME] [--format yaml|json] [-o FILE]
                                                    every app (of one host) as one file of specs, as POST /apps takes them
  plan -f FILE [--host NAME] [--prune] [--exit-code]
                                                    what applying FILE would create, change (field by field) and remove;
                                                    changes nothing; --exit-code: exit 2 when something would change
  apply -f FILE [--host NAME] [--prune]             make it so through the API (audited like the dashboard); apps absent
                                                    from FILE are removed only with --prune
  backup [-o FILE] [--data-dir DIR]                 the control plane's database (SQLite online backup) and keys as one
                                                    .tar.gz (0600); run on the control plane's machine, it may keep running
  restore FILE [--data-dir DIR] [--force]           put a backup back; refused while a control plane runs on the data dir;
                                                    --force to replace an existing database and keys (kept aside)
  systemd-unit [--data-dir DIR] [--user U] [--port N]
                                                    print a systemd unit for the control plane (see deploy/stoker.service)
  agent …                                           run the host agent (see \`stoker agent --help\`)
environment: STOKER_URL, STOKER_TOKEN override the stored login.`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "agent") {
    process.argv = [process.argv[0], process.argv[1], ...rest];
    await import("../agent/main");
    return;
  }
  if (!command || command === "help" || command === "--help" || command === "-h") return void console.log(USAGE);
  if (!isCommand(command)) throw new CliError(`Unknown command "${command}".\n${USAGE}`);
  const { args, flags } = parseCommand(command, rest);
  if (flags.help) return void console.log(USAGE);
  if (command === "login") return login(args[0], flags);
  // On the control plane's machine, no login: they work on its data dir.
  if (command === "backup") return backup(flags);
  if (command === "restore") return restore(args[0], flags);
  if (command === "systemd-unit") return void console.log(systemdUnit(flags));
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
    case "export":
      return exportApps(config, flags);
    case "plan":
      return planFile(config, flags);
    case "apply":
      return applyFile(config, flags);
    case "audit":
      return args[0] === "checkpoint" ? auditCheckpoint(config, flags) : audit(config, flags);
    default:
      throw new CliError(`Unknown command "${command}".\n${USAGE}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof CliError ? `stoker: ${e.message}` : e);
  // 1 for every error, expected or not: 2 is `plan --exit-code`'s "something would change".
  process.exit(1);
});
