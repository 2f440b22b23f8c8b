/**
 * IAM documents (identity, resource, key and trust policies) as pure builders over ARNs: the shared
 * document types and helpers, and each component's policies. CrossGuard rules are in `policy/`.
 */
export * from "./documents";
export * from "./karpenter";
export * from "./monitoring";
export * from "./orchestration";
export * from "./auto-mode";
