/**
 * A small, real trained model for tests that must not depend on ../shared/data.
 *
 * writeFixtureDataset(dir) writes a folder of dataset folders (train.jsonl, test.jsonl)
 * with a datasets.json catalogue, generated from templates: insults vs friendly words
 * in six languages (task "abusive"), plus small "hate" and "spam" sets (whose
 * negatives include the friendly lines). About 650 lines in all. No randomness:
 * the same call writes the same bytes.
 *
 * trainFixtureModel(dir) reads that data through the real data path, trains with the
 * real pipeline (bits 16, 3 epochs) and writes a real artifact.
 *
 * startTestServer(opts) serves the fixture model from a temporary data dir, exactly as
 * `warden serve` wires it (store, registry, champion, engine, Fastify app).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { parseConfig, type WardenConfig } from "../../src/config.js";
import { readExamples, resolveDatasets } from "../../src/data/datasets.js";
import { deserializeModel, serializeModel, sha256Hex } from "../../src/model/artifact.js";
import type { ScoreProfile } from "../../src/model/profile.js";
import { profileOf } from "../../src/pipeline/steps/profile.js";
import { trainModel } from "../../src/pipeline/train.js";
import { Registry, versioned, versionOf } from "../../src/registry/registry.js";
import { Engine } from "../../src/engine/engine.js";
import { EngineSlot, buildServer, type ServerContext } from "../../src/server/app.js";
import { engineLoader } from "../../src/server/start.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/types.js";

/** A fixture text the model learns as abusive (English). */
export const FIXTURE_INSULT = "shut up you stupid idiot";
/** A fixture text the model learns as friendly (English). */
export const FIXTURE_FRIENDLY = "thank you, that was so kind and helpful";

interface LanguageTemplates {
  readonly insults: readonly string[];
  readonly friendly: readonly string[];
  /** Abusive templates; `{w}` takes an insult. */
  readonly abusive: readonly string[];
  /** Friendly templates; `{w}` takes a friendly word. */
  readonly kind: readonly string[];
}

const ABUSE: Record<string, LanguageTemplates> = {
  en: {
    insults: ["idiot", "moron", "stupid", "loser", "scumbag", "pathetic"],
    friendly: ["kind", "lovely", "wonderful", "brilliant", "helpful", "thoughtful"],
    abusive: ["you are a {w}", "shut up you {w}", "what a {w}, get lost", "nobody likes you, {w}"],
    kind: ["you are so {w}", "thank you, that was {w}", "what a {w} day, cheers", "everyone likes you, you are {w}"],
  },
  de: {
    insults: ["idiot", "trottel", "vollidiot", "depp", "penner", "arschloch"],
    friendly: ["nett", "lieb", "wunderbar", "toll", "hilfreich", "freundlich"],
    abusive: ["du bist ein {w}", "halt die klappe du {w}", "was für ein {w}, verschwinde", "niemand mag dich, {w}"],
    kind: ["du bist so {w}", "danke, das war {w}", "das war wirklich {w}, prost", "alle mögen dich, du bist {w}"],
  },
  es: {
    insults: ["idiota", "imbécil", "estúpido", "tonto", "basura", "perdedor"],
    friendly: ["amable", "encantador", "maravilloso", "genial", "útil", "simpático"],
    abusive: ["eres un {w}", "cállate {w}", "qué {w} eres, lárgate", "nadie te quiere, {w}"],
    kind: ["eres muy {w}", "gracias, eso fue {w}", "qué día tan {w}, saludos", "todos te quieren, eres {w}"],
  },
  fr: {
    insults: ["idiot", "crétin", "imbécile", "abruti", "connard", "minable"],
    friendly: ["gentil", "adorable", "merveilleux", "génial", "serviable", "sympathique"],
    abusive: ["tu es un {w}", "tais-toi espèce de {w}", "quel {w}, dégage", "personne ne t'aime, {w}"],
    kind: ["tu es très {w}", "merci, c'était {w}", "une journée {w}, bisous", "tout le monde t'aime, tu es {w}"],
  },
  tr: {
    insults: ["aptal", "salak", "gerizekalı", "ahmak", "şerefsiz", "ezik"],
    friendly: ["nazik", "harika", "tatlı", "güzel", "yardımsever", "sevimli"],
    abusive: ["sen tam bir {w}", "kapa çeneni {w}", "ne kadar {w} birisin, defol", "kimse seni sevmiyor {w}"],
    kind: ["sen çok {w} birisin", "teşekkürler, çok {w}", "ne {w} bir gün", "herkes seni seviyor, çok {w}"],
  },
  ru: {
    insults: ["идиот", "дурак", "тупица", "придурок", "урод", "ничтожество"],
    friendly: ["добрый", "милый", "замечательный", "прекрасный", "отзывчивый", "славный"],
    abusive: ["ты {w}", "заткнись, {w}", "какой же ты {w}, проваливай", "никто тебя не любит, {w}"],
    kind: ["ты очень {w}", "спасибо, ты такой {w}", "какой {w} день", "все тебя любят, ты {w}"],
  },
};

