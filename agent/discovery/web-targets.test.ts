import { describe, expect, it } from "vitest";
import { apacheTargets } from "./apache-targets";
import { lighttpdTargets } from "./lighttpd-targets";
import { nginxTargets } from "./nginx-targets";
import { normalizeAddress } from "./web-target";

describe("nginx targets", () => {
  it("finds fastcgi_pass with its server's listen, name, location and a literal SCRIPT_FILENAME", () => {
    const text = `
upstream php { server unix:/run/php.sock; }
server {
  listen 127.0.0.1:8080 default_server;
  server_name legacy.test www.legacy.test; # comment { not a block
  root /srv/www;
  location /app/ {
    fastcgi_pass unix:/run/legacy.sock;
    fastcgi_param SCRIPT_FILENAME "/srv/app/index.php";
  }
  location ~ \\.php$ { include fastcgi_params; fastcgi_pass php; }
}
server { server_name _; location / { fastcgi_pass 127.0.0.1:9000; } }`;
    const t = nginxTargets("/etc/nginx/conf.d/x.conf", text);
    expect(t).toEqual([
      expect.objectContaining({ address: "unix:/run/legacy.sock", mount: "/app", serverName: "legacy.test", listen: "127.0.0.1:8080", scriptFilename: "/srv/app/index.php", documentRoot: null, where: "/etc/nginx/conf.d/x.conf:8" }),
      expect.objectContaining({ address: "unix:/run/php.sock", mount: "/", documentRoot: "/srv/www" }),
      expect.objectContaining({ address: "tcp:127.0.0.1:9000", mount: "/", serverName: null, listen: 80 }),
    ]);
  });
});

describe("lighttpd targets", () => {
  it("finds each fastcgi.server prefix with its socket or host and port", () => {
    const text = `# fastcgi.server = ( "/commented" => (( "socket" => "/nope" )) )
$HTTP["host"] == "shop.test" {
  fastcgi.server += ( "/shop" => (( "socket" => "/run/shop.sock", "check-local" => "disable" )),
                      ".php" => (( "host" => "127.0.0.1", "port" => 9001 )) )
}`;
    const t = lighttpdTargets("/etc/lighttpd/conf-enabled/15-x.conf", text, 8081);
    expect(t.map((x) => [x.address, x.mount, x.serverName, x.listen])).toEqual([
      ["unix:/run/shop.sock", "/shop", "shop.test", 8081],
      ["tcp:127.0.0.1:9001", "/", "shop.test", 8081],
    ]);
  });
});

describe("apache targets", () => {
  it("finds ProxyPass, ProxyPassMatch and SetHandler proxy:fcgi targets inside their virtual host", () => {
    const text = `<VirtualHost 127.0.0.1:8082>
  ServerName blog.test
  DocumentRoot /srv/blog
  ProxyPass /api "unix:/run/api.sock|fcgi://localhost/"
  <FilesMatch \\.php$>
    SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"
  </FilesMatch>
  # ProxyPass /old fcgi://127.0.0.1:1/
</VirtualHost>
ProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/var/www/$1`;
    const t = apacheTargets("/etc/apache2/sites-enabled/blog.conf", text);
    expect(t.map((x) => [x.address, x.mount, x.serverName, x.listen, x.documentRoot])).toEqual([
      ["unix:/run/api.sock", "/api", "blog.test", "127.0.0.1:8082", null],
      ["unix:/run/php/php8.2-fpm.sock", "/", "blog.test", "127.0.0.1:8082", "/srv/blog"],
      ["tcp:127.0.0.1:9000", "/", null, 80, null],
    ]);
  });
});

describe("addresses", () => {
  it("puts every spelling in the agent's form and refuses what is not an address", () => {
    expect(normalizeAddress("unix:/run/a.sock")).toBe("unix:/run/a.sock");
    expect(normalizeAddress("localhost:9000")).toBe("tcp:127.0.0.1:9000");
    expect(normalizeAddress("[::1]:9000")).toBe("tcp:[::1]:9000");
    expect(normalizeAddress("$upstream")).toBeNull();
    expect(normalizeAddress("php_backend")).toBeNull();
  });
});
