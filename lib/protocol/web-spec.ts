// The `web` part of an app spec: which web server fronts the app, on which name/port and mount.
// Every field has a narrow grammar so that no value can break out of its place in an nginx,
// lighttpd or Apache config (no quotes, braces, `;`, `#`, `$`, spaces, control chars or `..`).
import * as z from "zod";

const FORBIDDEN_HINT = "no quotes, spaces, braces, ; # $ or control characters";

/** One DNS label: letters, digits and inner dashes (RFC 1123), lowercase so every server matches it the same way. */
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

export const ServerNameSchema = z
  .string({ error: "web.serverName is required: give the host name the site answers to, e.g. example.com." })
  .max(253, "web.serverName is too long: a host name has at most 253 characters.")
  .regex(
    HOSTNAME,
    `web.serverName must be a lowercase host name such as example.com (letters, digits, - and . only; ${FORBIDDEN_HINT}).`,
  );

const IPV4_OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const LISTEN_ADDR = new RegExp(`^(${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}):(\\d{1,5})$`);

export const ListenSchema = z.union(
  [
    z
      .number()
      .int("web.listen must be a whole port number such as 80.")
      .min(1, "web.listen must be a port between 1 and 65535.")
      .max(65535, "web.listen must be a port between 1 and 65535."),
    z
      .string()
      .regex(LISTEN_ADDR, {
        message: `web.listen must be a port (80) or an IPv4 address and port such as 127.0.0.1:8080 (${FORBIDDEN_HINT}).`,
        abort: true,
      })
      .refine((v) => {
        const port = Number(v.slice(v.lastIndexOf(":") + 1));
        return port >= 1 && port <= 65535;
      }, "web.listen: the port after ':' must be between 1 and 65535."),
  ],
  { error: "web.listen must be a port number (80) or an address such as 127.0.0.1:8080." },
);

/** URL path segments: unreserved characters only, so a path is also a literal in every regex we emit. */
const URL_PATH = /^\/(?:[A-Za-z0-9._~-]+\/?)*$/;

function urlPathSchema(field: string) {
  return z
    .string({ error: `${field} is required: give a URL path such as /yourapplication.` })
    .max(256, `${field} is too long: use at most 256 characters.`)
    .regex(URL_PATH, {
      message: `${field} must be a URL path such as /yourapplication: segments of letters, digits and . _ ~ - separated by single / (${FORBIDDEN_HINT}).`,
      abort: true,
    })
    .refine(
      (p) => !p.split("/").some((s) => s === "." || s === ".."),
      `${field} may not contain '.' or '..' segments: write the path it means directly.`,
    )
    .transform((p) => (p.length > 1 ? p.replace(/\/+$/, "") : p)); // "/app/" and "/app" are the same mount
}

export const MountSchema = urlPathSchema("web.mount");

/** An absolute directory: the same characters as AbsPathSchema, with no empty, `.` or `..` segments. */
function dirSchema(field: string) {
  return z
    .string({ error: `${field} is required: give the absolute directory that holds the files.` })
    .max(1024, `${field} is too long: use at most 1024 characters.`)
    .regex(/^\/[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*\/?$/, {
      message: `${field} must be an absolute directory such as /srv/hello/static (letters, digits and . _ @ + - between single slashes; ${FORBIDDEN_HINT}).`,
      abort: true,
    })
    .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), `${field} may not contain '.' or '..' segments: write the real directory.`)
    .transform((p) => p.replace(/\/+$/, ""));
}
export const StaticDirSchema = dirSchema("web.static[].dir");

export const StaticMapSchema = z.strictObject({
  url: urlPathSchema("web.static[].url").refine((u) => u !== "/", "web.static[].url cannot be /: that would hide the app; use a prefix such as /static."),
  dir: StaticDirSchema,
});
export type StaticMap = z.infer<typeof StaticMapSchema>;

/** nginx-style size: digits and an optional k/m/g unit, e.g. 10m. */
export const BodySizeSchema = z
  .string()
  .regex(/^[1-9]\d{0,6}[kmg]?$/, {
    message: "web.extra.clientMaxBodySize must be a size such as 512k, 10m or 1g (digits and an optional k, m or g).",
    abort: true,
  })
  .refine((s) => sizeToBytes(s) <= 64 * 1024 ** 3, "web.extra.clientMaxBodySize may be at most 64g.");

