// The centred card of the login and setup pages.
export function AuthCard({ title, subtitle, children }: { title: string; subtitle: string; children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-lg border border-line bg-panel p-6 shadow-sm">
        <div className="mb-1 flex items-center gap-2 font-semibold">
          <span className="inline-block size-3 rounded-sm bg-accent" aria-hidden /> Stoker
        </div>
        <h1 className="text-lg font-semibold">{title}</h1>
        <p className="mb-4 text-muted">{subtitle}</p>
        {children}
      </div>
    </main>
  );
}
