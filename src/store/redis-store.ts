import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { AppError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { LEGACY_PIPELINE, type PipelineRef, type RunRecord, type StageEvent } from '../pipeline/run.js';
import { PIPELINE_STAGES, type PipelineError, type PipelineStage, type StageName } from '../pipeline/types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { definitionJson } from './definition-json.js';
import {
  type CachedStage,
  eventOf,
  type NewRun,
  type RunListQuery,
  type RunPage,
  type RunStore,
  type StageClaim,
  type Transition,
  type UsageIncrement,
  type UsageQuery,
  type UsageRow,
} from './run-store.js';
import {
  checkDay,
  checkUsageIncrement,
  groupUsage,
  USAGE_COUNTERS,
  type UsageCounter,
  type UsageFact,
  usageDays,
  usageGroups,
} from './usage.js';

/**
 * Redis data layout (every name under `keyPrefix`, `orch:` by default):
 *
 * | key                          | type   | holds                                                    | TTL                       |
 * |------------------------------|--------|----------------------------------------------------------|---------------------------|
 * | `run:<id>`                   | hash   | the run's fields; JSON for extraction/specialization/error; `order`, `lastSeq`, `createdAtMs`; `pipelineName`, `pipelineVersion` (absent: a run written before pipelines, LEGACY_PIPELINE); `apiKey` (absent: an open server's run, or one written before keys were kept) | retention, refreshed by each transition |
 * | `events:<id>`                | stream | one entry per event, id `<seq>-0`, field `e` = JSON of {stage, at, attempt, message, error} | as the run |
 * | `idem:<idempotencyKey>`      | string | the id of the newest run created with that key            | as the run                |
 * | `lease:<id>:<stage>`         | string | the owner of a stage's lease                              | the lease's `ttlMs` (PX)  |
 * | `lapsed:<id>:<stage>`        | string | Redis time (ms) a running stage's lease was first seen lapsed (see LAPSED LEASES in run-store.ts) | twice the grace + 60 s |
 * | `runs:seq`                   | string | INCR counter: a run's `order`, monotonic, never reused    | none                      |
 * | `runs:all`                   | zset   | run ids by `order` (newest first listing)                 | none                      |
 * | `runs:stage:<STAGE>`         | zset   | run ids at that stage by `order`                          | none                      |
 * | `runs:pipeline:<name>`       | zset   | run ids of that pipeline by `order`                       | none                      |
 * | `runs:pipeline:<name>:stage:<STAGE>` | zset | run ids of that pipeline at that stage by `order`   | none                      |
 * | `runs:pipelines`             | set    | names of the pipelines with a `runs:pipeline:` index (to clean them after a run's TTL) | none |
 * | `runs:pipelines:indexed`     | string | set once the runs written before pipelines are in the legacy pipeline's indexes | none |
 * | `pipeline:<name>:<version>`  | string | the version's definition, JSON; written once (SET NX)     | none: few and small, and a run may need its own for as long as it lives |
 * | `runs:created`               | zset   | run ids by createdAt in epoch ms (retention sweep)        | none                      |
 * | `runs:running`               | set    | ids of runs whose `running` is set (interrupted-run sweep) | none                     |
 * | `usage:<day>`                | hash   | a UTC day's usage: field JSON `[key, pipeline, model, counter]` (key null: an open server), HINCRBY by the transition that pays | retention + 2 days, from the day's last increment |
 * | `tokens:<day>`               | hash   | a UTC day's prompt + completion tokens per key: field JSON of the key (`null`, `"name"`); what a budget is checked against, one HGET | as `usage:<day>` |
 * | `cache:<key>`                | string | a cached stage answer, JSON of {runId, result}           | the entry's `ttlMs` (PX)  |
 *
 * Index entries of a run that expired by TTL are removed when met (listing,
 * the interrupted-run sweep) and by `deleteCreatedBefore`. Runs written before
 * pipelines have no pipeline fields and read as LEGACY_PIPELINE; the first
 * listing by pipeline adds them to its indexes (`indexLegacyRuns`), and a
 * transition indexes any such run it meets (one written by an older instance
 * during a rolling upgrade). Pipeline names match `[a-z][a-z0-9-]*` (no `:`),
 * so the key names cannot collide. Usage is summed over at most
 * MAX_USAGE_DAYS days, one HGETALL per day. Scripts build key
 * names from the prefix, so this is for a standalone Redis (or one primary with
 * replicas), not Redis Cluster.
 */

export interface RedisRunStoreOptions {
  retentionDays: number;
  keyPrefix?: string;
  logger?: Logger;
  /** a command not answered by then fails with STORE_UNAVAILABLE (a Redis that hangs rather than refuses) */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const DAY_S = 24 * 60 * 60;
/** usage outlives the runs it counts (which live the retention after their last transition) */
const USAGE_EXTRA_S = 2 * DAY_S;
/** arguments per usage increment in the transition script: day, tokens field and amount, 5 counters' field and amount */
const USAGE_ARGS = 3 + 2 * USAGE_COUNTERS.length;
/** the longest wait between two reconnection attempts of a client */
const RECONNECT_MAX_MS = 2_000;
const DELETE_BATCH = 200;
/** runs looked at per script by the one-time indexing of runs written before pipelines */
const INDEX_BATCH = 500;
/** reply errors that mean "Redis cannot serve now", not "this command is wrong" */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MISCONF)\b/;

/**
 * Options for a client that fails fast while Redis is away and reconnects by
 * itself: no offline queue (a command while disconnected is refused at once),
 * and no retry of a command that was in flight when the connection dropped
 * (it may have run: resending a transition could write its event twice).
 */
export function failFastRedisOptions(o: { commandTimeoutMs?: number; connectTimeoutMs?: number } = {}): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: o.connectTimeoutMs ?? 2_000,
    commandTimeout: o.commandTimeoutMs ?? 2_000,
    // 50 ms, 100 ms, ... then every 2 s while Redis stays away
    retryStrategy: (times) => Math.min(times * 50, RECONNECT_MAX_MS),
  };
}