/** nginx-style buffer size for response headers: digits and an optional k, between 4k and 1m. */
export const HeaderBufferSchema = z
  .string()
  .regex(/^[1-9]\d{0,6}[km]?$/, {
    message: "web.extra.headerBufferSize must be a size such as 32k or 64k (digits and an optional k or m).",
    abort: true,
  })
  .refine((s) => sizeToBytes(s) >= 4096 && sizeToBytes(s) <= 1024 ** 2, "web.extra.headerBufferSize must be between 4k and 1m.");

/**
 * Defaults applied when a spec sets none, the same on all three servers (each server's own
 * defaults differ: nginx refuses bodies over 1m and response headers over ~4k, the others not).
 */
export const WEB_DEFAULTS = { clientMaxBodySize: "10m", headerBufferSize: "32k" } as const;

export const WebExtraSchema = z.strictObject({
  clientMaxBodySize: BodySizeSchema.optional(),
  headerBufferSize: HeaderBufferSchema.optional(),
  readTimeoutS: z
    .number({ error: "web.extra.readTimeoutS must be a number of seconds, e.g. 60." })
    .int("web.extra.readTimeoutS must be a whole number of seconds.")
    .min(1, "web.extra.readTimeoutS must be at least 1 second.")
    .max(86_400, "web.extra.readTimeoutS may be at most 86400 seconds (one day)."),
}).partial();

/** An absolute file path (certificate, key) with the same safe characters as a static dir. */
function filePathSchema(field: string) {
  return z
    .string({ error: `${field} is required: give an absolute file path.` })
    .max(1024, `${field} is too long: use at most 1024 characters.`)
    .regex(/^\/[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*$/, {
      message: `${field} must be an absolute file path such as /etc/ssl/example.pem (letters, digits and . _ @ + - between single slashes; ${FORBIDDEN_HINT}).`,
      abort: true,
    })
    .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), `${field} may not contain '.' or '..' segments.`);
}

