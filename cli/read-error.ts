// Why a file named on the command line (`-f stoker.yaml`, `--archive app.tar.gz`) cannot be read,
// said so the user knows what to fix: "Cannot read FILE." alone left them guessing between a typo,
// a permission and a directory.
import { CliError } from "./client";

export function cannotRead(file: string, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new CliError(`Cannot read ${file}: it does not exist (check the path; a relative one is from ${process.cwd()}).`);
  if (code === "EACCES" || code === "EPERM") return new CliError(`Cannot read ${file}: permission denied (run as a user who may read it, or change its mode).`);
  if (code === "EISDIR") return new CliError(`Cannot read ${file}: it is a directory; name a file.`);
  return new CliError(`Cannot read ${file}${code ? ` (${code})` : ""}.`);
}