const HATE: Record<string, { groups: readonly string[]; hateful: readonly string[]; respectful: readonly string[] }> = {
  en: {
    groups: ["immigrants", "foreigners", "refugees", "minorities"],
    hateful: ["all {g} are vermin", "{g} should be driven out", "we must get rid of the {g}"],
    respectful: ["{g} are welcome here", "we stand with {g}", "{g} are our neighbours"],
  },
  es: {
    groups: ["inmigrantes", "extranjeros", "refugiados", "minorías"],
    hateful: ["todos los {g} son alimañas", "hay que echar a los {g}", "debemos librarnos de los {g}"],
    respectful: ["los {g} son bienvenidos aquí", "estamos con los {g}", "los {g} son nuestros vecinos"],
  },
};

const SPAM = {
  products: ["pills", "loans", "crypto", "watches", "followers", "casino bonus"],
  topics: ["budget", "project", "garden", "school", "football", "recipe"],
  spam: ["buy cheap {p} now at www.deals.example", "click here for free {p}!!!", "limited offer: {p} 90% off, act now"],
  ham: ["can we meet tomorrow about the {p}", "the {p} meeting moved to friday", "did you read the {p} notes"],
};

interface Line {
  readonly text: string;
  readonly label: 0 | 1;
  readonly lang: string;
}

function fill(templates: readonly string[], slot: string, words: readonly string[], label: 0 | 1, lang: string): Line[] {
  return templates.flatMap((t) => words.map((w) => ({ text: t.replace(slot, w), label, lang })));
}

function abuseLines(): Line[] {
  return Object.entries(ABUSE).flatMap(([lang, t]) => [...fill(t.abusive, "{w}", t.insults, 1, lang), ...fill(t.kind, "{w}", t.friendly, 0, lang)]);
}

/** Friendly lines in every language: negatives for the hate and spam heads too. */
function friendlyLines(): Line[] {
  return Object.entries(ABUSE).flatMap(([lang, t]) => fill(t.kind, "{w}", t.friendly, 0, lang));
}

function hateLines(): Line[] {
  return [
    ...Object.entries(HATE).flatMap(([lang, t]) => [...fill(t.hateful, "{g}", t.groups, 1, lang), ...fill(t.respectful, "{g}", t.groups, 0, lang)]),
    ...friendlyLines(),
  ];
}

function spamLines(): Line[] {
  return [...fill(SPAM.spam, "{p}", SPAM.products, 1, "en"), ...fill(SPAM.ham, "{p}", SPAM.topics, 0, "en"), ...friendlyLines()];
}

