/** Kubernetes workloads: the component and its pure spec builders. */
export * from "./scaling";
export * from "./specs";
export * from "./workloads";
