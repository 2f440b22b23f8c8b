/** The infrastructure components, one per file (see each file for what it builds and why). */
export { Network } from "./network";
export { Cluster } from "./cluster";
export { Storage } from "./storage";
export { Queues } from "./queues";
export { Identity } from "./identity";
export { Keda } from "./keda";
export { ProcessorImage } from "./image";
export { Monitoring } from "./monitoring";
export { Karpenter } from "./karpenter";
export { Orchestration } from "./orchestration";
export { AutoMode } from "./auto-mode";
