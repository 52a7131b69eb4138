// The text of a raw message as an SMTP server received it: the body after the headers, with
// quoted-printable undone (nodemailer wraps lines over 76 characters with soft breaks).
export function mailText(raw: string): string {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? "" : raw.slice(0, at);
  const body = at < 0 ? raw : raw.slice(at).replace(/^\r?\n\r?\n/, "");
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(head)) return body.replace(/\r\n/g, "\n");
  const bytes = body.replace(/=\r?\n/g, "").replace(/\r\n/g, "\n");
  return Buffer.from(bytes.replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))), "latin1").toString("utf8");
}
