"use client";
// My second factor: enrol (QR code and the key to type by hand, confirmed with a first code), the ten
// recovery codes shown once (copy or download), and disable (password and a code, confirmed).
import { Copy, Download } from "lucide-react";
import { useCallback, useEffect, useState } from "react";
import { toast } from "sonner";
import { api } from "../api-client";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";

type Status = { enrolled: boolean; pending: boolean; required: boolean; recoveryCodesLeft: number; passwordAccount: boolean };
type Enrolment = { secret: string; otpauthUri: string; qrSvg: string };

const input = "mt-0.5 block h-8 w-64 rounded-md border border-line bg-surface px-2 text-sm text-ink outline-none focus:border-accent";

export function TwoFactorView({ onEnrolled }: { onEnrolled?: () => void }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    const r = await api<Status>("/auth/totp");
    if (r.ok) setStatus(r.value);
  }, []);
  useEffect(() => void load(), [load]);

  const start = async () => {
    setBusy(true);
    const r = await api<Enrolment>("/auth/totp/enrol", { method: "POST" });
    setBusy(false);
    if (!r.ok) return toast.error("Could not start", { description: r.error.message });
    setEnrolment(r.value);
  };
  const confirm = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget).get("code") ?? "");
    setBusy(true);
    const r = await api<{ recoveryCodes: string[] }>("/auth/totp/confirm", { method: "POST", body: { code } });
    setBusy(false);
    if (!r.ok) return toast.error("Not enrolled", { description: r.error.message });
    setEnrolment(null);
    setCodes(r.value.recoveryCodes);
    void load();
  };
  const [disableForm, setDisableForm] = useState<{ password: string; code: string }>({ password: "", code: "" });
  const disable = async () => {
    const r = await api("/auth/totp/disable", { method: "POST", body: disableForm });
    if (!r.ok) return toast.error("Still enabled", { description: r.error.message });
    toast.success("Two-factor sign-in is off");
    setDisableForm({ password: "", code: "" });
    void load();
  };

  if (!status) return <p className="text-muted">Loading…</p>;
  if (!status.passwordAccount) {
    return <p className="text-muted">This account signs in through single sign-on: your identity provider asks for the second factor.</p>;
  }
  if (codes) {
    const text = `Stoker recovery codes (each works once)\n${codes.join("\n")}\n`;
    return (
      <section className="space-y-3 rounded-lg border border-line bg-panel p-4" aria-labelledby="codes-title">
        <h2 id="codes-title" className="font-semibold">Save your recovery codes</h2>
        <p className="text-xs text-muted">Each code signs you in once if you lose your device. They are shown only now.</p>
        <ul className="grid w-72 grid-cols-2 gap-1 rounded-md bg-surface p-3 font-mono text-sm" data-testid="recovery-codes">
          {codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <div className="flex gap-2">
          <Button onClick={() => void navigator.clipboard.writeText(text).then(() => toast.success("Copied"))}>
            <Copy className="size-3.5" aria-hidden /> Copy
          </Button>
          <Button onClick={() => download(text)}>
            <Download className="size-3.5" aria-hidden /> Download
          </Button>
          <Button
            variant="primary"
            onClick={() => {
              setCodes(null);
              onEnrolled?.();
            }}
          >
            I saved them
          </Button>
        </div>
      </section>
    );
  }
  if (status.enrolled) {
    return (
      <section className="space-y-2 rounded-lg border border-line bg-panel p-4">
        <h2 className="font-semibold">Two-factor sign-in is on</h2>
        <p className="text-xs text-muted">
          You sign in with your password and a code from your authenticator app. {status.recoveryCodesLeft} of 10 recovery codes left.
          {status.required ? " The owner requires it for your role." : ""}
        </p>
        <label className="block text-xs text-muted">
          Password
          <input type="password" autoComplete="current-password" value={disableForm.password} onChange={(e) => setDisableForm({ ...disableForm, password: e.target.value })} className={input} />
        </label>
        <label className="block text-xs text-muted">
          Code from your app, or a recovery code
          <input inputMode="numeric" autoComplete="one-time-code" value={disableForm.code} onChange={(e) => setDisableForm({ ...disableForm, code: e.target.value })} className={input} />
        </label>
        <ConfirmDialog
          title="Turn two-factor sign-in off?"
          description={status.required ? "The owner requires it for your role: you will have to enrol again before you can do anything else." : "Your password alone will sign you in."}
          confirmLabel="Turn off"
          onConfirm={() => void disable()}
          trigger={
            <Button variant="danger" disabled={!disableForm.password || !disableForm.code}>
              Turn off
            </Button>
          }
        />
      </section>
    );
  }
  return (
    <section className="space-y-3 rounded-lg border border-line bg-panel p-4">
      <h2 className="font-semibold">Two-factor sign-in</h2>
      {status.required && (
        <p role="alert" className="rounded-md bg-amber-50 px-2.5 py-1.5 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          The owner requires a second factor for your role. Set it up to continue.
        </p>
      )}
      {!enrolment ? (
        <>
          <p className="text-xs text-muted">Sign in with your password and a code from an authenticator app (TOTP).</p>
          <Button variant="primary" onClick={start} busy={busy}>
            Set up an authenticator app
          </Button>
        </>
      ) : (
        <form onSubmit={confirm} className="space-y-3">
          <p className="text-xs text-muted">Scan this code with your authenticator app, or type the key by hand.</p>
          {/* The SVG comes from our own server (qrcode), shown as an image so no markup of it runs in the page. */}
          {/* biome-ignore lint/performance/noImgElement: a data: URL made here; next/image has nothing to optimize */}
          <img src={`data:image/svg+xml;utf8,${encodeURIComponent(enrolment.qrSvg)}`} alt="QR code for your authenticator app" className="size-44 rounded-md bg-white p-1" />
          <p className="text-xs">
            Key: <code className="select-all rounded bg-surface px-1 font-mono" data-testid="totp-secret">{enrolment.secret}</code>
          </p>
          <label className="block text-xs text-muted">
            The 6-digit code your app shows now
            <input name="code" required inputMode="numeric" pattern="\d{6}" autoComplete="one-time-code" className={input} />
          </label>
          <Button type="submit" variant="primary" busy={busy}>
            Confirm and turn on
          </Button>
        </form>
      )}
    </section>
  );
}

function download(text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = "stoker-recovery-codes.txt";
  a.click();
  URL.revokeObjectURL(url);
}
