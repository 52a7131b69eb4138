// The environment a user gets in an interactive login shell (what "it works when I run it"
// means): bash -l -i as that user reads /etc/profile, ~/.profile and ~/.bashrc, then prints env.
import { lookupUser } from "../../supervisor/users";
import { captureCommand } from "../capture";

export async function loginShellEnv(userName: string): Promise<Record<string, string> | null> {
  const user = lookupUser(userName);
  if (!user) return null;
  const asOther = process.getuid?.() === 0 && user.uid !== 0;
  const res = await captureCommand({
    file: "/bin/bash",
    // A fixed command for -c (argv, not interpolated); env -0 survives values with newlines.
    args: ["-l", "-i", "-c", "env -0"],
    cwd: user.home || "/",
    env: { HOME: user.home, USER: user.name, LOGNAME: user.name, SHELL: "/bin/bash", PATH: "/usr/local/bin:/usr/bin:/bin", TERM: "dumb" },
    uid: asOther ? user.uid : undefined,
    gid: asOther ? user.gid : undefined,
    timeoutMs: 5000,
  });
  if (res.error || res.timedOut) return null;
  const env: Record<string, string> = {};
  for (const entry of res.stdout.split("\0")) {
    const i = entry.indexOf("=");
    if (i > 0) env[entry.slice(0, i).replace(/^\s+/, "")] = entry.slice(i + 1);
  }
  return env;
}
