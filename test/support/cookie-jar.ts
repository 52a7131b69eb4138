// A browser's cookie handling, as much as a redirect-following test needs: per origin, path-scoped,
// Max-Age=0 deletes. Lets fetch walk a login across two servers like a browser would.
export class CookieJar {
  private cookies = new Map<string, { origin: string; name: string; value: string; path: string }>();

  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(";").map((p) => p.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (n: string) => attrs.find((a) => a.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
      const path = attr("path") ?? "/";
      const key = `${url.origin} ${name} ${path}`;
      const expires = attr("expires");
      if (attr("max-age") === "0" || (expires && new Date(expires) < new Date()) || value === "") this.cookies.delete(key);
      else this.cookies.set(key, { origin: url.origin, name, value, path });
    }
  }

  header(url: URL): string {
    return [...this.cookies.values()]
      .filter((c) => c.origin === url.origin && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }

  get(origin: string, name: string): string | undefined {
    return [...this.cookies.values()].find((c) => c.origin === origin && c.name === name)?.value;
  }

  set(origin: string, name: string, value: string, path: string): void {
    this.cookies.set(`${origin} ${name} ${path}`, { origin, name, value, path });
  }
}
