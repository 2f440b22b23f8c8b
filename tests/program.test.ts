import { byType, runProgram } from "./support/program";

describe.each(["dev", "prod"])("the program under mocks (%s)", (stack) => {
  test("evaluates and exports resolved outputs", async () => {
    const run = await runProgram(stack);
    expect(run.outputs.vpcId).toEqual(expect.any(String));
    expect(byType(run, "aws:ec2/subnet:Subnet")).toHaveLength(run.settings.network.azCount * 2);
  });
});
