/**
 * Keep serving the registry's champion: every second, compare the champion in the
 * store with the engine being served and swap in the new one when they differ. This is
 * how a promotion made on another replica, or with the CLI, reaches this server.
 */
import { referenceOf, type ServerContext } from "./app.js";

/** Load `version` beside the current engine, then swap it in atomically; monitoring compares with the new model's reference. */
export async function serveVersion(ctx: Pick<ServerContext, "loadEngine" | "slot" | "metrics" | "monitor" | "registry">, version: string): Promise<void> {
  const next = await ctx.slot.replace(version, ctx.loadEngine);
  ctx.metrics.setModel(next.version);
  const reference = referenceOf(ctx.registry, next.version);
  ctx.monitor.setReference(reference, reference ? "model" : "none");
}

export function followChampion(ctx: ServerContext, everyMs = 1000): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        const champion = await ctx.registry.championVersion();
        if (champion && champion !== ctx.slot.current.version) await serveVersion(ctx, champion);
      } catch (err) {
        // A champion that cannot be loaded here keeps the current one serving; retried next tick.
        ctx.metrics.championSyncErrors.inc();
        process.emitWarning(`champion sync: ${(err as Error).message}`);
      } finally {
        busy = false;
      }
    })();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
