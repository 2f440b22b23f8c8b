/**
 * The VPC: one public and one private subnet per availability zone (explicit CIDR plan), an internet
 * gateway, NAT gateway(s), route tables and an S3 gateway endpoint for the private subnets, with the
 * tags EKS load balancers and Karpenter discover subnets by.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { planSubnets, type Settings } from "../config";

export interface NetworkArgs {
  /** The network settings (CIDR, AZ count, NAT gateways, subnet size). */
  readonly network: Settings["network"];
  /** AWS region of the stack (for the S3 endpoint's service name). */
  readonly region: string;
  /** Name of the EKS cluster that will use the subnets (subnet discovery tags). */
  readonly clusterName: string;
  /** Tags for every resource. */
  readonly tags?: Record<string, string>;
}

/** Whether a subnet faces the internet or not. */
export type SubnetTier = "public" | "private";

/**
 * Tags of a subnet: the EKS role tag the AWS Load Balancer Controller and the in-tree controller
 * select subnets by, and on private subnets Karpenter's discovery tag.
 */
export function subnetTags(tier: SubnetTier, clusterName: string): Record<string, string> {
  return tier === "public"
    ? { "kubernetes.io/role/elb": "1" }
    : { "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": clusterName };
}

/** Index of the NAT gateway the private subnet of AZ `azIndex` routes through. */
export function natGatewayFor(azIndex: number, natGateways: number): number {
  if (natGateways < 1) throw new Error("natGateways must be at least 1");
  return azIndex % natGateways;
}

/** Stable key of the AZ at `index` in resource names (`az1`, `az2`, …). */
export function azKey(index: number): string {
  return `az${index + 1}`;
}

/** The VPC, its subnets, gateways, route tables and S3 endpoint (`pipeline:infra:Network`). */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  public readonly privateRouteTableIds: pulumi.Output<string[]>;
  public readonly s3EndpointId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Network", name, {}, opts);
    const self = { parent: this };
    const tags = args.tags ?? {};
    const named = (suffix: string, extra: Record<string, string> = {}) => ({
      ...tags,
      ...extra,
      Name: `${args.clusterName}-${suffix}`,
    });
    const plan = planSubnets(args.network);
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, self);
    const partition = aws.getPartitionOutput({}, self);

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.network.cidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: named("vpc"),
      },
      self,
    );
    // Take every rule away from the default security group so nothing lands in an open group by accident.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, tags: named("default-deny") },
      self,
    );
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: named("igw") },
      self,
    );

    const subnet = (tier: SubnetTier, i: number, cidr: string) =>
      new aws.ec2.Subnet(
        `${name}-${tier}-${azKey(i)}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: zones.names.apply((names) => zoneAt(names, i)),
          // Nothing gets a public IP by itself: NAT gateways use Elastic IPs, nodes stay private.
          mapPublicIpOnLaunch: false,
          tags: named(`${tier}-${azKey(i)}`, subnetTags(tier, args.clusterName)),
        },
        self,
      );
    const publicSubnets = plan.publicCidrs.map((cidr, i) => subnet("public", i, cidr));
    const privateSubnets = plan.privateCidrs.map((cidr, i) => subnet("private", i, cidr));

    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: named("public"),
      },
      self,
    );
    publicSubnets.forEach(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-public-${azKey(i)}`,
          { subnetId: s.id, routeTableId: publicRoutes.id },
          self,
        ),
    );

    const natGateways = publicSubnets.slice(0, args.network.natGateways).map((s, i) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-${azKey(i)}`,
        { domain: "vpc", tags: named(`nat-${azKey(i)}`) },
        self,
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${azKey(i)}`,
        { allocationId: eip.id, subnetId: s.id, tags: named(`nat-${azKey(i)}`) },
        { ...self, dependsOn: [igw] },
      );
    });
    const privateRouteTables = privateSubnets.map((s, i) => {
      const nat = natGateways[natGatewayFor(i, natGateways.length)];
      const table = new aws.ec2.RouteTable(
        `${name}-private-rt-${azKey(i)}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat?.id }],
          tags: named(`private-${azKey(i)}`),
        },
        self,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${azKey(i)}`,
        { subnetId: s.id, routeTableId: table.id },
        self,
      );
      return table;
    });

    // S3 traffic from the nodes stays on the AWS network and skips the NAT gateway's per-GB charge.
    const s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: pulumi.interpolate`${partition.reverseDnsPrefix}.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTables.map((t) => t.id),
        tags: named("s3"),
      },
      self,
    );

    this.vpcId = vpc.id;
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.privateRouteTableIds = pulumi.all(privateRouteTables.map((t) => t.id));
    this.s3EndpointId = s3Endpoint.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      privateRouteTableIds: this.privateRouteTableIds,
      s3EndpointId: this.s3EndpointId,
    });
  }
}

/** The AZ name at `index`, failing clearly when the region has too few zones. */
export function zoneAt(names: string[], index: number): string {
  const zone = names[index];
  if (zone === undefined) {
    throw new Error(
      `the region offers ${names.length} availability zones; azCount needs ${index + 1}`,
    );
  }
  return zone;
}
