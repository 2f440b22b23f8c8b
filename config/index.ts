/**
 * The stack's configuration layer (docs/DESIGN.md "Layers"): the settings schema, cross-field rules
 * and config decoding; physical names; the outputs contract. Imports only the processor's contract.
 */
export * from "./schema";
export * from "./rules";
export * from "./parse";
export * from "./decode";
export * from "./subnets";
export * from "./names";
export * from "./limits";
export * from "./physical";
export * from "./fit";
export * from "./outputs";
export * from "./sizes";
export * from "./heap";
export * from "./quota";