/** Obtain the certificate from an ACME CA (certbot, webroot mode) instead of naming files. */
export const AcmeSpecSchema = z.strictObject({
  email: z.email({ error: "web.tls.acme.email must be an email address such as admin@example.com." }).max(254).optional(),
  directory: z
    .url({ protocol: /^https$/, error: "web.tls.acme.directory must be the https URL of an ACME directory." })
    .max(1024)
    // Passed as one argv element (never a shell); still, a URL has no spaces or quotes.
    .regex(/^https:\/\/[^\s"'\\<>]+$/, "web.tls.acme.directory must be a URL without spaces or quotes.")
    .optional(),
});
export type AcmeSpec = z.infer<typeof AcmeSpecSchema>;

export const TlsSpecSchema = z.strictObject({
  certificate: filePathSchema("web.tls.certificate").optional(),
  key: filePathSchema("web.tls.key").optional(),
  /** Instead of certificate + key: the agent obtains them over ACME HTTP-01 on redirectFrom. */
  acme: AcmeSpecSchema.optional(),
  /** A plain-HTTP port (usually 80) on the same address that answers with a redirect to https. */
  redirectFrom: z
    .number({ error: "web.tls.redirectFrom must be a port number such as 80." })
    .int("web.tls.redirectFrom must be a whole port number such as 80.")
    .min(1, "web.tls.redirectFrom must be a port between 1 and 65535.")
    .max(65535, "web.tls.redirectFrom must be a port between 1 and 65535.")
    .optional(),
  /** Strict-Transport-Security: browsers use https only for this long (seconds). */
  hsts: z
    .strictObject({
      maxAgeS: z
        .number({ error: "web.tls.hsts.maxAgeS must be a number of seconds, e.g. 31536000." })
        .int("web.tls.hsts.maxAgeS must be a whole number of seconds.")
        .min(0, "web.tls.hsts.maxAgeS cannot be negative.")
        .max(63_072_000, "web.tls.hsts.maxAgeS may be at most 63072000 (two years)."),
      includeSubdomains: z.boolean().default(false),
    })
    .optional(),
});
export type TlsSpec = z.infer<typeof TlsSpecSchema>;

export const WebServerSchema = z.enum(["nginx", "lighttpd", "apache"], {
  error: "web.server must be one of nginx, lighttpd or apache.",
});
export type WebServer = z.infer<typeof WebServerSchema>;

export const WebSpecSchema = z
  .strictObject({
    server: WebServerSchema,
    serverName: ServerNameSchema,
    listen: ListenSchema.default(80),
    mount: MountSchema.default("/"),
    static: z.array(StaticMapSchema).max(32, "web.static: at most 32 static directories.").default([]),
    extra: WebExtraSchema.default({}),
    /** PHP hosting: files under it are served by the web server, `.php` files run through the app. */
    documentRoot: dirSchema("web.documentRoot").optional(),
    /** With documentRoot: a path that names no file goes to this script, e.g. /index.php. */
    frontController: urlPathSchema("web.frontController").optional(),
    tls: TlsSpecSchema.optional(),
  })
  .superRefine((w, ctx) => {
    if (w.frontController !== undefined) {
      if (w.documentRoot === undefined) {
        ctx.addIssue({ code: "custom", path: ["frontController"], message: "web.frontController needs web.documentRoot: the directory the script lives in." });
      }
      if (!w.frontController.endsWith(".php")) {
        ctx.addIssue({ code: "custom", path: ["frontController"], message: "web.frontController must name a .php script such as /index.php." });
      }
      if (w.mount !== "/" && !w.frontController.startsWith(`${w.mount}/`)) {
        ctx.addIssue({ code: "custom", path: ["frontController"], message: `web.frontController is a URL path inside the mount: start it with ${w.mount}/ (e.g. ${w.mount}/index.php).` });
      }
    }
    if (w.tls) {
      const files = w.tls.certificate !== undefined || w.tls.key !== undefined;
      if (w.tls.acme && files) {
        ctx.addIssue({ code: "custom", path: ["tls", "acme"], message: "web.tls: give either acme or certificate + key, not both." });
      } else if (!w.tls.acme && (w.tls.certificate === undefined || w.tls.key === undefined)) {
        ctx.addIssue({ code: "custom", path: ["tls"], message: "web.tls needs certificate and key (absolute file paths), or acme: {} to obtain them." });
      }
      if (w.tls.acme && w.tls.redirectFrom === undefined) {
        // HTTP-01: the CA fetches the challenge over plain HTTP, which only redirectFrom serves.
        ctx.addIssue({ code: "custom", path: ["tls", "redirectFrom"], message: "web.tls.acme needs web.tls.redirectFrom (usually 80): the CA checks the challenge over plain HTTP there." });
      }
    }
    if (w.tls?.redirectFrom !== undefined && w.tls.redirectFrom === listenParts(w.listen).port) {
      ctx.addIssue({ code: "custom", path: ["tls", "redirectFrom"], message: "web.tls.redirectFrom must be another port than web.listen (e.g. 80 when listening on 443)." });
    }
    const seen = new Set<string>();
    w.static.forEach((s, i) => {
      if (seen.has(s.url)) {
        ctx.addIssue({ code: "custom", path: ["static", i, "url"], message: `web.static[${i}].url repeats ${s.url}: give each URL prefix once.` });
      }
      seen.add(s.url);
      if (s.url === w.mount) {
        ctx.addIssue({ code: "custom", path: ["static", i, "url"], message: `web.static[${i}].url equals web.mount: the static files would hide the app; pick another prefix.` });
      }
    });
  });
export type WebSpec = z.infer<typeof WebSpecSchema>;
export type WebSpecInput = z.input<typeof WebSpecSchema>;

/** "10m" → 10485760. Sizes are validated by BodySizeSchema first. */
export function sizeToBytes(size: string): number {
  const unit = size.at(-1);
  const n = Number.parseInt(size, 10);
  if (unit === "k") return n * 1024;
  if (unit === "m") return n * 1024 ** 2;
  if (unit === "g") return n * 1024 ** 3;
  return n;
}

/** Splits `listen` into the address (null = all) and the port. */
export function listenParts(listen: WebSpec["listen"]): { host: string | null; port: number } {
  if (typeof listen === "number") return { host: null, port: listen };
  const i = listen.lastIndexOf(":");
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}
