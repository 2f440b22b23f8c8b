/**
 * `tsx harness/preview-access.ts <stack> <role-arn>`: whether the role the preview workflow assumes
 * is one of the stack's `cluster.previewPrincipalArns`, i.e. whether it has the read-only access
 * entry a `pulumi preview` needs once the cluster exists (README "Pull-request previews"). Prints a
 * GitHub Actions warning when it is not (a stack whose cluster does not exist yet previews without
 * it), and exits 0 either way; exits 2 on bad arguments.
 */
import { parseSettings, PROJECT, settingsInputFromConfig } from "../config";
import { stackConfig } from "./program";

/** Whether `roleArn` may preview `stack` against its cluster. */
export function hasPreviewAccess(stack: string, roleArn: string): boolean {
  const settings = parseSettings(settingsInputFromConfig(stackConfig(stack)), {
    project: PROJECT,
    stack,
  });
  return settings.cluster.previewPrincipalArns.includes(roleArn);
}

function main(argv: readonly string[]): number {
  const [stack, roleArn] = argv;
  if (!stack || !roleArn) {
    process.stderr.write("usage: tsx harness/preview-access.ts <stack> <role-arn>\n");
    return 2;
  }
  if (!hasPreviewAccess(stack, roleArn)) {
    process.stdout.write(
      `::warning::${roleArn} is not in ${PROJECT}:cluster.previewPrincipalArns of Pulumi.${stack}.yaml: ` +
        "once the cluster exists, the preview cannot read it (add the role and run pulumi up once)\n",
    );
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