export function storeUnavailable(): AppError {
  return new AppError('STORE_UNAVAILABLE', 'The run store (Redis) cannot be reached.', { retryable: true });
}

/** Shared by the scripts: key names and the one way a run changes. */
const LUA_COMMON = `
local P = ARGV[1]
local function runKey(id) return P .. 'run:' .. id end
local function eventsKey(id) return P .. 'events:' .. id end
local function stageKey(stage) return P .. 'runs:stage:' .. stage end
local function pipelineKey(name) return P .. 'runs:pipeline:' .. name end
local function pipelineStageKey(name, stage) return P .. 'runs:pipeline:' .. name .. ':stage:' .. stage end
local PIPELINES = P .. 'runs:pipelines'
local LEGACY = ${luaString(LEGACY_PIPELINE.name)}
local STAGES = { ${PIPELINE_STAGES.map(luaString).join(', ')} }
local function idemKey(k) return P .. 'idem:' .. k end
local function leaseKey(id, stage) return P .. 'lease:' .. id .. ':' .. stage end
local function lapsedKey(id, stage) return P .. 'lapsed:' .. id .. ':' .. stage end
local RUNNING = P .. 'runs:running'

-- Whether the lapsed lease of a running stage has stayed lapsed for graceMs while the calling
-- client could reach Redis (LAPSED LEASES in run-store.ts). The first sighting is kept, in Redis
-- time; one from before the caller's connection was last restored (connectedForMs ago) does not
-- count, as the holder could not renew meanwhile either: the clock starts again.
local function lapsedLongEnough(id, stage, graceMs, connectedForMs)
  if graceMs <= 0 then return true end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local k = lapsedKey(id, stage)
  local raw = redis.call('GET', k)
  local seen = raw and tonumber(raw)
  if seen and seen >= now - connectedForMs then return now - seen >= graceMs end
  redis.call('SET', k, string.format('%.0f', now), 'PX', graceMs * 2 + 60000)
  return false
end

-- appends the event and updates the run, like SqliteRunStore's transition;
-- false when the run is unknown, else the event's seq
local function transition(id, ttl, stage, at, eventJson, hasX, x, hasS, s, setE, e, setR, r)
  local rk = runKey(id)
  local cur = redis.call('HMGET', rk, 'stage', 'order', 'idempotencyKey', 'pipelineName')
  if not cur[1] then return false end
  local seq = redis.call('HINCRBY', rk, 'lastSeq', 1)
  local ek = eventsKey(id)
  redis.call('XADD', ek, seq .. '-0', 'e', eventJson)
  local pipeline = cur[4] or LEGACY
  if cur[1] ~= stage then
    redis.call('ZREM', stageKey(cur[1]), id)
    redis.call('ZADD', stageKey(stage), cur[2], id)
    redis.call('ZREM', pipelineStageKey(pipeline, cur[1]), id)
  end
  if not cur[4] then
    -- a run written before pipelines (or by an older instance): into the legacy pipeline's indexes
    redis.call('ZADD', pipelineKey(pipeline), cur[2], id)
    redis.call('SADD', PIPELINES, pipeline)
  end
  if cur[1] ~= stage or not cur[4] then redis.call('ZADD', pipelineStageKey(pipeline, stage), cur[2], id) end
  redis.call('HSET', rk, 'stage', stage, 'updatedAt', at)
  if hasX == '1' then redis.call('HSET', rk, 'extraction', x) end
  if hasS == '1' then redis.call('HSET', rk, 'specialization', s) end
  if setE == '1' then
    if e == '' then redis.call('HDEL', rk, 'error') else redis.call('HSET', rk, 'error', e) end
  end
  if setR == '1' then
    if r == '' then
      redis.call('HDEL', rk, 'running')
      redis.call('SREM', RUNNING, id)
    else
      redis.call('HSET', rk, 'running', r)
      redis.call('SADD', RUNNING, id)
    end
  end
  redis.call('EXPIRE', rk, ttl)
  redis.call('EXPIRE', ek, ttl)
  if cur[3] then
    local ik = idemKey(cur[3])
    if redis.call('GET', ik) == id then redis.call('EXPIRE', ik, ttl) end
  end
  return seq
end
`;

