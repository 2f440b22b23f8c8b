/** Kubernetes workloads: the component and its pure spec builders. */
export * from "./specs";
export * from "./workloads";
