// Crash testing: with STOKER_FAILPOINT=<name> the agent SIGKILLs itself at the step of that name, so
// a test can prove recovery from a crash at exactly that step (an agent restart mid rolling restart).
export function failpoint(name: string): void {
  if (process.env.STOKER_FAILPOINT === name) process.kill(process.pid, "SIGKILL");
}
