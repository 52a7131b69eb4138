// Read by `next build` and again at start. STOKER_BASE_PATH must match between the two
// (server.ts checks it); '' serves the dashboard at the root.
const basePath = process.env.STOKER_BASE_PATH ?? "";

/** @type {import('next').NextConfig} */
export default {
  basePath,
  // A separate build directory lets a sub-path build sit beside the root one (tests, staging).
  distDir: process.env.STOKER_DIST_DIR || ".next",
  env: { NEXT_PUBLIC_BASE_PATH: basePath },
  poweredByHeader: false,
  // Native and Node-only modules stay outside the bundle.
  serverExternalPackages: ["better-sqlite3", "@node-rs/argon2", "koffi", "@prisma/adapter-better-sqlite3", "pg", "@prisma/adapter-pg"],
  typescript: { ignoreBuildErrors: true }, // `npm run typecheck` is the one type gate
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
          {
            key: "Content-Security-Policy",
            value:
              "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
          },
        ],
      },
    ];
  },
};
