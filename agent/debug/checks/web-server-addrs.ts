// FCGI_WEB_SERVER_ADDRS is an allow-list of TCP peers; flup (and others) drop every connection
// that arrives over a Unix socket when it is set, so the app looks alive but never answers.
import type { AppSpec, DoctorFinding } from "../../../lib/protocol";

export function checkWebServerAddrs(spec: AppSpec, env: Record<string, string>): DoctorFinding[] {
  if (!spec.socket.path || env.FCGI_WEB_SERVER_ADDRS === undefined) return [];
  return [
    {
      code: "web-server-addrs-unix",
      severity: "error",
      title: "FCGI_WEB_SERVER_ADDRS is set for a Unix socket",
      detail: `The app's env has FCGI_WEB_SERVER_ADDRS=${JSON.stringify(env.FCGI_WEB_SERVER_ADDRS)}, but it listens on the Unix socket ${spec.socket.path}. Unix-socket peers have no IP address, so flup-style servers close every connection.`,
      fix: "Remove FCGI_WEB_SERVER_ADDRS from env in the app spec (it only makes sense for TCP sockets).",
    },
  ];
}
