/**
 * The subnet plan of the network the settings describe: one private and one public subnet per AZ,
 * private first. CIDR arithmetic is netmask's (the library pulumi-awsx plans subnets with).
 *
 * It lives in config/ rather than beside `infra/network/` because `parseSettings` must refuse a plan
 * that cannot fit before anything is deployed, and config/ imports nothing above it; the network
 * component imports the plan from here (docs/DESIGN.md "Layers").
 */
import { ip2long, Netmask } from "netmask";

/** The network keys the plan depends on. */
export interface NetworkPlanInput {
  readonly cidr: string;
  readonly azCount: number;
  readonly privateSubnetPrefix: number;
}

/** A parsed IPv4 CIDR: the base address as a number and the prefix length. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

const DOTTED_CIDR = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/;

/** Parses `a.b.c.d/n`; undefined when it is not a valid IPv4 CIDR whose base is aligned to n. */
export function parseCidr(text: string): Cidr | undefined {
  if (!DOTTED_CIDR.test(text)) return undefined;
  let block: Netmask;
  try {
    block = new Netmask(text);
  } catch {
    return undefined;
  }
  // netmask normalises `10.0.0.1/16` to `10.0.0.0/16`; a VPC CIDR must already be aligned.
  if (block.toString() !== text) return undefined;
  return { base: ip2long(block.base), prefix: block.bitmask };
}

/** The planned subnets, in AZ order. */
export interface SubnetPlan {
  readonly privateCidrs: string[];
  readonly publicCidrs: string[];
}

/** Public subnets are this many bits longer than private ones (they hold only NAT gateways and LBs). */
const PUBLIC_EXTRA_BITS = 4;

/** `count` consecutive blocks of `prefix` starting at `first`. */
function consecutive(first: string, prefix: number, count: number): Netmask[] {
  let block = new Netmask(`${first}/${prefix}`);
  const blocks = [block];
  while (blocks.length < count) blocks.push((block = block.next()));
  return blocks;
}

/**
 * Plans subnets inside the VPC CIDR: private subnets of `privateSubnetPrefix` packed from the start,
 * then public subnets 4 bits smaller. Throws when the plan does not fit (`parseSettings` refuses such
 * settings first, with the same reason).
 */
export function planSubnets(network: NetworkPlanInput): SubnetPlan {
  const error = subnetPlanError(network);
  if (error) throw new RangeError(`network.cidr: ${error}`);
  const vpc = new Netmask(network.cidr);
  const privates = consecutive(vpc.base, network.privateSubnetPrefix, network.azCount);
  const publicStart = privates.reduce((_, b) => b).next().base;
  const publicPrefix = network.privateSubnetPrefix + PUBLIC_EXTRA_BITS;
  const publics = consecutive(publicStart, publicPrefix, network.azCount);
  return {
    privateCidrs: privates.map((b) => b.toString()),
    publicCidrs: publics.map((b) => b.toString()),
  };
}

/** Why the subnet plan cannot fit the VPC CIDR, or undefined when it fits. */
export function subnetPlanError(network: NetworkPlanInput): string | undefined {
  const vpc = parseCidr(network.cidr);
  if (!vpc) return "must be an aligned IPv4 CIDR like 10.0.0.0/16";
  // VPC sizes: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html (/16 to /28;
  // the program keeps /24 as the smallest that holds its subnets).
  if (vpc.prefix < 16 || vpc.prefix > 24)
    return `prefix /${vpc.prefix} is outside what a VPC allows (/16 to /24)`;
  const { azCount, privateSubnetPrefix } = network;
  if (privateSubnetPrefix <= vpc.prefix) {
    return `privateSubnetPrefix /${privateSubnetPrefix} must be longer than the VPC's /${vpc.prefix}`;
  }
  const publicPrefix = privateSubnetPrefix + PUBLIC_EXTRA_BITS;
  if (publicPrefix > 28)
    return `privateSubnetPrefix /${privateSubnetPrefix} leaves public subnets smaller than /28`;
  const needed = azCount * 2 ** (32 - privateSubnetPrefix) + azCount * 2 ** (32 - publicPrefix);
  const available = 2 ** (32 - vpc.prefix);
  if (needed > available) {
    return `${azCount} private /${privateSubnetPrefix} and public /${publicPrefix} subnets need ${needed} addresses but ${network.cidr} has ${available}; use a larger CIDR or a longer privateSubnetPrefix`;
  }
  return undefined;
}
