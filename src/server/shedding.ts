/**
 * Load shedding: when the event loop falls behind or too many classify requests are in
 * hand, new classify and feedback requests are answered 503 with Retry-After at once
 * instead of queueing, so the requests that are admitted keep a flat latency. Health,
 * metrics and the dashboard are never shed.
 *
 * The loop's delay is measured here rather than with @fastify/under-pressure, whose
 * averages need several samples per interval and report an infinite delay when a busy
 * loop left none: a tick every 10 ms notes how late it fired, and the delay is the
 * median of the last five ticks. Sustained overload makes every tick late and starts
 * shedding within about 30 ms; one long pause (a model loading) is a single late tick
 * and sheds nothing.
 *
 * The loop's delay sees overload only between turns of the event loop, and the queue is
 * not in this process: a classify request is answered within the turn that reads it, so
 * requests wait in the sockets while one turn works through every connection that was
 * ready when it began. Each of those was ready by the turn's start, so the time the
 * turn has worked so far is a floor on what the next one has waited: past
 * `serving.maxQueueMs` of it, the rest of the turn's requests are shed (a few µs each)
 * and the next turn begins soon. The first MIN_TURN_REQUESTS of a turn are always admitted.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ERROR_STATUS, errorBody } from "../errors.js";
import type { ServerContext } from "./app.js";

const SHED_ROUTES = new Set(["/v1/classify", "/v1/feedback"]);
const TICK_MS = 10;
/**
 * A turn that has admitted fewer requests than this is not overload but a pause (garbage
 * collection, one long message): the few requests behind it are admitted, at the cost of
 * at most this many requests' work (a few ms) added to a long turn. Without it, the
 * bench's rounds at a quarter of capacity saw sporadic 503s.
 */
export const MIN_TURN_REQUESTS = 16;

export class LoopDelay {
  private readonly recent = [0, 0, 0, 0, 0];
  private next = 0;
  private expected = performance.now() + TICK_MS;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.recent[this.next++ % this.recent.length] = Math.max(0, now - this.expected);
      this.expected = now + TICK_MS;
    }, TICK_MS);
    this.timer.unref();
  }

  /** How far behind the loop is (ms): the median lateness of the last ticks. */
  get ms(): number {
    return [...this.recent].sort((a, b) => a - b)[this.recent.length >> 1]!;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function registerLoadShedding(app: FastifyInstance, ctx: Pick<ServerContext, "config" | "metrics" | "monitor">): void {
  const { maxInFlight, maxEventLoopDelayMs, maxQueueMs, retryAfterSeconds } = ctx.config.serving;
  const delay = new LoopDelay();
  app.addHook("onClose", async () => delay.stop());
  const retryAfter = String(retryAfterSeconds);
  // A shed answer is written straight to the socket (reply.hijack): no serializer, no
  // send hooks, a fraction of a normal answer's cost, so an overloaded turn that sheds
  // hundreds of requests ends soon and the admitted ones wait less.
  const shed = (reply: FastifyReply, reason: "event loop" | "in flight" | "queue", detail: string): void => {
    ctx.metrics.shed.inc({ reason });
    ctx.monitor.countShed();
    // No Error object: capturing its stack cost more than the rest of a shed.
    const body = JSON.stringify(errorBody("OVERLOADED", `the server is overloaded (${detail}); retry after ${retryAfterSeconds} s.`));
    reply.hijack();
    reply.raw.writeHead(ERROR_STATUS.OVERLOADED, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), "retry-after": retryAfter });
    reply.raw.end(body);
  };
  let inFlight = 0;
  // When the current turn of the event loop began to answer requests (-1: between turns).
  let turnStart = -1;
  let admittedThisTurn = 0;
  const endTurn = (): void => {
    turnStart = -1;
    admittedThisTurn = 0;
  };
  const admit = (request: FastifyRequest, reply: FastifyReply): void => {
    if (!SHED_ROUTES.has(request.url.split("?")[0]!)) return;
    const behind = delay.ms;
    if (behind > maxEventLoopDelayMs) return shed(reply, "event loop", `event loop ${Math.round(behind)} ms behind`);
    if (inFlight >= maxInFlight) return shed(reply, "in flight", `${inFlight} requests in hand`);
    const now = performance.now();
    if (turnStart < 0) {
      turnStart = now;
      setImmediate(endTurn);
    } else if (now - turnStart > maxQueueMs && admittedThisTurn >= MIN_TURN_REQUESTS) return shed(reply, "queue", `requests waited over ${Math.round(now - turnStart)} ms to be read`);
    admittedThisTurn++;
    inFlight++;
    (request as FastifyRequest & { counted?: boolean }).counted = true;
  };
  // Callback hooks, not async ones: no promise per request on the hot path.
  app.addHook("onRequest", (request, reply, done) => {
    admit(request, reply);
    done();
  });
  app.addHook("onResponse", (request, _reply, done) => {
    if ((request as FastifyRequest & { counted?: boolean }).counted) inFlight--;
    done();
  });
}
