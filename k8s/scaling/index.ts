/** The scaling rules read back from the KEDA objects, and KEDA 2.20's formulas over them. */
export * from "./formulas";
export * from "./rules";
