// A real nginx load balancer on a free 127.0.0.1 port in front of control-plane replicas: one
// upstream with every replica, round robin, no sticky sessions, WebSocket upgrades passed through,
// and a replica that refuses connections skipped for the next (how `API calls fail over after a retry`).
import path from "node:path";
import { type NginxFront, startNginx } from "./nginx-front";

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/;

export function nginxBalancerConfig(prefix: string, port: number, replicas: string[]): string {
  for (const r of replicas) if (!LOOPBACK.test(r)) throw new Error(`Use 127.x.x.x:PORT for a replica, not ${r}`);
  const p = (rel: string) => path.join(prefix, rel);
  const user = process.getuid?.() === 0 ? "user root root;" : "";
  return `${user}
worker_processes 1;
pid ${p("nginx.pid")};
error_log ${p("logs/error.log")} info;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${p("tmp/client")};
  proxy_temp_path ${p("tmp/proxy")};
  fastcgi_temp_path ${p("tmp/fastcgi")};
  uwsgi_temp_path ${p("tmp/uwsgi")};
  scgi_temp_path ${p("tmp/scgi")};
  map $http_upgrade $connection_upgrade { default upgrade; "" close; }
  upstream stoker {
${replicas.map((r) => `    server ${r} max_fails=1 fail_timeout=10s;`).join("\n")}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://stoker;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 300s;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout;
    }
  }
}
`;
}

export function startNginxBalancer(replicas: string[]): Promise<NginxFront> {
  return startNginx((prefix, port) => nginxBalancerConfig(prefix, port, replicas));
}
