/**
 * A server for the HTTP benchmark, in its own process (forked by bench/http.ts with an
 * IPC channel):
 *
 *   node dist/bench/server-child.js warden <data-dir> [config]   the real server (startServer, as `warden serve`)
 *   node dist/bench/server-child.js floor               bare Fastify: parse the JSON body, answer a small object
 *
 * Listens on 127.0.0.1, port 0; sends {url} when ready; closes gracefully on "close"
 * or when the parent goes away.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { loadConfig } from "../src/config.js";
import { startServer } from "../src/server/start.js";

async function floorServer(): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false, bodyLimit: loadConfig().limits.bodyLimitBytes });
  app.post("/v1/classify", async (request) => {
    const body = request.body as { text?: unknown } | null;
    return { ok: true, length: typeof body?.text === "string" ? body.text.length : 0 };
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, url };
}

async function main(): Promise<void> {
  const [kind, dataDir, configPath] = process.argv.slice(2);
  if (!process.send) throw new Error("server-child must be forked with an IPC channel");
  let server: { app: FastifyInstance; url: string };
  if (kind === "warden" && dataDir) {
    server = await startServer({ dataDir, port: 0, host: "127.0.0.1", config: loadConfig(configPath), logger: false });
  } else if (kind === "floor") {
    server = await floorServer();
  } else {
    throw new Error(`usage: server-child.js warden <data-dir> [config] | floor (got ${process.argv.slice(2).join(" ")})`);
  }
  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    server.app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`server-child ${kind}: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("message", (m) => {
    if (m === "close") close();
  });
  process.on("disconnect", close);
  process.send({ type: "ready", url: server.url });
}

main().catch((err: unknown) => {
  process.stderr.write(`server-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
