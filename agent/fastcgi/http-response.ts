// Turns a FastCGI responder's stdout (CGI headers + body) into status, headers and body.
export type CgiResponse = { status: number; headers: Record<string, string>; body: Buffer };

export function parseCgiResponse(stdout: Buffer): CgiResponse {
  let end = stdout.indexOf("\r\n\r\n");
  let sepLength = 4;
  if (end < 0) {
    end = stdout.indexOf("\n\n");
    sepLength = 2;
  }
  if (end < 0) return { status: 502, headers: {}, body: stdout };
  const headers: Record<string, string> = {};
  for (const line of stdout.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const status = headers.status ? Number.parseInt(headers.status, 10) : headers.location ? 302 : 200;
  return { status: Number.isFinite(status) ? status : 502, headers, body: stdout.subarray(end + sepLength) };
}

/** The CGI variables a web server would send for `method path?query` to an app mounted at the root. */
export function cgiParams(opts: {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  bodyLength?: number;
  extra?: Record<string, string>;
}): Record<string, string> {
  const params: Record<string, string> = {
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_SOFTWARE: "stoker",
    SERVER_PROTOCOL: "HTTP/1.1",
    SERVER_NAME: "localhost",
    SERVER_PORT: "80",
    REMOTE_ADDR: "127.0.0.1",
    REQUEST_METHOD: opts.method,
    SCRIPT_NAME: "",
    PATH_INFO: opts.path,
    QUERY_STRING: opts.query ?? "",
    REQUEST_URI: opts.query ? `${opts.path}?${opts.query}` : opts.path,
    DOCUMENT_URI: opts.path,
    CONTENT_LENGTH: String(opts.bodyLength ?? 0),
    ...opts.extra,
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    const key = name.toUpperCase().replace(/-/g, "_");
    if (key === "CONTENT_TYPE") params.CONTENT_TYPE = value;
    else params[`HTTP_${key}`] = value;
  }
  return params;
}