/**
 * ARGV: prefix, ttl, id, idempotencyKey ('' for none), sinceMs, createdAtMs, eventJson, pipeline name,
 * field, value, ...
 * Returns {created 0|1, run hash as a flat array}.
 */
const CREATE = `${LUA_COMMON}
local ttl, id, key, sinceMs, createdAtMs, eventJson = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local pipeline = ARGV[8]
if key ~= '' then
  local existing = redis.call('GET', idemKey(key))
  if existing then
    local erk = runKey(existing)
    local at = redis.call('HGET', erk, 'createdAtMs')
    if at and tonumber(at) >= tonumber(sinceMs) then return {0, redis.call('HGETALL', erk)} end
  end
end
local rk = runKey(id)
if redis.call('EXISTS', rk) == 1 then return redis.error_reply('ERR a run with id ' .. id .. ' exists') end
local order = redis.call('INCR', P .. 'runs:seq')
local fields = {}
for i = 9, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', rk, 'order', order, 'lastSeq', 1, 'stage', 'RECEIVED', 'createdAtMs', createdAtMs, unpack(fields))
local ek = eventsKey(id)
redis.call('XADD', ek, '1-0', 'e', eventJson)
redis.call('ZADD', P .. 'runs:all', order, id)
redis.call('ZADD', stageKey('RECEIVED'), order, id)
redis.call('ZADD', pipelineKey(pipeline), order, id)
redis.call('ZADD', pipelineStageKey(pipeline, 'RECEIVED'), order, id)
redis.call('SADD', PIPELINES, pipeline)
redis.call('ZADD', P .. 'runs:created', createdAtMs, id)
if key ~= '' then redis.call('SET', idemKey(key), id, 'EX', ttl) end
redis.call('EXPIRE', rk, ttl)
redis.call('EXPIRE', ek, ttl)
return {1, redis.call('HGETALL', rk)}
`;

/**
 * ARGV: prefix, runId, ttl, then transition()'s arguments, then the transition's key ('' for none),
 * then the stage and owner of a lease to release with it ('' for none), then the usage keys' TTL,
 * then per usage increment USAGE_ARGS arguments: day, tokens field, tokens, and the five
 * (usage field, amount) pairs.
 * Returns the event's seq, or nil when the run is unknown. A key equal to the last applied one is a
 * resend of a write that was applied but whose answer was lost: nothing is written (nor counted),
 * its seq is returned.
 */
const TRANSITION = `${LUA_COMMON}
local id = ARGV[2]
local key = ARGV[15]
if key ~= '' then
  local last = redis.call('HMGET', runKey(id), 'lastKey', 'lastSeq')
  if last[1] == key then return tonumber(last[2]) end
end
local seq = transition(id, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13], ARGV[14])
if not seq then return false end
if key ~= '' then redis.call('HSET', runKey(id), 'lastKey', key) else redis.call('HDEL', runKey(id), 'lastKey') end
if ARGV[16] ~= '' then
  local lk = leaseKey(id, ARGV[16])
  if redis.call('GET', lk) == ARGV[17] then redis.call('DEL', lk) end
end
local usageTtl = ARGV[18]
for i = 19, #ARGV, ${USAGE_ARGS} do
  local uk, tk = P .. 'usage:' .. ARGV[i], P .. 'tokens:' .. ARGV[i]
  redis.call('HINCRBY', tk, ARGV[i + 1], ARGV[i + 2])
  for j = i + 3, i + ${USAGE_ARGS - 2}, 2 do redis.call('HINCRBY', uk, ARGV[j], ARGV[j + 1]) end
  redis.call('EXPIRE', uk, usageTtl)
  redis.call('EXPIRE', tk, usageTtl)
end
return seq
`;

/**
 * ARGV: prefix, index key (after the prefix), max score ('+inf' or '(order'), limit.
 * Runs of the index newest first; members whose run expired are dropped from the index.
 */
const LIST = `${LUA_COMMON}
local z = P .. ARGV[2]
local max = ARGV[3]
local limit = tonumber(ARGV[4])
local out = {}
while #out < limit do
  local ids = redis.call('ZREVRANGEBYSCORE', z, max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit - #out)
  if #ids == 0 then break end
  for i = 1, #ids, 2 do
    local h = redis.call('HGETALL', runKey(ids[i]))
    if #h == 0 then redis.call('ZREM', z, ids[i]) else out[#out + 1] = h end
    max = '(' .. ids[i + 1]
  end
end
return out
`;

/**
 * ARGV: prefix, ttl, at, then per stage (extraction, specialization): error JSON, event JSON,
 * then graceMs and the caller's connectedForMs.
 * Every run with a stage running and no live lease on that stage (lapsed for graceMs) becomes
 * FAILED, in one atomic script. Returns a flat array: id, seq, stage, id, seq, stage ...
 */
