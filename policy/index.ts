/**
 * The CrossGuard policy pack entry: `pulumi preview --policy-pack policy`. Constructing the pack
 * starts the analyzer server, so nothing else imports this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./policies";

new PolicyPack(POLICY_PACK_NAME, {
  description:
    "Guardrails of the event pipeline: encryption, least privilege, private nodes, hardened pods.",
  enforcementLevel: "mandatory",
  policies,
});