export const FIXTURE_DATASETS = {
  fixture_abuse: { task: "abusive", licence: "CC0-1.0", commercial_use: true, lines: abuseLines },
  fixture_hate: { task: "hate", licence: "CC0-1.0", commercial_use: true, lines: hateLines },
  fixture_spam: { task: "spam", licence: "CC0-1.0", commercial_use: true, lines: spamLines },
} as const;

const jsonl = (lines: readonly Line[]): string => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";

/**
 * Write the fixture datasets under `dir` (a folder of dataset folders plus
 * datasets.json) and return `dir`. Every fifth line goes to test.jsonl.
 */
export function writeFixtureDataset(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const catalogue: Record<string, { task: string; licence: string; commercial_use: boolean }> = {};
  for (const [name, d] of Object.entries(FIXTURE_DATASETS)) {
    const lines = d.lines();
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, "train.jsonl"), jsonl(lines.filter((_, i) => i % 5 !== 4)));
    writeFileSync(join(dir, name, "test.jsonl"), jsonl(lines.filter((_, i) => i % 5 === 4)));
    catalogue[name] = { task: d.task, licence: d.licence, commercial_use: d.commercial_use };
  }
  writeFileSync(join(dir, "datasets.json"), JSON.stringify(catalogue, null, 2) + "\n");
  return dir;
}

export interface FixtureModelOptions {
  /** Training seed (default 1); another seed gives another model version. */
  readonly seed?: number;
  /** Feature hash bits (default 16). */
  readonly bits?: number;
  /** With a cascade second stage (bits + 1, character n-grams up to 6). */
  readonly stage2?: boolean;
}

export interface FixtureModel {
  readonly artifactPath: string;
  readonly artifact: Buffer;
  readonly sha256: string;
  /** The version the registry gives this artifact. */
  readonly version: string;
}

const trained = new Map<string, Buffer>();

