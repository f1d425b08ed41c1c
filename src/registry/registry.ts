/**
 * The model registry: artifacts stored content-addressed (by sha256) under the data
 * dir, their records and lineage in the store, and a champion pointer whose history
 * makes rollback one step. With no champion, the default model shipped in the
 * repository serves.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WardenError } from "../errors.js";
import { loadModelFile, loadModelFileAsync, sha256Hex, verifyModelFile, type LoadedArtifact } from "../model/artifact.js";
import type { LoadedModel } from "../engine/engine.js";
import { readProfile, type ScoreProfile } from "../model/profile.js";
import type { WindowSnapshot } from "../monitor/window.js";
import type { ModelRecord, Store } from "../store/types.js";

/** The repository's shipped model (dist/src/registry → repo root). */
export const DEFAULT_MODEL_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../../models/default.wdn");
export const DEFAULT_VERSION_LABEL = "default";

export function versionOf(sha256: string): string {
  return `m-${sha256.slice(0, 12)}`;
}

export interface RegisteredModel extends LoadedModel {
  readonly record: ModelRecord;
}

export class Registry {
  constructor(
    private readonly store: Store,
    readonly dataDir: string,
  ) {}

  /**
   * Store an artifact (idempotent: the same bytes are the same version). Registering a
   * version again replaces its meta: the record tells the latest lineage (a rerun's gate
   * verdict against a newer champion, say) and keeps its first registration time.
   */
  async register(artifact: Buffer, meta: Record<string, unknown>): Promise<ModelRecord> {
    const sha256 = sha256Hex(artifact);
    const version = versionOf(sha256);
    const existing = await this.store.getModel(version);
    const dir = join(this.dataDir, "artifacts");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${sha256}.wdn`);
    if (!existsSync(path)) {
      // write under a temporary name, then rename: a partial artifact is never visible
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, artifact);
      renameSync(tmp, path);
    }
    const record: ModelRecord = { version, sha256, path, createdAt: existing?.createdAt ?? Date.now(), meta };
    await this.store.putModel(record);
    return (await this.store.getModel(version)) ?? record;
  }

  async list(): Promise<Array<ModelRecord & { champion: boolean }>> {
    const champion = await this.championVersion();
    return (await this.store.listModels()).map((m) => ({ ...m, champion: m.version === champion }));
  }

  async record(version: string): Promise<ModelRecord | null> {
    return this.store.getModel(version);
  }

  async championVersion(): Promise<string | null> {
    const [latest] = await this.store.championHistory(1);
    return latest?.version ?? null;
  }

  /** Make VERSION the champion; a model its gate failed only with `force` (a person overriding the gate on purpose). */
  async promote(version: string, reason = "promoted", force = false): Promise<ModelRecord> {
    const record = await this.store.getModel(version);
    if (!record) throw new WardenError("MODEL_NOT_FOUND", `no model ${version} in the registry; see \`warden models list\`.`);
    const gate = (record.meta.lineage as { gate?: { passed: boolean; reasons?: string[] } } | undefined)?.gate;
    if (gate?.passed === false && !force) {
      const failed = (gate.reasons ?? []).filter((r) => r.startsWith("FAILED")).join("; ");
      throw new WardenError("GATE_FAILED", `${version} failed its promotion gate (${failed || "see its lineage"}); promote it anyway only on purpose (warden models promote --force).`);
    }
    await verifyModelFile(record.path); // refuse to promote an artifact that does not verify
    await this.store.pushChampion({ version, ts: Date.now(), reason });
    return record;
  }

  /** Make the champion before the current one champion again. */
  async rollback(): Promise<string> {
    const history = await this.store.championHistory(1000);
    const current = history[0]?.version;
    const previous = history.find((c) => c.version !== current)?.version;
    if (!current || !previous) throw new WardenError("MODEL_NOT_FOUND", "nothing to roll back to: there has been no earlier champion.");
    await this.store.pushChampion({ version: previous, ts: Date.now(), reason: `rollback from ${current}` });
    return previous;
  }

  /** Keep a model card beside the artifacts (written by `warden report`), replacing an older one. */
  storeCard(version: string, format: CardFormat, text: string): string {
    const dir = join(this.dataDir, "cards");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${version}.${format}`);
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    return path;
  }

  /** Keep a model's monitoring reference (its validation data, counted; monitor/reference.ts). */
  storeReference(version: string, snapshot: WindowSnapshot): void {
    this.storeSidecar("references", version, snapshot);
  }

  /** A model's monitoring reference; for the shipped default model, the one shipped beside it. Null when there is none. */
  reference(version: string): WindowSnapshot | null {
    const path = this.sidecarPath("references", version);
    return path ? (JSON.parse(readFileSync(path, "utf8")) as WindowSnapshot) : null;
  }

  /** Where a model's validation score profile is (model/profile.ts); null when it has none. */
  profilePath(version: string): string | null {
    return this.sidecarPath("profiles", version);
  }

  /** Keep a model's validation score profile (model/profile.ts). */
  storeProfile(version: string, profile: ScoreProfile): void {
    this.storeSidecar("profiles", version, profile);
  }

  /** A file kept beside a version's artifact, replacing an older one. */
  private storeSidecar(kind: Sidecar, version: string, value: unknown): void {
    const dir = join(this.dataDir, kind);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${version}.json`);
    writeFileSync(`${path}.tmp-${process.pid}`, JSON.stringify(value));
    renameSync(`${path}.tmp-${process.pid}`, path);
  }

  /** Where a version's file of `kind` is; for the shipped default model, the one shipped beside it. Null when there is none. */
  private sidecarPath(kind: Sidecar, version: string): string | null {
    const stored = join(this.dataDir, kind, `${version}.json`);
    if (existsSync(stored)) return stored;
    const shipped = sidecarPathFor(DEFAULT_MODEL_PATH, kind);
    return version === defaultModelVersion() && existsSync(shipped) ? shipped : null;
  }

  /** A stored model card; for the shipped default model, the card shipped beside it. Null when there is none. */
  card(version: string, format: CardFormat): string | null {
    if (!/^m-[0-9a-f]{12}$/.test(version)) return null;
    const stored = join(this.dataDir, "cards", `${version}.${format}`);
    if (existsSync(stored)) return readFileSync(stored, "utf8");
    const shipped = join(dirname(DEFAULT_MODEL_PATH), `MODEL_CARD.${format}`);
    return existsSync(shipped) && version === defaultModelVersion() ? readFileSync(shipped, "utf8") : null;
  }

  /** Load a version, the champion, or (with neither) the shipped default model. */
  async load(version?: string): Promise<VersionedModel> {
    const record = await this.recordFor(version);
    const loaded = versioned(await loadModelFileAsync(record?.path ?? DEFAULT_MODEL_PATH));
    // The shipped model's hash came with reading it: telling its version later needs no second read.
    if (!record) defaultSha256 ??= loaded.sha256;
    return { ...loaded, profile: readProfile(this.profileFileOf(record)) };
  }

  /**
   * Which artifact `load(version)` would read, without reading it (for processes that load
   * it themselves), with the sha256 the registry recorded for it: null for the shipped
   * model, whose bytes are its identity (its version is their hash).
   */
  async locate(version?: string): Promise<{ path: string; sha256: string | null; profilePath: string | null }> {
    const record = await this.recordFor(version);
    return { ...(record ? { path: record.path, sha256: record.sha256 } : { path: DEFAULT_MODEL_PATH, sha256: null }), profilePath: this.profileFileOf(record) };
  }

  /**
   * The profile file of a registered model, or (record null) the one shipped beside the
   * shipped model: the pipeline that made the one made the other, and looking under its
   * version first would mean hashing its 19 MB (a quarter of a second of `warden
   * classify`'s start-up) to find the same counts.
   */
  private profileFileOf(record: ModelRecord | null): string | null {
    if (record) return this.profilePath(record.version);
    const shipped = sidecarPathFor(DEFAULT_MODEL_PATH, "profiles");
    return existsSync(shipped) ? shipped : null;
  }

  /** The record of a version, else of the champion; null for the shipped default model. */
  private async recordFor(version?: string): Promise<ModelRecord | null> {
    const wanted = version ?? (await this.championVersion());
    if (!wanted || wanted === DEFAULT_VERSION_LABEL) return null;
    const record = await this.store.getModel(wanted);
    if (!record) throw new WardenError("MODEL_NOT_FOUND", `no model ${wanted} in the registry; see \`warden models list\`.`);
    return record;
  }
}

