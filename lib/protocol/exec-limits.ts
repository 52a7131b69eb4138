// The kernel's limit on what one exec may carry: argv and environment strings together, with a
// pointer each, must fit in ARG_MAX (a quarter of the stack limit: 2 MiB with the usual 8 MiB
// stack), or execve fails with E2BIG. Checked when a spec is validated, so a spec the kernel would
// refuse never reaches a spawn. Shared by the control plane's validation and the agent's.

/** ARG_MAX on Linux with the default 8 MiB stack limit (`getconf ARG_MAX`). */
export const ARG_MAX_BYTES = 2 * 1024 * 1024;
/** Room kept for what the agent adds to every app's environment (PATH, HOME, USER, LANG…). */
export const AGENT_ENV_RESERVE = 64 * 1024;
const POINTER = 8;

/** Bytes an exec of `command` with `env` takes against ARG_MAX: each string with its NUL and its pointer. */
export function execBytes(command: readonly string[], env: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const arg of command) total += Buffer.byteLength(arg) + 1 + POINTER;
  for (const [k, v] of Object.entries(env)) total += Buffer.byteLength(k) + 1 + Buffer.byteLength(v) + 1 + POINTER;
  return total;
}

/** A message naming the limit when the command and environment do not fit, else null. */
export function execLimitProblem(command: readonly string[], env: Readonly<Record<string, string>>): string | null {
  const bytes = execBytes(command, env);
  const limit = ARG_MAX_BYTES - AGENT_ENV_RESERVE;
  if (bytes <= limit) return null;
  const kib = (n: number) => `${Math.ceil(n / 1024).toLocaleString("en-US")} KiB`;
  return `The command and environment take ${kib(bytes)}; the kernel refuses more than ${kib(limit)} for a program's arguments and environment together (ARG_MAX is ${kib(ARG_MAX_BYTES)}, less ${kib(AGENT_ENV_RESERVE)} the agent adds). Move large values into a file the app reads.`;
}