/** The artifact bytes for these options (trained once per process, then reused). */
export function fixtureArtifact(options: FixtureModelOptions = {}): Buffer {
  const seed = options.seed ?? 1;
  const bits = options.bits ?? 16;
  const key = `${seed}/${bits}${options.stage2 ? "/stage2" : ""}`;
  const cached = trained.get(key);
  if (cached) return cached;
  const dataDir = mkdtempSync(join(tmpdir(), "warden-fixture-data-"));
  try {
    writeFixtureDataset(dataDir);
    const stage2 = options.stage2 ? { stage2: { features: { bits: bits + 1, charMax: 6 }, share: 0.3 } } : {};
    const config = parseConfig({ training: { features: { bits }, epochs: 3, seed, ...stage2 } });
    const examples = resolveDatasets([dataDir], "train").flatMap((f) => readExamples(f));
    const result = trainModel(examples, config.training);
    const artifact = serializeModel(result.model, { fixture: true, training: config.training, validation: result.validation });
    trained.set(key, artifact);
    return artifact;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Train (or reuse) the fixture model and write its artifact under `dir`. */
export async function trainFixtureModel(dir: string, options: FixtureModelOptions = {}): Promise<FixtureModel> {
  const artifact = fixtureArtifact(options);
  const sha256 = sha256Hex(artifact);
  mkdirSync(dir, { recursive: true });
  const artifactPath = join(dir, `fixture-${options.seed ?? 1}-${options.bits ?? 16}${options.stage2 ? "-stage2" : ""}.wdn`);
  writeFileSync(artifactPath, artifact);
  return { artifactPath, artifact, sha256, version: versionOf(sha256) };
}

/** What the pipeline keeps beside a model, for the fixture: its scores on the fixture's test lines (every fifth), counted. */
export function fixtureProfile(artifact: Buffer): ScoreProfile {
  const engine = new Engine(versioned(deserializeModel(artifact, "fixture")), parseConfig({}).policy);
  const rows = Object.values(FIXTURE_DATASETS).flatMap((d) => d.lines().filter((_, i) => i % 5 === 4).map((l) => ({ text: l.text, label: l.label, dataset: "fixture", task: d.task })));
  return profileOf(engine, rows);
}

/** Alias with the shape `{ artifactPath }` first. */
export const fixtureModel = trainFixtureModel;

export interface TestServerOptions {
  /** Enables the admin routes with this bearer token. */
  readonly adminToken?: string;
  /** Raw config (as in a config file); default `{}`. */
  readonly config?: unknown;
  /** Also listen on 127.0.0.1, on a free port, for raw HTTP requests. */
  readonly listen?: boolean;
  /** What the server sees of the store (a slowed-down view of it, say); the registry keeps the real one. */
  readonly serverStore?: (store: SqliteStore) => Store;
  /** Which fixture model it serves (default: the plain one). */
  readonly model?: FixtureModelOptions;
  /** Called with each version the server builds an engine for (its first included), before it builds it: a test can count the loads, or slow them down. */
  readonly onLoad?: (version: string | undefined) => void | Promise<void>;
}

export interface TestServer {
  readonly app: FastifyInstance;
  readonly context: ServerContext;
  readonly store: SqliteStore;
  readonly registry: Registry;
  readonly config: WardenConfig;
  readonly dataDir: string;
  /** The fixture model's version (registered and promoted: the champion). */
  readonly version: string;
  /** Base URL when `listen` was asked for. */
  readonly url?: string;
  close(): Promise<void>;
}

/**
 * Test servers do not shed on event-loop delay unless a test asks: the test process
 * stalls its own loop (training fixtures, loading models) and the machine may be busy,
 * which would turn unrelated requests into 503s. Shedding has its own tests.
 */
export function withTestServing(config: unknown = {}): Record<string, unknown> {
  const c = (config ?? {}) as Record<string, unknown>;
  const serving = (c.serving ?? {}) as Record<string, unknown>;
  // a short warm-up: its path runs (promotions under load included), at a fraction of the default's time
  return { ...c, serving: { maxEventLoopDelayMs: 60_000, maxQueueMs: 60_000, warmUpMessages: 64, ...serving } };
}

/** Serve the fixture model from a fresh temporary data dir. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "warden-test-server-"));
  const store = new SqliteStore(join(dataDir, "warden.db"));
  try {
    const config = parseConfig(withTestServing(options.config), "test config");
    const registry = new Registry(store, dataDir);
    const fixture = await trainFixtureModel(join(dataDir, "fixtures"), options.model);
    const record = await registry.register(fixture.artifact, { fixture: true });
    registry.storeProfile(record.version, fixtureProfile(fixture.artifact));
    await registry.promote(record.version, "test fixture");
    const load = engineLoader(registry, config);
    const loadEngine = async (version?: string): Promise<Engine> => {
      await options.onLoad?.(version);
      return load(version);
    };
    const slot = new EngineSlot(await loadEngine());
    const { app, context } = await buildServer({
      slot,
      store: options.serverStore ? options.serverStore(store) : store,
      registry,
      config,
      ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
      logger: false,
      loadEngine,
    });
    const url = options.listen ? await app.listen({ port: 0, host: "127.0.0.1" }) : undefined;
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      try {
        await app.close(); // flushes the prediction log into the store
      } finally {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    };
    return { app, context, store, registry, config, dataDir, version: record.version, ...(url !== undefined ? { url } : {}), close };
  } catch (err) {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** startTestServer, listening on 127.0.0.1 (a free port); `url` is set. */
export async function startListeningTestServer(options: Omit<TestServerOptions, "listen"> = {}): Promise<TestServer & { url: string }> {
  const server = await startTestServer({ ...options, listen: true });
  return server as TestServer & { url: string };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * One HTTP request with exactly these body bytes (no client-side JSON encoding or
 * string normalization), for bodies `inject` or `fetch` might rewrite.
 */
export function rawRequest(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<RawResponse> {
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, "utf8");
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, url),
      {
        method: options.method ?? "POST",
        headers: { ...(body ? { "content-length": String(body.length) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
