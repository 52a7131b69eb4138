// The app's response headers are larger than the site lets through: nginx (or lighttpd past its
// fixed ~64 KiB) answers 502 and logs it, while a request straight to the socket gets 200. Read from the
// web server's lines the agent attributed to the app (its log's "web" stream).
import type { AppSpec, DoctorFinding } from "../../../lib/protocol";
import { WEB_DEFAULTS } from "../../../lib/protocol/web-spec";

const NGINX_TOO_BIG = /upstream sent too big header/;
// lighttpd 1.4.69 (http-header-glue.c): its fixed limit of about 64 KiB, no setting.
const LIGHTTPD_TOO_BIG = /response headers too large for/;

export function checkHeaderBuffer(spec: AppSpec, webLines: readonly string[]): DoctorFinding[] {
  const server = spec.web?.server;
  const line = webLines.findLast((l) => (server === "nginx" ? NGINX_TOO_BIG : LIGHTTPD_TOO_BIG).test(l));
  if (!line || !spec.web || server === "apache") return [];
  if (server === "lighttpd") {
    return [
      {
        code: "response-headers-too-big",
        severity: "error",
        title: "The app's response headers are larger than lighttpd takes (about 64 KiB, fixed)",
        detail: `lighttpd answered 502 for a request whose response headers (often many or large Set-Cookie) passed its fixed limit; the app itself answered. lighttpd logged:\n${line.slice(0, 600)}`,
        fix: "Make the app send smaller headers, or serve it through nginx (web.extra.headerBufferSize sets its limit) or Apache (no limit): lighttpd has no setting for this.",
      },
    ];
  }
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
