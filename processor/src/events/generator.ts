/**
 * Realistic store events for `processor produce`: the seed's fields, with values drawn from a small
 * catalogue (categories with their own price ranges and variants), sales of a few items and larger
 * inventory movements, occasional returns, and a configurable share of bad events that lack
 * `store_id`. Randomness and ids are injected so tests are deterministic.
 */
import { randomUUID } from "node:crypto";
import type { EventType } from "./event";

/** A uniform random number in [0, 1). */
export type Random = () => number;

/** What the producer sends for one event: the body and the `event_type` attribute. */
export interface GeneratedEvent {
  readonly requestId: string;
  readonly eventType: EventType;
  readonly body: string;
  /** True when the event was made invalid on purpose (no `store_id`). */
  readonly bad: boolean;
}

interface Category {
  readonly name: string;
  readonly price: readonly [number, number];
  readonly variants: readonly string[];
}

const COLOURS = ["black", "white", "red", "blue", "green", "grey"] as const;
const SIZES = ["XS", "S", "M", "L", "XL"] as const;

/** The catalogue: prices in the store's currency, variants that make sense per category. */
export const CATEGORIES: readonly Category[] = [
  { name: "Books", price: [4.99, 59.99], variants: ["paperback", "hardcover", "ebook"] },
  { name: "Games", price: [9.99, 79.99], variants: ["standard", "deluxe", "collector"] },
  { name: "Mobiles", price: [149, 1299], variants: ["64GB", "128GB", "256GB", "512GB"] },
  { name: "Groceries", price: [0.49, 39.99], variants: ["single", "pack-of-6", "family"] },
  { name: "Shoes", price: [24.99, 189.99], variants: [...COLOURS] },
  { name: "Apparel", price: [7.99, 149.99], variants: [...SIZES] },
  { name: "Stationery", price: [0.99, 24.99], variants: [...COLOURS] },
  { name: "Laptops", price: [399, 2899], variants: ["8GB", "16GB", "32GB"] },
  { name: "Tablets", price: [129, 1099], variants: ["wifi", "cellular"] },
  { name: "Cameras", price: [199, 2499], variants: ["body", "kit"] },
  { name: "Printers", price: [69, 499], variants: ["inkjet", "laser"] },
  { name: "Monitors", price: [109, 999], variants: ["24in", "27in", "32in"] },
];

/** Options of {@link EventGenerator}. */
export interface GeneratorOptions {
  /** Share of events sent without `store_id`, in [0, 1]. */
  readonly badEventRatio: number;
  /** Number of stores; ids are 1..stores. */
  readonly stores?: number;
  /** Injected randomness (tests use a seeded one). */
  readonly random?: Random;
  /** Injected request ids. */
  readonly uuid?: () => string;
  /** Injected clock for `ts`. */
  readonly now?: () => Date;
}

/**
 * A small seeded PRNG (mulberry32), for reproducible streams in tests and benchmarks. Hand-written:
 * eight lines with no statistical demands on them; a PRNG package would add a dependency for nothing.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makes store events one at a time. */
export class EventGenerator {
  private readonly random: Random;
  private readonly uuid: () => string;
  private readonly now: () => Date;
  private readonly stores: number;

  constructor(private readonly options: GeneratorOptions) {
    if (!(options.badEventRatio >= 0 && options.badEventRatio <= 1)) {
      throw new RangeError(`badEventRatio must be between 0 and 1, got ${options.badEventRatio}`);
    }
    this.random = options.random ?? Math.random;
    this.uuid = options.uuid ?? randomUUID;
    this.now = options.now ?? (() => new Date());
    this.stores = options.stores ?? 40;
    if (!Number.isInteger(this.stores) || this.stores < 1) {
      throw new RangeError(`stores must be a positive integer, got ${this.stores}`);
    }
  }

  /** The next event. */
  next(): GeneratedEvent {
    const eventType: EventType = this.random() < 0.6 ? "sale_event" : "inventory_event";
    const category = this.pick(CATEGORIES);
    const [low, high] = category.price;
    const requestId = this.uuid();
    const event: Record<string, unknown> = {
      request_id: requestId,
      store_id: this.int(1, this.stores),
      cust_id: this.int(100, 99_999),
      category: category.name,
      sku: this.int(10_000, 999_999),
      price: round(low + this.random() * (high - low), 2),
      // Shoppers buy a few items; inventory moves in cases.
      qty: eventType === "sale_event" ? this.int(1, 5) : this.int(6, 240),
      // Most lines sell at full price.
      discount: this.random() < 0.7 ? 0 : round(this.random() * 40, 1),
      gift_wrap: eventType === "sale_event" && this.random() < 0.1,
      variant: this.pick(category.variants),
      priority_shipping: this.random() < 0.25,
      ts: this.now().toISOString(),
    };
    if (eventType === "sale_event" && this.random() < 0.05) event.is_return = true;
    const bad = this.random() < this.options.badEventRatio;
    if (bad) delete event.store_id;
    return { requestId, eventType, body: JSON.stringify(event), bad };
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.random() * items.length)];
    if (item === undefined) throw new RangeError("cannot pick from an empty list");
    return item;
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