export type CardFormat = "html" | "md";

/** Files the registry keeps beside an artifact, by kind (the folder they are kept in). */
export type Sidecar = "references" | "profiles";

const SIDECAR_SUFFIX: Record<Sidecar, string> = { references: ".reference.json", profiles: ".profile.json" };

/** Where an exported artifact's file of `kind` goes: models/default.wdn → models/default.reference.json, models/default.profile.json. */
export function sidecarPathFor(artifactPath: string, kind: Sidecar): string {
  return artifactPath.replace(/(\.wdn)?$/, SIDECAR_SUFFIX[kind]);
}

let defaultSha256: string | undefined;
/** The shipped default model's sha256, from its bytes (computed once). */
function defaultModelSha256(): string {
  defaultSha256 ??= sha256Hex(readFileSync(DEFAULT_MODEL_PATH));
  return defaultSha256;
}

function defaultModelVersion(): string {
  return versionOf(defaultModelSha256());
}

export type VersionedModel = LoadedModel & { meta: Record<string, unknown>; sha256: string };

/** A loaded artifact under its version (its content address). */
export function versioned(loaded: LoadedArtifact): VersionedModel {
  return { version: versionOf(loaded.sha256), model: loaded.model, meta: loaded.meta, sha256: loaded.sha256 };
}

/** The shipped model (or an artifact file) with the profile exported beside it. */
export function loadDefaultModel(path = DEFAULT_MODEL_PATH): VersionedModel {
  return { ...versioned(loadModelFile(path)), profile: readProfile(sidecarPathFor(path, "profiles")) };
}