const MARK_INTERRUPTED = `${LUA_COMMON}
local ttl, at = ARGV[2], ARGV[3]
local byStage = { extraction = { ARGV[4], ARGV[5] }, specialization = { ARGV[6], ARGV[7] } }
local grace, connectedFor = tonumber(ARGV[8]), tonumber(ARGV[9])
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', RUNNING)) do
  local running = redis.call('HGET', runKey(id), 'running')
  if not running then
    redis.call('SREM', RUNNING, id)
  elseif redis.call('EXISTS', leaseKey(id, running)) == 1 then
    -- held: whatever lapse was seen before is over
    redis.call('DEL', lapsedKey(id, running))
  elseif byStage[running] and lapsedLongEnough(id, running, grace, connectedFor) then
    redis.call('DEL', lapsedKey(id, running))
    local j = byStage[running]
    local seq = transition(id, ttl, 'FAILED', at, j[2], '0', '', '0', '', '1', j[1], '1', '')
    out[#out + 1] = id
    out[#out + 1] = seq
    out[#out + 1] = running
  end
end
return out
`;

/**
 * ARGV: prefix, cutoffMs (exclusive), batch. Returns {ids looked at, runs deleted}.
 * A run whose hash has expired by TTL no longer says its stage or pipeline: it is removed from
 * every stage's and every pipeline's index (a few names), so no index keeps it for good.
 */
const DELETE_BEFORE = `${LUA_COMMON}
local created = P .. 'runs:created'
local ids = redis.call('ZRANGEBYSCORE', created, '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local deleted = 0
local pipelines = nil
for _, id in ipairs(ids) do
  local rk = runKey(id)
  local h = redis.call('HMGET', rk, 'stage', 'idempotencyKey', 'pipelineName')
  if h[1] then
    deleted = deleted + 1
    local pipeline = h[3] or LEGACY
    redis.call('ZREM', stageKey(h[1]), id)
    redis.call('ZREM', pipelineKey(pipeline), id)
    redis.call('ZREM', pipelineStageKey(pipeline, h[1]), id)
    if h[2] and redis.call('GET', idemKey(h[2])) == id then redis.call('DEL', idemKey(h[2])) end
  else
    pipelines = pipelines or redis.call('SMEMBERS', PIPELINES)
    for _, stage in ipairs(STAGES) do redis.call('ZREM', stageKey(stage), id) end
    for _, pipeline in ipairs(pipelines) do
      redis.call('ZREM', pipelineKey(pipeline), id)
      for _, stage in ipairs(STAGES) do redis.call('ZREM', pipelineStageKey(pipeline, stage), id) end
    end
  end
  redis.call('DEL', rk, eventsKey(id), leaseKey(id, 'extraction'), leaseKey(id, 'specialization'),
    lapsedKey(id, 'extraction'), lapsedKey(id, 'specialization'))
  redis.call('ZREM', P .. 'runs:all', id)
  redis.call('ZREM', created, id)
  redis.call('SREM', RUNNING, id)
end
return {#ids, deleted}
`;

/**
 * ARGV: prefix, order to start after, batch. Adds the runs of `runs:all` that have no pipeline
 * (written before pipelines) to the legacy pipeline's indexes, oldest first.
 * Returns {runs looked at, the order of the last one}.
 */
const INDEX_LEGACY = `${LUA_COMMON}
local ids = redis.call('ZRANGEBYSCORE', P .. 'runs:all', '(' .. ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local last = ARGV[2]
for i = 1, #ids, 2 do
  local id, order = ids[i], ids[i + 1]
  local h = redis.call('HMGET', runKey(id), 'stage', 'pipelineName')
  if h[1] and not h[2] then
    redis.call('ZADD', pipelineKey(LEGACY), order, id)
    redis.call('ZADD', pipelineStageKey(LEGACY, h[1]), order, id)
    redis.call('SADD', PIPELINES, LEGACY)
  end
  last = order
end
return {#ids / 2, last}
`;

/**
 * takeLease: a stage's lease for `owner` (LAPSED LEASES in run-store.ts).
 * Taken when free or expired, but the lapsed lease of a stage marked running only once it has
 * stayed lapsed for graceMs (0: at once); an owner re-acquiring its own lease extends it.
 * 1: the lease is the owner's; 0: not taken.
 */
const LUA_TAKE_LEASE = `
local function takeLease(id, stage, owner, ttl, graceMs, connectedForMs)
  local lk = leaseKey(id, stage)
  local holder = redis.call('GET', lk)
  if holder == owner then
    redis.call('PEXPIRE', lk, ttl)
    return 1
  end
  if holder then
    redis.call('DEL', lapsedKey(id, stage))
    return 0
  end
  if redis.call('HGET', runKey(id), 'running') == stage and not lapsedLongEnough(id, stage, graceMs, connectedForMs) then
    return 0
  end
  redis.call('SET', lk, owner, 'PX', ttl)
  redis.call('DEL', lapsedKey(id, stage))
  return 1
end
`;

/** ARGV: prefix, runId, stage, owner, ttlMs, graceMs, the caller's connectedForMs. 1: the lease is the owner's. */
const ACQUIRE_LEASE = `${LUA_COMMON}${LUA_TAKE_LEASE}
return takeLease(ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]))
`;

