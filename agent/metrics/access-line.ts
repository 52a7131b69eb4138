// The access-log line every rendered site config writes (nginx, lighttpd and Apache alike), and
// its parser: `stoker1 <app name> <status> <unit> <time>`, with the time in seconds (nginx's
// $request_time, unit "s") or microseconds (%D of Apache and lighttpd, unit "us"). "-" as the
// app: a request no app served (a static file, a 404 of the site).
export const ACCESS_LINE_TAG = "stoker1";

export type AccessLine = { app: string; status: number; ms: number };

const LINE = /^stoker1 (\S+) (\d{3}) (s|us) (\d+(?:\.\d+)?)$/;

export function parseAccessLine(line: string): AccessLine | null {
  const m = LINE.exec(line);
  if (!m || m[1] === "-") return null;
  const n = Number(m[4]);
  return { app: m[1], status: Number(m[2]), ms: m[3] === "s" ? n * 1000 : n / 1000 };
}
