// The environment every app process gets (and every build step, doctor check and run-by-hand
// session, so they see what the app sees): a clean, documented base plus the spec's `env`, never
// the agent's own environment (a PATH with someone's ~/.pyenv/shims would change which `python` a
// `#!/usr/bin/env python` script runs under Stoker but not under the web server).
// Secret values (lib/protocol/secret-env) become plain strings here and only here: at spawn.
import { plainEnv, type SpecEnv } from "../../lib/protocol/secret-env";

/** The system PATH apps get unless their spec sets PATH. */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A locale name worth passing on: `C`, `POSIX`, `C.UTF-8`, `en_US.UTF-8`, `de_DE@euro`. */
const SANE_LANG = /^(?:C|POSIX|[A-Za-z]{2,3}(?:_[A-Z]{2})?)(?:\.[A-Za-z0-9-]+)?(?:@[A-Za-z0-9]+)?$/;

/** The agent's LANG if it is a plain locale name, else C.UTF-8 (a UTF-8 locale every Debian has). */
export function appLang(agentLang = process.env.LANG): string {
  return agentLang && SANE_LANG.test(agentLang) ? agentLang : "C.UTF-8";
}

export type AppUser = { name: string; home: string };

/**
 * The base environment, then the spec's env on top (the spec may override any of it).
 * PYTHONUNBUFFERED=1: Python buffers stdout in blocks when it is a pipe, so without it a print()
 * reaches the logs only kilobytes later, or never if the process is killed.
 */
export function appEnv(user: AppUser, specEnv: Readonly<SpecEnv> = {}): Record<string, string> {
  return {
    PATH: SYSTEM_PATH,
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    LANG: appLang(),
    PYTHONUNBUFFERED: "1",
    ...plainEnv(specEnv),
  };
}