/**
 * ARGV: as ACQUIRE_LEASE. The stage's lease and the run as it is once the
 * lease is taken, in one step: {-1} for an unknown run, else {takeLease's
 * answer, the run's hash}.
 */
const LEASE_AND_READ = `${LUA_COMMON}${LUA_TAKE_LEASE}
local id = ARGV[2]
if redis.call('EXISTS', runKey(id)) == 0 then return {-1} end
local taken = takeLease(id, ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]))
return {taken, redis.call('HGETALL', runKey(id))}
`;

/** KEYS: lease. ARGV: owner, ttlMs. */
const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS: lease. ARGV: owner. */
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`;

interface Script {
  lua: string;
  sha: string;
}

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

const SCRIPTS = {
  create: script(CREATE),
  transition: script(TRANSITION),
  list: script(LIST),
  markInterrupted: script(MARK_INTERRUPTED),
  deleteBefore: script(DELETE_BEFORE),
  indexLegacy: script(INDEX_LEGACY),
  acquireLease: script(ACQUIRE_LEASE),
  leaseAndRead: script(LEASE_AND_READ),
  renewLease: script(RENEW_LEASE),
  releaseLease: script(RELEASE_LEASE),
};

type Hash = Record<string, string>;
type Arg = string | number;

/**
 * The shared store: runs, events and leases in Redis, so any number of
 * instances behave as one server. Same semantics as SqliteRunStore; every
 * write that two instances may race on is one Lua script.
 *
 * While Redis cannot be reached every method fails at once with
 * STORE_UNAVAILABLE (retryable); the client reconnects in the background and
 * the store works again by itself when Redis is back.
 */
export class RedisRunStore implements RunStore {
  private readonly client: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly logger: Logger;
  /** the first connection attempt: callers wait for it rather than fail while it is being made */
  private firstAttempt: Promise<void> | undefined;
  /** an outage is logged once, when noticed, and its end once */
  private down = false;
  /** when (performance.now()) this client last got Redis back; undefined while it is away */
  private connectedSince: number | undefined;
  /** the runs written before pipelines are in the legacy pipeline's indexes (see indexLegacyRuns) */
  private legacyIndexed: Promise<void> | undefined;

  constructor(redis: Redis | string, opts: RedisRunStoreOptions) {
    this.ownsClient = typeof redis === 'string';
    this.client = typeof redis === 'string' ? new Redis(redis, failFastRedisOptions(opts)) : redis;
    this.prefix = opts.keyPrefix ?? 'orch:';
    this.ttlSeconds = Math.max(1, Math.round(opts.retentionDays * DAY_S));
    this.logger = opts.logger ?? createLogger('silent');

    if (this.client.status === 'ready') this.connectedSince = performance.now();
    this.client.on('error', (err: Error) => this.noteDown(err));
    this.client.on('ready', () => this.noteUp());
    this.client.on('close', () => {
      this.connectedSince = undefined;
    });
    this.firstAttempt = this.firstConnection(opts.connectTimeoutMs ?? 2_000);
  }

  private firstConnection(timeoutMs: number): Promise<void> | undefined {
    const c = this.client;
    if (c.status === 'ready') return undefined;
    if (c.status === 'wait') c.connect().catch(() => {});
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        c.off('ready', done);
        c.off('error', done);
        c.off('end', done);
        this.firstAttempt = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      c.once('ready', done);
      c.once('error', done);
      c.once('end', done);
    });
  }

  private noteDown(err: unknown): void {
    this.connectedSince = undefined;
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'run store (Redis) unreachable; requests fail with STORE_UNAVAILABLE until it is back',
    );
  }

  private noteUp(): void {
    this.connectedSince ??= performance.now();
    if (!this.down) return;
    this.down = false;
    this.logger.info('run store (Redis) reachable again');
  }

  /** Runs Redis commands; a connection failure becomes STORE_UNAVAILABLE, a bug stays what it is. */
  private async redis<T>(fn: (c: Redis) => Promise<T>): Promise<T> {
    if (this.firstAttempt) await this.firstAttempt;
    if (this.client.status !== 'ready') {
      this.noteDown(new Error(`connection ${this.client.status}`));
      throw storeUnavailable();
    }
    try {
      const result = await fn(this.client);
      // an outage without a reconnect (a Redis that hung, then answered) ends here
      this.noteUp();
      return result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const reply = err instanceof Error && err.name === 'ReplyError';
      if (reply && !TRANSIENT_REPLY.test(err.message)) throw err;
      this.noteDown(err);
      throw storeUnavailable();
    }
  }

  private async eval(c: Redis, s: Script, keys: string[], args: Arg[]): Promise<unknown> {
    try {
      return await c.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // a restarted Redis has forgotten its scripts
      if (err instanceof Error && err.message.startsWith('NOSCRIPT'))
        return c.eval(s.lua, keys.length, ...keys, ...args);
      throw err;
    }
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  async create(run: NewRun, idempotentSince: string) {
    const fields: Arg[] = [
      'id',
      run.id,
      'text',
      run.text,
      'pipelineName',
      run.pipeline.name,
      'pipelineVersion',
      run.pipeline.version,
      'primaryModelId',
      run.primaryModelId,
      'secondaryModelId',
      run.secondaryModelId,
      'inputHash',
      run.inputHash,
      'createdAt',
      run.createdAt,
      'updatedAt',
      run.createdAt,
    ];
    if (run.idempotencyKey !== null) fields.push('idempotencyKey', run.idempotencyKey);
    if (run.apiKey !== null) fields.push('apiKey', run.apiKey);
    const event = eventJson({ stage: 'RECEIVED', at: run.createdAt });
    const reply = await this.redis((c) =>
      this.eval(
        c,
        SCRIPTS.create,
        [],
        [
          this.prefix,
          this.ttlSeconds,
          run.id,
          run.idempotencyKey ?? '',
          epochMs(idempotentSince, 'idempotentSince'),
          epochMs(run.createdAt, 'createdAt'),
          event,
          run.pipeline.name,
          ...fields,
        ],
      ),
    );
    const [created, hash] = reply as [number, string[]];
    return { run: toRun(pairs(hash)), created: created === 1 };
  }

  async get(id: string) {
    const h = await this.redis((c) => c.hgetall(this.key('run', id)));
    return Object.keys(h).length > 0 ? toRun(h) : null;
  }

  async getMany(ids: readonly string[]) {
    if (ids.length === 0) return [];
    const hashes = await this.redis(async (c) => {
      const p = c.pipeline();
      for (const id of ids) p.hgetall(this.key('run', id));
      return results<Hash>(await p.exec());
    });
    return hashes.map((h) => (Object.keys(h).length > 0 ? toRun(h) : null));
  }

  async list(q: RunListQuery): Promise<RunPage> {
    const before = q.after ? `(${decodeCursor(q.after)}` : '+inf';
    // one index per filter, each exact: a page reads `first + 1` live runs, never skips any
    let index = q.stage ? `runs:stage:${q.stage}` : 'runs:all';
    if (q.pipeline !== undefined) {
      await this.indexLegacyRuns();
      index = q.stage ? `runs:pipeline:${q.pipeline}:stage:${q.stage}` : `runs:pipeline:${q.pipeline}`;
    }
    const limit = q.first + 1;
    const reply = (await this.redis((c) =>
      this.eval(c, SCRIPTS.list, [], [this.prefix, index, before, limit]),
    )) as string[][];
    const runs = reply.map(pairs);
    return {
      runs: runs.slice(0, q.first).map((h) => ({ run: toRun(h), cursor: encodeCursor(Number(h.order)) })),
      hasNextPage: runs.length > q.first,
    };
  }

  /**
   * Once per store (and once per Redis, by the marker key): the runs written
   * before pipelines join the legacy pipeline's indexes, in batches so that
   * no script holds Redis for long. Running twice, or on two instances at
   * once, is harmless: it only adds what is missing.
   */
  private indexLegacyRuns(): Promise<void> {
    this.legacyIndexed ??= this.redis(async (c) => {
      const marker = this.key('runs', 'pipelines', 'indexed');
      if ((await c.exists(marker)) === 1) return;
      let after = '0';
      for (;;) {
        const reply = await this.eval(c, SCRIPTS.indexLegacy, [], [this.prefix, after, INDEX_BATCH]);
        const [seen, last] = reply as [number, string];
        after = last;
        if (seen < INDEX_BATCH) break;
      }
      await c.set(marker, '1');
    }).catch((err: unknown) => {
      this.legacyIndexed = undefined;
      throw err;
    });
    return this.legacyIndexed;
  }

  async savePipeline(ref: PipelineRef, definition: unknown) {
    const json = definitionJson(definition);
    await this.redis((c) => c.set(this.key('pipeline', ref.name, ref.version), json, 'NX'));
  }

  async pipelineDefinition(ref: PipelineRef) {
    const json = await this.redis((c) => c.get(this.key('pipeline', ref.name, ref.version)));
    return json === null ? null : (JSON.parse(json) as unknown);
  }

  async transition(runId: string, t: Transition) {
    const usage = (t.usage ?? []).flatMap(usageArgs);
    const setError = t.error !== undefined || t.clearError === true;
    const reply = await this.redis((c) =>
      this.eval(
        c,
        SCRIPTS.transition,
        [],
        [
          this.prefix,
          runId,
          this.ttlSeconds,
          t.stage,
          t.at,
          eventJson(t),
          t.extraction ? '1' : '0',
          t.extraction ? JSON.stringify(t.extraction) : '',
          t.specialization ? '1' : '0',
          t.specialization ? JSON.stringify(t.specialization) : '',
          setError ? '1' : '0',
          t.error ? JSON.stringify(t.error) : '',
          t.running !== undefined ? '1' : '0',
          t.running ?? '',
          t.key ?? '',
          t.release?.stage ?? '',
          t.release?.owner ?? '',
          this.ttlSeconds + USAGE_EXTRA_S,
          ...usage,
        ],
      ),
    );
    if (reply === null) throw new AppError('RUN_NOT_FOUND', `No run has the id ${runId}.`);
    return { event: eventOf(runId, reply as number, t) };
  }

  async events(runId: string, afterSeq = 0) {
    const from = Math.max(0, Math.floor(afterSeq)) + 1;
    const entries = await this.redis((c) => c.xrange(this.key('events', runId), `${from}-0`, '+'));
    return entries.map((e) => toEvent(runId, e));
  }

  async eventsOfMany(runIds: readonly string[]) {
    if (runIds.length === 0) return [];
    const all = await this.redis(async (c) => {
      const p = c.pipeline();
      for (const id of runIds) p.xrange(this.key('events', id), '-', '+');
      return results<[string, string[]][]>(await p.exec());
    });
    return all.map((entries, i) => entries.map((e) => toEvent(runIds[i] as string, e)));
  }

  async acquireLease(runId: string, stage: StageName, owner: string, ttlMs: number, graceMs = 0) {
    const reply = await this.redis((c) =>
      this.eval(c, SCRIPTS.acquireLease, [], this.leaseArgs(runId, stage, owner, ttlMs, graceMs)),
    );
    return reply === 1;
  }

  async claimStage(
    runId: string,
    stage: StageName,
    owner: string,
    ttlMs: number,
    graceMs: number,
    needsRun: (run: RunRecord) => boolean,
  ): Promise<StageClaim | null> {
    // the check decides on the run as read, before any lease is touched: an instance that turns the stage down
    // (a stored failure, a drain, a model it does not allow) never holds it, nor disturbs a lapsed holder's clock
    const seen = await this.get(runId);
    if (!seen) return null;
    if (!needsRun(seen)) return { run: seen, needed: false };
    // the lease and the run read again in one round trip: another instance may have finished the stage meanwhile
    const [taken, hash] = (await this.redis((c) =>
      this.eval(c, SCRIPTS.leaseAndRead, [], this.leaseArgs(runId, stage, owner, ttlMs, graceMs)),
    )) as [number, string[] | undefined];
    if (taken === -1 || !hash) return null;
    const fresh = toRun(pairs(hash));
    let needed = false;
    try {
      needed = needsRun(fresh);
    } finally {
      if (!needed && taken === 1) await this.releaseLease(runId, stage, owner).catch(() => {});
    }
    if (!needed) return { run: fresh, needed: false };
    return { run: fresh, needed: true, leased: taken === 1 };
  }

  private leaseArgs(runId: string, stage: StageName, owner: string, ttlMs: number, graceMs: number): Arg[] {
    return [this.prefix, runId, stage, owner, leaseMs(ttlMs), this.lapseGrace(graceMs), this.connectedForMs()];
  }

  /** A live holder's client may see Redis back up to one reconnection attempt after ours: it gets that too. */
  private lapseGrace(graceMs: number): number {
    return graceMs > 0 ? Math.round(graceMs) + RECONNECT_MAX_MS : 0;
  }

  /** how long this client has had Redis without a break it noticed */
  private connectedForMs(): number {
    return this.connectedSince === undefined ? 0 : Math.floor(performance.now() - this.connectedSince);
  }

  async renewLease(runId: string, stage: StageName, owner: string, ttlMs: number) {
    const reply = await this.redis((c) =>
      this.eval(c, SCRIPTS.renewLease, [this.key('lease', runId, stage)], [owner, leaseMs(ttlMs)]),
    );
    return reply === 1;
  }

  async releaseLease(runId: string, stage: StageName, owner: string) {
    await this.redis((c) => this.eval(c, SCRIPTS.releaseLease, [this.key('lease', runId, stage)], [owner]));
  }

  async markInterrupted(at: string, error: (stage: StageName) => PipelineError, graceMs = 0) {
    const errors = { extraction: error('extraction'), specialization: error('specialization') };
    const failedEvent = (e: PipelineError) => eventJson({ stage: 'FAILED', at, error: e });
    const reply = (await this.redis((c) =>
      this.eval(
        c,
        SCRIPTS.markInterrupted,
        [],
        [
          this.prefix,
          this.ttlSeconds,
          at,
          JSON.stringify(errors.extraction),
          failedEvent(errors.extraction),
          JSON.stringify(errors.specialization),
          failedEvent(errors.specialization),
          this.lapseGrace(graceMs),
          this.connectedForMs(),
        ],
      ),
    )) as Array<string | number>;
    const events: StageEvent[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const stage = reply[i + 2] as StageName;
      events.push({
        runId: String(reply[i]),
        seq: Number(reply[i + 1]),
        stage: 'FAILED',
        at,
        attempt: null,
        message: null,
        error: errors[stage],
      });
    }
    return events;
  }

  async cacheGet(key: string) {
    const json = await this.redis((c) => c.get(this.key('cache', key)));
    return json === null ? null : (JSON.parse(json) as CachedStage);
  }

  async cachePut(key: string, entry: CachedStage, ttlMs: number) {
    const json = JSON.stringify(entry);
    await this.redis((c) => c.set(this.key('cache', key), json, 'PX', leaseMs(ttlMs)));
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    const days = usageDays(q);
    const groups = usageGroups(q.groupBy);
    const hashes = await this.redis(async (c) => {
      const p = c.pipeline();
      for (const day of days) p.hgetall(this.key('usage', day));
      return results<Hash>(await p.exec());
    });
    // a day's fields, one per counter, into one fact per (key, pipeline, model)
    const facts = new Map<string, UsageFact>();
    hashes.forEach((h, i) => {
      const day = days[i] as string;
      for (const [field, value] of Object.entries(h)) {
        const [key, pipeline, model, counter] = JSON.parse(field) as [string | null, string, string, UsageCounter];
        const id = JSON.stringify([day, key, pipeline, model]);
        let fact = facts.get(id);
        if (!fact) {
          fact = {
            day,
            key,
            pipeline,
            model,
            runs: 0,
            promptTokens: 0,
            completionTokens: 0,
            cacheHits: 0,
            rulesDecisions: 0,
          };
          facts.set(id, fact);
        }
        fact[counter] += Number(value);
      }
    });
    return groupUsage(facts.values(), groups);
  }

  async tokensSpent(key: string | null, day: string) {
    checkDay(day);
    const spent = await this.redis((c) => c.hget(this.key('tokens', day), JSON.stringify(key)));
    return spent === null ? 0 : Number(spent);
  }

  async deleteCreatedBefore(cutoff: string) {
    const cutoffMs = epochMs(cutoff, 'cutoff');
    let total = 0;
    for (;;) {
      const [seen, deleted] = (await this.redis((c) =>
        this.eval(c, SCRIPTS.deleteBefore, [], [this.prefix, cutoffMs, DELETE_BATCH]),
      )) as [number, number];
      total += deleted;
      if (seen < DELETE_BATCH) return total;
    }
  }

  async ping() {
    await this.redis((c) => c.ping());
  }

  /** Quits the client this store created; a client handed in is its owner's to close. */
  async close() {
    if (!this.ownsClient || this.client.status === 'end') return;
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** A pipeline's replies; any failed command fails the whole read. */
function results<T>(replies: [Error | null, unknown][] | null): T[] {
  if (!replies) throw new Error('pipeline aborted');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}

function pairs(flat: string[]): Hash {
  const h: Hash = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i] as string] = flat[i + 1] as string;
  return h;
}

function epochMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new TypeError(`${what} is not an ISO date: ${iso}`);
  return ms;
}

/** An increment as the transition script takes it (USAGE_ARGS arguments); a bad one is refused first. */
function usageArgs(u: UsageIncrement): Arg[] {
  checkUsageIncrement(u);
  const args: Arg[] = [u.day, JSON.stringify(u.key), u.promptTokens + u.completionTokens];
  for (const c of USAGE_COUNTERS) args.push(JSON.stringify([u.key, u.pipeline, u.model, c]), u[c]);
  return args;
}

/** a TTL in ms as PX takes it: a whole number, at least 1 */
function leaseMs(ttlMs: number): number {
  return Math.max(1, Math.round(ttlMs));
}

function eventJson(t: Pick<Transition, 'stage' | 'at' | 'attempt' | 'message' | 'error'>): string {
  return JSON.stringify({
    stage: t.stage,
    at: t.at,
    attempt: t.attempt ?? null,
    message: t.message ?? null,
    error: t.error ?? null,
  });
}

function parseJson<T>(text: string | undefined): T | null {
  return text === undefined ? null : (JSON.parse(text) as T);
}

/** A Lua string literal (for the few constants the scripts take from TypeScript). */
function luaString(s: string): string {
  return `'${s.replace(/[\\']/g, '\\$&')}'`;
}

