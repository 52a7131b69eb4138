// A 302 with any number of Set-Cookie headers (the SSO routes answer with these, not JSON).
export function redirectResponse(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ location, "cache-control": "no-store" });
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(null, { status: 302, headers });
}
