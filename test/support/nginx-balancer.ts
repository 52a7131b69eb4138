// A real nginx load balancer on a free 127.0.0.1 port in front of control-plane replicas: one
// upstream with every replica, round robin, no sticky sessions, WebSocket upgrades passed through,
// and a replica that refuses connections skipped for the next (how `API calls fail over after a retry`).
import { type NginxFront, nginxMainConfig, startNginx } from "./nginx-front";

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/;

export function nginxBalancerConfig(prefix: string, port: number, replicas: string[]): string {
  for (const r of replicas) if (!LOOPBACK.test(r)) throw new Error(`Use 127.x.x.x:PORT for a replica, not ${r}`);
  return nginxMainConfig(
    prefix,
    1,
    `  map $http_upgrade $connection_upgrade { default upgrade; "" close; }
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
  }`,
  );
}

export function startNginxBalancer(replicas: string[]): Promise<NginxFront> {
  return startNginx((prefix, port) => nginxBalancerConfig(prefix, port, replicas));
}
