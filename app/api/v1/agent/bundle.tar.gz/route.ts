// GET ?arch=x64: the agent bundle (built agent + native modules) that install.sh and upgrades unpack.
// No login: it is the same code for every host; install.sh checks it against the checksum it was served with.
import { agentBundle, ArchSchema } from "@/lib/agent-dist/agent-bundle";
import { publicHandler } from "@/lib/http/handler";
import { toResponse } from "@/lib/http/to-response";
import { err } from "@/lib/result";

export const GET = publicHandler(async (req) => {
  const arch = ArchSchema.safeParse(new URL(req.url).searchParams.get("arch") ?? process.arch);
  if (!arch.success) return toResponse(err("BAD_REQUEST", "arch must name an architecture as Node does (x64, arm64)."));
  const bundle = await agentBundle(arch.data);
  if (!bundle.ok) return toResponse(bundle);
  return new Response(new Uint8Array(bundle.value.bytes), {
    headers: {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="stoker-agent-${bundle.value.build}-linux-${arch.data}.tar.gz"`,
      "x-stoker-agent-build": bundle.value.build,
      "x-stoker-agent-sha256": bundle.value.sha256,
      "cache-control": "no-store",
    },
  });
});
