// The app's response headers are larger than the site lets through: nginx answers 502 and logs
// "upstream sent too big header", while a request straight to the socket gets 200. Read from the
// web server's lines the agent attributed to the app (its log's "web" stream).
import type { AppSpec, DoctorFinding } from "../../../lib/protocol";
import { WEB_DEFAULTS } from "../../../lib/protocol/web-spec";

const TOO_BIG = /upstream sent too big header/;

export function checkHeaderBuffer(spec: AppSpec, webLines: readonly string[]): DoctorFinding[] {
  const line = webLines.findLast((l) => TOO_BIG.test(l));
  if (!line || spec.web?.server !== "nginx") return [];
  const size = spec.web.extra.headerBufferSize ?? WEB_DEFAULTS.headerBufferSize;
  return [
    {
      code: "response-headers-too-big",
      severity: "error",
      title: `The app's response headers are larger than nginx takes (web.extra.headerBufferSize, now ${size})`,
      detail: `nginx answered 502 for a request whose response headers (often many or large Set-Cookie) did not fit in ${size}; the app itself answered. nginx logged:\n${line.slice(0, 600)}`,
      fix: `Raise web.extra.headerBufferSize in the app spec (e.g. to ${doubled(size)}), save and apply the web config; or make the app send smaller headers.`,
    },
  ];
}

function doubled(size: string): string {
  const m = /^(\d+)([km]?)$/.exec(size);
  return m ? `${Number(m[1]) * 2}${m[2]}` : "64k";
}
