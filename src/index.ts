/**
 * The library API: classify in-process, no server needed.
 *
 *   import { Warden } from "warden";
 *   const w = await Warden.load();
 *   w.classify("you are an idiot"); // { score: 0.97, action: "block", … }
 *   w.classifyMany(texts);          // the same answers for many texts, faster per message
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig, type WardenConfig } from "./config.js";
import { Engine, type Classification, type ClassifyOptions } from "./engine/engine.js";
import { Registry, loadDefaultModel } from "./registry/registry.js";
import { SqliteStore } from "./store/sqlite.js";

export { Engine } from "./engine/engine.js";
export type { Classification, ClassifyOptions } from "./engine/engine.js";
export type { Span } from "./engine/explain.js";
export { WardenError } from "./errors.js";
export { normalize } from "./text/normalize.js";
export { loadConfig, parseConfig, type WardenConfig } from "./config.js";

export interface LoadOptions {
  /** Where the registry lives (default `WARDEN_DATA_DIR` or ./warden-data). */
  readonly dataDir?: string;
  /** A registered model version; default: the champion, else the shipped default model. */
  readonly model?: string;
  /** A config file path or an already parsed config. */
  readonly config?: string | WardenConfig;
}

export function defaultDataDir(): string {
  return resolve(process.env.WARDEN_DATA_DIR ?? "./warden-data");
}

export class Warden {
  private constructor(readonly engine: Engine) {}

  static async load(options: LoadOptions = {}): Promise<Warden> {
    const config = typeof options.config === "object" ? options.config : loadConfig(options.config);
    const dataDir = options.dataDir ? resolve(options.dataDir) : defaultDataDir();
    const dbPath = join(dataDir, "warden.db");
    // Only consult a registry that exists: loading the library must not create files.
    if (!existsSync(dbPath)) {
      if (options.model) throw new Error(`no registry at ${dataDir}: cannot load model ${options.model}.`);
      return new Warden(new Engine(loadDefaultModel(), config.policy));
    }
    const store = new SqliteStore(dbPath);
    try {
      const loaded = await new Registry(store, dataDir).load(options.model);
      return new Warden(new Engine(loaded, config.policy));
    } finally {
      await store.close();
    }
  }

  get version(): string {
    return this.engine.version;
  }

  classify(text: string, options?: ClassifyOptions): Classification {
    return this.engine.classify(text, options);
  }

  /** The answers `classify` gives each text (without explanations), computed as a batch: markedly less CPU per message (docs/benchmarks.md §3). */
  classifyMany(texts: readonly string[]): Classification[] {
    return this.engine.classifyMany(texts);
  }
}
