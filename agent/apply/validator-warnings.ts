// Warnings from a web server's config test that mean a site will not be served as written: the
// validator exits 0, but a request goes to another site. The apply counts them as a refusal.
import type { WebServer } from "../../lib/protocol";

const SHADOWING: Record<WebServer, RegExp[]> = {
  // nginx keeps the first server block for a name and ignores the other.
  nginx: [/[^\n]*\[warn\][^\n]*conflicting server name[^\n]*/g],
  // Apache: two <VirtualHost>s for the same address with the same name: the second never answers.
  apache: [/[^\n]*VirtualHost[^\n]*overlap[^\n]*/g],
  // lighttpd answers a repeated assignment with an error (exit code), not a warning.
  lighttpd: [],
};

/** The validator's lines that mean a site is shadowed by another; empty when there are none. */
export function shadowingWarnings(server: WebServer, output: string): string[] {
  return SHADOWING[server].flatMap((re) => output.match(re) ?? []);
}
