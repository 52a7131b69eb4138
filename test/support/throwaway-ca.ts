// A throwaway certificate authority made by openssl for TLS tests: a CA and one site certificate
// it signed (subjectAltName = the given DNS name), in a temp dir the caller removes.
import { chmodSync, chownSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "./web-servers";

export type Pki = { caPem: Buffer; certificate: string; key: string };

export async function makeThrowawayPki(dir: string, dnsName: string): Promise<Pki> {
  const f = (n: string) => path.join(dir, n);
  writeFileSync(f("ext.cnf"), `subjectAltName=DNS:${dnsName}\n`);
  const steps = [
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "2", "-subj", "/CN=Stoker throwaway test CA"],
    ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("site.key"), "-out", f("site.csr"), "-subj", `/CN=${dnsName}`],
    ["openssl", "x509", "-req", "-in", f("site.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("site.pem"), "-days", "2", "-extfile", f("ext.cnf")],
  ];
  for (const argv of steps) {
    const r = await run(argv);
    if (r.code !== 0) throw new Error(`${argv.slice(0, 3).join(" ")}: ${r.output}`);
  }
  // lighttpd re-reads the key on a graceful restart, after dropping privileges: the key belongs to
  // the workers' group, as Debian's ssl-cert group arranges it (gid 33 is www-data).
  chownSync(f("site.key"), 0, 33);
  chmodSync(f("site.key"), 0o640);
  return { caPem: readFileSync(f("ca.pem")), certificate: f("site.pem"), key: f("site.key") };
}