function toRun(h: Hash): RunRecord {
  return {
    id: h.id as string,
    text: h.text as string,
    // a run written before pipelines has neither field
    pipeline: {
      name: h.pipelineName ?? LEGACY_PIPELINE.name,
      version: h.pipelineVersion ?? LEGACY_PIPELINE.version,
    },
    primaryModelId: h.primaryModelId as string,
    secondaryModelId: h.secondaryModelId as string,
    idempotencyKey: h.idempotencyKey ?? null,
    apiKey: h.apiKey ?? null,
    inputHash: h.inputHash as string,
    stage: h.stage as PipelineStage,
    createdAt: h.createdAt as string,
    updatedAt: h.updatedAt as string,
    extraction: parseJson(h.extraction),
    specialization: parseJson(h.specialization),
    error: parseJson(h.error),
    running: (h.running as StageName | undefined) ?? null,
  };
}

function toEvent(runId: string, [id, fields]: [string, string[]]): StageEvent {
  const e = JSON.parse(pairs(fields).e as string) as Omit<StageEvent, 'runId' | 'seq'>;
  return {
    runId,
    seq: Number(id.slice(0, id.indexOf('-'))),
    stage: e.stage,
    at: e.at,
    attempt: e.attempt,
    message: e.message,
    error: e.error,
  };
}
